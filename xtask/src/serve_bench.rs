//! `cargo run -p xtask -- serve-bench`: how many requests `spice serve` answers, measured with a
//! client in the same run. A server on a fresh ledger file in a temporary directory (the one
//! `spice serve` runs: [`spice_serve::start`], JSON-RPC over HTTP on a loopback port) and
//! Solana's async RPC client with `--clients` concurrent callers, each for `--seconds`:
//!
//! - `getAccountInfo` of a token account (165 bytes, base64): requests/s and latency;
//! - `sendTransaction` of SOL transfers and of SPL token transfers (`transferChecked`, the
//!   token program's SBF code), preflight on: transactions/s. `spice serve` answers a send once
//!   the transaction landed and the ledger file is saved, so every one counted is confirmed (the
//!   run checks their statuses at the end).
//!
//! The figures are those of the build it runs in: `cargo run -p xtask` is the debug build CI
//! and developers use (with the dev profile's optimized crypto and runtime crates);
//! `cargo run --release -p xtask -- serve-bench` measures an optimized server. Client and server
//! share the machine's cores.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use solana_commitment_config::CommitmentConfig;
use solana_rpc_client::nonblocking::rpc_client::RpcClient;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::{Keypair, Signature, Signer};
use solana_sdk::transaction::Transaction;

const USAGE: &str = "\
usage: cargo run [--release] -p xtask -- serve-bench [options]

  --seconds N   how long each measurement runs (default 5)
  --clients N   concurrent callers (default 4)";

/// What `serve-bench` was asked to do.
#[derive(Clone, Copy, Debug)]
pub struct ServeBenchArgs {
    pub seconds: u64,
    pub clients: usize,
}

impl ServeBenchArgs {
    pub fn parse(args: &[&str]) -> Result<Self> {
        let mut out = Self {
            seconds: 5,
            clients: 4,
        };
        let mut it = args.iter();
        while let Some(arg) = it.next() {
            let mut value = || {
                it.next()
                    .with_context(|| format!("{arg} needs a value\n\n{USAGE}"))
            };
            match *arg {
                "--seconds" => out.seconds = value()?.parse().context("--seconds")?,
                "--clients" => out.clients = value()?.parse().context("--clients")?,
                "-h" | "--help" => bail!("{USAGE}"),
                other => bail!("unknown option {other}\n\n{USAGE}"),
            }
        }
        if out.seconds == 0 || out.clients == 0 {
            bail!("--seconds and --clients must be at least 1");
        }
        Ok(out)
    }
}

/// One measurement: how many calls succeeded in how long, and their latencies.
struct Measured {
    calls: usize,
    elapsed: Duration,
    latencies: Vec<Duration>,
}

impl Measured {
    fn per_second(&self) -> f64 {
        self.calls as f64 / self.elapsed.as_secs_f64()
    }

    fn percentile(&self, p: f64) -> Duration {
        let mut sorted = self.latencies.clone();
        sorted.sort();
        let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
        sorted.get(i).copied().unwrap_or_default()
    }

    fn line(&self, what: &str, unit: &str) -> String {
        format!(
            "{what:<34} {:>9.0} {unit}/s   ({} in {:.1} s; latency p50 {:.2} ms, p99 {:.2} ms)",
            self.per_second(),
            self.calls,
            self.elapsed.as_secs_f64(),
            self.percentile(0.5).as_secs_f64() * 1e3,
            self.percentile(0.99).as_secs_f64() * 1e3,
        )
    }
}

/// Runs `call(client index, iteration)` from `clients` tasks until `seconds` pass.
async fn measure<F, Fut>(clients: usize, seconds: u64, call: F) -> Result<Measured>
where
    F: Fn(usize, usize) -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = Result<()>> + Send,
{
    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..clients {
        let stop = stop.clone();
        let call = call.clone();
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut i = 0;
            while !stop.load(Ordering::Relaxed) {
                let t0 = Instant::now();
                call(c, i).await?;
                latencies.push(t0.elapsed());
                i += 1;
            }
            Ok::<_, anyhow::Error>(latencies)
        }));
    }
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    stop.store(true, Ordering::Relaxed);
    let mut latencies = Vec::new();
    for task in tasks {
        latencies.extend(task.await.context("a client task")??);
    }
    Ok(Measured {
        calls: latencies.len(),
        elapsed: started.elapsed(),
        latencies,
    })
}

