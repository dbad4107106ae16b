//! One configured HTTP pipeline per provider client: base URL, auth, retry,
//! timeouts, error mapping and tracing.
//!
//! A provider method describes its call as a [`Request`] (operation name, path
//! template, parameters, body) and hands it to [`Transport::send`], which:
//!
//! 1. builds the URL by pushing each path parameter as one percent-encoded
//!    segment under the base URL (user input can never add a segment, a query
//!    or a fragment);
//! 2. asks the [`Auth`] for headers (logging in if needed);
//! 3. sends with the per-attempt timeout inside one `tracing` span;
//! 4. on 401 invalidates the credential and tries once more with a fresh one;
//! 5. retries what is safe to retry ([`RetryPolicy`]), honouring `Retry-After`;
//! 6. maps error answers through the provider's [`ErrorBody`] into
//!    [`Error::Api`], or decodes the body into the typed result (the check
//!    for an error inside a 2xx body folded into that decode where the
//!    provider names the keys that mark its errors, [`ErrorBody::error_keys`]).
//!
//! Limits that hold whatever the server sends:
//!
//! - redirects are never followed: a 3xx is [`Error::Redirect`] naming the
//!   location without its query (clients built here use
//!   `reqwest::redirect::Policy::none()`; an injected client that follows
//!   redirects itself is still refused the redirected answer);
//! - an answer is read up to [`DEFAULT_MAX_RESPONSE_BODY`] (32 MiB, settable):
//!   a larger `Content-Length` is refused before reading, a longer stream is
//!   cut at the limit, either way [`Error::ResponseTooLarge`];
//! - transport errors never keep the URL (it may carry personal data), only
//!   the path template.

use std::borrow::Cow;
use std::fmt;
use std::pin::Pin;
use std::sync::{Arc, LazyLock};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::Bytes;
use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue, USER_AGENT};
use reqwest::{Method, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tracing::Instrument as _;
use url::Url;

use crate::auth::{Auth, Credentials, NoAuth, RequestParts};
use crate::error::{ApiError, DecodeError, Error, ErrorBody, GenericErrorBody, Result};
use crate::http_client::HttpClient;
use crate::metadata::{CallFacts, CallMetadata, ResponseInfo, headers_for_hooks};
use crate::options::{CallOptions, connect_scope};
use crate::retry::{RetryPolicy, is_retryable_status, retry_after};

/// Default connect timeout.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Default per-attempt timeout (connect, send and read the whole body).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// The user agent every request carries (a builder may append a suffix).
pub const USER_AGENT_VALUE: &str = concat!("partner-sdk/", env!("CARGO_PKG_VERSION"));
/// Default cap on the size of one answer: 32 MiB.
pub const DEFAULT_MAX_RESPONSE_BODY: u64 = 32 * 1024 * 1024;
/// Default cap on the number of pages one listing stream fetches: 10 000.
pub const DEFAULT_MAX_PAGES: u32 = crate::paginate::DEFAULT_MAX_PAGES;

/// The `reqwest::Client` the SDK builds when none is injected: the given
/// connect timeout and no redirects (`reqwest::redirect::Policy::none()`),
/// so that credentials and bodies never go to a host a `Location` names.
/// A transport pairs it with a twin pool for calls that set their own
/// connect timeout ([`HttpClient::built`]).
pub fn default_http_client(connect_timeout: Duration) -> Result<reqwest::Client> {
    crate::http_client::plain_builder(connect_timeout)
        .build()
        .map_err(crate::http_client::build_error)
}

/// Sets every header of `src` on `dst`, replacing what `dst` had under the
/// same name (as `reqwest::RequestBuilder::headers` does), without taking
/// `src` by value.
fn replace_headers(dst: &mut HeaderMap, src: &HeaderMap) {
    // `iter` yields every value of a name in a row, each with a reference
    // to the same key: the first replaces, the rest are appended.
    let mut last: Option<&HeaderName> = None;
    for (name, value) in src {
        if last.is_some_and(|l| std::ptr::eq(l, name)) {
            dst.append(name.clone(), value.clone());
        } else {
            dst.insert(name.clone(), value.clone());
            last = Some(name);
        }
    }
}

/// Moves `src`'s entries into `dst`, replacing `dst`'s values of the same
/// names, as [`replace_headers`] does but without copying a value.
fn move_headers(dst: &mut HeaderMap, src: HeaderMap) {
    let mut last = None;
    for (name, value) in src {
        match name {
            Some(name) => {
                dst.insert(name.clone(), value);
                last = Some(name);
            }
            None => {
                if let Some(name) = &last {
                    dst.append(name.clone(), value);
                }
            }
        }
    }
}

/// An empty header map, for a request or attempt that has none.
fn no_headers() -> &'static HeaderMap {
    static NONE: LazyLock<HeaderMap> = LazyLock::new(HeaderMap::new);
    &NONE
}

/// Why a body could not be read.
pub(crate) enum BodyError {
    /// Longer than the limit.
    TooLarge,
    /// The connection failed while reading.
    Read(reqwest::Error),
}

/// Reads at most `limit` bytes of `response`: a `Content-Length` over the
/// limit is refused before reading, a longer stream is cut at the limit.
#[allow(
    clippy::manual_async_fn,
    reason = "an `async fn` keeps its arguments twice"
)]
pub(crate) fn read_body(
    mut response: reqwest::Response,
    limit: u64,
) -> impl Future<Output = std::result::Result<Bytes, BodyError>> {
    // A block rather than an `async fn`, which would keep `response` twice.
    async move {
        let announced = response.content_length().unwrap_or(0);
        if announced > limit {
            return Err(BodyError::TooLarge);
        }
        let over = |len: usize| u64::try_from(len).map_or(true, |n| n > limit);
        // A body that arrives in one chunk (most answers) is kept as it is,
        // without copying it.
        let Some(first) = response.chunk().await.map_err(BodyError::Read)? else {
            return Ok(Bytes::new());
        };
        if over(first.len()) {
            return Err(BodyError::TooLarge);
        }
        let Some(mut chunk) = response.chunk().await.map_err(BodyError::Read)? else {
            return Ok(first);
        };
        let capacity = announced.min(limit).min(1024 * 1024);
        let mut body = Vec::with_capacity(usize::try_from(capacity).unwrap_or(0));
        body.extend_from_slice(&first);
        drop(first);
        // Each chunk is appended before the next read, so no chunk is kept
        // in the future across it.
        loop {
            if over(body.len().saturating_add(chunk.len())) {
                return Err(BodyError::TooLarge);
            }
            body.extend_from_slice(&chunk);
            chunk = match response.chunk().await.map_err(BodyError::Read)? {
                Some(next) => next,
                None => return Ok(Bytes::from(body)),
            };
        }
    }
}

/// [`Error::Redirect`] when `response` is a 3xx, or when an injected client
/// followed a redirect and the answer comes from another URL than `sent_to`.
pub(crate) fn redirect_error(
    provider: &'static str,
    operation: &'static str,
    sent_to: &Url,
    response: &reqwest::Response,
) -> Option<Error> {
    let status = response.status();
    let location = if status.is_redirection() {
        response
            .headers()
            .get(reqwest::header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|l| sent_to.join(l.trim()).ok())
    } else if response.url() != sent_to {
        Some(response.url().clone())
    } else {
        return None;
    };
    Some(Error::Redirect {
        provider,
        operation,
        status,
        location: location.map(|mut url| {
            let _ = url.set_username("");
            let _ = url.set_password(None);
            url.set_query(None);
            url.set_fragment(None);
            url.to_string()
        }),
    })
}

