//! The parts of a notification receiver (a webhook or callback endpoint a
//! provider POSTs to) that know no provider (feature `receiver`).
//!
//! A provider crate's receiver composes them: [`read_body`] takes a
//! request's body under a size cap and a time limit (`POST` only),
//! [`InFlight`] bounds how many notices are handled at once and refuses a
//! copy of one being handled, and a [`NoticeStore`] (by default the bounded,
//! expiring [`InMemoryNoticeStore`]) remembers the notices already handled
//! and the answer given, so a resend is answered again without handling it
//! twice. [`empty_response`] builds the bodiless answer.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::hash::Hash;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use futures_util::future::BoxFuture;
use http_body_util::{BodyExt as _, Full, LengthLimitError, Limited};

pub use crate::defaults::{
    DEFAULT_MAX_CONCURRENT_NOTICES, DEFAULT_MAX_NOTICE_BODY, DEFAULT_NOTICE_BODY_TIMEOUT,
    DEFAULT_NOTICE_CAPACITY,
};

/// The error a receiver's closure (or a [`NoticeStore`]) may return, boxed.
pub type HandlerError = Box<dyn std::error::Error + Send + Sync>;

/// One notice, as the receiver identifies it: a list of text parts (for
/// example a signed timestamp and token and the record's id, or a record's
/// id and the status it reached). Two keys are equal when their parts are.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct NoticeKey {
    parts: Vec<String>,
}

impl NoticeKey {
    /// A key of `parts`, in order.
    pub fn new<I, S>(parts: I) -> NoticeKey
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        NoticeKey {
            parts: parts.into_iter().map(Into::into).collect(),
        }
    }

    /// The parts, in order.
    pub fn parts(&self) -> &[String] {
        &self.parts
    }
}

/// Every part but the last as `length:part:`, then the last part: one
/// string per key and never the same for two keys, a key for a shared
/// store (a database row, a Redis key).
impl fmt::Display for NoticeKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Some((last, head)) = self.parts.split_last() else {
            return Ok(());
        };
        for part in head {
            write!(f, "{}:{part}:", part.len())?;
        }
        f.write_str(last)
    }
}

/// Where a receiver remembers the notices it handled, with the HTTP status
/// it answered them (only answers that stop the provider's resends are
/// recorded).
///
/// A receiver asks [`seen`](Self::seen) before handling a notice: a
/// recorded answer is given again, and the notice is not handled twice. It
/// calls [`record`](Self::record) once a notice is handled, with the time
/// after which nothing needs remembering. A notice whose handling failed is
/// never recorded, so the provider's resend is handled again.
///
/// [`InMemoryNoticeStore`] serves one process. Replicas behind a load
/// balancer share one store so that a resend reaching another replica is
/// recognised: implement this trait over the database the application
/// already has (a table keyed by the key's [`Display`](fmt::Display) with
/// the status and `until`) or Redis (`SET key status EXAT until`). A store
/// that fails is read as "not seen": the notice is handled again, which
/// the receiver's idempotent closure makes harmless.
pub trait NoticeStore: Send + Sync + fmt::Debug {
    /// The HTTP status recorded for `key`, unless it is past its `until`.
    fn seen<'a>(&'a self, key: &'a NoticeKey) -> BoxFuture<'a, Result<Option<u16>, HandlerError>>;

    /// Records that `key` was answered `status`, to be remembered until
    /// `until`.
    fn record<'a>(
        &'a self,
        key: &'a NoticeKey,
        status: u16,
        until: SystemTime,
    ) -> BoxFuture<'a, Result<(), HandlerError>>;
}

/// A [`NoticeStore`] in the process's memory: entries expire at their
/// `until`, and at most `capacity` are kept (when full, expired entries go
/// first, then those expiring soonest; a forgotten notice is only handled
/// again).
#[derive(Debug)]
pub struct InMemoryNoticeStore {
    capacity: usize,
    answers: Mutex<HashMap<NoticeKey, (u16, SystemTime)>>,
}

impl Default for InMemoryNoticeStore {
    fn default() -> Self {
        Self::with_capacity(DEFAULT_NOTICE_CAPACITY)
    }
}

impl InMemoryNoticeStore {
    /// An empty store of [`DEFAULT_NOTICE_CAPACITY`] entries.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty store of at most `capacity` entries (at least one).
    pub fn with_capacity(capacity: usize) -> Self {
        InMemoryNoticeStore {
            capacity: capacity.max(1),
            answers: Mutex::new(HashMap::new()),
        }
    }

