//! Attestors, votes, quorum outcomes (settlement at the median, fraud and slashing), disputes
//! without a quorum, and the audit draw from SlotHashes.

use anchor_lang::error::ErrorCode;
use solana_sdk::signature::{Keypair, Signer};
use spice::audit::{self, Draw};
use spice::errors::SpiceError;
use spice::state::{Attestor, AuditDraw, Job, ProviderStatus, Verdict, NOT_REMOVED};
use spice_sdk::{ix, pda};
use spice_tests::attestation::slot_hashes;
use spice_tests::market::{default_params, result_args, Actor, Market, Mints, DAY, MIN_STAKE};
use spice_tests::{anchor_err, assert_code, spice_err, Env};

const PRICE: u64 = 1_000;

async fn market(audit_rate_bps: u16, quorum: u8) -> Market {
    let mut p = default_params();
    p.audit_rate_bps = audit_rate_bps;
    p.attestation_quorum = quorum;
    Market::with_params(Mints::MIXED, p).await
}

/// A market with 3 attestors, a provider, a client and a disputed job of 100 units reported.
async fn disputed(
    quorum: u8,
) -> (
    Market,
    Vec<Keypair>,
    Actor,
    Actor,
    solana_sdk::pubkey::Pubkey,
) {
    let mut m = market(0, quorum).await;
    let att = m.attestors(3).await;
    let provider = m.provider(10 * MIN_STAKE).await;
    let client = m.actor(1_000_000, 0).await;
    let job = m.submitted_job(&client, &provider, PRICE, 200, 100).await;
    let dispute = ix::dispute_job(&m.net, client.key(), job);
    Env::ok(m.env.send(&[dispute], &[&client.kp]).await);
    m.check_invariants().await;
    (m, att, provider, client, job)
}

fn fee(gross: u64) -> u64 {
    (gross * 250).div_ceil(10_000)
}

// ------------------------------------------------------------------ attestor registry

#[tokio::test]
async fn add_remove_and_never_readd_attestor() {
    let mut m = market(0, 2).await;
    let delay = default_params().unbond_seconds;
    let key = Keypair::new().pubkey();
    let record = pda::attestor(&m.net.network, &key);
    let auth = m.authority.insecure_clone();
    let add = ix::add_attestor(auth.pubkey(), m.net.network, key);
    Env::ok(m.env.send(std::slice::from_ref(&add), &[&auth]).await);
    // In office after the governance delay, until removed.
    let now = m.env.now().await;
    let rec: Attestor = m.env.fetch(&record).await;
    assert_eq!((rec.key, rec.votes_cast), (key, 0));
    assert_eq!(
        (rec.active_from, rec.active_until),
        (now + delay, NOT_REMOVED)
    );
    assert_eq!(m.network().await.attestor_count, 1);
    assert_code(
        m.env.send(std::slice::from_ref(&add), &[&auth]).await,
        spice_err(SpiceError::AttestorAlreadyActive),
    );
    // A removal takes effect after the delay too.
    let remove = ix::remove_attestor(auth.pubkey(), m.net.network, key);
    Env::ok(m.env.send(std::slice::from_ref(&remove), &[&auth]).await);
    let now = m.env.now().await;
    let rec: Attestor = m.env.fetch(&record).await;
    assert_eq!(rec.active_until, now + delay);
    assert_eq!(m.network().await.attestor_count, 0);
    assert_code(
        m.env.send(&[remove], &[&auth]).await,
        spice_err(SpiceError::AttestorInactive),
    );
    // Never added again, before or after the removal takes effect: a new term would take the
    // attestor away from the jobs accepted in its first (a new key is added instead).
    assert_code(
        m.env.send(std::slice::from_ref(&add), &[&auth]).await,
        spice_err(SpiceError::AttestorRetired),
    );
    m.env.warp_seconds(delay).await;
    assert_code(
        m.env.send(&[add], &[&auth]).await,
        spice_err(SpiceError::AttestorRetired),
    );
    let rec: Attestor = m.env.fetch(&record).await;
    assert_eq!(rec.active_until, now + delay);
    assert_eq!(m.network().await.attestor_count, 0);
    let fresh = ix::add_attestor(auth.pubkey(), m.net.network, Keypair::new().pubkey());
    Env::ok(m.env.send(&[fresh], &[&auth]).await);
    assert_eq!(m.network().await.attestor_count, 1);
}

