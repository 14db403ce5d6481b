//! What the command groups share: hex and hashes, time (absolute UTC and relative to the ledger
//! clock), lists of program accounts, associated token accounts and mints, transaction
//! reports, the text and JSON views of providers, jobs, attestors and attestations, and the
//! text and JSON of what a job allows at a given time (the program's own
//! `spice::state::lifecycle::possible_actions`, formatted by [`action_text`] and
//! [`action_json`]).

use std::collections::BTreeSet;

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use anchor_lang::Discriminator;
use anyhow::{anyhow, bail, Result};
use serde_json::{json, Value};
use solana_sdk::signature::{Keypair, Signature, Signer};
use spice::audit::{Draw, SLOT_HASHES_ID};
use spice::state::lifecycle::{possible_actions, Action, Note, Possible, Role};
use spice::state::{
    Attestation, Attestor, AuditDraw, ExpireReason, Job, JobState, Network, Provider,
    ProviderStatus, Verdict, NOT_REMOVED,
};
use spice_sdk::accounts;
use spice_sdk::ix::NetworkKeys;
use spice_sdk::ledger::Ledger;
use spice_sdk::{pda, tokens};

use crate::amounts::Decimals;
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

/// The votes cast on the live job at `job` (a job address never names two jobs).
pub fn votes_on(ledger: &mut dyn Ledger, job: &Pubkey) -> Result<Vec<(Pubkey, Attestation)>> {
    let mut all: Vec<(Pubkey, Attestation)> = accounts::program_accounts(ledger)?;
    all.retain(|(_, a)| a.job == *job);
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

/// What the audit draw of `job` would be if an instruction drew it now: the recorded draw, or
/// for a pending one the program's own draw ([`Job::draw_from`]) on the current SlotHashes.
pub fn draw_now(ledger: &mut dyn Ledger, address: &Pubkey, job: &Job) -> Result<Draw> {
    if job.audit == AuditDraw::Pending
        && !matches!(job.state, JobState::Submitted | JobState::Disputed)
    {
        return Ok(Draw::NotReady);
    }
    let data = match job.audit {
        AuditDraw::Pending => ledger
            .account(&SLOT_HASHES_ID)?
            .map(|a| a.data)
            .unwrap_or_default(),
        _ => Vec::new(),
    };
    Ok(job.draw_from(&data, address))
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

/// Refuses before sending when the token account `from` cannot pay `needed` (base units of
/// the `mint_name` mint, `decimals` decimals) for `what`: it does not exist, or holds less.
/// (The token program would only say `AccountNotInitialized` or `custom error 1`.)
pub fn check_funds(
    ctx: &mut Ctx,
    from: &Pubkey,
    needed: u64,
    mint_name: &str,
    decimals: u8,
    what: &str,
) -> Result<()> {
    use spice_sdk::amount::format_base;
    let Some(account) = ctx.ledger.account(from)? else {
        bail!(
            "{what} needs {} {mint_name} tokens from {from}, which does not exist: the signer has no {mint_name}-mint account yet (get {mint_name} tokens first, or pass --from an account that holds them)",
            format_base(needed, decimals)
        );
    };
    let Some(token) = accounts::decode_token_account(from, &account) else {
        bail!("{from} is not a token account ({what} comes from it)");
    };
    if token.amount < needed {
        bail!(
            "your balance is {} {mint_name} tokens at {from}; {what} needs {} (short by {})",
            format_base(token.amount, decimals),
            format_base(needed, decimals),
            format_base(needed - token.amount, decimals)
        );
    }
    Ok(())
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

/// The most unfinished job value a provider may hold under the network's exposure limit
/// (`stake × max_exposure_bps / 10 000`), `None` when the network sets no limit.
pub fn exposure_limit(p: &Provider, max_exposure_bps: u32) -> Option<u64> {
    (max_exposure_bps > 0).then(|| {
        let limit = u128::from(p.stake) * u128::from(max_exposure_bps) / 10_000;
        u64::try_from(limit).unwrap_or(u64::MAX)
    })
}

/// Unbonding stake `withdraw_unbonded` would pay at `now`: the program's
/// [`Provider::withdrawable`] once the unbonding period has passed, 0 before.
pub fn withdrawable_now(p: &Provider, now: i64) -> u64 {
    if p.unbonding == 0 || now < p.unbond_ready_at {
        return 0;
    }
    p.withdrawable().unwrap_or(0)
}

/// JSON view of a provider; `vault` is its stake vault's balance, `max_exposure_bps` the
/// network's exposure limit.
pub fn provider_json(
    address: &Pubkey,
    p: &Provider,
    vault: u64,
    max_exposure_bps: u32,
    now: i64,
) -> Value {
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
        "unbond_withdrawable_now": withdrawable_now(p, now),
        "locked": p.locked,
        "exposure": p.exposure,
        "exposure_limit": exposure_limit(p, max_exposure_bps),
        "owed_payment": p.owed_payment,
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

/// Text view of a provider (several lines); `vault` is its stake vault's balance,
/// `max_exposure_bps` the network's exposure limit.
pub fn provider_text(
    address: &Pubkey,
    p: &Provider,
    vault: u64,
    max_exposure_bps: u32,
    now: i64,
    d: &Decimals,
) -> String {
    let hw = &p.hardware;
    let s = &p.stats;
    let unbonding = if p.unbonding == 0 {
        "0".to_string()
    } else if now >= p.unbond_ready_at {
        let free = withdrawable_now(p, now);
        let locked = if free < p.unbonding {
            format!(" ({} held back by locks)", d.s(p.unbonding - free))
        } else {
            String::new()
        };
        format!(
            "{}, {} withdrawable now{locked} (since {})",
            d.stk(p.unbonding),
            d.s(free),
            when(p.unbond_ready_at, now)
        )
    } else {
        format!(
            "{}, withdrawable from {}",
            d.stk(p.unbonding),
            when(p.unbond_ready_at, now)
        )
    };
    let exposure = match exposure_limit(p, max_exposure_bps) {
        Some(limit) => format!(
            "{} of at most {} payment tokens",
            d.p(p.exposure),
            d.p(limit)
        ),
        None => format!("{} (the network sets no limit)", d.pay(p.exposure)),
    };
    let mut lines = vec![
        format!("provider {address}"),
        format!("  owner:        {}", p.owner),
        format!("  network:      {}", p.network),
        format!("  status:       {}", status_name(p.status)),
        format!("  stake:        {}", d.stk(p.stake)),
        format!("  unbonding:    {unbonding}"),
        format!(
            "  locked:       {} (slashable behind {} active job(s))",
            d.stk(p.locked),
            p.active_jobs
        ),
        format!("  exposure:     {exposure}"),
        format!(
            "  stake vault:  {} holds {}",
            pda::stake_vault(address),
            d.stk(vault)
        ),
        format!(
            "  hardware:     {} x {}, {} GB each, region {}",
            hw.gpu_count, hw.gpu_model, hw.vram_gb, hw.region
        ),
    ];
    if p.owed_payment > 0 {
        lines.push(format!(
            "  owed:         {} wait in the payouts vault (spice provider collect)",
            d.pay(p.owed_payment)
        ));
    }
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
        "  work:         {} units paid, {} earned, {} slashed",
        s.units_completed,
        d.pay(s.total_earned),
        d.stk(s.total_slashed)
    ));
    lines.push(format!("  registered:   {}", when(p.registered_at, now)));
    lines.join("\n")
}

// ---------------------------------------------------------------- jobs

/// Who may act, as `job show` names them.
pub fn role_name(role: Role) -> &'static str {
    match role {
        Role::Client => "client",
        Role::Provider => "provider",
        Role::Attestors => "attestors",
        Role::Anyone => "anyone",
    }
}

/// The `spice job` (or `spice attestor`) subcommand of an action.
pub fn action_name(action: Action) -> &'static str {
    match action {
        Action::Cancel => "cancel",
        Action::Accept => "accept",
        Action::Submit => "submit",
        Action::Approve => "approve",
        Action::Dispute => "dispute",
        Action::DrawAudit => "draw-audit",
        Action::Attest => "attest",
        Action::Settle => "settle",
        Action::Expire => "expire",
    }
}

