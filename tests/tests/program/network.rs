//! Authority instructions: create_network, propose_params / apply_params, the two-step
//! authority hand-over, set_pause and withdraw_treasury.

use anchor_lang::error::ErrorCode;
use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::{AccountMeta, Instruction};
use solana_sdk::signature::{Keypair, Signer};
use spice::constants::*;
use spice::errors::SpiceError;
use spice::state::{seeds, NetworkParams, ACCOUNT_VERSION};
use spice::window::OutflowWindow;
use spice_sdk::ix;
use spice_sdk::pda;
use spice_tests::market::{default_params, ext_mint, Actor, Market, Mints, DAY, MIN_STAKE};
use spice_tests::{
    anchor_err, assert_code, spice_err, substitute, Env, MintExt, TOKEN_2022_PROGRAM, TOKEN_PROGRAM,
};

// ---------------------------------------------------------------- helpers

fn with(f: impl FnOnce(&mut NetworkParams)) -> NetworkParams {
    let mut p = default_params();
    f(&mut p);
    p
}

/// Every way a parameter can leave its hard bounds, one parameter at a time, with the name the
/// program logs for it.
fn out_of_bounds() -> Vec<(&'static str, NetworkParams)> {
    let short = MIN_WINDOW_SECONDS - 1;
    let long = MAX_JOB_WINDOW_SECONDS + 1;
    vec![
        ("min_stake", with(|p| p.min_stake = 0)),
        ("unbond_seconds", with(|p| p.unbond_seconds = short)),
        ("unbond_seconds", with(|p| p.unbond_seconds = -1)),
        (
            "unbond_seconds",
            with(|p| p.unbond_seconds = MAX_UNBOND_SECONDS + 1),
        ),
        (
            "protocol_fee_bps",
            with(|p| p.protocol_fee_bps = MAX_PROTOCOL_FEE_BPS + 1),
        ),
        ("slash_bps", with(|p| p.slash_bps = 10_001)),
        (
            "slash_client_share_bps",
            with(|p| p.slash_client_share_bps = 10_001),
        ),
        ("max_accept_seconds", with(|p| p.max_accept_seconds = short)),
        ("max_accept_seconds", with(|p| p.max_accept_seconds = long)),
        ("max_run_seconds", with(|p| p.max_run_seconds = short)),
        ("max_run_seconds", with(|p| p.max_run_seconds = long)),
        ("challenge_seconds", with(|p| p.challenge_seconds = short)),
        ("challenge_seconds", with(|p| p.challenge_seconds = 0)),
        ("challenge_seconds", with(|p| p.challenge_seconds = long)),
        ("dispute_seconds", with(|p| p.dispute_seconds = short)),
        ("dispute_seconds", with(|p| p.dispute_seconds = long)),
        ("audit_rate_bps", with(|p| p.audit_rate_bps = 10_001)),
        ("attestation_quorum", with(|p| p.attestation_quorum = 0)),
        (
            "attestation_quorum",
            with(|p| p.attestation_quorum = MAX_QUORUM + 1),
        ),
        (
            "epoch_seconds",
            with(|p| p.epoch_seconds = MIN_EPOCH_SECONDS - 1),
        ),
        (
            "epoch_seconds",
            with(|p| p.epoch_seconds = MAX_EPOCH_SECONDS + 1),
        ),
        (
            "initial_emission",
            with(|p| p.initial_emission = p.max_total_emission + 1),
        ),
        (
            "emission_decay_bps",
            with(|p| p.emission_decay_bps = MAX_DECAY_BPS + 1),
        ),
        (
            "tail_emission",
            with(|p| p.tail_emission = p.initial_emission + 1),
        ),
        ("m_max_bps", with(|p| p.m_max_bps = MIN_M_MAX_BPS - 1)),
        ("m_max_bps", with(|p| p.m_max_bps = MAX_M_MAX_BPS + 1)),
        ("stake_cap", with(|p| p.stake_cap = 0)),
        (
            "reward_rate_cap_bps",
            with(|p| p.reward_rate_cap_bps = MAX_REWARD_RATE_CAP_BPS + 1),
        ),
        (
            "stake_per_payment_bps",
            with(|p| p.stake_per_payment_bps = 0),
        ),
        (
            "max_exposure_bps",
            with(|p| p.max_exposure_bps = MAX_EXPOSURE_BPS + 1),
        ),
        ("shard_count", with(|p| p.shard_count = 0)),
        ("shard_count", with(|p| p.shard_count = MAX_SHARD_COUNT + 1)),
        ("claim_window_epochs", with(|p| p.claim_window_epochs = 0)),
        (
            "claim_window_epochs",
            with(|p| p.claim_window_epochs = MAX_CLAIM_WINDOW_EPOCHS + 1),
        ),
        (
            "max_reward_outflow_per_window",
            with(|p| p.max_reward_outflow_per_window = 0),
        ),
        (
            "max_reward_outflow_per_window below one epoch's emission",
            with(|p| p.max_reward_outflow_per_window = p.initial_emission - 1),
        ),
        (
            "max_reward_outflow_per_window below an epoch's emission per breaker span",
            with(|p| {
                // A week-long window: its span (9 buckets of ceil(W/8)) outlasts the epoch.
                p.outflow_window_seconds = p.epoch_seconds;
                p.max_reward_outflow_per_window = p.min_reward_outflow_per_window() - 1;
                assert!(p.max_reward_outflow_per_window >= p.initial_emission);
            }),
        ),
        (
            "outflow_window_seconds",
            with(|p| p.outflow_window_seconds = short),
        ),
        (
            "outflow_window_seconds",
            with(|p| p.outflow_window_seconds = long),
        ),
        (
            "outflow_window_seconds longer than an epoch",
            with(|p| p.outflow_window_seconds = p.epoch_seconds + 1),
        ),
        // The economic bounds, where rewards can exceed the fee (docs/ECONOMICS.md).
        ("reference_price", bootstrap(|p| p.reference_price = 0)),
        (
            "reward_rate_cap_bps above fee + unit cost",
            bootstrap(|p| p.reward_rate_cap_bps = 751),
        ),
        ("audit_rate_bps", bootstrap(|p| p.audit_rate_bps = 0)),
        ("max_exposure_bps", bootstrap(|p| p.max_exposure_bps = 0)),
        (
            "max_exposure_bps above the deterrence bound",
            bootstrap(|p| p.max_exposure_bps = 11_112),
        ),
    ]
}