    fn answers(&self) -> MutexGuard<'_, HashMap<NoticeKey, (u16, SystemTime)>> {
        self.answers.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Number of notices remembered (expired ones included until they are
    /// dropped).
    pub fn len(&self) -> usize {
        self.answers().len()
    }

    /// True when no notice is remembered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The status recorded for `key` at `now`, dropping it once expired.
    pub fn seen_at(&self, key: &NoticeKey, now: SystemTime) -> Option<u16> {
        let mut answers = self.answers();
        match answers.get(key) {
            Some(&(status, until)) if until > now => Some(status),
            Some(_) => {
                answers.remove(key);
                None
            }
            None => None,
        }
    }

    /// Records `key` as answered `status` until `until`, at `now` (which
    /// decides what has expired when room must be made).
    pub fn record_at(&self, key: &NoticeKey, status: u16, until: SystemTime, now: SystemTime) {
        let mut answers = self.answers();
        if !answers.contains_key(key) && answers.len() >= self.capacity {
            answers.retain(|_, (_, until)| *until > now);
            while answers.len() >= self.capacity {
                let soonest = answers
                    .iter()
                    .min_by_key(|(_, (_, until))| *until)
                    .map(|(k, _)| k.clone());
                match soonest {
                    Some(k) => answers.remove(&k),
                    None => break,
                };
            }
        }
        answers.insert(key.clone(), (status, until));
    }
}

impl NoticeStore for InMemoryNoticeStore {
    fn seen<'a>(&'a self, key: &'a NoticeKey) -> BoxFuture<'a, Result<Option<u16>, HandlerError>> {
        let seen = self.seen_at(key, SystemTime::now());
        Box::pin(async move { Ok(seen) })
    }

    fn record<'a>(
        &'a self,
        key: &'a NoticeKey,
        status: u16,
        until: SystemTime,
    ) -> BoxFuture<'a, Result<(), HandlerError>> {
        self.record_at(key, status, until, SystemTime::now());
        Box::pin(async { Ok(()) })
    }
}

/// Why a receiver did not handle a notice now; the provider resends it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Refused {
    /// As many notices as the limit are being handled.
    #[error("{0} notices are being handled, the receiver's limit: resend later")]
    Busy(usize),
    /// A notice with the same key is being handled.
    #[error("this notice is being handled already")]
    SameNotice,
    /// The body did not arrive within the time limit.
    #[error("the body did not arrive within {} ms", .0.as_millis())]
    SlowBody(Duration),
}

/// The notices being handled: at most `limit`, never two of one key.
/// Clones share one set.
#[derive(Debug, Clone)]
pub struct InFlight<K> {
    limit: usize,
    keys: Arc<Mutex<HashSet<K>>>,
}

impl<K: Hash + Eq + Clone> InFlight<K> {
    /// An empty set admitting at most `limit` notices at once (at least
    /// one).
    pub fn new(limit: usize) -> Self {
        InFlight {
            limit: limit.max(1),
            keys: Arc::new(Mutex::new(HashSet::new())),
        }
    }

    /// The most notices handled at once.
    pub fn limit(&self) -> usize {
        self.limit
    }

    fn keys(&self) -> MutexGuard<'_, HashSet<K>> {
        self.keys.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A place for `key`, unless the limit is reached
    /// ([`Refused::Busy`]) or `key` is being handled
    /// ([`Refused::SameNotice`]). The place is freed when the slot is
    /// dropped, also when the request is abandoned half-way.
    pub fn claim(&self, key: &K) -> Result<InFlightSlot<K>, Refused> {
        let mut keys = self.keys();
        if keys.contains(key) {
            return Err(Refused::SameNotice);
        }
        if keys.len() >= self.limit {
            return Err(Refused::Busy(self.limit));
        }
        keys.insert(key.clone());
        Ok(InFlightSlot {
            keys: Arc::clone(&self.keys),
            key: key.clone(),
        })
    }
}

/// A notice's place in an [`InFlight`] set; dropping it frees the place.
#[derive(Debug)]
pub struct InFlightSlot<K: Hash + Eq> {
    keys: Arc<Mutex<HashSet<K>>>,
    key: K,
}

impl<K: Hash + Eq> Drop for InFlightSlot<K> {
    fn drop(&mut self) {
        self.keys
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&self.key);
    }
}

/// Why a request's body was not read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BodyError {
    /// The method was not `POST` (answer 405 with `Allow: POST`).
    #[error("only POST is accepted")]
    NotPost,
    /// The body is longer than the cap (bytes).
    #[error("the body is larger than {0} bytes")]
    TooLarge(usize),
    /// The body did not arrive within the time limit.
    #[error(transparent)]
    Slow(Refused),
    /// Reading the body failed (the connection failed).
    #[error("the body could not be read")]
    Read(#[source] HandlerError),
}

/// Reads the body of a `POST` request: at most `max` bytes, within
/// `timeout` (needs a Tokio runtime, as hyper and axum do).
pub async fn read_body<B>(
    request: http::Request<B>,
    max: usize,
    timeout: Duration,
) -> Result<Bytes, BodyError>
where
    B: http_body::Body,
    B::Error: Into<HandlerError>,
{
    if request.method() != http::Method::POST {
        return Err(BodyError::NotPost);
    }
    let read = Limited::new(request.into_body(), max).collect();
    match tokio::time::timeout(timeout, read).await {
        Ok(Ok(collected)) => Ok(collected.to_bytes()),
        Ok(Err(error)) if error.is::<LengthLimitError>() => Err(BodyError::TooLarge(max)),
        Ok(Err(error)) => Err(BodyError::Read(error)),
        Err(_) => Err(BodyError::Slow(Refused::SlowBody(timeout))),
    }
}

