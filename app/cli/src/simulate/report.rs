//! The report of a run: per-account rows (work claimed and verified, money in and out), each
//! actor's books (net, expected net, honest counterfactual), the four reward rules on the same
//! run, protocol totals, per-epoch emission, the economic checks (docs/ECONOMICS.md: every
//! adversary loses, rewards follow verified paid value, emission reaches honest providers or
//! returns to the pool, in the bootstrap region honest rewards well above fees), the audit of
//! every invariant, and the run's speed. `report.json` holds one of these per run
//! ([`Benchmark`]); the text output renders them.

use serde::Serialize;
use spice_sdk::audit::AuditReport;

use super::accounting::{self, ActorBooks};
use super::rules::{self, Rule, RuleResult};
use super::run::{EpochRecord, JobOutcome, JobTotals, Outcome};
use super::scenario::{MintLayout, ParamOverrides, ProviderKind, Scenario, DECIMALS};

/// Correlation of honest providers' reward ÷ multiplier with their verified paid value that
/// the Spice rule must reach.
pub const CORRELATION_MIN: f64 = 0.99;
/// Share of each epoch's emission that must reach honest providers or return to the pool.
pub const HONEST_SHARE_MIN: f64 = 0.95;
/// In the bootstrap region, honest providers' rewards ÷ their fees, on average, at least.
pub const BOOTSTRAP_REWARD_PER_FEE: f64 = 2.0;

/// Every run of one `spice simulate` (the default runs the two regimes), and the totals of
/// their timing.
#[derive(Serialize)]
pub struct Benchmark {
    pub runs: Vec<Report>,
    /// Every economic check and every audit of every run passed.
    pub passed: bool,
    pub timing: TimingRow,
}

#[derive(Serialize)]
pub struct Report {
    pub scenario: Scenario,
    pub regime: Regime,
    pub network: NetworkInfo,
    pub providers: Vec<ProviderRow>,
    pub actors: Vec<ActorBooks>,
    pub rules: Vec<RuleResult>,
    pub totals: Totals,
    pub epochs: Vec<EpochRecord>,
    pub economics: Vec<Check>,
    pub audit: AuditReport,
    pub timing: TimingRow,
    pub notes: Vec<String>,
}

/// Where the network's parameters put it (docs/ECONOMICS.md, "The two regions").
#[derive(Serialize)]
pub struct Regime {
    /// `fee-covered` (`r·M ≤ f·x`) or `bootstrap` (rewards may exceed fees).
    pub region: String,
    /// `r·M / x`: most reward value per unit of counted value.
    pub max_reward_rate: f64,
    /// `f`.
    pub fee_rate: f64,
    /// Emission over the run ÷ fees over the run.
    pub emission_per_fee: f64,
    /// Emission over the run ÷ what the rate cap would allow on the run's scores.
    pub emission_per_cap: f64,
}

#[derive(Serialize)]
pub struct NetworkInfo {
    pub address: String,
    pub mints: MintLayout,
    pub payment_mint: String,
    pub stake_mint: String,
    pub decimals: u8,
    pub params: ParamOverrides,
    pub client_budget: u64,
}

/// One provider account. Amounts are base units: payments and fees of the payment mint; stake,
/// slashes and rewards of the stake mint (the same mint on a single-mint network).
#[derive(Serialize)]
pub struct ProviderRow {
    pub name: String,
    pub kind: ProviderKind,
    /// The actor (scenario entry) it belongs to: a sybil's accounts share one.
    pub actor: String,
    pub gpu: String,
    pub gpu_count: u16,
    pub owner: String,
    pub account: String,
    pub stake_initial: u64,
    pub stake_final: u64,
    pub active: bool,
    pub jobs_assigned: u64,
    pub jobs_accepted: u64,
    pub jobs_submitted: u64,
    pub jobs_settled: u64,
    /// Missed completion deadlines (expired while running).
    pub jobs_failed: u64,
    pub jobs_fraudulent: u64,
    pub jobs_audited: u64,
    pub jobs_disputed: u64,
    /// Units reported: the work it claimed.
    pub claimed_units: u64,
    /// Units paid for after settlement: the work the protocol verified or accepted.
    pub verified_units: u64,
    /// Counted value of its settled jobs (units × the price, capped by the reference price):
    /// what its score is made of, from its book pages.
    pub value: u64,
    /// Net of fees.
    pub payments_received: u64,
    pub fees_paid: u64,
    pub slashed: u64,
    pub rewards: u64,
    /// What the reward rate cap kept back from its pro-rata share of the emission.
    pub withheld_by_rate_cap: u64,
    /// Gross it paid for jobs it posted to itself.
    pub own_spend: u64,
    /// payments + rewards + its share of its own slashes − slashed − own spend (stake units at
    /// `stake_per_payment_bps`; compute cost is in the actor's books).
    pub net: i64,
    pub score: u128,
    /// Value of the units it reported, at their counted price: the work it claimed, in money
    /// (units are not comparable across jobs: the dust dealer's are worth 1 base unit each).
    pub claimed_value: u64,
    /// Its share of all claimed value, of all counted value of settled jobs (the work the
    /// protocol verified or accepted), of all score and of all rewards.
    pub claimed_value_share: f64,
    pub value_share: f64,
    pub score_share: f64,
    pub reward_share: f64,
}

