//! Types several DVS resources share: amounts, ranges, validity, rates,
//! benefits, regions, the open enums, and the paging fields of queries.

use partner_sdk_core::Decimal;
use partner_sdk_core::decode::{decimal, null_as_default, opt_decimal, opt_string, string};
use serde::Deserialize;

use super::error::Result;

partner_sdk_core::open_enum! {
    /// The unit type of a price or a balance.
    pub enum UnitType {
        /// A currency (`unit` is its ISO 4217 code).
        Currency => "CURRENCY",
    }
}

partner_sdk_core::open_enum! {
    /// What a benefit gives.
    pub enum BenefitType {
        /// Talk time.
        Talktime => "TALKTIME",
        /// Data.
        Data => "DATA",
        /// SMS.
        Sms => "SMS",
        /// A payment.
        Payment => "PAYMENT",
        /// Credits.
        Credits => "CREDITS",
    }
}

partner_sdk_core::open_enum! {
    /// The unit type of a benefit.
    pub enum BenefitUnitType {
        /// Time.
        Time => "TIME",
        /// Data volume.
        Data => "DATA",
        /// A count.
        Quantity => "QUANTITY",
        /// A currency.
        Currency => "CURRENCY",
    }
}

partner_sdk_core::open_enum! {
    /// The five DVS product types.
    pub enum ProductType {
        /// A fixed-value recharge (top-up).
        FixedValueRecharge => "FIXED_VALUE_RECHARGE",
        /// A ranged-value recharge: the amount is chosen within a range.
        RangedValueRecharge => "RANGED_VALUE_RECHARGE",
        /// A fixed-value PIN purchase (gift cards, vouchers).
        FixedValuePinPurchase => "FIXED_VALUE_PIN_PURCHASE",
        /// A ranged-value PIN purchase.
        RangedValuePinPurchase => "RANGED_VALUE_PIN_PURCHASE",
        /// A ranged-value payment (bills, utilities).
        RangedValuePayment => "RANGED_VALUE_PAYMENT",
    }
}

partner_sdk_core::open_enum! {
    /// A unit of time.
    pub enum TimeUnit {
        /// Hours.
        Hour => "HOUR",
        /// Days.
        Day => "DAY",
        /// Weeks.
        Week => "WEEK",
        /// Months.
        Month => "MONTH",
    }
}

partner_sdk_core::open_enum! {
    /// Which amount a ranged product's request names.
    pub enum CalculationMode {
        /// The amount is the source (what you pay).
        SourceAmount => "SOURCE_AMOUNT",
        /// The amount is the destination (what the beneficiary gets).
        DestinationAmount => "DESTINATION_AMOUNT",
    }
}

/// A region of a country (ISO 3166-2).
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[non_exhaustive]
pub struct Region {
    /// Name.
    #[serde(default, deserialize_with = "string")]
    pub name: String,
    /// ISO 3166-2 code.
    #[serde(default, deserialize_with = "string")]
    pub code: String,
}

/// A country as other records name it: name and ISO 3166-1 alpha-3 code.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[non_exhaustive]
pub struct CountryRef {
    /// Name.
    #[serde(default, deserialize_with = "string")]
    pub name: String,
    /// ISO 3166-1 alpha-3 code.
    #[serde(default, deserialize_with = "string")]
    pub iso_code: String,
}

/// An amount in a unit: `{unit_type, unit, amount}`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[non_exhaustive]
pub struct Amount {
    /// Unit type.
    #[serde(default)]
    pub unit_type: Option<UnitType>,
    /// Unit (an ISO 4217 currency code for [`UnitType::Currency`]).
    #[serde(default, deserialize_with = "opt_string")]
    pub unit: Option<String>,
    /// The amount.
    #[serde(default, deserialize_with = "opt_decimal")]
    pub amount: Option<Decimal>,
}

