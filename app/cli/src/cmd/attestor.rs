//! `spice attestor`: the authority adds and removes attestors; an attestor (the signer) votes on
//! submitted or disputed jobs and reclaims the rent of votes that no longer count.

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use anyhow::{anyhow, bail, Context as _, Result};
use clap::{ArgGroup, Args, Subcommand};
use serde_json::json;
use solana_sdk::signature::{Keypair, Signer};
use spice::instructions::AttestArgs;
use spice::state::{Attestation, Attestor, Job, Network, Provider, Verdict, VoteOutcome};
use spice_sdk::{accounts, flows, ix, pda};

use crate::cmd::job;
use crate::cmd::view;
use crate::context::{self, Ctx};

#[derive(Subcommand, Debug)]
pub enum AttestorCmd {
    /// Add a key to the network's attestors, or add it back after its removal took effect
    /// (authority). It may vote after the governance delay (unbond_seconds), on jobs accepted
    /// from then.
    Add {
        /// The attestor's signing key (or its keypair file).
        key: String,
    },
    /// Remove an attestor after the governance delay (unbond_seconds); it votes until then, and
    /// its record and the votes it cast stay (authority).
    Remove {
        /// The attestor's signing key (or its keypair file).
        key: String,
    },
    /// Vote on a submitted or disputed job (the signer is the attestor).
    Attest(AttestCmdArgs),
    /// Reclaim the rent of votes whose job has closed.
    CloseAttestation {
        /// Job address, or the id of one of the signer's jobs (default: every vote of the
        /// attestor that no longer counts).
        job: Option<String>,
        /// Keypair file of the attestor, which signs and gets the rent (default: --keypair).
        #[arg(long)]
        attestor: Option<String>,
    },
    /// Show an attestor's record and the votes it has open.
    Show {
        /// The attestor's key or keypair file (default: the signer).
        key: Option<String>,
    },
    /// List the attestors of the network.
    List,
}

/// Arguments of `attestor attest`.
#[derive(Args, Debug)]
#[command(group(ArgGroup::new("verdict").required(true).args(["valid", "invalid"])))]
pub struct AttestCmdArgs {
    /// Job address, or the id of one of the signer's jobs.
    job: String,
    /// The work was done (give the measured --units).
    #[arg(long)]
    valid: bool,
    /// The result is not the work that was paid for.
    #[arg(long)]
    invalid: bool,
    /// Units of work measured (required with --valid; capped by the reported units).
    #[arg(long)]
    units: Option<u64>,
    /// The evidence file: the SHA-256 of its contents is recorded (and, without
    /// --evidence-uri, its file:// path).
    #[arg(long, conflicts_with = "evidence_hash")]
    evidence: Option<std::path::PathBuf>,
    /// Hash of the evidence, 64 hex digits (default: zeros).
    #[arg(long)]
    evidence_hash: Option<String>,
    /// Where the evidence can be fetched (at most 128 bytes).
    #[arg(long, default_value = "")]
    evidence_uri: String,
}

impl AttestCmdArgs {
    /// The evidence's hash and URI: of the --evidence file's contents (its file:// path when
    /// no --evidence-uri), else --evidence-hash.
    fn evidence(&self) -> Result<([u8; 32], String)> {
        match &self.evidence {
            Some(path) => {
                let uri = if self.evidence_uri.is_empty() {
                    crate::manifest::file_uri(path)?
                } else {
                    self.evidence_uri.clone()
                };
                Ok((crate::manifest::hash_file(path)?, uri))
            }
            None => Ok((
                view::hash_arg(self.evidence_hash.as_deref(), None)?,
                self.evidence_uri.clone(),
            )),
        }
    }
}

pub fn run(ctx: &mut Ctx, cmd: AttestorCmd) -> Result<()> {
    match cmd {
        AttestorCmd::Add { key } => add_or_remove(ctx, &key, true),
        AttestorCmd::Remove { key } => add_or_remove(ctx, &key, false),
        AttestorCmd::Attest(args) => attest(ctx, args),
        AttestorCmd::CloseAttestation { job, attestor } => close_attestation(ctx, job, attestor),
        AttestorCmd::Show { key } => show(ctx, key),
        AttestorCmd::List => list(ctx),
    }
}

