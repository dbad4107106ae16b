//! [`Client`] and its [`ClientBuilder`].

use std::sync::Arc;

use partner_sdk_core::provider::BuilderParts;
use partner_sdk_core::reqwest::header::HeaderName;
use partner_sdk_core::{Credentials, HmacHeaders, HmacNonceAuth, Transport};
use partner_sdk_journal::JournalStore;

use crate::error::{DtoneErrorBody, Result};

/// DT One's production base URL (Goods & Services API v1.1): the URL to
/// give [`ClientBuilder::base_url`] outside tests.
pub const PRODUCTION_URL: &str = "https://gs-api.dtone.com/v1.1";

/// Header carrying the API key.
pub const HEADER_API_KEY: &str = "x-transferto-apikey";
/// Header carrying the nonce.
pub const HEADER_NONCE: &str = "x-transferto-nonce";
/// Header carrying `base64(HMAC-SHA256(secret, api_key ‖ nonce))`.
pub const HEADER_HMAC: &str = "x-transferto-hmac";

/// The `X-TransferTo-hmac` value for `api_key`, `api_secret` and `nonce`:
/// standard padded base64 of HMAC-SHA256 keyed with the secret over
/// `api_key ‖ nonce`, without line breaks.
pub fn hmac_signature(api_key: &str, api_secret: &str, nonce: &str) -> String {
    partner_sdk_core::signature::hmac_sha256_base64(api_secret, format!("{api_key}{nonce}"))
}

pub(crate) fn hmac_headers() -> HmacHeaders {
    HmacHeaders::new(
        HeaderName::from_static(HEADER_API_KEY),
        HeaderName::from_static(HEADER_NONCE),
        HeaderName::from_static(HEADER_HMAC),
    )
}

/// A DT One Goods & Services API client. Cheap to clone, `Send + Sync`.
///
/// Every request carries the three `X-TransferTo-*` headers with a fresh
/// nonce: 19 digits, Unix milliseconds followed by a 6-digit random number
/// drawn once per process; strictly increasing within a client, unique
/// across the clients of a process and across processes sharing one API key
/// (see [`partner_sdk_core::HmacNonceAuth`]).
#[derive(Clone)]
pub struct Client {
    pub(crate) transport: Transport,
}

impl Client {
    /// A builder with the defaults (connect timeout 10 s, per-attempt
    /// timeout 30 s, 3 attempts for idempotent calls); `base_url` and
    /// `credentials` are required.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// The base URL requests go to (version prefix included).
    pub fn base_url(&self) -> &partner_sdk_core::Url {
        self.transport.base_url()
    }
}

partner_sdk_core::provider_client! {
    /// A view of this client whose calls use `options` (timeout, retry
    /// policy, extra headers) over the client's settings.
    /// It shares the connection pool, the nonce sequence and the hooks, so
    /// it is as cheap as a clone. Transactions stay single-shot whatever
    /// retry policy the options carry, and the `X-TransferTo-*` headers
    /// cannot be replaced; see [`CallOptions`](partner_sdk_core::CallOptions)
    /// for the other rules.
    ///
    /// ```no_run
    /// # async fn demo(dtone: partner_sdk_dtone::Client) -> partner_sdk_dtone::Result<()> {
    /// use std::time::Duration;
    /// use partner_sdk_core::CallOptions;
    /// use partner_sdk_dtone::{Category, TransactionRequest};
    ///
    /// // This top-up may take longer than the client's 30 s.
    /// let patient = CallOptions::new().with_timeout(Duration::from_secs(90));
    /// let tx = dtone
    ///     .with_options(patient)
    ///     .create_transaction(
    ///         Category::FixedValueRecharges,
    ///         &TransactionRequest::new("+50212345678", 64, "order-7"),
    ///     )
    ///     .await?;
    /// # let _ = tx;
    /// # Ok(()) }
    /// ```
    Client { transport }
}

/// Configures a [`Client`].
///
/// [`credentials`](Self::credentials) takes the DT One API key and API
/// secret: the key is sent in `X-TransferTo-apikey`, the secret only keys
/// the HMAC signature of each request and is never sent.
#[derive(Debug, Default)]
pub struct ClientBuilder {
    parts: BuilderParts,
}

impl ClientBuilder {
    /// Base URL including the version prefix: [`PRODUCTION_URL`] or a
    /// sandbox's (the older host was `https://api.transferto.com/v1.1`).
    /// Required.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.parts.base_url = Some(url.into().into());
        self
    }

    /// The DT One API key (`id`) and API secret (`secret`) for the HMAC
    /// signature (required; neither may be empty).
    pub fn credentials(mut self, id: impl Into<String>, secret: impl Into<String>) -> Self {
        self.parts.credentials = Credentials::new(id, secret);
        self
    }

    partner_sdk_core::http_settings_methods!(parts.settings);

    /// The intent journal every transaction create is written to before it
    /// is sent (none by default). With one, a create is begun under its
    /// `external_id` and settled with DT One's `transaction_id` or its
    /// refusal; a create whose intent cannot be written is not sent, a
    /// reused `external_id` for another request is refused before sending,
    /// and a process that died mid-create finds out with
    /// [`Client::recover`]. See [`partner_sdk_journal`].
    pub fn journal(mut self, journal: Arc<dyn JournalStore>) -> Self {
        self.parts.journal = Some(journal);
        self
    }

    /// Validates the configuration and builds the client.
    pub fn build(self) -> Result<Client> {
        let builder = self.parts.transport("dtone")?;
        let (key, secret) = self.parts.credentials.required()?;
        let auth = HmacNonceAuth::new(key, secret, hmac_headers());
        Ok(Client {
            transport: builder.auth(auth).error_body(DtoneErrorBody).build()?,
        })
    }
}
