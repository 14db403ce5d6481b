use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};

use crate::errors::SpiceError;
use crate::events::ProviderClosed;
use crate::provider_signer;
use crate::state::{seeds, Network, Provider};
use crate::token::{close_vault, transfer, ScreenedMint};

#[derive(Accounts)]
pub struct CloseProvider<'info> {
    /// The provider's owner, who paid the rent and gets it back.
    #[account(mut)]
    pub owner: Signer<'info>,

    /// The provider's network.
    pub network: Box<Account<'info, Network>>,

    /// The provider leaving; closed with its rent to the owner.
    #[account(
        mut,
        close = owner,
        seeds = [seeds::PROVIDER, network.key().as_ref(), owner.key().as_ref()],
        bump = provider.bump,
        has_one = owner @ SpiceError::NotProviderOwner,
        has_one = network @ SpiceError::WrongNetwork,
        constraint = provider.stake == 0 && provider.unbonding == 0
            @ SpiceError::ProviderNotEmpty,
        constraint = provider.active_jobs == 0 @ SpiceError::ProviderHasActiveJobs,
        constraint = provider.owed_payment == 0 @ SpiceError::PayoutsPending,
    )]
    pub provider: Box<Account<'info, Provider>>,

    /// The provider's stake vault; closed with its rent to the owner. Nothing in it is stake
    /// any more; whatever someone may have donated to it goes to `destination` first.
    #[account(
        mut,
        seeds = [seeds::STAKE_VAULT, provider.key().as_ref()],
        bump = provider.stake_vault_bump,
    )]
    pub stake_vault: Box<InterfaceAccount<'info, TokenAccount>>,

    /// The network's stake mint.
    #[account(address = network.stake_mint @ SpiceError::WrongMint)]
    pub stake_mint: Box<InterfaceAccount<'info, Mint>>,

    /// Receives any tokens left in the vault: a stake-mint account of the owner's choosing.
    #[account(mut, token::mint = stake_mint, token::token_program = token_program)]
    pub destination: Box<InterfaceAccount<'info, TokenAccount>>,

    /// The stake mint's token program.
    #[account(address = network.stake_token_program @ SpiceError::WrongTokenProgram)]
    pub token_program: Interface<'info, TokenInterface>,
}

/// Closes an idle provider with no stake left and nothing owed to it, and its stake vault,
/// returning both rents to the owner (and any tokens donated to the vault). Its reward book
/// pages outlive it: the owner's wallet can still claim what it earned.
pub fn handler(ctx: Context<CloseProvider>) -> Result<()> {
    let a = ctx.accounts;
    let mint = ScreenedMint::new(&a.stake_mint, a.network.freeze_authority_accepted)?;
    provider_signer!(a.provider, signer);
    transfer(
        &a.token_program,
        &a.stake_vault.to_account_info(),
        &mint,
        &a.destination.to_account_info(),
        &a.provider.to_account_info(),
        signer,
        a.stake_vault.amount,
    )?;
    close_vault(
        &a.token_program,
        &a.stake_vault,
        &a.owner.to_account_info(),
        &a.provider.to_account_info(),
        signer,
    )?;
    emit!(ProviderClosed {
        network: a.network.key(),
        provider: a.provider.key(),
        owner: a.owner.key(),
    });
    Ok(())
}
