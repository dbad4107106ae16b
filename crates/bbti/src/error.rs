//! Errors: the shared [`partner_sdk_core::Error`] plus BBTI's `rpcStatus` body and
//! its gRPC codes.

use std::borrow::Cow;

use partner_sdk_core::reqwest::StatusCode;
use partner_sdk_core::{ApiError, ErrorBody, ProviderError};
use serde::Deserialize;

use crate::price_list::PriceListError;

/// Result alias of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything a BBTI call can fail with.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Transport, API, decoding, input, auth or unknown-outcome error.
    #[error(transparent)]
    Http(#[from] partner_sdk_core::Error),
    /// A price-list CSV could not be read.
    #[error(transparent)]
    PriceList(#[from] PriceListError),
}

impl Error {
    /// The core error this wraps, when it is one (not for a price-list error).
    pub fn as_core(&self) -> Option<&partner_sdk_core::Error> {
        match self {
            Error::Http(e) => Some(e),
            Error::PriceList(_) => None,
        }
    }

    /// The HTTP status of an API or decoding error, or of a refused token
    /// request.
    pub fn status(&self) -> Option<StatusCode> {
        self.as_core().and_then(partner_sdk_core::Error::status)
    }

    /// True when trying again later may help (timeouts, connection errors,
    /// 408/429/502/503/504); never for an unknown outcome.
    pub fn is_retryable(&self) -> bool {
        self.as_core()
            .is_some_and(partner_sdk_core::Error::is_retryable)
    }

    /// True when the caller's input was refused before anything was sent.
    pub fn is_invalid_input(&self) -> bool {
        matches!(
            self.as_core(),
            Some(partner_sdk_core::Error::InvalidInput { .. })
        )
    }

    /// The API error, when BBTI answered with one.
    pub fn api(&self) -> Option<&ApiError> {
        self.as_core().and_then(partner_sdk_core::Error::api)
    }

    /// The gRPC code of an API error (`rpcStatus.code`).
    pub fn code(&self) -> Option<ErrorCode> {
        self.api().and_then(|a| a.code()).map(ErrorCode::parse)
    }

    /// The `rpcStatus` body of an API error, when it had that shape.
    pub fn rpc_status(&self) -> Option<RpcStatus> {
        self.api().and_then(ApiError::json)
    }
}

/// An input error naming the field, raised before anything is sent.
pub(crate) fn invalid(
    field: impl Into<Cow<'static, str>>,
    reason: impl Into<Cow<'static, str>>,
) -> Error {
    Error::Http(partner_sdk_core::Error::invalid_input(field, reason))
}

/// gRPC status codes as carried in `rpcStatus.code` (not the HTTP status).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorCode {
    /// 0 OK.
    Ok,
    /// 1 CANCELLED.
    Cancelled,
    /// 2 UNKNOWN.
    Unknown,
    /// 3 INVALID_ARGUMENT: a request field is wrong.
    InvalidArgument,
    /// 4 DEADLINE_EXCEEDED.
    DeadlineExceeded,
    /// 5 NOT_FOUND: unknown model, transaction, ...
    NotFound,
    /// 6 ALREADY_EXISTS.
    AlreadyExists,
    /// 7 PERMISSION_DENIED.
    PermissionDenied,
    /// 8 RESOURCE_EXHAUSTED (rate limited).
    ResourceExhausted,
    /// 9 FAILED_PRECONDITION: e.g. delivery before KYC.
    FailedPrecondition,
    /// 10 ABORTED.
    Aborted,
    /// 11 OUT_OF_RANGE.
    OutOfRange,
    /// 12 UNIMPLEMENTED.
    Unimplemented,
    /// 13 INTERNAL.
    Internal,
    /// 14 UNAVAILABLE.
    Unavailable,
    /// 15 DATA_LOSS.
    DataLoss,
    /// 16 UNAUTHENTICATED: missing or expired token.
    Unauthenticated,
    /// A code this SDK version does not know, as a number when it was one.
    Other(i64),
}

const NAMES: [&str; 17] = [
    "OK",
    "CANCELLED",
    "UNKNOWN",
    "INVALID_ARGUMENT",
    "DEADLINE_EXCEEDED",
    "NOT_FOUND",
    "ALREADY_EXISTS",
    "PERMISSION_DENIED",
    "RESOURCE_EXHAUSTED",
    "FAILED_PRECONDITION",
    "ABORTED",
    "OUT_OF_RANGE",
    "UNIMPLEMENTED",
    "INTERNAL",
    "UNAVAILABLE",
    "DATA_LOSS",
    "UNAUTHENTICATED",
];

