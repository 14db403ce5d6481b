//! The scenario file (TOML): who takes part, how much work there is, and the network's
//! parameters. Everything is checked up front, so a scenario that cannot run (a stake under the
//! minimum, windows that do not fit in an epoch, fewer attestors than the quorum) fails with a
//! sentence before any transaction is sent, not halfway through a run.

use std::collections::BTreeSet;

use anyhow::{bail, ensure, Context as _, Result};
use serde::{Deserialize, Serialize};
use spice::state::NetworkParams;

/// The scenario `spice simulate` runs without `--scenario`.
pub const DEFAULT_SCENARIO: &str = include_str!("../../scenarios/default.toml");

/// A whole simulation: the actors, their behaviour, the job flow and the network.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// Seeds every choice the actors make (job sizes, targets, missed deadlines, approvals)
    /// and the actors' keys. The audit draws come from the ledger's slot hashes, as on a real
    /// cluster, so two runs of one seed can select different jobs for audit.
    pub seed: u64,
    /// Reward epochs to run; each one is finalized and claimed.
    pub epochs: u64,
    /// One mint for payment and stake, or two.
    #[serde(default)]
    pub mints: MintLayout,
    pub jobs: JobsConfig,
    /// Overrides of the simulator's base network parameters, by `NetworkParams` field name.
    #[serde(default)]
    pub network: ParamOverrides,
    #[serde(default)]
    pub rewards: RewardsConfig,
    pub providers: Vec<ProviderSpec>,
    pub clients: ClientsConfig,
    pub attestors: AttestorsConfig,
}

/// Token layout of the network.
#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum MintLayout {
    /// One Token-2022 mint for payment, stake and rewards: fees and rewards are the same
    /// token, so wash trading's loss is literal.
    #[default]
    Single,
    /// Payment on SPL Token, the network token on Token-2022 (the layout of a production
    /// network whose clients pay in a stablecoin).
    Two,
}

/// How clients post work.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct JobsConfig {
    /// Jobs each client posts per epoch.
    pub per_client: u32,
    /// Payment-mint base units per unit of work.
    pub price_per_unit: u64,
    /// Range (inclusive) of a job's `max_units`, drawn uniformly.
    pub max_units: [u64; 2],
    /// Range of the share of `max_units` a job really needs (what an honest provider reports
    /// and attestors measure).
    #[serde(default = "default_used_fraction")]
    pub used_fraction: [f64; 2],
    /// Share of clean results (not drawn for audit) the client approves at once; the others
    /// are settled by the crank once the challenge window has passed.
    #[serde(default = "default_approve_rate")]
    pub approve_rate: f64,
    /// Accept window each job asks for.
    #[serde(default = "default_accept_seconds")]
    pub accept_seconds: i64,
    /// Run time each job grants from acceptance (its completion deadline).
    #[serde(default = "default_run_seconds")]
    pub run_seconds: i64,
    /// How long providers work before submitting (must be under `run_seconds`).
    #[serde(default = "default_work_seconds")]
    pub work_seconds: i64,
}

fn default_used_fraction() -> [f64; 2] {
    [0.5, 1.0]
}
fn default_approve_rate() -> f64 {
    0.8
}
fn default_accept_seconds() -> i64 {
    600
}
fn default_run_seconds() -> i64 {
    3_600
}
fn default_work_seconds() -> i64 {
    1_800
}

/// What a provider does with the work it gets.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum ProviderKind {
    /// Runs every job and reports what it measured.
    Honest,
    /// Accepts jobs and lets some miss their completion deadline (`miss_rate`).
    Lazy,
    /// Reports work it never did; attestors measure none when the job is audited.
    Cheater,
    /// Stakes and never works.
    StakeOnly,
    /// Posts jobs to itself (`self_jobs` per epoch) to farm rewards.
    Wash,
}

