//! Catalogue: `ListManufacturers`, `ListSeries`, `ListModels`, `ListPrices`.
//!
//! Models and prices are paged (`pageSize` ≤ [`MAX_PAGE_SIZE`], `pageToken` →
//! `nextPageToken`). Each has a one-page method (`list_models`,
//! `list_prices`, answering a [`Page`] whose `next` is the next page's
//! token) and a stream over every page (`models`, `prices`) that sends the
//! same filters on every page, as BBTI requires.
//!
//! A `page_size` above [`MAX_PAGE_SIZE`] (or 0) is refused with
//! `InvalidInput` before sending rather than silently coerced, so a caller
//! never gets fewer items per page than asked for.

use partner_sdk_core::Request;
use partner_sdk_core::paginate::{Page, paginate_with};
use serde::{Deserialize, Serialize};

use crate::client::{Client, MAX_PAGE_SIZE};
use crate::error::{ItemStream, Result, invalid};
use crate::types::{Grade, KeyValue, or_default};

/// Checks each entry of a list filter (BBTI reads a comma-separated list).
fn check_list(field: &'static str, values: &[String]) -> Result<()> {
    for v in values {
        if v.trim().is_empty() {
            return Err(invalid(field, "entries must not be empty"));
        }
        if v.contains(',') {
            return Err(invalid(field, "entries must not contain a comma"));
        }
    }
    Ok(())
}

/// Adds `field=a,b,…` to `request` when `values` is not empty (checked
/// first by [`check_list`]).
fn list_pair(request: &mut Request, field: &'static str, values: &[String]) {
    if !values.is_empty() {
        request.push_query_pair(field, Joined(values));
    }
}

/// A list written comma-separated, with no joined copy.
struct Joined<'a>(&'a [String]);

impl std::fmt::Display for Joined<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, v) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            f.write_str(v)?;
        }
        Ok(())
    }
}

fn check_key(field: &'static str, value: &Option<String>) -> Result<()> {
    match value {
        Some(v) if v.trim().is_empty() => Err(invalid(field, "must not be empty when set")),
        _ => Ok(()),
    }
}

fn check_page_size(size: Option<u32>) -> Result<()> {
    match size {
        Some(0) => Err(invalid("pageSize", "must be at least 1")),
        Some(n) if n > MAX_PAGE_SIZE => Err(invalid(
            "pageSize",
            format!("must be at most {MAX_PAGE_SIZE}, got {n}"),
        )),
        _ => Ok(()),
    }
}

