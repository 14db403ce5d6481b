//! Whole lifecycles: every core instruction in sequence, the clock warped across each window,
//! the invariants checked after every step, on each mint layout; and pauses that stop entries
//! but never exits.

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use solana_sdk::signature::{Keypair, Signer};
use spice::constants::PAUSE_ALL;
use spice::errors::SpiceError;
use spice::state::ProviderStatus;
use spice_sdk::ix;
use spice_sdk::pda;
use spice_tests::market::{
    hardware, result_args, Actor, Market, Mints, DAY, JOB_WINDOW, MIN_STAKE,
};
use spice_tests::{assert_code, spice_err, Env};

const CHALLENGE: i64 = DAY;
const DISPUTE: i64 = 2 * DAY;
const UNBOND: i64 = 7 * DAY;

#[tokio::test]
async fn happy_path_settles_on_approval() {
    let mut m = Market::new(Mints::SPL).await;
    let provider = m.provider(MIN_STAKE).await;
    let client = m.actor(1_000_000, 0).await;
    let job = m.submitted_job(&client, &provider, 1_000, 100, 60).await;
    m.check_invariants().await;
    let keys = m.settle_keys(job, &client, &provider).await;
    let approve = ix::approve_job(&m.net, &keys);
    Env::ok(m.env.send(&[approve], &[&client.kp]).await);
    m.check_invariants().await;
    assert!(!m.env.exists(&job).await);
    assert_eq!(m.env.balance(&provider.payment).await, 58_500);
    let _ = client.kp.pubkey();
}

/// Sends one instruction, expects success, checks the invariants.
async fn step(m: &mut Market, ix: Instruction, signers: &[&Keypair]) {
    Env::ok(m.env.send(&[ix], signers).await);
    m.check_invariants().await;
}

/// Sends an instruction that closes `job`; checks the client got exactly its rent back.
async fn close_step(
    m: &mut Market,
    job: Pubkey,
    client: &Actor,
    ix: Instruction,
    signers: &[&Keypair],
) {
    let rent = m.job_rent(&job).await;
    let before = m.env.lamports(&client.key()).await;
    step(m, ix, signers).await;
    assert!(!m.env.exists(&job).await);
    assert_eq!(m.env.lamports(&client.key()).await - before, rent);
}

/// The protocol fee of the default 2.5%, rounded up.
fn fee(gross: u64) -> u64 {
    (gross * 250).div_ceil(10_000)
}

