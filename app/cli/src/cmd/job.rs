//! `spice job`: the job lifecycle. Clients create, cancel, approve and dispute; providers
//! accept and submit; anyone settles, expires, draws audits and collects a client's refused
//! payouts. `show` tells the deadlines and what can be done now and by whom (the program's
//! `spice::state::lifecycle::possible_actions`).
//!
//! A JOB argument is a job address, or a number: the id of one of the signer's own jobs (as
//! client).

use anchor_lang::prelude::Pubkey;
use anyhow::{anyhow, bail, Context as _, Result};
use clap::{Args, Subcommand, ValueEnum};
use serde_json::{json, Value};
use solana_sdk::signature::Signer;
use spice::constants::{MAX_URI_LEN, MIN_WINDOW_SECONDS, PAUSE_ACCEPT_JOB};
use spice::instructions::{CreateJobArgs, SubmitResultArgs};
use spice::state::{AuditDraw, Client, Job, JobState, Network, Provider};
use spice_sdk::ix::{self, NetworkKeys, SettleKeys};
use spice_sdk::{accounts, flows, pda, tokens};

use crate::amounts::{self, Amount, Decimals};
use crate::cmd::view::{self, JobView};
use crate::context::Ctx;

/// Accept window and run time a job asks for when not told (capped by the network's maximum).
const DEFAULT_WINDOW_SECONDS: i64 = 3_600;

#[derive(Subcommand, Debug)]
pub enum JobCmd {
    /// Create a job and escrow price-per-unit x max-units from the signer (the client). Its id
    /// is the client's next job id (0 for a first job).
    Create(CreateArgs),
    /// Cancel an open job (client): full refund to the client's associated account (created
    /// if missing), job closed.
    Cancel {
        /// Job address, or the id of one of the signer's jobs.
        job: String,
    },
    /// Accept an open job with the signer's provider.
    Accept {
        /// Job address, or the id of one of the signer's jobs.
        job: String,
    },
    /// Submit the result of a running job (provider); the challenge window starts.
    Submit {
        /// Job address, or the id of one of the signer's jobs.
        job: String,
        /// Units of work done (at most the job's max units).
        #[arg(long)]
        units: u64,
        /// Hash of the result, 64 hex digits.
        #[arg(long, conflicts_with = "result")]
        result_hash: Option<String>,
        /// The result file: the SHA-256 of its contents is recorded (and, without
        /// --result-uri, its file:// path).
        #[arg(long)]
        result: Option<std::path::PathBuf>,
        /// Where the result can be fetched (at most 128 bytes).
        #[arg(long)]
        result_uri: Option<String>,
        /// Then watch the job until it ends (see `job watch`).
        #[arg(long)]
        wait: bool,
    },
    /// Approve a submitted result (client): settles at once unless the audit draw selects it.
    Approve {
        /// Job address, or the id of one of the signer's jobs.
        job: String,
        /// Keypair of the rent payer of the reward accounts the settlement may create (the
        /// provider's book page, the epoch's shard), which signs too (default: the signer).
        #[arg(long)]
        payer: Option<String>,
    },
    /// Dispute a submitted result inside the challenge window (client); attestors decide.
    Dispute {
        /// Job address, or the id of one of the signer's jobs.
        job: String,
    },
    /// Settle a submitted job once its challenge window has passed (anyone).
    Settle {
        /// Job address, or the id of one of the signer's jobs.
        job: String,
        /// Keypair of the rent payer of the reward accounts the settlement may create, which
        /// signs too (default: the signer).
        #[arg(long)]
        payer: Option<String>,
    },
    /// Refund a job past a deadline (anyone): not accepted, not submitted, or no quorum.
    Expire {
        /// Job address, or the id of one of the signer's jobs.
        job: String,
    },
    /// Record the audit draw of a submitted or disputed job (anyone, a slot after submission).
    DrawAudit {
        /// Job address, or the id of one of the signer's jobs.
        job: String,
    },
    /// Pay a client the refunds and slash shares its token accounts refused (anyone): into
    /// the client's associated accounts, created if missing.
    Collect {
        /// The client (default: the signer).
        #[arg(long)]
        client: Option<String>,
    },
    /// Watch a job until it ends: its state, audit draw, votes and next deadline each time
    /// they change, then how it ended.
    Watch {
        /// Job address, or the id of one of the signer's jobs.
        job: String,
        #[command(flatten)]
        watch: WatchArgs,
    },
    /// How ended jobs ended (all of the network's, or JOB's): on a cluster from the program's
    /// events in the transaction history; on the embedded ledger from what it recorded when
    /// the job closed (last state, closing instruction, token balances moved).
    History {
        /// A job address (default: every ended job of the network).
        job: Option<Pubkey>,
        /// Transactions to read over RPC, newest first.
        #[arg(long, default_value_t = 200)]
        limit: usize,
    },
    /// Show a job: terms, deadlines, votes, and what can be done now and by whom.
    Show {
        /// Job address, or the id of one of the signer's jobs.
        job: String,
    },
    /// List the live jobs of the network.
    List {
        /// Only jobs in this state.
        #[arg(long, value_enum)]
        state: Option<StateFilter>,
        /// Only the signer's jobs: as client, or as (target) provider.
        #[arg(long)]
        mine: bool,
        /// Only open jobs the signer's provider can take: not reserved for another provider,
        /// and whose manifest (fetched from its spec URI, checked against its spec hash) asks
        /// for hardware the provider has.
        #[arg(long, conflicts_with_all = ["state", "mine"])]
        matching: bool,
    },
    /// Fetch a job's manifest (spec) or result from the URI on chain, check it against the
    /// hash on chain, and write it to --out (or stdout).
    Fetch {
        /// Job address, or the id of one of the signer's jobs.
        job: String,
        /// Which document.
        #[arg(long, value_enum, default_value_t = Document::Spec)]
        what: Document,
        /// Where to write it (default: stdout).
        #[arg(long)]
        out: Option<std::path::PathBuf>,
    },
}

/// A document a job points to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Document {
    Spec,
    Result,
}

