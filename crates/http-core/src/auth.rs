//! Authentication strategies.
//!
//! An [`Auth`] turns a request into the headers that authorise it. Strategies
//! that log in ([`ClientCredentials`], [`SessionAuth`]) cache what they get in a
//! [`CredentialCache`]: single-flight (N concurrent callers share one login
//! attempt and its result, failure included), bounded by a deadline (10 s by
//! default), refreshed `max(30 s, 10 % of lifetime)` before expiry (never more
//! than half the lifetime early; a failed early refresh keeps the still-valid
//! credential), lifetimes clamped to 24 hours, and invalidated when the
//! provider answers 401 so that the transport can log in again once.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use futures::FutureExt as _;
use futures::future::Shared;
use reqwest::Method;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use tokio::time::Instant;
use url::Url;

use crate::error::{ApiError, Error, ErrorBody, GenericErrorBody, Result};

/// A boxed, `Send` future, as returned by [`Auth`] methods.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What an [`Auth`] may look at to authorise a request.
#[derive(Debug, Clone, Copy)]
pub struct RequestParts<'a> {
    /// HTTP method.
    pub method: &'a Method,
    /// Full URL, query included.
    pub url: &'a Url,
    /// Body bytes (empty when there is none).
    pub body: &'a [u8],
}

/// Headers that authorise one request, and which cached credential produced them.
#[derive(Clone, Default)]
pub struct Credentials {
    /// Headers to add (marked sensitive).
    pub headers: HeaderMap,
    /// Identifies the cached credential, so that a 401 invalidates only it.
    pub generation: u64,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("headers", &self.headers.keys().collect::<Vec<_>>())
            .field("generation", &self.generation)
            .finish()
    }
}

/// An authentication strategy.
pub trait Auth: Send + Sync + fmt::Debug + 'static {
    /// Headers for this request (logging in first if needed).
    fn authorize<'a>(&'a self, request: RequestParts<'a>) -> BoxFuture<'a, Result<Credentials>>;

    /// The headers for this request when they are at hand without waiting
    /// (a cached token or session still fresh, a signature computed on the
    /// spot); `None` sends the caller to [`authorize`](Self::authorize).
    /// The transport asks this first on every attempt, so that the common
    /// case builds no boxed future.
    fn ready(&self, request: RequestParts<'_>) -> Option<Result<Credentials>> {
        let _ = request;
        None
    }

    /// The provider rejected credentials of `generation`. Returns `true` when
    /// trying once more with fresh credentials can help.
    fn on_unauthorized(&self, generation: u64) -> bool {
        let _ = generation;
        false
    }

    /// Gives the strategy the HTTP client the transport uses, for its own
    /// token or login calls. Called once when the transport is built.
    fn bind_http_client(&self, http: &reqwest::Client) {
        let _ = http;
    }
}

/// No authentication (public endpoints).
#[derive(Debug, Clone, Copy, Default)]
pub struct NoAuth;

impl Auth for NoAuth {
    fn authorize<'a>(&'a self, _: RequestParts<'a>) -> BoxFuture<'a, Result<Credentials>> {
        Box::pin(async { Ok(Credentials::default()) })
    }

    fn ready(&self, _: RequestParts<'_>) -> Option<Result<Credentials>> {
        Some(Ok(Credentials::default()))
    }
}

/// Refresh margin: `max(30 s, 10 % of lifetime)`, at most half the lifetime.
pub fn refresh_margin(lifetime: Duration) -> Duration {
    Duration::from_secs(30).max(lifetime / 10).min(lifetime / 2)
}

/// The longest a token or session is cached, whatever a server's
/// `expires_in` or a builder's default lifetime says: 24 hours. Longer
/// (or absurd) lifetimes are clamped to it.
pub const MAX_CREDENTIAL_LIFETIME: Duration = Duration::from_secs(24 * 3600);

/// Default bound on one token request or login, waiting for it included:
/// 10 seconds.
pub const DEFAULT_AUTH_DEADLINE: Duration = Duration::from_secs(10);

/// A credential lifetime clamped to [`MAX_CREDENTIAL_LIFETIME`].
pub fn clamp_lifetime(lifetime: Duration) -> Duration {
    lifetime.min(MAX_CREDENTIAL_LIFETIME)
}

struct Cached<C> {
    value: C,
    refresh_at: Instant,
    expires_at: Instant,
    generation: u64,
}

/// The outcome of one login or token attempt, shared by everyone waiting.
#[derive(Clone)]
struct Fetched<C> {
    value: C,
    lifetime: Duration,
    fetched_at: Instant,
    generation: u64,
}

type Attempt<C> = Shared<BoxFuture<'static, Result<Fetched<C>>>>;

struct State<C> {
    current: Option<Cached<C>>,
    /// The attempt in flight and its id.
    inflight: Option<(u64, Attempt<C>)>,
}

/// A single-flight cache for an expiring credential (token, session).
///
/// - However many callers find it empty or stale, one attempt runs and all
///   of them get its result, success or failure (no queue of sequential
///   logins behind a hanging endpoint).
/// - The attempt is bounded by a deadline ([`DEFAULT_AUTH_DEADLINE`]): when
///   it passes, every waiter gets [`Error::Timeout`].
/// - A credential is refreshed [`refresh_margin`] before it expires; when
///   that early refresh fails, the still-valid credential keeps being used
///   (and the refresh is tried again later) until it really expires.
/// - Lifetimes are clamped to [`MAX_CREDENTIAL_LIFETIME`] and all clock
///   arithmetic is checked.
pub struct CredentialCache<C> {
    provider: &'static str,
    operation: &'static str,
    deadline: Duration,
    state: Mutex<State<C>>,
    generation: Arc<AtomicU64>,
    attempts: AtomicU64,
}

impl<C> fmt::Debug for CredentialCache<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let cached = self.lock().current.as_ref().map(|c| c.generation);
        f.debug_struct("CredentialCache")
            .field("provider", &self.provider)
            .field("deadline", &self.deadline)
            .field("cached_generation", &cached)
            .finish()
    }
}

