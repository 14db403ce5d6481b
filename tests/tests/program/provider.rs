//! Provider instructions: register_provider, update_provider, stake, begin_unbond,
//! withdraw_unbonded and close_provider.

use anchor_lang::error::ErrorCode;
use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use spice::constants::*;
use spice::errors::SpiceError;
use spice::state::{seeds, HardwareSpec, ProviderStats, ProviderStatus, ACCOUNT_VERSION};
use spice_sdk::ix::{self, NetworkKeys};
use spice_sdk::pda;
use spice_tests::market::{default_params, hardware, Actor, Market, Mints, DAY, MIN_STAKE};
use spice_tests::{
    anchor_err, assert_code, spice_err, substitute, Env, TOKEN_2022_PROGRAM, TOKEN_PROGRAM,
};

type Res = Result<(), spice_tests::BanksClientError>;

const UNBOND: i64 = 7 * DAY;

// ---------------------------------------------------------------- helpers

async fn register(m: &mut Market, a: &Actor, stake: u64, hw: HardwareSpec) -> Res {
    let ix = ix::register_provider(&m.net, a.key(), a.stake, stake, hw);
    let res = m.env.send(&[ix], &[&a.kp]).await;
    m.track_provider(&a.key());
    res
}

async fn stake(m: &mut Market, a: &Actor, amount: u64) -> Res {
    let ix = ix::stake(&m.net, a.key(), a.stake, amount);
    m.env.send(&[ix], &[&a.kp]).await
}

async fn unbond(m: &mut Market, a: &Actor, amount: u64) -> Res {
    let ix = ix::begin_unbond(&m.net, a.key(), amount);
    m.env.send(&[ix], &[&a.kp]).await
}

async fn withdraw(m: &mut Market, a: &Actor, destination: Pubkey) -> Res {
    let ix = ix::withdraw_unbonded(&m.net, a.key(), destination);
    m.env.send(&[ix], &[&a.kp]).await
}

async fn close(m: &mut Market, a: &Actor) -> Res {
    let ix = ix::close_provider(&m.net, a.key(), a.stake);
    m.env.send(&[ix], &[&a.kp]).await
}

/// The ownership refusals an owner-only provider instruction shares; `build(net, owner)` is the
/// instruction `owner` sends for itself. The attacker's, aimed at the victim's provider and
/// stake vault (and, with `vault_alone`, at the victim's vault only), fails the seeds check;
/// the victim's, without its signature, is not signed.
async fn assert_owner_only(
    m: &mut Market,
    attacker: &Actor,
    victim: &Actor,
    vault_alone: bool,
    build: impl Fn(&NetworkKeys, &Actor) -> Instruction,
) {
    let (mine, theirs) = (
        m.provider_pda(&attacker.key()),
        m.provider_pda(&victim.key()),
    );
    let (my_vault, their_vault) = (pda::stake_vault(&mine), pda::stake_vault(&theirs));
    // The victim's provider and vault, signed by the attacker.
    let mut ix = build(&m.net, attacker);
    substitute(&mut ix, &mine, &theirs);
    substitute(&mut ix, &my_vault, &their_vault);
    assert_code(
        m.env.send(&[ix], &[&attacker.kp]).await,
        anchor_err(ErrorCode::ConstraintSeeds),
    );
    if vault_alone {
        // The attacker's provider, but the victim's vault.
        let mut ix = build(&m.net, attacker);
        substitute(&mut ix, &my_vault, &their_vault);
        assert_code(
            m.env.send(&[ix], &[&attacker.kp]).await,
            anchor_err(ErrorCode::ConstraintSeeds),
        );
    }
    // The victim's key without its signature.
    let ix = build(&m.net, victim);
    m.env.assert_needs_signature(ix, &victim.key()).await;
}

fn long(n: usize) -> String {
    "x".repeat(n)
}

/// Hardware descriptions with one string a byte too long.
fn too_long() -> Vec<HardwareSpec> {
    vec![
        HardwareSpec {
            gpu_model: long(MAX_GPU_MODEL_LEN + 1),
            ..hardware()
        },
        HardwareSpec {
            region: long(MAX_REGION_LEN + 1),
            ..hardware()
        },
        HardwareSpec {
            metadata_uri: long(MAX_METADATA_URI_LEN + 1),
            ..hardware()
        },
    ]
}

/// The longest strings that fit.
fn longest() -> HardwareSpec {
    HardwareSpec {
        gpu_model: long(MAX_GPU_MODEL_LEN),
        gpu_count: u16::MAX,
        vram_gb: u16::MAX,
        region: long(MAX_REGION_LEN),
        metadata_hash: [0xab; 32],
        metadata_uri: long(MAX_METADATA_URI_LEN),
    }
}

