use anchor_lang::prelude::*;

use crate::constants::MAX_URI_LEN;
use crate::errors::SpiceError;

/// A registered attestor of a network and its voting record. The record is kept when the
/// attestor is removed (its history stays auditable); a removed key is never added again.
#[account]
#[derive(InitSpace, Debug)]
pub struct Attestor {
    /// Layout version.
    pub version: u8,
    /// Bump of this PDA.
    pub bump: u8,
    /// Network it attests for.
    pub network: Pubkey,
    /// The attestor's signing key.
    pub key: Pubkey,
    /// When its (latest) addition takes effect: `add_attestor` plus the governance delay. It
    /// may vote only on jobs accepted at or after this moment.
    pub active_from: i64,
    /// When its removal takes effect (`i64::MAX` while no removal is scheduled).
    pub active_until: i64,
    /// Votes cast, ever.
    pub votes_cast: u64,
    /// Votes that went against the quorum's final outcome (counted when the deciding
    /// transaction is handed the attestation).
    pub votes_against_outcome: u64,
    /// Space for future fields without a migration.
    pub reserved: [u8; 32],
}

/// `active_until` of an attestor whose removal is not scheduled.
pub const NOT_REMOVED: i64 = i64::MAX;

impl Attestor {
    /// Whether its removal has been scheduled (effective or not).
    pub fn removal_scheduled(&self) -> bool {
        self.active_until != NOT_REMOVED
    }

    /// May it vote at `now` on a job accepted at `job_accepted_at`? Exactly when it was in
    /// office when the job was accepted — added before, its removal not yet effective — and
    /// its addition has taken effect: the attestors who can judge a job are fixed when a
    /// provider accepts it, in both directions (a later addition cannot judge it, a later
    /// removal cannot take its judges away and leave it without a quorum).
    pub fn can_vote(&self, now: i64, job_accepted_at: i64) -> Result<()> {
        require!(
            job_accepted_at < self.active_until,
            SpiceError::AttestorInactive
        );
        require!(
            now >= self.active_from && job_accepted_at >= self.active_from,
            SpiceError::AttestorNotYetActive
        );
        Ok(())
    }

    /// Schedules the removal `delay` seconds from `now`.
    pub fn schedule_removal(&mut self, now: i64, delay: i64) -> Result<()> {
        require!(!self.removal_scheduled(), SpiceError::AttestorInactive);
        self.active_until = now.checked_add(delay).ok_or(SpiceError::MathOverflow)?;
        Ok(())
    }

    /// Refuses to add an existing record again. An attestor in office is already added
    /// (`AttestorAlreadyActive`); a removed one is retired for good (`AttestorRetired`): a new
    /// term would overwrite the one in which it was accepted as a judge of jobs that may still
    /// be running, and take it away from them. The authority adds a new key instead.
    pub fn refuse_readdition(&self) -> Result<()> {
        require!(self.removal_scheduled(), SpiceError::AttestorAlreadyActive);
        err!(SpiceError::AttestorRetired)
    }

    /// Counts a vote cast.
    pub fn count_vote(&mut self) -> Result<()> {
        self.votes_cast = self
            .votes_cast
            .checked_add(1)
            .ok_or(SpiceError::CounterOutOfRange)?;
        Ok(())
    }

    /// Counts a vote that went against the outcome.
    pub fn count_against(&mut self) -> Result<()> {
        self.votes_against_outcome = self
            .votes_against_outcome
            .checked_add(1)
            .ok_or(SpiceError::CounterOutOfRange)?;
        Ok(())
    }
}

/// A verdict on a job's result.
#[derive(AnchorSerialize, AnchorDeserialize, InitSpace, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// The work was done: `measured_units` of it.
    Valid,
    /// The result is not the work that was paid for.
    Invalid,
}

/// One attestor's vote on one job. Its existence stops a second vote; it closes (rent back to
/// the attestor) when the job is decided, or later through `close_attestation`. Job addresses
/// never repeat (a client's job ids only grow), so the job's address names one job for ever.
#[account]
#[derive(InitSpace, Debug)]
pub struct Attestation {
    /// Layout version.
    pub version: u8,
    /// Bump of this PDA.
    pub bump: u8,
    /// The job voted on.
    pub job: Pubkey,
    /// The attestor's signing key (it paid the rent).
    pub attestor: Pubkey,
    /// The vote.
    pub verdict: Verdict,
    /// Units of work the attestor measured (meaningful for Valid votes), capped by the
    /// reported units.
    pub measured_units: u64,
    /// Hash of the attestor's evidence (off chain).
    pub evidence_hash: [u8; 32],
    /// Where the evidence can be fetched.
    #[max_len(MAX_URI_LEN)]
    pub evidence_uri: String,
    /// Slot of the vote.
    pub slot: u64,
}
