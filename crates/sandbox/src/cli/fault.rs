//! `partner-sandbox fault`: queues a fault on a running `serve`'s fake.

use std::time::Duration;

use clap::{Args, Subcommand};
use partner_sdk_sandbox::admin::{AdminClient, AdminError};
use partner_sdk_sandbox::faults::{Fault, FaultRule};

use super::{DEFAULT_BASE, Provider};

#[derive(Debug, Args)]
pub(crate) struct FaultArgs {
    /// The fake.
    #[arg(value_enum)]
    provider: Provider,
    #[command(subcommand)]
    kind: Kind,
    /// Base port of the `serve`: the fakes are on BASE+1 … BASE+5.
    #[arg(long = "port", value_name = "BASE", global = true, default_value_t = DEFAULT_BASE,
          value_parser = clap::value_parser!(u16).range(0..=i64::from(u16::MAX - 5)))]
    base: u16,
    /// Only requests with this method get it (e.g. POST).
    #[arg(long, global = true, value_name = "METHOD")]
    method: Option<String>,
    /// Only requests whose path contains this get it (e.g. /transactions/).
    #[arg(long, global = true, value_name = "FRAGMENT")]
    path: Option<String>,
    /// How many matching requests get it.
    #[arg(long, global = true, value_name = "N", default_value_t = 1,
          value_parser = clap::value_parser!(u64).range(1..))]
    times: u64,
}

#[derive(Debug, Subcommand)]
enum Kind {
    /// Answers a 5xx without processing the request.
    ServerError {
        /// The status (500-599).
        #[arg(long, default_value_t = 503, value_parser = clap::value_parser!(u16).range(500..=599))]
        status: u16,
    },
    /// Answers 429 with Retry-After without processing the request.
    RateLimited {
        /// Retry-After, in seconds.
        #[arg(long, value_name = "SECS", default_value_t = 1)]
        retry_after: u64,
    },
    /// Processes the request and answers after a delay.
    Slow {
        /// The delay in milliseconds.
        #[arg(long, value_name = "MS")]
        ms: u64,
    },
    /// Processes the request (a create happens) and holds the answer
    /// longer than any client timeout.
    Hold {
        /// The hold in milliseconds (one hour by default).
        #[arg(long, value_name = "MS")]
        ms: Option<u64>,
    },
    /// Processes the request (a create happens) and answers 200 with a
    /// body that is not the provider's.
    Garble,
    /// Drops every queued fault of the fake.
    Clear,
}

pub(super) async fn run(args: FaultArgs) -> Result<(), String> {
    let admin = AdminClient::local(args.provider.port(args.base));
    let base = args.base;
    let failed =
        move |e: AdminError| format!("{e} (is `partner-sandbox serve --port {base}` running?)");
    let fault = match args.kind {
        Kind::Clear => {
            admin.clear_faults().await.map_err(failed)?;
            println!("{}: faults cleared", args.provider.name());
            return Ok(());
        }
        Kind::ServerError { status } => Fault::server_error(status),
        Kind::RateLimited { retry_after } => Fault::rate_limited(Duration::from_secs(retry_after)),
        Kind::Slow { ms } => Fault::slow(Duration::from_millis(ms)),
        Kind::Hold { ms: None } => Fault::answer_lost(),
        Kind::Hold { ms: Some(ms) } => Fault::answer_held(Duration::from_millis(ms)),
        Kind::Garble => Fault::answer_garbled(),
    };
    let mut rule = FaultRule::new(fault).times(usize::try_from(args.times).unwrap_or(usize::MAX));
    if let Some(method) = args.method {
        rule = rule.method(method);
    }
    if let Some(path) = args.path {
        rule = rule.path_contains(path);
    }
    admin.inject_fault(&rule).await.map_err(failed)?;
    println!(
        "{}: queued {}",
        args.provider.name(),
        serde_json::to_string(&rule).unwrap_or_default()
    );
    Ok(())
}
