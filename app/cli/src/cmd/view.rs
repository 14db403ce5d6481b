//! What the command groups share: hex and hashes, time (absolute UTC and relative to the ledger
//! clock), lists of program accounts, associated token accounts and mints, transaction
//! reports, the text and JSON views of providers, jobs, attestors and attestations, and the
//! actions a job allows at a given time ([`job_actions`], a pure function of its state).

use std::collections::BTreeSet;

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use anchor_lang::Discriminator;
use anyhow::{anyhow, bail, Result};
use serde_json::{json, Value};
use solana_sdk::signature::{Keypair, Signature, Signer};
use spice::audit::{Draw, SLOT_HASHES_ID};
use spice::state::{
    Attestation, Attestor, AuditDraw, Job, JobState, Network, Provider, ProviderStatus, Verdict,
};
use spice_sdk::accounts;
use spice_sdk::ix::NetworkKeys;
use spice_sdk::ledger::Ledger;
use spice_sdk::{pda, tokens};

use crate::context::Ctx;

// ---------------------------------------------------------------- hex and hashes

/// Lower-case hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Parses 32 bytes written as 64 hex digits (an optional `0x` prefix is allowed).
pub fn parse_hex32(text: &str) -> Result<[u8; 32]> {
    let digits = text.trim();
    let digits = digits
        .strip_prefix("0x")
        .or_else(|| digits.strip_prefix("0X"))
        .unwrap_or(digits);
    if digits.len() != 64 || !digits.is_ascii() {
        bail!(
            "expected 32 bytes as 64 hex digits, got {} characters: {text}",
            digits.len()
        );
    }
    let mut out = [0u8; 32];
    for (i, byte) in out.iter_mut().enumerate() {
        let pair = digits
            .get(2 * i..2 * i + 2)
            .ok_or_else(|| anyhow!("not hex: {text}"))?;
        *byte = u8::from_str_radix(pair, 16).map_err(|_| anyhow!("not hex: {text}"))?;
    }
    Ok(out)
}

/// SHA-256 of `data`.
pub fn sha256(data: &[u8]) -> [u8; 32] {
    solana_sdk::hash::hash(data).to_bytes()
}

/// A 32-byte hash from a `--x-hash HEX` or a `--x TEXT` option (hashed with SHA-256); zeros
/// when neither is given.
pub fn hash_arg(hex_value: Option<&str>, text: Option<&str>) -> Result<[u8; 32]> {
    match (hex_value, text) {
        (Some(h), _) => parse_hex32(h),
        (None, Some(t)) => Ok(sha256(t.as_bytes())),
        (None, None) => Ok([0; 32]),
    }
}

// ---------------------------------------------------------------- time

/// (year, month, day) of a day count since 1970-01-01 (proleptic Gregorian calendar).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Unix seconds as `2025-06-01 12:00:00 UTC`.
pub fn utc(ts: i64) -> String {
    // Clamp to a range where the arithmetic cannot overflow (±290 billion years is plenty).
    let ts = ts.clamp(-(1i64 << 52), 1i64 << 52);
    let days = ts.div_euclid(86_400);
    let secs = ts.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02} UTC",
        secs / 3_600,
        secs % 3_600 / 60,
        secs % 60
    )
}

/// A length of time in its two largest units: `3m 20s`, `2d 4h`, `45s`, `0s`.
pub fn duration(seconds: i64) -> String {
    let s = seconds.unsigned_abs();
    let units = [(86_400u64, "d"), (3_600, "h"), (60, "m"), (1, "s")];
    let mut parts = Vec::new();
    let mut rest = s;
    for (size, name) in units {
        let n = rest / size;
        rest %= size;
        if n > 0 || !parts.is_empty() {
            parts.push((n, name));
        }
        if parts.len() == 2 {
            break;
        }
    }
    let parts: Vec<String> = parts
        .into_iter()
        .enumerate()
        .filter(|(i, (n, _))| *i == 0 || *n > 0)
        .map(|(_, (n, name))| format!("{n}{name}"))
        .collect();
    if parts.is_empty() {
        "0s".to_string()
    } else {
        parts.join(" ")
    }
}

/// `in 3m 20s`, `12s ago` or `now`: `ts` relative to `now`.
pub fn relative(ts: i64, now: i64) -> String {
    let diff = i128::from(ts) - i128::from(now);
    let d = i64::try_from(diff).unwrap_or(if diff > 0 { i64::MAX } else { i64::MIN });
    match d {
        0 => "now".to_string(),
        d if d > 0 => format!("in {}", duration(d)),
        d => format!("{} ago", duration(d)),
    }
}

/// `2025-06-01 12:00:00 UTC (in 3m 20s)`.
pub fn when(ts: i64, now: i64) -> String {
    format!("{} ({})", utc(ts), relative(ts, now))
}

/// A time for JSON output: unix seconds, UTC text, and relative to `now`.
pub fn time_json(ts: i64, now: i64) -> Value {
    json!({ "unix": ts, "utc": utc(ts), "relative": relative(ts, now) })
}

/// A deadline that is 0 until its step happens: `None` then.
fn set(ts: i64) -> Option<i64> {
    (ts != 0).then_some(ts)
}

// ---------------------------------------------------------------- names

// The names of the program's enums, as the reference and the events spell them.

pub fn job_state_name(state: JobState) -> &'static str {
    match state {
        JobState::Open => "Open",
        JobState::Running => "Running",
        JobState::Submitted => "Submitted",
        JobState::Disputed => "Disputed",
    }
}

