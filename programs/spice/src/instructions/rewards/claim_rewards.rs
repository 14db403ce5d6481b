use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};

use crate::constants::PAUSE_CLAIM;
use crate::errors::SpiceError;
use crate::events::RewardClaimed;
use crate::network_signer;
use crate::state::{
    first_epoch_of, read_entry, read_header, seeds, write_entry, EpochBook, EpochEntry, Network,
    ProviderBook, ProviderEntry, PAGE_LEN,
};
use crate::token::{transfer, ScreenedMint};
use crate::window::WindowError;

#[derive(Accounts)]
pub struct ClaimRewards<'info> {
    /// The provider's owner: the wallet whose Provider earned the rewards, even if that
    /// Provider account has closed since.
    pub owner: Signer<'info>,

    /// The network: claimed totals and the circuit breaker's window.
    #[account(mut)]
    pub network: Box<Account<'info, Network>>,

    /// CHECK: the owner's Provider address on this network, by its seeds; only its address is
    /// used (the book pages are keyed by it), so a closed or re-created Provider works too.
    #[account(
        seeds = [seeds::PROVIDER, network.key().as_ref(), owner.key().as_ref()],
        bump,
    )]
    pub provider: UncheckedAccount<'info>,

    /// The reward vault paying the claim.
    #[account(
        mut,
        seeds = [seeds::REWARD_VAULT, network.key().as_ref()],
        bump = network.reward_vault_bump,
    )]
    pub reward_vault: Box<InterfaceAccount<'info, TokenAccount>>,

    /// The network's stake mint.
    #[account(address = network.stake_mint @ SpiceError::WrongMint)]
    pub stake_mint: Box<InterfaceAccount<'info, Mint>>,

    /// Where the rewards go: a stake-mint account of the owner's choosing.
    #[account(mut, token::mint = stake_mint, token::token_program = token_program)]
    pub destination: Box<InterfaceAccount<'info, TokenAccount>>,

    /// The stake mint's token program.
    #[account(address = network.stake_token_program @ SpiceError::WrongTokenProgram)]
    pub token_program: Interface<'info, TokenInterface>,
    // remaining accounts: (EpochBook, ProviderBook) pairs of the same page, pages ascending.
}

/// One epoch's reward the claim found owed.
struct Owed {
    pair: usize,
    slot: usize,
    epoch: u64,
    amount: u64,
}

