//! `spice network deploy <FILE>`: a network described in a TOML file (see `migrations/`)
//! brought into existence, idempotently. Each step first reads what is on chain and acts only
//! on a difference, so a second run changes nothing and says so. Parameter changes go through
//! the program's governance delay: deploy proposes them, and a later run applies the proposal
//! once its delay has passed.

use std::path::Path;

use anchor_lang::prelude::Pubkey;
use anyhow::{bail, Context, Result};
use serde::Deserialize;
use serde_json::json;
use solana_sdk::signature::{Keypair, Signer};
use spice::state::{Attestor, Network, NetworkParams};
use spice_sdk::{accounts, ix, pda, tokens};

use crate::cmd::view;
use crate::context::{load_keypair, Ctx};
use crate::params::{self, ParamsToml};

/// The deploy file.
#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct DeployFile {
    pub network: NetworkSection,
    pub payment_mint: MintSection,
    pub stake_mint: MintSection,
    pub params: ParamsToml,
    #[serde(default)]
    pub attestors: Vec<AttestorEntry>,
    pub rewards: Option<RewardsSection>,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct NetworkSection {
    /// Seed of the network address, with the deployer's key.
    pub id: u64,
    /// Default: the deployer.
    pub authority: Option<Pubkey>,
    /// Accept mints with a freeze authority (USDC-like): their issuer could freeze the
    /// network's vaults. Fixed at creation; without it such mints are refused.
    #[serde(default)]
    pub allow_freeze_authority: bool,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct MintSection {
    /// An existing mint.
    pub address: Option<Pubkey>,
    /// Create a new mint (the deployer is its mint authority).
    #[serde(default)]
    pub create: bool,
    /// Use the payment mint as the stake mint too (stake_mint only).
    #[serde(default)]
    pub same_as_payment: bool,
    #[serde(default = "default_decimals")]
    pub decimals: u8,
    /// "spl-token" or "token-2022".
    #[serde(default = "default_token_program")]
    pub token_program: String,
}

fn default_decimals() -> u8 {
    6
}

fn default_token_program() -> String {
    "spl-token".into()
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct AttestorEntry {
    /// The attestor's public key.
    pub key: Option<Pubkey>,
    /// Or its keypair file.
    pub keypair: Option<String>,
    /// Create that keypair file (0600) if it does not exist (test networks).
    #[serde(default)]
    pub create: bool,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct RewardsSection {
    /// Funded + claimed the pool is topped up to.
    pub fund: u64,
}

/// Reads and checks a deploy file.
pub fn read(path: &Path) -> Result<DeployFile> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let file: DeployFile = toml::from_str(&text)
        .with_context(|| format!("{} is not a deploy file", path.display()))?;
    let p = file.params.complete()?;
    // The program's check, run here: its `msg!` names the parameter (captured, not printed).
    let (checked, logged) = match spice_ledger::capture::StdoutCapture::new() {
        Ok(mut capture) => capture.run(|| p.validate_for(file.stake_mint.same_as_payment)),
        Err(_) => (p.validate_for(file.stake_mint.same_as_payment), vec![]),
    };
    if let Err(e) = checked {
        let name = match &e {
            anchor_lang::error::Error::AnchorError(a) => a.error_name.clone(),
            other => other.to_string(),
        };
        let why = if logged.is_empty() {
            String::new()
        } else {
            format!(": {}", logged.join("; "))
        };
        bail!(
            "[params] of {} refused by the program's bounds ({name}){why} (bounds: docs/REFERENCE.md)",
            path.display()
        );
    }
    Ok(file)
}

fn token_program(name: &str) -> Result<Pubkey> {
    match name {
        "spl-token" => Ok(anchor_spl::token::ID),
        "token-2022" => Ok(anchor_spl::token_2022::ID),
        other => bail!("token_program = {other:?}: expected \"spl-token\" or \"token-2022\""),
    }
}

/// What deploy did, step by step.
struct Log {
    changes: Vec<String>,
    addresses: Vec<(String, Pubkey)>,
}

impl Log {
    fn change(&mut self, s: String) {
        eprintln!("  {s}");
        self.changes.push(s);
    }
}

/// Creates a mint as the section says, or checks the given one; returns (mint, token program).
fn mint_of(
    ctx: &mut Ctx,
    section: &MintSection,
    what: &str,
    log: &mut Log,
) -> Result<(Pubkey, Pubkey)> {
    if let Some(address) = section.address {
        let mint = accounts::fetch_mint(ctx.ledger.as_mut(), &address)
            .with_context(|| format!("{what} mint"))?;
        return Ok((address, mint.token_program));
    }
    if !section.create {
        bail!("[{what}_mint] needs `address = \"<MINT>\"` or `create = true`");
    }
    let program = token_program(&section.token_program)?;
    let (mint, _) = view::create_mint(ctx, section.decimals, &program)?;
    log.change(format!(
        "created {what} mint {mint} ({} decimals, {})",
        section.decimals, section.token_program
    ));
    Ok((mint, program))
}

/// Applies the deploy file.
pub fn deploy(ctx: &mut Ctx, path: &Path) -> Result<()> {
    let file = read(path)?;
    let wanted = file.params.complete()?;
    let deployer = ctx.signer()?;
    let address = pda::network(&deployer.pubkey(), file.network.id);
    let authority = file.network.authority.unwrap_or(deployer.pubkey());
    eprintln!("deploying {} to {}", path.display(), ctx.ledger.describe());
    let mut log = Log {
        changes: vec![],
        addresses: vec![],
    };

    let existing: Option<Network> = accounts::fetch(ctx.ledger.as_mut(), &address)?;
    let mut pending_at = None;
    let network = match existing {
        Some(n) => {
            check_mint(&file.payment_mint, &n.payment_mint, "payment")?;
            if !file.stake_mint.same_as_payment {
                check_mint(&file.stake_mint, &n.stake_mint, "stake")?;
            }
            if n.freeze_authority_accepted != file.network.allow_freeze_authority {
                bail!(
                    "allow_freeze_authority is fixed at creation; this network has {}, the file says {}",
                    n.freeze_authority_accepted,
                    file.network.allow_freeze_authority
                );
            }
            pending_at = params_step(ctx, &deployer, address, &n, &wanted, &mut log)?;
            accounts::fetch_required(ctx.ledger.as_mut(), &address)?
        }
        None => {
            let (payment_mint, payment_program) =
                mint_of(ctx, &file.payment_mint, "payment", &mut log)?;
            let (stake_mint, stake_program) = if file.stake_mint.same_as_payment {
                (payment_mint, payment_program)
            } else {
                mint_of(ctx, &file.stake_mint, "stake", &mut log)?
            };
            let create = ix::create_network(
                deployer.pubkey(),
                file.network.id,
                authority,
                wanted,
                payment_mint,
                stake_mint,
                payment_program,
                stake_program,
                file.network.allow_freeze_authority,
            );
            ctx.send(&[create], &[])?;
            log.change(format!(
                "created network {address} (id {})",
                file.network.id
            ));
            accounts::fetch_required(ctx.ledger.as_mut(), &address)?
        }
    };
    let net = spice_sdk::ix::NetworkKeys::from_account(address, &network);

    let now = view::now(ctx)?;
    let mut attestors_from = Vec::new();
    for entry in &file.attestors {
        let key = match (&entry.key, &entry.keypair) {
            (Some(k), None) => *k,
            (None, Some(path)) => load_keypair(path, entry.create || ctx.global.create)?.pubkey(),
            _ => bail!("each [[attestors]] needs exactly one of `key` or `keypair`"),
        };
        let record = pda::attestor(&address, &key);
        let current: Option<Attestor> = accounts::fetch(ctx.ledger.as_mut(), &record)?;
        if let Some(a) = &current {
            if !a.removal_scheduled() {
                // In the set: voting already, or from its `active_from`.
                if now < a.active_from {
                    attestors_from.push((key, a.active_from));
                }
                continue;
            }
            if now < a.active_until {
                bail!(
                    "attestor {key} is being removed (effective {}): it can be added again from then",
                    view::when(a.active_until, now)
                );
            }
        }
        if network.authority != deployer.pubkey() {
            bail!(
                "attestor {key} is not in the attestor set but only the authority {} can add it",
                network.authority
            );
        }
        ctx.send(&[ix::add_attestor(deployer.pubkey(), address, key)], &[])?;
        let a: Attestor = accounts::fetch_required(ctx.ledger.as_mut(), &record)?;
        log.change(format!(
            "added attestor {key} (record {record}): votes from {} on jobs accepted from then",
            view::when(a.active_from, now)
        ));
        attestors_from.push((key, a.active_from));
    }

    if let Some(rewards) = &file.rewards {
        let vault = pda::reward_vault(&address);
        let held = accounts::token_balance(ctx.ledger.as_mut(), &vault)?;
        let funded = u128::from(held) + u128::from(network.total_claimed);
        let missing = u128::from(rewards.fund).saturating_sub(funded);
        if missing > 0 {
            let amount = u64::try_from(missing).context("funding amount")?;
            fund(ctx, &net, &deployer, amount)?;
            log.change(format!(
                "funded the reward pool with {amount} (target {})",
                rewards.fund
            ));
        }
    }

    if ctx.embedded() {
        ctx.ledger.set_meta("network", &address.to_string());
    }
    log.addresses.push(("network".into(), address));
    log.addresses.push(("authority".into(), network.authority));
    log.addresses
        .push(("payment mint".into(), net.payment_mint));
    log.addresses.push(("stake mint".into(), net.stake_mint));
    log.addresses
        .push(("payment treasury".into(), net.payment_treasury()));
    if net.stake_mint != net.payment_mint {
        log.addresses
            .push(("stake treasury".into(), net.stake_treasury()));
    }
    log.addresses
        .push(("payouts vault".into(), net.payment_payouts()));
    if net.stake_mint != net.payment_mint {
        log.addresses
            .push(("stake payouts".into(), net.stake_payouts()));
    }
    log.addresses
        .push(("reward vault".into(), pda::reward_vault(&address)));

    let unchanged = log.changes.is_empty();
    let json = json!({
        "network": address.to_string(),
        "changed": !unchanged,
        "changes": log.changes,
        "params_pending_until": pending_at.map(|t| view::time_json(t, now)),
        "attestors_not_yet_active": attestors_from.iter().map(|(k, t)| json!({"key": k.to_string(), "active_from": view::time_json(*t, now)})).collect::<Vec<_>>(),
        "addresses": log.addresses.iter().map(|(k, v)| (k.clone(), json!(v.to_string()))).collect::<serde_json::Map<_, _>>(),
    });
    ctx.emit(json, || {
        let mut out = if unchanged {
            format!(
                "unchanged: network {address} already matches {}\n",
                path.display()
            )
        } else {
            format!(
                "deployed {} ({} change(s))\n",
                path.display(),
                log.changes.len()
            )
        };
        if let Some(t) = pending_at {
            out.push_str(&format!(
                "  the file's parameters are proposed and apply after {}: run deploy again then (or spice network apply-params)\n",
                view::when(t, now)
            ));
        }
        for (key, t) in &attestors_from {
            out.push_str(&format!(
                "  attestor {key} votes from {} (the governance delay)\n",
                view::when(*t, now)
            ));
        }
        for (name, key) in &log.addresses {
            out.push_str(&format!("  {name:<17} {key}\n"));
        }
        out.trim_end().to_string()
    });
    Ok(())
}

/// Brings the network's parameters to `wanted` through the governance delay: applies a pending
/// proposal of exactly `wanted` once its delay has passed, otherwise proposes `wanted` (or
/// withdraws a proposal the file no longer asks for). Returns when a proposal of `wanted` that
/// is still waiting applies.
fn params_step(
    ctx: &mut Ctx,
    deployer: &Keypair,
    address: Pubkey,
    n: &Network,
    wanted: &NetworkParams,
    log: &mut Log,
) -> Result<Option<i64>> {
    let now = view::now(ctx)?;
    let changed = params::diff(&n.params, wanted);
    if let Some((name, _, _)) = changed
        .iter()
        .find(|(name, _, _)| params::IMMUTABLE.contains(name))
    {
        bail!(
            "{name} is fixed at creation; this network has {}",
            match *name {
                "epoch_seconds" => n.params.epoch_seconds.to_string(),
                _ => n.params.shard_count.to_string(),
            }
        );
    }
    let list = |changes: &[(&str, String, String)]| {
        changes
            .iter()
            .map(|(name, old, new)| format!("{name}: {old} -> {new}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    if n.pending_params.as_ref() == Some(wanted) && !changed.is_empty() {
        if !n.pending_params_applicable(now) {
            return Ok(Some(n.pending_params_at));
        }
        // Anyone may apply a proposal whose delay has passed.
        ctx.send(&[ix::apply_params(address)], &[])
            .context("applying the pending parameter proposal")?;
        log.change(format!(
            "applied the proposed parameters: {}",
            list(&changed)
        ));
        return Ok(None);
    }
    let authority_only = |what: &str| {
        anyhow::anyhow!(
            "{what}, but only the network's authority {} can propose parameters",
            n.authority
        )
    };
    if changed.is_empty() {
        if n.pending_params.is_some() {
            if n.authority != deployer.pubkey() {
                return Err(authority_only(
                    "a parameter proposal the file does not ask for is pending",
                ));
            }
            ctx.send(&[ix::propose_params(deployer.pubkey(), address, None)], &[])?;
            log.change("withdrew a pending parameter proposal the file does not ask for".into());
        }
        return Ok(None);
    }
    if n.authority != deployer.pubkey() {
        return Err(authority_only(
            "the file's parameters differ from the network's",
        ));
    }
    ctx.send(
        &[ix::propose_params(
            deployer.pubkey(),
            address,
            Some(*wanted),
        )],
        &[],
    )
    .context("proposing the file's parameters (the log names a parameter out of bounds, if any)")?;
    let after: Network = accounts::fetch_required(ctx.ledger.as_mut(), &address)?;
    log.change(format!(
        "proposed {}{}; applies after {}",
        list(&changed),
        if n.pending_params.is_some() {
            " (replacing the pending proposal)"
        } else {
            ""
        },
        view::when(after.pending_params_at, now)
    ));
    Ok(Some(after.pending_params_at))
}

fn check_mint(section: &MintSection, actual: &Pubkey, what: &str) -> Result<()> {
    if let Some(address) = section.address {
        if address != *actual {
            bail!("the network's {what} mint is {actual}, the file names {address}: a network's mints never change");
        }
    }
    Ok(())
}

/// Funds the reward pool with `amount` from the deployer's stake-mint account, minting it first
/// when the deployer is the stake mint's authority (a test mint) and holds too little.
fn fund(
    ctx: &mut Ctx,
    net: &spice_sdk::ix::NetworkKeys,
    deployer: &Keypair,
    amount: u64,
) -> Result<()> {
    let owner = deployer.pubkey();
    let source = tokens::associated(&owner, &net.stake_mint, &net.stake_token_program);
    let mint = accounts::fetch_mint(ctx.ledger.as_mut(), &net.stake_mint)?;
    let held = accounts::token_balance(ctx.ledger.as_mut(), &source)?;
    let mut ixs = vec![tokens::create_associated(
        &owner,
        &owner,
        &net.stake_mint,
        &net.stake_token_program,
    )];
    if held < amount {
        if mint.mint_authority != Some(owner) {
            bail!("the reward pool needs {amount} of the stake mint but {source} holds {held}");
        }
        ixs.push(tokens::mint_to(
            &net.stake_token_program,
            &net.stake_mint,
            &source,
            &owner,
            amount - held,
            mint.decimals,
        )?);
    }
    ixs.push(ix::fund_rewards(net, owner, source, amount));
    ctx.send(&ixs, &[])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_deploy_files_parse_and_their_parameters_are_in_bounds() {
        for name in ["embedded.toml", "devnet.toml"] {
            let path = Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../../migrations")
                .join(name);
            let file = read(&path).unwrap_or_else(|e| panic!("{name}: {e:#}"));
            assert!(file.rewards.is_some(), "{name} funds rewards");
        }
    }
}