// ---------------------------------------------------------------- register_provider

#[tokio::test]
async fn register_provider_on_every_mint_layout() {
    for mints in [Mints::SPL, Mints::T22, Mints::MIXED, Mints::SINGLE] {
        let mut m = Market::new(mints).await;
        let a = m.actor(0, 3 * MIN_STAKE).await;
        let lamports = m.env.lamports(&a.key()).await;
        Env::ok(register(&mut m, &a, 2 * MIN_STAKE, hardware()).await);
        let now = m.env.now().await;
        let pda = m.provider_pda(&a.key());
        let vault = pda::stake_vault(&pda);
        let p = m.provider_account(&a.key()).await;
        assert_eq!(p.version, ACCOUNT_VERSION);
        assert_eq!(
            p.bump,
            Pubkey::find_program_address(
                &[seeds::PROVIDER, m.net.network.as_ref(), a.key().as_ref()],
                &spice::ID
            )
            .1
        );
        assert_eq!(
            p.stake_vault_bump,
            Pubkey::find_program_address(&[seeds::STAKE_VAULT, pda.as_ref()], &spice::ID).1
        );
        assert_eq!(p.network, m.net.network);
        assert_eq!(p.owner, a.key());
        assert_eq!(p.status, ProviderStatus::Active);
        assert_eq!(p.stake, 2 * MIN_STAKE);
        assert_eq!(p.unbonding, 0);
        assert_eq!(p.unbond_ready_at, 0);
        assert_eq!(p.hardware, hardware());
        assert_eq!(p.stats, ProviderStats::default());
        assert_eq!(p.active_jobs, 0);
        assert_eq!((p.locked, p.exposure, p.owed_payment), (0, 0, 0));
        assert_eq!(p.registered_at, now);
        // The stake moved into the provider's own vault, owned by the Provider PDA.
        let v = m.env.token_account(&vault).await;
        assert_eq!(v.mint, m.net.stake_mint);
        assert_eq!(v.owner, pda);
        assert_eq!(v.amount, 2 * MIN_STAKE);
        assert_eq!(m.env.owner(&vault).await, Some(mints.stake_program));
        assert_eq!(m.env.balance(&a.stake).await, MIN_STAKE);
        // The owner paid both rents.
        let rent = m.env.lamports_of(&[pda, vault]).await;
        assert_eq!(lamports - m.env.lamports(&a.key()).await, rent);
        m.check_invariants().await;
    }
}

#[tokio::test]
async fn register_provider_with_the_longest_description() {
    let mut m = Market::new(Mints::SPL).await;
    let a = m.actor(0, MIN_STAKE).await;
    Env::ok(register(&mut m, &a, MIN_STAKE, longest()).await);
    assert_eq!(m.provider_account(&a.key()).await.hardware, longest());
}

#[tokio::test]
async fn error_register_provider_below_min_stake() {
    let mut m = Market::new(Mints::SPL).await;
    let a = m.actor(0, MIN_STAKE).await;
    for amount in [0, MIN_STAKE - 1] {
        assert_code(
            register(&mut m, &a, amount, hardware()).await,
            spice_err(SpiceError::BelowMinStake),
        );
    }
    assert!(!m.env.exists(&m.provider_pda(&a.key())).await);
    m.check_invariants().await;
}

#[tokio::test]
async fn error_register_provider_field_too_long() {
    let mut m = Market::new(Mints::SPL).await;
    let a = m.actor(0, MIN_STAKE).await;
    for hw in too_long() {
        assert_code(
            register(&mut m, &a, MIN_STAKE, hw).await,
            spice_err(SpiceError::FieldTooLong),
        );
    }
}

#[tokio::test]
async fn error_register_provider_twice() {
    let mut m = Market::new(Mints::SPL).await;
    let a = m.provider(MIN_STAKE).await;
    assert_code(
        register(&mut m, &a, MIN_STAKE, hardware()).await,
        spice_err(SpiceError::AlreadyInUse),
    );
    assert_eq!(m.provider_account(&a.key()).await.stake, MIN_STAKE);
}

#[tokio::test]
async fn error_register_provider_paused() {
    let mut m = Market::new(Mints::SPL).await;
    let a = m.actor(0, MIN_STAKE).await;
    m.set_pause(PAUSE_REGISTER).await;
    assert_code(
        register(&mut m, &a, MIN_STAKE, hardware()).await,
        spice_err(SpiceError::Paused),
    );
    // The other flags do not stop registrations.
    m.set_pause(PAUSE_ALL & !PAUSE_REGISTER).await;
    Env::ok(register(&mut m, &a, MIN_STAKE, hardware()).await);
    m.check_invariants().await;
}

