//! What the Goods & Services and DVS clients share: DT One's
//! `{"errors": [{code, message}]}` body as both APIs send it, the errors of
//! a create found under its `external_id`, and how an account number found
//! is compared with the one sent.

use std::fmt;
use std::marker::PhantomData;

use partner_sdk_core::{ApiError, ErrorFields, ReconcileKey};
use serde::Deserialize;

/// The fields of `Error::TransactionFailed` (and of the DVS client's
/// `dvs::Error::TransactionFailed`): the create under this key exists at DT
/// One and failed.
#[derive(Debug, Clone, thiserror::Error)]
#[error(
    "{provider} create_transaction: the transaction under {} {} failed at DT One (status {status})",
    key.field(),
    key.value()
)]
pub struct TransactionFailedError {
    /// The client that found it: `dtone` (Goods & Services) or `dtone-dvs`.
    pub provider: &'static str,
    /// The key: `external_id` and its value.
    pub key: ReconcileKey,
    /// The transaction's status as DT One sent it (Goods & Services: its
    /// `status`; DVS: its status message, e.g.
    /// `DECLINED-BARRED-CREDIT-PARTY`).
    pub status: String,
}

/// The fields of `Error::ExternalIdConflict` (and of the DVS client's
/// `dvs::Error::ExternalIdConflict`): the transaction found under the
/// request's `external_id` is another one.
#[derive(Debug, Clone, thiserror::Error)]
#[error(
    "{provider} create_transaction: {} {} belongs to another transaction (it differs in {})",
    key.field(),
    key.value(),
    mismatched.join(", ")
)]
pub struct ExternalIdConflictError {
    /// The client that found it: `dtone` (Goods & Services) or `dtone-dvs`.
    pub provider: &'static str,
    /// The reused key: `external_id` and its value.
    pub key: ReconcileKey,
    /// The fields in which the transaction found differs from the request,
    /// never their values (an account number is personal data): Goods &
    /// Services `simulation`, `product_id`, `account_number`,
    /// `local_value`; DVS `product_id`, `credit_party_identifier`,
    /// `source`, `destination`.
    pub mismatched: Vec<&'static str>,
}

/// One entry of a DT One error body; `C` is its API's `ErrorCode` (the
/// crate's `ErrorEntry` for Goods & Services, `dvs::ErrorEntry` for DVS:
/// both APIs send the same shape, with codes of their own).
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(bound = "")]
#[non_exhaustive]
pub struct ErrorEntry<C> {
    /// Numeric code (0 when absent or not a number).
    #[serde(default, deserialize_with = "code_or_zero")]
    pub code: u32,
    /// Message, when given.
    #[serde(default, deserialize_with = "partner_sdk_core::decode::opt_string")]
    pub message: Option<String>,
    #[serde(skip)]
    api: PhantomData<fn() -> C>,
}

impl<C: From<u32>> ErrorEntry<C> {
    /// The typed code.
    pub fn error_code(&self) -> C {
        C::from(self.code)
    }
}

impl<C> fmt::Debug for ErrorEntry<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ErrorEntry")
            .field("code", &self.code)
            .field("message", &self.message)
            .finish()
    }
}

impl<C> Default for ErrorEntry<C> {
    fn default() -> Self {
        Self {
            code: 0,
            message: None,
            api: PhantomData,
        }
    }
}

fn code_or_zero<'de, D: serde::Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    let v = partner_sdk_core::decode::opt_i64(d).unwrap_or(None);
    Ok(v.and_then(|v| u32::try_from(v).ok()).unwrap_or(0))
}

/// DT One's error body: `{"errors": [{"code": .., "message": ..}]}`; `C`
/// is its API's `ErrorCode` (the crate's `ApiErrorBody` for Goods &
/// Services, `dvs::ApiErrorBody` for DVS).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(bound = "")]
#[non_exhaustive]
pub struct ApiErrorBody<C> {
    /// The entries, in the order sent (never empty in a body read by
    /// [`from_body`](Self::from_body)).
    #[serde(
        default,
        deserialize_with = "partner_sdk_core::decode::null_as_default"
    )]
    pub errors: Vec<ErrorEntry<C>>,
}

impl<C> ApiErrorBody<C> {
    /// Reads a body with a non-empty `errors` list; anything else is
    /// `None`. Never fails.
    pub fn from_body(body: &[u8]) -> Option<Self> {
        serde_json::from_slice::<Self>(body)
            .ok()
            .filter(|b| !b.errors.is_empty())
    }

    /// The body of an API error, when it has this shape.
    pub fn from_api(api: &ApiError) -> Option<Self> {
        Self::from_body(api.body())
    }
}

impl<C: From<u32>> ApiErrorBody<C> {
    /// The typed code of the first entry.
    pub fn error_code(&self) -> Option<C> {
        self.errors.first().map(ErrorEntry::error_code)
    }
}

impl<C> Default for ApiErrorBody<C> {
    fn default() -> Self {
        Self { errors: Vec::new() }
    }
}

/// The first entry of an `{"errors": [{code, message}]}` body with a
/// non-empty list, as the transport's fields; the body shape both DT One
/// APIs (Goods & Services and DVS) send.
pub(crate) fn error_fields(body: &[u8]) -> Option<ErrorFields> {
    let body = ApiErrorBody::<u32>::from_body(body)?;
    let first = body.errors.first();
    Some(ErrorFields {
        code: first.filter(|e| e.code != 0).map(|e| e.code.to_string()),
        message: first.and_then(|e| e.message.clone()),
    })
}

/// The error a 2xx answer carries: an object with a non-empty top-level
/// `errors` list ([`error_fields`]). A plain scan of the top-level keys
/// first, the full read only when there is an `errors` key.
pub(crate) fn error_in_2xx(body: &[u8]) -> Option<ErrorFields> {
    use partner_sdk_core::decode::{TopLevel, starts_object, top_level_value};
    if !starts_object(body) || top_level_value(body, "errors") == TopLevel::Absent {
        return None;
    }
    error_fields(body)
}

/// Whether two account numbers name the same account. Two phone numbers
/// (text of digits with spaces, dashes, dots or parentheses, and a leading
/// `+` or `00`) compare by their digits after that prefix, so
/// `+62 812-3456` and `00628123456` match; any other account (an e-mail
/// address, an account number with letters) compares exactly.
pub(crate) fn same_account(sent: &str, found: &str) -> bool {
    match (phone_digits(sent), phone_digits(found)) {
        (Some(sent), Some(found)) => sent == found,
        _ => sent == found,
    }
}

/// The digits of a phone number written as [`same_account`] reads one;
/// `None` for anything else.
fn phone_digits(account: &str) -> Option<String> {
    let text = account.trim();
    let (plus, rest) = match text.strip_prefix('+') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let punctuation = |c: char| matches!(c, ' ' | '-' | '.' | '(' | ')');
    if !rest.chars().all(|c| c.is_ascii_digit() || punctuation(c)) {
        return None;
    }
    let digits: String = rest.chars().filter(char::is_ascii_digit).collect();
    let digits = match (plus, digits.strip_prefix("00")) {
        (false, Some(international)) => international.to_owned(),
        _ => digits,
    };
    (!digits.is_empty()).then_some(digits)
}
