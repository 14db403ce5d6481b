//! The embedded ledger: a [`Runtime`] behind the SDK's [`Ledger`] interface, with a fee payer's
//! signing, the native program's `msg!` output kept off standard output, and (for the CLI) its
//! state in a JSON file between processes: every state account, the clock, and the SlotHashes
//! sysvar (audit draws read it). Opening the file starts a fresh runtime with those accounts and
//! moves its clock to where the file left it, plus two slots, so a job submitted in an earlier
//! command draws its audit from the hash of a later slot; [`Ledger::save`] writes it back.
//!
//! The file format is version 1, as written by the earlier solana-program-test backend: a file
//! from either opens in the other.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use base64::Engine;
use serde::{Deserialize, Serialize};
use solana_sdk::account::Account;
use solana_sdk::clock::Clock;
use solana_sdk::signature::{Keypair, Signature, Signer};
use solana_sdk::slot_hashes::SlotHashes;
use solana_sdk::transaction::Transaction;
use spice_sdk::ledger::send::Simulation;
use spice_sdk::ledger::{compute_limit_ix, DevLedger, Ledger, LedgerError, Result};

use crate::capture::StdoutCapture;
use crate::runtime::Failed;
use crate::Runtime;

/// The compute limit every embedded transaction asks for: native execution does not meter
/// like SBF, and one transaction may settle a job with several token CPIs.
const COMPUTE_LIMIT: u32 = 1_400_000;

const FILE_VERSION: u32 = 1;

/// The ledger file.
#[derive(Serialize, Deserialize, Default)]
pub struct LedgerFile {
    pub version: u32,
    pub slot: u64,
    pub unix_timestamp: i64,
    /// The SlotHashes sysvar's data, base64.
    pub slot_hashes: String,
    /// Every account by address.
    pub accounts: BTreeMap<String, StoredAccount>,
    /// Notes of the CLI (e.g. `network`: the network deployed last).
    #[serde(default)]
    pub meta: BTreeMap<String, String>,
    /// Transactions sent so far: varies the compute limit so that a transaction repeated in a
    /// later process (same blockhash after a restart) still has a signature of its own.
    #[serde(default)]
    pub transactions: u64,
}

/// One account of the ledger file.
#[derive(Serialize, Deserialize, Clone)]
pub struct StoredAccount {
    pub lamports: u64,
    pub owner: String,
    /// Account data, base64.
    pub data: String,
}

impl StoredAccount {
    fn from_account(a: &Account) -> Self {
        Self {
            lamports: a.lamports,
            owner: a.owner.to_string(),
            data: base64::engine::general_purpose::STANDARD.encode(&a.data),
        }
    }

    fn to_account(&self) -> std::result::Result<Account, String> {
        Ok(Account {
            lamports: self.lamports,
            owner: self.owner.parse().map_err(|e| format!("owner: {e}"))?,
            data: base64::engine::general_purpose::STANDARD
                .decode(&self.data)
                .map_err(|e| format!("data: {e}"))?,
            executable: false,
            rent_epoch: u64::MAX,
        })
    }
}

/// The embedded ledger.
pub struct Embedded {
    runtime: Runtime,
    capture: StdoutCapture,
    /// Where to save; `None` keeps it in memory (the simulator).
    path: Option<PathBuf>,
    /// Signatures sent under the current blockhash (a repeat needs a new one).
    sent: HashSet<Signature>,
    blockhash: solana_sdk::hash::Hash,
    meta: BTreeMap<String, String>,
    transactions: u64,
    /// The ledger file's lock, held while this ledger lives (none in memory).
    _lock: Option<FileLock>,
}

fn backend(e: impl std::fmt::Display) -> LedgerError {
    LedgerError::Backend(e.to_string())
}

fn file_error(path: &Path, e: impl std::fmt::Display) -> LedgerError {
    LedgerError::File(format!("{}: {e}", path.display()))
}

impl Embedded {
    /// A fresh ledger in memory, signatures verified as a cluster would.
    pub fn in_memory() -> Result<Self> {
        Self::in_memory_on(Runtime::new())
    }

    /// A fresh ledger in memory on `runtime` (e.g. one without signature verification, for a
    /// caller that signs every transaction itself).
    pub fn in_memory_on(runtime: Runtime) -> Result<Self> {
        Self::start(runtime, None, LedgerFile::new(), None)
    }

