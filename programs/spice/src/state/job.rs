//! A compute job: its escrow terms and its lifecycle as pure transitions. The handlers, the
//! CLI's `job show`, the fuzzer's model and the simulator all go through these methods (and
//! [`crate::state::lifecycle`] for "what is possible now"), so the rules exist once.

use anchor_lang::prelude::*;

use crate::audit::Draw;
use crate::constants::{BPS_DENOMINATOR, MAX_QUORUM, MAX_URI_LEN};
use crate::curve::{job_score, job_value, job_weight, stake_multiplier_bps};
use crate::errors::SpiceError;
use crate::state::{Backing, NetworkParams, Verdict, Work};

/// Where a live job is in its lifecycle. Finished jobs are closed, not kept in a final state.
#[derive(AnchorSerialize, AnchorDeserialize, InitSpace, Clone, Copy, Debug, PartialEq, Eq)]
pub enum JobState {
    /// Escrowed, waiting for a provider.
    Open,
    /// Accepted by a provider, running.
    Running,
    /// Result submitted; the challenge window runs.
    Submitted,
    /// The client disputed; attestors decide.
    Disputed,
}

/// The audit draw of a submitted job.
#[derive(AnchorSerialize, AnchorDeserialize, InitSpace, Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuditDraw {
    /// Not drawn yet (or not submitted yet).
    Pending,
    /// Drawn for attestation: settles only on a Valid quorum.
    Selected,
    /// Not drawn: settles on approval or when the challenge window passes.
    NotSelected,
}

/// Why a job settled (paid the provider).
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub enum SettleReason {
    /// The client approved the result.
    Approved,
    /// The challenge window passed without a dispute.
    ChallengeWindowPassed,
    /// A Valid attestation quorum decided.
    ValidQuorum,
}

/// Why a job expired (refunded the client).
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExpireReason {
    /// No provider accepted it within its accept window.
    NotAccepted,
    /// The provider did not submit by the completion deadline.
    NotSubmitted,
    /// A dispute or audit reached no quorum by its deadline.
    NoQuorum,
}

/// The parameters a job depends on, copied from the network when the job is created: nothing
/// the authority does afterwards changes the terms of a job already posted or accepted — its
/// fee, slash, audit, quorum and windows, nor the most it can earn in rewards.
#[derive(AnchorSerialize, AnchorDeserialize, InitSpace, Clone, Copy, Debug, PartialEq, Eq)]
pub struct JobTerms {
    /// Protocol fee on the provider's payment, bps, rounded up.
    pub protocol_fee_bps: u16,
    /// Share of the provider's active stake at accept slashed on fraud, bps, rounded up.
    pub slash_bps: u16,
    /// Share of a slash paid to the client, bps.
    pub slash_client_share_bps: u16,
    /// Probability that the submission is drawn for attestation, bps.
    pub audit_rate_bps: u16,
    /// Votes of one verdict that decide the job.
    pub attestation_quorum: u8,
    /// Seconds after submission during which the client may dispute.
    pub challenge_seconds: i64,
    /// Seconds a dispute or an audit selection has to reach a quorum.
    pub dispute_seconds: i64,
    /// Most value counted per unit for rewards (0 = the price paid).
    pub reference_price: u64,
    /// Most reward per unit of score the job can earn, bps (stake units per payment unit).
    pub reward_rate_cap_bps: u32,
    /// Stake multiplier cap of the job's score, bps.
    pub m_max_bps: u32,
    /// Stake at which the multiplier reaches `m_max_bps`.
    pub stake_cap: u64,
    /// Exposure limit the job was posted under (0 = none): `accept_job` applies the tighter of
    /// it and the network's limit then, so a limit lifted after posting cannot let a job that
    /// its own reward terms make dangerous through unbacked.
    pub max_exposure_bps: u32,
    /// The network's stated exchange rate when the job was posted (stake units per payment
    /// unit, bps): whether the job's rewards can exceed its fee — and so whether it needs a
    /// quorum of judges at accept — is decided at the rate it was posted under.
    pub stake_per_payment_bps: u32,
}

