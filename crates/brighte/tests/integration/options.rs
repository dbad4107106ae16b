//! Per-call options and call metadata through the public Brighte client
//! (vendor API with a session, and the public calculator).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use partner_sdk_brighte::{Client, FinanceRequest, NewQuote};
use partner_sdk_core::{CallInfo, CallOptions, Decimal, Hooks, ResponseInfo, RetryPolicy, capture};
use partner_sdk_test_kit::received_at as received;
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const ACCOUNTS: &str = "/rest/vendor/v1/account";
const QUOTE: &str = "/rest/vendor/v1/quote";
const FINANCE: &str = "/rest/pub/v1/calculators/finance";

fn builder(server: &MockServer) -> partner_sdk_brighte::ClientBuilder {
    Client::builder()
        .base_url(server.uri())
        .vendor_path_prefix("/rest/vendor/v1")
        .credentials("api-id", "api-secret")
        .timeout(Duration::from_secs(5))
        .retry_policy(
            RetryPolicy::default()
                .with_max_attempts(3)
                .with_base_delay(Duration::from_millis(5))
                .with_max_delay(Duration::from_millis(50)),
        )
}

async fn server() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/rest/vendor/v1/session"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "status": 2000, "sessionKey": "key-1", "sessionToken": "token-1"
        })))
        .mount(&server)
        .await;
    server
}

fn accounts() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({"status": 2000, "accounts": [{"id": 3}]}))
}

fn finance() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "status": 2000,
        "data": {"repayment_amount": 165.47, "instalments": 52}
    }))
}

fn new_quote() -> NewQuote {
    NewQuote {
        first_name: "Jane".into(),
        last_name: "Citizen".into(),
        phone: "0411222333".into(),
        email: "jane@example.com".into(),
        total_purchase_amount: Decimal::new(15_000, 0),
        deposit_amount: Decimal::new(5_000, 0),
        repayment_term: 48,
        product_category: "Battery Storage".into(),
        product_description: "Home battery".into(),
        account_id: "E435".into(),
    }
}

#[tokio::test]
async fn extra_headers_go_on_both_apis_for_the_overridden_calls_only() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path(ACCOUNTS))
        .respond_with(accounts())
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(FINANCE))
        .respond_with(finance())
        .mount(&server)
        .await;
    let client = builder(&server).build().unwrap();
    let traced = client.with_options(
        CallOptions::new()
            .with_header("x-correlation-id", "job-17")
            .unwrap(),
    );
    let calc = FinanceRequest::new(Decimal::new(10_000, 0), 24);
    traced.list_accounts().await.unwrap();
    traced.calculate_finance(&calc).await.unwrap();
    client.list_accounts().await.unwrap();
    client.calculate_finance(&calc).await.unwrap();

    for p in [ACCOUNTS, FINANCE] {
        let got = received(&server, p).await;
        assert_eq!(got.len(), 2, "{p}");
        assert_eq!(got[0].headers["x-correlation-id"], "job-17", "{p}");
        assert!(!got[1].headers.contains_key("x-correlation-id"), "{p}");
    }
    let vendor = received(&server, ACCOUNTS).await;
    assert_eq!(vendor[0].headers["x-session-token"], "token-1");
    // The shared login keeps the client's settings.
    let login = received(&server, "/rest/vendor/v1/session").await;
    assert_eq!(login.len(), 1);
    assert!(!login[0].headers.contains_key("x-correlation-id"));
}

#[tokio::test]
async fn retry_override_changes_only_its_call() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path(ACCOUNTS))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    let client = builder(&server).build().unwrap();
    client
        .with_options(CallOptions::new().with_retry_policy(RetryPolicy::none()))
        .list_accounts()
        .await
        .unwrap_err();
    assert_eq!(received(&server, ACCOUNTS).await.len(), 1);
    client.list_accounts().await.unwrap_err();
    assert_eq!(received(&server, ACCOUNTS).await.len(), 1 + 3);
}

