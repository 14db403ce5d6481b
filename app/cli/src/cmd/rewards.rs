//! `spice rewards`: fund the pool, finalize and close epochs, close finalized epochs' shards
//! and providers' spent book pages (anyone), claim by book pages (provider), and read the
//! network's EpochBook pages.

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use anyhow::{bail, Context as _, Result};
use clap::Subcommand;
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::{json, Value};
use solana_sdk::signature::Signer;
use spice::constants::EPOCHS_PER_PAGE;
use spice::state::{
    offset_in_page, page_of, EpochBook, EpochEntry, EpochShard, EpochStatus, Network, ProviderBook,
};
use spice_sdk::flows::{NothingToClaim, RewardCut};
use spice_sdk::ix::NetworkKeys;
use spice_sdk::ledger::Ledger;
use spice_sdk::{accounts, flows, ix, pda, tokens};

use crate::amounts::{self, Amount, Decimals};
use crate::cmd::view;
use crate::context::{Ctx, Output};

#[derive(Subcommand, Debug)]
pub enum RewardsCmd {
    /// Add stake-mint tokens to the reward pool (anyone).
    Fund {
        /// Amount in stake tokens (base units with a `base` suffix).
        amount: Amount,
        /// Source token account (default: the signer's associated token account).
        #[arg(long)]
        from: Option<Pubkey>,
    },
    /// Finalize ended epochs (anyone): sums their shards, fixes their emission, allocation
    /// (`min(emission, total score × reward_rate_cap)`) and claim deadline.
    Finalize {
        /// The epoch; default: every ended epoch since --since with work in it (settled jobs)
        /// that is not finalized yet.
        epoch: Option<u64>,
        /// First epoch to look at when finalizing every ended epoch.
        #[arg(long, default_value_t = 0)]
        since: u64,
        /// Also finalize ended epochs nobody worked in (they allocate nothing).
        #[arg(long, conflicts_with = "epoch")]
        include_empty: bool,
    },
    /// Claim everything the signer's provider can claim, book page by book page, in as few
    /// transactions as fit.
    Claim {
        /// Destination stake-mint token account (default: the signer's associated one).
        #[arg(long)]
        to: Option<Pubkey>,
    },
    /// What the signer's provider (or OWNER's) can claim now, per epoch.
    Claimable {
        /// The provider's owner (default: the signer).
        owner: Option<Pubkey>,
    },
    /// Close epochs whose claim deadline has passed (anyone): what they allocated and nobody
    /// claimed returns to the pool.
    CloseEpoch {
        /// The epoch; default: every finalized epoch past its deadline.
        epoch: Option<u64>,
    },
    /// Close the shards of finalized epochs (anyone): their rent returns to whoever paid it.
    CloseShards {
        /// The epoch; default: every finalized epoch with shards left.
        epoch: Option<u64>,
    },
    /// Close a provider's book pages that hold nothing left to claim (anyone): their rent
    /// returns to whoever paid it.
    CloseBook {
        /// The provider's owner (key or keypair file) or its provider account.
        provider: String,
        /// The page (epochs PAGE×16 to PAGE×16+15); default: every page that can close.
        page: Option<u64>,
    },
    /// Show one epoch, or the network's reward totals, current epoch and open epochs.
    Show { epoch: Option<u64> },
}

pub fn run(ctx: &mut Ctx, cmd: RewardsCmd) -> Result<()> {
    match cmd {
        RewardsCmd::Fund { amount, from } => {
            let net = ctx.network()?;
            let d = ctx.decimals()?;
            let amount = amounts::resolve("AMOUNT", amount, d.stake)?;
            let owner = ctx.signer()?.pubkey();
            let source = from.unwrap_or_else(|| net.stake_ata(&owner));
            view::check_funds(ctx, &source, amount, "stake", d.stake, "funding the pool")?;
            let sig = ctx.send(&[ix::fund_rewards(&net, owner, source, amount)], &[])?;
            ctx.emit(
                json!({"funded": amount, "from": source.to_string(), "signature": sig.to_string()}),
                || {
                    format!(
                        "funded the reward pool with {} from {source}\nsignature {sig}",
                        d.stk(amount)
                    )
                },
            );
            Ok(())
        }
        RewardsCmd::Finalize {
            epoch,
            since,
            include_empty,
        } => finalize(ctx, epoch, since, include_empty),
        RewardsCmd::Claim { to } => claim(ctx, to),
        RewardsCmd::Claimable { owner } => claimable(ctx, owner),
        RewardsCmd::CloseEpoch { epoch } => close_epoch(ctx, epoch),
        RewardsCmd::CloseShards { epoch } => close_shards(ctx, epoch),
        RewardsCmd::CloseBook { provider, page } => close_book(ctx, &provider, page),
        RewardsCmd::Show { epoch } => show(ctx, epoch),
    }
}

