//! Exactly-once sends through the real binary: `spice provider stake` over JSON-RPC to `spice
//! serve`, through a small in-test JSON-RPC proxy that loses the answer of the first
//! `sendTransaction` (it forwards the transaction, then hangs up: the client cannot know
//! whether it landed) and answers "not seen" to the first `getSignatureStatuses`. The stake
//! must grow once: the CLI re-sends the same signed transaction and never signs a second one.
//! Also: `--dry-run` prints what would move and sends nothing; `--with-compute-unit-price`
//! adds the priority fee.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

use serde_json::Value;

struct Home {
    dir: tempfile::TempDir,
}

struct Out {
    code: i32,
    json: Value,
    stderr: String,
}

impl Home {
    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// `spice -k <who>.json -o json <args>` with the world's ledger file (and `extra` first).
    fn spice(&self, who: &str, extra: &[&str], args: &[&str]) -> Out {
        let out = Command::new(env!("CARGO_BIN_EXE_spice"))
            .env("HOME", self.dir.path())
            .env("SPICE_LEDGER", self.path("ledger.json"))
            .env_remove("SPICE_URL")
            .env_remove("SPICE_NETWORK")
            .arg("-k")
            .arg(self.path(&format!("{who}.json")))
            .args(["-o", "json", "--create"])
            .args(extra)
            .args(args)
            .output()
            .expect("run spice");
        let stdout = String::from_utf8_lossy(&out.stdout).to_string();
        Out {
            code: out.status.code().unwrap_or(-1),
            json: serde_json::from_str(&stdout).unwrap_or(Value::Null),
            stderr: String::from_utf8_lossy(&out.stderr).to_string(),
        }
    }

    #[track_caller]
    fn ok(&self, who: &str, extra: &[&str], args: &[&str]) -> Value {
        let out = self.spice(who, extra, args);
        assert_eq!(out.code, 0, "spice {args:?}: {}", out.stderr);
        out.json
    }
}

/// Reads one HTTP/1.1 message (headers and a Content-Length body) from `r`.
fn read_message(r: &mut BufReader<TcpStream>) -> Option<(String, Vec<u8>)> {
    let mut head = String::new();
    loop {
        let mut line = String::new();
        if r.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let done = line == "\r\n";
        head.push_str(&line);
        if done {
            break;
        }
    }
    let len = head
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse::<usize>().ok())?
        })
        .unwrap_or(0);
    let mut body = vec![0; len];
    r.read_exact(&mut body).ok()?;
    Some((head, body))
}

/// Posts `body` to `upstream` and returns the response body.
fn forward(upstream: &str, body: &[u8]) -> Vec<u8> {
    let mut s = TcpStream::connect(upstream).expect("upstream");
    write!(
        s,
        "POST / HTTP/1.1\r\nHost: {upstream}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .expect("write");
    s.write_all(body).expect("write body");
    let mut r = BufReader::new(s);
    read_message(&mut r).map(|(_, b)| b).unwrap_or_default()
}

/// What the proxy did.
#[derive(Default)]
struct Counters {
    sends: AtomicU32,
    lost_answers: AtomicU32,
    hidden_statuses: AtomicU32,
}

/// A JSON-RPC proxy in front of `upstream` (host:port) that loses the answer of the first
/// `lose` sendTransaction calls (after forwarding them) and answers "not seen" to the first
/// `hide` getSignatureStatuses calls. Returns its URL.
fn proxy(upstream: String, lose: u32, hide: u32, counters: Arc<Counters>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(conn) = conn else { continue };
            let upstream = upstream.clone();
            let counters = counters.clone();
            std::thread::spawn(move || {
                let mut reader = BufReader::new(conn.try_clone().expect("clone"));
                let mut conn = conn;
                while let Some((_, body)) = read_message(&mut reader) {
                    let request: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
                    let method = request["method"].as_str().unwrap_or("");
                    let answer = match method {
                        "sendTransaction" => {
                            let n = counters.sends.fetch_add(1, Ordering::SeqCst);
                            let answer = forward(&upstream, &body);
                            if n < lose {
                                counters.lost_answers.fetch_add(1, Ordering::SeqCst);
                                // It was forwarded (it lands); the client never hears.
                                return;
                            }
                            answer
                        }
                        "getSignatureStatuses"
                            if counters.hidden_statuses.load(Ordering::SeqCst) < hide =>
                        {
                            counters.hidden_statuses.fetch_add(1, Ordering::SeqCst);
                            serde_json::to_vec(&serde_json::json!({
                                "jsonrpc": "2.0",
                                "id": request["id"],
                                "result": {"context": {"slot": 1}, "value": [null]},
                            }))
                            .expect("json")
                        }
                        _ => forward(&upstream, &body),
                    };
                    let head = format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
                        answer.len()
                    );
                    if conn.write_all(head.as_bytes()).is_err() || conn.write_all(&answer).is_err()
                    {
                        return;
                    }
                }
            });
        }
    });
    url
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `spice serve` on the home's ledger file; returns it and its host:port.
fn serve(home: &Home) -> (Server, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_spice"))
        .env("HOME", home.dir.path())
        .args(["--ledger", &home.path("ledger.json").to_string_lossy()])
        .args(["serve", "--bind", "127.0.0.1:0", "--ws-bind", "none"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spice serve");
    let mut first = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut first)
        .expect("server output");
    let url = first
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| panic!("no url in {first:?}"))
        .trim_start_matches("http://")
        .to_string();
    (Server(child), url)
}

