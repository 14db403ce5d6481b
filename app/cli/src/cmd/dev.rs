//! `spice dev`: controls only the embedded ledger has — its clock, free SOL, test tokens.

use anchor_lang::prelude::Pubkey;
use anyhow::{anyhow, bail, Result};
use clap::Subcommand;
use serde_json::json;
use solana_sdk::signature::Signer;
use spice_sdk::{accounts, tokens};

use crate::amounts::Amount;
use crate::cmd::view;
use crate::context::{
    expand, pubkey_or_keypair, write_keypair, Ctx, Global, SolanaConfig, DEFAULT_KEYPAIR,
};
use solana_sdk::signature::Keypair;
use spice_sdk::amount::format_base;

#[derive(Subcommand, Debug)]
pub enum DevCmd {
    /// Create a new keypair file (0600, the solana-keygen format) and print its public key.
    /// Works anywhere (no ledger needed); refuses to replace an existing file unless --force.
    Keygen {
        /// Where to write it (default: --keypair, else the solana config's keypair_path, else
        /// ~/.config/solana/id.json).
        #[arg(long)]
        outfile: Option<String>,
        /// Replace an existing file (its key is lost).
        #[arg(long)]
        force: bool,
    },
    /// Move the embedded ledger's clock forward.
    Warp {
        /// Seconds to move.
        #[arg(long, conflicts_with_all = ["epochs", "slots"])]
        seconds: Option<i64>,
        /// Move to one second into the network epoch this many epochs after the current one.
        #[arg(long, conflicts_with = "slots")]
        epochs: Option<u64>,
        /// Slots to move (unix time unchanged), e.g. so an audit draw can happen.
        #[arg(long)]
        slots: Option<u64>,
    },
    /// Show the embedded ledger's clock (and the network's epoch, if one is chosen).
    Clock,
    /// Give SOL to a wallet (default: the signer).
    Airdrop {
        /// Wallet address or keypair file.
        #[arg(long)]
        to: Option<String>,
        /// Amount in SOL.
        #[arg(long, default_value_t = 10)]
        sol: u64,
    },
    /// Create a test mint whose mint authority is the signer.
    CreateMint {
        #[arg(long, default_value_t = 6)]
        decimals: u8,
        /// Owned by Token-2022 instead of SPL Token.
        #[arg(long)]
        token_2022: bool,
    },
    /// Mint tokens (the signer must be the mint authority) into a wallet's associated account.
    MintTo {
        /// `payment`, `stake` (the network's mints) or a mint address.
        #[arg(long)]
        mint: String,
        /// Wallet address or keypair file (default: the signer).
        #[arg(long)]
        to: Option<String>,
        /// Amount in tokens of that mint (base units with a `base` suffix).
        amount: Amount,
    },
    /// Token balance of a wallet's associated account for `payment`, `stake` or a mint.
    Balance {
        #[arg(long)]
        mint: String,
        /// Wallet address or keypair file (default: the signer).
        #[arg(long)]
        of: Option<String>,
    },
}

/// `spice dev keygen`: a new keypair file where asked.
pub fn keygen(global: &Global, outfile: Option<&str>, force: bool) -> Result<()> {
    let path = match outfile {
        Some(p) => p.to_string(),
        None => match &global.keypair {
            Some(k) => k.clone(),
            None => SolanaConfig::read(&global.solana_config)?
                .and_then(|c| c.keypair_path)
                .unwrap_or_else(|| DEFAULT_KEYPAIR.to_string()),
        },
    };
    let kp = Keypair::new();
    write_keypair(&path, &kp, force)?;
    let shown = expand(&path);
    let json = json!({"pubkey": kp.pubkey().to_string(), "outfile": shown.display().to_string()});
    let text = format!(
        "wrote a new keypair to {} (readable by you only)\npubkey: {}",
        shown.display(),
        kp.pubkey()
    );
    use std::io::Write;
    let body = match global.output {
        crate::context::Output::Json => json.to_string(),
        crate::context::Output::Text => text,
    };
    let _ = writeln!(std::io::stdout(), "{body}");
    Ok(())
}

/// (mint, token program, decimals) of `payment`, `stake` or a mint address.
fn resolve_mint(ctx: &mut Ctx, name: &str) -> Result<(Pubkey, Pubkey, u8)> {
    let address = match name {
        "payment" => ctx.network()?.payment_mint,
        "stake" => ctx.network()?.stake_mint,
        other => other
            .parse()
            .map_err(|e| anyhow!("--mint {other}: payment, stake or a mint address ({e})"))?,
    };
    let mint = accounts::fetch_mint(ctx.ledger.as_mut(), &address)?;
    Ok((address, mint.token_program, mint.decimals))
}

fn wallet(ctx: &mut Ctx, value: Option<String>) -> Result<Pubkey> {
    match value {
        Some(v) => pubkey_or_keypair(&v),
        None => Ok(ctx.signer()?.pubkey()),
    }
}