impl JobTerms {
    /// The terms of a job posted under `params`.
    pub fn of(params: &NetworkParams) -> Self {
        Self {
            protocol_fee_bps: params.protocol_fee_bps,
            slash_bps: params.slash_bps,
            slash_client_share_bps: params.slash_client_share_bps,
            audit_rate_bps: params.audit_rate_bps,
            attestation_quorum: params.attestation_quorum,
            challenge_seconds: params.challenge_seconds,
            dispute_seconds: params.dispute_seconds,
            reference_price: params.reference_price,
            reward_rate_cap_bps: params.reward_rate_cap_bps,
            m_max_bps: params.m_max_bps,
            stake_cap: params.stake_cap,
            max_exposure_bps: params.max_exposure_bps,
            stake_per_payment_bps: params.stake_per_payment_bps,
        }
    }

    /// The tighter of the job's exposure limit and `current` (0 = no limit).
    pub fn exposure_limit_with(&self, current: u32) -> u32 {
        match (self.max_exposure_bps, current) {
            (0, c) => c,
            (j, 0) => j,
            (j, c) => j.min(c),
        }
    }

    /// Whether the job can earn more in rewards than it pays in fees, at the exchange rate it
    /// was posted under: then it is safe only if an audit can judge it.
    pub fn rewards_can_exceed_fees(&self) -> bool {
        crate::curve::rewards_can_exceed_fees(
            self.reward_rate_cap_bps,
            self.m_max_bps,
            self.protocol_fee_bps,
            self.stake_per_payment_bps,
        )
    }
}

/// A compute job and its escrow terms. Rent for it and its escrow vault is paid by the client,
/// and returns to the client when the job closes.
#[account]
#[derive(InitSpace, Debug)]
pub struct Job {
    /// Layout version.
    pub version: u8,
    /// Bump of this PDA.
    pub bump: u8,
    /// Bump of the escrow vault PDA.
    pub escrow_bump: u8,
    /// Network the job runs on.
    pub network: Pubkey,
    /// Who escrowed the payment and receives refunds and rent.
    pub client: Pubkey,
    /// The job's number among the client's jobs (its `Client.jobs_created` at creation); part
    /// of its seeds, never reused.
    pub job_id: u64,
    /// Only this Provider account (PDA) may accept, when set.
    pub target_provider: Option<Pubkey>,
    /// The Provider account (PDA) that accepted.
    pub provider: Option<Pubkey>,
    /// Payment per unit of work, payment-mint base units.
    pub price_per_unit: u64,
    /// Most units the client pays for.
    pub max_units: u64,
    /// Tokens held by the escrow vault: `price_per_unit × max_units`.
    pub escrowed: u64,
    /// Hash of the job specification (the manifest: what to run, hardware, the unit).
    pub spec_hash: [u8; 32],
    /// Where the specification can be fetched.
    #[max_len(MAX_URI_LEN)]
    pub spec_uri: String,
    /// Hash of the submitted result.
    pub result_hash: [u8; 32],
    /// Where the result can be fetched.
    #[max_len(MAX_URI_LEN)]
    pub result_uri: String,
    /// Units the provider reported.
    pub reported_units: u64,
    /// Lifecycle state.
    pub state: JobState,
    /// The network parameters the job depends on, fixed at creation.
    pub terms: JobTerms,
    /// When it was created.
    pub created_at: i64,
    /// Slot it was created in.
    pub created_slot: u64,
    /// Last moment a provider may accept.
    pub accept_deadline: i64,
    /// Run time granted from acceptance.
    pub run_seconds: i64,
    /// When it was accepted (0 before). Attestors added later may not vote on it.
    pub accepted_at: i64,
    /// Last moment the provider may submit (set at accept).
    pub completion_deadline: i64,
    /// The provider's active stake when it accepted: backs the stake multiplier and the slash.
    pub stake_at_accept: u64,
    /// Stake slashed if the job is found fraudulent (`slash_bps` of `stake_at_accept`, rounded
    /// up), locked in the provider's vault until the job ends.
    pub slash_lock: u64,
    /// Counted value at `max_units`, held against the provider's exposure limit until the job
    /// ends.
    pub exposure: u64,
    /// Slot of the submission: the audit draw uses a slot after it.
    pub submit_slot: u64,
    /// Last moment the client may dispute (set at submit).
    pub challenge_deadline: i64,
    /// Last moment a dispute or audit can reach a quorum (set at dispute or selection; only
    /// ever moves later).
    pub vote_deadline: i64,
    /// The audit draw.
    pub audit: AuditDraw,
    /// Valid votes so far.
    pub valid_votes: u8,
    /// Invalid votes so far.
    pub invalid_votes: u8,
    /// Measured units of the Valid votes, for the median (first `valid_votes` entries).
    pub valid_units: [u64; MAX_QUORUM as usize],
    /// Space for future fields without a migration.
    pub reserved: [u8; 24],
}

