//! `WebhookHandler`: the webhook flow of [`crate::webhook`] ready to mount
//! (features `webhook-service`, `webhook-handler`).

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full, LengthLimitError, Limited};

use super::{Ack, WebhookClaims, WebhookPayload, confirm};
use crate::applications::Application;
use crate::client::Client;
use crate::signing::Verifier;

/// The largest body [`WebhookHandler`] reads (64 KiB; a Brighte notice is
/// a few hundred bytes). A longer one is answered 400.
pub const MAX_WEBHOOK_BODY: usize = 64 * 1024;

/// The error a closure may return, boxed.
pub type HandlerError = Box<dyn std::error::Error + Send + Sync>;

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
/// | signature missing, wrong or beyond the tolerance | [`Ack::Unauthenticated`] (401) |
/// | not a webhook, or a body over [`MAX_WEBHOOK_BODY`] | [`Ack::Malformed`] (400) |
/// | the body could not be read (the connection failed) | [`Ack::RetryLater`] (503) |
///
/// The service answers a method other than `POST` with 405 and does
/// nothing. Notices are handled concurrently: a closure that records a
/// status should compare it with what it holds when two notices of one
/// application can cross.
///
/// Cheap to clone: clones share one closure.
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
}

impl Inner {
    fn answer(
        &self,
        claims: Option<&WebhookClaims>,
        application: Option<&Application>,
        error: Option<&(dyn std::error::Error + Send + Sync + 'static)>,
        ack: Ack,
    ) -> Ack {
        if let Some(observe) = &self.on_answer {
            observe(&Handled {
                claims,
                application,
                error,
                ack,
            });
        }
        ack
    }
}

impl std::fmt::Debug for WebhookHandler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookHandler")
            .field("client", &self.inner.client)
            .field("verifier", &self.inner.verifier)
            .field("max_body", &self.inner.max_body)
            .finish_non_exhaustive()
    }
}

impl WebhookHandler {
    /// A receiver confirming with `client` (the vendor's credentials) and
    /// verifying with `verifier` (the private API key; its tolerance is
    /// widened to [`CONFIRM_TOLERANCE`](super::CONFIRM_TOLERANCE) as in
    /// [`confirm`]). `on_confirmed` gets each confirmed application; its
    /// `Ok(())` answers 200 (or `Ok(ack)` that [`Ack`], see [`Verdict`]),
    /// its `Err` 503 so that Brighte sends the notice again.
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
            }),
        }
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
        let claims = WebhookPayload::parse(body).ok().map(|p| p.claims());
        let application = match confirm(&inner.client, &inner.verifier, body).await {
            Ok(application) => application,
            Err(error) => {
                return inner.answer(claims.as_ref(), None, Some(&error), Ack::for_error(&error));
            }
        };
        let kept = inner.on_answer.as_ref().map(|_| application.clone());
        match (inner.on_confirmed)(application).await {
            Ok(ack) => inner.answer(claims.as_ref(), kept.as_ref(), None, ack),
            Err(error) => inner.answer(
                claims.as_ref(),
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

fn response(status: http::StatusCode) -> http::Response<Full<Bytes>> {
    let mut response = http::Response::new(Full::new(Bytes::new()));
    *response.status_mut() = status;
    response
}

fn status_of(ack: Ack) -> http::StatusCode {
    http::StatusCode::from_u16(ack.status_code()).unwrap_or(http::StatusCode::SERVICE_UNAVAILABLE)
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
            if request.method() != http::Method::POST {
                let mut refused = response(http::StatusCode::METHOD_NOT_ALLOWED);
                refused
                    .headers_mut()
                    .insert(http::header::ALLOW, http::HeaderValue::from_static("POST"));
                return Ok(refused);
            }
            let max = handler.inner.max_body;
            let body = match Limited::new(request.into_body(), max).collect().await {
                Ok(collected) => collected.to_bytes(),
                Err(error) => {
                    let ack = if error.is::<LengthLimitError>() {
                        Ack::Malformed
                    } else {
                        Ack::RetryLater
                    };
                    let ack = handler.inner.answer(None, None, Some(error.as_ref()), ack);
                    return Ok(response(status_of(ack)));
                }
            };
            Ok(response(status_of(handler.handle(&body).await)))
        })
    }
}
