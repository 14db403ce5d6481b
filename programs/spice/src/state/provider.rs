use anchor_lang::prelude::*;

use crate::constants::*;
use crate::errors::SpiceError;

/// Whether a provider may take new work.
#[derive(AnchorSerialize, AnchorDeserialize, InitSpace, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProviderStatus {
    /// Stake ≥ the network's minimum: may accept jobs.
    Active,
    /// Stake under the minimum (unbonded or slashed): may finish running jobs and exit, not
    /// accept new ones. Staking back up to the minimum makes it Active again.
    Suspended,
}

/// What a provider offers, as it describes itself. Not verified on chain: attestations are.
#[derive(AnchorSerialize, AnchorDeserialize, InitSpace, Clone, Debug, PartialEq, Eq, Default)]
pub struct HardwareSpec {
    /// GPU model name, e.g. "H100-SXM".
    #[max_len(MAX_GPU_MODEL_LEN)]
    pub gpu_model: String,
    /// Number of GPUs.
    pub gpu_count: u16,
    /// Memory per GPU, in GB.
    pub vram_gb: u16,
    /// Region code, e.g. "eu-west".
    #[max_len(MAX_REGION_LEN)]
    pub region: String,
    /// Hash of the provider's full off-chain metadata document.
    pub metadata_hash: [u8; 32],
    /// Where that document lives.
    #[max_len(MAX_METADATA_URI_LEN)]
    pub metadata_uri: String,
}

impl HardwareSpec {
    /// Refuses strings longer than the account has room for.
    pub fn validate(&self) -> Result<()> {
        require!(
            self.gpu_model.len() <= MAX_GPU_MODEL_LEN
                && self.region.len() <= MAX_REGION_LEN
                && self.metadata_uri.len() <= MAX_METADATA_URI_LEN,
            SpiceError::FieldTooLong
        );
        Ok(())
    }
}

/// A provider's track record, updated by settlement, expiry and fraud.
#[derive(
    AnchorSerialize, AnchorDeserialize, InitSpace, Clone, Copy, Debug, PartialEq, Eq, Default,
)]
pub struct ProviderStats {
    /// Jobs accepted.
    pub jobs_accepted: u64,
    /// Jobs settled and paid.
    pub jobs_completed: u64,
    /// Jobs that expired in the provider's hands (completion deadline missed).
    pub jobs_failed: u64,
    /// Jobs found fraudulent by an Invalid quorum.
    pub jobs_fraudulent: u64,
    /// Units paid for, over all settled jobs.
    pub units_completed: u64,
    /// Payment-mint tokens received, net of fees.
    pub total_earned: u64,
    /// Stake-mint tokens slashed.
    pub total_slashed: u64,
}

/// A registered GPU provider and its stake.
#[account]
#[derive(InitSpace, Debug)]
pub struct Provider {
    /// Layout version.
    pub version: u8,
    /// Bump of this PDA.
    pub bump: u8,
    /// Bump of the stake vault PDA.
    pub stake_vault_bump: u8,
    /// Network this provider belongs to.
    pub network: Pubkey,
    /// The provider's wallet: signs accepts, submissions and stake moves, receives payments.
    pub owner: Pubkey,
    /// Whether it may accept jobs.
    pub status: ProviderStatus,
    /// Active stake: counts towards the minimum and the reward multiplier.
    pub stake: u64,
    /// Stake on its way out; still slashable until withdrawn.
    pub unbonding: u64,
    /// When the unbonding stake can be withdrawn.
    pub unbond_ready_at: i64,
    /// Self-described hardware.
    pub hardware: HardwareSpec,
    /// Track record.
    pub stats: ProviderStats,
    /// Jobs accepted and not yet settled, expired or found fraudulent.
    pub active_jobs: u32,
    /// Stake (active or unbonding) that backs those jobs: the sum of their slash amounts, fixed
    /// at accept. `withdraw_unbonded` never takes the vault below it.
    pub locked: u64,
    /// Counted value of those jobs at their maximum units (payment-mint units), for the
    /// network's exposure limit.
    pub exposure: u64,
    /// Payments to the owner that its token account refused, waiting in the network's payouts
    /// vault for `collect_provider_payouts`.
    pub owed_payment: u64,
    /// When it registered.
    pub registered_at: i64,
    /// Space for future fields without a migration.
    pub reserved: [u8; 32],
}

/// What a slash took from a provider's stake vault.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Slash {
    /// Everything slashed.
    pub total: u64,
    /// The part taken from active stake.
    pub from_active: u64,
    /// The part taken from unbonding stake.
    pub from_unbonding: u64,
}

/// What a job takes from its provider while it runs, fixed at accept.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Backing {
    /// Stake slashed if the job is found fraudulent; locked against withdrawal meanwhile.
    pub lock: u64,
    /// Counted value at the job's maximum units, for the exposure limit.
    pub exposure: u64,
}

fn counter_add(v: u64, by: u64) -> Result<u64> {
    v.checked_add(by)
        .ok_or_else(|| error!(SpiceError::CounterOutOfRange))
}

