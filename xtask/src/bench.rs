//! `cargo run -p xtask -- bench`: how fast the local runtime runs the program, in the debug
//! build CI and developers use.
//!
//! - job lifecycles per second of one `spice simulate` scenario (the default one unless
//!   `--scenario`), side by side: the runtime with signature verification off (the simulator's
//!   default and the tests'), with it on (the CLI's ledger file), and, given `--old <spice>`, an
//!   older `spice` binary on the same scenario (e.g. one built from a commit before the runtime
//!   moved to LiteSVM: solana-program-test); each the median of `--runs` runs; the ratios;
//! - the wall time of the program test binary (`cargo test -p spice-tests --test program`, built
//!   first, then timed alone), and with `--old-tests <binary>` an older one's;
//! - with `--workspace`, the wall time of `cargo test --workspace` (warm: run it once before).
//!
//! The old path itself (solana-program-test) is no longer a dependency of the workspace: it would
//! add a second runtime to every build. Compare against an old build's binaries instead.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{bail, Context, Result};
use serde_json::Value;

const USAGE: &str = "\
usage: cargo run -p xtask -- bench [options]

  --scenario FILE     spice simulate scenario (default: the built-in default scenario)
  --runs N            simulate runs per runtime; the median counts (default 3)
  --old PATH          an older `spice` binary to run the same scenario with
  --old-tests PATH    an older program test binary to time beside the current one
  --no-tests          skip the program test binary
  --workspace         also time `cargo test --workspace` (run it once before: warm)";

/// What `bench` was asked to do.
#[derive(Debug, Default)]
pub struct BenchArgs {
    pub scenario: Option<PathBuf>,
    pub runs: usize,
    pub old: Option<PathBuf>,
    pub old_tests: Option<PathBuf>,
    pub tests: bool,
    pub workspace: bool,
}

impl BenchArgs {
    pub fn parse(args: &[&str]) -> Result<Self> {
        let mut out = BenchArgs {
            runs: 3,
            tests: true,
            ..Default::default()
        };
        let mut it = args.iter();
        while let Some(arg) = it.next() {
            let mut value = || {
                it.next()
                    .map(|v| v.to_string())
                    .with_context(|| format!("{arg} needs a value\n\n{USAGE}"))
            };
            match *arg {
                "--scenario" => out.scenario = Some(value()?.into()),
                "--runs" => {
                    out.runs = value()?.parse().context("--runs")?;
                    if out.runs == 0 {
                        bail!("--runs must be at least 1");
                    }
                }
                "--old" => out.old = Some(value()?.into()),
                "--old-tests" => out.old_tests = Some(value()?.into()),
                "--no-tests" => out.tests = false,
                "--workspace" => out.workspace = true,
                "-h" | "--help" => bail!("{USAGE}"),
                other => bail!("unknown option {other}\n\n{USAGE}"),
            }
        }
        Ok(out)
    }
}

/// One simulate run's figures (from its JSON report).
#[derive(Clone, Copy, Debug)]
struct SimRun {
    lifecycles: u64,
    lifecycles_per_second: f64,
    transactions_per_second: f64,
    wall_seconds: f64,
}

/// A row of the simulate table: a runtime and its median run.
struct Row {
    name: String,
    median: SimRun,
    runs: Vec<f64>,
}

/// A cargo command on the main target dir, without the variables `cargo run` set for this
/// process (`CARGO_MANIFEST_DIR`, `CARGO_PKG_*`, ...): build scripts that track them (ring's)
/// would otherwise rebuild, and rebuild again at the next plain `cargo build`.
fn cargo() -> Command {
    let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    for (name, _) in std::env::vars_os() {
        let Some(name) = name.to_str() else { continue };
        if name.starts_with("CARGO_PKG_")
            || matches!(
                name,
                "CARGO_MANIFEST_DIR"
                    | "CARGO_MANIFEST_PATH"
                    | "CARGO_MANIFEST_LINKS"
                    | "CARGO_CRATE_NAME"
                    | "CARGO_BIN_NAME"
                    | "CARGO_PRIMARY_PACKAGE"
            )
        {
            cmd.env_remove(name);
        }
    }
    cmd
}