pub fn audit_name(audit: AuditDraw) -> &'static str {
    match audit {
        AuditDraw::Pending => "Pending",
        AuditDraw::Selected => "Selected",
        AuditDraw::NotSelected => "NotSelected",
    }
}

pub fn draw_name(draw: Draw) -> &'static str {
    match draw {
        Draw::NotReady => "NotReady",
        Draw::Selected => "Selected",
        Draw::NotSelected => "NotSelected",
    }
}

pub fn status_name(status: ProviderStatus) -> &'static str {
    match status {
        ProviderStatus::Active => "Active",
        ProviderStatus::Suspended => "Suspended",
    }
}

pub fn verdict_name(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Valid => "Valid",
        Verdict::Invalid => "Invalid",
    }
}

fn opt_key(key: Option<Pubkey>) -> Value {
    key.map_or(Value::Null, |k| json!(k.to_string()))
}

// ---------------------------------------------------------------- chain reads

/// The ledger's unix time (what the next transaction sees).
pub fn now(ctx: &mut Ctx) -> Result<i64> {
    Ok(ctx.ledger.clock()?.unix_timestamp)
}

/// The network's keys and account (read once).
pub fn network(ctx: &mut Ctx) -> Result<(NetworkKeys, Network)> {
    let address = ctx.network_address()?;
    let account: Network = accounts::fetch_required(ctx.ledger.as_mut(), &address)?;
    Ok((NetworkKeys::from_account(address, &account), account))
}

/// Lamports of `address` (0 when it does not exist): the rent an account returns on close.
pub fn lamports(ctx: &mut Ctx, address: &Pubkey) -> Result<u64> {
    Ok(ctx.ledger.account(address)?.map_or(0, |a| a.lamports))
}

/// The providers of `network`.
pub fn providers_of(ledger: &mut dyn Ledger, network: &Pubkey) -> Result<Vec<(Pubkey, Provider)>> {
    let mut all: Vec<(Pubkey, Provider)> = accounts::program_accounts(ledger)?;
    all.retain(|(_, p)| p.network == *network);
    Ok(all)
}

/// The live jobs of `network`.
pub fn jobs_of(ledger: &mut dyn Ledger, network: &Pubkey) -> Result<Vec<(Pubkey, Job)>> {
    let mut all: Vec<(Pubkey, Job)> = accounts::program_accounts(ledger)?;
    all.retain(|(_, j)| j.network == *network);
    Ok(all)
}

/// The attestors (records) of `network`.
pub fn attestors_of(ledger: &mut dyn Ledger, network: &Pubkey) -> Result<Vec<(Pubkey, Attestor)>> {
    let mut all: Vec<(Pubkey, Attestor)> = accounts::program_accounts(ledger)?;
    all.retain(|(_, a)| a.network == *network);
    Ok(all)
}

/// The votes that count on the job now at `job` (same `created_slot`).
pub fn votes_on(
    ledger: &mut dyn Ledger,
    job: &Pubkey,
    created_slot: u64,
) -> Result<Vec<(Pubkey, Attestation)>> {
    let mut all: Vec<(Pubkey, Attestation)> = accounts::program_accounts(ledger)?;
    all.retain(|(_, a)| a.job == *job && a.job_created_slot == created_slot);
    Ok(all)
}

/// A Provider account given its address or its owner's key (or keypair file).
pub fn resolve_provider(ctx: &mut Ctx, network: &Pubkey, value: &str) -> Result<Pubkey> {
    let key = crate::context::pubkey_or_keypair(value)?;
    if let Some(account) = ctx.ledger.account(&key)? {
        if account.owner == spice::ID && account.data.get(..8) == Some(Provider::DISCRIMINATOR) {
            return Ok(key);
        }
    }
    Ok(pda::provider(network, &key))
}

/// What the audit draw of `job` would be if an instruction drew it now: the recorded draw,
/// or for a pending one the program's own draw function on the current SlotHashes.
pub fn draw_now(
    ledger: &mut dyn Ledger,
    address: &Pubkey,
    job: &Job,
    network: &Network,
) -> Result<Draw> {
    Ok(match job.audit {
        AuditDraw::Selected => Draw::Selected,
        AuditDraw::NotSelected => Draw::NotSelected,
        AuditDraw::Pending => {
            if !matches!(job.state, JobState::Submitted | JobState::Disputed) {
                return Ok(Draw::NotReady);
            }
            let data = ledger
                .account(&SLOT_HASHES_ID)?
                .map(|a| a.data)
                .unwrap_or_default();
            spice::audit::draw(
                &data,
                job.submit_slot,
                address,
                network.params.audit_rate_bps,
            )
        }
    })
}

// ---------------------------------------------------------------- token accounts

/// The associated token accounts of `(wallet, mint, token program)`, with the instructions
/// (paid by the signer) that create those that do not exist yet.
pub fn associated_accounts(
    ctx: &mut Ctx,
    wanted: &[(Pubkey, Pubkey, Pubkey)],
) -> Result<(Vec<Pubkey>, Vec<Instruction>)> {
    let payer = ctx.signer()?.pubkey();
    let mut addresses = Vec::with_capacity(wanted.len());
    let mut creates = Vec::new();
    let mut seen = BTreeSet::new();
    for (wallet, mint, program) in wanted {
        let address = tokens::associated(wallet, mint, program);
        addresses.push(address);
        if seen.insert(address) && ctx.ledger.account(&address)?.is_none() {
            eprintln!("creating token account {address} (owner {wallet}, mint {mint})");
            creates.push(tokens::create_associated(&payer, wallet, mint, program));
        }
    }
    Ok((addresses, creates))
}

