//! The incentive curve on chain: epochs, shards, finalization, batched claims, the fee cap,
//! the circuit breaker, and the economics DESIGN.md promises.

use anchor_lang::error::ErrorCode;
use solana_sdk::signature::Signer;
use solana_sdk::transaction::Transaction;
use spice::constants::PAUSE_CLAIM;
use spice::errors::SpiceError;
use spice::state::NetworkParams;
use spice_sdk::{ix, pda};
use spice_tests::market::{Actor, Market, Mints, DAY, MIN_STAKE};
use spice_tests::rewards::curve_params;
use spice_tests::{anchor_err, assert_code, spice_err, substitute, Env};

const PRICE: u64 = 1_000;

/// E(e) computed directly: max(tail, E0 × 0.9^e), exact for the small e used here.
fn expected_emission(e: u32) -> u64 {
    let raw = 100_000u128 * 9u128.pow(e) / 10u128.pow(e);
    (raw as u64).max(10_000)
}

/// m(s) for s = cap × (num/den)²: 1 + 2 × num/den, in bps (m_max = 3x).
fn multiplier(num: u64, den: u64) -> u64 {
    10_000 + 20_000 * num / den
}

#[tokio::test]
async fn rewards_follow_the_curve_to_the_token() {
    let mut m = Market::with_params(Mints::MIXED, curve_params()).await;
    m.fund_rewards(1_000_000).await;
    // s_cap = 100 × MIN_STAKE: stakes at cap, cap/4 and cap/100 → multipliers 3.0, 2.0, 1.2.
    let a = m.provider(100 * MIN_STAKE).await;
    let b = m.provider(25 * MIN_STAKE).await;
    let c = m.provider(MIN_STAKE).await;
    let (ma, mb, mc) = (multiplier(1, 1), multiplier(1, 2), multiplier(1, 10));
    let client = m.actor(100_000_000, 0).await;

    // Epoch 0: 100 units each.
    for p in [&a, &b, &c] {
        m.paid_job(&client, p, PRICE, 100).await;
    }
    m.check_invariants().await;
    m.warp_to_epoch(1).await;
    // Epoch 1: A 50 units, B 200.
    m.paid_job(&client, &a, PRICE, 50).await;
    m.paid_job(&client, &b, PRICE, 200).await;
    m.warp_to_epoch(2).await;
    // Epoch 2: C 300 units.
    m.paid_job(&client, &c, PRICE, 300).await;
    m.warp_to_epoch(3).await;

    for e in 0..3 {
        Env::ok(m.try_finalize(e).await);
        m.check_reward_invariants(&[0, 1, 2]).await;
    }
    let score = |units: u64, mult: u64| units * mult / 10_000;
    let e0_total = score(100, ma) + score(100, mb) + score(100, mc);
    let e1_total = score(50, ma) + score(200, mb);
    let ep0 = m.epoch(0).await;
    assert_eq!(ep0.emission, expected_emission(0));
    assert_eq!(ep0.total_score, u128::from(e0_total));
    assert_eq!(m.epoch(1).await.emission, expected_emission(1));
    assert_eq!(m.epoch(2).await.emission, expected_emission(2));

    let share = |e: u32, s: u64, total: u64| expected_emission(e) * s / total;
    let want_a = share(0, score(100, ma), e0_total) + share(1, score(50, ma), e1_total);
    let want_b = share(0, score(100, mb), e0_total) + share(1, score(200, mb), e1_total);
    let want_c = share(0, score(100, mc), e0_total) + expected_emission(2);
    for (p, epochs, want) in [
        (&a, vec![0, 1], want_a),
        (&b, vec![0, 1], want_b),
        (&c, vec![0, 2], want_c),
    ] {
        let before = m.env.balance(&p.stake).await;
        // Several epochs in one transaction.
        Env::ok(m.try_claim(p, &epochs).await);
        assert_eq!(m.env.balance(&p.stake).await - before, want);
        m.check_reward_invariants(&[0, 1, 2]).await;
        m.check_invariants().await;
    }
    // Rounding down leaves dust in the pool, never a deficit.
    let claimed = m.network().await.total_claimed;
    assert_eq!(claimed, want_a + want_b + want_c);
    assert!(claimed <= expected_emission(0) + expected_emission(1) + expected_emission(2));
}

