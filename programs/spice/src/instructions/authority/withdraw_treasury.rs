use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};

use crate::errors::SpiceError;
use crate::events::TreasuryWithdrawn;
use crate::network_signer;
use crate::state::{seeds, Network};
use crate::token::{transfer, ScreenedMint};

#[derive(Accounts)]
pub struct WithdrawTreasury<'info> {
    /// The network's authority.
    pub authority: Signer<'info>,

    /// The network whose treasury pays out.
    #[account(has_one = authority @ SpiceError::NotAuthority)]
    pub network: Box<Account<'info, Network>>,

    /// The payment or stake mint of the network.
    #[account(
        constraint = mint.key() == network.payment_mint || mint.key() == network.stake_mint
            @ SpiceError::WrongMint,
        mint::token_program = token_program,
    )]
    pub mint: Box<InterfaceAccount<'info, Mint>>,

    /// The treasury vault of that mint.
    #[account(
        mut,
        seeds = [seeds::TREASURY, network.key().as_ref(), mint.key().as_ref()],
        bump = network.treasury_bump(&mint.key()),
        token::mint = mint,
        token::authority = network,
        token::token_program = token_program,
    )]
    pub treasury: Box<InterfaceAccount<'info, TokenAccount>>,

    /// Where the tokens go: any token account of the mint, chosen by the authority.
    #[account(mut, token::mint = mint, token::token_program = token_program)]
    pub destination: Box<InterfaceAccount<'info, TokenAccount>>,

    /// Token program of the mint.
    pub token_program: Interface<'info, TokenInterface>,
}

/// Moves protocol fees or the treasury's share of slashes out of a treasury vault.
pub fn handler(ctx: Context<WithdrawTreasury>, amount: u64) -> Result<()> {
    require!(amount > 0, SpiceError::ZeroAmount);
    let a = &ctx.accounts;
    require!(
        a.treasury.amount >= amount,
        SpiceError::InsufficientTreasury
    );
    let mint = ScreenedMint::new(&a.mint, a.network.freeze_authority_accepted)?;
    network_signer!(a.network, signer);
    transfer(
        &a.token_program,
        &a.treasury.to_account_info(),
        &mint,
        &a.destination.to_account_info(),
        &a.network.to_account_info(),
        signer,
        amount,
    )?;
    emit!(TreasuryWithdrawn {
        network: a.network.key(),
        mint: a.mint.key(),
        destination: a.destination.key(),
        amount,
        remaining: a
            .treasury
            .amount
            .checked_sub(amount)
            .ok_or(SpiceError::InsufficientTreasury)?,
    });
    Ok(())
}