/// A range of amounts; `increment` is the step, when the range has one.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[non_exhaustive]
pub struct Range {
    /// Smallest amount.
    #[serde(default, deserialize_with = "opt_decimal")]
    pub min: Option<Decimal>,
    /// Largest amount.
    #[serde(default, deserialize_with = "opt_decimal")]
    pub max: Option<Decimal>,
    /// Step between amounts, when there is one.
    #[serde(default, deserialize_with = "opt_decimal")]
    pub increment: Option<Decimal>,
}

/// A fixed amount or a range: fixed products carry numbers where ranged
/// products carry `{min, max[, increment]}`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Value {
    /// One amount.
    Fixed(Decimal),
    /// A range of amounts.
    Range(Range),
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Fixed(#[serde(deserialize_with = "decimal")] Decimal),
            Range(Range),
        }
        Ok(match Raw::deserialize(d)? {
            Raw::Fixed(v) => Value::Fixed(v),
            Raw::Range(r) => Value::Range(r),
        })
    }
}

impl Value {
    /// The amount, when fixed.
    pub fn fixed(&self) -> Option<Decimal> {
        match self {
            Value::Fixed(v) => Some(*v),
            Value::Range(_) => None,
        }
    }

    /// The range, when ranged.
    pub fn range(&self) -> Option<&Range> {
        match self {
            Value::Fixed(_) => None,
            Value::Range(r) => Some(r),
        }
    }
}

/// An amount or a range in a unit: a product's `source` and
/// `destination`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[non_exhaustive]
pub struct Quantity {
    /// Unit type.
    #[serde(default)]
    pub unit_type: Option<UnitType>,
    /// Unit.
    #[serde(default, deserialize_with = "opt_string")]
    pub unit: Option<String>,
    /// The amount, or the range of amounts.
    #[serde(default)]
    pub amount: Option<Value>,
}

/// A price: an amount or a range in a unit, and a fee. A retail price may
/// be all `null`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[non_exhaustive]
pub struct Price {
    /// Unit type.
    #[serde(default)]
    pub unit_type: Option<UnitType>,
    /// Unit.
    #[serde(default, deserialize_with = "opt_string")]
    pub unit: Option<String>,
    /// The amount, or the range of amounts.
    #[serde(default)]
    pub amount: Option<Value>,
    /// The fee.
    #[serde(default, deserialize_with = "opt_decimal")]
    pub fee: Option<Decimal>,
}

/// Wholesale (what you pay DT One) and retail prices.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[non_exhaustive]
pub struct Prices {
    /// The wholesale price.
    #[serde(default)]
    pub wholesale: Option<Price>,
    /// The retail price, when there is one.
    #[serde(default)]
    pub retail: Option<Price>,
}

/// Exchange rates.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[non_exhaustive]
pub struct Rates {
    /// Base rate.
    #[serde(default, deserialize_with = "opt_decimal")]
    pub base: Option<Decimal>,
    /// Wholesale rate.
    #[serde(default, deserialize_with = "opt_decimal")]
    pub wholesale: Option<Decimal>,
    /// Retail rate.
    #[serde(default, deserialize_with = "opt_decimal")]
    pub retail: Option<Decimal>,
}

/// A validity period: `quantity` `unit`s.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[non_exhaustive]
pub struct Validity {
    /// Unit.
    #[serde(default)]
    pub unit: Option<TimeUnit>,
    /// Number of units.
    #[serde(default, deserialize_with = "partner_sdk_core::decode::opt_i64")]
    pub quantity: Option<i64>,
}

/// The amounts of a benefit: each fixed or a range.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[non_exhaustive]
pub struct BenefitAmount {
    /// Base amount.
    #[serde(default)]
    pub base: Option<Value>,
    /// Promotion bonus.
    #[serde(default)]
    pub promotion_bonus: Option<Value>,
    /// Total excluding tax.
    #[serde(default)]
    pub total_excluding_tax: Option<Value>,
    /// Total including tax.
    #[serde(default)]
    pub total_including_tax: Option<Value>,
}

