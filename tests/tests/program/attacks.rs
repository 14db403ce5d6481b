//! An outside reviewer's attacks on the promises of docs/DESIGN.md, actor by actor: the
//! provider, the client, the attestor, the authority, the mint issuer, a crank and a griefer.
//!
//! A test of an attack the program refuses asserts the specific refusal (or, for an attack that
//! goes through harmlessly, that nobody gains). The review's first round found eight breaks
//! (breaker throughput at its bounds, claim pause with the breaker, parameters read at
//! finalization, regime-change wash trading, u64 epoch tallies, attestor removal after accept,
//! treasury-owner wash trading); each test below now asserts the promise, and the one that is a
//! trust assumption rather than a refusal (the treasury owner's wash trading) pins its bound.

use anchor_lang::error::ErrorCode;
use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::{AccountMeta, Instruction};
use anchor_lang::solana_program::system_instruction;
use solana_sdk::signature::{Keypair, Signer};
use spice::constants::PAUSE_CLAIM;
use spice::errors::SpiceError;
use spice::state::{page_of, shard_of, Client, NetworkParams, Verdict};
use spice_sdk::{ix, pda};
use spice_tests::market::{default_params, result_args, Actor, Market, Mints, DAY, MIN_STAKE};
use spice_tests::rewards::curve_params;
use spice_tests::{anchor_err, assert_code, spice_err, substitute, Env, TOKEN_PROGRAM};

const HOUR: i64 = 3_600;
const PRICE: u64 = 1_000;
/// A unit price at which 50 units score more than an epoch of [`curve_params`] can pay.
const BIG_PRICE: u64 = 1_000_000;
/// E0 of [`curve_params`].
const E0: u64 = 100_000;

// ------------------------------------------------------------------ helpers

/// Claims at the start of every breaker bucket (an eighth of an hour) for one hourly epoch,
/// every open epoch of `open` each time: a provider as diligent as can be. Returns what it got.
async fn claim_all_epoch_long(m: &mut Market, provider: &Actor, open: &[u64]) -> u64 {
    let mut got = 0;
    for _ in 0..8 {
        got += m.claim_now(provider, open).await;
        m.env.warp_seconds(HOUR / 8).await;
    }
    got
}

/// Closes epochs `epochs` (their deadlines passed) and returns what they allocated and nobody
/// claimed: earned rewards that went back to the pool unpaid.
async fn close_and_count_unpaid(m: &mut Market, epochs: std::ops::Range<u64>) -> u64 {
    let mut unpaid = 0;
    for e in epochs {
        Env::ok(m.try_close_epoch(e).await);
        let entry = m.epoch(e).await;
        unpaid += entry.allocated - entry.claimed;
    }
    unpaid
}

/// Hourly epochs whose emission never decays (tail = E0) and a circuit breaker whose window is
/// one epoch long and lets `cap` out per window (`NetworkParams::validate` accepts a cap from
/// `min_reward_outflow_per_window()`, 9/4 of E0 here).
fn hourly(cap: u64) -> NetworkParams {
    NetworkParams {
        epoch_seconds: HOUR,
        outflow_window_seconds: HOUR,
        initial_emission: E0,
        tail_emission: E0,
        emission_decay_bps: 0,
        max_reward_outflow_per_window: cap,
        ..curve_params()
    }
}

/// `job`'s epoch shard on the market's network.
fn shard(m: &Market, job: &Pubkey) -> u8 {
    shard_of(job, m.net.shard_count)
}

/// Creates and cancels tiny jobs of `client` until its next job address lands in shard `want`
/// (with `avoid`: in any shard but `want`). Job addresses are the client's to grind.
async fn steer_next_job(m: &mut Market, client: &Actor, want: u8, avoid: bool) {
    loop {
        let id = m.next_job_id(&client.key()).await;
        let next = pda::job(&m.net.network, &client.key(), id);
        if (shard(m, &next) == want) != avoid {
            return;
        }
        let job = m.create_job(client, 1, 1).await;
        let cancel = ix::cancel_job(&m.net, client.key(), job);
        Env::ok(m.env.send(&[cancel], &[&client.kp]).await);
    }
}

/// The owner of `from` hands its whole payment-mint balance to `to`, and the mint's issuer tops
/// `to` up to `target`: one self-dealt job's money, ready for the next.
async fn recycle(m: &mut Market, from: &Actor, to: &Actor, target: u64) {
    let mint = m.net.payment_mint;
    let back = m.env.balance(&from.payment).await;
    Env::ok(
        m.env
            .transfer(&mint, &from.payment, &to.payment, &from.kp, back)
            .await,
    );
    let have = m.env.balance(&to.payment).await;
    if target > have {
        m.env.mint_to(&mint, &to.payment, target - have).await;
    }
}

async fn send_as(
    m: &mut Market,
    ix: Instruction,
    signer: &Keypair,
) -> Result<(), spice_tests::BanksClientError> {
    m.env.send(&[ix], &[signer]).await
}

async fn dispute(m: &mut Market, client: &Actor, job: Pubkey) {
    let ix = ix::dispute_job(&m.net, client.key(), job);
    Env::ok(send_as(m, ix, &client.kp).await);
}

/// Sends `lamports` to `address` from the test payer: a griefer pre-funding it.
async fn prefund(m: &mut Market, address: Pubkey, lamports: u64) {
    let payer = m.env.payer();
    let ix = system_instruction::transfer(&payer, &address, lamports);
    Env::ok(m.env.send(&[ix], &[]).await);
}

/// `claim_rewards` of `provider` with exactly `remaining` as its remaining accounts.
fn claim_with(m: &Market, provider: &Actor, remaining: &[Pubkey]) -> Instruction {
    let mut ix = ix::claim_rewards(&m.net, provider.key(), provider.stake, &[]);
    ix.accounts
        .extend(remaining.iter().map(|k| AccountMeta::new(*k, false)));
    ix
}

// =================================================================== 1. earned rewards

