use anchor_lang::prelude::*;

use crate::errors::SpiceError;
use crate::events::JobExpired;
use crate::instructions::escrow::*;
use crate::state::{ExpireReason, Provider};

#[derive(Accounts)]
pub struct ExpireJob<'info> {
    /// The stale job, its escrow and where the refund goes.
    pub refund: RefundAccounts<'info>,

    /// The provider holding the job; required once a provider has accepted it (its backing is
    /// released with the job).
    #[account(
        mut,
        constraint = refund.job.provider == Some(provider.key()) @ SpiceError::NotJobProvider,
    )]
    pub provider: Option<Box<Account<'info, Provider>>>,
}

impl ExpireJob<'_> {
    fn validate(&self) -> Result<ExpireReason> {
        let now = Clock::get()?.unix_timestamp;
        let job = &self.refund.job;
        let reason = job.expire_reason(now).ok_or(SpiceError::NotExpired)?;
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
    let reason = ctx.accounts.validate()?;
    let a = ctx.accounts;
    let backing = a.refund.job.backing();
    let refund = a.refund.refund_and_close()?;
    if let Some(provider) = a.provider.as_mut() {
        provider.end_job(backing)?;
        if reason == ExpireReason::NotSubmitted {
            provider.record_failed();
        }
    }
    emit!(JobExpired {
        job: a.refund.job.key(),
        client: a.refund.job.client,
        provider: a.refund.job.provider,
        reason,
        refunded: refund.amount,
        refund_owed: refund.owed,
    });
    Ok(())
}
