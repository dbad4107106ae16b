//! Transactions: their types (status and status class, parties, values,
//! PIN), the look-up by id and the listing with filters; the calls that move
//! money are in [`money`], the create's body in [`request`].
//!
//! DT One says to branch on a status's **class**, the status itself only
//! adding detail: [`StatusClass`] names the eight classes, and
//! [`TransactionStatus::is_final`], [`is_success`](TransactionStatus::is_success)
//! and [`has_failed`](TransactionStatus::has_failed) read the class.

use partner_sdk_core::decode::{i64_or_zero, opt_i64, opt_string, string};
use partner_sdk_core::secret::redacted;
use partner_sdk_core::{Page, Request};
use serde::{Deserialize, Serialize};

pub mod money;
pub mod request;

pub use money::{MAX_SYNC_WAIT, Resolution};
pub use request::{MAX_EXTERNAL_ID_LEN, RequestedAmount, TransactionRequest};

use super::Client;
use super::common::{
    Amount, Benefit, CalculationMode, Prices, ProductPromotion, ProductType, Rates, check_paging,
    list, paging, paging_methods,
};
use super::error::{ItemStream, Result};
use super::operators::Operator;
use super::products::ProductService;
use crate::validate::{check_id, check_opt_id, check_text};

partner_sdk_core::open_enum! {
    /// The class of a transaction status: what to branch on.
    pub enum StatusClass {
        /// Created, waiting for confirmation (funds held).
        Created => "CREATED",
        /// Confirmed, sent to the operator.
        Confirmed => "CONFIRMED",
        /// Rejected by DT One's rules (funds released).
        Rejected => "REJECTED",
        /// Cancelled (funds released).
        Cancelled => "CANCELLED",
        /// Submitted to the operator, no final answer yet.
        Submitted => "SUBMITTED",
        /// Completed: delivered (funds captured).
        Completed => "COMPLETED",
        /// Reversed after completion (funds credited back).
        Reversed => "REVERSED",
        /// Declined by the operator (funds released).
        Declined => "DECLINED",
    }
}

impl StatusClass {
    /// Whether no further status change is expected: completed, rejected,
    /// cancelled, declined or reversed. (DT One may still reverse a
    /// completed transaction by hand, rarely, and says so by callback.)
    pub fn is_final(&self) -> bool {
        matches!(
            self,
            StatusClass::Completed
                | StatusClass::Rejected
                | StatusClass::Cancelled
                | StatusClass::Declined
                | StatusClass::Reversed
        )
    }

    /// Whether the value was delivered: completed.
    pub fn is_success(&self) -> bool {
        matches!(self, StatusClass::Completed)
    }

    /// Whether nothing was delivered and nothing will be: rejected,
    /// cancelled, declined, or reversed.
    pub fn has_failed(&self) -> bool {
        matches!(
            self,
            StatusClass::Rejected
                | StatusClass::Cancelled
                | StatusClass::Declined
                | StatusClass::Reversed
        )
    }
}

/// The class part of a status: `{id, message}`, the message naming the
/// class.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[non_exhaustive]
pub struct StatusClassInfo {
    /// Class id.
    #[serde(default, deserialize_with = "i64_or_zero")]
    pub id: i64,
    /// Class name, e.g. `COMPLETED`.
    #[serde(default, deserialize_with = "string")]
    pub message: String,
}

/// A transaction status: `{id, message, class: {id, message}}`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[non_exhaustive]
pub struct TransactionStatus {
    /// Status id.
    #[serde(default, deserialize_with = "i64_or_zero")]
    pub id: i64,
    /// Status, e.g. `DECLINED-BARRED-CREDIT-PARTY`.
    #[serde(default, deserialize_with = "string")]
    pub message: String,
    /// Its class.
    #[serde(default)]
    pub class: StatusClassInfo,
}

impl TransactionStatus {
    /// The class, typed (an unknown one kept in [`StatusClass::Other`]); a
    /// status sent without a class is classed by the first word of its
    /// message (`DECLINED-...` is `DECLINED`).
    pub fn class(&self) -> StatusClass {
        let name = if self.class.message.is_empty() {
            self.message.split('-').next().unwrap_or_default()
        } else {
            self.class.message.as_str()
        };
        StatusClass::from(name)
    }

    /// See [`StatusClass::is_final`].
    pub fn is_final(&self) -> bool {
        self.class().is_final()
    }

    /// See [`StatusClass::is_success`].
    pub fn is_success(&self) -> bool {
        self.class().is_success()
    }