impl<C> CredentialCache<C> {
    fn lock(&self) -> std::sync::MutexGuard<'_, State<C>> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl<C: Clone + Send + Sync + 'static> CredentialCache<C> {
    /// An empty cache; `operation` names the login in errors (e.g.
    /// `oauth2_token`).
    pub fn new(provider: &'static str, operation: &'static str) -> Self {
        CredentialCache {
            provider,
            operation,
            deadline: DEFAULT_AUTH_DEADLINE,
            state: Mutex::new(State {
                current: None,
                inflight: None,
            }),
            generation: Arc::new(AtomicU64::new(0)),
            attempts: AtomicU64::new(0),
        }
    }

    /// Bounds each login attempt, waiting included (default
    /// [`DEFAULT_AUTH_DEADLINE`]).
    pub fn with_deadline(mut self, deadline: Duration) -> Self {
        self.deadline = deadline;
        self
    }

    /// The bound on each login attempt.
    pub fn deadline(&self) -> Duration {
        self.deadline
    }

    /// Returns the cached credential, or joins the attempt in flight, or
    /// starts one with `fetch`; caches its value for the lifetime it returns
    /// (`default_lifetime` when it returns none), clamped to
    /// [`MAX_CREDENTIAL_LIFETIME`].
    pub async fn get_or_refresh<F, Fut>(
        &self,
        default_lifetime: Duration,
        fetch: F,
    ) -> Result<(C, u64)>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<(C, Option<Duration>)>> + Send + 'static,
    {
        let (id, attempt) = {
            let mut state = self.lock();
            let now = Instant::now();
            settle(&mut state);
            if let Some(hit) = fresh(&state, now) {
                return Ok(hit);
            }
            match &state.inflight {
                Some((id, attempt)) => (*id, attempt.clone()),
                None => {
                    let id = self.attempts.fetch_add(1, Ordering::Relaxed);
                    let attempt = self.start(default_lifetime, fetch());
                    state.inflight = Some((id, attempt.clone()));
                    (id, attempt)
                }
            }
        };
        let outcome = attempt.await;
        let mut state = self.lock();
        if state.inflight.as_ref().is_some_and(|(i, _)| *i == id) {
            state.inflight = None;
            if let Ok(fetched) = &outcome {
                install(&mut state, fetched);
            }
        }
        match outcome {
            Ok(fetched) => Ok((fetched.value, fetched.generation)),
            Err(e) => {
                let now = Instant::now();
                match state.current.as_mut().filter(|c| now < c.expires_at) {
                    Some(still_valid) => {
                        if now >= still_valid.refresh_at {
                            // Try again halfway to expiry, not on every call.
                            let left = still_valid.expires_at.saturating_duration_since(now);
                            still_valid.refresh_at = now.checked_add(left / 2).unwrap_or(now);
                            tracing::debug!(error = %e, "early refresh failed; keeping the valid credential");
                        }
                        Ok((still_valid.value.clone(), still_valid.generation))
                    }
                    None => Err(e),
                }
            }
        }
    }

    fn start<Fut>(&self, default_lifetime: Duration, fetch: Fut) -> Attempt<C>
    where
        Fut: Future<Output = Result<(C, Option<Duration>)>> + Send + 'static,
    {
        let generation = Arc::clone(&self.generation);
        let (provider, operation, deadline) = (self.provider, self.operation, self.deadline);
        let attempt: BoxFuture<'static, Result<Fetched<C>>> = Box::pin(async move {
            let started = Instant::now();
            // A panicking login must not poison the shared attempt for
            // every later caller: it becomes an error like any other.
            let guarded = std::panic::AssertUnwindSafe(fetch).catch_unwind();
            match tokio::time::timeout(deadline, guarded).await {
                Ok(Ok(Ok((value, lifetime)))) => Ok(Fetched {
                    value,
                    lifetime: clamp_lifetime(lifetime.unwrap_or(default_lifetime)),
                    fetched_at: Instant::now(),
                    generation: generation.fetch_add(1, Ordering::Relaxed) + 1,
                }),
                Ok(Ok(Err(e))) => Err(e),
                Ok(Err(_panic)) => Err(Error::Auth {
                    provider,
                    message: format!("{operation} panicked"),
                    source: None,
                }),
                Err(_) => Err(Error::Timeout {
                    provider,
                    operation,
                    elapsed: started.elapsed(),
                }),
            }
        });
        attempt.shared()
    }

    /// The cached credential and its generation when it is fresh (not yet
    /// due for refresh); `None` when a call would have to log in or wait.
    pub fn fresh(&self) -> Option<(C, u64)> {
        let mut state = self.lock();
        settle(&mut state);
        fresh(&state, Instant::now())
    }

    /// Drops the cached credential if it is still `generation`; later
    /// generations (someone already logged in again) are kept.
    pub fn invalidate(&self, generation: u64) {
        let mut state = self.lock();
        if state
            .current
            .as_ref()
            .is_some_and(|c| c.generation == generation)
        {
            state.current = None;
        }
    }

    /// Removes and returns the cached credential (for an explicit logout).
    pub fn take(&self) -> Option<C> {
        self.lock().current.take().map(|c| c.value)
    }
}

/// A finished attempt nobody collected (its waiters were cancelled):
/// install its credential or forget its failure.
fn settle<C: Clone>(state: &mut State<C>) {
    let done = state
        .inflight
        .as_ref()
        .and_then(|(_, attempt)| attempt.peek().cloned());
    if let Some(outcome) = done {
        state.inflight = None;
        if let Ok(fetched) = &outcome {
            install(state, fetched);
        }
    }
}

fn fresh<C: Clone>(state: &State<C>, now: Instant) -> Option<(C, u64)> {
    state
        .current
        .as_ref()
        .filter(|c| now < c.refresh_at)
        .map(|c| (c.value.clone(), c.generation))
}

fn install<C: Clone>(state: &mut State<C>, fetched: &Fetched<C>) {
    if state
        .current
        .as_ref()
        .is_some_and(|c| c.generation >= fetched.generation)
    {
        return;
    }
    let at = fetched.fetched_at;
    let expires_at = at.checked_add(fetched.lifetime).unwrap_or(at);
    let refresh_at = at
        .checked_add(fetched.lifetime - refresh_margin(fetched.lifetime))
        .unwrap_or(at);
    state.current = Some(Cached {
        value: fetched.value.clone(),
        refresh_at,
        expires_at,
        generation: fetched.generation,
    });
}

/// Where OAuth2 client credentials go in the token request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum CredentialPlacement {
    /// `Authorization: Basic base64(id:secret)` (RFC 6749 §2.3.1).
    #[default]
    BasicHeader,
    /// `client_id` and `client_secret` as form fields (e.g. Entra ID).
    FormBody,
}