#[derive(Serialize)]
pub struct Totals {
    pub jobs: JobTotals,
    pub job_lifecycles: u64,
    pub jobs_settled: u64,
    pub jobs_expired: u64,
    pub payments: u64,
    pub fees: u64,
    pub slashed: u64,
    pub rewards_claimed: u64,
    pub emission: u64,
    pub emission_allocated: u64,
    pub reward_vault_funded: u64,
    pub reward_vault_balance: u64,
    pub payment_treasury: u64,
    pub stake_treasury: u64,
}

/// One economic promise, checked on this run.
#[derive(Serialize)]
pub struct Check {
    pub name: String,
    pub provider: String,
    pub passed: bool,
    pub detail: String,
}

#[derive(Serialize, Clone, Default)]
pub struct TimingRow {
    pub wall_seconds: f64,
    pub setup_seconds: f64,
    pub job_lifecycles: u64,
    /// Completed job lifecycles per second of wall time (setup included).
    pub lifecycles_per_second: f64,
    pub transactions: u64,
    pub transactions_per_second: f64,
    /// Whether the runtime verified the transactions' signatures (`--sigverify`).
    pub sigverify: bool,
}

impl TimingRow {
    /// The sum of several runs' timing.
    pub fn total(rows: &[&TimingRow]) -> TimingRow {
        let mut t = TimingRow::default();
        for r in rows {
            t.wall_seconds += r.wall_seconds;
            t.setup_seconds += r.setup_seconds;
            t.job_lifecycles += r.job_lifecycles;
            t.transactions += r.transactions;
            t.sigverify |= r.sigverify;
        }
        t.lifecycles_per_second = per_second(t.job_lifecycles, t.wall_seconds);
        t.transactions_per_second = per_second(t.transactions, t.wall_seconds);
        t
    }
}

fn share(part: u128, whole: u128) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}

fn per_second(n: u64, seconds: f64) -> f64 {
    if seconds > 0.0 {
        n as f64 / seconds
    } else {
        0.0
    }
}

impl Benchmark {
    pub fn new(runs: Vec<Report>) -> Self {
        let passed = runs
            .iter()
            .all(|r| r.economics_passed() && r.audit.passed());
        let timing = TimingRow::total(&runs.iter().map(|r| &r.timing).collect::<Vec<_>>());
        Benchmark {
            runs,
            passed,
            timing,
        }
    }
}

