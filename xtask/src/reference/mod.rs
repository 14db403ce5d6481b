//! `cargo run -p xtask -- reference [--check]`: the generated blocks of docs/REFERENCE.md.
//!
//! The reference is hand-written prose around blocks the generator owns, each between a line
//! `<!-- generated:NAME -->` and a line `<!-- /generated:NAME -->`:
//!
//! | block | what |
//! | --- | --- |
//! | `accounts` | every account type: discriminator, `8 + INIT_SPACE`, bytes, rent-exempt minimum |
//! | `account:<Type>` | one account type: its doc, size, and field table (offsets up to the first variable-size field) |
//! | `types` | every other type of the IDL (structs with their field tables, enums with their indices) except instruction-only argument structs |
//! | `ix:<name>` | one instruction: its doc, discriminator, arguments (argument structs expanded) and accounts (composites flattened with their path; writable, signer, optional; address, PDA seeds and relations as the IDL records them; doc) |
//! | `events` | every event: discriminator, fields, docs |
//! | `errors` | every error: code, hex code, name, message |
//! | `constants` | the IDL's constants |
//!
//! The inputs are the committed IDL (`idl/spice.json`, kept fresh by `tests/idl_fresh.rs`)
//! and the sizes the program itself allocates (`8 + T::INIT_SPACE`, from `spice::state`), so
//! nothing in a block is typed by hand. Write mode rewrites only the blocks; `--check` writes
//! nothing and fails if any block differs from what the generator renders now (the test
//! `tests/reference.rs` runs the same check).

pub mod layout;
pub mod markers;
pub mod render;

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use anchor_lang::prelude::Rent;
use anchor_lang::{Discriminator, Space};
use anchor_lang_idl::types::Idl;
use anyhow::{anyhow, Context, Result};

use crate::{compare, Freshness, IDL_FILE};
pub use render::ProgramAccount;

/// The reference, relative to the workspace root.
pub const REFERENCE_FILE: &str = "docs/REFERENCE.md";

/// The command that rewrites the generated blocks of [`REFERENCE_FILE`].
pub const REFERENCE_COMMAND: &str = "cargo run -p xtask -- reference";

macro_rules! program_account {
    ($ty:ident) => {{
        let init_space = <spice::state::$ty as Space>::INIT_SPACE;
        ProgramAccount {
            name: stringify!($ty),
            init_space,
            discriminator: <spice::state::$ty as Discriminator>::DISCRIMINATOR,
            rent: Rent::default().minimum_balance(8 + init_space),
        }
    }};
}

/// Every `#[account]` type of the program, sized by the program: it allocates
/// `8 + T::INIT_SPACE` bytes for each (`pda_account::create_pda`). A new account type is added
/// here; the generator fails until the IDL's accounts and this list agree.
pub fn program_accounts() -> Vec<ProgramAccount> {
    vec![
        program_account!(Attestation),
        program_account!(Attestor),
        program_account!(Client),
        program_account!(EpochBook),
        program_account!(EpochShard),
        program_account!(Job),
        program_account!(Network),
        program_account!(Provider),
        program_account!(ProviderBook),
    ]
}

/// Parses the IDL text.
pub fn parse_idl(text: &str) -> Result<Idl> {
    serde_json::from_str(text).with_context(|| format!("{IDL_FILE} is not an Anchor IDL"))
}

/// Every block the reference must have, rendered from `idl` and `program`.
pub fn generated_blocks(idl: &Idl, program: &[ProgramAccount]) -> Result<BTreeMap<String, String>> {
    render::render(idl, program)
}

/// `doc` with every generated block rendered afresh. Fails listing what is wrong with the
/// markers (a block missing for a new instruction or account, one left for a removed one).
pub fn regenerate(doc: &str, idl: &Idl, program: &[ProgramAccount]) -> Result<String> {
    let blocks = generated_blocks(idl, program)?;
    markers::splice(doc, &blocks).map_err(|problems| {
        anyhow!(
            "{REFERENCE_FILE}: its generated blocks do not match the IDL:\n  - {}",
            problems.join("\n  - ")
        )
    })
}

/// The result of `reference --check`.
#[derive(Debug, PartialEq, Eq)]
pub enum Check {
    Fresh,
    /// The first line that differs (1-based), the block it is in, and both versions.
    Stale {
        line: usize,
        block: Option<String>,
        committed: String,
        generated: String,
    },
}

/// Compares `doc` with what the generator renders now.
pub fn check(doc: &str, idl: &Idl, program: &[ProgramAccount]) -> Result<Check> {
    let fresh = regenerate(doc, idl, program)?;
    Ok(match compare(Some(doc), &fresh) {
        Freshness::Fresh | Freshness::Missing => Check::Fresh,
        Freshness::Stale {
            line,
            committed,
            built,
        } => Check::Stale {
            line,
            block: markers::block_at(doc, line).or_else(|| markers::block_at(&fresh, line)),
            committed,
            generated: built,
        },
    })
}

/// What `check` prints when the file is stale.
pub fn stale_message(line: usize, block: Option<&str>, committed: &str, generated: &str) -> String {
    let place = match block {
        Some(b) => format!("in block `{b}`"),
        None => "outside the generated blocks".to_string(),
    };
    format!(
        "{REFERENCE_FILE} is stale: its generated blocks differ from the IDL and the program.\n\
         first difference, line {line} ({place}):\n  \
         committed: {}\n  generated: {}\n\n\
         Regenerate the blocks with:\n\n    {REFERENCE_COMMAND}\n\n\
         (after `cargo run -p xtask -- idl` if the program changed)\n",
        committed.trim(),
        generated.trim(),
    )
}

/// The `reference` task: rewrites the generated blocks (or, with `check`, verifies them).
/// Returns whether it succeeded.
pub fn run(root: &Path, check_only: bool) -> Result<bool> {
    let idl_path = root.join(IDL_FILE);
    let doc_path = root.join(REFERENCE_FILE);
    let idl_text =
        fs::read_to_string(&idl_path).with_context(|| format!("reading {}", idl_path.display()))?;
    let idl = parse_idl(&idl_text)?;
    let doc =
        fs::read_to_string(&doc_path).with_context(|| format!("reading {}", doc_path.display()))?;
    let program = program_accounts();
    if check_only {
        return match check(&doc, &idl, &program)? {
            Check::Fresh => {
                println!("{REFERENCE_FILE} is up to date");
                Ok(true)
            }
            Check::Stale {
                line,
                block,
                committed,
                generated,
            } => {
                eprintln!(
                    "{}",
                    stale_message(line, block.as_deref(), &committed, &generated)
                );
                Ok(false)
            }
        };
    }
    let fresh = regenerate(&doc, &idl, &program)?;
    if fresh == doc {
        println!("{REFERENCE_FILE} is up to date");
    } else {
        fs::write(&doc_path, &fresh).with_context(|| format!("writing {}", doc_path.display()))?;
        println!("rewrote the generated blocks of {REFERENCE_FILE}");
    }
    Ok(true)
}