fn client(url: &str) -> RpcClient {
    RpcClient::new_with_timeout_and_commitment(
        url.to_string(),
        Duration::from_secs(30),
        CommitmentConfig::confirmed(),
    )
}

/// A signer with SOL (an airdrop of the server's).
async fn funded(rpc: &RpcClient, sol: u64) -> Result<Keypair> {
    let wallet = Keypair::new();
    let sig = rpc
        .request_airdrop(&wallet.pubkey(), sol * 1_000_000_000)
        .await?;
    rpc.confirm_transaction(&sig).await?;
    Ok(wallet)
}

/// Per client: a payer, and the blockhash it signs with (a blockhash lasts 150 blocks and
/// every transaction is a block: all clients together refresh it every 100 transactions).
struct Sender {
    payer: Keypair,
    hash: tokio::sync::Mutex<(solana_sdk::hash::Hash, usize)>,
    refresh: usize,
}

impl Sender {
    async fn blockhash(&self, rpc: &RpcClient) -> Result<solana_sdk::hash::Hash> {
        let mut hash = self.hash.lock().await;
        if hash.1 % self.refresh == 0 {
            hash.0 = rpc.get_latest_blockhash().await?;
        }
        hash.1 += 1;
        Ok(hash.0)
    }
}

/// Runs the benchmark; prints the figures.
pub fn run(args: ServeBenchArgs) -> Result<bool> {
    let dir = std::env::temp_dir().join(format!("spice-serve-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).with_context(|| format!("{}", dir.display()))?;
    let ledger = dir.join("ledger.json");
    let outcome = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("async runtime")?
        .block_on(bench(args, ledger.clone()));
    let _ = std::fs::remove_dir_all(&dir);
    outcome.map(|()| true)
}

async fn bench(args: ServeBenchArgs, ledger: std::path::PathBuf) -> Result<()> {
    let running = spice_serve::start(spice_serve::Options {
        ledger: Some(ledger.clone()),
        bind: "127.0.0.1:0".parse()?,
        ws_bind: None,
    })
    .await?;
    let url = running.url();
    let rpc = Arc::new(client(&url));
    let profile = if cfg!(debug_assertions) {
        "debug build (cargo run -p xtask)"
    } else {
        "release build"
    };
    println!(
        "spice serve at {url}: {} clients, {} s per measurement, {profile}, {} cores",
        args.clients,
        args.seconds,
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );

    // A mint and a token account per client, through the SDK's builders.
    let authority = funded(&rpc, 1_000).await?;
    let mint = Keypair::new();
    let token_program = anchor_spl::token::ID;
    let decimals = 6;
    let rent = rpc.get_minimum_balance_for_rent_exemption(82).await?;
    let ixs = spice_sdk::tokens::create_mint(
        &authority.pubkey(),
        &mint.pubkey(),
        &authority.pubkey(),
        decimals,
        &token_program,
        rent,
    )?;
    send(&rpc, &ixs, &[&authority, &mint]).await?;
    let source = spice_sdk::tokens::associated(&authority.pubkey(), &mint.pubkey(), &token_program);
    let sink_owner = Pubkey::new_unique();
    let sink = spice_sdk::tokens::associated(&sink_owner, &mint.pubkey(), &token_program);
    let mut senders = Vec::new();
    let mut sources = Vec::new();
    for _ in 0..args.clients {
        let payer = funded(&rpc, 100).await?;
        let account =
            spice_sdk::tokens::associated(&payer.pubkey(), &mint.pubkey(), &token_program);
        let ixs = vec![
            spice_sdk::tokens::create_associated(
                &authority.pubkey(),
                &payer.pubkey(),
                &mint.pubkey(),
                &token_program,
            ),
            spice_sdk::tokens::mint_to(
                &token_program,
                &mint.pubkey(),
                &account,
                &authority.pubkey(),
                u64::MAX / 1_000,
                decimals,
            )?,
        ];
        send(&rpc, &ixs, &[&authority]).await?;
        sources.push(account);
        senders.push(Sender {
            payer,
            hash: tokio::sync::Mutex::new((Default::default(), 0)),
            refresh: (100 / args.clients).max(1),
        });
    }
    let ixs = vec![
        spice_sdk::tokens::create_associated(
            &authority.pubkey(),
            &authority.pubkey(),
            &mint.pubkey(),
            &token_program,
        ),
        spice_sdk::tokens::create_associated(
            &authority.pubkey(),
            &sink_owner,
            &mint.pubkey(),
            &token_program,
        ),
    ];
    send(&rpc, &ixs, &[&authority]).await?;
    let recipient = funded(&rpc, 1).await?.pubkey();
    let mint = mint.pubkey();

    // getAccountInfo.
    let reads = {
        let rpc = rpc.clone();
        measure(args.clients, args.seconds, move |_, _| {
            let rpc = rpc.clone();
            async move {
                // base64, as @solana/kit asks (Solana's RpcClient asks for base64+zstd).
                let config = solana_rpc_client::api::config::RpcAccountInfoConfig {
                    encoding: Some(solana_account_decoder_client_types::UiAccountEncoding::Base64),
                    commitment: Some(CommitmentConfig::confirmed()),
                    ..Default::default()
                };
                let account = rpc
                    .get_ui_account_with_config(&source, config)
                    .await?
                    .value
                    .context("the token account")?;
                let data = account.data.decode().context("base64 data")?;
                if data.len() != 165 {
                    bail!("a token account of {} bytes", data.len());
                }
                Ok(())
            }
        })
        .await?
    };
    println!(
        "{}",
        reads.line("getAccountInfo (165 B, base64)", "requests")
    );

    // sendTransaction: SOL transfers, then token transfers.
    let senders = Arc::new(senders);
    let sources = Arc::new(sources);
    let sent = Arc::new(std::sync::Mutex::new(Vec::<Signature>::new()));
    let mut figures = Vec::new();
    for token in [false, true] {
        let (rpc, senders, sources, sent) =
            (rpc.clone(), senders.clone(), sources.clone(), sent.clone());
        let measured = measure(args.clients, args.seconds, move |c, i| {
            let (rpc, senders, sources, sent) =
                (rpc.clone(), senders.clone(), sources.clone(), sent.clone());
            async move {
                let sender = &senders[c];
                let payer = sender.payer.pubkey();
                // Distinct amounts: no two transactions alike.
                let amount = 1 + i as u64;
                let ix = if token {
                    spice_sdk::tokens::transfer(
                        &token_program,
                        &mint,
                        &sources[c],
                        &sink,
                        &payer,
                        amount,
                        decimals,
                    )?
                } else {
                    anchor_lang::solana_program::system_instruction::transfer(
                        &payer, &recipient, amount,
                    )
                };
                let hash = sender.blockhash(&rpc).await?;
                let tx =
                    Transaction::new_signed_with_payer(&[ix], Some(&payer), &[&sender.payer], hash);
                let signature = rpc.send_transaction(&tx).await?;
                sent.lock()
                    .map_err(|_| anyhow::anyhow!("poisoned"))?
                    .push(signature);
                Ok(())
            }
        })
        .await?;
        let what = if token {
            "sendTransaction (SPL transferChecked)"
        } else {
            "sendTransaction (SOL transfer)"
        };
        println!("{}", measured.line(what, "transactions"));
        figures.push(measured);
    }

    // Every transaction counted landed, without error.
    let sent = std::mem::take(&mut *sent.lock().map_err(|_| anyhow::anyhow!("poisoned"))?);
    for chunk in sent.chunks(256) {
        for (signature, status) in chunk
            .iter()
            .zip(rpc.get_signature_statuses(chunk).await?.value)
        {
            match status {
                Some(status) if status.err.is_none() => {}
                other => bail!("{signature}: {other:?}"),
            }
        }
    }
    let size = std::fs::metadata(&ledger).map_or(0, |m| m.len());
    println!(
        "all {} transactions confirmed; ledger file {:.1} KiB (saved after every transaction)",
        sent.len(),
        size as f64 / 1024.0
    );
    running.stop().await;
    Ok(())
}

/// Sends one setup transaction (the server answers once it landed).
async fn send(
    rpc: &RpcClient,
    ixs: &[anchor_lang::solana_program::instruction::Instruction],
    signers: &[&Keypair],
) -> Result<()> {
    let hash = rpc.get_latest_blockhash().await?;
    let tx = Transaction::new_signed_with_payer(ixs, Some(&signers[0].pubkey()), signers, hash);
    rpc.send_and_confirm_transaction(&tx).await?;
    Ok(())
}
