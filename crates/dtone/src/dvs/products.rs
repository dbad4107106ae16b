//! Products: the `oneOf` of five product types chosen by `type`.
//!
//! Every product carries the common fields; a PIN purchase adds [`redemption`](Product::redemption),
//! a payment adds [`payment`](Product::payment), a ranged product gives
//! ranges where a fixed one gives amounts ([`Value`]) and its
//! accepted calculation modes. A product whose `type` this SDK does not
//! know decodes with its common fields and `kind` [`ProductType::Other`].

use partner_sdk_core::decode::{flag, i64_or_zero, opt_string, string};
use partner_sdk_core::{Page, Request};
use serde::Deserialize;

use super::Client;
use super::common::{
    Benefit, BenefitType, CalculationMode, Prices, ProductPromotion, ProductType, Quantity, Rates,
    Region, TimeUnit, Validity, Value, check_paging, language, list, paging, paging_methods,
};
use super::error::{ItemStream, Result};
use super::operators::Operator;
use super::services::SubService;
use crate::validate::{check_id, check_opt_id};

partner_sdk_core::open_enum! {
    /// Where a product can be bought.
    pub enum AvailabilityZone {
        /// In the operator's country.
        Domestic => "DOMESTIC",
        /// From abroad.
        International => "INTERNATIONAL",
    }
}

partner_sdk_core::open_enum! {
    /// How a bill may be paid.
    pub enum PaymentMode {
        /// Less than the amount due.
        Partial => "PARTIAL",
        /// Exactly the amount due.
        Exact => "EXACT",
        /// More than the amount due.
        Excess => "EXCESS",
        /// After the due date.
        PastDue => "PAST_DUE",
    }
}

partner_sdk_core::open_enum! {
    /// Whether a period counts business or calendar days.
    pub enum TimeUnitType {
        /// Business days.
        Business => "BUSINESS",
        /// Calendar days.
        Calendar => "CALENDAR",
    }
}

/// The service of a product, with its subservice when it has one.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[non_exhaustive]
pub struct ProductService {
    /// Service id.
    #[serde(default, deserialize_with = "i64_or_zero")]
    pub id: i64,
    /// Name.
    #[serde(default, deserialize_with = "string")]
    pub name: String,
    /// The subservice, when given.
    #[serde(default)]
    pub subservice: Option<SubService>,
}

/// What a PIN product's PIN is for.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[non_exhaustive]
pub struct PinInfo {
    /// How to use the PIN.
    #[serde(default, deserialize_with = "list")]
    pub usage_info: Vec<String>,
    /// How long the PIN is valid.
    #[serde(default)]
    pub validity: Option<Validity>,
    /// Terms.
    #[serde(default, deserialize_with = "opt_string")]
    pub terms: Option<String>,
}

/// How long a payment takes to post.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[non_exhaustive]
pub struct PostingPeriod {
    /// Unit.
    #[serde(default)]
    pub unit: Option<TimeUnit>,
    /// Number of units.
    #[serde(default, deserialize_with = "partner_sdk_core::decode::opt_i64")]
    pub quantity: Option<i64>,
    /// Business or calendar time.
    #[serde(rename = "type", default)]
    pub kind: Option<TimeUnitType>,
}

/// The payment terms of a payment product.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[non_exhaustive]
pub struct PaymentInfo {
    /// Accepted payment modes.
    #[serde(default, deserialize_with = "list")]
    pub modes: Vec<PaymentMode>,
    /// How long a payment takes to post, when given.
    #[serde(default)]
    pub posting_period: Option<PostingPeriod>,
    /// Whether a statement inquiry is available
    /// ([`Client::lookup_statements`]).
    #[serde(default, deserialize_with = "flag")]
    pub supports_statement_inquiry: bool,
    /// The fields a statement inquiry needs (each inner list one
    /// accepted set).
    #[serde(default, deserialize_with = "list")]
    pub required_inquiry_fields: Vec<Vec<String>>,
    /// Notes.
    #[serde(default, deserialize_with = "list")]
    pub notes: Vec<String>,
}

