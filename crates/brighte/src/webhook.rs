//! Webhooks: Brighte POSTs an application status change to the vendor's URL.
//!
//! The payload (`id`, `reference_number`, `status`, `timestamp`, `token`,
//! `signature`) is accepted as JSON or form-encoded. The signature is
//! `hex(HMAC-SHA256(private key, timestamp ‖ token))`: it proves that
//! Brighte issued the (timestamp, token) pair, **not** that Brighte wrote
//! `id`, `status` or `reference_number`. Anyone holding one valid triple
//! can post `status=APPROVED` for any application id with it.
//!
//! # The flow: verify, confirm, acknowledge
//!
//! [`confirm`] verifies the signature, then fetches the application named
//! by the notice with the vendor session (`GET applications/{id}`) and
//! returns it as Brighte's API reports it. Act on that application's
//! status, never on the notice's: a forged status or a replayed triple
//! then changes nothing, in one process or across many replicas, with no
//! shared replay store. Then answer with [`Ack::for_outcome`]:
//!
//! ```no_run
//! # async fn run(client: partner_sdk_brighte::Client, body: &[u8]) {
//! use partner_sdk_brighte::{Verifier, webhook::{self, Ack}};
//! let verifier = Verifier::new("PRIVATE_API_KEY");
//! let outcome = webhook::confirm(&client, &verifier, body).await;
//! if let Ok(application) = &outcome {
//!     // Act on `application.status`: it is Brighte's, not the notice's.
//! }
//! let status = Ack::for_outcome(&outcome).status_code(); // the HTTP answer
//! # let _ = status; }
//! ```
//!
//! # Acknowledgement
//!
//! Brighte stops delivering a notice once the receiver answers 200 or 406;
//! any other answer makes it send the notice again, with its **first**
//! timestamp, after each delay of [`REDELIVERY_SCHEDULE`] (about 8 hours
//! in all), then stop. So an answer that stops redelivery is given only
//! once the update is safely handled:
//!
//! | outcome of [`confirm`] | [`Ack`] | HTTP | Brighte then | why |
//! |---|---|---|---|---|
//! | confirmed: signature valid, application fetched | [`Accepted`](Ack::Accepted) | 200 | stops | the vendor holds Brighte's own view of the application; a later change comes as a new notice |
//! | signature valid, fetch failed: network, timeout, HTTP 5xx or 429, session could not be opened, answer not decodable | [`RetryLater`](Ack::RetryLater) | 503 | resends | the update is not handled yet; the resend is confirmed by fetch (the tolerance of [`confirm`] covers the whole redelivery window) |
//! | signature valid, Brighte refused the fetch (e.g. 404/4041, 401/4010 "Invalid application ID.") | [`RetryLater`](Ack::RetryLater) | 503 | resends | a notice may arrive before its application is visible to the API, and an access refusal may be configuration fixed within the window; a forged id gets the same answer and nothing is acted on |
//! | signature missing or wrong, timestamp not Unix seconds or beyond the tolerance | [`Unauthenticated`](Ack::Unauthenticated) | 401 | resends | no action and no claim of success; if Brighte did send it (e.g. the private key was rotated), a resend is confirmed once the key is fixed |
//! | not a webhook (neither JSON nor form, or `id`, `timestamp`, `token` or `signature` missing) | [`Malformed`](Ack::Malformed) | 400 | resends | no action and no claim of success |
//! | — (never chosen by [`Ack::for_outcome`]) | [`NotAcceptable`](Ack::NotAcceptable) | 406 | stops | for a vendor that handled a notice and decided not to act on it |
//!
//! A forger's request gets the same answers, but nothing is acted on and
//! the answer reaches only the forger: Brighte resends only what it sent.
//!
//! # Without fetching
//!
//! Vendors who cannot call the vendor API may [`verify`] with a
//! [`Verifier`] carrying a tolerance and a [`ReplayStore`]
//! (`Verifier::replay_store`) and act on the [`claims`](SignedNotice::claims)
//! at their own risk: anyone holding a fresh triple can still attach any
//! status to it once. When handling such a notice fails, call
//! [`Verifier::forget`] before answering [`Ack::RetryLater`], so that
//! Brighte's resend is not refused as a replay.
//!
//! # Ready to mount
//!
//! With the feature `webhook-handler` (axum) or `webhook-service` (any
//! tower framework), `WebhookHandler` runs this flow for each request
//! and hands an async closure only the confirmed application; the
//! closure's failure answers 503 (resend later). It answers a notice it
//! already acknowledged from its notice store (no fetch, no closure run),
//! fetches at most a few notices at once and bounds the time a body may
//! take to arrive.
//!
//! [`ReplayStore`]: crate::signing::ReplayStore

