//! [`TransportBuilder`]: a provider's settings, base URL, auth and error
//! shape, validated into a [`Transport`].

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use partner_sdk_journal::JournalStore;
use reqwest::header::{ACCEPT, HeaderMap, HeaderName, HeaderValue, USER_AGENT};
use url::Url;

use super::path::{no_path, segment_count};
use super::{Inner, Transport};
use crate::auth::{Auth, NoAuth};
use crate::defaults::{DEFAULT_CONNECT_TIMEOUT, USER_AGENT_VALUE};
use crate::error::{Error, Result};
use crate::error_body::{ErrorBody, GenericErrorBody};
use crate::exchange::{default_http_client, require_tls};
use crate::hooks::Hooks;
use crate::retry::RetryPolicy;
use crate::settings::HttpSettings;

/// Configures a [`Transport`].
pub struct TransportBuilder {
    provider: &'static str,
    base_url: Option<String>,
    settings: HttpSettings,
    default_headers: Vec<(String, String)>,
    auth: Arc<dyn Auth>,
    errors: Arc<dyn ErrorBody>,
    journal: Option<Arc<dyn JournalStore>>,
}

impl fmt::Debug for TransportBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TransportBuilder")
            .field("provider", &self.provider)
            .field(
                "base_url",
                &self
                    .base_url
                    .as_deref()
                    .map(crate::secret::without_userinfo),
            )
            .field("settings", &self.settings)
            .field("auth", &self.auth)
            .field("journal", &self.journal.is_some())
            .finish_non_exhaustive()
    }
}

impl TransportBuilder {
    /// A builder for `provider` (used in errors and spans).
    pub fn new(provider: &'static str) -> Self {
        TransportBuilder {
            provider,
            base_url: None,
            settings: HttpSettings::default(),
            default_headers: Vec::new(),
            auth: Arc::new(NoAuth),
            errors: Arc::new(GenericErrorBody),
            journal: None,
        }
    }

    /// Base URL; its path (e.g. `/v1.1`) prefixes every request path.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// Takes every setting `settings` gives (the ones it leaves unset keep
    /// this builder's value).
    pub fn settings(mut self, settings: &HttpSettings) -> Self {
        self.settings = settings.merged_over(&self.settings);
        self
    }