/// A product of any of the five types (see the [module](self)).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Product {
    /// Product id.
    #[serde(default, deserialize_with = "i64_or_zero")]
    pub id: i64,
    /// Product type (an unknown one kept in [`ProductType::Other`]).
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
    /// The regions it serves.
    #[serde(default, deserialize_with = "list")]
    pub regions: Vec<Region>,
    /// How long its benefits last.
    #[serde(default)]
    pub validity: Option<Validity>,
    /// Fields a create needs in `debit_party_identifier` (each inner list
    /// one accepted set).
    #[serde(default, deserialize_with = "list")]
    pub required_debit_party_identifier_fields: Vec<Vec<String>>,
    /// Fields a create needs in `credit_party_identifier`.
    #[serde(default, deserialize_with = "list")]
    pub required_credit_party_identifier_fields: Vec<Vec<String>>,
    /// Fields a create needs in `sender`.
    #[serde(default, deserialize_with = "list")]
    pub required_sender_fields: Vec<Vec<String>>,
    /// Fields a create needs in `beneficiary`.
    #[serde(default, deserialize_with = "list")]
    pub required_beneficiary_fields: Vec<Vec<String>>,
    /// Fields a create needs in `statement_identifier`.
    #[serde(default, deserialize_with = "list")]
    pub required_statement_identifier_fields: Vec<Vec<String>>,
    /// Fields a create needs in `additional_identifier`.
    #[serde(default, deserialize_with = "list")]
    pub required_additional_identifier_fields: Vec<Vec<String>>,
    /// Calculation modes a create may use (ranged products).
    #[serde(default, deserialize_with = "list")]
    pub accepted_calculation_modes: Vec<CalculationMode>,
    /// Where it can be bought.
    #[serde(default, deserialize_with = "list")]
    pub availability_zones: Vec<AvailabilityZone>,
    /// What you pay: an amount, or a range for ranged products.
    #[serde(default)]
    pub source: Option<Quantity>,
    /// What the beneficiary gets: an amount, or a range with its step.
    #[serde(default)]
    pub destination: Option<Quantity>,
    /// Wholesale and retail prices.
    #[serde(default)]
    pub prices: Option<Prices>,
    /// Exchange rates.
    #[serde(default)]
    pub rates: Option<Rates>,
    /// How the PIN of a PIN purchase is redeemed, its validity and terms
    /// (the product's `pin` object; the PIN itself comes with the
    /// transaction).
    #[serde(default, rename = "pin")]
    pub redemption: Option<PinInfo>,
    /// Payment terms (payments).
    #[serde(default)]
    pub payment: Option<PaymentInfo>,
    /// What it gives.
    #[serde(default, deserialize_with = "list")]
    pub benefits: Vec<Benefit>,
    /// Promotions running on it.
    #[serde(default, deserialize_with = "list")]
    pub promotions: Vec<ProductPromotion>,
}

impl Product {
    /// Whether the amount is chosen within a range (the three ranged types).
    pub fn is_ranged(&self) -> bool {
        matches!(
            self.kind,
            ProductType::RangedValueRecharge
                | ProductType::RangedValuePinPurchase
                | ProductType::RangedValuePayment
        )
    }

    /// The destination amount of a fixed product.
    pub fn destination_amount(&self) -> Option<partner_sdk_core::Decimal> {
        self.destination
            .as_ref()
            .and_then(|d| d.amount.as_ref())
            .and_then(Value::fixed)
    }

    /// The destination range of a ranged product.
    pub fn destination_range(&self) -> Option<&super::Range> {
        self.destination
            .as_ref()
            .and_then(|d| d.amount.as_ref())
            .and_then(Value::range)
    }
}

/// Filters, order, language and page of `GET /products`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct ProductQuery {
    /// Only products of this type.
    pub kind: Option<ProductType>,
    /// Only products of this service.
    pub service_id: Option<i64>,
    /// Only products of this subservice.
    pub subservice_id: Option<i64>,
    /// Only products with all these tags (sent comma-separated).
    pub tags: Vec<String>,
    /// Only products of this country (ISO 3166-1 alpha-3).
    pub country_iso_code: Option<String>,
    /// Only products of this operator.
    pub operator_id: Option<i64>,
    /// Only products of this region (ISO 3166-2).
    pub region: Option<String>,
    /// Only products with these benefit types (sent comma-separated).
    pub benefit_types: Vec<BenefitType>,
    /// Order (e.g. `name`; DT One's sort expression, sent as given).
    pub sort: Option<String>,
    /// Preferred languages of the texts (`Accept-Language`).
    pub language: Option<String>,
    /// Page (from 1).
    pub page: Option<u32>,
    /// Records per page (1 to 100).
    pub per_page: Option<u32>,
}

