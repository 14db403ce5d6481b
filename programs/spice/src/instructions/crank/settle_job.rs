use anchor_lang::prelude::*;

use crate::instructions::escrow::*;
use crate::state::SettleReason;

#[derive(Accounts)]
pub struct SettleJob<'info> {
    /// The accounts settlement pays and closes.
    pub settle: SettleAccounts<'info>,
}

/// Anyone settles a submitted, undisputed job once its challenge window has passed, unless the
/// audit draw selects it (then the draw is recorded and a Valid quorum is needed).
pub fn handler(ctx: Context<SettleJob>) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    ctx.accounts.settle.refund.job.check_crank_settle(now)?;
    ctx.accounts
        .settle
        .settle_unless_audited(SettleReason::ChallengeWindowPassed, &ctx.bumps.settle)
}
