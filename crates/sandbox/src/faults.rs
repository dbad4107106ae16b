//! Faults injected into a fake's next answers: "the next request matching
//! X gets fault F".
//!
//! Every fake holds one [`Faults`] queue. A request that matches a queued
//! [`FaultRule`] (method and path fragment, both optional) takes the rule's
//! [`Fault`] instead of, or on top of, its ordinary answer; the rule is used
//! up after [`FaultRule::times`] matches. The admin API (`/__sandbox/...`)
//! is never faulted.
//!
//! ```no_run
//! # async fn run() {
//! use partner_sdk_sandbox::DtoneSandbox;
//! use partner_sdk_sandbox::faults::{Fault, FaultRule};
//! let sandbox = DtoneSandbox::start().await;
//! // The next create happens, but its answer never arrives in time.
//! sandbox.inject_fault(
//!     FaultRule::new(Fault::answer_lost()).method("POST").path_contains("/transactions/"),
//! );
//! # }
//! ```
//!
//! # "The answer is lost"
//!
//! [`Fault::AfterProcessing`] runs the fake's stateful responder, so the
//! create **happens** (a transaction or application exists afterwards), and
//! then loses the answer in one of two ways ([`LostAnswer`]):
//!
//! - [`Hold`](LostAnswer::Hold): the answer is held back for a delay (one
//!   hour by default, [`HOLD_FOR`]) longer than any client timeout, so the
//!   client's own timeout cuts the call: what a client sees when the
//!   provider processed a request and the network then lost the answer.
//!   The fakes are wiremock servers, which cannot close a connection on
//!   their own; a held answer is how they model a lost one.
//! - [`Garbled`](LostAnswer::Garbled): a 200 arrives whose body is not
//!   the provider's (an HTML page), so the client cannot read the outcome
//!   (for a create: `AnswerUnreadable` with its reconcile key).
//!
//! A fault that closes the connection mid-answer is not offered: wiremock
//! computes each answer's length itself (hyper refuses a `Content-Length`
//! that differs from the body), so a fake cannot cut a connection.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::json;
use wiremock::{Request, Respond, ResponseTemplate};

/// How long [`LostAnswer::Hold`] holds an answer by default: one hour,
/// beyond any client's per-attempt timeout.
pub const HOLD_FOR: Duration = Duration::from_secs(3600);

/// What happens to a request that matches a [`FaultRule`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Fault {
    /// Answers `status` (a 5xx) at once; the request is **not** processed.
    ServerError {
        /// The HTTP status, e.g. 500 or 503.
        status: u16,
    },
    /// Answers 429 with `Retry-After: retry_after_secs`; the request is
    /// **not** processed.
    RateLimited {
        /// The `Retry-After` header, in seconds.
        retry_after_secs: u64,
    },
    /// Processes the request, then sends the answer after `delay_ms`.
    Slow {
        /// The delay in milliseconds.
        delay_ms: u64,
    },
    /// Processes the request (the create happens), then loses the answer.
    AfterProcessing {
        /// How the answer is lost.
        answer: LostAnswer,
    },
}

/// How [`Fault::AfterProcessing`] loses the answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "how", rename_all = "snake_case")]
#[non_exhaustive]
pub enum LostAnswer {
    /// The answer is sent only after `for_ms` milliseconds (see the
    /// [module docs](self)).
    Hold {
        /// The hold in milliseconds ([`HOLD_FOR`] by default).
        for_ms: u64,
    },
    /// A 200 with a body that is not the provider's (an HTML page).
    Garbled,
}

impl Fault {
    /// A 5xx answer without processing.
    pub fn server_error(status: u16) -> Fault {
        Fault::ServerError { status }
    }

    /// A 429 with `Retry-After` without processing.
    pub fn rate_limited(retry_after: Duration) -> Fault {
        Fault::RateLimited {
            retry_after_secs: retry_after.as_secs(),
        }
    }

    /// The request is processed and answered after `delay`.
    pub fn slow(delay: Duration) -> Fault {
        Fault::Slow {
            delay_ms: millis(delay),
        }
    }

    /// The request is processed and its answer held for [`HOLD_FOR`].
    pub fn answer_lost() -> Fault {
        Fault::answer_held(HOLD_FOR)
    }

    /// The request is processed and its answer held for `hold`.
    pub fn answer_held(hold: Duration) -> Fault {
        Fault::AfterProcessing {
            answer: LostAnswer::Hold {
                for_ms: millis(hold),
            },
        }
    }

    /// The request is processed and answered with an unreadable body.
    pub fn answer_garbled() -> Fault {
        Fault::AfterProcessing {
            answer: LostAnswer::Garbled,
        }
    }

    /// The answer with this fault, calling `process` (the fake's ordinary
    /// responder) only for faults that process the request.
    fn answer(&self, process: impl FnOnce() -> ResponseTemplate) -> ResponseTemplate {
        match self {
            Fault::ServerError { status } => {
                let status = if (500..600).contains(status) {
                    *status
                } else {
                    500
                };
                ResponseTemplate::new(status).set_body_json(json!({
                    "message": format!("sandbox fault: injected {status}"),
                }))
            }
            Fault::RateLimited { retry_after_secs } => ResponseTemplate::new(429)
                .insert_header("retry-after", retry_after_secs.to_string().as_str())
                .set_body_json(json!({"message": "sandbox fault: injected 429"})),
            Fault::Slow { delay_ms } => process().set_delay(Duration::from_millis(*delay_ms)),
            Fault::AfterProcessing {
                answer: LostAnswer::Hold { for_ms },
            } => process().set_delay(Duration::from_millis(*for_ms)),
            Fault::AfterProcessing {
                answer: LostAnswer::Garbled,
            } => {
                // The state changed; the answer says nothing of it.
                let _processed = process();
                ResponseTemplate::new(200).set_body_raw(GARBLED, "text/html")
            }
        }
    }
}

