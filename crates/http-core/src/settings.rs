//! The HTTP settings every provider builder offers, stored once.
//!
//! A provider `ClientBuilder` holds an [`HttpSettings`], gets the setter
//! methods from [`http_settings_methods!`](crate::http_settings_methods) and
//! hands it to each transport it builds
//! ([`TransportBuilder::settings`](crate::transport::TransportBuilder::settings)); the
//! transport keeps it as given and reads the defaults of
//! [`defaults`](crate::defaults) for what it leaves unset. A call's
//! [`CallOptions`](crate::options::CallOptions) are layered over it per call.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use url::Url;

use crate::defaults::{
    DEFAULT_CONNECT_TIMEOUT, DEFAULT_JOURNAL_TIMEOUT, DEFAULT_MAX_PAGES, DEFAULT_MAX_RESPONSE_BODY,
    DEFAULT_TIMEOUT,
};
use crate::error::Result;
use crate::exchange::{default_http_client, require_tls};
use crate::hooks::Hooks;
use crate::retry::RetryPolicy;

/// Transport settings a user may override; `None` keeps http-core's default.
#[derive(Clone, Default)]
#[non_exhaustive]
pub struct HttpSettings {
    /// An injected `reqwest::Client` (its own TLS and connect settings apply).
    pub http: Option<reqwest::Client>,
    /// Per-attempt timeout (default 30 s).
    pub timeout: Option<Duration>,
    /// Connect timeout of a client the transport creates (default 10 s).
    pub connect_timeout: Option<Duration>,
    /// Retry policy for idempotent calls.
    pub retry: Option<RetryPolicy>,
    /// Appended to the `partner-sdk/<version>` user agent.
    pub user_agent_suffix: Option<String>,
    /// Observer of every attempt.
    pub hooks: Option<Arc<dyn Hooks>>,
    /// Largest answer read, in bytes (default 32 MiB).
    pub max_response_body: Option<u64>,
    /// Most pages one listing stream fetches (default 10 000).
    pub max_pages: Option<u32>,
    /// Bound on each call to the intent journal (default 10 s).
    pub journal_timeout: Option<Duration>,
    /// Lets credentials (a client secret, a token, a session, a signed key)
    /// go over plain `http` to a host that is not loopback. Off by default:
    /// such a URL is refused at `build()`.
    pub allow_http_credentials: bool,
}

impl fmt::Debug for HttpSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpSettings")
            .field("custom_http_client", &self.http.is_some())
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("retry", &self.retry)
            .field("user_agent_suffix", &self.user_agent_suffix)
            .field("hooks", &self.hooks.is_some())
            .field("max_response_body", &self.max_response_body)
            .field("max_pages", &self.max_pages)
            .field("journal_timeout", &self.journal_timeout)
            .field("allow_http_credentials", &self.allow_http_credentials)
            .finish()
    }
}

impl HttpSettings {
    /// The per-attempt timeout.
    pub fn timeout(&self) -> Duration {
        self.timeout.unwrap_or(DEFAULT_TIMEOUT)
    }

    /// The retry policy.
    pub fn retry(&self) -> RetryPolicy {
        self.retry.unwrap_or_default()
    }

    /// The largest answer read, in bytes.
    pub fn max_response_body(&self) -> u64 {
        self.max_response_body.unwrap_or(DEFAULT_MAX_RESPONSE_BODY)
    }

    /// The most pages one listing stream fetches (at least 1).
    pub fn max_pages(&self) -> u32 {
        self.max_pages.unwrap_or(DEFAULT_MAX_PAGES).max(1)
    }

    /// The bound on each call to the intent journal.
    pub fn journal_timeout(&self) -> Duration {
        self.journal_timeout.unwrap_or(DEFAULT_JOURNAL_TIMEOUT)
    }

