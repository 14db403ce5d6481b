//! `spice network`: deploy a network from a file, show it, and the authority's instructions.

use std::path::PathBuf;

use anchor_lang::prelude::Pubkey;
use anyhow::{bail, Context as _, Result};
use clap::Subcommand;
use serde_json::json;
use solana_sdk::signature::Signer;
use spice::constants::{PAUSE_ACCEPT_JOB, PAUSE_CLAIM, PAUSE_CREATE_JOB, PAUSE_REGISTER};
use spice::state::Network;
use spice_sdk::{accounts, ix, pda, tokens};

use crate::amounts::{self, Amount};
use crate::cmd::{deploy, view};
use crate::context::Ctx;
use crate::params;

#[derive(Subcommand, Debug)]
pub enum NetworkCmd {
    /// Create or update a network from a deploy file (see migrations/); idempotent.
    Deploy {
        /// The deploy file, e.g. migrations/embedded.toml.
        file: PathBuf,
    },
    /// Show the network: authority, mints, vaults, parameters and a pending proposal, pauses,
    /// reward totals.
    Show,
    /// Propose new parameters (authority): the parameters in force with --set NAME=VALUE
    /// (repeatable) replaced. They apply no earlier than now + unbond_seconds (the governance
    /// delay), with `spice network apply-params`; a new proposal replaces a pending one.
    ProposeParams {
        /// A parameter and its new value, e.g. --set audit_rate_bps=1500.
        #[arg(long = "set", required_unless_present = "cancel")]
        sets: Vec<String>,
        /// Withdraw the pending proposal instead.
        #[arg(long, conflicts_with = "sets")]
        cancel: bool,
    },
    /// Put the pending parameter proposal in force once its delay has passed (anyone).
    ApplyParams,
    /// Propose a new authority (authority); it takes over when it accepts.
    ProposeAuthority {
        /// The proposed authority.
        new_authority: Option<Pubkey>,
        /// Withdraw a pending proposal instead.
        #[arg(long, conflicts_with = "new_authority")]
        cancel: bool,
    },
    /// Accept a pending authority proposal (the proposed authority signs).
    AcceptAuthority,
    /// Pause entry points (authority). Exits (cancel, expire, settle, withdraw) never pause.
    Pause {
        /// What to pause, comma-separated: create-job, accept-job, register, claim, all, none.
        /// Replaces the current set.
        #[arg(value_delimiter = ',', required = true)]
        what: Vec<String>,
    },
    /// Withdraw from a treasury vault (authority).
    WithdrawTreasury {
        /// Which treasury: payment or stake.
        #[arg(long, default_value = "payment")]
        mint: String,
        /// Amount in tokens of that mint (base units with a `base` suffix).
        amount: Amount,
        /// Destination token account (default: the signer's associated token account).
        #[arg(long)]
        to: Option<Pubkey>,
    },
}

