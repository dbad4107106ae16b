//! Webhooks: Brighte POSTs an application status change to the vendor's URL.
//!
//! The payload (`id`, `reference_number`, `status`, `timestamp`, `token`,
//! `signature`) is accepted as JSON or form-encoded. Verification checks
//! `signature = hex(HMAC-SHA256(private key, timestamp ‖ token))` in
//! constant time and refuses timestamps beyond a tolerance.
//!
//! Answer **200** when the message is taken, **406** when it is refused (bad
//! signature, stale, malformed: redelivery would not fix it). Any other
//! status makes Brighte send it again after each delay of
//! [`REDELIVERY_SCHEDULE`] and then stop.

use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};

use crate::applications::ApplicationStatus;
use crate::error::{Error, Result};
use crate::signing::Verifier;

/// Delays between redeliveries after a non-200/406 answer: 10 min, 10 min,
/// 15 min, 30 min, 1 h, 2 h, 4 h.
pub const REDELIVERY_SCHEDULE: [Duration; 7] = [
    Duration::from_secs(10 * 60),
    Duration::from_secs(10 * 60),
    Duration::from_secs(15 * 60),
    Duration::from_secs(30 * 60),
    Duration::from_secs(3600),
    Duration::from_secs(2 * 3600),
    Duration::from_secs(4 * 3600),
];

/// Delay before redelivery number `n` (1-based) after a failed delivery;
/// `None` when Brighte gives up.
pub fn redelivery_delay(n: usize) -> Option<Duration> {
    n.checked_sub(1)
        .and_then(|i| REDELIVERY_SCHEDULE.get(i).copied())
}

/// Default timestamp tolerance (5 minutes).
pub const DEFAULT_TOLERANCE: Duration = Duration::from_secs(300);

/// The status a webhook receiver answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Ack {
    /// 200: received; no redelivery.
    Accepted,
    /// 406: refused; no redelivery.
    NotAcceptable,
}

impl Ack {
    /// The HTTP status code.
    pub fn status_code(self) -> u16 {
        match self {
            Ack::Accepted => 200,
            Ack::NotAcceptable => 406,
        }
    }

    /// 200 for a verified event, 406 for one that failed verification.
    pub fn for_result<T>(result: &Result<T>) -> Ack {
        if result.is_ok() {
            Ack::Accepted
        } else {
            Ack::NotAcceptable
        }
    }

    /// True when Brighte stops delivering after this answer (200 or 406;
    /// always true for an `Ack`).
    pub fn stops_redelivery(status: u16) -> bool {
        matches!(status, 200 | 406)
    }
}

/// A verified status-change notification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct WebhookEvent {
    /// Application id.
    pub id: String,
    /// Application reference number.
    pub reference_number: Option<String>,
    /// New status.
    pub status: ApplicationStatus,
    /// Unix seconds when Brighte signed it.
    pub timestamp: i64,
    /// The random token (50 characters).
    pub token: String,
}

/// The raw payload, before verification.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct WebhookPayload {
    /// Application id.
    #[serde(default, deserialize_with = "partner_sdk_core::decode::string")]
    pub id: String,
    /// Reference number.
    #[serde(default, deserialize_with = "partner_sdk_core::decode::opt_string")]
    pub reference_number: Option<String>,
    /// Status.
    #[serde(default, deserialize_with = "partner_sdk_core::decode::string")]
    pub status: String,
    /// Unix seconds (sent as a string).
    #[serde(default, deserialize_with = "partner_sdk_core::decode::string")]
    pub timestamp: String,
    /// Random token.
    #[serde(default, deserialize_with = "partner_sdk_core::decode::string")]
    pub token: String,
    /// Hex signature.
    #[serde(default, deserialize_with = "partner_sdk_core::decode::string")]
    pub signature: String,
}

impl WebhookPayload {
    /// Parses a JSON object or a form-encoded body.
    pub fn parse(payload: &[u8]) -> Result<WebhookPayload> {
        let first = payload.iter().find(|b| !b.is_ascii_whitespace());
        let parsed: WebhookPayload = if first == Some(&b'{') {
            serde_json::from_slice(payload)
                .map_err(|e| Error::invalid("payload", format!("not a webhook JSON object: {e}")))?
        } else {
            serde_urlencoded::from_bytes(payload).map_err(|e| {
                Error::invalid("payload", format!("not a form-encoded webhook: {e}"))
            })?
        };
        for (field, value) in [
            ("id", &parsed.id),
            ("status", &parsed.status),
            ("timestamp", &parsed.timestamp),
            ("token", &parsed.token),
            ("signature", &parsed.signature),
        ] {
            if value.trim().is_empty() {
                return Err(Error::invalid(field, "missing from the webhook payload"));
            }
        }
        Ok(parsed)
    }

    /// A signed payload (for tests and simulators).
    pub fn signed(
        private_key: &str,
        id: impl Into<String>,
        reference_number: Option<String>,
        status: &ApplicationStatus,
        timestamp: i64,
        token: impl Into<String>,
    ) -> WebhookPayload {
        let token = token.into();
        let ts = timestamp.to_string();
        WebhookPayload {
            id: id.into(),
            reference_number,
            status: status.as_str().to_owned(),
            signature: crate::signing::sign(private_key, &ts, &token),
            timestamp: ts,
            token,
        }
    }

    /// Checks the signature with `verifier` at `now`.
    pub fn verify_at(self, verifier: &Verifier, now: SystemTime) -> Result<WebhookEvent> {
        let timestamp = verifier.verify_at(&self.timestamp, &self.token, &self.signature, now)?;
        Ok(WebhookEvent {
            id: self.id,
            reference_number: self.reference_number,
            status: ApplicationStatus::from(self.status.as_str()),
            timestamp,
            token: self.token,
        })
    }
}

/// Parses and verifies a webhook body (JSON or form) with the private API
/// key, refusing timestamps more than `tolerance` away from now.
pub fn verify(payload: &[u8], private_key: &str, tolerance: Duration) -> Result<WebhookEvent> {
    verify_at(payload, private_key, tolerance, SystemTime::now())
}

/// [`verify`] at a given "now" (for tests and replays of stored messages).
pub fn verify_at(
    payload: &[u8],
    private_key: &str,
    tolerance: Duration,
    now: SystemTime,
) -> Result<WebhookEvent> {
    WebhookPayload::parse(payload)?.verify_at(&Verifier::new(private_key).tolerance(tolerance), now)
}

/// Parses and verifies with a configured [`Verifier`] (tolerance, replay store).
pub fn verify_with(payload: &[u8], verifier: &Verifier) -> Result<WebhookEvent> {
    WebhookPayload::parse(payload)?.verify_at(verifier, SystemTime::now())
}

/// [`verify_with`] at a given "now".
pub fn verify_with_at(
    payload: &[u8],
    verifier: &Verifier,
    now: SystemTime,
) -> Result<WebhookEvent> {
    WebhookPayload::parse(payload)?.verify_at(verifier, now)
}
