//! `WebhookHandler`: the webhook flow of [`crate::webhook`] ready to mount
//! (features `webhook-service`, `webhook-handler`).

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http_body_util::Full;
use partner_sdk_core::receiver::{
    self, BodyError, InFlight, InMemoryNoticeStore, NoticeKey, NoticeStore,
};

use super::{Ack, CONFIRM_TOLERANCE, REDELIVERY_SCHEDULE, WebhookClaims, WebhookPayload};
use crate::applications::Application;
use crate::client::Client;
use crate::signing::Verifier;

/// The largest body [`WebhookHandler`] reads (64 KiB; a Brighte notice is
/// a few hundred bytes). A longer one is answered 400.
pub const MAX_WEBHOOK_BODY: usize = receiver::DEFAULT_MAX_NOTICE_BODY;

/// How many notices a [`WebhookHandler`] fetches and hands to its closure
/// at once, by default (16). Brighte sends a vendor's notices one status
/// change at a time; a burst beyond this is answered
/// [`Ack::Overloaded`] and resent by Brighte 10 minutes later, while a
/// flood of notices forged on one valid triple costs at most this many
/// fetches in flight.
pub const DEFAULT_MAX_CONCURRENT: usize = receiver::DEFAULT_MAX_CONCURRENT_NOTICES;

/// How long a [`WebhookHandler`] waits for a request's whole body, by
/// default (10 s for a notice of a few hundred bytes); then it answers
/// [`Ack::RequestTimeout`] (408) without running anything.
pub const DEFAULT_BODY_TIMEOUT: Duration = receiver::DEFAULT_NOTICE_BODY_TIMEOUT;

/// The `Retry-After` of an [`Ack::Overloaded`] answer (600 s): Brighte's
/// first resend comes after [`REDELIVERY_SCHEDULE`]`[0]`, 10 minutes.
pub const OVERLOADED_RETRY_AFTER: Duration = REDELIVERY_SCHEDULE[0];

pub use partner_sdk_core::receiver::HandlerError;

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;
type OnConfirmed = dyn Fn(Application) -> BoxFuture<Result<Ack, HandlerError>> + Send + Sync;

/// What a closure's `Ok` answers: `()` is 200 ([`Ack::Accepted`]); an
/// [`Ack`] is that answer, e.g. [`Ack::NotAcceptable`] (406) for a notice
/// handled and deliberately not acted on.
pub trait Verdict {
    /// The answer.
    fn ack(self) -> Ack;
}

impl Verdict for () {
    fn ack(self) -> Ack {
        Ack::Accepted
    }
}

impl Verdict for Ack {
    fn ack(self) -> Ack {
        self
    }
}
type OnAnswer = dyn Fn(&Handled<'_>) + Send + Sync;

/// What [`WebhookHandler`] did with one notice, for
/// [`WebhookHandler::on_answer`] (logs, metrics, tests).
#[derive(Debug)]
#[non_exhaustive]
pub struct Handled<'a> {
    /// What the notice claimed (never acted on); `None` when it was not a
    /// webhook.
    pub claims: Option<&'a WebhookClaims>,
    /// The application as Brighte's API reported it, once confirmed.
    pub application: Option<&'a Application>,
    /// Why the answer is not 200: the verification's, the fetch's or the
    /// closure's error.
    pub error: Option<&'a (dyn std::error::Error + Send + Sync + 'static)>,
    /// The answer.
    pub ack: Ack,
    /// True when the notice was acknowledged before and this is the
    /// recorded answer, given with no fetch and no run of the closure.
    pub repeated: bool,
}

