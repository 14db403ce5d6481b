// Every instruction module has a `handler`; lib.rs calls each by its module path.
#![allow(ambiguous_glob_reexports)]

pub mod attest;
pub mod close_attestation;

pub use attest::*;
pub use close_attestation::*;