#[tokio::test]
async fn error_register_provider_with_someone_elses_tokens() {
    let mut m = Market::new(Mints::SPL).await;
    let victim = m.actor(0, MIN_STAKE).await;
    let attacker = m.actor(0, 0).await;
    let ix = ix::register_provider(&m.net, attacker.key(), victim.stake, MIN_STAKE, hardware());
    assert_code(
        m.env.send(&[ix], &[&attacker.kp]).await,
        anchor_err(ErrorCode::ConstraintTokenOwner),
    );
    assert_eq!(m.env.balance(&victim.stake).await, MIN_STAKE);
}

#[tokio::test]
async fn error_register_provider_for_another_owner() {
    let mut m = Market::new(Mints::SPL).await;
    let victim = m.actor(0, MIN_STAKE).await;
    let attacker = m.actor(0, MIN_STAKE).await;
    // The attacker signs, but aims at the victim's provider address.
    let mut ix = ix::register_provider(
        &m.net,
        attacker.key(),
        attacker.stake,
        MIN_STAKE,
        hardware(),
    );
    let (mine, theirs) = (
        m.provider_pda(&attacker.key()),
        m.provider_pda(&victim.key()),
    );
    substitute(&mut ix, &mine, &theirs);
    assert_code(
        m.env.send(&[ix], &[&attacker.kp]).await,
        anchor_err(ErrorCode::ConstraintSeeds),
    );
    // The victim's key without its signature.
    m.env
        .assert_needs_signature(
            ix::register_provider(&m.net, victim.key(), victim.stake, MIN_STAKE, hardware()),
            &victim.key(),
        )
        .await;
}

#[tokio::test]
async fn error_register_provider_wrong_mint() {
    let mut m = Market::new(Mints::SPL).await;
    let a = m.actor(MIN_STAKE, MIN_STAKE).await;
    // The payment mint as stake mint, with a payment-mint account to stake from.
    let mut ix = ix::register_provider(&m.net, a.key(), a.payment, MIN_STAKE, hardware());
    substitute(&mut ix, &m.net.stake_mint, &m.net.payment_mint);
    assert_code(
        m.env.send(&[ix], &[&a.kp]).await,
        spice_err(SpiceError::WrongMint),
    );
    // The right mint, but a payment-mint account to stake from.
    let ix = ix::register_provider(&m.net, a.key(), a.payment, MIN_STAKE, hardware());
    assert_code(
        m.env.send(&[ix], &[&a.kp]).await,
        anchor_err(ErrorCode::ConstraintTokenMint),
    );
}

#[tokio::test]
async fn error_register_provider_wrong_token_program() {
    let mut m = Market::new(Mints::SPL).await;
    let a = m.actor(0, MIN_STAKE).await;
    let mut ix = ix::register_provider(&m.net, a.key(), a.stake, MIN_STAKE, hardware());
    substitute(&mut ix, &TOKEN_PROGRAM, &TOKEN_2022_PROGRAM);
    // The owner's stake account belongs to another token program than the one named.
    assert_code(
        m.env.send(&[ix], &[&a.kp]).await,
        anchor_err(ErrorCode::ConstraintTokenTokenProgram),
    );
    assert!(!m.env.exists(&m.provider_pda(&a.key())).await);
}

// ---------------------------------------------------------------- update_provider

#[tokio::test]
async fn update_provider_replaces_the_description() {
    let mut m = Market::new(Mints::SPL).await;
    let a = m.provider(MIN_STAKE).await;
    // Not an entry: works while everything is paused.
    m.set_pause(PAUSE_ALL).await;
    let ix = ix::update_provider(&m.net, a.key(), longest());
    Env::ok(m.env.send(&[ix], &[&a.kp]).await);
    let p = m.provider_account(&a.key()).await;
    assert_eq!(p.hardware, longest());
    assert_eq!(p.stake, MIN_STAKE);
}

#[tokio::test]
async fn error_update_provider_not_owner() {
    let mut m = Market::new(Mints::SPL).await;
    let victim = m.provider(MIN_STAKE).await;
    let attacker = m.provider(MIN_STAKE).await;
    let mut ix = ix::update_provider(&m.net, attacker.key(), HardwareSpec::default());
    let (mine, theirs) = (
        m.provider_pda(&attacker.key()),
        m.provider_pda(&victim.key()),
    );
    substitute(&mut ix, &mine, &theirs);
    assert_code(
        m.env.send(&[ix], &[&attacker.kp]).await,
        spice_err(SpiceError::NotProviderOwner),
    );
    m.env
        .assert_needs_signature(
            ix::update_provider(&m.net, victim.key(), HardwareSpec::default()),
            &victim.key(),
        )
        .await;
    assert_eq!(m.provider_account(&victim.key()).await.hardware, hardware());
}

