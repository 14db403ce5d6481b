use anchor_lang::prelude::*;

use crate::errors::SpiceError;
use crate::events::ParamsProposed;
use crate::state::{Network, NetworkParams};

#[derive(Accounts)]
pub struct ProposeParams<'info> {
    /// The network's authority.
    pub authority: Signer<'info>,

    /// The network to tune.
    #[account(mut, has_one = authority @ SpiceError::NotAuthority)]
    pub network: Box<Account<'info, Network>>,
}

/// Proposes new parameters (inside the hard bounds; `epoch_seconds` and `shard_count` never
/// change), or withdraws a proposal with `None`. They apply no earlier than `unbond_seconds`
/// from now, through `apply_params`: a provider who disagrees can unbond and leave first. Jobs
/// keep the terms they were created with, finalized epochs what they were finalized with.
pub fn handler(ctx: Context<ProposeParams>, params: Option<NetworkParams>) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let network = &mut ctx.accounts.network;
    let effective_at = network.propose_params(params, now)?;
    emit!(ParamsProposed {
        network: network.key(),
        current: network.params,
        proposed: params,
        effective_at,
    });
    Ok(())
}
