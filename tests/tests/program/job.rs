//! Job instructions: create_job, cancel_job, accept_job, submit_result, approve_job,
//! dispute_job, settle_job and expire_job, with the settlement math and the rent of closed jobs.

use anchor_lang::error::ErrorCode;
use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use spice::constants::*;
use spice::errors::SpiceError;
use spice::instructions::{CreateJobArgs, SubmitResultArgs};
use spice::state::{seeds, AuditDraw, Client, JobState, JobTerms, ProviderStatus, ACCOUNT_VERSION};
use spice_sdk::ix::{self, SettleKeys};
use spice_sdk::pda;
use spice_tests::market::{
    default_params, result_args, Actor, Market, Mints, DAY, JOB_WINDOW, MIN_STAKE,
};
use spice_tests::{
    anchor_err, assert_code, spice_err, substitute, Env, TOKEN_2022_PROGRAM,
    TOKEN_INSUFFICIENT_FUNDS, TOKEN_PROGRAM,
};

type Res = Result<(), spice_tests::BanksClientError>;

const CHALLENGE: i64 = DAY;
const DISPUTE: i64 = 2 * DAY;

// ---------------------------------------------------------------- helpers

/// A market with one provider (2 × min stake) and one client (10 M payment tokens).
async fn setup(mints: Mints) -> (Market, Actor, Actor) {
    let mut m = Market::new(mints).await;
    let provider = m.provider(2 * MIN_STAKE).await;
    let client = m.actor(10_000_000, 0).await;
    (m, provider, client)
}

/// What settlement should pay, computed independently of the program:
/// (provider, fee, client refund). The fee rounds up.
fn expected(price: u64, max_units: u64, units: u64, fee_bps: u16) -> (u64, u64, u64) {
    let gross = u128::from(price) * u128::from(units);
    let fee = (gross * u128::from(fee_bps)).div_ceil(10_000);
    let escrow = u128::from(price) * u128::from(max_units);
    (
        u64::try_from(gross - fee).unwrap(),
        u64::try_from(fee).unwrap(),
        u64::try_from(escrow - gross).unwrap(),
    )
}

/// Gives `actor` a Client record on `m`'s network (a job created and cancelled), so that an
/// instruction it signs as a client gets past the record's lookup to the check under test.
async fn give_client_record(m: &mut Market, actor: &Actor) {
    let mint = m.net.payment_mint;
    m.env.mint_to(&mint, &actor.payment, 1).await;
    let job = m.create_job(actor, 1, 1).await;
    Env::ok(cancel(m, actor, job).await);
}

/// A market with a governance delay (`unbond_seconds`) shorter than a job's run time, so a
/// parameter change can apply while a job runs.
async fn setup_short_delay() -> (Market, Actor, Actor) {
    let mut params = default_params();
    params.unbond_seconds = MIN_WINDOW_SECONDS;
    let mut m = Market::with_params(Mints::SPL, params).await;
    let provider = m.provider(2 * MIN_STAKE).await;
    let client = m.actor(10_000_000, 0).await;
    (m, provider, client)
}

async fn cancel(m: &mut Market, client: &Actor, job: Pubkey) -> Res {
    let ix = ix::cancel_job(&m.net, client.key(), job);
    m.env.send(&[ix], &[&client.kp]).await
}

async fn approve_ix(m: &mut Market, job: Pubkey, client: &Actor, provider: &Actor) -> Instruction {
    let keys = m.settle_keys(job, client, provider).await;
    ix::approve_job(&m.net, &keys)
}

async fn settle_ix(m: &mut Market, job: Pubkey, client: &Actor, provider: &Actor) -> Instruction {
    let keys = m.settle_keys(job, client, provider).await;
    ix::settle_job(&m.net, &keys)
}

async fn approve(m: &mut Market, job: Pubkey, client: &Actor, provider: &Actor) -> Res {
    let ix = approve_ix(m, job, client, provider).await;
    m.env.send(&[ix], &[&client.kp]).await
}

/// `settle_job` needs no signature but the crank's (the test payer).
async fn settle(m: &mut Market, job: Pubkey, client: &Actor, provider: &Actor) -> Res {
    let ix = settle_ix(m, job, client, provider).await;
    m.env.send(&[ix], &[]).await
}

async fn dispute(m: &mut Market, client: &Actor, job: Pubkey) -> Res {
    let ix = ix::dispute_job(&m.net, client.key(), job);
    m.env.send(&[ix], &[&client.kp]).await
}

/// Balances a job's end moves.
struct Snapshot {
    provider_tokens: u64,
    treasury: u64,
    client_tokens: u64,
    client_lamports: u64,
    job_rent: u64,
    escrowed: u64,
}

async fn snapshot(m: &mut Market, job: Pubkey, client: &Actor, provider: &Actor) -> Snapshot {
    let treasury = m.net.payment_treasury();
    Snapshot {
        provider_tokens: m.env.balance(&provider.payment).await,
        treasury: m.env.balance(&treasury).await,
        client_tokens: m.env.balance(&client.payment).await,
        client_lamports: m.env.lamports(&client.key()).await,
        job_rent: m.job_rent(&job).await,
        escrowed: m.job_account(&job).await.escrowed,
    }
}

/// Asserts a job closed with (provider, fee, refund) paid and its rent back to the client.
async fn assert_closed_with(
    m: &mut Market,
    job: Pubkey,
    client: &Actor,
    provider: &Actor,
    before: &Snapshot,
    (paid, fee, refund): (u64, u64, u64),
) {
    assert!(!m.env.exists(&job).await, "job still open");
    assert!(!m.env.exists(&pda::escrow_vault(&job)).await);
    assert_eq!(paid + fee + refund, before.escrowed);
    let treasury = m.net.payment_treasury();
    assert_eq!(
        m.env.balance(&provider.payment).await - before.provider_tokens,
        paid
    );
    assert_eq!(m.env.balance(&treasury).await - before.treasury, fee);
    assert_eq!(
        m.env.balance(&client.payment).await - before.client_tokens,
        refund
    );
    assert_eq!(
        m.env.lamports(&client.key()).await - before.client_lamports,
        before.job_rent,
        "the client gets exactly the job's and the vault's rent back"
    );
    m.check_invariants().await;
}

/// Asserts a job closed with a full refund and its rent back to the client.
async fn assert_refunded(
    m: &mut Market,
    job: Pubkey,
    client: &Actor,
    provider: &Actor,
    before: &Snapshot,
) {
    let escrowed = before.escrowed;
    assert_closed_with(m, job, client, provider, before, (0, 0, escrowed)).await;
}

// ---------------------------------------------------------------- create_job

