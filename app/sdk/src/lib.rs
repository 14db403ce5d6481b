//! Rust SDK for the Spice program. It reuses the program crate's own account, argument and
//! instruction types (`no-entrypoint` feature), so discriminators and layouts have one source.
//!
//! - [`pda`]: every program address, from the seeds in `spice::state::seeds`;
//! - [`ix`]: one builder per instruction.

pub mod ix;
pub mod pda;

pub use spice;
