//! Per-call options and call metadata through the public BBTI client.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::TryStreamExt as _;
use partner_sdk_bbti::{Client, Condition, ManufacturerQuery, ModelQuery, PriceProductRequest};
use partner_sdk_core::{CallInfo, CallOptions, Hooks, ResponseInfo, RetryPolicy, capture};
use serde_json::json;
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const TOKEN: &str = "options-test-token";

struct Servers {
    auth: MockServer,
    api: MockServer,
}

impl Servers {
    async fn start() -> Servers {
        let auth = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/auth/v1/token"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                "access_token": TOKEN, "token_type": "Bearer", "expires_in": 3600
            })))
            .mount(&auth)
            .await;
        Servers {
            auth,
            api: MockServer::start().await,
        }
    }

    fn builder(&self) -> partner_sdk_bbti::ClientBuilder {
        Client::builder()
            .base_url(self.api.uri())
            .token_url(format!("{}/auth/v1/token", self.auth.uri()))
            .credentials("client-id", "client-secret")
            .timeout(Duration::from_secs(5))
            .retry_policy(
                RetryPolicy::default()
                    .with_max_attempts(3)
                    .with_base_delay(Duration::from_millis(5))
                    .with_max_delay(Duration::from_millis(50)),
            )
    }

    fn client(&self) -> Client {
        self.builder().build().unwrap()
    }

    async fn received(&self, p: &str) -> Vec<wiremock::Request> {
        partner_sdk_test_kit::received_at(&self.api, p).await
    }
}

fn manufacturers() -> ResponseTemplate {
    ResponseTemplate::new(200)
        .set_body_json(json!({"manufacturers": [{"key": "apple", "value": "Apple"}]}))
}

fn price_request() -> PriceProductRequest {
    PriceProductRequest::new("partner-standard", "iphone-8")
        .submission_id("order-1")
        .condition(Condition::Pass, Condition::Pass)
}

#[tokio::test]
async fn extra_headers_go_on_the_overridden_call_only() {
    let s = Servers::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/manufacturers"))
        .respond_with(manufacturers())
        .mount(&s.api)
        .await;
    let client = s.client();
    let options = CallOptions::new()
        .with_header("x-correlation-id", "corr-7")
        .unwrap();
    let q = ManufacturerQuery::new();
    client
        .with_options(options)
        .list_manufacturers(&q)
        .await
        .unwrap();
    client.list_manufacturers(&q).await.unwrap();
    let got = s.received("/v1/manufacturers").await;
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].headers["x-correlation-id"], "corr-7");
    assert_eq!(
        got[0].headers["authorization"],
        format!("Bearer {TOKEN}").as_str()
    );
    assert!(!got[1].headers.contains_key("x-correlation-id"));
}

#[tokio::test]
async fn retry_override_changes_only_its_call() {
    let s = Servers::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/manufacturers"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&s.api)
        .await;
    let client = s.client();
    let q = ManufacturerQuery::new();
    let once = client.with_options(CallOptions::new().with_retry_policy(RetryPolicy::none()));
    assert_eq!(
        once.list_manufacturers(&q).await.unwrap_err().status(),
        Some(partner_sdk_core::reqwest::StatusCode::SERVICE_UNAVAILABLE)
    );
    assert_eq!(s.received("/v1/manufacturers").await.len(), 1);
    client.list_manufacturers(&q).await.unwrap_err();
    assert_eq!(s.received("/v1/manufacturers").await.len(), 1 + 3);
}

#[tokio::test]
async fn timeout_override_changes_only_its_call() {
    let s = Servers::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/manufacturers"))
        .respond_with(manufacturers().set_delay(Duration::from_millis(300)))
        .mount(&s.api)
        .await;
    let client = s.client();
    let q = ManufacturerQuery::new();
    let short = client.with_options(
        CallOptions::new()
            .with_timeout(Duration::from_millis(50))
            .with_retry_policy(RetryPolicy::none()),
    );
    let err = short.list_manufacturers(&q).await.unwrap_err();
    assert!(
        matches!(
            err,
            partner_sdk_bbti::Error::Http(partner_sdk_core::Error::Timeout(_))
        ),
        "{err:?}"
    );
    // The client keeps its 5 s timeout.
    assert_eq!(client.list_manufacturers(&q).await.unwrap().len(), 1);
    assert_eq!(s.received("/v1/manufacturers").await.len(), 2);
}