impl Report {
    pub fn new(scenario: &Scenario, o: Outcome) -> Self {
        let mut actors = accounting::books(scenario, &o);
        let rules = rules::compare(&o, &mut actors);
        let x = o.params.stake_per_payment_bps;
        let sum = |f: &dyn Fn(&super::run::ProviderResult) -> u128| -> u128 {
            o.providers.iter().map(f).sum()
        };
        let reference = o.params.reference_price;
        let claimed_value: Vec<u64> = (0..o.providers.len())
            .map(|i| {
                o.records
                    .iter()
                    .filter(|r| r.account == i)
                    .map(|r| spice::curve::job_value(r.reported, r.price, reference).unwrap_or(0))
                    .sum()
            })
            .collect();
        let claimed_total: u128 = claimed_value.iter().map(|v| u128::from(*v)).sum();
        let value_total = sum(&|p| u128::from(p.tally.value));
        let score_total = sum(&|p| p.tally.score);
        let reward_total = sum(&|p| u128::from(p.tally.rewards));
        let providers: Vec<ProviderRow> = o
            .providers
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let t = &p.tally;
                let s = &p.stats;
                let slash_back: u64 = o
                    .records
                    .iter()
                    .filter(|r| r.account == i && r.self_dealt && r.outcome == JobOutcome::Fraud)
                    .map(|r| r.slash_to_client)
                    .sum();
                let stake_side = accounting::valued(
                    t.rewards as f64 + slash_back as f64 - s.total_slashed as f64,
                    x,
                );
                let net = s.total_earned as f64 - t.own_spend as f64 + stake_side;
                ProviderRow {
                    name: p.name.clone(),
                    kind: p.kind,
                    actor: scenario.providers[p.actor].name.clone(),
                    gpu: p.gpu.clone(),
                    gpu_count: p.gpu_count,
                    owner: p.owner.to_string(),
                    account: p.account.to_string(),
                    stake_initial: p.stake_initial,
                    stake_final: p.stake_final,
                    active: p.active,
                    jobs_assigned: t.assigned,
                    jobs_accepted: s.jobs_accepted,
                    jobs_submitted: t.submitted,
                    jobs_settled: s.jobs_completed,
                    jobs_failed: s.jobs_failed,
                    jobs_fraudulent: s.jobs_fraudulent,
                    jobs_audited: t.audited,
                    jobs_disputed: t.disputed,
                    claimed_units: t.reported_units,
                    verified_units: s.units_completed,
                    value: t.value,
                    payments_received: s.total_earned,
                    fees_paid: t.fees_paid,
                    slashed: s.total_slashed,
                    rewards: t.rewards,
                    withheld_by_rate_cap: t.withheld_by_cap,
                    own_spend: t.own_spend,
                    net: net.round() as i64,
                    score: t.score,
                    claimed_value: claimed_value[i],
                    claimed_value_share: share(u128::from(claimed_value[i]), claimed_total),
                    value_share: share(u128::from(t.value), value_total),
                    score_share: share(t.score, score_total),
                    reward_share: share(u128::from(t.rewards), reward_total),
                }
            })
            .collect();
        let total =
            |f: fn(&ProviderRow) -> u64| providers.iter().map(f).fold(0u64, u64::saturating_add);
        let emission: u64 = o.epochs.iter().map(|e| e.emission).sum();
        let totals = Totals {
            job_lifecycles: o.jobs.lifecycles(),
            jobs_settled: o.jobs.settled(),
            jobs_expired: o.jobs.expired(),
            jobs: o.jobs.clone(),
            payments: total(|p| p.payments_received),
            fees: total(|p| p.fees_paid),
            slashed: total(|p| p.slashed),
            rewards_claimed: o.chain.total_claimed,
            emission,
            emission_allocated: o.chain.total_allocated,
            reward_vault_funded: o.chain.reward_vault_funded,
            reward_vault_balance: o.chain.reward_vault_balance,
            payment_treasury: o.chain.payment_treasury,
            stake_treasury: o.chain.stake_treasury,
        };
        let (reward_bps2, fee_bps2) = o.params.reward_and_fee_bps2();
        let cap_total: f64 = o
            .epochs
            .iter()
            .map(|e| e.total_score as f64 * f64::from(o.params.reward_rate_cap_bps) / 10_000.0)
            .sum();
        let regime = Regime {
            region: if o.params.rewards_can_exceed_fees() {
                "bootstrap".into()
            } else {
                "fee-covered".into()
            },
            max_reward_rate: reward_bps2 as f64
                / 1e8
                / (f64::from(o.params.stake_per_payment_bps) / 10_000.0),
            fee_rate: fee_bps2 as f64
                / 1e8
                / (f64::from(o.params.stake_per_payment_bps) / 10_000.0),
            emission_per_fee: if totals.fees > 0 {
                valued(emission as f64, x) / totals.fees as f64
            } else {
                0.0
            },
            emission_per_cap: if cap_total > 0.0 {
                emission as f64 / cap_total
            } else {
                0.0
            },
        };
        let economics = checks(&o.params, &actors, &rules);
        let wall = o.timing.total.as_secs_f64();
        let timing = TimingRow {
            wall_seconds: wall,
            setup_seconds: o.timing.setup.as_secs_f64(),
            job_lifecycles: o.jobs.lifecycles(),
            lifecycles_per_second: per_second(o.jobs.lifecycles(), wall),
            transactions: o.timing.transactions,
            transactions_per_second: per_second(o.timing.transactions, wall),
            sigverify: o.timing.sigverify,
        };
        let mut notes = o.notes;
        // Cross-checks of the simulator's own records against the chain.
        for (i, p) in o.providers.iter().enumerate() {
            let (earned, slashed) =
                o.records
                    .iter()
                    .filter(|r| r.account == i)
                    .fold((0u64, 0u64), |(e, s), r| match r.outcome {
                        JobOutcome::Settled => (e + (r.gross - r.fee), s),
                        JobOutcome::Fraud => (e, s + r.slashed),
                        _ => (e, s),
                    });
            if earned != p.stats.total_earned || slashed != p.stats.total_slashed {
                notes.push(format!(
                    "{}: the simulator's records ({earned} earned, {slashed} slashed) differ \
                     from the chain's ({} earned, {} slashed)",
                    p.name, p.stats.total_earned, p.stats.total_slashed
                ));
            }
        }
        Report {
            scenario: scenario.clone(),
            regime,
            network: NetworkInfo {
                address: o.network.to_string(),
                mints: scenario.mints,
                payment_mint: o.payment_mint.to_string(),
                stake_mint: o.stake_mint.to_string(),
                decimals: DECIMALS,
                params: ParamOverrides::all(&o.params),
                client_budget: o.client_budget,
            },
            providers,
            actors,
            rules,
            totals,
            epochs: o.epochs,
            economics,
            audit: o.audit,
            timing,
            notes,
        }
    }

    pub fn economics_passed(&self) -> bool {
        self.economics.iter().all(|c| c.passed)
    }

    pub fn rule(&self, rule: Rule) -> Option<&RuleResult> {
        self.rules.iter().find(|r| r.rule == rule)
    }
}

