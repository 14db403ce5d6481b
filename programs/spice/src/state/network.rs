use anchor_lang::prelude::*;

use crate::constants::*;
use crate::errors::SpiceError;
use crate::window::OutflowWindow;

/// Every governance parameter of a network. Set at `create_network`, changed by
/// `propose_params` + `apply_params`, always inside the bounds of [`NetworkParams::validate`].
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
    /// Most reward paid per unit of score, in stake-mint base units per payment-mint base unit,
    /// in bps of 1.0. Copied into each job's terms: a job earns at most `score × rate_cap`, and
    /// a finalized epoch allocates `min(E, Σ score × rate_cap)` over its jobs.
    pub reward_rate_cap_bps: u32,
    /// Reference price of one unit of work, payment-mint base units: a job counts at most
    /// `units × reference_price` of value. 0 = no reference (value = the price paid); required
    /// when rewards may exceed fees.
    pub reference_price: u64,
    /// Stake-mint base units worth one payment-mint base unit, in bps (the authority's estimate;
    /// exactly 10_000 on a one-mint network). The economic bounds below are checked at this rate.
    pub stake_per_payment_bps: u32,
    /// Most counted value of a provider's unfinished jobs per unit of its active stake, in bps
    /// (payment-mint units per stake-mint unit); `accept_job` refuses a job beyond it. 0 = no
    /// limit, allowed only while rewards cannot exceed fees.
    pub max_exposure_bps: u32,
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
            self.reward_rate_cap_bps <= MAX_REWARD_RATE_CAP_BPS,
            "reward_rate_cap_bps",
        )?;
        check(self.stake_per_payment_bps > 0, "stake_per_payment_bps")?;
        check(
            self.max_exposure_bps <= MAX_EXPOSURE_BPS,
            "max_exposure_bps",
        )?;
        check(
            (1..=MAX_SHARD_COUNT).contains(&self.shard_count),
            "shard_count",
        )?;
        check(
            (1..=MAX_CLAIM_WINDOW_EPOCHS).contains(&self.claim_window_epochs),
            "claim_window_epochs",
        )?;
        check(
            window(self.outflow_window_seconds, MAX_JOB_WINDOW_SECONDS)
                && self.outflow_window_seconds <= self.epoch_seconds,
            "outflow_window_seconds",
        )?;
        check(
            self.max_reward_outflow_per_window > 0
                && self.max_reward_outflow_per_window >= self.min_reward_outflow_per_window(),
            "max_reward_outflow_per_window",
        )?;
        self.validate_economics()
    }

    /// The largest emission an epoch can allocate under these parameters:
    /// `max(initial_emission, tail_emission)`. It can only grow (a proposal that would lower it
    /// is refused: [`NetworkParams::emission_not_cut_by`]).
    pub fn largest_emission(&self) -> u64 {
        self.initial_emission.max(self.tail_emission)
    }

    /// The smallest circuit-breaker cap these parameters allow: the breaker must let out, every
    /// epoch, **twice** the largest emission an epoch can allocate — once for the epoch's own
    /// allocation and once more to drain any backlog (after a claim pause, or when claimers
    /// bunch up) — or owed rewards could pile up until they expire. A payment counts against
    /// the cap for the breaker's span (9 buckets of `ceil(window / 8)` seconds,
    /// [`crate::window::span_seconds`]), so the cap must be at least `2 × largest × span /
    /// epoch_seconds`, rounded up — and at least `initial_emission`, so that one epoch's whole
    /// reward fits one claim. Whatever the window, the breaker then lets out at least
    /// `2 × largest` per epoch. `u64::MAX` when no cap can do (a span or an epoch out of range).
    pub fn min_reward_outflow_per_window(&self) -> u64 {
        let (Ok(span), Ok(epoch)) = (
            crate::window::span_seconds(self.outflow_window_seconds),
            u128::try_from(self.epoch_seconds),
        ) else {
            return u64::MAX;
        };
        if epoch == 0 {
            return u64::MAX;
        }
        let largest = u128::from(self.largest_emission());
        // span ≤ 9 × MAX_JOB_WINDOW_SECONDS and largest < 2^64: no overflow.
        let per_span = (2 * largest * span.unsigned_abs() as u128).div_ceil(epoch);
        u64::try_from(per_span)
            .unwrap_or(u64::MAX)
            .max(self.initial_emission)
    }

    /// Whether `next` pays every epoch at least what these parameters would. An epoch's
    /// emission is read from the curve when the epoch is finalized, which may be after a
    /// proposal applies; a schedule that could shrink would let governance take back rewards
    /// already earned by settled work. Lowering the rate cap or the stake multiplier is free:
    /// each job keeps those of its own terms.
    pub fn emission_not_cut_by(&self, next: &NetworkParams) -> bool {
        next.initial_emission >= self.initial_emission
            && next.tail_emission >= self.tail_emission
            && next.emission_decay_bps <= self.emission_decay_bps
            && next.max_total_emission >= self.max_total_emission
    }

    /// Whether `next` gives every epoch at least the claim window these parameters would. The
    /// window is read when an epoch is finalized, possibly after a proposal applies: a shorter
    /// one would let rewards earned under the longer one expire early.
    pub fn claim_window_not_cut_by(&self, next: &NetworkParams) -> bool {
        next.claim_window_epochs >= self.claim_window_epochs
    }

    /// [`NetworkParams::validate`], plus what depends on the mints: on a one-mint network the
    /// exchange rate is 1:1 by definition.
    pub fn validate_for(&self, one_mint: bool) -> Result<()> {
        self.validate()?;
        if one_mint {
            check(
                u64::from(self.stake_per_payment_bps) == BPS_DENOMINATOR,
                "stake_per_payment_bps",
            )?;
        }
        Ok(())
    }

    /// Reward value per unit of paid value at the highest stake multiplier, against the fee, in
    /// bps² at the stated exchange rate: `(reward_rate_cap × m_max, fee × stake_per_payment)`.
    pub fn reward_and_fee_bps2(&self) -> (u128, u128) {
        (
            u128::from(self.reward_rate_cap_bps) * u128::from(self.m_max_bps),
            u128::from(self.protocol_fee_bps) * u128::from(self.stake_per_payment_bps),
        )
    }

    /// Whether rewards can exceed the fees a job pays (`reward rate × m_max > fee`): the
    /// bootstrap region, where the reference price, the audit and the exposure limit carry the
    /// weight that the fee carries otherwise.
    pub fn rewards_can_exceed_fees(&self) -> bool {
        crate::curve::rewards_can_exceed_fees(
            self.reward_rate_cap_bps,
            self.m_max_bps,
            self.protocol_fee_bps,
            self.stake_per_payment_bps,
        )
    }

    /// The inequalities of docs/ECONOMICS.md that make self-dealing lose money. Below the fee
    /// (`r·m_max ≤ f`) paying yourself loses the fee whatever else happens. Above it:
    /// - a reference price bounds the value a job can count for its units;
    /// - `r·m_max ≤ f + κ`: real but useless work for yourself costs at least `κ` of the
    ///   reference price per unit, more than the reward net of the fee;
    /// - faked units are caught by the audit with probability `a`, and the exposure limit `λ`
    ///   keeps every stake unit behind at most `λ` of unfinished value:
    ///   `λ · (1 − a) · (r·m_max − f) ≤ a · slash · (1 − client share)` (the client share of a
    ///   slash returns to a self-dealing client).
    fn validate_economics(&self) -> Result<()> {
        if !self.rewards_can_exceed_fees() {
            return Ok(());
        }
        let (reward, fee) = self.reward_and_fee_bps2();
        let bps = u128::from(BPS_DENOMINATOR);
        check(self.reference_price > 0, "reference_price")?;
        let ceiling = (u128::from(self.protocol_fee_bps) + u128::from(MIN_UNIT_COST_BPS))
            * u128::from(self.stake_per_payment_bps);
        check(reward <= ceiling, "reward_rate_cap_bps")?;
        check(self.audit_rate_bps > 0, "audit_rate_bps")?;
        let exposure = u128::from(self.max_exposure_bps);
        let risk = (bps - u128::from(self.audit_rate_bps)) * (reward - fee) * exposure;
        let deterrent = u128::from(self.audit_rate_bps)
            * u128::from(self.slash_bps)
            * (bps - u128::from(self.slash_client_share_bps))
            * bps;
        check(exposure > 0 && risk <= deterrent, "max_exposure_bps")
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
    /// Bump of the payment-mint payouts vault PDA (payouts waiting for their payee).
    pub payment_payouts_bump: u8,
    /// Bump of the stake-mint payouts vault PDA (equal to the payment one when the mints are equal).
    pub stake_payouts_bump: u8,
    /// Who created the network; part of its seeds.
    pub creator: Pubkey,
    /// The creator's id for this network; part of its seeds.
    pub id: u64,
    /// Who may propose parameters, pause entries, manage attestors and withdraw the treasury.
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
    /// The creator accepted mints with a freeze authority (e.g. USDC): that authority can freeze
    /// the network's vaults. Set at `create_network` only.
    pub freeze_authority_accepted: bool,
    /// Governance parameters in force.
    pub params: NetworkParams,
    /// Parameters proposed by the authority, applicable by anyone from `pending_params_at`.
    pub pending_params: Option<NetworkParams>,
    /// The pending parameters may be applied strictly after this: their proposal plus the
    /// `unbond_seconds` in force then.
    pub pending_params_at: i64,
    /// Pause flags (`PAUSE_*` constants): entries only, never exits.
    pub paused: u8,
    /// When claims were paused, 0 while they are not.
    pub claims_paused_at: i64,
    /// Seconds claims stayed paused in pauses that have ended, and drains that have been
    /// interrupted by a new pause.
    pub claims_paused_seconds: i64,
    /// When the drain after the last claim pause began (the unpause), 0 if none.
    pub claims_drain_from: i64,
    /// When that drain ends: until then every claim deadline keeps moving later, as during the
    /// pause, so that nothing expires while the breaker lets the backlog out.
    pub claims_drain_until: i64,
    /// Start of epoch 0.
    pub genesis_ts: i64,
    /// Reward tokens allocated to finalized epochs (claimed ones included), less what closed
    /// epochs returned to the pool unclaimed.
    pub total_allocated: u64,
    /// Reward tokens claimed by providers, ever.
    pub total_claimed: u64,
    /// The circuit breaker: reward tokens paid out recently.
    pub outflow: OutflowWindow,
    /// Attestors added and not removed (including those whose addition is not effective yet).
    pub attestor_count: u16,
    /// Additions not known to be effective yet: all of them take effect by
    /// `attestors_pending_until` (see [`Network::attestors_in_office`]).
    pub attestors_pending: u16,
    /// When the latest pending addition takes effect.
    pub attestors_pending_until: i64,
    /// The last moment a claim filled the circuit breaker (paid all it had available), or the
    /// cap was lowered: `close_epoch` waits two spans after it, so that a provider claiming
    /// while the breaker held it back is paid before its epoch can close.
    pub outflow_saturated_at: i64,
    /// Space for future fields without a migration.
    pub reserved: [u8; 30],
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

    /// Stored bump of the payouts vault of `mint` (one of the network's two mints).
    pub fn payouts_bump(&self, mint: &Pubkey) -> u8 {
        if *mint == self.payment_mint {
            self.payment_payouts_bump
        } else {
            self.stake_payouts_bump
        }
    }

    /// Whether clients pay in the network token itself.
    pub fn one_mint(&self) -> bool {
        self.payment_mint == self.stake_mint
    }

    /// The hard bounds plus what depends on the mints.
    pub fn check_params(&self, params: &NetworkParams) -> Result<()> {
        params.validate_for(self.one_mint())
    }

    /// The delay of every governance change (parameters, attestor set): the current unbonding
    /// period, so a provider who disagrees can unbond and leave before it applies.
    pub fn governance_delay(&self) -> i64 {
        self.params.unbond_seconds
    }

    /// Records a parameter proposal (or withdraws it with `None`); returns the moment after
    /// which it may apply.
    pub fn propose_params(&mut self, params: Option<NetworkParams>, now: i64) -> Result<i64> {
        if let Some(p) = &params {
            self.check_params(p)?;
            // Epoch indexing and shard hashing of live epochs depend on the first two; the
            // breaker's throughput guarantee on the third (a new window re-counts everything
            // its ring holds for a full new span: changing it again and again could stall the
            // outflow the claim deadlines rely on).
            require!(
                p.epoch_seconds == self.params.epoch_seconds
                    && p.shard_count == self.params.shard_count
                    && p.outflow_window_seconds == self.params.outflow_window_seconds,
                SpiceError::ImmutableParameter
            );
            require!(
                self.params.emission_not_cut_by(p),
                SpiceError::EmissionScheduleCut
            );
            require!(
                self.params.claim_window_not_cut_by(p),
                SpiceError::ClaimWindowCut
            );
        }
        self.pending_params_at = match params {
            Some(_) => now
                .checked_add(self.governance_delay())
                .ok_or(SpiceError::MathOverflow)?,
            None => 0,
        };
        self.pending_params = params;
        Ok(self.pending_params_at)
    }

    /// Whether a pending proposal may be applied at `now`: strictly after `pending_params_at`,
    /// so that a provider who began unbonding when it was announced withdraws first.
    pub fn pending_params_applicable(&self, now: i64) -> bool {
        self.pending_params.is_some() && now > self.pending_params_at
    }

    /// Puts the pending parameters in force once their delay has passed; returns the old ones.
    pub fn apply_params(&mut self, now: i64) -> Result<NetworkParams> {
        let params = self.pending_params.ok_or(SpiceError::NoPendingParams)?;
        if !self.pending_params_applicable(now) {
            msg!(
                "the proposed parameters apply after {}",
                self.pending_params_at
            );
            return err!(SpiceError::ParamsNotYetEffective);
        }
        // The lifetime budget may have been consumed further since the proposal.
        check(
            params.max_total_emission >= self.total_allocated,
            "max_total_emission",
        )?;
        let old = self.params;
        if params.max_reward_outflow_per_window < old.max_reward_outflow_per_window {
            // If what the window holds fills the new cap, the breaker is saturated now (a lower
            // cap over an idle window holds nobody back and keeps no epoch open).
            let available = self
                .outflow
                .available(
                    now,
                    params.outflow_window_seconds,
                    params.max_reward_outflow_per_window,
                )
                .unwrap_or(0);
            if available == 0 {
                self.outflow_saturated_at = now;
            }
        }
        self.params = params;
        self.pending_params = None;
        self.pending_params_at = 0;
        Ok(old)
    }

    /// Sets the pause flags, keeping the account of how long claims stayed paused.
    ///
    /// When claims resume, the breaker needs time to let out what the pause held back
    /// ([`Network::drain_seconds`]); until that drain ends, every claim deadline — of the epochs
    /// finalized before the pause, during it and during the drain — keeps moving later as if
    /// claims were still paused. A pause can delay a reward, never make it expire.
    pub fn set_pause(&mut self, flags: u8, now: i64) -> Result<()> {
        require!(flags & !PAUSE_ALL == 0, SpiceError::InvalidPauseFlags);
        let was = self.paused & PAUSE_CLAIM != 0;
        let will = flags & PAUSE_CLAIM != 0;
        if !was && will {
            // A drain under way ends here; what it ran counts, and the next unpause starts a
            // new one for whatever is outstanding then.
            self.claims_paused_seconds = self
                .claims_paused_seconds
                .checked_add(self.drain_elapsed(now))
                .ok_or(SpiceError::MathOverflow)?;
            self.claims_drain_from = 0;
            self.claims_drain_until = 0;
            self.claims_paused_at = now;
        } else if was && !will {
            let paused_for = now
                .checked_sub(self.claims_paused_at)
                .ok_or(SpiceError::MathOverflow)?
                .max(0);
            self.claims_paused_seconds = self
                .claims_paused_seconds
                .checked_add(paused_for)
                .ok_or(SpiceError::MathOverflow)?;
            self.claims_paused_at = 0;
            self.claims_drain_from = now;
            self.claims_drain_until = now
                .checked_add(self.drain_seconds()?)
                .ok_or(SpiceError::MathOverflow)?;
        }
        self.paused = flags;
        Ok(())
    }

    /// Records an attestor addition taking effect at `active_from`.
    pub fn note_attestor_addition(&mut self, now: i64, active_from: i64) -> Result<()> {
        if now >= self.attestors_pending_until {
            self.attestors_pending = 0;
        }
        self.attestors_pending = self
            .attestors_pending
            .checked_add(1)
            .ok_or(SpiceError::CounterOutOfRange)?;
        self.attestors_pending_until = self.attestors_pending_until.max(active_from);
        self.attestor_count = self
            .attestor_count
            .checked_add(1)
            .ok_or(SpiceError::CounterOutOfRange)?;
        Ok(())
    }

    /// Records an attestor removal (scheduled; see [`Network::attestors_in_office`]).
    pub fn note_attestor_removal(&mut self) -> Result<()> {
        self.attestor_count = self
            .attestor_count
            .checked_sub(1)
            .ok_or(SpiceError::CounterOutOfRange)?;
        Ok(())
    }

    /// A lower bound of the attestors who could judge a job accepted at `now`: those added and
    /// not removed, less every addition not known to be effective yet. (An attestor whose
    /// removal is scheduled but not effective still judges it: not counting it only errs low.)
    pub fn attestors_in_office(&self, now: i64) -> u16 {
        let pending = if now >= self.attestors_pending_until {
            0
        } else {
            self.attestors_pending
        };
        self.attestor_count.saturating_sub(pending)
    }

    /// Records a claim that filled the circuit breaker at `now`.
    pub fn note_outflow_saturated(&mut self, now: i64) {
        self.outflow_saturated_at = now;
    }

    /// Fails with `RewardOutflowBusy` while the breaker was saturated less than two spans ago:
    /// a provider claiming at least once a span while it is owed has then either been paid in
    /// full or been held back by a saturated breaker, which keeps its epoch from closing.
    pub fn require_outflow_idle(&self, now: i64) -> Result<()> {
        if self.outflow_saturated_at == 0 {
            return Ok(());
        }
        let span = crate::window::span_seconds(self.params.outflow_window_seconds)
            .map_err(|_| SpiceError::MathOverflow)?;
        let idle_from = span
            .checked_mul(2)
            .and_then(|s| s.checked_add(self.outflow_saturated_at))
            .ok_or(SpiceError::MathOverflow)?;
        if now <= idle_from {
            msg!("the reward breaker is busy until {}", idle_from);
            return err!(SpiceError::RewardOutflowBusy);
        }
        Ok(())
    }

    /// Seconds of the current drain that have run by `now`.
    fn drain_elapsed(&self, now: i64) -> i64 {
        now.min(self.claims_drain_until)
            .saturating_sub(self.claims_drain_from)
            .max(0)
    }

    /// Seconds the circuit breaker needs to let out every reward allocated and not yet claimed
    /// while new epochs keep allocating: the breaker lets out at least `2 × largest` per epoch
    /// ([`NetworkParams::min_reward_outflow_per_window`]) and new epochs take at most `largest`,
    /// so the backlog shrinks by at least `largest` per epoch — `ceil(outstanding × epoch_seconds
    /// / largest)` seconds, plus one span for the window's bucketing. No later proposal can
    /// lengthen it: `epoch_seconds` is fixed, `largest` can only grow and the cap's floor with
    /// it.
    pub fn drain_seconds(&self) -> Result<i64> {
        let outstanding = self
            .total_allocated
            .checked_sub(self.total_claimed)
            .ok_or(SpiceError::InvariantViolated)?;
        if outstanding == 0 {
            return Ok(0);
        }
        // Something was allocated, so the emission was positive once; it can only have grown.
        let largest = u128::from(self.params.largest_emission().max(1));
        let epoch =
            u128::try_from(self.params.epoch_seconds).map_err(|_| SpiceError::MathOverflow)?;
        let span = crate::window::span_seconds(self.params.outflow_window_seconds)
            .map_err(|_| SpiceError::MathOverflow)?;
        let backlog = u128::from(outstanding)
            .checked_mul(epoch)
            .ok_or(SpiceError::MathOverflow)?
            .div_ceil(largest);
        i64::try_from(backlog)
            .ok()
            .and_then(|b| b.checked_add(span))
            .ok_or_else(|| SpiceError::MathOverflow.into())
    }

    /// Seconds claims have stayed paused since the network began, including a pause under way
    /// and the drain after the last one: every open epoch's claim deadline is later by what
    /// this grew since the epoch was finalized.
    pub fn claims_paused_total(&self, now: i64) -> Result<i64> {
        let current = if self.paused & PAUSE_CLAIM != 0 {
            now.checked_sub(self.claims_paused_at)
                .ok_or(SpiceError::MathOverflow)?
                .max(0)
        } else {
            self.drain_elapsed(now)
        };
        Ok(self
            .claims_paused_seconds
            .checked_add(current)
            .ok_or(SpiceError::MathOverflow)?)
    }

    /// The current epoch index.
    pub fn current_epoch(&self, now: i64) -> Result<u64> {
        Ok(crate::curve::epoch_index(
            now,
            self.genesis_ts,
            self.params.epoch_seconds,
        )?)
    }

    /// Start of epoch `index`.
    pub fn epoch_start(&self, index: u64) -> Result<i64> {
        let offset = i64::try_from(index)
            .ok()
            .and_then(|i| i.checked_mul(self.params.epoch_seconds))
            .ok_or(SpiceError::MathOverflow)?;
        Ok(self
            .genesis_ts
            .checked_add(offset)
            .ok_or(SpiceError::MathOverflow)?)
    }

    /// The claim deadline epoch `index` gets when finalized at `now` (claims are possible
    /// while `now <` it, before any extension by a later claim pause): the end of the
    /// `claim_window_epochs`-th epoch after it, or a full window from now if it is finalized
    /// late — however late it is finalized (a claim pause, an idle crank), its providers get the
    /// whole window.
    pub fn claim_deadline(&self, index: u64, now: i64) -> Result<i64> {
        let last = index
            .checked_add(u64::from(self.params.claim_window_epochs))
            .and_then(|v| v.checked_add(1))
            .ok_or(SpiceError::MathOverflow)?;
        let window = i64::from(self.params.claim_window_epochs)
            .checked_mul(self.params.epoch_seconds)
            .and_then(|w| w.checked_add(now))
            .ok_or(SpiceError::MathOverflow)?;
        Ok(self.epoch_start(last)?.max(window))
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::ACCOUNT_VERSION;

    const HOUR: i64 = 3_600;

    fn network(largest: u64, outstanding: u64) -> Network {
        let params = NetworkParams {
            epoch_seconds: HOUR,
            outflow_window_seconds: HOUR,
            initial_emission: largest,
            tail_emission: largest,
            min_stake: 1,
            unbond_seconds: HOUR,
            protocol_fee_bps: 250,
            slash_bps: 1_000,
            slash_client_share_bps: 5_000,
            max_accept_seconds: HOUR,
            max_run_seconds: HOUR,
            challenge_seconds: HOUR,
            dispute_seconds: HOUR,
            audit_rate_bps: 0,
            attestation_quorum: 1,
            emission_decay_bps: 0,
            max_total_emission: u64::MAX,
            m_max_bps: 10_000,
            stake_cap: 1,
            reward_rate_cap_bps: 0,
            reference_price: 0,
            stake_per_payment_bps: 10_000,
            max_exposure_bps: 0,
            shard_count: 1,
            claim_window_epochs: 8,
            max_reward_outflow_per_window: u64::MAX,
        };
        Network {
            version: ACCOUNT_VERSION,
            bump: 0,
            reward_vault_bump: 0,
            payment_treasury_bump: 0,
            stake_treasury_bump: 0,
            payment_payouts_bump: 0,
            stake_payouts_bump: 0,
            creator: Pubkey::default(),
            id: 0,
            authority: Pubkey::default(),
            pending_authority: None,
            payment_mint: Pubkey::default(),
            stake_mint: Pubkey::default(),
            payment_token_program: Pubkey::default(),
            stake_token_program: Pubkey::default(),
            freeze_authority_accepted: false,
            params,
            pending_params: None,
            pending_params_at: 0,
            paused: 0,
            claims_paused_at: 0,
            claims_paused_seconds: 0,
            claims_drain_from: 0,
            claims_drain_until: 0,
            genesis_ts: 0,
            total_allocated: outstanding,
            total_claimed: 0,
            outflow: Default::default(),
            attestor_count: 0,
            attestors_pending: 0,
            attestors_pending_until: 0,
            outflow_saturated_at: 0,
            reserved: [0; 30],
        }
    }

    #[test]
    fn a_pause_and_its_drain_move_every_deadline_until_the_drain_ends() {
        // Ten epochs of the largest emission outstanding: ten epochs of drain plus one span.
        let mut n = network(1_000, 10_000);
        let span = crate::window::span_seconds(HOUR).unwrap();
        assert_eq!(n.drain_seconds().unwrap(), 10 * HOUR + span);
        n.set_pause(PAUSE_CLAIM, 100).unwrap();
        assert_eq!(n.claims_paused_total(100 + 5 * HOUR).unwrap(), 5 * HOUR);
        n.set_pause(0, 100 + 5 * HOUR).unwrap();
        let drain_end = 100 + 5 * HOUR + 10 * HOUR + span;
        assert_eq!(n.claims_drain_until, drain_end);
        // During the drain the total keeps growing, as if claims were still paused...
        assert_eq!(n.claims_paused_total(100 + 6 * HOUR).unwrap(), 6 * HOUR);
        // ...and stops when it ends.
        let total = 15 * HOUR + span;
        assert_eq!(n.claims_paused_total(drain_end).unwrap(), total);
        assert_eq!(n.claims_paused_total(drain_end + 99 * HOUR).unwrap(), total);
    }

    #[test]
    fn a_pause_during_a_drain_keeps_what_the_drain_ran_and_counts_nothing_twice() {
        let mut n = network(1_000, 10_000);
        n.set_pause(PAUSE_CLAIM, 0).unwrap();
        n.set_pause(0, HOUR).unwrap();
        // Two hours into the drain, claims are paused again for an hour.
        n.set_pause(PAUSE_CLAIM, 3 * HOUR).unwrap();
        assert_eq!((n.claims_drain_from, n.claims_drain_until), (0, 0));
        assert_eq!(n.claims_paused_seconds, 3 * HOUR);
        assert_eq!(n.claims_paused_total(4 * HOUR).unwrap(), 4 * HOUR);
        n.set_pause(0, 4 * HOUR).unwrap();
        assert_eq!(n.claims_paused_total(4 * HOUR).unwrap(), 4 * HOUR);
        assert_eq!(n.claims_paused_total(5 * HOUR).unwrap(), 5 * HOUR);
        // Nothing outstanding: no drain.
        let mut idle = network(1_000, 0);
        idle.set_pause(PAUSE_CLAIM, 0).unwrap();
        idle.set_pause(0, HOUR).unwrap();
        assert_eq!(idle.claims_paused_total(9 * HOUR).unwrap(), HOUR);
    }

    #[test]
    fn the_breaker_floor_is_twice_the_largest_emission_per_epoch_whatever_the_window() {
        for window in [60, 600, HOUR / 2, HOUR] {
            let p = NetworkParams {
                outflow_window_seconds: window,
                ..network(1_000_000, 0).params
            };
            let span = crate::window::span_seconds(window).unwrap();
            let floor = p.min_reward_outflow_per_window();
            // Per epoch the floor lets out at least 2 × largest (and one epoch fits one claim).
            assert!(u128::from(floor) * HOUR as u128 >= 2 * 1_000_000 * span as u128);
            assert!(floor >= p.initial_emission);
        }
        // A proposal cannot lower the largest emission, so it cannot lower the floor's rate.
        let p = network(1_000, 0).params;
        let cut = NetworkParams {
            initial_emission: 999,
            ..p
        };
        assert!(!p.emission_not_cut_by(&cut));
    }
}
