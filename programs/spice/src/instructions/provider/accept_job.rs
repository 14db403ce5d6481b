use anchor_lang::prelude::*;

use crate::constants::PAUSE_ACCEPT_JOB;
use crate::errors::SpiceError;
use crate::events::JobAccepted;
use crate::state::{seeds, Job, JobState, Network, Provider, ProviderStatus};

#[derive(Accounts)]
pub struct AcceptJob<'info> {
    /// The provider's owner.
    pub owner: Signer<'info>,

    /// The network of the job and the provider.
    pub network: Box<Account<'info, Network>>,

    /// The accepting provider.
    #[account(
        mut,
        seeds = [seeds::PROVIDER, network.key().as_ref(), owner.key().as_ref()],
        bump = provider.bump,
        has_one = owner @ SpiceError::NotProviderOwner,
        has_one = network @ SpiceError::WrongNetwork,
    )]
    pub provider: Box<Account<'info, Provider>>,

    /// The open job.
    #[account(
        mut,
        has_one = network @ SpiceError::WrongNetwork,
        constraint = job.state == JobState::Open @ SpiceError::InvalidJobState,
    )]
    pub job: Box<Account<'info, Job>>,
}

impl AcceptJob<'_> {
    fn validate(&self) -> Result<()> {
        self.network.require_not_paused(PAUSE_ACCEPT_JOB)?;
        let now = Clock::get()?.unix_timestamp;
        require!(
            now <= self.job.accept_deadline,
            SpiceError::AcceptWindowClosed
        );
        // Provider: Active and staked at the minimum.
        require!(
            self.provider.status == ProviderStatus::Active
                && self.provider.stake >= self.network.params.min_stake,
            SpiceError::ProviderNotActive
        );
        // Job: reserved for this provider, if reserved at all.
        if let Some(target) = self.job.target_provider {
            require_keys_eq!(target, self.provider.key(), SpiceError::NotTargetProvider);
        }
        Ok(())
    }
}

/// A provider takes an open job; the completion deadline starts now.
#[access_control(ctx.accounts.validate())]
pub fn handler(ctx: Context<AcceptJob>) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let a = ctx.accounts;
    let job = &mut a.job;
    job.provider = Some(a.provider.key());
    job.state = JobState::Running;
    job.completion_deadline = now
        .checked_add(job.run_seconds)
        .ok_or(SpiceError::MathOverflow)?;
    let provider = &mut a.provider;
    provider.active_jobs = provider
        .active_jobs
        .checked_add(1)
        .ok_or(SpiceError::MathOverflow)?;
    provider.stats.jobs_accepted = provider.stats.jobs_accepted.saturating_add(1);
    emit!(JobAccepted {
        job: job.key(),
        provider: provider.key(),
        completion_deadline: job.completion_deadline,
    });
    Ok(())
}
