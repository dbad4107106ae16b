//! The signature Brighte puts on checkout redirects and webhooks:
//! `hex(HMAC-SHA256(private API key, timestamp ‖ token))`, verified in
//! constant time, with an age bound (by default [`DEFAULT_MAX_AGE`]) and
//! an optional replay store.
//!
//! # What a signature proves
//!
//! Brighte signs only the `timestamp` and the `token`. A valid signature
//! proves that Brighte issued that (timestamp, token) pair; it says nothing
//! about the other fields of the message (application id, status,
//! reference number, error code). Anyone holding one valid triple — a
//! customer sees one in their own checkout redirect — can attach any
//! application id and status to it. So a verified message is a
//! [`SignedNotice`] whose fields are [`claims`](SignedNotice::claims), and
//! the documented flow is to confirm them: [`webhook::confirm`] and
//! [`checkout::confirm`] verify the signature, then fetch the application
//! with the vendor session and return Brighte's own view of it.
//!
//! [`webhook::confirm`]: crate::webhook::confirm
//! [`checkout::confirm`]: crate::checkout::confirm

use std::collections::BTreeSet;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use partner_sdk_core::secret::REDACTED;
use partner_sdk_core::{ExposeSecret, SecretString};

use crate::error::{Error, NoticeError, Result};

/// Signs `timestamp ‖ token` with the private key (lower-case hex), as
/// Brighte does. Useful to build test payloads.
pub fn sign(private_key: &str, timestamp: &str, token: &str) -> String {
    partner_sdk_core::signature::hmac_sha256_hex(
        private_key.as_bytes(),
        format!("{timestamp}{token}"),
    )
}

/// A message whose signature verified, with the fields it claims.
///
/// The signature authenticates [`timestamp`](Self::timestamp) and
/// [`token`](Self::token) only. [`claims`](Self::claims) are what the
/// sender says about the application: not authenticated, act on them only
/// after confirming them with Brighte's API (see the [module
/// docs](self)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedNotice<C> {
    timestamp: i64,
    token: String,
    claims: C,
}

impl<C> SignedNotice<C> {
    pub(crate) fn new(timestamp: i64, token: impl Into<String>, claims: C) -> Self {
        SignedNotice {
            timestamp,
            token: token.into(),
            claims,
        }
    }

    /// Unix seconds when Brighte signed the message (authenticated).
    pub fn timestamp(&self) -> i64 {
        self.timestamp
    }

    /// The random token Brighte signed (authenticated).
    pub fn token(&self) -> &str {
        &self.token
    }

    /// What the message claims; not covered by the signature.
    pub fn claims(&self) -> &C {
        &self.claims
    }

    /// The claims, dropping the authenticated pair.
    pub fn into_claims(self) -> C {
        self.claims
    }
}

/// Remembers (timestamp, token) pairs already accepted, so that a replayed
/// message is refused. Only for vendors who act on a notice's claims
/// without confirming them; a [`Verifier`] accepts a store only together
/// with a tolerance, so the store never has to remember pairs for longer
/// than that.
pub trait ReplayStore: Send + Sync + fmt::Debug {
    /// Records the pair signed at `timestamp` (Unix seconds) with `token`.
    /// Returns `false` when the pair was recorded before. Pairs signed
    /// before `expired_before` (Unix seconds) are refused as stale by the
    /// verifier anyway and may be forgotten.
    fn check_and_record(&self, timestamp: i64, token: &str, expired_before: i64) -> bool;

    /// Forgets a recorded pair, so that Brighte's resend of a notice the
    /// vendor could not handle is accepted again.
    fn forget(&self, timestamp: i64, token: &str);
}

/// An in-memory [`ReplayStore`] for one process; it drops pairs once they
/// are older than the verifier's tolerance.
#[derive(Debug, Default)]
pub struct InMemoryReplayStore {
    seen: Mutex<BTreeSet<(i64, String)>>,
}

