//! Rust SDK for the Spice program. It reuses the program crate's own account, argument and
//! instruction types (`no-entrypoint` feature), so discriminators and layouts have one source.
//!
//! - [`pda`]: every program address, from the seeds in `spice::state::seeds`;
//! - [`ix`]: one builder per instruction;
//! - [`ledger`]: the chain the program runs on, one blocking interface (its RPC backend here,
//!   feature `rpc`; the embedded runtime is the `spice-ledger` crate);
//! - [`amount`]: token amounts in tokens (the mint's decimals) or base units;
//! - [`accounts`]: fetching and decoding, and the [`accounts::Snapshot`] of a network;
//! - [`flows`]: instructions whose accounts depend on chain state (epochs, claims);
//! - [`audit`]: invariants 1–6 of DESIGN.md recomputed from a snapshot;
//! - [`errors`]: failed transactions in words;
//! - [`history`]: the program's events in transaction logs, instruction names;
//! - [`tokens`]: associated token accounts, mints and transfers.

pub mod accounts;
pub mod amount;
pub mod audit;
pub mod errors;
pub mod flows;
pub mod history;
pub mod ix;
pub mod ledger;
pub mod pda;
pub mod tokens;

pub use spice;
