//! End-to-end: the `spice` binary, one process per command as a user runs it, on an embedded
//! ledger file in a temporary directory. Each test is a story through several roles.

use std::path::{Path, PathBuf};
use std::process::Command;

use anchor_lang::prelude::Pubkey;
use base64::Engine;
use serde_json::Value;
use spice_sdk::pda;

/// A temporary home with its own ledger file and keypairs.
struct World {
    dir: tempfile::TempDir,
}

/// What a command printed and how it ended.
struct Out {
    code: i32,
    json: Value,
    stdout: String,
    stderr: String,
}

impl World {
    fn new() -> Self {
        Self {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn ledger(&self) -> PathBuf {
        self.path("ledger.json")
    }

    /// Runs `spice --keypair <who>.json --output json <args>`.
    fn run(&self, who: &str, args: &[&str]) -> Out {
        let out = Command::new(env!("CARGO_BIN_EXE_spice"))
            .env("HOME", self.dir.path())
            .env("SPICE_LEDGER", self.ledger())
            .env_remove("SPICE_URL")
            .env_remove("SPICE_NETWORK")
            .arg("--keypair")
            .arg(self.path(&format!("{who}.json")))
            .args(["--output", "json"])
            .args(args)
            .output()
            .expect("run spice");
        let stdout = String::from_utf8_lossy(&out.stdout).to_string();
        Out {
            code: out.status.code().unwrap_or(-1),
            json: serde_json::from_str(&stdout).unwrap_or(Value::Null),
            stdout,
            stderr: String::from_utf8_lossy(&out.stderr).to_string(),
        }
    }

    /// Runs a command that must succeed; returns its JSON.
    #[track_caller]
    fn ok(&self, who: &str, args: &[&str]) -> Value {
        let out = self.run(who, args);
        assert_eq!(
            out.code, 0,
            "spice {args:?} as {who} failed:\n{}\n{}",
            out.stdout, out.stderr
        );
        out.json
    }

    /// The public key of `<who>.json` (created, and given SOL, on first use).
    fn key(&self, who: &str) -> Pubkey {
        let v = self.ok(who, &["dev", "airdrop", "--sol", "1"]);
        v["to"]
            .as_str()
            .expect("airdrop names the wallet")
            .parse()
            .expect("pubkey")
    }

    /// Deploys a network like migrations/embedded.toml with `audit_rate_bps` and the
    /// attestor keypairs kept in this world; returns the network address.
    fn deploy(&self, audit_rate_bps: u16) -> Pubkey {
        let shipped = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../migrations/embedded.toml"),
        )
        .expect("embedded.toml");
        let mut text = String::new();
        for line in shipped.lines() {
            let line = if line.starts_with("audit_rate_bps") {
                format!("audit_rate_bps = {audit_rate_bps}")
            } else if let Some(rest) = line.strip_prefix("keypair = \"~/.config/spice/") {
                format!(
                    "keypair = \"{}",
                    self.path(rest.trim_end_matches('"')).display()
                ) + "\""
            } else {
                line.to_string()
            };
            text.push_str(&line);
            text.push('\n');
        }
        let file = self.path("deploy.toml");
        std::fs::write(&file, text).expect("write deploy file");
        let file = file.to_string_lossy().to_string();
        let first = self.ok("authority", &["network", "deploy", &file]);
        assert_eq!(first["changed"], true);
        let again = self.ok("authority", &["network", "deploy", &file]);
        assert_eq!(again["changed"], false, "a second deploy changes nothing");
        first["network"]
            .as_str()
            .expect("network")
            .parse()
            .expect("pubkey")
    }

    /// A provider with `stake` staked (the authority mints the stake tokens).
    fn provider(&self, who: &str, stake: u64) -> Pubkey {
        let key = self.key(who);
        let amount = stake.to_string();
        self.ok(
            "authority",
            &[
                "dev",
                "mint-to",
                "--mint",
                "stake",
                "--to",
                &key.to_string(),
                &amount,
            ],
        );
        self.ok(
            who,
            &[
                "provider",
                "register",
                "--stake",
                &amount,
                "--gpu-model",
                "H100",
                "--gpu-count",
                "8",
                "--vram-gb",
                "80",
                "--region",
                "eu-west",
            ],
        );
        key
    }

    /// A client holding `amount` of the payment mint.
    fn client(&self, who: &str, amount: u64) -> Pubkey {
        let key = self.key(who);
        self.ok(
            "authority",
            &[
                "dev",
                "mint-to",
                "--mint",
                "payment",
                "--to",
                &key.to_string(),
                &amount.to_string(),
            ],
        );
        key
    }

    /// The client creates job `id`; the provider accepts it and submits `units`. Returns the
    /// job's address.
    fn submitted_job(&self, client: &str, provider: &str, id: u64, units: u64) -> String {
        let created = self.ok(
            client,
            &[
                "job",
                "create",
                "--id",
                &id.to_string(),
                "--price-per-unit",
                "1000",
                "--max-units",
                "100",
            ],
        );
        let job = created["job"]
            .as_str()
            .expect("create names the job")
            .to_string();
        self.ok(provider, &["job", "accept", &job]);
        self.ok(
            provider,
            &[
                "job",
                "submit",
                &job,
                "--units",
                &units.to_string(),
                "--result",
                "out.tar",
            ],
        );
        job
    }

    /// `who`'s balance of the network's `mint` (`payment` or `stake`), asked by `asker`.
    fn balance(&self, asker: &str, mint: &str, who: &str) -> Value {
        let wallet = self.path(&format!("{who}.json"));
        self.ok(
            asker,
            &[
                "dev",
                "balance",
                "--mint",
                mint,
                "--of",
                &wallet.to_string_lossy(),
            ],
        )
    }

    fn audit(&self) -> Out {
        self.run("auditor", &["audit"])
    }
}

#[test]
fn a_provider_and_a_client_go_from_a_job_to_a_reward_claim() {
    let w = World::new();
    w.deploy(0);
    w.provider("provider", 2_000_000_000);
    w.client("client", 1_000_000);

    let job = w.submitted_job("client", "provider", 1, 80);
    let shown = w.ok("client", &["job", "show", &job]);
    assert_eq!(shown["state"], "Submitted", "{shown}");
    w.ok("client", &["job", "approve", &job]);
    assert_eq!(
        w.run("client", &["job", "show", &job]).code,
        1,
        "a settled job is closed"
    );
    // 80 units × 1000 = 80 000 paid; 2.5 % fee to the treasury; the rest of the escrow back.
    let paid = w.balance("authority", "payment", "provider");
    assert_eq!(paid["balance"], 78_000);
    let refunded = w.balance("authority", "payment", "client");
    assert_eq!(refunded["balance"], 1_000_000 - 80_000);

    // Nothing is claimable before the epoch is finalized.
    let early = w.ok("provider", &["rewards", "claim"]);
    assert_eq!(early["claimed"], 0);
    w.ok("anyone", &["dev", "warp", "--epochs", "1"]);
    let finalized = w.ok("anyone", &["rewards", "finalize"]);
    assert_eq!(finalized["finalized"][0]["epoch"], 0, "{finalized}");
    let claim = w.ok("provider", &["rewards", "claim"]);
    let claimed = claim["claimed"].as_u64().expect("claimed");
    // The fee cap (reward_per_fee_cap_bps 5 000) bounds it: half the 2 000 fee.
    assert_eq!(claimed, 1_000, "{claim}");
    assert_eq!(claim["transactions"], 1);
    let again = w.ok("provider", &["rewards", "claim"]);
    assert_eq!(again["claimed"], 0, "an epoch is claimed once");

    let audit = w.audit();
    assert_eq!(audit.code, 0, "{}\n{}", audit.stdout, audit.stderr);
    assert!(audit.json["summary"]
        .as_array()
        .is_some_and(|s| s.len() == 6));
}

#[test]
fn attestors_find_fraud_in_a_disputed_job_and_the_provider_is_slashed() {
    let w = World::new();
    w.deploy(0);
    let provider = w.provider("cheater", 2_000_000_000);
    w.client("client", 1_000_000);
    let job = w.submitted_job("client", "cheater", 7, 100);

    w.ok("client", &["job", "dispute", &job]);
    let shown = w.ok("anyone", &["job", "show", &job]);
    assert_eq!(shown["state"], "Disputed", "{shown}");
    // A provider cannot vote on its own job: it is not an attestor.
    let refused = w.run(
        "cheater",
        &["attestor", "attest", &job, "--invalid", "--units", "0"],
    );
    assert_eq!(refused.code, 1);
    assert!(refused.stderr.contains("failed"), "{}", refused.stderr);

    w.ok(
        "attestor-1",
        &[
            "attestor",
            "attest",
            &job,
            "--invalid",
            "--units",
            "0",
            "--evidence",
            "no output",
        ],
    );
    w.ok(
        "attestor-2",
        &[
            "attestor",
            "attest",
            &job,
            "--invalid",
            "--units",
            "0",
            "--evidence",
            "no output",
        ],
    );
    // The quorum decided: refund in full, and a slash of slash_bps (20 %) of the stake, half
    // of it to the client.
    let refunded = w.balance("anyone", "payment", "client");
    assert_eq!(refunded["balance"], 1_000_000);
    let share = w.balance("anyone", "stake", "client");
    assert_eq!(share["balance"], 200_000_000);
    let p = w.ok("anyone", &["provider", "show", &provider.to_string()]);
    let text = p.to_string();
    assert!(
        text.contains("400000000"),
        "slashed 400 000 000 in the stats: {text}"
    );
    let a = w.ok(
        "anyone",
        &["attestor", "show", &w.key("attestor-1").to_string()],
    );
    assert!(a.to_string().contains("\"votes_cast\":1"), "{a}");

    let audit = w.audit();
    assert_eq!(audit.code, 0, "{}\n{}", audit.stdout, audit.stderr);
}

#[test]
fn audit_fails_on_a_tampered_ledger_file() {
    let w = World::new();
    let network = w.deploy(0);
    let owner = w.provider("provider", 2_000_000_000);
    assert_eq!(w.audit().code, 0);

    // Take tokens out of the stake vault behind the program's back.
    let vault = pda::stake_vault(&pda::provider(&network, &owner)).to_string();
    let text = std::fs::read_to_string(w.ledger()).expect("ledger");
    let mut ledger: Value = serde_json::from_str(&text).expect("ledger json");
    let b64 = base64::engine::general_purpose::STANDARD;
    let data = ledger["accounts"][&vault]["data"]
        .as_str()
        .expect("vault in the ledger");
    let mut bytes = b64.decode(data).expect("base64");
    // A token account's amount is the u64 at bytes 64..72.
    bytes[64..72].copy_from_slice(&1_000u64.to_le_bytes());
    ledger["accounts"][&vault]["data"] = Value::String(b64.encode(&bytes));
    std::fs::write(w.ledger(), serde_json::to_string(&ledger).expect("json")).expect("write");

    let audit = w.audit();
    assert_eq!(audit.code, 2, "{}\n{}", audit.stdout, audit.stderr);
    let failed: Vec<u64> = audit.json["summary"]
        .as_array()
        .expect("summary")
        .iter()
        .filter(|s| s["violations"].as_u64() > Some(0))
        .filter_map(|s| s["invariant"].as_u64())
        .collect();
    assert!(failed.contains(&2), "stake vault below stake: {failed:?}");
    assert!(failed.contains(&5), "supply no longer adds up: {failed:?}");
    assert!(
        audit.stdout.contains(&vault)
            || audit.stdout.contains(&owner.to_string())
            || audit.stdout.contains("provider")
    );
}

#[test]
fn errors_are_named_and_the_ledger_survives_them() {
    let w = World::new();
    w.deploy(0);
    w.client("client", 1_000);
    // Escrow of 1000 × 100 is more than the client holds.
    let out = w.run(
        "client",
        &[
            "job",
            "create",
            "--id",
            "1",
            "--price-per-unit",
            "1000",
            "--max-units",
            "100",
        ],
    );
    assert_eq!(out.code, 1);
    assert!(
        !out.stderr.contains("0x") && out.stderr.contains("failed"),
        "a readable error: {}",
        out.stderr
    );
    let out = w.run(
        "client",
        &["network", "update-params", "--set", "audit_rate_bps=10"],
    );
    assert_eq!(out.code, 1);
    assert!(
        out.stderr.contains("NotAuthority") || out.stderr.contains("authority"),
        "{}",
        out.stderr
    );
    let out = w.run(
        "client",
        &["network", "update-params", "--set", "no_such=1"],
    );
    assert_eq!(out.code, 1);
    assert_eq!(w.audit().code, 0);
}

#[test]
fn an_unreachable_cluster_is_a_readable_error_and_dev_commands_refuse_it() {
    let w = World::new();
    let out = w.run(
        "anyone",
        &[
            "--url",
            "http://127.0.0.1:9",
            "--network",
            &Pubkey::new_unique().to_string(),
            "network",
            "show",
        ],
    );
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("ledger unavailable"), "{}", out.stderr);
    let out = w.run(
        "anyone",
        &["--url", "localhost", "dev", "warp", "--seconds", "5"],
    );
    assert_eq!(out.code, 1);
    assert!(
        out.stderr.contains("embedded ledger only"),
        "{}",
        out.stderr
    );
    assert!(!w.ledger().exists(), "no embedded ledger was touched");
}
