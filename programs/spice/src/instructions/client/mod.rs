// Every instruction module has a `handler`; lib.rs calls each by its module path, so the
// glob re-exports (needed for the Accounts structs and their generated client modules) may
// shadow one another harmlessly.
#![allow(ambiguous_glob_reexports)]

pub mod approve_job;
pub mod cancel_job;
pub mod collect_client_payouts;
pub mod create_job;
pub mod dispute_job;

pub use approve_job::*;
pub use cancel_job::*;
pub use collect_client_payouts::*;
pub use create_job::*;
pub use dispute_job::*;