/// The provider claims its rewards for every finalized, open epoch of the book pages passed —
/// a year of daily epochs is 23 page pairs, two transactions: `allocated × score / total_score`
/// each, rounded down, less what it already received. The circuit breaker may let only part
/// out now: the rest stays owed, claimable until the epoch is closed (which `close_epoch` allows
/// only after its deadline, and only while the breaker holds nobody back).
pub fn handler<'info>(ctx: Context<'info, ClaimRewards<'info>>) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let a = &mut *ctx.accounts;
    a.network.require_not_paused(PAUSE_CLAIM)?;
    let remaining = ctx.remaining_accounts;
    require!(
        !remaining.is_empty() && remaining.chunks_exact(2).remainder().is_empty(),
        SpiceError::InvalidClaimAccounts
    );
    let network_key = a.network.key();
    let provider_key = a.provider.key();

    let mut owed: Vec<Owed> = Vec::new();
    let mut last_page: Option<u64> = None;
    for (pair, accounts) in remaining.chunks(2).enumerate() {
        let [epoch_info, book_info] = accounts else {
            return err!(SpiceError::InvalidClaimAccounts);
        };
        let epochs = read_header::<EpochBook>(epoch_info)?;
        let work = read_header::<ProviderBook>(book_info)?;
        require!(
            epochs.network == network_key
                && work.network == network_key
                && work.provider == provider_key
                && work.page == epochs.page,
            SpiceError::NotYourProviderEpoch
        );
        // Each page once, in order: an entry can never be counted twice.
        require!(
            last_page.is_none_or(|p| epochs.page > p),
            SpiceError::InvalidClaimAccounts
        );
        last_page = Some(epochs.page);
        let epoch_data = epoch_info.try_borrow_data()?;
        let book_data = book_info.try_borrow_data()?;
        for slot in 0..PAGE_LEN {
            let entry: ProviderEntry = read_entry::<ProviderBook>(&book_data, slot)?;
            if entry.weight == 0 {
                continue;
            }
            let epoch: EpochEntry = read_entry::<EpochBook>(&epoch_data, slot)?;
            if !epoch.payable() {
                continue;
            }
            let amount = entry.owed(&epoch)?;
            if amount > 0 {
                let index = first_epoch_of(epochs.page)?
                    .checked_add(slot as u64)
                    .ok_or(SpiceError::MathOverflow)?;
                owed.push(Owed {
                    pair,
                    slot,
                    epoch: index,
                    amount,
                });
            }
        }
    }
    let total = owed
        .iter()
        .try_fold(0u64, |acc, o| acc.checked_add(o.amount))
        .ok_or(SpiceError::MathOverflow)?;
    require!(total > 0, SpiceError::NothingToClaim);

    let params = a.network.params;
    let available = a
        .network
        .outflow
        .available(
            now,
            params.outflow_window_seconds,
            params.max_reward_outflow_per_window,
        )
        .map_err(|_| SpiceError::MathOverflow)?;
    let pay = total.min(available);
    if pay == 0 {
        msg!("reward outflow available now: 0 (owed {})", total);
        return err!(SpiceError::RewardOutflowLimit);
    }

    let mut left = pay;
    for o in &owed {
        let part = o.amount.min(left);
        if part == 0 {
            break;
        }
        left = left.saturating_sub(part);
        let (Some(epoch_info), Some(book_info)) =
            (remaining.get(o.pair * 2), remaining.get(o.pair * 2 + 1))
        else {
            return err!(SpiceError::InvalidClaimAccounts);
        };
        let mut epoch_data = epoch_info.try_borrow_mut_data()?;
        let mut book_data = book_info.try_borrow_mut_data()?;
        let mut epoch: EpochEntry = read_entry::<EpochBook>(&epoch_data, o.slot)?;
        let mut entry: ProviderEntry = read_entry::<ProviderBook>(&book_data, o.slot)?;
        entry.paid = entry
            .paid
            .checked_add(part)
            .ok_or(SpiceError::MathOverflow)?;
        epoch.add_claimed(part)?;
        write_entry::<EpochBook>(&mut epoch_data, o.slot, &epoch)?;
        write_entry::<ProviderBook>(&mut book_data, o.slot, &entry)?;
        emit!(RewardClaimed {
            provider: provider_key,
            epoch: o.epoch,
            weight: entry.weight,
            amount: part,
            still_owed: o.amount.saturating_sub(part),
        });
    }

    let network = &mut a.network;
    match network.outflow.record(
        now,
        params.outflow_window_seconds,
        pay,
        params.max_reward_outflow_per_window,
    ) {
        Ok(()) => {}
        Err(WindowError::Exceeded { available }) => {
            msg!("reward outflow available now: {}", available);
            return err!(SpiceError::RewardOutflowLimit);
        }
        Err(WindowError::Invalid) => return err!(SpiceError::MathOverflow),
    }
    if pay == available {
        // The breaker is full: whoever it holds back now keeps epochs from closing.
        network.note_outflow_saturated(now);
    }
    network.total_claimed = network
        .total_claimed
        .checked_add(pay)
        .ok_or(SpiceError::MathOverflow)?;
    network.invariant()?;

    let mint = ScreenedMint::new(&a.stake_mint, network.freeze_authority_accepted)?;
    network_signer!(network, signer);
    transfer(
        &a.token_program,
        &a.reward_vault.to_account_info(),
        &mint,
        &a.destination.to_account_info(),
        &network.to_account_info(),
        signer,
        pay,
    )
}
