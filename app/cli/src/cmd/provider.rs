//! `spice provider`: register GPUs with a stake, describe them, add stake, unbond, withdraw and
//! leave, collect payments that waited in the payouts vault; show one provider or list the
//! network's. The signer (--keypair) is the provider's owner wallet.

use anchor_lang::prelude::Pubkey;
use anyhow::{bail, Context as _, Result};
use clap::{Args, Subcommand};
use serde_json::json;
use solana_sdk::signature::Signer;
use spice::constants::{MAX_GPU_MODEL_LEN, MAX_METADATA_URI_LEN, MAX_REGION_LEN};
use spice::state::{HardwareSpec, JobState, Provider};
use spice_sdk::ix::{self, NetworkKeys};
use spice_sdk::{accounts, pda, tokens};

use crate::amounts::{self, Amount};
use crate::cmd::view;
use crate::context::Ctx;

#[derive(Subcommand, Debug)]
pub enum ProviderCmd {
    /// Register the signer as a provider of the network, staking from its stake-mint account.
    Register(RegisterArgs),
    /// Replace the provider's hardware description; options not given keep their value.
    Update(UpdateArgs),
    /// Add stake from the signer's stake-mint account (a suspended provider that reaches the
    /// minimum becomes active again).
    Stake {
        /// Amount to add, in stake tokens (e.g. 250.5; base units with a `base` suffix).
        amount: Amount,
        /// Token account the stake comes from (default: the signer's associated account).
        #[arg(long)]
        from: Option<Pubkey>,
    },
    /// Move active stake to unbonding; it stays slashable and can be withdrawn after the
    /// network's unbonding period (a second unbond restarts the clock for the whole amount).
    Unbond {
        /// Amount to unbond, in stake tokens (base units with a `base` suffix). What stays must
        /// be at least the minimum stake, or zero (with no active jobs).
        amount: Amount,
    },
    /// Withdraw unbonding stake once its unbonding period has passed: all of it, except what
    /// stays locked behind unfinished jobs (their slash locks), which waits until they end.
    Withdraw {
        /// Stake-mint account receiving it (default: the signer's associated account, created
        /// if missing).
        #[arg(long)]
        to: Option<Pubkey>,
    },
    /// Close the provider (nothing staked or unbonding, no active jobs, no payment waiting to
    /// be collected); rent back to the owner. Rewards earned stay claimable.
    Close {
        /// Stake-mint account receiving anything left in the stake vault (default: the signer's
        /// associated account, created if missing).
        #[arg(long)]
        to: Option<Pubkey>,
    },
    /// Pay a provider's owner the payments its token account refused, which waited in the
    /// payouts vault (anyone): into the owner's associated account, created if missing.
    Collect {
        /// The provider's owner (key or keypair file), or its provider account (default: the
        /// signer).
        #[arg(long)]
        owner: Option<String>,
        /// A payment-mint account the owner owns, instead of its associated account.
        #[arg(long)]
        to: Option<Pubkey>,
    },
    /// Show a provider: status, stake, unbonding, locks, exposure, payments owed, hardware,
    /// record, live jobs, vault balance.
    Show {
        /// Provider account, or its owner's key or keypair file (default: the signer's provider).
        provider: Option<String>,
    },
    /// List the providers of the network.
    List,
    /// Run the provider agent: take open jobs the provider's hardware matches, run their
    /// manifest's command (local-process runner), submit result hashes and measured units,
    /// draw audits, claim rewards on a schedule. Restart-safe (see docs/CLI.md).
    Run(crate::cmd::agent::ProviderRunArgs),
}