#[tokio::test]
async fn create_job_escrows_payment_on_every_mint_layout() {
    for mints in [Mints::SPL, Mints::T22, Mints::MIXED, Mints::SINGLE] {
        let (mut m, provider, client) = setup(mints).await;
        let lamports = m.env.lamports(&client.key()).await;
        let mut args = m.job_args(&client, 1_000, 100).await;
        let target = m.provider_pda(&provider.key());
        args.target_provider = Some(target);
        args.spec_hash = [3; 32];
        let job_id = args.job_id;
        let (job, res) = m.try_create_job(&client, args).await;
        Env::ok(res);
        let now = m.env.now().await;
        let vault = pda::escrow_vault(&job);
        let j = m.job_account(&job).await;
        assert_eq!(j.version, ACCOUNT_VERSION);
        assert_eq!(
            j.bump,
            Pubkey::find_program_address(
                &[
                    seeds::JOB,
                    m.net.network.as_ref(),
                    client.key().as_ref(),
                    &job_id.to_le_bytes()
                ],
                &spice::ID
            )
            .1
        );
        assert_eq!(
            j.escrow_bump,
            Pubkey::find_program_address(&[seeds::ESCROW_VAULT, job.as_ref()], &spice::ID).1
        );
        assert_eq!(j.network, m.net.network);
        assert_eq!(j.client, client.key());
        assert_eq!(j.job_id, job_id);
        assert_eq!(j.target_provider, Some(target));
        assert_eq!(j.provider, None);
        assert_eq!(j.price_per_unit, 1_000);
        assert_eq!(j.max_units, 100);
        assert_eq!(j.escrowed, 100_000);
        assert_eq!(j.spec_hash, [3; 32]);
        assert_eq!(j.spec_uri, "https://example.org/job.toml");
        assert_eq!(j.result_hash, [0; 32]);
        assert_eq!(j.result_uri, "");
        assert_eq!(j.terms, JobTerms::of(&default_params()));
        assert_eq!(j.reported_units, 0);
        assert_eq!(j.state, JobState::Open);
        assert_eq!(j.created_at, now);
        assert_eq!(j.accept_deadline, now + JOB_WINDOW);
        assert_eq!(j.run_seconds, JOB_WINDOW);
        assert_eq!(j.completion_deadline, 0);
        assert_eq!(j.accepted_at, 0);
        assert_eq!((j.stake_at_accept, j.slash_lock, j.exposure), (0, 0, 0));
        assert_eq!(j.challenge_deadline, 0);
        assert_eq!(j.vote_deadline, 0);
        assert_eq!(j.audit, AuditDraw::Pending);
        assert_eq!((j.valid_votes, j.invalid_votes), (0, 0));
        // The escrow sits in the job's own vault, owned by the Job PDA.
        let v = m.env.token_account(&vault).await;
        assert_eq!(v.mint, m.net.payment_mint);
        assert_eq!(v.owner, job);
        assert_eq!(v.amount, 100_000);
        assert_eq!(m.env.owner(&vault).await, Some(mints.payment_program));
        assert_eq!(m.env.balance(&client.payment).await, 10_000_000 - 100_000);
        // The client's first job opened its Client record: the next id is 1.
        let record = pda::client(&m.net.network, &client.key());
        let c: Client = m.env.fetch(&record).await;
        assert_eq!(c.client, client.key());
        assert_eq!(c.network, m.net.network);
        assert_eq!(c.jobs_created, 1);
        assert_eq!((c.owed_payment, c.owed_stake), (0, 0));
        // The client paid the three rents (job, vault, record).
        let rent = m.job_rent(&job).await + m.env.lamports(&record).await;
        assert_eq!(lamports - m.env.lamports(&client.key()).await, rent);
        m.check_invariants().await;
    }
}

#[tokio::test]
async fn error_create_job_invalid_terms() {
    let (mut m, _, client) = setup(Mints::SPL).await;
    for (price, max_units) in [(0, 10), (10, 0), (0, 0)] {
        let args = m.job_args(&client, price, max_units).await;
        let (_, res) = m.try_create_job(&client, args).await;
        assert_code(res, spice_err(SpiceError::InvalidJobTerms));
    }
    m.check_invariants().await;
}

#[tokio::test]
async fn error_create_job_invalid_window() {
    let (mut m, _, client) = setup(Mints::SPL).await;
    let p = default_params();
    let short = MIN_WINDOW_SECONDS - 1;
    for (accept, run) in [
        (short, JOB_WINDOW),
        (0, JOB_WINDOW),
        (-1, JOB_WINDOW),
        (p.max_accept_seconds + 1, JOB_WINDOW),
        (JOB_WINDOW, short),
        (JOB_WINDOW, p.max_run_seconds + 1),
    ] {
        let mut args = m.job_args(&client, 10, 10).await;
        args.accept_seconds = accept;
        args.run_seconds = run;
        let (_, res) = m.try_create_job(&client, args).await;
        assert_code(res, spice_err(SpiceError::InvalidJobWindow));
    }
    // The bounds themselves are fine.
    for (accept, run) in [
        (MIN_WINDOW_SECONDS, MIN_WINDOW_SECONDS),
        (p.max_accept_seconds, p.max_run_seconds),
    ] {
        let mut args = m.job_args(&client, 10, 10).await;
        args.accept_seconds = accept;
        args.run_seconds = run;
        let (_, res) = m.try_create_job(&client, args).await;
        Env::ok(res);
    }
    m.check_invariants().await;
}

#[tokio::test]
async fn error_create_job_price_times_units_overflows() {
    let (mut m, _, client) = setup(Mints::SPL).await;
    for (price, max_units) in [(u64::MAX, 2), (1 << 32, 1 << 32), (2, u64::MAX)] {
        let args = m.job_args(&client, price, max_units).await;
        let (_, res) = m.try_create_job(&client, args).await;
        assert_code(res, spice_err(SpiceError::MathOverflow));
    }
    m.check_invariants().await;
}

#[tokio::test]
async fn error_create_job_paused() {
    let (mut m, _, client) = setup(Mints::SPL).await;
    m.set_pause(PAUSE_CREATE_JOB).await;
    let args = m.job_args(&client, 10, 10).await;
    let (_, res) = m.try_create_job(&client, args).await;
    assert_code(res, spice_err(SpiceError::Paused));
    // The other flags do not stop jobs.
    m.set_pause(PAUSE_ALL & !PAUSE_CREATE_JOB).await;
    m.create_job(&client, 10, 10).await;
    m.check_invariants().await;
}

#[tokio::test]
async fn error_create_job_insufficient_funds() {
    let (mut m, _, client) = setup(Mints::SPL).await;
    let args = m.job_args(&client, 10_000_001, 1).await;
    let (job, res) = m.try_create_job(&client, args).await;
    assert_code(res, TOKEN_INSUFFICIENT_FUNDS);
    assert!(!m.env.exists(&job).await);
    m.check_invariants().await;
}

#[tokio::test]
async fn error_create_job_with_someone_elses_tokens() {
    let (mut m, _, victim) = setup(Mints::SPL).await;
    let attacker = m.actor(0, 0).await;
    let args = m.job_args(&attacker, 10, 10).await;
    let ix = ix::create_job(&m.net, attacker.key(), victim.payment, args);
    assert_code(
        m.env.send(&[ix], &[&attacker.kp]).await,
        anchor_err(ErrorCode::ConstraintTokenOwner),
    );
    assert_eq!(m.env.balance(&victim.payment).await, 10_000_000);
}

#[tokio::test]
async fn error_create_job_client_not_signing() {
    let (mut m, _, client) = setup(Mints::SPL).await;
    let args = m.job_args(&client, 10, 10).await;
    m.env
        .assert_needs_signature(
            ix::create_job(&m.net, client.key(), client.payment, args),
            &client.key(),
        )
        .await;
}