use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};

use crate::applications::{Application, ApplicationStatus};
use crate::client::Client;
use crate::error::{Error, Result};
use crate::signing::{SignedNotice, Verifier};

#[cfg(feature = "webhook-service")]
mod handler;
#[cfg(feature = "webhook-service")]
mod notices;
#[cfg(feature = "webhook-service")]
pub use handler::{
    DEFAULT_BODY_TIMEOUT, DEFAULT_MAX_CONCURRENT, Handled, HandlerError, MAX_WEBHOOK_BODY,
    OVERLOADED_RETRY_AFTER, Verdict, WebhookHandler,
};
#[cfg(feature = "webhook-service")]
pub use partner_sdk_core::receiver::{
    DEFAULT_NOTICE_CAPACITY, InMemoryNoticeStore, NoticeKey, NoticeStore,
};

/// Delays between redeliveries after an answer other than 200 or 406:
/// 10 min, 10 min, 15 min, 30 min, 1 h, 2 h, 4 h.
pub const REDELIVERY_SCHEDULE: [Duration; 7] = [
    Duration::from_secs(10 * 60),
    Duration::from_secs(10 * 60),
    Duration::from_secs(15 * 60),
    Duration::from_secs(30 * 60),
    Duration::from_secs(3600),
    Duration::from_secs(2 * 3600),
    Duration::from_secs(4 * 3600),
];

/// Time from a notice's first delivery to its last resend (8 h 5 min):
/// the sum of [`REDELIVERY_SCHEDULE`]. Every resend carries the first
/// delivery's timestamp.
pub const REDELIVERY_WINDOW: Duration = {
    let mut secs = 0;
    let mut i = 0;
    while i < REDELIVERY_SCHEDULE.len() {
        secs += REDELIVERY_SCHEDULE[i].as_secs();
        i += 1;
    }
    Duration::from_secs(secs)
};

/// The least timestamp tolerance [`confirm`] uses (10 hours): the
/// [`REDELIVERY_WINDOW`] plus margin for slow attempts and clock skew, so
/// that no resend of a notice is refused as stale.
pub const CONFIRM_TOLERANCE: Duration = Duration::from_secs(10 * 3600);

const _: () = assert!(CONFIRM_TOLERANCE.as_secs() > REDELIVERY_WINDOW.as_secs());

/// Delay before redelivery number `n` (1-based) after a failed delivery;
/// `None` when Brighte gives up.
pub fn redelivery_delay(n: usize) -> Option<Duration> {
    n.checked_sub(1)
        .and_then(|i| REDELIVERY_SCHEDULE.get(i).copied())
}

/// A timestamp tolerance for [`verify`] without fetching (5 minutes).
pub const DEFAULT_TOLERANCE: Duration = Duration::from_secs(300);

/// What a webhook receiver answers (see the [module docs](self) for the
/// mapping and why).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Ack {
    /// 200: confirmed and handled; Brighte stops delivering it.
    Accepted,
    /// 406: handled, and the vendor decided not to act; Brighte stops.
    NotAcceptable,
    /// 503: not handled yet; Brighte sends it again.
    RetryLater,
    /// 401: the signature did not verify; nothing was done.
    Unauthenticated,
    /// 400: not a webhook payload; nothing was done.
    Malformed,
    /// 503 with `Retry-After`: the receiver is handling as many notices as
    /// it allows at once, or this same notice already; nothing was done
    /// and Brighte sends it again.
    Overloaded,
    /// 408: the body did not arrive in time; nothing was done.
    RequestTimeout,
}

impl Ack {
    /// The HTTP status code.
    pub fn status_code(self) -> u16 {
        match self {
            Ack::Accepted => 200,
            Ack::NotAcceptable => 406,
            Ack::RetryLater => 503,
            Ack::Unauthenticated => 401,
            Ack::Malformed => 400,
            Ack::Overloaded => 503,
            Ack::RequestTimeout => 408,
        }
    }