fn add_or_remove(ctx: &mut Ctx, key: &str, add: bool) -> Result<()> {
    let (net, before) = view::network(ctx)?;
    let key = context::pubkey_or_keypair(key)?;
    let authority = ctx.signer()?.pubkey();
    let record = pda::attestor(&net.network, &key);
    let ix = if add {
        ix::add_attestor(authority, net.network, key)
    } else {
        ix::remove_attestor(authority, net.network, key)
    };
    let verb = if add { "adding" } else { "removing" };
    let sig = ctx.send(&[ix], &[]).with_context(|| {
        format!(
            "{verb} attestor {key}: the network's authority is {} (signer {authority}); an attestor whose removal is scheduled can be added again once it takes effect",
            before.authority
        )
    })?;
    let network: Network = accounts::fetch_required(ctx.ledger.as_mut(), &net.network)?;
    let a: Attestor = accounts::fetch_required(ctx.ledger.as_mut(), &record)?;
    let now = view::now(ctx)?;
    let effective = if add { a.active_from } else { a.active_until };
    let text = if add {
        format!(
            "added attestor {key} (record {record}): it may vote from {} on jobs accepted from then (the governance delay, unbond_seconds); {} attestors, quorum {}",
            view::when(effective, now),
            network.attestor_count,
            network.params.attestation_quorum
        )
    } else {
        format!(
            "removed attestor {key} (record {record}): the removal takes effect {}; it votes until then; {} attestors left, quorum {}",
            view::when(effective, now),
            network.attestor_count,
            network.params.attestation_quorum
        )
    };
    view::report_tx(
        ctx,
        &sig,
        json!({
            "action": if add { "attestor.add" } else { "attestor.remove" },
            "attestor": key.to_string(),
            "record": record.to_string(),
            "effective_at": view::time_json(effective, now),
            "attestor_count": network.attestor_count,
            "quorum": network.params.attestation_quorum,
        }),
        text,
    );
    Ok(())
}