#[tokio::test]
async fn error_update_provider_field_too_long() {
    let mut m = Market::new(Mints::SPL).await;
    let a = m.provider(MIN_STAKE).await;
    for hw in too_long() {
        let ix = ix::update_provider(&m.net, a.key(), hw);
        assert_code(
            m.env.send(&[ix], &[&a.kp]).await,
            spice_err(SpiceError::FieldTooLong),
        );
    }
}

// ---------------------------------------------------------------- stake

#[tokio::test]
async fn stake_adds_to_the_vault() {
    for mints in [Mints::SPL, Mints::SINGLE] {
        let mut m = Market::new(mints).await;
        let a = m.provider(MIN_STAKE).await;
        let vault = pda::stake_vault(&m.provider_pda(&a.key()));
        Env::ok(stake(&mut m, &a, 500).await);
        let p = m.provider_account(&a.key()).await;
        assert_eq!(p.stake, MIN_STAKE + 500);
        assert_eq!(p.status, ProviderStatus::Active);
        assert_eq!(m.env.balance(&vault).await, MIN_STAKE + 500);
        assert_eq!(m.env.balance(&a.stake).await, MIN_STAKE - 500);
        m.check_invariants().await;
    }
}

#[tokio::test]
async fn stake_reactivates_a_suspended_provider() {
    let mut m = Market::new(Mints::SPL).await;
    let a = m.provider(MIN_STAKE).await;
    Env::ok(unbond(&mut m, &a, MIN_STAKE).await);
    assert_eq!(
        m.provider_account(&a.key()).await.status,
        ProviderStatus::Suspended
    );
    Env::ok(stake(&mut m, &a, MIN_STAKE - 1).await);
    assert_eq!(
        m.provider_account(&a.key()).await.status,
        ProviderStatus::Suspended
    );
    m.check_invariants().await;
    Env::ok(stake(&mut m, &a, 1).await);
    let p = m.provider_account(&a.key()).await;
    assert_eq!(p.status, ProviderStatus::Active);
    assert_eq!(p.stake, MIN_STAKE);
    assert_eq!(p.unbonding, MIN_STAKE);
    m.check_invariants().await;
}

#[tokio::test]
async fn error_stake_zero_amount() {
    let mut m = Market::new(Mints::SPL).await;
    let a = m.provider(MIN_STAKE).await;
    assert_code(
        stake(&mut m, &a, 0).await,
        spice_err(SpiceError::ZeroAmount),
    );
}

#[tokio::test]
async fn error_stake_paused() {
    let mut m = Market::new(Mints::SPL).await;
    let a = m.provider(MIN_STAKE).await;
    m.set_pause(PAUSE_REGISTER).await;
    assert_code(stake(&mut m, &a, 1).await, spice_err(SpiceError::Paused));
    m.set_pause(0).await;
    Env::ok(stake(&mut m, &a, 1).await);
    m.check_invariants().await;
}

#[tokio::test]
async fn error_stake_into_another_provider() {
    let mut m = Market::new(Mints::SPL).await;
    let victim = m.provider(MIN_STAKE).await;
    let attacker = m.provider(MIN_STAKE).await;
    assert_owner_only(&mut m, &attacker, &victim, true, |net, a| {
        ix::stake(net, a.key(), a.stake, 1)
    })
    .await;
    m.check_invariants().await;
}

#[tokio::test]
async fn error_stake_on_another_network() {
    let mut m = Market::new(Mints::SPL).await;
    let a = m.provider(MIN_STAKE).await;
    let other = m.second_network(2).await;
    let mut ix = ix::stake(&m.net, a.key(), a.stake, 1);
    substitute(&mut ix, &m.net.network, &other.network);
    assert_code(
        m.env.send(&[ix], &[&a.kp]).await,
        anchor_err(ErrorCode::ConstraintSeeds),
    );
}

#[tokio::test]
async fn error_stake_wrong_mint() {
    let mut m = Market::new(Mints::SPL).await;
    let a = m.provider(MIN_STAKE).await;
    let mut ix = ix::stake(&m.net, a.key(), a.stake, 1);
    substitute(&mut ix, &m.net.stake_mint, &m.net.payment_mint);
    assert_code(
        m.env.send(&[ix], &[&a.kp]).await,
        spice_err(SpiceError::WrongMint),
    );
    let ix = ix::stake(&m.net, a.key(), a.payment, 1);
    assert_code(
        m.env.send(&[ix], &[&a.kp]).await,
        anchor_err(ErrorCode::ConstraintTokenMint),
    );
}

