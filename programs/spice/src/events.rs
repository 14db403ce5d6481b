//! One event per state change, emitted last by its handler, carrying the amounts moved so an
//! indexer or auditor can follow every token without re-reading accounts.

use anchor_lang::prelude::*;

use crate::state::{ExpireReason, NetworkParams, SettleReason, Verdict};

// ---------------------------------------------------------------- authority

/// A network was created.
#[event]
pub struct NetworkCreated {
    pub network: Pubkey,
    pub creator: Pubkey,
    pub id: u64,
    pub authority: Pubkey,
    pub payment_mint: Pubkey,
    pub stake_mint: Pubkey,
    /// The creator accepted mints with a freeze authority.
    pub freeze_authority_accepted: bool,
    pub params: NetworkParams,
    pub genesis_ts: i64,
}

/// The authority proposed new parameters (`None`: withdrew its proposal). Anyone can apply
/// them from `effective_at`: until then providers who disagree can unbond and leave.
#[event]
pub struct ParamsProposed {
    pub network: Pubkey,
    pub current: NetworkParams,
    pub proposed: Option<NetworkParams>,
    pub effective_at: i64,
}

/// Proposed parameters were put in force.
#[event]
pub struct ParamsUpdated {
    pub network: Pubkey,
    pub old_params: NetworkParams,
    pub new_params: NetworkParams,
}

/// The authority proposed a successor (or cleared the proposal with `None`).
#[event]
pub struct AuthorityProposed {
    pub network: Pubkey,
    pub authority: Pubkey,
    pub pending_authority: Option<Pubkey>,
}

/// The pending authority accepted and is now the authority.
#[event]
pub struct AuthorityAccepted {
    pub network: Pubkey,
    pub old_authority: Pubkey,
    pub new_authority: Pubkey,
}

/// The pause flags changed.
#[event]
pub struct PauseSet {
    pub network: Pubkey,
    pub old_flags: u8,
    pub new_flags: u8,
}

/// Tokens left a treasury vault.
#[event]
pub struct TreasuryWithdrawn {
    pub network: Pubkey,
    pub mint: Pubkey,
    pub destination: Pubkey,
    pub amount: u64,
    pub remaining: u64,
}

// ---------------------------------------------------------------- provider

/// A provider registered with its initial stake.
#[event]
pub struct ProviderRegistered {
    pub network: Pubkey,
    pub provider: Pubkey,
    pub owner: Pubkey,
    pub stake: u64,
}

/// A provider changed its hardware description.
#[event]
pub struct ProviderUpdated {
    pub provider: Pubkey,
    pub gpu_model: String,
    pub gpu_count: u16,
    pub vram_gb: u16,
    pub region: String,
    pub metadata_hash: [u8; 32],
}

/// Stake was added.
#[event]
pub struct Staked {
    pub provider: Pubkey,
    pub amount: u64,
    pub stake: u64,
    pub active: bool,
}

/// Stake moved from active to unbonding.
#[event]
pub struct UnbondStarted {
    pub provider: Pubkey,
    pub amount: u64,
    pub stake: u64,
    pub unbonding: u64,
    pub ready_at: i64,
    pub active: bool,
}

/// Unbonded stake went back to the owner (all of it, or what jobs in progress do not lock).
#[event]
pub struct UnbondWithdrawn {
    pub provider: Pubkey,
    pub owner: Pubkey,
    pub amount: u64,
    /// Unbonding stake still in the vault, locked behind unfinished jobs.
    pub still_unbonding: u64,
}

/// A provider account and its stake vault were closed.
#[event]
pub struct ProviderClosed {
    pub network: Pubkey,
    pub provider: Pubkey,
    pub owner: Pubkey,
}

// ---------------------------------------------------------------- job

