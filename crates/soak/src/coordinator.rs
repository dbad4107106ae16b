//! The coordinator: starts the DT One sandbox in-process (it outlives every
//! replica), the chaos proxy in front of it and the replica processes; kills
//! replicas with SIGKILL at random moments spread over the run and starts
//! each again; when all are done, recovers what is left and checks the
//! ledger.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use partner_sdk_dtone::Client;
use partner_sdk_journal::JournalStore;
use partner_sdk_sandbox::dtone::DtoneSandbox;
use tokio::io::AsyncReadExt as _;
use tokio::process::{Child, Command};
use tokio::task::JoinHandle;

use crate::POSTGRES_URL_ENV;
use crate::ledger::{self, Ledger, Made, Recorded};
use crate::orders;
use crate::proxy::{self, FaultKind, FaultRates, Proxy};
use crate::store::{self, Location};

/// Which store the replicas share.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum JournalKind {
    /// A database of its own on the PostgreSQL server named by
    /// `PARTNER_SDK_TEST_POSTGRES_URL`, created for the run.
    Postgres,
    /// A SQLite file in a directory of its own (one replica only).
    Sqlite,
}

/// A run, as the command line gives it.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    /// Replica processes.
    pub(crate) replicas: u64,
    /// Orders in all, shared among the replicas.
    pub(crate) creates: u64,
    /// SIGKILLs over the run.
    pub(crate) kills: u64,
    /// The shared journal's store.
    pub(crate) journal: JournalKind,
    /// Seeds the faults and the kills.
    pub(crate) seed: u64,
    /// The replicas' timeout per attempt.
    pub(crate) timeout: Duration,
    /// How long a pending intent is left alone before a recovery claims it;
    /// by default longer than any create can take, the proxy's slowest
    /// forwarding included (twice the timeout), with a margin.
    pub(crate) grace: Duration,
    /// Orders in flight at once in each replica.
    pub(crate) concurrency: usize,
    /// The chance of each fault per create.
    pub(crate) rates: FaultRates,
    /// When the replicas are stopped if they have not finished.
    pub(crate) deadline: Duration,
    /// How long the final recovery may take.
    pub(crate) final_recovery: Duration,
    /// Keep the run's database or file even when the check holds.
    pub(crate) keep: bool,
}

/// One replica process and the task collecting what it prints.
struct Running {
    child: Child,
    output: JoinHandle<String>,
}

/// A replica's slot: the process running it, or its final tallies.
struct Slot {
    running: Option<Running>,
    summary: Option<String>,
}

/// What the run did, besides the ledger.
struct Tally {
    kills: u64,
    crashes: u64,
    timed_out: bool,
}

/// Runs the soak and prints its report; `Ok(true)` when the ledger holds.
pub(crate) async fn run(settings: Settings) -> Result<bool, String> {
    let started = Instant::now();
    let name = format!("partner_sdk_soak_{}_{}", settings.seed, std::process::id());
    let (location, cleanup) = prepare_journal(&settings, &name).await?;
    let sandbox = DtoneSandbox::start().await;
    let upstream = socket_of(&sandbox.base_url())?;
    let proxy = proxy::start(upstream, settings.rates, settings.seed, settings.timeout)
        .await
        .map_err(|e| format!("cannot start the proxy: {e}"))?;
    println!(
        "partner-soak: journal {}, {} replicas, {} orders, {} kills planned, seed {}, timeout {:?}, grace {:?}",
        match settings.journal {
            JournalKind::Postgres => "postgres",
            JournalKind::Sqlite => "sqlite",
        },
        settings.replicas,
        settings.creates,
        settings.kills,
        settings.seed,
        settings.timeout,
        settings.grace
    );

    let tally = drive(&settings, &location, &proxy).await?;

    let journal = location.open().await?;
    // The replicas' settings: its recovery waits for their longest create.
    let client = Client::builder()
        .base_url(sandbox.base_url())
        .credentials(sandbox.api_key(), sandbox.api_secret())
        .timeout(settings.timeout)
        .retry_policy(crate::replica::retry_policy(settings.timeout))
        .journal(Arc::clone(&journal))
        .build()
        .map_err(|e| format!("cannot build the recovering client: {e}"))?;
    settle_the_rest(&client, journal.as_ref(), &settings).await?;
    let recorded = read_journal(journal.as_ref(), settings.creates).await?;
    let ledger = ledger::check(&recorded, &Made::from_sandbox(&sandbox.transactions()));
    report(&settings, &proxy, &tally, &ledger, started.elapsed());
    drop(client);
    drop(journal);
    let holds = ledger.holds() && !tally.timed_out;
    if holds && !settings.keep {
        cleanup.run().await;
    } else {
        println!("journal kept: {}", cleanup.describe());
    }
    Ok(holds)
}

