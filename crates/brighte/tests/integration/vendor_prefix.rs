//! The vendor API's path prefix: `/rest/v1/vendor` by default, the samples'
//! `/rest/vendor/v1` once when the login finds no route there (kept for
//! the client's life), an explicit prefix alone; and a login a firewall
//! refuses. Each test asserts the requests made, in order.

use std::time::Duration;

use partner_sdk_brighte::client::{DEFAULT_VENDOR_PREFIX, SAMPLES_VENDOR_PREFIX};
use partner_sdk_brighte::{Client, ErrorCode, RetryPolicy};
use partner_sdk_core::CallOptions;
use serde_json::json;
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const API_ID: &str = "prefix-api-id";
const API_SECRET: &str = "prefix-api-secret-77";
const HTML_404: &str =
    "<html><head><title>404 Not Found</title></head><body><h1>Not Found</h1></body></html>";
const HTML_403: &str = "<html><head><title>403 Forbidden</title></head><body><h1>Forbidden</h1><p>Request blocked.</p></body></html>";

fn builder(server: &MockServer) -> partner_sdk_brighte::ClientBuilder {
    Client::builder()
        .base_url(server.uri())
        .credentials(API_ID, API_SECRET)
        .timeout(Duration::from_secs(5))
        .retry_policy(
            RetryPolicy::default()
                .with_max_attempts(4)
                .with_base_delay(Duration::from_millis(1))
                .with_max_delay(Duration::from_millis(5)),
        )
}

fn session() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "status": 2000, "sessionKey": "key-1", "sessionToken": "token-1"
    }))
}

fn accounts() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({"status": 2000, "accounts": [{"id": 3}]}))
}

fn html(status: u16, body: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_raw(body.to_owned(), "text/html")
}

/// Serves the vendor API (login, logout and accounts) under `prefix` only.
async fn serve_under(server: &MockServer, prefix: &str) {
    Mock::given(method("DELETE"))
        .and(path(format!("{prefix}/session")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"status": 2000})))
        .mount(server)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("{prefix}/session")))
        .and(body_json(json!({"apiId": API_ID, "apiSecret": API_SECRET})))
        .respond_with(session())
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{prefix}/account")))
        .and(header("x-session-key", "key-1"))
        .and(header("x-session-token", "token-1"))
        .respond_with(accounts())
        .mount(server)
        .await;
}

/// Answers every other path as a web server without the route would.
async fn html_404_elsewhere(server: &MockServer) {
    Mock::given(wiremock::matchers::any())
        .respond_with(html(404, HTML_404))
        .with_priority(10)
        .mount(server)
        .await;
}

async fn requests(server: &MockServer) -> Vec<String> {
    server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| format!("{} {}", r.method, r.url.path()))
        .collect()
}

#[test]
fn the_default_is_the_tables_prefix_and_the_fallback_the_samples() {
    assert_eq!(DEFAULT_VENDOR_PREFIX, "/rest/v1/vendor");
    assert_eq!(SAMPLES_VENDOR_PREFIX, "/rest/vendor/v1");
}

#[tokio::test]
async fn the_default_prefix_is_used_when_it_answers() {
    let server = MockServer::start().await;
    serve_under(&server, "/rest/v1/vendor").await;
    html_404_elsewhere(&server).await;
    let client = builder(&server).build().unwrap();
    assert!(
        client
            .vendor_base_url()
            .unwrap()
            .path()
            .ends_with("/rest/v1/vendor")
    );
    assert_eq!(client.list_accounts().await.unwrap().len(), 1);
    assert_eq!(
        requests(&server).await,
        [
            "POST /rest/v1/vendor/session",
            "GET /rest/v1/vendor/account"
        ]
    );
}

#[tokio::test]
async fn a_route_level_404_falls_back_to_the_samples_prefix_for_the_clients_life() {
    for missing in [html(404, HTML_404), ResponseTemplate::new(404)] {
        let server = MockServer::start().await;
        serve_under(&server, "/rest/vendor/v1").await;
        Mock::given(wiremock::matchers::any())
            .respond_with(missing)
            .with_priority(10)
            .mount(&server)
            .await;
        let client = builder(&server).build().unwrap();
        assert_eq!(client.list_accounts().await.unwrap().len(), 1);
        assert!(
            client
                .vendor_base_url()
                .unwrap()
                .path()
                .ends_with("/rest/vendor/v1")
        );
        // A new session (after logout) goes straight to the prefix that worked.
        assert!(client.logout().await.unwrap());
        client.list_accounts().await.unwrap();
        assert_eq!(
            requests(&server).await,
            [
                "POST /rest/v1/vendor/session",
                "POST /rest/vendor/v1/session",
                "GET /rest/vendor/v1/account",
                "DELETE /rest/vendor/v1/session",
                "POST /rest/vendor/v1/session",
                "GET /rest/vendor/v1/account",
            ]
        );
    }
}

#[tokio::test]
async fn concurrent_first_calls_share_one_probe() {
    let server = MockServer::start().await;
    serve_under(&server, "/rest/vendor/v1").await;
    html_404_elsewhere(&server).await;
    let client = builder(&server).build().unwrap();
    let calls = (0..20).map(|_| client.list_accounts());
    for result in futures::future::join_all(calls).await {
        assert_eq!(result.unwrap().len(), 1);
    }
    let sent = requests(&server).await;
    assert_eq!(
        sent.iter()
            .filter(|r| r.ends_with("/session"))
            .collect::<Vec<_>>(),
        [
            "POST /rest/v1/vendor/session",
            "POST /rest/vendor/v1/session"
        ]
    );
    assert_eq!(
        sent.iter()
            .filter(|r| *r == "GET /rest/vendor/v1/account")
            .count(),
        20
    );
}

