//! Typed async client for DT One's Digital Value Services API (DVS v1).
//!
//! DT One has two APIs. **DVS** (`https://dvs-api.dtone.com/v1`, HTTP Basic
//! authentication with an API key and secret) is the one its developer
//! portal documents and a new DT One account gets keys for: start here.
//! The **Goods & Services API** (v1.1, HMAC headers) is the older one, for
//! integrations that already hold its keys: that is the crate's root
//! [`Client`](crate::Client). The two share no keys, ids or endpoints.
//!
//! This module covers DVS's discovery (services, countries, operators,
//! benefit types, promotions, campaigns, products), transactions (create,
//! asynchronous or synchronous, confirm, cancel, look-up by id and listing
//! with filters, `external_id` among them), balances and look-ups (mobile
//! number to operators, statement inquiry, credit-party benefits and
//! status). Creates and confirms follow the family's money-safety rules
//! and go through the intent journal when the client has one
//! ([`ClientBuilder::journal`], [`Client::recover`]).
//!
//! Every listing is paged by `page` and `per_page` (at most
//! [`MAX_PER_PAGE`]): `list_<things>` returns one [`Page`]
//! (its `next` read from DT One's `X-Next-Page` header) and `<things>`
//! an [`ItemStream`] over every page, stopping on the last page and after
//! the transport's `max_pages`.
//!
//! ```no_run
//! # async fn run() -> partner_sdk_dtone::dvs::Result<()> {
//! use partner_sdk_dtone::dvs::{self, ProductQuery};
//!
//! let client = dvs::Client::builder()
//!     .base_url(dvs::PREPRODUCTION_URL)
//!     .credentials("my-api-key", "my-api-secret")
//!     .build()?;
//! let page = client
//!     .list_products(&ProductQuery::new().country_iso_code("GTM").per_page(100))
//!     .await?;
//! for p in &page.items {
//!     println!("{} {} {}", p.id, p.kind, p.name);
//! }
//! # Ok(()) }
//! ```
//!
//! Decoding never fails on something new: statuses, types and units are
//! open enums (an unknown value kept in `Other`), a product of an unknown
//! type is kept with its common fields, unknown fields are ignored, and
//! money is [`Decimal`].

pub mod balances;
pub mod benefit_types;
#[cfg(feature = "dvs-callback-service")]
#[cfg_attr(docsrs, doc(cfg(feature = "dvs-callback-service")))]
pub mod callback;
pub mod campaigns;

pub mod client;
pub mod common;
pub mod countries;
pub mod error;
pub mod lookups;

pub mod operators;
pub mod products;
pub mod promotions;
mod recovery;

pub mod services;
pub mod transactions;
pub mod wait;

pub use balances::{Balance, BalanceQuery};
pub use benefit_types::{BenefitTypeInfo, PageQuery};
#[cfg(feature = "dvs-callback-service")]
pub use callback::{CallbackAck, CallbackError, CallbackHandled, CallbackHandler};
pub use campaigns::{Campaign, CampaignQuery};
pub use client::{Client, ClientBuilder, MAX_PER_PAGE, PREPRODUCTION_URL, PRODUCTION_URL};
pub use common::ProductRef;
pub use common::{
    Amount, Benefit, BenefitAmount, BenefitType, BenefitUnitType, CalculationMode, CountryRef,
    Price, Prices, ProductPromotion, ProductType, Quantity, Range, Rates, Region, TimeUnit,
    UnitType, Validity, Value,
};
pub use countries::{Country, CountryQuery};
pub use error::{
    ApiErrorBody, Call, DvsErrorBody, Error, ErrorCode, ErrorEntry, ExternalIdConflictError,
    ItemStream, Result, TransactionFailedError,
};
pub use lookups::{
    CreditParty, CreditPartyBenefit, CreditPartyLookup, CreditPartyStatus, MobileNumberLookup,
    MobileNumberOperator, Statement, StatementDates, StatementInquiry,
};
pub use operators::{Operator, OperatorQuery};
pub use products::{
    AvailabilityZone, PaymentInfo, PaymentMode, PinInfo, PostingPeriod, Product, ProductQuery,
    ProductService, TimeUnitType,
};
pub use promotions::{Promotion, PromotionOperator, PromotionQuery};
pub use services::{Service, ServiceQuery, SubService};
pub use transactions::{
    AdditionalIdentifier, MAX_EXTERNAL_ID_LEN, MAX_SYNC_WAIT, PartyIdentifier, Person, Pin,
    RequestedAmount, Resolution, StatementIdentifier, StatusClass, StatusClassInfo, Transaction,
    TransactionProduct, TransactionQuery, TransactionRequest, TransactionStatus, Values,
};
pub use wait::{WaitError, WaitOptions};

partner_sdk_core::provider_reexports!();
