//! Signed Brighte notices posted to any receiver, as Brighte delivers them:
//! what `partner-sandbox trigger brighte-webhook` does, callable from a
//! test.
//!
//! ```no_run
//! # async fn run() {
//! use partner_sdk_brighte::ApplicationStatus;
//! use partner_sdk_sandbox::trigger::{BrighteNotice, Redelivery, deliver};
//! let notice = BrighteNotice::signed("100001", &ApplicationStatus::Approved).build();
//! // The first delivery and two resends, without Brighte's waits.
//! let attempts = deliver("http://127.0.0.1:3000/webhooks/brighte", &notice,
//!     Redelivery::resends(2).time_scale(0.0), |_| {}).await;
//! assert_eq!(attempts.len(), 3);
//! # }
//! ```
//!
//! A resend repeats the first delivery's body: the same timestamp, token
//! and signature (Brighte's timestamp is up to 8 hours old by its last
//! resend), after each delay of `partner_sdk_brighte::webhook::redelivery_delay`.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use partner_sdk_brighte::ApplicationStatus;
use partner_sdk_brighte::webhook::{WebhookPayload, redelivery_delay};

use crate::brighte::PRIVATE_KEY;

/// A notice to post: a body and its content type.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct BrighteNotice {
    body: String,
    content_type: &'static str,
}

impl std::fmt::Debug for BrighteNotice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BrighteNotice")
            .field("content_type", &self.content_type)
            .field("bytes", &self.body.len())
            .finish_non_exhaustive()
    }
}

impl BrighteNotice {
    /// A notice that `application_id` is now `status`, signed with the
    /// sandbox's [`PRIVATE_KEY`] unless [`NoticeBuilder::key`] says
    /// otherwise.
    pub fn signed(application_id: impl Into<String>, status: &ApplicationStatus) -> NoticeBuilder {
        NoticeBuilder {
            application_id: application_id.into(),
            status: status.clone(),
            reference_number: None,
            key: None,
            timestamp: None,
            token: None,
        }
    }

    /// A body of the caller's own, posted as it is: JSON when it starts
    /// with `{`, form-encoded otherwise.
    pub fn raw(body: impl Into<String>) -> BrighteNotice {
        let body = body.into();
        let content_type = if body.trim_start().starts_with('{') {
            "application/json"
        } else {
            "application/x-www-form-urlencoded"
        };
        BrighteNotice { body, content_type }
    }

    /// The body posted.
    pub fn body(&self) -> &str {
        &self.body
    }

    /// Its content type.
    pub fn content_type(&self) -> &'static str {
        self.content_type
    }
}

/// Builds a signed [`BrighteNotice`]; the key never appears in its `Debug`.
#[derive(Clone)]
pub struct NoticeBuilder {
    application_id: String,
    status: ApplicationStatus,
    reference_number: Option<String>,
    key: Option<String>,
    timestamp: Option<i64>,
    token: Option<String>,
}

impl std::fmt::Debug for NoticeBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NoticeBuilder")
            .field("application_id", &self.application_id)
            .field("status", &self.status)
            .field("key", &self.key.as_ref().map(|_| "[REDACTED]"))
            .finish_non_exhaustive()
    }
}

impl NoticeBuilder {
    /// The reference number the notice carries.
    pub fn reference_number(mut self, reference: impl Into<String>) -> Self {
        self.reference_number = Some(reference.into());
        self
    }

    /// Signs with this private API key instead of the sandbox's.
    pub fn key(mut self, private_key: impl Into<String>) -> Self {
        self.key = Some(private_key.into());
        self
    }

    /// The timestamp (Unix seconds; now by default).
    pub fn timestamp(mut self, unix_seconds: i64) -> Self {
        self.timestamp = Some(unix_seconds);
        self
    }

    /// The token (50 random hex digits by default).
    pub fn token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(token.into());
        self
    }

    /// The signed JSON notice.
    pub fn build(self) -> BrighteNotice {
        let timestamp = self.timestamp.unwrap_or_else(unix_now);
        let token = self.token.unwrap_or_else(random_token);
        let payload = WebhookPayload::signed(
            self.key.as_deref().unwrap_or(PRIVATE_KEY),
            self.application_id,
            self.reference_number,
            &self.status,
            timestamp,
            token,
        );
        BrighteNotice {
            body: serde_json::to_string(&payload).unwrap_or_default(),
            content_type: "application/json",
        }
    }
}

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

fn random_token() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let seed = format!(
        "{}-{:?}-{}",
        COUNTER.fetch_add(1, Ordering::Relaxed),
        SystemTime::now(),
        std::process::id()
    );
    let mut out = partner_sdk_core::signature::sha256_hex(&seed);
    out.push_str(&partner_sdk_core::signature::sha256_hex(&out));
    out.truncate(50);
    out
}

