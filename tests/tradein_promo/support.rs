//! Helpers of the workspace-level trade-in promotion tests: the crate's own
//! test helpers (credentials, scenario requests, a client and a token
//! endpoint on wiremock), written once in
//! `crates/tradein-promo/tests/integration/common.rs`, and the scenario
//! samples in `fixtures/tradein-promo/`.
#![allow(dead_code, unreachable_pub)]

#[path = "../../crates/tradein-promo/tests/integration/common.rs"]
mod crate_helpers;

pub use crate_helpers::*;

pub const S1_REQUEST: &str = include_str!("../../fixtures/tradein-promo/scenario1-request.json");
pub const S1_RESPONSE: &str = include_str!("../../fixtures/tradein-promo/scenario1-response.json");
pub const S2_REQUEST: &str = include_str!("../../fixtures/tradein-promo/scenario2-request.json");
pub const S2_RESPONSE: &str = include_str!("../../fixtures/tradein-promo/scenario2-response.json");
