//! Every integration test of `partner-sdk-core` but the redaction check
//! (`tests/redaction.rs`), in one binary (one link of reqwest, tokio and
//! wiremock instead of one per file): `cargo test -p partner-sdk-core` runs
//! them.

mod hostile;
mod options;
#[cfg(feature = "otel")]
mod otel;
mod success_probe;
mod transport;
