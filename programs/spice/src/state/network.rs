use anchor_lang::prelude::*;

use crate::constants::*;
use crate::errors::SpiceError;

/// Every governance parameter of a network. Set at `create_network`, changed by `update_params`,
/// always inside the hard bounds of [`NetworkParams::validate`].
#[derive(AnchorSerialize, AnchorDeserialize, InitSpace, Clone, Copy, Debug, PartialEq, Eq)]
pub struct NetworkParams {
    /// Smallest active stake (stake-mint base units) a provider needs to accept jobs.
    pub min_stake: u64,
    /// Seconds between `begin_unbond` and `withdraw_unbonded`.
    pub unbond_seconds: i64,
    /// Protocol fee on each provider payment, in bps, rounded up (towards the protocol).
    pub protocol_fee_bps: u16,
    /// Share of a fraudulent provider's stake slashed, in bps.
    pub slash_bps: u16,
    /// Share of a slash paid to the defrauded client, in bps; the rest goes to the treasury.
    pub slash_client_share_bps: u16,
    /// Longest accept window a job may ask for (seconds from creation).
    pub max_accept_seconds: i64,
    /// Longest run time a job may ask for (seconds from acceptance to the completion deadline).
    pub max_run_seconds: i64,
    /// Seconds after a submission during which the client may dispute.
    pub challenge_seconds: i64,
    /// Seconds a dispute (or a selected audit) has to reach an attestation quorum.
    pub dispute_seconds: i64,
    /// Probability, in bps, that a submitted job is drawn for attestation.
    pub audit_rate_bps: u16,
    /// Votes of one verdict that decide a job (M of the registered attestors).
    pub attestation_quorum: u8,
    /// Length of a reward epoch. Fixed at creation.
    pub epoch_seconds: i64,
    /// Emission of epoch 0 (stake-mint base units), `E0` of the curve.
    pub initial_emission: u64,
    /// Decay of the emission per epoch, in bps.
    pub emission_decay_bps: u16,
    /// Floor of the per-epoch emission.
    pub tail_emission: u64,
    /// Most that all epochs together may ever allocate.
    pub max_total_emission: u64,
    /// Stake multiplier cap `m_max`, in bps of 1.0x.
    pub m_max_bps: u32,
    /// Stake at which the multiplier reaches `m_max`, `s_cap`.
    pub stake_cap: u64,
    /// Stake-mint units paid at most per payment-mint unit of protocol fee, in bps of 1.0.
    pub reward_per_fee_cap_bps: u32,
    /// Number of epoch shards settlement spreads its writes over. Fixed at creation.
    pub shard_count: u8,
    /// Epochs after its end during which a finalized epoch can be claimed.
    pub claim_window_epochs: u16,
    /// Most reward tokens that may leave the reward vault per rolling window (circuit breaker).
    pub max_reward_outflow_per_window: u64,
    /// Length of the circuit breaker's rolling window.
    pub outflow_window_seconds: i64,
}

fn check(ok: bool, name: &str) -> Result<()> {
    if ok {
        Ok(())
    } else {
        msg!("parameter out of bounds: {}", name);
        err!(SpiceError::ParameterOutOfBounds)
    }
}

fn window(v: i64, max: i64) -> bool {
    (MIN_WINDOW_SECONDS..=max).contains(&v)
}

impl NetworkParams {
    /// Refuses any parameter outside its hard bound, naming it in the log.
    pub fn validate(&self) -> Result<()> {
        check(self.min_stake > 0, "min_stake")?;
        check(
            window(self.unbond_seconds, MAX_UNBOND_SECONDS),
            "unbond_seconds",
        )?;
        check(
            self.protocol_fee_bps <= MAX_PROTOCOL_FEE_BPS,
            "protocol_fee_bps",
        )?;
        check(u64::from(self.slash_bps) <= BPS_DENOMINATOR, "slash_bps")?;
        check(
            u64::from(self.slash_client_share_bps) <= BPS_DENOMINATOR,
            "slash_client_share_bps",
        )?;
        check(
            window(self.max_accept_seconds, MAX_JOB_WINDOW_SECONDS),
            "max_accept_seconds",
        )?;
        check(
            window(self.max_run_seconds, MAX_JOB_WINDOW_SECONDS),
            "max_run_seconds",
        )?;
        check(
            window(self.challenge_seconds, MAX_JOB_WINDOW_SECONDS),
            "challenge_seconds",
        )?;
        check(
            window(self.dispute_seconds, MAX_JOB_WINDOW_SECONDS),
            "dispute_seconds",
        )?;
        check(
            u64::from(self.audit_rate_bps) <= BPS_DENOMINATOR,
            "audit_rate_bps",
        )?;
        check(
            (1..=MAX_QUORUM).contains(&self.attestation_quorum),
            "attestation_quorum",
        )?;
        check(
            (MIN_EPOCH_SECONDS..=MAX_EPOCH_SECONDS).contains(&self.epoch_seconds),
            "epoch_seconds",
        )?;
        check(
            self.initial_emission <= self.max_total_emission,
            "initial_emission",
        )?;
        check(
            self.emission_decay_bps <= MAX_DECAY_BPS,
            "emission_decay_bps",
        )?;
        check(self.tail_emission <= self.initial_emission, "tail_emission")?;
        check(
            (MIN_M_MAX_BPS..=MAX_M_MAX_BPS).contains(&self.m_max_bps),
            "m_max_bps",
        )?;
        check(self.stake_cap > 0, "stake_cap")?;
        check(
            self.reward_per_fee_cap_bps <= MAX_REWARD_PER_FEE_CAP_BPS,
            "reward_per_fee_cap_bps",
        )?;
        check(
            (1..=MAX_SHARD_COUNT).contains(&self.shard_count),
            "shard_count",
        )?;
        check(
            (1..=MAX_CLAIM_WINDOW_EPOCHS).contains(&self.claim_window_epochs),
            "claim_window_epochs",
        )?;
        // A provider's reward for one epoch is at most the epoch's emission, which is at most
        // E0: a window smaller than that could refuse a claim for ever.
        check(
            self.max_reward_outflow_per_window > 0
                && self.max_reward_outflow_per_window >= self.initial_emission,
            "max_reward_outflow_per_window",
        )?;
        check(
            window(self.outflow_window_seconds, MAX_JOB_WINDOW_SECONDS),
            "outflow_window_seconds",
        )?;
        Ok(())
    }
}

