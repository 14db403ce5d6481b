use anchor_lang::prelude::*;
use anchor_spl::token_interface::TokenAccount;

use crate::curve::{capped_emission, curve_emission, weighted_allocation};
use crate::errors::SpiceError;
use crate::events::EpochFinalized;
use crate::instructions::rewards::shards::load_shards;
use crate::pda_account;
use crate::state::{
    init_page, offset_in_page, page_of, read_entry, seeds, write_entry, EpochBook, EpochBookHeader,
    EpochEntry, EpochStatus, Network, ACCOUNT_VERSION,
};

#[derive(Accounts)]
pub struct FinalizeEpoch<'info> {
    /// Anyone; pays the rent of the epoch's book page if this is the page's first epoch (the
    /// page is the network's permanent record: the rent stays with it).
    #[account(mut)]
    pub payer: Signer<'info>,

    /// The network; its allocated total grows by what the epoch allocates.
    #[account(mut)]
    pub network: Box<Account<'info, Network>>,

    /// CHECK: the network's book page holding the epoch (an EpochBook),
    /// `["epoch_book", network, page of index]` (checked in the handler: page arithmetic is
    /// beyond Anchor's seeds); created by hand (see `pda_account`) if it does not exist yet.
    #[account(mut)]
    pub epoch_book: UncheckedAccount<'info>,

    /// The reward vault: the emission never exceeds its unallocated balance.
    #[account(
        seeds = [seeds::REWARD_VAULT, network.key().as_ref()],
        bump = network.reward_vault_bump,
    )]
    pub reward_vault: Box<InterfaceAccount<'info, TokenAccount>>,

    pub system_program: Program<'info, System>,
    // remaining accounts: the shard of every shard number 0..shard_count, in order.
}

/// Anyone finalizes an ended epoch: sums its shards (`close_epoch_shard` then returns their rent),
/// fixes its emission from the curve — capped by `max_total_emission` less what is allocated
/// and by the reward vault's unallocated balance — and what its providers can claim,
/// `min(emission, total_weight / 10_000)` (each job at most the rate cap of its own terms), and
/// until when. The rest of the emission is
/// never allocated. An epoch nobody worked in allocates nothing; an epoch finalized late gets a
/// full claim window from its finalization.
pub fn handler<'info>(ctx: Context<'info, FinalizeEpoch<'info>>, index: u64) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let network_key = ctx.accounts.network.key();
    let network = &mut ctx.accounts.network;
    let params = network.params;
    require!(
        network.current_epoch(now)? > index,
        SpiceError::EpochNotEnded
    );

    let book = ctx.accounts.epoch_book.to_account_info();
    let page = page_of(index);
    let book_bump = pda_account::check_pda(
        &book,
        &[seeds::EPOCH_BOOK, network_key.as_ref(), &page.to_le_bytes()],
    )?;
    if !pda_account::exists(&book) {
        let page_bytes = page.to_le_bytes();
        let book_seeds: &[&[u8]] = &[
            seeds::EPOCH_BOOK,
            network_key.as_ref(),
            &page_bytes,
            &[book_bump],
        ];
        pda_account::create_pda(
            &book,
            &ctx.accounts.payer.to_account_info(),
            &ctx.accounts.system_program.to_account_info(),
            8 + EpochBook::INIT_SPACE,
            book_seeds,
        )?;
        init_page::<EpochBook>(
            &book,
            &EpochBookHeader {
                version: ACCOUNT_VERSION,
                bump: book_bump,
                network: network_key,
                page,
                payer: ctx.accounts.payer.key(),
            },
        )?;
    }
    let slot = offset_in_page(index);
    let existing: EpochEntry = read_entry::<EpochBook>(&book.try_borrow_data()?, slot)?;
    require!(
        existing.status == EpochStatus::Pending,
        SpiceError::EpochAlreadyFinalized
    );

    let mut entry = EpochEntry {
        status: EpochStatus::Open,
        claim_deadline: network.claim_deadline(index, now)?,
        paused_base: network.claims_paused_total(now)?,
        finalized_at: now,
        ..EpochEntry::default()
    };
    for shard in load_shards(
        ctx.remaining_accounts,
        &network_key,
        index,
        params.shard_count,
    )? {
        entry.add_shard(&shard)?;
        entry.open_shards = entry
            .open_shards
            .checked_add(1)
            .ok_or(SpiceError::CounterOutOfRange)?;
    }

    let curve = curve_emission(
        params.initial_emission,
        params.emission_decay_bps,
        params.tail_emission,
        index,
    )?;
    let outstanding = network
        .total_allocated
        .checked_sub(network.total_claimed)
        .ok_or(SpiceError::InvariantViolated)?;
    let unallocated = ctx.accounts.reward_vault.amount.saturating_sub(outstanding);
    let capped = capped_emission(
        curve,
        params.max_total_emission,
        network.total_allocated,
        unallocated,
    )?;
    // Nobody could claim an epoch without rewardable work: allocate nothing rather than lock
    // tokens.
    if entry.total_weight > 0 {
        entry.emission = capped.emission;
        entry.shortfall = capped.shortfall;
        entry.allocated = weighted_allocation(capped.emission, entry.total_weight);
    }
    network.total_allocated = network
        .total_allocated
        .checked_add(entry.allocated)
        .ok_or(SpiceError::MathOverflow)?;
    network.invariant()?;
    write_entry::<EpochBook>(&mut book.try_borrow_mut_data()?, slot, &entry)?;
    emit!(EpochFinalized {
        network: network_key,
        epoch: index,
        curve_emission: curve,
        emission: entry.emission,
        shortfall: entry.shortfall,
        allocated: entry.allocated,
        total_score: entry.total_score,
        total_weight: entry.total_weight,
        total_value: entry.total_value,
        total_fees: entry.total_fees,
        total_jobs: entry.jobs,
        claim_deadline: entry.claim_deadline,
    });
    Ok(())
}
