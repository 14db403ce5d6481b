use anchor_lang::prelude::*;

use crate::errors::SpiceError;
use crate::events::ProviderUpdated;
use crate::state::{HardwareSpec, Provider};

#[derive(Accounts)]
pub struct UpdateProvider<'info> {
    /// The provider's owner.
    pub owner: Signer<'info>,

    /// The provider to describe.
    #[account(mut, has_one = owner @ SpiceError::NotProviderOwner)]
    pub provider: Box<Account<'info, Provider>>,
}

/// Replaces the provider's hardware description.
pub fn handler(ctx: Context<UpdateProvider>, hardware: HardwareSpec) -> Result<()> {
    hardware.validate()?;
    let provider = &mut ctx.accounts.provider;
    provider.hardware = hardware;
    let hw = &provider.hardware;
    emit!(ProviderUpdated {
        provider: provider.key(),
        gpu_model: hw.gpu_model.clone(),
        gpu_count: hw.gpu_count,
        vram_gb: hw.vram_gb,
        region: hw.region.clone(),
        metadata_hash: hw.metadata_hash,
    });
    Ok(())
}
