//! The program inside the Solana runtime: one module per instruction group, then lifecycles.

mod attacks;
mod attest;
mod fuzz;
mod guarantees;
mod job;
mod lifecycle;
mod network;
mod payouts;
mod provider;
mod review2;
mod review3;
mod rewards;
mod security;
