//! `spice serve` against Solana's JSON-RPC: every method called over raw HTTP, each response
//! decoded into the type the Solana RPC crates give it (a shape that does not decode fails the
//! test) and checked against the documented JSON (encodings, context slots, error codes); the
//! same methods through Solana's RPC client and the SDK's RPC backend (the CLI's `--url`), and
//! the subscriptions through Solana's pubsub client.

mod common;

use base64::prelude::{Engine, BASE64_STANDARD};
use common::fixture::{Fixture, DECIMALS, MINTED};
use common::Served;
use serde::de::DeserializeOwned;
use serde_json::{json, Value};
use solana_account_decoder_client_types::token::UiTokenAmount;
use solana_account_decoder_client_types::{UiAccount, UiAccountData, UiAccountEncoding};
use solana_rpc_client_api::response::{
    OptionalContext, Response, RpcBlockhash, RpcIdentity, RpcKeyedAccount,
    RpcSimulateTransactionResult, RpcVersionInfo,
};
use solana_sdk::account::Account;
use solana_sdk::clock::Clock;
use solana_sdk::epoch_info::EpochInfo;
use solana_sdk::epoch_schedule::EpochSchedule;
use solana_sdk::hash::Hash;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::{Keypair, Signature, Signer};
use solana_transaction_status_client_types::{
    EncodedConfirmedTransactionWithStatusMeta, EncodedTransaction, TransactionConfirmationStatus,
    TransactionStatus, UiMessage,
};

/// `value` decoded as `T`, the type the RPC crates give the response.
#[track_caller]
fn typed<T: DeserializeOwned>(value: &Value) -> T {
    serde_json::from_value(value.clone())
        .unwrap_or_else(|e| panic!("not a {}: {e}\n{value}", std::any::type_name::<T>()))
}

/// A `{context, value}` response: decoded, its context at the chain's current slot with an API
/// version.
#[track_caller]
fn contextual<T: DeserializeOwned>(s: &Served, value: &Value) -> T {
    assert!(
        value["context"]["apiVersion"].is_string(),
        "the context names the API version: {value}"
    );
    let response: Response<T> = typed(value);
    let slot: u64 = typed(&s.result("getSlot", json!([])));
    assert_eq!(
        response.context.slot, slot,
        "the context is the current slot"
    );
    response.value
}

fn account_data(account: &UiAccount) -> Vec<u8> {
    account.data.decode().expect("binary account data")
}

#[test]
fn cluster_methods_answer_with_the_rpc_types() {
    let s = Served::new();
    assert_eq!(s.result("getHealth", json!([])), "ok");
    // GET /health: plain `ok`, as a validator answers load balancers.
    let (status, content_type, body) = s.get("/health");
    assert_eq!((status, body.as_str()), (200, "ok"));
    assert!(content_type.starts_with("text/plain"), "{content_type}");
    let version: RpcVersionInfo = typed(&s.result("getVersion", json!([])));
    assert_eq!(version.solana_core, spice_serve::AGAVE_VERSION);
    assert!(version.feature_set.is_some());
    let identity: RpcIdentity = typed(&s.result("getIdentity", json!([])));
    identity.identity.parse::<Pubkey>().expect("an address");
    let genesis: String = typed(&s.result("getGenesisHash", json!([])));
    genesis.parse::<Hash>().expect("a hash");

    let blockhash: RpcBlockhash = contextual(&s, &s.result("getLatestBlockhash", json!([])));
    let height: u64 = typed(&s.result("getBlockHeight", json!([])));
    assert_eq!(blockhash.last_valid_block_height, height + 150);
    let valid: bool = contextual(
        &s,
        &s.result("isBlockhashValid", json!([blockhash.blockhash])),
    );
    assert!(valid);
    let unknown: bool = contextual(
        &s,
        &s.result("isBlockhashValid", json!([Hash::new_unique().to_string()])),
    );
    assert!(!unknown);

    let slot: u64 = typed(&s.result("getSlot", json!([{"commitment": "finalized"}])));
    let info: EpochInfo = typed(&s.result("getEpochInfo", json!([])));
    assert_eq!((info.absolute_slot, info.block_height), (slot, height));
    let schedule: EpochSchedule = typed(&s.result("getEpochSchedule", json!([])));
    assert_eq!(
        schedule.get_epoch_and_slot_index(slot),
        (info.epoch, info.slot_index)
    );
    assert_eq!(info.slots_in_epoch, schedule.get_slots_in_epoch(info.epoch));

    let rent: u64 = typed(&s.result("getMinimumBalanceForRentExemption", json!([165])));
    assert_eq!(rent, solana_sdk::rent::Rent::default().minimum_balance(165));
    // The current block has a time; a slot far ahead has no block yet (-32004).
    let time: i64 = typed(&s.result("getBlockTime", json!([slot])));
    let clock: Clock = clock_sysvar(&s);
    assert_eq!(time, clock.unix_timestamp);
    let (code, message, _) = s.error("getBlockTime", json!([slot + 1_000]));
    assert_eq!(code, -32004, "{message}");

    // minContextSlot ahead of the chain: -32016, with the context slot as data.
    let (code, _, data) = s.error(
        "getBalance",
        json!([Pubkey::new_unique().to_string(), {"minContextSlot": slot + 10}]),
    );
    assert_eq!(code, -32016);
    assert_eq!(data["contextSlot"], slot);
}