#[tokio::test]
async fn stake_only_provider_earns_nothing() {
    let mut m = Market::with_params(Mints::MIXED, curve_params()).await;
    m.fund_rewards(1_000_000).await;
    let idle = m.provider(100 * MIN_STAKE).await;
    let worker = m.provider(MIN_STAKE).await;
    let client = m.actor(10_000_000, 0).await;
    // 100 units: fee 2_500, so the 100x fee cap (250_000) does not bind.
    m.paid_job(&client, &worker, PRICE, 100).await;
    m.warp_to_epoch(1).await;
    Env::ok(m.try_finalize(0).await);
    // No ProviderEpoch exists for the idle provider: nothing to claim.
    let pe = pda::provider_epoch(&m.provider_pda(&idle.key()), 0);
    assert!(!m.env.exists(&pe).await);
    assert_code(
        m.try_claim(&idle, &[0]).await,
        anchor_err(ErrorCode::AccountNotInitialized),
    );
    let before = m.env.balance(&worker.stake).await;
    Env::ok(m.try_claim(&worker, &[0]).await);
    assert_eq!(
        m.env.balance(&worker.stake).await - before,
        expected_emission(0)
    );
}

#[tokio::test]
async fn zero_unit_jobs_score_nothing() {
    let mut m = Market::with_params(Mints::MIXED, curve_params()).await;
    m.fund_rewards(1_000_000).await;
    let p = m.provider(100 * MIN_STAKE).await;
    let client = m.actor(10_000_000, 0).await;
    let job = m.submitted_job(&client, &p, PRICE, 10, 0).await;
    let keys = m.settle_keys(job, &client, &p).await;
    Env::ok(
        m.env
            .send(&[ix::approve_job(&m.net, &keys)], &[&client.kp])
            .await,
    );
    m.warp_to_epoch(1).await;
    Env::ok(m.try_finalize(0).await);
    let e = m.epoch(0).await;
    assert_eq!(
        (e.total_score, e.emission),
        (0, 0),
        "no work, nothing allocated"
    );
    let before = m.env.balance(&p.stake).await;
    Env::ok(m.try_claim(&p, &[0]).await);
    assert_eq!(m.env.balance(&p.stake).await, before);
}

#[tokio::test]
async fn four_times_the_work_earns_four_times_the_reward() {
    let mut m = Market::with_params(Mints::MIXED, curve_params()).await;
    m.fund_rewards(1_000_000).await;
    let small = m.provider(25 * MIN_STAKE).await;
    let big = m.provider(25 * MIN_STAKE).await;
    let client = m.actor(100_000_000, 0).await;
    m.paid_job(&client, &small, PRICE, 100).await;
    m.paid_job(&client, &big, PRICE, 400).await;
    m.warp_to_epoch(1).await;
    Env::ok(m.try_finalize(0).await);
    let mut got = Vec::new();
    for p in [&small, &big] {
        let before = m.env.balance(&p.stake).await;
        Env::ok(m.try_claim(p, &[0]).await);
        got.push(m.env.balance(&p.stake).await - before);
    }
    // 20_000 and 80_000 of 100_000, up to rounding.
    assert_eq!(got, vec![20_000, 80_000]);
}

