//! Balances of the account: available, holding, credit limit.

use partner_sdk_core::decode::{decimal, i64_or_zero, string};
use partner_sdk_core::{Decimal, Page, Request};
use serde::Deserialize;

use super::Client;
use super::common::{UnitType, check_paging, paging, paging_methods};
use super::error::{ItemStream, Result};

/// A balance in one unit. A create moves the wholesale price and fee from
/// `available` to `holding`; completion captures it, a cancel, rejection
/// or decline moves it back to `available`, a reversal credits it back.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[non_exhaustive]
pub struct Balance {
    /// Balance id.
    #[serde(default, deserialize_with = "i64_or_zero")]
    pub id: i64,
    /// Unit type.
    #[serde(default)]
    pub unit_type: Option<UnitType>,
    /// Unit (an ISO 4217 currency code).
    #[serde(default, deserialize_with = "string")]
    pub unit: String,
    /// Available for new transactions.
    #[serde(default, deserialize_with = "decimal")]
    pub available: Decimal,
    /// Held by transactions in progress.
    #[serde(default, deserialize_with = "decimal")]
    pub holding: Decimal,
    /// Credit limit.
    #[serde(default, deserialize_with = "decimal")]
    pub credit_limit: Decimal,
}

/// Filters and page of `GET /balances`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct BalanceQuery {
    /// Only balances of this unit type.
    pub unit_type: Option<UnitType>,
    /// Only balances in this unit (an ISO 4217 currency code).
    pub unit: Option<String>,
    /// Page (from 1).
    pub page: Option<u32>,
    /// Records per page (1 to 100).
    pub per_page: Option<u32>,
}

impl BalanceQuery {
    /// No filter, first page.
    pub fn new() -> Self {
        Self::default()
    }
    /// Only balances of this unit type.
    pub fn unit_type(mut self, unit_type: UnitType) -> Self {
        self.unit_type = Some(unit_type);
        self
    }
    /// Only balances in this unit (an ISO 4217 currency code).
    pub fn unit(mut self, unit: impl Into<String>) -> Self {
        self.unit = Some(unit.into());
        self
    }
    paging_methods!();

    fn request(&self, operation: &'static str, page: u32) -> Result<Request> {
        check_paging(Some(page), self.per_page)?;
        let req = Request::get(operation, "/balances")
            .query_opt("unit_type", self.unit_type.as_ref())
            .query_opt("unit", self.unit.as_deref());
        Ok(paging(req, page, self.per_page))
    }
}

impl Client {
    /// `GET /balances`: one page of balances.
    pub async fn list_balances(&self, query: &BalanceQuery) -> Result<Page<Balance, u32>> {
        let page = query.page.unwrap_or(1);
        self.fetch_page(query.request("list_balances", page)?, page)
            .await
    }

    /// `GET /balances`: every balance, page by page as polled.
    #[inline]
    pub fn balances(&self, query: &BalanceQuery) -> ItemStream<Balance> {
        let query = query.clone();
        self.stream(query.page.unwrap_or(1), move |page| {
            query.request("balances", page)
        })
    }
}
