//! The same run under four reward rules. Each epoch's emission `E` (what the program made
//! available at finalization) is paid out by:
//!
//! - **spice**: what the program allocated and paid, `min(E, r × S)` shared by score
//!   (value × the stake multiplier); the rest returns to the pool (the rate cap).
//! - **stake**: stake-proportional, as Nosana's staking rewards: `E` split by active stake at
//!   the epoch's end × a lock multiplier. Every provider here has the same unbonding period, so
//!   the lock multiplier is the same for all (Nosana's `1 + 3 × lock / 365 days`) and cancels.
//! - **render**: the value of approved jobs, as Render's: `E` split by what each provider's
//!   settled jobs paid, uncapped (no reference price, no multiplier).
//! - **ionet**: availability, as io.net's block rewards: `E` split by the GPUs each active
//!   provider account lists (a sybil's accounts list the same machines; io.net's
//!   proof-of-work checks are meant to catch that, and nothing on this chain does).
//!
//! Nothing is re-run: the rules read the run's books. For each rule: the correlation of honest
//! providers' reward ÷ their stake multiplier with their verified paid value, the share of each
//! epoch's emission that reached honest providers or returned to the pool, and each
//! adversary's profit (its money with the rule's reward) against its honest counterfactual under
//! the same rule (its basis replaced by the counterfactual's, everyone else's unchanged).

use serde::Serialize;

use super::accounting::{pearson, valued, ActorBooks, Basis};
use super::run::Outcome;
use super::scenario::ProviderKind;

/// The reward rules compared.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    Spice,
    Stake,
    Render,
    Ionet,
}

impl Rule {
    pub const ALL: [Rule; 4] = [Rule::Spice, Rule::Stake, Rule::Render, Rule::Ionet];

    pub fn label(self) -> &'static str {
        match self {
            Rule::Spice => "Spice (value × m, rate cap)",
            Rule::Stake => "stake × lock (Nosana)",
            Rule::Render => "approved job value (Render)",
            Rule::Ionet => "GPUs online (io.net)",
        }
    }

    pub fn short(self) -> &'static str {
        match self {
            Rule::Spice => "spice",
            Rule::Stake => "stake",
            Rule::Render => "render",
            Rule::Ionet => "ionet",
        }
    }

    /// A basis's weight under this rule (Spice's is its score).
    fn weight(self, b: &Basis) -> u128 {
        match self {
            Rule::Spice => b.score,
            Rule::Stake => u128::from(b.stake),
            Rule::Render => u128::from(b.gross),
            Rule::Ionet => u128::from(b.gpus),
        }
    }

    /// Rewards of one epoch: `E` split by weight (Spice's allocation capped by the rate cap),
    /// rounded down; and what returns to the pool.
    fn split(self, emission: u64, weights: &[u128], rate_cap_bps: u32) -> (Vec<u64>, u64) {
        let total: u128 = weights.iter().sum();
        if total == 0 {
            return (vec![0; weights.len()], emission);
        }
        let allocated = match self {
            Rule::Spice => {
                spice::curve::epoch_allocation(emission, total, rate_cap_bps).unwrap_or(0)
            }
            _ => emission,
        };
        let rewards: Vec<u64> = weights
            .iter()
            .map(|w| spice::curve::reward_share(allocated, *w, total).unwrap_or(0))
            .collect();
        let paid: u64 = rewards.iter().sum();
        (rewards, emission.saturating_sub(paid))
    }
}

/// One epoch's emission under one rule.
#[derive(Clone, Debug, Serialize)]
pub struct EpochSplit {
    pub epoch: u64,
    pub emission: u64,
    pub to_honest: u64,
    pub to_adversaries: u64,
    /// Not allocated (Spice's rate cap) or rounding: back to the pool.
    pub returned: u64,
    /// `(to_honest + returned) / emission`.
    pub honest_or_returned: f64,
}

/// One adversary under one rule.
#[derive(Clone, Debug, Serialize)]
pub struct AdversaryUnderRule {
    pub name: String,
    pub kind: ProviderKind,
    /// Its reward under the rule (payment units).
    pub reward: f64,
    /// Its money with that reward.
    pub profit: f64,
    /// The same work done honestly, rewarded by the same rule.
    pub counterfactual: f64,
    /// `profit − counterfactual`: what the strategy gained over honest work.
    pub gain: f64,
}

/// One rule's measures.
#[derive(Clone, Debug, Serialize)]
pub struct RuleResult {
    pub rule: Rule,
    pub label: String,
    /// Pearson correlation, over honest providers, of reward ÷ stake multiplier with verified
    /// paid value (the multiplier is the one their jobs scored at under Spice).
    pub correlation: f64,
    /// The same without dividing by the multiplier.
    pub correlation_raw: f64,
    /// The smallest share, over epochs, of the emission that reached honest providers or
    /// returned to the pool.
    pub honest_share_min: f64,
    /// Over the whole run.
    pub honest_share_total: f64,
    pub epochs: Vec<EpochSplit>,
    pub adversaries: Vec<AdversaryUnderRule>,
    /// Honest providers' rewards ÷ the fees their jobs paid.
    pub honest_reward_per_fee: f64,
    /// Spice only: the largest gap, over actors and epochs, between this module's rule and
    /// what the program paid (base units; rounding of a sybil's accounts, one per account).
    pub formula_gap: u64,
}