// ---------------------------------------------------------------- reading the books

/// The network's EpochBook page `page`, if it exists.
fn epoch_book(ledger: &mut dyn Ledger, net: &NetworkKeys, page: u64) -> Result<Option<EpochBook>> {
    Ok(accounts::fetch(
        ledger,
        &pda::epoch_book(&net.network, page),
    )?)
}

/// Every existing EpochBook page of the network up to page `last`, in order.
fn epoch_books(ledger: &mut dyn Ledger, net: &NetworkKeys, last: u64) -> Result<Vec<EpochBook>> {
    let mut out = Vec::new();
    for page in 0..=last {
        if let Some(book) = epoch_book(ledger, net, page)? {
            out.push(book);
        }
    }
    Ok(out)
}

/// Every epoch of `books` with its entry, in order.
fn entries(books: &[EpochBook]) -> impl Iterator<Item = (u64, &EpochEntry)> {
    books.iter().flat_map(|b| {
        b.entries
            .iter()
            .enumerate()
            .map(move |(slot, e)| (b.page * EPOCHS_PER_PAGE + slot as u64, e))
    })
}

/// The entry of epoch `index` (a default, Pending one if its page does not exist).
pub fn entry(ledger: &mut dyn Ledger, net: &NetworkKeys, index: u64) -> Result<EpochEntry> {
    entry_of(ledger, net, index)
}

fn entry_of(ledger: &mut dyn Ledger, net: &NetworkKeys, index: u64) -> Result<EpochEntry> {
    Ok(epoch_book(ledger, net, page_of(index))?
        .and_then(|b| b.entries.get(offset_in_page(index)).copied())
        .unwrap_or_default())
}

pub fn status_name(status: EpochStatus) -> &'static str {
    match status {
        EpochStatus::Pending => "Pending",
        EpochStatus::Open => "Open",
        EpochStatus::Closed => "Closed",
    }
}

/// JSON of a finalized epoch's entry; `paused_total` is the network's claim-pause time now.
fn entry_json(index: u64, e: &EpochEntry, paused_total: i64, now: i64) -> Value {
    let deadline = e
        .effective_deadline(paused_total)
        .unwrap_or(e.claim_deadline);
    json!({
        "epoch": index,
        "status": status_name(e.status),
        "emission": e.emission,
        "shortfall": e.shortfall,
        "allocated": e.allocated,
        "claimed": e.claimed,
        "total_score": e.total_score.to_string(),
        "total_weight": e.total_weight.to_string(),
        "total_value": e.total_value.to_string(),
        "total_fees": e.total_fees.to_string(),
        "jobs": e.jobs,
        "finalized_at": (e.status != EpochStatus::Pending).then(|| view::time_json(e.finalized_at, now)),
        "claim_deadline": (e.status != EpochStatus::Pending).then(|| view::time_json(deadline, now)),
        "claimable": e.claimable(now, paused_total).unwrap_or(false),
        "open_shards": e.open_shards,
        "cuts": flows::reward_cuts(e).iter().map(cut_json).collect::<Vec<_>>(),
    })
}

/// One line of a finalized epoch's entry.
fn entry_text(index: u64, e: &EpochEntry, paused_total: i64, now: i64, d: &Decimals) -> String {
    let deadline = e
        .effective_deadline(paused_total)
        .unwrap_or(e.claim_deadline);
    let mut s = format!(
        "epoch {index} ({}): emission {} (shortfall {}), allocated {}, claimed {}; {} job(s), value {} payment tokens, score {}, weight {}, fees {} payment tokens; claims until {}; {} shard(s) left",
        status_name(e.status),
        d.stk(e.emission),
        d.s(e.shortfall),
        d.s(e.allocated),
        d.s(e.claimed),
        e.jobs,
        d.p128(e.total_value),
        e.total_score,
        e.total_weight,
        d.p128(e.total_fees),
        view::when(deadline, now),
        e.open_shards
    );
    for cut in flows::reward_cuts(e) {
        s.push_str(&format!("\n  {}", cut_text(&cut, d)));
    }
    s
}