#[tokio::test]
async fn error_stake_wrong_token_program() {
    let mut m = Market::new(Mints::SPL).await;
    let a = m.provider(MIN_STAKE).await;
    let mut ix = ix::stake(&m.net, a.key(), a.stake, 1);
    substitute(&mut ix, &TOKEN_PROGRAM, &TOKEN_2022_PROGRAM);
    assert_code(
        m.env.send(&[ix], &[&a.kp]).await,
        anchor_err(ErrorCode::ConstraintTokenTokenProgram),
    );
}

// ---------------------------------------------------------------- begin_unbond

#[tokio::test]
async fn begin_unbond_moves_stake_to_unbonding() {
    let mut m = Market::new(Mints::SPL).await;
    let a = m.provider(3 * MIN_STAKE).await;
    let vault = pda::stake_vault(&m.provider_pda(&a.key()));
    Env::ok(unbond(&mut m, &a, MIN_STAKE).await);
    let now = m.env.now().await;
    let p = m.provider_account(&a.key()).await;
    assert_eq!(p.stake, 2 * MIN_STAKE);
    assert_eq!(p.unbonding, MIN_STAKE);
    assert_eq!(p.unbond_ready_at, now + UNBOND);
    assert_eq!(p.status, ProviderStatus::Active);
    // Nothing left the vault.
    assert_eq!(m.env.balance(&vault).await, 3 * MIN_STAKE);
    m.check_invariants().await;
    // A second unbond restarts the clock for the whole amount; exactly min_stake may stay.
    m.env.warp_seconds(DAY).await;
    Env::ok(unbond(&mut m, &a, MIN_STAKE).await);
    let p = m.provider_account(&a.key()).await;
    assert_eq!(p.stake, MIN_STAKE);
    assert_eq!(p.unbonding, 2 * MIN_STAKE);
    assert_eq!(p.unbond_ready_at, now + DAY + UNBOND);
    assert_eq!(p.status, ProviderStatus::Active);
    m.check_invariants().await;
}

#[tokio::test]
async fn begin_unbond_everything_suspends() {
    let mut m = Market::new(Mints::SPL).await;
    let a = m.provider(2 * MIN_STAKE).await;
    Env::ok(unbond(&mut m, &a, 2 * MIN_STAKE).await);
    let p = m.provider_account(&a.key()).await;
    assert_eq!(p.stake, 0);
    assert_eq!(p.unbonding, 2 * MIN_STAKE);
    assert_eq!(p.status, ProviderStatus::Suspended);
    m.check_invariants().await;
}

#[tokio::test]
async fn error_begin_unbond_below_min_stake() {
    let mut m = Market::new(Mints::SPL).await;
    let a = m.provider(2 * MIN_STAKE).await;
    for amount in [MIN_STAKE + 1, 2 * MIN_STAKE - 1] {
        assert_code(
            unbond(&mut m, &a, amount).await,
            spice_err(SpiceError::BelowMinStake),
        );
    }
    assert_eq!(m.provider_account(&a.key()).await.unbonding, 0);
}

#[tokio::test]
async fn error_begin_unbond_more_than_staked() {
    let mut m = Market::new(Mints::SPL).await;
    let a = m.provider(MIN_STAKE).await;
    assert_code(
        unbond(&mut m, &a, MIN_STAKE + 1).await,
        spice_err(SpiceError::InsufficientStake),
    );
    // Unbonding stake is not stake any more.
    Env::ok(unbond(&mut m, &a, MIN_STAKE).await);
    assert_code(
        unbond(&mut m, &a, 1).await,
        spice_err(SpiceError::InsufficientStake),
    );
}

#[tokio::test]
async fn error_begin_unbond_zero_amount() {
    let mut m = Market::new(Mints::SPL).await;
    let a = m.provider(MIN_STAKE).await;
    assert_code(
        unbond(&mut m, &a, 0).await,
        spice_err(SpiceError::ZeroAmount),
    );
}

#[tokio::test]
async fn error_begin_unbond_everything_with_active_jobs() {
    let mut m = Market::new(Mints::SPL).await;
    let a = m.provider(2 * MIN_STAKE).await;
    let client = m.actor(1_000_000, 0).await;
    let job = m.running_job(&client, &a, 10, 10).await;
    assert_code(
        unbond(&mut m, &a, 2 * MIN_STAKE).await,
        spice_err(SpiceError::ProviderHasActiveJobs),
    );
    // Down to the minimum is fine while working.
    Env::ok(unbond(&mut m, &a, MIN_STAKE).await);
    // Once the job is over, the rest can go.
    Env::ok(m.submit(&a, job, 10).await);
    let keys = m.settle_keys(job, &client, &a).await;
    Env::ok(
        m.env
            .send(&[ix::approve_job(&m.net, &keys)], &[&client.kp])
            .await,
    );
    Env::ok(unbond(&mut m, &a, MIN_STAKE).await);
    assert_eq!(m.provider_account(&a.key()).await.stake, 0);
    m.check_invariants().await;
}

