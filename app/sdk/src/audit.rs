//! The audit: invariants 1–6 of DESIGN.md recomputed from a [`Snapshot`], as a pure function.
//!
//! Pure, so that one piece of code audits a live cluster (the CLI fetches the snapshot over
//! RPC), the embedded ledger, and hand-built corrupt states in the unit tests below. Nothing in
//! here panics or trusts the state to be consistent: an impossible state (claimed above
//! allocated, a genesis in the future, sums past `u128`) is exactly what it must report, so
//! every computation is checked or saturating and a failed one becomes a violation.
//!
//! Conventions:
//! - a [`Finding`] with `ok == false` is one violation: one property of one subject that does
//!   not hold, so a subject can carry several;
//! - a missing escrow, stake or reward vault is reported once, by the invariant about its
//!   balance (1, 2, 3); invariant 6 checks the custody of the vaults that exist (and the
//!   existence of the treasuries, which no other invariant covers);
//! - the program tolerates donations (tokens sent straight to a vault): a surplus is a note
//!   (`ok == true`), never a violation.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write as _;

use anchor_lang::prelude::Pubkey;
use serde::Serialize;
use spice::constants::{MAX_JOB_WINDOW_SECONDS, MAX_UNBOND_SECONDS};
use spice::state::{AuditDraw, JobState};

use crate::accounts::{Snapshot, TokenAccount};
use crate::pda;

/// Short titles of invariants 1..=6, in order (the `summary` always has all six).
const TITLES: [&str; 6] = [
    "escrow vaults cover live jobs",
    "stake vaults cover stake + unbonding",
    "reward vault covers allocated - claimed",
    "finalized epochs match their shards",
    "tokens conserved per mint",
    "no stuck funds",
];

/// Latest a job deadline can lie after any moment the program wrote it: the vote deadline of
/// an audit-selected job is the end of the challenge window (≤ one window after submission)
/// plus the dispute window, each bounded by `MAX_JOB_WINDOW_SECONDS`. Anything later is a
/// deadline that will in practice never pass, so the job could never expire.
const JOB_DEADLINE_HORIZON: i64 = 2 * MAX_JOB_WINDOW_SECONDS;

/// One check of one invariant on one subject.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Finding {
    /// 1–6, the invariant's number in DESIGN.md.
    pub invariant: u8,
    /// What was checked, e.g. `job 7xK…` or `mint 9aB…`.
    pub subject: String,
    /// false: a violation.
    pub ok: bool,
    /// What was found, with the numbers.
    pub detail: String,
}

/// One invariant's tally.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct InvariantSummary {
    pub invariant: u8,
    pub title: String,
    pub checked: usize,
    pub violations: usize,
}

/// The audit of one network at one moment.
#[derive(Clone, Debug, Serialize)]
pub struct AuditReport {
    pub network: String,
    pub slot: u64,
    pub unix_timestamp: i64,
    /// One entry per invariant, 1 to 6.
    pub summary: Vec<InvariantSummary>,
    /// Every violation, and notes (ok = true) worth a reader's attention, e.g. donated surplus.
    pub findings: Vec<Finding>,
}

impl AuditReport {
    /// Number of violations.
    pub fn violations(&self) -> usize {
        self.summary.iter().map(|s| s.violations).sum()
    }

    /// No violation.
    pub fn passed(&self) -> bool {
        self.violations() == 0
    }

    /// The violations of one invariant (handy for callers and tests).
    pub fn violations_of(&self, invariant: u8) -> impl Iterator<Item = &Finding> {
        self.findings
            .iter()
            .filter(move |f| !f.ok && f.invariant == invariant)
    }

    /// The notes (findings that are not violations).
    pub fn notes(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(|f| f.ok)
    }

    /// The report as a text table: one row per invariant, then every violation and note with
    /// its subject (full base58 keys, so they can be pasted into an explorer), then the verdict.
    pub fn table(&self) -> String {
        let mut out = String::new();
        // `write!` into a String cannot fail; the results are ignored rather than unwrapped.
        let _ = writeln!(
            out,
            "audit of network {} at slot {} (unix time {})",
            self.network, self.slot, self.unix_timestamp
        );
        let _ = writeln!(out);
        let width = self
            .summary
            .iter()
            .map(|s| s.title.len())
            .max()
            .unwrap_or(0)
            .max("invariant".len());
        let _ = writeln!(
            out,
            "  #  {:<width$}  {:>8}  {:>10}  result",
            "invariant", "checked", "violations"
        );
        for s in &self.summary {
            let _ = writeln!(
                out,
                "  {}  {:<width$}  {:>8}  {:>10}  {}",
                s.invariant,
                s.title,
                s.checked,
                s.violations,
                if s.violations == 0 { "PASS" } else { "FAIL" }
            );
        }
        let violations: Vec<&Finding> = self.findings.iter().filter(|f| !f.ok).collect();
        if !violations.is_empty() {
            let _ = writeln!(out);
            let _ = writeln!(out, "violations:");
            for f in violations {
                let _ = writeln!(out, "  [{}] {}: {}", f.invariant, f.subject, f.detail);
            }
        }
        let notes: Vec<&Finding> = self.notes().collect();
        if !notes.is_empty() {
            let _ = writeln!(out);
            let _ = writeln!(out, "notes:");
            for f in notes {
                let _ = writeln!(out, "  [{}] {}: {}", f.invariant, f.subject, f.detail);
            }
        }
        let _ = writeln!(out);
        let n = self.violations();
        if n == 0 {
            let _ = write!(out, "audit passed");
        } else {
            let _ = write!(out, "audit FAILED: {n} violation(s)");
        }
        out
    }
}

/// Recomputes every invariant from `snap`.
///
/// Token accounts that look like escrow or stake vaults of jobs or providers absent from the
/// snapshot are reported as orphans; when another network shares one of this network's mints,
/// its live vaults look the same: use [`audit_with`] and name their authorities there.
pub fn audit(snap: &Snapshot) -> AuditReport {
    audit_with(snap, &HashSet::new())
}

/// [`audit`], knowing that the accounts in `live_elsewhere` are live Jobs or Providers of
/// *other* networks of the program. A network's snapshot holds every token account of its
/// mints, so when two networks share a mint (USDC as payment mint, say) the other network's
/// escrow and stake vaults are in it too; they are not orphans. Find the candidates with
/// [`orphan_candidates`] and look them up on the ledger.
pub fn audit_with(snap: &Snapshot, live_elsewhere: &HashSet<Pubkey>) -> AuditReport {
    let mut a = Auditor::new(snap, live_elsewhere);
    a.escrows();
    a.stakes();
    a.rewards();
    a.epochs();
    a.conservation();
    a.stuck_funds();
    AuditReport {
        network: snap.network_address.to_string(),
        slot: snap.slot,
        unix_timestamp: snap.unix_timestamp,
        summary: a.summary,
        findings: a.findings,
    }
}

/// Which vault a token account looks like, by its address and authority.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum VaultKind {
    Escrow,
    Stake,
}

