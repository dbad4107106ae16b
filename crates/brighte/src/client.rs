//! [`Client`] and its [`ClientBuilder`].

use std::sync::Arc;
use std::time::Duration;

use futures_util::future::{Either, ready};
use partner_sdk_core::provider::BuilderParts;
use partner_sdk_core::reqwest::header::{HeaderName, HeaderValue};
use partner_sdk_core::{
    CallOptions, Credentials, ExposeSecret, Request, SecretString, Session, SessionAuth, Transport,
    WithOptions,
};
use partner_sdk_journal::{JournalStore, Outcome};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::error::{BrighteErrorBody, Error, Result};
use crate::vendor_prefix::{self, Choice, Routes};

/// Brighte's production host, of the vendor portal and its APIs: the URL
/// to give [`ClientBuilder::base_url`] outside tests.
pub const PRODUCTION_URL: &str = "https://portal.brighte.com.au";
/// Default path prefix of the vendor REST API: the documentation's
/// endpoint tables' form, the one Brighte's production firewall rules name
/// (`/rest/v1/vendor/session`).
///
/// When the login under it gets a route-level 404, the client logs in once
/// under [`SAMPLES_VENDOR_PREFIX`] and keeps whichever worked; an explicit
/// [`ClientBuilder::vendor_path_prefix`] is used alone.
pub const DEFAULT_VENDOR_PREFIX: &str = "/rest/v1/vendor";
/// The vendor prefix of the documentation's sample requests, tried when
/// the login under [`DEFAULT_VENDOR_PREFIX`] finds no route.
pub const SAMPLES_VENDOR_PREFIX: &str = "/rest/vendor/v1";
/// Default path prefix of the public API (calculators, no authentication).
pub const DEFAULT_PUBLIC_PREFIX: &str = "/rest/pub/v1";
/// Session header carrying the session key.
pub const SESSION_KEY_HEADER: &str = "x-session-key";
/// Session header carrying the session token.
pub const SESSION_TOKEN_HEADER: &str = "x-session-token";

const PROVIDER: &str = "brighte";
const LOGIN_TIMEOUT: Duration = Duration::from_secs(10);

/// Configures a [`Client`].
///
/// [`credentials`](Self::credentials) takes the Brighte API id and API
/// secret that open a vendor session (`POST session`); the session key and
/// token it returns authenticate every vendor call. Without credentials the
/// client calls only the public API. [`base_url`](Self::base_url) is
/// required ([`PRODUCTION_URL`] for Brighte's production host).
///
/// Defaults: vendor prefix
/// [`DEFAULT_VENDOR_PREFIX`] (falling back to [`SAMPLES_VENDOR_PREFIX`]
/// when the login finds no route there), public prefix [`DEFAULT_PUBLIC_PREFIX`],
/// connect timeout 10 s, per-attempt timeout 30 s, 3 attempts with
/// full-jitter backoff (0.5 s base, 20 s cap) for GET/PUT/DELETE only, login
/// bounded at 10 s.
#[derive(Debug)]
pub struct ClientBuilder {
    parts: BuilderParts,
    vendor_prefix: Option<String>,
    public_prefix: String,
    refusal_grace: Duration,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        ClientBuilder {
            parts: BuilderParts::default(),
            vendor_prefix: None,
            public_prefix: DEFAULT_PUBLIC_PREFIX.to_owned(),
            refusal_grace: partner_sdk_core::defaults::FRESH_SESSION_GRACE,
        }
    }
}