fn clock_sysvar(s: &Served) -> Clock {
    let value = s.result(
        "getAccountInfo",
        json!([solana_sdk::sysvar::clock::ID.to_string(), {"encoding": "base64"}]),
    );
    let account: Option<UiAccount> = contextual(s, &value);
    bincode::deserialize(&account_data(&account.expect("the Clock sysvar"))).expect("clock")
}

#[test]
fn accounts_in_every_encoding() {
    let s = Served::new();
    let f = Fixture::new(&s);
    let address = f.payer_tokens.to_string();
    let raw = s
        .client()
        .get_account(&f.payer_tokens)
        .expect("the token account");
    assert_eq!(raw.owner, f.token_program);

    // base64, base64+zstd: the same bytes; the account's fields as the validator shows them
    // (space, rentEpoch).
    for encoding in ["base64", "base64+zstd"] {
        let value = s.result("getAccountInfo", json!([address, {"encoding": encoding}]));
        assert_eq!(value["value"]["data"][1], encoding, "{value}");
        let account: Option<UiAccount> = contextual(&s, &value);
        let account = account.expect("exists");
        assert_eq!(account_data(&account), raw.data, "{encoding}");
        assert_eq!(account.lamports, raw.lamports);
        assert_eq!(account.owner, f.token_program.to_string());
        assert_eq!(account.space, Some(165));
        assert!(!account.executable);
    }
    // base58: accounts of at most 128 bytes (the 82-byte mint), or a slice of a bigger one.
    let mint = s.client().get_account(&f.mint).expect("the mint");
    let value = s.result(
        "getAccountInfo",
        json!([f.mint.to_string(), {"encoding": "base58"}]),
    );
    assert_eq!(value["value"]["data"][1], "base58", "{value}");
    let account: Option<UiAccount> = contextual(&s, &value);
    assert_eq!(account_data(&account.expect("mint")), mint.data);
    let value = s.result(
        "getAccountInfo",
        json!([address, {"encoding": "base58", "dataSlice": {"offset": 0, "length": 128}}]),
    );
    let account: Option<UiAccount> = contextual(&s, &value);
    assert_eq!(account_data(&account.expect("exists")), raw.data[..128]);
    // No encoding: the legacy binary (a bare base58 string), as a validator answers.
    let value = s.result("getAccountInfo", json!([f.mint.to_string()]));
    assert!(value["value"]["data"].is_string(), "{value}");
    let account: Option<UiAccount> = contextual(&s, &value);
    assert!(matches!(
        account.expect("mint").data,
        UiAccountData::LegacyBinary(_)
    ));
    // base58 refuses more than 128 bytes (-32600), as a validator does.
    let (code, message, _) = s.error("getAccountInfo", json!([address, {"encoding": "base58"}]));
    assert_eq!(code, -32600, "{message}");
    // A slice of the data.
    let value = s.result(
        "getAccountInfo",
        json!([address, {"encoding": "base64", "dataSlice": {"offset": 32, "length": 32}}]),
    );
    let account: Option<UiAccount> = contextual(&s, &value);
    assert_eq!(account_data(&account.expect("exists")), raw.data[32..64]);
    // jsonParsed: the token account through the validator's decoder, with its mint's decimals.
    let value = s.result(
        "getAccountInfo",
        json!([address, {"encoding": "jsonParsed"}]),
    );
    let parsed = &value["value"]["data"]["parsed"];
    assert_eq!(value["value"]["data"]["program"], "spl-token", "{value}");
    assert_eq!(parsed["type"], "account");
    assert_eq!(parsed["info"]["mint"], f.mint.to_string());
    assert_eq!(parsed["info"]["owner"], f.payer.pubkey().to_string());
    let amount: UiTokenAmount = typed(&parsed["info"]["tokenAmount"]);
    assert_eq!(amount.amount, MINTED.to_string());
    assert_eq!(amount.decimals, DECIMALS);
    let _: Option<UiAccount> = contextual(&s, &value);
    // A missing account is null.
    let missing: Option<UiAccount> = contextual(
        &s,
        &s.result(
            "getAccountInfo",
            json!([Pubkey::new_unique().to_string(), {"encoding": "base64"}]),
        ),
    );
    assert!(missing.is_none());

    // getMultipleAccounts: in order, null for the missing ones, base64 by default.
    let value = s.result(
        "getMultipleAccounts",
        json!([[
            address,
            Pubkey::new_unique().to_string(),
            f.mint.to_string()
        ]]),
    );
    let accounts: Vec<Option<UiAccount>> = contextual(&s, &value);
    assert_eq!(accounts.len(), 3);
    assert_eq!(value["value"][0]["data"][1], "base64");
    assert_eq!(account_data(accounts[0].as_ref().expect("first")), raw.data);
    assert!(accounts[1].is_none());
    assert!(accounts[2].is_some());

    // Balances.
    let lamports: u64 = contextual(
        &s,
        &s.result("getBalance", json!([f.payer.pubkey().to_string()])),
    );
    assert_eq!(
        lamports,
        s.client().get_balance(&f.payer.pubkey()).expect("balance")
    );
    let none: u64 = contextual(
        &s,
        &s.result("getBalance", json!([Pubkey::new_unique().to_string()])),
    );
    assert_eq!(none, 0);
    let tokens: UiTokenAmount =
        contextual(&s, &s.result("getTokenAccountBalance", json!([address])));
    assert_eq!(tokens.amount, MINTED.to_string());
    assert_eq!(tokens.decimals, DECIMALS);
    assert_eq!(tokens.ui_amount, Some(1.0));
    assert_eq!(tokens.ui_amount_string, "1");
    let (code, message, _) = s.error(
        "getTokenAccountBalance",
        json!([f.payer.pubkey().to_string()]),
    );
    assert_eq!(
        (code, message.as_str()),
        (-32602, "Invalid param: not a Token account")
    );
}

