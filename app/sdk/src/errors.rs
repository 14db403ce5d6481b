//! Failed transactions in words: the program's error names and messages (from the committed
//! IDL, the same source every client uses), Anchor's framework errors, and the runtime's.

use anchor_lang::error::ErrorCode as Anchor;
use solana_sdk::instruction::InstructionError;
use solana_sdk::transaction::TransactionError;
use std::sync::OnceLock;

/// The committed IDL; `xtask idl --check` keeps it equal to the program.
const IDL: &str = include_str!("../../../idl/spice.json");

/// Anchor framework errors a Spice instruction can return (account and constraint checks).
const ANCHOR: &[Anchor] = &[
    Anchor::InstructionMissing,
    Anchor::InstructionFallbackNotFound,
    Anchor::InstructionDidNotDeserialize,
    Anchor::ConstraintMut,
    Anchor::ConstraintHasOne,
    Anchor::ConstraintSigner,
    Anchor::ConstraintRaw,
    Anchor::ConstraintOwner,
    Anchor::ConstraintSeeds,
    Anchor::ConstraintAddress,
    Anchor::ConstraintTokenMint,
    Anchor::ConstraintTokenOwner,
    Anchor::ConstraintMintTokenProgram,
    Anchor::ConstraintTokenTokenProgram,
    Anchor::ConstraintDuplicateMutableAccount,
    Anchor::RequireViolated,
    Anchor::RequireKeysEqViolated,
    Anchor::RequireGteViolated,
    Anchor::AccountDiscriminatorNotFound,
    Anchor::AccountDiscriminatorMismatch,
    Anchor::AccountDidNotDeserialize,
    Anchor::AccountNotEnoughKeys,
    Anchor::AccountNotMutable,
    Anchor::AccountOwnedByWrongProgram,
    Anchor::InvalidProgramId,
    Anchor::AccountNotSigner,
    Anchor::AccountNotSystemOwned,
    Anchor::AccountNotInitialized,
];

/// A program error: its code, name and message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProgramError {
    pub code: u32,
    pub name: String,
    pub msg: String,
}

fn spice_errors() -> &'static Vec<ProgramError> {
    static ERRORS: OnceLock<Vec<ProgramError>> = OnceLock::new();
    ERRORS.get_or_init(|| {
        let idl: serde_json::Value = serde_json::from_str(IDL).unwrap_or_default();
        idl["errors"]
            .as_array()
            .map(|errors| {
                errors
                    .iter()
                    .filter_map(|e| {
                        Some(ProgramError {
                            code: u32::try_from(e["code"].as_u64()?).ok()?,
                            name: e["name"].as_str()?.to_string(),
                            msg: e["msg"].as_str().unwrap_or_default().to_string(),
                        })
                    })
                    .collect()
            })
            .unwrap_or_default()
    })
}

/// The Spice or Anchor error with this custom code, if it is one.
pub fn lookup(code: u32) -> Option<ProgramError> {
    if let Some(e) = spice_errors().iter().find(|e| e.code == code) {
        return Some(e.clone());
    }
    ANCHOR
        .iter()
        .find(|e| u32::from(**e) == code)
        .map(|e| ProgramError {
            code,
            name: e.name(),
            msg: e.to_string(),
        })
}

/// A short, stable name of a custom error code, for counting failures by kind: the Spice
/// error's name, `anchor::` and the Anchor error's name, else `token#<code>` below 100 (the token
/// programs' errors) or `custom#<code>`.
pub fn short_name(code: u32) -> String {
    match lookup(code) {
        Some(e) if code >= anchor_lang::error::ERROR_CODE_OFFSET => e.name,
        Some(e) => format!("anchor::{}", e.name),
        None if code < 100 => format!("token#{code}"),
        None => format!("custom#{code}"),
    }
}

/// "instruction 2 failed: JobNotOpen (6012): The job is not open" and the like.
pub fn explain(err: &TransactionError) -> String {
    match err {
        TransactionError::InstructionError(index, InstructionError::Custom(code)) => {
            match lookup(*code) {
                Some(e) => format!(
                    "instruction {index} failed: {} ({}): {}",
                    e.name, e.code, e.msg
                ),
                None => format!(
                    "instruction {index} failed with custom error {code} (a token program's, \
                     e.g. 1 = insufficient funds)"
                ),
            }
        }
        TransactionError::InstructionError(index, e) => {
            format!("instruction {index} failed: {e}")
        }
        other => format!("transaction refused: {other}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use spice::errors::SpiceError;

    #[test]
    fn names_come_from_the_idl_and_match_the_program() {
        let code: u32 = SpiceError::MathOverflow.into();
        let e = lookup(code).expect("known");
        assert_eq!(e.name, "MathOverflow");
        assert_eq!(e.msg, SpiceError::MathOverflow.to_string());
        assert!(spice_errors().len() > 10);
    }

    #[test]
    fn anchor_and_runtime_errors_are_named() {
        let code: u32 = Anchor::ConstraintSeeds.into();
        let text = explain(&TransactionError::InstructionError(
            1,
            InstructionError::Custom(code),
        ));
        assert!(text.contains("ConstraintSeeds"), "{text}");
        let text = explain(&TransactionError::InstructionError(
            0,
            InstructionError::MissingRequiredSignature,
        ));
        assert!(text.contains("signature"), "{text}");
        assert!(lookup(999_999).is_none());
    }

    #[test]
    fn short_names_tell_spice_anchor_and_token_errors_apart() {
        assert_eq!(short_name(SpiceError::MathOverflow.into()), "MathOverflow");
        assert_eq!(
            short_name(Anchor::ConstraintSeeds.into()),
            "anchor::ConstraintSeeds"
        );
        assert_eq!(short_name(1), "token#1");
        assert_eq!(short_name(999_999), "custom#999999");
    }
}
