//! The one runtime: LiteSVM with the Spice program registered natively and the real token
//! programs as SBF, a clock that only moves forward, and SlotHashes that record the slots a warp
//! passes (the audit draw reads the hash of the first slot after a submission).
//!
//! Blocking and single-threaded: a [`Runtime`] executes a transaction on the caller's thread
//! and returns. Building one is cheap (a clone of a per-process template), so every test gets
//! its own.
//!
//! What it keeps from solana-program-test, which ran the program before:
//! - the feature set: every feature enabled ([`FeatureSet::all_enabled`]);
//! - the token programs: the SPL Token 3.5.0, Token-2022 10.0.0 and Associated Token 1.1.1
//!   builds program-test bundles (`solana-program-binaries`), not LiteSVM's own p-token build;
//! - the native program's CPIs and sysvar reads ([`crate::native`]);
//! - a clock starting at the wall-clock time of the process, slot 1.
//!
//! What it does differently:
//! - a warp moves the slot (and the clock's epoch by the EpochSchedule), records the hashes of
//!   the slot it leaves and of the slot before the target, and makes a new blockhash; unix time
//!   moves only when asked ([`Runtime::warp_seconds`]);
//! - a transaction's blockhash must be the latest one (LiteSVM keeps one), and with signature
//!   verification on, a repeated signature is refused as `AlreadyProcessed`;
//! - signature verification can be turned off ([`Runtime::with_sigverify`]): ed25519 in a debug
//!   build costs most of a transaction's time.

use std::sync::{Mutex, OnceLock};

use agave_feature_set::FeatureSet;
use anchor_lang::prelude::Pubkey;
use litesvm::types::{FailedTransactionMetadata, TransactionMetadata};
use litesvm::LiteSVM;
use solana_sdk::account::{Account, AccountSharedData, ReadableAccount};
use solana_sdk::clock::Clock;
use solana_sdk::epoch_schedule::EpochSchedule;
use solana_sdk::hash::{hashv, Hash};
use solana_sdk::inner_instruction::InnerInstructionsList;
use solana_sdk::rent::Rent;
use solana_sdk::signature::{Keypair, Signature, Signer};
use solana_sdk::slot_hashes::SlotHashes;
use solana_sdk::sysvar::{Sysvar, SysvarSerialize};
use solana_sdk::transaction::{TransactionError, VersionedTransaction};
use solana_transaction_context::TransactionReturnData;
use spice_sdk::accounts::Snapshot;
use spice_sdk::audit::AuditReport;
use spice_sdk::ledger::LedgerError;

use crate::native;

/// Lamports of the runtime's faucet (pays airdrops and, in the tests, every fee).
const FAUCET_LAMPORTS: u64 = 1_000_000_000 * 1_000_000_000;

/// A transaction the runtime executed.
#[derive(Clone, Debug)]
pub struct Executed {
    pub signature: Signature,
    /// The runtime's log: invocations, results, the SBF programs' messages. The native
    /// program's `msg!` lines go to standard output instead (see [`crate::capture`]).
    pub logs: Vec<String>,
    pub details: Details,
}

/// What a transaction consumed and produced besides its logs.
#[derive(Clone, Debug, Default)]
pub struct Details {
    /// Compute units the runtime metered: real for the SBF token programs, a token amount for
    /// the native Spice program (see [`crate::native`]).
    pub compute_units_consumed: u64,
    /// Lamports the fee payer paid (or would pay).
    pub fee: u64,
    pub return_data: TransactionReturnData,
    pub inner_instructions: InnerInstructionsList,
}

impl Details {
    fn of(meta: TransactionMetadata) -> Self {
        Self {
            compute_units_consumed: meta.compute_units_consumed,
            fee: meta.fee,
            return_data: meta.return_data,
            inner_instructions: meta.inner_instructions,
        }
    }
}

/// A transaction the runtime refused or that failed.
#[derive(Clone, Debug)]
pub struct Failed {
    pub err: TransactionError,
    pub logs: Vec<String>,
    /// The runtime itself panicked on this transaction (its message); `err` is then
    /// `SanitizeFailure` and nothing was written.
    pub panic: Option<String>,
    /// Whether it landed: executed and failed, its fee paid. A transaction refused before
    /// execution (a bad signature, an unknown fee payer, a fee it cannot pay) changed nothing.
    pub included: bool,
    pub details: Box<Details>,
}

