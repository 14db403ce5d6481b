use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenInterface};

use crate::errors::SpiceError;
use crate::events::NetworkCreated;
use crate::pda_account;
use crate::state::{seeds, Network, NetworkParams, ACCOUNT_VERSION};
use crate::token::require_safe_mint;
use crate::window::OutflowWindow;

/// Arguments of `create_network`.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug)]
pub struct CreateNetworkArgs {
    /// The creator's id for the network (part of its address), so one creator can run several.
    pub id: u64,
    /// The network's authority; a multisig in production. May differ from the creator.
    pub authority: Pubkey,
    /// Initial parameters, checked against the hard bounds.
    pub params: NetworkParams,
    /// Accept mints with a freeze authority (USDC-like): that authority could freeze the
    /// network's vaults. Without this flag such mints are refused. Fixed for the network.
    pub allow_freeze_authority: bool,
}

#[derive(Accounts)]
#[instruction(args: CreateNetworkArgs)]
pub struct CreateNetwork<'info> {
    /// Pays the rent of the network and its vaults; part of the network's seeds, so nobody can
    /// take an address another creator will use.
    #[account(mut)]
    pub creator: Signer<'info>,

    /// CHECK: the new network (a Network), by its seeds; created by hand (see `pda_account`),
    /// so lamports sent to the address cannot block it.
    #[account(
        mut,
        seeds = [seeds::NETWORK, creator.key().as_ref(), &args.id.to_le_bytes()],
        bump,
    )]
    pub network: UncheckedAccount<'info>,

    /// Mint clients pay in; owned by `payment_token_program`.
    #[account(mint::token_program = payment_token_program)]
    pub payment_mint: Box<InterfaceAccount<'info, Mint>>,

    /// The network token (stake and rewards); owned by `stake_token_program`.
    #[account(mint::token_program = stake_token_program)]
    pub stake_mint: Box<InterfaceAccount<'info, Mint>>,

    /// CHECK: treasury vault of the payment mint (protocol fees), by its seeds; created here.
    #[account(
        mut,
        seeds = [seeds::TREASURY, network.key().as_ref(), payment_mint.key().as_ref()],
        bump,
    )]
    pub payment_treasury: UncheckedAccount<'info>,

    /// CHECK: treasury vault of the stake mint (the treasury's part of slashes), by its seeds.
    /// Passed only when the stake mint differs from the payment mint; otherwise the payment
    /// treasury serves.
    #[account(
        mut,
        seeds = [seeds::TREASURY, network.key().as_ref(), stake_mint.key().as_ref()],
        bump,
    )]
    pub stake_treasury: Option<UncheckedAccount<'info>>,

    /// CHECK: payouts vault of the payment mint (payments waiting for their payee), by its
    /// seeds; created here.
    #[account(
        mut,
        seeds = [seeds::PAYOUTS, network.key().as_ref(), payment_mint.key().as_ref()],
        bump,
    )]
    pub payment_payouts: UncheckedAccount<'info>,

    /// CHECK: payouts vault of the stake mint (slash shares waiting for their client), passed
    /// exactly when the mints differ.
    #[account(
        mut,
        seeds = [seeds::PAYOUTS, network.key().as_ref(), stake_mint.key().as_ref()],
        bump,
    )]
    pub stake_payouts: Option<UncheckedAccount<'info>>,

    /// CHECK: reward vault (stake mint), by its seeds: funded by anyone, pays claims.
    #[account(
        mut,
        seeds = [seeds::REWARD_VAULT, network.key().as_ref()],
        bump,
    )]
    pub reward_vault: UncheckedAccount<'info>,

    /// Token program of the payment mint (SPL Token or Token-2022).
    pub payment_token_program: Interface<'info, TokenInterface>,
    /// Token program of the stake mint.
    pub stake_token_program: Interface<'info, TokenInterface>,
    pub system_program: Program<'info, System>,
}

impl CreateNetwork<'_> {
    fn validate(&self, args: &CreateNetworkArgs) -> Result<()> {
        let mints_differ = self.payment_mint.key() != self.stake_mint.key();
        args.params.validate_for(!mints_differ)?;
        // Mints: nothing that can take custody away from the vaults, now or later.
        require_safe_mint(
            &self.payment_mint.to_account_info(),
            args.allow_freeze_authority,
        )?;
        require_safe_mint(
            &self.stake_mint.to_account_info(),
            args.allow_freeze_authority,
        )?;
        // Stake treasury and payouts: exactly when the mints differ (one vault per mint).
        require!(
            mints_differ == self.stake_treasury.is_some()
                && mints_differ == self.stake_payouts.is_some(),
            SpiceError::StakeTreasuryMismatch
        );
        Ok(())
    }
}

