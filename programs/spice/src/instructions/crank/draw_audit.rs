use anchor_lang::prelude::*;

use crate::audit::{Draw, SLOT_HASHES_ID};
use crate::errors::SpiceError;
use crate::instructions::escrow::record_draw;
use crate::state::{AuditDraw, Job, JobState, Network};

#[derive(Accounts)]
pub struct DrawAudit<'info> {
    /// The job's network.
    pub network: Box<Account<'info, Network>>,

    /// A submitted or disputed job whose draw is pending.
    #[account(
        mut,
        has_one = network @ SpiceError::WrongNetwork,
        constraint = matches!(job.state, JobState::Submitted | JobState::Disputed)
            @ SpiceError::InvalidJobState,
        constraint = job.audit == AuditDraw::Pending @ SpiceError::AuditAlreadyDrawn,
    )]
    pub job: Box<Account<'info, Job>>,

    /// CHECK: the SlotHashes sysvar, by address; read in place.
    #[account(address = SLOT_HASHES_ID)]
    pub slot_hashes: UncheckedAccount<'info>,
}

/// Anyone records a job's audit draw, from the hash of the first slot after its submission, at
/// the audit rate of the job's terms.
pub fn handler(ctx: Context<DrawAudit>) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let a = ctx.accounts;
    let draw = record_draw(&mut a.job, &a.slot_hashes, now)?;
    require!(draw != Draw::NotReady, SpiceError::AuditNotReady);
    Ok(())
}
