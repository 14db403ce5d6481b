use anchor_lang::prelude::*;

use crate::errors::SpiceError;
use crate::events::JobCancelled;
use crate::instructions::escrow::*;
use crate::state::JobState;

#[derive(Accounts)]
pub struct CancelJob<'info> {
    /// The job's client; gets the escrow and both rents back.
    #[account(address = refund.job.client @ SpiceError::NotJobClient)]
    pub client_signer: Signer<'info>,

    /// The open job, its escrow and where the refund goes.
    pub refund: RefundAccounts<'info>,
}

/// Cancels a job no provider has accepted yet: full refund, job and vault closed. An exit:
/// works while paused.
pub fn handler(ctx: Context<CancelJob>) -> Result<()> {
    let a = ctx.accounts;
    require!(
        a.refund.job.state == JobState::Open,
        SpiceError::InvalidJobState
    );
    let refund = a.refund.refund_and_close()?;
    emit!(JobCancelled {
        job: a.refund.job.key(),
        client: a.refund.job.client,
        refunded: refund.amount,
    });
    Ok(())
}
