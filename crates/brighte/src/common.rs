//! Types shared by several resources: account ids, list queries and pages,
//! and the wire encodings of money and booleans.

use std::fmt;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize, Serializer};
use time::Date;

use partner_sdk_core::paginate::{Page, paginate_with};

use crate::client::Client;
use crate::error::{Error, ItemStream, Result};

/// An account (branch) id. The documentation types it as an integer, a
/// string and shows both `"E435"` and `3`: it is kept as it was given or
/// received and sent back the same way.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(untagged)]
pub enum AccountId {
    /// A numeric id (`3`).
    Number(i64),
    /// A textual id (`"E435"`).
    Text(String),
}

impl Default for AccountId {
    fn default() -> Self {
        AccountId::Text(String::new())
    }
}

impl AccountId {
    pub(crate) fn check(&self, field: &'static str) -> Result<()> {
        match self {
            AccountId::Text(t) if t.trim().is_empty() => {
                Err(Error::invalid(field, "must not be empty"))
            }
            _ => Ok(()),
        }
    }
}

impl fmt::Display for AccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AccountId::Number(n) => write!(f, "{n}"),
            AccountId::Text(t) => f.write_str(t),
        }
    }
}

impl From<&str> for AccountId {
    fn from(s: &str) -> Self {
        AccountId::Text(s.to_owned())
    }
}

impl From<String> for AccountId {
    fn from(s: String) -> Self {
        AccountId::Text(s)
    }
}

impl From<i64> for AccountId {
    fn from(n: i64) -> Self {
        AccountId::Number(n)
    }
}

/// Filters and page of the list endpoints (applications, quotes, users).
///
/// `list_*` methods fetch the one page [`page`](Self::page) names (default
/// 1), answering a [`Page`] whose `next` is the next page's number while
/// `hasMoreRecords`; the streams fetch pages of at most 500 records lazily
/// with `pageNumber`, from that page on, until `hasMoreRecords` is false.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ListQuery {
    /// Account (branch) to list for (`accountId`).
    pub account_id: Option<AccountId>,
    /// First day (`startDate`, default: the beginning).
    pub start_date: Option<Date>,
    /// Last day (`endDate`, default: today).
    pub end_date: Option<Date>,
    /// Page number (`pageNumber`, from 1; default 1).
    pub page: Option<u32>,
}

impl ListQuery {
    /// No filters.
    pub fn new() -> Self {
        Self::default()
    }
    /// Lists for this account.
    pub fn account(mut self, account_id: impl Into<AccountId>) -> Self {
        self.account_id = Some(account_id.into());
        self
    }
    /// From this day.
    pub fn start_date(mut self, date: Date) -> Self {
        self.start_date = Some(date);
        self
    }
    /// Up to this day.
    pub fn end_date(mut self, date: Date) -> Self {
        self.end_date = Some(date);
        self
    }
    /// The page a `list_*` call fetches, or the page a stream starts at
    /// (from 1; 0 is read as 1).
    pub fn page(mut self, page: u32) -> Self {
        self.page = Some(page);
        self
    }

    pub(crate) fn validate(&self, account_required: bool) -> Result<()> {
        match &self.account_id {
            Some(id) => id.check("account_id")?,
            None if account_required => {
                return Err(Error::invalid("account_id", "is required for this list"));
            }
            None => {}
        }
        if let (Some(s), Some(e)) = (self.start_date, self.end_date)
            && s > e
        {
            return Err(Error::invalid("start_date", "must not be after end_date"));
        }
        Ok(())
    }

    /// The page a `list_*` call fetches (`pageNumber`): 1 unless set.
    pub(crate) fn page_number(&self) -> u32 {
        self.page.unwrap_or(1).max(1)
    }

    pub(crate) fn pairs(&self) -> Vec<(&'static str, String)> {
        let mut q = Vec::new();
        if let Some(a) = &self.account_id {
            q.push(("accountId", a.to_string()));
        }
        if let Some(d) = self.start_date {
            q.push(("startDate", format_date(d)));
        }
        if let Some(d) = self.end_date {
            q.push(("endDate", format_date(d)));
        }
        q.push(("pageNumber", self.page_number().to_string()));
        q
    }
}

