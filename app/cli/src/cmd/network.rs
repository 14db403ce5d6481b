//! `spice network` (placeholder until its commands land).

use crate::context::Ctx;
use anyhow::{bail, Result};
use clap::Subcommand;

#[derive(Subcommand, Debug)]
pub enum NetworkCmd {
    /// Not implemented yet.
    Todo,
}

pub fn run(_ctx: &mut Ctx, _cmd: NetworkCmd) -> Result<()> {
    bail!("not implemented yet")
}
