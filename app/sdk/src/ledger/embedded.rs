//! The embedded ledger: the Spice program registered as a native processor inside
//! solana-program-test, beside the SBF builds of SPL Token and Token-2022 that program-test
//! bundles, so every token CPI is real. Between processes its state lives in a JSON file:
//! every account a transaction touched, the clock, and the SlotHashes sysvar (audit draws read
//! it). Opening the file starts a fresh runtime with those accounts and moves its clock to where
//! the file left it; [`Ledger::save`] writes it back.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::{Path, PathBuf};

use anchor_lang::prelude::{AccountInfo, Pubkey};
use anchor_lang::solana_program::entrypoint::ProgramResult;
use anchor_lang::solana_program::instruction::Instruction;
use base64::Engine;
use serde::{Deserialize, Serialize};
use solana_program_test::{processor, BanksClientError, ProgramTest, ProgramTestContext};
use solana_sdk::account::{Account, AccountSharedData};
use solana_sdk::clock::Clock;
use solana_sdk::signature::{Keypair, Signature, Signer};
use solana_sdk::transaction::Transaction;

use super::{DevLedger, Ledger, LedgerError, Result};

/// Anchor's generated `entry` ties the program id, the accounts and the data to one lifetime,
/// while program-test's `processor!` wants independent ones. All three outlive the call, so
/// unifying them is sound.
fn process(program_id: &Pubkey, accounts: &[AccountInfo], data: &[u8]) -> ProgramResult {
    let accounts: &[AccountInfo] = unsafe { std::mem::transmute(accounts) };
    spice::entry(program_id, accounts, data)
}

/// A program-test with Spice as a native program (the tests' runtime too).
pub fn program_test() -> ProgramTest {
    // program-test logs every instruction at debug level; keep output readable unless the
    // developer asks for the logs with RUST_LOG.
    if std::env::var_os("RUST_LOG").is_none() {
        std::env::set_var("RUST_LOG", "error");
    }
    let mut pt = ProgramTest::default();
    pt.prefer_bpf(false);
    pt.add_program("spice", spice::ID, processor!(process));
    pt
}

/// The compute limit every embedded transaction asks for: native execution does not meter
/// like SBF, and one transaction may settle a job with several token CPIs.
const COMPUTE_LIMIT: u32 = 1_400_000;

/// `ComputeBudgetInstruction::SetComputeUnitLimit`, built by hand to keep the dependency list
/// short (variant 2, u32 little-endian).
pub fn compute_limit_ix(units: u32) -> Instruction {
    let mut data = vec![2u8];
    data.extend_from_slice(&units.to_le_bytes());
    Instruction {
        program_id: Pubkey::from_str_const("ComputeBudget111111111111111111111111111111"),
        accounts: vec![],
        data,
    }
}

const FILE_VERSION: u32 = 1;

/// Size of a token account without extensions: anything shorter is not one.
const TOKEN_ACCOUNT_LEN: usize = <anchor_spl::token_2022::spl_token_2022::state::Account as
    anchor_lang::solana_program::program_pack::Pack>::LEN;

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

/// Programs and sysvars come with the runtime; the file keeps only state.
fn is_builtin(account: &Account) -> bool {
    account.executable
        || account.owner == solana_sdk::sysvar::ID
        || account.owner == solana_sdk::native_loader::ID
}

/// The program runs in this process, and on the host `msg!` prints to standard output (it is a
/// syscall only on SBF). While a transaction executes, file descriptor 1 points at a scratch
/// file instead: the caller's output (e.g. `--output json`) stays clean, and what the program
/// logged comes back as the transaction's logs.
struct StdoutCapture {
    file: std::fs::File,
}

impl StdoutCapture {
    fn new() -> Result<Self> {
        Ok(Self {
            file: tempfile::tempfile()
                .map_err(|e| LedgerError::File(format!("scratch file: {e}")))?,
        })
    }

