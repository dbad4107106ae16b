//! The DVS callback receiver (features `dvs-callback-service`,
//! `dvs-callback-handler`): DT One POSTs a transaction's JSON to the
//! `callback_url` given on create at each status change, and resends it
//! until it gets a 2xx.
//!
//! Callbacks carry no signature: anyone who learns the URL can post any
//! status for any transaction id. So [`CallbackHandler`] **never acts on
//! the posted body**. It reads only the transaction id from it, fetches
//! `GET /transactions/{id}` with the [`Client`], and hands the caller's
//! closure the fetched [`Transaction`], once per status the transaction
//! reaches:
//!
//! | what happened | answer |
//! |---|---|
//! | fetched, a status not handled before, and the closure returned `Ok` | [`CallbackAck::Accepted`] (200) |
//! | fetched, and the closure already handled this status of the transaction (a resend, or a forged post) | [`CallbackAck::Accepted`] (200), the closure not called |
//! | fetched, and the closure returned `Err` | [`CallbackAck::RetryLater`] (503, `Retry-After`): DT One resends, and the resend is handled again |
//! | the fetch failed, or took longer than [`fetch_timeout`](CallbackHandler::fetch_timeout) | [`CallbackAck::RetryLater`] (503, `Retry-After`) |
//! | DT One does not know the id (1008004) | [`CallbackAck::UnknownTransaction`] (404), the closure not called |
//! | not a JSON object, no readable `id`, or a body over [`MAX_CALLBACK_BODY`] | [`CallbackAck::Malformed`] (400) |
//! | [`max_concurrent`](CallbackHandler::max_concurrent) callbacks are being handled, or one of the same transaction | [`CallbackAck::RetryLater`] (503, `Retry-After`) |
//! | the body did not arrive within [`body_timeout`](CallbackHandler::body_timeout) | [`CallbackAck::RequestTimeout`] (408), nothing run |
//! | a method other than `POST` | 405 with `Allow: POST`, nothing run |
//!
//! A forger's post thus changes nothing: the closure sees DT One's own view
//! of the transaction, and only a status the transaction really reached.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use http_body_util::Full;
use partner_sdk_core::receiver::{
    self, BodyError, HandlerError, InFlight, InMemoryNoticeStore, NoticeKey, NoticeStore, Refused,
};
use serde::Deserialize;

use super::client::Client;
use super::error::{Error, ErrorCode};
use super::transactions::Transaction;

/// The largest callback body [`CallbackHandler`] reads (64 KiB; a
/// transaction's JSON is a few kilobytes). A longer one is answered 400.
pub const MAX_CALLBACK_BODY: usize = receiver::DEFAULT_MAX_NOTICE_BODY;

/// How many callbacks a [`CallbackHandler`] fetches and hands to its
/// closure at once, by default (16); more are answered 503 and resent.
pub const DEFAULT_MAX_CONCURRENT: usize = receiver::DEFAULT_MAX_CONCURRENT_NOTICES;

/// How long a [`CallbackHandler`] waits for a request's whole body, by
/// default (10 s); then it answers 408 without running anything.
pub const DEFAULT_BODY_TIMEOUT: Duration = receiver::DEFAULT_NOTICE_BODY_TIMEOUT;

/// How long a [`CallbackHandler`] waits for the transaction's fetch, its
/// retries included, by default (10 s); then it answers 503 so that DT One
/// resends.
pub const DEFAULT_FETCH_TIMEOUT: Duration = Duration::from_secs(10);

/// The `Retry-After` of a 503 answer, by default (30 s).
pub const DEFAULT_RETRY_AFTER: Duration = Duration::from_secs(30);