pub(crate) const REQUEST_ID_HEADERS: [&str; 6] = [
    "x-request-id",
    "request-id",
    "x-correlation-id",
    "x-amzn-requestid",
    "x-ms-request-id",
    "x-trace-id",
];

/// Request id from the usual response headers.
pub fn request_id(headers: &HeaderMap) -> Option<String> {
    REQUEST_ID_HEADERS
        .iter()
        .find_map(|h| headers.get(*h))
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// What a [`Hooks`] implementation is told about a call attempt.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct CallInfo<'a> {
    /// Provider name.
    pub provider: &'static str,
    /// Operation name, e.g. `list_prices`.
    pub operation: &'static str,
    /// HTTP method.
    pub method: &'a Method,
    /// Path template, e.g. `/v1/transactions/{transactionId}`.
    pub path: &'static str,
    /// Attempt number, from 1.
    pub attempt: u32,
}

/// The extension point: observe every attempt (metrics, audit logs).
/// Hooks cannot change requests; they see no bodies and no secrets.
pub trait Hooks: Send + Sync + 'static {
    /// Called before each attempt is sent.
    fn before_send(&self, call: &CallInfo<'_>) {
        let _ = call;
    }
    /// Called after each attempt with its status (`None` when no response
    /// arrived) and how long it took. Called by the default
    /// [`on_response`](Self::on_response) only.
    fn after_response(&self, call: &CallInfo<'_>, status: Option<StatusCode>, elapsed: Duration) {
        let _ = (call, status, elapsed);
    }
    /// Called after each attempt with its status, response headers (without
    /// cookies and credentials) and how long it took. The default calls
    /// [`after_response`](Self::after_response); implement this one to read
    /// headers such as the request id.
    fn on_response(&self, call: &CallInfo<'_>, response: &ResponseInfo<'_>) {
        self.after_response(call, response.status, response.elapsed);
    }
}

/// Configures a [`Transport`].
pub struct TransportBuilder {
    provider: &'static str,
    base_url: Option<String>,
    http: Option<HttpClient>,
    connect_timeout: Duration,
    timeout: Duration,
    retry: RetryPolicy,
    user_agent_suffix: Option<String>,
    default_headers: Vec<(String, String)>,
    auth: Arc<dyn Auth>,
    errors: Arc<dyn ErrorBody>,
    hooks: Option<Arc<dyn Hooks>>,
    max_response_body: u64,
    max_pages: u32,
}

impl fmt::Debug for TransportBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TransportBuilder")
            .field("provider", &self.provider)
            .field("base_url", &self.base_url)
            .field("connect_timeout", &self.connect_timeout)
            .field("timeout", &self.timeout)
            .field("retry", &self.retry)
            .field("max_response_body", &self.max_response_body)
            .field("max_pages", &self.max_pages)
            .field("auth", &self.auth)
            .finish_non_exhaustive()
    }
}

impl TransportBuilder {
    /// A builder for `provider` (used in errors and spans).
    pub fn new(provider: &'static str) -> Self {
        TransportBuilder {
            provider,
            base_url: None,
            http: None,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            timeout: DEFAULT_TIMEOUT,
            retry: RetryPolicy::default(),
            user_agent_suffix: None,
            default_headers: Vec::new(),
            auth: Arc::new(NoAuth),
            errors: Arc::new(GenericErrorBody),
            hooks: None,
            max_response_body: DEFAULT_MAX_RESPONSE_BODY,
            max_pages: DEFAULT_MAX_PAGES,
        }
    }

    /// Base URL; its path (e.g. `/v1.1`) prefixes every request path.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// Uses this `reqwest::Client` (its own connect timeout, TLS and redirect
    /// settings apply; the per-attempt timeout is still set on every request).
    ///
    /// The SDK cannot change the redirect policy of a client it did not
    /// build. Build it with `reqwest::redirect::Policy::none()` (as
    /// [`default_http_client`] does) so that a 3xx reaches the SDK and becomes
    /// [`Error::Redirect`]. A client that follows redirects re-sends the
    /// request, credential headers and body included, to the host a
    /// `Location` names before the SDK sees the answer; the SDK then refuses
    /// that answer with [`Error::Redirect`], but cannot take back what was sent.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(HttpClient::injected(client));
        self
    }

    /// Shares `http` (injected or built by the SDK) with other transports
    /// of the same provider client: one set of connection pools.
    pub fn shared_http_client(mut self, http: HttpClient) -> Self {
        self.http = Some(http);
        self
    }

    /// Connect timeout for the client this builder creates (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Per-attempt timeout (default 30 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Retry policy (default: 3 attempts, 0.5 s base, 20 s cap).
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Appended to the `partner-sdk/<version>` user agent.
    pub fn user_agent_suffix(mut self, suffix: impl Into<String>) -> Self {
        self.user_agent_suffix = Some(suffix.into());
        self
    }

    /// A header sent on every request (validated by `build`).
    pub fn default_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.default_headers.push((name.into(), value.into()));
        self
    }

    /// Authentication strategy (default: none).
    pub fn auth(self, auth: impl Auth) -> Self {
        self.auth_shared(Arc::new(auth))
    }

    /// Authentication strategy shared with other owners.
    pub fn auth_shared(mut self, auth: Arc<dyn Auth>) -> Self {
        self.auth = auth;
        self
    }

    /// How the provider shapes its error bodies (default: [`GenericErrorBody`]).
    pub fn error_body(mut self, errors: impl ErrorBody) -> Self {
        self.errors = Arc::new(errors);
        self
    }

    /// Observer of every attempt.
    pub fn hooks(mut self, hooks: Arc<dyn Hooks>) -> Self {
        self.hooks = Some(hooks);
        self
    }

    /// Largest answer read, in bytes (default [`DEFAULT_MAX_RESPONSE_BODY`]).
    pub fn max_response_body(mut self, bytes: u64) -> Self {
        self.max_response_body = bytes;
        self
    }

    /// Most pages one listing stream fetches (default [`DEFAULT_MAX_PAGES`]).
    pub fn max_pages(mut self, pages: u32) -> Self {
        self.max_pages = pages.max(1);
        self
    }

    /// Validates the configuration and builds the transport.
    pub fn build(self) -> Result<Transport> {
        let raw = self.base_url.ok_or_else(|| {
            Error::Config(format!("{}: base_url is required", self.provider).into())
        })?;
        let base = parse_base_url(&raw)?;
        if self.http.is_none() {
            crate::settings::require_tls(&base)?;
        }
        let http = match self.http {
            Some(http) => http,
            None => HttpClient::built(self.connect_timeout)?,
        };
        let mut headers = HeaderMap::new();
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        let ua = match &self.user_agent_suffix {
            Some(s) => format!("{USER_AGENT_VALUE} {s}"),
            None => USER_AGENT_VALUE.to_owned(),
        };
        headers.insert(
            USER_AGENT,
            HeaderValue::from_str(&ua)
                .map_err(|_| Error::Config("user agent suffix is not a valid header".into()))?,
        );
        for (name, value) in &self.default_headers {
            let n = HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| Error::Config(format!("bad header name {name:?}").into()))?;
            let v = HeaderValue::from_str(value)
                .map_err(|_| Error::Config(format!("bad value for header {name}").into()))?;
            headers.insert(n, v);
        }
        self.auth.bind_http_client(http.reqwest());
        let mut path_base = base.clone();
        path_base
            .path_segments_mut()
            .map_err(|_| no_path())?
            .pop_if_empty();
        Ok(Transport {
            inner: Arc::new(Inner {
                provider: self.provider,
                path_base_segments: segment_count(&path_base),
                path_base,
                base,
                http,
                timeout: self.timeout,
                retry: self.retry,
                headers,
                auth: self.auth,
                errors: self.errors,
                hooks: self.hooks,
                max_response_body: self.max_response_body,
                max_pages: self.max_pages,
            }),
            options: None,
        })
    }
}