#[tokio::test]
async fn error_create_job_wrong_mint() {
    let mut m = Market::new(Mints::SPL).await;
    let client = m.actor(1_000_000, 1_000_000).await;
    // The stake mint as payment mint, paying from a stake-mint account.
    let args = m.job_args(&client, 10, 10).await;
    let mut ix = ix::create_job(&m.net, client.key(), client.stake, args);
    substitute(&mut ix, &m.net.payment_mint, &m.net.stake_mint);
    assert_code(
        m.env.send(&[ix], &[&client.kp]).await,
        spice_err(SpiceError::WrongMint),
    );
    // The right mint, paying from a stake-mint account.
    let args = m.job_args(&client, 10, 10).await;
    let ix = ix::create_job(&m.net, client.key(), client.stake, args);
    assert_code(
        m.env.send(&[ix], &[&client.kp]).await,
        anchor_err(ErrorCode::ConstraintTokenMint),
    );
    m.check_invariants().await;
}

#[tokio::test]
async fn error_create_job_wrong_token_program() {
    let (mut m, _, client) = setup(Mints::SPL).await;
    let args = m.job_args(&client, 10, 10).await;
    let mut ix = ix::create_job(&m.net, client.key(), client.payment, args);
    substitute(&mut ix, &TOKEN_PROGRAM, &TOKEN_2022_PROGRAM);
    // The client's token account belongs to another token program than the one named.
    assert_code(
        m.env.send(&[ix], &[&client.kp]).await,
        anchor_err(ErrorCode::ConstraintTokenTokenProgram),
    );
}

#[tokio::test]
async fn error_create_job_wrong_id() {
    let (mut m, _, client) = setup(Mints::SPL).await;
    // Before its first job a client's next id is 0: 1 is refused.
    let mut args = m.job_args(&client, 10, 10).await;
    assert_eq!(args.job_id, 0);
    args.job_id = 1;
    let (_, res) = m.try_create_job(&client, args).await;
    assert_code(res, spice_err(SpiceError::WrongJobId));
    let args = m.job_args(&client, 10, 10).await;
    let (job, res) = m.try_create_job(&client, args.clone()).await;
    Env::ok(res);
    // The same id again, live or closed, and an id ahead of the counter are refused.
    let (_, res) = m.try_create_job(&client, args.clone()).await;
    assert_code(res, spice_err(SpiceError::WrongJobId));
    Env::ok(cancel(&mut m, &client, job).await);
    let (_, res) = m.try_create_job(&client, args.clone()).await;
    assert_code(res, spice_err(SpiceError::WrongJobId));
    let mut ahead = args.clone();
    ahead.job_id = 2;
    let (_, res) = m.try_create_job(&client, ahead).await;
    assert_code(res, spice_err(SpiceError::WrongJobId));
    // The next id works.
    let next = m.job_args(&client, 10, 10).await;
    assert_eq!(next.job_id, 1);
    let (_, res) = m.try_create_job(&client, next).await;
    Env::ok(res);
    m.check_invariants().await;
}

// ---------------------------------------------------------------- cancel_job

#[tokio::test]
async fn cancel_job_refunds_escrow_and_rent() {
    for mints in [Mints::SPL, Mints::T22, Mints::MIXED, Mints::SINGLE] {
        let (mut m, provider, client) = setup(mints).await;
        let job = m.create_job(&client, 1_000, 100).await;
        let before = snapshot(&mut m, job, &client, &provider).await;
        Env::ok(cancel(&mut m, &client, job).await);
        assert_refunded(&mut m, job, &client, &provider, &before).await;
        assert_eq!(m.env.balance(&client.payment).await, 10_000_000);
    }
}

#[tokio::test]
async fn error_cancel_job_not_client() {
    let (mut m, _, client) = setup(Mints::SPL).await;
    let attacker = m.actor(0, 0).await;
    let job = m.create_job(&client, 10, 10).await;
    // Without a Client record of its own the attacker's cancel names none.
    let ix = ix::cancel_job(&m.net, attacker.key(), job);
    assert_code(
        m.env.send(&[ix], &[&attacker.kp]).await,
        anchor_err(ErrorCode::AccountNotInitialized),
    );
    give_client_record(&mut m, &attacker).await;
    let ix = ix::cancel_job(&m.net, attacker.key(), job);
    assert_code(
        m.env.send(&[ix], &[&attacker.kp]).await,
        spice_err(SpiceError::NotJobClient),
    );
    m.env
        .assert_needs_signature(ix::cancel_job(&m.net, client.key(), job), &client.key())
        .await;
    assert!(m.env.exists(&job).await);
    m.check_invariants().await;
}

#[tokio::test]
async fn error_cancel_job_not_open() {
    let (mut m, provider, client) = setup(Mints::SPL).await;
    let job = m.running_job(&client, &provider, 10, 10).await;
    assert_code(
        cancel(&mut m, &client, job).await,
        spice_err(SpiceError::InvalidJobState),
    );
    Env::ok(m.submit(&provider, job, 5).await);
    assert_code(
        cancel(&mut m, &client, job).await,
        spice_err(SpiceError::InvalidJobState),
    );
    Env::ok(dispute(&mut m, &client, job).await);
    assert_code(
        cancel(&mut m, &client, job).await,
        spice_err(SpiceError::InvalidJobState),
    );
    m.check_invariants().await;
}

#[tokio::test]
async fn error_cancel_job_substituted_accounts() {
    let (mut m, _, client) = setup(Mints::SPL).await;
    let other = m.actor(0, 0).await;
    let job = m.create_job(&client, 10, 10).await;
    let other_job = m.create_job(&client, 20, 10).await;
    let vault = pda::escrow_vault(&job);
    let cases: Vec<(Pubkey, Pubkey, u32)> = vec![
        // Another job's escrow vault.
        (
            vault,
            pda::escrow_vault(&other_job),
            anchor_err(ErrorCode::ConstraintSeeds),
        ),
        // The refund to someone else's account (the client's ATA is derived from the job).
        (
            client.payment,
            other.payment,
            anchor_err(ErrorCode::ConstraintSeeds),
        ),
        // The refund in the stake mint.
        (
            m.net.payment_mint,
            m.net.stake_mint,
            spice_err(SpiceError::WrongMint),
        ),
        (
            TOKEN_PROGRAM,
            TOKEN_2022_PROGRAM,
            spice_err(SpiceError::WrongTokenProgram),
        ),
    ];
    for (old, new, code) in cases {
        let mut ix = ix::cancel_job(&m.net, client.key(), job);
        substitute(&mut ix, &old, &new);
        assert_code(m.env.send(&[ix], &[&client.kp]).await, code);
    }
    Env::ok(cancel(&mut m, &client, job).await);
    m.check_invariants().await;
}

#[tokio::test]
async fn error_cancel_job_of_another_network() {
    let (mut m, _, client) = setup(Mints::SPL).await;
    let job = m.create_job(&client, 10, 10).await;
    let other = m.second_network(2).await;
    // Without a Client record on the other network the cancel names none.
    let ix = ix::cancel_job(&other, client.key(), job);
    assert_code(
        m.env.send(std::slice::from_ref(&ix), &[&client.kp]).await,
        anchor_err(ErrorCode::AccountNotInitialized),
    );
    // With one (a job of its own there), the job is refused as another network's.
    let args = m.job_args(&client, 10, 10).await;
    let args = CreateJobArgs { job_id: 0, ..args };
    let there = pda::job(&other.network, &client.key(), 0);
    m.env.track(other.payment_mint, pda::escrow_vault(&there));
    let create = ix::create_job(&other, client.key(), client.payment, args);
    Env::ok(m.env.send(&[create], &[&client.kp]).await);
    assert_code(
        m.env.send(&[ix], &[&client.kp]).await,
        spice_err(SpiceError::WrongNetwork),
    );
    assert!(m.env.exists(&job).await);
    m.check_invariants().await;
}

