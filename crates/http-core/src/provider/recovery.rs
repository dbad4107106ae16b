//! A provider client's recovery, on the core's side: the journal's
//! [`recover`] loop run for a client, its errors as the core's [`Error`].

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use partner_sdk_journal::{Intent, JournalStore, RecoveryReport, Resolved, recover};

use crate::error::{Error, Result};

/// [`recover`] as a client's `recover_older_than` runs it: an empty report
/// when the client has no `journal`, and a journal that fails as
/// [`Error::Journal`].
pub async fn recover_client<F, Fut>(
    journal: Option<&Arc<dyn JournalStore>>,
    provider: &str,
    older_than: Duration,
    resolve: F,
) -> Result<RecoveryReport>
where
    F: FnMut(Intent) -> Fut,
    Fut: Future<Output = Resolved>,
{
    match journal {
        None => Ok(RecoveryReport::default()),
        Some(journal) => recover(&**journal, provider, older_than, resolve)
            .await
            .map_err(|e| Error::Journal(Arc::new(e))),
    }
}