/// How a settled job's escrow splits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Payout {
    /// To the provider: `units × price − fee`.
    pub provider: u64,
    /// To the treasury.
    pub fee: u64,
    /// Back to the client: the escrow not earned.
    pub refund: u64,
}

/// What a vote does to the job.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VoteOutcome {
    /// No quorum yet.
    Pending,
    /// A Valid quorum: settle for the median of the Valid votes' units.
    Settle { units: u64 },
    /// An Invalid quorum: fraud.
    Fraud,
}

/// Refuses a string longer than `MAX_URI_LEN` bytes.
pub fn check_uri(uri: &str) -> Result<()> {
    require!(uri.len() <= MAX_URI_LEN, SpiceError::FieldTooLong);
    Ok(())
}

impl Job {
    /// Counted value of the job at `units`: `units × min(price, reference price)`.
    pub fn value(&self, units: u64) -> Result<u64> {
        Ok(job_value(
            units,
            self.price_per_unit,
            self.terms.reference_price,
        )?)
    }

    /// What the job takes from its provider while it runs (fixed at accept).
    pub fn backing(&self) -> Backing {
        Backing {
            lock: self.slash_lock,
            exposure: self.exposure,
        }
    }

    /// `provider` (with `stake` active) takes the open job at `now`: the completion deadline
    /// starts, and the stake that backs the job is fixed. Returns that backing.
    pub fn accept(&mut self, provider: Pubkey, stake: u64, now: i64) -> Result<Backing> {
        require!(self.state == JobState::Open, SpiceError::InvalidJobState);
        require!(now <= self.accept_deadline, SpiceError::AcceptWindowClosed);
        if let Some(target) = self.target_provider {
            require_keys_eq!(target, provider, SpiceError::NotTargetProvider);
        }
        let lock = u128::from(stake)
            .checked_mul(u128::from(self.terms.slash_bps))
            .and_then(|v| v.checked_add(u128::from(BPS_DENOMINATOR) - 1))
            .map(|v| v / u128::from(BPS_DENOMINATOR))
            .and_then(|v| u64::try_from(v).ok())
            .ok_or(SpiceError::MathOverflow)?;
        self.provider = Some(provider);
        self.state = JobState::Running;
        self.accepted_at = now;
        self.completion_deadline = now
            .checked_add(self.run_seconds)
            .ok_or(SpiceError::MathOverflow)?;
        self.stake_at_accept = stake;
        self.slash_lock = lock;
        self.exposure = self.value(self.max_units)?;
        Ok(self.backing())
    }

    /// The provider submits `units` of work and its result at `now` (in `slot`): the challenge
    /// window starts and the audit draw waits for a later slot's hash.
    pub fn submit(
        &mut self,
        result_hash: [u8; 32],
        result_uri: String,
        units: u64,
        now: i64,
        slot: u64,
    ) -> Result<()> {
        require!(self.state == JobState::Running, SpiceError::InvalidJobState);
        require!(
            now <= self.completion_deadline,
            SpiceError::CompletionDeadlinePassed
        );
        require!(units <= self.max_units, SpiceError::UnitsExceedMax);
        check_uri(&result_uri)?;
        self.result_hash = result_hash;
        self.result_uri = result_uri;
        self.reported_units = units;
        self.submit_slot = slot;
        self.audit = AuditDraw::Pending;
        self.challenge_deadline = now
            .checked_add(self.terms.challenge_seconds)
            .ok_or(SpiceError::MathOverflow)?;
        self.state = JobState::Submitted;
        Ok(())
    }