fn valued(v: f64, x: u32) -> f64 {
    accounting::valued(v, x)
}

/// The protocol's economic promises, on this run's numbers.
fn checks(
    params: &spice::state::NetworkParams,
    actors: &[ActorBooks],
    rules: &[RuleResult],
) -> Vec<Check> {
    let mut out = Vec::new();
    let mut check = |name: &str, who: &str, passed: bool, detail: String| {
        out.push(Check {
            name: name.into(),
            provider: who.into(),
            passed,
            detail,
        });
    };
    for a in actors {
        let k = a.kind;
        let money = format!(
            "net {} (expected {}), honest counterfactual {}",
            signed(a.net),
            signed(a.expected_net),
            signed(a.counterfactual)
        );
        if k == ProviderKind::StakeOnly {
            check(
                "stake alone earns nothing",
                &a.name,
                a.rewards == 0.0,
                format!("staked {}, rewards {}", tokens(a.stake), amount(a.rewards)),
            );
        } else if k.self_dealer() {
            check(
                "self-dealing loses money",
                &a.name,
                a.net < 0.0 && a.expected_net < 0.0 && a.net < a.counterfactual,
                money,
            );
        } else if matches!(k, ProviderKind::Cheater | ProviderKind::UnbondingCheater) {
            check(
                "cheating loses money",
                &a.name,
                a.net < 0.0 && a.expected_net < 0.0 && a.net < a.counterfactual,
                money,
            );
            check(
                "cheating is caught and slashed",
                &a.name,
                a.fraud > 0 && a.slashed > 0.0,
                format!(
                    "{} fraud verdicts of {} audited and {} disputed, slashed {}{}",
                    a.fraud,
                    a.audited,
                    a.disputed,
                    amount(a.slashed),
                    if a.unbonded > 0 {
                        format!(
                            " after unbonding {} (withdrew {} before the verdicts; {} withdrawals \
                             refused while locked)",
                            tokens(a.unbonded),
                            tokens(a.withdrawn),
                            a.withdrawals_refused
                        )
                    } else {
                        String::new()
                    }
                ),
            );
        } else if matches!(k, ProviderKind::StakeTimer | ProviderKind::Sybil) {
            check(
                "gains nothing over the same work done honestly",
                &a.name,
                a.net < a.counterfactual,
                format!(
                    "{money}; scored at ×{:.3}, ×{:.3} with its whole stake held in one account",
                    a.multiplier, a.counterfactual_multiplier
                ),
            );
        }
    }
    if let Some(spice) = rules.iter().find(|r| r.rule == Rule::Spice) {
        check(
            "rewards follow verified paid value",
            "honest providers",
            spice.correlation >= CORRELATION_MIN,
            format!(
                "correlation of reward ÷ multiplier with verified paid value {:.4} (≥ {CORRELATION_MIN})",
                spice.correlation
            ),
        );
        check(
            "emission reaches honest providers or returns to the pool",
            "every epoch",
            spice.honest_share_min >= HONEST_SHARE_MIN,
            format!(
                "smallest epoch share {} (≥ {}), whole run {}",
                pct(spice.honest_share_min),
                pct(HONEST_SHARE_MIN),
                pct(spice.honest_share_total)
            ),
        );
        if params.rewards_can_exceed_fees() {
            check(
                "honest rewards well above fees (bootstrap)",
                "honest providers",
                spice.honest_reward_per_fee >= BOOTSTRAP_REWARD_PER_FEE,
                format!(
                    "rewards ÷ fees {:.2} (≥ {BOOTSTRAP_REWARD_PER_FEE})",
                    spice.honest_reward_per_fee
                ),
            );
        }
    }
    out
}