/// A token account at the escrow or stake vault address of its own authority (so a vault the
/// program created), whose authority is not a live Job or Provider of the snapshot.
fn orphan_vault(
    t: &TokenAccount,
    jobs: &HashSet<Pubkey>,
    providers: &HashSet<Pubkey>,
) -> Option<VaultKind> {
    // The live vaults are recognised without deriving anything; deriving costs a few hashes
    // per account, paid only for the other accounts (users' wallets, orphans).
    if jobs.contains(&t.owner) || providers.contains(&t.owner) {
        return None;
    }
    if t.address == pda::escrow_vault(&t.owner) {
        Some(VaultKind::Escrow)
    } else if t.address == pda::stake_vault(&t.owner) {
        Some(VaultKind::Stake)
    } else {
        None
    }
}

/// Authorities of the token accounts that would be reported as orphan vaults: vault-shaped
/// accounts whose Job or Provider is not in the snapshot. A caller with ledger access looks
/// them up and passes those that are live accounts of other networks to [`audit_with`].
pub fn orphan_candidates(snap: &Snapshot) -> Vec<Pubkey> {
    let jobs: HashSet<Pubkey> = snap.jobs.iter().map(|(k, _)| *k).collect();
    let providers: HashSet<Pubkey> = snap.providers.iter().map(|(k, _)| *k).collect();
    let mut out: Vec<Pubkey> = snap
        .token_accounts
        .iter()
        .filter(|t| orphan_vault(t, &jobs, &providers).is_some())
        .map(|t| t.owner)
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Why a deadline offers no exit, if it does not: never set (≤ 0), or so far after the
/// snapshot (`now`) that no window of the program could have produced it, so it will in
/// practice never pass.
fn dead_deadline(deadline: i64, now: i64, horizon: i64) -> Option<String> {
    if deadline <= 0 {
        return Some(format!("not set ({deadline})"));
    }
    if deadline > now.saturating_add(horizon) {
        return Some(format!(
            "{deadline}, {} s after the snapshot, beyond the longest window the program grants \
             ({horizon} s)",
            deadline.saturating_sub(now)
        ));
    }
    None
}

/// Score, fee and job sums of one epoch's shards. The score is `u128` like the shards', so
/// its sum is checked: `None` once it overflows.
#[derive(Clone, Copy, Debug)]
struct ShardSums {
    score: Option<u128>,
    fees: u128,
    jobs: u128,
    shards: usize,
}

impl Default for ShardSums {
    fn default() -> Self {
        Self {
            score: Some(0),
            fees: 0,
            jobs: 0,
            shards: 0,
        }
    }
}

/// The audit in progress: the tallies and findings, and indexes over the snapshot.
struct Auditor<'a> {
    snap: &'a Snapshot,
    /// Token accounts by address (the snapshot holds a list).
    tokens: HashMap<Pubkey, &'a TokenAccount>,
    job_keys: HashSet<Pubkey>,
    provider_keys: HashSet<Pubkey>,
    live_elsewhere: &'a HashSet<Pubkey>,
    summary: Vec<InvariantSummary>,
    findings: Vec<Finding>,
}

impl<'a> Auditor<'a> {
    fn new(snap: &'a Snapshot, live_elsewhere: &'a HashSet<Pubkey>) -> Self {
        Self {
            snap,
            tokens: snap.token_accounts.iter().map(|t| (t.address, t)).collect(),
            job_keys: snap.jobs.iter().map(|(k, _)| *k).collect(),
            provider_keys: snap.providers.iter().map(|(k, _)| *k).collect(),
            live_elsewhere,
            summary: TITLES
                .iter()
                .zip(1u8..)
                .map(|(title, invariant)| InvariantSummary {
                    invariant,
                    title: (*title).to_string(),
                    checked: 0,
                    violations: 0,
                })
                .collect(),
            findings: vec![],
        }
    }

    fn tally(&mut self, invariant: u8) -> Option<&mut InvariantSummary> {
        self.summary.iter_mut().find(|s| s.invariant == invariant)
    }

    /// Counts one subject checked under `invariant`.
    fn checked(&mut self, invariant: u8) {
        if let Some(s) = self.tally(invariant) {
            s.checked = s.checked.saturating_add(1);
        }
    }

    fn violation(&mut self, invariant: u8, subject: &str, detail: String) {
        if let Some(s) = self.tally(invariant) {
            s.violations = s.violations.saturating_add(1);
        }
        self.findings.push(Finding {
            invariant,
            subject: subject.to_string(),
            ok: false,
            detail,
        });
    }

    fn note(&mut self, invariant: u8, subject: &str, detail: String) {
        self.findings.push(Finding {
            invariant,
            subject: subject.to_string(),
            ok: true,
            detail,
        });
    }

