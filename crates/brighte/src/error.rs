//! Errors: the shared [`partner_sdk_core::Error`] plus what only Brighte has, and
//! the mapping of Brighte's error bodies (`{"status": 4402, "message": ...}`)
//! into [`partner_sdk_core::ApiError`].

use partner_sdk_core::reqwest::StatusCode;
use partner_sdk_core::{ApiError, ErrorBody, ErrorFields};

partner_sdk_core::error_code! {
    /// Brighte's body `status` codes (sent next to the HTTP status), as
    /// text: Brighte sends them as numbers or strings.
    pub enum ErrorCode {
        /// 4000: internal failure (sent with HTTP 500).
        InternalFailure => "4000",
        /// 4010: invalid credentials, unauthorized, or (with HTTP 400) some
        /// validation failures of document uploads.
        Unauthorized => "4010",
        /// 4040: a secure code could not be generated.
        CodeGenerationFailed => "4040",
        /// 4041: the entity was not found.
        NotFound => "4041",
        /// 4402: invalid input, id, date, role or data.
        InvalidInput => "4402",
        /// 4403: not allowed.
        Forbidden => "4403",
        /// 5000: internal error.
        InternalError => "5000",
    }
}

impl ErrorCode {
    /// Whether this body `status` says Brighte failed on its side, not
    /// that it refused the request: 4000 (internal failure) and 5000
    /// (internal error), whatever the HTTP status, a 200 included. A create
    /// so answered has an unknown outcome: the caller gets
    /// [`partner_sdk_core::Error::OutcomeUnknown`] (with the application id
    /// for a payment request), and a journalled payment request stays
    /// pending for [`Client::recover`](crate::Client::recover).
    pub fn is_internal_error(&self) -> bool {
        matches!(self, ErrorCode::InternalFailure | ErrorCode::InternalError)
    }
}

/// Everything a Brighte call can fail with.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Transport, API, decoding, input, auth, signature or configuration error.
    #[error(transparent)]
    Http(#[from] partner_sdk_core::Error),
    /// The checkout redirect reported a failure (`error_code` 10002 or any
    /// code other than 10000). Code and message are what the redirect
    /// claims: Brighte's signature does not cover them.
    #[error(transparent)]
    Checkout(Box<CheckoutError>),
    /// A redirect or notice whose signature verified, refused for its age
    /// or for naming another application or reference than the one
    /// expected. Nothing was acted on.
    #[error(transparent)]
    Notice(Box<NoticeError>),
}

/// The fields of [`Error::Checkout`]: the failure a checkout redirect
/// reported, as it claims it.
#[derive(Debug, Clone, thiserror::Error)]
#[error("brighte checkout failed with error_code {code}: {message}")]
pub struct CheckoutError {
    /// The `error_code` parameter (`10002` for invalid data).
    pub code: String,
    /// The `error_msg` parameter.
    pub message: String,
}

impl From<CheckoutError> for Error {
    fn from(e: CheckoutError) -> Self {
        Error::Checkout(Box::new(e))
    }
}

/// Why [`Error::Notice`] refused a message whose signature verified. The
/// text names what was wrong and never the values compared.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NoticeError {
    /// Signed longer ago than the verifier's age bound.
    #[error(
        "brighte: signed {} s ago, beyond the {} s age bound",
        age.as_secs(),
        max_age.as_secs()
    )]
    TooOld {
        /// How long ago it was signed.
        age: std::time::Duration,
        /// The bound it exceeds.
        max_age: std::time::Duration,
    },
    /// Signed further in the future than the allowed clock skew.
    #[error(
        "brighte: signed {} s in the future, beyond the {} s clock skew allowed",
        ahead.as_secs(),
        skew.as_secs()
    )]
    FromTheFuture {
        /// How far ahead of now its timestamp is.
        ahead: std::time::Duration,
        /// The skew it exceeds.
        skew: std::time::Duration,
    },
    /// The redirect names another application than the one the checkout
    /// expected; nothing was fetched.
    #[error("brighte: the redirect names another application than the expected one")]
    OtherApplication,
    /// The fetched application carries another reference number than the
    /// one the checkout was started with.
    #[error(
        "brighte: the application's reference number is not the one the checkout was started with"
    )]
    OtherReference,
}

impl From<NoticeError> for Error {
    fn from(e: NoticeError) -> Self {
        Error::Notice(Box::new(e))
    }
}

partner_sdk_core::provider_error!(Error, code: ErrorCode, body: ApiErrorBody);

impl Error {
    pub(crate) fn invalid(field: &'static str, reason: impl Into<String>) -> Self {
        Error::Http(partner_sdk_core::Error::invalid_input(field, reason.into()))
    }
}

/// Result alias of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The future the client's creates and its recovery return (`.await`
/// it): the call, boxed, `Send` and `Unpin`; nothing runs until it is
/// first polled ([`partner_sdk_core::provider::Call`]).
pub type Call<'a, T, E = Error> = partner_sdk_core::provider::Call<'a, T, E>;

/// A stream of items over every page of a listing (`applications`,
/// `quotes`, `users`): boxed, `Send` and `Unpin`
/// ([`partner_sdk_core::ItemStream`]).
pub type ItemStream<T, E = Error> = partner_sdk_core::ItemStream<T, E>;

/// The body `status` of a successful answer.
pub const STATUS_OK: &str = "2000";

