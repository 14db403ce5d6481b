//! Every account the program creates is created here, never with Anchor's `init`.
//!
//! Anchor 1.2.2's `init` creates an address that already holds lamports with the system
//! program's `CreateAccountAllowPrefund`, which runtimes before that feature (Agave 3.1, the one
//! the tests run) refuse. Anyone could then send a few lamports to a network's, provider's,
//! job's or vault's future address, or to the next epoch's shard or book page, and block it.
//! Here an empty address is created with `create_account`, and a pre-funded one with the classic
//! top-up, `allocate`, `assign`, which every runtime accepts. Token vaults are created the same
//! way, assigned to their token program and initialized with `initialize_account3`.

use anchor_lang::prelude::*;
use anchor_lang::solana_program::program_pack::Pack;
use anchor_lang::system_program::{self, Allocate, Assign, CreateAccount, Transfer};
use anchor_spl::token_2022::spl_token_2022::{
    self,
    extension::{BaseStateWithExtensions, ExtensionType, StateWithExtensions},
};

use crate::errors::SpiceError;

/// Creates the PDA `target` (its `seeds` include the bump) as a `space`-byte account of this
/// program, with rent from `payer`, whether or not the address was pre-funded.
pub fn create_pda<'info>(
    target: &AccountInfo<'info>,
    payer: &AccountInfo<'info>,
    system: &AccountInfo<'info>,
    space: usize,
    seeds: &[&[u8]],
) -> Result<()> {
    create_owned(target, payer, system, space, seeds, &crate::ID)
}

/// [`create_pda`] for an account owned by `owner` (a token program, for vaults).
fn create_owned<'info>(
    target: &AccountInfo<'info>,
    payer: &AccountInfo<'info>,
    system: &AccountInfo<'info>,
    space: usize,
    seeds: &[&[u8]],
    owner: &Pubkey,
) -> Result<()> {
    // An account that already has data or another owner is in use: never take it over.
    require!(
        target.data_is_empty() && target.owner == &System::id(),
        SpiceError::AlreadyInUse
    );
    let rent = Rent::get()?.minimum_balance(space);
    let current = target.lamports();
    let signer: &[&[&[u8]]] = &[seeds];
    if current == 0 {
        let accounts = CreateAccount {
            from: payer.clone(),
            to: target.clone(),
        };
        return system_program::create_account(
            CpiContext::new_with_signer(system.key(), accounts, signer),
            rent,
            space as u64,
            owner,
        );
    }
    if rent > current {
        let accounts = Transfer {
            from: payer.clone(),
            to: target.clone(),
        };
        system_program::transfer(CpiContext::new(system.key(), accounts), rent - current)?;
    }
    let allocate = Allocate {
        account_to_allocate: target.clone(),
    };
    system_program::allocate(
        CpiContext::new_with_signer(system.key(), allocate, signer),
        space as u64,
    )?;
    let assign = Assign {
        account_to_assign: target.clone(),
    };
    system_program::assign(
        CpiContext::new_with_signer(system.key(), assign, signer),
        owner,
    )
}

/// Creates the token account PDA `target` (seeds with bump) of `mint`, owned by `authority`,
/// sized for the mint's required account extensions, whether or not the address was
/// pre-funded.
pub fn create_token_account<'info>(
    target: &AccountInfo<'info>,
    payer: &AccountInfo<'info>,
    system: &AccountInfo<'info>,
    token_program: &AccountInfo<'info>,
    mint: &AccountInfo<'info>,
    authority: &Pubkey,
    seeds: &[&[u8]],
) -> Result<()> {
    let space = token_account_len(mint)?;
    create_owned(target, payer, system, space, seeds, token_program.key)?;
    let ix = spl_token_2022::instruction::initialize_account3(
        token_program.key,
        target.key,
        mint.key,
        authority,
    )?;
    anchor_lang::solana_program::program::invoke(
        &ix,
        &[target.clone(), mint.clone(), token_program.clone()],
    )?;
    Ok(())
}

/// Size of a token account of `mint`: 165 bytes for SPL Token, plus the account extensions a
/// Token-2022 mint's extensions require.
fn token_account_len(mint: &AccountInfo) -> Result<usize> {
    if *mint.owner != spl_token_2022::ID {
        return Ok(spl_token_2022::state::Account::LEN);
    }
    let data = mint.try_borrow_data()?;
    let state = StateWithExtensions::<spl_token_2022::state::Mint>::unpack(&data)?;
    let required =
        ExtensionType::get_required_init_account_extensions(&state.get_extension_types()?);
    Ok(ExtensionType::try_calculate_account_len::<
        spl_token_2022::state::Account,
    >(&required)?)
}

/// Where the rent of a job (and its vault) goes: the client's wallet, unless the client made
/// that address an executable program account (which no lamports may be credited to), in
/// which case its client record takes them so that closing the job cannot fail.
pub fn rent_destination<'a, 'info>(
    client: &'a AccountInfo<'info>,
    client_record: &'a AccountInfo<'info>,
) -> &'a AccountInfo<'info> {
    if client.executable {
        client_record
    } else {
        client
    }
}

/// Checks that `info` is the PDA of `seeds` (without the bump) and returns its bump: for the
/// accounts whose seeds depend on the clock or on page arithmetic, which Anchor's `seeds`
/// constraint (and the IDL) cannot express.
pub fn check_pda(info: &AccountInfo, seeds: &[&[u8]]) -> Result<u8> {
    let (expected, bump) = Pubkey::find_program_address(seeds, &crate::ID);
    if *info.key != expected {
        return Err(error!(anchor_lang::error::ErrorCode::ConstraintSeeds)
            .with_pubkeys((*info.key, expected)));
    }
    Ok(bump)
}

/// Whether `info` already is an account of this program.
pub fn exists(info: &AccountInfo) -> bool {
    info.owner == &crate::ID && !info.data_is_empty()
}

/// Writes `value` (discriminator and data) into the program account `info`.
pub fn store<T: AccountSerialize>(info: &AccountInfo, value: &T) -> Result<()> {
    let mut data = info.try_borrow_mut_data()?;
    let mut cursor: &mut [u8] = &mut data;
    value.try_serialize(&mut cursor)
}

/// Reads the program account `info` as `T` (discriminator checked).
pub fn load<T: AccountDeserialize>(info: &AccountInfo) -> Result<T> {
    require_keys_eq!(
        *info.owner,
        crate::ID,
        anchor_lang::error::ErrorCode::AccountOwnedByWrongProgram
    );
    let data = info.try_borrow_data()?;
    T::try_deserialize(&mut &data[..])
}

/// Closes the program account `info`, its lamports to `destination`.
pub fn close<'info>(info: &AccountInfo<'info>, destination: &AccountInfo<'info>) -> Result<()> {
    let lamports = info.lamports();
    destination.add_lamports(lamports)?;
    info.sub_lamports(lamports)?;
    info.assign(&System::id());
    info.resize(0).map_err(Into::into)
}

/// Reads the program account `info`, or creates it (see [`create_pda`]) holding `init()`.
pub fn load_or_create<'info, T: AccountSerialize + AccountDeserialize>(
    info: &AccountInfo<'info>,
    payer: &AccountInfo<'info>,
    system: &AccountInfo<'info>,
    space: usize,
    seeds: &[&[u8]],
    init: impl FnOnce() -> T,
) -> Result<T> {
    if exists(info) {
        return load(info);
    }
    create_pda(info, payer, system, space, seeds)?;
    Ok(init())
}
