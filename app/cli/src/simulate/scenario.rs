//! The scenario file (TOML): who takes part, how much work there is, and the network's
//! parameters. Everything is checked up front, so a scenario that cannot run (a stake under the
//! minimum, windows that do not fit in an epoch, fewer attestors than the quorum) fails with a
//! sentence before any transaction is sent, not halfway through a run.

use std::collections::BTreeSet;

use anyhow::{bail, ensure, Context as _, Result};
use serde::{Deserialize, Serialize};
use spice::state::NetworkParams;

/// The scenarios `spice simulate` runs without `--scenario`: the same market under the two
/// regimes of docs/ECONOMICS.md.
pub const DEFAULT_SCENARIOS: [(&str, &str); 2] = [
    ("fee-rich", include_str!("../../scenarios/fee-rich.toml")),
    (
        "emission-rich",
        include_str!("../../scenarios/emission-rich.toml"),
    ),
];

/// The built-in scenario named `name` (`fee-rich`, `emission-rich`), if there is one.
pub fn builtin(name: &str) -> Option<&'static str> {
    DEFAULT_SCENARIOS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, text)| *text)
}

/// A whole simulation: the actors, their behaviour, the job flow and the network.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// Seeds every choice the actors make (job sizes, targets, missed deadlines, approvals,
    /// checks) and the actors' keys. The audit draws come from the ledger's slot hashes, as on
    /// a real cluster, so two runs of one seed can select different jobs for audit.
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

/// How clients post work, what they check, and what compute costs.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct JobsConfig {
    /// Jobs each client posts per epoch.
    pub per_client: u32,
    /// Payment-mint base units per unit of work: the market price clients pay.
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
    /// Share of results a client checks itself (0 to 1). A checked result whose units were
    /// never computed is disputed: attestors vote on it. Honest results pass every check.
    #[serde(default)]
    pub check_rate: f64,
    /// Compute cost of one real unit of work, in bps of the reference price (the network's
    /// `reference_price`, or `price_per_unit` without one): what every provider that really
    /// computes pays unless its own `cost_bps` says otherwise. Fakers pay none.
    #[serde(default = "default_unit_cost_bps")]
    pub unit_cost_bps: u32,
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
fn default_unit_cost_bps() -> u32 {
    5_000
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

/// What a provider does. Honest and lazy providers report what they computed; every other kind
/// is an adversary of docs/ECONOMICS.md, played with the program's real instructions.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum ProviderKind {
    /// Runs every job and reports what it measured.
    Honest,
    /// Accepts jobs and lets some miss their completion deadline (`miss_rate`); reports
    /// truthfully what it does submit.
    Lazy,
    /// Serves clients and reports units it never computed; caught by the audit or by a client
    /// that checks (`check_rate`): refund and slash.
    Cheater,
    /// A cheater that begins unbonding all it can as soon as one of its jobs is disputed or
    /// drawn for audit, and tries to withdraw before the verdict (the lock keeps the slash).
    UnbondingCheater,
    /// Stakes and never works.
    StakeOnly,
    /// Posts jobs to itself at the market price (`self_jobs` per epoch) and runs them: real
    /// compute at its `cost_bps`.
    Wash,
    /// Posts jobs to itself at `price_multiple` × the reference price and runs them.
    OverPricer,
    /// Posts jobs to itself at price 1 with as many units as the market price would have made
    /// the same payment; computes the real units (attestors measure those).
    Dust,
    /// Posts jobs to itself and reports units it never computed (no cost).
    Faker,
    /// Posts jobs to itself at the market price and runs real but useless compute, at the
    /// cheapest cost docs/ECONOMICS.md assumes (`cost_bps`, κ = 20 % by default).
    UselessWork,
    /// Posts `self_jobs` fake jobs to itself at once, together worth all its exposure limit
    /// allows: many fakes before the first audit.
    FakeBurst,
    /// Serves clients honestly with a small stake, stakes `top_up` more just before its jobs
    /// settle and unbonds it right after.
    StakeTimer,
    /// Serves clients honestly, its stake split over `split` provider accounts listing the
    /// same machines.
    Sybil,
    /// Posts fake jobs to itself; the scenario's colluding attestors vote Valid on them.
    Colluder,
}