/// Parameters where rewards can exceed the fee (100 × 3 > 250, the bootstrap region), at the
/// edge of the economic bounds: the reference price set, rate × m_max ≤ (fee + unit cost) = 2 250
/// bps² / 10⁴, a 10 % audit rate and the largest exposure with
/// `(1 − a)(r·m_max − f)·λ ≤ a·slash·(1 − client share)`:
/// 9 000 × 500 000 × λ ≤ 1 000 × 1 000 × 5 000 × 10 000, so λ ≤ 11 111.
fn bootstrap(f: impl FnOnce(&mut NetworkParams)) -> NetworkParams {
    with(|p| {
        p.reward_rate_cap_bps = 100;
        p.reference_price = 1_000;
        p.audit_rate_bps = 1_000;
        p.max_exposure_bps = 11_111;
        f(p);
    })
}

/// Every parameter at the low end of its bounds.
fn min_params() -> NetworkParams {
    NetworkParams {
        min_stake: 1,
        unbond_seconds: MIN_WINDOW_SECONDS,
        protocol_fee_bps: 0,
        slash_bps: 0,
        slash_client_share_bps: 0,
        max_accept_seconds: MIN_WINDOW_SECONDS,
        max_run_seconds: MIN_WINDOW_SECONDS,
        challenge_seconds: MIN_WINDOW_SECONDS,
        dispute_seconds: MIN_WINDOW_SECONDS,
        audit_rate_bps: 0,
        attestation_quorum: 1,
        epoch_seconds: MIN_EPOCH_SECONDS,
        initial_emission: 0,
        emission_decay_bps: 0,
        tail_emission: 0,
        max_total_emission: 0,
        m_max_bps: MIN_M_MAX_BPS,
        stake_cap: 1,
        reward_rate_cap_bps: 0,
        reference_price: 0,
        stake_per_payment_bps: 1,
        max_exposure_bps: 0,
        shard_count: 1,
        claim_window_epochs: 1,
        max_reward_outflow_per_window: 1,
        outflow_window_seconds: MIN_WINDOW_SECONDS,
    }
}

/// Every parameter at the high end of its bounds.
fn max_params() -> NetworkParams {
    NetworkParams {
        min_stake: u64::MAX,
        unbond_seconds: MAX_UNBOND_SECONDS,
        protocol_fee_bps: MAX_PROTOCOL_FEE_BPS,
        slash_bps: 10_000,
        slash_client_share_bps: 10_000,
        max_accept_seconds: MAX_JOB_WINDOW_SECONDS,
        max_run_seconds: MAX_JOB_WINDOW_SECONDS,
        challenge_seconds: MAX_JOB_WINDOW_SECONDS,
        dispute_seconds: MAX_JOB_WINDOW_SECONDS,
        audit_rate_bps: 10_000,
        attestation_quorum: MAX_QUORUM,
        epoch_seconds: MAX_EPOCH_SECONDS,
        initial_emission: u64::MAX,
        emission_decay_bps: MAX_DECAY_BPS,
        tail_emission: u64::MAX,
        max_total_emission: u64::MAX,
        m_max_bps: MAX_M_MAX_BPS,
        stake_cap: u64::MAX,
        reward_rate_cap_bps: MAX_REWARD_RATE_CAP_BPS,
        reference_price: u64::MAX,
        // The fee at this exchange rate is above the highest reward rate: no economic bound.
        stake_per_payment_bps: u32::MAX,
        max_exposure_bps: MAX_EXPOSURE_BPS,
        shard_count: MAX_SHARD_COUNT,
        claim_window_epochs: MAX_CLAIM_WINDOW_EPOCHS,
        max_reward_outflow_per_window: u64::MAX,
        outflow_window_seconds: MAX_JOB_WINDOW_SECONDS,
    }
}

async fn send_create(m: &mut Market, ix: Instruction) -> Result<(), spice_tests::BanksClientError> {
    let creator = m.creator.insecure_clone();
    m.env.send(&[ix], &[&creator]).await
}

fn bump(seeds: &[&[u8]]) -> u8 {
    Pubkey::find_program_address(seeds, &spice::ID).1
}

/// Index of the optional stake treasury in `create_network`'s accounts.
const STAKE_TREASURY_INDEX: usize = 5;
/// Index of the optional stake payouts vault in `create_network`'s accounts.
const STAKE_PAYOUTS_INDEX: usize = 7;

// ---------------------------------------------------------------- create_network

