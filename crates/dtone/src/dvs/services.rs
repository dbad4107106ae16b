//! Services (mobile, gift cards, bill payment, ...) and their subservices.

use partner_sdk_core::decode::{i64_or_zero, string};
use partner_sdk_core::{Page, Request};
use serde::Deserialize;

use super::Client;
use super::common::{check_paging, list, paging, paging_methods};
use super::error::{ItemStream, Result};
use crate::validate::check_id;

/// A subservice of a service.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[non_exhaustive]
pub struct SubService {
    /// Subservice id.
    #[serde(default, deserialize_with = "i64_or_zero")]
    pub id: i64,
    /// Name.
    #[serde(default, deserialize_with = "string")]
    pub name: String,
}

/// A service.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[non_exhaustive]
pub struct Service {
    /// Service id.
    #[serde(default, deserialize_with = "i64_or_zero")]
    pub id: i64,
    /// Name.
    #[serde(default, deserialize_with = "string")]
    pub name: String,
    /// Its subservices.
    #[serde(default, deserialize_with = "list")]
    pub subservices: Vec<SubService>,
}

/// Filters and page of `GET /services`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct ServiceQuery {
    /// Only services offered in this country (ISO 3166-1 alpha-3).
    pub country_iso_code: Option<String>,
    /// Page (from 1).
    pub page: Option<u32>,
    /// Records per page (1 to 100).
    pub per_page: Option<u32>,
}

impl ServiceQuery {
    /// No filter, first page.
    pub fn new() -> Self {
        Self::default()
    }
    /// Only services offered in this country (ISO 3166-1 alpha-3).
    pub fn country_iso_code(mut self, code: impl Into<String>) -> Self {
        self.country_iso_code = Some(code.into());
        self
    }
    paging_methods!();

    fn request(&self, operation: &'static str, page: u32) -> Result<Request> {
        check_paging(Some(page), self.per_page)?;
        let req = Request::get(operation, "/services")
            .query_opt("country_iso_code", self.country_iso_code.as_deref());
        Ok(paging(req, page, self.per_page))
    }
}

impl Client {
    /// `GET /services`: one page of services.
    pub async fn list_services(&self, query: &ServiceQuery) -> Result<Page<Service, u32>> {
        let page = query.page.unwrap_or(1);
        self.fetch_page(query.request("list_services", page)?, page)
            .await
    }

    /// `GET /services`: every service, page by page as polled.
    #[inline]
    pub fn services(&self, query: &ServiceQuery) -> ItemStream<Service> {
        let query = query.clone();
        self.stream(query.page.unwrap_or(1), move |page| {
            query.request("services", page)
        })
    }

    /// `GET /services/{service_id}`: one service.
    pub async fn get_service(&self, service_id: i64) -> Result<Service> {
        check_id("service_id", service_id)?;
        let req = Request::get("get_service", "/services/{service_id}").param(service_id);
        Ok(self.transport.send(req).await?)
    }
}