#[tokio::test]
async fn wash_trading_loses_under_a_fee_cap_below_one() {
    // One mint for payment and stake, fee cap 0.5: a provider paying itself for fake work
    // earns at most half the fees it pays, even as the only worker of the epoch.
    let params = NetworkParams {
        reward_per_fee_cap_bps: 5_000,
        ..curve_params()
    };
    let mut m = Market::with_params(Mints::SINGLE, params).await;
    m.fund_rewards(10_000_000).await;
    let trader = m.provider(MIN_STAKE).await;
    m.env
        .mint_to(&m.net.payment_mint.clone(), &trader.payment, 10_000_000)
        .await;
    let start = m.env.balance(&trader.payment).await;
    // The trader is its own client.
    let me = Actor {
        kp: trader.kp.insecure_clone(),
        payment: trader.payment,
        stake: trader.stake,
    };
    for _ in 0..5 {
        m.paid_job(&me, &trader, PRICE, 100).await;
    }
    m.warp_to_epoch(1).await;
    Env::ok(m.try_finalize(0).await);
    Env::ok(m.try_claim(&trader, &[0]).await);
    let end = m.env.balance(&trader.payment).await;
    let fees = 5 * 100 * PRICE * 250 / 10_000;
    assert_eq!(
        start - end,
        fees - fees / 2,
        "pays the fees, earns back half"
    );
    assert!(end < start);
    m.check_invariants().await;
    m.check_reward_invariants(&[0]).await;
}

#[tokio::test]
async fn fee_cap_withholds_and_close_returns_to_pool() {
    let params = NetworkParams {
        reward_per_fee_cap_bps: 10_000,
        ..curve_params()
    };
    let mut m = Market::with_params(Mints::MIXED, params).await;
    m.fund_rewards(1_000_000).await;
    let p = m.provider(MIN_STAKE).await;
    let client = m.actor(10_000_000, 0).await;
    m.paid_job(&client, &p, PRICE, 100).await; // fee 2_500: reward capped at 2_500
    m.warp_to_epoch(1).await;
    Env::ok(m.try_finalize(0).await);
    let before = m.env.balance(&p.stake).await;
    Env::ok(m.try_claim(&p, &[0]).await);
    assert_eq!(m.env.balance(&p.stake).await - before, 2_500);
    let n = m.network().await;
    assert_eq!((n.total_allocated, n.total_claimed), (100_000, 2_500));
    // Close refused inside the claim window, then returns the withheld part to the pool.
    assert_code(
        m.try_close_epoch(0).await,
        spice_err(SpiceError::ClaimWindowOpen),
    );
    m.warp_to_epoch(10).await;
    let crank = m.crank();
    let shard_no = m
        .shard_payers(0)
        .await
        .iter()
        .position(|x| x.is_some())
        .expect("one shard") as u8;
    let epoch_key = pda::epoch(&m.net.network, 0);
    let shard_key = pda::epoch_shard(&m.net.network, 0, shard_no);
    let rent = m.env.lamports_of(&[epoch_key, shard_key]).await;
    let crank_before = m.env.lamports(&crank).await;
    Env::ok(m.try_close_epoch(0).await);
    let n = m.network().await;
    assert_eq!((n.total_allocated, n.total_claimed), (2_500, 2_500));
    assert!(!m.env.exists(&pda::epoch(&m.net.network, 0)).await);
    // The crank paid both rents and is also the fee payer of the close (5_000 lamports).
    assert_eq!(m.env.lamports(&crank).await, crank_before + rent - 5_000);
    m.check_reward_invariants(&[0]).await;
}

