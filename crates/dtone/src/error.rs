//! DT One errors: the `{"errors":[{"code":..,"message":..}]}` body, its
//! documented codes, and the crate's [`Error`] type.

use std::fmt;

use partner_sdk_core::reqwest::StatusCode;
use partner_sdk_core::{ApiError, ErrorBody, ProviderError};
use serde::Deserialize;

/// Result alias of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything a DT One call can fail with.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Transport, API, decode, input, timeout or unknown-outcome error.
    #[error(transparent)]
    Http(#[from] partner_sdk_core::Error),
}

impl Error {
    /// The core error this wraps (every error of this crate is one; the
    /// `Option` keeps the signature of the other provider crates).
    pub fn as_core(&self) -> Option<&partner_sdk_core::Error> {
        match self {
            Error::Http(e) => Some(e),
        }
    }

    /// The HTTP status of an API or decoding error.
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

    /// The API error, when DT One answered with an error.
    pub fn api(&self) -> Option<&ApiError> {
        self.as_core().and_then(partner_sdk_core::Error::api)
    }

    /// The DT One error code of an API error.
    pub fn code(&self) -> Option<ErrorCode> {
        self.api()
            .and_then(ApiError::code)
            .and_then(|c| c.trim().parse::<u32>().ok())
            .map(ErrorCode::from_code)
    }

    /// Every `{code, message}` entry of an API error body.
    pub fn errors(&self) -> Vec<ErrorEntry> {
        self.api()
            .and_then(|a| a.json::<ErrorsBody>())
            .map(|b| b.errors)
            .unwrap_or_default()
    }

    /// The `(field, value)` to reconcile with when a create's outcome is
    /// unknown, or it was created but its answer is unreadable
    /// (`("external_id", ..)` for transactions).
    pub fn outcome_unknown_key(&self) -> Option<(&'static str, &str)> {
        match self {
            Error::Http(
                partner_sdk_core::Error::OutcomeUnknown { key, .. }
                | partner_sdk_core::Error::AnswerUnreadable { key, .. },
            ) => key.as_ref().map(|(f, v)| (*f, v.as_str())),
            Error::Http(_) => None,
        }
    }
}

macro_rules! error_codes {
    ($( $(#[$m:meta])* $variant:ident = $code:literal ),* $(,)?) => {
        /// DT One error codes (documented ones, plus [`ErrorCode::Other`]).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum ErrorCode {
            $( $(#[$m])* $variant, )*
            /// A code this SDK version does not know, kept as received.
            Other(u32),
        }

        impl ErrorCode {
            /// Every documented code, in numeric order.
            pub const KNOWN: &'static [ErrorCode] = &[$(ErrorCode::$variant),*];

            /// The code for a number.
            pub fn from_code(code: u32) -> Self {
                match code {
                    $( $code => ErrorCode::$variant, )*
                    other => ErrorCode::Other(other),
                }
            }

            /// The number on the wire.
            pub fn code(self) -> u32 {
                match self {
                    $( ErrorCode::$variant => $code, )*
                    ErrorCode::Other(c) => c,
                }
            }
        }
    };
}

error_codes! {
    /// 1000204: the account number is incorrect.
    AccountNumberIncorrect = 1000204,
    /// 1000207: transaction amount limit exceeded.
    AmountLimitExceeded = 1000207,
    /// 1000212: transaction already paid.
    AlreadyPaid = 1000212,
    /// 1000213: transaction repeated.
    TransactionRepeated = 1000213,
    /// 1000214: transaction rejected.
    TransactionRejected = 1000214,
    /// 1000218: transaction timeout at the operator.
    TransactionTimeout = 1000218,
    /// 1000230: the recipient reached the maximum number of transactions.
    RecipientLimitReached = 1000230,
    /// 1000301: product not available.
    ProductNotAvailable = 1000301,
    /// 1000302: product not compatible with the transaction type.
    ProductNotCompatible = 1000302,
    /// 1000303: product type incorrect.
    ProductTypeIncorrect = 1000303,
    /// 1000304: account verification not available for this product.
    AccountVerificationNotAvailable = 1000304,
    /// 1000401: unauthorized (API key, nonce or HMAC refused).
    Unauthorized = 1000401,
    /// 1000404: transaction (or resource) not found.
    NotFound = 1000404,
    /// 1000500: internal server error.
    InternalServerError = 1000500,
    /// 1000777: insufficient balance on the master account.
    InsufficientMasterBalance = 1000777,
    /// 1000888: insufficient balance on the retailer account.
    InsufficientRetailerBalance = 1000888,
    /// 1000990: `external_id` already used.
    ExternalIdAlreadyUsed = 1000990,
    /// 1000999: invalid parameter.
    InvalidParameter = 1000999,
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.code())
    }
}

/// One entry of a DT One error body.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[non_exhaustive]
pub struct ErrorEntry {
    /// Numeric code (0 when absent or not a number).
    #[serde(default, deserialize_with = "code_or_zero")]
    pub code: u32,
    /// Message, when given.
    #[serde(default, deserialize_with = "partner_sdk_core::decode::opt_string")]
    pub message: Option<String>,
}

impl ErrorEntry {
    /// The typed code.
    pub fn error_code(&self) -> ErrorCode {
        ErrorCode::from_code(self.code)
    }
}

fn code_or_zero<'de, D: serde::Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    let v = partner_sdk_core::decode::opt_i64(d).unwrap_or(None);
    Ok(v.and_then(|v| u32::try_from(v).ok()).unwrap_or(0))
}

