use anchor_lang::prelude::*;

use crate::constants::{BPS_DENOMINATOR, MAX_QUORUM};
use crate::errors::SpiceError;

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
    /// The client's id for this job; part of its seeds.
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
    /// Hash of the job specification (off chain).
    pub spec_hash: [u8; 32],
    /// Hash of the submitted result (off chain).
    pub result_hash: [u8; 32],
    /// Units the provider reported.
    pub reported_units: u64,
    /// Lifecycle state.
    pub state: JobState,
    /// When it was created.
    pub created_at: i64,
    /// Slot it was created in. A client may reuse a closed job's id, so the same address can
    /// hold several jobs over time; votes record this to tell them apart.
    pub created_slot: u64,
    /// Last moment a provider may accept.
    pub accept_deadline: i64,
    /// Run time granted from acceptance.
    pub run_seconds: i64,
    /// Last moment the provider may submit (set at accept).
    pub completion_deadline: i64,
    /// Slot of the submission: the audit draw uses a slot after it.
    pub submit_slot: u64,
    /// Last moment the client may dispute (set at submit).
    pub challenge_deadline: i64,
    /// Last moment a dispute or audit can reach a quorum (set at dispute or selection).
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
    pub reserved: [u8; 32],
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

impl Job {
    /// Splits the escrow for `final_units` of work. The fee rounds up so that many tiny jobs
    /// cannot dodge it by rounding.
    pub fn payout(&self, final_units: u64, protocol_fee_bps: u16) -> Result<Payout> {
        let units = final_units.min(self.reported_units).min(self.max_units);
        let gross = u128::from(units)
            .checked_mul(u128::from(self.price_per_unit))
            .ok_or(SpiceError::MathOverflow)?;
        let fee = gross
            .checked_mul(u128::from(protocol_fee_bps))
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

    /// Records the audit draw if it is still pending and can be made now, emitting
    /// `AuditDrawn`. Returns the draw (`NotReady` leaves it pending). A selected job gets a
    /// vote deadline: attestors have `dispute_seconds` from the end of the challenge window
    /// (or from now, if later).
    pub fn record_draw(
        &mut self,
        slot_hashes: &[u8],
        job_key: &Pubkey,
        params: &crate::state::NetworkParams,
        now: i64,
    ) -> Result<crate::audit::Draw> {
        use crate::audit::{draw, Draw};
        let outcome = match self.audit {
            AuditDraw::Selected => return Ok(Draw::Selected),
            AuditDraw::NotSelected => return Ok(Draw::NotSelected),
            AuditDraw::Pending => draw(
                slot_hashes,
                self.submit_slot,
                job_key,
                params.audit_rate_bps,
            ),
        };
        match outcome {
            Draw::NotReady => return Ok(outcome),
            Draw::NotSelected => self.audit = AuditDraw::NotSelected,
            Draw::Selected => {
                self.audit = AuditDraw::Selected;
                if self.state != JobState::Disputed {
                    self.vote_deadline = now
                        .max(self.challenge_deadline)
                        .checked_add(params.dispute_seconds)
                        .ok_or(SpiceError::MathOverflow)?;
                }
            }
        }
        emit!(crate::events::AuditDrawn {
            job: *job_key,
            selected: outcome == Draw::Selected,
            vote_deadline: self.vote_deadline,
        });
        Ok(outcome)
    }

    /// Median of the Valid votes' measured units (the mean of the two middle votes, rounded
    /// down, for an even count), each already capped by the reported units.
    pub fn median_valid_units(&self) -> Option<u64> {
        let n = usize::from(self.valid_votes).min(self.valid_units.len());
        let mut units: Vec<u64> = self.valid_units.get(..n)?.to_vec();
        if units.is_empty() {
            return None;
        }
        units.sort_unstable();
        let upper = *units.get(n / 2)?;
        if n % 2 == 1 {
            return Some(upper);
        }
        let lower = *units.get(n / 2 - 1)?;
        Some(lower / 2 + upper / 2 + (lower % 2 + upper % 2) / 2)
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

    /// Invariant 1 of DESIGN.md: the escrow vault holds the recorded escrow. It holds exactly
    /// that unless someone transferred tokens into it; such a donation must not lock the job,
    /// so only a shortfall is an error, and the surplus goes to the client when the job closes.
    pub fn invariant(&self, escrow_vault_amount: u64) -> Result<()> {
        require!(
            escrow_vault_amount >= self.escrowed,
            SpiceError::EscrowMismatch
        );
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(price: u64, max: u64, reported: u64) -> Job {
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
            result_hash: [0; 32],
            reported_units: reported,
            state: JobState::Submitted,
            created_at: 0,
            created_slot: 0,
            accept_deadline: 0,
            run_seconds: 0,
            completion_deadline: 0,
            submit_slot: 0,
            challenge_deadline: 0,
            vote_deadline: 0,
            audit: AuditDraw::NotSelected,
            valid_votes: 0,
            invalid_votes: 0,
            valid_units: [0; MAX_QUORUM as usize],
            reserved: [0; 32],
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
        let p = job(1_000, 10, 7).payout(7, 250).unwrap();
        assert_eq!(p.fee, 175); // 7000 × 2.5%
        assert_eq!(p.provider, 6_825);
        assert_eq!(p.refund, 3_000);
        assert_eq!(p.provider + p.fee + p.refund, 10_000);
    }

    #[test]
    fn fee_rounds_up_so_dust_jobs_pay_it() {
        let p = job(1, 1, 1).payout(1, 1).unwrap();
        assert_eq!(p.fee, 1);
        assert_eq!(p.provider, 0);
    }

    #[test]
    fn final_units_are_capped_by_reported_units() {
        let p = job(10, 10, 4).payout(9, 0).unwrap();
        assert_eq!(p.provider, 40);
        assert_eq!(p.refund, 60);
    }
}