/// Parses and checks a base URL: absolute http(s), able to carry a path.
pub fn parse_base_url(raw: &str) -> Result<Url> {
    let url = Url::parse(raw.trim())
        .map_err(|e| Error::Config(format!("base URL {raw:?}: {e}").into()))?;
    if !matches!(url.scheme(), "http" | "https") || url.cannot_be_a_base() {
        return Err(Error::Config(
            format!("base URL {raw:?} must be an absolute http(s) URL").into(),
        ));
    }
    Ok(url)
}

struct Inner {
    provider: &'static str,
    base: Url,
    /// `base` without its trailing empty segment (`/api/` → `/api`), which
    /// request paths are pushed onto, and its segment count.
    path_base: Url,
    path_base_segments: usize,
    http: HttpClient,
    timeout: Duration,
    retry: RetryPolicy,
    headers: HeaderMap,
    auth: Arc<dyn Auth>,
    errors: Arc<dyn ErrorBody>,
    hooks: Option<Arc<dyn Hooks>>,
    max_response_body: u64,
    max_pages: u32,
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
            .field("timeout", &self.inner.timeout)
            .field("retry", &self.inner.retry)
            .field("auth", &self.inner.auth)
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

/// One API call, described before it is sent.
///
/// The path template uses `{name}` placeholders, filled in order by
/// [`Request::param`]; a placeholder may share its segment with literal text
/// (`ext-{external_id}`). Each value becomes exactly one percent-encoded path
/// segment.
#[derive(Clone)]
pub struct Request {
    method: Method,
    operation: &'static str,
    template: &'static str,
    params: Vec<String>,
    /// The query, form-encoded once as it is built (`a=1&b=2`).
    query: String,
    /// Boxed: most requests have none, and every call in flight holds its
    /// request in its future.
    headers: Option<Box<HeaderMap>>,
    body: Option<Bytes>,
    /// The body's type, or the type a bodyless request is documented to
    /// carry: a `&'static str`, so it needs no header map of its own.
    content_type: Option<&'static str>,
    idempotent: Option<bool>,
    /// Boxed: only requests that create something carry one, and every
    /// call in flight holds its request in its future.
    reconcile: Option<Box<(&'static str, String)>>,
    timeout: Option<Duration>,
    sensitive_answer: bool,
    error: Option<Arc<Error>>,
}

impl fmt::Debug for Request {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Request")
            .field("method", &self.method)
            .field("operation", &self.operation)
            .field("template", &self.template)
            .field("has_body", &self.body.is_some())
            .finish_non_exhaustive()
    }
}

impl Request {
    /// A request for `operation` at `template` (relative to the base URL).
    pub fn new(method: Method, operation: &'static str, template: &'static str) -> Self {
        Request {
            method,
            operation,
            template,
            params: Vec::new(),
            query: String::new(),
            headers: None,
            body: None,
            content_type: None,
            idempotent: None,
            reconcile: None,
            timeout: None,
            sensitive_answer: false,
            error: None,
        }
    }
    /// A GET request.
    pub fn get(operation: &'static str, template: &'static str) -> Self {
        Self::new(Method::GET, operation, template)
    }
    /// A POST request (not retried unless marked [`idempotent`](Self::idempotent)).
    pub fn post(operation: &'static str, template: &'static str) -> Self {
        Self::new(Method::POST, operation, template)
    }
    /// A PUT request.
    pub fn put(operation: &'static str, template: &'static str) -> Self {
        Self::new(Method::PUT, operation, template)
    }
    /// A DELETE request.
    pub fn delete(operation: &'static str, template: &'static str) -> Self {
        Self::new(Method::DELETE, operation, template)
    }

    /// Fills the next `{placeholder}` of the path template.
    pub fn param(mut self, value: impl fmt::Display) -> Self {
        self.params.push(value.to_string());
        self
    }

    /// Adds the fields of `query` (serde, `None` fields skipped) to the query string.
    pub fn query<T: Serialize + ?Sized>(mut self, query: &T) -> Self {
        self.reserve_query();
        let start = self.query.len();
        let mut pairs = url::form_urlencoded::Serializer::for_suffix(&mut self.query, 0);
        let written = query.serialize(serde_urlencoded::Serializer::new(&mut pairs));
        if let Err(e) = written {
            self.query.truncate(start);
            self.fail(Error::invalid_input("query", e.to_string()));
        }
        self
    }

    /// Adds one query pair. The value is form-encoded as it is formatted,
    /// with no intermediate string.
    pub fn query_pair(mut self, name: impl AsRef<str>, value: impl fmt::Display) -> Self {
        self.push_query_pair(name.as_ref(), &value);
        self
    }

    /// `query_pair`'s work, one copy for every name and value type: the
    /// generic methods only forward to it.
    fn push_query_pair(&mut self, name: &str, value: &dyn fmt::Display) {
        self.reserve_query();
        if !self.query.is_empty() {
            self.query.push('&');
        }
        let mut encoded = FormEncoded(&mut self.query);
        // `FormEncoded` never fails; a `Display` that does ends the value
        // where it stopped.
        let _ = fmt::Write::write_str(&mut encoded, name);
        encoded.0.push('=');
        let _ = fmt::write(&mut encoded, format_args!("{value}"));
    }

    /// Room for a typical query, so that it is allocated once rather than
    /// grown piece by piece.
    fn reserve_query(&mut self) {
        const TYPICAL_QUERY: usize = 64;
        if self.query.capacity() == 0 {
            self.query.reserve(TYPICAL_QUERY);
        }
    }

    /// Adds one query pair when `value` is `Some`.
    pub fn query_opt(mut self, name: impl AsRef<str>, value: Option<impl fmt::Display>) -> Self {
        if let Some(v) = value {
            self.push_query_pair(name.as_ref(), &v);
        }
        self
    }

    /// JSON body.
    pub fn json<T: Serialize + ?Sized>(mut self, body: &T) -> Self {
        match serde_json::to_vec(body) {
            Ok(bytes) => {
                self.body = Some(Bytes::from(bytes));
                self.content_type = Some("application/json");
            }
            Err(e) => self.fail(Error::invalid_input("body", e.to_string())),
        }
        self
    }

    /// `application/x-www-form-urlencoded` body.
    pub fn form<T: Serialize + ?Sized>(mut self, body: &T) -> Self {
        match serde_urlencoded::to_string(body) {
            Ok(text) => {
                self.body = Some(Bytes::from(text));
                self.content_type = Some("application/x-www-form-urlencoded");
            }
            Err(e) => self.fail(Error::invalid_input("body", e.to_string())),
        }
        self
    }

    /// Raw body with its content type.
    pub fn body(mut self, body: impl Into<Bytes>, content_type: &'static str) -> Self {
        self.body = Some(body.into());
        self.content_type = Some(content_type);
        self
    }

    /// `Content-Type` for a request the provider documents with one but
    /// without a body. A body set afterwards brings its own type.
    pub fn content_type(mut self, content_type: &'static str) -> Self {
        self.content_type = Some(content_type);
        self
    }

    /// An extra header for this request.
    pub fn header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.get_or_insert_default().insert(name, value);
        self
    }

