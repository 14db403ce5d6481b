//! What the program's code says about each instruction, read from its source with Anchor's own
//! parser (`anchor-syn`, the code behind `#[derive(Accounts)]`):
//!
//! - every account field in account-meta order (composites flattened as `settle.refund.job`),
//!   its type (`Account<T>`, `InterfaceAccount<Mint>`, `Signer`, …), `mut`, `close`, optional;
//! - its PDA check: `seeds` with `bump = <stored>` generates `create_program_address` (one
//!   syscall), `seeds` with a bare `bump` generates `find_program_address` (a bump search,
//!   one syscall per bump tried); `seeds::program` derives under another program (the
//!   associated token program for payees' ATAs).
//!
//! Derivations in handlers (not constraints) are listed in [`HANDLER_SITES`]; the test
//! `xtask/tests/costs.rs` checks that list against the call sites in the program's source.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use anchor_syn::{AccountField, AccountsStruct, SeedsExpr, Ty};
use anyhow::{anyhow, Context, Result};
use syn::Item;

/// How Anchor handles an account field, for the cost model.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `Account<T>`: owner and discriminator checked, Borsh-decoded; re-encoded at exit if `mut`.
    Account(String),
    InterfaceMint,
    InterfaceToken,
    Signer,
    Unchecked,
    Program,
    Interface,
    SystemAccount,
    Other(String),
}

/// A PDA check generated from constraints.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Pda {
    /// `bump = <stored bump>`: `create_program_address`.
    Stored,
    /// A bare `bump`: `find_program_address`; `Some(program)` when derived under another
    /// program (`seeds::program`).
    Search(Option<String>),
}

#[derive(Clone, Debug)]
pub struct FieldInfo {
    /// Path in the accounts struct, composites joined by dots.
    pub path: String,
    pub kind: Kind,
    pub boxed: bool,
    pub optional: bool,
    pub mutable: bool,
    /// `close = …`: closed by Anchor at exit (lamports moved, no re-encoding).
    pub close: bool,
    pub pda: Option<Pda>,
}

/// Every `#[derive(Accounts)]` struct of the program's instructions, by name.
pub fn accounts_structs(root: &Path) -> Result<BTreeMap<String, AccountsStruct>> {
    let mut out = BTreeMap::new();
    let dir = root.join("programs/spice/src/instructions");
    for path in rust_files(&dir)? {
        let text = fs::read_to_string(&path).with_context(|| format!("{}", path.display()))?;
        let file = syn::parse_file(&text).with_context(|| format!("{}", path.display()))?;
        for item in file.items {
            let Item::Struct(strct) = item else { continue };
            let derives_accounts = strct.attrs.iter().any(|a| {
                a.path().is_ident("derive")
                    && a.meta
                        .require_list()
                        .is_ok_and(|l| l.tokens.to_string().contains("Accounts"))
            });
            if !derives_accounts {
                continue;
            }
            let name = strct.ident.to_string();
            let parsed = anchor_syn::parser::accounts::parse(&strct)
                .map_err(|e| anyhow!("{}: {name}: {e}", path.display()))?;
            out.insert(name, parsed);
        }
    }
    Ok(out)
}

fn rust_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for entry in fs::read_dir(dir).with_context(|| format!("{}", dir.display()))? {
        let path = entry?.path();
        if path.is_dir() {
            out.extend(rust_files(&path)?);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out.sort();
    Ok(out)
}

/// `create_network` → `CreateNetwork`.
pub fn struct_name(instruction: &str) -> String {
    instruction
        .split('_')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_uppercase().chain(c).collect::<String>())
                .unwrap_or_default()
        })
        .collect()
}

/// The account fields of `instruction`, flattened in account-meta order.
pub fn fields(
    structs: &BTreeMap<String, AccountsStruct>,
    instruction: &str,
) -> Result<Vec<FieldInfo>> {
    let name = struct_name(instruction);
    let mut out = Vec::new();
    flatten(structs, &name, "", &mut out)?;
    Ok(out)
}