// ---------------------------------------------------------------- accept_job

#[tokio::test]
async fn accept_job_assigns_the_provider() {
    let (mut m, provider, client) = setup(Mints::SPL).await;
    let job = m.create_job(&client, 10, 10).await;
    m.env.warp_seconds(100).await;
    Env::ok(m.accept(&provider, job).await);
    let now = m.env.now().await;
    let j = m.job_account(&job).await;
    assert_eq!(j.state, JobState::Running);
    assert_eq!(j.provider, Some(m.provider_pda(&provider.key())));
    assert_eq!(j.completion_deadline, now + JOB_WINDOW);
    assert_eq!(j.accepted_at, now);
    // The stake it had then, 10 % of it locked for a fraud verdict, its value at max units.
    assert_eq!(j.stake_at_accept, 2 * MIN_STAKE);
    assert_eq!(j.slash_lock, 2 * MIN_STAKE / 10);
    assert_eq!(j.exposure, 100);
    let p = m.provider_account(&provider.key()).await;
    assert_eq!(p.active_jobs, 1);
    assert_eq!(p.stats.jobs_accepted, 1);
    assert_eq!((p.locked, p.exposure), (2 * MIN_STAKE / 10, 100));
    // A second job at the same time.
    let job2 = m.create_job(&client, 10, 10).await;
    Env::ok(m.accept(&provider, job2).await);
    let p = m.provider_account(&provider.key()).await;
    assert_eq!(p.active_jobs, 2);
    assert_eq!(p.stats.jobs_accepted, 2);
    assert_eq!((p.locked, p.exposure), (2 * (2 * MIN_STAKE / 10), 200));
    m.check_invariants().await;
}

#[tokio::test]
async fn accept_job_at_the_last_second() {
    let (mut m, provider, client) = setup(Mints::SPL).await;
    let job = m.create_job(&client, 10, 10).await;
    m.env.warp_seconds(JOB_WINDOW).await;
    Env::ok(m.accept(&provider, job).await);
}

#[tokio::test]
async fn error_accept_after_window() {
    let (mut m, provider, client) = setup(Mints::SPL).await;
    let job = m.create_job(&client, 10, 10).await;
    m.env.warp_seconds(JOB_WINDOW + 1).await;
    assert_code(
        m.accept(&provider, job).await,
        spice_err(SpiceError::AcceptWindowClosed),
    );
}

#[tokio::test]
async fn error_accept_job_not_open() {
    let (mut m, provider, client) = setup(Mints::SPL).await;
    let second = m.provider(MIN_STAKE).await;
    let job = m.running_job(&client, &provider, 10, 10).await;
    for p in [&provider, &second] {
        assert_code(
            m.accept(p, job).await,
            spice_err(SpiceError::InvalidJobState),
        );
    }
    Env::ok(m.submit(&provider, job, 1).await);
    assert_code(
        m.accept(&second, job).await,
        spice_err(SpiceError::InvalidJobState),
    );
    assert_eq!(m.provider_account(&provider.key()).await.active_jobs, 1);
}

#[tokio::test]
async fn error_accept_job_paused() {
    let (mut m, provider, client) = setup(Mints::SPL).await;
    let job = m.create_job(&client, 10, 10).await;
    m.set_pause(PAUSE_ACCEPT_JOB).await;
    assert_code(
        m.accept(&provider, job).await,
        spice_err(SpiceError::Paused),
    );
    m.set_pause(PAUSE_ALL & !PAUSE_ACCEPT_JOB).await;
    Env::ok(m.accept(&provider, job).await);
}

#[tokio::test]
async fn error_accept_job_not_target_provider() {
    let (mut m, provider, client) = setup(Mints::SPL).await;
    let other = m.provider(MIN_STAKE).await;
    let mut args = m.job_args(&client, 10, 10).await;
    args.target_provider = Some(m.provider_pda(&provider.key()));
    let (job, res) = m.try_create_job(&client, args).await;
    Env::ok(res);
    assert_code(
        m.accept(&other, job).await,
        spice_err(SpiceError::NotTargetProvider),
    );
    Env::ok(m.accept(&provider, job).await);
}

#[tokio::test]
async fn error_accept_job_suspended_provider() {
    let (mut m, provider, client) = setup(Mints::SPL).await;
    let ix = ix::begin_unbond(&m.net, provider.key(), 2 * MIN_STAKE);
    Env::ok(m.env.send(&[ix], &[&provider.kp]).await);
    assert_eq!(
        m.provider_account(&provider.key()).await.status,
        ProviderStatus::Suspended
    );
    let job = m.create_job(&client, 10, 10).await;
    assert_code(
        m.accept(&provider, job).await,
        spice_err(SpiceError::ProviderNotActive),
    );
}

#[tokio::test]
async fn error_accept_job_below_min_stake() {
    // The provider is still marked Active, but the minimum rose above its stake.
    let (mut m, provider, client) = setup(Mints::SPL).await;
    let mut params = default_params();
    params.min_stake = 2 * MIN_STAKE + 1;
    m.update_params(params).await;
    let job = m.create_job(&client, 10, 10).await;
    assert_code(
        m.accept(&provider, job).await,
        spice_err(SpiceError::ProviderNotActive),
    );
    // Topping up to the new minimum is enough.
    let ix = ix::stake(&m.net, provider.key(), provider.stake, 1);
    Env::ok(m.env.send(&[ix], &[&provider.kp]).await);
    Env::ok(m.accept(&provider, job).await);
    m.check_invariants().await;
}

#[tokio::test]
async fn error_accept_job_for_another_provider() {
    let (mut m, victim, client) = setup(Mints::SPL).await;
    let attacker = m.provider(MIN_STAKE).await;
    let job = m.create_job(&client, 10, 10).await;
    let mut ix = ix::accept_job(&m.net, attacker.key(), job);
    substitute(
        &mut ix,
        &m.provider_pda(&attacker.key()),
        &m.provider_pda(&victim.key()),
    );
    assert_code(
        m.env.send(&[ix], &[&attacker.kp]).await,
        anchor_err(ErrorCode::ConstraintSeeds),
    );
    m.env
        .assert_needs_signature(ix::accept_job(&m.net, victim.key(), job), &victim.key())
        .await;
    assert_eq!(m.job_account(&job).await.state, JobState::Open);
}

#[tokio::test]
async fn error_accept_job_of_another_network() {
    let (mut m, _, client) = setup(Mints::SPL).await;
    let job = m.create_job(&client, 10, 10).await;
    // A provider registered on another network.
    let other = m.second_network(2).await;
    let a = m.actor(0, MIN_STAKE).await;
    let ix = ix::register_provider(&other, a.key(), a.stake, MIN_STAKE, Default::default());
    Env::ok(m.env.send(&[ix], &[&a.kp]).await);
    let ix = ix::accept_job(&other, a.key(), job);
    assert_code(
        m.env.send(&[ix], &[&a.kp]).await,
        spice_err(SpiceError::WrongNetwork),
    );
}

