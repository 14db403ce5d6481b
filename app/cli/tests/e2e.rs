//! End-to-end: the `spice` binary, one process per command as a user runs it, on an embedded
//! ledger file in a temporary directory. Each test is a story through several roles, run twice
//! (the `stories!` at the end): on the embedded ledger, and over JSON-RPC (`--url`) against
//! `spice serve` on the same kind of ledger file, so that the CLI's RPC backend — blockhashes,
//! confirmation, retries, errors by name, `getProgramAccounts` listings, `spice audit` — runs
//! the same stories. Over RPC the `spice dev` commands that only the embedded ledger has (warp,
//! airdrop, mint-to) run on the ledger file the server serves, while it serves it: the server
//! and the CLI share that file under its lock, and each story checks they lose nothing of each
//! other's.

use std::cell::RefCell;
use std::collections::HashSet;
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use anchor_lang::prelude::Pubkey;
use base64::Engine;
use serde_json::Value;
use spice_sdk::pda;
use spice_sdk::spice::curve;

/// `unbond_seconds` of migrations/embedded.toml: the delay of every governance change
/// (parameter proposals, attestor additions and removals).
const GOVERNANCE_DELAY: i64 = 3_600;

/// A temporary home with its own ledger file and keypairs; over RPC, with `spice serve`
/// serving that file.
struct World {
    dir: tempfile::TempDir,
    rpc: Option<Served>,
}

/// `spice serve` on the world's ledger file, and what the CLI needs over `--url`.
struct Served {
    server: Child,
    url: String,
    /// The network deployed (the embedded ledger remembers it; over RPC every command names
    /// it).
    network: RefCell<Option<String>>,
    /// Signers that have SOL (over RPC nobody tops them up).
    funded: RefCell<HashSet<String>>,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.server.kill();
        let _ = self.server.wait();
    }
}

/// What a command printed and how it ended.
struct Out {
    code: i32,
    json: Value,
    stdout: String,
    stderr: String,
}

impl World {
    /// A world on the embedded ledger.
    fn new() -> Self {
        Self {
            dir: tempfile::tempdir().expect("temp dir"),
            rpc: None,
        }
    }