#[tokio::test]
async fn error_begin_unbond_not_owner() {
    let mut m = Market::new(Mints::SPL).await;
    let victim = m.provider(2 * MIN_STAKE).await;
    let attacker = m.provider(2 * MIN_STAKE).await;
    assert_owner_only(&mut m, &attacker, &victim, true, |net, a| {
        ix::begin_unbond(net, a.key(), MIN_STAKE)
    })
    .await;
    assert_eq!(m.provider_account(&victim.key()).await.unbonding, 0);
}

// ---------------------------------------------------------------- withdraw_unbonded

#[tokio::test]
async fn withdraw_unbonded_after_the_period() {
    for mints in [Mints::SPL, Mints::T22, Mints::MIXED, Mints::SINGLE] {
        let mut m = Market::new(mints).await;
        let a = m.provider(2 * MIN_STAKE).await;
        let vault = pda::stake_vault(&m.provider_pda(&a.key()));
        Env::ok(unbond(&mut m, &a, MIN_STAKE).await);
        m.env.warp_seconds(UNBOND).await;
        // To any stake-mint account the owner picks.
        let (mint, program) = (m.net.stake_mint, m.net.stake_token_program);
        let dest = m.env.create_token_account(&mint, &a.key(), &program).await;
        Env::ok(withdraw(&mut m, &a, dest).await);
        assert_eq!(m.env.balance(&dest).await, MIN_STAKE);
        assert_eq!(m.env.balance(&vault).await, MIN_STAKE);
        let p = m.provider_account(&a.key()).await;
        assert_eq!(p.stake, MIN_STAKE);
        assert_eq!(p.unbonding, 0);
        assert_eq!(p.unbond_ready_at, 0);
        assert_eq!(p.status, ProviderStatus::Active);
        m.check_invariants().await;
    }
}

#[tokio::test]
async fn error_withdraw_unbonded_before_ready() {
    let mut m = Market::new(Mints::SPL).await;
    let a = m.provider(2 * MIN_STAKE).await;
    Env::ok(unbond(&mut m, &a, MIN_STAKE).await);
    m.env.warp_seconds(UNBOND - 1).await;
    assert_code(
        withdraw(&mut m, &a, a.stake).await,
        spice_err(SpiceError::UnbondNotReady),
    );
    m.env.warp_seconds(1).await;
    Env::ok(withdraw(&mut m, &a, a.stake).await);
    m.check_invariants().await;
}

#[tokio::test]
async fn error_withdraw_unbonded_nothing_unbonding() {
    let mut m = Market::new(Mints::SPL).await;
    let a = m.provider(2 * MIN_STAKE).await;
    assert_code(
        withdraw(&mut m, &a, a.stake).await,
        spice_err(SpiceError::NothingUnbonding),
    );
    // And again once withdrawn.
    Env::ok(unbond(&mut m, &a, MIN_STAKE).await);
    m.env.warp_seconds(UNBOND).await;
    Env::ok(withdraw(&mut m, &a, a.stake).await);
    assert_code(
        withdraw(&mut m, &a, a.stake).await,
        spice_err(SpiceError::NothingUnbonding),
    );
}

#[tokio::test]
async fn error_withdraw_unbonded_not_owner() {
    let mut m = Market::new(Mints::SPL).await;
    let victim = m.provider(2 * MIN_STAKE).await;
    let attacker = m.provider(MIN_STAKE).await;
    Env::ok(unbond(&mut m, &victim, MIN_STAKE).await);
    m.env.warp_seconds(UNBOND).await;
    // Both to the attacker's tokens.
    let loot = attacker.stake;
    assert_owner_only(&mut m, &attacker, &victim, false, |net, a| {
        ix::withdraw_unbonded(net, a.key(), loot)
    })
    .await;
    assert_eq!(m.provider_account(&victim.key()).await.unbonding, MIN_STAKE);
    m.check_invariants().await;
}

#[tokio::test]
async fn error_withdraw_unbonded_wrong_destination_mint() {
    let mut m = Market::new(Mints::SPL).await;
    let a = m.provider(2 * MIN_STAKE).await;
    Env::ok(unbond(&mut m, &a, MIN_STAKE).await);
    m.env.warp_seconds(UNBOND).await;
    assert_code(
        withdraw(&mut m, &a, a.payment).await,
        anchor_err(ErrorCode::ConstraintTokenMint),
    );
}

