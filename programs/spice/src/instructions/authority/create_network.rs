use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};

use crate::errors::SpiceError;
use crate::events::NetworkCreated;
use crate::state::{seeds, Network, NetworkParams, ACCOUNT_VERSION};
use crate::token::require_safe_mint;

/// Arguments of `create_network`.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug)]
pub struct CreateNetworkArgs {
    /// The creator's id for the network (part of its address), so one creator can run several.
    pub id: u64,
    /// The network's authority; a multisig in production. May differ from the creator.
    pub authority: Pubkey,
    /// Initial parameters, checked against the hard bounds.
    pub params: NetworkParams,
}

#[derive(Accounts)]
#[instruction(args: CreateNetworkArgs)]
pub struct CreateNetwork<'info> {
    /// Pays the rent of the network and its vaults; part of the network's seeds, so nobody can
    /// take an address another creator will use.
    #[account(mut)]
    pub creator: Signer<'info>,

    /// The new network.
    #[account(
        init,
        payer = creator,
        space = 8 + Network::INIT_SPACE,
        seeds = [seeds::NETWORK, creator.key().as_ref(), &args.id.to_le_bytes()],
        bump,
    )]
    pub network: Box<Account<'info, Network>>,

    /// Mint clients pay in; owned by `payment_token_program`.
    #[account(mint::token_program = payment_token_program)]
    pub payment_mint: Box<InterfaceAccount<'info, Mint>>,

    /// The network token (stake and rewards); owned by `stake_token_program`.
    #[account(mint::token_program = stake_token_program)]
    pub stake_mint: Box<InterfaceAccount<'info, Mint>>,

    /// Treasury vault of the payment mint: receives protocol fees.
    #[account(
        init,
        payer = creator,
        seeds = [seeds::TREASURY, network.key().as_ref(), payment_mint.key().as_ref()],
        bump,
        token::mint = payment_mint,
        token::authority = network,
        token::token_program = payment_token_program,
    )]
    pub payment_treasury: Box<InterfaceAccount<'info, TokenAccount>>,

    /// Treasury vault of the stake mint: receives the treasury's part of slashes. Passed only
    /// when the stake mint differs from the payment mint; otherwise the payment treasury serves.
    #[account(
        init,
        payer = creator,
        seeds = [seeds::TREASURY, network.key().as_ref(), stake_mint.key().as_ref()],
        bump,
        token::mint = stake_mint,
        token::authority = network,
        token::token_program = stake_token_program,
    )]
    pub stake_treasury: Option<Box<InterfaceAccount<'info, TokenAccount>>>,

    /// Reward vault (stake mint): funded by anyone, pays claims.
    #[account(
        init,
        payer = creator,
        seeds = [seeds::REWARD_VAULT, network.key().as_ref()],
        bump,
        token::mint = stake_mint,
        token::authority = network,
        token::token_program = stake_token_program,
    )]
    pub reward_vault: Box<InterfaceAccount<'info, TokenAccount>>,

    /// Token program of the payment mint (SPL Token or Token-2022).
    pub payment_token_program: Interface<'info, TokenInterface>,
    /// Token program of the stake mint.
    pub stake_token_program: Interface<'info, TokenInterface>,
    pub system_program: Program<'info, System>,
}

impl CreateNetwork<'_> {
    fn validate(&self, args: &CreateNetworkArgs) -> Result<()> {
        args.params.validate()?;
        // Mints: extensions that break escrow accounting or custody are refused.
        require_safe_mint(&self.payment_mint.to_account_info())?;
        require_safe_mint(&self.stake_mint.to_account_info())?;
        // Stake treasury: exactly when the mints differ (one treasury per mint).
        let mints_differ = self.payment_mint.key() != self.stake_mint.key();
        require!(
            mints_differ == self.stake_treasury.is_some(),
            SpiceError::StakeTreasuryMismatch
        );
        Ok(())
    }
}

/// Creates a network with its treasury and reward vaults.
#[access_control(ctx.accounts.validate(&args))]
pub fn handler(ctx: Context<CreateNetwork>, args: CreateNetworkArgs) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let stake_treasury_bump = ctx
        .bumps
        .stake_treasury
        .unwrap_or(ctx.bumps.payment_treasury);
    let network = &mut ctx.accounts.network;
    network.set_inner(Network {
        version: ACCOUNT_VERSION,
        bump: ctx.bumps.network,
        reward_vault_bump: ctx.bumps.reward_vault,
        payment_treasury_bump: ctx.bumps.payment_treasury,
        stake_treasury_bump,
        creator: ctx.accounts.creator.key(),
        id: args.id,
        authority: args.authority,
        pending_authority: None,
        payment_mint: ctx.accounts.payment_mint.key(),
        stake_mint: ctx.accounts.stake_mint.key(),
        payment_token_program: ctx.accounts.payment_token_program.key(),
        stake_token_program: ctx.accounts.stake_token_program.key(),
        params: args.params,
        paused: 0,
        genesis_ts: now,
        total_allocated: 0,
        total_claimed: 0,
        outflow_window_start: now,
        outflow_in_window: 0,
        attestor_count: 0,
        reserved: [0; 64],
    });
    network.invariant()?;
    emit!(NetworkCreated {
        network: network.key(),
        creator: network.creator,
        id: network.id,
        authority: network.authority,
        payment_mint: network.payment_mint,
        stake_mint: network.stake_mint,
        params: network.params,
        genesis_ts: now,
    });
    Ok(())
}
