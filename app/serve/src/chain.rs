//! The chain behind the endpoint: a [`Runtime`] in memory, kept in step with the ledger file
//! the CLI uses, plus what a validator keeps beside its accounts — blocks and their blockhashes,
//! the statuses of the transactions it landed, and notifications for subscribers.
//!
//! # The ledger file and its lock
//!
//! The CLI opens the ledger file under an exclusive lock (`<file>.lock`), runs its command and
//! saves before it lets go. The server keeps its runtime in memory and shares the file on the
//! same terms:
//!
//! - **A change** (a transaction landing, an airdrop, a warp) takes the file lock first, then
//!   reloads the file if anyone else wrote it since the server last read or wrote it, applies
//!   the change and saves — all before it lets go of the lock. So a CLI command and the server
//!   never both start from the same state and save over each other: whichever comes second
//!   starts from what the first saved.
//! - **A read** takes no lock: if the file changed since the server last saw it, the server
//!   reloads it first (saves are atomic renames, so a reader sees a whole file, old or new),
//!   then answers from memory. A CLI command running meanwhile is invisible until it saves, as
//!   between two CLI commands.
//! - The lock is held only for one change (a transaction: milliseconds), never between
//!   requests, so CLI commands interleave with a running server instead of waiting for it to
//!   stop.
//!
//! Why not reload the file for every request (load → execute → save)? Reading and replaying
//! the file costs far more than a `stat`, and a reload is a new runtime: it moves the clock (two
//! slots, as every CLI command does) and forgets the transaction statuses the runtime kept, so
//! every read would move the chain. Reloading only when the file changed keeps the chain still
//! between writes and costs one `stat` per request.
//!
//! A reload keeps what only the server knows — the blocks it produced, the statuses and
//! metadata of the transactions it landed, subscriptions — and never moves the slot back: a
//! file written by a CLI command that started from an older state is moved on to the server's
//! slot.
//!
//! # Slots, blocks and blockhashes
//!
//! Every transaction lands in a block of its own, in the current slot; then the server moves two
//! slots on, so the slot after the transaction's gets a hash (as on a cluster, where a slot or
//! more passes before a client that waited for confirmation sends its next transaction): a job
//! submitted in one request draws its audit in the next. Unix time moves only when asked (the
//! dev methods, or `spice dev warp` on the file), as on the embedded ledger. Each block has a
//! new blockhash; a transaction may carry any blockhash of the last 150 blocks
//! ([`MAX_PROCESSING_AGE`]), which is what `lastValidBlockHeight` promises. Blockhashes mix in a
//! salt drawn at start, so a transaction signed for another run of the server never lands.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use solana_sdk::account::{Account, AccountSharedData, ReadableAccount};
use solana_sdk::clock::{Clock, Slot, UnixTimestamp};
use solana_sdk::hash::{hashv, Hash};
use solana_sdk::message::VersionedMessage;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::{Keypair, Signature, Signer};
use solana_sdk::transaction::{TransactionError, VersionedTransaction};
use solana_transaction_status_client_types::{
    InnerInstruction, InnerInstructions, TransactionStatusMeta, TransactionTokenBalance,
};
use spice_ledger::capture::StdoutCapture;
use spice_ledger::{FileLock, LedgerFile, Runtime};
use spice_sdk::ledger::LedgerError;

use crate::tokens;

/// Blocks a blockhash stays valid for (a validator's `MAX_PROCESSING_AGE`).
pub const MAX_PROCESSING_AGE: u64 = 150;

/// Blockhashes kept (older ones are past their validity anyway).
const RECENT_BLOCKHASHES: usize = 300;

/// Transaction statuses kept in memory (the oldest are forgotten first).
const HISTORY: usize = 100_000;

/// Block times kept.
const BLOCK_TIMES: usize = 100_000;

/// Slots the clock moves after each transaction (see the module documentation).
const SLOTS_PER_TRANSACTION: u64 = 2;

/// Something subscribers may want to hear about.
#[derive(Clone, Debug)]
pub enum Event {
    /// The chain moved to a new slot.
    Slot { slot: Slot, parent: Slot },
    /// A transaction landed.
    Landed {
        signature: Signature,
        slot: Slot,
        err: Option<TransactionError>,
    },
    /// Accounts may have changed (a transaction, an airdrop, a reload): re-read the subscribed
    /// ones.
    Accounts { slot: Slot },
}

