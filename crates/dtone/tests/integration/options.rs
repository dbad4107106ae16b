//! Per-call options and call metadata through the public DT One client.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use partner_sdk_core::{CallInfo, CallOptions, Hooks, ResponseInfo, capture};
use partner_sdk_dtone::{Category, Client, RetryPolicy, TransactionRequest};
use partner_sdk_test_kit::received_at as received;
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const PING: &str = "/v1.1/ping";
const RECHARGES: &str = "/v1.1/transactions/fixed_value_recharges";

fn builder(server: &MockServer) -> partner_sdk_dtone::ClientBuilder {
    Client::builder()
        .base_url(format!("{}/v1.1", server.uri()))
        .credentials("api-key", "api-secret")
        .timeout(Duration::from_secs(5))
        .retry_policy(
            RetryPolicy::default()
                .with_max_attempts(3)
                .with_base_delay(Duration::from_millis(5))
                .with_max_delay(Duration::from_millis(50)),
        )
}

fn up() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({"status": "up"}))
}

#[tokio::test]
async fn extra_headers_go_on_the_overridden_call_only() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(PING))
        .respond_with(up())
        .mount(&server)
        .await;
    let client = builder(&server).build().unwrap();
    client
        .with_options(
            CallOptions::new()
                .with_header("x-correlation-id", "topup-1")
                .unwrap(),
        )
        .ping()
        .await
        .unwrap();
    client.ping().await.unwrap();
    let got = received(&server, PING).await;
    assert_eq!(got[0].headers["x-correlation-id"], "topup-1");
    assert_eq!(got[0].headers["x-transferto-apikey"], "api-key");
    assert!(!got[1].headers.contains_key("x-correlation-id"));
}

#[tokio::test]
async fn retry_override_changes_only_its_call() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(PING))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    let client = builder(&server).build().unwrap();
    client
        .with_options(CallOptions::new().with_retry_policy(RetryPolicy::none()))
        .ping()
        .await
        .unwrap_err();
    assert_eq!(received(&server, PING).await.len(), 1);
    client.ping().await.unwrap_err();
    assert_eq!(received(&server, PING).await.len(), 1 + 3);
}

#[tokio::test]
async fn timeout_override_changes_only_its_call() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(PING))
        .respond_with(up().set_delay(Duration::from_millis(300)))
        .mount(&server)
        .await;
    let client = builder(&server).build().unwrap();
    let err = client
        .with_options(
            CallOptions::new()
                .with_timeout(Duration::from_millis(50))
                .with_retry_policy(RetryPolicy::none()),
        )
        .ping()
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            partner_sdk_dtone::Error::Http(partner_sdk_core::Error::Timeout(_))
        ),
        "{err:?}"
    );
    assert!(client.ping().await.unwrap().is_up());
    assert_eq!(received(&server, PING).await.len(), 2);
}

#[tokio::test]
async fn create_transaction_stays_single_shot_under_a_retrying_override() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(RECHARGES))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    let eager = builder(&server).build().unwrap().with_options(
        CallOptions::new().with_retry_policy(
            RetryPolicy::default()
                .with_max_attempts(5)
                .with_base_delay(Duration::from_millis(1)),
        ),
    );
    eager
        .create_transaction(
            Category::FixedValueRecharges,
            &TransactionRequest::new("+50212345678", 64, "order-7"),
        )
        .await
        .unwrap_err();
    assert_eq!(received(&server, RECHARGES).await.len(), 1);
}

#[tokio::test]
async fn the_signature_headers_cannot_be_replaced() {
    let server = MockServer::start().await;
    let client = builder(&server).build().unwrap();
    for name in [
        "X-TransferTo-Apikey",
        "X-TransferTo-Nonce",
        "X-TransferTo-Hmac",
    ] {
        let err = client
            .with_options(CallOptions::new().with_header(name, "forged").unwrap())
            .ping()
            .await
            .unwrap_err();
        assert!(
            matches!(
                err,
                partner_sdk_dtone::Error::Http(partner_sdk_core::Error::InvalidInput(_))
            ),
            "{name}: {err:?}"
        );
    }
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn request_id_of_a_200_is_readable_through_capture() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(PING))
        .respond_with(up().insert_header("x-request-id", "dtone-req-1"))
        .mount(&server)
        .await;
    let client = builder(&server).build().unwrap();
    let (ping, calls) = capture(client.ping()).await;
    assert!(ping.unwrap().is_up());
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].provider, "dtone");
    assert_eq!(calls[0].operation, "ping");
    assert_eq!(calls[0].status.as_u16(), 200);
    assert_eq!(calls[0].request_id.as_deref(), Some("dtone-req-1"));
}

#[derive(Default)]
struct RequestIds(Mutex<Vec<Option<String>>>);

impl Hooks for RequestIds {
    fn on_response(&self, _: &CallInfo<'_>, response: &ResponseInfo<'_>) {
        self.0
            .lock()
            .unwrap()
            .push(response.request_id().map(str::to_owned));
    }
}

#[tokio::test]
async fn hooks_see_the_response_headers() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(PING))
        .respond_with(up().insert_header("x-correlation-id", "dtone-req-2"))
        .mount(&server)
        .await;
    let hooks = Arc::new(RequestIds::default());
    let client = builder(&server).hooks(hooks.clone()).build().unwrap();
    client.ping().await.unwrap();
    assert_eq!(*hooks.0.lock().unwrap(), [Some("dtone-req-2".to_owned())]);
}
