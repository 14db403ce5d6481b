//! `spice simulate` end to end, through the built binary: the small scenarios of both regimes
//! must show the economics docs/ECONOMICS.md promises — every adversary loses money (below zero
//! for the pure self-dealers, below what the same work done honestly earns for everyone), stake
//! alone earns nothing, honest rewards follow verified paid value (correlation ≥ 0.99 after
//! dividing out the stake multiplier), ≥ 95 % of each epoch's emission reaches honest providers
//! or returns to the pool, and in the bootstrap region honest rewards are ≥ 2× their fees —
//! with the peers' rules computed on the same run, and a clean audit. The two-mint layout runs
//! too; a broken scenario fails before any transaction; a sweep reports the values the
//! program's bounds refuse.
//!
//! The audit draws come from the ledger's slot hashes, so which jobs are audited varies from
//! run to run. The small scenarios audit half of all submissions and clients check 80 % of
//! theirs: a faker escapes all of its ≥ 18 draws with probability under 4e-6, a cheater its 6
//! with probability 1e-6; one catch costs each more than all its uncaught fakes earn. Without
//! a catch an adversary's expected net still loses; its net as it happened would not.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn scenario(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join(name)
}

fn simulate(args: &[&str], out: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_spice"))
        .arg("simulate")
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

fn arr<'a>(v: &'a Value, key: &str) -> &'a Vec<Value> {
    v[key]
        .as_array()
        .unwrap_or_else(|| panic!("{key} is not an array in {v}"))
}

/// Runs `spice simulate ARGS --output json`; checks the run succeeded, that stdout is
/// report.json, that chart.svg was written and that every audit passed; returns the report.
fn run_json(args: &[&str]) -> Value {
    let out = tempfile::tempdir().expect("temp dir");
    let mut all = vec!["--output", "json"];
    all.extend_from_slice(args);
    let output = simulate(&all, out.path());
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
    for run in arr(&report, "runs") {
        for provider in arr(run, "providers") {
            let name = provider["name"].as_str().expect("name");
            assert!(chart.contains(name), "chart labels {name}");
        }
        let violations: u64 = arr(&run["audit"], "summary")
            .iter()
            .map(|s| u(s, "violations"))
            .sum();
        assert_eq!(violations, 0, "audit: {}", run["audit"]);
    }
    let timing = &report["timing"];
    assert!(f(timing, "wall_seconds") > 0.0 && f(timing, "lifecycles_per_second") > 0.0);
    assert!(u(timing, "job_lifecycles") > 0);
    report
}

/// The one run of a single-scenario report.
fn only_run(report: &Value) -> &Value {
    let runs = arr(report, "runs");
    assert_eq!(runs.len(), 1);
    &runs[0]
}

fn actors_of<'a>(run: &'a Value, kind: &str) -> Vec<&'a Value> {
    let found: Vec<&Value> = arr(run, "actors")
        .iter()
        .filter(|a| a["kind"] == kind)
        .collect();
    assert!(!found.is_empty(), "the scenario has a {kind} actor");
    found
}

fn rule<'a>(run: &'a Value, name: &str) -> &'a Value {
    arr(run, "rules")
        .iter()
        .find(|r| r["rule"] == name)
        .unwrap_or_else(|| panic!("rule {name} in the report"))
}

const SELF_DEALERS: [&str; 7] = [
    "wash",
    "over_pricer",
    "dust",
    "faker",
    "useless_work",
    "fake_burst",
    "colluder",
];

