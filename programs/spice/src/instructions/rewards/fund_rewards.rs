use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};

use crate::errors::SpiceError;
use crate::events::RewardsFunded;
use crate::state::{seeds, Network};
use crate::token::{transfer, ScreenedMint};

#[derive(Accounts)]
pub struct FundRewards<'info> {
    /// Anyone adding reward tokens.
    pub funder: Signer<'info>,

    /// The network whose reward pool grows.
    pub network: Box<Account<'info, Network>>,

    /// The network's reward vault.
    #[account(
        mut,
        seeds = [seeds::REWARD_VAULT, network.key().as_ref()],
        bump = network.reward_vault_bump,
    )]
    pub reward_vault: Box<InterfaceAccount<'info, TokenAccount>>,

    /// The network's stake mint (rewards are paid in it).
    #[account(address = network.stake_mint @ SpiceError::WrongMint)]
    pub stake_mint: Box<InterfaceAccount<'info, Mint>>,

    /// The funder's stake-mint account.
    #[account(
        mut,
        token::mint = stake_mint,
        token::authority = funder,
        token::token_program = token_program,
    )]
    pub funder_token: Box<InterfaceAccount<'info, TokenAccount>>,

    /// The stake mint's token program.
    #[account(address = network.stake_token_program @ SpiceError::WrongTokenProgram)]
    pub token_program: Interface<'info, TokenInterface>,
}

/// Anyone adds reward tokens to the pool; `finalize_epoch` allocates from it.
pub fn handler(ctx: Context<FundRewards>, amount: u64) -> Result<()> {
    require!(amount > 0, SpiceError::ZeroAmount);
    let a = ctx.accounts;
    let mint = ScreenedMint::new(&a.stake_mint, a.network.freeze_authority_accepted)?;
    transfer(
        &a.token_program,
        &a.funder_token.to_account_info(),
        &mint,
        &a.reward_vault.to_account_info(),
        &a.funder.to_account_info(),
        &[],
        amount,
    )?;
    a.reward_vault.reload()?;
    emit!(RewardsFunded {
        network: a.network.key(),
        funder: a.funder.key(),
        amount,
        vault_balance: a.reward_vault.amount,
    });
    Ok(())
}
