//! Token movements. Every transfer is a `transfer_checked` through the token interface, so SPL
//! Token and Token-2022 mints behave alike; vault authorities are PDAs that sign with their seeds.

use anchor_lang::prelude::*;
use anchor_spl::token_2022::spl_token_2022::{
    self,
    extension::{BaseStateWithExtensions, ExtensionType, StateWithExtensions},
};
use anchor_spl::token_interface::{
    close_account, transfer_checked, CloseAccount, Mint, TokenAccount, TokenInterface,
    TransferChecked,
};

use crate::errors::SpiceError;

/// Token-2022 mint extensions a network accepts. Everything else is refused, including
/// extensions added to Token-2022 later: transfer fees and hooks would make vault balances differ
/// from recorded amounts, a permanent delegate or pausable mint could move or freeze custody,
/// confidential transfers hide balances from the audit, a default frozen state would lock vaults.
const ALLOWED_MINT_EXTENSIONS: &[ExtensionType] = &[
    ExtensionType::MintCloseAuthority,
    ExtensionType::InterestBearingConfig,
    ExtensionType::ScaledUiAmount,
    ExtensionType::MetadataPointer,
    ExtensionType::TokenMetadata,
    ExtensionType::GroupPointer,
    ExtensionType::TokenGroup,
    ExtensionType::GroupMemberPointer,
    ExtensionType::TokenGroupMember,
];

/// Refuses a Token-2022 mint that carries an extension outside [`ALLOWED_MINT_EXTENSIONS`].
/// SPL Token mints have no extensions.
pub fn require_safe_mint(mint: &AccountInfo) -> Result<()> {
    if *mint.owner != spl_token_2022::ID {
        return Ok(());
    }
    let data = mint.try_borrow_data()?;
    let state = StateWithExtensions::<spl_token_2022::state::Mint>::unpack(&data)?;
    for ext in state.get_extension_types()? {
        if !ALLOWED_MINT_EXTENSIONS.contains(&ext) {
            msg!("refused mint extension: {:?}", ext);
            return err!(SpiceError::UnsupportedMintExtension);
        }
    }
    Ok(())
}

/// Moves `amount` with `transfer_checked`; a zero amount is a no-op.
pub fn transfer<'info>(
    token_program: &Interface<'info, TokenInterface>,
    from: &InterfaceAccount<'info, TokenAccount>,
    mint: &InterfaceAccount<'info, Mint>,
    to: &InterfaceAccount<'info, TokenAccount>,
    authority: &AccountInfo<'info>,
    signer_seeds: &[&[&[u8]]],
    amount: u64,
) -> Result<()> {
    if amount == 0 {
        return Ok(());
    }
    let accounts = TransferChecked {
        from: from.to_account_info(),
        mint: mint.to_account_info(),
        to: to.to_account_info(),
        authority: authority.clone(),
    };
    let ctx = CpiContext::new_with_signer(token_program.key(), accounts, signer_seeds);
    transfer_checked(ctx, amount, mint.decimals)
}

/// Closes an emptied PDA-owned vault, sending its rent to `destination` (who paid it).
pub fn close_vault<'info>(
    token_program: &Interface<'info, TokenInterface>,
    vault: &InterfaceAccount<'info, TokenAccount>,
    destination: &AccountInfo<'info>,
    authority: &AccountInfo<'info>,
    signer_seeds: &[&[&[u8]]],
) -> Result<()> {
    let accounts = CloseAccount {
        account: vault.to_account_info(),
        destination: destination.clone(),
        authority: authority.clone(),
    };
    close_account(CpiContext::new_with_signer(
        token_program.key(),
        accounts,
        signer_seeds,
    ))
}
