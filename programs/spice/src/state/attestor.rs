use anchor_lang::prelude::*;

/// A registered attestor of a network and its voting record.
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
    /// Whether it may vote; `remove_attestor` clears it, `add_attestor` sets it again.
    pub active: bool,
    /// Votes cast, ever.
    pub votes_cast: u64,
    /// Votes that went against the quorum's final outcome (counted when the deciding
    /// transaction is handed the attestation).
    pub votes_against_outcome: u64,
    /// Space for future fields without a migration.
    pub reserved: [u8; 32],
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
/// the attestor) when the job is decided, or later through `close_attestation`.
#[account]
#[derive(InitSpace, Debug)]
pub struct Attestation {
    /// Layout version.
    pub version: u8,
    /// Bump of this PDA.
    pub bump: u8,
    /// The job voted on.
    pub job: Pubkey,
    /// `created_slot` of that job: a later job at the same address (a reused id) is another
    /// job, on which this vote does not count.
    pub job_created_slot: u64,
    /// The attestor's signing key (it paid the rent).
    pub attestor: Pubkey,
    /// The vote.
    pub verdict: Verdict,
    /// Units of work the attestor measured (meaningful for Valid votes).
    pub measured_units: u64,
    /// Hash of the attestor's evidence (off chain).
    pub evidence_hash: [u8; 32],
    /// Slot of the vote.
    pub slot: u64,
}
