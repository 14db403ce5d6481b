use anchor_lang::prelude::*;

use crate::errors::SpiceError;
use crate::events::AttestorRemoved;
use crate::state::{seeds, Attestor, Network};

#[derive(Accounts)]
pub struct RemoveAttestor<'info> {
    /// The network's authority.
    pub authority: Signer<'info>,

    /// The network.
    #[account(mut, has_one = authority @ SpiceError::NotAuthority)]
    pub network: Box<Account<'info, Network>>,

    /// The attestor to remove; its record and statistics stay.
    #[account(
        mut,
        seeds = [seeds::ATTESTOR, network.key().as_ref(), attestor.key.as_ref()],
        bump = attestor.bump,
        constraint = attestor.active @ SpiceError::AttestorInactive,
    )]
    pub attestor: Box<Account<'info, Attestor>>,
}

/// Stops an attestor from voting. Votes it already cast still count.
pub fn handler(ctx: Context<RemoveAttestor>) -> Result<()> {
    ctx.accounts.attestor.active = false;
    let network = &mut ctx.accounts.network;
    network.attestor_count = network.attestor_count.saturating_sub(1);
    emit!(AttestorRemoved {
        network: network.key(),
        attestor: ctx.accounts.attestor.key,
        attestor_count: network.attestor_count,
    });
    Ok(())
}
