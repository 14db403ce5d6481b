//! Wallets like the solana CLI: the cluster and keypair come from --url/--keypair, else the
//! solana CLI config file (SPICE_SOLANA_CONFIG here), else the defaults; the embedded ledger
//! only when chosen; keypairs only created when asked (0600); mutating commands say which
//! cluster and signer they use; errors as JSON with -o json.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

struct Out {
    code: i32,
    json: Value,
    stderr: String,
}

/// Runs `spice` with HOME in `home` and no SPICE_* variables but `env`.
fn spice(home: &Path, env: &[(&str, &Path)], args: &[&str]) -> Out {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_spice"));
    cmd.env("HOME", home);
    for var in [
        "SPICE_URL",
        "SPICE_LEDGER",
        "SPICE_KEYPAIR",
        "SPICE_NETWORK",
        "SPICE_SOLANA_CONFIG",
        "SPICE_COMPUTE_UNIT_PRICE",
    ] {
        cmd.env_remove(var);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.args(args).output().expect("run spice");
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    Out {
        code: out.status.code().unwrap_or(-1),
        json: serde_json::from_str(&stdout).unwrap_or(Value::Null),
        stderr: String::from_utf8_lossy(&out.stderr).to_string(),
    }
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).expect("file").permissions().mode() & 0o777
}

fn config(dir: &Path, url: &str, keypair: &Path) -> PathBuf {
    let file = dir.join("config.yml");
    std::fs::write(
        &file,
        format!(
            "---\njson_rpc_url: \"{url}\"\nwebsocket_url: \"\"\nkeypair_path: {}\naddress_labels:\n  \"11111111111111111111111111111111\": System Program\ncommitment: confirmed\n",
            keypair.display()
        ),
    )
    .expect("write config");
    file
}

#[test]
fn without_a_chosen_cluster_nothing_runs_and_the_error_says_how_to_choose() {
    let home = tempfile::tempdir().expect("home");
    let out = spice(home.path(), &[], &["-o", "json", "network", "show"]);
    assert_eq!(out.code, 1);
    assert_eq!(
        out.json["error"]["name"], "NoClusterChosen",
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("--url embedded"), "{}", out.stderr);
    assert!(
        !home.path().join(".config/spice/ledger.json").exists(),
        "no embedded ledger was created"
    );
}

#[test]
fn a_forgotten_url_uses_the_solana_config_and_its_keypair() {
    let home = tempfile::tempdir().expect("home");
    let key = home.path().join("id.json");
    let cfg = config(home.path(), "http://127.0.0.1:9", &key);
    // keygen writes where the config's keypair_path says, 0600; never over an existing key.
    let made = spice(
        home.path(),
        &[("SPICE_SOLANA_CONFIG", &cfg)],
        &["-o", "json", "dev", "keygen"],
    );
    assert_eq!(made.code, 0, "{}", made.stderr);
    assert!(key.exists());
    #[cfg(unix)]
    assert_eq!(mode(&key), 0o600, "readable by its owner only");
    let again = spice(
        home.path(),
        &[("SPICE_SOLANA_CONFIG", &cfg)],
        &["dev", "keygen"],
    );
    assert_eq!(again.code, 1);
    assert!(
        again.stderr.contains("refusing to replace"),
        "{}",
        again.stderr
    );
    let forced = spice(
        home.path(),
        &[("SPICE_SOLANA_CONFIG", &cfg)],
        &["-o", "json", "dev", "keygen", "--force"],
    );
    assert_eq!(forced.code, 0);
    assert_ne!(forced.json["pubkey"], made.json["pubkey"]);
    // No --url: the config's cluster (unreachable here), not the embedded ledger.
    let out = spice(
        home.path(),
        &[("SPICE_SOLANA_CONFIG", &cfg)],
        &[
            "-o",
            "json",
            "--network",
            "11111111111111111111111111111111",
            "network",
            "show",
        ],
    );
    assert_eq!(out.code, 1);
    assert_eq!(
        out.json["error"]["name"], "LedgerUnavailable",
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("127.0.0.1:9"), "{}", out.stderr);
    assert!(!home.path().join(".config/spice/ledger.json").exists());
}

#[test]
fn keypairs_are_created_only_when_asked_and_the_signer_is_announced() {
    let home = tempfile::tempdir().expect("home");
    let ledger = home.path().join("ledger.json");
    let wallet = home.path().join("wallets/new.json");
    let wallet_arg = wallet.to_string_lossy().to_string();
    // A mistyped -k names a file that does not exist: refused, nothing created.
    let out = spice(
        home.path(),
        &[("SPICE_LEDGER", &ledger)],
        &["-o", "json", "-k", &wallet_arg, "dev", "airdrop"],
    );
    assert_eq!(out.code, 1);
    assert_eq!(out.json["error"]["name"], "NoKeypair");
    assert!(out.stderr.contains("spice dev keygen"), "{}", out.stderr);
    assert!(!wallet.exists(), "no keypair was created");
    // The default wallet (~/.config/solana/id.json) is never created silently either.
    let out = spice(
        home.path(),
        &[("SPICE_LEDGER", &ledger)],
        &["dev", "airdrop"],
    );
    assert_eq!(out.code, 1);
    assert!(!home.path().join(".config/solana/id.json").exists());
    // --create creates it, 0600.
    let out = spice(
        home.path(),
        &[("SPICE_LEDGER", &ledger)],
        &[
            "-o",
            "json",
            "-k",
            &wallet_arg,
            "--create",
            "dev",
            "create-mint",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    #[cfg(unix)]
    assert_eq!(mode(&wallet), 0o600);
    // A mutating command says where it sends and who signs.
    assert!(
        out.stderr.contains("sending to: embedded ledger")
            && out.stderr.contains("chosen by --ledger")
            && out.stderr.contains(&wallet_arg),
        "{}",
        out.stderr
    );
    let out = spice(
        home.path(),
        &[],
        &[
            "--url",
            "embedded",
            "--ledger",
            &ledger.to_string_lossy(),
            "-k",
            &wallet_arg,
            "dev",
            "create-mint",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr.contains("chosen by --url embedded"),
        "{}",
        out.stderr
    );
}
