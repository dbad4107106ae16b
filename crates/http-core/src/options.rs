//! Options for one call: timeout, retry policy and extra
//! headers, without building a second client.
//!
//! A provider `Client::with_options(CallOptions)` returns a view of the
//! client that shares its connection pool, credential cache (token or
//! session) and hooks, and applies the options to every request made
//! through the view. The view is as cheap as a clone; drop it after the call.
//!
//! Options never weaken the SDK's rules:
//!
//! - a request that is not idempotent (a POST that creates something) is
//!   sent once whatever [`RetryPolicy`] the options carry; only a connection
//!   that failed before anything was sent is tried again, as without options;
//! - extra headers add to a request, never replace one the SDK sets: the
//!   credentials the provider's auth adds (`Authorization`, DT One's
//!   `X-TransferTo-*`, Brighte's `X-Session-*`), the client's default headers
//!   (`User-Agent`, `Accept`, the promotion API's `appname`) and the request's
//!   own headers. A colliding header fails the call with
//!   [`Error::InvalidInput`] before its request is sent;
//! - the response body cap, error mapping and secret handling are unchanged;
//! - the token or session fetch a call may trigger is shared with every other
//!   call, so it keeps the client's own settings;
//! - a call's own connect timeout is not offered: reqwest sets the connect
//!   timeout on its connection pool, and a per-call one would need a second
//!   pool and a thread-local read by a connector layer. The per-attempt
//!   timeout ([`CallOptions::with_timeout`]) bounds connect, send and read.

use std::fmt;
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};

use crate::error::{Error, Result};
use crate::retry::RetryPolicy;

/// Header names no call may add: hop-by-hop and framing headers the HTTP
/// stack owns, content negotiation the decoder relies on, and credentials.
pub const REFUSED_HEADERS: [&str; 16] = [
    "connection",
    "keep-alive",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "host",
    "content-length",
    "content-type",
    "expect",
    "accept",
    "accept-encoding",
    "user-agent",
    "authorization",
    "proxy-authorization",
];

/// Cookies carry credentials as well; checked apart so that the list above
/// stays about headers with one fixed meaning.
const CREDENTIAL_HEADERS: [&str; 1] = ["cookie"];

/// Options for the calls made through a `Client::with_options` view.
///
/// Every setting is optional; an unset one keeps the client's value.
/// Applying options to a view that already has some merges them: set values
/// of the newer options win, headers accumulate.
///
/// ```
/// use std::time::Duration;
/// use partner_sdk_core::{CallOptions, RetryPolicy};
///
/// let options = CallOptions::new()
///     .with_timeout(Duration::from_secs(90))
///     .with_retry_policy(RetryPolicy::none())
///     .with_header("x-correlation-id", "order-1001")?;
/// assert_eq!(options.timeout(), Some(Duration::from_secs(90)));
/// // Credentials and framing headers are refused.
/// assert!(CallOptions::new().with_header("Authorization", "Bearer x").is_err());
/// # Ok::<(), partner_sdk_core::Error>(())
/// ```
#[derive(Clone, Default)]
#[non_exhaustive]
pub struct CallOptions {
    timeout: Option<Duration>,
    retry: Option<RetryPolicy>,
    headers: HeaderMap,
}