impl InMemoryReplayStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn seen(&self) -> std::sync::MutexGuard<'_, BTreeSet<(i64, String)>> {
        self.seen.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Number of pairs remembered.
    pub fn len(&self) -> usize {
        self.seen().len()
    }

    /// True when no pair is remembered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl ReplayStore for InMemoryReplayStore {
    fn check_and_record(&self, timestamp: i64, token: &str, expired_before: i64) -> bool {
        let mut seen = self.seen();
        // Keep only pairs signed at or after the horizon (ordered by time).
        let kept = seen.split_off(&(expired_before, String::new()));
        *seen = kept;
        seen.insert((timestamp, token.to_owned()))
    }

    fn forget(&self, timestamp: i64, token: &str) {
        self.seen().remove(&(timestamp, token.to_owned()));
    }
}

/// The age bound of a [`Verifier`] built with [`Verifier::new`] (10
/// minutes).
///
/// A checkout redirect is followed by the customer's browser moments after
/// Brighte signs it; ten minutes leave room for a slow network, a slow
/// page and some clock drift, while a redirect URL that leaks (browser
/// history, a proxy's log, a shared link) stops verifying soon after.
/// [`webhook::confirm`](crate::webhook::confirm) raises it to
/// [`webhook::CONFIRM_TOLERANCE`](crate::webhook::CONFIRM_TOLERANCE) for
/// Brighte's resends.
pub const DEFAULT_MAX_AGE: Duration = Duration::from_secs(10 * 60);

/// How far in the future a timestamp may be for a [`Verifier`] built with
/// [`Verifier::new`] (1 minute): only a clock ahead of this one puts it
/// there.
pub const DEFAULT_CLOCK_SKEW: Duration = Duration::from_secs(60);

/// Verifies Brighte signatures with a private key, an age bound, an
/// allowed clock skew and an optional replay store.
///
/// Every message is checked in that order: the signature, then its
/// timestamp (no older than the age bound, no further ahead than the
/// skew), then the replay store. A bad signature is a
/// [`Signature`](partner_sdk_core::Error::Signature) error; an authentic
/// message out of its time is [`Error::Notice`] with
/// [`NoticeError::TooOld`] or [`NoticeError::FromTheFuture`].
///
/// [`NoticeError::TooOld`]: crate::error::NoticeError::TooOld
/// [`NoticeError::FromTheFuture`]: crate::error::NoticeError::FromTheFuture
#[derive(Clone)]
pub struct Verifier {
    private_key: SecretString,
    max_age: Duration,
    clock_skew: Duration,
    replay: Option<Arc<dyn ReplayStore>>,
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verifier")
            .field("private_key", &REDACTED)
            .field("max_age", &self.max_age)
            .field("clock_skew", &self.clock_skew)
            .field("replay", &self.replay)
            .finish()
    }
}

