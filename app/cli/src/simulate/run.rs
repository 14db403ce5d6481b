//! The run, epoch after epoch, through the program's real instructions:
//!
//! 1. clients post jobs (escrowed), each reserved for a provider drawn by capacity among the
//!    active ones; wash traders post jobs to themselves;
//! 2. providers accept, work for `work_seconds`, and submit — a lazy one lets some jobs run
//!    past their deadline, a cheater reports units it never computed;
//! 3. a slot later, providers draw their audits (`draw_audit`, from SlotHashes); attestors vote
//!    on the selected jobs with what they measured (a cheater's: nothing → Invalid, fraud and
//!    slash); clients approve most clean results at once;
//! 4. the crank expires overdue jobs (client refunded, provider failure) and, after the
//!    challenge window, settles the results nobody approved;
//! 5. after the epoch ends the crank finalizes it and closes its shards (their rent back to
//!    whoever paid it), and every provider with work claims its book pages.
//!
//! Job ids are each poster's own counter (its Client record's), from 0. The attestors were
//! added, and the governance delay waited out, before the first epoch (`world`).
//!
//! The simulator keeps its own tally only of what the chain does not record (units reported,
//! audits drawn, fees per provider as read from its book pages before the claim); the rest of
//! the report is read back from the accounts.

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

/// Who posted a job: a client, or a provider paying itself (the wash trader).
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

/// A job the simulator is taking through its life.
struct SimJob {
    key: Pubkey,
    job_id: u64,
    poster: Poster,
    provider: usize,
    price: u64,
    /// Units the job really needs: what an honest provider reports and attestors measure.
    work_units: u64,
    /// Units the provider reported.
    reported: u64,
    selected: bool,
    stage: Stage,
}

/// How each job ended.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct JobTotals {
    pub posted: u64,
    /// Settled by the client's `approve_job`.
    pub approved: u64,
    /// Settled by the crank's `settle_job` after the challenge window.
    pub settled_by_crank: u64,
    /// Drawn for audit and settled by a Valid quorum.
    pub settled_by_quorum: u64,
    /// Drawn for audit and found fraudulent by an Invalid quorum (refund, slash).
    pub fraud: u64,
    /// Expired unaccepted (refund).
    pub expired_unaccepted: u64,
    /// Expired past the completion deadline (refund, provider failure).
    pub expired_unsubmitted: u64,
    /// Drawn for audit.
    pub audited: u64,
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

/// What the simulator saw of one provider that the chain does not keep.
#[derive(Clone, Debug, Default)]
pub struct Tally {
    /// Jobs reserved for it.
    pub assigned: u64,
    pub submitted: u64,
    /// Units it reported: the work it claimed.
    pub reported_units: u64,
    pub audited: u64,
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
    /// Gross payment for jobs it posted to itself (wash trading).
    pub own_spend: u64,
}

/// One provider at the end of the run.
pub struct ProviderResult {
    pub name: String,
    pub kind: ProviderKind,
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
    pub jobs: JobTotals,
    pub chain: ChainTotals,
    pub audit: AuditReport,
    pub timing: Timing,
    /// Anything the run noticed that a reader should know (e.g. deferred claims).
    pub notes: Vec<String>,
}

struct Sim<'a> {
    scenario: &'a Scenario,
    w: World,
    rng: Rng,
    progress: &'a ProgressBar,
    jobs: Vec<SimJob>,
    /// Each poster's next job id (its Client record's counter).
    next_job_ids: BTreeMap<Pubkey, u64>,
    tallies: Vec<Tally>,
    epochs: Vec<EpochRecord>,
    totals: JobTotals,
    notes: Vec<String>,
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
        next_job_ids: BTreeMap::new(),
        tallies,
        epochs: Vec::new(),
        totals: JobTotals::default(),
        notes: Vec::new(),
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

