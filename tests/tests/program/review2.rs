//! The second outside review: attacks on the promises of docs/DESIGN.md, docs/ECONOMICS.md and
//! SECURITY.md by every actor, written by a reviewer who saw only the code and the docs. Each of
//! its breaks was fixed; the tests now assert the promise (a refusal, or that nobody loses what
//! it earned). Two findings are design limits rather than breaks and are pinned as such
//! (`known_limit_*`, documented in SECURITY.md); `refused_*` are the attacks the program
//! refused from the start.

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::AccountMeta;
use solana_sdk::signature::{Keypair, Signer};
use spice::constants::PAUSE_CLAIM;
use spice::errors::SpiceError;
use spice::state::{EpochStatus, NetworkParams, Verdict};
use spice_sdk::{ix, pda};
use spice_tests::market::{default_params, Actor, Market, Mints, DAY, MIN_STAKE};
use spice_tests::rewards::curve_params;
use spice_tests::{assert_code, spice_err, Env};

const HOUR: i64 = 3_600;
const PRICE: u64 = 1_000;
const BIG_PRICE: u64 = 1_000_000;
const E0: u64 = 100_000;

// ------------------------------------------------------------------ helpers

/// Hourly epochs, no decay, a breaker window of one epoch and its cap at the floor the program
/// computes for these parameters.
fn hourly_at_floor() -> NetworkParams {
    let p = NetworkParams {
        epoch_seconds: HOUR,
        outflow_window_seconds: HOUR,
        initial_emission: E0,
        tail_emission: E0,
        emission_decay_bps: 0,
        max_reward_outflow_per_window: 0,
        ..curve_params()
    };
    NetworkParams {
        max_reward_outflow_per_window: p.min_reward_outflow_per_window(),
        ..p
    }
}

// =================================================================== finding 2

/// Promise (ECONOMICS.md, I2): "faked units lose" because the exposure limit λ keeps every unit
/// of stake behind at most λ of unfinished value, at the job's own audit rate, slash and rate
/// cap. Attack: post fake jobs under bootstrap terms while a move to the fee-covered region (no
/// exposure limit) is pending, and accept them once it applies. A job keeps the exposure limit
/// it was posted under (`JobTerms::max_exposure_bps`) and `accept_job` applies the tighter of it
/// and the network's: refused.
#[tokio::test]
async fn jobs_posted_under_a_tight_exposure_limit_keep_it_after_the_limit_is_lifted() {
    let bootstrap = NetworkParams {
        m_max_bps: 20_000,
        reward_rate_cap_bps: 1_000,
        reference_price: PRICE,
        audit_rate_bps: 2_500,
        slash_bps: 5_000,
        slash_client_share_bps: 5_000,
        max_exposure_bps: 4_761,
        unbond_seconds: DAY,
        max_accept_seconds: 2 * DAY,
        ..default_params()
    };
    bootstrap.validate_for(true).expect("bootstrap parameters");
    let fee_covered = NetworkParams {
        reward_rate_cap_bps: 80,
        max_exposure_bps: 0,
        ..bootstrap
    };
    fee_covered
        .validate_for(true)
        .expect("fee-covered parameters");
    let mut m = Market::with_params(Mints::SINGLE, bootstrap).await;
    m.fund_rewards(100_000_000_000).await;
    m.attestors(2).await;
    let stake = 16 * MIN_STAKE;
    let w = m.provider(stake).await; // the self-dealer: provider and client at once
    let units = 1_000_000u64; // value 1e9 = 131× what λ allows (0.4761 × 16e6 = 7.6e6)
    let mint = m.net.payment_mint;
    m.env.mint_to(&mint, &w.payment, 8 * PRICE * units).await;
    // The move to the fee-covered region is announced; the self-dealer posts its fake now.
    Env::ok(m.try_propose_params(Some(fee_covered)).await);
    let mut args = m.job_args(&w, PRICE, units).await;
    args.accept_seconds = 2 * DAY;
    let (fake, res) = m.try_create_job(&w, args).await;
    Env::ok(res);
    assert_eq!(m.job_account(&fake).await.terms.max_exposure_bps, 4_761);
    m.env.warp_seconds(DAY + 1).await;
    Env::ok(m.try_apply_params().await);
    assert_eq!(m.network().await.params.max_exposure_bps, 0);
    // Its own limit still applies.
    assert_code(
        m.accept(&w, fake).await,
        spice_err(SpiceError::ExposureLimit),
    );
    // A job posted under the new terms has no limit and no bootstrap rewards: accepted.
    let fresh = m.create_job(&w, PRICE, units).await;
    Env::ok(m.accept(&w, fresh).await);
    m.check_invariants().await;
}

