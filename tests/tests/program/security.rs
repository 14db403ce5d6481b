//! Attacks from SECURITY.md's threat-model table that no other module attempts: substituted
//! vaults and accounts (reward vault, `attest`'s settlement and slash accounts, `approve_job`,
//! `close_provider`, `finalize_epoch`), the same account passed twice as two mutable accounts,
//! type confusion of every typed input, PDA seed mismatches, stale epoch accounts, closed
//! accounts and job addresses, pre-funded addresses and audit-draw tampering. Each asserts the
//! specific refusal.

use anchor_lang::error::ErrorCode;
use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use solana_sdk::instruction::InstructionError;
use solana_sdk::signature::{Keypair, Signer};
use spice::constants::EPOCHS_PER_PAGE;
use spice::errors::SpiceError;
use spice::instructions::AttestArgs;
use spice::state::{page_of, Attestor, AuditDraw, EpochStatus, Job, Verdict, NOT_REMOVED};
use spice_sdk::ix::SettleKeys;
use spice_sdk::{ix, pda};
use spice_tests::market::{
    default_params, hardware, result_args, Actor, Market, Mints, DAY, MIN_STAKE,
};
use spice_tests::rewards::curve_params;
use spice_tests::{
    anchor_err, assert_code, assert_ix_err, spice_err, substitute, Env, TOKEN_2022_PROGRAM,
    TOKEN_INSUFFICIENT_FUNDS, TOKEN_PROGRAM,
};

const PRICE: u64 = 1_000;

/// A funded reward pool, one provider with paid work in epoch 0, and epoch 0 finalized.
async fn finalized_epoch() -> (Market, Actor) {
    let mut m = Market::with_params(Mints::MIXED, curve_params()).await;
    m.fund_rewards(1_000_000).await;
    let p = m.provider(MIN_STAKE).await;
    let client = m.actor(10_000_000, 0).await;
    m.paid_job(&client, &p, PRICE, 10).await;
    m.warp_to_epoch(1).await;
    Env::ok(m.try_finalize(0).await);
    (m, p)
}

// ------------------------------------------------------------------ fund_rewards

#[tokio::test]
async fn fund_rewards_refuses_substitutes_and_a_missing_signature() {
    let mut m = Market::with_params(Mints::MIXED, curve_params()).await;
    let funder = m.actor(1_000, 1_000).await;
    let good = ix::fund_rewards(&m.net, funder.key(), funder.stake, 100);
    let net = m.net;
    let cases = [
        (
            "stake treasury (same mint, program-owned) as reward vault",
            pda::reward_vault(&net.network),
            net.stake_treasury(),
            anchor_err(ErrorCode::ConstraintSeeds),
        ),
        (
            "payment mint as stake mint",
            net.stake_mint,
            net.payment_mint,
            spice_err(SpiceError::WrongMint),
        ),
        (
            "SPL Token as the stake mint's Token-2022",
            net.stake_token_program,
            TOKEN_PROGRAM,
            anchor_err(ErrorCode::ConstraintTokenTokenProgram),
        ),
    ];
    m.env
        .assert_substitutions_refused(&good, &[&funder.kp], &cases)
        .await;
    // Someone else's tokens: the funder does not sign for them.
    m.env
        .assert_needs_signature(good.clone(), &funder.key())
        .await;
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
    let good = m.claim_ix(&p, &[0]);
    let net = m.net;
    let cases = [
        (
            "stake treasury as reward vault",
            pda::reward_vault(&net.network),
            net.stake_treasury(),
            anchor_err(ErrorCode::ConstraintSeeds),
        ),
        (
            "SPL Token as the stake token program",
            net.stake_token_program,
            TOKEN_PROGRAM,
            anchor_err(ErrorCode::ConstraintTokenTokenProgram),
        ),
    ];
    m.env
        .assert_substitutions_refused(&good, &[&p.kp], &cases)
        .await;
    m.env.assert_needs_signature(good.clone(), &p.key()).await;
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
    let mut ix = m.claim_ix(&p, &[0]);
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
    // A settlement paying the escrow vault into itself as the provider's account: the
    // provider's account is its owner's ATA, derived, so no vault can stand in for it.
    let client = m.actor(10_000_000, 0).await;
    let job = m.submitted_job(&client, &p, PRICE, 10, 10).await;
    let keys = m.settle_keys(job, &client, &p).await;
    let mut ix = ix::approve_job(&m.net, &keys);
    substitute(&mut ix, &p.payment, &pda::escrow_vault(&job));
    assert_code(
        m.env.send(&[ix], &[&client.kp]).await,
        anchor_err(ErrorCode::ConstraintSeeds),
    );
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
    m.warp_to_epoch(1).await;
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
    // Not finalized yet: nothing to close.
    assert_code(
        m.try_close_epoch(1).await,
        spice_err(SpiceError::EpochNotFinalized),
    );
    let window = u64::from(m.network().await.params.claim_window_epochs);
    m.warp_to_epoch(1 + window).await;
    Env::ok(m.try_close_epoch(0).await);
    // The record stays (EpochBook pages never close), marked closed.
    assert_eq!(m.epoch(0).await.status, EpochStatus::Closed);
    // The closed epoch can be neither closed again, nor claimed from, nor finalized again.
    assert_code(
        m.try_close_epoch(0).await,
        spice_err(SpiceError::EpochClosed),
    );
    assert_code(
        m.try_claim(&p, &[0]).await,
        spice_err(SpiceError::NothingToClaim),
    );
    let allocated = m.network().await.total_allocated;
    assert_code(
        m.try_finalize(0).await,
        spice_err(SpiceError::EpochAlreadyFinalized),
    );
    assert_eq!(m.network().await.total_allocated, allocated);
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
    let unsigned = ix::close_attestation(job, att[0].pubkey());
    m.env
        .assert_needs_signature(unsigned, &att[0].pubkey())
        .await;
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
        evidence_uri: "https://example.org/evidence".into(),
    };
    let vote = ix::attest(&m.net, &keys, att[0].pubkey(), args, &[]);
    m.env.assert_needs_signature(vote, &att[0].pubkey()).await;
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
        0 => ix::propose_params(auth.pubkey(), network, Some(default_params())),
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

// ------------------------------------------------------------------ type confusion (all)