/// Arguments of `job create`.
#[derive(Args, Debug)]
pub struct CreateArgs {
    /// The id the job must get: refused unless it is the signer's next job id (job ids are
    /// given by the program, in order, from 0; this only asserts it).
    #[arg(long)]
    id: Option<u64>,
    /// A job manifest (TOML: what to run, hardware, the unit, price, deadlines): its SHA-256
    /// is recorded as the spec hash, its [publish] spec_uri (or --spec-uri, else its file://
    /// path) as the spec URI; its price and deadlines apply unless given as options.
    #[arg(long, conflicts_with_all = ["spec", "spec_hash"])]
    manifest: Option<std::path::PathBuf>,
    /// Payment per unit of work, in payment tokens (e.g. 0.25; base units with a `base`
    /// suffix, e.g. 250000base).
    #[arg(long, required_unless_present = "manifest")]
    price_per_unit: Option<Amount>,
    /// Most units paid for; price-per-unit x max-units is escrowed.
    #[arg(long, required_unless_present = "manifest")]
    max_units: Option<u64>,
    /// Only this provider may accept: its owner's key (or keypair file) or its account.
    #[arg(long)]
    target: Option<String>,
    /// Seconds a provider has to accept (default: 3600, or the network's maximum if lower).
    #[arg(long)]
    accept_seconds: Option<i64>,
    /// Seconds the provider has from acceptance to submission (default: 3600, or the network's
    /// maximum if lower).
    #[arg(long)]
    run_seconds: Option<i64>,
    /// Hash of the job specification, 64 hex digits (default: zeros).
    #[arg(long, conflicts_with = "spec")]
    spec_hash: Option<String>,
    /// The job specification file: the SHA-256 of its contents is recorded (and, without
    /// --spec-uri, its file:// path).
    #[arg(long)]
    spec: Option<std::path::PathBuf>,
    /// Where the job specification can be fetched (at most 128 bytes).
    #[arg(long)]
    spec_uri: Option<String>,
    /// Payment-mint account the escrow comes from (default: the signer's associated account).
    #[arg(long)]
    from: Option<Pubkey>,
    /// Then watch the job until it ends (see `job watch`).
    #[arg(long)]
    wait: bool,
}

/// Options of `job watch` (and `--wait`).
#[derive(Args, Debug, Clone)]
pub struct WatchArgs {
    /// Seconds between looks.
    #[arg(long, default_value_t = 2)]
    pub interval: u64,
    /// Give up (exit 1) after this many seconds.
    #[arg(long)]
    pub timeout: Option<u64>,
}

/// A job state, for `list --state`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum StateFilter {
    Open,
    Running,
    Submitted,
    Disputed,
}

impl StateFilter {
    fn matches(self, state: JobState) -> bool {
        matches!(
            (self, state),
            (StateFilter::Open, JobState::Open)
                | (StateFilter::Running, JobState::Running)
                | (StateFilter::Submitted, JobState::Submitted)
                | (StateFilter::Disputed, JobState::Disputed)
        )
    }
}

pub fn run(ctx: &mut Ctx, cmd: JobCmd) -> Result<()> {
    match cmd {
        JobCmd::Create(args) => create(ctx, args),
        JobCmd::Watch { .. } => bail!("spice job watch opens the ledger itself"),
        JobCmd::Cancel { job } => cancel(ctx, &job),
        JobCmd::Accept { job } => accept(ctx, &job),
        JobCmd::Submit {
            job,
            units,
            result_hash,
            result,
            result_uri,
            wait,
        } => {
            let address = submit(ctx, &job, units, result_hash, result, result_uri)?;
            if wait {
                ctx.wait_for = Some(address);
            }
            Ok(())
        }
        JobCmd::Approve { job, payer } => settle_like(ctx, &job, payer, true),
        JobCmd::Dispute { job } => dispute(ctx, &job),
        JobCmd::Settle { job, payer } => settle_like(ctx, &job, payer, false),
        JobCmd::Expire { job } => expire(ctx, &job),
        JobCmd::DrawAudit { job } => draw_audit(ctx, &job),
        JobCmd::Collect { client } => collect(ctx, client),
        JobCmd::Show { job } => show(ctx, &job),
        JobCmd::List {
            state,
            mine,
            matching,
        } => {
            if matching {
                list_matching(ctx)
            } else {
                list(ctx, state, mine)
            }
        }
        JobCmd::Fetch { job, what, out } => fetch(ctx, &job, what, out),
        JobCmd::History { job, limit } => history(ctx, job, limit),
    }
}

// ---------------------------------------------------------------- shared with `attestor`

/// A JOB argument: a job address, or the id of one of the signer's jobs.
pub fn resolve_job(ctx: &mut Ctx, network: &Pubkey, value: &str) -> Result<Pubkey> {
    if let Ok(id) = value.parse::<u64>() {
        let client = ctx.signer()?.pubkey();
        return Ok(pda::job(network, &client, id));
    }
    value.parse::<Pubkey>().map_err(|_| {
        anyhow!("{value} is neither a job address nor a job id (a number: one of your jobs)")
    })
}

/// A JOB argument and the live job there.
pub fn job_at(ctx: &mut Ctx, network: &Pubkey, value: &str) -> Result<(Pubkey, Job)> {
    let address = resolve_job(ctx, network, value)?;
    let job = load_job(ctx, &address).map_err(|e| {
        if value.parse::<u64>().is_ok() {
            e.context(format!(
                "{value} names job id {value} of the signer as client; give another client's job by its address"
            ))
        } else {
            e
        }
    })?;
    Ok((address, job))
}

/// The live job at `address`.
pub fn load_job(ctx: &mut Ctx, address: &Pubkey) -> Result<Job> {
    let job: Option<Job> = accounts::fetch(ctx.ledger.as_mut(), address)?;
    job.ok_or_else(|| {
        anyhow!(
            "no job at {address}: a job closes when it is cancelled, expired, settled or found \
             fraudulent"
        )
    })
}

/// Who a settlement of `job` pays (client, provider and its owner, the current epoch; the
/// signer pays the rent of the reward accounts settlement may create). Payments go to the
/// payees' associated token accounts if those take them, otherwise they wait in the payouts
/// vault: nobody's token account is created for them here.
pub fn settle_keys(
    ctx: &mut Ctx,
    net: &NetworkKeys,
    address: &Pubkey,
    job: &Job,
) -> Result<SettleKeys> {
    let provider = job
        .provider
        .ok_or_else(|| anyhow!("job {address} has no provider: nobody accepted it"))?;
    let p: Provider = accounts::fetch_required(ctx.ledger.as_mut(), &provider)?;
    let payer = ctx.signer()?.pubkey();
    let now = view::now(ctx)?;
    Ok(SettleKeys {
        job: *address,
        client: job.client,
        provider,
        provider_owner: p.owner,
        payer,
        epoch: net.epoch_at(now),
    })
}

/// What the payouts vault holds for a job's payees: the provider's refused payments, the
/// client's refused refunds (payment mint) and slash shares (stake mint).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Owed {
    pub provider_payment: u64,
    pub client_payment: u64,
    pub client_stake: u64,
}

impl Owed {
    /// Reads what is owed to the provider account `provider` (if any) and to `client`.
    pub fn read(
        ctx: &mut Ctx,
        net: &NetworkKeys,
        provider: Option<&Pubkey>,
        client: &Pubkey,
    ) -> Result<Self> {
        let p: Option<Provider> = match provider {
            Some(p) => accounts::fetch(ctx.ledger.as_mut(), p)?,
            None => None,
        };
        let c: Option<Client> =
            accounts::fetch(ctx.ledger.as_mut(), &pda::client(&net.network, client))?;
        Ok(Self {
            provider_payment: p.map_or(0, |p| p.owed_payment),
            client_payment: c.as_ref().map_or(0, |c| c.owed_payment),
            client_stake: c.as_ref().map_or(0, |c| c.owed_stake),
        })
    }
}

