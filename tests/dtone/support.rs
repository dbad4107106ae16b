//! Helpers of the workspace-level DT One tests: the crate's own test
//! helpers (credentials, a client on wiremock, signed-request matching),
//! written once in `crates/dtone/tests/integration/common.rs`, and the
//! samples in `fixtures/dtone/`.
#![allow(dead_code, unreachable_pub)]

#[path = "../../crates/dtone/tests/integration/common.rs"]
mod crate_helpers;

pub use crate_helpers::*;

pub fn fixture(name: &str) -> String {
    let path = format!("{}/fixtures/dtone/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}