    /// Overrides whether the request may be retried. GET/HEAD/PUT/DELETE are
    /// idempotent by default, POST/PATCH are not. Mark a POST idempotent only
    /// when the provider deduplicates it.
    pub fn idempotent(mut self, idempotent: bool) -> Self {
        self.idempotent = Some(idempotent);
        self
    }

    /// The caller's identifier for this request, reported in
    /// [`Error::OutcomeUnknown`] so the outcome can be looked up.
    pub fn reconcile_with(mut self, field: &'static str, value: impl Into<String>) -> Self {
        self.reconcile = Some(Box::new((field, value.into())));
        self
    }

    /// Marks the answer as carrying secrets (voucher PINs, session tokens):
    /// when it does not decode, the [`Error::Decode`] keeps neither the body
    /// nor serde's message (which may quote a value), only the failing
    /// field path and the kind of error.
    pub fn sensitive_answer(mut self) -> Self {
        self.sensitive_answer = true;
        self
    }

    /// Per-attempt timeout for this request only.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// The operation name.
    pub fn operation(&self) -> &'static str {
        self.operation
    }

    /// The request's own headers (none for most requests).
    fn headers(&self) -> &HeaderMap {
        self.headers.as_deref().unwrap_or_else(|| no_headers())
    }

    fn fail(&mut self, e: Error) {
        if self.error.is_none() {
            self.error = Some(Arc::new(e));
        }
    }

    fn is_idempotent(&self) -> bool {
        self.idempotent.unwrap_or(matches!(
            self.method,
            Method::GET | Method::HEAD | Method::PUT | Method::DELETE | Method::OPTIONS
        ))
    }

    /// The reconcile key of a request that creates something (not
    /// idempotent): its accepted answer must never be lost silently.
    fn creation_key(&self) -> Option<&(&'static str, String)> {
        self.reconcile.as_deref().filter(|_| !self.is_idempotent())
    }
}

/// Appends what is written to it form-encoded
/// (`application/x-www-form-urlencoded`, as `url::form_urlencoded` encodes
/// a pair's name or value: byte by byte, so any split gives the same text).
struct FormEncoded<'a>(&'a mut String);

impl fmt::Write for FormEncoded<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        // Slugs, ids and numbers, most values, need no encoding: copied
        // whole rather than chunk by chunk through the encoder.
        if s.bytes().all(form_unreserved) {
            self.0.push_str(s);
        } else {
            self.0
                .extend(url::form_urlencoded::byte_serialize(s.as_bytes()));
        }
        Ok(())
    }
}

/// A byte `application/x-www-form-urlencoded` leaves as it is (the set
/// `url::form_urlencoded::byte_serialize` keeps).
fn form_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'*' | b'-' | b'.' | b'_')
}

/// A response that passed error mapping: status, headers and the whole body.
#[derive(Clone)]
pub struct Response {
    provider: &'static str,
    operation: &'static str,
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
}

impl fmt::Debug for Response {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Response")
            .field("operation", &self.operation)
            .field("status", &self.status)
            .field("body_len", &self.body.len())
            .finish()
    }
}

impl Response {
    /// HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }
    /// Response headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }
    /// Body bytes.
    pub fn body(&self) -> &Bytes {
        &self.body
    }
    /// Decodes the body as JSON; failures keep the body and the serde path.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T> {
        decode_json(self.provider, self.operation, self.status, &self.body)
    }
}

/// Decodes `body` as JSON into `T`, keeping the serde path and the body on failure.
///
/// The fast path is plain `serde_json`; only a failing body is decoded a
/// second time with path tracking, so successful calls pay nothing for it.
pub fn decode_json<T: DeserializeOwned>(
    provider: &'static str,
    operation: &'static str,
    status: StatusCode,
    body: &Bytes,
) -> Result<T> {
    if let Ok(value) = serde_json::from_slice(body) {
        return Ok(value);
    }
    decode_json_with_path(provider, operation, status, body)
}

/// The decode of a body the fast path refused: again, tracking the serde
/// path for the error.
fn decode_json_with_path<T: DeserializeOwned>(
    provider: &'static str,
    operation: &'static str,
    status: StatusCode,
    body: &Bytes,
) -> Result<T> {
    let de = &mut serde_json::Deserializer::from_slice(body);
    match serde_path_to_error::deserialize::<_, T>(de) {
        Ok(value) => Ok(value),
        Err(e) => Err(Error::Decode(Box::new(DecodeError::new(
            provider, operation, status, body, e,
        )))),
    }
}

/// An attempt's exchange: no answer (`Err`), or the answer's status and
/// headers with its body or the error that makes it unusable.
type Outcome = std::result::Result<Answer, NoAnswer>;

/// An answer's status and headers, with its body or the error that makes
/// it unusable.
type Answer = (StatusCode, HeaderMap, Result<Bytes>);

/// Why an attempt got no usable answer.
enum NoAnswer {
    /// The HTTP client failed (connect, I/O, or an injected client's own
    /// timeout).
    Http(reqwest::Error),
    /// The attempt's timeout passed before the whole answer was read.
    TimedOut,
}

impl fmt::Display for NoAnswer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NoAnswer::Http(e) => e.fmt(f),
            NoAnswer::TimedOut => f.write_str("timed out"),
        }
    }
}

pin_project_lite::pin_project! {
    /// An attempt's exchange bounded by its timeout:
    /// [`NoAnswer::TimedOut`] once it passes. The timer is boxed (as
    /// reqwest boxes its own), so that it adds a pointer, not a timer
    /// entry, to the call's future.
    struct Deadline<F> {
        #[pin]
        exchange: F,
        timer: Pin<Box<tokio::time::Sleep>>,
    }
}

impl<F> Deadline<F> {
    fn new(exchange: F, timeout: Duration) -> Self {
        Deadline {
            exchange,
            timer: Box::pin(tokio::time::sleep(timeout)),
        }
    }
}

impl<F: Future<Output = reqwest::Result<Answer>>> Future for Deadline<F> {
    type Output = Outcome;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Outcome> {
        let this = self.project();
        // The exchange first: an answer that is complete wins over a
        // timeout passing at the same poll.
        if let Poll::Ready(out) = this.exchange.poll(cx) {
            return Poll::Ready(out.map_err(NoAnswer::Http));
        }
        this.timer
            .as_mut()
            .poll(cx)
            .map(|()| Err(NoAnswer::TimedOut))
    }
}

/// Which attempt of a call this is, and how it is traced.
#[derive(Clone, Copy)]
struct Step {
    /// 1 for the first attempt.
    attempt: u32,
    /// Credentials were refused once and fetched again.
    reauthenticated: bool,
    /// The call's span is enabled (a subscriber listens).
    traced: bool,
}