#[test]
fn program_and_token_account_listings() {
    let s = Served::new();
    let f = Fixture::new(&s);
    let program = f.token_program.to_string();
    let mint_b58 = f.mint.to_string();
    // memcmp on the mint (base58 and base64 bytes) and dataSize: the two token accounts.
    for bytes in [
        json!({"offset": 0, "bytes": mint_b58}),
        json!({"offset": 0, "bytes": BASE64_STANDARD.encode(f.mint.to_bytes()), "encoding": "base64"}),
    ] {
        let value = s.result(
            "getProgramAccounts",
            json!([program, {"encoding": "base64", "filters": [{"memcmp": bytes}, {"dataSize": 165}]}]),
        );
        let keyed: Vec<RpcKeyedAccount> = typed(&value);
        let mut found: Vec<String> = keyed.iter().map(|k| k.pubkey.clone()).collect();
        found.sort();
        let mut expected = vec![f.payer_tokens.to_string(), f.other_tokens.to_string()];
        expected.sort();
        assert_eq!(found, expected);
        assert_eq!(value[0]["account"]["data"][1], "base64");
    }
    // The mint itself is 82 bytes.
    let keyed: Vec<RpcKeyedAccount> = typed(&s.result(
        "getProgramAccounts",
        json!([program, {"encoding": "base64", "filters": [{"dataSize": 82}]}]),
    ));
    assert!(keyed.iter().any(|k| k.pubkey == mint_b58));
    // tokenAccountState: initialized token accounts only.
    let keyed: Vec<RpcKeyedAccount> = typed(&s.result(
        "getProgramAccounts",
        json!([program, {"encoding": "base64", "filters": ["tokenAccountState"]}]),
    ));
    assert!(keyed.iter().all(|k| k.pubkey != mint_b58) && keyed.len() >= 2);
    // withContext: the same list in a {context, value}.
    let value = s.result(
        "getProgramAccounts",
        json!([program, {"encoding": "base64", "withContext": true, "filters": [{"memcmp": {"offset": 0, "bytes": mint_b58}}]}]),
    );
    let listed: Vec<RpcKeyedAccount> = contextual(&s, &value);
    assert_eq!(listed.len(), 2);
    let optional: OptionalContext<Vec<RpcKeyedAccount>> = typed(&value);
    assert_eq!(optional.parse_value().len(), 2);
    // Bad filters: too many, bytes too long.
    let filter = json!({"dataSize": 165});
    let (code, message, _) = s.error(
        "getProgramAccounts",
        json!([program, {"filters": [filter, filter, filter, filter, filter]}]),
    );
    assert_eq!(
        (code, message.as_str()),
        (-32602, "Too many filters provided; max 4")
    );
    let (code, _, _) = s.error(
        "getProgramAccounts",
        json!([program, {"filters": [{"memcmp": {"offset": 0, "bytes": bs58::encode([7u8; 200]).into_string()}}]}]),
    );
    assert_eq!(code, -32602);

    // Token accounts by owner, by mint or by program; jsonParsed.
    let owner = f.payer.pubkey().to_string();
    for filter in [json!({"mint": mint_b58}), json!({"programId": program})] {
        let value = s.result(
            "getTokenAccountsByOwner",
            json!([owner, filter, {"encoding": "jsonParsed"}]),
        );
        let accounts: Vec<RpcKeyedAccount> = contextual(&s, &value);
        assert_eq!(accounts.len(), 1, "{value}");
        assert_eq!(accounts[0].pubkey, f.payer_tokens.to_string());
        assert_eq!(
            value["value"][0]["account"]["data"]["parsed"]["info"]["tokenAmount"]["amount"],
            MINTED.to_string()
        );
    }
    let (code, message, _) = s.error(
        "getTokenAccountsByOwner",
        json!([owner, {"programId": Pubkey::new_unique().to_string()}]),
    );
    assert_eq!(
        (code, message.as_str()),
        (-32602, "Invalid param: unrecognized Token program id")
    );
    let (code, message, _) = s.error(
        "getTokenAccountsByOwner",
        json!([owner, {"mint": Pubkey::new_unique().to_string()}]),
    );
    assert_eq!(
        (code, message.as_str()),
        (-32602, "Invalid param: could not find mint")
    );
}

