//! The intent journal: one conformance suite, run against every store.

mod conformance;
#[cfg(feature = "journal-postgres")]
mod postgres;
#[cfg(feature = "journal-sqlite")]
mod sqlite;

use std::sync::Arc;

use partner_sdk_core::journal::{JournalStore, MemoryJournal};

#[tokio::test]
async fn memory_journal_conforms() {
    conformance::run(&MemoryJournal::new()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memory_journal_claims_are_disjoint() {
    let journal: Arc<dyn JournalStore> = Arc::new(MemoryJournal::new());
    conformance::concurrent_claims_are_disjoint(Arc::clone(&journal), journal).await;
}
