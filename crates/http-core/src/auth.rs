//! Authentication strategies.
//!
//! An [`Auth`] turns a request into the headers that authorise it. Strategies
//! that log in ([`ClientCredentials`], [`SessionAuth`]) cache what they get in a
//! [`CredentialCache`]: single-flight (N concurrent first calls make one login),
//! refreshed `max(30 s, 10 % of lifetime)` before expiry (never more than half
//! the lifetime early), and invalidated when the provider answers 401 so that
//! the transport can log in again once.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock, RwLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use reqwest::Method;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
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
}

/// Refresh margin: `max(30 s, 10 % of lifetime)`, at most half the lifetime.
pub fn refresh_margin(lifetime: Duration) -> Duration {
    Duration::from_secs(30).max(lifetime / 10).min(lifetime / 2)
}

struct Cached<C> {
    value: C,
    refresh_at: Instant,
    generation: u64,
}

/// A single-flight cache for an expiring credential (token, session).
pub struct CredentialCache<C> {
    current: RwLock<Option<Cached<C>>>,
    refresh: tokio::sync::Mutex<()>,
    generation: AtomicU64,
}

impl<C> Default for CredentialCache<C> {
    fn default() -> Self {
        CredentialCache {
            current: RwLock::new(None),
            refresh: tokio::sync::Mutex::new(()),
            generation: AtomicU64::new(0),
        }
    }
}

impl<C> fmt::Debug for CredentialCache<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let cached = self.read(|c| c.map(|c| c.generation));
        f.debug_struct("CredentialCache")
            .field("cached_generation", &cached)
            .finish()
    }
}

impl<C> CredentialCache<C> {
    fn read<R>(&self, f: impl FnOnce(Option<&Cached<C>>) -> R) -> R {
        let guard = self.current.read().unwrap_or_else(|p| p.into_inner());
        f(guard.as_ref())
    }
}

impl<C: Clone> CredentialCache<C> {
    /// An empty cache.
    pub fn new() -> Self {
        Self::default()
    }

    fn fresh(&self) -> Option<(C, u64)> {
        self.read(|c| {
            c.filter(|c| Instant::now() < c.refresh_at)
                .map(|c| (c.value.clone(), c.generation))
        })
    }

    /// Returns the cached credential, or runs `fetch` (once, however many
    /// callers wait) and caches its value for the lifetime it returns
    /// (`default_lifetime` when it returns none).
    pub async fn get_or_refresh<F, Fut>(
        &self,
        default_lifetime: Duration,
        fetch: F,
    ) -> Result<(C, u64)>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<(C, Option<Duration>)>>,
    {
        if let Some(hit) = self.fresh() {
            return Ok(hit);
        }
        let _single_flight = self.refresh.lock().await;
        if let Some(hit) = self.fresh() {
            return Ok(hit);
        }
        let (value, lifetime) = fetch().await?;
        let lifetime = lifetime.unwrap_or(default_lifetime);
        let generation = self.generation.fetch_add(1, Ordering::Relaxed) + 1;
        let cached = Cached {
            value: value.clone(),
            refresh_at: Instant::now() + lifetime - refresh_margin(lifetime),
            generation,
        };
        *self.current.write().unwrap_or_else(|p| p.into_inner()) = Some(cached);
        Ok((value, generation))
    }

    /// Drops the cached credential if it is still `generation`; later
    /// generations (someone already logged in again) are kept.
    pub fn invalidate(&self, generation: u64) {
        let mut guard = self.current.write().unwrap_or_else(|p| p.into_inner());
        if guard.as_ref().is_some_and(|c| c.generation == generation) {
            *guard = None;
        }
    }

    /// Removes and returns the cached credential (for an explicit logout).
    pub fn take(&self) -> Option<C> {
        self.current
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .take()
            .map(|c| c.value)
    }
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
/// token call bounded at 10 s.
pub struct ClientCredentials {
    provider: &'static str,
    token_url: Url,
    client_id: String,
    client_secret: SecretString,
    scope: Option<String>,
    placement: CredentialPlacement,
    default_lifetime: Duration,
    token_timeout: Duration,
    http: OnceLock<reqwest::Client>,
    cache: CredentialCache<HeaderValue>,
}

impl fmt::Debug for ClientCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientCredentials")
            .field("provider", &self.provider)
            .field("token_url", &self.token_url.as_str())
            .field("client_id", &self.client_id)
            .field("client_secret", &crate::secret::REDACTED)
            .field("scope", &self.scope)
            .field("placement", &self.placement)
            .field("default_lifetime", &self.default_lifetime)
            .field("cache", &self.cache)
            .finish()
    }
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    #[serde(default)]
    token_type: Option<String>,
    #[serde(default, deserialize_with = "crate::decode::opt_i64")]
    expires_in: Option<i64>,
}

