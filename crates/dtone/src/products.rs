//! Products: the six category lists, suggested values of variable recharges,
//! and account-number verification.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use partner_sdk_core::{Decimal, Request};
use serde::{Deserialize, Deserializer, Serialize};

use crate::Client;
use crate::error::{ErrorCode, Result};
use crate::validate::{check_id, check_opt_id};

pub(crate) fn decimal_or_zero<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
    partner_sdk_core::decode::opt_decimal(d).map(Option::unwrap_or_default)
}

/// The six product categories; each is also the `{type}` of a transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Category {
    /// Fixed value vouchers: a PIN is sent to the beneficiary.
    FixedValueVouchers,
    /// Fixed value recharges: the account is credited in real time.
    FixedValueRecharges,
    /// Fixed value payments.
    FixedValuePayments,
    /// Variable value vouchers.
    VariableValueVouchers,
    /// Variable value recharges: any valid amount (`local_value`).
    VariableValueRecharges,
    /// Variable value payments: the full billed amount.
    VariableValuePayments,
}

impl Category {
    /// Every category, in the order of the product lists.
    pub const ALL: [Category; 6] = [
        Category::FixedValueVouchers,
        Category::FixedValueRecharges,
        Category::FixedValuePayments,
        Category::VariableValueVouchers,
        Category::VariableValueRecharges,
        Category::VariableValuePayments,
    ];

    /// The wire name (`fixed_value_vouchers`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Category::FixedValueVouchers => "fixed_value_vouchers",
            Category::FixedValueRecharges => "fixed_value_recharges",
            Category::FixedValuePayments => "fixed_value_payments",
            Category::VariableValueVouchers => "variable_value_vouchers",
            Category::VariableValueRecharges => "variable_value_recharges",
            Category::VariableValuePayments => "variable_value_payments",
        }
    }

    /// True for the three fixed value categories.
    pub fn is_fixed(self) -> bool {
        matches!(
            self,
            Category::FixedValueVouchers
                | Category::FixedValueRecharges
                | Category::FixedValuePayments
        )
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The text is not one of the six category names.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown product category {0:?}")]
pub struct UnknownCategory(pub String);

impl FromStr for Category {
    type Err = UnknownCategory;
    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        Category::ALL
            .into_iter()
            .find(|c| c.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| UnknownCategory(s.to_owned()))
    }
}

