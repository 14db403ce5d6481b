//! `spice network deploy <FILE>`: a network described in a TOML file (see `migrations/`)
//! brought into existence, idempotently. Each step first reads what is on chain and acts only
//! on a difference, so a second run changes nothing and says so.

use std::path::Path;

use anchor_lang::prelude::Pubkey;
use anyhow::{bail, Context, Result};
use serde::Deserialize;
use serde_json::json;
use solana_sdk::signature::{Keypair, Signer};
use spice::state::{Attestor, Network};
use spice_sdk::{accounts, ix, pda, tokens};

use crate::cmd::view;
use crate::context::{load_or_create_keypair, Ctx};
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
    /// Or its keypair file (created on the embedded ledger if missing).
    pub keypair: Option<String>,
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
    if let Err(e) = p.validate() {
        bail!("[params] out of bounds: {e} (bounds: docs/REFERENCE.md)");
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
    let network = match existing {
        Some(n) => {
            check_mint(&file.payment_mint, &n.payment_mint, "payment")?;
            if !file.stake_mint.same_as_payment {
                check_mint(&file.stake_mint, &n.stake_mint, "stake")?;
            }
            let changed = params::diff(&n.params, &wanted);
            if !changed.is_empty() {
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
                if n.authority != deployer.pubkey() {
                    bail!(
                        "parameters differ from the file but only the authority {} can update them",
                        n.authority
                    );
                }
                ctx.send(
                    &[ix::update_params(deployer.pubkey(), address, wanted)],
                    &[],
                )?;
                for (name, old, new) in changed {
                    log.change(format!("updated {name}: {old} -> {new}"));
                }
            }
            n
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

    for entry in &file.attestors {
        let key = match (&entry.key, &entry.keypair) {
            (Some(k), None) => *k,
            (None, Some(path)) => load_or_create_keypair(path, ctx.embedded())?.pubkey(),
            _ => bail!("each [[attestors]] needs exactly one of `key` or `keypair`"),
        };
        let record = pda::attestor(&address, &key);
        let current: Option<Attestor> = accounts::fetch(ctx.ledger.as_mut(), &record)?;
        if current.as_ref().is_some_and(|a| a.active) {
            continue;
        }
        if network.authority != deployer.pubkey() {
            bail!(
                "attestor {key} is not active but only the authority {} can add it",
                network.authority
            );
        }
        ctx.send(&[ix::add_attestor(deployer.pubkey(), address, key)], &[])?;
        log.change(format!("added attestor {key} (record {record})"));
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
        .push(("reward vault".into(), pda::reward_vault(&address)));

    let unchanged = log.changes.is_empty();
    let json = json!({
        "network": address.to_string(),
        "changed": !unchanged,
        "changes": log.changes,
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
        for (name, key) in &log.addresses {
            out.push_str(&format!("  {name:<17} {key}\n"));
        }
        out.trim_end().to_string()
    });
    Ok(())
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
