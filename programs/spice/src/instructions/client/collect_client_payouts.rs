use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};

use crate::errors::SpiceError;
use crate::events::PayoutsCollected;
use crate::network_signer;
use crate::state::{seeds, Client, Network};
use crate::token::{transfer, ScreenedMint};

#[derive(Accounts)]
pub struct CollectClientPayouts<'info> {
    /// The client's network.
    pub network: Box<Account<'info, Network>>,

    /// CHECK: the client's wallet address; nothing is read from it (its record is found by it).
    pub client: UncheckedAccount<'info>,

    /// The client's record: refunds and slash shares its token accounts refused.
    #[account(
        mut,
        seeds = [seeds::CLIENT, network.key().as_ref(), client.key().as_ref()],
        bump = client_record.bump,
    )]
    pub client_record: Box<Account<'info, Client>>,

    /// The network's payment-mint payouts vault.
    #[account(
        mut,
        seeds = [seeds::PAYOUTS, network.key().as_ref(), network.payment_mint.as_ref()],
        bump = network.payment_payouts_bump,
    )]
    pub payment_payouts: Box<InterfaceAccount<'info, TokenAccount>>,

    /// The network's stake-mint payouts vault (the payment one on a one-mint network).
    #[account(
        mut,
        dup,
        seeds = [seeds::PAYOUTS, network.key().as_ref(), network.stake_mint.as_ref()],
        bump = network.stake_payouts_bump,
    )]
    pub stake_payouts: Box<InterfaceAccount<'info, TokenAccount>>,

    /// A payment-mint token account of the client: receives owed refunds (and, on a one-mint
    /// network, owed slash shares). Whoever sends this transaction, the tokens go to the client.
    #[account(
        mut,
        token::mint = payment_mint,
        token::token_program = payment_token_program,
        constraint = payment_destination.owner == client.key() @ SpiceError::WrongPayee,
    )]
    pub payment_destination: Box<InterfaceAccount<'info, TokenAccount>>,

    /// A stake-mint token account of the client: receives owed slash shares (the same account
    /// as the payment destination on a one-mint network).
    #[account(
        mut,
        dup,
        token::mint = stake_mint,
        token::token_program = stake_token_program,
        constraint = stake_destination.owner == client.key() @ SpiceError::WrongPayee,
    )]
    pub stake_destination: Box<InterfaceAccount<'info, TokenAccount>>,

    /// The network's payment mint.
    #[account(address = network.payment_mint @ SpiceError::WrongMint)]
    pub payment_mint: Box<InterfaceAccount<'info, Mint>>,

    /// The network's stake mint.
    #[account(address = network.stake_mint @ SpiceError::WrongMint)]
    pub stake_mint: Box<InterfaceAccount<'info, Mint>>,

    /// The payment mint's token program.
    #[account(address = network.payment_token_program @ SpiceError::WrongTokenProgram)]
    pub payment_token_program: Interface<'info, TokenInterface>,

    /// The stake mint's token program.
    #[account(address = network.stake_token_program @ SpiceError::WrongTokenProgram)]
    pub stake_token_program: Interface<'info, TokenInterface>,
}

/// Anyone pays a client the refunds and slash shares its token accounts refused into token
/// accounts of that client. An exit: works while paused.
pub fn handler(ctx: Context<CollectClientPayouts>) -> Result<()> {
    let a = ctx.accounts;
    let (payment, stake) = a.client_record.take_owed();
    require!(payment > 0 || stake > 0, SpiceError::NothingToCollect);
    let freeze = a.network.freeze_authority_accepted;
    network_signer!(a.network, signer);
    let authority = a.network.to_account_info();
    let payment_mint = ScreenedMint::new(&a.payment_mint, freeze)?;
    transfer(
        &a.payment_token_program,
        &a.payment_payouts.to_account_info(),
        &payment_mint,
        &a.payment_destination.to_account_info(),
        &authority,
        signer,
        payment,
    )?;
    let stake_mint = ScreenedMint::new(&a.stake_mint, freeze)?;
    transfer(
        &a.stake_token_program,
        &a.stake_payouts.to_account_info(),
        &stake_mint,
        &a.stake_destination.to_account_info(),
        &authority,
        signer,
        stake,
    )?;
    emit!(PayoutsCollected {
        network: a.network.key(),
        payee: a.client_record.client,
        payment_amount: payment,
        stake_amount: stake,
    });
    Ok(())
}