impl ClientBuilder {
    /// Scheme and host (and any path before the API prefixes):
    /// [`PRODUCTION_URL`] or a sandbox host. Required.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.parts.base_url = Some(url.into().into());
        self
    }

    /// Path prefix of the vendor REST API, used alone: no fallback to
    /// another prefix. Without it the client uses [`DEFAULT_VENDOR_PREFIX`]
    /// and falls back to [`SAMPLES_VENDOR_PREFIX`] when the login finds no
    /// route there.
    pub fn vendor_path_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.vendor_prefix = Some(prefix.into());
        self
    }

    /// Path prefix of the public API (default `/rest/pub/v1`).
    pub fn public_path_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.public_prefix = prefix.into();
        self
    }

    /// The Brighte API id (`id`) and API secret (`secret`) that open a
    /// session (`POST session`; neither may be empty). Without them the
    /// client can call only the public API.
    pub fn credentials(mut self, id: impl Into<String>, secret: impl Into<String>) -> Self {
        self.parts.credentials = Credentials::new(id, secret);
        self
    }

    /// Brighte answers 401/4010 both for an expired session and for a
    /// request naming an application, quote or user it does not know
    /// ("Invalid application ID."). A refusal logs in again once
    /// (concurrent refusals share it); within `grace` of the login, only the
    /// first such early refusal in a period of `grace` does (a session may
    /// expire early), later ones are taken as the request's: reported, no
    /// new login. So forged webhook notices cost at most one extra login
    /// per `grace` (default
    /// [`FRESH_SESSION_GRACE`](partner_sdk_core::defaults::FRESH_SESSION_GRACE),
    /// 30 s); `Duration::ZERO` logs in again on every refusal.
    pub fn session_refusal_grace(mut self, grace: Duration) -> Self {
        self.refusal_grace = grace;
        self
    }

    partner_sdk_core::http_settings_methods!(parts.settings);

    /// The intent journal payment requests
    /// ([`Client::request_application_payment`]) are written to before they
    /// are sent (none by default), keyed by their application id and
    /// settled by Brighte's answer. A request whose intent cannot be
    /// written, or journalled already, is not sent;
    /// [`Client::recover`] resolves what a dead process left pending.
    /// Brighte's other creates (quote, user, document, callout, secure
    /// code, API credentials) carry no key of the caller's to look them up
    /// by, so they are not journalled. See [`partner_sdk_journal`].
    pub fn journal(mut self, journal: Arc<dyn JournalStore>) -> Self {
        self.parts.journal = Some(journal);
        self
    }

    fn join(base: &partner_sdk_core::Url, prefix: &str, field: &'static str) -> Result<String> {
        let prefix = prefix.trim();
        if !prefix.is_empty() && !prefix.starts_with('/') {
            return Err(Error::invalid(field, "must start with '/'"));
        }
        if prefix.contains(['?', '#']) {
            return Err(Error::invalid(field, "must be a plain path"));
        }
        let mut url = base.clone();
        let path = format!(
            "{}{}",
            base.path().trim_end_matches('/'),
            prefix.trim_end_matches('/')
        );
        url.set_path(&path);
        url.set_query(None);
        Ok(url.to_string())
    }

    fn transport(
        &self,
        base: String,
        http: &partner_sdk_core::reqwest::Client,
    ) -> partner_sdk_core::TransportBuilder {
        // Both transports share one HTTP client (one connection pool).
        Transport::builder(PROVIDER)
            .settings(&self.parts.settings)
            .base_url(base)
            .http_client(http.clone())
            .error_body(BrighteErrorBody)
    }

    /// Validates the configuration and builds the client.
    pub fn build(self) -> Result<Client> {
        let base_url = self.parts.parsed_base_url(PROVIDER)?;
        let join = |prefix: &str, field| Self::join(&base_url, prefix, field);
        let (vendor_base, fallback_base) = match &self.vendor_prefix {
            Some(prefix) => (join(prefix, "vendor_path_prefix")?, None),
            None => (
                join(DEFAULT_VENDOR_PREFIX, "vendor_path_prefix")?,
                Some(join(SAMPLES_VENDOR_PREFIX, "vendor_path_prefix")?),
            ),
        };
        let public_base = join(&self.public_prefix, "public_path_prefix")?;
        // Built without redirects: a 3xx never carries the login or the
        // session headers to another host.
        let http = self.parts.settings.http_client_or_default(&base_url)?;
        let public = self.transport(public_base, &http).build()?;
        let vendor = match self.parts.credentials.checked()? {
            Some((api_id, api_secret)) => {
                let login_timeout = self
                    .parts
                    .settings
                    .timeout
                    .map_or(LOGIN_TIMEOUT, |t| t.min(LOGIN_TIMEOUT));
                // One attempt: its failure is shared by every caller waiting
                // for the session, and the next call logs in again.
                let login_at = |base: &String| {
                    self.transport(base.clone(), &http)
                        .timeout(login_timeout)
                        .retry_policy(partner_sdk_core::RetryPolicy::none())
                        .build()
                };
                let choice = Choice::new(fallback_base.is_some());
                let login = Routes::login(
                    login_at(&vendor_base)?,
                    fallback_base.as_ref().map(login_at).transpose()?,
                    Arc::clone(&choice),
                );
                let creds = Arc::new(LoginCredentials { api_id, api_secret });
                let login_for_auth = login.clone();
                let auth = Arc::new(
                    SessionAuth::new(PROVIDER, move || {
                        let login = login_for_auth.clone();
                        let creds = Arc::clone(&creds);
                        Box::pin(async move {
                            vendor_prefix::login(&login, |transport| {
                                let creds = Arc::clone(&creds);
                                async move { create_session(&transport, &creds).await }
                            })
                            .await
                        })
                    })
                    .with_refusal_grace(self.refusal_grace),
                );
                let api_at = |base: String| {
                    self.transport(base, &http)
                        .auth_shared(auth.clone())
                        .journal(self.parts.journal.clone())
                        .build()
                };
                let api = Routes::api(
                    api_at(vendor_base)?,
                    fallback_base.map(api_at).transpose()?,
                    choice,
                    Arc::clone(&auth),
                );
                Some(Vendor { api, login, auth })
            }
            None => None,
        };
        Ok(Client {
            public,
            vendor,
            base_url: Arc::new(base_url),
        })
    }
}

