//! The single-flight, expiring cache behind every strategy that logs in.

use std::fmt;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::FutureExt as _;
use futures_util::future::Shared;
use tokio::time::Instant;

use super::BoxFuture;
use crate::defaults::{DEFAULT_AUTH_DEADLINE, MAX_CREDENTIAL_LIFETIME};
use crate::error::{Error, Result, TimeoutError};

/// Refresh margin: `max(30 s, 10 % of lifetime)`, at most half the lifetime.
fn refresh_margin(lifetime: Duration) -> Duration {
    Duration::from_secs(30).max(lifetime / 10).min(lifetime / 2)
}

/// A credential lifetime clamped to [`MAX_CREDENTIAL_LIFETIME`](crate::defaults::MAX_CREDENTIAL_LIFETIME).
pub(crate) fn clamp_lifetime(lifetime: Duration) -> Duration {
    lifetime.min(MAX_CREDENTIAL_LIFETIME)
}

struct Cached<C> {
    value: C,
    fetched_at: Instant,
    refresh_at: Instant,
    expires_at: Instant,
    generation: u64,
}

/// The outcome of one login or token attempt, shared by everyone waiting.
#[derive(Clone)]
struct Fetched<C> {
    value: C,
    lifetime: Duration,
    fetched_at: Instant,
    generation: u64,
}

type Attempt<C> = Shared<BoxFuture<'static, Result<Fetched<C>>>>;

struct State<C> {
    current: Option<Cached<C>>,
    /// The attempt in flight, its id, and how many callers wait for it.
    inflight: Option<Inflight<C>>,
}

struct Inflight<C> {
    id: u64,
    attempt: Attempt<C>,
    waiters: usize,
}

/// One caller waiting for the attempt `id`. When the last waiter is dropped
/// (every caller cancelled) before the attempt ends, the attempt is dropped
/// with it, so the next caller starts a fresh one at once instead of joining
/// an attempt nobody drove.
struct Waiting<'a, C: Clone> {
    state: &'a Mutex<State<C>>,
    id: u64,
}

impl<C: Clone> Drop for Waiting<'_, C> {
    fn drop(&mut self) {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let Some(inflight) = state.inflight.as_mut().filter(|i| i.id == self.id) else {
            return;
        };
        inflight.waiters = inflight.waiters.saturating_sub(1);
        if inflight.waiters == 0 {
            // An attempt that did finish still installs its credential.
            settle(&mut state);
            state.inflight = None;
        }
    }
}

/// A single-flight cache for an expiring credential (token, session).
///
/// - However many callers find it empty or stale, one attempt runs and all
///   of them get its result, success or failure (no queue of sequential
///   logins behind a hanging endpoint).
/// - The attempt is bounded by a deadline ([`DEFAULT_AUTH_DEADLINE`](crate::defaults::DEFAULT_AUTH_DEADLINE)): when
///   it passes, every waiter gets [`Error::Timeout`].
/// - A credential is refreshed `max(30 s, 10 % of lifetime)` (at most half
///   the lifetime) before it expires; when
///   that early refresh fails, the still-valid credential keeps being used
///   (and the refresh is tried again later) until it really expires.
/// - Lifetimes are clamped to [`MAX_CREDENTIAL_LIFETIME`](crate::defaults::MAX_CREDENTIAL_LIFETIME) and all clock
///   arithmetic is checked.
pub struct CredentialCache<C> {
    provider: &'static str,
    operation: &'static str,
    deadline: Duration,
    state: Mutex<State<C>>,
    generation: Arc<AtomicU64>,
    attempts: AtomicU64,
}

impl<C> fmt::Debug for CredentialCache<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let cached = self.lock().current.as_ref().map(|c| c.generation);
        f.debug_struct("CredentialCache")
            .field("provider", &self.provider)
            .field("deadline", &self.deadline)
            .field("cached_generation", &cached)
            .finish()
    }
}

