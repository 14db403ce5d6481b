//! Token accounts as the RPC reports them: the amounts of `getTokenAccountBalance` and of a
//! transaction's token balances, and the mint data `jsonParsed` needs — all through the
//! account decoder the validator uses (`solana-account-decoder`), given what it asks for: the
//! mint's decimals and its interest-bearing or scaled-UI-amount configuration at the chain's
//! time.

use anchor_spl::token_2022::spl_token_2022::extension::interest_bearing_mint::InterestBearingConfig;
use anchor_spl::token_2022::spl_token_2022::extension::scaled_ui_amount::ScaledUiAmountConfig;
use anchor_spl::token_2022::spl_token_2022::extension::{
    BaseStateWithExtensions, StateWithExtensions,
};
use anchor_spl::token_2022::spl_token_2022::state::{Account as TokenState, Mint as MintState};
use solana_account_decoder::parse_account_data::{
    AccountAdditionalDataV3, SplTokenAdditionalDataV2,
};
use solana_account_decoder::parse_address_lookup_table::{
    parse_address_lookup_table, LookupTableAccountType,
};
use solana_account_decoder::parse_token::token_amount_to_ui_amount_v3;
use solana_account_decoder_client_types::token::UiTokenAmount;
use solana_sdk::account::Account;
use solana_sdk::clock::UnixTimestamp;
use solana_sdk::pubkey::Pubkey;
use solana_transaction_status_client_types::TransactionTokenBalance;

/// SPL Token or Token-2022.
pub fn is_token_program(program: &Pubkey) -> bool {
    *program == anchor_spl::token::ID || *program == anchor_spl::token_2022::ID
}

/// The token account in `account` (of either token program), if it is one.
pub fn token_account(account: &Account) -> Option<TokenState> {
    if !is_token_program(&account.owner) {
        return None;
    }
    StateWithExtensions::<TokenState>::unpack(&account.data)
        .ok()
        .map(|s| s.base)
}

/// The supply of the mint in `mint` (of either token program), if it is one.
pub fn mint_supply(mint: &Account) -> Option<u64> {
    if !is_token_program(&mint.owner) {
        return None;
    }
    StateWithExtensions::<MintState>::unpack(&mint.data)
        .ok()
        .map(|s| s.base.supply)
}

/// What the decoder needs of a mint to show amounts: its decimals, and the configuration of
/// the Token-2022 extensions that change the UI amount, at unix time `now`.
pub fn mint_data(mint: &Account, now: UnixTimestamp) -> Option<SplTokenAdditionalDataV2> {
    if !is_token_program(&mint.owner) {
        return None;
    }
    let state = StateWithExtensions::<MintState>::unpack(&mint.data).ok()?;
    Some(SplTokenAdditionalDataV2 {
        decimals: state.base.decimals,
        interest_bearing_config: state
            .get_extension::<InterestBearingConfig>()
            .ok()
            .map(|c| (*c, now)),
        scaled_ui_amount_config: state
            .get_extension::<ScaledUiAmountConfig>()
            .ok()
            .map(|c| (*c, now)),
    })
}

/// The extra data `jsonParsed` needs for `account` (a token account's mint data), if any.
pub fn additional_data(
    account: &Account,
    mint_of: impl Fn(&Pubkey) -> Option<Account>,
    now: UnixTimestamp,
) -> Option<AccountAdditionalDataV3> {
    let state = token_account(account)?;
    let mint = mint_of(&state.mint)?;
    Some(AccountAdditionalDataV3 {
        spl_token_additional_data: mint_data(&mint, now),
    })
}

/// The balance of the token account `account`, in its mint's units.
pub fn amount(
    account: &Account,
    mint_of: impl Fn(&Pubkey) -> Option<Account>,
    now: UnixTimestamp,
) -> Option<UiTokenAmount> {
    let state = token_account(account)?;
    let data = mint_data(&mint_of(&state.mint)?, now)?;
    Some(token_amount_to_ui_amount_v3(state.amount, &data))
}

/// The token balance of account `index` of a transaction, if it is a token account.
pub fn transaction_token_balance(
    index: u8,
    account: &Account,
    mint_of: impl Fn(&Pubkey) -> Option<Account>,
    now: UnixTimestamp,
) -> Option<TransactionTokenBalance> {
    let state = token_account(account)?;
    let ui_token_amount = amount(account, mint_of, now)?;
    Some(TransactionTokenBalance {
        account_index: index,
        mint: state.mint.to_string(),
        ui_token_amount,
        owner: state.owner.to_string(),
        program_id: account.owner.to_string(),
    })
}

/// The addresses an address lookup table holds.
pub fn lookup_table_addresses(data: &[u8]) -> Option<Vec<Pubkey>> {
    match parse_address_lookup_table(data).ok()? {
        LookupTableAccountType::LookupTable(table) => {
            table.addresses.iter().map(|a| a.parse().ok()).collect()
        }
        LookupTableAccountType::Uninitialized => None,
    }
}
