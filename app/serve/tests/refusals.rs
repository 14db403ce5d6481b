//! What `spice serve` refuses, and that a refusal changes nothing: garbage bodies, invalid
//! requests, unknown methods, wrong parameters for every method, bodies over the limit,
//! transactions signed by the wrong key or failing their preflight — each answered with the
//! JSON-RPC error a validator gives, the ledger file byte for byte as it was, the server still
//! up. And the file lock: `spice` commands on the ledger file while the server runs on it keep
//! each other's writes.

mod common;

use common::fixture::{Fixture, MINTED};
use common::Served;
use serde_json::{json, Value};
use solana_rpc_client_api::response::RpcSimulateTransactionResult;
use solana_sdk::hash::Hash;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::{Keypair, Signature, Signer};
use solana_sdk::transaction::Transaction;
use spice_sdk::ledger::Ledger;

/// The JSON body of an answer over HTTP.
#[track_caller]
fn json_of(status: u16, text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("HTTP {status}, not JSON ({e}): {text}"))
}

/// The error code of a JSON-RPC response (0 if it is not an error).
#[track_caller]
fn error_code(response: &Value) -> i64 {
    assert_eq!(response["jsonrpc"], "2.0", "{response}");
    if response.get("result").is_some() {
        return 0;
    }
    response["error"]["code"].as_i64().unwrap_or(0)
}

#[test]
fn malformed_requests_are_refused_and_change_nothing() {
    let s = Served::new();
    let _f = Fixture::new(&s);
    let before = s.ledger_bytes();
    let post = |body: &str| s.post_raw(body.to_string(), "application/json");

    // Not JSON: -32700 Parse error, id null.
    for garbage in ["garbage{", "{\"jsonrpc\":", "\u{0}\u{1}\u{2}", ""] {
        let (status, text) = post(garbage);
        let response = json_of(status, &text);
        assert_eq!(error_code(&response), -32700, "{garbage:?}: {text}");
        assert!(response["id"].is_null());
    }
    // JSON but not a request: -32600 Invalid request.
    for body in [
        json!({"jsonrpc": "2.0", "id": 1}),
        json!({"jsonrpc": "1.0", "id": 1, "method": "getSlot"}),
        json!({"jsonrpc": "2.0", "id": 1, "method": 7}),
        json!([]),
    ] {
        let (status, text) = post(&body.to_string());
        assert_eq!(
            error_code(&json_of(status, &text)),
            -32600,
            "{body}: {text}"
        );
    }
    // A batch of non-requests: each answered -32600.
    let (status, text) = post("[1, 2]");
    let batch = json_of(status, &text);
    assert_eq!(batch.as_array().map(Vec::len), Some(2), "{batch}");
    assert_eq!(error_code(&batch[0]), -32600, "{batch}");
    // Unknown methods (and a validator's methods spice serve does not implement): -32601.
    for method in ["nope", "getBlock", "getSignaturesForAddress", "getslot", ""] {
        let response = s.call(method, json!([]));
        assert_eq!(error_code(&response), -32601, "{method}: {response}");
        assert_eq!(response["error"]["message"], "Method not found");
    }
    // A batch answers each request on its own.
    let (status, text) = post(
        &json!([
            {"jsonrpc": "2.0", "id": 1, "method": "getSlot"},
            {"jsonrpc": "2.0", "id": 2, "method": "nope"},
        ])
        .to_string(),
    );
    let batch = json_of(status, &text);
    assert!(batch[0]["result"].is_u64(), "{batch}");
    assert_eq!(error_code(&batch[1]), -32601);
    // More than 100 requests in a batch: refused whole.
    let many: Vec<Value> = (0..101)
        .map(|i| json!({"jsonrpc": "2.0", "id": i, "method": "getSlot"}))
        .collect();
    let (status, text) = post(&Value::Array(many).to_string());
    assert!(json_of(status, &text)["error"].is_object(), "{text}");
    // A body over the limit (50 KiB): HTTP 413 with a JSON-RPC error.
    let huge = json!({"jsonrpc": "2.0", "id": 1, "method": "getAccountInfo",
        "params": ["x".repeat(spice_serve::MAX_REQUEST_BYTES as usize)]});
    let (status, text) = post(&huge.to_string());
    assert_eq!(status, 413, "{text}");
    assert!(json_of(status, &text)["error"].is_object());
    // Not declared JSON: HTTP 415.
    let (status, _) = s.post_raw(
        json!({"jsonrpc": "2.0", "id": 1, "method": "getSlot"}).to_string(),
        "text/plain",
    );
    assert_eq!(status, 415);

    assert_eq!(s.ledger_bytes(), before, "the ledger file is unchanged");
    assert_eq!(s.result("getHealth", json!([])), "ok", "and the server up");
}