impl<C> CredentialCache<C> {
    fn lock(&self) -> std::sync::MutexGuard<'_, State<C>> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl<C: Clone + Send + Sync + 'static> CredentialCache<C> {
    /// An empty cache; `operation` names the login in errors (e.g.
    /// `oauth2_token`).
    pub fn new(provider: &'static str, operation: &'static str) -> Self {
        CredentialCache {
            provider,
            operation,
            deadline: DEFAULT_AUTH_DEADLINE,
            state: Mutex::new(State {
                current: None,
                inflight: None,
            }),
            generation: Arc::new(AtomicU64::new(0)),
            attempts: AtomicU64::new(0),
        }
    }

    /// Bounds each login attempt, waiting included (default
    /// [`DEFAULT_AUTH_DEADLINE`](crate::defaults::DEFAULT_AUTH_DEADLINE)).
    pub fn with_deadline(mut self, deadline: Duration) -> Self {
        self.deadline = deadline;
        self
    }

    /// The bound on each login attempt.
    pub fn deadline(&self) -> Duration {
        self.deadline
    }

    /// Returns the cached credential, or joins the attempt in flight, or
    /// starts one with `fetch`; caches its value for the lifetime it returns
    /// (`default_lifetime` when it returns none), clamped to
    /// [`MAX_CREDENTIAL_LIFETIME`](crate::defaults::MAX_CREDENTIAL_LIFETIME).
    pub async fn get_or_refresh<F, Fut>(
        &self,
        default_lifetime: Duration,
        fetch: F,
    ) -> Result<(C, u64)>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<(C, Option<Duration>)>> + Send + 'static,
    {
        let (id, attempt) = {
            let mut state = self.lock();
            let now = Instant::now();
            settle(&mut state);
            if let Some(hit) = fresh(&state, now) {
                return Ok(hit);
            }
            match &mut state.inflight {
                Some(inflight) => {
                    inflight.waiters += 1;
                    (inflight.id, inflight.attempt.clone())
                }
                None => {
                    let id = self.attempts.fetch_add(1, Ordering::Relaxed);
                    let attempt = self.start(default_lifetime, fetch());
                    state.inflight = Some(Inflight {
                        id,
                        attempt: attempt.clone(),
                        waiters: 1,
                    });
                    (id, attempt)
                }
            }
        };
        let waiting = Waiting {
            state: &self.state,
            id,
        };
        let outcome = attempt.await;
        drop(waiting);
        let mut state = self.lock();
        if state.inflight.as_ref().is_some_and(|i| i.id == id) {
            state.inflight = None;
            if let Ok(fetched) = &outcome {
                install(&mut state, fetched);
            }
        }
        match outcome {
            Ok(fetched) => Ok((fetched.value, fetched.generation)),
            Err(e) => {
                let now = Instant::now();
                match state.current.as_mut().filter(|c| now < c.expires_at) {
                    Some(still_valid) => {
                        if now >= still_valid.refresh_at {
                            // Try again halfway to expiry, not on every call.
                            let left = still_valid.expires_at.saturating_duration_since(now);
                            still_valid.refresh_at = now.checked_add(left / 2).unwrap_or(now);
                            tracing::debug!(error = %e, "early refresh failed; keeping the valid credential");
                        }
                        Ok((still_valid.value.clone(), still_valid.generation))
                    }
                    None => Err(e),
                }
            }
        }
    }

    fn start<Fut>(&self, default_lifetime: Duration, fetch: Fut) -> Attempt<C>
    where
        Fut: Future<Output = Result<(C, Option<Duration>)>> + Send + 'static,
    {
        let generation = Arc::clone(&self.generation);
        let (provider, operation, deadline) = (self.provider, self.operation, self.deadline);
        let attempt: BoxFuture<'static, Result<Fetched<C>>> = Box::pin(async move {
            let started = Instant::now();
            // A panicking login must not poison the shared attempt for
            // every later caller: it becomes an error like any other.
            let guarded = std::panic::AssertUnwindSafe(fetch).catch_unwind();
            match tokio::time::timeout(deadline, guarded).await {
                Ok(Ok(Ok((value, lifetime)))) => Ok(Fetched {
                    value,
                    lifetime: clamp_lifetime(lifetime.unwrap_or(default_lifetime)),
                    fetched_at: Instant::now(),
                    generation: generation.fetch_add(1, Ordering::Relaxed) + 1,
                }),
                Ok(Ok(Err(e))) => Err(e),
                Ok(Err(_panic)) => {
                    Err(Error::auth(provider, format!("{operation} panicked"), None))
                }
                Err(_) => Err(Error::from(TimeoutError {
                    provider,
                    operation,
                    elapsed: started.elapsed(),
                })),
            }
        });
        attempt.shared()
    }

    /// The cached credential and its generation when it is fresh (not yet
    /// due for refresh); `None` when a call would have to log in or wait.
    pub fn fresh(&self) -> Option<(C, u64)> {
        let mut state = self.lock();
        settle(&mut state);
        fresh(&state, Instant::now())
    }

    /// Drops the cached credential if it is still `generation`; later
    /// generations (someone already logged in again) are kept, so
    /// concurrent refusals of one credential share one new login.
    pub fn invalidate(&self, generation: u64) {
        self.invalidate_unless_younger(generation, Duration::ZERO);
    }

    /// As [`invalidate`](Self::invalidate), but keeps a credential of
    /// `generation` fetched less than `grace` ago: a refusal that soon is
    /// about the request, not the credential. Returns `true` when a fresh
    /// credential can be had (this one was dropped, or a newer one exists or
    /// is being fetched), `false` when it was kept.
    pub fn invalidate_unless_younger(&self, generation: u64, grace: Duration) -> bool {
        let mut state = self.lock();
        match &state.current {
            Some(c) if c.generation == generation => {
                if c.fetched_at.elapsed() < grace {
                    return false;
                }
                state.current = None;
                true
            }
            _ => true,
        }
    }

    /// Removes and returns the cached credential (for an explicit logout).
    pub fn take(&self) -> Option<C> {
        self.lock().current.take().map(|c| c.value)
    }
}