/// Where a payout of `amount` went: the payee's associated token account `ata`, or (when the
/// payee's record now owes more than before) the payouts vault. Returns the words and JSON.
pub fn payout_destination(
    amount: u64,
    owed_before: u64,
    owed_after: u64,
    ata: &Pubkey,
    collect: &str,
    d: &Decimals,
) -> (String, Value) {
    if amount == 0 {
        return ("nothing".to_string(), json!(null));
    }
    if owed_after > owed_before {
        (
            format!(
                "{} into the payouts vault (the payee's token account {ata} did not take it; `{collect}` pays it out)",
                d.pay(amount)
            ),
            json!({"amount": amount, "to": "payouts_vault", "owed": owed_after}),
        )
    } else {
        (
            format!("{} to {ata}", d.pay(amount)),
            json!({"amount": amount, "to": ata.to_string()}),
        )
    }
}

/// Rent of a job and its escrow vault (returned to the client when it closes).
fn job_rent(ctx: &mut Ctx, address: &Pubkey) -> Result<u64> {
    Ok(view::lamports(ctx, address)? + view::lamports(ctx, &pda::escrow_vault(address))?)
}

/// Refuses a URI longer than the program stores.
pub fn check_uri(flag: &str, uri: &str) -> Result<()> {
    if uri.len() > MAX_URI_LEN {
        bail!("{flag} is {} bytes long; at most {MAX_URI_LEN}", uri.len());
    }
    Ok(())
}

// ---------------------------------------------------------------- client

fn create(ctx: &mut Ctx, mut args: CreateArgs) -> Result<()> {
    let wait = args.wait;
    let (net, network) = view::network(ctx)?;
    let d = ctx.decimals()?;
    let mut spec_hash_from_file = None;
    let mut spec_uri = args.spec_uri.clone();
    if let Some(path) = &args.manifest {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading the manifest {}", path.display()))?;
        let m = crate::manifest::Manifest::parse(&text)
            .with_context(|| format!("{}", path.display()))?;
        args.price_per_unit = args.price_per_unit.or(Some(m.price.per_unit));
        args.max_units = args.max_units.or(Some(m.price.max_units));
        args.accept_seconds = args.accept_seconds.or(m.deadlines.accept_seconds);
        args.run_seconds = args.run_seconds.or(m.deadlines.run_seconds);
        spec_uri = spec_uri.or(m.publish.spec_uri.clone());
        spec_hash_from_file = Some(crate::manifest::hash_file(path)?);
        if spec_uri.is_none() {
            spec_uri = Some(crate::manifest::file_uri(path)?);
            eprintln!(
                "note: the manifest has no [publish] spec_uri: recording its file:// path, which only this machine can fetch"
            );
        }
    }
    if let Some(path) = &args.spec {
        spec_hash_from_file = Some(crate::manifest::hash_file(path)?);
        if spec_uri.is_none() {
            spec_uri = Some(crate::manifest::file_uri(path)?);
        }
    }
    let spec_uri = spec_uri.unwrap_or_default();
    let price_per_unit = amounts::resolve(
        "--price-per-unit",
        args.price_per_unit
            .ok_or_else(|| anyhow!("--price-per-unit (or --manifest) is required"))?,
        d.payment,
    )?;
    let max_units = args
        .max_units
        .ok_or_else(|| anyhow!("--max-units (or --manifest) is required"))?;
    let client = ctx.signer()?.pubkey();
    let job_id = flows::next_job_id(ctx.ledger.as_mut(), &net, &client)?;
    if let Some(id) = args.id {
        if id != job_id {
            bail!(
                "--id {id}: the next job id of {client} on this network is {job_id} (ids are given in order and never reused)"
            );
        }
    }
    let address = pda::job(&net.network, &client, job_id);
    let target_provider = match &args.target {
        Some(v) => {
            let p = view::resolve_provider(ctx, &net.network, v)?;
            let found: Option<Provider> = accounts::fetch(ctx.ledger.as_mut(), &p)?;
            if found.is_none() {
                bail!(
                    "--target {v}: no provider registered at {p} on network {}",
                    net.network
                );
            }
            Some(p)
        }
        None => None,
    };
    check_uri("--spec-uri", &spec_uri)?;
    let window = |given: Option<i64>, max: i64| {
        given.unwrap_or_else(|| DEFAULT_WINDOW_SECONDS.min(max).max(MIN_WINDOW_SECONDS))
    };
    let accept_seconds = window(args.accept_seconds, network.params.max_accept_seconds);
    let run_seconds = window(args.run_seconds, network.params.max_run_seconds);
    let spec_hash = match spec_hash_from_file {
        Some(h) => h,
        None => view::hash_arg(args.spec_hash.as_deref(), None)?,
    };
    let from = args.from.unwrap_or_else(|| net.payment_ata(&client));
    let escrow = u64::try_from(u128::from(price_per_unit) * u128::from(max_units))
        .map_err(|_| {
            anyhow!(
                "--price-per-unit {} x --max-units {}: the escrow is more than a token amount can be",
                d.p(price_per_unit),
                max_units
            )
        })?;
    view::check_funds(ctx, &from, escrow, "payment", d.payment, "the escrow")?;
    let ix = ix::create_job(
        &net,
        client,
        from,
        CreateJobArgs {
            job_id,
            price_per_unit,
            max_units,
            spec_hash,
            spec_uri: spec_uri.clone(),
            target_provider,
            accept_seconds,
            run_seconds,
        },
    );
    let sig = ctx.send(&[ix], &[]).with_context(|| {
        format!(
            "creating job {job_id}: escrow {} from {from}; accept {accept_seconds}s (max {}), run {run_seconds}s (max {}), windows at least {MIN_WINDOW_SECONDS}s",
            d.pay(escrow),
            network.params.max_accept_seconds,
            network.params.max_run_seconds
        )
    })?;
    let job = load_job(ctx, &address)?;
    let now = view::now(ctx)?;
    let text = format!(
        "created job {job_id} at {address}: {} escrowed ({} per unit, at most {} units) from {from}\naccept by {}; run time {}{}",
        d.pay(job.escrowed),
        d.p(job.price_per_unit),
        job.max_units,
        view::when(job.accept_deadline, now),
        view::duration(job.run_seconds),
        target_provider
            .map(|t| format!("; only provider {t} may accept"))
            .unwrap_or_default()
    );
    view::report_tx(
        ctx,
        &sig,
        json!({
            "action": "job.create",
            "job": address.to_string(),
            "job_id": job_id,
            "client": client.to_string(),
            "escrowed": job.escrowed,
            "price_per_unit": job.price_per_unit,
            "max_units": job.max_units,
            "spec_hash": view::hex(&job.spec_hash),
            "spec_uri": job.spec_uri,
            "target_provider": target_provider.map(|t| t.to_string()),
            "accept_deadline": view::time_json(job.accept_deadline, now),
            "run_seconds": job.run_seconds,
            "from": from.to_string(),
        }),
        text,
    );
    if wait {
        ctx.wait_for = Some(address);
    }
    Ok(())
}

