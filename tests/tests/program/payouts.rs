//! Payouts nobody can block: for every payout path and every lever a participant holds over its
//! own token account (required memos, closing it, handing it to another owner, a CPI guard,
//! freezing it with a freeze authority it controls), the counterparty is paid exactly as if
//! nothing had happened, the instruction that decides goes through, and what the lever's owner
//! is owed waits in the payouts vault until anyone collects it into an account that owner holds.
//!
//! Run on SPL Token, Token-2022 and a one-mint Token-2022 network (the levers each program
//! offers), with what the SDK sends by default: the payees' associated token accounts.

use anchor_lang::prelude::Pubkey;
use anchor_spl::token_2022::spl_token_2022::{
    self,
    extension::{cpi_guard, memo_transfer, ExtensionType},
    instruction::AuthorityType,
};
use solana_sdk::instruction::Instruction;
use solana_sdk::signature::{Keypair, Signer};
use spice::state::{Client, Provider, Verdict};
use spice_sdk::{ix, pda};
use spice_tests::market::{default_params, Actor, Market, Mints, JOB_WINDOW, MIN_STAKE};
use spice_tests::{Env, MintExt};

const PRICE: u64 = 1_000;
const MAX_UNITS: u64 = 10;
const UNITS: u64 = 7;
const ESCROW: u64 = PRICE * MAX_UNITS;
/// 7 000 paid, fee 2.5 % rounded up.
const FEE: u64 = 175;
const PROVIDER_PAY: u64 = PRICE * UNITS - FEE;
const REFUND: u64 = ESCROW - PRICE * UNITS;
const PROVIDER_STAKE: u64 = 10 * MIN_STAKE;
/// 10 % of the stake at accept, half of it to the client.
const SLASH_TO_CLIENT: u64 = PROVIDER_STAKE / 10 / 2;

/// What a participant can do to its own associated token account.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Lever {
    /// Require memos on incoming transfers (Token-2022).
    Memo,
    /// Empty and close the account.
    Close,
    /// Hand the account to another owner (SPL Token; Token-2022 ATAs are immutable).
    OwnerChange,
    /// Turn on the CPI guard (Token-2022): it guards outgoing transfers only.
    CpiGuard,
    /// Freeze it, with the mint's freeze authority (a network that accepts such mints).
    Freeze,
}

/// An instruction that pays participants.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Path {
    Approve,
    Settle,
    ValidVerdict,
    InvalidVerdict,
    Expire,
    Cancel,
}

