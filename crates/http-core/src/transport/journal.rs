//! A create through the intent journal: begin, with the sender's lease,
//! before sending; renew the lease while waiting; settle after a definite
//! answer (see [`partner_sdk_journal`] for the protocol).

use std::sync::Arc;
use std::time::Duration;

use futures_util::future::{Either, select};
use partner_sdk_journal::{
    Begin, Intent, IntentKey, JournalError, JournalFuture, JournalStep, JournalStore, Lease,
    NewIntent, Outcome, RequestDigest,
};
use serde::de::DeserializeOwned;
use tracing::Instrument as _;

use super::{Request, Transport};
use crate::error::{Error, JournalledError, OutcomeUnknownError, Result};
use crate::retry::RetryPolicy;

/// What a create's lease holds beyond its attempts, waits and login: 2 s.
const LEASE_MARGIN: Duration = Duration::from_secs(2);

/// The intent journal as a transport holds it: the store, each of its calls
/// bounded by a time limit, and the longest create the transport sends under
/// its own settings.
///
/// It is a [`JournalStore`] itself, the bounded one: a call the store does
/// not answer within the limit is [`JournalError::Unavailable`] (for `begin`:
/// the create is not sent). Recovery uses it too.
#[derive(Clone)]
pub struct Journal {
    store: Arc<dyn JournalStore>,
    timeout: Duration,
    login: Duration,
    longest_create: Duration,
}

impl std::fmt::Debug for Journal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Journal")
            .field("timeout", &self.timeout)
            .field("longest_create", &self.longest_create)
            .finish_non_exhaustive()
    }
}

impl Journal {
    /// `store`, its calls bounded by `timeout`, for a transport whose
    /// attempts time out after `attempt_timeout` under `retry`, a login
    /// taking up to `login`.
    pub(crate) fn new(
        store: Arc<dyn JournalStore>,
        timeout: Duration,
        attempt_timeout: Duration,
        retry: RetryPolicy,
        login: Duration,
    ) -> Self {
        Self {
            store,
            timeout,
            login,
            longest_create: create_deadline(attempt_timeout, retry, login),
        }
    }

    /// The longest a login of the transport's auth takes
    /// ([`Auth::login_deadline`](crate::auth::Auth::login_deadline)).
    pub fn login_deadline(&self) -> Duration {
        self.login
    }

    /// The store, unbounded.
    pub fn store(&self) -> &Arc<dyn JournalStore> {
        &self.store
    }

    /// The bound on each call to the store.
    pub fn call_timeout(&self) -> Duration {
        self.timeout
    }

    /// The longest a create of this transport can take under its own
    /// settings (see [`create_deadline`]): the sender's lease, and the
    /// shortest grace a recovery waits before claiming an intent.
    pub fn longest_create(&self) -> Duration {
        self.longest_create
    }

    /// Settles the intent under `key` with `outcome` when it is pending
    /// (under its current attempt), as a look-up at the provider found it;
    /// a settled or unknown intent is left as it is. A journal error is
    /// logged, never returned: the intent stays pending and a recovery
    /// settles it.
    pub async fn settle_if_pending(&self, key: &IntentKey, outcome: Outcome) {
        match JournalStore::get(self, key).await {
            Ok(Some(intent)) if intent.state.is_pending() => {
                if let Err(e) = JournalStore::settle(self, key, intent.attempt, outcome).await {
                    tracing::warn!(
                        provider = key.provider(),
                        operation = key.operation(),
                        error = %e,
                        "journal: a look-up's finding is not recorded; the intent stays pending for recovery"
                    );
                }
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(
                provider = key.provider(),
                operation = key.operation(),
                error = %e,
                "journal: the intent a look-up settles could not be read; it stays pending for recovery"
            ),
        }
    }

    /// `call`, answered within the bound or [`JournalError::Unavailable`].
    fn bounded<'a, T: Send + 'a>(
        &'a self,
        step: JournalStep,
        call: JournalFuture<'a, T>,
    ) -> JournalFuture<'a, T> {
        Box::pin(async move {
            match tokio::time::timeout(self.timeout, call).await {
                Ok(result) => result,
                Err(_) => Err(JournalError::unavailable(
                    step,
                    format!("no answer from the journal within {:?}", self.timeout),
                )),
            }
        })
    }
}

impl JournalStore for Journal {
    fn begin<'a>(&'a self, intent: &'a NewIntent, lease: Duration) -> JournalFuture<'a, Begin> {
        self.bounded(JournalStep::Begin, self.store.begin(intent, lease))
    }

