//! `accord`: the command line. It parses arguments, draws progress bars and prints; the
//! work is done by the library crates, which know nothing of the terminal.

mod commands;
mod evaluate;
mod hints;
mod mdt;
mod money;
mod open;
mod outcomes;
mod outputs;
mod people;
mod progress;
mod serve;
mod spc;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = commands::Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("ACCORD_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    match commands::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            if let Some(hint) = hints::hint(&err) {
                eprintln!("hint: {hint}");
            }
            ExitCode::FAILURE
        }
    }
}
