use anchor_lang::prelude::*;

use crate::errors::SpiceError;
use crate::events::AuthorityAccepted;
use crate::state::Network;

#[derive(Accounts)]
pub struct AcceptAuthority<'info> {
    /// The pending authority named by `propose_authority`.
    pub new_authority: Signer<'info>,

    /// The network being handed over.
    #[account(
        mut,
        constraint = network.pending_authority == Some(new_authority.key())
            @ SpiceError::NotPendingAuthority,
    )]
    pub network: Box<Account<'info, Network>>,
}

/// Second step of the hand-over: the proposed key signs and becomes the authority.
pub fn handler(ctx: Context<AcceptAuthority>) -> Result<()> {
    let network = &mut ctx.accounts.network;
    let old_authority = network.authority;
    network.authority = ctx.accounts.new_authority.key();
    network.pending_authority = None;
    emit!(AuthorityAccepted {
        network: network.key(),
        old_authority,
        new_authority: network.authority,
    });
    Ok(())
}
