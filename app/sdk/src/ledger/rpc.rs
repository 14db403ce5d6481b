//! The RPC backend: a cluster where the Spice program is deployed, over JSON-RPC, with
//! confirmation, retries of transport failures, and the program's errors in words.

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use solana_commitment_config::CommitmentConfig;
use solana_rpc_client::api::client_error::Error as ClientError;
use solana_rpc_client::api::config::{RpcAccountInfoConfig, RpcProgramAccountsConfig};
use solana_rpc_client::api::filter::{Memcmp, RpcFilterType};
use solana_rpc_client::api::request::{RpcError, RpcResponseErrorData};
use solana_rpc_client::rpc_client::RpcClient;
use solana_sdk::account::Account;
use solana_sdk::clock::Clock;
use solana_sdk::signature::{Keypair, Signature, Signer};
use solana_sdk::transaction::Transaction;

use super::{DevLedger, Ledger, LedgerError, Result};

/// How often a transaction is re-sent with a fresh blockhash after a transport failure.
const SEND_ATTEMPTS: usize = 3;

/// The URL of a cluster moniker (`localhost`, `devnet`, `testnet`, `mainnet-beta`), or the URL
/// itself.
pub fn cluster_url(url_or_moniker: &str) -> String {
    match url_or_moniker {
        "localhost" | "l" => "http://127.0.0.1:8899".into(),
        "devnet" | "d" => "https://api.devnet.solana.com".into(),
        "testnet" | "t" => "https://api.testnet.solana.com".into(),
        "mainnet-beta" | "m" => "https://api.mainnet-beta.solana.com".into(),
        other => other.into(),
    }
}

/// A cluster over JSON-RPC, at `confirmed` commitment.
pub struct Rpc {
    client: RpcClient,
    url: String,
}

fn client_error(e: ClientError) -> LedgerError {
    if let Some(err) = e.get_transaction_error() {
        let logs = match e.kind() {
            solana_rpc_client::api::client_error::ErrorKind::RpcError(
                RpcError::RpcResponseError {
                    data: RpcResponseErrorData::SendTransactionPreflightFailure(sim),
                    ..
                },
            ) => sim.logs.clone().unwrap_or_default(),
            _ => vec![],
        };
        return LedgerError::Transaction { err, logs };
    }
    LedgerError::Backend(e.to_string())
}

impl Rpc {
    pub fn new(url_or_moniker: &str) -> Self {
        let url = cluster_url(url_or_moniker);
        Self {
            client: RpcClient::new_with_commitment(url.clone(), CommitmentConfig::confirmed()),
            url,
        }
    }
}

impl Ledger for Rpc {
    fn describe(&self) -> String {
        self.url.clone()
    }

    fn account(&mut self, address: &Pubkey) -> Result<Option<Account>> {
        self.client
            .get_account_with_commitment(address, CommitmentConfig::confirmed())
            .map(|r| r.value)
            .map_err(client_error)
    }

    fn accounts_owned_by(
        &mut self,
        owner: &Pubkey,
        mint: Option<&Pubkey>,
    ) -> Result<Vec<(Pubkey, Account)>> {
        let filters = mint.map(|m| {
            vec![RpcFilterType::Memcmp(Memcmp::new_base58_encoded(
                0,
                &m.to_bytes(),
            ))]
        });
        let config = RpcProgramAccountsConfig {
            filters,
            account_config: RpcAccountInfoConfig {
                encoding: Some(solana_account_decoder_client_types::UiAccountEncoding::Base64),
                commitment: Some(CommitmentConfig::confirmed()),
                ..Default::default()
            },
            ..Default::default()
        };
        // The UI-account variant would only add a decoding step: the raw bytes are what we read.
        #[allow(deprecated)]
        self.client
            .get_program_accounts_with_config(owner, config)
            .map_err(client_error)
    }

    fn send(&mut self, ixs: &[Instruction], signers: &[&Keypair]) -> Result<Signature> {
        let payer = signers
            .first()
            .ok_or_else(|| LedgerError::Backend("a transaction needs a fee payer".into()))?
            .pubkey();
        let mut last = None;
        for _ in 0..SEND_ATTEMPTS {
            let hash = self.client.get_latest_blockhash().map_err(client_error)?;
            let mut tx = Transaction::new_with_payer(ixs, Some(&payer));
            tx.try_sign(&signers.to_vec(), hash)
                .map_err(|e| LedgerError::Backend(format!("signing: {e}")))?;
            match self.client.send_and_confirm_transaction(&tx) {
                Ok(sig) => return Ok(sig),
                Err(e) => match client_error(e) {
                    // The program refused it: sending again changes nothing.
                    refused @ LedgerError::Transaction { .. } => return Err(refused),
                    transport => last = Some(transport),
                },
            }
        }
        Err(last.unwrap_or_else(|| LedgerError::Backend("no attempt made".into())))
    }

    fn clock(&mut self) -> Result<Clock> {
        let account = self
            .account(&solana_sdk::sysvar::clock::ID)?
            .ok_or_else(|| LedgerError::Backend("no Clock sysvar".into()))?;
        bincode::deserialize(&account.data)
            .map_err(|e| LedgerError::Backend(format!("Clock sysvar: {e}")))
    }

    fn minimum_balance(&mut self, len: usize) -> Result<u64> {
        self.client
            .get_minimum_balance_for_rent_exemption(len)
            .map_err(client_error)
    }

    fn airdrop(&mut self, to: &Pubkey, lamports: u64) -> Result<()> {
        let sig = self
            .client
            .request_airdrop(to, lamports)
            .map_err(client_error)?;
        for _ in 0..60 {
            if self
                .client
                .confirm_transaction(&sig)
                .map_err(client_error)?
            {
                return Ok(());
            }
            std::thread::sleep(std::time::Duration::from_millis(500));
        }
        Err(LedgerError::Backend(format!(
            "airdrop {sig} not confirmed after 30 s"
        )))
    }

    fn save(&mut self) -> Result<()> {
        Ok(())
    }

    fn dev(&mut self) -> Option<&mut dyn DevLedger> {
        None
    }
}