/// Base units as tokens with two decimals (rounded down).
pub fn tokens(base: u64) -> String {
    let unit = 10u64.pow(u32::from(DECIMALS));
    let cents = (base % unit) / (unit / 100);
    format!("{}.{cents:02}", group(base / unit))
}

/// A signed amount of base units (f64) as tokens with two decimals.
pub fn signed(v: f64) -> String {
    let s = amount(v.abs());
    if v < -0.5 {
        format!("-{s}")
    } else {
        s
    }
}

/// A non-negative amount of base units (f64) as tokens with two decimals.
pub fn amount(v: f64) -> String {
    tokens(v.max(0.0).round() as u64)
}

/// Thousands separators.
fn group(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

pub fn pct(share: f64) -> String {
    format!("{:.1}%", share * 100.0)
}

/// A plain text table; the first `left` columns are left-aligned, the rest right-aligned.
pub fn table(headers: &[&str], rows: &[Vec<String>], left: usize) -> String {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            if let Some(w) = widths.get_mut(i) {
                *w = (*w).max(cell.chars().count());
            }
        }
    }
    let line = |cells: &[String]| -> String {
        let mut s = String::new();
        for (i, cell) in cells.iter().enumerate() {
            let w = widths.get(i).copied().unwrap_or(0);
            if i > 0 {
                s.push_str("  ");
            }
            if i < left {
                s.push_str(&format!("{cell:<w$}"));
            } else {
                s.push_str(&format!("{cell:>w$}"));
            }
        }
        s.trim_end().to_string()
    };
    let mut out = String::new();
    let head: Vec<String> = headers.iter().map(|h| h.to_string()).collect();
    out.push_str(&line(&head));
    out.push('\n');
    let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
    out.push_str(&line(&rule));
    out.push('\n');
    for row in rows {
        out.push_str(&line(row));
        out.push('\n');
    }
    out
}

/// Whether an adversary's numbers pass its check ("loses" / "no gain"), for the tables.
pub fn verdict(a: &ActorBooks) -> &'static str {
    let k = a.kind;
    if k.is_honest() {
        ""
    } else if k == ProviderKind::StakeOnly {
        if a.rewards == 0.0 {
            "earns 0"
        } else {
            "EARNS"
        }
    } else if matches!(k, ProviderKind::StakeTimer | ProviderKind::Sybil) {
        if a.net < a.counterfactual {
            "no gain"
        } else {
            "GAINS"
        }
    } else if a.net < 0.0 && a.expected_net < 0.0 && a.net < a.counterfactual {
        "loses"
    } else {
        "WINS"
    }
}

impl Report {
    /// The regime in one line.
    fn regime_line(&self) -> String {
        let p = &self.network.params;
        let g = |v: Option<u32>| f64::from(v.unwrap_or(0)) / 100.0;
        format!(
            "{} region: fee f {:.2}%, reward rate cap r {:.2}%, m_max {:.2}× (r·M {:.2}% of value), \
             reference price {}, audit {:.0}%, slash {:.0}% (client share {:.0}%), exposure limit \
             {}; emission {:.1}× the fees, {:.2}× what the rate cap allows",
            self.regime.region,
            g(p.protocol_fee_bps.map(u32::from)),
            g(p.reward_rate_cap_bps),
            f64::from(p.m_max_bps.unwrap_or(10_000)) / 10_000.0,
            self.regime.max_reward_rate * 100.0,
            match p.reference_price {
                Some(0) | None => "none".to_string(),
                Some(r) => tokens(r),
            },
            g(p.audit_rate_bps.map(u32::from)),
            g(p.slash_bps.map(u32::from)),
            g(p.slash_client_share_bps.map(u32::from)),
            match p.max_exposure_bps {
                Some(0) | None => "none".to_string(),
                Some(l) => format!("{:.2}% of stake", f64::from(l) / 100.0),
            },
            self.regime.emission_per_fee,
            self.regime.emission_per_cap,
        )
    }

    /// The actors' books: one row per actor.
    pub fn actors_table(&self) -> String {
        let rows: Vec<Vec<String>> = self
            .actors
            .iter()
            .map(|a| {
                vec![
                    a.name.clone(),
                    a.kind.label().to_string(),
                    format!("{}/{}/{}", a.settled, a.fraud, a.jobs),
                    amount(a.value as f64),
                    amount(a.received),
                    amount(a.fees),
                    amount(a.cost),
                    signed(a.slash_back - a.slashed),
                    amount(a.rewards),
                    signed(a.net),
                    signed(a.expected_net),
                    if a.honest {
                        String::new()
                    } else {
                        signed(a.counterfactual)
                    },
                    verdict(a).to_string(),
                ]
            })
            .collect();
        table(
            &[
                "actor",
                "kind",
                "settled/fraud/jobs",
                "value",
                "received",
                "fees",
                "compute",
                "slashed",
                "rewards",
                "net",
                "expected",
                "honest cf",
                "",
            ],
            &rows,
            2,
        )
    }