impl Failed {
    fn from_panic(panic: Box<dyn std::any::Any + Send>) -> Self {
        let msg = panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "panic".into());
        Failed {
            err: TransactionError::SanitizeFailure,
            logs: vec![],
            panic: Some(msg),
            included: false,
            details: Box::default(),
        }
    }

    fn from_meta(failed: FailedTransactionMetadata, included: bool) -> Self {
        let mut meta = failed.meta;
        Failed {
            err: failed.err,
            logs: std::mem::take(&mut meta.logs),
            panic: None,
            included,
            details: Box::new(Details::of(meta)),
        }
    }
}

/// What a simulated transaction would do; nothing was written.
#[derive(Clone, Debug)]
pub struct Simulated {
    pub logs: Vec<String>,
    pub details: Details,
    /// The accounts the transaction loaded, as it would leave them.
    pub post_accounts: Vec<(Pubkey, AccountSharedData)>,
}

/// What every runtime of the process starts from.
struct Template {
    svm: LiteSVM,
    faucet: Keypair,
}

fn template() -> &'static Mutex<Template> {
    static TEMPLATE: OnceLock<Mutex<Template>> = OnceLock::new();
    TEMPLATE.get_or_init(|| Mutex::new(Template::build()))
}

impl Template {
    fn build() -> Self {
        let mut svm = LiteSVM::default()
            .with_feature_set(FeatureSet::all_enabled())
            .with_builtins()
            .with_sysvars()
            .with_feature_accounts()
            .with_blockhash_check(true);
        let rent: Rent = svm.get_sysvar();
        // Program data accounts first: loading an upgradeable program reads its program data.
        let mut programs = solana_program_binaries::spl_programs(&rent);
        programs.sort_by_key(|(_, account)| account.executable());
        for (address, account) in programs {
            svm.set_account(address, account.into())
                .unwrap_or_else(|e| panic!("loading the bundled program {address}: {e}"));
        }
        svm.add_builtin(spice::ID, native::spice_builtin());

        let faucet = Keypair::new();
        svm.set_account(
            faucet.pubkey(),
            Account::new(FAUCET_LAMPORTS, 0, &solana_sdk_ids::system_program::ID),
        )
        .expect("faucet");

        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
            .unwrap_or(0);
        let clock = Clock {
            slot: 1,
            epoch_start_timestamp: now,
            epoch: 0,
            leader_schedule_epoch: 1,
            unix_timestamp: now,
        };
        svm.set_sysvar(&clock);
        let genesis = svm.latest_blockhash();
        svm.set_sysvar(&SlotHashes::new(&[(0, genesis)]));
        Self { svm, faucet }
    }
}

/// The Spice program, SPL Token, Token-2022 and Associated Token on LiteSVM.
pub struct Runtime {
    svm: LiteSVM,
    faucet: std::sync::Arc<Keypair>,
    /// Mixed into every recorded slot hash, so hashes are no more predictable than a
    /// validator's (a provider must not learn its audit draw before submitting).
    salt: [u8; 32],
}

/// Transactions the runtime remembers (a repeat is refused; a failure that paid its fee is
/// told from one refused before execution). LiteSVM's history has no room of its own once
/// cloned (its capacity is its map's), so every runtime sets it.
const TRANSACTION_HISTORY: usize = 64;

impl Clone for Runtime {
    fn clone(&self) -> Self {
        Self {
            svm: self
                .svm
                .clone()
                .with_transaction_history(TRANSACTION_HISTORY),
            faucet: self.faucet.clone(),
            salt: self.salt,
        }
    }
}

impl Default for Runtime {
    fn default() -> Self {
        Self::new()
    }
}

impl Runtime {
    /// A fresh chain, signature verification on.
    pub fn new() -> Self {
        let template = template()
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let svm = template
            .svm
            .clone()
            .with_sigverify(true)
            .with_transaction_history(TRANSACTION_HISTORY);
        let faucet = std::sync::Arc::new(template.faucet.insecure_clone());
        drop(template);
        Self {
            svm,
            faucet,
            salt: Keypair::new().pubkey().to_bytes(),
        }
    }

    /// Turns signature verification (and with it the refusal of a repeated signature) on or
    /// off. Off, a transaction signed with any key executes as if its signatures were valid:
    /// use it only where every transaction is built and signed by the caller itself.
    pub fn with_sigverify(mut self, sigverify: bool) -> Self {
        self.svm = self.svm.with_sigverify(sigverify);
        self
    }

