//! Crash-safe top-ups: a DT One create journalled in SQLite, its answer
//! lost, and a "restarted process" that recovers it from the journal file.
//!
//! Runs offline, against the in-process DT One sandbox:
//!
//! ```text
//! cargo run --example crash_safe_topup --features dtone,journal-sqlite
//! ```
//!
//! 1. The client is built with a SQLite journal (a file in a temporary
//!    directory). Before the create is sent, its intent (provider,
//!    operation, `external_id`, a digest of the request) is on disk.
//! 2. The sandbox is told to lose the answer: it creates the transaction,
//!    then holds the answer past the client's timeout. The create ends in
//!    `OutcomeUnknown`; the intent stays pending. A process that died at
//!    this point would leave the same journal behind.
//! 3. A new client opens the same file and, once the lease the first
//!    process held on the intent has run out (the create's deadline: here
//!    one 500 ms attempt and a 2 s margin), calls `recover()`: it claims the
//!    pending intent, looks it up by `external_id`, and settles it done with
//!    DT One's transaction id. It never sends the create again.

use std::sync::Arc;
use std::time::Duration;

use dtone::{Category, Client, TransactionRequest};
use partner_sdk::core::RetryPolicy;
use partner_sdk::journal::{IntentKey, JournalStore, SqliteJournal};
use sandbox::dtone::DtoneSandbox;
use sandbox::faults::{Fault, FaultRule};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::temp_dir().join(format!("crash-safe-topup-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let path = dir.join("journal.sqlite3");
    let result = run(&path).await;
    std::fs::remove_dir_all(&dir)?;
    result
}

async fn run(path: &std::path::Path) -> Result<(), Box<dyn std::error::Error>> {
    let sandbox = DtoneSandbox::start().await;
    let (timeout, retry) = (Duration::from_millis(500), RetryPolicy::none());
    let build = |journal: Arc<dyn JournalStore>| {
        Client::builder()
            .base_url(sandbox.base_url())
            .credentials(sandbox.api_key(), sandbox.api_secret())
            .timeout(timeout)
            .retry_policy(retry)
            .journal(journal)
            .build()
    };
    let request = TransactionRequest::new("+50212345678", 64, "order-7001").simulation(true);

    // 1-2. The first process: the create is sent, its answer is lost.
    sandbox.inject_fault(
        FaultRule::new(Fault::answer_lost())
            .method("POST")
            .path_contains("/transactions/"),
    );
    let first = build(Arc::new(SqliteJournal::open(path).await?))?;
    match first
        .create_transaction(Category::FixedValueRecharges, &request)
        .await
    {
        Err(e) if e.outcome_unknown_key().is_some() => println!("create: {e}"),
        other => return Err(format!("expected an unknown outcome, got {other:?}").into()),
    }
    drop(first);

    // 3. The next process opens the same journal and recovers. A create
    // holds its intent for its whole deadline (all its attempts, waits and
    // login), so that no recovery resolves it while it waits for its
    // answer; a process that died leaves that lease to run out. DT One's
    // requests are signed on the spot (no login): one 500 ms attempt and
    // the margin.
    let lease = partner_sdk::core::transport::create_deadline(timeout, retry, Duration::ZERO);
    println!("waiting {lease:?} for the dead process's lease to run out");
    tokio::time::sleep(lease).await;
    let journal = Arc::new(SqliteJournal::open(path).await?);
    let second = build(journal.clone())?;
    let report = second.recover_older_than(Duration::ZERO).await?;
    println!(
        "recover: {} done, {} not done, {} unknown, {} to reconcile",
        report.done.len(),
        report.not_done.len(),
        report.unknown.len(),
        report.needs_reconciliation.len()
    );
    let key = IntentKey::new(
        "dtone",
        "create_transaction/fixed_value_recharges",
        "external_id",
        "order-7001",
    );
    let intent = journal.get(&key).await?.ok_or("the intent is journalled")?;
    println!("journal: order-7001 is {:?}", intent.state);
    println!(
        "sandbox: {} transaction(s) under order-7001",
        sandbox
            .transactions()
            .iter()
            .filter(|tx| tx["external_id"] == "order-7001")
            .count()
    );
    // The same create again is answered from DT One's record, not sent.
    let tx = second
        .create_transaction(Category::FixedValueRecharges, &request)
        .await?;
    println!(
        "create again: transaction {} (looked up, not sent)",
        tx.transaction_id
    );
    Ok(())
}
