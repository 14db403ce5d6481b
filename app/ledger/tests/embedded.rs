//! The embedded ledger keeps one chain across processes: what a transaction wrote, the clock,
//! and the slot hashes that audit draws read all survive a save and a reopen.

use anchor_lang::solana_program::system_instruction;
use solana_sdk::signature::{Keypair, Signer};
use solana_sdk::slot_hashes::SlotHashes;
use spice_ledger::Embedded;
use spice_sdk::ledger::{Ledger, LedgerError};

fn slot_hashes(ledger: &mut Embedded) -> SlotHashes {
    let account = ledger
        .account(&solana_sdk::sysvar::slot_hashes::ID)
        .expect("rpc")
        .expect("sysvar");
    bincode::deserialize(&account.data).expect("slot hashes")
}

#[test]
fn accounts_clock_and_slot_hashes_survive_a_reopen() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("ledger.json");
    let alice = Keypair::new();
    let bob = Keypair::new();

    let (saved_clock, newest_hash_slot) = {
        let mut ledger = Embedded::open(&path).expect("new ledger");
        ledger
            .airdrop(&alice.pubkey(), 5_000_000_000)
            .expect("airdrop");
        let ix = system_instruction::transfer(&alice.pubkey(), &bob.pubkey(), 1_000_000_000);
        ledger.send(&[ix], &[&alice]).expect("transfer");
        let dev = ledger.dev().expect("dev controls");
        dev.warp_seconds(86_400).expect("warp");
        dev.warp_slots(5).expect("warp slots");
        ledger.save().expect("save");
        let clock = ledger.clock().expect("clock");
        let newest = slot_hashes(&mut ledger)
            .first()
            .map(|(s, _)| *s)
            .expect("a hash");
        (clock, newest)
    };

    let mut ledger = Embedded::open(&path).expect("reopen");
    let bob_account = ledger
        .account(&bob.pubkey())
        .expect("rpc")
        .expect("bob exists");
    assert_eq!(bob_account.lamports, 1_000_000_000);
    let alice_account = ledger
        .account(&alice.pubkey())
        .expect("rpc")
        .expect("alice");
    assert!(alice_account.lamports < 4_000_000_000, "fee paid");
    let clock = ledger.clock().expect("clock");
    assert!(clock.unix_timestamp >= saved_clock.unix_timestamp);
    assert!(clock.slot > saved_clock.slot, "a reopened ledger moves on");
    // The hashes recorded before the save are still there, and newer ones follow them.
    let hashes = slot_hashes(&mut ledger);
    assert!(hashes.iter().any(|(s, _)| *s == newest_hash_slot));
    assert!(hashes.first().map(|(s, _)| *s) > Some(saved_clock.slot - 1));
}

#[test]
fn a_failed_transaction_keeps_its_logs_and_a_readable_error() {
    let mut ledger = Embedded::in_memory().expect("ledger");
    let poor = Keypair::new();
    ledger.airdrop(&poor.pubkey(), 10_000_000).expect("airdrop");
    let ix = system_instruction::transfer(&poor.pubkey(), &Keypair::new().pubkey(), 1_000_000_000);
    let err = ledger.send(&[ix], &[&poor]).expect_err("too poor");
    assert!(matches!(err, LedgerError::Transaction { .. }), "{err:?}");
    assert!(err.to_string().contains("instruction 1 failed"), "{err}");
    // Sending the same message twice under one blockhash is not "already processed".
    let faucet = ledger.faucet().pubkey();
    let ix = system_instruction::transfer(&poor.pubkey(), &faucet, 1);
    ledger
        .send(std::slice::from_ref(&ix), &[&poor])
        .expect("first");
    ledger.send(&[ix], &[&poor]).expect("same message again");
}

#[test]
fn a_ledger_file_of_another_version_is_refused() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("ledger.json");
    std::fs::write(
        &path,
        r#"{"version":99,"slot":0,"unix_timestamp":0,"slot_hashes":"","accounts":{}}"#,
    )
    .expect("write");
    let Err(err) = Embedded::open(&path) else {
        panic!("opened a version-99 file");
    };
    assert!(err.to_string().contains("version 99"), "{err}");
    std::fs::write(&path, "not json").expect("write");
    assert!(Embedded::open(&path).is_err());
}

#[test]
fn a_second_process_waits_for_the_first_to_save() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("ledger.json");
    let alice = Keypair::new();
    let first = Embedded::open(&path).expect("first");
    let path2 = path.clone();
    let key = alice.pubkey();
    let (tx, rx) = std::sync::mpsc::channel();
    let second = std::thread::spawn(move || {
        // Blocks on the lock until the first ledger is saved and dropped, then sees its work.
        let mut ledger = Embedded::open(&path2).expect("second");
        let seen = ledger.account(&key).expect("rpc").map(|a| a.lamports);
        tx.send(seen).expect("send");
    });
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert!(rx.try_recv().is_err(), "the second open waits");
    let mut first = first;
    first
        .airdrop(&alice.pubkey(), 7_000_000_000)
        .expect("airdrop");
    first.save().expect("save");
    drop(first);
    second.join().expect("thread");
    assert_eq!(rx.recv().expect("result"), Some(7_000_000_000));
}

#[test]
fn a_failed_transaction_that_paid_its_fee_is_reported_as_landed() {
    // The runtime tells a failure that landed (its fee paid, recorded) from one refused before
    // execution; `spice serve` lands the former as a failed transaction in a block.
    let mut runtime = spice_ledger::Runtime::new();
    let poor = Keypair::new();
    let faucet = runtime.faucet().insecure_clone();
    let fund = system_instruction::transfer(&faucet.pubkey(), &poor.pubkey(), 10_000_000);
    let hash = runtime.latest_blockhash();
    let tx = solana_sdk::transaction::Transaction::new_signed_with_payer(
        &[fund],
        Some(&faucet.pubkey()),
        &[&faucet],
        hash,
    );
    runtime.send(tx).expect("funded");
    let ix = system_instruction::transfer(&poor.pubkey(), &Keypair::new().pubkey(), 1_000_000_000);
    let tx = solana_sdk::transaction::Transaction::new_signed_with_payer(
        &[ix],
        Some(&poor.pubkey()),
        &[&poor],
        hash,
    );
    let failed = runtime.send(tx.clone()).expect_err("too poor");
    assert!(failed.included, "executed and failed: it landed");
    assert_eq!(failed.details.fee, 5_000);
    let balance = runtime.account(&poor.pubkey()).expect("payer").lamports;
    assert_eq!(balance, 10_000_000 - 5_000, "the fee was paid");
    // The same transaction again: refused before execution, nothing paid.
    let again = runtime.send(tx).expect_err("already processed");
    assert!(!again.included);
    assert_eq!(
        runtime.account(&poor.pubkey()).expect("payer").lamports,
        balance
    );
}