    /// Opens the ledger file at `path`, or starts a new one there if it does not exist.
    /// Signatures are verified: users sign real transactions with their own keys.
    ///
    /// The process holds an exclusive lock on `<path>.lock` until the ledger is dropped: a
    /// second `spice` on the same file waits, instead of both saving and one losing the other's
    /// transactions.
    pub fn open(path: &Path) -> Result<Self> {
        let lock = FileLock::acquire(path)?;
        let file = LedgerFile::read(path)?;
        Self::start(Runtime::new(), Some(path.to_path_buf()), file, Some(lock))
    }

    fn start(
        runtime: Runtime,
        path: Option<PathBuf>,
        file: LedgerFile,
        lock: Option<FileLock>,
    ) -> Result<Self> {
        let runtime = file.restore(runtime)?;
        Ok(Self {
            blockhash: runtime.latest_blockhash(),
            runtime,
            capture: StdoutCapture::new()
                .map_err(|e| LedgerError::File(format!("scratch file: {e}")))?,
            path,
            sent: HashSet::new(),
            meta: file.meta,
            transactions: file.transactions,
            _lock: lock,
        })
    }

    /// The runtime's own funded payer (pays airdrops on this ledger).
    pub fn faucet(&self) -> &Keypair {
        self.runtime.faucet()
    }

    /// The runtime underneath (snapshots, audits, direct account access).
    pub fn runtime(&self) -> &Runtime {
        &self.runtime
    }

    pub fn runtime_mut(&mut self) -> &mut Runtime {
        &mut self.runtime
    }

    fn signed(&mut self, ixs: &[Instruction], signers: &[&Keypair]) -> Result<Transaction> {
        let payer = signers
            .first()
            .ok_or_else(|| backend("a transaction needs a fee payer"))?
            .pubkey();
        self.transactions = self.transactions.wrapping_add(1);
        let nonce = u32::try_from(self.transactions % 100_000).unwrap_or(0);
        let mut all = vec![compute_limit_ix(COMPUTE_LIMIT - nonce)];
        all.extend_from_slice(ixs);
        let mut hash = self.runtime.latest_blockhash();
        if hash != self.blockhash {
            self.blockhash = hash;
            self.sent.clear();
        }
        loop {
            let mut tx = Transaction::new_with_payer(&all, Some(&payer));
            tx.try_sign(&signers.to_vec(), hash)
                .map_err(|e| backend(format!("signing: {e}")))?;
            // The same message under the same blockhash would be refused as already processed.
            if self.sent.insert(tx.signatures[0]) {
                return Ok(tx);
            }
            hash = self.runtime.new_blockhash();
            self.blockhash = hash;
            self.sent.clear();
        }
    }

    /// Writes the ledger file (no-op in memory).
    fn write(&mut self) -> Result<()> {
        let Some(path) = self.path.clone() else {
            return Ok(());
        };
        LedgerFile::capture(&self.runtime, self.meta.clone(), self.transactions).write(&path)
    }
}

impl LedgerFile {
    /// An empty ledger file of the current version.
    pub fn new() -> Self {
        Self {
            version: FILE_VERSION,
            ..Default::default()
        }
    }

    /// Reads the ledger file at `path`; a missing file is a new, empty ledger.
    pub fn read(path: &Path) -> Result<Self> {
        if !path.exists() {
            return Ok(Self::new());
        }
        let text = std::fs::read_to_string(path).map_err(|e| file_error(path, e))?;
        Self::parse(&text, path)
    }

    /// Parses the text of the ledger file at `path` (named in errors).
    pub fn parse(text: &str, path: &Path) -> Result<Self> {
        let file: LedgerFile = serde_json::from_str(text).map_err(|e| file_error(path, e))?;
        if file.version != FILE_VERSION {
            return Err(file_error(
                path,
                format!("version {} (this spice reads {FILE_VERSION})", file.version),
            ));
        }
        Ok(file)
    }

