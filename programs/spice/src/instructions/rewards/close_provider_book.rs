use anchor_lang::prelude::*;

use crate::errors::SpiceError;
use crate::events::ProviderBookClosed;
use crate::state::{seeds, EpochBook, Network, ProviderBook};

#[derive(Accounts)]
#[instruction(provider: Pubkey, page: u64)]
pub struct CloseProviderBook<'info> {
    /// The provider's network.
    pub network: Box<Account<'info, Network>>,

    /// The provider's book page; closed, rent to its payer.
    #[account(
        mut,
        close = payer,
        seeds = [seeds::PROVIDER_BOOK, provider.as_ref(), &page.to_le_bytes()],
        bump = provider_book.bump,
        has_one = network @ SpiceError::WrongNetwork,
        has_one = payer @ SpiceError::WrongRentPayer,
    )]
    pub provider_book: Box<Account<'info, ProviderBook>>,

    /// The network's book page of the same epochs; absent while none of them is finalized
    /// (then the provider page can close only if it recorded no work).
    #[account(
        seeds = [seeds::EPOCH_BOOK, network.key().as_ref(), &page.to_le_bytes()],
        bump = epoch_book.bump,
    )]
    pub epoch_book: Option<Box<Account<'info, EpochBook>>>,

    /// CHECK: the page's rent payer (`has_one` above); only receives lamports.
    #[account(mut)]
    pub payer: UncheckedAccount<'info>,
}

/// Anyone closes a provider's book page once nothing in it can be claimed any more — its epochs
/// are over, and each entry was paid in full or its epoch closed — returning the rent to
/// whoever created it.
pub fn handler(ctx: Context<CloseProviderBook>, provider: Pubkey, page: u64) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let a = ctx.accounts;
    a.provider_book.check_closable(
        a.epoch_book.as_deref().map(|b| &**b),
        a.network.current_epoch(now)?,
    )?;
    emit!(ProviderBookClosed {
        provider,
        page,
        payer: a.provider_book.payer,
    });
    Ok(())
}