#[tokio::test]
async fn error_attestor_management_by_non_authority() {
    let mut m = market(0, 2).await;
    let mallory = m.env.funded(1_000_000_000).await;
    let add = ix::add_attestor(mallory.pubkey(), m.net.network, mallory.pubkey());
    assert_code(
        m.env.send(&[add], &[&mallory]).await,
        spice_err(SpiceError::NotAuthority),
    );
    let att = m.attestors(1).await;
    let remove = ix::remove_attestor(mallory.pubkey(), m.net.network, att[0].pubkey());
    assert_code(
        m.env.send(&[remove], &[&mallory]).await,
        spice_err(SpiceError::NotAuthority),
    );
}

// ------------------------------------------------------------------ vote refusals

#[tokio::test]
async fn error_vote_by_non_attestor() {
    let (mut m, _att, provider, client, job) = disputed(2).await;
    let stranger = m.env.funded(1_000_000_000).await;
    assert_code(
        m.try_attest(job, &client, &provider, &stranger, Verdict::Valid, 10, &[])
            .await,
        anchor_err(ErrorCode::AccountNotInitialized),
    );
}

#[tokio::test]
async fn a_removed_attestor_judges_only_jobs_accepted_while_it_was_in_office() {
    // A governance delay (1 h) shorter than the vote window (2 days), quorum 3 so that no vote
    // here decides.
    let mut p = default_params();
    p.unbond_seconds = 3_600;
    p.attestation_quorum = 3;
    let mut m = Market::with_params(Mints::MIXED, p).await;
    let att = m.attestors(3).await;
    let provider = m.provider(10 * MIN_STAKE).await;
    let client = m.actor(1_000_000, 0).await;
    let job = m.submitted_job(&client, &provider, PRICE, 200, 100).await;
    let dispute = ix::dispute_job(&m.net, client.key(), job);
    Env::ok(m.env.send(&[dispute], &[&client.kp]).await);
    let auth = m.authority.insecure_clone();
    for a in &att[..2] {
        let remove = ix::remove_attestor(auth.pubkey(), m.net.network, a.pubkey());
        Env::ok(m.env.send(&[remove], &[&auth]).await);
    }
    // Until the removal takes effect the attestor is in office.
    Env::ok(
        m.try_attest(job, &client, &provider, &att[1], Verdict::Valid, 10, &[])
            .await,
    );
    m.env.warp_seconds(3_600).await;
    // Effective now, yet the job was accepted while it was in office: it still judges it, so a
    // removal can never take a job's judges away and leave it without a quorum.
    Env::ok(
        m.try_attest(job, &client, &provider, &att[0], Verdict::Valid, 10, &[])
            .await,
    );
    let j: Job = m.env.fetch(&job).await;
    assert_eq!((j.valid_votes, j.invalid_votes), (2, 0));

    // A job accepted after the removal took effect is not theirs to judge.
    let later = m.submitted_job(&client, &provider, PRICE, 200, 100).await;
    let dispute = ix::dispute_job(&m.net, client.key(), later);
    Env::ok(m.env.send(&[dispute], &[&client.kp]).await);
    for a in &att[..2] {
        assert_code(
            m.try_attest(later, &client, &provider, a, Verdict::Valid, 10, &[])
                .await,
            spice_err(SpiceError::AttestorInactive),
        );
    }
    Env::ok(
        m.try_attest(later, &client, &provider, &att[2], Verdict::Valid, 10, &[])
            .await,
    );
    let j: Job = m.env.fetch(&later).await;
    assert_eq!((j.valid_votes, j.invalid_votes), (1, 0));
}