    /// The client disputes at `now`, inside the challenge window. The vote deadline becomes
    /// `now + dispute_seconds`, or stays where an audit selection already put it if later:
    /// a deadline never moves earlier.
    pub fn dispute(&mut self, now: i64) -> Result<()> {
        require!(
            self.state == JobState::Submitted,
            SpiceError::InvalidJobState
        );
        require!(
            now <= self.challenge_deadline,
            SpiceError::ChallengeWindowClosed
        );
        let deadline = now
            .checked_add(self.terms.dispute_seconds)
            .ok_or(SpiceError::MathOverflow)?;
        self.vote_deadline = self.vote_deadline.max(deadline);
        self.state = JobState::Disputed;
        Ok(())
    }

    /// Records the audit draw if it is still pending and `outcome` (from
    /// [`crate::audit::draw`]) decides it. A selected job gets at least `dispute_seconds` of
    /// voting from the end of the challenge window (or from now, if later); the vote deadline
    /// never moves earlier. Returns the draw as it stands (`NotReady` leaves it pending) and
    /// whether it was recorded now.
    pub fn apply_draw(&mut self, outcome: Draw, now: i64) -> Result<(Draw, bool)> {
        match self.audit {
            AuditDraw::Selected => return Ok((Draw::Selected, false)),
            AuditDraw::NotSelected => return Ok((Draw::NotSelected, false)),
            AuditDraw::Pending => {}
        }
        match outcome {
            Draw::NotReady => return Ok((outcome, false)),
            Draw::NotSelected => self.audit = AuditDraw::NotSelected,
            Draw::Selected => {
                self.audit = AuditDraw::Selected;
                let deadline = now
                    .max(self.challenge_deadline)
                    .checked_add(self.terms.dispute_seconds)
                    .ok_or(SpiceError::MathOverflow)?;
                self.vote_deadline = self.vote_deadline.max(deadline);
            }
        }
        Ok((outcome, true))
    }

    /// The draw an instruction would record now from the SlotHashes data.
    pub fn draw_from(&self, slot_hashes: &[u8], job_key: &Pubkey) -> Draw {
        match self.audit {
            AuditDraw::Selected => Draw::Selected,
            AuditDraw::NotSelected => Draw::NotSelected,
            AuditDraw::Pending => crate::audit::draw(
                slot_hashes,
                self.submit_slot,
                job_key,
                self.terms.audit_rate_bps,
            ),
        }
    }

    /// Last moment a vote counts: the vote deadline once disputed or selected, otherwise the
    /// end of the challenge window.
    pub fn voting_deadline(&self) -> i64 {
        if self.state == JobState::Disputed || self.audit == AuditDraw::Selected {
            self.vote_deadline
        } else {
            self.challenge_deadline
        }
    }

    /// Whether a vote can be cast at `now` (the draw already recorded if it could be).
    pub fn check_vote(&self, now: i64) -> Result<()> {
        require!(
            matches!(self.state, JobState::Submitted | JobState::Disputed),
            SpiceError::InvalidJobState
        );
        require!(now <= self.voting_deadline(), SpiceError::VotingClosed);
        Ok(())
    }

    /// What a vote of `verdict` (measuring `measured` units) would decide, without casting it:
    /// the CLI asks this before an attestor signs.
    pub fn outcome_of_vote(&self, verdict: Verdict, measured: u64) -> Result<VoteOutcome> {
        let mut copy = JobVotes::of(self);
        copy.add(verdict, measured.min(self.reported_units))?;
        copy.outcome(self.terms.attestation_quorum)
    }

    /// Counts a vote and returns what it decides.
    pub fn cast_vote(&mut self, verdict: Verdict, measured: u64) -> Result<VoteOutcome> {
        let mut votes = JobVotes::of(self);
        votes.add(verdict, measured.min(self.reported_units))?;
        votes.store(self);
        votes.outcome(self.terms.attestation_quorum)
    }

