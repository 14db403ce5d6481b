use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};

use crate::constants::PAUSE_REGISTER;
use crate::errors::SpiceError;
use crate::events::Staked;
use crate::state::{seeds, Network, Provider, ProviderStatus};
use crate::token::{transfer, ScreenedMint};

#[derive(Accounts)]
pub struct Stake<'info> {
    /// The provider's owner, funding the stake.
    pub owner: Signer<'info>,

    /// The provider's network.
    pub network: Box<Account<'info, Network>>,

    /// The provider adding stake.
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

    /// The owner's token account the stake comes from.
    #[account(
        mut,
        token::mint = stake_mint,
        token::authority = owner,
        token::token_program = token_program,
    )]
    pub owner_stake_account: Box<InterfaceAccount<'info, TokenAccount>>,

    /// The stake mint's token program.
    #[account(address = network.stake_token_program @ SpiceError::WrongTokenProgram)]
    pub token_program: Interface<'info, TokenInterface>,
}

/// Adds stake; a Suspended provider whose stake reaches the minimum becomes Active again.
pub fn handler(ctx: Context<Stake>, amount: u64) -> Result<()> {
    let a = ctx.accounts;
    a.network.require_not_paused(PAUSE_REGISTER)?;
    require!(amount > 0, SpiceError::ZeroAmount);
    let mint = ScreenedMint::new(&a.stake_mint, a.network.freeze_authority_accepted)?;
    transfer(
        &a.token_program,
        &a.owner_stake_account.to_account_info(),
        &mint,
        &a.stake_vault.to_account_info(),
        &a.owner.to_account_info(),
        &[],
        amount,
    )?;
    let min_stake = a.network.params.min_stake;
    let provider = &mut a.provider;
    provider.stake = provider
        .stake
        .checked_add(amount)
        .ok_or(SpiceError::MathOverflow)?;
    a.stake_vault.reload()?;
    provider.refresh_and_check(a.stake_vault.amount, min_stake)?;
    emit!(Staked {
        provider: provider.key(),
        amount,
        stake: provider.stake,
        active: provider.status == ProviderStatus::Active,
    });
    Ok(())
}
