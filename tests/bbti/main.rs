//! Every workspace-level BBTI test but the log capture (`tests/bbti_secrets.rs`),
//! in one binary: those that read the provider's samples in `fixtures/bbti/`
//! or go through the facade. The crate's own tests, which need neither, are
//! in `crates/bbti/tests/` (`cargo test -p partner-sdk-bbti`).

// The crate's test helpers, shared through `support`, name the crate by its
// package name.
extern crate bbti as partner_sdk_bbti;

mod belong_samples;
mod endpoints;
mod errors;
mod facade;
mod price_list;
mod price_list_older_layout;
mod samples;
mod support;
