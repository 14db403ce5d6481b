//! What every command gets: the ledger, the signer, the network, and the output format.

use std::path::PathBuf;

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use anyhow::{anyhow, bail, Context as _, Result};
use clap::{Args, ValueEnum};
use solana_sdk::signature::{Keypair, Signature, Signer};
use spice_ledger::Embedded;
use spice_sdk::accounts;
use spice_sdk::ix::NetworkKeys;
use spice_sdk::ledger::{rpc::Rpc, Ledger};

/// SOL an embedded-ledger signer is topped up to before it signs.
const EMBEDDED_TOP_UP: u64 = 10_000_000_000;

/// Output format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Output {
    Text,
    Json,
}

/// Options every command takes (Solana CLI conventions).
#[derive(Args, Clone, Debug)]
pub struct Global {
    /// Cluster: localhost, devnet, testnet, mainnet-beta or an RPC URL. Without it, spice uses
    /// the embedded ledger (the program running in-process, state kept in --ledger).
    #[arg(long, short = 'u', global = true, env = "SPICE_URL")]
    pub url: Option<String>,

    /// The embedded ledger's file.
    #[arg(
        long,
        global = true,
        env = "SPICE_LEDGER",
        default_value = "~/.config/spice/ledger.json"
    )]
    pub ledger: String,

    /// Signer keypair file (created on the embedded ledger if missing).
    #[arg(
        long,
        short = 'k',
        global = true,
        env = "SPICE_KEYPAIR",
        default_value = "~/.config/solana/id.json"
    )]
    pub keypair: String,

    /// Network address (default on the embedded ledger: the network deployed last).
    #[arg(long, global = true, env = "SPICE_NETWORK")]
    pub network: Option<Pubkey>,

    /// Output format.
    #[arg(long, short = 'o', global = true, value_enum, default_value_t = Output::Text)]
    pub output: Output,
}

/// Expands a leading `~/` to the home directory.
pub fn expand(path: &str) -> PathBuf {
    match (path.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => PathBuf::from(home).join(rest),
        _ => PathBuf::from(path),
    }
}

/// Reads a Solana CLI keypair file (a JSON array of 64 bytes).
pub fn read_keypair(path: &str) -> Result<Keypair> {
    let path = expand(path);
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("reading keypair {}", path.display()))?;
    let bytes: Vec<u8> = serde_json::from_str(&text)
        .with_context(|| format!("{} is not a keypair file", path.display()))?;
    Keypair::try_from(bytes.as_slice())
        .map_err(|e| anyhow!("{} is not a keypair file: {e}", path.display()))
}

/// Writes a new keypair file in the Solana CLI format.
pub fn write_keypair(path: &str, kp: &Keypair) -> Result<()> {
    let path = expand(path);
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let bytes: Vec<u8> = kp.to_bytes().to_vec();
    std::fs::write(&path, serde_json::to_string(&bytes)?)
        .with_context(|| format!("writing {}", path.display()))
}

/// Reads a keypair file; on the embedded ledger, creates it when missing.
pub fn load_or_create_keypair(path: &str, embedded: bool) -> Result<Keypair> {
    if expand(path).exists() || !embedded {
        return read_keypair(path);
    }
    let kp = Keypair::new();
    write_keypair(path, &kp)?;
    eprintln!(
        "created keypair {} ({}) for the embedded ledger",
        expand(path).display(),
        kp.pubkey()
    );
    Ok(kp)
}

/// A public key, or the public key of a keypair file.
pub fn pubkey_or_keypair(value: &str) -> Result<Pubkey> {
    if let Ok(key) = value.parse::<Pubkey>() {
        return Ok(key);
    }
    Ok(read_keypair(value)?.pubkey())
}

/// The state every command runs with.
pub struct Ctx {
    pub ledger: Box<dyn Ledger>,
    pub global: Global,
    signer: Option<Keypair>,
}

impl Ctx {
    /// Opens the ledger the options name.
    pub fn open(global: Global) -> Result<Self> {
        let ledger: Box<dyn Ledger> = match &global.url {
            Some(url) => Box::new(Rpc::new(url)),
            None => Box::new(Embedded::open(&expand(&global.ledger))?),
        };
        Ok(Self {
            ledger,
            global,
            signer: None,
        })
    }

    pub fn embedded(&self) -> bool {
        self.global.url.is_none()
    }

    pub fn output(&self) -> Output {
        self.global.output
    }

    /// The --keypair signer; on the embedded ledger it is created if missing and given SOL.
    pub fn signer(&mut self) -> Result<Keypair> {
        if let Some(kp) = &self.signer {
            return Ok(kp.insecure_clone());
        }
        let kp = load_or_create_keypair(&self.global.keypair, self.embedded())?;
        if self.embedded() {
            self.top_up(&kp.pubkey())?;
        }
        self.signer = Some(kp.insecure_clone());
        Ok(kp)
    }

    /// On the embedded ledger, gives `key` SOL for fees and rent when it runs low.
    pub fn top_up(&mut self, key: &Pubkey) -> Result<()> {
        if !self.embedded() {
            return Ok(());
        }
        let balance = self.ledger.account(key)?.map(|a| a.lamports).unwrap_or(0);
        if balance < EMBEDDED_TOP_UP / 2 {
            self.ledger.airdrop(key, EMBEDDED_TOP_UP - balance)?;
        }
        Ok(())
    }

    /// The network address: --network, else the embedded ledger's last deployed network.
    pub fn network_address(&self) -> Result<Pubkey> {
        if let Some(n) = self.global.network {
            return Ok(n);
        }
        if let Some(n) = self.ledger.meta("network") {
            return n
                .parse()
                .map_err(|e| anyhow!("ledger names network {n}: {e}"));
        }
        bail!("no network: pass --network <ADDRESS> (or deploy one: spice network deploy migrations/embedded.toml)")
    }

    /// The network's keys, read from its account.
    pub fn network(&mut self) -> Result<NetworkKeys> {
        let address = self.network_address()?;
        Ok(accounts::network_keys(self.ledger.as_mut(), &address)?)
    }

    /// Sends one transaction signed by the --keypair signer (fee payer) and `extra` signers.
    pub fn send(&mut self, ixs: &[Instruction], extra: &[&Keypair]) -> Result<Signature> {
        let signer = self.signer()?;
        let mut signers = vec![&signer];
        signers.extend_from_slice(extra);
        Ok(self.ledger.send(ixs, &signers)?)
    }

    /// Prints a result: `json` on --output json, else `text`. A closed pipe (`| head`) must not
    /// abort the command before the ledger is saved, so write errors are ignored.
    pub fn emit(&self, json: serde_json::Value, text: impl FnOnce() -> String) {
        use std::io::Write;
        let body = match self.output() {
            Output::Json => {
                serde_json::to_string_pretty(&json).unwrap_or_else(|_| json.to_string())
            }
            Output::Text => text(),
        };
        let _ = writeln!(std::io::stdout(), "{body}");
    }

    /// Prints one line of text output (nothing with --output json); ignores a closed pipe.
    pub fn say(&self, line: impl std::fmt::Display) {
        use std::io::Write;
        if self.output() == Output::Text {
            let _ = writeln!(std::io::stdout(), "{line}");
        }
    }

    /// Persists the embedded ledger (after a command succeeded or a transaction ran).
    pub fn save(&mut self) -> Result<()> {
        Ok(self.ledger.save()?)
    }
}
