//! Shared helpers of the wiremock tests.
#![allow(dead_code, unreachable_pub)]

use std::time::Duration;

use partner_sdk_tradein_promo::{Client, ConditionName, FlowType, PromotionRequest, RetryPolicy};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

pub const CLIENT_ID: &str = "promo-client-id";
pub const CLIENT_SECRET: &str = "promo-client-secret-value";
pub const SCOPE: &str = "api://promo-partner/.default";
pub const TOKEN: &str = "promo-access-token-value";
pub const TOKEN_PATH: &str = "/tenant/oauth2/v2.0/token";
pub const API_PATH: &str = "/omni-svcs/v1/promotions/potential-promotions";

/// An eligible answer shaped like the provider's scenario samples (the
/// verbatim samples in the workspace's `fixtures/tradein-promo/` are
/// asserted by the workspace-level `tests/tradein_promo/samples.rs`).
pub const OFFER: &str = r#"{
  "qualificationType": "Trade-In",
  "potentialQualificationItem": [{
    "characteristic": [
      {"name": "tradeInValue", "value": "81.0"},
      {"name": "tradeInModel", "value": "iPhone 14 Pro"}
    ],
    "potentialPromotion": [{
      "id": "wrlspr-29966",
      "promotion": {
        "id": "wrlspr-29966",
        "name": "Up to $350 off with an eligible trade-in",
        "promotionCharacteristics": [
          {"name": "discount", "value": "350.0"},
          {"name": "promotype", "value": "tradeIn"}
        ]
      }
    }]
  }]
}"#;

pub fn scenario1() -> PromotionRequest {
    PromotionRequest::by_imei("12345789")
        .device_bill_code("689C")
        .flow_type(FlowType::Upgrade)
        .answer(ConditionName::AttGeneric, true)
        .answer(ConditionName::LcdFunctionality, true)
        .answer(ConditionName::PowerOn, true)
        .answer(ConditionName::Deactivated, true)
}

pub fn scenario2() -> PromotionRequest {
    PromotionRequest::by_device("Apple", "Iphone 12 Pro", "128GB", "2234245")
        .device_bill_code("689C")
        .flow_type(FlowType::Upgrade)
        .answer(ConditionName::AttGeneric, true)
        .answer(ConditionName::LcdFunctionality, true)
        .answer(ConditionName::PowerOn, true)
        .answer(ConditionName::Deactivated, true)
}

pub fn builder(server: &MockServer) -> partner_sdk_tradein_promo::ClientBuilder {
    Client::builder()
        .base_url(format!("{}/omni-svcs", server.uri()))
        .token_url(format!("{}{TOKEN_PATH}", server.uri()))
        .credentials(CLIENT_ID, CLIENT_SECRET)
        .scope(SCOPE)
        .retry_policy(RetryPolicy::default().with_base_delay(Duration::from_millis(5)))
}

pub fn client(server: &MockServer) -> Client {
    builder(server).build().unwrap()
}

pub fn token_response() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "token_type": "Bearer",
        "expires_in": 1799,
        "ext_expires_in": 1799,
        "access_token": TOKEN,
    }))
}

/// Mounts a token endpoint expected to be called `n` times.
pub async fn mount_token(server: &MockServer, n: u64) {
    Mock::given(method("POST"))
        .and(path(TOKEN_PATH))
        .respond_with(token_response())
        .expect(n)
        .named("token")
        .mount(server)
        .await;
}

pub use partner_sdk_test_kit::json_answer as json_body;

pub async fn api_requests(server: &MockServer) -> usize {
    partner_sdk_test_kit::count_at(server, API_PATH).await
}
