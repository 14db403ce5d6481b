//! Errors a user can act on: every failure ends as one report with a stable shape — on stderr
//! in words (what went wrong, the hint that says how to fix it, and the program's log when a
//! transaction failed), and with `--output json` also on stdout as
//! `{"error": {"code", "name", "message", "hint", "log_lines", ...}}` (the log itself stays on
//! stderr) — and a non-zero exit.
//!
//! `code` is the program's (or Anchor's, or the token program's) error number when a
//! transaction was refused, else `null`; `name` is a stable identifier: the program's error
//! name (`ChallengeWindowClosed`), `anchor::<Name>`, `token::<Name>`, or one of the CLI's own
//! (`NothingToClaim`, `InsufficientFunds`, `LedgerUnavailable`, `Error`, ...).

use std::fmt;

use serde_json::{json, Map, Value};
use spice_sdk::errors as sdk_errors;
use spice_sdk::ledger::LedgerError;

/// A refusal decided by the CLI before (or instead of) sending, with a stable name.
#[derive(Debug)]
pub struct UserError {
    pub name: &'static str,
    pub message: String,
    pub details: Map<String, Value>,
}

impl UserError {
    pub fn new(name: &'static str, message: impl Into<String>) -> Self {
        Self {
            name,
            message: message.into(),
            details: Map::new(),
        }
    }

    /// Adds a structured detail to the JSON report.
    pub fn detail(mut self, key: &str, value: Value) -> Self {
        self.details.insert(key.to_string(), value);
        self
    }
}

impl fmt::Display for UserError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for UserError {}

/// The token programs' errors (SPL Token and Token-2022 share the first ones), by code.
fn token_error(code: u32) -> Option<(&'static str, &'static str)> {
    Some(match code {
        0 => ("NotRentExempt", "a token account is not rent exempt"),
        1 => (
            "InsufficientFunds",
            "a token account holds less than the transfer: check the balance of the account the tokens come from (spice dev balance, or spl-token balance)",
        ),
        2 => ("InvalidMint", "a mint is invalid"),
        3 => (
            "MintMismatch",
            "a token account is of another mint than the network's (pass --from/--to accounts of the right mint)",
        ),
        4 => (
            "OwnerMismatch",
            "the signer does not own the token account the tokens come from (pass --from an account the signer owns)",
        ),
        17 => (
            "AccountFrozen",
            "a token account is frozen by its mint's freeze authority",
        ),
        _ => return None,
    })
}

/// What to do about an Anchor account error, by the account the log names.
fn account_hint(name: &str, account: Option<&str>) -> Option<String> {
    let acc = account.unwrap_or("an account");
    let hint = match (name, account) {
        ("AccountNotInitialized", Some(a)) if a.contains("provider") => format!(
            "`{a}` does not exist: the signer is not a registered provider of this network (spice provider register), or the wrong --keypair signs"
        ),
        ("AccountNotInitialized", Some(a)) if a.contains("from") || a.contains("source") => format!(
            "`{a}` does not exist: the signer has no token account of that mint yet, so it holds no tokens (get some first, or pass --from an account that has them)"
        ),
        ("AccountNotInitialized", Some(a)) if a.contains("job") => format!(
            "`{a}` does not exist: no live job at that address (it may have closed: settled, cancelled or expired)"
        ),
        ("AccountNotInitialized", _) => format!(
            "{acc} the instruction reads does not exist yet: check the signer (--keypair), the network (--network) and that the tokens and accounts it needs were created"
        ),
        ("ConstraintSeeds" | "ConstraintHasOne" | "ConstraintAddress", _) => format!(
            "{acc} is not the one this instruction expects for the signer and network: check --keypair (the right signer) and --network"
        ),
        ("ConstraintSigner" | "AccountNotSigner", _) => {
            format!("{acc} must sign: pass its keypair (--keypair or --payer)")
        }
        ("ConstraintTokenOwner" | "ConstraintTokenMint", _) => format!(
            "{acc} is a token account of another owner or mint than expected (pass --from/--to the signer's account of the network's mint)"
        ),
        _ => return None,
    };
    Some(hint)
}

/// `caused by account: NAME` from Anchor's error log, if there is one.
fn caused_by(logs: &[String]) -> Option<String> {
    logs.iter().find_map(|l| {
        let (_, rest) = l.split_once("caused by account: ")?;
        Some(rest.split('.').next().unwrap_or(rest).trim().to_string())
    })
}

/// The report of a failed command.
pub struct Report {
    pub code: Option<u32>,
    pub name: String,
    pub message: String,
    pub hint: Option<String>,
    pub logs: Vec<String>,
    pub details: Map<String, Value>,
}

