//! `spice`: the command line of the Spice GPU-compute network, for providers, clients,
//! attestors, auditors and the network authority. Without `--url` it runs on the embedded
//! ledger: the program itself, in this process, its state kept in a local file.

mod amounts;
mod cmd;
mod context;
mod errors;
mod manifest;
mod params;
mod simulate;

use clap::{Parser, Subcommand};
use context::{Ctx, Global};

#[derive(Parser)]
#[command(
    name = "spice",
    version,
    about = "Spice GPU-compute network: providers, clients, attestors, auditors and the authority"
)]
struct Cli {
    #[command(flatten)]
    global: Global,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create and govern a network (authority), or show one.
    #[command(subcommand)]
    Network(cmd::network::NetworkCmd),
    /// Register GPUs, stake, unbond and withdraw (provider).
    #[command(subcommand)]
    Provider(cmd::provider::ProviderCmd),
    /// Create, run and settle compute jobs (client, provider, crank).
    #[command(subcommand)]
    Job(cmd::job::JobCmd),
    /// Manage attestors (authority) and vote on jobs (attestor).
    #[command(subcommand)]
    Attestor(cmd::attestor::AttestorCmd),
    /// Fund, finalize and claim epoch rewards.
    #[command(subcommand)]
    Rewards(cmd::rewards::RewardsCmd),
    /// The permissionless keeper: draw audits, settle, expire, finalize and close epochs,
    /// shards and book pages.
    #[command(subcommand)]
    Crank(CrankCmd),
    /// Recompute every invariant of a network from chain state; exits 2 on a violation.
    Audit(cmd::audit::AuditArgs),
    /// Embedded-ledger controls: clock, SOL and test tokens.
    #[command(subcommand)]
    Dev(cmd::dev::DevCmd),
    /// Run a scenario on a fresh embedded ledger and report who earned what.
    Simulate(simulate::SimulateArgs),
    /// Serve the embedded ledger (--ledger) over Solana JSON-RPC, for any Solana tool.
    Serve(spice_serve::ServeArgs),
}

#[derive(Subcommand)]
enum CrankCmd {
    /// Run the crank (idempotent; several may run at once).
    Run(cmd::agent::CrankRunArgs),
}

/// An error that ends the command with a specific exit code (after printing its report).
#[derive(Debug)]
pub struct Exit(pub i32);

impl std::fmt::Display for Exit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "exit code {}", self.0)
    }
}

impl std::error::Error for Exit {}

fn run(cli: Cli) -> anyhow::Result<()> {
    if let Command::Simulate(args) = &cli.command {
        return simulate::command(args, cli.global.output);
    }
    if let Command::Serve(args) = &cli.command {
        anyhow::ensure!(
            cli.global.url.as_deref().is_none_or(|u| u == "embedded"),
            "spice serve serves the embedded ledger (--ledger): drop --url"
        );
        let ledger = cli
            .global
            .ledger
            .clone()
            .unwrap_or_else(|| context::DEFAULT_LEDGER.to_string());
        return spice_serve::run(&context::expand(&ledger), args);
    }
    if let Command::Provider(cmd::provider::ProviderCmd::Run(args)) = &cli.command {
        return cmd::agent::provider_run(&cli.global, args);
    }
    if let Command::Job(cmd::job::JobCmd::Watch { job, watch }) = &cli.command {
        return cmd::job::watch(&cli.global, job, watch);
    }
    if let Command::Crank(CrankCmd::Run(args)) = &cli.command {
        return cmd::agent::crank_run(&cli.global, args);
    }
    if let Command::Dev(cmd::dev::DevCmd::Keygen { outfile, force }) = &cli.command {
        // No ledger needed: a new keypair file, only where asked.
        return cmd::dev::keygen(&cli.global, outfile.as_deref(), *force);
    }
    let global = cli.global.clone();
    let mut ctx = Ctx::open(cli.global)?;
    let result = match cli.command {
        Command::Network(c) => cmd::network::run(&mut ctx, c),
        Command::Provider(c) => cmd::provider::run(&mut ctx, c),
        Command::Job(c) => cmd::job::run(&mut ctx, c),
        Command::Attestor(c) => cmd::attestor::run(&mut ctx, c),
        Command::Rewards(c) => cmd::rewards::run(&mut ctx, c),
        Command::Audit(a) => cmd::audit::run(&mut ctx, a),
        Command::Dev(c) => cmd::dev::run(&mut ctx, c),
        Command::Simulate(_) | Command::Serve(_) | Command::Crank(_) => Ok(()),
    };
    // A failed transaction still happened (fees, or the accounts an earlier one created):
    // persist the embedded ledger either way.
    let saved = ctx.save();
    let wait_for = ctx.wait_for;
    drop(ctx);
    result.and(saved)?;
    match wait_for {
        Some(job) => cmd::job::watch(
            &global,
            &job.to_string(),
            &cmd::job::WatchArgs {
                interval: 2,
                timeout: None,
            },
        ),
        None => Ok(()),
    }
}

fn main() {
    let cli = Cli::parse();
    let output = cli.global.output;
    if let Err(e) = run(cli) {
        if let Some(Exit(code)) = e.downcast_ref::<Exit>() {
            std::process::exit(*code);
        }
        if e.chain().any(|c| c.is::<context::DryRunDone>()) {
            return;
        }
        let report = errors::Report::of(&e);
        eprintln!("{}", report.text());
        if output == context::Output::Json {
            use std::io::Write;
            let json = report.json();
            let text = serde_json::to_string_pretty(&json).unwrap_or_else(|_| json.to_string());
            let _ = writeln!(std::io::stdout(), "{text}");
        }
        std::process::exit(1);
    }
}
