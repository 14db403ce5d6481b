use anchor_lang::prelude::*;

use crate::errors::SpiceError;
use crate::events::ProviderBookClosed;
use crate::pda_account;
use crate::state::{
    first_epoch_of, read_entry, read_header, seeds, EpochBook, EpochEntry, EpochStatus, Network,
    ProviderBook, ProviderEntry, PAGE_LEN,
};
use crate::constants::EPOCHS_PER_PAGE;

#[derive(Accounts)]
#[instruction(provider: Pubkey, page: u64)]
pub struct CloseProviderBook<'info> {
    /// The provider's network.
    pub network: Box<Account<'info, Network>>,

    /// CHECK: the provider's book page (a ProviderBook), by its seeds.
    #[account(
        mut,
        seeds = [seeds::PROVIDER_BOOK, provider.as_ref(), &page.to_le_bytes()],
        bump,
    )]
    pub provider_book: UncheckedAccount<'info>,

    /// CHECK: the network's book page of the same epochs (an EpochBook), by its seeds.
    #[account(
        seeds = [seeds::EPOCH_BOOK, network.key().as_ref(), &page.to_le_bytes()],
        bump,
    )]
    pub epoch_book: UncheckedAccount<'info>,

    /// CHECK: the page's rent payer (checked against the page); receives the rent.
    #[account(mut)]
    pub payer: UncheckedAccount<'info>,
}

/// Anyone closes a provider's book page once nothing in it can be claimed any more — its epochs
/// are over, and each entry was paid in full or its epoch closed — returning the rent to
/// whoever created it.
pub fn handler(ctx: Context<CloseProviderBook>, provider: Pubkey, page: u64) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let a = ctx.accounts;
    let book = a.provider_book.to_account_info();
    let header = read_header::<ProviderBook>(&book)?;
    require!(
        header.network == a.network.key() && header.provider == provider,
        SpiceError::NotYourProviderEpoch
    );
    require_keys_eq!(header.payer, a.payer.key(), SpiceError::WrongRentPayer);
    let last = first_epoch_of(page)?
        .checked_add(EPOCHS_PER_PAGE - 1)
        .ok_or(SpiceError::MathOverflow)?;
    require!(
        a.network.current_epoch(now)? > last,
        SpiceError::BookStillOpen
    );
    let epochs = a.epoch_book.to_account_info();
    let has_epochs = pda_account::exists(&epochs);
    if has_epochs {
        read_header::<EpochBook>(&epochs)?;
    }
    {
        let data = book.try_borrow_data()?;
        let epoch_data = epochs.try_borrow_data()?;
        for slot in 0..PAGE_LEN {
            let entry: ProviderEntry = read_entry::<ProviderBook>(&data, slot)?;
            if entry.score == 0 {
                continue;
            }
            // Work was recorded in this epoch, so it can be finalized: until then, and until
            // the entry is paid or its epoch closed, the page stays.
            require!(has_epochs, SpiceError::BookStillOpen);
            let epoch: EpochEntry = read_entry::<EpochBook>(&epoch_data, slot)?;
            let settled = match epoch.status {
                EpochStatus::Pending => false,
                EpochStatus::Closed => true,
                EpochStatus::Open => entry.owed(&epoch)? == 0,
            };
            require!(settled, SpiceError::BookStillOpen);
        }
    }
    pda_account::close(&book, &a.payer.to_account_info())?;
    emit!(ProviderBookClosed {
        provider,
        page,
        payer: header.payer,
    });
    Ok(())
}