// ---------------------------------------------------------------- submit_result

#[tokio::test]
async fn submit_result_starts_the_challenge_window() {
    let (mut m, provider, client) = setup(Mints::SPL).await;
    let job = m.running_job(&client, &provider, 10, 10).await;
    m.env.warp_seconds(JOB_WINDOW).await;
    let args = SubmitResultArgs {
        result_hash: [5; 32],
        units: 10,
        result_uri: "https://example.org/out".into(),
    };
    let ix = ix::submit_result(&m.net, provider.key(), job, args);
    Env::ok(m.env.send(&[ix], &[&provider.kp]).await);
    let clock = m.env.clock().await;
    let j = m.job_account(&job).await;
    assert_eq!(j.state, JobState::Submitted);
    assert_eq!(j.result_hash, [5; 32]);
    assert_eq!(j.result_uri, "https://example.org/out");
    assert_eq!(j.reported_units, 10);
    assert_eq!(j.submit_slot, clock.slot);
    assert_eq!(j.challenge_deadline, clock.unix_timestamp + CHALLENGE);
    assert_eq!(j.audit, AuditDraw::Pending);
    // The provider still holds the job until it settles.
    assert_eq!(m.provider_account(&provider.key()).await.active_jobs, 1);
    m.check_invariants().await;
}

#[tokio::test]
async fn error_submit_after_completion_deadline() {
    let (mut m, provider, client) = setup(Mints::SPL).await;
    let job = m.running_job(&client, &provider, 10, 10).await;
    m.env.warp_seconds(JOB_WINDOW + 1).await;
    assert_code(
        m.submit(&provider, job, 10).await,
        spice_err(SpiceError::CompletionDeadlinePassed),
    );
}

#[tokio::test]
async fn error_submit_units_exceed_max() {
    let (mut m, provider, client) = setup(Mints::SPL).await;
    let job = m.running_job(&client, &provider, 10, 10).await;
    for units in [11, u64::MAX] {
        assert_code(
            m.submit(&provider, job, units).await,
            spice_err(SpiceError::UnitsExceedMax),
        );
    }
    Env::ok(m.submit(&provider, job, 10).await);
}

#[tokio::test]
async fn error_submit_by_another_provider() {
    let (mut m, provider, client) = setup(Mints::SPL).await;
    let other = m.provider(MIN_STAKE).await;
    let job = m.running_job(&client, &provider, 10, 10).await;
    // Another registered provider, signing for itself.
    assert_code(
        m.submit(&other, job, 10).await,
        spice_err(SpiceError::NotJobProvider),
    );
    // The job's provider account, signed by the other provider.
    let mut ix = ix::submit_result(&m.net, other.key(), job, result_args(10));
    substitute(
        &mut ix,
        &m.provider_pda(&other.key()),
        &m.provider_pda(&provider.key()),
    );
    assert_code(
        m.env.send(&[ix], &[&other.kp]).await,
        anchor_err(ErrorCode::ConstraintSeeds),
    );
    let ix = ix::submit_result(&m.net, provider.key(), job, result_args(10));
    m.env.assert_needs_signature(ix, &provider.key()).await;
    assert_eq!(m.job_account(&job).await.state, JobState::Running);
}

#[tokio::test]
async fn error_submit_wrong_state() {
    let (mut m, provider, client) = setup(Mints::SPL).await;
    // Open: nobody holds it yet.
    let open = m.create_job(&client, 10, 10).await;
    assert_code(
        m.submit(&provider, open, 1).await,
        spice_err(SpiceError::NotJobProvider),
    );
    // Submitted already.
    let job = m.submitted_job(&client, &provider, 10, 10, 5).await;
    assert_code(
        m.submit(&provider, job, 10).await,
        spice_err(SpiceError::InvalidJobState),
    );
    assert_eq!(m.job_account(&job).await.reported_units, 5);
}

// ---------------------------------------------------------------- approve_job: settlement math

#[tokio::test]
async fn approve_job_pays_provider_fee_and_refund() {
    let (mut m, provider, client) = setup(Mints::SPL).await;
    let mint = m.net.payment_mint;
    m.env.mint_to(&mint, &client.payment, 100_000_000).await;
    // (fee bps, price, max units, reported units)
    for (fee_bps, price, max_units, units) in [
        (250, 1_000, 100, 60),
        (250, 333, 100, 77),    // fee 641.025 → 642
        (250, 1, 1, 1),         // fee 0.025 → 1, the provider gets 0
        (1, 999_999, 3, 2),     // fee 199.9998 → 200
        (2_000, 1_000, 50, 50), // exact fee, every unit used
        (250, 7, 10, 0),        // nothing done: full refund
        (0, 123, 45, 44),       // no fee
        (MAX_PROTOCOL_FEE_BPS, 3, 3, 1),
    ] {
        let mut params = default_params();
        params.protocol_fee_bps = fee_bps;
        // Rewards stay below the fee (rate cap × m_max ≤ fee) without bootstrap parameters.
        params.reward_rate_cap_bps = u32::from(fee_bps) * 10_000 / params.m_max_bps;
        m.update_params(params).await;
        let job = m
            .submitted_job(&client, &provider, price, max_units, units)
            .await;
        m.check_invariants().await;
        let before = snapshot(&mut m, job, &client, &provider).await;
        let stats = m.provider_account(&provider.key()).await.stats;
        Env::ok(approve(&mut m, job, &client, &provider).await);
        let want = expected(price, max_units, units, fee_bps);
        assert_closed_with(&mut m, job, &client, &provider, &before, want).await;
        let p = m.provider_account(&provider.key()).await;
        assert_eq!(p.active_jobs, 0);
        assert_eq!(p.stats.jobs_completed, stats.jobs_completed + 1);
        assert_eq!(p.stats.units_completed, stats.units_completed + units);
        assert_eq!(p.stats.total_earned, stats.total_earned + want.0);
    }
}

#[tokio::test]
async fn approve_job_on_every_mint_layout() {
    for mints in [Mints::SPL, Mints::T22, Mints::MIXED, Mints::SINGLE] {
        let (mut m, provider, client) = setup(mints).await;
        let job = m.submitted_job(&client, &provider, 333, 100, 77).await;
        let before = snapshot(&mut m, job, &client, &provider).await;
        Env::ok(approve(&mut m, job, &client, &provider).await);
        let want = expected(333, 100, 77, 250);
        assert_eq!(want, (24_999, 642, 7_659));
        assert_closed_with(&mut m, job, &client, &provider, &before, want).await;
    }
}

#[tokio::test]
async fn settlement_of_the_largest_escrow_uses_wide_math() {
    let (mut m, provider, client) = setup(Mints::SPL).await;
    let mint = m.net.payment_mint;
    let price = u64::MAX / 2;
    m.env
        .mint_to(&mint, &client.payment, 2 * price - 10_000_000)
        .await;
    let mut params = default_params();
    params.protocol_fee_bps = MAX_PROTOCOL_FEE_BPS;
    m.update_params(params).await;
    let job = m.submitted_job(&client, &provider, price, 2, 1).await;
    let before = snapshot(&mut m, job, &client, &provider).await;
    Env::ok(approve(&mut m, job, &client, &provider).await);
    let want = expected(price, 2, 1, MAX_PROTOCOL_FEE_BPS);
    assert_closed_with(&mut m, job, &client, &provider, &before, want).await;
}