    /// See [`StatusClass::has_failed`].
    pub fn has_failed(&self) -> bool {
        self.class().has_failed()
    }
}

/// A party's identifier: mobile number, account number and qualifier.
#[derive(Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PartyIdentifier {
    /// Mobile number (E.164).
    #[serde(
        default,
        deserialize_with = "opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub mobile_number: Option<String>,
    /// Account number.
    #[serde(
        default,
        deserialize_with = "opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub account_number: Option<String>,
    /// Account qualifier.
    #[serde(
        default,
        deserialize_with = "opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub account_qualifier: Option<String>,
}

/// Personal data (mobile_number, account_number, account_qualifier) is
/// printed as `[REDACTED]`.
impl std::fmt::Debug for PartyIdentifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PartyIdentifier")
            .field("mobile_number", &redacted(&self.mobile_number))
            .field("account_number", &redacted(&self.account_number))
            .field("account_qualifier", &redacted(&self.account_qualifier))
            .finish()
    }
}

impl PartyIdentifier {
    /// A party known by its mobile number (E.164, e.g. `+6281234567100`).
    pub fn mobile_number(number: impl Into<String>) -> Self {
        PartyIdentifier {
            mobile_number: Some(number.into()),
            ..Self::default()
        }
    }

    /// A party known by its account number.
    pub fn account_number(number: impl Into<String>) -> Self {
        PartyIdentifier {
            account_number: Some(number.into()),
            ..Self::default()
        }
    }

    /// Adds the account qualifier the product asks for.
    pub fn with_account_qualifier(mut self, qualifier: impl Into<String>) -> Self {
        self.account_qualifier = Some(qualifier.into());
        self
    }
}

/// A sender or beneficiary.
#[derive(Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Person {
    /// Last name.
    #[serde(
        default,
        deserialize_with = "opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub last_name: Option<String>,
    /// First name.
    #[serde(
        default,
        deserialize_with = "opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub first_name: Option<String>,
    /// Middle name.
    #[serde(
        default,
        deserialize_with = "opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub middle_name: Option<String>,
    /// Nationality (ISO 3166-1 alpha-3).
    #[serde(
        default,
        deserialize_with = "opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub nationality_country_iso_code: Option<String>,
    /// Mobile number (E.164).
    #[serde(
        default,
        deserialize_with = "opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub mobile_number: Option<String>,
    /// Email address.
    #[serde(
        default,
        deserialize_with = "opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub email: Option<String>,
    /// Street address.
    #[serde(
        default,
        deserialize_with = "opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub address_text: Option<String>,
    /// City.
    #[serde(
        default,
        deserialize_with = "opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub address_city: Option<String>,
    /// Country (ISO 3166-1 alpha-3).
    #[serde(
        default,
        deserialize_with = "opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub address_country_iso_code: Option<String>,
    /// Postal code.
    #[serde(
        default,
        deserialize_with = "opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub address_postal_code: Option<String>,
}

/// Personal data (every field but the two country codes) is printed as
/// `[REDACTED]`.
impl std::fmt::Debug for Person {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Person")
            .field("last_name", &redacted(&self.last_name))
            .field("first_name", &redacted(&self.first_name))
            .field("middle_name", &redacted(&self.middle_name))
            .field(
                "nationality_country_iso_code",
                &self.nationality_country_iso_code,
            )
            .field("mobile_number", &redacted(&self.mobile_number))
            .field("email", &redacted(&self.email))
            .field("address_text", &redacted(&self.address_text))
            .field("address_city", &redacted(&self.address_city))
            .field("address_country_iso_code", &self.address_country_iso_code)
            .field("address_postal_code", &redacted(&self.address_postal_code))
            .finish()
    }
}

impl Person {
    /// A person with no field set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets `last_name`.
    pub fn last_name(mut self, value: impl Into<String>) -> Self {
        self.last_name = Some(value.into());
        self
    }

    /// Sets `first_name`.
    pub fn first_name(mut self, value: impl Into<String>) -> Self {
        self.first_name = Some(value.into());
        self
    }

    /// Sets `middle_name`.
    pub fn middle_name(mut self, value: impl Into<String>) -> Self {
        self.middle_name = Some(value.into());
        self
    }

    /// Sets `nationality_country_iso_code`.
    pub fn nationality_country_iso_code(mut self, value: impl Into<String>) -> Self {
        self.nationality_country_iso_code = Some(value.into());
        self
    }

    /// Sets `mobile_number`.
    pub fn mobile_number(mut self, value: impl Into<String>) -> Self {
        self.mobile_number = Some(value.into());
        self
    }

