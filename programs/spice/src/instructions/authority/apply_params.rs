use anchor_lang::prelude::*;

use crate::events::ParamsUpdated;
use crate::state::Network;

#[derive(Accounts)]
pub struct ApplyParams<'info> {
    /// The network whose proposed parameters take effect.
    #[account(mut)]
    pub network: Box<Account<'info, Network>>,
}

/// Anyone puts the proposed parameters in force once their delay has passed.
pub fn handler(ctx: Context<ApplyParams>) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let network = &mut ctx.accounts.network;
    let old_params = network.apply_params(now)?;
    network.invariant()?;
    emit!(ParamsUpdated {
        network: network.key(),
        old_params,
        new_params: network.params,
    });
    Ok(())
}