impl ProductQuery {
    /// No filter, first page.
    pub fn new() -> Self {
        Self::default()
    }
    /// Only products of this type.
    pub fn kind(mut self, kind: ProductType) -> Self {
        self.kind = Some(kind);
        self
    }
    /// Only products of this service.
    pub fn service_id(mut self, id: i64) -> Self {
        self.service_id = Some(id);
        self
    }
    /// Only products of this subservice.
    pub fn subservice_id(mut self, id: i64) -> Self {
        self.subservice_id = Some(id);
        self
    }
    /// Also require this tag.
    pub fn tag(mut self, tag: impl Into<String>) -> Self {
        self.tags.push(tag.into());
        self
    }
    /// Only products of this country (ISO 3166-1 alpha-3).
    pub fn country_iso_code(mut self, code: impl Into<String>) -> Self {
        self.country_iso_code = Some(code.into());
        self
    }
    /// Only products of this operator.
    pub fn operator_id(mut self, id: i64) -> Self {
        self.operator_id = Some(id);
        self
    }
    /// Only products of this region (ISO 3166-2).
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }
    /// Also accept this benefit type.
    pub fn benefit_type(mut self, kind: BenefitType) -> Self {
        self.benefit_types.push(kind);
        self
    }
    /// Order of the products.
    pub fn sort(mut self, sort: impl Into<String>) -> Self {
        self.sort = Some(sort.into());
        self
    }
    /// Preferred languages of the texts (`Accept-Language`).
    pub fn language(mut self, language: impl Into<String>) -> Self {
        self.language = Some(language.into());
        self
    }
    paging_methods!();

    fn request(&self, operation: &'static str, page: u32) -> Result<Request> {
        check_opt_id("service_id", self.service_id)?;
        check_opt_id("subservice_id", self.subservice_id)?;
        check_opt_id("operator_id", self.operator_id)?;
        check_paging(Some(page), self.per_page)?;
        let joined = |items: Vec<String>| (!items.is_empty()).then(|| items.join(","));
        let tags = joined(self.tags.clone());
        let benefits = joined(self.benefit_types.iter().map(|b| b.to_string()).collect());
        let req = Request::get(operation, "/products")
            .query_opt("type", self.kind.as_ref())
            .query_opt("service_id", self.service_id)
            .query_opt("subservice_id", self.subservice_id)
            .query_opt("tags", tags)
            .query_opt("country_iso_code", self.country_iso_code.as_deref())
            .query_opt("operator_id", self.operator_id)
            .query_opt("region", self.region.as_deref())
            .query_opt("benefit_types", benefits)
            .query_opt("sort", self.sort.as_deref());
        language(paging(req, page, self.per_page), self.language.as_deref())
    }
}

impl Client {
    /// `GET /products`: one page of products.
    pub async fn list_products(&self, query: &ProductQuery) -> Result<Page<Product, u32>> {
        let page = query.page.unwrap_or(1);
        self.fetch_page(query.request("list_products", page)?, page)
            .await
    }

    /// `GET /products`: every product, page by page as polled.
    #[inline]
    pub fn products(&self, query: &ProductQuery) -> ItemStream<Product> {
        let query = query.clone();
        self.stream(query.page.unwrap_or(1), move |page| {
            query.request("products", page)
        })
    }

    /// `GET /products/{product_id}`: one product, its texts in `language`
    /// when given (`Accept-Language`).
    pub async fn get_product(&self, product_id: i64, language: Option<&str>) -> Result<Product> {
        check_id("product_id", product_id)?;
        let req = Request::get("get_product", "/products/{product_id}").param(product_id);
        Ok(self
            .transport
            .send(super::common::language(req, language)?)
            .await?)
    }
}
