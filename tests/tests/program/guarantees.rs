//! The guarantees of docs/DESIGN.md and SECURITY.md against every actor, each attacked the way
//! the actor who gains from breaking it would: the mint issuer (close and re-create, freeze), the
//! authority (parameters, attestors, the treasury), a provider leaving ahead of a verdict, the
//! loss of earned rewards (pauses, windows, closed providers), pre-funded addresses, job ids that
//! would repeat, and deadlines that would move the wrong way.

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::system_instruction;
use solana_sdk::account::Account;
use solana_sdk::signature::{Keypair, Signer};
use spice::constants::PAUSE_CLAIM;
use spice::errors::SpiceError;
use spice::state::{AuditDraw, Job, JobState, Network, Provider, Verdict};
use spice_sdk::{ix, pda};
use spice_tests::market::{default_params, Actor, Market, Mints, DAY, JOB_WINDOW, MIN_STAKE};
use spice_tests::rewards::curve_params;
use spice_tests::{assert_code, spice_err, Env, MintExt, TOKEN_2022_PROGRAM, TOKEN_PROGRAM};

const PRICE: u64 = 1_000;

/// Sends `lamports` to `address` from the test payer: a griefer pre-funding it (at least the
/// rent-exempt minimum of an empty account, or the runtime refuses the transfer itself).
async fn prefund(m: &mut Market, address: Pubkey, lamports: u64) {
    let payer = m.env.payer();
    let ix = system_instruction::transfer(&payer, &address, lamports);
    Env::ok(m.env.send(&[ix], &[]).await);
}

/// Overwrites `address` with `account` in the runtime (what a mint's issuer can do to its own
/// mint by closing and re-creating it).
async fn overwrite(m: &mut Market, address: Pubkey, account: Account) {
    m.env
        .runtime_mut()
        .set_account(address, account)
        .expect("set account");
}

// ------------------------------------------------------------------ 1. the mint issuer

#[tokio::test]
async fn a_mint_that_can_be_closed_is_refused() {
    for (exts, refused) in [
        (&[MintExt::MintCloseAuthority][..], true),
        (&[MintExt::MintCloseAuthorityNone][..], false),
    ] {
        for stake_side in [false, true] {
            let mut m = Market::unlaunched(Mints::T22).await;
            let mint = m.env.create_mint(TOKEN_2022_PROGRAM, 6, exts).await;
            if stake_side {
                m.net.stake_mint = mint;
            } else {
                m.net.payment_mint = mint;
            }
            let ix = m.create_network_ix(m.id, default_params());
            let creator = m.creator.insecure_clone();
            let res = m.env.send(&[ix], &[&creator]).await;
            if refused {
                assert_code(res, spice_err(SpiceError::MintCloseAuthority));
            } else {
                Env::ok(res);
            }
        }
    }
}

#[tokio::test]
async fn a_mint_with_a_freeze_authority_needs_the_creators_opt_in() {
    for program in [TOKEN_PROGRAM, TOKEN_2022_PROGRAM] {
        let mints = Mints {
            payment_program: program,
            stake_program: program,
            same: false,
        };
        let mut m = Market::unlaunched(mints).await;
        let mint = m
            .env
            .create_mint(program, 6, &[MintExt::FreezeAuthority])
            .await;
        m.net.payment_mint = mint;
        let ix = m.create_network_ix(m.id, default_params());
        let creator = m.creator.insecure_clone();
        assert_code(
            m.env.send(&[ix], &[&creator]).await,
            spice_err(SpiceError::FreezeAuthorityNotAccepted),
        );
        m.allow_freeze = true;
        let mut m = m.launch(default_params()).await;
        let network: Network = m.network().await;
        assert!(network.freeze_authority_accepted, "the opt-in is recorded");
    }
}

