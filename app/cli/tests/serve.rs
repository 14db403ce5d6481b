//! `spice serve` and `spice` commands on one ledger file at the same time: the binary, as a user
//! runs both. The server takes the file's lock only around each change, so commands interleave
//! with it; neither loses the other's writes; reads go on while a command holds the file.

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use anchor_lang::prelude::Pubkey;
use solana_rpc_client::rpc_client::RpcClient;

/// The longest the test waits for the server or a command.
const TIMEOUT: Duration = Duration::from_secs(60);

const LAMPORTS_PER_SOL: u64 = 1_000_000_000;

/// `spice serve` on `ledger`, killed when dropped.
struct Server {
    child: Child,
    url: String,
}

impl Server {
    fn start(home: &Path, ledger: &Path) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_spice"))
            .env("HOME", home)
            .arg("--ledger")
            .arg(ledger)
            .args(["serve", "--bind", "127.0.0.1:0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start spice serve");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut first = String::new();
            let _ = std::io::BufReader::new(stdout).read_line(&mut first);
            let _ = tx.send(first);
        });
        let first = rx.recv_timeout(TIMEOUT).unwrap_or_default();
        let url = first
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .map(str::to_string);
        let mut server = Self {
            child,
            url: String::new(),
        };
        server.url = url.unwrap_or_else(|| panic!("spice serve did not start: {first:?}"));
        server
    }

    fn client(&self) -> RpcClient {
        RpcClient::new_with_timeout(self.url.clone(), TIMEOUT)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs `spice --ledger LEDGER --keypair KEY ARGS` (bounded by [`TIMEOUT`]); returns stdout.
fn spice(home: &Path, ledger: &Path, key: &Path, args: &[&str]) -> String {
    let mut child = Command::new(env!("CARGO_BIN_EXE_spice"))
        .env("HOME", home)
        .env_remove("SPICE_URL")
        .env_remove("SPICE_LEDGER")
        .arg("--ledger")
        .arg(ledger)
        .arg("--keypair")
        .arg(key)
        .args(["--output", "json"])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run spice");
    let started = std::time::Instant::now();
    loop {
        if child.try_wait().expect("wait").is_some() {
            break;
        }
        if started.elapsed() > TIMEOUT {
            let _ = child.kill();
            panic!("spice {args:?} took more than {TIMEOUT:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().expect("output");
    assert!(
        out.status.success(),
        "spice {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).to_string()
}

fn keygen(home: &Path, file: &Path) {
    let out = Command::new(env!("CARGO_BIN_EXE_spice"))
        .env("HOME", home)
        .args(["dev", "keygen", "--outfile"])
        .arg(file)
        .output()
        .expect("spice dev keygen");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn commands_and_the_server_on_one_file_keep_each_others_writes() {
    const EACH: u64 = 5;
    let dir = tempfile::tempdir().expect("temp dir");
    let home = dir.path();
    let ledger: PathBuf = home.join("ledger.json");
    let key = home.join("me.json");
    keygen(home, &key);
    let server = Server::start(home, &ledger);

    let by_cli: Vec<Pubkey> = (0..EACH).map(|_| Pubkey::new_unique()).collect();
    let by_rpc: Vec<Pubkey> = (0..EACH).map(|_| Pubkey::new_unique()).collect();
    std::thread::scope(|scope| {
        // `spice dev airdrop` on the file, one process after another…
        scope.spawn(|| {
            for (i, wallet) in by_cli.iter().enumerate() {
                let sol = (i + 1).to_string();
                let to = wallet.to_string();
                spice(
                    home,
                    &ledger,
                    &key,
                    &["dev", "airdrop", "--to", &to, "--sol", &sol],
                );
            }
        });
        // …while RPC clients ask the server for airdrops.
        scope.spawn(|| {
            let client = server.client();
            for (i, wallet) in by_rpc.iter().enumerate() {
                let lamports = (i as u64 + 1) * LAMPORTS_PER_SOL + 7;
                let sig = client.request_airdrop(wallet, lamports).expect("airdrop");
                assert!(client.confirm_transaction(&sig).expect("status"));
            }
        });
    });
    let expected: Vec<(Pubkey, u64)> = by_cli
        .iter()
        .enumerate()
        .map(|(i, w)| (*w, (i as u64 + 1) * LAMPORTS_PER_SOL))
        .chain(
            by_rpc
                .iter()
                .enumerate()
                .map(|(i, w)| (*w, (i as u64 + 1) * LAMPORTS_PER_SOL + 7)),
        )
        .collect();
    // The server sees the commands' airdrops, and its own.
    let client = server.client();
    for (wallet, lamports) in &expected {
        assert_eq!(
            client.get_balance(wallet).expect("balance"),
            *lamports,
            "{wallet} over RPC"
        );
    }

    // While a command holds the file, reads are answered and a change waits for it.
    let held = spice_ledger::FileLock::acquire(&ledger).expect("the file's lock");
    let slot = client.get_slot().expect("a read while the file is held");
    let late = Pubkey::new_unique();
    let waiting = std::thread::spawn({
        let client = server.client();
        move || client.request_airdrop(&late, LAMPORTS_PER_SOL)
    });
    std::thread::sleep(Duration::from_millis(500));
    assert!(!waiting.is_finished(), "the airdrop waits for the lock");
    assert_eq!(
        client.get_slot().expect("slot"),
        slot,
        "nothing changed yet"
    );
    drop(held);
    waiting
        .join()
        .expect("thread")
        .expect("the airdrop, once the lock is free");
    assert_eq!(
        client.get_balance(&late).expect("balance"),
        LAMPORTS_PER_SOL
    );

    // And the next command on the file sees everything.
    drop(server);
    let mut file = spice_ledger::Embedded::open(&ledger).expect("the ledger file");
    for (wallet, lamports) in expected.iter().chain([(late, LAMPORTS_PER_SOL)].iter()) {
        let account = spice_sdk::ledger::Ledger::account(&mut file, wallet)
            .expect("read")
            .expect("funded");
        assert_eq!(account.lamports, *lamports, "{wallet} in the file");
    }
}