/// Every instruction that takes the Network (or, without one, its main typed account) refuses
/// an account of another program type (a Provider: discriminator) and one owned by another
/// program (a token account: owner), before any constraint or handler runs.
#[tokio::test]
async fn every_typed_account_refuses_another_type_or_owner() {
    let (mut m, p) = finalized_epoch().await;
    let q = m.provider(MIN_STAKE).await;
    let other_type = m.provider_pda(&q.key());
    let outsider = m.actor(0, 10).await;
    let foreign = outsider.payment;
    let client = m.actor(10_000_000, 0).await;
    let newp = m.actor(0, 2 * MIN_STAKE).await;
    let att = m.attestors(1).await;
    let open = m.create_job(&client, PRICE, 10).await;
    let submitted = m.submitted_job(&client, &p, PRICE, 10, 10).await;
    let auth = m.authority.insecure_clone();
    let net = m.net;
    let keys = m.settle_keys(submitted, &client, &p).await;
    let claim = m.claim_ix(&p, &[0]);
    let args = m.job_args(&client, PRICE, 10).await;
    let payer = m.env.payer();
    let provider = m.provider_pda(&p.key());
    let network_cases: Vec<(&str, Instruction, Vec<&Keypair>)> = vec![
        (
            "withdraw_treasury",
            ix::withdraw_treasury(auth.pubkey(), &net, net.payment_mint, client.payment, 1),
            vec![&auth],
        ),
        (
            "add_attestor",
            ix::add_attestor(auth.pubkey(), net.network, Keypair::new().pubkey()),
            vec![&auth],
        ),
        (
            "remove_attestor",
            ix::remove_attestor(auth.pubkey(), net.network, att[0].pubkey()),
            vec![&auth],
        ),
        (
            "register_provider",
            ix::register_provider(&net, newp.key(), newp.stake, MIN_STAKE, hardware()),
            vec![&newp.kp],
        ),
        ("stake", ix::stake(&net, p.key(), p.stake, 1), vec![&p.kp]),
        (
            "begin_unbond",
            ix::begin_unbond(&net, p.key(), 1),
            vec![&p.kp],
        ),
        (
            "withdraw_unbonded",
            ix::withdraw_unbonded(&net, p.key(), p.stake),
            vec![&p.kp],
        ),
        (
            "close_provider",
            ix::close_provider(&net, p.key(), p.stake),
            vec![&p.kp],
        ),
        (
            "accept_job",
            ix::accept_job(&net, p.key(), open),
            vec![&p.kp],
        ),
        (
            "submit_result",
            ix::submit_result(&net, p.key(), open, result_args(1)),
            vec![&p.kp],
        ),
        (
            "create_job",
            ix::create_job(&net, client.key(), client.payment, args),
            vec![&client.kp],
        ),
        (
            "cancel_job",
            ix::cancel_job(&net, client.key(), open),
            vec![&client.kp],
        ),
        (
            "approve_job",
            ix::approve_job(&net, &keys),
            vec![&client.kp],
        ),
        (
            "dispute_job",
            ix::dispute_job(&net, client.key(), submitted),
            vec![&client.kp],
        ),
        (
            "fund_rewards",
            ix::fund_rewards(&net, outsider.key(), outsider.stake, 1),
            vec![&outsider.kp],
        ),
        ("finalize_epoch", ix::finalize_epoch(&net, payer, 0), vec![]),
        ("claim_rewards", claim, vec![&p.kp]),
        (
            "propose_params",
            ix::propose_params(auth.pubkey(), net.network, None),
            vec![&auth],
        ),
        ("apply_params", ix::apply_params(net.network), vec![]),
        (
            "collect_provider_payouts",
            ix::collect_provider_payouts(&net, p.key(), p.payment),
            vec![],
        ),
        (
            "collect_client_payouts",
            ix::collect_client_payouts(&net, client.key(), client.payment, client.stake),
            vec![],
        ),
        ("settle_job", ix::settle_job(&net, &keys), vec![]),
        (
            "expire_job",
            ix::expire_job(&net, open, client.key(), None),
            vec![],
        ),
        ("draw_audit", ix::draw_audit(&net, submitted), vec![]),
        ("close_epoch", ix::close_epoch(&net, 0), vec![]),
        (
            "close_epoch_shard",
            ix::close_epoch_shard(&net, 0, 0, payer),
            vec![],
        ),
        (
            "close_provider_book",
            ix::close_provider_book(&net, provider, 0, payer, true),
            vec![],
        ),
    ];
    let mut cases: Vec<(&str, Instruction, Vec<&Keypair>, Pubkey)> = network_cases
        .into_iter()
        .map(|(what, ix, signers)| (what, ix, signers, net.network))
        .collect();
    // Instructions without a Network: their main typed account.
    cases.push((
        "update_provider",
        ix::update_provider(&net, p.key(), hardware()),
        vec![&p.kp],
        m.provider_pda(&p.key()),
    ));
    cases.push((
        "close_attestation",
        ix::close_attestation(submitted, att[0].pubkey()),
        vec![&att[0]],
        pda::attestation(&submitted, &att[0].pubkey()),
    ));
    for (what, good, signers, target) in cases {
        let replacement = if target == net.network {
            other_type
        } else {
            net.network
        };
        let mut ix = good.clone();
        substitute(&mut ix, &target, &replacement);
        let res = m.env.send(&[ix], &signers).await;
        assert!(res.is_err(), "{what}: accepted an account of another type");
        assert_code(res, anchor_err(ErrorCode::AccountDiscriminatorMismatch));
        let mut ix = good;
        substitute(&mut ix, &target, &foreign);
        let res = m.env.send(&[ix], &signers).await;
        assert!(res.is_err(), "{what}: accepted a token account");
        assert_code(res, anchor_err(ErrorCode::AccountOwnedByWrongProgram));
    }
    // create_network: its typed inputs are the mints (the network is created here).
    let creator = m.creator.insecure_clone();
    let create = m.create_network_ix(9, default_params());
    let mut ix = create.clone();
    substitute(&mut ix, &net.payment_mint, &net.network);
    assert_code(
        m.env.send(&[ix], &[&creator]).await,
        anchor_err(ErrorCode::AccountOwnedByWrongProgram),
    );
    let mut ix = create.clone();
    // A token account of the mint's own program: owner accepted, but it does not unpack as a
    // mint.
    substitute(&mut ix, &net.payment_mint, &foreign);
    assert_ix_err(
        m.env.send(&[ix], &[&creator]).await,
        InstructionError::InvalidAccountData,
    );
    Env::ok(m.env.send(&[create], &[&creator]).await);
    m.check_invariants().await;
    m.check_reward_invariants(&[0]).await;
}

