//! `spice simulate --sweep PARAM=a,b,c`: the scenario rerun once per value of one parameter,
//! each adversary's profit (expected over the audit draw, and as it happened) charted against
//! it, with the boundary docs/ECONOMICS.md's inequality predicts for each adversary. A value the
//! program's bounds refuse (`create_network` fails with `ParameterOutOfBounds`) is reported as
//! refused, not as a failure: in the bootstrap region the program refuses exactly the values
//! past the fakers' boundary (I2) and the useless-work dealers' at κ (I1).

use anyhow::{bail, ensure, Context as _, Result};
use serde::Serialize;
use spice::state::NetworkParams;

use super::report::{self, signed, table, Report};
use super::scenario::{ProviderKind, ProviderSpec, Scenario};
use super::world::Refused;
use super::{chart, parse_with_overrides, progress_bar, run, scenario_text, write, SimulateArgs};
use crate::context::Output;

/// One adversary at one value.
#[derive(Clone, Debug, Serialize)]
pub struct SweepActor {
    pub name: String,
    pub kind: ProviderKind,
    pub net: f64,
    pub expected_net: f64,
    pub counterfactual: f64,
}

/// One value of the parameter.
#[derive(Clone, Debug, Serialize)]
pub struct SweepPoint {
    pub value: String,
    pub x: f64,
    /// `Some(parameter)` when the program refused the network.
    pub refused: Option<String>,
    pub adversaries: Vec<SweepActor>,
    pub honest_reward_per_fee: f64,
    pub honest_share_min: f64,
    pub correlation: f64,
    pub audit_passed: bool,
    pub wall_seconds: f64,
}

/// Where docs/ECONOMICS.md's inequality puts an adversary's break-even along the parameter.
#[derive(Clone, Debug, Serialize)]
pub struct Boundary {
    pub name: String,
    pub kind: ProviderKind,
    /// The inequality, in words.
    pub inequality: String,
    /// The parameter value where it turns profitable (interpolated), if within the swept range.
    pub at: Option<f64>,
    /// Whether it profits below (`true`) or above that value.
    pub profitable_below: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct Sweep {
    pub scenario: String,
    pub param: String,
    pub points: Vec<SweepPoint>,
    pub boundaries: Vec<Boundary>,
}

pub fn command(args: &SimulateArgs, spec: &str, output: Output) -> Result<()> {
    let (param, values) = spec
        .split_once('=')
        .context("--sweep: expected NAME=a,b,c")?;
    let param = param.trim().to_string();
    let values: Vec<String> = values
        .split(',')
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
        .collect();
    ensure!(!values.is_empty(), "--sweep {param}: no values");
    ensure!(
        args.scenario.len() <= 1,
        "--sweep reruns one scenario: give at most one --scenario"
    );
    let arg = args
        .scenario
        .first()
        .cloned()
        .unwrap_or_else(|| "emission-rich".into());
    let (scenario_toml, name) = scenario_text(&arg)?;
    let base = parse_with_overrides(args, &scenario_toml, &name)?;
    base.validate_setup()
        .with_context(|| format!("in {name}"))?;

    let mut points = Vec::new();
    for value in &values {
        let mut s = base.clone();
        s.set(&param, value)
            .with_context(|| format!("--sweep {param}={value}"))?;
        let x: f64 = value
            .replace('_', "")
            .parse()
            .with_context(|| format!("--sweep {param}: {value:?} is not a number"))?;
        s.validate_setup()
            .with_context(|| format!("--sweep {param}={value}"))?;
        let progress = progress_bar(&s, output)?;
        progress.set_message(format!("{param} = {value}"));
        let outcome = run::simulate(&s, &progress, args.sigverify);
        progress.finish_and_clear();
        let point = match outcome {
            Ok(o) => {
                let r = Report::new(&s, o);
                point_of(value, x, &r)
            }
            Err(e) => match e.downcast_ref::<Refused>() {
                Some(Refused(what)) => SweepPoint {
                    value: value.clone(),
                    x,
                    refused: Some(what.clone()),
                    adversaries: Vec::new(),
                    honest_reward_per_fee: 0.0,
                    honest_share_min: 0.0,
                    correlation: 0.0,
                    audit_passed: true,
                    wall_seconds: 0.0,
                },
                None => return Err(e.context(format!("--sweep {param}={value}"))),
            },
        };
        points.push(point);
    }
    let boundaries = boundaries(&base, &param, &points)?;
    let sweep = Sweep {
        scenario: base.name.clone(),
        param: param.clone(),
        points,
        boundaries,
    };

    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("creating {}", args.out.display()))?;
    let json_path = args.out.join(format!("sweep-{param}.json"));
    let json = serde_json::to_string_pretty(&sweep).context("encoding the sweep")?;
    write(&json_path, &json)?;
    let svg_path = args.out.join(format!("sweep-{param}.svg"));
    write(&svg_path, &chart::sweep_svg(&sweep))?;
    match output {
        Output::Json => println!("{json}"),
        Output::Text => {
            print!("{}", text(&sweep));
            println!(
                "sweep {} · chart {}",
                json_path.display(),
                svg_path.display()
            );
        }
    }
    if sweep.points.iter().any(|p| !p.audit_passed) {
        bail!(
            "an audit failed during the sweep (see {})",
            json_path.display()
        );
    }
    Ok(())
}