/// Builds with `cargo <args> --message-format=json` and returns the executable of the target
/// named `target`.
fn build_executable(root: &Path, args: &[&str], target: &str) -> Result<PathBuf> {
    let out = cargo()
        .current_dir(root)
        .args(args)
        .arg("--message-format=json-render-diagnostics")
        .stderr(Stdio::inherit())
        .output()
        .with_context(|| format!("running cargo {}", args.join(" ")))?;
    if !out.status.success() {
        bail!("cargo {} failed", args.join(" "));
    }
    let mut found = None;
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let Ok(msg) = serde_json::from_str::<Value>(line) else {
            continue;
        };
        if msg["reason"] == "compiler-artifact" && msg["target"]["name"] == target {
            if let Some(exe) = msg["executable"].as_str() {
                found = Some(PathBuf::from(exe));
            }
        }
    }
    found.with_context(|| format!("cargo {} built no executable {target}", args.join(" ")))
}

fn simulate_once(
    spice: &Path,
    scenario: Option<&Path>,
    sigverify: bool,
    out: &Path,
) -> Result<SimRun> {
    let mut cmd = Command::new(spice);
    cmd.args(["simulate", "--output", "json", "--out"]).arg(out);
    if let Some(s) = scenario {
        cmd.arg("--scenario").arg(s);
    }
    if sigverify {
        cmd.arg("--sigverify");
    }
    let output = cmd
        .stderr(Stdio::inherit())
        .output()
        .with_context(|| format!("running {}", spice.display()))?;
    if !output.status.success() {
        bail!("{} simulate exited with {}", spice.display(), output.status);
    }
    let report: Value = serde_json::from_slice(&output.stdout)
        .with_context(|| format!("{} simulate printed no JSON report", spice.display()))?;
    let t = &report["timing"];
    Ok(SimRun {
        lifecycles: t["job_lifecycles"]
            .as_u64()
            .context("timing.job_lifecycles")?,
        lifecycles_per_second: t["lifecycles_per_second"]
            .as_f64()
            .context("timing.lifecycles_per_second")?,
        transactions_per_second: t["transactions_per_second"].as_f64().unwrap_or(0.0),
        wall_seconds: t["wall_seconds"].as_f64().unwrap_or(0.0),
    })
}

fn simulate_row(
    name: &str,
    spice: &Path,
    args: &BenchArgs,
    sigverify: bool,
    out: &Path,
) -> Result<Row> {
    let mut runs = Vec::new();
    for i in 0..args.runs {
        eprintln!("bench: {name}, run {} of {}", i + 1, args.runs);
        runs.push(simulate_once(
            spice,
            args.scenario.as_deref(),
            sigverify,
            out,
        )?);
    }
    runs.sort_by(|a, b| a.lifecycles_per_second.total_cmp(&b.lifecycles_per_second));
    let median = runs[runs.len() / 2];
    Ok(Row {
        name: name.to_string(),
        median,
        runs: runs.iter().map(|r| r.lifecycles_per_second).collect(),
    })
}

/// Runs a test binary (cwd: the tests crate, as cargo does); its wall time and summary line.
fn time_tests(binary: &Path, cwd: &Path) -> Result<(f64, String)> {
    eprintln!("bench: timing {}", binary.display());
    let start = Instant::now();
    let output = Command::new(binary)
        .current_dir(cwd)
        .output()
        .with_context(|| format!("running {}", binary.display()))?;
    let secs = start.elapsed().as_secs_f64();
    let text = String::from_utf8_lossy(&output.stdout);
    let summary = text
        .lines()
        .rev()
        .find(|l| l.starts_with("test result:"))
        .unwrap_or("no summary")
        .trim_start_matches("test result: ")
        .to_string();
    if !output.status.success() {
        bail!("{} failed: {summary}", binary.display());
    }
    Ok((secs, summary))
}