// ------------------------------------------------------------------ PDA seeds

#[tokio::test]
async fn pda_substitutions_of_attestor_provider_and_job_accounts_are_refused() {
    let mut m = Market::new(Mints::SPL).await;
    let auth = m.authority.insecure_clone();
    let net = m.net;
    let seeds = anchor_err(ErrorCode::ConstraintSeeds);
    // add_attestor: the record of another key than the one added.
    let (a, b) = (Keypair::new().pubkey(), Keypair::new().pubkey());
    let mut add = ix::add_attestor(auth.pubkey(), net.network, a);
    substitute(
        &mut add,
        &pda::attestor(&net.network, &a),
        &pda::attestor(&net.network, &b),
    );
    assert_code(m.env.send(&[add], &[&auth]).await, seeds);
    assert!(!m.env.exists(&pda::attestor(&net.network, &b)).await);
    // remove_attestor: the record of the same key on another network of the same authority.
    let other = m.second_network(2).await;
    let add = ix::add_attestor(auth.pubkey(), other.network, a);
    Env::ok(m.env.send(&[add], &[&auth]).await);
    let add = ix::add_attestor(auth.pubkey(), net.network, a);
    Env::ok(m.env.send(&[add], &[&auth]).await);
    let mut remove = ix::remove_attestor(auth.pubkey(), net.network, a);
    substitute(
        &mut remove,
        &pda::attestor(&net.network, &a),
        &pda::attestor(&other.network, &a),
    );
    assert_code(m.env.send(&[remove], &[&auth]).await, seeds);
    let rec: Attestor = m.env.fetch(&pda::attestor(&other.network, &a)).await;
    assert_eq!(rec.active_until, NOT_REMOVED);
    // update_provider: another owner's provider.
    let p = m.provider(MIN_STAKE).await;
    let q = m.provider(MIN_STAKE).await;
    let mut update = ix::update_provider(&net, p.key(), hardware());
    substitute(
        &mut update,
        &m.provider_pda(&p.key()),
        &m.provider_pda(&q.key()),
    );
    assert_code(
        m.env.send(&[update], &[&p.kp]).await,
        spice_err(SpiceError::NotProviderOwner),
    );
    // create_job: the job / escrow address of another id, or another client's job address.
    let client = m.actor(1_000_000, 0).await;
    let victim = m.actor(0, 0).await;
    let args = m.job_args(&client, PRICE, 10).await;
    let id = args.job_id;
    let job = pda::job(&net.network, &client.key(), id);
    let next = pda::job(&net.network, &client.key(), id + 1);
    let victims = pda::job(&net.network, &victim.key(), id);
    let cases = [
        (job, next),
        (pda::escrow_vault(&job), pda::escrow_vault(&next)),
        (job, victims),
    ];
    for (old, new) in cases {
        let mut create = ix::create_job(&net, client.key(), client.payment, args.clone());
        substitute(&mut create, &old, &new);
        assert_code(m.env.send(&[create], &[&client.kp]).await, seeds);
        assert!(!m.env.exists(&new).await);
    }
    let (job, res) = m.try_create_job(&client, args).await;
    Env::ok(res);
    assert_eq!(m.job_account(&job).await.escrowed, 10 * PRICE);
    m.check_invariants().await;
}

// ------------------------------------------------------------------ attest accounts

/// A disputed job (quorum 2, three attestors) with one Invalid vote by `att[0]`: the next vote
/// decides, so every settlement and slash account of `attest` is live.
async fn disputed_with_one_vote() -> (Market, Vec<Keypair>, Actor, Actor, Pubkey) {
    let mut m = Market::with_params(Mints::MIXED, default_params()).await;
    let att = m.attestors(3).await;
    let provider = m.provider(10 * MIN_STAKE).await;
    let client = m.actor(1_000_000, 1).await;
    let job = m.submitted_job(&client, &provider, PRICE, 20, 10).await;
    let dispute = ix::dispute_job(&m.net, client.key(), job);
    Env::ok(m.env.send(&[dispute], &[&client.kp]).await);
    Env::ok(
        m.try_attest(job, &client, &provider, &att[0], Verdict::Invalid, 0, &[])
            .await,
    );
    (m, att, client, provider, job)
}

fn invalid_vote() -> AttestArgs {
    AttestArgs {
        verdict: Verdict::Invalid,
        measured_units: 0,
        evidence_hash: [5; 32],
        evidence_uri: "https://example.org/evidence".into(),
    }
}