    fn settle<'a>(
        &'a self,
        key: &'a IntentKey,
        attempt: u32,
        outcome: Outcome,
    ) -> JournalFuture<'a, ()> {
        self.bounded(
            JournalStep::Settle,
            self.store.settle(key, attempt, outcome),
        )
    }

    fn renew<'a>(
        &'a self,
        key: &'a IntentKey,
        lease: u32,
        duration: Duration,
    ) -> JournalFuture<'a, bool> {
        self.bounded(JournalStep::Renew, self.store.renew(key, lease, duration))
    }

    fn claim_pending<'a>(
        &'a self,
        provider: &'a str,
        older_than: Duration,
        lease: Duration,
        limit: usize,
    ) -> JournalFuture<'a, Vec<Intent>> {
        let claim = self.store.claim_pending(provider, older_than, lease, limit);
        self.bounded(JournalStep::Claim, claim)
    }

    fn release<'a>(&'a self, claimed: &'a Intent) -> JournalFuture<'a, ()> {
        self.bounded(JournalStep::Release, self.store.release(claimed))
    }

    fn get<'a>(&'a self, key: &'a IntentKey) -> JournalFuture<'a, Option<Intent>> {
        self.bounded(JournalStep::Get, self.store.get(key))
    }

    fn prune<'a>(&'a self, older_than: Duration) -> JournalFuture<'a, u64> {
        self.bounded(JournalStep::Prune, self.store.prune(older_than))
    }
}

/// The longest a create can take with attempts of `attempt_timeout` under
/// `retry` and logins of up to `login`: every attempt at its timeout, one
/// more and a login when the auth logs in (a refused login redone), the
/// longest wait before each retry, and a 2 s margin. The sender's lease runs this long from
/// `begin`, renewed while the create waits.
pub fn create_deadline(attempt_timeout: Duration, retry: RetryPolicy, login: Duration) -> Duration {
    let attempts = retry.max_attempts.max(1);
    let sends = match login.is_zero() {
        true => attempts,
        false => attempts.saturating_add(1),
    };
    attempt_timeout
        .saturating_mul(sends)
        .saturating_add(login)
        .saturating_add(retry.max_delay.saturating_mul(attempts - 1))
        .saturating_add(LEASE_MARGIN)
}

impl Transport {
    /// The intent journal this transport's creates are written to, if any.
    pub fn journal(&self) -> Option<&Journal> {
        self.inner.journal.as_ref()
    }

    /// The journal key of a create: this provider, `operation`, and the
    /// request's [`reconcile_with`](Request::reconcile_with) key.
    /// `None` when the request has no reconcile key.
    pub fn intent_key(&self, operation: &str, request: &Request) -> Option<IntentKey> {
        let key = request.reconcile.clone()?;
        Some(IntentKey::with_key(self.inner.provider, operation, key))
    }

