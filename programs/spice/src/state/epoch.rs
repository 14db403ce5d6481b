use anchor_lang::prelude::*;

use crate::errors::SpiceError;

/// What settled work adds to a tally: one job's score, counted value and protocol fee.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Work {
    /// `value × m(stake) / 10_000`.
    pub score: u128,
    /// Counted value, payment-mint units (`units × min(price, reference)`).
    pub value: u64,
    /// Protocol fee the job paid.
    pub fee: u64,
}

/// One of `shard_count` accumulators of an epoch: settlement of a job adds to the shard its
/// address hashes to, so unrelated jobs rarely write the same account. `finalize_epoch` sums
/// the shards into the epoch's entry; `close_epoch_shard` then closes them.
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
    /// Sum of their counted values.
    pub value: u64,
    /// Sum of their protocol fees.
    pub fees: u64,
    /// Jobs settled into this shard.
    pub jobs: u64,
    /// Who paid the rent (the first settlement's payer); gets it back at `close_epoch_shard`.
    pub payer: Pubkey,
}

/// Adds `work` to a (score, value, fees, jobs) tally.
pub fn add_work(
    (score, value, fees, jobs): (&mut u128, &mut u64, &mut u64, &mut u64),
    work: Work,
) -> Result<()> {
    *score = score
        .checked_add(work.score)
        .ok_or(SpiceError::MathOverflow)?;
    *value = value
        .checked_add(work.value)
        .ok_or(SpiceError::MathOverflow)?;
    *fees = fees.checked_add(work.fee).ok_or(SpiceError::MathOverflow)?;
    *jobs = jobs.checked_add(1).ok_or(SpiceError::CounterOutOfRange)?;
    Ok(())
}

impl EpochShard {
    /// Counts a job settled into this shard.
    pub fn add_work(&mut self, work: Work) -> Result<()> {
        add_work(
            (
                &mut self.score,
                &mut self.value,
                &mut self.fees,
                &mut self.jobs,
            ),
            work,
        )
    }
}
