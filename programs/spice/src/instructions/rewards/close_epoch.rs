use anchor_lang::prelude::*;

use crate::errors::SpiceError;
use crate::events::EpochClosed;
use crate::instructions::rewards::shards::load_shards;
use crate::state::{seeds, Epoch, Network};

#[derive(Accounts)]
pub struct CloseEpoch<'info> {
    /// The network; what the epoch did not pay returns to its pool.
    #[account(mut)]
    pub network: Box<Account<'info, Network>>,

    /// The epoch past its claim window; closed, rent to its finalizer.
    #[account(
        mut,
        close = payer,
        seeds = [seeds::EPOCH, network.key().as_ref(), &epoch.index.to_le_bytes()],
        bump = epoch.bump,
        has_one = payer @ SpiceError::WrongRentPayer,
    )]
    pub epoch: Box<Account<'info, Epoch>>,

    /// CHECK: the epoch's rent payer (`has_one` on the epoch); only receives lamports.
    #[account(mut)]
    pub payer: UncheckedAccount<'info>,
    // remaining accounts: (shard, rent payer) for every shard 0..shard_count, in order; the
    // shards close with their rent to their payers.
}

/// Anyone closes an epoch once `claim_window_epochs` have passed after it: unclaimed rewards
/// return to the pool, the Epoch and its shards close with their rents to whoever paid them.
pub fn handler<'info>(ctx: Context<'info, CloseEpoch<'info>>) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let network_key = ctx.accounts.network.key();
    let epoch = &ctx.accounts.epoch;
    let network = &mut ctx.accounts.network;
    require!(
        !network.in_claim_window(epoch.index, network.current_epoch(now)?)?,
        SpiceError::ClaimWindowOpen
    );
    let shards = load_shards(
        ctx.remaining_accounts,
        &network_key,
        epoch.index,
        network.params.shard_count,
    )?;
    for slot in shards {
        if let Some(shard) = slot.shard {
            shard.close(slot.payer.clone())?;
        }
    }
    let unclaimed = epoch
        .emission
        .checked_sub(epoch.claimed)
        .ok_or(SpiceError::InvariantViolated)?;
    network.total_allocated = network
        .total_allocated
        .checked_sub(unclaimed)
        .ok_or(SpiceError::InvariantViolated)?;
    network.invariant()?;
    emit!(EpochClosed {
        network: network_key,
        epoch: epoch.index,
        emission: epoch.emission,
        claimed: epoch.claimed,
        returned_to_pool: unclaimed,
    });
    Ok(())
}