/// A bodyless request with `Content-Type: application/json`, as every
/// sample request of the documentation carries it.
fn bodyless(request: Request) -> Request {
    request.content_type("application/json")
}

/// A GET with the documented headers.
pub(crate) fn get(operation: &'static str, template: &'static str) -> Request {
    bodyless(Request::get(operation, template))
}

/// A DELETE with the documented headers.
pub(crate) fn delete(operation: &'static str, template: &'static str) -> Request {
    bodyless(Request::delete(operation, template))
}

/// A POST without a body, with the documented headers.
pub(crate) fn post_empty(operation: &'static str, template: &'static str) -> Request {
    bodyless(Request::post(operation, template))
}

struct LoginCredentials {
    api_id: SecretString,
    api_secret: SecretString,
}

#[derive(Serialize)]
struct SessionRequest<'a> {
    #[serde(rename = "apiId")]
    api_id: &'a str,
    #[serde(rename = "apiSecret")]
    api_secret: &'a str,
}

#[derive(Default, Deserialize)]
struct SessionResponse {
    #[serde(
        rename = "sessionKey",
        default,
        deserialize_with = "partner_sdk_core::decode::string"
    )]
    session_key: String,
    #[serde(
        rename = "sessionToken",
        default,
        deserialize_with = "partner_sdk_core::decode::string"
    )]
    session_token: String,
}