async fn creates_network(mints: Mints) {
    let mut m = Market::unlaunched(mints).await;
    let creator = m.creator.pubkey();
    let before = m.env.lamports(&creator).await;
    let ix = m.create_network_ix(m.id, default_params());
    Env::ok(send_create(&mut m, ix).await);
    let now = m.env.now().await;
    let net = m.net;
    let n = m.network().await;

    assert_eq!(n.version, ACCOUNT_VERSION);
    assert_eq!(
        n.bump,
        bump(&[seeds::NETWORK, creator.as_ref(), &m.id.to_le_bytes()])
    );
    assert_eq!(n.creator, creator);
    assert_eq!(n.id, m.id);
    assert_eq!(n.authority, m.authority.pubkey());
    assert_ne!(n.authority, creator);
    assert_eq!(n.pending_authority, None);
    assert_eq!(n.payment_mint, net.payment_mint);
    assert_eq!(n.stake_mint, net.stake_mint);
    assert_eq!(n.payment_token_program, mints.payment_program);
    assert_eq!(n.stake_token_program, mints.stake_program);
    assert_eq!(n.params, default_params());
    assert_eq!(n.paused, 0);
    assert_eq!(n.genesis_ts, now);
    assert_eq!(n.total_allocated, 0);
    assert_eq!(n.total_claimed, 0);
    assert_eq!(n.outflow, OutflowWindow::default());
    assert_eq!(n.attestor_count, 0);
    assert!(!n.freeze_authority_accepted);
    assert_eq!(n.pending_params, None);
    assert_eq!(n.pending_params_at, 0);
    assert_eq!(n.claims_paused_at, 0);
    assert_eq!(n.claims_paused_seconds, 0);

    // Vaults: PDAs owned by the network, of the right mint and token program.
    let payment_treasury = net.payment_treasury();
    let reward_vault = pda::reward_vault(&net.network);
    let payment_payouts = net.payment_payouts();
    let mut vaults = vec![
        (payment_treasury, net.payment_mint, mints.payment_program),
        (payment_payouts, net.payment_mint, mints.payment_program),
        (reward_vault, net.stake_mint, mints.stake_program),
    ];
    assert_eq!(
        n.payment_payouts_bump,
        bump(&[
            seeds::PAYOUTS,
            net.network.as_ref(),
            net.payment_mint.as_ref()
        ])
    );
    assert_eq!(
        n.payment_treasury_bump,
        bump(&[
            seeds::TREASURY,
            net.network.as_ref(),
            net.payment_mint.as_ref()
        ])
    );
    assert_eq!(
        n.reward_vault_bump,
        bump(&[seeds::REWARD_VAULT, net.network.as_ref()])
    );
    if mints.same {
        assert_eq!(net.stake_treasury(), payment_treasury);
        assert_eq!(n.stake_treasury_bump, n.payment_treasury_bump);
        assert_eq!(net.stake_payouts(), payment_payouts);
        assert_eq!(n.stake_payouts_bump, n.payment_payouts_bump);
    } else {
        vaults.push((net.stake_treasury(), net.stake_mint, mints.stake_program));
        vaults.push((net.stake_payouts(), net.stake_mint, mints.stake_program));
        assert_eq!(
            n.stake_payouts_bump,
            bump(&[
                seeds::PAYOUTS,
                net.network.as_ref(),
                net.stake_mint.as_ref()
            ])
        );
        assert_eq!(
            n.stake_treasury_bump,
            bump(&[
                seeds::TREASURY,
                net.network.as_ref(),
                net.stake_mint.as_ref()
            ])
        );
    }
    let mut rent = m.env.lamports(&net.network).await;
    for (vault, mint, program) in vaults {
        let acc = m.env.token_account(&vault).await;
        assert_eq!(acc.mint, mint);
        assert_eq!(acc.owner, net.network);
        assert_eq!(acc.amount, 0);
        assert_eq!(m.env.owner(&vault).await, Some(program));
        rent += m.env.lamports(&vault).await;
    }
    // The creator paid every rent (the test payer paid the fee).
    assert_eq!(before - m.env.lamports(&creator).await, rent);
}

#[tokio::test]
async fn create_network_spl() {
    creates_network(Mints::SPL).await;
}

#[tokio::test]
async fn create_network_token_2022() {
    creates_network(Mints::T22).await;
}

#[tokio::test]
async fn create_network_mixed_programs() {
    creates_network(Mints::MIXED).await;
}

#[tokio::test]
async fn create_network_single_mint() {
    creates_network(Mints::SINGLE).await;
}

#[tokio::test]
async fn create_network_accepts_the_bounds_themselves() {
    let mut m = Market::unlaunched(Mints::SPL).await;
    for (id, params) in [(1, min_params()), (2, max_params())] {
        let ix = m.create_network_ix(id, params);
        Env::ok(send_create(&mut m, ix).await);
        let n: spice::state::Network = m.env.fetch(&pda::network(&m.creator.pubkey(), id)).await;
        assert_eq!(n.params, params);
    }
}

#[tokio::test]
async fn error_create_network_parameter_out_of_bounds() {
    // Each case moves one parameter of the (valid) defaults out of its bounds.
    let mut m = Market::unlaunched(Mints::SPL).await;
    for (name, params) in out_of_bounds() {
        let ix = m.create_network_ix(m.id, params);
        let res = send_create(&mut m, ix).await;
        assert!(res.is_err(), "{name}: accepted out of bounds");
        assert_code(res, spice_err(SpiceError::ParameterOutOfBounds));
    }
    assert!(!m.env.exists(&m.net.network).await);
}

#[tokio::test]
async fn error_create_network_unsupported_mint_extensions() {
    let mut m = Market::unlaunched(Mints::T22).await;
    for ext in [
        MintExt::TransferFee,
        MintExt::PermanentDelegate,
        MintExt::NonTransferable,
        MintExt::TransferHook,
        MintExt::DefaultFrozen,
    ] {
        let bad = ext_mint(&mut m.env, &[ext]).await;
        for (payment, stake) in [(bad, m.net.stake_mint), (m.net.payment_mint, bad)] {
            let ix = ix::create_network(
                m.creator.pubkey(),
                m.id,
                m.authority.pubkey(),
                default_params(),
                payment,
                stake,
                TOKEN_2022_PROGRAM,
                TOKEN_2022_PROGRAM,
                // Freeze authorities accepted (a default-frozen mint has one): the extension
                // is what refuses the mint.
                true,
            );
            let res = send_create(&mut m, ix).await;
            assert_code(res, spice_err(SpiceError::UnsupportedMintExtension));
        }
    }
    assert!(!m.env.exists(&m.net.network).await);
}

#[tokio::test]
async fn create_network_allows_mint_close_authority_extension_without_authority() {
    let mut m = Market::unlaunched(Mints::T22).await;
    // A mint that can be closed (and re-created with other extensions) is refused.
    let closable = ext_mint(&mut m.env, &[MintExt::MintCloseAuthority]).await;
    for (payment, stake) in [(closable, m.net.stake_mint), (m.net.payment_mint, closable)] {
        let ix = ix::create_network(
            m.creator.pubkey(),
            m.id,
            m.authority.pubkey(),
            default_params(),
            payment,
            stake,
            TOKEN_2022_PROGRAM,
            TOKEN_2022_PROGRAM,
            false,
        );
        let res = send_create(&mut m, ix).await;
        assert_code(res, spice_err(SpiceError::MintCloseAuthority));
    }
    // The extension with no authority set cannot close the mint: accepted.
    let payment = ext_mint(&mut m.env, &[MintExt::MintCloseAuthorityNone]).await;
    let stake = ext_mint(&mut m.env, &[MintExt::MintCloseAuthorityNone]).await;
    let ix = ix::create_network(
        m.creator.pubkey(),
        m.id,
        m.authority.pubkey(),
        default_params(),
        payment,
        stake,
        TOKEN_2022_PROGRAM,
        TOKEN_2022_PROGRAM,
        false,
    );
    Env::ok(send_create(&mut m, ix).await);
    let n = m.network().await;
    assert_eq!(n.payment_mint, payment);
    assert_eq!(n.stake_mint, stake);
}