/// The associated token account of `(wallet, mint, token program)`, or `given` when set, with
/// the instruction that creates the associated one if it does not exist yet.
pub fn associated_or(
    ctx: &mut Ctx,
    given: Option<Pubkey>,
    wallet: &Pubkey,
    mint: &Pubkey,
    program: &Pubkey,
) -> Result<(Pubkey, Vec<Instruction>)> {
    if let Some(address) = given {
        return Ok((address, Vec::new()));
    }
    let (addresses, creates) = associated_accounts(ctx, &[(*wallet, *mint, *program)])?;
    let address = addresses
        .first()
        .copied()
        .unwrap_or_else(|| tokens::associated(wallet, mint, program));
    Ok((address, creates))
}

/// Token balance of `address` (0 when it does not exist).
pub fn balance(ctx: &mut Ctx, address: &Pubkey) -> Result<u64> {
    Ok(accounts::token_balance(ctx.ledger.as_mut(), address)?)
}

/// Creates a mint without extensions owned by `token_program`, the signer its mint authority
/// and rent payer; returns its address and the signature.
pub fn create_mint(
    ctx: &mut Ctx,
    decimals: u8,
    token_program: &Pubkey,
) -> Result<(Pubkey, Signature)> {
    let authority = ctx.signer()?.pubkey();
    let mint = Keypair::new();
    let rent = ctx.ledger.minimum_balance(tokens::MINT_LEN)?;
    let ixs = tokens::create_mint(
        &authority,
        &mint.pubkey(),
        &authority,
        decimals,
        token_program,
        rent,
    )?;
    let sig = ctx.send(&ixs, &[&mint])?;
    Ok((mint.pubkey(), sig))
}

// ---------------------------------------------------------------- reports

/// Prints the result of a write command: `json` plus the signature, or `text` then a
/// `signature:` line.
pub fn report_tx(ctx: &Ctx, signature: &Signature, mut json: Value, text: String) {
    if let Value::Object(map) = &mut json {
        map.insert("signature".into(), json!(signature.to_string()));
    }
    ctx.emit(json, || format!("{text}\nsignature: {signature}"));
}

// ---------------------------------------------------------------- providers

/// JSON view of a provider; `vault` is its stake vault's balance.
pub fn provider_json(address: &Pubkey, p: &Provider, vault: u64, now: i64) -> Value {
    let hw = &p.hardware;
    let s = &p.stats;
    json!({
        "address": address.to_string(),
        "network": p.network.to_string(),
        "owner": p.owner.to_string(),
        "status": status_name(p.status),
        "stake": p.stake,
        "unbonding": p.unbonding,
        "unbond_ready_at": set(p.unbond_ready_at).map(|t| time_json(t, now)),
        "unbond_withdrawable_now": p.unbonding > 0 && now >= p.unbond_ready_at,
        "stake_vault": pda::stake_vault(address).to_string(),
        "stake_vault_balance": vault,
        "hardware": {
            "gpu_model": hw.gpu_model,
            "gpu_count": hw.gpu_count,
            "vram_gb": hw.vram_gb,
            "region": hw.region,
            "metadata_hash": hex(&hw.metadata_hash),
            "metadata_uri": hw.metadata_uri,
        },
        "stats": {
            "jobs_accepted": s.jobs_accepted,
            "jobs_completed": s.jobs_completed,
            "jobs_failed": s.jobs_failed,
            "jobs_fraudulent": s.jobs_fraudulent,
            "units_completed": s.units_completed,
            "total_earned": s.total_earned,
            "total_slashed": s.total_slashed,
        },
        "active_jobs": p.active_jobs,
        "registered_at": time_json(p.registered_at, now),
    })
}

/// Text view of a provider (several lines); `vault` is its stake vault's balance.
pub fn provider_text(address: &Pubkey, p: &Provider, vault: u64, now: i64) -> String {
    let hw = &p.hardware;
    let s = &p.stats;
    let unbonding = if p.unbonding == 0 {
        "0".to_string()
    } else if now >= p.unbond_ready_at {
        format!(
            "{}, withdrawable now (since {})",
            p.unbonding,
            when(p.unbond_ready_at, now)
        )
    } else {
        format!(
            "{}, withdrawable from {}",
            p.unbonding,
            when(p.unbond_ready_at, now)
        )
    };
    let mut lines = vec![
        format!("provider {address}"),
        format!("  owner:        {}", p.owner),
        format!("  network:      {}", p.network),
        format!("  status:       {}", status_name(p.status)),
        format!("  stake:        {}", p.stake),
        format!("  unbonding:    {unbonding}"),
        format!(
            "  stake vault:  {} holds {vault}",
            pda::stake_vault(address)
        ),
        format!(
            "  hardware:     {} x {}, {} GB each, region {}",
            hw.gpu_count, hw.gpu_model, hw.vram_gb, hw.region
        ),
    ];
    if !hw.metadata_uri.is_empty() || hw.metadata_hash != [0; 32] {
        lines.push(format!(
            "  metadata:     {} (hash {})",
            if hw.metadata_uri.is_empty() {
                "-"
            } else {
                &hw.metadata_uri
            },
            hex(&hw.metadata_hash)
        ));
    }
    lines.push(format!(
        "  jobs:         {} accepted, {} completed, {} failed, {} fraudulent; {} active",
        s.jobs_accepted, s.jobs_completed, s.jobs_failed, s.jobs_fraudulent, p.active_jobs
    ));
    lines.push(format!(
        "  work:         {} units paid, {} earned (payment mint), {} slashed (stake mint)",
        s.units_completed, s.total_earned, s.total_slashed
    ));
    lines.push(format!("  registered:   {}", when(p.registered_at, now)));
    lines.join("\n")
}