// =================================================================== finding 3

/// Promise (DESIGN.md): "An attestor judges exactly the jobs accepted while it was in office,
/// even after its removal took effect; the authority can neither add a judge to a running job
/// nor take one away." Attack: the authority (with a client that disputes honest work) removes
/// a judge of the job and re-adds it, which would start a new term and strip it from the job.
/// A removed key is never added again (`AttestorRetired`), so it keeps judging the job and the
/// honest provider is paid.
#[tokio::test]
async fn readding_a_removed_attestor_is_refused_and_it_keeps_judging_its_jobs() {
    let params = NetworkParams {
        unbond_seconds: 60,
        ..default_params()
    };
    let mut m = Market::with_params(Mints::MIXED, params).await;
    let att = m.attestors(2).await; // quorum 2: both are needed
    let provider = m.provider(MIN_STAKE).await;
    let client = m.actor(1_000_000_000, 0).await;
    let job = m.submitted_job(&client, &provider, PRICE, 100, 100).await;
    let dispute = ix::dispute_job(&m.net, client.key(), job);
    Env::ok(m.env.send(&[dispute], &[&client.kp]).await);
    Env::ok(
        m.try_attest(job, &client, &provider, &att[1], Verdict::Valid, 100, &[])
            .await,
    );
    let x = att[0].pubkey();
    let rm = ix::remove_attestor(m.authority.pubkey(), m.net.network, x);
    Env::ok(m.authority_sends(rm).await);
    m.env.warp_seconds(61).await;
    let add = ix::add_attestor(m.authority.pubkey(), m.net.network, x);
    assert_code(
        m.authority_sends(add).await,
        spice_err(SpiceError::AttestorRetired),
    );
    m.env.warp_seconds(61).await;
    let before = m.env.balance(&provider.payment).await;
    Env::ok(
        m.try_attest(
            job,
            &client,
            &provider,
            &att[0],
            Verdict::Valid,
            100,
            &[att[1].pubkey()],
        )
        .await,
    );
    assert!(!m.env.exists(&job).await, "the job settled");
    assert!(m.env.balance(&provider.payment).await > before);
    m.check_invariants().await;
}

// =================================================================== finding 4

/// Promise (DESIGN.md): "Nothing the authority does changes a commitment already made"; earned
/// rewards are never forfeited. The claim window of an epoch is read when it is finalized,
/// which may be after a proposal applies; so the window may only grow: a shorter one is refused
/// at proposal (`ClaimWindowCut`), and the work keeps its eight epochs.
#[tokio::test]
async fn a_claim_window_cannot_be_cut_after_the_work() {
    let params = NetworkParams {
        unbond_seconds: DAY,
        ..curve_params()
    };
    let mut m = Market::with_params(Mints::MIXED, params).await;
    m.fund_rewards(100 * E0).await;
    let provider = m.provider(MIN_STAKE).await;
    let client = m.actor(1_000_000_000, 0).await;
    m.paid_job(&client, &provider, PRICE, 1_000).await;
    assert_code(
        m.try_propose_params(Some(NetworkParams {
            claim_window_epochs: 1,
            ..params
        }))
        .await,
        spice_err(SpiceError::ClaimWindowCut),
    );
    m.warp_to_epoch(1).await;
    Env::ok(m.try_finalize(0).await);
    let entry = m.epoch(0).await;
    assert!(entry.allocated > 0);
    assert!(entry.claim_deadline >= m.net.epoch_start(9));
    m.warp_to_epoch(3).await;
    let before = m.env.balance(&provider.stake).await;
    Env::ok(m.try_claim(&provider, &[0]).await);
    assert_eq!(
        m.env.balance(&provider.stake).await - before,
        entry.allocated
    );
    m.check_invariants().await;
}

// =================================================================== finding 5

