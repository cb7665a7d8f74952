//! Synthetic Key Vault traffic and the demo dataset (being written).
use clap::Args;

/// Arguments of `kvtrail gen`.
#[derive(Debug, Args)]
pub struct GenArgs {}

pub fn run(_args: &GenArgs) -> anyhow::Result<()> {
    anyhow::bail!("gen is not written yet")
}