/// The review's attack: a Token-2022 mint, closed while its supply was 0 and re-created at the
/// same address with a permanent delegate. Every instruction that moves tokens screens the mint
/// again, so nothing moves through it any more: nothing can be escrowed or staked and then taken.
#[tokio::test]
async fn an_extension_that_appears_after_creation_stops_every_transfer() {
    let mut m = Market::with_params(Mints::T22, default_params()).await;
    let client = m.actor(1_000_000, 0).await;
    let provider = m.provider(MIN_STAKE).await;
    let job = m.create_job(&client, PRICE, 10).await;
    // The issuer's re-created mint: same address, now with a permanent delegate.
    let evil = m
        .env
        .create_mint(TOKEN_2022_PROGRAM, 6, &[MintExt::PermanentDelegate])
        .await;
    let mut evil_account: Account = {
        let data = m.env.account_data(&evil).await.unwrap();
        let lamports = m.env.lamports(&evil).await;
        Account {
            lamports,
            data,
            owner: TOKEN_2022_PROGRAM,
            executable: false,
            rent_epoch: 0,
        }
    };
    // Keep the supply the original mint had, so balances still add up.
    let supply = m.env.supply(&m.net.payment_mint).await;
    evil_account.data[36..44].copy_from_slice(&supply.to_le_bytes());
    let payment_mint = m.net.payment_mint;
    overwrite(&mut m, payment_mint, evil_account).await;

    let refused = spice_err(SpiceError::UnsupportedMintExtension);
    let args = m.job_args(&client, PRICE, 10).await;
    let (_, res) = m.try_create_job(&client, args).await;
    assert_code(res, refused);
    let cancel = ix::cancel_job(&m.net, client.key(), job);
    assert_code(m.env.send(&[cancel], &[&client.kp]).await, refused);
    // The escrow is still in its vault, untouched by the program.
    assert_eq!(m.env.balance(&pda::escrow_vault(&job)).await, PRICE * 10);
    let _ = provider;
}

// ------------------------------------------------------------------ 2. the authority

/// Parameters hostile to the providers and clients of running jobs.
fn hostile(params: spice::state::NetworkParams) -> spice::state::NetworkParams {
    spice::state::NetworkParams {
        protocol_fee_bps: 2_000,
        slash_bps: 10_000,
        slash_client_share_bps: 0,
        attestation_quorum: 1,
        audit_rate_bps: 10_000,
        challenge_seconds: 60,
        dispute_seconds: 60,
        ..params
    }
}

#[tokio::test]
async fn parameter_changes_wait_the_unbonding_period_and_can_be_withdrawn() {
    let mut m = Market::new(Mints::SPL).await;
    let delay = default_params().unbond_seconds;
    let new = spice::state::NetworkParams {
        protocol_fee_bps: 500,
        ..default_params()
    };
    Env::ok(m.try_propose_params(Some(new)).await);
    let n = m.network().await;
    assert_eq!(n.pending_params, Some(new));
    assert_eq!(
        n.params.protocol_fee_bps, 250,
        "nothing changes at proposal"
    );
    assert_eq!(n.pending_params_at, m.env.now().await + delay);
    assert_code(
        m.try_apply_params().await,
        spice_err(SpiceError::ParamsNotYetEffective),
    );
    m.env.warp_seconds(delay).await;
    // At the announced moment a provider unbonding since the proposal can withdraw; the
    // proposal applies only after it.
    assert_code(
        m.try_apply_params().await,
        spice_err(SpiceError::ParamsNotYetEffective),
    );
    m.env.warp_seconds(1).await;
    Env::ok(m.try_apply_params().await);
    assert_eq!(m.network().await.params.protocol_fee_bps, 500);
    assert_code(
        m.try_apply_params().await,
        spice_err(SpiceError::NoPendingParams),
    );
    // Withdrawn before it applies: nothing to apply.
    Env::ok(m.try_propose_params(Some(default_params())).await);
    Env::ok(m.try_propose_params(None).await);
    m.env.warp_seconds(delay + 1).await;
    assert_code(
        m.try_apply_params().await,
        spice_err(SpiceError::NoPendingParams),
    );
    assert_eq!(m.network().await.params.protocol_fee_bps, 500);
}

