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
//! - a missing escrow, payouts, stake or reward vault is reported once, by the invariant about
//!   its balance (1, 2, 3); invariant 6 checks the custody of the vaults that exist (and the
//!   existence of the treasuries, which no other invariant covers);
//! - the program tolerates donations (tokens sent straight to a vault): a surplus is a note
//!   (`ok == true`), never a violation.

use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt::Write as _;

use anchor_lang::prelude::Pubkey;
use serde::Serialize;
use spice::constants::{EPOCHS_PER_PAGE, MAX_JOB_WINDOW_SECONDS, MAX_UNBOND_SECONDS};
use spice::state::{
    first_epoch_of, page_of, AuditDraw, EpochBook, EpochEntry, EpochStatus, JobState, ProviderEntry,
};

use crate::accounts::{Snapshot, TokenAccount};
use crate::pda;

/// Short titles of invariants 1..=6, in order (the `summary` always has all six).
const TITLES: [&str; 6] = [
    "escrow and payouts vaults cover what they owe",
    "stake vaults cover stake + unbonding",
    "reward vault covers allocated - claimed",
    "epoch books are consistent",
    "tokens conserved per mint",
    "no stuck funds",
];

/// Latest a job deadline can lie after any moment the program wrote it: the vote deadline of
/// an audit-selected job is the end of the challenge window (≤ one window after submission)
/// plus the dispute window, each bounded by `MAX_JOB_WINDOW_SECONDS` (the job's terms are
/// fixed at creation, inside those bounds). Anything later is a deadline that will in practice
/// never pass, so the job could never expire.
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
    a.payouts();
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

/// The first and last epoch of book page `page`, if they fit `u64` (a page the program
/// created always does: its number is `page_of` of an epoch index).
fn page_epochs(page: u64) -> Option<(u64, u64)> {
    let first = first_epoch_of(page).ok()?;
    Some((first, first.checked_add(EPOCHS_PER_PAGE - 1)?))
}

/// Sum of `u64` amounts in `u128` (saturating: a slice of `u64`s would need 2^64 of them).
fn sum_u64(values: impl Iterator<Item = u64>) -> u128 {
    values.fold(0u128, |acc, v| acc.saturating_add(u128::from(v)))
}

/// A score sum for a message.
fn show_score(score: Option<u128>) -> String {
    score.map_or_else(
        || "more than u128::MAX (overflow)".to_string(),
        |s| s.to_string(),
    )
}

/// Work tallied for one epoch, by its shards or by the providers' book entries: the score
/// (`u128` like the accounts', so its sum is checked: `None` once it overflows), the counted
/// value, the fees and the jobs, and how many accounts or entries were summed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct WorkSums {
    score: Option<u128>,
    weight: Option<u128>,
    value: u128,
    fees: u128,
    jobs: u128,
    count: usize,
}

impl Default for WorkSums {
    fn default() -> Self {
        Self {
            score: Some(0),
            weight: Some(0),
            value: 0,
            fees: 0,
            jobs: 0,
            count: 0,
        }
    }
}

impl WorkSums {
    fn add(&mut self, score: u128, weight: u128, value: u128, fees: u128, jobs: u64) {
        self.score = self.score.and_then(|s| s.checked_add(score));
        self.weight = self.weight.and_then(|w| w.checked_add(weight));
        self.value = self.value.saturating_add(value);
        self.fees = self.fees.saturating_add(fees);
        self.jobs = self.jobs.saturating_add(u128::from(jobs));
        self.count = self.count.saturating_add(1);
    }
}

/// One epoch's entries in the providers' book pages: their work, what they were paid, and
/// (for a finalized epoch) the sum of their rewards, `None` once one could not be computed.
#[derive(Clone, Copy, Debug)]
struct BookSums {
    work: WorkSums,
    paid: u128,
    rewards: Option<u128>,
}

impl Default for BookSums {
    fn default() -> Self {
        Self {
            work: WorkSums::default(),
            paid: 0,
            rewards: Some(0),
        }
    }
}

/// Whether an epoch entry was finalized (Open or Closed).
fn finalized(entry: &EpochEntry) -> bool {
    entry.status != EpochStatus::Pending
}

/// The audit in progress: the tallies and findings, and indexes over the snapshot.
struct Auditor<'a> {
    snap: &'a Snapshot,
    /// Token accounts by address (the snapshot holds a list).
    tokens: HashMap<Pubkey, &'a TokenAccount>,
    job_keys: HashSet<Pubkey>,
    provider_keys: HashSet<Pubkey>,
    /// Wallets with a Client record on the network.
    client_wallets: HashSet<Pubkey>,
    /// The epoch book pages, one per page number (the first by address when several claim
    /// the same number)...
    epoch_books: Vec<&'a (Pubkey, EpochBook)>,
    /// ...and the others: (address, page, address of the page kept).
    duplicate_pages: Vec<(Pubkey, u64, Pubkey)>,
    live_elsewhere: &'a HashSet<Pubkey>,
    summary: Vec<InvariantSummary>,
    findings: Vec<Finding>,
}