fn cancel(ctx: &mut Ctx, job_arg: &str) -> Result<()> {
    let net = ctx.network()?;
    let (address, job) = job_at(ctx, &net.network, job_arg)?;
    let client = ctx.signer()?.pubkey();
    if job.client != client {
        bail!(
            "only the job's client {} can cancel it (signer is {client})",
            job.client
        );
    }
    let d = ctx.decimals()?;
    let refund = view::balance(ctx, &pda::escrow_vault(&address))?;
    let rent = job_rent(ctx, &address)?;
    let before = Owed::read(ctx, &net, None, &client)?;
    let (to, mut ixs) = view::associated_or(
        ctx,
        None,
        &client,
        &net.payment_mint,
        &net.payment_token_program,
    )?;
    ixs.push(ix::cancel_job(&net, client, address));
    let sig = ctx.send(&ixs, &[]).with_context(|| {
        format!(
            "cancelling job {address} ({}): only an open job can be cancelled",
            view::job_state_name(job.state)
        )
    })?;
    let after = Owed::read(ctx, &net, None, &client)?;
    let (words, dest) = payout_destination(
        refund,
        before.client_payment,
        after.client_payment,
        &to,
        "spice job collect",
        &d,
    );
    view::report_tx(
        ctx,
        &sig,
        json!({
            "action": "job.cancel",
            "job": address.to_string(),
            "refunded": refund,
            "to": to.to_string(),
            "refund": dest,
            "rent_lamports": rent,
        }),
        format!("cancelled job {address}: refunded {words}, {rent} lamports of rent back"),
    );
    Ok(())
}

fn dispute(ctx: &mut Ctx, job_arg: &str) -> Result<()> {
    let net = ctx.network()?;
    let (address, before) = job_at(ctx, &net.network, job_arg)?;
    let client = ctx.signer()?.pubkey();
    let now = view::now(ctx)?;
    let ix = ix::dispute_job(&net, client, address);
    let sig = ctx.send(&[ix], &[]).with_context(|| {
        format!(
            "disputing job {address} ({}, challenge window until {})",
            view::job_state_name(before.state),
            view::when(before.challenge_deadline, now)
        )
    })?;
    let job = load_job(ctx, &address)?;
    view::report_tx(
        ctx,
        &sig,
        json!({
            "action": "job.dispute",
            "job": address.to_string(),
            "vote_deadline": view::time_json(job.vote_deadline, now),
        }),
        format!(
            "disputed job {address}: attestors can vote until {}; without a quorum by then anyone can expire it (full refund)",
            view::when(job.vote_deadline, now)
        ),
    );
    Ok(())
}

/// `approve` (client, `approve == true`) or `settle` (anyone); `payer`: the keypair file of
/// the reward accounts' rent payer, if not the signer.
fn settle_like(ctx: &mut Ctx, job_arg: &str, payer: Option<String>, approve: bool) -> Result<()> {
    let net = ctx.network()?;
    let payer = match payer {
        Some(path) => {
            let kp = crate::context::read_keypair(&path)?;
            ctx.top_up(&kp.pubkey())?;
            Some(kp)
        }
        None => None,
    };
    let (address, job) = job_at(ctx, &net.network, job_arg)?;
    let mut ixs = Vec::new();
    if approve {
        let signer = ctx.signer()?.pubkey();
        if job.client != signer {
            bail!(
                "only the job's client {} can approve it (signer is {signer})",
                job.client
            );
        }
        // The client signs and gets the unearned escrow back: its own account, created if
        // missing.
        let (_, creates) = view::associated_or(
            ctx,
            None,
            &signer,
            &net.payment_mint,
            &net.payment_token_program,
        )?;
        ixs.extend(creates);
    }
    let now = view::now(ctx)?;
    let mut keys = settle_keys(ctx, &net, &address, &job)?;
    if let Some(kp) = &payer {
        keys.payer = kp.pubkey();
    }
    // The settlement creates the provider's book page and the epoch's shard if they do not
    // exist yet, paid by `keys.payer` (the signer, the client included, or `--payer`).
    let d = ctx.decimals()?;
    let escrow = view::balance(ctx, &pda::escrow_vault(&address))?;
    let rent = job_rent(ctx, &address)?;
    let before = Owed::read(ctx, &net, Some(&keys.provider), &job.client)?;
    ixs.push(if approve {
        ix::approve_job(&net, &keys)
    } else {
        ix::settle_job(&net, &keys)
    });
    let what = if approve { "approve" } else { "settle" };
    let extra: Vec<&solana_sdk::signature::Keypair> = payer.iter().collect();
    let sig = ctx.send(&ixs, &extra).with_context(|| {
        let mut hint = format!("{what} job {address} ({}", view::job_state_name(job.state));
        if !approve && job.state == JobState::Submitted {
            hint.push_str(&format!(
                ", challenge window until {}",
                view::when(job.challenge_deadline, now)
            ));
        }
        if job.audit == AuditDraw::Selected {
            hint.push_str(", selected for audit: needs a Valid attestation quorum");
        }
        hint.push(')');
        hint
    })?;
    let action = if approve { "job.approve" } else { "job.settle" };
    if ctx.ledger.account(&address)?.is_some() {
        // Still open: the draw selected it.
        let after = load_job(ctx, &address)?;
        view::report_tx(
            ctx,
            &sig,
            json!({
                "action": action,
                "job": address.to_string(),
                "settled": false,
                "audit": view::audit_name(after.audit),
                "vote_deadline": view::time_json(after.vote_deadline, now),
            }),
            format!(
                "job {address} was drawn for audit: it settles only on a Valid attestation quorum (votes until {}); not settled",
                view::when(after.vote_deadline, now)
            ),
        );
        return Ok(());
    }
    let payout = job
        .payout(job.reported_units)
        .map_err(|e| anyhow!("payout of job {address}: {e}"))?;
    let refund = payout.refund + escrow.saturating_sub(job.escrowed);
    let after = Owed::read(ctx, &net, Some(&keys.provider), &job.client)?;
    let provider_ata = net.payment_ata(&keys.provider_owner);
    let client_ata = net.payment_ata(&job.client);
    let (paid_words, paid_json) = payout_destination(
        payout.provider,
        before.provider_payment,
        after.provider_payment,
        &provider_ata,
        "spice provider collect",
        &d,
    );
    let (refund_words, refund_json) = payout_destination(
        refund,
        before.client_payment,
        after.client_payment,
        &client_ata,
        "spice job collect",
        &d,
    );
    view::report_tx(
        ctx,
        &sig,
        json!({
            "action": action,
            "job": address.to_string(),
            "settled": true,
            "units": job.reported_units,
            "provider": keys.provider.to_string(),
            "provider_owner": keys.provider_owner.to_string(),
            "provider_payment": payout.provider,
            "provider_paid": paid_json,
            "protocol_fee": payout.fee,
            "client_refund": refund,
            "client_refunded": refund_json,
            "rent_lamports": rent,
            "epoch": keys.epoch,
        }),
        format!(
            "settled job {address} for {} units: provider {} (owner {}) paid {paid_words}; fee {}; client refunded {refund_words}; {rent} lamports of rent back to the client; work counted in epoch {}",
            job.reported_units,
            keys.provider,
            keys.provider_owner,
            d.pay(payout.fee),
            keys.epoch
        ),
    );
    Ok(())
}

