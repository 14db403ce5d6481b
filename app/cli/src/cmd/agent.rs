//! The long-running agents: `spice provider run` (a provider's worker) and `spice crank run`
//! (the permissionless keeper). Each works in ticks; every tick opens the ledger afresh, reads
//! the chain, does what is due, and closes it (on the embedded ledger its file lock is held
//! only during a tick, so other commands and other agents run in between).
//!
//! Both decide only from chain state (plus, for the provider, a small state file of the work
//! it has done), so a restart continues where the last run stopped and two cranks at once do
//! not conflict: an action another agent took first fails on chain, is reported as skipped, and
//! the loop goes on.
//!
//! The provider agent, each tick, in order:
//! 1. submits the jobs whose command has finished (result file hash + measured units) — a job
//!    is never run twice: the state file records a finished run before anything is sent;
//! 2. draws the audit of its submitted jobs (the draw counts as selected if nobody records it
//!    within ~512 slots);
//! 3. runs the manifest's command of its running jobs (the local-process runner);
//! 4. accepts open jobs its hardware matches (their manifest fetched and checked against the
//!    spec hash), up to `--max-jobs` at a time, and runs them at once;
//! 5. claims its rewards every `--claim-every` seconds.
//!
//! The local-process runner runs the manifest's `command` (argv) in `<workdir>/<job>/` with
//! `SPICE_JOB` (the job's address), `SPICE_RESULT` (the file to write the result to) and
//! `SPICE_UNITS` (the file to write the measured units to, a number) in its environment; exit
//! status 0 means done. Units are capped at the job's maximum.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anchor_lang::prelude::Pubkey;
use anyhow::{anyhow, Context as _, Result};
use clap::Args;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use solana_sdk::signature::Signer;
use spice::audit::Draw;
use spice::constants::PAUSE_ACCEPT_JOB;
use spice::instructions::SubmitResultArgs;
use spice::state::lifecycle::{possible_actions, Action, Role};
use spice::state::{AuditDraw, EpochShard, EpochStatus, JobState, Network, Provider, ProviderBook};
use spice_sdk::ix::NetworkKeys;
use spice_sdk::{accounts, flows, ix, pda, tokens};

use crate::cmd::{job, rewards, view};
use crate::context::{Ctx, Global, Output};

/// Options of `provider run`.
#[derive(Args, Debug, Clone)]
pub struct ProviderRunArgs {
    /// One tick, then exit.
    #[arg(long)]
    pub once: bool,
    /// Stop after this many actions (a restart continues where it stopped).
    #[arg(long)]
    pub steps: Option<u32>,
    /// Seconds between ticks.
    #[arg(long, default_value_t = 5)]
    pub poll: u64,
    /// Jobs run at the same time, at most.
    #[arg(long, default_value_t = 1)]
    pub max_jobs: usize,
    /// Seconds between reward claims (0: every tick).
    #[arg(long, default_value_t = 3600)]
    pub claim_every: i64,
    /// Where jobs run and the agent's state file lives [default: ~/.config/spice/agent].
    #[arg(long)]
    pub workdir: Option<String>,
}

/// Options of `crank run`.
#[derive(Args, Debug, Clone)]
pub struct CrankRunArgs {
    /// One tick, then exit.
    #[arg(long)]
    pub once: bool,
    /// Seconds between ticks.
    #[arg(long, default_value_t = 10)]
    pub poll: u64,
}

/// One thing an agent did (or tried).
struct Log {
    output: Output,
    actions: Vec<Value>,
    limit: Option<u32>,
}

impl Log {
    fn done(&self) -> bool {
        self.limit
            .is_some_and(|l| self.actions.iter().filter(|a| a["ok"] == true).count() >= l as usize)
    }