const PATHS: [Path; 6] = [
    Path::Approve,
    Path::Settle,
    Path::ValidVerdict,
    Path::InvalidVerdict,
    Path::Expire,
    Path::Cancel,
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Side {
    Client,
    Provider,
}

/// What each side should receive on `path`: (provider payment, client refund, client's
/// stake-mint slash share).
fn amounts(path: Path) -> (u64, u64, u64) {
    match path {
        Path::Approve | Path::Settle | Path::ValidVerdict => (PROVIDER_PAY, REFUND, 0),
        Path::InvalidVerdict => (0, ESCROW, SLASH_TO_CLIENT),
        Path::Expire | Path::Cancel => (0, ESCROW, 0),
    }
}

/// A network on `mints` whose mints have a freeze authority when `freeze` (and that accepts
/// them), with default parameters.
async fn market(mints: Mints, freeze: bool) -> Market {
    let mut m = Market::unlaunched(mints).await;
    if freeze {
        let ext = [MintExt::FreezeAuthority];
        let pay = m.env.create_mint(mints.payment_program, 6, &ext).await;
        let stake = if mints.same {
            pay
        } else {
            m.env.create_mint(mints.stake_program, 9, &ext).await
        };
        m.net.payment_mint = pay;
        m.net.stake_mint = stake;
        m.allow_freeze = true;
    }
    m.launch(default_params()).await
}

/// A fresh token account of `mint` owned by `owner` (not its ATA), tracked for conservation.
async fn side_account(m: &mut Market, mint: &Pubkey, owner: &Pubkey) -> Pubkey {
    let program = m.net.token_program_of(mint);
    m.env.create_token_account(mint, owner, &program).await
}

/// Pulls `lever` on `owner`'s token account `account` of `mint`.
async fn pull(m: &mut Market, lever: Lever, owner: &Keypair, account: Pubkey, mint: Pubkey) {
    let program = m.net.token_program_of(&mint);
    let me = owner.pubkey();
    let payer = m.env.payer();
    let ixs: Vec<Instruction> = match lever {
        Lever::Memo => vec![
            spl_token_2022::instruction::reallocate(
                &program,
                &account,
                &payer,
                &me,
                &[],
                &[ExtensionType::MemoTransfer],
            )
            .unwrap(),
            memo_transfer::instruction::enable_required_transfer_memos(
                &program,
                &account,
                &me,
                &[],
            )
            .unwrap(),
        ],
        Lever::CpiGuard => vec![
            spl_token_2022::instruction::reallocate(
                &program,
                &account,
                &payer,
                &me,
                &[],
                &[ExtensionType::CpiGuard],
            )
            .unwrap(),
            cpi_guard::instruction::enable_cpi_guard(&program, &account, &me, &[]).unwrap(),
        ],
        Lever::Close => {
            let held = m.env.balance(&account).await;
            if held > 0 {
                let elsewhere = side_account(m, &mint, &me).await;
                Env::ok(
                    m.env
                        .transfer(&mint, &account, &elsewhere, owner, held)
                        .await,
                );
            }
            vec![
                spl_token_2022::instruction::close_account(&program, &account, &me, &me, &[])
                    .unwrap(),
            ]
        }
        Lever::OwnerChange => vec![spl_token_2022::instruction::set_authority(
            &program,
            &account,
            Some(&Pubkey::new_unique()),
            AuthorityType::AccountOwner,
            &me,
            &[],
        )
        .unwrap()],
        Lever::Freeze => {
            let authority = m.env.mint_authority.insecure_clone();
            let ix = spl_token_2022::instruction::freeze_account(
                &program,
                &account,
                &mint,
                &authority.pubkey(),
                &[],
            )
            .unwrap();
            Env::ok(m.env.send(&[ix], &[&authority]).await);
            return;
        }
    };
    Env::ok(m.env.send(&ixs, &[owner]).await);
}

/// The balance `account` would show if the payout reached it (a closed or re-owned account shows
/// what it holds for its holder: nothing new).
async fn balance(m: &mut Market, account: &Pubkey) -> u64 {
    m.env.balance(account).await
}

/// Runs `path` with `side` pulling `lever` on its associated token accounts right before the
/// instruction that pays, and checks that the other side is paid in full, the instruction went
/// through, and what `side` was owed is held for it and collectable.
async fn run(mints: Mints, lever: Lever, side: Side, path: Path) {
    let what = format!("{mints:?} {lever:?} by the {side:?} on {path:?}");
    let mut m = market(mints, lever == Lever::Freeze).await;
    let attestors = if matches!(path, Path::ValidVerdict | Path::InvalidVerdict) {
        m.attestors(2).await
    } else {
        Vec::new()
    };
    let provider = m.provider(PROVIDER_STAKE).await;
    let client = m.actor(ESCROW, 0).await;
    let job = match path {
        Path::Cancel => m.create_job(&client, PRICE, MAX_UNITS).await,
        Path::Expire => {
            let job = m.running_job(&client, &provider, PRICE, MAX_UNITS).await;
            m.env.warp_seconds(JOB_WINDOW + 1).await;
            job
        }
        _ => {
            m.submitted_job(&client, &provider, PRICE, MAX_UNITS, UNITS)
                .await
        }
    };
    if matches!(path, Path::ValidVerdict | Path::InvalidVerdict) {
        let dispute = ix::dispute_job(&m.net, client.key(), job);
        Env::ok(m.env.send(&[dispute], &[&client.kp]).await);
    }

    // The lever, on every account of `side` the path could pay.
    let (puller, pulled): (&Actor, Vec<(Pubkey, Pubkey)>) = match side {
        Side::Provider => (&provider, vec![(provider.payment, m.net.payment_mint)]),
        Side::Client => {
            let mut accounts = vec![(client.payment, m.net.payment_mint)];
            if client.stake != client.payment {
                accounts.push((client.stake, m.net.stake_mint));
            }
            (&client, accounts)
        }
    };
    for (account, mint) in &pulled {
        pull(&mut m, lever, &puller.kp, *account, *mint).await;
    }

    let (pay, refund, share) = amounts(path);
    let before = (
        balance(&mut m, &provider.payment).await,
        balance(&mut m, &client.payment).await,
        balance(&mut m, &client.stake).await,
    );
    let res = match path {
        Path::Approve => {
            let keys = m.settle_keys(job, &client, &provider).await;
            let approve = ix::approve_job(&m.net, &keys);
            m.env.send(&[approve], &[&client.kp]).await
        }
        Path::Settle => {
            m.env
                .warp_seconds(default_params().challenge_seconds + 1)
                .await;
            let keys = m.settle_keys(job, &client, &provider).await;
            let settle = ix::settle_job(&m.net, &keys);
            m.env.send(&[settle], &[]).await
        }
        Path::ValidVerdict | Path::InvalidVerdict => {
            let verdict = if path == Path::ValidVerdict {
                Verdict::Valid
            } else {
                Verdict::Invalid
            };
            let first = m
                .try_attest(job, &client, &provider, &attestors[0], verdict, UNITS, &[])
                .await;
            Env::ok(first);
            m.try_attest(
                job,
                &client,
                &provider,
                &attestors[1],
                verdict,
                UNITS,
                &[attestors[0].pubkey()],
            )
            .await
        }
        Path::Expire => m.expire(job, &client, Some(&provider)).await,
        Path::Cancel => {
            let cancel = ix::cancel_job(&m.net, client.key(), job);
            m.env.send(&[cancel], &[&client.kp]).await
        }
    };
    if let Err(e) = res {
        panic!("{what}: the paying instruction failed: {e:?}");
    }
    assert!(!m.env.exists(&job).await, "{what}: the job is closed");

    let after = (
        balance(&mut m, &provider.payment).await,
        balance(&mut m, &client.payment).await,
        balance(&mut m, &client.stake).await,
    );
    // What landed directly in each ATA (one-mint: the client's two are one account).
    let got_provider = after.0.saturating_sub(before.0);
    let got_client = if client.stake == client.payment {
        after.1.saturating_sub(before.1)
    } else {
        after.1.saturating_sub(before.1) + after.2.saturating_sub(before.2)
    };
    let provider_record: Provider = m.provider_account(&provider.key()).await;
    let client_record: Client = m
        .env
        .fetch(&pda::client(&m.net.network, &client.key()))
        .await;
    let owed_provider = provider_record.owed_payment;
    let owed_client = client_record.owed_payment + client_record.owed_stake;
    let refused = lever != Lever::CpiGuard;

    // The side that did nothing is paid in full, directly.
    match side {
        Side::Client => {
            assert_eq!(got_provider, pay, "{what}: provider payment");
            assert_eq!(owed_provider, 0, "{what}: nothing owed to the provider");
        }
        Side::Provider => {
            assert_eq!(
                got_client,
                refund + share,
                "{what}: client refund and share"
            );
            assert_eq!(owed_client, 0, "{what}: nothing owed to the client");
        }
    }
    // The side that pulled the lever is owed what its account refused, nothing lost.
    let (direct, owed, due) = match side {
        Side::Client => (got_client, owed_client, refund + share),
        Side::Provider => (got_provider, owed_provider, pay),
    };
    if refused {
        assert_eq!((direct, owed), (0, due), "{what}: held for the {side:?}");
    } else {
        assert_eq!(
            (direct, owed),
            (due, 0),
            "{what}: a CPI guard refuses nothing"
        );
    }
    m.check_invariants().await;

    // Anyone collects it into an account the payee owns.
    if owed > 0 {
        let net = m.net;
        let ix = match side {
            Side::Provider => {
                let to = side_account(&mut m, &net.payment_mint, &provider.key()).await;
                (
                    ix::collect_provider_payouts(&net, provider.key(), to),
                    vec![(to, owed)],
                )
            }
            Side::Client => {
                let to_pay = side_account(&mut m, &net.payment_mint, &client.key()).await;
                let to_stake = if net.one_mint() {
                    to_pay
                } else {
                    side_account(&mut m, &net.stake_mint, &client.key()).await
                };
                let expect = if to_stake == to_pay {
                    vec![(to_pay, owed)]
                } else {
                    vec![
                        (to_pay, client_record.owed_payment),
                        (to_stake, client_record.owed_stake),
                    ]
                };
                (
                    ix::collect_client_payouts(&net, client.key(), to_pay, to_stake),
                    expect,
                )
            }
        };
        let (collect, expect) = ix;
        Env::ok(m.env.send(&[collect], &[]).await);
        for (account, amount) in expect {
            assert_eq!(m.env.balance(&account).await, amount, "{what}: collected");
        }
        m.check_invariants().await;
    }
}

/// Every path × side for `levers` on `mints`.
async fn matrix(mints: Mints, levers: &[Lever]) {
    for lever in levers {
        for side in [Side::Client, Side::Provider] {
            for path in PATHS {
                run(mints, *lever, side, path).await;
            }
        }
    }
}

trait NetworkExt {
    fn one_mint(&self) -> bool;
}

impl NetworkExt for spice_sdk::ix::NetworkKeys {
    fn one_mint(&self) -> bool {
        self.payment_mint == self.stake_mint
    }
}

#[tokio::test]
async fn spl_token_levers_block_no_payout() {
    matrix(
        Mints::SPL,
        &[Lever::Close, Lever::OwnerChange, Lever::Freeze],
    )
    .await;
}

#[tokio::test]
async fn token_2022_levers_block_no_payout() {
    matrix(
        Mints::T22,
        &[Lever::Memo, Lever::Close, Lever::CpiGuard, Lever::Freeze],
    )
    .await;
}

#[tokio::test]
async fn one_mint_network_levers_block_no_payout() {
    matrix(
        Mints::SINGLE,
        &[Lever::Memo, Lever::Close, Lever::CpiGuard, Lever::Freeze],
    )
    .await;
}

#[tokio::test]
async fn mixed_mints_levers_block_no_payout() {
    // Payment on SPL Token, stake on Token-2022: the client's two accounts differ in kind.
    matrix(Mints::MIXED, &[Lever::Close, Lever::Freeze]).await;
}

/// Rewards, unbonded stake and a closed provider's sweep go where the owner signs for: its own
/// broken account holds nothing up.
#[tokio::test]
async fn owner_chosen_destinations_ignore_a_broken_associated_account() {
    use spice_tests::rewards::curve_params;
    let mut m = Market::with_params(Mints::T22, curve_params()).await;
    m.fund_rewards(1_000_000).await;
    let provider = m.provider(PROVIDER_STAKE).await;
    let client = m.actor(ESCROW * 10, 0).await;
    m.paid_job(&client, &provider, PRICE, UNITS).await;
    // The provider breaks its stake-mint ATA (where it staked from) with required memos.
    let stake_mint = m.net.stake_mint;
    pull(
        &mut m,
        Lever::Memo,
        &provider.kp,
        provider.stake,
        stake_mint,
    )
    .await;
    m.warp_to_epoch(1).await;
    Env::ok(m.try_finalize(0).await);
    let elsewhere = side_account(&mut m, &stake_mint, &provider.key()).await;
    let claim = ix::claim_rewards(&m.net, provider.key(), elsewhere, &[0]);
    Env::ok(m.env.send(&[claim], &[&provider.kp]).await);
    assert!(
        m.env.balance(&elsewhere).await > 0,
        "rewards reached the chosen account"
    );
    let unbond = ix::begin_unbond(&m.net, provider.key(), PROVIDER_STAKE);
    Env::ok(m.env.send(&[unbond], &[&provider.kp]).await);
    m.env.warp_seconds(default_params().unbond_seconds).await;
    let before = m.env.balance(&elsewhere).await;
    let withdraw = ix::withdraw_unbonded(&m.net, provider.key(), elsewhere);
    Env::ok(m.env.send(&[withdraw], &[&provider.kp]).await);
    assert_eq!(m.env.balance(&elsewhere).await - before, PROVIDER_STAKE);
    m.check_invariants().await;
}

/// The payouts vaults are optional accounts (so that settlements whose payees take their
/// payouts do not all write one account of the network): without them a settlement whose
/// payees accept goes through, and one whose payee refuses fails with `PayoutsVaultRequired`
/// — which the sender fixes by passing the vault, not the payee.
#[tokio::test]
async fn without_the_payouts_vault_only_a_refused_payout_fails() {
    use spice::errors::SpiceError;
    use spice_tests::{assert_code, spice_err};
    let mut m = market(Mints::T22, false).await;
    let provider = m.provider(PROVIDER_STAKE).await;
    let client = m.actor(ESCROW * 2, 0).await;
    let strip = |m: &Market, mut ix: Instruction| {
        let payouts = m.net.payment_payouts();
        for meta in ix.accounts.iter_mut().filter(|a| a.pubkey == payouts) {
            *meta = solana_sdk::instruction::AccountMeta::new_readonly(spice::ID, false);
        }
        ix
    };
    // Both payees take their payouts: no payouts vault needed, none written.
    let job = m
        .submitted_job(&client, &provider, PRICE, MAX_UNITS, UNITS)
        .await;
    let keys = m.settle_keys(job, &client, &provider).await;
    let approve = strip(&m, ix::approve_job(&m.net, &keys));
    Env::ok(m.env.send(&[approve], &[&client.kp]).await);
    assert!(!m.env.exists(&job).await);
    // The provider requires memos: without the vault the approval fails, with it it passes.
    let job = m
        .submitted_job(&client, &provider, PRICE, MAX_UNITS, UNITS)
        .await;
    let mint = m.net.payment_mint;
    pull(&mut m, Lever::Memo, &provider.kp, provider.payment, mint).await;
    let keys = m.settle_keys(job, &client, &provider).await;
    let approve = strip(&m, ix::approve_job(&m.net, &keys));
    assert_code(
        m.env.send(&[approve], &[&client.kp]).await,
        spice_err(SpiceError::PayoutsVaultRequired),
    );
    let approve = ix::approve_job(&m.net, &keys);
    Env::ok(m.env.send(&[approve], &[&client.kp]).await);
    let p: Provider = m.provider_account(&provider.key()).await;
    assert_eq!(p.owed_payment, PROVIDER_PAY);
    m.check_invariants().await;
}
