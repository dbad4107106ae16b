//! Operators (mobile operators, billers, brands).

use partner_sdk_core::decode::{i64_or_zero, string};
use partner_sdk_core::{Page, Request};
use serde::Deserialize;

use super::Client;
use super::common::{CountryRef, Region, check_paging, list, paging, paging_methods};
use super::error::{ItemStream, Result};
use crate::validate::{check_id, check_opt_id};

/// An operator.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[non_exhaustive]
pub struct Operator {
    /// Operator id.
    #[serde(default, deserialize_with = "i64_or_zero")]
    pub id: i64,
    /// Name.
    #[serde(default, deserialize_with = "string")]
    pub name: String,
    /// Its country.
    #[serde(default)]
    pub country: CountryRef,
    /// The regions it serves.
    #[serde(default, deserialize_with = "list")]
    pub regions: Vec<Region>,
}

/// Filters and page of `GET /operators`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct OperatorQuery {
    /// Only operators of this country (ISO 3166-1 alpha-3).
    pub country_iso_code: Option<String>,
    /// Only operators offering this service.
    pub service_id: Option<i64>,
    /// Only operators offering this subservice.
    pub subservice_id: Option<i64>,
    /// Page (from 1).
    pub page: Option<u32>,
    /// Records per page (1 to 100).
    pub per_page: Option<u32>,
}

impl OperatorQuery {
    /// No filter, first page.
    pub fn new() -> Self {
        Self::default()
    }
    /// Only operators of this country (ISO 3166-1 alpha-3).
    pub fn country_iso_code(mut self, code: impl Into<String>) -> Self {
        self.country_iso_code = Some(code.into());
        self
    }
    /// Only operators offering this service.
    pub fn service_id(mut self, id: i64) -> Self {
        self.service_id = Some(id);
        self
    }
    /// Only operators offering this subservice.
    pub fn subservice_id(mut self, id: i64) -> Self {
        self.subservice_id = Some(id);
        self
    }
    paging_methods!();

    fn request(&self, operation: &'static str, page: u32) -> Result<Request> {
        check_opt_id("service_id", self.service_id)?;
        check_opt_id("subservice_id", self.subservice_id)?;
        check_paging(Some(page), self.per_page)?;
        let req = Request::get(operation, "/operators")
            .query_opt("country_iso_code", self.country_iso_code.as_deref())
            .query_opt("service_id", self.service_id)
            .query_opt("subservice_id", self.subservice_id);
        Ok(paging(req, page, self.per_page))
    }
}

impl Client {
    /// `GET /operators`: one page of operators.
    pub async fn list_operators(&self, query: &OperatorQuery) -> Result<Page<Operator, u32>> {
        let page = query.page.unwrap_or(1);
        self.fetch_page(query.request("list_operators", page)?, page)
            .await
    }

    /// `GET /operators`: every operator, page by page as polled.
    #[inline]
    pub fn operators(&self, query: &OperatorQuery) -> ItemStream<Operator> {
        let query = query.clone();
        self.stream(query.page.unwrap_or(1), move |page| {
            query.request("operators", page)
        })
    }

    /// `GET /operators/{operator_id}`: one operator.
    pub async fn get_operator(&self, operator_id: i64) -> Result<Operator> {
        check_id("operator_id", operator_id)?;
        let req = Request::get("get_operator", "/operators/{operator_id}").param(operator_id);
        Ok(self.transport.send(req).await?)
    }
}