/// The body of [`LostAnswer::Garbled`]: a proxy's page, not the provider's
/// answer.
const GARBLED: &str = "<html><body><h1>200 OK</h1><p>Proxy answer.</p></body></html>";

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// "The next request matching this gets that fault", `times` times.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct FaultRule {
    /// The fault.
    pub fault: Fault,
    /// The HTTP method a request must have (any when `None`), e.g. `POST`.
    #[serde(default)]
    pub method: Option<String>,
    /// A fragment the request's path must contain (any when `None`), e.g.
    /// `/transactions/`.
    #[serde(default)]
    pub path_contains: Option<String>,
    /// How many matching requests get the fault (1 by default).
    #[serde(default = "one")]
    pub times: usize,
}

fn one() -> usize {
    1
}

impl FaultRule {
    /// The next request (any method, any path) gets `fault`.
    pub fn new(fault: Fault) -> FaultRule {
        FaultRule {
            fault,
            method: None,
            path_contains: None,
            times: 1,
        }
    }

    /// Only requests with this method (case-insensitive) match.
    pub fn method(mut self, method: impl Into<String>) -> FaultRule {
        self.method = Some(method.into());
        self
    }

    /// Only requests whose path contains `fragment` match.
    pub fn path_contains(mut self, fragment: impl Into<String>) -> FaultRule {
        self.path_contains = Some(fragment.into());
        self
    }

    /// The next `times` matching requests get the fault (at least 1).
    pub fn times(mut self, times: usize) -> FaultRule {
        self.times = times.max(1);
        self
    }

    fn matches(&self, method: &str, path: &str) -> bool {
        self.method
            .as_deref()
            .is_none_or(|m| m.eq_ignore_ascii_case(method))
            && self
                .path_contains
                .as_deref()
                .is_none_or(|p| path.contains(p))
    }
}

/// A fake's queue of [`FaultRule`]s, first match first.
#[derive(Debug, Default)]
pub struct Faults {
    rules: Mutex<Vec<FaultRule>>,
}

impl Faults {
    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<FaultRule>> {
        self.rules.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Queues a rule behind those already queued.
    pub fn push(&self, rule: FaultRule) {
        if rule.times > 0 {
            self.lock().push(rule);
        }
    }

    /// Drops every queued rule.
    pub fn clear(&self) {
        self.lock().clear();
    }

    /// The rules still queued, with the matches each has left.
    pub fn pending(&self) -> Vec<FaultRule> {
        self.lock().clone()
    }

    /// Takes the fault for a request, using up one match of the first rule
    /// that matches.
    pub fn take(&self, method: &str, path: &str) -> Option<Fault> {
        let mut rules = self.lock();
        let i = rules.iter().position(|r| r.matches(method, path))?;
        let fault = rules[i].fault.clone();
        rules[i].times -= 1;
        if rules[i].times == 0 {
            rules.remove(i);
        }
        Some(fault)
    }
}

/// A fake's responder with its fault queue in front.
pub(crate) struct WithFaults<R> {
    pub(crate) inner: R,
    pub(crate) faults: Arc<Faults>,
}

impl<R: Respond> Respond for WithFaults<R> {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        match self
            .faults
            .take(request.method.as_str(), request.url.path())
        {
            None => self.inner.respond(request),
            Some(fault) => fault.answer(|| self.inner.respond(request)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_matching_rule_is_used_up() {
        let faults = Faults::default();
        faults.push(
            FaultRule::new(Fault::server_error(503))
                .method("post")
                .path_contains("/transactions/")
                .times(2),
        );
        faults.push(FaultRule::new(Fault::rate_limited(Duration::from_secs(3))));
        assert_eq!(
            faults.take("POST", "/v1.1/transactions/x"),
            Some(Fault::server_error(503))
        );
        assert_eq!(
            faults.take("GET", "/v1.1/ping"),
            Some(Fault::rate_limited(Duration::from_secs(3)))
        );
        assert_eq!(
            faults.take("POST", "/v1.1/transactions/x"),
            Some(Fault::server_error(503))
        );
        assert_eq!(faults.take("POST", "/v1.1/transactions/x"), None);
        assert!(faults.pending().is_empty());
    }

    #[test]
    fn rules_read_from_the_admin_api_json() {
        let rule: FaultRule = serde_json::from_str(
            r#"{"fault":{"kind":"after_processing","answer":{"how":"hold","for_ms":5000}},"method":"POST"}"#,
        )
        .unwrap();
        assert_eq!(
            rule,
            FaultRule::new(Fault::answer_held(Duration::from_secs(5))).method("POST")
        );
        let garbled: Fault =
            serde_json::from_str(r#"{"kind":"after_processing","answer":{"how":"garbled"}}"#)
                .unwrap();
        assert_eq!(garbled, Fault::answer_garbled());
    }
}
