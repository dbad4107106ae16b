//! Every integration test of `partner-sdk-brighte` but the log capture
//! (`tests/secrets.rs`), in one binary (one link of reqwest, tokio and
//! wiremock instead of one per file): `cargo test -p partner-sdk-brighte`
//! runs them. They read nothing outside this package; the provider's
//! verbatim samples are asserted by the workspace's `tests/brighte/`.

mod checkout;
mod common;
mod endpoints;
mod faults;
mod hostile;
mod journal;
mod money_safety;
mod options;
mod pages;
mod privacy;
mod properties;
mod send;
mod session;
mod subject;
mod vendor_prefix;
mod webhook;
#[cfg(feature = "webhook-handler")]
mod webhook_handler;