/// Creates a network with its treasury, payouts and reward vaults.
#[access_control(ctx.accounts.validate(&args))]
pub fn handler<'info>(
    ctx: Context<'info, CreateNetwork<'info>>,
    args: CreateNetworkArgs,
) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let a = &ctx.accounts;
    let bumps = &ctx.bumps;
    let creator = a.creator.to_account_info();
    let system = a.system_program.to_account_info();
    let network_key = a.network.key();

    let id_bytes = args.id.to_le_bytes();
    let network_seeds: &[&[u8]] = &[
        seeds::NETWORK,
        creator.key.as_ref(),
        &id_bytes,
        &[bumps.network],
    ];
    pda_account::create_pda(
        &a.network,
        &creator,
        &system,
        8 + Network::INIT_SPACE,
        network_seeds,
    )?;

    let (pay, stake) = (&a.payment_mint, &a.stake_mint);
    let (pay_prog, stake_prog) = (&a.payment_token_program, &a.stake_token_program);
    let vault = |info: AccountInfo<'info>, prefix: &[u8], bump: u8, on_stake: bool| {
        let (mint, program) = if on_stake {
            (stake, stake_prog)
        } else {
            (pay, pay_prog)
        };
        let mint_key = mint.key();
        let bump = [bump];
        // The reward vault's seeds carry no mint: there is one per network.
        let vault_seeds: Vec<&[u8]> = if prefix == seeds::REWARD_VAULT {
            vec![prefix, network_key.as_ref(), &bump]
        } else {
            vec![prefix, network_key.as_ref(), mint_key.as_ref(), &bump]
        };
        pda_account::create_token_account(
            &info,
            &creator,
            &system,
            &program.to_account_info(),
            &mint.to_account_info(),
            &network_key,
            &vault_seeds,
        )
    };
    vault(
        a.payment_treasury.to_account_info(),
        seeds::TREASURY,
        bumps.payment_treasury,
        false,
    )?;
    vault(
        a.payment_payouts.to_account_info(),
        seeds::PAYOUTS,
        bumps.payment_payouts,
        false,
    )?;
    if let (Some(info), Some(bump)) = (&a.stake_treasury, bumps.stake_treasury) {
        vault(info.to_account_info(), seeds::TREASURY, bump, true)?;
    }
    if let (Some(info), Some(bump)) = (&a.stake_payouts, bumps.stake_payouts) {
        vault(info.to_account_info(), seeds::PAYOUTS, bump, true)?;
    }
    vault(
        a.reward_vault.to_account_info(),
        seeds::REWARD_VAULT,
        bumps.reward_vault,
        true,
    )?;

    let network = Box::new(Network {
        version: ACCOUNT_VERSION,
        bump: bumps.network,
        reward_vault_bump: bumps.reward_vault,
        payment_treasury_bump: bumps.payment_treasury,
        stake_treasury_bump: bumps.stake_treasury.unwrap_or(bumps.payment_treasury),
        payment_payouts_bump: bumps.payment_payouts,
        stake_payouts_bump: bumps.stake_payouts.unwrap_or(bumps.payment_payouts),
        creator: a.creator.key(),
        id: args.id,
        authority: args.authority,
        pending_authority: None,
        payment_mint: pay.key(),
        stake_mint: stake.key(),
        payment_token_program: pay_prog.key(),
        stake_token_program: stake_prog.key(),
        freeze_authority_accepted: args.allow_freeze_authority,
        params: args.params,
        pending_params: None,
        pending_params_at: 0,
        paused: 0,
        claims_paused_at: 0,
        claims_paused_seconds: 0,
        claims_drain_from: 0,
        claims_drain_until: 0,
        genesis_ts: now,
        total_allocated: 0,
        total_claimed: 0,
        outflow: OutflowWindow::default(),
        attestor_count: 0,
        attestors_pending: 0,
        attestors_pending_until: 0,
        outflow_saturated_at: 0,
        reserved: [0; 30],
    });
    network.invariant()?;
    pda_account::store(&a.network, network.as_ref())?;
    emit!(NetworkCreated {
        network: network_key,
        creator: network.creator,
        id: network.id,
        authority: network.authority,
        payment_mint: network.payment_mint,
        stake_mint: network.stake_mint,
        freeze_authority_accepted: network.freeze_authority_accepted,
        params: network.params,
        genesis_ts: now,
    });
    Ok(())
}