// ---------------------------------------------------------------- jobs

/// Who may take an action on a job.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// The job's client.
    Client,
    /// The provider (owner) that accepted it, or any eligible provider for an open job.
    Provider,
    /// Anyone (a crank).
    Anyone,
    /// The network's active attestors (neither the client nor the provider's owner).
    Attestors,
}

impl Role {
    pub fn name(self) -> &'static str {
        match self {
            Role::Client => "client",
            Role::Provider => "provider",
            Role::Anyone => "anyone",
            Role::Attestors => "attestors",
        }
    }
}

/// One thing someone can do to a job, now or once a deadline has passed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JobAction {
    pub who: Role,
    /// The `spice job` (or `spice attestor`) subcommand: cancel, accept, submit, approve,
    /// dispute, settle, expire, draw-audit, attest.
    pub action: &'static str,
    /// Possible at the time asked.
    pub now: bool,
    /// Possible only once the time is strictly after this.
    pub after: Option<i64>,
    /// Possible while the time is at most this.
    pub until: Option<i64>,
    /// What else to know.
    pub note: Option<String>,
}

impl JobAction {
    fn new(who: Role, action: &'static str, now: bool) -> Self {
        Self {
            who,
            action,
            now,
            after: None,
            until: None,
            note: None,
        }
    }

    fn until(mut self, t: i64) -> Self {
        self.until = Some(t);
        self
    }

    fn after(mut self, t: i64) -> Self {
        self.after = Some(t);
        self
    }

    fn note(mut self, note: impl Into<String>) -> Self {
        self.note = Some(note.into());
        self
    }

    /// `client: approve / dispute (until …)`-style line.
    pub fn text(&self, now: i64) -> String {
        let mut details = Vec::new();
        if let Some(t) = self.after {
            details.push(format!("after {}, {}", utc(t), relative(t, now)));
        }
        if let Some(t) = self.until {
            details.push(format!("until {}, {}", utc(t), relative(t, now)));
        }
        if let Some(n) = &self.note {
            details.push(n.clone());
        }
        if details.is_empty() {
            format!("{}: {}", self.who.name(), self.action)
        } else {
            format!(
                "{}: {} ({})",
                self.who.name(),
                self.action,
                details.join("; ")
            )
        }
    }

    pub fn json(&self, now: i64) -> Value {
        json!({
            "who": self.who.name(),
            "action": self.action,
            "now": self.now,
            "after": self.after.map(|t| time_json(t, now)),
            "until": self.until.map(|t| time_json(t, now)),
            "note": self.note,
        })
    }
}

/// The network settings [`job_actions`] depends on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct JobRules {
    /// `attestation_quorum`.
    pub quorum: u8,
    /// `dispute_seconds`: the vote window a dispute or an audit selection opens.
    pub dispute_seconds: i64,
    /// `accept_job` is paused.
    pub accept_paused: bool,
}

impl JobRules {
    pub fn of(network: &Network) -> Self {
        Self {
            quorum: network.params.attestation_quorum,
            dispute_seconds: network.params.dispute_seconds,
            accept_paused: network.paused & spice::constants::PAUSE_ACCEPT_JOB != 0,
        }
    }
}

/// What can be done to `job` at unix time `now`, and what becomes possible later, following
/// the program's checks exactly (a deadline `d` allows its action while `now <= d`; the action
/// on the other side needs `now > d`). `draw` is the audit draw an instruction would record
/// now ([`draw_now`]): the recorded one, or for a pending draw `NotReady` (no slot after the
/// submission yet), `Selected` or `NotSelected`.
/// While the challenge window is open: the client may dispute, attestors may vote.
fn challenge_actions(out: &mut Vec<JobAction>, job: &Job, votes: &str) {
    out.push(JobAction::new(Role::Client, "dispute", true).until(job.challenge_deadline));
    out.push(
        JobAction::new(Role::Attestors, "attest", true)
            .until(job.challenge_deadline)
            .note(votes.to_string()),
    );
}