/// How long a handled status of a transaction is remembered, by default
/// (24 hours, well past DT One's resends of one callback).
pub const DEFAULT_REMEMBER_FOR: Duration = Duration::from_secs(24 * 3600);

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;
type OnTransaction = dyn Fn(Transaction) -> BoxFuture<Result<(), HandlerError>> + Send + Sync;
type OnAnswer = dyn Fn(&CallbackHandled<'_>) + Send + Sync;

/// What a [`CallbackHandler`] answers one callback.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CallbackAck {
    /// 200: handled (now or before); DT One stops resending.
    Accepted,
    /// 400: not a callback (not a JSON object, no readable `id`, too
    /// large); nothing was done.
    Malformed,
    /// 404: DT One does not know the transaction id; nothing was done.
    UnknownTransaction,
    /// 408: the body did not arrive in time; nothing was done.
    RequestTimeout,
    /// 503 with `Retry-After`: not handled yet (the fetch failed or was
    /// slow, the closure failed, or the handler is busy); DT One resends.
    RetryLater,
}

impl CallbackAck {
    /// The HTTP status code.
    pub fn status_code(self) -> u16 {
        match self {
            CallbackAck::Accepted => 200,
            CallbackAck::Malformed => 400,
            CallbackAck::UnknownTransaction => 404,
            CallbackAck::RequestTimeout => 408,
            CallbackAck::RetryLater => 503,
        }
    }

    /// True when DT One stops resending after this answer (a 2xx).
    pub fn stops_resends(self) -> bool {
        matches!(self, CallbackAck::Accepted)
    }
}

/// Why a callback was not handled, as [`CallbackHandled::error`] reports
/// it. No variant holds anything of the posted body but the transaction
/// id.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CallbackError {
    /// The body is not a callback: `reason` says what is missing.
    #[error("not a DVS callback: {reason}")]
    Malformed {
        /// What is wrong (never the body's content).
        reason: &'static str,
    },
    /// The body was too large, too slow or could not be read.
    #[error(transparent)]
    Body(BodyError),
    /// The handler is at its limit, or handling the same transaction.
    #[error(transparent)]
    Refused(Refused),
    /// DT One does not know the transaction (1008004).
    #[error("DT One does not know transaction {transaction_id}")]
    UnknownTransaction {
        /// The id posted.
        transaction_id: i64,
        /// The fetch's error.
        #[source]
        source: Error,
    },
    /// The fetch of the transaction failed.
    #[error("fetching transaction {transaction_id} failed")]
    Fetch {
        /// The id posted.
        transaction_id: i64,
        /// The fetch's error.
        #[source]
        source: Error,
    },
    /// The fetch took longer than the handler's fetch timeout.
    #[error("fetching transaction {transaction_id} took longer than {} ms", limit.as_millis())]
    SlowFetch {
        /// The id posted.
        transaction_id: i64,
        /// The fetch timeout.
        limit: Duration,
    },
    /// The caller's closure failed.
    #[error("the callback closure failed for transaction {transaction_id}")]
    Handler {
        /// The transaction's id.
        transaction_id: i64,
        /// The closure's error.
        #[source]
        source: HandlerError,
    },
}

/// What [`CallbackHandler`] did with one callback, for
/// [`CallbackHandler::on_answer`] (logs, metrics, tests).
#[derive(Debug)]
#[non_exhaustive]
pub struct CallbackHandled<'a> {
    /// The transaction id the body named, once read.
    pub transaction_id: Option<i64>,
    /// The transaction as DT One's API reported it, once fetched (its
    /// `Debug` redacts the parties' personal data).
    pub transaction: Option<&'a Transaction>,
    /// Why the answer is not 200.
    pub error: Option<&'a CallbackError>,
    /// The answer.
    pub ack: CallbackAck,
    /// True when this status of the transaction was handled before and
    /// the closure was not called.
    pub repeated: bool,
}

