use anchor_lang::prelude::*;

use crate::errors::SpiceError;
use crate::events::ResultSubmitted;
use crate::state::{seeds, Job, Network, Provider};

/// Arguments of `submit_result`.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug)]
pub struct SubmitResultArgs {
    /// Hash of the result (the file's contents).
    pub result_hash: [u8; 32],
    /// Units of work done (≤ the job's `max_units`), as the job's specification defines a unit.
    pub units: u64,
    /// Where the result can be fetched (at most 128 bytes; may be empty).
    pub result_uri: String,
}

#[derive(Accounts)]
pub struct SubmitResult<'info> {
    /// The provider's owner.
    pub owner: Signer<'info>,

    /// The job's network.
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
    )]
    pub job: Box<Account<'info, Job>>,
}

/// The provider reports its result and the units of work done; the challenge window (of the
/// job's terms) starts, and the audit draw waits for a later slot. Not an entry: works while
/// paused, so running work can finish.
pub fn handler(ctx: Context<SubmitResult>, args: SubmitResultArgs) -> Result<()> {
    let clock = Clock::get()?;
    let job = &mut ctx.accounts.job;
    job.submit(
        args.result_hash,
        args.result_uri,
        args.units,
        clock.unix_timestamp,
        clock.slot,
    )?;
    emit!(ResultSubmitted {
        job: job.key(),
        provider: ctx.accounts.provider.key(),
        reported_units: args.units,
        result_hash: args.result_hash,
        result_uri: job.result_uri.clone(),
        submit_slot: clock.slot,
        challenge_deadline: job.challenge_deadline,
    });
    Ok(())
}