impl ClientCredentials {
    /// Default token lifetime when the token response has no `expires_in`.
    pub const DEFAULT_LIFETIME: Duration = Duration::from_secs(3600);
    /// Default bound on the token call.
    pub const DEFAULT_TOKEN_TIMEOUT: Duration = Duration::from_secs(10);

    /// Client credentials for `token_url`.
    pub fn new(
        provider: &'static str,
        token_url: Url,
        client_id: impl Into<String>,
        client_secret: SecretString,
    ) -> Self {
        ClientCredentials {
            provider,
            token_url,
            client_id: client_id.into(),
            client_secret,
            scope: None,
            placement: CredentialPlacement::BasicHeader,
            default_lifetime: Self::DEFAULT_LIFETIME,
            token_timeout: Self::DEFAULT_TOKEN_TIMEOUT,
            http: OnceLock::new(),
            cache: CredentialCache::new(),
        }
    }

    /// Requests this `scope`.
    pub fn with_scope(mut self, scope: impl Into<String>) -> Self {
        self.scope = Some(scope.into());
        self
    }

    /// Sends the credentials in a Basic header (default) or as form fields.
    pub fn with_placement(mut self, placement: CredentialPlacement) -> Self {
        self.placement = placement;
        self
    }

    /// Lifetime assumed when the token response has no `expires_in`.
    pub fn with_default_lifetime(mut self, lifetime: Duration) -> Self {
        self.default_lifetime = lifetime;
        self
    }

    /// Bound on the token call.
    pub fn with_token_timeout(mut self, timeout: Duration) -> Self {
        self.token_timeout = timeout;
        self
    }

    /// The `Authorization: Basic` value for these credentials.
    pub fn basic_header_value(&self) -> HeaderValue {
        let raw = format!("{}:{}", self.client_id, self.client_secret.expose_secret());
        let encoded = base64::engine::general_purpose::STANDARD.encode(raw);
        sensitive(&format!("Basic {encoded}"))
    }

    /// Returns a valid bearer token header value, fetching one if needed.
    pub async fn bearer(&self) -> Result<(HeaderValue, u64)> {
        self.cache
            .get_or_refresh(self.default_lifetime, || self.fetch_token())
            .await
    }

    async fn fetch_token(&self) -> Result<(HeaderValue, Option<Duration>)> {
        let http = self.http.get_or_init(reqwest::Client::new);
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
        let started = Instant::now();
        let response =
            req.body(body).send().await.map_err(|e| {
                transport_error(self.provider, "oauth2_token", e, started.elapsed())
            })?;
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response
            .bytes()
            .await
            .map_err(|e| transport_error(self.provider, "oauth2_token", e, started.elapsed()))?;
        if !status.is_success() {
            let fields = GenericErrorBody.parse(status, &bytes);
            let mut api = ApiError::new(
                self.provider,
                "oauth2_token",
                Method::POST,
                self.token_url.path().to_owned(),
                status,
                fields,
                bytes,
            );
            api.request_id = crate::transport::request_id(&headers);
            return Err(Error::Auth {
                provider: self.provider,
                message: format!("token endpoint answered {status}"),
                source: Some(Box::new(api)),
            });
        }
        let token: TokenResponse = serde_json::from_slice(&bytes).map_err(|e| Error::Auth {
            provider: self.provider,
            message: format!("token response is not an OAuth2 token: {e}"),
            source: None,
        })?;
        if token.access_token.is_empty() {
            return Err(Error::Auth {
                provider: self.provider,
                message: "token response has an empty access_token".into(),
                source: None,
            });
        }
        if let Some(kind) = &token.token_type
            && !kind.eq_ignore_ascii_case("bearer")
        {
            tracing::debug!(token_type = %kind, "non-bearer token type; sending as Bearer");
        }
        let lifetime = token
            .expires_in
            .filter(|s| *s > 0)
            .map(|s| Duration::from_secs(s.unsigned_abs()));
        let value =
            HeaderValue::from_str(&format!("Bearer {}", token.access_token)).map_err(|_| {
                Error::Auth {
                    provider: self.provider,
                    message: "access_token contains characters not allowed in a header".into(),
                    source: None,
                }
            })?;
        let mut value = value;
        value.set_sensitive(true);
        Ok((value, lifetime))
    }
}

impl Auth for ClientCredentials {
    fn authorize<'a>(&'a self, _: RequestParts<'a>) -> BoxFuture<'a, Result<Credentials>> {
        Box::pin(async move {
            let (value, generation) = self.bearer().await?;
            let mut headers = HeaderMap::new();
            headers.insert(AUTHORIZATION, value);
            Ok(Credentials {
                headers,
                generation,
            })
        })
    }