pub fn job_actions(job: &Job, rules: &JobRules, draw: Draw, now: i64) -> Vec<JobAction> {
    use Role::*;
    let mut out = Vec::new();
    let votes = format!(
        "{} valid / {} invalid of quorum {}",
        job.valid_votes, job.invalid_votes, rules.quorum
    );
    match job.state {
        JobState::Open => {
            out.push(JobAction::new(Client, "cancel", true).note("full refund"));
            if now <= job.accept_deadline {
                let mut accept = JobAction::new(Provider, "accept", !rules.accept_paused)
                    .until(job.accept_deadline);
                let mut notes = Vec::new();
                if let Some(target) = job.target_provider {
                    notes.push(format!("only provider {target}"));
                }
                notes.push("Active, stake >= minimum".to_string());
                if rules.accept_paused {
                    notes.push("accepts are paused by the authority".to_string());
                }
                accept.note = Some(notes.join("; "));
                out.push(accept);
            }
            out.push(
                JobAction::new(Anyone, "expire", now > job.accept_deadline)
                    .after(job.accept_deadline)
                    .note("not accepted: full refund"),
            );
        }
        JobState::Running => {
            if now <= job.completion_deadline {
                out.push(JobAction::new(Provider, "submit", true).until(job.completion_deadline));
            }
            out.push(
                JobAction::new(Anyone, "expire", now > job.completion_deadline)
                    .after(job.completion_deadline)
                    .note("not submitted: full refund, a failure on the provider's record"),
            );
        }
        JobState::Submitted => {
            let open = now <= job.challenge_deadline;
            let pending = job.audit == AuditDraw::Pending;
            match draw {
                Draw::NotSelected => {
                    out.push(
                        JobAction::new(Client, "approve", true)
                            .note(format!("settles for {} units", job.reported_units)),
                    );
                    if open {
                        challenge_actions(&mut out, job, &votes);
                    }
                    out.push(
                        JobAction::new(Anyone, "settle", !open)
                            .after(job.challenge_deadline)
                            .note(format!("pays {} units", job.reported_units)),
                    );
                    if pending {
                        out.push(
                            JobAction::new(Anyone, "draw-audit", true)
                                .note("records the draw: not selected"),
                        );
                    }
                }
                Draw::NotReady => {
                    let wait = "the audit draw needs a slot after the submission";
                    out.push(JobAction::new(Client, "approve", false).note(wait));
                    if open {
                        challenge_actions(&mut out, job, &votes);
                    }
                    out.push(
                        JobAction::new(Anyone, "settle", false)
                            .after(job.challenge_deadline)
                            .note(wait),
                    );
                    out.push(JobAction::new(Anyone, "draw-audit", false).note(wait));
                }
                Draw::Selected if pending => {
                    // Approve and settle would only record the selection; draw-audit says so.
                    out.push(
                        JobAction::new(Anyone, "draw-audit", true).note(
                            "the draw selects this job for attestation: it then settles only on a Valid quorum",
                        ),
                    );
                    if open {
                        challenge_actions(&mut out, job, &votes);
                    } else {
                        // The vote itself records the selection, which opens voting for
                        // dispute_seconds from now.
                        out.push(JobAction::new(Attestors, "attest", true).note(format!(
                            "records the selection; votes then count for {}",
                            duration(rules.dispute_seconds)
                        )));
                    }
                }
                Draw::Selected => {
                    if open {
                        out.push(
                            JobAction::new(Client, "dispute", true).until(job.challenge_deadline),
                        );
                    }
                    out.push(
                        JobAction::new(Attestors, "attest", now <= job.vote_deadline)
                            .until(job.vote_deadline)
                            .note(format!("audit selected; {votes}")),
                    );
                    out.push(
                        JobAction::new(Anyone, "expire", now > job.vote_deadline)
                            .after(job.vote_deadline)
                            .note("no quorum: full refund, nobody slashed"),
                    );
                }
            }
        }
        JobState::Disputed => {
            out.push(
                JobAction::new(Attestors, "attest", now <= job.vote_deadline)
                    .until(job.vote_deadline)
                    .note(format!("disputed; {votes}")),
            );
            out.push(
                JobAction::new(Anyone, "expire", now > job.vote_deadline)
                    .after(job.vote_deadline)
                    .note("no quorum: full refund, nobody slashed"),
            );
            if job.audit == AuditDraw::Pending && draw != Draw::NotReady {
                out.push(
                    JobAction::new(Anyone, "draw-audit", true).note(
                        "records the draw (statistics only: the dispute needs a quorum anyway)",
                    ),
                );
            }
        }
    }
    // Actions with a window that has closed are not listed.
    out.retain(|a| a.now || a.until.is_none_or(|u| now <= u));
    out
}

/// A job and what its views need besides the account, read from the ledger.
pub struct JobView {
    pub address: Pubkey,
    pub job: Job,
    /// The escrow vault's balance.
    pub escrow: u64,
    /// The owner of its provider (if accepted and known).
    pub provider_owner: Option<Pubkey>,
    pub rules: JobRules,
    /// The draw an instruction would record now ([`draw_now`]).
    pub draw: Draw,
}

impl JobView {
    /// JSON view of the job at unix time `now`.
    pub fn json(&self, now: i64) -> Value {
        job_json(self, now)
    }

    /// Text view of the job at unix time `now`.
    pub fn text(&self, now: i64) -> String {
        job_text(self, now)
    }
}

/// JSON view of a job, with its deadlines and what can be done now and later.
fn job_json(v: &JobView, now: i64) -> Value {
    let JobView {
        address,
        job,
        escrow,
        provider_owner,
        rules,
        draw,
    } = v;
    let (escrow, provider_owner, draw) = (*escrow, *provider_owner, *draw);
    let actions = job_actions(job, rules, draw, now);
    let n = usize::from(job.valid_votes).min(job.valid_units.len());
    json!({
        "address": address.to_string(),
        "network": job.network.to_string(),
        "client": job.client.to_string(),
        "job_id": job.job_id,
        "state": job_state_name(job.state),
        "target_provider": opt_key(job.target_provider),
        "provider": opt_key(job.provider),
        "provider_owner": opt_key(provider_owner),
        "price_per_unit": job.price_per_unit,
        "max_units": job.max_units,
        "escrowed": job.escrowed,
        "escrow_vault": pda::escrow_vault(address).to_string(),
        "escrow_vault_balance": escrow,
        "spec_hash": hex(&job.spec_hash),
        "result_hash": hex(&job.result_hash),
        "reported_units": job.reported_units,
        "created_at": time_json(job.created_at, now),
        "created_slot": job.created_slot,
        "accept_deadline": time_json(job.accept_deadline, now),
        "run_seconds": job.run_seconds,
        "completion_deadline": set(job.completion_deadline).map(|t| time_json(t, now)),
        "submit_slot": job.submit_slot,
        "challenge_deadline": set(job.challenge_deadline).map(|t| time_json(t, now)),
        "vote_deadline": set(job.vote_deadline).map(|t| time_json(t, now)),
        "audit": audit_name(job.audit),
        "audit_draw_now": matches!(job.state, JobState::Submitted | JobState::Disputed)
            .then(|| draw_name(draw)),
        "valid_votes": job.valid_votes,
        "invalid_votes": job.invalid_votes,
        "valid_units": job.valid_units.get(..n).unwrap_or(&[]),
        "quorum": rules.quorum,
        "now": time_json(now, now),
        "actions_now": actions.iter().filter(|a| a.now).map(|a| a.json(now)).collect::<Vec<_>>(),
        "actions_later": actions.iter().filter(|a| !a.now).map(|a| a.json(now)).collect::<Vec<_>>(),
    })
}

