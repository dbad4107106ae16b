//! Fault matrix: what each failure becomes, how many requests it causes, and
//! that a transaction create is never sent twice.

use crate::common;

use std::time::{Duration, Instant};

use common::{KEY, SECRET, client, fast_retry};
use partner_sdk_core::ReconcileKey;
use partner_sdk_dtone::{Category, Client, Error, ErrorCode, TransactionRequest};
use partner_sdk_test_kit::count_method as count;
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const CREATE_PATH: &str = "/v1.1/transactions/fixed_value_recharges";

fn create_request() -> TransactionRequest {
    TransactionRequest::new("+50212345678", 64, "fault-1").simulation(true)
}

async fn create(c: &Client) -> Result<partner_sdk_dtone::Transaction, Error> {
    c.create_transaction(Category::FixedValueRecharges, &create_request())
        .await
}

/// Serves `template` for every request; returns the ping result, the create
/// result, and how many GETs and POSTs arrived.
async fn both(template: ResponseTemplate) -> (Error, Error, usize, usize) {
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(template)
        .mount(&server)
        .await;
    let c = client(&server);
    let get = c.ping().await.unwrap_err();
    let post = create(&c).await.unwrap_err();
    (
        get,
        post,
        count(&server, "GET").await,
        count(&server, "POST").await,
    )
}

/// Asserts `e` is an unknown outcome carrying the create's key, never
/// retryable.
fn assert_unknown(e: &Error) {
    assert!(
        matches!(e, Error::Http(partner_sdk_core::Error::OutcomeUnknown(_))),
        "{e:?}"
    );
    assert_eq!(
        e.outcome_unknown_key(),
        Some(&ReconcileKey::new("external_id", "fault-1"))
    );
    assert!(!e.is_retryable());
}

fn status(e: &Error) -> u16 {
    e.api()
        .unwrap_or_else(|| panic!("expected an API error, got {e:?}"))
        .status()
        .as_u16()
}

#[tokio::test]
async fn connection_refused_is_a_transport_error_after_retries() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let c = Client::builder()
        .base_url(format!("http://{addr}/v1.1"))
        .credentials(KEY, SECRET)
        .retry_policy(fast_retry())
        .build()
        .unwrap();
    let get = c.ping().await.unwrap_err();
    assert!(
        matches!(get, Error::Http(partner_sdk_core::Error::Transport(_))),
        "{get:?}"
    );
    assert!(get.is_retryable());
    // Nothing was sent, so the create is not an unknown outcome.
    let post = create(&c).await.unwrap_err();
    assert!(
        matches!(post, Error::Http(partner_sdk_core::Error::Transport(_))),
        "{post:?}"
    );
}

#[tokio::test]
async fn stall_past_timeout_get_is_retried_then_times_out_post_is_outcome_unknown_sent_once() {
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(3)))
        .mount(&server)
        .await;
    let c = Client::builder()
        .base_url(format!("{}/v1.1", server.uri()))
        .credentials(KEY, SECRET)
        .retry_policy(fast_retry())
        .timeout(Duration::from_millis(150))
        .build()
        .unwrap();
    let get = c.ping().await.unwrap_err();
    assert!(
        matches!(get, Error::Http(partner_sdk_core::Error::Timeout(_))),
        "{get:?}"
    );
    assert_eq!(count(&server, "GET").await, 3);
    let post = create(&c).await.unwrap_err();
    assert!(
        matches!(
            post,
            Error::Http(partner_sdk_core::Error::OutcomeUnknown(_))
        ),
        "{post:?}"
    );
    assert_eq!(
        post.outcome_unknown_key(),
        Some(&ReconcileKey::new("external_id", "fault-1"))
    );
    assert!(!post.is_retryable());
    assert!(post.to_string().contains("external_id=fault-1"), "{post}");
    assert_eq!(count(&server, "POST").await, 1);
}

