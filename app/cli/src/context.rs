//! What every command gets: the ledger, the signer, the network, and the output format.

use std::path::PathBuf;

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use anyhow::{anyhow, bail, Context as _, Result};
use clap::{Args, ValueEnum};
use solana_sdk::signature::{Keypair, Signature, Signer};
use spice_ledger::Embedded;

use crate::amounts::Decimals;
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
    /// Cluster: localhost, devnet, testnet, mainnet-beta or an RPC URL; `embedded` for the
    /// embedded ledger (the program running in-process, state kept in --ledger). Without it:
    /// --ledger if given, else the solana CLI config's json_rpc_url; nothing is assumed.
    #[arg(long, short = 'u', global = true, env = "SPICE_URL")]
    pub url: Option<String>,

    /// The embedded ledger's file (selects the embedded ledger) [default:
    /// ~/.config/spice/ledger.json with --url embedded].
    #[arg(long, global = true, env = "SPICE_LEDGER")]
    pub ledger: Option<String>,

    /// Signer keypair file [default: the solana CLI config's keypair_path, else
    /// ~/.config/solana/id.json]. Never created unless --create is given.
    #[arg(long, short = 'k', global = true, env = "SPICE_KEYPAIR")]
    pub keypair: Option<String>,

    /// Create the signer's keypair file (0600) if it does not exist.
    #[arg(long, global = true)]
    pub create: bool,

    /// The solana CLI config file read for json_rpc_url and keypair_path.
    #[arg(
        long = "config",
        short = 'C',
        global = true,
        env = "SPICE_SOLANA_CONFIG",
        default_value = "~/.config/solana/cli/config.yml"
    )]
    pub solana_config: String,

    /// Network address (default on the embedded ledger: the network deployed last).
    #[arg(long, global = true, env = "SPICE_NETWORK")]
    pub network: Option<Pubkey>,

    /// Simulate the command's first transaction and print what it would move; send nothing.
    #[arg(long, global = true)]
    pub dry_run: bool,

    /// Priority fee: micro-lamports per compute unit (over RPC; the compute-unit limit comes
    /// from a simulation).
    #[arg(long, global = true, env = "SPICE_COMPUTE_UNIT_PRICE")]
    pub with_compute_unit_price: Option<u64>,

    /// Output format.
    #[arg(long, short = 'o', global = true, value_enum, default_value_t = Output::Text)]
    pub output: Output,
}

/// The embedded ledger's file when none is named.
pub const DEFAULT_LEDGER: &str = "~/.config/spice/ledger.json";
/// The solana CLI's default keypair.
pub const DEFAULT_KEYPAIR: &str = "~/.config/solana/id.json";

/// Expands a leading `~/` to the home directory.
pub fn expand(path: &str) -> PathBuf {
    match (path.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => PathBuf::from(home).join(rest),
        _ => PathBuf::from(path),
    }
}

/// What the solana CLI config file says (`json_rpc_url`, `keypair_path`), if it exists.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SolanaConfig {
    pub json_rpc_url: Option<String>,
    pub keypair_path: Option<String>,
}

impl SolanaConfig {
    /// Reads the config file at `path` (`None` when there is none). The file is YAML written
    /// by `solana config set`: one `key: value` per line; only the two keys matter here.
    pub fn read(path: &str) -> Result<Option<Self>> {
        let path = expand(path);
        if !path.exists() {
            return Ok(None);
        }
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("reading the solana config {}", path.display()))?;
        Ok(Some(Self::parse(&text)))
    }

    pub fn parse(text: &str) -> Self {
        let mut out = Self::default();
        for line in text.lines() {
            let Some((key, value)) = line.split_once(':') else {
                continue;
            };
            let value = value.trim().trim_matches(|c| c == '"' || c == '\'');
            let value = (!value.is_empty()).then(|| value.to_string());
            match key.trim() {
                "json_rpc_url" => out.json_rpc_url = value,
                "keypair_path" => out.keypair_path = value,
                _ => {}
            }
        }
        out
    }
}