/// KNOWN LIMIT (SECURITY.md, "Known limitations"): at an even quorum one colluding attestor
/// moves the settled units by up to half. "One vote decides nothing" holds for the verdict (a
/// verdict needs `attestation_quorum` votes of the same kind), not for the units: at an even
/// quorum (2, the test default), a
/// Valid verdict settles at the mean of the two Valid votes' units, so the first Valid vote
/// fixes up to half of the payment: a client's colluding attestor votes "Valid, 0 units" on a
/// disputed honest job, the next honest Valid vote completes the quorum, and the job settles
/// for half the work. The provider is paid for 50 of its 100 verified units, the client gets
/// the other half back; the third (honest) attestor never gets a say, and the colluder's vote
/// is not even counted "against the outcome".
#[tokio::test]
async fn known_limit_one_colluding_attestor_halves_an_honest_providers_pay_at_quorum_two() {
    let mut m = Market::new(Mints::MIXED).await;
    assert_eq!(m.network().await.params.attestation_quorum, 2);
    let att = m.attestors(3).await;
    let provider = m.provider(MIN_STAKE).await;
    let client = m.actor(1_000_000_000, 0).await;
    let job = m.submitted_job(&client, &provider, PRICE, 100, 100).await;
    let dispute = ix::dispute_job(&m.net, client.key(), job);
    Env::ok(m.env.send(&[dispute], &[&client.kp]).await);
    let pay_before = m.env.balance(&provider.payment).await;
    let client_before = m.env.balance(&client.payment).await;
    // The client's attestor: "valid, but nothing was done".
    Env::ok(
        m.try_attest(job, &client, &provider, &att[0], Verdict::Valid, 0, &[])
            .await,
    );
    // An honest attestor measures the 100 units; its vote completes the Valid quorum.
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
    assert!(!m.env.exists(&job).await, "the job settled");
    let paid = m.env.balance(&provider.payment).await - pay_before;
    let refunded = m.env.balance(&client.payment).await - client_before;
    let gross = 50 * PRICE;
    assert_eq!(paid, gross - (gross * 250).div_ceil(10_000));
    assert_eq!(refunded, 50 * PRICE);
    let rec: spice::state::Attestor = m
        .env
        .fetch(&pda::attestor(&m.net.network, &att[0].pubkey()))
        .await;
    assert_eq!(rec.votes_against_outcome, 0);
    println!("provider paid {paid} for 100 verified units; client refunded {refunded}");
    m.check_invariants().await;
}

// =================================================================== finding 6

/// KNOWN LIMIT (SECURITY.md, "Known limitations"; a griefing cost the design leaves at zero).
/// A provider that accepts a job and
/// never submits loses nothing but a line in its statistics: no slash, its lock released. In
/// the fee-covered region (`max_exposure_bps = 0`, the default network) a griefer with the
/// minimum stake can therefore accept every open job of the market and sit on each for its
/// whole run time: the clients cannot cancel (the job is no longer Open) and get their escrow
/// back only after the completion deadline, with no compensation.
#[tokio::test]
async fn known_limit_a_griefer_provider_sits_on_open_jobs_until_their_run_time_ends() {
    let mut m = Market::new(Mints::MIXED).await;
    let griefer = m.provider(MIN_STAKE).await;
    let client = m.actor(1_000_000_000_000, 0).await;
    let mut jobs = Vec::new();
    for _ in 0..5 {
        let mut args = m.job_args(&client, 1_000_000, 1_000).await; // 1e9 each
        args.run_seconds = 2 * DAY;
        let (job, res) = m.try_create_job(&client, args).await;
        Env::ok(res);
        Env::ok(m.accept(&griefer, job).await);
        jobs.push(job);
    }
    for job in &jobs {
        let cancel = ix::cancel_job(&m.net, client.key(), *job);
        assert_code(
            m.env.send(&[cancel], &[&client.kp]).await,
            spice_err(SpiceError::InvalidJobState),
        );
    }
    m.env.warp_seconds(2 * DAY + 1).await;
    for job in &jobs {
        Env::ok(m.expire(*job, &client, Some(&griefer)).await);
    }
    let p = m.provider_account(&griefer.key()).await;
    assert_eq!(p.stake, MIN_STAKE, "the griefer lost nothing");
    assert_eq!(p.stats.jobs_failed, 5);
    assert_eq!(p.status, spice::state::ProviderStatus::Active);
    m.check_invariants().await;
}

// =================================================================== finding 7