enum Attempt {
    Done(Result<Response>),
    Retry(Duration),
    Reauth,
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
        self.inner.max_response_body
    }

    /// Most pages one listing stream fetches (see
    /// [`paginate_with`](crate::paginate::paginate_with)).
    pub fn max_pages(&self) -> u32 {
        self.inner.max_pages
    }

    /// The URL `request` would be sent to.
    ///
    /// Each parameter becomes exactly one path segment: empty values, `.`,
    /// `..` and values with control characters (which the URL parser would
    /// strip, turning `"..\t"` into `..`) are refused, and every segment is
    /// checked again as the parser saw it.
    pub fn url_for(&self, request: &Request) -> Result<Url> {
        // Every segment is pushed, then the count checked once; only a URL
        // whose count is off is built again checking each segment, to name
        // the parameter (or template piece) at fault.
        let (mut url, expected) = self.push_path(request, false)?;
        if segment_count(&url) != expected {
            self.push_path(request, true)?;
            return Err(Error::Config(
                format!(
                    "{}: path template changes the request path",
                    request.operation
                )
                .into(),
            ));
        }
        if !request.query.is_empty() {
            // Already form-encoded: set as it is, after a base URL's own query.
            match url.query().filter(|q| !q.is_empty()) {
                Some(base) => {
                    let joined = format!("{base}&{}", request.query);
                    url.set_query(Some(&joined));
                }
                None => url.set_query(Some(&request.query)),
            }
        }
        Ok(url)
    }

    /// The base URL with `request`'s path pushed, and the segment count it
    /// must have. With `check_each`, fails at the first segment that does
    /// not add exactly one segment.
    fn push_path(&self, request: &Request, check_each: bool) -> Result<(Url, usize)> {
        let mut url = self.inner.path_base.clone();
        let mut count = self.inner.path_base_segments;
        let mut params = request.params.iter();
        let pieces = request.template.split('/').filter(|p| !p.is_empty());
        if !check_each {
            // One path editor for every segment.
            let mut segments = url.path_segments_mut().map_err(|_| no_path())?;
            for piece in pieces {
                segments.push(&fill_piece(piece, &mut params)?.1);
                count += 1;
            }
        } else {
            for piece in pieces {
                let (name, segment) = fill_piece(piece, &mut params)?;
                url.path_segments_mut()
                    .map_err(|_| no_path())?
                    .push(&segment);
                count += 1;
                if segment_count(&url) != count {
                    return Err(match name {
                        Some(name) => {
                            Error::invalid_input(name.to_owned(), "would change the request path")
                        }
                        None => Error::Config(
                            format!(
                                "{}: path template {piece:?} is not one segment",
                                request.operation
                            )
                            .into(),
                        ),
                    });
                }
            }
        }
        if params.next().is_some() {
            return Err(Error::Config(
                format!("{}: more parameters than placeholders", request.operation).into(),
            ));
        }
        Ok((url, count))
    }

    /// Sends `request` and decodes a JSON answer into `T`.
    ///
    /// A request that creates something (not idempotent, with a
    /// [`reconcile_with`](Request::reconcile_with) key) whose 2xx answer does
    /// not decode fails with [`Error::AnswerUnreadable`] carrying the key and
    /// the failing field path, never the answer itself. A
    /// [`sensitive_answer`](Request::sensitive_answer) that does not decode is
    /// an [`Error::Decode`] without the body.
    pub fn send<T: DeserializeOwned>(&self, request: Request) -> impl Future<Output = Result<T>> {
        self.run(request, |t, request, response| {
            t.decode_success(request, &response)
        })
    }

    /// Sends `request` and ignores the body of a successful answer.
    pub fn send_empty(&self, request: Request) -> impl Future<Output = Result<()>> {
        self.run(request, |t, request, response| {
            t.check_success(request, &response)
        })
    }

    /// Sends `request` with auth, retries and error mapping; returns the raw
    /// successful response.
    pub fn execute(&self, request: Request) -> impl Future<Output = Result<Response>> {
        self.run(request, |t, request, response| {
            t.check_success(request, &response).map(|()| response)
        })
    }

    /// The call itself, in its span: attempts until one is final, then
    /// `finish` on a successful answer (error probe, decode) before the
    /// call's metadata is recorded, so a call that `finish` fails records
    /// none.
    ///
    /// The public methods, this one and `run_inner` are plain functions
    /// (the last returning an `async move` block), which keep the request
    /// once in the future where an `async fn` keeps its arguments twice
    /// (rust-lang/rust#62958): every call in flight holds its future, so
    /// its size is memory touched per call.
    fn run<R>(
        &self,
        request: Request,
        finish: impl FnOnce(&Transport, &Request, Response) -> Result<R>,
    ) -> impl Future<Output = Result<R>> {
        let span = tracing::info_span!(
            "partner_sdk.call",
            provider = self.inner.provider,
            operation = request.operation,
            http.method = %request.method,
            path = request.template,
            http.status = tracing::field::Empty,
            attempts = tracing::field::Empty,
            elapsed_ms = tracing::field::Empty,
        );
        // With no subscriber listening the span is disabled: the call then
        // skips looking up the current span to record its fields.
        let traced = !span.is_disabled();
        self.run_inner(request, traced, finish).instrument(span)
    }

    #[allow(
        clippy::manual_async_fn,
        reason = "an `async fn` keeps its arguments twice"
    )]
    fn run_inner<R>(
        &self,
        request: Request,
        traced: bool,
        finish: impl FnOnce(&Transport, &Request, Response) -> Result<R>,
    ) -> impl Future<Output = Result<R>> {
        async move {
            if let Some(e) = &request.error {
                return Err(Error::clone(e));
            }
            let url = self.url_for(&request)?;
            let started = Instant::now();
            let mut attempt = 0u32;
            let mut reauthenticated = false;
            let result = loop {
                attempt += 1;
                // The attempt's outcome is consumed in this statement, so it
                // takes no room in the future across the backoff's await.
                let step = Step {
                    attempt,
                    reauthenticated,
                    traced,
                };
                let wait = match self.attempt(&request, &url, step).await {
                    Attempt::Done(result) => break result,
                    Attempt::Reauth => {
                        reauthenticated = true;
                        attempt -= 1;
                        continue;
                    }
                    Attempt::Retry(wait) => wait,
                };
                tracing::debug!(attempt, wait_ms = wait.as_millis() as u64, "retrying");
                tokio::time::sleep(wait).await;
            };
            // The clock is read again only for a listener of the call's
            // duration: the span, a capture.
            if traced {
                let span = tracing::Span::current();
                span.record("attempts", attempt);
                span.record("elapsed_ms", started.elapsed().as_millis() as u64);
            }
            let result = result.and_then(|response| {
                let meta = self.call_metadata(&request, &response, attempt, started);
                let value = finish(self, &request, response)?;
                if let Some(meta) = meta {
                    crate::metadata::deliver(meta);
                }
                Ok(value)
            });
            if let Err(e) = &result {
                tracing::debug!(error = %e, "call failed");
            }
            result
        }
    }

    /// A successful answer's error probe ([`ErrorBody::error_in_success`]):
    /// an error hidden in the 2xx body becomes [`Error::Api`].
    fn check_success(&self, request: &Request, response: &Response) -> Result<()> {
        match (self.inner.errors).error_in_success(response.status, &response.body) {
            None => Ok(()),
            Some(fields) => {
                let api = self.api_error(
                    request,
                    response.status,
                    &response.headers,
                    response.body.clone(),
                    Some(fields),
                );
                Err(Error::Api(Box::new(api)))
            }
        }
    }

    /// A successful answer decoded into `T`, after its error probe.
    ///
    /// When the provider names the keys that mark an error
    /// ([`ErrorBody::error_keys`]), the decode watches the top-level keys
    /// and the probe runs only if one is there or the decode fails: one
    /// pass over the body. A request that creates something (not
    /// idempotent, with a [`reconcile_with`](Request::reconcile_with) key)
    /// whose answer does not decode fails with [`Error::AnswerUnreadable`]
    /// carrying the key and the failing field path, never the answer
    /// itself; a [`sensitive_answer`](Request::sensitive_answer) that does
    /// not decode is an [`Error::Decode`] without the body.
    fn decode_success<T: DeserializeOwned>(
        &self,
        request: &Request,
        response: &Response,
    ) -> Result<T> {
        // `Some(Err(()))`: the watched decode (serde's fast path) failed.
        let decoded = match self.inner.errors.error_keys() {
            Some(keys) => match crate::decode::watch::decode_watching::<T>(&response.body, keys) {
                (Ok(value), true) => return Ok(value),
                (result, _) => Some(result.map_err(|_| ())),
            },
            None => None,
        };
        self.check_success(request, response)?;
        let (provider, operation, status) =
            (self.inner.provider, request.operation, response.status);
        let result = match decoded {
            Some(Ok(value)) => return Ok(value),
            Some(Err(())) => decode_json_with_path(provider, operation, status, &response.body),
            None => response.json(),
        };
        match (result, request.creation_key()) {
            (Err(Error::Decode(d)), Some(key)) => Err(Error::AnswerUnreadable {
                provider: d.provider,
                operation: d.operation,
                status: d.status,
                key: Some(key.clone()),
                cause: d.summary().into(),
            }),
            (Err(Error::Decode(d)), None) if request.sensitive_answer => {
                Err(Error::Decode(Box::new(d.without_values())))
            }
            (result, _) => result,
        }
    }

    /// One attempt: credentials, send, read the answer, classify it. Only
    /// the credentials and the exchange's own future live across its
    /// awaits; building the request and classifying the answer are plain
    /// functions, so their locals take no room in the call's future.
    #[allow(
        clippy::manual_async_fn,
        reason = "an `async fn` keeps its arguments twice"
    )]
    fn attempt<'a>(
        &'a self,
        request: &'a Request,
        url: &'a Url,
        step: Step,
    ) -> impl Future<Output = Attempt> + 'a {
        async move {
            let body = request.body.as_deref().unwrap_or(&[]);
            let parts = RequestParts {
                method: &request.method,
                url,
                body,
            };
            // Matched in place, so that no result is kept in the future across
            // the exchange's await.
            let credentials = match self.inner.auth.ready(parts) {
                Some(Ok(c)) => c,
                Some(Err(e)) => return Attempt::Done(Err(e)),
                None => match self.inner.auth.authorize(parts).await {
                    Ok(c) => c,
                    Err(e) => return Attempt::Done(Err(e)),
                },
            };
            let generation = credentials.generation;
            let (sending, credential_headers) =
                match self.start(request, url, step.attempt, credentials) {
                    Ok(started) => started,
                    Err(e) => return Attempt::Done(Err(e)),
                };
            let sent_at = Instant::now();
            let timeout = self.attempt_timeout(request);
            let outcome = Deadline::new(self.receive(request, url, sending), timeout).await;
            self.classify(
                request,
                step,
                (generation, credential_headers.as_deref()),
                outcome,
                sent_at,
            )
        }
    }

    /// The call's `CallInfo` for hooks.
    fn call_info<'a>(&self, request: &'a Request, attempt: u32) -> CallInfo<'a> {
        CallInfo {
            provider: self.inner.provider,
            operation: request.operation,
            method: &request.method,
            path: request.template,
            attempt,
        }
    }

    /// Builds the attempt's request and starts sending it. The credential
    /// headers move into the request; they are kept (boxed) only when hooks
    /// need their names, to hide them in the answer's headers.
    #[allow(
        clippy::type_complexity,
        reason = "returned once per attempt, straight into `attempt`'s match"
    )]
    fn start(
        &self,
        request: &Request,
        url: &Url,
        attempt: u32,
        credentials: Credentials,
    ) -> Result<(
        impl Future<Output = reqwest::Result<reqwest::Response>> + Unpin + use<>,
        Option<Box<HeaderMap>>,
    )> {
        let inner = &self.inner;
        let extra_headers = match &self.options {
            Some(o) => {
                Some(o.extra_headers([&inner.headers, request.headers(), &credentials.headers])?)
            }
            None => None,
        };
        // Built in place rather than through `RequestBuilder`, into one map
        // sized for the headers it gets (reqwest adds none that are set
        // already): the default headers, then the request's own, the
        // options' and the credentials' set over them, and the body's type.
        // One more: reqwest hands hyper a copy of the map, which keeps its
        // table size, and hyper adds `Host` to it.
        let mut http_request = reqwest::Request::new(request.method.clone(), url.clone());
        let own = request.headers.as_deref();
        let capacity = inner.headers.len()
            + own.map_or(0, HeaderMap::len)
            + extra_headers.as_ref().map_or(0, HeaderMap::len)
            + credentials.headers.len()
            + usize::from(request.content_type.is_some())
            + 1;
        let sent_headers = http_request.headers_mut();
        *sent_headers = HeaderMap::with_capacity(capacity);
        for set in [Some(&inner.headers), own, extra_headers.as_ref()]
            .into_iter()
            .flatten()
        {
            replace_headers(sent_headers, set);
        }
        let credential_headers = match &inner.hooks {
            Some(_) => {
                replace_headers(sent_headers, &credentials.headers);
                Some(Box::new(credentials.headers))
            }
            None => {
                move_headers(sent_headers, credentials.headers);
                None
            }
        };
        if let Some(content_type) = request.content_type {
            sent_headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
        }
        if let Some(bytes) = &request.body {
            *http_request.body_mut() = Some(bytes.clone().into());
        }
        if let Some(h) = &inner.hooks {
            h.before_send(&self.call_info(request, attempt));
        }
        let connect_timeout = self.call_connect_timeout();
        let http = inner.http.for_call(connect_timeout)?;
        let sending = connect_scope(connect_timeout, http.execute(http_request));
        Ok((sending, credential_headers))
    }

    /// Awaits the answer and reads its body. `Err` when no answer arrived;
    /// an answer that must not be used (a redirect, over the size limit)
    /// carries its error instead of a body.
    #[allow(
        clippy::manual_async_fn,
        reason = "an `async fn` keeps its arguments twice"
    )]
    fn receive<'a>(
        &'a self,
        request: &'a Request,
        url: &'a Url,
        sending: impl Future<Output = reqwest::Result<reqwest::Response>> + 'a,
    ) -> impl Future<Output = reqwest::Result<Answer>> + 'a {
        async move {
            let (status, headers, reading) = match self.accept(request, url, sending.await?) {
                Ok(accepted) => accepted,
                Err(unusable) => return Ok(unusable),
            };
            match reading.await {
                Ok(body) => Ok((status, headers, Ok(body))),
                Err(BodyError::TooLarge) => {
                    Ok((status, headers, Err(self.too_large(request, status))))
                }
                Err(BodyError::Read(e)) => Err(e),
            }
        }
    }

    /// Status and headers of an answer and the read of its body, or the
    /// answer with the error that makes it unusable (a redirect).
    #[allow(
        clippy::type_complexity,
        clippy::result_large_err,
        reason = "returned once per attempt, straight into `receive`'s match"
    )]
    fn accept(
        &self,
        request: &Request,
        url: &Url,
        mut response: reqwest::Response,
    ) -> std::result::Result<
        (
            StatusCode,
            HeaderMap,
            impl Future<Output = std::result::Result<Bytes, BodyError>> + use<>,
        ),
        (StatusCode, HeaderMap, Result<Bytes>),
    > {
        let status = response.status();
        let redirect = redirect_error(self.inner.provider, request.operation, url, &response);
        // Reading the body needs only the response's own length, not its
        // header map: move the headers out, no copy.
        let headers = std::mem::take(response.headers_mut());
        match redirect {
            Some(redirect) => Err((status, headers, Err(redirect))),
            None => Ok((
                status,
                headers,
                read_body(response, self.inner.max_response_body),
            )),
        }
    }

    /// What an attempt's answer means: done, retry, or log in again. The
    /// attempt's duration (since `sent_at`) is read only where it is
    /// reported: hooks, errors, the debug log.
    fn classify(
        &self,
        request: &Request,
        Step {
            attempt,
            reauthenticated,
            traced,
        }: Step,
        (generation, credential_headers): (u64, Option<&HeaderMap>),
        outcome: Outcome,
        sent_at: Instant,
    ) -> Attempt {
        let inner = &self.inner;
        let provider = inner.provider;
        let operation = request.operation;
        let idempotent = request.is_idempotent();
        let retry = self.retry_policy();
        let can_retry = attempt < retry.max_attempts;
        if let Some(h) = &inner.hooks {
            let headers = outcome
                .as_ref()
                .ok()
                .map(|o| headers_for_hooks(&o.1, credential_headers.unwrap_or(no_headers())));
            let response = ResponseInfo::new(
                outcome.as_ref().ok().map(|o| o.0),
                headers.as_deref(),
                sent_at.elapsed(),
            );
            h.on_response(&self.call_info(request, attempt), &response);
        }

        let (status, headers, body) = match outcome {
            Ok((status, headers, Ok(body))) => (status, headers, body),
            Ok((_, _, Err(unusable))) => return Attempt::Done(Err(unusable)),
            Err(no_answer) => {
                let elapsed = sent_at.elapsed();
                // Never keep or log the URL: it may carry personal data.
                let no_answer = match no_answer {
                    NoAnswer::Http(e) => NoAnswer::Http(e.without_url()),
                    timed_out => timed_out,
                };
                // A failed connect means nothing was sent: always safe to retry.
                let nothing_sent = matches!(&no_answer, NoAnswer::Http(e) if e.is_connect());
                if can_retry && (idempotent || nothing_sent) {
                    tracing::debug!(attempt, error = %no_answer, "attempt failed");
                    return Attempt::Retry(retry.backoff(attempt));
                }
                if idempotent || nothing_sent {
                    return Attempt::Done(Err(match no_answer {
                        NoAnswer::Http(e) => {
                            Error::transport(provider, operation, request.template, e, elapsed)
                        }
                        NoAnswer::TimedOut => Error::Timeout {
                            provider,
                            operation,
                            elapsed,
                        },
                    }));
                }
                let cause: Cow<'static, str> = match &no_answer {
                    NoAnswer::Http(e) if !e.is_timeout() => {
                        format!("connection failed after sending: {e}").into()
                    }
                    _ => format!("no answer within {elapsed:?} after sending").into(),
                };
                return Attempt::Done(Err(Error::OutcomeUnknown {
                    provider,
                    operation,
                    key: request.reconcile.as_deref().cloned(),
                    cause,
                }));
            }
        };
        if traced {
            tracing::Span::current().record("http.status", status.as_u16());
        }
        tracing::debug!(
            attempt,
            http.status = status.as_u16(),
            elapsed_ms = sent_at.elapsed().as_millis() as u64,
            "response"
        );

        if status.is_success() {
            // The error probe of a 2xx body runs once the call is final
            // (`run`), where `send` folds it into the typed decode.
            return Attempt::Done(Ok(Response {
                provider,
                operation,
                status,
                headers,
                body,
            }));
        }

        let fields = inner.errors.parse(status, &body);
        if inner.errors.is_unauthorized(status, &fields) {
            if !reauthenticated && inner.auth.on_unauthorized(generation) {
                tracing::debug!("credentials refused; authenticating again");
                return Attempt::Reauth;
            }
            let credentials_refused = !inner
                .errors
                .refusal_after_reauth_is_api_error(status, &fields);
            let api = self.api_error(request, status, &headers, body, Some(fields));
            if reauthenticated && credentials_refused {
                return Attempt::Done(Err(Error::Auth {
                    provider,
                    message: "credentials refused again after re-authenticating".into(),
                    source: Some(Box::new(api)),
                }));
            }
            return Attempt::Done(Err(Error::Api(Box::new(api))));
        }

        let api = self.api_error(request, status, &headers, body, Some(fields));
        if idempotent && can_retry && is_retryable_status(status) {
            let backoff = retry.backoff(attempt);
            match api.retry_after {
                Some(wait) if wait > retry.max_delay => {}
                Some(wait) => return Attempt::Retry(wait.max(backoff)),
                None => return Attempt::Retry(backoff),
            }
        }
        Attempt::Done(Err(Error::Api(Box::new(api))))
    }

    /// The error for an answer over the size limit: for a request that
    /// creates something and was accepted, [`Error::AnswerUnreadable`] with
    /// its reconcile key; otherwise [`Error::ResponseTooLarge`].
    fn too_large(&self, request: &Request, status: StatusCode) -> Error {
        let (provider, operation) = (self.inner.provider, request.operation);
        let limit = self.inner.max_response_body;
        match request.creation_key() {
            Some(key) if status.is_success() => Error::AnswerUnreadable {
                provider,
                operation,
                status,
                key: Some(key.clone()),
                cause: format!("answer larger than the {limit}-byte limit").into(),
            },
            _ => Error::ResponseTooLarge {
                provider,
                operation,
                status,
                limit,
            },
        }
    }

    fn api_error(
        &self,
        request: &Request,
        status: StatusCode,
        headers: &HeaderMap,
        body: Bytes,
        fields: Option<crate::error::ProviderError>,
    ) -> ApiError {
        let fields = fields.unwrap_or_else(|| self.inner.errors.parse(status, &body));
        let mut api = ApiError::new(
            self.inner.provider,
            request.operation,
            request.method.clone(),
            request.template,
            status,
            fields,
            &body,
        );
        api.request_id = request_id(headers);
        api.retry_after = retry_after(headers);
        api
    }
}

