//! One attempt: credentials, the request, the exchange, and what its
//! outcome means ([`decide`]) turned into the next step.

use std::borrow::Cow;
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue};
use url::Url;

use super::decide::{Decision, Facts, Seen, Wait, decide};
use super::{Request, Response, Transport};
use crate::auth::AuthHeaders;
use crate::error::{
    AnswerUnreadableError, Error, OutcomeUnknownError, ResponseTooLargeError, Result,
};
use crate::exchange::{Answer, NoAnswer, Unusable, exchange};
use crate::hooks::CallInfo;
use crate::metadata::{ResponseInfo, headers_for_hooks};

/// Which attempt of the call this is.
#[derive(Debug, Clone, Copy)]
pub(super) struct Step {
    /// From 1.
    pub(super) attempt: u32,
    /// Credentials were refreshed once already in this call.
    pub(super) reauthenticated: bool,
    /// The call's span is enabled (a subscriber listens): only then is the
    /// current span looked up to record the status.
    pub(super) traced: bool,
    /// A DELETE whose earlier attempt was sent and may have been applied.
    pub(super) delete_may_be_done: bool,
}

/// What the call does after an attempt.
pub(super) enum Next {
    /// The call ends with this.
    Done(Result<Response>),
    /// Send again after this wait; `true` when the attempt was sent and may
    /// have been applied (no answer, or a 5xx).
    Retry(Duration, bool),
    /// Send again at once with fresh credentials (not counted as an attempt).
    Reauthenticate,
}

impl Transport {
    /// One attempt of `request` to `url`.
    pub(super) async fn attempt(&self, request: &Request, url: &Url, step: Step) -> Next {
        let inner = &self.inner;
        let credentials = match inner.auth.ready() {
            Some(ready) => ready,
            None => inner.auth.authorize(&inner.http).await,
        };
        let credentials = match credentials {
            Ok(credentials) => credentials,
            Err(e) => return Next::Done(Err(e)),
        };
        let generation = credentials.generation;
        let (http_request, credential_headers) = match self.http_request(request, url, credentials)
        {
            Ok(built) => built,
            Err(e) => return Next::Done(Err(e)),
        };
        if let Some(hooks) = &inner.settings.hooks {
            hooks.before_send(&self.call_info(request, step.attempt));
        }
        let sent_at = Instant::now();
        let outcome = exchange(
            &inner.http,
            http_request,
            url,
            self.label(request),
            self.max_response_body(),
            self.attempt_timeout(request),
        )
        .await;
        if let Some(hooks) = &inner.settings.hooks {
            let no_credentials = HeaderMap::new();
            let credentials = credential_headers.as_ref().unwrap_or(&no_credentials);
            let headers = outcome
                .as_ref()
                .ok()
                .map(|answer| headers_for_hooks(&answer.headers, credentials));
            let status = outcome.as_ref().ok().map(|answer| answer.status);
            let response = ResponseInfo::new(status, headers.as_deref(), sent_at.elapsed());
            hooks.on_response(&self.call_info(request, step.attempt), &response);
        }
        match outcome {
            Err(no_answer) => self.unanswered(request, step, no_answer, sent_at),
            Ok(answer) => self.answered(request, step, generation, answer, sent_at),
        }
    }

    /// The request for one attempt: the default headers, then the
    /// request's own, the call options' and the credentials over them, and
    /// the body's type. Returns the credential headers too when hooks need
    /// their names (to hide them in the answer's headers).
    fn http_request(
        &self,
        request: &Request,
        url: &Url,
        credentials: AuthHeaders,
    ) -> Result<(reqwest::Request, Option<HeaderMap>)> {
        let inner = &self.inner;
        let extra = match &self.options {
            Some(options) => Some(options.extra_headers([
                &inner.headers,
                &request.headers,
                &credentials.headers,
            ])?),
            None => None,
        };
        let mut http_request = reqwest::Request::new(request.method.clone(), url.clone());
        let headers = http_request.headers_mut();
        // One map sized for everything it gets (and the `Host` hyper adds),
        // instead of growing it set by set.
        headers.reserve(
            inner.headers.len()
                + request.headers.len()
                + extra.as_ref().map_or(0, HeaderMap::len)
                + credentials.headers.len()
                + 2,
        );
        for set in [Some(&inner.headers), Some(&request.headers), extra.as_ref()]
            .into_iter()
            .flatten()
        {
            set_all(headers, set);
        }
        let credential_headers = inner
            .settings
            .hooks
            .is_some()
            .then(|| credentials.headers.clone());
        set_owned(headers, credentials.headers);
        if let Some(content_type) = request.content_type {
            headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
        }
        if let Some(bytes) = &request.body {
            *http_request.body_mut() = Some(bytes.clone().into());
        }
        Ok((http_request, credential_headers))
    }