#[tokio::test]
async fn a_view_with_options_shares_the_prefix_found() {
    let server = MockServer::start().await;
    serve_under(&server, "/rest/vendor/v1").await;
    html_404_elsewhere(&server).await;
    let client = builder(&server).build().unwrap();
    let view = client.with_options(CallOptions::new().with_timeout(Duration::from_secs(2)));
    view.list_accounts().await.unwrap();
    client.list_accounts().await.unwrap();
    assert_eq!(
        requests(&server).await,
        [
            "POST /rest/v1/vendor/session",
            "POST /rest/vendor/v1/session",
            "GET /rest/vendor/v1/account",
            "GET /rest/vendor/v1/account",
        ]
    );
}

#[tokio::test]
async fn brightes_own_404_body_is_an_answer_not_a_missing_route() {
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(
            ResponseTemplate::new(404)
                .set_body_json(json!({"status": 4041, "message": "Not found."})),
        )
        .mount(&server)
        .await;
    let client = builder(&server).build().unwrap();
    let e = client.list_accounts().await.unwrap_err();
    assert_eq!(e.status().map(|s| s.as_u16()), Some(404));
    assert_eq!(e.code(), Some(ErrorCode::NotFound));
    assert_eq!(requests(&server).await, ["POST /rest/v1/vendor/session"]);
}

#[tokio::test]
async fn an_explicit_prefix_is_used_alone() {
    for prefix in ["/rest/v1/vendor", "/rest/vendor/v1"] {
        let other = if prefix == "/rest/v1/vendor" {
            "/rest/vendor/v1"
        } else {
            "/rest/v1/vendor"
        };
        let server = MockServer::start().await;
        serve_under(&server, other).await;
        html_404_elsewhere(&server).await;
        let client = builder(&server).vendor_path_prefix(prefix).build().unwrap();
        let e = client.list_accounts().await.unwrap_err();
        assert_eq!(e.status().map(|s| s.as_u16()), Some(404), "{prefix}: {e}");
        assert_eq!(
            requests(&server).await,
            [format!("POST {prefix}/session")],
            "{prefix}: no fallback"
        );

        let server = MockServer::start().await;
        serve_under(&server, prefix).await;
        let client = builder(&server).vendor_path_prefix(prefix).build().unwrap();
        client.list_accounts().await.unwrap();
        assert_eq!(
            requests(&server).await,
            [
                format!("POST {prefix}/session"),
                format!("GET {prefix}/account")
            ]
        );
    }
}

#[tokio::test]
async fn no_route_under_either_prefix_names_both() {
    let server = MockServer::start().await;
    html_404_elsewhere(&server).await;
    let client = builder(&server).build().unwrap();
    let e = client.list_accounts().await.unwrap_err();
    let text = e.to_string();
    assert!(
        text.contains("/rest/v1/vendor") && text.contains("/rest/vendor/v1"),
        "{text}"
    );
    assert!(matches!(
        e.as_core(),
        Some(partner_sdk_core::Error::Auth(_))
    ));
    assert!(!e.is_retryable());
    assert_eq!(
        requests(&server).await,
        [
            "POST /rest/v1/vendor/session",
            "POST /rest/vendor/v1/session"
        ]
    );
}

#[tokio::test]
async fn an_invalid_path_parameter_sends_nothing_before_the_prefix_is_known() {
    let server = MockServer::start().await;
    serve_under(&server, "/rest/vendor/v1").await;
    let client = builder(&server).build().unwrap();
    let e = client.get_application("a\nb").await.unwrap_err();
    assert!(e.is_invalid_input(), "{e}");
    assert!(requests(&server).await.is_empty());
}

#[tokio::test]
async fn a_login_the_firewall_refuses_says_so_and_is_not_retried() {
    for explicit in [false, true] {
        let server = MockServer::start().await;
        Mock::given(wiremock::matchers::any())
            .respond_with(html(403, HTML_403))
            .mount(&server)
            .await;
        let mut b = builder(&server);
        if explicit {
            b = b.vendor_path_prefix("/rest/vendor/v1");
        }
        let client = b.build().unwrap();
        let e = client.list_accounts().await.unwrap_err();
        let text = e.to_string();
        assert!(
            text.contains("IP address") && text.contains("allow-list"),
            "{text}"
        );
        assert!(
            matches!(e.as_core(), Some(partner_sdk_core::Error::Auth(_))),
            "not a decode or API error: {e:?}"
        );
        assert_eq!(e.status().map(|s| s.as_u16()), Some(403));
        assert!(!e.is_retryable());
        assert!(!text.contains(API_SECRET) && !format!("{e:?}").contains(API_SECRET));
        let prefix = if explicit {
            "/rest/vendor/v1"
        } else {
            "/rest/v1/vendor"
        };
        assert_eq!(
            requests(&server).await,
            [format!("POST {prefix}/session")],
            "one attempt, no fallback"
        );
    }
}

#[tokio::test]
async fn brightes_own_403_stays_an_api_error() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/rest/v1/vendor/session"))
        .respond_with(
            ResponseTemplate::new(403)
                .set_body_json(json!({"status": 4403, "message": "Not allowed."})),
        )
        .mount(&server)
        .await;
    let e = builder(&server).build().unwrap().login().await.unwrap_err();
    assert!(
        matches!(e.as_core(), Some(partner_sdk_core::Error::Api(_))),
        "{e:?}"
    );
    assert_eq!(e.code(), Some(ErrorCode::Forbidden));
    assert!(!e.to_string().contains("allow-list"));
}