/// A finished attempt nobody collected (its waiters were cancelled):
/// install its credential or forget its failure.
fn settle<C: Clone>(state: &mut State<C>) {
    let done = state
        .inflight
        .as_ref()
        .and_then(|inflight| inflight.attempt.peek().cloned());
    if let Some(outcome) = done {
        state.inflight = None;
        if let Ok(fetched) = &outcome {
            install(state, fetched);
        }
    }
}

fn fresh<C: Clone>(state: &State<C>, now: Instant) -> Option<(C, u64)> {
    state
        .current
        .as_ref()
        .filter(|c| now < c.refresh_at)
        .map(|c| (c.value.clone(), c.generation))
}

fn install<C: Clone>(state: &mut State<C>, fetched: &Fetched<C>) {
    if state
        .current
        .as_ref()
        .is_some_and(|c| c.generation >= fetched.generation)
    {
        return;
    }
    let at = fetched.fetched_at;
    let expires_at = at.checked_add(fetched.lifetime).unwrap_or(at);
    let refresh_at = at
        .checked_add(fetched.lifetime - refresh_margin(fetched.lifetime))
        .unwrap_or(at);
    state.current = Some(Cached {
        value: fetched.value.clone(),
        fetched_at: at,
        refresh_at,
        expires_at,
        generation: fetched.generation,
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_credential_refused_within_the_grace_is_kept() {
        let cache = CredentialCache::<u32>::new("demo", "login");
        let grace = Duration::from_secs(30);
        let (_, generation) = cache
            .get_or_refresh(Duration::from_secs(3600), || async { Ok((1, None)) })
            .await
            .unwrap();
        tokio::time::advance(Duration::from_secs(29)).await;
        assert!(!cache.invalidate_unless_younger(generation, grace));
        assert_eq!(cache.fresh(), Some((1, generation)), "kept");
        tokio::time::advance(Duration::from_secs(2)).await;
        assert!(cache.invalidate_unless_younger(generation, grace));
        assert_eq!(cache.fresh(), None, "dropped once old enough");
        // A second refusal of the dropped generation still says a fresh
        // credential can be had: it shares the one new login.
        assert!(cache.invalidate_unless_younger(generation, grace));
    }

    #[test]
    fn refresh_margin_is_max_of_30s_and_10_percent_capped_at_half() {
        assert_eq!(
            refresh_margin(Duration::from_secs(3600)),
            Duration::from_secs(360)
        );
        assert_eq!(
            refresh_margin(Duration::from_secs(120)),
            Duration::from_secs(30)
        );
        assert_eq!(
            refresh_margin(Duration::from_secs(1800)),
            Duration::from_secs(180)
        );
        assert_eq!(
            refresh_margin(Duration::from_secs(2)),
            Duration::from_secs(1)
        );
    }

    #[tokio::test]
    async fn cache_is_single_flight_and_invalidates_only_its_generation() {
        let cache = Arc::new(CredentialCache::<u32>::new("demo", "login"));
        let calls = Arc::new(AtomicU64::new(0));
        let mut tasks = Vec::new();
        for _ in 0..64 {
            let cache = Arc::clone(&cache);
            let calls = Arc::clone(&calls);
            tasks.push(tokio::spawn(async move {
                cache
                    .get_or_refresh(Duration::from_secs(60), || async move {
                        calls.fetch_add(1, Ordering::SeqCst);
                        tokio::time::sleep(Duration::from_millis(20)).await;
                        Ok((7, None))
                    })
                    .await
                    .unwrap()
            }));
        }
        for t in tasks {
            assert_eq!(t.await.unwrap(), (7, 1));
        }
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        let is_fresh = |c: &CredentialCache<u32>| fresh(&c.lock(), Instant::now()).is_some();
        cache.invalidate(99);
        assert!(is_fresh(&cache));
        cache.invalidate(1);
        assert!(!is_fresh(&cache));
    }

    #[tokio::test(start_paused = true)]
    async fn waiters_share_one_failed_attempt_and_the_deadline() {
        let cache = Arc::new(
            CredentialCache::<u32>::new("demo", "login").with_deadline(Duration::from_secs(5)),
        );
        let calls = Arc::new(AtomicU64::new(0));
        let tasks: Vec<_> = (0..32)
            .map(|_| {
                let cache = Arc::clone(&cache);
                let calls = Arc::clone(&calls);
                tokio::spawn(async move {
                    cache
                        .get_or_refresh(Duration::from_secs(60), || async move {
                            calls.fetch_add(1, Ordering::SeqCst);
                            std::future::pending::<Result<(u32, Option<Duration>)>>().await
                        })
                        .await
                })
            })
            .collect();
        for t in tasks {
            let err = t.await.unwrap().unwrap_err();
            assert!(
                matches!(
                    &err,
                    Error::Timeout(t) if t.operation == "login"
                ),
                "{err:?}"
            );
        }
        assert_eq!(
            calls.load(Ordering::SeqCst),
            1,
            "one attempt for 32 waiters"
        );
        // The failure is not cached: the next caller starts a new attempt.
        let ok = cache
            .get_or_refresh(Duration::from_secs(60), || async { Ok((3, None)) })
            .await
            .unwrap();
        assert_eq!(ok.0, 3);
    }

    #[tokio::test]
    async fn a_panicking_login_is_an_auth_error_and_does_not_poison_the_cache() {
        let cache = CredentialCache::<u32>::new("demo", "login");
        let err = cache
            .get_or_refresh(Duration::from_secs(60), || async {
                if Instant::now().elapsed() < Duration::from_secs(3600) {
                    panic!("login bug");
                }
                Ok((1, None))
            })
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Auth(_)), "{err:?}");
        let ok = cache
            .get_or_refresh(Duration::from_secs(60), || async { Ok((2, None)) })
            .await
            .unwrap();
        assert_eq!(ok.0, 2);
    }

    #[tokio::test(start_paused = true)]
    async fn a_failed_early_refresh_keeps_the_valid_credential() {
        let cache = CredentialCache::<u32>::new("demo", "login");
        let lifetime = Some(Duration::from_secs(3600));
        let first = cache
            .get_or_refresh(Duration::ZERO, || async move { Ok((1, lifetime)) })
            .await
            .unwrap();
        // Past the refresh point (54 min), before expiry (60 min).
        tokio::time::advance(Duration::from_secs(3300)).await;
        let calls = AtomicU64::new(0);
        let kept = cache
            .get_or_refresh(Duration::ZERO, || {
                calls.fetch_add(1, Ordering::SeqCst);
                async { Err(Error::config("token endpoint down")) }
            })
            .await
            .unwrap();
        assert_eq!(kept, first);
        // The next refresh is postponed halfway to expiry, not tried on every call.
        let again = cache
            .get_or_refresh(Duration::ZERO, || {
                calls.fetch_add(1, Ordering::SeqCst);
                async { Err(Error::config("token endpoint down")) }
            })
            .await
            .unwrap();
        assert_eq!(again, first);
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        // Once expired, the failure is the answer.
        tokio::time::advance(Duration::from_secs(301)).await;
        let err = cache
            .get_or_refresh(Duration::ZERO, || async {
                Err(Error::config("token endpoint down"))
            })
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Config(_)));
    }

    #[tokio::test(start_paused = true)]
    async fn absurd_lifetimes_are_clamped_not_overflowed() {
        for lifetime in [
            Duration::MAX,
            Duration::from_secs(u64::MAX),
            Duration::from_secs(i64::MAX as u64),
        ] {
            let cache = CredentialCache::<u32>::new("demo", "login");
            cache
                .get_or_refresh(lifetime, || async { Ok((1, None)) })
                .await
                .unwrap();
            tokio::time::advance(MAX_CREDENTIAL_LIFETIME).await;
            let calls = AtomicU64::new(0);
            cache
                .get_or_refresh(lifetime, || {
                    calls.fetch_add(1, Ordering::SeqCst);
                    async { Ok((2, None)) }
                })
                .await
                .unwrap();
            assert_eq!(calls.load(Ordering::SeqCst), 1, "refetched within 24 h");
        }
    }

    #[tokio::test(start_paused = true)]
    async fn when_every_waiter_is_dropped_the_next_caller_starts_afresh_at_once() {
        let cache = CredentialCache::<u32>::new("demo", "login");
        let calls = AtomicU64::new(0);
        let hanging = || {
            calls.fetch_add(1, Ordering::SeqCst);
            std::future::pending::<Result<(u32, Option<Duration>)>>()
        };
        {
            let first = cache.get_or_refresh(Duration::from_secs(60), hanging);
            let second = cache.get_or_refresh(Duration::from_secs(60), hanging);
            let (mut first, mut second) = (std::pin::pin!(first), std::pin::pin!(second));
            assert!(futures::poll!(&mut first).is_pending());
            assert!(futures::poll!(&mut second).is_pending());
            assert_eq!(calls.load(Ordering::SeqCst), 1, "one attempt, two waiters");
        }
        let started = Instant::now();
        let fresh = cache
            .get_or_refresh(Duration::from_secs(60), || {
                calls.fetch_add(1, Ordering::SeqCst);
                async { Ok((5, None)) }
            })
            .await
            .unwrap();
        assert_eq!(fresh.0, 5);
        assert_eq!(calls.load(Ordering::SeqCst), 2);
        // Not a second of the abandoned attempt's 10 s deadline was waited.
        assert_eq!(started.elapsed(), Duration::ZERO);
    }

    #[tokio::test(start_paused = true)]
    async fn a_dropped_waiter_leaves_the_attempt_to_the_others() {
        let cache = Arc::new(CredentialCache::<u32>::new("demo", "login"));
        let calls = Arc::new(AtomicU64::new(0));
        let slow = {
            let calls = Arc::clone(&calls);
            move || {
                calls.fetch_add(1, Ordering::SeqCst);
                async {
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    Ok((7, None))
                }
            }
        };
        let kept = tokio::spawn({
            let cache = Arc::clone(&cache);
            let slow = slow.clone();
            async move { cache.get_or_refresh(Duration::from_secs(60), slow).await }
        });
        tokio::task::yield_now().await;
        {
            let dropped = cache.get_or_refresh(Duration::from_secs(60), slow.clone());
            let mut dropped = std::pin::pin!(dropped);
            assert!(futures::poll!(&mut dropped).is_pending());
        }
        assert_eq!(kept.await.unwrap().unwrap().0, 7);
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        // The credential it fetched serves the next caller.
        let hit = cache
            .get_or_refresh(Duration::from_secs(60), slow)
            .await
            .unwrap();
        assert_eq!(hit.0, 7);
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }
}
