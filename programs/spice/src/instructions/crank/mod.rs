// Every instruction module has a `handler`; lib.rs calls each by its module path, so the
// glob re-exports (needed for the Accounts structs and their generated client modules) may
// shadow one another harmlessly.
#![allow(ambiguous_glob_reexports)]

pub mod draw_audit;
pub mod expire_job;
pub mod settle_job;

pub use draw_audit::*;
pub use expire_job::*;
pub use settle_job::*;