#[tokio::test]
async fn refusals_of_finalize() {
    let mut m = Market::with_params(Mints::MIXED, curve_params()).await;
    m.fund_rewards(1_000_000).await;
    let p = m.provider(MIN_STAKE).await;
    let client = m.actor(10_000_000, 0).await;
    m.paid_job(&client, &p, PRICE, 10).await;
    assert_code(
        m.try_finalize(0).await,
        spice_err(SpiceError::EpochNotEnded),
    );
    m.warp_to_epoch(1).await;
    // A missing shard: one pair short.
    let payers = m.shard_payers(0).await;
    let payer = m.env.payer();
    let mut short = ix::finalize_epoch(&m.net, payer, 0, &payers);
    short.accounts.truncate(short.accounts.len() - 2);
    assert_code(
        m.env.send(&[short], &[]).await,
        spice_err(SpiceError::InvalidShardAccounts),
    );
    // A substituted shard: shard 0 of epoch 1 in place of shard 0 of epoch 0.
    let mut swapped = ix::finalize_epoch(&m.net, payer, 0, &payers);
    substitute(
        &mut swapped,
        &pda::epoch_shard(&m.net.network, 0, 0),
        &pda::epoch_shard(&m.net.network, 1, 0),
    );
    assert_code(
        m.env.send(&[swapped], &[]).await,
        spice_err(SpiceError::InvalidShardAccounts),
    );
    Env::ok(m.try_finalize(0).await);
    assert_code(
        m.try_finalize(0).await,
        spice_err(SpiceError::EpochAlreadyFinalized),
    );
    assert_eq!(m.epoch(0).await.emission, expected_emission(0));
}

#[tokio::test]
async fn underfunded_vault_records_a_shortfall() {
    let mut m = Market::with_params(Mints::MIXED, curve_params()).await;
    m.fund_rewards(30_000).await;
    let p = m.provider(MIN_STAKE).await;
    let client = m.actor(10_000_000, 0).await;
    m.paid_job(&client, &p, PRICE, 10).await;
    m.warp_to_epoch(1).await;
    Env::ok(m.try_finalize(0).await);
    let e = m.epoch(0).await;
    assert_eq!((e.emission, e.shortfall), (30_000, 70_000));
    m.check_reward_invariants(&[0]).await;
}

#[tokio::test]
async fn refusals_of_claim() {
    let mut m = Market::with_params(Mints::MIXED, curve_params()).await;
    m.fund_rewards(1_000_000).await;
    let a = m.provider(MIN_STAKE).await;
    let b = m.provider(MIN_STAKE).await;
    let client = m.actor(10_000_000, 0).await;
    m.paid_job(&client, &a, PRICE, 10).await;
    m.paid_job(&client, &b, PRICE, 10).await;
    // Before finalize: no Epoch account.
    m.warp_to_epoch(1).await;
    assert_code(
        m.try_claim(&a, &[0]).await,
        anchor_err(ErrorCode::AccountNotInitialized),
    );
    Env::ok(m.try_finalize(0).await);
    // Another provider's epoch: B passes A's ProviderEpoch.
    let mut steal = m.claim_ix(&b, &[0]).await;
    substitute(
        &mut steal,
        &pda::provider_epoch(&m.provider_pda(&b.key()), 0),
        &pda::provider_epoch(&m.provider_pda(&a.key()), 0),
    );
    assert_code(
        m.env.send(&[steal], &[&b.kp]).await,
        spice_err(SpiceError::NotYourProviderEpoch),
    );
    // Wrong signer: B signs for A's provider.
    let mut forged = m.claim_ix(&a, &[0]).await;
    substitute(&mut forged, &a.key(), &b.key());
    assert_code(
        m.env.send(&[forged], &[&b.kp]).await,
        anchor_err(ErrorCode::ConstraintSeeds),
    );
    // Paused claims.
    let auth = m.authority.insecure_clone();
    let pause = ix::set_pause(auth.pubkey(), m.net.network, PAUSE_CLAIM);
    Env::ok(m.env.send(&[pause], &[&auth]).await);
    assert_code(m.try_claim(&a, &[0]).await, spice_err(SpiceError::Paused));
    let resume = ix::set_pause(auth.pubkey(), m.net.network, 0);
    Env::ok(m.env.send(&[resume], &[&auth]).await);
    Env::ok(m.try_claim(&a, &[0]).await);
    // Twice: the ProviderEpoch is gone.
    assert_code(
        m.try_claim(&a, &[0]).await,
        anchor_err(ErrorCode::AccountNotInitialized),
    );
    // After the claim window.
    m.warp_to_epoch(10).await;
    assert_code(
        m.try_claim(&b, &[0]).await,
        spice_err(SpiceError::ClaimWindowClosed),
    );
    m.check_reward_invariants(&[0]).await;
}

