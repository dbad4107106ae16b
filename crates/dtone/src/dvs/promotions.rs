//! Promotions: time-limited bonuses of an operator's products.

use partner_sdk_core::decode::{i64_or_zero, opt_string, string};
use partner_sdk_core::{Page, Request};
use serde::Deserialize;

use super::Client;
use super::common::{CountryRef, ProductRef, check_paging, language, list, paging, paging_methods};
use super::error::{ItemStream, Result};
use crate::validate::{check_id, check_opt_id};

/// The operator of a promotion.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[non_exhaustive]
pub struct PromotionOperator {
    /// Operator id.
    #[serde(default, deserialize_with = "i64_or_zero")]
    pub id: i64,
    /// Name.
    #[serde(default, deserialize_with = "string")]
    pub name: String,
    /// Its country.
    #[serde(default)]
    pub country: CountryRef,
}

/// A promotion.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[non_exhaustive]
pub struct Promotion {
    /// Promotion id.
    #[serde(default, deserialize_with = "i64_or_zero")]
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
    /// The operator.
    #[serde(default)]
    pub operator: PromotionOperator,
    /// The products it applies to.
    #[serde(default, deserialize_with = "list")]
    pub products: Vec<ProductRef>,
}

/// Filters, language and page of `GET /promotions`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct PromotionQuery {
    /// Only promotions in this country (ISO 3166-1 alpha-3).
    pub country_iso_code: Option<String>,
    /// Only promotions of this operator.
    pub operator_id: Option<i64>,
    /// Only promotions of this product.
    pub product_id: Option<i64>,
    /// Preferred languages of the texts (`Accept-Language`, e.g. `es`).
    pub language: Option<String>,
    /// Page (from 1).
    pub page: Option<u32>,
    /// Records per page (1 to 100).
    pub per_page: Option<u32>,
}

impl PromotionQuery {
    /// No filter, first page.
    pub fn new() -> Self {
        Self::default()
    }
    /// Only promotions in this country (ISO 3166-1 alpha-3).
    pub fn country_iso_code(mut self, code: impl Into<String>) -> Self {
        self.country_iso_code = Some(code.into());
        self
    }
    /// Only promotions of this operator.
    pub fn operator_id(mut self, id: i64) -> Self {
        self.operator_id = Some(id);
        self
    }
    /// Only promotions of this product.
    pub fn product_id(mut self, id: i64) -> Self {
        self.product_id = Some(id);
        self
    }
    /// Preferred languages of the texts (`Accept-Language`).
    pub fn language(mut self, language: impl Into<String>) -> Self {
        self.language = Some(language.into());
        self
    }
    paging_methods!();

    fn request(&self, operation: &'static str, page: u32) -> Result<Request> {
        check_opt_id("operator_id", self.operator_id)?;
        check_opt_id("product_id", self.product_id)?;
        check_paging(Some(page), self.per_page)?;
        let req = Request::get(operation, "/promotions")
            .query_opt("country_iso_code", self.country_iso_code.as_deref())
            .query_opt("operator_id", self.operator_id)
            .query_opt("product_id", self.product_id);
        language(paging(req, page, self.per_page), self.language.as_deref())
    }
}

impl Client {
    /// `GET /promotions`: one page of promotions.
    pub async fn list_promotions(&self, query: &PromotionQuery) -> Result<Page<Promotion, u32>> {
        let page = query.page.unwrap_or(1);
        self.fetch_page(query.request("list_promotions", page)?, page)
            .await
    }

    /// `GET /promotions`: every promotion, page by page as polled.
    #[inline]
    pub fn promotions(&self, query: &PromotionQuery) -> ItemStream<Promotion> {
        let query = query.clone();
        self.stream(query.page.unwrap_or(1), move |page| {
            query.request("promotions", page)
        })
    }

    /// `GET /promotions/{promotion_id}`: one promotion, its texts in
    /// `language` when given (`Accept-Language`).
    pub async fn get_promotion(
        &self,
        promotion_id: i64,
        language: Option<&str>,
    ) -> Result<Promotion> {
        check_id("promotion_id", promotion_id)?;
        let req = Request::get("get_promotion", "/promotions/{promotion_id}").param(promotion_id);
        Ok(self
            .transport
            .send(super::common::language(req, language)?)
            .await?)
    }
}
