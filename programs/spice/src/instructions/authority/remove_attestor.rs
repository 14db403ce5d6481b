use anchor_lang::prelude::*;

use crate::errors::SpiceError;
use crate::events::AttestorRemoved;
use crate::state::{seeds, Attestor, Network};

#[derive(Accounts)]
#[instruction(key: Pubkey)]
pub struct RemoveAttestor<'info> {
    /// The network's authority.
    pub authority: Signer<'info>,

    /// The network.
    #[account(mut, has_one = authority @ SpiceError::NotAuthority)]
    pub network: Box<Account<'info, Network>>,

    /// The attestor to remove; its record and statistics stay.
    #[account(
        mut,
        seeds = [seeds::ATTESTOR, network.key().as_ref(), key.as_ref()],
        bump = attestor.bump,
    )]
    pub attestor: Box<Account<'info, Attestor>>,
}

/// Removes an attestor after the governance delay (`unbond_seconds`): it judges no job accepted
/// from then on, while every job accepted before keeps it among its judges until that job is
/// decided, and votes it cast always count. A removal can neither reach back into running jobs
/// nor leave one without the voters it was accepted with.
pub fn handler(ctx: Context<RemoveAttestor>, _key: Pubkey) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let delay = ctx.accounts.network.governance_delay();
    let attestor = &mut ctx.accounts.attestor;
    attestor.schedule_removal(now, delay)?;
    let network = &mut ctx.accounts.network;
    network.note_attestor_removal()?;
    emit!(AttestorRemoved {
        network: network.key(),
        attestor: attestor.key,
        active_until: attestor.active_until,
        attestor_count: network.attestor_count,
    });
    Ok(())
}
