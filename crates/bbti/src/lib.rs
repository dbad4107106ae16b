//! Typed async client for the Belong BBTI (buy-back, trade-in) API.
//!
//! BBTI prices used devices and runs the trade-in: catalogue
//! ([`Client::list_manufacturers`], [`Client::list_series`],
//! [`Client::list_models`], [`Client::list_prices`] and the all-pages streams
//! [`Client::models`], [`Client::prices`]), pricing that registers a
//! transaction ([`Client::price_products`], [`Client::price_codes`]), eKYC
//! ([`Client::register_kyc`]), delivery ([`Client::register_delivery`]) and
//! status ([`Client::get_transaction`]). The CSV price list Belong issues is
//! read by [`price_list`].
//!
//! Authentication is OAuth2 client credentials against a separate auth
//! server (`POST {token_url}`, Basic credentials; BBTI's token endpoint is
//! [`TOKEN_PATH`] on its auth server); the bearer
//! token is cached, shared by all clones of a client, refreshed before it
//! expires and again on a 401. When the token response has no `expires_in`
//! the token is assumed to live [`DEFAULT_TOKEN_LIFETIME`] (1 hour).
//!
//! Money is integer yen (`i64`) in the API and `Decimal` in the CSV.
//! Reads are retried on connection errors, 429 and 502/503/504; pricing,
//! KYC and delivery POSTs never are: a lost answer is
//! `partner_sdk_core::Error::OutcomeUnknown` carrying the `submissionId` (pricing)
//! or `transactionId` (KYC, delivery) to reconcile with, and an accepted one
//! whose answer cannot be read is `partner_sdk_core::Error::AnswerUnreadable`
//! carrying the same key.
//!
//! # Quick start
//!
//! ```no_run
//! # async fn run() -> Result<(), partner_sdk_bbti::Error> {
//! use partner_sdk_bbti::{Condition, PriceProductRequest, PriceQuery};
//!
//! let bbti = partner_sdk_bbti::Client::builder()
//!     .base_url("https://api.bbti.example")
//!     .token_url("https://auth.bbti.example/auth/v1/token")
//!     .credentials("client-id", "client-secret")
//!     .build()?;
//! let page = bbti
//!     .list_prices(&PriceQuery::new().manufacturer("apple").model_key("iphone-8"))
//!     .await?;
//! println!("{} models", page.items.len());
//! let quote = bbti
//!     .price_products(
//!         &PriceProductRequest::new("program-1", "iphone-8")
//!             .storage_key("64gb")
//!             .carrier_key("simfree")
//!             .condition(Condition::Pass, Condition::Pass)
//!             .submission_id("order-1001"),
//!     )
//!     .await?;
//! println!("{} yen ({:?})", quote.price, quote.grade);
//! # Ok(()) }
//! ```
#![cfg_attr(doctest, doc = include_str!("../README.md"))]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub mod catalogue;
pub mod client;
pub mod delivery;
pub mod error;
pub mod kyc;
pub mod price_list;
pub mod pricing;
mod recovery;
pub mod transactions;
pub mod types;

pub use catalogue::{
    GradePrice, ManufacturerList, ManufacturerQuery, ModelAttributes, ModelPrice, ModelQuery,
    PriceQuery, PricingUnit, SeriesAttributes, SeriesList, SeriesQuery,
};
pub use client::{Client, ClientBuilder, DEFAULT_TOKEN_LIFETIME, MAX_PAGE_SIZE, TOKEN_PATH};
pub use delivery::{DeliveryDetail, Image, RegisterDeliveryRequest, RegisterDeliveryResponse};
#[allow(deprecated)]
pub use error::RpcStatus;
pub use error::{ApiErrorBody, BbtiErrorBody, Call, Error, ErrorCode, ItemStream, Result};
pub use kyc::{KycRequest, KycResponse};
pub use price_list::{PriceIndex, PriceKey, PriceListError, PriceRow, read_csv, read_csv_async};
pub use pricing::{
    DeviceCondition, PriceByAppCodeRequest, PriceByAppCodeResponse, PriceProductRequest,
    PriceProductResponse, PriceResponse,
};
pub use transactions::{GetTransactionResponse, Transaction, TransactionProduct};
pub use types::{Condition, Date, DeliveryPattern, Grade, KeyValue, PickupTime, TransactionStatus};

partner_sdk_core::provider_reexports!();