    /// Whether the client's approval may settle the job now (before the audit draw decides).
    pub fn check_approve(&self) -> Result<()> {
        require!(
            self.state == JobState::Submitted,
            SpiceError::InvalidJobState
        );
        Ok(())
    }

    /// Whether anyone may settle the job at `now`: submitted, undisputed, window over.
    pub fn check_crank_settle(&self, now: i64) -> Result<()> {
        require!(
            self.state == JobState::Submitted,
            SpiceError::InvalidJobState
        );
        require!(
            now > self.challenge_deadline,
            SpiceError::ChallengeWindowOpen
        );
        Ok(())
    }

    /// Which deadline has passed at `now`, if any: the job can then be refunded by anyone.
    pub fn expire_reason(&self, now: i64) -> Option<ExpireReason> {
        match self.state {
            JobState::Open if now > self.accept_deadline => Some(ExpireReason::NotAccepted),
            JobState::Running if now > self.completion_deadline => Some(ExpireReason::NotSubmitted),
            JobState::Disputed if now > self.vote_deadline => Some(ExpireReason::NoQuorum),
            JobState::Submitted
                if self.audit == AuditDraw::Selected && now > self.vote_deadline =>
            {
                Some(ExpireReason::NoQuorum)
            }
            _ => None,
        }
    }

    /// Splits the escrow for `final_units` of work. The fee rounds up so that many tiny jobs
    /// cannot dodge it by rounding.
    pub fn payout(&self, final_units: u64) -> Result<Payout> {
        let units = final_units.min(self.reported_units).min(self.max_units);
        let gross = u128::from(units)
            .checked_mul(u128::from(self.price_per_unit))
            .ok_or(SpiceError::MathOverflow)?;
        let fee = gross
            .checked_mul(u128::from(self.terms.protocol_fee_bps))
            .and_then(|v| v.checked_add(u128::from(BPS_DENOMINATOR) - 1))
            .map(|v| v / u128::from(BPS_DENOMINATOR))
            .ok_or(SpiceError::MathOverflow)?;
        let escrowed = u128::from(self.escrowed);
        let refund = escrowed
            .checked_sub(gross)
            .ok_or(SpiceError::EscrowMismatch)?;
        let provider = gross.checked_sub(fee).ok_or(SpiceError::MathOverflow)?;
        Ok(Payout {
            provider: u64::try_from(provider).map_err(|_| SpiceError::MathOverflow)?,
            fee: u64::try_from(fee).map_err(|_| SpiceError::MathOverflow)?,
            refund: u64::try_from(refund).map_err(|_| SpiceError::MathOverflow)?,
        })
    }

    /// What a settlement for `units` adds to the epoch when the provider has `stake_now`: the
    /// counted value, its score at the stake multiplier of the job's terms for the stake that
    /// backs the job, its reward weight at the job's rate cap, and the fee.
    pub fn work(&self, units: u64, fee: u64, stake_now: u64) -> Result<Work> {
        let value = self.value(units)?;
        let multiplier = stake_multiplier_bps(
            self.backing_stake(stake_now),
            self.terms.stake_cap,
            self.terms.m_max_bps,
        )?;
        let score = job_score(value, multiplier)?;
        Ok(Work {
            score,
            weight: job_weight(score, self.terms.reward_rate_cap_bps)?,
            value,
            fee,
        })
    }

    /// The network's and the provider's conditions for `provider` to accept this job at `now`
    /// (the job's own deadline and target are checked by [`Job::accept`]): the job is open; the
    /// provider is Active and staked at the minimum; its stake covers the job's value under the
    /// tighter of the job's and the network's exposure limits; and where the job's rewards can
    /// exceed its fee, a quorum of attestors is in office to judge it (faked units are made
    /// unprofitable by the audit).
    pub fn check_acceptable(
        &self,
        provider: &crate::state::Provider,
        network: &crate::state::Network,
        now: i64,
    ) -> Result<()> {
        require!(self.state == JobState::Open, SpiceError::InvalidJobState);
        let params = &network.params;
        require!(
            provider.status == crate::state::ProviderStatus::Active
                && provider.stake >= params.min_stake,
            SpiceError::ProviderNotActive
        );
        let exposure = self.value(self.max_units)?;
        require!(
            provider.exposure_allows(
                exposure,
                self.terms.exposure_limit_with(params.max_exposure_bps)
            )?,
            SpiceError::ExposureLimit
        );
        if self.terms.rewards_can_exceed_fees() {
            require!(
                network.attestors_in_office(now) >= u16::from(self.terms.attestation_quorum),
                SpiceError::TooFewAttestors
            );
        }
        Ok(())
    }