#[tokio::test]
async fn stalled_create_is_resolved_by_looking_up_the_external_id() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(CREATE_PATH))
        .respond_with(ResponseTemplate::new(201).set_delay(Duration::from_secs(3)))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1.1/transactions/fixed_value_recharges/ext-fault-1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(found(64, "+50212345678")))
        .expect(1)
        .mount(&server)
        .await;
    let c = Client::builder()
        .base_url(format!("{}/v1.1", server.uri()))
        .credentials(KEY, SECRET)
        .retry_policy(fast_retry())
        .timeout(Duration::from_millis(150))
        .build()
        .unwrap();
    let tx = c
        .create_or_resolve(Category::FixedValueRecharges, &create_request())
        .await
        .unwrap();
    assert_eq!(tx.transaction_id, "555");
    assert!(tx.is_success());
}

#[tokio::test]
async fn stalled_create_not_found_keeps_the_outcome_unknown_error() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(201).set_delay(Duration::from_secs(3)))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(404).set_body_json(
                json!({"errors":[{"code":1000404,"message":"Transaction not found"}]}),
            ),
        )
        .expect(1)
        .mount(&server)
        .await;
    let c = Client::builder()
        .base_url(format!("{}/v1.1", server.uri()))
        .credentials(KEY, SECRET)
        .retry_policy(fast_retry())
        .timeout(Duration::from_millis(150))
        .build()
        .unwrap();
    let err = c
        .create_or_resolve(Category::FixedValueRecharges, &create_request())
        .await
        .unwrap_err();
    assert_eq!(
        err.outcome_unknown_key(),
        Some(&ReconcileKey::new("external_id", "fault-1"))
    );
}

#[tokio::test]
async fn status_500_is_not_retried() {
    let (get, post, gets, posts) = both(
        ResponseTemplate::new(500)
            .set_body_json(json!({"errors":[{"code":1000500,"message":"Internal server error"}]})),
    )
    .await;
    assert_eq!(status(&get), 500);
    assert_eq!(get.code(), Some(ErrorCode::InternalServerError));
    // The provider's own 500 to a create may come after it processed it.
    assert_unknown(&post);
    assert_eq!((gets, posts), (1, 1));
}

#[tokio::test]
async fn gateway_errors_retry_gets_and_never_posts() {
    for code in [502u16, 503, 504] {
        let (get, post, gets, posts) = both(ResponseTemplate::new(code)).await;
        assert_eq!(status(&get), code);
        assert!(get.is_retryable());
        assert_unknown(&post);
        assert_eq!((gets, posts), (3, 1), "status {code}");
    }
}

#[tokio::test]
async fn gateway_errors_with_retry_after_zero_are_retried_the_same_way() {
    for code in [502u16, 503, 504] {
        let (get, post, gets, posts) =
            both(ResponseTemplate::new(code).insert_header("retry-after", "0")).await;
        assert_eq!(get.api().unwrap().retry_after(), Some(Duration::ZERO));
        assert_unknown(&post);
        assert_eq!((gets, posts), (3, 1), "status {code}");
    }
}

#[tokio::test]
async fn retry_after_is_honoured_before_the_next_get() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503).insert_header("retry-after", "1"))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"status":"up"})))
        .expect(1)
        .mount(&server)
        .await;
    let started = Instant::now();
    assert!(client(&server).ping().await.unwrap().is_up());
    assert!(started.elapsed() >= Duration::from_secs(1));
}

#[tokio::test]
async fn too_many_requests_retries_gets_and_never_posts() {
    let (get, post, gets, posts) =
        both(ResponseTemplate::new(429).insert_header("retry-after", "0")).await;
    assert_eq!((status(&get), status(&post)), (429, 429));
    assert_eq!((gets, posts), (3, 1));
}

/// A products answer shaped like DT One's sample, for cutting short.
const PRODUCTS: &str = r#"{"fixed_value_recharges": [{"product_id": 64, "product_name": "$14 Basic", "operator_id": 1959, "operator": "Claro TV Guatemala USD", "country_id": 756, "service_id": 1, "product_value": 14, "product_currency": "USD", "local_value": 14}]}"#;

