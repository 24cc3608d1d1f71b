//! `safeharbor`: see `safeharbor --help`.

use std::process::ExitCode;

use clap::Parser;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = safeharbor::cli::Cli::parse();
    safeharbor::commands::run(cli).await
}