    /// The stake that backs the job for its multiplier: what the provider had at accept, or
    /// less if it has less now. Stake added after accepting never counts.
    pub fn backing_stake(&self, stake_now: u64) -> u64 {
        self.stake_at_accept.min(stake_now)
    }

    /// Median of the Valid votes' measured units (the mean of the two middle votes, rounded
    /// down, for an even count), each already capped by the reported units.
    pub fn median_valid_units(&self) -> Option<u64> {
        median(&self.valid_units, self.valid_votes)
    }

    /// Invariant 1 of docs/DESIGN.md: the escrow vault holds the recorded escrow. It holds
    /// exactly that unless someone transferred tokens into it; such a donation must not lock
    /// the job, so only a shortfall is an error, and the surplus goes to the client.
    pub fn invariant(&self, escrow_vault_amount: u64) -> Result<()> {
        require!(
            escrow_vault_amount >= self.escrowed,
            SpiceError::EscrowMismatch
        );
        Ok(())
    }
}

/// The vote tallies of a job, counted apart from it so that "what would this vote do" and
/// "cast this vote" share one rule.
struct JobVotes {
    valid: u8,
    invalid: u8,
    units: [u64; MAX_QUORUM as usize],
}

impl JobVotes {
    fn of(job: &Job) -> Self {
        Self {
            valid: job.valid_votes,
            invalid: job.invalid_votes,
            units: job.valid_units,
        }
    }

    fn add(&mut self, verdict: Verdict, measured: u64) -> Result<()> {
        match verdict {
            Verdict::Valid => {
                let slot = self
                    .units
                    .get_mut(usize::from(self.valid))
                    .ok_or(SpiceError::CounterOutOfRange)?;
                *slot = measured;
                self.valid = self
                    .valid
                    .checked_add(1)
                    .ok_or(SpiceError::CounterOutOfRange)?;
            }
            Verdict::Invalid => {
                self.invalid = self
                    .invalid
                    .checked_add(1)
                    .ok_or(SpiceError::CounterOutOfRange)?;
            }
        }
        Ok(())
    }

    fn store(&self, job: &mut Job) {
        job.valid_votes = self.valid;
        job.invalid_votes = self.invalid;
        job.valid_units = self.units;
    }

    fn outcome(&self, quorum: u8) -> Result<VoteOutcome> {
        if self.valid >= quorum {
            let units = median(&self.units, self.valid).ok_or(SpiceError::MathOverflow)?;
            Ok(VoteOutcome::Settle { units })
        } else if self.invalid >= quorum {
            Ok(VoteOutcome::Fraud)
        } else {
            Ok(VoteOutcome::Pending)
        }
    }
}