/// A Brighte webhook receiver ready to mount (features `webhook-service` and
/// `webhook-handler`): verify → confirm by fetch → acknowledge, with only
/// the confirmed application handed to the caller's async closure.
///
/// ```no_run
/// # #[cfg(feature = "webhook-handler")]
/// # async fn run(client: partner_sdk_brighte::Client) -> std::io::Result<()> {
/// use partner_sdk_brighte::Verifier;
/// use partner_sdk_brighte::webhook::WebhookHandler;
///
/// let handler = WebhookHandler::new(client, Verifier::new("PRIVATE_API_KEY"), |application| async move {
///     // Brighte's own view of the application, fetched with the vendor
///     // session: record `application.status` here. An `Err` answers 503,
///     // and Brighte sends the notice again.
///     println!("{} is {:?}", application.id, application.status);
///     Ok::<(), std::io::Error>(())
/// });
/// let app = handler.router("/webhooks/brighte"); // an axum::Router
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
/// axum::serve(listener, app).await
/// # }
/// ```
///
/// [`WebhookHandler`] is also a [`tower_service::Service`] over
/// `http::Request<B>` for any body `B`, for frameworks other than axum
/// (hyper, tonic's server, anything built on tower), and
/// [`WebhookHandler::handle`] takes the body as bytes for the rest.
///
/// Every answer is the [`Ack`] of the [module's table](crate::webhook#acknowledgement), with one
/// more row for the caller's closure:
///
/// | what happened | answer |
/// |---|---|
/// | confirmed, and the closure returned `Ok(())` | [`Ack::Accepted`] (200) |
/// | confirmed, and the closure returned `Ok(ack)` | that `ack`, e.g. [`Ack::NotAcceptable`] (406): handled, deliberately not acted on |
/// | confirmed, and the closure returned `Err` | [`Ack::RetryLater`] (503): Brighte resends, and the resend is confirmed by fetch again |
/// | signature valid, fetch failed or refused | [`Ack::RetryLater`] (503) |
/// | signature missing or wrong, timestamp older than the age bound (at least [`CONFIRM_TOLERANCE`]) or ahead beyond the clock skew | [`Ack::Unauthenticated`] (401) |
/// | not a webhook, or a body over [`MAX_WEBHOOK_BODY`] | [`Ack::Malformed`] (400) |
/// | the body could not be read (the connection failed) | [`Ack::RetryLater`] (503) |
///
/// Three more rows guard the fetch and the closure (the first two apply
/// once the signature verified):
///
/// | what happened | answer |
/// |---|---|
/// | the same notice (timestamp, token, application id) was acknowledged before, within its window | the recorded answer (200 or 406), with no fetch and no run of the closure |
/// | [`max_concurrent`](Self::max_concurrent) notices are being handled, or this same notice is | [`Ack::Overloaded`] (503, `Retry-After`): Brighte resends |
/// | the body did not arrive within [`body_timeout`](Self::body_timeout) | [`Ack::RequestTimeout`] (408), nothing run |
///
/// # The closure must be idempotent
///
/// A notice is recorded as acknowledged only after the closure returned
/// and the answer was chosen; if the process stops between the closure's
/// work and the answer reaching Brighte (a crash, a deploy, a connection
/// cut), Brighte resends the notice and the closure runs again for the
/// same application. A store that cannot answer, a full in-process store,
/// or a replica that does not share the store also lets a notice through
/// twice. So the closure must give the same result when run twice for one
/// status change: record Brighte's status as a value (an upsert), never as
/// an increment or a second shipment.
///
/// # Remembered notices
///
/// Answers that stop Brighte's redelivery (200, 406) are recorded in a
/// [`NoticeStore`] until the notice's timestamp is past
/// [`CONFIRM_TOLERANCE`] (or the verifier's longer age bound), after
/// which it is refused as stale anyway. A failed handling (503) is not
/// recorded, so Brighte's resend is handled again. The default store is
/// an [`InMemoryNoticeStore`] for this process; replicas share one
/// through [`notice_store`](Self::notice_store).
///
/// The service answers a method other than `POST` with 405 and does
/// nothing. Distinct notices are handled concurrently: a closure that
/// records a status should compare it with what it holds when two notices
/// of one application can cross. The body timeout needs a Tokio runtime
/// (as hyper and axum do).
///
/// Cheap to clone: clones share one closure, one store and one limit.
#[derive(Clone)]
pub struct WebhookHandler {
    inner: Arc<Inner>,
}

#[derive(Clone)]
struct Inner {
    client: Client,
    verifier: Verifier,
    on_confirmed: Arc<OnConfirmed>,
    on_answer: Option<Arc<OnAnswer>>,
    max_body: usize,
    body_timeout: Duration,
    store: Arc<dyn NoticeStore>,
    in_flight: InFlight<NoticeKey>,
}

