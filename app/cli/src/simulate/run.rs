//! The run, epoch after epoch, through the program's real instructions:
//!
//! 1. stake timers and unbonding cheaters withdraw what finished unbonding;
//! 2. clients post jobs (escrowed): the ones reserved for named providers (`client_jobs`), the
//!    rest each for a provider drawn by capacity among the active ones; self-dealers post jobs to
//!    themselves (a fake burst as many as its exposure limit allows, all at once);
//! 3. providers accept, work for `work_seconds`, and submit — a lazy one lets some jobs run
//!    past their deadline, fakers report units they never computed;
//! 4. a slot later, providers draw their audits (`draw_audit`, from SlotHashes); clients check
//!    a share of their results and dispute the faked ones; an unbonding cheater with a job
//!    disputed or drawn begins unbonding all it can; stake timers top up;
//! 5. attestors vote on the selected and disputed jobs with what they measured (a fake's:
//!    nothing → Invalid, fraud and slash; a colluding attestor votes Valid first on its
//!    partner's); clients approve most clean results at once;
//! 6. the crank expires overdue jobs (client refunded, provider failure); after the challenge
//!    window the unbonding cheater tries to withdraw, its verdicts land, and the crank settles
//!    the results nobody approved; stake timers unbond their top-up;
//! 7. after the epoch ends the crank finalizes it and closes its shards (their rent back to
//!    whoever paid it), and every provider with work claims its book pages.
//!
//! Job ids are each poster's own counter (its Client record's), from 0. The attestors were
//! added, and the governance delay waited out, before the first epoch (`world`).
//!
//! The simulator keeps a record of every job (what it needed, what was reported, computed,
//! paid, slashed) and of every account at each epoch's end (stake, score, reward): the
//! accounting of [`super::accounting`] and the reward rules of [`super::rules`] are computed from
//! them, with no transaction of their own.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use anyhow::{bail, ensure, Context as _, Result};
use indicatif::ProgressBar;
use solana_sdk::signature::Signer;
use spice::errors::SpiceError;
use spice::instructions::{AttestArgs, CreateJobArgs, SubmitResultArgs};
use spice::state::{
    offset_in_page, page_of, AuditDraw, EpochBook, EpochEntry, Job, Network, Provider,
    ProviderBook, ProviderStats, ProviderStatus, Verdict,
};
use spice_sdk::audit::AuditReport;
use spice_sdk::ix::{self, SettleKeys};
use spice_sdk::ledger::LedgerError;
use spice_sdk::{flows, pda};

use super::chain;
use super::rng::Rng;
use super::scenario::{ProviderKind, Scenario};
use super::world::{self, ProviderActor, Wallet, World};

/// Claim rounds after the last epoch for claims the circuit breaker deferred.
const FINAL_CLAIM_ROUNDS: u32 = 8;
/// Weight scale of capacities (the lcm of 1..=8): a sybil's capacity is shared by its accounts.
const WEIGHT_SCALE: u64 = 840;

/// Who posted a job: a client, or a provider paying itself (a self-dealer).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Poster {
    Client(usize),
    Provider(usize),
}

/// Where a job is in its life, as far as the simulator has taken it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stage {
    Open,
    Running,
    /// Accepted and deliberately not submitted (lazy): waits for `expire_job`.
    Missed,
    Submitted,
    Closed,
}

/// How a job ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum JobOutcome {
    /// Not ended (never seen at the end of a run).
    Open,
    /// Expired unaccepted or past its deadline: refunded.
    Expired,
    /// Settled and paid.
    Settled,
    /// Found fraudulent by an Invalid quorum: refunded, the lock slashed.
    Fraud,
}

/// Everything the accounting needs about one job, kept for the whole run.
#[derive(Clone, Debug)]
pub struct JobRecord {
    pub epoch: u64,
    /// The provider account that took it.
    pub account: usize,
    /// Posted by the provider itself.
    pub self_dealt: bool,
    pub price: u64,
    /// Units the job really needs: what an honest provider reports and attestors measure (the
    /// dust dealer's real units).
    pub work_units: u64,
    /// Units reported (0 if never submitted).
    pub reported: u64,
    /// Reported units nobody computed: attestors measure nothing.
    pub fake: bool,
    /// Units the provider paid compute for.
    pub computed: u64,
    pub accepted: bool,
    pub stake_at_accept: u64,
    /// Stake locked at accept: what a fraud verdict slashes.
    pub lock: u64,
    pub audited: bool,
    pub disputed: bool,
    pub outcome: JobOutcome,
    /// Units paid for.
    pub final_units: u64,
    /// `final_units × price`: what the client paid.
    pub gross: u64,
    pub fee: u64,
    /// Counted value (units × min(price, reference)).
    pub value: u64,
    pub slashed: u64,
    /// The client's share of the slash (back to a self-dealer: it is its own client).
    pub slash_to_client: u64,
}

/// How each job ended.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct JobTotals {
    pub posted: u64,
    /// Settled by the client's `approve_job`.
    pub approved: u64,
    /// Settled by the crank's `settle_job` after the challenge window.
    pub settled_by_crank: u64,
    /// Drawn for audit or disputed, and settled by a Valid quorum.
    pub settled_by_quorum: u64,
    /// Found fraudulent by an Invalid quorum (refund, slash).
    pub fraud: u64,
    /// Expired unaccepted (refund).
    pub expired_unaccepted: u64,
    /// Expired past the completion deadline (refund, provider failure).
    pub expired_unsubmitted: u64,
    /// Drawn for audit.
    pub audited: u64,
    /// Disputed by a client that checked the result.
    pub disputed: u64,
}

impl JobTotals {
    pub fn settled(&self) -> u64 {
        self.approved
            .saturating_add(self.settled_by_crank)
            .saturating_add(self.settled_by_quorum)
    }

    pub fn expired(&self) -> u64 {
        self.expired_unaccepted
            .saturating_add(self.expired_unsubmitted)
    }

    /// Jobs taken to the end of their lives (every one closes: settled, fraud or expired).
    pub fn lifecycles(&self) -> u64 {
        self.settled()
            .saturating_add(self.fraud)
            .saturating_add(self.expired())
    }
}

/// What the simulator saw of one provider account that the chain does not keep.
#[derive(Clone, Debug, Default)]
pub struct Tally {
    /// Jobs reserved for it.
    pub assigned: u64,
    pub submitted: u64,
    /// Units it reported: the work it claimed.
    pub reported_units: u64,
    pub audited: u64,
    pub disputed: u64,
    /// Protocol fees its settled jobs paid, from its book pages.
    pub fees_paid: u64,
    /// Counted value of its settled jobs, from its book pages.
    pub value: u64,
    /// Reward score, from its book pages.
    pub score: u128,
    /// Rewards claimed (the claims' balance changes).
    pub rewards: u64,
    /// What the reward rate cap withheld: its pro-rata share of the epochs' emission minus
    /// its reward.
    pub withheld_by_cap: u64,
    /// Gross payment for jobs it posted to itself.
    pub own_spend: u64,
    /// Stake it began unbonding (an unbonding cheater's escape, a stake timer's top-ups).
    pub unbonded: u64,
    /// Stake it withdrew.
    pub withdrawn: u64,
    /// Withdrawals the program refused while its stake was locked behind a job.
    pub withdrawals_refused: u64,
    /// Stake added during the run (a stake timer's top-ups).
    pub topped_up: u64,
}

