//! The incentive curve on chain: epochs, shards, finalization, batched claims by book page, the
//! reward rate cap, the circuit breaker, and the economics DESIGN.md promises.
//!
//! The rule (docs/DESIGN.md, Rewards): a settled job scores `value × m(stake) / 10 000` with
//! `value = units × price` here (no reference price); a finalized epoch allocates
//! `min(E(e), total_score × reward_rate_cap_bps / 10 000)` and each provider receives
//! `allocated × score / total_score`, rounded down. The tests' parameters cap the rate at 0.8 %
//! of the score, so a test that shares the emission pro rata uses jobs worth far more than the
//! emission (`BIG_PRICE`), and one that checks the cap uses small ones (`PRICE`).

use anchor_lang::error::ErrorCode;
use solana_sdk::signature::Signer;
use solana_sdk::transaction::Transaction;
use spice::constants::{EPOCHS_PER_PAGE, PAUSE_CLAIM};
use spice::errors::SpiceError;
use spice::state::{EpochStatus, NetworkParams};
use spice_sdk::{ix, pda};
use spice_tests::market::{Actor, Market, Mints, DAY, MIN_STAKE};
use spice_tests::rewards::curve_params;
use spice_tests::{anchor_err, assert_code, spice_err, substitute, Env};

const PRICE: u64 = 1_000;
/// A unit price at which an epoch's work scores far more than E0 / 0.8 %: the emission binds.
const BIG_PRICE: u64 = 1_000_000;
/// `reward_rate_cap_bps` of [`curve_params`].
const RATE_CAP_BPS: u128 = 80;

/// What finalization allocates to an epoch of emission `emission` and total score `total`.
fn allocation(emission: u64, total: u128) -> u64 {
    u128::from(emission).min(total * RATE_CAP_BPS / 10_000) as u64
}

/// A provider's reward: `allocated × score / total`, rounded down.
fn reward(allocated: u64, score: u128, total: u128) -> u64 {
    (u128::from(allocated) * score / total) as u64
}

/// Score of `units` at `price` with multiplier `mult` (bps).
fn score(units: u64, price: u64, mult: u64) -> u128 {
    u128::from(units * price) * u128::from(mult) / 10_000
}

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
    let client = m.actor(1_000_000_000_000, 0).await;

    // Epoch 0: 100 units each.
    for p in [&a, &b, &c] {
        m.paid_job(&client, p, BIG_PRICE, 100).await;
    }
    m.check_invariants().await;
    m.warp_to_epoch(1).await;
    // Epoch 1: A 50 units, B 200.
    m.paid_job(&client, &a, BIG_PRICE, 50).await;
    m.paid_job(&client, &b, BIG_PRICE, 200).await;
    m.warp_to_epoch(2).await;
    // Epoch 2: C 300 units.
    m.paid_job(&client, &c, BIG_PRICE, 300).await;
    m.warp_to_epoch(3).await;

    for e in 0..3 {
        Env::ok(m.try_finalize(e).await);
        m.check_reward_invariants(&[0, 1, 2]).await;
    }
    let score = |units: u64, mult: u64| score(units, BIG_PRICE, mult);
    let e0_total = score(100, ma) + score(100, mb) + score(100, mc);
    let e1_total = score(50, ma) + score(200, mb);
    let e2_total = score(300, mc);
    // The jobs are worth far more than the emission: every epoch allocates its whole E(e).
    for (e, total) in [(0, e0_total), (1, e1_total), (2, e2_total)] {
        let entry = m.epoch(u64::from(e)).await;
        assert_eq!(entry.emission, expected_emission(e));
        assert_eq!(entry.total_score, total);
        assert_eq!(entry.allocated, allocation(expected_emission(e), total));
        assert_eq!(entry.allocated, expected_emission(e));
    }

    let share = |e: u32, s: u128, total: u128| reward(expected_emission(e), s, total);
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
    m.paid_job(&client, &worker, PRICE, 100).await;
    m.warp_to_epoch(1).await;
    Env::ok(m.try_finalize(0).await);
    // No ProviderBook page exists for the idle provider: nothing to claim against.
    let book = pda::provider_book(&m.provider_pda(&idle.key()), 0);
    assert!(!m.env.exists(&book).await);
    assert_code(
        m.try_claim(&idle, &[0]).await,
        anchor_err(ErrorCode::AccountOwnedByWrongProgram),
    );
    // The worker is the epoch's only score: it gets the whole allocation, here the capped rate
    // (0.8 % of 100 units × 1 000 × 1.2), far below E(0).
    let total = score(100, PRICE, multiplier(1, 10));
    let want = allocation(expected_emission(0), total);
    assert_eq!(want, 960);
    assert_eq!(m.epoch(0).await.allocated, want);
    let before = m.env.balance(&worker.stake).await;
    Env::ok(m.try_claim(&worker, &[0]).await);
    assert_eq!(m.env.balance(&worker.stake).await - before, want);
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
        (e.total_score, e.emission, e.allocated),
        (0, 0, 0),
        "no work, nothing allocated"
    );
    let before = m.env.balance(&p.stake).await;
    assert_code(
        m.try_claim(&p, &[0]).await,
        spice_err(SpiceError::NothingToClaim),
    );
    assert_eq!(m.env.balance(&p.stake).await, before);
}

