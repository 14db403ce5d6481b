//! Every error the program returns. Each message says what was wrong so a user can act on it.
//!
//! The codes are frozen: variants are append-only (a new error goes at the end), and a variant
//! that is no longer returned keeps its place (its message says so) so that no code is ever
//! reused for another meaning. `xtask/tests/error_codes.rs` pins every name to its code.

use anchor_lang::prelude::*;

#[error_code]
pub enum SpiceError {
    #[msg("Arithmetic overflow: the amounts involved are too large")]
    MathOverflow,
    #[msg("An account invariant would be broken; the transaction was refused")]
    InvariantViolated,
    #[msg("A network parameter is outside its hard bounds (the log names it)")]
    ParameterOutOfBounds,
    #[msg("epoch_seconds, shard_count and outflow_window_seconds are fixed at create_network and cannot change")]
    ImmutableParameter,
    #[msg("The mint uses a Token-2022 extension that breaks escrow accounting or custody (the log names it)")]
    UnsupportedMintExtension,
    #[msg("The stake treasury must be passed exactly when the stake mint differs from the payment mint")]
    StakeTreasuryMismatch,
    #[msg("Only the network authority may do this")]
    NotAuthority,
    #[msg("There is no pending authority, or the signer is not it")]
    NotPendingAuthority,
    #[msg("Unknown pause flag bits")]
    InvalidPauseFlags,
    #[msg("This entry point is paused by the network authority")]
    Paused,
    #[msg("Amount must be greater than zero")]
    ZeroAmount,
    #[msg("The treasury vault does not hold that much")]
    InsufficientTreasury,
    #[msg("Stake would be below the network's minimum stake")]
    BelowMinStake,
    #[msg("The signer does not own this provider account")]
    NotProviderOwner,
    #[msg("A text field is too long")]
    FieldTooLong,
    #[msg("Not enough active stake to unbond that amount")]
    InsufficientStake,
    #[msg("Unbonding all stake requires that the provider has no active jobs")]
    ProviderHasActiveJobs,
    #[msg("Nothing is unbonding")]
    NothingUnbonding,
    #[msg("The unbonding period has not ended yet")]
    UnbondNotReady,
    #[msg("The provider still holds stake or unbonding tokens")]
    ProviderNotEmpty,
    #[msg("The provider is not active (suspended or under the minimum stake)")]
    ProviderNotActive,
    #[msg("price_per_unit and max_units must be greater than zero")]
    InvalidJobTerms,
    #[msg("Job window is outside the network's bounds")]
    InvalidJobWindow,
    #[msg("The job is not in the state this instruction needs")]
    InvalidJobState,
    #[msg("Only the job's client may do this")]
    NotJobClient,
    #[msg("This job is reserved for another provider")]
    NotTargetProvider,
    #[msg("Only the job's assigned provider may do this")]
    NotJobProvider,
    #[msg("The accept window of this job has closed")]
    AcceptWindowClosed,
    #[msg("The completion deadline of this job has passed")]
    CompletionDeadlinePassed,
    #[msg("Reported units exceed the job's max_units")]
    UnitsExceedMax,
    #[msg("The challenge window has closed")]
    ChallengeWindowClosed,
    #[msg("The challenge window is still open")]
    ChallengeWindowOpen,
    #[msg("No deadline of this job has passed yet")]
    NotExpired,
    #[msg("A token account has the wrong mint")]
    WrongMint,
    #[msg("The token program does not match the network's token program for this mint")]
    WrongTokenProgram,
    #[msg("An account of another network was passed")]
    WrongNetwork,
    #[msg("The job's escrow vault does not hold its recorded escrow")]
    EscrowMismatch,
    #[msg("The provider's stake vault does not hold stake + unbonding")]
    StakeVaultMismatch,
    #[msg("This attestor is already active")]
    AttestorAlreadyActive,
    #[msg("This attestor has been removed (or its removal is scheduled) and may not vote")]
    AttestorInactive,
    #[msg("An attestor may not vote on a job it is the client or the provider of")]
    ConflictOfInterest,
    #[msg("The voting deadline of this job has passed")]
    VotingClosed,
    #[msg("No slot after the submission has a hash yet: retry in a later slot")]
    AuditNotReady,
    #[msg("This job was drawn for audit: it settles only on a Valid attestation quorum")]
    AwaitingAttestation,
    #[msg("The audit draw has already been made")]
    AuditAlreadyDrawn,
    #[msg("An attestation passed for bookkeeping does not belong to this job")]
    InvalidAttestationAccount,
    #[msg("The job of this attestation is still open")]
    JobStillOpen,
    #[msg("This attestor has already voted on this job")]
    AlreadyVoted,
    #[msg("This epoch is already finalized")]
    EpochAlreadyFinalized,
    #[msg("The epoch has not ended yet")]
    EpochNotEnded,
    #[msg("Every shard of the epoch must be passed, in order")]
    InvalidShardAccounts,
    #[msg("A claim needs (EpochBook, ProviderBook) page pairs of the same page, at least one")]
    InvalidClaimAccounts,
    #[msg("This provider book page belongs to another provider, network or page")]
    NotYourProviderEpoch,
    #[msg(
        "The claim window of this epoch has closed (no longer returned: claims skip such epochs)"
    )]
    ClaimWindowClosed,
    #[msg("The claim window of this epoch is still open")]
    ClaimWindowOpen,
    #[msg("Reward outflow limit of the rolling window reached: retry later (the log says how much is available now)")]
    RewardOutflowLimit,
    #[msg("The rent payer passed does not match the one recorded")]
    WrongRentPayer,
    // ---- appended after the codes were frozen (2026-12-02) ----
    #[msg(
        "The mint has a close authority: it could be closed and re-created with other extensions"
    )]
    MintCloseAuthority,
    #[msg("The mint has a freeze authority; the network must be created with allow_freeze_authority to accept it")]
    FreezeAuthorityNotAccepted,
    #[msg("There is no parameter proposal to apply")]
    NoPendingParams,
    #[msg("The proposed parameters take effect later (the log says when)")]
    ParamsNotYetEffective,
    #[msg("That stake backs jobs that are not finished and cannot be withdrawn yet")]
    StakeLocked,
    #[msg("Accepting this job would leave more unsettled job value at risk than the provider's stake covers (max_exposure_bps)")]
    ExposureLimit,
    #[msg("This attestor may not vote on this job: its addition takes effect later, or the job was accepted before it was added")]
    AttestorNotYetActive,
    #[msg("The job id must be the client's next job id (the log says which)")]
    WrongJobId,
    #[msg("An account already exists at that address")]
    AlreadyInUse,
    #[msg("This epoch is not finalized yet")]
    EpochNotFinalized,
    #[msg("This epoch is already closed")]
    EpochClosed,
    #[msg("Nothing to claim: no finalized, open epoch in the pages passed owes this provider a reward")]
    NothingToClaim,
    #[msg("The provider has payouts waiting to be collected")]
    PayoutsPending,
    #[msg("Nothing is owed to this payee")]
    NothingToCollect,
    #[msg("The token account is not owned by the payee, or has the wrong mint")]
    WrongPayee,
    #[msg("This provider book page still holds rewards that can be claimed, or its epochs are not over")]
    BookStillOpen,
    #[msg("A counter would leave its range: the account is inconsistent")]
    CounterOutOfRange,
    #[msg("A payee's token account refuses this payout: pass the network's payouts vault so it can wait there")]
    PayoutsVaultRequired,
    #[msg("The emission schedule may only grow: initial, tail and total emission may not fall, the decay may not rise")]
    EmissionScheduleCut,
    #[msg("The claim window may only grow: rewards already earned were promised at least the current one")]
    ClaimWindowCut,
    #[msg("A removed attestor's key cannot be added again (its earlier term may still judge running jobs): add a new key")]
    AttestorRetired,
    #[msg("Fewer attestors are in office than this job's quorum: in the bootstrap region a job is accepted only if an audit could judge it")]
    TooFewAttestors,
    #[msg("The reward circuit breaker was saturated less than two spans ago: claims may still be waiting for it, so no epoch closes yet")]
    RewardOutflowBusy,
}

impl From<crate::curve::CurveError> for anchor_lang::error::Error {
    fn from(e: crate::curve::CurveError) -> Self {
        match e {
            crate::curve::CurveError::Overflow => SpiceError::MathOverflow.into(),
            crate::curve::CurveError::InvalidParameter => SpiceError::ParameterOutOfBounds.into(),
        }
    }
}