fn attest(ctx: &mut Ctx, args: AttestCmdArgs) -> Result<()> {
    let net = ctx.network()?;
    let (address, before) = job::job_at(ctx, &net.network, &args.job)?;
    let attestor = ctx.signer()?.pubkey();
    let record: Option<Attestor> =
        accounts::fetch(ctx.ledger.as_mut(), &pda::attestor(&net.network, &attestor))?;
    let Some(record) = record else {
        bail!(
            "vote failed: {attestor} is not an attestor of network {} (the authority adds it: spice attestor add {attestor})",
            net.network
        );
    };
    let verdict = if args.valid {
        Verdict::Valid
    } else {
        Verdict::Invalid
    };
    let measured_units = match (verdict, args.units) {
        (_, Some(u)) => u,
        (Verdict::Valid, None) => bail!("a valid vote needs the measured --units"),
        (Verdict::Invalid, None) => 0,
    };
    let (evidence_hash, evidence_uri) = args.evidence()?;
    job::check_uri("--evidence-uri", &evidence_uri)?;
    let keys = job::settle_keys(ctx, &net, &address, &before)?;

    // What this vote decides, by the program's own count: a deciding vote closes the earlier
    // votes on the job (rent back to their voters), so it is handed them.
    let outcome = before
        .outcome_of_vote(verdict, measured_units)
        .map_err(|e| anyhow!("counting the vote on job {address}: {e}"))?;
    let decides = outcome != VoteOutcome::Pending;
    let earlier: Vec<Pubkey> = if decides {
        view::votes_on(ctx.ledger.as_mut(), &address)?
            .into_iter()
            .map(|(_, a)| a.attestor)
            .filter(|k| *k != attestor)
            .collect()
    } else {
        Vec::new()
    };
    let args_ix = AttestArgs {
        verdict,
        measured_units,
        evidence_hash,
        evidence_uri: evidence_uri.clone(),
    };
    // As many earlier votes as fit one transaction; the rest close with close-attestation.
    let mut passed = earlier.len();
    let mut ix = ix::attest(&net, &keys, attestor, args_ix.clone(), &earlier);
    while passed > 0
        && flows::transaction_size(std::slice::from_ref(&ix), &attestor) > flows::MAX_TX_SIZE
    {
        passed -= 1;
        ix = ix::attest(
            &net,
            &keys,
            attestor,
            args_ix.clone(),
            earlier.get(..passed).unwrap_or(&[]),
        );
    }
    let left_out: Vec<Pubkey> = earlier.get(passed..).unwrap_or(&[]).to_vec();
    let stake_vault = pda::stake_vault(&keys.provider);
    let stake_before = view::balance(ctx, &stake_vault)?;
    let owed_before = job::Owed::read(ctx, &net, Some(&keys.provider), &before.client)?;
    let now = view::now(ctx)?;
    let sig = ctx.send(&[ix], &[]).with_context(|| {
        let mut hint = format!(
            "{} voting on job {address} ({}, votes until {})",
            attestor,
            view::job_state_name(before.state),
            view::when(before.voting_deadline(), now)
        );
        if record.active_from > before.accepted_at {
            hint.push_str(&format!(
                "; this attestor votes only on jobs accepted from {} (this one was accepted {})",
                view::when(record.active_from, now),
                view::when(before.accepted_at, now)
            ));
        }
        hint
    })?;
    let measured = measured_units.min(before.reported_units);
    let mut out = json!({
        "action": "attestor.attest",
        "job": address.to_string(),
        "attestor": attestor.to_string(),
        "attestation": pda::attestation(&address, &attestor).to_string(),
        "verdict": view::verdict_name(verdict),
        "measured_units": measured,
        "evidence_hash": view::hex(&evidence_hash),
        "evidence_uri": evidence_uri,
    });
    let mut text = format!(
        "{} vote by {attestor} on job {address}: {measured} units, evidence {} ({})",
        view::verdict_name(verdict),
        view::hex(&evidence_hash),
        if args.evidence_uri.is_empty() {
            "-"
        } else {
            &args.evidence_uri
        }
    );
    let still_open: Option<Job> = accounts::fetch(ctx.ledger.as_mut(), &address)?;
    match (still_open, outcome) {
        (Some(after), _) => {
            let quorum = after.terms.attestation_quorum;
            text.push_str(&format!(
                "\nvotes: {} valid, {} invalid; quorum {}",
                after.valid_votes, after.invalid_votes, quorum
            ));
            if let serde_json::Value::Object(map) = &mut out {
                map.insert("decided".into(), json!(false));
                map.insert("valid_votes".into(), json!(after.valid_votes));
                map.insert("invalid_votes".into(), json!(after.invalid_votes));
                map.insert("quorum".into(), json!(quorum));
            }
        }
        (None, outcome) => {
            let d = ctx.decimals()?;
            let owed_after = job::Owed::read(ctx, &net, Some(&keys.provider), &before.client)?;
            let decided = match outcome {
                VoteOutcome::Settle { units } => {
                    let payout = before
                        .payout(units)
                        .map_err(|e| anyhow!("payout of job {address}: {e}"))?;
                    let (paid, paid_json) = job::payout_destination(
                        payout.provider,
                        owed_before.provider_payment,
                        owed_after.provider_payment,
                        &net.payment_ata(&keys.provider_owner),
                        "spice provider collect",
                        &d,
                    );
                    text.push_str(&format!(
                        "\nquorum reached: job settled at the median, {units} units; provider {} (owner {}) paid {paid}",
                        keys.provider, keys.provider_owner
                    ));
                    json!({ "result": "settled", "final_units": units, "provider_paid": paid_json })
                }
                _ => {
                    let stake_after = view::balance(ctx, &stake_vault)?;
                    let slashed = stake_before.saturating_sub(stake_after);
                    let share = owed_after
                        .client_stake
                        .saturating_sub(owed_before.client_stake);
                    let p: Option<Provider> = accounts::fetch(ctx.ledger.as_mut(), &keys.provider)?;
                    text.push_str(&format!(
                        "\nquorum reached: fraud; client {} refunded in full, provider {} slashed {}{}",
                        before.client,
                        keys.provider,
                        d.stk(slashed),
                        p.map(|p| format!(", now {}", view::status_name(p.status)))
                            .unwrap_or_default()
                    ));
                    if share > 0 {
                        text.push_str(&format!(
                            "\nthe client's share of the slash ({}) waits in the payouts vault: its stake-mint token account did not take it (spice job collect --client {})",
                            d.stk(share),
                            before.client
                        ));
                    }
                    json!({ "result": "fraud", "slashed": slashed, "client_share_owed": share })
                }
            };
            if !left_out.is_empty() {
                text.push_str(&format!(
                    "\n{} earlier votes did not fit the transaction; their attestors reclaim the rent with close-attestation: {}",
                    left_out.len(),
                    left_out
                        .iter()
                        .map(Pubkey::to_string)
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
            if let serde_json::Value::Object(map) = &mut out {
                map.insert("decided".into(), json!(true));
                map.insert("outcome".into(), decided);
                map.insert(
                    "closed_votes_of".into(),
                    json!(earlier
                        .get(..passed)
                        .unwrap_or(&[])
                        .iter()
                        .map(Pubkey::to_string)
                        .collect::<Vec<_>>()),
                );
                map.insert(
                    "votes_left_open_of".into(),
                    json!(left_out.iter().map(Pubkey::to_string).collect::<Vec<_>>()),
                );
            }
        }
    }
    view::report_tx(ctx, &sig, out, text);
    Ok(())
}

/// Whether a vote still counts: the job it was cast on is still open (a job address never
/// names another job).
fn vote_counts(ctx: &mut Ctx, a: &Attestation) -> Result<bool> {
    Ok(match ctx.ledger.account(&a.job)? {
        Some(account) => {
            account.owner == spice::ID && accounts::decode::<Job>(&a.job, &account).is_ok()
        }
        None => false,
    })
}

fn close_attestation(
    ctx: &mut Ctx,
    job_arg: Option<String>,
    attestor: Option<String>,
) -> Result<()> {
    let signer = ctx.signer()?;
    let key: Keypair = match attestor {
        None => signer.insecure_clone(),
        Some(v) => match v.parse::<Pubkey>() {
            Ok(k) if k == signer.pubkey() => signer.insecure_clone(),
            Ok(k) => bail!("the attestor {k} must sign: pass its keypair file to --attestor"),
            Err(_) => context::read_keypair(&v)?,
        },
    };
    let attestor = key.pubkey();
    let votes: Vec<(Pubkey, Attestation)> = match &job_arg {
        Some(j) => {
            let net = ctx.network()?;
            let job = job::resolve_job(ctx, &net.network, j)?;
            let address = pda::attestation(&job, &attestor);
            let a: Option<Attestation> = accounts::fetch(ctx.ledger.as_mut(), &address)?;
            let a = a.ok_or_else(|| anyhow!("{attestor} has no vote on job {job} ({address})"))?;
            vec![(address, a)]
        }
        None => {
            let all: Vec<(Pubkey, Attestation)> = accounts::program_accounts(ctx.ledger.as_mut())?;
            let mut mine = Vec::new();
            for (k, a) in all.into_iter().filter(|(_, a)| a.attestor == attestor) {
                if !vote_counts(ctx, &a)? {
                    mine.push((k, a));
                }
            }
            if mine.is_empty() {
                ctx.emit(
                    json!({"action": "attestor.close_attestation", "closed": [], "signatures": []}),
                    || format!("{attestor} has no vote that can be closed"),
                );
                return Ok(());
            }
            mine
        }
    };
    let extra: Vec<&Keypair> = if attestor == signer.pubkey() {
        vec![]
    } else {
        vec![&key]
    };
    // As many closes per transaction as fit.
    let payer = signer.pubkey();
    let ixs: Vec<Instruction> = votes
        .iter()
        .map(|(_, a)| ix::close_attestation(a.job, attestor))
        .collect();
    let mut closed = Vec::new();
    let mut signatures = Vec::new();
    let mut rent = 0u64;
    for range in flows::pack(&ixs, &payer, usize::MAX) {
        let (Some(batch), Some(batch_ixs)) = (votes.get(range.clone()), ixs.get(range)) else {
            bail!("packing the closes into transactions");
        };
        for (k, _) in batch {
            rent += view::lamports(ctx, k)?;
        }
        let sig = ctx.send(batch_ixs, &extra).with_context(|| {
            "closing votes: a vote can be closed once its job has closed".to_string()
        })?;
        signatures.push(sig);
        closed.extend_from_slice(batch);
    }
    let json_out = json!({
        "action": "attestor.close_attestation",
        "attestor": attestor.to_string(),
        "closed": closed.iter().map(|(k, a)| json!({"attestation": k.to_string(), "job": a.job.to_string()})).collect::<Vec<_>>(),
        "rent_lamports": rent,
        "signatures": signatures.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
    });
    ctx.emit(json_out, || {
        let mut lines: Vec<String> = closed
            .iter()
            .map(|(k, a)| format!("closed vote {k} on job {}", a.job))
            .collect();
        lines.push(format!("{rent} lamports of rent back to {attestor}"));
        for s in &signatures {
            lines.push(format!("signature: {s}"));
        }
        lines.join("\n")
    });
    Ok(())
}

fn show(ctx: &mut Ctx, key: Option<String>) -> Result<()> {
    let net = ctx.network()?;
    let key = match key {
        Some(k) => context::pubkey_or_keypair(&k)?,
        None => ctx.signer()?.pubkey(),
    };
    let record = pda::attestor(&net.network, &key);
    let a: Option<Attestor> = accounts::fetch(ctx.ledger.as_mut(), &record)?;
    let a = a.ok_or_else(|| {
        anyhow!(
            "{key} is not an attestor of network {} (no record at {record})",
            net.network
        )
    })?;
    let all: Vec<(Pubkey, Attestation)> = accounts::program_accounts(ctx.ledger.as_mut())?;
    let mut votes = Vec::new();
    for (k, v) in all.into_iter().filter(|(_, v)| v.attestor == key) {
        // Votes on this network's jobs, or on jobs that have closed.
        let live = vote_counts(ctx, &v)?;
        votes.push((k, v, live));
    }
    let now = view::now(ctx)?;
    let mut out = view::attestor_json(&record, &a, now);
    if let serde_json::Value::Object(map) = &mut out {
        map.insert(
            "attestations".into(),
            json!(votes
                .iter()
                .map(|(k, v, live)| view::attestation_json(k, v, *live))
                .collect::<Vec<_>>()),
        );
    }
    ctx.emit(out, || {
        let mut text = view::attestor_text(&record, &a, now);
        if votes.is_empty() {
            text.push_str("\n  open votes:      none");
        }
        for (k, v, live) in &votes {
            text.push_str(&format!("\n  vote {}", view::attestation_text(k, v, *live)));
        }
        text
    });
    Ok(())
}

fn list(ctx: &mut Ctx) -> Result<()> {
    let (net, network) = view::network(ctx)?;
    let attestors = view::attestors_of(ctx.ledger.as_mut(), &net.network)?;
    let now = view::now(ctx)?;
    let rows: Vec<serde_json::Value> = attestors
        .iter()
        .map(|(k, a)| view::attestor_json(k, a, now))
        .collect();
    ctx.emit(json!(rows), || {
        let mut lines = vec![format!(
            "{} attestors (added, not removed), quorum {}",
            network.attestor_count, network.params.attestation_quorum
        )];
        if !attestors.is_empty() {
            lines.push(format!(
                "{:<44}  {:<6}  {:>10}  {:>15}  status",
                "key", "active", "votes", "against outcome"
            ));
        }
        for (_, a) in &attestors {
            lines.push(format!(
                "{:<44}  {:<6}  {:>10}  {:>15}  {}",
                a.key.to_string(),
                if view::attestor_active(a, now) {
                    "yes"
                } else {
                    "no"
                },
                a.votes_cast,
                a.votes_against_outcome,
                view::attestor_status(a, now)
            ));
        }
        lines.join("\n")
    });
    Ok(())
}
