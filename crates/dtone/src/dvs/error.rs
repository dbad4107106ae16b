//! DVS errors: the `{"errors":[{"code":..,"message":..}]}` body, its
//! documented codes, and the module's [`Error`] type.

use partner_sdk_core::reqwest::StatusCode;
use partner_sdk_core::{ErrorBody, ErrorFields};

pub use crate::shared::{ExternalIdConflictError, TransactionFailedError};

/// Result alias of the DVS client.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A call of the DVS client: a boxed `Send` future of its result, run
/// when first polled.
pub type Call<'a, T, E = Error> = partner_sdk_core::provider::Call<'a, T, E>;

/// A stream of items over every page of a DVS listing: boxed, `Send` and
/// `Unpin` ([`partner_sdk_core::ItemStream`]) over this module's [`Error`].
pub type ItemStream<T, E = Error> = partner_sdk_core::ItemStream<T, E>;

/// Everything a DVS call can fail with.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Transport, API, decode, input, timeout, pagination or
    /// unknown-outcome error.
    #[error(transparent)]
    Http(#[from] partner_sdk_core::Error),
    /// [`Client::create_or_resolve`](super::Client::create_or_resolve)
    /// found a transaction under this `external_id` that is not the one
    /// requested: the id was used for another order. Nothing was returned
    /// as this transaction; the request was not created under this id.
    #[error(transparent)]
    ExternalIdConflict(Box<ExternalIdConflictError>),
    /// The transaction found under the request's `external_id` is this
    /// request's, and it failed at DT One (its status class is rejected,
    /// cancelled, declined or reversed): nothing was delivered. A journalled
    /// intent is settled not done.
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
    /// DVS error codes (the document's table, plus [`ErrorCode::Other`]),
    /// sent as numbers.
    pub enum ErrorCode: u32 {
        /// 1000400 (HTTP 400): bad request.
        BadRequest = 1000400,
        /// 1000401 (HTTP 401): unauthorized.
        Unauthorized = 1000401,
        /// 1000404 (HTTP 404): resource not found.
        NotFound = 1000404,
        /// 1000429 (HTTP 429): too many requests.
        TooManyRequests = 1000429,
        /// 1003001 (HTTP 404): product not available in your account.
        ProductNotAvailable = 1003001,
        /// 1003002 (HTTP 400): requested product amount out of range.
        AmountOutOfRange = 1003002,
        /// 1003003 (HTTP 400): requested product unit invalid.
        InvalidUnit = 1003003,
        /// 1003101 (HTTP 404): benefits not defined for available products.
        BenefitsNotDefined = 1003101,
        /// 1003201 (HTTP 404): promotion not found.
        PromotionNotFound = 1003201,
        /// 1003301 (HTTP 404): campaign not found.
        CampaignNotFound = 1003301,
        /// 1005003 (HTTP 400): credit party mobile number invalid.
        InvalidCreditPartyMobileNumber = 1005003,
        /// 1005004 (HTTP 404): service not found.
        ServiceNotFound = 1005004,
        /// 1005005 (HTTP 404): country not found.
        CountryNotFound = 1005005,
        /// 1005006 (HTTP 404): operator not found.
        OperatorNotFound = 1005006,
        /// 1005503 (HTTP 400): sender mobile number invalid.
        InvalidSenderMobileNumber = 1005503,
        /// 1006001 (HTTP 400): insufficient balance.
        InsufficientBalance = 1006001,
        /// 1006003 (HTTP 400): debit party mobile number invalid.
        InvalidDebitPartyMobileNumber = 1006003,
        /// 1006009 (HTTP 404): account balance not found.
        BalanceNotFound = 1006009,
        /// 1006503 (HTTP 400): beneficiary mobile number invalid.
        InvalidBeneficiaryMobileNumber = 1006503,
        /// 1007001 (HTTP 400): the transaction's `external_id` was already used.
        ExternalIdReused = 1007001,
        /// 1007002 (HTTP 400): the transaction was already confirmed.
        AlreadyConfirmed = 1007002,
        /// 1007004 (HTTP 400): the transaction can no longer be confirmed.
        ConfirmTooLate = 1007004,
        /// 1007005 (HTTP 400): the transaction was already cancelled.
        AlreadyCancelled = 1007005,
        /// 1007007 (HTTP 400): the transaction can no longer be cancelled.
        CancelTooLate = 1007007,
        /// 1007500 (HTTP 400): method not supported by the operator.
        MethodNotSupported = 1007500,
        /// 1008004 (HTTP 404): transaction not found.
        TransactionNotFound = 1008004,
        /// 1009001 (HTTP 500): unexpected error.
        Unexpected = 1009001,
        /// 1009503 (HTTP 503): service unavailable, retry later.
        RetryLater = 1009503,
    }
}

impl ErrorCode {
    /// Whether this code says DT One failed on its side, not that it
    /// refused the request: 1009001 (unexpected error) and 1009503 (retry
    /// later). Such an answer to a create proves nothing about it.
    pub fn is_internal_error(&self) -> bool {
        matches!(self, ErrorCode::Unexpected | ErrorCode::RetryLater)
    }