impl Serialize for Category {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// A fixed value product: a denomination with its prices.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[non_exhaustive]
pub struct FixedProduct {
    /// Product id.
    #[serde(deserialize_with = "partner_sdk_core::decode::i64")]
    pub product_id: i64,
    /// Product name, e.g. `$14 Basic`.
    #[serde(default, deserialize_with = "partner_sdk_core::decode::string")]
    pub product_name: String,
    /// Short description.
    #[serde(default, deserialize_with = "partner_sdk_core::decode::opt_string")]
    pub product_short_desc: Option<String>,
    /// Operator id.
    #[serde(default, deserialize_with = "partner_sdk_core::decode::opt_i64")]
    pub operator_id: Option<i64>,
    /// Operator name.
    #[serde(default, deserialize_with = "partner_sdk_core::decode::opt_string")]
    pub operator: Option<String>,
    /// Country id.
    #[serde(default, deserialize_with = "partner_sdk_core::decode::opt_i64")]
    pub country_id: Option<i64>,
    /// Country name.
    #[serde(default, deserialize_with = "partner_sdk_core::decode::opt_string")]
    pub country: Option<String>,
    /// Service id.
    #[serde(default, deserialize_with = "partner_sdk_core::decode::opt_i64")]
    pub service_id: Option<i64>,
    /// Service name.
    #[serde(default, deserialize_with = "partner_sdk_core::decode::opt_string")]
    pub service: Option<String>,
    /// Face value in `product_currency`.
    #[serde(deserialize_with = "partner_sdk_core::decode::decimal")]
    pub product_value: Decimal,
    /// Currency of the face value.
    #[serde(default, deserialize_with = "partner_sdk_core::decode::string")]
    pub product_currency: String,
    /// Value received by the beneficiary, in `local_currency`.
    #[serde(deserialize_with = "partner_sdk_core::decode::decimal")]
    pub local_value: Decimal,
    /// Currency of the local value.
    #[serde(default, deserialize_with = "partner_sdk_core::decode::string")]
    pub local_currency: String,
    /// Currency of the prices below (your account's currency).
    #[serde(default, deserialize_with = "partner_sdk_core::decode::string")]
    pub account_currency: String,
    /// What you pay DT One.
    #[serde(deserialize_with = "partner_sdk_core::decode::decimal")]
    pub wholesale_price: Decimal,
    /// Suggested retail price.
    #[serde(deserialize_with = "partner_sdk_core::decode::decimal")]
    pub retail_price: Decimal,
    /// Fee (0 when absent).
    #[serde(default, deserialize_with = "decimal_or_zero")]
    pub fee: Decimal,
    /// Voucher information 1 (vouchers only).
    #[serde(default, deserialize_with = "partner_sdk_core::decode::opt_string")]
    pub info1: Option<String>,
    /// Voucher information 2 (vouchers only).
    #[serde(default, deserialize_with = "partner_sdk_core::decode::opt_string")]
    pub info2: Option<String>,
    /// Voucher information 3 (vouchers only).
    #[serde(default, deserialize_with = "partner_sdk_core::decode::opt_string")]
    pub info3: Option<String>,
}

/// A variable value product: no price of its own (the amount is chosen per
/// transaction, see [`Client::list_suggested_values`]).
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[non_exhaustive]
pub struct VariableProduct {
    /// Product id.
    #[serde(deserialize_with = "partner_sdk_core::decode::i64")]
    pub product_id: i64,
    /// Product name.
    #[serde(default, deserialize_with = "partner_sdk_core::decode::string")]
    pub product_name: String,
    /// Short description.
    #[serde(default, deserialize_with = "partner_sdk_core::decode::opt_string")]
    pub product_short_desc: Option<String>,
    /// Operator id.
    #[serde(default, deserialize_with = "partner_sdk_core::decode::opt_i64")]
    pub operator_id: Option<i64>,
    /// Operator name.
    #[serde(default, deserialize_with = "partner_sdk_core::decode::opt_string")]
    pub operator: Option<String>,
    /// Country id.
    #[serde(default, deserialize_with = "partner_sdk_core::decode::opt_i64")]
    pub country_id: Option<i64>,
    /// Country name.
    #[serde(default, deserialize_with = "partner_sdk_core::decode::opt_string")]
    pub country: Option<String>,
    /// Service id.
    #[serde(default, deserialize_with = "partner_sdk_core::decode::opt_i64")]
    pub service_id: Option<i64>,
    /// Service name.
    #[serde(default, deserialize_with = "partner_sdk_core::decode::opt_string")]
    pub service: Option<String>,
    /// Currency of the amount (recharges).
    #[serde(default, deserialize_with = "partner_sdk_core::decode::opt_string")]
    pub product_currency: Option<String>,
    /// Currency of your account.
    #[serde(default, deserialize_with = "partner_sdk_core::decode::opt_string")]
    pub account_currency: Option<String>,
}

/// Products grouped by the six category lists DT One returns.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[non_exhaustive]
pub struct Products {
    /// Fixed value vouchers.
    #[serde(
        default,
        deserialize_with = "partner_sdk_core::decode::null_as_default"
    )]
    pub fixed_value_vouchers: Vec<FixedProduct>,
    /// Fixed value recharges.
    #[serde(
        default,
        deserialize_with = "partner_sdk_core::decode::null_as_default"
    )]
    pub fixed_value_recharges: Vec<FixedProduct>,
    /// Fixed value payments.
    #[serde(
        default,
        deserialize_with = "partner_sdk_core::decode::null_as_default"
    )]
    pub fixed_value_payments: Vec<FixedProduct>,
    /// Variable value vouchers.
    #[serde(
        default,
        deserialize_with = "partner_sdk_core::decode::null_as_default"
    )]
    pub variable_value_vouchers: Vec<VariableProduct>,
    /// Variable value recharges.
    #[serde(
        default,
        deserialize_with = "partner_sdk_core::decode::null_as_default"
    )]
    pub variable_value_recharges: Vec<VariableProduct>,
    /// Variable value payments.
    #[serde(
        default,
        deserialize_with = "partner_sdk_core::decode::null_as_default"
    )]
    pub variable_value_payments: Vec<VariableProduct>,
}