impl ProviderKind {
    pub fn label(self) -> &'static str {
        match self {
            ProviderKind::Honest => "honest",
            ProviderKind::Lazy => "lazy",
            ProviderKind::Cheater => "cheater",
            ProviderKind::UnbondingCheater => "unbonding_cheater",
            ProviderKind::StakeOnly => "stake_only",
            ProviderKind::Wash => "wash",
            ProviderKind::OverPricer => "over_pricer",
            ProviderKind::Dust => "dust",
            ProviderKind::Faker => "faker",
            ProviderKind::UselessWork => "useless_work",
            ProviderKind::FakeBurst => "fake_burst",
            ProviderKind::StakeTimer => "stake_timer",
            ProviderKind::Sybil => "sybil",
            ProviderKind::Colluder => "colluder",
        }
    }

    /// The strategy in a few words, for the tables.
    pub fn strategy(self) -> &'static str {
        match self {
            ProviderKind::Honest => "computes and reports what it measured",
            ProviderKind::Lazy => "misses most deadlines, reports truthfully",
            ProviderKind::Cheater => "fakes units on clients' jobs",
            ProviderKind::UnbondingCheater => "fakes units, unbonds when disputed or audited",
            ProviderKind::StakeOnly => "stakes, never works",
            ProviderKind::Wash => "pays itself for real work at the market price",
            ProviderKind::OverPricer => "pays itself far above the reference price",
            ProviderKind::Dust => "pays itself for huge units at price 1",
            ProviderKind::Faker => "pays itself for units it never computed",
            ProviderKind::UselessWork => "pays itself for real useless work at cost κ",
            ProviderKind::FakeBurst => "fills its exposure limit with fakes at once",
            ProviderKind::StakeTimer => "tops up before settlement, unbonds after",
            ProviderKind::Sybil => "splits its stake over several accounts",
            ProviderKind::Colluder => "fakes units, an attestor votes Valid for it",
        }
    }

    /// Honest and lazy providers: they report what they computed and nothing else.
    pub fn is_honest(self) -> bool {
        matches!(self, ProviderKind::Honest | ProviderKind::Lazy)
    }

    /// Posts jobs to itself (a pure self-dealer: its only client is itself).
    pub fn self_dealer(self) -> bool {
        matches!(
            self,
            ProviderKind::Wash
                | ProviderKind::OverPricer
                | ProviderKind::Dust
                | ProviderKind::Faker
                | ProviderKind::UselessWork
                | ProviderKind::FakeBurst
                | ProviderKind::Colluder
        )
    }

    /// Reports units it never computed (attestors measure none: Invalid).
    pub fn fakes_units(self) -> bool {
        matches!(
            self,
            ProviderKind::Cheater
                | ProviderKind::UnbondingCheater
                | ProviderKind::Faker
                | ProviderKind::FakeBurst
                | ProviderKind::Colluder
        )
    }

    /// Takes jobs from clients.
    pub fn serves_clients(self) -> bool {
        matches!(
            self,
            ProviderKind::Honest
                | ProviderKind::Lazy
                | ProviderKind::Cheater
                | ProviderKind::UnbondingCheater
                | ProviderKind::StakeTimer
                | ProviderKind::Sybil
        )
    }

    /// Pays for the compute of the units it reports (or, for the dust dealer, of the units the
    /// job really needs).
    pub fn computes(self) -> bool {
        !self.fakes_units() && self != ProviderKind::StakeOnly
    }
}

