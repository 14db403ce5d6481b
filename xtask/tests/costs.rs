//! docs/COSTS.md against the program: its generated blocks are exactly what
//! `cargo run -p xtask -- costs` measures and renders now (every instruction driven on a fresh
//! runtime; deterministic), and the cost model's list of PDA derivations made in handlers is
//! the program's.

use std::process::Command;

use xtask::costs::source::{derivation_sites, HANDLER_SITES};
use xtask::costs::{COSTS_COMMAND, COSTS_FILE};
use xtask::workspace_root;

#[test]
fn costs_document_is_fresh() {
    // The binary, not this process: the native program's `msg!` lines go to standard output,
    // which the costs task captures at the file-descriptor level and the test harness would
    // capture first.
    let output = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["costs", "--check"])
        .output()
        .expect("failed to start the xtask binary");
    assert!(
        output.status.success(),
        "{COSTS_FILE} is stale or could not be generated:\n{}{}\nRegenerate it with:\n\n    {COSTS_COMMAND}\n",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn handler_derivations_are_the_programs() {
    let found = derivation_sites(&workspace_root()).unwrap();
    let mut listed: Vec<(String, &str, usize)> = HANDLER_SITES
        .iter()
        .map(|s| (s.file.to_string(), s.call, s.sites))
        .collect();
    let mut found = found;
    listed.sort();
    found.sort();
    assert_eq!(
        found, listed,
        "the program derives PDAs in other places than xtask/src/costs/source.rs \
         (HANDLER_SITES and handler_searches) says: update them and regenerate {COSTS_FILE}"
    );
}