    /// No answer came: retry, fail, or (a create that was sent) outcome
    /// unknown.
    fn unanswered(
        &self,
        request: &Request,
        step: Step,
        no_answer: NoAnswer,
        sent_at: Instant,
    ) -> Next {
        let elapsed = sent_at.elapsed();
        let seen = if no_answer.nothing_sent() {
            Seen::NotSent
        } else {
            Seen::NoAnswer
        };
        let policy = self.retry_policy();
        match decide(&policy, facts(request, step, seen)) {
            Decision::Retry(_) => {
                tracing::debug!(attempt = step.attempt, error = %no_answer, "attempt failed");
                Next::Retry(policy.backoff(step.attempt), seen == Seen::NoAnswer)
            }
            Decision::OutcomeUnknown => {
                let cause: Cow<'static, str> = match &no_answer {
                    NoAnswer::Http(e) if !e.is_timeout() => {
                        format!("connection failed after sending: {e}").into()
                    }
                    _ => format!("no answer within {elapsed:?} after sending").into(),
                };
                Next::Done(Err(self.outcome_unknown(request, cause)))
            }
            _ => Next::Done(Err(no_answer.into_error(
                self.label(request),
                request.template,
                elapsed,
            ))),
        }
    }

    /// An answer came: done, retry, log in again, or fail with its error.
    fn answered(
        &self,
        request: &Request,
        step: Step,
        generation: u64,
        answer: Answer,
        sent_at: Instant,
    ) -> Next {
        let Answer {
            status,
            headers,
            body,
        } = answer;
        if step.traced {
            tracing::Span::current().record("http.response.status_code", status.as_u16());
        }
        tracing::debug!(
            attempt = step.attempt,
            http.response.status_code = status.as_u16(),
            elapsed_ms = sent_at.elapsed().as_millis() as u64,
            "response"
        );
        let errors = &self.inner.errors;
        let (seen, api) = match &body {
            Err(Unusable::Redirect(_)) => (Seen::Redirected, None),
            Err(Unusable::TooLarge) => (Seen::Unusable, None),
            Ok(_) if status.is_success() => (Seen::Success, None),
            Ok(bytes) => {
                let fields = errors.parse(status, bytes);
                let unauthorized = errors.is_unauthorized(status, &fields);
                let refusal_is_about_request =
                    errors.refusal_after_reauth_is_api_error(status, &fields);
                let own_format = fields.code.is_some() || fields.message.is_some();
                let not_found = errors.is_not_found(status, &fields);
                let internal_error = errors.is_internal_error(status, &fields);
                let api = self.api_error(request, (status, &headers, bytes), fields);
                let seen = Seen::Refused {
                    status,
                    unauthorized,
                    refusal_is_about_request,
                    retry_after: api.retry_after,
                    not_found,
                    own_format,
                    internal_error,
                };
                (seen, Some(api))
            }
        };
        let policy = self.retry_policy();
        match (decide(&policy, facts(request, step, seen)), body, api) {
            (Decision::OutcomeUnknown, Err(Unusable::Redirect(e)), _) => {
                let to = match &e {
                    Error::Redirect(r) => format!(
                        " ({}){}",
                        r.status.as_u16(),
                        r.location
                            .as_ref()
                            .map(|l| format!(" to {l}"))
                            .unwrap_or_default()
                    ),
                    _ => String::new(),
                };
                let cause = format!("redirected{to} after the request was sent (not followed)");
                Next::Done(Err(self.outcome_unknown(request, cause.into())))
            }
            (_, Err(Unusable::Redirect(e)), _) => Next::Done(Err(e)),
            (_, Err(Unusable::TooLarge), _) => Next::Done(Err(self.too_large(request, status))),
            (Decision::Done, Ok(body), _) | (_, Ok(body), None) => Next::Done(Ok(Response {
                provider: self.inner.provider,
                operation: request.operation,
                status,
                headers,
                body,
                already_done: false,
            })),
            (Decision::AlreadyDone, ..) => {
                tracing::debug!(
                    "the DELETE finds nothing after an attempt that may have done it: done"
                );
                Next::Done(Ok(Response {
                    provider: self.inner.provider,
                    operation: request.operation,
                    status,
                    headers,
                    body: bytes::Bytes::new(),
                    already_done: true,
                }))
            }
            (Decision::Retry(wait), ..) => {
                let backoff = policy.backoff(step.attempt);
                let wait = match wait {
                    Wait::Backoff => backoff,
                    Wait::AtLeast(at_least) => at_least.max(backoff),
                };
                Next::Retry(wait, status.is_server_error())
            }
            (Decision::Reauthenticate, ..) if self.inner.auth.on_unauthorized(generation) => {
                tracing::debug!("credentials refused; authenticating again");
                Next::Reauthenticate
            }
            (Decision::OutcomeUnknown, _, api) => {
                let cause = match seen {
                    Seen::Refused {
                        internal_error: true,
                        ..
                    } => format!(
                        "the provider answered {status} with its internal-error code{} after the request was sent",
                        api.as_ref()
                            .and_then(|api| api.code())
                            .map(|code| format!(" {code}"))
                            .unwrap_or_default()
                    ),
                    Seen::Refused {
                        own_format: true, ..
                    } => format!("the provider answered {status} after the request was sent"),
                    _ => format!(
                        "answered {status}, not in the provider's error format, after the request was sent"
                    ),
                };
                Next::Done(Err(self.outcome_unknown(request, cause.into())))
            }
            (Decision::CredentialsRefused, _, Some(api)) => Next::Done(Err(Error::auth(
                self.inner.provider,
                "credentials refused again after re-authenticating",
                Some(api),
            ))),
            (_, _, Some(api)) => Next::Done(Err(Error::Api(Box::new(api)))),
        }
    }

    /// A create was sent and what came back does not say whether it took
    /// effect.
    pub(super) fn outcome_unknown(&self, request: &Request, cause: Cow<'static, str>) -> Error {
        Error::from(OutcomeUnknownError {
            provider: self.inner.provider,
            operation: request.operation,
            key: request.reconcile.clone(),
            cause,
        })
    }

    /// The error for an answer over the size limit: for a request that
    /// creates something (not idempotent) and was accepted,
    /// [`Error::AnswerUnreadable`] with its reconcile key, if any; for a create
    /// answered with a 5xx,
    /// [`Error::OutcomeUnknown`]; otherwise [`Error::ResponseTooLarge`].
    fn too_large(&self, request: &Request, status: StatusCode) -> Error {
        let (provider, operation) = (self.inner.provider, request.operation);
        let limit = self.max_response_body();
        let create = !request.is_idempotent();
        if create && status.is_server_error() {
            let cause = format!(
                "answered {status} (larger than the {limit}-byte limit) after the request was sent"
            );
            return self.outcome_unknown(request, cause.into());
        }
        match status.is_success() {
            true if create => Error::from(AnswerUnreadableError {
                provider,
                operation,
                status,
                key: request.reconcile.clone(),
                cause: format!("answer larger than the {limit}-byte limit").into(),
            }),
            _ => Error::from(ResponseTooLargeError {
                provider,
                operation,
                status,
                limit,
            }),
        }
    }

    /// The call's `CallInfo` for hooks.
    pub(super) fn call_info<'a>(&'a self, request: &'a Request, attempt: u32) -> CallInfo<'a> {
        CallInfo {
            provider: self.inner.provider,
            operation: request.operation,
            method: &request.method,
            path: request.template,
            attempt,
            server_address: self.inner.base.host_str().unwrap_or_default(),
            server_port: self.inner.base.port_or_known_default(),
        }
    }
}

