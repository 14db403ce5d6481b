//! Program accounts created by hand where `init` would let a stranger block the address.
//!
//! Anchor 1.2.2's `init` creates an address that already holds lamports with the system
//! program's `CreateAccountAllowPrefund`, which runtimes before that feature (Agave 3.1, the one
//! program-test runs) refuse. Anyone could then send a few lamports to the next epoch's shard or
//! ProviderEpoch address and stop every settlement that lands there, or to an attestation or
//! Epoch address and stop a vote or a finalization. These accounts are created here instead:
//! `create_account` for an empty address, and for a pre-funded one the classic top-up,
//! `allocate`, `assign`, which every runtime accepts.

use anchor_lang::prelude::*;
use anchor_lang::system_program::{self, Allocate, Assign, CreateAccount, Transfer};

/// Creates the PDA `target` (its `seeds` include the bump) as a `space`-byte account of this
/// program, with rent from `payer`, whether or not the address was pre-funded.
pub fn create_pda<'info>(
    target: &AccountInfo<'info>,
    payer: &AccountInfo<'info>,
    system: &AccountInfo<'info>,
    space: usize,
    seeds: &[&[u8]],
) -> Result<()> {
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
            &crate::ID,
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
        &crate::ID,
    )
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