/// What to remove after a run that held.
enum Cleanup {
    Database { server: String, name: String },
    Directory(PathBuf),
}

impl Cleanup {
    async fn run(&self) {
        match self {
            Cleanup::Database { server, name } => {
                if let Err(e) = store::drop_database(server, name).await {
                    eprintln!("partner-soak: {e}");
                }
            }
            Cleanup::Directory(dir) => {
                let _ = std::fs::remove_dir_all(dir);
            }
        }
    }

    fn describe(&self) -> String {
        match self {
            Cleanup::Database { name, .. } => format!("PostgreSQL database {name}"),
            Cleanup::Directory(dir) => dir.display().to_string(),
        }
    }
}

/// A journal of the run's own: a new PostgreSQL database, or a SQLite
/// file in a new directory.
async fn prepare_journal(settings: &Settings, name: &str) -> Result<(Location, Cleanup), String> {
    match settings.journal {
        JournalKind::Postgres => {
            let server = std::env::var(POSTGRES_URL_ENV).map_err(|_| {
                format!(
                    "{POSTGRES_URL_ENV} is not set: start a server (e.g. `source .ci/pg-start`)"
                )
            })?;
            let url = store::create_database(&server, name).await?;
            Ok((
                Location::Postgres(url),
                Cleanup::Database {
                    server,
                    name: name.to_owned(),
                },
            ))
        }
        JournalKind::Sqlite => {
            if settings.replicas != 1 {
                return Err("a SQLite journal is for one process: use --replicas 1".to_owned());
            }
            let dir = std::env::temp_dir().join(name);
            std::fs::create_dir_all(&dir)
                .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
            let path = dir.join("journal.sqlite").display().to_string();
            Ok((Location::Sqlite(path), Cleanup::Directory(dir)))
        }
    }
}

/// The loopback address of the sandbox's base URL.
fn socket_of(base_url: &str) -> Result<SocketAddr, String> {
    let url = url::Url::parse(base_url).map_err(|e| format!("sandbox URL: {e}"))?;
    let host = url.host_str().unwrap_or("127.0.0.1");
    let port = url.port_or_known_default().unwrap_or(80);
    format!("{host}:{port}")
        .parse()
        .map_err(|e| format!("sandbox address: {e}"))
}

/// `kills` numbers of creates seen by the proxy, spread over the first 90%
/// of the run with a random shift each, at which a replica is killed (a
/// few orders never reach the proxy: their replica was killed before it
/// sent them, and a recovery found them not done).
fn kill_points(rng: &mut fastrand::Rng, creates: u64, kills: u64) -> Vec<u64> {
    let step = 0.9 * creates as f64 / (kills + 1) as f64;
    let mut points: Vec<u64> = (1..=kills)
        .map(|k| (step * (k as f64 + rng.f64() - 0.5)).max(1.0) as u64)
        .collect();
    points.sort_unstable();
    points
}

