//! Campaigns: DT One's own offers over products.

use partner_sdk_core::decode::{i64_or_zero, opt_string, string};
use partner_sdk_core::{Page, Request};
use serde::Deserialize;

use super::Client;
use super::common::{ProductRef, check_paging, list, paging, paging_methods};
use super::error::{ItemStream, Result};
use crate::validate::{check_id, check_opt_id};

/// A campaign.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[non_exhaustive]
pub struct Campaign {
    /// Campaign id.
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
    /// The products it applies to, each with its operator.
    #[serde(default, deserialize_with = "list")]
    pub products: Vec<ProductRef>,
}

/// Filters and page of `GET /campaigns`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct CampaignQuery {
    /// Only campaigns in this country (ISO 3166-1 alpha-3).
    pub country_iso_code: Option<String>,
    /// Only campaigns of this operator.
    pub operator_id: Option<i64>,
    /// Only campaigns of this product.
    pub product_id: Option<i64>,
    /// Page (from 1).
    pub page: Option<u32>,
    /// Records per page (1 to 100).
    pub per_page: Option<u32>,
}

impl CampaignQuery {
    /// No filter, first page.
    pub fn new() -> Self {
        Self::default()
    }
    /// Only campaigns in this country (ISO 3166-1 alpha-3).
    pub fn country_iso_code(mut self, code: impl Into<String>) -> Self {
        self.country_iso_code = Some(code.into());
        self
    }
    /// Only campaigns of this operator.
    pub fn operator_id(mut self, id: i64) -> Self {
        self.operator_id = Some(id);
        self
    }
    /// Only campaigns of this product.
    pub fn product_id(mut self, id: i64) -> Self {
        self.product_id = Some(id);
        self
    }
    paging_methods!();

    fn request(&self, operation: &'static str, page: u32) -> Result<Request> {
        check_opt_id("operator_id", self.operator_id)?;
        check_opt_id("product_id", self.product_id)?;
        check_paging(Some(page), self.per_page)?;
        let req = Request::get(operation, "/campaigns")
            .query_opt("country_iso_code", self.country_iso_code.as_deref())
            .query_opt("operator_id", self.operator_id)
            .query_opt("product_id", self.product_id);
        Ok(paging(req, page, self.per_page))
    }
}

impl Client {
    /// `GET /campaigns`: one page of campaigns.
    pub async fn list_campaigns(&self, query: &CampaignQuery) -> Result<Page<Campaign, u32>> {
        let page = query.page.unwrap_or(1);
        self.fetch_page(query.request("list_campaigns", page)?, page)
            .await
    }

    /// `GET /campaigns`: every campaign, page by page as polled.
    #[inline]
    pub fn campaigns(&self, query: &CampaignQuery) -> ItemStream<Campaign> {
        let query = query.clone();
        self.stream(query.page.unwrap_or(1), move |page| {
            query.request("campaigns", page)
        })
    }

    /// `GET /campaigns/{campaign_id}`: one campaign.
    pub async fn get_campaign(&self, campaign_id: i64) -> Result<Campaign> {
        check_id("campaign_id", campaign_id)?;
        let req = Request::get("get_campaign", "/campaigns/{campaign_id}").param(campaign_id);
        Ok(self.transport.send(req).await?)
    }
}
