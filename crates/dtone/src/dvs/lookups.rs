//! Look-ups: the operators of a mobile number, a bill's statements, and a
//! credit party's benefits and status. The `POST` look-ups change
//! nothing, so they are retried like reads.

use partner_sdk_core::decode::{decimal, flag, opt_string};
use partner_sdk_core::secret::redacted;
use partner_sdk_core::{Decimal, Page, Request};
use serde::{Deserialize, Serialize};

use super::Client;
use super::common::{
    Amount, BenefitType, BenefitUnitType, CountryRef, check_paging, paging, paging_methods,
};
use super::error::Result;
use super::operators::Operator;
use crate::validate::{check_id, check_text};

/// An operator found for a mobile number, and whether it was identified
/// (ported numbers) or only guessed from the number's prefix.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct MobileNumberOperator {
    /// The operator.
    #[serde(flatten)]
    pub operator: Operator,
    /// True when DT One identified the number's operator.
    #[serde(default, deserialize_with = "flag")]
    pub identified: bool,
}

/// A mobile-number look-up: the number and a page.
#[derive(Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct MobileNumberLookup {
    /// The number (E.164, e.g. `+6595123100`).
    pub mobile_number: String,
    /// Page (from 1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page: Option<u32>,
    /// Records per page (1 to 100).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub per_page: Option<u32>,
}

/// The number is printed as `[REDACTED]`.
impl std::fmt::Debug for MobileNumberLookup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MobileNumberLookup")
            .field("mobile_number", &redacted(&Some(&self.mobile_number)))
            .field("page", &self.page)
            .field("per_page", &self.per_page)
            .finish()
    }
}

impl MobileNumberLookup {
    /// A look-up of this number, first page.
    pub fn new(mobile_number: impl Into<String>) -> Self {
        MobileNumberLookup {
            mobile_number: mobile_number.into(),
            page: None,
            per_page: None,
        }
    }
    paging_methods!();

    fn check(&self) -> Result<()> {
        check_text("mobile_number", &self.mobile_number)?;
        check_paging(self.page, self.per_page)
    }
}

/// A credit party: a mobile number, or an account number with its
/// qualifier.
#[derive(Clone, PartialEq, Eq, Default, Serialize)]
#[non_exhaustive]
pub struct CreditParty {
    /// Mobile number (E.164).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mobile_number: Option<String>,
    /// Account number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_number: Option<String>,
    /// Account qualifier.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_qualifier: Option<String>,
}

/// Every field is printed as `[REDACTED]`.
impl std::fmt::Debug for CreditParty {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CreditParty")
            .field("mobile_number", &redacted(&self.mobile_number))
            .field("account_number", &redacted(&self.account_number))
            .field("account_qualifier", &redacted(&self.account_qualifier))
            .finish()
    }
}

impl CreditParty {
    /// A party known by its mobile number (E.164).
    pub fn mobile_number(number: impl Into<String>) -> Self {
        CreditParty {
            mobile_number: Some(number.into()),
            ..Self::default()
        }
    }
    /// A party known by its account number.
    pub fn account_number(number: impl Into<String>) -> Self {
        CreditParty {
            account_number: Some(number.into()),
            ..Self::default()
        }
    }
    /// Adds the account qualifier.
    pub fn account_qualifier(mut self, qualifier: impl Into<String>) -> Self {
        self.account_qualifier = Some(qualifier.into());
        self
    }

    fn check(&self) -> Result<()> {
        let fields = [
            ("credit_party_identifier.mobile_number", &self.mobile_number),
            (
                "credit_party_identifier.account_number",
                &self.account_number,
            ),
            (
                "credit_party_identifier.account_qualifier",
                &self.account_qualifier,
            ),
        ];
        for (field, value) in fields {
            if let Some(value) = value {
                check_text(field, value)?;
            }
        }
        if self.mobile_number.is_none() && self.account_number.is_none() {
            return Err(partner_sdk_core::Error::invalid_input(
                "credit_party_identifier",
                "needs a mobile number or an account number",
            )
            .into());
        }
        Ok(())
    }
}

/// A credit-party look-up (benefits or status): the service, the party,
/// and for benefits a page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct CreditPartyLookup {
    /// The service.
    pub service_id: i64,
    /// The party.
    pub credit_party_identifier: CreditParty,
    /// Page (from 1; benefits only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page: Option<u32>,
    /// Records per page (1 to 100; benefits only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub per_page: Option<u32>,
}

impl CreditPartyLookup {
    /// A look-up of this party for this service, first page.
    pub fn new(service_id: i64, party: CreditParty) -> Self {
        CreditPartyLookup {
            service_id,
            credit_party_identifier: party,
            page: None,
            per_page: None,
        }
    }
    paging_methods!();

    fn check(&self) -> Result<()> {
        check_id("service_id", self.service_id)?;
        self.credit_party_identifier.check()?;
        check_paging(self.page, self.per_page)
    }
}

/// A statement inquiry: the payment product and the account.
#[derive(Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct StatementInquiry {
    /// The payment product (one whose `payment.supports_statement_inquiry`).
    pub product_id: i64,
    /// The account number.
    pub account_number: String,
    /// The account qualifier, when the product needs one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_qualifier: Option<String>,
    /// Page (from 1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page: Option<u32>,
    /// Records per page (1 to 100).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub per_page: Option<u32>,
}

/// The account is printed as `[REDACTED]`.
impl std::fmt::Debug for StatementInquiry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StatementInquiry")
            .field("product_id", &self.product_id)
            .field("account_number", &redacted(&Some(&self.account_number)))
            .field("account_qualifier", &redacted(&self.account_qualifier))
            .field("page", &self.page)
            .field("per_page", &self.per_page)
            .finish()
    }
}