#[test]
fn wrong_parameters_for_every_method_are_refused() {
    let s = Served::new();
    let f = Fixture::new(&s);
    let before = s.ledger_bytes();
    let slot = s.result("getSlot", json!([]));
    for method in spice_serve::rpc::method_names() {
        // Named parameters (Solana's RPC is positional), too many, a string where nothing
        // takes one: -32602 Invalid params, for every method.
        for params in [
            json!({"named": 1}),
            json!([1, 2, 3, 4, 5]),
            json!(["not what it takes"]),
        ] {
            let response = s.call(method, params.clone());
            assert_eq!(
                error_code(&response),
                -32602,
                "{method}({params}): {response}"
            );
        }
    }
    // Arguments of the right type but wrong: -32602 with the validator's message.
    let address = Pubkey::new_unique().to_string();
    for (method, params) in [
        ("getAccountInfo", json!(["not base58 0OIl"])),
        ("getAccountInfo", json!([address, {"encoding": "utf-16"}])),
        ("getBalance", json!([[address]])),
        ("getMultipleAccounts", json!([vec![address.clone(); 101]])),
        (
            "getProgramAccounts",
            json!([address, {"filters": [{"memcmp": {"offset": 0, "bytes": "0OIl"}}]}]),
        ),
        (
            "getProgramAccounts",
            json!([address, {"filters": [{"dataSize": -1}]}]),
        ),
        (
            "getSignatureStatuses",
            json!([vec![Signature::new_unique().to_string(); 257]]),
        ),
        ("getSignatureStatuses", json!([["not a signature"]])),
        ("getTransaction", json!(["not a signature"])),
        (
            "getTransaction",
            json!([Signature::new_unique().to_string(), "jsonParsed"]),
        ),
        ("getMinimumBalanceForRentExemption", json!([-1])),
        ("getMinimumBalanceForRentExemption", json!([u64::MAX])),
        ("getBlockTime", json!([-1])),
        ("getTokenAccountsByOwner", json!([address, {"neither": 1}])),
        ("getTokenAccountBalance", json!([address])),
        ("isBlockhashValid", json!(["not a hash"])),
        ("requestAirdrop", json!([address, -1])),
        ("sendTransaction", json!(["", {"encoding": "json"}])),
        ("sendTransaction", json!(["not base58 0OIl"])),
        ("sendTransaction", json!(["AAAA", {"encoding": "base64"}])),
        (
            "sendTransaction",
            json!(["A".repeat(2_000), {"encoding": "base64"}]),
        ),
        (
            "simulateTransaction",
            json!(["%%%", {"encoding": "base64"}]),
        ),
    ] {
        let response = s.call(method, params.clone());
        assert_eq!(
            error_code(&response),
            -32602,
            "{method}({params}): {response}"
        );
    }
    // jsonParsed with a data slice, base58 over 128 bytes: -32600, as a validator answers.
    for config in [
        json!({"encoding": "jsonParsed", "dataSlice": {"offset": 0, "length": 1}}),
        json!({"encoding": "base58"}),
    ] {
        let response = s.call(
            "getAccountInfo",
            json!([f.payer_tokens.to_string(), config]),
        );
        assert_eq!(error_code(&response), -32600, "{config}: {response}");
    }

    assert_eq!(
        s.result("getSlot", json!([])),
        slot,
        "the chain did not move"
    );
    assert_eq!(s.ledger_bytes(), before, "the ledger file is unchanged");
}

