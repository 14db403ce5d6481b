use anchor_lang::prelude::*;

use crate::errors::SpiceError;
use crate::events::ResultSubmitted;
use crate::state::{seeds, AuditDraw, Job, JobState, Network, Provider};

#[derive(Accounts)]
pub struct SubmitResult<'info> {
    /// The provider's owner.
    pub owner: Signer<'info>,

    /// The job's network (for the challenge window).
    pub network: Box<Account<'info, Network>>,

    /// The provider that accepted the job.
    #[account(
        seeds = [seeds::PROVIDER, network.key().as_ref(), owner.key().as_ref()],
        bump = provider.bump,
        has_one = owner @ SpiceError::NotProviderOwner,
    )]
    pub provider: Box<Account<'info, Provider>>,

    /// The running job.
    #[account(
        mut,
        has_one = network @ SpiceError::WrongNetwork,
        constraint = job.provider == Some(provider.key()) @ SpiceError::NotJobProvider,
        constraint = job.state == JobState::Running @ SpiceError::InvalidJobState,
    )]
    pub job: Box<Account<'info, Job>>,
}

/// The provider reports its result and the units of work done; the challenge window starts.
/// Not an entry: works while paused, so running work can finish.
pub fn handler(ctx: Context<SubmitResult>, result_hash: [u8; 32], units: u64) -> Result<()> {
    let clock = Clock::get()?;
    let params = ctx.accounts.network.params;
    let job = &mut ctx.accounts.job;
    require!(
        clock.unix_timestamp <= job.completion_deadline,
        SpiceError::CompletionDeadlinePassed
    );
    require!(units <= job.max_units, SpiceError::UnitsExceedMax);
    job.result_hash = result_hash;
    job.reported_units = units;
    job.submit_slot = clock.slot;
    job.challenge_deadline = clock
        .unix_timestamp
        .checked_add(params.challenge_seconds)
        .ok_or(SpiceError::MathOverflow)?;
    job.audit = AuditDraw::Pending;
    job.state = JobState::Submitted;
    emit!(ResultSubmitted {
        job: job.key(),
        provider: ctx.accounts.provider.key(),
        reported_units: units,
        result_hash,
        submit_slot: clock.slot,
        challenge_deadline: job.challenge_deadline,
    });
    Ok(())
}
