//! Errors: the shared [`partner_sdk_core::Error`] plus BBTI's `rpcStatus` body and
//! its gRPC codes.

use std::borrow::Cow;

use partner_sdk_core::reqwest::StatusCode;
use partner_sdk_core::{ApiError, ErrorBody, ErrorFields};
use serde::Deserialize;

use crate::price_list::PriceListError;

/// Result alias of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The future the client's creates and its recovery return (`.await`
/// it): the call, boxed, `Send` and `Unpin`; nothing runs until it is
/// first polled ([`partner_sdk_core::provider::Call`]).
pub type Call<'a, T, E = Error> = partner_sdk_core::provider::Call<'a, T, E>;

/// A stream of items over every page of a listing (`models`, `prices`):
/// boxed, `Send` and `Unpin` ([`partner_sdk_core::ItemStream`]).
pub type ItemStream<T, E = Error> = partner_sdk_core::ItemStream<T, E>;

/// Everything a BBTI call can fail with.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Transport, API, decoding, input, auth or unknown-outcome error.
    #[error(transparent)]
    Http(#[from] partner_sdk_core::Error),
    /// A price-list CSV could not be read.
    #[error(transparent)]
    PriceList(Box<PriceListError>),
}

impl From<PriceListError> for Error {
    fn from(e: PriceListError) -> Self {
        Error::PriceList(Box::new(e))
    }
}

partner_sdk_core::provider_error!(Error, code: ErrorCode, body: ApiErrorBody);

impl Error {
    /// The `rpcStatus` body of an API error, when it had that shape.
    #[deprecated(note = "use `api_body`, which every provider crate has")]
    pub fn rpc_status(&self) -> Option<ApiErrorBody> {
        self.api_body()
    }
}

/// An input error naming the field, raised before anything is sent.
pub(crate) fn invalid(
    field: impl Into<Cow<'static, str>>,
    reason: impl Into<Cow<'static, str>>,
) -> Error {
    Error::Http(partner_sdk_core::Error::invalid_input(field, reason))
}

partner_sdk_core::error_code! {
    /// gRPC status codes as carried in `rpcStatus.code` (not the HTTP
    /// status): sent as a number, read from a number or a name.
    pub enum ErrorCode: i64 {
        /// 0 OK.
        Ok = 0 => "OK",
        /// 1 CANCELLED.
        Cancelled = 1 => "CANCELLED",
        /// 2 UNKNOWN.
        Unknown = 2 => "UNKNOWN",
        /// 3 INVALID_ARGUMENT: a request field is wrong.
        InvalidArgument = 3 => "INVALID_ARGUMENT",
        /// 4 DEADLINE_EXCEEDED.
        DeadlineExceeded = 4 => "DEADLINE_EXCEEDED",
        /// 5 NOT_FOUND: unknown model, transaction, ...
        NotFound = 5 => "NOT_FOUND",
        /// 6 ALREADY_EXISTS.
        AlreadyExists = 6 => "ALREADY_EXISTS",
        /// 7 PERMISSION_DENIED.
        PermissionDenied = 7 => "PERMISSION_DENIED",
        /// 8 RESOURCE_EXHAUSTED (rate limited).
        ResourceExhausted = 8 => "RESOURCE_EXHAUSTED",
        /// 9 FAILED_PRECONDITION: e.g. delivery before KYC.
        FailedPrecondition = 9 => "FAILED_PRECONDITION",
        /// 10 ABORTED.
        Aborted = 10 => "ABORTED",
        /// 11 OUT_OF_RANGE.
        OutOfRange = 11 => "OUT_OF_RANGE",
        /// 12 UNIMPLEMENTED.
        Unimplemented = 12 => "UNIMPLEMENTED",
        /// 13 INTERNAL.
        Internal = 13 => "INTERNAL",
        /// 14 UNAVAILABLE.
        Unavailable = 14 => "UNAVAILABLE",
        /// 15 DATA_LOSS.
        DataLoss = 15 => "DATA_LOSS",
        /// 16 UNAUTHENTICATED: missing or expired token.
        Unauthenticated = 16 => "UNAUTHENTICATED",
    }
}

/// BBTI's error body (`rpcStatus`): `{code, message, details}`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, serde::Serialize)]
#[non_exhaustive]
pub struct ApiErrorBody {
    /// gRPC code number (see [`ErrorCode`]).
    #[serde(default, deserialize_with = "crate::types::i32_or_zero")]
    pub code: i32,
    /// Human-readable message.
    #[serde(default, deserialize_with = "crate::types::text")]
    pub message: String,
    /// `google.protobuf.Any` details, kept as JSON.
    #[serde(default, deserialize_with = "crate::types::or_default")]
    pub details: Vec<serde_json::Value>,
}

/// The name BBTI's documentation gives its error body.
#[deprecated(note = "renamed `ApiErrorBody`, as in every provider crate")]
pub type RpcStatus = ApiErrorBody;

impl ApiErrorBody {
    /// A status from its code and message.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ApiErrorBody {
            code: i32::try_from(code.code()).unwrap_or(2),
            message: message.into(),
            details: Vec::new(),
        }
    }

    /// The `rpcStatus` body of an API error, when it has that shape.
    pub fn from_api(api: &ApiError) -> Option<Self> {
        api.json()
    }

    /// The typed code.
    pub fn error_code(&self) -> ErrorCode {
        ErrorCode::from_code(i64::from(self.code))
    }
}