impl Inner {
    fn answer(
        &self,
        claims: Option<&WebhookClaims>,
        application: Option<&Application>,
        error: Option<&(dyn std::error::Error + Send + Sync + 'static)>,
        ack: Ack,
    ) -> Ack {
        self.observe(claims, application, error, ack, false)
    }

    fn observe(
        &self,
        claims: Option<&WebhookClaims>,
        application: Option<&Application>,
        error: Option<&(dyn std::error::Error + Send + Sync + 'static)>,
        ack: Ack,
        repeated: bool,
    ) -> Ack {
        if let Some(observe) = &self.on_answer {
            observe(&Handled {
                claims,
                application,
                error,
                ack,
                repeated,
            });
        }
        ack
    }

    /// Until when a notice signed at `timestamp` can still be accepted.
    fn window_end(&self, timestamp: i64) -> SystemTime {
        let window = self.verifier.age_bound().max(CONFIRM_TOLERANCE);
        let signed = UNIX_EPOCH + Duration::from_secs(u64::try_from(timestamp).unwrap_or(0));
        signed.checked_add(window).unwrap_or(signed)
    }
}

impl std::fmt::Debug for WebhookHandler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookHandler")
            .field("client", &self.inner.client)
            .field("verifier", &self.inner.verifier)
            .field("max_body", &self.inner.max_body)
            .field("body_timeout", &self.inner.body_timeout)
            .field("max_concurrent", &self.inner.in_flight.limit())
            .field("store", &self.inner.store)
            .finish_non_exhaustive()
    }
}

impl WebhookHandler {
    /// A receiver confirming with `client` (the vendor's credentials) and
    /// verifying with `verifier` (the private API key; its age bound is
    /// raised to [`CONFIRM_TOLERANCE`] as in [`confirm`](super::confirm)).
    /// `on_confirmed` gets each confirmed application; its `Ok(())`
    /// answers 200 (or `Ok(ack)` that [`Ack`], see [`Verdict`]),
    /// its `Err` 503 so that Brighte sends the notice again. The closure
    /// must be idempotent (see [the type's docs](Self#the-closure-must-be-idempotent)).
    ///
    /// Defaults: [`DEFAULT_MAX_CONCURRENT`] notices at once, a
    /// [`DEFAULT_BODY_TIMEOUT`] body read, an [`InMemoryNoticeStore`].
    pub fn new<F, Fut, T, E>(client: Client, verifier: Verifier, on_confirmed: F) -> WebhookHandler
    where
        F: Fn(Application) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<T, E>> + Send + 'static,
        T: Verdict,
        E: Into<HandlerError>,
    {
        let on_confirmed: Arc<OnConfirmed> = Arc::new(move |application| {
            let handled = on_confirmed(application);
            Box::pin(async move { handled.await.map(Verdict::ack).map_err(Into::into) })
        });
        WebhookHandler {
            inner: Arc::new(Inner {
                client,
                verifier,
                on_confirmed,
                on_answer: None,
                max_body: MAX_WEBHOOK_BODY,
                body_timeout: DEFAULT_BODY_TIMEOUT,
                store: Arc::new(InMemoryNoticeStore::new()),
                in_flight: InFlight::new(DEFAULT_MAX_CONCURRENT),
            }),
        }
    }

    /// Handles at most `limit` notices at once (at least one; the default
    /// is [`DEFAULT_MAX_CONCURRENT`]); more are answered
    /// [`Ack::Overloaded`] before anything is fetched. The limit counts
    /// notices whose signature verified and that are not answered from
    /// the store; it is this handler's and its clones', per process.
    pub fn max_concurrent(mut self, limit: usize) -> Self {
        Arc::make_mut(&mut self.inner).in_flight = InFlight::new(limit);
        self
    }

    /// Waits at most `timeout` for a request's whole body (the default is
    /// [`DEFAULT_BODY_TIMEOUT`]); a slower one is answered
    /// [`Ack::RequestTimeout`] (408) and nothing is run.
    pub fn body_timeout(mut self, timeout: Duration) -> Self {
        Arc::make_mut(&mut self.inner).body_timeout = timeout;
        self
    }

    /// Remembers acknowledged notices in `store` instead of this
    /// process's [`InMemoryNoticeStore`]: one store shared by every
    /// replica recognises a resend whichever replica it reaches.
    pub fn notice_store(mut self, store: Arc<dyn NoticeStore>) -> Self {
        Arc::make_mut(&mut self.inner).store = store;
        self
    }