pub fn run(ctx: &mut Ctx, cmd: NetworkCmd) -> Result<()> {
    match cmd {
        NetworkCmd::Deploy { file } => deploy::deploy(ctx, &file),
        NetworkCmd::Show => show(ctx),
        NetworkCmd::ProposeParams { sets, cancel } => propose_params(ctx, &sets, cancel),
        NetworkCmd::ApplyParams => apply_params(ctx),
        NetworkCmd::ProposeAuthority {
            new_authority,
            cancel,
        } => {
            if new_authority.is_none() && !cancel {
                bail!("name the new authority, or --cancel");
            }
            let address = ctx.network_address()?;
            let signer = ctx.signer()?;
            let sig = ctx.send(
                &[ix::propose_authority(
                    signer.pubkey(),
                    address,
                    new_authority,
                )],
                &[],
            )?;
            let what = new_authority.map_or("cancelled the pending proposal".to_string(), |k| {
                format!("proposed {k} as authority; it takes over with `spice network accept-authority`")
            });
            ctx.emit(json!({"pending_authority": new_authority.map(|k| k.to_string()), "signature": sig.to_string()}), || {
                format!("{what}\nsignature {sig}")
            });
            Ok(())
        }
        NetworkCmd::AcceptAuthority => {
            let address = ctx.network_address()?;
            let signer = ctx.signer()?;
            let sig = ctx.send(&[ix::accept_authority(signer.pubkey(), address)], &[])?;
            ctx.emit(
                json!({"authority": signer.pubkey().to_string(), "signature": sig.to_string()}),
                || format!("{} is now the authority\nsignature {sig}", signer.pubkey()),
            );
            Ok(())
        }
        NetworkCmd::Pause { what } => {
            let flags = pause_flags(&what)?;
            let address = ctx.network_address()?;
            let signer = ctx.signer()?;
            let sig = ctx.send(&[ix::set_pause(signer.pubkey(), address, flags)], &[])?;
            let names = pause_names(flags);
            ctx.emit(
                json!({"paused": names, "signature": sig.to_string()}),
                || {
                    format!(
                        "paused: {}\nsignature {sig}",
                        if names.is_empty() {
                            "nothing".into()
                        } else {
                            names.join(", ")
                        }
                    )
                },
            );
            Ok(())
        }
        NetworkCmd::WithdrawTreasury { mint, amount, to } => {
            let net = ctx.network()?;
            let d = ctx.decimals()?;
            let (mint, program, decimals) = match mint.as_str() {
                "payment" => (net.payment_mint, net.payment_token_program, d.payment),
                "stake" => (net.stake_mint, net.stake_token_program, d.stake),
                other => bail!("--mint {other}: expected payment or stake"),
            };
            let amount = amounts::resolve("AMOUNT", amount, decimals)?;
            let treasury = if mint == net.payment_mint {
                net.payment_treasury()
            } else {
                net.stake_treasury()
            };
            let holds = accounts::token_balance(ctx.ledger.as_mut(), &treasury)?;
            if amount > holds {
                bail!(
                    "the treasury {treasury} holds {}; cannot withdraw {}",
                    spice_sdk::amount::format_base(holds, decimals),
                    spice_sdk::amount::format_base(amount, decimals)
                );
            }
            let signer = ctx.signer()?;
            let owner = signer.pubkey();
            let mut ixs = vec![];
            let destination = match to {
                Some(t) => t,
                None => {
                    ixs.push(tokens::create_associated(&owner, &owner, &mint, &program));
                    tokens::associated(&owner, &mint, &program)
                }
            };
            ixs.push(ix::withdraw_treasury(
                owner,
                &net,
                mint,
                destination,
                amount,
            ));
            let sig = ctx.send(&ixs, &[])?;
            ctx.emit(json!({"amount": amount, "destination": destination.to_string(), "signature": sig.to_string()}), || {
                format!(
                    "withdrew {} from the treasury to {destination}\nsignature {sig}",
                    spice_sdk::amount::format_base(amount, decimals)
                )
            });
            Ok(())
        }
    }
}

/// `propose-params`: the parameters in force with `sets` replaced, or (`cancel`) no proposal.
fn propose_params(ctx: &mut Ctx, sets: &[String], cancel: bool) -> Result<()> {
    let (net, n) = view::network(ctx)?;
    let address = net.network;
    let signer = ctx.signer()?;
    let proposal = if cancel {
        if n.pending_params.is_none() {
            bail!("network {address} has no pending parameter proposal to withdraw");
        }
        None
    } else {
        let new = params::parse_sets(sets)?.apply(&n.params);
        let changed = params::diff(&n.params, &new);
        if changed.is_empty() {
            ctx.emit(json!({"changed": false}), || {
                "unchanged: the parameters in force already have these values".into()
            });
            return Ok(());
        }
        if let Some((name, _, _)) = changed
            .iter()
            .find(|(name, _, _)| params::IMMUTABLE.contains(name))
        {
            bail!("{name} is fixed at the network's creation and cannot be proposed");
        }
        Some(new)
    };
    let sig = ctx
        .send(
            &[ix::propose_params(signer.pubkey(), address, proposal)],
            &[],
        )
        .with_context(|| {
            format!(
                "proposing parameters: only the authority {} proposes (signer {}), and every parameter must be within its bounds (docs/REFERENCE.md; the log names the one that is not)",
                n.authority,
                signer.pubkey()
            )
        })?;
    let after: Network = accounts::fetch_required(ctx.ledger.as_mut(), &address)?;
    let now = view::now(ctx)?;
    match proposal {
        None => ctx.emit(
            json!({"pending": null, "signature": sig.to_string()}),
            || format!("withdrew the pending parameter proposal\nsignature {sig}"),
        ),
        Some(new) => {
            let list: Vec<String> = params::diff(&n.params, &new)
                .iter()
                .map(|(n, o, v)| format!("{n}: {o} -> {v}"))
                .collect();
            let at = after.pending_params_at;
            ctx.emit(
                json!({
                    "changed": list,
                    "applies_at": view::time_json(at, now),
                    "replaced_pending": n.pending_params.is_some(),
                    "signature": sig.to_string(),
                }),
                || {
                    format!(
                        "proposed {}\napplies after {}: then anyone runs `spice network apply-params`{}\nsignature {sig}",
                        list.join(", "),
                        view::when(at, now),
                        if n.pending_params.is_some() {
                            " (this replaces the proposal that was pending)"
                        } else {
                            ""
                        }
                    )
                },
            );
        }
    }
    Ok(())
}