fn unix_seconds(at: SystemTime) -> i64 {
    at.duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

fn seconds(d: Duration) -> i64 {
    i64::try_from(d.as_secs()).unwrap_or(i64::MAX)
}

impl Verifier {
    /// A verifier with the default age bound ([`DEFAULT_MAX_AGE`]) and
    /// clock skew ([`DEFAULT_CLOCK_SKEW`]) and no replay store. An empty
    /// key verifies nothing: every message is refused with a signature
    /// error.
    pub fn new(private_key: impl Into<String>) -> Self {
        Verifier {
            private_key: SecretString::from(private_key.into()),
            max_age: DEFAULT_MAX_AGE,
            clock_skew: DEFAULT_CLOCK_SKEW,
            replay: None,
        }
    }

    /// Refuses timestamps further than `tolerance` from now, either way:
    /// sets both the age bound and the clock skew.
    ///
    /// [`webhook::confirm`](crate::webhook::confirm) never uses an age
    /// bound below
    /// [`webhook::CONFIRM_TOLERANCE`](crate::webhook::CONFIRM_TOLERANCE):
    /// Brighte's resends keep the first delivery's timestamp for 8 hours.
    pub fn tolerance(mut self, tolerance: Duration) -> Self {
        self.max_age = tolerance;
        self.clock_skew = tolerance;
        self
    }

    /// Refuses timestamps older than `max_age` (the default is
    /// [`DEFAULT_MAX_AGE`]).
    pub fn max_age(mut self, max_age: Duration) -> Self {
        self.max_age = max_age;
        self
    }

    /// Refuses timestamps further than `skew` in the future (the default
    /// is [`DEFAULT_CLOCK_SKEW`]).
    pub fn clock_skew(mut self, skew: Duration) -> Self {
        self.clock_skew = skew;
        self
    }

    /// The age bound: older timestamps are refused.
    #[cfg(feature = "webhook-service")]
    pub(crate) fn age_bound(&self) -> Duration {
        self.max_age
    }

    /// Refuses a (timestamp, token) pair already accepted, and timestamps
    /// further than `tolerance` from now (as [`tolerance`](Self::tolerance)),
    /// so the store never has to remember a pair for longer.
    ///
    /// The `confirm` flows ignore the store: acting on the fetched
    /// application makes a replay harmless, and a store would refuse
    /// Brighte's resends.
    pub fn replay_store(mut self, tolerance: Duration, store: Arc<dyn ReplayStore>) -> Self {
        self = self.tolerance(tolerance);
        self.replay = Some(store);
        self
    }

    /// Checks `signature` over `timestamp ‖ token`, then freshness against
    /// `now`, then the replay store. Returns the timestamp.
    pub fn verify_at(
        &self,
        timestamp: &str,
        token: &str,
        signature: &str,
        now: SystemTime,
    ) -> Result<i64> {
        let ts = self.authenticate_at(timestamp, token, signature, now, None)?;
        if let Some(store) = &self.replay {
            let expired_before = unix_seconds(now).saturating_sub(seconds(self.max_age));
            if !store.check_and_record(ts, token, expired_before) {
                return Err(partner_sdk_core::Error::signature(
                    "timestamp and token already used (replay)",
                )
                .into());
            }
        }
        Ok(ts)
    }

    /// [`verify_at`](Self::verify_at) with the system clock.
    pub fn verify(&self, timestamp: &str, token: &str, signature: &str) -> Result<i64> {
        self.verify_at(timestamp, token, signature, SystemTime::now())
    }

    /// Forgets a notice accepted through the replay store, so that
    /// Brighte's resend of it is accepted: call it when handling the notice
    /// failed and the answer asks Brighte to send it again.
    pub fn forget<C>(&self, notice: &SignedNotice<C>) {
        if let Some(store) = &self.replay {
            store.forget(notice.timestamp, &notice.token);
        }
    }

    /// Signature and timestamp only (no replay store), with the age bound
    /// raised to at least `floor`.
    pub(crate) fn authenticate_at(
        &self,
        timestamp: &str,
        token: &str,
        signature: &str,
        now: SystemTime,
        floor: Option<Duration>,
    ) -> Result<i64> {
        let key = self.private_key.expose_secret();
        // An empty key would verify notices anyone can sign.
        if key.is_empty() {
            return Err(partner_sdk_core::Error::signature(
                "the verifier's private key is empty: nothing can be verified",
            )
            .into());
        }
        if !partner_sdk_core::signature::verify_hmac_sha256_hex(
            key.as_bytes(),
            format!("{timestamp}{token}"),
            signature,
        ) {
            return Err(partner_sdk_core::Error::signature(
                "signature does not match timestamp and token",
            )
            .into());
        }
        let ts: i64 = timestamp.trim().parse().map_err(|_| {
            Error::from(partner_sdk_core::Error::signature(
                "timestamp is not Unix seconds",
            ))
        })?;
        let max_age = floor.map_or(self.max_age, |f| self.max_age.max(f));
        let now = unix_seconds(now);
        if ts <= now {
            let age = Duration::from_secs(now.abs_diff(ts));
            if age > max_age {
                return Err(NoticeError::TooOld { age, max_age }.into());
            }
        } else {
            let ahead = Duration::from_secs(ts.abs_diff(now));
            if ahead > self.clock_skew {
                return Err(NoticeError::FromTheFuture {
                    ahead,
                    skew: self.clock_skew,
                }
                .into());
            }
        }
        Ok(ts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An empty, truncated or prefix-only signature never verifies a
    /// redirect or a webhook (the class of bug a webhook library fixed in
    /// 2024), and neither does a verifier whose key is empty.
    #[test]
    fn an_empty_truncated_or_prefix_signature_never_verifies() {
        let now = UNIX_EPOCH + Duration::from_secs(946_684_800);
        let (ts, token) = (
            "946684800",
            "b08c02e08efec9e34611c5141e5f698bff949f95999e687ecc",
        );
        let verifier = Verifier::new("brighte-private-key");
        let sig = sign("brighte-private-key", ts, token);
        assert_eq!(
            verifier.verify_at(ts, token, &sig, now).ok(),
            Some(946_684_800)
        );
        for len in 0..sig.len() {
            let err = verifier.verify_at(ts, token, &sig[..len], now);
            assert!(err.is_err(), "a prefix of {len} verified");
        }
        for forged in ["", " ", "00", &format!("{sig}00"), &sig[1..]] {
            assert!(
                verifier.verify_at(ts, token, forged, now).is_err(),
                "{forged:?}"
            );
        }
        let empty_key = Verifier::new("");
        assert!(
            empty_key
                .verify_at(ts, token, &sign("", ts, token), now)
                .is_err()
        );
    }

    #[test]
    fn the_store_keys_on_the_pair_not_the_concatenation() {
        let store = InMemoryReplayStore::new();
        // "12" ‖ "3abc" and "1" ‖ "23abc" concatenate alike; they are two pairs.
        assert!(store.check_and_record(12, "3abc", 0));
        assert!(store.check_and_record(1, "23abc", 0));
        // The same token with another timestamp is another pair.
        assert!(store.check_and_record(13, "3abc", 0));
        assert!(!store.check_and_record(12, "3abc", 0));
        assert_eq!(store.len(), 3);
        store.forget(12, "3abc");
        assert!(store.check_and_record(12, "3abc", 0));
    }

    #[test]
    fn the_store_drops_pairs_past_the_horizon() {
        let store = InMemoryReplayStore::new();
        assert!(store.check_and_record(100, "a", 0));
        assert!(store.check_and_record(200, "b", 0));
        assert!(store.check_and_record(300, "c", 150));
        assert_eq!(store.len(), 2);
        assert!(!store.check_and_record(200, "b", 150));
    }

    #[test]
    fn a_replay_store_comes_with_a_tolerance() {
        let v = Verifier::new("k").replay_store(
            Duration::from_secs(60),
            Arc::new(InMemoryReplayStore::new()),
        );
        let now = UNIX_EPOCH + Duration::from_secs(1_000);
        let sig = sign("k", "1000", "tok");
        v.verify_at("1000", "tok", &sig, now).unwrap();
        assert!(v.verify_at("1000", "tok", &sig, now).is_err(), "replay");
        let stale = sign("k", "900", "tok2");
        assert!(v.verify_at("900", "tok2", &stale, now).is_err(), "stale");
    }

    #[test]
    fn the_floor_raises_a_shorter_tolerance_only() {
        let v = Verifier::new("k").tolerance(Duration::from_secs(60));
        let now = UNIX_EPOCH + Duration::from_secs(10_000);
        let sig = sign("k", "9000", "t");
        assert!(v.authenticate_at("9000", "t", &sig, now, None).is_err());
        assert_eq!(
            v.authenticate_at("9000", "t", &sig, now, Some(Duration::from_secs(1_000)))
                .unwrap(),
            9000
        );
        // A verifier built the default way has an age bound too.
        let default = Verifier::new("k");
        assert!(matches!(
            default.authenticate_at("1", "t", &sign("k", "1", "t"), now, None),
            Err(Error::Notice(e)) if matches!(*e, NoticeError::TooOld { .. })
        ));
        // The floor raises the age bound, not the clock skew.
        let ahead = sign("k", "10100", "t");
        assert!(matches!(
            v.authenticate_at("10100", "t", &ahead, now, Some(Duration::from_secs(1_000))),
            Err(Error::Notice(e)) if matches!(*e, NoticeError::FromTheFuture { .. })
        ));
    }
}
