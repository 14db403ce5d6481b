//! Stateful fuzzing of instruction sequences against a model built on the program's own pure
//! functions (see `spice_tests::fuzz`).
//!
//! CI runs a fixed seed; pick another with `FUZZ_SEED` (decimal or 0x-hex), a length with
//! `FUZZ_STEPS`, the mints with `FUZZ_MINTS` (spl, t22, mixed, single; by default the seed picks)
//! and a freeze authority with `FUZZ_FREEZE` (0 or 1), e.g.
//! `FUZZ_SEED=0xdeadbeef FUZZ_STEPS=20000 cargo test -p spice-tests --test program fuzz -- --nocapture`.
//! The hostile run (a mint's issuer turning it into one the network refuses) takes
//! `FUZZ_HOSTILE_STEPS`. On a failure the shrinker replays with steps removed, bounded by
//! `FUZZ_SHRINK_REPLAYS` (default 60) and `FUZZ_SHRINK_SECONDS` (default 120).
//! `FUZZ_SELFTEST=approve_job:2` injects a failure at the 2nd successful approve_job, to see the
//! report and the shrinker work.

use spice_tests::fuzz::{fuzz, FuzzConfig};

/// Default seed of CI runs (mixed mints, with a freeze authority).
const CI_SEED: u64 = 0x5EED_5A1C_E000_0001;
/// Default number of steps of CI runs.
const CI_STEPS: usize = 10_000;
/// Default number of steps of the hostile-issuer run: it ends the network's usefulness a third
/// of the way in, so a short run says all it can.
const HOSTILE_STEPS: usize = 900;

#[test]
fn fuzz_instruction_sequences() {
    fuzz(FuzzConfig::from_env(CI_SEED, CI_STEPS));
}

/// A Token-2022 mint overwritten with a forbidden extension partway through: from then on
/// every instruction that moves its tokens refuses with `UnsupportedMintExtension`, everything
/// else goes on as the model says, and no invariant breaks.
#[test]
fn fuzz_with_a_hostile_mint_issuer() {
    fuzz(FuzzConfig::hostile(CI_SEED, HOSTILE_STEPS));
}
