use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};

use crate::errors::SpiceError;
use crate::events::UnbondWithdrawn;
use crate::provider_signer;
use crate::state::{seeds, Network, Provider};
use crate::token::transfer;

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

/// Pays out all unbonding stake once its period has passed. An exit: works while paused.
pub fn handler(ctx: Context<WithdrawUnbonded>) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let a = ctx.accounts;
    let amount = a.provider.unbonding;
    require!(amount > 0, SpiceError::NothingUnbonding);
    require!(
        now >= a.provider.unbond_ready_at,
        SpiceError::UnbondNotReady
    );
    provider_signer!(a.provider, signer);
    transfer(
        &a.token_program,
        &a.stake_vault,
        &a.stake_mint,
        &a.destination,
        &a.provider.to_account_info(),
        signer,
        amount,
    )?;
    let min_stake = a.network.params.min_stake;
    a.provider.unbonding = 0;
    a.provider.unbond_ready_at = 0;
    a.stake_vault.reload()?;
    a.provider
        .refresh_and_check(a.stake_vault.amount, min_stake)?;
    emit!(UnbondWithdrawn {
        provider: a.provider.key(),
        owner: a.owner.key(),
        amount,
    });
    Ok(())
}
