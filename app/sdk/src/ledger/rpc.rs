//! The RPC backend: a cluster where the Spice program is deployed, over JSON-RPC, with
//! exactly-once sends ([`super::send`]: one signed transaction re-sent until it lands or its
//! blockhash expires), compute-unit limits from simulation, priority fees, and the program's
//! errors in words.

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use solana_commitment_config::CommitmentConfig;
use solana_rpc_client::api::client_error::{Error as ClientError, ErrorKind};
use solana_rpc_client::api::config::{
    RpcAccountInfoConfig, RpcProgramAccountsConfig, RpcSendTransactionConfig,
    RpcSimulateTransactionAccountsConfig, RpcSimulateTransactionConfig,
};
use solana_rpc_client::api::filter::{Memcmp, RpcFilterType};
use solana_rpc_client::api::request::{RpcError, RpcResponseErrorData};
use solana_rpc_client::rpc_client::RpcClient;
use solana_sdk::account::Account;
use solana_sdk::clock::Clock;
use solana_sdk::hash::Hash;
use solana_sdk::signature::{Keypair, Signature, Signer};
use solana_sdk::transaction::{Transaction, TransactionError};

use super::send::{self, Cluster, Options, Policy, Sent, Simulation};
use super::{DevLedger, Ledger, LedgerError, Result};

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
    options: Options,
    policy: Policy,
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
            options: Options::default(),
            policy: Policy::default(),
        }
    }

    /// Pays a priority fee of `micro_lamports` per compute unit on every transaction.
    pub fn with_compute_unit_price(mut self, micro_lamports: Option<u64>) -> Self {
        self.options.compute_unit_price = micro_lamports;
        self
    }

    /// How patiently transactions are sent (see [`Policy`]).
    pub fn with_policy(mut self, policy: Policy) -> Self {
        self.policy = policy;
        self
    }
}

/// The JSON-RPC client as exactly-once sending sees it.
struct Client<'a>(&'a RpcClient);

impl Cluster for Client<'_> {
    fn latest_blockhash(&mut self) -> Result<(Hash, u64)> {
        self.0
            .get_latest_blockhash_with_commitment(CommitmentConfig::confirmed())
            .map_err(client_error)
    }

    fn block_height(&mut self) -> Result<u64> {
        self.0
            .get_block_height_with_commitment(CommitmentConfig::confirmed())
            .map_err(client_error)
    }

    fn send(&mut self, tx: &Transaction, preflight: bool) -> Sent {
        let config = RpcSendTransactionConfig {
            skip_preflight: !preflight,
            preflight_commitment: Some(CommitmentConfig::confirmed().commitment),
            // We re-send ourselves, the same transaction, until it lands or expires.
            max_retries: Some(0),
            ..Default::default()
        };
        match self.0.send_transaction_with_config(tx, config) {
            Ok(_) => Sent::Accepted,
            // The node answered with an error: it did not forward the transaction.
            Err(e) if matches!(e.kind(), ErrorKind::RpcError(_)) => Sent::Refused(client_error(e)),
            Err(e) => match client_error(e) {
                refused @ LedgerError::Transaction { .. } => Sent::Refused(refused),
                other => Sent::Unknown(other.to_string()),
            },
        }
    }

    fn status(
        &mut self,
        signature: &Signature,
    ) -> Result<Option<std::result::Result<(), TransactionError>>> {
        let statuses = self
            .0
            .get_signature_statuses_with_history(&[*signature])
            .map_err(client_error)?;
        let Some(Some(status)) = statuses.value.into_iter().next() else {
            return Ok(None);
        };
        if let Some(err) = status.err.clone() {
            return Ok(Some(Err(err)));
        }
        Ok(status
            .satisfies_commitment(CommitmentConfig::confirmed())
            .then_some(Ok(())))
    }

    fn simulate(&mut self, tx: &Transaction, watch: &[Pubkey]) -> Result<Simulation> {
        let config = RpcSimulateTransactionConfig {
            sig_verify: false,
            replace_recent_blockhash: true,
            commitment: Some(CommitmentConfig::confirmed()),
            accounts: (!watch.is_empty()).then(|| RpcSimulateTransactionAccountsConfig {
                encoding: Some(solana_account_decoder_client_types::UiAccountEncoding::Base64),
                addresses: watch.iter().map(Pubkey::to_string).collect(),
            }),
            ..Default::default()
        };
        let result = self
            .0
            .simulate_transaction_with_config(tx, config)
            .map_err(client_error)?
            .value;
        let accounts = result.accounts.unwrap_or_default();
        Ok(Simulation {
            err: result.err.map(Into::into),
            logs: result.logs.unwrap_or_default(),
            units: result.units_consumed.unwrap_or(0),
            accounts: watch
                .iter()
                .enumerate()
                .map(|(i, k)| {
                    let account = accounts
                        .get(i)
                        .and_then(|a| a.as_ref())
                        .and_then(|a| a.decode::<Account>());
                    (*k, account)
                })
                .collect(),
        })
    }

    fn sleep(&mut self, duration: std::time::Duration) {
        std::thread::sleep(duration);
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
        send::send_once(
            &mut Client(&self.client),
            ixs,
            signers,
            self.options,
            self.policy,
        )
    }

    fn simulate(
        &mut self,
        ixs: &[Instruction],
        signers: &[&Keypair],
        watch: &[Pubkey],
    ) -> Result<Simulation> {
        let payer = signers
            .first()
            .ok_or_else(|| LedgerError::Backend("a transaction needs a fee payer".into()))?
            .pubkey();
        send::simulate(&mut Client(&self.client), ixs, &payer, watch)
    }

    fn transactions_of(
        &mut self,
        address: &Pubkey,
        limit: usize,
    ) -> Result<Vec<crate::history::TxLog>> {
        use solana_rpc_client::api::request::RpcRequest;
        let statuses: serde_json::Value = self
            .client
            .send(
                RpcRequest::GetSignaturesForAddress,
                serde_json::json!([address.to_string(), {"limit": limit, "commitment": "confirmed"}]),
            )
            .map_err(client_error)?;
        let mut out = Vec::new();
        for status in statuses.as_array().cloned().unwrap_or_default() {
            let Some(signature) = status["signature"]
                .as_str()
                .and_then(|s| s.parse::<Signature>().ok())
            else {
                continue;
            };
            let tx: serde_json::Value = self
                .client
                .send(
                    RpcRequest::GetTransaction,
                    serde_json::json!([signature.to_string(), {"encoding": "json", "commitment": "confirmed", "maxSupportedTransactionVersion": 0}]),
                )
                .map_err(client_error)?;
            let logs = tx["meta"]["logMessages"]
                .as_array()
                .map(|l| {
                    l.iter()
                        .filter_map(|x| x.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default();
            out.push(crate::history::TxLog {
                signature,
                slot: status["slot"].as_u64().unwrap_or(0),
                block_time: status["blockTime"].as_i64(),
                failed: !status["err"].is_null(),
                logs,
            });
        }
        Ok(out)
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