    /// Runs `f` with standard output sent to the scratch file; returns its result and the
    /// lines written meanwhile.
    fn run<T>(&mut self, f: impl FnOnce() -> T) -> (T, Vec<String>) {
        use std::io::{Read, Seek, SeekFrom, Write};
        use std::os::fd::AsRawFd;
        // File descriptor 1 belongs to the whole process: two ledgers redirecting it from two
        // threads at once would restore each other's scratch file. One at a time.
        static REDIRECT: std::sync::Mutex<()> = std::sync::Mutex::new(());
        let _guard = REDIRECT
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let _ = std::io::stdout().flush();
        let _ = self.file.set_len(0);
        let _ = self.file.seek(SeekFrom::Start(0));
        // SAFETY: plain descriptor calls on descriptors this process owns; fd 1 is restored
        // before returning whatever `f` does (it does not unwind: errors are values).
        let saved = unsafe { libc::dup(1) };
        let redirected = saved >= 0 && unsafe { libc::dup2(self.file.as_raw_fd(), 1) } >= 0;
        let out = f();
        let _ = std::io::stdout().flush();
        if redirected {
            unsafe { libc::dup2(saved, 1) };
        }
        if saved >= 0 {
            unsafe { libc::close(saved) };
        }
        let mut text = String::new();
        let _ = self.file.seek(SeekFrom::Start(0));
        let _ = self.file.read_to_string(&mut text);
        (out, text.lines().map(str::to_string).collect())
    }
}

/// The embedded ledger.
pub struct Embedded {
    capture: StdoutCapture,
    runtime: tokio::runtime::Runtime,
    ctx: ProgramTestContext,
    /// Where to save; `None` keeps it in memory (the simulator).
    path: Option<PathBuf>,
    /// Every address a transaction touched or the file held.
    known: BTreeSet<Pubkey>,
    /// Signatures sent under the current blockhash (a repeat needs a new one).
    sent: HashSet<Signature>,
    meta: BTreeMap<String, String>,
    transactions: u64,
    /// The ledger file's lock, held while this ledger lives (none in memory).
    lock: Option<std::fs::File>,
}

fn backend(e: impl std::fmt::Display) -> LedgerError {
    LedgerError::Backend(e.to_string())
}

fn banks(e: BanksClientError) -> LedgerError {
    match e {
        BanksClientError::TransactionError(err) => LedgerError::Transaction { err, logs: vec![] },
        BanksClientError::SimulationError { err, logs, .. } => {
            LedgerError::Transaction { err, logs }
        }
        other => backend(other),
    }
}

impl Embedded {
    /// A fresh ledger in memory.
    pub fn in_memory() -> Result<Self> {
        Self::start(None, LedgerFile::default())
    }

    /// Opens the ledger file at `path`, or starts a new one there if it does not exist.
    ///
    /// The process holds an exclusive lock on `<path>.lock` until the ledger is dropped: a
    /// second `spice` on the same file waits, instead of both saving and one losing the other's
    /// transactions.
    pub fn open(path: &Path) -> Result<Self> {
        let lock = Self::lock(path)?;
        let file = if path.exists() {
            let text = std::fs::read_to_string(path)
                .map_err(|e| LedgerError::File(format!("{}: {e}", path.display())))?;
            let file: LedgerFile = serde_json::from_str(&text)
                .map_err(|e| LedgerError::File(format!("{}: {e}", path.display())))?;
            if file.version != FILE_VERSION {
                return Err(LedgerError::File(format!(
                    "{}: version {} (this spice reads {FILE_VERSION})",
                    path.display(),
                    file.version
                )));
            }
            file
        } else {
            LedgerFile {
                version: FILE_VERSION,
                ..Default::default()
            }
        };
        let mut ledger = Self::start(Some(path.to_path_buf()), file)?;
        ledger.lock = Some(lock);
        Ok(ledger)
    }