#[tokio::test]
async fn error_create_network_stake_treasury_missing() {
    for mints in [Mints::SPL, Mints::T22, Mints::MIXED] {
        let mut m = Market::unlaunched(mints).await;
        let (treasury, payouts) = (m.net.stake_treasury(), m.net.stake_payouts());
        for (index, vault) in [
            (STAKE_TREASURY_INDEX, treasury),
            (STAKE_PAYOUTS_INDEX, payouts),
        ] {
            let mut ix = m.create_network_ix(m.id, default_params());
            assert_eq!(ix.accounts[index].pubkey, vault);
            // Anchor encodes an absent optional account as the program id.
            ix.accounts[index] = AccountMeta::new_readonly(spice::ID, false);
            let res = send_create(&mut m, ix).await;
            assert_code(res, spice_err(SpiceError::StakeTreasuryMismatch));
            assert!(!m.env.exists(&m.net.network).await);
        }
    }
}

#[tokio::test]
async fn error_create_network_single_mint_with_stake_treasury() {
    let mut m = Market::unlaunched(Mints::SINGLE).await;
    let mut ix = m.create_network_ix(m.id, default_params());
    assert_eq!(ix.accounts[STAKE_TREASURY_INDEX].pubkey, spice::ID);
    ix.accounts[STAKE_TREASURY_INDEX] = AccountMeta::new(m.net.stake_treasury(), false);
    // With one mint the stake treasury is the payment treasury: refused before anything is
    // created.
    let res = send_create(&mut m, ix).await;
    assert_code(res, spice_err(SpiceError::StakeTreasuryMismatch));
    assert!(!m.env.exists(&m.net.network).await);
}

#[tokio::test]
async fn error_create_network_creator_not_signing() {
    let mut m = Market::unlaunched(Mints::SPL).await;
    let ix = m.create_network_ix(m.id, default_params());
    m.env.assert_needs_signature(ix, &m.creator.pubkey()).await;
}

#[tokio::test]
async fn error_create_network_squatting_another_creators_address() {
    let mut m = Market::unlaunched(Mints::SPL).await;
    let attacker = m.env.funded(10_000_000_000).await;
    let mut ix = ix::create_network(
        attacker.pubkey(),
        m.id,
        attacker.pubkey(),
        default_params(),
        m.net.payment_mint,
        m.net.stake_mint,
        TOKEN_PROGRAM,
        TOKEN_PROGRAM,
        false,
    );
    substitute(
        &mut ix,
        &pda::network(&attacker.pubkey(), m.id),
        &m.net.network,
    );
    let res = m.env.send(&[ix], &[&attacker]).await;
    assert_code(res, anchor_err(ErrorCode::ConstraintSeeds));
    // The creator's address is still free.
    let ix = m.create_network_ix(m.id, default_params());
    Env::ok(send_create(&mut m, ix).await);
}

#[tokio::test]
async fn error_create_network_same_id_twice() {
    let mut m = Market::new(Mints::SPL).await;
    let ix = m.create_network_ix(m.id, default_params());
    let res = send_create(&mut m, ix).await;
    assert_code(res, spice_err(SpiceError::AlreadyInUse));
    // Another id of the same creator is another network.
    let ix = m.create_network_ix(m.id + 1, default_params());
    Env::ok(send_create(&mut m, ix).await);
}

#[tokio::test]
async fn error_create_network_wrong_token_program() {
    // SPL Token mints declared as Token-2022 ones, payment side then stake side.
    for (payment_program, stake_program) in [
        (TOKEN_2022_PROGRAM, TOKEN_PROGRAM),
        (TOKEN_PROGRAM, TOKEN_2022_PROGRAM),
    ] {
        let mut m = Market::unlaunched(Mints::SPL).await;
        let ix = ix::create_network(
            m.creator.pubkey(),
            m.id,
            m.authority.pubkey(),
            default_params(),
            m.net.payment_mint,
            m.net.stake_mint,
            payment_program,
            stake_program,
            false,
        );
        // The mint's own token program must be the one named.
        let res = send_create(&mut m, ix).await;
        assert_code(res, anchor_err(ErrorCode::ConstraintMintTokenProgram));
        assert!(!m.env.exists(&m.net.network).await);
    }
}

// ---------------------------------------------------------------- propose_params / apply_params

async fn send_propose(
    m: &mut Market,
    signer: &Keypair,
    params: NetworkParams,
) -> Result<(), spice_tests::BanksClientError> {
    let ix = ix::propose_params(signer.pubkey(), m.net.network, Some(params));
    m.env.send(&[ix], &[signer]).await
}

#[tokio::test]
async fn the_breaker_cap_may_sit_exactly_at_its_bound() {
    // With an epoch-long window the span, 9 × ceil(W / 8), is 9/8 of an epoch: the cap must be
    // twice 9/8 of the largest emission, and exactly that is accepted.
    let p = with(|p| {
        p.outflow_window_seconds = p.epoch_seconds;
        p.max_reward_outflow_per_window = 0;
    });
    let min = p.min_reward_outflow_per_window();
    assert_eq!(min, p.initial_emission / 4 * 9);
    let at_bound = NetworkParams {
        max_reward_outflow_per_window: min,
        ..p
    };
    let mut m = Market::with_params(Mints::SPL, at_bound).await;
    assert_eq!(m.network().await.params, at_bound);
    // And a proposal below it is refused.
    let below = NetworkParams {
        max_reward_outflow_per_window: min - 1,
        ..at_bound
    };
    let authority = m.authority.insecure_clone();
    let ix = ix::propose_params(authority.pubkey(), m.net.network, Some(below));
    assert_code(
        m.env.send(&[ix], &[&authority]).await,
        spice_err(SpiceError::ParameterOutOfBounds),
    );
}