#[test]
fn bad_transactions_are_refused_and_change_nothing() {
    let s = Served::new();
    let f = Fixture::new(&s);
    let before = s.ledger_bytes();
    let send = |tx: &Transaction, config: Value| {
        s.call("sendTransaction", json!([common::base64(tx), config]))
    };
    let base64 = json!({"encoding": "base64"});

    // Signed by a key that is not the payer's: -32003, whether sent or simulated with
    // sigVerify.
    let intruder = Keypair::new();
    let mut forged = Transaction::new_with_payer(&[f.transfer(1)], Some(&f.payer.pubkey()));
    forged.message.recent_blockhash = s.blockhash();
    let message = forged.message_data();
    forged.signatures = vec![intruder.sign_message(&message)];
    for config in [
        base64.clone(),
        json!({"encoding": "base64", "skipPreflight": true}),
    ] {
        let response = send(&forged, config);
        assert_eq!(error_code(&response), -32003, "{response}");
        assert_eq!(
            response["error"]["message"],
            "Transaction signature verification failure"
        );
    }
    let response = s.call(
        "simulateTransaction",
        json!([common::base64(&forged), {"encoding": "base64", "sigVerify": true}]),
    );
    assert_eq!(error_code(&response), -32003, "{response}");
    // A signature flipped after signing.
    let mut flipped = s.transaction(&[f.transfer(1)], &[&f.payer]);
    let mut bytes: [u8; 64] = flipped.signatures[0].into();
    bytes[0] ^= 1;
    flipped.signatures[0] = Signature::from(bytes);
    assert_eq!(error_code(&send(&flipped, base64.clone())), -32003);
    // A signature missing (the message wants two signers, one signed): -32602 (sanitize).
    let mut short = s.transaction(&[f.transfer(1)], &[&f.payer]);
    short.message.header.num_required_signatures = 2;
    assert_eq!(error_code(&send(&short, base64.clone())), -32602);
    // An unknown blockhash: the preflight's BlockhashNotFound (-32002), and -32002 with
    // skipPreflight too (a validator drops it; spice serve says why).
    let mut stale = Transaction::new_with_payer(&[f.transfer(1)], Some(&f.payer.pubkey()));
    stale.sign(&[&f.payer], Hash::new_unique());
    for config in [
        base64.clone(),
        json!({"encoding": "base64", "skipPreflight": true}),
    ] {
        let response = send(&stale, config);
        assert_eq!(error_code(&response), -32002, "{response}");
        let sim: RpcSimulateTransactionResult =
            serde_json::from_value(response["error"]["data"].clone()).expect("simulation data");
        assert_eq!(
            sim.err.map(|e| e.to_string()),
            Some("Blockhash not found".to_string())
        );
    }
    // A program refusal at preflight: -32002 with the simulation (logs, units) as data.
    let too_much = s.transaction(&[f.transfer(MINTED + 1)], &[&f.payer]);
    let response = send(&too_much, base64.clone());
    assert_eq!(error_code(&response), -32002, "{response}");
    let message = response["error"]["message"].as_str().expect("message");
    assert!(
        message.starts_with("Transaction simulation failed: "),
        "{message}"
    );
    let sim: RpcSimulateTransactionResult =
        serde_json::from_value(response["error"]["data"].clone()).expect("simulation data");
    assert!(sim.err.is_some());
    assert!(sim
        .logs
        .expect("logs")
        .iter()
        .any(|l| l.contains("insufficient funds")));
    assert!(sim.units_consumed.expect("units") > 0);
    // A transaction bigger than a packet.
    let memo_program = Pubkey::new_unique();
    let big = anchor_lang::solana_program::instruction::Instruction::new_with_bytes(
        memo_program,
        &[7u8; 1_300],
        vec![],
    );
    let big = s.transaction(&[big], &[&f.payer]);
    assert_eq!(error_code(&send(&big, base64.clone())), -32602);

    assert_eq!(s.ledger_bytes(), before, "nothing refused reached the file");

    // With skipPreflight a program refusal lands as a failed transaction: the fee is paid,
    // nothing else moves, and the file is still a ledger the CLI reads.
    let tokens = |s: &Served| {
        s.client()
            .get_token_account_balance(&f.payer_tokens)
            .expect("balance")
            .amount
    };
    let lamports = s.client().get_balance(&f.payer.pubkey()).expect("balance");
    let failing = s.transaction(&[f.transfer(MINTED + 2)], &[&f.payer]);
    let response = send(
        &failing,
        json!({"encoding": "base64", "skipPreflight": true}),
    );
    let signature = response["result"]
        .as_str()
        .unwrap_or_else(|| panic!("landed, failed: {response}"));
    let status = s
        .client()
        .get_signature_statuses(&[signature.parse().expect("sig")]);
    let status = status.expect("statuses").value[0].clone().expect("known");
    assert!(status.err.is_some(), "it failed");
    assert_eq!(tokens(&s), MINTED.to_string());
    assert_eq!(
        s.client().get_balance(&f.payer.pubkey()).expect("balance"),
        lamports - 5_000
    );
    // The same transaction again: AlreadyProcessed at preflight, nothing changes.
    let after = s.ledger_bytes();
    let response = send(&failing, base64.clone());
    assert_eq!(error_code(&response), -32002, "{response}");
    assert_eq!(s.ledger_bytes(), after);
    let mut ledger = spice_ledger::Embedded::open(&s.ledger()).expect("the CLI opens it");
    assert_eq!(
        ledger
            .account(&f.payer.pubkey())
            .expect("read")
            .expect("payer")
            .lamports,
        lamports - 5_000
    );
}