/// Every rule on the run's books; fills in each actor's Spice counterfactual.
pub fn compare(o: &Outcome, books: &mut [ActorBooks]) -> Vec<RuleResult> {
    let x = o.params.stake_per_payment_bps;
    let cap = o.params.reward_rate_cap_bps;
    let mut out = Vec::new();
    for rule in Rule::ALL {
        let n = books.len();
        let mut rewards = vec![0u64; n];
        let mut cf_rewards = vec![0u64; n];
        let mut epochs = Vec::new();
        let mut formula_gap = 0;
        for (k, e) in o.epochs.iter().enumerate() {
            let weights: Vec<u128> = books.iter().map(|b| rule.weight(&b.basis[k])).collect();
            let (mut split, mut returned) = rule.split(e.emission, &weights, cap);
            if rule == Rule::Spice {
                for (b, r) in books.iter().zip(&split) {
                    formula_gap = formula_gap.max(b.spice_rewards[k].abs_diff(*r));
                }
                // What the program actually paid (the same rule; the accounts of a sybil are
                // paid one by one, each rounded down).
                split = books.iter().map(|b| b.spice_rewards[k]).collect();
                // What the rate cap withheld, and what rounding left of the allocation (it
                // returns when the epoch closes, with anything unclaimed).
                returned = e.emission.saturating_sub(split.iter().sum());
            }
            for (a, b) in books.iter().enumerate() {
                rewards[a] = rewards[a].saturating_add(split[a]);
                if b.kind.is_honest() {
                    continue;
                }
                // The counterfactual: its basis replaced, everyone else's unchanged.
                let mut w = weights.clone();
                w[a] = rule.weight(&b.counterfactual_basis[k]);
                let (cf, _) = rule.split(e.emission, &w, cap);
                cf_rewards[a] = cf_rewards[a].saturating_add(cf[a]);
            }
            let to_honest: u64 = books
                .iter()
                .zip(&split)
                .filter(|(b, _)| b.honest)
                .map(|(_, r)| *r)
                .sum();
            let to_adversaries: u64 = books
                .iter()
                .zip(&split)
                .filter(|(b, _)| !b.honest)
                .map(|(_, r)| *r)
                .sum();
            let share = if e.emission == 0 {
                1.0
            } else {
                (to_honest + returned) as f64 / e.emission as f64
            };
            epochs.push(EpochSplit {
                epoch: e.index,
                emission: e.emission,
                to_honest,
                to_adversaries,
                returned,
                honest_or_returned: share,
            });
        }
        let honest: Vec<usize> = (0..books.len())
            .filter(|&a| books[a].honest && books[a].value > 0)
            .collect();
        let value: Vec<f64> = honest.iter().map(|&a| books[a].value as f64).collect();
        let per_m: Vec<f64> = honest
            .iter()
            .map(|&a| rewards[a] as f64 / books[a].multiplier.max(1e-9))
            .collect();
        let raw: Vec<f64> = honest.iter().map(|&a| rewards[a] as f64).collect();
        let emission: u64 = epochs.iter().map(|s| s.emission).sum();
        let kept: u64 = epochs.iter().map(|s| s.to_honest + s.returned).sum();
        let honest_fees: f64 = honest.iter().map(|&a| books[a].fees).sum();
        let honest_rewards: f64 = honest.iter().map(|&a| valued(rewards[a] as f64, x)).sum();
        let mut adversaries = Vec::new();
        for (a, b) in books.iter_mut().enumerate() {
            if b.honest {
                continue;
            }
            let reward = valued(rewards[a] as f64, x);
            let profit = b.money_before_rewards + reward;
            let counterfactual = b.counterfactual_money + valued(cf_rewards[a] as f64, x);
            if rule == Rule::Spice {
                b.counterfactual = counterfactual;
            }
            adversaries.push(AdversaryUnderRule {
                name: b.name.clone(),
                kind: b.kind,
                reward,
                profit,
                counterfactual,
                gain: profit - counterfactual,
            });
        }
        out.push(RuleResult {
            rule,
            label: rule.label().into(),
            correlation: pearson(&value, &per_m),
            correlation_raw: pearson(&value, &raw),
            honest_share_min: epochs
                .iter()
                .map(|s| s.honest_or_returned)
                .fold(1.0, f64::min),
            honest_share_total: if emission == 0 {
                1.0
            } else {
                kept as f64 / emission as f64
            },
            epochs,
            adversaries,
            honest_reward_per_fee: if honest_fees > 0.0 {
                honest_rewards / honest_fees
            } else {
                0.0
            },
            formula_gap,
        });
    }
    out
}
