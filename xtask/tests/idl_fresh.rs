//! Fails when `idl/spice.json` no longer matches the program: rebuilds the IDL with
//! `xtask idl --check` (its own target dir, `target/idl`) and prints the command that
//! regenerates the file.

use std::process::Command;

use xtask::{IDL_FILE, REGENERATE_COMMAND};

/// The last `n` lines of `text`.
fn tail(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

#[test]
fn committed_idl_matches_the_program() {
    let output = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["idl", "--check"])
        .env_remove("RUSTUP_TOOLCHAIN")
        .output()
        .expect("failed to start the xtask binary");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "{IDL_FILE} is stale or the IDL did not build.\n\n\
         --- xtask output (last lines) ---\n{}\n{}\n---\n\n\
         Regenerate the IDL with:\n\n    {REGENERATE_COMMAND}\n",
        stdout.trim(),
        tail(&stderr, 60),
    );
}