#[tokio::test]
async fn approve_job_after_the_challenge_window() {
    let (mut m, provider, client) = setup(Mints::SPL).await;
    let job = m.submitted_job(&client, &provider, 100, 10, 10).await;
    m.env.warp_seconds(CHALLENGE + 1).await;
    let before = snapshot(&mut m, job, &client, &provider).await;
    Env::ok(approve(&mut m, job, &client, &provider).await);
    let want = expected(100, 10, 10, 250);
    assert_closed_with(&mut m, job, &client, &provider, &before, want).await;
}

#[tokio::test]
async fn error_approve_job_not_client() {
    let (mut m, provider, client) = setup(Mints::SPL).await;
    let attacker = m.actor(0, 0).await;
    let job = m.submitted_job(&client, &provider, 100, 10, 10).await;
    // The attacker as the approving signer, every other account right.
    let mut ix = approve_ix(&mut m, job, &client, &provider).await;
    ix.accounts[0].pubkey = attacker.key();
    assert_code(
        m.env.send(&[ix], &[&attacker.kp]).await,
        spice_err(SpiceError::NotJobClient),
    );
    // The attacker everywhere the client is: without a Client record of its own it names none.
    let keys = SettleKeys {
        client: attacker.key(),
        ..m.settle_keys(job, &client, &provider).await
    };
    let ix = ix::approve_job(&m.net, &keys);
    assert_code(
        m.env.send(std::slice::from_ref(&ix), &[&attacker.kp]).await,
        anchor_err(ErrorCode::AccountNotInitialized),
    );
    give_client_record(&mut m, &attacker).await;
    assert_code(
        m.env.send(&[ix], &[&attacker.kp]).await,
        spice_err(SpiceError::NotJobClient),
    );
    // The client's key without its signature.
    let ix = approve_ix(&mut m, job, &client, &provider).await;
    m.env.assert_needs_signature(ix, &client.key()).await;
    assert_eq!(m.job_account(&job).await.state, JobState::Submitted);
}

#[tokio::test]
async fn error_approve_job_wrong_state() {
    let (mut m, provider, client) = setup(Mints::SPL).await;
    let job = m.running_job(&client, &provider, 100, 10).await;
    assert_code(
        approve(&mut m, job, &client, &provider).await,
        spice_err(SpiceError::InvalidJobState),
    );
    Env::ok(m.submit(&provider, job, 10).await);
    Env::ok(dispute(&mut m, &client, job).await);
    assert_code(
        approve(&mut m, job, &client, &provider).await,
        spice_err(SpiceError::InvalidJobState),
    );
    m.check_invariants().await;
}

// ---------------------------------------------------------------- settle_job

#[tokio::test]
async fn settle_job_after_the_challenge_window() {
    for mints in [Mints::SPL, Mints::T22, Mints::MIXED, Mints::SINGLE] {
        let (mut m, provider, client) = setup(mints).await;
        let job = m.submitted_job(&client, &provider, 1_000, 100, 60).await;
        m.env.warp_seconds(CHALLENGE + 1).await;
        let before = snapshot(&mut m, job, &client, &provider).await;
        Env::ok(settle(&mut m, job, &client, &provider).await);
        let want = expected(1_000, 100, 60, 250);
        assert_eq!(want, (58_500, 1_500, 40_000));
        assert_closed_with(&mut m, job, &client, &provider, &before, want).await;
        let p = m.provider_account(&provider.key()).await;
        assert_eq!(p.active_jobs, 0);
        assert_eq!(p.stats.jobs_completed, 1);
        assert_eq!(p.stats.units_completed, 60);
        assert_eq!(p.stats.total_earned, 58_500);
    }
}

#[tokio::test]
async fn error_settle_job_challenge_window_open() {
    let (mut m, provider, client) = setup(Mints::SPL).await;
    let job = m.submitted_job(&client, &provider, 100, 10, 10).await;
    assert_code(
        settle(&mut m, job, &client, &provider).await,
        spice_err(SpiceError::ChallengeWindowOpen),
    );
    // The window's last second still belongs to the client.
    m.env.warp_seconds(CHALLENGE).await;
    assert_code(
        settle(&mut m, job, &client, &provider).await,
        spice_err(SpiceError::ChallengeWindowOpen),
    );
    m.env.warp_seconds(1).await;
    Env::ok(settle(&mut m, job, &client, &provider).await);
    m.check_invariants().await;
}

#[tokio::test]
async fn error_settle_job_wrong_state() {
    let (mut m, provider, client) = setup(Mints::SPL).await;
    let job = m.running_job(&client, &provider, 100, 10).await;
    m.env.warp_seconds(CHALLENGE + 1).await;
    assert_code(
        settle(&mut m, job, &client, &provider).await,
        spice_err(SpiceError::InvalidJobState),
    );
    let job = m.running_job(&client, &provider, 100, 10).await;
    Env::ok(m.submit(&provider, job, 10).await);
    Env::ok(dispute(&mut m, &client, job).await);
    m.env.warp_seconds(CHALLENGE + 1).await;
    assert_code(
        settle(&mut m, job, &client, &provider).await,
        spice_err(SpiceError::InvalidJobState),
    );
    m.check_invariants().await;
}

#[tokio::test]
async fn error_settle_job_substituted_accounts() {
    let (mut m, provider, client) = setup(Mints::SPL).await;
    let attacker = m.provider(MIN_STAKE).await;
    let job = m.submitted_job(&client, &provider, 100, 10, 10).await;
    let other_job = m.create_job(&client, 10, 10).await;
    let other_net = m.second_network(2).await;
    m.env.warp_seconds(CHALLENGE + 1).await;
    let cases: Vec<(&str, Pubkey, Pubkey, u32)> = vec![
        (
            "network",
            m.net.network,
            other_net.network,
            spice_err(SpiceError::WrongNetwork),
        ),
        (
            "escrow vault",
            pda::escrow_vault(&job),
            pda::escrow_vault(&other_job),
            anchor_err(ErrorCode::ConstraintSeeds),
        ),
        (
            "provider",
            m.provider_pda(&provider.key()),
            m.provider_pda(&attacker.key()),
            spice_err(SpiceError::NotJobProvider),
        ),
        (
            "provider token",
            provider.payment,
            attacker.payment,
            anchor_err(ErrorCode::ConstraintSeeds),
        ),
        (
            "client (rent)",
            client.key(),
            attacker.key(),
            spice_err(SpiceError::NotJobClient),
        ),
        (
            "client token",
            client.payment,
            attacker.payment,
            anchor_err(ErrorCode::ConstraintSeeds),
        ),
        (
            "treasury",
            m.net.payment_treasury(),
            attacker.payment,
            anchor_err(ErrorCode::ConstraintSeeds),
        ),
        (
            "payment mint",
            m.net.payment_mint,
            m.net.stake_mint,
            spice_err(SpiceError::WrongMint),
        ),
        (
            "token program",
            TOKEN_PROGRAM,
            TOKEN_2022_PROGRAM,
            spice_err(SpiceError::WrongTokenProgram),
        ),
    ];
    let good = settle_ix(&mut m, job, &client, &provider).await;
    m.env.assert_substitutions_refused(&good, &[], &cases).await;
    let before = snapshot(&mut m, job, &client, &provider).await;
    Env::ok(settle(&mut m, job, &client, &provider).await);
    let want = expected(100, 10, 10, 250);
    assert_closed_with(&mut m, job, &client, &provider, &before, want).await;
}

