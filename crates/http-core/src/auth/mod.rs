//! Authentication strategies.
//!
//! An [`Auth`] gives each attempt the headers that authorise it. Strategies
//! that log in (`ClientCredentials`, `SessionAuth`) keep what they get in
//! a `CredentialCache`: single-flight (N concurrent callers share one login
//! attempt and its result, failure included), bounded by a deadline (10 s by
//! default), refreshed `max(30 s, 10 % of lifetime)` before expiry (never
//! more than half the lifetime early; a failed early refresh keeps the
//! still-valid credential), lifetimes clamped to 24 hours, and invalidated
//! when the provider answers 401 so that the transport can log in again once.
//!
//! A strategy that must call an endpoint of its own (a token endpoint) is
//! handed the transport's HTTP client on each [`Auth::authorize`], and sends
//! through the same [exchange](crate::exchange) as every API call.
//!
//! Every strategy but [`NoAuth`] and [`BasicAuth`] is behind a cargo feature
//! of this crate (all on by default), turned on by the providers that use
//! it, so that an application compiles only the ones its providers need;
//! `CredentialCache` is there with `oauth2` or `session`.
//!
//! | strategy | feature | file | used by |
//! |---|---|---|---|
//! | [`NoAuth`] | | here | public endpoints |
//! | `ClientCredentials` | `oauth2` | `oauth2.rs` | OAuth2 client credentials (BBTI, trade-in promotion) |
//! | `SessionAuth` | `session` | `session.rs` | a provider login function (Brighte) |
//! | `HmacNonceAuth` | `signatures` | `hmac.rs` | per-request key, nonce and signature (DT One Goods & Services) |
//! | [`BasicAuth`] | | `basic.rs` | HTTP Basic user and password (DT One DVS) |

// The strategies behind a feature are named above, not linked: a link to one
// would break the docs of a build without its feature.

use std::fmt;
use std::future::Future;
use std::pin::Pin;

use reqwest::header::HeaderMap;

use crate::error::Result;

mod basic;
#[cfg(any(feature = "oauth2", feature = "session"))]
mod cache;
#[cfg(feature = "signatures")]
mod hmac;
#[cfg(feature = "oauth2")]
mod oauth2;
#[cfg(feature = "session")]
mod session;

pub use basic::BasicAuth;
#[cfg(any(feature = "oauth2", feature = "session"))]
#[cfg_attr(docsrs, doc(cfg(any(feature = "oauth2", feature = "session"))))]
pub use cache::CredentialCache;
#[cfg(feature = "signatures")]
#[cfg_attr(docsrs, doc(cfg(feature = "signatures")))]
pub use hmac::{HmacHeaders, HmacNonceAuth, NONCE_PROCESS_DIGITS};
#[cfg(feature = "oauth2")]
#[cfg_attr(docsrs, doc(cfg(feature = "oauth2")))]
pub use oauth2::{ClientCredentials, CredentialPlacement};
#[cfg(feature = "session")]
#[cfg_attr(docsrs, doc(cfg(feature = "session")))]
pub use session::{LoginFn, Session, SessionAuth};

/// A boxed, `Send` future, as returned by [`Auth`] methods.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Headers that authorise one request, and which cached credential produced them.
#[derive(Clone, Default)]
pub struct AuthHeaders {
    /// Headers to add (marked sensitive).
    pub headers: HeaderMap,
    /// Identifies the cached credential, so that a 401 invalidates only it.
    pub generation: u64,
}

impl fmt::Debug for AuthHeaders {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthHeaders")
            .field("headers", &self.headers.keys().collect::<Vec<_>>())
            .field("generation", &self.generation)
            .finish()
    }
}

/// An authentication strategy.
pub trait Auth: Send + Sync + fmt::Debug + 'static {
    /// The headers for the next attempt, logging in first if needed. `http`
    /// is the transport's HTTP client, for a strategy that calls an
    /// endpoint of its own (a token endpoint).
    fn authorize<'a>(&'a self, http: &'a reqwest::Client) -> BoxFuture<'a, Result<AuthHeaders>>;

    /// The headers when they are at hand without waiting (a cached token or
    /// session still fresh, a signature computed on the spot); `None` sends
    /// the caller to [`authorize`](Self::authorize). The transport asks this
    /// first on every attempt, so that the common case builds no boxed
    /// future.
    fn ready(&self) -> Option<Result<AuthHeaders>> {
        None
    }

    /// The provider refused credentials of `generation`: drop them. Returns
    /// `true` when trying once more with fresh credentials can help.
    fn on_unauthorized(&self, generation: u64) -> bool {
        let _ = generation;
        false
    }

    /// True when requests carry credentials (the default), so that the
    /// transport refuses to send them in clear text to a host that is not
    /// loopback ([`HttpSettings::check_credentials_url`](crate::HttpSettings::check_credentials_url)).
    fn sends_credentials(&self) -> bool {
        true
    }

    /// The longest a login of this strategy may hold a request back (by
    /// default [`DEFAULT_AUTH_DEADLINE`](crate::defaults::DEFAULT_AUTH_DEADLINE));
    /// zero for a strategy that never logs in. A create's lease in the
    /// intent journal counts it ([`create_deadline`](crate::transport::create_deadline)).
    fn login_deadline(&self) -> std::time::Duration {
        crate::defaults::DEFAULT_AUTH_DEADLINE
    }
}

/// No authentication (public endpoints).
#[derive(Debug, Clone, Copy, Default)]
pub struct NoAuth;

impl Auth for NoAuth {
    fn authorize<'a>(&'a self, _: &'a reqwest::Client) -> BoxFuture<'a, Result<AuthHeaders>> {
        Box::pin(async { Ok(AuthHeaders::default()) })
    }

    fn ready(&self) -> Option<Result<AuthHeaders>> {
        Some(Ok(AuthHeaders::default()))
    }

    fn sends_credentials(&self) -> bool {
        false
    }

    fn login_deadline(&self) -> std::time::Duration {
        std::time::Duration::ZERO
    }
}