/// OAuth2 client-credentials grant with a cached bearer token.
///
/// Defaults: token lifetime 1 hour when the response has no `expires_in`;
/// an `expires_in` beyond [`MAX_CREDENTIAL_LIFETIME`] (24 h) is clamped to
/// it, a zero or negative one means "not given"; token call bounded at 10 s,
/// waiting for it included; token answers larger than
/// [`MAX_TOKEN_RESPONSE_BODY`] are refused; a redirect from the token
/// endpoint is an [`Error::Redirect`], never followed.
pub struct ClientCredentials {
    endpoint: Arc<TokenEndpoint>,
    default_lifetime: Duration,
    cache: CredentialCache<HeaderValue>,
}

#[derive(Clone)]
struct TokenEndpoint {
    provider: &'static str,
    token_url: Url,
    client_id: String,
    client_secret: SecretString,
    scope: Option<String>,
    placement: CredentialPlacement,
    token_timeout: Duration,
    http: OnceLock<reqwest::Client>,
}

impl fmt::Debug for ClientCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let e = &self.endpoint;
        f.debug_struct("ClientCredentials")
            .field("provider", &e.provider)
            .field("token_url", &e.token_url.as_str())
            .field("client_id", &e.client_id)
            .field("client_secret", &crate::secret::REDACTED)
            .field("scope", &e.scope)
            .field("placement", &e.placement)
            .field("default_lifetime", &self.default_lifetime)
            .field("cache", &self.cache)
            .finish()
    }
}

/// Largest token answer read: 1 MiB (a token answer is a few kilobytes).
pub const MAX_TOKEN_RESPONSE_BODY: u64 = 1024 * 1024;

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    #[serde(default)]
    token_type: Option<String>,
    #[serde(default, deserialize_with = "expires_in")]
    expires_in: Option<Duration>,
}

/// `expires_in` as a number of seconds in any spelling (integer, float,
/// numeric string), clamped to [`MAX_CREDENTIAL_LIFETIME`]; zero, negative
/// and `null` mean "not given". Anything else is an error.
fn expires_in<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> std::result::Result<Option<Duration>, D::Error> {
    struct Seconds;
    impl<'a> serde::de::Visitor<'a> for Seconds {
        type Value = Option<Duration>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a number of seconds")
        }
        fn visit_i64<E: serde::de::Error>(self, v: i64) -> std::result::Result<Self::Value, E> {
            Ok(u64::try_from(v).ok().and_then(seconds))
        }
        fn visit_u64<E: serde::de::Error>(self, v: u64) -> std::result::Result<Self::Value, E> {
            Ok(seconds(v))
        }
        fn visit_f64<E: serde::de::Error>(self, v: f64) -> std::result::Result<Self::Value, E> {
            if !v.is_finite() {
                return Err(E::custom("expires_in is not a finite number"));
            }
            if v < 1.0 {
                return Ok(None);
            }
            // Clamped in the float domain first: `as` saturates, never panics.
            let max = MAX_CREDENTIAL_LIFETIME.as_secs() as f64;
            Ok(seconds(v.min(max) as u64))
        }
        fn visit_str<E: serde::de::Error>(self, v: &str) -> std::result::Result<Self::Value, E> {
            let t = v.trim();
            if t.is_empty() {
                return Ok(None);
            }
            if let Ok(n) = t.parse::<i64>() {
                return self.visit_i64(n);
            }
            if let Ok(n) = t.parse::<u64>() {
                return self.visit_u64(n);
            }
            match t.parse::<f64>() {
                Ok(f) => self.visit_f64(f),
                Err(_) => Err(E::custom("expires_in is not a number of seconds")),
            }
        }
        fn visit_unit<E: serde::de::Error>(self) -> std::result::Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_none<E: serde::de::Error>(self) -> std::result::Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D2: serde::Deserializer<'a>>(
            self,
            d: D2,
        ) -> std::result::Result<Self::Value, D2::Error> {
            d.deserialize_any(self)
        }
    }
    fn seconds(s: u64) -> Option<Duration> {
        (s > 0).then(|| clamp_lifetime(Duration::from_secs(s)))
    }
    d.deserialize_any(Seconds)
}

impl ClientCredentials {
    /// Default token lifetime when the token response has no `expires_in`.
    pub const DEFAULT_LIFETIME: Duration = Duration::from_secs(3600);
    /// Default bound on the token call, waiting for it included.
    pub const DEFAULT_TOKEN_TIMEOUT: Duration = DEFAULT_AUTH_DEADLINE;

    /// Client credentials for `token_url`.
    pub fn new(
        provider: &'static str,
        token_url: Url,
        client_id: impl Into<String>,
        client_secret: SecretString,
    ) -> Self {
        ClientCredentials {
            endpoint: Arc::new(TokenEndpoint {
                provider,
                token_url,
                client_id: client_id.into(),
                client_secret,
                scope: None,
                placement: CredentialPlacement::BasicHeader,
                token_timeout: Self::DEFAULT_TOKEN_TIMEOUT,
                http: OnceLock::new(),
            }),
            default_lifetime: Self::DEFAULT_LIFETIME,
            cache: CredentialCache::new(provider, "oauth2_token")
                .with_deadline(Self::DEFAULT_TOKEN_TIMEOUT),
        }
    }

    /// Requests this `scope`.
    pub fn with_scope(mut self, scope: impl Into<String>) -> Self {
        Arc::make_mut(&mut self.endpoint).scope = Some(scope.into());
        self
    }

    /// Sends the credentials in a Basic header (default) or as form fields.
    pub fn with_placement(mut self, placement: CredentialPlacement) -> Self {
        Arc::make_mut(&mut self.endpoint).placement = placement;
        self
    }

    /// Lifetime assumed when the token response has no `expires_in`
    /// (clamped to [`MAX_CREDENTIAL_LIFETIME`]).
    pub fn with_default_lifetime(mut self, lifetime: Duration) -> Self {
        self.default_lifetime = clamp_lifetime(lifetime);
        self
    }

    /// Bound on the token call; callers waiting for a token wait at most
    /// this long, together.
    pub fn with_token_timeout(mut self, timeout: Duration) -> Self {
        Arc::make_mut(&mut self.endpoint).token_timeout = timeout;
        self.cache = self.cache.with_deadline(timeout);
        self
    }

    /// The `Authorization: Basic` value for these credentials.
    pub fn basic_header_value(&self) -> HeaderValue {
        self.endpoint.basic_header_value()
    }

    /// Returns a valid bearer token header value, fetching one if needed.
    pub async fn bearer(&self) -> Result<(HeaderValue, u64)> {
        let endpoint = Arc::clone(&self.endpoint);
        self.cache
            .get_or_refresh(self.default_lifetime, move || endpoint.fetch_token())
            .await
    }
}

