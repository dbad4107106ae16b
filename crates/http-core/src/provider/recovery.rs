//! A provider client's recovery, on the core's side: the journal's
//! [`recover`](partner_sdk_journal::recover) loop run for a client, as the
//! client's [`Call`], its errors as the core's [`Error`].

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use partner_sdk_journal::{Intent, RecoveryReport, Resolved};

use super::{Call, boxed};
use crate::error::Error;
use crate::transport::Journal;

/// The body of every provider client's `recover_older_than`: resolves each
/// create journalled pending for at least `older_than` with the provider's
/// look-up (`resolve`), through the journal's
/// [`recover`](partner_sdk_journal::recover), each journal call bounded by
/// the client's journal timeout. The grace is at least the longest create
/// the client sends ([`Journal::longest_create`]), whatever `older_than`
/// says; an intent whose sender still holds its lease is never claimed
/// either. A client without a `journal` has nothing to recover (an empty
/// report); a journal that fails is [`Error::Journal`]. Never sends a
/// create.
pub fn recover<'a, E, F, Fut>(
    journal: Option<&'a Journal>,
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
        let older_than = older_than.max(journal.longest_create());
        partner_sdk_journal::recover(journal, provider, older_than, resolve)
            .await
            .map_err(|e| E::from(Error::Journal(Arc::new(e))))
    })
}

/// Writes a provider client's `recover()` and `recover_older_than(grace)`
/// over [`recover`]: the client names its provider, how to reach its
/// journal, and its `resolve_intent(operation, intent)` (the provider's
/// look-up of one journalled create, sent under `operation`, the public
/// method's name). The doc comment given is the one of
/// `recover_older_than`, where the provider says what its look-up
/// concludes. Both return the provider's `Call` over its `error` type. The
/// provider crate depends on `partner-sdk-journal`, whose
/// `RecoveryReport` they return.
///
/// ```ignore
/// partner_sdk_core::provider_recovery! {
///     /// Resolves every create journalled pending for at least `grace`...
///     Client { provider: "bbti", error: Error, journal: |client| client.transport.journal() }
/// }
/// ```
#[macro_export]
macro_rules! provider_recovery {
    (
        $(#[$doc:meta])*
        $client:ident { provider: $provider:literal, error: $error:ty, journal: |$this:ident| $journal:expr $(,)? }
    ) => {
        impl $client {
            /// Resolves every create journalled pending for at least
            /// [`DEFAULT_RECOVERY_GRACE`](partner_sdk_journal::DEFAULT_RECOVERY_GRACE)
            /// (2 minutes), or the longest create this client sends if that
            /// is longer: see [`recover_older_than`](Self::recover_older_than).
            pub fn recover(
                &self,
            ) -> $crate::provider::Call<'_, partner_sdk_journal::RecoveryReport, $error> {
                self.recover_as("recover", partner_sdk_journal::DEFAULT_RECOVERY_GRACE)
            }

            $(#[$doc])*
            pub fn recover_older_than(
                &self,
                grace: ::std::time::Duration,
            ) -> $crate::provider::Call<'_, partner_sdk_journal::RecoveryReport, $error> {
                self.recover_as("recover_older_than", grace)
            }

            /// Recovery whose look-ups are sent as `operation`, the public
            /// method's name.
            fn recover_as(
                &self,
                operation: &'static str,
                grace: ::std::time::Duration,
            ) -> $crate::provider::Call<'_, partner_sdk_journal::RecoveryReport, $error> {
                let $this = self;
                $crate::provider::recover($journal, $provider, grace, move |intent| {
                    self.resolve_intent(operation, intent)
                })
            }
        }
    };
}