/// The Done-when of the rewards issues, on one run's report.
fn assert_every_adversary_loses(run: &Value) {
    let name = run["scenario"]["name"].clone();
    for kind in SELF_DEALERS {
        for a in actors_of(run, kind) {
            let (net, expected, cf) = (f(a, "net"), f(a, "expected_net"), f(a, "counterfactual"));
            assert!(
                u(a, "jobs") > 0,
                "{name}: the {kind} dealt with itself: {a}"
            );
            assert!(net < 0.0, "{name}: {kind} loses money: {a}");
            assert!(
                expected < 0.0,
                "{name}: {kind} loses money in expectation: {a}"
            );
            assert!(net < cf, "{name}: {kind} earns less than honest work: {a}");
        }
    }
    for kind in ["cheater", "unbonding_cheater"] {
        for a in actors_of(run, kind) {
            assert!(
                u(a, "fraud") > 0 && f(a, "slashed") > 0.0,
                "{name}: caught: {a}"
            );
            assert!(f(a, "net") < 0.0, "{name}: {kind} loses money: {a}");
            assert!(
                f(a, "expected_net") < 0.0,
                "{name}: {kind} loses in expectation: {a}"
            );
            assert!(f(a, "net") < f(a, "counterfactual"), "{name}: {a}");
        }
    }
    for a in actors_of(run, "unbonding_cheater") {
        // It unbonded all it could when caught; the verdict's slash landed all the same.
        assert!(u(a, "unbonded") > 0, "{name}: unbonded when caught: {a}");
    }
    for a in actors_of(run, "colluder") {
        // Its colluding attestor voted Valid first; the honest majority decided every audit.
        assert_eq!(u(a, "fraud"), u(a, "audited"), "{name}: {a}");
    }
    for kind in ["stake_timer", "sybil"] {
        for a in actors_of(run, kind) {
            assert!(u(a, "settled") > 0, "{name}: the {kind} worked: {a}");
            assert!(
                f(a, "net") < f(a, "counterfactual"),
                "{name}: {kind} gains nothing over honest work with its whole stake: {a}"
            );
            assert!(
                f(a, "multiplier") < f(a, "counterfactual_multiplier"),
                "{name}: {kind} scored below its whole stake's multiplier: {a}"
            );
        }
    }
    for a in actors_of(run, "stake_only") {
        assert_eq!(
            f(a, "rewards"),
            0.0,
            "{name}: stake alone earns nothing: {a}"
        );
    }
    for a in actors_of(run, "honest") {
        assert!(f(a, "rewards") > 0.0 && f(a, "net") > 0.0, "{name}: {a}");
        assert_eq!(f(a, "slashed"), 0.0);
    }
}

/// Rewards follow verified paid value, emission reaches honest providers or the pool, and the
/// peers' rules are there, on the same run.
fn assert_rules(run: &Value) {
    let name = run["scenario"]["name"].clone();
    let spice = rule(run, "spice");
    assert!(
        f(spice, "correlation") >= 0.99,
        "{name}: correlation of reward ÷ m with verified paid value: {spice}"
    );
    let epochs = arr(spice, "epochs");
    assert_eq!(epochs.len() as u64, u(&run["scenario"], "epochs"));
    for e in epochs {
        assert!(
            f(e, "honest_or_returned") >= 0.95,
            "{name}: ≥ 95 % of each epoch's emission to honest providers or the pool: {e}"
        );
        assert_eq!(
            u(e, "to_honest") + u(e, "to_adversaries") + u(e, "returned"),
            u(e, "emission"),
            "{name}: the split adds up: {e}"
        );
    }
    assert!(
        u(spice, "formula_gap") <= 2,
        "{name}: the rule as the simulator computes it is the program's: {spice}"
    );
    // The peers on the same run: stake-proportional and availability rules pay idle stake.
    for peer in ["stake", "ionet"] {
        let r = rule(run, peer);
        let idle = arr(r, "adversaries")
            .iter()
            .find(|a| a["kind"] == "stake_only")
            .expect("idle staker");
        assert!(
            f(idle, "reward") > 0.0,
            "{name}: {peer} pays idle stake: {idle}"
        );
    }
    assert_eq!(
        rule(run, "render")["epochs"].as_array().map(Vec::len),
        Some(epochs.len())
    );
}

