//! `spice rewards` (placeholder until its commands land).

use crate::context::Ctx;
use anyhow::{bail, Result};
use clap::Subcommand;

#[derive(Subcommand, Debug)]
pub enum RewardsCmd {
    /// Not implemented yet.
    Todo,
}

pub fn run(_ctx: &mut Ctx, _cmd: RewardsCmd) -> Result<()> {
    bail!("not implemented yet")
}
