//! What the call loop tells its span and the [`Hooks`](crate::Hooks) beyond
//! one attempt: a retry, a re-login, and how the call ended, in the
//! OpenTelemetry HTTP client conventions (`http.request.resend_count`,
//! `error.type`).

use std::borrow::Cow;
use std::time::{Duration, Instant};

use reqwest::StatusCode;

use super::{Request, Response, Transport};
use crate::error::{Error, Result};
use crate::hooks::CallEnd;

/// The facts of a call that has ended, for [`Transport::ended`].
pub(super) struct End {
    /// The call's span is enabled.
    pub(super) traced: bool,
    /// Attempts sent, from 1.
    pub(super) attempts: u32,
    /// One attempt was resent with fresh credentials.
    pub(super) reauthenticated: bool,
    /// When the first attempt began.
    pub(super) started: Instant,
    /// Status of the final answer, when known.
    pub(super) status: Option<StatusCode>,
}

impl Transport {
    /// Attempt `attempt` failed; the call sends again after `wait`.
    pub(super) fn retrying(&self, request: &Request, attempt: u32, wait: Duration) {
        if let Some(hooks) = &self.inner.settings.hooks {
            hooks.on_retry(&self.call_info(request, attempt), wait);
        }
    }

    /// The credentials of attempt `attempt` were refused; the call resends
    /// it with fresh ones.
    pub(super) fn reauthenticating(&self, request: &Request, attempt: u32) {
        if let Some(hooks) = &self.inner.settings.hooks {
            hooks.on_reauthenticate(&self.call_info(request, attempt));
        }
    }

    /// Records how the call ended on its span (when enabled) and tells the
    /// hooks (when any); does nothing when neither listens.
    pub(super) fn ended(&self, request: &Request, end: End, error: Option<&Error>) {
        let hooks = self.inner.settings.hooks.as_ref();
        if !end.traced && hooks.is_none() {
            return;
        }
        let error_type = error.map(error_type);
        if end.traced {
            let span = tracing::Span::current();
            // Every send after the first, for any reason (the conventions'
            // `http.request.resend_count`): retries and the re-login.
            let resends = end.attempts.saturating_sub(1) + u32::from(end.reauthenticated);
            if resends > 0 {
                span.record("http.request.resend_count", resends);
            }
            if let Some(error_type) = &error_type {
                span.record("error.type", error_type.as_ref());
            }
        }
        if let Some(hooks) = hooks {
            let call_end = CallEnd {
                status: end.status,
                error_type: error_type.as_deref(),
                attempts: end.attempts,
                elapsed: end.started.elapsed(),
            };
            hooks.on_call_end(&self.call_info(request, end.attempts), &call_end);
        }
    }
}

/// Status of the answer the attempts ended on, when the outcome keeps it.
pub(super) fn last_status(result: &Result<Response>) -> Option<StatusCode> {
    match result {
        Ok(response) => Some(response.status),
        Err(Error::Redirect(e)) => Some(e.status),
        Err(Error::ResponseTooLarge(e)) => Some(e.status),
        Err(Error::AnswerUnreadable(e)) => Some(e.status),
        Err(e) => e.status(),
    }
}

/// The OpenTelemetry `error.type` of a failed call: the status code of an
/// error answer, otherwise the error's [`kind`](Error::kind).
fn error_type(error: &Error) -> Cow<'static, str> {
    match error {
        Error::Api(api) => Cow::Owned(api.status().as_str().to_owned()),
        _ => Cow::Borrowed(error.kind()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_type_is_the_status_of_an_error_answer_else_the_kind() {
        let api = crate::ApiError::new(
            "demo",
            "get_thing",
            reqwest::Method::GET,
            "/things/{id}",
            StatusCode::SERVICE_UNAVAILABLE,
            crate::ErrorFields::default(),
            b"",
        );
        assert_eq!(error_type(&Error::Api(Box::new(api))), "503");
        let unknown = Error::from(crate::error::OutcomeUnknownError {
            provider: "demo",
            operation: "create",
            key: None,
            cause: "no answer".into(),
        });
        assert_eq!(error_type(&unknown), "outcome_unknown");
    }
}