async fn full_lifecycle(mints: Mints) {
    let mut m = Market::new(mints).await;
    let net = m.net;
    m.check_invariants().await;
    let p1 = m.provider(2 * MIN_STAKE).await;
    m.check_invariants().await;
    let p2 = m.provider(MIN_STAKE).await;
    m.check_invariants().await;
    let c1 = m.actor(10_000_000, 0).await;
    let c2 = m.actor(10_000_000, 0).await;
    m.check_invariants().await;
    let (p1_pda, p2_pda) = (m.provider_pda(&p1.key()), m.provider_pda(&p2.key()));

    // p2 tops up its stake and edits its description.
    let ix = ix::stake(&net, p2.key(), p2.stake, MIN_STAKE);
    step(&mut m, ix, &[&p2.kp]).await;
    let mut hw = hardware();
    hw.gpu_count = 4;
    let ix = ix::update_provider(&net, p2.key(), hw.clone());
    step(&mut m, ix, &[&p2.kp]).await;
    assert_eq!(m.provider_account(&p2.key()).await.hardware, hw);

    // A: c1 → p1, approved by the client.
    let a = m.create_job(&c1, 1_000, 100).await;
    m.check_invariants().await;
    step(&mut m, ix::accept_job(&net, p1.key(), a), &[&p1.kp]).await;
    // B: c2, reserved for p2, settled by a crank after the challenge window.
    let mut args = m.job_args(&c2, 500, 40).await;
    args.target_provider = Some(p2_pda);
    let (b, res) = m.try_create_job(&c2, args).await;
    Env::ok(res);
    m.check_invariants().await;
    step(&mut m, ix::accept_job(&net, p2.key(), b), &[&p2.kp]).await;
    // E: c1 → p1 as well (two jobs at once), never submitted.
    let e = m.create_job(&c1, 200, 10).await;
    m.check_invariants().await;
    step(&mut m, ix::accept_job(&net, p1.key(), e), &[&p1.kp]).await;
    assert_eq!(m.provider_account(&p1.key()).await.active_jobs, 2);

    let ix = ix::submit_result(&net, p1.key(), a, result_args(60));
    step(&mut m, ix, &[&p1.kp]).await;
    let ix = ix::submit_result(&net, p2.key(), b, result_args(40));
    step(&mut m, ix, &[&p2.kp]).await;

    let keys = m.settle_keys(a, &c1, &p1).await;
    close_step(&mut m, a, &c1, ix::approve_job(&net, &keys), &[&c1.kp]).await;

    // C: cancelled while open.
    let c = m.create_job(&c2, 50, 50).await;
    m.check_invariants().await;
    let ix = ix::cancel_job(&net, c2.key(), c);
    close_step(&mut m, c, &c2, ix, &[&c2.kp]).await;

    // D: nobody accepts it.
    let d = m.create_job(&c2, 300, 10).await;
    m.check_invariants().await;

    // F: c1 → p2, disputed; no attestor votes.
    let f = m.create_job(&c1, 100, 50).await;
    m.check_invariants().await;
    step(&mut m, ix::accept_job(&net, p2.key(), f), &[&p2.kp]).await;
    let ix = ix::submit_result(&net, p2.key(), f, result_args(50));
    step(&mut m, ix, &[&p2.kp]).await;
    step(&mut m, ix::dispute_job(&net, c1.key(), f), &[&c1.kp]).await;

    // Past the accept and run windows: D and E expire; B is still in its challenge window.
    m.env.warp_seconds(JOB_WINDOW + 1).await;
    let ix = m.expire_ix(d, &c2, None);
    close_step(&mut m, d, &c2, ix, &[]).await;
    let ix = m.expire_ix(e, &c1, Some(&p1));
    close_step(&mut m, e, &c1, ix, &[]).await;
    let keys = m.settle_keys(b, &c2, &p2).await;
    assert_code(
        m.env.send(&[ix::settle_job(&net, &keys)], &[]).await,
        spice_err(SpiceError::ChallengeWindowOpen),
    );
    let ix = m.expire_ix(f, &c1, Some(&p2));
    assert_code(
        m.env.send(&[ix], &[]).await,
        spice_err(SpiceError::NotExpired),
    );

    // Past B's challenge window: anyone settles it.
    m.env.warp_seconds(CHALLENGE).await;
    close_step(&mut m, b, &c2, ix::settle_job(&net, &keys), &[]).await;

    // Past F's vote deadline: refunded, nobody blamed.
    m.env.warp_seconds(DISPUTE).await;
    let ix = m.expire_ix(f, &c1, Some(&p2));
    close_step(&mut m, f, &c1, ix, &[]).await;

    // Money: A paid 60 × 1 000, B 40 × 500; everything else went back.
    let (gross_a, gross_b) = (60_000, 20_000);
    let fees = fee(gross_a) + fee(gross_b);
    let treasury = m.net.payment_treasury();
    assert_eq!(m.env.balance(&treasury).await, fees);
    assert_eq!(m.env.balance(&c1.payment).await, 10_000_000 - gross_a);
    assert_eq!(m.env.balance(&c2.payment).await, 10_000_000 - gross_b);
    // With one mint a provider's payment account is also its stake wallet: p1 kept 2 × min
    // stake there, p2 staked all of its own.
    let p1_wallet = if mints.same { MIN_STAKE * 2 } else { 0 };
    let p2_wallet = 0;
    assert_eq!(
        m.env.balance(&p1.payment).await,
        p1_wallet + gross_a - fee(gross_a)
    );
    assert_eq!(
        m.env.balance(&p2.payment).await,
        p2_wallet + gross_b - fee(gross_b)
    );

    // Track records.
    let s1 = m.provider_account(&p1.key()).await;
    assert_eq!(s1.active_jobs, 0);
    assert_eq!(s1.stats.jobs_accepted, 2);
    assert_eq!(s1.stats.jobs_completed, 1);
    assert_eq!(s1.stats.jobs_failed, 1);
    assert_eq!(s1.stats.units_completed, 60);
    assert_eq!(s1.stats.total_earned, gross_a - fee(gross_a));
    let s2 = m.provider_account(&p2.key()).await;
    assert_eq!(s2.active_jobs, 0);
    assert_eq!(s2.stats.jobs_accepted, 2);
    assert_eq!(s2.stats.jobs_completed, 1);
    assert_eq!(s2.stats.jobs_failed, 0);
    assert_eq!(s2.stats.units_completed, 40);
    assert_eq!(s2.stats.total_earned, gross_b - fee(gross_b));

    // The authority takes the fees.
    let authority = m.authority.insecure_clone();
    let (mint, program) = (m.net.payment_mint, m.net.payment_token_program);
    let dest = m
        .env
        .create_token_account(&mint, &authority.pubkey(), &program)
        .await;
    let ix = ix::withdraw_treasury(authority.pubkey(), &net, mint, dest, fees);
    step(&mut m, ix, &[&authority]).await;
    assert_eq!(m.env.balance(&dest).await, fees);
    assert_eq!(m.env.balance(&treasury).await, 0);

    // p1 leaves entirely; p2 takes part of its stake out.
    step(
        &mut m,
        ix::begin_unbond(&net, p1.key(), 2 * MIN_STAKE),
        &[&p1.kp],
    )
    .await;
    step(
        &mut m,
        ix::begin_unbond(&net, p2.key(), MIN_STAKE),
        &[&p2.kp],
    )
    .await;
    m.env.warp_seconds(UNBOND).await;
    let ix = ix::withdraw_unbonded(&net, p1.key(), p1.stake);
    step(&mut m, ix, &[&p1.kp]).await;
    let ix = ix::withdraw_unbonded(&net, p2.key(), p2.stake);
    step(&mut m, ix, &[&p2.kp]).await;
    let vault = pda::stake_vault(&p1_pda);
    let rent = m.env.lamports_of(&[p1_pda, vault]).await;
    let before = m.env.lamports(&p1.key()).await;
    step(
        &mut m,
        ix::close_provider(&net, p1.key(), p1.stake),
        &[&p1.kp],
    )
    .await;
    assert_eq!(m.env.lamports(&p1.key()).await - before, rent);
    assert!(!m.env.exists(&p1_pda).await);
    let p = m.provider_account(&p2.key()).await;
    assert_eq!((p.stake, p.unbonding), (MIN_STAKE, 0));
    assert_eq!(p.status, ProviderStatus::Active);

    // Every job is closed, every escrow vault with it.
    for job in m.jobs.clone() {
        assert!(!m.env.exists(&job).await);
        assert!(!m.env.exists(&pda::escrow_vault(&job)).await);
    }
}