/// Hardware description of `register`.
#[derive(Args, Debug)]
pub struct RegisterArgs {
    /// Initial stake, in stake tokens (at least the network's minimum stake; base units with a
    /// `base` suffix).
    #[arg(long)]
    stake: Amount,
    /// GPU model, e.g. H100-SXM (at most 32 bytes).
    #[arg(long)]
    gpu_model: String,
    /// Number of GPUs.
    #[arg(long)]
    gpu_count: u16,
    /// Memory per GPU, in GB.
    #[arg(long)]
    vram_gb: u16,
    /// Region code, e.g. eu-west (at most 16 bytes).
    #[arg(long)]
    region: String,
    /// Where the provider's full metadata document lives (at most 128 bytes).
    #[arg(long, default_value = "")]
    metadata_uri: String,
    /// SHA-256 of that document, 64 hex digits (default: zeros).
    #[arg(long)]
    metadata_hash: Option<String>,
    /// Token account the stake comes from (default: the signer's associated account).
    #[arg(long)]
    from: Option<Pubkey>,
}

/// Hardware fields `update` replaces.
#[derive(Args, Debug)]
pub struct UpdateArgs {
    /// GPU model, e.g. H100-SXM (at most 32 bytes).
    #[arg(long)]
    gpu_model: Option<String>,
    /// Number of GPUs.
    #[arg(long)]
    gpu_count: Option<u16>,
    /// Memory per GPU, in GB.
    #[arg(long)]
    vram_gb: Option<u16>,
    /// Region code, e.g. eu-west (at most 16 bytes).
    #[arg(long)]
    region: Option<String>,
    /// Where the provider's full metadata document lives (at most 128 bytes).
    #[arg(long)]
    metadata_uri: Option<String>,
    /// SHA-256 of that document, 64 hex digits.
    #[arg(long)]
    metadata_hash: Option<String>,
}

pub fn run(ctx: &mut Ctx, cmd: ProviderCmd) -> Result<()> {
    match cmd {
        ProviderCmd::Register(args) => register(ctx, args),
        ProviderCmd::Update(args) => update(ctx, args),
        ProviderCmd::Stake { amount, from } => stake(ctx, amount, from),
        ProviderCmd::Unbond { amount } => unbond(ctx, amount),
        ProviderCmd::Withdraw { to } => withdraw(ctx, to),
        ProviderCmd::Close { to } => close(ctx, to),
        ProviderCmd::Collect { owner, to } => collect(ctx, owner, to),
        ProviderCmd::Show { provider } => show(ctx, provider),
        ProviderCmd::List => list(ctx),
        ProviderCmd::Run(_) => anyhow::bail!("spice provider run opens the ledger itself"),
    }
}

/// Refuses strings the account has no room for, before sending.
fn check_hardware(hw: &HardwareSpec) -> Result<()> {
    for (name, value, max) in [
        ("--gpu-model", &hw.gpu_model, MAX_GPU_MODEL_LEN),
        ("--region", &hw.region, MAX_REGION_LEN),
        ("--metadata-uri", &hw.metadata_uri, MAX_METADATA_URI_LEN),
    ] {
        if value.len() > max {
            bail!("{name} is {} bytes long; at most {max}", value.len());
        }
    }
    Ok(())
}

/// The signer's stake-mint associated account.
fn stake_ata(net: &NetworkKeys, owner: &Pubkey) -> Pubkey {
    tokens::associated(owner, &net.stake_mint, &net.stake_token_program)
}

/// The signer's provider account, which must exist.
fn my_provider(ctx: &mut Ctx, net: &NetworkKeys) -> Result<(Pubkey, Pubkey, Provider)> {
    let owner = ctx.signer()?.pubkey();
    let address = pda::provider(&net.network, &owner);
    let provider: Option<Provider> = accounts::fetch(ctx.ledger.as_mut(), &address)?;
    match provider {
        Some(p) => Ok((owner, address, p)),
        None => bail!(
            "{owner} has no provider on network {} (spice provider register)",
            net.network
        ),
    }
}

