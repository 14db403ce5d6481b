//! `spice simulate` (placeholder).

use crate::context::Output;
use anyhow::{bail, Result};
use clap::Args;

#[derive(Args, Debug)]
pub struct SimulateArgs {}

pub fn command(_args: &SimulateArgs, _output: Output) -> Result<()> {
    bail!("not implemented yet")
}