#[test]
fn transactions_simulated_sent_and_looked_up() {
    let s = Served::new();
    let f = Fixture::new(&s);
    let ix = f.transfer(1_000);

    // Simulation: logs (the SBF token program's own), units consumed, balances, accounts.
    let tx = s.transaction(std::slice::from_ref(&ix), &[&f.payer]);
    let value = s.result(
        "simulateTransaction",
        json!([common::base64(&tx), {
            "encoding": "base64",
            "sigVerify": true,
            "innerInstructions": true,
            "accounts": {"encoding": "base64", "addresses": [f.other_tokens.to_string()]},
        }]),
    );
    let sim: RpcSimulateTransactionResult = contextual(&s, &value);
    assert!(sim.err.is_none(), "{value}");
    let logs = sim.logs.expect("logs");
    assert!(
        logs.iter().any(|l| l.contains("TransferChecked")),
        "the token program's log: {logs:?}"
    );
    assert!(sim.units_consumed.expect("units") > 0);
    assert_eq!(sim.fee, Some(5_000));
    let after = sim.accounts.expect("accounts")[0]
        .clone()
        .expect("the destination");
    let state = spl_token_amount(&account_data(&after));
    assert_eq!(state, 1_000, "what the destination would hold");
    assert!(sim.inner_instructions.is_some());
    // Nothing was written.
    assert_eq!(token_balance(&s, &f.other_tokens), "0");

    // An unsigned copy simulates without sigVerify, with the blockhash replaced.
    let mut unsigned = tx.clone();
    unsigned.signatures = vec![Signature::default()];
    unsigned.message.recent_blockhash = Hash::new_unique();
    let value = s.result(
        "simulateTransaction",
        json!([common::base64(&unsigned), {"encoding": "base64", "replaceRecentBlockhash": true}]),
    );
    let sim: RpcSimulateTransactionResult = contextual(&s, &value);
    assert!(sim.err.is_none(), "{value}");
    let replaced = sim.replacement_blockhash.expect("replacement");
    assert_eq!(replaced.blockhash, s.blockhash().to_string());
    // A failing simulation is a result with its error, not an RPC error.
    let too_much = s.transaction(&[f.transfer(MINTED + 1)], &[&f.payer]);
    let value = s.result(
        "simulateTransaction",
        json!([common::base64(&too_much), {"encoding": "base64"}]),
    );
    let sim: RpcSimulateTransactionResult = contextual(&s, &value);
    assert!(sim.err.is_some(), "{value}");
    assert!(sim
        .logs
        .expect("logs")
        .iter()
        .any(|l| l.contains("insufficient funds")));

    // Sent in base64, then a second transfer in base58 (the default encoding).
    let signature: String = typed(&s.result(
        "sendTransaction",
        json!([common::base64(&tx), {"encoding": "base64"}]),
    ));
    assert_eq!(signature, tx.signatures[0].to_string());
    let second = s.transaction(&[f.transfer(500)], &[&f.payer]);
    let signature2: String = typed(&s.result("sendTransaction", json!([common::base58(&second)])));
    assert_eq!(token_balance(&s, &f.other_tokens), "1500");

    // Statuses: final at once; unknown signatures are null.
    let value = s.result(
        "getSignatureStatuses",
        json!([[signature, Signature::new_unique().to_string(), signature2], {"searchTransactionHistory": true}]),
    );
    let statuses: Vec<Option<TransactionStatus>> = contextual(&s, &value);
    let first = statuses[0].clone().expect("landed");
    assert_eq!(
        first.confirmation_status,
        Some(TransactionConfirmationStatus::Finalized)
    );
    assert!(first.err.is_none() && first.status.is_ok());
    assert_eq!(first.confirmations, None, "rooted");
    assert!(statuses[1].is_none());
    let landed_slot = first.slot;
    assert!(
        statuses[2].clone().expect("landed").slot > landed_slot,
        "a block each"
    );

    // The transaction, in json and base64: slot, block time, logs, fee, balances.
    let value = s.result(
        "getTransaction",
        json!([signature, {"encoding": "json", "maxSupportedTransactionVersion": 0}]),
    );
    let found: EncodedConfirmedTransactionWithStatusMeta = typed(&value);
    assert_eq!(found.slot, landed_slot);
    let block_time: i64 = typed(&s.result("getBlockTime", json!([landed_slot])));
    assert_eq!(found.block_time, Some(block_time));
    let meta = found.transaction.meta.expect("meta");
    assert!(meta.err.is_none());
    assert_eq!(meta.fee, 5_000);
    let logs: Option<Vec<String>> = meta.log_messages.into();
    assert!(logs
        .expect("logs")
        .iter()
        .any(|l| l.contains("TransferChecked")));
    assert_eq!(meta.pre_balances.len(), meta.post_balances.len());
    assert_eq!(
        meta.pre_balances[0] - meta.post_balances[0],
        5_000,
        "the payer paid the fee"
    );
    let post_tokens: Option<Vec<_>> = meta.post_token_balances.into();
    assert!(post_tokens.expect("token balances").iter().any(
        |b: &solana_transaction_status_client_types::UiTransactionTokenBalance| b
            .ui_token_amount
            .amount
            == "1000"
    ));
    let units: Option<u64> = meta.compute_units_consumed.into();
    assert!(units.expect("units") > 0);
    let EncodedTransaction::Json(ui) = found.transaction.transaction else {
        panic!("json encoding: {value}")
    };
    assert_eq!(ui.signatures, vec![signature.clone()]);
    assert!(matches!(ui.message, UiMessage::Raw(_)));
    let value = s.result("getTransaction", json!([signature, "base64"]));
    let found: EncodedConfirmedTransactionWithStatusMeta = typed(&value);
    let decoded = found.transaction.transaction.decode().expect("decodes");
    assert_eq!(decoded.signatures[0], tx.signatures[0]);
    assert!(s
        .result(
            "getTransaction",
            json!([Signature::new_unique().to_string()])
        )
        .is_null());
    // A skipped slot (the one after each transaction's).
    let (code, _, _) = s.error("getBlockTime", json!([landed_slot + 1]));
    assert_eq!(code, -32007);

    let count: u64 = typed(&s.result("getTransactionCount", json!([])));
    assert!(count >= 6, "airdrops, fixture and transfers: {count}");
}