/// A network with a registered provider (2 000 staked, 1 000 more in its wallet).
fn provider_world() -> (Home, String) {
    let home = Home {
        dir: tempfile::tempdir().expect("home"),
    };
    let deploy = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../migrations/embedded.toml");
    let text = std::fs::read_to_string(&deploy)
        .expect("embedded.toml")
        .replace(
            "~/.config/spice/",
            &format!("{}/", home.dir.path().display()),
        );
    std::fs::write(home.path("deploy.toml"), text).expect("deploy file");
    let deployed = home.ok(
        "authority",
        &[],
        &[
            "network",
            "deploy",
            &home.path("deploy.toml").to_string_lossy(),
        ],
    );
    let network = deployed["network"].as_str().expect("network").to_string();
    let provider = home.path("provider.json").to_string_lossy().to_string();
    home.ok("provider", &[], &["dev", "airdrop"]);
    home.ok(
        "authority",
        &[],
        &[
            "dev", "mint-to", "--mint", "stake", "--to", &provider, "3000",
        ],
    );
    home.ok(
        "provider",
        &[],
        &[
            "provider",
            "register",
            "--stake",
            "2000",
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
    (home, network)
}

fn stake_of(home: &Home, network: &str) -> u64 {
    home.ok("provider", &["--network", network], &["provider", "show"])["stake"]
        .as_u64()
        .expect("stake")
}

#[test]
fn a_lost_confirmation_does_not_double_a_stake() {
    let (home, network) = provider_world();
    let before = stake_of(&home, &network);
    let (_server, upstream) = serve(&home);
    let counters = Arc::new(Counters::default());
    // Statuses hidden longer than one round of polls: the CLI sends the same transaction again.
    let url = proxy(upstream, 1, 7, counters.clone());
    let out = home.spice(
        "provider",
        &["--url", &url, "--network", &network],
        &["provider", "stake", "100"],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(counters.lost_answers.load(Ordering::SeqCst), 1);
    assert!(
        counters.sends.load(Ordering::SeqCst) >= 2,
        "the same transaction was sent again"
    );
    assert!(counters.hidden_statuses.load(Ordering::SeqCst) >= 1);
    let after = home.ok(
        "provider",
        &["--url", &url, "--network", &network],
        &["provider", "show"],
    )["stake"]
        .as_u64()
        .expect("stake");
    assert_eq!(after, before + 100_000_000, "staked exactly once");
    assert_eq!(out.json["stake"], after);
}

#[test]
fn dry_run_prints_what_would_move_and_sends_nothing() {
    let (home, network) = provider_world();
    let before = stake_of(&home, &network);
    // Embedded.
    let out = home.spice("provider", &[], &["--dry-run", "provider", "stake", "100"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.json["dry_run"], true);
    let moves = out.json["moves"].as_array().expect("moves");
    let tokens: Vec<i128> = moves
        .iter()
        .filter(|m| m["kind"] == "token")
        .map(|m| {
            i128::from(m["after"].as_u64().unwrap_or(0))
                - i128::from(m["before"].as_u64().unwrap_or(0))
        })
        .collect();
    assert!(
        tokens.contains(&-100_000_000) && tokens.contains(&100_000_000),
        "100 stake tokens from the wallet to the stake vault: {moves:?}"
    );
    assert!(out.stderr.contains("dry run on"), "{}", out.stderr);
    assert_eq!(stake_of(&home, &network), before, "nothing was sent");
    // A dry run that would fail is the command's error, with the program's log.
    let out = home.spice(
        "provider",
        &[],
        &["--dry-run", "provider", "unbond", "5000"],
    );
    assert_eq!(out.code, 1);
    // Over RPC, with a priority fee: the dry run and then the real thing.
    let (_server, upstream) = serve(&home);
    let url = format!("http://{upstream}");
    let rpc = ["--url", url.as_str(), "--network", network.as_str()];
    let out = home.spice("provider", &rpc, &["--dry-run", "provider", "stake", "100"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.json["compute_units"].as_u64().is_some());
    assert_eq!(stake_of(&home, &network), before);
    let mut with_fee = rpc.to_vec();
    with_fee.extend(["--with-compute-unit-price", "1000"]);
    let staked = home.ok("provider", &with_fee, &["provider", "stake", "100"]);
    assert_eq!(staked["stake"], before + 100_000_000);
}
