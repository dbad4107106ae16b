//! Typed async client for the DT One Goods & Services API (v1.1), and in
//! [`dvs`] one for DT One's Digital Value Services API (DVS v1), the API a
//! new DT One account is given keys for.
//!
//! Discovery (countries, services, operators), products grouped by their six
//! categories, suggested values of variable recharges, account-number
//! verification, and transactions with `external_id` as the idempotency key.
//! Every request is signed with DT One's `X-TransferTo-*` HMAC headers.
//!
//! ```no_run
//! # async fn run() -> Result<(), partner_sdk_dtone::Error> {
//! use partner_sdk_dtone::{Category, TransactionRequest};
//!
//! let client = partner_sdk_dtone::Client::builder()
//!     .base_url(partner_sdk_dtone::PRODUCTION_URL)
//!     .credentials("my-api-key", "my-api-secret")
//!     .build()?;
//! let products = client.list_products_by_operator(1959).await?;
//! for p in products.iter() {
//!     println!("{} {} {}", p.category, p.product.product_id(), p.product.product_name());
//! }
//! let request = TransactionRequest::new("+50212345678", 64, "order-42").simulation(true);
//! let tx = client
//!     .create_or_resolve(Category::FixedValueRecharges, &request)
//!     .await?;
//! assert!(tx.is_success());
//! # Ok(()) }
//! ```
//!
//! Decoding is lenient where DT One is inconsistent: ids and money arrive as
//! numbers or strings (money is [`Decimal`]), flags as `1` or `"1"`, dates
//! without a zone ([`time::PrimitiveDateTime`]); unknown fields are ignored.
//! A body that is not valid JSON (the seed's country sample has a trailing
//! comma) fails cleanly with a decode error that keeps the body and the path.
#![cfg_attr(doctest, doc = include_str!("../README.md"))]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub mod bills;
pub mod client;
pub mod discovery;
pub mod dvs;
pub mod error;
pub mod products;
mod recovery;
pub mod transactions;
mod validate;

pub use bills::{Bill, BillDetails, BillPayment};
pub use client::{Client, ClientBuilder, PRODUCTION_URL, hmac_signature};
pub use discovery::{Country, Operator, OperatorFilter, Ping, Service};
pub use error::{
    ApiErrorBody, Call, DtoneErrorBody, Error, ErrorCode, ErrorEntry, ExternalIdConflictError,
    ItemStream, Result, TransactionFailedError,
};
pub use products::{
    AccountVerification, Category, FixedProduct, InfoPair, ProductFilter, ProductRef, Products,
    SuggestedValue, TaggedProduct, VariableProduct,
};
/// The date-time crate of [`Transaction::date`].
pub use time;
pub use transactions::{Party, Resolution, Transaction, TransactionRequest, Voucher};

partner_sdk_core::provider_reexports!();