    /// `self` over `base`: what `self` sets wins, the rest is `base`'s.
    pub(crate) fn merged_over(&self, base: &HttpSettings) -> HttpSettings {
        HttpSettings {
            http: self.http.clone().or_else(|| base.http.clone()),
            timeout: self.timeout.or(base.timeout),
            connect_timeout: self.connect_timeout.or(base.connect_timeout),
            retry: self.retry.or(base.retry),
            user_agent_suffix: self
                .user_agent_suffix
                .clone()
                .or_else(|| base.user_agent_suffix.clone()),
            hooks: self.hooks.clone().or_else(|| base.hooks.clone()),
            max_response_body: self.max_response_body.or(base.max_response_body),
            max_pages: self.max_pages.or(base.max_pages),
            journal_timeout: self.journal_timeout.or(base.journal_timeout),
            allow_http_credentials: self.allow_http_credentials || base.allow_http_credentials,
        }
    }

    /// Refuses a URL that credentials would reach in clear text: `http` to
    /// a host that is not loopback (`127.0.0.0/8`, `::1`, `localhost`),
    /// unless [`allow_http_credentials`](Self::allow_http_credentials) is
    /// set. `field` names the builder setting in the error.
    pub fn check_credentials_url(
        &self,
        provider: &'static str,
        field: &'static str,
        url: &Url,
    ) -> Result<()> {
        if url.scheme() != "http" || self.allow_http_credentials || is_loopback(url) {
            return Ok(());
        }
        Err(crate::error::Error::config(format!(
            "{provider}: {field} would send credentials in clear text (http) to {}; use https, \
                 or allow_http_credentials() on a network you control",
            url.host_str().unwrap_or("?")
        )))
    }

    /// The injected client, or a new one with the configured connect
    /// timeout and no redirects ([`default_http_client`]), for a provider
    /// that shares one client between several transports under `base`
    /// ([`TransportBuilder::http_client`](crate::transport::TransportBuilder::http_client)).
    /// A new client for an `https` base needs a TLS feature
    /// ([`require_tls`]), as in `TransportBuilder::build`.
    pub fn http_client_or_default(&self, base: &Url) -> Result<reqwest::Client> {
        match &self.http {
            Some(http) => Ok(http.clone()),
            None => {
                require_tls(base)?;
                default_http_client(self.connect_timeout.unwrap_or(DEFAULT_CONNECT_TIMEOUT))
            }
        }
    }
}

/// True for a URL whose host is this machine.
fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(name)) => {
            let name = name.trim_end_matches('.').to_ascii_lowercase();
            name == "localhost" || name.ends_with(".localhost")
        }
        None => false,
    }
}

