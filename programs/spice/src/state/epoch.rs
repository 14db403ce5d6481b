use anchor_lang::prelude::*;

use crate::errors::SpiceError;

/// What settled work adds to a tally: one job's score, reward weight, counted value and fee.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Work {
    /// `value × m(stake) / 10_000`, the multiplier at the job's own terms.
    pub score: u128,
    /// `score × reward_rate_cap_bps` of the job's terms: ten thousand times the most the job
    /// can earn in stake-mint units. An epoch allocates `min(emission, Σ weight / 10 000)` and
    /// shares it by weight, so a job never earns more than its own terms allow.
    pub weight: u128,
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
    /// Sum of their reward weights.
    pub weight: u128,
    /// Sum of their counted values (u128: no volume can overflow it).
    pub value: u128,
    /// Sum of their protocol fees.
    pub fees: u128,
    /// Jobs settled into this shard.
    pub jobs: u64,
    /// Who paid the rent (the first settlement's payer); gets it back at `close_epoch_shard`.
    pub payer: Pubkey,
}

/// Running sums of settled work: (score, weight, value, fees, jobs). Value and fee sums are
/// `u128` so that no amount of (self-dealt) volume can overflow them and block a settlement or
/// a finalization.
pub type Sums<'a> = (
    &'a mut u128,
    &'a mut u128,
    &'a mut u128,
    &'a mut u128,
    &'a mut u64,
);

/// Adds `work` (one job) to running sums.
pub fn add_work((score, weight, value, fees, jobs): Sums, work: Work) -> Result<()> {
    add_sums(
        (score, weight, value, fees, jobs),
        (
            work.score,
            work.weight,
            u128::from(work.value),
            u128::from(work.fee),
            1,
        ),
    )
}

/// Adds `(score, weight, value, fees, jobs)` to running sums.
pub fn add_sums(
    (score, weight, value, fees, jobs): Sums,
    add: (u128, u128, u128, u128, u64),
) -> Result<()> {
    *score = score.checked_add(add.0).ok_or(SpiceError::MathOverflow)?;
    *weight = weight.checked_add(add.1).ok_or(SpiceError::MathOverflow)?;
    *value = value.checked_add(add.2).ok_or(SpiceError::MathOverflow)?;
    *fees = fees.checked_add(add.3).ok_or(SpiceError::MathOverflow)?;
    *jobs = jobs
        .checked_add(add.4)
        .ok_or(SpiceError::CounterOutOfRange)?;
    Ok(())
}

impl EpochShard {
    /// Counts a job settled into this shard.
    pub fn add_work(&mut self, work: Work) -> Result<()> {
        add_work(
            (
                &mut self.score,
                &mut self.weight,
                &mut self.value,
                &mut self.fees,
                &mut self.jobs,
            ),
            work,
        )
    }
}
