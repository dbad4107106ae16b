//! Errors of the trade-in promotion client.
//!
//! Every failure is an [`partner_sdk_core::Error`] wrapped in [`Error::Http`]. Error
//! answers keep their raw body; when the body is the TMF-style shape
//! `{code, reason, message, status}` it is recognised ([`ApiErrorBody`]) and its
//! `code` is offered as a typed [`ErrorCode`].

use partner_sdk_core::reqwest::StatusCode;
use partner_sdk_core::{ApiError, ErrorBody, ErrorFields};
use serde::{Deserialize, Serialize};

/// Result alias of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A stream of items over every page of a listing: boxed, `Send` and
/// `Unpin` ([`partner_sdk_core::ItemStream`]), as every provider crate
/// names it. The promotion look-up is no listing, so no method of this
/// crate returns one.
pub type ItemStream<T, E = Error> = partner_sdk_core::ItemStream<T, E>;

/// Everything that can go wrong in a trade-in promotion call.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Transport, API, decoding, input or authentication failure.
    #[error(transparent)]
    Http(#[from] partner_sdk_core::Error),
}

partner_sdk_core::provider_error!(Error, code: ErrorCode, body: ApiErrorBody);

impl Error {
    /// The TMF-style error body of the answer, when it had that shape.
    #[deprecated(note = "use `api_body`, which every provider crate has")]
    pub fn tmf(&self) -> Option<ApiErrorBody> {
        self.api_body()
    }
}

partner_sdk_core::error_code! {
    /// Error codes in the TMF-style error body.
    ///
    /// The provider publishes no code list for this operation; these are the
    /// TMF convention (`ERR` + HTTP status, or the bare status) that its
    /// sibling operations follow. Any other code is kept as [`ErrorCode::Other`].
    pub enum ErrorCode {
        /// The request is malformed or a field is missing (400).
        BadRequest => "ERR400" | "400",
        /// The bearer token is missing, invalid or expired (401).
        Unauthorized => "ERR401" | "401",
        /// The client may not call this operation (403).
        Forbidden => "ERR403" | "403",
        /// The device or resource is unknown (404).
        NotFound => "ERR404" | "404",
        /// The provider timed out answering (408).
        RequestTimeout => "ERR408" | "408",
        /// The request body is too large (413).
        PayloadTooLarge => "ERR413" | "413",
        /// A validation or business rule refused the request (422).
        Unprocessable => "ERR422" | "422",
        /// Too many requests (429).
        TooManyRequests => "ERR429" | "429",
        /// The provider failed (500).
        Internal => "ERR500" | "500",
        /// The provider is temporarily unavailable (503).
        ServiceUnavailable => "ERR503" | "503",
    }
}

/// The TMF-style error body: `{code, reason, message, status}` plus the
/// optional `referenceError` and `@type`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ApiErrorBody {
    /// Application error code, e.g. `ERR400`.
    #[serde(default, deserialize_with = "partner_sdk_core::decode::opt_string")]
    pub code: Option<String>,
    /// Short explanation, e.g. `Bad Request`.
    #[serde(default, deserialize_with = "partner_sdk_core::decode::opt_string")]
    pub reason: Option<String>,
    /// Details of the error.
    #[serde(default, deserialize_with = "partner_sdk_core::decode::opt_string")]
    pub message: Option<String>,
    /// HTTP status as the body states it (text, as TMF documents it).
    #[serde(default, deserialize_with = "partner_sdk_core::decode::opt_string")]
    pub status: Option<String>,
    /// Link to documentation of the error.
    #[serde(default, deserialize_with = "partner_sdk_core::decode::opt_string")]
    pub reference_error: Option<String>,
    /// TMF polymorphic type name.
    #[serde(
        rename = "@type",
        default,
        deserialize_with = "partner_sdk_core::decode::opt_string"
    )]
    pub kind: Option<String>,
}

/// The name this crate first gave the TMF-style error body.
#[deprecated(note = "renamed `ApiErrorBody`, as in every provider crate")]
pub type TmfError = ApiErrorBody;

