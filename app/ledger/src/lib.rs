//! The Spice program's local chain, one runtime layer for every local use:
//!
//! - [`Runtime`]: LiteSVM with the Spice program registered natively (host-compiled, through
//!   [`native`]) beside the SBF builds of SPL Token, Token-2022 and Associated Token that
//!   solana-program-test bundled, so every token CPI is real; warps that keep SlotHashes
//!   meaningful; snapshots and the SDK's audit of a network; blocking, one transaction at a time;
//! - [`Embedded`]: the SDK's [`spice_sdk::ledger::Ledger`] on a runtime, with signing, the
//!   program's `msg!` output kept off standard output ([`capture`]) and, for the CLI, the state
//!   persisted to a JSON file under an exclusive lock;
//! - [`rng`]: the seeded randomness the fuzzer and the simulator share.
//!
//! The CLI (its embedded ledger and `spice simulate`) and the tests build on this crate; the
//! SDK does not depend on it, so a wallet or an indexer using the SDK compiles no runtime.

pub mod capture;
pub mod embedded;
pub mod native;
pub mod rng;
pub mod runtime;
mod view;

pub use embedded::{Embedded, FileLock, LedgerFile};
pub use runtime::{Executed, Failed, Runtime};

/// Size of a token account without extensions: anything shorter is not one.
pub(crate) const TOKEN_ACCOUNT_LEN: usize =
    <anchor_spl::token_2022::spl_token_2022::state::Account as
        anchor_lang::solana_program::program_pack::Pack>::LEN;
