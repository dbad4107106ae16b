//! The signature Brighte puts on checkout redirects and webhooks:
//! `hex(HMAC-SHA256(private API key, timestamp ‖ token))`, verified in
//! constant time, with an optional timestamp tolerance and replay store.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use partner_sdk_core::secret::REDACTED;
use partner_sdk_core::{ExposeSecret, SecretString};

use crate::error::{Error, Result};

/// Signs `timestamp ‖ token` with the private key (lower-case hex), as
/// Brighte does. Useful to build test payloads.
pub fn sign(private_key: &str, timestamp: &str, token: &str) -> String {
    partner_sdk_core::signature::hmac_sha256_hex(
        private_key.as_bytes(),
        format!("{timestamp}{token}"),
    )
}

/// Remembers tokens already accepted, so a replayed message is refused.
pub trait ReplayStore: Send + Sync + fmt::Debug {
    /// Records `token` (signed at `timestamp`, Unix seconds). Returns
    /// `false` when it was seen before.
    fn check_and_record(&self, token: &str, timestamp: i64) -> bool;
}

/// An in-memory [`ReplayStore`] that forgets tokens older than its retention.
#[derive(Debug)]
pub struct InMemoryReplayStore {
    retention: Duration,
    seen: Mutex<HashMap<String, i64>>,
}

impl InMemoryReplayStore {
    /// A store keeping tokens for `retention` (use at least the timestamp
    /// tolerance; older messages are refused as stale anyway).
    pub fn new(retention: Duration) -> Self {
        InMemoryReplayStore {
            retention,
            seen: Mutex::new(HashMap::new()),
        }
    }

    /// Number of tokens remembered.
    pub fn len(&self) -> usize {
        self.seen
            .lock()
            .map(|m| m.len())
            .unwrap_or_else(|p| p.into_inner().len())
    }

    /// True when no token is remembered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Default for InMemoryReplayStore {
    fn default() -> Self {
        Self::new(Duration::from_secs(24 * 3600))
    }
}

impl ReplayStore for InMemoryReplayStore {
    fn check_and_record(&self, token: &str, timestamp: i64) -> bool {
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        let horizon =
            timestamp.saturating_sub(i64::try_from(self.retention.as_secs()).unwrap_or(i64::MAX));
        seen.retain(|_, t| *t >= horizon);
        if seen.contains_key(token) {
            return false;
        }
        seen.insert(token.to_owned(), timestamp);
        true
    }
}

/// Verifies Brighte signatures with a private key, an optional timestamp
/// tolerance and an optional replay store.
#[derive(Clone)]
pub struct Verifier {
    private_key: SecretString,
    tolerance: Option<Duration>,
    replay: Option<Arc<dyn ReplayStore>>,
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verifier")
            .field("private_key", &REDACTED)
            .field("tolerance", &self.tolerance)
            .field("replay", &self.replay)
            .finish()
    }
}

impl Verifier {
    /// A verifier with no tolerance and no replay store.
    pub fn new(private_key: impl Into<String>) -> Self {
        Verifier {
            private_key: SecretString::from(private_key.into()),
            tolerance: None,
            replay: None,
        }
    }

    /// Refuses timestamps further than `tolerance` from now (either way).
    pub fn tolerance(mut self, tolerance: Duration) -> Self {
        self.tolerance = Some(tolerance);
        self
    }

    /// Refuses a token already accepted.
    pub fn replay_store(mut self, store: Arc<dyn ReplayStore>) -> Self {
        self.replay = Some(store);
        self
    }

    /// Checks `signature` over `timestamp ‖ token`, then freshness against
    /// `now`, then the replay store.
    pub fn verify_at(
        &self,
        timestamp: &str,
        token: &str,
        signature: &str,
        now: SystemTime,
    ) -> Result<i64> {
        let key = self.private_key.expose_secret();
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
        if let Some(tol) = self.tolerance {
            let now_s = now
                .duration_since(UNIX_EPOCH)
                .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
                .unwrap_or(0);
            let age = now_s.saturating_sub(ts).unsigned_abs();
            if age > tol.as_secs() {
                return Err(partner_sdk_core::Error::signature(format!(
                    "timestamp {ts} is {age} s from now, beyond the {} s tolerance",
                    tol.as_secs()
                ))
                .into());
            }
        }
        if let Some(store) = &self.replay
            && !store.check_and_record(token, ts)
        {
            return Err(partner_sdk_core::Error::signature("token already used (replay)").into());
        }
        Ok(ts)
    }

    /// [`verify_at`](Self::verify_at) with the system clock.
    pub fn verify(&self, timestamp: &str, token: &str, signature: &str) -> Result<i64> {
        self.verify_at(timestamp, token, signature, SystemTime::now())
    }
}