impl Report {
    /// Classifies an error (its whole context chain).
    pub fn of(e: &anyhow::Error) -> Self {
        let message = format!("{e:#}");
        let mut report = Report {
            code: None,
            name: "Error".into(),
            message,
            hint: None,
            logs: vec![],
            details: Map::new(),
        };
        for cause in e.chain() {
            if let Some(u) = cause.downcast_ref::<UserError>() {
                report.name = u.name.to_string();
                report.details = u.details.clone();
                return report;
            }
            if let Some(l) = cause.downcast_ref::<LedgerError>() {
                match l {
                    LedgerError::Transaction { logs, .. } => {
                        report.logs = logs.clone();
                        report.name = "TransactionFailed".into();
                        if let Some(code) = l.custom_code() {
                            report.code = Some(code);
                            let account = caused_by(logs);
                            if let Some(account) = &account {
                                report.details.insert("account".into(), json!(account));
                            }
                            match sdk_errors::lookup(code) {
                                Some(p) if code >= anchor_lang::error::ERROR_CODE_OFFSET => {
                                    report.name = p.name;
                                }
                                Some(p) => {
                                    report.hint = account_hint(&p.name, account.as_deref());
                                    report.name = format!("anchor::{}", p.name);
                                }
                                None => {
                                    if let Some((name, hint)) = token_error(code) {
                                        report.name = format!("token::{name}");
                                        report.hint = Some(hint.to_string());
                                    } else {
                                        report.name = format!("custom::{code}");
                                    }
                                }
                            }
                        }
                    }
                    LedgerError::Backend(_) => report.name = "LedgerUnavailable".into(),
                    LedgerError::File(_) => report.name = "LedgerFile".into(),
                }
                return report;
            }
            if cause
                .downcast_ref::<spice_sdk::amount::AmountError>()
                .is_some()
            {
                report.name = "InvalidAmount".into();
                return report;
            }
        }
        report
    }

    /// The JSON report (`{"error": {...}}`).
    pub fn json(&self) -> Value {
        let mut error = Map::new();
        error.insert("code".into(), json!(self.code));
        error.insert("name".into(), json!(self.name));
        error.insert("message".into(), json!(self.message));
        error.insert("hint".into(), json!(self.hint));
        // The program's log goes to stderr only (never stdout): say how long it was.
        error.insert("log_lines".into(), json!(self.logs.len()));
        for (k, v) in &self.details {
            error.insert(k.clone(), v.clone());
        }
        json!({ "error": error })
    }

    /// The words for stderr: the error, its hint, and (for a failed transaction) the tail of
    /// the program's log.
    pub fn text(&self) -> String {
        let mut s = format!("error: {}", self.message);
        if let Some(h) = &self.hint {
            s.push_str(&format!("\nhint: {h}"));
        }
        if !self.logs.is_empty() {
            s.push_str("\nprogram log (last lines):");
            let skip = self.logs.len().saturating_sub(20);
            for l in self.logs.iter().skip(skip) {
                s.push_str(&format!("\n  {l}"));
            }
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use solana_sdk::instruction::InstructionError;
    use solana_sdk::transaction::TransactionError;

    fn failed(code: u32, logs: &[&str]) -> anyhow::Error {
        anyhow::Error::from(LedgerError::Transaction {
            err: TransactionError::InstructionError(0, InstructionError::Custom(code)),
            logs: logs.iter().map(|s| s.to_string()).collect(),
        })
        .context("doing something")
    }

    #[test]
    fn program_errors_keep_their_name_and_code() {
        let code: u32 = spice::errors::SpiceError::MathOverflow.into();
        let r = Report::of(&failed(code, &["Program log: x"]));
        assert_eq!(r.code, Some(code));
        assert_eq!(r.name, "MathOverflow");
        assert!(r.message.starts_with("doing something: "), "{}", r.message);
        let j = r.json();
        for key in ["code", "name", "message", "hint", "log_lines"] {
            assert!(j["error"].get(key).is_some(), "{key} in {j}");
        }
        assert!(r.text().contains("program log"));
    }

    #[test]
    fn anchor_account_errors_name_the_account_and_the_fix() {
        let r = Report::of(&failed(
            3012,
            &["Program log: AnchorError caused by account: provider. Error Code: AccountNotInitialized. Error Number: 3012."],
        ));
        assert_eq!(r.name, "anchor::AccountNotInitialized");
        assert_eq!(r.details["account"], "provider");
        assert!(r
            .hint
            .as_deref()
            .unwrap_or("")
            .contains("spice provider register"));
        let r = Report::of(&failed(3012, &[]));
        assert!(r.hint.is_some(), "a hint even without the account's name");
    }

    #[test]
    fn token_errors_and_cli_refusals_have_names() {
        let r = Report::of(&failed(1, &[]));
        assert_eq!(r.name, "token::InsufficientFunds");
        assert!(r.hint.as_deref().unwrap_or("").contains("balance"));
        let e: anyhow::Error = UserError::new("NothingToClaim", "nothing")
            .detail("epochs", json!([1]))
            .into();
        let r = Report::of(&e.context("claiming"));
        assert_eq!(r.name, "NothingToClaim");
        assert_eq!(r.json()["error"]["epochs"], json!([1]));
        assert_eq!(r.json()["error"]["code"], Value::Null);
        let r = Report::of(&anyhow::Error::from(LedgerError::Backend("down".into())));
        assert_eq!(r.name, "LedgerUnavailable");
        let r = Report::of(&anyhow::anyhow!("plain"));
        assert_eq!(r.name, "Error");
    }
}
