//! Attacks from SECURITY.md's threat-model table that no other module attempts: substituted
//! reward vaults, the same account passed twice as two mutable accounts, stale epoch accounts,
//! closed epoch/attestation reuse and audit-draw tampering. Each asserts the specific refusal.

use anchor_lang::error::ErrorCode;
use anchor_lang::prelude::Pubkey;
use solana_sdk::signature::{Keypair, Signer};
use spice::errors::SpiceError;
use spice::state::{AuditDraw, Job, NetworkParams, Verdict};
use spice_sdk::{ix, pda};
use spice_tests::market::{default_params, Actor, Market, Mints, DAY, MIN_STAKE};
use spice_tests::{anchor_err, assert_code, spice_err, substitute, unsign, Env, TOKEN_PROGRAM};

const EPOCH: i64 = 7 * DAY;
const PRICE: u64 = 1_000;

fn curve_params() -> NetworkParams {
    NetworkParams {
        initial_emission: 100_000,
        tail_emission: 10_000,
        emission_decay_bps: 1_000,
        reward_per_fee_cap_bps: 1_000_000,
        ..default_params()
    }
}

async fn warp_to_epoch(m: &mut Market, index: u64) {
    let genesis = m.network().await.genesis_ts;
    let now = m.env.now().await;
    let target = genesis + index as i64 * EPOCH + 1;
    if target > now {
        m.env.warp_seconds(target - now).await;
    }
}

/// A funded reward pool, one provider with paid work in epoch 0, and epoch 0 finalized.
async fn finalized_epoch() -> (Market, Actor) {
    let mut m = Market::with_params(Mints::MIXED, curve_params()).await;
    m.fund_rewards(1_000_000).await;
    let p = m.provider(MIN_STAKE).await;
    let client = m.actor(10_000_000, 0).await;
    m.paid_job(&client, &p, PRICE, 10).await;
    warp_to_epoch(&mut m, 1).await;
    Env::ok(m.try_finalize(0).await);
    (m, p)
}

// ------------------------------------------------------------------ fund_rewards

#[tokio::test]
async fn fund_rewards_refuses_substitutes_and_a_missing_signature() {
    let mut m = Market::with_params(Mints::MIXED, curve_params()).await;
    let funder = m.actor(1_000, 1_000).await;
    let good = ix::fund_rewards(&m.net, funder.key(), funder.stake, 100);
    // The stake treasury (same mint, program-owned) in place of the reward vault.
    let mut ix = good.clone();
    substitute(
        &mut ix,
        &pda::reward_vault(&m.net.network),
        &m.net.stake_treasury(),
    );
    assert_code(
        m.env.send(&[ix], &[&funder.kp]).await,
        anchor_err(ErrorCode::ConstraintSeeds),
    );
    // The payment mint in place of the stake mint.
    let mut ix = good.clone();
    substitute(&mut ix, &m.net.stake_mint, &m.net.payment_mint);
    assert_code(
        m.env.send(&[ix], &[&funder.kp]).await,
        spice_err(SpiceError::WrongMint),
    );
    // SPL Token in place of the stake mint's Token-2022.
    let mut ix = good.clone();
    substitute(&mut ix, &m.net.stake_token_program, &TOKEN_PROGRAM);
    assert_code(
        m.env.send(&[ix], &[&funder.kp]).await,
        anchor_err(ErrorCode::ConstraintTokenTokenProgram),
    );
    // Someone else's tokens: the funder does not sign for them.
    let mut ix = good.clone();
    unsign(&mut ix, &funder.key());
    assert_code(
        m.env.send(&[ix], &[]).await,
        anchor_err(ErrorCode::AccountNotSigner),
    );
    let zero = ix::fund_rewards(&m.net, funder.key(), funder.stake, 0);
    assert_code(
        m.env.send(&[zero], &[&funder.kp]).await,
        spice_err(SpiceError::ZeroAmount),
    );
    Env::ok(m.env.send(&[good], &[&funder.kp]).await);
    assert_eq!(m.env.balance(&pda::reward_vault(&m.net.network)).await, 100);
}