/// A product of either kind, borrowed from [`Products`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProductRef<'a> {
    /// A fixed value product.
    Fixed(&'a FixedProduct),
    /// A variable value product.
    Variable(&'a VariableProduct),
}

impl ProductRef<'_> {
    /// Product id.
    pub fn product_id(&self) -> i64 {
        match self {
            ProductRef::Fixed(p) => p.product_id,
            ProductRef::Variable(p) => p.product_id,
        }
    }
    /// Product name.
    pub fn product_name(&self) -> &str {
        match self {
            ProductRef::Fixed(p) => &p.product_name,
            ProductRef::Variable(p) => &p.product_name,
        }
    }
    /// Operator id.
    pub fn operator_id(&self) -> Option<i64> {
        match self {
            ProductRef::Fixed(p) => p.operator_id,
            ProductRef::Variable(p) => p.operator_id,
        }
    }
}

/// A product tagged with its category, as yielded by [`Products::iter`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TaggedProduct<'a> {
    /// The list it came from.
    pub category: Category,
    /// The product.
    pub product: ProductRef<'a>,
}

impl Products {
    /// The fixed products of a fixed category (empty for a variable one).
    pub fn fixed(&self, category: Category) -> &[FixedProduct] {
        match category {
            Category::FixedValueVouchers => &self.fixed_value_vouchers,
            Category::FixedValueRecharges => &self.fixed_value_recharges,
            Category::FixedValuePayments => &self.fixed_value_payments,
            _ => &[],
        }
    }

    /// The variable products of a variable category (empty for a fixed one).
    pub fn variable(&self, category: Category) -> &[VariableProduct] {
        match category {
            Category::VariableValueVouchers => &self.variable_value_vouchers,
            Category::VariableValueRecharges => &self.variable_value_recharges,
            Category::VariableValuePayments => &self.variable_value_payments,
            _ => &[],
        }
    }

    /// Every product of every category, tagged with its category, in the
    /// order of [`Category::ALL`].
    pub fn iter(&self) -> impl Iterator<Item = TaggedProduct<'_>> + '_ {
        Category::ALL.into_iter().flat_map(move |category| {
            let fixed = self.fixed(category).iter().map(ProductRef::Fixed);
            let variable = self.variable(category).iter().map(ProductRef::Variable);
            fixed
                .chain(variable)
                .map(move |product| TaggedProduct { category, product })
        })
    }

    /// Total number of products.
    pub fn len(&self) -> usize {
        Category::ALL
            .into_iter()
            .map(|c| self.fixed(c).len() + self.variable(c).len())
            .sum()
    }

    /// True when no category has a product.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The product with this id and its category.
    pub fn find(&self, product_id: i64) -> Option<TaggedProduct<'_>> {
        self.iter().find(|p| p.product.product_id() == product_id)
    }
}

/// Filters of the product lists by country or by service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[non_exhaustive]
pub struct ProductFilter {
    /// Only this operator's products.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operator_id: Option<i64>,
    /// Only this service's products (country listing only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service_id: Option<i64>,
    /// Only this country's products (service listing only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country_id: Option<i64>,
}

impl ProductFilter {
    /// No filter.
    pub fn new() -> Self {
        Self::default()
    }
    /// Only this operator's products.
    pub fn operator_id(mut self, id: i64) -> Self {
        self.operator_id = Some(id);
        self
    }
    /// Only this service's products (for [`Client::list_products_by_country`]).
    pub fn service_id(mut self, id: i64) -> Self {
        self.service_id = Some(id);
        self
    }
    /// Only this country's products (for [`Client::list_products_by_service`]).
    pub fn country_id(mut self, id: i64) -> Self {
        self.country_id = Some(id);
        self
    }
}