/// `collect` (anyone): what the payouts vault holds for a client, into its associated
/// accounts.
fn collect(ctx: &mut Ctx, client: Option<String>) -> Result<()> {
    let net = ctx.network()?;
    let client = match client {
        Some(v) => crate::context::pubkey_or_keypair(&v)?,
        None => ctx.signer()?.pubkey(),
    };
    let owed = Owed::read(ctx, &net, None, &client)?;
    let d = ctx.decimals()?;
    if owed.client_payment == 0 && owed.client_stake == 0 {
        bail!(
            "nothing is owed to client {client} on network {}: its refunds and slash shares went to its token accounts",
            net.network
        );
    }
    let payer = ctx.signer()?.pubkey();
    let payment_to = net.payment_ata(&client);
    let stake_to = net.stake_ata(&client);
    let mut ixs = vec![tokens::create_associated(
        &payer,
        &client,
        &net.payment_mint,
        &net.payment_token_program,
    )];
    if stake_to != payment_to {
        ixs.push(tokens::create_associated(
            &payer,
            &client,
            &net.stake_mint,
            &net.stake_token_program,
        ));
    }
    ixs.push(ix::collect_client_payouts(
        &net, client, payment_to, stake_to,
    ));
    let sig = ctx
        .send(&ixs, &[])
        .with_context(|| format!("collecting what the payouts vault holds for client {client}"))?;
    let text = format!(
        "collected for client {client}: {} to {payment_to}, {} to {stake_to}",
        d.pay(owed.client_payment),
        d.stk(owed.client_stake)
    );
    view::report_tx(
        ctx,
        &sig,
        json!({
            "action": "job.collect",
            "client": client.to_string(),
            "payment": owed.client_payment,
            "payment_to": payment_to.to_string(),
            "stake": owed.client_stake,
            "stake_to": stake_to.to_string(),
        }),
        text,
    );
    Ok(())
}

// ---------------------------------------------------------------- provider

fn accept(ctx: &mut Ctx, job_arg: &str) -> Result<()> {
    let (net, network) = view::network(ctx)?;
    let (address, before) = job_at(ctx, &net.network, job_arg)?;
    let owner = ctx.signer()?.pubkey();
    let provider = pda::provider(&net.network, &owner);
    let now = view::now(ctx)?;
    let p: Option<Provider> = accounts::fetch(ctx.ledger.as_mut(), &provider)?;
    let ix = ix::accept_job(&net, owner, address);
    let sig = ctx.send(&[ix], &[]).with_context(|| {
        let mut hint = format!(
            "accepting job {address} ({}, accept window until {}) with provider {provider}: needs an active provider with stake >= {}",
            view::job_state_name(before.state),
            view::when(before.accept_deadline, now),
            network.params.min_stake
        );
        if let (Some(p), Ok(value)) = (&p, before.value(before.max_units)) {
            if let Some(limit) = view::exposure_limit(p, network.params.max_exposure_bps) {
                hint.push_str(&format!(
                    " and room under its exposure limit ({} held + {value} for this job, at most {limit})",
                    p.exposure
                ));
            }
        }
        if let Some(t) = before.target_provider {
            hint.push_str(&format!("; reserved for provider {t}"));
        }
        hint
    })?;
    let job = load_job(ctx, &address)?;
    view::report_tx(
        ctx,
        &sig,
        json!({
            "action": "job.accept",
            "job": address.to_string(),
            "provider": provider.to_string(),
            "completion_deadline": view::time_json(job.completion_deadline, now),
            "stake_at_accept": job.stake_at_accept,
            "slash_lock": job.slash_lock,
            "exposure": job.exposure,
        }),
        format!(
            "accepted job {address} with provider {provider}: submit by {}; {} of its stake is locked until the job ends (slashed on fraud)",
            view::when(job.completion_deadline, now),
            job.slash_lock
        ),
    );
    Ok(())
}

fn submit(
    ctx: &mut Ctx,
    job_arg: &str,
    units: u64,
    result_hash: Option<String>,
    result: Option<std::path::PathBuf>,
    result_uri: Option<String>,
) -> Result<Pubkey> {
    let net = ctx.network()?;
    let (address, before) = job_at(ctx, &net.network, job_arg)?;
    let owner = ctx.signer()?.pubkey();
    let (hash, result_uri) = match &result {
        Some(path) => (
            crate::manifest::hash_file(path)?,
            match result_uri {
                Some(u) => u,
                None => crate::manifest::file_uri(path)?,
            },
        ),
        None => (
            view::hash_arg(result_hash.as_deref(), None)?,
            result_uri.unwrap_or_default(),
        ),
    };
    check_uri("--result-uri", &result_uri)?;
    let now = view::now(ctx)?;
    let ix = ix::submit_result(
        &net,
        owner,
        address,
        SubmitResultArgs {
            result_hash: hash,
            units,
            result_uri: result_uri.clone(),
        },
    );
    let sig = ctx.send(&[ix], &[]).with_context(|| {
        format!(
            "submitting {units} units (max {}) for job {address} ({}, submit by {})",
            before.max_units,
            view::job_state_name(before.state),
            if before.completion_deadline == 0 {
                "-".to_string()
            } else {
                view::when(before.completion_deadline, now)
            }
        )
    })?;
    let job = load_job(ctx, &address)?;
    let mut text = format!(
        "submitted {units} units for job {address} (result hash {}): the client can approve or dispute until {}",
        view::hex(&hash),
        view::when(job.challenge_deadline, now)
    );
    if job.terms.audit_rate_bps > 0 {
        text.push_str(&format!(
            "\nnext: record the audit draw in a later slot (within ~512 slots): spice job draw-audit {address}"
        ));
    }
    view::report_tx(
        ctx,
        &sig,
        json!({
            "action": "job.submit",
            "job": address.to_string(),
            "units": units,
            "result_hash": view::hex(&hash),
            "result_uri": result_uri,
            "submit_slot": job.submit_slot,
            "challenge_deadline": view::time_json(job.challenge_deadline, now),
        }),
        text,
    );
    Ok(address)
}

