//! One configured HTTP pipeline per provider client: base URL, auth, retry,
//! timeouts, error mapping and tracing.
//!
//! A provider method describes its call as a [`Request`] (operation name, path
//! template, parameters, body) and hands it to [`Transport::send`], which:
//!
//! 1. builds the URL by pushing each path parameter as one percent-encoded
//!    segment under the base URL, so user input can never add a segment, a
//!    query or a fragment (`path.rs`);
//! 2. asks the [`Auth`] for headers, logging in if needed, and
//!    sends one attempt through the [exchange](crate::exchange) (`attempt.rs`);
//! 3. decides what the attempt's outcome means — done, retry, log in again,
//!    fail, outcome unknown — with one pure function (`decide.rs`), and acts
//!    on it here: hooks, logs, the wait, the error;
//! 4. turns a successful answer into the typed result: the error probe of a
//!    2xx body ([`ErrorBody::error_in_success`]),
//!    folded into the decode where the provider names the keys that mark
//!    its errors (`response.rs`).
//!
//! Each call runs in one `partner_sdk.call` span with the OpenTelemetry
//! HTTP client attributes (`observe.rs`: `http.request.method`,
//! `url.template`, `server.address`, `server.port`, then
//! `http.response.status_code`, `http.request.resend_count`, `error.type`)
//! and the SDK's `provider` and `operation`; it never holds a body, a
//! header value, a filled path or a secret.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::Method;
use reqwest::header::HeaderMap;
use serde::de::DeserializeOwned;
use tracing::Instrument as _;
use url::Url;

use crate::auth::Auth;
use crate::error::Result;
use crate::error_body::ErrorBody;
use crate::exchange::Label;
use crate::metadata::{CallFacts, CallMetadata};
use crate::options::CallOptions;
use crate::retry::RetryPolicy;
use crate::settings::HttpSettings;

mod attempt;
mod builder;
mod decide;
mod journal;
mod observe;
mod path;
mod request;
mod response;

pub use builder::{TransportBuilder, parse_base_url};
pub use journal::{Journal, create_deadline, definite_outcome};
pub use request::Request;
pub use response::Response;

use attempt::{Next, Step};

struct Inner {
    provider: &'static str,
    base: Url,
    /// `base` without its trailing empty segment (`/api/` → `/api`), which
    /// request paths are pushed onto, and its segment count.
    path_base: Url,
    path_base_segments: usize,
    http: reqwest::Client,
    settings: HttpSettings,
    /// The default headers: `Accept`, `User-Agent` and the provider's own.
    headers: HeaderMap,
    auth: Arc<dyn Auth>,
    errors: Arc<dyn ErrorBody>,
    /// Where creates are journalled before they are sent (`journal.rs`).
    journal: Option<Journal>,
}

/// A configured HTTP pipeline. Cheap to clone; `Send + Sync`.
#[derive(Clone)]
pub struct Transport {
    inner: Arc<Inner>,
    options: Option<Arc<CallOptions>>,
}

