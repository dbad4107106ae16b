//! Typed async client of the carrier trade-in promotion API ("Fetch Trade-in
//! Promotion"): given a trade-in device (by IMEI, or by make, model, capacity
//! and trade-in model code) and its condition answers, it returns the
//! trade-in value, the recognised model and the promotions the device
//! qualifies for.
//!
//! - One endpoint: `POST {base}/v1/promotions/potential-promotions`
//!   ([`Client::get_promotion`]). The base URL is required because the
//!   provider documents several omni-svcs hosts.
//! - OAuth2 client credentials with a scope, sent as form fields to a
//!   separate token endpoint; tokens last 30 minutes and are cached and
//!   shared; a 401 fetches a new one once.
//! - Values arrive as text (`"81.0"`); accessors give [`Decimal`]s.
//! - An empty `potentialQualificationItem` is [`Eligibility::NotEligible`],
//!   not an error. Error answers keep their raw body and recognise the
//!   TMF-style `{code, reason, message, status}` shape ([`ApiErrorBody`]).
//!
//! # Quick start
//!
//! ```no_run
//! use partner_sdk_tradein_promo::{Client, ConditionName, Eligibility, FlowType, PromotionRequest};
//!
//! # async fn run() -> Result<(), partner_sdk_tradein_promo::Error> {
//! let promo = Client::builder()
//!     .base_url("https://omni-svcs.example/omni-svcs")
//!     .token_url("https://login.example/tenant/oauth2/v2.0/token")
//!     .credentials("client-id", "client-secret")
//!     .scope("api://partner/.default")
//!     .app_name("my-store")
//!     .build()?;
//!
//! let request = PromotionRequest::by_imei("12345789")
//!     .device_bill_code("689C")
//!     .flow_type(FlowType::Upgrade)
//!     .answer(ConditionName::AttGeneric, true)
//!     .answer(ConditionName::LcdFunctionality, true)
//!     .answer(ConditionName::PowerOn, true)
//!     .answer(ConditionName::Deactivated, true);
//!
//! let offer = promo.get_promotion(&request).await?;
//! match offer.eligibility() {
//!     Eligibility::Eligible(item) => {
//!         println!("{:?} worth {:?}", item.trade_in_model(), item.trade_in_value());
//!         for p in item.promotions() {
//!             println!("{:?}: {:?} off ({:?})", p.id(), p.discount(), p.promo_type());
//!         }
//!     }
//!     Eligibility::NotEligible => println!("no trade-in offer"),
//!     other => println!("{other:?}"),
//! }
//! # Ok(())
//! # }
//! ```
#![cfg_attr(doctest, doc = include_str!("../README.md"))]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub mod client;
pub mod error;
pub mod promotion;

pub use client::{Client, ClientBuilder, DEFAULT_TOKEN_LIFETIME, PROVIDER};
#[allow(deprecated)]
pub use error::TmfError;
pub use error::{ApiErrorBody, Error, ErrorCode, ItemStream, Result, TradeinPromoErrorBody};
pub use promotion::{
    AnswerValue, Characteristic, ConditionAnswer, ConditionName, DeviceIdentification, Eligibility,
    FlowType, PotentialPromotion, PromoType, Promotion, PromotionRequest, PromotionResponse,
    QualificationItem, QualificationType,
};

partner_sdk_core::provider_reexports!();
