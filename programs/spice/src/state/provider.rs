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

impl Provider {
    /// Slashes `slash_bps` of stake + unbonding (unbonding stays slashable until withdrawn),
    /// rounded up towards the protocol and never more than the provider holds: active stake
    /// first, then unbonding. Records the total in the stats; the caller moves the tokens and
    /// ends with [`Provider::refresh_and_check`].
    pub fn slash(&mut self, slash_bps: u16) -> Result<Slash> {
        let held = self.vault_total()?;
        let total = u128::from(held)
            .checked_mul(u128::from(slash_bps))
            .and_then(|v| v.checked_add(u128::from(BPS_DENOMINATOR) - 1))
            .map(|v| v / u128::from(BPS_DENOMINATOR))
            .and_then(|v| u64::try_from(v).ok())
            .ok_or(SpiceError::MathOverflow)?
            .min(held);
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
        self.stats.total_slashed = self.stats.total_slashed.saturating_add(total);
        Ok(Slash {
            total,
            from_active,
            from_unbonding,
        })
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
    /// current minimum (which `update_params` may have moved since), then the invariant holds.
    pub fn refresh_and_check(&mut self, stake_vault_amount: u64, min_stake: u64) -> Result<()> {
        self.refresh_status(min_stake);
        self.invariant(stake_vault_amount, min_stake)
    }

    /// Invariant 2 of DESIGN.md plus "Active means stake ≥ minimum". A donation to the stake
    /// vault must not lock it: only a shortfall is an error; `close_provider` sweeps a surplus.
    fn invariant(&self, stake_vault_amount: u64, min_stake: u64) -> Result<()> {
        require!(
            stake_vault_amount >= self.vault_total()?,
            SpiceError::StakeVaultMismatch
        );
        require!(
            self.status != ProviderStatus::Active || self.stake >= min_stake,
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
            registered_at: 0,
            reserved: [0; 32],
        }
    }

    #[test]
    fn slash_takes_active_stake_first_then_unbonding() {
        let mut p = provider(100, 50);
        // 10 % of 150, from active stake only.
        let s = p.slash(1_000).unwrap();
        assert_eq!((s.total, s.from_active, s.from_unbonding), (15, 15, 0));
        assert_eq!((p.stake, p.unbonding, p.stats.total_slashed), (85, 50, 15));

        let mut p = provider(10, 90);
        let s = p.slash(5_000).unwrap();
        assert_eq!((s.total, s.from_active, s.from_unbonding), (50, 10, 40));
        assert_eq!((p.stake, p.unbonding), (0, 50));
    }

    #[test]
    fn slash_rounds_up_and_never_exceeds_the_holdings() {
        let mut p = provider(3, 0);
        assert_eq!(p.slash(1).unwrap().total, 1); // 0.0003 rounds up to 1
        let mut p = provider(u64::MAX, 0);
        assert_eq!(p.slash(10_000).unwrap().total, u64::MAX);
        assert_eq!(p.stake, 0);
        let mut p = provider(0, 0);
        assert_eq!(p.slash(10_000).unwrap().total, 0);
    }
}
