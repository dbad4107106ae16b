//! `partner-soak`: a soak test that counts.
//!
//! `partner-soak run` starts the DT One sandbox, a chaos proxy in front of
//! it and several replica processes (`partner-soak replica`, this same
//! program) sharing one intent journal; the replicas send their share of
//! the orders through the proxy while it injects faults at random, and the
//! coordinator kills them with SIGKILL at random moments and starts them
//! again. When all are done it recovers what is left and checks the
//! ledger: for each order, the sandbox holds exactly one transaction or
//! none, and the journal agrees. It prints creates, faults, kills,
//! duplicates, lost and what is left for a person, and exits with 1 on any
//! duplicate or loss (2 when the run could not be made).
//!
//! See the crate's README for the commands of the short and long forms.

mod coordinator;
mod ledger;
mod orders;
mod proxy;
mod replica;
mod store;

use std::process::ExitCode;
use std::time::Duration;

use clap::Parser as _;

use crate::coordinator::{JournalKind, Settings};
use crate::proxy::FaultRates;
use crate::store::Location;

/// The environment variable naming the PostgreSQL server, the one the
/// journal's tests read and `.ci/pg-start` exports (the test kit's
/// `POSTGRES_URL_ENV`, which is a dev-dependency only).
pub(crate) const POSTGRES_URL_ENV: &str = "PARTNER_SDK_TEST_POSTGRES_URL";

/// The command line.
#[derive(Debug, clap::Parser)]
#[command(
    name = "partner-soak",
    about = "A soak test of the intent journal that counts"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Runs a soak: sandbox, proxy, replicas, kills, then the ledger check.
    Run(RunArgs),
    /// One replica (started by `run`).
    Replica(ReplicaArgs),
}

#[derive(Debug, clap::Args)]
struct RunArgs {
    /// Replica processes sharing the journal.
    #[arg(long, default_value_t = 3)]
    replicas: u64,
    /// Orders in all (order-0 .. order-N), shared among the replicas.
    #[arg(long, default_value_t = 300)]
    creates: u64,
    /// Replicas killed with SIGKILL over the run.
    #[arg(long, default_value_t = 5)]
    kills: u64,
    /// The shared journal: PostgreSQL (a database of the run's own on the
    /// server named by PARTNER_SDK_TEST_POSTGRES_URL) or SQLite (one
    /// replica).
    #[arg(long, value_enum, default_value = "postgres")]
    journal: JournalKind,
    /// Seeds the faults and the kills (default: from the clock).
    #[arg(long)]
    seed: Option<u64>,
    /// The replicas' timeout per attempt, in milliseconds.
    #[arg(long, default_value_t = 1000)]
    timeout_ms: u64,
    /// How long a pending intent is left alone before a recovery claims
    /// it, in milliseconds (default: three timeouts and a second, longer
    /// than any create through the proxy can take). Shorter, recoveries
    /// race creates still in flight: the check shows what the journal
    /// does then.
    #[arg(long)]
    grace_ms: Option<u64>,
    /// Orders in flight at once in each replica.
    #[arg(long, default_value_t = 16)]
    concurrency: usize,
    /// Chance per create: forwarded, the answer dropped.
    #[arg(long, default_value_t = 0.04)]
    answer_lost: f64,
    /// Chance per create: the connection closed, not forwarded.
    #[arg(long, default_value_t = 0.03)]
    closed_before: f64,
    /// Chance per create: a gateway's 502/503/504 HTML page, not forwarded.
    #[arg(long, default_value_t = 0.04)]
    gateway: f64,
    /// Chance per create: 429 with Retry-After, not forwarded.
    #[arg(long, default_value_t = 0.03)]
    rate_limited: f64,
    /// Chance per create: forwarded after a delay below the timeout.
    #[arg(long, default_value_t = 0.03)]
    slow_within: f64,
    /// Chance per create: forwarded after a delay beyond the timeout.
    #[arg(long, default_value_t = 0.03)]
    slow_beyond: f64,
    /// Seconds after which the replicas are stopped if not finished.
    #[arg(long, default_value_t = 900)]
    deadline_secs: u64,
    /// Seconds the final recovery may take (longer than a recovery's
    /// lease, which a killed replica may have left).
    #[arg(long, default_value_t = 90)]
    final_recovery_secs: u64,
    /// Keep the run's database or file even when the check holds.
    #[arg(long)]
    keep: bool,
}

#[derive(Debug, clap::Args)]
struct ReplicaArgs {
    #[arg(long)]
    index: u64,
    #[arg(long)]
    replicas: u64,
    #[arg(long)]
    creates: u64,
    /// The DT One base URL (the proxy's).
    #[arg(long)]
    base_url: String,
    /// PostgreSQL: the URL is read from PARTNER_SDK_TEST_POSTGRES_URL.
    #[arg(long, value_enum)]
    journal: JournalKind,
    #[arg(long)]
    sqlite_path: Option<String>,
    #[arg(long)]
    timeout_ms: u64,
    #[arg(long)]
    grace_ms: u64,
    #[arg(long)]
    concurrency: usize,
}

#[tokio::main]
async fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Run(args) => match coordinator::run(settings(args)).await {
            Ok(true) => ExitCode::SUCCESS,
            Ok(false) => ExitCode::from(1),
            Err(message) => {
                eprintln!("partner-soak: {message}");
                ExitCode::from(2)
            }
        },
        Command::Replica(args) => match replica(args).await {
            Ok(summary) => {
                println!("{summary}");
                ExitCode::SUCCESS
            }
            Err(message) => {
                eprintln!("partner-soak replica: {message}");
                ExitCode::from(2)
            }
        },
    }
}

fn settings(args: RunArgs) -> Settings {
    let seed = args.seed.unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs())
    });
    let timeout = Duration::from_millis(args.timeout_ms.max(1));
    Settings {
        grace: args
            .grace_ms
            .map_or(timeout * 3 + Duration::from_secs(1), Duration::from_millis),
        replicas: args.replicas.max(1),
        creates: args.creates,
        kills: args.kills,
        journal: args.journal,
        seed,
        timeout,
        concurrency: args.concurrency,
        rates: FaultRates([
            args.answer_lost,
            args.closed_before,
            args.gateway,
            args.rate_limited,
            args.slow_within,
            args.slow_beyond,
        ]),
        deadline: Duration::from_secs(args.deadline_secs),
        final_recovery: Duration::from_secs(args.final_recovery_secs),
        keep: args.keep,
    }
}

async fn replica(args: ReplicaArgs) -> Result<String, String> {
    let journal = match args.journal {
        JournalKind::Postgres => Location::Postgres(
            std::env::var(POSTGRES_URL_ENV)
                .map_err(|_| format!("{POSTGRES_URL_ENV} is not set"))?,
        ),
        JournalKind::Sqlite => Location::Sqlite(
            args.sqlite_path
                .ok_or_else(|| "--sqlite-path is required with --journal sqlite".to_owned())?,
        ),
    };
    replica::run(replica::Plan {
        index: args.index,
        replicas: args.replicas,
        creates: args.creates,
        base_url: args.base_url,
        journal,
        timeout: Duration::from_millis(args.timeout_ms),
        grace: Duration::from_millis(args.grace_ms),
        concurrency: args.concurrency,
    })
    .await
}
