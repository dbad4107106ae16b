//! OAuth2 client credentials (RFC 6749 §4.4) with a cached bearer token.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use reqwest::Method;
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderValue};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use tokio::time::Instant;
use url::Url;

use super::cache::{CredentialCache, clamp_lifetime};
use super::{Auth, AuthHeaders, BoxFuture};
use crate::defaults::{
    DEFAULT_AUTH_DEADLINE, DEFAULT_CREDENTIAL_LIFETIME, MAX_CREDENTIAL_LIFETIME,
    MAX_TOKEN_RESPONSE_BODY,
};
use crate::error::{Error, ResponseTooLargeError, Result};
use crate::error_body::{ErrorBody, GenericErrorBody};
use crate::exchange::{Label, Unusable, api_error, exchange};

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
/// an `expires_in` beyond [`MAX_CREDENTIAL_LIFETIME`](crate::defaults::MAX_CREDENTIAL_LIFETIME) (24 h) is clamped to
/// it, a zero or negative one means "not given"; token call bounded at 10 s,
/// waiting for it included; token answers larger than
/// [`MAX_TOKEN_RESPONSE_BODY`](crate::defaults::MAX_TOKEN_RESPONSE_BODY) are refused; a redirect from the token
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

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    #[serde(default)]
    token_type: Option<String>,
    #[serde(default, deserialize_with = "expires_in")]
    expires_in: Option<Duration>,
}

/// `expires_in` as a number of seconds in any spelling (integer, float,
/// numeric string), clamped to [`MAX_CREDENTIAL_LIFETIME`](crate::defaults::MAX_CREDENTIAL_LIFETIME); zero, negative
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
    pub const DEFAULT_LIFETIME: Duration = DEFAULT_CREDENTIAL_LIFETIME;
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
    /// (clamped to [`MAX_CREDENTIAL_LIFETIME`](crate::defaults::MAX_CREDENTIAL_LIFETIME)).
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

    /// Returns a valid bearer token header value and its generation,
    /// fetching one with `http` if needed.
    pub async fn bearer(&self, http: &reqwest::Client) -> Result<(HeaderValue, u64)> {
        let endpoint = Arc::clone(&self.endpoint);
        let http = http.clone();
        self.cache
            .get_or_refresh(self.default_lifetime, move || endpoint.fetch_token(http))
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
        Error::auth(self.provider, message, None)
    }

    async fn fetch_token(
        self: Arc<Self>,
        http: reqwest::Client,
    ) -> Result<(HeaderValue, Option<Duration>)> {
        let label = Label {
            provider: self.provider,
            operation: "oauth2_token",
        };
        let mut form: Vec<(&str, &str)> = vec![("grant_type", "client_credentials")];
        if let Some(scope) = &self.scope {
            form.push(("scope", scope));
        }
        let mut request = http
            .post(self.token_url.clone())
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(ACCEPT, "application/json");
        match self.placement {
            CredentialPlacement::BasicHeader => {
                request = request.header(AUTHORIZATION, self.basic_header_value());
            }
            CredentialPlacement::FormBody => {
                form.push(("client_id", &self.client_id));
                form.push(("client_secret", self.client_secret.expose_secret()));
            }
        }
        let body = serde_urlencoded::to_string(&form)
            .map_err(|e| Error::config(format!("token form: {e}")))?;
        let request = request
            .body(body)
            .build()
            .map_err(|e| Error::config(format!("token request: {e}")))?;
        let path = self.token_url.path().to_owned();
        let started = Instant::now();
        let answer = exchange(
            &http,
            request,
            &self.token_url,
            label,
            MAX_TOKEN_RESPONSE_BODY,
            self.token_timeout,
        )
        .await
        .map_err(|no_answer| no_answer.into_error(label, path.clone(), started.elapsed()))?;
        let status = answer.status;
        let bytes = match answer.body {
            Ok(bytes) => bytes,
            Err(Unusable::Redirect(e)) => return Err(e),
            Err(Unusable::TooLarge) => {
                return Err(Error::from(ResponseTooLargeError {
                    provider: self.provider,
                    operation: label.operation,
                    status,
                    limit: MAX_TOKEN_RESPONSE_BODY,
                }));
            }
        };
        if !status.is_success() {
            let fields = GenericErrorBody.parse(status, &bytes);
            // A token answer may carry the token even when its status says
            // otherwise: keep none of it.
            let api = api_error(
                label,
                Method::POST,
                path,
                (status, &answer.headers, &bytes),
                fields,
            )
            .withheld(&bytes);
            return Err(Error::auth(
                self.provider,
                format!("token endpoint answered {status}"),
                Some(api),
            ));
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
fn bearer_credentials((value, generation): (HeaderValue, u64)) -> AuthHeaders {
    // Sized for its one header: a default map has room for six.
    let mut headers = HeaderMap::with_capacity(1);
    headers.insert(AUTHORIZATION, value);
    AuthHeaders {
        headers,
        generation,
    }
}

impl Auth for ClientCredentials {
    fn authorize<'a>(&'a self, http: &'a reqwest::Client) -> BoxFuture<'a, Result<AuthHeaders>> {
        Box::pin(async move { self.bearer(http).await.map(bearer_credentials) })
    }

    fn ready(&self) -> Option<Result<AuthHeaders>> {
        self.cache
            .fresh()
            .map(|token| Ok(bearer_credentials(token)))
    }

    fn on_unauthorized(&self, generation: u64) -> bool {
        self.cache.invalidate(generation);
        true
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
}