/// The facts [`decide`] rules on.
fn facts(request: &Request, step: Step, seen: Seen) -> Facts {
    Facts {
        idempotent: request.is_idempotent(),
        attempt: step.attempt,
        reauthenticated: step.reauthenticated,
        delete_may_be_done: step.delete_may_be_done,
        seen,
    }
}

/// Sets every header of `src` on `dst`, replacing what `dst` had under the
/// same name (as `HeaderMap::extend` does) without cloning `src` whole.
fn set_all(dst: &mut HeaderMap, src: &HeaderMap) {
    // `src` yields each name's values one after the other: the first
    // replaces what `dst` has, the others are appended. (One pass over
    // `src`, rather than a look-up of each name's values.)
    let mut last: Option<&HeaderName> = None;
    for (name, value) in src {
        if last == Some(name) {
            dst.append(name.clone(), value.clone());
        } else {
            dst.insert(name.clone(), value.clone());
            last = Some(name);
        }
    }
}

/// [`set_all`] for headers owned: what `HeaderMap::extend` does, without
/// the second reservation it makes (the map is sized already).
fn set_owned(dst: &mut HeaderMap, src: HeaderMap) {
    let mut last: Option<HeaderName> = None;
    for (name, value) in src {
        match (name, &last) {
            (Some(name), _) => {
                dst.insert(name.clone(), value);
                last = Some(name);
            }
            (None, Some(name)) => {
                dst.append(name.clone(), value);
            }
            // The first header always has its name.
            (None, None) => {}
        }
    }
}
