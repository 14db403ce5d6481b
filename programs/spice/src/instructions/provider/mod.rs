// Every instruction module has a `handler`; lib.rs calls each by its module path, so the
// glob re-exports (needed for the Accounts structs and their generated client modules) may
// shadow one another harmlessly.
#![allow(ambiguous_glob_reexports)]

pub mod accept_job;
pub mod begin_unbond;
pub mod close_provider;
pub mod collect_provider_payouts;
pub mod register_provider;
pub mod stake;
pub mod submit_result;
pub mod update_provider;
pub mod withdraw_unbonded;

pub use accept_job::*;
pub use begin_unbond::*;
pub use close_provider::*;
pub use collect_provider_payouts::*;
pub use register_provider::*;
pub use stake::*;
pub use submit_result::*;
pub use update_provider::*;
pub use withdraw_unbonded::*;