/// Median of the first `count` of `units`.
fn median(units: &[u64; MAX_QUORUM as usize], count: u8) -> Option<u64> {
    let n = usize::from(count).min(units.len());
    let mut sorted: Vec<u64> = units.get(..n)?.to_vec();
    if sorted.is_empty() {
        return None;
    }
    sorted.sort_unstable();
    let upper = *sorted.get(n / 2)?;
    if n % 2 == 1 {
        return Some(upper);
    }
    let lower = *sorted.get(n / 2 - 1)?;
    Some(lower / 2 + upper / 2 + (lower % 2 + upper % 2) / 2)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Terms for unit tests: 2.5 % fee, 10 % slash, half to the client, no audits, quorum 2,
    /// one-day windows.
    pub fn terms() -> JobTerms {
        JobTerms {
            protocol_fee_bps: 250,
            slash_bps: 1_000,
            slash_client_share_bps: 5_000,
            audit_rate_bps: 0,
            attestation_quorum: 2,
            challenge_seconds: 86_400,
            dispute_seconds: 86_400,
            reference_price: 0,
            reward_rate_cap_bps: 80,
            m_max_bps: 30_000,
            stake_cap: 1_000,
            max_exposure_bps: 0,
            stake_per_payment_bps: 10_000,
        }
    }

    #[test]
    fn the_tighter_exposure_limit_applies_and_zero_means_none() {
        let mut t = terms();
        assert_eq!(t.exposure_limit_with(0), 0);
        assert_eq!(t.exposure_limit_with(500), 500);
        t.max_exposure_bps = 300;
        assert_eq!(t.exposure_limit_with(0), 300);
        assert_eq!(t.exposure_limit_with(500), 300);
        assert_eq!(t.exposure_limit_with(200), 200);
    }

    pub fn job(price: u64, max: u64, reported: u64) -> Job {
        Job {
            version: 1,
            bump: 0,
            escrow_bump: 0,
            network: Pubkey::default(),
            client: Pubkey::default(),
            job_id: 0,
            target_provider: None,
            provider: None,
            price_per_unit: price,
            max_units: max,
            escrowed: price * max,
            spec_hash: [0; 32],
            spec_uri: String::new(),
            result_hash: [0; 32],
            result_uri: String::new(),
            reported_units: reported,
            state: JobState::Submitted,
            terms: terms(),
            created_at: 0,
            created_slot: 0,
            accept_deadline: 0,
            run_seconds: 100,
            accepted_at: 0,
            completion_deadline: 0,
            stake_at_accept: 0,
            slash_lock: 0,
            exposure: 0,
            submit_slot: 0,
            challenge_deadline: 0,
            vote_deadline: 0,
            audit: AuditDraw::NotSelected,
            valid_votes: 0,
            invalid_votes: 0,
            valid_units: [0; MAX_QUORUM as usize],
            reserved: [0; 24],
        }
    }

    #[test]
    fn median_of_odd_and_even_counts() {
        let mut j = job(1, 100, 100);
        assert_eq!(j.median_valid_units(), None);
        for (i, u) in [50u64, 10, 30].iter().enumerate() {
            j.valid_units[i] = *u;
        }
        j.valid_votes = 3;
        assert_eq!(j.median_valid_units(), Some(30));
        j.valid_units[3] = 40;
        j.valid_votes = 4;
        // 10 30 40 50: mean of the middle two
        assert_eq!(j.median_valid_units(), Some(35));
        j.valid_units[3] = 31;
        assert_eq!(j.median_valid_units(), Some(30)); // (30 + 31) / 2 rounds down
        j.valid_units[0] = u64::MAX;
        j.valid_units[1] = u64::MAX;
        j.valid_votes = 2;
        assert_eq!(j.median_valid_units(), Some(u64::MAX)); // no overflow
        j.valid_votes = 1;
        assert_eq!(j.median_valid_units(), Some(u64::MAX));
    }

    #[test]
    fn payout_splits_escrow_exactly() {
        let p = job(1_000, 10, 7).payout(7).unwrap();
        assert_eq!(p.fee, 175); // 7000 × 2.5%
        assert_eq!(p.provider, 6_825);
        assert_eq!(p.refund, 3_000);
        assert_eq!(p.provider + p.fee + p.refund, 10_000);
    }

    #[test]
    fn fee_rounds_up_so_dust_jobs_pay_it() {
        let mut j = job(1, 1, 1);
        j.terms.protocol_fee_bps = 1;
        let p = j.payout(1).unwrap();
        assert_eq!(p.fee, 1);
        assert_eq!(p.provider, 0);
    }

    #[test]
    fn final_units_are_capped_by_reported_units() {
        let mut j = job(10, 10, 4);
        j.terms.protocol_fee_bps = 0;
        let p = j.payout(9).unwrap();
        assert_eq!(p.provider, 40);
        assert_eq!(p.refund, 60);
    }

    #[test]
    fn accept_fixes_the_backing_from_the_stake_at_accept() {
        let mut j = job(1_000, 10, 0);
        j.state = JobState::Open;
        j.accept_deadline = 50;
        j.terms.reference_price = 400;
        let p = Pubkey::new_unique();
        let b = j.accept(p, 1_001, 10).unwrap();
        // 10 % of 1 001, rounded up; value at 10 units × min(1 000, 400).
        assert_eq!((b.lock, b.exposure), (101, 4_000));
        assert_eq!((j.accepted_at, j.completion_deadline), (10, 110));
        assert_eq!(j.backing_stake(5_000), 1_001);
        assert_eq!(j.backing_stake(900), 900);
        assert!(j.accept(p, 1, 11).is_err());
    }

    #[test]
    fn accept_refuses_after_the_window_and_other_targets() {
        let mut j = job(1, 1, 0);
        j.state = JobState::Open;
        j.accept_deadline = 50;
        assert!(j.accept(Pubkey::new_unique(), 1, 51).is_err());
        j.target_provider = Some(Pubkey::new_unique());
        assert!(j.accept(Pubkey::new_unique(), 1, 10).is_err());
    }

    #[test]
    fn a_dispute_never_shortens_an_audit_vote_deadline() {
        let mut j = job(1, 10, 10);
        j.state = JobState::Submitted;
        j.audit = AuditDraw::Pending;
        j.challenge_deadline = 1_000;
        j.terms.dispute_seconds = 500;
        // Selected at 100: voting until the end of the challenge window + 500.
        j.apply_draw(Draw::Selected, 100).unwrap();
        assert_eq!(j.vote_deadline, 1_500);
        // A dispute at 200 would give 700; the deadline stays at 1 500.
        j.dispute(200).unwrap();
        assert_eq!(j.vote_deadline, 1_500);
        assert_eq!(j.voting_deadline(), 1_500);
    }

    #[test]
    fn a_late_selection_never_shortens_a_dispute() {
        let mut j = job(1, 10, 10);
        j.audit = AuditDraw::Pending;
        j.challenge_deadline = 1_000;
        j.terms.dispute_seconds = 500;
        j.dispute(900).unwrap();
        assert_eq!(j.vote_deadline, 1_400);
        j.apply_draw(Draw::Selected, 950).unwrap();
        assert_eq!(j.vote_deadline, 1_500);
    }

    #[test]
    fn votes_decide_at_quorum_and_a_probe_changes_nothing() {
        let mut j = job(1, 10, 8);
        assert_eq!(
            j.outcome_of_vote(Verdict::Valid, 6).unwrap(),
            VoteOutcome::Pending
        );
        assert_eq!(j.valid_votes, 0);
        assert_eq!(
            j.cast_vote(Verdict::Valid, 6).unwrap(),
            VoteOutcome::Pending
        );
        // Measured units are capped by the reported 8: median of 6 and 8 is 7.
        assert_eq!(
            j.outcome_of_vote(Verdict::Valid, 99).unwrap(),
            VoteOutcome::Settle { units: 7 }
        );
        assert_eq!(
            j.cast_vote(Verdict::Invalid, 0).unwrap(),
            VoteOutcome::Pending
        );
        assert_eq!(
            j.cast_vote(Verdict::Invalid, 0).unwrap(),
            VoteOutcome::Fraud
        );
    }

    #[test]
    fn expiry_reasons_follow_each_deadline() {
        let mut j = job(1, 1, 1);
        j.state = JobState::Open;
        j.accept_deadline = 10;
        assert_eq!(j.expire_reason(10), None);
        assert_eq!(j.expire_reason(11), Some(ExpireReason::NotAccepted));
        j.state = JobState::Running;
        j.completion_deadline = 20;
        assert_eq!(j.expire_reason(21), Some(ExpireReason::NotSubmitted));
        j.state = JobState::Submitted;
        j.audit = AuditDraw::NotSelected;
        j.vote_deadline = 30;
        assert_eq!(j.expire_reason(31), None);
        j.audit = AuditDraw::Selected;
        assert_eq!(j.expire_reason(31), Some(ExpireReason::NoQuorum));
        j.state = JobState::Disputed;
        assert_eq!(j.expire_reason(30), None);
    }
}
