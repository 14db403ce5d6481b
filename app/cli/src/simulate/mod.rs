//! `spice simulate`: a scenario (providers honest, lazy, cheating, stake-only and wash-trading,
//! clients, attestors) run over several reward epochs on a fresh in-memory embedded ledger,
//! through the program's real instructions, then a report of who earned what, the audit of
//! every invariant, and the run's speed.
//!
//! - [`scenario`]: the TOML file and its checks; a default scenario is built in;
//! - [`world`]: the ledger, mints, network, wallets and registrations before the first job;
//! - [`chain`]: sending (and packing) transactions, reading accounts, moving the clock;
//! - [`run`]: the epochs, job by job, and the claims;
//! - [`report`]: per-provider rows, totals, economic checks, the text rendering;
//! - [`chart`] draws `chart.svg`;
//! - [`rng`] (`spice_ledger::rng`, shared with the fuzzer) seeds the actors' choices.

mod chain;
mod chart;
mod report;
mod run;
mod scenario;
mod world;

use spice_ledger::rng;

use std::io::IsTerminal as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context as _, Result};
use clap::Args;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::context::Output;
use crate::Exit;
use report::Report;
use scenario::Scenario;

/// Exit code when the audit finds a violation (as `spice audit`).
const AUDIT_FAILED: i32 = 2;

#[derive(Args, Debug)]
pub struct SimulateArgs {
    /// Scenario file (TOML); without it, the built-in default scenario
    /// (app/cli/scenarios/default.toml).
    #[arg(long, value_name = "FILE")]
    pub scenario: Option<PathBuf>,

    /// Directory for report.json and chart.svg (created if missing).
    #[arg(long, value_name = "DIR", default_value = "./spice-sim")]
    pub out: PathBuf,

    /// Overrides the scenario's seed.
    #[arg(long)]
    pub seed: Option<u64>,

    /// Overrides the scenario's number of epochs.
    #[arg(long)]
    pub epochs: Option<u64>,

    /// Verify every transaction's signatures, as a cluster does. The simulator signs every
    /// transaction itself with the actors' keys, so the outcome is the same; in a debug build
    /// unoptimized ed25519 makes this several times slower (`cargo run -p xtask -- bench`).
    #[arg(long)]
    pub sigverify: bool,
}

/// Runs the scenario, writes the report and the chart, prints the report (text, or its JSON
/// on `--output json`), and fails with exit code 2 when the audit finds a violation.
pub fn command(args: &SimulateArgs, output: Output) -> Result<()> {
    let scenario = load(args)?;
    let progress = progress_bar(&scenario, output)?;
    let outcome = run::simulate(&scenario, &progress, args.sigverify);
    progress.finish_and_clear();
    let report = Report::new(&scenario, outcome?);

    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("creating {}", args.out.display()))?;
    let json_path = args.out.join("report.json");
    let json = serde_json::to_string_pretty(&report).context("encoding the report")?;
    write(&json_path, &json)?;
    let chart_path = args.out.join("chart.svg");
    write(&chart_path, &chart::svg(&report))?;

    match output {
        Output::Json => println!("{json}"),
        Output::Text => {
            print!("{}", report.text());
            println!(
                "report {} · chart {}",
                json_path.display(),
                chart_path.display()
            );
        }
    }
    if !report.economics_passed() {
        eprintln!("warning: an economic check failed on this scenario (see \"economics\")");
    }
    if !report.audit.passed() {
        eprintln!(
            "audit failed: {} invariant violation(s)",
            report.audit.violations()
        );
        return Err(Exit(AUDIT_FAILED).into());
    }
    Ok(())
}

/// The scenario file, or the built-in one, with the command line's overrides, re-checked.
fn load(args: &SimulateArgs) -> Result<Scenario> {
    let text = match &args.scenario {
        Some(path) => std::fs::read_to_string(path)
            .with_context(|| format!("reading scenario {}", path.display()))?,
        None => scenario::DEFAULT_SCENARIO.to_string(),
    };
    let name = args
        .scenario
        .as_ref()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| "the default scenario".into());
    let mut scenario = Scenario::parse(&text).with_context(|| format!("in {name}"))?;
    if args.seed.is_some() || args.epochs.is_some() {
        scenario.seed = args.seed.unwrap_or(scenario.seed);
        scenario.epochs = args.epochs.unwrap_or(scenario.epochs);
        scenario.validate().with_context(|| format!("in {name}"))?;
    }
    Ok(scenario)
}

/// Progress on stderr, counting job lifecycles; hidden for JSON output or when stderr is not
/// a terminal, so logs and pipes stay clean.
fn progress_bar(scenario: &Scenario, output: Output) -> Result<ProgressBar> {
    let bar = ProgressBar::new(scenario.planned_jobs());
    if output == Output::Json || !std::io::stderr().is_terminal() {
        bar.set_draw_target(ProgressDrawTarget::hidden());
        return Ok(bar);
    }
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} jobs ({per_sec}) {msg}",
        )
        .context("progress bar template")?,
    );
    bar.enable_steady_tick(Duration::from_millis(120));
    Ok(bar)
}

fn write(path: &Path, contents: &str) -> Result<()> {
    std::fs::write(path, contents).with_context(|| format!("writing {}", path.display()))
}