/// The review's attack: the authority sets quorum 1, a 100 % slash, no client share, adds an
/// attestor it controls and has it vote an honest provider's job fraudulent (with a colluding
/// client's dispute), then withdraws the treasury. The job keeps the terms it was created with,
/// the new attestor may not vote on a job accepted before it took office, the honest quorum
/// decides, and the provider is paid in full.
#[tokio::test]
async fn the_authority_cannot_reach_a_providers_stake_through_parameters_and_attestors() {
    for mints in [Mints::SPL, Mints::SINGLE] {
        let mut params = default_params();
        params.max_run_seconds = 30 * DAY;
        let mut m = Market::with_params(mints, params).await;
        let honest = m.attestors(2).await;
        let provider = m.provider(MIN_STAKE * 10).await;
        let client = m.actor(1_000_000, 0).await;
        let mut args = m.job_args(&client, PRICE, 10).await;
        args.run_seconds = 20 * DAY;
        let (job, res) = m.try_create_job(&client, args).await;
        Env::ok(res);
        Env::ok(m.accept(&provider, job).await);
        let terms = m.job_account(&job).await.terms;

        // The authority's attestor and hostile parameters: both in force after the delay.
        let own = m.attestors_pending(1).await.remove(0);
        m.update_params(hostile(params)).await;
        assert_eq!(m.network().await.params.attestation_quorum, 1);
        assert_eq!(
            m.job_account(&job).await.terms,
            terms,
            "the job keeps its terms"
        );

        Env::ok(m.submit(&provider, job, 10).await);
        let dispute = ix::dispute_job(&m.net, client.key(), job);
        Env::ok(m.env.send(&[dispute], &[&client.kp]).await);
        assert_code(
            m.try_attest(job, &client, &provider, &own, Verdict::Invalid, 0, &[])
                .await,
            spice_err(SpiceError::AttestorNotYetActive),
        );
        let stake_before = m.provider_account(&provider.key()).await.stake;
        Env::ok(
            m.try_attest(job, &client, &provider, &honest[0], Verdict::Valid, 10, &[])
                .await,
        );
        Env::ok(
            m.try_attest(
                job,
                &client,
                &provider,
                &honest[1],
                Verdict::Valid,
                10,
                &[honest[0].pubkey()],
            )
            .await,
        );
        assert!(!m.env.exists(&job).await, "the honest quorum decided");
        let after = m.provider_account(&provider.key()).await;
        assert_eq!(after.stake, stake_before, "nothing slashed");
        // Paid at the job's 2.5 % fee, not the new 20 %.
        let provider_payment = m.env.balance(&provider.payment).await;
        let expected = PRICE * 10 - PRICE * 10 * 250 / 10_000;
        if mints.same {
            // One mint: the provider's payment account also held its spare stake tokens.
            assert_eq!(provider_payment, expected + MIN_STAKE * 10);
        } else {
            assert_eq!(provider_payment, expected);
        }
        // The treasury holds exactly that fee: nothing of the stake reached it.
        assert_eq!(
            m.env.balance(&m.net.payment_treasury()).await,
            PRICE * 10 * 250 / 10_000
        );
        m.check_invariants().await;
    }
}

/// Terms fixed at creation: a job accepted before a fee, slash and quorum change settles and is
/// judged under its own terms.
#[tokio::test]
async fn a_running_job_keeps_its_fee_slash_and_quorum_through_a_parameter_change() {
    let mut params = default_params();
    params.max_run_seconds = 30 * DAY;
    let mut m = Market::with_params(Mints::MIXED, params).await;
    let attestors = m.attestors(2).await;
    let provider = m.provider(MIN_STAKE * 10).await;
    let client = m.actor(10_000_000, 0).await;
    let mut args = m.job_args(&client, PRICE, 10).await;
    args.run_seconds = 20 * DAY;
    let (job, res) = m.try_create_job(&client, args).await;
    Env::ok(res);
    Env::ok(m.accept(&provider, job).await);
    m.update_params(hostile(params)).await;
    Env::ok(m.submit(&provider, job, 10).await);
    let dispute = ix::dispute_job(&m.net, client.key(), job);
    Env::ok(m.env.send(&[dispute], &[&client.kp]).await);
    // Quorum 2 still: one Invalid vote decides nothing.
    Env::ok(
        m.try_attest(
            job,
            &client,
            &provider,
            &attestors[0],
            Verdict::Invalid,
            0,
            &[],
        )
        .await,
    );
    assert!(m.env.exists(&job).await, "one vote does not decide");
    let stake_before = m.provider_account(&provider.key()).await.stake;
    Env::ok(
        m.try_attest(
            job,
            &client,
            &provider,
            &attestors[1],
            Verdict::Invalid,
            0,
            &[attestors[0].pubkey()],
        )
        .await,
    );
    let after = m.provider_account(&provider.key()).await;
    // 10 % of the stake at accept, not 100 %; half of it to the client, not none.
    assert_eq!(stake_before - after.stake, MIN_STAKE);
    assert_eq!(m.env.balance(&client.stake).await, MIN_STAKE / 2);
    m.check_invariants().await;
}

