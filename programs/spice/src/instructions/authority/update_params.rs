use anchor_lang::prelude::*;

use crate::errors::SpiceError;
use crate::events::ParamsUpdated;
use crate::state::{Network, NetworkParams};

#[derive(Accounts)]
pub struct UpdateParams<'info> {
    /// The network's authority.
    pub authority: Signer<'info>,

    /// The network to tune.
    #[account(mut, has_one = authority @ SpiceError::NotAuthority)]
    pub network: Box<Account<'info, Network>>,
}

impl UpdateParams<'_> {
    fn validate(&self, params: &NetworkParams) -> Result<()> {
        params.validate()?;
        // Epoch indexing and shard hashing of live epochs depend on these two.
        let old = &self.network.params;
        require!(
            params.epoch_seconds == old.epoch_seconds && params.shard_count == old.shard_count,
            SpiceError::ImmutableParameter
        );
        // The cap can only cover what was already allocated.
        require!(
            params.max_total_emission >= self.network.total_allocated,
            SpiceError::ParameterOutOfBounds
        );
        Ok(())
    }
}

/// Replaces the network's parameters, inside the hard bounds. Live jobs keep the deadlines they
/// were given; new windows apply from the next transition.
#[access_control(ctx.accounts.validate(&params))]
pub fn handler(ctx: Context<UpdateParams>, params: NetworkParams) -> Result<()> {
    let network = &mut ctx.accounts.network;
    let old_params = network.params;
    network.params = params;
    network.invariant()?;
    emit!(ParamsUpdated {
        network: network.key(),
        old_params,
        new_params: params,
    });
    Ok(())
}