/// Text view of a job, with its deadlines and what can be done now and later.
fn job_text(v: &JobView, now: i64) -> String {
    let JobView {
        address,
        job,
        escrow,
        provider_owner,
        rules,
        draw,
    } = v;
    let (provider_owner, draw) = (*provider_owner, *draw);
    let mut lines = vec![
        format!("job {address}"),
        format!("  id:            {} of client {}", job.job_id, job.client),
        format!("  state:         {}", job_state_name(job.state)),
        format!(
            "  terms:         {} per unit, at most {} units: {} escrowed (vault {} holds {escrow})",
            job.price_per_unit,
            job.max_units,
            job.escrowed,
            pda::escrow_vault(address)
        ),
        format!("  spec hash:     {}", hex(&job.spec_hash)),
    ];
    if let Some(t) = job.target_provider {
        lines.push(format!("  target:        provider {t} only"));
    }
    if let Some(p) = job.provider {
        match provider_owner {
            Some(o) => lines.push(format!("  provider:      {p} (owner {o})")),
            None => lines.push(format!("  provider:      {p}")),
        }
    }
    lines.push(format!("  created:       {}", when(job.created_at, now)));
    lines.push(format!(
        "  accept by:     {}",
        when(job.accept_deadline, now)
    ));
    match set(job.completion_deadline) {
        Some(t) => lines.push(format!("  submit by:     {}", when(t, now))),
        None => lines.push(format!(
            "  run time:      {} from acceptance",
            duration(job.run_seconds)
        )),
    }
    if matches!(job.state, JobState::Submitted | JobState::Disputed) {
        lines.push(format!(
            "  result:        {} units reported, hash {}",
            job.reported_units,
            hex(&job.result_hash)
        ));
        lines.push(format!(
            "  challenge:     until {}",
            when(job.challenge_deadline, now)
        ));
        let audit = match (job.audit, draw) {
            (AuditDraw::Pending, Draw::NotReady) => {
                "Pending (not drawable yet: needs a slot after the submission)".to_string()
            }
            (AuditDraw::Pending, Draw::Selected) => "Pending (a draw now selects it)".to_string(),
            (AuditDraw::Pending, Draw::NotSelected) => {
                "Pending (a draw now does not select it)".to_string()
            }
            (a, _) => audit_name(a).to_string(),
        };
        lines.push(format!("  audit draw:    {audit}"));
        if let Some(t) = set(job.vote_deadline) {
            lines.push(format!("  votes until:   {}", when(t, now)));
        }
        let n = usize::from(job.valid_votes).min(job.valid_units.len());
        let units: Vec<String> = job
            .valid_units
            .get(..n)
            .unwrap_or(&[])
            .iter()
            .map(u64::to_string)
            .collect();
        lines.push(format!(
            "  votes:         {} valid{}, {} invalid; quorum {}",
            job.valid_votes,
            if units.is_empty() {
                String::new()
            } else {
                format!(" (units {})", units.join(", "))
            },
            job.invalid_votes,
            rules.quorum
        ));
    }
    lines.push(format!("  ledger time:   {}", utc(now)));
    let actions = job_actions(job, rules, draw, now);
    let (now_actions, later): (Vec<&JobAction>, Vec<&JobAction>) =
        actions.iter().partition(|a| a.now);
    lines.push("  possible now:".to_string());
    if now_actions.is_empty() {
        lines.push("    nothing".to_string());
    }
    for a in now_actions {
        lines.push(format!("    {}", a.text(now)));
    }
    if !later.is_empty() {
        lines.push("  later:".to_string());
        for a in later {
            lines.push(format!("    {}", a.text(now)));
        }
    }
    lines.join("\n")
}

/// The next deadline of a job in its current state (for lists), if any.
pub fn next_deadline(job: &Job) -> Option<(&'static str, i64)> {
    match job.state {
        JobState::Open => Some(("accept by", job.accept_deadline)),
        JobState::Running => Some(("submit by", job.completion_deadline)),
        JobState::Submitted if job.audit == AuditDraw::Selected => {
            Some(("votes until", job.vote_deadline))
        }
        JobState::Submitted => Some(("challenge until", job.challenge_deadline)),
        JobState::Disputed => Some(("votes until", job.vote_deadline)),
    }
}

// ---------------------------------------------------------------- attestors

pub fn attestor_json(address: &Pubkey, a: &Attestor) -> Value {
    json!({
        "address": address.to_string(),
        "network": a.network.to_string(),
        "key": a.key.to_string(),
        "active": a.active,
        "votes_cast": a.votes_cast,
        "votes_against_outcome": a.votes_against_outcome,
    })
}

pub fn attestor_text(address: &Pubkey, a: &Attestor) -> String {
    [
        format!("attestor {}", a.key),
        format!("  record:          {address}"),
        format!("  network:         {}", a.network),
        format!(
            "  active:          {}",
            if a.active { "yes" } else { "no (removed)" }
        ),
        format!("  votes cast:      {}", a.votes_cast),
        format!("  against outcome: {}", a.votes_against_outcome),
    ]
    .join("\n")
}

