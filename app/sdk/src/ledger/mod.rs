//! One interface to a chain running the Spice program, with two backends:
//!
//! - `spice_ledger::Embedded` (crate `spice-ledger`): the program natively inside a runtime in
//!   this process (LiteSVM, with the real SPL Token and Token-2022 programs), its accounts and
//!   clock persisted to a JSON ledger file between commands;
//! - [`rpc::Rpc`] (feature `rpc`): a cluster reached over JSON-RPC where the program is deployed.
//!
//! The interface is blocking: the CLI and the simulator run one step after another.

#[cfg(feature = "rpc")]
pub mod rpc;
pub mod send;

use std::collections::HashSet;

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use solana_sdk::account::Account;
use solana_sdk::clock::Clock;
use solana_sdk::signature::{Keypair, Signature};
use solana_sdk::transaction::TransactionError;

use crate::accounts::{self, Snapshot};
use crate::errors;
use spice::state::{Job, Provider};

/// `ComputeBudgetInstruction::SetComputeUnitLimit`, built by hand to keep the dependency list
/// short (variant 2, u32 little-endian). The embedded ledger starts every transaction with one
/// (native execution does not meter like SBF); [`crate::flows::transaction_size`] counts it.
pub fn compute_limit_ix(units: u32) -> Instruction {
    let mut data = vec![2u8];
    data.extend_from_slice(&units.to_le_bytes());
    Instruction {
        program_id: Pubkey::from_str_const("ComputeBudget111111111111111111111111111111"),
        accounts: vec![],
        data,
    }
}

/// Why a ledger call failed.
#[derive(Debug)]
pub enum LedgerError {
    /// The transaction was executed (or simulated) and failed.
    Transaction {
        err: TransactionError,
        /// The program log, when the backend returned it.
        logs: Vec<String>,
    },
    /// The backend could not be reached, or answered something unexpected.
    Backend(String),
    /// The ledger file could not be read or written.
    File(String),
}

impl LedgerError {
    /// The custom error code of the failing instruction, if the failure was one.
    pub fn custom_code(&self) -> Option<u32> {
        match self {
            LedgerError::Transaction {
                err:
                    TransactionError::InstructionError(
                        _,
                        solana_sdk::instruction::InstructionError::Custom(code),
                    ),
                ..
            } => Some(*code),
            _ => None,
        }
    }
}

impl std::fmt::Display for LedgerError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LedgerError::Transaction { err, .. } => f.write_str(&errors::explain(err)),
            LedgerError::Backend(msg) => write!(f, "ledger unavailable: {msg}"),
            LedgerError::File(msg) => write!(f, "ledger file: {msg}"),
        }
    }
}

impl std::error::Error for LedgerError {}

pub type Result<T> = std::result::Result<T, LedgerError>;

/// A chain the Spice program runs on.
pub trait Ledger {
    /// "embedded" or the RPC URL.
    fn describe(&self) -> String;

    /// One account, `None` if it does not exist.
    fn account(&mut self, address: &Pubkey) -> Result<Option<Account>>;

    /// Every account owned by `owner`; with `mint` (for token programs), only the token
    /// accounts of `mint` (their data starts with it; the mint itself is not among them).
    fn accounts_owned_by(
        &mut self,
        owner: &Pubkey,
        mint: Option<&Pubkey>,
    ) -> Result<Vec<(Pubkey, Account)>>;

    /// Sends one transaction paid by `signers[0]` and waits for its confirmation.
    fn send(&mut self, ixs: &[Instruction], signers: &[&Keypair]) -> Result<Signature>;

    /// Simulates the transaction [`Ledger::send`] would send (fee payer `signers[0]`),
    /// nothing written; returns the accounts `watch` as they would be after it.
    fn simulate(
        &mut self,
        _ixs: &[Instruction],
        _signers: &[&Keypair],
        _watch: &[Pubkey],
    ) -> Result<send::Simulation> {
        Err(LedgerError::Backend(
            "this ledger cannot simulate transactions".into(),
        ))
    }

    /// The current clock (slot and unix time the next transaction will see).
    fn clock(&mut self) -> Result<Clock>;

    /// Rent-exempt minimum for `len` bytes.
    fn minimum_balance(&mut self, len: usize) -> Result<u64>;

    /// Gives `to` some SOL: free on the embedded ledger, the cluster's faucet over RPC
    /// (localhost and devnet only).
    fn airdrop(&mut self, to: &Pubkey, lamports: u64) -> Result<()>;

    /// Persists the state (the embedded ledger's file; nothing over RPC).
    fn save(&mut self) -> Result<()>;

    /// The development controls, on ledgers that have them.
    fn dev(&mut self) -> Option<&mut dyn DevLedger>;

    /// A note kept with a local ledger (e.g. the network it deployed last); `None` over RPC.
    fn meta(&self, _key: &str) -> Option<String> {
        None
    }

    /// Keeps a note with a local ledger; ignored over RPC.
    fn set_meta(&mut self, _key: &str, _value: &str) {}

    /// The keys of the notes that start with `prefix` (none over RPC).
    fn meta_keys(&self, _prefix: &str) -> Vec<String> {
        vec![]
    }

    /// The latest `limit` transactions that touched `address`, newest first, with their logs
    /// (`getSignaturesForAddress` and `getTransaction` over RPC; the embedded ledger keeps no
    /// transaction history).
    fn transactions_of(
        &mut self,
        _address: &Pubkey,
        _limit: usize,
    ) -> Result<Vec<crate::history::TxLog>> {
        Err(LedgerError::Backend(
            "this ledger keeps no transaction history".into(),
        ))
    }
}

/// Controls only a local ledger has.
pub trait DevLedger {
    /// Moves unix time forward by `seconds` (and the slot by a few, so new slot hashes exist).
    fn warp_seconds(&mut self, seconds: i64) -> Result<()>;

    /// Moves the slot forward by `slots`, keeping unix time.
    fn warp_slots(&mut self, slots: u64) -> Result<()>;
}

/// Of the authorities of vault-shaped token accounts a snapshot cannot place
/// ([`crate::audit::orphan_candidates`]), those that are live Jobs or Providers after all: of
/// another network sharing a mint, or created between the snapshot's two listings (program
/// accounts first, token accounts after). Their vaults are not orphans: pass them to
/// [`crate::audit::audit_with`]. Normally there are none, so this costs no extra requests.
pub fn live_elsewhere(ledger: &mut dyn Ledger, snap: &Snapshot) -> Result<HashSet<Pubkey>> {
    let mut live = HashSet::new();
    for authority in crate::audit::orphan_candidates(snap) {
        let Some(account) = ledger.account(&authority)? else {
            continue;
        };
        let is_job = accounts::decode::<Job>(&authority, &account).is_ok();
        if is_job || accounts::decode::<Provider>(&authority, &account).is_ok() {
            live.insert(authority);
        }
    }
    Ok(live)
}