impl StatementInquiry {
    /// An inquiry for this product and account, first page.
    pub fn new(product_id: i64, account_number: impl Into<String>) -> Self {
        StatementInquiry {
            product_id,
            account_number: account_number.into(),
            account_qualifier: None,
            page: None,
            per_page: None,
        }
    }
    /// Adds the account qualifier.
    pub fn account_qualifier(mut self, qualifier: impl Into<String>) -> Self {
        self.account_qualifier = Some(qualifier.into());
        self
    }
    paging_methods!();

    fn check(&self) -> Result<()> {
        check_id("product_id", self.product_id)?;
        check_text("account_number", &self.account_number)?;
        if let Some(q) = &self.account_qualifier {
            check_text("account_qualifier", q)?;
        }
        check_paging(self.page, self.per_page)
    }
}

/// The dates of a statement (`YYYY-MM-DD` as sent).
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[non_exhaustive]
pub struct StatementDates {
    /// Due date.
    #[serde(default, deserialize_with = "opt_string")]
    pub due: Option<String>,
    /// Statement date.
    #[serde(default, deserialize_with = "opt_string")]
    pub statement: Option<String>,
}

/// A statement of a bill account.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[non_exhaustive]
pub struct Statement {
    /// Statement reference.
    #[serde(default, deserialize_with = "opt_string")]
    pub reference: Option<String>,
    /// Its dates.
    #[serde(default)]
    pub dates: StatementDates,
    /// The amount due.
    #[serde(default)]
    pub balance: Amount,
}

/// A benefit a credit party holds.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct CreditPartyBenefit {
    /// Benefit type.
    #[serde(rename = "type")]
    pub kind: BenefitType,
    /// Unit type.
    #[serde(default)]
    pub unit_type: Option<BenefitUnitType>,
    /// Unit.
    #[serde(default, deserialize_with = "opt_string")]
    pub unit: Option<String>,
    /// Amount held.
    #[serde(default, deserialize_with = "decimal")]
    pub amount: Decimal,
    /// When it expires, RFC 3339 text as sent.
    #[serde(default, deserialize_with = "opt_string")]
    pub expiration_date: Option<String>,
    /// Where it can be used.
    #[serde(default)]
    pub country: Option<CountryRef>,
}

/// A credit party's status (an eSIM's installation and activation).
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[non_exhaustive]
pub struct CreditPartyStatus {
    /// Installation time, RFC 3339 text as sent.
    #[serde(default, deserialize_with = "opt_string")]
    pub installation_date: Option<String>,
    /// Activation time, RFC 3339 text as sent.
    #[serde(default, deserialize_with = "opt_string")]
    pub activation_date: Option<String>,
}

impl Client {
    /// `GET /lookup/mobile-number/{mobile_number}`: one page of the
    /// operators a number may belong to. The number travels in the URL;
    /// [`lookup_mobile_number`](Self::lookup_mobile_number) sends it in the
    /// body instead.
    pub async fn list_mobile_number_operators(
        &self,
        lookup: &MobileNumberLookup,
    ) -> Result<Page<MobileNumberOperator, u32>> {
        lookup.check()?;
        let page = lookup.page.unwrap_or(1);
        let req = Request::get(
            "list_mobile_number_operators",
            "/lookup/mobile-number/{mobile_number}",
        )
        .param(lookup.mobile_number.trim());
        self.fetch_page(paging(req, page, lookup.per_page), page)
            .await
    }

    /// `POST /lookup/mobile-number`: one page of the operators a number
    /// may belong to, the number in the body.
    pub async fn lookup_mobile_number(
        &self,
        lookup: &MobileNumberLookup,
    ) -> Result<Page<MobileNumberOperator, u32>> {
        lookup.check()?;
        let req = Request::post("lookup_mobile_number", "/lookup/mobile-number")
            .json(lookup)
            .idempotent(true);
        self.fetch_page(req, lookup.page.unwrap_or(1)).await
    }

    /// `POST /lookup/statement-inquiry`: one page of a bill account's
    /// statements.
    pub async fn lookup_statements(
        &self,
        inquiry: &StatementInquiry,
    ) -> Result<Page<Statement, u32>> {
        inquiry.check()?;
        let req = Request::post("lookup_statements", "/lookup/statement-inquiry")
            .json(inquiry)
            .idempotent(true)
            .sensitive_answer();
        self.fetch_page(req, inquiry.page.unwrap_or(1)).await
    }

    /// `POST /lookup/credit-party-benefits`: one page of the benefits a
    /// credit party holds for a service.
    pub async fn lookup_credit_party_benefits(
        &self,
        lookup: &CreditPartyLookup,
    ) -> Result<Page<CreditPartyBenefit, u32>> {
        lookup.check()?;
        let req = Request::post(
            "lookup_credit_party_benefits",
            "/lookup/credit-party-benefits",
        )
        .json(lookup)
        .idempotent(true);
        self.fetch_page(req, lookup.page.unwrap_or(1)).await
    }

    /// `POST /lookup/credit-party-status`: a credit party's status for a
    /// service (the page fields of `lookup` are not sent).
    pub async fn lookup_credit_party_status(
        &self,
        lookup: &CreditPartyLookup,
    ) -> Result<CreditPartyStatus> {
        lookup.check()?;
        #[derive(Serialize)]
        struct Body<'a> {
            service_id: i64,
            credit_party_identifier: &'a CreditParty,
        }
        let body = Body {
            service_id: lookup.service_id,
            credit_party_identifier: &lookup.credit_party_identifier,
        };
        let req = Request::post("lookup_credit_party_status", "/lookup/credit-party-status")
            .json(&body)
            .idempotent(true);
        Ok(self.transport.send(req).await?)
    }
}