fn token_balance(s: &Served, account: &Pubkey) -> String {
    let amount: UiTokenAmount = contextual(
        s,
        &s.result("getTokenAccountBalance", json!([account.to_string()])),
    );
    amount.amount
}

fn spl_token_amount(data: &[u8]) -> u64 {
    u64::from_le_bytes(data[64..72].try_into().expect("amount"))
}

#[test]
fn airdrops_and_dev_methods() {
    let s = Served::new();
    let wallet = Keypair::new();
    let signature: String = typed(&s.result(
        "requestAirdrop",
        json!([wallet.pubkey().to_string(), 3_000_000_000u64]),
    ));
    let statuses: Vec<Option<TransactionStatus>> =
        contextual(&s, &s.result("getSignatureStatuses", json!([[signature]])));
    assert!(statuses[0].clone().expect("landed").err.is_none());
    let lamports: u64 = contextual(
        &s,
        &s.result("getBalance", json!([wallet.pubkey().to_string()])),
    );
    assert_eq!(lamports, 3_000_000_000);

    let hash = s.blockhash();
    // Clock: spice_clock agrees with the Clock sysvar; warps move it.
    let before = clock_sysvar(&s);
    let clock = s.result("spice_clock", json!([]));
    assert_eq!(clock["unixTimestamp"], before.unix_timestamp);
    assert_eq!(clock["slot"], before.slot);
    let warped = s.result("spice_warpSeconds", json!([86_400]));
    assert_eq!(warped["unixTimestamp"], before.unix_timestamp + 86_400);
    let after = clock_sysvar(&s);
    assert_eq!(after.unix_timestamp, before.unix_timestamp + 86_400);
    assert!(
        after.slot > before.slot,
        "and a few slots, so audits can draw"
    );
    let warped = s.result("spice_warpSlots", json!([1_000]));
    assert_eq!(warped["slot"], after.slot + 1_000);
    assert_eq!(warped["unixTimestamp"], after.unix_timestamp, "time stays");
    let slot: u64 = typed(&s.result("getSlot", json!([])));
    assert_eq!(slot, after.slot + 1_000);
    // A blockhash from before the warps is still valid: warps are one block each.
    let valid: bool = contextual(&s, &s.result("isBlockhashValid", json!([hash.to_string()])));
    assert!(valid);
    // Bad arguments: -32602, nothing moved.
    for (method, params) in [
        ("spice_warpSeconds", json!([-5])),
        ("spice_warpSeconds", json!([u64::MAX])),
        ("spice_warpSlots", json!(["many"])),
        ("spice_warpSlots", json!([u64::MAX])),
        ("spice_refuseSends", json!([])),
        ("requestAirdrop", json!(["not an address", 1])),
        ("requestAirdrop", json!([wallet.pubkey().to_string()])),
    ] {
        let (code, message, _) = s.error(method, params);
        assert_eq!(code, -32602, "{method}: {message}");
    }
    let still: u64 = typed(&s.result("getSlot", json!([])));
    assert_eq!(still, slot);

    // spice_refuseSends: the next send answers -32005 (node unhealthy), the one after lands.
    let _: u32 = typed(&s.result("spice_refuseSends", json!([1])));
    let pay = |lamports| {
        let ix = anchor_lang::solana_program::system_instruction::transfer(
            &wallet.pubkey(),
            &Pubkey::new_unique(),
            lamports,
        );
        common::base64(&s.transaction(&[ix], &[&wallet]))
    };
    let (code, message, _) = s.error(
        "sendTransaction",
        json!([pay(1_000_000), {"encoding": "base64"}]),
    );
    assert_eq!(code, -32005, "{message}");
    let _: String = typed(&s.result(
        "sendTransaction",
        json!([pay(2_000_000), {"encoding": "base64"}]),
    ));
}

