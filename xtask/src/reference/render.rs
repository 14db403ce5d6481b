//! The generated blocks of docs/REFERENCE.md, rendered from the IDL and the program's account
//! sizes. Pure: the same inputs always give the same text.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use anchor_lang_idl::types::{
    Idl, IdlDefinedFields, IdlField, IdlInstruction, IdlInstructionAccount,
    IdlInstructionAccountItem, IdlSeed, IdlType, IdlTypeDef, IdlTypeDefTy,
};
use anyhow::{bail, Result};

use super::layout::{defined_names, type_name, Types};

/// A program account type as the program itself sizes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProgramAccount {
    /// The type's name (as in the IDL).
    pub name: &'static str,
    /// `T::INIT_SPACE` (`#[derive(InitSpace)]`): the program allocates `8 + INIT_SPACE` bytes.
    pub init_space: usize,
    /// `T::DISCRIMINATOR`.
    pub discriminator: &'static [u8],
    /// Rent-exempt minimum of `8 + INIT_SPACE` bytes at the default rent.
    pub rent: u64,
}

/// Block names.
pub const ACCOUNTS: &str = "accounts";
pub const TYPES: &str = "types";
pub const EVENTS: &str = "events";
pub const ERRORS: &str = "errors";
pub const CONSTANTS: &str = "constants";

/// The block of account type `name`.
pub fn account_block(name: &str) -> String {
    format!("account:{name}")
}

/// The block of instruction `name`.
pub fn instruction_block(name: &str) -> String {
    format!("ix:{name}")
}

/// Every generated block, by name. Fails if the program's account list and the IDL disagree.
pub fn render(idl: &Idl, program: &[ProgramAccount]) -> Result<BTreeMap<String, String>> {
    check_accounts(idl, program)?;
    let types = Types::new(&idl.types);
    let arg_only = arg_only_types(idl);
    let mut out = BTreeMap::new();
    out.insert(ACCOUNTS.to_string(), accounts_summary(idl, program));
    for account in &idl.accounts {
        let size = program
            .iter()
            .find(|p| p.name == account.name)
            .expect("checked by check_accounts");
        out.insert(
            account_block(&account.name),
            account_fields(&types, &account.name, size)?,
        );
    }
    out.insert(TYPES.to_string(), types_block(idl, &types, &arg_only));
    for ix in &idl.instructions {
        out.insert(
            instruction_block(&ix.name),
            instruction(ix, &types, &arg_only),
        );
    }
    out.insert(EVENTS.to_string(), events(idl, &types));
    out.insert(ERRORS.to_string(), errors(idl));
    out.insert(CONSTANTS.to_string(), constants(idl));
    Ok(out)
}

/// The IDL's accounts are exactly the program's list, with the same discriminators.
fn check_accounts(idl: &Idl, program: &[ProgramAccount]) -> Result<()> {
    let in_idl: BTreeSet<&str> = idl.accounts.iter().map(|a| a.name.as_str()).collect();
    let listed: BTreeSet<&str> = program.iter().map(|p| p.name).collect();
    if in_idl != listed {
        bail!(
            "the IDL's accounts {in_idl:?} differ from the program accounts the generator \
             sizes {listed:?}: add or remove the type in `program_accounts()` \
             (xtask/src/reference/mod.rs)"
        );
    }
    for account in &idl.accounts {
        let p = program.iter().find(|p| p.name == account.name);
        if let Some(p) = p {
            if p.discriminator != account.discriminator.as_slice() {
                bail!(
                    "{}: the IDL's discriminator {:?} is not the program's {:?}: regenerate the \
                     IDL (cargo run -p xtask -- idl)",
                    account.name,
                    account.discriminator,
                    p.discriminator
                );
            }
        }
    }
    Ok(())
}

/// Types that only appear as an instruction's argument (`CreateJobArgs`): rendered with their
/// instruction rather than among the types.
fn arg_only_types(idl: &Idl) -> BTreeSet<String> {
    let accounts_and_events: BTreeSet<&str> = idl
        .accounts
        .iter()
        .map(|a| a.name.as_str())
        .chain(idl.events.iter().map(|e| e.name.as_str()))
        .collect();
    let mut mentioned = BTreeSet::new();
    for def in &idl.types {
        let mut names = Vec::new();
        for ty in def_field_types(def) {
            defined_names(ty, &mut names);
        }
        mentioned.extend(names.into_iter().filter(|n| *n != def.name));
    }
    let mut out = BTreeSet::new();
    for ix in &idl.instructions {
        for arg in &ix.args {
            if let IdlType::Defined { name, .. } = &arg.ty {
                if !mentioned.contains(name) && !accounts_and_events.contains(name.as_str()) {
                    out.insert(name.clone());
                }
            }
        }
    }
    out
}

