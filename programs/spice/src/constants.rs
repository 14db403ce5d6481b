//! Hard bounds on every governance parameter, pause flags and fixed sizes. a parameter proposal
//! can move a parameter only inside these bounds, so a compromised authority cannot, say, set a
//! 100% fee or a zero-second challenge window.

use anchor_lang::prelude::*;

/// Basis-point denominator: 10_000 bps = 100%.
#[constant]
pub const BPS_DENOMINATOR: u64 = 10_000;

/// Upper bound of `protocol_fee_bps` (20%).
#[constant]
pub const MAX_PROTOCOL_FEE_BPS: u16 = 2_000;

/// Shortest window (accept, run, challenge, dispute, unbond, outflow) a network may set:
/// a client must have time to react to a submission.
#[constant]
pub const MIN_WINDOW_SECONDS: i64 = 60;

/// Longest accept, run, challenge or dispute window: 30 days.
#[constant]
pub const MAX_JOB_WINDOW_SECONDS: i64 = 30 * 86_400;

/// Longest unbonding period: 90 days.
#[constant]
pub const MAX_UNBOND_SECONDS: i64 = 90 * 86_400;

/// Shortest epoch: one hour.
#[constant]
pub const MIN_EPOCH_SECONDS: i64 = 3_600;

/// Longest epoch: one year.
#[constant]
pub const MAX_EPOCH_SECONDS: i64 = 365 * 86_400;

/// Largest attestation quorum; also the number of Valid votes a job records for its median.
#[constant]
pub const MAX_QUORUM: u8 = 16;

/// Highest decay per epoch: 50%.
#[constant]
pub const MAX_DECAY_BPS: u16 = 5_000;

/// Stake multiplier bounds, in bps of 1.0x: from 1x (stake does not amplify) to 10x.
#[constant]
pub const MIN_M_MAX_BPS: u32 = 10_000;
/// See [`MIN_M_MAX_BPS`].
#[constant]
pub const MAX_M_MAX_BPS: u32 = 100_000;

/// Largest `reward_rate_cap_bps`: 100 stake-mint base units per payment-mint base unit of
/// score. The economic bounds of [`crate::state::NetworkParams::validate`] are tighter; this
/// bound only keeps the arithmetic small.
#[constant]
pub const MAX_REWARD_RATE_CAP_BPS: u32 = 1_000_000;

/// The cost floor of the bootstrap bound (`κ` in docs/ECONOMICS.md): nobody can produce a unit
/// of verified work for less than this share of the network's reference price, 20 %. Rewards
/// may exceed fees only while `reward rate × m_max ≤ fee + κ` (at the stated exchange rate), so
/// that paying yourself for real but useless work still costs more than it earns.
#[constant]
pub const MIN_UNIT_COST_BPS: u32 = 2_000;

/// Largest `max_exposure_bps`: 10,000 payment-mint units of unsettled job value per stake unit.
#[constant]
pub const MAX_EXPOSURE_BPS: u32 = 100_000_000;

/// Epochs per reward-book page: `EpochBook` and `ProviderBook` accounts each hold this many
/// consecutive epochs, so a claim of a year of daily epochs reads 23 + 23 pages (two
/// transactions), and the largest page (an `EpochBook`, 2,162 bytes) stays far from the 4 KB stack
/// frame of an SBF program when Anchor decodes it.
#[constant]
pub const EPOCHS_PER_PAGE: u64 = 16;

/// Buckets of the reward circuit breaker's window (`window.rs`): the window is tracked in
/// `OUTFLOW_BUCKETS` buckets of `ceil(outflow_window_seconds / OUTFLOW_BUCKETS)` seconds.
pub const OUTFLOW_BUCKETS: usize = 8;

/// Largest number of epoch shards: `finalize_epoch` passes every shard of the epoch, and the
/// bound keeps that transaction small.
#[constant]
pub const MAX_SHARD_COUNT: u8 = 12;

/// Longest claim window: about ten years of weekly epochs.
#[constant]
pub const MAX_CLAIM_WINDOW_EPOCHS: u16 = 520;

/// Longest metadata strings of a provider's hardware description.
pub const MAX_GPU_MODEL_LEN: usize = 32;
/// See [`MAX_GPU_MODEL_LEN`].
pub const MAX_REGION_LEN: usize = 16;
/// See [`MAX_GPU_MODEL_LEN`].
pub const MAX_METADATA_URI_LEN: usize = 128;
/// Longest URI of a job specification, a result or an attestor's evidence (where the document
/// whose hash is recorded can be fetched).
pub const MAX_URI_LEN: usize = 128;

/// Pause flag: `create_job`.
#[constant]
pub const PAUSE_CREATE_JOB: u8 = 1 << 0;
/// Pause flag: `accept_job`.
#[constant]
pub const PAUSE_ACCEPT_JOB: u8 = 1 << 1;
/// Pause flag: `register_provider` and `stake`.
#[constant]
pub const PAUSE_REGISTER: u8 = 1 << 2;
/// Pause flag: `claim_rewards`.
#[constant]
pub const PAUSE_CLAIM: u8 = 1 << 3;
/// Every defined pause flag; `set_pause` refuses other bits.
///
/// While `PAUSE_CLAIM` is set no epoch can close, and every finalized epoch's claim deadline
/// moves later by the time claims stay paused and by the drain after it
/// (`Network::drain_seconds`).
#[constant]
pub const PAUSE_ALL: u8 = PAUSE_CREATE_JOB | PAUSE_ACCEPT_JOB | PAUSE_REGISTER | PAUSE_CLAIM;