#[tokio::test]
async fn circuit_breaker_trips_then_recovers() {
    // The window may not be smaller than E0 (one epoch's reward must always fit).
    let params = NetworkParams {
        max_reward_outflow_per_window: 100_000,
        outflow_window_seconds: DAY,
        ..curve_params()
    };
    let mut m = Market::with_params(Mints::MIXED, params).await;
    m.fund_rewards(1_000_000).await;
    let a = m.provider(MIN_STAKE).await;
    let b = m.provider(MIN_STAKE).await;
    let client = m.actor(10_000_000, 0).await;
    for e in 0..2u64 {
        m.paid_job(&client, &a, PRICE, 50).await;
        m.paid_job(&client, &b, PRICE, 50).await;
        m.warp_to_epoch(e + 1).await;
        Env::ok(m.try_finalize(e).await);
    }
    // Each claims half of E(0) + E(1) = 50_000 + 45_000.
    Env::ok(m.try_claim(&a, &[0, 1]).await); // 95_000 of the 100_000 window
    assert_code(
        m.try_claim(&b, &[0, 1]).await,
        spice_err(SpiceError::RewardOutflowLimit),
    );
    m.env.warp_seconds(DAY).await;
    let before = m.env.balance(&b.stake).await;
    Env::ok(m.try_claim(&b, &[0, 1]).await);
    assert_eq!(m.env.balance(&b.stake).await - before, 95_000);
    m.check_reward_invariants(&[0, 1]).await;
}

#[tokio::test]
async fn claim_touches_the_same_accounts_however_many_providers_and_epochs() {
    let mut m = Market::with_params(Mints::MIXED, curve_params()).await;
    m.fund_rewards(10_000_000).await;
    let client = m.actor(1_000_000_000, 0).await;
    let mut providers = Vec::new();
    for _ in 0..12 {
        providers.push(m.provider(MIN_STAKE).await);
    }
    // 6 epochs of work by everyone; many jobs per epoch for the first provider.
    for e in 0..6u64 {
        for p in &providers {
            m.paid_job(&client, p, PRICE, 10).await;
        }
        for _ in 0..3 {
            m.paid_job(&client, &providers[0], PRICE, 1).await;
        }
        m.warp_to_epoch(e + 1).await;
        Env::ok(m.try_finalize(e).await);
    }
    // One epoch: 7 fixed accounts + 3 per epoch, whoever claims and however much history.
    for p in [&providers[0], &providers[11]] {
        let one = m.claim_ix(p, &[5]).await;
        assert_eq!(one.accounts.len(), 7 + 3);
    }
    let all: Vec<u64> = (0..6).collect();
    let batch = m.claim_ix(&providers[0], &all).await;
    assert_eq!(batch.accounts.len(), 7 + 3 * 6);
    Env::ok(m.env.send(&[batch], &[&providers[0].kp]).await);
    m.check_reward_invariants(&all).await;

    // How many epochs fit in one claim transaction (1232-byte packet), with each
    // ProviderEpoch's rent payer a distinct key (the worst case) and with one shared payer.
    let fits = |distinct: bool| {
        let mut k = 1;
        loop {
            let epochs: Vec<(u64, _)> = (0..k as u64)
                .map(|i| {
                    let payer = if distinct {
                        solana_sdk::pubkey::Pubkey::new_unique()
                    } else {
                        m.env.payer()
                    };
                    (i, payer)
                })
                .collect();
            let claim = ix::claim_rewards(&m.net, providers[1].key(), providers[1].stake, &epochs);
            let tx = Transaction::new_with_payer(&[claim], Some(&m.env.payer()));
            let size = bincode_size(&tx);
            if size > 1232 {
                return k - 1;
            }
            k += 1;
        }
    };
    let (worst, shared) = (fits(true), fits(false));
    println!("epochs per claim transaction: {worst} (distinct rent payers), {shared} (one payer)");
    // A year of weekly epochs is 8 transactions even in the worst case.
    assert!(worst >= 7 && shared >= 11, "{worst} / {shared}");
}

