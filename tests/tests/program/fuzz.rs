//! Stateful fuzzing of instruction sequences (see `spice_tests::fuzz`).
//!
//! CI runs a fixed seed; pick another with `FUZZ_SEED` (decimal or 0x-hex) and a length with
//! `FUZZ_STEPS`, e.g.
//! `FUZZ_SEED=0xdeadbeef FUZZ_STEPS=50000 cargo test -p spice-tests --test program fuzz -- --nocapture`.
//! On a failure the shrinker replays with steps removed, bounded by `FUZZ_SHRINK_REPLAYS`
//! (default 60) and `FUZZ_SHRINK_SECONDS` (default 120). `FUZZ_SELFTEST=approve_job:2` injects a
//! failure at the 2nd successful approve_job, to see the report and the shrinker work.

use spice_tests::fuzz::{fuzz, FuzzConfig};

/// Default seed of CI runs.
const CI_SEED: u64 = 0x5EED_5A1C_E000_0001;
/// Default number of steps of CI runs.
const CI_STEPS: usize = 10_000;

#[test]
fn fuzz_instruction_sequences() {
    fuzz(FuzzConfig::from_env(CI_SEED, CI_STEPS));
}
