//! `spice simulate`: the economics benchmark. A scenario (honest providers and every adversary
//! of docs/ECONOMICS.md, clients, attestors) runs over several reward epochs on a fresh
//! in-memory embedded ledger, through the program's real instructions; then a report of who
//! earned what, each actor's books against its honest counterfactual, the same run under the
//! peers' reward rules, the audit of every invariant, and the run's speed. Without
//! `--scenario` it runs the two regimes (fee-rich, emission-rich); `--sweep` reruns one
//! scenario over a parameter's values and charts each adversary's profit against it.
//!
//! - [`scenario`]: the TOML file and its checks; the two regimes are built in;
//! - [`world`]: the ledger, mints, network, wallets and registrations before the first job;
//! - [`chain`]: sending (and packing) transactions, reading accounts, moving the clock;
//! - [`run`]: the epochs, job by job, the adversaries' moves, and the claims;
//! - [`accounting`]: each actor's money, its honest counterfactual and its expected net;
//! - [`rules`]: the run under Spice's, a stake-proportional, Render's and io.net's rule;
//! - [`report`]: per-account rows, the books, the rules, economic checks, the text rendering;
//! - [`chart`] draws `chart.svg` and the sweeps' SVGs;
//! - [`sweep`]: `--sweep PARAM=a,b,c`;
//! - [`rng`] (`spice_ledger::rng`, shared with the fuzzer) seeds the actors' choices.

mod accounting;
mod chain;
mod chart;
mod report;
mod rules;
mod run;
mod scenario;
mod sweep;
mod world;

use spice_ledger::rng;

use std::io::IsTerminal as _;
use std::path::Path;
use std::time::Duration;

use anyhow::{bail, Context as _, Result};
use clap::Args;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::context::Output;
use crate::Exit;
use report::{Benchmark, Report};
use scenario::Scenario;

/// Exit code when the audit finds a violation (as `spice audit`).
const AUDIT_FAILED: i32 = 2;

#[derive(Args, Debug)]
pub struct SimulateArgs {
    /// Scenario file (TOML), or a built-in one by name (`fee-rich`, `emission-rich`); repeat
    /// to run several. Without it, both built-in regimes (app/cli/scenarios/).
    #[arg(long, value_name = "FILE|NAME")]
    pub scenario: Vec<String>,

    /// Directory for report.json and chart.svg, or a sweep's files (created if missing).
    #[arg(long, value_name = "DIR", default_value = "./spice-sim")]
    pub out: std::path::PathBuf,

    /// Overrides the scenarios' seed.
    #[arg(long)]
    pub seed: Option<u64>,

    /// Overrides the scenarios' number of epochs.
    #[arg(long)]
    pub epochs: Option<u64>,

    /// Sets a parameter in every scenario run: any network parameter (docs/REFERENCE.md),
    /// check_rate_bps, unit_cost_bps, self_cost_bps, epochs, or PROVIDER.FIELD (one field of one
    /// provider entry, e.g. swarm.stake). Repeatable.
    #[arg(long = "set", value_name = "NAME=VALUE")]
    pub set: Vec<String>,

    /// Reruns the scenario (default: emission-rich) once per value of a parameter (as --set
    /// takes) and charts each adversary's profit against it, with the boundary the docs'
    /// inequality predicts: writes sweep-NAME.svg and sweep-NAME.json. Values the program's
    /// bounds refuse are reported as refused.
    #[arg(long, value_name = "NAME=a,b,c")]
    pub sweep: Option<String>,

    /// Verify every transaction's signatures, as a cluster does. The simulator signs every
    /// transaction itself with the actors' keys, so the outcome is the same; in a debug build
    /// unoptimized ed25519 makes this several times slower (`cargo run -p xtask -- bench`).
    #[arg(long)]
    pub sigverify: bool,
}

