//! The HTTP settings every provider builder offers, kept in one place.
//!
//! A provider `ClientBuilder` holds an [`HttpSettings`], gets the setter
//! methods from [`http_settings_methods!`](crate::http_settings_methods) and
//! calls [`HttpSettings::apply`] on each [`TransportBuilder`] it builds.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use url::Url;

use crate::error::{Error, Result};
use crate::http_client::HttpClient;
use crate::retry::RetryPolicy;
use crate::transport::{DEFAULT_CONNECT_TIMEOUT, Hooks, TransportBuilder};

/// True when this build can speak TLS (feature `rustls` or `native-tls`).
/// Without either, a client is HTTP-only: see [`require_tls`].
pub const TLS: bool = cfg!(any(feature = "rustls", feature = "native-tls"));

/// Refuses an `https` URL in a build without TLS, so that a client built
/// for one fails at `build()` with a clear [`Error::Config`] rather than on
/// its first call. Used when the SDK creates the HTTP client itself; an
/// injected `reqwest::Client` brings its own TLS.
pub fn require_tls(url: &Url) -> Result<()> {
    if url.scheme() == "https" && !TLS {
        return Err(Error::Config(
            format!(
                "{url} needs TLS, and this build has none: enable the `rustls` or `native-tls` feature"
            )
            .into(),
        ));
    }
    Ok(())
}

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
            .finish()
    }
}

impl HttpSettings {
    /// Applies every setting that was given to `builder`.
    pub fn apply(&self, mut builder: TransportBuilder) -> TransportBuilder {
        if let Some(http) = &self.http {
            builder = builder.http_client(http.clone());
        }
        if let Some(t) = self.timeout {
            builder = builder.timeout(t);
        }
        if let Some(t) = self.connect_timeout {
            builder = builder.connect_timeout(t);
        }
        if let Some(r) = self.retry {
            builder = builder.retry_policy(r);
        }
        if let Some(s) = &self.user_agent_suffix {
            builder = builder.user_agent_suffix(s.clone());
        }
        if let Some(h) = &self.hooks {
            builder = builder.hooks(Arc::clone(h));
        }
        if let Some(n) = self.max_response_body {
            builder = builder.max_response_body(n);
        }
        if let Some(n) = self.max_pages {
            builder = builder.max_pages(n);
        }
        builder
    }

    /// The injected client, or a new one with the configured connect
    /// timeout and no redirects ([`HttpClient::built`]), for a provider that
    /// shares one client between several transports under `base`
    /// ([`TransportBuilder::shared_http_client`]). A new client for an
    /// `https` base needs a TLS feature ([`require_tls`]), as in
    /// `TransportBuilder::build`.
    pub fn http_client_or_default(&self, base: &Url) -> crate::Result<HttpClient> {
        match &self.http {
            Some(http) => Ok(HttpClient::injected(http.clone())),
            None => {
                require_tls(base)?;
                HttpClient::built(self.connect_timeout.unwrap_or(DEFAULT_CONNECT_TIMEOUT))
            }
        }
    }
}

/// Generates the HTTP setting methods of a provider `ClientBuilder` whose
/// [`HttpSettings`] field is named `$field`.
#[macro_export]
macro_rules! http_settings_methods {
    ($field:ident) => {
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
        pub fn http_client(mut self, client: $crate::reqwest::Client) -> Self {
            self.$field.http = Some(client);
            self
        }

        /// Per-attempt timeout: connect, send and read the whole answer (default 30 s).
        pub fn timeout(mut self, timeout: ::std::time::Duration) -> Self {
            self.$field.timeout = Some(timeout);
            self
        }

        /// Connect timeout of the HTTP client the builder creates (default 10 s;
        /// not used with [`http_client`](Self::http_client)).
        pub fn connect_timeout(mut self, timeout: ::std::time::Duration) -> Self {
            self.$field.connect_timeout = Some(timeout);
            self
        }

        /// Retry policy for idempotent calls (default: 3 attempts, full-jitter
        /// backoff from 0.5 s, capped at 20 s). Calls that create something are
        /// never resent, whatever the policy.
        pub fn retry_policy(mut self, policy: $crate::RetryPolicy) -> Self {
            self.$field.retry = Some(policy);
            self
        }

        /// Appended to the `partner-sdk/<version>` user agent.
        pub fn user_agent_suffix(mut self, suffix: impl Into<String>) -> Self {
            self.$field.user_agent_suffix = Some(suffix.into());
            self
        }

        /// Observer of every attempt (metrics, audit); sees no body and no secret.
        pub fn hooks(mut self, hooks: ::std::sync::Arc<dyn $crate::Hooks>) -> Self {
            self.$field.hooks = Some(hooks);
            self
        }

        /// Largest answer read, in bytes (default 32 MiB). A larger
        /// `Content-Length` is refused before reading and a longer stream is
        /// cut at the limit: `Error::ResponseTooLarge` naming the limit.
        pub fn max_response_body(mut self, bytes: u64) -> Self {
            self.$field.max_response_body = Some(bytes);
            self
        }

        /// Most pages one listing stream fetches (default 10 000; at least 1).
        /// A listing that still has more after that many pages ends with
        /// `Error::Pagination`.
        pub fn max_pages(mut self, pages: u32) -> Self {
            self.$field.max_pages = Some(pages);
            self
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_needs_a_tls_feature_and_http_does_not() {
        let https = Url::parse("https://api.example/v1").unwrap();
        let result = require_tls(&https);
        assert_eq!(result.is_ok(), TLS);
        if let Err(e) = result {
            assert!(matches!(e, Error::Config(_)));
            assert!(e.to_string().contains("`rustls` or `native-tls`"), "{e}");
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