/// Promise: the breaker "lets at least one epoch's emission out per epoch, and a backlog
/// drains" (`NetworkParams::validate`), and earned rewards are never forfeited. The breaker
/// counts the current bucket and the eight before it, so a payment blocks capacity for nine
/// buckets, `9 × ceil(W/8) ≥ 9W/8` seconds: with the window at its bound (one epoch) and the cap
/// at E0, at most 8/9 of E0 would leave per epoch while a busy epoch allocates E0, and a
/// diligent provider's backlog would grow until it expired. (Found by this review: the bound
/// was `cap ≥ E0`.) Such a cap is refused now, and so is 9/8 of E0 — exactly one epoch's
/// emission per epoch, with no room to drain a backlog; at the bound, 9/4 of E0 (twice the
/// largest emission per epoch), a provider claiming at every bucket is paid everything.
#[tokio::test]
async fn the_breaker_lets_an_epochs_emission_out_at_its_bounds_and_no_reward_expires() {
    let min = hourly(0).min_reward_outflow_per_window();
    assert_eq!(min, E0 / 4 * 9);
    assert!(hourly(min - 1).validate().is_err());
    assert!(hourly(E0).validate().is_err());
    assert!(hourly(E0 / 8 * 9).validate().is_err());
    // The default claim window of eight epochs.
    let mut m = Market::with_params(Mints::MIXED, hourly(min)).await;
    m.fund_rewards(200 * E0).await;
    let provider = m.provider(MIN_STAKE).await;
    let client = m.actor(1_000_000_000_000_000, 0).await;
    let epochs = 100u64;
    let mut paid = 0;
    for e in 0..=epochs + 10 {
        m.warp_to_epoch(e).await;
        if e > 0 && e <= epochs {
            Env::ok(m.try_finalize(e - 1).await);
            assert_eq!(m.epoch(e - 1).await.allocated, E0);
        }
        if e < epochs {
            // Paid work worth far more than E0 at the rate cap: the epoch allocates E0.
            m.paid_job(&client, &provider, BIG_PRICE, 50).await;
        }
        let open: Vec<u64> = (e.saturating_sub(10)..e.min(epochs)).collect();
        paid += claim_all_epoch_long(&mut m, &provider, &open).await;
    }
    m.check_invariants().await;
    let unpaid = close_and_count_unpaid(&mut m, 0..epochs).await;
    // With a cap of E0 (refused now): 9_600_000 paid, 400_000 returned to the pool unpaid.
    assert_eq!(paid, epochs * E0, "earned {}, paid {paid}", epochs * E0);
    assert_eq!(unpaid, 0, "earned rewards expired unpaid");
}

/// Promise: pauses never make earned rewards forfeit ("while claims are paused no epoch can
/// close, and every claim deadline moves later by the time claims stayed paused"). If the
/// deadlines moved by the pause alone, everything earned during a long pause would fall due
/// within one claim window, more than the breaker can pay out in it (found by this review).
/// So when claims resume the deadlines move later also by the time the breaker needs to let
/// out everything outstanding. The cap here is at its bound (9/4 × E0 per epoch-long window:
/// twice the emission per epoch), the least that keeps up with the emission and drains the
/// backlog.
#[tokio::test]
async fn a_claim_pause_forfeits_no_reward_the_breaker_must_pay_afterwards() {
    let cap = hourly(0).min_reward_outflow_per_window();
    let mut m = Market::with_params(Mints::MIXED, hourly(cap)).await;
    m.fund_rewards(200 * E0).await;
    let provider = m.provider(MIN_STAKE).await;
    let client = m.actor(1_000_000_000_000_000, 0).await;
    // Control: five epochs of work claimed as it comes lose nothing.
    for e in 0..5u64 {
        m.warp_to_epoch(e).await;
        if e > 0 {
            Env::ok(m.try_finalize(e - 1).await);
        }
        m.paid_job(&client, &provider, BIG_PRICE, 50).await;
        let open: Vec<u64> = (0..e).collect();
        claim_all_epoch_long(&mut m, &provider, &open).await;
    }
    // The authority pauses claims for twenty epochs; work and finalization go on.
    m.warp_to_epoch(5).await;
    Env::ok(m.try_finalize(4).await);
    Env::ok(m.try_claim(&provider, &[4]).await);
    m.set_pause(PAUSE_CLAIM).await;
    let paused = 5..25u64;
    for e in paused.clone() {
        m.paid_job(&client, &provider, BIG_PRICE, 50).await;
        m.warp_to_epoch(e + 1).await;
        Env::ok(m.try_finalize(e).await);
    }
    m.set_pause(0).await;
    m.check_invariants().await;
    // The provider claims at every bucket from the moment claims resume.
    let open: Vec<u64> = paused.clone().collect();
    for _ in 0..12 {
        claim_all_epoch_long(&mut m, &provider, &open).await;
    }
    // Past every (extended) deadline: the epochs close with nothing left unpaid. Deadlines
    // keep moving until the drain ends.
    let drain_end = m.network().await.claims_drain_until;
    let now = m.env.now().await;
    m.warp_to(drain_end.max(now)).await;
    let resumed = m.network().await;
    let last = m.epoch(paused.end - 1).await;
    let deadline = last
        .effective_deadline(
            resumed
                .claims_paused_total(m.env.now().await)
                .expect("paused"),
        )
        .expect("deadline");
    let now = m.env.now().await;
    m.warp_to(deadline.max(now)).await;
    assert_eq!(close_and_count_unpaid(&mut m, 0..5).await, 0);
    let unpaid = close_and_count_unpaid(&mut m, paused).await;
    // With deadlines moved by the pause alone: 400_000 of the 2_000_000 earned during the
    // pause went back to the pool.
    assert_eq!(unpaid, 0, "rewards earned during the pause expired unpaid");
}

/// Promise: pauses and parameters never make earned rewards forfeit. The extension granted when
/// claims resume is the time the breaker needs at the *least* throughput any proposal could
/// give it (twice the largest emission per epoch, which can only grow), while new epochs keep
/// allocating. The authority pauses claims for twenty epochs with a generous cap, announces a
/// cap at its floor during the pause and applies it the moment claims resume: the backlog
/// still drains before any deadline, with work and claims going on.
#[tokio::test]
async fn a_cap_lowered_as_claims_resume_forfeits_nothing() {
    let floor = hourly(0).min_reward_outflow_per_window();
    let params = NetworkParams {
        unbond_seconds: HOUR,
        ..hourly(10 * floor)
    };
    let mut m = Market::with_params(Mints::MIXED, params).await;
    m.fund_rewards(200 * E0).await;
    let provider = m.provider(MIN_STAKE).await;
    let client = m.actor(1_000_000_000_000_000, 0).await;
    m.set_pause(PAUSE_CLAIM).await;
    let paused = 0..20u64;
    for e in paused.clone() {
        m.warp_to_epoch(e).await;
        if e > 0 {
            Env::ok(m.try_finalize(e - 1).await);
        }
        m.paid_job(&client, &provider, BIG_PRICE, 50).await;
    }
    m.warp_to_epoch(paused.end).await;
    Env::ok(m.try_finalize(paused.end - 1).await);
    Env::ok(
        m.try_propose_params(Some(NetworkParams {
            max_reward_outflow_per_window: floor,
            ..params
        }))
        .await,
    );
    m.env.warp_seconds(HOUR + 1).await;
    m.set_pause(0).await;
    Env::ok(m.try_apply_params().await);
    assert_eq!(
        m.network().await.params.max_reward_outflow_per_window,
        floor
    );
    // Work goes on at E0 per epoch; the provider claims everything open at every bucket.
    let last = paused.end + 40;
    let mut paid = 0;
    for e in paused.end + 1..=last {
        m.warp_to_epoch(e).await;
        Env::ok(m.try_finalize(e - 1).await);
        if e < last {
            m.paid_job(&client, &provider, BIG_PRICE, 50).await;
        }
        let open: Vec<u64> = (0..e).collect();
        paid += claim_all_epoch_long(&mut m, &provider, &open).await;
    }
    // The work stops; the provider goes on claiming what the breaker still holds back.
    let all: Vec<u64> = (0..last).collect();
    for _ in 0..4 {
        paid += claim_all_epoch_long(&mut m, &provider, &all).await;
    }
    m.check_invariants().await;
    // Every epoch of work allocated E0 (none was done in the epoch of the unpause).
    let mut earned = 0;
    for e in 0..last {
        earned += m.epoch(e).await.allocated;
    }
    assert_eq!(earned, (last - 1) * E0);
    assert_eq!(paid, earned, "earned {earned}, paid {paid}");
    // Every epoch closes with nothing unpaid once its (extended) deadline is past.
    let drain_end = m.network().await.claims_drain_until;
    let now = m.env.now().await;
    m.warp_to(drain_end.max(now)).await;
    let resumed = m.network().await;
    let end = m.epoch(last - 1).await;
    let deadline = end
        .effective_deadline(
            resumed
                .claims_paused_total(m.env.now().await)
                .expect("paused"),
        )
        .expect("deadline");
    let now = m.env.now().await;
    m.warp_to(deadline.max(now)).await;
    assert_eq!(close_and_count_unpaid(&mut m, 0..last).await, 0);
}