/// An answer without a body: `status` (503 when it is not a valid status
/// code), with `Retry-After` in whole seconds when given. A 405 carries
/// `Allow: POST`.
pub fn empty_response(status: u16, retry_after: Option<Duration>) -> http::Response<Full<Bytes>> {
    let mut response = http::Response::new(Full::new(Bytes::new()));
    *response.status_mut() =
        http::StatusCode::from_u16(status).unwrap_or(http::StatusCode::SERVICE_UNAVAILABLE);
    if let Some(after) = retry_after {
        response.headers_mut().insert(
            http::header::RETRY_AFTER,
            http::HeaderValue::from(after.as_secs()),
        );
    }
    if status == 405 {
        response
            .headers_mut()
            .insert(http::header::ALLOW, http::HeaderValue::from_static("POST"));
    }
    response
}

#[cfg(test)]
mod tests {
    use std::time::UNIX_EPOCH;

    use super::*;

    fn at(secs: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs)
    }

    fn key(token: &str, id: &str) -> NoticeKey {
        NoticeKey::new(["100", token, id])
    }

    #[test]
    fn an_answer_is_remembered_until_its_window_ends() {
        let store = InMemoryNoticeStore::new();
        let k = key("tok", "7");
        assert_eq!(store.seen_at(&k, at(100)), None);
        store.record_at(&k, 406, at(200), at(100));
        assert_eq!(store.seen_at(&k, at(199)), Some(406));
        // Another id next to the same other parts is another notice.
        assert_eq!(store.seen_at(&key("tok", "8"), at(150)), None);
        assert_eq!(store.seen_at(&k, at(200)), None);
        assert!(store.is_empty(), "an expired entry is dropped when read");
    }

    #[test]
    fn the_store_never_holds_more_than_its_capacity() {
        let store = InMemoryNoticeStore::with_capacity(3);
        for i in 0..3u64 {
            store.record_at(&key(&format!("t{i}"), "7"), 200, at(1_000 + i), at(0));
        }
        // Full: the entry expiring soonest makes room.
        store.record_at(&key("t3", "7"), 200, at(5_000), at(0));
        assert_eq!(store.len(), 3);
        assert_eq!(store.seen_at(&key("t0", "7"), at(1)), None);
        assert!(store.seen_at(&key("t3", "7"), at(1)).is_some());
        // Expired entries go first.
        store.record_at(&key("t4", "7"), 200, at(6_000), at(1_001));
        assert_eq!(store.len(), 3);
        assert!(store.seen_at(&key("t2", "7"), at(1_001)).is_some());
    }

    #[test]
    fn keys_print_apart_when_their_parts_do() {
        let a = NoticeKey::new(["1", "a:b", "c"]).to_string();
        let b = NoticeKey::new(["1", "a", "b:c"]).to_string();
        assert_ne!(a, b);
        assert_eq!(a, "1:1:3:a:b:c");
        assert_eq!(NoticeKey::new(["x"]).to_string(), "x");
        assert_eq!(NoticeKey::new(Vec::<String>::new()).to_string(), "");
    }

    #[test]
    fn in_flight_refuses_a_copy_and_past_the_limit() {
        let set = InFlight::new(2);
        let a = set.claim(&"a").unwrap();
        assert_eq!(set.claim(&"a").unwrap_err(), Refused::SameNotice);
        let _b = set.claim(&"b").unwrap();
        assert_eq!(set.claim(&"c").unwrap_err(), Refused::Busy(2));
        drop(a);
        assert!(set.claim(&"a").is_ok(), "a dropped slot frees its place");
    }

    #[tokio::test]
    async fn the_body_is_read_under_its_cap_and_post_only() {
        let request = |method: &str, body: &'static str| {
            http::Request::builder()
                .method(method)
                .body(Full::new(Bytes::from_static(body.as_bytes())))
                .unwrap()
        };
        let secs = Duration::from_secs(1);
        let read = read_body(request("POST", "abc"), 3, secs).await.unwrap();
        assert_eq!(&read[..], b"abc");
        let long = read_body(request("POST", "abcd"), 3, secs).await;
        assert!(matches!(long, Err(BodyError::TooLarge(3))), "{long:?}");
        let get = read_body(request("GET", ""), 3, secs).await;
        assert!(matches!(get, Err(BodyError::NotPost)), "{get:?}");
        let refused = empty_response(405, None);
        assert_eq!(refused.status(), 405);
        assert_eq!(refused.headers()["allow"], "POST");
        let later = empty_response(503, Some(Duration::from_secs(30)));
        assert_eq!(later.headers()["retry-after"], "30");
        assert_eq!(empty_response(1000, None).status(), 503);
    }
}