    fn on_unauthorized(&self, generation: u64) -> bool {
        self.cache.invalidate(generation);
        true
    }

    fn bind_http_client(&self, http: &reqwest::Client) {
        let _ = self.http.set(http.clone());
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
/// single-flight cache as [`ClientCredentials`]; logs in again once on 401.
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
            cache: CredentialCache::new(),
        }
    }

    /// Lifetime assumed when a login does not give one.
    pub fn with_default_lifetime(mut self, lifetime: Duration) -> Self {
        self.default_lifetime = lifetime;
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
/// Nonces are milliseconds since the Unix epoch, bumped so that they are
/// strictly increasing and unique across concurrent calls on one client.
pub struct HmacNonceAuth {
    api_key: SecretString,
    secret: SecretString,
    headers: HmacHeaders,
    layout: MessageLayout,
    encoding: SignatureEncoding,
    last_nonce: AtomicU64,
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
            last_nonce: AtomicU64::new(0),
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

    /// The next nonce: now in milliseconds, or one more than the last nonce
    /// if that is not later.
    pub fn next_nonce(&self) -> u64 {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
            .unwrap_or(0);
        let mut last = self.last_nonce.load(Ordering::Relaxed);
        loop {
            let next = now.max(last.saturating_add(1));
            match self.last_nonce.compare_exchange_weak(
                last,
                next,
                Ordering::AcqRel,
                Ordering::Relaxed,
            ) {
                Ok(_) => return next,
                Err(actual) => last = actual,
            }
        }
    }

    /// The signature for `nonce`.
    pub fn sign(&self, nonce: &str) -> String {
        let key = self.api_key.expose_secret();
        let message = match &self.layout {
            MessageLayout::KeyThenNonce => format!("{key}{nonce}"),
            MessageLayout::NonceThenKey => format!("{nonce}{key}"),
            MessageLayout::Custom(f) => f(key, nonce),
        };
        let secret = self.secret.expose_secret();
        match self.encoding {
            SignatureEncoding::Base64 => crate::signature::hmac_sha256_base64(secret, message),
            SignatureEncoding::Hex => crate::signature::hmac_sha256_hex(secret, message),
        }
    }

    /// The three headers for `nonce`, values marked sensitive.
    pub fn headers_for(&self, nonce: &str) -> Result<HeaderMap> {
        let mut headers = HeaderMap::new();
        let bad = |what: &str| Error::Config(format!("{what} is not a valid header value").into());
        let mut key =
            HeaderValue::from_str(self.api_key.expose_secret()).map_err(|_| bad("API key"))?;
        key.set_sensitive(true);
        let nonce_value = HeaderValue::from_str(nonce).map_err(|_| bad("nonce"))?;
        headers.insert(self.headers.api_key.clone(), key);
        headers.insert(self.headers.nonce.clone(), nonce_value);
        headers.insert(self.headers.signature.clone(), sensitive(&self.sign(nonce)));
        Ok(headers)
    }
}

impl Auth for HmacNonceAuth {
    fn authorize<'a>(&'a self, _: RequestParts<'a>) -> BoxFuture<'a, Result<Credentials>> {
        let result = self
            .headers_for(&self.next_nonce().to_string())
            .map(|headers| Credentials {
                headers,
                generation: 0,
            });
        Box::pin(async move { result })
    }
}

fn sensitive(text: &str) -> HeaderValue {
    // Base64 and hex output are always valid header values.
    let mut v = HeaderValue::from_str(text).unwrap_or_else(|_| HeaderValue::from_static(""));
    v.set_sensitive(true);
    v
}

pub(crate) fn transport_error(
    provider: &'static str,
    operation: &'static str,
    e: reqwest::Error,
    elapsed: Duration,
) -> Error {
    if e.is_timeout() {
        Error::Timeout {
            provider,
            operation,
            elapsed,
        }
    } else {
        Error::Transport {
            provider,
            operation,
            source: e,
        }
    }
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
        let cache = Arc::new(CredentialCache::<u32>::new());
        let calls = Arc::new(AtomicU64::new(0));
        let mut tasks = Vec::new();
        for _ in 0..64 {
            let cache = Arc::clone(&cache);
            let calls = Arc::clone(&calls);
            tasks.push(tokio::spawn(async move {
                cache
                    .get_or_refresh(Duration::from_secs(60), || async {
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
        cache.invalidate(99);
        assert!(cache.fresh().is_some());
        cache.invalidate(1);
        assert!(cache.fresh().is_none());
    }
}
