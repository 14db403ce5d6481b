use anchor_lang::prelude::*;

use crate::audit::SLOT_HASHES_ID;
use crate::errors::SpiceError;
use crate::events::JobDisputed;
use crate::state::{Job, JobState, Network};

#[derive(Accounts)]
pub struct DisputeJob<'info> {
    /// The job's client.
    pub client: Signer<'info>,

    /// The job's network (for the dispute window).
    pub network: Box<Account<'info, Network>>,

    /// The submitted job.
    #[account(
        mut,
        has_one = network @ SpiceError::WrongNetwork,
        has_one = client @ SpiceError::NotJobClient,
        constraint = job.state == JobState::Submitted @ SpiceError::InvalidJobState,
    )]
    pub job: Box<Account<'info, Job>>,

    /// CHECK: the SlotHashes sysvar, by address; the audit draw is recorded when possible.
    #[account(address = SLOT_HASHES_ID)]
    pub slot_hashes: UncheckedAccount<'info>,
}

/// The client contests the result inside the challenge window; attestors decide by quorum
/// before the dispute deadline, or the client is refunded. Not an entry: works while paused.
pub fn handler(ctx: Context<DisputeJob>) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let params = ctx.accounts.network.params;
    let key = ctx.accounts.job.key();
    let job = &mut ctx.accounts.job;
    require!(
        now <= job.challenge_deadline,
        SpiceError::ChallengeWindowClosed
    );
    // A disputed job needs a quorum whatever the draw; recording it keeps the audit statistics
    // honest. Not drawable yet is fine here.
    job.record_draw(
        &ctx.accounts.slot_hashes.try_borrow_data()?,
        &key,
        &params,
        now,
    )?;
    job.state = JobState::Disputed;
    job.vote_deadline = now
        .checked_add(params.dispute_seconds)
        .ok_or(SpiceError::MathOverflow)?;
    emit!(JobDisputed {
        job: job.key(),
        client: job.client,
        dispute_deadline: job.vote_deadline,
    });
    Ok(())
}
