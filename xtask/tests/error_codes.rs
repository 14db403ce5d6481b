//! The program's error codes are frozen: a deployed client or indexer maps codes to meanings,
//! so a code must never change meaning. New errors are appended at the end of `SpiceError`; an
//! error that is no longer returned keeps its variant (and code) with a message that says so.
//!
//! This test pins every code to its name, from the committed IDL. Adding an error: append it to
//! `programs/spice/src/errors.rs`, regenerate the IDL (`cargo run -p xtask -- idl`) and append its
//! line here. Any other edit of this list is a breaking change.

use serde_json::Value;

const IDL: &str = include_str!("../../idl/spice.json");

/// Every `SpiceError`, in order, with its code.
const PINNED: &[(u64, &str)] = &[
    (6000, "MathOverflow"),
    (6001, "InvariantViolated"),
    (6002, "ParameterOutOfBounds"),
    (6003, "ImmutableParameter"),
    (6004, "UnsupportedMintExtension"),
    (6005, "StakeTreasuryMismatch"),
    (6006, "NotAuthority"),
    (6007, "NotPendingAuthority"),
    (6008, "InvalidPauseFlags"),
    (6009, "Paused"),
    (6010, "ZeroAmount"),
    (6011, "InsufficientTreasury"),
    (6012, "BelowMinStake"),
    (6013, "NotProviderOwner"),
    (6014, "FieldTooLong"),
    (6015, "InsufficientStake"),
    (6016, "ProviderHasActiveJobs"),
    (6017, "NothingUnbonding"),
    (6018, "UnbondNotReady"),
    (6019, "ProviderNotEmpty"),
    (6020, "ProviderNotActive"),
    (6021, "InvalidJobTerms"),
    (6022, "InvalidJobWindow"),
    (6023, "InvalidJobState"),
    (6024, "NotJobClient"),
    (6025, "NotTargetProvider"),
    (6026, "NotJobProvider"),
    (6027, "AcceptWindowClosed"),
    (6028, "CompletionDeadlinePassed"),
    (6029, "UnitsExceedMax"),
    (6030, "ChallengeWindowClosed"),
    (6031, "ChallengeWindowOpen"),
    (6032, "NotExpired"),
    (6033, "WrongMint"),
    (6034, "WrongTokenProgram"),
    (6035, "WrongNetwork"),
    (6036, "EscrowMismatch"),
    (6037, "StakeVaultMismatch"),
    (6038, "AttestorAlreadyActive"),
    (6039, "AttestorInactive"),
    (6040, "ConflictOfInterest"),
    (6041, "VotingClosed"),
    (6042, "AuditNotReady"),
    (6043, "AwaitingAttestation"),
    (6044, "AuditAlreadyDrawn"),
    (6045, "InvalidAttestationAccount"),
    (6046, "JobStillOpen"),
    (6047, "AlreadyVoted"),
    (6048, "EpochAlreadyFinalized"),
    (6049, "EpochNotEnded"),
    (6050, "InvalidShardAccounts"),
    (6051, "InvalidClaimAccounts"),
    (6052, "NotYourProviderEpoch"),
    (6053, "ClaimWindowClosed"),
    (6054, "ClaimWindowOpen"),
    (6055, "RewardOutflowLimit"),
    (6056, "WrongRentPayer"),
    (6057, "MintCloseAuthority"),
    (6058, "FreezeAuthorityNotAccepted"),
    (6059, "NoPendingParams"),
    (6060, "ParamsNotYetEffective"),
    (6061, "StakeLocked"),
    (6062, "ExposureLimit"),
    (6063, "AttestorNotYetActive"),
    (6064, "WrongJobId"),
    (6065, "AlreadyInUse"),
    (6066, "EpochNotFinalized"),
    (6067, "EpochClosed"),
    (6068, "NothingToClaim"),
    (6069, "PayoutsPending"),
    (6070, "NothingToCollect"),
    (6071, "WrongPayee"),
    (6072, "BookStillOpen"),
    (6073, "CounterOutOfRange"),
    (6074, "PayoutsVaultRequired"),
    (6075, "EmissionScheduleCut"),
    (6076, "ClaimWindowCut"),
    (6077, "AttestorRetired"),
    (6078, "TooFewAttestors"),
    (6079, "RewardOutflowBusy"),
];

#[test]
fn error_codes_are_append_only() {
    let idl: Value = serde_json::from_str(IDL).expect("IDL is JSON");
    let errors: Vec<(u64, String)> = idl["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| {
            (
                e["code"].as_u64().expect("code"),
                e["name"].as_str().expect("name").to_string(),
            )
        })
        .collect();
    assert!(
        errors.len() >= PINNED.len(),
        "an error was removed: {} pinned, {} in the IDL",
        PINNED.len(),
        errors.len()
    );
    for (i, (code, name)) in PINNED.iter().enumerate() {
        assert_eq!(
            (&errors[i].0, errors[i].1.as_str()),
            (code, *name),
            "error {i} changed: codes are append-only (see this file's header)"
        );
    }
    assert_eq!(
        errors.len(),
        PINNED.len(),
        "new errors in the IDL: append them to PINNED ({:?})",
        &errors[PINNED.len()..]
    );
    // Codes are consecutive from 6000: no gap a later variant could fill.
    for (i, (code, _)) in errors.iter().enumerate() {
        assert_eq!(*code, 6000 + i as u64);
    }
}
