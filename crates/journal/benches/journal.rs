//! The intent journal's cost per create: `begin` + `settle` of one intent,
//! as a provider's create would call them (BENCHMARKS.md, "The intent
//! journal: cost per create").
//!
//! ```text
//! cargo bench -p partner-sdk-journal --features sqlite \
//!     --bench journal -- <memory|create|sqlite|digest> <creates> [sqlite file]
//! ```
//!
//! `create` is all a journalled create adds to the call with the memory
//! store (key, digest of parameter and body, begin, settle). It prints the
//! wall time per create. Instructions come from callgrind:
//! `memory` and `digest` run their work in `measured_*` functions for
//! `--toggle-collect`; `sqlite` works on tokio's blocking threads, so its
//! figure is the difference of two whole runs.

use std::hint::black_box;
use std::path::PathBuf;
use std::pin::pin;
use std::process::ExitCode;
use std::task::{Context, Poll, Waker};
use std::time::Instant;

use partner_sdk_journal::{
    Begin, IntentKey, JournalStore, MemoryJournal, NewIntent, Outcome, RequestDigest,
};

/// A DT One transaction body of the usual size (about 250 bytes).
const BODY: &str = r#"{"external_id":"order-0000001","product_id":1959,"auto_confirm":true,"credit_party_identifier":{"mobile_number":"+6281234567890"},"sender":{"first_name":"A","last_name":"B"},"simulation":"0","callback_url":"https://example.com/dtone/callback/order-0000001"}"#;

fn intents(n: usize) -> Vec<NewIntent> {
    let digest = RequestDigest::of(BODY.as_bytes());
    (0..n)
        .map(|i| {
            let key = IntentKey::new(
                "dtone",
                "create_transaction",
                "external_id",
                format!("order-{i:07}"),
            );
            NewIntent::new(key, digest)
        })
        .collect()
}

fn outcome(i: usize) -> Outcome {
    Outcome::Done {
        provider_id: Some(format!("{}", 4_000_000 + i)),
    }
}

/// Polls a future that never waits (the memory store's) to its end.
fn ready<T>(future: impl Future<Output = T>) -> Option<T> {
    match pin!(future).poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(value) => Some(value),
        Poll::Pending => None,
    }
}

/// The sender's lease each create takes.
const LEASE: std::time::Duration = std::time::Duration::from_secs(60);

/// One create's journal work on the memory store: begin, then settle.
#[inline(never)]
fn measured_memory(journal: &MemoryJournal, intent: &NewIntent, outcome: Outcome) -> bool {
    let begun = ready(journal.begin(intent, LEASE));
    let settled = ready(journal.settle(&intent.key, 1, outcome));
    matches!(begun, Some(Ok(Begin::Fresh(_)))) && matches!(settled, Some(Ok(())))
}

/// Everything a journalled create adds to the call, as
/// `Transport::send_journalled` does it: the key from the request's
/// provider, operation and reconcile key, the digest of its path parameter
/// and body, `begin`, and `settle` with the provider's id.
#[inline(never)]
fn measured_create(journal: &MemoryJournal, external_id: &str, id: &str) -> bool {
    let key = IntentKey::new(
        "dtone",
        "create_transaction/fixed_value_recharges",
        "external_id",
        external_id,
    );
    let parts = [b"fixed_value_recharges".as_slice(), BODY.as_bytes()];
    let intent = NewIntent::new(key, RequestDigest::of_parts(parts));
    let begun = ready(journal.begin(&intent, LEASE));
    let outcome = Outcome::Done {
        provider_id: Some(id.to_owned()),
    };
    let settled = ready(journal.settle(&intent.key, 1, outcome));
    matches!(begun, Some(Ok(Begin::Fresh(_)))) && matches!(settled, Some(Ok(())))
}

/// The digest of one request body.
#[inline(never)]
fn measured_digest(body: &[u8]) -> RequestDigest {
    RequestDigest::of(body)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let store = args.first().map_or("memory", String::as_str);
    let n: usize = args.get(1).and_then(|n| n.parse().ok()).unwrap_or(10_000);
    let outcomes: Vec<Outcome> = (0..n).map(outcome).collect();
    let started;
    match store {
        "memory" => {
            let intents = intents(n);
            let journal = MemoryJournal::new();
            started = Instant::now();
            for (intent, outcome) in intents.iter().zip(outcomes) {
                if !measured_memory(&journal, intent, outcome) {
                    eprintln!("begin or settle failed");
                    return ExitCode::FAILURE;
                }
            }
        }
        "create" => {
            let ids: Vec<(String, String)> = (0..n)
                .map(|i| (format!("order-{i:07}"), format!("{}", 4_000_000 + i)))
                .collect();
            let journal = MemoryJournal::new();
            started = Instant::now();
            for (external_id, id) in &ids {
                if !measured_create(&journal, external_id, id) {
                    eprintln!("begin or settle failed");
                    return ExitCode::FAILURE;
                }
            }
        }
        "digest" => {
            started = Instant::now();
            for _ in 0..n {
                black_box(measured_digest(black_box(BODY.as_bytes())));
            }
        }
        "sqlite" => return sqlite(n, outcomes, args.get(2).map(PathBuf::from)),
        other => {
            eprintln!("unknown store {other}: memory, create, sqlite or digest");
            return ExitCode::FAILURE;
        }
    }
    report(store, n, started);
    ExitCode::SUCCESS
}

fn report(store: &str, n: usize, started: Instant) {
    let per = started.elapsed().as_secs_f64() / n as f64;
    println!("{store}: {n} creates, {:.2} µs per create", per * 1e6);
}

#[cfg(feature = "sqlite")]
fn sqlite(n: usize, outcomes: Vec<Outcome>, path: Option<PathBuf>) -> ExitCode {
    use partner_sdk_journal::SqliteJournal;

    let path = path.unwrap_or_else(|| {
        std::env::temp_dir().join(format!(
            "partner-sdk-journal-bench-{}.sqlite",
            std::process::id()
        ))
    });
    let Ok(runtime) = tokio::runtime::Builder::new_current_thread().build() else {
        eprintln!("no tokio runtime");
        return ExitCode::FAILURE;
    };
    let intents = intents(n);
    let result = runtime.block_on(async {
        let journal = SqliteJournal::open(&path).await?;
        let started = Instant::now();
        for (intent, outcome) in intents.iter().zip(outcomes) {
            let begun = journal.begin(intent, LEASE).await?;
            if !matches!(begun, Begin::Fresh(_)) {
                eprintln!("the bench's file held this intent already");
            }
            journal.settle(&intent.key, 1, outcome).await?;
        }
        Ok::<_, partner_sdk_journal::JournalError>(started)
    });
    for suffix in ["", "-wal", "-shm"] {
        let mut file = path.clone().into_os_string();
        file.push(suffix);
        let _ = std::fs::remove_file(file);
    }
    match result {
        Ok(started) => {
            report("sqlite", n, started);
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("sqlite: {error}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(not(feature = "sqlite"))]
fn sqlite(_: usize, _: Vec<Outcome>, _: Option<PathBuf>) -> ExitCode {
    eprintln!("build with --features sqlite");
    ExitCode::FAILURE
}