impl TokenEndpoint {
    fn basic_header_value(&self) -> HeaderValue {
        let raw = format!("{}:{}", self.client_id, self.client_secret.expose_secret());
        let encoded = base64::engine::general_purpose::STANDARD.encode(raw);
        sensitive(&format!("Basic {encoded}"))
    }

    fn auth_error(&self, message: impl Into<String>) -> Error {
        Error::Auth {
            provider: self.provider,
            message: message.into(),
            source: None,
        }
    }

    async fn fetch_token(self: Arc<Self>) -> Result<(HeaderValue, Option<Duration>)> {
        const OPERATION: &str = "oauth2_token";
        let http = match self.http.get() {
            Some(http) => http.clone(),
            None => {
                crate::transport::default_http_client(crate::transport::DEFAULT_CONNECT_TIMEOUT)?
            }
        };
        let mut form: Vec<(&str, &str)> = vec![("grant_type", "client_credentials")];
        if let Some(scope) = &self.scope {
            form.push(("scope", scope));
        }
        let mut req = http
            .post(self.token_url.clone())
            .timeout(self.token_timeout)
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(reqwest::header::ACCEPT, "application/json");
        match self.placement {
            CredentialPlacement::BasicHeader => {
                req = req.header(AUTHORIZATION, self.basic_header_value());
            }
            CredentialPlacement::FormBody => {
                form.push(("client_id", &self.client_id));
                form.push(("client_secret", self.client_secret.expose_secret()));
            }
        }
        let body = serde_urlencoded::to_string(&form)
            .map_err(|e| Error::Config(format!("token form: {e}").into()))?;
        let path = self.token_url.path().to_owned();
        let started = Instant::now();
        let transport_error = |e: reqwest::Error| {
            Error::transport(self.provider, OPERATION, path.clone(), e, started.elapsed())
        };
        let response = req.body(body).send().await.map_err(transport_error)?;
        let status = response.status();
        let headers = response.headers().clone();
        if let Some(e) =
            crate::transport::redirect_error(self.provider, OPERATION, &self.token_url, &response)
        {
            return Err(e);
        }
        let bytes = match crate::transport::read_body(response, MAX_TOKEN_RESPONSE_BODY).await {
            Ok(bytes) => bytes,
            Err(crate::transport::BodyError::TooLarge) => {
                return Err(Error::ResponseTooLarge {
                    provider: self.provider,
                    operation: OPERATION,
                    status,
                    limit: MAX_TOKEN_RESPONSE_BODY,
                });
            }
            Err(crate::transport::BodyError::Read(e)) => return Err(transport_error(e)),
        };
        if !status.is_success() {
            let fields = GenericErrorBody.parse(status, &bytes);
            let mut api = ApiError::new(
                self.provider,
                OPERATION,
                Method::POST,
                path,
                status,
                fields,
                &bytes,
            );
            api.request_id = crate::transport::request_id(&headers);
            return Err(Error::Auth {
                provider: self.provider,
                message: format!("token endpoint answered {status}"),
                source: Some(Box::new(api)),
            });
        }
        // The answer carries the token: an error names only where it failed.
        let token: TokenResponse = serde_json::from_slice(&bytes).map_err(|e| {
            self.auth_error(format!(
                "token response is not an OAuth2 token (line {}, column {})",
                e.line(),
                e.column()
            ))
        })?;
        if token.access_token.is_empty() {
            return Err(self.auth_error("token response has an empty access_token"));
        }
        if let Some(kind) = &token.token_type
            && !kind.eq_ignore_ascii_case("bearer")
        {
            tracing::debug!(token_type = %kind, "non-bearer token type; sending as Bearer");
        }
        let mut value =
            HeaderValue::from_str(&format!("Bearer {}", token.access_token)).map_err(|_| {
                self.auth_error("access_token contains characters not allowed in a header")
            })?;
        value.set_sensitive(true);
        Ok((value, token.expires_in))
    }
}

/// The bearer header for a token `value` of `generation`.
fn bearer_credentials((value, generation): (HeaderValue, u64)) -> Credentials {
    // Sized for its one header: a default map has room for six.
    let mut headers = HeaderMap::with_capacity(1);
    headers.insert(AUTHORIZATION, value);
    Credentials {
        headers,
        generation,
    }
}

impl Auth for ClientCredentials {
    fn authorize<'a>(&'a self, _: RequestParts<'a>) -> BoxFuture<'a, Result<Credentials>> {
        Box::pin(async move { self.bearer().await.map(bearer_credentials) })
    }

    fn ready(&self, _: RequestParts<'_>) -> Option<Result<Credentials>> {
        self.cache
            .fresh()
            .map(|token| Ok(bearer_credentials(token)))
    }

    fn on_unauthorized(&self, generation: u64) -> bool {
        self.cache.invalidate(generation);
        true
    }

    fn bind_http_client(&self, http: &reqwest::Client) {
        let _ = self.endpoint.http.set(http.clone());
    }
}

/// A logged-in session: the headers to send on every call, and how long they last.
#[derive(Clone, Default)]
pub struct Session {
    /// Headers that authorise calls (e.g. `X-Session-Key`, `X-Session-Token`).
    pub headers: HeaderMap,
    /// Lifetime, when the provider says; otherwise the strategy's default.
    pub lifetime: Option<Duration>,
}

impl Session {
    /// A session from header name/value pairs; values are marked sensitive.
    pub fn from_headers<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Result<Self> {
        let mut headers = HeaderMap::new();
        for (name, value) in pairs {
            let name = HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| Error::Config(format!("bad session header name {name:?}").into()))?;
            let mut value = HeaderValue::from_str(value).map_err(|_| Error::Auth {
                provider: "session",
                message: format!("session value for {name} is not a valid header"),
                source: None,
            })?;
            value.set_sensitive(true);
            headers.insert(name, value);
        }
        Ok(Session {
            headers,
            lifetime: None,
        })
    }
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session")
            .field("headers", &self.headers.keys().collect::<Vec<_>>())
            .field("lifetime", &self.lifetime)
            .finish()
    }
}

/// The login function of a [`SessionAuth`].
pub type LoginFn = Arc<dyn Fn() -> BoxFuture<'static, Result<Session>> + Send + Sync>;