    /// The token account at `address`, with the snapshot's lifetime (so that holding it does
    /// not borrow the auditor).
    fn token(&self, address: &Pubkey) -> Option<&'a TokenAccount> {
        self.tokens.get(address).copied()
    }

    fn network_subject(&self) -> String {
        format!("network {}", self.snap.network_address)
    }

    /// Invariant 1: each live job's escrow vault exists, is of the payment mint and holds at
    /// least the escrow. The program requires only `≥` (a donation must not lock the job) and
    /// pays the surplus to the client at settlement or refund, so a surplus is a note.
    fn escrows(&mut self) {
        let snap = self.snap;
        let payment_mint = snap.network.payment_mint;
        for (address, job) in &snap.jobs {
            self.checked(1);
            let subject = format!("job {address}");
            let vault_address = pda::escrow_vault(address);
            match self.token(&vault_address) {
                None => self.violation(
                    1,
                    &subject,
                    format!(
                        "escrow vault {vault_address} missing (no token account of the network's \
                         mints there); escrowed {}",
                        job.escrowed
                    ),
                ),
                Some(v) if v.mint != payment_mint => self.violation(
                    1,
                    &subject,
                    format!(
                        "escrow vault {vault_address} is of mint {}, not the payment mint \
                         {payment_mint}",
                        v.mint
                    ),
                ),
                Some(v) if v.amount < job.escrowed => self.violation(
                    1,
                    &subject,
                    format!(
                        "escrow vault {vault_address} holds {}, job escrowed {}: short {}",
                        v.amount,
                        job.escrowed,
                        job.escrowed.abs_diff(v.amount)
                    ),
                ),
                Some(v) if v.amount > job.escrowed => self.note(
                    1,
                    &subject,
                    format!(
                        "escrow vault {vault_address} holds {} for {} escrowed: surplus {}, a \
                         donation the client receives at settlement/refund",
                        v.amount,
                        job.escrowed,
                        v.amount.abs_diff(job.escrowed)
                    ),
                ),
                Some(_) => {}
            }
        }
    }

    /// Invariant 2: each provider's stake vault exists, is of the stake mint and holds at
    /// least stake + unbonding (in `u128`: the sum of two `u64` may not fit one). A surplus is
    /// a donation, swept to the owner by `close_provider`: a note.
    fn stakes(&mut self) {
        let snap = self.snap;
        let stake_mint = snap.network.stake_mint;
        for (address, provider) in &snap.providers {
            self.checked(2);
            let subject = format!("provider {address}");
            let vault_address = pda::stake_vault(address);
            let required = u128::from(provider.stake) + u128::from(provider.unbonding);
            match self.token(&vault_address) {
                None => self.violation(
                    2,
                    &subject,
                    format!(
                        "stake vault {vault_address} missing (no token account of the network's \
                         mints there); stake {} + unbonding {}",
                        provider.stake, provider.unbonding
                    ),
                ),
                Some(v) if v.mint != stake_mint => self.violation(
                    2,
                    &subject,
                    format!(
                        "stake vault {vault_address} is of mint {}, not the stake mint \
                         {stake_mint}",
                        v.mint
                    ),
                ),
                Some(v) => {
                    let held = u128::from(v.amount);
                    if held < required {
                        self.violation(
                            2,
                            &subject,
                            format!(
                                "stake vault {vault_address} holds {held}, stake {} + unbonding \
                                 {} = {required}: short {}",
                                provider.stake,
                                provider.unbonding,
                                required.abs_diff(held)
                            ),
                        );
                    } else if held > required {
                        self.note(
                            2,
                            &subject,
                            format!(
                                "stake vault {vault_address} holds {held} for stake + unbonding \
                                 {required}: surplus {}, a donation swept to the owner at \
                                 close_provider",
                                held.abs_diff(required)
                            ),
                        );
                    }
                }
            }
        }
    }

    /// Invariant 3: claimed ≤ allocated ≤ max_total_emission, and the reward vault (stake
    /// mint) holds at least allocated − claimed, the rewards finalized epochs still owe.
    ///
    /// Also the identity behind those totals: `finalize_epoch` adds an epoch's emission to
    /// the allocated total, a claim adds the same amount to the epoch's and the network's
    /// claimed, and `close_epoch` takes the epoch's unclaimed rest off the allocated total; so
    /// allocated − claimed always equals the unclaimed emission of the epochs still open.
    fn rewards(&mut self) {
        let snap = self.snap;
        let net = &snap.network;
        let subject = self.network_subject();
        self.checked(3);
        let outstanding = net.total_allocated.checked_sub(net.total_claimed);
        if outstanding.is_none() {
            self.violation(
                3,
                &subject,
                format!(
                    "total_claimed {} exceeds total_allocated {}",
                    net.total_claimed, net.total_allocated
                ),
            );
        }
        if net.total_allocated > net.params.max_total_emission {
            self.violation(
                3,
                &subject,
                format!(
                    "total_allocated {} exceeds max_total_emission {}",
                    net.total_allocated, net.params.max_total_emission
                ),
            );
        }
        let vault_address = pda::reward_vault(&snap.network_address);
        match self.token(&vault_address) {
            None => self.violation(
                3,
                &subject,
                format!(
                    "reward vault {vault_address} missing (no token account of the network's \
                     mints there)"
                ),
            ),
            Some(v) if v.mint != net.stake_mint => self.violation(
                3,
                &subject,
                format!(
                    "reward vault {vault_address} is of mint {}, not the stake mint {}",
                    v.mint, net.stake_mint
                ),
            ),
            Some(v) => {
                if let Some(owed) = outstanding.filter(|owed| v.amount < *owed) {
                    self.violation(
                        3,
                        &subject,
                        format!(
                            "reward vault {vault_address} holds {}, allocated {} - claimed {} = \
                             {owed}: short {}",
                            v.amount,
                            net.total_allocated,
                            net.total_claimed,
                            owed.abs_diff(v.amount)
                        ),
                    );
                }
            }
        }
        if let Some(owed) = outstanding {
            // i128: an epoch with claimed > emission (an invariant-4 violation) counts
            // negative instead of breaking the sum.
            let open: i128 = snap
                .epochs
                .iter()
                .map(|(_, e)| i128::from(e.emission) - i128::from(e.claimed))
                .fold(0i128, i128::saturating_add);
            if open != i128::from(owed) {
                self.violation(
                    3,
                    &subject,
                    format!(
                        "allocated {} - claimed {} = {owed}, but the {} open epochs owe {open} \
                         (emission - claimed)",
                        net.total_allocated,
                        net.total_claimed,
                        snap.epochs.len()
                    ),
                );
            }
        }
    }

    /// Invariant 4: each finalized epoch has claimed ≤ emission, totals equal to the sums of
    /// its shards, and ended before it was finalized. Epochs not finalized yet (shards with no
    /// Epoch account, or an Epoch not marked finalized) are only counted. Nothing, shard or
    /// ProviderEpoch, may record work for an epoch after the current one.
    fn epochs(&mut self) {
        let snap = self.snap;
        let net = &snap.network;
        let current = net.current_epoch(snap.unix_timestamp).ok();
        if current.is_none() {
            let subject = self.network_subject();
            self.checked(4);
            self.violation(
                4,
                &subject,
                format!(
                    "no current epoch: snapshot time {} is before genesis {} or epoch_seconds {} \
                     is not positive",
                    snap.unix_timestamp, net.genesis_ts, net.params.epoch_seconds
                ),
            );
        }

        let mut sums: BTreeMap<u64, ShardSums> = BTreeMap::new();
        for (_, shard) in &snap.shards {
            let s = sums.entry(shard.epoch).or_default();
            s.score = s.score.and_then(|v| v.checked_add(shard.score));
            s.fees = s.fees.saturating_add(u128::from(shard.fees));
            s.jobs = s.jobs.saturating_add(u128::from(shard.jobs));
            s.shards = s.shards.saturating_add(1);
        }

        let mut finalized: HashSet<u64> = HashSet::new();
        for (address, epoch) in &snap.epochs {
            self.checked(4);
            if !epoch.finalized {
                continue;
            }
            finalized.insert(epoch.index);
            let subject = format!("epoch {} {address}", epoch.index);
            if epoch.claimed > epoch.emission {
                self.violation(
                    4,
                    &subject,
                    format!(
                        "claimed {} exceeds emission {}",
                        epoch.claimed, epoch.emission
                    ),
                );
            }
            if let Some(cur) = current.filter(|cur| epoch.index >= *cur) {
                self.violation(
                    4,
                    &subject,
                    format!(
                        "finalized although not ended: index {} ≥ current epoch {cur}",
                        epoch.index
                    ),
                );
            }
            let s = sums.get(&epoch.index).copied().unwrap_or_default();
            match s.score {
                Some(score) if score == epoch.total_score => {}
                Some(score) => self.violation(
                    4,
                    &subject,
                    format!(
                        "total_score {} but its {} shards sum to {score}",
                        epoch.total_score, s.shards
                    ),
                ),
                None => self.violation(
                    4,
                    &subject,
                    format!(
                        "total_score {} but its {} shards' scores overflow u128",
                        epoch.total_score, s.shards
                    ),
                ),
            }
            if s.fees != u128::from(epoch.total_fees) {
                self.violation(
                    4,
                    &subject,
                    format!(
                        "total_fees {} but its {} shards sum to {}",
                        epoch.total_fees, s.shards, s.fees
                    ),
                );
            }
            if s.jobs != u128::from(epoch.total_jobs) {
                self.violation(
                    4,
                    &subject,
                    format!(
                        "total_jobs {} but its {} shards sum to {}",
                        epoch.total_jobs, s.shards, s.jobs
                    ),
                );
            }
        }

        // Epochs still accumulating (or ended, waiting for `finalize_epoch`): their shards.
        for (index, s) in &sums {
            if finalized.contains(index) {
                continue;
            }
            self.checked(4);
            if let Some(cur) = current.filter(|cur| index > cur) {
                let subject = format!("epoch {index} (not finalized)");
                self.violation(
                    4,
                    &subject,
                    format!(
                        "{} shards record work for epoch {index}, after the current epoch {cur}",
                        s.shards
                    ),
                );
            }
        }

        for (address, pe) in &snap.provider_epochs {
            self.checked(4);
            if let Some(cur) = current.filter(|cur| pe.epoch > *cur) {
                let subject = format!("provider epoch {address}");
                self.violation(
                    4,
                    &subject,
                    format!(
                        "provider {} records work for epoch {}, after the current epoch {cur}",
                        pe.provider, pe.epoch
                    ),
                );
            }
        }
    }

    /// Invariant 5: for each mint, the balances of every token account of it add up to its
    /// supply. The snapshot holds every account of the mint the ledger knows, so a gap means
    /// tokens in accounts the ledger did not return, or a ledger that was edited by hand.
    fn conservation(&mut self) {
        let snap = self.snap;
        for mint in &snap.mints {
            self.checked(5);
            let (sum, count) = snap
                .token_accounts
                .iter()
                .filter(|t| t.mint == mint.address)
                .fold((0u128, 0usize), |(sum, n), t| {
                    (
                        sum.saturating_add(u128::from(t.amount)),
                        n.saturating_add(1),
                    )
                });
            let supply = u128::from(mint.supply);
            if sum != supply {
                let side = if sum > supply { "more" } else { "less" };
                self.violation(
                    5,
                    &format!("mint {}", mint.address),
                    format!(
                        "{count} token accounts hold {sum}, supply is {supply}: {} {side} than \
                         minted (tokens outside the accounts the ledger holds, or a tampered \
                         ledger)",
                        sum.abs_diff(supply)
                    ),
                );
            }
        }
    }

    /// The custody of one vault: the program moves its tokens by signing as `authority`, so
    /// any other authority strands them; a delegate or close authority lets someone move or
    /// close it outside the program's accounting; a frozen account cannot move at all.
    fn custody(&mut self, subject: &str, vault: &TokenAccount, authority: &Pubkey, who: &str) {
        self.checked(6);
        let at = vault.address;
        if vault.owner != *authority {
            self.violation(
                6,
                subject,
                format!(
                    "vault {at}: authority {} is not the {who} {authority}: the program cannot \
                     sign for it",
                    vault.owner
                ),
            );
        }
        if let Some(delegate) = vault.delegate {
            self.violation(
                6,
                subject,
                format!("vault {at}: delegate {delegate} can move its tokens outside the program"),
            );
        }
        if let Some(closer) = vault.close_authority {
            self.violation(
                6,
                subject,
                format!("vault {at}: close authority {closer} set; the program must close it"),
            );
        }
        if vault.frozen {
            self.violation(
                6,
                subject,
                format!("vault {at}: frozen: no instruction can move its tokens"),
            );
        }
    }

    /// Invariant 6: no stuck funds. Every vault is held by the PDA the program signs with and
    /// by nobody else; every live job has a deadline after which anyone can end it (and,
    /// once accepted, the Provider account that settlement and expiry both need); every
    /// provider can eventually withdraw its stake; no vault outlives its job or provider with
    /// tokens in it.
    fn stuck_funds(&mut self) {
        let snap = self.snap;
        let net = &snap.network;
        let network = snap.network_address;
        let now = snap.unix_timestamp;

        // Custody of the vaults. Missing escrow/stake/reward vaults are invariants 1–3's.
        for (address, _) in &snap.jobs {
            if let Some(v) = self.token(&pda::escrow_vault(address)) {
                self.custody(&format!("job {address}"), v, address, "Job PDA");
            }
        }
        for (address, _) in &snap.providers {
            if let Some(v) = self.token(&pda::stake_vault(address)) {
                self.custody(&format!("provider {address}"), v, address, "Provider PDA");
            }
        }
        let subject = self.network_subject();
        if let Some(v) = self.token(&pda::reward_vault(&network)) {
            self.custody(&subject, v, &network, "Network PDA");
        }
        let mut treasuries = vec![net.payment_mint];
        if net.stake_mint != net.payment_mint {
            treasuries.push(net.stake_mint);
        }
        for mint in treasuries {
            let address = pda::treasury(&network, &mint);
            match self.token(&address) {
                None => {
                    self.checked(6);
                    self.violation(
                        6,
                        &subject,
                        format!(
                            "treasury vault {address} of mint {mint} missing: fees and slashes \
                             have nowhere to go"
                        ),
                    );
                }
                Some(v) => {
                    if v.mint != mint {
                        self.violation(
                            6,
                            &subject,
                            format!("treasury vault {address} is of mint {}, not {mint}", v.mint),
                        );
                    }
                    self.custody(&subject, v, &network, "Network PDA");
                }
            }
        }

        // Every live job has an exit.
        for (address, job) in &snap.jobs {
            self.checked(6);
            let subject = format!("job {address}");
            let mut deadlines: Vec<(&str, i64)> = vec![];
            match job.state {
                JobState::Open => deadlines.push(("accept_deadline", job.accept_deadline)),
                JobState::Running => {
                    deadlines.push(("completion_deadline", job.completion_deadline));
                }
                JobState::Submitted => {
                    deadlines.push(("challenge_deadline", job.challenge_deadline));
                    if job.audit == AuditDraw::Selected {
                        deadlines.push(("vote_deadline", job.vote_deadline));
                    }
                }
                JobState::Disputed => deadlines.push(("vote_deadline", job.vote_deadline)),
            }
            for (name, deadline) in deadlines {
                if let Some(why) = dead_deadline(deadline, now, JOB_DEADLINE_HORIZON) {
                    self.violation(
                        6,
                        &subject,
                        format!(
                            "{:?} job without an exit: {name} {why}; its escrow {} cannot be \
                             settled or expired",
                            job.state, job.escrowed
                        ),
                    );
                }
            }
            if job.state != JobState::Open {
                match job.provider {
                    None => self.violation(
                        6,
                        &subject,
                        format!(
                            "{:?} job with no provider: settlement and expiry need the \
                             provider's account",
                            job.state
                        ),
                    ),
                    Some(p) if !self.provider_keys.contains(&p) => self.violation(
                        6,
                        &subject,
                        format!(
                            "{:?} job's provider {p} is not a live provider of the network: \
                             settlement and expiry need its account",
                            job.state
                        ),
                    ),
                    Some(_) => {}
                }
            }
        }

        // Every provider can get its stake out.
        let mut accepted: HashMap<Pubkey, u64> = HashMap::new();
        for (_, job) in &snap.jobs {
            if let Some(p) = job.provider.filter(|_| job.state != JobState::Open) {
                let n = accepted.entry(p).or_insert(0);
                *n = n.saturating_add(1);
            }
        }
        for (address, provider) in &snap.providers {
            self.checked(6);
            let subject = format!("provider {address}");
            if provider.unbonding > 0 {
                if let Some(why) = dead_deadline(provider.unbond_ready_at, now, MAX_UNBOND_SECONDS)
                {
                    self.violation(
                        6,
                        &subject,
                        format!(
                            "unbonding {} cannot be withdrawn: unbond_ready_at {why}",
                            provider.unbonding
                        ),
                    );
                }
            }
            // `begin_unbond` to zero and `close_provider` need `active_jobs == 0`; a count
            // that drifted from the live jobs would keep the stake in, or let the provider
            // leave while its jobs still need its account.
            let live = accepted.get(address).copied().unwrap_or(0);
            if u64::from(provider.active_jobs) != live {
                self.violation(
                    6,
                    &subject,
                    format!(
                        "active_jobs {} but {live} live jobs were accepted by it",
                        provider.active_jobs
                    ),
                );
            }
        }

        // Orphan vaults: escrow or stake vaults whose Job or Provider is gone.
        for t in &snap.token_accounts {
            let Some(kind) = orphan_vault(t, &self.job_keys, &self.provider_keys) else {
                continue;
            };
            if self.live_elsewhere.contains(&t.owner) {
                continue;
            }
            self.checked(6);
            let (what, whose) = match kind {
                VaultKind::Escrow => ("escrow", "job"),
                VaultKind::Stake => ("stake", "provider"),
            };
            let subject = format!("token account {}", t.address);
            if t.amount > 0 {
                self.violation(
                    6,
                    &subject,
                    format!(
                        "orphan {what} vault: its authority {} is not a live {whose}, so nothing \
                         can release its {} tokens",
                        t.owner, t.amount
                    ),
                );
            } else {
                self.note(
                    6,
                    &subject,
                    format!(
                        "empty orphan {what} vault (authority {} is not a live {whose}): only its \
                         rent is stranded",
                        t.owner
                    ),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accounts::MintInfo;
    use spice::constants::MAX_QUORUM;
    use spice::state::{
        Epoch, EpochShard, HardwareSpec, Job, Network, NetworkParams, Provider, ProviderEpoch,
        ProviderStats, ProviderStatus, ACCOUNT_VERSION,
    };

    const GENESIS: i64 = 1_700_000_000;
    const EPOCH_SECONDS: i64 = 3_600;
    /// Snapshot time: in epoch 3.
    const NOW: i64 = GENESIS + 3 * EPOCH_SECONDS + 10;

    /// The fixture's cast, to find accounts again in the tests.
    struct Keys {
        network: Pubkey,
        payment_mint: Pubkey,
        stake_mint: Pubkey,
        client: Pubkey,
        owner: Pubkey,
        provider: Pubkey,
        open_job: Pubkey,
        running_job: Pubkey,
    }

    fn params() -> NetworkParams {
        NetworkParams {
            min_stake: 1_000,
            unbond_seconds: 86_400,
            protocol_fee_bps: 100,
            slash_bps: 1_000,
            slash_client_share_bps: 5_000,
            max_accept_seconds: 3_600,
            max_run_seconds: 86_400,
            challenge_seconds: 3_600,
            dispute_seconds: 3_600,
            audit_rate_bps: 500,
            attestation_quorum: 2,
            epoch_seconds: EPOCH_SECONDS,
            initial_emission: 10_000,
            emission_decay_bps: 100,
            tail_emission: 100,
            max_total_emission: 1_000_000,
            m_max_bps: 20_000,
            stake_cap: 100_000,
            reward_per_fee_cap_bps: 5_000,
            shard_count: 2,
            claim_window_epochs: 4,
            max_reward_outflow_per_window: 100_000,
            outflow_window_seconds: 86_400,
        }
    }

    fn job(network: Pubkey, client: Pubkey, id: u64, escrowed: u64) -> Job {
        Job {
            version: ACCOUNT_VERSION,
            bump: 255,
            escrow_bump: 255,
            network,
            client,
            job_id: id,
            target_provider: None,
            provider: None,
            price_per_unit: 1,
            max_units: escrowed,
            escrowed,
            spec_hash: [1; 32],
            result_hash: [0; 32],
            reported_units: 0,
            state: JobState::Open,
            created_at: NOW - 100,
            created_slot: 10,
            accept_deadline: NOW + 1_000,
            run_seconds: 3_600,
            completion_deadline: 0,
            submit_slot: 0,
            challenge_deadline: 0,
            vote_deadline: 0,
            audit: AuditDraw::Pending,
            valid_votes: 0,
            invalid_votes: 0,
            valid_units: [0; MAX_QUORUM as usize],
            reserved: [0; 32],
        }
    }

    fn token(address: Pubkey, mint: Pubkey, owner: Pubkey, amount: u64) -> TokenAccount {
        TokenAccount {
            address,
            mint,
            owner,
            amount,
            delegate: None,
            close_authority: None,
            frozen: false,
            token_program: anchor_spl::token::ID,
        }
    }

    /// A consistent network: two mints, one provider (stake 5 000, unbonding 200) running one
    /// job, one open job, a finalized epoch 1 with two shards, epoch 2 waiting for
    /// finalization, the provider's work in epoch 2, funded reward vault and treasuries, and
    /// the users' wallets; mint supplies equal the balances.
    fn fixture() -> (Snapshot, Keys) {
        let creator = Pubkey::new_unique();
        let network = pda::network(&creator, 7);
        let payment_mint = Pubkey::new_unique();
        let stake_mint = Pubkey::new_unique();
        let client = Pubkey::new_unique();
        let owner = Pubkey::new_unique();
        let provider = pda::provider(&network, &owner);
        let open_job = pda::job(&network, &client, 1);
        let running_job = pda::job(&network, &client, 2);

        let net = Network {
            version: ACCOUNT_VERSION,
            bump: 255,
            reward_vault_bump: 255,
            payment_treasury_bump: 255,
            stake_treasury_bump: 255,
            creator,
            id: 7,
            authority: creator,
            pending_authority: None,
            payment_mint,
            stake_mint,
            payment_token_program: anchor_spl::token::ID,
            stake_token_program: anchor_spl::token::ID,
            params: params(),
            paused: 0,
            genesis_ts: GENESIS,
            // Epoch 0 (closed) allocated 50 and paid 50; epoch 1 allocated 100, paid 40.
            total_allocated: 150,
            total_claimed: 90,
            outflow_window_start: NOW - 10,
            outflow_in_window: 40,
            attestor_count: 0,
            reserved: [0; 64],
        };

        let prov = Provider {
            version: ACCOUNT_VERSION,
            bump: 255,
            stake_vault_bump: 255,
            network,
            owner,
            status: ProviderStatus::Active,
            stake: 5_000,
            unbonding: 200,
            unbond_ready_at: NOW + 3_600,
            hardware: HardwareSpec {
                gpu_model: "H100-SXM".into(),
                gpu_count: 8,
                vram_gb: 80,
                region: "eu-west".into(),
                metadata_hash: [2; 32],
                metadata_uri: "https://example.org/p.json".into(),
            },
            stats: ProviderStats {
                jobs_accepted: 4,
                jobs_completed: 3,
                ..ProviderStats::default()
            },
            active_jobs: 1,
            registered_at: GENESIS,
            reserved: [0; 32],
        };

        let open = job(network, client, 1, 500);
        let mut running = job(network, client, 2, 300);
        running.state = JobState::Running;
        running.provider = Some(provider);
        running.completion_deadline = NOW + 3_000;

        let epoch1 = Epoch {
            version: ACCOUNT_VERSION,
            bump: 255,
            network,
            index: 1,
            finalized: true,
            emission: 100,
            shortfall: 0,
            total_score: 30,
            total_fees: 7,
            total_jobs: 3,
            claimed: 40,
            payer: owner,
            finalized_at: GENESIS + 2 * EPOCH_SECONDS + 5,
            reserved: [0; 32],
        };
        let shard = |epoch: u64, shard: u8, score: u128, fees: u64, jobs: u64| {
            (
                pda::epoch_shard(&network, epoch, shard),
                EpochShard {
                    version: ACCOUNT_VERSION,
                    bump: 255,
                    network,
                    epoch,
                    shard,
                    score,
                    fees,
                    jobs,
                    payer: owner,
                },
            )
        };
        let pe = ProviderEpoch {
            version: ACCOUNT_VERSION,
            bump: 255,
            network,
            provider,
            epoch: 2,
            score: 5,
            fees: 1,
            jobs: 1,
            payer: owner,
        };

        let mut tokens = vec![
            token(pda::escrow_vault(&open_job), payment_mint, open_job, 500),
            token(
                pda::escrow_vault(&running_job),
                payment_mint,
                running_job,
                300,
            ),
            token(pda::stake_vault(&provider), stake_mint, provider, 5_200),
            token(pda::reward_vault(&network), stake_mint, network, 1_000),
            token(
                pda::treasury(&network, &payment_mint),
                payment_mint,
                network,
                10,
            ),
            token(
                pda::treasury(&network, &stake_mint),
                stake_mint,
                network,
                20,
            ),
            token(Pubkey::new_unique(), payment_mint, client, 2_000),
            token(Pubkey::new_unique(), stake_mint, owner, 3_000),
            token(Pubkey::new_unique(), payment_mint, owner, 0),
        ];
        tokens.sort_by_key(|t| t.address);

        let mut snap = Snapshot {
            network_address: network,
            network: net,
            unix_timestamp: NOW,
            slot: 1_234,
            providers: vec![(provider, prov)],
            jobs: vec![(open_job, open), (running_job, running)],
            attestors: vec![],
            attestations: vec![],
            epochs: vec![(pda::epoch(&network, 1), epoch1)],
            shards: vec![
                shard(1, 0, 10, 2, 1),
                shard(1, 1, 20, 5, 2),
                shard(2, 0, 5, 1, 1),
            ],
            provider_epochs: vec![(pda::provider_epoch(&provider, 2), pe)],
            mints: vec![mint(payment_mint), mint(stake_mint)],
            token_accounts: tokens,
        };
        resupply(&mut snap);
        let keys = Keys {
            network,
            payment_mint,
            stake_mint,
            client,
            owner,
            provider,
            open_job,
            running_job,
        };
        (snap, keys)
    }

    fn mint(address: Pubkey) -> MintInfo {
        MintInfo {
            address,
            supply: 0,
            decimals: 6,
            token_program: anchor_spl::token::ID,
            mint_authority: None,
        }
    }

    /// Sets each mint's supply to the sum of its balances (invariant 5 holds).
    fn resupply(snap: &mut Snapshot) {
        for m in &mut snap.mints {
            m.supply = snap
                .token_accounts
                .iter()
                .filter(|t| t.mint == m.address)
                .map(|t| t.amount)
                .sum();
        }
    }

    fn account<'s>(snap: &'s mut Snapshot, address: &Pubkey) -> &'s mut TokenAccount {
        snap.token_accounts
            .iter_mut()
            .find(|t| t.address == *address)
            .expect("token account in fixture")
    }

    /// The wallet of `owner` in `mint`.
    fn wallet<'s>(snap: &'s mut Snapshot, owner: &Pubkey, mint: &Pubkey) -> &'s mut TokenAccount {
        snap.token_accounts
            .iter_mut()
            .find(|t| t.owner == *owner && t.mint == *mint)
            .expect("wallet in fixture")
    }

    /// Moves `amount` between two token accounts of one mint (conservation still holds).
    fn move_tokens(snap: &mut Snapshot, from: &Pubkey, to: &Pubkey, amount: u64) {
        account(snap, from).amount -= amount;
        account(snap, to).amount += amount;
    }

    fn wallet_address(snap: &mut Snapshot, owner: &Pubkey, mint: &Pubkey) -> Pubkey {
        wallet(snap, owner, mint).address
    }

    fn counts(r: &AuditReport) -> Vec<usize> {
        r.summary.iter().map(|s| s.violations).collect()
    }

    /// Exactly `n` violations, all of `invariant`; prints the table when not.
    fn assert_only(r: &AuditReport, invariant: u8, n: usize) {
        let mut expected = vec![0; 6];
        expected[usize::from(invariant) - 1] = n;
        assert_eq!(counts(r), expected, "{}", r.table());
        assert!(!r.passed());
        assert_eq!(r.violations_of(invariant).count(), n);
    }

    fn detail_of(r: &AuditReport, invariant: u8) -> String {
        r.violations_of(invariant)
            .map(|f| f.detail.clone())
            .collect::<Vec<_>>()
            .join(" | ")
    }

    #[test]
    fn consistent_snapshot_passes_every_invariant() {
        let (snap, _) = fixture();
        let r = audit(&snap);
        assert!(r.passed(), "{}", r.table());
        assert_eq!(r.summary.len(), 6);
        let checked: Vec<usize> = r.summary.iter().map(|s| s.checked).collect();
        // 2 jobs; 1 provider; the network; epoch 1, epoch 2 (shards only), 1 provider epoch;
        // 2 mints; 6 vaults + 2 jobs + 1 provider.
        assert_eq!(checked, vec![2, 1, 1, 3, 2, 9]);
        assert_eq!(r.findings, vec![]);
        assert_eq!(r.network, snap.network_address.to_string());
        assert_eq!((r.slot, r.unix_timestamp), (1_234, NOW));
    }

    #[test]
    fn empty_snapshot_still_summarizes_six_invariants() {
        let (mut snap, _) = fixture();
        snap.jobs.clear();
        snap.providers.clear();
        snap.epochs.clear();
        snap.shards.clear();
        snap.provider_epochs.clear();
        snap.mints.clear();
        snap.token_accounts.clear();
        let r = audit(&snap);
        let invariants: Vec<u8> = r.summary.iter().map(|s| s.invariant).collect();
        assert_eq!(invariants, vec![1, 2, 3, 4, 5, 6]);
        assert!(r.summary.iter().all(|s| !s.title.is_empty()));
        // No reward vault, no treasuries, and the totals owe 60 with no open epoch.
        assert_eq!(counts(&r), vec![0, 0, 2, 0, 0, 2], "{}", r.table());
    }

    #[test]
    fn inv1_short_escrow_is_a_violation() {
        let (mut snap, k) = fixture();
        let to = wallet_address(&mut snap, &k.client, &k.payment_mint);
        move_tokens(&mut snap, &pda::escrow_vault(&k.open_job), &to, 1);
        let r = audit(&snap);
        assert_only(&r, 1, 1);
        assert!(detail_of(&r, 1).contains("holds 499, job escrowed 500: short 1"));
        assert_eq!(
            r.violations_of(1).next().map(|f| f.subject.clone()),
            Some(format!("job {}", k.open_job))
        );
    }

    #[test]
    fn inv1_missing_or_wrong_mint_escrow_is_a_violation() {
        let (mut snap, k) = fixture();
        let vault = pda::escrow_vault(&k.running_job);
        snap.token_accounts.retain(|t| t.address != vault);
        resupply(&mut snap);
        let r = audit(&snap);
        assert_only(&r, 1, 1);
        assert!(detail_of(&r, 1).contains("missing"));

        let (mut snap, k) = fixture();
        account(&mut snap, &pda::escrow_vault(&k.running_job)).mint = k.stake_mint;
        resupply(&mut snap);
        let r = audit(&snap);
        assert_only(&r, 1, 1);
        assert!(detail_of(&r, 1).contains("not the payment mint"));
    }

    #[test]
    fn inv1_donated_surplus_is_a_note_not_a_violation() {
        let (mut snap, k) = fixture();
        let from = wallet_address(&mut snap, &k.client, &k.payment_mint);
        move_tokens(&mut snap, &from, &pda::escrow_vault(&k.open_job), 25);
        let r = audit(&snap);
        assert!(r.passed(), "{}", r.table());
        let notes: Vec<&Finding> = r.notes().collect();
        assert_eq!(notes.len(), 1);
        assert_eq!(notes[0].invariant, 1);
        assert_eq!(notes[0].subject, format!("job {}", k.open_job));
        assert!(notes[0]
            .detail
            .contains("surplus 25, a donation the client receives at settlement/refund"));
        assert!(r.table().contains("surplus 25"));
    }

    #[test]
    fn inv2_short_stake_vault_is_a_violation() {
        let (mut snap, k) = fixture();
        let to = wallet_address(&mut snap, &k.owner, &k.stake_mint);
        move_tokens(&mut snap, &pda::stake_vault(&k.provider), &to, 1);
        let r = audit(&snap);
        assert_only(&r, 2, 1);
        assert!(detail_of(&r, 2).contains("= 5200: short 1"));
    }

    #[test]
    fn inv2_surplus_is_a_note_and_u128_sum_does_not_overflow() {
        let (mut snap, k) = fixture();
        let from = wallet_address(&mut snap, &k.owner, &k.stake_mint);
        move_tokens(&mut snap, &from, &pda::stake_vault(&k.provider), 7);
        let r = audit(&snap);
        assert!(r.passed(), "{}", r.table());
        assert!(r
            .notes()
            .any(|f| f.invariant == 2 && f.detail.contains("surplus 7")));

        // stake + unbonding past u64: a shortfall, not a panic.
        let (mut snap, _) = fixture();
        snap.providers[0].1.stake = u64::MAX;
        snap.providers[0].1.unbonding = 1;
        let r = audit(&snap);
        assert_eq!(r.violations_of(2).count(), 1, "{}", r.table());
        assert!(detail_of(&r, 2).contains("18446744073709551616"));
    }

    #[test]
    fn inv3_reward_vault_short_of_outstanding_is_a_violation() {
        let (mut snap, k) = fixture();
        // Outstanding is 60; leave 59.
        let to = wallet_address(&mut snap, &k.owner, &k.stake_mint);
        move_tokens(&mut snap, &pda::reward_vault(&k.network), &to, 941);
        let r = audit(&snap);
        assert_only(&r, 3, 1);
        assert!(detail_of(&r, 3).contains("= 60: short 1"));
    }

    #[test]
    fn inv3_crossed_totals_are_violations_not_panics() {
        let (mut snap, _) = fixture();
        snap.network.total_claimed = snap.network.total_allocated + 1;
        let r = audit(&snap);
        assert_only(&r, 3, 1);
        assert!(detail_of(&r, 3).contains("exceeds total_allocated"));

        let (mut snap, _) = fixture();
        snap.network.params.max_total_emission = 149;
        let r = audit(&snap);
        assert_only(&r, 3, 1);
        assert!(detail_of(&r, 3).contains("exceeds max_total_emission"));

        // Allocated total that no open epoch accounts for.
        let (mut snap, _) = fixture();
        snap.network.total_allocated += 5;
        let r = audit(&snap);
        assert_only(&r, 3, 1);
        assert!(detail_of(&r, 3).contains("open epochs owe 60"));

        let (mut snap, _) = fixture();
        snap.network.total_claimed = u64::MAX;
        snap.network.total_allocated = u64::MAX;
        snap.network.params.max_total_emission = 0;
        let r = audit(&snap);
        assert!(r.violations_of(3).count() >= 1, "{}", r.table());
    }

    #[test]
    fn inv4_shard_sums_must_equal_epoch_totals() {
        let (mut snap, _) = fixture();
        snap.shards[1].1.score += 1;
        snap.shards[1].1.fees += 1;
        snap.shards[1].1.jobs += 1;
        let r = audit(&snap);
        assert_only(&r, 4, 3);
        let d = detail_of(&r, 4);
        assert!(
            d.contains("total_score 30 but its 2 shards sum to 31"),
            "{d}"
        );
        assert!(d.contains("total_fees 7"), "{d}");
        assert!(d.contains("total_jobs 3"), "{d}");

        // Shard scores overflowing u128: a violation, not a panic.
        let (mut snap, _) = fixture();
        snap.shards[0].1.score = u128::MAX;
        let r = audit(&snap);
        assert_only(&r, 4, 1);
        assert!(detail_of(&r, 4).contains("overflow"));
    }

    #[test]
    fn inv4_claimed_above_emission_is_a_violation() {
        let (mut snap, k) = fixture();
        // Over-claim epoch 1 by 1 (61 more claimed), and keep allocated − claimed equal to
        // what the open epochs owe (invariant 3) with an epoch 0 that still owes 61.
        snap.epochs[0].1.claimed = 101;
        let mut epoch0 = Epoch {
            index: 0,
            emission: 61,
            claimed: 0,
            total_score: 0,
            total_fees: 0,
            total_jobs: 0,
            ..snap.epochs[0].1.clone()
        };
        epoch0.finalized = true;
        snap.epochs.push((pda::epoch(&k.network, 0), epoch0));
        snap.network.total_claimed += 61;
        snap.network.total_allocated += 61;
        let r = audit(&snap);
        assert_only(&r, 4, 1);
        assert!(detail_of(&r, 4).contains("claimed 101 exceeds emission 100"));
    }

    #[test]
    fn inv4_work_recorded_for_a_future_epoch_is_a_violation() {
        let (mut snap, _) = fixture();
        snap.provider_epochs[0].1.epoch = 4;
        let r = audit(&snap);
        assert_only(&r, 4, 1);
        assert!(detail_of(&r, 4).contains("after the current epoch 3"));

        // An epoch finalized before it ended.
        let (mut snap, _) = fixture();
        snap.epochs[0].1.index = 3;
        snap.shards[0].1.epoch = 3;
        snap.shards[1].1.epoch = 3;
        let r = audit(&snap);
        assert_only(&r, 4, 1);
        assert!(detail_of(&r, 4).contains("not ended"));

        // A snapshot before genesis: no current epoch, a violation rather than a panic.
        let (mut snap, _) = fixture();
        snap.network.genesis_ts = NOW + 1;
        let r = audit(&snap);
        assert_eq!(r.violations_of(4).count(), 1, "{}", r.table());
        assert!(detail_of(&r, 4).contains("before genesis"));
    }

    #[test]
    fn inv4_unfinalized_epochs_are_only_counted() {
        let (mut snap, _) = fixture();
        snap.epochs[0].1.finalized = false;
        snap.epochs[0].1.total_score = 999;
        let r = audit(&snap);
        assert!(r.passed(), "{}", r.table());
    }

    #[test]
    fn inv5_supply_mismatch_is_a_violation() {
        let (mut snap, k) = fixture();
        // Tokens minted into an account the ledger did not return.
        snap.mints[1].supply += 3;
        let r = audit(&snap);
        assert_only(&r, 5, 1);
        let f = r.violations_of(5).next().cloned();
        assert_eq!(
            f.as_ref().map(|f| f.subject.clone()),
            Some(format!("mint {}", k.stake_mint))
        );
        assert!(detail_of(&r, 5).contains("3 less than minted"));

        // A balance edited in place.
        let (mut snap, k) = fixture();
        wallet(&mut snap, &k.client, &k.payment_mint).amount += 1;
        let r = audit(&snap);
        assert_only(&r, 5, 1);
        assert!(detail_of(&r, 5).contains("1 more than minted"));
    }

    #[test]
    fn inv6_vault_custody_violations() {
        let (mut snap, k) = fixture();
        let escrow = pda::escrow_vault(&k.open_job);
        let intruder = Pubkey::new_unique();
        account(&mut snap, &escrow).delegate = Some(intruder);
        account(&mut snap, &pda::stake_vault(&k.provider)).frozen = true;
        account(&mut snap, &pda::reward_vault(&k.network)).close_authority = Some(intruder);
        account(&mut snap, &pda::treasury(&k.network, &k.payment_mint)).owner = intruder;
        let r = audit(&snap);
        assert_only(&r, 6, 4);
        let d = detail_of(&r, 6);
        assert!(d.contains(&format!("delegate {intruder}")), "{d}");
        assert!(d.contains("frozen"), "{d}");
        assert!(d.contains("close authority"), "{d}");
        assert!(
            d.contains(&format!("authority {intruder} is not the Network PDA")),
            "{d}"
        );

        let (mut snap, k) = fixture();
        let treasury = pda::treasury(&k.network, &k.stake_mint);
        snap.token_accounts.retain(|t| t.address != treasury);
        resupply(&mut snap);
        let r = audit(&snap);
        assert_only(&r, 6, 1);
        assert!(detail_of(&r, 6).contains("treasury vault"));
    }

    #[test]
    fn inv6_live_jobs_need_an_exit() {
        let (mut snap, _) = fixture();
        snap.jobs[0].1.accept_deadline = 0;
        snap.jobs[1].1.completion_deadline = 0;
        let r = audit(&snap);
        assert_only(&r, 6, 2);
        let d = detail_of(&r, 6);
        assert!(d.contains("accept_deadline not set"), "{d}");
        assert!(d.contains("completion_deadline not set"), "{d}");

        // Submitted and selected for audit: the vote deadline is its exit too.
        let (mut snap, k) = fixture();
        let running = snap
            .jobs
            .iter_mut()
            .find(|(a, _)| *a == k.running_job)
            .map(|(_, j)| j)
            .expect("running job");
        running.state = JobState::Submitted;
        running.challenge_deadline = NOW + 100;
        running.audit = AuditDraw::Selected;
        running.vote_deadline = NOW + JOB_DEADLINE_HORIZON + 1;
        let r = audit(&snap);
        assert_only(&r, 6, 1);
        assert!(detail_of(&r, 6).contains("vote_deadline"));

        // Disputed with a vote deadline: fine.
        let (mut snap, k) = fixture();
        if let Some((_, j)) = snap.jobs.iter_mut().find(|(a, _)| *a == k.running_job) {
            j.state = JobState::Disputed;
            j.challenge_deadline = NOW + 100;
            j.vote_deadline = NOW + 200;
        }
        assert!(audit(&snap).passed());

        // A running job whose provider is gone can neither settle nor expire.
        let (mut snap, k) = fixture();
        snap.providers.clear();
        let stake_vault = pda::stake_vault(&k.provider);
        snap.token_accounts.retain(|t| t.address != stake_vault);
        resupply(&mut snap);
        let r = audit(&snap);
        assert_only(&r, 6, 1);
        assert!(detail_of(&r, 6).contains("is not a live provider"));
    }

    #[test]
    fn inv6_providers_need_a_way_out() {
        let (mut snap, _) = fixture();
        snap.providers[0].1.unbond_ready_at = 0;
        let r = audit(&snap);
        assert_only(&r, 6, 1);
        assert!(detail_of(&r, 6).contains("unbond_ready_at not set"));

        let (mut snap, _) = fixture();
        snap.providers[0].1.active_jobs = 2;
        let r = audit(&snap);
        assert_only(&r, 6, 1);
        assert!(detail_of(&r, 6).contains("active_jobs 2 but 1 live jobs"));
    }

    #[test]
    fn inv6_orphan_vault_with_tokens_is_a_violation() {
        let (mut snap, k) = fixture();
        // The escrow vault of a job that closed without emptying it.
        let gone = pda::job(&k.network, &k.client, 99);
        let orphan = pda::escrow_vault(&gone);
        snap.token_accounts
            .push(token(orphan, k.payment_mint, gone, 42));
        resupply(&mut snap);
        let r = audit(&snap);
        assert_only(&r, 6, 1);
        let f = r.violations_of(6).next().cloned();
        assert_eq!(
            f.map(|f| f.subject),
            Some(format!("token account {orphan}"))
        );
        assert!(detail_of(&r, 6).contains("orphan escrow vault"));
        assert_eq!(orphan_candidates(&snap), vec![gone]);

        // A live job of another network sharing the mint is not an orphan.
        let elsewhere: HashSet<Pubkey> = [gone].into_iter().collect();
        assert!(audit_with(&snap, &elsewhere).passed());

        // Empty: a note only.
        account(&mut snap, &orphan).amount = 0;
        resupply(&mut snap);
        let r = audit(&snap);
        assert!(r.passed(), "{}", r.table());
        assert!(r
            .notes()
            .any(|f| f.invariant == 6 && f.detail.contains("empty orphan")));

        // An orphan stake vault.
        let (mut snap, k) = fixture();
        let gone = pda::provider(&k.network, &Pubkey::new_unique());
        snap.token_accounts
            .push(token(pda::stake_vault(&gone), k.stake_mint, gone, 1));
        resupply(&mut snap);
        let r = audit(&snap);
        assert_only(&r, 6, 1);
        assert!(detail_of(&r, 6).contains("orphan stake vault"));
    }

    #[test]
    fn table_shows_rows_subjects_and_verdict() {
        let (snap, k) = fixture();
        let t = audit(&snap).table();
        assert_eq!(t.matches("PASS").count(), 6, "{t}");
        assert!(t.contains(&k.network.to_string()), "{t}");
        assert!(t.ends_with("audit passed"), "{t}");

        let (mut snap, k) = fixture();
        let to = wallet_address(&mut snap, &k.client, &k.payment_mint);
        move_tokens(&mut snap, &pda::escrow_vault(&k.running_job), &to, 300);
        let r = audit(&snap);
        let t = r.table();
        assert!(t.contains("FAIL"), "{t}");
        assert_eq!(t.matches("PASS").count(), 5, "{t}");
        assert!(t.contains(&format!("[1] job {}:", k.running_job)), "{t}");
        assert!(t.ends_with("audit FAILED: 1 violation(s)"), "{t}");
        // The JSON report carries the same.
        let json = serde_json::to_value(&r).expect("serializes");
        assert_eq!(json["summary"].as_array().map(Vec::len), Some(6));
        assert_eq!(json["findings"][0]["ok"], serde_json::Value::Bool(false));
    }
}