fn counter_sub(v: u64, by: u64) -> Result<u64> {
    v.checked_sub(by)
        .ok_or_else(|| error!(SpiceError::CounterOutOfRange))
}

impl Provider {
    /// Whether a new job of `exposure` fits the network's exposure limit: the counted value of
    /// unfinished jobs stays within `stake × max_exposure_bps / 10_000` (0 = no limit).
    pub fn exposure_allows(&self, exposure: u64, max_exposure_bps: u32) -> Result<bool> {
        if max_exposure_bps == 0 {
            return Ok(true);
        }
        let limit = u128::from(self.stake)
            .checked_mul(u128::from(max_exposure_bps))
            .ok_or(SpiceError::MathOverflow)?
            / u128::from(BPS_DENOMINATOR);
        let after = u128::from(self.exposure)
            .checked_add(u128::from(exposure))
            .ok_or(SpiceError::MathOverflow)?;
        Ok(after <= limit)
    }

    /// Takes on a job: one more active job, its backing locked.
    pub fn begin_job(&mut self, backing: Backing) -> Result<()> {
        self.active_jobs = self
            .active_jobs
            .checked_add(1)
            .ok_or(SpiceError::CounterOutOfRange)?;
        self.locked = counter_add(self.locked, backing.lock)?;
        self.exposure = counter_add(self.exposure, backing.exposure)?;
        self.stats.jobs_accepted = self.stats.jobs_accepted.saturating_add(1);
        Ok(())
    }

    /// Releases a finished job's backing (settled, expired or found fraudulent).
    pub fn end_job(&mut self, backing: Backing) -> Result<()> {
        self.active_jobs = self
            .active_jobs
            .checked_sub(1)
            .ok_or(SpiceError::CounterOutOfRange)?;
        self.locked = counter_sub(self.locked, backing.lock)?;
        self.exposure = counter_sub(self.exposure, backing.exposure)?;
        Ok(())
    }

    /// Records a settled job: paid `earned` (net of the fee) for `units`. These are statistics,
    /// not accounting: they saturate, so that no volume (a provider could inflate its own with
    /// self-dealt jobs) ever makes a settlement — and a client's escrow — fail.
    pub fn record_completed(&mut self, units: u64, earned: u64) {
        let stats = &mut self.stats;
        stats.jobs_completed = stats.jobs_completed.saturating_add(1);
        stats.units_completed = stats.units_completed.saturating_add(units);
        stats.total_earned = stats.total_earned.saturating_add(earned);
    }

    /// Records a job that expired in the provider's hands (completion deadline missed): a
    /// statistic, saturating like [`Provider::record_completed`].
    pub fn record_failed(&mut self) {
        self.stats.jobs_failed = self.stats.jobs_failed.saturating_add(1);
    }

    /// Slashes a fraudulent job's lock: the amount fixed at its accept (`slash_bps` of the stake
    /// the provider had then), never more than the vault holds; active stake first, then
    /// unbonding (unbonding stays slashable until withdrawn). Releases the job's backing and
    /// records the fraud. The caller moves the tokens and ends with
    /// [`Provider::refresh_and_check`].
    pub fn slash_job(&mut self, backing: Backing) -> Result<Slash> {
        let total = backing.lock.min(self.vault_total()?);
        let from_active = total.min(self.stake);
        let from_unbonding = total
            .checked_sub(from_active)
            .ok_or(SpiceError::MathOverflow)?;
        self.stake = self
            .stake
            .checked_sub(from_active)
            .ok_or(SpiceError::MathOverflow)?;
        self.unbonding = self
            .unbonding
            .checked_sub(from_unbonding)
            .ok_or(SpiceError::MathOverflow)?;
        self.end_job(backing)?;
        // Statistics: saturating, like `record_completed`.
        self.stats.total_slashed = self.stats.total_slashed.saturating_add(total);
        self.stats.jobs_fraudulent = self.stats.jobs_fraudulent.saturating_add(1);
        Ok(Slash {
            total,
            from_active,
            from_unbonding,
        })
    }

    /// Credits a payment the owner's token account refused; it waits in the payouts vault.
    pub fn owe(&mut self, amount: u64) -> Result<()> {
        self.owed_payment = counter_add(self.owed_payment, amount)?;
        Ok(())
    }

    /// Takes everything owed to the owner, for `collect_provider_payouts`.
    pub fn take_owed(&mut self) -> u64 {
        std::mem::take(&mut self.owed_payment)
    }

    /// Unbonding stake that may leave now: all of it, except what keeps the vault at the
    /// stake locked behind unfinished jobs.
    pub fn withdrawable(&self) -> Result<u64> {
        let free = self.vault_total()?.saturating_sub(self.locked);
        Ok(self.unbonding.min(free))
    }

    /// Active exactly when the stake meets the minimum.
    fn refresh_status(&mut self, min_stake: u64) {
        self.status = if self.stake >= min_stake {
            ProviderStatus::Active
        } else {
            ProviderStatus::Suspended
        };
    }