pub fn expire_reason_name(reason: ExpireReason) -> &'static str {
    match reason {
        ExpireReason::NotAccepted => "not accepted",
        ExpireReason::NotSubmitted => "not submitted",
        ExpireReason::NoQuorum => "no quorum",
    }
}

/// What else to know about a possible action, in words (`None` when nothing).
pub fn note_text(note: &Note) -> Option<String> {
    Some(match *note {
        Note::None => return None,
        Note::FullRefund => "full refund".to_string(),
        Note::Expiry(ExpireReason::NotAccepted) => "not accepted: full refund".to_string(),
        Note::Expiry(ExpireReason::NotSubmitted) => {
            "not submitted: full refund, a failure on the provider's record".to_string()
        }
        Note::Expiry(ExpireReason::NoQuorum) => {
            "no quorum: full refund, nobody slashed".to_string()
        }
        Note::AcceptRequirements { target, paused } => {
            let mut notes = Vec::new();
            if let Some(t) = target {
                notes.push(format!("only provider {t}"));
            }
            notes.push("Active, stake >= minimum, room under the exposure limit".to_string());
            if paused {
                notes.push("accepts are paused by the authority".to_string());
            }
            notes.join("; ")
        }
        Note::Pays { units } => format!("pays {units} units"),
        Note::NeedsLaterSlot => "the audit draw needs a slot after the submission".to_string(),
        Note::DrawNotSelected => "records the draw: not selected".to_string(),
        Note::DrawSelects => {
            "the draw selects this job for attestation: it then settles only on a Valid quorum"
                .to_string()
        }
        Note::SelectionOpensVoting { seconds } => format!(
            "records the selection; votes then count for {}",
            duration(seconds)
        ),
        Note::Votes {
            valid,
            invalid,
            quorum,
        } => format!("{valid} valid / {invalid} invalid of quorum {quorum}"),
        Note::DrawForStatistics => {
            "records the draw (statistics only: the dispute needs a quorum anyway)".to_string()
        }
    })
}

