//! `PostgresJournal` against a real server: the conformance suite, and two
//! replicas (two journals, two connections) claiming at once.
//!
//! The server is named by `PARTNER_SDK_TEST_POSTGRES_URL` (`.ci/pg-start`
//! starts one and exports it). Without it these tests fail when PostgreSQL
//! is required (`CI` set, or `PARTNER_SDK_REQUIRE_POSTGRES=1`) and otherwise
//! print why they skip.

use std::sync::Arc;

use partner_sdk_core::journal::{JournalStore, PostgresJournal};

use super::conformance;

const URL_ENV: &str = "PARTNER_SDK_TEST_POSTGRES_URL";

/// The server's URL; `None` (after saying so) when the tests may skip.
fn server_url() -> Option<String> {
    if let Some(url) = std::env::var(URL_ENV).ok().filter(|url| !url.is_empty()) {
        return Some(url);
    }
    let required = std::env::var_os("CI").is_some()
        || std::env::var("PARTNER_SDK_REQUIRE_POSTGRES").is_ok_and(|v| v == "1");
    assert!(
        !required,
        "{URL_ENV} is not set, and PostgreSQL is required here (CI or \
         PARTNER_SDK_REQUIRE_POSTGRES=1): start a server with `source .ci/pg-start`"
    );
    eprintln!(
        "skipped: {URL_ENV} is not set, so there is no PostgreSQL to test against \
         (start one with `source .ci/pg-start`)"
    );
    None
}

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