/// Where commands run, and why (said on stderr by mutating commands).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// The embedded ledger at this file; the reason it was chosen.
    Embedded { path: String, why: String },
    /// A cluster over JSON-RPC; the reason it was chosen.
    Cluster { url: String, why: String },
}

impl Target {
    /// The target the options and the solana config select. The embedded ledger only when
    /// chosen (`--url embedded` or `--ledger`); a forgotten `--url` with a solana config uses
    /// the config's cluster; with neither, an error that says how to choose.
    pub fn select(global: &Global, config: Option<&SolanaConfig>) -> Result<Self> {
        let embedded = |why: &str| Target::Embedded {
            path: global
                .ledger
                .clone()
                .unwrap_or_else(|| DEFAULT_LEDGER.to_string()),
            why: why.to_string(),
        };
        match global.url.as_deref() {
            Some("embedded") => return Ok(embedded("--url embedded")),
            Some(url) => {
                return Ok(Target::Cluster {
                    url: url.to_string(),
                    why: "--url".into(),
                })
            }
            None => {}
        }
        if global.ledger.is_some() {
            return Ok(embedded("--ledger"));
        }
        if let Some(url) = config.and_then(|c| c.json_rpc_url.clone()) {
            return Ok(Target::Cluster {
                url,
                why: format!("json_rpc_url of {}", global.solana_config),
            });
        }
        Err(crate::errors::UserError::new(
            "NoClusterChosen",
            format!(
                "no cluster chosen: pass --url <localhost|devnet|mainnet-beta|URL> (or set one with `solana config set --url …`, read from {}), or --url embedded for the embedded ledger in {DEFAULT_LEDGER} (export SPICE_URL=embedded to keep it)",
                global.solana_config
            ),
        )
        .into())
    }