fn register(ctx: &mut Ctx, args: RegisterArgs) -> Result<()> {
    let (net, network) = view::network(ctx)?;
    let d = ctx.decimals()?;
    let stake = amounts::resolve("--stake", args.stake, d.stake)?;
    let owner = ctx.signer()?.pubkey();
    let address = pda::provider(&net.network, &owner);
    if ctx.ledger.account(&address)?.is_some() {
        bail!(
            "{owner} is already registered on network {}: provider {address}",
            net.network
        );
    }
    let hardware = HardwareSpec {
        gpu_model: args.gpu_model,
        gpu_count: args.gpu_count,
        vram_gb: args.vram_gb,
        region: args.region,
        metadata_hash: view::hash_arg(args.metadata_hash.as_deref(), None)?,
        metadata_uri: args.metadata_uri,
    };
    check_hardware(&hardware)?;
    let from = args.from.unwrap_or_else(|| stake_ata(&net, &owner));
    if stake < network.params.min_stake {
        bail!(
            "--stake {}: the network's minimum stake is {}",
            d.s(stake),
            d.stk(network.params.min_stake)
        );
    }
    view::check_funds(ctx, &from, stake, "stake", d.stake, "the stake")?;
    let ix = ix::register_provider(&net, owner, from, stake, hardware);
    let sig = ctx.send(&[ix], &[]).with_context(|| {
        format!(
            "registering with stake {} from {from} (minimum stake {})",
            d.stk(stake),
            d.stk(network.params.min_stake)
        )
    })?;
    let p: Provider = accounts::fetch_required(ctx.ledger.as_mut(), &address)?;
    let vault = pda::stake_vault(&address);
    let text = format!(
        "registered provider {address} (owner {owner}) with stake {} from {from}: {}\nstake vault: {vault}",
        d.stk(p.stake),
        view::status_name(p.status)
    );
    view::report_tx(
        ctx,
        &sig,
        json!({
            "action": "provider.register",
            "provider": address.to_string(),
            "owner": owner.to_string(),
            "stake": p.stake,
            "from": from.to_string(),
            "status": view::status_name(p.status),
            "stake_vault": vault.to_string(),
        }),
        text,
    );
    Ok(())
}

fn update(ctx: &mut Ctx, args: UpdateArgs) -> Result<()> {
    let net = ctx.network()?;
    let (owner, address, p) = my_provider(ctx, &net)?;
    let mut hw = p.hardware.clone();
    if let Some(v) = args.gpu_model {
        hw.gpu_model = v;
    }
    if let Some(v) = args.gpu_count {
        hw.gpu_count = v;
    }
    if let Some(v) = args.vram_gb {
        hw.vram_gb = v;
    }
    if let Some(v) = args.region {
        hw.region = v;
    }
    if let Some(v) = args.metadata_uri {
        hw.metadata_uri = v;
    }
    if let Some(v) = args.metadata_hash {
        hw.metadata_hash = view::parse_hex32(&v)?;
    }
    check_hardware(&hw)?;
    if hw == p.hardware {
        bail!("nothing to change: pass at least one of --gpu-model, --gpu-count, --vram-gb, --region, --metadata-uri, --metadata-hash with a new value");
    }
    let ix = ix::update_provider(&net, owner, hw.clone());
    let sig = ctx.send(&[ix], &[])?;
    let text = format!(
        "updated provider {address}: {} x {}, {} GB each, region {}, metadata {} (hash {})",
        hw.gpu_count,
        hw.gpu_model,
        hw.vram_gb,
        hw.region,
        if hw.metadata_uri.is_empty() {
            "-"
        } else {
            &hw.metadata_uri
        },
        view::hex(&hw.metadata_hash)
    );
    view::report_tx(
        ctx,
        &sig,
        json!({
            "action": "provider.update",
            "provider": address.to_string(),
            "hardware": {
                "gpu_model": hw.gpu_model,
                "gpu_count": hw.gpu_count,
                "vram_gb": hw.vram_gb,
                "region": hw.region,
                "metadata_uri": hw.metadata_uri,
                "metadata_hash": view::hex(&hw.metadata_hash),
            },
        }),
        text,
    );
    Ok(())
}