#[tokio::test]
async fn full_lifecycle_spl() {
    full_lifecycle(Mints::SPL).await;
}

#[tokio::test]
async fn full_lifecycle_token_2022() {
    full_lifecycle(Mints::T22).await;
}

#[tokio::test]
async fn full_lifecycle_mixed_programs() {
    full_lifecycle(Mints::MIXED).await;
}

#[tokio::test]
async fn full_lifecycle_single_mint() {
    full_lifecycle(Mints::SINGLE).await;
}

#[tokio::test]
async fn pause_stops_entries_never_exits() {
    let mut m = Market::new(Mints::MIXED).await;
    let net = m.net;
    let p = m.provider(3 * MIN_STAKE).await;
    let c = m.actor(10_000_000, 0).await;
    let newcomer = m.actor(0, MIN_STAKE).await;
    // Work in every state, and stake on its way out, before the pause.
    let to_cancel = m.create_job(&c, 10, 10).await;
    let to_expire_open = m.create_job(&c, 20, 10).await;
    let to_expire_running = m.running_job(&c, &p, 30, 10).await;
    let to_approve = m.running_job(&c, &p, 40, 10).await;
    let to_settle = m.running_job(&c, &p, 50, 10).await;
    let to_dispute = m.running_job(&c, &p, 60, 10).await;
    step(&mut m, ix::begin_unbond(&net, p.key(), MIN_STAKE), &[&p.kp]).await;

    m.set_pause(PAUSE_ALL).await;
    m.check_invariants().await;

    // Entries stop.
    let args = m.job_args(&c, 10, 10).await;
    let (_, res) = m.try_create_job(&c, args).await;
    assert_code(res, spice_err(SpiceError::Paused));
    assert_code(
        m.accept(&p, to_expire_open).await,
        spice_err(SpiceError::Paused),
    );
    let ix = ix::register_provider(&net, newcomer.key(), newcomer.stake, MIN_STAKE, hardware());
    assert_code(
        m.env.send(&[ix], &[&newcomer.kp]).await,
        spice_err(SpiceError::Paused),
    );
    let ix = ix::stake(&net, p.key(), p.stake, 1);
    assert_code(
        m.env.send(&[ix], &[&p.kp]).await,
        spice_err(SpiceError::Paused),
    );
    m.check_invariants().await;

    // Exits never do.
    let ix = ix::cancel_job(&net, c.key(), to_cancel);
    close_step(&mut m, to_cancel, &c, ix, &[&c.kp]).await;
    for (job, units) in [(to_approve, 10), (to_settle, 9), (to_dispute, 8)] {
        let ix = ix::submit_result(&net, p.key(), job, result_args(units));
        step(&mut m, ix, &[&p.kp]).await;
    }
    let keys = m.settle_keys(to_approve, &c, &p).await;
    close_step(
        &mut m,
        to_approve,
        &c,
        ix::approve_job(&net, &keys),
        &[&c.kp],
    )
    .await;
    step(&mut m, ix::dispute_job(&net, c.key(), to_dispute), &[&c.kp]).await;
    let ix = ix::update_provider(&net, p.key(), hardware());
    step(&mut m, ix, &[&p.kp]).await;

    m.env.warp_seconds(JOB_WINDOW + 1).await;
    let ix = m.expire_ix(to_expire_open, &c, None);
    close_step(&mut m, to_expire_open, &c, ix, &[]).await;
    let ix = m.expire_ix(to_expire_running, &c, Some(&p));
    close_step(&mut m, to_expire_running, &c, ix, &[]).await;

    m.env.warp_seconds(CHALLENGE).await;
    let keys = m.settle_keys(to_settle, &c, &p).await;
    close_step(&mut m, to_settle, &c, ix::settle_job(&net, &keys), &[]).await;

    m.env.warp_seconds(DISPUTE).await;
    let ix = m.expire_ix(to_dispute, &c, Some(&p));
    close_step(&mut m, to_dispute, &c, ix, &[]).await;

    m.env.warp_seconds(UNBOND).await;
    let ix = ix::withdraw_unbonded(&net, p.key(), p.stake);
    step(&mut m, ix, &[&p.kp]).await;
    step(
        &mut m,
        ix::begin_unbond(&net, p.key(), 2 * MIN_STAKE),
        &[&p.kp],
    )
    .await;
    m.env.warp_seconds(UNBOND).await;
    let ix = ix::withdraw_unbonded(&net, p.key(), p.stake);
    step(&mut m, ix, &[&p.kp]).await;
    step(&mut m, ix::close_provider(&net, p.key(), p.stake), &[&p.kp]).await;
    assert!(!m.env.exists(&m.provider_pda(&p.key())).await);
    assert_eq!(m.env.balance(&p.stake).await, 6 * MIN_STAKE);
    assert_eq!(m.network().await.paused, PAUSE_ALL);
}