    /// `runtime` (a fresh one) with the file's accounts, moved to the file's clock and slot
    /// hashes and two slots on (see [`restore_clock`]).
    pub fn restore(&self, mut runtime: Runtime) -> Result<Runtime> {
        for (key, stored) in &self.accounts {
            let address: Pubkey = key
                .parse()
                .map_err(|e| LedgerError::File(format!("address {key}: {e}")))?;
            let account = stored
                .to_account()
                .map_err(|e| LedgerError::File(format!("account {key}: {e}")))?;
            runtime
                .set_account(address, account)
                .map_err(LedgerError::File)?;
        }
        restore_clock(&mut runtime, self)?;
        Ok(runtime)
    }

    /// The state of `runtime` as a ledger file: its state accounts, clock and slot hashes,
    /// with the notes `meta` and the transaction count `transactions`.
    pub fn capture(runtime: &Runtime, meta: BTreeMap<String, String>, transactions: u64) -> Self {
        let clock = runtime.clock();
        let slot_hashes = runtime
            .account(&solana_sdk::sysvar::slot_hashes::ID)
            .map(|a| base64::engine::general_purpose::STANDARD.encode(&a.data))
            .unwrap_or_default();
        let accounts = runtime
            .state_accounts()
            .map(|(key, account)| {
                let account: Account = account.clone().into();
                (key.to_string(), StoredAccount::from_account(&account))
            })
            .collect();
        LedgerFile {
            version: FILE_VERSION,
            slot: clock.slot,
            unix_timestamp: clock.unix_timestamp,
            slot_hashes,
            accounts,
            meta,
            transactions,
        }
    }

    /// Writes the file at `path`: beside it first, then renamed over it, so an interrupted save
    /// never leaves half a ledger and a reader sees the old file or the new one, never a mix.
    pub fn write(&self, path: &Path) -> Result<()> {
        let text = serde_json::to_string(self).map_err(|e| LedgerError::File(e.to_string()))?;
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| file_error(dir, e))?;
        }
        let tmp = path.with_extension("tmp");
        std::fs::write(&tmp, text).map_err(|e| file_error(&tmp, e))?;
        std::fs::rename(&tmp, path).map_err(|e| file_error(path, e))
    }
}

/// The exclusive lock on a ledger file (`<path>.lock`), held while this value lives. Every
/// process that writes the file takes it first: the CLI from opening the ledger to saving it,
/// `spice serve` around each change it makes.
pub struct FileLock {
    _file: std::fs::File,
}

impl FileLock {
    /// Waits for the lock on the ledger file `path` and takes it (creating the directory and
    /// the lock file if needed).
    pub fn acquire(path: &Path) -> Result<Self> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| file_error(dir, e))?;
        }
        let lock_path = path.with_extension("lock");
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|e| file_error(&lock_path, e))?;
        file.lock()
            .map_err(|e| file_error(&lock_path, format!("locking: {e}")))?;
        Ok(Self { _file: file })
    }
}

/// Moves a fresh runtime to the file's slot and time and puts its slot hashes back; then two
/// more slots, so the file's last slot and the one after it have hashes (a job submitted in the
/// file's last slot can draw its audit now).
fn restore_clock(runtime: &mut Runtime, file: &LedgerFile) -> Result<()> {
    let mut clock = runtime.clock();
    if file.slot >= clock.slot {
        clock.slot = file.slot;
        runtime.set_sysvar(&clock);
        if !file.slot_hashes.is_empty() {
            let data = base64::engine::general_purpose::STANDARD
                .decode(&file.slot_hashes)
                .map_err(|e| LedgerError::File(format!("slot hashes: {e}")))?;
            let hashes: SlotHashes = bincode::deserialize(&data)
                .map_err(|e| LedgerError::File(format!("slot hashes: {e}")))?;
            runtime.set_sysvar(&hashes);
        }
        runtime.warp_slots(2);
    }
    let mut clock = runtime.clock();
    if clock.unix_timestamp < file.unix_timestamp {
        clock.unix_timestamp = file.unix_timestamp;
        runtime.set_sysvar(&clock);
    }
    Ok(())
}

impl Ledger for Embedded {
    fn describe(&self) -> String {
        match &self.path {
            Some(p) => format!("embedded ledger {}", p.display()),
            None => "embedded ledger (in memory)".to_string(),
        }
    }

    fn account(&mut self, address: &Pubkey) -> Result<Option<Account>> {
        Ok(self.runtime.account(address))
    }

