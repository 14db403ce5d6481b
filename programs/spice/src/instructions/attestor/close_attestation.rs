use anchor_lang::prelude::*;

use crate::errors::SpiceError;
use crate::events::AttestationClosed;
use crate::pda_account;
use crate::state::{seeds, Attestation};

#[derive(Accounts)]
pub struct CloseAttestation<'info> {
    /// The attestor that cast the vote; gets the rent back.
    #[account(mut)]
    pub attestor_key: Signer<'info>,

    /// CHECK: the address of the job voted on. The vote must no longer count: the job closed
    /// (a job address never holds another job); checked in `validate`.
    pub job: UncheckedAccount<'info>,

    /// The attestation of a job that has closed.
    #[account(
        mut,
        close = attestor_key,
        seeds = [seeds::ATTESTATION, job.key().as_ref(), attestor_key.key().as_ref()],
        bump = attestation.bump,
    )]
    pub attestation: Box<Account<'info, Attestation>>,
}

impl CloseAttestation<'_> {
    fn validate(&self) -> Result<()> {
        // Job: closed.
        require!(!pda_account::exists(&self.job), SpiceError::JobStillOpen);
        Ok(())
    }
}

/// The attestor reclaims the rent of a vote on a job that closed without handing it back
/// (settled by approval or the challenge window, expired, or decided without it).
#[access_control(ctx.accounts.validate())]
pub fn handler(ctx: Context<CloseAttestation>) -> Result<()> {
    emit!(AttestationClosed {
        job: ctx.accounts.attestation.job,
        attestor: ctx.accounts.attestor_key.key(),
        against_outcome: false,
    });
    Ok(())
}