/// One provider account at the end of the run.
pub struct ProviderResult {
    pub name: String,
    pub kind: ProviderKind,
    /// Index of its actor (scenario entry).
    pub actor: usize,
    pub gpu: String,
    pub gpu_count: u16,
    pub owner: Pubkey,
    pub account: Pubkey,
    pub stake_initial: u64,
    pub stake_final: u64,
    pub active: bool,
    pub stats: ProviderStats,
    pub tally: Tally,
}

/// One provider account in one finalized epoch (not in report.json: the rules' input).
#[derive(Clone, Debug, Default)]
pub struct AccountEpoch {
    pub score: u128,
    /// Counted value (the reference price caps it).
    pub value: u64,
    pub fees: u64,
    /// What its settled jobs paid, uncapped.
    pub gross: u64,
    /// Its Spice reward for the epoch.
    pub reward: u64,
    /// Active stake and status when the epoch was finalized.
    pub stake: u64,
    pub active: bool,
}

/// One finalized epoch.
#[derive(Clone, Debug, serde::Serialize)]
pub struct EpochRecord {
    pub index: u64,
    /// `E(e)` of the curve.
    pub curve_emission: u64,
    /// Emission at finalization: the curve's, capped by the budget and the vault (0 when
    /// nobody worked).
    pub emission: u64,
    /// What finalization allocated: `min(emission, total score × reward_rate_cap)`.
    pub allocated: u64,
    pub shortfall: u64,
    pub total_score: u128,
    /// Counted value of the epoch's settled jobs.
    pub total_value: u64,
    pub total_fees: u64,
    pub settled_jobs: u64,
    /// Claimed from it by the end of the run.
    pub claimed: u64,
    /// Each provider's reward from this epoch, by name.
    pub rewards: BTreeMap<String, u64>,
    /// Every provider account, by index.
    #[serde(skip)]
    pub accounts: Vec<AccountEpoch>,
}

/// Network-wide amounts read at the end.
#[derive(Clone, Debug, serde::Serialize)]
pub struct ChainTotals {
    pub reward_vault_funded: u64,
    pub reward_vault_balance: u64,
    pub total_allocated: u64,
    pub total_claimed: u64,
    /// Payment-mint treasury (fees; with one mint also the treasury's part of slashes).
    pub payment_treasury: u64,
    /// Stake-mint treasury (the treasury's part of slashes); equals the above with one mint.
    pub stake_treasury: u64,
}

/// Wall-clock figures.
#[derive(Clone, Debug)]
pub struct Timing {
    pub total: Duration,
    pub setup: Duration,
    pub transactions: u64,
    /// Whether the runtime verified signatures.
    pub sigverify: bool,
}

/// Everything a report is made from.
pub struct Outcome {
    pub network: Pubkey,
    pub payment_mint: Pubkey,
    pub stake_mint: Pubkey,
    pub params: spice::state::NetworkParams,
    pub client_budget: u64,
    pub providers: Vec<ProviderResult>,
    pub epochs: Vec<EpochRecord>,
    pub records: Vec<JobRecord>,
    pub jobs: JobTotals,
    pub chain: ChainTotals,
    pub audit: AuditReport,
    pub timing: Timing,
    /// Anything the run noticed that a reader should know (e.g. deferred claims).
    pub notes: Vec<String>,
}

/// What a new job is: its terms, and what its provider will do with it.
struct JobDesign {
    price: u64,
    max_units: u64,
    /// Units it really needs (attestors measure these when the work is real).
    work_units: u64,
    /// Units its provider will report.
    claim_units: u64,
    fake: bool,
}

/// A job the simulator is taking through its life.
struct SimJob {
    key: Pubkey,
    job_id: u64,
    poster: Poster,
    provider: usize,
    design: JobDesign,
    selected: bool,
    disputed: bool,
    /// Its votes wait until after the challenge window (an unbonding cheater's, so that its
    /// unbonding period has passed when it tries to withdraw).
    deferred: bool,
    stage: Stage,
    /// Index in [`Sim::records`].
    record: usize,
}

struct Sim<'a> {
    scenario: &'a Scenario,
    w: World,
    rng: Rng,
    progress: &'a ProgressBar,
    jobs: Vec<SimJob>,
    records: Vec<JobRecord>,
    /// Each poster's next job id (its Client record's counter).
    next_job_ids: BTreeMap<Pubkey, u64>,
    tallies: Vec<Tally>,
    epochs: Vec<EpochRecord>,
    totals: JobTotals,
    notes: Vec<String>,
    /// Round-robin position of each actor's reserved client jobs over its accounts.
    reserved_turn: Vec<u64>,
    epoch: u64,
}

/// Runs `scenario` on a fresh ledger; `progress` counts closed jobs.
pub fn simulate(scenario: &Scenario, progress: &ProgressBar, sigverify: bool) -> Result<Outcome> {
    let started = Instant::now();
    progress.set_message("setting up the network");
    let w = world::build(scenario, sigverify).context("setting up the simulated network")?;
    let setup = started.elapsed();
    let tallies = vec![Tally::default(); w.providers.len()];
    let mut sim = Sim {
        scenario,
        w,
        rng: Rng::new(scenario.seed),
        progress,
        jobs: Vec::new(),
        records: Vec::new(),
        next_job_ids: BTreeMap::new(),
        tallies,
        epochs: Vec::new(),
        totals: JobTotals::default(),
        notes: Vec::new(),
        reserved_turn: vec![0; scenario.providers.len()],
        epoch: 0,
    };
    let first = sim.w.first_epoch;
    for e in first..first.saturating_add(scenario.epochs) {
        sim.run_epoch(e).with_context(|| format!("epoch {e}"))?;
    }
    sim.final_claims()?;
    progress.set_message("auditing");
    sim.finish(started, setup)
}

/// Adds one to a counter (saturating: a count never wraps).
fn bump(counter: &mut u64) {
    *counter = counter.saturating_add(1);
}

fn is_code(err: &LedgerError, code: SpiceError) -> bool {
    err.custom_code() == Some(u32::from(code))
}

/// A result or spec hash: any 32 bytes that tell jobs apart.
fn tag(kind: u8, n: u64) -> [u8; 32] {
    let mut h = [kind; 32];
    h[..8].copy_from_slice(&n.to_le_bytes());
    h
}

/// `ceil(gross × fee_bps / 10 000)`: the program's fee (rounded up, towards the protocol).
pub fn fee_of(gross: u64, fee_bps: u16) -> u64 {
    let fee = (u128::from(gross) * u128::from(fee_bps)).div_ceil(10_000);
    u64::try_from(fee).unwrap_or(u64::MAX)
}

