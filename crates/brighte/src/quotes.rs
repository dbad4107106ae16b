//! Quotes: list (paginated stream), get, create, resend, delete.

use partner_sdk_core::provider::boxed;
use partner_sdk_core::secret::redacted;
use partner_sdk_core::{Page, Request};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::client::Client;
use crate::common::{AccountId, ListEnvelope, ListQuery, Listing, decode_page, list_stream, wire};
use crate::error::{Call, ItemStream, Result};
use crate::validate::{check_text, proposal};

partner_sdk_core::open_enum! {
    /// `quoteStatus`.
    pub enum QuoteStatus {
        /// `COMPLETED`: an application was filed.
        Completed => "COMPLETED",
        /// `SENT`: sent to the applicant.
        Sent => "SENT",
    }
}

/// A quote sent to a prospective applicant.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Quote {
    /// Unique id.
    #[serde(default, deserialize_with = "partner_sdk_core::decode::string")]
    pub id: String,
    /// Email the quote is sent to.
    #[serde(default, deserialize_with = "partner_sdk_core::decode::opt_string")]
    pub applicant_email: Option<String>,
    /// Total purchase amount.
    #[serde(
        default,
        deserialize_with = "partner_sdk_core::decode::opt_decimal",
        serialize_with = "wire::opt_money"
    )]
    pub total_purchase_amount: Option<Decimal>,
    /// Deposit amount.
    #[serde(
        default,
        deserialize_with = "partner_sdk_core::decode::opt_decimal",
        serialize_with = "wire::opt_money"
    )]
    pub deposit_amount: Option<Decimal>,
    /// Repayment term in months.
    #[serde(default, deserialize_with = "partner_sdk_core::decode::opt_i64")]
    pub repayment_term: Option<i64>,
    /// Product category.
    #[serde(default, deserialize_with = "partner_sdk_core::decode::opt_string")]
    pub product_category: Option<String>,
    /// Description of the financed items.
    #[serde(default, deserialize_with = "partner_sdk_core::decode::opt_string")]
    pub product_description: Option<String>,
    /// Creation time (ISO 8601, as sent).
    #[serde(default, deserialize_with = "partner_sdk_core::decode::opt_string")]
    pub created: Option<String>,
    /// Agent who created it.
    #[serde(default, deserialize_with = "partner_sdk_core::decode::opt_string")]
    pub team_member: Option<String>,
    /// Applicant name.
    #[serde(default, deserialize_with = "partner_sdk_core::decode::opt_string")]
    pub applicant: Option<String>,
    /// Status.
    #[serde(default)]
    pub status: Option<QuoteStatus>,
}

/// Personal data (applicant, applicant_email, team_member) is printed as
/// `[REDACTED]`.
impl std::fmt::Debug for Quote {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Quote")
            .field("id", &self.id)
            .field("applicant_email", &redacted(&self.applicant_email))
            .field("total_purchase_amount", &self.total_purchase_amount)
            .field("deposit_amount", &self.deposit_amount)
            .field("repayment_term", &self.repayment_term)
            .field("product_category", &self.product_category)
            .field("product_description", &self.product_description)
            .field("created", &self.created)
            .field("team_member", &redacted(&self.team_member))
            .field("applicant", &redacted(&self.applicant))
            .field("status", &self.status)
            .finish()
    }
}

/// A quote to create (`POST quote`). Amounts are sent as JSON numbers, as
/// in the documentation's sample.
#[derive(Clone, PartialEq, Serialize)]
pub struct NewQuote {
    /// Receiver's first name.
    pub first_name: String,
    /// Receiver's last name.
    pub last_name: String,
    /// Receiver's phone.
    pub phone: String,
    /// Receiver's email (the quote is sent there).
    pub email: String,
    /// Total amount.
    #[serde(serialize_with = "wire::money")]
    pub total_purchase_amount: Decimal,
    /// Deposit.
    #[serde(serialize_with = "wire::money")]
    pub deposit_amount: Decimal,
    /// Repayment term in months.
    pub repayment_term: u32,
    /// Product category.
    pub product_category: String,
    /// Description of the financed items.
    pub product_description: String,
    /// Account (branch) the quote is for.
    pub account_id: AccountId,
}

/// Personal data (email, first_name, last_name, phone) is printed as
/// `[REDACTED]`.
impl std::fmt::Debug for NewQuote {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewQuote")
            .field("first_name", &redacted(&self.first_name))
            .field("last_name", &redacted(&self.last_name))
            .field("phone", &redacted(&self.phone))
            .field("email", &redacted(&self.email))
            .field("total_purchase_amount", &self.total_purchase_amount)
            .field("deposit_amount", &self.deposit_amount)
            .field("repayment_term", &self.repayment_term)
            .field("product_category", &self.product_category)
            .field("product_description", &self.product_description)
            .field("account_id", &self.account_id)
            .finish()
    }
}