/// Starts replica `index`.
fn spawn_replica(
    settings: &Settings,
    location: &Location,
    base_url: &str,
    index: u64,
) -> Result<Running, String> {
    let exe = std::env::current_exe().map_err(|e| format!("cannot find this program: {e}"))?;
    let mut command = Command::new(exe);
    command
        .arg("replica")
        .args(["--index", &index.to_string()])
        .args(["--replicas", &settings.replicas.to_string()])
        .args(["--creates", &settings.creates.to_string()])
        .args(["--base-url", base_url])
        .args(["--timeout-ms", &settings.timeout.as_millis().to_string()])
        .args(["--grace-ms", &settings.grace.as_millis().to_string()])
        .args(["--concurrency", &settings.concurrency.to_string()])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true);
    match location {
        Location::Postgres(url) => {
            command
                .args(["--journal", "postgres"])
                .env(POSTGRES_URL_ENV, url);
        }
        Location::Sqlite(path) => {
            command.args(["--journal", "sqlite", "--sqlite-path", path]);
        }
    }
    let mut child = command
        .spawn()
        .map_err(|e| format!("cannot start replica {index}: {e}"))?;
    let mut stdout = child.stdout.take();
    let output = tokio::spawn(async move {
        let mut text = String::new();
        if let Some(out) = stdout.as_mut() {
            let _ = out.read_to_string(&mut text).await;
        }
        text
    });
    Ok(Running { child, output })
}

