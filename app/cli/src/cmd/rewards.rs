//! `spice rewards`: fund the pool, finalize and close epochs (anyone), claim (provider).

use anchor_lang::prelude::Pubkey;
use anyhow::{bail, Result};
use clap::Subcommand;
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::json;
use solana_sdk::signature::Signer;
use spice::state::{Epoch, ProviderEpoch};
use spice_sdk::{accounts, flows, ix, pda, tokens};

use crate::cmd::view;
use crate::context::{Ctx, Output};

#[derive(Subcommand, Debug)]
pub enum RewardsCmd {
    /// Add stake-mint tokens to the reward pool (anyone).
    Fund {
        /// Amount in base units.
        amount: u64,
        /// Source token account (default: the signer's associated token account).
        #[arg(long)]
        from: Option<Pubkey>,
    },
    /// Finalize ended epochs (anyone): fixes their emission from the curve and the pool.
    Finalize {
        /// The epoch; default: every ended epoch since --since that is not finalized yet.
        epoch: Option<u64>,
        /// First epoch to look at when finalizing every ended epoch.
        #[arg(long, default_value_t = 0)]
        since: u64,
    },
    /// Claim every claimable epoch of the signer's provider, as few transactions as fit.
    Claim {
        /// Destination stake-mint token account (default: the signer's associated one).
        #[arg(long)]
        to: Option<Pubkey>,
        /// Also claim epochs that pay 0 (closes their records, returning rent).
        #[arg(long)]
        include_empty: bool,
    },
    /// What the signer's provider (or OWNER's) can claim now, per epoch.
    Claimable {
        /// The provider's owner (default: the signer).
        owner: Option<Pubkey>,
    },
    /// Close an epoch after its claim window (anyone): unclaimed rewards back to the pool.
    CloseEpoch { epoch: u64 },
    /// Close a provider's unclaimed epoch record after the claim window (anyone; rent back).
    CloseProviderEpoch {
        /// The provider's owner.
        owner: Pubkey,
        epoch: u64,
    },
    /// Show one epoch, or the network's reward totals and current epoch.
    Show { epoch: Option<u64> },
}

pub fn run(ctx: &mut Ctx, cmd: RewardsCmd) -> Result<()> {
    match cmd {
        RewardsCmd::Fund { amount, from } => {
            let net = ctx.network()?;
            let owner = ctx.signer()?.pubkey();
            let source = from.unwrap_or_else(|| {
                tokens::associated(&owner, &net.stake_mint, &net.stake_token_program)
            });
            let sig = ctx.send(&[ix::fund_rewards(&net, owner, source, amount)], &[])?;
            ctx.emit(
                json!({"funded": amount, "from": source.to_string(), "signature": sig.to_string()}),
                || format!("funded the reward pool with {amount} from {source}\nsignature {sig}"),
            );
            Ok(())
        }
        RewardsCmd::Finalize { epoch, since } => finalize(ctx, epoch, since),
        RewardsCmd::Claim { to, include_empty } => claim(ctx, to, include_empty),
        RewardsCmd::Claimable { owner } => {
            let net = ctx.network()?;
            let owner = match owner {
                Some(o) => o,
                None => ctx.signer()?.pubkey(),
            };
            let now = ctx.ledger.clock()?.unix_timestamp;
            let list = flows::claimable(ctx.ledger.as_mut(), &net, &owner, now)?;
            let total: u128 = list.iter().map(|c| u128::from(c.reward)).sum();
            ctx.emit(
                json!({"owner": owner.to_string(), "total": total as u64, "epochs": list.iter().map(|c| json!({"epoch": c.epoch, "reward": c.reward})).collect::<Vec<_>>()}),
                || {
                    let mut s = format!("{} epoch(s) claimable, {total} in all\n", list.len());
                    for c in &list {
                        s.push_str(&format!("  epoch {:>5}  {}\n", c.epoch, c.reward));
                    }
                    s.trim_end().to_string()
                },
            );
            Ok(())
        }
        RewardsCmd::CloseEpoch { epoch } => {
            let net = ctx.network()?;
            let close = flows::close_epoch(ctx.ledger.as_mut(), &net, epoch)?;
            let sig = ctx.send(&[close], &[])?;
            ctx.emit(json!({"closed": epoch, "signature": sig.to_string()}), || {
                format!("closed epoch {epoch}: unclaimed rewards back to the pool, rent to its payers\nsignature {sig}")
            });
            Ok(())
        }
        RewardsCmd::CloseProviderEpoch { owner, epoch } => {
            let net = ctx.network()?;
            let provider = pda::provider(&net.network, &owner);
            let pe: ProviderEpoch = accounts::fetch_required(
                ctx.ledger.as_mut(),
                &pda::provider_epoch(&provider, epoch),
            )?;
            let sig = ctx.send(
                &[ix::close_provider_epoch(&net, provider, epoch, pe.payer)],
                &[],
            )?;
            ctx.emit(json!({"closed": epoch, "provider": provider.to_string(), "signature": sig.to_string()}), || {
                format!("closed epoch {epoch} of provider {provider}; rent back to {}\nsignature {sig}", pe.payer)
            });
            Ok(())
        }
        RewardsCmd::Show { epoch } => show(ctx, epoch),
    }
}