/// Promise: nothing the authority does reaches earned rewards; earned rewards are never
/// forfeited by parameters. An epoch is finalized after its work, and the governance delay (the
/// unbonding period) may be much shorter than an epoch, so a proposal announced after the work
/// can apply before the epoch is finalized. Each job keeps the rate cap and the stake
/// multiplier of its own terms, and the emission schedule may only grow: a zero rate applied
/// before finalization takes nothing back, and a smaller curve cannot even be proposed.
#[tokio::test]
async fn parameters_applied_before_finalization_leave_earned_rewards_alone() {
    let params = NetworkParams {
        unbond_seconds: DAY,
        ..curve_params()
    };
    let mut m = Market::with_params(Mints::MIXED, params).await;
    m.fund_rewards(100 * E0).await;
    let provider = m.provider(MIN_STAKE).await;
    let client = m.actor(1_000_000_000, 0).await;
    m.paid_job(&client, &provider, PRICE, 1_000).await;
    // What the work earned under the rules in force when it was done and paid for.
    let score = m.provider_entry(&provider, 0).await.score;
    let earned = (score * 80 / 10_000).min(u128::from(E0)) as u64;
    assert!(earned > 0);
    // The authority cannot shrink the emission curve that finalization will read.
    let cut = NetworkParams {
        initial_emission: E0 - 1,
        tail_emission: E0 - 1,
        ..params
    };
    assert_code(
        m.try_propose_params(Some(cut)).await,
        spice_err(SpiceError::EmissionScheduleCut),
    );
    // Only then does the authority propose a zero rate; it applies a day later, in epoch 0.
    m.update_params(NetworkParams {
        reward_rate_cap_bps: 0,
        ..params
    })
    .await;
    assert_eq!(m.net.epoch_at(m.env.now().await), 0);
    m.warp_to_epoch(1).await;
    Env::ok(m.try_finalize(0).await);
    m.check_invariants().await;
    assert_eq!(m.epoch(0).await.allocated, earned);
}

/// Promise: rewards follow verified paid value and self-dealing loses. When the network moves
/// from the fee-covered region (no audits, no exposure limit needed) into the bootstrap region
/// (rewards up to `(f + κ)` of the value, made safe by audits and the exposure limit), a provider
/// that read the announcement accepts a fake job under the old terms just before the change
/// applies, and has it paid after. The job keeps its old terms whole — no audit, but also the
/// old rate cap and multiplier — so the self-dealing still loses its fee.
#[tokio::test]
async fn a_provider_cannot_wash_trade_at_a_profit_across_a_move_to_the_bootstrap_region() {
    let mut m = Market::with_params(Mints::SINGLE, default_params()).await;
    m.fund_rewards(10_000_000_000).await;
    // The bootstrap scenario of docs/ECONOMICS.md: f = 2.5 %, M = 2, r = 10 %, a = 25 %,
    // σ = 50 %, c = 50 %, λ at its bound (47.6 %), a reference price.
    let bootstrap = NetworkParams {
        m_max_bps: 20_000,
        reward_rate_cap_bps: 1_000,
        reference_price: PRICE,
        audit_rate_bps: 2_500,
        slash_bps: 5_000,
        slash_client_share_bps: 5_000,
        max_exposure_bps: 4_761,
        ..default_params()
    };
    Env::ok(m.try_propose_params(Some(bootstrap)).await);
    // The provider is its own client; it holds 2e9 of the (single) mint besides its stake.
    let w = m.provider(MIN_STAKE).await;
    let mint = m.net.payment_mint;
    m.env.mint_to(&mint, &w.payment, 2_000_000_000).await;
    let before = m.env.balance(&w.payment).await;
    // Just before the change applies: a fake job of value 1e9 (1000 × its stake), old terms.
    m.env
        .warp_seconds(default_params().unbond_seconds - 100)
        .await;
    let job = m.submitted_job(&w, &w, PRICE, 1_000_000, 1_000_000).await;
    m.env.warp_seconds(101).await;
    Env::ok(m.try_apply_params().await);
    // Under the new terms the same job would be refused outright.
    let fresh = m.create_job(&w, PRICE, 1_000_000).await;
    assert_code(
        m.accept(&w, fresh).await,
        spice_err(SpiceError::ExposureLimit),
    );
    let cancel = ix::cancel_job(&m.net, w.key(), fresh);
    Env::ok(send_as(&mut m, cancel, &w.kp).await);
    // The old job settles (its audit rate is the old 0) and counts at its old rate.
    let keys = m.settle_keys(job, &w, &w).await;
    let approve = ix::approve_job(&m.net, &keys);
    Env::ok(send_as(&mut m, approve, &w.kp).await);
    let epoch = m.net.epoch_at(m.env.now().await);
    m.warp_to_epoch(epoch + 1).await;
    Env::ok(m.try_finalize(epoch).await);
    Env::ok(m.try_claim(&w, &[epoch]).await);
    m.check_invariants().await;
    let after = m.env.balance(&w.payment).await;
    assert!(
        after <= before,
        "self-dealing with fake units gained {}",
        after - before
    );
}