/// `n` wallets and their airdrops: `spice`-like processes (the embedded ledger opening the
/// file, taking its lock, saving) and the server's requestAirdrop, all at once; every write
/// survives, in the file and in the server's answers.
#[test]
fn cli_commands_and_the_server_keep_each_others_writes() {
    const EACH: usize = 12;
    let s = Served::new();
    let cli_wallets: Vec<Pubkey> = (0..EACH).map(|_| Pubkey::new_unique()).collect();
    let rpc_wallets: Vec<Pubkey> = (0..EACH).map(|_| Pubkey::new_unique()).collect();
    let path = s.ledger();
    std::thread::scope(|scope| {
        // Two "CLI" threads, each a command per wallet (open, airdrop, save, let go).
        for half in cli_wallets.chunks(EACH / 2) {
            let path = path.clone();
            scope.spawn(move || {
                for (i, wallet) in half.iter().enumerate() {
                    let mut ledger = spice_ledger::Embedded::open(&path).expect("open");
                    ledger
                        .airdrop(wallet, 1_000_000 + i as u64)
                        .expect("airdrop");
                    ledger.save().expect("save");
                }
            });
        }
        // The server, meanwhile.
        scope.spawn(|| {
            for (i, wallet) in rpc_wallets.iter().enumerate() {
                let response = s.call(
                    "requestAirdrop",
                    json!([wallet.to_string(), 2_000_000 + i as u64]),
                );
                assert!(response["result"].is_string(), "{response}");
            }
        });
    });
    let expected =
        |i: usize, cli: bool| (if cli { 1_000_000 } else { 2_000_000 }) + (i % (EACH / 2)) as u64;
    let wallets: Vec<(Pubkey, u64)> = cli_wallets
        .iter()
        .enumerate()
        .map(|(i, w)| (*w, expected(i, true)))
        .chain(
            rpc_wallets
                .iter()
                .enumerate()
                .map(|(i, w)| (*w, 2_000_000 + i as u64)),
        )
        .collect();
    // The server sees every write (it reloads the file the CLI saved)…
    for (wallet, lamports) in &wallets {
        let value = s.result("getBalance", json!([wallet.to_string()]));
        assert_eq!(value["value"], *lamports, "{wallet} over RPC");
    }
    // …and so does the next command on the file.
    let mut ledger = spice_ledger::Embedded::open(&path).expect("open");
    for (wallet, lamports) in &wallets {
        let account = ledger.account(wallet).expect("read").expect("funded");
        assert_eq!(account.lamports, *lamports, "{wallet} in the file");
    }
}
