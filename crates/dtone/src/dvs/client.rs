//! [`Client`] and its [`ClientBuilder`], and the paging every DVS listing
//! shares.

use partner_sdk_core::paginate::paginate_with;
use partner_sdk_core::provider::BuilderParts;
use partner_sdk_core::reqwest::header::HeaderMap;
use partner_sdk_core::{BasicAuth, Credentials, Page, Request, Transport};
use partner_sdk_journal::JournalStore;
use serde::de::DeserializeOwned;
use std::sync::Arc;

use super::error::{DvsErrorBody, ItemStream, Result};

/// DVS production base URL (version prefix included).
pub const PRODUCTION_URL: &str = "https://dvs-api.dtone.com/v1";

/// DVS pre-production base URL: simulated transactions, whose outcome the
/// last three digits of the credit party identifier choose.
pub const PREPRODUCTION_URL: &str = "https://preprod-dvs-api.dtone.com/v1";

/// The most records a DVS page holds (`per_page` at most 100).
pub const MAX_PER_PAGE: u32 = 100;

/// A DT One Digital Value Services (DVS v1) client. Cheap to clone,
/// `Send + Sync`.
///
/// Every request carries `Authorization: Basic` with the API key as user
/// and the API secret as password.
#[derive(Clone)]
pub struct Client {
    pub(crate) transport: Transport,
}

impl Client {
    /// A builder with the defaults (connect timeout 10 s, per-attempt
    /// timeout 30 s, 3 attempts for idempotent calls); `base_url` and
    /// `credentials` are required.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// The base URL requests go to (version prefix included).
    pub fn base_url(&self) -> &partner_sdk_core::Url {
        self.transport.base_url()
    }

    /// Sends `request` and reads one page of a listing: the JSON array of
    /// the body, and the next page from `X-Next-Page` (none when the header
    /// is absent, empty or not after `page`).
    pub(crate) async fn fetch_page<T: DeserializeOwned>(
        &self,
        request: Request,
        page: u32,
    ) -> Result<Page<T, u32>> {
        let (items, headers) = self.transport.send_with_headers(request).await?;
        Ok(Page::new(items, next_page(&headers, page)))
    }

    /// Every item of a listing from page `first` on: `request(page)` builds
    /// (or refuses) the request of each page.
    pub(crate) fn stream<T, F>(&self, first: u32, request: F) -> ItemStream<T>
    where
        T: DeserializeOwned + Clone + PartialEq + Send + 'static,
        F: Fn(u32) -> Result<Request> + Send + Sync + 'static,
    {
        let client = self.clone();
        let request = std::sync::Arc::new(request);
        paginate_with(self.transport.max_pages(), first, move |page| {
            let client = client.clone();
            let request = request.clone();
            async move { client.fetch_page(request(page)?, page).await }
        })
    }
}

/// The next page a DVS answer names: `X-Next-Page`, when it is a number
/// after `page`.
fn next_page(headers: &HeaderMap, page: u32) -> Option<u32> {
    headers
        .get("x-next-page")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u32>().ok())
        .filter(|next| *next > page)
}

partner_sdk_core::provider_client! {
    /// A view of this client whose calls use `options` (timeout, retry
    /// policy, extra headers) over the client's settings.
    /// It shares the connection pool and the hooks, so it is as cheap as a
    /// clone; the `Authorization` header cannot be replaced. See
    /// [`CallOptions`](partner_sdk_core::CallOptions) for the other rules.
    Client { transport }
}

/// Configures a [`Client`].
///
/// [`credentials`](Self::credentials) takes the DVS API key and API secret
/// (from DT Shop's developer section; pre-production and production keys
/// differ): both are sent, as HTTP Basic user and password.
#[derive(Debug, Default)]
pub struct ClientBuilder {
    parts: BuilderParts,
}

impl ClientBuilder {
    /// Base URL including the version prefix: [`PRODUCTION_URL`],
    /// [`PREPRODUCTION_URL`] or a sandbox's. Required.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.parts.base_url = Some(url.into().into());
        self
    }

    /// The DVS API key (`id`, the Basic auth user) and API secret
    /// (`secret`, the password); required, neither may be empty.
    pub fn credentials(mut self, id: impl Into<String>, secret: impl Into<String>) -> Self {
        self.parts.credentials = Credentials::new(id, secret);
        self
    }

    partner_sdk_core::http_settings_methods!(parts.settings);

    /// The intent journal every create and confirm is written to before it
    /// is sent (none by default). With one, a create is begun under its
    /// `external_id` and a confirm under its transaction id, and settled
    /// with DT One's answer; a call whose intent cannot be written is not
    /// sent, a reused `external_id` for another request is refused before
    /// sending, and a process that died mid-call finds out with
    /// [`Client::recover`]. See [`partner_sdk_journal`].
    pub fn journal(mut self, journal: Arc<dyn JournalStore>) -> Self {
        self.parts.journal = Some(journal);
        self
    }

    /// Validates the configuration and builds the client.
    pub fn build(self) -> Result<Client> {
        let builder = self.parts.transport("dtone-dvs")?;
        let (key, secret) = self.parts.credentials.required()?;
        let auth = BasicAuth::new(&key, &secret)?;
        Ok(Client {
            transport: builder.auth(auth).error_body(DvsErrorBody).build()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use partner_sdk_core::reqwest::header::HeaderValue;

    #[test]
    fn the_next_page_must_come_after_this_one() {
        let headers = |v: &'static str| {
            let mut h = HeaderMap::new();
            h.insert("x-next-page", HeaderValue::from_static(v));
            h
        };
        assert_eq!(next_page(&headers("3"), 2), Some(3));
        assert_eq!(next_page(&headers("2"), 2), None);
        assert_eq!(next_page(&headers(""), 2), None);
        assert_eq!(next_page(&headers("x"), 2), None);
        assert_eq!(next_page(&HeaderMap::new(), 2), None);
    }
}