/// The structured fields of a note, for JSON (`null` when there is no note).
pub fn note_json(note: &Note) -> Value {
    match *note {
        Note::None => Value::Null,
        Note::FullRefund => json!({"kind": "full_refund"}),
        Note::Expiry(reason) => json!({"kind": "expiry", "reason": expire_reason_name(reason)}),
        Note::AcceptRequirements { target, paused } => {
            json!({"kind": "accept_requirements", "target": opt_key(target), "paused": paused})
        }
        Note::Pays { units } => json!({"kind": "pays", "units": units}),
        Note::NeedsLaterSlot => json!({"kind": "needs_later_slot"}),
        Note::DrawNotSelected => json!({"kind": "draw_not_selected"}),
        Note::DrawSelects => json!({"kind": "draw_selects"}),
        Note::SelectionOpensVoting { seconds } => {
            json!({"kind": "selection_opens_voting", "seconds": seconds})
        }
        Note::Votes {
            valid,
            invalid,
            quorum,
        } => json!({"kind": "votes", "valid": valid, "invalid": invalid, "quorum": quorum}),
        Note::DrawForStatistics => json!({"kind": "draw_for_statistics"}),
    }
}

/// `client: approve / dispute (until …)`-style line of a possible action at `now`.
pub fn action_text(a: &Possible, now: i64) -> String {
    let mut details = Vec::new();
    if let Some(t) = a.after {
        details.push(format!("after {}, {}", utc(t), relative(t, now)));
    }
    if let Some(t) = a.until {
        details.push(format!("until {}, {}", utc(t), relative(t, now)));
    }
    if let Some(n) = note_text(&a.note) {
        details.push(n);
    }
    let head = format!("{}: {}", role_name(a.who), action_name(a.action));
    if details.is_empty() {
        head
    } else {
        format!("{head} ({})", details.join("; "))
    }
}

/// JSON of a possible action at `now`.
pub fn action_json(a: &Possible, now: i64) -> Value {
    json!({
        "who": role_name(a.who),
        "action": action_name(a.action),
        "now": a.now,
        "after": a.after.map(|t| time_json(t, now)),
        "until": a.until.map(|t| time_json(t, now)),
        "note": note_text(&a.note),
        "note_detail": note_json(&a.note),
    })
}

