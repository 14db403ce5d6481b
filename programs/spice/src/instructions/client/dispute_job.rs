use anchor_lang::prelude::*;

use crate::audit::SLOT_HASHES_ID;
use crate::errors::SpiceError;
use crate::events::JobDisputed;
use crate::instructions::escrow::record_draw;
use crate::state::{Job, JobState, Network};

#[derive(Accounts)]
pub struct DisputeJob<'info> {
    /// The job's client.
    pub client: Signer<'info>,

    /// The job's network.
    pub network: Box<Account<'info, Network>>,

    /// The submitted job.
    #[account(
        mut,
        has_one = network @ SpiceError::WrongNetwork,
        has_one = client @ SpiceError::NotJobClient,
    )]
    pub job: Box<Account<'info, Job>>,

    /// CHECK: the SlotHashes sysvar, by address; the audit draw is recorded when possible.
    #[account(address = SLOT_HASHES_ID)]
    pub slot_hashes: UncheckedAccount<'info>,
}

/// The client contests the result inside the challenge window; attestors decide by quorum
/// before the vote deadline, or the client is refunded. The deadline never moves earlier than
/// an audit selection already set it. Not an entry: works while paused.
pub fn handler(ctx: Context<DisputeJob>) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let a = ctx.accounts;
    require!(
        a.job.state == JobState::Submitted,
        SpiceError::InvalidJobState
    );
    // A disputed job needs a quorum whatever the draw; recording it keeps the audit
    // statistics honest. Not drawable yet is fine here.
    record_draw(&mut a.job, &a.slot_hashes, now)?;
    a.job.dispute(now)?;
    emit!(JobDisputed {
        job: a.job.key(),
        client: a.job.client,
        dispute_deadline: a.job.vote_deadline,
    });
    Ok(())
}