fn finalize(ctx: &mut Ctx, epoch: Option<u64>, since: u64) -> Result<()> {
    let net = ctx.network()?;
    let now = ctx.ledger.clock()?.unix_timestamp;
    let current = net.epoch_at(now);
    let targets: Vec<u64> = match epoch {
        Some(e) => vec![e],
        None => {
            let mut open = vec![];
            for e in since..current {
                let done: Option<Epoch> =
                    accounts::fetch(ctx.ledger.as_mut(), &pda::epoch(&net.network, e))?;
                if done.is_none() {
                    open.push(e);
                }
            }
            open
        }
    };
    let payer = ctx.signer()?.pubkey();
    let mut done = vec![];
    for e in targets {
        let finalize = flows::finalize_epoch(ctx.ledger.as_mut(), &net, payer, e)?;
        let sig = ctx.send(&[finalize], &[])?;
        let account: Epoch =
            accounts::fetch_required(ctx.ledger.as_mut(), &pda::epoch(&net.network, e))?;
        ctx.say(format!(
            "finalized epoch {e}: emission {} (shortfall {}), {} job(s), score {}, fees {}\nsignature {sig}",
            account.emission, account.shortfall, account.total_jobs, account.total_score, account.total_fees
        ));
        done.push(json!({"epoch": e, "emission": account.emission, "shortfall": account.shortfall, "jobs": account.total_jobs, "signature": sig.to_string()}));
    }
    if done.is_empty() {
        ctx.say(format!(
            "nothing to finalize: every ended epoch is finalized (current epoch {current})"
        ));
    }
    if ctx.output() == Output::Json {
        ctx.emit(json!({"finalized": done}), String::new);
    }
    Ok(())
}

fn claim(ctx: &mut Ctx, to: Option<Pubkey>, include_empty: bool) -> Result<()> {
    let net = ctx.network()?;
    let signer = ctx.signer()?;
    let owner = signer.pubkey();
    let now = ctx.ledger.clock()?.unix_timestamp;
    let mut list = flows::claimable(ctx.ledger.as_mut(), &net, &owner, now)?;
    if !include_empty {
        list.retain(|c| c.reward > 0);
    }
    if list.is_empty() {
        ctx.emit(
            json!({"claimed": 0, "transactions": 0, "epochs": []}),
            || "nothing to claim (epochs count once finalized: spice rewards finalize)".into(),
        );
        return Ok(());
    }
    let (destination, prefix) = match to {
        Some(t) => (t, vec![]),
        None => (
            tokens::associated(&owner, &net.stake_mint, &net.stake_token_program),
            vec![tokens::create_associated(
                &owner,
                &owner,
                &net.stake_mint,
                &net.stake_token_program,
            )],
        ),
    };
    let batches = flows::claim_batches(&net, &owner, &owner, &destination, &list, &prefix);
    let bar = if ctx.output() == Output::Text {
        ProgressBar::new(list.len() as u64)
    } else {
        ProgressBar::hidden()
    };
    bar.set_style(
        ProgressStyle::with_template("{bar:30} {pos}/{len} epochs claimed {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let mut claimed: u128 = 0;
    let mut sigs = vec![];
    for batch in &batches {
        let mut ixs = prefix.clone();
        ixs.push(flows::claim_ix(&net, &owner, &destination, batch));
        match ctx.send(&ixs, &[]) {
            Ok(sig) => sigs.push(sig.to_string()),
            Err(e) => {
                bar.abandon();
                bail!(
                    "claimed {} of {} epochs ({claimed}), then: {e:#}",
                    bar.position(),
                    list.len()
                );
            }
        }
        claimed += batch.iter().map(|c| u128::from(c.reward)).sum::<u128>();
        bar.inc(batch.len() as u64);
    }
    bar.finish_and_clear();
    let epochs: Vec<u64> = list.iter().map(|c| c.epoch).collect();
    ctx.emit(
        json!({"claimed": claimed as u64, "epochs": epochs, "transactions": batches.len(), "destination": destination.to_string(), "signatures": sigs}),
        || {
            format!(
                "claimed {claimed} for {} epoch(s) in {} transaction(s) to {destination}",
                epochs.len(),
                batches.len()
            )
        },
    );
    Ok(())
}

fn show(ctx: &mut Ctx, epoch: Option<u64>) -> Result<()> {
    let (net, n) = view::network(ctx)?;
    let address = net.network;
    let now = view::now(ctx)?;
    let current = net.epoch_at(now);
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
        ctx.emit(
            json!({"current_epoch": current, "epoch_ends_at": ends, "now": now, "pool": pool, "total_allocated": n.total_allocated, "total_claimed": n.total_claimed, "current_epoch_emission": next}),
            || {
                format!(
                    "current epoch {current} ends in {} s; its curve emission {next}\npool {pool}, allocated {}, claimed {}",
                    ends - now,
                    n.total_allocated,
                    n.total_claimed
                )
            },
        );
        return Ok(());
    };
    let account: Option<Epoch> = accounts::fetch(ctx.ledger.as_mut(), &pda::epoch(&address, e))?;
    let Some(ep) = account else {
        let state = if e >= current {
            "not ended yet"
        } else {
            "ended, not finalized (spice rewards finalize), or closed"
        };
        ctx.emit(
            json!({"epoch": e, "finalized": false, "state": state}),
            || format!("epoch {e}: {state}"),
        );
        return Ok(());
    };
    ctx.emit(
        json!({"epoch": e, "finalized": ep.finalized, "emission": ep.emission, "shortfall": ep.shortfall, "claimed": ep.claimed, "total_score": ep.total_score.to_string(), "total_fees": ep.total_fees, "total_jobs": ep.total_jobs, "finalized_at": ep.finalized_at, "claimable_until_epoch": e + u64::from(n.params.claim_window_epochs)}),
        || {
            format!(
                "epoch {e}: emission {} (shortfall {}), claimed {}, {} job(s), score {}, fees {}; claimable through epoch {}",
                ep.emission,
                ep.shortfall,
                ep.claimed,
                ep.total_jobs,
                ep.total_score,
                ep.total_fees,
                e + u64::from(n.params.claim_window_epochs)
            )
        },
    );
    Ok(())
}
