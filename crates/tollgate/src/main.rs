//! `tollgate`: run Amazon API Gateway REST APIs locally or on your own servers.

mod cli;
mod clock;
mod commands;
mod connection;
mod functions;
mod listener;
mod logging;
mod memory;
mod metering;
mod reload;
mod sam;
mod serve;
mod tls;

use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = cli::Cli::parse();
    match commands::run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
