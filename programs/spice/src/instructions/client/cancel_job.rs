use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};

use crate::errors::SpiceError;
use crate::events::JobCancelled;
use crate::instructions::escrow::refund_and_close_escrow;
use crate::state::{seeds, Job, JobState, Network};

#[derive(Accounts)]
pub struct CancelJob<'info> {
    /// The job's client; gets the escrow and both rents back.
    #[account(mut)]
    pub client: Signer<'info>,

    /// The job's network.
    pub network: Box<Account<'info, Network>>,

    /// The open job; closed, rent to the client.
    #[account(
        mut,
        close = client,
        has_one = network @ SpiceError::WrongNetwork,
        has_one = client @ SpiceError::NotJobClient,
        constraint = job.state == JobState::Open @ SpiceError::InvalidJobState,
    )]
    pub job: Box<Account<'info, Job>>,

    /// The job's escrow vault; emptied and closed.
    #[account(
        mut,
        seeds = [seeds::ESCROW_VAULT, job.key().as_ref()],
        bump = job.escrow_bump,
    )]
    pub escrow_vault: Box<InterfaceAccount<'info, TokenAccount>>,

    /// The client's payment-mint account: receives the refund.
    #[account(
        mut,
        token::mint = payment_mint,
        token::authority = client,
        token::token_program = token_program,
    )]
    pub client_token: Box<InterfaceAccount<'info, TokenAccount>>,

    /// The network's payment mint.
    #[account(address = network.payment_mint @ SpiceError::WrongMint)]
    pub payment_mint: Box<InterfaceAccount<'info, Mint>>,

    /// The payment mint's token program.
    #[account(address = network.payment_token_program @ SpiceError::WrongTokenProgram)]
    pub token_program: Interface<'info, TokenInterface>,
}

/// Cancels a job no provider has accepted yet: full refund, job and vault closed. An exit:
/// works while paused.
pub fn handler(ctx: Context<CancelJob>) -> Result<()> {
    let a = ctx.accounts;
    let refunded = refund_and_close_escrow(
        &a.job,
        &a.escrow_vault,
        &a.payment_mint,
        &a.client_token,
        &a.client.to_account_info(),
        &a.token_program,
    )?;
    emit!(JobCancelled {
        job: a.job.key(),
        client: a.client.key(),
        refunded,
    });
    Ok(())
}
