//! Helpers of the workspace-level BBTI tests: the crate's own test helpers
//! (an auth server and an API server on loopback, credentials, requests),
//! written once in `crates/bbti/tests/integration/common.rs`, and the
//! provider samples in `fixtures/bbti/`.
#![allow(dead_code, unreachable_pub)]

#[path = "../../crates/bbti/tests/integration/common.rs"]
mod crate_helpers;

pub use crate_helpers::*;

pub fn fixture(name: &str) -> String {
    let path = format!("{}/fixtures/bbti/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

pub fn fixture_json(name: &str) -> serde_json::Value {
    serde_json::from_str(&fixture(name)).unwrap()
}
