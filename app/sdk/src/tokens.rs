//! Token helpers for wallets and test networks: associated token accounts (the address a
//! wallet's tokens live at by default) and plain mints.

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use anchor_lang::solana_program::program_pack::Pack;
use anchor_lang::solana_program::system_instruction;
use anchor_spl::associated_token::spl_associated_token_account as ata;
use anchor_spl::token_2022::spl_token_2022;

use crate::ledger::{LedgerError, Result};

/// Size of a mint without extensions (its rent is what [`create_mint`] needs).
pub const MINT_LEN: usize = spl_token_2022::state::Mint::LEN;

/// The associated token account of `wallet` for `mint` of `token_program`.
pub fn associated(wallet: &Pubkey, mint: &Pubkey, token_program: &Pubkey) -> Pubkey {
    ata::address::get_associated_token_address_with_program_id(wallet, mint, token_program)
}

/// Creates `wallet`'s associated token account if it does not exist (paid by `payer`).
pub fn create_associated(
    payer: &Pubkey,
    wallet: &Pubkey,
    mint: &Pubkey,
    token_program: &Pubkey,
) -> Instruction {
    ata::instruction::create_associated_token_account_idempotent(payer, wallet, mint, token_program)
}

fn token_error(e: impl std::fmt::Display) -> LedgerError {
    LedgerError::Backend(format!("token instruction: {e}"))
}

/// Instructions that create a mint without extensions at `mint` (a new keypair that signs),
/// `authority` minting; `lamports` is the rent of a base mint
/// (`spl_token_2022::state::Mint::LEN` bytes).
pub fn create_mint(
    payer: &Pubkey,
    mint: &Pubkey,
    authority: &Pubkey,
    decimals: u8,
    token_program: &Pubkey,
    lamports: u64,
) -> Result<Vec<Instruction>> {
    Ok(vec![
        system_instruction::create_account(
            payer,
            mint,
            lamports,
            spl_token_2022::state::Mint::LEN as u64,
            token_program,
        ),
        spl_token_2022::instruction::initialize_mint2(
            token_program,
            mint,
            authority,
            None,
            decimals,
        )
        .map_err(token_error)?,
    ])
}

/// Mints `amount` (base units) into `to`.
pub fn mint_to(
    token_program: &Pubkey,
    mint: &Pubkey,
    to: &Pubkey,
    authority: &Pubkey,
    amount: u64,
    decimals: u8,
) -> Result<Instruction> {
    spl_token_2022::instruction::mint_to_checked(
        token_program,
        mint,
        to,
        authority,
        &[],
        amount,
        decimals,
    )
    .map_err(token_error)
}

/// Moves `amount` from `from` (owned by `owner`) to `to`.
#[allow(clippy::too_many_arguments)]
pub fn transfer(
    token_program: &Pubkey,
    mint: &Pubkey,
    from: &Pubkey,
    to: &Pubkey,
    owner: &Pubkey,
    amount: u64,
    decimals: u8,
) -> Result<Instruction> {
    spl_token_2022::instruction::transfer_checked(
        token_program,
        from,
        mint,
        to,
        owner,
        &[],
        amount,
        decimals,
    )
    .map_err(token_error)
}
