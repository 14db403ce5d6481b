use anchor_lang::prelude::*;

use crate::errors::SpiceError;

/// A finalized reward epoch: created by `finalize_epoch` once the epoch has ended, closed by
/// `close_epoch` after the claim window (unclaimed rewards return to the pool).
#[account]
#[derive(InitSpace, Debug)]
pub struct Epoch {
    /// Layout version.
    pub version: u8,
    /// Bump of this PDA.
    pub bump: u8,
    /// Network of the epoch.
    pub network: Pubkey,
    /// Epoch index: `(time − genesis) / epoch_seconds`.
    pub index: u64,
    /// Always true: the account exists only once finalized.
    pub finalized: bool,
    /// Reward tokens allocated to this epoch (the curve, capped).
    pub emission: u64,
    /// What the curve asked for but the cap or the vault could not give.
    pub shortfall: u64,
    /// Sum of the job scores of the epoch (all shards).
    pub total_score: u128,
    /// Sum of the protocol fees of the epoch (all shards), payment-mint units.
    pub total_fees: u64,
    /// Settled jobs counted (all shards).
    pub total_jobs: u64,
    /// Reward tokens claimed so far.
    pub claimed: u64,
    /// Who paid the rent (the finalizer); gets it back at `close_epoch`.
    pub payer: Pubkey,
    /// When it was finalized.
    pub finalized_at: i64,
    /// Space for future fields without a migration.
    pub reserved: [u8; 32],
}

/// One of `shard_count` accumulators of an epoch: settlement of a job adds to the shard its
/// address hashes to, so unrelated jobs rarely write the same account.
#[account]
#[derive(InitSpace, Debug)]
pub struct EpochShard {
    /// Layout version.
    pub version: u8,
    /// Bump of this PDA.
    pub bump: u8,
    /// Network of the shard.
    pub network: Pubkey,
    /// Epoch index.
    pub epoch: u64,
    /// Shard number, `< shard_count`.
    pub shard: u8,
    /// Sum of the job scores settled into this shard.
    pub score: u128,
    /// Sum of their protocol fees.
    pub fees: u64,
    /// Jobs settled into this shard.
    pub jobs: u64,
    /// Who paid the rent (the first settlement's payer); gets it back at `close_epoch`.
    pub payer: Pubkey,
}

/// A provider's work in one epoch; what its reward is computed from. Closed by the claim, or
/// by anyone through `close_provider_epoch` once its claim window has passed unclaimed.
#[account]
#[derive(InitSpace, Debug)]
pub struct ProviderEpoch {
    /// Layout version.
    pub version: u8,
    /// Bump of this PDA.
    pub bump: u8,
    /// Network of the provider (its claim window applies).
    pub network: Pubkey,
    /// The Provider account.
    pub provider: Pubkey,
    /// Epoch index.
    pub epoch: u64,
    /// Sum of the provider's job scores in the epoch.
    pub score: u128,
    /// Protocol fees its jobs paid in the epoch (the reward cap's base).
    pub fees: u64,
    /// Jobs settled.
    pub jobs: u64,
    /// Who paid the rent (the first settlement's payer); gets it back at the claim.
    pub payer: Pubkey,
}

/// Adds one settled job's score and protocol fee to a work tally.
fn add_work(tally: (&mut u128, &mut u64, &mut u64), score: u128, fee: u64) -> Result<()> {
    let (total_score, fees, jobs) = tally;
    *total_score = total_score
        .checked_add(score)
        .ok_or(SpiceError::MathOverflow)?;
    *fees = fees.checked_add(fee).ok_or(SpiceError::MathOverflow)?;
    *jobs = jobs.saturating_add(1);
    Ok(())
}

impl EpochShard {
    /// Counts a job settled into this shard.
    pub fn add_work(&mut self, score: u128, fee: u64) -> Result<()> {
        add_work(
            (&mut self.score, &mut self.fees, &mut self.jobs),
            score,
            fee,
        )
    }
}

impl ProviderEpoch {
    /// Counts a job the provider settled in this epoch.
    pub fn add_work(&mut self, score: u128, fee: u64) -> Result<()> {
        add_work(
            (&mut self.score, &mut self.fees, &mut self.jobs),
            score,
            fee,
        )
    }
}