/// A trust assumption, pinned (SECURITY.md, "Known limitations and trust assumptions"): self-dealing loses
/// because the fee it pays is lost, but the fee goes to the treasury, and for whoever the
/// treasury pays (the authority) it is not a cost. Its wash trading takes a share of the epoch's
/// emission, at the expense of the honest providers it shares the epoch with — never more than
/// its weight's share of what the epoch allocates, and never anyone's escrow, stake or
/// already-allocated reward. This test measures that bound; if the program ever stops the
/// attack, it fails and the trust assumption can be dropped.
#[tokio::test]
async fn the_treasury_owners_wash_trading_gains_at_most_its_share_of_the_emission() {
    let mut m = Market::with_params(Mints::SINGLE, curve_params()).await;
    m.fund_rewards(10 * E0).await;
    let honest = m.provider(MIN_STAKE).await;
    let client = m.actor(1_000_000_000_000, 0).await;
    m.paid_job(&client, &honest, BIG_PRICE, 50).await;
    // The authority's wallet is its own client; its sybil is the provider.
    let own = m.actor(1_000_000_000_000, 0).await;
    let sybil = m.provider(MIN_STAKE).await;
    let treasury = m.net.payment_treasury();
    let before = m.env.balance(&own.payment).await + m.env.balance(&sybil.payment).await;
    let t0 = m.env.balance(&treasury).await;
    m.paid_job(&own, &sybil, BIG_PRICE, 50).await;
    let fee = m.env.balance(&treasury).await - t0;
    let withdraw = ix::withdraw_treasury(
        m.authority.pubkey(),
        &m.net,
        m.net.payment_mint,
        own.payment,
        fee,
    );
    Env::ok(m.authority_sends(withdraw).await);
    m.warp_to_epoch(1).await;
    Env::ok(m.try_finalize(0).await);
    Env::ok(m.try_claim(&sybil, &[0]).await);
    m.check_invariants().await;
    let after = m.env.balance(&own.payment).await + m.env.balance(&sybil.payment).await;
    Env::ok(m.try_claim(&honest, &[0]).await);
    let epoch = m.epoch(0).await;
    let sybil_weight = m.provider_entry(&sybil, 0).await.weight;
    let share = spice::curve::reward_share(epoch.allocated, sybil_weight, epoch.total_weight)
        .expect("share");
    // The gain is exactly the sybil's weight share of the epoch's allocation: half of E0 here.
    assert_eq!(after - before, share);
    assert_eq!(share, E0 / 2);
    m.check_invariants().await;
}

// =================================================================== 2. tallies that overflow

/// Promise: earned rewards are never forfeited; every ended epoch can be finalized. Whoever can
/// put about 1.9e19 base units of job value through two shards of one epoch (the payment mint's
/// issuer, or any holder of a large-supply token cycling its own money through self-dealt jobs)
/// would overflow u64 value tallies. The shards' and the epoch's value and fee sums are u128:
/// the epoch finalizes, its total value is exact, and every provider claims its weight's share
/// (the whale's volume dilutes the honest provider, which is what volume buys; it cannot lock
/// the epoch).
#[tokio::test]
async fn a_whales_wash_volume_cannot_make_an_epoch_unfinalizable() {
    let mut m = Market::new(Mints::MIXED).await;
    m.fund_rewards(10_000_000_000).await;
    let honest = m.provider(MIN_STAKE).await;
    let client = m.actor(1_000_000_000, 0).await;
    m.paid_job(&client, &honest, PRICE, 1_000).await;
    // The payment mint's issuer mints itself a fortune and wash-trades it twice.
    const HUGE: u64 = 9_300_000_000_000_000_000;
    let whale = m.actor(HUGE, 0).await;
    let (s1, s2) = (m.provider(MIN_STAKE).await, m.provider(MIN_STAKE).await);
    let first_id = m.next_job_id(&whale.key()).await;
    let first = pda::job(&m.net.network, &whale.key(), first_id);
    m.paid_job(&whale, &s1, HUGE, 1).await;
    recycle(&mut m, &s1, &whale, HUGE).await;
    let first_shard = shard(&m, &first);
    steer_next_job(&mut m, &whale, first_shard, true).await;
    m.paid_job(&whale, &s2, HUGE, 1).await;
    m.check_invariants().await;
    m.warp_to_epoch(1).await;
    Env::ok(m.try_finalize(0).await);
    let epoch = m.epoch(0).await;
    let honest_value = u128::from(PRICE) * 1_000;
    assert_eq!(epoch.total_value, 2 * u128::from(HUGE) + honest_value);
    assert!(epoch.allocated > 0);
    // The whale's sybils claim; the epoch's shards and pages stay closable.
    Env::ok(m.try_claim(&s1, &[0]).await);
    Env::ok(m.try_claim(&s2, &[0]).await);
    m.check_invariants().await;
}

/// Promise: "the deciding vote, the approval, the crank's settlement and the expiry always go
/// through"; no participant can block another's payout or verdict. Every settlement adds its
/// value to one of `shard_count` shards of the epoch. A whale that pushes u64::MAX of value
/// into the shard a victim's job hashes to (its own job addresses are free to grind) would
/// overflow a u64 sum; the shard's sums are u128, and the deciding Valid vote on the honest
/// provider's disputed job goes through.
#[tokio::test]
async fn a_whale_cannot_fill_a_shard_and_block_anothers_verdict() {
    let mut m = Market::new(Mints::MIXED).await;
    let att = m.attestors(2).await;
    let victim = m.provider(MIN_STAKE).await;
    let client = m.actor(1_000_000_000, 0).await;
    let job = m.submitted_job(&client, &victim, PRICE, 100, 100).await;
    dispute(&mut m, &client, job).await;
    let target = shard(&m, &job);
    // Two self-dealt jobs into the victim's shard, worth u64::MAX − 50_000 together.
    const X1: u64 = 9_200_000_000_000_000_000;
    let x2 = u64::MAX - X1 - 50_000;
    let whale = m.actor(X1, 0).await;
    let sybil = m.provider(MIN_STAKE).await;
    steer_next_job(&mut m, &whale, target, false).await;
    m.paid_job(&whale, &sybil, X1, 1).await;
    recycle(&mut m, &sybil, &whale, x2).await;
    steer_next_job(&mut m, &whale, target, false).await;
    m.paid_job(&whale, &sybil, x2, 1).await;
    m.check_invariants().await;
    Env::ok(
        m.try_attest(job, &client, &victim, &att[0], Verdict::Valid, 100, &[])
            .await,
    );
    Env::ok(
        m.try_attest(
            job,
            &client,
            &victim,
            &att[1],
            Verdict::Valid,
            100,
            &[att[0].pubkey()],
        )
        .await,
    );
}

// =================================================================== 3. the attestor set

/// Promise: "the attestors who can judge a job are known when it is accepted"; nothing the
/// authority does changes a commitment already made. A removal takes effect `unbond_seconds`
/// after it is announced, which may be shorter than a job's run, challenge and dispute windows.
/// An attestor judges every job accepted while it was in office, so stripping a running job of
/// the attestors it was accepted under does not stop its dispute from reaching a Valid quorum.
#[tokio::test]
async fn attestors_removed_after_acceptance_still_judge_the_job() {
    let params = NetworkParams {
        unbond_seconds: 60,
        ..default_params()
    };
    let mut m = Market::with_params(Mints::MIXED, params).await;
    let att = m.attestors(3).await;
    let provider = m.provider(MIN_STAKE).await;
    let client = m.actor(1_000_000_000, 0).await;
    let job = m.running_job(&client, &provider, PRICE, 100).await;
    // After the accept, the authority removes two of the three attestors.
    for a in &att[..2] {
        let rm = ix::remove_attestor(m.authority.pubkey(), m.net.network, a.pubkey());
        Env::ok(m.authority_sends(rm).await);
    }
    m.env.warp_seconds(61).await;
    Env::ok(m.submit(&provider, job, 100).await);
    dispute(&mut m, &client, job).await;
    m.check_invariants().await;
    Env::ok(
        m.try_attest(job, &client, &provider, &att[0], Verdict::Valid, 100, &[])
            .await,
    );
    // The second removed attestor's vote makes the quorum of two: the provider is paid.
    let before = m.env.balance(&provider.payment).await;
    Env::ok(
        m.try_attest(
            job,
            &client,
            &provider,
            &att[1],
            Verdict::Valid,
            100,
            &[att[0].pubkey()],
        )
        .await,
    );
    assert!(m.env.balance(&provider.payment).await > before);
    m.check_invariants().await;
}

