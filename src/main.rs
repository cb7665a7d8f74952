use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "kvtrail", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Write synthetic Key Vault traffic.
    Gen(kvtrail::generate::GenArgs),
}

fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Gen(args) => kvtrail::generate::run(&args),
    }
}