#[tokio::test]
async fn attest_refuses_substituted_settlement_and_slash_accounts() {
    let (mut m, att, client, provider, job) = disputed_with_one_vote().await;
    let attacker = m.provider(MIN_STAKE).await;
    let other_job = m.create_job(&client, PRICE, 10).await;
    let net = m.net;
    let keys = m.settle_keys(job, &client, &provider).await;
    let earlier = [att[0].pubkey()];
    let vote =
        |keys: &SettleKeys| ix::attest(&net, keys, att[1].pubkey(), invalid_vote(), &earlier);
    let stake_vault = pda::stake_vault(&m.provider_pda(&provider.key()));
    let seeds = anchor_err(ErrorCode::ConstraintSeeds);
    let cases: Vec<(&str, Pubkey, Pubkey, u32)> = vec![
        // Substituted token accounts, vaults and mints.
        (
            "escrow vault",
            pda::escrow_vault(&job),
            pda::escrow_vault(&other_job),
            seeds,
        ),
        // The payees' accounts are ATAs derived from the job and the provider.
        ("provider token", provider.payment, attacker.payment, seeds),
        ("client token", client.payment, attacker.payment, seeds),
        ("treasury", net.payment_treasury(), attacker.payment, seeds),
        (
            "stake vault",
            stake_vault,
            pda::stake_vault(&m.provider_pda(&attacker.key())),
            seeds,
        ),
        (
            "stake treasury",
            net.stake_treasury(),
            pda::reward_vault(&net.network),
            seeds,
        ),
        ("client stake token", client.stake, attacker.stake, seeds),
        (
            "stake mint",
            net.stake_mint,
            net.payment_mint,
            spice_err(SpiceError::WrongMint),
        ),
        // Wrong token programs (MIXED: payment on SPL Token, stake on Token-2022).
        (
            "payment token program",
            TOKEN_PROGRAM,
            TOKEN_2022_PROGRAM,
            spice_err(SpiceError::WrongTokenProgram),
        ),
        (
            "stake token program",
            TOKEN_2022_PROGRAM,
            TOKEN_PROGRAM,
            spice_err(SpiceError::WrongTokenProgram),
        ),
        // PDAs of another attestor (att[2] has not voted).
        (
            "attestor record",
            pda::attestor(&net.network, &att[1].pubkey()),
            pda::attestor(&net.network, &att[2].pubkey()),
            seeds,
        ),
        (
            "attestation",
            pda::attestation(&job, &att[1].pubkey()),
            pda::attestation(&job, &att[2].pubkey()),
            seeds,
        ),
        // A vault paying into itself: no vault can stand in for a payee's derived ATA.
        (
            "provider token = escrow",
            provider.payment,
            pda::escrow_vault(&job),
            seeds,
        ),
        (
            "client stake token = stake vault",
            client.stake,
            stake_vault,
            seeds,
        ),
        (
            "client stake token = stake treasury",
            client.stake,
            net.stake_treasury(),
            seeds,
        ),
    ];
    m.env
        .assert_substitutions_refused(&vote(&keys), &[&att[1]], &cases)
        .await;
    // Nothing moved; the genuine deciding vote then slashes and refunds.
    assert_eq!(m.job_account(&job).await.invalid_votes, 1);
    Env::ok(m.env.send(&[vote(&keys)], &[&att[1]]).await);
    assert!(!m.env.exists(&job).await);
    m.check_invariants().await;
    // A fraud verdict records no work; a Valid one does, for the current epoch only: the
    // work record of another epoch is refused.
    let job = m.submitted_job(&client, &provider, PRICE, 20, 10).await;
    Env::ok(
        m.try_attest(job, &client, &provider, &att[0], Verdict::Valid, 10, &[])
            .await,
    );
    let keys = m.settle_keys(job, &client, &provider).await;
    let valid = |keys: &SettleKeys| {
        let args = AttestArgs {
            verdict: Verdict::Valid,
            measured_units: 10,
            ..invalid_vote()
        };
        ix::attest(&net, keys, att[1].pubkey(), args, &earlier)
    };
    let mut stale = keys;
    stale.epoch += 1;
    assert_code(m.env.send(&[valid(&stale)], &[&att[1]]).await, seeds);
    assert_eq!(m.job_account(&job).await.valid_votes, 1);
    Env::ok(m.env.send(&[valid(&keys)], &[&att[1]]).await);
    assert!(!m.env.exists(&job).await);
    m.check_invariants().await;
}

/// Nobody can pre-empt a pending vote: while a job is disputed neither a settlement nor an
/// expiry can close it before the vote deadline, so the deciding vote still slashes.
#[tokio::test]
async fn a_pending_vote_cannot_be_pre_empted_by_settlement_or_expiry() {
    let (mut m, att, client, provider, job) = disputed_with_one_vote().await;
    m.env.warp_seconds(DAY + 1).await;
    let keys = m.settle_keys(job, &client, &provider).await;
    assert_code(
        m.env.send(&[ix::settle_job(&m.net, &keys)], &[]).await,
        spice_err(SpiceError::InvalidJobState),
    );
    assert_code(
        m.expire(job, &client, Some(&provider)).await,
        spice_err(SpiceError::NotExpired),
    );
    let p = m.provider_account(&provider.key()).await;
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
    assert!(!m.env.exists(&job).await);
    assert!(m.provider_account(&provider.key()).await.stake < p.stake);
    m.check_invariants().await;
}

// ------------------------------------------------------------------ approve_job accounts

#[tokio::test]
async fn approve_job_refuses_substituted_accounts() {
    let mut m = Market::new(Mints::SPL).await;
    let provider = m.provider(2 * MIN_STAKE).await;
    let client = m.actor(10_000_000, 0).await;
    let attacker = m.provider(MIN_STAKE).await;
    let job = m.submitted_job(&client, &provider, PRICE, 10, 10).await;
    let other_job = m.create_job(&client, 10, 10).await;
    let other_net = m.second_network(2).await;
    let keys = m.settle_keys(job, &client, &provider).await;
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
    ];
    let good = ix::approve_job(&m.net, &keys);
    m.env
        .assert_substitutions_refused(&good, &[&client.kp], &cases)
        .await;
    let before = m.env.balance(&provider.payment).await;
    Env::ok(
        m.env
            .send(&[ix::approve_job(&m.net, &keys)], &[&client.kp])
            .await,
    );
    let fee = (10 * PRICE * 250).div_ceil(10_000);
    assert_eq!(
        m.env.balance(&provider.payment).await - before,
        10 * PRICE - fee
    );
    m.check_invariants().await;
}

// ------------------------------------------------------------------ same account twice (jobs)

#[tokio::test]
async fn refunds_and_crank_settlement_refuse_the_escrow_vault_twice() {
    let mut m = Market::new(Mints::SPL).await;
    let provider = m.provider(2 * MIN_STAKE).await;
    let client = m.actor(10_000_000, 0).await;
    // The payees' accounts are their ATAs, derived from the job and the provider: the escrow
    // vault cannot stand in for one (seeds), so it can never pay into itself.
    let seeds = anchor_err(ErrorCode::ConstraintSeeds);
    // cancel_job refunding the escrow into itself.
    let open = m.create_job(&client, PRICE, 10).await;
    let mut cancel = ix::cancel_job(&m.net, client.key(), open);
    substitute(&mut cancel, &client.payment, &pda::escrow_vault(&open));
    assert_code(m.env.send(&[cancel], &[&client.kp]).await, seeds);
    // settle_job paying the provider's share into the escrow vault.
    let job = m.submitted_job(&client, &provider, PRICE, 10, 10).await;
    m.env.warp_seconds(DAY + 1).await;
    let keys = m.settle_keys(job, &client, &provider).await;
    let mut settle = ix::settle_job(&m.net, &keys);
    substitute(&mut settle, &provider.payment, &pda::escrow_vault(&job));
    assert_code(m.env.send(&[settle], &[]).await, seeds);
    // Nor for the client's refund.
    let mut settle = ix::settle_job(&m.net, &keys);
    substitute(&mut settle, &client.payment, &pda::escrow_vault(&job));
    assert_code(m.env.send(&[settle], &[]).await, seeds);
    // expire_job refunding the escrow into itself (the open job, now past its accept window).
    let mut expire = m.expire_ix(open, &client, None);
    substitute(&mut expire, &client.payment, &pda::escrow_vault(&open));
    assert_code(m.env.send(&[expire], &[]).await, seeds);
    Env::ok(m.expire(open, &client, None).await);
    Env::ok(m.env.send(&[ix::settle_job(&m.net, &keys)], &[]).await);
    m.check_invariants().await;
}