#[tokio::test]
async fn error_double_vote() {
    let (mut m, att, provider, client, job) = disputed(3).await;
    Env::ok(
        m.try_attest(job, &client, &provider, &att[0], Verdict::Valid, 10, &[])
            .await,
    );
    assert_code(
        m.try_attest(job, &client, &provider, &att[0], Verdict::Invalid, 10, &[])
            .await,
        spice_err(SpiceError::AlreadyVoted),
    );
    let j: Job = m.env.fetch(&job).await;
    assert_eq!((j.valid_votes, j.invalid_votes), (1, 0));
}

#[tokio::test]
async fn error_vote_on_job_in_wrong_state() {
    let mut m = market(0, 2).await;
    let att = m.attestors(1).await;
    let provider = m.provider(10 * MIN_STAKE).await;
    let client = m.actor(1_000_000, 0).await;
    let job = m.create_job(&client, PRICE, 10).await;
    let accept = ix::accept_job(&m.net, provider.key(), job);
    Env::ok(m.env.send(&[accept], &[&provider.kp]).await);
    // Running: nothing to attest yet.
    assert_code(
        m.try_attest(job, &client, &provider, &att[0], Verdict::Valid, 10, &[])
            .await,
        spice_err(SpiceError::InvalidJobState),
    );
}

#[tokio::test]
async fn error_vote_after_deadline() {
    let (mut m, att, provider, client, job) = disputed(2).await;
    m.env.warp_seconds(2 * DAY + 1).await;
    assert_code(
        m.try_attest(job, &client, &provider, &att[0], Verdict::Valid, 10, &[])
            .await,
        spice_err(SpiceError::VotingClosed),
    );
    // Undisputed, unselected job: votes close with the challenge window.
    let job2 = m.submitted_job(&client, &provider, PRICE, 10, 10).await;
    m.env.warp_seconds(DAY + 1).await;
    assert_code(
        m.try_attest(job2, &client, &provider, &att[0], Verdict::Valid, 10, &[])
            .await,
        spice_err(SpiceError::VotingClosed),
    );
}

#[tokio::test]
async fn error_attestor_votes_on_own_job() {
    let mut m = market(0, 2).await;
    let provider = m.provider(10 * MIN_STAKE).await;
    let client = m.actor(1_000_000, 0).await;
    // Both the provider's owner and the client are also registered attestors.
    let auth = m.authority.insecure_clone();
    for key in [provider.key(), client.key()] {
        let add = ix::add_attestor(auth.pubkey(), m.net.network, key);
        Env::ok(m.env.send(&[add], &[&auth]).await);
    }
    // In office for jobs accepted from now on.
    m.env.warp_seconds(default_params().unbond_seconds).await;
    let job = m.submitted_job(&client, &provider, PRICE, 10, 10).await;
    let pkp = provider.kp.insecure_clone();
    assert_code(
        m.try_attest(job, &client, &provider, &pkp, Verdict::Valid, 10, &[])
            .await,
        spice_err(SpiceError::ConflictOfInterest),
    );
    let ckp = client.kp.insecure_clone();
    assert_code(
        m.try_attest(job, &client, &provider, &ckp, Verdict::Invalid, 0, &[])
            .await,
        spice_err(SpiceError::ConflictOfInterest),
    );
}

// ------------------------------------------------------------------ quorum outcomes