impl Sim<'_> {
    fn phase(&self, epoch: u64, what: &str) {
        self.progress.set_message(format!(
            "{} epoch {}/{}: {what}",
            self.scenario.name,
            epoch.saturating_sub(self.w.first_epoch) + 1,
            self.scenario.epochs
        ));
    }

    fn poster(&self, p: Poster) -> &Wallet {
        match p {
            Poster::Client(i) => &self.w.clients[i],
            Poster::Provider(i) => &self.w.providers[i].wallet,
        }
    }

    fn provider(&self, i: usize) -> &ProviderActor {
        &self.w.providers[i]
    }

    fn kind(&self, i: usize) -> ProviderKind {
        self.w.providers[i].spec.kind
    }

    fn provider_account(&mut self, i: usize) -> Result<Provider> {
        let pda = self.provider(i).pda;
        self.w.chain.fetch_required(&pda)
    }

    /// Settlement keys of job `j`, `payer` paying any reward-account rent. Payments go to the
    /// payees' associated token accounts, which every wallet has.
    fn settle_keys(&self, j: usize, payer: Pubkey, epoch: u64) -> SettleKeys {
        let job = &self.jobs[j];
        let client = self.poster(job.poster);
        let provider = self.provider(job.provider);
        SettleKeys {
            job: job.key,
            client: client.key(),
            provider: provider.pda,
            provider_owner: provider.wallet.key(),
            payer,
            epoch,
        }
    }

    fn current_epoch(&mut self) -> Result<u64> {
        let now = self.w.chain.now()?;
        Ok(self.w.net.epoch_at(now))
    }

    fn close(&mut self, j: usize, outcome: JobOutcome) {
        self.jobs[j].stage = Stage::Closed;
        self.records[self.jobs[j].record].outcome = outcome;
        self.progress.inc(1);
    }

    /// Records a settlement at `final_units`: its payment, fee and counted value, and a
    /// self-dealer's own spend.
    fn settled(&mut self, j: usize, final_units: u64) -> Result<()> {
        let params = self.w.params;
        let job = &self.jobs[j];
        let gross = final_units
            .checked_mul(job.design.price)
            .context("job payment overflows u64")?;
        let value = spice::curve::job_value(final_units, job.design.price, params.reference_price)
            .map_err(|e| anyhow::anyhow!("job value: {e:?}"))?;
        let rec = &mut self.records[job.record];
        rec.final_units = final_units;
        rec.gross = gross;
        rec.fee = fee_of(gross, params.protocol_fee_bps);
        rec.value = value;
        if job.poster == Poster::Provider(job.provider) {
            let t = &mut self.tallies[job.provider];
            t.own_spend = t
                .own_spend
                .checked_add(gross)
                .context("own spend overflows")?;
        }
        self.close(j, JobOutcome::Settled);
        Ok(())
    }

    fn run_epoch(&mut self, e: u64) -> Result<()> {
        self.epoch = e;
        let start = self.w.chain.now()?;
        ensure!(
            self.current_epoch()? == e,
            "the clock is not in epoch {e} (the scenario's windows do not fit its epochs)"
        );
        self.jobs.clear();
        self.phase(e, "withdrawals");
        self.withdraw_unbonded(None)?;
        self.phase(e, "clients post jobs");
        self.post_jobs()?;
        self.phase(e, "providers accept");
        self.accept_jobs()?;
        self.w.chain.warp_seconds(self.scenario.jobs.work_seconds)?;
        self.phase(e, "providers submit");
        self.submit_results()?;
        let submitted_at = self.w.chain.now()?;
        // The audit draw reads the hash of a slot after the submission.
        self.w.chain.warp_slots(2)?;
        self.phase(e, "audit draws");
        self.draw_audits()?;
        self.phase(e, "clients check results");
        self.client_checks()?;
        self.unbond_when_caught()?;
        self.top_up()?;
        self.phase(e, "votes and approvals");
        self.votes_and_approvals(e)?;
        let j = &self.scenario.jobs;
        let deadlines = start
            .saturating_add(j.accept_seconds.max(j.run_seconds))
            .saturating_add(1);
        self.w.chain.warp_to(deadlines)?;
        self.phase(e, "crank expires overdue jobs");
        self.expire_overdue()?;
        let challenge_end = submitted_at
            .saturating_add(self.w.params.challenge_seconds)
            .saturating_add(1);
        self.w.chain.warp_to(challenge_end)?;
        self.phase(e, "deferred verdicts");
        self.deferred_votes(e)?;
        self.phase(e, "crank settles");
        self.crank_settle(e)?;
        self.unbond_top_ups()?;
        if let Some(open) = self.jobs.iter().find(|j| j.stage != Stage::Closed) {
            bail!("job {} is still open at the end of the epoch", open.key);
        }
        ensure!(
            self.current_epoch()? == e,
            "the epoch ended before its jobs settled (the scenario's windows do not fit)"
        );
        // Into the next epoch: finalize this one and claim.
        let next = self
            .w
            .net
            .epoch_start(e.saturating_add(1))
            .saturating_add(1);
        self.w.chain.warp_to(next)?;
        self.phase(e, "finalize and claim");
        self.finalize(e)?;
        self.claim_round()?;
        self.record_claimed()?;
        Ok(())
    }

    /// Stake timers and unbonding cheaters (or just `only`) withdraw whatever of their
    /// unbonding stake is ready and not locked behind a job. A refusal for a lock
    /// (`StakeLocked`) is recorded: that is the lock doing its work.
    fn withdraw_unbonded(&mut self, only: Option<usize>) -> Result<()> {
        for p in 0..self.w.providers.len() {
            if only.is_some_and(|o| o != p)
                || !matches!(
                    self.kind(p),
                    ProviderKind::StakeTimer | ProviderKind::UnbondingCheater
                )
            {
                continue;
            }
            let account = self.provider_account(p)?;
            if account.unbonding == 0 {
                continue;
            }
            let now = self.w.chain.now()?;
            if now < account.unbond_ready_at {
                continue;
            }
            let owner = self.provider(p).wallet.kp.insecure_clone();
            let destination = self.provider(p).wallet.stake;
            let before = self.w.chain.balance(&destination)?;
            let withdraw = ix::withdraw_unbonded(&self.w.net, owner.pubkey(), destination);
            match self.w.chain.try_send(&[withdraw], &[&owner]) {
                Ok(()) => {}
                Err(e) if is_code(&e, SpiceError::StakeLocked) => {
                    bump(&mut self.tallies[p].withdrawals_refused);
                    continue;
                }
                Err(e) => {
                    let name = self.provider(p).spec.name.clone();
                    return Err(e).with_context(|| format!("withdraw_unbonded by {name}"));
                }
            }
            let got = self
                .w
                .chain
                .balance(&destination)?
                .checked_sub(before)
                .context("withdrawal lowered a balance")?;
            let t = &mut self.tallies[p];
            t.withdrawn = t.withdrawn.saturating_add(got);
        }
        Ok(())
    }

    /// Clients post their jobs: first the ones reserved for named providers (`client_jobs`,
    /// round-robin over a sybil's accounts), then each of the rest for a provider drawn by
    /// capacity among the active ones (a marketplace shows only providers that can accept).
    /// Self-dealers post theirs to themselves. Each poster sends its jobs in as few
    /// transactions as fit.
    fn post_jobs(&mut self) -> Result<()> {
        let n = self.w.providers.len();
        let mut weights = Vec::with_capacity(n);
        let mut accounts = Vec::with_capacity(n);
        for i in 0..n {
            let p = self.provider_account(i)?;
            let spec = &self.provider(i).spec;
            let active = p.status == ProviderStatus::Active;
            let share = u64::from(spec.accounts().max(1));
            weights.push(if active && spec.takes_client_jobs() {
                u64::from(spec.capacity) * WEIGHT_SCALE / share
            } else {
                0
            });
            accounts.push(p);
        }
        let per_client = usize::try_from(self.scenario.jobs.per_client).context("per_client")?;
        let total = self.w.clients.len().saturating_mul(per_client);
        let mut targets: Vec<usize> = Vec::with_capacity(total);
        for (actor, sp) in self.scenario.providers.iter().enumerate() {
            if !sp.kind.serves_clients() || sp.client_jobs == 0 {
                continue;
            }
            let mine: Vec<usize> = (0..n)
                .filter(|&i| {
                    self.provider(i).actor == actor && accounts[i].status == ProviderStatus::Active
                })
                .collect();
            if mine.is_empty() {
                continue;
            }
            for _ in 0..sp.client_jobs {
                let turn = self.reserved_turn[actor];
                self.reserved_turn[actor] = turn.saturating_add(1);
                let k = usize::try_from(turn % mine.len() as u64).context("turn")?;
                if targets.len() < total {
                    targets.push(mine[k]);
                }
            }
        }
        while targets.len() < total {
            match self.rng.weighted(&weights) {
                Some(p) => targets.push(p),
                None => break,
            }
        }
        let mut posters: Vec<(Poster, Vec<(usize, JobDesign)>)> = Vec::new();
        for c in 0..self.w.clients.len() {
            let mut jobs = Vec::new();
            for k in 0..per_client {
                if let Some(&p) = targets.get(c * per_client + k) {
                    let design = self.client_job(p);
                    jobs.push((p, design));
                }
            }
            posters.push((Poster::Client(c), jobs));
        }
        for (i, account) in accounts.iter().enumerate() {
            let spec = &self.provider(i).spec;
            if account.status != ProviderStatus::Active || spec.self_jobs == 0 {
                continue;
            }
            let designs = self.self_jobs(i, account.stake, account.exposure)?;
            posters.push((
                Poster::Provider(i),
                designs.into_iter().map(|d| (i, d)).collect(),
            ));
        }
        for (poster, jobs) in posters {
            let mut ixs = Vec::with_capacity(jobs.len());
            for (provider, design) in jobs {
                ixs.push(self.new_job(poster, provider, design)?);
            }
            let signer = self.poster(poster).kp.insecure_clone();
            self.w
                .chain
                .send_packed(|| "create_job".into(), &ixs, &[&signer])?;
        }
        Ok(())
    }

    /// Units drawn in `range`, and the share of them the job really needs.
    fn draw_units(&mut self, range: [u64; 2]) -> (u64, u64) {
        let max_units = self.rng.range(range[0], range[1]);
        let [lo, hi] = self.scenario.jobs.used_fraction;
        let fraction = lo + (hi - lo) * self.rng.unit();
        // f64 → u64 saturates; the min keeps it within the job.
        let work = ((max_units as f64) * fraction).floor().max(0.0) as u64;
        (max_units, work.min(max_units))
    }

    /// A client's job for provider `p`: the clients' sizes at the market price; a cheater will
    /// report the units the job needs without computing them.
    fn client_job(&mut self, p: usize) -> JobDesign {
        let (max_units, work) = self.draw_units(self.scenario.jobs.max_units);
        JobDesign {
            price: self.scenario.jobs.price_per_unit,
            max_units,
            work_units: work,
            claim_units: work,
            fake: self.kind(p).fakes_units(),
        }
    }

    /// The jobs self-dealer `p` (with `stake` active and `exposure` unfinished) posts to itself
    /// this epoch.
    fn self_jobs(&mut self, p: usize, stake: u64, exposure: u64) -> Result<Vec<JobDesign>> {
        let spec = self.provider(p).spec.clone();
        let jc = &self.scenario.jobs;
        let market = jc.price_per_unit;
        let range = spec.self_units(jc);
        let params = self.w.params;
        let mut out = Vec::new();
        if spec.kind == ProviderKind::FakeBurst && params.max_exposure_bps > 0 {
            // As many fakes at once as the exposure limit allows, in `self_jobs` equal jobs.
            let limit = u128::from(stake) * u128::from(params.max_exposure_bps) / 10_000;
            let room = limit.saturating_sub(u128::from(exposure));
            let counted = spice::curve::job_value(1, market, params.reference_price)
                .map_err(|e| anyhow::anyhow!("unit value: {e:?}"))?
                .max(1);
            let units = room / u128::from(spec.self_jobs) / u128::from(counted);
            let units = u64::try_from(units).context("burst size")?;
            if units > 0 {
                for _ in 0..spec.self_jobs {
                    out.push(JobDesign {
                        price: market,
                        max_units: units,
                        work_units: units,
                        claim_units: units,
                        fake: true,
                    });
                }
            }
            return Ok(out);
        }
        for _ in 0..spec.self_jobs {
            let (max_units, work) = self.draw_units(range);
            let design = match spec.kind {
                ProviderKind::OverPricer => JobDesign {
                    price: self
                        .scenario
                        .reference_unit_price()
                        .checked_mul(spec.price_multiple())
                        .context("over-pricer's price")?,
                    max_units,
                    work_units: work,
                    claim_units: work,
                    fake: false,
                },
                // The same payment as `work` units at the market price, as units at price 1.
                ProviderKind::Dust => JobDesign {
                    price: 1,
                    max_units: max_units.checked_mul(market).context("dust units")?,
                    work_units: work,
                    claim_units: work.checked_mul(market).context("dust units")?,
                    fake: false,
                },
                kind => JobDesign {
                    price: market,
                    max_units,
                    work_units: work,
                    claim_units: work,
                    fake: kind.fakes_units(),
                },
            };
            out.push(design);
        }
        Ok(out)
    }

    /// Records a job and returns its `create_job` instruction.
    fn new_job(
        &mut self,
        poster: Poster,
        provider: usize,
        design: JobDesign,
    ) -> Result<Instruction> {
        let poster_key = self.poster(poster).key();
        let next = self.next_job_ids.entry(poster_key).or_insert(0);
        let job_id = *next;
        *next = job_id.checked_add(1).context("job ids exhausted")?;
        let jc = &self.scenario.jobs;
        let args = CreateJobArgs {
            job_id,
            price_per_unit: design.price,
            max_units: design.max_units,
            spec_hash: tag(1, job_id),
            spec_uri: String::new(),
            target_provider: Some(self.provider(provider).pda),
            accept_seconds: jc.accept_seconds,
            run_seconds: jc.run_seconds,
        };
        let client = self.poster(poster);
        let key = pda::job(&self.w.net.network, &client.key(), job_id);
        let create = ix::create_job(&self.w.net, client.key(), client.payment, args);
        bump(&mut self.tallies[provider].assigned);
        bump(&mut self.totals.posted);
        self.records.push(JobRecord {
            epoch: self.epoch,
            account: provider,
            self_dealt: poster == Poster::Provider(provider),
            price: design.price,
            work_units: design.work_units,
            reported: 0,
            fake: design.fake,
            computed: 0,
            accepted: false,
            stake_at_accept: 0,
            lock: 0,
            audited: false,
            disputed: false,
            outcome: JobOutcome::Open,
            final_units: 0,
            gross: 0,
            fee: 0,
            value: 0,
            slashed: 0,
            slash_to_client: 0,
        });
        self.jobs.push(SimJob {
            key,
            job_id,
            poster,
            provider,
            design,
            selected: false,
            disputed: false,
            deferred: false,
            stage: Stage::Open,
            record: self.records.len() - 1,
        });
        Ok(create)
    }

    /// The indices of the jobs of provider `p` at `stage`.
    fn jobs_of(&self, p: usize, stage: Stage) -> Vec<usize> {
        (0..self.jobs.len())
            .filter(|&j| self.jobs[j].provider == p && self.jobs[j].stage == stage)
            .collect()
    }

    /// Every provider accepts the jobs reserved for it, several per transaction. One
    /// suspended since the jobs were posted is refused (`ProviderNotActive`), and one without
    /// room under the exposure limit (`ExposureLimit`) takes the jobs that fit, one by one:
    /// the others stay open and expire.
    fn accept_jobs(&mut self) -> Result<()> {
        for p in 0..self.w.providers.len() {
            let mine = self.jobs_of(p, Stage::Open);
            if mine.is_empty() {
                continue;
            }
            let owner = self.provider(p).wallet.kp.insecure_clone();
            let ixs: Vec<Instruction> = mine
                .iter()
                .map(|&j| ix::accept_job(&self.w.net, owner.pubkey(), self.jobs[j].key))
                .collect();
            for range in chain::pack(&ixs, &owner.pubkey()) {
                let batch = ixs.get(range.clone()).context("packing accepts")?;
                match self.w.chain.try_send(batch, &[&owner]) {
                    Ok(()) => {
                        for &j in mine.get(range).context("packing accepts")? {
                            self.jobs[j].stage = Stage::Running;
                        }
                    }
                    Err(e) if is_code(&e, SpiceError::ProviderNotActive) => {}
                    Err(e) if is_code(&e, SpiceError::ExposureLimit) => {
                        for &j in mine.get(range).context("packing accepts")? {
                            let one = ix::accept_job(&self.w.net, owner.pubkey(), self.jobs[j].key);
                            match self.w.chain.try_send(&[one], &[&owner]) {
                                Ok(()) => self.jobs[j].stage = Stage::Running,
                                Err(e)
                                    if is_code(&e, SpiceError::ExposureLimit)
                                        || is_code(&e, SpiceError::ProviderNotActive) => {}
                                Err(e) => {
                                    let name = self.provider(p).spec.name.clone();
                                    return Err(e).with_context(|| format!("accept_job by {name}"));
                                }
                            }
                        }
                    }
                    Err(e) => {
                        let name = self.provider(p).spec.name.clone();
                        return Err(e).with_context(|| format!("accept_job by {name}"));
                    }
                }
            }
        }
        Ok(())
    }

    /// Providers submit what they (say they) did: the units they computed, or, for fakers,
    /// the units the job needed without having computed anything (the dust dealer its inflated
    /// units). A lazy provider lets a share of its jobs run past their deadline.
    fn submit_results(&mut self) -> Result<()> {
        for p in 0..self.w.providers.len() {
            let spec = &self.provider(p).spec;
            let (kind, miss_rate) = (spec.kind, spec.miss_rate());
            let owner = self.provider(p).wallet.kp.insecure_clone();
            let mut ixs = Vec::new();
            for j in self.jobs_of(p, Stage::Running) {
                if kind == ProviderKind::Lazy && self.rng.bernoulli(miss_rate) {
                    self.jobs[j].stage = Stage::Missed;
                    continue;
                }
                let units = self.jobs[j].design.claim_units;
                let key = self.jobs[j].key;
                ixs.push(ix::submit_result(
                    &self.w.net,
                    owner.pubkey(),
                    key,
                    SubmitResultArgs {
                        result_hash: tag(2, self.jobs[j].job_id),
                        units,
                        result_uri: String::new(),
                    },
                ));
                self.jobs[j].stage = Stage::Submitted;
                let rec = &mut self.records[self.jobs[j].record];
                rec.reported = units;
                rec.computed = if kind.computes() {
                    self.jobs[j].design.work_units
                } else {
                    0
                };
                let t = &mut self.tallies[p];
                bump(&mut t.submitted);
                t.reported_units = t
                    .reported_units
                    .checked_add(units)
                    .context("reported units overflow")?;
            }
            self.w
                .chain
                .send_packed(|| "submit_result".into(), &ixs, &[&owner])?;
        }
        Ok(())
    }

    /// Each provider draws the audits of its submissions right away (a pruned slot hash
    /// would count as selected), several per transaction; then the draws are read back, with
    /// the stake each job locked at accept.
    fn draw_audits(&mut self) -> Result<()> {
        for p in 0..self.w.providers.len() {
            let owner = self.provider(p).wallet.kp.insecure_clone();
            let ixs: Vec<Instruction> = self
                .jobs_of(p, Stage::Submitted)
                .into_iter()
                .map(|j| ix::draw_audit(&self.w.net, self.jobs[j].key))
                .collect();
            self.w
                .chain
                .send_packed(|| "draw_audit".into(), &ixs, &[&owner])?;
        }
        for j in 0..self.jobs.len() {
            let stage = self.jobs[j].stage;
            if stage != Stage::Submitted && stage != Stage::Missed {
                continue;
            }
            let key = self.jobs[j].key;
            let job: Job = self.w.chain.fetch_required(&key)?;
            let rec = &mut self.records[self.jobs[j].record];
            rec.accepted = true;
            rec.stake_at_accept = job.stake_at_accept;
            rec.lock = job.slash_lock;
            if stage != Stage::Submitted {
                continue;
            }
            ensure!(
                job.audit != AuditDraw::Pending,
                "job {key}: audit not drawn"
            );
            if job.audit == AuditDraw::Selected {
                self.jobs[j].selected = true;
                rec.audited = true;
                bump(&mut self.tallies[self.jobs[j].provider].audited);
                bump(&mut self.totals.audited);
            }
        }
        Ok(())
    }

    /// Clients check a share of their results (`check_rate`) and dispute the ones whose units
    /// were never computed, each client its disputes together.
    fn client_checks(&mut self) -> Result<()> {
        let rate = self.scenario.jobs.check_rate;
        let mut disputes: Vec<Vec<usize>> = vec![Vec::new(); self.w.clients.len()];
        for j in 0..self.jobs.len() {
            let job = &self.jobs[j];
            let Poster::Client(c) = job.poster else {
                continue;
            };
            if job.stage != Stage::Submitted || job.selected {
                continue;
            }
            let fake = job.design.fake;
            if self.rng.bernoulli(rate) && fake {
                disputes[c].push(j);
            }
        }
        for (c, js) in disputes.into_iter().enumerate() {
            if js.is_empty() {
                continue;
            }
            let client = self.w.clients[c].kp.insecure_clone();
            let ixs: Vec<Instruction> = js
                .iter()
                .map(|&j| ix::dispute_job(&self.w.net, client.pubkey(), self.jobs[j].key))
                .collect();
            self.w
                .chain
                .send_packed(|| "dispute_job".into(), &ixs, &[&client])?;
            for j in js {
                self.jobs[j].disputed = true;
                self.records[self.jobs[j].record].disputed = true;
                bump(&mut self.totals.disputed);
                bump(&mut self.tallies[self.jobs[j].provider].disputed);
            }
        }
        Ok(())
    }

    /// An unbonding cheater with a job disputed or drawn for audit begins unbonding all the
    /// program lets it (down to the minimum while it has jobs), and its verdicts wait until
    /// after the challenge window, when its unbonding period has passed.
    fn unbond_when_caught(&mut self) -> Result<()> {
        for p in 0..self.w.providers.len() {
            if self.kind(p) != ProviderKind::UnbondingCheater {
                continue;
            }
            let caught: Vec<usize> = self
                .jobs_of(p, Stage::Submitted)
                .into_iter()
                .filter(|&j| self.jobs[j].selected || self.jobs[j].disputed)
                .collect();
            if caught.is_empty() {
                continue;
            }
            for &j in &caught {
                self.jobs[j].deferred = true;
            }
            let account = self.provider_account(p)?;
            let amount = account.stake.saturating_sub(self.w.params.min_stake);
            if amount == 0 {
                continue;
            }
            let owner = self.provider(p).wallet.kp.insecure_clone();
            let unbond = ix::begin_unbond(&self.w.net, owner.pubkey(), amount);
            self.w.chain.send(
                || "begin_unbond (unbonding cheater)".into(),
                &[unbond],
                &[&owner],
            )?;
            let t = &mut self.tallies[p];
            t.unbonded = t.unbonded.saturating_add(amount);
        }
        Ok(())
    }

    /// Stake timers with jobs about to settle stake their top-up.
    fn top_up(&mut self) -> Result<()> {
        for p in 0..self.w.providers.len() {
            if self.kind(p) != ProviderKind::StakeTimer
                || self.jobs_of(p, Stage::Submitted).is_empty()
            {
                continue;
            }
            let top_up = self.provider(p).spec.top_up.unwrap_or(0);
            let owner = self.provider(p).wallet.kp.insecure_clone();
            let from = self.provider(p).wallet.stake;
            // Whatever of the top-up is back in its wallet (the rest may still be unbonding).
            let amount = top_up.min(self.w.chain.balance(&from)?);
            if amount == 0 {
                continue;
            }
            let stake = ix::stake(&self.w.net, owner.pubkey(), from, amount);
            self.w.chain.send(
                || "stake (stake timer's top-up)".into(),
                &[stake],
                &[&owner],
            )?;
            let t = &mut self.tallies[p];
            t.topped_up = t.topped_up.saturating_add(amount);
        }
        Ok(())
    }

    /// After settlement, stake timers unbond everything above their base stake.
    fn unbond_top_ups(&mut self) -> Result<()> {
        for p in 0..self.w.providers.len() {
            if self.kind(p) != ProviderKind::StakeTimer {
                continue;
            }
            let base = self.provider(p).spec.stake;
            let account = self.provider_account(p)?;
            let amount = account.stake.saturating_sub(base);
            if amount == 0 {
                continue;
            }
            let owner = self.provider(p).wallet.kp.insecure_clone();
            let unbond = ix::begin_unbond(&self.w.net, owner.pubkey(), amount);
            self.w
                .chain
                .send(|| "begin_unbond (stake timer)".into(), &[unbond], &[&owner])?;
            let t = &mut self.tallies[p];
            t.unbonded = t.unbonded.saturating_add(amount);
        }
        Ok(())
    }

    /// Attestors vote on the selected and disputed jobs (not the deferred ones); clients
    /// approve most of the others, each client its approvals together.
    fn votes_and_approvals(&mut self, e: u64) -> Result<()> {
        let mut approvals: Vec<Vec<usize>> = vec![Vec::new(); self.w.clients.len()];
        let mut own: Vec<Vec<usize>> = vec![Vec::new(); self.w.providers.len()];
        for j in 0..self.jobs.len() {
            let job = &self.jobs[j];
            if job.stage != Stage::Submitted {
                continue;
            }
            if job.selected || job.disputed {
                if !job.deferred {
                    self.attest(j, e)?;
                }
            } else if self.rng.bernoulli(self.scenario.jobs.approve_rate) {
                match job.poster {
                    Poster::Client(c) => approvals[c].push(j),
                    Poster::Provider(p) => own[p].push(j),
                }
            }
        }
        let by_poster = approvals
            .into_iter()
            .enumerate()
            .map(|(c, js)| (Poster::Client(c), js))
            .chain(
                own.into_iter()
                    .enumerate()
                    .map(|(p, js)| (Poster::Provider(p), js)),
            );
        for (poster, js) in by_poster {
            if js.is_empty() {
                continue;
            }
            // The crank co-signs as the rent payer of the reward accounts an approval may
            // create: the program refuses to create them with the job's client paying (see
            // the CLI's `job approve --payer`).
            let client = self.poster(poster).kp.insecure_clone();
            let crank = self.w.crank.insecure_clone();
            let ixs: Vec<Instruction> = js
                .iter()
                .map(|&j| ix::approve_job(&self.w.net, &self.settle_keys(j, crank.pubkey(), e)))
                .collect();
            self.w
                .chain
                .send_packed(|| "approve_job".into(), &ixs, &[&client, &crank])?;
            for j in js {
                bump(&mut self.totals.approved);
                let units = self.jobs[j].design.claim_units;
                self.settled(j, units)?;
            }
        }
        Ok(())
    }

    /// The deferred verdicts (an unbonding cheater's): it tries to withdraw first, then the
    /// attestors vote.
    fn deferred_votes(&mut self, e: u64) -> Result<()> {
        let deferred: Vec<usize> = (0..self.jobs.len())
            .filter(|&j| self.jobs[j].stage == Stage::Submitted && self.jobs[j].deferred)
            .collect();
        let mut tried = Vec::new();
        for &j in &deferred {
            let p = self.jobs[j].provider;
            if !tried.contains(&p) {
                tried.push(p);
                self.withdraw_unbonded(Some(p))?;
            }
        }
        for j in deferred {
            self.attest(j, e)?;
        }
        Ok(())
    }

    /// Attestors vote on job `j` until one verdict has a quorum: with what they measured (the
    /// units the job needed, or nothing at all for a fake), except that on a colluder's job
    /// the colluding attestors vote first, Valid with the reported units. Honest attestors
    /// start at a random one. The deciding vote closes the earlier votes' attestations (rent
    /// back to their attestors). The outcome is read back from the provider's record.
    fn attest(&mut self, j: usize, e: u64) -> Result<()> {
        let quorum = u32::from(self.w.params.attestation_quorum);
        let n = self.w.attestors.len();
        let colluding = self.w.colluding.min(n);
        let p = self.jobs[j].provider;
        let colluder_job = self.kind(p) == ProviderKind::Colluder;
        let truth = if self.jobs[j].design.fake {
            (Verdict::Invalid, 0)
        } else {
            (Verdict::Valid, self.jobs[j].design.work_units)
        };
        let reported = self.records[self.jobs[j].record].reported;
        let mut order: Vec<(usize, Verdict, u64)> = Vec::new();
        let honest_from = if colluder_job {
            for a in 0..colluding {
                order.push((a, Verdict::Valid, reported));
            }
            colluding
        } else {
            0
        };
        let pool = n.saturating_sub(honest_from);
        ensure!(pool > 0, "no attestor to vote on job {}", self.jobs[j].key);
        let start = self.rng.index(pool);
        for k in 0..pool {
            order.push((honest_from + (start + k) % pool, truth.0, truth.1));
        }
        let key = self.jobs[j].key;
        let before = self.provider_account(p)?.stats;
        let (mut valid, mut invalid) = (0u32, 0u32);
        let mut earlier: Vec<Pubkey> = Vec::with_capacity(order.len());
        for (a, verdict, measured) in order {
            let attestor = self.w.attestors[a].insecure_clone();
            let keys = self.settle_keys(j, attestor.pubkey(), e);
            let vote = ix::attest(
                &self.w.net,
                &keys,
                attestor.pubkey(),
                AttestArgs {
                    verdict,
                    measured_units: measured,
                    evidence_hash: tag(3, self.jobs[j].job_id),
                    evidence_uri: String::new(),
                },
                &earlier,
            );
            self.w.chain.send(
                || format!("attest {key} by {}", attestor.pubkey()),
                &[vote],
                &[&attestor],
            )?;
            earlier.push(attestor.pubkey());
            match verdict {
                Verdict::Valid => valid += 1,
                Verdict::Invalid => invalid += 1,
            }
            if valid >= quorum || invalid >= quorum {
                break;
            }
        }
        let still: Option<Job> = self.w.chain.fetch(&key)?;
        ensure!(
            still.is_none(),
            "job {key} still open after a quorum of votes"
        );
        let after = self.provider_account(p)?.stats;
        if after.jobs_fraudulent > before.jobs_fraudulent {
            let slashed = after.total_slashed.saturating_sub(before.total_slashed);
            let share =
                u128::from(slashed) * u128::from(self.w.params.slash_client_share_bps) / 10_000;
            let rec = &mut self.records[self.jobs[j].record];
            rec.slashed = slashed;
            rec.slash_to_client = u64::try_from(share).context("slash share")?;
            bump(&mut self.totals.fraud);
            self.close(j, JobOutcome::Fraud);
        } else {
            let units = after
                .units_completed
                .checked_sub(before.units_completed)
                .context("units completed went down")?;
            bump(&mut self.totals.settled_by_quorum);
            self.settled(j, units)?;
        }
        Ok(())
    }

    /// Past the accept window and the completion deadline, anyone expires what is overdue.
    fn expire_overdue(&mut self) -> Result<()> {
        let crank = self.w.crank.insecure_clone();
        let mut ixs = Vec::new();
        let mut closing = Vec::new();
        for j in 0..self.jobs.len() {
            let stage = self.jobs[j].stage;
            if stage != Stage::Open && stage != Stage::Missed {
                continue;
            }
            let job = &self.jobs[j];
            let client = self.poster(job.poster);
            let provider = (stage == Stage::Missed).then(|| self.provider(job.provider).pda);
            ixs.push(ix::expire_job(&self.w.net, job.key, client.key(), provider));
            closing.push((j, stage));
        }
        self.w
            .chain
            .send_packed(|| "expire_job".into(), &ixs, &[&crank])?;
        for (j, stage) in closing {
            if stage == Stage::Missed {
                bump(&mut self.totals.expired_unsubmitted);
            } else {
                bump(&mut self.totals.expired_unaccepted);
            }
            self.close(j, JobOutcome::Expired);
        }
        Ok(())
    }

    /// After the challenge window, anyone settles the clean results nobody approved.
    fn crank_settle(&mut self, e: u64) -> Result<()> {
        let crank = self.w.crank.insecure_clone();
        let pending: Vec<usize> = (0..self.jobs.len())
            .filter(|&j| self.jobs[j].stage == Stage::Submitted)
            .collect();
        let ixs: Vec<Instruction> = pending
            .iter()
            .map(|&j| ix::settle_job(&self.w.net, &self.settle_keys(j, crank.pubkey(), e)))
            .collect();
        self.w
            .chain
            .send_packed(|| "settle_job".into(), &ixs, &[&crank])?;
        for j in pending {
            bump(&mut self.totals.settled_by_crank);
            let units = self.jobs[j].design.claim_units;
            self.settled(j, units)?;
        }
        Ok(())
    }

    /// The entry of epoch `e` in the network's EpochBook.
    fn epoch_entry(&mut self, e: u64) -> Result<EpochEntry> {
        let network = self.w.net.network;
        let book: EpochBook = self
            .w
            .chain
            .fetch_required(&pda::epoch_book(&network, page_of(e)))?;
        book.entries
            .get(offset_in_page(e))
            .copied()
            .context("epoch book entry")
    }

    /// Finalizes epoch `e` (the crank pays the book page's rent), records what each provider
    /// account worked and earned in it and its stake then, and closes the epoch's shards (rent
    /// back to their payers).
    fn finalize(&mut self, e: u64) -> Result<()> {
        let net = self.w.net;
        let crank = self.w.crank.insecure_clone();
        let fin = ix::finalize_epoch(&net, crank.pubkey(), e);
        self.w
            .chain
            .send(|| format!("finalize_epoch {e}"), &[fin], &[&crank])?;
        let epoch = self.epoch_entry(e)?;
        let mut record = EpochRecord {
            index: e,
            curve_emission: world::curve_emission(&self.w.params, e)?,
            emission: epoch.emission,
            allocated: epoch.allocated,
            shortfall: epoch.shortfall,
            total_score: epoch.total_score,
            total_value: u64::try_from(epoch.total_value).context("epoch value above u64")?,
            total_fees: u64::try_from(epoch.total_fees).context("epoch fees above u64")?,
            settled_jobs: epoch.jobs,
            claimed: 0,
            rewards: BTreeMap::new(),
            accounts: vec![AccountEpoch::default(); self.w.providers.len()],
        };
        for r in &self.records {
            if r.epoch == e && r.outcome == JobOutcome::Settled {
                let a = &mut record.accounts[r.account];
                a.gross = a.gross.saturating_add(r.gross);
            }
        }
        for p in 0..self.w.providers.len() {
            let account = self.provider_account(p)?;
            record.accounts[p].stake = account.stake;
            record.accounts[p].active = account.status == ProviderStatus::Active;
            let address = pda::provider_book(&self.provider(p).pda, page_of(e));
            let Some(book) = self.w.chain.fetch::<ProviderBook>(&address)? else {
                continue;
            };
            let Some(entry) = book.entries.get(offset_in_page(e)).copied() else {
                continue;
            };
            if entry.weight == 0 {
                continue;
            }
            let reward = epoch
                .reward(entry.weight)
                .map_err(|err| anyhow::anyhow!("reward of epoch {e}: {err:?}"))?;
            // The share of the emission without the rate cap.
            let pro_rata =
                spice::curve::reward_share(epoch.emission, entry.weight, epoch.total_weight)
                    .map_err(|err| anyhow::anyhow!("share of epoch {e}: {err:?}"))?;
            let a = &mut record.accounts[p];
            a.score = entry.score;
            a.value = u64::try_from(entry.value).context("value above u64")?;
            a.fees = u64::try_from(entry.fees).context("fees above u64")?;
            a.reward = reward;
            let t = &mut self.tallies[p];
            t.fees_paid = t.fees_paid.checked_add(a.fees).context("fees overflow")?;
            t.value = t.value.checked_add(a.value).context("value overflow")?;
            t.score = t.score.checked_add(entry.score).context("score overflow")?;
            t.withheld_by_cap = t
                .withheld_by_cap
                .checked_add(pro_rata.saturating_sub(reward))
                .context("withheld overflow")?;
            record
                .rewards
                .insert(self.provider(p).spec.name.clone(), reward);
        }
        self.epochs.push(record);
        let closes = flows::close_epoch_shards(&mut self.w.chain.ledger, &net, e)
            .with_context(|| format!("reading the shards of epoch {e}"))?;
        self.w.chain.send_packed(
            || format!("close_epoch_shard of epoch {e}"),
            &closes,
            &[&crank],
        )?;
        Ok(())
    }

    /// What provider `p` can claim now, epoch by epoch.
    fn claimable(&mut self, p: usize) -> Result<Vec<flows::Claimable>> {
        let now = self.w.chain.now()?;
        let owner = self.provider(p).wallet.key();
        flows::claimable(&mut self.w.chain.ledger, &self.w.net, &owner, now)
            .with_context(|| format!("reading the book pages of {}", self.provider(p).spec.name))
    }

    /// Every provider with something to claim claims its book pages, as few transactions as
    /// fit. What the circuit breaker holds back stays owed for a later round.
    fn claim_round(&mut self) -> Result<()> {
        for p in 0..self.w.providers.len() {
            let owed = self.claimable(p)?;
            if owed.is_empty() {
                continue;
            }
            let owner = self.provider(p).wallet.kp.insecure_clone();
            let destination = self.provider(p).wallet.stake;
            let pages = flows::pages_of(&owed);
            let batches = flows::claim_batches(
                &self.w.net,
                &owner.pubkey(),
                &owner.pubkey(),
                &destination,
                &pages,
                &[],
            );
            let before = self.w.chain.balance(&destination)?;
            for batch in batches {
                let claim = ix::claim_rewards(&self.w.net, owner.pubkey(), destination, &batch);
                match self.w.chain.try_send(&[claim], &[&owner]) {
                    Ok(()) => {}
                    Err(err) if is_code(&err, SpiceError::RewardOutflowLimit) => break,
                    Err(err) => {
                        let name = self.provider(p).spec.name.clone();
                        return Err(err).with_context(|| format!("claim_rewards by {name}"));
                    }
                }
            }
            let after = self.w.chain.balance(&destination)?;
            let got = after
                .checked_sub(before)
                .context("claim lowered a balance")?;
            let t = &mut self.tallies[p];
            t.rewards = t.rewards.checked_add(got).context("rewards overflow")?;
            let left = self.claimable(p)?;
            if !left.is_empty() {
                let name = &self.provider(p).spec.name;
                self.notes.push(format!(
                    "{name}: a claim of epochs {:?} met the reward circuit breaker; the rest was \
                     claimed later",
                    left.iter().map(|c| c.epoch).collect::<Vec<_>>()
                ));
            }
        }
        Ok(())
    }

    /// Reads back what each finalized epoch has paid out.
    fn record_claimed(&mut self) -> Result<()> {
        for i in 0..self.epochs.len() {
            let index = self.epochs[i].index;
            self.epochs[i].claimed = self.epoch_entry(index)?.claimed;
        }
        Ok(())
    }

    /// Claims the circuit breaker deferred, one window later each round.
    fn final_claims(&mut self) -> Result<()> {
        let mut rounds = 0;
        loop {
            let mut pending = false;
            for p in 0..self.w.providers.len() {
                pending |= !self.claimable(p)?.is_empty();
            }
            if !pending {
                break;
            }
            ensure!(
                rounds < FINAL_CLAIM_ROUNDS,
                "claims still refused by the circuit breaker after {FINAL_CLAIM_ROUNDS} windows"
            );
            rounds += 1;
            self.w
                .chain
                .warp_seconds(self.w.params.outflow_window_seconds)?;
            self.claim_round()?;
        }
        self.record_claimed()
    }

    /// Reads the providers and the network back, and audits the network.
    fn finish(mut self, started: Instant, setup: Duration) -> Result<Outcome> {
        let mut providers = Vec::with_capacity(self.w.providers.len());
        for (i, actor) in self.w.providers.iter().enumerate() {
            let p: Provider = self.w.chain.fetch_required(&actor.pda)?;
            providers.push(ProviderResult {
                name: actor.spec.name.clone(),
                kind: actor.spec.kind,
                actor: actor.actor,
                gpu: actor.spec.gpu.clone(),
                gpu_count: actor.spec.gpu_count,
                owner: actor.wallet.key(),
                account: actor.pda,
                stake_initial: actor.spec.stake,
                stake_final: p.stake,
                active: p.status == ProviderStatus::Active,
                stats: p.stats,
                tally: self.tallies[i].clone(),
            });
        }
        let net = self.w.net;
        let network: Network = self.w.chain.fetch_required(&net.network)?;
        let chain = ChainTotals {
            reward_vault_funded: self.w.funded,
            reward_vault_balance: self.w.chain.balance(&pda::reward_vault(&net.network))?,
            total_allocated: network.total_allocated,
            total_claimed: network.total_claimed,
            payment_treasury: self.w.chain.balance(&net.payment_treasury())?,
            stake_treasury: self.w.chain.balance(&net.stake_treasury())?,
        };
        // The SDK's audit on a snapshot of the runtime, as `spice audit` and the tests run it.
        let audit = self
            .w
            .chain
            .ledger
            .runtime()
            .audit(&net.network)
            .context("auditing the network")?;
        Ok(Outcome {
            network: net.network,
            payment_mint: net.payment_mint,
            stake_mint: net.stake_mint,
            params: self.w.params,
            client_budget: self.w.client_budget,
            providers,
            epochs: self.epochs,
            records: self.records,
            jobs: self.totals,
            chain,
            audit,
            timing: Timing {
                total: started.elapsed(),
                setup,
                transactions: self.w.chain.transactions,
                sigverify: self.w.chain.ledger.runtime().sigverify(),
            },
            notes: self.notes,
        })
    }
}
