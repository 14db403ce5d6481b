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
    #[account(mut, has_one = network @ SpiceError::WrongNetwork)]
    pub job: Box<Account<'info, Job>>,
}

impl AcceptJob<'_> {
    fn validate(&self) -> Result<()> {
        self.network.require_not_paused(PAUSE_ACCEPT_JOB)?;
        // Job: open (its deadline and target are checked by `Job::accept`).
        require!(
            self.job.state == JobState::Open,
            SpiceError::InvalidJobState
        );
        let params = &self.network.params;
        // Provider: Active, staked at the minimum, and its stake covers the job's value
        // under the exposure limit. The job's own conditions are checked by `Job::accept`.
        require!(
            self.provider.status == ProviderStatus::Active
                && self.provider.stake >= params.min_stake,
            SpiceError::ProviderNotActive
        );
        let exposure = self.job.value(self.job.max_units)?;
        require!(
            self.provider
                .exposure_allows(exposure, params.max_exposure_bps)?,
            SpiceError::ExposureLimit
        );
        Ok(())
    }
}

/// A provider takes an open job: the completion deadline starts, and `slash_bps` of its active
/// stake now is locked behind the job until it ends (what a fraud verdict slashes).
#[access_control(ctx.accounts.validate())]
pub fn handler(ctx: Context<AcceptJob>) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let a = ctx.accounts;
    let provider_key = a.provider.key();
    let backing = a.job.accept(provider_key, a.provider.stake, now)?;
    a.provider.begin_job(backing)?;
    emit!(JobAccepted {
        job: a.job.key(),
        provider: provider_key,
        completion_deadline: a.job.completion_deadline,
        stake_at_accept: a.job.stake_at_accept,
        slash_lock: backing.lock,
        exposure: backing.exposure,
    });
    Ok(())
}
