use anchor_lang::prelude::*;

use crate::errors::SpiceError;
use crate::events::EpochShardClosed;
use crate::state::{offset_in_page, page_of, seeds, EpochBook, EpochShard, EpochStatus, Network};

#[derive(Accounts)]
pub struct CloseEpochShard<'info> {
    /// The shard's network.
    pub network: Box<Account<'info, Network>>,

    /// A shard of an epoch already finalized (its tallies are in the epoch's entry); closed,
    /// rent to the settlement payer that created it.
    #[account(
        mut,
        close = payer,
        seeds = [
            seeds::EPOCH_SHARD,
            network.key().as_ref(),
            &epoch_shard.epoch.to_le_bytes(),
            &[epoch_shard.shard],
        ],
        bump = epoch_shard.bump,
        has_one = network @ SpiceError::WrongNetwork,
        has_one = payer @ SpiceError::WrongRentPayer,
    )]
    pub epoch_shard: Box<Account<'info, EpochShard>>,

    /// The network's book page holding the shard's epoch.
    #[account(
        mut,
        has_one = network @ SpiceError::WrongNetwork,
        constraint = epoch_book.page == page_of(epoch_shard.epoch) @ SpiceError::InvalidShardAccounts,
    )]
    pub epoch_book: Box<Account<'info, EpochBook>>,

    /// CHECK: the shard's rent payer (`has_one` above); only receives lamports.
    #[account(mut)]
    pub payer: UncheckedAccount<'info>,
}

/// Anyone closes a shard of a finalized epoch, returning its rent to whoever paid it.
pub fn handler(ctx: Context<CloseEpochShard>) -> Result<()> {
    let a = ctx.accounts;
    let slot = offset_in_page(a.epoch_shard.epoch);
    let entry = a
        .epoch_book
        .entries
        .get_mut(slot)
        .ok_or(SpiceError::InvalidShardAccounts)?;
    require!(
        entry.status != EpochStatus::Pending,
        SpiceError::EpochNotFinalized
    );
    entry.open_shards = entry
        .open_shards
        .checked_sub(1)
        .ok_or(SpiceError::CounterOutOfRange)?;
    emit!(EpochShardClosed {
        network: a.network.key(),
        epoch: a.epoch_shard.epoch,
        shard: a.epoch_shard.shard,
        payer: a.epoch_shard.payer,
    });
    Ok(())
}