#[tokio::test]
async fn valid_quorum_settles_at_the_median_and_closes_votes() {
    let (mut m, att, provider, client, job) = disputed(2).await;
    let provider_before = m.env.balance(&provider.payment).await;
    let client_before = m.env.balance(&client.payment).await;
    // Invalid, then two Valid votes: 120 (capped to 100 reported) and 60 → median 80.
    Env::ok(
        m.try_attest(job, &client, &provider, &att[0], Verdict::Invalid, 0, &[])
            .await,
    );
    m.check_invariants().await;
    Env::ok(
        m.try_attest(job, &client, &provider, &att[1], Verdict::Valid, 120, &[])
            .await,
    );
    let j: Job = m.env.fetch(&job).await;
    assert_eq!((j.valid_votes, j.invalid_votes), (1, 1));
    assert_eq!(
        j.valid_units[0], 100,
        "measured units are capped by the reported units"
    );
    let lamports_before = m.env.lamports(&att[0].pubkey()).await;
    let rent = m
        .env
        .lamports(&pda::attestation(&job, &att[0].pubkey()))
        .await;
    let earlier = [att[0].pubkey(), att[1].pubkey()];
    Env::ok(
        m.try_attest(
            job,
            &client,
            &provider,
            &att[2],
            Verdict::Valid,
            60,
            &earlier,
        )
        .await,
    );
    m.check_invariants().await;
    assert!(!m.env.exists(&job).await);
    let gross = 80 * PRICE;
    assert_eq!(
        m.env.balance(&provider.payment).await - provider_before,
        gross - fee(gross)
    );
    assert_eq!(
        m.env.balance(&client.payment).await - client_before,
        200 * PRICE - gross
    );
    for a in &att {
        assert!(!m.env.exists(&pda::attestation(&job, &a.pubkey())).await);
    }
    assert_eq!(
        m.env.lamports(&att[0].pubkey()).await,
        lamports_before + rent,
        "attestation rent back to its attestor"
    );
    let rec: Attestor = m
        .env
        .fetch(&pda::attestor(&m.net.network, &att[0].pubkey()))
        .await;
    assert_eq!((rec.votes_cast, rec.votes_against_outcome), (1, 1));
    let rec: Attestor = m
        .env
        .fetch(&pda::attestor(&m.net.network, &att[1].pubkey()))
        .await;
    assert_eq!((rec.votes_cast, rec.votes_against_outcome), (1, 0));
}

#[tokio::test]
async fn even_vote_count_median_rounds_down() {
    let mut m = market(0, 4).await;
    let att = m.attestors(4).await;
    let provider = m.provider(10 * MIN_STAKE).await;
    let client = m.actor(1_000_000, 0).await;
    let job = m.submitted_job(&client, &provider, PRICE, 100, 100).await;
    let before = m.env.balance(&provider.payment).await;
    let mut earlier = Vec::new();
    for (a, units) in att.iter().zip([10u64, 31, 30, 90]) {
        Env::ok(
            m.try_attest(job, &client, &provider, a, Verdict::Valid, units, &earlier)
                .await,
        );
        earlier.push(a.pubkey());
    }
    // 10 30 31 90 → (30 + 31) / 2 = 30
    let gross = 30 * PRICE;
    assert_eq!(
        m.env.balance(&provider.payment).await - before,
        gross - fee(gross)
    );
    m.check_invariants().await;
}

#[tokio::test]
async fn invalid_quorum_refunds_and_slashes_active_then_unbonding() {
    let (mut m, att, provider, client, job) = disputed(2).await;
    // 10M staked: keep the minimum active, unbond 9M (still slashable).
    let unbond = ix::begin_unbond(&m.net, provider.key(), 9 * MIN_STAKE);
    Env::ok(m.env.send(&[unbond], &[&provider.kp]).await);
    m.check_invariants().await;
    let client_pay_before = m.env.balance(&client.payment).await;
    let client_stake_before = m.env.balance(&client.stake).await;
    let treasury_before = m.env.balance(&m.net.stake_treasury()).await;
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
    m.check_invariants().await;
    assert!(!m.env.exists(&job).await);
    assert_eq!(
        m.env.balance(&client.payment).await - client_pay_before,
        200 * PRICE,
        "full refund"
    );
    // 10% of 10M = 1M: all of the 1M active, nothing of the unbonding.
    let slash = MIN_STAKE;
    assert_eq!(
        m.env.balance(&client.stake).await - client_stake_before,
        slash / 2
    );
    assert_eq!(
        m.env.balance(&m.net.stake_treasury()).await - treasury_before,
        slash / 2
    );
    let p = m.provider_account(&provider.key()).await;
    assert_eq!((p.stake, p.unbonding), (0, 9 * MIN_STAKE));
    assert_eq!(p.status, ProviderStatus::Suspended);
    assert_eq!(p.stats.jobs_fraudulent, 1);
    assert_eq!(p.stats.total_slashed, slash);
    assert_eq!(p.active_jobs, 0);
}