// ------------------------------------------------------------------ claim_rewards

#[tokio::test]
async fn claim_rewards_refuses_a_substituted_vault_and_program() {
    let (mut m, p) = finalized_epoch().await;
    let good = m.claim_ix(&p, &[0]).await;
    let mut ix = good.clone();
    substitute(
        &mut ix,
        &pda::reward_vault(&m.net.network),
        &m.net.stake_treasury(),
    );
    assert_code(
        m.env.send(&[ix], &[&p.kp]).await,
        anchor_err(ErrorCode::ConstraintSeeds),
    );
    let mut ix = good.clone();
    substitute(&mut ix, &m.net.stake_token_program, &TOKEN_PROGRAM);
    assert_code(
        m.env.send(&[ix], &[&p.kp]).await,
        anchor_err(ErrorCode::ConstraintTokenTokenProgram),
    );
    let mut ix = good.clone();
    unsign(&mut ix, &p.key());
    assert_code(
        m.env.send(&[ix], &[]).await,
        anchor_err(ErrorCode::AccountNotSigner),
    );
    Env::ok(m.env.send(&[good], &[&p.kp]).await);
    m.check_reward_invariants(&[0]).await;
}

// ------------------------------------------------------------------ same account twice

#[tokio::test]
async fn the_same_vault_twice_is_refused() {
    let (mut m, p) = finalized_epoch().await;
    let dup = anchor_err(ErrorCode::ConstraintDuplicateMutableAccount);
    // claim_rewards paying the reward vault into itself.
    let vault = pda::reward_vault(&m.net.network);
    let mut ix = m.claim_ix(&p, &[0]).await;
    substitute(&mut ix, &p.stake, &vault);
    assert_code(m.env.send(&[ix], &[&p.kp]).await, dup);
    // withdraw_treasury into the treasury it withdraws from.
    let auth = m.authority.insecure_clone();
    let treasury = m.net.payment_treasury();
    let ix = ix::withdraw_treasury(auth.pubkey(), &m.net, m.net.payment_mint, treasury, 1);
    assert_code(m.env.send(&[ix], &[&auth]).await, dup);
    // withdraw_unbonded and close_provider into the provider's own stake vault.
    let stake_vault = pda::stake_vault(&m.provider_pda(&p.key()));
    let ix = ix::withdraw_unbonded(&m.net, p.key(), stake_vault);
    assert_code(m.env.send(&[ix], &[&p.kp]).await, dup);
    let ix = ix::close_provider(&m.net, p.key(), stake_vault);
    assert_code(m.env.send(&[ix], &[&p.kp]).await, dup);
    // A settlement paying the escrow vault into itself as the provider's account.
    let client = m.actor(10_000_000, 0).await;
    let job = m.submitted_job(&client, &p, PRICE, 10, 10).await;
    let keys = m.settle_keys(job, &client, &p).await;
    let mut ix = ix::approve_job(&m.net, &keys);
    substitute(&mut ix, &p.payment, &pda::escrow_vault(&job));
    assert_code(m.env.send(&[ix], &[&client.kp]).await, dup);
    m.check_invariants().await;
    m.check_reward_invariants(&[0]).await;
}

// ------------------------------------------------------------------ stale epochs

#[tokio::test]
async fn settlement_cannot_credit_a_past_epoch() {
    let mut m = Market::with_params(Mints::MIXED, curve_params()).await;
    let p = m.provider(MIN_STAKE).await;
    let client = m.actor(10_000_000, 0).await;
    let approved = m.submitted_job(&client, &p, PRICE, 10, 10).await;
    let settled = m.submitted_job(&client, &p, PRICE, 10, 10).await;
    warp_to_epoch(&mut m, 1).await;
    // Work done now, credited to epoch 0 (whose totals finalize may already have read).
    for (job, signers) in [(approved, vec![&client.kp]), (settled, vec![])] {
        let mut keys = m.settle_keys(job, &client, &p).await;
        assert_eq!(keys.epoch, 1);
        keys.epoch = 0;
        let ix = if signers.is_empty() {
            ix::settle_job(&m.net, &keys)
        } else {
            ix::approve_job(&m.net, &keys)
        };
        assert_code(
            m.env.send(&[ix], &signers).await,
            anchor_err(ErrorCode::ConstraintSeeds),
        );
    }
    m.check_invariants().await;
}