    /// Sets `email`.
    pub fn email(mut self, value: impl Into<String>) -> Self {
        self.email = Some(value.into());
        self
    }

    /// Sets `address_text`.
    pub fn address_text(mut self, value: impl Into<String>) -> Self {
        self.address_text = Some(value.into());
        self
    }

    /// Sets `address_city`.
    pub fn address_city(mut self, value: impl Into<String>) -> Self {
        self.address_city = Some(value.into());
        self
    }

    /// Sets `address_country_iso_code`.
    pub fn address_country_iso_code(mut self, value: impl Into<String>) -> Self {
        self.address_country_iso_code = Some(value.into());
        self
    }

    /// Sets `address_postal_code`.
    pub fn address_postal_code(mut self, value: impl Into<String>) -> Self {
        self.address_postal_code = Some(value.into());
        self
    }
}

/// The statement a payment settles.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct StatementIdentifier {
    /// Statement reference.
    #[serde(
        default,
        deserialize_with = "opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub reference: Option<String>,
    /// Due date (`YYYY-MM-DD` as sent).
    #[serde(
        default,
        deserialize_with = "opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub due_date: Option<String>,
}

/// Further identifiers of a transaction.
#[derive(Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AdditionalIdentifier {
    /// The purchaser's id.
    #[serde(
        default,
        deserialize_with = "opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub purchaser_id: Option<String>,
}

/// The purchaser id is printed as `[REDACTED]`.
impl std::fmt::Debug for AdditionalIdentifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AdditionalIdentifier")
            .field("purchaser_id", &redacted(&self.purchaser_id))
            .finish()
    }
}

/// The PIN a PIN purchase delivered.
#[derive(Clone, PartialEq, Eq, Default, Deserialize)]
#[non_exhaustive]
pub struct Pin {
    /// The code.
    #[serde(default, deserialize_with = "opt_string")]
    pub code: Option<String>,
    /// Its serial number.
    #[serde(default, deserialize_with = "opt_string")]
    pub serial: Option<String>,
}

/// The code is printed as `[REDACTED]` (it is the value delivered).
impl std::fmt::Debug for Pin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pin")
            .field("code", &redacted(&self.code))
            .field("serial", &self.serial)
            .finish()
    }
}

/// Source and destination amounts (as requested, or as adjusted by DT One).
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[non_exhaustive]
pub struct Values {
    /// What you pay.
    #[serde(default)]
    pub source: Option<Amount>,
    /// What the beneficiary gets.
    #[serde(default)]
    pub destination: Option<Amount>,
}

/// The product of a transaction, as the transaction names it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct TransactionProduct {
    /// Product id.
    #[serde(default, deserialize_with = "i64_or_zero")]
    pub id: i64,
    /// Product type (an unknown one kept).
    #[serde(rename = "type")]
    pub kind: ProductType,
    /// Name.
    #[serde(default, deserialize_with = "string")]
    pub name: String,
    /// Description.
    #[serde(default, deserialize_with = "opt_string")]
    pub description: Option<String>,
    /// Tags.
    #[serde(default, deserialize_with = "list")]
    pub tags: Vec<String>,
    /// Its service.
    #[serde(default)]
    pub service: ProductService,
    /// Its operator.
    #[serde(default)]
    pub operator: Operator,
}