#[tokio::test]
async fn attestor_set_changes_wait_the_delay() {
    let mut m = Market::new(Mints::SPL).await;
    let delay = default_params().unbond_seconds;
    let provider = m.provider(MIN_STAKE * 10).await;
    let client = m.actor(1_000_000, 0).await;
    let pending = m.attestors_pending(1).await.remove(0);
    // Not in office yet, even on a job accepted now.
    let job = m.submitted_job(&client, &provider, PRICE, 10, 10).await;
    assert_code(
        m.try_attest(job, &client, &provider, &pending, Verdict::Valid, 10, &[])
            .await,
        spice_err(SpiceError::AttestorNotYetActive),
    );
    m.env.warp_seconds(delay).await;
    // In office, but the job was accepted before: still not its to judge.
    let job2 = m.submitted_job(&client, &provider, PRICE, 10, 10).await;
    let _ = job;
    Env::ok(
        m.try_attest(job2, &client, &provider, &pending, Verdict::Valid, 10, &[])
            .await,
    );
    // A removal leaves it in office for the delay, then it may not vote.
    let remove = ix::remove_attestor(m.authority.pubkey(), m.net.network, pending.pubkey());
    let auth = m.authority.insecure_clone();
    Env::ok(m.env.send(&[remove], &[&auth]).await);
    let job3 = m.submitted_job(&client, &provider, PRICE, 10, 10).await;
    Env::ok(
        m.try_attest(job3, &client, &provider, &pending, Verdict::Valid, 10, &[])
            .await,
    );
    m.env.warp_seconds(delay).await;
    let job4 = m.submitted_job(&client, &provider, PRICE, 10, 10).await;
    assert_code(
        m.try_attest(job4, &client, &provider, &pending, Verdict::Valid, 10, &[])
            .await,
        spice_err(SpiceError::AttestorInactive),
    );
}

// ------------------------------------------------------------------ 3. stake and verdicts

/// The review's attack: the provider unbonds during the challenge window and withdraws before
/// the Invalid quorum. The stake behind the job is locked: the slash takes all of it.
#[tokio::test]
async fn stake_cannot_leave_ahead_of_a_verdict() {
    let mut params = default_params();
    params.unbond_seconds = 3_600;
    params.dispute_seconds = 2 * DAY;
    let mut m = Market::with_params(Mints::MIXED, params).await;
    let attestors = m.attestors(2).await;
    let stake = MIN_STAKE * 10;
    let provider = m.provider(stake).await;
    let client = m.actor(1_000_000, 0).await;
    let job = m.submitted_job(&client, &provider, PRICE, 10, 10).await;
    let dispute = ix::dispute_job(&m.net, client.key(), job);
    Env::ok(m.env.send(&[dispute], &[&client.kp]).await);
    // Everything but the minimum goes to unbonding and, an hour later, out — except the lock.
    let unbond = ix::begin_unbond(&m.net, provider.key(), stake - MIN_STAKE);
    Env::ok(m.env.send(&[unbond], &[&provider.kp]).await);
    m.env.warp_seconds(3_600).await;
    let withdraw = ix::withdraw_unbonded(&m.net, provider.key(), provider.stake);
    Env::ok(m.env.send(&[withdraw], &[&provider.kp]).await);
    let p: Provider = m.provider_account(&provider.key()).await;
    assert_eq!(
        p.locked,
        stake / 10,
        "10 % of the stake at accept is locked"
    );
    assert_eq!(p.stake + p.unbonding, p.locked.max(MIN_STAKE));
    // A second withdrawal finds nothing free.
    let again = ix::withdraw_unbonded(&m.net, provider.key(), provider.stake);
    let res = m.env.send(&[again], &[&provider.kp]).await;
    if p.unbonding > 0 {
        assert_code(res, spice_err(SpiceError::StakeLocked));
    }
    // The verdict slashes 10 % of the stake it had at accept, in full.
    Env::ok(
        m.try_attest(
            job,
            &client,
            &provider,
            &attestors[0],
            Verdict::Invalid,
            0,
            &[],
        )
        .await,
    );
    Env::ok(
        m.try_attest(
            job,
            &client,
            &provider,
            &attestors[1],
            Verdict::Invalid,
            0,
            &[attestors[0].pubkey()],
        )
        .await,
    );
    let after: Provider = m.provider_account(&provider.key()).await;
    assert_eq!(after.stats.total_slashed, stake / 10);
    assert_eq!((after.locked, after.active_jobs), (0, 0));
    m.check_invariants().await;
}