#[tokio::test]
async fn truncated_json_is_a_decode_error_keeping_the_body() {
    let truncated = &PRODUCTS[..200];
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(
            ResponseTemplate::new(200).set_body_raw(truncated.to_owned(), "application/json"),
        )
        .mount(&server)
        .await;
    let c = client(&server);
    let err = c.list_products_by_operator(1959).await.unwrap_err();
    let Error::Http(partner_sdk_core::Error::Decode(d)) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(d.body(), truncated.as_bytes());
    assert_eq!(count(&server, "GET").await, 1);
    // The create was accepted: its unreadable answer is reported with the
    // external_id to reconcile with, not as a decode error keeping the body.
    let post = create(&c).await.unwrap_err();
    assert!(
        matches!(
            post,
            Error::Http(partner_sdk_core::Error::AnswerUnreadable(_))
        ),
        "{post:?}"
    );
    assert!(post.outcome_unknown_key().is_some());
    assert_eq!(count(&server, "POST").await, 1);
}

#[tokio::test]
async fn html_error_page_is_an_api_error_with_the_page_kept() {
    let page = "<html><body><h1>502 Bad Gateway</h1></body></html>";
    let (get, post, gets, posts) =
        both(ResponseTemplate::new(502).set_body_raw(page, "text/html")).await;
    let api = get.api().unwrap();
    assert_eq!(api.body_text(), page);
    assert_eq!(api.code(), None);
    assert_eq!(get.code(), None);
    // To a create, a gateway's page leaves the outcome unknown.
    assert_unknown(&post);
    assert_eq!((gets, posts), (3, 1));
}

#[tokio::test]
async fn wrong_content_type_json_is_decoded_html_is_a_decode_error() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1.1/ping"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(r#"{"status":"up"}"#, "text/plain"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1.1/countries"))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw("<html>maintenance</html>", "text/html"),
        )
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server);
    assert!(c.ping().await.unwrap().is_up());
    let err = c.list_countries(None).await.unwrap_err();
    assert!(
        matches!(err, Error::Http(partner_sdk_core::Error::Decode(_))),
        "{err:?}"
    );
}

#[tokio::test]
async fn success_status_with_an_error_body_is_an_api_error() {
    let body = json!({"errors":[{"code":1000990,"message":"external_id already used"}]});
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(&body))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(201).set_body_json(&body))
        .mount(&server)
        .await;
    let c = client(&server);
    let get = c.ping().await.unwrap_err();
    let post = create(&c).await.unwrap_err();
    assert_eq!(status(&get), 200);
    assert_eq!(status(&post), 201);
    assert_eq!(post.code(), Some(ErrorCode::ExternalIdAlreadyUsed));
    assert_eq!(
        (count(&server, "GET").await, count(&server, "POST").await),
        (1, 1)
    );
}

#[tokio::test]
async fn unauthorized_is_an_api_error_sent_once() {
    let (get, post, gets, posts) = both(
        ResponseTemplate::new(401)
            .set_body_json(json!({"errors":[{"code":1000401,"message":"Unauthorized"}]})),
    )
    .await;
    assert_eq!(get.code(), Some(ErrorCode::Unauthorized));
    assert_eq!(post.code(), Some(ErrorCode::Unauthorized));
    assert_eq!((gets, posts), (1, 1));
}

/// A server that answers every request with headers promising 1000 bytes,
/// sends 20, and closes the connection. Returns its base URL and a log of the
/// request lines it received.
async fn reset_mid_body_server() -> (String, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let log = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = std::sync::Arc::clone(&log);
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            let seen = std::sync::Arc::clone(&seen);
            tokio::spawn(async move {
                let mut buf = vec![0u8; 16 * 1024];
                let mut request = Vec::new();
                // Read until the end of the headers, then any body that follows.
                while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                    match socket.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => request.extend_from_slice(&buf[..n]),
                    }
                }
                let text = String::from_utf8_lossy(&request).into_owned();
                seen.lock()
                    .unwrap()
                    .push(text.lines().next().unwrap_or_default().to_owned());
                let _ = socket
                    .write_all(
                        b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{\"status\":\"up\",\"pad",
                    )
                    .await;
                let _ = socket.shutdown().await;
            });
        }
    });
    (format!("http://{addr}/v1.1"), log)
}