#[test]
fn small_fee_rich_scenario_keeps_the_economics() {
    let report = run_json(&["--scenario", scenario("small.toml").to_str().expect("path")]);
    let run = only_run(&report);
    assert_eq!(run["regime"]["region"], "fee-covered");
    assert_every_adversary_loses(run);
    assert_rules(run);

    for p in arr(run, "providers")
        .iter()
        .filter(|p| p["kind"] == "honest")
    {
        assert_eq!(
            u(p, "verified_units"),
            u(p, "claimed_units"),
            "honest work is all paid: {p}"
        );
    }
    for a in actors_of(run, "lazy") {
        let account = arr(run, "providers")
            .iter()
            .find(|p| p["name"] == a["name"])
            .expect("its account");
        assert!(
            u(account, "jobs_failed") > 0,
            "the lazy provider misses deadlines"
        );
        assert_eq!(f(a, "slashed"), 0.0, "a missed deadline is not slashed");
    }
    // Below the fee, a self-dealer's rewards never reach the fees it paid.
    for kind in SELF_DEALERS {
        for a in actors_of(run, kind) {
            // (A faker caught on every job paid no fee and earned nothing.)
            assert!(
                f(a, "rewards") < f(a, "fees") || f(a, "rewards") == 0.0,
                "{a}"
            );
        }
    }
    for c in arr(run, "economics") {
        assert_eq!(c["passed"], true, "economic check failed: {c}");
    }

    // Every posted job ended (settled, fraud or expired), and the totals add up.
    let totals = &run["totals"];
    let jobs = &totals["jobs"];
    assert_eq!(u(totals, "job_lifecycles"), u(jobs, "posted"));
    assert!(u(jobs, "fraud") > 0 && u(totals, "jobs_expired") > 0);
    let providers = arr(run, "providers");
    let rewards: u64 = providers.iter().map(|p| u(p, "rewards")).sum();
    assert_eq!(rewards, u(totals, "rewards_claimed"));
    assert!(u(totals, "rewards_claimed") <= u(totals, "emission_allocated"));
    let mut value = 0;
    for e in arr(run, "epochs") {
        // What finalization allocates: min(emission, total score × reward rate cap).
        assert!(u(e, "claimed") <= u(e, "allocated"), "{e}");
        assert!(u(e, "allocated") <= u(e, "emission"), "{e}");
        assert!(u(e, "emission") <= u(e, "curve_emission"), "{e}");
        value += u(e, "total_value");
    }
    let values: u64 = providers.iter().map(|p| u(p, "value")).sum();
    assert_eq!(value, values, "the epochs' value is the providers' value");
    assert!(
        run["notes"].as_array().is_none_or(|n| n
            .iter()
            .all(|n| !n.as_str().unwrap_or("").contains("differ"))),
        "the simulator's records match the chain: {}",
        run["notes"]
    );
}

#[test]
fn small_emission_rich_scenario_pays_honest_work_well_and_no_adversary() {
    let report = run_json(&[
        "--scenario",
        scenario("small-emission-rich.toml").to_str().expect("path"),
    ]);
    let run = only_run(&report);
    assert_eq!(run["regime"]["region"], "bootstrap");
    assert!(
        f(&run["regime"], "emission_per_fee") > 10.0,
        "emission ≫ fees"
    );
    assert_every_adversary_loses(run);
    assert_rules(run);
    let spice = rule(run, "spice");
    assert!(
        f(spice, "honest_reward_per_fee") >= 2.0,
        "honest rewards ≥ 2× their fees on average: {spice}"
    );
    for a in actors_of(run, "honest") {
        assert!(
            f(a, "rewards") > f(a, "fees"),
            "every honest provider's rewards exceed its fees: {a}"
        );
    }
    // The over-pricer's gross counted at the reference price only.
    for a in actors_of(run, "over_pricer") {
        assert!(u(a, "gross") > u(a, "value"), "{a}");
    }
    // Render's rule (uncapped value of approved jobs) pays a self-dealer on the same run.
    let render = rule(run, "render");
    assert!(
        arr(render, "adversaries")
            .iter()
            .any(|a| SELF_DEALERS.contains(&a["kind"].as_str().unwrap_or(""))
                && f(a, "profit") > 0.0),
        "some self-dealer profits under Render's rule: {render}"
    );
    for c in arr(run, "economics") {
        assert_eq!(c["passed"], true, "economic check failed: {c}");
    }
}