/// A DVS callback receiver ready to mount: fetch the transaction the
/// callback names, hand the fetched one to the caller's async closure once
/// per status, answer (see the [module's table](self)).
///
/// ```no_run
/// # #[cfg(feature = "dvs-callback-handler")]
/// # async fn run(client: partner_sdk_dtone::dvs::Client) -> std::io::Result<()> {
/// use partner_sdk_dtone::dvs::callback::CallbackHandler;
///
/// let handler = CallbackHandler::new(client, |transaction| async move {
///     // DT One's own view of the transaction, fetched by id: record its
///     // status class here. An `Err` answers 503, and DT One resends.
///     println!("{} is {}", transaction.id, transaction.status_class());
///     Ok::<(), std::io::Error>(())
/// });
/// let app = handler.router("/callbacks/dtone"); // an axum::Router
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
/// axum::serve(listener, app).await
/// # }
/// ```
///
/// [`CallbackHandler`] is also a [`tower_service::Service`] over
/// `http::Request<B>` for any body `B`, and [`CallbackHandler::handle`]
/// takes the body as bytes for other frameworks.
///
/// # The closure must be idempotent
///
/// A status is recorded as handled only after the closure returned `Ok`;
/// if the process stops before the answer reaches DT One, the callback is
/// resent and the closure runs again for the same status. A store that
/// cannot answer, a full in-process store, or replicas that do not share
/// the store ([`notice_store`](Self::notice_store)) also let a status
/// through twice. So record DT One's status as a value (an upsert), never
/// as an increment or a second delivery. Callbacks of one transaction are
/// handled one at a time per handler (a second one meanwhile is answered
/// 503 and resent); those of different transactions concurrently.
///
/// Cheap to clone: clones share one closure, one store and one limit.
#[derive(Clone)]
pub struct CallbackHandler {
    inner: Arc<Inner>,
}

#[derive(Clone)]
struct Inner {
    client: Client,
    on_transaction: Arc<OnTransaction>,
    on_answer: Option<Arc<OnAnswer>>,
    body_timeout: Duration,
    fetch_timeout: Duration,
    retry_after: Duration,
    remember_for: Duration,
    store: Arc<dyn NoticeStore>,
    in_flight: InFlight<i64>,
}

impl Inner {
    fn answer(
        &self,
        transaction_id: Option<i64>,
        transaction: Option<&Transaction>,
        error: Option<&CallbackError>,
        ack: CallbackAck,
        repeated: bool,
    ) -> CallbackAck {
        if let Some(observe) = &self.on_answer {
            observe(&CallbackHandled {
                transaction_id,
                transaction,
                error,
                ack,
                repeated,
            });
        }
        ack
    }

    fn refuse(&self, id: Option<i64>, error: CallbackError, ack: CallbackAck) -> CallbackAck {
        self.answer(id, None, Some(&error), ack, false)
    }

    fn response(&self, ack: CallbackAck) -> http::Response<Full<Bytes>> {
        let retry_after = (ack == CallbackAck::RetryLater).then_some(self.retry_after);
        receiver::empty_response(ack.status_code(), retry_after)
    }
}

impl std::fmt::Debug for CallbackHandler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CallbackHandler")
            .field("client", &self.inner.client)
            .field("body_timeout", &self.inner.body_timeout)
            .field("fetch_timeout", &self.inner.fetch_timeout)
            .field("retry_after", &self.inner.retry_after)
            .field("remember_for", &self.inner.remember_for)
            .field("max_concurrent", &self.inner.in_flight.limit())
            .field("store", &self.inner.store)
            .finish_non_exhaustive()
    }
}

/// The part of a callback body the handler reads: the transaction id.
#[derive(Deserialize)]
struct Posted {
    #[serde(default, deserialize_with = "partner_sdk_core::decode::opt_i64")]
    id: Option<i64>,
}

/// The transaction id of a callback body, or why there is none.
fn posted_id(body: &[u8]) -> Result<i64, CallbackError> {
    let malformed = |reason| CallbackError::Malformed { reason };
    if body.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return Err(malformed("not a JSON object"));
    }
    match serde_json::from_slice::<Posted>(body) {
        Ok(Posted { id: Some(id) }) if id > 0 => Ok(id),
        Ok(_) => Err(malformed("no transaction id")),
        Err(e) if e.is_data() => Err(malformed("the transaction id is not a number")),
        Err(_) => Err(malformed("not a JSON object")),
    }
}