impl fmt::Debug for CallOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Header values are the caller's and may be confidential: names only.
        f.debug_struct("CallOptions")
            .field("timeout", &self.timeout)
            .field("retry", &self.retry)
            .field("headers", &self.headers.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl CallOptions {
    /// No overrides: the client's settings apply.
    pub fn new() -> Self {
        Self::default()
    }

    /// Per-attempt timeout (connect, send and read the whole answer) of
    /// these calls.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Retry policy of these calls. A request that is not idempotent is
    /// still sent once, whatever the policy.
    pub fn with_retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }

    /// Adds a header to every request of these calls (a correlation id, for
    /// one). A second value for the same name replaces the first.
    ///
    /// Refused with [`Error::InvalidInput`]: an invalid name or value, and
    /// the names in [`REFUSED_HEADERS`] and `Cookie`. A header the SDK sets
    /// on a given call (credentials, the client's default headers) is
    /// refused when that call is made, before its request is sent.
    pub fn with_header(mut self, name: &str, value: &str) -> Result<Self> {
        let header = HeaderName::from_bytes(name.as_bytes()).map_err(|_| {
            Error::invalid_input("header", format!("{name:?} is not a valid header name"))
        })?;
        if REFUSED_HEADERS
            .iter()
            .chain(CREDENTIAL_HEADERS.iter())
            .any(|refused| header.as_str() == *refused)
        {
            return Err(Error::invalid_input(
                "header",
                format!("{header} is set by the SDK or the HTTP stack and cannot be added"),
            ));
        }
        let value = HeaderValue::from_str(value).map_err(|_| {
            Error::invalid_input(
                "header",
                format!("the value of {header} is not a valid header value"),
            )
        })?;
        self.headers.insert(header, value);
        Ok(self)
    }

    /// The per-attempt timeout, if set.
    pub fn timeout(&self) -> Option<Duration> {
        self.timeout
    }

    /// The retry policy, if set.
    pub fn retry_policy(&self) -> Option<RetryPolicy> {
        self.retry
    }

    /// The extra headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// `self` applied over `base`: set values of `self` win, headers accumulate.
    pub(crate) fn merged_over(&self, base: Option<&CallOptions>) -> CallOptions {
        let Some(base) = base else {
            return self.clone();
        };
        let mut headers = base.headers.clone();
        for (name, value) in &self.headers {
            headers.insert(name.clone(), value.clone());
        }
        CallOptions {
            timeout: self.timeout.or(base.timeout),
            retry: self.retry.or(base.retry),
            headers,
        }
    }

    /// The extra headers for one request, refusing any name the SDK already
    /// sets on it (`sdk_headers`: default, request and credential headers).
    pub(crate) fn extra_headers<'a>(
        &self,
        sdk_headers: impl IntoIterator<Item = &'a HeaderMap>,
    ) -> Result<HeaderMap> {
        if self.headers.is_empty() {
            return Ok(HeaderMap::new());
        }
        for set in sdk_headers {
            if let Some(name) = self.headers.keys().find(|name| set.contains_key(*name)) {
                return Err(Error::invalid_input(
                    "header",
                    format!("{name} is set by the SDK on this call and cannot be replaced"),
                ));
            }
        }
        Ok(self.headers.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refused_headers_are_refused_in_any_case() {
        for name in REFUSED_HEADERS.iter().chain(CREDENTIAL_HEADERS.iter()) {
            let upper = name.to_ascii_uppercase();
            let err = CallOptions::new().with_header(&upper, "x").unwrap_err();
            assert!(
                matches!(&err, Error::InvalidInput(e) if e.field == "header"),
                "{name}: {err}"
            );
        }
        assert!(CallOptions::new().with_header("bad name", "x").is_err());
        assert!(
            CallOptions::new()
                .with_header("x-ok", "line\nbreak")
                .is_err()
        );
        let ok = CallOptions::new()
            .with_header("X-Correlation-Id", "abc")
            .unwrap();
        assert_eq!(ok.headers()["x-correlation-id"], "abc");
    }

    #[test]
    fn debug_shows_header_names_not_values() {
        let o = CallOptions::new()
            .with_header("x-tenant-token", "confidential-value")
            .unwrap();
        let dbg = format!("{o:?}");
        assert!(dbg.contains("x-tenant-token"), "{dbg}");
        assert!(!dbg.contains("confidential-value"), "{dbg}");
    }

    #[test]
    fn newer_options_win_and_headers_accumulate() {
        let base = CallOptions::new()
            .with_timeout(Duration::from_secs(1))
            .with_retry_policy(RetryPolicy::none())
            .with_header("x-a", "1")
            .unwrap()
            .with_header("x-b", "1")
            .unwrap();
        let newer = CallOptions::new()
            .with_timeout(Duration::from_secs(2))
            .with_header("x-b", "2")
            .unwrap();
        let merged = newer.merged_over(Some(&base));
        assert_eq!(merged.timeout(), Some(Duration::from_secs(2)));
        assert_eq!(merged.retry_policy(), Some(RetryPolicy::none()));
        assert_eq!(merged.headers()["x-a"], "1");
        assert_eq!(merged.headers()["x-b"], "2");
    }

    #[test]
    fn extra_headers_never_replace_sdk_headers() {
        let o = CallOptions::new()
            .with_header("x-transferto-nonce", "1")
            .unwrap();
        let mut creds = HeaderMap::new();
        creds.insert("x-transferto-nonce", HeaderValue::from_static("2"));
        let err = o.extra_headers([&HeaderMap::new(), &creds]).unwrap_err();
        assert!(err.to_string().contains("x-transferto-nonce"), "{err}");
        let extra = o.extra_headers([&HeaderMap::new()]).unwrap();
        assert_eq!(extra["x-transferto-nonce"], "1");
    }
}
