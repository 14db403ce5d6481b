//! Invariants 1–6 of DESIGN.md in the tests: the SDK's audit (the same code `spice audit` runs
//! against a cluster) on a snapshot of the runtime, over everything the network owns — not
//! only what a test tracked.

use spice_sdk::audit::AuditReport;

use crate::market::Market;

impl Market {
    /// The audit of the market's network.
    pub fn audit(&self) -> AuditReport {
        self.env.audit(&self.net.network)
    }

    /// Panics with the audit's table if an invariant of the market's network is violated.
    #[track_caller]
    pub fn assert_audit(&self) {
        self.env.assert_audit(&self.net.network);
    }
}
