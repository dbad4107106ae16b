//! Every workspace-level Brighte test, in one binary: those that read the
//! provider's samples in `fixtures/brighte/`, run the example webhook
//! receiver or go through the facade. The crate's own tests, which need none
//! of these, are in `crates/brighte/tests/` (`cargo test -p
//! partner-sdk-brighte`).

// The crate's test helpers, shared through `support`, name the crate by its
// package name.
extern crate brighte as partner_sdk_brighte;

mod browser;
mod endpoints;
mod facade;
mod samples;
mod support;
mod webhooks;