// ---------------------------------------------------------------- crank

fn expire(ctx: &mut Ctx, job_arg: &str) -> Result<()> {
    let net = ctx.network()?;
    let (address, job) = job_at(ctx, &net.network, job_arg)?;
    let now = view::now(ctx)?;
    let deadline = match job.state {
        JobState::Open => job.accept_deadline,
        JobState::Running => job.completion_deadline,
        JobState::Submitted | JobState::Disputed => job.vote_deadline,
    };
    let reason = job.expire_reason(now);
    let d = ctx.decimals()?;
    let refund = view::balance(ctx, &pda::escrow_vault(&address))?;
    let rent = job_rent(ctx, &address)?;
    let before = Owed::read(ctx, &net, None, &job.client)?;
    let ix = ix::expire_job(&net, address, job.client, job.provider);
    let sig = ctx.send(&[ix], &[]).with_context(|| {
        if job.state == JobState::Submitted && job.audit != AuditDraw::Selected {
            format!("expiring job {address}: a submitted job expires only when selected for audit and past its vote deadline; it settles otherwise")
        } else {
            format!(
                "expiring job {address} ({}): possible after {}",
                view::job_state_name(job.state),
                view::when(deadline, now)
            )
        }
    })?;
    let after = Owed::read(ctx, &net, None, &job.client)?;
    let to = net.payment_ata(&job.client);
    let (words, dest) = payout_destination(
        refund,
        before.client_payment,
        after.client_payment,
        &to,
        "spice job collect",
        &d,
    );
    let reason = reason.map(view::expire_reason_name).unwrap_or("expired");
    view::report_tx(
        ctx,
        &sig,
        json!({
            "action": "job.expire",
            "job": address.to_string(),
            "reason": reason,
            "refunded": refund,
            "refund": dest,
            "provider": job.provider.map(|p| p.to_string()),
            "rent_lamports": rent,
        }),
        format!(
            "expired job {address} ({reason}): refunded {words}, {rent} lamports of rent back to the client {}{}",
            job.client,
            if job.state == JobState::Running {
                "; a failure on the provider's record"
            } else {
                ""
            }
        ),
    );
    Ok(())
}

fn draw_audit(ctx: &mut Ctx, job_arg: &str) -> Result<()> {
    let net = ctx.network()?;
    let (address, before) = job_at(ctx, &net.network, job_arg)?;
    let ix = ix::draw_audit(&net, address);
    let sig = ctx.send(&[ix], &[]).with_context(|| {
        format!(
            "drawing the audit of job {address} ({}, draw {}): needs a submitted or disputed job, a pending draw, and a slot after the submission",
            view::job_state_name(before.state),
            view::audit_name(before.audit)
        )
    })?;
    let job = load_job(ctx, &address)?;
    let now = view::now(ctx)?;
    let selected = job.audit == AuditDraw::Selected;
    let text = if selected {
        format!(
            "job {address} is selected for audit: it settles only on a Valid attestation quorum, votes until {}",
            view::when(job.vote_deadline, now)
        )
    } else {
        format!("job {address} is not selected for audit")
    };
    view::report_tx(
        ctx,
        &sig,
        json!({
            "action": "job.draw_audit",
            "job": address.to_string(),
            "selected": selected,
            "vote_deadline": (job.vote_deadline != 0).then(|| view::time_json(job.vote_deadline, now)),
        }),
        text,
    );
    Ok(())
}

// ---------------------------------------------------------------- views

/// Everything `show` prints about a job, read from the ledger.
fn job_view(ctx: &mut Ctx, network: &Network, address: Pubkey, job: Job) -> Result<JobView> {
    let escrow = view::balance(ctx, &pda::escrow_vault(&address))?;
    let provider_owner = match job.provider {
        Some(p) => {
            let provider: Option<Provider> = accounts::fetch(ctx.ledger.as_mut(), &p)?;
            provider.map(|p| p.owner)
        }
        None => None,
    };
    let draw = view::draw_now(ctx.ledger.as_mut(), &address, &job)?;
    let decimals = ctx.decimals()?;
    Ok(JobView {
        address,
        job,
        escrow,
        provider_owner,
        accept_paused: network.paused & PAUSE_ACCEPT_JOB != 0,
        draw,
        decimals,
    })
}

fn show(ctx: &mut Ctx, job_arg: &str) -> Result<()> {
    let (net, network) = view::network(ctx)?;
    let (address, job) = job_at(ctx, &net.network, job_arg)?;
    let v = job_view(ctx, &network, address, job)?;
    let now = view::now(ctx)?;
    ctx.emit(v.json(now), || v.text(now));
    Ok(())
}

fn list(ctx: &mut Ctx, state: Option<StateFilter>, mine: bool) -> Result<()> {
    let net = ctx.network()?;
    let me = if mine {
        let key = ctx.signer()?.pubkey();
        Some((key, pda::provider(&net.network, &key)))
    } else {
        None
    };
    let now = view::now(ctx)?;
    let d = ctx.decimals()?;
    let jobs: Vec<(Pubkey, Job)> = view::jobs_of(ctx.ledger.as_mut(), &net.network)?
        .into_iter()
        .filter(|(_, j)| state.is_none_or(|s| s.matches(j.state)))
        .filter(|(_, j)| {
            me.is_none_or(|(key, provider)| {
                j.client == key
                    || j.provider == Some(provider)
                    || j.target_provider == Some(provider)
            })
        })
        .collect();
    let rows: Vec<serde_json::Value> = jobs
        .iter()
        .map(|(k, j)| {
            let next = view::next_deadline(j);
            json!({
                "job": k.to_string(),
                "job_id": j.job_id,
                "client": j.client.to_string(),
                "state": view::job_state_name(j.state),
                "price_per_unit": j.price_per_unit,
                "max_units": j.max_units,
                "escrowed": j.escrowed,
                "target_provider": j.target_provider.map(|p| p.to_string()),
                "provider": j.provider.map(|p| p.to_string()),
                "audit": view::audit_name(j.audit),
                "next_deadline": next.map(|(what, t)| json!({"what": what, "at": view::time_json(t, now)})),
            })
        })
        .collect();
    ctx.emit(json!(rows), || {
        if jobs.is_empty() {
            return format!("no matching jobs on network {}", net.network);
        }
        let mut lines = Vec::new();
        for (k, j) in &jobs {
            let next = view::next_deadline(j)
                .map(|(what, t)| format!("{what} {}", view::when(t, now)))
                .unwrap_or_default();
            lines.push(format!(
                "{k}  id {}  {:<9}  client {}  {} x {} = {}  provider {}  {next}",
                j.job_id,
                view::job_state_name(j.state),
                j.client,
                d.p(j.price_per_unit),
                j.max_units,
                d.p(j.escrowed),
                j.provider
                    .map(|p| p.to_string())
                    .or_else(|| j.target_provider.map(|t| format!("{t} (target)")))
                    .unwrap_or_else(|| "-".to_string()),
            ));
        }
        lines.join("\n")
    });
    Ok(())
}