// ------------------------------------------------------------------ close_epoch

#[tokio::test]
async fn close_epoch_refusals_and_no_reuse() {
    let (mut m, p) = finalized_epoch().await;
    assert_code(
        m.try_close_epoch(0).await,
        spice_err(SpiceError::ClaimWindowOpen),
    );
    let window = u64::from(m.network().await.params.claim_window_epochs);
    warp_to_epoch(&mut m, 1 + window).await;
    // The rent diverted to someone other than the finalizer.
    let payers = m.shard_payers(0).await;
    let thief = Keypair::new().pubkey();
    let ix = ix::close_epoch(&m.net, 0, thief, &payers);
    assert_code(
        m.env.send(&[ix], &[]).await,
        spice_err(SpiceError::WrongRentPayer),
    );
    Env::ok(m.try_close_epoch(0).await);
    assert!(!m.env.exists(&pda::epoch(&m.net.network, 0)).await);
    // The closed epoch can be neither closed again nor claimed from.
    let epoch_payer = m.env.payer();
    let again = ix::close_epoch(&m.net, 0, epoch_payer, &payers);
    assert_code(
        m.env.send(&[again], &[]).await,
        anchor_err(ErrorCode::AccountNotInitialized),
    );
    assert_code(
        m.try_claim(&p, &[0]).await,
        anchor_err(ErrorCode::AccountNotInitialized),
    );
    // An epoch past its claim window cannot be finalized (again): nothing of it could be
    // claimed.
    assert_code(
        m.try_finalize(0).await,
        spice_err(SpiceError::ClaimWindowClosed),
    );
    m.check_reward_invariants(&[0]).await;
}

// ------------------------------------------------------------------ draw_audit

#[tokio::test]
async fn draw_audit_refusals() {
    let mut params = default_params();
    params.audit_rate_bps = 10_000;
    let mut m = Market::with_params(Mints::MIXED, params).await;
    let other = m.second_network(2).await;
    let provider = m.provider(10 * MIN_STAKE).await;
    let client = m.actor(1_000_000, 0).await;
    let open = m.create_job(&client, PRICE, 10).await;
    let job = m.submitted_job(&client, &provider, PRICE, 10, 10).await;
    m.env.warp_slots(2).await;
    // A forged SlotHashes: the clock sysvar in its place.
    let mut ix = ix::draw_audit(&m.net, job);
    substitute(
        &mut ix,
        &spice::audit::SLOT_HASHES_ID,
        &solana_sdk::sysvar::clock::ID,
    );
    assert_code(
        m.env.send(&[ix], &[]).await,
        anchor_err(ErrorCode::ConstraintAddress),
    );
    // Another network (another audit rate) for the job.
    assert_code(
        m.env.send(&[ix::draw_audit(&other, job)], &[]).await,
        spice_err(SpiceError::WrongNetwork),
    );
    // A job with nothing to audit.
    assert_code(
        m.env.send(&[ix::draw_audit(&m.net, open)], &[]).await,
        spice_err(SpiceError::InvalidJobState),
    );
    Env::ok(m.env.send(&[ix::draw_audit(&m.net, job)], &[]).await);
    let j: Job = m.env.fetch(&job).await;
    assert_eq!(j.audit, AuditDraw::Selected);
    // No redraw: a crank cannot re-roll a draw it dislikes.
    m.env.warp_slots(2).await;
    assert_code(
        m.env.send(&[ix::draw_audit(&m.net, job)], &[]).await,
        spice_err(SpiceError::AuditAlreadyDrawn),
    );
}

