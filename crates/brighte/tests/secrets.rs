//! Secrets (API secret, session key and token, private key, generated API
//! secrets) never appear in logs, `Debug` output or errors.
//!
//! In its own test binary, apart from `tests/integration/`: the log capture
//! is a thread-local subscriber, and tests running beside it on other
//! threads would race it over `tracing`'s callsite registration (a callsite
//! first hit while the capture starts can stay disabled for it).

#[path = "integration/common.rs"]
mod common;

use std::sync::Arc;
use std::time::Duration;

use common::session_body;
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const API_SECRET: &str = "api-secret-Zq81";
const SESSION_KEY: &str = "19469f463f1024d4f44c2441bd7d9f13a913b9d6";
const SESSION_TOKEN: &str = "109e67ea15892d29ae5ecc241c3f2c399e293004";
const PRIVATE_KEY: &str = "private-key-Jw52";
const NEW_SECRET: &str = "generated-secret-Xy77";

/// A login answered 200 with status 2001 and the token quoted in its
/// message: the error, and the SDK's own events about it, keep neither.
async fn refused_login_quoting_its_token() -> partner_sdk_brighte::Error {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/rest/vendor/v1/session"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "status": 2001,
            "message": format!("token {SESSION_TOKEN} not active"),
            "sessionKey": SESSION_KEY, "sessionToken": SESSION_TOKEN
        })))
        .mount(&server)
        .await;
    let client = partner_sdk_brighte::Client::builder()
        .base_url(server.uri())
        .vendor_path_prefix("/rest/vendor/v1")
        .credentials("api-id", API_SECRET)
        .build()
        .unwrap();
    client.list_accounts().await.unwrap_err()
}

#[tokio::test]
async fn secrets_appear_in_no_log_debug_or_error() {
    let capture = partner_sdk_test_kit::LogCapture::start();

    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/rest/vendor/v1/session"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(session_body(), "application/json"))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/rest/vendor/v1/user/U1/generate-api-credentials"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"status": 2000, "userKey": {"apiId": "id-1", "apiSecret": NEW_SECRET}}),
        ))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/rest/vendor/v1/account"))
        .respond_with(
            ResponseTemplate::new(401)
                .set_body_json(json!({"status": 4010, "message": "Unauthorized."})),
        )
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/rest/vendor/v1/user/U2/generate-api-credentials"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            format!(
                "{{\"status\":2000,\"userKey\":{{\"apiSecret\":\"{NEW_SECRET}\",\"apiId\":[]}}}}"
            ),
            "application/json",
        ))
        .mount(&server)
        .await;
    // Failed credential generations whose answers still carry the secret.
    Mock::given(method("POST"))
        .and(path("/rest/vendor/v1/user/U3/generate-api-credentials"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "status": 4402, "message": "Invalid data provided.",
            "userKey": {"apiId": "id-3", "apiSecret": NEW_SECRET}
        })))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/rest/vendor/v1/user/U4/generate-api-credentials"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "status": 4402, "message": format!("secret {NEW_SECRET} refused"),
            "userKey": {"apiSecret": NEW_SECRET}
        })))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/rest/vendor/v1/applications/1"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw("{\"status\":2000,\"application\":", "application/json"),
        )
        .mount(&server)
        .await;

    let builder = partner_sdk_brighte::Client::builder()
        .base_url(server.uri())
        .credentials("api-id", API_SECRET)
        .timeout(Duration::from_secs(5));
    let mut printed = vec![format!("{builder:?}")];
    let client = builder.build().unwrap();
    printed.push(format!("{client:?}"));

    let key = client
        .generate_user_api_credentials("U1", "E1")
        .await
        .unwrap();
    printed.push(format!("{key:?}"));
    let errors = vec![
        client.list_accounts().await.unwrap_err(),
        client.get_application("1").await.unwrap_err(),
        client.get_application("").await.unwrap_err(),
        client
            .generate_user_api_credentials("U2", "E1")
            .await
            .unwrap_err(),
        client
            .generate_user_api_credentials("U3", "E1")
            .await
            .unwrap_err(),
        client
            .generate_user_api_credentials("U4", "E1")
            .await
            .unwrap_err(),
        refused_login_quoting_its_token().await,
        partner_sdk_brighte::checkout::verify_redirect(
            &partner_sdk_brighte::Verifier::new(PRIVATE_KEY),
            "error_code=10000&transaction_id=1&timestamp=1&token=t&signature=00",
        )
        .unwrap_err(),
        partner_sdk_brighte::webhook::verify(
            &partner_sdk_brighte::Verifier::new(PRIVATE_KEY).tolerance(Duration::from_secs(1)),
            b"id=1&status=PAID&timestamp=1&token=t&signature=00",
        )
        .unwrap_err(),
        partner_sdk_brighte::webhook::confirm(
            &client,
            &partner_sdk_brighte::Verifier::new(PRIVATE_KEY),
            b"id=1&status=PAID&timestamp=1&token=t&signature=00",
        )
        .await
        .unwrap_err(),
    ];
    for e in &errors {
        printed.push(format!("{e:?}"));
        printed.push(e.to_string());
    }
    assert!(client.logout().await.is_err(), "no DELETE session mock");
    let verifier = partner_sdk_brighte::Verifier::new(PRIVATE_KEY).replay_store(
        Duration::from_secs(300),
        Arc::new(partner_sdk_brighte::InMemoryReplayStore::default()),
    );
    printed.push(format!("{verifier:?}"));
    let upload = partner_sdk_brighte::DocumentUpload::new(
        partner_sdk_brighte::ApplicationDocumentType::Cca,
        "a.pdf",
        PRIVATE_KEY.as_bytes().to_vec(),
    );
    printed.push(format!("{upload:?}"));
    printed.push(format!(
        "{:?}",
        partner_sdk_brighte::webhook::WebhookPayload::signed(
            PRIVATE_KEY,
            "1",
            None,
            &partner_sdk_brighte::ApplicationStatus::Paid,
            1,
            "t"
        )
    ));

    let logs = capture.text();
    assert!(
        logs.contains("partner_sdk.call"),
        "tracing was captured: {logs}"
    );
    printed.push(logs);
    for text in &printed {
        for secret in [
            API_SECRET,
            SESSION_KEY,
            SESSION_TOKEN,
            PRIVATE_KEY,
            NEW_SECRET,
        ] {
            assert!(!text.contains(secret), "{secret} leaked in: {text}");
        }
    }
}