macro_rules! list_setters {
    ($($(#[$doc:meta])* $one:ident, $many:ident => $field:ident;)*) => {$(
        $(#[$doc])*
        pub fn $one(mut self, key: impl Into<String>) -> Self {
            self.$field.push(key.into());
            self
        }
        /// Adds several keys to the same filter.
        pub fn $many<I: IntoIterator<Item = S>, S: Into<String>>(mut self, keys: I) -> Self {
            self.$field.extend(keys.into_iter().map(Into::into));
            self
        }
    )*};
}

macro_rules! opt_setters {
    ($($(#[$doc:meta])* $name:ident: $ty:ty;)*) => {$(
        $(#[$doc])*
        pub fn $name(mut self, value: impl Into<$ty>) -> Self {
            self.$name = Some(value.into());
            self
        }
    )*};
}

/// Filters of `ListManufacturers`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ManufacturerQuery {
    /// Category slugs (`smartphone`, `earphone-headphone`, `note-pc`).
    pub categories: Vec<String>,
}

impl ManufacturerQuery {
    /// No filter.
    pub fn new() -> Self {
        Self::default()
    }
    list_setters! {
        /// Adds a category slug.
        category, categories_from => categories;
    }
}

/// Filters of `ListSeries`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SeriesQuery {
    /// Category slugs.
    pub categories: Vec<String>,
    /// Manufacturer slugs.
    pub manufacturers: Vec<String>,
}

impl SeriesQuery {
    /// No filter.
    pub fn new() -> Self {
        Self::default()
    }
    list_setters! {
        /// Adds a category slug.
        category, categories_from => categories;
        /// Adds a manufacturer slug.
        manufacturer, manufacturers_from => manufacturers;
    }
}

/// Filters and paging of `ListModels`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ModelQuery {
    /// Category slugs.
    pub categories: Vec<String>,
    /// Manufacturer slugs.
    pub manufacturers: Vec<String>,
    /// Series slugs.
    pub series: Vec<String>,
    /// Items per page, 1..=200 (BBTI default 50).
    pub page_size: Option<u32>,
    /// Token of the page to fetch (from a previous `nextPageToken`).
    pub page_token: Option<String>,
}

impl ModelQuery {
    /// No filter, first page.
    pub fn new() -> Self {
        Self::default()
    }
    list_setters! {
        /// Adds a category slug.
        category, categories_from => categories;
        /// Adds a manufacturer slug.
        manufacturer, manufacturers_from => manufacturers;
        /// Adds a series slug.
        series, series_from => series;
    }
    /// Items per page, 1..=200.
    pub fn page_size(mut self, size: u32) -> Self {
        self.page_size = Some(size);
        self
    }
    /// Token of the page to fetch.
    pub fn page_token(mut self, token: impl Into<String>) -> Self {
        self.page_token = Some(token.into());
        self
    }

    /// Refuses a page size or a list entry BBTI would not take.
    fn validate(&self) -> Result<()> {
        check_page_size(self.page_size)?;
        check_list("categories", &self.categories)?;
        check_list("manufacturers", &self.manufacturers)?;
        check_list("series", &self.series)
    }

    /// A GET request for `operation` at `template` with this query's
    /// filters and paging, [validated](Self::validate) before.
    fn request(&self, operation: &'static str, template: &'static str) -> Request {
        let mut request = Request::get(operation, template);
        list_pair(&mut request, "categories", &self.categories);
        list_pair(&mut request, "manufacturers", &self.manufacturers);
        list_pair(&mut request, "series", &self.series);
        paging(&mut request, self.page_size, &self.page_token);
        request
    }
}

/// Filters and paging of `ListPrices`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct PriceQuery {
    /// Partner program id (campaign pricing uses its own program).
    pub program_id: Option<String>,
    /// Manufacturer slugs.
    pub manufacturers: Vec<String>,
    /// Series slugs.
    pub series: Vec<String>,
    /// Category slugs.
    pub categories: Vec<String>,
    /// Model slug, e.g. `iphone-8`.
    pub model_key: Option<String>,
    /// Storage slug, e.g. `64gb`.
    pub storage_key: Option<String>,
    /// Memory slug, e.g. `8gb`.
    pub memory_key: Option<String>,
    /// Carrier slug, e.g. `simfree`.
    pub carrier_key: Option<String>,
    /// Items per page, 1..=200 (BBTI default 50).
    pub page_size: Option<u32>,
    /// Token of the page to fetch.
    pub page_token: Option<String>,
}

impl PriceQuery {
    /// No filter, first page.
    pub fn new() -> Self {
        Self::default()
    }
    list_setters! {
        /// Adds a manufacturer slug.
        manufacturer, manufacturers_from => manufacturers;
        /// Adds a series slug.
        series, series_from => series;
        /// Adds a category slug.
        category, categories_from => categories;
    }
    opt_setters! {
        /// Partner program id.
        program_id: String;
        /// Model slug.
        model_key: String;
        /// Storage slug.
        storage_key: String;
        /// Memory slug.
        memory_key: String;
        /// Carrier slug.
        carrier_key: String;
        /// Token of the page to fetch.
        page_token: String;
    }
    /// Items per page, 1..=200.
    pub fn page_size(mut self, size: u32) -> Self {
        self.page_size = Some(size);
        self
    }

