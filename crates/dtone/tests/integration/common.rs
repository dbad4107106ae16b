//! Helpers shared by the integration tests.
#![allow(dead_code, unreachable_pub)]

use std::time::Duration;

use partner_sdk_dtone::{Client, RetryPolicy};
use wiremock::{Match, MockServer, Request};

pub const KEY: &str = "test-api-key-7781";
pub const SECRET: &str = "test-api-secret-Zq93";

pub fn fast_retry() -> RetryPolicy {
    partner_sdk_test_kit::fast_retry(Duration::from_secs(2))
}

pub fn client(server: &MockServer) -> Client {
    Client::builder()
        .base_url(format!("{}/v1.1", server.uri()))
        .credentials(KEY, SECRET)
        .retry_policy(fast_retry())
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap()
}

/// Matches requests carrying a valid DT One signature for [`KEY`]/[`SECRET`].
pub struct Signed;

impl Match for Signed {
    fn matches(&self, request: &Request) -> bool {
        let h = |n: &str| request.headers.get(n).and_then(|v| v.to_str().ok());
        match (
            h("x-transferto-apikey"),
            h("x-transferto-nonce"),
            h("x-transferto-hmac"),
        ) {
            (Some(key), Some(nonce), Some(mac)) => {
                key == KEY
                    && nonce.parse::<u64>().is_ok()
                    && mac == partner_sdk_dtone::hmac_signature(KEY, SECRET, nonce)
            }
            _ => false,
        }
    }
}