/// Promise (SECURITY.md, DESIGN.md Rewards): "Earned rewards are never forfeited"; "an epoch
/// finalized late gets a full claim window from its finalization". Attack: a provider A that
/// alone worked through a stretch of epochs does not finalize them, then finalizes them all the
/// moment provider B's epoch becomes claimable, and claims first in every breaker bucket so that
/// B's epoch expires behind A's backlog. No epoch closes while the breaker was saturated in the
/// last two spans (`RewardOutflowBusy`): B, claiming right after A in every bucket, is held back
/// but not forfeited, and everyone is paid in full.
#[tokio::test]
async fn a_withheld_finalization_backlog_cannot_starve_a_promptly_finalized_epoch() {
    let params = hourly_at_floor();
    let cap = params.max_reward_outflow_per_window;
    let a_epochs = 8 * cap / E0;
    let mut m = Market::with_params(Mints::MIXED, params).await;
    m.fund_rewards(400 * E0).await;
    let a = m.provider(MIN_STAKE).await;
    let b = m.provider(MIN_STAKE).await;
    let client = m.actor(1_000_000_000_000_000, 0).await;
    for e in 0..a_epochs {
        m.warp_to_epoch(e).await;
        m.paid_job(&client, &a, BIG_PRICE, 50).await; // nobody finalizes these
    }
    let b_epoch = a_epochs;
    m.warp_to_epoch(b_epoch).await;
    m.paid_job(&client, &b, BIG_PRICE, 50).await;
    m.warp_to_epoch(b_epoch + 1).await;
    Env::ok(m.try_finalize(b_epoch).await);
    for e in 0..a_epochs {
        Env::ok(m.try_finalize(e).await);
    }
    let b_deadline = m.epoch(b_epoch).await.claim_deadline;
    let a_list: Vec<u64> = (0..a_epochs).collect();
    let (mut a_paid, mut b_paid, mut refused_busy) = (0, 0, 0);
    for e in b_epoch + 1..=b_epoch + 12 {
        m.warp_to_epoch(e).await;
        for _ in 0..8 {
            a_paid += m.claim_now(&a, &a_list).await;
            b_paid += m.claim_now(&b, &[b_epoch]).await;
            // Past B's deadline, while B is still owed, its epoch cannot be closed.
            if m.env.now().await >= b_deadline && b_paid < E0 {
                assert_code(
                    m.try_close_epoch(b_epoch).await,
                    spice_err(SpiceError::RewardOutflowBusy),
                );
                refused_busy += 1;
            }
            m.env.warp_seconds(HOUR / 8).await;
        }
    }
    m.check_invariants().await;
    assert!(
        refused_busy > 0,
        "B was paid before its deadline: no starvation tried"
    );
    assert_eq!((a_paid, b_paid), (a_epochs * E0, E0));
    assert_eq!(close_all_and_count_unpaid(&mut m, 0..=b_epoch).await, 0);
}

/// Closes every epoch of `epochs` once the breaker has been idle for two spans and their
/// deadlines passed; returns what they allocated and nobody claimed.
async fn close_all_and_count_unpaid(m: &mut Market, epochs: std::ops::RangeInclusive<u64>) -> u64 {
    let span = spice::window::span_seconds(HOUR).expect("span");
    m.env.warp_seconds(2 * span + 1).await;
    let mut unpaid = 0;
    for e in epochs {
        let entry = m.epoch(e).await;
        let network = m.network().await;
        let now = m.env.now().await;
        let deadline = entry
            .effective_deadline(network.claims_paused_total(now).expect("paused"))
            .expect("deadline");
        m.warp_to(deadline).await;
        Env::ok(m.try_close_epoch(e).await);
        let closed = m.epoch(e).await;
        unpaid += closed.allocated - closed.claimed;
    }
    unpaid
}

/// The same root without any malice: a day-long crank outage on an hourly network, 24 epochs
/// of work finalized together when the crank comes back. Each gets a full window from its
/// finalization, and the breaker at its floor lets out two epochs' emission per epoch, so the
/// backlog outlasts the windows; the provider claims at every bucket and is paid everything,
/// because no epoch closes while the breaker holds it back.
#[tokio::test]
async fn a_crank_outage_forfeits_nothing_for_a_provider_claiming_every_bucket() {
    let params = hourly_at_floor();
    let mut m = Market::with_params(Mints::MIXED, params).await;
    m.fund_rewards(400 * E0).await;
    let a = m.provider(MIN_STAKE).await;
    let client = m.actor(1_000_000_000_000_000, 0).await;
    let outage = 24u64;
    for e in 0..outage {
        m.warp_to_epoch(e).await;
        m.paid_job(&client, &a, BIG_PRICE, 50).await;
    }
    m.warp_to_epoch(outage).await;
    for e in 0..outage {
        Env::ok(m.try_finalize(e).await);
    }
    let all: Vec<u64> = (0..outage).collect();
    let mut paid = 0;
    for e in outage..=outage + 13 {
        m.warp_to_epoch(e).await;
        for _ in 0..8 {
            paid += m.claim_now(&a, &all).await;
            m.env.warp_seconds(HOUR / 8).await;
        }
    }
    assert_eq!(paid, outage * E0);
    assert_eq!(close_all_and_count_unpaid(&mut m, 0..=outage - 1).await, 0);
    m.check_invariants().await;
}

