//! docs/REFERENCE.md against the program and its IDL:
//! - every `#[account]` type is allocated `8 + INIT_SPACE` bytes (discriminator + `InitSpace`),
//!   and the "Account sizes" table must give exactly those numbers, for exactly the IDL's accounts;
//! - every instruction of the IDL has its own heading;
//! - every error of the IDL has its row with its code.
//!
//! `cargo test -p xtask --test reference -- --nocapture` prints the sizes.

use std::collections::BTreeSet;

use anchor_lang::{Discriminator, Space};
use serde_json::Value;
use spice::state::{Job, Network, Provider};

const REFERENCE: &str = include_str!("../../docs/REFERENCE.md");
const IDL: &str = include_str!("../../idl/spice.json");

/// Every program account: name as in the IDL, `INIT_SPACE`, discriminator length.
/// A new `#[account]` type is added here and to docs/REFERENCE.md.
fn accounts() -> Vec<(&'static str, usize, usize)> {
    vec![
        ("Job", Job::INIT_SPACE, Job::DISCRIMINATOR.len()),
        ("Network", Network::INIT_SPACE, Network::DISCRIMINATOR.len()),
        (
            "Provider",
            Provider::INIT_SPACE,
            Provider::DISCRIMINATOR.len(),
        ),
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
    for (name, init_space, discriminator) in accounts() {
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
    let here: BTreeSet<String> = accounts().iter().map(|a| a.0.to_owned()).collect();
    assert_eq!(
        in_idl, here,
        "the accounts of idl/spice.json and of accounts() in xtask/tests/reference.rs differ: \
         add the new account there and to the \"Account sizes\" table of docs/REFERENCE.md"
    );
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
