//! "Log in, then send these headers": a provider's own login function
//! behind the shared credential cache.

use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::time::Instant;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};

use super::cache::{CredentialCache, clamp_lifetime};
use super::{Auth, AuthHeaders, BoxFuture};
use crate::defaults::DEFAULT_CREDENTIAL_LIFETIME;
use crate::defaults::FRESH_SESSION_GRACE;
use crate::error::{Error, Result};

/// A logged-in session: the headers to send on every call, and how long they last.
#[derive(Clone, Default)]
pub struct Session {
    /// Headers that authorise calls (e.g. `X-Session-Key`, `X-Session-Token`).
    pub headers: HeaderMap,
    /// Lifetime, when the provider says; otherwise the strategy's default.
    pub lifetime: Option<Duration>,
}

impl Session {
    /// A session from header name/value pairs; values are marked sensitive.
    pub fn from_headers<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Result<Self> {
        let mut headers = HeaderMap::new();
        for (name, value) in pairs {
            let name = HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| Error::config(format!("bad session header name {name:?}")))?;
            let mut value = HeaderValue::from_str(value).map_err(|_| {
                Error::auth(
                    "session",
                    format!("session value for {name} is not a valid header"),
                    None,
                )
            })?;
            value.set_sensitive(true);
            headers.insert(name, value);
        }
        Ok(Session {
            headers,
            lifetime: None,
        })
    }
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session")
            .field("headers", &self.headers.keys().collect::<Vec<_>>())
            .field("lifetime", &self.lifetime)
            .finish()
    }
}

/// The login function of a [`SessionAuth`].
pub type LoginFn = Arc<dyn Fn() -> BoxFuture<'static, Result<Session>> + Send + Sync>;

/// Generic "log in, then send these headers" authentication with the same
/// single-flight [`CredentialCache`](super::CredentialCache) as OAuth2 client credentials (one login for all waiters,
/// bounded by [`DEFAULT_AUTH_DEADLINE`](crate::defaults::DEFAULT_AUTH_DEADLINE), lifetimes clamped to
/// [`MAX_CREDENTIAL_LIFETIME`](crate::defaults::MAX_CREDENTIAL_LIFETIME)); logs in again once on 401.
/// A session refused less than [`FRESH_SESSION_GRACE`] after its login
/// ([`with_refusal_grace`](Self::with_refusal_grace)) is logged in again
/// only if no refusal caused a login within the last grace period: a
/// session that really expired early costs one new login, a flood of
/// refusals (forged notices naming unknown resources) at most one login per
/// grace period.
pub struct SessionAuth {
    provider: &'static str,
    login: LoginFn,
    default_lifetime: Duration,
    refusal_grace: Duration,
    cache: CredentialCache<HeaderMap>,
    /// When a refusal last caused a new login.
    relogin_at: Mutex<Option<Instant>>,
}

impl fmt::Debug for SessionAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionAuth")
            .field("provider", &self.provider)
            .field("default_lifetime", &self.default_lifetime)
            .field("refusal_grace", &self.refusal_grace)
            .field("cache", &self.cache)
            .finish_non_exhaustive()
    }
}

impl SessionAuth {
    /// Default session lifetime when the login does not say (providers that
    /// document none are re-logged in on 401 anyway).
    pub const DEFAULT_LIFETIME: Duration = DEFAULT_CREDENTIAL_LIFETIME;

    /// A session strategy that logs in with `login`.
    pub fn new<F>(provider: &'static str, login: F) -> Self
    where
        F: Fn() -> BoxFuture<'static, Result<Session>> + Send + Sync + 'static,
    {
        SessionAuth {
            provider,
            login: Arc::new(login),
            default_lifetime: Self::DEFAULT_LIFETIME,
            refusal_grace: FRESH_SESSION_GRACE,
            cache: CredentialCache::new(provider, "login"),
            relogin_at: Mutex::new(None),
        }
    }

    /// A refusal of a session younger than `grace` logs in again only if
    /// no refusal caused a login within the last `grace` (the session may
    /// really have expired early); otherwise it is reported as the
    /// request's and the session kept (default
    /// [`FRESH_SESSION_GRACE`]); `Duration::ZERO` logs in again on every
    /// refusal.
    pub fn with_refusal_grace(mut self, grace: Duration) -> Self {
        self.refusal_grace = grace;
        self
    }

    /// Lifetime assumed when a login does not give one (clamped to
    /// [`MAX_CREDENTIAL_LIFETIME`](crate::defaults::MAX_CREDENTIAL_LIFETIME)).
    pub fn with_default_lifetime(mut self, lifetime: Duration) -> Self {
        self.default_lifetime = clamp_lifetime(lifetime);
        self
    }

    /// Bound on one login; callers waiting for it wait at most this long,
    /// together (default [`DEFAULT_AUTH_DEADLINE`](crate::defaults::DEFAULT_AUTH_DEADLINE)).
    pub fn with_login_timeout(mut self, timeout: Duration) -> Self {
        self.cache = self.cache.with_deadline(timeout);
        self
    }

    /// Forgets the current session and returns its headers so the caller can
    /// end it at the provider (e.g. `DELETE session`). `None` when logged out.
    pub fn logout(&self) -> Option<HeaderMap> {
        self.cache.take()
    }

    /// Returns the session headers, logging in if needed.
    pub async fn session(&self) -> Result<(HeaderMap, u64)> {
        let login = Arc::clone(&self.login);
        self.cache
            .get_or_refresh(self.default_lifetime, move || async move {
                let session = login().await?;
                Ok((session.headers, session.lifetime))
            })
            .await
    }
}

impl Auth for SessionAuth {
    fn authorize<'a>(&'a self, _: &'a reqwest::Client) -> BoxFuture<'a, Result<AuthHeaders>> {
        Box::pin(async move {
            let (headers, generation) = self.session().await?;
            Ok(AuthHeaders {
                headers,
                generation,
            })
        })
    }

