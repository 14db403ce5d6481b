#![allow(ambiguous_glob_reexports)]
//! One file per instruction, grouped by who calls it.

pub mod attestor;
pub mod authority;
pub mod client;
pub mod crank;
pub mod escrow;
pub mod provider;
pub mod rewards;

pub use attestor::*;
pub use authority::*;
pub use client::*;
pub use crank::*;
pub use escrow::*;
pub use provider::*;
pub use rewards::*;
