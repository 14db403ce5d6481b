use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};

use crate::errors::SpiceError;
use crate::events::JobExpired;
use crate::instructions::escrow::refund_and_close_escrow;
use crate::state::{seeds, AuditDraw, ExpireReason, Job, JobState, Network, Provider};

#[derive(Accounts)]
pub struct ExpireJob<'info> {
    /// The job's network.
    pub network: Box<Account<'info, Network>>,

    /// The stale job; closed, rent to the client.
    #[account(
        mut,
        close = client,
        has_one = network @ SpiceError::WrongNetwork,
        has_one = client @ SpiceError::NotJobClient,
    )]
    pub job: Box<Account<'info, Job>>,

    /// The job's escrow vault; emptied to the client and closed.
    #[account(
        mut,
        seeds = [seeds::ESCROW_VAULT, job.key().as_ref()],
        bump = job.escrow_bump,
    )]
    pub escrow_vault: Box<InterfaceAccount<'info, TokenAccount>>,

    /// The provider holding the job; required once a provider has accepted it.
    #[account(
        mut,
        constraint = job.provider == Some(provider.key()) @ SpiceError::NotJobProvider,
    )]
    pub provider: Option<Box<Account<'info, Provider>>>,

    /// CHECK: the job's client (`has_one` on the job); receives the rent.
    #[account(mut)]
    pub client: UncheckedAccount<'info>,

    /// The client's payment-mint account: receives the refund.
    #[account(
        mut,
        token::mint = payment_mint,
        token::authority = job.client,
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

impl ExpireJob<'_> {
    /// Which deadline has passed, if any.
    fn reason(&self, now: i64) -> Result<ExpireReason> {
        let job = &self.job;
        let reason = match job.state {
            JobState::Open if now > job.accept_deadline => ExpireReason::NotAccepted,
            JobState::Running if now > job.completion_deadline => ExpireReason::NotSubmitted,
            JobState::Disputed if now > job.vote_deadline => ExpireReason::NoQuorum,
            JobState::Submitted if job.audit == AuditDraw::Selected && now > job.vote_deadline => {
                ExpireReason::NoQuorum
            }
            _ => return err!(SpiceError::NotExpired),
        };
        // Once accepted, the provider's active-job count must be released with the job.
        require!(
            job.provider.is_none() || self.provider.is_some(),
            SpiceError::NotJobProvider
        );
        Ok(reason)
    }
}

/// Anyone refunds a job past a deadline: not accepted in its accept window, not submitted by
/// its completion deadline (a failure on the provider's record), or a dispute or an
/// audit-selected job with no quorum by its vote deadline (nobody slashed). An exit: works
/// while paused.
pub fn handler(ctx: Context<ExpireJob>) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let reason = ctx.accounts.reason(now)?;
    let a = ctx.accounts;
    let refunded = refund_and_close_escrow(
        &a.job,
        &a.escrow_vault,
        &a.payment_mint,
        &a.client_token,
        &a.client.to_account_info(),
        &a.token_program,
    )?;
    if let Some(provider) = a.provider.as_mut() {
        provider.active_jobs = provider.active_jobs.saturating_sub(1);
        if reason == ExpireReason::NotSubmitted {
            provider.stats.jobs_failed = provider.stats.jobs_failed.saturating_add(1);
        }
    }
    emit!(JobExpired {
        job: a.job.key(),
        client: a.job.client,
        provider: a.job.provider,
        reason,
        refunded,
    });
    Ok(())
}