fn stake(ctx: &mut Ctx, amount: Amount, from: Option<Pubkey>) -> Result<()> {
    let net = ctx.network()?;
    let (owner, address, _) = my_provider(ctx, &net)?;
    let d = ctx.decimals()?;
    let amount = amounts::resolve("AMOUNT", amount, d.stake)?;
    let from = from.unwrap_or_else(|| stake_ata(&net, &owner));
    view::check_funds(ctx, &from, amount, "stake", d.stake, "the stake")?;
    let ix = ix::stake(&net, owner, from, amount);
    let sig = ctx.send(&[ix], &[])?;
    let p: Provider = accounts::fetch_required(ctx.ledger.as_mut(), &address)?;
    let text = format!(
        "staked {} from {from} on provider {address}: stake {}, {}",
        d.stk(amount),
        d.stk(p.stake),
        view::status_name(p.status)
    );
    view::report_tx(
        ctx,
        &sig,
        json!({
            "action": "provider.stake",
            "provider": address.to_string(),
            "amount": amount,
            "from": from.to_string(),
            "stake": p.stake,
            "status": view::status_name(p.status),
        }),
        text,
    );
    Ok(())
}

fn unbond(ctx: &mut Ctx, amount: Amount) -> Result<()> {
    let (net, network) = view::network(ctx)?;
    let (owner, address, before) = my_provider(ctx, &net)?;
    let d = ctx.decimals()?;
    let amount = amounts::resolve("AMOUNT", amount, d.stake)?;
    if amount > before.stake {
        bail!(
            "cannot unbond {}: provider {address} has {} staked",
            d.stk(amount),
            d.stk(before.stake)
        );
    }
    let ix = ix::begin_unbond(&net, owner, amount);
    let sig = ctx.send(&[ix], &[]).with_context(|| {
        format!(
            "unbonding {} of stake {} (what stays must be 0 with no active jobs, or at least {}; {} active jobs)",
            d.s(amount),
            d.stk(before.stake),
            d.stk(network.params.min_stake),
            before.active_jobs
        )
    })?;
    let p: Provider = accounts::fetch_required(ctx.ledger.as_mut(), &address)?;
    let now = view::now(ctx)?;
    let text = format!(
        "unbonding {} of provider {address}: stake {}, {}; unbonding {}, withdrawable from {}",
        d.stk(amount),
        d.stk(p.stake),
        view::status_name(p.status),
        d.stk(p.unbonding),
        view::when(p.unbond_ready_at, now)
    );
    view::report_tx(
        ctx,
        &sig,
        json!({
            "action": "provider.unbond",
            "provider": address.to_string(),
            "amount": amount,
            "stake": p.stake,
            "status": view::status_name(p.status),
            "unbonding": p.unbonding,
            "unbond_ready_at": view::time_json(p.unbond_ready_at, now),
        }),
        text,
    );
    Ok(())
}

fn withdraw(ctx: &mut Ctx, to: Option<Pubkey>) -> Result<()> {
    let net = ctx.network()?;
    let (owner, address, before) = my_provider(ctx, &net)?;
    let d = ctx.decimals()?;
    let now = view::now(ctx)?;
    if before.unbonding == 0 {
        bail!("provider {address} has nothing unbonding (spice provider unbond first)");
    }
    let (to, mut ixs) =
        view::associated_or(ctx, to, &owner, &net.stake_mint, &net.stake_token_program)?;
    ixs.push(ix::withdraw_unbonded(&net, owner, to));
    let sig = ctx.send(&ixs, &[]).with_context(|| {
        format!(
            "withdrawing unbonded stake ({} unbonding, withdrawable from {}; {} locked behind {} active job(s), of which the vault keeps what stake does not cover)",
            d.stk(before.unbonding),
            view::when(before.unbond_ready_at, now),
            d.s(before.locked),
            before.active_jobs
        )
    })?;
    let after: Provider = accounts::fetch_required(ctx.ledger.as_mut(), &address)?;
    let amount = before.unbonding.saturating_sub(after.unbonding);
    let mut text = format!(
        "withdrew {} of unbonded stake of provider {address} to {to}",
        d.stk(amount)
    );
    if after.unbonding > 0 {
        text.push_str(&format!(
            "
{} stays unbonding, locked behind {} active job(s) (locks {}): it can be withdrawn once they end",
            d.stk(after.unbonding),
            after.active_jobs,
            d.s(after.locked)
        ));
    }
    view::report_tx(
        ctx,
        &sig,
        json!({
            "action": "provider.withdraw",
            "provider": address.to_string(),
            "amount": amount,
            "still_unbonding": after.unbonding,
            "locked": after.locked,
            "to": to.to_string(),
        }),
        text,
    );
    Ok(())
}