#[tokio::test]
async fn four_times_the_work_earns_four_times_the_reward() {
    // Under the rate cap and when the emission binds.
    for (price, fund) in [(PRICE, 1_000_000), (BIG_PRICE, 1_000_000)] {
        let mut m = Market::with_params(Mints::MIXED, curve_params()).await;
        m.fund_rewards(fund).await;
        let small = m.provider(25 * MIN_STAKE).await;
        let big = m.provider(25 * MIN_STAKE).await;
        let client = m.actor(1_000_000_000_000, 0).await;
        m.paid_job(&client, &small, price, 100).await;
        m.paid_job(&client, &big, price, 400).await;
        m.warp_to_epoch(1).await;
        Env::ok(m.try_finalize(0).await);
        let mut got = Vec::new();
        for p in [&small, &big] {
            let before = m.env.balance(&p.stake).await;
            Env::ok(m.try_claim(p, &[0]).await);
            got.push(m.env.balance(&p.stake).await - before);
        }
        let (s, b) = (score(100, price, 20_000), score(400, price, 20_000));
        let allocated = allocation(expected_emission(0), s + b);
        let want = vec![reward(allocated, s, s + b), reward(allocated, b, s + b)];
        assert_eq!(got, want);
        assert_eq!(got[1], 4 * got[0]);
        if price == PRICE {
            // 0.8 % of 200 000 and of 800 000.
            assert_eq!(got, vec![1_600, 6_400]);
        } else {
            // 20 % and 80 % of E(0).
            assert_eq!(got, vec![20_000, 80_000]);
        }
    }
}

#[tokio::test]
async fn wash_trading_loses_under_the_rate_cap() {
    // One mint for payment and stake, the rate cap below the fee even at the highest
    // multiplier (0.8 % × 3 < 2.5 %): a provider paying itself for fake work earns back less
    // than the fees it pays, even as the only worker of the epoch and with stake at the cap.
    let mut m = Market::with_params(Mints::SINGLE, curve_params()).await;
    m.fund_rewards(10_000_000).await;
    let trader = m.provider(100 * MIN_STAKE).await;
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
    let earned = allocation(expected_emission(0), 5 * score(100, PRICE, 30_000));
    assert_eq!((fees, earned), (12_500, 12_000));
    assert_eq!(start - end, fees - earned, "pays the fees, earns back less");
    assert!(end < start);
    m.check_invariants().await;
    m.check_reward_invariants(&[0]).await;
}