#[tokio::test]
async fn slash_reaches_unbonding_stake_beyond_active() {
    let mut m = market(0, 1).await;
    let att = m.attestors(1).await;
    let provider = m.provider(40 * MIN_STAKE).await;
    let client = m.actor(1_000_000, 0).await;
    let job = m.submitted_job(&client, &provider, PRICE, 10, 10).await;
    // Active 1M, unbonding 39M: a 10% slash of 40M = 4M takes 1M active + 3M unbonding.
    let unbond = ix::begin_unbond(&m.net, provider.key(), 39 * MIN_STAKE);
    Env::ok(m.env.send(&[unbond], &[&provider.kp]).await);
    Env::ok(
        m.try_attest(job, &client, &provider, &att[0], Verdict::Invalid, 0, &[])
            .await,
    );
    m.check_invariants().await;
    let p = m.provider_account(&provider.key()).await;
    assert_eq!((p.stake, p.unbonding), (0, 36 * MIN_STAKE));
    assert_eq!(p.stats.total_slashed, 4 * MIN_STAKE);
    // The rest can still leave after unbonding: no stuck stake.
    m.env.warp_seconds(7 * DAY).await;
    let w = ix::withdraw_unbonded(&m.net, provider.key(), provider.stake);
    Env::ok(m.env.send(&[w], &[&provider.kp]).await);
    m.check_invariants().await;
}

#[tokio::test]
async fn dispute_without_quorum_refunds_and_slashes_nobody() {
    let (mut m, att, provider, client, job) = disputed(2).await;
    Env::ok(
        m.try_attest(job, &client, &provider, &att[0], Verdict::Invalid, 0, &[])
            .await,
    );
    let expire = ix::expire_job(
        &m.net,
        job,
        client.key(),
        Some(m.provider_pda(&provider.key())),
    );
    assert_code(
        m.env.send(std::slice::from_ref(&expire), &[]).await,
        spice_err(SpiceError::NotExpired),
    );
    m.env.warp_seconds(2 * DAY + 1).await;
    let before = m.env.balance(&client.payment).await;
    Env::ok(m.env.send(&[expire], &[]).await);
    m.check_invariants().await;
    assert_eq!(m.env.balance(&client.payment).await - before, 200 * PRICE);
    let p = m.provider_account(&provider.key()).await;
    assert_eq!(p.stake, 10 * MIN_STAKE);
    assert_eq!(p.active_jobs, 0);
    // The lone vote's rent is reclaimable by its attestor now that the job is closed.
    let close = ix::close_attestation(job, att[0].pubkey());
    Env::ok(m.env.send(&[close], &[&att[0]]).await);
    assert!(
        !m.env
            .exists(&pda::attestation(&job, &att[0].pubkey()))
            .await
    );
}

#[tokio::test]
async fn error_close_attestation_of_open_job() {
    let (mut m, att, provider, client, job) = disputed(2).await;
    Env::ok(
        m.try_attest(job, &client, &provider, &att[0], Verdict::Valid, 5, &[])
            .await,
    );
    let close = ix::close_attestation(job, att[0].pubkey());
    assert_code(
        m.env.send(&[close], &[&att[0]]).await,
        spice_err(SpiceError::JobStillOpen),
    );
}

#[tokio::test]
async fn error_deciding_vote_with_foreign_attestation() {
    let (mut m, att, provider, client, job) = disputed(2).await;
    Env::ok(
        m.try_attest(job, &client, &provider, &att[0], Verdict::Valid, 5, &[])
            .await,
    );
    // att[2] never voted: its attestation does not exist.
    assert!(m
        .try_attest(
            job,
            &client,
            &provider,
            &att[1],
            Verdict::Valid,
            5,
            &[att[2].pubkey()],
        )
        .await
        .is_err());
    assert!(m.env.exists(&job).await, "nothing changed");
}