/// The pause promise, "a pause can delay a reward, never make it expire", for epochs that
/// ended during a claim pause but are finalized after the resume (a crank that stopped with the
/// incident): the drain granted at the resume does not cover them, but no epoch closes while
/// the breaker holds a claimer back, so the provider claiming at every bucket is paid all.
#[tokio::test]
async fn epochs_of_a_pause_finalized_after_the_resume_do_not_expire() {
    let params = hourly_at_floor();
    let mut m = Market::with_params(Mints::MIXED, params).await;
    m.fund_rewards(400 * E0).await;
    let a = m.provider(MIN_STAKE).await;
    let client = m.actor(1_000_000_000_000_000, 0).await;
    m.set_pause(PAUSE_CLAIM).await;
    let paused = 24u64;
    for e in 0..paused {
        m.warp_to_epoch(e).await;
        m.paid_job(&client, &a, BIG_PRICE, 50).await;
    }
    m.warp_to_epoch(paused).await;
    m.set_pause(0).await;
    for e in 0..paused {
        Env::ok(m.try_finalize(e).await);
    }
    let all: Vec<u64> = (0..paused).collect();
    let mut paid = 0;
    for e in paused..=paused + 13 {
        m.warp_to_epoch(e).await;
        for _ in 0..8 {
            paid += m.claim_now(&a, &all).await;
            m.env.warp_seconds(HOUR / 8).await;
        }
    }
    assert_eq!(paid, paused * E0);
    assert_eq!(close_all_and_count_unpaid(&mut m, 0..=paused - 1).await, 0);
    m.check_invariants().await;
}

// =================================================================== finding 8

/// Promise (ECONOMICS.md, I2 and "Wash trading with fake units"): "Audited (a): attestors find
/// nothing, the job is fraudulent ... and loses (1 − c)·σ·S". A job can be judged only by
/// attestors in office when it was accepted, and an addition takes office `unbond_seconds`
/// later. Attack: on a fresh bootstrap network, accept fake jobs before any attestor takes
/// office, so that an audit can never judge them. Where a job's rewards can exceed its fee,
/// `accept_job` requires a quorum of attestors in office (`TooFewAttestors`).
#[tokio::test]
async fn fake_units_cannot_be_accepted_before_a_quorum_of_attestors_takes_office() {
    let bootstrap = NetworkParams {
        m_max_bps: 20_000,
        reward_rate_cap_bps: 1_000,
        reference_price: PRICE,
        audit_rate_bps: 2_500,
        slash_bps: 5_000,
        slash_client_share_bps: 5_000,
        max_exposure_bps: 4_761,
        unbond_seconds: DAY,
        ..default_params()
    };
    let mut m = Market::with_params(Mints::SINGLE, bootstrap).await;
    m.fund_rewards(100_000_000_000).await;
    // The authority adds two attestors at once (quorum 2); they take office a day later.
    m.attestors_pending(2).await;
    assert_eq!(m.network().await.attestors_in_office(m.env.now().await), 0);
    let w = m.provider(16 * MIN_STAKE).await;
    let mint = m.net.payment_mint;
    m.env.mint_to(&mint, &w.payment, 100_000_000).await;
    let job = m.create_job(&w, PRICE, 1_000).await;
    assert_code(
        m.accept(&w, job).await,
        spice_err(SpiceError::TooFewAttestors),
    );
    // Once they are in office, jobs are accepted.
    m.env.warp_seconds(DAY).await;
    assert_eq!(m.network().await.attestors_in_office(m.env.now().await), 2);
    let job = m.create_job(&w, PRICE, 1_000).await;
    Env::ok(m.accept(&w, job).await);
    m.check_invariants().await;
}

// =================================================================== refused attacks

// =================================================================== refused: pause backlog