#[tokio::test]
async fn pricing_post_stays_single_shot_under_a_retrying_override() {
    let s = Servers::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/pricing/products"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&s.api)
        .await;
    let eager = s.client().with_options(
        CallOptions::new().with_retry_policy(
            RetryPolicy::default()
                .with_max_attempts(5)
                .with_base_delay(Duration::from_millis(1)),
        ),
    );
    eager.price_products(&price_request()).await.unwrap_err();
    assert_eq!(s.received("/v1/pricing/products").await.len(), 1);
}

#[test]
fn the_bearer_token_cannot_be_replaced() {
    let err = CallOptions::new()
        .with_header("Authorization", "Bearer other")
        .unwrap_err();
    assert!(
        matches!(err, partner_sdk_core::Error::InvalidInput(_)),
        "{err}"
    );
}

#[tokio::test]
async fn request_id_of_a_200_is_readable_through_capture() {
    let s = Servers::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/manufacturers"))
        .respond_with(manufacturers().insert_header("x-request-id", "bbti-req-1"))
        .mount(&s.api)
        .await;
    let client = s.client();
    let (result, calls) = capture(client.list_manufacturers(&ManufacturerQuery::new())).await;
    assert_eq!(result.unwrap().len(), 1);
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].provider, "bbti");
    assert_eq!(calls[0].operation, "list_manufacturers");
    assert_eq!(calls[0].status.as_u16(), 200);
    assert_eq!(calls[0].request_id.as_deref(), Some("bbti-req-1"));
    assert_eq!(calls[0].attempts, 1);
}

#[tokio::test]
async fn capture_sees_every_page_of_a_stream() {
    let s = Servers::start().await;
    let model = json!({"model": {"key": "iphone-8", "value": "iPhone 8"}});
    // A page repeating the previous one's items would end the stream.
    let second = json!({"model": {"key": "pixel-4a", "value": "Pixel 4a"}});
    Mock::given(method("GET"))
        .and(path("/v1/models"))
        .and(query_param("pageToken", "p2"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("x-request-id", "page-2")
                .set_body_json(json!({"models": [second], "nextPageToken": ""})),
        )
        .mount(&s.api)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/models"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("x-request-id", "page-1")
                .set_body_json(json!({"models": [model], "nextPageToken": "p2"})),
        )
        .mount(&s.api)
        .await;
    let client = s.client();
    let (models, calls) = capture(client.models(&ModelQuery::new()).try_collect::<Vec<_>>()).await;
    assert_eq!(models.unwrap().len(), 2);
    let ids: Vec<_> = calls.iter().map(|c| c.request_id.as_deref()).collect();
    assert_eq!(ids, [Some("page-1"), Some("page-2")]);
}

#[derive(Default)]
struct RequestIds(Mutex<Vec<String>>);

impl Hooks for RequestIds {
    fn on_response(&self, call: &CallInfo<'_>, response: &ResponseInfo<'_>) {
        let id = response.request_id().unwrap_or("-");
        let ratelimit = response
            .headers
            .and_then(|h| h.get("x-ratelimit-remaining"))
            .and_then(|v| v.to_str().ok())
            .unwrap_or("-");
        self.0
            .lock()
            .unwrap()
            .push(format!("{} {id} {ratelimit}", call.operation));
    }
}

#[tokio::test]
async fn hooks_see_the_response_headers() {
    let s = Servers::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/manufacturers"))
        .respond_with(
            manufacturers()
                .insert_header("x-request-id", "bbti-req-9")
                .insert_header("x-ratelimit-remaining", "41"),
        )
        .mount(&s.api)
        .await;
    let hooks = Arc::new(RequestIds::default());
    let client = s.builder().hooks(hooks.clone()).build().unwrap();
    client
        .list_manufacturers(&ManufacturerQuery::new())
        .await
        .unwrap();
    assert_eq!(
        *hooks.0.lock().unwrap(),
        ["list_manufacturers bbti-req-9 41"]
    );
}
