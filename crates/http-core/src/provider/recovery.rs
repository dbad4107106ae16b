//! A provider client's recovery, on the core's side: the journal's
//! [`recover`](partner_sdk_journal::recover) loop run for a client, as the
//! client's [`Call`], its errors as the core's [`Error`].

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use partner_sdk_journal::{Intent, JournalStore, RecoveryReport, Resolved};

use super::{Call, boxed};
use crate::error::Error;

/// The body of every provider client's `recover_older_than`: resolves each
/// create journalled pending for at least `older_than` with the provider's
/// look-up (`resolve`), through the journal's
/// [`recover`](partner_sdk_journal::recover). A client without a `journal`
/// has nothing to recover (an empty report); a journal that fails is
/// [`Error::Journal`]. Never sends a create.
pub fn recover<'a, E, F, Fut>(
    journal: Option<&'a Arc<dyn JournalStore>>,
    provider: &'static str,
    older_than: Duration,
    resolve: F,
) -> Call<'a, RecoveryReport, E>
where
    E: From<Error> + 'a,
    F: FnMut(Intent) -> Fut + Send + 'a,
    Fut: Future<Output = Resolved> + Send + 'a,
{
    boxed(async move {
        let Some(journal) = journal else {
            return Ok(RecoveryReport::default());
        };
        partner_sdk_journal::recover(&**journal, provider, older_than, resolve)
            .await
            .map_err(|e| E::from(Error::Journal(Arc::new(e))))
    })
}