    fn lock(path: &Path) -> Result<std::fs::File> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| LedgerError::File(format!("{}: {e}", dir.display())))?;
        }
        let lock_path = path.with_extension("lock");
        let lock = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|e| LedgerError::File(format!("{}: {e}", lock_path.display())))?;
        lock.lock()
            .map_err(|e| LedgerError::File(format!("locking {}: {e}", lock_path.display())))?;
        Ok(lock)
    }

    fn start(path: Option<PathBuf>, file: LedgerFile) -> Result<Self> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(backend)?;
        let mut pt = program_test();
        let mut known = BTreeSet::new();
        for (key, stored) in &file.accounts {
            let address: Pubkey = key
                .parse()
                .map_err(|e| LedgerError::File(format!("address {key}: {e}")))?;
            let account = stored
                .to_account()
                .map_err(|e| LedgerError::File(format!("account {key}: {e}")))?;
            pt.add_account(address, account);
            known.insert(address);
        }
        let ctx = runtime.block_on(pt.start_with_context());
        let mut ledger = Self {
            capture: StdoutCapture::new()?,
            runtime,
            ctx,
            path,
            known,
            sent: HashSet::new(),
            meta: file.meta.clone(),
            transactions: file.transactions,
            lock: None,
        };
        ledger.restore_clock(&file)?;
        Ok(ledger)
    }

    /// Moves the fresh runtime to the file's slot and time and puts its slot hashes back, so a
    /// job submitted in an earlier command draws its audit from the hash of a later slot.
    fn restore_clock(&mut self, file: &LedgerFile) -> Result<()> {
        let now = self.clock()?;
        if file.slot >= now.slot {
            self.ctx.warp_to_slot(file.slot + 1).map_err(backend)?;
            if !file.slot_hashes.is_empty() {
                let data = base64::engine::general_purpose::STANDARD
                    .decode(&file.slot_hashes)
                    .map_err(|e| LedgerError::File(format!("slot hashes: {e}")))?;
                let current = self
                    .account(&solana_sdk::sysvar::slot_hashes::ID)?
                    .ok_or_else(|| backend("no SlotHashes sysvar"))?;
                let restored = AccountSharedData::from(Account {
                    data,
                    rent_epoch: u64::MAX,
                    ..current
                });
                self.ctx
                    .set_account(&solana_sdk::sysvar::slot_hashes::ID, &restored);
            }
            // One more slot records a hash newer than anything the file's transactions saw.
            self.ctx.warp_to_slot(file.slot + 2).map_err(backend)?;
        }
        let mut clock = self.clock()?;
        if clock.unix_timestamp < file.unix_timestamp {
            clock.unix_timestamp = file.unix_timestamp;
            self.ctx.set_sysvar(&clock);
        }
        Ok(())
    }

    /// The runtime's own funded payer (pays airdrops on this ledger).
    pub fn faucet(&self) -> &Keypair {
        &self.ctx.payer
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
        let mut hash = self
            .runtime
            .block_on(self.ctx.banks_client.get_latest_blockhash())
            .map_err(backend)?;
        if hash != self.ctx.last_blockhash {
            self.ctx.last_blockhash = hash;
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
            hash = self
                .runtime
                .block_on(self.ctx.get_new_latest_blockhash())
                .map_err(backend)?;
            self.sent.clear();
        }
    }

    /// Writes the ledger file (no-op in memory).
    fn write(&mut self) -> Result<()> {
        let Some(path) = self.path.clone() else {
            return Ok(());
        };
        let clock = self.clock()?;
        let slot_hashes = self
            .account(&solana_sdk::sysvar::slot_hashes::ID)?
            .map(|a| base64::engine::general_purpose::STANDARD.encode(&a.data))
            .unwrap_or_default();
        let mut accounts = BTreeMap::new();
        let faucet = self.ctx.payer.pubkey();
        for key in self.known.clone() {
            if key == faucet {
                continue;
            }
            if let Some(account) = self.account(&key)? {
                if !is_builtin(&account) {
                    accounts.insert(key.to_string(), StoredAccount::from_account(&account));
                }
            }
        }
        let file = LedgerFile {
            version: FILE_VERSION,
            slot: clock.slot,
            unix_timestamp: clock.unix_timestamp,
            slot_hashes,
            accounts,
            meta: self.meta.clone(),
            transactions: self.transactions,
        };
        let text = serde_json::to_string(&file).map_err(|e| LedgerError::File(e.to_string()))?;
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| LedgerError::File(format!("{}: {e}", dir.display())))?;
        }
        // Write beside and rename, so an interrupted save never leaves half a ledger.
        let tmp = path.with_extension("tmp");
        std::fs::write(&tmp, text)
            .map_err(|e| LedgerError::File(format!("{}: {e}", tmp.display())))?;
        std::fs::rename(&tmp, &path)
            .map_err(|e| LedgerError::File(format!("{}: {e}", path.display())))
    }
}

