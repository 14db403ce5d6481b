//! Every error the program returns. Each message says what was wrong so a user can act on it.

use anchor_lang::prelude::*;

#[error_code]
pub enum SpiceError {
    #[msg("Arithmetic overflow: the amounts involved are too large")]
    MathOverflow,
    #[msg("An account invariant would be broken; the transaction was refused")]
    InvariantViolated,
    #[msg("A network parameter is outside its hard bounds (the log names it)")]
    ParameterOutOfBounds,
    #[msg("epoch_seconds and shard_count are fixed at create_network and cannot change")]
    ImmutableParameter,
    #[msg("The mint uses a Token-2022 extension that breaks escrow accounting or custody")]
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
    #[msg("A provider account of another network was passed")]
    WrongNetwork,
    #[msg("The job's escrow vault does not hold its recorded escrow")]
    EscrowMismatch,
    #[msg("The provider's stake vault does not hold stake + unbonding")]
    StakeVaultMismatch,
    #[msg("This attestor is already active")]
    AttestorAlreadyActive,
    #[msg("This attestor has been removed and may not vote")]
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
    #[msg("Every shard of the epoch must be passed, in order, with its rent payer")]
    InvalidShardAccounts,
    #[msg("Each claimed epoch needs its Epoch, ProviderEpoch and rent payer accounts")]
    InvalidClaimAccounts,
    #[msg("This ProviderEpoch belongs to another provider or epoch")]
    NotYourProviderEpoch,
    #[msg("The claim window of this epoch has closed")]
    ClaimWindowClosed,
    #[msg("The claim window of this epoch is still open")]
    ClaimWindowOpen,
    #[msg("Reward outflow limit of the rolling window reached: retry later (the log says how much is available now)")]
    RewardOutflowLimit,
    #[msg("The rent payer passed does not match the one recorded")]
    WrongRentPayer,
}

impl From<crate::curve::CurveError> for anchor_lang::error::Error {
    fn from(e: crate::curve::CurveError) -> Self {
        match e {
            crate::curve::CurveError::Overflow => SpiceError::MathOverflow.into(),
            crate::curve::CurveError::InvalidParameter => SpiceError::ParameterOutOfBounds.into(),
        }
    }
}