/// Generic "log in, then send these headers" authentication with the same
/// single-flight cache as [`ClientCredentials`] (one login for all waiters,
/// bounded by [`DEFAULT_AUTH_DEADLINE`], lifetimes clamped to
/// [`MAX_CREDENTIAL_LIFETIME`]); logs in again once on 401.
pub struct SessionAuth {
    provider: &'static str,
    login: LoginFn,
    default_lifetime: Duration,
    cache: CredentialCache<HeaderMap>,
}

impl fmt::Debug for SessionAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionAuth")
            .field("provider", &self.provider)
            .field("default_lifetime", &self.default_lifetime)
            .field("cache", &self.cache)
            .finish_non_exhaustive()
    }
}

impl SessionAuth {
    /// Default session lifetime when the login does not say (providers that
    /// document none are re-logged in on 401 anyway).
    pub const DEFAULT_LIFETIME: Duration = Duration::from_secs(3600);

    /// A session strategy that logs in with `login`.
    pub fn new<F>(provider: &'static str, login: F) -> Self
    where
        F: Fn() -> BoxFuture<'static, Result<Session>> + Send + Sync + 'static,
    {
        SessionAuth {
            provider,
            login: Arc::new(login),
            default_lifetime: Self::DEFAULT_LIFETIME,
            cache: CredentialCache::new(provider, "login"),
        }
    }

    /// Lifetime assumed when a login does not give one (clamped to
    /// [`MAX_CREDENTIAL_LIFETIME`]).
    pub fn with_default_lifetime(mut self, lifetime: Duration) -> Self {
        self.default_lifetime = clamp_lifetime(lifetime);
        self
    }

    /// Bound on one login; callers waiting for it wait at most this long,
    /// together (default [`DEFAULT_AUTH_DEADLINE`]).
    pub fn with_login_timeout(mut self, timeout: Duration) -> Self {
        self.cache = self.cache.with_deadline(timeout);
        self
    }

    /// Forgets the current session and returns its headers so the caller can
    /// end it at the provider (e.g. `DELETE session`). `None` when logged out.
    pub fn logout(&self) -> Option<HeaderMap> {
        self.cache.take()
    }

    /// Returns the session headers, logging in if needed.
    pub async fn session(&self) -> Result<(HeaderMap, u64)> {
        let login = Arc::clone(&self.login);
        self.cache
            .get_or_refresh(self.default_lifetime, move || async move {
                let session = login().await?;
                Ok((session.headers, session.lifetime))
            })
            .await
    }
}

impl Auth for SessionAuth {
    fn authorize<'a>(&'a self, _: RequestParts<'a>) -> BoxFuture<'a, Result<Credentials>> {
        Box::pin(async move {
            let (headers, generation) = self.session().await?;
            Ok(Credentials {
                headers,
                generation,
            })
        })
    }

    fn ready(&self, _: RequestParts<'_>) -> Option<Result<Credentials>> {
        let (headers, generation) = self.cache.fresh()?;
        Some(Ok(Credentials {
            headers,
            generation,
        }))
    }

    fn on_unauthorized(&self, generation: u64) -> bool {
        self.cache.invalidate(generation);
        true
    }
}

/// A custom message layout: `(api_key, nonce) -> message`.
pub type LayoutFn = Arc<dyn Fn(&str, &str) -> String + Send + Sync>;

/// What an [`HmacNonceAuth`] signs, given the API key and the nonce.
#[derive(Clone)]
pub enum MessageLayout {
    /// `api_key ‖ nonce` (DT One).
    KeyThenNonce,
    /// `nonce ‖ api_key`.
    NonceThenKey,
    /// Any other layout.
    Custom(LayoutFn),
}

impl fmt::Debug for MessageLayout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MessageLayout::KeyThenNonce => f.write_str("KeyThenNonce"),
            MessageLayout::NonceThenKey => f.write_str("NonceThenKey"),
            MessageLayout::Custom(_) => f.write_str("Custom"),
        }
    }
}

/// How the HMAC is written into its header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SignatureEncoding {
    /// Standard padded base64, no line breaks.
    #[default]
    Base64,
    /// Lower-case hex.
    Hex,
}

/// Header names an [`HmacNonceAuth`] writes.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct HmacHeaders {
    /// Header carrying the API key.
    pub api_key: HeaderName,
    /// Header carrying the nonce.
    pub nonce: HeaderName,
    /// Header carrying the signature.
    pub signature: HeaderName,
}

impl HmacHeaders {
    /// The header names for the API key, the nonce and the signature.
    pub fn new(api_key: HeaderName, nonce: HeaderName, signature: HeaderName) -> Self {
        HmacHeaders {
            api_key,
            nonce,
            signature,
        }
    }
}

/// Per-request HMAC-SHA256 over the API key and a fresh nonce.
///
/// A nonce is a 19-digit decimal number: Unix milliseconds (13 digits)
/// followed by a 6-digit number drawn at random once per process
/// ([`NONCE_PROCESS_DIGITS`]). The millisecond part comes from one counter
/// shared by every client in the process, bumped so that it never repeats:
/// nonces are strictly increasing within a client, unique across all clients
/// of a process, and unique across processes (replicas sharing one API key)
/// unless two of them draw the same 6-digit number (one chance in a million
/// per pair).
pub struct HmacNonceAuth {
    api_key: SecretString,
    secret: SecretString,
    headers: HmacHeaders,
    layout: MessageLayout,
    encoding: SignatureEncoding,
}

/// Number of trailing nonce digits that identify the process.
pub const NONCE_PROCESS_DIGITS: u32 = 6;

/// The last millisecond counter value handed out in this process.
static LAST_NONCE_MILLIS: AtomicU64 = AtomicU64::new(0);

/// This process's random nonce suffix, below `10^NONCE_PROCESS_DIGITS`.
fn nonce_process_id() -> u64 {
    static ID: OnceLock<u64> = OnceLock::new();
    *ID.get_or_init(|| {
        use std::hash::{BuildHasher as _, Hasher as _};
        // RandomState is seeded from the operating system's randomness.
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u32(std::process::id());
        h.write_u128(
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos()),
        );
        h.finish() % 10u64.pow(NONCE_PROCESS_DIGITS)
    })
}

/// `millis ‖ process` as one number.
fn compose_nonce(millis: u64, process: u64) -> u64 {
    millis
        .saturating_mul(10u64.pow(NONCE_PROCESS_DIGITS))
        .saturating_add(process)
}

impl fmt::Debug for HmacNonceAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HmacNonceAuth")
            .field("api_key", &crate::secret::REDACTED)
            .field("secret", &crate::secret::REDACTED)
            .field("headers", &self.headers)
            .field("layout", &self.layout)
            .field("encoding", &self.encoding)
            .finish()
    }
}