/// Refused: the authority adds an attestor after a job was accepted; it may not judge the job
/// (`AttestorNotYetActive`), even once its addition has taken effect.
#[tokio::test]
async fn an_attestor_added_after_acceptance_cannot_judge_the_job() {
    let params = NetworkParams {
        unbond_seconds: 60,
        ..default_params()
    };
    let mut m = Market::with_params(Mints::MIXED, params).await;
    let _att = m.attestors(2).await;
    let provider = m.provider(MIN_STAKE).await;
    let client = m.actor(1_000_000_000, 0).await;
    let job = m.running_job(&client, &provider, PRICE, 100).await;
    let late = m.attestors(1).await;
    Env::ok(m.submit(&provider, job, 100).await);
    dispute(&mut m, &client, job).await;
    assert_code(
        m.try_attest(job, &client, &provider, &late[0], Verdict::Invalid, 0, &[])
            .await,
        spice_err(SpiceError::AttestorNotYetActive),
    );
    m.check_invariants().await;
}

/// Refused: the deciding voter closes the earlier votes it is handed; it cannot send their rent
/// elsewhere, close one twice, pass its own vote, or pair a vote with another attestor's record.
#[tokio::test]
async fn the_deciding_voter_cannot_redirect_or_double_close_earlier_votes() {
    let mut m = Market::new(Mints::MIXED).await;
    let att = m.attestors(3).await;
    let provider = m.provider(MIN_STAKE).await;
    let client = m.actor(1_000_000_000, 0).await;
    let job = m.submitted_job(&client, &provider, PRICE, 100, 100).await;
    dispute(&mut m, &client, job).await;
    Env::ok(
        m.try_attest(job, &client, &provider, &att[0], Verdict::Valid, 100, &[])
            .await,
    );
    let (a, b, c) = (att[0].pubkey(), att[1].pubkey(), att[2].pubkey());
    let keys = m.settle_keys(job, &client, &provider).await;
    let net = m.net;
    let deciding = |triples: &[[Pubkey; 3]]| {
        let mut ix = ix::attest(
            &net,
            &keys,
            b,
            spice::instructions::AttestArgs {
                verdict: Verdict::Valid,
                measured_units: 100,
                evidence_hash: [5; 32],
                evidence_uri: String::new(),
            },
            &[],
        );
        for t in triples {
            ix.accounts
                .extend(t.iter().map(|k| AccountMeta::new(*k, false)));
        }
        ix
    };
    let vote_a = pda::attestation(&job, &a);
    let rec = |k: &Pubkey| pda::attestor(&net.network, k);
    let thief = Keypair::new().pubkey();
    let cases: [(&str, Vec<[Pubkey; 3]>, u32); 4] = [
        (
            "rent to a third party",
            vec![[vote_a, rec(&a), thief]],
            spice_err(SpiceError::InvalidAttestationAccount),
        ),
        (
            "another attestor's record",
            vec![[vote_a, rec(&c), a]],
            spice_err(SpiceError::InvalidAttestationAccount),
        ),
        (
            "its own vote",
            vec![[pda::attestation(&job, &b), rec(&b), b]],
            spice_err(SpiceError::InvalidAttestationAccount),
        ),
        (
            "the same vote twice",
            vec![[vote_a, rec(&a), a], [vote_a, rec(&a), a]],
            anchor_err(ErrorCode::AccountNotInitialized),
        ),
    ];
    for (what, triples, code) in cases {
        let ix = deciding(&triples);
        let res = send_as(&mut m, ix, &att[1]).await;
        match res {
            Ok(()) => panic!("{what}: accepted"),
            Err(e) => assert_eq!(spice_tests::custom_code(&e), Some(code), "{what}: {e:?}"),
        }
    }
    // The honest deciding vote returns the earlier vote's rent to its attestor.
    let rent = m.env.lamports(&vote_a).await;
    let before = m.env.lamports(&a).await;
    let ix = deciding(&[[vote_a, rec(&a), a]]);
    Env::ok(send_as(&mut m, ix, &att[1]).await);
    assert_eq!(m.env.lamports(&a).await - before, rent);
    m.check_invariants().await;
}

// =================================================================== 4. the mint issuer, wallets

/// Refused: a client makes its wallet an executable program after posting the job, so that no
/// lamports can be credited to it and every instruction ending the job (which returns the rent
/// to the client) would fail, blocking the provider's payment. Settlement goes through: the
/// rent lands in the client's record.
#[tokio::test]
async fn an_executable_client_wallet_blocks_no_payout() {
    let mut m = Market::new(Mints::MIXED).await;
    let provider = m.provider(MIN_STAKE).await;
    let client = m.actor(10_000_000, 0).await;
    let job = m.submitted_job(&client, &provider, PRICE, 10, 7).await;
    let rent = m.job_rent(&job).await;
    // The client's address now holds a deployed program (here a copy of SPL Token's).
    let mut program = m.env.runtime().account(&TOKEN_PROGRAM).expect("program");
    program.lamports = program.lamports.max(m.env.lamports(&client.key()).await);
    let wallet_lamports = program.lamports;
    m.env
        .runtime_mut()
        .set_account(client.key(), program)
        .expect("set account");
    let record = pda::client(&m.net.network, &client.key());
    let record_before = m.env.lamports(&record).await;
    let pay_before = m.env.balance(&m.net.payment_ata(&provider.key())).await;
    m.env.warp_seconds(DAY + 1).await;
    let keys = m.settle_keys(job, &client, &provider).await;
    Env::ok(m.env.send(&[ix::settle_job(&m.net, &keys)], &[]).await);
    let pay = m.env.balance(&m.net.payment_ata(&provider.key())).await - pay_before;
    assert_eq!(pay, 7 * PRICE - (7 * PRICE * 250).div_ceil(10_000));
    assert_eq!(m.env.lamports(&client.key()).await, wallet_lamports);
    assert_eq!(m.env.lamports(&record).await - record_before, rent);
    let record: Client = m.env.fetch(&record).await;
    assert_eq!(record.owed_payment, 0);
    m.check_invariants().await;
}

// =================================================================== 5. claims and reward books