/// Serialized size of a signed transaction: signatures + message.
fn bincode_size(tx: &Transaction) -> usize {
    let sigs = tx.message.header.num_required_signatures as usize;
    1 + 64 * sigs + tx.message.serialize().len()
}

#[tokio::test]
async fn prefunded_epoch_addresses_block_neither_settlement_nor_finalize() {
    let mut m = Market::with_params(Mints::MIXED, curve_params()).await;
    m.fund_rewards(1_000_000).await;
    let p = m.provider(MIN_STAKE).await;
    let client = m.actor(10_000_000, 0).await;
    // A griefer funds every shard, the provider's ProviderEpoch and the Epoch of epoch 0.
    let mut targets: Vec<_> = (0..m.net.shard_count)
        .map(|i| pda::epoch_shard(&m.net.network, 0, i))
        .collect();
    targets.push(pda::provider_epoch(&m.provider_pda(&p.key()), 0));
    targets.push(pda::epoch(&m.net.network, 0));
    let payer = m.env.payer();
    let rent = m.env.rent(0).await;
    for t in &targets {
        let gift = anchor_lang::solana_program::system_instruction::transfer(&payer, t, rent);
        Env::ok(m.env.send(&[gift], &[]).await);
    }
    m.paid_job(&client, &p, PRICE, 100).await;
    m.warp_to_epoch(1).await;
    Env::ok(m.try_finalize(0).await);
    let before = m.env.balance(&p.stake).await;
    Env::ok(m.try_claim(&p, &[0]).await);
    assert_eq!(m.env.balance(&p.stake).await - before, expected_emission(0));
    m.check_reward_invariants(&[0]).await;
}

#[tokio::test]
async fn unclaimed_provider_epoch_returns_its_rent_after_the_window() {
    let mut m = Market::with_params(Mints::MIXED, curve_params()).await;
    m.fund_rewards(1_000_000).await;
    let p = m.provider(MIN_STAKE).await;
    let client = m.actor(10_000_000, 0).await;
    m.paid_job(&client, &p, PRICE, 100).await;
    m.warp_to_epoch(1).await;
    Env::ok(m.try_finalize(0).await);
    let pe = pda::provider_epoch(&m.provider_pda(&p.key()), 0);
    let crank = m.crank();
    let close = ix::close_provider_epoch(&m.net, m.provider_pda(&p.key()), 0, crank);
    assert_code(
        m.env.send(std::slice::from_ref(&close), &[]).await,
        spice_err(SpiceError::ClaimWindowOpen),
    );
    // The provider never claims; after the window anyone closes the record.
    m.warp_to_epoch(10).await;
    let stranger = m.env.funded(1_000_000_000).await;
    let mut wrong_payer = close.clone();
    substitute(&mut wrong_payer, &crank, &stranger.pubkey());
    assert_code(
        m.env.send(&[wrong_payer], &[]).await,
        spice_err(SpiceError::WrongRentPayer),
    );
    let rent = m.env.lamports(&pe).await;
    let before = m.env.lamports(&crank).await;
    Env::ok(m.env.send(&[close], &[]).await);
    assert!(!m.env.exists(&pe).await);
    // The crank paid the record's rent and this transaction's fee (5_000 lamports).
    assert_eq!(m.env.lamports(&crank).await, before + rent - 5_000);
    Env::ok(m.try_close_epoch(0).await);
    let n = m.network().await;
    assert_eq!(
        (n.total_allocated, n.total_claimed),
        (0, 0),
        "all returned to the pool"
    );
    m.check_reward_invariants(&[0]).await;
}