/// JSON view of a vote; `live` tells whether the job it was cast on is still open.
pub fn attestation_json(address: &Pubkey, a: &Attestation, live: bool) -> Value {
    json!({
        "address": address.to_string(),
        "job": a.job.to_string(),
        "job_created_slot": a.job_created_slot,
        "attestor": a.attestor.to_string(),
        "verdict": verdict_name(a.verdict),
        "measured_units": a.measured_units,
        "evidence_hash": hex(&a.evidence_hash),
        "slot": a.slot,
        "job_live": live,
    })
}

/// One-line text view of a vote; `live` tells whether the job it was cast on is still open.
pub fn attestation_text(address: &Pubkey, a: &Attestation, live: bool) -> String {
    format!(
        "{} job {} {} {} units, slot {}, evidence {}{}",
        address,
        a.job,
        verdict_name(a.verdict),
        a.measured_units,
        a.slot,
        hex(&a.evidence_hash),
        if live {
            ""
        } else {
            " (job closed: spice attestor close-attestation reclaims the rent)"
        }
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use spice::constants::MAX_QUORUM;

    #[test]
    fn hex_round_trip_and_errors() {
        let bytes: [u8; 32] = std::array::from_fn(|i| i as u8 * 7);
        let text = hex(&bytes);
        assert_eq!(text.len(), 64);
        assert_eq!(parse_hex32(&text).unwrap(), bytes);
        assert_eq!(
            parse_hex32(&format!("0x{}", text.to_uppercase())).unwrap(),
            bytes
        );
        assert!(parse_hex32("abc").is_err());
        assert!(parse_hex32(&"zz".repeat(32)).is_err());
        assert!(parse_hex32(&"é".repeat(32)).is_err());
    }

    #[test]
    fn hash_options() {
        assert_eq!(hash_arg(None, None).unwrap(), [0; 32]);
        // SHA-256("abc")
        assert_eq!(
            hex(&hash_arg(None, Some("abc")).unwrap()),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            hash_arg(Some(&"11".repeat(32)), Some("x")).unwrap(),
            [0x11; 32]
        );
    }

    #[test]
    fn utc_dates() {
        assert_eq!(utc(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(utc(951_782_400), "2000-02-29 00:00:00 UTC");
        assert_eq!(utc(1_700_000_000), "2023-11-14 22:13:20 UTC");
        assert_eq!(utc(-1), "1969-12-31 23:59:59 UTC");
        assert_eq!(utc(4_102_444_799), "2099-12-31 23:59:59 UTC");
        let _ = utc(i64::MAX);
        let _ = utc(i64::MIN);
    }

    #[test]
    fn durations_and_relative_times() {
        assert_eq!(duration(0), "0s");
        assert_eq!(duration(45), "45s");
        assert_eq!(duration(200), "3m 20s");
        assert_eq!(duration(3_600), "1h");
        assert_eq!(duration(3_660), "1h 1m");
        assert_eq!(duration(90_061), "1d 1h");
        assert_eq!(duration(86_400 + 5), "1d");
        assert_eq!(relative(1_200, 1_000), "in 3m 20s");
        assert_eq!(relative(988, 1_000), "12s ago");
        assert_eq!(relative(5, 5), "now");
        assert_eq!(
            relative(i64::MIN, i64::MAX),
            format!("{} ago", duration(i64::MIN))
        );
    }

    fn job(state: JobState) -> Job {
        Job {
            version: 1,
            bump: 0,
            escrow_bump: 0,
            network: Pubkey::default(),
            client: Pubkey::default(),
            job_id: 1,
            target_provider: None,
            provider: None,
            price_per_unit: 10,
            max_units: 10,
            escrowed: 100,
            spec_hash: [0; 32],
            result_hash: [0; 32],
            reported_units: 7,
            state,
            created_at: 0,
            created_slot: 1,
            accept_deadline: 1_000,
            run_seconds: 500,
            completion_deadline: 2_000,
            submit_slot: 5,
            challenge_deadline: 3_000,
            vote_deadline: 0,
            audit: AuditDraw::Pending,
            valid_votes: 0,
            invalid_votes: 0,
            valid_units: [0; MAX_QUORUM as usize],
            reserved: [0; 32],
        }
    }

    const RULES: JobRules = JobRules {
        quorum: 2,
        dispute_seconds: 600,
        accept_paused: false,
    };

    /// `who: action` of the actions possible now, and of those later.
    fn names(job: &Job, rules: &JobRules, draw: Draw, now: i64) -> (Vec<String>, Vec<String>) {
        let all = job_actions(job, rules, draw, now);
        let f = |want: bool| {
            all.iter()
                .filter(|a| a.now == want)
                .map(|a| format!("{}: {}", a.who.name(), a.action))
                .collect::<Vec<_>>()
        };
        (f(true), f(false))
    }

    #[test]
    fn open_job_accept_until_deadline_inclusive_then_expire() {
        let j = job(JobState::Open);
        let (now, later) = names(&j, &RULES, Draw::NotReady, 1_000);
        assert_eq!(now, ["client: cancel", "provider: accept"]);
        assert_eq!(later, ["anyone: expire"]);
        let (now, later) = names(&j, &RULES, Draw::NotReady, 1_001);
        assert_eq!(now, ["client: cancel", "anyone: expire"]);
        assert!(later.is_empty());
        let acts = job_actions(&j, &RULES, Draw::NotReady, 10);
        assert_eq!(acts[1].until, Some(1_000));
        assert_eq!(acts[2].after, Some(1_000));
    }

    #[test]
    fn paused_accepts_are_listed_as_not_possible() {
        let j = job(JobState::Open);
        let rules = JobRules {
            accept_paused: true,
            ..RULES
        };
        let (now, later) = names(&j, &rules, Draw::NotReady, 500);
        assert_eq!(now, ["client: cancel"]);
        assert_eq!(later, ["provider: accept", "anyone: expire"]);
        let mut j = j;
        let target = Pubkey::new_unique();
        j.target_provider = Some(target);
        let acts = job_actions(&j, &RULES, Draw::NotReady, 500);
        assert!(acts[1]
            .note
            .as_deref()
            .unwrap_or("")
            .contains(&target.to_string()));
    }

    #[test]
    fn running_job_submit_until_completion_deadline() {
        let j = job(JobState::Running);
        let (now, later) = names(&j, &RULES, Draw::NotReady, 2_000);
        assert_eq!(now, ["provider: submit"]);
        assert_eq!(later, ["anyone: expire"]);
        let (now, later) = names(&j, &RULES, Draw::NotReady, 2_001);
        assert_eq!(now, ["anyone: expire"]);
        assert!(later.is_empty());
    }

    #[test]
    fn submitted_not_selected_approve_dispute_then_settle() {
        let mut j = job(JobState::Submitted);
        j.audit = AuditDraw::NotSelected;
        let (now, later) = names(&j, &RULES, Draw::NotSelected, 3_000);
        assert_eq!(
            now,
            ["client: approve", "client: dispute", "attestors: attest"]
        );
        assert_eq!(later, ["anyone: settle"]);
        let (now, later) = names(&j, &RULES, Draw::NotSelected, 3_001);
        assert_eq!(now, ["client: approve", "anyone: settle"]);
        assert!(later.is_empty());
        // A pending draw that would not select: the same, and draw-audit can record it.
        j.audit = AuditDraw::Pending;
        let (now, _) = names(&j, &RULES, Draw::NotSelected, 3_001);
        assert_eq!(
            now,
            ["client: approve", "anyone: settle", "anyone: draw-audit"]
        );
    }

    #[test]
    fn submitted_draw_not_ready_blocks_approve_and_settle() {
        let j = job(JobState::Submitted);
        let (now, later) = names(&j, &RULES, Draw::NotReady, 2_500);
        assert_eq!(now, ["client: dispute", "attestors: attest"]);
        assert_eq!(
            later,
            ["client: approve", "anyone: settle", "anyone: draw-audit"]
        );
    }

    #[test]
    fn submitted_pending_draw_that_selects() {
        let j = job(JobState::Submitted);
        let (now, later) = names(&j, &RULES, Draw::Selected, 3_000);
        assert_eq!(
            now,
            ["anyone: draw-audit", "client: dispute", "attestors: attest"]
        );
        assert!(later.is_empty());
        // After the challenge window the vote itself records the selection and counts.
        let (now, later) = names(&j, &RULES, Draw::Selected, 3_001);
        assert_eq!(now, ["anyone: draw-audit", "attestors: attest"]);
        assert!(later.is_empty());
    }

    #[test]
    fn submitted_selected_votes_until_vote_deadline_then_expire() {
        let mut j = job(JobState::Submitted);
        j.audit = AuditDraw::Selected;
        j.vote_deadline = 3_600;
        let (now, later) = names(&j, &RULES, Draw::Selected, 3_000);
        assert_eq!(now, ["client: dispute", "attestors: attest"]);
        assert_eq!(later, ["anyone: expire"]);
        let (now, later) = names(&j, &RULES, Draw::Selected, 3_600);
        assert_eq!(now, ["attestors: attest"]);
        assert_eq!(later, ["anyone: expire"]);
        let (now, later) = names(&j, &RULES, Draw::Selected, 3_601);
        assert_eq!(now, ["anyone: expire"]);
        assert!(later.is_empty());
    }

    #[test]
    fn disputed_votes_until_vote_deadline_then_expire() {
        let mut j = job(JobState::Disputed);
        j.vote_deadline = 4_000;
        j.audit = AuditDraw::NotSelected;
        let (now, later) = names(&j, &RULES, Draw::NotSelected, 4_000);
        assert_eq!(now, ["attestors: attest"]);
        assert_eq!(later, ["anyone: expire"]);
        let (now, later) = names(&j, &RULES, Draw::NotSelected, 4_001);
        assert_eq!(now, ["anyone: expire"]);
        assert!(later.is_empty());
        j.audit = AuditDraw::Pending;
        let (now, _) = names(&j, &RULES, Draw::Selected, 10);
        assert_eq!(now, ["attestors: attest", "anyone: draw-audit"]);
        let (now, _) = names(&j, &RULES, Draw::NotReady, 10);
        assert_eq!(now, ["attestors: attest"]);
    }

    #[test]
    fn action_text_names_role_and_window() {
        let a = JobAction::new(Role::Client, "dispute", true).until(1_200);
        assert_eq!(
            a.text(1_000),
            "client: dispute (until 1970-01-01 00:20:00 UTC, in 3m 20s)"
        );
        let a = JobAction::new(Role::Anyone, "expire", true).after(988);
        assert_eq!(
            a.text(1_000),
            "anyone: expire (after 1970-01-01 00:16:28 UTC, 12s ago)"
        );
        assert_eq!(
            JobAction::new(Role::Client, "cancel", true).text(0),
            "client: cancel"
        );
    }
}
