//! `spice dev` (placeholder until its commands land).

use crate::context::Ctx;
use anyhow::{bail, Result};
use clap::Subcommand;

#[derive(Subcommand, Debug)]
pub enum DevCmd {
    /// Not implemented yet.
    Todo,
}

pub fn run(_ctx: &mut Ctx, _cmd: DevCmd) -> Result<()> {
    bail!("not implemented yet")
}
