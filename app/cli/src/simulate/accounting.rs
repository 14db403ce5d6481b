//! Each actor's money, honestly: what it was paid and paid out, what its compute cost, what was
//! slashed and what came back, its rewards — and what it would have earned doing the same
//! amount of work honestly (its counterfactual), and its expected net over the audit lottery.
//!
//! Amounts are payment-mint base units (as `f64`: compute costs are fractions of a price);
//! stake-mint amounts (rewards, slashes, slash shares) are valued at the network's
//! `stake_per_payment_bps`. Everything comes from the run's job records, book pages and the
//! providers' accounts: no transaction of its own.
//!
//! - **net** = payments received (net of fees) + rewards + the client's share of its own slashes
//!   (a self-dealer is its own client) − the gross it paid for its own jobs − compute cost −
//!   slashed.
//! - **counterfactual**: the same actor doing the same amount of work honestly, for clients
//!   paying the market price — every unit it submitted (a faker's claimed units, the dust
//!   dealer's real ones) computed at its cost (a faker's at the market's `unit_cost_bps`), with
//!   its whole stake held in one account throughout (a sybil's total, a stake timer's top-up
//!   included), scored and rewarded by the rule in question with everyone else's work
//!   unchanged ([`super::rules`]).
//! - **expected net**: the net with each epoch's faked jobs replaced by their expectation over
//!   the audit draw (and the clients' checks): a job passes with probability `1 − q` and earns
//!   what it would have; `K` of a batch of `n` are caught, `K ~ Binomial(n, q)`, and the slash is
//!   `min(K × lock, stake)` less the client's share when the client is the faker itself. One run
//!   is one draw of the lottery; the expectation is what the strategy earns.

use serde::Serialize;

use super::run::{JobOutcome, JobRecord, Outcome};
use super::scenario::{ProviderKind, Scenario};

/// What one actor's work would be worth in one epoch, to a reward rule.
#[derive(Clone, Copy, Debug, Default)]
pub struct Basis {
    /// Spice score (counted value × multiplier).
    pub score: u128,
    /// Gross paid for its settled jobs, uncapped (Render's basis).
    pub gross: u64,
    /// Active stake (the stake rule's basis).
    pub stake: u64,
    /// GPUs listed by its active accounts (io.net's basis).
    pub gpus: u64,
}

/// One actor's books.
#[derive(Clone, Debug, Serialize)]
pub struct ActorBooks {
    pub name: String,
    pub kind: ProviderKind,
    pub strategy: String,
    pub honest: bool,
    pub accounts: Vec<usize>,
    /// Stake it started with (all accounts), and the most it held at once.
    pub stake: u64,
    pub peak_stake: u64,
    pub jobs: u64,
    pub settled: u64,
    pub fraud: u64,
    pub audited: u64,
    pub disputed: u64,
    /// Counted value of its settled jobs (the reference price caps it).
    pub value: u64,
    /// Gross its settled jobs paid.
    pub gross: u64,
    /// Units it submitted, and units it computed.
    pub reported_units: u64,
    pub computed_units: u64,
    /// Spice score of its settled jobs.
    pub score: u128,
    /// Payments received, net of fees.
    pub received: f64,
    pub fees: f64,
    /// Gross it paid for its own jobs.
    pub own_spend: f64,
    /// Compute cost of the units it computed.
    pub cost: f64,
    pub slashed: f64,
    /// Its share of its own slashes, back to it as its own client.
    pub slash_back: f64,
    /// Spice rewards claimed.
    pub rewards: f64,
    /// Everything but the rewards: what any reward rule adds to.
    pub money_before_rewards: f64,
    pub net: f64,
    pub expected_net: f64,
    /// The same work done honestly: payments less fees and compute cost (the rule adds its
    /// reward for it).
    pub counterfactual_money: f64,
    /// ... plus Spice's reward for it.
    pub counterfactual: f64,
    /// The multiplier its settled jobs scored at (score / value), and the one its whole stake
    /// held throughout would give.
    pub multiplier: f64,
    pub counterfactual_multiplier: f64,
    /// Unbonding and withdrawals (the unbonding cheater's escape, the stake timer's top-ups).
    pub unbonded: u64,
    pub withdrawn: u64,
    pub withdrawals_refused: u64,
    pub topped_up: u64,
    /// Per epoch: its basis for the rules, and the counterfactual's.
    #[serde(skip)]
    pub basis: Vec<Basis>,
    #[serde(skip)]
    pub counterfactual_basis: Vec<Basis>,
    /// Its Spice reward per epoch (what the program paid its accounts).
    #[serde(skip)]
    pub spice_rewards: Vec<u64>,
}