/// The runtime's log reads as a validator's: one `invoke [1]` and one `success` for the
/// program (the native shim no longer adds its own around the runtime's), the last line its
/// `success`. (Events: Anchor 1.2.2's host build of `sol_log_data` is a no-op, so the native
/// program's `emit!` leaves no `Program data:` line; an SBF build logs them.)
#[tokio::test]
async fn logs_carry_each_invocation_once() {
    use spice::constants::PAUSE_CLAIM;
    let mut m = Market::new(Mints::SPL).await;
    let authority = m.authority.insecure_clone();
    let ix = ix::set_pause(authority.pubkey(), m.net.network, PAUSE_CLAIM);
    let blockhash = m.env.runtime().latest_blockhash();
    let tx = solana_sdk::transaction::Transaction::new_signed_with_payer(
        &[ix],
        Some(&authority.pubkey()),
        &[&authority],
        blockhash,
    );
    let executed = m.env.runtime_mut().send(tx).expect("set_pause");
    let program = spice::ID.to_string();
    let lines = |suffix: &str| {
        executed
            .logs
            .iter()
            .filter(|l| **l == format!("Program {program} {suffix}"))
            .count()
    };
    assert_eq!(
        (lines("invoke [1]"), lines("success")),
        (1, 1),
        "{:#?}",
        executed.logs
    );
    let last = executed.logs.last().expect("a log");
    assert_eq!(*last, format!("Program {program} success"));
}