/// REFUSED (the working tree's drain fix holds). Promise (DESIGN.md): "a pause can delay a
/// reward, never make it expire". Attack: when claims resume, provider A holds the pause's
/// backlog (deadlines extended) and claims first at the start of every breaker bucket, taking
/// everything the breaker lets out, while provider B works from the resume on and claims right
/// after A in every bucket; the attack wants B's post-resume epochs to expire. With every
/// deadline moving until the drain ends (`claims_drain_until`) and a cap of twice the largest
/// emission per epoch, nothing of B's expires.
#[tokio::test]
async fn refused_claim_pause_backlog_starving_epochs_finalized_after_resume() {
    let params = hourly_at_floor();
    params.validate().expect("valid parameters");
    let mut m = Market::with_params(Mints::MIXED, params).await;
    m.fund_rewards(400 * E0).await;
    let a = m.provider(MIN_STAKE).await;
    let b = m.provider(MIN_STAKE).await;
    let client = m.actor(1_000_000_000_000_000, 0).await;
    // The authority pauses claims for twenty epochs; A works, cranks finalize.
    m.set_pause(PAUSE_CLAIM).await;
    for e in 0..20u64 {
        m.warp_to_epoch(e).await;
        if e > 0 {
            Env::ok(m.try_finalize(e - 1).await);
        }
        m.paid_job(&client, &a, BIG_PRICE, 50).await;
    }
    m.warp_to_epoch(20).await;
    Env::ok(m.try_finalize(19).await);
    m.set_pause(0).await;
    let a_epochs: Vec<u64> = (0..20).collect();
    // From the resume on, B works every epoch; A claims first in every bucket, then B.
    let mut b_paid = 0u64;
    let last_work = 32u64;
    for e in 20..=last_work + 10 {
        m.warp_to_epoch(e).await;
        if e > 20 {
            Env::ok(m.try_finalize(e - 1).await);
        }
        if e < last_work {
            m.paid_job(&client, &b, BIG_PRICE, 50).await;
        }
        let b_open: Vec<u64> = (20..e.min(last_work)).collect();
        for _ in 0..8 {
            m.claim_now(&a, &a_epochs).await;
            b_paid += m.claim_now(&b, &b_open).await;
            m.env.warp_seconds(HOUR / 8).await;
        }
    }
    m.check_invariants().await;
    // B's first epochs are past their deadlines: closing them returns B's rewards to the pool.
    let mut b_lost = 0u64;
    for e in 20..24u64 {
        let entry = m.epoch(e).await;
        let network = m.network().await;
        let now = m.env.now().await;
        let deadline = entry
            .effective_deadline(network.claims_paused_total(now).expect("paused"))
            .expect("deadline");
        if now >= deadline {
            Env::ok(m.try_close_epoch(e).await);
            let closed = m.epoch(e).await;
            assert_eq!(closed.status, EpochStatus::Closed);
            b_lost += closed.allocated - closed.claimed;
        }
    }
    let a_owed: u64 = {
        let mut s = 0;
        for e in 0..20u64 {
            let en = m.epoch(e).await;
            s += en.allocated - en.claimed;
        }
        s
    };
    println!("B paid {b_paid}, B's rewards expired unpaid {b_lost}, A still owed {a_owed}");
    assert_eq!(b_lost, 0, "B's rewards expired");
    assert_eq!(b_paid, 12 * E0);
    // A lost nothing: every one of its epochs is still open or fully claimed.
    for e in 0..20u64 {
        assert_eq!(m.epoch(e).await.status, EpochStatus::Open);
    }
}

/// REFUSED: the authority cannot re-add an attestor while its removal is pending (which would
/// reset its term before the removal took effect), nor after.
#[tokio::test]
async fn refused_readding_an_attestor_before_its_removal_takes_effect() {
    let params = NetworkParams {
        unbond_seconds: 60,
        ..default_params()
    };
    let mut m = Market::with_params(Mints::MIXED, params).await;
    let att = m.attestors(1).await;
    let x = att[0].pubkey();
    let rm = ix::remove_attestor(m.authority.pubkey(), m.net.network, x);
    Env::ok(m.authority_sends(rm).await);
    let add = ix::add_attestor(m.authority.pubkey(), m.net.network, x);
    assert_code(
        m.authority_sends(add).await,
        spice_err(SpiceError::AttestorRetired),
    );
}