/// Refused: claims with crafted page pairs — pages out of order or twice, an epoch page paired
/// with another page's provider page, another provider's page, a provider page in place of the
/// epoch page, an odd count, the epoch page of another network; then the honest claim pays each
/// epoch once, and a second claim (alone, or in the same transaction) finds nothing.
#[tokio::test]
async fn claims_refuse_crafted_page_pairs_and_pay_each_epoch_once() {
    let params = NetworkParams {
        claim_window_epochs: 40,
        ..curve_params()
    };
    let mut m = Market::with_params(Mints::MIXED, params).await;
    let other = m.second_network(2).await;
    m.fund_rewards(1_000_000).await;
    let a = m.provider(MIN_STAKE).await;
    let b = m.provider(MIN_STAKE).await;
    let client = m.actor(1_000_000_000, 0).await;
    m.paid_job(&client, &a, PRICE, 100).await;
    m.paid_job(&client, &b, PRICE, 100).await;
    m.warp_to_epoch(16).await;
    m.paid_job(&client, &a, PRICE, 300).await;
    m.warp_to_epoch(17).await;
    Env::ok(m.try_finalize(0).await);
    Env::ok(m.try_finalize(16).await);
    let fin = ix::finalize_epoch(&other, m.env.payer(), 0);
    Env::ok(m.env.send(&[fin], &[]).await);

    let net = m.net.network;
    let (pa, pb) = (m.provider_pda(&a.key()), m.provider_pda(&b.key()));
    let eb = |page: u64| pda::epoch_book(&net, page);
    let (a0, a1, b0) = (
        pda::provider_book(&pa, 0),
        pda::provider_book(&pa, 1),
        pda::provider_book(&pb, 0),
    );
    let cases: Vec<(&str, Vec<Pubkey>, u32)> = vec![
        (
            "no pages",
            vec![],
            spice_err(SpiceError::InvalidClaimAccounts),
        ),
        (
            "odd count",
            vec![eb(0)],
            spice_err(SpiceError::InvalidClaimAccounts),
        ),
        (
            "descending pages",
            vec![eb(1), a1, eb(0), a0],
            spice_err(SpiceError::InvalidClaimAccounts),
        ),
        (
            "the same page twice",
            vec![eb(0), a0, eb(0), a0],
            spice_err(SpiceError::InvalidClaimAccounts),
        ),
        (
            "epoch page 0 with provider page 1",
            vec![eb(0), a1],
            spice_err(SpiceError::NotYourProviderEpoch),
        ),
        (
            "another provider's page",
            vec![eb(0), b0],
            spice_err(SpiceError::NotYourProviderEpoch),
        ),
        (
            "another network's epoch page",
            vec![pda::epoch_book(&other.network, 0), a0],
            spice_err(SpiceError::NotYourProviderEpoch),
        ),
        (
            "a provider page as the epoch page",
            vec![a0, a0],
            anchor_err(ErrorCode::AccountDiscriminatorMismatch),
        ),
    ];
    for (what, remaining, code) in cases {
        let ix = claim_with(&m, &a, &remaining);
        match send_as(&mut m, ix, &a.kp).await {
            Ok(()) => panic!("{what}: accepted"),
            Err(e) => assert_eq!(spice_tests::custom_code(&e), Some(code), "{what}: {e:?}"),
        }
    }
    let want = {
        let (e0, e16) = (m.epoch(0).await, m.epoch(16).await);
        let (s0, s16) = (
            m.provider_entry(&a, 0).await.score,
            m.provider_entry(&a, 16).await.score,
        );
        (u128::from(e0.allocated) * s0 / e0.total_score
            + u128::from(e16.allocated) * s16 / e16.total_score) as u64
    };
    // Twice in one transaction: the second finds nothing and the whole transaction fails.
    let honest = claim_with(&m, &a, &[eb(0), a0, eb(1), a1]);
    assert_code(
        m.env
            .send(&[honest.clone(), honest.clone()], &[&a.kp])
            .await,
        spice_err(SpiceError::NothingToClaim),
    );
    let before = m.env.balance(&a.stake).await;
    Env::ok(send_as(&mut m, honest.clone(), &a.kp).await);
    assert_eq!(m.env.balance(&a.stake).await - before, want);
    assert_code(
        send_as(&mut m, honest, &a.kp).await,
        spice_err(SpiceError::NothingToClaim),
    );
    m.check_invariants().await;
}

/// Refused: a griefer pre-funds the reward accounts of the next book page (the epoch page, the
/// provider page, the shards of its first epoch) to block the first settlement and finalization
/// after a page boundary. Both go through, and one claim pays both sides of the boundary.
#[tokio::test]
async fn prefunded_accounts_across_a_page_boundary_block_nothing() {
    let mut m = Market::with_params(Mints::MIXED, curve_params()).await;
    m.fund_rewards(1_000_000).await;
    let provider = m.provider(MIN_STAKE).await;
    let client = m.actor(1_000_000_000, 0).await;
    let net = m.net.network;
    let pp = m.provider_pda(&provider.key());
    prefund(&mut m, pda::epoch_book(&net, 1), 2_000_000).await;
    prefund(&mut m, pda::provider_book(&pp, 1), 2_000_000).await;
    for s in 0..m.net.shard_count {
        prefund(&mut m, pda::epoch_shard(&net, 16, s), 1_000_000).await;
    }
    m.warp_to_epoch(15).await;
    m.paid_job(&client, &provider, PRICE, 100).await;
    m.warp_to_epoch(16).await;
    m.paid_job(&client, &provider, PRICE, 200).await;
    m.warp_to_epoch(17).await;
    Env::ok(m.try_finalize(15).await);
    Env::ok(m.try_finalize(16).await);
    let want = m.epoch(15).await.allocated + m.epoch(16).await.allocated;
    assert!(want > 0);
    let before = m.env.balance(&provider.stake).await;
    Env::ok(m.try_claim(&provider, &[15, 16]).await);
    assert_eq!(m.env.balance(&provider.stake).await - before, want);
    assert_eq!(page_of(15) + 1, page_of(16));
    m.check_invariants().await;
}

/// Refused, to the second: finalization in the last second of the epoch (`EpochNotEnded`); a
/// settlement in that second counts for that epoch, one in the next second for the next; an
/// epoch cannot close a second before its deadline (`ClaimWindowOpen`), from the deadline on
/// it closes (the breaker holding nobody back), and once closed nothing can be claimed
/// (`NothingToClaim`).
#[tokio::test]
async fn epoch_boundaries_hold_to_the_second() {
    let mut m = Market::with_params(Mints::MIXED, curve_params()).await;
    m.fund_rewards(1_000_000).await;
    let a = m.provider(MIN_STAKE).await;
    let b = m.provider(MIN_STAKE).await;
    let client = m.actor(1_000_000_000, 0).await;
    m.paid_job(&client, &b, PRICE, 100).await;
    let end = m.net.epoch_start(1);
    m.warp_to(end - 1).await;
    assert_code(
        m.try_finalize(0).await,
        spice_err(SpiceError::EpochNotEnded),
    );
    m.paid_job(&client, &a, PRICE, 100).await;
    assert_eq!(m.provider_entry(&a, 0).await.jobs, 1);
    m.warp_to(end).await;
    m.paid_job(&client, &a, PRICE, 100).await;
    assert_eq!(m.provider_entry(&a, 1).await.jobs, 1);
    Env::ok(m.try_finalize(0).await);
    let deadline = m.epoch(0).await.claim_deadline;
    m.warp_to(deadline - 1).await;
    assert_code(
        m.try_close_epoch(0).await,
        spice_err(SpiceError::ClaimWindowOpen),
    );
    Env::ok(m.try_claim(&a, &[0]).await);
    m.warp_to(deadline).await;
    Env::ok(m.try_close_epoch(0).await);
    assert_code(
        m.try_claim(&b, &[0]).await,
        spice_err(SpiceError::NothingToClaim),
    );
    m.check_invariants().await;
}