impl ApiErrorBody {
    /// An error body with this code, reason and message.
    pub fn new(
        code: impl Into<String>,
        reason: impl Into<String>,
        message: impl Into<String>,
        status: u16,
    ) -> Self {
        ApiErrorBody {
            code: Some(code.into()),
            reason: Some(reason.into()),
            message: Some(message.into()),
            status: Some(status.to_string()),
            reference_error: None,
            kind: None,
        }
    }

    /// Recognises the TMF shape in a body: a JSON object with a `code` and a
    /// `reason` or `message`. Anything else is `None`; never fails.
    pub fn from_body(body: &[u8]) -> Option<Self> {
        let value: serde_json::Value = serde_json::from_slice(body).ok()?;
        let map = value.as_object()?;
        let has = |k: &str| map.get(k).is_some_and(|v| !v.is_null());
        if !(has("code") && (has("reason") || has("message"))) {
            return None;
        }
        serde_json::from_value(value).ok()
    }

    /// Recognises the TMF shape in an API error's raw body.
    pub fn from_api(api: &ApiError) -> Option<Self> {
        Self::from_body(api.body())
    }

    /// The typed code.
    pub fn error_code(&self) -> Option<ErrorCode> {
        self.code.as_deref().map(ErrorCode::from)
    }
}

/// Maps the provider's error bodies into [`ErrorFields`].
#[derive(Debug, Clone, Copy, Default)]
pub struct TradeinPromoErrorBody;

impl ErrorBody for TradeinPromoErrorBody {
    fn parse(&self, status: StatusCode, body: &[u8]) -> ErrorFields {
        match ApiErrorBody::from_body(body) {
            Some(tmf) => ErrorFields {
                code: tmf.code,
                message: tmf.message.or(tmf.reason),
            },
            None => partner_sdk_core::GenericErrorBody.parse(status, body),
        }
    }

    /// A 2xx whose body is a TMF error (and no qualification result) is an error.
    fn error_in_success(&self, status: StatusCode, body: &[u8]) -> Option<ErrorFields> {
        let looks_like_result =
            contains(body, b"potentialQualificationItem") || contains(body, b"qualificationType");
        if looks_like_result {
            return None;
        }
        ApiErrorBody::from_body(body).map(|tmf| ErrorFields {
            code: tmf.code.or_else(|| Some(status.as_u16().to_string())),
            message: tmf.message.or(tmf.reason),
        })
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tmf_body_is_recognised_and_other_bodies_are_not() {
        let tmf = ApiErrorBody::from_body(
            br#"{"code":"ERR400","reason":"Bad Request","message":"imei is invalid","status":"400","@type":"Error"}"#,
        )
        .unwrap();
        assert_eq!(tmf.error_code(), Some(ErrorCode::BadRequest));
        assert_eq!(tmf.message.as_deref(), Some("imei is invalid"));
        assert_eq!(tmf.status.as_deref(), Some("400"));
        assert_eq!(tmf.kind.as_deref(), Some("Error"));
        let numeric =
            ApiErrorBody::from_body(br#"{"code":422,"reason":"x","status":422}"#).unwrap();
        assert_eq!(numeric.error_code(), Some(ErrorCode::Unprocessable));
        assert!(ApiErrorBody::from_body(b"<html>").is_none());
        assert!(ApiErrorBody::from_body(br#"{"error":"x"}"#).is_none());
        assert!(ApiErrorBody::from_body(br#"{"code":"x","reason":[1]}"#).is_none());
    }

    #[test]
    fn success_bodies_with_results_are_not_errors() {
        let ok = br#"{"qualificationType":"Trade-In","potentialQualificationItem":[],"code":"x","message":"y"}"#;
        assert!(
            TradeinPromoErrorBody
                .error_in_success(StatusCode::OK, ok)
                .is_none()
        );
        let err = br#"{"code":"ERR500","reason":"Internal","message":"boom"}"#;
        let p = TradeinPromoErrorBody
            .error_in_success(StatusCode::OK, err)
            .unwrap();
        assert_eq!(p.code.as_deref(), Some("ERR500"));
        assert_eq!(p.message.as_deref(), Some("boom"));
    }
}