    /// Whether this code says the record asked for does not exist: 1000404
    /// and the not-found codes of each resource.
    pub fn is_not_found(&self) -> bool {
        matches!(
            self,
            ErrorCode::NotFound
                | ErrorCode::ProductNotAvailable
                | ErrorCode::PromotionNotFound
                | ErrorCode::CampaignNotFound
                | ErrorCode::ServiceNotFound
                | ErrorCode::CountryNotFound
                | ErrorCode::OperatorNotFound
                | ErrorCode::BalanceNotFound
                | ErrorCode::TransactionNotFound
        )
    }
}

/// One entry of a DVS error body, its code an [`ErrorCode`].
pub type ErrorEntry = crate::shared::ErrorEntry<ErrorCode>;

/// The DVS error body: `{"errors": [{"code": .., "message": ..}]}`.
pub type ApiErrorBody = crate::shared::ApiErrorBody<ErrorCode>;

/// Reads the DVS `{"errors":[{code, message}]}` error bodies.
#[derive(Debug, Clone, Copy, Default)]
pub struct DvsErrorBody;

fn first_code(fields: &ErrorFields) -> Option<ErrorCode> {
    fields.code.as_deref().and_then(ErrorCode::parse)
}

impl ErrorBody for DvsErrorBody {
    /// The body has the Goods & Services API's shape: read by the same
    /// code.
    fn parse(&self, _status: StatusCode, body: &[u8]) -> ErrorFields {
        crate::shared::error_fields(body).unwrap_or_default()
    }

    /// A 2xx object with a non-empty top-level `errors` list is an error
    /// (a listing is an array, a record an object without `errors`).
    fn error_in_success(&self, _status: StatusCode, body: &[u8]) -> Option<ErrorFields> {
        crate::shared::error_in_2xx(body)
    }

    /// Errors are marked by the top-level `errors` list: `send` folds the
    /// probe into the typed decode.
    fn error_keys(&self) -> Option<&'static [&'static str]> {
        Some(&["errors"])
    }

    /// A 404 in DVS's own body, or one of its not-found codes
    /// ([`ErrorCode::is_not_found`]); a gateway's bare 404 page is not.
    fn is_not_found(&self, status: StatusCode, fields: &ErrorFields) -> bool {
        match first_code(fields) {
            Some(code) => code.is_not_found(),
            None => status == StatusCode::NOT_FOUND && fields.message.is_some(),
        }
    }

    /// The first entry's code is one of [`ErrorCode::is_internal_error`].
    fn is_internal_error(&self, _status: StatusCode, fields: &ErrorFields) -> bool {
        first_code(fields).is_some_and(|code| code.is_internal_error())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_error_body_reads_its_codes() {
        let body = br#"{"errors": [{"code": 1007001, "message": "Transaction external ID has already been used"}]}"#;
        let parsed = ApiErrorBody::from_body(body).unwrap();
        assert_eq!(parsed.error_code(), Some(ErrorCode::ExternalIdReused));
        let fields = DvsErrorBody.parse(StatusCode::BAD_REQUEST, body);
        assert_eq!(fields.code.as_deref(), Some("1007001"));
        assert!(!DvsErrorBody.is_not_found(StatusCode::BAD_REQUEST, &fields));
        assert!(!DvsErrorBody.is_internal_error(StatusCode::BAD_REQUEST, &fields));
        for none in [&br#"{"errors": []}"#[..], br#"{"errors": null}"#, b"<html>"] {
            assert_eq!(ApiErrorBody::from_body(none), None);
            assert_eq!(DvsErrorBody.error_in_success(StatusCode::OK, none), None);
        }
        let in_success = DvsErrorBody
            .error_in_success(StatusCode::CREATED, body)
            .unwrap();
        assert_eq!(in_success.code.as_deref(), Some("1007001"));
        for record in [
            &br#"{"id": 7, "external_id": "e"}"#[..],
            br#"[{"errors": [{"code": 1}]}]"#,
        ] {
            assert_eq!(DvsErrorBody.error_in_success(StatusCode::OK, record), None);
        }
    }

    #[test]
    fn not_found_and_internal_codes_are_told_apart() {
        let fields = |code: u32| ErrorFields {
            code: Some(code.to_string()),
            message: Some("m".into()),
        };
        for code in [1008004, 1000404, 1005006, 1003201] {
            assert!(
                DvsErrorBody.is_not_found(StatusCode::NOT_FOUND, &fields(code)),
                "{code}"
            );
        }
        for code in [1009001, 1009503] {
            assert!(
                DvsErrorBody.is_internal_error(StatusCode::INTERNAL_SERVER_ERROR, &fields(code))
            );
            assert!(!DvsErrorBody.is_not_found(StatusCode::NOT_FOUND, &fields(code)));
        }
        assert!(!DvsErrorBody.is_not_found(StatusCode::NOT_FOUND, &ErrorFields::default()));
        assert_eq!(ErrorCode::from_code(1234567), ErrorCode::Other(1234567));
    }
}