// ------------------------------------------------------------------ settle_job crank

/// A crank settling a dust job: the fee rounds up (so splitting work into dust cannot dodge
/// it), the payout matches what the client's approval would pay, and neither a donation to
/// the escrow nor lamports sent to the epoch accounts the settlement creates block it.
#[tokio::test]
async fn settle_job_by_a_crank_rounds_the_fee_up_and_is_not_blocked_by_prefunding() {
    let mut m = Market::new(Mints::SPL).await;
    let provider = m.provider(2 * MIN_STAKE).await;
    let client = m.actor(10_000_000, 0).await;
    // gross 41 at 2.5 %: 1.025 rounds up to 2.
    let job = m.submitted_job(&client, &provider, 41, 3, 1).await;
    let griefer = m.actor(1_000, 0).await;
    Env::ok(
        m.env
            .transfer(
                &m.net.payment_mint,
                &griefer.payment,
                &pda::escrow_vault(&job),
                &griefer.kp,
                7,
            )
            .await,
    );
    m.env.warp_seconds(DAY + 1).await;
    let keys = m.settle_keys(job, &client, &provider).await;
    let shard = pda::epoch_shard(
        &m.net.network,
        keys.epoch,
        spice::state::shard_of(&job, m.net.shard_count),
    );
    let payer = m.env.payer();
    let rent = m.env.rent(0).await;
    let book = pda::provider_book(&keys.provider, page_of(keys.epoch));
    for t in [book, shard] {
        let gift = anchor_lang::solana_program::system_instruction::transfer(&payer, &t, rent);
        Env::ok(m.env.send(&[gift], &[]).await);
    }
    let treasury = m.net.payment_treasury();
    let before = (
        m.env.balance(&provider.payment).await,
        m.env.balance(&client.payment).await,
        m.env.balance(&treasury).await,
    );
    let crank = m.env.funded(1_000_000_000).await;
    let keys = SettleKeys {
        payer: crank.pubkey(),
        ..keys
    };
    Env::ok(
        m.env
            .send(&[ix::settle_job(&m.net, &keys)], &[&crank])
            .await,
    );
    assert_eq!(m.env.balance(&provider.payment).await - before.0, 39);
    // The unearned 2 units plus the donation go back to the client.
    assert_eq!(m.env.balance(&client.payment).await - before.1, 82 + 7);
    assert_eq!(m.env.balance(&treasury).await - before.2, 2);
    assert!(!m.env.exists(&job).await);
    m.check_invariants().await;
}

// ------------------------------------------------------------------ close_provider / stake

/// `close_provider` refuses another provider's vault, the payment mint and a destination of
/// the wrong mint; a donation to the stake vault does not block it (it is swept to the owner's
/// chosen account); and rewards earned before closing stay claimable by the owner after it
/// closed (ProviderBook is keyed by the provider PDA, which is per owner), once.
#[tokio::test]
async fn close_provider_refuses_substitutes_sweeps_donations_and_keeps_past_rewards() {
    let (mut m, p) = finalized_epoch().await;
    let q = m.provider(MIN_STAKE).await;
    let unbond = ix::begin_unbond(&m.net, p.key(), MIN_STAKE);
    Env::ok(m.env.send(&[unbond], &[&p.kp]).await);
    let unbond_seconds = m.network().await.params.unbond_seconds;
    m.env.warp_seconds(unbond_seconds).await;
    let withdraw = ix::withdraw_unbonded(&m.net, p.key(), p.stake);
    Env::ok(m.env.send(&[withdraw], &[&p.kp]).await);
    let vault = pda::stake_vault(&m.provider_pda(&p.key()));
    // A griefer donates to the emptied stake vault.
    let griefer = m.actor(0, 50).await;
    Env::ok(
        m.env
            .transfer(&m.net.stake_mint, &griefer.stake, &vault, &griefer.kp, 50)
            .await,
    );
    let net = m.net;
    let cases: Vec<(&str, Pubkey, Pubkey, u32)> = vec![
        (
            "stake vault",
            vault,
            pda::stake_vault(&m.provider_pda(&q.key())),
            anchor_err(ErrorCode::ConstraintSeeds),
        ),
        (
            "stake mint",
            net.stake_mint,
            net.payment_mint,
            spice_err(SpiceError::WrongMint),
        ),
        (
            "destination of the payment mint",
            p.stake,
            p.payment,
            anchor_err(ErrorCode::ConstraintTokenMint),
        ),
    ];
    let close = ix::close_provider(&net, p.key(), p.stake);
    m.env
        .assert_substitutions_refused(&close, &[&p.kp], &cases)
        .await;
    let before = m.env.balance(&p.stake).await;
    Env::ok(m.env.send(&[close], &[&p.kp]).await);
    assert_eq!(m.env.balance(&p.stake).await - before, 50);
    assert!(!m.env.exists(&vault).await);
    // Epoch 0's reward stays claimable by the owner while the provider is closed (its book
    // page is keyed by the provider's address, not its account), once.
    assert!(!m.env.exists(&m.provider_pda(&p.key())).await);
    let owed = m.epoch(0).await.allocated;
    assert!(owed > 0);
    let before = m.env.balance(&p.stake).await;
    Env::ok(m.try_claim(&p, &[0]).await);
    assert_eq!(m.env.balance(&p.stake).await - before, owed);
    m.env.warp_slots(1).await;
    assert_code(
        m.try_claim(&p, &[0]).await,
        spice_err(SpiceError::NothingToClaim),
    );
    // Registering again does not pay it twice.
    let register = ix::register_provider(&net, p.key(), p.stake, MIN_STAKE, hardware());
    Env::ok(m.env.send(&[register], &[&p.kp]).await);
    assert_code(
        m.try_claim(&p, &[0]).await,
        spice_err(SpiceError::NothingToClaim),
    );
    m.check_invariants().await;
    m.check_reward_invariants(&[0]).await;
}