    /// The keys sent as they are, by their query names.
    fn keys(&self) -> [(&'static str, &Option<String>); 5] {
        [
            ("programId", &self.program_id),
            ("modelKey", &self.model_key),
            ("storageKey", &self.storage_key),
            ("memoryKey", &self.memory_key),
            ("carrierKey", &self.carrier_key),
        ]
    }

    /// Refuses a page size, a key or a list entry BBTI would not take.
    fn validate(&self) -> Result<()> {
        check_page_size(self.page_size)?;
        for (name, value) in self.keys() {
            check_key(name, value)?;
        }
        check_list("manufacturers", &self.manufacturers)?;
        check_list("series", &self.series)?;
        check_list("categories", &self.categories)
    }

    /// A GET request for `operation` at `template` with this query's
    /// filters and paging, [validated](Self::validate) before.
    fn request(&self, operation: &'static str, template: &'static str) -> Request {
        let mut request = Request::get(operation, template);
        let keys = self.keys();
        request.push_query_opt(keys[0].0, keys[0].1.as_ref());
        list_pair(&mut request, "manufacturers", &self.manufacturers);
        list_pair(&mut request, "series", &self.series);
        list_pair(&mut request, "categories", &self.categories);
        for (name, value) in &keys[1..] {
            request.push_query_opt(name, value.as_ref());
        }
        paging(&mut request, self.page_size, &self.page_token);
        request
    }
}

/// Adds `pageSize` and a non-empty `pageToken` to `request`, when set.
fn paging(request: &mut Request, size: Option<u32>, token: &Option<String>) {
    request.push_query_opt("pageSize", size);
    request.push_query_opt("pageToken", token.as_ref().filter(|t| !t.is_empty()));
}

/// A series with its category, manufacturer and number of models.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct SeriesAttributes {
    /// The series, e.g. `iphone`/`iPhone`.
    #[serde(default, deserialize_with = "or_default")]
    pub series: KeyValue,
    /// Its category.
    #[serde(default, deserialize_with = "or_default")]
    pub category: KeyValue,
    /// Its manufacturer.
    #[serde(default, deserialize_with = "or_default")]
    pub manufacturer: KeyValue,
    /// How many models it has.
    #[serde(default, deserialize_with = "partner_sdk_core::decode::i64_or_zero")]
    pub number_of_models: i64,
}

/// A model with the storages, memories and carriers it comes in.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ModelAttributes {
    /// The model, e.g. `iphone-8`/`iPhone 8`.
    #[serde(default, deserialize_with = "or_default")]
    pub model: KeyValue,
    /// Storage variants.
    #[serde(default, deserialize_with = "or_default")]
    pub storages: Vec<KeyValue>,
    /// Memory variants.
    #[serde(default, deserialize_with = "or_default")]
    pub memories: Vec<KeyValue>,
    /// Carrier variants.
    #[serde(default, deserialize_with = "or_default")]
    pub carriers: Vec<KeyValue>,
    /// Category.
    #[serde(default, deserialize_with = "or_default")]
    pub category: KeyValue,
    /// Manufacturer.
    #[serde(default, deserialize_with = "or_default")]
    pub manufacturer: KeyValue,
    /// Series.
    #[serde(default, deserialize_with = "or_default")]
    pub series: KeyValue,
}

/// A model with its prices per variant and grade.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ModelPrice {
    /// The model.
    #[serde(default, deserialize_with = "or_default")]
    pub model: KeyValue,
    /// Storage variants.
    #[serde(default, deserialize_with = "or_default")]
    pub storages: Vec<KeyValue>,
    /// Memory variants.
    #[serde(default, deserialize_with = "or_default")]
    pub memories: Vec<KeyValue>,
    /// Carrier variants.
    #[serde(default, deserialize_with = "or_default")]
    pub carriers: Vec<KeyValue>,
    /// Category.
    #[serde(default, deserialize_with = "or_default")]
    pub category: KeyValue,
    /// Series.
    #[serde(default, deserialize_with = "or_default")]
    pub series: KeyValue,
    /// One entry per storage/memory/carrier combination.
    #[serde(default, deserialize_with = "or_default")]
    pub prices: Vec<PricingUnit>,
}

impl ModelPrice {
    /// The price in yen for a storage and carrier slug and a grade.
    pub fn price_for(&self, storage: &str, carrier: &str, grade: &Grade) -> Option<i64> {
        self.prices
            .iter()
            .filter(|u| u.storage.key == storage && u.carrier.key == carrier)
            .flat_map(|u| &u.grade_prices)
            .find(|g| &g.grade == grade)
            .map(|g| g.price)
    }
}