    /// Records an action's outcome and prints it (text: a line on stdout; failures on stderr).
    fn record(&mut self, action: &str, subject: String, outcome: Result<String>) {
        let entry = match &outcome {
            Ok(what) => json!({"action": action, "subject": subject, "ok": true, "detail": what}),
            Err(e) => {
                let report = crate::errors::Report::of(e);
                json!({"action": action, "subject": subject, "ok": false, "error": report.name, "detail": report.message})
            }
        };
        if self.output == Output::Text {
            match &outcome {
                Ok(what) => println!("{action} {subject}: {what}"),
                Err(e) => eprintln!("{action} {subject} skipped: {e:#}"),
            }
        }
        self.actions.push(entry);
    }
}

// ------------------------------------------------------------------------- provider

/// What the provider agent remembers between runs: the work done per job.
#[derive(Serialize, Deserialize, Default, Debug)]
struct AgentState {
    /// Per job address.
    jobs: BTreeMap<String, JobRecord>,
    /// Unix time (ledger clock) of the last reward claim.
    last_claim: i64,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
struct JobRecord {
    /// "ran" (result ready), "failed" (the command failed), "submitted".
    phase: String,
    units: u64,
    result: Option<PathBuf>,
    runs: u32,
}

impl AgentState {
    fn load(path: &Path) -> Result<Self> {
        if !path.exists() {
            return Ok(Self::default());
        }
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading the agent state {}", path.display()))?;
        serde_json::from_str(&text)
            .with_context(|| format!("{} is not an agent state", path.display()))
    }