/// How long one post of [`deliver`] waits for the receiver's whole answer
/// by default.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// How many resends follow the first delivery, how long to wait between
/// them, and how long each post waits for its answer.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct Redelivery {
    /// Resends after the first delivery (Brighte makes up to 7).
    pub resends: usize,
    /// Multiplies each of Brighte's delays (1.0: real time; 0.0: no wait).
    pub time_scale: f64,
    /// How long each post waits for the receiver's whole answer (not
    /// scaled); a post without an answer by then is an [`Attempt`] with
    /// no status.
    pub timeout: Duration,
}

impl Redelivery {
    /// The first delivery only.
    pub fn none() -> Redelivery {
        Redelivery::resends(0)
    }

    /// The first delivery and `count` resends, in real time.
    pub fn resends(count: usize) -> Redelivery {
        Redelivery {
            resends: count,
            time_scale: 1.0,
            timeout: DEFAULT_TIMEOUT,
        }
    }

    /// Each post waits at most `timeout` for its answer (zero counts as
    /// [`DEFAULT_TIMEOUT`]).
    pub fn timeout(mut self, timeout: Duration) -> Redelivery {
        self.timeout = if timeout.is_zero() {
            DEFAULT_TIMEOUT
        } else {
            timeout
        };
        self
    }

    /// Multiplies each wait by `scale` (0.0 skips the waits).
    pub fn time_scale(mut self, scale: f64) -> Redelivery {
        self.time_scale = if scale.is_finite() {
            scale.max(0.0)
        } else {
            1.0
        };
        self
    }

    fn wait_before(&self, resend: usize) -> Duration {
        redelivery_delay(resend)
            .unwrap_or_default()
            .mul_f64(self.time_scale)
    }
}

/// One post of a notice and what came back.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Attempt {
    /// 1 for the first delivery, 2 for the first resend, ...
    pub attempt: usize,
    /// The receiver's HTTP status; `None` when it gave no answer.
    pub status: Option<u16>,
    /// Why there was no answer (the URL is left out).
    pub error: Option<String>,
}

/// Posts `notice` to `url`, then resends it as `redelivery` says, whatever
/// the answers (to see a receiver handle a resend of a notice it already
/// accepted). `on_attempt` sees each attempt as it completes.
pub async fn deliver(
    url: &str,
    notice: &BrighteNotice,
    redelivery: Redelivery,
    mut on_attempt: impl FnMut(&Attempt),
) -> Vec<Attempt> {
    let http = match crate::server::http_client(Some(redelivery.timeout)) {
        Ok(http) => http,
        Err(reason) => {
            let failed = Attempt {
                attempt: 1,
                status: None,
                error: Some(reason),
            };
            on_attempt(&failed);
            return vec![failed];
        }
    };
    let mut attempts = Vec::new();
    for attempt in 1..=redelivery.resends.saturating_add(1) {
        if attempt > 1 {
            tokio::time::sleep(redelivery.wait_before(attempt - 1)).await;
        }
        let sent = http
            .post(url)
            .header("content-type", notice.content_type)
            .body(notice.body.clone())
            .send()
            .await;
        let result = match sent {
            Ok(answer) => Attempt {
                attempt,
                status: Some(answer.status().as_u16()),
                error: None,
            },
            Err(e) if e.is_timeout() => Attempt {
                attempt,
                status: None,
                error: Some(format!("no answer within {:?}", redelivery.timeout)),
            },
            Err(e) => Attempt {
                attempt,
                status: None,
                error: Some(e.without_url().to_string()),
            },
        };
        on_attempt(&result);
        attempts.push(result);
    }
    attempts
}

#[cfg(test)]
mod tests {
    use super::*;
    use partner_sdk_brighte::Verifier;

    #[test]
    fn a_built_notice_verifies_with_the_key_it_was_signed_with() {
        let notice = BrighteNotice::signed("7", &ApplicationStatus::Approved)
            .key("other-key")
            .build();
        assert!(
            partner_sdk_brighte::webhook::verify(
                &Verifier::new("other-key"),
                notice.body().as_bytes()
            )
            .is_ok()
        );
        assert!(
            partner_sdk_brighte::webhook::verify(
                &Verifier::new(PRIVATE_KEY),
                notice.body().as_bytes()
            )
            .is_err()
        );
        let builder = BrighteNotice::signed("7", &ApplicationStatus::Approved).key("other-key");
        assert!(!format!("{builder:?}").contains("other-key"));
    }

    #[test]
    fn the_waits_follow_brightes_schedule_scaled() {
        let r = Redelivery::resends(2).time_scale(0.5);
        assert_eq!(r.wait_before(1), Duration::from_secs(5 * 60));
        assert_eq!(
            Redelivery::resends(1).time_scale(0.0).wait_before(1),
            Duration::ZERO
        );
    }
}