// ------------------------------------------------------------------ attestations

/// A disputed job with one vote by each of the first two of three attestors, expired without
/// a quorum (quorum 3), so both attestations outlive the job.
async fn expired_with_votes() -> (Market, Vec<Keypair>, Pubkey) {
    let mut params = default_params();
    params.attestation_quorum = 3;
    let mut m = Market::with_params(Mints::MIXED, params).await;
    let att = m.attestors(3).await;
    let provider = m.provider(10 * MIN_STAKE).await;
    let client = m.actor(1_000_000, 0).await;
    let job = m.submitted_job(&client, &provider, PRICE, 20, 10).await;
    let dispute = ix::dispute_job(&m.net, client.key(), job);
    Env::ok(m.env.send(&[dispute], &[&client.kp]).await);
    for a in &att[..2] {
        Env::ok(
            m.try_attest(job, &client, &provider, a, Verdict::Valid, 10, &[])
                .await,
        );
    }
    m.env.warp_seconds(2 * DAY + 1).await;
    Env::ok(m.expire(job, &client, Some(&provider)).await);
    m.check_invariants().await;
    (m, att, job)
}

#[tokio::test]
async fn close_attestation_only_by_its_attestor_and_once() {
    let (mut m, att, job) = expired_with_votes().await;
    let victim = pda::attestation(&job, &att[0].pubkey());
    // att[1] claims att[0]'s rent.
    let mut steal = ix::close_attestation(job, att[0].pubkey());
    substitute(&mut steal, &att[0].pubkey(), &att[1].pubkey());
    assert_code(
        m.env.send(&[steal], &[&att[1]]).await,
        anchor_err(ErrorCode::ConstraintSeeds),
    );
    // Unsigned close in att[0]'s name.
    let mut unsigned = ix::close_attestation(job, att[0].pubkey());
    unsign(&mut unsigned, &att[0].pubkey());
    assert_code(
        m.env.send(&[unsigned], &[]).await,
        anchor_err(ErrorCode::AccountNotSigner),
    );
    let close = ix::close_attestation(job, att[0].pubkey());
    Env::ok(m.env.send(std::slice::from_ref(&close), &[&att[0]]).await);
    assert!(!m.env.exists(&victim).await);
    m.env.warp_slots(1).await;
    assert_code(
        m.env.send(&[close], &[&att[0]]).await,
        anchor_err(ErrorCode::AccountNotInitialized),
    );
}

#[tokio::test]
async fn attest_refuses_a_vote_without_the_attestors_signature() {
    let mut params = default_params();
    params.attestation_quorum = 2;
    let mut m = Market::with_params(Mints::MIXED, params).await;
    let att = m.attestors(1).await;
    let provider = m.provider(10 * MIN_STAKE).await;
    let client = m.actor(1_000_000, 0).await;
    let job = m.submitted_job(&client, &provider, PRICE, 20, 10).await;
    let dispute = ix::dispute_job(&m.net, client.key(), job);
    Env::ok(m.env.send(&[dispute], &[&client.kp]).await);
    let keys = m.settle_keys(job, &client, &provider).await;
    let args = spice::instructions::AttestArgs {
        verdict: Verdict::Invalid,
        measured_units: 0,
        evidence_hash: [5; 32],
    };
    let mut vote = ix::attest(&m.net, &keys, att[0].pubkey(), client.stake, args, &[]);
    unsign(&mut vote, &att[0].pubkey());
    assert_code(
        m.env.send(&[vote], &[]).await,
        anchor_err(ErrorCode::AccountNotSigner),
    );
    let j: Job = m.env.fetch(&job).await;
    assert_eq!(j.invalid_votes, 0);
}

// ------------------------------------------------------------------ type confusion