/// `stake` moves tokens before it adds them, so an amount beyond the owner's balance (up to
/// `u64::MAX`) is refused by the token program and the recorded stake can never exceed what
/// the vault holds (≤ the mint's supply), so the checked addition cannot overflow.
#[tokio::test]
async fn stake_beyond_the_balance_is_refused() {
    let mut m = Market::new(Mints::T22).await;
    let p = m.provider(MIN_STAKE).await;
    for amount in [MIN_STAKE + 1, u64::MAX] {
        let ix = ix::stake(&m.net, p.key(), p.stake, amount);
        assert_code(m.env.send(&[ix], &[&p.kp]).await, TOKEN_INSUFFICIENT_FUNDS);
    }
    let ix = ix::stake(&m.net, p.key(), p.stake, MIN_STAKE);
    Env::ok(m.env.send(&[ix], &[&p.kp]).await);
    assert_eq!(m.provider_account(&p.key()).await.stake, 2 * MIN_STAKE);
    m.check_invariants().await;
}

// ------------------------------------------------------------------ pre-funded addresses

/// Every account is created by hand: an address someone sent lamports to is topped up,
/// allocated and assigned. Pre-funding the network, a job, an escrow vault or an attestor record
/// blocks nothing (it was a known limitation with Anchor's `init` on this runtime).
#[tokio::test]
async fn prefunded_init_addresses_block_nothing() {
    let mut m = Market::new(Mints::SPL).await;
    let net = m.net;
    let payer = m.env.payer();
    let rent = m.env.rent(0).await;
    let gift =
        |to: Pubkey| anchor_lang::solana_program::system_instruction::transfer(&payer, &to, rent);
    // create_network at a pre-funded network address.
    let creator = m.creator.insecure_clone();
    let auth = m.authority.insecure_clone();
    let address = pda::network(&creator.pubkey(), 7);
    Env::ok(m.env.send(&[gift(address)], &[]).await);
    let create = m.create_network_ix(7, default_params());
    Env::ok(m.env.send(&[create], &[&creator]).await);
    let n: spice::state::Network = m.env.fetch(&address).await;
    assert_eq!(n.params, default_params());
    m.env
        .track(net.payment_mint, pda::treasury(&address, &net.payment_mint));
    m.env
        .track(net.stake_mint, pda::treasury(&address, &net.stake_mint));
    m.env
        .track(net.payment_mint, pda::payouts(&address, &net.payment_mint));
    m.env
        .track(net.stake_mint, pda::payouts(&address, &net.stake_mint));
    m.env.track(net.stake_mint, pda::reward_vault(&address));
    // create_job at a pre-funded job address (the client's next id), then at a pre-funded
    // escrow address (the one after).
    let client = m.actor(1_000_000, 0).await;
    let job_a = pda::job(&net.network, &client.key(), 0);
    let job_b = pda::job(&net.network, &client.key(), 1);
    Env::ok(m.env.send(&[gift(job_a)], &[]).await);
    Env::ok(m.env.send(&[gift(pda::escrow_vault(&job_b))], &[]).await);
    for want in [job_a, job_b] {
        let job = m.create_job(&client, PRICE, 10).await;
        assert_eq!(job, want);
        assert_eq!(m.job_account(&job).await.escrowed, 10 * PRICE);
        assert_eq!(m.env.balance(&pda::escrow_vault(&job)).await, 10 * PRICE);
    }
    // add_attestor of a pre-funded record.
    let key = Keypair::new().pubkey();
    Env::ok(
        m.env
            .send(&[gift(pda::attestor(&net.network, &key))], &[])
            .await,
    );
    let add = ix::add_attestor(auth.pubkey(), net.network, key);
    Env::ok(m.env.send(&[add], &[&auth]).await);
    let rec: Attestor = m.env.fetch(&pda::attestor(&net.network, &key)).await;
    assert_eq!(rec.key, key);
    assert_eq!(m.network().await.attestor_count, 1);
    m.check_invariants().await;
}

// ------------------------------------------------------------------ closed job addresses

/// A job's address is `(network, client, job_id)` and the id is the client's counter: after
/// the job closes nobody creates a job there again, neither another client (seeds) nor the
/// client itself (its counter moved on), and the old job's settlement cannot be replayed.
#[tokio::test]
async fn a_closed_jobs_address_is_never_reused() {
    let mut m = Market::new(Mints::SPL).await;
    let provider = m.provider(2 * MIN_STAKE).await;
    let client = m.actor(10_000_000, 0).await;
    let args = m.job_args(&client, PRICE, 10).await;
    let (job, res) = m.try_create_job(&client, args.clone()).await;
    Env::ok(res);
    Env::ok(m.accept(&provider, job).await);
    Env::ok(m.submit(&provider, job, 10).await);
    let keys = m.settle_keys(job, &client, &provider).await;
    Env::ok(
        m.env
            .send(&[ix::approve_job(&m.net, &keys)], &[&client.kp])
            .await,
    );
    assert!(!m.env.exists(&job).await);
    // Another client cannot squat the freed address.
    let squatter = m.actor(1_000_000, 0).await;
    let mut squat = ix::create_job(&m.net, squatter.key(), squatter.payment, args.clone());
    let squatters = pda::job(&m.net.network, &squatter.key(), args.job_id);
    substitute(&mut squat, &squatters, &job);
    substitute(
        &mut squat,
        &pda::escrow_vault(&squatters),
        &pda::escrow_vault(&job),
    );
    assert_code(
        m.env.send(&[squat], &[&squatter.kp]).await,
        anchor_err(ErrorCode::ConstraintSeeds),
    );
    // Nor can the client: its next id is the one after.
    let reused = spice::instructions::CreateJobArgs {
        price_per_unit: 3,
        ..args
    };
    let create = ix::create_job(&m.net, client.key(), client.payment, reused);
    assert_code(
        m.env.send(&[create], &[&client.kp]).await,
        spice_err(SpiceError::WrongJobId),
    );
    assert!(!m.env.exists(&job).await);
    // Settlement of the old job cannot be replayed.
    assert_code(
        m.env
            .send(&[ix::approve_job(&m.net, &keys)], &[&client.kp])
            .await,
        anchor_err(ErrorCode::AccountNotInitialized),
    );
    m.check_invariants().await;
}

