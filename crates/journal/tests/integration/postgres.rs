//! `PostgresJournal` against a real server: the conformance suite, and two
//! replicas (two journals, two connections) claiming at once.
//!
//! The server is named by `PARTNER_SDK_TEST_POSTGRES_URL` (`.ci/pg-start`
//! starts one and exports it). Without it these tests fail when PostgreSQL
//! is required (`CI` set, or `PARTNER_SDK_REQUIRE_POSTGRES=1`) and otherwise
//! print why they skip.

use std::sync::Arc;

use partner_sdk_journal::{JournalStore, PostgresJournal};

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