/// Maps Brighte bodies into [`ErrorFields`]s.
///
/// The code is the body `status` (number or string), the message is the
/// first of `message`, `error`, `msg`. A 2xx answer whose body `status` is
/// present and is not 2000 is an error. HTTP 401 with body status 4010 (or
/// none) may mean the session is gone: the client logs in again once. If
/// Brighte answers 401 again with the fresh session, that is its answer to
/// the request, not to the credentials: its error tables use 401/4010 also
/// for "Invalid application ID.", "Invalid quote ID." and "Not authorized."
/// on resources the user may not access. The caller then gets
/// [`partner_sdk_core::Error::Api`] with Brighte's code and message.
#[derive(Debug, Clone, Copy, Default)]
pub struct BrighteErrorBody;

/// Brighte's error body: `{"status": 4402, "message": "..."}`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ApiErrorBody {
    /// The body `status` code as sent (a number or a string), e.g. `4402`.
    pub status: Option<String>,
    /// The message: the first of `message`, `error` and `msg` present.
    pub message: Option<String>,
}

impl ApiErrorBody {
    /// Reads the body of an answer: a JSON object with a `status` or a
    /// message. Anything else is `None`; never fails.
    pub fn from_body(body: &[u8]) -> Option<Self> {
        let Ok(serde_json::Value::Object(map)) = serde_json::from_slice(body) else {
            return None;
        };
        let parsed = ApiErrorBody {
            status: map.get("status").and_then(text),
            message: ["message", "error", "msg"]
                .iter()
                .find_map(|k| map.get(*k).and_then(text)),
        };
        (parsed != ApiErrorBody::default()).then_some(parsed)
    }

    /// The body of an API error, when it has this shape.
    pub fn from_api(api: &ApiError) -> Option<Self> {
        Self::from_body(api.body())
    }

    /// The typed code.
    pub fn error_code(&self) -> Option<ErrorCode> {
        self.status.as_deref().map(ErrorCode::from_code)
    }
}

fn text(v: &serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::String(s) => Some(s.trim().to_owned()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The body `status` of an answer, number or string.
#[derive(serde::Deserialize)]
struct StatusProbe {
    #[serde(default, deserialize_with = "partner_sdk_core::decode::opt_string")]
    status: Option<String>,
}

impl ErrorBody for BrighteErrorBody {
    fn parse(&self, _status: StatusCode, body: &[u8]) -> ErrorFields {
        ApiErrorBody::from_body(body)
            .map(|b| ErrorFields {
                code: b.status,
                message: b.message,
            })
            .unwrap_or_default()
    }

    fn error_in_success(&self, status: StatusCode, body: &[u8]) -> Option<ErrorFields> {
        // Runs on every successful answer: a plain scan of the top-level
        // keys first (no `status`, or the success code as sent); otherwise
        // read only `status`, letting serde skip the rest without
        // allocating; parse fully only for an error.
        use partner_sdk_core::decode::{TopLevel, top_level_value};
        match top_level_value(body, "status") {
            TopLevel::Absent => return None,
            TopLevel::Value(raw) => {
                let text = raw.strip_prefix(b"\"").and_then(|r| r.strip_suffix(b"\""));
                if text.unwrap_or(raw) == STATUS_OK.as_bytes() {
                    return None;
                }
            }
            TopLevel::Unknown => {}
        }
        let probe: StatusProbe = serde_json::from_slice(body).ok()?;
        match probe.status.as_deref().map(str::trim) {
            None | Some(STATUS_OK) => None,
            Some(_) => Some(self.parse(status, body)),
        }
    }

    /// HTTP 404, or Brighte's own 4041 ("not found") whatever the status.
    fn is_not_found(&self, status: StatusCode, fields: &ErrorFields) -> bool {
        status == StatusCode::NOT_FOUND || fields.code.as_deref() == Some("4041")
    }

    fn is_unauthorized(&self, status: StatusCode, fields: &ErrorFields) -> bool {
        status == StatusCode::UNAUTHORIZED && matches!(fields.code.as_deref(), None | Some("4010"))
    }

    /// The body `status` is one of [`ErrorCode::is_internal_error`].
    fn is_internal_error(&self, _status: StatusCode, fields: &ErrorFields) -> bool {
        fields
            .code
            .as_deref()
            .map(ErrorCode::from_code)
            .is_some_and(|code| code.is_internal_error())
    }

    fn refusal_after_reauth_is_api_error(&self, _: StatusCode, _: &ErrorFields) -> bool {
        // The session was opened a moment ago: the refusal is about the request.
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_error_body_reads_status_and_the_first_message_key() {
        let body =
            ApiErrorBody::from_body(br#"{"status": 4402, "msg": "x", "error": "Invalid date"}"#)
                .unwrap();
        assert_eq!(body.status.as_deref(), Some("4402"));
        assert_eq!(body.message.as_deref(), Some("Invalid date"));
        assert_eq!(body.error_code(), Some(ErrorCode::InvalidInput));
        let text = ApiErrorBody::from_body(br#"{"status": " 4041 "}"#).unwrap();
        assert_eq!(text.error_code(), Some(ErrorCode::NotFound));
        for other in [&b"<html>"[..], b"[4402]", br#"{"data": 1}"#] {
            assert_eq!(ApiErrorBody::from_body(other), None);
        }
        assert_eq!(
            BrighteErrorBody.parse(
                StatusCode::BAD_REQUEST,
                br#"{"status":"4403","message":"no"}"#
            ),
            ErrorFields {
                code: Some("4403".into()),
                message: Some("no".into()),
            }
        );
    }
}