fn fields_types(fields: &Option<IdlDefinedFields>) -> Vec<&IdlType> {
    match fields {
        Some(IdlDefinedFields::Named(f)) => f.iter().map(|f| &f.ty).collect(),
        Some(IdlDefinedFields::Tuple(t)) => t.iter().collect(),
        None => Vec::new(),
    }
}

fn def_field_types(def: &IdlTypeDef) -> Vec<&IdlType> {
    match &def.ty {
        IdlTypeDefTy::Struct { fields } => fields_types(fields),
        IdlTypeDefTy::Enum { variants } => variants
            .iter()
            .flat_map(|v| fields_types(&v.fields))
            .collect(),
        IdlTypeDefTy::Type { alias } => vec![alias],
    }
}

// ------------------------------------------------------------------ text helpers

/// Doc comment lines as one table cell. Anchor drops a `/// CHECK:` line from the IDL's docs,
/// so a doc that went on after it starts mid-sentence (in lower case, or with the seed list
/// that followed the CHECK line's colon): it is marked with a leading `…`.
fn doc_cell(docs: &[String]) -> String {
    let text = docs
        .iter()
        .map(|l| l.trim())
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    let fragment = text.starts_with("`[") || text.chars().next().is_some_and(char::is_lowercase);
    let text = if fragment {
        format!("… {text}")
    } else {
        text
    };
    escape(&text)
}

/// `|` would end a table cell.
fn escape(text: &str) -> String {
    text.replace('|', "\\|")
}

fn code(text: &str) -> String {
    format!("`{text}`")
}

/// 1802640 → "1 802 640".
pub fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(' ');
        }
        out.push(c);
    }
    out
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Names for the well-known addresses the IDL mentions.
fn known_address(address: &str) -> Option<&'static str> {
    match address {
        "11111111111111111111111111111111" => Some("system program"),
        "SysvarS1otHashes111111111111111111111111111" => Some("SlotHashes sysvar"),
        "ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL" => Some("associated token program"),
        "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA" => Some("SPL Token"),
        "TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb" => Some("Token-2022"),
        _ => None,
    }
}

fn address_text(address: &str) -> String {
    match known_address(address) {
        Some(name) => format!("{name} `{address}`"),
        None => code(address),
    }
}

fn seed_text(seed: &IdlSeed) -> String {
    match seed {
        IdlSeed::Const(c) => match std::str::from_utf8(&c.value) {
            Ok(s) if s.chars().all(|ch| ch.is_ascii_graphic()) => format!("\"{s}\""),
            _ if c.value.len() == 32 => base58(&c.value),
            _ => format!("0x{}", hex(&c.value)),
        },
        IdlSeed::Account(a) => a.path.clone(),
        IdlSeed::Arg(a) => format!("{} (arg)", a.path),
    }
}

/// Base58 (Bitcoin alphabet), as Solana writes addresses.
fn base58(bytes: &[u8]) -> String {
    const ALPHABET: &[u8] = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
    let mut digits: Vec<u8> = Vec::new();
    for &byte in bytes {
        let mut carry = u32::from(byte);
        for d in digits.iter_mut() {
            carry += u32::from(*d) << 8;
            *d = (carry % 58) as u8;
            carry /= 58;
        }
        while carry > 0 {
            digits.push((carry % 58) as u8);
            carry /= 58;
        }
    }
    let zeros = bytes.iter().take_while(|b| **b == 0).count();
    std::iter::repeat_n(b'1', zeros)
        .chain(digits.iter().rev().map(|d| ALPHABET[usize::from(*d)]))
        .map(char::from)
        .collect()
}

// ------------------------------------------------------------------ accounts