// ------------------------------------------------------------------ finalize / close epoch

#[tokio::test]
async fn finalize_epoch_refuses_a_substituted_vault_or_shard() {
    let mut m = Market::with_params(Mints::MIXED, curve_params()).await;
    m.fund_rewards(1_000_000).await;
    let p = m.provider(MIN_STAKE).await;
    let client = m.actor(10_000_000, 0).await;
    m.paid_job(&client, &p, PRICE, 10).await;
    m.warp_to_epoch(2).await;
    let net = m.net;
    let payer = m.env.payer();
    let payers = m.shard_payers(0).await;
    let good = ix::finalize_epoch(&net, payer, 0);
    let used = payers.iter().position(Option::is_some).expect("a shard") as u8;
    let cases = [
        (
            "stake treasury (same mint) as reward vault",
            pda::reward_vault(&net.network),
            net.stake_treasury(),
            anchor_err(ErrorCode::ConstraintSeeds),
        ),
        (
            "a shard of epoch 1 (empty) as epoch 0's shard that holds the work",
            pda::epoch_shard(&net.network, 0, used),
            pda::epoch_shard(&net.network, 1, used),
            spice_err(SpiceError::InvalidShardAccounts),
        ),
    ];
    m.env.assert_substitutions_refused(&good, &[], &cases).await;
    Env::ok(m.env.send(&[good], &[]).await);
    assert_eq!(m.epoch(0).await.jobs, 1);
    m.check_reward_invariants(&[0]).await;
}

/// `close_epoch` refuses an epoch book of another network or page, and returns exactly the
/// unclaimed allocation (including the claims' rounding dust) to the pool.
#[tokio::test]
async fn close_epoch_refuses_foreign_seeds_and_returns_exactly_the_unclaimed() {
    let (mut m, p) = finalized_epoch().await;
    let other = m.second_network(2).await;
    Env::ok(m.try_claim(&p, &[0]).await);
    let window = u64::from(m.network().await.params.claim_window_epochs);
    m.warp_to_epoch(1 + window).await;
    let epoch = m.epoch(0).await;
    let good = ix::close_epoch(&m.net, 0);
    // Network 2 with network 1's epoch book.
    let mut ix = good.clone();
    substitute(&mut ix, &m.net.network, &other.network);
    assert_code(
        m.env.send(&[ix], &[]).await,
        anchor_err(ErrorCode::ConstraintSeeds),
    );
    // Another page's book (epoch 16's) for epoch 0.
    let mut ix = good.clone();
    substitute(
        &mut ix,
        &pda::epoch_book(&m.net.network, 0),
        &pda::epoch_book(&m.net.network, 1),
    );
    assert_code(
        m.env.send(&[ix], &[]).await,
        anchor_err(ErrorCode::ConstraintSeeds),
    );
    let before = m.network().await;
    Env::ok(m.env.send(&[good], &[]).await);
    let after = m.network().await;
    assert_eq!(
        before.total_allocated - after.total_allocated,
        epoch.allocated - epoch.claimed
    );
    assert_eq!(after.total_claimed, before.total_claimed);
    m.check_reward_invariants(&[0]).await;
}

// ------------------------------------------------------------------ close_provider_book

#[tokio::test]
async fn close_provider_book_refusals_and_no_reuse() {
    let (mut m, p) = finalized_epoch().await;
    let other = m.second_network(2).await;
    // Paid in full; once the page's epochs are over the page can close.
    Env::ok(m.try_claim(&p, &[0]).await);
    m.warp_to_epoch(EPOCHS_PER_PAGE).await;
    let provider = m.provider_pda(&p.key());
    let record = pda::provider_book(&provider, 0);
    let crank = m.crank();
    let good = ix::close_provider_book(&m.net, provider, 0, crank, true);
    let cases: Vec<(&str, Pubkey, Pubkey, u32)> = vec![
        (
            "network: a Provider",
            m.net.network,
            provider,
            anchor_err(ErrorCode::AccountDiscriminatorMismatch),
        ),
        (
            "network: a token account",
            m.net.network,
            p.stake,
            anchor_err(ErrorCode::AccountOwnedByWrongProgram),
        ),
        (
            "record: an EpochBook",
            record,
            pda::epoch_book(&m.net.network, 0),
            anchor_err(ErrorCode::AccountDiscriminatorMismatch),
        ),
        (
            "another network",
            m.net.network,
            other.network,
            spice_err(SpiceError::WrongNetwork),
        ),
        (
            "rent to someone else",
            crank,
            p.key(),
            spice_err(SpiceError::WrongRentPayer),
        ),
    ];
    m.env.assert_substitutions_refused(&good, &[], &cases).await;
    Env::ok(m.env.send(std::slice::from_ref(&good), &[]).await);
    assert!(!m.env.exists(&record).await);
    m.env.warp_slots(1).await;
    assert_code(
        m.env.send(&[good], &[]).await,
        anchor_err(ErrorCode::AccountNotInitialized),
    );
    m.check_reward_invariants(&[0]).await;
}

// ------------------------------------------------------------------ collect payouts

/// Closes `owner`'s empty token account `account`: its payouts now wait in the payouts vault.
async fn close_token_account(m: &mut Market, owner: &Keypair, account: Pubkey) {
    assert_eq!(m.env.balance(&account).await, 0);
    let program = m.env.owner(&account).await.expect("a token account");
    let me = owner.pubkey();
    let close = anchor_spl::token_2022::spl_token_2022::instruction::close_account(
        &program,
        &account,
        &me,
        &me,
        &[],
    )
    .expect("close_account");
    Env::ok(m.env.send(&[close], &[owner]).await);
}

