//! Every workspace-level trade-in promotion test, in one binary: those that
//! read the provider's samples in `fixtures/tradein-promo/` or go through
//! the facade. The crate's own tests, which need neither, are in
//! `crates/tradein-promo/tests/` (`cargo test -p partner-sdk-tradein-promo`).

// The crate's test helpers, shared through `support`, name the crate by its
// package name.
extern crate tradein_promo as partner_sdk_tradein_promo;

mod facade;
mod samples;
mod support;
