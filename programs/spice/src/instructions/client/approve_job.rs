use anchor_lang::prelude::*;

use crate::errors::SpiceError;
use crate::instructions::escrow::*;
use crate::state::{JobState, SettleReason};

#[derive(Accounts)]
pub struct ApproveJob<'info> {
    /// The job's client, approving the result.
    #[account(address = settle.job.client @ SpiceError::NotJobClient)]
    pub client: Signer<'info>,

    /// The accounts settlement pays and closes.
    pub settle: SettleAccounts<'info>,
}

/// The client accepts the submitted result: the job settles at once for the reported units.
pub fn handler(ctx: Context<ApproveJob>) -> Result<()> {
    let job = &ctx.accounts.settle.job;
    require!(job.state == JobState::Submitted, SpiceError::InvalidJobState);
    let units = job.reported_units;
    ctx.accounts.settle.settle(units, SettleReason::Approved)?;
    Ok(())
}
