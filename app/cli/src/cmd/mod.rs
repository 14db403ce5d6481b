//! One module per command group.

pub mod agent;
pub mod attestor;
pub mod audit;
pub mod deploy;
pub mod dev;
pub mod job;
pub mod network;
pub mod provider;
pub mod rewards;
pub mod view;