#[test]
fn the_default_run_is_both_regimes() {
    let report = run_json(&["--epochs", "1"]);
    let runs = arr(&report, "runs");
    let names: Vec<&str> = runs
        .iter()
        .map(|r| r["scenario"]["name"].as_str().expect("name"))
        .collect();
    assert_eq!(names, ["fee-rich", "emission-rich"]);
    assert_eq!(runs[0]["regime"]["region"], "fee-covered");
    assert_eq!(runs[1]["regime"]["region"], "bootstrap");
    for r in runs {
        assert_eq!(arr(r, "rules").len(), 4);
        assert_eq!(u(&r["scenario"], "epochs"), 1);
    }
}

#[test]
fn two_mint_network_runs_and_audits_clean() {
    let text = std::fs::read_to_string(scenario("small.toml")).expect("small.toml");
    let text = text.replace("mints = \"single\"", "mints = \"two\"");
    assert!(text.contains("mints = \"two\""));
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("two.toml");
    std::fs::write(&path, text).expect("write scenario");
    let report = run_json(&["--scenario", path.to_str().expect("path"), "--epochs", "1"]);
    let run = only_run(&report);
    assert_eq!(run["network"]["mints"], "two");
    assert_ne!(run["network"]["payment_mint"], run["network"]["stake_mint"]);
    assert_eq!(arr(run, "epochs").len(), 1);
    for a in actors_of(run, "wash") {
        assert!(f(a, "rewards") < f(a, "fees") && f(a, "net") < 0.0, "{a}");
    }
}

#[test]
fn a_broken_scenario_fails_with_its_reason() {
    let text = std::fs::read_to_string(scenario("small.toml")).expect("small.toml");
    let text = text.replacen("stake = 3_000_000_000", "stake = 10", 1);
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("broken.toml");
    std::fs::write(&path, text).expect("write scenario");
    let out = dir.path().join("out");
    let output = simulate(&["--scenario", path.to_str().expect("path")], &out);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("under min_stake"), "{stderr}");
    assert!(!out.exists(), "nothing written");
}

#[test]
fn a_sweep_charts_each_adversary_and_reports_refusals() {
    let out = tempfile::tempdir().expect("temp dir");
    // I2 at a = 50 %: λ ≤ a·σ(1−c) / ((1−a)(r·M − f)) = 142.9 %; 200 % is refused.
    let output = simulate(
        &[
            "--scenario",
            scenario("small-emission-rich.toml").to_str().expect("path"),
            "--epochs",
            "1",
            "--sweep",
            "max_exposure_bps=4761,20000",
            "--output",
            "json",
        ],
        out.path(),
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let sweep: Value = serde_json::from_slice(&output.stdout).expect("the sweep JSON");
    let file = std::fs::read_to_string(out.path().join("sweep-max_exposure_bps.json"))
        .expect("sweep json");
    assert_eq!(sweep, serde_json::from_str::<Value>(&file).expect("json"));
    let points = arr(&sweep, "points");
    assert_eq!(points.len(), 2);
    assert!(points[0]["refused"].is_null());
    assert_eq!(points[1]["refused"], "max_exposure_bps", "{}", points[1]);
    let adversaries = arr(&points[0], "adversaries");
    assert!(adversaries.len() >= 12, "every adversary at each value");
    // The fakers' boundary the docs state: I2, at 142.9 % of stake.
    let burst = arr(&sweep, "boundaries")
        .iter()
        .find(|b| b["kind"] == "fake_burst")
        .expect("fake burst's boundary");
    let at = f(burst, "at");
    assert!((14_200.0..14_350.0).contains(&at), "{burst}");
    let svg = std::fs::read_to_string(out.path().join("sweep-max_exposure_bps.svg")).expect("svg");
    assert!(svg.starts_with("<svg") && svg.contains("refused"));
    for a in adversaries {
        assert!(svg.contains(a["name"].as_str().expect("name")));
    }
}