/// `YYYY-MM-DD`.
pub fn format_date(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// Serde helpers for Brighte's wire encodings.
pub mod wire {
    use super::*;

    /// Money as a JSON number written with the decimal's own digits
    /// (`15000`, `165.47`, `7000.10`), never through `f64`.
    ///
    /// The text goes out through `serde_json`'s `RawValue`, so it is exact
    /// in JSON; other serde formats see `serde_json`'s raw-value wrapper.
    pub fn money<S: Serializer>(d: &Decimal, s: S) -> std::result::Result<S::Ok, S::Error> {
        // `Decimal`'s text is a plain decimal number (no exponent), which is
        // always a valid JSON number.
        let raw = serde_json::value::RawValue::from_string(d.to_string())
            .map_err(serde::ser::Error::custom)?;
        raw.serialize(s)
    }

    /// Optional money as a JSON number.
    pub fn opt_money<S: Serializer>(
        d: &Option<Decimal>,
        s: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        match d {
            Some(d) => money(d, s),
            None => s.serialize_none(),
        }
    }

    /// A boolean as integer `1` or `0` (Brighte's `boolean` type).
    pub fn flag<S: Serializer>(b: &bool, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_u8(u8::from(*b))
    }

    /// An optional boolean as `1`/`0`.
    pub fn opt_flag<S: Serializer>(b: &Option<bool>, s: S) -> std::result::Result<S::Ok, S::Error> {
        match b {
            Some(b) => flag(b, s),
            None => s.serialize_none(),
        }
    }
}

/// A list answer of one resource: its page of items under the resource's
/// own key, and whether more records follow (`hasMoreRecords`).
pub(crate) trait ListEnvelope: serde::de::DeserializeOwned + Send + 'static {
    /// The resource listed.
    type Item: Clone + PartialEq + Send + 'static;
    /// The page's items and its `hasMoreRecords`.
    fn into_parts(self) -> (Vec<Self::Item>, bool);
}

/// Decodes a list answer as the page `page_number`, with the next page's
/// number when `hasMoreRecords`.
pub(crate) fn decode_page<E: ListEnvelope>(
    body: &[u8],
    page_number: u32,
) -> std::result::Result<Page<E::Item, u32>, serde_json::Error> {
    let (items, more) = serde_json::from_slice::<E>(body)?.into_parts();
    Ok(Page::numbered(items, page_number, more))
}

/// Where a listing is sent: its operation, its path, and whether its query
/// must name the account.
#[derive(Clone, Copy)]
pub(crate) struct Listing {
    pub(crate) operation: &'static str,
    pub(crate) path: &'static str,
    pub(crate) account_required: bool,
}

impl Client {
    /// The page of `listing` that `query` names ([`ListQuery::page`],
    /// default 1), after checking the query.
    pub(crate) async fn list_page<E: ListEnvelope>(
        &self,
        listing: Listing,
        query: &ListQuery,
    ) -> Result<Page<E::Item, u32>> {
        query.validate(listing.account_required)?;
        let e: E = self
            .vendor_send(
                crate::client::get(listing.operation, listing.path)
                    .query(&query.pairs())
                    // Every listing's records hold personal data: no error keeps them.
                    .sensitive_answer(),
            )
            .await?;
        let (items, more) = e.into_parts();
        Ok(Page::numbered(items, query.page_number(), more))
    }
}

/// Every item of a paged vendor list, fetched page by page as the stream is
/// polled (`pageNumber` from the query's page, 1 by default, while
/// `hasMoreRecords`); each page is fetched as [`Client::list_page`] fetches
/// it. An invalid query is the stream's first (and only) item, an error.
///
/// A server that keeps answering `hasMoreRecords` with the page it just
/// sent ends the stream with `Error::Pagination` (repeated page), and so
/// does a listing longer than the builder's `max_pages`.
pub(crate) fn list_stream<E: ListEnvelope>(
    client: &Client,
    listing: Listing,
    query: &ListQuery,
) -> ItemStream<E::Item> {
    let client = client.clone();
    let query = query.clone();
    paginate_with(client.max_pages(), query.page_number(), move |page| {
        let client = client.clone();
        let query = query.clone().page(page);
        async move { client.list_page::<E>(listing, &query).await }
    })
}
