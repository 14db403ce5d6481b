use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};

use crate::errors::SpiceError;
use crate::events::UnbondWithdrawn;
use crate::provider_signer;
use crate::state::{seeds, Network, Provider};
use crate::token::{transfer, ScreenedMint};

#[derive(Accounts)]
pub struct WithdrawUnbonded<'info> {
    /// The provider's owner.
    pub owner: Signer<'info>,

    /// The provider's network.
    pub network: Box<Account<'info, Network>>,

    /// The provider withdrawing.
    #[account(
        mut,
        seeds = [seeds::PROVIDER, network.key().as_ref(), owner.key().as_ref()],
        bump = provider.bump,
        has_one = owner @ SpiceError::NotProviderOwner,
        has_one = network @ SpiceError::WrongNetwork,
    )]
    pub provider: Box<Account<'info, Provider>>,

    /// The network's stake mint.
    #[account(address = network.stake_mint @ SpiceError::WrongMint)]
    pub stake_mint: Box<InterfaceAccount<'info, Mint>>,

    /// The provider's stake vault.
    #[account(
        mut,
        seeds = [seeds::STAKE_VAULT, provider.key().as_ref()],
        bump = provider.stake_vault_bump,
    )]
    pub stake_vault: Box<InterfaceAccount<'info, TokenAccount>>,

    /// Where the unbonded stake goes: a stake-mint account of the owner's choosing.
    #[account(mut, token::mint = stake_mint, token::token_program = token_program)]
    pub destination: Box<InterfaceAccount<'info, TokenAccount>>,

    /// The stake mint's token program.
    #[account(address = network.stake_token_program @ SpiceError::WrongTokenProgram)]
    pub token_program: Interface<'info, TokenInterface>,
}

/// Pays out the unbonding stake once its period has passed: all of it, except what must stay
/// in the vault as the lock of jobs not yet finished (a fraud verdict on them slashes it). An
/// exit: works while paused.
pub fn handler(ctx: Context<WithdrawUnbonded>) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let a = ctx.accounts;
    require!(a.provider.unbonding > 0, SpiceError::NothingUnbonding);
    require!(
        now >= a.provider.unbond_ready_at,
        SpiceError::UnbondNotReady
    );
    let amount = a.provider.withdrawable()?;
    require!(amount > 0, SpiceError::StakeLocked);
    let mint = ScreenedMint::new(&a.stake_mint, a.network.freeze_authority_accepted)?;
    provider_signer!(a.provider, signer);
    transfer(
        &a.token_program,
        &a.stake_vault.to_account_info(),
        &mint,
        &a.destination.to_account_info(),
        &a.provider.to_account_info(),
        signer,
        amount,
    )?;
    let min_stake = a.network.params.min_stake;
    let provider = &mut a.provider;
    provider.unbonding = provider
        .unbonding
        .checked_sub(amount)
        .ok_or(SpiceError::MathOverflow)?;
    if provider.unbonding == 0 {
        provider.unbond_ready_at = 0;
    }
    a.stake_vault.reload()?;
    provider.refresh_and_check(a.stake_vault.amount, min_stake)?;
    emit!(UnbondWithdrawn {
        provider: provider.key(),
        owner: a.owner.key(),
        amount,
        still_unbonding: provider.unbonding,
    });
    Ok(())
}