/// A client escrowed a job.
#[event]
pub struct JobCreated {
    pub network: Pubkey,
    pub job: Pubkey,
    pub client: Pubkey,
    pub job_id: u64,
    pub target_provider: Option<Pubkey>,
    pub price_per_unit: u64,
    pub max_units: u64,
    pub escrowed: u64,
    pub spec_hash: [u8; 32],
    pub spec_uri: String,
    pub accept_deadline: i64,
}

/// The client cancelled an open job; the escrow went back.
#[event]
pub struct JobCancelled {
    pub job: Pubkey,
    pub client: Pubkey,
    pub refunded: u64,
}

/// A provider accepted a job: its stake behind the job is fixed.
#[event]
pub struct JobAccepted {
    pub job: Pubkey,
    pub provider: Pubkey,
    pub completion_deadline: i64,
    pub stake_at_accept: u64,
    /// Stake slashed if the job is found fraudulent, locked until it ends.
    pub slash_lock: u64,
    /// Counted value at the job's maximum units, held against the exposure limit.
    pub exposure: u64,
}

/// The provider submitted its result.
#[event]
pub struct ResultSubmitted {
    pub job: Pubkey,
    pub provider: Pubkey,
    pub reported_units: u64,
    pub result_hash: [u8; 32],
    pub result_uri: String,
    pub submit_slot: u64,
    pub challenge_deadline: i64,
}

/// The client disputed the result.
#[event]
pub struct JobDisputed {
    pub job: Pubkey,
    pub client: Pubkey,
    pub dispute_deadline: i64,
}

/// A job settled: the provider was paid, the fee went to the treasury, the rest back to the client.
#[event]
pub struct JobSettled {
    pub job: Pubkey,
    pub provider: Pubkey,
    pub client: Pubkey,
    pub reason: SettleReason,
    pub final_units: u64,
    pub provider_payment: u64,
    pub protocol_fee: u64,
    pub client_refund: u64,
    /// The provider's payment waits in the payouts vault (its token account refused it).
    pub provider_payment_owed: bool,
    /// The client's refund waits in the payouts vault.
    pub client_refund_owed: bool,
}

/// A job expired past one of its deadlines; the client got its escrow back.
#[event]
pub struct JobExpired {
    pub job: Pubkey,
    pub client: Pubkey,
    pub provider: Option<Pubkey>,
    pub reason: ExpireReason,
    pub refunded: u64,
    /// The refund waits in the payouts vault (the client's token account refused it).
    pub refund_owed: bool,
}

/// The audit draw of a job was recorded.
#[event]
pub struct AuditDrawn {
    pub job: Pubkey,
    pub selected: bool,
    /// Set when selected: last moment attestors can reach a quorum.
    pub vote_deadline: i64,
}

// ---------------------------------------------------------------- attestor

/// The authority added (or re-added) an attestor: it may vote from `active_from`, on jobs
/// accepted from then on.
#[event]
pub struct AttestorAdded {
    pub network: Pubkey,
    pub attestor: Pubkey,
    pub active_from: i64,
    pub attestor_count: u16,
}

/// The authority removed an attestor: it judges no job accepted from `active_until` on (jobs
/// accepted before keep it); its record stays.
#[event]
pub struct AttestorRemoved {
    pub network: Pubkey,
    pub attestor: Pubkey,
    pub active_until: i64,
    pub attestor_count: u16,
}

/// An attestor voted.
#[event]
pub struct AttestationCast {
    pub job: Pubkey,
    pub attestor: Pubkey,
    pub verdict: Verdict,
    pub measured_units: u64,
    pub evidence_hash: [u8; 32],
    pub evidence_uri: String,
    pub valid_votes: u8,
    pub invalid_votes: u8,
}

/// An Invalid quorum found the result fraudulent: the client was refunded and the provider
/// slashed.
#[event]
pub struct FraudSlashed {
    pub job: Pubkey,
    pub provider: Pubkey,
    pub client: Pubkey,
    pub refunded: u64,
    pub slashed: u64,
    pub slashed_from_active: u64,
    pub slashed_from_unbonding: u64,
    pub to_client: u64,
    pub to_treasury: u64,
    pub provider_stake_after: u64,
    pub suspended: bool,
    /// The refund waits in the payouts vault (the client's token account refused it).
    pub refund_owed: bool,
    /// The client's share of the slash waits in the payouts vault.
    pub to_client_owed: bool,
}

