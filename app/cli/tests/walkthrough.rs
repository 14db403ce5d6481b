//! docs/CLI.md's "A newcomer's first hour", run as written: its `sh` block, line by line with
//! `bash -e`, in a temporary HOME and working directory holding a copy of `migrations/` (with
//! `audit_rate_bps = 0`, so that no job is drawn for attestation and the run is
//! deterministic), with `spice` on the PATH.

use std::path::Path;
use std::process::Command;

/// The first ```sh block after the walkthrough's heading.
fn walkthrough() -> String {
    let doc =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/CLI.md"))
            .expect("docs/CLI.md");
    let section = doc
        .split("## A newcomer's first hour")
        .nth(1)
        .expect("the walkthrough's heading");
    let block = section
        .split("```sh\n")
        .nth(1)
        .expect("its sh block")
        .split("```")
        .next()
        .expect("the block's end");
    block.to_string()
}

#[test]
fn the_first_hour_runs_as_written() {
    let home = tempfile::tempdir().expect("home");
    let work = tempfile::tempdir().expect("working directory");
    let bin = home.path().join("bin");
    std::fs::create_dir_all(&bin).expect("bin");
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_spice"), bin.join("spice")).expect("link");
    if Command::new("jq").arg("--version").output().is_err() {
        // The walkthrough uses `jq -r .job`; without jq, a stand-in for that one use.
        let shim = bin.join("jq");
        std::fs::write(
            &shim,
            "#!/bin/sh\nkey=${2#.}\nsed -n \"s/.*\\\"$key\\\": \\\"\\([^\\\"]*\\)\\\".*/\\1/p\" | head -1\n",
        )
        .expect("jq shim");
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&shim, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    let migrations = work.path().join("migrations");
    std::fs::create_dir_all(&migrations).expect("migrations");
    let deploy = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../migrations/embedded.toml"),
    )
    .expect("embedded.toml");
    let deploy: String = deploy
        .lines()
        .map(|l| {
            if l.starts_with("audit_rate_bps") {
                "audit_rate_bps = 0".to_string()
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(migrations.join("embedded.toml"), deploy).expect("deploy file");
    let script = format!("set -euo pipefail\nset -x\n{}", walkthrough());
    let path = std::env::var("PATH").unwrap_or_default();
    let out = Command::new("bash")
        .arg("-c")
        .arg(&script)
        .current_dir(work.path())
        .env("HOME", home.path())
        .env("PATH", format!("{}:{path}", bin.display()))
        .env_remove("SPICE_URL")
        .env_remove("SPICE_LEDGER")
        .env_remove("SPICE_KEYPAIR")
        .env_remove("SPICE_NETWORK")
        .env_remove("SPICE_SOLANA_CONFIG")
        .output()
        .expect("bash");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "the walkthrough stopped:\n{stdout}\n{stderr}"
    );
    // What a newcomer should see along the way.
    for expected in [
        "unchanged",
        "registered provider",
        "id:            0 of client",
        "submitted 90 units",
        "settled job",
        "collected 0.08775 payment tokens",
        "claimed",
        "rate cap",
    ] {
        assert!(
            stdout.contains(expected),
            "{expected:?} not in the walkthrough's output:\n{stdout}"
        );
    }
    assert!(
        stderr.contains("sending to: embedded ledger")
            && stderr.contains("chosen by --url embedded"),
        "{stderr}"
    );
}