    /// Written beside, then renamed: a crash never leaves half a state.
    fn save(&self, path: &Path) -> Result<()> {
        let tmp = path.with_extension("tmp");
        std::fs::write(&tmp, serde_json::to_string_pretty(self)?)
            .with_context(|| format!("writing {}", tmp.display()))?;
        std::fs::rename(&tmp, path).with_context(|| format!("writing {}", path.display()))
    }
}

/// Runs the manifest's command for `job` in `dir`; returns the result file and measured
/// units.
fn run_command(command: &[String], job: &Pubkey, dir: &Path) -> Result<(PathBuf, u64)> {
    let (program, args) = command.split_first().ok_or_else(|| {
        anyhow!("the manifest has no command (only an image: needs a container runner)")
    })?;
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let result = dir.join("result");
    let units = dir.join("units");
    let status = std::process::Command::new(program)
        .args(args)
        .current_dir(dir)
        .env("SPICE_JOB", job.to_string())
        .env("SPICE_RESULT", &result)
        .env("SPICE_UNITS", &units)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .status()
        .with_context(|| format!("starting {program}"))?;
    if !status.success() {
        anyhow::bail!("the job's command failed ({status})");
    }
    let measured = std::fs::read_to_string(&units)
        .with_context(|| format!("the command wrote no units to {}", units.display()))?
        .trim()
        .parse::<u64>()
        .map_err(|e| anyhow!("{} is not a number of units: {e}", units.display()))?;
    if !result.exists() {
        anyhow::bail!("the command wrote no result to {}", result.display());
    }
    Ok((result, measured))
}

/// The provider agent.
pub fn provider_run(global: &Global, args: &ProviderRunArgs) -> Result<()> {
    let workdir =
        crate::context::expand(args.workdir.as_deref().unwrap_or("~/.config/spice/agent"));
    std::fs::create_dir_all(&workdir).with_context(|| format!("creating {}", workdir.display()))?;
    let mut log = Log {
        output: global.output,
        actions: vec![],
        limit: args.steps,
    };
    loop {
        let started = Instant::now();
        let mut ctx = Ctx::open(global.clone())?;
        let tick = provider_tick(&mut ctx, args, &workdir, &mut log);
        let saved = ctx.save();
        drop(ctx);
        tick?;
        saved?;
        if args.once || log.done() {
            break;
        }
        std::thread::sleep(Duration::from_secs(args.poll).saturating_sub(started.elapsed()));
    }
    if global.output == Output::Json {
        println!("{}", json!({"actions": log.actions}));
    }
    Ok(())
}

fn provider_tick(
    ctx: &mut Ctx,
    args: &ProviderRunArgs,
    workdir: &Path,
    log: &mut Log,
) -> Result<()> {
    let (net, network) = view::network(ctx)?;
    let owner = ctx.signer()?.pubkey();
    let provider = pda::provider(&net.network, &owner);
    let me: Provider = accounts::fetch(ctx.ledger.as_mut(), &provider)?.ok_or_else(|| {
        crate::errors::UserError::new(
            "NotAProvider",
            format!(
                "{owner} has no provider on network {} (spice provider register first)",
                net.network
            ),
        )
    })?;
    let state_path = workdir.join(format!("state-{}.json", net.network));
    let mut state = AgentState::load(&state_path)?;
    let now = view::now(ctx)?;
    let mine: Vec<(Pubkey, spice::state::Job)> = view::jobs_of(ctx.ledger.as_mut(), &net.network)?
        .into_iter()
        .filter(|(_, j)| j.provider == Some(provider))
        .collect();

    // 1. Submit finished runs.
    for (address, j) in &mine {
        if log.done() {
            break;
        }
        let key = address.to_string();
        let Some(record) = state.jobs.get(&key).cloned() else {
            continue;
        };
        if j.state != JobState::Running || record.phase != "ran" {
            continue;
        }
        submit_and_draw(
            ctx,
            &net,
            owner,
            address,
            &record,
            &mut state,
            &state_path,
            log,
        )?;
    }

    // 2. Draw the audit of submitted jobs (a later slot than the submission).
    for (address, j) in view::jobs_of(ctx.ledger.as_mut(), &net.network)? {
        if log.done() {
            break;
        }
        if j.provider != Some(provider)
            || j.audit != AuditDraw::Pending
            || !matches!(j.state, JobState::Submitted | JobState::Disputed)
        {
            continue;
        }
        if view::draw_now(ctx.ledger.as_mut(), &address, &j)? == Draw::NotReady {
            continue;
        }
        let outcome = draw(ctx, &net, &address);
        log.record("draw-audit", address.to_string(), outcome);
    }

    // 3. Run accepted jobs not run yet.
    for (address, j) in &mine {
        if log.done() {
            break;
        }
        if j.state != JobState::Running || state.jobs.contains_key(&address.to_string()) {
            continue;
        }
        run_job(ctx, &mut state, &state_path, workdir, address, j, log)?;
    }

    // 4. Accept matching offers, up to --max-jobs running at once.
    let running = view::jobs_of(ctx.ledger.as_mut(), &net.network)?
        .iter()
        .filter(|(_, j)| j.provider == Some(provider) && j.state == JobState::Running)
        .count();
    if running < args.max_jobs && network.paused & PAUSE_ACCEPT_JOB == 0 && !log.done() {
        let offers = job::offers(ctx, &net.network, &provider)?;
        let mut room = args.max_jobs - running;
        for offer in offers {
            if room == 0 || log.done() {
                break;
            }
            if let Some(why) = offer.refusal(&me.hardware) {
                if ctx.output() == Output::Text {
                    eprintln!("not taking {}: {why}", offer.address);
                }
                continue;
            }
            let outcome = ctx
                .send(&[ix::accept_job(&net, owner, offer.address)], &[])
                .map(|sig| format!("accepted ({sig})"));
            let ok = outcome.is_ok();
            log.record("accept", offer.address.to_string(), outcome);
            if ok {
                room -= 1;
                if !log.done() {
                    let j = job::load_job(ctx, &offer.address)?;
                    run_job(
                        ctx,
                        &mut state,
                        &state_path,
                        workdir,
                        &offer.address,
                        &j,
                        log,
                    )?;
                }
                // Submit at once (a tick later if stepping).
                if !log.done() {
                    if let Some(record) = state.jobs.get(&offer.address.to_string()).cloned() {
                        if record.phase == "ran" {
                            submit_and_draw(
                                ctx,
                                &net,
                                owner,
                                &offer.address,
                                &record,
                                &mut state,
                                &state_path,
                                log,
                            )?;
                        }
                    }
                }
            }
        }
    }

    // 5. Claim rewards on schedule.
    if !log.done() && now.saturating_sub(state.last_claim) >= args.claim_every {
        let list = flows::claimable(ctx.ledger.as_mut(), &net, &owner, now)?;
        if !list.is_empty() {
            let outcome = claim(ctx, &net, owner, &list);
            if outcome.is_ok() {
                state.last_claim = now;
                state.save(&state_path)?;
            }
            log.record("claim", provider.to_string(), outcome);
        }
    }
    // Forget jobs that ended.
    let live: Vec<String> = mine.iter().map(|(a, _)| a.to_string()).collect();
    let before = state.jobs.len();
    state
        .jobs
        .retain(|k, r| live.contains(k) || r.phase == "ran");
    if state.jobs.len() != before {
        state.save(&state_path)?;
    }
    Ok(())
}

/// Runs `job`'s manifest command, recording the outcome in the state file before returning.
fn run_job(
    ctx: &mut Ctx,
    state: &mut AgentState,
    state_path: &Path,
    workdir: &Path,
    address: &Pubkey,
    j: &spice::state::Job,
    log: &mut Log,
) -> Result<()> {
    let manifest = crate::manifest::fetch_verified(&j.spec_uri, &j.spec_hash)
        .and_then(|b| crate::manifest::Manifest::parse(&String::from_utf8_lossy(&b)));
    let key = address.to_string();
    let runs = state.jobs.get(&key).map_or(0, |r| r.runs) + 1;
    let outcome = manifest.and_then(|m| run_command(&m.job.command, address, &workdir.join(&key)));
    let _ = ctx;
    match outcome {
        Ok((result, measured)) => {
            let units = measured.min(j.max_units);
            state.jobs.insert(
                key.clone(),
                JobRecord {
                    phase: "ran".into(),
                    units,
                    result: Some(result),
                    runs,
                },
            );
            state.save(state_path)?;
            log.record("run", key, Ok(format!("{units} units measured")));
        }
        Err(e) => {
            state.jobs.insert(
                key.clone(),
                JobRecord {
                    phase: "failed".into(),
                    units: 0,
                    result: None,
                    runs,
                },
            );
            state.save(state_path)?;
            log.record(
                "run",
                key,
                Err(e.context("not submitting: the job will expire unless run again by hand")),
            );
        }
    }
    Ok(())
}

/// Submits a finished run (recording it in the state file once sent), then draws its audit
/// at once if a later slot has come (else a later tick, or the crank, does).
#[allow(clippy::too_many_arguments)]
fn submit_and_draw(
    ctx: &mut Ctx,
    net: &NetworkKeys,
    owner: Pubkey,
    address: &Pubkey,
    record: &JobRecord,
    state: &mut AgentState,
    state_path: &Path,
    log: &mut Log,
) -> Result<()> {
    let outcome = submit(ctx, net, owner, address, record);
    let ok = outcome.is_ok();
    if ok {
        if let Some(r) = state.jobs.get_mut(&address.to_string()) {
            r.phase = "submitted".into();
        }
        state.save(state_path)?;
    }
    log.record("submit", address.to_string(), outcome);
    if ok && !log.done() {
        let j = job::load_job(ctx, address)?;
        if j.audit == AuditDraw::Pending
            && view::draw_now(ctx.ledger.as_mut(), address, &j)? != Draw::NotReady
        {
            let outcome = draw(ctx, net, address);
            log.record("draw-audit", address.to_string(), outcome);
        }
    }
    Ok(())
}

fn submit(
    ctx: &mut Ctx,
    net: &NetworkKeys,
    owner: Pubkey,
    address: &Pubkey,
    record: &JobRecord,
) -> Result<String> {
    let path = record
        .result
        .as_ref()
        .ok_or_else(|| anyhow!("no result file recorded"))?;
    let hash = crate::manifest::hash_file(path)?;
    let uri = crate::manifest::file_uri(path)?;
    job::check_uri("result uri", &uri)?;
    let sig = ctx.send(
        &[ix::submit_result(
            net,
            owner,
            *address,
            SubmitResultArgs {
                result_hash: hash,
                units: record.units,
                result_uri: uri,
            },
        )],
        &[],
    )?;
    Ok(format!(
        "{} units, result sha256 {} ({sig})",
        record.units,
        view::hex(&hash)
    ))
}

fn draw(ctx: &mut Ctx, net: &NetworkKeys, address: &Pubkey) -> Result<String> {
    let sig = ctx.send(&[ix::draw_audit(net, *address)], &[])?;
    let j = job::load_job(ctx, address)?;
    Ok(format!(
        "{} ({sig})",
        if j.audit == AuditDraw::Selected {
            "selected for audit"
        } else {
            "not selected"
        }
    ))
}

fn claim(
    ctx: &mut Ctx,
    net: &NetworkKeys,
    owner: Pubkey,
    list: &[flows::Claimable],
) -> Result<String> {
    let pages = flows::pages_of(list);
    let destination = net.stake_ata(&owner);
    let prefix = vec![tokens::create_associated(
        &owner,
        &owner,
        &net.stake_mint,
        &net.stake_token_program,
    )];
    let before = view::balance(ctx, &destination)?;
    for batch in flows::claim_batches(net, &owner, &owner, &destination, &pages, &prefix) {
        let mut ixs = prefix.clone();
        ixs.push(ix::claim_rewards(net, owner, destination, &batch));
        ctx.send(&ixs, &[])?;
    }
    let got = view::balance(ctx, &destination)?.saturating_sub(before);
    let d = ctx.decimals()?;
    Ok(format!(
        "claimed {} for {} epoch(s)",
        d.stk(got),
        list.len()
    ))
}

// ------------------------------------------------------------------------- crank

/// The crank.
pub fn crank_run(global: &Global, args: &CrankRunArgs) -> Result<()> {
    let mut log = Log {
        output: global.output,
        actions: vec![],
        limit: None,
    };
    loop {
        let started = Instant::now();
        let mut ctx = Ctx::open(global.clone())?;
        let tick = crank_tick(&mut ctx, &mut log);
        let saved = ctx.save();
        drop(ctx);
        tick?;
        saved?;
        if args.once {
            break;
        }
        std::thread::sleep(Duration::from_secs(args.poll).saturating_sub(started.elapsed()));
    }
    if global.output == Output::Json {
        println!("{}", json!({"actions": log.actions}));
    }
    Ok(())
}

fn crank_tick(ctx: &mut Ctx, log: &mut Log) -> Result<()> {
    let (net, network) = view::network(ctx)?;
    let now = view::now(ctx)?;
    let payer = ctx.signer()?.pubkey();
    let paused = network.paused & PAUSE_ACCEPT_JOB != 0;

    // Jobs: what anyone can do now, by the program's own rules.
    for (address, j) in view::jobs_of(ctx.ledger.as_mut(), &net.network)? {
        let draw_now = view::draw_now(ctx.ledger.as_mut(), &address, &j)?;
        let due: Vec<Action> = possible_actions(&j, draw_now, paused, now)
            .into_iter()
            .filter(|a| a.now && a.who == Role::Anyone)
            .map(|a| a.action)
            .collect();
        // One action per job and tick, in this order.
        let outcome = if due.contains(&Action::Expire) {
            Some((
                "expire",
                ctx.send(&[ix::expire_job(&net, address, j.client, j.provider)], &[])
                    .map(|s| format!("refunded the client ({s})")),
            ))
        } else if due.contains(&Action::Settle) {
            Some(("settle", settle(ctx, &net, &address, &j)))
        } else if due.contains(&Action::DrawAudit) {
            Some(("draw-audit", draw(ctx, &net, &address)))
        } else {
            None
        };
        if let Some((action, outcome)) = outcome {
            log.record(action, address.to_string(), outcome);
        }
    }

    // Epochs: finalize ended epochs with work, close their shards, close expired epochs.
    let current = net.epoch_at(now);
    let network: Network = accounts::fetch_required(ctx.ledger.as_mut(), &net.network)?;
    let paused_total = network.claims_paused_total(now).unwrap_or(0);
    let first = current.saturating_sub(3 * spice::constants::EPOCHS_PER_PAGE);
    for e in first..current {
        let entry = rewards::entry(ctx.ledger.as_mut(), &net, e)?;
        if entry.status == EpochStatus::Pending {
            let worked = flows::shard_payers(ctx.ledger.as_mut(), &net, e)?
                .iter()
                .any(Option::is_some);
            if !worked {
                continue;
            }
            let outcome = ctx
                .send(&[ix::finalize_epoch(&net, payer, e)], &[])
                .map(|s| format!("finalized ({s})"));
            let ok = outcome.is_ok();
            log.record("finalize", format!("epoch {e}"), outcome);
            if !ok {
                continue;
            }
        }
        let entry = rewards::entry(ctx.ledger.as_mut(), &net, e)?;
        if entry.open_shards > 0 {
            for shard in 0..net.shard_count {
                let address = pda::epoch_shard(&net.network, e, shard);
                let s: Option<EpochShard> = accounts::fetch(ctx.ledger.as_mut(), &address)?;
                if let Some(s) = s {
                    let outcome = ctx
                        .send(&[ix::close_epoch_shard(&net, e, shard, s.payer)], &[])
                        .map(|sig| format!("rent back to {} ({sig})", s.payer));
                    log.record("close-shard", format!("epoch {e} shard {shard}"), outcome);
                }
            }
        }
        if entry.status == EpochStatus::Open
            && entry
                .effective_deadline(paused_total)
                .is_ok_and(|d| now >= d)
        {
            let outcome = ctx
                .send(&[ix::close_epoch(&net, e)], &[])
                .map(|s| format!("unclaimed rewards back to the pool ({s})"));
            log.record("close-epoch", format!("epoch {e}"), outcome);
        }
    }

    // Provider book pages with nothing left.
    for (provider, _) in view::providers_of(ctx.ledger.as_mut(), &net.network)? {
        for page in 0..=spice::state::page_of(current) {
            let address = pda::provider_book(&provider, page);
            let book: Option<ProviderBook> = accounts::fetch(ctx.ledger.as_mut(), &address)?;
            let Some(book) = book else { continue };
            let epochs: Option<spice::state::EpochBook> =
                accounts::fetch(ctx.ledger.as_mut(), &pda::epoch_book(&net.network, page))?;
            if !rewards::book_closable(&book, epochs.as_ref(), current) {
                continue;
            }
            let outcome = ctx
                .send(
                    &[ix::close_provider_book(
                        &net,
                        provider,
                        page,
                        book.payer,
                        epochs.is_some(),
                    )],
                    &[],
                )
                .map(|s| format!("rent back to {} ({s})", book.payer));
            log.record(
                "close-book",
                format!("provider {provider} page {page}"),
                outcome,
            );
        }
    }
    Ok(())
}

fn settle(
    ctx: &mut Ctx,
    net: &NetworkKeys,
    address: &Pubkey,
    j: &spice::state::Job,
) -> Result<String> {
    let keys = job::settle_keys(ctx, net, address, j)?;
    let sig = ctx.send(&[ix::settle_job(net, &keys)], &[])?;
    Ok(format!(
        "settled for {} units in epoch {} ({sig})",
        j.reported_units, keys.epoch
    ))
}