/// REFUSED: a self-dealing provider cannot settle in the slot it submits in (the draw is not
/// ready) to dodge the audit, nor draw twice.
#[tokio::test]
async fn refused_approving_in_the_submit_slot_and_redrawing() {
    let params = NetworkParams {
        audit_rate_bps: 5_000,
        ..default_params()
    };
    let mut m = Market::with_params(Mints::MIXED, params).await;
    let w = m.provider(MIN_STAKE).await;
    let mint = m.net.payment_mint;
    m.env.mint_to(&mint, &w.payment, 1_000_000).await;
    let job = m.running_job(&w, &w, PRICE, 10).await;
    let keys = m.settle_keys(job, &w, &w).await;
    let submit = ix::submit_result(&m.net, w.key(), job, spice_tests::market::result_args(10));
    let approve = ix::approve_job(&m.net, &keys);
    assert_code(
        m.env.send(&[submit, approve], &[&w.kp]).await,
        spice_err(SpiceError::AuditNotReady),
    );
    Env::ok(m.submit(&w, job, 10).await);
    assert_code(
        m.env.send(&[ix::draw_audit(&m.net, job)], &[]).await,
        spice_err(SpiceError::AuditNotReady),
    );
    m.env.warp_slots(2).await;
    Env::ok(m.env.send(&[ix::draw_audit(&m.net, job)], &[]).await);
    m.env.warp_slots(2).await;
    assert_code(
        m.env.send(&[ix::draw_audit(&m.net, job)], &[]).await,
        spice_err(SpiceError::AuditAlreadyDrawn),
    );
}

/// REFUSED: a provider's owner cannot judge its own job even when the authority made its wallet
/// an attestor; the client cannot either.
#[tokio::test]
async fn refused_parties_attesting_their_own_job() {
    let mut m = Market::new(Mints::MIXED).await;
    let provider = m.provider(MIN_STAKE).await;
    let client = m.actor(1_000_000_000, 0).await;
    for key in [provider.key(), client.key()] {
        let add = ix::add_attestor(m.authority.pubkey(), m.net.network, key);
        Env::ok(m.authority_sends(add).await);
    }
    let delay = m.network().await.params.unbond_seconds;
    m.env.warp_seconds(delay).await;
    let job = m.submitted_job(&client, &provider, PRICE, 10, 10).await;
    let dispute = ix::dispute_job(&m.net, client.key(), job);
    Env::ok(m.env.send(&[dispute], &[&client.kp]).await);
    let pk = provider.kp.insecure_clone();
    let ck = client.kp.insecure_clone();
    for kp in [&pk, &ck] {
        assert_code(
            m.try_attest(job, &client, &provider, kp, Verdict::Valid, 10, &[])
                .await,
            spice_err(SpiceError::ConflictOfInterest),
        );
    }
}

/// REFUSED: finalization with a shard left out, substituted by another address, or passed out
/// of order (a crank trying to drop a competitor's shard from the epoch's totals).
#[tokio::test]
async fn refused_finalizing_without_every_shard() {
    let mut m = Market::with_params(Mints::MIXED, curve_params()).await;
    m.fund_rewards(10 * E0).await;
    let provider = m.provider(MIN_STAKE).await;
    let client = m.actor(1_000_000_000, 0).await;
    m.paid_job(&client, &provider, PRICE, 1_000).await;
    m.warp_to_epoch(1).await;
    let payer = m.env.payer();
    let good = ix::finalize_epoch(&m.net, payer, 0);
    let n = good.accounts.len();
    let shard_count = m.net.shard_count as usize;
    let mut short = good.clone();
    short.accounts.truncate(n - 1);
    let mut swapped = good.clone();
    swapped.accounts.swap(n - 1, n - 2);
    let mut foreign = good.clone();
    foreign.accounts[n - shard_count] = AccountMeta::new_readonly(Pubkey::new_unique(), false);
    let mut other_epoch = good.clone();
    other_epoch.accounts[n - shard_count] =
        AccountMeta::new_readonly(pda::epoch_shard(&m.net.network, 1, 0), false);
    for bad in [short, swapped, foreign, other_epoch] {
        assert_code(
            m.env.send(&[bad], &[]).await,
            spice_err(SpiceError::InvalidShardAccounts),
        );
    }
    Env::ok(m.env.send(&[good], &[]).await);
    assert!(m.epoch(0).await.total_weight > 0);
}

