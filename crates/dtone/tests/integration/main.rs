//! Every integration test of `partner-sdk-dtone` but the log capture
//! (`tests/secrets.rs`), in one binary (one link of reqwest, tokio and
//! wiremock instead of one per file): `cargo test -p partner-sdk-dtone` runs
//! them. They read nothing outside this package; the provider's verbatim
//! samples are asserted by the workspace's `tests/dtone/`.

mod bills;
mod common;
mod dvs;
#[cfg(feature = "dvs-callback-handler")]
mod dvs_callback;
mod dvs_money;
mod dvs_wait;
mod endpoints;
mod exactly_once;
mod faults;
mod hostile;
mod journal;
mod money_safety;
mod options;
mod send;
mod subject;