impl fmt::Debug for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Transport")
            .field("provider", &self.inner.provider)
            .field("base_url", &self.inner.base.as_str())
            .field("settings", &self.inner.settings)
            .field("auth", &self.inner.auth)
            .field("journal", &self.inner.journal.is_some())
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl Transport {
    /// A builder for `provider`.
    pub fn builder(provider: &'static str) -> TransportBuilder {
        TransportBuilder::new(provider)
    }

    /// Provider name.
    pub fn provider(&self) -> &'static str {
        self.inner.provider
    }

    /// Base URL.
    pub fn base_url(&self) -> &Url {
        &self.inner.base
    }

    /// Largest answer read, in bytes.
    pub fn max_response_body(&self) -> u64 {
        self.inner.settings.max_response_body()
    }

    /// Most pages one listing stream fetches (see
    /// [`paginate_with`](crate::paginate::paginate_with)).
    pub fn max_pages(&self) -> u32 {
        self.inner.settings.max_pages()
    }

    /// A view of this transport whose calls use `options` over its own
    /// settings (see [`CallOptions`]). It shares the connection pool, the
    /// credential cache and the hooks; options already on `self` are kept
    /// unless `options` sets the same thing.
    pub fn with_options(&self, options: CallOptions) -> Transport {
        Transport {
            inner: Arc::clone(&self.inner),
            options: Some(Arc::new(options.merged_over(self.options.as_deref()))),
        }
    }

    /// The options this transport applies to its calls, if any.
    pub fn options(&self) -> Option<&CallOptions> {
        self.options.as_deref()
    }

    /// Sends `request` and decodes a JSON answer into `T`.
    ///
    /// A request that creates something (not idempotent) whose 2xx answer
    /// does not decode fails with [`Error::AnswerUnreadable`](crate::error::Error::AnswerUnreadable)
    /// carrying its [`reconcile_with`](Request::reconcile_with) key, if any,
    /// and the failing field path, never the answer itself.
    /// A [`sensitive_answer`](Request::sensitive_answer) that does not decode
    /// is an [`Error::Decode`](crate::error::Error::Decode) without the body.
    ///
    /// (Not an `async fn`, which would keep `request` twice in one more
    /// layer of future: it returns the call's future itself. The call
    /// starts at its first poll, as an `async fn`'s would.)
    pub fn send<T: DeserializeOwned>(&self, request: Request) -> impl Future<Output = Result<T>> {
        self.run(request, |t, request, response| {
            t.decode_success(request, &response)
        })
    }

    /// Sends `request` and decodes a JSON answer into `T` exactly as
    /// [`send`](Self::send) does, and hands back the answer's headers with
    /// it: for a listing whose paging is in headers.
    pub fn send_with_headers<T: DeserializeOwned>(
        &self,
        request: Request,
    ) -> impl Future<Output = Result<(T, HeaderMap)>> {
        self.run(request, |t, request, response| {
            let value = t.decode_success(request, &response)?;
            Ok((value, response.headers))
        })
    }

    /// Sends `request` and ignores the body of a successful answer. A
    /// DELETE that finds nothing after an attempt that may have done it
    /// succeeds (see [`send_delete`](Self::send_delete)).
    pub fn send_empty(&self, request: Request) -> impl Future<Output = Result<()>> {
        self.run(request, |t, request, response| {
            if response.already_done {
                return Ok(());
            }
            t.check_success(request, &response)
        })
    }

    /// Sends a DELETE and decodes its answer into `T`: `Some(T)` when it
    /// answered, `None` when an attempt was sent and its answer lost (or a
    /// 5xx came), and the retry found nothing (the provider's "not found",
    /// [`ErrorBody::is_not_found`]):
    /// the lost attempt did it. A "not found" on the first attempt stays an
    /// error.
    pub fn send_delete<T: DeserializeOwned>(
        &self,
        request: Request,
    ) -> impl Future<Output = Result<Option<T>>> {
        self.run(request, |t, request, response| {
            match response.already_done {
                true => Ok(None),
                false => t.decode_success(request, &response).map(Some),
            }
        })
    }

    /// Sends `request` with auth, retries and error mapping; returns the raw
    /// successful response.
    pub fn execute(&self, request: Request) -> impl Future<Output = Result<Response>> {
        self.run(request, |t, request, response| {
            t.check_success(request, &response).map(|()| response)
        })
    }

    /// The call in its span, from its first poll.
    ///
    /// Not an `async fn`: an `async fn` keeps its arguments twice (as
    /// arguments and as the body's locals), and the request is the largest
    /// of them; the block holds it once and the call borrows it.
    #[allow(clippy::manual_async_fn)]
    fn run<R>(
        &self,
        request: Request,
        finish: impl FnOnce(&Transport, &Request, Response) -> Result<R>,
    ) -> impl Future<Output = Result<R>> {
        async move {
            let span = tracing::info_span!(
                "partner_sdk.call",
                provider = self.inner.provider,
                operation = request.operation,
                http.request.method = %request.method,
                url.template = request.template,
                server.address = self.inner.base.host_str().unwrap_or_default(),
                server.port = self.inner.base.port_or_known_default(),
                http.response.status_code = tracing::field::Empty,
                http.request.resend_count = tracing::field::Empty,
                error.type = tracing::field::Empty,
            );
            // With no subscriber listening the span is disabled: the call then
            // skips recording its fields.
            let traced = !span.is_disabled();
            self.call(&request, traced, finish).instrument(span).await
        }
    }

    /// Attempts until one is final, then `finish` on a successful answer
    /// (error probe, decode) before the call's metadata is recorded, so a
    /// call that `finish` fails records none.
    async fn call<R>(
        &self,
        request: &Request,
        traced: bool,
        finish: impl FnOnce(&Transport, &Request, Response) -> Result<R>,
    ) -> Result<R> {
        if let Some(e) = &request.error {
            return Err(crate::error::Error::clone(e));
        }
        let url = self.url_for(request)?;
        let started = Instant::now();
        let mut attempt = 1u32;
        let mut reauthenticated = false;
        let mut delete_may_be_done = false;
        let result = loop {
            let step = Step {
                attempt,
                reauthenticated,
                traced,
                delete_may_be_done,
            };
            // Boxed: the attempt's future (the exchange's, reqwest's pending
            // request and response) is most of the call's size, and every
            // future above this one would carry it and move it.
            match Box::pin(self.attempt(request, &url, step)).await {
                Next::Done(result) => break result,
                Next::Reauthenticate => {
                    self.reauthenticating(request, attempt);
                    reauthenticated = true;
                }
                Next::Retry(wait, may_have_applied) => {
                    delete_may_be_done |= may_have_applied && request.method == Method::DELETE;
                    tracing::debug!(attempt, wait_ms = wait.as_millis() as u64, "retrying");
                    self.retrying(request, attempt, wait);
                    tokio::time::sleep(wait).await;
                    attempt += 1;
                }
            }
        };
        let status = observe::last_status(&result);
        let result = result.and_then(|response| {
            let meta = self.call_metadata(request, &response, attempt, started);
            let value = finish(self, request, response)?;
            if let Some(meta) = meta {
                crate::metadata::deliver(meta);
            }
            Ok(value)
        });
        let end = observe::End {
            traced,
            attempts: attempt,
            reauthenticated,
            started,
            status,
        };
        self.ended(request, end, result.as_ref().err());
        if let Err(e) = &result {
            tracing::debug!(error = %e, "call failed");
        }
        result
    }

    /// The call's metadata, when a [`capture`](crate::metadata::capture) is listening,
    /// its duration measured from `started` to now.
    fn call_metadata(
        &self,
        request: &Request,
        response: &Response,
        attempts: u32,
        started: Instant,
    ) -> Option<CallMetadata> {
        crate::metadata::prepare(|| {
            let facts = CallFacts {
                provider: self.inner.provider,
                operation: request.operation,
                method: request.method.clone(),
                path: request.template,
                attempts,
                elapsed: started.elapsed(),
            };
            CallMetadata::new(facts, response.status, &response.headers)
        })
    }

    /// The names this call's errors carry.
    fn label(&self, request: &Request) -> Label {
        Label {
            provider: self.inner.provider,
            operation: request.operation,
        }
    }

    /// The retry policy of this call: the options', else the client's.
    fn retry_policy(&self) -> RetryPolicy {
        self.options
            .as_ref()
            .and_then(|o| o.retry_policy())
            .unwrap_or_else(|| self.inner.settings.retry())
    }

    /// The per-attempt timeout of this call: the options', else the
    /// request's own, else the client's.
    fn attempt_timeout(&self, request: &Request) -> Duration {
        self.options
            .as_ref()
            .and_then(|o| o.timeout())
            .or(request.timeout)
            .unwrap_or_else(|| self.inner.settings.timeout())
    }
}