    /// A world whose commands go over JSON-RPC to `spice serve` on its ledger file.
    fn over_rpc() -> Self {
        let mut w = Self::new();
        let mut server = Command::new(env!("CARGO_BIN_EXE_spice"))
            .env("HOME", w.dir.path())
            .args(["--ledger", &w.ledger().to_string_lossy()])
            .args(["serve", "--bind", "127.0.0.1:0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start spice serve");
        let stdout = server.stdout.take().expect("server stdout");
        let mut first = String::new();
        std::io::BufReader::new(stdout)
            .read_line(&mut first)
            .expect("server output");
        let url = first
            .split_whitespace()
            .find(|word| word.starts_with("http://"))
            .unwrap_or_else(|| panic!("spice serve did not say where it listens: {first:?}"))
            .to_string();
        w.rpc = Some(Served {
            server,
            url,
            network: RefCell::new(None),
            funded: RefCell::new(HashSet::new()),
        });
        w
    }

    /// The server's URL, over RPC.
    fn url(&self) -> Option<&str> {
        self.rpc.as_ref().map(|r| r.url.as_str())
    }

    /// Calls a method of `spice serve` (over RPC only).
    fn rpc_call(&self, method: &'static str, params: Value) -> Value {
        let url = self.url().expect("a world over RPC");
        solana_rpc_client::rpc_client::RpcClient::new(url.to_string())
            .send(
                solana_rpc_client_api::request::RpcRequest::Custom { method },
                params,
            )
            .unwrap_or_else(|e| panic!("{method}: {e}"))
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Writes `contents` to the file `name` of the world; returns its path.
    fn file(&self, name: &str, contents: &str) -> String {
        let path = self.path(name);
        std::fs::write(&path, contents).expect("write file");
        path.to_string_lossy().to_string()
    }

    fn ledger(&self) -> PathBuf {
        self.path("ledger.json")
    }

    /// Runs `spice --keypair <who>.json --output json <args>`: on the embedded ledger, or over
    /// RPC (with `--url` and `--network`) — except the `spice dev` commands only the embedded
    /// ledger has, which run on the ledger file the server serves.
    fn run(&self, who: &str, args: &[&str]) -> Out {
        let dev_on_file = matches!(
            args,
            ["dev", "warp" | "airdrop" | "mint-to" | "create-mint", ..]
        );
        let mut extra: Vec<String> = Vec::new();
        if let Some(rpc) = &self.rpc {
            if let Some(network) = rpc.network.borrow().as_ref() {
                extra.extend(["--network".to_string(), network.clone()]);
            }
            if !dev_on_file {
                self.fund(who);
                extra.extend(["--url".to_string(), rpc.url.clone()]);
            }
        }
        self.spice(who, &extra, args)
    }

    /// Over RPC, gives `who` SOL the first time it signs (creating its keypair), on the
    /// ledger file: nobody tops signers up on a cluster.
    fn fund(&self, who: &str) {
        let Some(rpc) = &self.rpc else { return };
        if !rpc.funded.borrow_mut().insert(who.to_string()) {
            return;
        }
        let out = self.spice(who, &[], &["dev", "airdrop", "--sol", "10"]);
        assert_eq!(out.code, 0, "funding {who}: {}", out.stderr);
    }

    /// Starts what [`World::run`] runs, without waiting for it (see [`World::finish`]).
    fn start(&self, who: &str, args: &[&str]) -> Child {
        let mut extra: Vec<String> = Vec::new();
        if let Some(rpc) = &self.rpc {
            if let Some(network) = rpc.network.borrow().as_ref() {
                extra.extend(["--network".to_string(), network.clone()]);
            }
            self.fund(who);
            extra.extend(["--url".to_string(), rpc.url.clone()]);
        }
        self.keygen(who);
        Command::new(env!("CARGO_BIN_EXE_spice"))
            .env("HOME", self.dir.path())
            .env("SPICE_LEDGER", self.ledger())
            .env_remove("SPICE_URL")
            .env_remove("SPICE_NETWORK")
            .arg("--keypair")
            .arg(self.path(&format!("{who}.json")))
            .args(["--output", "json"])
            .args(&extra)
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start spice")
    }

    /// Waits for a command [`World::start`] started.
    fn finish(child: Child) -> Out {
        let out = child.wait_with_output().expect("wait for spice");
        let stdout = String::from_utf8_lossy(&out.stdout).to_string();
        Out {
            code: out.status.code().unwrap_or(-1),
            json: serde_json::from_str(&stdout).unwrap_or(Value::Null),
            stdout,
            stderr: String::from_utf8_lossy(&out.stderr).to_string(),
        }
    }

    fn spice(&self, who: &str, extra: &[String], args: &[&str]) -> Out {
        self.keygen(who);
        let out = Command::new(env!("CARGO_BIN_EXE_spice"))
            .env("HOME", self.dir.path())
            .env("SPICE_LEDGER", self.ledger())
            .env_remove("SPICE_URL")
            .env_remove("SPICE_NETWORK")
            .arg("--keypair")
            .arg(self.path(&format!("{who}.json")))
            .args(["--output", "json"])
            .args(extra)
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

    /// Creates `<who>.json` the first time `who` acts, with `spice dev keygen` (spice never
    /// creates a keypair it was not asked for).
    fn keygen(&self, who: &str) {
        let file = self.path(&format!("{who}.json"));
        if file.exists() {
            return;
        }
        let out = Command::new(env!("CARGO_BIN_EXE_spice"))
            .env("HOME", self.dir.path())
            .args(["dev", "keygen", "--outfile"])
            .arg(&file)
            .output()
            .expect("run spice dev keygen");
        assert!(
            out.status.success(),
            "keygen {who}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
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

    /// Writes a deploy file like migrations/embedded.toml with `audit_rate_bps` and the
    /// attestor keypairs kept in this world; returns its path.
    fn deploy_file(&self, audit_rate_bps: u16) -> String {
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
        let file = self.path(&format!("deploy-{audit_rate_bps}.toml"));
        std::fs::write(&file, text).expect("write deploy file");
        file.to_string_lossy().to_string()
    }

    /// Deploys a network like migrations/embedded.toml with `audit_rate_bps` (twice: the second
    /// run changes nothing), then waits out the governance delay so that its attestors vote on
    /// the jobs accepted from then; returns the network address.
    fn deploy(&self, audit_rate_bps: u16) -> Pubkey {
        let file = self.deploy_file(audit_rate_bps);
        if self.rpc.is_some() {
            // The deploy file names the attestors' keypair files, which only the embedded
            // ledger creates.
            for attestor in ["attestor-1", "attestor-2", "attestor-3"] {
                self.fund(attestor);
            }
        }
        let first = self.ok("authority", &["network", "deploy", &file]);
        if let Some(rpc) = &self.rpc {
            *rpc.network.borrow_mut() = first["network"].as_str().map(str::to_string);
        }
        assert_eq!(first["changed"], true);
        assert_eq!(
            first["attestors_not_yet_active"].as_array().map(Vec::len),
            Some(3),
            "{first}"
        );
        let again = self.ok("authority", &["network", "deploy", &file]);
        assert_eq!(again["changed"], false, "a second deploy changes nothing");
        self.warp(GOVERNANCE_DELAY);
        first["network"]
            .as_str()
            .expect("network")
            .parse()
            .expect("pubkey")
    }

    /// Moves the embedded ledger's clock by `seconds`.
    fn warp(&self, seconds: i64) {
        self.ok(
            "anyone",
            &["dev", "warp", "--seconds", &seconds.to_string()],
        );
    }

    /// A provider with `stake` staked (the authority mints the stake tokens).
    fn provider(&self, who: &str, stake: u64) -> Pubkey {
        let key = self.key(who);
        // Amounts are tokens unless they say `base`.
        let amount = format!("{stake}base");
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
                &format!("{amount}base"),
            ],
        );
        key
    }

    /// The client creates its next job (1 000 per unit, at most 100 units); returns the job's
    /// address and id.
    fn job(&self, client: &str) -> (String, u64) {
        let created = self.ok(
            client,
            &[
                "job",
                "create",
                "--price-per-unit",
                "1000base",
                "--max-units",
                "100",
                "--spec-uri",
                "https://example.com/spec.json",
            ],
        );
        let job = created["job"]
            .as_str()
            .expect("create names the job")
            .to_string();
        (job, created["job_id"].as_u64().expect("job id"))
    }

    /// The client creates a job; the provider accepts it and submits `units`. Returns the
    /// job's address.
    fn submitted_job(&self, client: &str, provider: &str, units: u64) -> String {
        let (job, _) = self.job(client);
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
                &self.file("out.tar", "the frames"),
                "--result-uri",
                "https://example.com/out.tar",
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

fn a_provider_and_a_client_go_from_a_job_to_a_reward_claim(w: &World) {
    w.deploy(0);
    if w.url().is_some() {
        // The node refuses the next two sends as unhealthy: the CLI tries again with a fresh
        // blockhash, and the provider registers at the third attempt.
        w.rpc_call("spice_refuseSends", serde_json::json!([2]));
    }
    w.provider("provider", 2_000_000_000);
    w.client("client", 1_000_000);
    w.key("payer");

    let job = w.submitted_job("client", "provider", 80);
    let shown = w.ok("client", &["job", "show", "0"]);
    assert_eq!(
        shown["address"],
        job.as_str(),
        "the client's first job is id 0"
    );
    assert_eq!(shown["state"], "Submitted", "{shown}");
    assert_eq!(shown["terms"]["protocol_fee_bps"], 250, "{shown}");
    assert_eq!(shown["spec_uri"], "https://example.com/spec.json");
    assert_eq!(shown["result_uri"], "https://example.com/out.tar");
    assert_eq!(
        shown["slash_lock"], 400_000_000,
        "20 % of the stake at accept"
    );
    let now: Vec<&str> = shown["actions_now"]
        .as_array()
        .expect("actions")
        .iter()
        .filter_map(|a| a["action"].as_str())
        .collect();
    assert!(
        now.contains(&"approve") && now.contains(&"dispute"),
        "{now:?}"
    );

    // The job's client cannot pay the rent of the reward accounts its approval creates (the
    // program closes the job into the client's wallet first): another wallet pays it.
    let approved = w.ok(
        "client",
        &[
            "job",
            "approve",
            &job,
            "--payer",
            &w.path("payer.json").to_string_lossy(),
        ],
    );
    assert_eq!(approved["settled"], true, "{approved}");
    assert_eq!(
        w.run("client", &["job", "show", &job]).code,
        1,
        "a settled job is closed"
    );
    // 80 units × 1000 = 80 000 paid; 2.5 % fee to the treasury; the rest of the escrow back.
    // The provider has no payment-mint account: its payment waits in the payouts vault.
    assert_eq!(
        approved["provider_paid"]["to"], "payouts_vault",
        "{approved}"
    );
    let p = w.ok(
        "anyone",
        &[
            "provider",
            "show",
            &w.path("provider.json").to_string_lossy(),
        ],
    );
    assert_eq!(p["owed_payment"], 78_000, "{p}");
    assert_eq!(p["locked"], 0);
    let collected = w.ok(
        "anyone",
        &[
            "provider",
            "collect",
            "--owner",
            &w.path("provider.json").to_string_lossy(),
        ],
    );
    assert_eq!(collected["amount"], 78_000);
    let paid = w.balance("authority", "payment", "provider");
    assert_eq!(paid["balance"], 78_000);
    let refunded = w.balance("authority", "payment", "client");
    assert_eq!(refunded["balance"], 1_000_000 - 80_000);
    let again = w.run(
        "anyone",
        &[
            "provider",
            "collect",
            "--owner",
            &w.path("provider.json").to_string_lossy(),
        ],
    );
    assert_eq!(again.code, 1, "nothing left to collect");

    // Nothing is claimable before the epoch is finalized: the claim says why, and fails.
    let epoch = approved["epoch"].as_u64().expect("epoch of the work");
    let early = w.run("provider", &["rewards", "claim"]);
    assert_eq!(early.code, 1, "{}", early.stdout);
    assert_eq!(early.json["error"]["name"], "NothingToClaim");
    assert_eq!(early.json["error"]["nothing_because"]["code"], "not_ended");
    assert_eq!(
        early.json["error"]["nothing_because"]["epochs"],
        serde_json::json!([epoch])
    );
    assert!(early.stderr.contains("have not ended"), "{}", early.stderr);
    // Someone who is not a provider is told so.
    let stranger = w.run("payer", &["rewards", "claim"]);
    assert_eq!(stranger.code, 1);
    assert_eq!(
        stranger.json["error"]["nothing_because"]["code"],
        "not_a_provider"
    );
    w.ok("anyone", &["dev", "warp", "--epochs", "1"]);
    let finalized = w.ok("anyone", &["rewards", "finalize"]);
    assert_eq!(finalized["finalized"][0]["epoch"], epoch, "{finalized}");
    assert_eq!(
        finalized["finalized"].as_array().map(Vec::len),
        Some(1),
        "only epochs with work are finalized by default: {finalized}"
    );
    // Score = value × m(stake); the sole provider of the epoch gets its allocation,
    // min(emission, score × reward_rate_cap_bps 80 / 10 000).
    let m = curve::stake_multiplier_bps(2_000_000_000, 100_000_000_000, 30_000).expect("m");
    let score = curve::job_score(curve::job_value(80, 1_000, 0).expect("value"), m).expect("score");
    let emission = curve::curve_emission(10_000_000_000, 500, 1_000_000_000, epoch).expect("E");
    let reward = curve::epoch_allocation(emission, score, 80).expect("allocation");
    assert!(
        reward > 0 && reward < 2_000,
        "below the 2 000 fee: {reward}"
    );
    let claimable = w.ok("provider", &["rewards", "claimable"]);
    assert_eq!(claimable["total"], reward, "{claimable}");
    let claim = w.ok("provider", &["rewards", "claim"]);
    assert_eq!(claim["claimed"], reward, "{claim}");
    assert_eq!(claim["pages"], serde_json::json!([0]));
    assert_eq!(claim["transactions"], 1);
    assert_eq!(claim["still_owed"], 0);
    // The sole provider's reward is its rate cap, less than the epoch's emission: said so.
    assert_eq!(
        claim["per_epoch"][0]["cuts"][0]["reason"], "rate_cap",
        "{claim}"
    );
    let again = w.run("provider", &["rewards", "claim"]);
    assert_eq!(again.code, 1, "an epoch is claimed once");
    assert_eq!(
        again.json["error"]["nothing_because"]["code"],
        "all_claimed"
    );

    // The finalized epoch's shards close, rent back to their payer.
    let closed = w.ok("anyone", &["rewards", "close-shards"]);
    assert_eq!(
        closed["closed"].as_array().map(Vec::len),
        Some(1),
        "{closed}"
    );
    assert_eq!(closed["closed"][0]["payer"], w.key("payer").to_string());
    let none = w.ok("anyone", &["rewards", "close-shards"]);
    assert_eq!(none["closed"].as_array().map(Vec::len), Some(0));
    let shown = w.ok("anyone", &["rewards", "show", &epoch.to_string()]);
    assert_eq!(shown["open_shards"], 0, "{shown}");
    assert_eq!(shown["claimed"], reward);

    // The provider's book page closes once its 16 epochs are over and it is paid.
    let provider_key = w.path("provider.json").to_string_lossy().to_string();
    let kept = w.ok("anyone", &["rewards", "close-book", &provider_key]);
    assert_eq!(kept["closed"].as_array().map(Vec::len), Some(0), "{kept}");
    w.ok("anyone", &["dev", "warp", "--epochs", "16"]);
    let book = w.ok("anyone", &["rewards", "close-book", &provider_key]);
    assert_eq!(book["closed"].as_array().map(Vec::len), Some(1), "{book}");
    // After its claim window (168 epochs) the epoch closes.
    let early = w.ok("anyone", &["rewards", "close-epoch"]);
    assert_eq!(early["closed"].as_array().map(Vec::len), Some(0), "{early}");
    w.ok("anyone", &["dev", "warp", "--epochs", "170"]);
    let closed = w.ok("anyone", &["rewards", "close-epoch"]);
    assert_eq!(closed["closed"][0]["epoch"], epoch, "{closed}");
    assert_eq!(closed["closed"][0]["returned_to_pool"], 0);

    let audit = w.audit();
    assert_eq!(audit.code, 0, "{}\n{}", audit.stdout, audit.stderr);
    assert!(audit.json["summary"]
        .as_array()
        .is_some_and(|s| s.len() == 6));
    assert_eq!(audit.json["freeze_authority_accepted"], false);
}

fn attestors_find_fraud_in_a_disputed_job_and_the_provider_is_slashed(w: &World) {
    w.deploy(0);
    let provider = w.provider("cheater", 2_000_000_000);
    w.client("client", 1_000_000);
    let job = w.submitted_job("client", "cheater", 100);

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

    let first = w.ok(
        "attestor-1",
        &[
            "attestor",
            "attest",
            &job,
            "--invalid",
            "--evidence",
            &w.file("evidence.txt", "no output"),
            "--evidence-uri",
            "https://example.com/evidence",
        ],
    );
    assert_eq!(first["decided"], false, "{first}");
    assert_eq!(first["evidence_uri"], "https://example.com/evidence");
    let decided = w.ok(
        "attestor-2",
        &[
            "attestor",
            "attest",
            &job,
            "--invalid",
            "--evidence",
            &w.file("evidence.txt", "no output"),
        ],
    );
    // The evidence's hash is the hash of the file's contents, and its file:// path is
    // recorded when no URI is given.
    assert_eq!(decided["evidence_hash"], first["evidence_hash"]);
    assert!(
        decided["evidence_uri"]
            .as_str()
            .is_some_and(|u| u.starts_with("file://") && u.ends_with("evidence.txt")),
        "{decided}"
    );
    assert_eq!(decided["decided"], true, "{decided}");
    assert_eq!(decided["outcome"]["result"], "fraud");
    // A slash of slash_bps (20 %) of the stake at accept, half of it to the client: the
    // client has no stake-mint account, so its share waits in the payouts vault.
    assert_eq!(decided["outcome"]["slashed"], 400_000_000);
    assert_eq!(decided["outcome"]["client_share_owed"], 200_000_000);
    let refunded = w.balance("anyone", "payment", "client");
    assert_eq!(refunded["balance"], 1_000_000);
    let collected = w.ok(
        "anyone",
        &[
            "job",
            "collect",
            "--client",
            &w.path("client.json").to_string_lossy(),
        ],
    );
    assert_eq!(collected["stake"], 200_000_000, "{collected}");
    let share = w.balance("anyone", "stake", "client");
    assert_eq!(share["balance"], 200_000_000);
    let p = w.ok("anyone", &["provider", "show", &provider.to_string()]);
    assert_eq!(p["stats"]["total_slashed"], 400_000_000, "{p}");
    assert_eq!(p["locked"], 0, "{p}");
    let a = w.ok(
        "anyone",
        &["attestor", "show", &w.key("attestor-1").to_string()],
    );
    assert_eq!(a["votes_cast"], 1, "{a}");
    assert_eq!(a["active"], true, "{a}");

    let audit = w.audit();
    assert_eq!(audit.code, 0, "{}\n{}", audit.stdout, audit.stderr);
}

fn stake_locked_behind_running_jobs_is_withdrawn_once_they_end(w: &World) {
    w.deploy(0);
    w.provider("provider", 2_000_000_000);
    w.client("client", 1_000_000);
    let mut jobs = Vec::new();
    for want in 0..4u64 {
        let (job, id) = w.job("client");
        assert_eq!(id, want, "ids follow the client's counter");
        w.ok("provider", &["job", "accept", &job]);
        jobs.push(job);
    }
    // Each job locks 20 % of the stake at accept: 4 × 400 000 000.
    let p = w.ok("provider", &["provider", "show"]);
    assert_eq!(p["locked"], 1_600_000_000, "{p}");
    assert_eq!(p["exposure"], 400_000, "{p}");
    assert_eq!(p["exposure_limit"], 2_000_000_000, "{p}");
    w.ok("provider", &["provider", "unbond", "1000"]);
    w.warp(GOVERNANCE_DELAY);
    // The vault holds 2 000 000 000 and keeps the 1 600 000 000 locked: 400 000 000 leaves.
    let partial = w.ok("provider", &["provider", "withdraw"]);
    assert_eq!(partial["amount"], 400_000_000, "{partial}");
    assert_eq!(partial["still_unbonding"], 600_000_000, "{partial}");
    let locked = w.run("provider", &["provider", "withdraw"]);
    assert_eq!(locked.code, 1);
    assert!(locked.stderr.contains("StakeLocked"), "{}", locked.stderr);

    // Past their completion deadline anyone expires the jobs: the locks are released.
    w.warp(1);
    for job in &jobs {
        let expired = w.ok("anyone", &["job", "expire", job]);
        assert_eq!(expired["reason"], "not submitted", "{expired}");
    }
    let rest = w.ok("provider", &["provider", "withdraw"]);
    assert_eq!(rest["amount"], 600_000_000, "{rest}");
    let p = w.ok("provider", &["provider", "show"]);
    assert_eq!(p["locked"], 0);
    assert_eq!(p["stats"]["jobs_failed"], 4);
    assert_eq!(w.audit().code, 0);
}

fn parameters_and_attestors_change_after_the_governance_delay(w: &World) {
    w.deploy(0);
    let proposed = w.ok(
        "authority",
        &["network", "propose-params", "--set", "audit_rate_bps=500"],
    );
    assert_eq!(
        proposed["changed"],
        serde_json::json!(["audit_rate_bps: 0 -> 500"]),
        "{proposed}"
    );
    let shown = w.ok("anyone", &["network", "show"]);
    assert_eq!(shown["pending_params"]["applicable_now"], false, "{shown}");
    assert_eq!(shown["params"]["audit_rate_bps"], 0);
    assert_eq!(shown["freeze_authority_accepted"], false);
    let early = w.run("anyone", &["network", "apply-params"]);
    assert_eq!(early.code, 1);
    assert!(
        early.stderr.contains("ParamsNotYetEffective"),
        "{}",
        early.stderr
    );
    w.warp(GOVERNANCE_DELAY + 1);
    let applied = w.ok("anyone", &["network", "apply-params"]);
    assert_eq!(
        applied["applied"],
        serde_json::json!(["audit_rate_bps: 0 -> 500"])
    );
    let shown = w.ok("anyone", &["network", "show"]);
    assert_eq!(shown["params"]["audit_rate_bps"], 500);
    assert!(shown["pending_params"].is_null(), "{shown}");

    // A proposal can be withdrawn; the two parameters fixed at creation cannot be proposed.
    w.ok(
        "authority",
        &["network", "propose-params", "--set", "min_stake=2000000000"],
    );
    w.ok("authority", &["network", "propose-params", "--cancel"]);
    let shown = w.ok("anyone", &["network", "show"]);
    assert!(shown["pending_params"].is_null(), "{shown}");
    let fixed = w.run(
        "authority",
        &["network", "propose-params", "--set", "epoch_seconds=7200"],
    );
    assert_eq!(fixed.code, 1);
    assert!(fixed.stderr.contains("fixed"), "{}", fixed.stderr);

    // The deploy file (audit_rate_bps 0) differs now: deploy proposes it, waits, applies it.
    let file = w.deploy_file(0);
    let proposes = w.ok("authority", &["network", "deploy", &file]);
    assert_eq!(proposes["changed"], true, "{proposes}");
    assert!(
        proposes["params_pending_until"]["unix"].is_i64(),
        "{proposes}"
    );
    let waits = w.ok("authority", &["network", "deploy", &file]);
    assert_eq!(waits["changed"], false, "{waits}");
    assert!(waits["params_pending_until"]["unix"].is_i64(), "{waits}");
    w.warp(GOVERNANCE_DELAY + 1);
    let applies = w.ok("authority", &["network", "deploy", &file]);
    assert_eq!(applies["changed"], true, "{applies}");
    assert!(applies["params_pending_until"].is_null(), "{applies}");
    let shown = w.ok("anyone", &["network", "show"]);
    assert_eq!(shown["params"]["audit_rate_bps"], 0);
    assert_eq!(
        w.ok("authority", &["network", "deploy", &file])["changed"],
        false
    );

    // Attestor changes take the same delay.
    let newcomer = w.key("attestor-4");
    let added = w.ok("authority", &["attestor", "add", &newcomer.to_string()]);
    let now = w.ok("anyone", &["dev", "clock"])["unix_timestamp"]
        .as_i64()
        .expect("clock");
    assert_eq!(
        added["effective_at"]["unix"],
        now + GOVERNANCE_DELAY,
        "{added}"
    );
    let record = w.ok("anyone", &["attestor", "show", &newcomer.to_string()]);
    assert_eq!(record["active"], false, "{record}");
    let removed = w.ok(
        "authority",
        &["attestor", "remove", &w.key("attestor-3").to_string()],
    );
    assert_eq!(removed["effective_at"]["unix"], now + GOVERNANCE_DELAY);
    let still = w.ok(
        "anyone",
        &["attestor", "show", &w.key("attestor-3").to_string()],
    );
    assert_eq!(
        still["active"], true,
        "votes until the removal takes effect: {still}"
    );
    w.warp(GOVERNANCE_DELAY);
    let list = w.ok("anyone", &["attestor", "list"]);
    let active: Vec<&str> = list
        .as_array()
        .expect("attestors")
        .iter()
        .filter(|a| a["active"] == true)
        .filter_map(|a| a["key"].as_str())
        .collect();
    assert_eq!(active.len(), 3, "{list}");
    assert!(active.contains(&newcomer.to_string().as_str()));
    assert!(!active.contains(&w.key("attestor-3").to_string().as_str()));
    assert_eq!(w.audit().code, 0);
}

fn audit_fails_on_a_tampered_ledger_file(w: &World) {
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

fn errors_are_named_and_the_ledger_survives_them(w: &World) {
    w.deploy(0);
    w.client("client", 1_000);
    // Escrow of 1000 × 100 is more than the client holds.
    let out = w.run(
        "client",
        &[
            "job",
            "create",
            "--price-per-unit",
            "0.001",
            "--max-units",
            "100",
        ],
    );
    assert_eq!(out.code, 1);
    assert!(
        out.stderr.contains("your balance is 0.001 payment tokens")
            && out.stderr.contains("the escrow needs 0.1 (short by 0.099)"),
        "the balance and what is needed, in tokens: {}",
        out.stderr
    );
    // With -o json the error is JSON on stdout, in a stable shape.
    assert_eq!(out.json["error"]["name"], "Error", "{}", out.stdout);
    assert!(out.json["error"]["message"]
        .as_str()
        .is_some_and(|m| m.contains("your balance")));
    // An amount more precise than the mint is refused before anything is sent.
    let out = w.run(
        "client",
        &[
            "job",
            "create",
            "--price-per-unit",
            "0.0000001",
            "--max-units",
            "1",
        ],
    );
    assert_eq!(out.code, 1);
    assert!(
        out.stderr.contains("7 decimal places, the mint has 6"),
        "{}",
        out.stderr
    );
    // Job ids come from the client's counter: --id only asserts it.
    let out = w.run(
        "client",
        &[
            "job",
            "create",
            "--id",
            "5",
            "--price-per-unit",
            "1base",
            "--max-units",
            "1",
        ],
    );
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("next job id"), "{}", out.stderr);
    let out = w.run(
        "client",
        &["network", "propose-params", "--set", "audit_rate_bps=10"],
    );
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("NotAuthority"), "{}", out.stderr);
    // A program error in JSON: its number and name, and the program's log on stderr only.
    assert_eq!(out.json["error"]["name"], "NotAuthority", "{}", out.stdout);
    assert!(out.json["error"]["code"].as_u64() > Some(6_000));
    assert!(out.stderr.contains("program log"), "{}", out.stderr);
    assert!(!out.stdout.contains("Program log"), "no log on stdout");
    // An epoch that has not ended cannot be finalized: the error says when it ends.
    let out = w.run("client", &["rewards", "finalize", "1000"]);
    assert_eq!(out.code, 1);
    assert_eq!(out.json["error"]["name"], "EpochNotEnded", "{}", out.stdout);
    assert!(
        out.json["error"]["ends_at"]["unix"].is_i64(),
        "{}",
        out.stdout
    );
    assert!(out.stderr.contains("it ends"), "{}", out.stderr);
    // Staking without being a provider names the mistake.
    let out = w.run("client", &["provider", "stake", "1"]);
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("has no provider"), "{}", out.stderr);
    let out = w.run(
        "client",
        &["network", "propose-params", "--set", "no_such=1"],
    );
    assert_eq!(out.code, 1);
    assert_eq!(w.audit().code, 0);

    if w.url().is_some() {
        // A node that stays unhealthy: three attempts, then a readable error, nothing sent.
        w.rpc_call("spice_refuseSends", serde_json::json!([3]));
        let small_job = [
            "job",
            "create",
            "--price-per-unit",
            "1base",
            "--max-units",
            "1",
        ];
        let out = w.run("client", &small_job);
        assert_eq!(out.code, 1);
        assert!(
            out.stderr.contains("ledger unavailable") && out.stderr.contains("unhealthy"),
            "{}",
            out.stderr
        );
        let created = w.ok("client", &small_job);
        assert_eq!(created["job_id"], 0, "the refused attempts created nothing");
    }
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

/// A client posts a job from a manifest (what to run, the hardware, the unit, the price); the
/// chain records the manifest's hash and location; providers see it offered only if their
/// hardware matches; the result's hash is the hash of the file's contents, checked on fetch.
fn a_job_from_a_manifest_is_offered_to_matching_hardware(w: &World) {
    w.deploy(0);
    w.provider("provider", 2_000_000_000);
    // A provider with smaller GPUs.
    let small = w.key("small");
    w.ok(
        "authority",
        &[
            "dev",
            "mint-to",
            "--mint",
            "stake",
            "--to",
            &small.to_string(),
            "2000",
        ],
    );
    w.ok(
        "small",
        &[
            "provider",
            "register",
            "--stake",
            "2000",
            "--gpu-model",
            "L4",
            "--gpu-count",
            "1",
            "--vram-gb",
            "24",
            "--region",
            "eu-west",
        ],
    );
    w.client("client", 1_000_000);
    let manifest = w.file(
        "job.toml",
        r#"[job]
name = "render"
command = ["sh", "-c", "echo frames > out.txt; echo 42 > units"]
[hardware]
gpu_model = ["H100", "A100"]
vram_gb = 40
regions = ["eu-west"]
[unit]
name = "frame"
meaning = "one rendered frame"
[price]
per_unit = "0.001"
max_units = 100
[deadlines]
accept_seconds = 1800
"#,
    );
    let created = w.ok("client", &["job", "create", "--manifest", &manifest]);
    let job = created["job"].as_str().expect("job").to_string();
    assert_eq!(
        created["price_per_unit"], 1_000,
        "0.001 of a 6-decimal mint"
    );
    assert_eq!(created["max_units"], 100);
    let spec_uri = created["spec_uri"].as_str().expect("uri");
    assert!(spec_uri.starts_with("file://") && spec_uri.ends_with("job.toml"));
    let fetched = w.path("fetched.toml");
    w.ok(
        "provider",
        &["job", "fetch", &job, "--out", &fetched.to_string_lossy()],
    );
    assert_eq!(
        std::fs::read_to_string(&fetched).expect("fetched"),
        std::fs::read_to_string(&manifest).expect("manifest")
    );
    // Offered to the H100 provider, not to the L4 one.
    let offered = w.ok("provider", &["job", "list", "--matching"]);
    assert_eq!(offered[0]["job"], job.as_str(), "{offered}");
    assert_eq!(offered[0]["unit"]["name"], "frame");
    let not = w.ok("small", &["job", "list", "--matching"]);
    assert_eq!(not.as_array().map(Vec::len), Some(0), "{not}");
    let refused = w.run("client", &["job", "list", "--matching"]);
    assert_eq!(refused.code, 1, "a client has no hardware to match");

    w.ok("provider", &["job", "accept", &job]);
    let result = w.file("result.txt", "42 frames");
    let submitted = w.ok(
        "provider",
        &["job", "submit", &job, "--units", "42", "--result", &result],
    );
    let expected = w.ok(
        "provider",
        &[
            "job",
            "fetch",
            &job,
            "--what",
            "result",
            "--out",
            &w.path("r.txt").to_string_lossy(),
        ],
    );
    assert_eq!(expected["sha256"], submitted["result_hash"]);
    assert!(submitted["result_uri"]
        .as_str()
        .is_some_and(|u| u.ends_with("result.txt")));
    // A result changed after submission no longer matches the chain.
    w.file("result.txt", "43 frames");
    let out = w.run("client", &["job", "fetch", &job, "--what", "result"]);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr.contains("does not match the hash on chain"),
        "{}",
        out.stderr
    );
    // Manifests are checked before anything is sent.
    let bad = w.file(
        "bad.toml",
        "[job]\nname = \"x\"\ncommand = [\"true\"]\n[price]\nper_unit = 1\nmax_units = 1\n",
    );
    let out = w.run("client", &["job", "create", "--manifest", &bad]);
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("not a job manifest"), "{}", out.stderr);
    // A missing result file is an error, not the hash of its name.
    let out = w.run(
        "client",
        &[
            "job",
            "create",
            "--price-per-unit",
            "1base",
            "--max-units",
            "1",
            "--spec",
            "no-such-file",
        ],
    );
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("no-such-file"), "{}", out.stderr);
}

/// A client posts jobs; a provider agent (`provider run`, restarted between steps) takes them,
/// runs their command, submits and draws; two cranks at once settle them; a crank finalizes
/// the epoch; the agent claims the reward. The command runs once per job across restarts.
fn a_provider_agent_and_cranks_serve_a_client_until_rewards_are_claimed(w: &World) {
    w.deploy(0);
    w.provider("provider", 2_000_000_000);
    w.client("client", 1_000_000);
    w.key("cranker");
    let runs = w.path("runs.log");
    let manifest = w.file(
        "job.toml",
        &format!(
            r#"[job]
name = "frames"
command = ["sh", "-c", "echo run >> {runs}; echo frames > \"$SPICE_RESULT\"; echo 42 > \"$SPICE_UNITS\""]
[hardware]
gpu_model = "H100"
[unit]
name = "frame"
meaning = "one frame"
[price]
per_unit = "0.001"
max_units = 100
"#,
            runs = runs.display()
        ),
    );
    let first = w.ok("client", &["job", "create", "--manifest", &manifest]);
    let second = w.ok("client", &["job", "create", "--manifest", &manifest]);
    let workdir = w.path("agent").to_string_lossy().to_string();
    let agent = |extra: &[&str]| {
        let mut args = vec![
            "provider",
            "run",
            "--once",
            "--workdir",
            workdir.as_str(),
            "--claim-every",
            "0",
        ];
        args.extend_from_slice(extra);
        w.ok("provider", &args)["actions"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    };
    let names = |actions: &[Value]| -> Vec<String> {
        actions
            .iter()
            .filter(|a| a["ok"] == true)
            .map(|a| a["action"].as_str().unwrap_or("").to_string())
            .collect()
    };
    // One step per process: accept, then run — then a restart.
    assert_eq!(names(&agent(&["--steps", "1"])), ["accept"]);
    assert_eq!(names(&agent(&["--steps", "1"])), ["run"]);
    let ran = std::fs::read_to_string(&runs).expect("runs.log");
    assert_eq!(ran.lines().count(), 1);
    // After the restart: submits the finished run (without running it again) and draws its
    // audit (at once, or in a later tick once a later slot has come), then takes, runs and
    // submits the second job.
    let mut done = names(&agent(&[]));
    let ran = std::fs::read_to_string(&runs).expect("runs.log");
    assert_eq!(
        ran.lines().count(),
        2,
        "each job's command ran once: {done:?}"
    );
    done.extend(names(&agent(&[])));
    let count = |n: &str| done.iter().filter(|d| *d == n).count();
    assert_eq!(
        (
            count("submit"),
            count("accept"),
            count("run"),
            count("draw-audit")
        ),
        (2, 1, 1, 2),
        "{done:?}"
    );
    let shown = w.ok(
        "client",
        &["job", "show", first["job"].as_str().expect("job")],
    );
    assert_eq!(shown["reported_units"], 42);
    assert_eq!(shown["state"], "Submitted");

    // Someone watches the first job until it ends; a watch that gives up says so.
    let first_job = first["job"].as_str().expect("job").to_string();
    let timeout = w.run("client", &["job", "watch", &first_job, "--timeout", "0"]);
    assert_eq!(timeout.code, 1);
    assert_eq!(
        timeout.json["error"]["name"], "WatchTimeout",
        "{}",
        timeout.stdout
    );
    let watcher = w.start(
        "client",
        &[
            "job",
            "watch",
            &first_job,
            "--interval",
            "1",
            "--timeout",
            "120",
        ],
    );
    // Past the challenge window two cranks at once settle both jobs once.
    w.warp(601);
    let cranks: Vec<Child> = (0..2)
        .map(|_| w.start("cranker", &["crank", "run", "--once"]))
        .collect();
    let settled: usize = cranks
        .into_iter()
        .map(World::finish)
        .map(|out| {
            assert_eq!(out.code, 0, "{}", out.stderr);
            out.json["actions"]
                .as_array()
                .map(|a| names(a).iter().filter(|n| *n == "settle").count())
                .unwrap_or(0)
        })
        .sum();
    assert_eq!(settled, 2, "each job settled once");
    for job in [&first, &second] {
        let gone = w.run(
            "client",
            &["job", "show", job["job"].as_str().expect("job")],
        );
        assert_eq!(gone.code, 1, "settled jobs close");
    }
    // How the ended jobs ended: recorded by the embedded ledger when they closed; over RPC
    // read from the program's events in the transaction history (which `spice serve`, running
    // the program natively, does not have: a clear error).
    let history = w.run("auditor", &["job", "history"]);
    if w.url().is_none() {
        assert_eq!(history.code, 0, "{}", history.stderr);
        let jobs = history.json["jobs"].as_array().expect("jobs");
        assert_eq!(jobs.len(), 2, "{}", history.stdout);
        for r in jobs {
            assert_eq!(r["closed_by"], "settle_job");
            assert_eq!(r["reported_units"], 42);
            assert!(
                r["moves"]
                    .as_array()
                    .is_some_and(|m| m.iter().any(|m| m["change"].as_i64() < Some(0))),
                "the escrow paid out: {r}"
            );
        }
        let one = w.ok("auditor", &["job", "history", &first_job]);
        assert_eq!(one["jobs"][0]["job"], first_job.as_str());
    } else {
        assert_eq!(history.code, 1);
        assert!(
            history.stderr.contains("transaction history"),
            "{}",
            history.stderr
        );
    }
    let watched = World::finish(watcher);
    assert_eq!(watched.code, 0, "{}", watched.stderr);
    assert_eq!(watched.json["ended"], true, "{}", watched.stdout);
    assert_eq!(watched.json["last"]["state"], "Submitted");
    // Nothing left to do: the crank is idempotent.
    let idle = w.ok("cranker", &["crank", "run", "--once"]);
    assert_eq!(
        names(idle["actions"].as_array().expect("actions")).len(),
        0,
        "{idle}"
    );

    // The epoch ends; the crank finalizes it and closes its shards; the agent claims.
    w.ok("anyone", &["dev", "warp", "--epochs", "1"]);
    let crank = w.ok("cranker", &["crank", "run", "--once"]);
    let done = names(crank["actions"].as_array().expect("actions"));
    assert!(done.contains(&"finalize".to_string()), "{crank}");
    assert!(done.contains(&"close-shard".to_string()), "{crank}");
    let tick = agent(&[]);
    assert_eq!(names(&tick), ["claim"], "{tick:?}");
    let claimable = w.ok("provider", &["rewards", "claimable"]);
    assert_eq!(claimable["total"], 0);
    assert_eq!(w.audit().code, 0);
}

/// Each story as two tests: `embedded::<story>` and `over_rpc::<story>`.
macro_rules! stories {
    ($($story:ident),* $(,)?) => {
        mod embedded {
            $(#[test] fn $story() { super::$story(&super::World::new()) })*
        }
        mod over_rpc {
            $(#[test] fn $story() { super::$story(&super::World::over_rpc()) })*
        }
    };
}

stories!(
    a_provider_and_a_client_go_from_a_job_to_a_reward_claim,
    attestors_find_fraud_in_a_disputed_job_and_the_provider_is_slashed,
    stake_locked_behind_running_jobs_is_withdrawn_once_they_end,
    parameters_and_attestors_change_after_the_governance_delay,
    audit_fails_on_a_tampered_ledger_file,
    errors_are_named_and_the_ledger_survives_them,
    a_job_from_a_manifest_is_offered_to_matching_hardware,
    a_provider_agent_and_cranks_serve_a_client_until_rewards_are_claimed,
);