// ------------------------------------------------------------------ audit draw

#[tokio::test]
async fn selected_job_settles_only_on_a_valid_quorum() {
    let mut m = market(10_000, 2).await;
    let att = m.attestors(2).await;
    let provider = m.provider(10 * MIN_STAKE).await;
    let client = m.actor(1_000_000, 0).await;
    let job = m.submitted_job(&client, &provider, PRICE, 10, 10).await;
    let keys = m.settle_keys(job, &client, &provider).await;
    // Same slot as the submission: nothing to draw from yet.
    let approve = ix::approve_job(&m.net, &keys);
    assert_code(
        m.env
            .send(std::slice::from_ref(&approve), &[&client.kp])
            .await,
        spice_err(SpiceError::AuditNotReady),
    );
    m.env.warp_slots(2).await;
    // The approval records the draw (selected) but does not settle.
    Env::ok(
        m.env
            .send(std::slice::from_ref(&approve), &[&client.kp])
            .await,
    );
    let j: Job = m.env.fetch(&job).await;
    assert_eq!(j.audit, AuditDraw::Selected);
    assert!(j.vote_deadline >= j.challenge_deadline + 2 * DAY);
    assert_code(
        m.env.send(&[approve], &[&client.kp]).await,
        spice_err(SpiceError::AwaitingAttestation),
    );
    m.env.warp_seconds(DAY + 1).await;
    let settle = ix::settle_job(&m.net, &keys);
    assert_code(
        m.env.send(&[settle], &[]).await,
        spice_err(SpiceError::AwaitingAttestation),
    );
    // Votes still count after the challenge window: the vote deadline governs.
    Env::ok(
        m.try_attest(job, &client, &provider, &att[0], Verdict::Valid, 10, &[])
            .await,
    );
    Env::ok(
        m.try_attest(
            job,
            &client,
            &provider,
            &att[1],
            Verdict::Valid,
            10,
            &[att[0].pubkey()],
        )
        .await,
    );
    assert!(!m.env.exists(&job).await);
    m.check_invariants().await;
}

/// A job whose draw nobody recorded inside the challenge window: the first vote after it
/// makes the draw, and a selection gives attestors their vote deadline from then on — the vote
/// is not refused for a deadline the draw is about to extend.
#[tokio::test]
async fn first_vote_after_the_challenge_window_records_the_selection_and_counts() {
    let mut m = market(10_000, 2).await;
    let att = m.attestors(2).await;
    let provider = m.provider(10 * MIN_STAKE).await;
    let client = m.actor(1_000_000, 0).await;
    let job = m.submitted_job(&client, &provider, PRICE, 10, 10).await;
    m.env.warp_slots(2).await;
    m.env.warp_seconds(DAY + 1).await;
    let before: Job = m.env.fetch(&job).await;
    assert_eq!(before.audit, AuditDraw::Pending);
    Env::ok(
        m.try_attest(job, &client, &provider, &att[0], Verdict::Valid, 10, &[])
            .await,
    );
    let j: Job = m.env.fetch(&job).await;
    assert_eq!(j.audit, AuditDraw::Selected);
    assert_eq!(j.valid_votes, 1);
    assert!(j.vote_deadline >= m.env.now().await + 2 * DAY - 1);
    Env::ok(
        m.try_attest(
            job,
            &client,
            &provider,
            &att[1],
            Verdict::Valid,
            10,
            &[att[0].pubkey()],
        )
        .await,
    );
    assert!(!m.env.exists(&job).await, "the Valid quorum settled it");
    m.check_invariants().await;
}

