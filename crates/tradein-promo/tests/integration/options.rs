//! Per-call options and call metadata through the public trade-in promotion
//! client: the shared options suite.
//!
//! The promotion look-up is this API's only call; it creates nothing and is
//! retried like a GET, so a retry override applies to it in both directions.
//! The rule that a create stays single-shot is shown by the other three
//! providers' suites.

partner_sdk_test_kit::options_suite!(crate::subject::Promo);
