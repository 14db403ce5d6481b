//! The solana-program-test-shaped surface the harness was written against — `env.ctx.payer`,
//! `env.ctx.banks_client` (async, `Result`s), `env.ctx.set_sysvar`, [`BanksClientError`] — on
//! the blocking [`Runtime`] of `spice-ledger`. Names and shapes follow program-test's
//! `ProgramTestContext` and `BanksClient` so that harness and test code written for it runs
//! unchanged; the `async fn`s complete at once.

use anchor_lang::prelude::Pubkey;
use solana_sdk::account::Account;
use solana_sdk::hash::Hash;
use solana_sdk::rent::Rent;
use solana_sdk::signature::Keypair;
use solana_sdk::sysvar::{Sysvar, SysvarSerialize};
use solana_sdk::transaction::{Transaction, TransactionError};
use spice_ledger::{Failed, Runtime};

/// Why a transaction did not succeed.
#[derive(Debug)]
pub enum BanksClientError {
    /// The runtime refused or failed the transaction.
    TransactionError(TransactionError),
    /// The same, with the runtime's log (what [`crate::Env::send`] returns). The program's own
    /// `msg!` lines are not in it: on the host they go to the test's captured output.
    SimulationError {
        err: TransactionError,
        logs: Vec<String>,
    },
    /// Refused before reaching the runtime (e.g. over the packet size).
    ClientError(&'static str),
    /// The runtime itself panicked on the transaction.
    RuntimePanic(String),
}

impl std::fmt::Display for BanksClientError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::TransactionError(err) | Self::SimulationError { err, .. } => {
                write!(f, "transaction failed: {err}")
            }
            Self::ClientError(msg) => write!(f, "client error: {msg}"),
            Self::RuntimePanic(msg) => write!(f, "the runtime panicked: {msg}"),
        }
    }
}

impl std::error::Error for BanksClientError {}

impl From<Failed> for BanksClientError {
    fn from(failed: Failed) -> Self {
        match failed.panic {
            Some(msg) => Self::RuntimePanic(msg),
            None => Self::SimulationError {
                err: failed.err,
                logs: failed.logs,
            },
        }
    }
}

/// What [`Banks::process_transaction_with_metadata`] returns: the transaction's own result
/// (program-test's `BanksTransactionResultWithMetadata`, without the metadata nobody reads).
#[derive(Debug)]
pub struct TransactionOutcome {
    pub result: Result<(), TransactionError>,
    pub logs: Vec<String>,
}

/// The test's runtime, and the payer that signs every harness transaction.
pub struct Ctx {
    /// The runtime's faucet: funded with more lamports than any test spends.
    pub payer: Keypair,
    pub banks_client: Banks,
    /// The blockhash of the last harness transaction.
    pub last_blockhash: Hash,
}

impl Ctx {
    pub fn new(runtime: Runtime) -> Self {
        Self {
            payer: runtime.faucet().insecure_clone(),
            last_blockhash: runtime.latest_blockhash(),
            banks_client: Banks { runtime },
        }
    }

    /// Sets a sysvar (e.g. a hand-made SlotHashes).
    pub fn set_sysvar<T: Sysvar + SysvarSerialize>(&mut self, sysvar: &T) {
        self.banks_client.runtime.set_sysvar(sysvar);
    }
}

/// Transactions and reads, as program-test's `BanksClient` offers them.
pub struct Banks {
    pub runtime: Runtime,
}

impl Banks {
    pub async fn get_latest_blockhash(&mut self) -> Result<Hash, BanksClientError> {
        Ok(self.runtime.latest_blockhash())
    }

    pub async fn process_transaction(&mut self, tx: Transaction) -> Result<(), BanksClientError> {
        self.runtime.send(tx).map(|_| ()).map_err(Into::into)
    }

    /// The transaction's result as a value; `Err` only if the runtime could not run it.
    pub async fn process_transaction_with_metadata(
        &mut self,
        tx: Transaction,
    ) -> Result<TransactionOutcome, BanksClientError> {
        match self.runtime.send(tx) {
            Ok(done) => Ok(TransactionOutcome {
                result: Ok(()),
                logs: done.logs,
            }),
            Err(Failed {
                panic: Some(msg), ..
            }) => Err(BanksClientError::RuntimePanic(msg)),
            Err(failed) => Ok(TransactionOutcome {
                result: Err(failed.err),
                logs: failed.logs,
            }),
        }
    }

    pub async fn get_account(
        &mut self,
        address: Pubkey,
    ) -> Result<Option<Account>, BanksClientError> {
        Ok(self.runtime.account(&address))
    }

    pub async fn get_balance(&mut self, address: Pubkey) -> Result<u64, BanksClientError> {
        Ok(self.runtime.account(&address).map_or(0, |a| a.lamports))
    }

    pub async fn get_rent(&mut self) -> Result<Rent, BanksClientError> {
        Ok(self.runtime.rent())
    }
}
