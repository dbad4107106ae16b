//! Every integration test of `partner-sdk-tradein-promo` but the log capture
//! (`tests/secrets.rs`), in one binary (one link of reqwest, tokio and
//! wiremock instead of one per file): `cargo test -p
//! partner-sdk-tradein-promo` runs them. They read nothing outside this
//! package; the provider's verbatim samples are asserted by the workspace's
//! `tests/tradein_promo/`.

mod common;
mod endpoints;
mod faults;
mod hostile;
mod options;
mod properties;
mod send;
mod subject;
