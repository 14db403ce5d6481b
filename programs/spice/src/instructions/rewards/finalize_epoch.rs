use anchor_lang::prelude::*;
use anchor_spl::token_interface::TokenAccount;

use crate::curve::{capped_emission, curve_emission};
use crate::errors::SpiceError;
use crate::events::EpochFinalized;
use crate::instructions::rewards::shards::load_shards;
use crate::pda_account;
use crate::state::{seeds, Epoch, Network, ACCOUNT_VERSION};

#[derive(Accounts)]
#[instruction(index: u64)]
pub struct FinalizeEpoch<'info> {
    /// Anyone; pays the Epoch account's rent and gets it back at `close_epoch`.
    #[account(mut)]
    pub payer: Signer<'info>,

    /// The network; its allocated total grows by the emission.
    #[account(mut)]
    pub network: Box<Account<'info, Network>>,

    /// CHECK: the epoch record (an Epoch), by its seeds; created here, so an epoch finalizes
    /// once. Created by hand (see `pda_account`), so lamports sent to the address cannot stop
    /// the finalization.
    #[account(
        mut,
        seeds = [seeds::EPOCH, network.key().as_ref(), &index.to_le_bytes()],
        bump,
    )]
    pub epoch: UncheckedAccount<'info>,

    /// The reward vault: the emission never exceeds its unallocated balance.
    #[account(
        seeds = [seeds::REWARD_VAULT, network.key().as_ref()],
        bump = network.reward_vault_bump,
    )]
    pub reward_vault: Box<InterfaceAccount<'info, TokenAccount>>,

    pub system_program: Program<'info, System>,
    // remaining accounts: (shard, rent payer) for every shard 0..shard_count, in order.
}

/// Anyone finalizes an ended epoch: sums its shards and fixes its emission from the curve,
/// capped by `max_total_emission` less what is already allocated and by the reward vault's
/// unallocated balance. An epoch nobody worked in allocates nothing.
pub fn handler<'info>(ctx: Context<'info, FinalizeEpoch<'info>>, index: u64) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let network_key = ctx.accounts.network.key();
    let network = &mut ctx.accounts.network;
    let params = network.params;
    let current = network.current_epoch(now)?;
    require!(current > index, SpiceError::EpochNotEnded);
    require!(
        !pda_account::exists(&ctx.accounts.epoch),
        SpiceError::EpochAlreadyFinalized
    );
    // Past its claim window nothing of it could be claimed: it allocates nothing, but can still
    // be finalized so that `close_epoch` returns its shards' rent.
    let claimable = network.in_claim_window(index, current)?;

    let (mut score, mut fees, mut jobs) = (0u128, 0u64, 0u64);
    for slot in load_shards(
        ctx.remaining_accounts,
        &network_key,
        index,
        params.shard_count,
    )? {
        if let Some(shard) = slot.shard {
            score = score
                .checked_add(shard.score)
                .ok_or(SpiceError::MathOverflow)?;
            fees = fees
                .checked_add(shard.fees)
                .ok_or(SpiceError::MathOverflow)?;
            jobs = jobs.saturating_add(shard.jobs);
        }
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
    // Nobody can claim an epoch without work or past its window: allocate nothing rather than
    // lock tokens.
    let (emission, shortfall) = if score == 0 || !claimable {
        (0, 0)
    } else {
        (capped.emission, capped.shortfall)
    };
    network.total_allocated = network
        .total_allocated
        .checked_add(emission)
        .ok_or(SpiceError::MathOverflow)?;
    network.invariant()?;

    let epoch_info = ctx.accounts.epoch.to_account_info();
    let bump = [ctx.bumps.epoch];
    let index_bytes = index.to_le_bytes();
    let seeds: &[&[u8]] = &[seeds::EPOCH, network_key.as_ref(), &index_bytes, &bump];
    pda_account::create_pda(
        &epoch_info,
        &ctx.accounts.payer.to_account_info(),
        &ctx.accounts.system_program.to_account_info(),
        8 + Epoch::INIT_SPACE,
        seeds,
    )?;
    let epoch = Epoch {
        version: ACCOUNT_VERSION,
        bump: ctx.bumps.epoch,
        network: network_key,
        index,
        finalized: true,
        emission,
        shortfall,
        total_score: score,
        total_fees: fees,
        total_jobs: jobs,
        claimed: 0,
        payer: ctx.accounts.payer.key(),
        finalized_at: now,
        reserved: [0; 32],
    };
    pda_account::store(&epoch_info, &epoch)?;
    emit!(EpochFinalized {
        network: network_key,
        epoch: index,
        curve_emission: curve,
        emission,
        shortfall,
        total_score: score,
        total_fees: fees,
        total_jobs: jobs,
    });
    Ok(())
}