fn close(ctx: &mut Ctx, to: Option<Pubkey>) -> Result<()> {
    let net = ctx.network()?;
    let (owner, address, before) = my_provider(ctx, &net)?;
    let d = ctx.decimals()?;
    let vault = pda::stake_vault(&address);
    let rent = view::lamports(ctx, &address)? + view::lamports(ctx, &vault)?;
    let left = view::balance(ctx, &vault)?;
    let (to, mut ixs) =
        view::associated_or(ctx, to, &owner, &net.stake_mint, &net.stake_token_program)?;
    ixs.push(ix::close_provider(&net, owner, to));
    let sig = ctx.send(&ixs, &[]).with_context(|| {
        format!(
            "closing needs no stake, no unbonding, no active jobs and nothing owed: stake {}, unbonding {}, {} active jobs, {} payment owed (spice provider collect)",
            d.s(before.stake),
            d.s(before.unbonding),
            before.active_jobs,
            d.pay(before.owed_payment)
        )
    })?;
    let text = format!(
        "closed provider {address} and its stake vault: {rent} lamports of rent back to {owner}{}",
        if left > 0 {
            format!(", {} left in the vault to {to}", d.stk(left))
        } else {
            String::new()
        }
    );
    view::report_tx(
        ctx,
        &sig,
        json!({
            "action": "provider.close",
            "provider": address.to_string(),
            "owner": owner.to_string(),
            "rent_lamports": rent,
            "swept": left,
            "to": to.to_string(),
        }),
        text,
    );
    Ok(())
}

/// `collect` (anyone): the provider's payments that waited in the payouts vault, to its owner.
fn collect(ctx: &mut Ctx, owner: Option<String>, to: Option<Pubkey>) -> Result<()> {
    let net = ctx.network()?;
    let address = match owner {
        Some(v) => view::resolve_provider(ctx, &net.network, &v)?,
        None => {
            let me = ctx.signer()?.pubkey();
            pda::provider(&net.network, &me)
        }
    };
    let p: Option<Provider> = accounts::fetch(ctx.ledger.as_mut(), &address)?;
    let Some(p) = p else {
        bail!("no provider at {address} on network {}", net.network);
    };
    let d = ctx.decimals()?;
    if p.owed_payment == 0 {
        bail!(
            "nothing is owed to provider {address} (owner {}): its payments went to its token account",
            p.owner
        );
    }
    let payer = ctx.signer()?.pubkey();
    let mut ixs = Vec::new();
    let destination = match to {
        Some(t) => t,
        None => {
            ixs.push(tokens::create_associated(
                &payer,
                &p.owner,
                &net.payment_mint,
                &net.payment_token_program,
            ));
            net.payment_ata(&p.owner)
        }
    };
    ixs.push(ix::collect_provider_payouts(&net, p.owner, destination));
    let sig = ctx.send(&ixs, &[]).with_context(|| {
        format!(
            "collecting {} for provider {address}: the destination must be a payment-mint account owned by {}",
            d.pay(p.owed_payment),
            p.owner
        )
    })?;
    let text = format!(
        "collected {} for provider {address}: paid to {destination} (owner {})",
        d.pay(p.owed_payment),
        p.owner
    );
    view::report_tx(
        ctx,
        &sig,
        json!({
            "action": "provider.collect",
            "provider": address.to_string(),
            "owner": p.owner.to_string(),
            "amount": p.owed_payment,
            "to": destination.to_string(),
        }),
        text,
    );
    Ok(())
}

