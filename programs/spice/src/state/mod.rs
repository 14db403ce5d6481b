//! Account types of the program. Each type owns its transitions and an `invariant()` that the
//! handlers re-check after they mutate it.

pub mod attestor;
pub mod book;
pub mod client;
pub mod epoch;
pub mod job;
pub mod lifecycle;
pub mod network;
pub mod provider;
pub mod seeds;

pub use attestor::*;
pub use book::*;
pub use client::*;
pub use epoch::*;
pub use job::*;
pub use network::*;
pub use provider::*;

/// Layout version written into every account; a future incompatible layout bumps it.
pub const ACCOUNT_VERSION: u8 = 1;