#[tokio::test]
async fn propose_and_apply_params_replace_parameters() {
    let mut m = Market::new(Mints::SPL).await;
    let new = with(|p| {
        p.min_stake = 2 * MIN_STAKE;
        p.protocol_fee_bps = 500;
        p.challenge_seconds = 2 * DAY;
        p.attestation_quorum = 3;
        // 160 × 3 ≤ 500: still below the fee.
        p.reward_rate_cap_bps = 160;
        p.reference_price = 2_000;
    });
    m.update_params(new).await;
    assert_eq!(m.network().await.params, new);
    // The bounds themselves, with the two fixed parameters kept; the bootstrap region too.
    let fixed = default_params();
    // The emission schedule and the claim window may only grow: the lower bounds and the
    // bootstrap region keep the ones in force, and the upper bounds come last.
    for mut p in [min_params(), bootstrap(|_| ()), max_params()] {
        p.epoch_seconds = fixed.epoch_seconds;
        p.shard_count = fixed.shard_count;
        let now = m.network().await.params;
        if !now.emission_not_cut_by(&p) {
            p.initial_emission = now.initial_emission;
            p.emission_decay_bps = now.emission_decay_bps;
            p.tail_emission = now.tail_emission;
            p.max_total_emission = now.max_total_emission;
        }
        if !now.claim_window_not_cut_by(&p) {
            p.claim_window_epochs = now.claim_window_epochs;
        }
        // The breaker's window is fixed too; the cap must stay above its floor for it.
        p.outflow_window_seconds = fixed.outflow_window_seconds;
        p.max_reward_outflow_per_window = p
            .max_reward_outflow_per_window
            .max(p.min_reward_outflow_per_window());
        m.update_params(p).await;
        let n = m.network().await;
        assert_eq!(n.params, p);
        assert_eq!(n.pending_params, None);
        assert_eq!(n.pending_params_at, 0);
    }
}

#[tokio::test]
async fn apply_params_only_after_the_delay_and_with_a_proposal() {
    let mut m = Market::new(Mints::SPL).await;
    assert_code(
        m.try_apply_params().await,
        spice_err(SpiceError::NoPendingParams),
    );
    let new = with(|p| p.protocol_fee_bps = 300);
    let now = m.env.now().await;
    Env::ok(m.try_propose_params(Some(new)).await);
    let n = m.network().await;
    assert_eq!(n.pending_params, Some(new));
    assert_eq!(n.pending_params_at, now + default_params().unbond_seconds);
    assert_eq!(n.params, default_params());
    // Strictly after the delay: a provider who began unbonding when the proposal was
    // announced withdraws at that very moment, before it can apply.
    m.env.warp_seconds(default_params().unbond_seconds).await;
    assert_code(
        m.try_apply_params().await,
        spice_err(SpiceError::ParamsNotYetEffective),
    );
    assert_eq!(m.network().await.params, default_params());
    m.env.warp_seconds(1).await;
    // Anyone applies it (the test payer alone signs).
    Env::ok(m.try_apply_params().await);
    assert_eq!(m.network().await.params, new);
    assert_code(
        m.try_apply_params().await,
        spice_err(SpiceError::NoPendingParams),
    );
}

#[tokio::test]
async fn error_propose_params_parameter_out_of_bounds() {
    // epoch_seconds and shard_count out of bounds are refused as out of bounds before the
    // immutability check.
    let mut m = Market::new(Mints::SPL).await;
    let authority = m.authority.insecure_clone();
    for (name, params) in out_of_bounds() {
        let res = send_propose(&mut m, &authority, params).await;
        assert!(res.is_err(), "{name}: accepted out of bounds");
        assert_code(res, spice_err(SpiceError::ParameterOutOfBounds));
    }
    let n = m.network().await;
    assert_eq!(n.params, default_params());
    assert_eq!(n.pending_params, None);
}

/// Refused: a proposal that would shrink the emission schedule. Epochs are finalized after
/// their work, so a smaller curve would take back rewards already earned.
#[tokio::test]
async fn error_propose_params_cutting_the_emission_schedule() {
    let mut m = Market::new(Mints::SPL).await;
    let authority = m.authority.insecure_clone();
    for params in [
        with(|p| p.initial_emission -= 1),
        with(|p| p.tail_emission -= 1),
        with(|p| p.emission_decay_bps += 1),
        with(|p| p.max_total_emission -= 1),
    ] {
        let res = send_propose(&mut m, &authority, params).await;
        assert_code(res, spice_err(SpiceError::EmissionScheduleCut));
    }
    // Nor the claim window.
    let shorter = with(|p| p.claim_window_epochs -= 1);
    assert_code(
        send_propose(&mut m, &authority, shorter).await,
        spice_err(SpiceError::ClaimWindowCut),
    );
    let n = m.network().await;
    assert_eq!(n.pending_params, None);
    // Growing it is a proposal like any other.
    let grown = with(|p| {
        p.initial_emission += 1;
        p.max_total_emission += 1;
    });
    Env::ok(send_propose(&mut m, &authority, grown).await);
    assert_eq!(m.network().await.pending_params, Some(grown));
}

#[tokio::test]
async fn error_propose_params_immutable_parameter() {
    let mut m = Market::new(Mints::SPL).await;
    let authority = m.authority.insecure_clone();
    for params in [
        with(|p| p.epoch_seconds = 14 * DAY),
        with(|p| p.shard_count = 8),
        with(|p| p.outflow_window_seconds = DAY / 2),
    ] {
        let res = send_propose(&mut m, &authority, params).await;
        assert_code(res, spice_err(SpiceError::ImmutableParameter));
    }
    let n = m.network().await;
    assert_eq!(n.params, default_params());
    assert_eq!(n.pending_params, None);
}