/// A reason an epoch paid less than its curve, in words.
pub fn cut_text(cut: &RewardCut, d: &Decimals) -> String {
    match cut {
        RewardCut::Shortfall { shortfall } => format!(
            "shortfall: the pool (or the lifetime emission budget) was {} short of the curve's emission (fund it: spice rewards fund)",
            d.stk(*shortfall)
        ),
        RewardCut::RateCap {
            emission,
            allocated,
        } => format!(
            "rate cap: the jobs' rewards are capped at their reward rate cap x score, {} in all, below the emission of {}: each provider got its full cap, the rest stays in the pool",
            d.stk(*allocated),
            d.s(*emission)
        ),
        RewardCut::Shared { emission, capped } => format!(
            "shared: the jobs' capped rewards came to {} stake tokens, more than the emission of {}: it was shared by weight (each provider got {:.1} % of its cap)",
            d.s128(*capped),
            d.stk(*emission),
            if *capped == 0 {
                100.0
            } else {
                *emission as f64 * 100.0 / *capped as f64
            }
        ),
    }
}

/// JSON of a reason an epoch paid less than its curve.
pub fn cut_json(cut: &RewardCut) -> Value {
    match cut {
        RewardCut::Shortfall { shortfall } => {
            json!({"reason": "shortfall", "shortfall": shortfall})
        }
        RewardCut::RateCap {
            emission,
            allocated,
        } => json!({"reason": "rate_cap", "emission": emission, "allocated": allocated}),
        RewardCut::Shared { emission, capped } => {
            json!({"reason": "shared", "emission": emission, "capped": capped.to_string()})
        }
    }
}

/// Whether `close_provider_book` would close `book` once epoch `current` has begun: the page's
/// epochs are over and each entry with work is paid or its epoch closed (the program's rule,
/// `close_provider_book`).
pub fn book_closable(book: &ProviderBook, epochs: Option<&EpochBook>, current: u64) -> bool {
    book.check_closable(epochs, current).is_ok()
}

/// Sends `ixs` in as few transactions as fit; returns the signatures.
fn send_packed(ctx: &mut Ctx, ixs: &[Instruction], what: &str) -> Result<Vec<String>> {
    let payer = ctx.signer()?.pubkey();
    let mut sigs = Vec::new();
    for range in flows::pack(ixs, &payer, usize::MAX) {
        let batch = ixs.get(range).context("packing instructions")?;
        let sig = ctx.send(batch, &[]).with_context(|| what.to_string())?;
        sigs.push(sig.to_string());
    }
    Ok(sigs)
}

// ---------------------------------------------------------------- commands

fn finalize(ctx: &mut Ctx, epoch: Option<u64>, since: u64, include_empty: bool) -> Result<()> {
    let net = ctx.network()?;
    let d = ctx.decimals()?;
    let now = view::now(ctx)?;
    let current = net.epoch_at(now);
    let targets: Vec<u64> = match epoch {
        Some(e) if e >= current => {
            let ends = net.epoch_start(e.saturating_add(1));
            return Err(crate::errors::UserError::new(
                "EpochNotEnded",
                format!(
                    "epoch {e} has not ended: it ends {} (current epoch {current}); finalize it after that",
                    view::when(ends, now)
                ),
            )
            .detail("ends_at", view::time_json(ends, now))
            .into());
        }
        Some(e) => {
            if entry_of(ctx.ledger.as_mut(), &net, e)?.status != EpochStatus::Pending {
                return Err(crate::errors::UserError::new(
                    "EpochAlreadyFinalized",
                    format!("epoch {e} is finalized already: spice rewards show {e}"),
                )
                .into());
            }
            vec![e]
        }
        None => {
            let books = epoch_books(ctx.ledger.as_mut(), &net, page_of(current))?;
            let mut open = vec![];
            for e in since..current {
                let finalized = books
                    .iter()
                    .find(|b| b.page == page_of(e))
                    .and_then(|b| b.entries.get(offset_in_page(e)))
                    .is_some_and(|entry| entry.status != EpochStatus::Pending);
                if finalized {
                    continue;
                }
                let worked = include_empty
                    || flows::shard_payers(ctx.ledger.as_mut(), &net, e)?
                        .iter()
                        .any(Option::is_some);
                if worked {
                    open.push(e);
                }
            }
            open
        }
    };
    let payer = ctx.signer()?.pubkey();
    let ixs: Vec<Instruction> = targets
        .iter()
        .map(|e| ix::finalize_epoch(&net, payer, *e))
        .collect();
    let sigs = send_packed(
        ctx,
        &ixs,
        "finalizing: an epoch can be finalized once it has ended, once",
    )?;
    let network: Network = accounts::fetch_required(ctx.ledger.as_mut(), &net.network)?;
    let paused = network.claims_paused_total(now).unwrap_or(0);
    let mut done = vec![];
    for e in &targets {
        let entry = entry_of(ctx.ledger.as_mut(), &net, *e)?;
        ctx.say(format!(
            "finalized {}",
            entry_text(*e, &entry, paused, now, &d)
        ));
        done.push(entry_json(*e, &entry, paused, now));
    }
    if done.is_empty() {
        ctx.say(format!(
            "nothing to finalize: every ended epoch with work is finalized (current epoch {current})"
        ));
    }
    for s in &sigs {
        ctx.say(format!("signature {s}"));
    }
    if ctx.output() == Output::Json {
        ctx.emit(json!({"finalized": done, "signatures": sigs}), String::new);
    }
    Ok(())
}