fn accounts_summary(idl: &Idl, program: &[ProgramAccount]) -> String {
    let mut s = String::from(
        "\n| account | discriminator (hex) | `8 + INIT_SPACE` | bytes | rent-exempt minimum (lamports) |\n\
         | --- | --- | --- | --- | --- |\n",
    );
    for account in &idl.accounts {
        if let Some(p) = program.iter().find(|p| p.name == account.name) {
            let _ = writeln!(
                s,
                "| [`{name}`](#{anchor}) | `{disc}` | 8 + {space} | {bytes} | {rent} |",
                name = p.name,
                anchor = p.name.to_lowercase(),
                disc = hex(p.discriminator),
                space = p.init_space,
                bytes = grouped((8 + p.init_space) as u64),
                rent = grouped(p.rent),
            );
        }
    }
    s.push('\n');
    s
}

fn field_table(types: &Types, fields: &[&IdlField], start: usize, head: Option<String>) -> String {
    let mut s =
        String::from("| offset | field | type | bytes | doc |\n| --- | --- | --- | --- | --- |\n");
    if let Some(row) = head {
        s.push_str(&row);
    }
    for (f, offset) in fields.iter().zip(types.offsets(start, fields)) {
        let _ = writeln!(
            s,
            "| {} | `{}` | `{}` | {} | {} |",
            offset.map_or("–".to_string(), |o| o.to_string()),
            f.name,
            type_name(&f.ty),
            types.size_text(&f.ty),
            doc_cell(&f.docs),
        );
    }
    s
}

fn account_fields(types: &Types, name: &str, size: &ProgramAccount) -> Result<String> {
    let Some(def) = types.get(name) else {
        bail!("the IDL has account {name} but no type of that name");
    };
    let fields = types.struct_fields(def);
    let total = 8 + size.init_space;
    let layout = types.max_size(&IdlType::Defined {
        name: name.to_string(),
        generics: vec![],
    });
    let Some(layout) = layout else {
        bail!("{name}: the generator cannot size its layout");
    };
    let mut s = format!("\n{}\n\n", doc_cell(&def.docs));
    let _ = writeln!(
        s,
        "Size `8 + INIT_SPACE` = 8 + {} = **{} bytes**; rent-exempt minimum {} lamports.",
        size.init_space,
        grouped(total as u64),
        grouped(size.rent),
    );
    if layout.unbounded == 0 {
        if 8 + layout.bytes != total {
            bail!(
                "{name}: its IDL layout takes at most {} bytes with the discriminator, but the \
                 program allocates 8 + INIT_SPACE = {total}",
                8 + layout.bytes
            );
        }
    } else {
        if 8 + layout.bytes > total {
            bail!(
                "{name}: its IDL layout needs at least {} bytes without its strings, more than \
                 the {total} the program allocates",
                8 + layout.bytes
            );
        }
        let _ = writeln!(
            s,
            "The allocation leaves {} bytes for its {} variable-length field(s) (`String`: a \
             4-byte length, then the UTF-8 bytes).",
            total - 8 - layout.bytes,
            layout.unbounded
        );
    }
    s.push('\n');
    let head = format!(
        "| 0 | *discriminator* | `[u8; 8]` | 8 | `{}` = `sha256(\"account:{name}\")[..8]` |\n",
        hex(size.discriminator)
    );
    s.push_str(&field_table(types, &fields, 8, Some(head)));
    s.push('\n');
    Ok(s)
}

// ------------------------------------------------------------------ types