impl ProviderKind {
    pub fn label(self) -> &'static str {
        match self {
            ProviderKind::Honest => "honest",
            ProviderKind::Lazy => "lazy",
            ProviderKind::Cheater => "cheater",
            ProviderKind::StakeOnly => "stake_only",
            ProviderKind::Wash => "wash",
        }
    }
}

/// One provider.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ProviderSpec {
    pub name: String,
    pub kind: ProviderKind,
    /// Stake registered with (stake-mint base units).
    pub stake: u64,
    /// Weight of this provider when clients pick who runs a job (its share of client jobs).
    #[serde(default)]
    pub capacity: u32,
    /// Wash trader only: jobs it posts to itself per epoch.
    #[serde(default)]
    pub self_jobs: u32,
    /// Lazy only: share of accepted jobs it lets expire (default 0.75).
    #[serde(default)]
    pub miss_rate: Option<f64>,
    #[serde(default = "default_gpu")]
    pub gpu: String,
    #[serde(default = "default_gpu_count")]
    pub gpu_count: u16,
    #[serde(default = "default_vram")]
    pub vram_gb: u16,
    #[serde(default = "default_region")]
    pub region: String,
}

fn default_gpu() -> String {
    "H100-SXM".into()
}
fn default_gpu_count() -> u16 {
    8
}
fn default_vram() -> u16 {
    80
}
fn default_region() -> String {
    "eu-west".into()
}

impl ProviderSpec {
    /// Share of accepted jobs the provider lets expire.
    pub fn miss_rate(&self) -> f64 {
        match self.kind {
            ProviderKind::Lazy => self.miss_rate.unwrap_or(0.75),
            _ => 0.0,
        }
    }