pub fn run(ctx: &mut Ctx, cmd: DevCmd) -> Result<()> {
    let clock_only = matches!(cmd, DevCmd::Clock | DevCmd::Balance { .. });
    if !ctx.embedded() && !clock_only {
        bail!("`spice dev` controls the embedded ledger only (drop --url)");
    }
    match cmd {
        DevCmd::Keygen { outfile, force } => keygen(&ctx.global, outfile.as_deref(), force),
        DevCmd::Warp {
            seconds,
            epochs,
            slots,
        } => {
            let before = ctx.ledger.clock()?;
            let seconds = match (seconds, epochs, slots) {
                (Some(s), _, _) => Some(s),
                (None, Some(e), _) => {
                    let net = ctx.network()?;
                    let target_epoch = net.epoch_at(before.unix_timestamp).saturating_add(e);
                    let target = net.epoch_start(target_epoch).saturating_add(1);
                    Some((target - before.unix_timestamp).max(0))
                }
                (None, None, Some(_)) => None,
                (None, None, None) => bail!("say how far: --seconds, --epochs or --slots"),
            };
            let dev = ctx
                .ledger
                .dev()
                .ok_or_else(|| anyhow!("this ledger has no clock control"))?;
            match seconds {
                Some(s) => dev.warp_seconds(s)?,
                None => dev.warp_slots(slots.unwrap_or(1))?,
            }
            let after = ctx.ledger.clock()?;
            ctx.emit(
                json!({"unix_timestamp": after.unix_timestamp, "slot": after.slot, "moved_seconds": after.unix_timestamp - before.unix_timestamp}),
                || {
                    format!(
                        "clock: unix time {} (+{} s), slot {}",
                        after.unix_timestamp,
                        after.unix_timestamp - before.unix_timestamp,
                        after.slot
                    )
                },
            );
            Ok(())
        }
        DevCmd::Clock => {
            let clock = ctx.ledger.clock()?;
            let epoch = ctx
                .network_address()
                .ok()
                .and_then(|_| ctx.network().ok())
                .map(|n| n.epoch_at(clock.unix_timestamp));
            ctx.emit(
                json!({"unix_timestamp": clock.unix_timestamp, "slot": clock.slot, "epoch": epoch}),
                || {
                    let e = epoch
                        .map(|e| format!(", network epoch {e}"))
                        .unwrap_or_default();
                    format!("unix time {}, slot {}{e}", clock.unix_timestamp, clock.slot)
                },
            );
            Ok(())
        }
        DevCmd::Airdrop { to, sol } => {
            let to = wallet(ctx, to)?;
            let lamports = sol.saturating_mul(1_000_000_000);
            ctx.ledger.airdrop(&to, lamports)?;
            ctx.emit(json!({"to": to.to_string(), "lamports": lamports}), || {
                format!("airdropped {sol} SOL to {to}")
            });
            Ok(())
        }
        DevCmd::CreateMint {
            decimals,
            token_2022,
        } => {
            let program = if token_2022 {
                anchor_spl::token_2022::ID
            } else {
                anchor_spl::token::ID
            };
            let authority = ctx.signer()?.pubkey();
            let (mint, sig) = view::create_mint(ctx, decimals, &program)?;
            ctx.emit(json!({"mint": mint.to_string(), "decimals": decimals, "token_program": program.to_string(), "signature": sig.to_string()}), || {
                format!("created mint {mint} ({decimals} decimals, authority {authority})\nsignature {sig}")
            });
            Ok(())
        }
        DevCmd::MintTo { mint, to, amount } => {
            let (mint, program, decimals) = resolve_mint(ctx, &mint)?;
            let amount = crate::amounts::resolve("AMOUNT", amount, decimals)?;
            let to = wallet(ctx, to)?;
            let authority = ctx.signer()?.pubkey();
            let account = tokens::associated(&to, &mint, &program);
            let ixs = [
                tokens::create_associated(&authority, &to, &mint, &program),
                tokens::mint_to(&program, &mint, &account, &authority, amount, decimals)?,
            ];
            let sig = ctx.send(&ixs, &[])?;
            ctx.emit(json!({"mint": mint.to_string(), "to": account.to_string(), "amount": amount, "signature": sig.to_string()}), || {
                format!(
                    "minted {} of {mint} to {account} (wallet {to})\nsignature {sig}",
                    format_base(amount, decimals)
                )
            });
            Ok(())
        }
        DevCmd::Balance { mint, of } => {
            let (mint, program, decimals) = resolve_mint(ctx, &mint)?;
            let of = wallet(ctx, of)?;
            let account = tokens::associated(&of, &mint, &program);
            let balance = accounts::token_balance(ctx.ledger.as_mut(), &account)?;
            ctx.emit(json!({"wallet": of.to_string(), "account": account.to_string(), "balance": balance, "decimals": decimals, "tokens": format_base(balance, decimals)}), || {
                format!("{} ({account})", format_base(balance, decimals))
            });
            Ok(())
        }
    }
}