/// One status of one transaction: the key its handling is remembered by.
/// The status is named by its id, which DT One keeps stable (its text may
/// be reworded); by its text only when it has no id.
fn status_key(transaction: &Transaction) -> NoticeKey {
    let status = match &transaction.status {
        Some(s) if s.id != 0 => s.id.to_string(),
        Some(s) => format!("-{}", s.message),
        None => String::new(),
    };
    NoticeKey::new([transaction.id.to_string(), status])
}

impl CallbackHandler {
    /// A receiver fetching with `client`; `on_transaction` gets each
    /// fetched transaction once per status. Its `Ok` answers 200, its
    /// `Err` 503 so that DT One resends. The closure must be idempotent
    /// (see [the type's docs](Self#the-closure-must-be-idempotent)).
    ///
    /// Defaults: [`DEFAULT_MAX_CONCURRENT`] callbacks at once, a
    /// [`DEFAULT_BODY_TIMEOUT`] body read, a [`DEFAULT_FETCH_TIMEOUT`]
    /// fetch, [`DEFAULT_RETRY_AFTER`], statuses remembered
    /// [`DEFAULT_REMEMBER_FOR`] in an [`InMemoryNoticeStore`].
    pub fn new<F, Fut, E>(client: Client, on_transaction: F) -> CallbackHandler
    where
        F: Fn(Transaction) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), E>> + Send + 'static,
        E: Into<HandlerError>,
    {
        let on_transaction: Arc<OnTransaction> = Arc::new(move |transaction| {
            let handled = on_transaction(transaction);
            Box::pin(async move { handled.await.map_err(Into::into) })
        });
        CallbackHandler {
            inner: Arc::new(Inner {
                client,
                on_transaction,
                on_answer: None,
                body_timeout: DEFAULT_BODY_TIMEOUT,
                fetch_timeout: DEFAULT_FETCH_TIMEOUT,
                retry_after: DEFAULT_RETRY_AFTER,
                remember_for: DEFAULT_REMEMBER_FOR,
                store: Arc::new(InMemoryNoticeStore::new()),
                in_flight: InFlight::new(DEFAULT_MAX_CONCURRENT),
            }),
        }
    }

    /// Handles at most `limit` callbacks at once (at least one; the
    /// default is [`DEFAULT_MAX_CONCURRENT`]); more are answered 503 before
    /// anything is fetched. The limit is this handler's and its clones',
    /// per process.
    pub fn max_concurrent(mut self, limit: usize) -> Self {
        Arc::make_mut(&mut self.inner).in_flight = InFlight::new(limit);
        self
    }

    /// Waits at most `timeout` for a request's whole body (the default is
    /// [`DEFAULT_BODY_TIMEOUT`]); a slower one is answered 408.
    pub fn body_timeout(mut self, timeout: Duration) -> Self {
        Arc::make_mut(&mut self.inner).body_timeout = timeout;
        self
    }

    /// Waits at most `timeout` for the transaction's fetch, the client's
    /// retries included (the default is [`DEFAULT_FETCH_TIMEOUT`]); a
    /// slower one is answered 503 so that DT One resends.
    pub fn fetch_timeout(mut self, timeout: Duration) -> Self {
        Arc::make_mut(&mut self.inner).fetch_timeout = timeout;
        self
    }

    /// The `Retry-After` of a 503 answer, in whole seconds (the default is
    /// [`DEFAULT_RETRY_AFTER`]).
    pub fn retry_after(mut self, after: Duration) -> Self {
        Arc::make_mut(&mut self.inner).retry_after = after;
        self
    }

    /// Remembers a handled status of a transaction for `period` (the
    /// default is [`DEFAULT_REMEMBER_FOR`]); a callback of that status
    /// after it calls the closure again.
    pub fn remember_for(mut self, period: Duration) -> Self {
        Arc::make_mut(&mut self.inner).remember_for = period;
        self
    }

    /// Remembers handled statuses in `store` instead of this process's
    /// [`InMemoryNoticeStore`]: one store shared by every replica
    /// recognises a resend whichever replica it reaches.
    pub fn notice_store(mut self, store: Arc<dyn NoticeStore>) -> Self {
        Arc::make_mut(&mut self.inner).store = store;
        self
    }

    /// Calls `observe` with what was done before each answer. Call it
    /// before cloning the handler: clones made before keep their own.
    pub fn on_answer(
        mut self,
        observe: impl Fn(&CallbackHandled<'_>) + Send + Sync + 'static,
    ) -> Self {
        Arc::make_mut(&mut self.inner).on_answer = Some(Arc::new(observe));
        self
    }

    /// Handles one callback's body and returns the answer to give.
    pub async fn handle(&self, body: &[u8]) -> CallbackAck {
        let inner = &self.inner;
        if body.len() > MAX_CALLBACK_BODY {
            let error = CallbackError::Body(BodyError::TooLarge(MAX_CALLBACK_BODY));
            return inner.refuse(None, error, CallbackAck::Malformed);
        }
        let id = match posted_id(body) {
            Ok(id) => id,
            Err(error) => return inner.refuse(None, error, CallbackAck::Malformed),
        };
        let _slot = match inner.in_flight.claim(&id) {
            Ok(slot) => slot,
            Err(refused) => {
                let error = CallbackError::Refused(refused);
                return inner.refuse(Some(id), error, CallbackAck::RetryLater);
            }
        };
        let fetch = inner.client.get_transaction(id);
        let transaction = match tokio::time::timeout(inner.fetch_timeout, fetch).await {
            Ok(Ok(transaction)) => transaction,
            Ok(Err(source)) if source.code() == Some(ErrorCode::TransactionNotFound) => {
                let error = CallbackError::UnknownTransaction {
                    transaction_id: id,
                    source,
                };
                return inner.refuse(Some(id), error, CallbackAck::UnknownTransaction);
            }
            Ok(Err(source)) => {
                let error = CallbackError::Fetch {
                    transaction_id: id,
                    source,
                };
                return inner.refuse(Some(id), error, CallbackAck::RetryLater);
            }
            Err(_) => {
                let error = CallbackError::SlowFetch {
                    transaction_id: id,
                    limit: inner.fetch_timeout,
                };
                return inner.refuse(Some(id), error, CallbackAck::RetryLater);
            }
        };
        let key = status_key(&transaction);
        let accepted = CallbackAck::Accepted.status_code();
        if let Ok(Some(status)) = inner.store.seen(&key).await
            && status == accepted
        {
            return inner.answer(
                Some(id),
                Some(&transaction),
                None,
                CallbackAck::Accepted,
                true,
            );
        }
        let kept = inner.on_answer.as_ref().map(|_| transaction.clone());
        match (inner.on_transaction)(transaction).await {
            Ok(()) => {
                let now = SystemTime::now();
                let until = now.checked_add(inner.remember_for).unwrap_or(now);
                // A failed record only lets a resend call the closure again.
                let _ = inner.store.record(&key, accepted, until).await;
                inner.answer(Some(id), kept.as_ref(), None, CallbackAck::Accepted, false)
            }
            Err(source) => {
                let error = CallbackError::Handler {
                    transaction_id: id,
                    source,
                };
                let ack = CallbackAck::RetryLater;
                inner.answer(Some(id), kept.as_ref(), Some(&error), ack, false)
            }
        }
    }

    /// An axum router answering `POST path` with this handler.
    #[cfg(feature = "dvs-callback-handler")]
    pub fn router(self, path: &str) -> axum::Router {
        axum::Router::new().route(path, self.method_router())
    }

    /// This handler as an axum route (`POST` only), to add to a router of
    /// one's own: `Router::new().route("/callbacks/dtone", handler.method_router())`.
    #[cfg(feature = "dvs-callback-handler")]
    pub fn method_router(self) -> axum::routing::MethodRouter {
        axum::routing::post_service(self)
    }
}