// Per-call options: the settings a call uses once its options are applied.
impl Transport {
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

    fn retry_policy(&self) -> RetryPolicy {
        self.options
            .as_ref()
            .and_then(|o| o.retry_policy())
            .unwrap_or(self.inner.retry)
    }

    fn attempt_timeout(&self, request: &Request) -> Duration {
        self.options
            .as_ref()
            .and_then(|o| o.timeout())
            .or(request.timeout)
            .unwrap_or(self.inner.timeout)
    }

    fn call_connect_timeout(&self) -> Option<Duration> {
        self.options.as_ref().and_then(|o| o.connect_timeout())
    }

    /// The call's metadata, when a [`capture`](crate::capture) is listening,
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
}

/// One piece of a path template with its placeholder (if any) filled from
/// `params`: the placeholder's name and the segment.
fn fill_piece<'a>(
    piece: &'a str,
    params: &mut std::slice::Iter<'a, String>,
) -> Result<(Option<&'a str>, Cow<'a, str>)> {
    // Pieces are short: a byte scan, not a `str` pattern searcher.
    let find = |byte: u8| piece.bytes().position(|b| b == byte);
    // Most pieces are literal: no `{`, no search for `}`.
    let open = find(b'{');
    match (open, open.and_then(|_| find(b'}'))) {
        (Some(open), Some(close)) if open < close => {
            let name = &piece[open + 1..close];
            let value = params
                .next()
                .ok_or_else(|| Error::invalid_input(name.to_owned(), "missing path parameter"))?;
            check_segment(name, value)?;
            let (before, after) = (&piece[..open], &piece[close + 1..]);
            let segment = if before.is_empty() && after.is_empty() {
                Cow::Borrowed(value.as_str())
            } else {
                Cow::Owned(format!("{before}{value}{after}"))
            };
            Ok((Some(name), segment))
        }
        _ => Ok((None, Cow::Borrowed(piece))),
    }
}