#[test]
fn solana_clients_and_the_sdk_backend_work_against_it() {
    use spice_sdk::ledger::{Ledger, LedgerError};
    let s = Served::new();
    let f = Fixture::new(&s);
    let client = s.client();
    // Solana's RPC client: the calls the CLI and most Rust tools make.
    let version = client.get_version().expect("version");
    assert_eq!(version.solana_core, spice_serve::AGAVE_VERSION);
    let (hash, last_valid) = client
        .get_latest_blockhash_with_commitment(client.commitment())
        .expect("blockhash");
    assert!(client
        .is_blockhash_valid(&hash, client.commitment())
        .expect("valid"));
    assert_eq!(last_valid, client.get_block_height().expect("height") + 150);
    let tx = s.transaction(&[f.transfer(10)], &[&f.payer]);
    let sig = client
        .send_and_confirm_transaction(&tx)
        .expect("sent and confirmed");
    assert!(client.confirm_transaction(&sig).expect("confirmed"));
    let balance = client
        .get_token_account_balance(&f.other_tokens)
        .expect("balance");
    assert_eq!(balance.amount, "10");
    let accounts = client
        .get_token_accounts_by_owner(
            &f.other.pubkey(),
            solana_rpc_client_api::request::TokenAccountsFilter::Mint(f.mint),
        )
        .expect("by owner");
    assert_eq!(accounts.len(), 1);
    let epoch = client.get_epoch_info().expect("epoch info");
    assert_eq!(epoch.absolute_slot, client.get_slot().expect("slot"));
    let mint: Account = client.get_account(&f.mint).expect("mint");
    assert_eq!(mint.owner, f.token_program);
    // The rest of the methods, each through the client's own call (its own decoding).
    client.get_health().expect("healthy");
    let accounts = client
        .get_multiple_accounts(&[f.mint, Pubkey::new_unique(), f.payer_tokens])
        .expect("multiple");
    assert_eq!(accounts[0].as_ref(), Some(&mint));
    assert!(accounts[1].is_none() && accounts[2].is_some());
    let lamports = client.get_balance(&f.payer.pubkey()).expect("balance");
    assert!(lamports > 0);
    assert_eq!(
        client
            .get_minimum_balance_for_rent_exemption(165)
            .expect("rent"),
        solana_sdk::rent::Rent::default().minimum_balance(165)
    );
    let simulated = client
        .simulate_transaction(&s.transaction(&[f.transfer(1)], &[&f.payer]))
        .expect("simulated")
        .value;
    assert!(simulated.err.is_none() && simulated.units_consumed > Some(0));
    let statuses = client
        .get_signature_statuses(&[sig])
        .expect("statuses")
        .value;
    let landed_slot = statuses[0].as_ref().expect("landed").slot;
    let found = client
        .get_transaction_with_config(
            &sig,
            solana_rpc_client_api::config::RpcTransactionConfig {
                encoding: Some(
                    solana_transaction_status_client_types::UiTransactionEncoding::Base64,
                ),
                commitment: Some(client.commitment()),
                max_supported_transaction_version: Some(0),
            },
        )
        .expect("the transaction");
    assert_eq!(found.slot, landed_slot);
    assert_eq!(
        found
            .transaction
            .transaction
            .decode()
            .expect("decodes")
            .signatures[0],
        sig
    );
    assert_eq!(
        client.get_block_time(landed_slot).expect("block time"),
        found.block_time.expect("a time")
    );
    let airdrop = client
        .request_airdrop(&Pubkey::new_unique(), 1_000_000)
        .expect("airdrop");
    assert!(client.confirm_transaction(&airdrop).expect("confirmed"));
    // The fee of a message: the runtime's (a signature), null for an unknown blockhash.
    let message = s.transaction(&[f.transfer(1)], &[&f.payer]).message;
    assert_eq!(client.get_fee_for_message(&message).expect("fee"), 5_000);
    let mut stale = message.clone();
    stale.recent_blockhash = Hash::new_unique();
    let value = s.result(
        "getFeeForMessage",
        json!([BASE64_STANDARD.encode(stale.serialize())]),
    );
    let fee: Option<u64> = contextual(&s, &value);
    assert_eq!(fee, None, "{value}");
    let (code, _, _) = s.error("getFeeForMessage", json!(["AAAA"]));
    assert_eq!(code, -32602);
    // The mint's supply, in its decimals.
    let supply = client.get_token_supply(&f.mint).expect("supply");
    assert_eq!(supply.amount, MINTED.to_string());
    assert_eq!(supply.decimals, DECIMALS);
    let (code, _, _) = s.error("getTokenSupply", json!([f.payer_tokens.to_string()]));
    assert_eq!(code, -32602, "a token account is not a mint");
    // Two airdrops, the mint and the minting (the fixture), the transfer, the airdrop.
    assert_eq!(client.get_transaction_count().expect("count"), 6);

    // The SDK's backend (the CLI over --url): reads, listings, clock, errors by name.
    let mut ledger = spice_sdk::ledger::rpc::Rpc::new(&s.url);
    let owned = ledger
        .accounts_owned_by(&f.token_program, Some(&f.mint))
        .expect("listing");
    // Token accounts of the mint (its data starts with the mint), not the mint itself.
    let mut owned: Vec<Pubkey> = owned.into_iter().map(|(k, _)| k).collect();
    owned.sort();
    let mut expected = vec![f.payer_tokens, f.other_tokens];
    expected.sort();
    assert_eq!(owned, expected);
    let clock = ledger.clock().expect("clock");
    assert_eq!(clock.slot, client.get_slot().expect("slot"));
    let err = ledger
        .send(&[f.transfer(MINTED * 2)], &[&f.payer])
        .expect_err("more than it holds");
    let LedgerError::Transaction { logs, .. } = &err else {
        panic!("a transaction error: {err:?}")
    };
    assert!(
        logs.iter().any(|l| l.contains("insufficient funds")),
        "{logs:?}"
    );
    // (The instruction's index depends on the compute-budget instructions the backend adds.)
    assert!(
        err.to_string().contains("failed with custom error 1"),
        "{err}"
    );
}