#[derive(Debug, Default, Deserialize)]
struct ErrorsBody {
    #[serde(
        default,
        deserialize_with = "partner_sdk_core::decode::null_as_default"
    )]
    errors: Vec<ErrorEntry>,
}

fn parse_errors(body: &[u8]) -> Option<Vec<ErrorEntry>> {
    let parsed: ErrorsBody = serde_json::from_slice(body).ok()?;
    (!parsed.errors.is_empty()).then_some(parsed.errors)
}

fn first_error(errors: &[ErrorEntry]) -> ProviderError {
    let first = errors.first();
    ProviderError {
        code: first.filter(|e| e.code != 0).map(|e| e.code.to_string()),
        message: first.and_then(|e| e.message.clone()),
    }
}

/// Reads DT One's `{"errors":[{code, message}]}` error bodies.
#[derive(Debug, Clone, Copy, Default)]
pub struct DtoneErrorBody;

impl ErrorBody for DtoneErrorBody {
    fn parse(&self, _status: StatusCode, body: &[u8]) -> ProviderError {
        parse_errors(body)
            .map(|e| first_error(&e))
            .unwrap_or_default()
    }

    /// A 2xx object with a non-empty top-level `errors` list is an error.
    fn error_in_success(&self, _status: StatusCode, body: &[u8]) -> Option<ProviderError> {
        // A plain scan of the top-level keys first, the full read only when
        // there is an `errors` key.
        use partner_sdk_core::decode::{TopLevel, starts_object, top_level_value};
        if !starts_object(body) || top_level_value(body, "errors") == TopLevel::Absent {
            return None;
        }
        parse_errors(body).map(|e| first_error(&e))
    }

    /// Errors are marked by the top-level `errors` list: `send` folds the
    /// probe into the typed decode.
    fn error_keys(&self) -> Option<&'static [&'static str]> {
        Some(&["errors"])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `send` skips the probe for bodies without a top-level `errors` (see
    /// `error_keys`): the probe must find no error in them either.
    #[test]
    fn the_probe_finds_errors_only_where_its_key_is() {
        let probe = |body: &str| DtoneErrorBody.error_in_success(StatusCode::OK, body.as_bytes());
        for clean in [
            r#"[[{"code": 1003001, "message": "x"}]]"#,
            r#"[{"errors": [{"code": 1003001, "message": "x"}]}]"#,
            r#"{"items": [{"errors": [{"code": 1003001}]}]}"#,
            "3",
        ] {
            assert_eq!(probe(clean), None, "{clean}");
        }
        for error in [
            r#"{"errors": [{"code": 1003001, "message": "x"}]}"#,
            r#" {"err\u006frs": [{"code": 1003001, "message": "x"}]}"#,
        ] {
            assert_eq!(
                probe(error).and_then(|e| e.code),
                Some("1003001".into()),
                "{error}"
            );
        }
        assert_eq!(DtoneErrorBody.error_keys(), Some(&["errors"][..]));
    }
}
