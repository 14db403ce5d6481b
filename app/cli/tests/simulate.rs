//! `spice simulate` end to end, through the built binary: the small scenario's report must
//! show the economics DESIGN.md promises (stake alone earns nothing, wash trading loses,
//! cheaters are caught, slashed and out-earned, rewards follow verified work) and a clean
//! audit; the two-mint layout runs too; a broken scenario fails before any transaction.
//!
//! The audit draws come from the ledger's slot hashes, so which jobs are audited varies from
//! run to run. The small scenario audits half of all submissions and gives the cheater about
//! a third of the jobs: it goes unaudited through all of them with probability under 1e-4.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn scenario(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join(name)
}

fn simulate(args: &[&str], scenario: &Path, out: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_spice"))
        .arg("simulate")
        .arg("--scenario")
        .arg(scenario)
        .arg("--out")
        .arg(out)
        .args(args)
        .output()
        .expect("the spice binary runs")
}

fn u(v: &Value, key: &str) -> u64 {
    v[key]
        .as_u64()
        .unwrap_or_else(|| panic!("{key} is not a u64 in {v}"))
}

fn f(v: &Value, key: &str) -> f64 {
    v[key]
        .as_f64()
        .unwrap_or_else(|| panic!("{key} is not a number in {v}"))
}

fn i(v: &Value, key: &str) -> i64 {
    v[key]
        .as_i64()
        .unwrap_or_else(|| panic!("{key} is not an i64 in {v}"))
}

/// Runs a scenario with `--output json`; checks the run succeeded, that stdout is report.json,
/// that chart.svg was written and that the audit passed; returns the report.
fn run_json(scenario: &Path, extra: &[&str]) -> Value {
    let out = tempfile::tempdir().expect("temp dir");
    let mut args = vec!["--output", "json"];
    args.extend_from_slice(extra);
    let output = simulate(&args, scenario, out.path());
    assert!(
        output.status.success(),
        "spice simulate failed ({}):\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout: Value = serde_json::from_slice(&output.stdout).expect("the report JSON on stdout");
    let file = std::fs::read_to_string(out.path().join("report.json")).expect("report.json");
    let report: Value = serde_json::from_str(&file).expect("report.json is JSON");
    assert_eq!(stdout, report, "stdout and report.json differ");

    let chart = std::fs::read_to_string(out.path().join("chart.svg")).expect("chart.svg");
    assert!(chart.starts_with("<svg") && chart.trim_end().ends_with("</svg>"));
    for provider in report["providers"].as_array().expect("providers") {
        let name = provider["name"].as_str().expect("name");
        assert!(chart.contains(name), "chart labels {name}");
    }

    let summary = report["audit"]["summary"]
        .as_array()
        .expect("audit summary");
    let violations: u64 = summary.iter().map(|s| u(s, "violations")).sum();
    assert_eq!(violations, 0, "audit: {}", report["audit"]);
    report
}

fn providers_of<'a>(report: &'a Value, kind: &str) -> Vec<&'a Value> {
    let found: Vec<&Value> = report["providers"]
        .as_array()
        .expect("providers")
        .iter()
        .filter(|p| p["kind"] == kind)
        .collect();
    assert!(!found.is_empty(), "the scenario has a {kind} provider");
    found
}