#[tokio::test]
async fn error_propose_params_not_authority() {
    let mut m = Market::new(Mints::SPL).await;
    let attacker = m.env.funded(1_000_000_000).await;
    let creator = m.creator.insecure_clone();
    let params = with(|p| p.protocol_fee_bps = MAX_PROTOCOL_FEE_BPS);
    // An outsider, and the creator (who is not the authority).
    for signer in [&attacker, &creator] {
        let res = send_propose(&mut m, signer, params).await;
        assert_code(res, spice_err(SpiceError::NotAuthority));
    }
    // The authority's key without its signature.
    m.env
        .assert_needs_signature(
            ix::propose_params(m.authority.pubkey(), m.net.network, Some(params)),
            &m.authority.pubkey(),
        )
        .await;
    let n = m.network().await;
    assert_eq!(n.params, default_params());
    assert_eq!(n.pending_params, None);
}

#[tokio::test]
async fn applied_params_keep_live_job_deadlines() {
    // A governance delay shorter than the challenge window, to apply a change inside it.
    let mut m =
        Market::with_params(Mints::SPL, with(|p| p.unbond_seconds = MIN_WINDOW_SECONDS)).await;
    let provider = m.provider(MIN_STAKE).await;
    let client = m.actor(1_000_000, 0).await;
    let job = m.submitted_job(&client, &provider, 100, 10, 10).await;
    let before = m.job_account(&job).await;
    m.update_params(with(|p| {
        p.unbond_seconds = MIN_WINDOW_SECONDS;
        p.challenge_seconds = 3 * DAY;
        p.dispute_seconds = 3 * DAY;
    }))
    .await;
    let after = m.job_account(&job).await;
    assert_eq!(after.challenge_deadline, before.challenge_deadline);
    assert_eq!(after.terms, before.terms);
    // The old challenge window still ends the job's challenge period.
    let now = m.env.now().await;
    m.env
        .warp_seconds(before.challenge_deadline + 1 - now)
        .await;
    let keys = m.settle_keys(job, &client, &provider).await;
    Env::ok(m.env.send(&[ix::settle_job(&m.net, &keys)], &[]).await);
    m.check_invariants().await;
}

// ---------------------------------------------------------------- authority hand-over

async fn propose(
    m: &mut Market,
    signer: &Keypair,
    new: Option<Pubkey>,
) -> Result<(), spice_tests::BanksClientError> {
    let ix = ix::propose_authority(signer.pubkey(), m.net.network, new);
    m.env.send(&[ix], &[signer]).await
}

async fn accept(m: &mut Market, signer: &Keypair) -> Result<(), spice_tests::BanksClientError> {
    let ix = ix::accept_authority(signer.pubkey(), m.net.network);
    m.env.send(&[ix], &[signer]).await
}

async fn pause_as(
    m: &mut Market,
    signer: &Keypair,
    flags: u8,
) -> Result<(), spice_tests::BanksClientError> {
    let ix = ix::set_pause(signer.pubkey(), m.net.network, flags);
    m.env.send(&[ix], &[signer]).await
}

#[tokio::test]
async fn authority_hand_over_in_two_steps() {
    let mut m = Market::new(Mints::SPL).await;
    let old = m.authority.insecure_clone();
    let new = m.env.funded(1_000_000_000).await;

    Env::ok(propose(&mut m, &old, Some(new.pubkey())).await);
    let n = m.network().await;
    assert_eq!(n.authority, old.pubkey());
    assert_eq!(n.pending_authority, Some(new.pubkey()));
    // Until the successor signs, the old authority is in charge and the new one is not.
    Env::ok(pause_as(&mut m, &old, PAUSE_CLAIM).await);
    assert_code(
        pause_as(&mut m, &new, 0).await,
        spice_err(SpiceError::NotAuthority),
    );

    Env::ok(accept(&mut m, &new).await);
    let n = m.network().await;
    assert_eq!(n.authority, new.pubkey());
    assert_eq!(n.pending_authority, None);

    // The old authority lost every power; the new one has them.
    assert_code(
        pause_as(&mut m, &old, 0).await,
        spice_err(SpiceError::NotAuthority),
    );
    assert_code(
        send_propose(&mut m, &old, default_params()).await,
        spice_err(SpiceError::NotAuthority),
    );
    assert_code(
        propose(&mut m, &old, Some(old.pubkey())).await,
        spice_err(SpiceError::NotAuthority),
    );
    Env::ok(pause_as(&mut m, &new, 0).await);
    Env::ok(send_propose(&mut m, &new, default_params()).await);
    // The proposal was consumed.
    assert_code(
        accept(&mut m, &new).await,
        spice_err(SpiceError::NotPendingAuthority),
    );
}

#[tokio::test]
async fn propose_authority_none_withdraws_the_proposal() {
    let mut m = Market::new(Mints::SPL).await;
    let authority = m.authority.insecure_clone();
    let new = m.env.funded(1_000_000_000).await;
    Env::ok(propose(&mut m, &authority, Some(new.pubkey())).await);
    Env::ok(propose(&mut m, &authority, None).await);
    assert_eq!(m.network().await.pending_authority, None);
    assert_code(
        accept(&mut m, &new).await,
        spice_err(SpiceError::NotPendingAuthority),
    );
    assert_eq!(m.network().await.authority, authority.pubkey());
}

#[tokio::test]
async fn propose_authority_again_replaces_the_candidate() {
    let mut m = Market::new(Mints::SPL).await;
    let authority = m.authority.insecure_clone();
    let first = m.env.funded(1_000_000_000).await;
    let second = m.env.funded(1_000_000_000).await;
    Env::ok(propose(&mut m, &authority, Some(first.pubkey())).await);
    Env::ok(propose(&mut m, &authority, Some(second.pubkey())).await);
    assert_code(
        accept(&mut m, &first).await,
        spice_err(SpiceError::NotPendingAuthority),
    );
    Env::ok(accept(&mut m, &second).await);
    assert_eq!(m.network().await.authority, second.pubkey());
}

#[tokio::test]
async fn error_propose_authority_not_authority() {
    let mut m = Market::new(Mints::SPL).await;
    let attacker = m.env.funded(1_000_000_000).await;
    assert_code(
        propose(&mut m, &attacker, Some(attacker.pubkey())).await,
        spice_err(SpiceError::NotAuthority),
    );
    m.env
        .assert_needs_signature(
            ix::propose_authority(m.authority.pubkey(), m.net.network, Some(attacker.pubkey())),
            &m.authority.pubkey(),
        )
        .await;
    assert_eq!(m.network().await.pending_authority, None);
}