fn point_of(value: &str, x: f64, r: &Report) -> SweepPoint {
    let spice = r.rule(super::rules::Rule::Spice);
    SweepPoint {
        value: value.to_string(),
        x,
        refused: None,
        adversaries: r
            .actors
            .iter()
            .filter(|a| !a.honest)
            .map(|a| SweepActor {
                name: a.name.clone(),
                kind: a.kind,
                net: a.net,
                expected_net: a.expected_net,
                counterfactual: a.counterfactual,
            })
            .collect(),
        honest_reward_per_fee: spice.map(|s| s.honest_reward_per_fee).unwrap_or(0.0),
        honest_share_min: spice.map(|s| s.honest_share_min).unwrap_or(0.0),
        correlation: spice.map(|s| s.correlation).unwrap_or(0.0),
        audit_passed: r.audit.passed(),
        wall_seconds: r.timing.wall_seconds,
    }
}

/// docs/ECONOMICS.md's per-job inequality for an adversary, as "profit per unit of value at
/// stake" (positive: the adversary profits), or `None` for the adversaries no parameter helps
/// (the stake timer, the sybil, idle stake: their rules are structural).
pub fn inequality(s: &Scenario, sp: &ProviderSpec) -> Option<(f64, &'static str)> {
    let p: NetworkParams = s.params();
    let bps = |v: f64| v / 10_000.0;
    let x = bps(f64::from(p.stake_per_payment_bps));
    let rm = bps(f64::from(p.reward_rate_cap_bps)) * bps(f64::from(p.m_max_bps)) / x;
    let f = bps(f64::from(p.protocol_fee_bps));
    let a = bps(f64::from(p.audit_rate_bps));
    let sigma = bps(f64::from(p.slash_bps));
    let c = bps(f64::from(p.slash_client_share_bps));
    let lambda = bps(f64::from(p.max_exposure_bps));
    let cost = bps(f64::from(sp.cost_bps(&s.jobs)));
    match sp.kind {
        ProviderKind::Faker | ProviderKind::FakeBurst | ProviderKind::Colluder => {
            if rm <= f {
                Some((rm - f, "r·M ≤ f·x (fee-covered)"))
            } else if lambda == 0.0 {
                Some((1.0, "no exposure limit"))
            } else {
                Some((
                    lambda * (1.0 - a) * (rm - f) - a * sigma * (1.0 - c),
                    "I2: λ(1−a)(r·M/x − f) ≤ a·σ(1−c)",
                ))
            }
        }
        ProviderKind::Wash | ProviderKind::UselessWork | ProviderKind::Dust => {
            Some((rm - f - cost, "I1: r·M/x ≤ f + cost"))
        }
        ProviderKind::OverPricer => {
            // The fee is on the gross (k × the counted value without a reference price... with
            // one, the value counts at the reference price only).
            let k = if p.reference_price > 0 {
                sp.price_multiple() as f64
            } else {
                1.0
            };
            Some((rm - k * f - cost, "I1 with the fee on k× the value"))
        }
        ProviderKind::Cheater | ProviderKind::UnbondingCheater => {
            let d = s.jobs.check_rate;
            let q = a + (1.0 - a) * d;
            let [lo, hi] = s.jobs.max_units;
            let [ulo, uhi] = s.jobs.used_fraction;
            let v = (lo + hi) as f64 / 2.0 * (ulo + uhi) / 2.0 * s.jobs.price_per_unit as f64;
            let stake = sp.stake as f64;
            Some((
                ((1.0 - q) * (1.0 - f + rm) * v - q * sigma * stake / x) / v.max(1.0),
                "(1−q)(1 − f + r·M/x)·V ≤ q·σ·S/x, q = a + (1−a)·check rate",
            ))
        }
        _ => None,
    }
}

