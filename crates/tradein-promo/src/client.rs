//! The client and its builder.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use partner_sdk_core::transport::parse_base_url;
use partner_sdk_core::{
    ClientCredentials, CredentialPlacement, ExposeSecret, HttpSettings, SecretString, Transport,
};

use crate::error::{PromoErrorBody, Result};

/// Provider name used in errors and tracing spans.
pub const PROVIDER: &str = "tradein-promo";

/// Lifetime assumed for a token whose response has no `expires_in`: the
/// provider documents 30-minute tokens.
pub const DEFAULT_TOKEN_LIFETIME: Duration = Duration::from_secs(30 * 60);

/// A trade-in promotion API client. Cheap to clone (shared state), `Send + Sync`.
///
/// One bearer token is fetched on first use and shared by every call and
/// clone until shortly before it expires; a 401 drops it and fetches a new
/// one once.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    transport: Transport,
    app_name: Option<String>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("transport", &self.inner.transport)
            .field("app_name", &self.inner.app_name)
            .finish()
    }
}

impl Client {
    /// A builder; `base_url`, `token_url`, `credentials` and `scope` are
    /// required.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// The configured API base URL.
    pub fn base_url(&self) -> &partner_sdk_core::Url {
        self.inner.transport.base_url()
    }

    /// The `appname` header value, when configured.
    pub fn app_name(&self) -> Option<&str> {
        self.inner.app_name.as_deref()
    }

    /// A view of this client whose calls use `options` (timeout, connect
    /// timeout, retry policy, extra headers) over the client's settings.
    /// It shares the connection pool, the token cache and the hooks, so it
    /// is as cheap as a clone. The `appname` header and the bearer token
    /// cannot be replaced; see
    /// [`CallOptions`](partner_sdk_core::CallOptions) for the other rules.
    ///
    /// ```no_run
    /// # async fn demo(promo: partner_sdk_tradein_promo::Client) -> partner_sdk_tradein_promo::Result<()> {
    /// use partner_sdk_core::CallOptions;
    /// use partner_sdk_tradein_promo::PromotionRequest;
    ///
    /// let traced = CallOptions::new().with_header("x-correlation-id", "basket-42")?;
    /// let offer = promo
    ///     .with_options(traced)
    ///     .fetch_promotion(&PromotionRequest::by_imei("356938035643809"))
    ///     .await?;
    /// # let _ = offer;
    /// # Ok(()) }
    /// ```
    pub fn with_options(&self, options: partner_sdk_core::CallOptions) -> Client {
        Client {
            inner: Arc::new(Inner {
                transport: self.inner.transport.with_options(options),
                app_name: self.inner.app_name.clone(),
            }),
        }
    }

    pub(crate) fn transport(&self) -> &Transport {
        &self.inner.transport
    }
}

/// Configures a [`Client`].
///
/// [`credentials`](Self::credentials) takes the OAuth2 client id and secret
/// registered with the carrier's identity provider; they are sent as form
/// fields of the token request to [`token_url`](Self::token_url), never to
/// the API.
///
/// Defaults: connect timeout 10 s, per-attempt timeout 30 s, 3 attempts with
/// full-jitter backoff (0.5 s base, 20 s cap), token lifetime 30 minutes when
/// the token response has no `expires_in`, token call bounded at 10 s.
#[derive(Default)]
pub struct ClientBuilder {
    base_url: Option<String>,
    token_url: Option<String>,
    client_id: Option<String>,
    client_secret: Option<SecretString>,
    scope: Option<String>,
    app_name: Option<String>,
    token_lifetime: Option<Duration>,
    token_timeout: Option<Duration>,
    settings: HttpSettings,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("base_url", &self.base_url)
            .field("token_url", &self.token_url)
            .field("client_id", &self.client_id)
            .field(
                "client_secret",
                &self
                    .client_secret
                    .as_ref()
                    .map(|_| partner_sdk_core::secret::REDACTED),
            )
            .field("scope", &self.scope)
            .field("app_name", &self.app_name)
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

impl ClientBuilder {
    /// API base URL, path included: the carrier's omni-svcs host, e.g.
    /// `https://<host>/omni-svcs`. Required, because the provider documents
    /// several hosts.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// OAuth2 token endpoint (the identity provider's `.../oauth2/v2.0/token`).
    pub fn token_url(mut self, url: impl Into<String>) -> Self {
        self.token_url = Some(url.into());
        self
    }