    /// Uses this `reqwest::Client`: an injected one (its own TLS, connect
    /// timeout and redirect settings apply; the per-attempt timeout is still
    /// applied by the SDK), or one shared with another transport of the same
    /// provider client (one set of connection pools).
    ///
    /// The SDK cannot change the redirect policy of a client it did not
    /// build. Build it with `reqwest::redirect::Policy::none()` (as
    /// [`default_http_client`] does) so that a 3xx reaches the SDK and becomes
    /// [`Error::Redirect`]. A client that follows redirects re-sends the
    /// request, credential headers and body included, to the host a
    /// `Location` names before the SDK sees the answer; the SDK then refuses
    /// that answer with [`Error::Redirect`], but cannot take back what was sent.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.settings.http = Some(client);
        self
    }

    /// Connect timeout for the client this builder creates (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.settings.connect_timeout = Some(timeout);
        self
    }

    /// Per-attempt timeout (default 30 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.settings.timeout = Some(timeout);
        self
    }

    /// Retry policy (default: 3 attempts, 0.5 s base, 20 s cap).
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.settings.retry = Some(policy);
        self
    }

    /// Appended to the `partner-sdk/<version>` user agent.
    pub fn user_agent_suffix(mut self, suffix: impl Into<String>) -> Self {
        self.settings.user_agent_suffix = Some(suffix.into());
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

    /// The intent journal [`Transport::send_journalled`] writes every create
    /// to before sending it (none by default: creates are sent as they are).
    pub fn journal(mut self, journal: Option<Arc<dyn JournalStore>>) -> Self {
        self.journal = journal;
        self
    }

    /// Observer of every attempt.
    pub fn hooks(mut self, hooks: Arc<dyn Hooks>) -> Self {
        self.settings.hooks = Some(hooks);
        self
    }

    /// Largest answer read, in bytes (default 32 MiB).
    pub fn max_response_body(mut self, bytes: u64) -> Self {
        self.settings.max_response_body = Some(bytes);
        self
    }

    /// Most pages one listing stream fetches (default 10 000; at least 1).
    pub fn max_pages(mut self, pages: u32) -> Self {
        self.settings.max_pages = Some(pages);
        self
    }

    /// Validates the configuration and builds the transport.
    pub fn build(self) -> Result<Transport> {
        let raw = self
            .base_url
            .ok_or_else(|| Error::config(format!("{}: base_url is required", self.provider)))?;
        let base = parse_base_url(&raw)?;
        if self.auth.sends_credentials() {
            self.settings
                .check_credentials_url(self.provider, "base_url", &base)?;
        }
        let http = match &self.settings.http {
            Some(http) => http.clone(),
            None => {
                require_tls(&base)?;
                default_http_client(
                    self.settings
                        .connect_timeout
                        .unwrap_or(DEFAULT_CONNECT_TIMEOUT),
                )?
            }
        };
        let mut headers = HeaderMap::new();
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        let ua = match &self.settings.user_agent_suffix {
            Some(s) => format!("{USER_AGENT_VALUE} {s}"),
            None => USER_AGENT_VALUE.to_owned(),
        };
        headers.insert(
            USER_AGENT,
            HeaderValue::from_str(&ua)
                .map_err(|_| Error::config("user agent suffix is not a valid header"))?,
        );
        for (name, value) in &self.default_headers {
            let n = HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| Error::config(format!("bad header name {name:?}")))?;
            let v = HeaderValue::from_str(value)
                .map_err(|_| Error::config(format!("bad value for header {name}")))?;
            headers.insert(n, v);
        }
        let journal = self.journal.map(|store| {
            super::Journal::new(
                store,
                self.settings.journal_timeout(),
                self.settings.timeout(),
                self.settings.retry(),
                self.auth.login_deadline(),
            )
        });
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
                settings: self.settings,
                headers,
                auth: self.auth,
                errors: self.errors,
                journal,
            }),
            options: None,
        })
    }
}

/// Parses and checks a base URL: absolute http(s), able to carry a path,
/// and without user info (a password in a URL ends up in logs and proxies;
/// credentials go through the builder's `credentials`). An error never
/// repeats a password the URL holds.
pub fn parse_base_url(raw: &str) -> Result<Url> {
    let shown = crate::secret::without_userinfo(raw.trim());
    let url = Url::parse(raw.trim()).map_err(|e| Error::config(format!("URL {shown:?}: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") || url.cannot_be_a_base() {
        return Err(Error::config(format!(
            "URL {shown:?} must be an absolute http(s) URL"
        )));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Error::config(format!(
            "URL {shown:?} carries a user name or password: give credentials to the builder's `credentials` instead"
        )));
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn a_url_with_user_info_is_refused_without_repeating_the_password() {
        for raw in [
            "https://user:hunter2@api.example/v1",
            "http://:hunter2@127.0.0.1:9",
            "https://user@api.example",
        ] {
            let builder = Transport::builder("demo").base_url(raw);
            assert!(!format!("{builder:?}").contains("hunter2"));
            let err = builder.build().unwrap_err();
            assert!(matches!(err, Error::Config(_)), "{err:?}");
            let shown = format!("{err} {err:?}");
            assert!(!shown.contains("hunter2"), "{shown}");
            assert!(shown.contains("user name or password"), "{shown}");
        }
        // Not even when the URL does not parse.
        let err = parse_base_url("htp://u:hunter2@[bad").unwrap_err();
        assert!(!err.to_string().contains("hunter2"), "{err}");
    }

    #[test]
    fn settings_given_later_override_only_what_they_set() {
        let t = Transport::builder("demo")
            .base_url("http://127.0.0.1:9")
            .timeout(Duration::from_secs(5))
            .max_pages(7)
            .settings(&HttpSettings {
                timeout: Some(Duration::from_secs(9)),
                ..HttpSettings::default()
            })
            .build()
            .unwrap();
        assert_eq!(t.inner.settings.timeout(), Duration::from_secs(9));
        assert_eq!(t.max_pages(), 7);
    }
}
