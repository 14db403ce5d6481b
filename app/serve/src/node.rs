//! What every request handler shares: the chain behind a mutex, the ledger file's path (its
//! lock is taken before the chain, so reads go on while a CLI command holds the file), and the
//! channel subscriptions listen on.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};

use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::{Keypair, Signer};
use spice_ledger::FileLock;
use tokio::sync::broadcast;

use crate::chain::{Chain, Event};
use crate::params::{self, RpcResult};

/// Cheap to clone: every clone is the same node.
#[derive(Clone)]
pub struct Node {
    chain: Arc<Mutex<Chain>>,
    path: Option<PathBuf>,
    events: broadcast::Sender<Event>,
    /// The node's identity (`getIdentity`): drawn at start, it signs nothing.
    pub identity: Pubkey,
}

impl Node {
    /// A node on the ledger file `path`, or on a chain in memory.
    pub fn new(path: Option<PathBuf>) -> Result<Self, spice_sdk::ledger::LedgerError> {
        let (events, _) = broadcast::channel(1024);
        let chain = match &path {
            Some(path) => Chain::open(path, events.clone())?,
            None => Chain::in_memory(events.clone())?,
        };
        Ok(Self {
            chain: Arc::new(Mutex::new(chain)),
            path,
            events,
            identity: Keypair::new().pubkey(),
        })
    }

    fn lock(&self) -> MutexGuard<'_, Chain> {
        // A panic while the chain was held left it as it was before the change (the runtime
        // writes accounts only after a transaction succeeded): go on with it.
        self.chain
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Answers from the chain as it is now (the ledger file reloaded first if it changed).
    pub fn read<T>(&self, f: impl FnOnce(&mut Chain) -> RpcResult<T>) -> RpcResult<T> {
        let mut chain = self.lock();
        chain.refresh().map_err(params::ledger)?;
        f(&mut chain)
    }

    /// Changes the chain: under the ledger file's lock (taken before the chain, so that reads
    /// go on while a CLI command holds the file), on its latest state, saved before the lock
    /// is let go.
    pub fn write<T>(&self, f: impl FnOnce(&mut Chain) -> RpcResult<T>) -> RpcResult<T> {
        let lock = match &self.path {
            Some(path) => Some(FileLock::acquire(path).map_err(params::ledger)?),
            None => None,
        };
        let mut chain = self.lock();
        chain.write(lock, f).map_err(params::ledger)?
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.events.subscribe()
    }
}