    /// Whether clients may hire it.
    pub fn takes_client_jobs(&self) -> bool {
        self.capacity > 0 && self.kind != ProviderKind::StakeOnly
    }
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ClientsConfig {
    pub count: u32,
    /// Payment tokens (base units) each client starts with; by default enough to escrow every
    /// job it will post at the largest size.
    #[serde(default)]
    pub budget: Option<u64>,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct AttestorsConfig {
    pub count: u32,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RewardsConfig {
    /// Stake-mint base units put in the reward vault at the start; by default the curve's
    /// emission over every epoch of the run, so the vault never runs short.
    #[serde(default)]
    pub fund: Option<u64>,
}

/// `NetworkParams` with every field optional: the scenario's `[network]` table, and (all set)
/// the parameters the report echoes. The same table as deploy files' `[params]`.
pub use crate::params::ParamsToml as ParamOverrides;

/// Decimals of the simulator's mints (amounts in scenarios are base units).
pub const DECIMALS: u8 = 6;
const TOKEN: u64 = 1_000_000;
const HOUR: i64 = 3_600;
const DAY: i64 = 24 * HOUR;

/// The network the simulator starts from: one-day epochs, every window short enough that a
/// job's whole life fits in an epoch, a one-hour unbonding period (the governance delay the
/// setup waits out for its attestors), a 5 % fee, a reward rate cap of 1.25 % of a job's value
/// (2.5 % at the highest multiplier: half the fee, so rewards never exceed fees and wash
/// trading loses), no reference price or exposure limit (allowed below the fee), a 25 % audit
/// rate with a 2-vote quorum and a 25 % slash.
pub fn base_params() -> NetworkParams {
    NetworkParams {
        min_stake: 1_000 * TOKEN,
        unbond_seconds: HOUR,
        protocol_fee_bps: 500,
        slash_bps: 2_500,
        slash_client_share_bps: 5_000,
        max_accept_seconds: HOUR,
        max_run_seconds: 4 * HOUR,
        challenge_seconds: 6 * HOUR,
        dispute_seconds: 12 * HOUR,
        audit_rate_bps: 2_500,
        attestation_quorum: 2,
        epoch_seconds: DAY,
        initial_emission: 3 * TOKEN,
        emission_decay_bps: 1_000,
        tail_emission: TOKEN,
        max_total_emission: 1_000 * TOKEN,
        m_max_bps: 20_000,
        stake_cap: 20_000 * TOKEN,
        reward_rate_cap_bps: 125,
        reference_price: 0,
        stake_per_payment_bps: 10_000,
        max_exposure_bps: 0,
        shard_count: 4,
        claim_window_epochs: 8,
        max_reward_outflow_per_window: 10 * TOKEN,
        outflow_window_seconds: HOUR,
    }
}

impl Scenario {
    /// Parses and checks a scenario file's text.
    pub fn parse(text: &str) -> Result<Self> {
        let scenario: Scenario = toml::from_str(text).context("invalid scenario TOML")?;
        scenario.validate()?;
        Ok(scenario)
    }

    /// The network parameters the run creates its network with.
    pub fn params(&self) -> NetworkParams {
        self.network.apply(&base_params())
    }

    /// Jobs the run will post (for the progress bar).
    pub fn planned_jobs(&self) -> u64 {
        let per_epoch = u64::from(self.clients.count)
            .saturating_mul(u64::from(self.jobs.per_client))
            .saturating_add(self.providers.iter().map(|p| u64::from(p.self_jobs)).sum());
        per_epoch.saturating_mul(self.epochs)
    }

    /// Payment tokens each client starts with.
    pub fn client_budget(&self) -> Result<u64> {
        if let Some(b) = self.clients.budget {
            return Ok(b);
        }
        self.largest_escrow()?
            .checked_mul(u64::from(self.jobs.per_client))
            .and_then(|v| v.checked_mul(self.epochs))
            .context("client budget overflows u64: lower price_per_unit, max_units or epochs")
    }

    /// Escrow of the largest job.
    pub fn largest_escrow(&self) -> Result<u64> {
        self.jobs
            .price_per_unit
            .checked_mul(self.jobs.max_units[1])
            .context("price_per_unit × max_units overflows u64")
    }

    /// A job's whole life (accept, run, or work plus the challenge window), with a minute of
    /// margin: it must fit in the epoch the job starts in.
    pub fn job_life_seconds(&self) -> i64 {
        let j = &self.jobs;
        j.accept_seconds
            .max(j.run_seconds)
            .max(
                j.work_seconds
                    .saturating_add(self.params().challenge_seconds),
            )
            .saturating_add(60)
    }

    /// Refuses a scenario that cannot run, with the reason.
    pub fn validate(&self) -> Result<()> {
        let p = self.params();
        if let Err(e) = p.validate_for(self.mints == MintLayout::Single) {
            bail!(
                "[network] parameters out of bounds: {e} (bounds, the economic ones included: \
                 docs/REFERENCE.md)"
            );
        }
        ensure!(
            (1..=200).contains(&self.epochs),
            "epochs must be 1 to 200 (got {})",
            self.epochs
        );
        ensure!(!self.providers.is_empty(), "a scenario needs providers");
        let mut names = BTreeSet::new();
        for sp in &self.providers {
            let who = format!("provider {:?}", sp.name);
            ensure!(
                !sp.name.is_empty() && sp.name.len() <= 24,
                "{who}: names are 1 to 24 bytes"
            );
            ensure!(names.insert(sp.name.as_str()), "{who} appears twice");
            ensure!(
                sp.stake >= p.min_stake,
                "{who}: stake {} is under min_stake {}",
                sp.stake,
                p.min_stake
            );
            ensure!(
                sp.gpu.len() <= 32 && sp.region.len() <= 16,
                "{who}: gpu is at most 32 bytes, region at most 16"
            );
            match sp.kind {
                ProviderKind::StakeOnly => ensure!(
                    sp.capacity == 0,
                    "{who}: a stake_only provider never works; capacity must be 0"
                ),
                ProviderKind::Wash => ensure!(
                    sp.self_jobs > 0,
                    "{who}: a wash trader needs self_jobs > 0 (jobs it posts to itself per epoch)"
                ),
                _ => {}
            }
            ensure!(
                sp.self_jobs == 0 || sp.kind == ProviderKind::Wash,
                "{who}: only a wash trader posts jobs to itself (self_jobs)"
            );
            if let Some(rate) = sp.miss_rate {
                ensure!(
                    sp.kind == ProviderKind::Lazy,
                    "{who}: miss_rate is for lazy providers"
                );
                ensure!((0.0..=1.0).contains(&rate), "{who}: miss_rate is 0 to 1");
            }
        }
        let j = &self.jobs;
        let client_jobs = self.clients.count > 0 && j.per_client > 0;
        if client_jobs && !self.providers.iter().any(|sp| sp.takes_client_jobs()) {
            bail!("clients post jobs but no provider has capacity > 0 to take them");
        }
        ensure!(
            j.price_per_unit > 0 && j.max_units[0] > 0 && j.max_units[0] <= j.max_units[1],
            "jobs: price_per_unit > 0 and 0 < max_units[0] <= max_units[1]"
        );
        self.largest_escrow()?;
        ensure!(
            0.0 <= j.used_fraction[0]
                && j.used_fraction[0] <= j.used_fraction[1]
                && j.used_fraction[1] <= 1.0,
            "jobs: used_fraction is a range within 0 to 1"
        );
        ensure!(
            (0.0..=1.0).contains(&j.approve_rate),
            "jobs: approve_rate is 0 to 1"
        );
        ensure!(
            (60..=p.max_accept_seconds).contains(&j.accept_seconds),
            "jobs: accept_seconds must be 60 to max_accept_seconds ({})",
            p.max_accept_seconds
        );
        ensure!(
            (60..=p.max_run_seconds).contains(&j.run_seconds),
            "jobs: run_seconds must be 60 to max_run_seconds ({})",
            p.max_run_seconds
        );
        ensure!(
            0 < j.work_seconds && j.work_seconds < j.run_seconds,
            "jobs: work_seconds must be above 0 and under run_seconds"
        );
        // A job's whole life (accept, work, the later of its completion deadline and its
        // challenge window) must end inside the epoch it started in, so its settlement scores
        // for that epoch, which is then finalized.
        let life = self.job_life_seconds();
        ensure!(
            life < p.epoch_seconds,
            "a job's life ({life} s: accept, run or work + challenge window) must fit in an \
             epoch ({} s)",
            p.epoch_seconds
        );
        if p.audit_rate_bps > 0 {
            ensure!(
                self.attestors.count >= u32::from(p.attestation_quorum),
                "audit_rate_bps > 0 needs at least attestation_quorum ({}) attestors: \
                 audited jobs could never settle",
                p.attestation_quorum
            );
        }
        ensure!(
            self.attestors.count <= 16 && self.clients.count <= 64 && self.providers.len() <= 64,
            "at most 16 attestors, 64 clients and 64 providers"
        );
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_scenarios_parse() {
        Scenario::parse(DEFAULT_SCENARIO).expect("default scenario");
        Scenario::parse(include_str!("../../scenarios/small.toml")).expect("small scenario");
    }

    #[test]
    fn overrides_replace_only_what_they_name() {
        let o: ParamOverrides = toml::from_str("slash_bps = 9000").expect("toml");
        let p = o.apply(&base_params());
        assert_eq!(p.slash_bps, 9_000);
        assert_eq!(p.min_stake, base_params().min_stake);
        assert!(toml::from_str::<ParamOverrides>("no_such_param = 1").is_err());
    }

    #[test]
    fn refuses_a_stake_under_the_minimum() {
        let text = DEFAULT_SCENARIO.replace("stake = 20_000_000_000", "stake = 1");
        let err = Scenario::parse(&text).expect_err("refused");
        assert!(format!("{err:#}").contains("under min_stake"), "{err:#}");
    }
}
