//! `cargo run -p xtask -- costs [--check]`: docs/COSTS.md, what every instruction costs.
//!
//! Every instruction is driven for real on a fresh `spice-ledger` runtime through the SDK's
//! builders ([`scenario`]: a scripted scenario on a two-mint network, Token-2022 payment and SPL
//! Token stake, and on a one-mint Token-2022 network), and the runtime's own figures are
//! recorded ([`chain`]): the transaction's size, its accounts, the log, the CPIs and the units
//! the SBF callees consumed, the rent of accounts created and closed. The program's own
//! compute units cannot be measured without an SBF build: they are estimated ([`model`]) from
//! the runtime's syscall prices, the measured callees, Anchor's benchmark and stated
//! allowances, with the PDA derivations read from the program's `#[derive(Accounts)]` structs
//! ([`source`]).
//!
//! The file is a short hand-written header and generated blocks (`<!-- generated:NAME -->` …
//! `<!-- /generated:NAME -->`, as in REFERENCE.md). The run is deterministic: fixed keys, a
//! fixed start time, no timings. `--check` writes nothing and fails if a block is stale; so
//! does the test `xtask/tests/costs.rs`.

pub mod chain;
pub mod model;
pub mod render;
pub mod scenario;
pub mod source;

use std::fs;
use std::path::Path;

use anyhow::{anyhow, Context, Result};

use crate::{compare, read_optional, reference, Freshness, IDL_FILE};

/// The document, relative to the workspace root.
pub const COSTS_FILE: &str = "docs/COSTS.md";

/// The command that regenerates [`COSTS_FILE`].
pub const COSTS_COMMAND: &str = "cargo run -p xtask -- costs";

/// The hand-written header of a new file (kept as it is once the file exists).
const DEFAULT_HEADER: &str = "\
# Spice: what each instruction costs

Transaction bytes, accounts and write locks, signers, PDA derivations, CPIs, logs, rent and
compute units of every instruction, measured on the local runtime where the runtime can measure
them and estimated where it cannot (Spice's own compute units: there is no SBF build here).

Everything below the header is generated: do not edit inside the `generated` markers.

```sh
cargo run -p xtask -- costs           # rewrites the generated blocks
cargo run -p xtask -- costs --check   # fails if they are stale (writes nothing)
```

`cargo test -p xtask --test costs` runs the check. Regenerate after any change to the program,
the SDK's builders or the runtime.
";

/// Every block the file must have, rendered from a fresh run.
pub fn generated_blocks(root: &Path) -> Result<std::collections::BTreeMap<String, String>> {
    let idl_text =
        fs::read_to_string(root.join(IDL_FILE)).with_context(|| format!("reading {IDL_FILE}"))?;
    let idl = reference::parse_idl(&idl_text)?;
    let structs = source::accounts_structs(root)?;
    let mut steps = scenario::run(scenario::NetKind::TwoMint)?;
    steps.extend(scenario::run(scenario::NetKind::OneMint)?);
    render::render(&idl, &structs, &steps)
}

/// `doc` (or a new file) with every generated block rendered afresh.
pub fn regenerate(root: &Path, doc: Option<&str>) -> Result<String> {
    let blocks = generated_blocks(root)?;
    let doc = match doc {
        Some(d) => d.to_string(),
        None => {
            let mut d = DEFAULT_HEADER.to_string();
            for name in render::BLOCKS {
                d.push('\n');
                d.push_str(&reference::markers::start_marker(name));
                d.push('\n');
                d.push_str(&reference::markers::end_marker(name));
                d.push('\n');
            }
            d
        }
    };
    reference::markers::splice(&doc, &blocks).map_err(|problems| {
        anyhow!(
            "{COSTS_FILE}: its generated blocks do not match:\n  - {}",
            problems.join("\n  - ")
        )
    })
}

/// The `costs` task: rewrites the generated blocks (or, with `check`, verifies them).
/// Returns whether it succeeded.
pub fn run(root: &Path, check_only: bool) -> Result<bool> {
    let path = root.join(COSTS_FILE);
    let doc = read_optional(&path)?;
    let fresh = regenerate(root, doc.as_deref())?;
    if check_only {
        return Ok(match compare(doc.as_deref(), &fresh) {
            Freshness::Fresh => {
                println!("{COSTS_FILE} is up to date");
                true
            }
            Freshness::Missing => {
                eprintln!(
                    "{COSTS_FILE} does not exist. Generate it with:\n\n    {COSTS_COMMAND}\n"
                );
                false
            }
            Freshness::Stale {
                line,
                committed,
                built,
            } => {
                let block = doc
                    .as_deref()
                    .and_then(|d| reference::markers::block_at(d, line))
                    .map_or("outside the generated blocks".to_string(), |b| {
                        format!("in block `{b}`")
                    });
                eprintln!(
                    "{COSTS_FILE} is stale: it differs from what the program costs now.\n\
                     first difference, line {line} ({block}):\n  \
                     committed: {}\n  generated: {}\n\n\
                     Regenerate it with:\n\n    {COSTS_COMMAND}\n",
                    committed.trim(),
                    built.trim(),
                );
                false
            }
        });
    }
    if doc.as_deref() == Some(fresh.as_str()) {
        println!("{COSTS_FILE} is up to date");
    } else {
        fs::write(&path, &fresh).with_context(|| format!("writing {}", path.display()))?;
        println!("wrote {COSTS_FILE}");
    }
    Ok(true)
}