#[tokio::test]
async fn reset_mid_body_retries_gets_and_makes_a_create_outcome_unknown_sent_once() {
    let (base, log) = reset_mid_body_server().await;
    let c = Client::builder()
        .base_url(base)
        .credentials(KEY, SECRET)
        .retry_policy(fast_retry())
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let get = c.ping().await.unwrap_err();
    assert!(
        matches!(get, Error::Http(partner_sdk_core::Error::Transport(_))),
        "{get:?}"
    );
    let post = create(&c).await.unwrap_err();
    assert!(
        matches!(
            post,
            Error::Http(partner_sdk_core::Error::OutcomeUnknown(_))
        ),
        "{post:?}"
    );
    assert_eq!(
        post.outcome_unknown_key(),
        Some(&ReconcileKey::new("external_id", "fault-1"))
    );
    let lines = log.lock().unwrap().clone();
    let gets = lines.iter().filter(|l| l.starts_with("GET ")).count();
    let posts = lines.iter().filter(|l| l.starts_with("POST ")).count();
    assert_eq!((gets, posts), (3, 1), "{lines:?}");
}

/// A server whose create answers `create` and whose look-up by
/// `ext-fault-1` finds `found`; returns the create_or_resolve result and the
/// number of POSTs.
async fn resolve_after(
    create: ResponseTemplate,
    found: serde_json::Value,
    request: &TransactionRequest,
    category: Category,
) -> (Result<partner_sdk_dtone::Transaction, Error>, usize) {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(create)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!(
            "/v1.1/transactions/{}/ext-fault-1",
            category.as_str()
        )))
        .respond_with(ResponseTemplate::new(200).set_body_json(found))
        .expect(1)
        .mount(&server)
        .await;
    let result = client(&server).create_or_resolve(category, request).await;
    (result, count(&server, "POST").await)
}

fn reused() -> ResponseTemplate {
    ResponseTemplate::new(400)
        .set_body_json(json!({"errors":[{"code":1000990,"message":"external_id already used"}]}))
}

fn found(product_id: i64, account: &str) -> serde_json::Value {
    json!({
        "transaction_id": "555", "status": "0", "external_id": "fault-1",
        "simulation": 1, "product_id": product_id, "account_number": account
    })
}

#[tokio::test]
async fn a_reused_key_resolves_to_the_same_transaction() {
    // DT One may write the number without its `+`.
    let (tx, posts) = resolve_after(
        reused(),
        found(64, "50212345678"),
        &create_request(),
        Category::FixedValueRecharges,
    )
    .await;
    assert_eq!(tx.unwrap().transaction_id, "555");
    assert_eq!(posts, 1);
}

#[tokio::test]
async fn a_gateway_error_on_the_create_resolves_the_same_way() {
    let page = ResponseTemplate::new(504).set_body_raw("<html>504</html>", "text/html");
    let (tx, posts) = resolve_after(
        page,
        found(64, "+50212345678"),
        &create_request(),
        Category::FixedValueRecharges,
    )
    .await;
    assert_eq!(tx.unwrap().transaction_id, "555");
    assert_eq!(posts, 1);
}

#[tokio::test]
async fn a_reused_key_of_another_order_is_a_conflict_naming_the_fields() {
    let (result, posts) = resolve_after(
        reused(),
        found(65, "+50299999999"),
        &create_request(),
        Category::FixedValueRecharges,
    )
    .await;
    let err = result.unwrap_err();
    let Error::ExternalIdConflict(conflict) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(conflict.key, ReconcileKey::new("external_id", "fault-1"));
    assert_eq!(conflict.mismatched, ["product_id", "account_number"]);
    assert!(!err.is_retryable());
    let shown = format!("{err} {err:?}");
    assert!(!shown.contains("50299999999"), "{shown}");
    assert_eq!(posts, 1);
}

#[tokio::test]
async fn a_variable_amount_must_match_too() {
    let request = TransactionRequest::new("+50212345678", 64, "fault-1")
        .local_value(partner_sdk_core::Decimal::new(1500, 2))
        .simulation(true);
    let mut same = found(64, "+50212345678");
    same["local_value"] = json!(15);
    let (tx, _) = resolve_after(reused(), same, &request, Category::VariableValueRecharges).await;
    assert_eq!(tx.unwrap().transaction_id, "555");
    let mut other = found(64, "+50212345678");
    other["local_value"] = json!(20);
    let (err, _) = resolve_after(reused(), other, &request, Category::VariableValueRecharges).await;
    assert!(
        matches!(&err, Err(Error::ExternalIdConflict(c)) if c.mismatched == ["local_value"]),
        "{err:?}"
    );
}