// ---------------------------------------------------------------- dispute_job

#[tokio::test]
async fn dispute_job_inside_the_window() {
    let (mut m, provider, client) = setup(Mints::SPL).await;
    let job = m.submitted_job(&client, &provider, 100, 10, 10).await;
    // Its last second.
    m.env.warp_seconds(CHALLENGE).await;
    Env::ok(dispute(&mut m, &client, job).await);
    let now = m.env.now().await;
    let j = m.job_account(&job).await;
    assert_eq!(j.state, JobState::Disputed);
    assert_eq!(j.vote_deadline, now + DISPUTE);
    // Nothing moved; the provider still holds the job.
    assert_eq!(m.provider_account(&provider.key()).await.active_jobs, 1);
    m.check_invariants().await;
}

#[tokio::test]
async fn error_dispute_after_window() {
    let (mut m, provider, client) = setup(Mints::SPL).await;
    let job = m.submitted_job(&client, &provider, 100, 10, 10).await;
    m.env.warp_seconds(CHALLENGE + 1).await;
    assert_code(
        dispute(&mut m, &client, job).await,
        spice_err(SpiceError::ChallengeWindowClosed),
    );
    Env::ok(settle(&mut m, job, &client, &provider).await);
}

#[tokio::test]
async fn error_dispute_not_client() {
    let (mut m, provider, client) = setup(Mints::SPL).await;
    let attacker = m.actor(0, 0).await;
    let job = m.submitted_job(&client, &provider, 100, 10, 10).await;
    assert_code(
        dispute(&mut m, &attacker, job).await,
        spice_err(SpiceError::NotJobClient),
    );
    m.env
        .assert_needs_signature(ix::dispute_job(&m.net, client.key(), job), &client.key())
        .await;
    // The provider cannot dispute its own work either.
    assert_code(
        dispute(&mut m, &provider, job).await,
        spice_err(SpiceError::NotJobClient),
    );
    assert_eq!(m.job_account(&job).await.state, JobState::Submitted);
}

#[tokio::test]
async fn error_dispute_wrong_state() {
    let (mut m, provider, client) = setup(Mints::SPL).await;
    let open = m.create_job(&client, 10, 10).await;
    assert_code(
        dispute(&mut m, &client, open).await,
        spice_err(SpiceError::InvalidJobState),
    );
    let job = m.running_job(&client, &provider, 10, 10).await;
    assert_code(
        dispute(&mut m, &client, job).await,
        spice_err(SpiceError::InvalidJobState),
    );
    Env::ok(m.submit(&provider, job, 10).await);
    Env::ok(dispute(&mut m, &client, job).await);
    assert_code(
        dispute(&mut m, &client, job).await,
        spice_err(SpiceError::InvalidJobState),
    );
}

#[tokio::test]
async fn error_dispute_of_another_network() {
    let (mut m, provider, client) = setup(Mints::SPL).await;
    let job = m.submitted_job(&client, &provider, 100, 10, 10).await;
    let other = m.second_network(2).await;
    let ix = ix::dispute_job(&other, client.key(), job);
    assert_code(
        m.env.send(&[ix], &[&client.kp]).await,
        spice_err(SpiceError::WrongNetwork),
    );
}

// ---------------------------------------------------------------- expire_job

/// `expire_job` (naming `named`'s account) is refused now and `window` seconds from now, the
/// deadline itself; a second later any crank (only the test payer signs) refunds the client.
async fn assert_expires_after(
    m: &mut Market,
    job: Pubkey,
    client: &Actor,
    provider: &Actor,
    named: Option<&Actor>,
    window: i64,
) {
    for warp in [0, window] {
        m.env.warp_seconds(warp).await;
        assert_code(
            m.expire(job, client, named).await,
            spice_err(SpiceError::NotExpired),
        );
    }
    m.env.warp_seconds(1).await;
    let before = snapshot(m, job, client, provider).await;
    Env::ok(m.expire(job, client, named).await);
    assert_refunded(m, job, client, provider, &before).await;
}

#[tokio::test]
async fn expire_open_job_after_accept_deadline() {
    let (mut m, provider, client) = setup(Mints::SPL).await;
    let job = m.create_job(&client, 1_000, 100).await;
    assert_expires_after(&mut m, job, &client, &provider, None, JOB_WINDOW).await;
}

#[tokio::test]
async fn expire_running_job_after_completion_deadline() {
    let (mut m, provider, client) = setup(Mints::SPL).await;
    let job = m.running_job(&client, &provider, 1_000, 100).await;
    let named = Some(&provider);
    assert_expires_after(&mut m, job, &client, &provider, named, JOB_WINDOW).await;
    let p = m.provider_account(&provider.key()).await;
    assert_eq!(p.active_jobs, 0);
    assert_eq!(p.stats.jobs_failed, 1);
    assert_eq!(p.stats.jobs_accepted, 1);
    assert_eq!(p.stats.jobs_completed, 0);
    // No slash: the stake is untouched.
    assert_eq!(p.stake, 2 * MIN_STAKE);
}

#[tokio::test]
async fn expire_disputed_job_after_vote_deadline() {
    let (mut m, provider, client) = setup(Mints::SPL).await;
    let job = m.submitted_job(&client, &provider, 1_000, 100, 100).await;
    Env::ok(dispute(&mut m, &client, job).await);
    let named = Some(&provider);
    assert_expires_after(&mut m, job, &client, &provider, named, DISPUTE).await;
    // No quorum: nobody is blamed.
    let p = m.provider_account(&provider.key()).await;
    assert_eq!(p.active_jobs, 0);
    assert_eq!(p.stats.jobs_failed, 0);
    assert_eq!(p.stake, 2 * MIN_STAKE);
}

#[tokio::test]
async fn error_expire_submitted_job() {
    // A submitted job is settled, never expired, whatever the time.
    let (mut m, provider, client) = setup(Mints::SPL).await;
    let job = m.submitted_job(&client, &provider, 100, 10, 10).await;
    for warp in [0, CHALLENGE + 1, 30 * DAY] {
        m.env.warp_seconds(warp).await;
        assert_code(
            m.expire(job, &client, Some(&provider)).await,
            spice_err(SpiceError::NotExpired),
        );
    }
    Env::ok(settle(&mut m, job, &client, &provider).await);
}

