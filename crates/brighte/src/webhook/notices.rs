//! The notices a [`WebhookHandler`](super::WebhookHandler) acknowledged,
//! so that the same notice sent again is answered without a fetch or a
//! run of the caller's closure.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Mutex, MutexGuard};
use std::time::SystemTime;

use futures_util::future::BoxFuture;

use super::Ack;

/// The error a closure (or a [`NoticeStore`]) may return, boxed.
pub type HandlerError = Box<dyn std::error::Error + Send + Sync>;

/// The most notices an [`InMemoryNoticeStore`] built with
/// [`InMemoryNoticeStore::new`] remembers (10,000: a few MiB at most).
pub const DEFAULT_NOTICE_CAPACITY: usize = 10_000;

/// One notice as Brighte sent it: the signed timestamp and token, and the
/// application id next to them. Brighte's resends of a notice carry the
/// same three; a forger reusing a valid pair with another application id
/// makes another key.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct NoticeKey {
    timestamp: i64,
    token: String,
    application_id: String,
}

impl NoticeKey {
    pub(crate) fn new(timestamp: i64, token: &str, application_id: &str) -> Self {
        NoticeKey {
            timestamp,
            token: token.to_owned(),
            application_id: application_id.to_owned(),
        }
    }

    /// Unix seconds when Brighte signed the notice (authenticated).
    pub fn timestamp(&self) -> i64 {
        self.timestamp
    }

    /// The token Brighte signed (authenticated).
    pub fn token(&self) -> &str {
        &self.token
    }

    /// The application id the notice names (not authenticated).
    pub fn application_id(&self) -> &str {
        &self.application_id
    }
}

/// `timestamp:token-length:token:application-id`, one string per key and
/// never the same for two keys: a key for a shared store (a database
/// row, a Redis key).
impl fmt::Display for NoticeKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}:{}",
            self.timestamp,
            self.token.len(),
            self.token,
            self.application_id
        )
    }
}

/// Where a [`WebhookHandler`](super::WebhookHandler) remembers the notices
/// it acknowledged (answered 200 or 406) and with what answer.
///
/// The handler asks [`seen`](Self::seen) after a notice's signature
/// verified and before anything else: a recorded answer is given again,
/// with no fetch and no run of the closure. It calls
/// [`record`](Self::record) only for an answer that stops Brighte's
/// redelivery, with the time after which the notice would be refused as
/// stale anyway, so nothing needs remembering past `until`. A notice whose
/// handling failed is never recorded: Brighte's resend is handled again.
///
/// [`InMemoryNoticeStore`] serves one process. Replicas behind a load
/// balancer share one store so that a resend reaching another replica is
/// recognised: implement this trait over the database the application
/// already has (e.g. the intent journal's PostgreSQL, a table keyed by
/// the key's [`Display`](fmt::Display) with the answer's
/// [`status_code`](Ack::status_code) and `until`) or Redis (`SET key code
/// EXAT until`). A store that fails is read as "not seen": the notice is
/// handled again, which the closure's idempotence makes harmless.
pub trait NoticeStore: Send + Sync + fmt::Debug {
    /// The answer recorded for `key`, unless it is past its `until`.
    fn seen<'a>(&'a self, key: &'a NoticeKey) -> BoxFuture<'a, Result<Option<Ack>, HandlerError>>;

    /// Records that `key` was answered `ack`, to be remembered until
    /// `until`.
    fn record<'a>(
        &'a self,
        key: &'a NoticeKey,
        ack: Ack,
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
    answers: Mutex<HashMap<NoticeKey, (Ack, SystemTime)>>,
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

    fn answers(&self) -> MutexGuard<'_, HashMap<NoticeKey, (Ack, SystemTime)>> {
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

    fn seen_at(&self, key: &NoticeKey, now: SystemTime) -> Option<Ack> {
        let mut answers = self.answers();
        match answers.get(key) {
            Some(&(ack, until)) if until > now => Some(ack),
            Some(_) => {
                answers.remove(key);
                None
            }
            None => None,
        }
    }

    fn record_at(&self, key: &NoticeKey, ack: Ack, until: SystemTime, now: SystemTime) {
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
        answers.insert(key.clone(), (ack, until));
    }
}

impl NoticeStore for InMemoryNoticeStore {
    fn seen<'a>(&'a self, key: &'a NoticeKey) -> BoxFuture<'a, Result<Option<Ack>, HandlerError>> {
        let seen = self.seen_at(key, SystemTime::now());
        Box::pin(async move { Ok(seen) })
    }

    fn record<'a>(
        &'a self,
        key: &'a NoticeKey,
        ack: Ack,
        until: SystemTime,
    ) -> BoxFuture<'a, Result<(), HandlerError>> {
        self.record_at(key, ack, until, SystemTime::now());
        Box::pin(async { Ok(()) })
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    use super::*;

    fn at(secs: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs)
    }

    #[test]
    fn an_answer_is_remembered_until_its_window_ends() {
        let store = InMemoryNoticeStore::new();
        let key = NoticeKey::new(100, "tok", "7");
        assert_eq!(store.seen_at(&key, at(100)), None);
        store.record_at(&key, Ack::NotAcceptable, at(200), at(100));
        assert_eq!(store.seen_at(&key, at(199)), Some(Ack::NotAcceptable));
        // Another application id next to the same signed pair is another notice.
        assert_eq!(
            store.seen_at(&NoticeKey::new(100, "tok", "8"), at(150)),
            None
        );
        assert_eq!(store.seen_at(&key, at(200)), None);
        assert!(store.is_empty(), "an expired entry is dropped when read");
    }

    #[test]
    fn the_store_never_holds_more_than_its_capacity() {
        let store = InMemoryNoticeStore::with_capacity(3);
        for i in 0..3u64 {
            store.record_at(
                &NoticeKey::new(0, &format!("t{i}"), "7"),
                Ack::Accepted,
                at(1_000 + i),
                at(0),
            );
        }
        // Full: the entry expiring soonest makes room.
        store.record_at(
            &NoticeKey::new(0, "t3", "7"),
            Ack::Accepted,
            at(5_000),
            at(0),
        );
        assert_eq!(store.len(), 3);
        assert_eq!(store.seen_at(&NoticeKey::new(0, "t0", "7"), at(1)), None);
        assert!(
            store
                .seen_at(&NoticeKey::new(0, "t3", "7"), at(1))
                .is_some()
        );
        // Expired entries go first.
        store.record_at(
            &NoticeKey::new(0, "t4", "7"),
            Ack::Accepted,
            at(6_000),
            at(1_001),
        );
        assert_eq!(store.len(), 3);
        assert!(
            store
                .seen_at(&NoticeKey::new(0, "t2", "7"), at(1_001))
                .is_some()
        );
    }

    #[test]
    fn keys_print_apart_when_their_fields_do() {
        let a = NoticeKey::new(1, "a:b", "c").to_string();
        let b = NoticeKey::new(1, "a", "b:c").to_string();
        assert_ne!(a, b);
        assert_eq!(a, "1:3:a:b:c");
    }
}