fn types_block(idl: &Idl, types: &Types, arg_only: &BTreeSet<String>) -> String {
    let skip: BTreeSet<&str> = idl
        .accounts
        .iter()
        .map(|a| a.name.as_str())
        .chain(idl.events.iter().map(|e| e.name.as_str()))
        .chain(arg_only.iter().map(String::as_str))
        .collect();
    let mut s = String::new();
    for def in idl.types.iter().filter(|d| !skip.contains(d.name.as_str())) {
        let _ = write!(s, "\n#### `{}`\n\n", def.name);
        if !def.docs.is_empty() {
            let _ = write!(s, "{}\n\n", doc_cell(&def.docs));
        }
        let ty = IdlType::Defined {
            name: def.name.clone(),
            generics: vec![],
        };
        match &def.ty {
            IdlTypeDefTy::Struct { .. } => {
                match types.fixed_size(&ty) {
                    Some(n) => {
                        let _ = write!(s, "{n} bytes.\n\n");
                    }
                    None => {
                        if let Some(m) = types.max_size(&ty) {
                            let _ = write!(
                                s,
                                "At most {} bytes plus its {} string(s); offsets from the \
                                 start of the struct.\n\n",
                                m.bytes, m.unbounded
                            );
                        }
                    }
                }
                s.push_str(&field_table(types, &types.struct_fields(def), 0, None));
            }
            IdlTypeDefTy::Enum { variants } => {
                let with_fields = variants.iter().any(|v| v.fields.is_some());
                s.push_str("Borsh: one byte, the variant's index");
                s.push_str(if with_fields {
                    ", then the variant's fields.\n\n| index | variant | fields |\n| --- | --- | --- |\n"
                } else {
                    ".\n\n| index | variant |\n| --- | --- |\n"
                });
                for (i, v) in variants.iter().enumerate() {
                    let fields = match &v.fields {
                        None => String::new(),
                        Some(IdlDefinedFields::Named(f)) => f
                            .iter()
                            .map(|f| format!("`{}: {}`", f.name, type_name(&f.ty)))
                            .collect::<Vec<_>>()
                            .join(", "),
                        Some(IdlDefinedFields::Tuple(t)) => t
                            .iter()
                            .map(|t| code(&type_name(t)))
                            .collect::<Vec<_>>()
                            .join(", "),
                    };
                    if with_fields {
                        let _ = writeln!(s, "| {i} | `{}` | {fields} |", v.name);
                    } else {
                        let _ = writeln!(s, "| {i} | `{}` |", v.name);
                    }
                }
            }
            IdlTypeDefTy::Type { alias } => {
                let _ = writeln!(s, "Alias of `{}`.", type_name(alias));
            }
        }
    }
    s.push('\n');
    s
}

// ------------------------------------------------------------------ instructions

/// An instruction account with its path through the composite structs that hold it.
struct FlatAccount<'a> {
    path: String,
    account: &'a IdlInstructionAccount,
}

fn flatten<'a>(
    items: &'a [IdlInstructionAccountItem],
    prefix: &str,
    out: &mut Vec<FlatAccount<'a>>,
) {
    for item in items {
        match item {
            IdlInstructionAccountItem::Single(a) => out.push(FlatAccount {
                path: format!("{prefix}{}", a.name),
                account: a,
            }),
            IdlInstructionAccountItem::Composite(c) => {
                flatten(&c.accounts, &format!("{prefix}{}.", c.name), out)
            }
        }
    }
}

fn account_constraint(a: &IdlInstructionAccount) -> String {
    let mut parts = Vec::new();
    if let Some(address) = &a.address {
        parts.push(format!("address {}", address_text(address)));
    }
    if let Some(pda) = &a.pda {
        let seeds: Vec<String> = pda.seeds.iter().map(seed_text).collect();
        let under = match &pda.program {
            None => String::new(),
            Some(IdlSeed::Const(c)) if c.value.len() == 32 => {
                let address = base58(&c.value);
                format!(" of the {}", address_text(&address))
            }
            Some(other) => format!(" of program {}", seed_text(other)),
        };
        parts.push(format!("PDA `[{}]`{under}", seeds.join(", ")))
    }
    for relation in &a.relations {
        parts.push(format!("= `{relation}.{}`", a.name));
    }
    parts.join("; ")
}

fn flags(a: &IdlInstructionAccount) -> String {
    let mut f = Vec::new();
    if a.writable {
        f.push("writable");
    }
    if a.signer {
        f.push("signer");
    }
    if a.optional {
        f.push("optional");
    }
    f.join(", ")
}

