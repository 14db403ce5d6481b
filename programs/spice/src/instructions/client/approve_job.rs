use anchor_lang::prelude::*;

use crate::errors::SpiceError;
use crate::instructions::escrow::*;
use crate::state::SettleReason;

#[derive(Accounts)]
pub struct ApproveJob<'info> {
    /// The job's client, approving the result.
    #[account(address = settle.refund.job.client @ SpiceError::NotJobClient)]
    pub client_signer: Signer<'info>,

    /// The accounts settlement pays and closes.
    pub settle: SettleAccounts<'info>,
}

/// The client accepts the submitted result: the job settles at once for the reported units,
/// unless the audit draw selects it, in which case the draw is recorded and the job settles
/// only on a Valid attestation quorum.
pub fn handler(ctx: Context<ApproveJob>) -> Result<()> {
    ctx.accounts.settle.refund.job.check_approve()?;
    ctx.accounts
        .settle
        .settle_unless_audited(SettleReason::Approved, &ctx.bumps.settle)
}