async fn create_session(
    login: &Transport,
    creds: &LoginCredentials,
) -> partner_sdk_core::Result<Session> {
    let body = SessionRequest {
        api_id: creds.api_id.expose_secret(),
        api_secret: creds.api_secret.expose_secret(),
    };
    let response: SessionResponse = login
        .send(
            Request::post("create_session", "/session")
                .json(&body)
                // A second session is harmless: a login whose answer was lost
                // or is a 5xx has failed, it is not an unknown outcome.
                .idempotent(true)
                .sensitive_answer(),
        )
        .await
        .map_err(|e| match e {
            // A sensitive answer: the error keeps no body, and no code or
            // message that repeats the session it may carry.
            partner_sdk_core::Error::Api(api) => {
                if api.status().is_success() {
                    partner_sdk_core::Error::auth(
                        PROVIDER,
                        format!(
                            "session answer carries status {}, not 2000",
                            api.code().unwrap_or("?")
                        ),
                        Some(*api),
                    )
                } else if vendor_prefix::is_firewall_refusal(&api) {
                    vendor_prefix::firewall_refusal(api)
                } else if api.status().as_u16() == 401 {
                    partner_sdk_core::Error::auth(
                        PROVIDER,
                        "session refused (invalid API id or secret, or no API access)",
                        Some(*api),
                    )
                } else {
                    partner_sdk_core::Error::Api(api)
                }
            }
            // The body of a session answer carries the session: never keep it.
            partner_sdk_core::Error::Decode(d) => partner_sdk_core::Error::auth(
                PROVIDER,
                format!("session answer ({}) is not valid JSON", d.status()),
                None,
            ),
            other => other,
        })?;
    if response.session_key.is_empty() || response.session_token.is_empty() {
        return Err(partner_sdk_core::Error::auth(
            PROVIDER,
            "session answer has no sessionKey or sessionToken",
            None,
        ));
    }
    Session::from_headers([
        (SESSION_KEY_HEADER, response.session_key.as_str()),
        (SESSION_TOKEN_HEADER, response.session_token.as_str()),
    ])
}

/// The vendor API: its transport, the login transport and the session.
#[derive(Debug, Clone)]
struct Vendor {
    api: Routes,
    login: Routes,
    auth: Arc<SessionAuth>,
}

impl WithOptions for Vendor {
    fn with_options(&self, options: &CallOptions) -> Self {
        Vendor {
            api: self.api.with_options(options.clone()),
            login: self.login.with_options(options.clone()),
            auth: Arc::clone(&self.auth),
        }
    }
}

/// A Brighte client: vendor REST API (with a session) and public API.
///
/// Cheap to clone (shared handles); `Send + Sync`. The session is opened
/// on the first vendor call (one login for any number of concurrent
/// callers), sent as `X-Session-Key`/`X-Session-Token`, and opened again
/// once when Brighte answers 401.
#[derive(Clone)]
pub struct Client {
    public: Transport,
    vendor: Option<Vendor>,
    base_url: Arc<partner_sdk_core::Url>,
}

impl Client {
    /// A builder with the defaults; `base_url` is required.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// The base URL the builder was given (scheme, host and any path before
    /// the vendor and public API prefixes).
    pub fn base_url(&self) -> &partner_sdk_core::Url {
        &self.base_url
    }

    /// True when the client has API credentials (can call the vendor API).
    pub fn has_credentials(&self) -> bool {
        self.vendor.is_some()
    }

    /// Base URL of the vendor REST API (prefix included), if configured:
    /// the prefix in use. Without an explicit prefix that is
    /// [`DEFAULT_VENDOR_PREFIX`] until a login falls back to
    /// [`SAMPLES_VENDOR_PREFIX`].
    pub fn vendor_base_url(&self) -> Option<&partner_sdk_core::Url> {
        self.vendor.as_ref().map(|v| v.api.base_url())
    }

    /// Base URL of the public API (prefix included).
    pub fn public_base_url(&self) -> &partner_sdk_core::Url {
        self.public.base_url()
    }

    fn vendor(&self) -> Result<&Vendor> {
        self.vendor
            .as_ref()
            .ok_or_else(|| Error::Http(no_vendor_api()))
    }

    /// Most pages one listing stream fetches (the builder's `max_pages`).
    pub(crate) fn max_pages(&self) -> u32 {
        self.public.max_pages()
    }

    // `vendor_send` and `public_send` hand back the transport's own future
    // rather than being `async fn`s, which would keep the request twice in
    // every call's future (rust-lang/rust#62958).