fn claimable(ctx: &mut Ctx, owner: Option<Pubkey>) -> Result<()> {
    let net = ctx.network()?;
    let d = ctx.decimals()?;
    let owner = match owner {
        Some(o) => o,
        None => ctx.signer()?.pubkey(),
    };
    let now = view::now(ctx)?;
    let list = flows::claimable(ctx.ledger.as_mut(), &net, &owner, now)?;
    let pages = flows::pages_of(&list);
    let total: u128 = list.iter().map(|c| u128::from(c.reward)).sum();
    let why = if list.is_empty() {
        Some(flows::nothing_to_claim(
            ctx.ledger.as_mut(),
            &net,
            &owner,
            now,
        )?)
    } else {
        None
    };
    let mut cuts = Vec::new();
    for c in &list {
        let entry = entry_of(ctx.ledger.as_mut(), &net, c.epoch)?;
        cuts.push(flows::reward_cuts(&entry));
    }
    ctx.emit(
        json!({
            "owner": owner.to_string(),
            "total": u64::try_from(total).unwrap_or(u64::MAX),
            "decimals": d.json(),
            "pages": pages,
            "epochs": list.iter().zip(&cuts).map(|(c, cut)| json!({"epoch": c.epoch, "reward": c.reward, "cuts": cut.iter().map(cut_json).collect::<Vec<_>>()})).collect::<Vec<_>>(),
            "nothing_because": why.as_ref().map(|w| nothing_json(w, now)),
        }),
        || {
            if let Some(w) = &why {
                return format!("nothing to claim: {}", nothing_text(w, now));
            }
            let mut s = format!(
                "{} epoch(s) claimable, {} in all, in {} book page(s)\n",
                list.len(),
                d.stk(u64::try_from(total).unwrap_or(u64::MAX)),
                pages.len()
            );
            for (c, cut) in list.iter().zip(&cuts) {
                s.push_str(&format!("  epoch {:>5}  {}\n", c.epoch, d.s(c.reward)));
                for cut in cut {
                    s.push_str(&format!("               {}\n", cut_text(cut, &d)));
                }
            }
            s.trim_end().to_string()
        },
    );
    Ok(())
}

/// Why nothing can be claimed, in words (what to do, and when).
fn nothing_text(why: &NothingToClaim, now: i64) -> String {
    let list = |e: &[u64]| e.iter().map(u64::to_string).collect::<Vec<_>>().join(", ");
    match why {
        NothingToClaim::NotAProvider => {
            "the signer has no provider on this network (rewards go to providers: spice provider register)".into()
        }
        NothingToClaim::NoWork => {
            "no settled job of this provider counts in any epoch yet (rewards come from settled jobs)".into()
        }
        NothingToClaim::NotFinalized { epochs } => format!(
            "epoch(s) {} ended with this provider's work but are not finalized: spice rewards finalize (anyone)",
            list(epochs)
        ),
        NothingToClaim::NotEnded { epochs, ends_at } => format!(
            "epoch(s) {} with this provider's work have not ended; the first ends {}, then finalize it (spice rewards finalize)",
            list(epochs),
            view::when(*ends_at, now)
        ),
        NothingToClaim::AllClaimed { epochs } => format!(
            "everything was claimed already (epochs {})",
            list(epochs)
        ),
        NothingToClaim::Expired { epochs } => format!(
            "the claim deadline of epoch(s) {} has passed: their rewards returned to the pool",
            list(epochs)
        ),
    }
}