    /// The answer a status code stands for (200, 406, 503, 401, 400, 408),
    /// e.g. read back from a shared notice store (`NoticeStore`, feature
    /// `webhook-service`) that keeps [`status_code`](Self::status_code);
    /// 503 reads as [`RetryLater`](Self::RetryLater).
    pub fn from_status_code(code: u16) -> Option<Ack> {
        Some(match code {
            200 => Ack::Accepted,
            406 => Ack::NotAcceptable,
            503 => Ack::RetryLater,
            401 => Ack::Unauthenticated,
            400 => Ack::Malformed,
            408 => Ack::RequestTimeout,
            _ => return None,
        })
    }

    /// The answer to a handled notice: `Ok` (from [`confirm`], or the
    /// vendor's own handling after [`verify`]) is 200; a signature error
    /// 401; a malformed payload 400; anything else (network, timeout,
    /// session, an error answer of Brighte's API) 503 so that Brighte
    /// sends the notice again.
    pub fn for_outcome<T>(outcome: &Result<T>) -> Ack {
        match outcome {
            Ok(_) => Ack::Accepted,
            Err(e) => Ack::for_error(e),
        }
    }

    /// The answer to a notice whose handling failed with `error`: 401 for a
    /// signature error or a timestamp out of the verifier's bounds
    /// ([`Error::Notice`]), 400 for a malformed payload, 503 for anything
    /// else (the `Err` row of [`Ack::for_outcome`]).
    pub fn for_error(error: &Error) -> Ack {
        if let Error::Notice(_) = error {
            return Ack::Unauthenticated;
        }
        match error.as_core() {
            Some(partner_sdk_core::Error::Signature(_)) => Ack::Unauthenticated,
            Some(partner_sdk_core::Error::InvalidInput(_)) => Ack::Malformed,
            _ => Ack::RetryLater,
        }
    }

    /// True when Brighte stops delivering after this answer (200 or 406).
    pub fn stops_redelivery(self) -> bool {
        matches!(self, Ack::Accepted | Ack::NotAcceptable)
    }
}

/// What a webhook says about an application. Not covered by Brighte's
/// signature: confirm it with [`confirm`] before acting on it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct WebhookClaims {
    /// The application the notice names (`id`).
    pub application_id: String,
    /// The reference number it names.
    pub reference_number: Option<String>,
    /// The status it names, when it has one.
    pub status: Option<ApplicationStatus>,
}

/// A webhook whose signature verified; its fields are claims.
pub type SignedWebhook = SignedNotice<WebhookClaims>;

/// The raw payload as received: nothing in it is verified.
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
    /// Parses a JSON object or a form-encoded body. `id`, `timestamp`,
    /// `token` and `signature` are required; `status` is not needed to
    /// confirm.
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

    /// What the payload claims (nothing verified).
    pub fn claims(&self) -> WebhookClaims {
        let status = self.status.trim();
        WebhookClaims {
            application_id: self.id.trim().to_owned(),
            reference_number: self.reference_number.clone(),
            status: (!status.is_empty()).then(|| ApplicationStatus::from(status)),
        }
    }

    /// Checks the signature with `verifier` (tolerance, replay store) at
    /// `now`.
    pub fn verify_at(self, verifier: &Verifier, now: SystemTime) -> Result<SignedWebhook> {
        let timestamp = verifier.verify_at(&self.timestamp, &self.token, &self.signature, now)?;
        let claims = self.claims();
        Ok(SignedNotice::new(timestamp, self.token, claims))
    }
}

/// Parses and verifies a webhook body (JSON or form) with `verifier`: its
/// tolerance and replay store apply. The result's fields are claims; for
/// the documented flow use [`confirm`].
pub fn verify(verifier: &Verifier, payload: &[u8]) -> Result<SignedWebhook> {
    verify_at(verifier, payload, SystemTime::now())
}

/// [`verify`] at a given "now".
pub fn verify_at(verifier: &Verifier, payload: &[u8], now: SystemTime) -> Result<SignedWebhook> {
    WebhookPayload::parse(payload)?.verify_at(verifier, now)
}

/// Verifies a webhook body, then fetches the application it names with the
/// vendor session and returns it as Brighte's API reports it.
///
/// The verifier's tolerance applies but is never less than
/// [`CONFIRM_TOLERANCE`], so Brighte's resends (which keep the first
/// timestamp for about 8 hours) are confirmed; its replay store is not
/// used, since acting on the fetched application makes a replay harmless.
/// Answer with [`Ack::for_outcome`] of the result.
pub async fn confirm(client: &Client, verifier: &Verifier, payload: &[u8]) -> Result<Application> {
    confirm_at(client, verifier, payload, SystemTime::now()).await
}