#[tokio::test]
async fn selected_job_without_quorum_expires_to_a_refund() {
    let mut m = market(10_000, 2).await;
    let provider = m.provider(10 * MIN_STAKE).await;
    let client = m.actor(1_000_000, 0).await;
    let job = m.submitted_job(&client, &provider, PRICE, 10, 10).await;
    m.env.warp_slots(2).await;
    Env::ok(m.env.send(&[ix::draw_audit(&m.net, job)], &[]).await);
    assert_code(
        m.env.send(&[ix::draw_audit(&m.net, job)], &[]).await,
        spice_err(SpiceError::AuditAlreadyDrawn),
    );
    let expire = ix::expire_job(
        &m.net,
        job,
        client.key(),
        Some(m.provider_pda(&provider.key())),
    );
    m.env.warp_seconds(DAY + 1).await;
    assert_code(
        m.env.send(std::slice::from_ref(&expire), &[]).await,
        spice_err(SpiceError::NotExpired),
    );
    m.env.warp_seconds(2 * DAY).await;
    let before = m.env.balance(&client.payment).await;
    Env::ok(m.env.send(&[expire], &[]).await);
    assert_eq!(m.env.balance(&client.payment).await - before, 10 * PRICE);
    m.check_invariants().await;
}

#[tokio::test]
async fn draw_uses_the_first_slot_after_submission() {
    let mut m = market(5_000, 2).await;
    let provider = m.provider(10 * MIN_STAKE).await;
    let client = m.actor(10_000_000, 0).await;
    let mut jobs = Vec::new();
    for _ in 0..12 {
        jobs.push(m.submitted_job(&client, &provider, PRICE, 10, 10).await);
    }
    let submit_slot = {
        let j: Job = m.env.fetch(&jobs[0]).await;
        j.submit_slot
    };
    // At submission time no later slot has a hash: the provider cannot know its draw.
    let data = slot_hashes(&mut m.env).await;
    assert_eq!(
        audit::slot_hash_after(&data, submit_slot),
        Err(Draw::NotReady)
    );
    assert_code(
        m.env.send(&[ix::draw_audit(&m.net, jobs[0])], &[]).await,
        spice_err(SpiceError::AuditNotReady),
    );
    m.env.warp_slots(3).await;
    let data = slot_hashes(&mut m.env).await;
    let after = audit::slot_hash_after(&data, submit_slot).expect("a later slot");
    let (mut selected, mut not_selected) = (0, 0);
    for job in &jobs {
        let j: Job = m.env.fetch(job).await;
        assert_eq!(j.submit_slot, submit_slot);
        Env::ok(m.env.send(&[ix::draw_audit(&m.net, *job)], &[]).await);
        let j: Job = m.env.fetch(job).await;
        let expected = audit::is_selected(&after, job, 5_000);
        assert_eq!(j.audit == AuditDraw::Selected, expected, "draw of {job}");
        if expected {
            selected += 1;
        } else {
            not_selected += 1;
        }
    }
    // With 12 jobs at 50%, both outcomes occur except with probability 2 × 2^-12.
    assert!(selected > 0 && not_selected > 0);
}

#[tokio::test]
async fn pruned_slot_hash_counts_as_selected() {
    // 1 bps: a live draw almost never selects; an expired one always does.
    let mut m = market(1, 2).await;
    let provider = m.provider(10 * MIN_STAKE).await;
    let client = m.actor(1_000_000, 0).await;
    let job = m.submitted_job(&client, &provider, PRICE, 10, 10).await;
    // A warp skips slots without recording them, so fill SlotHashes the way 600 real slots
    // would: its 512 entries all newer than the slot after the submission.
    m.env.warp_slots(600).await;
    let submit_slot = m.job_account(&job).await.submit_slot;
    let newest = m.env.clock().await.slot - 1;
    let entries: Vec<(u64, solana_sdk::hash::Hash)> = (0..512)
        .map(|i| (newest - i, solana_sdk::hash::Hash::new_unique()))
        .collect();
    m.env
        .ctx
        .set_sysvar(&solana_sdk::slot_hashes::SlotHashes::new(&entries));
    let data = slot_hashes(&mut m.env).await;
    assert_eq!(
        audit::slot_hash_after(&data, submit_slot),
        Err(Draw::Selected)
    );
    Env::ok(m.env.send(&[ix::draw_audit(&m.net, job)], &[]).await);
    assert_eq!(m.job_account(&job).await.audit, AuditDraw::Selected);
}

