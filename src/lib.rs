//! # partner-sdk
//!
//! Typed async clients for four partner APIs, one cargo feature each:
//!
//! | feature | module | provider |
//! |---|---|---|
//! | `bbti` | [`bbti`] | Belong BBTI buy-back / trade-in |
//! | `brighte` | [`brighte`] | Brighte consumer green finance |
//! | `tradein-promo` | [`tradein_promo`] | carrier trade-in promotion |
//! | `dtone` | [`dtone`] | DT One: Goods & Services ([`dtone::Client`]) and DVS v1 ([`dtone::dvs::Client`]); `dtone-gs` or `dtone-dvs` compiles one of the two |
//! | `sandbox` (off by default) | [`sandbox`] | offline fake servers of all four |
//! | `brighte-webhook-handler` (off by default) | `brighte::webhook::WebhookHandler` | the Brighte webhook receiver as an axum router and a tower service (`brighte-webhook-service`: the tower service alone) |
//! | `dtone-dvs-callback-handler` (off by default) | `dtone::dvs::callback::CallbackHandler` | the DT One DVS callback receiver as an axum router and a tower service (`dtone-dvs-callback-service`: the tower service alone) |
//!
//! TLS: `rustls` (default; rustls on `ring`), `rustls-aws-lc` or `native-tls`. Shared machinery (errors, retry
//! policy, decoding helpers) is in [`core`] (the `partner-sdk-core` crate);
//! the intent journal is [`journal`] (the `partner-sdk-journal` crate), and
//! `journal-sqlite` and `journal-postgres` add its durable stores.
#![cfg_attr(docsrs, feature(doc_cfg))]
#![cfg_attr(all(doctest, feature = "sandbox"), doc = include_str!("../README.md"))]

pub use partner_sdk_core as core;
pub use partner_sdk_journal as journal;

#[cfg(feature = "bbti")]
#[cfg_attr(docsrs, doc(cfg(feature = "bbti")))]
pub use bbti;
#[cfg(feature = "brighte")]
#[cfg_attr(docsrs, doc(cfg(feature = "brighte")))]
pub use brighte;
#[cfg(any(feature = "dtone-gs", feature = "dtone-dvs"))]
#[cfg_attr(docsrs, doc(cfg(any(feature = "dtone-gs", feature = "dtone-dvs"))))]
pub use dtone;
#[cfg(feature = "sandbox")]
#[cfg_attr(docsrs, doc(cfg(feature = "sandbox")))]
pub use sandbox;
#[cfg(feature = "tradein-promo")]
#[cfg_attr(docsrs, doc(cfg(feature = "tradein-promo")))]
pub use tradein_promo;