impl<B> tower_service::Service<http::Request<B>> for CallbackHandler
where
    B: http_body::Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<HandlerError>,
{
    type Response = http::Response<Full<Bytes>>;
    type Error = Infallible;
    type Future = BoxFuture<Result<Self::Response, Infallible>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: http::Request<B>) -> Self::Future {
        let handler = self.clone();
        Box::pin(async move {
            let inner = &handler.inner;
            let read = receiver::read_body(request, MAX_CALLBACK_BODY, inner.body_timeout);
            let body = match read.await {
                Ok(body) => body,
                Err(BodyError::NotPost) => return Ok(receiver::empty_response(405, None)),
                Err(error) => {
                    let ack = match &error {
                        BodyError::TooLarge(_) => CallbackAck::Malformed,
                        BodyError::Slow(_) => CallbackAck::RequestTimeout,
                        _ => CallbackAck::RetryLater,
                    };
                    let ack = inner.refuse(None, CallbackError::Body(error), ack);
                    return Ok(inner.response(ack));
                }
            };
            let ack = handler.handle(&body).await;
            Ok(handler.inner.response(ack))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_id_is_read_from_a_body() {
        assert_eq!(
            posted_id(br#" {"id": 42, "status": {"id": 70000}}"#).unwrap(),
            42
        );
        assert_eq!(posted_id(br#"{"id": "42"}"#).unwrap(), 42);
        for (body, reason) in [
            (&b"id=42"[..], "not a JSON object"),
            (b"[42]", "not a JSON object"),
            (b"{\"id\": 42", "not a JSON object"),
            (b"{}", "no transaction id"),
            (b"{\"id\": 0}", "no transaction id"),
            (b"{\"id\": -3}", "no transaction id"),
            (
                b"{\"id\": {\"x\": 1}}",
                "the transaction id is not a number",
            ),
        ] {
            match posted_id(body) {
                Err(CallbackError::Malformed { reason: r }) => assert_eq!(r, reason, "{body:?}"),
                other => panic!("{body:?}: {other:?}"),
            }
        }
    }

    #[test]
    fn a_status_is_keyed_by_its_id_or_else_its_text() {
        let tx = |body: &str| serde_json::from_str::<Transaction>(body).unwrap();
        let worded = tx(r#"{"id": 5, "status": {"id": 70000, "message": "COMPLETED"}}"#);
        let reworded = tx(r#"{"id": 5, "status": {"id": 70000, "message": "Completed"}}"#);
        assert_eq!(status_key(&worded), status_key(&reworded));
        assert_eq!(status_key(&worded).to_string(), "1:5:70000");
        let no_id = tx(r#"{"id": 5, "status": {"message": "COMPLETED"}}"#);
        assert_eq!(status_key(&no_id).to_string(), "1:5:-COMPLETED");
        assert_ne!(status_key(&no_id), status_key(&tx(r#"{"id": 5}"#)));
        let other = tx(r#"{"id": 6, "status": {"id": 70000, "message": "COMPLETED"}}"#);
        assert_ne!(status_key(&worded), status_key(&other));
    }

    #[test]
    fn answers_have_their_status_codes() {
        let codes = [
            (CallbackAck::Accepted, 200),
            (CallbackAck::Malformed, 400),
            (CallbackAck::UnknownTransaction, 404),
            (CallbackAck::RequestTimeout, 408),
            (CallbackAck::RetryLater, 503),
        ];
        for (ack, code) in codes {
            assert_eq!(ack.status_code(), code);
            assert_eq!(ack.stops_resends(), code == 200);
        }
    }
}