    /// The rules side by side.
    pub fn rules_table(&self) -> String {
        let rows: Vec<Vec<String>> = self
            .rules
            .iter()
            .map(|r| {
                let scored: Vec<_> = r
                    .adversaries
                    .iter()
                    .filter(|a| a.kind != ProviderKind::StakeOnly)
                    .collect();
                let winners = scored
                    .iter()
                    .filter(|a| is_win(a.kind, a.profit, a.gain))
                    .count();
                let idle = r
                    .adversaries
                    .iter()
                    .filter(|a| a.kind == ProviderKind::StakeOnly)
                    .map(|a| a.reward)
                    .sum::<f64>();
                let to_adv: u64 = r.epochs.iter().map(|e| e.to_adversaries).sum();
                vec![
                    r.label.clone(),
                    format!("{:.4}", r.correlation),
                    format!("{:.4}", r.correlation_raw),
                    pct(r.honest_share_min),
                    pct(r.honest_share_total),
                    tokens(to_adv),
                    format!(
                        "{winners} of {}",
                        r.adversaries.len()
                            - usize::from(
                                idle > 0.0
                                    || r.adversaries
                                        .iter()
                                        .any(|a| a.kind == ProviderKind::StakeOnly)
                            )
                    ),
                    amount(idle),
                    format!("{:.2}", r.honest_reward_per_fee),
                ]
            })
            .collect();
        table(
            &[
                "rule",
                "corr(reward/m, value)",
                "corr raw",
                "honest+pool min epoch",
                "whole run",
                "to adversaries",
                "adversaries that win",
                "idle stake earns",
                "honest reward/fee",
            ],
            &rows,
            1,
        )
    }

    /// Each adversary's profit under each rule (its gain over honest work in brackets).
    pub fn adversaries_by_rule_table(&self) -> String {
        let mut rows = Vec::new();
        for (i, a) in self.actors.iter().filter(|a| !a.honest).enumerate() {
            let mut row = vec![a.name.clone(), a.kind.label().to_string()];
            for rule in Rule::ALL {
                let cell = self
                    .rule(rule)
                    .and_then(|r| r.adversaries.get(i))
                    .map(|u| {
                        format!(
                            "{} ({}){}",
                            signed(u.profit),
                            signed(u.gain),
                            if u.kind != ProviderKind::StakeOnly && is_win(u.kind, u.profit, u.gain)
                            {
                                " !"
                            } else {
                                ""
                            }
                        )
                    })
                    .unwrap_or_default();
                row.push(cell);
            }
            rows.push(row);
        }
        let headers: Vec<String> = ["adversary".to_string(), "kind".to_string()]
            .into_iter()
            .chain(Rule::ALL.iter().map(|r| r.short().to_string()))
            .collect();
        let h: Vec<&str> = headers.iter().map(String::as_str).collect();
        table(&h, &rows, 2)
    }

