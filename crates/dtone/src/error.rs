//! DT One errors: the `{"errors":[{"code":..,"message":..}]}` body, its
//! documented codes, and the crate's [`Error`] type.

use partner_sdk_core::reqwest::StatusCode;
use partner_sdk_core::{ErrorBody, ErrorFields};

pub use crate::shared::{ExternalIdConflictError, TransactionFailedError};
use crate::shared::{error_fields, error_in_2xx};

/// One entry of a Goods & Services error body, its code an [`ErrorCode`].
pub type ErrorEntry = crate::shared::ErrorEntry<ErrorCode>;

/// The Goods & Services error body: `{"errors": [{"code": .., "message": ..}]}`.
pub type ApiErrorBody = crate::shared::ApiErrorBody<ErrorCode>;

/// Result alias of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The future the client's creates and its recovery return (`.await`
/// it): the call, boxed, `Send` and `Unpin`; nothing runs until it is
/// first polled ([`partner_sdk_core::provider::Call`]).
pub type Call<'a, T, E = Error> = partner_sdk_core::provider::Call<'a, T, E>;

/// A stream of items over every page of a listing: boxed, `Send` and
/// `Unpin` ([`partner_sdk_core::ItemStream`]), as every provider crate
/// names it. DT One's listings answer everything at once (`list_*`
/// methods returning all items), so no method of this crate returns one.
pub type ItemStream<T, E = Error> = partner_sdk_core::ItemStream<T, E>;

/// Everything a DT One call can fail with.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Transport, API, decode, input, timeout or unknown-outcome error.
    #[error(transparent)]
    Http(#[from] partner_sdk_core::Error),
    /// [`Client::create_or_resolve`](crate::Client::create_or_resolve) found a
    /// transaction under this `external_id` that is not the one requested:
    /// the id was used for another order. Nothing was returned as this
    /// transaction; the request was not created under this id.
    #[error(transparent)]
    ExternalIdConflict(Box<ExternalIdConflictError>),
    /// The transaction found under the request's `external_id` is this
    /// request's, and it failed at DT One (its status is a failure, see
    /// [`Transaction::has_failed`](crate::Transaction::has_failed)): nothing
    /// was delivered. A journalled intent is settled not done.
    #[error(transparent)]
    TransactionFailed(Box<TransactionFailedError>),
}

impl From<TransactionFailedError> for Error {
    fn from(e: TransactionFailedError) -> Self {
        Error::TransactionFailed(Box::new(e))
    }
}

impl From<ExternalIdConflictError> for Error {
    fn from(e: ExternalIdConflictError) -> Self {
        Error::ExternalIdConflict(Box::new(e))
    }
}

partner_sdk_core::provider_error!(Error, code: ErrorCode, body: ApiErrorBody);

impl Error {
    /// Every `{code, message}` entry of an API error body.
    pub fn errors(&self) -> Vec<ErrorEntry> {
        self.api_body().map(|b| b.errors).unwrap_or_default()
    }
}

partner_sdk_core::error_code! {
    /// DT One error codes (documented ones, plus [`ErrorCode::Other`]),
    /// sent as numbers.
    pub enum ErrorCode: u32 {
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
}

impl ErrorCode {
    /// Whether this code says DT One or the operator failed, not that the
    /// request was refused: 1000500 (internal server error) and 1000218
    /// (transaction timeout at the operator). A transaction so answered,
    /// with any HTTP status, has an unknown outcome: the caller gets
    /// [`partner_sdk_core::Error::OutcomeUnknown`] with its `external_id`,
    /// and a journalled intent stays pending until a look-up by that id
    /// settles it.
    pub fn is_internal_error(&self) -> bool {
        matches!(
            self,
            ErrorCode::InternalServerError | ErrorCode::TransactionTimeout
        )
    }
}

/// Reads DT One's `{"errors":[{code, message}]}` error bodies.
#[derive(Debug, Clone, Copy, Default)]
pub struct DtoneErrorBody;

impl ErrorBody for DtoneErrorBody {
    fn parse(&self, _status: StatusCode, body: &[u8]) -> ErrorFields {
        error_fields(body).unwrap_or_default()
    }

    /// A 2xx object with a non-empty top-level `errors` list is an error.
    fn error_in_success(&self, _status: StatusCode, body: &[u8]) -> Option<ErrorFields> {
        error_in_2xx(body)
    }

    /// Errors are marked by the top-level `errors` list: `send` folds the
    /// probe into the typed decode.
    fn error_keys(&self) -> Option<&'static [&'static str]> {
        Some(&["errors"])
    }

    /// The first entry's code is one of [`ErrorCode::is_internal_error`].
    fn is_internal_error(&self, _status: StatusCode, fields: &ErrorFields) -> bool {
        fields
            .code
            .as_deref()
            .and_then(ErrorCode::parse)
            .is_some_and(|code| code.is_internal_error())
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

    #[test]
    fn the_error_body_needs_an_entry() {
        let body =
            ApiErrorBody::from_body(br#"{"errors": [{"code": "1000404", "message": "gone"}]}"#)
                .unwrap();
        assert_eq!(body.error_code(), Some(ErrorCode::NotFound));
        assert_eq!(body.errors[0].message.as_deref(), Some("gone"));
        for none in [&br#"{"errors": []}"#[..], br#"{"errors": null}"#, b"<html>"] {
            assert_eq!(ApiErrorBody::from_body(none), None);
        }
    }
}
