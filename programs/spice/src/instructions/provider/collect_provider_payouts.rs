use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};

use crate::errors::SpiceError;
use crate::events::PayoutsCollected;
use crate::network_signer;
use crate::state::{seeds, Network, Provider};
use crate::token::{transfer, ScreenedMint};

#[derive(Accounts)]
pub struct CollectProviderPayouts<'info> {
    /// The provider's network.
    pub network: Box<Account<'info, Network>>,

    /// CHECK: the provider's owner wallet; nothing is read from it (the provider is found by it).
    pub owner: UncheckedAccount<'info>,

    /// The provider owed payments its owner's token account refused.
    #[account(
        mut,
        seeds = [seeds::PROVIDER, network.key().as_ref(), owner.key().as_ref()],
        bump = provider.bump,
    )]
    pub provider: Box<Account<'info, Provider>>,

    /// The network's payment-mint payouts vault.
    #[account(
        mut,
        seeds = [seeds::PAYOUTS, network.key().as_ref(), network.payment_mint.as_ref()],
        bump = network.payment_payouts_bump,
    )]
    pub payouts: Box<InterfaceAccount<'info, TokenAccount>>,

    /// A payment-mint token account of the provider's owner: whoever sends this transaction,
    /// the tokens can only go to the owner.
    #[account(
        mut,
        token::mint = payment_mint,
        token::token_program = token_program,
        constraint = destination.owner == owner.key() @ SpiceError::WrongPayee,
    )]
    pub destination: Box<InterfaceAccount<'info, TokenAccount>>,

    /// The network's payment mint.
    #[account(address = network.payment_mint @ SpiceError::WrongMint)]
    pub payment_mint: Box<InterfaceAccount<'info, Mint>>,

    /// The payment mint's token program.
    #[account(address = network.payment_token_program @ SpiceError::WrongTokenProgram)]
    pub token_program: Interface<'info, TokenInterface>,
}

/// Anyone pays a provider what its owner's token account refused at settlement into a token
/// account of that owner. An exit: works while paused.
pub fn handler(ctx: Context<CollectProviderPayouts>) -> Result<()> {
    let a = ctx.accounts;
    let amount = a.provider.take_owed();
    require!(amount > 0, SpiceError::NothingToCollect);
    let mint = ScreenedMint::new(&a.payment_mint, a.network.freeze_authority_accepted)?;
    network_signer!(a.network, signer);
    transfer(
        &a.token_program,
        &a.payouts.to_account_info(),
        &mint,
        &a.destination.to_account_info(),
        &a.network.to_account_info(),
        signer,
        amount,
    )?;
    emit!(PayoutsCollected {
        network: a.network.key(),
        payee: a.provider.owner,
        payment_amount: amount,
        stake_amount: 0,
    });
    Ok(())
}