/// A transaction.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[non_exhaustive]
pub struct Transaction {
    /// DT One's transaction id.
    #[serde(default, deserialize_with = "i64_or_zero")]
    pub id: i64,
    /// Your unique reference (at most 40 characters).
    #[serde(default, deserialize_with = "string")]
    pub external_id: String,
    /// Creation time, RFC 3339 text as sent.
    #[serde(default, deserialize_with = "opt_string")]
    pub creation_date: Option<String>,
    /// Until when a created transaction can be confirmed, RFC 3339 text.
    #[serde(default, deserialize_with = "opt_string")]
    pub confirmation_expiration_date: Option<String>,
    /// Confirmation time, RFC 3339 text.
    #[serde(default, deserialize_with = "opt_string")]
    pub confirmation_date: Option<String>,
    /// The product id.
    #[serde(default, deserialize_with = "opt_i64")]
    pub product_id: Option<i64>,
    /// Calculation mode of a ranged product's create.
    #[serde(default)]
    pub calculation_mode: Option<CalculationMode>,
    /// Whether the create confirmed it at once.
    #[serde(default, deserialize_with = "partner_sdk_core::decode::flag")]
    pub auto_confirm: bool,
    /// Status and class (absent only in a malformed answer).
    #[serde(default)]
    pub status: Option<TransactionStatus>,
    /// The operator's reference.
    #[serde(default, deserialize_with = "opt_string")]
    pub operator_reference: Option<String>,
    /// The PIN delivered (PIN purchases).
    #[serde(default)]
    pub pin: Option<Pin>,
    /// The product.
    #[serde(default)]
    pub product: Option<TransactionProduct>,
    /// Wholesale and retail prices.
    #[serde(default)]
    pub prices: Option<Prices>,
    /// Exchange rates.
    #[serde(default)]
    pub rates: Option<Rates>,
    /// What it gives.
    #[serde(default, deserialize_with = "list")]
    pub benefits: Vec<Benefit>,
    /// Promotions applied.
    #[serde(default, deserialize_with = "list")]
    pub promotions: Vec<ProductPromotion>,
    /// The amounts the create asked for.
    #[serde(default)]
    pub requested_values: Option<Values>,
    /// The amounts DT One applied.
    #[serde(default)]
    pub adjusted_values: Option<Values>,
    /// The sender.
    #[serde(default)]
    pub sender: Option<Person>,
    /// The beneficiary.
    #[serde(default)]
    pub beneficiary: Option<Person>,
    /// Who pays.
    #[serde(default)]
    pub debit_party_identifier: Option<PartyIdentifier>,
    /// Who receives.
    #[serde(default)]
    pub credit_party_identifier: Option<PartyIdentifier>,
    /// The statement paid (payments).
    #[serde(default)]
    pub statement_identifier: Option<StatementIdentifier>,
    /// Further identifiers.
    #[serde(default)]
    pub additional_identifier: Option<AdditionalIdentifier>,
    /// Product-specific details (eSIM profiles), the JSON object as sent.
    #[serde(default)]
    pub metadata: Option<serde_json::Map<String, serde_json::Value>>,
}

impl Transaction {
    /// The status class ([`StatusClass::Other`] holding `""` when the
    /// answer had no status).
    pub fn status_class(&self) -> StatusClass {
        self.status.as_ref().map_or_else(
            || StatusClass::Other(String::new()),
            TransactionStatus::class,
        )
    }

    /// See [`StatusClass::is_final`]; `false` without a status.
    pub fn is_final(&self) -> bool {
        self.status_class().is_final()
    }

    /// See [`StatusClass::is_success`]; `false` without a status.
    pub fn is_success(&self) -> bool {
        self.status_class().is_success()
    }

    /// See [`StatusClass::has_failed`]; `false` without a status.
    pub fn has_failed(&self) -> bool {
        self.status_class().has_failed()
    }
}

/// Filters and page of `GET /transactions`.
#[derive(Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct TransactionQuery {
    /// Only the transaction with this `external_id`.
    pub external_id: Option<String>,
    /// Only transactions of this product type.
    pub product_type: Option<ProductType>,
    /// Only transactions of this service.
    pub service_id: Option<i64>,
    /// Only transactions of this subservice.
    pub subservice_id: Option<i64>,
    /// Only transactions in this country (ISO 3166-1 alpha-3).
    pub country_iso_code: Option<String>,
    /// Only transactions of this operator.
    pub operator_id: Option<i64>,
    /// Only transactions with this status id.
    pub status_id: Option<i64>,
    /// Only transactions to this mobile number (E.164).
    pub credit_party_mobile_number: Option<String>,
    /// Only transactions to this account number.
    pub credit_party_account_number: Option<String>,
    /// Created at or after (RFC 3339, e.g. `1970-01-01T00:00:00.000000Z`).
    pub from_date: Option<String>,
    /// Created at or before (RFC 3339).
    pub to_date: Option<String>,
    /// Page (from 1).
    pub page: Option<u32>,
    /// Records per page (1 to 100).
    pub per_page: Option<u32>,
}

/// The credit party's numbers are printed as `[REDACTED]`.
impl std::fmt::Debug for TransactionQuery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TransactionQuery")
            .field("external_id", &self.external_id)
            .field("product_type", &self.product_type)
            .field("service_id", &self.service_id)
            .field("subservice_id", &self.subservice_id)
            .field("country_iso_code", &self.country_iso_code)
            .field("operator_id", &self.operator_id)
            .field("status_id", &self.status_id)
            .field(
                "credit_party_mobile_number",
                &redacted(&self.credit_party_mobile_number),
            )
            .field(
                "credit_party_account_number",
                &redacted(&self.credit_party_account_number),
            )
            .field("from_date", &self.from_date)
            .field("to_date", &self.to_date)
            .field("page", &self.page)
            .field("per_page", &self.per_page)
            .finish()
    }
}

