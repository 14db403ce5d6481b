use anchor_lang::prelude::*;

use crate::constants::PAUSE_CLAIM;
use crate::errors::SpiceError;
use crate::events::EpochClosed;
use crate::pda_account;
use crate::state::{
    offset_in_page, page_of, read_entry, read_header, seeds, write_entry, EpochBook, EpochEntry,
    EpochStatus, Network,
};

#[derive(Accounts)]
pub struct CloseEpoch<'info> {
    /// The network; what the epoch did not pay returns to its pool.
    #[account(mut)]
    pub network: Box<Account<'info, Network>>,

    /// CHECK: the book page holding the epoch (an EpochBook),
    /// `["epoch_book", network, page of index]`, checked in the handler.
    #[account(mut)]
    pub epoch_book: UncheckedAccount<'info>,
}

/// Anyone closes a finalized epoch once its claim deadline (extended by every claim pause since
/// it was finalized) has passed: what was not claimed returns to the pool. Never while claims
/// are paused. The page stays: it is the network's record of its epochs, which the providers'
/// book pages are checked against.
pub fn handler(ctx: Context<CloseEpoch>, index: u64) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let a = ctx.accounts;
    let network = &mut a.network;
    require!(network.paused & PAUSE_CLAIM == 0, SpiceError::Paused);
    let book = a.epoch_book.to_account_info();
    let network_key = network.key();
    pda_account::check_pda(
        &book,
        &[
            seeds::EPOCH_BOOK,
            network_key.as_ref(),
            &page_of(index).to_le_bytes(),
        ],
    )?;
    read_header::<EpochBook>(&book)?;

    let slot = offset_in_page(index);
    let mut entry: EpochEntry = read_entry::<EpochBook>(&book.try_borrow_data()?, slot)?;
    match entry.status {
        EpochStatus::Pending => return err!(SpiceError::EpochNotFinalized),
        EpochStatus::Closed => return err!(SpiceError::EpochClosed),
        EpochStatus::Open => {}
    }
    let deadline = entry.effective_deadline(network.claims_paused_total(now)?)?;
    require!(now >= deadline, SpiceError::ClaimWindowOpen);
    network.require_outflow_idle(now)?;
    let unclaimed = entry.unclaimed()?;
    network.total_allocated = network
        .total_allocated
        .checked_sub(unclaimed)
        .ok_or(SpiceError::InvariantViolated)?;
    network.invariant()?;
    entry.status = EpochStatus::Closed;
    write_entry::<EpochBook>(&mut book.try_borrow_mut_data()?, slot, &entry)?;
    emit!(EpochClosed {
        network: network.key(),
        epoch: index,
        allocated: entry.allocated,
        claimed: entry.claimed,
        returned_to_pool: unclaimed,
    });
    Ok(())
}
