//! Every PDA seed prefix of the program, in one place: the program, the SDK and the tests all
//! derive addresses from these constants.

/// `["network", creator, id (u64 LE)]`: the creator's key in the seeds stops anyone from
/// squatting another operator's network address.
pub const NETWORK: &[u8] = b"network";
/// `["provider", network, owner]`: one provider account per owner and network.
pub const PROVIDER: &[u8] = b"provider";
/// `["stake", provider]`: the provider's stake vault (stake mint), authority = the Provider PDA.
pub const STAKE_VAULT: &[u8] = b"stake";
/// `["job", network, client, job id (u64 LE)]`.
pub const JOB: &[u8] = b"job";
/// `["escrow", job]`: the job's escrow vault (payment mint), authority = the Job PDA.
pub const ESCROW_VAULT: &[u8] = b"escrow";
/// `["attestor", network, key]`.
pub const ATTESTOR: &[u8] = b"attestor";
/// `["attestation", job, attestor key]`.
pub const ATTESTATION: &[u8] = b"attestation";
/// `["epoch", network, index (u64 LE)]`.
pub const EPOCH: &[u8] = b"epoch";
/// `["epoch_shard", network, index (u64 LE), shard (u8)]`.
pub const EPOCH_SHARD: &[u8] = b"epoch_shard";
/// `["provider_epoch", provider, index (u64 LE)]`.
pub const PROVIDER_EPOCH: &[u8] = b"provider_epoch";
/// `["rewards", network]`: the reward vault (stake mint), authority = the Network PDA.
pub const REWARD_VAULT: &[u8] = b"rewards";
/// `["treasury", network, mint]`: one treasury vault per mint, authority = the Network PDA.
pub const TREASURY: &[u8] = b"treasury";
