use anchor_lang::prelude::*;

use crate::errors::SpiceError;
use crate::events::PauseSet;
use crate::state::Network;

#[derive(Accounts)]
pub struct SetPause<'info> {
    /// The network's authority.
    pub authority: Signer<'info>,

    /// The network to pause or resume.
    #[account(mut, has_one = authority @ SpiceError::NotAuthority)]
    pub network: Box<Account<'info, Network>>,
}

/// Sets the pause flags (`PAUSE_*`). They stop entries only: cancel, expire, settlement of
/// submitted work, disputes, votes, collections and withdrawals of unbonded stake always work.
/// While claims are paused no epoch closes, and every claim deadline moves later by the pause.
pub fn handler(ctx: Context<SetPause>, flags: u8) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let network = &mut ctx.accounts.network;
    let old_flags = network.paused;
    network.set_pause(flags, now)?;
    emit!(PauseSet {
        network: network.key(),
        old_flags,
        new_flags: flags,
    });
    Ok(())
}