#[tokio::test]
async fn stake_added_after_accepting_neither_raises_the_slash_nor_the_score() {
    let mut m = Market::with_params(Mints::MIXED, curve_params()).await;
    let provider = m.provider(MIN_STAKE).await;
    let client = m.actor(10_000_000, 0).await;
    let job = m.running_job(&client, &provider, PRICE, 10).await;
    // The provider tops its stake up to the cap right after accepting.
    let stake_mint = m.net.stake_mint;
    m.env
        .mint_to(&stake_mint, &provider.stake, 100 * MIN_STAKE)
        .await;
    let top_up = ix::stake(&m.net, provider.key(), provider.stake, 100 * MIN_STAKE);
    Env::ok(m.env.send(&[top_up], &[&provider.kp]).await);
    let j: Job = m.job_account(&job).await;
    assert_eq!(j.stake_at_accept, MIN_STAKE);
    assert_eq!(
        j.slash_lock,
        MIN_STAKE / 10,
        "the lock follows the stake at accept"
    );
    Env::ok(m.submit(&provider, job, 10).await);
    let keys = m.settle_keys(job, &client, &provider).await;
    let approve = ix::approve_job(&m.net, &keys);
    Env::ok(m.env.send(&[approve], &[&client.kp]).await);
    let params = curve_params();
    let m_accept =
        spice::curve::stake_multiplier_bps(MIN_STAKE, params.stake_cap, params.m_max_bps).unwrap();
    let m_topped =
        spice::curve::stake_multiplier_bps(101 * MIN_STAKE, params.stake_cap, params.m_max_bps)
            .unwrap();
    assert!(m_topped > m_accept);
    let entry = m.provider_entry(&provider, keys.epoch).await;
    assert_eq!(
        entry.score,
        spice::curve::job_score(PRICE * 10, m_accept).unwrap(),
        "scored at the stake that backed the job when accepted"
    );
    // The other way: stake that leaves before settlement lowers the score.
    m.check_invariants().await;
}

// ------------------------------------------------------------------ 4. earned rewards

async fn finalized(mints: Mints) -> (Market, Actor) {
    let mut m = Market::with_params(mints, curve_params()).await;
    m.fund_rewards(10_000_000).await;
    let provider = m.provider(MIN_STAKE).await;
    let client = m.actor(100_000_000, 0).await;
    m.paid_job(&client, &provider, PRICE, 1_000).await;
    m.warp_to_epoch(1).await;
    Env::ok(m.try_finalize(0).await);
    (m, provider)
}

#[tokio::test]
async fn finalized_rewards_survive_a_hostile_window_and_rate() {
    let (mut m, provider) = finalized(Mints::MIXED).await;
    let owed = m.epoch(0).await.allocated;
    assert!(owed > 0);
    // The authority cannot shorten the claim window (rewards were earned under it)...
    let shorter = spice::state::NetworkParams {
        claim_window_epochs: 1,
        ..curve_params()
    };
    assert_code(
        m.try_propose_params(Some(shorter)).await,
        spice_err(SpiceError::ClaimWindowCut),
    );
    // ...and a zero rate cap changes nothing finalized.
    let params = spice::state::NetworkParams {
        reward_rate_cap_bps: 0,
        ..curve_params()
    };
    m.update_params(params).await; // a week: now in epoch 2
                                   // Epoch 0's deadline stays the one it was finalized with: it cannot be closed.
    assert_code(
        m.try_close_epoch(0).await,
        spice_err(SpiceError::ClaimWindowOpen),
    );
    let before = m.env.balance(&provider.stake).await;
    Env::ok(m.try_claim(&provider, &[0]).await);
    assert_eq!(m.env.balance(&provider.stake).await - before, owed);
    m.check_reward_invariants(&[0]).await;
}

#[tokio::test]
async fn no_epoch_closes_while_claims_are_paused_and_pauses_extend_deadlines() {
    let (mut m, provider) = finalized(Mints::MIXED).await;
    let entry = m.epoch(0).await;
    m.set_pause(PAUSE_CLAIM).await;
    // Past the deadline while paused: still no close.
    let now = m.env.now().await;
    m.env.warp_seconds(entry.claim_deadline - now + 10).await;
    assert_code(m.try_close_epoch(0).await, spice_err(SpiceError::Paused));
    m.set_pause(0).await;
    // The pause lasted past the deadline: the deadline moved by as long.
    assert_code(
        m.try_close_epoch(0).await,
        spice_err(SpiceError::ClaimWindowOpen),
    );
    let before = m.env.balance(&provider.stake).await;
    Env::ok(m.try_claim(&provider, &[0]).await);
    assert_eq!(
        m.env.balance(&provider.stake).await - before,
        entry.allocated
    );
}