    /// Calls `observe` with what was done before each answer (the claims,
    /// the confirmed application, the error, the answer). Call it before
    /// cloning the handler: clones made before keep their own.
    pub fn on_answer(mut self, observe: impl Fn(&Handled<'_>) + Send + Sync + 'static) -> Self {
        Arc::make_mut(&mut self.inner).on_answer = Some(Arc::new(observe));
        self
    }

    /// Handles one notice's body and returns the answer to give.
    pub async fn handle(&self, body: &[u8]) -> Ack {
        let inner = &self.inner;
        if body.len() > inner.max_body {
            let error =
                crate::Error::invalid("payload", format!("larger than {} bytes", inner.max_body));
            return inner.answer(None, None, Some(&error), Ack::Malformed);
        }
        let raw = match WebhookPayload::parse(body) {
            Ok(raw) => raw,
            Err(error) => return inner.answer(None, None, Some(&error), Ack::for_error(&error)),
        };
        let claims = raw.claims();
        let timestamp = match super::authenticate(&inner.verifier, &raw, SystemTime::now()) {
            Ok(timestamp) => timestamp,
            Err(error) => {
                return inner.answer(Some(&claims), None, Some(&error), Ack::for_error(&error));
            }
        };
        let key = super::notices::notice_key(timestamp, &raw.token, &claims.application_id);
        let seen = inner.store.seen(&key).await.ok().flatten();
        if let Some(ack) = seen.and_then(Ack::from_status_code) {
            return inner.observe(Some(&claims), None, None, ack, true);
        }
        let _slot = match inner.in_flight.claim(&key) {
            Ok(slot) => slot,
            Err(refused) => {
                return inner.answer(Some(&claims), None, Some(&refused), Ack::Overloaded);
            }
        };
        let application = match inner.client.get_application(&claims.application_id).await {
            Ok(application) => application,
            Err(error) => {
                return inner.answer(Some(&claims), None, Some(&error), Ack::for_error(&error));
            }
        };
        let kept = inner.on_answer.as_ref().map(|_| application.clone());
        match (inner.on_confirmed)(application).await {
            Ok(ack) => {
                if ack.stops_redelivery() {
                    // A failed record only lets a resend through again.
                    let _ = inner
                        .store
                        .record(&key, ack.status_code(), inner.window_end(timestamp))
                        .await;
                }
                inner.answer(Some(&claims), kept.as_ref(), None, ack)
            }
            Err(error) => inner.answer(
                Some(&claims),
                kept.as_ref(),
                Some(error.as_ref()),
                Ack::RetryLater,
            ),
        }
    }

    /// An axum router answering `POST path` with this handler.
    #[cfg(feature = "webhook-handler")]
    pub fn router(self, path: &str) -> axum::Router {
        axum::Router::new().route(path, self.method_router())
    }

    /// This handler as an axum route (`POST` only), to add to a router of
    /// one's own: `Router::new().route("/webhooks/brighte", handler.method_router())`.
    #[cfg(feature = "webhook-handler")]
    pub fn method_router(self) -> axum::routing::MethodRouter {
        axum::routing::post_service(self)
    }
}

fn answer(ack: Ack) -> http::Response<Full<Bytes>> {
    let retry_after = (ack == Ack::Overloaded).then_some(OVERLOADED_RETRY_AFTER);
    receiver::empty_response(ack.status_code(), retry_after)
}

impl<B> tower_service::Service<http::Request<B>> for WebhookHandler
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
            let (max, limit) = (handler.inner.max_body, handler.inner.body_timeout);
            let body = match receiver::read_body(request, max, limit).await {
                Ok(body) => body,
                Err(BodyError::NotPost) => return Ok(receiver::empty_response(405, None)),
                Err(error) => {
                    let ack = match &error {
                        BodyError::TooLarge(_) => Ack::Malformed,
                        BodyError::Slow(_) => Ack::RequestTimeout,
                        _ => Ack::RetryLater,
                    };
                    let ack = handler.inner.answer(None, None, Some(&error), ack);
                    return Ok(answer(ack));
                }
            };
            Ok(answer(handler.handle(&body).await))
        })
    }
}
