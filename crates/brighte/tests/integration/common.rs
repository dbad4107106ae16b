//! Shared helpers of the integration tests.
#![allow(dead_code, unreachable_pub)]

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use partner_sdk_brighte::Client;
use partner_sdk_core::{Decimal, RetryPolicy};
use wiremock::matchers::{body_json, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

pub const SESSION_KEY: &str = "19469f463f1024d4f44c2441bd7d9f13a913b9d6";
pub const SESSION_TOKEN: &str = "109e67ea15892d29ae5ecc241c3f2c399e293004";
pub const API_ID: &str = "xxx";
pub const API_SECRET: &str = "xxx";

/// The independent webhook vector: the private key, a timestamp, a token
/// and the signature of `timestamp ‖ token` under that key.
pub const KEY: &str = "brighte-private-key";
pub const TS: &str = "946684800";
pub const TOKEN: &str = "b08c02e08efec9e34611c5141e5f698bff949f95999e687ecc";
pub const SIG: &str = "fec7582127d3640b45e4f0cd1180d2f1b368fa1048e5033e570ff3d55d530e57";

/// A decimal from its text.
pub fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

/// The instant `secs` seconds after the Unix epoch.
pub fn at(secs: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(secs)
}

/// A `POST session` answer shaped like Brighte's sample (the verbatim
/// samples in the workspace's `fixtures/brighte/` are asserted by the
/// workspace-level tests, `tests/brighte_*.rs`).
pub fn session_body() -> String {
    serde_json::json!({
        "status": 2000,
        "sessionKey": SESSION_KEY,
        "sessionToken": SESSION_TOKEN,
    })
    .to_string()
}

pub fn fast_retry() -> RetryPolicy {
    partner_sdk_test_kit::fast_retry(Duration::from_millis(50))
}

pub fn client_for(server: &MockServer) -> Client {
    builder_for(server).build().unwrap()
}

/// [`client_for`]'s builder, for a test that sets one thing more.
pub fn builder_for(server: &MockServer) -> partner_sdk_brighte::ClientBuilder {
    Client::builder()
        .base_url(server.uri())
        .vendor_path_prefix("/rest/vendor/v1")
        .credentials(API_ID, API_SECRET)
        .retry_policy(fast_retry())
        .timeout(Duration::from_secs(5))
}

/// Mounts the session endpoint answering [`session_body`].
pub async fn mount_session(server: &MockServer, expected_logins: u64) {
    Mock::given(method("POST"))
        .and(path("/rest/vendor/v1/session"))
        .and(body_json(
            serde_json::json!({"apiId": API_ID, "apiSecret": API_SECRET}),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_raw(session_body(), "application/json"))
        .expect(expected_logins)
        .named("create session")
        .mount(server)
        .await;
}
