//! `spice provider` (placeholder until its commands land).

use crate::context::Ctx;
use anyhow::{bail, Result};
use clap::Subcommand;

#[derive(Subcommand, Debug)]
pub enum ProviderCmd {
    /// Not implemented yet.
    Todo,
}

pub fn run(_ctx: &mut Ctx, _cmd: ProviderCmd) -> Result<()> {
    bail!("not implemented yet")
}