/// A job and what its views need besides the account, read from the ledger.
pub struct JobView {
    pub address: Pubkey,
    pub job: Job,
    /// The escrow vault's balance.
    pub escrow: u64,
    /// The owner of its provider (if accepted and known).
    pub provider_owner: Option<Pubkey>,
    /// The network pauses `accept_job`.
    pub accept_paused: bool,
    /// The draw an instruction would record now ([`draw_now`]).
    pub draw: Draw,
    /// The network's mints' decimals (text shows tokens).
    pub decimals: Decimals,
}

impl JobView {
    /// What can be done now and later, by the program's own rules.
    pub fn actions(&self, now: i64) -> Vec<Possible> {
        possible_actions(&self.job, self.draw, self.accept_paused, now)
    }

    /// JSON view of the job at unix time `now`.
    pub fn json(&self, now: i64) -> Value {
        job_json(self, now)
    }

    /// Text view of the job at unix time `now`.
    pub fn text(&self, now: i64) -> String {
        job_text(self, now)
    }
}

/// JSON of a job's terms (fixed at its creation).
fn terms_json(job: &Job) -> Value {
    let t = &job.terms;
    json!({
        "protocol_fee_bps": t.protocol_fee_bps,
        "slash_bps": t.slash_bps,
        "slash_client_share_bps": t.slash_client_share_bps,
        "audit_rate_bps": t.audit_rate_bps,
        "attestation_quorum": t.attestation_quorum,
        "challenge_seconds": t.challenge_seconds,
        "dispute_seconds": t.dispute_seconds,
        "reference_price": t.reference_price,
        "reward_rate_cap_bps": t.reward_rate_cap_bps,
        "m_max_bps": t.m_max_bps,
        "stake_cap": t.stake_cap,
        "max_exposure_bps": t.max_exposure_bps,
    })
}

/// One line of a job's terms.
fn terms_text(job: &Job, d: &Decimals) -> String {
    let t = &job.terms;
    format!(
        "fee {} bps, slash {} bps of the stake at accept ({} bps of it to the client), audit \
         rate {} bps, quorum {}, challenge {}, dispute {}, reference price {}; rewards at most {} \
         bps of its score, stake multiplier up to {} bps at stake {}, exposure limit {}",
        t.protocol_fee_bps,
        t.slash_bps,
        t.slash_client_share_bps,
        t.audit_rate_bps,
        t.attestation_quorum,
        duration(t.challenge_seconds),
        duration(t.dispute_seconds),
        if t.reference_price == 0 {
            "none (value = price paid)".to_string()
        } else {
            format!("{} per unit", d.p(t.reference_price))
        },
        t.reward_rate_cap_bps,
        t.m_max_bps,
        d.stk(t.stake_cap),
        if t.max_exposure_bps == 0 {
            "none when posted".to_string()
        } else {
            format!("{} bps when posted", t.max_exposure_bps)
        }
    )
}

/// JSON view of a job, with its deadlines and what can be done now and later.
fn job_json(v: &JobView, now: i64) -> Value {
    let JobView {
        address,
        job,
        escrow,
        provider_owner,
        draw,
        ..
    } = v;
    let (escrow, provider_owner, draw) = (*escrow, *provider_owner, *draw);
    let actions = v.actions(now);
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
        "terms": terms_json(job),
        "decimals": v.decimals.json(),
        "spec_hash": hex(&job.spec_hash),
        "spec_uri": job.spec_uri,
        "result_hash": hex(&job.result_hash),
        "result_uri": job.result_uri,
        "reported_units": job.reported_units,
        "created_at": time_json(job.created_at, now),
        "created_slot": job.created_slot,
        "accept_deadline": time_json(job.accept_deadline, now),
        "run_seconds": job.run_seconds,
        "accepted_at": set(job.accepted_at).map(|t| time_json(t, now)),
        "stake_at_accept": job.stake_at_accept,
        "slash_lock": job.slash_lock,
        "exposure": job.exposure,
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
        "quorum": job.terms.attestation_quorum,
        "now": time_json(now, now),
        "actions_now": actions.iter().filter(|a| a.now).map(|a| action_json(a, now)).collect::<Vec<_>>(),
        "actions_later": actions.iter().filter(|a| !a.now).map(|a| action_json(a, now)).collect::<Vec<_>>(),
    })
}