/// A suggested amount for a variable value recharge product.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[non_exhaustive]
pub struct SuggestedValue {
    /// Amount to send as the transaction's `local_value`.
    #[serde(deserialize_with = "partner_sdk_core::decode::decimal")]
    pub local_value: Decimal,
    /// Currency of the amount.
    #[serde(default, deserialize_with = "partner_sdk_core::decode::string")]
    pub local_currency: String,
    /// Plan name.
    #[serde(default, deserialize_with = "partner_sdk_core::decode::opt_string")]
    pub name: Option<String>,
    /// Plan description.
    #[serde(default, deserialize_with = "partner_sdk_core::decode::opt_string")]
    pub description: Option<String>,
    /// `additional_info_1`, a `key:value` string.
    #[serde(default, deserialize_with = "partner_sdk_core::decode::opt_string")]
    pub additional_info_1: Option<String>,
    /// `additional_info_2`, a `key:value` string.
    #[serde(default, deserialize_with = "partner_sdk_core::decode::opt_string")]
    pub additional_info_2: Option<String>,
    /// `additional_info_3`, a `key:value` string.
    #[serde(default, deserialize_with = "partner_sdk_core::decode::opt_string")]
    pub additional_info_3: Option<String>,
    /// What you pay DT One.
    #[serde(default, deserialize_with = "partner_sdk_core::decode::opt_decimal")]
    pub wholesale_price: Option<Decimal>,
    /// Suggested retail price.
    #[serde(default, deserialize_with = "partner_sdk_core::decode::opt_decimal")]
    pub retail_price: Option<Decimal>,
    /// Fee (0 when absent).
    #[serde(default, deserialize_with = "decimal_or_zero")]
    pub fee: Decimal,
    /// Fields not listed above (including `additional_info_4` and later).
    #[serde(flatten)]
    pub extra: BTreeMap<String, serde_json::Value>,
}

/// One parsed `additional_info_N` entry (`"validity:1 Day"`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InfoPair {
    /// The `N` of `additional_info_N`.
    pub index: u32,
    /// Text before the first `:` (the whole text when there is none).
    pub key: String,
    /// Text after the first `:` (empty when there is none).
    pub value: String,
}

impl SuggestedValue {
    /// Every `additional_info_N`, split at the first `:`, in order of `N`.
    pub fn additional_info(&self) -> Vec<InfoPair> {
        let mut raw: Vec<(u32, &str)> = [
            (1, &self.additional_info_1),
            (2, &self.additional_info_2),
            (3, &self.additional_info_3),
        ]
        .into_iter()
        .filter_map(|(i, v)| v.as_deref().map(|v| (i, v)))
        .collect();
        for (k, v) in &self.extra {
            let index = k
                .strip_prefix("additional_info_")
                .and_then(|n| n.parse::<u32>().ok());
            if let (Some(index), Some(text)) = (index, v.as_str()) {
                raw.push((index, text));
            }
        }
        raw.sort_by_key(|(i, _)| *i);
        raw.into_iter()
            .map(|(index, text)| {
                let (key, value) = text.split_once(':').unwrap_or((text, ""));
                InfoPair {
                    index,
                    key: key.trim().to_owned(),
                    value: value.trim().to_owned(),
                }
            })
            .collect()
    }

    /// The value of the `additional_info_N` whose key is `key` (e.g. `validity`).
    pub fn info(&self, key: &str) -> Option<String> {
        self.additional_info()
            .into_iter()
            .find(|p| p.key.eq_ignore_ascii_case(key))
            .map(|p| p.value)
    }
}

#[derive(Deserialize)]
struct SuggestedValues {
    #[serde(
        default,
        deserialize_with = "partner_sdk_core::decode::null_as_default"
    )]
    suggested_values: Vec<SuggestedValue>,
}

/// Answer of an account-number verification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AccountVerification {
    /// `{"verified":1}`: the account number is valid for the product.
    Verified,
    /// `{"verified":0}`: the account number is not valid for the product.
    NotVerified,
    /// HTTP 400 with code 1000304: the product offers no verification.
    NotAvailable,
}

#[derive(Deserialize)]
struct Verified {
    #[serde(deserialize_with = "partner_sdk_core::decode::flag")]
    verified: bool,
}

/// The path parameter a filtered product listing is scoped by.
#[derive(Clone, Copy)]
enum Within {
    Country,
    Service,
}

impl ProductFilter {
    /// Refuses the filter field the path parameter `within` replaces, and
    /// checks the other two as ids.
    fn check_within(&self, within: Within) -> Result<()> {
        let (replaced, field, reason, other) = match within {
            Within::Country => (
                self.country_id,
                "filter.country_id",
                "the country is the path parameter; filter by operator_id or service_id",
                ("filter.service_id", self.service_id),
            ),
            Within::Service => (
                self.service_id,
                "filter.service_id",
                "the service is the path parameter; filter by operator_id or country_id",
                ("filter.country_id", self.country_id),
            ),
        };
        if replaced.is_some() {
            return Err(partner_sdk_core::Error::invalid_input(field, reason).into());
        }
        check_opt_id("filter.operator_id", self.operator_id)?;
        Ok(check_opt_id(other.0, other.1)?)
    }
}

