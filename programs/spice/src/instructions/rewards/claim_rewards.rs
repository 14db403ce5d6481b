use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};

use crate::constants::PAUSE_CLAIM;
use crate::curve::reward_share;
use crate::errors::SpiceError;
use crate::events::RewardClaimed;
use crate::network_signer;
use crate::state::{seeds, Epoch, Network, Provider, ProviderEpoch};
use crate::token::transfer;
use crate::window::{enforce, WindowError};

#[derive(Accounts)]
pub struct ClaimRewards<'info> {
    /// The provider's owner.
    pub owner: Signer<'info>,

    /// The network: claimed totals and the circuit breaker's window.
    #[account(mut)]
    pub network: Box<Account<'info, Network>>,

    /// The claiming provider.
    #[account(
        seeds = [seeds::PROVIDER, network.key().as_ref(), owner.key().as_ref()],
        bump = provider.bump,
        has_one = owner @ SpiceError::NotProviderOwner,
    )]
    pub provider: Box<Account<'info, Provider>>,

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
    // remaining accounts: (Epoch, ProviderEpoch, ProviderEpoch's rent payer) per epoch claimed.
}

/// The provider claims its rewards for any number of finalized epochs in one transaction:
/// `min(E × score / total_score, reward_per_fee_cap × fees)` each, rounded down. Each
/// ProviderEpoch closes (rent to whoever paid it), so an epoch cannot be claimed twice. The
/// total passes the circuit breaker's rolling window.
pub fn handler<'info>(ctx: Context<'info, ClaimRewards<'info>>) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let a = &mut *ctx.accounts;
    a.network.require_not_paused(PAUSE_CLAIM)?;
    require!(
        !ctx.remaining_accounts.is_empty()
            && ctx
                .remaining_accounts
                .chunks_exact(3)
                .remainder()
                .is_empty(),
        SpiceError::InvalidClaimAccounts
    );
    let network_key = a.network.key();
    let provider_key = a.provider.key();
    let params = a.network.params;
    let current = a.network.current_epoch(now)?;

    let mut total: u64 = 0;
    for triple in ctx.remaining_accounts.chunks(3) {
        let [epoch_info, pe_info, payer] = triple else {
            return err!(SpiceError::InvalidClaimAccounts);
        };
        let mut epoch: Account<'info, Epoch> = Account::try_from(epoch_info)?;
        let pe: Account<'info, ProviderEpoch> = Account::try_from(pe_info)?;
        require_keys_eq!(epoch.network, network_key, SpiceError::WrongNetwork);
        require!(
            pe.provider == provider_key && pe.epoch == epoch.index,
            SpiceError::NotYourProviderEpoch
        );
        require_keys_eq!(payer.key(), pe.payer, SpiceError::WrongRentPayer);
        require!(
            a.network.in_claim_window(epoch.index, current)?,
            SpiceError::ClaimWindowClosed
        );

        let reward = reward_share(
            epoch.emission,
            pe.score,
            epoch.total_score,
            pe.fees,
            params.reward_per_fee_cap_bps,
        )?;
        epoch.claimed = epoch
            .claimed
            .checked_add(reward)
            .ok_or(SpiceError::MathOverflow)?;
        require!(
            epoch.claimed <= epoch.emission,
            SpiceError::InvariantViolated
        );
        epoch.exit(&crate::ID)?;
        emit!(RewardClaimed {
            provider: provider_key,
            epoch: epoch.index,
            score: pe.score,
            fees: pe.fees,
            amount: reward,
        });
        pe.close(payer.clone())?;
        total = total.checked_add(reward).ok_or(SpiceError::MathOverflow)?;
    }

    let network = &mut a.network;
    network.outflow_in_window = match enforce(
        network.outflow_in_window,
        network.outflow_window_start,
        now,
        params.outflow_window_seconds,
        total,
        params.max_reward_outflow_per_window,
    ) {
        Ok(in_window) => in_window,
        Err(WindowError::Exceeded { available }) => {
            msg!("reward outflow available now: {}", available);
            return err!(SpiceError::RewardOutflowLimit);
        }
        Err(WindowError::Invalid) => return err!(SpiceError::MathOverflow),
    };
    network.outflow_window_start = now;
    network.total_claimed = network
        .total_claimed
        .checked_add(total)
        .ok_or(SpiceError::MathOverflow)?;
    network.invariant()?;

    network_signer!(network, signer);
    transfer(
        &a.token_program,
        &a.reward_vault,
        &a.stake_mint,
        &a.destination,
        &network.to_account_info(),
        signer,
        total,
    )
}