    fn ready(&self) -> Option<Result<AuthHeaders>> {
        let (headers, generation) = self.cache.fresh()?;
        Some(Ok(AuthHeaders {
            headers,
            generation,
        }))
    }

    /// A session older than the refusal grace is dropped for a new login.
    /// One younger is dropped too when no refusal caused a login within the
    /// last grace period (a session may expire early); otherwise it is kept
    /// and the refusal reported as the request's, so forged calls cannot
    /// churn sessions faster than one login per grace.
    fn on_unauthorized(&self, generation: u64) -> bool {
        let mut last = self
            .relogin_at
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let now = Instant::now();
        if !self
            .cache
            .invalidate_unless_younger(generation, self.refusal_grace)
        {
            if last.is_some_and(|at| now.duration_since(at) < self.refusal_grace) {
                return false;
            }
            self.cache.invalidate(generation);
        }
        *last = Some(now);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::NoAuth;
    use std::sync::atomic::{AtomicU64, Ordering};

    #[tokio::test(start_paused = true)]
    async fn an_early_refusal_logs_in_again_once_per_grace() {
        let auth = SessionAuth::new("demo", || {
            Box::pin(async {
                Ok(Session {
                    headers: HeaderMap::new(),
                    lifetime: Some(Duration::from_secs(3600)),
                })
            })
        });
        let grace = FRESH_SESSION_GRACE;
        let (_, first) = auth.session().await.unwrap();
        // A session refused at once may have expired early: one new login.
        assert!(auth.on_unauthorized(first));
        let (_, second) = auth.session().await.unwrap();
        assert_ne!(second, first);
        // Refused again within the grace of that login: kept, reported.
        tokio::time::advance(grace / 2).await;
        assert!(!auth.on_unauthorized(second));
        assert_eq!(auth.ready().unwrap().unwrap().generation, second);
        // A session older than the grace is always dropped, and that login
        // opens a new grace period: at most one login per grace.
        tokio::time::advance(grace / 2 + Duration::from_secs(1)).await;
        assert!(auth.on_unauthorized(second));
        let (_, third) = auth.session().await.unwrap();
        assert!(!auth.on_unauthorized(third));
        // A grace after the last login a refusal caused, a session just
        // opened and refused is logged in again: it may have expired early.
        tokio::time::advance(grace).await;
        assert!(auth.logout().is_some());
        let (_, fourth) = auth.session().await.unwrap();
        assert!(auth.on_unauthorized(fourth));
        let (_, fifth) = auth.session().await.unwrap();
        assert!(!auth.on_unauthorized(fifth));
    }

    #[tokio::test(start_paused = true)]
    async fn ready_answers_from_a_fresh_session_and_leaves_logins_to_authorize() {
        let logins = Arc::new(AtomicU64::new(0));
        let counted = Arc::clone(&logins);
        let auth = SessionAuth::new("demo", move || {
            counted.fetch_add(1, Ordering::SeqCst);
            Box::pin(async {
                let mut headers = HeaderMap::new();
                headers.insert("x-session", HeaderValue::from_static("s1"));
                Ok(Session {
                    headers,
                    lifetime: Some(Duration::from_secs(3600)),
                })
            })
        });
        let http = crate::exchange::http_client_builder()
            .expect("the SDK's TLS")
            .build()
            .expect("an HTTP client");
        assert!(auth.ready().is_none(), "nothing cached: log in first");
        let logged_in = auth.authorize(&http).await.unwrap();
        let ready = auth.ready().expect("a fresh session").unwrap();
        assert_eq!(ready.generation, logged_in.generation);
        assert_eq!(ready.headers.get("x-session").unwrap(), "s1");
        // Due for refresh (54 min into 60): `ready` leaves it to `authorize`.
        tokio::time::advance(Duration::from_secs(3300)).await;
        assert!(auth.ready().is_none());
        assert_eq!(logins.load(Ordering::SeqCst), 1);
        // No login needed, or a signature computed on the spot: always ready.
        assert!(NoAuth.ready().is_some_and(|c| c.is_ok()));
    }
}
