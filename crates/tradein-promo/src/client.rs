//! The client and its builder.

use std::sync::Arc;
use std::time::Duration;

use partner_sdk_core::provider::BuilderParts;
use partner_sdk_core::secret::RedactedUrl;
use partner_sdk_core::{
    ClientCredentials, CredentialPlacement, Credentials, ExposeSecret, Transport,
};

use crate::error::{Result, TradeinPromoErrorBody};

/// Provider name used in errors and tracing spans.
pub const PROVIDER: &str = "tradein-promo";

/// Lifetime assumed for a token whose response has no `expires_in`: the
/// provider documents 30-minute tokens.
pub const DEFAULT_TOKEN_LIFETIME: Duration = Duration::from_secs(30 * 60);

/// A trade-in promotion API client. Cheap to clone (shared handles), `Send + Sync`.
///
/// One bearer token is fetched on first use and shared by every call and
/// clone until shortly before it expires; a 401 drops it and fetches a new
/// one once.
#[derive(Clone)]
pub struct Client {
    transport: Transport,
    app_name: Option<Arc<str>>,
}

impl Client {
    /// A builder; `base_url`, `token_url`, `credentials` and `scope` are
    /// required.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// The configured API base URL.
    pub fn base_url(&self) -> &partner_sdk_core::Url {
        self.transport.base_url()
    }

    /// The `appname` header value, when configured.
    pub fn app_name(&self) -> Option<&str> {
        self.app_name.as_deref()
    }

    pub(crate) fn transport(&self) -> &Transport {
        &self.transport
    }
}

partner_sdk_core::provider_client! {
    /// A view of this client whose calls use `options` (timeout, retry
    /// policy, extra headers) over the client's settings.
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
    ///     .get_promotion(&PromotionRequest::by_imei("356938035643809"))
    ///     .await?;
    /// # let _ = offer;
    /// # Ok(()) }
    /// ```
    Client { transport; app_name }
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
#[derive(Debug, Default)]
pub struct ClientBuilder {
    parts: BuilderParts,
    token_url: Option<RedactedUrl>,
    scope: Option<String>,
    app_name: Option<String>,
    token_lifetime: Option<Duration>,
    token_timeout: Option<Duration>,
}

impl ClientBuilder {
    /// API base URL, path included: the carrier's omni-svcs host, e.g.
    /// `https://<host>/omni-svcs`. Required, because the provider documents
    /// several hosts.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.parts.base_url = Some(url.into().into());
        self
    }

    /// OAuth2 token endpoint (the identity provider's `.../oauth2/v2.0/token`).
    pub fn token_url(mut self, url: impl Into<String>) -> Self {
        self.token_url = Some(url.into().into());
        self
    }

    /// The OAuth2 client id (`id`) and client secret (`secret`), sent as form
    /// fields of the token request (required; neither may be empty).
    pub fn credentials(mut self, id: impl Into<String>, secret: impl Into<String>) -> Self {
        self.parts.credentials = Credentials::new(id, secret);
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

    partner_sdk_core::http_settings_methods!(parts.settings);

    /// Validates the configuration and builds the client.
    pub fn build(self) -> Result<Client> {
        let config = |m: &'static str| partner_sdk_core::Error::config(m);
        let builder = self.parts.transport(PROVIDER)?;
        let token_url =
            self.parts
                .credentials_url(PROVIDER, "token_url", self.token_url.as_ref())?;
        let (client_id, client_secret) = self.parts.credentials.required()?;
        let scope = self
            .scope
            .filter(|s| !s.trim().is_empty())
            .ok_or_else(|| config("tradein-promo: scope is required"))?;
        let mut auth = ClientCredentials::new(
            PROVIDER,
            token_url,
            client_id.expose_secret(),
            client_secret,
        )
        .with_scope(scope)
        .with_placement(CredentialPlacement::FormBody)
        .with_default_lifetime(self.token_lifetime.unwrap_or(DEFAULT_TOKEN_LIFETIME));
        if let Some(t) = self.token_timeout {
            auth = auth.with_token_timeout(t);
        }

        let mut builder = builder.auth(auth).error_body(TradeinPromoErrorBody);
        if let Some(name) = &self.app_name {
            if name.trim().is_empty() {
                return Err(config("tradein-promo: app_name must not be empty").into());
            }
            builder = builder.default_header("appname", name.clone());
        }
        Ok(Client {
            transport: builder.build()?,
            app_name: self.app_name.map(Arc::from),
        })
    }
}