impl HmacNonceAuth {
    /// HMAC auth with these headers, signing `api_key ‖ nonce` as base64.
    pub fn new(api_key: SecretString, secret: SecretString, headers: HmacHeaders) -> Self {
        HmacNonceAuth {
            api_key,
            secret,
            headers,
            layout: MessageLayout::KeyThenNonce,
            encoding: SignatureEncoding::Base64,
        }
    }

    /// Changes what is signed.
    pub fn with_layout(mut self, layout: MessageLayout) -> Self {
        self.layout = layout;
        self
    }

    /// Changes how the signature is encoded.
    pub fn with_encoding(mut self, encoding: SignatureEncoding) -> Self {
        self.encoding = encoding;
        self
    }

    /// The next nonce (see the type's documentation for the format).
    pub fn next_nonce(&self) -> u64 {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
            .unwrap_or(0);
        let mut last = LAST_NONCE_MILLIS.load(Ordering::Relaxed);
        let millis = loop {
            let next = now.max(last.saturating_add(1));
            match LAST_NONCE_MILLIS.compare_exchange_weak(
                last,
                next,
                Ordering::AcqRel,
                Ordering::Relaxed,
            ) {
                Ok(_) => break next,
                Err(actual) => last = actual,
            }
        };
        compose_nonce(millis, nonce_process_id())
    }

    /// The signature for `nonce`.
    pub fn sign(&self, nonce: &str) -> String {
        let mac = self.mac(nonce);
        match self.encoding {
            SignatureEncoding::Base64 => base64::engine::general_purpose::STANDARD.encode(mac),
            SignatureEncoding::Hex => hex::encode(mac),
        }
    }

    /// The raw HMAC of what [`layout`](Self::with_layout) makes of the key
    /// and `nonce`. The built-in layouts feed the MAC key and nonce in
    /// turn, with no joined copy.
    fn mac(&self, nonce: &str) -> [u8; 32] {
        let key = self.api_key.expose_secret();
        let secret = self.secret.expose_secret();
        match &self.layout {
            MessageLayout::KeyThenNonce => {
                crate::signature::hmac_sha256_parts(secret, &[key, nonce])
            }
            MessageLayout::NonceThenKey => {
                crate::signature::hmac_sha256_parts(secret, &[nonce, key])
            }
            MessageLayout::Custom(f) => crate::signature::hmac_sha256(secret, f(key, nonce)),
        }
    }

    /// The signature for `nonce` as a sensitive header value, encoded on
    /// the stack rather than into a `String` first.
    fn signature_value(&self, nonce: &str) -> HeaderValue {
        let mac = self.mac(nonce);
        let mut text = [0u8; 64];
        let written = match self.encoding {
            SignatureEncoding::Base64 => base64::engine::general_purpose::STANDARD
                .encode_slice(mac, &mut text)
                .ok(),
            SignatureEncoding::Hex => hex::encode_to_slice(mac, &mut text).ok().map(|()| 64),
        };
        // Base64 (44 bytes) and hex (64) fit and are valid header values.
        let mut value = written
            .and_then(|n| HeaderValue::from_bytes(&text[..n]).ok())
            .unwrap_or_else(|| HeaderValue::from_static(""));
        value.set_sensitive(true);
        value
    }

    /// The three headers for `nonce`, values marked sensitive.
    pub fn headers_for(&self, nonce: &str) -> Result<HeaderMap> {
        let bad = |what: &str| Error::Config(format!("{what} is not a valid header value").into());
        let mut key =
            HeaderValue::from_str(self.api_key.expose_secret()).map_err(|_| bad("API key"))?;
        key.set_sensitive(true);
        let nonce_value = HeaderValue::from_str(nonce).map_err(|_| bad("nonce"))?;
        let mut headers = HeaderMap::with_capacity(3);
        headers.insert(self.headers.api_key.clone(), key);
        headers.insert(self.headers.nonce.clone(), nonce_value);
        headers.insert(self.headers.signature.clone(), self.signature_value(nonce));
        Ok(headers)
    }

    /// Headers signed with a fresh nonce, its digits written on the stack.
    fn credentials(&self) -> Result<Credentials> {
        self.headers_for(itoa::Buffer::new().format(self.next_nonce()))
            .map(|headers| Credentials {
                headers,
                generation: 0,
            })
    }
}

impl Auth for HmacNonceAuth {
    fn authorize<'a>(&'a self, _: RequestParts<'a>) -> BoxFuture<'a, Result<Credentials>> {
        let result = self.credentials();
        Box::pin(async move { result })
    }

    fn ready(&self, _: RequestParts<'_>) -> Option<Result<Credentials>> {
        Some(self.credentials())
    }
}