fn show(ctx: &mut Ctx, provider: Option<String>) -> Result<()> {
    let (net, network) = view::network(ctx)?;
    let (address, asked) = match provider {
        Some(v) => (view::resolve_provider(ctx, &net.network, &v)?, v),
        None => {
            let owner = ctx.signer()?.pubkey();
            (pda::provider(&net.network, &owner), owner.to_string())
        }
    };
    let p: Option<Provider> = accounts::fetch(ctx.ledger.as_mut(), &address)?;
    let Some(p) = p else {
        bail!(
            "{asked} is neither a provider account nor the owner of one on network {} (its provider would be {address})",
            net.network
        );
    };
    let vault = view::balance(ctx, &pda::stake_vault(&address))?;
    let d = ctx.decimals()?;
    let now = view::now(ctx)?;
    let jobs: Vec<(Pubkey, JobState)> = view::jobs_of(ctx.ledger.as_mut(), &net.network)?
        .into_iter()
        .filter(|(_, j)| j.provider == Some(address))
        .map(|(k, j)| (k, j.state))
        .collect();
    let max_exposure = network.params.max_exposure_bps;
    let mut out = view::provider_json(&address, &p, vault, max_exposure, now);
    if let serde_json::Value::Object(map) = &mut out {
        map.insert("min_stake".into(), json!(network.params.min_stake));
        map.insert("decimals".into(), d.json());
        map.insert(
            "live_jobs".into(),
            json!(jobs
                .iter()
                .map(|(k, s)| json!({"job": k.to_string(), "state": view::job_state_name(*s)}))
                .collect::<Vec<_>>()),
        );
    }
    ctx.emit(out, || {
        let mut text = view::provider_text(&address, &p, vault, max_exposure, now, &d);
        text.push_str(&format!(
            "\n  min stake:    {}",
            d.stk(network.params.min_stake)
        ));
        for (k, s) in &jobs {
            text.push_str(&format!(
                "\n  live job:     {k} ({})",
                view::job_state_name(*s)
            ));
        }
        text
    });
    Ok(())
}

fn list(ctx: &mut Ctx) -> Result<()> {
    let (net, network) = view::network(ctx)?;
    let providers = view::providers_of(ctx.ledger.as_mut(), &net.network)?;
    let d = ctx.decimals()?;
    let max_exposure = network.params.max_exposure_bps;
    let rows: Vec<serde_json::Value> = providers
        .iter()
        .map(|(k, p)| {
            json!({
                "provider": k.to_string(),
                "owner": p.owner.to_string(),
                "status": view::status_name(p.status),
                "stake": p.stake,
                "unbonding": p.unbonding,
                "locked": p.locked,
                "exposure": p.exposure,
                "exposure_limit": view::exposure_limit(p, max_exposure),
                "owed_payment": p.owed_payment,
                "jobs_completed": p.stats.jobs_completed,
                "units_completed": p.stats.units_completed,
                "active_jobs": p.active_jobs,
                "gpu": format!("{} x {}", p.hardware.gpu_count, p.hardware.gpu_model),
                "region": p.hardware.region,
            })
        })
        .collect();
    ctx.emit(json!(rows), || {
        if providers.is_empty() {
            return format!("no providers on network {}", net.network);
        }
        let mut lines = vec![format!(
            "{:<44}  {:<9}  {:>20}  {:>16}  {:>16}  {:>12}  {:>9}  {:>6}  provider",
            "owner", "status", "stake", "locked", "exposure", "owed", "completed", "active"
        )];
        for (k, p) in &providers {
            lines.push(format!(
                "{:<44}  {:<9}  {:>20}  {:>16}  {:>16}  {:>12}  {:>9}  {:>6}  {k}",
                p.owner.to_string(),
                view::status_name(p.status),
                d.s(p.stake),
                d.s(p.locked),
                d.p(p.exposure),
                d.p(p.owed_payment),
                p.stats.jobs_completed,
                p.active_jobs
            ));
        }
        lines.join("\n")
    });
    Ok(())
}