    /// The report for a terminal.
    pub fn text(&self) -> String {
        let s = &self.scenario;
        let mut out = String::new();
        out.push_str(&format!(
            "scenario {:?}: {} epochs, {} actors ({} provider accounts), {} clients, {} attestors \
             ({} colluding), {} mint{}\n",
            s.name,
            s.epochs,
            s.providers.len(),
            self.providers.len(),
            s.clients.count,
            s.attestors.count,
            s.attestors.colluding,
            match s.mints {
                MintLayout::Single => "one",
                MintLayout::Two => "two",
            },
            if s.mints == MintLayout::Single {
                ""
            } else {
                "s"
            }
        ));
        out.push_str(&format!("{}\n", self.regime_line()));
        out.push_str(&format!("network {}\n\n", self.network.address));

        out.push_str(
            "work per provider account (claimed: value of the units reported; verified: counted \
             value of settled jobs; tokens)\n",
        );
        let rows: Vec<Vec<String>> = self
            .providers
            .iter()
            .map(|p| {
                vec![
                    p.name.clone(),
                    p.kind.label().to_string(),
                    format!("{}×{}", p.gpu_count, p.gpu),
                    p.jobs_assigned.to_string(),
                    p.jobs_settled.to_string(),
                    p.jobs_failed.to_string(),
                    p.jobs_fraudulent.to_string(),
                    p.jobs_audited.to_string(),
                    p.jobs_disputed.to_string(),
                    tokens(p.claimed_value),
                    tokens(p.value),
                    pct(p.value_share),
                    pct(p.reward_share),
                    format!(
                        "{} → {}{}",
                        tokens(p.stake_initial),
                        tokens(p.stake_final),
                        if p.active { "" } else { " (suspended)" }
                    ),
                ]
            })
            .collect();
        out.push_str(&table(
            &[
                "provider", "kind", "gpu", "jobs", "settled", "expired", "fraud", "audited",
                "disputed", "claimed", "verified", "value%", "reward%", "stake",
            ],
            &rows,
            3,
        ));

        out.push_str(
            "\nmoney per actor (tokens; net = received + rewards + slashes back − own spend − \
             compute − slashed; expected: over the audit draw; honest cf: the same work done \
             honestly)\n",
        );
        out.push_str(&self.actors_table());

        out.push_str("\nreward rules on this run (emission per epoch split by each rule)\n");
        out.push_str(&self.rules_table());
        out.push_str(
            "\nadversaries' profit under each rule, tokens (in brackets: the gain over the same \
             work done honestly under that rule; ! = ends in profit, or gains over honest work)\n",
        );
        out.push_str(&self.adversaries_by_rule_table());

        let t = &self.totals;
        let j = &t.jobs;
        out.push_str(&format!(
            "\nprotocol totals\n  jobs: {} posted, {} settled ({} approved, {} by the crank, {} by a \
             Valid quorum), {} expired ({} unaccepted, {} past deadline), {} fraud; {} drawn \
             for audit, {} disputed\n  payments {} · fees {} · slashed {} · emission {} · \
             allocated {} · claimed {} (vault funded {}, holds {})\n",
            j.posted,
            t.jobs_settled,
            j.approved,
            j.settled_by_crank,
            j.settled_by_quorum,
            t.jobs_expired,
            j.expired_unaccepted,
            j.expired_unsubmitted,
            j.fraud,
            j.audited,
            j.disputed,
            tokens(t.payments),
            tokens(t.fees),
            tokens(t.slashed),
            tokens(t.emission),
            tokens(t.emission_allocated),
            tokens(t.rewards_claimed),
            tokens(t.reward_vault_funded),
            tokens(t.reward_vault_balance),
        ));

        out.push_str("\nepochs (tokens)\n");
        let spice = self.rule(Rule::Spice);
        let rows: Vec<Vec<String>> = self
            .epochs
            .iter()
            .enumerate()
            .map(|(k, e)| {
                let split = spice.and_then(|r| r.epochs.get(k));
                vec![
                    e.index.to_string(),
                    tokens(e.emission),
                    tokens(e.allocated),
                    tokens(e.claimed),
                    split.map(|s| tokens(s.to_honest)).unwrap_or_default(),
                    split.map(|s| tokens(s.to_adversaries)).unwrap_or_default(),
                    split.map(|s| pct(s.honest_or_returned)).unwrap_or_default(),
                    e.settled_jobs.to_string(),
                    tokens(e.total_value),
                    tokens(e.total_fees),
                ]
            })
            .collect();
        out.push_str(&table(
            &[
                "epoch",
                "emission",
                "allocated",
                "claimed",
                "to honest",
                "to adversaries",
                "honest+pool",
                "settled jobs",
                "value",
                "fees",
            ],
            &rows,
            0,
        ));

        out.push_str("\neconomics\n");
        for c in &self.economics {
            out.push_str(&format!(
                "  {} {}: {} — {}\n",
                if c.passed { "ok  " } else { "FAIL" },
                c.provider,
                c.name,
                c.detail
            ));
        }
        for n in &self.notes {
            out.push_str(&format!("  note: {n}\n"));
        }

        // The audit's own table has its header and verdict; a one-line summary otherwise.
        out.push('\n');
        let table = self.audit.table();
        if table.trim().is_empty() {
            let checked: usize = self.audit.summary.iter().map(|s| s.checked).sum();
            out.push_str(&format!(
                "audit: {} ({} checks, {} violations)\n",
                if self.audit.passed() {
                    "passed"
                } else {
                    "FAILED"
                },
                checked,
                self.audit.violations()
            ));
        } else {
            out.push_str(&table);
            if !table.ends_with('\n') {
                out.push('\n');
            }
        }
        out.push_str(&format!("\n{}\n", timing_line(&self.timing)));
        out
    }
}

