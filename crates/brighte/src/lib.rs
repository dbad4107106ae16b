//! Typed async client for Brighte, Australian consumer green finance:
//! the Checkout API (form + signed redirect), webhooks, the vendor REST API
//! (sessions, accounts, applications, quotes, users, content, calculators,
//! callouts) and the public finance calculator.
//!
//! # Quick start
//!
//! ```no_run
//! # async fn run() -> Result<(), partner_sdk_brighte::Error> {
//! use futures::TryStreamExt as _;
//!
//! let brighte = partner_sdk_brighte::Client::builder()
//!     .base_url(partner_sdk_brighte::PRODUCTION_URL)
//!     .credentials("API_ID", "API_SECRET")
//!     .build()?;
//! let accounts = brighte.list_accounts().await?;
//! let query = partner_sdk_brighte::ListQuery::new().account(accounts[0].id.clone());
//! let apps: Vec<partner_sdk_brighte::Application> = brighte.applications(&query).try_collect().await?;
//!
//! // Public API: no credentials needed.
//! let anon = partner_sdk_brighte::Client::builder()
//!     .base_url(partner_sdk_brighte::PRODUCTION_URL)
//!     .build()?;
//! let calc = anon
//!     .calculate_finance(&partner_sdk_brighte::FinanceRequest::new(10_000.into(), 24))
//!     .await?;
//! # let _ = (apps, calc); Ok(()) }
//! ```
//!
//! The checkout form needs no client:
//!
//! ```
//! use partner_sdk_brighte::checkout::{CheckoutRequest, ProductCategoryName};
//! let form = CheckoutRequest::new(
//!     "http://yourwebsite.com/checkout-success.html",
//!     7000.into(),
//!     700.into(),
//!     24,
//!     ProductCategoryName::BatteryStorage,
//!     "Powerwall Home Battery",
//! )
//! .into_form()?;
//! assert_eq!(form.checksum().len(), 64);
//! # Ok::<(), partner_sdk_brighte::Error>(())
//! ```
//!
//! # Redirects and webhooks: verify, then confirm
//!
//! Brighte signs only `timestamp ‖ token`: a valid signature proves the
//! message came from Brighte, not that its application id or status did.
//! [`checkout::confirm`] and [`webhook::confirm`] verify the signature, then
//! fetch the application with the vendor session; act on the fetched
//! status and answer a webhook with [`Ack::for_outcome`] (the mapping is in
//! the [`webhook`] module).
//!
//! # Paths and documented inconsistencies
//!
//! - The vendor API lives under `/rest/v1/vendor` (the endpoint tables'
//!   prefix, and the one Brighte's firewall rules name); the sample
//!   requests say `/rest/vendor/v1`, and the client falls back to it when
//!   the login finds no route under the first (a 404 that is not
//!   Brighte's JSON body), keeping whichever worked for the client's life.
//!   [`ClientBuilder::vendor_path_prefix`] sets one prefix, without
//!   fallback. A login a firewall refuses (403 without Brighte's body) is
//!   an [`Auth`](partner_sdk_core::Error::Auth) error saying the caller's IP
//!   address may not be on Brighte's allow-list. The public API is under `/rest/pub/v1`.
//! - Body `status` 2000 is success, as a number or a string; a 2xx answer
//!   with another `status` is an error ([`ErrorCode`]).
//! - Money is [`rust_decimal::Decimal`] in dollars as sent (the `currency`
//!   type is documented as cents, but every sample carries dollars:
//!   `165.47`, `"7000.12"`); numbers and strings are both read, requests
//!   send JSON numbers written with the decimal's own digits (never
//!   through `f64`). Booleans are read from `1`/`0`/`true`/`"1"` and sent
//!   as `1`/`0`.
//! - Creates (quote, user, document, callout, payment request, secure code,
//!   API credentials) are never retried; GET/PUT/DELETE and the two
//!   calculators are.
#![cfg_attr(doctest, doc = include_str!("../README.md"))]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub mod accounts;
pub mod applications;
pub mod calculator;
pub mod callouts;
pub mod checkout;
pub mod client;
pub mod common;
pub mod content;
pub mod enums;
pub mod error;
pub mod quotes;
mod recovery;
pub mod repayment;
pub mod signing;
pub mod users;
mod validate;
mod vendor_prefix;
pub mod webhook;

pub use accounts::Account;
pub use applications::{
    Applicant, Application, ApplicationDocument, ApplicationDocumentType, ApplicationStatus,
    DocumentUpload,
};
pub use calculator::{FinanceCalculation, FinanceRequest, FinanceType};
pub use callouts::{Callout, CalloutRequest, CalloutStatus};
pub use checkout::{
    CheckoutForm, CheckoutRequest, ExpectedCheckout, ProductCategoryName, RedirectClaims,
};
pub use client::{Client, ClientBuilder, PRODUCTION_URL};
pub use common::{AccountId, ListQuery};
pub use content::{Content, ContentType, ProductCategory};
pub use enums::*;
pub use error::{
    ApiErrorBody, BrighteErrorBody, Call, CheckoutError, Error, ErrorCode, ItemStream, NoticeError,
    Result,
};
pub use quotes::{NewQuote, Quote, QuoteStatus};
pub use repayment::{RepaymentAmount, RepaymentRequest};
pub use signing::{InMemoryReplayStore, ReplayStore, SignedNotice, Verifier};
pub use users::{NewUser, User, UserKey, UserRole, UserUpdate};
pub use webhook::{Ack, WebhookClaims, WebhookPayload};

partner_sdk_core::provider_reexports!();