fn flatten(
    structs: &BTreeMap<String, AccountsStruct>,
    name: &str,
    prefix: &str,
    out: &mut Vec<FieldInfo>,
) -> Result<()> {
    let strct = structs
        .get(name)
        .ok_or_else(|| anyhow!("no #[derive(Accounts)] struct {name} in the program"))?;
    for field in &strct.fields {
        match field {
            AccountField::CompositeField(c) => {
                flatten(structs, &c.symbol, &format!("{prefix}{}.", c.ident), out)?;
            }
            AccountField::Field(f) => {
                let (kind, boxed) = match &f.ty {
                    Ty::Account(a) => (Kind::Account(last_segment(&a.account_type_path)), a.boxed),
                    Ty::InterfaceAccount(a) => {
                        let t = last_segment(&a.account_type_path);
                        let kind = match t.as_str() {
                            "Mint" => Kind::InterfaceMint,
                            "TokenAccount" => Kind::InterfaceToken,
                            _ => Kind::Other(format!("InterfaceAccount<{t}>")),
                        };
                        (kind, a.boxed)
                    }
                    Ty::Signer => (Kind::Signer, false),
                    Ty::UncheckedAccount | Ty::AccountInfo => (Kind::Unchecked, false),
                    Ty::Program(_) => (Kind::Program, false),
                    Ty::Interface(_) => (Kind::Interface, false),
                    Ty::SystemAccount => (Kind::SystemAccount, false),
                    other => (Kind::Other(format!("{other:?}")), false),
                };
                let c = &f.constraints;
                let pda = c.seeds.as_ref().map(|s| match &s.bump {
                    Some(_) => Pda::Stored,
                    None => Pda::Search(s.program_seed.as_ref().map(expr_text)),
                });
                // Seeds given as an expression would hide their shape; the program has none.
                if let Some(s) = &c.seeds {
                    if matches!(s.seeds, SeedsExpr::Expr(_)) {
                        return Err(anyhow!("{name}.{}: seeds given as an expression", f.ident));
                    }
                }
                out.push(FieldInfo {
                    path: format!("{prefix}{}", f.ident),
                    kind,
                    boxed,
                    optional: f.is_optional,
                    mutable: c.is_mutable(),
                    close: c.close.is_some(),
                    pda,
                });
            }
        }
    }
    Ok(())
}

fn last_segment(path: &syn::TypePath) -> String {
    path.path
        .segments
        .last()
        .map(|s| s.ident.to_string())
        .unwrap_or_default()
}

fn expr_text(e: &syn::Expr) -> String {
    use quote::ToTokens;
    e.to_token_stream().to_string().replace(' ', "")
}

/// A PDA derived in a handler rather than by a constraint.
#[derive(Clone, Copy, Debug)]
pub struct HandlerSite {
    /// File under `programs/spice/src/`.
    pub file: &'static str,
    /// The call in that file.
    pub call: &'static str,
    /// How many times the call appears in the file.
    pub sites: usize,
    /// What it derives.
    pub what: &'static str,
}

/// Every PDA derived in a handler (all are bump searches: their seeds depend on the clock or on
/// page arithmetic, which Anchor's constraints cannot express). `tests/costs.rs` fails if the
/// program's source has other call sites than these.
pub const HANDLER_SITES: &[HandlerSite] = &[
    HandlerSite {
        file: "instructions/escrow.rs",
        call: "check_pda(",
        sites: 2,
        what: "settlement: the ProviderBook page and the EpochShard of the current epoch",
    },
    HandlerSite {
        file: "instructions/rewards/finalize_epoch.rs",
        call: "check_pda(",
        sites: 1,
        what: "finalize_epoch: the EpochBook page",
    },
    HandlerSite {
        file: "instructions/rewards/shards.rs",
        call: "find_program_address(",
        sites: 1,
        what: "finalize_epoch: every shard of the epoch (one search per shard)",
    },
    HandlerSite {
        file: "instructions/rewards/close_epoch.rs",
        call: "check_pda(",
        sites: 1,
        what: "close_epoch: the EpochBook page",
    },
];

/// Bump searches a step's handler makes, with what they derive.
pub fn handler_searches(
    instruction: &str,
    settles: bool,
    shard_count: u8,
) -> Vec<(&'static str, usize)> {
    let site = |file: &str| {
        HANDLER_SITES
            .iter()
            .find(|s| s.file == file)
            .map_or("", |s| s.what)
    };
    match instruction {
        "approve_job" | "settle_job" | "attest" if settles => {
            vec![(site("instructions/escrow.rs"), 2)]
        }
        "finalize_epoch" => vec![
            (site("instructions/rewards/finalize_epoch.rs"), 1),
            (
                site("instructions/rewards/shards.rs"),
                usize::from(shard_count),
            ),
        ],
        "close_epoch" => vec![(site("instructions/rewards/close_epoch.rs"), 1)],
        _ => vec![],
    }
}

/// Call sites of PDA derivations in the program's source outside `pda_account.rs` (which
/// defines `check_pda`): `(file, call, count)`, for the test that keeps [`HANDLER_SITES`] true.
pub fn derivation_sites(root: &Path) -> Result<Vec<(String, &'static str, usize)>> {
    let src = root.join("programs/spice/src");
    let mut out = Vec::new();
    for path in rust_files(&src)? {
        let rel = path
            .strip_prefix(&src)?
            .to_string_lossy()
            .replace('\\', "/");
        if rel == "pda_account.rs" {
            continue;
        }
        let text = fs::read_to_string(&path)?;
        // Unit tests derive addresses too; only the code before `mod tests` counts.
        let code = text.split("#[cfg(test)]").next().unwrap_or("");
        for call in [
            "check_pda(",
            "find_program_address(",
            "create_program_address(",
        ] {
            let n = code.matches(call).count();
            if n > 0 {
                out.push((rel.clone(), call, n));
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn struct_names_are_camel_case() {
        assert_eq!(struct_name("create_network"), "CreateNetwork");
        assert_eq!(struct_name("attest"), "Attest");
    }
}
