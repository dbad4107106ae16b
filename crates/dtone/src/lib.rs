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
// The crate's docs link both APIs' items: built with one API alone, the
// links to the other's are left unresolved (docs.rs builds both).
#![cfg_attr(
    not(all(feature = "gs", feature = "dvs")),
    allow(rustdoc::broken_intra_doc_links)
)]

#[cfg(feature = "gs")]
pub mod bills;
#[cfg(feature = "gs")]
pub mod client;
#[cfg(feature = "gs")]
pub mod discovery;
#[cfg(feature = "dvs")]
#[cfg_attr(docsrs, doc(cfg(feature = "dvs")))]
pub mod dvs;
#[cfg(feature = "gs")]
pub mod error;
#[cfg(feature = "gs")]
pub mod products;
#[cfg(feature = "gs")]
mod recovery;
#[cfg(any(feature = "gs", feature = "dvs"))]
pub mod shared;
#[cfg(feature = "gs")]
pub mod transactions;
#[cfg(any(feature = "gs", feature = "dvs"))]
mod validate;

#[cfg(feature = "gs")]
pub use bills::{Bill, BillDetails, BillPayment};
#[cfg(feature = "gs")]
pub use client::{Client, ClientBuilder, PRODUCTION_URL, hmac_signature};
#[cfg(feature = "gs")]
pub use discovery::{Country, Operator, OperatorFilter, Ping, Service};
#[cfg(feature = "gs")]
pub use error::{
    ApiErrorBody, Call, DtoneErrorBody, Error, ErrorCode, ErrorEntry, ExternalIdConflictError,
    ItemStream, Result, TransactionFailedError,
};
#[cfg(feature = "gs")]
pub use products::{
    AccountVerification, Category, FixedProduct, InfoPair, ProductFilter, ProductRef, Products,
    SuggestedValue, TaggedProduct, VariableProduct,
};
#[cfg(feature = "gs")]
/// The date-time crate of [`Transaction::date`].
pub use time;
#[cfg(feature = "gs")]
pub use transactions::{Party, Resolution, Transaction, TransactionRequest, Voucher};

partner_sdk_core::provider_reexports!();