#[test]
fn subscriptions_notify_as_a_validator_does() {
    use futures_util::StreamExt;
    use solana_pubsub_client::nonblocking::pubsub_client::PubsubClient;
    use solana_rpc_client_api::config::{RpcAccountInfoConfig, RpcSignatureSubscribeConfig};
    use solana_rpc_client_api::response::RpcSignatureResult;

    let s = Served::new();
    let f = Fixture::new(&s);
    let tx = s.transaction(&[f.transfer(42)], &[&f.payer]);
    let client = s.async_client();
    // Solana's async pubsub client (the blocking one cannot be shut down while a subscription
    // waits); every wait is bounded.
    s.runtime.block_on(async {
        let pubsub = within("connecting", PubsubClient::new(&s.ws_url))
            .await
            .expect("websocket");
        let (mut slots, _) = within("slotSubscribe", pubsub.slot_subscribe())
            .await
            .expect("slot subscription");
        let config = RpcAccountInfoConfig {
            encoding: Some(UiAccountEncoding::Base64),
            ..Default::default()
        };
        let (mut accounts, _) = within(
            "accountSubscribe",
            pubsub.account_subscribe(&f.other_tokens, Some(config)),
        )
        .await
        .expect("account subscription");
        let config = RpcSignatureSubscribeConfig {
            commitment: None,
            enable_received_notification: Some(false),
        };
        let (mut signatures, _) = within(
            "signatureSubscribe",
            pubsub.signature_subscribe(&tx.signatures[0], Some(config)),
        )
        .await
        .expect("signature subscription");
        // The subscriptions are registered once their ids came back: the transaction lands
        // after.
        within("send and confirm", client.send_and_confirm_transaction(&tx))
            .await
            .expect("sent");

        let landed = within("a signature notification", signatures.next())
            .await
            .expect("a notification");
        assert!(matches!(
            landed.value,
            RpcSignatureResult::ProcessedSignature(ref r) if r.err.is_none()
        ));
        let landed_slot = client
            .get_signature_statuses(&tx.signatures)
            .await
            .expect("statuses")
            .value[0]
            .clone()
            .expect("landed")
            .slot;
        assert_eq!(landed.context.slot, landed_slot, "the slot it landed in");
        let changed = within("an account notification", accounts.next())
            .await
            .expect("a notification");
        assert_eq!(spl_token_amount(&account_data(&changed.value)), 42);
        let slot = within("a slot notification", slots.next())
            .await
            .expect("a notification");
        assert!(slot.slot > slot.parent && slot.root == slot.slot);

        // A signature that already landed is notified at once.
        let (mut again, _) = within(
            "signatureSubscribe again",
            pubsub.signature_subscribe(&tx.signatures[0], None),
        )
        .await
        .expect("again");
        within("the notification of a landed signature", again.next())
            .await
            .expect("notified at once");
        drop((slots, accounts, signatures, again));
        within("shutting down", pubsub.shutdown())
            .await
            .expect("closed");
    });
}

/// `future`'s output, or a failed test after [`common::TIMEOUT`].
async fn within<T>(what: &str, future: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(common::TIMEOUT, future)
        .await
        .unwrap_or_else(|_| panic!("{what}: nothing after {:?}", common::TIMEOUT))
}