/// Each adversary's predicted boundary along the swept parameter: where its inequality
/// changes sign, found on a fine grid between the swept extremes.
fn boundaries(base: &Scenario, param: &str, points: &[SweepPoint]) -> Result<Vec<Boundary>> {
    let lo = points.iter().map(|p| p.x).fold(f64::INFINITY, f64::min);
    let hi = points.iter().map(|p| p.x).fold(f64::NEG_INFINITY, f64::max);
    let mut out = Vec::new();
    for sp in &base.providers {
        if sp.kind.is_honest() {
            continue;
        }
        let at = |v: f64| -> Option<f64> {
            let mut s = base.clone();
            s.set(param, &format!("{}", v.round() as i64)).ok()?;
            let spec = s.providers.iter().find(|p| p.name == sp.name)?.clone();
            inequality(&s, &spec).map(|(g, _)| g)
        };
        let Some((_, words)) = inequality(base, sp) else {
            continue;
        };
        let mut crossing = None;
        let mut below = false;
        if hi > lo {
            let steps = 2_000;
            let mut prev: Option<(f64, f64)> = None;
            for i in 0..=steps {
                let v = lo + (hi - lo) * f64::from(i) / f64::from(steps);
                let Some(g) = at(v) else { continue };
                if let Some((pv, pg)) = prev {
                    if (pg > 0.0) != (g > 0.0) {
                        crossing = Some(if (g - pg).abs() > 0.0 {
                            pv + (v - pv) * (-pg) / (g - pg)
                        } else {
                            v
                        });
                        below = pg > 0.0;
                        break;
                    }
                }
                prev = Some((v, g));
            }
        }
        out.push(Boundary {
            name: sp.name.clone(),
            kind: sp.kind,
            inequality: words.to_string(),
            at: crossing,
            profitable_below: below,
        });
    }
    Ok(out)
}

/// The sweep for a terminal: one row per adversary, one column per value.
pub fn text(s: &Sweep) -> String {
    let mut out = format!(
        "sweep of {} over scenario {:?}: each adversary's expected net (as it happened), tokens\n",
        s.param, s.scenario
    );
    let names: Vec<(String, ProviderKind)> = s
        .points
        .iter()
        .find(|p| p.refused.is_none())
        .map(|p| {
            p.adversaries
                .iter()
                .map(|a| (a.name.clone(), a.kind))
                .collect()
        })
        .unwrap_or_default();
    let mut rows = Vec::new();
    for (name, kind) in &names {
        let mut row = vec![name.clone(), kind.label().to_string()];
        for p in &s.points {
            row.push(match &p.refused {
                Some(_) => "refused".into(),
                None => p
                    .adversaries
                    .iter()
                    .find(|a| &a.name == name)
                    .map(|a| format!("{} ({})", signed(a.expected_net), signed(a.net)))
                    .unwrap_or_default(),
            });
        }
        let b = s.boundaries.iter().find(|b| &b.name == name);
        row.push(
            match b.and_then(|b| b.at.map(|at| (at, b.profitable_below))) {
                Some((at, below)) => {
                    format!("profits {} {at:.0}", if below { "below" } else { "above" })
                }
                None if b.is_some() => "no crossing in range".into(),
                None => "none (structural)".into(),
            },
        );
        rows.push(row);
    }
    let mut extra = vec!["honest reward/fee".to_string(), String::new()];
    let mut share = vec!["honest+pool min".to_string(), String::new()];
    for p in &s.points {
        extra.push(if p.refused.is_some() {
            String::new()
        } else {
            format!("{:.2}", p.honest_reward_per_fee)
        });
        share.push(if p.refused.is_some() {
            String::new()
        } else {
            report::pct(p.honest_share_min)
        });
    }
    extra.push(String::new());
    share.push(String::new());
    rows.push(extra);
    rows.push(share);
    let headers: Vec<String> = ["adversary".to_string(), "kind".to_string()]
        .into_iter()
        .chain(s.points.iter().map(|p| format!("{}={}", s.param, p.value)))
        .chain(["docs' boundary".to_string()])
        .collect();
    let h: Vec<&str> = headers.iter().map(String::as_str).collect();
    out.push_str(&table(&h, &rows, 2));
    for p in &s.points {
        if let Some(what) = &p.refused {
            out.push_str(&format!(
                "  {}={}: refused by the program's bounds ({what})\n",
                s.param, p.value
            ));
        }
    }
    for b in &s.boundaries {
        out.push_str(&format!(
            "  {} ({}): {}{}\n",
            b.name,
            b.kind.label(),
            b.inequality,
            match b.at {
                Some(at) => format!(
                    " — turns profitable {} {} = {at:.0}",
                    if b.profitable_below { "below" } else { "above" },
                    s.param
                ),
                None => " — no sign change in the swept range".into(),
            }
        ));
    }
    out
}