/// Runs the scenarios, writes the report and the chart, prints the report (text, or its JSON
/// on `--output json`), and fails with exit code 2 when an audit finds a violation.
pub fn command(args: &SimulateArgs, output: Output) -> Result<()> {
    if let Some(spec) = &args.sweep {
        return sweep::command(args, spec, output);
    }
    let scenarios = load(args)?;
    let mut reports = Vec::with_capacity(scenarios.len());
    for scenario in &scenarios {
        let progress = progress_bar(scenario, output)?;
        let outcome = run::simulate(scenario, &progress, args.sigverify);
        progress.finish_and_clear();
        let outcome = outcome.with_context(|| format!("scenario {:?}", scenario.name))?;
        reports.push(Report::new(scenario, outcome));
    }
    let bench = Benchmark::new(reports);

    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("creating {}", args.out.display()))?;
    let json_path = args.out.join("report.json");
    let json = serde_json::to_string_pretty(&bench).context("encoding the report")?;
    write(&json_path, &json)?;
    let chart_path = args.out.join("chart.svg");
    write(&chart_path, &chart::svg(&bench))?;

    match output {
        Output::Json => println!("{json}"),
        Output::Text => {
            print!("{}", bench.text());
            println!(
                "report {} · chart {}",
                json_path.display(),
                chart_path.display()
            );
        }
    }
    for r in &bench.runs {
        if !r.economics_passed() {
            eprintln!(
                "warning: an economic check failed in scenario {:?} (see \"economics\")",
                r.scenario.name
            );
        }
    }
    let violations: usize = bench.runs.iter().map(|r| r.audit.violations()).sum();
    if violations > 0 {
        eprintln!("audit failed: {violations} invariant violation(s)");
        return Err(Exit(AUDIT_FAILED).into());
    }
    Ok(())
}

/// The text of a scenario given as a file or a built-in name, and its name for messages.
fn scenario_text(arg: &str) -> Result<(String, String)> {
    let path = Path::new(arg);
    if path.exists() {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading scenario {}", path.display()))?;
        return Ok((text, path.display().to_string()));
    }
    match scenario::builtin(arg) {
        Some(text) => Ok((text.to_string(), format!("the built-in {arg} scenario"))),
        None => bail!(
            "scenario {arg}: no such file, and not a built-in name ({})",
            scenario::DEFAULT_SCENARIOS
                .iter()
                .map(|(n, _)| *n)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// Parses a scenario and applies the command line's overrides (`--seed`, `--epochs`,
/// `--set`), without re-checking it.
fn parse_with_overrides(args: &SimulateArgs, text: &str, name: &str) -> Result<Scenario> {
    let mut scenario = Scenario::parse(text).with_context(|| format!("in {name}"))?;
    scenario.seed = args.seed.unwrap_or(scenario.seed);
    scenario.epochs = args.epochs.unwrap_or(scenario.epochs);
    for s in &args.set {
        let (k, v) = s
            .split_once('=')
            .with_context(|| format!("--set {s}: expected NAME=VALUE"))?;
        scenario
            .set(k.trim(), v.trim())
            .with_context(|| format!("--set {s}"))?;
    }
    Ok(scenario)
}

/// The scenarios to run (files, built-in names, or both regimes), with the command line's
/// overrides, checked.
fn load(args: &SimulateArgs) -> Result<Vec<Scenario>> {
    let texts: Vec<(String, String)> = if args.scenario.is_empty() {
        scenario::DEFAULT_SCENARIOS
            .iter()
            .map(|(n, t)| (t.to_string(), format!("the built-in {n} scenario")))
            .collect()
    } else {
        args.scenario
            .iter()
            .map(|a| scenario_text(a))
            .collect::<Result<_>>()?
    };
    texts
        .iter()
        .map(|(text, name)| {
            let s = parse_with_overrides(args, text, name)?;
            s.validate().with_context(|| format!("in {name}"))?;
            Ok(s)
        })
        .collect()
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
