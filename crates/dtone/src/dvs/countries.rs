//! Countries and their regions.

use partner_sdk_core::decode::string;
use partner_sdk_core::{Page, Request};
use serde::Deserialize;

use super::Client;
use super::common::{Region, check_paging, list, paging, paging_methods};
use super::error::{ItemStream, Result};
use crate::validate::{check_opt_id, check_text};

/// A country.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[non_exhaustive]
pub struct Country {
    /// Name.
    #[serde(default, deserialize_with = "string")]
    pub name: String,
    /// ISO 3166-1 alpha-3 code.
    #[serde(default, deserialize_with = "string")]
    pub iso_code: String,
    /// Its regions (ISO 3166-2).
    #[serde(default, deserialize_with = "list")]
    pub regions: Vec<Region>,
}

/// Filters and page of `GET /countries`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct CountryQuery {
    /// Only countries offering this service.
    pub service_id: Option<i64>,
    /// Only countries offering this subservice.
    pub subservice_id: Option<i64>,
    /// Page (from 1).
    pub page: Option<u32>,
    /// Records per page (1 to 100).
    pub per_page: Option<u32>,
}

impl CountryQuery {
    /// No filter, first page.
    pub fn new() -> Self {
        Self::default()
    }
    /// Only countries offering this service.
    pub fn service_id(mut self, id: i64) -> Self {
        self.service_id = Some(id);
        self
    }
    /// Only countries offering this subservice.
    pub fn subservice_id(mut self, id: i64) -> Self {
        self.subservice_id = Some(id);
        self
    }
    paging_methods!();

    fn request(&self, operation: &'static str, page: u32) -> Result<Request> {
        check_opt_id("service_id", self.service_id)?;
        check_opt_id("subservice_id", self.subservice_id)?;
        check_paging(Some(page), self.per_page)?;
        let req = Request::get(operation, "/countries")
            .query_opt("service_id", self.service_id)
            .query_opt("subservice_id", self.subservice_id);
        Ok(paging(req, page, self.per_page))
    }
}

impl Client {
    /// `GET /countries`: one page of countries.
    pub async fn list_countries(&self, query: &CountryQuery) -> Result<Page<Country, u32>> {
        let page = query.page.unwrap_or(1);
        self.fetch_page(query.request("list_countries", page)?, page)
            .await
    }

    /// `GET /countries`: every country, page by page as polled.
    #[inline]
    pub fn countries(&self, query: &CountryQuery) -> ItemStream<Country> {
        let query = query.clone();
        self.stream(query.page.unwrap_or(1), move |page| {
            query.request("countries", page)
        })
    }

    /// `GET /countries/{country_iso_code}`: one country by its ISO 3166-1
    /// alpha-3 code.
    pub async fn get_country(&self, country_iso_code: &str) -> Result<Country> {
        let code = check_text("country_iso_code", country_iso_code)?;
        let req = Request::get("get_country", "/countries/{country_iso_code}").param(code);
        Ok(self.transport.send(req).await?)
    }
}
