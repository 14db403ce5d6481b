//! docs/REFERENCE.md against the program and its IDL:
//! - every `#[account]` type is allocated `8 + INIT_SPACE` bytes (discriminator + `InitSpace`),
//!   and the "Account sizes" table must give exactly those numbers;
//! - the IDL's accounts are exactly the types listed here as in the IDL (the accounts the program
//!   creates by hand and only reaches through `UncheckedAccount` are not in it);
//! - every instruction of the IDL has its own heading;
//! - every event of the IDL has its row;
//! - every error of the IDL has its row with its code.
//!
//! `cargo test -p xtask --test reference -- --nocapture` prints the sizes.

use std::collections::BTreeSet;

use anchor_lang::{Discriminator, Space};
use serde_json::Value;
use spice::state::{
    Attestation, Attestor, Epoch, EpochShard, Job, Network, Provider, ProviderEpoch,
};

const REFERENCE: &str = include_str!("../../docs/REFERENCE.md");
const IDL: &str = include_str!("../../idl/spice.json");

/// A program account type.
struct AccountType {
    /// Name as in the IDL and the docs.
    name: &'static str,
    /// `T::INIT_SPACE`.
    init_space: usize,
    /// `T::DISCRIMINATOR.len()`.
    discriminator: usize,
    /// Whether the IDL lists it. Anchor's IDL has the accounts that some instruction takes as
    /// `Account<T>`; `EpochShard` is only reached as an `UncheckedAccount` or a remaining
    /// account (it is created by hand in `pda_account.rs`), so it is not in it.
    in_idl: bool,
}

macro_rules! account_type {
    ($ty:ident, $in_idl:expr) => {
        AccountType {
            name: stringify!($ty),
            init_space: <$ty as Space>::INIT_SPACE,
            discriminator: <$ty as Discriminator>::DISCRIMINATOR.len(),
            in_idl: $in_idl,
        }
    };
}

/// Every program account. A new `#[account]` type is added here and to docs/REFERENCE.md.
fn accounts() -> Vec<AccountType> {
    vec![
        account_type!(Attestation, true),
        account_type!(Attestor, true),
        account_type!(Epoch, true),
        account_type!(EpochShard, false),
        account_type!(Job, true),
        account_type!(Network, true),
        account_type!(Provider, true),
        account_type!(ProviderEpoch, true),
    ]
}

fn idl() -> Value {
    serde_json::from_str(IDL).expect("idl/spice.json is not JSON")
}

/// The `name`s of an array of the IDL.
fn idl_names(idl: &Value, key: &str) -> Vec<String> {
    idl[key]
        .as_array()
        .unwrap_or_else(|| panic!("the IDL has no `{key}` array"))
        .iter()
        .filter_map(|item| item["name"].as_str().map(str::to_owned))
        .collect()
}

/// Fails listing the lines docs/REFERENCE.md lacks.
fn assert_reference_has(section: &str, lines: Vec<String>) {
    let missing: Vec<String> = lines
        .into_iter()
        .filter(|line| !REFERENCE.contains(line.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "docs/REFERENCE.md ({section}) is out of date; it must contain:\n{}",
        missing.join("\n")
    );
}

#[test]
fn account_sizes_match_the_program() {
    let mut rows = Vec::new();
    for AccountType {
        name,
        init_space,
        discriminator,
        ..
    } in accounts()
    {
        // Accounts are created with `space = 8 + T::INIT_SPACE`: 8 is the discriminator.
        assert_eq!(discriminator, 8, "{name}: discriminator is not 8 bytes");
        println!("{name}: 8 + {init_space} = {} bytes", 8 + init_space);
        rows.push(format!(
            "| `{name}` | 8 + {init_space} | {} |",
            8 + init_space
        ));
    }
    assert_reference_has("\"Account sizes\"", rows);
}

#[test]
fn every_idl_account_has_a_size() {
    let in_idl: BTreeSet<String> = idl_names(&idl(), "accounts").into_iter().collect();
    let here: BTreeSet<String> = accounts()
        .iter()
        .filter(|a| a.in_idl)
        .map(|a| a.name.to_owned())
        .collect();
    assert_eq!(
        in_idl, here,
        "the accounts of idl/spice.json and those marked `in_idl` in accounts() of \
         xtask/tests/reference.rs differ: add the new account there and to the \
         \"Account sizes\" table of docs/REFERENCE.md"
    );
}

#[test]
fn every_event_is_documented() {
    let rows = idl_names(&idl(), "events")
        .into_iter()
        .map(|name| format!("| `{name}` |"))
        .collect();
    assert_reference_has("\"Events\"", rows);
}

#[test]
fn every_instruction_is_documented() {
    let headings = idl_names(&idl(), "instructions")
        .into_iter()
        .map(|name| format!("#### `{name}`"))
        .collect();
    assert_reference_has("\"Instructions\"", headings);
}

#[test]
fn every_error_is_documented_with_its_code() {
    let rows = idl()["errors"]
        .as_array()
        .expect("the IDL has no `errors` array")
        .iter()
        .map(|e| {
            format!(
                "| {} | `{}` |",
                e["code"],
                e["name"].as_str().unwrap_or("?")
            )
        })
        .collect();
    assert_reference_has("\"Errors\"", rows);
}