/// Prices of one storage/memory/carrier combination.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct PricingUnit {
    /// Storage.
    #[serde(default, deserialize_with = "or_default")]
    pub storage: KeyValue,
    /// Memory.
    #[serde(default, deserialize_with = "or_default")]
    pub memory: KeyValue,
    /// Carrier.
    #[serde(default, deserialize_with = "or_default")]
    pub carrier: KeyValue,
    /// Price per grade.
    #[serde(default, deserialize_with = "or_default")]
    pub grade_prices: Vec<GradePrice>,
}

/// The price of one grade, in yen.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct GradePrice {
    /// Grade.
    #[serde(default, deserialize_with = "or_default")]
    pub grade: Grade,
    /// Price in yen, campaign delta included.
    #[serde(default, deserialize_with = "partner_sdk_core::decode::i64_or_zero")]
    pub price: i64,
    /// Campaign delta in yen (part of `price`).
    #[serde(default, deserialize_with = "partner_sdk_core::decode::i64_or_zero")]
    pub delta_price: i64,
}

impl GradePrice {
    /// A grade price.
    pub fn new(grade: Grade, price: i64, delta_price: i64) -> Self {
        GradePrice {
            grade,
            price,
            delta_price,
        }
    }
}

/// `ListManufacturers` response.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ManufacturerList {
    /// Manufacturers.
    #[serde(default, deserialize_with = "or_default")]
    pub manufacturers: Vec<KeyValue>,
}

/// `ListSeries` response.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SeriesList {
    /// Series.
    #[serde(default, deserialize_with = "or_default")]
    pub series: Vec<SeriesAttributes>,
}

/// One page of `ListModels` or `ListPrices` as BBTI sends it: the models
/// and the next page's token (empty on the last page).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", bound = "T: Deserialize<'de>")]
struct ModelsAnswer<T> {
    #[serde(default, deserialize_with = "crate::types::text")]
    next_page_token: String,
    #[serde(default, deserialize_with = "or_default")]
    models: Vec<T>,
}

impl<T> From<ModelsAnswer<T>> for Page<T, String> {
    fn from(answer: ModelsAnswer<T>) -> Self {
        Page::tokened(answer.models, Some(answer.next_page_token))
    }
}

/// Decodes a `ListModels` answer into its page (also used by tests and
/// fuzzing): `next` is the `nextPageToken`, `None` when it is empty.
pub fn decode_models_page(
    body: &[u8],
) -> std::result::Result<Page<ModelAttributes, String>, serde_json::Error> {
    serde_json::from_slice::<ModelsAnswer<ModelAttributes>>(body).map(Page::from)
}

/// Decodes a `ListPrices` answer into its page (see [`decode_models_page`]).
pub fn decode_prices_page(
    body: &[u8],
) -> std::result::Result<Page<ModelPrice, String>, serde_json::Error> {
    serde_json::from_slice::<ModelsAnswer<ModelPrice>>(body).map(Page::from)
}

impl Client {
    /// `GET /v1/manufacturers`: manufacturers with tradable models.
    pub async fn list_manufacturers(&self, query: &ManufacturerQuery) -> Result<Vec<KeyValue>> {
        check_list("categories", &query.categories)?;
        let mut req = Request::get("list_manufacturers", "/v1/manufacturers");
        list_pair(&mut req, "categories", &query.categories);
        let list: ManufacturerList = self.transport.send(req).await?;
        Ok(list.manufacturers)
    }

    /// `GET /v1/series`: series with tradable models.
    pub async fn list_series(&self, query: &SeriesQuery) -> Result<Vec<SeriesAttributes>> {
        check_list("categories", &query.categories)?;
        check_list("manufacturers", &query.manufacturers)?;
        let mut req = Request::get("list_series", "/v1/series");
        list_pair(&mut req, "categories", &query.categories);
        list_pair(&mut req, "manufacturers", &query.manufacturers);
        let list: SeriesList = self.transport.send(req).await?;
        Ok(list.series)
    }

    /// `GET /v1/models`: one page of models, with the next page's token.
    pub async fn list_models(&self, query: &ModelQuery) -> Result<Page<ModelAttributes, String>> {
        self.models_page("list_models", query).await
    }

    /// `GET /v1/prices`: one page of models with prices, with the next
    /// page's token.
    pub async fn list_prices(&self, query: &PriceQuery) -> Result<Page<ModelPrice, String>> {
        self.prices_page("list_prices", query).await
    }

