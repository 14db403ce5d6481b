use anchor_lang::prelude::*;

use crate::constants::PAUSE_ACCEPT_JOB;
use crate::errors::SpiceError;
use crate::events::JobAccepted;
use crate::state::{seeds, Job, Network, Provider};

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
        let now = Clock::get()?.unix_timestamp;
        self.job
            .check_acceptable(&self.provider, &self.network, now)
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
