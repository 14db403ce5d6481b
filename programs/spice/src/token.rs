//! Token movements. Every transfer is a `transfer_checked` through the token interface, so SPL
//! Token and Token-2022 mints behave alike; vault authorities are PDAs that sign with their
//! seeds. A mint is screened every time tokens move through it ([`ScreenedMint`]), not only at
//! `create_network`, and a payout goes to the payee's token account only if that account will
//! take it ([`payee_accepts`]): otherwise it waits in the network's payouts vault.

use anchor_lang::prelude::*;
use anchor_spl::token_2022::spl_token_2022::{
    self,
    extension::{
        memo_transfer::MemoTransfer, mint_close_authority::MintCloseAuthority,
        BaseStateWithExtensions, ExtensionType, StateWithExtensions,
    },
    state::AccountState,
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
/// A close authority is accepted only when it is unset: a mint that can be closed (at zero
/// supply) can be re-created at the same address with any extension.
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

/// Token-account extensions with which an account still takes an incoming transfer: an
/// immutable owner, a CPI guard (it guards outgoing transfers), and required memos when they
/// are switched off.
const PAYEE_ACCOUNT_EXTENSIONS: &[ExtensionType] = &[
    ExtensionType::ImmutableOwner,
    ExtensionType::CpiGuard,
    ExtensionType::MemoTransfer,
];

/// Refuses a mint that could take custody away from the network's vaults: a Token-2022
/// extension outside [`ALLOWED_MINT_EXTENSIONS`], a set close authority, or a freeze authority
/// unless `freeze_accepted` (the network creator's explicit opt-in, stored in the Network).
pub fn require_safe_mint(mint: &AccountInfo, freeze_accepted: bool) -> Result<()> {
    let data = mint.try_borrow_data()?;
    let state = StateWithExtensions::<spl_token_2022::state::Mint>::unpack(&data)?;
    if state.base.freeze_authority.is_some() && !freeze_accepted {
        msg!("mint {} has a freeze authority", mint.key);
        return err!(SpiceError::FreezeAuthorityNotAccepted);
    }
    if *mint.owner != spl_token_2022::ID {
        // SPL Token mints have no extensions and cannot be closed.
        return Ok(());
    }
    for ext in state.get_extension_types()? {
        if !ALLOWED_MINT_EXTENSIONS.contains(&ext) {
            msg!("refused mint extension: {:?}", ext);
            return err!(SpiceError::UnsupportedMintExtension);
        }
    }
    if let Ok(close) = state.get_extension::<MintCloseAuthority>() {
        if Option::<Pubkey>::from(close.close_authority).is_some() {
            msg!("mint {} has a close authority", mint.key);
            return err!(SpiceError::MintCloseAuthority);
        }
    }
    Ok(())
}

/// A network mint screened in this instruction: tokens move only through a `ScreenedMint`.
pub struct ScreenedMint<'a, 'info>(&'a InterfaceAccount<'info, Mint>);

impl<'a, 'info> ScreenedMint<'a, 'info> {
    /// Screens `mint` with [`require_safe_mint`].
    pub fn new(mint: &'a InterfaceAccount<'info, Mint>, freeze_accepted: bool) -> Result<Self> {
        require_safe_mint(&mint.to_account_info(), freeze_accepted)?;
        Ok(Self(mint))
    }

    /// The mint account.
    pub fn account(&self) -> &'a InterfaceAccount<'info, Mint> {
        self.0
    }
}

/// Moves `amount` with `transfer_checked`; a zero amount is a no-op. `to` is any account of
/// the mint (the caller has checked it is the right one).
pub fn transfer<'info>(
    token_program: &Interface<'info, TokenInterface>,
    from: &AccountInfo<'info>,
    mint: &ScreenedMint<'_, 'info>,
    to: &AccountInfo<'info>,
    authority: &AccountInfo<'info>,
    signer_seeds: &[&[&[u8]]],
    amount: u64,
) -> Result<()> {
    if amount == 0 {
        return Ok(());
    }
    let accounts = TransferChecked {
        from: from.clone(),
        mint: mint.account().to_account_info(),
        to: to.clone(),
        authority: authority.clone(),
    };
    let ctx = CpiContext::new_with_signer(token_program.key(), accounts, signer_seeds);
    transfer_checked(ctx, amount, mint.account().decimals)
}

/// Whether `account` will take a transfer of `amount` tokens of `mint` for `payee`: an
/// initialized, unfrozen token account of the mint's token program and of that mint, owned by
/// the payee, with no extension that refuses incoming transfers (required memos, confidential
/// credits only, …) and room for the amount. Anything else — a closed account, a changed owner,
/// a frozen account — is refused, and the payout waits for the payee in the payouts vault.
pub fn payee_accepts(
    account: &AccountInfo,
    mint: &Pubkey,
    token_program: &Pubkey,
    payee: &Pubkey,
    amount: u64,
) -> bool {
    if account.owner != token_program {
        return false;
    }
    let Ok(data) = account.try_borrow_data() else {
        return false;
    };
    let Ok(state) = StateWithExtensions::<spl_token_2022::state::Account>::unpack(&data) else {
        return false;
    };
    let base = &state.base;
    if base.mint != *mint
        || base.owner != *payee
        || base.state != AccountState::Initialized
        || base.amount.checked_add(amount).is_none()
    {
        return false;
    }
    let Ok(extensions) = state.get_extension_types() else {
        return false;
    };
    if extensions
        .iter()
        .any(|e| !PAYEE_ACCOUNT_EXTENSIONS.contains(e))
    {
        return false;
    }
    match state.get_extension::<MemoTransfer>() {
        Ok(memo) => !bool::from(memo.require_incoming_transfer_memos),
        Err(_) => true,
    }
}

/// The Associated Token Account program. Payouts to a participant go to its associated token
/// account (`[owner, token program, mint]` under this program) if it will take them: a
/// deterministic address, so whoever sends a settlement has no say in where the counterparty is
/// paid.
pub const ASSOCIATED_TOKEN_PROGRAM: Pubkey = anchor_spl::associated_token::ID;

/// The balance of the token account `account` (one the program created and knows).
pub fn amount_of(account: &AccountInfo) -> Result<u64> {
    let data = account.try_borrow_data()?;
    Ok(
        StateWithExtensions::<spl_token_2022::state::Account>::unpack(&data)?
            .base
            .amount,
    )
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