impl Ledger for Embedded {
    fn describe(&self) -> String {
        match &self.path {
            Some(p) => format!("embedded ledger {}", p.display()),
            None => "embedded ledger (in memory)".to_string(),
        }
    }

    fn account(&mut self, address: &Pubkey) -> Result<Option<Account>> {
        self.runtime
            .block_on(self.ctx.banks_client.get_account(*address))
            .map_err(backend)
    }

    fn accounts_owned_by(
        &mut self,
        owner: &Pubkey,
        mint: Option<&Pubkey>,
    ) -> Result<Vec<(Pubkey, Account)>> {
        let mut out = Vec::new();
        for key in self.known.clone() {
            let Some(account) = self.account(&key)? else {
                continue;
            };
            if account.owner != *owner {
                continue;
            }
            if let Some(mint) = mint {
                // A token account starts with its mint (SPL Token and Token-2022 alike).
                if account.data.len() < TOKEN_ACCOUNT_LEN || account.data[..32] != mint.to_bytes() {
                    continue;
                }
            }
            out.push((key, account));
        }
        Ok(out)
    }

    fn send(&mut self, ixs: &[Instruction], signers: &[&Keypair]) -> Result<Signature> {
        let tx = self.signed(ixs, signers)?;
        let signature = tx.signatures[0];
        self.known.extend(tx.message.account_keys.iter().copied());
        let (runtime, banks_client) = (&self.runtime, &mut self.ctx.banks_client);
        let (result, logs) = self
            .capture
            .run(|| runtime.block_on(banks_client.process_transaction(tx)));
        match result.map_err(banks) {
            Ok(()) => Ok(signature),
            Err(LedgerError::Transaction { err, .. }) => {
                Err(LedgerError::Transaction { err, logs })
            }
            Err(other) => Err(other),
        }
    }

    fn clock(&mut self) -> Result<Clock> {
        self.runtime
            .block_on(self.ctx.banks_client.get_sysvar::<Clock>())
            .map_err(backend)
    }

    fn minimum_balance(&mut self, len: usize) -> Result<u64> {
        let rent = self
            .runtime
            .block_on(self.ctx.banks_client.get_rent())
            .map_err(backend)?;
        Ok(rent.minimum_balance(len))
    }

    fn airdrop(&mut self, to: &Pubkey, lamports: u64) -> Result<()> {
        let faucet = self.ctx.payer.insecure_clone();
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
}

impl DevLedger for Embedded {
    fn warp_seconds(&mut self, seconds: i64) -> Result<()> {
        if seconds < 0 {
            return Err(backend("the clock only moves forward"));
        }
        let target = self
            .clock()?
            .unix_timestamp
            .checked_add(seconds)
            .ok_or_else(|| backend("time overflow"))?;
        // A few slots too, so a job submitted before the warp can draw its audit after it.
        self.warp_slots(2)?;
        let mut clock = self.clock()?;
        clock.unix_timestamp = clock.unix_timestamp.max(target);
        self.ctx.set_sysvar(&clock);
        Ok(())
    }

    fn warp_slots(&mut self, slots: u64) -> Result<()> {
        let before = self.clock()?;
        self.ctx
            .warp_to_slot(before.slot + slots.max(1))
            .map_err(backend)?;
        // warp_to_slot resets unix time to the bank's estimate; keep it monotonic.
        let mut after = self.clock()?;
        if after.unix_timestamp < before.unix_timestamp {
            after.unix_timestamp = before.unix_timestamp;
            self.ctx.set_sysvar(&after);
        }
        Ok(())
    }
}
