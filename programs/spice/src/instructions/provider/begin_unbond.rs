use anchor_lang::prelude::*;
use anchor_spl::token_interface::TokenAccount;

use crate::errors::SpiceError;
use crate::events::UnbondStarted;
use crate::state::{seeds, Network, Provider, ProviderStatus};

#[derive(Accounts)]
pub struct BeginUnbond<'info> {
    /// The provider's owner.
    pub owner: Signer<'info>,

    /// The provider's network (for the minimum stake and unbonding period).
    pub network: Box<Account<'info, Network>>,

    /// The provider unbonding.
    #[account(
        mut,
        seeds = [seeds::PROVIDER, network.key().as_ref(), owner.key().as_ref()],
        bump = provider.bump,
        has_one = owner @ SpiceError::NotProviderOwner,
        has_one = network @ SpiceError::WrongNetwork,
    )]
    pub provider: Box<Account<'info, Provider>>,

    /// The provider's stake vault, read to re-check invariant 2.
    #[account(
        seeds = [seeds::STAKE_VAULT, provider.key().as_ref()],
        bump = provider.stake_vault_bump,
    )]
    pub stake_vault: Box<InterfaceAccount<'info, TokenAccount>>,
}

impl BeginUnbond<'_> {
    fn validate(&self, amount: u64) -> Result<()> {
        require!(amount > 0, SpiceError::ZeroAmount);
        let provider = &self.provider;
        let rest = provider
            .stake
            .checked_sub(amount)
            .ok_or(SpiceError::InsufficientStake)?;
        // What stays must keep the provider at the minimum, or leave entirely once idle.
        if rest == 0 {
            require!(provider.active_jobs == 0, SpiceError::ProviderHasActiveJobs);
        } else {
            require!(
                rest >= self.network.params.min_stake,
                SpiceError::BelowMinStake
            );
        }
        Ok(())
    }
}

/// Moves active stake to unbonding. It stays slashable, and can be withdrawn `unbond_seconds`
/// after the latest `begin_unbond` (a second call restarts the clock for the whole amount).
#[access_control(ctx.accounts.validate(amount))]
pub fn handler(ctx: Context<BeginUnbond>, amount: u64) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let params = ctx.accounts.network.params;
    let provider = &mut ctx.accounts.provider;
    provider.stake = provider
        .stake
        .checked_sub(amount)
        .ok_or(SpiceError::InsufficientStake)?;
    provider.unbonding = provider
        .unbonding
        .checked_add(amount)
        .ok_or(SpiceError::MathOverflow)?;
    provider.unbond_ready_at = now
        .checked_add(params.unbond_seconds)
        .ok_or(SpiceError::MathOverflow)?;
    provider.refresh_and_check(ctx.accounts.stake_vault.amount, params.min_stake)?;
    emit!(UnbondStarted {
        provider: provider.key(),
        amount,
        stake: provider.stake,
        unbonding: provider.unbonding,
        ready_at: provider.unbond_ready_at,
        active: provider.status == ProviderStatus::Active,
    });
    Ok(())
}
