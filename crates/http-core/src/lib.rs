//! Provider-agnostic HTTP machinery for the partner-sdk clients.
//!
//! This crate knows no provider. It gives every provider crate the same
//! pipeline: a [`Transport`] that builds URLs safely, authenticates
//! ([`auth`]), retries only what is safe to retry ([`RetryPolicy`]), maps
//! error answers into one [`Error`] type, decodes leniently ([`decode`]),
//! paginates lazily ([`mod@paginate`]) and never prints a secret ([`secret`]).
//! One call can run with its own timeout, retry policy and headers
//! ([`CallOptions`]) and report its request id and headers ([`metadata`]).
//!
//! Defaults a client can rely on: connect timeout 10 s, per-attempt timeout
//! 30 s, 3 attempts with full-jitter backoff (0.5 s base, 20 s cap), tokens
//! refreshed `max(30 s, 10 % of lifetime)` before expiry and cached at most
//! 24 h, token calls and logins bounded at 10 s (waiting included), answers
//! read up to 32 MiB, listings capped at 10 000 pages, redirects never
//! followed, user agent `partner-sdk/<version>`.
#![cfg_attr(docsrs, feature(doc_cfg))]
#![cfg_attr(doctest, doc = include_str!("../README.md"))]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub mod auth;
pub mod decode;
pub mod defaults;
pub mod error;
pub mod error_body;
pub mod exchange;
pub mod hooks;
pub mod metadata;
pub mod options;
#[cfg(feature = "otel")]
#[cfg_attr(docsrs, doc(cfg(feature = "otel")))]
pub mod otel;
pub mod paginate;
pub mod provider;
#[cfg(feature = "receiver")]
#[cfg_attr(docsrs, doc(cfg(feature = "receiver")))]
pub mod receiver;
pub mod retry;
pub mod secret;
pub mod settings;
#[cfg(feature = "signatures")]
#[cfg_attr(docsrs, doc(cfg(feature = "signatures")))]
pub mod signature;
pub mod transport;

pub use auth::{Auth, BasicAuth, NoAuth};
#[cfg(feature = "oauth2")]
#[cfg_attr(docsrs, doc(cfg(feature = "oauth2")))]
pub use auth::{ClientCredentials, CredentialPlacement};
#[cfg(feature = "signatures")]
#[cfg_attr(docsrs, doc(cfg(feature = "signatures")))]
pub use auth::{HmacHeaders, HmacNonceAuth};
#[cfg(feature = "session")]
#[cfg_attr(docsrs, doc(cfg(feature = "session")))]
pub use auth::{Session, SessionAuth};
pub use error::{
    AnswerUnreadableError, ApiError, AuthError, ConfigError, DecodeError, Error, InvalidInputError,
    JournalledError, OutcomeUnknownError, PaginationError, PaginationStop, RedirectError,
    ResponseTooLargeError, Result, SignatureError, TimeoutError, TransportError,
};
pub use error_body::{ErrorBody, ErrorFields, GenericErrorBody};
pub use hooks::{CallEnd, CallInfo, Hooks};
pub use metadata::{CallMetadata, ResponseInfo, capture};
pub use options::CallOptions;
pub use paginate::{ItemStream, Page, paginate, paginate_with};
pub use partner_sdk_journal::ReconcileKey;
pub use provider::{Credentials, WithOptions};
pub use retry::RetryPolicy;
pub use secret::{ExposeSecret, SecretString};
pub use settings::HttpSettings;
pub use transport::{Request, Response, Transport, TransportBuilder};

/// The reqwest version this SDK is built on, for injecting a configured
/// `reqwest::Client` into a builder.
pub use reqwest;
/// Decimal type used for money everywhere in the SDK.
pub use rust_decimal::Decimal;
/// URL type used by builders.
pub use url::Url;
