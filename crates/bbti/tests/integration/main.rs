//! Every integration test of `partner-sdk-bbti`, in one binary (one link of
//! reqwest, tokio and wiremock instead of one per file): `cargo test -p
//! partner-sdk-bbti` runs them. They read nothing outside this package; the
//! provider's verbatim samples are asserted by the workspace's `tests/bbti/`.

mod auth;
mod common;
mod endpoints;
mod faults;
mod hostile;
mod journal;
mod money_safety;
mod options;
mod properties;
mod send;
mod subject;
