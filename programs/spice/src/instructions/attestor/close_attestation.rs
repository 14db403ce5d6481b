use anchor_lang::prelude::*;

use crate::errors::SpiceError;
use crate::events::AttestationClosed;
use crate::state::{seeds, Attestation};

#[derive(Accounts)]
pub struct CloseAttestation<'info> {
    /// The attestor that cast the vote; gets the rent back.
    #[account(mut)]
    pub attestor_key: Signer<'info>,

    /// The attestation of a job that has closed.
    #[account(
        mut,
        close = attestor_key,
        seeds = [seeds::ATTESTATION, attestation.job.as_ref(), attestor_key.key().as_ref()],
        bump = attestation.bump,
    )]
    pub attestation: Box<Account<'info, Attestation>>,

    /// CHECK: the attestation's job, by address; it must be closed (no data, not owned by the
    /// program), so the vote can no longer count.
    #[account(
        address = attestation.job,
        constraint = job.data_is_empty() && job.owner != &crate::ID @ SpiceError::JobStillOpen,
    )]
    pub job: UncheckedAccount<'info>,
}

/// The attestor reclaims the rent of a vote on a job that closed without handing it back
/// (settled by approval or the challenge window, expired, or decided without it).
pub fn handler(ctx: Context<CloseAttestation>) -> Result<()> {
    emit!(AttestationClosed {
        job: ctx.accounts.attestation.job,
        attestor: ctx.accounts.attestor_key.key(),
        against_outcome: false,
    });
    Ok(())
}