    pub fn is_embedded(&self) -> bool {
        matches!(self, Target::Embedded { .. })
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

/// Writes a new keypair file in the Solana CLI format, readable by its owner only (0600, as
/// solana-keygen writes it). Refuses to replace an existing file unless `overwrite`.
pub fn write_keypair(path: &str, kp: &Keypair, overwrite: bool) -> Result<()> {
    use std::io::Write;
    let path = expand(path);
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let bytes: Vec<u8> = kp.to_bytes().to_vec();
    let mut options = std::fs::OpenOptions::new();
    options.write(true);
    if overwrite {
        options.create(true).truncate(true);
    } else {
        options.create_new(true);
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(&path).with_context(|| {
        if path.exists() {
            format!(
                "{} exists: refusing to replace a keypair (it may hold funds)",
                path.display()
            )
        } else {
            format!("writing {}", path.display())
        }
    })?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    file.write_all(serde_json::to_string(&bytes)?.as_bytes())
        .with_context(|| format!("writing {}", path.display()))
}

/// Reads a keypair file; creates it (0600) only when `create` is set.
pub fn load_keypair(path: &str, create: bool) -> Result<Keypair> {
    if expand(path).exists() {
        return read_keypair(path);
    }
    if !create {
        return Err(crate::errors::UserError::new(
            "NoKeypair",
            format!(
                "no keypair at {}: create one with `spice dev keygen --outfile {path}` (or solana-keygen new), pass --create to create it now, or name another with --keypair",
                expand(path).display()
            ),
        )
        .into());
    }
    let kp = Keypair::new();
    write_keypair(path, &kp, false)?;
    eprintln!(
        "created keypair {} ({}), readable by you only",
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

/// Jobs (and token balances) a transaction may close (move), read before it is sent.
struct Candidates {
    jobs: Vec<(Pubkey, spice::state::Job)>,
    tokens: Vec<accounts::TokenAccount>,
}

/// Ends a `--dry-run` command after its simulation was printed (exit 0).
#[derive(Debug)]
pub struct DryRunDone;

impl std::fmt::Display for DryRunDone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("dry run: nothing was sent")
    }
}

impl std::error::Error for DryRunDone {}

/// The state every command runs with.
pub struct Ctx {
    pub ledger: Box<dyn Ledger>,
    pub global: Global,
    /// Where commands run.
    pub target: Target,
    /// The signer's keypair file.
    keypair_path: String,
    signer: Option<Keypair>,
    decimals: Option<Decimals>,
    /// Whether the cluster and signer were announced (once per command, before its first
    /// transaction).
    announced: bool,
    /// A job to watch until it ends once the command is done (`--wait`).
    pub wait_for: Option<Pubkey>,
}

impl Ctx {
    /// Opens the ledger the options (and the solana CLI config) select.
    pub fn open(global: Global) -> Result<Self> {
        let config = SolanaConfig::read(&global.solana_config)?;
        let target = Target::select(&global, config.as_ref())?;
        let ledger: Box<dyn Ledger> = match &target {
            Target::Cluster { url, .. } => {
                Box::new(Rpc::new(url).with_compute_unit_price(global.with_compute_unit_price))
            }
            Target::Embedded { path, .. } => Box::new(Embedded::open(&expand(path))?),
        };
        let keypair_path = global
            .keypair
            .clone()
            .or_else(|| config.and_then(|c| c.keypair_path))
            .unwrap_or_else(|| DEFAULT_KEYPAIR.to_string());
        Ok(Self {
            ledger,
            global,
            target,
            keypair_path,
            signer: None,
            decimals: None,
            announced: false,
            wait_for: None,
        })
    }

    pub fn embedded(&self) -> bool {
        self.target.is_embedded()
    }

    pub fn output(&self) -> Output {
        self.global.output
    }

    /// The signer (--keypair, the solana config's keypair_path, or the default); never
    /// created unless --create. On the embedded ledger it is given SOL.
    pub fn signer(&mut self) -> Result<Keypair> {
        if let Some(kp) = &self.signer {
            return Ok(kp.insecure_clone());
        }
        let kp = load_keypair(&self.keypair_path, self.global.create)?;
        if self.embedded() {
            self.top_up(&kp.pubkey())?;
        }
        self.signer = Some(kp.insecure_clone());
        Ok(kp)
    }

    /// Says on stderr, once, which cluster and which signer the command's transactions use.
    pub fn announce(&mut self, signer: &Pubkey) {
        if std::mem::replace(&mut self.announced, true) {
            return;
        }
        let target = match &self.target {
            Target::Embedded { path, why } => {
                format!(
                    "embedded ledger {} (chosen by {why})",
                    expand(path).display()
                )
            }
            Target::Cluster { url, why } => {
                format!(
                    "cluster {} (from {why})",
                    spice_sdk::ledger::rpc::cluster_url(url)
                )
            }
        };
        eprintln!(
            "{}: {target}; signer {signer} ({})",
            if self.global.dry_run {
                "dry run on"
            } else {
                "sending to"
            },
            expand(&self.keypair_path).display()
        );
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
        bail!("no network: pass --network <ADDRESS> (or, on the embedded ledger, deploy one: spice network deploy migrations/embedded.toml)")
    }

    /// The network's keys, read from its account.
    pub fn network(&mut self) -> Result<NetworkKeys> {
        let address = self.network_address()?;
        Ok(accounts::network_keys(self.ledger.as_mut(), &address)?)
    }

    /// The decimals of the network's two mints (read once).
    pub fn decimals(&mut self) -> Result<Decimals> {
        if let Some(d) = self.decimals {
            return Ok(d);
        }
        let net = self.network()?;
        let payment = accounts::fetch_mint(self.ledger.as_mut(), &net.payment_mint)?.decimals;
        let stake = accounts::fetch_mint(self.ledger.as_mut(), &net.stake_mint)?.decimals;
        let d = Decimals { payment, stake };
        self.decimals = Some(d);
        Ok(d)
    }

    /// Sends one transaction signed by the --keypair signer (fee payer) and `extra` signers.
    pub fn send(&mut self, ixs: &[Instruction], extra: &[&Keypair]) -> Result<Signature> {
        let signer = self.signer()?;
        self.announce(&signer.pubkey());
        let mut signers = vec![&signer];
        signers.extend_from_slice(extra);
        if self.global.dry_run {
            return Err(self.dry_run(ixs, &signers)?);
        }
        if !self.embedded() {
            return Ok(self.ledger.send(ixs, &signers)?);
        }
        // The embedded ledger keeps no transaction history (and the native program's events
        // are not logged): record how each job this transaction closes ended.
        let watched = self.closing_candidates(ixs)?;
        let sig = self.ledger.send(ixs, &signers)?;
        self.record_closed(ixs, &sig, watched)?;
        Ok(sig)
    }

    /// The live jobs among the writable accounts of `ixs`, and the token balances there.
    fn closing_candidates(&mut self, ixs: &[Instruction]) -> Result<Candidates> {
        let mut jobs = Vec::new();
        let mut tokens = Vec::new();
        for ix in ixs
            .iter()
            .filter(|ix| ix.program_id == spice_sdk::spice::ID)
        {
            for meta in ix.accounts.iter().filter(|m| m.is_writable) {
                let Some(account) = self.ledger.account(&meta.pubkey)? else {
                    continue;
                };
                if let Ok(job) = accounts::decode::<spice::state::Job>(&meta.pubkey, &account) {
                    jobs.push((meta.pubkey, job));
                } else if let Some(t) = accounts::decode_token_account(&meta.pubkey, &account) {
                    tokens.push(t);
                }
            }
        }
        Ok(Candidates { jobs, tokens })
    }

    /// Records (in the embedded ledger's notes, `closed-job:<address>`) each candidate job that
    /// `sig` closed: its last state, the instruction, and the token balances that moved.
    fn record_closed(
        &mut self,
        ixs: &[Instruction],
        sig: &Signature,
        candidates: Candidates,
    ) -> Result<()> {
        if candidates.jobs.is_empty() {
            return Ok(());
        }
        let action = ixs
            .iter()
            .filter(|ix| ix.program_id == spice_sdk::spice::ID)
            .find_map(|ix| spice_sdk::history::instruction_name(&ix.data))
            .unwrap_or_default();
        let clock = self.ledger.clock()?;
        let mut moves = Vec::new();
        for t in &candidates.tokens {
            let after = accounts::token_balance(self.ledger.as_mut(), &t.address)?;
            if after != t.amount {
                moves.push(serde_json::json!({
                    "account": t.address.to_string(),
                    "owner": t.owner.to_string(),
                    "mint": t.mint.to_string(),
                    "change": i128::from(after) - i128::from(t.amount),
                }));
            }
        }
        for (address, job) in candidates.jobs {
            if self.ledger.account(&address)?.is_some() {
                continue;
            }
            let record = serde_json::json!({
                "job": address.to_string(),
                "network": job.network.to_string(),
                "client": job.client.to_string(),
                "job_id": job.job_id,
                "provider": job.provider.map(|p| p.to_string()),
                "price_per_unit": job.price_per_unit,
                "max_units": job.max_units,
                "escrowed": job.escrowed,
                "state_before": crate::cmd::view::job_state_name(job.state),
                "audit": crate::cmd::view::audit_name(job.audit),
                "reported_units": job.reported_units,
                "valid_votes": job.valid_votes,
                "invalid_votes": job.invalid_votes,
                "expire_reason": job.expire_reason(clock.unix_timestamp).map(crate::cmd::view::expire_reason_name),
                "closed_by": action,
                "signature": sig.to_string(),
                "slot": clock.slot,
                "time": clock.unix_timestamp,
                "moves": moves,
            });
            self.ledger
                .set_meta(&format!("closed-job:{address}"), &record.to_string());
        }
        Ok(())
    }

    /// `--dry-run`: simulates `ixs`, prints what they would move, and ends the command (the
    /// returned [`DryRunDone`] exits 0); a refusal is the command's error, with the log.
    fn dry_run(&mut self, ixs: &[Instruction], signers: &[&Keypair]) -> Result<anyhow::Error> {
        let mut watch: Vec<Pubkey> = Vec::new();
        for ix in ixs {
            for meta in &ix.accounts {
                if meta.is_writable && !watch.contains(&meta.pubkey) {
                    watch.push(meta.pubkey);
                }
            }
        }
        if let Some(payer) = signers.first() {
            if !watch.contains(&payer.pubkey()) {
                watch.insert(0, payer.pubkey());
            }
        }
        let mut before = Vec::new();
        for k in &watch {
            before.push(self.ledger.account(k)?);
        }
        let sim = self.ledger.simulate(ixs, signers, &watch)?;
        if let Some(err) = sim.err {
            return Err(spice_sdk::ledger::LedgerError::Transaction {
                err,
                logs: sim.logs,
            })
            .context("dry run: the transaction would fail; nothing was sent");
        }
        let mut decimals: std::collections::HashMap<Pubkey, u8> = Default::default();
        let mut moves = Vec::new();
        for ((k, after), before) in sim.accounts.iter().zip(&before) {
            if after.as_ref().map(|a| (a.lamports, &a.data))
                == before.as_ref().map(|a| (a.lamports, &a.data))
            {
                continue;
            }
            let token = |a: &Option<solana_sdk::account::Account>| {
                a.as_ref()
                    .and_then(|a| accounts::decode_token_account(k, a))
            };
            let (tb, ta) = (token(before), token(after));
            if let Some(t) = ta.clone().or(tb.clone()) {
                let d = match decimals.get(&t.mint) {
                    Some(d) => *d,
                    None => {
                        let d = accounts::fetch_mint(self.ledger.as_mut(), &t.mint)?.decimals;
                        decimals.insert(t.mint, d);
                        d
                    }
                };
                let (b, a) = (
                    tb.as_ref().map_or(0, |t| t.amount),
                    ta.as_ref().map_or(0, |t| t.amount),
                );
                if a != b || tb.is_none() || ta.is_none() {
                    let change = i128::from(a) - i128::from(b);
                    let sign = if change < 0 { "-" } else { "+" };
                    moves.push((
                        serde_json::json!({"account": k.to_string(), "kind": "token", "mint": t.mint.to_string(), "owner": t.owner.to_string(), "before": b, "after": a, "decimals": d, "created": tb.is_none(), "closed": ta.is_none()}),
                        format!(
                            "  token account {k} (owner {}, mint {}): {} -> {} ({sign}{}){}",
                            t.owner,
                            t.mint,
                            spice_sdk::amount::format_base(b, d),
                            spice_sdk::amount::format_base(a, d),
                            spice_sdk::amount::format_base(change.unsigned_abs() as u64, d),
                            if tb.is_none() { ", created" } else if ta.is_none() { ", closed" } else { "" }
                        ),
                    ));
                }
                continue;
            }
            let (b, a) = (
                before.as_ref().map_or(0, |x| x.lamports),
                after.as_ref().map_or(0, |x| x.lamports),
            );
            let state = match (before, after) {
                (None, Some(_)) => "created",
                (Some(_), None) => "closed",
                _ => "changed",
            };
            moves.push((
                serde_json::json!({"account": k.to_string(), "kind": "lamports", "before": b, "after": a, "state": state}),
                format!(
                    "  account {k}: {state}, {} -> {} SOL",
                    spice_sdk::amount::format_base(b, 9),
                    spice_sdk::amount::format_base(a, 9)
                ),
            ));
        }
        let json = serde_json::json!({
            "dry_run": true,
            "would_succeed": true,
            "compute_units": sim.units,
            "moves": moves.iter().map(|(j, _)| j.clone()).collect::<Vec<_>>(),
        });
        self.emit(json, || {
            let mut lines = vec![format!(
                "dry run: the command's transaction would succeed ({} compute units); nothing was sent. It would change:",
                sim.units
            )];
            lines.extend(moves.iter().map(|(_, t)| t.clone()));
            lines.join("\n")
        });
        Ok(anyhow::Error::new(DryRunDone))
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