#[tokio::test]
async fn error_withdraw_unbonded_wrong_token_program() {
    let mut m = Market::new(Mints::SPL).await;
    let a = m.provider(2 * MIN_STAKE).await;
    Env::ok(unbond(&mut m, &a, MIN_STAKE).await);
    m.env.warp_seconds(UNBOND).await;
    let mut ix = ix::withdraw_unbonded(&m.net, a.key(), a.stake);
    substitute(&mut ix, &TOKEN_PROGRAM, &TOKEN_2022_PROGRAM);
    assert_code(
        m.env.send(&[ix], &[&a.kp]).await,
        anchor_err(ErrorCode::ConstraintTokenTokenProgram),
    );
}

#[tokio::test]
async fn withdraw_unbonded_after_min_stake_raised() {
    let mut m = Market::new(Mints::SPL).await;
    let a = m.provider(2 * MIN_STAKE).await;
    Env::ok(unbond(&mut m, &a, MIN_STAKE).await);
    let mut params = default_params();
    params.min_stake = 2 * MIN_STAKE;
    m.update_params(params).await;
    m.env.warp_seconds(UNBOND).await;
    Env::ok(withdraw(&mut m, &a, a.stake).await);
    m.check_invariants().await;
}

// ---------------------------------------------------------------- close_provider

/// Unbonds everything and withdraws it.
async fn empty(m: &mut Market, a: &Actor) {
    let stake = m.provider_account(&a.key()).await.stake;
    Env::ok(unbond(m, a, stake).await);
    m.env.warp_seconds(UNBOND).await;
    Env::ok(withdraw(m, a, a.stake).await);
}

#[tokio::test]
async fn close_provider_returns_rent_to_the_owner() {
    for mints in [Mints::SPL, Mints::T22, Mints::MIXED, Mints::SINGLE] {
        let mut m = Market::new(mints).await;
        let a = m.provider(MIN_STAKE).await;
        empty(&mut m, &a).await;
        m.check_invariants().await;
        let pda = m.provider_pda(&a.key());
        let vault = pda::stake_vault(&pda);
        let rent = m.env.lamports_of(&[pda, vault]).await;
        let before = m.env.lamports(&a.key()).await;
        Env::ok(close(&mut m, &a).await);
        assert_eq!(m.env.lamports(&a.key()).await - before, rent);
        assert!(!m.env.exists(&pda).await);
        assert!(!m.env.exists(&vault).await);
        assert_eq!(m.env.balance(&a.stake).await, 2 * MIN_STAKE);
        m.check_invariants().await;
        // The owner may register again.
        Env::ok(register(&mut m, &a, MIN_STAKE, hardware()).await);
        m.check_invariants().await;
    }
}

#[tokio::test]
async fn error_close_provider_not_empty() {
    let mut m = Market::new(Mints::SPL).await;
    let a = m.provider(MIN_STAKE).await;
    // Staked.
    assert_code(
        close(&mut m, &a).await,
        spice_err(SpiceError::ProviderNotEmpty),
    );
    // Unbonding (still slashable).
    Env::ok(unbond(&mut m, &a, MIN_STAKE).await);
    assert_code(
        close(&mut m, &a).await,
        spice_err(SpiceError::ProviderNotEmpty),
    );
    m.env.warp_seconds(UNBOND).await;
    assert_code(
        close(&mut m, &a).await,
        spice_err(SpiceError::ProviderNotEmpty),
    );
    Env::ok(withdraw(&mut m, &a, a.stake).await);
    Env::ok(close(&mut m, &a).await);
    m.check_invariants().await;
}

#[tokio::test]
async fn error_close_provider_not_owner() {
    let mut m = Market::new(Mints::SPL).await;
    let victim = m.provider(MIN_STAKE).await;
    let attacker = m.provider(MIN_STAKE).await;
    empty(&mut m, &victim).await;
    empty(&mut m, &attacker).await;
    assert_owner_only(&mut m, &attacker, &victim, false, |net, a| {
        ix::close_provider(net, a.key(), a.stake)
    })
    .await;
    assert!(m.env.exists(&m.provider_pda(&victim.key())).await);
}

#[tokio::test]
async fn error_close_provider_wrong_token_program() {
    let mut m = Market::new(Mints::SPL).await;
    let a = m.provider(MIN_STAKE).await;
    empty(&mut m, &a).await;
    let mut ix = ix::close_provider(&m.net, a.key(), a.stake);
    substitute(&mut ix, &TOKEN_PROGRAM, &TOKEN_2022_PROGRAM);
    // The destination's token-program check fires before the network's.
    assert_code(
        m.env.send(&[ix], &[&a.kp]).await,
        anchor_err(ErrorCode::ConstraintTokenTokenProgram),
    );
}

