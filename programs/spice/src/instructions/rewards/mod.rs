// Every instruction module has a `handler`; lib.rs calls each by its module path.
#![allow(ambiguous_glob_reexports)]

pub mod claim_rewards;
pub mod close_epoch;
pub mod close_epoch_shard;
pub mod close_provider_book;
pub mod finalize_epoch;
pub mod fund_rewards;
pub mod shards;

pub use claim_rewards::*;
pub use close_epoch::*;
pub use close_epoch_shard::*;
pub use close_provider_book::*;
pub use finalize_epoch::*;
pub use fund_rewards::*;
