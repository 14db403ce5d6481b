//! The report of a run: per-provider rows (work claimed and verified, money in and out,
//! rewards and shares), protocol totals, per-epoch emission, the economic checks the protocol
//! promises (DESIGN.md: stake alone earns nothing, rewards below the fee make wash trading lose,
//! audits catch and slash cheaters, rewards follow verified work), the audit of every
//! invariant, and the run's speed. `report.json` is this structure; the text output renders it.

use serde::Serialize;
use spice_sdk::audit::AuditReport;

use super::run::{EpochRecord, JobTotals, Outcome};
use super::scenario::{MintLayout, ParamOverrides, ProviderKind, Scenario, DECIMALS};

/// Honest providers pass "rewards follow verified work" when their reward share is within
/// this factor of their verified-work share either way: the stake multiplier (up to `m_max`)
/// and per-epoch volume differences move it, nothing else should.
pub const PROPORTIONALITY_FACTOR: f64 = 2.0;

#[derive(Serialize)]
pub struct Report {
    pub scenario: Scenario,
    pub network: NetworkInfo,
    pub providers: Vec<ProviderRow>,
    pub totals: Totals,
    pub epochs: Vec<EpochRecord>,
    pub economics: Vec<Check>,
    pub audit: AuditReport,
    pub timing: TimingRow,
    pub notes: Vec<String>,
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

/// One provider. Amounts are base units: payments and fees of the payment mint; stake,
/// slashes and rewards of the stake mint (the same mint on a single-mint network).
#[derive(Serialize)]
pub struct ProviderRow {
    pub name: String,
    pub kind: ProviderKind,
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
    /// payments + rewards − slashed − own spend (payment and stake units at par when the
    /// mints differ).
    pub net: i64,
    pub score: u128,
    pub claimed_work_share: f64,
    pub verified_work_share: f64,
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

#[derive(Serialize)]
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

impl Report {
    pub fn new(scenario: &Scenario, o: Outcome) -> Self {
        let sum = |f: &dyn Fn(&super::run::ProviderResult) -> u128| -> u128 {
            o.providers.iter().map(f).sum()
        };
        let claimed_total = sum(&|p| u128::from(p.tally.reported_units));
        let verified_total = sum(&|p| u128::from(p.stats.units_completed));
        let score_total = sum(&|p| p.tally.score);
        let reward_total = sum(&|p| u128::from(p.tally.rewards));
        let providers: Vec<ProviderRow> = o
            .providers
            .iter()
            .map(|p| {
                let t = &p.tally;
                let s = &p.stats;
                let net = i128::from(s.total_earned) + i128::from(t.rewards)
                    - i128::from(s.total_slashed)
                    - i128::from(t.own_spend);
                ProviderRow {
                    name: p.name.clone(),
                    kind: p.kind,
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
                    claimed_units: t.reported_units,
                    verified_units: s.units_completed,
                    value: t.value,
                    payments_received: s.total_earned,
                    fees_paid: t.fees_paid,
                    slashed: s.total_slashed,
                    rewards: t.rewards,
                    withheld_by_rate_cap: t.withheld_by_cap,
                    own_spend: t.own_spend,
                    net: i64::try_from(net).unwrap_or(if net < 0 { i64::MIN } else { i64::MAX }),
                    score: t.score,
                    claimed_work_share: share(u128::from(t.reported_units), claimed_total),
                    verified_work_share: share(u128::from(s.units_completed), verified_total),
                    score_share: share(t.score, score_total),
                    reward_share: share(u128::from(t.rewards), reward_total),
                }
            })
            .collect();
        let economics = checks(&providers);
        let total =
            |f: fn(&ProviderRow) -> u64| providers.iter().map(f).fold(0u64, u64::saturating_add);
        let totals = Totals {
            job_lifecycles: o.jobs.lifecycles(),
            jobs_settled: o.jobs.settled(),
            jobs_expired: o.jobs.expired(),
            jobs: o.jobs.clone(),
            payments: total(|p| p.payments_received),
            fees: total(|p| p.fees_paid),
            slashed: total(|p| p.slashed),
            rewards_claimed: o.chain.total_claimed,
            emission_allocated: o.chain.total_allocated,
            reward_vault_funded: o.chain.reward_vault_funded,
            reward_vault_balance: o.chain.reward_vault_balance,
            payment_treasury: o.chain.payment_treasury,
            stake_treasury: o.chain.stake_treasury,
        };
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
        Report {
            scenario: scenario.clone(),
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
            totals,
            epochs: o.epochs,
            economics,
            audit: o.audit,
            timing,
            notes: o.notes,
        }
    }