/// The error for a base URL whose path cannot be edited (refused by
/// [`parse_base_url`] already; kept rather than a panic).
fn no_path() -> Error {
    Error::Config("base URL cannot carry a path".into())
}

/// Path segments of `url`; the bare root `/` has none.
fn segment_count(url: &Url) -> usize {
    match url.path() {
        "" | "/" => 0,
        // A base URL's path starts with `/`, and each segment follows one.
        path => path.bytes().filter(|&b| b == b'/').count(),
    }
}

fn check_segment(name: &str, value: &str) -> Result<()> {
    if value.is_empty() {
        return Err(Error::invalid_input(name.to_owned(), "must not be empty"));
    }
    if value.chars().any(char::is_control) {
        return Err(Error::invalid_input(
            name.to_owned(),
            "must not contain control characters",
        ));
    }
    if value == "." || value == ".." {
        return Err(Error::invalid_input(
            name.to_owned(),
            "must not be a relative path segment",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moved_headers_are_the_copied_headers() {
        let mut sent = HeaderMap::new();
        sent.insert("x-a", HeaderValue::from_static("default"));
        sent.insert("x-kept", HeaderValue::from_static("kept"));
        let mut credentials = HeaderMap::new();
        credentials.append("x-a", HeaderValue::from_static("1"));
        credentials.append("x-a", HeaderValue::from_static("2"));
        credentials.insert("x-b", HeaderValue::from_static("3"));
        let mut copied = sent.clone();
        replace_headers(&mut copied, &credentials);
        move_headers(&mut sent, credentials);
        assert_eq!(sent, copied);
        assert_eq!(sent.get_all("x-a").iter().collect::<Vec<_>>(), ["1", "2"]);
        assert_eq!(sent["x-b"], "3");
        assert_eq!(sent["x-kept"], "kept");
    }

    fn transport(base: &str) -> Transport {
        Transport::builder("demo").base_url(base).build().unwrap()
    }

    #[test]
    fn path_parameters_are_single_encoded_segments() {
        let t = transport("https://api.example/v1.1/");
        let req = Request::get("op", "/items/{id}/ext-{ext}")
            .param("a/b?c#d e")
            .param("é%");
        let url = t.url_for(&req).unwrap();
        assert_eq!(
            url.as_str(),
            "https://api.example/v1.1/items/a%2Fb%3Fc%23d%20e/ext-%C3%A9%25"
        );
        assert_eq!(url.query(), None);
        assert_eq!(url.fragment(), None);
    }

    #[test]
    fn relative_and_empty_segments_are_refused() {
        let t = transport("https://api.example");
        for bad in ["..", ".", ""] {
            let err = t
                .url_for(&Request::get("op", "/items/{id}").param(bad))
                .unwrap_err();
            assert!(
                matches!(err, Error::InvalidInput { ref field, .. } if field == "id"),
                "{err}"
            );
        }
        let err = t.url_for(&Request::get("op", "/items/{id}")).unwrap_err();
        assert!(matches!(err, Error::InvalidInput { .. }));
    }

    #[test]
    fn control_characters_are_refused_and_segments_are_checked_as_parsed() {
        let t = transport("https://api.example/v1/");
        for bad in ["..\t", ".\t.", "\n..", "a\rb", "\u{7f}", "\u{0}", "\u{85}"] {
            let err = t
                .url_for(&Request::get("op", "/items/{id}").param(bad))
                .unwrap_err();
            assert!(
                matches!(&err, Error::InvalidInput { field, .. } if field == "id"),
                "{bad:?}: {err}"
            );
        }
        // A template piece the parser would not keep as one segment.
        let err = t
            .url_for(&Request::get("op", "/items/../{id}").param("x"))
            .unwrap_err();
        assert!(matches!(err, Error::Config(_)), "{err}");
        let url = t
            .url_for(&Request::get("op", "/items/{id}").param("%2e%2e"))
            .unwrap();
        assert_eq!(url.path(), "/v1/items/%252e%252e");
    }

    #[test]
    fn query_is_encoded_and_keeps_base_path() {
        #[derive(Serialize)]
        struct Q<'a> {
            categories: &'a str,
            #[serde(skip_serializing_if = "Option::is_none")]
            page_token: Option<&'a str>,
        }
        let t = transport("http://127.0.0.1:9/rest/vendor/v1");
        let req = Request::get("op", "/applications")
            .query(&Q {
                categories: "smartphone,note-pc",
                page_token: None,
            })
            .query_pair("q", "a&b=c");
        assert_eq!(
            t.url_for(&req).unwrap().as_str(),
            "http://127.0.0.1:9/rest/vendor/v1/applications?categories=smartphone%2Cnote-pc&q=a%26b%3Dc"
        );
    }

    #[test]
    fn query_pairs_are_encoded_as_form_urlencoded_encodes_them() {
        struct Pieces;
        impl fmt::Display for Pieces {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a b")?;
                f.write_str("&é=")?;
                write!(f, "{}+~*", 1)
            }
        }
        let pairs = [
            ("k y", "a b&é=1+~*".to_owned()),
            ("n", 42.to_string()),
            ("e", String::new()),
        ];
        let req = Request::get("op", "/x")
            .query_pair("k y", Pieces)
            .query_pair("n", 42)
            .query_pair("e", "");
        let expected = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(&pairs)
            .finish();
        assert_eq!(req.query, expected);
    }

    #[test]
    fn the_bytes_copied_unencoded_are_those_the_form_encoder_keeps() {
        for b in 0..=u8::MAX {
            let kept = url::form_urlencoded::byte_serialize(&[b])
                .collect::<String>()
                .as_bytes()
                == [b];
            assert_eq!(form_unreserved(b), kept, "byte {b:#04x}");
        }
    }

    #[test]
    fn query_follows_a_base_query_and_a_refused_query_adds_nothing() {
        let t = transport("http://127.0.0.1:9/v1?tenant=a%20b");
        let req = Request::get("op", "/x")
            .query_pair("q", "1 2")
            .query(&[("list", "a,b")]);
        assert_eq!(
            t.url_for(&req).unwrap().as_str(),
            "http://127.0.0.1:9/v1/x?tenant=a%20b&q=1+2&list=a%2Cb"
        );
        #[derive(Serialize)]
        struct Nested {
            inner: Vec<u32>,
        }
        let req = Request::get("op", "/x")
            .query_pair("q", 1)
            .query(&Nested { inner: vec![1] });
        assert_eq!(req.query, "q=1");
        assert!(matches!(
            req.error.as_deref(),
            Some(Error::InvalidInput { field, .. }) if field == "query"
        ));
    }

    #[test]
    fn base_url_must_be_absolute_http() {
        for bad in ["ftp://x", "not a url", "mailto:a@b"] {
            assert!(matches!(
                Transport::builder("demo").base_url(bad).build(),
                Err(Error::Config(_))
            ));
        }
        assert!(matches!(
            Transport::builder("demo").build(),
            Err(Error::Config(_))
        ));
    }

    #[test]
    fn default_idempotency_follows_the_method() {
        assert!(Request::get("a", "/").is_idempotent());
        assert!(Request::put("a", "/").is_idempotent());
        assert!(Request::delete("a", "/").is_idempotent());
        assert!(!Request::post("a", "/").is_idempotent());
        assert!(Request::post("a", "/").idempotent(true).is_idempotent());
    }
}