/// [`confirm`] at a given "now".
pub async fn confirm_at(
    client: &Client,
    verifier: &Verifier,
    payload: &[u8],
    now: SystemTime,
) -> Result<Application> {
    let raw = WebhookPayload::parse(payload)?;
    authenticate(verifier, &raw, now)?;
    client.get_application(raw.id.trim()).await
}

/// The signature and timestamp check of [`confirm`]: the verifier's age
/// bound raised to [`CONFIRM_TOLERANCE`]. Returns the timestamp.
pub(crate) fn authenticate(
    verifier: &Verifier,
    raw: &WebhookPayload,
    now: SystemTime,
) -> Result<i64> {
    verifier.authenticate_at(
        &raw.timestamp,
        &raw.token,
        &raw.signature,
        now,
        Some(CONFIRM_TOLERANCE),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_confirm_tolerance_covers_every_resend() {
        assert_eq!(REDELIVERY_WINDOW, Duration::from_secs(485 * 60));
        let verifier = Verifier::new("k").tolerance(Duration::from_secs(60));
        let first = 1_700_000_000_i64;
        let payload =
            WebhookPayload::signed("k", "7", None, &ApplicationStatus::Approved, first, "tok");
        let mut offset = Duration::ZERO;
        for delay in REDELIVERY_SCHEDULE {
            offset += delay;
            // Each resend arrives after its delay (plus a slow attempt).
            let at = SystemTime::UNIX_EPOCH
                + Duration::from_secs(first as u64)
                + offset
                + Duration::from_secs(120);
            verifier
                .authenticate_at(
                    &payload.timestamp,
                    &payload.token,
                    &payload.signature,
                    at,
                    Some(CONFIRM_TOLERANCE),
                )
                .unwrap_or_else(|e| panic!("resend at {offset:?}: {e}"));
            // The verifier's own tolerance alone would have refused it.
            assert!(
                payload.clone().verify_at(&verifier, at).is_err(),
                "{offset:?}"
            );
        }
    }

    #[test]
    fn confirm_bounds_the_age_even_when_the_verifier_has_no_tolerance() {
        let verifier = Verifier::new("k");
        let first = 1_700_000_000_i64;
        let payload =
            WebhookPayload::signed("k", "7", None, &ApplicationStatus::Approved, first, "tok");
        let at =
            |after: Duration| SystemTime::UNIX_EPOCH + Duration::from_secs(first as u64) + after;
        let authenticate = |now| {
            verifier.authenticate_at(
                &payload.timestamp,
                &payload.token,
                &payload.signature,
                now,
                Some(CONFIRM_TOLERANCE),
            )
        };
        assert!(authenticate(at(REDELIVERY_WINDOW)).is_ok());
        let err = authenticate(at(CONFIRM_TOLERANCE + Duration::from_secs(1))).unwrap_err();
        assert_eq!(Ack::for_outcome(&Err::<(), _>(err)), Ack::Unauthenticated);
    }

    #[test]
    fn an_empty_key_verifies_nothing() {
        let now = 1_700_000_000_i64;
        let at = SystemTime::UNIX_EPOCH + Duration::from_secs(now as u64);
        // Signed with the empty key, as anyone could.
        let payload =
            WebhookPayload::signed("", "7", None, &ApplicationStatus::Approved, now, "tok");
        let err = payload.verify_at(&Verifier::new(""), at).unwrap_err();
        assert!(err.to_string().contains("private key is empty"), "{err}");
        assert_eq!(Ack::for_outcome(&Err::<(), _>(err)), Ack::Unauthenticated);
    }

    #[test]
    fn the_mapping_never_claims_success_for_an_error() {
        let sig: Result<()> = Err(partner_sdk_core::Error::signature("bad").into());
        let bad: Result<()> = Err(Error::invalid("id", "missing"));
        let net: Result<()> = Err(partner_sdk_core::Error::config("no session").into());
        assert_eq!(Ack::for_outcome(&Ok::<_, Error>(())), Ack::Accepted);
        assert_eq!(Ack::for_outcome(&sig), Ack::Unauthenticated);
        assert_eq!(Ack::for_outcome(&bad), Ack::Malformed);
        assert_eq!(Ack::for_outcome(&net), Ack::RetryLater);
        for ack in [&sig, &bad, &net].map(Ack::for_outcome) {
            assert!(!ack.stops_redelivery(), "{ack:?}");
            assert_ne!(ack.status_code(), 200);
        }
        assert!(Ack::Accepted.stops_redelivery() && Ack::NotAcceptable.stops_redelivery());
    }
}