/// Stake-mint units valued in payment-mint units at the network's stated rate.
pub fn valued(stake_units: f64, stake_per_payment_bps: u32) -> f64 {
    stake_units * 10_000.0 / f64::from(stake_per_payment_bps.max(1))
}

/// `P(K = k)` for `K ~ Binomial(n, q)`, k = 0..=n.
fn binomial(n: usize, q: f64) -> Vec<f64> {
    let mut p = vec![0.0; n + 1];
    p[0] = 1.0;
    for _ in 0..n {
        for k in (0..n).rev() {
            let moved = p[k] * q;
            p[k + 1] += moved;
            p[k] -= moved;
        }
    }
    p
}

fn multiplier_bps(stake: u64, params: &spice::state::NetworkParams) -> u32 {
    spice::curve::stake_multiplier_bps(stake, params.stake_cap, params.m_max_bps).unwrap_or(10_000)
}

fn score_of(value: u64, m_bps: u32) -> u128 {
    spice::curve::job_score(value, m_bps).unwrap_or(0)
}

/// The books of every actor of a run.
pub fn books(scenario: &Scenario, o: &Outcome) -> Vec<ActorBooks> {
    let params = o.params;
    let x = params.stake_per_payment_bps;
    let market = scenario.jobs.price_per_unit;
    let unit_price = scenario.reference_unit_price() as f64;
    let epochs = o.epochs.len();
    let epoch_pos = |index: u64| o.epochs.iter().position(|e| e.index == index);
    // Each epoch's rate per unit of score, for what a faked job would have earned.
    let rate: Vec<f64> = o
        .epochs
        .iter()
        .map(|e| {
            if e.total_score == 0 {
                0.0
            } else {
                e.allocated as f64 / e.total_score as f64
            }
        })
        .collect();
    let audit = f64::from(params.audit_rate_bps) / 10_000.0;
    let client_share = f64::from(params.slash_client_share_bps) / 10_000.0;

    let mut out = Vec::new();
    for (actor, sp) in scenario.providers.iter().enumerate() {
        let accounts: Vec<usize> = o
            .providers
            .iter()
            .enumerate()
            .filter(|(_, p)| p.actor == actor)
            .map(|(i, _)| i)
            .collect();
        let kind = sp.kind;
        let cost_unit = f64::from(sp.cost_bps(&scenario.jobs)) / 10_000.0 * unit_price;
        let cf_cost_unit = if kind.computes() {
            cost_unit
        } else {
            f64::from(scenario.jobs.unit_cost_bps) / 10_000.0 * unit_price
        };
        let records: Vec<&JobRecord> = o
            .records
            .iter()
            .filter(|r| accounts.contains(&r.account))
            .collect();
        let mut b = ActorBooks {
            name: sp.name.clone(),
            kind,
            strategy: kind.strategy().into(),
            honest: kind.is_honest(),
            accounts: accounts.clone(),
            stake: sp.stake,
            peak_stake: sp.peak_stake(),
            jobs: records.len() as u64,
            settled: 0,
            fraud: 0,
            audited: 0,
            disputed: 0,
            value: 0,
            gross: 0,
            reported_units: 0,
            computed_units: 0,
            score: 0,
            received: 0.0,
            fees: 0.0,
            own_spend: 0.0,
            cost: 0.0,
            slashed: 0.0,
            slash_back: 0.0,
            rewards: 0.0,
            money_before_rewards: 0.0,
            net: 0.0,
            expected_net: 0.0,
            counterfactual_money: 0.0,
            counterfactual: 0.0,
            multiplier: 1.0,
            counterfactual_multiplier: 1.0,
            unbonded: 0,
            withdrawn: 0,
            withdrawals_refused: 0,
            topped_up: 0,
            basis: vec![Basis::default(); epochs],
            counterfactual_basis: vec![Basis::default(); epochs],
            spice_rewards: vec![0; epochs],
        };
        let cf_stake = sp.peak_stake();
        let cf_m = multiplier_bps(cf_stake, &params);
        b.counterfactual_multiplier = f64::from(cf_m) / 10_000.0;
        let mut rewards_stake: u64 = 0;
        for &i in &accounts {
            let p = &o.providers[i];
            rewards_stake = rewards_stake.saturating_add(p.tally.rewards);
            b.unbonded = b.unbonded.saturating_add(p.tally.unbonded);
            b.withdrawn = b.withdrawn.saturating_add(p.tally.withdrawn);
            b.withdrawals_refused = b
                .withdrawals_refused
                .saturating_add(p.tally.withdrawals_refused);
            b.topped_up = b.topped_up.saturating_add(p.tally.topped_up);
        }
        for (k, e) in o.epochs.iter().enumerate() {
            for &i in &accounts {
                let a = &e.accounts[i];
                let basis = &mut b.basis[k];
                basis.score += a.score;
                basis.gross = basis.gross.saturating_add(a.gross);
                basis.stake = basis.stake.saturating_add(a.stake);
                if a.active {
                    basis.gpus += u64::from(o.providers[i].gpu_count);
                }
                b.spice_rewards[k] = b.spice_rewards[k].saturating_add(a.reward);
                b.score += a.score;
            }
            // The counterfactual holds its whole stake in one account throughout, listing its
            // machines once.
            let cf = &mut b.counterfactual_basis[k];
            cf.stake = cf_stake;
            cf.gpus = if cf_stake >= params.min_stake {
                u64::from(sp.gpu_count)
            } else {
                0
            };
        }

        for r in &records {
            if r.audited {
                b.audited += 1;
            }
            if r.disputed {
                b.disputed += 1;
            }
            b.reported_units = b.reported_units.saturating_add(r.reported);
            b.computed_units = b.computed_units.saturating_add(r.computed);
            b.cost += r.computed as f64 * cost_unit;
            match r.outcome {
                JobOutcome::Settled => {
                    b.settled += 1;
                    b.value = b.value.saturating_add(r.value);
                    b.gross = b.gross.saturating_add(r.gross);
                    b.received += (r.gross - r.fee) as f64;
                    b.fees += r.fee as f64;
                    if r.self_dealt {
                        b.own_spend += r.gross as f64;
                    }
                }
                JobOutcome::Fraud => {
                    b.fraud += 1;
                    b.slashed += valued(r.slashed as f64, x);
                    if r.self_dealt {
                        b.slash_back += valued(r.slash_to_client as f64, x);
                    }
                }
                JobOutcome::Expired | JobOutcome::Open => {}
            }
            // The same work, honestly: what it submitted, sold at the market price.
            if r.reported > 0 {
                let units = r.work_units;
                let gross = units.saturating_mul(market);
                let value =
                    spice::curve::job_value(units, market, params.reference_price).unwrap_or(0);
                b.counterfactual_money +=
                    (gross - super::run::fee_of(gross, params.protocol_fee_bps)) as f64
                        - units as f64 * cf_cost_unit;
                if let Some(k) = epoch_pos(r.epoch) {
                    let cf = &mut b.counterfactual_basis[k];
                    cf.score += score_of(value, cf_m);
                    cf.gross = cf.gross.saturating_add(gross);
                }
            }
        }
        if b.value > 0 {
            b.multiplier = b.score as f64 / b.value as f64;
        }
        b.rewards = valued(rewards_stake as f64, x);
        b.money_before_rewards = b.received + b.slash_back - b.own_spend - b.cost - b.slashed;
        b.net = b.money_before_rewards + b.rewards;

        // Expected net: each epoch's faked jobs of each account replaced by their expectation.
        let mut expected = b.net;
        for &i in &accounts {
            for (k, e) in o.epochs.iter().enumerate() {
                let batch: Vec<&&JobRecord> = records
                    .iter()
                    .filter(|r| r.account == i && r.epoch == e.index && r.fake && r.reported > 0)
                    .collect();
                if batch.is_empty() {
                    continue;
                }
                let self_dealt = batch[0].self_dealt;
                let q = if self_dealt {
                    audit
                } else {
                    audit + (1.0 - audit) * scenario.jobs.check_rate
                };
                let back = if self_dealt { client_share } else { 0.0 };
                let mut realized = 0.0;
                let mut passed = 0.0;
                let mut lock = 0u64;
                let mut vault = 0u64;
                for r in &batch {
                    let gross = r.reported.saturating_mul(r.price);
                    let fee = super::run::fee_of(gross, params.protocol_fee_bps) as f64;
                    let value =
                        spice::curve::job_value(r.reported, r.price, params.reference_price)
                            .unwrap_or(0);
                    let reward = valued(
                        rate[k]
                            * score_of(value, multiplier_bps(r.stake_at_accept, &params)) as f64,
                        x,
                    );
                    let pass = if self_dealt {
                        -fee + reward
                    } else {
                        gross as f64 - fee + reward
                    };
                    passed += (1.0 - q) * pass;
                    realized += match r.outcome {
                        JobOutcome::Settled => pass,
                        JobOutcome::Fraud => {
                            valued(r.slash_to_client as f64, x) * f64::from(u8::from(self_dealt))
                                - valued(r.slashed as f64, x)
                        }
                        _ => 0.0,
                    };
                    lock = lock.max(r.lock);
                    vault = vault.max(r.stake_at_accept);
                }
                let slash: f64 = binomial(batch.len(), q)
                    .iter()
                    .enumerate()
                    .map(|(kk, pk)| pk * (kk as f64 * lock as f64).min(vault as f64))
                    .sum();
                expected += passed - valued(slash, x) * (1.0 - back) - realized;
            }
        }
        b.expected_net = expected;
        out.push(b);
    }
    out
}