/// A transaction the server landed, with what `getTransaction` reports.
#[derive(Clone, Debug)]
pub struct Landed {
    pub slot: Slot,
    pub block_time: UnixTimestamp,
    pub transaction: VersionedTransaction,
    pub meta: TransactionStatusMeta,
}

/// What the server knows of the block of a slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BlockTime {
    /// Produced at this unix time.
    Produced(UnixTimestamp),
    /// A slot the server passed without producing a block.
    Skipped,
    /// A slot the server has no record of (before it started, or not reached yet).
    Unknown,
}

/// Why a transaction was not sent.
#[derive(Debug)]
pub enum SendError {
    /// Its signatures do not verify.
    Signature,
    /// It would fail (or did fail without landing): the simulation's result.
    Preflight(Box<Simulation>),
    /// The server refuses sends for now (a dev method asked it to).
    Unhealthy,
    /// The runtime panicked on it (nothing was written).
    Panic(String),
    /// The ledger file could not be read or written.
    Ledger(LedgerError),
}

/// What a transaction did or would do.
#[derive(Clone, Debug)]
pub struct Simulation {
    pub err: Option<TransactionError>,
    pub logs: Vec<String>,
    pub units_consumed: u64,
    pub fee: u64,
    pub return_data: Option<solana_transaction_context::TransactionReturnData>,
    pub inner_instructions: Vec<InnerInstructions>,
    /// The accounts the transaction loaded, as it would leave them (empty if it failed).
    pub post_accounts: Vec<(Pubkey, AccountSharedData)>,
    pub pre_balances: Vec<u64>,
    pub post_balances: Vec<u64>,
}

/// Identity of the ledger file as last seen: a save is a rename of a new file, so any save
/// changes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct FileId {
    dev: u64,
    ino: u64,
    len: u64,
    mtime: i64,
    mtime_nsec: i64,
    ctime_nsec: i64,
}

impl FileId {
    fn of(meta: &std::fs::Metadata) -> Self {
        Self {
            dev: meta.dev(),
            ino: meta.ino(),
            len: meta.len(),
            mtime: meta.mtime(),
            mtime_nsec: meta.mtime_nsec(),
            ctime_nsec: meta.ctime_nsec(),
        }
    }