#[tokio::test]
async fn a_closed_or_prefunded_provider_still_claims() {
    let (mut m, provider) = finalized(Mints::MIXED).await;
    let owed = m.epoch(0).await.allocated;
    // The provider leaves: unbond all, withdraw, close.
    let unbond = ix::begin_unbond(&m.net, provider.key(), MIN_STAKE);
    Env::ok(m.env.send(&[unbond], &[&provider.kp]).await);
    m.env.warp_seconds(default_params().unbond_seconds).await;
    let withdraw = ix::withdraw_unbonded(&m.net, provider.key(), provider.stake);
    Env::ok(m.env.send(&[withdraw], &[&provider.kp]).await);
    let close = ix::close_provider(&m.net, provider.key(), provider.stake);
    Env::ok(m.env.send(&[close], &[&provider.kp]).await);
    // Someone pre-funds the provider's address afterwards.
    let address = m.provider_pda(&provider.key());
    prefund(&mut m, address, 5_000_000).await;
    let before = m.env.balance(&provider.stake).await;
    Env::ok(m.try_claim(&provider, &[0]).await);
    assert_eq!(m.env.balance(&provider.stake).await - before, owed);
}

// ------------------------------------------------------------------ 5. pre-funded addresses

#[tokio::test]
async fn no_address_is_blocked_by_prefunding() {
    for mints in [Mints::SPL, Mints::T22, Mints::SINGLE] {
        let mut m = Market::unlaunched(mints).await;
        let network = m.net.network;
        // Every address create_network creates.
        let mut addresses = vec![
            network,
            pda::treasury(&network, &m.net.payment_mint),
            pda::payouts(&network, &m.net.payment_mint),
            pda::reward_vault(&network),
        ];
        if !mints.same {
            addresses.push(pda::treasury(&network, &m.net.stake_mint));
            addresses.push(pda::payouts(&network, &m.net.stake_mint));
        }
        for a in addresses {
            prefund(&mut m, a, 1_000_000).await;
        }
        let mut m = m.launch(default_params()).await;
        // A provider and its stake vault.
        let owner = m.actor(0, MIN_STAKE * 2).await;
        let provider = m.provider_pda(&owner.key());
        prefund(&mut m, provider, 1_000_000).await;
        prefund(&mut m, pda::stake_vault(&provider), 1_000_000).await;
        let reg = ix::register_provider(
            &m.net,
            owner.key(),
            owner.stake,
            MIN_STAKE,
            spice_tests::market::hardware(),
        );
        Env::ok(m.env.send(&[reg], &[&owner.kp]).await);
        m.track_provider(&owner.key());
        // A client's record, job and escrow vault.
        let client = m.actor(1_000_000, 0).await;
        let record = pda::client(&m.net.network, &client.key());
        let job = pda::job(&m.net.network, &client.key(), 0);
        for a in [record, job, pda::escrow_vault(&job)] {
            prefund(&mut m, a, 1_000_000).await;
        }
        let job = m.create_job(&client, PRICE, 10).await;
        // An attestor record.
        let key = Keypair::new();
        let record = pda::attestor(&m.net.network, &key.pubkey());
        prefund(&mut m, record, 1_000_000).await;
        let add = ix::add_attestor(m.authority.pubkey(), m.net.network, key.pubkey());
        let auth = m.authority.insecure_clone();
        Env::ok(m.env.send(&[add], &[&auth]).await);
        // The settlement's book page and shard.
        Env::ok(m.accept(&owner, job).await);
        Env::ok(m.submit(&owner, job, 10).await);
        let keys = m.settle_keys(job, &client, &owner).await;
        let book = pda::provider_book(&provider, spice::state::page_of(keys.epoch));
        prefund(&mut m, book, 1_000_000).await;
        let shard = spice::state::shard_of(&job, m.net.shard_count);
        let shard = pda::epoch_shard(&m.net.network, keys.epoch, shard);
        prefund(&mut m, shard, 1_000_000).await;
        let approve = ix::approve_job(&m.net, &keys);
        Env::ok(m.env.send(&[approve], &[&client.kp]).await);
        // The epoch's book page.
        let page = pda::epoch_book(&m.net.network, spice::state::page_of(keys.epoch));
        prefund(&mut m, page, 1_000_000).await;
        m.warp_to_epoch(keys.epoch + 1).await;
        Env::ok(m.try_finalize(keys.epoch).await);
        m.check_invariants().await;
    }
}

