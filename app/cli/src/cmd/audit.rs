//! `spice audit`: recomputes invariants 1–6 of DESIGN.md from the chain state of a network,
//! prints the report (a table, or JSON with `--output json`), optionally writes the JSON to a
//! file, and exits 2 when any invariant is violated, so scripts and CI can gate on it. The
//! report also says whether the network accepted mints with a freeze authority (a trust
//! decision of its creator, not an invariant).

use std::path::PathBuf;

use anyhow::{Context as _, Result};
use clap::Args;
use spice_sdk::accounts::Snapshot;
use spice_sdk::audit::audit_with;
use spice_sdk::ledger::live_elsewhere;

use crate::context::Ctx;

#[derive(Args, Debug)]
pub struct AuditArgs {
    /// Also write the full report as JSON to this file (written before the exit code is set,
    /// so a failed audit still leaves its evidence).
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
}

/// The line of the report about the mints' freeze authority.
fn freeze_note(accepted: bool) -> &'static str {
    if accepted {
        "note: this network accepted mints with a freeze authority (allow_freeze_authority): \
         their issuer can freeze its vaults"
    } else {
        "mints: no freeze authority accepted"
    }
}

pub fn run(ctx: &mut Ctx, args: AuditArgs) -> Result<()> {
    let address = ctx.network_address()?;
    let snap = Snapshot::fetch(ctx.ledger.as_mut(), &address)
        .with_context(|| format!("reading network {address}"))?;
    let elsewhere = live_elsewhere(ctx.ledger.as_mut(), &snap)?;
    let report = audit_with(&snap, &elsewhere);
    let freeze = snap.network.freeze_authority_accepted;
    let mut json = serde_json::to_value(&report)?;
    if let serde_json::Value::Object(map) = &mut json {
        map.insert(
            "freeze_authority_accepted".into(),
            serde_json::Value::Bool(freeze),
        );
    }
    if let Some(path) = &args.report {
        let text = serde_json::to_string_pretty(&json)?;
        std::fs::write(path, text + "\n")
            .with_context(|| format!("writing the report to {}", path.display()))?;
    }
    ctx.emit(json, || {
        let table = report.table();
        // The table's first line names the network; the trust note follows it.
        let (head, rest) = table.split_once('\n').unwrap_or((&table, ""));
        format!("{head}\n{}\n{rest}", freeze_note(freeze))
    });
    if !report.passed() {
        return Err(crate::Exit(2).into());
    }
    Ok(())
}
