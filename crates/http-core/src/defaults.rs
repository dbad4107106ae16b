//! Every default and bound the SDK applies, in one place.
//!
//! A provider builder overrides the settable ones through
//! [`HttpSettings`](crate::HttpSettings); the bounds marked as such hold
//! whatever a server sends.

use std::time::Duration;

/// Connect timeout of a client the SDK builds: 10 s.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Per-attempt timeout (connect, send and read the whole answer): 30 s.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// The user agent every request carries (a builder may append a suffix).
pub const USER_AGENT_VALUE: &str = concat!("partner-sdk/", env!("CARGO_PKG_VERSION"));
/// Largest answer read: 32 MiB.
pub const DEFAULT_MAX_RESPONSE_BODY: u64 = 32 * 1024 * 1024;
/// Most pages one listing stream fetches: 10 000.
pub const DEFAULT_MAX_PAGES: u32 = 10_000;
/// Attempts of an idempotent call, the first included: 3.
pub const DEFAULT_MAX_ATTEMPTS: u32 = 3;
/// Upper bound of the jittered wait before the second attempt: 0.5 s.
pub const DEFAULT_BASE_DELAY: Duration = Duration::from_millis(500);
/// Longest wait between attempts, and the longest `Retry-After` honoured: 20 s.
pub const DEFAULT_MAX_DELAY: Duration = Duration::from_secs(20);
/// Bound on each call to the intent journal (begin, settle, renew, a
/// recovery's claims): 10 s.
pub const DEFAULT_JOURNAL_TIMEOUT: Duration = Duration::from_secs(10);
/// Bound on one token request or login, waiting for it included: 10 s.
pub const DEFAULT_AUTH_DEADLINE: Duration = Duration::from_secs(10);
/// A session refused sooner than this after it was opened causes a new
/// login only once per this period; other such refusals keep the session and
/// are reported as the request's (a provider may answer 401 both for an
/// expired session and for a request naming something unknown), so forged
/// or mistaken calls cost at most one extra login per this period: 30 s.
#[cfg(feature = "session")]
#[cfg_attr(docsrs, doc(cfg(feature = "session")))]
pub const FRESH_SESSION_GRACE: Duration = Duration::from_secs(30);
/// Lifetime assumed for a token or session whose answer gives none: 1 hour.
#[cfg(any(feature = "oauth2", feature = "session"))]
#[cfg_attr(docsrs, doc(cfg(any(feature = "oauth2", feature = "session"))))]
pub const DEFAULT_CREDENTIAL_LIFETIME: Duration = Duration::from_secs(3600);
/// Bound: the longest a token or session is cached, whatever a server's
/// `expires_in` or a builder's lifetime says (24 hours).
#[cfg(any(feature = "oauth2", feature = "session"))]
#[cfg_attr(docsrs, doc(cfg(any(feature = "oauth2", feature = "session"))))]
pub const MAX_CREDENTIAL_LIFETIME: Duration = Duration::from_secs(24 * 3600);
/// Bound: the largest token answer read (1 MiB; a token answer is a few
/// kilobytes).
#[cfg(feature = "oauth2")]
#[cfg_attr(docsrs, doc(cfg(feature = "oauth2")))]
pub const MAX_TOKEN_RESPONSE_BODY: u64 = 1024 * 1024;
/// Bound: the longest `Retry-After` read (24 hours); a longer or absurd value
/// reads as 24 hours, and any value beyond the retry policy's `max_delay`
/// ends the call anyway.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(24 * 3600);
/// Largest notification body a receiver reads, by default (64 KiB; a
/// webhook or callback is a few kilobytes at most).
pub const DEFAULT_MAX_NOTICE_BODY: usize = 64 * 1024;
/// How long a receiver waits for a notification's whole body, by default:
/// 10 s.
pub const DEFAULT_NOTICE_BODY_TIMEOUT: Duration = Duration::from_secs(10);
/// How many notifications a receiver handles at once, by default: 16.
pub const DEFAULT_MAX_CONCURRENT_NOTICES: usize = 16;
/// The most notices an in-memory store of handled notices remembers, by
/// default (10,000: a few MiB at most).
pub const DEFAULT_NOTICE_CAPACITY: usize = 10_000;