impl<'a> Auditor<'a> {
    fn new(snap: &'a Snapshot, live_elsewhere: &'a HashSet<Pubkey>) -> Self {
        let mut kept: HashMap<u64, Pubkey> = HashMap::new();
        let mut epoch_books = vec![];
        let mut duplicate_pages = vec![];
        for page in &snap.epoch_books {
            let (address, book) = page;
            match kept.entry(book.page) {
                Entry::Occupied(o) => duplicate_pages.push((*address, book.page, *o.get())),
                Entry::Vacant(v) => {
                    v.insert(*address);
                    epoch_books.push(page);
                }
            }
        }
        Self {
            snap,
            tokens: snap.token_accounts.iter().map(|t| (t.address, t)).collect(),
            job_keys: snap.jobs.iter().map(|(k, _)| *k).collect(),
            provider_keys: snap.providers.iter().map(|(k, _)| *k).collect(),
            client_wallets: snap.clients.iter().map(|(_, c)| c.client).collect(),
            epoch_books,
            duplicate_pages,
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

    /// The payouts vaults of the network: one per mint (one in all on a one-mint network).
    fn payout_mints(&self) -> Vec<Pubkey> {
        let net = &self.snap.network;
        let mut mints = vec![net.payment_mint];
        if net.stake_mint != net.payment_mint {
            mints.push(net.stake_mint);
        }
        mints
    }

    /// Invariant 1, escrows: each live job's escrow vault exists, is of the payment mint and
    /// holds at least the escrow. The program requires only `≥` (a donation must not lock the
    /// job) and pays the surplus to the client at settlement or refund, so a surplus is a note.
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

    /// Invariant 1, payouts: each payouts vault (`["payouts", network, mint]`) exists, is of
    /// its mint and holds at least what the program owes in that mint to payees whose token
    /// accounts refused a payout: the payment-mint vault the providers' and the clients'
    /// `owed_payment`, the stake-mint vault the clients' `owed_stake` (on a one-mint network the
    /// one vault owes all three). Sums in `u128`. Nothing collects a donation: a surplus stays
    /// in the vault, a note.
    fn payouts(&mut self) {
        let snap = self.snap;
        let net = &snap.network;
        let providers = sum_u64(snap.providers.iter().map(|(_, p)| p.owed_payment));
        let clients_payment = sum_u64(snap.clients.iter().map(|(_, c)| c.owed_payment));
        let clients_stake = sum_u64(snap.clients.iter().map(|(_, c)| c.owed_stake));
        let payment = format!(
            "providers' owed_payment {providers} + clients' owed_payment {clients_payment}"
        );
        let stake = format!("clients' owed_stake {clients_stake}");
        let payment_owed = providers.saturating_add(clients_payment);
        let owed: Vec<(Pubkey, u128, String)> = if net.stake_mint == net.payment_mint {
            vec![(
                net.payment_mint,
                payment_owed.saturating_add(clients_stake),
                format!("{payment} + {stake}"),
            )]
        } else {
            vec![
                (net.payment_mint, payment_owed, payment),
                (net.stake_mint, clients_stake, stake),
            ]
        };
        let subject = self.network_subject();
        for (mint, owed, parts) in owed {
            self.checked(1);
            let vault_address = pda::payouts(&snap.network_address, &mint);
            match self.token(&vault_address) {
                None => self.violation(
                    1,
                    &subject,
                    format!(
                        "payouts vault {vault_address} of mint {mint} missing (no token account \
                         of the network's mints there); owed {parts} = {owed}"
                    ),
                ),
                Some(v) if v.mint != mint => self.violation(
                    1,
                    &subject,
                    format!(
                        "payouts vault {vault_address} is of mint {}, not {mint}",
                        v.mint
                    ),
                ),
                Some(v) => {
                    let held = u128::from(v.amount);
                    if held < owed {
                        self.violation(
                            1,
                            &subject,
                            format!(
                                "payouts vault {vault_address} of mint {mint} holds {held}, owed \
                                 {parts} = {owed}: short {}",
                                owed.abs_diff(held)
                            ),
                        );
                    } else if held > owed {
                        self.note(
                            1,
                            &subject,
                            format!(
                                "payouts vault {vault_address} of mint {mint} holds {held} for \
                                 {owed} owed: surplus {}, a donation no payee is owed (it stays \
                                 in the vault)",
                                held.abs_diff(owed)
                            ),
                        );
                    }
                }
            }
        }
    }

    /// Invariant 2: each provider's stake vault exists, is of the stake mint and holds at
    /// least stake + unbonding (in `u128`: the sum of two `u64` may not fit one). A surplus is
    /// a donation, swept to the owner by `close_provider`: a note. An idle provider
    /// (`active_jobs == 0`) locks nothing: `locked == 0` and `exposure == 0`. (The lock may
    /// exceed the holdings: a slash takes at most what the vault holds.)
    fn stakes(&mut self) {
        let snap = self.snap;
        let stake_mint = snap.network.stake_mint;
        for (address, provider) in &snap.providers {
            self.checked(2);
            let subject = format!("provider {address}");
            if provider.active_jobs == 0 && (provider.locked != 0 || provider.exposure != 0) {
                self.violation(
                    2,
                    &subject,
                    format!(
                        "idle (active_jobs 0) but locked {}, exposure {}: no job backs them, and \
                         the lock keeps stake from being withdrawn",
                        provider.locked, provider.exposure
                    ),
                );
            }
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
    /// Also the identity behind those totals: `finalize_epoch` adds an epoch's allocation to
    /// the allocated total, a claim adds the same amount to the epoch's and the network's
    /// claimed, and `close_epoch` takes the epoch's unclaimed rest off the allocated total; so
    /// allocated − claimed always equals Σ (allocated − claimed) over the Open epoch entries.
    /// Every page holding an Open entry is in the snapshot (a page closes only once all its
    /// epochs are Closed), so a difference is a violation.
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
            // i128: an entry with claimed > allocated (an invariant-4 violation) counts
            // negative instead of breaking the sum.
            let (open, count) = self
                .epoch_books
                .iter()
                .flat_map(|(_, book)| book.entries.iter())
                .filter(|e| e.status == EpochStatus::Open)
                .fold((0i128, 0usize), |(sum, n), e| {
                    (
                        sum.saturating_add(i128::from(e.allocated) - i128::from(e.claimed)),
                        n.saturating_add(1),
                    )
                });
            if open != i128::from(owed) {
                self.violation(
                    3,
                    &subject,
                    format!(
                        "allocated {} - claimed {} = {owed}, but the {count} open epochs owe \
                         {open} (allocated - claimed)",
                        net.total_allocated, net.total_claimed
                    ),
                );
            }
        }
    }

    /// Invariant 4: the epoch books are consistent with each other, with the shards and with
    /// the providers' books.
    ///
    /// - each finalized entry (Open or Closed) has claimed ≤ allocated ≤ emission, and a
    ///   `finalized_at` and a `claim_deadline` no earlier than the epoch's end
    ///   (genesis + (index + 1) · epoch_seconds). Finalization summed its shards into it, and
    ///   `close_epoch_shard` closes them one by one, counting `open_shards` down: exactly
    ///   `open_shards` of them are left, summing to at most its totals. Its providers' book
    ///   entries were paid at most its claimed in all and each at most its reward
    ///   (`allocated × weight / total_weight`); their score, weight, value, fees and jobs add
    ///   up to at most its totals and their rewards to at most its allocation (pages of
    ///   providers paid in full may be gone, hence `≤`);
    /// - an epoch not finalized (a Pending entry, or shards without an entry, or book entries
    ///   of an epoch whose page can neither have been created nor have closed) has score,
    ///   weight, value, fees and jobs summed over its shards equal to the sums over the
    ///   providers' book entries (nothing can be claimed, nor a book page with work in it closed, before
    ///   finalization), and nothing paid beyond its claimed. One exception: a provider page
    ///   whose only work in the epoch weighed 0 can close once the page's epochs are over, so
    ///   then shards counting more jobs than the books is a note;
    /// - no shard, provider book entry or finalized entry records anything for an epoch after
    ///   the current one;
    /// - no two pages (or shards) share a number, and a page's epochs fit `u64`.
    ///
    /// Epochs merely Pending (no shards, no work in the books) are only counted; so are the
    /// epochs of a page no longer in the snapshot (closed once all its epochs were Closed and
    /// their shards closed) that only providers' book pages still mention.
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
        for (address, page, kept) in std::mem::take(&mut self.duplicate_pages) {
            self.violation(
                4,
                &format!("epoch book {address}"),
                format!("page {page} is also at {kept}: only that one is audited"),
            );
        }

        // The finalized results, by epoch.
        let mut entries: BTreeMap<u64, (Pubkey, EpochEntry)> = BTreeMap::new();
        for (address, book) in self.epoch_books.clone() {
            let Some((first, last)) = page_epochs(book.page) else {
                self.violation(
                    4,
                    &format!("epoch book {address}"),
                    format!("page {} out of range: its epochs do not fit u64", book.page),
                );
                continue;
            };
            for (index, entry) in (first..=last).zip(book.entries.iter()) {
                entries.insert(index, (*address, *entry));
            }
        }

        // The shards, summed by epoch.
        let mut shards: BTreeMap<u64, WorkSums> = BTreeMap::new();
        let mut shard_seen: HashMap<(u64, u8), Pubkey> = HashMap::new();
        for (address, shard) in &snap.shards {
            if let Some(kept) = shard_seen.get(&(shard.epoch, shard.shard)) {
                self.violation(
                    4,
                    &format!("epoch shard {address}"),
                    format!(
                        "shard {} of epoch {} is also at {kept}: only that one is counted",
                        shard.shard, shard.epoch
                    ),
                );
                continue;
            }
            shard_seen.insert((shard.epoch, shard.shard), *address);
            shards.entry(shard.epoch).or_default().add(
                shard.score,
                shard.weight,
                shard.value,
                shard.fees,
                shard.jobs,
            );
        }

        // The providers' book entries, summed by epoch; each paid at most its reward.
        let mut books: BTreeMap<u64, BookSums> = BTreeMap::new();
        let mut book_seen: HashMap<(Pubkey, u64), Pubkey> = HashMap::new();
        for (address, book) in &snap.provider_books {
            let subject = format!("provider book {address}");
            let Some((first, last)) = page_epochs(book.page) else {
                self.violation(
                    4,
                    &subject,
                    format!("page {} out of range: its epochs do not fit u64", book.page),
                );
                continue;
            };
            match book_seen.entry((book.provider, book.page)) {
                Entry::Occupied(o) => {
                    let kept = *o.get();
                    self.violation(
                        4,
                        &subject,
                        format!(
                            "page {} of provider {} is also at {kept}: only that one is counted",
                            book.page, book.provider
                        ),
                    );
                    continue;
                }
                Entry::Vacant(v) => {
                    v.insert(*address);
                }
            }
            for (index, pe) in (first..=last).zip(book.entries.iter()) {
                if *pe == ProviderEntry::default() {
                    continue;
                }
                let sums = books.entry(index).or_default();
                sums.work
                    .add(pe.score, pe.weight, pe.value, pe.fees, pe.jobs);
                sums.paid = sums.paid.saturating_add(u128::from(pe.paid));
                let Some((_, epoch)) = entries.get(&index).filter(|(_, e)| finalized(e)) else {
                    continue;
                };
                // Err: the score exceeds the epoch's total, reported with the sums below.
                match epoch.reward(pe.weight) {
                    Ok(reward) => {
                        sums.rewards = sums.rewards.map(|r| r.saturating_add(u128::from(reward)));
                        if pe.paid > reward {
                            self.violation(
                                4,
                                &subject,
                                format!(
                                    "epoch {index}: paid {} exceeds its reward {reward} \
                                     (allocated {} × weight {} / total_weight {}); owed() \
                                     fails on it, so while the epoch is open every claim of the \
                                     page fails",
                                    pe.paid, epoch.allocated, pe.weight, epoch.total_weight
                                ),
                            );
                        }
                    }
                    Err(_) => sums.rewards = None,
                }
            }
        }

        // A page may have closed (all its epochs Closed, their shards closed) only once all its
        // epochs have ended.
        let page_may_have_closed = |index: u64| match current {
            None => true,
            Some(cur) => page_epochs(page_of(index)).is_none_or(|(_, last)| cur > last),
        };
        let mut epochs: BTreeSet<u64> = shards.keys().chain(books.keys()).copied().collect();
        epochs.extend(
            entries
                .iter()
                .filter(|(index, (_, e))| finalized(e) || current.is_some_and(|cur| **index <= cur))
                .map(|(index, _)| *index),
        );
        for index in epochs {
            self.checked(4);
            let entry = entries.get(&index).copied();
            let shard_sums = shards.get(&index).copied();
            let book_sums = books.get(&index).copied();
            let subject = match &entry {
                Some((page, _)) => format!("epoch {index} in {page}"),
                None => format!("epoch {index}"),
            };
            if let Some(cur) = current.filter(|cur| index > *cur) {
                self.future_epoch(&subject, index, cur, entry, shard_sums, book_sums);
                continue;
            }
            match entry {
                Some((_, e)) if finalized(&e) => {
                    self.finalized_epoch(&subject, index, &e, shard_sums, book_sums);
                }
                _ => {
                    // Without an entry, an epoch whose page may have closed was finalized
                    // and closed, or never: nothing to compare then.
                    let over = page_may_have_closed(index);
                    if entry.is_some() || shard_sums.is_some() || !over {
                        self.pending_epoch(
                            &subject,
                            entry.map_or(0, |(_, e)| e.claimed),
                            shard_sums.unwrap_or_default(),
                            book_sums.unwrap_or_default(),
                            over,
                        );
                    }
                }
            }
        }
    }

    /// Invariant 4 for an epoch after the current one: nothing may record anything for it.
    fn future_epoch(
        &mut self,
        subject: &str,
        index: u64,
        current: u64,
        entry: Option<(Pubkey, EpochEntry)>,
        shards: Option<WorkSums>,
        books: Option<BookSums>,
    ) {
        if let Some(s) = shards {
            self.violation(
                4,
                subject,
                format!(
                    "{} shards record work for epoch {index}, after the current epoch {current}",
                    s.count
                ),
            );
        }
        if let Some(b) = books {
            self.violation(
                4,
                subject,
                format!(
                    "{} provider book entries record work for epoch {index}, after the current \
                     epoch {current}",
                    b.work.count
                ),
            );
        }
        if let Some((_, e)) = entry.filter(|(_, e)| finalized(e)) {
            self.violation(
                4,
                subject,
                format!(
                    "{:?} (finalized) although epoch {index} is after the current epoch \
                     {current}",
                    e.status
                ),
            );
        }
    }

    /// Invariant 4 for a finalized (Open or Closed) epoch.
    fn finalized_epoch(
        &mut self,
        subject: &str,
        index: u64,
        e: &EpochEntry,
        shards: Option<WorkSums>,
        books: Option<BookSums>,
    ) {
        if e.claimed > e.allocated {
            self.violation(
                4,
                subject,
                format!("claimed {} exceeds allocated {}", e.claimed, e.allocated),
            );
        }
        if e.allocated > e.emission {
            self.violation(
                4,
                subject,
                format!("allocated {} exceeds emission {}", e.allocated, e.emission),
            );
        }
        let end = index
            .checked_add(1)
            .and_then(|next| self.snap.network.epoch_start(next).ok());
        match end {
            None => self.violation(
                4,
                subject,
                "its end (genesis + (index + 1) × epoch_seconds) overflows i64".to_string(),
            ),
            Some(end) => {
                if e.finalized_at < end {
                    self.violation(
                        4,
                        subject,
                        format!(
                            "{:?}, finalized at {} before the epoch ended at {end}",
                            e.status, e.finalized_at
                        ),
                    );
                }
                if e.claim_deadline < end {
                    self.violation(
                        4,
                        subject,
                        format!(
                            "claim_deadline {} before the epoch ended at {end}",
                            e.claim_deadline
                        ),
                    );
                }
            }
        }
        // Finalization summed the shards; `close_epoch_shard` closes them afterwards, counting
        // `open_shards` down: those left are exactly that many, and hold part of the totals.
        let s = shards.unwrap_or_default();
        if s.count != usize::from(e.open_shards) {
            self.violation(
                4,
                subject,
                format!(
                    "open_shards {} but {} of its shards remain: closing one would fail, or the \
                     page could never close",
                    e.open_shards, s.count
                ),
            );
        }
        if s.count > 0 {
            let who = format!("its {} remaining shards", s.count);
            self.within_totals(subject, &who, &s, e);
        }
        let Some(b) = books else {
            return;
        };
        if b.paid > u128::from(e.claimed) {
            self.violation(
                4,
                subject,
                format!(
                    "provider books record {} paid, above its claimed {}",
                    b.paid, e.claimed
                ),
            );
        }
        let who = format!("its {} provider book entries", b.work.count);
        self.within_totals(subject, &who, &b.work, e);
        let weights_fit = b.work.weight.is_some_and(|weight| weight <= e.total_weight);
        if let Some(rewards) = b
            .rewards
            .filter(|r| weights_fit && *r > u128::from(e.allocated))
        {
            self.violation(
                4,
                subject,
                format!(
                    "the rewards of {who} sum to {rewards}, above allocated {}",
                    e.allocated
                ),
            );
        }
    }

    /// Invariant 4: work summed by `who` (some of a finalized epoch's shards, or of its
    /// providers' book entries) stays within the epoch's totals, field by field.
    fn within_totals(&mut self, subject: &str, who: &str, sums: &WorkSums, e: &EpochEntry) {
        let fields = [
            ("score", "total_score", sums.score, e.total_score),
            ("weight", "total_weight", sums.weight, e.total_weight),
            ("value", "total_value", Some(sums.value), e.total_value),
            ("fees", "total_fees", Some(sums.fees), e.total_fees),
            ("jobs", "jobs", Some(sums.jobs), u128::from(e.jobs)),
        ];
        for (field, total_name, sum, total) in fields {
            match sum {
                Some(sum) if sum <= total => {}
                sum => self.violation(
                    4,
                    subject,
                    format!(
                        "{who} sum to {field} {}, above its {total_name} {total}",
                        show_score(sum)
                    ),
                ),
            }
        }
    }

    /// Invariant 4 for an epoch not finalized: the shards and the providers' books recorded
    /// the same work. `pages_over`: the epoch's page may have closed, and with it provider
    /// pages whose work in the epoch weighed 0.
    fn pending_epoch(
        &mut self,
        subject: &str,
        claimed: u64,
        shards: WorkSums,
        books: BookSums,
        pages_over: bool,
    ) {
        if books.paid > u128::from(claimed) {
            self.violation(
                4,
                subject,
                format!(
                    "not finalized, yet provider books record {} paid, above its claimed \
                     {claimed}",
                    books.paid
                ),
            );
        }
        let (s, b) = (shards, books.work);
        let sides = |field: &str, shard: String, book: String| {
            format!(
                "not finalized: its {} shards sum to {field} {shard}, its {} provider book \
                 entries to {book}",
                s.count, b.count
            )
        };
        match (s.score, b.score) {
            (Some(x), Some(y)) if x == y => {}
            (x, y) => self.violation(4, subject, sides("score", show_score(x), show_score(y))),
        }
        match (s.weight, b.weight) {
            (Some(x), Some(y)) if x == y => {}
            (x, y) => self.violation(4, subject, sides("weight", show_score(x), show_score(y))),
        }
        if s.value != b.value {
            self.violation(
                4,
                subject,
                sides("value", s.value.to_string(), b.value.to_string()),
            );
        }
        if s.fees != b.fees {
            self.violation(
                4,
                subject,
                sides("fees", s.fees.to_string(), b.fees.to_string()),
            );
        }
        if s.jobs != b.jobs {
            let detail = sides("jobs", s.jobs.to_string(), b.jobs.to_string());
            if s.jobs > b.jobs && pages_over {
                self.note(
                    4,
                    subject,
                    format!(
                        "{detail}: provider book pages whose only work in it weighed 0 may have \
                         closed"
                    ),
                );
            } else {
                self.violation(4, subject, detail);
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

    /// Invariant 6: no stuck funds. Every vault (escrow, stake, reward, treasury, payouts) is
    /// held by the PDA the program signs with and by nobody else; every live job has a
    /// deadline after which anyone can end it, its client's Client record (which every ending
    /// needs) and, once accepted, the Provider account that settlement and expiry both need;
    /// every provider can eventually withdraw its stake (an unbonding date, a job count and
    /// locks that match its live jobs, so that ending them releases exactly what they hold);
    /// no vault outlives its job or provider with tokens in it.
    fn stuck_funds(&mut self) {
        let snap = self.snap;
        let network = snap.network_address;
        let now = snap.unix_timestamp;

        // Custody of the vaults. Missing escrow/payouts/stake/reward vaults are invariants 1–3's.
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
        for mint in self.payout_mints() {
            if let Some(v) = self.token(&pda::payouts(&network, &mint)) {
                self.custody(&subject, v, &network, "Network PDA");
            }
        }
        for mint in self.payout_mints() {
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
            if !self.client_wallets.contains(&job.client) {
                self.violation(
                    6,
                    &subject,
                    format!(
                        "no Client record for its client {}: every ending of the job (refund or \
                         settlement) needs it",
                        job.client
                    ),
                );
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

        // Every provider can get its stake out. Per provider: its live accepted jobs, and the
        // sums of their slash locks and exposures (what ending them releases).
        let mut accepted: HashMap<Pubkey, (u64, u128, u128)> = HashMap::new();
        for (_, job) in &snap.jobs {
            if let Some(p) = job.provider.filter(|_| job.state != JobState::Open) {
                let (n, lock, exposure) = accepted.entry(p).or_insert((0, 0, 0));
                *n = n.saturating_add(1);
                *lock = lock.saturating_add(u128::from(job.slash_lock));
                *exposure = exposure.saturating_add(u128::from(job.exposure));
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
            let (live, lock, exposure) = accepted.get(address).copied().unwrap_or((0, 0, 0));
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
            // Ending a job releases exactly its lock and exposure: totals that drifted from
            // the jobs' would make an ending fail, or leave stake locked once the provider is
            // idle. (An idle provider's totals are invariant 2's.)
            if provider.active_jobs > 0 {
                if u128::from(provider.locked) != lock {
                    self.violation(
                        6,
                        &subject,
                        format!(
                            "locked {}, but the slash locks of its {live} live jobs sum to \
                             {lock}: ending them would fail or leave stake locked for ever",
                            provider.locked
                        ),
                    );
                }
                if u128::from(provider.exposure) != exposure {
                    self.violation(
                        6,
                        &subject,
                        format!(
                            "exposure {}, but the exposures of its {live} live jobs sum to \
                             {exposure}: ending them would fail or leave exposure behind",
                            provider.exposure
                        ),
                    );
                }
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
        Client, EpochShard, HardwareSpec, Job, JobTerms, Network, NetworkParams, Provider,
        ProviderBook, ProviderStats, ProviderStatus, ACCOUNT_VERSION, PAGE_LEN,
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
            reward_rate_cap_bps: 100_000,
            reference_price: 1,
            stake_per_payment_bps: 10_000,
            max_exposure_bps: 10_000,
            shard_count: 2,
            claim_window_epochs: 2,
            max_reward_outflow_per_window: 100_000,
            outflow_window_seconds: 3_600,
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
            spec_uri: "https://example.org/spec.json".into(),
            result_hash: [0; 32],
            result_uri: String::new(),
            reported_units: 0,
            state: JobState::Open,
            terms: JobTerms::of(&params()),
            created_at: NOW - 100,
            created_slot: 10,
            accept_deadline: NOW + 1_000,
            run_seconds: 3_600,
            accepted_at: 0,
            completion_deadline: 0,
            stake_at_accept: 0,
            slash_lock: 0,
            exposure: 0,
            submit_slot: 0,
            challenge_deadline: 0,
            vote_deadline: 0,
            audit: AuditDraw::Pending,
            valid_votes: 0,
            invalid_votes: 0,
            valid_units: [0; MAX_QUORUM as usize],
            reserved: [0; 24],
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

    /// A consistent network at epoch 3: two mints; one provider (stake 5 000, unbonding 200,
    /// 5 payment owed to it) running one job (lock 500, exposure 300); one open job; the
    /// client's record (25 payment and 8 stake owed to it) and the payouts vaults holding what
    /// is owed; epoch book page 0 with epoch 0 Closed (its shards closed), epoch 1 Open
    /// (allocated 100, claimed 40, its two shards not closed yet) and epochs 2 (ended, two
    /// shards) and 3 Pending; the provider's book page 0 with its work in epochs 0–2 (sole
    /// provider) and what it was paid; funded reward vault and treasuries; the users' wallets.
    /// Mint supplies equal the balances.
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
            payment_payouts_bump: 255,
            stake_payouts_bump: 255,
            creator,
            id: 7,
            authority: creator,
            pending_authority: None,
            payment_mint,
            stake_mint,
            payment_token_program: anchor_spl::token::ID,
            stake_token_program: anchor_spl::token::ID,
            freeze_authority_accepted: false,
            params: params(),
            pending_params: None,
            pending_params_at: 0,
            paused: 0,
            claims_paused_at: 0,
            claims_paused_seconds: 0,
            claims_drain_from: 0,
            claims_drain_until: 0,
            genesis_ts: GENESIS,
            // Epoch 0 (closed) allocated 50 and paid 50; epoch 1 allocated 100, paid 40.
            total_allocated: 150,
            total_claimed: 90,
            outflow: Default::default(),
            attestor_count: 0,
            attestors_pending: 0,
            attestors_pending_until: 0,
            outflow_saturated_at: 0,
            reserved: [0; 30],
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
                jobs_accepted: 7,
                jobs_completed: 6,
                ..ProviderStats::default()
            },
            active_jobs: 1,
            locked: 500,
            exposure: 300,
            owed_payment: 5,
            registered_at: GENESIS,
            reserved: [0; 32],
        };

        let open = job(network, client, 1, 500);
        let mut running = job(network, client, 2, 300);
        running.state = JobState::Running;
        running.provider = Some(provider);
        running.accepted_at = NOW - 50;
        running.completion_deadline = NOW + 3_000;
        running.stake_at_accept = 5_000;
        running.slash_lock = 500;
        running.exposure = 300;

        let record = Client {
            version: ACCOUNT_VERSION,
            bump: 255,
            network,
            client,
            jobs_created: 3,
            owed_payment: 25,
            owed_stake: 8,
            reserved: [0; 32],
        };

        let mut epochs = [EpochEntry::default(); PAGE_LEN];
        epochs[0] = EpochEntry {
            status: EpochStatus::Closed,
            emission: 50,
            shortfall: 0,
            allocated: 50,
            claimed: 50,
            total_score: 10,
            total_weight: 10 * RATE,
            total_value: 10,
            total_fees: 2,
            jobs: 1,
            claim_deadline: GENESIS + 3 * EPOCH_SECONDS,
            paused_base: 0,
            finalized_at: GENESIS + EPOCH_SECONDS + 5,
            open_shards: 0,
        };
        epochs[1] = EpochEntry {
            status: EpochStatus::Open,
            emission: 120,
            shortfall: 0,
            allocated: 100,
            claimed: 40,
            total_score: 30,
            total_weight: 30 * RATE,
            total_value: 28,
            total_fees: 7,
            jobs: 3,
            claim_deadline: GENESIS + 4 * EPOCH_SECONDS,
            paused_base: 0,
            finalized_at: GENESIS + 2 * EPOCH_SECONDS + 5,
            open_shards: 2,
        };
        let epoch_book = EpochBook {
            version: ACCOUNT_VERSION,
            bump: 255,
            network,
            page: 0,
            payer: owner,
            entries: epochs,
        };

        let mut work = [ProviderEntry::default(); PAGE_LEN];
        work[0] = ProviderEntry {
            score: 10,
            weight: 10 * RATE,
            value: 10,
            fees: 2,
            jobs: 1,
            paid: 50,
        };
        work[1] = ProviderEntry {
            score: 30,
            weight: 30 * RATE,
            value: 28,
            fees: 7,
            jobs: 3,
            paid: 40,
        };
        work[2] = ProviderEntry {
            score: 12,
            weight: 12 * RATE,
            value: 11,
            fees: 2,
            jobs: 2,
            paid: 0,
        };
        let provider_book = ProviderBook {
            version: ACCOUNT_VERSION,
            bump: 255,
            network,
            provider,
            page: 0,
            payer: owner,
            entries: work,
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
            token(
                pda::payouts(&network, &payment_mint),
                payment_mint,
                network,
                30,
            ),
            token(pda::payouts(&network, &stake_mint), stake_mint, network, 8),
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
            clients: vec![(pda::client(&network, &client), record)],
            epoch_books: vec![(pda::epoch_book(&network, 0), epoch_book)],
            shards: vec![
                shard(&network, 1, 0, (10, 10, 3, 1)),
                shard(&network, 1, 1, (20, 18, 4, 2)),
                shard(&network, 2, 0, (5, 5, 1, 1)),
                shard(&network, 2, 1, (7, 6, 1, 1)),
            ],
            provider_books: vec![(pda::provider_book(&provider, 0), provider_book)],
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

    /// Shard `number` of `epoch` with its (score, value, fees, jobs).
    /// The reward rate of every job in the fixtures: weight = score × RATE (100%).
    const RATE: u128 = 10_000;

    fn shard(
        network: &Pubkey,
        epoch: u64,
        number: u8,
        (score, value, fees, jobs): (u128, u128, u128, u64),
    ) -> (Pubkey, EpochShard) {
        (
            pda::epoch_shard(network, epoch, number),
            EpochShard {
                version: ACCOUNT_VERSION,
                bump: 255,
                network: *network,
                epoch,
                shard: number,
                score,
                weight: score * RATE,
                value,
                fees,
                jobs,
                payer: Pubkey::new_unique(),
            },
        )
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

    /// Removes a token account (and its tokens from the supply).
    fn remove_account(snap: &mut Snapshot, address: &Pubkey) {
        snap.token_accounts.retain(|t| t.address != *address);
        resupply(snap);
    }

    /// Shard `number` of `epoch` in the snapshot.
    fn shard_mut(snap: &mut Snapshot, epoch: u64, number: u8) -> &mut EpochShard {
        snap.shards
            .iter_mut()
            .map(|(_, s)| s)
            .find(|s| s.epoch == epoch && s.shard == number)
            .expect("shard in fixture")
    }

    /// Entry `i` of the fixture's epoch book page.
    fn epoch_entry(snap: &mut Snapshot, i: usize) -> &mut EpochEntry {
        &mut snap.epoch_books[0].1.entries[i]
    }

    /// Entry `i` of the fixture provider's book page.
    fn work_entry(snap: &mut Snapshot, i: usize) -> &mut ProviderEntry {
        &mut snap.provider_books[0].1.entries[i]
    }

    /// Turns the fixture into a one-mint network: the stake mint's accounts become payment-mint
    /// accounts, and the stake treasury and payouts vaults merge into the payment ones (their
    /// addresses depend on the mint).
    fn make_one_mint(snap: &mut Snapshot, k: &Keys) {
        let (pay, stake, net) = (k.payment_mint, k.stake_mint, k.network);
        for (from, to) in [
            (pda::treasury(&net, &stake), pda::treasury(&net, &pay)),
            (pda::payouts(&net, &stake), pda::payouts(&net, &pay)),
        ] {
            let amount = account(snap, &from).amount;
            account(snap, &to).amount += amount;
            snap.token_accounts.retain(|t| t.address != from);
        }
        for t in &mut snap.token_accounts {
            if t.mint == stake {
                t.mint = pay;
            }
        }
        snap.network.stake_mint = pay;
        snap.mints.retain(|m| m.address == pay);
        resupply(snap);
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

    fn notes_of(r: &AuditReport, invariant: u8) -> String {
        r.notes()
            .filter(|f| f.invariant == invariant)
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
        // 2 jobs + 2 payouts vaults; 1 provider; the network; epochs 0–3; 2 mints;
        // 8 vaults + 2 jobs + 1 provider.
        assert_eq!(checked, vec![4, 1, 1, 4, 2, 11]);
        assert_eq!(r.findings, vec![]);
        assert_eq!(r.network, snap.network_address.to_string());
        assert_eq!((r.slot, r.unix_timestamp), (1_234, NOW));
    }

    #[test]
    fn consistent_one_mint_snapshot_passes() {
        let (mut snap, k) = fixture();
        make_one_mint(&mut snap, &k);
        let r = audit(&snap);
        assert!(r.passed(), "{}", r.table());
        let checked: Vec<usize> = r.summary.iter().map(|s| s.checked).collect();
        // One payouts vault, one treasury, one mint.
        assert_eq!(checked, vec![3, 1, 1, 4, 1, 9]);
    }

    #[test]
    fn empty_snapshot_still_summarizes_six_invariants() {
        let (mut snap, _) = fixture();
        snap.jobs.clear();
        snap.providers.clear();
        snap.clients.clear();
        snap.epoch_books.clear();
        snap.shards.clear();
        snap.provider_books.clear();
        snap.mints.clear();
        snap.token_accounts.clear();
        let r = audit(&snap);
        let invariants: Vec<u8> = r.summary.iter().map(|s| s.invariant).collect();
        assert_eq!(invariants, vec![1, 2, 3, 4, 5, 6]);
        assert!(r.summary.iter().all(|s| !s.title.is_empty()));
        // No payouts vaults, no reward vault, the totals owe 60 with no open epoch, and no
        // treasuries.
        assert_eq!(counts(&r), vec![2, 0, 2, 0, 0, 2], "{}", r.table());
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
        remove_account(&mut snap, &pda::escrow_vault(&k.running_job));
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
    fn inv1_payouts_short_of_what_is_owed_is_a_violation() {
        // Payment mint: the provider's 5 and the client's 25.
        let (mut snap, k) = fixture();
        let to = wallet_address(&mut snap, &k.client, &k.payment_mint);
        move_tokens(
            &mut snap,
            &pda::payouts(&k.network, &k.payment_mint),
            &to,
            1,
        );
        let r = audit(&snap);
        assert_only(&r, 1, 1);
        let d = detail_of(&r, 1);
        assert!(
            d.contains(
                "holds 29, owed providers' owed_payment 5 + clients' owed_payment 25 = 30: short 1"
            ),
            "{d}"
        );

        // Stake mint: the client's 8.
        let (mut snap, k) = fixture();
        let to = wallet_address(&mut snap, &k.owner, &k.stake_mint);
        move_tokens(&mut snap, &pda::payouts(&k.network, &k.stake_mint), &to, 8);
        let r = audit(&snap);
        assert_only(&r, 1, 1);
        assert!(detail_of(&r, 1).contains("holds 0, owed clients' owed_stake 8 = 8: short 8"));

        // A payout credited without its tokens.
        let (mut snap, _) = fixture();
        snap.providers[0].1.owed_payment += 1;
        let r = audit(&snap);
        assert_only(&r, 1, 1);
        assert!(detail_of(&r, 1).contains("owed_payment 6"));

        // Sums in u128: no overflow.
        let (mut snap, _) = fixture();
        snap.providers[0].1.owed_payment = u64::MAX;
        snap.clients[0].1.owed_payment = u64::MAX;
        let r = audit(&snap);
        assert_only(&r, 1, 1);
        assert!(detail_of(&r, 1).contains("36893488147419103230"));
    }

    #[test]
    fn inv1_missing_or_wrong_mint_payouts_vault_is_a_violation() {
        let (mut snap, k) = fixture();
        remove_account(&mut snap, &pda::payouts(&k.network, &k.stake_mint));
        let r = audit(&snap);
        assert_only(&r, 1, 1);
        assert!(detail_of(&r, 1).contains("missing"));

        let (mut snap, k) = fixture();
        account(&mut snap, &pda::payouts(&k.network, &k.payment_mint)).mint = k.stake_mint;
        resupply(&mut snap);
        let r = audit(&snap);
        assert_only(&r, 1, 1);
        assert!(detail_of(&r, 1).contains(&format!("not {}", k.payment_mint)));
    }

    #[test]
    fn inv1_one_mint_payouts_vault_owes_the_slash_shares_too() {
        let (mut snap, k) = fixture();
        make_one_mint(&mut snap, &k);
        let to = wallet_address(&mut snap, &k.client, &k.payment_mint);
        move_tokens(
            &mut snap,
            &pda::payouts(&k.network, &k.payment_mint),
            &to,
            1,
        );
        let r = audit(&snap);
        assert_only(&r, 1, 1);
        let d = detail_of(&r, 1);
        assert!(
            d.contains("owed_payment 25 + clients' owed_stake 8 = 38: short 1"),
            "{d}"
        );
    }

    #[test]
    fn inv1_payouts_surplus_is_a_note() {
        let (mut snap, k) = fixture();
        let from = wallet_address(&mut snap, &k.client, &k.payment_mint);
        move_tokens(
            &mut snap,
            &from,
            &pda::payouts(&k.network, &k.payment_mint),
            3,
        );
        let r = audit(&snap);
        assert!(r.passed(), "{}", r.table());
        assert!(notes_of(&r, 1).contains("surplus 3, a donation no payee is owed"));
    }

    #[test]
    fn inv2_short_stake_vault_is_a_violation() {
        let (mut snap, k) = fixture();
        let to = wallet_address(&mut snap, &k.owner, &k.stake_mint);
        move_tokens(&mut snap, &pda::stake_vault(&k.provider), &to, 1);
        let r = audit(&snap);
        assert_only(&r, 2, 1);
        assert!(detail_of(&r, 2).contains("= 5200: short 1"));

        // Missing, or of the wrong mint.
        let (mut snap, k) = fixture();
        remove_account(&mut snap, &pda::stake_vault(&k.provider));
        let r = audit(&snap);
        assert_only(&r, 2, 1);
        assert!(detail_of(&r, 2).contains("missing"));

        let (mut snap, k) = fixture();
        account(&mut snap, &pda::stake_vault(&k.provider)).mint = k.payment_mint;
        resupply(&mut snap);
        let r = audit(&snap);
        assert_only(&r, 2, 1);
        assert!(detail_of(&r, 2).contains("not the stake mint"));
    }

    #[test]
    fn inv2_surplus_is_a_note_and_u128_sum_does_not_overflow() {
        let (mut snap, k) = fixture();
        let from = wallet_address(&mut snap, &k.owner, &k.stake_mint);
        move_tokens(&mut snap, &from, &pda::stake_vault(&k.provider), 7);
        let r = audit(&snap);
        assert!(r.passed(), "{}", r.table());
        assert!(notes_of(&r, 2).contains("surplus 7"));

        // stake + unbonding past u64: a shortfall, not a panic.
        let (mut snap, _) = fixture();
        snap.providers[0].1.stake = u64::MAX;
        snap.providers[0].1.unbonding = 1;
        let r = audit(&snap);
        assert_eq!(r.violations_of(2).count(), 1, "{}", r.table());
        assert!(detail_of(&r, 2).contains("18446744073709551616"));
    }

    #[test]
    fn inv2_idle_provider_with_a_lock_is_a_violation() {
        // The running job ended, but the provider still locks its stake.
        let (mut snap, k) = fixture();
        snap.jobs.retain(|(a, _)| *a != k.running_job);
        remove_account(&mut snap, &pda::escrow_vault(&k.running_job));
        snap.providers[0].1.active_jobs = 0;
        let r = audit(&snap);
        assert_only(&r, 2, 1);
        assert!(detail_of(&r, 2).contains("idle (active_jobs 0) but locked 500, exposure 300"));

        // Exposure alone counts too.
        snap.providers[0].1.locked = 0;
        let r = audit(&snap);
        assert_only(&r, 2, 1);
        assert!(detail_of(&r, 2).contains("locked 0, exposure 300"));

        snap.providers[0].1.exposure = 0;
        assert!(audit(&snap).passed());

        // A lock above the holdings is allowed (a slash takes at most what the vault holds).
        let (mut snap, _) = fixture();
        snap.providers[0].1.locked = 1_000_000;
        snap.jobs[1].1.slash_lock = 1_000_000;
        assert!(audit(&snap).passed(), "{}", audit(&snap).table());
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

        // Missing, or of the wrong mint.
        let (mut snap, k) = fixture();
        remove_account(&mut snap, &pda::reward_vault(&k.network));
        let r = audit(&snap);
        assert_only(&r, 3, 1);
        assert!(detail_of(&r, 3).contains("missing"));

        let (mut snap, k) = fixture();
        account(&mut snap, &pda::reward_vault(&k.network)).mint = k.payment_mint;
        resupply(&mut snap);
        let r = audit(&snap);
        assert_only(&r, 3, 1);
        assert!(detail_of(&r, 3).contains("not the stake mint"));
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

        let (mut snap, _) = fixture();
        snap.network.total_claimed = u64::MAX;
        snap.network.total_allocated = u64::MAX;
        snap.network.params.max_total_emission = 0;
        let r = audit(&snap);
        assert!(r.violations_of(3).count() >= 1, "{}", r.table());
    }

    #[test]
    fn inv3_allocated_minus_claimed_must_equal_the_open_entries() {
        // An allocated total that no open epoch accounts for.
        let (mut snap, _) = fixture();
        snap.network.total_allocated += 5;
        let r = audit(&snap);
        assert_only(&r, 3, 1);
        let d = detail_of(&r, 3);
        assert!(
            d.contains("allocated 155 - claimed 90 = 65, but the 1 open epochs owe 60"),
            "{d}"
        );

        // Epoch 1 closed without returning its unclaimed 60 to the pool.
        let (mut snap, _) = fixture();
        epoch_entry(&mut snap, 1).status = EpochStatus::Closed;
        let r = audit(&snap);
        assert_only(&r, 3, 1);
        assert!(detail_of(&r, 3).contains("= 60, but the 0 open epochs owe 0"));

        // ... and done right: the pool got it back.
        snap.network.total_allocated -= 60;
        assert!(audit(&snap).passed());
    }

    #[test]
    fn inv4_claimed_and_allocated_stay_within_their_bounds() {
        // Closed epoch 0 (outside invariant 3's sum) claimed above its allocation.
        let (mut snap, _) = fixture();
        epoch_entry(&mut snap, 0).claimed = 60;
        let r = audit(&snap);
        assert_only(&r, 4, 1);
        assert!(detail_of(&r, 4).contains("claimed 60 exceeds allocated 50"));
        assert_eq!(
            r.violations_of(4).next().map(|f| f.subject.clone()),
            Some(format!("epoch 0 in {}", snap.epoch_books[0].0))
        );

        let (mut snap, _) = fixture();
        epoch_entry(&mut snap, 1).emission = 99;
        let r = audit(&snap);
        assert_only(&r, 4, 1);
        assert!(detail_of(&r, 4).contains("allocated 100 exceeds emission 99"));
    }

    #[test]
    fn inv4_finalization_and_claim_deadline_follow_the_epoch_end() {
        let (mut snap, _) = fixture();
        let end = GENESIS + 2 * EPOCH_SECONDS;
        epoch_entry(&mut snap, 1).finalized_at = end - 1;
        epoch_entry(&mut snap, 1).claim_deadline = end - 1;
        let r = audit(&snap);
        assert_only(&r, 4, 2);
        let d = detail_of(&r, 4);
        assert!(
            d.contains(&format!(
                "Open, finalized at {} before the epoch ended at {end}",
                end - 1
            )),
            "{d}"
        );
        assert!(
            d.contains(&format!(
                "claim_deadline {} before the epoch ended",
                end - 1
            )),
            "{d}"
        );

        // A snapshot before genesis: no current epoch, a violation rather than a panic.
        let (mut snap, _) = fixture();
        snap.unix_timestamp = GENESIS - 1;
        let r = audit(&snap);
        assert_only(&r, 4, 1);
        assert!(detail_of(&r, 4).contains("before genesis"));
    }

    #[test]
    fn inv4_paid_above_claimed_is_a_violation() {
        let (mut snap, _) = fixture();
        work_entry(&mut snap, 1).paid = 41;
        let r = audit(&snap);
        assert_only(&r, 4, 1);
        assert!(detail_of(&r, 4).contains("provider books record 41 paid, above its claimed 40"));

        // Paid above the entry's own reward: the program's owed() fails on it.
        let (mut snap, k) = fixture();
        work_entry(&mut snap, 0).paid = 51;
        let r = audit(&snap);
        assert_only(&r, 4, 2);
        let d = detail_of(&r, 4);
        assert!(d.contains("above its claimed 50"), "{d}");
        assert!(
            d.contains(
                "epoch 0: paid 51 exceeds its reward 50 (allocated 50 × weight 100000 / total_weight \
                 100000)"
            ),
            "{d}"
        );
        assert!(r
            .violations_of(4)
            .any(|f| f.subject == format!("provider book {}", pda::provider_book(&k.provider, 0))));

        // Nothing may be paid for an epoch not finalized.
        let (mut snap, _) = fixture();
        work_entry(&mut snap, 2).paid = 1;
        let r = audit(&snap);
        assert_only(&r, 4, 1);
        assert!(detail_of(&r, 4).contains("not finalized, yet provider books record 1 paid"));
    }

    #[test]
    fn inv4_provider_scores_stay_within_the_epoch_total() {
        // (Rewards are floor(allocated × score / total_score): within the total score, they
        // stay within the allocation.)
        let (mut snap, _) = fixture();
        work_entry(&mut snap, 1).score = 31;
        let r = audit(&snap);
        assert_only(&r, 4, 1);
        assert!(detail_of(&r, 4)
            .contains("its 1 provider book entries sum to score 31, above its total_score 30"));

        // A second provider's page pushing the epoch past its total.
        let (mut snap, k) = fixture();
        let other = pda::provider(&k.network, &Pubkey::new_unique());
        let mut page = snap.provider_books[0].1.clone();
        page.provider = other;
        page.entries = [ProviderEntry::default(); PAGE_LEN];
        page.entries[1].score = 1;
        snap.provider_books
            .push((pda::provider_book(&other, 0), page));
        let r = audit(&snap);
        assert_only(&r, 4, 1);
        assert!(detail_of(&r, 4).contains("its 2 provider book entries sum to score 31"));
    }

    #[test]
    fn inv4_pending_epoch_shards_must_match_the_provider_books() {
        let (mut snap, _) = fixture();
        let s = shard_mut(&mut snap, 2, 1);
        s.score += 1;
        s.value += 1;
        s.fees += 1;
        s.jobs += 1;
        let r = audit(&snap);
        assert_only(&r, 4, 4);
        let d = detail_of(&r, 4);
        assert!(
            d.contains(
                "not finalized: its 2 shards sum to score 13, its 1 provider book entries to 12"
            ),
            "{d}"
        );
        assert!(
            d.contains("value 12, its 1 provider book entries to 11"),
            "{d}"
        );
        assert!(
            d.contains("fees 3, its 1 provider book entries to 2"),
            "{d}"
        );
        assert!(
            d.contains("jobs 3, its 1 provider book entries to 2"),
            "{d}"
        );

        // Work in a provider book that no shard recorded.
        let (mut snap, _) = fixture();
        snap.shards.retain(|(_, s)| s.epoch != 2);
        let r = audit(&snap);
        assert_only(&r, 4, 5);
        assert!(detail_of(&r, 4).contains("its 0 shards sum to score 0"));
        assert!(detail_of(&r, 4).contains("its 0 shards sum to weight 0"));

        // The same in the current epoch, whose page entry is Pending too.
        let (mut snap, _) = fixture();
        work_entry(&mut snap, 3).jobs = 1;
        let r = audit(&snap);
        assert_only(&r, 4, 1);
        assert!(detail_of(&r, 4).contains("jobs 0, its 1 provider book entries to 1"));

        // Shard scores overflowing u128: a violation, not a panic.
        let (mut snap, _) = fixture();
        shard_mut(&mut snap, 2, 0).score = u128::MAX;
        let r = audit(&snap);
        assert_only(&r, 4, 1);
        assert!(detail_of(&r, 4).contains("overflow"));
    }

    #[test]
    fn inv4_weightless_jobs_of_a_closed_provider_page_are_a_note() {
        // A job settled for 0 units (or under a zero rate cap) in epoch 2 counts in its shard but
        // weighs nothing, so a provider page holding only it may close once page 0's epochs
        // are over.
        let (mut snap, _) = fixture();
        shard_mut(&mut snap, 2, 0).jobs += 1;
        // While the page's epochs run, it cannot have closed.
        let r = audit(&snap);
        assert_only(&r, 4, 1);
        assert!(detail_of(&r, 4).contains("jobs 3, its 1 provider book entries to 2"));

        snap.unix_timestamp = GENESIS + 40 * EPOCH_SECONDS + 10;
        let r = audit(&snap);
        assert!(r.passed(), "{}", r.table());
        assert!(notes_of(&r, 4).contains("pages whose only work in it weighed 0 may have closed"));
    }

    #[test]
    fn inv4_work_recorded_for_a_future_epoch_is_a_violation() {
        let (mut snap, k) = fixture();
        snap.shards.push(shard(&k.network, 4, 0, (1, 1, 0, 1)));
        work_entry(&mut snap, 4).score = 1;
        let closed = EpochEntry {
            status: EpochStatus::Closed,
            ..*epoch_entry(&mut snap, 0)
        };
        *epoch_entry(&mut snap, 5) = closed;
        let r = audit(&snap);
        assert_only(&r, 4, 3);
        let d = detail_of(&r, 4);
        assert!(
            d.contains("1 shards record work for epoch 4, after the current epoch 3"),
            "{d}"
        );
        assert!(
            d.contains(
                "1 provider book entries record work for epoch 4, after the current epoch 3"
            ),
            "{d}"
        );
        assert!(
            d.contains("Closed (finalized) although epoch 5 is after the current epoch 3"),
            "{d}"
        );
    }

    #[test]
    fn inv4_shards_of_a_finalized_epoch_are_counted_and_within_its_totals() {
        // close_epoch_shard closed one of epoch 1's shards and counted it down: fine.
        let (mut snap, _) = fixture();
        snap.shards.retain(|(_, s)| !(s.epoch == 1 && s.shard == 0));
        epoch_entry(&mut snap, 1).open_shards = 1;
        assert!(audit(&snap).passed(), "{}", audit(&snap).table());

        // A shard gone without being counted down: the page could never close.
        let (mut snap, _) = fixture();
        snap.shards.retain(|(_, s)| !(s.epoch == 1 && s.shard == 0));
        let r = audit(&snap);
        assert_only(&r, 4, 1);
        assert!(detail_of(&r, 4).contains("open_shards 2 but 1 of its shards remain"));

        // A shard the closed epoch 0 no longer counts.
        let (mut snap, k) = fixture();
        snap.shards.push(shard(&k.network, 0, 1, (4, 4, 0, 1)));
        let r = audit(&snap);
        assert_only(&r, 4, 1);
        assert!(detail_of(&r, 4).contains("open_shards 0 but 1 of its shards remain"));

        // Shards holding more than the epoch's totals.
        let (mut snap, _) = fixture();
        let s = shard_mut(&mut snap, 1, 1);
        s.score += 1;
        s.jobs += 1;
        let r = audit(&snap);
        assert_only(&r, 4, 2);
        let d = detail_of(&r, 4);
        assert!(
            d.contains("its 2 remaining shards sum to score 31, above its total_score 30"),
            "{d}"
        );
        assert!(
            d.contains("its 2 remaining shards sum to jobs 4, above its jobs 3"),
            "{d}"
        );
    }

    #[test]
    fn inv4_merely_pending_epochs_are_only_counted() {
        // Epoch 2 with no work at all: nothing to compare, still counted.
        let (mut snap, _) = fixture();
        snap.shards.retain(|(_, s)| s.epoch != 2);
        *work_entry(&mut snap, 2) = ProviderEntry::default();
        let r = audit(&snap);
        assert!(r.passed(), "{}", r.table());
        assert_eq!(r.summary[3].checked, 4);

        // Work in the book of an epoch whose page is gone (all its epochs closed) cannot be
        // checked against anything.
        let (mut snap, _) = fixture();
        snap.unix_timestamp = GENESIS + 40 * EPOCH_SECONDS + 10;
        snap.epoch_books.clear();
        snap.shards.clear();
        snap.network.total_allocated = snap.network.total_claimed;
        let r = audit(&snap);
        assert!(r.passed(), "{}", r.table());
    }

    #[test]
    fn inv4_duplicate_and_out_of_range_pages_are_violations() {
        let (mut snap, k) = fixture();
        let copy = Pubkey::new_unique();
        let page = snap.epoch_books[0].1.clone();
        snap.epoch_books.push((copy, page));
        let book = snap.provider_books[0].1.clone();
        let book_copy = Pubkey::new_unique();
        snap.provider_books.push((book_copy, book));
        let r = audit(&snap);
        assert_only(&r, 4, 2);
        let d = detail_of(&r, 4);
        assert!(d.contains("page 0 is also at"), "{d}");
        assert!(
            d.contains(&format!("page 0 of provider {} is also at", k.provider)),
            "{d}"
        );

        let (mut snap, k) = fixture();
        let mut far = snap.provider_books[0].1.clone();
        far.page = u64::MAX;
        snap.provider_books
            .push((pda::provider_book(&k.provider, u64::MAX), far));
        let r = audit(&snap);
        assert_only(&r, 4, 1);
        assert!(detail_of(&r, 4).contains("out of range"));
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
        let payouts = pda::payouts(&k.network, &k.stake_mint);
        account(&mut snap, &payouts).delegate = Some(intruder);
        let r = audit(&snap);
        assert_only(&r, 6, 5);
        let d = detail_of(&r, 6);
        assert!(d.contains(&format!("delegate {intruder}")), "{d}");
        assert!(d.contains("frozen"), "{d}");
        assert!(d.contains("close authority"), "{d}");
        assert!(
            d.contains(&format!("authority {intruder} is not the Network PDA")),
            "{d}"
        );
        assert!(d.contains(&format!("vault {payouts}: delegate")), "{d}");

        let (mut snap, k) = fixture();
        remove_account(&mut snap, &pda::treasury(&k.network, &k.stake_mint));
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

        // A running job whose provider is gone can neither settle nor expire. (What the
        // payouts vault held for the provider is now a surplus: a note.)
        let (mut snap, k) = fixture();
        snap.providers.clear();
        remove_account(&mut snap, &pda::stake_vault(&k.provider));
        let r = audit(&snap);
        assert_only(&r, 6, 1);
        assert!(detail_of(&r, 6).contains("is not a live provider"));

        // Without the client's record no job of it can end.
        let (mut snap, k) = fixture();
        snap.clients.clear();
        let r = audit(&snap);
        assert_only(&r, 6, 2);
        assert!(detail_of(&r, 6).contains(&format!("no Client record for its client {}", k.client)));
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

        // Locks and exposure that drifted from the live jobs'.
        let (mut snap, _) = fixture();
        snap.providers[0].1.locked = 501;
        snap.providers[0].1.exposure = 299;
        let r = audit(&snap);
        assert_only(&r, 6, 2);
        let d = detail_of(&r, 6);
        assert!(
            d.contains("locked 501, but the slash locks of its 1 live jobs sum to 500"),
            "{d}"
        );
        assert!(
            d.contains("exposure 299, but the exposures of its 1 live jobs sum to 300"),
            "{d}"
        );
    }

    #[test]
    fn inv6_orphan_vault_with_tokens_is_a_violation() {
        let (mut snap, k) = fixture();
        // The escrow vault of a job that closed without emptying it.
        let gone = pda::job(&k.network, &k.client, 0);
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
        assert!(notes_of(&r, 6).contains("empty orphan"));

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
        assert!(
            t.contains("escrow and payouts vaults cover what they owe"),
            "{t}"
        );
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