#[tokio::test]
async fn timeout_override_changes_only_its_call() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path(FINANCE))
        .respond_with(finance().set_delay(Duration::from_millis(300)))
        .mount(&server)
        .await;
    let client = builder(&server).build().unwrap();
    let calc = FinanceRequest::new(Decimal::new(10_000, 0), 24);
    let err = client
        .with_options(
            CallOptions::new()
                .with_timeout(Duration::from_millis(50))
                .with_retry_policy(RetryPolicy::none()),
        )
        .calculate_finance(&calc)
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            partner_sdk_brighte::Error::Http(partner_sdk_core::Error::Timeout(_))
        ),
        "{err:?}"
    );
    assert_eq!(
        client.calculate_finance(&calc).await.unwrap().instalments,
        Some(52)
    );
    assert_eq!(received(&server, FINANCE).await.len(), 2);
}

#[tokio::test]
async fn create_quote_stays_single_shot_under_a_retrying_override() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path(QUOTE))
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
    eager.create_quote(&new_quote()).await.unwrap_err();
    assert_eq!(received(&server, QUOTE).await.len(), 1);
}

#[tokio::test]
async fn the_session_headers_cannot_be_replaced() {
    let server = server().await;
    let client = builder(&server).build().unwrap().with_options(
        CallOptions::new()
            .with_header("X-Session-Token", "forged")
            .unwrap(),
    );
    let err = client.list_accounts().await.unwrap_err();
    assert!(
        matches!(
            err,
            partner_sdk_brighte::Error::Http(partner_sdk_core::Error::InvalidInput(_))
        ),
        "{err:?}"
    );
    assert!(received(&server, ACCOUNTS).await.is_empty());
}

#[tokio::test]
async fn request_id_of_a_200_is_readable_through_capture() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path(ACCOUNTS))
        .respond_with(accounts().insert_header("x-request-id", "brighte-req-1"))
        .mount(&server)
        .await;
    let client = builder(&server).build().unwrap();
    let (result, calls) = capture(client.list_accounts()).await;
    assert_eq!(result.unwrap().len(), 1);
    // The login the first vendor call opened is a call of its own.
    let ops: Vec<_> = calls.iter().map(|c| c.operation).collect();
    assert_eq!(ops, ["create_session", "list_accounts"]);
    let call = &calls[1];
    assert_eq!(call.provider, "brighte");
    assert_eq!(call.path, "/account");
    assert_eq!(call.status.as_u16(), 200);
    assert_eq!(call.request_id.as_deref(), Some("brighte-req-1"));
}

#[derive(Default)]
struct RequestIds(Mutex<Vec<(String, Option<String>)>>);

impl Hooks for RequestIds {
    fn on_response(&self, call: &CallInfo<'_>, response: &ResponseInfo<'_>) {
        self.0.lock().unwrap().push((
            call.operation.to_owned(),
            response.request_id().map(str::to_owned),
        ));
    }
}

#[tokio::test]
async fn hooks_see_the_response_headers() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path(ACCOUNTS))
        .respond_with(accounts().insert_header("request-id", "brighte-req-2"))
        .mount(&server)
        .await;
    let hooks = Arc::new(RequestIds::default());
    let client = builder(&server).hooks(hooks.clone()).build().unwrap();
    client.list_accounts().await.unwrap();
    assert_eq!(
        *hooks.0.lock().unwrap(),
        [
            ("create_session".to_owned(), None),
            ("list_accounts".to_owned(), Some("brighte-req-2".to_owned()))
        ]
    );
}

#[tokio::test]
async fn a_client_without_credentials_refuses_vendor_calls_without_sending() {
    let server = MockServer::start().await;
    let client = Client::builder().base_url(server.uri()).build().unwrap();
    let err = client.get_application("100234").await.unwrap_err();
    assert!(
        matches!(err.as_core(), Some(partner_sdk_core::Error::Config(e)) if e.reason.contains("needs credentials")),
        "{err:?}"
    );
    let err = client.list_accounts().await.unwrap_err();
    assert!(err.to_string().contains("only the public API"), "{err}");
    assert!(server.received_requests().await.unwrap().is_empty());
}