    /// The vendor API's future for `request`; it fails at once when this
    /// client has no vendor credentials.
    pub(crate) fn vendor_send<T: DeserializeOwned>(
        &self,
        request: Request,
    ) -> impl Future<Output = partner_sdk_core::Result<T>> + use<'_, T> {
        match &self.vendor {
            Some(vendor) => Either::Left(vendor.api.send(request)),
            None => Either::Right(ready(Err(no_vendor_api()))),
        }
    }

    /// The vendor API's future for a DELETE: `None` when an attempt whose
    /// answer was lost did it ([`partner_sdk_core::Transport::send_delete`]).
    pub(crate) fn vendor_send_delete<T: DeserializeOwned>(
        &self,
        request: Request,
    ) -> impl Future<Output = partner_sdk_core::Result<Option<T>>> + use<'_, T> {
        match &self.vendor {
            Some(vendor) => Either::Left(vendor.api.send_delete(request)),
            None => Either::Right(ready(Err(no_vendor_api()))),
        }
    }

    /// Sends a create through the vendor API's journal, if any (see
    /// [`Transport::send_journalled`]).
    pub(crate) async fn vendor_send_journalled<T, F>(
        &self,
        request: Request,
        outcome: F,
    ) -> partner_sdk_core::Result<T>
    where
        T: DeserializeOwned + Send + 'static,
        F: FnOnce(&partner_sdk_core::Result<T>) -> Option<Outcome> + Send + 'static,
    {
        match &self.vendor {
            Some(vendor) => vendor.api.send_journalled(request, outcome).await,
            None => Err(no_vendor_api()),
        }
    }

    /// The vendor API's journal, if any.
    pub(crate) fn journal(&self) -> Option<&partner_sdk_core::transport::Journal> {
        self.vendor.as_ref().and_then(|v| v.api.journal())
    }

    /// The public API's future for `request`.
    pub(crate) fn public_send<T: DeserializeOwned>(
        &self,
        request: Request,
    ) -> impl Future<Output = partner_sdk_core::Result<T>> + use<'_, T> {
        self.public.send(request)
    }

    /// Opens a session now (`POST session`) instead of on the first call.
    pub async fn login(&self) -> Result<()> {
        let vendor = self.vendor()?;
        vendor.auth.session().await?;
        Ok(())
    }

    /// Ends the current session at Brighte (`DELETE session`) and forgets
    /// it. Returns `false` when there was no open session (nothing sent).
    /// The next vendor call opens a new session.
    pub async fn logout(&self) -> Result<bool> {
        let vendor = self.vendor()?;
        let Some(headers) = vendor.auth.logout() else {
            return Ok(false);
        };
        let mut request = delete("logout", "/session");
        for (name, value) in &headers {
            let name: HeaderName = name.clone();
            let value: HeaderValue = value.clone();
            request = request.header(name, value);
        }
        vendor.login.send_empty(request).await?;
        Ok(true)
    }
}

partner_sdk_core::provider_client! {
    /// A view of this client whose calls, vendor and public alike, use
    /// `options` (timeout, retry policy, extra headers)
    /// over the client's settings. It shares the connection pool, the
    /// session and the hooks, so it is as cheap as a clone. Creates stay
    /// single-shot whatever retry policy the options carry, and the session
    /// headers cannot be replaced; a login the call triggers is shared with
    /// every other call and keeps the client's settings. See
    /// [`CallOptions`](partner_sdk_core::CallOptions) for the other rules.
    ///
    /// ```no_run
    /// # async fn demo(brighte: partner_sdk_brighte::Client) -> partner_sdk_brighte::Result<()> {
    /// use partner_sdk_core::CallOptions;
    ///
    /// let traced = CallOptions::new().with_header("x-correlation-id", "job-17")?;
    /// let accounts = brighte.with_options(traced).list_accounts().await?;
    /// # let _ = accounts;
    /// # Ok(()) }
    /// ```
    Client { public, vendor; base_url }
}

/// The error of a vendor call on a client built without vendor credentials.
fn no_vendor_api() -> partner_sdk_core::Error {
    partner_sdk_core::Error::config(
        "brighte: the vendor REST API needs credentials (API id and secret); \
         this client can call only the public API",
    )
}