    /// One page of models, sent as `operation`.
    async fn models_page(
        &self,
        operation: &'static str,
        query: &ModelQuery,
    ) -> Result<Page<ModelAttributes, String>> {
        query.validate()?;
        // The request is built in the expression that sends it: held in a
        // variable, it would take room in this method's future.
        let answer: ModelsAnswer<ModelAttributes> = self
            .transport
            .send(query.request(operation, "/v1/models"))
            .await?;
        Ok(answer.into())
    }

    /// One page of models with prices, sent as `operation`.
    async fn prices_page(
        &self,
        operation: &'static str,
        query: &PriceQuery,
    ) -> Result<Page<ModelPrice, String>> {
        query.validate()?;
        // The request is built in the expression that sends it: held in a
        // variable, it would take room in this method's future.
        let answer: ModelsAnswer<ModelPrice> = self
            .transport
            .send(query.request(operation, "/v1/prices"))
            .await?;
        Ok(answer.into())
    }

    /// Every model over all pages, starting at `query.page_token`; each page
    /// is fetched only when the previous one is used up and carries the same
    /// filters and page size.
    ///
    /// A `nextPageToken` the server already sent ends the stream with
    /// `Error::Pagination` (repeated cursor) instead of looping, and so does
    /// a listing longer than the builder's `max_pages`.
    #[inline]
    pub fn models(&self, query: &ModelQuery) -> ItemStream<ModelAttributes> {
        let client = self.clone();
        let query = query.clone();
        let first = query.page_token.clone().unwrap_or_default();
        paginate_with(self.transport.max_pages(), first, move |token: String| {
            let client = client.clone();
            let mut q = query.clone();
            q.page_token = Some(token);
            async move { client.models_page("models", &q).await }
        })
    }

    /// Every model with prices over all pages (see [`Client::models`]).
    #[inline]
    pub fn prices(&self, query: &PriceQuery) -> ItemStream<ModelPrice> {
        let client = self.clone();
        let query = query.clone();
        let first = query.page_token.clone().unwrap_or_default();
        paginate_with(self.transport.max_pages(), first, move |token: String| {
            let client = client.clone();
            let mut q = query.clone();
            q.page_token = Some(token);
            async move { client.prices_page("prices", &q).await }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(request: &Request) -> String {
        partner_sdk_core::Transport::builder("bbti")
            .base_url("http://127.0.0.1:9")
            .build()
            .and_then(|t| t.url_for(request))
            .map(|u| u.to_string())
            .unwrap_or_else(|e| e.to_string())
    }

    fn applied(q: &PriceQuery, operation: &'static str, template: &'static str) -> Result<Request> {
        q.validate().map(|()| q.request(operation, template))
    }

    #[test]
    fn price_filters_are_sent_in_order_lists_comma_separated() {
        let q = PriceQuery::new()
            .program_id("p 1")
            .manufacturer("apple")
            .manufacturer("google")
            .series("iphone")
            .category("smartphone")
            .model_key("iphone-8")
            .storage_key("64gb")
            .memory_key("8gb")
            .carrier_key("simfree")
            .page_size(50)
            .page_token("t/2");
        let req = applied(&q, "list_prices", "/v1/prices").unwrap();
        assert_eq!(
            url(&req),
            "http://127.0.0.1:9/v1/prices?programId=p+1&manufacturers=apple%2Cgoogle&series=iphone\
             &categories=smartphone&modelKey=iphone-8&storageKey=64gb&memoryKey=8gb\
             &carrierKey=simfree&pageSize=50&pageToken=t%2F2"
        );
        let none = PriceQuery::new().page_token("");
        let req = applied(&none, "list_prices", "/v1/prices").unwrap();
        assert_eq!(url(&req), "http://127.0.0.1:9/v1/prices");
    }

    #[test]
    fn a_bad_list_entry_is_refused_naming_its_filter() {
        for (entry, reason) in [(" ", "empty"), ("a,b", "comma")] {
            let q = ModelQuery::new().category("smartphone").series(entry);
            let err = q.validate().unwrap_err();
            let text = err.to_string();
            assert!(text.contains("series") && text.contains(reason), "{text}");
        }
    }
}