fn sensitive(text: &str) -> HeaderValue {
    // Base64 and hex output are always valid header values.
    let mut v = HeaderValue::from_str(text).unwrap_or_else(|_| HeaderValue::from_static(""));
    v.set_sensitive(true);
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refresh_margin_is_max_of_30s_and_10_percent_capped_at_half() {
        assert_eq!(
            refresh_margin(Duration::from_secs(3600)),
            Duration::from_secs(360)
        );
        assert_eq!(
            refresh_margin(Duration::from_secs(120)),
            Duration::from_secs(30)
        );
        assert_eq!(
            refresh_margin(Duration::from_secs(1800)),
            Duration::from_secs(180)
        );
        assert_eq!(
            refresh_margin(Duration::from_secs(2)),
            Duration::from_secs(1)
        );
    }

    #[test]
    fn basic_header_matches_the_independent_vector() {
        let cc = ClientCredentials::new(
            "demo",
            Url::parse("http://127.0.0.1/token").unwrap(),
            "client-id",
            SecretString::from("client-secret"),
        );
        assert_eq!(
            cc.basic_header_value().to_str().unwrap(),
            "Basic Y2xpZW50LWlkOmNsaWVudC1zZWNyZXQ="
        );
        assert!(cc.basic_header_value().is_sensitive());
        let dbg = format!("{cc:?}");
        assert!(!dbg.contains("client-secret"), "{dbg}");
    }

    fn dtone_like() -> HmacNonceAuth {
        HmacNonceAuth::new(
            SecretString::from("1234567890"),
            SecretString::from("secret-abc"),
            HmacHeaders {
                api_key: HeaderName::from_static("x-transferto-apikey"),
                nonce: HeaderName::from_static("x-transferto-nonce"),
                signature: HeaderName::from_static("x-transferto-hmac"),
            },
        )
    }

    #[test]
    fn hmac_nonce_signature_matches_the_independent_vector() {
        let auth = dtone_like();
        let headers = auth.headers_for("1543000000000").unwrap();
        assert_eq!(
            headers["x-transferto-hmac"].to_str().unwrap(),
            "mRsW2dFHUU8NcWkUig/3AqmIgWfyY4/afdrw4+uIA9E="
        );
        assert_eq!(headers["x-transferto-nonce"], "1543000000000");
        assert_eq!(headers["x-transferto-apikey"], "1234567890");
        let dbg = format!("{auth:?}");
        assert!(
            !dbg.contains("secret-abc") && !dbg.contains("1234567890"),
            "{dbg}"
        );
    }

    #[test]
    fn every_layout_and_encoding_signs_its_message_in_the_header_and_in_sign() {
        let message = |layout: &MessageLayout| match layout {
            MessageLayout::KeyThenNonce => "12345678901543000000000".to_owned(),
            MessageLayout::NonceThenKey => "15430000000001234567890".to_owned(),
            MessageLayout::Custom(f) => f("1234567890", "1543000000000"),
        };
        let custom: LayoutFn = Arc::new(|key: &str, nonce: &str| format!("{nonce}:{key}"));
        for layout in [
            MessageLayout::KeyThenNonce,
            MessageLayout::NonceThenKey,
            MessageLayout::Custom(custom),
        ] {
            for encoding in [SignatureEncoding::Base64, SignatureEncoding::Hex] {
                let expected = match encoding {
                    SignatureEncoding::Base64 => {
                        crate::signature::hmac_sha256_base64("secret-abc", message(&layout))
                    }
                    SignatureEncoding::Hex => {
                        crate::signature::hmac_sha256_hex("secret-abc", message(&layout))
                    }
                };
                let auth = dtone_like()
                    .with_layout(layout.clone())
                    .with_encoding(encoding);
                assert_eq!(
                    auth.sign("1543000000000"),
                    expected,
                    "{layout:?} {encoding:?}"
                );
                let headers = auth.headers_for("1543000000000").unwrap();
                assert_eq!(headers["x-transferto-hmac"], expected.as_str());
                assert!(headers["x-transferto-hmac"].is_sensitive());
            }
        }
    }

    #[test]
    fn ready_credentials_carry_a_fresh_nonce_and_its_signature() {
        let auth = dtone_like();
        let parts = RequestParts {
            method: &reqwest::Method::GET,
            url: &url::Url::parse("http://127.0.0.1/x").unwrap(),
            body: &[],
        };
        let first = auth.ready(parts).unwrap().unwrap().headers;
        let second = auth.ready(parts).unwrap().unwrap().headers;
        let nonce = |h: &HeaderMap| h["x-transferto-nonce"].to_str().unwrap().parse::<u64>();
        assert!(nonce(&first).unwrap() < nonce(&second).unwrap());
        for headers in [first, second] {
            let sent = headers["x-transferto-nonce"].to_str().unwrap();
            assert_eq!(headers["x-transferto-hmac"], auth.sign(sent).as_str());
            assert_eq!(headers["x-transferto-apikey"], "1234567890");
        }
    }

    #[test]
    fn nonces_strictly_increase_across_threads() {
        let auth = Arc::new(dtone_like());
        let handles: Vec<_> = (0..8)
            .map(|_| {
                let a = Arc::clone(&auth);
                std::thread::spawn(move || (0..1000).map(|_| a.next_nonce()).collect::<Vec<_>>())
            })
            .collect();
        let mut all = Vec::new();
        for h in handles {
            let v = h.join().unwrap();
            assert!(v.windows(2).all(|w| w[0] < w[1]));
            all.extend(v);
        }
        let n = all.len();
        all.sort_unstable();
        all.dedup();
        assert_eq!(all.len(), n);
    }

    #[tokio::test]
    async fn cache_is_single_flight_and_invalidates_only_its_generation() {
        let cache = Arc::new(CredentialCache::<u32>::new("demo", "login"));
        let calls = Arc::new(AtomicU64::new(0));
        let mut tasks = Vec::new();
        for _ in 0..64 {
            let cache = Arc::clone(&cache);
            let calls = Arc::clone(&calls);
            tasks.push(tokio::spawn(async move {
                cache
                    .get_or_refresh(Duration::from_secs(60), || async move {
                        calls.fetch_add(1, Ordering::SeqCst);
                        tokio::time::sleep(Duration::from_millis(20)).await;
                        Ok((7, None))
                    })
                    .await
                    .unwrap()
            }));
        }
        for t in tasks {
            assert_eq!(t.await.unwrap(), (7, 1));
        }
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        let is_fresh = |c: &CredentialCache<u32>| fresh(&c.lock(), Instant::now()).is_some();
        cache.invalidate(99);
        assert!(is_fresh(&cache));
        cache.invalidate(1);
        assert!(!is_fresh(&cache));
    }

    #[tokio::test(start_paused = true)]
    async fn waiters_share_one_failed_attempt_and_the_deadline() {
        let cache = Arc::new(
            CredentialCache::<u32>::new("demo", "login").with_deadline(Duration::from_secs(5)),
        );
        let calls = Arc::new(AtomicU64::new(0));
        let tasks: Vec<_> = (0..32)
            .map(|_| {
                let cache = Arc::clone(&cache);
                let calls = Arc::clone(&calls);
                tokio::spawn(async move {
                    cache
                        .get_or_refresh(Duration::from_secs(60), || async move {
                            calls.fetch_add(1, Ordering::SeqCst);
                            std::future::pending::<Result<(u32, Option<Duration>)>>().await
                        })
                        .await
                })
            })
            .collect();
        for t in tasks {
            let err = t.await.unwrap().unwrap_err();
            assert!(
                matches!(
                    err,
                    Error::Timeout {
                        operation: "login",
                        ..
                    }
                ),
                "{err:?}"
            );
        }
        assert_eq!(
            calls.load(Ordering::SeqCst),
            1,
            "one attempt for 32 waiters"
        );
        // The failure is not cached: the next caller starts a new attempt.
        let ok = cache
            .get_or_refresh(Duration::from_secs(60), || async { Ok((3, None)) })
            .await
            .unwrap();
        assert_eq!(ok.0, 3);
    }

    #[tokio::test]
    async fn a_panicking_login_is_an_auth_error_and_does_not_poison_the_cache() {
        let cache = CredentialCache::<u32>::new("demo", "login");
        let err = cache
            .get_or_refresh(Duration::from_secs(60), || async {
                if Instant::now().elapsed() < Duration::from_secs(3600) {
                    panic!("login bug");
                }
                Ok((1, None))
            })
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Auth { .. }), "{err:?}");
        let ok = cache
            .get_or_refresh(Duration::from_secs(60), || async { Ok((2, None)) })
            .await
            .unwrap();
        assert_eq!(ok.0, 2);
    }

    #[tokio::test(start_paused = true)]
    async fn a_failed_early_refresh_keeps_the_valid_credential() {
        let cache = CredentialCache::<u32>::new("demo", "login");
        let lifetime = Some(Duration::from_secs(3600));
        let first = cache
            .get_or_refresh(Duration::ZERO, || async move { Ok((1, lifetime)) })
            .await
            .unwrap();
        // Past the refresh point (54 min), before expiry (60 min).
        tokio::time::advance(Duration::from_secs(3300)).await;
        let calls = AtomicU64::new(0);
        let kept = cache
            .get_or_refresh(Duration::ZERO, || {
                calls.fetch_add(1, Ordering::SeqCst);
                async { Err(Error::Config("token endpoint down".into())) }
            })
            .await
            .unwrap();
        assert_eq!(kept, first);
        // The next refresh is postponed halfway to expiry, not tried on every call.
        let again = cache
            .get_or_refresh(Duration::ZERO, || {
                calls.fetch_add(1, Ordering::SeqCst);
                async { Err(Error::Config("token endpoint down".into())) }
            })
            .await
            .unwrap();
        assert_eq!(again, first);
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        // Once expired, the failure is the answer.
        tokio::time::advance(Duration::from_secs(301)).await;
        let err = cache
            .get_or_refresh(Duration::ZERO, || async {
                Err(Error::Config("token endpoint down".into()))
            })
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Config(_)));
    }

    #[tokio::test(start_paused = true)]
    async fn ready_answers_from_a_fresh_session_and_leaves_logins_to_authorize() {
        let logins = Arc::new(AtomicU64::new(0));
        let counted = Arc::clone(&logins);
        let auth = SessionAuth::new("demo", move || {
            counted.fetch_add(1, Ordering::SeqCst);
            Box::pin(async {
                let mut headers = HeaderMap::new();
                headers.insert("x-session", HeaderValue::from_static("s1"));
                Ok(Session {
                    headers,
                    lifetime: Some(Duration::from_secs(3600)),
                })
            })
        });
        let url = Url::parse("https://example.test/a").unwrap();
        let parts = RequestParts {
            method: &Method::GET,
            url: &url,
            body: &[],
        };
        assert!(auth.ready(parts).is_none(), "nothing cached: log in first");
        let logged_in = auth.authorize(parts).await.unwrap();
        let ready = auth.ready(parts).expect("a fresh session").unwrap();
        assert_eq!(ready.generation, logged_in.generation);
        assert_eq!(ready.headers.get("x-session").unwrap(), "s1");
        // Due for refresh (54 min into 60): `ready` leaves it to `authorize`.
        tokio::time::advance(Duration::from_secs(3300)).await;
        assert!(auth.ready(parts).is_none());
        assert_eq!(logins.load(Ordering::SeqCst), 1);
        // No login needed, or a signature computed on the spot: always ready.
        assert!(NoAuth.ready(parts).is_some_and(|c| c.is_ok()));
    }

    #[tokio::test(start_paused = true)]
    async fn absurd_lifetimes_are_clamped_not_overflowed() {
        for lifetime in [
            Duration::MAX,
            Duration::from_secs(u64::MAX),
            Duration::from_secs(i64::MAX as u64),
        ] {
            let cache = CredentialCache::<u32>::new("demo", "login");
            cache
                .get_or_refresh(lifetime, || async { Ok((1, None)) })
                .await
                .unwrap();
            tokio::time::advance(MAX_CREDENTIAL_LIFETIME).await;
            let calls = AtomicU64::new(0);
            cache
                .get_or_refresh(lifetime, || {
                    calls.fetch_add(1, Ordering::SeqCst);
                    async { Ok((2, None)) }
                })
                .await
                .unwrap();
            assert_eq!(calls.load(Ordering::SeqCst), 1, "refetched within 24 h");
        }
    }

    #[test]
    fn expires_in_in_any_spelling_is_clamped_or_refused() {
        let parse = |v: serde_json::Value| {
            serde_json::from_value::<TokenResponse>(json!({"access_token": "t", "expires_in": v}))
                .map(|t| t.expires_in)
        };
        use serde_json::json;
        let max = Some(MAX_CREDENTIAL_LIFETIME);
        assert_eq!(parse(json!(3600)).unwrap(), Some(Duration::from_secs(3600)));
        assert_eq!(
            parse(json!("1799")).unwrap(),
            Some(Duration::from_secs(1799))
        );
        assert_eq!(parse(json!(i64::MAX)).unwrap(), max);
        assert_eq!(parse(json!(u64::MAX)).unwrap(), max);
        assert_eq!(parse(json!("99999999999999999999")).unwrap(), max);
        assert_eq!(parse(json!(1e300)).unwrap(), max);
        assert_eq!(parse(json!("1e300")).unwrap(), max);
        assert_eq!(parse(json!(-5)).unwrap(), None);
        assert_eq!(parse(json!(0)).unwrap(), None);
        assert_eq!(parse(json!(null)).unwrap(), None);
        assert!(parse(json!("soon")).is_err());
        assert!(parse(json!("inf")).is_err());
        assert!(parse(json!(true)).is_err());
    }

    #[test]
    fn nonces_carry_the_process_suffix_and_differ_across_processes() {
        let auth = dtone_like();
        let n = auth.next_nonce();
        assert_eq!(n.to_string().len(), 19, "{n}");
        assert_eq!(n % 1_000_000, nonce_process_id());
        // Two processes drawing different suffixes never collide, even on
        // the same millisecond counter values.
        let a: Vec<u64> = (1_700_000_000_000..1_700_000_000_200)
            .map(|ms| compose_nonce(ms, 17))
            .collect();
        let b: Vec<u64> = (1_700_000_000_000..1_700_000_000_200)
            .map(|ms| compose_nonce(ms, 900_017))
            .collect();
        assert!(a.iter().all(|n| !b.contains(n)));
        assert!(a.windows(2).all(|w| w[0] < w[1]));
    }
}
