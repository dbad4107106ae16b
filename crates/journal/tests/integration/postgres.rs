//! `PostgresJournal` against a real server: the conformance suite, and two
//! replicas (two journals, two connections) claiming at once.
//!
//! The server is named by `PARTNER_SDK_TEST_POSTGRES_URL` (`.ci/pg-start`
//! starts one and exports it). Without it these tests fail when PostgreSQL
//! is required (`CI` set, or `PARTNER_SDK_REQUIRE_POSTGRES=1`) and otherwise
//! print why they skip.

use std::sync::Arc;
use std::time::Duration;

use partner_sdk_journal::{
    Begin, JournalError, JournalStore, Outcome, POSTGRES_STATEMENT_TIMEOUT, PostgresJournal,
};

use super::conformance;

use partner_sdk_test_kit::{POSTGRES_URL_ENV as URL_ENV, postgres_test_url as server_url};

async fn connect(url: &str) -> PostgresJournal {
    PostgresJournal::connect(url)
        .await
        .unwrap_or_else(|e| panic!("cannot use the PostgreSQL server at {URL_ENV}: {e:?}"))
}

#[tokio::test]
async fn postgres_journal_conforms() {
    let Some(url) = server_url() else { return };
    conformance::run(&connect(&url).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_replicas_claim_each_intent_once() {
    let Some(url) = server_url() else { return };
    // Two replicas starting together: both migrate (once, under the lock).
    let (a, b) = tokio::join!(connect(&url), connect(&url));
    let (a, b): (Arc<dyn JournalStore>, Arc<dyn JournalStore>) = (Arc::new(a), Arc::new(b));
    for _ in 0..5 {
        conformance::concurrent_claims_are_disjoint(Arc::clone(&a), Arc::clone(&b)).await;
    }
}

/// The URL of `url` whose connections carry `name` as their
/// `application_name`, so a test can find them in `pg_stat_activity`.
fn named(url: &str, name: &str) -> String {
    let separator = if url.contains('?') { '&' } else { '?' };
    format!("{url}{separator}application_name={name}")
}

/// A connection of the test's own, beside the journal's.
async fn admin(url: &str) -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap_or_else(|e| panic!("admin connection: {e}"));
    tokio::spawn(connection);
    client
}

#[tokio::test]
async fn a_journal_comes_back_with_its_database() {
    let Some(url) = server_url() else { return };
    let name = conformance::unique("reconnect");
    let journal = connect(&named(&url, &name)).await;
    let provider = conformance::unique("reconnect");
    conformance::begin_fresh(&journal, &conformance::intent(&provider, "before")).await;
    // The server drops every connection of this journal (a restart, a
    // failover, an idle timeout).
    let killed = admin(&url)
        .await
        .query(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1",
            &[&name],
        )
        .await
        .unwrap_or_else(|e| panic!("terminate: {e}"));
    assert!(!killed.is_empty(), "the journal's connections were found");
    // The journal reconnects by itself: no call sees the dropped
    // connection (one that did would say the create was not sent).
    let (mut failures, mut errors) = (0, Vec::new());
    for n in 0..5 {
        let new = conformance::intent(&provider, &format!("after-{n}"));
        match journal.begin(&new, Duration::ZERO).await {
            Ok(Begin::Fresh(_)) => {}
            Ok(other) => panic!("a new key must be fresh, got {other:?}"),
            Err(e) => {
                assert!(e.create_not_sent(), "{e}");
                failures += 1;
                errors.push(format!("{e:?}"));
            }
        }
    }
    assert_eq!(failures, 0, "calls failed after the reconnect: {errors:?}");
}

#[tokio::test]
async fn a_statement_waiting_on_a_lock_is_cut_by_the_statement_timeout() {
    let Some(url) = server_url() else { return };
    let journal = connect(&url).await;
    let provider = conformance::unique("stalled");
    let new = conformance::intent(&provider, "locked");
    conformance::begin_fresh(&journal, &new).await;
    // Another session holds the intent's row locked, as a stuck transaction
    // would.
    let mut holder = admin(&url).await;
    let tx = holder
        .transaction()
        .await
        .unwrap_or_else(|e| panic!("transaction: {e}"));
    tx.execute(
        "SELECT 1 FROM partner_sdk_intents WHERE provider = $1 FOR UPDATE",
        &[&provider],
    )
    .await
    .unwrap_or_else(|e| panic!("lock: {e}"));
    let started = std::time::Instant::now();
    let outcome = Outcome::Done { provider_id: None };
    let settled = journal.settle(&new.key, 1, outcome).await;
    assert!(
        matches!(settled, Err(JournalError::Unavailable { .. })),
        "{settled:?}"
    );
    let waited = started.elapsed();
    assert!(
        waited >= POSTGRES_STATEMENT_TIMEOUT / 2 && waited < POSTGRES_STATEMENT_TIMEOUT * 3,
        "cut after {waited:?}"
    );
    drop(tx);
}
