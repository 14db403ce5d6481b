//! The audit: invariants 1–6 of DESIGN.md recomputed from a [`Snapshot`], as a pure function.
//! (API fixed; the checks are being written.)

use serde::Serialize;

use crate::accounts::Snapshot;

/// One check of one invariant on one subject.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Finding {
    /// 1–6, the invariant's number in DESIGN.md.
    pub invariant: u8,
    /// What was checked, e.g. `job 7xK…` or `mint 9aB…`.
    pub subject: String,
    /// false: a violation.
    pub ok: bool,
    /// What was found, with the numbers.
    pub detail: String,
}

/// One invariant's tally.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct InvariantSummary {
    pub invariant: u8,
    pub title: String,
    pub checked: usize,
    pub violations: usize,
}

/// The audit of one network at one moment.
#[derive(Clone, Debug, Serialize)]
pub struct AuditReport {
    pub network: String,
    pub slot: u64,
    pub unix_timestamp: i64,
    /// One entry per invariant, 1 to 6.
    pub summary: Vec<InvariantSummary>,
    /// Every violation, and notes (ok = true) worth a reader's attention, e.g. donated surplus.
    pub findings: Vec<Finding>,
}

impl AuditReport {
    /// Number of violations.
    pub fn violations(&self) -> usize {
        self.summary.iter().map(|s| s.violations).sum()
    }

    /// No violation.
    pub fn passed(&self) -> bool {
        self.violations() == 0
    }

    /// The report as a text table.
    pub fn table(&self) -> String {
        String::new()
    }
}

/// Recomputes every invariant from `snap`.
pub fn audit(snap: &Snapshot) -> AuditReport {
    AuditReport {
        network: snap.network_address.to_string(),
        slot: snap.slot,
        unix_timestamp: snap.unix_timestamp,
        summary: vec![],
        findings: vec![],
    }
}