    fn accounts_owned_by(
        &mut self,
        owner: &Pubkey,
        mint: Option<&Pubkey>,
    ) -> Result<Vec<(Pubkey, Account)>> {
        Ok(self.runtime.accounts_owned_by(owner, mint))
    }

    fn send(&mut self, ixs: &[Instruction], signers: &[&Keypair]) -> Result<Signature> {
        let tx = self.signed(ixs, signers)?;
        let signature = tx.signatures[0];
        let runtime = &mut self.runtime;
        let (result, printed) = self.capture.run(|| runtime.send(tx));
        match result {
            Ok(_) => Ok(signature),
            Err(Failed {
                panic: Some(msg), ..
            }) => Err(backend(format!("the runtime panicked: {msg}"))),
            Err(Failed { err, mut logs, .. }) => {
                // The native program's `msg!` lines, after the runtime's own log.
                logs.extend(printed.into_iter().map(|l| format!("Program log: {l}")));
                Err(LedgerError::Transaction { err, logs })
            }
        }
    }

    fn simulate(
        &mut self,
        ixs: &[Instruction],
        signers: &[&Keypair],
        watch: &[Pubkey],
    ) -> Result<Simulation> {
        let tx = self.signed(ixs, signers)?;
        let runtime = &self.runtime;
        let (result, printed) = self.capture.run(|| runtime.simulate(tx));
        let printed = printed.into_iter().map(|l| format!("Program log: {l}"));
        match result {
            Ok(sim) => {
                let accounts = watch
                    .iter()
                    .map(|k| {
                        let after = match sim.post_accounts.iter().find(|(a, _)| a == k) {
                            Some((_, shared)) => {
                                let account: Account = shared.clone().into();
                                (account.lamports > 0).then_some(account)
                            }
                            None => self.runtime.account(k),
                        };
                        (*k, after)
                    })
                    .collect();
                let mut logs = sim.logs;
                logs.extend(printed);
                Ok(Simulation {
                    err: None,
                    logs,
                    units: sim.details.compute_units_consumed,
                    accounts,
                })
            }
            Err(Failed {
                panic: Some(msg), ..
            }) => Err(backend(format!("the runtime panicked: {msg}"))),
            Err(Failed { err, mut logs, .. }) => {
                logs.extend(printed);
                Ok(Simulation {
                    err: Some(err),
                    logs,
                    units: 0,
                    accounts: vec![],
                })
            }
        }
    }

    fn clock(&mut self) -> Result<Clock> {
        Ok(self.runtime.clock())
    }

    fn minimum_balance(&mut self, len: usize) -> Result<u64> {
        Ok(self.runtime.minimum_balance(len))
    }

    fn airdrop(&mut self, to: &Pubkey, lamports: u64) -> Result<()> {
        let faucet = self.runtime.faucet().insecure_clone();
        let ix = anchor_lang::solana_program::system_instruction::transfer(
            &faucet.pubkey(),
            to,
            lamports,
        );
        self.send(&[ix], &[&faucet]).map(|_| ())
    }

    fn save(&mut self) -> Result<()> {
        self.write()
    }

    fn dev(&mut self) -> Option<&mut dyn DevLedger> {
        Some(self)
    }

    fn meta(&self, key: &str) -> Option<String> {
        self.meta.get(key).cloned()
    }

    fn set_meta(&mut self, key: &str, value: &str) {
        self.meta.insert(key.to_string(), value.to_string());
    }

    fn meta_keys(&self, prefix: &str) -> Vec<String> {
        self.meta
            .keys()
            .filter(|k| k.starts_with(prefix))
            .cloned()
            .collect()
    }
}

impl DevLedger for Embedded {
    fn warp_seconds(&mut self, seconds: i64) -> Result<()> {
        let seconds =
            u64::try_from(seconds).map_err(|_| backend("the clock only moves forward"))?;
        self.runtime
            .clock()
            .unix_timestamp
            .checked_add_unsigned(seconds)
            .ok_or_else(|| backend("time overflow"))?;
        // A few slots too, so a job submitted before the warp can draw its audit after it.
        self.runtime.warp_slots(2);
        self.runtime.warp_seconds(seconds);
        Ok(())
    }

    fn warp_slots(&mut self, slots: u64) -> Result<()> {
        self.runtime.warp_slots(slots.max(1));
        Ok(())
    }
}