#[tokio::test]
async fn error_expire_accepted_job_without_provider() {
    let (mut m, provider, client) = setup(Mints::SPL).await;
    let other = m.provider(MIN_STAKE).await;
    let job = m.running_job(&client, &provider, 100, 10).await;
    m.env.warp_seconds(JOB_WINDOW + 1).await;
    assert_code(
        m.expire(job, &client, None).await,
        spice_err(SpiceError::NotJobProvider),
    );
    assert_code(
        m.expire(job, &client, Some(&other)).await,
        spice_err(SpiceError::NotJobProvider),
    );
    // An open job names no provider.
    let open = m.create_job(&client, 10, 10).await;
    m.env.warp_seconds(JOB_WINDOW + 1).await;
    assert_code(
        m.expire(open, &client, Some(&provider)).await,
        spice_err(SpiceError::NotJobProvider),
    );
    Env::ok(m.expire(job, &client, Some(&provider)).await);
    Env::ok(m.expire(open, &client, None).await);
    assert_eq!(m.provider_account(&other.key()).await.active_jobs, 0);
    m.check_invariants().await;
}

#[tokio::test]
async fn error_expire_job_substituted_accounts() {
    let (mut m, provider, client) = setup(Mints::SPL).await;
    let attacker = m.actor(0, 0).await;
    let job = m.create_job(&client, 100, 10).await;
    let other_job = m.create_job(&client, 10, 10).await;
    m.env.warp_seconds(JOB_WINDOW + 1).await;
    let cases: Vec<(Pubkey, Pubkey, u32)> = vec![
        // The rent to the attacker.
        (
            client.key(),
            attacker.key(),
            spice_err(SpiceError::NotJobClient),
        ),
        // The refund to the attacker (the client's ATA is derived from the job).
        (
            client.payment,
            attacker.payment,
            anchor_err(ErrorCode::ConstraintSeeds),
        ),
        (
            pda::escrow_vault(&job),
            pda::escrow_vault(&other_job),
            anchor_err(ErrorCode::ConstraintSeeds),
        ),
        (
            m.net.payment_mint,
            m.net.stake_mint,
            spice_err(SpiceError::WrongMint),
        ),
        (
            TOKEN_PROGRAM,
            TOKEN_2022_PROGRAM,
            spice_err(SpiceError::WrongTokenProgram),
        ),
    ];
    for (old, new, code) in cases {
        let mut ix = m.expire_ix(job, &client, None);
        substitute(&mut ix, &old, &new);
        assert_code(m.env.send(&[ix], &[]).await, code);
    }
    let before = snapshot(&mut m, job, &client, &provider).await;
    Env::ok(m.expire(job, &client, None).await);
    assert_refunded(&mut m, job, &client, &provider, &before).await;
}

#[tokio::test]
/// Anyone can transfer tokens into an escrow vault; that must not lock the job, and the
/// surplus goes back to the client with the refund.
async fn escrow_donation_does_not_lock_the_job() {
    let (mut m, provider, client) = setup(Mints::SPL).await;
    let griefer = m.actor(2, 0).await;
    let mint = m.net.payment_mint;
    let open = m.create_job(&client, 100, 10).await;
    let submitted = m.submitted_job(&client, &provider, 100, 10, 10).await;
    // One base unit into each escrow vault.
    for job in [open, submitted] {
        let vault = pda::escrow_vault(&job);
        Env::ok(
            m.env
                .transfer(&mint, &griefer.payment, &vault, &griefer.kp, 1)
                .await,
        );
    }
    let before = m.env.balance(&client.payment).await;
    Env::ok(cancel(&mut m, &client, open).await);
    assert_eq!(m.env.balance(&client.payment).await - before, 1_000 + 1);
    let before = m.env.balance(&client.payment).await;
    Env::ok(approve(&mut m, submitted, &client, &provider).await);
    assert_eq!(
        m.env.balance(&client.payment).await - before,
        1,
        "surplus to the client"
    );
    assert!(!m.env.exists(&pda::escrow_vault(&submitted)).await);
}

#[tokio::test]
async fn error_job_instructions_with_spl_token_on_a_token_2022_network() {
    let (mut m, provider, client) = setup(Mints::T22).await;
    let swap = |mut ix: Instruction| {
        substitute(&mut ix, &TOKEN_2022_PROGRAM, &TOKEN_PROGRAM);
        ix
    };
    let args = m.job_args(&client, 10, 10).await;
    let ix = swap(ix::create_job(&m.net, client.key(), client.payment, args));
    assert_code(
        m.env.send(&[ix], &[&client.kp]).await,
        anchor_err(ErrorCode::ConstraintTokenTokenProgram),
    );
    let open = m.create_job(&client, 10, 10).await;
    let ix = swap(ix::cancel_job(&m.net, client.key(), open));
    assert_code(
        m.env.send(&[ix], &[&client.kp]).await,
        spice_err(SpiceError::WrongTokenProgram),
    );
    let job = m.submitted_job(&client, &provider, 10, 10, 10).await;
    let ix = swap(approve_ix(&mut m, job, &client, &provider).await);
    assert_code(
        m.env.send(&[ix], &[&client.kp]).await,
        spice_err(SpiceError::WrongTokenProgram),
    );
    m.env.warp_seconds(CHALLENGE + 1).await;
    let ix = swap(settle_ix(&mut m, job, &client, &provider).await);
    assert_code(
        m.env.send(&[ix], &[]).await,
        spice_err(SpiceError::WrongTokenProgram),
    );
    let ix = swap(m.expire_ix(open, &client, None));
    assert_code(
        m.env.send(&[ix], &[]).await,
        spice_err(SpiceError::WrongTokenProgram),
    );
    // With the right program every one of them works.
    Env::ok(settle(&mut m, job, &client, &provider).await);
    Env::ok(m.expire(open, &client, None).await);
    m.check_invariants().await;
}

#[tokio::test]
async fn error_closed_job_cannot_be_touched_again() {
    let (mut m, provider, client) = setup(Mints::SPL).await;
    let cancelled = m.create_job(&client, 10, 10).await;
    Env::ok(cancel(&mut m, &client, cancelled).await);
    let approved = m.submitted_job(&client, &provider, 10, 10, 10).await;
    Env::ok(approve(&mut m, approved, &client, &provider).await);
    m.env.warp_seconds(CHALLENGE + 1).await;
    let gone = anchor_err(ErrorCode::AccountNotInitialized);
    assert_code(cancel(&mut m, &client, cancelled).await, gone);
    assert_code(m.expire(cancelled, &client, None).await, gone);
    assert_code(approve(&mut m, approved, &client, &provider).await, gone);
    assert_code(settle(&mut m, approved, &client, &provider).await, gone);
    assert_code(m.expire(approved, &client, Some(&provider)).await, gone);
    assert_code(dispute(&mut m, &client, approved).await, gone);
    m.check_invariants().await;
}

#[tokio::test]
async fn running_job_finishes_after_min_stake_raised() {
    // The minimum rising above the provider's stake stops new work, not running work.
    let (mut m, provider, client) = setup_short_delay().await;
    let job = m.running_job(&client, &provider, 100, 10).await;
    let mut params = default_params();
    params.min_stake = 3 * MIN_STAKE;
    m.update_params(params).await;
    let next = m.create_job(&client, 100, 10).await;
    assert_code(
        m.accept(&provider, next).await,
        spice_err(SpiceError::ProviderNotActive),
    );
    Env::ok(m.submit(&provider, job, 10).await);
    let before = snapshot(&mut m, job, &client, &provider).await;
    Env::ok(approve(&mut m, job, &client, &provider).await);
    let want = expected(100, 10, 10, 250);
    assert_closed_with(&mut m, job, &client, &provider, &before, want).await;
}
