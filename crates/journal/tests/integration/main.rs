//! Every integration test of `partner-sdk-journal`, in one binary: one
//! conformance suite, run against every store (`cargo test -p
//! partner-sdk-journal --all-features` runs the SQLite and PostgreSQL ones).

mod conformance;
#[cfg(feature = "postgres")]
mod postgres;
#[cfg(feature = "sqlite")]
mod sqlite;

use std::sync::Arc;

use partner_sdk_journal::{JournalStore, MemoryJournal};

#[tokio::test]
async fn memory_journal_conforms() {
    conformance::run(&MemoryJournal::new()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memory_journal_claims_are_disjoint() {
    let journal: Arc<dyn JournalStore> = Arc::new(MemoryJournal::new());
    conformance::concurrent_claims_are_disjoint(Arc::clone(&journal), journal).await;
}