/// REFUSED: a crank closes a provider's book page that still holds an unclaimed reward, by
/// leaving out the network's page (the optional account) or passing it.
#[tokio::test]
async fn refused_closing_a_book_page_with_an_unpaid_reward() {
    let params = NetworkParams {
        claim_window_epochs: 20,
        ..curve_params()
    };
    let mut m = Market::with_params(Mints::MIXED, params).await;
    m.fund_rewards(10 * E0).await;
    let provider = m.provider(MIN_STAKE).await;
    let client = m.actor(1_000_000_000, 0).await;
    m.paid_job(&client, &provider, PRICE, 1_000).await;
    m.warp_to_epoch(1).await;
    Env::ok(m.try_finalize(0).await);
    m.warp_to_epoch(17).await; // page 0's epochs are over; epoch 0 is still claimable
    let p = m.provider_pda(&provider.key());
    let payer = m.crank();
    for with_page in [false, true] {
        let close = ix::close_provider_book(&m.net, p, 0, payer, with_page);
        assert_code(
            m.env.send(&[close], &[]).await,
            spice_err(SpiceError::BookStillOpen),
        );
    }
    // The claim still pays.
    let before = m.env.balance(&provider.stake).await;
    Env::ok(m.try_claim(&provider, &[0]).await);
    assert!(m.env.balance(&provider.stake).await > before);
}

/// REFUSED: a stranger cannot claim a provider's rewards into its own account (the owner must
/// sign, and the Provider address is derived from the signer).
#[tokio::test]
async fn refused_claiming_someone_elses_rewards() {
    let mut m = Market::with_params(Mints::MIXED, curve_params()).await;
    m.fund_rewards(10 * E0).await;
    let provider = m.provider(MIN_STAKE).await;
    let client = m.actor(1_000_000_000, 0).await;
    m.paid_job(&client, &provider, PRICE, 1_000).await;
    m.warp_to_epoch(1).await;
    Env::ok(m.try_finalize(0).await);
    let thief: Actor = m.actor(0, 1).await;
    // The thief signs with its own key and names the victim's book pages.
    let victim_pda = m.provider_pda(&provider.key());
    let mut claim = ix::claim_rewards(&m.net, thief.key(), thief.stake, &[]);
    claim.accounts.extend([
        AccountMeta::new(pda::epoch_book(&m.net.network, 0), false),
        AccountMeta::new(pda::provider_book(&victim_pda, 0), false),
    ]);
    assert_code(
        m.env.send(&[claim], &[&thief.kp]).await,
        spice_err(SpiceError::NotYourProviderEpoch),
    );
    let _unused: Option<Keypair> = None;
}

/// REFUSED: closing and re-creating a provider inside one epoch (close, re-register, work
/// again) does not let its owner claim an epoch twice or reset what it was paid: the book page
/// is keyed by the Provider address, which the re-registration reuses.
#[tokio::test]
async fn refused_double_claim_through_close_and_reregister() {
    let params = NetworkParams {
        unbond_seconds: 60,
        ..curve_params()
    };
    let mut m = Market::with_params(Mints::MIXED, params).await;
    m.fund_rewards(10 * E0).await;
    let p = m.provider(MIN_STAKE).await;
    let client = m.actor(1_000_000_000, 0).await;
    m.paid_job(&client, &p, PRICE, 1_000).await;
    let unbond = ix::begin_unbond(&m.net, p.key(), MIN_STAKE);
    Env::ok(m.env.send(&[unbond], &[&p.kp]).await);
    m.env.warp_seconds(61).await;
    let withdraw = ix::withdraw_unbonded(&m.net, p.key(), p.stake);
    Env::ok(m.env.send(&[withdraw], &[&p.kp]).await);
    let close = ix::close_provider(&m.net, p.key(), p.stake);
    Env::ok(m.env.send(&[close], &[&p.kp]).await);
    let reg = ix::register_provider(
        &m.net,
        p.key(),
        p.stake,
        MIN_STAKE,
        spice_tests::market::hardware(),
    );
    Env::ok(m.env.send(&[reg], &[&p.kp]).await);
    m.paid_job(&client, &p, PRICE, 1_000).await;
    assert_eq!(m.provider_entry(&p, 0).await.jobs, 2);
    m.warp_to_epoch(1).await;
    Env::ok(m.try_finalize(0).await);
    let before = m.env.balance(&p.stake).await;
    Env::ok(m.try_claim(&p, &[0]).await);
    let got = m.env.balance(&p.stake).await - before;
    let epoch = m.epoch(0).await;
    assert!(got <= epoch.allocated);
    // A second claim, alone or with the page twice, pays nothing.
    assert_code(
        m.try_claim(&p, &[0]).await,
        spice_err(SpiceError::NothingToClaim),
    );
    let mut twice = ix::claim_rewards(&m.net, p.key(), p.stake, &[0]);
    let extra: Vec<AccountMeta> = twice.accounts[twice.accounts.len() - 2..].to_vec();
    twice.accounts.extend(extra);
    assert!(m.env.send(&[twice], &[&p.kp]).await.is_err());
    m.check_invariants().await;
}