    /// Sends a create as [`send`](Self::send) does, journalled when the
    /// transport has a journal ([`TransportBuilder::journal`](super::TransportBuilder::journal));
    /// without one it is `send`, nothing more.
    ///
    /// With a journal:
    ///
    /// 1. the intent is begun under [`intent_key`](Self::intent_key)
    ///    (`operation` names it in the journal: the request's operation, or
    ///    more where the provider's look-up needs it) with the
    ///    [`RequestDigest`] of the path parameters and the body bytes the
    ///    request sends (serialised once, when the request was described),
    ///    leased to this call for the create's whole deadline
    ///    ([`create_deadline`] of this call's timeout and retry policy). A key
    ///    whose intent was settled not done is begun again (a new attempt).
    ///    A request without a reconcile key is [`Error::Config`]; an error
    ///    of `begin` (the journal's time bound included), or the key
    ///    journalled pending or done for another request
    ///    ([`JournalError::Conflict`]),
    ///    is [`Error::Journal`]; an intent pending or done for this very
    ///    request is [`Error::Journalled`] with its state. In each case
    ///    **nothing is sent**.
    /// 2. the request is sent on a task of its own, and the lease renewed
    ///    while it waits: a recovery never claims a create still waiting
    ///    for its answer. The task runs to the end even when the caller
    ///    stops waiting (drops this future), so an answer that arrives is
    ///    settled;
    /// 3. `outcome` reads the result: `Some` settles the intent
    ///    ([`definite_outcome`] is the usual reading), `None` leaves it
    ///    pending for a recovery. A settle that fails is logged and the
    ///    result returned as it is: the intent stays pending and a
    ///    recovery settles it.
    ///
    /// The call's metadata reaches a [`capture`](crate::metadata::capture)
    /// around this call as any other call's does.
    pub async fn send_journalled<T, F>(
        &self,
        operation: &str,
        request: Request,
        outcome: F,
    ) -> Result<T>
    where
        T: DeserializeOwned + Send + 'static,
        F: FnOnce(&Result<T>) -> Option<Outcome> + Send + 'static,
    {
        let Some(journal) = self.inner.journal.as_ref() else {
            return self.send(request).await;
        };
        if let Some(e) = &request.error {
            return Err(Error::clone(e));
        }
        let Some(key) = self.intent_key(operation, &request) else {
            return Err(Error::config(format!(
                "{} {}: a journalled create needs a reconcile key",
                self.inner.provider, request.operation
            )));
        };
        let parts = request
            .params
            .iter()
            .map(|p| p.as_bytes())
            .chain(std::iter::once(request.body.as_deref().unwrap_or_default()));
        let intent = NewIntent::new(key, RequestDigest::of_parts(parts));
        let deadline = create_deadline(
            self.attempt_timeout(&request),
            self.retry_policy(),
            journal.login_deadline(),
        );
        let lease = match journal.begin(&intent, deadline).await {
            Ok(Begin::Fresh(lease)) => lease,
            Ok(Begin::Existing(existing)) => {
                return Err(JournalledError {
                    provider: self.inner.provider,
                    operation: request.operation,
                    key: intent.key.reconcile_key().clone(),
                    state: existing.state,
                }
                .into());
            }
            Err(e) => return Err(Error::Journal(Arc::new(e))),
        };
        let unknown = OutcomeUnknownError {
            provider: self.inner.provider,
            operation: request.operation,
            key: request.reconcile.clone(),
            cause: "the create's task ended before its answer (the runtime is shutting down)"
                .into(),
        };
        let create = Create {
            transport: self.clone(),
            journal: journal.clone(),
            key: intent.key,
            lease,
            deadline,
        };
        let task = create.run(request, outcome).in_current_span();
        let capturing = crate::metadata::capturing();
        let handle = tokio::spawn(async move {
            if capturing {
                crate::metadata::capture(task).await
            } else {
                (task.await, Vec::new())
            }
        });
        match handle.await {
            Ok((result, calls)) => {
                for call in calls {
                    crate::metadata::deliver(call);
                }
                result
            }
            Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            Err(_) => Err(unknown.into()),
        }
    }
}

/// A create begun in the journal, as its task runs it.
struct Create {
    transport: Transport,
    journal: Journal,
    key: IntentKey,
    lease: Lease,
    deadline: Duration,
}

impl Create {
    /// Sends `request`, renewing the lease while it waits, and settles what
    /// `outcome` reads of the result.
    async fn run<T, F>(self, request: Request, outcome: F) -> Result<T>
    where
        T: DeserializeOwned,
        F: FnOnce(&Result<T>) -> Option<Outcome>,
    {
        let send = std::pin::pin!(self.transport.send::<T>(request));
        let renew = std::pin::pin!(self.renew());
        let result = match select(send, renew).await {
            Either::Left((result, _)) => result,
            Either::Right(((), send)) => send.await,
        };
        if let Some(outcome) = outcome(&result)
            && let Err(e) = self
                .journal
                .settle(&self.key, self.lease.attempt, outcome)
                .await
        {
            tracing::warn!(
                provider = self.key.provider(),
                operation = self.key.operation(),
                error = %e,
                "journal: the answer is not recorded; the intent stays pending for recovery"
            );
        }
        result
    }

    /// Renews the lease every half deadline; ends when the lease is lost
    /// (the create then only waits for its answer).
    async fn renew(&self) {
        let every = (self.deadline / 2).max(Duration::from_millis(100));
        loop {
            tokio::time::sleep(every).await;
            match self
                .journal
                .renew(&self.key, self.lease.number, self.deadline)
                .await
            {
                Ok(true) => {}
                Ok(false) => {
                    tracing::warn!(
                        provider = self.key.provider(),
                        operation = self.key.operation(),
                        "journal: the create's lease is no longer held"
                    );
                    return;
                }
                Err(e) => tracing::warn!(
                    provider = self.key.provider(),
                    operation = self.key.operation(),
                    error = %e,
                    "journal: the create's lease was not renewed"
                ),
            }
        }
    }
}