/// The client pays the rent of the reward accounts its approval creates (the first settlement of
/// the epoch's shard and of the provider's book page), as the CLI does by default: the job's own
/// rent, moved by hand to the client, must not unbalance the system program's call that takes
/// the rent from that same client.
#[tokio::test]
async fn the_client_can_pay_the_reward_accounts_its_approval_creates() {
    for mints in [Mints::SPL, Mints::SINGLE, Mints::MIXED, Mints::T22] {
        let mut m = Market::new(mints).await;
        let provider = m.provider(MIN_STAKE).await;
        let client = m.actor(1_000_000, 0).await;
        let job = m.submitted_job(&client, &provider, PRICE, 10, 10).await;
        let mut keys = m.settle_keys(job, &client, &provider).await;
        keys.payer = client.key();
        let approve = ix::approve_job(&m.net, &keys);
        Env::ok(m.env.send(&[approve], &[&client.kp]).await);
        let shard = spice::state::shard_of(&job, m.net.shard_count);
        let shard: spice::state::EpochShard = m
            .env
            .fetch(&pda::epoch_shard(&m.net.network, keys.epoch, shard))
            .await;
        assert_eq!(shard.payer, client.key());
        m.check_invariants().await;
    }
}

// ------------------------------------------------------------------ 6. one job per address

#[tokio::test]
async fn a_job_address_never_names_a_second_job() {
    let mut m = Market::new(Mints::SPL).await;
    let client = m.actor(1_000_000, 0).await;
    let first = m.create_job(&client, PRICE, 10).await;
    assert_eq!(first, pda::job(&m.net.network, &client.key(), 0));
    let cancel = ix::cancel_job(&m.net, client.key(), first);
    Env::ok(m.env.send(&[cancel], &[&client.kp]).await);
    // Re-creating id 0 — the closed job's address — is refused, in this slot or any later.
    let mut args = m.job_args(&client, PRICE, 10).await;
    assert_eq!(args.job_id, 1);
    args.job_id = 0;
    let (_, res) = m.try_create_job(&client, args).await;
    assert_code(res, spice_err(SpiceError::WrongJobId));
    let second = m.create_job(&client, PRICE, 10).await;
    assert_ne!(first, second);
    // A skipped id is refused too: ids are consecutive.
    let mut args = m.job_args(&client, PRICE, 10).await;
    args.job_id += 1;
    let (_, res) = m.try_create_job(&client, args).await;
    assert_code(res, spice_err(SpiceError::WrongJobId));
}

// ------------------------------------------------------------------ 7. deadlines

/// A dispute on a job already selected for audit keeps the audit's (later) vote deadline.
#[tokio::test]
async fn a_dispute_never_shortens_an_audit_vote_deadline() {
    let params = spice::state::NetworkParams {
        audit_rate_bps: 10_000,
        challenge_seconds: 2 * DAY,
        dispute_seconds: DAY,
        ..default_params()
    };
    let mut m = Market::with_params(Mints::SPL, params).await;
    let provider = m.provider(MIN_STAKE).await;
    let client = m.actor(1_000_000, 0).await;
    let job = m.submitted_job(&client, &provider, PRICE, 10, 10).await;
    m.env.warp_slots(2).await;
    let draw = ix::draw_audit(&m.net, job);
    Env::ok(m.env.send(&[draw], &[]).await);
    let selected: Job = m.job_account(&job).await;
    assert_eq!(selected.audit, AuditDraw::Selected);
    // The audit votes until the end of the challenge window + one day.
    assert_eq!(selected.vote_deadline, selected.challenge_deadline + DAY);
    let dispute = ix::dispute_job(&m.net, client.key(), job);
    Env::ok(m.env.send(&[dispute], &[&client.kp]).await);
    let disputed: Job = m.job_account(&job).await;
    assert_eq!(disputed.state, JobState::Disputed);
    assert_eq!(disputed.vote_deadline, selected.vote_deadline);
    let _ = JOB_WINDOW;
}