/// Pearson's correlation of two series (0 when either is constant or shorter than 2).
pub fn pearson(xs: &[f64], ys: &[f64]) -> f64 {
    let n = xs.len().min(ys.len());
    if n < 2 {
        return 0.0;
    }
    let mean = |v: &[f64]| v.iter().take(n).sum::<f64>() / n as f64;
    let (mx, my) = (mean(xs), mean(ys));
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for i in 0..n {
        let (dx, dy) = (xs[i] - mx, ys[i] - my);
        sxy += dx * dy;
        sxx += dx * dx;
        syy += dy * dy;
    }
    if sxx <= 0.0 || syy <= 0.0 {
        return 0.0;
    }
    sxy / (sxx.sqrt() * syy.sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binomial_sums_to_one_and_has_its_mean() {
        let p = binomial(8, 0.25);
        let total: f64 = p.iter().sum();
        assert!((total - 1.0).abs() < 1e-12);
        let mean: f64 = p.iter().enumerate().map(|(k, pk)| k as f64 * pk).sum();
        assert!((mean - 2.0).abs() < 1e-12);
        assert!((binomial(1, 0.3)[1] - 0.3).abs() < 1e-12);
    }

    #[test]
    fn pearson_of_lines() {
        assert!((pearson(&[1.0, 2.0, 3.0], &[2.0, 4.0, 6.0]) - 1.0).abs() < 1e-12);
        assert!((pearson(&[1.0, 2.0, 3.0], &[3.0, 2.0, 1.0]) + 1.0).abs() < 1e-12);
        assert_eq!(pearson(&[1.0, 1.0], &[1.0, 2.0]), 0.0);
    }
}