/// The epoch shard of a job: its address spreads jobs evenly over the shards.
pub fn shard_of(job: &Pubkey, shard_count: u8) -> u8 {
    job.as_ref()[0] % shard_count.max(1)
}

/// A marketplace instance: its mints, parameters, authority and reward totals.
#[account]
#[derive(InitSpace, Debug)]
pub struct Network {
    /// Layout version ([`crate::state::ACCOUNT_VERSION`]).
    pub version: u8,
    /// Bump of this PDA.
    pub bump: u8,
    /// Bump of the reward vault PDA.
    pub reward_vault_bump: u8,
    /// Bump of the payment-mint treasury vault PDA.
    pub payment_treasury_bump: u8,
    /// Bump of the stake-mint treasury vault PDA (equal to the payment one when the mints are equal).
    pub stake_treasury_bump: u8,
    /// Who created the network; part of its seeds.
    pub creator: Pubkey,
    /// The creator's id for this network; part of its seeds.
    pub id: u64,
    /// Who may tune parameters, pause entries, manage attestors and withdraw the treasury.
    pub authority: Pubkey,
    /// Successor proposed by the authority; becomes the authority when it signs `accept_authority`.
    pub pending_authority: Option<Pubkey>,
    /// Mint clients pay in (escrow, provider payment, protocol fee).
    pub payment_mint: Pubkey,
    /// The network token: staked by providers, paid as rewards and slashed.
    pub stake_mint: Pubkey,
    /// Token program (SPL Token or Token-2022) that owns the payment mint.
    pub payment_token_program: Pubkey,
    /// Token program that owns the stake mint.
    pub stake_token_program: Pubkey,
    /// Governance parameters.
    pub params: NetworkParams,
    /// Pause flags (`PAUSE_*` constants): entries only, never exits.
    pub paused: u8,
    /// Start of epoch 0.
    pub genesis_ts: i64,
    /// Reward tokens allocated to finalized epochs, ever.
    pub total_allocated: u64,
    /// Reward tokens claimed by providers, ever.
    pub total_claimed: u64,
    /// Start of the circuit breaker's current window.
    pub outflow_window_start: i64,
    /// Reward tokens paid out in the current window.
    pub outflow_in_window: u64,
    /// Registered, active attestors.
    pub attestor_count: u16,
    /// Space for future fields without a migration.
    pub reserved: [u8; 64],
}

impl Network {
    /// Fails with `Paused` when any of `flag` is set.
    pub fn require_not_paused(&self, flag: u8) -> Result<()> {
        require!(self.paused & flag == 0, SpiceError::Paused);
        Ok(())
    }

    /// Stored bump of the treasury vault of `mint` (one of the network's two mints).
    pub fn treasury_bump(&self, mint: &Pubkey) -> u8 {
        if *mint == self.payment_mint {
            self.payment_treasury_bump
        } else {
            self.stake_treasury_bump
        }
    }

    /// The current epoch index.
    pub fn current_epoch(&self, now: i64) -> Result<u64> {
        Ok(crate::curve::epoch_index(
            now,
            self.genesis_ts,
            self.params.epoch_seconds,
        )?)
    }

    /// Whether epoch `index` can still be claimed while `current` is the current epoch: until
    /// `claim_window_epochs` epochs after it, inclusive.
    pub fn in_claim_window(&self, index: u64, current: u64) -> Result<bool> {
        let last_claimable = index
            .checked_add(u64::from(self.params.claim_window_epochs))
            .ok_or(SpiceError::MathOverflow)?;
        Ok(current <= last_claimable)
    }

    /// The epoch shard a job's settlement writes to.
    pub fn shard_of(&self, job: &Pubkey) -> u8 {
        shard_of(job, self.params.shard_count)
    }

    /// Invariant kept by every handler: the reward totals never cross.
    pub fn invariant(&self) -> Result<()> {
        require!(
            self.total_claimed <= self.total_allocated
                && self.total_allocated <= self.params.max_total_emission,
            SpiceError::InvariantViolated
        );
        Ok(())
    }
}