#[tokio::test]
/// Anyone can transfer tokens into a stake vault; every exit must still work and the surplus
/// leaves with `close_provider`.
async fn stake_vault_donation_does_not_lock_the_stake() {
    let mut m = Market::new(Mints::SPL).await;
    let a = m.provider(2 * MIN_STAKE).await;
    Env::ok(unbond(&mut m, &a, MIN_STAKE).await);
    // A griefer sends one base unit to the vault.
    let griefer = m.actor(0, 1).await;
    let vault = pda::stake_vault(&m.provider_pda(&a.key()));
    let mint = m.net.stake_mint;
    Env::ok(
        m.env
            .transfer(&mint, &griefer.stake, &vault, &griefer.kp, 1)
            .await,
    );
    m.env.warp_seconds(UNBOND).await;
    // Every exit must still work.
    Env::ok(withdraw(&mut m, &a, a.stake).await);
    Env::ok(unbond(&mut m, &a, MIN_STAKE).await);
    m.env.warp_seconds(UNBOND).await;
    Env::ok(withdraw(&mut m, &a, a.stake).await);
    let before = m.env.balance(&a.stake).await;
    Env::ok(close(&mut m, &a).await);
    assert_eq!(
        m.env.balance(&a.stake).await - before,
        1,
        "donation swept to the owner"
    );
    assert!(!m.env.exists(&vault).await);
}

/// A griefer who sends lamports to a wallet's provider PDA and its stake vault PDA before it
/// registers blocks nothing: the program tops the addresses up and creates the accounts there
/// (the owner pays only the rest of the rent).
#[tokio::test]
async fn register_provider_after_its_address_was_prefunded() {
    let mut m = Market::new(Mints::SPL).await;
    let a = m.actor(0, MIN_STAKE).await;
    let provider = m.provider_pda(&a.key());
    let vault = pda::stake_vault(&provider);
    let rent = m.env.rent(0).await;
    let payer = m.env.payer();
    for address in [provider, vault] {
        let ix = anchor_lang::solana_program::system_instruction::transfer(&payer, &address, rent);
        Env::ok(m.env.send(&[ix], &[]).await);
    }
    Env::ok(register(&mut m, &a, MIN_STAKE, hardware()).await);
    m.track_provider(&a.key());
    let p = m.provider_account(&a.key()).await;
    assert_eq!(p.owner, a.key());
    assert_eq!(p.stake, MIN_STAKE);
    assert_eq!(m.env.balance(&vault).await, MIN_STAKE);
    assert_eq!(m.env.owner(&vault).await, Some(TOKEN_PROGRAM));
    m.check_invariants().await;
}

#[tokio::test]
async fn error_provider_instructions_with_spl_token_on_a_token_2022_network() {
    let mut m = Market::new(Mints::T22).await;
    let a = m.provider(2 * MIN_STAKE).await;
    let idle = m.provider(MIN_STAKE).await;
    let newcomer = m.actor(0, MIN_STAKE).await;
    Env::ok(unbond(&mut m, &a, MIN_STAKE).await);
    empty(&mut m, &idle).await;
    let swap = |mut ix: anchor_lang::solana_program::instruction::Instruction| {
        substitute(&mut ix, &TOKEN_2022_PROGRAM, &TOKEN_PROGRAM);
        ix
    };
    let ix = swap(ix::register_provider(
        &m.net,
        newcomer.key(),
        newcomer.stake,
        MIN_STAKE,
        hardware(),
    ));
    assert_code(
        m.env.send(&[ix], &[&newcomer.kp]).await,
        anchor_err(ErrorCode::ConstraintTokenTokenProgram),
    );
    let ix = swap(ix::stake(&m.net, a.key(), a.stake, 1));
    assert_code(
        m.env.send(&[ix], &[&a.kp]).await,
        anchor_err(ErrorCode::ConstraintTokenTokenProgram),
    );
    let ix = swap(ix::withdraw_unbonded(&m.net, a.key(), a.stake));
    assert_code(
        m.env.send(&[ix], &[&a.kp]).await,
        anchor_err(ErrorCode::ConstraintTokenTokenProgram),
    );
    let ix = swap(ix::close_provider(&m.net, idle.key(), idle.stake));
    assert_code(
        m.env.send(&[ix], &[&idle.kp]).await,
        anchor_err(ErrorCode::ConstraintTokenTokenProgram),
    );
    // With the right program every one of them works.
    Env::ok(withdraw(&mut m, &a, a.stake).await);
    Env::ok(close(&mut m, &idle).await);
    m.check_invariants().await;
}
