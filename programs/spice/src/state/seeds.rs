//! Every PDA seed prefix of the program, in one place: the program, the SDK and the tests all
//! derive addresses from these constants.

/// `["network", creator, id (u64 LE)]`: the creator's key in the seeds stops anyone from
/// squatting another operator's network address.
pub const NETWORK: &[u8] = b"network";
/// `["provider", network, owner]`: one provider account per owner and network.
pub const PROVIDER: &[u8] = b"provider";
/// `["stake", provider]`: the provider's stake vault (stake mint), authority = the Provider PDA.
pub const STAKE_VAULT: &[u8] = b"stake";
/// `["client", network, client]`: the client's job counter and refused refunds.
pub const CLIENT: &[u8] = b"client";
/// `["job", network, client, job id (u64 LE)]`; ids come from the client's counter, so an
/// address never names two jobs.
pub const JOB: &[u8] = b"job";
/// `["escrow", job]`: the job's escrow vault (payment mint), authority = the Job PDA.
pub const ESCROW_VAULT: &[u8] = b"escrow";
/// `["attestor", network, key]`.
pub const ATTESTOR: &[u8] = b"attestor";
/// `["attestation", job, attestor key]`.
pub const ATTESTATION: &[u8] = b"attestation";
/// `["epoch_book", network, page (u64 LE)]`: epoch results, `EPOCHS_PER_PAGE` epochs a page.
pub const EPOCH_BOOK: &[u8] = b"epoch_book";
/// `["epoch_shard", network, index (u64 LE), shard (u8)]`.
pub const EPOCH_SHARD: &[u8] = b"epoch_shard";
/// `["provider_book", provider, page (u64 LE)]`: a provider's work per epoch, by page.
pub const PROVIDER_BOOK: &[u8] = b"provider_book";
/// `["rewards", network]`: the reward vault (stake mint), authority = the Network PDA.
pub const REWARD_VAULT: &[u8] = b"rewards";
/// `["treasury", network, mint]`: one treasury vault per mint, authority = the Network PDA.
pub const TREASURY: &[u8] = b"treasury";
/// `["payouts", network, mint]`: one payouts vault per mint, authority = the Network PDA: holds
/// payments whose payee's token account refused them until the payee collects.
pub const PAYOUTS: &[u8] = b"payouts";