/// The usual reading of a create's result for the journal: a success is
/// [`Outcome::Done`] with `provider_id` of the answer; the provider's own
/// refusal (an [`Error::Api`] with a 4xx status) is [`Outcome::NotDone`]
/// naming its status and code; anything else (no answer, a 5xx, an
/// unreadable answer: the outcome is unknown) is `None`, leaving the intent
/// pending.
pub fn definite_outcome<T>(
    result: &Result<T>,
    provider_id: impl FnOnce(&T) -> Option<String>,
) -> Option<Outcome> {
    match result {
        Ok(value) => Some(Outcome::Done {
            provider_id: provider_id(value),
        }),
        Err(Error::Api(e)) if e.status().is_client_error() => Some(Outcome::NotDone {
            reason: match e.code() {
                Some(code) => format!("refused: {} {code}", e.status().as_u16()),
                None => format!("refused: {}", e.status().as_u16()),
            },
        }),
        Err(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use std::time::SystemTime;

    use partner_sdk_journal::MemoryJournal;

    use super::*;

    #[tokio::test(start_paused = true)]
    async fn the_sender_renews_its_lease_while_it_waits() {
        // The journal's clock runs with tokio's, which this test pauses.
        let (system, tokio_start) = (SystemTime::now(), tokio::time::Instant::now());
        let memory =
            Arc::new(MemoryJournal::new().with_clock(move || system + tokio_start.elapsed()));
        let journal = Journal::new(
            memory.clone(),
            Duration::from_secs(10),
            Duration::from_secs(30),
            RetryPolicy::default(),
            Duration::from_secs(10),
        );
        let deadline = journal.longest_create();
        let key = IntentKey::new("p", "create", "id", "k");
        let intent = NewIntent::new(key.clone(), RequestDigest::of(b"request"));
        let Ok(Begin::Fresh(lease)) = journal.begin(&intent, deadline).await else {
            panic!("a new key is fresh");
        };
        let transport = Transport::builder("p")
            .base_url("http://127.0.0.1:9/")
            .build()
            .unwrap();
        let create = Create {
            transport,
            journal: journal.clone(),
            key,
            lease,
            deadline,
        };
        let claim = || memory.claim_pending("p", Duration::ZERO, Duration::from_secs(60), 16);
        // Three deadlines pass while the create waits: no claim ever gets it.
        let renewing = tokio::time::timeout(deadline * 3, create.renew());
        let claims = async {
            for _ in 0..11 {
                tokio::time::sleep(deadline / 4).await;
                assert_eq!(claim().await.unwrap(), Vec::new());
            }
        };
        let (renewing, ()) = tokio::join!(renewing, claims);
        assert!(renewing.is_err(), "still renewing when the wait ended");
        // The sender gone (it renews no more), its lease runs out.
        tokio::time::sleep(deadline + Duration::from_secs(1)).await;
        assert_eq!(claim().await.unwrap().len(), 1);
    }

    #[test]
    fn unknown_outcomes_settle_nothing() {
        let unknown: Result<u32> = Err(crate::error::OutcomeUnknownError {
            provider: "p",
            operation: "o",
            key: None,
            cause: "timeout".into(),
        }
        .into());
        assert_eq!(definite_outcome(&unknown, |_| None), None);
        let done: Result<u32> = Ok(7);
        assert_eq!(
            definite_outcome(&done, |v| Some(v.to_string())),
            Some(Outcome::Done {
                provider_id: Some("7".into())
            })
        );
    }

    #[test]
    fn a_create_deadline_covers_every_attempt_wait_and_login() {
        let retry = RetryPolicy::default()
            .with_max_attempts(3)
            .with_max_delay(Duration::from_secs(20));
        let login = Duration::from_secs(10);
        // With a login: 4 x 30 s + 10 s + 2 x 20 s + 2 s.
        assert_eq!(
            create_deadline(Duration::from_secs(30), retry, login),
            Duration::from_secs(172)
        );
        // A signature computed on the spot: 3 x 30 s + 2 x 20 s + 2 s.
        assert_eq!(
            create_deadline(Duration::from_secs(30), retry, Duration::ZERO),
            Duration::from_secs(132)
        );
        assert_eq!(
            create_deadline(Duration::MAX, retry, login),
            Duration::MAX,
            "absurd settings saturate"
        );
    }
}