fn nothing_json(why: &NothingToClaim, now: i64) -> Value {
    let (code, epochs) = match why {
        NothingToClaim::NotAProvider => ("not_a_provider", vec![]),
        NothingToClaim::NoWork => ("no_work", vec![]),
        NothingToClaim::NotFinalized { epochs } => ("not_finalized", epochs.clone()),
        NothingToClaim::NotEnded { epochs, .. } => ("not_ended", epochs.clone()),
        NothingToClaim::AllClaimed { epochs } => ("all_claimed", epochs.clone()),
        NothingToClaim::Expired { epochs } => ("expired", epochs.clone()),
    };
    json!({"code": code, "epochs": epochs, "message": nothing_text(why, now)})
}

fn claim(ctx: &mut Ctx, to: Option<Pubkey>) -> Result<()> {
    let net = ctx.network()?;
    let d = ctx.decimals()?;
    let owner = ctx.signer()?.pubkey();
    let now = view::now(ctx)?;
    let list = flows::claimable(ctx.ledger.as_mut(), &net, &owner, now)?;
    if list.is_empty() {
        let why = flows::nothing_to_claim(ctx.ledger.as_mut(), &net, &owner, now)?;
        return Err(crate::errors::UserError::new(
            "NothingToClaim",
            format!("nothing to claim for {owner}: {}", nothing_text(&why, now)),
        )
        .detail("nothing_because", nothing_json(&why, now))
        .into());
    }
    let pages = flows::pages_of(&list);
    let (destination, prefix) = match to {
        Some(t) => (t, vec![]),
        None => (
            net.stake_ata(&owner),
            vec![tokens::create_associated(
                &owner,
                &owner,
                &net.stake_mint,
                &net.stake_token_program,
            )],
        ),
    };
    let batches = flows::claim_batches(&net, &owner, &owner, &destination, &pages, &prefix);
    let bar = if ctx.output() == Output::Text {
        ProgressBar::new(pages.len() as u64)
    } else {
        ProgressBar::hidden()
    };
    bar.set_style(
        ProgressStyle::with_template("{bar:30} {pos}/{len} book pages claimed {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let before = view::balance(ctx, &destination)?;
    let mut sigs = vec![];
    for batch in &batches {
        let mut ixs = prefix.clone();
        ixs.push(ix::claim_rewards(&net, owner, destination, batch));
        match ctx.send(&ixs, &[]) {
            Ok(sig) => sigs.push(sig.to_string()),
            Err(e) => {
                bar.abandon();
                let got = view::balance(ctx, &destination)?.saturating_sub(before);
                bail!(
                    "claimed {} in {} of {} book pages, then: {e:#}",
                    d.stk(got),
                    bar.position(),
                    pages.len()
                );
            }
        }
        bar.inc(batch.len() as u64);
    }
    bar.finish_and_clear();
    let claimed = view::balance(ctx, &destination)?.saturating_sub(before);
    let left = flows::claimable(ctx.ledger.as_mut(), &net, &owner, now)?;
    let still_owed: u64 = left.iter().map(|c| c.reward).fold(0, u64::saturating_add);
    let epochs: Vec<u64> = list.iter().map(|c| c.epoch).collect();
    let mut per_epoch = Vec::new();
    for c in &list {
        let entry = entry_of(ctx.ledger.as_mut(), &net, c.epoch)?;
        let owed_now = left
            .iter()
            .find(|l| l.epoch == c.epoch)
            .map_or(0, |l| l.reward);
        per_epoch.push((
            c.epoch,
            c.reward.saturating_sub(owed_now),
            owed_now,
            flows::reward_cuts(&entry),
        ));
    }
    let network: Network = accounts::fetch_required(ctx.ledger.as_mut(), &net.network)?;
    let window = network.params.outflow_window_seconds;
    if claimed == 0 {
        return Err(crate::errors::UserError::new(
            "ClaimPaidNothing",
            format!(
                "the claim paid nothing: the reward circuit breaker lets no more out of the pool in this window ({} of {}s); {} is still owed, claim again later",
                view::duration(window),
                window,
                d.stk(still_owed)
            ),
        )
        .into());
    }
    ctx.emit(
        json!({
            "claimed": claimed,
            "decimals": d.json(),
            "epochs": epochs,
            "per_epoch": per_epoch.iter().map(|(e, paid, owed, cuts)| json!({
                "epoch": e,
                "paid": paid,
                "still_owed": owed,
                "cuts": cuts.iter().map(cut_json).chain((*owed > 0).then(|| json!({"reason": "breaker", "still_owed": owed}))).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
            "pages": pages,
            "transactions": batches.len(),
            "destination": destination.to_string(),
            "still_owed": still_owed,
            "signatures": sigs,
        }),
        || {
            let mut s = format!(
                "claimed {} for {} epoch(s) ({} book page(s)) in {} transaction(s) to {destination}",
                d.stk(claimed),
                epochs.len(),
                pages.len(),
                batches.len()
            );
            for (e, paid, _, cuts) in &per_epoch {
                s.push_str(&format!("\n  epoch {e}: {}", d.stk(*paid)));
                for cut in cuts {
                    s.push_str(&format!("\n    less than the curve because of {}", cut_text(cut, &d)));
                }
            }
            if still_owed > 0 {
                s.push_str(&format!(
                    "\nbreaker: {} is still owed: the reward circuit breaker limits what leaves the pool per {}; claim again later",
                    d.stk(still_owed),
                    view::duration(window)
                ));
            }
            s
        },
    );
    Ok(())
}

fn close_epoch(ctx: &mut Ctx, epoch: Option<u64>) -> Result<()> {
    let net = ctx.network()?;
    let d = ctx.decimals()?;
    let now = view::now(ctx)?;
    let network: Network = accounts::fetch_required(ctx.ledger.as_mut(), &net.network)?;
    let paused = network.claims_paused_total(now).unwrap_or(0);
    let targets: Vec<(u64, EpochEntry)> = match epoch {
        Some(e) => vec![(e, entry_of(ctx.ledger.as_mut(), &net, e)?)],
        None => {
            let books = epoch_books(ctx.ledger.as_mut(), &net, page_of(net.epoch_at(now)))?;
            entries(&books)
                .filter(|(_, e)| {
                    e.status == EpochStatus::Open
                        && e.effective_deadline(paused).is_ok_and(|d| now >= d)
                })
                .map(|(i, e)| (i, *e))
                .collect()
        }
    };
    let ixs: Vec<Instruction> = targets
        .iter()
        .map(|(e, _)| ix::close_epoch(&net, *e))
        .collect();
    let hint = match epoch.and_then(|e| targets.iter().find(|(i, _)| *i == e)) {
        Some((e, entry)) if entry.status == EpochStatus::Open => format!(
            "closing epoch {e}: possible from its claim deadline, {} (later by any claim pause; never while claims are paused)",
            view::when(entry.effective_deadline(paused).unwrap_or(entry.claim_deadline), now)
        ),
        Some((e, entry)) => format!(
            "closing epoch {e}: it is {} (only a finalized, open epoch closes)",
            status_name(entry.status)
        ),
        None => "closing epochs".to_string(),
    };
    let sigs = send_packed(ctx, &ixs, &hint)?;
    let closed: Vec<Value> = targets
        .iter()
        .map(|(e, entry)| {
            json!({"epoch": e, "allocated": entry.allocated, "claimed": entry.claimed, "returned_to_pool": entry.allocated.saturating_sub(entry.claimed)})
        })
        .collect();
    ctx.emit(json!({"closed": closed, "signatures": sigs}), || {
        if targets.is_empty() {
            return "nothing to close: no finalized epoch is past its claim deadline".into();
        }
        let mut lines: Vec<String> = targets
            .iter()
            .map(|(e, entry)| {
                format!(
                    "closed epoch {e}: {} unclaimed of {} allocated back to the pool (stake tokens)",
                    d.s(entry.allocated.saturating_sub(entry.claimed)),
                    d.s(entry.allocated)
                )
            })
            .collect();
        lines.extend(sigs.iter().map(|s| format!("signature {s}")));
        lines.join("\n")
    });
    Ok(())
}

fn close_shards(ctx: &mut Ctx, epoch: Option<u64>) -> Result<()> {
    let net = ctx.network()?;
    let now = view::now(ctx)?;
    let targets: Vec<u64> = match epoch {
        Some(e) => {
            let entry = entry_of(ctx.ledger.as_mut(), &net, e)?;
            if entry.status == EpochStatus::Pending {
                bail!("epoch {e} is not finalized: its shards close after `spice rewards finalize {e}`");
            }
            vec![e]
        }
        None => {
            let books = epoch_books(ctx.ledger.as_mut(), &net, page_of(net.epoch_at(now)))?;
            entries(&books)
                .filter(|(_, e)| e.status != EpochStatus::Pending && e.open_shards > 0)
                .map(|(i, _)| i)
                .collect()
        }
    };
    let mut ixs = Vec::new();
    let mut closed = Vec::new();
    let mut rent = 0u64;
    for e in &targets {
        for shard in 0..net.shard_count {
            let address = pda::epoch_shard(&net.network, *e, shard);
            let s: Option<EpochShard> = accounts::fetch(ctx.ledger.as_mut(), &address)?;
            if let Some(s) = s {
                rent += view::lamports(ctx, &address)?;
                ixs.push(ix::close_epoch_shard(&net, *e, shard, s.payer));
                closed.push(json!({"epoch": e, "shard": shard, "payer": s.payer.to_string()}));
            }
        }
    }
    let sigs = send_packed(ctx, &ixs, "closing epoch shards")?;
    ctx.emit(
        json!({"closed": closed, "rent_lamports": rent, "signatures": sigs}),
        || {
            if closed.is_empty() {
                return "nothing to close: no finalized epoch has shards left".into();
            }
            let mut lines = vec![format!(
                "closed {} shard(s) of {} epoch(s): {rent} lamports of rent back to their payers",
                closed.len(),
                targets.len()
            )];
            lines.extend(sigs.iter().map(|s| format!("signature {s}")));
            lines.join("\n")
        },
    );
    Ok(())
}

fn close_book(ctx: &mut Ctx, provider: &str, page: Option<u64>) -> Result<()> {
    let net = ctx.network()?;
    let provider = view::resolve_provider(ctx, &net.network, provider)?;
    let now = view::now(ctx)?;
    let current = net.epoch_at(now);
    let candidates: Vec<u64> = match page {
        Some(p) => vec![p],
        None => (0..=page_of(current)).collect(),
    };
    let mut ixs = Vec::new();
    let mut closed = Vec::new();
    let mut rent = 0u64;
    for p in candidates {
        let address = pda::provider_book(&provider, p);
        let book: Option<ProviderBook> = accounts::fetch(ctx.ledger.as_mut(), &address)?;
        let Some(book) = book else {
            if page.is_some() {
                bail!("provider {provider} has no book page {p} ({address})");
            }
            continue;
        };
        let epochs = epoch_book(ctx.ledger.as_mut(), &net, p)?;
        if page.is_none() && !book_closable(&book, epochs.as_ref(), current) {
            continue;
        }
        rent += view::lamports(ctx, &address)?;
        ixs.push(ix::close_provider_book(
            &net,
            provider,
            p,
            book.payer,
            epochs.is_some(),
        ));
        closed.push(
            json!({"page": p, "first_epoch": p * EPOCHS_PER_PAGE, "payer": book.payer.to_string()}),
        );
    }
    let sigs = send_packed(
        ctx,
        &ixs,
        "closing book pages: a page closes once its epochs are over and each entry is paid or its epoch closed",
    )?;
    ctx.emit(
        json!({"provider": provider.to_string(), "closed": closed, "rent_lamports": rent, "signatures": sigs}),
        || {
            if closed.is_empty() {
                return format!(
                    "nothing to close: every book page of provider {provider} still has epochs running or rewards to claim"
                );
            }
            let mut lines = vec![format!(
                "closed {} book page(s) of provider {provider}: {rent} lamports of rent back to their payers",
                closed.len()
            )];
            lines.extend(sigs.iter().map(|s| format!("signature {s}")));
            lines.join("\n")
        },
    );
    Ok(())
}

fn show(ctx: &mut Ctx, epoch: Option<u64>) -> Result<()> {
    let (net, n) = view::network(ctx)?;
    let d = ctx.decimals()?;
    let address = net.network;
    let now = view::now(ctx)?;
    let current = net.epoch_at(now);
    let paused = n.claims_paused_total(now).unwrap_or(0);
    let Some(e) = epoch else {
        let pool = accounts::token_balance(ctx.ledger.as_mut(), &pda::reward_vault(&address))?;
        let ends = net.epoch_start(current.saturating_add(1));
        let next = spice::curve::curve_emission(
            n.params.initial_emission,
            n.params.emission_decay_bps,
            n.params.tail_emission,
            current,
        )
        .unwrap_or(0);
        let books = epoch_books(ctx.ledger.as_mut(), &net, page_of(current))?;
        let open: Vec<(u64, EpochEntry)> = entries(&books)
            .filter(|(_, e)| e.status == EpochStatus::Open)
            .map(|(i, e)| (i, *e))
            .collect();
        ctx.emit(
            json!({
                "current_epoch": current,
                "epoch_ends_at": view::time_json(ends, now),
                "now": now,
                "pool": pool,
                "total_allocated": n.total_allocated,
                "total_claimed": n.total_claimed,
                "current_epoch_emission": next,
                "reward_rate_cap_bps": n.params.reward_rate_cap_bps,
                "open_epochs": open.iter().map(|(i, e)| entry_json(*i, e, paused, now)).collect::<Vec<_>>(),
            }),
            || {
                let mut s = format!(
                    "current epoch {current} ends {}; its curve emission {}, at most {} bps of its score\npool {}, allocated {}, claimed {}",
                    view::when(ends, now),
                    d.stk(next),
                    n.params.reward_rate_cap_bps,
                    d.stk(pool),
                    d.s(n.total_allocated),
                    d.s(n.total_claimed)
                );
                if !open.is_empty() {
                    s.push_str("\nopen epochs:");
                    for (i, e) in &open {
                        s.push_str(&format!("\n  {}", entry_text(*i, e, paused, now, &d)));
                    }
                }
                s
            },
        );
        return Ok(());
    };
    let entry = entry_of(ctx.ledger.as_mut(), &net, e)?;
    if entry.status == EpochStatus::Pending {
        let state = if e >= current {
            "not ended yet"
        } else {
            "ended, not finalized (spice rewards finalize)"
        };
        ctx.emit(
            json!({"epoch": e, "status": "Pending", "finalized": false, "state": state}),
            || format!("epoch {e}: {state}"),
        );
        return Ok(());
    }
    let mut out = entry_json(e, &entry, paused, now);
    if let Value::Object(map) = &mut out {
        map.insert("finalized".into(), json!(true));
    }
    ctx.emit(out, || entry_text(e, &entry, paused, now, &d));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use spice::state::{ProviderEntry, PAGE_LEN};

    fn book(page: u64) -> ProviderBook {
        ProviderBook {
            version: 1,
            bump: 0,
            network: Pubkey::default(),
            provider: Pubkey::default(),
            page,
            payer: Pubkey::default(),
            entries: [ProviderEntry::default(); PAGE_LEN],
        }
    }

    fn epochs(page: u64) -> EpochBook {
        EpochBook {
            version: 1,
            bump: 0,
            network: Pubkey::default(),
            page,
            payer: Pubkey::default(),
            entries: [EpochEntry::default(); PAGE_LEN],
        }
    }

    #[test]
    fn a_book_page_closes_once_its_epochs_are_over_and_nothing_is_owed() {
        let mut b = book(1);
        let last = 2 * EPOCHS_PER_PAGE - 1;
        // Empty: closable once the page's last epoch has ended.
        assert!(!book_closable(&b, None, last));
        assert!(book_closable(&b, None, last + 1));
        // Work in an epoch not finalized: stays.
        b.entries[3].score = 10;
        b.entries[3].weight = 10;
        assert!(!book_closable(&b, None, last + 1));
        let mut e = epochs(1);
        assert!(!book_closable(&b, Some(&e), last + 1));
        // Finalized, open, reward not claimed: stays; claimed: closes.
        e.entries[3] = EpochEntry {
            status: EpochStatus::Open,
            allocated: 100,
            total_score: 10,
            total_weight: 10,
            ..Default::default()
        };
        assert!(!book_closable(&b, Some(&e), last + 1));
        b.entries[3].paid = 100;
        assert!(book_closable(&b, Some(&e), last + 1));
        // Closed epochs release their entries whatever was paid.
        b.entries[3].paid = 0;
        e.entries[3].status = EpochStatus::Closed;
        assert!(book_closable(&b, Some(&e), last + 1));
    }

    #[test]
    fn entries_are_numbered_by_page() {
        let books = vec![epochs(0), epochs(2)];
        let indices: Vec<u64> = entries(&books).map(|(i, _)| i).collect();
        assert_eq!(indices.len(), 2 * PAGE_LEN);
        assert_eq!(indices[0], 0);
        assert_eq!(indices[PAGE_LEN], 2 * EPOCHS_PER_PAGE);
    }

    #[test]
    fn status_names() {
        assert_eq!(status_name(EpochStatus::Pending), "Pending");
        assert_eq!(status_name(EpochStatus::Closed), "Closed");
    }
}
