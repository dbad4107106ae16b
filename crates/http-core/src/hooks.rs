//! The extension point: [`Hooks`] observe every attempt of every call,
//! its retries and re-logins, and how it ended.

use std::time::Duration;

use reqwest::{Method, StatusCode};

use crate::metadata::ResponseInfo;

/// What a [`Hooks`] implementation is told about a call attempt.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct CallInfo<'a> {
    /// Provider name.
    pub provider: &'static str,
    /// Operation name, e.g. `list_prices`.
    pub operation: &'static str,
    /// HTTP method.
    pub method: &'a Method,
    /// Path template, e.g. `/v1/transactions/{transactionId}`.
    pub path: &'static str,
    /// Attempt number, from 1.
    pub attempt: u32,
    /// Host of the base URL (the OpenTelemetry `server.address`).
    pub server_address: &'a str,
    /// Port of the base URL, explicit or the scheme's (`server.port`).
    pub server_port: Option<u16>,
}

/// How a call ended, for [`Hooks::on_call_end`]: never a body, a header
/// value or a secret.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct CallEnd<'a> {
    /// Status of the answer the call ended on: the success's, or the one
    /// its error keeps ([`Error::status`](crate::Error::status), a
    /// redirect's, an oversized or unreadable answer's). `None` when no
    /// answer came, or for an outcome unknown after an error answer (the
    /// error keeps only its cause).
    pub status: Option<StatusCode>,
    /// `None` on success; on failure the OpenTelemetry `error.type`: the
    /// status code (`"503"`) for an error answer ([`Error::Api`](crate::Error::Api)),
    /// otherwise [`Error::kind`](crate::Error::kind) (`"timeout"`,
    /// `"outcome_unknown"`, `"decode"`, ...).
    pub error_type: Option<&'a str>,
    /// Attempts sent, from 1 (a resend with fresh credentials is not counted).
    pub attempts: u32,
    /// From the first attempt to the end of the call, waits and decoding
    /// included.
    pub elapsed: Duration,
}

impl CallEnd<'_> {
    /// True when the call failed with
    /// [`Error::OutcomeUnknown`](crate::Error::OutcomeUnknown): a create was
    /// sent and it is not known whether it took effect.
    pub fn is_outcome_unknown(&self) -> bool {
        self.error_type == Some("outcome_unknown")
    }
}

/// The extension point: observe every attempt (metrics, audit logs).
/// Hooks cannot change requests; they see no bodies and no secrets.
pub trait Hooks: Send + Sync + 'static {
    /// Called before each attempt is sent.
    fn before_send(&self, call: &CallInfo<'_>) {
        let _ = call;
    }
    /// Called after each attempt with its status (`None` when no response
    /// arrived) and how long it took. Called by the default
    /// [`on_response`](Self::on_response) only.
    fn after_response(&self, call: &CallInfo<'_>, status: Option<StatusCode>, elapsed: Duration) {
        let _ = (call, status, elapsed);
    }
    /// Called after each attempt with its status, response headers (without
    /// cookies and credentials) and how long it took. The default calls
    /// [`after_response`](Self::after_response); implement this one to read
    /// headers such as the request id.
    fn on_response(&self, call: &CallInfo<'_>, response: &ResponseInfo<'_>) {
        self.after_response(call, response.status, response.elapsed);
    }
    /// Called when attempt `call.attempt` failed and the call sends again
    /// after `wait`.
    fn on_retry(&self, call: &CallInfo<'_>, wait: Duration) {
        let _ = (call, wait);
    }
    /// Called when the provider refused the credentials of attempt
    /// `call.attempt` and the call resends it at once with fresh ones
    /// (a new token or login).
    fn on_reauthenticate(&self, call: &CallInfo<'_>) {
        let _ = call;
    }
    /// Called once when a call ends, successful or not, after decoding;
    /// `call.attempt` is its last attempt. Not called for a call refused
    /// before anything could be sent (invalid input, a path parameter that
    /// does not fit).
    fn on_call_end(&self, call: &CallInfo<'_>, end: &CallEnd<'_>) {
        let _ = (call, end);
    }
}