/// `apply-params`: the pending proposal in force (anyone), once its delay has passed.
fn apply_params(ctx: &mut Ctx) -> Result<()> {
    let (net, n) = view::network(ctx)?;
    let address = net.network;
    let Some(pending) = n.pending_params else {
        bail!("network {address} has no pending parameter proposal (spice network show)");
    };
    let now = view::now(ctx)?;
    let sig = ctx
        .send(&[ix::apply_params(address)], &[])
        .with_context(|| {
            format!(
                "applying the parameter proposal: it applies after {}",
                view::when(n.pending_params_at, now)
            )
        })?;
    let list: Vec<String> = params::diff(&n.params, &pending)
        .iter()
        .map(|(n, o, v)| format!("{n}: {o} -> {v}"))
        .collect();
    ctx.emit(
        json!({"applied": list, "signature": sig.to_string()}),
        || {
            format!(
                "applied {}\nsignature {sig}",
                if list.is_empty() {
                    "the proposal (the same values as before)".to_string()
                } else {
                    list.join(", ")
                }
            )
        },
    );
    Ok(())
}

const PAUSES: &[(&str, u8)] = &[
    ("create-job", PAUSE_CREATE_JOB),
    ("accept-job", PAUSE_ACCEPT_JOB),
    ("register", PAUSE_REGISTER),
    ("claim", PAUSE_CLAIM),
];

fn pause_flags(what: &[String]) -> Result<u8> {
    let mut flags = 0u8;
    for w in what {
        match w.trim() {
            "none" => {}
            "all" => flags |= PAUSES.iter().fold(0, |a, (_, f)| a | f),
            name => match PAUSES.iter().find(|(n, _)| *n == name) {
                Some((_, f)) => flags |= f,
                None => bail!("cannot pause {name:?}: expected create-job, accept-job, register, claim, all or none"),
            },
        }
    }
    Ok(flags)
}

fn pause_names(flags: u8) -> Vec<String> {
    PAUSES
        .iter()
        .filter(|(_, f)| flags & f != 0)
        .map(|(n, _)| n.to_string())
        .collect()
}

