// Every instruction module has a `handler`; lib.rs calls each by its module path, so the
// glob re-exports (needed for the Accounts structs and their generated client modules) may
// shadow one another harmlessly.
#![allow(ambiguous_glob_reexports)]

pub mod accept_authority;
pub mod add_attestor;
pub mod apply_params;
pub mod create_network;
pub mod propose_authority;
pub mod propose_params;
pub mod remove_attestor;
pub mod set_pause;
pub mod withdraw_treasury;

pub use accept_authority::*;
pub use add_attestor::*;
pub use apply_params::*;
pub use create_network::*;
pub use propose_authority::*;
pub use propose_params::*;
pub use remove_attestor::*;
pub use set_pause::*;
pub use withdraw_treasury::*;