/// One provider (an actor: a sybil is one actor with several provider accounts).
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ProviderSpec {
    pub name: String,
    pub kind: ProviderKind,
    /// Stake registered with (stake-mint base units); a sybil's is split over its accounts.
    pub stake: u64,
    /// Weight of this provider when clients pick who runs a job (its share of client jobs).
    #[serde(default)]
    pub capacity: u32,
    /// Client jobs reserved for it every epoch, on top of (or instead of) its capacity share.
    #[serde(default)]
    pub client_jobs: u32,
    /// Self-dealers: jobs it posts to itself per epoch.
    #[serde(default)]
    pub self_jobs: u32,
    /// Self-dealers: range of the units of work of its own jobs (default: the clients' range).
    #[serde(default)]
    pub self_units: Option<[u64; 2]>,
    /// Compute cost per real unit, bps of the reference price (default `jobs.unit_cost_bps`;
    /// `useless_work`: 2 000, the κ of docs/ECONOMICS.md).
    #[serde(default)]
    pub cost_bps: Option<u32>,
    /// Lazy only: share of accepted jobs it lets expire (default 0.75).
    #[serde(default)]
    pub miss_rate: Option<f64>,
    /// Over-pricer: its price as a multiple of the reference price (default 4).
    #[serde(default)]
    pub price_multiple: Option<u64>,
    /// Sybil: provider accounts its stake and work are split over (default 2).
    #[serde(default)]
    pub split: Option<u32>,
    /// Stake timer: stake added just before its jobs settle and unbonded right after.
    #[serde(default)]
    pub top_up: Option<u64>,
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

/// The cost floor κ of docs/ECONOMICS.md (`MIN_UNIT_COST_BPS`): the useless-work dealer's
/// default cost.
pub const KAPPA_BPS: u32 = spice::constants::MIN_UNIT_COST_BPS;

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
        (self.capacity > 0 || self.client_jobs > 0) && self.kind.serves_clients()
    }

    /// Its compute cost per real unit, bps of the reference price.
    pub fn cost_bps(&self, jobs: &JobsConfig) -> u32 {
        match (self.cost_bps, self.kind) {
            (Some(c), _) => c,
            (None, ProviderKind::UselessWork) => KAPPA_BPS,
            (None, _) => jobs.unit_cost_bps,
        }
    }

    /// Provider accounts it runs (a sybil's split, else one).
    pub fn accounts(&self) -> u32 {
        match self.kind {
            ProviderKind::Sybil => self.split.unwrap_or(2),
            _ => 1,
        }
    }

    /// The over-pricer's price multiple.
    pub fn price_multiple(&self) -> u64 {
        self.price_multiple.unwrap_or(4)
    }

    /// The range of its own jobs' units.
    pub fn self_units(&self, jobs: &JobsConfig) -> [u64; 2] {
        self.self_units.unwrap_or(jobs.max_units)
    }

    /// The most stake it holds at once: a stake timer's top-up included.
    pub fn peak_stake(&self) -> u64 {
        self.stake.saturating_add(self.top_up.unwrap_or(0))
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
    /// The first `colluding` attestors vote Valid, with the reported units, on the jobs of
    /// every `colluder` provider (and first, before any honest attestor); they vote truthfully
    /// on every other job.
    #[serde(default)]
    pub colluding: u32,
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

/// Parameters `--set` and `--sweep` accept besides every `NetworkParams` field.
pub const SCENARIO_PARAMS: &[(&str, &str)] = &[
    (
        "check_rate_bps",
        "share of results clients check themselves (jobs.check_rate), bps",
    ),
    (
        "unit_cost_bps",
        "compute cost per real unit of providers without their own cost_bps, bps of the reference price",
    ),
    (
        "self_cost_bps",
        "compute cost of every self-dealer that really computes (wash, over_pricer, dust, useless_work), bps of the reference price",
    ),
    ("epochs", "reward epochs to run"),
    (
        "PROVIDER.FIELD",
        "one field of one provider entry (e.g. swarm.stake, swarm.self_jobs)",
    ),
];

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

    /// Price one unit of work counts for: the reference price, or the market price without
    /// one. Compute costs are shares of it.
    pub fn reference_unit_price(&self) -> u64 {
        match self.params().reference_price {
            0 => self.jobs.price_per_unit,
            r => r,
        }
    }

    /// Sets one parameter by name (`--set`, `--sweep`): a `NetworkParams` field, or one of
    /// [`SCENARIO_PARAMS`]. Not re-checked: call [`Scenario::validate`] (or the run's
    /// `create_network`) after.
    pub fn set(&mut self, name: &str, value: &str) -> Result<()> {
        let number = || -> Result<u64> {
            value
                .trim()
                .replace('_', "")
                .parse::<u64>()
                .with_context(|| format!("{name}: {value:?} is not a whole number"))
        };
        match name {
            "check_rate_bps" => self.jobs.check_rate = number()? as f64 / 10_000.0,
            "unit_cost_bps" => {
                self.jobs.unit_cost_bps = u32::try_from(number()?).context("unit_cost_bps")?
            }
            "self_cost_bps" => {
                let c = u32::try_from(number()?).context("self_cost_bps")?;
                for p in &mut self.providers {
                    if p.kind.self_dealer() && p.kind.computes() {
                        p.cost_bps = Some(c);
                    }
                }
            }
            "epochs" => self.epochs = number()?,
            _ if name.contains('.') => {
                // PROVIDER.FIELD: one field of one provider entry, as its TOML would set it.
                let (who, field) = name.split_once('.').context("PROVIDER.FIELD")?;
                let sp = self
                    .providers
                    .iter_mut()
                    .find(|p| p.name == who)
                    .with_context(|| format!("{name}: no provider named {who:?}"))?;
                let mut table = toml::Table::try_from(&*sp).context("provider entry")?;
                let parsed: toml::Table = toml::from_str(&format!("{field} = {value}"))
                    .with_context(|| format!("{name}: {value:?} is not a TOML value"))?;
                table.extend(parsed);
                *sp = table
                    .try_into()
                    .with_context(|| format!("{name}: not a field of a provider entry"))?;
            }
            _ => {
                let one =
                    crate::params::parse_sets(&[format!("{name}={value}")]).with_context(|| {
                        let extra: Vec<&str> = SCENARIO_PARAMS.iter().map(|(n, _)| *n).collect();
                        format!(
                            "{name}: not a network parameter (docs/REFERENCE.md) nor one of {}",
                            extra.join(", ")
                        )
                    })?;
                let mut table =
                    toml::Table::try_from(&self.network).context("scenario [network]")?;
                let add = toml::Table::try_from(&one).context("--set value")?;
                table.extend(add);
                self.network = table.try_into().context("scenario [network]")?;
            }
        }
        Ok(())
    }

    /// Jobs the run will post (for the progress bar).
    pub fn planned_jobs(&self) -> u64 {
        let per_epoch = u64::from(self.clients.count)
            .saturating_mul(u64::from(self.jobs.per_client))
            .saturating_add(self.providers.iter().map(|p| u64::from(p.self_jobs)).sum());
        per_epoch.saturating_mul(self.epochs)
    }

    /// Client jobs per epoch reserved for named providers.
    pub fn reserved_client_jobs(&self) -> u64 {
        self.providers
            .iter()
            .filter(|p| p.kind.serves_clients())
            .map(|p| u64::from(p.client_jobs))
            .sum()
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

    /// Escrow of the largest client job.
    pub fn largest_escrow(&self) -> Result<u64> {
        self.jobs
            .price_per_unit
            .checked_mul(self.jobs.max_units[1])
            .context("price_per_unit × max_units overflows u64")
    }

    /// Payment tokens a self-dealer needs for one epoch's own jobs at their largest (a
    /// fake-burst's at all its exposure limit allows).
    pub fn self_budget_per_epoch(&self, sp: &ProviderSpec) -> Result<u64> {
        if !sp.kind.self_dealer() {
            return Ok(0);
        }
        let p = self.params();
        let units = sp.self_units(&self.jobs)[1];
        let price = match sp.kind {
            ProviderKind::OverPricer => self
                .reference_unit_price()
                .checked_mul(sp.price_multiple())
                .context("over-pricer's price overflows")?,
            _ => self.jobs.price_per_unit,
        };
        let per_job = units
            .checked_mul(price)
            .context("self job escrow overflows")?;
        let normal = per_job
            .checked_mul(u64::from(sp.self_jobs))
            .context("self jobs' escrow overflows")?;
        if sp.kind == ProviderKind::FakeBurst && p.max_exposure_bps > 0 {
            let room = u128::from(sp.stake) * u128::from(p.max_exposure_bps) / 10_000;
            // Escrow is price × units; exposure counts at most the reference price per unit.
            let escrow = room * u128::from(self.jobs.price_per_unit)
                / u128::from(
                    self.reference_unit_price()
                        .min(self.jobs.price_per_unit)
                        .max(1),
                );
            return u64::try_from(escrow).context("fake burst's escrow overflows");
        }
        Ok(normal)
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
        self.validate_setup()
    }

    /// Everything [`Scenario::validate`] checks except the network parameters' own bounds,
    /// which a sweep leaves to the program's `create_network`.
    pub fn validate_setup(&self) -> Result<()> {
        let p = self.params();
        ensure!(
            (1..=200).contains(&self.epochs),
            "epochs must be 1 to 200 (got {})",
            self.epochs
        );
        ensure!(!self.providers.is_empty(), "a scenario needs providers");
        let mut names = BTreeSet::new();
        let mut accounts = 0u32;
        for sp in &self.providers {
            let who = format!("provider {:?}", sp.name);
            ensure!(
                !sp.name.is_empty() && sp.name.len() <= 20,
                "{who}: names are 1 to 20 bytes"
            );
            ensure!(names.insert(sp.name.as_str()), "{who} appears twice");
            let per_account = sp.stake / u64::from(sp.accounts().max(1));
            ensure!(
                per_account >= p.min_stake,
                "{who}: stake {} (per account) is under min_stake {}",
                per_account,
                p.min_stake
            );
            ensure!(
                sp.gpu.len() <= 32 && sp.region.len() <= 16,
                "{who}: gpu is at most 32 bytes, region at most 16"
            );
            accounts = accounts.saturating_add(sp.accounts());
            let k = sp.kind;
            if k == ProviderKind::StakeOnly {
                ensure!(
                    sp.capacity == 0 && sp.client_jobs == 0,
                    "{who}: a stake_only provider never works; capacity and client_jobs must be 0"
                );
            }
            if k.self_dealer() {
                ensure!(
                    sp.self_jobs > 0,
                    "{who}: a {} needs self_jobs > 0 (jobs it posts to itself per epoch)",
                    k.label()
                );
                ensure!(
                    sp.capacity == 0 && sp.client_jobs == 0,
                    "{who}: a self-dealer takes no client jobs (capacity and client_jobs 0)"
                );
            } else {
                ensure!(
                    sp.self_jobs == 0 && sp.self_units.is_none(),
                    "{who}: only self-dealers post jobs to themselves (self_jobs, self_units)"
                );
            }
            if let Some([lo, hi]) = sp.self_units {
                ensure!(
                    0 < lo && lo <= hi,
                    "{who}: self_units is a range 0 < lo <= hi"
                );
            }
            if let Some(rate) = sp.miss_rate {
                ensure!(
                    k == ProviderKind::Lazy,
                    "{who}: miss_rate is for lazy providers"
                );
                ensure!((0.0..=1.0).contains(&rate), "{who}: miss_rate is 0 to 1");
            }
            ensure!(
                sp.price_multiple.is_none() || k == ProviderKind::OverPricer,
                "{who}: price_multiple is for over_pricer"
            );
            ensure!(
                sp.price_multiple() >= 1,
                "{who}: price_multiple is at least 1"
            );
            ensure!(
                sp.split.is_none() || k == ProviderKind::Sybil,
                "{who}: split is for sybil"
            );
            if k == ProviderKind::Sybil {
                ensure!(
                    (2..=8).contains(&sp.accounts()),
                    "{who}: split is 2 to 8 accounts"
                );
            }
            match (k, sp.top_up) {
                (ProviderKind::StakeTimer, Some(t)) => {
                    ensure!(t > 0, "{who}: top_up must be above 0")
                }
                (ProviderKind::StakeTimer, None) => bail!("{who}: a stake_timer needs top_up"),
                (_, Some(_)) => bail!("{who}: top_up is for stake_timer"),
                _ => {}
            }
            ensure!(
                sp.cost_bps.is_none_or(|c| c <= 100_000),
                "{who}: cost_bps is at most 100 000 (10× the reference price)"
            );
            self.self_budget_per_epoch(sp)
                .with_context(|| format!("{who}: its own jobs"))?;
        }
        let j = &self.jobs;
        let client_jobs = self.clients.count > 0 && j.per_client > 0;
        if client_jobs
            && !self
                .providers
                .iter()
                .any(|sp| sp.capacity > 0 && sp.takes_client_jobs())
        {
            bail!("clients post jobs but no provider has capacity > 0 to take them");
        }
        ensure!(
            self.reserved_client_jobs() <= u64::from(self.clients.count) * u64::from(j.per_client),
            "client_jobs reserved for providers exceed the jobs clients post per epoch"
        );
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
            (0.0..=1.0).contains(&j.check_rate),
            "jobs: check_rate is 0 to 1"
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
        ensure!(
            self.providers
                .iter()
                .all(|sp| sp.kind != ProviderKind::UnbondingCheater)
                || (p.unbond_seconds < p.challenge_seconds
                    && p.challenge_seconds < p.dispute_seconds),
            "an unbonding_cheater tries to withdraw before its verdict, after the challenge \
             window: unbond_seconds < challenge_seconds < dispute_seconds"
        );
        let colluding = self.attestors.colluding;
        ensure!(
            colluding <= self.attestors.count,
            "attestors: colluding is at most count"
        );
        if p.audit_rate_bps > 0 || j.check_rate > 0.0 {
            ensure!(
                self.attestors.count - colluding >= u32::from(p.attestation_quorum),
                "audits and disputes need at least attestation_quorum ({}) honest attestors",
                p.attestation_quorum
            );
        }
        ensure!(
            self.attestors.count <= 16 && self.clients.count <= 64 && accounts <= 64,
            "at most 16 attestors, 64 clients and 64 provider accounts"
        );
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_scenarios_parse() {
        for (name, text) in DEFAULT_SCENARIOS {
            Scenario::parse(text).unwrap_or_else(|e| panic!("{name}: {e:#}"));
        }
        Scenario::parse(include_str!("../../scenarios/small.toml")).expect("small scenario");
        Scenario::parse(include_str!("../../scenarios/small-emission-rich.toml"))
            .expect("small emission-rich scenario");
    }

    #[test]
    fn the_regimes_are_where_the_docs_put_them() {
        let fee = Scenario::parse(DEFAULT_SCENARIOS[0].1).expect("fee-rich");
        assert!(!fee.params().rewards_can_exceed_fees());
        let boot = Scenario::parse(DEFAULT_SCENARIOS[1].1).expect("emission-rich");
        let p = boot.params();
        assert!(p.rewards_can_exceed_fees());
        assert_eq!(
            (p.protocol_fee_bps, p.m_max_bps, p.reward_rate_cap_bps),
            (250, 20_000, 1_000)
        );
        assert_eq!(
            (p.audit_rate_bps, p.slash_bps, p.slash_client_share_bps),
            (2_500, 5_000, 5_000)
        );
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
    fn set_reaches_network_and_scenario_parameters() {
        let mut s = Scenario::parse(DEFAULT_SCENARIOS[1].1).expect("emission-rich");
        s.set("audit_rate_bps", "5000").expect("network");
        assert_eq!(s.params().audit_rate_bps, 5_000);
        assert_eq!(s.params().slash_bps, 5_000, "the others stay");
        s.set("check_rate_bps", "2500").expect("scenario");
        assert!((s.jobs.check_rate - 0.25).abs() < 1e-12);
        s.set("self_cost_bps", "100").expect("scenario");
        assert!(s
            .providers
            .iter()
            .filter(|p| p.kind == ProviderKind::UselessWork)
            .all(|p| p.cost_bps(&s.jobs) == 100));
        assert!(s.set("no_such_param", "1").is_err());
        s.set("swarm.self_jobs", "1").expect("provider field");
        assert!(s
            .providers
            .iter()
            .any(|p| p.name == "swarm" && p.self_jobs == 1));
        assert!(s.set("swarm.no_such_field", "1").is_err());
        assert!(s.set("nobody.stake", "1").is_err());
    }

    #[test]
    fn refuses_a_stake_under_the_minimum() {
        let text = DEFAULT_SCENARIOS[0]
            .1
            .replace("stake = 20_000_000_000", "stake = 1");
        let err = Scenario::parse(&text).expect_err("refused");
        assert!(format!("{err:#}").contains("under min_stake"), "{err:#}");
    }
}
