//! Benefit types (talk time, data, SMS, payment, credits).

use partner_sdk_core::{Page, Request};
use serde::Deserialize;

use super::Client;
use super::common::{BenefitType as Kind, check_paging, paging, paging_methods};
use super::error::{ItemStream, Result};

/// A benefit type: `{"name": "DATA"}`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct BenefitTypeInfo {
    /// The type (an unknown one kept in `Other`).
    pub name: Kind,
}

/// Page of `GET /benefit-types`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct PageQuery {
    /// Page (from 1).
    pub page: Option<u32>,
    /// Records per page (1 to 100).
    pub per_page: Option<u32>,
}

impl PageQuery {
    /// The first page, DT One's page size.
    pub fn new() -> Self {
        Self::default()
    }
    paging_methods!();

    fn request(&self, operation: &'static str, page: u32) -> Result<Request> {
        check_paging(Some(page), self.per_page)?;
        Ok(paging(
            Request::get(operation, "/benefit-types"),
            page,
            self.per_page,
        ))
    }
}

impl Client {
    /// `GET /benefit-types`: one page of benefit types.
    pub async fn list_benefit_types(
        &self,
        query: &PageQuery,
    ) -> Result<Page<BenefitTypeInfo, u32>> {
        let page = query.page.unwrap_or(1);
        self.fetch_page(query.request("list_benefit_types", page)?, page)
            .await
    }

    /// `GET /benefit-types`: every benefit type, page by page as polled.
    #[inline]
    pub fn benefit_types(&self, query: &PageQuery) -> ItemStream<BenefitTypeInfo> {
        let query = query.clone();
        self.stream(query.page.unwrap_or(1), move |page| {
            query.request("benefit_types", page)
        })
    }
}