    /// Tokens the stake vault must hold.
    pub fn vault_total(&self) -> Result<u64> {
        self.stake
            .checked_add(self.unbonding)
            .ok_or_else(|| error!(SpiceError::MathOverflow))
    }

    /// Ends every handler that changes the stake: the status follows the stake and the
    /// current minimum (which a parameter change may have moved since), then the invariant holds.
    pub fn refresh_and_check(&mut self, stake_vault_amount: u64, min_stake: u64) -> Result<()> {
        self.refresh_status(min_stake);
        self.invariant(stake_vault_amount, min_stake)
    }

    /// Invariant 2 of docs/DESIGN.md plus "Active means stake ≥ minimum" and "an idle provider
    /// backs nothing". A donation to the stake vault must not lock it: only a shortfall is an
    /// error; `close_provider` sweeps a surplus.
    pub fn invariant(&self, stake_vault_amount: u64, min_stake: u64) -> Result<()> {
        require!(
            stake_vault_amount >= self.vault_total()?,
            SpiceError::StakeVaultMismatch
        );
        require!(
            self.status != ProviderStatus::Active || self.stake >= min_stake,
            SpiceError::InvariantViolated
        );
        require!(
            self.active_jobs > 0 || (self.locked == 0 && self.exposure == 0),
            SpiceError::InvariantViolated
        );
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn provider(stake: u64, unbonding: u64) -> Provider {
        Provider {
            version: 1,
            bump: 0,
            stake_vault_bump: 0,
            network: Pubkey::default(),
            owner: Pubkey::default(),
            status: ProviderStatus::Active,
            stake,
            unbonding,
            unbond_ready_at: 0,
            hardware: HardwareSpec::default(),
            stats: ProviderStats::default(),
            active_jobs: 0,
            locked: 0,
            exposure: 0,
            owed_payment: 0,
            registered_at: 0,
            reserved: [0; 32],
        }
    }

    fn backing(lock: u64) -> Backing {
        Backing { lock, exposure: 7 }
    }

    #[test]
    fn slash_takes_the_jobs_lock_active_stake_first_then_unbonding() {
        let mut p = provider(100, 50);
        p.begin_job(backing(15)).unwrap();
        let s = p.slash_job(backing(15)).unwrap();
        assert_eq!((s.total, s.from_active, s.from_unbonding), (15, 15, 0));
        assert_eq!((p.stake, p.unbonding, p.stats.total_slashed), (85, 50, 15));
        assert_eq!((p.active_jobs, p.locked, p.exposure), (0, 0, 0));

        let mut p = provider(10, 90);
        p.begin_job(backing(50)).unwrap();
        let s = p.slash_job(backing(50)).unwrap();
        assert_eq!((s.total, s.from_active, s.from_unbonding), (50, 10, 40));
        assert_eq!((p.stake, p.unbonding), (0, 50));
    }

    #[test]
    fn slash_never_exceeds_the_holdings() {
        let mut p = provider(3, 0);
        p.begin_job(backing(u64::MAX)).unwrap();
        assert_eq!(p.slash_job(backing(u64::MAX)).unwrap().total, 3);
        assert_eq!(p.stake, 0);
    }

    #[test]
    fn locked_stake_cannot_be_withdrawn() {
        let mut p = provider(100, 50);
        assert_eq!(p.withdrawable().unwrap(), 50);
        p.begin_job(backing(120)).unwrap();
        assert_eq!(p.withdrawable().unwrap(), 30);
        p.begin_job(backing(40)).unwrap();
        assert_eq!(p.withdrawable().unwrap(), 0);
        p.end_job(backing(120)).unwrap();
        assert_eq!(p.withdrawable().unwrap(), 50);
    }

    #[test]
    fn counters_refuse_to_leave_their_range() {
        let mut p = provider(100, 0);
        assert!(p.end_job(backing(0)).is_err());
        p.begin_job(backing(5)).unwrap();
        assert!(p.end_job(backing(6)).is_err());
        p.active_jobs = u32::MAX;
        assert!(p.begin_job(backing(0)).is_err());
    }

    #[test]
    fn exposure_limit() {
        let mut p = provider(1_000, 0);
        assert!(p.exposure_allows(u64::MAX, 0).unwrap());
        assert!(p.exposure_allows(500, 5_000).unwrap());
        assert!(!p.exposure_allows(501, 5_000).unwrap());
        p.begin_job(Backing {
            lock: 0,
            exposure: 400,
        })
        .unwrap();
        assert!(p.exposure_allows(100, 5_000).unwrap());
        assert!(!p.exposure_allows(101, 5_000).unwrap());
    }

    #[test]
    fn invariant_refuses_an_idle_provider_with_a_lock() {
        let mut p = provider(100, 0);
        assert!(p.invariant(100, 1).is_ok());
        assert!(p.invariant(99, 1).is_err());
        p.locked = 1;
        assert!(p.invariant(100, 1).is_err());
    }
}
