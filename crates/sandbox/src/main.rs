//! `partner-sandbox`: the fake providers from the command line.
//!
//! - `serve [--port BASE]` runs the fakes on 127.0.0.1:BASE+1 … BASE+5
//!   (default BASE 18080), each with its admin API under `/__sandbox`;
//! - `trigger brighte-webhook` signs and posts a Brighte notice to any URL;
//! - `listen --forward-to URL` forwards the running Brighte fake's
//!   deliveries to a local app;
//! - `inspect` prints the fakes' state; `fault` queues a fault;
//! - `record --provider P --upstream URL --out FILE` proxies to a provider
//!   and writes a redacted cassette; `serve --replay FILE` answers from it.
//!
//! `partner-sandbox <command> --help` describes each. A usage error exits
//! with status 2, a failure at run time with 1.

mod cli;

use std::process::ExitCode;

use clap::Parser as _;

#[tokio::main]
async fn main() -> ExitCode {
    let args = cli::Cli::parse();
    match cli::run(args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("partner-sandbox: {message}");
            ExitCode::FAILURE
        }
    }
}