#[tokio::test]
async fn authority_instructions_refuse_a_network_of_another_type_or_owner() {
    let mut m = Market::new(Mints::SPL).await;
    let p = m.provider(MIN_STAKE).await;
    let auth = m.authority.insecure_clone();
    let network = m.net.network;
    let provider = m.provider_pda(&p.key());
    let treasury = m.net.payment_treasury();
    let candidate = Keypair::new();
    let build = |which: usize| match which {
        0 => ix::update_params(auth.pubkey(), network, default_params()),
        1 => ix::propose_authority(auth.pubkey(), network, Some(candidate.pubkey())),
        _ => ix::set_pause(auth.pubkey(), network, 1),
    };
    for which in 0..3 {
        // A program account of another type (a Provider) as the network.
        let mut ix = build(which);
        substitute(&mut ix, &network, &provider);
        assert_code(
            m.env.send(&[ix], &[&auth]).await,
            anchor_err(ErrorCode::AccountDiscriminatorMismatch),
        );
        // An account owned by another program (a token account) as the network.
        let mut ix = build(which);
        substitute(&mut ix, &network, &treasury);
        assert_code(
            m.env.send(&[ix], &[&auth]).await,
            anchor_err(ErrorCode::AccountOwnedByWrongProgram),
        );
    }
    let mut accept = ix::accept_authority(candidate.pubkey(), network);
    substitute(&mut accept, &network, &provider);
    assert_code(
        m.env.send(&[accept], &[&candidate]).await,
        anchor_err(ErrorCode::AccountDiscriminatorMismatch),
    );
    assert_eq!(m.network().await.authority, auth.pubkey());
}

// ------------------------------------------------------------------ closed accounts

#[tokio::test]
async fn a_closed_provider_cannot_be_used_again() {
    let mut m = Market::new(Mints::SPL).await;
    let a = m.provider(MIN_STAKE).await;
    let unbond = ix::begin_unbond(&m.net, a.key(), MIN_STAKE);
    Env::ok(m.env.send(&[unbond], &[&a.kp]).await);
    let unbond_seconds = m.network().await.params.unbond_seconds;
    m.env.warp_seconds(unbond_seconds).await;
    let withdraw = ix::withdraw_unbonded(&m.net, a.key(), a.stake);
    Env::ok(m.env.send(&[withdraw], &[&a.kp]).await);
    let close = ix::close_provider(&m.net, a.key(), a.stake);
    Env::ok(m.env.send(std::slice::from_ref(&close), &[&a.kp]).await);
    let gone = anchor_err(ErrorCode::AccountNotInitialized);
    m.env.warp_slots(1).await;
    assert_code(m.env.send(&[close], &[&a.kp]).await, gone);
    let stake = ix::stake(&m.net, a.key(), a.stake, 1);
    assert_code(m.env.send(&[stake], &[&a.kp]).await, gone);
    let unbond = ix::begin_unbond(&m.net, a.key(), 1);
    assert_code(m.env.send(&[unbond], &[&a.kp]).await, gone);
    let withdraw = ix::withdraw_unbonded(&m.net, a.key(), a.stake);
    assert_code(m.env.send(&[withdraw], &[&a.kp]).await, gone);
    let update = ix::update_provider(&m.net, a.key(), spice_tests::market::hardware());
    assert_code(m.env.send(&[update], &[&a.kp]).await, gone);
    let client = m.actor(1_000_000, 0).await;
    let job = m.create_job(&client, PRICE, 10).await;
    assert_code(m.accept(&a, job).await, gone);
    m.check_invariants().await;
}

#[tokio::test]
async fn a_closed_job_cannot_be_accepted_submitted_or_attested() {
    let (mut m, att, job) = expired_with_votes().await;
    let p = m.provider(MIN_STAKE).await;
    let gone = anchor_err(ErrorCode::AccountNotInitialized);
    assert_code(m.accept(&p, job).await, gone);
    assert_code(m.submit(&p, job, 1).await, gone);
    let client = m.actor(0, 0).await;
    assert_code(
        m.try_attest(job, &client, &p, &att[2], Verdict::Valid, 1, &[])
            .await,
        gone,
    );
    let draw = ix::draw_audit(&m.net, job);
    assert_code(m.env.send(&[draw], &[]).await, gone);
}
