//! A server on a ledger file in a temporary directory, on its own async runtime, and the raw
//! JSON-RPC calls the tests make to it.

#![allow(dead_code)]

pub mod fixture;

use std::path::PathBuf;

use anchor_lang::solana_program::instruction::Instruction;
use base64::prelude::{Engine, BASE64_STANDARD};
use solana_sdk::hash::Hash;
use solana_sdk::transaction::Transaction;

use serde_json::{json, Value};
use solana_commitment_config::CommitmentConfig;
use solana_rpc_client::rpc_client::RpcClient;
use solana_sdk::signature::{Keypair, Signer};
use spice_serve::{Options, Running};

/// The longest any test waits for the server (every request and notification is bounded, so a
/// test fails instead of hanging).
pub const TIMEOUT: std::time::Duration = std::time::Duration::from_secs(20);

pub struct Served {
    pub runtime: tokio::runtime::Runtime,
    pub running: Option<Running>,
    pub url: String,
    pub ws_url: String,
    pub dir: tempfile::TempDir,
    http: reqwest::Client,
}

impl Served {
    /// A server on a fresh ledger file.
    pub fn new() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        Self::on(dir)
    }

    /// A server on the ledger file `ledger.json` of `dir`.
    pub fn on(dir: tempfile::TempDir) -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        let options = Options {
            ledger: Some(dir.path().join("ledger.json")),
            bind: "127.0.0.1:0".parse().expect("addr"),
            ws_bind: None,
        };
        let running = runtime
            .block_on(spice_serve::start(options))
            .expect("server starts");
        let url = running.url();
        let ws_url = format!("ws://{}", running.addr);
        Self {
            runtime,
            running: Some(running),
            url,
            ws_url,
            dir,
            http: reqwest::Client::builder()
                .timeout(TIMEOUT)
                .build()
                .expect("http client"),
        }
    }

    pub fn ledger(&self) -> PathBuf {
        self.dir.path().join("ledger.json")
    }

    /// Solana's RPC client (what the SDK's RPC backend uses), at `confirmed`.
    pub fn client(&self) -> RpcClient {
        RpcClient::new_with_timeout_and_commitment(
            self.url.clone(),
            TIMEOUT,
            CommitmentConfig::confirmed(),
        )
    }

    /// The same, async (for use inside [`Served::runtime`]).
    pub fn async_client(&self) -> solana_rpc_client::nonblocking::rpc_client::RpcClient {
        solana_rpc_client::nonblocking::rpc_client::RpcClient::new_with_timeout_and_commitment(
            self.url.clone(),
            TIMEOUT,
            CommitmentConfig::confirmed(),
        )
    }

    /// POSTs `body` as JSON; returns the HTTP status and the body.
    pub fn post_raw(&self, body: impl Into<reqwest::Body>, content_type: &str) -> (u16, String) {
        self.runtime.block_on(async {
            let response = self
                .http
                .post(&self.url)
                .header("content-type", content_type)
                .body(body)
                .send()
                .await
                .expect("request");
            let status = response.status().as_u16();
            (status, response.text().await.expect("body"))
        })
    }

    /// GETs `path`; returns the HTTP status, the content type and the body.
    pub fn get(&self, path: &str) -> (u16, String, String) {
        self.runtime.block_on(async {
            let response = self
                .http
                .get(format!("{}{path}", self.url))
                .send()
                .await
                .expect("request");
            let status = response.status().as_u16();
            let content_type = response
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_string();
            (status, content_type, response.text().await.expect("body"))
        })
    }

    /// The whole JSON-RPC response to `method(params)`.
    pub fn call(&self, method: &str, params: Value) -> Value {
        let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
        let (status, text) = self.post_raw(body.to_string(), "application/json");
        let response: Value = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("{method}: HTTP {status}, not JSON ({e}): {text}"));
        assert_eq!(response["jsonrpc"], "2.0", "{response}");
        assert_eq!(response["id"], 1, "{response}");
        response
    }

    /// The `result` of `method(params)`, which must succeed.
    #[track_caller]
    pub fn result(&self, method: &str, params: Value) -> Value {
        let response = self.call(method, params);
        assert!(
            response.get("error").is_none(),
            "{method} failed: {response}"
        );
        response["result"].clone()
    }

    /// The `error` of `method(params)`, which must fail: (code, message, data).
    #[track_caller]
    pub fn error(&self, method: &str, params: Value) -> (i64, String, Value) {
        let response = self.call(method, params);
        let error = &response["error"];
        assert!(error.is_object(), "{method} should fail: {response}");
        (
            error["code"].as_i64().expect("code"),
            error["message"].as_str().expect("message").to_string(),
            error.get("data").cloned().unwrap_or(Value::Null),
        )
    }

    /// A new wallet with `sol` SOL (airdropped and confirmed).
    pub fn funded(&self, sol: u64) -> Keypair {
        let wallet = Keypair::new();
        let client = self.client();
        let sig = client
            .request_airdrop(&wallet.pubkey(), sol * 1_000_000_000)
            .expect("airdrop");
        assert!(client.confirm_transaction(&sig).expect("status"));
        wallet
    }

    /// The latest blockhash, asked of the server.
    pub fn blockhash(&self) -> Hash {
        let value = self.result("getLatestBlockhash", json!([]));
        value["value"]["blockhash"]
            .as_str()
            .expect("blockhash")
            .parse()
            .expect("hash")
    }

    /// `ixs` signed by `signers` (the first pays) on the latest blockhash.
    pub fn transaction(&self, ixs: &[Instruction], signers: &[&Keypair]) -> Transaction {
        let mut tx = Transaction::new_with_payer(ixs, Some(&signers[0].pubkey()));
        tx.sign(&signers.to_vec(), self.blockhash());
        tx
    }

    /// The ledger file's bytes.
    pub fn ledger_bytes(&self) -> Vec<u8> {
        std::fs::read(self.ledger()).expect("ledger file")
    }

    pub fn stop(&mut self) {
        if let Some(running) = self.running.take() {
            self.runtime.block_on(running.stop());
        }
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A transaction on the wire, base64.
pub fn base64(tx: &Transaction) -> String {
    BASE64_STANDARD.encode(bincode::serialize(tx).expect("serialize"))
}

/// A transaction on the wire, base58.
pub fn base58(tx: &Transaction) -> String {
    bs58::encode(bincode::serialize(tx).expect("serialize")).into_string()
}