    pub fn economics_passed(&self) -> bool {
        self.economics.iter().all(|c| c.passed)
    }
}

/// The protocol's economic promises, on this run's numbers.
fn checks(rows: &[ProviderRow]) -> Vec<Check> {
    let mut out = Vec::new();
    let mut check = |name: &str, p: &ProviderRow, passed: bool, detail: String| {
        out.push(Check {
            name: name.into(),
            provider: p.name.clone(),
            passed,
            detail,
        });
    };
    for p in rows {
        match p.kind {
            ProviderKind::StakeOnly => check(
                "stake alone earns nothing",
                p,
                p.rewards == 0,
                format!(
                    "staked {}, rewards {}",
                    tokens(p.stake_initial),
                    tokens(p.rewards)
                ),
            ),
            ProviderKind::Wash => check(
                "wash trading loses (rewards < fees paid)",
                p,
                p.rewards < p.fees_paid && p.net < 0,
                format!(
                    "rewards {} vs fees {}; net {}",
                    tokens(p.rewards),
                    tokens(p.fees_paid),
                    signed_tokens(p.net)
                ),
            ),
            ProviderKind::Cheater => {
                check(
                    "cheating is caught and slashed",
                    p,
                    p.slashed > 0 && p.jobs_fraudulent > 0,
                    format!(
                        "{} of {} audited jobs fraudulent, slashed {}",
                        p.jobs_fraudulent,
                        p.jobs_audited,
                        tokens(p.slashed)
                    ),
                );
                check(
                    "cheater's reward share < its claimed-work share",
                    p,
                    p.reward_share < p.claimed_work_share,
                    format!(
                        "reward {} vs claimed work {}",
                        pct(p.reward_share),
                        pct(p.claimed_work_share)
                    ),
                );
                check(
                    "cheating loses overall",
                    p,
                    p.net < 0,
                    format!(
                        "payments {} + rewards {} − slashed {} = {}",
                        tokens(p.payments_received),
                        tokens(p.rewards),
                        tokens(p.slashed),
                        signed_tokens(p.net)
                    ),
                );
            }
            ProviderKind::Honest => {
                let ratio = if p.verified_work_share > 0.0 {
                    p.reward_share / p.verified_work_share
                } else {
                    0.0
                };
                check(
                    "rewards follow verified work",
                    p,
                    p.verified_units > 0
                        && (1.0 / PROPORTIONALITY_FACTOR..=PROPORTIONALITY_FACTOR).contains(&ratio),
                    format!(
                        "reward {} vs verified work {} (×{ratio:.2})",
                        pct(p.reward_share),
                        pct(p.verified_work_share)
                    ),
                );
            }
            ProviderKind::Lazy => {}
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

fn signed_tokens(v: i64) -> String {
    let s = tokens(v.unsigned_abs());
    if v < 0 {
        format!("-{s}")
    } else {
        s
    }
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
fn table(headers: &[&str], rows: &[Vec<String>], left: usize) -> String {
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

impl Report {
    /// The report for a terminal.
    pub fn text(&self) -> String {
        let s = &self.scenario;
        let mut out = String::new();
        out.push_str(&format!(
            "scenario {:?}: {} epochs, {} providers, {} clients, {} attestors, {} mint{}\n",
            s.name,
            s.epochs,
            s.providers.len(),
            s.clients.count,
            s.attestors.count,
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
        out.push_str(&format!("network {}\n\n", self.network.address));

        out.push_str("work (units of compute)\n");
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
                    p.claimed_units.to_string(),
                    p.verified_units.to_string(),
                    pct(p.claimed_work_share),
                    pct(p.verified_work_share),
                ]
            })
            .collect();
        out.push_str(&table(
            &[
                "provider",
                "kind",
                "gpu",
                "jobs",
                "settled",
                "expired",
                "fraud",
                "audited",
                "claimed",
                "verified",
                "claimed%",
                "verified%",
            ],
            &rows,
            3,
        ));

        out.push_str("\nmoney (tokens)\n");
        let rows: Vec<Vec<String>> = self
            .providers
            .iter()
            .map(|p| {
                vec![
                    p.name.clone(),
                    format!(
                        "{} → {}{}",
                        tokens(p.stake_initial),
                        tokens(p.stake_final),
                        if p.active { "" } else { " (suspended)" }
                    ),
                    tokens(p.payments_received),
                    tokens(p.fees_paid),
                    tokens(p.slashed),
                    tokens(p.rewards),
                    tokens(p.withheld_by_rate_cap),
                    signed_tokens(p.net),
                    pct(p.reward_share),
                    pct(p.verified_work_share),
                ]
            })
            .collect();
        out.push_str(&table(
            &[
                "provider",
                "stake",
                "payments",
                "fees paid",
                "slashed",
                "rewards",
                "rate-capped",
                "net",
                "reward%",
                "work%",
            ],
            &rows,
            1,
        ));

        let t = &self.totals;
        let j = &t.jobs;
        out.push_str(&format!(
            "\nprotocol totals\n  jobs: {} posted, {} settled ({} approved, {} by the crank, {} by a \
             Valid quorum), {} expired ({} unaccepted, {} past deadline), {} fraud; {} drawn \
             for audit\n  payments {} · fees {} · slashed {} · emission allocated {} · claimed \
             {} (vault funded {}, holds {})\n",
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
            tokens(t.payments),
            tokens(t.fees),
            tokens(t.slashed),
            tokens(t.emission_allocated),
            tokens(t.rewards_claimed),
            tokens(t.reward_vault_funded),
            tokens(t.reward_vault_balance),
        ));

        out.push_str("\nepochs (tokens)\n");
        let rows: Vec<Vec<String>> = self
            .epochs
            .iter()
            .map(|e| {
                vec![
                    e.index.to_string(),
                    tokens(e.curve_emission),
                    tokens(e.emission),
                    tokens(e.allocated),
                    tokens(e.claimed),
                    e.settled_jobs.to_string(),
                    tokens(e.total_value),
                    tokens(e.total_fees),
                ]
            })
            .collect();
        out.push_str(&table(
            &[
                "epoch",
                "curve E(e)",
                "emission",
                "allocated",
                "claimed",
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

        let tm = &self.timing;
        out.push_str(&format!(
            "\nwall time {:.1} s (setup {:.1} s) · {} job lifecycles · {:.1} lifecycles/s · {} \
             transactions ({:.0}/s, signatures {})\n",
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
        assert_eq!(signed_tokens(-1_500_000), "-1.50");
        assert_eq!(group(999), "999");
        assert_eq!(group(1_000), "1,000");
    }

    #[test]
    fn tables_align() {
        let t = table(&["a", "bb"], &[vec!["xyz".into(), "1".into()]], 1);
        assert_eq!(t, "a    bb\n---  --\nxyz   1\n");
    }
}