    /// The OAuth2 client id (`id`) and client secret (`secret`), sent as form
    /// fields of the token request (required; neither may be empty).
    pub fn credentials(mut self, id: impl Into<String>, secret: impl Into<String>) -> Self {
        self.client_id = Some(id.into());
        self.client_secret = Some(SecretString::from(secret.into()));
        self
    }

    /// OAuth2 scope issued with the credentials.
    pub fn scope(mut self, scope: impl Into<String>) -> Self {
        self.scope = Some(scope.into());
        self
    }

    /// Application name sent in the `appname` header of every API call.
    pub fn app_name(mut self, name: impl Into<String>) -> Self {
        self.app_name = Some(name.into());
        self
    }

    /// Token lifetime assumed when the token response has no `expires_in`
    /// (default [`DEFAULT_TOKEN_LIFETIME`], 30 minutes; clamped to 24 hours,
    /// like any `expires_in`).
    pub fn default_token_lifetime(mut self, lifetime: Duration) -> Self {
        self.token_lifetime = Some(lifetime);
        self
    }

    /// Bound on the token call (default 10 s). Callers waiting for a token
    /// share one request and wait at most this long, together.
    pub fn token_timeout(mut self, timeout: Duration) -> Self {
        self.token_timeout = Some(timeout);
        self
    }

    partner_sdk_core::http_settings_methods!(settings);

    /// Validates the configuration and builds the client.
    pub fn build(self) -> Result<Client> {
        let config = |m: &'static str| partner_sdk_core::Error::Config(m.into());
        let base_url = self
            .base_url
            .ok_or_else(|| config("tradein-promo: base_url is required"))?;
        let token_url = self
            .token_url
            .ok_or_else(|| config("tradein-promo: token_url is required"))?;
        let token_url = parse_base_url(&token_url)?;
        let (Some(client_id), Some(client_secret)) = (self.client_id, self.client_secret) else {
            return Err(partner_sdk_core::Error::invalid_input(
                "credentials",
                "required: call credentials(client_id, client_secret)",
            )
            .into());
        };
        if client_id.trim().is_empty() {
            return Err(partner_sdk_core::Error::invalid_input(
                "credentials.id",
                "must not be empty",
            )
            .into());
        }
        if client_secret.expose_secret().is_empty() {
            return Err(partner_sdk_core::Error::invalid_input(
                "credentials.secret",
                "must not be empty",
            )
            .into());
        }
        let scope = self
            .scope
            .filter(|s| !s.trim().is_empty())
            .ok_or_else(|| config("tradein-promo: scope is required"))?;
        let mut auth = ClientCredentials::new(PROVIDER, token_url, client_id, client_secret)
            .with_scope(scope)
            .with_placement(CredentialPlacement::FormBody)
            .with_default_lifetime(self.token_lifetime.unwrap_or(DEFAULT_TOKEN_LIFETIME));
        if let Some(t) = self.token_timeout {
            auth = auth.with_token_timeout(t);
        }

        let mut builder = Transport::builder(PROVIDER)
            .base_url(base_url)
            .auth(auth)
            .error_body(PromoErrorBody);
        if let Some(name) = &self.app_name {
            if name.trim().is_empty() {
                return Err(config("tradein-promo: app_name must not be empty").into());
            }
            builder = builder.default_header("appname", name.clone());
        }
        let builder = builder.settings(&self.settings);
        Ok(Client {
            inner: Arc::new(Inner {
                transport: builder.build()?,
                app_name: self.app_name,
            }),
        })
    }
}