/// Runs the replicas to the end, killing and restarting them on the way.
async fn drive(settings: &Settings, location: &Location, proxy: &Proxy) -> Result<Tally, String> {
    let base_url = format!(
        "http://{}{}",
        proxy.addr(),
        partner_sdk_sandbox::dtone::BASE_PATH
    );
    let mut rng = fastrand::Rng::with_seed(settings.seed.rotate_left(32) ^ 0x5eed);
    let points = kill_points(&mut rng, settings.creates, settings.kills);
    let mut slots = Vec::new();
    for index in 0..settings.replicas {
        slots.push(Slot {
            running: Some(spawn_replica(settings, location, &base_url, index)?),
            summary: None,
        });
    }
    let deadline = Instant::now() + settings.deadline;
    let mut tally = Tally {
        kills: 0,
        crashes: 0,
        timed_out: false,
    };
    let most_crashes = 3 * settings.replicas + settings.kills;
    loop {
        for (index, slot) in (0u64..).zip(slots.iter_mut()) {
            let Some(running) = slot.running.as_mut() else {
                continue;
            };
            let Ok(Some(status)) = running.child.try_wait() else {
                continue;
            };
            let output = match slot.running.take() {
                Some(done) => done.output.await.unwrap_or_default(),
                None => String::new(),
            };
            if status.success() {
                slot.summary = Some(output.lines().last().unwrap_or_default().to_owned());
            } else {
                tally.crashes += 1;
                eprintln!("partner-soak: replica {index} ended with {status}; starting it again");
                if tally.crashes > most_crashes {
                    return Err(format!(
                        "replicas ended on their own {} times: giving up",
                        tally.crashes
                    ));
                }
                slot.running = Some(spawn_replica(settings, location, &base_url, index)?);
            }
        }
        if slots.iter().all(|s| s.summary.is_some()) {
            break;
        }
        if Instant::now() >= deadline {
            for slot in &mut slots {
                if let Some(mut running) = slot.running.take() {
                    let _ = running.child.start_kill();
                    let _ = running.child.wait().await;
                }
            }
            tally.timed_out = true;
            break;
        }
        let due = points
            .get(tally.kills as usize)
            .is_some_and(|point| proxy.stats().creates() >= *point);
        let alive: Vec<usize> = (0..slots.len())
            .filter(|&i| slots[i].running.is_some())
            .collect();
        if due && !alive.is_empty() {
            let index = alive[rng.usize(..alive.len())];
            if let Some(mut running) = slots[index].running.take() {
                // SIGKILL on unix: no destructor, no flush, no goodbye.
                let _ = running.child.start_kill();
                let _ = running.child.wait().await;
                running.output.abort();
            }
            tally.kills += 1;
            slots[index].running =
                Some(spawn_replica(settings, location, &base_url, index as u64)?);
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    for (index, slot) in slots.iter().enumerate() {
        if let Some(summary) = &slot.summary {
            println!("replica {index}: {summary}");
        }
    }
    Ok(tally)
}

/// Recovers, with a client straight to the sandbox, until no order of the
/// run is pending or the time allowed runs out.
async fn settle_the_rest(
    client: &Client,
    journal: &dyn JournalStore,
    settings: &Settings,
) -> Result<(), String> {
    let until = Instant::now() + settings.final_recovery;
    let mut pending: Vec<u64> = (0..settings.creates).collect();
    loop {
        let mut still = Vec::new();
        for order in pending {
            let intent = journal
                .get(&orders::intent_key(order))
                .await
                .map_err(|e| format!("cannot read the journal: {e}"))?;
            if intent.is_some_and(|i| i.state.is_pending()) {
                still.push(order);
            }
        }
        pending = still;
        if pending.is_empty() || Instant::now() >= until {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
        if let Err(e) = client.recover_older_than(settings.grace).await {
            eprintln!("partner-soak: final recovery: {e}");
        }
    }
}

/// The journal's state of every order.
async fn read_journal(journal: &dyn JournalStore, creates: u64) -> Result<Vec<Recorded>, String> {
    let mut recorded = Vec::new();
    for order in 0..creates {
        let intent = journal
            .get(&orders::intent_key(order))
            .await
            .map_err(|e| format!("cannot read the journal: {e}"))?;
        recorded.push(Recorded::from(intent.map(|i| i.state)));
    }
    Ok(recorded)
}

/// Prints the figures of the run.
fn report(settings: &Settings, proxy: &Proxy, tally: &Tally, ledger: &Ledger, elapsed: Duration) {
    let stats = proxy.stats();
    let faults: Vec<String> = FaultKind::ALL
        .iter()
        .map(|kind| format!("{} {}", kind.name(), stats.faults(*kind)))
        .collect();
    let total: u64 = FaultKind::ALL.iter().map(|kind| stats.faults(*kind)).sum();
    let list = |orders: &[u64]| -> String {
        let shown: Vec<String> = orders
            .iter()
            .take(20)
            .map(|o| orders::external_id(*o))
            .collect();
        if orders.len() > shown.len() {
            format!(" ({}, ...)", shown.join(", "))
        } else if shown.is_empty() {
            String::new()
        } else {
            format!(" ({})", shown.join(", "))
        }
    };
    println!("orders: {}", settings.creates);
    println!(
        "creates: {} sent through the proxy, {} look-ups",
        stats.creates(),
        stats.reads()
    );
    println!("faults: {total} ({})", faults.join(", "));
    println!(
        "kills: {} (SIGKILL), replicas ended on their own: {}{}",
        tally.kills,
        tally.crashes,
        if tally.timed_out {
            ", run deadline reached"
        } else {
            ""
        }
    );
    println!(
        "outcomes: {} done, {} not done (refused, the key not sent again)",
        ledger.done, ledger.not_done
    );
    println!(
        "duplicates: {}{}",
        ledger.duplicates,
        list(&ledger.duplicated_orders)
    );
    let lost: Vec<u64> = ledger.lost.iter().map(|(order, _)| *order).collect();
    println!("lost: {}{}", ledger.lost.len(), list(&lost));
    for (order, why) in ledger.lost.iter().take(20) {
        println!("  {}: {why}", orders::external_id(*order));
    }
    if !ledger.never_begun.is_empty() {
        println!(
            "never begun: {}{}",
            ledger.never_begun.len(),
            list(&ledger.never_begun)
        );
    }
    if !ledger.unaccounted.is_empty() {
        println!("transactions of no order: {}", ledger.unaccounted.len());
    }
    println!(
        "left for a person: {}{}",
        ledger.pending.len(),
        list(&ledger.pending)
    );
    println!("elapsed: {:.1} s", elapsed.as_secs_f64());
}

#[cfg(test)]
mod tests {
    use super::kill_points;

    #[test]
    fn kills_are_spread_over_the_run() {
        let mut rng = fastrand::Rng::with_seed(7);
        let points = kill_points(&mut rng, 2000, 20);
        assert_eq!(points.len(), 20);
        assert!(points.windows(2).all(|w| w[0] <= w[1]));
        let step = 1800 / 21;
        assert!(points[0] <= step * 2 && points[19] >= step * 19 && points[19] < 1800);
    }
}