/// Refused: a griefer (or a provider's competitor) closes what still holds rewards: a shard of
/// an epoch not finalized (`AccountNotInitialized` before its book page exists,
/// `EpochNotFinalized` after), a provider page while its epochs run, while an epoch with work
/// in it is not finalized, or while its reward is unclaimed (`BookStillOpen`), an epoch before
/// its deadline (`ClaimWindowOpen`). Once claimed, the page closes, rent to its payer.
#[tokio::test]
async fn nothing_that_holds_rewards_can_be_closed_early() {
    let params = NetworkParams {
        claim_window_epochs: 40,
        ..curve_params()
    };
    let mut m = Market::with_params(Mints::MIXED, params).await;
    m.fund_rewards(1_000_000).await;
    let provider = m.provider(MIN_STAKE).await;
    let client = m.actor(1_000_000_000, 0).await;
    let pp = m.provider_pda(&provider.key());
    let crank = m.crank();
    let mut close_shards = Vec::new();
    for e in 0..2u64 {
        m.warp_to_epoch(e).await;
        m.paid_job(&client, &provider, PRICE, 100).await;
        let shard_no = m
            .shard_payers(e)
            .await
            .iter()
            .position(Option::is_some)
            .expect("a shard") as u8;
        close_shards.push(ix::close_epoch_shard(&m.net, e, shard_no, crank));
    }
    assert_code(
        m.env.send(&[close_shards[0].clone()], &[]).await,
        anchor_err(ErrorCode::AccountNotInitialized),
    );
    let close_book =
        |with_epoch_book| ix::close_provider_book(&m.net, pp, 0, crank, with_epoch_book);
    let (without, with) = (close_book(false), close_book(true));
    assert_code(
        m.env.send(std::slice::from_ref(&without), &[]).await,
        spice_err(SpiceError::BookStillOpen),
    );
    m.warp_to_epoch(2).await;
    Env::ok(m.try_finalize(0).await);
    assert_code(
        m.env.send(&[close_shards[1].clone()], &[]).await,
        spice_err(SpiceError::EpochNotFinalized),
    );
    // The page's epochs are over; epoch 1 (with work) is not finalized, epoch 0 not claimed.
    m.warp_to_epoch(16).await;
    assert_code(
        m.env.send(&[without], &[]).await,
        spice_err(SpiceError::BookStillOpen),
    );
    assert_code(
        m.env.send(std::slice::from_ref(&with), &[]).await,
        spice_err(SpiceError::BookStillOpen),
    );
    Env::ok(m.try_finalize(1).await);
    assert_code(
        m.env.send(std::slice::from_ref(&with), &[]).await,
        spice_err(SpiceError::BookStillOpen),
    );
    assert_code(
        m.try_close_epoch(1).await,
        spice_err(SpiceError::ClaimWindowOpen),
    );
    for close in close_shards {
        Env::ok(m.env.send(&[close], &[]).await);
    }
    Env::ok(m.try_claim(&provider, &[0, 1]).await);
    let rent = m.env.lamports(&pda::provider_book(&pp, 0)).await;
    let before = m.env.lamports(&crank).await;
    Env::ok(m.env.send(&[with], &[]).await);
    // The crank paid the transaction fee and got the page's rent back.
    assert!(m.env.lamports(&crank).await + 10_000 >= before + rent);
    assert!(!m.env.exists(&pda::provider_book(&pp, 0)).await);
    m.check_invariants().await;
}

/// Refused: the reward vault passed as the claim's own destination (the same account as two
/// mutable accounts), to count a reward as paid while it stays put
/// (`ConstraintDuplicateMutableAccount`).
#[tokio::test]
async fn the_reward_vault_cannot_be_its_own_claim_destination() {
    let mut m = Market::with_params(Mints::MIXED, curve_params()).await;
    m.fund_rewards(1_000_000).await;
    let provider = m.provider(MIN_STAKE).await;
    let client = m.actor(1_000_000_000, 0).await;
    m.paid_job(&client, &provider, PRICE, 100).await;
    m.warp_to_epoch(1).await;
    Env::ok(m.try_finalize(0).await);
    let vault = pda::reward_vault(&m.net.network);
    let ix = ix::claim_rewards(&m.net, provider.key(), vault, &[0]);
    assert_code(
        send_as(&mut m, ix, &provider.kp).await,
        anchor_err(ErrorCode::ConstraintDuplicateMutableAccount),
    );
    Env::ok(m.try_claim(&provider, &[0]).await);
    m.check_invariants().await;
}

// =================================================================== 6. one transaction

/// Refused: orderings inside one transaction. A self-dealer submits and approves at once to
/// settle before the audit draw exists (`AuditNotReady`), or submits and draws at once; a job
/// approved twice (`AccountNotInitialized`: it closed); a cancelled job's id reused in the same
/// transaction (`WrongJobId`: ids only grow).
#[tokio::test]
async fn one_transaction_orderings_are_refused() {
    let params = NetworkParams {
        audit_rate_bps: 5_000,
        ..default_params()
    };
    let mut m = Market::with_params(Mints::SINGLE, params).await;
    let w = m.provider(MIN_STAKE).await;
    let mint = m.net.payment_mint;
    m.env.mint_to(&mint, &w.payment, 10_000_000).await;
    let job = m.running_job(&w, &w, PRICE, 100).await;
    let submit = ix::submit_result(&m.net, w.key(), job, result_args(100));
    let keys = m.settle_keys(job, &w, &w).await;
    let approve = ix::approve_job(&m.net, &keys);
    assert_code(
        m.env
            .send(&[submit.clone(), approve.clone()], &[&w.kp])
            .await,
        spice_err(SpiceError::AuditNotReady),
    );
    assert_code(
        m.env
            .send(&[submit.clone(), ix::draw_audit(&m.net, job)], &[&w.kp])
            .await,
        spice_err(SpiceError::AuditNotReady),
    );
    // Approving twice: find a job the draw leaves unselected, then approve it twice at once.
    let mut unselected = None;
    for _ in 0..20 {
        let j = m.running_job(&w, &w, PRICE, 100).await;
        Env::ok(m.submit(&w, j, 100).await);
        m.env.warp_slots(2).await;
        Env::ok(m.env.send(&[ix::draw_audit(&m.net, j)], &[]).await);
        let state: spice::state::Job = m.env.fetch(&j).await;
        if state.audit == spice::state::AuditDraw::NotSelected {
            unselected = Some(j);
            break;
        }
    }
    let j = unselected.expect("an unselected draw in 20 tries at 50 %");
    let keys = m.settle_keys(j, &w, &w).await;
    let approve = ix::approve_job(&m.net, &keys);
    assert_code(
        m.env.send(&[approve.clone(), approve], &[&w.kp]).await,
        anchor_err(ErrorCode::AccountNotInitialized),
    );
    // Cancel and re-create at the same id in one transaction.
    let open = m.create_job(&w, PRICE, 1).await;
    let id: spice::state::Job = m.env.fetch(&open).await;
    let cancel = ix::cancel_job(&m.net, w.key(), open);
    let mut args = m.job_args(&w, PRICE, 1).await;
    args.job_id = id.job_id;
    let again = ix::create_job(&m.net, w.key(), w.payment, args);
    assert_code(
        m.env.send(&[cancel, again], &[&w.kp]).await,
        spice_err(SpiceError::WrongJobId),
    );
    m.check_invariants().await;
}