fn instruction(ix: &IdlInstruction, types: &Types, arg_only: &BTreeSet<String>) -> String {
    let mut s = String::from("\n");
    if !ix.docs.is_empty() {
        let _ = write!(s, "*{}*\n\n", doc_cell(&ix.docs));
    }
    let _ = write!(
        s,
        "Discriminator `{}` = `sha256(\"global:{}\")[..8]`.\n\n",
        hex(&ix.discriminator),
        ix.name
    );
    if ix.args.is_empty() {
        s.push_str("Arguments: none.\n\n");
    } else {
        s.push_str("| argument | type | doc |\n| --- | --- | --- |\n");
        for arg in &ix.args {
            let def = match &arg.ty {
                IdlType::Defined { name, .. } if arg_only.contains(name) => types.get(name),
                _ => None,
            };
            let docs = match (arg.docs.is_empty(), def) {
                (true, Some(def)) => doc_cell(&def.docs),
                _ => doc_cell(&arg.docs),
            };
            let _ = writeln!(s, "| `{}` | `{}` | {docs} |", arg.name, type_name(&arg.ty));
            if let Some(def) = def {
                for f in types.struct_fields(def) {
                    let _ = writeln!(
                        s,
                        "| `{}.{}` | `{}` | {} |",
                        arg.name,
                        f.name,
                        type_name(&f.ty),
                        doc_cell(&f.docs)
                    );
                }
            }
        }
        s.push('\n');
    }
    let mut accounts = Vec::new();
    flatten(&ix.accounts, "", &mut accounts);
    s.push_str(
        "| # | account | flags | address, PDA seeds or relation (as the IDL records them) | doc |\n\
         | --- | --- | --- | --- | --- |\n",
    );
    for (i, a) in accounts.iter().enumerate() {
        let _ = writeln!(
            s,
            "| {} | `{}` | {} | {} | {} |",
            i + 1,
            a.path,
            flags(a.account),
            account_constraint(a.account),
            doc_cell(&a.account.docs)
        );
    }
    s.push('\n');
    s
}

// ------------------------------------------------------------------ events, errors, constants

fn events(idl: &Idl, types: &Types) -> String {
    let mut s = String::from(
        "\n| event | discriminator (hex) | fields | doc |\n| --- | --- | --- | --- |\n",
    );
    for event in &idl.events {
        let def = types.get(&event.name);
        let fields: Vec<&IdlField> = def.map(|d| types.struct_fields(d)).unwrap_or_default();
        let list = fields
            .iter()
            .map(|f| format!("`{}: {}`", f.name, type_name(&f.ty)))
            .collect::<Vec<_>>()
            .join(", ");
        let mut doc = def.map(|d| doc_cell(&d.docs)).unwrap_or_default();
        for f in fields.iter().filter(|f| !f.docs.is_empty()) {
            let _ = write!(doc, " `{}`: {}", f.name, doc_cell(&f.docs));
        }
        let _ = writeln!(
            s,
            "| `{}` | `{}` | {list} | {} |",
            event.name,
            hex(&event.discriminator),
            doc.trim()
        );
    }
    s.push('\n');
    s
}

fn errors(idl: &Idl) -> String {
    let mut s = String::from("\n| code | hex | name | message |\n| --- | --- | --- | --- |\n");
    for e in &idl.errors {
        let _ = writeln!(
            s,
            "| {} | `{:#x}` | `{}` | {} |",
            e.code,
            e.code,
            e.name,
            escape(e.msg.as_deref().unwrap_or(""))
        );
    }
    s.push('\n');
    s
}

fn constants(idl: &Idl) -> String {
    let mut s = String::from("\n| constant | type | value | doc |\n| --- | --- | --- | --- |\n");
    for c in &idl.constants {
        let value = c
            .value
            .parse::<u64>()
            .map(grouped)
            .unwrap_or_else(|_| c.value.clone());
        let _ = writeln!(
            s,
            "| `{}` | `{}` | {value} | {} |",
            c.name,
            type_name(&c.ty),
            doc_cell(&c.docs)
        );
    }
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helpers() {
        assert_eq!(grouped(1_802_640), "1 802 640");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1_000), "1 000");
        assert_eq!(
            base58(&[
                140, 151, 37, 143, 78, 36, 137, 241, 187, 61, 16, 41, 20, 142, 13, 131, 11, 90, 19,
                153, 218, 255, 16, 132, 4, 142, 123, 216, 219, 233, 248, 89
            ]),
            "ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL"
        );
        assert_eq!(base58(&[0; 32]), "11111111111111111111111111111111");
        assert_eq!(
            doc_cell(&["account type works | here.".into()]),
            "… account type works \\| here."
        );
        assert_eq!(doc_cell(&["The job.".into(), "".into()]), "The job.");
        assert_eq!(
            doc_cell(&["`[\"a\", b]`, checked.".into()]),
            "… `[\"a\", b]`, checked."
        );
    }
}