impl ErrorCode {
    /// The code for a gRPC number.
    pub fn from_number(n: i64) -> Self {
        use ErrorCode::*;
        match n {
            0 => Ok,
            1 => Cancelled,
            2 => Unknown,
            3 => InvalidArgument,
            4 => DeadlineExceeded,
            5 => NotFound,
            6 => AlreadyExists,
            7 => PermissionDenied,
            8 => ResourceExhausted,
            9 => FailedPrecondition,
            10 => Aborted,
            11 => OutOfRange,
            12 => Unimplemented,
            13 => Internal,
            14 => Unavailable,
            15 => DataLoss,
            16 => Unauthenticated,
            other => Other(other),
        }
    }

    /// Parses a code sent as a number (`"3"`) or a name (`"INVALID_ARGUMENT"`);
    /// unknown text becomes `Other(-1)`.
    pub fn parse(text: &str) -> Self {
        let t = text.trim();
        if let Ok(n) = t.parse::<i64>() {
            return Self::from_number(n);
        }
        NAMES
            .iter()
            .position(|n| n.eq_ignore_ascii_case(t))
            .map_or(ErrorCode::Other(-1), |i| Self::from_number(i as i64))
    }

    /// The gRPC number (`Other` keeps its own).
    pub fn number(&self) -> i64 {
        match self {
            ErrorCode::Other(n) => *n,
            known => NAMES
                .iter()
                .position(|n| *n == known.name())
                .map_or(-1, |i| i as i64),
        }
    }

    /// The gRPC name, e.g. `INVALID_ARGUMENT` (`UNKNOWN_CODE` for `Other`).
    pub fn name(&self) -> &'static str {
        use ErrorCode::*;
        match self {
            Ok => NAMES[0],
            Cancelled => NAMES[1],
            Unknown => NAMES[2],
            InvalidArgument => NAMES[3],
            DeadlineExceeded => NAMES[4],
            NotFound => NAMES[5],
            AlreadyExists => NAMES[6],
            PermissionDenied => NAMES[7],
            ResourceExhausted => NAMES[8],
            FailedPrecondition => NAMES[9],
            Aborted => NAMES[10],
            OutOfRange => NAMES[11],
            Unimplemented => NAMES[12],
            Internal => NAMES[13],
            Unavailable => NAMES[14],
            DataLoss => NAMES[15],
            Unauthenticated => NAMES[16],
            Other(_) => "UNKNOWN_CODE",
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// BBTI's error body (`rpcStatus`): `{code, message, details}`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, serde::Serialize)]
#[non_exhaustive]
pub struct RpcStatus {
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

impl RpcStatus {
    /// A status from its code and message.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        RpcStatus {
            code: i32::try_from(code.number()).unwrap_or(2),
            message: message.into(),
            details: Vec::new(),
        }
    }

    /// The typed code.
    pub fn error_code(&self) -> ErrorCode {
        ErrorCode::from_number(i64::from(self.code))
    }
}

/// Maps `rpcStatus` bodies into [`ApiError`] code and message.
#[derive(Debug, Clone, Copy, Default)]
pub struct BbtiErrorBody;

impl ErrorBody for BbtiErrorBody {
    fn parse(&self, _status: StatusCode, body: &[u8]) -> ProviderError {
        let Ok(serde_json::Value::Object(map)) = serde_json::from_slice::<serde_json::Value>(body)
        else {
            return ProviderError::default();
        };
        let text = |k: &str| match map.get(k) {
            Some(serde_json::Value::String(s)) if !s.is_empty() => Some(s.clone()),
            Some(serde_json::Value::Number(n)) => Some(n.to_string()),
            _ => None,
        };
        ProviderError {
            code: text("code"),
            message: text("message").or_else(|| text("error")),
        }
    }

    /// A 2xx body shaped like `rpcStatus` with a non-zero code (`{"code": 3,
    /// "message": ...}`) is an error: no BBTI success body has a top-level `code`.
    fn error_in_success(&self, status: StatusCode, body: &[u8]) -> Option<ProviderError> {
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
        if probe.code.unwrap_or(0) == 0 || !probe.has_message {
            return None;
        }
        Some(self.parse(status, body))
    }

    /// `rpcStatus` is marked by its top-level `code`: `send` folds the probe
    /// into the typed decode.
    fn error_keys(&self) -> Option<&'static [&'static str]> {
        Some(&["code"])
    }
}

/// The two keys that tell an `rpcStatus` inside a 2xx body from a result.
#[derive(Deserialize)]
struct RpcStatusProbe {
    #[serde(default, deserialize_with = "partner_sdk_core::decode::opt_i64")]
    code: Option<i64>,
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
