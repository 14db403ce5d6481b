//! The program inside the Solana runtime: one module per instruction group, then lifecycles.

mod attest;
mod lifecycle;
mod rewards;