/// What a product gives the beneficiary (fixed or ranged).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Benefit {
    /// Benefit type.
    #[serde(rename = "type")]
    pub kind: BenefitType,
    /// Unit type.
    #[serde(default)]
    pub unit_type: Option<BenefitUnitType>,
    /// Unit.
    #[serde(default, deserialize_with = "opt_string")]
    pub unit: Option<String>,
    /// The amounts.
    #[serde(default)]
    pub amount: BenefitAmount,
    /// Further details, when given.
    #[serde(default, deserialize_with = "opt_string")]
    pub additional_information: Option<String>,
}

/// A promotion as a product or a transaction names it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[non_exhaustive]
pub struct ProductPromotion {
    /// Promotion id.
    #[serde(default, deserialize_with = "partner_sdk_core::decode::i64_or_zero")]
    pub id: i64,
    /// Title.
    #[serde(default, deserialize_with = "string")]
    pub title: String,
    /// Description.
    #[serde(default, deserialize_with = "opt_string")]
    pub description: Option<String>,
    /// Terms.
    #[serde(default, deserialize_with = "opt_string")]
    pub terms: Option<String>,
    /// Start, RFC 3339 text as sent.
    #[serde(default, deserialize_with = "opt_string")]
    pub start_date: Option<String>,
    /// End, RFC 3339 text as sent.
    #[serde(default, deserialize_with = "opt_string")]
    pub end_date: Option<String>,
}

/// Lists that may come as `null`.
pub(crate) fn list<'de, D, T>(d: D) -> std::result::Result<Vec<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    null_as_default(d)
}

/// Refuses a `page` below 1 or a `per_page` outside 1..=100 before sending.
pub(crate) fn check_paging(page: Option<u32>, per_page: Option<u32>) -> Result<()> {
    if page == Some(0) {
        return Err(partner_sdk_core::Error::invalid_input("page", "must be at least 1").into());
    }
    if per_page.is_some_and(|n| n == 0 || n > super::MAX_PER_PAGE) {
        return Err(partner_sdk_core::Error::invalid_input(
            "per_page",
            "must be between 1 and 100",
        )
        .into());
    }
    Ok(())
}

/// Writes the `page` and `per_page` setters of a query type.
macro_rules! paging_methods {
    () => {
        /// The page to fetch (from 1; the first page when unset). A stream
        /// starts there.
        pub fn page(mut self, page: u32) -> Self {
            self.page = Some(page);
            self
        }
        /// Records per page (1 to 100; DT One's default is 50).
        pub fn per_page(mut self, per_page: u32) -> Self {
            self.per_page = Some(per_page);
            self
        }
    };
}
pub(crate) use paging_methods;

/// Adds `page` and `per_page` to a request, when set.
pub(crate) fn paging(
    request: partner_sdk_core::Request,
    page: u32,
    per_page: Option<u32>,
) -> partner_sdk_core::Request {
    request
        .query_pair("page", page)
        .query_opt("per_page", per_page)
}

/// A product as promotions and campaigns name it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct ProductRef {
    /// Product id.
    #[serde(default, deserialize_with = "partner_sdk_core::decode::i64_or_zero")]
    pub id: i64,
    /// Name.
    #[serde(default, deserialize_with = "string")]
    pub name: String,
    /// Description, when given.
    #[serde(default, deserialize_with = "opt_string")]
    pub description: Option<String>,
    /// Product type.
    #[serde(rename = "type")]
    pub kind: ProductType,
    /// Its operator, when given (campaigns give it).
    #[serde(default)]
    pub operator: Option<super::Operator>,
}

/// Adds `Accept-Language` to a request, when a language is given; a value
/// that cannot be a header is refused before sending.
pub(crate) fn language(
    request: partner_sdk_core::Request,
    language: Option<&str>,
) -> Result<partner_sdk_core::Request> {
    use partner_sdk_core::reqwest::header::{ACCEPT_LANGUAGE, HeaderValue};
    let Some(language) = language else {
        return Ok(request);
    };
    let value = HeaderValue::from_str(language).map_err(|_| {
        partner_sdk_core::Error::invalid_input("language", "must be a valid header value")
    })?;
    Ok(request.header(ACCEPT_LANGUAGE, value))
}
