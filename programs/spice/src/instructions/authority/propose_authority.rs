use anchor_lang::prelude::*;

use crate::errors::SpiceError;
use crate::events::AuthorityProposed;
use crate::state::Network;

#[derive(Accounts)]
pub struct ProposeAuthority<'info> {
    /// The current authority.
    pub authority: Signer<'info>,

    /// The network whose authority is handed over.
    #[account(mut, has_one = authority @ SpiceError::NotAuthority)]
    pub network: Box<Account<'info, Network>>,
}

/// First step of the hand-over: names a successor, who must sign `accept_authority`. `None`
/// withdraws a proposal. A typo cannot lock the network: the old authority stays in charge until
/// the new key proves it can sign.
pub fn handler(ctx: Context<ProposeAuthority>, new_authority: Option<Pubkey>) -> Result<()> {
    let network = &mut ctx.accounts.network;
    network.pending_authority = new_authority;
    emit!(AuthorityProposed {
        network: network.key(),
        authority: network.authority,
        pending_authority: new_authority,
    });
    Ok(())
}
