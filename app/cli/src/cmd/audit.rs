//! `spice audit` (placeholder).

use crate::context::Ctx;
use anyhow::{bail, Result};
use clap::Args;

#[derive(Args, Debug)]
pub struct AuditArgs {}

pub fn run(_ctx: &mut Ctx, _args: AuditArgs) -> Result<()> {
    bail!("not implemented yet")
}
