use anchor_lang::prelude::*;

use crate::errors::SpiceError;
use crate::events::ProviderEpochClosed;
use crate::state::{seeds, Network, ProviderEpoch};

#[derive(Accounts)]
pub struct CloseProviderEpoch<'info> {
    /// The provider's network (for the claim window).
    pub network: Box<Account<'info, Network>>,

    /// A work record nobody claimed within the claim window; closed, rent to its payer.
    #[account(
        mut,
        close = payer,
        seeds = [
            seeds::PROVIDER_EPOCH,
            provider_epoch.provider.as_ref(),
            &provider_epoch.epoch.to_le_bytes(),
        ],
        bump = provider_epoch.bump,
        has_one = network @ SpiceError::WrongNetwork,
        has_one = payer @ SpiceError::WrongRentPayer,
    )]
    pub provider_epoch: Box<Account<'info, ProviderEpoch>>,

    /// CHECK: the record's rent payer (`has_one` above); only receives lamports.
    #[account(mut)]
    pub payer: UncheckedAccount<'info>,
}

/// Anyone closes a ProviderEpoch left unclaimed past its epoch's claim window, so the rent of
/// whoever settled the work goes back to them. Its reward is forfeit: `close_epoch` returned
/// it to the pool.
pub fn handler(ctx: Context<CloseProviderEpoch>) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let pe = &ctx.accounts.provider_epoch;
    let network = &ctx.accounts.network;
    require!(
        !network.in_claim_window(pe.epoch, network.current_epoch(now)?)?,
        SpiceError::ClaimWindowOpen
    );
    emit!(ProviderEpochClosed {
        provider: pe.provider,
        epoch: pe.epoch,
        payer: pe.payer,
        unclaimed_score: pe.score,
    });
    Ok(())
}