impl NewQuote {
    /// Checks every field; each failure names it.
    pub fn validate(&self) -> Result<()> {
        proposal!(self).check()?;
        self.account_id.check("account_id")
    }
}

#[derive(Deserialize)]
struct QuotesEnvelope {
    #[serde(
        default,
        deserialize_with = "partner_sdk_core::decode::null_as_default"
    )]
    quotes: Vec<Quote>,
    #[serde(
        rename = "hasMoreRecords",
        default,
        deserialize_with = "partner_sdk_core::decode::flag"
    )]
    has_more_records: bool,
}

impl ListEnvelope for QuotesEnvelope {
    type Item = Quote;
    fn into_parts(self) -> (Vec<Quote>, bool) {
        (self.quotes, self.has_more_records)
    }
}

#[derive(Deserialize)]
struct QuoteEnvelope {
    quote: Quote,
}

/// Decodes a list answer of quotes, the answer for page `page_number`
/// (see [`decode_applications_page`](crate::applications::decode_applications_page)).
pub fn decode_quotes_page(
    body: &[u8],
    page_number: u32,
) -> std::result::Result<Page<Quote, u32>, serde_json::Error> {
    decode_page::<QuotesEnvelope>(body, page_number)
}

/// The quotes listing, sent as `operation`.
fn listing(operation: &'static str) -> Listing {
    Listing {
        operation,
        path: "/quotes",
        account_required: true,
    }
}

impl Client {
    /// One page of quotes of an account (`GET quotes`; `account_id` required;
    /// the page is [`ListQuery::page`], default 1).
    pub async fn list_quotes(&self, query: &ListQuery) -> Result<Page<Quote, u32>> {
        self.list_page::<QuotesEnvelope>(listing("list_quotes"), query)
            .await
    }

    /// Every quote matching `query`, fetched page by page as polled.
    /// A missing `account_id` is the stream's first (and only) item, an error.
    #[inline]
    pub fn quotes(&self, query: &ListQuery) -> ItemStream<Quote> {
        list_stream::<QuotesEnvelope>(self, listing("quotes"), query)
    }

    /// One quote (`GET quotes/{id}`).
    pub async fn get_quote(&self, quote_id: &str) -> Result<Quote> {
        check_text("quote_id", quote_id)?;
        let e: QuoteEnvelope = self
            .vendor_send(
                crate::client::get("get_quote", "/quotes/{id}")
                    .param(quote_id)
                    .sensitive_answer(),
            )
            .await?;
        Ok(e.quote)
    }

    /// Creates a quote (`POST quote`). Never retried. After an unknown
    /// outcome (no key: Brighte takes none), list the account's quotes
    /// (`quotes`) for one to this customer before creating again.
    pub fn create_quote<'a>(&'a self, quote: &'a NewQuote) -> Call<'a, Quote> {
        boxed(async move {
            quote.validate()?;
            let e: QuoteEnvelope = self
                .vendor_send(
                    Request::post("create_quote", "/quote")
                        .json(quote)
                        // The answer (or a refusal) may repeat the customer's details.
                        .sensitive_answer(),
                )
                .await?;
            Ok(e.quote)
        })
    }

    /// Sends a quote again (`POST quote/{id}/resend`; the endpoint table
    /// says GET, the sample POST). Never retried: sent twice, the quote is
    /// sent to the customer twice.
    pub fn resend_quote<'a>(&'a self, quote_id: &'a str) -> Call<'a, Quote> {
        boxed(async move {
            check_text("quote_id", quote_id)?;
            let e: QuoteEnvelope = self
                .vendor_send(
                    crate::client::post_empty("resend_quote", "/quote/{id}/resend")
                        .param(quote_id)
                        .sensitive_answer(),
                )
                .await?;
            Ok(e.quote)
        })
    }

    /// Cancels a quote (`DELETE quote/{id}`) and returns it. `None` when an
    /// attempt was sent and its answer lost, and the retry found no such
    /// quote: the lost attempt cancelled it. A quote not found on the first
    /// attempt is an error ([`ErrorCode::NotFound`](crate::ErrorCode::NotFound)).
    pub async fn delete_quote(&self, quote_id: &str) -> Result<Option<Quote>> {
        check_text("quote_id", quote_id)?;
        let e: Option<QuoteEnvelope> = self
            .vendor_send_delete(
                crate::client::delete("delete_quote", "/quote/{id}")
                    .param(quote_id)
                    .sensitive_answer(),
            )
            .await?;
        Ok(e.map(|e| e.quote))
    }
}
