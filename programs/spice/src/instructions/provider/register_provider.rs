use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};

use crate::constants::PAUSE_REGISTER;
use crate::errors::SpiceError;
use crate::events::ProviderRegistered;
use crate::state::{
    seeds, HardwareSpec, Network, Provider, ProviderStats, ProviderStatus, ACCOUNT_VERSION,
};
use crate::token::transfer;

/// Arguments of `register_provider`.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug)]
pub struct RegisterProviderArgs {
    /// Initial stake, at least the network's `min_stake`.
    pub stake: u64,
    /// Hardware description.
    pub hardware: HardwareSpec,
}

#[derive(Accounts)]
pub struct RegisterProvider<'info> {
    /// The provider's wallet: pays rent, funds the stake, signs for the provider from now on.
    #[account(mut)]
    pub owner: Signer<'info>,

    /// The network joined.
    pub network: Box<Account<'info, Network>>,

    /// The new provider account.
    #[account(
        init,
        payer = owner,
        space = 8 + Provider::INIT_SPACE,
        seeds = [seeds::PROVIDER, network.key().as_ref(), owner.key().as_ref()],
        bump,
    )]
    pub provider: Box<Account<'info, Provider>>,

    /// The network's stake mint.
    #[account(address = network.stake_mint @ SpiceError::WrongMint)]
    pub stake_mint: Box<InterfaceAccount<'info, Mint>>,

    /// The provider's own stake vault, owned by the Provider PDA.
    #[account(
        init,
        payer = owner,
        seeds = [seeds::STAKE_VAULT, provider.key().as_ref()],
        bump,
        token::mint = stake_mint,
        token::authority = provider,
        token::token_program = token_program,
    )]
    pub stake_vault: Box<InterfaceAccount<'info, TokenAccount>>,

    /// The owner's token account the stake comes from.
    #[account(
        mut,
        token::mint = stake_mint,
        token::authority = owner,
        token::token_program = token_program,
    )]
    pub owner_stake_account: Box<InterfaceAccount<'info, TokenAccount>>,

    /// The stake mint's token program.
    #[account(address = network.stake_token_program @ SpiceError::WrongTokenProgram)]
    pub token_program: Interface<'info, TokenInterface>,
    pub system_program: Program<'info, System>,
}

impl RegisterProvider<'_> {
    fn validate(&self, args: &RegisterProviderArgs) -> Result<()> {
        self.network.require_not_paused(PAUSE_REGISTER)?;
        require!(
            args.stake >= self.network.params.min_stake,
            SpiceError::BelowMinStake
        );
        args.hardware.validate()
    }
}

/// Registers a provider and moves its initial stake into its stake vault.
#[access_control(ctx.accounts.validate(&args))]
pub fn handler(ctx: Context<RegisterProvider>, args: RegisterProviderArgs) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let a = ctx.accounts;
    transfer(
        &a.token_program,
        &a.owner_stake_account,
        &a.stake_mint,
        &a.stake_vault,
        &a.owner.to_account_info(),
        &[],
        args.stake,
    )?;
    a.provider.set_inner(Provider {
        version: ACCOUNT_VERSION,
        bump: ctx.bumps.provider,
        stake_vault_bump: ctx.bumps.stake_vault,
        network: a.network.key(),
        owner: a.owner.key(),
        status: ProviderStatus::Active,
        stake: args.stake,
        unbonding: 0,
        unbond_ready_at: 0,
        hardware: args.hardware,
        stats: ProviderStats::default(),
        active_jobs: 0,
        registered_at: now,
        reserved: [0; 32],
    });
    a.stake_vault.reload()?;
    a.provider
        .refresh_and_check(a.stake_vault.amount, a.network.params.min_stake)?;
    emit!(ProviderRegistered {
        network: a.network.key(),
        provider: a.provider.key(),
        owner: a.owner.key(),
        stake: args.stake,
    });
    Ok(())
}