/// An attestation account was closed, its rent returned to the attestor.
#[event]
pub struct AttestationClosed {
    pub job: Pubkey,
    pub attestor: Pubkey,
    /// Whether its verdict went against the final outcome (false when the job closed without
    /// a quorum or the attestation was closed afterwards).
    pub against_outcome: bool,
}

// ---------------------------------------------------------------- rewards

// ---------------------------------------------------------------- payouts

/// A payout was credited to its payee instead of sent: the payee's token account would have
/// refused it. It waits in the network's payouts vault for a `collect_*_payouts`.
#[event]
pub struct PayoutOwed {
    pub network: Pubkey,
    pub job: Pubkey,
    pub payee: Pubkey,
    pub mint: Pubkey,
    pub amount: u64,
}

/// Owed payouts left the payouts vault for the payee's token account(s).
#[event]
pub struct PayoutsCollected {
    pub network: Pubkey,
    pub payee: Pubkey,
    pub payment_amount: u64,
    pub stake_amount: u64,
}

/// Work was recorded for the rewards of an epoch (at settlement).
#[event]
pub struct WorkRecorded {
    pub job: Pubkey,
    pub provider: Pubkey,
    pub epoch: u64,
    pub shard: u8,
    /// `value × m(stake backing the job) / 10_000`.
    pub score: u128,
    /// `score × the job's reward_rate_cap_bps`: its share of the epoch's allocation.
    pub weight: u128,
    /// Counted value: units × min(price, reference price).
    pub value: u64,
    /// The stake the multiplier used: the smaller of the stake at accept and now.
    pub backing_stake: u64,
    pub fee: u64,
}

/// Someone added reward tokens to the reward vault.
#[event]
pub struct RewardsFunded {
    pub network: Pubkey,
    pub funder: Pubkey,
    pub amount: u64,
    pub vault_balance: u64,
}

/// An epoch was finalized: its emission fixed, and what its providers can claim.
#[event]
pub struct EpochFinalized {
    pub network: Pubkey,
    pub epoch: u64,
    pub curve_emission: u64,
    /// The curve capped by the lifetime budget and the vault.
    pub emission: u64,
    pub shortfall: u64,
    /// `min(emission, total_weight / 10_000)`: the rest never leaves the pool.
    pub allocated: u64,
    pub total_score: u128,
    pub total_weight: u128,
    pub total_value: u128,
    pub total_fees: u128,
    pub total_jobs: u64,
    /// Claims are possible until then (later if claims get paused).
    pub claim_deadline: i64,
}

/// A provider claimed rewards for one epoch.
#[event]
pub struct RewardClaimed {
    pub provider: Pubkey,
    pub epoch: u64,
    pub weight: u128,
    pub amount: u64,
    /// Still owed for the epoch: the circuit breaker let only part of it out now.
    pub still_owed: u64,
}

/// A finalized epoch's shard was closed; its rent went back to its payer.
#[event]
pub struct EpochShardClosed {
    pub network: Pubkey,
    pub epoch: u64,
    pub shard: u8,
    pub payer: Pubkey,
}

/// An epoch past its claim deadline was closed; its unclaimed rewards returned to the pool.
#[event]
pub struct EpochClosed {
    pub network: Pubkey,
    pub epoch: u64,
    pub allocated: u64,
    pub claimed: u64,
    pub returned_to_pool: u64,
}

/// A provider's book page with nothing left to claim was closed; its rent went back to its
/// payer.
#[event]
pub struct ProviderBookClosed {
    pub provider: Pubkey,
    pub page: u64,
    pub payer: Pubkey,
}
