use anchor_lang::prelude::*;

use crate::errors::SpiceError;
use crate::events::AttestorAdded;
use crate::state::{seeds, Attestor, Network, ACCOUNT_VERSION};

#[derive(Accounts)]
#[instruction(key: Pubkey)]
pub struct AddAttestor<'info> {
    /// The network's authority; pays the attestor record's rent (the record is kept for audit).
    #[account(mut)]
    pub authority: Signer<'info>,

    /// The network.
    #[account(mut, has_one = authority @ SpiceError::NotAuthority)]
    pub network: Box<Account<'info, Network>>,

    /// The attestor record: created on first add, re-activated on a later add. `init_if_needed`
    /// is safe here: the record is a PDA of (network, key), only the authority reaches this
    /// handler, and an existing record keeps its history.
    #[account(
        init_if_needed,
        payer = authority,
        space = 8 + Attestor::INIT_SPACE,
        seeds = [seeds::ATTESTOR, network.key().as_ref(), key.as_ref()],
        bump,
    )]
    pub attestor: Box<Account<'info, Attestor>>,

    pub system_program: Program<'info, System>,
}

/// Registers `key` as an active attestor of the network (or re-activates a removed one).
pub fn handler(ctx: Context<AddAttestor>, key: Pubkey) -> Result<()> {
    let attestor = &mut ctx.accounts.attestor;
    if attestor.version == 0 {
        attestor.set_inner(Attestor {
            version: ACCOUNT_VERSION,
            bump: ctx.bumps.attestor,
            network: ctx.accounts.network.key(),
            key,
            active: true,
            votes_cast: 0,
            votes_against_outcome: 0,
            reserved: [0; 32],
        });
    } else {
        require!(!attestor.active, SpiceError::AttestorAlreadyActive);
        attestor.active = true;
    }
    let network = &mut ctx.accounts.network;
    network.attestor_count = network
        .attestor_count
        .checked_add(1)
        .ok_or(SpiceError::MathOverflow)?;
    emit!(AttestorAdded {
        network: network.key(),
        attestor: key,
        attestor_count: network.attestor_count,
    });
    Ok(())
}