// =================================================================== 7. stake and the treasury

/// Refused: a provider with a running job tries every way out before the verdict: unbond all
/// (`ProviderHasActiveJobs`), close (`ProviderNotEmpty`), withdraw into its own stake vault to
/// turn stake into an untracked surplus (`ConstraintDuplicateMutableAccount`); what the locks do
/// not cover leaves, and the fraud verdict still slashes the whole lock.
#[tokio::test]
async fn stake_cannot_leave_ahead_of_the_verdict_by_any_route() {
    let params = NetworkParams {
        unbond_seconds: DAY,
        ..default_params()
    };
    let mut m = Market::with_params(Mints::MIXED, params).await;
    let att = m.attestors(2).await;
    let provider = m.provider(2 * MIN_STAKE).await;
    let client = m.actor(1_000_000_000, 0).await;
    let job = m.submitted_job(&client, &provider, PRICE, 100, 100).await;
    dispute(&mut m, &client, job).await;
    let lock = m.job_account(&job).await.slash_lock;
    assert_eq!(lock, 2 * MIN_STAKE / 10);
    let unbond = |amount| ix::begin_unbond(&m.net, provider.key(), amount);
    let (all, half) = (unbond(2 * MIN_STAKE), unbond(MIN_STAKE));
    assert_code(
        send_as(&mut m, all, &provider.kp).await,
        spice_err(SpiceError::ProviderHasActiveJobs),
    );
    let close = ix::close_provider(&m.net, provider.key(), provider.stake);
    assert_code(
        send_as(&mut m, close, &provider.kp).await,
        spice_err(SpiceError::ProviderNotEmpty),
    );
    Env::ok(send_as(&mut m, half, &provider.kp).await);
    m.env.warp_seconds(DAY).await;
    let vault = pda::stake_vault(&m.provider_pda(&provider.key()));
    let held = m.env.balance(&vault).await;
    let into_itself = ix::withdraw_unbonded(&m.net, provider.key(), vault);
    assert_code(
        send_as(&mut m, into_itself, &provider.kp).await,
        anchor_err(ErrorCode::ConstraintDuplicateMutableAccount),
    );
    let out = ix::withdraw_unbonded(&m.net, provider.key(), provider.stake);
    Env::ok(send_as(&mut m, out, &provider.kp).await);
    let held = held - MIN_STAKE;
    assert_eq!(m.env.balance(&vault).await, held);
    m.check_invariants().await;
    Env::ok(
        m.try_attest(job, &client, &provider, &att[0], Verdict::Invalid, 0, &[])
            .await,
    );
    Env::ok(
        m.try_attest(
            job,
            &client,
            &provider,
            &att[1],
            Verdict::Invalid,
            0,
            &[att[0].pubkey()],
        )
        .await,
    );
    assert_eq!(m.env.balance(&vault).await, held - lock);
    assert_eq!(
        m.provider_account(&provider.key())
            .await
            .stats
            .total_slashed,
        lock
    );
    m.check_invariants().await;
}

/// Refused: the authority points `withdraw_treasury` at the payouts vault, the reward vault or
/// a job's escrow (`ConstraintSeeds`).
#[tokio::test]
async fn the_treasury_withdrawal_reaches_no_other_vault() {
    let mut m = Market::new(Mints::SINGLE).await;
    let provider = m.provider(MIN_STAKE).await;
    let client = m.actor(1_000_000_000, 0).await;
    let job = m.running_job(&client, &provider, PRICE, 100).await;
    let mint = m.net.payment_mint;
    let treasury = m.net.payment_treasury();
    let dest = m.actor(0, 0).await;
    for vault in [
        m.net.payment_payouts(),
        pda::reward_vault(&m.net.network),
        pda::escrow_vault(&job),
    ] {
        let mut ix = ix::withdraw_treasury(m.authority.pubkey(), &m.net, mint, dest.payment, 1);
        substitute(&mut ix, &treasury, &vault);
        assert_code(
            m.authority_sends(ix).await,
            anchor_err(ErrorCode::ConstraintSeeds),
        );
    }
    m.check_invariants().await;
}

// =================================================================== 8. economics at the edges

/// Refused by the economics: a self-dealer farming rounding with dust jobs (price 1, one unit)
/// pays a fee of 1 on each (rounded up) and scores nothing an epoch allocates.
#[tokio::test]
async fn dust_jobs_cannot_farm_rounding() {
    let mut m = Market::with_params(Mints::SINGLE, curve_params()).await;
    m.fund_rewards(1_000_000).await;
    let w = m.provider(MIN_STAKE).await;
    let mint = m.net.payment_mint;
    m.env.mint_to(&mint, &w.payment, 1_000).await;
    let before = m.env.balance(&w.payment).await;
    for _ in 0..50 {
        m.paid_job(&w, &w, 1, 1).await;
    }
    m.warp_to_epoch(1).await;
    Env::ok(m.try_finalize(0).await);
    assert_eq!(m.epoch(0).await.allocated, 0);
    let _ = m.try_claim(&w, &[0]).await;
    assert_eq!(before - m.env.balance(&w.payment).await, 50);
    m.check_invariants().await;
}

/// Refused by the curve: splitting a stake over two sybil providers and the work over both
/// earns less than one provider with the whole stake doing all of it (concave multiplier).
#[tokio::test]
async fn sybil_splitting_never_earns_more() {
    let mut m = Market::with_params(Mints::MIXED, curve_params()).await;
    m.fund_rewards(10_000_000).await;
    let whole = m.provider(100 * MIN_STAKE).await;
    let half1 = m.provider(50 * MIN_STAKE).await;
    let half2 = m.provider(50 * MIN_STAKE).await;
    let client = m.actor(1_000_000_000, 0).await;
    for _ in 0..2 {
        m.paid_job(&client, &whole, PRICE, 100).await;
    }
    m.paid_job(&client, &half1, PRICE, 100).await;
    m.paid_job(&client, &half2, PRICE, 100).await;
    m.warp_to_epoch(1).await;
    Env::ok(m.try_finalize(0).await);
    let mut got = Vec::new();
    for p in [&whole, &half1, &half2] {
        let before = m.env.balance(&p.stake).await;
        Env::ok(m.try_claim(p, &[0]).await);
        got.push(m.env.balance(&p.stake).await - before);
    }
    assert!(got[1] + got[2] < got[0], "split {got:?}");
    m.check_invariants().await;
}