/// The collects are permissionless, so whatever their sender substitutes is refused and nothing
/// moves: the other mint's token program (the destination must belong to the program named),
/// another payee's record, another vault as the
/// payouts vault, the payouts vault as its own destination, a destination of someone else. The
/// genuine collection then pays each payee in full, once.
#[tokio::test]
async fn collects_refuse_substituted_programs_records_and_vaults() {
    let mut m = Market::new(Mints::MIXED).await;
    let provider = m.provider(2 * MIN_STAKE).await;
    let other = m.provider(2 * MIN_STAKE).await;
    let client = m.actor(10 * PRICE, 1).await;
    let other_client = m.actor(10 * PRICE, 1).await;
    m.create_job(&other_client, PRICE, 10).await;
    let net = m.net;
    // Both payees close their (empty) payment accounts: the provider's payment and the client's
    // refund wait in the payment payouts vault.
    close_token_account(&mut m, &provider.kp, provider.payment).await;
    let job = m.submitted_job(&client, &provider, PRICE, 10, 4).await;
    close_token_account(&mut m, &client.kp, client.payment).await;
    let keys = m.settle_keys(job, &client, &provider).await;
    Env::ok(
        m.env
            .send(&[ix::approve_job(&net, &keys)], &[&client.kp])
            .await,
    );
    let fee = (4 * PRICE * 250).div_ceil(10_000);
    let owed_provider = m.provider_account(&provider.key()).await.owed_payment;
    assert_eq!(owed_provider, 4 * PRICE - fee);
    let record: spice::state::Client = m.env.fetch(&pda::client(&net.network, &client.key())).await;
    assert_eq!((record.owed_payment, record.owed_stake), (6 * PRICE, 0));
    m.check_invariants().await;

    let seeds = anchor_err(ErrorCode::ConstraintSeeds);
    let payment_program = net.payment_token_program;
    let provider_to = m
        .env
        .create_token_account(&net.payment_mint, &provider.key(), &payment_program)
        .await;
    let good = ix::collect_provider_payouts(&net, provider.key(), provider_to);
    let cases: Vec<(&str, Pubkey, Pubkey, u32)> = vec![
        (
            "Token-2022 as the payment mint's SPL Token",
            TOKEN_PROGRAM,
            TOKEN_2022_PROGRAM,
            anchor_err(ErrorCode::ConstraintTokenTokenProgram),
        ),
        (
            "another owner's provider record",
            m.provider_pda(&provider.key()),
            m.provider_pda(&other.key()),
            seeds,
        ),
        (
            "the payment treasury as the payouts vault",
            net.payment_payouts(),
            net.payment_treasury(),
            seeds,
        ),
        (
            "the payouts vault as the destination",
            provider_to,
            net.payment_payouts(),
            anchor_err(ErrorCode::ConstraintDuplicateMutableAccount),
        ),
        (
            "someone else's account as the destination",
            provider_to,
            other.payment,
            spice_err(SpiceError::WrongPayee),
        ),
    ];
    m.env.assert_substitutions_refused(&good, &[], &cases).await;
    assert_eq!(
        m.provider_account(&provider.key()).await.owed_payment,
        owed_provider
    );
    // Anyone sends the genuine collection (the test payer alone signs); once.
    Env::ok(m.env.send(std::slice::from_ref(&good), &[]).await);
    assert_eq!(m.env.balance(&provider_to).await, owed_provider);
    m.env.warp_slots(1).await;
    assert_code(
        m.env.send(&[good], &[]).await,
        spice_err(SpiceError::NothingToCollect),
    );

    let client_pay = m
        .env
        .create_token_account(&net.payment_mint, &client.key(), &payment_program)
        .await;
    let good = ix::collect_client_payouts(&net, client.key(), client_pay, client.stake);
    let cases: Vec<(&str, Pubkey, Pubkey, u32)> = vec![
        (
            "Token-2022 as the payment mint's SPL Token",
            TOKEN_PROGRAM,
            TOKEN_2022_PROGRAM,
            anchor_err(ErrorCode::ConstraintTokenTokenProgram),
        ),
        (
            "SPL Token as the stake mint's Token-2022",
            TOKEN_2022_PROGRAM,
            TOKEN_PROGRAM,
            anchor_err(ErrorCode::ConstraintTokenTokenProgram),
        ),
        (
            "another client's record",
            pda::client(&net.network, &client.key()),
            pda::client(&net.network, &other_client.key()),
            seeds,
        ),
        (
            "the payment treasury as the payment payouts vault",
            net.payment_payouts(),
            net.payment_treasury(),
            seeds,
        ),
        (
            "the stake treasury as the stake payouts vault",
            net.stake_payouts(),
            net.stake_treasury(),
            seeds,
        ),
        (
            "the payouts vault as the payment destination",
            client_pay,
            net.payment_payouts(),
            anchor_err(ErrorCode::ConstraintDuplicateMutableAccount),
        ),
        (
            "someone else's account as the payment destination",
            client_pay,
            other_client.payment,
            spice_err(SpiceError::WrongPayee),
        ),
    ];
    m.env.assert_substitutions_refused(&good, &[], &cases).await;
    Env::ok(m.env.send(std::slice::from_ref(&good), &[]).await);
    assert_eq!(m.env.balance(&client_pay).await, 6 * PRICE);
    m.env.warp_slots(1).await;
    assert_code(
        m.env.send(&[good], &[]).await,
        spice_err(SpiceError::NothingToCollect),
    );
    m.check_invariants().await;
}

// ------------------------------------------------------------------ close_epoch_shard

/// `close_epoch_shard` derives the shard's address from the network passed and the shard's own
/// epoch and number: another network's key is refused by the seeds, and the shard stays.
#[tokio::test]
async fn close_epoch_shard_refuses_another_networks_seeds() {
    let (mut m, _p) = finalized_epoch().await;
    let other = m.second_network(2).await;
    let payers = m.shard_payers(0).await;
    let (used, payer) = payers
        .iter()
        .enumerate()
        .find_map(|(i, p)| p.map(|p| (i as u8, p)))
        .expect("a shard");
    let shard = pda::epoch_shard(&m.net.network, 0, used);
    let good = ix::close_epoch_shard(&m.net, 0, used, payer);
    let mut ix = good.clone();
    substitute(&mut ix, &m.net.network, &other.network);
    assert_code(
        m.env.send(&[ix], &[]).await,
        anchor_err(ErrorCode::ConstraintSeeds),
    );
    assert!(m.env.exists(&shard).await);
    Env::ok(m.env.send(&[good], &[]).await);
    assert!(!m.env.exists(&shard).await);
    m.check_reward_invariants(&[0]).await;
}