/// Whether an adversary's numbers under some rule mean its strategy pays: a profit for the
/// self-dealers and cheaters, a gain over honest work for the multiplier games.
pub fn is_win(kind: ProviderKind, profit: f64, gain: f64) -> bool {
    // A tie (the rule pays it exactly what the same honest work earns) is no win: ±1 base
    // unit of rounding.
    if matches!(kind, ProviderKind::StakeTimer | ProviderKind::Sybil) {
        gain > 1.0
    } else {
        profit > 0.0 || gain > 1.0
    }
}

pub fn timing_line(tm: &TimingRow) -> String {
    format!(
        "wall time {:.1} s (setup {:.1} s) · {} job lifecycles · {:.1} lifecycles/s · {} \
         transactions ({:.0}/s, signatures {})",
        tm.wall_seconds,
        tm.setup_seconds,
        tm.job_lifecycles,
        tm.lifecycles_per_second,
        tm.transactions,
        tm.transactions_per_second,
        if tm.sigverify {
            "verified"
        } else {
            "not verified"
        }
    )
}

impl Benchmark {
    /// Every run's report, then (with several runs) the adversaries and the rules across them.
    pub fn text(&self) -> String {
        let mut out = String::new();
        for r in &self.runs {
            out.push_str(&r.text());
            out.push('\n');
        }
        if self.runs.len() > 1 {
            out.push_str(&self.summary());
        }
        out
    }

    /// Adversaries × regimes and rules × regimes.
    pub fn summary(&self) -> String {
        let mut out = String::new();
        let names: Vec<String> = self.runs.iter().map(|r| r.scenario.name.clone()).collect();
        out.push_str(
            "adversaries × regimes under Spice (tokens: net · expected net · gain over honest \
             work)\n",
        );
        let mut rows = Vec::new();
        if let Some(first) = self.runs.first() {
            for a in first.actors.iter().filter(|a| !a.honest) {
                let mut row = vec![a.name.clone(), a.kind.label().to_string()];
                for r in &self.runs {
                    let cell = r
                        .actors
                        .iter()
                        .find(|b| b.name == a.name)
                        .map(|b| {
                            format!(
                                "{} · {} · {} {}",
                                signed(b.net),
                                signed(b.expected_net),
                                signed(b.net - b.counterfactual),
                                verdict(b)
                            )
                        })
                        .unwrap_or_default();
                    row.push(cell);
                }
                rows.push(row);
            }
        }
        let headers: Vec<String> = ["adversary".to_string(), "kind".to_string()]
            .into_iter()
            .chain(names.iter().cloned())
            .collect();
        let h: Vec<&str> = headers.iter().map(String::as_str).collect();
        out.push_str(&table(&h, &rows, 2));

        out.push_str(
            "\nrules × regimes (corr of honest reward ÷ m with verified paid value · smallest \
             epoch share to honest providers or the pool · adversaries that win)\n",
        );
        let mut rows = Vec::new();
        for rule in Rule::ALL {
            let mut row = vec![rule.label().to_string()];
            for r in &self.runs {
                let cell = r
                    .rule(rule)
                    .map(|u| {
                        let wins = u
                            .adversaries
                            .iter()
                            .filter(|a| {
                                a.kind != ProviderKind::StakeOnly
                                    && is_win(a.kind, a.profit, a.gain)
                            })
                            .count();
                        let idle = u
                            .adversaries
                            .iter()
                            .any(|a| a.kind == ProviderKind::StakeOnly && a.reward > 0.0);
                        format!(
                            "{:.3} · {} · {wins}{}",
                            u.correlation,
                            pct(u.honest_share_min),
                            if idle { " + idle stake paid" } else { "" }
                        )
                    })
                    .unwrap_or_default();
                row.push(cell);
            }
            rows.push(row);
        }
        let headers: Vec<String> = ["rule".to_string()]
            .into_iter()
            .chain(names.iter().cloned())
            .collect();
        let h: Vec<&str> = headers.iter().map(String::as_str).collect();
        out.push_str(&table(&h, &rows, 1));
        out.push_str(&format!(
            "\n{} · {}\n",
            if self.passed {
                "every economic check and audit passed"
            } else {
                "SOME CHECK FAILED (see above)"
            },
            timing_line(&self.timing)
        ));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_read_as_tokens() {
        assert_eq!(tokens(0), "0.00");
        assert_eq!(tokens(1_234_567_890), "1,234.56");
        assert_eq!(signed(-1_500_000.0), "-1.50");
        assert_eq!(signed(-0.2), "0.00");
        assert_eq!(group(999), "999");
        assert_eq!(group(1_000), "1,000");
    }

    #[test]
    fn tables_align() {
        let t = table(&["a", "bb"], &[vec!["xyz".into(), "1".into()]], 1);
        assert_eq!(t, "a    bb\n---  --\nxyz   1\n");
    }
}
