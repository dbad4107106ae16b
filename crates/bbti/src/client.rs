//! [`Client`] and its [`ClientBuilder`].

use std::sync::Arc;
use std::time::Duration;

use partner_sdk_core::provider::BuilderParts;
use partner_sdk_core::secret::RedactedUrl;
use partner_sdk_core::{ClientCredentials, Credentials, ExposeSecret, Transport};
use partner_sdk_journal::JournalStore;

use crate::error::{BbtiErrorBody, Result};

/// Path of BBTI's OAuth2 token endpoint on its auth server
/// (`${AUTH_SERVER}/auth/v1/token`): the path of the URL
/// [`ClientBuilder::token_url`] takes.
pub const TOKEN_PATH: &str = "/auth/v1/token";

/// Token lifetime assumed when the token response has no `expires_in`
/// (BBTI does not document the token response): 1 hour. Tokens are
/// refreshed `max(30 s, 10 %)` before expiry and again on any 401.
pub const DEFAULT_TOKEN_LIFETIME: Duration = ClientCredentials::DEFAULT_LIFETIME;

/// Largest `pageSize` BBTI accepts for models and prices.
pub const MAX_PAGE_SIZE: u32 = 200;

/// A BBTI API client. Cheap to clone (one shared connection pool and token
/// cache); `Send + Sync`.
///
/// Defaults: connect timeout 10 s, per-attempt timeout 30 s, 3 attempts with
/// full-jitter backoff for reads (pricing, KYC and delivery POSTs are never
/// retried), token lifetime [`DEFAULT_TOKEN_LIFETIME`] when the token response
/// does not say.
#[derive(Clone)]
pub struct Client {
    pub(crate) transport: Transport,
}

impl Client {
    /// A builder; `base_url`, `token_url` and `credentials` are required.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// The API base URL.
    pub fn base_url(&self) -> &partner_sdk_core::Url {
        self.transport.base_url()
    }
}

partner_sdk_core::provider_client! {
    /// A view of this client whose calls use `options` (timeout, retry
    /// policy, extra headers) over the client's settings.
    /// It shares the connection pool, the token cache and the hooks, so it
    /// is as cheap as a clone. Pricing, KYC and delivery POSTs stay
    /// single-shot whatever retry policy the options carry; see
    /// [`CallOptions`](partner_sdk_core::CallOptions) for the other rules.
    ///
    /// ```no_run
    /// # async fn demo(bbti: partner_sdk_bbti::Client) -> partner_sdk_bbti::Result<()> {
    /// use std::time::Duration;
    /// use partner_sdk_core::{CallOptions, RetryPolicy};
    ///
    /// // A health check: one attempt, two seconds.
    /// let quick = CallOptions::new()
    ///     .with_timeout(Duration::from_secs(2))
    ///     .with_retry_policy(RetryPolicy::none());
    /// bbti.with_options(quick)
    ///     .list_manufacturers(&partner_sdk_bbti::ManufacturerQuery::new())
    ///     .await?;
    /// # Ok(()) }
    /// ```
    Client { transport }
}

/// Configures a [`Client`].
///
/// [`credentials`](Self::credentials) takes the OAuth2 client id and secret
/// Belong issues; they are sent as HTTP Basic credentials to the token
/// endpoint [`token_url`](Self::token_url), never to the API server.
#[derive(Debug, Default)]
pub struct ClientBuilder {
    parts: BuilderParts,
    token_url: Option<RedactedUrl>,
    token_lifetime: Option<Duration>,
}

impl ClientBuilder {
    /// API server base URL (the documentation's `${API_SERVER}`), e.g.
    /// `https://api.example.jp`; `/v1/...` paths go under it. Required.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.parts.base_url = Some(url.into().into());
        self
    }

    /// The OAuth2 token endpoint, a full URL: BBTI's is [`TOKEN_PATH`] on
    /// its auth server, `${AUTH_SERVER}/auth/v1/token`. Required.
    pub fn token_url(mut self, url: impl Into<String>) -> Self {
        self.token_url = Some(url.into().into());
        self
    }

    /// The OAuth2 client id (`id`) and client secret (`secret`) issued by
    /// Belong (required; neither may be empty).
    pub fn credentials(mut self, id: impl Into<String>, secret: impl Into<String>) -> Self {
        self.parts.credentials = Credentials::new(id, secret);
        self
    }

    /// Token lifetime assumed when the token response has no `expires_in`
    /// (default [`DEFAULT_TOKEN_LIFETIME`]; clamped to 24 hours, like any
    /// `expires_in`).
    pub fn default_token_lifetime(mut self, lifetime: Duration) -> Self {
        self.token_lifetime = Some(lifetime);
        self
    }

    partner_sdk_core::http_settings_methods!(parts.settings);

    /// The intent journal every create (pricing, KYC, delivery) is written
    /// to before it is sent (none by default): pricing keyed by its
    /// `submissionId`, KYC and delivery by their `transactionId`, settled
    /// with the `transactionId` BBTI answers or its refusal. A create whose
    /// intent cannot be written, or whose key is journalled for another
    /// request, is not sent; one journalled already is not sent again
    /// ([`partner_sdk_core::Error::Journalled`]). [`Client::recover`]
    /// resolves what a dead process left pending. See
    /// [`partner_sdk_journal`].
    pub fn journal(mut self, journal: Arc<dyn JournalStore>) -> Self {
        self.parts.journal = Some(journal);
        self
    }

    /// Validates the configuration and builds the client.
    pub fn build(self) -> Result<Client> {
        let builder = self.parts.transport("bbti")?;
        let token_url = self
            .parts
            .credentials_url("bbti", "token_url", self.token_url.as_ref())?;
        let (client_id, client_secret) = self.parts.credentials.required()?;
        let mut auth =
            ClientCredentials::new("bbti", token_url, client_id.expose_secret(), client_secret);
        if let Some(lifetime) = self.token_lifetime {
            auth = auth.with_default_lifetime(lifetime);
        }
        let builder = builder.auth(auth).error_body(BbtiErrorBody);
        Ok(Client {
            transport: builder.build()?,
        })
    }
}