/// An open job offered to a provider, and what its manifest says (or why it cannot be read).
pub struct Offer {
    pub address: Pubkey,
    pub job: Job,
    pub manifest: std::result::Result<crate::manifest::Manifest, String>,
}

impl Offer {
    /// Why the provider with hardware `hw` should not take it (`None`: it can).
    pub fn refusal(&self, hw: &spice::state::HardwareSpec) -> Option<String> {
        match &self.manifest {
            Err(e) => Some(format!("its manifest cannot be used: {e}")),
            Ok(m) => m.mismatch(hw),
        }
    }
}

/// The open jobs `provider` may accept now (not reserved for another, accept deadline not
/// passed), with their manifests fetched and checked against the spec hash on chain.
pub fn offers(ctx: &mut Ctx, network: &Pubkey, provider: &Pubkey) -> Result<Vec<Offer>> {
    let now = view::now(ctx)?;
    let mut out = Vec::new();
    for (address, job) in view::jobs_of(ctx.ledger.as_mut(), network)? {
        if job.state != JobState::Open
            || job.target_provider.is_some_and(|t| t != *provider)
            || now >= job.accept_deadline
        {
            continue;
        }
        let manifest = crate::manifest::fetch_verified(&job.spec_uri, &job.spec_hash)
            .and_then(|bytes| crate::manifest::Manifest::parse(&String::from_utf8_lossy(&bytes)))
            .map_err(|e| format!("{e:#}"));
        out.push(Offer {
            address,
            job,
            manifest,
        });
    }
    out.sort_by_key(|o| (o.job.created_at, o.address));
    Ok(out)
}

fn list_matching(ctx: &mut Ctx) -> Result<()> {
    let net = ctx.network()?;
    let d = ctx.decimals()?;
    let owner = ctx.signer()?.pubkey();
    let provider = pda::provider(&net.network, &owner);
    let p: Option<Provider> = accounts::fetch(ctx.ledger.as_mut(), &provider)?;
    let Some(p) = p else {
        bail!(
            "{owner} has no provider on network {} (spice provider register): --matching compares jobs with its hardware",
            net.network
        );
    };
    let offers = offers(ctx, &net.network, &provider)?;
    let rows: Vec<Value> = offers
        .iter()
        .map(|o| {
            let refusal = o.refusal(&p.hardware);
            json!({
                "job": o.address.to_string(),
                "client": o.job.client.to_string(),
                "matches": refusal.is_none(),
                "why_not": refusal,
                "price_per_unit": o.job.price_per_unit,
                "max_units": o.job.max_units,
                "name": o.manifest.as_ref().ok().map(|m| m.job.name.clone()),
                "unit": o.manifest.as_ref().ok().map(|m| json!({"name": m.unit.name, "meaning": m.unit.meaning})),
            })
        })
        .collect();
    let matching: Vec<&Value> = rows.iter().filter(|r| r["matches"] == true).collect();
    ctx.emit(json!(matching), || {
        let mut lines = vec![format!(
            "{} of {} open job(s) match provider {provider} ({} x {}, {} GB, {})",
            matching.len(),
            rows.len(),
            p.hardware.gpu_count,
            p.hardware.gpu_model,
            p.hardware.vram_gb,
            p.hardware.region
        )];
        for (o, r) in offers.iter().zip(&rows) {
            let what = match &o.manifest {
                Ok(m) => format!(
                    "{}: {} per {} ({})",
                    m.job.name,
                    d.p(o.job.price_per_unit),
                    m.unit.name,
                    m.unit.meaning
                ),
                Err(_) => "-".into(),
            };
            match r["why_not"].as_str() {
                None => lines.push(format!(
                    "  {}  {what}, at most {} units",
                    o.address, o.job.max_units
                )),
                Some(why) => lines.push(format!("  {}  skipped: {why}", o.address)),
            }
        }
        lines.join("\n")
    });
    Ok(())
}

fn fetch(
    ctx: &mut Ctx,
    job_arg: &str,
    what: Document,
    out: Option<std::path::PathBuf>,
) -> Result<()> {
    let net = ctx.network()?;
    let (address, job) = job_at(ctx, &net.network, job_arg)?;
    let (uri, hash) = match what {
        Document::Spec => (job.spec_uri.clone(), job.spec_hash),
        Document::Result => {
            if !matches!(job.state, JobState::Submitted | JobState::Disputed) {
                bail!(
                    "job {address} is {}: it has no result yet",
                    view::job_state_name(job.state)
                );
            }
            (job.result_uri.clone(), job.result_hash)
        }
    };
    let bytes = crate::manifest::fetch_verified(&uri, &hash)
        .with_context(|| format!("fetching the {what:?} of job {address}").to_lowercase())?;
    match &out {
        Some(path) => {
            std::fs::write(path, &bytes).with_context(|| format!("writing {}", path.display()))?;
            ctx.emit(
                json!({"job": address.to_string(), "uri": uri, "sha256": view::hex(&hash), "bytes": bytes.len(), "out": path.display().to_string()}),
                || format!("{} bytes from {uri} (sha256 {} as on chain) written to {}", bytes.len(), view::hex(&hash), path.display()),
            );
        }
        None => {
            use std::io::Write;
            let _ = std::io::stdout().write_all(&bytes);
        }
    }
    Ok(())
}

/// One look at a watched job: what changes are reported on.
fn watch_line(job: &Job, draw: spice::audit::Draw, now: i64) -> (Value, String) {
    let next = view::next_deadline(job);
    let json = json!({
        "state": view::job_state_name(job.state),
        "audit": view::audit_name(job.audit),
        "audit_draw_now": matches!(job.state, JobState::Submitted | JobState::Disputed).then(|| view::draw_name(draw)),
        "valid_votes": job.valid_votes,
        "invalid_votes": job.invalid_votes,
        "reported_units": job.reported_units,
        "provider": job.provider.map(|p| p.to_string()),
        "next_deadline": next.map(|(what, t)| json!({"what": what, "at": t})),
    });
    let mut text = view::job_state_name(job.state).to_string();
    if let Some(p) = job.provider {
        text.push_str(&format!(", provider {p}"));
    }
    if matches!(job.state, JobState::Submitted | JobState::Disputed) {
        text.push_str(&format!(
            ", {} units reported, audit {}, votes {} valid / {} invalid of {}",
            job.reported_units,
            view::audit_name(job.audit),
            job.valid_votes,
            job.invalid_votes,
            job.terms.attestation_quorum
        ));
    }
    if let Some((what, t)) = next {
        text.push_str(&format!("; {what} {}", view::when(t, now)));
    }
    (json, text)
}

