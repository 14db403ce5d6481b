use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};

use crate::constants::PAUSE_REGISTER;
use crate::errors::SpiceError;
use crate::events::ProviderRegistered;
use crate::pda_account;
use crate::state::{
    seeds, HardwareSpec, Network, Provider, ProviderStats, ProviderStatus, ACCOUNT_VERSION,
};
use crate::token::{amount_of, transfer, ScreenedMint};

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

    /// CHECK: the new provider account (a Provider), by its seeds; created by hand (see
    /// `pda_account`), so lamports sent to the address cannot block the registration.
    #[account(
        mut,
        seeds = [seeds::PROVIDER, network.key().as_ref(), owner.key().as_ref()],
        bump,
    )]
    pub provider: UncheckedAccount<'info>,

    /// The network's stake mint.
    #[account(address = network.stake_mint @ SpiceError::WrongMint)]
    pub stake_mint: Box<InterfaceAccount<'info, Mint>>,

    /// CHECK: the provider's own stake vault, by its seeds; created here as a token account of
    /// the stake mint owned by the Provider PDA.
    #[account(
        mut,
        seeds = [seeds::STAKE_VAULT, provider.key().as_ref()],
        bump,
    )]
    pub stake_vault: UncheckedAccount<'info>,

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
        // Provider: not registered (a closed provider's address can register again).
        require!(
            !pda_account::exists(&self.provider),
            SpiceError::AlreadyInUse
        );
        args.hardware.validate()
    }
}

/// Registers a provider and moves its initial stake into its stake vault.
#[access_control(ctx.accounts.validate(&args))]
pub fn handler(ctx: Context<RegisterProvider>, args: RegisterProviderArgs) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let a = &ctx.accounts;
    let owner = a.owner.to_account_info();
    let system = a.system_program.to_account_info();
    let network_key = a.network.key();
    let provider_key = a.provider.key();
    let owner_key = a.owner.key();

    let provider_bump = [ctx.bumps.provider];
    let provider_seeds: &[&[u8]] = &[
        seeds::PROVIDER,
        network_key.as_ref(),
        owner_key.as_ref(),
        &provider_bump,
    ];
    pda_account::create_pda(
        &a.provider,
        &owner,
        &system,
        8 + Provider::INIT_SPACE,
        provider_seeds,
    )?;
    let vault_bump = [ctx.bumps.stake_vault];
    let vault_seeds: &[&[u8]] = &[seeds::STAKE_VAULT, provider_key.as_ref(), &vault_bump];
    pda_account::create_token_account(
        &a.stake_vault,
        &owner,
        &system,
        &a.token_program.to_account_info(),
        &a.stake_mint.to_account_info(),
        &provider_key,
        vault_seeds,
    )?;

    let mint = ScreenedMint::new(&a.stake_mint, a.network.freeze_authority_accepted)?;
    transfer(
        &a.token_program,
        &a.owner_stake_account.to_account_info(),
        &mint,
        &a.stake_vault,
        &owner,
        &[],
        args.stake,
    )?;
    let mut provider = Box::new(Provider {
        version: ACCOUNT_VERSION,
        bump: ctx.bumps.provider,
        stake_vault_bump: ctx.bumps.stake_vault,
        network: network_key,
        owner: owner_key,
        status: ProviderStatus::Active,
        stake: args.stake,
        unbonding: 0,
        unbond_ready_at: 0,
        hardware: args.hardware,
        stats: ProviderStats::default(),
        active_jobs: 0,
        locked: 0,
        exposure: 0,
        owed_payment: 0,
        registered_at: now,
        reserved: [0; 32],
    });
    provider.refresh_and_check(amount_of(&a.stake_vault)?, a.network.params.min_stake)?;
    pda_account::store(&a.provider, provider.as_ref())?;
    emit!(ProviderRegistered {
        network: network_key,
        provider: provider_key,
        owner: owner_key,
        stake: args.stake,
    });
    Ok(())
}
