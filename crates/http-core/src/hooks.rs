//! The extension point: [`Hooks`] observe every attempt of every call.

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
}