    pub fn sigverify(&self) -> bool {
        self.svm.get_sigverify()
    }

    /// The funded account that pays airdrops (fixed for the process: never persist it).
    pub fn faucet(&self) -> &Keypair {
        &self.faucet
    }

    /// Turns off the runtime's own blockhash check (a transaction must carry the latest
    /// blockhash): for a caller that checks transaction age itself, e.g. against a window of
    /// recent blockhashes as a validator does (`spice serve`).
    pub fn without_blockhash_check(mut self) -> Self {
        self.svm = self.svm.with_blockhash_check(false);
        self
    }

    /// Executes one transaction.
    pub fn send(&mut self, tx: impl Into<VersionedTransaction>) -> Result<Executed, Failed> {
        let tx: VersionedTransaction = tx.into();
        // The runtime checks what it can; a panic inside it (a malformed message the
        // sanitizer lets through) is reported as a failed transaction, not a dead process.
        let signature = tx.signatures.first().copied().unwrap_or_default();
        let svm = &mut self.svm;
        let run = || match svm.send_transaction(tx) {
            Ok(mut meta) => Ok(Executed {
                signature: meta.signature,
                logs: std::mem::take(&mut meta.logs),
                details: Details::of(meta),
            }),
            Err(failed) => {
                // The runtime records a failed transaction only if it landed (paid its fee).
                let included = failed.err != TransactionError::AlreadyProcessed
                    && svm
                        .get_transaction(&signature)
                        .is_some_and(|recorded| recorded.is_err());
                Err(Failed::from_meta(failed, included))
            }
        };
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(run)) {
            Ok(result) => result,
            Err(panic) => Err(Failed::from_panic(panic)),
        }
    }

    /// Runs one transaction without writing anything: what it would log, consume and leave
    /// in the accounts it loads. Signatures are verified if the runtime verifies them (see
    /// [`Runtime::with_sigverify`]); a repeated signature is refused as `AlreadyProcessed`.
    pub fn simulate(&self, tx: impl Into<VersionedTransaction>) -> Result<Simulated, Failed> {
        let tx: VersionedTransaction = tx.into();
        let run = || match self.svm.simulate_transaction(tx) {
            Ok(mut info) => Ok(Simulated {
                logs: std::mem::take(&mut info.meta.logs),
                details: Details::of(info.meta),
                post_accounts: info.post_accounts,
            }),
            Err(failed) => Err(Failed::from_meta(failed, false)),
        };
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(run)) {
            Ok(result) => result,
            Err(panic) => Err(Failed::from_panic(panic)),
        }
    }

    /// One account, `None` if it does not exist (no lamports).
    pub fn account(&self, address: &Pubkey) -> Option<Account> {
        self.svm.get_account(address).filter(|a| a.lamports > 0)
    }

    /// Sets an account (a test's donation or a restored ledger's state). Executable accounts
    /// and sysvars are the runtime's own: use [`Runtime::set_sysvar`] for those.
    pub fn set_account(&mut self, address: Pubkey, account: Account) -> Result<(), String> {
        self.svm
            .set_account(address, account)
            .map_err(|e| format!("setting {address}: {e}"))
    }

    /// Every account of the chain: programs, sysvars and feature accounts too.
    pub fn accounts(&self) -> impl Iterator<Item = (&Pubkey, &AccountSharedData)> {
        self.svm
            .accounts_db()
            .inner
            .iter()
            .filter(|(_, a)| a.lamports() > 0)
    }

    /// Accounts that are state rather than part of the runtime: not programs or their data,
    /// not sysvars or feature accounts, not the faucet. What a saved ledger keeps.
    pub fn state_accounts(&self) -> impl Iterator<Item = (&Pubkey, &AccountSharedData)> {
        let faucet = self.faucet.pubkey();
        self.accounts().filter(move |(address, a)| {
            let owner = a.owner();
            **address != faucet
                && !a.executable()
                && *owner != solana_sdk_ids::sysvar::ID
                && *owner != solana_sdk_ids::native_loader::ID
                && *owner != solana_sdk_ids::feature::ID
                && *owner != solana_sdk_ids::bpf_loader_upgradeable::ID
        })
    }

    /// Every account owned by `owner`; with `mint`, only token accounts of that mint (a token
    /// account starts with its mint, on SPL Token and Token-2022 alike).
    pub fn accounts_owned_by(
        &self,
        owner: &Pubkey,
        mint: Option<&Pubkey>,
    ) -> Vec<(Pubkey, Account)> {
        self.accounts()
            .filter(|(_, a)| a.owner() == owner)
            .filter(|(_, a)| {
                mint.is_none_or(|m| {
                    a.data().len() >= crate::TOKEN_ACCOUNT_LEN && a.data()[..32] == m.to_bytes()
                })
            })
            .map(|(k, a)| (*k, a.clone().into()))
            .collect()
    }

    pub fn clock(&self) -> Clock {
        self.svm.get_sysvar()
    }

    pub fn epoch_schedule(&self) -> EpochSchedule {
        self.svm.get_sysvar()
    }

    pub fn rent(&self) -> Rent {
        self.svm.get_sysvar()
    }

    pub fn minimum_balance(&self, len: usize) -> u64 {
        self.svm.minimum_balance_for_rent_exemption(len)
    }

    /// The blockhash a transaction must carry.
    pub fn latest_blockhash(&self) -> Hash {
        self.svm.latest_blockhash()
    }

    /// Replaces the blockhash (transactions signed with the old one are refused).
    pub fn new_blockhash(&mut self) -> Hash {
        self.svm.expire_blockhash();
        self.svm.latest_blockhash()
    }

    /// Sets a sysvar (the clock, SlotHashes, ...).
    pub fn set_sysvar<T: Sysvar + SysvarSerialize>(&mut self, sysvar: &T) {
        self.svm.set_sysvar(sysvar);
    }

    pub fn slot_hashes(&self) -> SlotHashes {
        self.svm.get_sysvar()
    }

    /// Moves unix time forward by `seconds` (the slot stays).
    pub fn warp_seconds(&mut self, seconds: u64) {
        let mut clock = self.clock();
        let seconds = i64::try_from(seconds).unwrap_or(i64::MAX);
        clock.unix_timestamp = clock.unix_timestamp.saturating_add(seconds);
        self.set_sysvar(&clock);
    }

    /// Moves the slot forward by `slots` (at least one), keeping unix time.
    pub fn warp_slots(&mut self, slots: u64) {
        let slot = self.clock().slot.saturating_add(slots.max(1));
        self.warp_to_slot(slot);
    }

    /// Moves to `slot` if it is later than the current one, as a validator's warp does: the
    /// slot left behind and the one before `slot` get hashes in SlotHashes (the slots skipped in
    /// between have none), the blockhash changes, the clock's epoch follows the EpochSchedule.
    pub fn warp_to_slot(&mut self, slot: u64) {
        let mut clock = self.clock();
        if slot <= clock.slot {
            return;
        }
        let mut hashes = self.slot_hashes();
        let mut newest = hashes.first().map(|(_, h)| *h).unwrap_or_default();
        let mut record = |hashes: &mut SlotHashes, s: u64| {
            newest = hashv(&[newest.as_ref(), &s.to_le_bytes(), &self.salt]);
            hashes.add(s, newest);
        };
        record(&mut hashes, clock.slot);
        if slot - 1 > clock.slot {
            record(&mut hashes, slot - 1);
        }
        self.set_sysvar(&hashes);
        let schedule: EpochSchedule = self.svm.get_sysvar();
        clock.slot = slot;
        let epoch = schedule.get_epoch(slot);
        if epoch != clock.epoch {
            clock.epoch = epoch;
            clock.epoch_start_timestamp = clock.unix_timestamp;
            clock.leader_schedule_epoch = schedule.get_leader_schedule_epoch(slot);
        }
        self.set_sysvar(&clock);
        self.new_blockhash();
    }

    /// Everything `network` owns (see [`Snapshot`]), read from this runtime.
    pub fn snapshot(&self, network: &Pubkey) -> Result<Snapshot, LedgerError> {
        Snapshot::fetch(&mut crate::view::View(self), network)
    }

    /// The audit of invariants 1–6 on a snapshot of `network`, knowing the other networks'
    /// live jobs and providers (their vaults share a mint with this one's, they are not
    /// orphans).
    pub fn audit(&self, network: &Pubkey) -> Result<AuditReport, LedgerError> {
        let mut view = crate::view::View(self);
        let snap = Snapshot::fetch(&mut view, network)?;
        let elsewhere = spice_sdk::ledger::live_elsewhere(&mut view, &snap)?;
        Ok(spice_sdk::audit::audit_with(&snap, &elsewhere))
    }
}