impl TransactionQuery {
    /// No filter, first page.
    pub fn new() -> Self {
        Self::default()
    }
    /// Only the transaction with this `external_id`.
    pub fn external_id(mut self, id: impl Into<String>) -> Self {
        self.external_id = Some(id.into());
        self
    }
    /// Only transactions of this product type.
    pub fn product_type(mut self, kind: ProductType) -> Self {
        self.product_type = Some(kind);
        self
    }
    /// Only transactions of this service.
    pub fn service_id(mut self, id: i64) -> Self {
        self.service_id = Some(id);
        self
    }
    /// Only transactions of this subservice.
    pub fn subservice_id(mut self, id: i64) -> Self {
        self.subservice_id = Some(id);
        self
    }
    /// Only transactions in this country (ISO 3166-1 alpha-3).
    pub fn country_iso_code(mut self, code: impl Into<String>) -> Self {
        self.country_iso_code = Some(code.into());
        self
    }
    /// Only transactions of this operator.
    pub fn operator_id(mut self, id: i64) -> Self {
        self.operator_id = Some(id);
        self
    }
    /// Only transactions with this status id.
    pub fn status_id(mut self, id: i64) -> Self {
        self.status_id = Some(id);
        self
    }
    /// Only transactions to this mobile number (E.164).
    pub fn credit_party_mobile_number(mut self, number: impl Into<String>) -> Self {
        self.credit_party_mobile_number = Some(number.into());
        self
    }
    /// Only transactions to this account number.
    pub fn credit_party_account_number(mut self, number: impl Into<String>) -> Self {
        self.credit_party_account_number = Some(number.into());
        self
    }
    /// Created at or after this time (RFC 3339).
    pub fn from_date(mut self, date: impl Into<String>) -> Self {
        self.from_date = Some(date.into());
        self
    }
    /// Created at or before this time (RFC 3339).
    pub fn to_date(mut self, date: impl Into<String>) -> Self {
        self.to_date = Some(date.into());
        self
    }
    paging_methods!();

    fn request(&self, operation: &'static str, page: u32) -> Result<Request> {
        if let Some(id) = &self.external_id {
            check_text("external_id", id)?;
        }
        check_opt_id("service_id", self.service_id)?;
        check_opt_id("subservice_id", self.subservice_id)?;
        check_opt_id("operator_id", self.operator_id)?;
        check_paging(Some(page), self.per_page)?;
        let req = Request::get(operation, "/transactions")
            .query_opt("external_id", self.external_id.as_deref())
            .query_opt("product_type", self.product_type.as_ref())
            .query_opt("service_id", self.service_id)
            .query_opt("subservice_id", self.subservice_id)
            .query_opt("country_iso_code", self.country_iso_code.as_deref())
            .query_opt("operator_id", self.operator_id)
            .query_opt("status_id", self.status_id)
            .query_opt(
                "credit_party_mobile_number",
                self.credit_party_mobile_number.as_deref(),
            )
            .query_opt(
                "credit_party_account_number",
                self.credit_party_account_number.as_deref(),
            )
            .query_opt("from_date", self.from_date.as_deref())
            .query_opt("to_date", self.to_date.as_deref())
            // Transactions carry the parties' personal data.
            .sensitive_answer();
        Ok(paging(req, page, self.per_page))
    }
}

impl Client {
    /// `GET /transactions/{transaction_id}`: one transaction.
    pub async fn get_transaction(&self, transaction_id: i64) -> Result<Transaction> {
        check_id("transaction_id", transaction_id)?;
        let req = Request::get("get_transaction", "/transactions/{transaction_id}")
            .param(transaction_id)
            .sensitive_answer();
        Ok(self.transport.send(req).await?)
    }

    /// `GET /transactions`: one page of transactions; with
    /// [`TransactionQuery::external_id`], the transaction under that
    /// reference, if any.
    pub async fn list_transactions(
        &self,
        query: &TransactionQuery,
    ) -> Result<Page<Transaction, u32>> {
        let page = query.page.unwrap_or(1);
        self.fetch_page(query.request("list_transactions", page)?, page)
            .await
    }

    /// `GET /transactions`: every transaction matching `query`, page by
    /// page as polled.
    #[inline]
    pub fn transactions(&self, query: &TransactionQuery) -> ItemStream<Transaction> {
        let query = query.clone();
        self.stream(query.page.unwrap_or(1), move |page| {
            query.request("transactions", page)
        })
    }
}