#[test]
fn small_scenario_keeps_the_protocols_economics() {
    let report = run_json(&scenario("small.toml"), &[]);

    for p in providers_of(&report, "stake_only") {
        assert_eq!(u(p, "rewards"), 0, "stake alone earns nothing: {p}");
        assert_eq!(u(p, "verified_units"), 0);
        assert!(u(p, "stake_initial") > 0);
    }

    for p in providers_of(&report, "wash") {
        let (rewards, fees) = (u(p, "rewards"), u(p, "fees_paid"));
        assert!(fees > 0, "the wash trader paid fees: {p}");
        assert!(
            rewards < fees,
            "wash trading loses: rewards {rewards} < fees {fees}"
        );
        // It pays itself the gross and gets it back less the fee: net = rewards − fees.
        assert_eq!(
            i(p, "net"),
            i64::try_from(rewards).expect("fits") - i64::try_from(fees).expect("fits")
        );
    }

    for p in providers_of(&report, "cheater") {
        assert!(u(p, "slashed") > 0, "the cheater is slashed: {p}");
        assert!(u(p, "jobs_fraudulent") > 0);
        assert!(
            f(p, "reward_share") < f(p, "claimed_work_share"),
            "the cheater's reward share is below the work it claimed: {p}"
        );
        assert!(
            u(p, "verified_units") < u(p, "claimed_units"),
            "some claimed work was refused: {p}"
        );
        assert!(i(p, "net") < 0, "cheating loses overall: {p}");
    }

    for p in providers_of(&report, "honest") {
        assert!(u(p, "verified_units") > 0 && u(p, "rewards") > 0, "{p}");
        assert_eq!(
            u(p, "verified_units"),
            u(p, "claimed_units"),
            "honest work is all paid"
        );
        assert_eq!(u(p, "slashed"), 0);
        let ratio = f(p, "reward_share") / f(p, "verified_work_share");
        assert!(
            (0.5..=2.0).contains(&ratio),
            "rewards follow verified work (×{ratio:.2}): {p}"
        );
    }

    for p in providers_of(&report, "lazy") {
        assert!(
            u(p, "jobs_failed") > 0,
            "the lazy provider misses deadlines: {p}"
        );
        assert_eq!(u(p, "slashed"), 0, "a missed deadline is not slashed");
    }

    let checks = report["economics"].as_array().expect("economics");
    assert!(!checks.is_empty());
    for c in checks {
        assert_eq!(c["passed"], true, "economic check failed: {c}");
    }

    // Every posted job ended (settled, fraud or expired), and the totals add up.
    let totals = &report["totals"];
    let jobs = &totals["jobs"];
    assert_eq!(u(totals, "job_lifecycles"), u(jobs, "posted"));
    assert!(u(jobs, "fraud") > 0 && u(totals, "jobs_expired") > 0);
    let providers = report["providers"].as_array().expect("providers");
    let rewards: u64 = providers.iter().map(|p| u(p, "rewards")).sum();
    assert_eq!(rewards, u(totals, "rewards_claimed"));
    assert!(u(totals, "rewards_claimed") <= u(totals, "emission_allocated"));
    let epochs = report["epochs"].as_array().expect("epochs");
    assert_eq!(epochs.len() as u64, u(&report["scenario"], "epochs"));
    let mut value = 0;
    for e in epochs {
        // What finalization allocates: min(emission, total score × reward rate cap).
        assert!(u(e, "claimed") <= u(e, "allocated"), "{e}");
        assert!(u(e, "allocated") <= u(e, "emission"), "{e}");
        assert!(u(e, "emission") <= u(e, "curve_emission"), "{e}");
        value += u(e, "total_value");
    }
    let values: u64 = providers.iter().map(|p| u(p, "value")).sum();
    assert_eq!(value, values, "the epochs' value is the providers' value");

    let timing = &report["timing"];
    assert!(f(timing, "wall_seconds") > 0.0);
    assert!(f(timing, "lifecycles_per_second") > 0.0);
}

#[test]
fn two_mint_network_runs_and_audits_clean() {
    let text = std::fs::read_to_string(scenario("small.toml")).expect("small.toml");
    let text = text.replace("mints = \"single\"", "mints = \"two\"");
    assert!(text.contains("mints = \"two\""));
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("two.toml");
    std::fs::write(&path, text).expect("write scenario");
    let report = run_json(&path, &["--epochs", "1"]);
    assert_eq!(report["network"]["mints"], "two");
    assert_ne!(
        report["network"]["payment_mint"],
        report["network"]["stake_mint"]
    );
    assert_eq!(report["epochs"].as_array().expect("epochs").len(), 1);
    for p in providers_of(&report, "wash") {
        assert!(u(p, "rewards") < u(p, "fees_paid"), "{p}");
    }
}

#[test]
fn a_broken_scenario_fails_with_its_reason() {
    let text = std::fs::read_to_string(scenario("small.toml")).expect("small.toml");
    let text = text.replace("stake = 3_000_000_000", "stake = 10");
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("broken.toml");
    std::fs::write(&path, text).expect("write scenario");
    let output = simulate(&[], &path, &dir.path().join("out"));
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("mirage") && stderr.contains("under min_stake"),
        "{stderr}"
    );
    assert!(!dir.path().join("out").exists(), "nothing written");
}