impl Client {
    /// Checks the path id `(field, id)` and the filter, then returns the
    /// transport's own future for the listing (the caller awaits it),
    /// rather than an `async fn`, which would keep the request twice in
    /// every call's future (rust-lang/rust#62958).
    fn products(
        &self,
        operation: &'static str,
        path: &'static str,
        (field, id): (&'static str, i64),
        filter: Option<(&ProductFilter, Within)>,
    ) -> Result<impl Future<Output = partner_sdk_core::Result<Products>> + use<'_>> {
        check_id(field, id)?;
        let req = Request::get(operation, path).param(id);
        let req = match filter {
            Some((filter, within)) => {
                filter.check_within(within)?;
                req.query(filter)
            }
            None => req,
        };
        Ok(self.transport.send(req))
    }

    /// `GET /operators/{operator_id}/products`: the products of an operator.
    pub async fn list_products_by_operator(&self, operator_id: i64) -> Result<Products> {
        let path = "/operators/{operator_id}/products";
        let id = ("operator_id", operator_id);
        Ok(self
            .products("list_products_by_operator", path, id, None)?
            .await?)
    }

    /// `GET /countries/{country_id}/products[?operator_id=&service_id=]`:
    /// the products of a country, optionally of one operator and/or service.
    /// `filter.country_id` must be unset.
    pub async fn list_products_by_country(
        &self,
        country_id: i64,
        filter: &ProductFilter,
    ) -> Result<Products> {
        let path = "/countries/{country_id}/products";
        let id = ("country_id", country_id);
        let filter = Some((filter, Within::Country));
        Ok(self
            .products("list_products_by_country", path, id, filter)?
            .await?)
    }

    /// `GET /services/{service_id}/products[?operator_id=&country_id=]`:
    /// the products of a service, optionally of one operator and/or country.
    /// `filter.service_id` must be unset.
    pub async fn list_products_by_service(
        &self,
        service_id: i64,
        filter: &ProductFilter,
    ) -> Result<Products> {
        let path = "/services/{service_id}/products";
        let id = ("service_id", service_id);
        let filter = Some((filter, Within::Service));
        Ok(self
            .products("list_products_by_service", path, id, filter)?
            .await?)
    }

    /// `GET /product/variable_value_recharges/{product_id}/suggested_values`:
    /// suggested amounts of a variable value recharge product.
    pub async fn list_suggested_values(&self, product_id: i64) -> Result<Vec<SuggestedValue>> {
        check_id("product_id", product_id)?;
        let req = Request::get(
            "list_suggested_values",
            "/product/variable_value_recharges/{product_id}/suggested_values",
        )
        .param(product_id);
        let body: SuggestedValues = self.transport.send(req).await?;
        Ok(body.suggested_values)
    }

    /// `GET /products/{product_id}/account_number/{account_number}/status`:
    /// whether `account_number` is valid for the product. A product without
    /// verification answers 400 with code 1000304, returned as
    /// [`AccountVerification::NotAvailable`] rather than an error.
    pub async fn verify_account_number(
        &self,
        product_id: i64,
        account_number: &str,
    ) -> Result<AccountVerification> {
        check_id("product_id", product_id)?;
        let account_number = account_number.trim();
        if account_number.is_empty() {
            return Err(partner_sdk_core::Error::invalid_input(
                "account_number",
                "must not be empty",
            )
            .into());
        }
        let req = Request::get(
            "verify_account_number",
            "/products/{product_id}/account_number/{account_number}/status",
        )
        .param(product_id)
        .param(account_number);
        match self.transport.send::<Verified>(req).await {
            Ok(v) if v.verified => Ok(AccountVerification::Verified),
            Ok(_) => Ok(AccountVerification::NotVerified),
            Err(e) => {
                let e = crate::Error::from(e);
                if e.code() == Some(ErrorCode::AccountVerificationNotAvailable) {
                    Ok(AccountVerification::NotAvailable)
                } else {
                    Err(e)
                }
            }
        }
    }
}
