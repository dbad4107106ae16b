//! [`Response`]: a successful answer, and how it becomes the typed result
//! (the error probe of a 2xx body, the decode).

use std::fmt;

use bytes::Bytes;
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde::de::DeserializeOwned;

use super::{Request, Transport};
use crate::error::{AnswerUnreadableError, DecodeError, Error, Result};
use crate::error_body::ErrorFields;
use crate::exchange::api_error;

/// A response that passed error mapping: status, headers and the whole body.
#[derive(Clone)]
pub struct Response {
    pub(super) provider: &'static str,
    pub(super) operation: &'static str,
    pub(super) status: StatusCode,
    pub(super) headers: HeaderMap,
    pub(super) body: Bytes,
    /// A DELETE found nothing after an attempt that may have been applied
    /// (see [`Transport::send_delete`]): done, with no body to read.
    pub(super) already_done: bool,
}

impl fmt::Debug for Response {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Response")
            .field("operation", &self.operation)
            .field("status", &self.status)
            .field("body_len", &self.body.len())
            .field("already_done", &self.already_done)
            .finish()
    }
}

impl Response {
    /// HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }
    /// Response headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }
    /// Body bytes.
    pub fn body(&self) -> &Bytes {
        &self.body
    }
    /// True when this is a DELETE whose earlier attempt was sent and its
    /// answer lost (or a 5xx), and the retry found nothing: the earlier
    /// attempt did it. The status is then the provider's "not found" and
    /// the body empty.
    pub fn already_done(&self) -> bool {
        self.already_done
    }
    /// Decodes the body as JSON; failures keep the body and the serde path.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T> {
        decode_json(self.provider, self.operation, self.status, &self.body)
    }
}

/// Decodes `body` as JSON into `T`, keeping the field path and the body on
/// failure (the path is read from the body at serde's error position, see
/// [`DecodeError::new`]).
fn decode_json<T: DeserializeOwned>(
    provider: &'static str,
    operation: &'static str,
    status: StatusCode,
    body: &Bytes,
) -> Result<T> {
    serde_json::from_slice(body).map_err(|e| decode_error(provider, operation, status, body, e))
}

/// The [`Error::Decode`] of `body`, which serde_json refused with `e`.
fn decode_error(
    provider: &'static str,
    operation: &'static str,
    status: StatusCode,
    body: &[u8],
    e: serde_json::Error,
) -> Error {
    Error::Decode(Box::new(DecodeError::new(
        provider, operation, status, body, e,
    )))
}

impl Transport {
    /// A successful answer's error probe ([`ErrorBody::error_in_success`]):
    /// an error hidden in the 2xx body becomes [`Error::Api`], or, when it
    /// is the provider's internal error ([`ErrorBody::is_internal_error`])
    /// answering a create, [`Error::OutcomeUnknown`] with its key.
    pub(super) fn check_success(&self, request: &Request, response: &Response) -> Result<()> {
        let errors = &self.inner.errors;
        match errors.error_in_success(response.status, &response.body) {
            None => Ok(()),
            Some(fields)
                if !request.is_idempotent()
                    && errors.is_internal_error(response.status, &fields) =>
            {
                let cause = format!(
                    "the provider answered {} with its internal-error code{} after the request was sent",
                    response.status,
                    fields
                        .code
                        .map(|code| format!(" {code}"))
                        .unwrap_or_default()
                );
                Err(self.outcome_unknown(request, cause.into()))
            }
            Some(fields) => {
                let answer = (response.status, &response.headers, &response.body);
                Err(Error::Api(Box::new(
                    self.api_error(request, answer, fields),
                )))
            }
        }
    }

    /// The [`ApiError`](crate::error::ApiError) of an error answer to
    /// `request`, [withheld](crate::error::ApiError::withheld) when the
    /// answer may carry a secret or personal data
    /// ([`Request::sensitive_answer`]).
    pub(super) fn api_error(
        &self,
        request: &Request,
        answer: (StatusCode, &HeaderMap, &Bytes),
        fields: ErrorFields,
    ) -> crate::error::ApiError {
        let api = api_error(
            self.label(request),
            request.method.clone(),
            request.template,
            answer,
            fields,
        );
        match request.sensitive_answer {
            true => api.withheld(answer.2),
            false => api,
        }
    }

    /// A successful answer decoded into `T`, after its error probe.
    ///
    /// The decode watches the top-level keys that mark an error
    /// ([`ErrorBody::error_keys`]); when the provider names such keys, the
    /// probe runs only if one is there or the decode fails: one pass over
    /// the body. Without keys the probe always runs, and the decode is the
    /// same watched one (watching nothing), so that each answer type's
    /// deserializer is compiled once, not once per path. A request that
    /// creates something (not idempotent, with a
    /// [`reconcile_with`](Request::reconcile_with) key) whose answer does
    /// not decode fails with [`Error::AnswerUnreadable`] carrying the key
    /// and the failing field path, never the answer itself; a
    /// [`sensitive_answer`](Request::sensitive_answer) that does not decode
    /// is an [`Error::Decode`] without the body.
    pub(super) fn decode_success<T: DeserializeOwned>(
        &self,
        request: &Request,
        response: &Response,
    ) -> Result<T> {
        let keys = self.inner.errors.error_keys();
        let watched =
            crate::decode::watch::decode_watching::<T>(&response.body, keys.unwrap_or(&[]));
        let decoded = match (watched, keys.is_some()) {
            ((Ok(value), true), true) => return Ok(value),
            ((decoded, _), _) => decoded,
        };
        self.check_success(request, response)?;
        let (provider, operation, status) =
            (self.inner.provider, request.operation, response.status);
        let result =
            decoded.map_err(|e| decode_error(provider, operation, status, &response.body, e));
        match result {
            Err(Error::Decode(d)) if !request.is_idempotent() => {
                Err(Error::from(AnswerUnreadableError {
                    provider: d.provider,
                    operation: d.operation,
                    status: d.status,
                    key: request.reconcile.clone(),
                    cause: d.summary().into(),
                }))
            }
            Err(Error::Decode(d)) if request.sensitive_answer => {
                Err(Error::Decode(Box::new(d.without_values())))
            }
            result => result,
        }
    }
}