    /// The file at `path` now (`None`: there is none).
    fn current(path: &Path) -> std::io::Result<Option<Self>> {
        match std::fs::metadata(path) {
            Ok(meta) => Ok(Some(Self::of(&meta))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }
}

/// The blocks the server produced: height, blockhashes and their validity, times.
struct Blocks {
    height: u64,
    latest: Hash,
    /// (blockhash, the height it was the latest at), oldest first.
    recent: VecDeque<(Hash, u64)>,
    times: BTreeMap<Slot, UnixTimestamp>,
    salt: [u8; 32],
}

impl Blocks {
    fn new(height: u64) -> Self {
        let salt = Keypair::new().pubkey().to_bytes();
        Self {
            height,
            latest: hashv(&[&salt, &height.to_le_bytes()]),
            recent: VecDeque::new(),
            times: BTreeMap::new(),
            salt,
        }
    }

    /// A new block at `slot`.
    fn produce(&mut self, slot: Slot, time: UnixTimestamp) {
        self.height += 1;
        self.latest = hashv(&[
            self.latest.as_ref(),
            &slot.to_le_bytes(),
            &self.height.to_le_bytes(),
            &self.salt,
        ]);
        self.recent.push_back((self.latest, self.height));
        while self.recent.len() > RECENT_BLOCKHASHES {
            self.recent.pop_front();
        }
        self.times.insert(slot, time);
        while self.times.len() > BLOCK_TIMES {
            self.times.pop_first();
        }
    }

    fn is_valid(&self, hash: &Hash) -> bool {
        self.recent
            .iter()
            .rev()
            .take_while(|(_, height)| height + MAX_PROCESSING_AGE >= self.height)
            .any(|(h, _)| h == hash)
    }
}

/// Transactions the server landed, by signature (bounded, oldest forgotten first).
#[derive(Default)]
struct History {
    landed: HashMap<Signature, Landed>,
    order: VecDeque<Signature>,
    /// Transactions landed since the server started (failed ones included).
    count: u64,
}

impl History {
    fn insert(&mut self, signature: Signature, landed: Landed) {
        self.count += 1;
        if self.landed.insert(signature, landed).is_none() {
            self.order.push_back(signature);
        }
        while self.order.len() > HISTORY {
            if let Some(old) = self.order.pop_front() {
                self.landed.remove(&old);
            }
        }
    }
}

/// Where the chain's state lives between changes.
enum Store {
    /// Nowhere: a chain in memory (tests).
    Memory,
    /// The ledger file, last seen as `seen` (`None`: there was no file).
    File { path: PathBuf, seen: Option<FileId> },
}

/// The chain: a runtime, the ledger file it is kept in step with, and what the server knows
/// beyond the file.
pub struct Chain {
    runtime: Runtime,
    capture: StdoutCapture,
    store: Store,
    meta: BTreeMap<String, String>,
    transactions: u64,
    blocks: Blocks,
    history: History,
    /// Sends to refuse as if the node were unhealthy (a dev method; tests of client retries).
    refuse_sends: u32,
    /// Whether something changed since the last save.
    dirty: bool,
    events: tokio::sync::broadcast::Sender<Event>,
}

fn file_error(path: &Path, e: impl std::fmt::Display) -> LedgerError {
    LedgerError::File(format!("{}: {e}", path.display()))
}

/// The runtime the server runs on: signatures verified as a cluster does, the transaction age
/// checked by the server against its recent blockhashes rather than the runtime's single one.
fn fresh_runtime() -> Runtime {
    Runtime::new().without_blockhash_check()
}

impl Chain {
    /// The chain of the ledger file at `path` (a new ledger if there is none, saved at once).
    pub fn open(
        path: &Path,
        events: tokio::sync::broadcast::Sender<Event>,
    ) -> Result<Self, LedgerError> {
        let _lock = FileLock::acquire(path)?;
        let (file, seen) = read_file(path)?;
        let runtime = file.restore(fresh_runtime())?;
        let mut chain = Self::start(
            runtime,
            Store::File {
                path: path.to_path_buf(),
                seen,
            },
            file,
            events,
        )?;
        chain.dirty = true;
        chain.save()?;
        Ok(chain)
    }

    /// A fresh chain in memory.
    pub fn in_memory(events: tokio::sync::broadcast::Sender<Event>) -> Result<Self, LedgerError> {
        let file = LedgerFile::new();
        let runtime = file.restore(fresh_runtime())?;
        Self::start(runtime, Store::Memory, file, events)
    }

    fn start(
        runtime: Runtime,
        store: Store,
        file: LedgerFile,
        events: tokio::sync::broadcast::Sender<Event>,
    ) -> Result<Self, LedgerError> {
        let clock = runtime.clock();
        // Heights start at the slot, so they never go back across restarts of the server
        // (a block is never shorter than a slot).
        let mut blocks = Blocks::new(clock.slot);
        blocks.produce(clock.slot, clock.unix_timestamp);
        Ok(Self {
            runtime,
            capture: StdoutCapture::new()
                .map_err(|e| LedgerError::File(format!("scratch file: {e}")))?,
            store,
            meta: file.meta,
            transactions: file.transactions,
            blocks,
            history: History::default(),
            refuse_sends: 0,
            dirty: false,
            events,
        })
    }

    /// The ledger file, if the chain has one.
    pub fn path(&self) -> Option<&Path> {
        match &self.store {
            Store::Memory => None,
            Store::File { path, .. } => Some(path),
        }
    }

    // ------------------------------------------------------------------ the file

    /// Reloads the ledger file if someone else wrote it since the server last saw it. Called
    /// before every request; a change additionally holds the file lock (see [`Chain::write`]).
    pub fn refresh(&mut self) -> Result<(), LedgerError> {
        let Store::File { path, seen } = &self.store else {
            return Ok(());
        };
        let now = FileId::current(path).map_err(|e| file_error(path, e))?;
        if now == *seen {
            return Ok(());
        }
        let path = path.clone();
        let (file, seen) = read_file(&path)?;
        self.reload(file)?;
        if let Store::File { seen: s, .. } = &mut self.store {
            *s = seen;
        }
        Ok(())
    }

    /// The chain from `file`, keeping what only the server knows (blocks, statuses) and never
    /// moving the slot back.
    fn reload(&mut self, file: LedgerFile) -> Result<(), LedgerError> {
        let before = self.runtime.clock();
        let mut runtime = file.restore(fresh_runtime())?;
        if runtime.clock().slot <= before.slot {
            runtime.warp_to_slot(before.slot + 1);
        }
        self.runtime = runtime;
        self.meta = file.meta;
        self.transactions = file.transactions;
        self.new_block(before.slot);
        let slot = self.slot();
        let _ = self.events.send(Event::Accounts { slot });
        Ok(())
    }

    /// Runs `change` as one change of the ledger: under the file lock, on the file's latest
    /// state, saved before the lock is released (if it changed anything).
    pub fn write<T>(
        &mut self,
        lock: Option<FileLock>,
        change: impl FnOnce(&mut Self) -> T,
    ) -> Result<T, LedgerError> {
        // The caller took the lock before it took the chain (so that reads are not held up
        // while a CLI command holds the file); a chain with a file must have it.
        if let Store::File { path, .. } = &self.store {
            if lock.is_none() {
                return Err(file_error(path, "changed without its lock"));
            }
        }
        self.refresh()?;
        let out = change(self);
        self.save()?;
        drop(lock);
        Ok(out)
    }

    /// Writes the ledger file if something changed (the caller holds the lock).
    fn save(&mut self) -> Result<(), LedgerError> {
        if !std::mem::take(&mut self.dirty) {
            return Ok(());
        }
        let Store::File { path, seen } = &mut self.store else {
            return Ok(());
        };
        LedgerFile::capture(&self.runtime, self.meta.clone(), self.transactions).write(path)?;
        *seen = FileId::current(path).map_err(|e| file_error(path, e))?;
        Ok(())
    }

    // ------------------------------------------------------------------ blocks

    pub fn clock(&self) -> Clock {
        self.runtime.clock()
    }

    /// The slot the next transaction lands in.
    pub fn slot(&self) -> Slot {
        self.runtime.clock().slot
    }

    pub fn block_height(&self) -> u64 {
        self.blocks.height
    }

    /// The blockhash to sign with, and the last block height it is valid at.
    pub fn latest_blockhash(&self) -> (Hash, u64) {
        (self.blocks.latest, self.blocks.height + MAX_PROCESSING_AGE)
    }

    pub fn is_blockhash_valid(&self, hash: &Hash) -> bool {
        self.blocks.is_valid(hash)
    }

    /// When the block at `slot` was produced, if it was.
    pub fn block_time(&self, slot: Slot) -> BlockTime {
        if let Some(time) = self.blocks.times.get(&slot) {
            return BlockTime::Produced(*time);
        }
        match self.blocks.times.first_key_value() {
            Some((first, _)) if slot > *first && slot <= self.slot() => BlockTime::Skipped,
            _ => BlockTime::Unknown,
        }
    }

    /// Transactions landed since the server started.
    pub fn transaction_count(&self) -> u64 {
        self.history.count
    }

    /// A new block in the current slot (after the slot moved from `parent`).
    fn new_block(&mut self, parent: Slot) {
        let clock = self.runtime.clock();
        self.blocks.produce(clock.slot, clock.unix_timestamp);
        self.dirty = true;
        let _ = self.events.send(Event::Slot {
            slot: clock.slot,
            parent,
        });
    }

    /// Moves `slots` slots on (at least one), keeping unix time; a new block.
    pub fn warp_slots(&mut self, slots: u64) {
        let parent = self.slot();
        self.runtime.warp_slots(slots.max(1));
        self.new_block(parent);
    }

    /// Moves unix time `seconds` on, and two slots (so a job submitted before the warp can draw
    /// its audit after it), as `spice dev warp` does; a new block.
    pub fn warp_seconds(&mut self, seconds: u64) {
        let parent = self.slot();
        self.runtime.warp_slots(2);
        self.runtime.warp_seconds(seconds);
        self.new_block(parent);
        let slot = self.slot();
        let _ = self.events.send(Event::Accounts { slot });
    }

    // ------------------------------------------------------------------ accounts

    /// An account (`None` if it has no lamports).
    pub fn account(&self, address: &Pubkey) -> Option<Account> {
        self.runtime.account(address)
    }

    /// Every account owned by `program`.
    pub fn program_accounts(
        &self,
        program: &Pubkey,
    ) -> impl Iterator<Item = (&Pubkey, &AccountSharedData)> {
        let program = *program;
        self.runtime
            .accounts()
            .filter(move |(_, a)| *a.owner() == program)
    }

    pub fn minimum_balance(&self, len: usize) -> u64 {
        self.runtime.minimum_balance(len)
    }

    pub fn epoch_schedule(&self) -> solana_sdk::epoch_schedule::EpochSchedule {
        self.runtime.epoch_schedule()
    }

    pub fn feature_set_id(&self) -> u32 {
        let id = agave_feature_set::ID.to_bytes();
        u32::from_le_bytes([id[0], id[1], id[2], id[3]])
    }

    // ------------------------------------------------------------------ transactions

    /// The landed transaction `signature`, if the server remembers it.
    pub fn landed(&self, signature: &Signature) -> Option<&Landed> {
        self.history.landed.get(signature)
    }

    /// Makes the next `n` sends fail as from an unhealthy node.
    pub fn refuse_sends(&mut self, n: u32) {
        self.refuse_sends = n;
    }

    /// Every account key of `tx`'s message, the addresses its lookup tables load included (in
    /// the order account indexes refer to them).
    fn account_keys(&self, tx: &VersionedTransaction) -> Vec<Pubkey> {
        let mut keys = tx.message.static_account_keys().to_vec();
        if let VersionedMessage::V0(message) = &tx.message {
            let mut writable = Vec::new();
            let mut readonly = Vec::new();
            for lookup in &message.address_table_lookups {
                let table = self
                    .runtime
                    .account(&lookup.account_key)
                    .and_then(|a| tokens::lookup_table_addresses(&a.data));
                let at = |i: &u8| {
                    table
                        .as_ref()
                        .and_then(|t| t.get(usize::from(*i)).copied())
                        .unwrap_or_default()
                };
                writable.extend(lookup.writable_indexes.iter().map(at));
                readonly.extend(lookup.readonly_indexes.iter().map(at));
            }
            keys.extend(writable);
            keys.extend(readonly);
        }
        keys
    }

    fn balances(&self, keys: &[Pubkey]) -> Vec<u64> {
        keys.iter()
            .map(|k| self.runtime.account(k).map_or(0, |a| a.lamports))
            .collect()
    }

    fn token_balances(&self, keys: &[Pubkey]) -> Vec<TransactionTokenBalance> {
        let now = self.clock().unix_timestamp;
        keys.iter()
            .enumerate()
            .filter_map(|(i, key)| {
                let account = self.runtime.account(key)?;
                let index = u8::try_from(i).ok()?;
                tokens::transaction_token_balance(index, &account, |mint| self.account(mint), now)
            })
            .collect()
    }

    /// Simulates `tx`, nothing written. `verify`: check signatures (and refuse a repeated
    /// one) as a send would.
    pub fn simulate(&mut self, tx: &VersionedTransaction, verify: bool) -> Simulation {
        let keys = self.account_keys(tx);
        let pre_balances = self.balances(&keys);
        if verify && self.history.landed.contains_key(&tx.signatures[0]) {
            return Simulation::failed(TransactionError::AlreadyProcessed, pre_balances);
        }
        if !self.blocks.is_valid(tx.message.recent_blockhash()) {
            return Simulation::failed(TransactionError::BlockhashNotFound, pre_balances);
        }
        let unverified;
        let runtime = if verify {
            &self.runtime
        } else {
            // The runtime verifies signatures; simulations skip that unless asked (wallets
            // estimate compute units with unsigned transactions).
            unverified = self.runtime.clone().with_sigverify(false);
            &unverified
        };
        let (result, printed) = self.capture.run(|| runtime.simulate(tx.clone()));
        let printed = printed.into_iter().map(|l| format!("Program log: {l}"));
        match result {
            Ok(done) => {
                let post: HashMap<&Pubkey, &AccountSharedData> =
                    done.post_accounts.iter().map(|(k, a)| (k, a)).collect();
                let post_balances = keys
                    .iter()
                    .zip(&pre_balances)
                    .map(|(k, pre)| post.get(k).map_or(*pre, |a| a.lamports()))
                    .collect();
                Simulation {
                    err: None,
                    logs: done.logs.into_iter().chain(printed).collect(),
                    units_consumed: done.details.compute_units_consumed,
                    fee: done.details.fee,
                    return_data: non_empty(done.details.return_data),
                    inner_instructions: inner(done.details.inner_instructions),
                    post_accounts: done.post_accounts,
                    post_balances,
                    pre_balances,
                }
            }
            Err(failed) => Simulation {
                err: Some(failed.err),
                logs: failed.logs.into_iter().chain(printed).collect(),
                units_consumed: failed.details.compute_units_consumed,
                fee: failed.details.fee,
                return_data: non_empty(failed.details.return_data),
                inner_instructions: inner(failed.details.inner_instructions),
                post_accounts: vec![],
                post_balances: pre_balances.clone(),
                pre_balances,
            },
        }
    }

    /// What the runtime would charge for `message` (signatures and priority fee), computed by
    /// simulating it unsigned; `None` if its blockhash is not valid (a validator's
    /// `getFeeForMessage`).
    pub fn fee_for(&mut self, message: VersionedMessage) -> Option<u64> {
        if !self.blocks.is_valid(message.recent_blockhash()) {
            return None;
        }
        let signatures = usize::from(message.header().num_required_signatures);
        let tx = VersionedTransaction {
            signatures: vec![Signature::default(); signatures],
            message,
        };
        Some(self.simulate(&tx, false).fee)
    }

    /// Sends `tx` (its signatures verified by the caller): with `preflight`, simulated first
    /// and refused with the simulation's result if it would fail; otherwise executed, and a
    /// failure that paid its fee lands as a failed transaction. Call inside [`Chain::write`].
    pub fn send(
        &mut self,
        tx: VersionedTransaction,
        preflight: bool,
    ) -> Result<Signature, SendError> {
        let signature = tx.signatures[0];
        if self.refuse_sends > 0 {
            self.refuse_sends -= 1;
            return Err(SendError::Unhealthy);
        }
        if self.history.landed.contains_key(&signature) {
            // A validator drops a duplicate; the preflight reports it.
            if preflight {
                let pre = self.balances(&self.account_keys(&tx));
                return Err(SendError::Preflight(Box::new(Simulation::failed(
                    TransactionError::AlreadyProcessed,
                    pre,
                ))));
            }
            return Ok(signature);
        }
        if preflight {
            let simulation = self.simulate(&tx, true);
            if simulation.err.is_some() {
                return Err(SendError::Preflight(Box::new(simulation)));
            }
        } else if !self.blocks.is_valid(tx.message.recent_blockhash()) {
            let pre = self.balances(&self.account_keys(&tx));
            return Err(SendError::Preflight(Box::new(Simulation::failed(
                TransactionError::BlockhashNotFound,
                pre,
            ))));
        }
        self.execute(tx)
    }

    /// Executes `tx` in the current slot; if it lands, records it and moves to the next block.
    fn execute(&mut self, tx: VersionedTransaction) -> Result<Signature, SendError> {
        let signature = tx.signatures[0];
        let keys = self.account_keys(&tx);
        let pre_balances = self.balances(&keys);
        let pre_token_balances = self.token_balances(&keys);
        let clock = self.clock();
        let runtime = &mut self.runtime;
        let (result, printed) = self.capture.run(|| runtime.send(tx.clone()));
        let printed = printed.into_iter().map(|l| format!("Program log: {l}"));
        let (status, logs, details) = match result {
            Ok(done) => (Ok(()), done.logs, done.details),
            Err(failed) if failed.panic.is_some() => {
                return Err(SendError::Panic(failed.panic.unwrap_or_default()));
            }
            Err(failed) if !failed.included => {
                let logs = failed.logs.into_iter().chain(printed).collect();
                return Err(SendError::Preflight(Box::new(Simulation {
                    err: Some(failed.err),
                    logs,
                    units_consumed: failed.details.compute_units_consumed,
                    fee: 0,
                    return_data: None,
                    inner_instructions: vec![],
                    post_accounts: vec![],
                    post_balances: pre_balances.clone(),
                    pre_balances,
                })));
            }
            Err(failed) => (Err(failed.err), failed.logs, *failed.details),
        };
        let err = status.clone().err();
        let meta = TransactionStatusMeta {
            status,
            fee: details.fee,
            post_balances: self.balances(&keys),
            post_token_balances: Some(self.token_balances(&keys)),
            pre_balances,
            pre_token_balances: Some(pre_token_balances),
            inner_instructions: Some(inner(details.inner_instructions)),
            log_messages: Some(logs.into_iter().chain(printed).collect()),
            rewards: Some(vec![]),
            loaded_addresses: loaded_addresses(&tx, &keys),
            return_data: non_empty(details.return_data),
            compute_units_consumed: Some(details.compute_units_consumed),
            cost_units: None,
        };
        self.history.insert(
            signature,
            Landed {
                slot: clock.slot,
                block_time: clock.unix_timestamp,
                transaction: tx,
                meta,
            },
        );
        self.runtime.warp_slots(SLOTS_PER_TRANSACTION);
        self.new_block(clock.slot);
        let _ = self.events.send(Event::Landed {
            signature,
            slot: clock.slot,
            err,
        });
        let slot = self.slot();
        let _ = self.events.send(Event::Accounts { slot });
        Ok(signature)
    }

    /// Gives `to` `lamports` from the runtime's faucet: a transfer that lands like any other
    /// transaction. Call inside [`Chain::write`].
    pub fn airdrop(&mut self, to: &Pubkey, lamports: u64) -> Result<Signature, SendError> {
        let faucet = self.runtime.faucet().insecure_clone();
        let ix = anchor_lang::solana_program::system_instruction::transfer(
            &faucet.pubkey(),
            to,
            lamports,
        );
        let message = solana_sdk::message::Message::new_with_blockhash(
            &[ix],
            Some(&faucet.pubkey()),
            &self.blocks.latest,
        );
        let tx = solana_sdk::transaction::Transaction::new(&[&faucet], message, self.blocks.latest);
        self.send(tx.into(), true)
    }
}

impl Simulation {
    fn failed(err: TransactionError, pre_balances: Vec<u64>) -> Self {
        Self {
            err: Some(err),
            logs: vec![],
            units_consumed: 0,
            fee: 0,
            return_data: None,
            inner_instructions: vec![],
            post_accounts: vec![],
            post_balances: pre_balances.clone(),
            pre_balances,
        }
    }
}

/// The ledger file at `path` and its identity (a new ledger if there is none).
fn read_file(path: &Path) -> Result<(LedgerFile, Option<FileId>), LedgerError> {
    use std::io::Read;
    let mut file = match std::fs::File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok((LedgerFile::new(), None)),
        Err(e) => return Err(file_error(path, e)),
    };
    // The identity of the file read, not of whatever is at the path by now.
    let id = FileId::of(&file.metadata().map_err(|e| file_error(path, e))?);
    let mut text = String::new();
    file.read_to_string(&mut text)
        .map_err(|e| file_error(path, e))?;
    Ok((LedgerFile::parse(&text, path)?, Some(id)))
}

fn non_empty(
    data: solana_transaction_context::TransactionReturnData,
) -> Option<solana_transaction_context::TransactionReturnData> {
    (!data.data.is_empty()).then_some(data)
}

/// The runtime's inner instructions as the RPC reports them: per top-level instruction that
/// made any.
fn inner(list: solana_sdk::inner_instruction::InnerInstructionsList) -> Vec<InnerInstructions> {
    list.into_iter()
        .enumerate()
        .filter(|(_, ixs)| !ixs.is_empty())
        .map(|(index, ixs)| InnerInstructions {
            index: u8::try_from(index).unwrap_or(u8::MAX),
            instructions: ixs
                .into_iter()
                .map(|ix| InnerInstruction {
                    instruction: ix.instruction,
                    stack_height: Some(u32::from(ix.stack_height)),
                })
                .collect(),
        })
        .collect()
}

fn loaded_addresses(
    tx: &VersionedTransaction,
    keys: &[Pubkey],
) -> solana_sdk::message::v0::LoadedAddresses {
    let VersionedMessage::V0(message) = &tx.message else {
        return Default::default();
    };
    let statics = message.account_keys.len();
    let writable: usize = message
        .address_table_lookups
        .iter()
        .map(|l| l.writable_indexes.len())
        .sum();
    solana_sdk::message::v0::LoadedAddresses {
        writable: keys.iter().skip(statics).take(writable).copied().collect(),
        readonly: keys.iter().skip(statics + writable).copied().collect(),
    }
}