/// `-` for an empty string.
fn or_dash(s: &str) -> &str {
    if s.is_empty() {
        "-"
    } else {
        s
    }
}

/// Text view of a job, with its deadlines and what can be done now and later.
fn job_text(v: &JobView, now: i64) -> String {
    let JobView {
        address,
        job,
        escrow,
        provider_owner,
        draw,
        ..
    } = v;
    let (provider_owner, draw) = (*provider_owner, *draw);
    let d = v.decimals;
    let mut lines = vec![
        format!("job {address}"),
        format!("  id:            {} of client {}", job.job_id, job.client),
        format!("  state:         {}", job_state_name(job.state)),
        format!(
            "  terms:         {} payment tokens per unit, at most {} units: {} escrowed (vault {} holds {})",
            d.p(job.price_per_unit),
            job.max_units,
            d.p(job.escrowed),
            pda::escrow_vault(address),
            d.p(*escrow)
        ),
        format!("  rules:         {}", terms_text(job, &d)),
        format!(
            "  spec:          hash {}, uri {}",
            hex(&job.spec_hash),
            or_dash(&job.spec_uri)
        ),
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
    if let Some(t) = set(job.accepted_at) {
        lines.push(format!("  accepted:      {}", when(t, now)));
        lines.push(format!(
            "  backing:       stake at accept {}, slash lock {}, exposure {} payment tokens",
            d.stk(job.stake_at_accept),
            d.s(job.slash_lock),
            d.p(job.exposure)
        ));
    }
    match set(job.completion_deadline) {
        Some(t) => lines.push(format!("  submit by:     {}", when(t, now))),
        None => lines.push(format!(
            "  run time:      {} from acceptance",
            duration(job.run_seconds)
        )),
    }
    if matches!(job.state, JobState::Submitted | JobState::Disputed) {
        lines.push(format!(
            "  result:        {} units reported, hash {}, uri {}",
            job.reported_units,
            hex(&job.result_hash),
            or_dash(&job.result_uri)
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
            job.terms.attestation_quorum
        ));
    }
    lines.push(format!("  ledger time:   {}", utc(now)));
    lines.extend(actions_lines(&v.actions(now), now));
    lines.join("\n")
}

/// The `possible now:` and `later:` blocks of `job show`.
pub fn actions_lines(actions: &[Possible], now: i64) -> Vec<String> {
    let (now_actions, later): (Vec<&Possible>, Vec<&Possible>) =
        actions.iter().partition(|a| a.now);
    let mut lines = vec!["  possible now:".to_string()];
    if now_actions.is_empty() {
        lines.push("    nothing".to_string());
    }
    for a in now_actions {
        lines.push(format!("    {}", action_text(a, now)));
    }
    if !later.is_empty() {
        lines.push("  later:".to_string());
        for a in later {
            lines.push(format!("    {}", action_text(a, now)));
        }
    }
    lines
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

/// Where an attestor stands at `now`: whether it may vote, and since or until when.
pub fn attestor_status(a: &Attestor, now: i64) -> String {
    if a.active_until != NOT_REMOVED && now >= a.active_until {
        format!("removed (since {})", when(a.active_until, now))
    } else if now < a.active_from {
        format!(
            "added, votes from {} on jobs accepted from then",
            when(a.active_from, now)
        )
    } else if a.active_until != NOT_REMOVED {
        format!("active, removal takes effect {}", when(a.active_until, now))
    } else {
        format!(
            "active since {} (votes on jobs accepted from then)",
            when(a.active_from, now)
        )
    }
}

/// Whether the attestor may vote at `now` (on jobs accepted since its addition).
pub fn attestor_active(a: &Attestor, now: i64) -> bool {
    now >= a.active_from && now < a.active_until
}

pub fn attestor_json(address: &Pubkey, a: &Attestor, now: i64) -> Value {
    json!({
        "address": address.to_string(),
        "network": a.network.to_string(),
        "key": a.key.to_string(),
        "active": attestor_active(a, now),
        "active_from": time_json(a.active_from, now),
        "active_until": (a.active_until != NOT_REMOVED).then(|| time_json(a.active_until, now)),
        "status": attestor_status(a, now),
        "votes_cast": a.votes_cast,
        "votes_against_outcome": a.votes_against_outcome,
    })
}

pub fn attestor_text(address: &Pubkey, a: &Attestor, now: i64) -> String {
    [
        format!("attestor {}", a.key),
        format!("  record:          {address}"),
        format!("  network:         {}", a.network),
        format!("  status:          {}", attestor_status(a, now)),
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
        "attestor": a.attestor.to_string(),
        "verdict": verdict_name(a.verdict),
        "measured_units": a.measured_units,
        "evidence_hash": hex(&a.evidence_hash),
        "evidence_uri": a.evidence_uri,
        "slot": a.slot,
        "job_live": live,
    })
}

/// One-line text view of a vote; `live` tells whether the job it was cast on is still open.
pub fn attestation_text(address: &Pubkey, a: &Attestation, live: bool) -> String {
    format!(
        "{} job {} {} {} units, slot {}, evidence {} ({}){}",
        address,
        a.job,
        verdict_name(a.verdict),
        a.measured_units,
        a.slot,
        hex(&a.evidence_hash),
        or_dash(&a.evidence_uri),
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
    use spice::state::JobTerms;

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
            spec_uri: String::new(),
            result_hash: [0; 32],
            result_uri: String::new(),
            reported_units: 7,
            state,
            terms: JobTerms {
                protocol_fee_bps: 250,
                slash_bps: 1_000,
                slash_client_share_bps: 5_000,
                audit_rate_bps: 1_000,
                attestation_quorum: 2,
                challenge_seconds: 600,
                dispute_seconds: 600,
                reference_price: 0,
                reward_rate_cap_bps: 5_000,
                m_max_bps: 30_000,
                stake_cap: 1_000_000,
                max_exposure_bps: 0,
                stake_per_payment_bps: 10_000,
            },
            created_at: 0,
            created_slot: 1,
            accept_deadline: 1_000,
            run_seconds: 500,
            accepted_at: 0,
            completion_deadline: 2_000,
            stake_at_accept: 0,
            slash_lock: 0,
            exposure: 0,
            submit_slot: 5,
            challenge_deadline: 3_000,
            vote_deadline: 0,
            audit: AuditDraw::Pending,
            valid_votes: 0,
            invalid_votes: 0,
            valid_units: [0; MAX_QUORUM as usize],
            reserved: [0; 24],
        }
    }

    /// `who: action` of the program's possible actions now, and of those later, as `job show`
    /// names them.
    fn names(job: &Job, paused: bool, draw: Draw, now: i64) -> (Vec<String>, Vec<String>) {
        let all = possible_actions(job, draw, paused, now);
        let f = |want: bool| {
            all.iter()
                .filter(|a| a.now == want)
                .map(|a| format!("{}: {}", role_name(a.who), action_name(a.action)))
                .collect::<Vec<_>>()
        };
        (f(true), f(false))
    }

    /// The text lines of `job show`'s action blocks.
    fn lines(job: &Job, draw: Draw, now: i64) -> Vec<String> {
        actions_lines(&possible_actions(job, draw, false, now), now)
    }

    #[test]
    fn open_job_accept_until_deadline_inclusive_then_expire() {
        let j = job(JobState::Open);
        let (now, later) = names(&j, false, Draw::NotReady, 1_000);
        assert_eq!(now, ["client: cancel", "provider: accept"]);
        assert_eq!(later, ["anyone: expire"]);
        let (now, later) = names(&j, false, Draw::NotReady, 1_001);
        assert_eq!(now, ["client: cancel", "anyone: expire"]);
        assert!(later.is_empty());
        assert_eq!(
            lines(&j, Draw::NotReady, 1_000),
            [
                "  possible now:",
                "    client: cancel (full refund)",
                "    provider: accept (until 1970-01-01 00:16:40 UTC, now; Active, stake >= \
                 minimum, room under the exposure limit)",
                "  later:",
                "    anyone: expire (after 1970-01-01 00:16:40 UTC, now; not accepted: full \
                 refund)",
            ]
        );
    }

    #[test]
    fn paused_accepts_and_targets_are_said() {
        let mut j = job(JobState::Open);
        let (now, later) = names(&j, true, Draw::NotReady, 500);
        assert_eq!(now, ["client: cancel"]);
        assert_eq!(later, ["provider: accept", "anyone: expire"]);
        let target = Pubkey::new_unique();
        j.target_provider = Some(target);
        let acts = possible_actions(&j, Draw::NotReady, true, 500);
        let text = action_text(&acts[1], 500);
        assert!(text.contains(&format!("only provider {target}")), "{text}");
        assert!(text.contains("accepts are paused"), "{text}");
        let json = action_json(&acts[1], 500);
        assert_eq!(json["note_detail"]["kind"], "accept_requirements");
        assert_eq!(json["note_detail"]["target"], target.to_string());
        assert_eq!(json["note_detail"]["paused"], true);
        assert_eq!(json["now"], false);
        assert_eq!(json["until"]["unix"], 1_000);
        assert!(json["after"].is_null());
    }

    #[test]
    fn running_job_submit_until_completion_deadline() {
        let j = job(JobState::Running);
        let (now, later) = names(&j, false, Draw::NotReady, 2_000);
        assert_eq!(now, ["provider: submit"]);
        assert_eq!(later, ["anyone: expire"]);
        let (now, later) = names(&j, false, Draw::NotReady, 2_001);
        assert_eq!(now, ["anyone: expire"]);
        assert!(later.is_empty());
        assert_eq!(
            lines(&j, Draw::NotReady, 2_001)[1],
            "    anyone: expire (after 1970-01-01 00:33:20 UTC, 1s ago; not submitted: full \
             refund, a failure on the provider's record)"
        );
    }

    #[test]
    fn submitted_not_selected_approve_dispute_then_settle() {
        let mut j = job(JobState::Submitted);
        j.audit = AuditDraw::NotSelected;
        let (now, later) = names(&j, false, Draw::NotSelected, 3_000);
        assert_eq!(
            now,
            ["client: approve", "client: dispute", "attestors: attest"]
        );
        assert_eq!(later, ["anyone: settle"]);
        let (now, later) = names(&j, false, Draw::NotSelected, 3_001);
        assert_eq!(now, ["client: approve", "anyone: settle"]);
        assert!(later.is_empty());
        assert_eq!(
            lines(&j, Draw::NotSelected, 3_000)[3],
            "    attestors: attest (until 1970-01-01 00:50:00 UTC, now; 0 valid / 0 invalid of \
             quorum 2)"
        );
        // A pending draw that would not select: the same, and draw-audit can record it.
        j.audit = AuditDraw::Pending;
        let (now, _) = names(&j, false, Draw::NotSelected, 3_001);
        assert_eq!(
            now,
            ["client: approve", "anyone: settle", "anyone: draw-audit"]
        );
        assert_eq!(
            lines(&j, Draw::NotSelected, 3_001)[1],
            "    client: approve (pays 7 units)"
        );
    }

    #[test]
    fn submitted_draw_not_ready_blocks_approve_and_settle() {
        let j = job(JobState::Submitted);
        let (now, later) = names(&j, false, Draw::NotReady, 2_500);
        assert_eq!(now, ["client: dispute", "attestors: attest"]);
        assert_eq!(
            later,
            ["client: approve", "anyone: settle", "anyone: draw-audit"]
        );
        let acts = possible_actions(&j, Draw::NotReady, false, 2_500);
        assert_eq!(
            note_text(&acts[0].note).as_deref(),
            Some("the audit draw needs a slot after the submission")
        );
    }

    #[test]
    fn submitted_pending_draw_that_selects() {
        let j = job(JobState::Submitted);
        let (now, later) = names(&j, false, Draw::Selected, 3_000);
        assert_eq!(
            now,
            ["anyone: draw-audit", "client: dispute", "attestors: attest"]
        );
        assert!(later.is_empty());
        // After the challenge window the vote itself records the selection and counts.
        let (now, later) = names(&j, false, Draw::Selected, 3_001);
        assert_eq!(now, ["anyone: draw-audit", "attestors: attest"]);
        assert!(later.is_empty());
        assert_eq!(
            lines(&j, Draw::Selected, 3_001)[2],
            "    attestors: attest (records the selection; votes then count for 10m)"
        );
        let acts = possible_actions(&j, Draw::Selected, false, 3_001);
        assert_eq!(
            action_json(&acts[1], 3_001)["note_detail"],
            json!({"kind": "selection_opens_voting", "seconds": 600})
        );
    }

    #[test]
    fn submitted_selected_votes_until_vote_deadline_then_expire() {
        let mut j = job(JobState::Submitted);
        j.audit = AuditDraw::Selected;
        j.vote_deadline = 3_600;
        let (now, later) = names(&j, false, Draw::Selected, 3_000);
        assert_eq!(now, ["client: dispute", "attestors: attest"]);
        assert_eq!(later, ["anyone: expire"]);
        let (now, later) = names(&j, false, Draw::Selected, 3_600);
        assert_eq!(now, ["attestors: attest"]);
        assert_eq!(later, ["anyone: expire"]);
        let (now, later) = names(&j, false, Draw::Selected, 3_601);
        assert_eq!(now, ["anyone: expire"]);
        assert!(later.is_empty());
        assert_eq!(
            lines(&j, Draw::Selected, 3_601)[1],
            "    anyone: expire (after 1970-01-01 01:00:00 UTC, 1s ago; no quorum: full refund, \
             nobody slashed)"
        );
    }

    #[test]
    fn disputed_votes_until_vote_deadline_then_expire() {
        let mut j = job(JobState::Disputed);
        j.vote_deadline = 4_000;
        j.audit = AuditDraw::NotSelected;
        let (now, later) = names(&j, false, Draw::NotSelected, 4_000);
        assert_eq!(now, ["attestors: attest"]);
        assert_eq!(later, ["anyone: expire"]);
        let (now, later) = names(&j, false, Draw::NotSelected, 4_001);
        assert_eq!(now, ["anyone: expire"]);
        assert!(later.is_empty());
        j.audit = AuditDraw::Pending;
        let (now, _) = names(&j, false, Draw::Selected, 10);
        assert_eq!(now, ["attestors: attest", "anyone: draw-audit"]);
        let (now, _) = names(&j, false, Draw::NotReady, 10);
        assert_eq!(now, ["attestors: attest"]);
    }

    #[test]
    fn nothing_possible_is_said() {
        assert_eq!(actions_lines(&[], 0), ["  possible now:", "    nothing"]);
    }

    #[test]
    fn action_text_names_role_and_window() {
        let j = job(JobState::Submitted);
        let mut dispute = possible_actions(&j, Draw::NotReady, false, 2_800)
            .into_iter()
            .find(|a| a.action == Action::Dispute)
            .expect("dispute possible");
        assert_eq!(
            action_text(&dispute, 2_800),
            "client: dispute (until 1970-01-01 00:50:00 UTC, in 3m 20s)"
        );
        dispute.until = None;
        dispute.after = Some(2_788);
        assert_eq!(
            action_text(&dispute, 2_800),
            "client: dispute (after 1970-01-01 00:46:28 UTC, 12s ago)"
        );
        dispute.after = None;
        assert_eq!(action_text(&dispute, 0), "client: dispute");
    }

    #[test]
    fn attestor_status_follows_its_delays() {
        let a = Attestor {
            version: 1,
            bump: 0,
            network: Pubkey::default(),
            key: Pubkey::default(),
            active_from: 100,
            active_until: NOT_REMOVED,
            votes_cast: 0,
            votes_against_outcome: 0,
            reserved: [0; 32],
        };
        assert!(!attestor_active(&a, 99));
        assert!(attestor_status(&a, 99).starts_with("added, votes from"));
        assert!(attestor_active(&a, 100));
        let removed = Attestor {
            active_until: 200,
            ..a
        };
        assert!(attestor_active(&removed, 199));
        assert!(attestor_status(&removed, 199).contains("removal takes effect"));
        assert!(!attestor_active(&removed, 200));
        assert!(attestor_status(&removed, 200).starts_with("removed"));
    }
}