/// Generates the HTTP setting methods of a provider `ClientBuilder` whose
/// [`HttpSettings`] is at `self.$field` (a field, or a path such as
/// `parts.settings`).
#[macro_export]
macro_rules! http_settings_methods {
    ($($field:ident).+) => {
        /// Uses this `reqwest::Client` (its own TLS, connect-timeout and
        /// redirect settings apply; the per-attempt timeout is still set on
        /// every request).
        ///
        /// The SDK never follows a redirect: the clients it builds use
        /// `reqwest::redirect::Policy::none()` and a 3xx becomes
        /// `Error::Redirect`. It cannot change the policy of an injected
        /// client: build yours with `Policy::none()` too. A client that
        /// follows redirects itself re-sends the request (credential headers,
        /// login and token bodies included) to whatever host a `Location`
        /// names before the SDK sees the answer; the SDK then refuses that
        /// answer with `Error::Redirect`, but what was sent is gone.
        /// Start from `partner_sdk_core::exchange::http_client_builder()`,
        /// which has the SDK's TLS and `Policy::none()` already.
        pub fn http_client(mut self, client: $crate::reqwest::Client) -> Self {
            self.$($field).+.http = Some(client);
            self
        }

        /// Per-attempt timeout: connect, send and read the whole answer (default 30 s).
        pub fn timeout(mut self, timeout: ::std::time::Duration) -> Self {
            self.$($field).+.timeout = Some(timeout);
            self
        }

        /// Connect timeout of the HTTP client the builder creates (default 10 s;
        /// not used with [`http_client`](Self::http_client)).
        pub fn connect_timeout(mut self, timeout: ::std::time::Duration) -> Self {
            self.$($field).+.connect_timeout = Some(timeout);
            self
        }

        /// Retry policy for idempotent calls (default: 3 attempts, full-jitter
        /// backoff from 0.5 s, capped at 20 s). Calls that create something are
        /// never resent, whatever the policy.
        pub fn retry_policy(mut self, policy: $crate::RetryPolicy) -> Self {
            self.$($field).+.retry = Some(policy);
            self
        }

        /// Appended to the `partner-sdk/<version>` user agent.
        pub fn user_agent_suffix(mut self, suffix: impl Into<String>) -> Self {
            self.$($field).+.user_agent_suffix = Some(suffix.into());
            self
        }

        /// Observer of every attempt (metrics, audit); sees no body and no secret.
        pub fn hooks(mut self, hooks: ::std::sync::Arc<dyn $crate::Hooks>) -> Self {
            self.$($field).+.hooks = Some(hooks);
            self
        }

        /// Largest answer read, in bytes (default 32 MiB). A larger
        /// `Content-Length` is refused before reading and a longer stream is
        /// cut at the limit: `Error::ResponseTooLarge` naming the limit.
        pub fn max_response_body(mut self, bytes: u64) -> Self {
            self.$($field).+.max_response_body = Some(bytes);
            self
        }

        /// Most pages one listing stream fetches (default 10 000; at least 1).
        /// A listing that still has more after that many pages ends with
        /// `Error::Pagination`.
        pub fn max_pages(mut self, pages: u32) -> Self {
            self.$($field).+.max_pages = Some(pages);
            self
        }

        /// Bound on each call to the intent journal (default 10 s): a
        /// `begin` not answered in time is an error and the create is not
        /// sent; a `settle` not answered in time leaves the intent pending
        /// for a recovery, and the answer is returned all the same.
        pub fn journal_timeout(mut self, timeout: ::std::time::Duration) -> Self {
            self.$($field).+.journal_timeout = Some(timeout);
            self
        }

        /// Lets credentials go over plain `http` to a host that is not
        /// loopback (a test network you control). Without it, `build()`
        /// refuses such a URL for the API or the token endpoint: the client
        /// secret or token would cross the network in clear text. Loopback
        /// (the sandbox) needs no opt-in.
        pub fn allow_http_credentials(mut self) -> Self {
            self.$($field).+.allow_http_credentials = true;
            self
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Error;
    use crate::exchange::TLS;

    #[test]
    fn credentials_over_http_go_to_loopback_only_unless_allowed() {
        let settings = HttpSettings::default();
        for ok in [
            "https://api.example",
            "http://127.0.0.1:8080",
            "http://[::1]:9",
            "http://localhost/x",
            "http://sandbox.localhost",
        ] {
            let url = Url::parse(ok).unwrap();
            assert!(
                settings
                    .check_credentials_url("demo", "token_url", &url)
                    .is_ok(),
                "{ok}"
            );
        }
        let url = Url::parse("http://auth.example/token").unwrap();
        let err = settings
            .check_credentials_url("demo", "token_url", &url)
            .unwrap_err();
        assert!(err.to_string().contains("token_url"), "{err}");
        let allowed = HttpSettings {
            allow_http_credentials: true,
            ..HttpSettings::default()
        };
        assert!(
            allowed
                .check_credentials_url("demo", "token_url", &url)
                .is_ok()
        );
    }

    #[test]
    fn https_needs_a_tls_feature_and_http_does_not() {
        let https = Url::parse("https://api.example/v1").unwrap();
        let result = require_tls(&https);
        assert_eq!(result.is_ok(), TLS);
        if let Err(e) = result {
            assert!(matches!(e, Error::Config(_)));
            assert!(e.to_string().contains("enable the `rustls`"), "{e}");
        }
        assert!(require_tls(&Url::parse("http://127.0.0.1:8080").unwrap()).is_ok());
    }

    #[test]
    fn debug_names_settings_without_client_internals() {
        let s = HttpSettings {
            timeout: Some(Duration::from_secs(5)),
            ..HttpSettings::default()
        };
        let dbg = format!("{s:?}");
        assert!(dbg.contains("timeout: Some(5s)"), "{dbg}");
        assert!(dbg.contains("custom_http_client: false"), "{dbg}");
    }
}
