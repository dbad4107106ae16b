//! Helpers of the workspace-level DT One tests: the crate's own test
//! helpers (credentials, a client on wiremock, signed-request matching),
//! written once in `crates/dtone/tests/integration/common.rs`, and the
//! samples in `fixtures/dtone/`.
#![allow(dead_code, unreachable_pub)]

#[path = "../../crates/dtone/tests/integration/common.rs"]
mod crate_helpers;

pub use crate_helpers::*;

use std::sync::atomic::{AtomicUsize, Ordering};

use partner_sdk_core::{CallInfo, Hooks};

/// Counts the look-ups a client's recovery sends (under the recovery
/// method's name, `recover_older_than`; it never sends a create).
#[derive(Default)]
pub struct LookUps(AtomicUsize);

impl LookUps {
    /// The look-ups counted so far.
    pub fn count(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

impl Hooks for LookUps {
    fn before_send(&self, call: &CallInfo<'_>) {
        if call.operation == "recover_older_than" {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }
}

pub fn fixture(name: &str) -> String {
    let path = format!("{}/fixtures/dtone/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}