/// The bench task; prints the tables.
pub fn bench(root: &Path, args: &BenchArgs) -> Result<()> {
    eprintln!("bench: building the spice binary and the program tests (debug)");
    let spice = build_executable(
        root,
        &["build", "-p", "spice-cli", "--bin", "spice"],
        "spice",
    )?;
    let tests = if args.tests {
        Some(build_executable(
            root,
            &["test", "-p", "spice-tests", "--test", "program", "--no-run"],
            "program",
        )?)
    } else {
        None
    };
    let out = std::env::temp_dir().join(format!("spice-bench-{}", std::process::id()));

    let mut rows = vec![
        simulate_row(
            "LiteSVM, signatures not verified",
            &spice,
            args,
            false,
            &out,
        )?,
        simulate_row("LiteSVM, signatures verified", &spice, args, true, &out)?,
    ];
    if let Some(old) = &args.old {
        rows.push(simulate_row(
            &format!("old: {}", old.display()),
            old,
            args,
            false,
            &out,
        )?);
    }
    let _ = std::fs::remove_dir_all(&out);

    let mut test_rows = Vec::new();
    if let Some(binary) = &tests {
        let (secs, summary) = time_tests(binary, &root.join("tests"))?;
        test_rows.push(("program tests, this checkout".to_string(), secs, summary));
    }
    if let Some(old) = &args.old_tests {
        let (secs, summary) = time_tests(old, &root.join("tests"))?;
        test_rows.push((
            format!("program tests, old: {}", old.display()),
            secs,
            summary,
        ));
    }
    let workspace = if args.workspace {
        eprintln!("bench: timing cargo test --workspace");
        let start = Instant::now();
        let status = cargo()
            .current_dir(root)
            .args(["test", "--workspace"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .context("running cargo test --workspace")?;
        Some((start.elapsed().as_secs_f64(), status.success()))
    } else {
        None
    };

    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let scenario = args
        .scenario
        .as_ref()
        .map_or("the default scenario".to_string(), |p| {
            p.display().to_string()
        });
    println!(
        "\nspice simulate, {scenario}: {} job lifecycles, median of {} run(s), debug build, {cores} cores\n",
        rows[0].median.lifecycles, args.runs
    );
    println!(
        "{:<44} {:>13} {:>8} {:>8}  runs (lifecycles/s)",
        "runtime", "lifecycles/s", "tx/s", "wall s"
    );
    for r in &rows {
        let runs: Vec<String> = r.runs.iter().map(|v| format!("{v:.1}")).collect();
        println!(
            "{:<44} {:>13.1} {:>8.0} {:>8.2}  {}",
            r.name,
            r.median.lifecycles_per_second,
            r.median.transactions_per_second,
            r.median.wall_seconds,
            runs.join(" ")
        );
    }
    let base = rows[0].median.lifecycles_per_second;
    println!();
    println!(
        "signature verification costs {:.2}x (not verified / verified)",
        base / rows[1].median.lifecycles_per_second.max(f64::MIN_POSITIVE)
    );
    if let Some(old) = rows.get(2) {
        println!(
            "this runtime / old: {:.1}x not verified, {:.1}x verified",
            base / old.median.lifecycles_per_second.max(f64::MIN_POSITIVE),
            rows[1].median.lifecycles_per_second
                / old.median.lifecycles_per_second.max(f64::MIN_POSITIVE)
        );
    }
    if !test_rows.is_empty() {
        println!("\n{:<44} {:>8}  result", "test binary (debug)", "wall s");
        for (name, secs, summary) in &test_rows {
            println!("{name:<44} {secs:>8.1}  {summary}");
        }
        if test_rows.len() == 2 {
            println!(
                "this checkout / old: {:.1}x faster",
                test_rows[1].1 / test_rows[0].1.max(f64::MIN_POSITIVE)
            );
        }
    }
    if let Some((secs, ok)) = workspace {
        println!(
            "\ncargo test --workspace: {secs:.1} s wall ({})",
            if ok { "passed" } else { "FAILED" }
        );
        if !ok {
            bail!("cargo test --workspace failed");
        }
    }
    Ok(())
}