#[tokio::test]
async fn selected_fraction_matches_the_audit_rate() {
    // 300 jobs at 20%: the count of selected jobs is Binomial(300, 0.2), mean 60, sd 6.9.
    // Accept 60 ± 31 (4.5 sd): a false failure has probability below 1e-5. Job addresses come
    // from fresh keypairs, so each run draws anew.
    const N: usize = 300;
    let mut m = market(2_000, 2).await;
    let provider = m.provider(10 * MIN_STAKE).await;
    let client = m.actor(u64::MAX / 2, 0).await;
    // Rent of 300 jobs and escrow vaults.
    let top_up = anchor_lang::solana_program::system_instruction::transfer(
        &m.env.payer(),
        &client.key(),
        5_000_000_000,
    );
    Env::ok(m.env.send(&[top_up], &[]).await);
    let mut jobs = Vec::new();
    for _ in 0..N {
        let args = m.job_args(&client, 1, 1).await;
        let job = m.track_job(&client.key(), args.job_id);
        let ixs = [
            ix::create_job(&m.net, client.key(), client.payment, args),
            ix::accept_job(&m.net, provider.key(), job),
            ix::submit_result(&m.net, provider.key(), job, result_args(1)),
        ];
        Env::ok(m.env.send(&ixs, &[&client.kp, &provider.kp]).await);
        jobs.push(job);
    }
    m.env.warp_slots(2).await;
    let mut selected = 0;
    for chunk in jobs.chunks(10) {
        let ixs: Vec<_> = chunk.iter().map(|j| ix::draw_audit(&m.net, *j)).collect();
        Env::ok(m.env.send(&ixs, &[]).await);
        for j in chunk {
            if m.job_account(j).await.audit == AuditDraw::Selected {
                selected += 1;
            }
        }
    }
    assert!(
        (29..=91).contains(&selected),
        "{selected} of {N} selected at 20%"
    );
    m.check_invariants().await;
}

#[tokio::test]
async fn prefunded_attestation_address_does_not_block_the_vote() {
    let (mut m, att, provider, client, job) = disputed(2).await;
    // A griefer sends lamports to the attestor's future attestation address.
    let target = pda::attestation(&job, &att[0].pubkey());
    let payer = m.env.payer();
    let rent = m.env.rent(0).await;
    let gift = anchor_lang::solana_program::system_instruction::transfer(&payer, &target, rent);
    Env::ok(m.env.send(&[gift], &[]).await);
    Env::ok(
        m.try_attest(job, &client, &provider, &att[0], Verdict::Valid, 10, &[])
            .await,
    );
    let j: Job = m.env.fetch(&job).await;
    assert_eq!(j.valid_votes, 1);
}

#[tokio::test]
async fn votes_decide_on_a_single_mint_network() {
    // One mint for payment and stake: the settlement and slash treasuries, and the client's
    // payment and stake accounts, are the same accounts.
    let mut p = default_params();
    p.attestation_quorum = 1;
    let mut m = Market::with_params(Mints::SINGLE, p).await;
    let att = m.attestors(1).await;
    let provider = m.provider(10 * MIN_STAKE).await;
    let client = m.actor(1_000_000, 0).await;
    let good = m.submitted_job(&client, &provider, PRICE, 10, 10).await;
    Env::ok(
        m.try_attest(good, &client, &provider, &att[0], Verdict::Valid, 10, &[])
            .await,
    );
    assert!(!m.env.exists(&good).await);
    m.check_invariants().await;
    let bad = m.submitted_job(&client, &provider, PRICE, 10, 10).await;
    Env::ok(
        m.try_attest(bad, &client, &provider, &att[0], Verdict::Invalid, 0, &[])
            .await,
    );
    assert!(!m.env.exists(&bad).await);
    assert_eq!(
        m.provider_account(&provider.key()).await.stake,
        9 * MIN_STAKE
    );
    m.check_invariants().await;
}