impl Sim<'_> {
    fn phase(&self, epoch: u64, what: &str) {
        self.progress.set_message(format!(
            "epoch {}/{}: {what}",
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

    fn close(&mut self, j: usize) {
        self.jobs[j].stage = Stage::Closed;
        self.progress.inc(1);
    }

    /// Records a settlement at `final_units` (the wash trader's own spend).
    fn settled(&mut self, j: usize, final_units: u64) -> Result<()> {
        let job = &self.jobs[j];
        if job.poster == Poster::Provider(job.provider) {
            let gross = final_units
                .checked_mul(job.price)
                .context("job payment overflows u64")?;
            let t = &mut self.tallies[job.provider];
            t.own_spend = t
                .own_spend
                .checked_add(gross)
                .context("own spend overflows")?;
        }
        self.close(j);
        Ok(())
    }

    fn run_epoch(&mut self, e: u64) -> Result<()> {
        let start = self.w.chain.now()?;
        ensure!(
            self.current_epoch()? == e,
            "the clock is not in epoch {e} (the scenario's windows do not fit its epochs)"
        );
        self.jobs.clear();
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
        self.phase(e, "crank settles");
        self.crank_settle(e)?;
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

    /// Clients post their jobs, each reserved for a provider drawn by capacity among the
    /// active ones (a marketplace shows only providers that can accept); wash traders post
    /// theirs to themselves. Each poster sends its jobs in as few transactions as fit.
    fn post_jobs(&mut self) -> Result<()> {
        let mut weights = Vec::with_capacity(self.w.providers.len());
        let mut active = Vec::with_capacity(self.w.providers.len());
        for i in 0..self.w.providers.len() {
            let pda = self.provider(i).pda;
            let p: Provider = self.w.chain.fetch_required(&pda)?;
            let is_active = p.status == ProviderStatus::Active;
            active.push(is_active);
            let spec = &self.provider(i).spec;
            weights.push(if is_active && spec.takes_client_jobs() {
                u64::from(spec.capacity)
            } else {
                0
            });
        }
        let mut posters: Vec<(Poster, Vec<usize>)> = Vec::new();
        for c in 0..self.w.clients.len() {
            let mut targets = Vec::new();
            for _ in 0..self.scenario.jobs.per_client {
                if let Some(p) = self.rng.weighted(&weights) {
                    targets.push(p);
                }
            }
            posters.push((Poster::Client(c), targets));
        }
        for (i, p) in self.w.providers.iter().enumerate() {
            if active[i] && p.spec.self_jobs > 0 {
                let n = usize::try_from(p.spec.self_jobs).context("self_jobs")?;
                posters.push((Poster::Provider(i), vec![i; n]));
            }
        }
        for (poster, targets) in posters {
            let mut ixs = Vec::with_capacity(targets.len());
            for provider in targets {
                ixs.push(self.new_job(poster, provider)?);
            }
            let signer = self.poster(poster).kp.insecure_clone();
            self.w
                .chain
                .send_packed(|| "create_job".into(), &ixs, &[&signer])?;
        }
        Ok(())
    }

    /// Draws a job's size and the work it really needs, records it, and returns its
    /// `create_job` instruction.
    fn new_job(&mut self, poster: Poster, provider: usize) -> Result<Instruction> {
        let jc = &self.scenario.jobs;
        let max_units = self.rng.range(jc.max_units[0], jc.max_units[1]);
        let [lo, hi] = jc.used_fraction;
        let fraction = lo + (hi - lo) * self.rng.unit();
        // f64 → u64 saturates; the min keeps it within the job.
        let work_units = ((max_units as f64) * fraction).floor().max(0.0) as u64;
        let work_units = work_units.min(max_units);
        let poster_key = self.poster(poster).key();
        let next = self.next_job_ids.entry(poster_key).or_insert(0);
        let job_id = *next;
        *next = job_id.checked_add(1).context("job ids exhausted")?;
        let args = CreateJobArgs {
            job_id,
            price_per_unit: jc.price_per_unit,
            max_units,
            spec_hash: tag(1, job_id),
            spec_uri: String::new(),
            target_provider: Some(self.provider(provider).pda),
            accept_seconds: jc.accept_seconds,
            run_seconds: jc.run_seconds,
        };
        let price = jc.price_per_unit;
        let client = self.poster(poster);
        let key = pda::job(&self.w.net.network, &client.key(), job_id);
        let create = ix::create_job(&self.w.net, client.key(), client.payment, args);
        bump(&mut self.tallies[provider].assigned);
        bump(&mut self.totals.posted);
        self.jobs.push(SimJob {
            key,
            job_id,
            poster,
            provider,
            price,
            work_units,
            reported: 0,
            selected: false,
            stage: Stage::Open,
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

    /// Providers submit what they (say they) did: honest, lazy-on-time and wash providers
    /// the work the job needed; the cheater the same amount without having computed anything.
    /// A lazy provider lets a share of its jobs run past their deadline.
    fn submit_results(&mut self) -> Result<()> {
        for p in 0..self.w.providers.len() {
            let spec = &self.provider(p).spec;
            let (lazy, miss_rate) = (spec.kind == ProviderKind::Lazy, spec.miss_rate());
            let owner = self.provider(p).wallet.kp.insecure_clone();
            let mut ixs = Vec::new();
            for j in self.jobs_of(p, Stage::Running) {
                if lazy && self.rng.bernoulli(miss_rate) {
                    self.jobs[j].stage = Stage::Missed;
                    continue;
                }
                let units = self.jobs[j].work_units;
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
                self.jobs[j].reported = units;
                self.jobs[j].stage = Stage::Submitted;
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
    /// would count as selected), several per transaction; then the draws are read back.
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
            if self.jobs[j].stage != Stage::Submitted {
                continue;
            }
            let key = self.jobs[j].key;
            let job: Job = self.w.chain.fetch_required(&key)?;
            ensure!(
                job.audit != AuditDraw::Pending,
                "job {key}: audit not drawn"
            );
            if job.audit == AuditDraw::Selected {
                self.jobs[j].selected = true;
                bump(&mut self.tallies[self.jobs[j].provider].audited);
                bump(&mut self.totals.audited);
            }
        }
        Ok(())
    }

    /// Attestors vote on the selected jobs; clients approve most of the others, each client
    /// its approvals together.
    fn votes_and_approvals(&mut self, e: u64) -> Result<()> {
        let mut approvals: Vec<Vec<usize>> = vec![Vec::new(); self.w.clients.len()];
        let mut own: Vec<Vec<usize>> = vec![Vec::new(); self.w.providers.len()];
        for j in 0..self.jobs.len() {
            if self.jobs[j].stage != Stage::Submitted {
                continue;
            }
            if self.jobs[j].selected {
                self.attest(j, e)?;
            } else if self.rng.bernoulli(self.scenario.jobs.approve_rate) {
                match self.jobs[j].poster {
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
                let units = self.jobs[j].reported;
                self.settled(j, units)?;
            }
        }
        Ok(())
    }

    /// A quorum of attestors, starting at a random one, votes on job `j` with what they
    /// measured: the units the job needed, or nothing at all for the cheater's. The deciding
    /// vote closes the earlier votes' attestations (rent back to their attestors).
    fn attest(&mut self, j: usize, e: u64) -> Result<()> {
        let quorum = usize::from(self.w.params.attestation_quorum);
        let n = self.w.attestors.len();
        ensure!(n >= quorum, "fewer attestors than the quorum");
        let fake = self.provider(self.jobs[j].provider).spec.kind == ProviderKind::Cheater;
        let (verdict, measured) = if fake {
            (Verdict::Invalid, 0)
        } else {
            (Verdict::Valid, self.jobs[j].work_units)
        };
        let first = usize::try_from(self.rng.range(0, (n as u64).saturating_sub(1)))
            .context("attestor index")?;
        let key = self.jobs[j].key;
        let mut earlier: Vec<Pubkey> = Vec::with_capacity(quorum);
        for k in 0..quorum {
            let attestor = self.w.attestors[(first + k) % n].insecure_clone();
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
        }
        let still: Option<Job> = self.w.chain.fetch(&key)?;
        ensure!(
            still.is_none(),
            "job {key} still open after a quorum of votes"
        );
        if fake {
            bump(&mut self.totals.fraud);
            self.close(j);
        } else {
            bump(&mut self.totals.settled_by_quorum);
            self.settled(j, measured)?;
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
            self.close(j);
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
            let units = self.jobs[j].reported;
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
    /// worked and earned in it, and closes the epoch's shards (rent back to their payers).
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
            total_value: epoch.total_value,
            total_fees: epoch.total_fees,
            settled_jobs: epoch.jobs,
            claimed: 0,
            rewards: BTreeMap::new(),
        };
        for p in 0..self.w.providers.len() {
            let address = pda::provider_book(&self.provider(p).pda, page_of(e));
            let Some(book) = self.w.chain.fetch::<ProviderBook>(&address)? else {
                continue;
            };
            let Some(entry) = book.entries.get(offset_in_page(e)).copied() else {
                continue;
            };
            if entry.score == 0 {
                continue;
            }
            let reward = epoch
                .reward(entry.score)
                .map_err(|err| anyhow::anyhow!("reward of epoch {e}: {err:?}"))?;
            // The share of the emission without the rate cap.
            let pro_rata =
                spice::curve::reward_share(epoch.emission, entry.score, epoch.total_score)
                    .map_err(|err| anyhow::anyhow!("share of epoch {e}: {err:?}"))?;
            let t = &mut self.tallies[p];
            t.fees_paid = t
                .fees_paid
                .checked_add(entry.fees)
                .context("fees overflow")?;
            t.value = t.value.checked_add(entry.value).context("value overflow")?;
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