fn show(ctx: &mut Ctx) -> Result<()> {
    let (net, n) = view::network(ctx)?;
    let address = net.network;
    let now = view::now(ctx)?;
    let reward_vault = pda::reward_vault(&address);
    let pool = accounts::token_balance(ctx.ledger.as_mut(), &reward_vault)?;
    let payment_treasury = accounts::token_balance(ctx.ledger.as_mut(), &net.payment_treasury())?;
    let stake_treasury = accounts::token_balance(ctx.ledger.as_mut(), &net.stake_treasury())?;
    let payment_payouts = accounts::token_balance(ctx.ledger.as_mut(), &net.payment_payouts())?;
    let stake_payouts = accounts::token_balance(ctx.ledger.as_mut(), &net.stake_payouts())?;
    let d = ctx.decimals()?;
    let epoch = net.epoch_at(now);
    let p = &n.params;
    let outflow_available = n
        .outflow
        .available(
            now,
            p.outflow_window_seconds,
            p.max_reward_outflow_per_window,
        )
        .unwrap_or(0);
    let claims_paused = n.paused & PAUSE_CLAIM != 0;
    let paused_total = n
        .claims_paused_total(now)
        .unwrap_or(n.claims_paused_seconds);
    let pending = n.pending_params.map(|pp| {
        let changes: Vec<String> = params::diff(&n.params, &pp)
            .iter()
            .map(|(k, o, v)| format!("{k}: {o} -> {v}"))
            .collect();
        (pp, changes)
    });
    let json = json!({
        "network": address.to_string(),
        "creator": n.creator.to_string(),
        "id": n.id,
        "authority": n.authority.to_string(),
        "pending_authority": n.pending_authority.map(|k| k.to_string()),
        "payment_mint": n.payment_mint.to_string(),
        "stake_mint": n.stake_mint.to_string(),
        "payment_token_program": n.payment_token_program.to_string(),
        "stake_token_program": n.stake_token_program.to_string(),
        "decimals": d.json(),
        "freeze_authority_accepted": n.freeze_authority_accepted,
        "payment_treasury": {"address": net.payment_treasury().to_string(), "balance": payment_treasury},
        "stake_treasury": {"address": net.stake_treasury().to_string(), "balance": stake_treasury},
        "payment_payouts": {"address": net.payment_payouts().to_string(), "balance": payment_payouts},
        "stake_payouts": {"address": net.stake_payouts().to_string(), "balance": stake_payouts},
        "reward_vault": {"address": reward_vault.to_string(), "balance": pool},
        "paused": pause_names(n.paused),
        "claims_paused_since": (claims_paused).then(|| view::time_json(n.claims_paused_at, now)),
        "claims_paused_seconds": paused_total,
        "genesis_ts": n.genesis_ts,
        "now": now,
        "current_epoch": epoch,
        "total_allocated": n.total_allocated,
        "total_claimed": n.total_claimed,
        "reward_outflow_available": outflow_available,
        "attestor_count": n.attestor_count,
        "governance_delay_seconds": n.governance_delay(),
        "params": params::to_json(&n.params),
        "pending_params": pending.as_ref().map(|(pp, changes)| json!({
            "params": params::to_json(pp),
            "changes": changes,
            "applies_at": view::time_json(n.pending_params_at, now),
            "applicable_now": n.pending_params_applicable(now),
        })),
    });
    ctx.emit(json, || {
        let mut s = format!(
            "network           {address}\n\
             authority         {}{}\n\
             payment mint      {} ({}, {} decimals)\n\
             stake mint        {} ({}, {} decimals)\n\
             freeze authority  {}\n\
             payment treasury  {} holds {}\n\
             stake treasury    {} holds {}\n\
             payouts vault     {} holds {}{}\n\
             reward vault      {reward_vault} holds {}\n\
             rewards           allocated {}, claimed {}; {} may leave the vault now (circuit breaker)\n\
             epoch             {epoch} (genesis {}, {} s each)\n\
             attestors         {}\n\
             paused            {}\n\
             claims paused     {}\n\
             governance delay  {} (parameter proposals and attestor changes)\n",
            n.authority,
            n.pending_authority
                .map(|k| format!(" (pending: {k})"))
                .unwrap_or_default(),
            n.payment_mint,
            n.payment_token_program,
            d.payment,
            n.stake_mint,
            n.stake_token_program,
            d.stake,
            if n.freeze_authority_accepted {
                "accepted at creation: the mints' freeze authority can freeze the network's vaults"
            } else {
                "not accepted (no mint of this network has one)"
            },
            net.payment_treasury(),
            d.pay(payment_treasury),
            net.stake_treasury(),
            d.stk(stake_treasury),
            net.payment_payouts(),
            d.pay(payment_payouts),
            if net.stake_mint != net.payment_mint {
                format!(
                    "; {} holds {}",
                    net.stake_payouts(),
                    d.stk(stake_payouts)
                )
            } else {
                String::new()
            },
            d.stk(pool),
            d.stk(n.total_allocated),
            d.stk(n.total_claimed),
            d.stk(outflow_available),
            n.genesis_ts,
            p.epoch_seconds,
            n.attestor_count,
            {
                let names = pause_names(n.paused);
                if names.is_empty() {
                    "nothing".into()
                } else {
                    names.join(", ")
                }
            },
            if claims_paused {
                format!(
                    "since {}; {} in all (claim deadlines move later by it)",
                    view::when(n.claims_paused_at, now),
                    view::duration(paused_total)
                )
            } else {
                format!(
                    "no; {} in all (claim deadlines move later by it)",
                    view::duration(paused_total)
                )
            },
            view::duration(n.governance_delay()),
        );
        match &pending {
            Some((_, changes)) => s.push_str(&format!(
                "pending params    {}; {} {}\n",
                if changes.is_empty() {
                    "the same values as in force".to_string()
                } else {
                    changes.join(", ")
                },
                if n.pending_params_applicable(now) {
                    "applicable now (spice network apply-params), since"
                } else {
                    "applies after"
                },
                view::when(n.pending_params_at, now)
            )),
            None => s.push_str("pending params    none\n"),
        }
        s.push_str("parameters (token amounts in base units, as the deploy file writes them):\n");
        if let serde_json::Value::Object(map) = params::to_json(&n.params) {
            for (k, v) in map {
                s.push_str(&format!("  {k:<30} {v}\n"));
            }
        }
        s.trim_end().to_string()
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pause_names_round_trip() {
        let flags = pause_flags(&["create-job".into(), "claim".into()]).expect("known");
        assert_eq!(flags, PAUSE_CREATE_JOB | PAUSE_CLAIM);
        assert_eq!(pause_names(flags), vec!["create-job", "claim"]);
        assert_eq!(pause_flags(&["none".into()]).expect("none"), 0);
        assert_eq!(
            pause_names(pause_flags(&["all".into()]).expect("all")).len(),
            4
        );
        assert!(pause_flags(&["settle".into()]).is_err());
    }
}