#[tokio::test]
async fn rate_cap_withholds_and_close_returns_unclaimed_to_pool() {
    let mut m = Market::with_params(Mints::MIXED, curve_params()).await;
    m.fund_rewards(1_000_000).await;
    let p = m.provider(MIN_STAKE).await;
    let q = m.provider(MIN_STAKE).await;
    let client = m.actor(10_000_000, 0).await;
    m.paid_job(&client, &p, PRICE, 100).await;
    m.paid_job(&client, &q, PRICE, 100).await;
    m.warp_to_epoch(1).await;
    Env::ok(m.try_finalize(0).await);
    // 0.8 % of the score (2 × 120 000) is allocated; the rest of E(0) never is.
    let each = score(100, PRICE, multiplier(1, 10));
    let allocated = allocation(expected_emission(0), 2 * each);
    assert_eq!(allocated, 1_920);
    let e = m.epoch(0).await;
    assert_eq!((e.emission, e.allocated), (expected_emission(0), allocated));
    let before = m.env.balance(&p.stake).await;
    Env::ok(m.try_claim(&p, &[0]).await);
    assert_eq!(m.env.balance(&p.stake).await - before, allocated / 2);
    let n = m.network().await;
    assert_eq!(
        (n.total_allocated, n.total_claimed),
        (allocated, allocated / 2)
    );
    // Close refused inside the claim window, then returns q's unclaimed part to the pool.
    assert_code(
        m.try_close_epoch(0).await,
        spice_err(SpiceError::ClaimWindowOpen),
    );
    m.warp_to_epoch(10).await;
    Env::ok(m.try_close_epoch(0).await);
    let n = m.network().await;
    assert_eq!(
        (n.total_allocated, n.total_claimed),
        (allocated / 2, allocated / 2)
    );
    assert_eq!(m.epoch(0).await.status, EpochStatus::Closed);
    assert_code(
        m.try_close_epoch(0).await,
        spice_err(SpiceError::EpochClosed),
    );
    // q's reward went back with it.
    assert_code(
        m.try_claim(&q, &[0]).await,
        spice_err(SpiceError::NothingToClaim),
    );
    // The shards return their rent to whoever paid it (the test payer, who settled the jobs
    // and signs every transaction: it also pays this one's 5 000-lamport fee).
    let crank = m.crank();
    let stranger = m.env.funded(1_000_000_000).await;
    let payers = m.shard_payers(0).await;
    let mut open = m.epoch(0).await.open_shards;
    assert_eq!(
        usize::from(open),
        payers.iter().filter(|x| x.is_some()).count()
    );
    for (i, payer) in payers.iter().enumerate() {
        let Some(payer) = payer else { continue };
        assert_eq!(*payer, crank);
        let shard = pda::epoch_shard(&m.net.network, 0, i as u8);
        let wrong = ix::close_epoch_shard(&m.net, 0, i as u8, stranger.pubkey());
        assert_code(
            m.env.send(&[wrong], &[]).await,
            spice_err(SpiceError::WrongRentPayer),
        );
        let rent = m.env.lamports(&shard).await;
        let before = m.env.lamports(&crank).await;
        let close = ix::close_epoch_shard(&m.net, 0, i as u8, crank);
        Env::ok(m.env.send(&[close], &[]).await);
        assert!(!m.env.exists(&shard).await);
        assert_eq!(m.env.lamports(&crank).await, before + rent - 5_000);
        open -= 1;
        assert_eq!(m.epoch(0).await.open_shards, open);
    }
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
    // A missing shard: one account short.
    let payer = m.env.payer();
    let mut short = ix::finalize_epoch(&m.net, payer, 0);
    short.accounts.truncate(short.accounts.len() - 1);
    assert_code(
        m.env.send(&[short], &[]).await,
        spice_err(SpiceError::InvalidShardAccounts),
    );
    // A substituted shard: shard 0 of epoch 1 in place of shard 0 of epoch 0.
    let mut swapped = ix::finalize_epoch(&m.net, payer, 0);
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
    let client = m.actor(1_000_000_000, 0).await;
    m.paid_job(&client, &p, BIG_PRICE, 100).await;
    m.warp_to_epoch(1).await;
    Env::ok(m.try_finalize(0).await);
    let e = m.epoch(0).await;
    assert_eq!((e.emission, e.shortfall), (30_000, 70_000));
    // The work (0.8 % of 1.2e8) would take more: the vault's 30 000 is all it gets.
    assert_eq!(e.allocated, 30_000);
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
    // Before finalize: no EpochBook page.
    m.warp_to_epoch(1).await;
    assert_code(
        m.try_claim(&a, &[0]).await,
        anchor_err(ErrorCode::AccountOwnedByWrongProgram),
    );
    Env::ok(m.try_finalize(0).await);
    // Another provider's book: B passes A's ProviderBook.
    let mut steal = m.claim_ix(&b, &[0]);
    substitute(
        &mut steal,
        &pda::provider_book(&m.provider_pda(&b.key()), 0),
        &pda::provider_book(&m.provider_pda(&a.key()), 0),
    );
    assert_code(
        m.env.send(&[steal], &[&b.kp]).await,
        spice_err(SpiceError::NotYourProviderEpoch),
    );
    // Wrong signer: B signs for A's provider.
    let mut forged = m.claim_ix(&a, &[0]);
    substitute(&mut forged, &a.key(), &b.key());
    assert_code(
        m.env.send(&[forged], &[&b.kp]).await,
        anchor_err(ErrorCode::ConstraintSeeds),
    );
    // The same page twice.
    let mut twice = m.claim_ix(&a, &[0]);
    let pair = twice.accounts[twice.accounts.len() - 2..].to_vec();
    twice.accounts.extend(pair);
    assert_code(
        m.env.send(&[twice], &[&a.kp]).await,
        spice_err(SpiceError::InvalidClaimAccounts),
    );
    // Paused claims.
    let auth = m.authority.insecure_clone();
    let pause = ix::set_pause(auth.pubkey(), m.net.network, PAUSE_CLAIM);
    Env::ok(m.env.send(&[pause], &[&auth]).await);
    assert_code(m.try_claim(&a, &[0]).await, spice_err(SpiceError::Paused));
    let resume = ix::set_pause(auth.pubkey(), m.net.network, 0);
    Env::ok(m.env.send(&[resume], &[&auth]).await);
    Env::ok(m.try_claim(&a, &[0]).await);
    // Twice: nothing is owed any more.
    assert_code(
        m.try_claim(&a, &[0]).await,
        spice_err(SpiceError::NothingToClaim),
    );
    // After the claim window, once anyone closed the epoch, B's reward can no longer be
    // claimed (before the close it still could: closing is what forfeits).
    m.warp_to_epoch(10).await;
    Env::ok(m.try_close_epoch(0).await);
    assert_code(
        m.try_claim(&b, &[0]).await,
        spice_err(SpiceError::NothingToClaim),
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
    let client = m.actor(1_000_000_000, 0).await;
    for e in 0..2u64 {
        // Worth far more than the emission: each epoch allocates its E(e).
        m.paid_job(&client, &a, BIG_PRICE, 50).await;
        m.paid_job(&client, &b, BIG_PRICE, 50).await;
        m.warp_to_epoch(e + 1).await;
        Env::ok(m.try_finalize(e).await);
    }
    // Each is owed half of E(0) + E(1) = 50_000 + 45_000.
    Env::ok(m.try_claim(&a, &[0, 1]).await); // 95_000 of the 100_000 window
                                             // B is paid what the window allows now; the rest stays owed.
    let before = m.env.balance(&b.stake).await;
    Env::ok(m.try_claim(&b, &[0, 1]).await);
    assert_eq!(m.env.balance(&b.stake).await - before, 5_000);
    assert_code(
        m.try_claim(&b, &[0, 1]).await,
        spice_err(SpiceError::RewardOutflowLimit),
    );
    // Still nothing a window later (the bucket of the payments, an eighth of the window, is
    // still inside it); one bucket more and the rest is paid.
    m.env.warp_seconds(DAY).await;
    assert_code(
        m.try_claim(&b, &[0, 1]).await,
        spice_err(SpiceError::RewardOutflowLimit),
    );
    m.env.warp_seconds(DAY / 8).await;
    let before = m.env.balance(&b.stake).await;
    Env::ok(m.try_claim(&b, &[0, 1]).await);
    assert_eq!(m.env.balance(&b.stake).await - before, 90_000);
    assert_eq!(m.network().await.total_claimed, 190_000);
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
    // 7 fixed accounts + one (EpochBook, ProviderBook) pair per page of 16 epochs, whoever
    // claims and however much history the page holds.
    for p in [&providers[0], &providers[11]] {
        let one = m.claim_ix(p, &[5]);
        assert_eq!(one.accounts.len(), 7 + 2);
    }
    let all: Vec<u64> = (0..6).collect();
    let batch = m.claim_ix(&providers[0], &all);
    assert_eq!(batch.accounts.len(), 7 + 2);
    let before = m.env.balance(&providers[0].stake).await;
    Env::ok(m.env.send(&[batch], &[&providers[0].kp]).await);
    // Every epoch of the page paid at once: per epoch, its share of the allocation.
    let mut want = 0;
    for e in 0..6 {
        let entry = m.epoch(e).await;
        let mine = m.provider_entry(&providers[0], e).await;
        let total = score(10, PRICE, 12_000) * 12 + score(3, PRICE, 12_000);
        assert_eq!(entry.total_score, total);
        assert_eq!(mine.score, score(13, PRICE, 12_000));
        let allocated = allocation(expected_emission(e as u32), total);
        assert_eq!(entry.allocated, allocated);
        want += reward(allocated, mine.score, total);
        assert_eq!(mine.paid, reward(allocated, mine.score, total));
    }
    assert_eq!(m.env.balance(&providers[0].stake).await - before, want);
    m.check_reward_invariants(&all).await;

    // How many pages fit in one claim transaction (1232-byte packet), paid by the provider's
    // owner (as the SDK's claim batching sends it) or by another wallet (one more signature).
    let owner = providers[1].key();
    let fits = |payer: solana_sdk::pubkey::Pubkey| {
        let mut pages = 1;
        loop {
            let list: Vec<u64> = (0..pages + 1).collect();
            let claim = ix::claim_rewards(&m.net, owner, providers[1].stake, &list);
            let tx = Transaction::new_with_payer(&[claim], Some(&payer));
            if bincode_size(&tx) > 1232 {
                return pages;
            }
            pages += 1;
        }
    };
    let (own, other) = (fits(owner), fits(m.env.payer()));
    println!(
        "book pages per claim transaction: {own} ({} epochs) paid by the owner, {other} by \
         another payer",
        own * EPOCHS_PER_PAGE
    );
    // A year of daily epochs (23 pages) in two transactions.
    assert!(2 * own >= 23, "{own} pages per transaction");
    assert!(other >= own - 1, "{other} pages per transaction");
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
    // A griefer funds every shard, the provider's book page and the epoch book page of epoch 0.
    let mut targets: Vec<_> = (0..m.net.shard_count)
        .map(|i| pda::epoch_shard(&m.net.network, 0, i))
        .collect();
    targets.push(pda::provider_book(&m.provider_pda(&p.key()), 0));
    targets.push(pda::epoch_book(&m.net.network, 0));
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
    let want = allocation(expected_emission(0), score(100, PRICE, multiplier(1, 10)));
    assert_eq!(m.env.balance(&p.stake).await - before, want);
    m.check_reward_invariants(&[0]).await;
}

#[tokio::test]
async fn unclaimed_provider_book_returns_its_rent_after_the_window() {
    let mut m = Market::with_params(Mints::MIXED, curve_params()).await;
    m.fund_rewards(1_000_000).await;
    let p = m.provider(MIN_STAKE).await;
    let client = m.actor(10_000_000, 0).await;
    m.paid_job(&client, &p, PRICE, 100).await;
    m.warp_to_epoch(1).await;
    Env::ok(m.try_finalize(0).await);
    let provider = m.provider_pda(&p.key());
    let book = pda::provider_book(&provider, 0);
    let crank = m.crank();
    let close = ix::close_provider_book(&m.net, provider, 0, crank, true);
    // The page's epochs are not over.
    assert_code(
        m.env.send(std::slice::from_ref(&close), &[]).await,
        spice_err(SpiceError::BookStillOpen),
    );
    // The provider never claims. Past the page's last epoch and the claim window, its reward
    // is still owed until the epoch closes.
    m.warp_to_epoch(EPOCHS_PER_PAGE).await;
    assert_code(
        m.env.send(std::slice::from_ref(&close), &[]).await,
        spice_err(SpiceError::BookStillOpen),
    );
    Env::ok(m.try_close_epoch(0).await);
    let stranger = m.env.funded(1_000_000_000).await;
    let mut wrong_payer = close.clone();
    substitute(&mut wrong_payer, &crank, &stranger.pubkey());
    assert_code(
        m.env.send(&[wrong_payer], &[]).await,
        spice_err(SpiceError::WrongRentPayer),
    );
    let rent = m.env.lamports(&book).await;
    let before = m.env.lamports(&crank).await;
    Env::ok(m.env.send(&[close], &[]).await);
    assert!(!m.env.exists(&book).await);
    // The crank paid the page's rent and this transaction's fee (5_000 lamports).
    assert_eq!(m.env.lamports(&crank).await, before + rent - 5_000);
    let n = m.network().await;
    assert_eq!(
        (n.total_allocated, n.total_claimed),
        (0, 0),
        "all returned to the pool"
    );
    m.check_reward_invariants(&[0]).await;
}
