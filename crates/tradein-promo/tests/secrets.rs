//! Secrets (client secret, access token) never reach logs, `Debug`,
//! `Display` or errors.
//!
//! In its own test binary, apart from `tests/integration/`: the log capture
//! is a thread-local subscriber, and tests running beside it on other
//! threads would race it over `tracing`'s callsite registration (a callsite
//! first hit while the capture starts can stay disabled for it).

#[path = "integration/common.rs"]
mod common;

use std::time::Duration;

use common::*;
use partner_sdk_tradein_promo::{
    ApiErrorBody, Client, ConditionAnswer, ConditionName, Eligibility, PromotionRequest,
    PromotionResponse,
};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const SECRET: &str = "S3cr3t-Promo-Client-Secret-Value";
const ACCESS_TOKEN: &str = "eyJ0eXAiOiJKV1QiSecretPromoAccessToken";

fn secret_client(server: &MockServer, timeout: Duration) -> Client {
    Client::builder()
        .base_url(format!("{}/omni-svcs", server.uri()))
        .token_url(format!("{}{TOKEN_PATH}", server.uri()))
        .credentials(CLIENT_ID, SECRET)
        .scope(SCOPE)
        .app_name("secrets-test")
        .timeout(timeout)
        .retry_policy(
            partner_sdk_tradein_promo::RetryPolicy::default()
                .with_base_delay(Duration::from_millis(1)),
        )
        .build()
        .unwrap()
}

#[tokio::test]
async fn secrets_appear_nowhere() {
    let capture = partner_sdk_test_kit::LogCapture::start();

    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(TOKEN_PATH))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "token_type": "Bearer", "expires_in": 1799, "access_token": ACCESS_TOKEN
        })))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(API_PATH))
        .respond_with(json_body(OFFER))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    let mut seen: Vec<String> = Vec::new();

    let builder = Client::builder()
        .base_url(format!("{}/omni-svcs", server.uri()))
        .token_url(format!("{}{TOKEN_PATH}", server.uri()))
        .credentials(CLIENT_ID, SECRET)
        .scope(SCOPE);
    seen.push(format!("{builder:?}"));
    let client = secret_client(&server, Duration::from_secs(5));
    seen.push(format!("{client:?}"));

    // A successful call (token fetched and cached).
    let request = scenario1();
    let offer = client.get_promotion(&request).await.unwrap();
    seen.push(format!("{client:?}"));
    seen.push(format!("{request:?}"));
    seen.push(format!("{offer:?}"));
    seen.push(format!("{:?}", offer.eligibility()));
    seen.push(format!("{:?}", offer.item()));
    for p in offer.promotions() {
        seen.push(format!("{p:?} {:?} {:?}", p.discount(), p.promo_type()));
    }
    seen.push(format!("{:?}", request.identification()));
    seen.push(format!(
        "{:?}",
        ConditionAnswer::new(ConditionName::PowerOn, true)
    ));
    seen.push(format!("{:?}", PromotionResponse::default()));
    seen.push(format!("{:?}", Eligibility::NotEligible));
    seen.push(format!(
        "{:?}",
        ApiErrorBody::new("ERR400", "Bad", "bad", 400)
    ));

    let mut errors = Vec::new();
    // Invalid input.
    errors.push(
        client
            .get_promotion(&PromotionRequest::by_imei(""))
            .await
            .unwrap_err(),
    );
    // TMF error answer, then 401 twice (Auth error after one re-login).
    server.reset().await;
    Mock::given(method("POST"))
        .and(path(TOKEN_PATH))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "token_type": "Bearer", "expires_in": 1799, "access_token": ACCESS_TOKEN
        })))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(API_PATH))
        .respond_with(ResponseTemplate::new(422).set_body_json(json!({
            "code": "ERR422", "reason": "Unprocessable", "message": "bad device", "status": "422"
        })))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(API_PATH))
        .respond_with(ResponseTemplate::new(401))
        .mount(&server)
        .await;
    errors.push(client.get_promotion(&request).await.unwrap_err());
    errors.push(client.get_promotion(&request).await.unwrap_err());
    // Token endpoint refusal.
    server.reset().await;
    Mock::given(method("POST"))
        .and(path(TOKEN_PATH))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({"error": "invalid_client"})))
        .mount(&server)
        .await;
    errors.push(client.get_promotion(&request).await.unwrap_err());
    // Decode error and timeout on a fresh client.
    server.reset().await;
    Mock::given(method("POST"))
        .and(path(TOKEN_PATH))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "token_type": "Bearer", "expires_in": 1799, "access_token": ACCESS_TOKEN
        })))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(API_PATH))
        .respond_with(json_body("{\"potentialQualificationItem\": ["))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(API_PATH))
        .respond_with(json_body(OFFER).set_delay(Duration::from_millis(500)))
        .mount(&server)
        .await;
    let fast = secret_client(&server, Duration::from_millis(50));
    errors.push(fast.get_promotion(&request).await.unwrap_err());
    errors.push(fast.get_promotion(&request).await.unwrap_err());
    seen.push(format!("{fast:?}"));

    assert!(errors.len() >= 6);
    for e in &errors {
        seen.push(format!("{e:?}"));
        seen.push(e.to_string());
        seen.push(format!("{:?} {:?} {:?}", e.api(), e.api_body(), e.code()));
        let mut source = std::error::Error::source(e);
        while let Some(s) = source {
            seen.push(format!("{s} {s:?}"));
            source = s.source();
        }
    }

    let logs = capture.text();
    drop(capture);
    assert!(logs.contains("get_promotion"), "tracing captured the calls");
    seen.push(logs);
    for text in &seen {
        assert!(!text.contains(SECRET), "client secret leaked: {text}");
        assert!(!text.contains(ACCESS_TOKEN), "access token leaked: {text}");
    }
}