/// Maps `rpcStatus` bodies into [`ApiError`] code and message.
#[derive(Debug, Clone, Copy, Default)]
pub struct BbtiErrorBody;

impl ErrorBody for BbtiErrorBody {
    fn parse(&self, _status: StatusCode, body: &[u8]) -> ErrorFields {
        let Ok(serde_json::Value::Object(map)) = serde_json::from_slice::<serde_json::Value>(body)
        else {
            return ErrorFields::default();
        };
        let text = |k: &str| match map.get(k) {
            Some(serde_json::Value::String(s)) if !s.is_empty() => Some(s.clone()),
            Some(serde_json::Value::Number(n)) => Some(n.to_string()),
            _ => None,
        };
        ErrorFields {
            code: text("code"),
            message: text("message").or_else(|| text("error")),
        }
    }

    /// A 2xx body shaped like `rpcStatus` with a code other than 0 `OK`, as
    /// a number or a name (`{"code": 3, "message": ...}`, `{"code":
    /// "UNAVAILABLE", "message": ...}`), is an error: no BBTI success body
    /// has a top-level `code`.
    fn error_in_success(&self, status: StatusCode, body: &[u8]) -> Option<ErrorFields> {
        // A plain scan of the top-level keys first (a success body has no
        // `code`); otherwise read only `code` and whether a `message` key
        // exists, letting serde skip the rest without allocating.
        use partner_sdk_core::decode::{TopLevel, starts_object, top_level_value};
        if !starts_object(body) {
            return None;
        }
        if matches!(
            top_level_value(body, "code"),
            TopLevel::Absent | TopLevel::Value(b"0")
        ) {
            return None;
        }
        let probe: RpcStatusProbe = serde_json::from_slice(body).ok()?;
        // The code as a number or a name (protojson writes either).
        let ok = match probe.code.as_deref().map(str::trim) {
            None => true,
            Some(code) => ErrorCode::parse(code) == Some(ErrorCode::Ok),
        };
        if ok || !probe.has_message {
            return None;
        }
        Some(self.parse(status, body))
    }

    /// `rpcStatus` is marked by its top-level `code`: `send` folds the probe
    /// into the typed decode.
    fn error_keys(&self) -> Option<&'static [&'static str]> {
        Some(&["code"])
    }

    /// The gRPC codes of [`ErrorCode::is_internal_error`], by number or name.
    fn is_internal_error(&self, _status: StatusCode, fields: &ErrorFields) -> bool {
        fields
            .code
            .as_deref()
            .and_then(ErrorCode::parse)
            .is_some_and(|code| code.is_internal_error())
    }
}

impl ErrorCode {
    /// Whether this code says BBTI failed on its side, not that it refused
    /// the request: 2 `UNKNOWN`, 4 `DEADLINE_EXCEEDED`, 13 `INTERNAL`,
    /// 14 `UNAVAILABLE` (gRPC's "the operation may have completed" and
    /// "try again later"). A create (pricing, KYC, delivery) so answered
    /// has an unknown outcome: the caller gets
    /// [`partner_sdk_core::Error::OutcomeUnknown`] with its key, and a
    /// journalled intent stays pending for recovery.
    pub fn is_internal_error(&self) -> bool {
        matches!(
            self,
            ErrorCode::Unknown
                | ErrorCode::DeadlineExceeded
                | ErrorCode::Internal
                | ErrorCode::Unavailable
        )
    }
}

/// The two keys that tell an `rpcStatus` inside a 2xx body from a result.
#[derive(Deserialize)]
struct RpcStatusProbe {
    #[serde(default, deserialize_with = "partner_sdk_core::decode::opt_string")]
    code: Option<String>,
    #[serde(default, rename = "message", deserialize_with = "key_present")]
    has_message: bool,
}

fn key_present<'de, D: serde::Deserializer<'de>>(d: D) -> std::result::Result<bool, D::Error> {
    serde::de::IgnoredAny::deserialize(d).map(|_| true)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `send` skips the probe for bodies without a top-level `code` (see
    /// `error_keys`): the probe must find no error in them either.
    #[test]
    fn the_probe_finds_errors_only_where_its_key_is() {
        let probe = |body: &str| BbtiErrorBody.error_in_success(StatusCode::OK, body.as_bytes());
        for clean in [
            r#"[3, "invalid"]"#,
            r#"[{"code": 3, "message": "invalid"}]"#,
            r#"{"models": [{"code": 3, "message": "invalid"}]}"#,
            "3",
        ] {
            assert_eq!(probe(clean), None, "{clean}");
        }
        for error in [
            r#"{"code": 3, "message": "invalid"}"#,
            r#" {"co\u0064e": 3, "message": "invalid"}"#,
        ] {
            assert_eq!(
                probe(error).and_then(|e| e.code),
                Some("3".into()),
                "{error}"
            );
        }
        assert_eq!(BbtiErrorBody.error_keys(), Some(&["code"][..]));
    }
}