#[tokio::test]
async fn error_accept_authority_not_pending() {
    let mut m = Market::new(Mints::SPL).await;
    let authority = m.authority.insecure_clone();
    let attacker = m.env.funded(1_000_000_000).await;
    let new = m.env.funded(1_000_000_000).await;
    // Nothing proposed: nobody can accept, not even the authority itself.
    for signer in [&attacker, &authority] {
        assert_code(
            accept(&mut m, signer).await,
            spice_err(SpiceError::NotPendingAuthority),
        );
    }
    Env::ok(propose(&mut m, &authority, Some(new.pubkey())).await);
    assert_code(
        accept(&mut m, &attacker).await,
        spice_err(SpiceError::NotPendingAuthority),
    );
    // The candidate's key without its signature.
    m.env
        .assert_needs_signature(
            ix::accept_authority(new.pubkey(), m.net.network),
            &new.pubkey(),
        )
        .await;
    assert_eq!(m.network().await.authority, authority.pubkey());
}

// ---------------------------------------------------------------- set_pause

#[tokio::test]
async fn set_pause_sets_and_clears_flags() {
    let mut m = Market::new(Mints::SPL).await;
    for flags in [
        PAUSE_CREATE_JOB,
        PAUSE_ACCEPT_JOB,
        PAUSE_REGISTER,
        PAUSE_CLAIM,
        PAUSE_CREATE_JOB | PAUSE_REGISTER,
        PAUSE_ALL,
        0,
    ] {
        m.set_pause(flags).await;
        assert_eq!(m.network().await.paused, flags);
    }
}

#[tokio::test]
async fn error_set_pause_invalid_flags() {
    let mut m = Market::new(Mints::SPL).await;
    let authority = m.authority.insecure_clone();
    m.set_pause(PAUSE_CREATE_JOB).await;
    for bit in 4..8 {
        for flags in [1u8 << bit, PAUSE_ALL | (1 << bit)] {
            assert_code(
                pause_as(&mut m, &authority, flags).await,
                spice_err(SpiceError::InvalidPauseFlags),
            );
        }
    }
    assert_code(
        pause_as(&mut m, &authority, u8::MAX).await,
        spice_err(SpiceError::InvalidPauseFlags),
    );
    assert_eq!(m.network().await.paused, PAUSE_CREATE_JOB);
}

#[tokio::test]
async fn error_set_pause_not_authority() {
    let mut m = Market::new(Mints::SPL).await;
    let attacker = m.env.funded(1_000_000_000).await;
    assert_code(
        pause_as(&mut m, &attacker, PAUSE_ALL).await,
        spice_err(SpiceError::NotAuthority),
    );
    m.env
        .assert_needs_signature(
            ix::set_pause(m.authority.pubkey(), m.net.network, PAUSE_ALL),
            &m.authority.pubkey(),
        )
        .await;
    assert_eq!(m.network().await.paused, 0);
}

// ---------------------------------------------------------------- withdraw_treasury

/// A market whose payment treasury holds the fee of one approved job; returns the fee.
async fn market_with_fees(mints: Mints) -> (Market, u64) {
    let mut m = Market::new(mints).await;
    let provider = m.provider(MIN_STAKE).await;
    let client = m.actor(1_000_000, 0).await;
    let job = m.submitted_job(&client, &provider, 1_000, 100, 60).await;
    let keys = m.settle_keys(job, &client, &provider).await;
    Env::ok(
        m.env
            .send(&[ix::approve_job(&m.net, &keys)], &[&client.kp])
            .await,
    );
    // 60 000 gross × 2.5% = 1 500.
    let fee = 1_500;
    let treasury = m.net.payment_treasury();
    assert_eq!(m.env.balance(&treasury).await, fee);
    m.check_invariants().await;
    (m, fee)
}

/// A payment-mint (or `mint`) account owned by the authority.
async fn authority_account(m: &mut Market, mint: Pubkey, program: Pubkey) -> Pubkey {
    let owner = m.authority.pubkey();
    m.env.create_token_account(&mint, &owner, &program).await
}

async fn withdraw(
    m: &mut Market,
    signer: &Keypair,
    mint: Pubkey,
    destination: Pubkey,
    amount: u64,
) -> Result<(), spice_tests::BanksClientError> {
    let ix = ix::withdraw_treasury(signer.pubkey(), &m.net, mint, destination, amount);
    m.env.send(&[ix], &[signer]).await
}

#[tokio::test]
async fn withdraw_treasury_pays_fees_out_on_every_mint_layout() {
    for mints in [Mints::SPL, Mints::T22, Mints::MIXED, Mints::SINGLE] {
        let (mut m, fee) = market_with_fees(mints).await;
        let authority = m.authority.insecure_clone();
        let (mint, program) = (m.net.payment_mint, m.net.payment_token_program);
        let dest = authority_account(&mut m, mint, program).await;
        let treasury = m.net.payment_treasury();
        Env::ok(withdraw(&mut m, &authority, mint, dest, 1_000).await);
        assert_eq!(m.env.balance(&dest).await, 1_000);
        assert_eq!(m.env.balance(&treasury).await, fee - 1_000);
        m.check_invariants().await;
        Env::ok(withdraw(&mut m, &authority, mint, dest, fee - 1_000).await);
        assert_eq!(m.env.balance(&dest).await, fee);
        assert_eq!(m.env.balance(&treasury).await, 0);
        m.check_invariants().await;
    }
}

#[tokio::test]
async fn withdraw_treasury_from_the_stake_treasury() {
    let mut m = Market::new(Mints::MIXED).await;
    let authority = m.authority.insecure_clone();
    let stake_treasury = m.net.stake_treasury();
    // Slashes are not in this program yet: fund the stake treasury directly.
    let donor: Actor = m.actor(0, 5_000).await;
    let stake_mint = m.net.stake_mint;
    Env::ok(
        m.env
            .transfer(&stake_mint, &donor.stake, &stake_treasury, &donor.kp, 5_000)
            .await,
    );
    let program = m.net.stake_token_program;
    let dest = authority_account(&mut m, stake_mint, program).await;
    Env::ok(withdraw(&mut m, &authority, stake_mint, dest, 5_000).await);
    assert_eq!(m.env.balance(&dest).await, 5_000);
    assert_eq!(m.env.balance(&stake_treasury).await, 0);
    m.check_invariants().await;
}

