//! Per-call options and call metadata through the public trade-in promotion
//! client.
//!
//! The promotion look-up is this API's only call; it creates nothing and is
//! retried like a GET, so a retry override applies to it in both directions.
//! The rule that a create stays single-shot is shown by the other three
//! providers' tests.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use partner_sdk_core::{CallInfo, CallOptions, Hooks, ResponseInfo, capture};
use partner_sdk_tradein_promo::{Client, PromotionRequest, RetryPolicy};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const TOKEN_PATH: &str = "/tenant/oauth2/v2.0/token";
const API_PATH: &str = "/omni-svcs/v1/promotions/potential-promotions";

async fn server() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(TOKEN_PATH))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "token_type": "Bearer", "expires_in": 1799, "access_token": "promo-token"
        })))
        .mount(&server)
        .await;
    server
}

fn builder(server: &MockServer) -> partner_sdk_tradein_promo::ClientBuilder {
    Client::builder()
        .base_url(format!("{}/omni-svcs", server.uri()))
        .token_url(format!("{}{TOKEN_PATH}", server.uri()))
        .credentials("client-id", "client-secret")
        .scope("api://promo/.default")
        .app_name("shop")
        .timeout(Duration::from_secs(5))
        .retry_policy(
            RetryPolicy::default()
                .with_max_attempts(3)
                .with_base_delay(Duration::from_millis(5))
                .with_max_delay(Duration::from_millis(50)),
        )
}

fn request() -> PromotionRequest {
    PromotionRequest::by_imei("356938035643809").device_bill_code("689C")
}

/// An empty 200: nothing qualifies.
fn not_eligible() -> ResponseTemplate {
    ResponseTemplate::new(200)
}

async fn received(server: &MockServer) -> Vec<wiremock::Request> {
    partner_sdk_test_kit::received_at(server, API_PATH).await
}

#[tokio::test]
async fn extra_headers_go_on_the_overridden_call_only() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path(API_PATH))
        .respond_with(not_eligible())
        .mount(&server)
        .await;
    let client = builder(&server).build().unwrap();
    client
        .with_options(
            CallOptions::new()
                .with_header("x-correlation-id", "basket-42")
                .unwrap(),
        )
        .get_promotion(&request())
        .await
        .unwrap();
    client.get_promotion(&request()).await.unwrap();
    let got = received(&server).await;
    assert_eq!(got[0].headers["x-correlation-id"], "basket-42");
    assert_eq!(got[0].headers["appname"], "shop");
    assert_eq!(got[0].headers["authorization"], "Bearer promo-token");
    assert!(!got[1].headers.contains_key("x-correlation-id"));
}

#[tokio::test]
async fn retry_override_changes_only_its_call() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path(API_PATH))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    let client = builder(&server).build().unwrap();
    client
        .with_options(CallOptions::new().with_retry_policy(RetryPolicy::none()))
        .get_promotion(&request())
        .await
        .unwrap_err();
    assert_eq!(received(&server).await.len(), 1);
    client.get_promotion(&request()).await.unwrap_err();
    assert_eq!(received(&server).await.len(), 1 + 3);
}

#[tokio::test]
async fn timeout_override_changes_only_its_call() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path(API_PATH))
        .respond_with(not_eligible().set_delay(Duration::from_millis(300)))
        .mount(&server)
        .await;
    let client = builder(&server).build().unwrap();
    let err = client
        .with_options(
            CallOptions::new()
                .with_timeout(Duration::from_millis(50))
                .with_retry_policy(RetryPolicy::none()),
        )
        .get_promotion(&request())
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            partner_sdk_tradein_promo::Error::Http(partner_sdk_core::Error::Timeout(_))
        ),
        "{err:?}"
    );
    client.get_promotion(&request()).await.unwrap();
    assert_eq!(received(&server).await.len(), 2);
}

#[tokio::test]
async fn the_appname_header_cannot_be_replaced() {
    let server = server().await;
    let client = builder(&server).build().unwrap();
    let err = client
        .with_options(CallOptions::new().with_header("AppName", "other").unwrap())
        .get_promotion(&request())
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            partner_sdk_tradein_promo::Error::Http(partner_sdk_core::Error::InvalidInput(_))
        ),
        "{err:?}"
    );
    assert!(received(&server).await.is_empty());
}

#[tokio::test]
async fn request_id_of_a_200_is_readable_through_capture() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path(API_PATH))
        .respond_with(not_eligible().insert_header("x-request-id", "promo-req-1"))
        .mount(&server)
        .await;
    let client = builder(&server).build().unwrap();
    let (result, calls) = capture(client.get_promotion(&request())).await;
    result.unwrap();
    // The token request is not an API call and is not captured.
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].provider, "tradein-promo");
    assert_eq!(calls[0].operation, "get_promotion");
    assert_eq!(calls[0].status.as_u16(), 200);
    assert_eq!(calls[0].request_id.as_deref(), Some("promo-req-1"));
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
    let server = server().await;
    Mock::given(method("POST"))
        .and(path(API_PATH))
        .respond_with(not_eligible().insert_header("x-request-id", "promo-req-2"))
        .mount(&server)
        .await;
    let hooks = Arc::new(RequestIds::default());
    let client = builder(&server).hooks(hooks.clone()).build().unwrap();
    client.get_promotion(&request()).await.unwrap();
    assert_eq!(*hooks.0.lock().unwrap(), [Some("promo-req-2".to_owned())]);
}
