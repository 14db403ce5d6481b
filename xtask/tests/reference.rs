//! docs/REFERENCE.md against the program and its IDL.
//!
//! - Its generated blocks (accounts, types, instructions, events, errors, constants: see
//!   `xtask/src/reference/mod.rs`) are exactly what `cargo run -p xtask -- reference` renders
//!   from `idl/spice.json` and the program's `8 + INIT_SPACE` sizes.
//! - Its hand-written part keeps up: every instruction has a section with who signs, its checks,
//!   effects and events around its generated block; every account type has a section; every
//!   event and error of the IDL is named in the prose (where it is emitted or raised).

use std::process::Command;

use xtask::reference::{
    check, markers, parse_idl, program_accounts, render, stale_message, Check, REFERENCE_COMMAND,
};

const REFERENCE: &str = include_str!("../../docs/REFERENCE.md");
const IDL: &str = include_str!("../../idl/spice.json");

#[test]
fn generated_blocks_are_fresh() {
    let idl = parse_idl(IDL).unwrap();
    match check(REFERENCE, &idl, &program_accounts()) {
        Ok(Check::Fresh) => {}
        Ok(Check::Stale {
            line,
            block,
            committed,
            generated,
        }) => panic!(
            "{}",
            stale_message(line, block.as_deref(), &committed, &generated)
        ),
        Err(e) => panic!("{e:#}\n\nthen run:\n\n    {REFERENCE_COMMAND}\n"),
    }
}

#[test]
fn a_stale_block_is_reported_with_the_command_that_fixes_it() {
    let idl = parse_idl(IDL).unwrap();
    let stale = REFERENCE.replacen(
        "| 6000 | `0x1770` | `MathOverflow` |",
        "| 6000 | `0x1770` | `Renamed` |",
        1,
    );
    assert_ne!(stale, REFERENCE, "the errors block has no row for 6000");
    let Check::Stale {
        line,
        block,
        committed,
        generated,
    } = check(&stale, &idl, &program_accounts()).unwrap()
    else {
        panic!("a changed row must be stale");
    };
    assert_eq!(block.as_deref(), Some(render::ERRORS));
    let message = stale_message(line, block.as_deref(), &committed, &generated);
    assert!(message.contains(REFERENCE_COMMAND), "{message}");
    assert!(message.contains("Renamed") && message.contains("MathOverflow"));
}

/// The lines of the section under `heading` (exact line), up to the next heading of its level
/// or above.
fn section<'a>(doc: &'a str, heading: &str) -> Option<Vec<&'a str>> {
    let level = heading.chars().take_while(|c| *c == '#').count();
    let mut lines = doc.lines().skip_while(|l| *l != heading);
    lines.next()?;
    Some(
        lines
            .take_while(|l| {
                let hashes = l.chars().take_while(|c| *c == '#').count();
                !(hashes > 0 && hashes <= level && l.chars().nth(hashes) == Some(' '))
            })
            .collect(),
    )
}

#[test]
fn every_instruction_has_a_hand_written_section() {
    let idl = parse_idl(IDL).unwrap();
    let mut problems = Vec::new();
    for ix in &idl.instructions {
        let heading = format!("#### `{}`", ix.name);
        let Some(lines) = section(REFERENCE, &heading) else {
            problems.push(format!("no section `{heading}`"));
            continue;
        };
        let text = lines.join("\n");
        let block = markers::start_marker(&render::instruction_block(&ix.name));
        if !text.contains(&block) {
            problems.push(format!(
                "{heading}: no generated block `{block}` in its section"
            ));
        }
        let prose = markers::hand_written(&text);
        for item in ["**Signs**", "**Checks**", "**Effects**", "**Events**"] {
            if !prose.contains(item) {
                problems.push(format!("{heading}: no {item} item"));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "docs/REFERENCE.md:\n{}",
        problems.join("\n")
    );
}

#[test]
fn every_account_type_has_a_section() {
    let idl = parse_idl(IDL).unwrap();
    let mut problems = Vec::new();
    for account in &idl.accounts {
        let heading = format!("### {}", account.name);
        let Some(lines) = section(REFERENCE, &heading) else {
            problems.push(format!("no section `{heading}`"));
            continue;
        };
        let block = markers::start_marker(&render::account_block(&account.name));
        let text = lines.join("\n");
        if !text.contains(&block) {
            problems.push(format!(
                "{heading}: no generated block `{block}` in its section"
            ));
        }
        if !markers::hand_written(&text).contains("Seeds") {
            problems.push(format!(
                "{heading}: its seeds are not described (\"Seeds\")"
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "docs/REFERENCE.md:\n{}",
        problems.join("\n")
    );
}

#[test]
fn every_event_and_error_is_named_in_the_prose() {
    let idl = parse_idl(IDL).unwrap();
    let prose = markers::hand_written(REFERENCE);
    let missing: Vec<String> = idl
        .events
        .iter()
        .map(|e| &e.name)
        .chain(idl.errors.iter().map(|e| &e.name))
        // `Name` or `Name { field, … }`.
        .filter(|name| {
            !prose.contains(&format!("`{name}`")) && !prose.contains(&format!("`{name} {{"))
        })
        .cloned()
        .collect();
    assert!(
        missing.is_empty(),
        "docs/REFERENCE.md: these events and errors are named only in the generated tables; \
         say in the prose which instruction emits or raises each (or that it is no longer \
         used): {missing:?}"
    );
}

#[test]
fn reference_check_command_passes() {
    let output = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["reference", "--check"])
        .output()
        .expect("failed to start the xtask binary");
    assert!(
        output.status.success(),
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}