#[tokio::test]
async fn error_withdraw_treasury_zero_amount() {
    let (mut m, _) = market_with_fees(Mints::SPL).await;
    let authority = m.authority.insecure_clone();
    let mint = m.net.payment_mint;
    let dest = authority_account(&mut m, mint, TOKEN_PROGRAM).await;
    assert_code(
        withdraw(&mut m, &authority, mint, dest, 0).await,
        spice_err(SpiceError::ZeroAmount),
    );
}

#[tokio::test]
async fn error_withdraw_treasury_more_than_held() {
    let (mut m, fee) = market_with_fees(Mints::SPL).await;
    let authority = m.authority.insecure_clone();
    let mint = m.net.payment_mint;
    let dest = authority_account(&mut m, mint, TOKEN_PROGRAM).await;
    assert_code(
        withdraw(&mut m, &authority, mint, dest, fee + 1).await,
        spice_err(SpiceError::InsufficientTreasury),
    );
}

#[tokio::test]
async fn error_withdraw_treasury_not_authority() {
    let (mut m, fee) = market_with_fees(Mints::SPL).await;
    let attacker = m.actor(0, 0).await;
    let mint = m.net.payment_mint;
    let creator = m.creator.insecure_clone();
    assert_code(
        withdraw(&mut m, &attacker.kp, mint, attacker.payment, fee).await,
        spice_err(SpiceError::NotAuthority),
    );
    assert_code(
        withdraw(&mut m, &creator, mint, attacker.payment, fee).await,
        spice_err(SpiceError::NotAuthority),
    );
    m.env
        .assert_needs_signature(
            ix::withdraw_treasury(m.authority.pubkey(), &m.net, mint, attacker.payment, fee),
            &m.authority.pubkey(),
        )
        .await;
    let treasury = m.net.payment_treasury();
    assert_eq!(m.env.balance(&treasury).await, fee);
}

#[tokio::test]
async fn error_withdraw_treasury_foreign_mint() {
    let (mut m, _) = market_with_fees(Mints::SPL).await;
    let authority = m.authority.insecure_clone();
    let payment = m.net.payment_mint;
    let foreign = m.env.create_mint(TOKEN_PROGRAM, 6, &[]).await;
    let dest = authority_account(&mut m, foreign, TOKEN_PROGRAM).await;
    // A mint of neither kind, with the real payment treasury.
    let mut ix = ix::withdraw_treasury(authority.pubkey(), &m.net, payment, dest, 1);
    substitute(&mut ix, &payment, &foreign);
    assert_code(
        m.env.send(&[ix], &[&authority]).await,
        spice_err(SpiceError::WrongMint),
    );
    // Its own treasury address does not exist.
    assert_code(
        withdraw(&mut m, &authority, foreign, dest, 1).await,
        anchor_err(ErrorCode::AccountNotInitialized),
    );
}

#[tokio::test]
async fn error_withdraw_treasury_from_the_reward_vault() {
    // With one mint the reward vault has the treasury's mint: it must still not pay out here.
    let mut m = Market::new(Mints::SINGLE).await;
    let authority = m.authority.insecure_clone();
    let mint = m.net.payment_mint;
    let donor = m.actor(10_000, 0).await;
    let reward_vault = pda::reward_vault(&m.net.network);
    Env::ok(
        m.env
            .transfer(&mint, &donor.payment, &reward_vault, &donor.kp, 10_000)
            .await,
    );
    let dest = authority_account(&mut m, mint, TOKEN_2022_PROGRAM).await;
    let mut ix = ix::withdraw_treasury(authority.pubkey(), &m.net, mint, dest, 10_000);
    substitute(&mut ix, &m.net.payment_treasury(), &reward_vault);
    assert_code(
        m.env.send(&[ix], &[&authority]).await,
        anchor_err(ErrorCode::ConstraintSeeds),
    );
    assert_eq!(m.env.balance(&reward_vault).await, 10_000);
}

#[tokio::test]
async fn error_withdraw_treasury_destination_of_other_mint() {
    let (mut m, fee) = market_with_fees(Mints::SPL).await;
    let authority = m.authority.insecure_clone();
    let (payment, stake) = (m.net.payment_mint, m.net.stake_mint);
    let dest = authority_account(&mut m, stake, TOKEN_PROGRAM).await;
    assert_code(
        withdraw(&mut m, &authority, payment, dest, fee).await,
        anchor_err(ErrorCode::ConstraintTokenMint),
    );
}

#[tokio::test]
async fn error_withdraw_treasury_wrong_token_program() {
    let (mut m, fee) = market_with_fees(Mints::SPL).await;
    let authority = m.authority.insecure_clone();
    let mint = m.net.payment_mint;
    let dest = authority_account(&mut m, mint, TOKEN_PROGRAM).await;
    let mut ix = ix::withdraw_treasury(authority.pubkey(), &m.net, mint, dest, fee);
    substitute(&mut ix, &TOKEN_PROGRAM, &TOKEN_2022_PROGRAM);
    assert_code(
        m.env.send(&[ix], &[&authority]).await,
        anchor_err(ErrorCode::ConstraintMintTokenProgram),
    );
}

#[tokio::test]
async fn error_withdraw_treasury_spl_token_on_a_token_2022_network() {
    let (mut m, fee) = market_with_fees(Mints::T22).await;
    let authority = m.authority.insecure_clone();
    let mint = m.net.payment_mint;
    let dest = authority_account(&mut m, mint, TOKEN_2022_PROGRAM).await;
    let mut ix = ix::withdraw_treasury(authority.pubkey(), &m.net, mint, dest, fee);
    substitute(&mut ix, &TOKEN_2022_PROGRAM, &TOKEN_PROGRAM);
    assert_code(
        m.env.send(&[ix], &[&authority]).await,
        anchor_err(ErrorCode::ConstraintMintTokenProgram),
    );
}