/// `job watch` (and `--wait`): looks at the job every `interval` seconds, reopening the ledger
/// each time (on the embedded ledger the file stays free for the agents and commands that move
/// the job on), until its account closes.
pub fn watch(global: &crate::context::Global, job_arg: &str, args: &WatchArgs) -> Result<()> {
    let started = std::time::Instant::now();
    let mut last: Option<Value> = None;
    let mut changes: Vec<Value> = Vec::new();
    let mut address = None;
    loop {
        let mut ctx = Ctx::open(global.clone())?;
        let net = ctx.network()?;
        let at = match address {
            Some(a) => a,
            None => {
                let a = resolve_job(&mut ctx, &net.network, job_arg)?;
                if accounts::fetch::<Job>(ctx.ledger.as_mut(), &a)?.is_none() {
                    bail!("no job at {a}: nothing to watch (it may have ended already)");
                }
                address = Some(a);
                a
            }
        };
        let now = view::now(&mut ctx)?;
        let job: Option<Job> = accounts::fetch(ctx.ledger.as_mut(), &at)?;
        let Some(job) = job else {
            let ended =
                json!({"job": at.to_string(), "ended": true, "changes": changes, "last": last});
            let text = format!(
                "job {at} ended: its account closed ({}); spice job history {at} tells how",
                last.as_ref()
                    .and_then(|l| l["state"].as_str())
                    .map(|s| format!("last seen {s}"))
                    .unwrap_or_default()
            );
            ctx.emit(ended, || text);
            return Ok(());
        };
        let draw = view::draw_now(ctx.ledger.as_mut(), &at, &job)?;
        let (json, text) = watch_line(&job, draw, now);
        if last.as_ref() != Some(&json) {
            ctx.say(format!("{} {text}", view::utc(now)));
            changes.push(json.clone());
            last = Some(json);
        }
        drop(ctx);
        if args
            .timeout
            .is_some_and(|t| started.elapsed().as_secs() >= t)
        {
            return Err(crate::errors::UserError::new(
                "WatchTimeout",
                format!(
                    "job {at} is still {} after {} s",
                    view::job_state_name(job.state),
                    started.elapsed().as_secs()
                ),
            )
            .into());
        }
        std::thread::sleep(std::time::Duration::from_secs(args.interval));
    }
}

/// `job history`.
fn history(ctx: &mut Ctx, job: Option<Pubkey>, limit: usize) -> Result<()> {
    let net = ctx.network()?;
    let d = ctx.decimals()?;
    if ctx.embedded() {
        let mut records: Vec<Value> = Vec::new();
        for key in ctx.ledger.meta_keys("closed-job:") {
            let Some(text) = ctx.ledger.meta(&key) else {
                continue;
            };
            let Ok(record) = serde_json::from_str::<Value>(&text) else {
                continue;
            };
            if record["network"] != net.network.to_string() {
                continue;
            }
            if job.is_some_and(|j| record["job"] != j.to_string()) {
                continue;
            }
            records.push(record);
        }
        records.sort_by_key(|r| (r["time"].as_i64(), r["slot"].as_u64()));
        if let Some(j) = job {
            if records.is_empty() {
                bail!("no record of job {j} ending on this ledger: it is live (spice job show {j}), or it never existed here");
            }
        }
        let now = view::now(ctx)?;
        ctx.emit(json!({"jobs": records, "decimals": d.json()}), || {
            if records.is_empty() {
                return format!("no job of network {} has ended on this ledger", net.network);
            }
            let mut lines = Vec::new();
            for r in &records {
                let how = match r["closed_by"].as_str().unwrap_or("") {
                    "approve_job" => "approved by the client and settled".to_string(),
                    "settle_job" => "settled after its challenge window".to_string(),
                    "cancel_job" => "cancelled by the client".to_string(),
                    "expire_job" => format!(
                        "expired ({})",
                        r["expire_reason"].as_str().unwrap_or("past a deadline")
                    ),
                    "attest" => "decided by the attestors' quorum".to_string(),
                    other => format!("closed by {other}"),
                };
                lines.push(format!(
                    "job {} (id {} of client {}) {how} {}: was {}, {} units reported of {}, {} escrowed",
                    r["job"].as_str().unwrap_or(""),
                    r["job_id"],
                    r["client"].as_str().unwrap_or(""),
                    view::when(r["time"].as_i64().unwrap_or(0), now),
                    r["state_before"].as_str().unwrap_or(""),
                    r["reported_units"],
                    r["max_units"],
                    d.pay(r["escrowed"].as_u64().unwrap_or(0)),
                ));
                for m in r["moves"].as_array().into_iter().flatten() {
                    let change = m["change"].as_i64().unwrap_or(0);
                    let mint = m["mint"].as_str().unwrap_or("");
                    let decimals = if mint == net.payment_mint.to_string() { d.payment } else { d.stake };
                    lines.push(format!(
                        "  {}{} to {} (owner {})",
                        if change < 0 { "-" } else { "+" },
                        spice_sdk::amount::format_base(change.unsigned_abs(), decimals),
                        m["account"].as_str().unwrap_or(""),
                        m["owner"].as_str().unwrap_or("")
                    ));
                }
                lines.push(format!("  signature {}", r["signature"].as_str().unwrap_or("")));
            }
            lines.join("\n")
        });
        return Ok(());
    }
    let address = job.unwrap_or(net.network);
    let txs = ctx
        .ledger
        .transactions_of(&address, limit)
        .with_context(|| format!("reading the transaction history of {address}"))?;
    let mut events = Vec::new();
    for tx in txs.iter().rev().filter(|t| !t.failed) {
        for mut e in spice_sdk::history::job_events(&tx.logs) {
            if job.is_none() && !spice_sdk::history::ends_job(&e) {
                continue;
            }
            if let Value::Object(map) = &mut e {
                map.insert("signature".into(), json!(tx.signature.to_string()));
                map.insert("slot".into(), json!(tx.slot));
                map.insert("time".into(), json!(tx.block_time));
            }
            events.push(e);
        }
    }
    ctx.emit(
        json!({"events": events, "transactions_read": txs.len(), "decimals": d.json()}),
        || {
            if events.is_empty() {
                return format!(
                    "no job events in the last {} transaction(s) of {address}",
                    txs.len()
                );
            }
            events
                .iter()
                .map(|e| {
                    let mut fields: Vec<String> = e
                        .as_object()
                        .into_iter()
                        .flatten()
                        .filter(|(k, _)| {
                            !matches!(k.as_str(), "event" | "job" | "signature" | "slot" | "time")
                        })
                        .map(|(k, v)| format!("{k} {v}"))
                        .collect();
                    fields.sort();
                    format!(
                        "{} {} job {}: {}",
                        e["time"].as_i64().map(view::utc).unwrap_or_default(),
                        e["event"].as_str().unwrap_or(""),
                        e["job"].as_str().unwrap_or(""),
                        fields.join(", ")
                    )
                })
                .collect::<Vec<_>>()
                .join("\n")
        },
    );
    Ok(())
}
