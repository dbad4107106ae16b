//! Every workspace-level DT One test, in one binary: those that read the
//! provider's samples in `fixtures/dtone/` or go through the facade. The
//! crate's own tests, which need neither, are in `crates/dtone/tests/`
//! (`cargo test -p partner-sdk-dtone`).

// The crate's test helpers, shared through `support`, name the crate by its
// package name.
extern crate dtone as partner_sdk_dtone;

mod bill_payments;
mod dvs_callback;
mod dvs_journal;
mod dvs_openapi;
mod endpoints;
mod facade;
mod journal;
mod properties;
mod support;
