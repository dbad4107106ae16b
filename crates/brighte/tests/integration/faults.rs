//! Fault matrix: what each network or provider failure becomes, how many
//! requests were made, and that creates are never sent twice.

use crate::common;

use std::time::{Duration, Instant};

use common::*;
use partner_sdk_brighte::{ListQuery, NewQuote};
use partner_sdk_core::RetryPolicy;
use rust_decimal::Decimal;
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[derive(Clone, Copy, Debug, PartialEq)]
enum Op {
    /// GET applications/{id}: idempotent, retried.
    Get,
    /// POST quote: a create, never retried.
    Create,
}

const GET_PATH: &str = "/rest/vendor/v1/applications/7";
const CREATE_PATH: &str = "/rest/vendor/v1/quote";

fn new_quote() -> NewQuote {
    NewQuote {
        first_name: "A".into(),
        last_name: "B".into(),
        phone: "0400000000".into(),
        email: "a@example.com".into(),
        total_purchase_amount: Decimal::from(1000),
        deposit_amount: Decimal::ZERO,
        repayment_term: 12,
        product_category: "Solar System".into(),
        product_description: "Panels".into(),
        account_id: "E1".into(),
    }
}

fn client(server: &MockServer, timeout: Duration) -> partner_sdk_brighte::Client {
    partner_sdk_brighte::Client::builder()
        .base_url(server.uri())
        .credentials(API_ID, API_SECRET)
        .retry_policy(
            RetryPolicy::default()
                .with_base_delay(Duration::from_millis(5))
                .with_max_delay(Duration::from_secs(2)),
        )
        .timeout(timeout)
        .build()
        .unwrap()
}

async fn run(
    op: Op,
    template: ResponseTemplate,
    timeout: Duration,
) -> (partner_sdk_brighte::Error, usize) {
    let server = MockServer::start().await;
    mount_session(&server, 1).await;
    let p = if op == Op::Get { GET_PATH } else { CREATE_PATH };
    Mock::given(method(if op == Op::Get { "GET" } else { "POST" }))
        .and(path(p))
        .respond_with(template)
        .mount(&server)
        .await;
    let c = client(&server, timeout);
    let err = match op {
        Op::Get => c.get_application("7").await.map(|_| ()).unwrap_err(),
        Op::Create => c.create_quote(&new_quote()).await.map(|_| ()).unwrap_err(),
    };
    let n = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path() == p)
        .count();
    (err, n)
}

fn api_status(e: &partner_sdk_brighte::Error) -> Option<u16> {
    match e.as_core() {
        Some(partner_sdk_core::Error::Api(a)) => Some(a.status().as_u16()),
        _ => None,
    }
}

/// Asserts a create's error is an unknown outcome, never retryable.
fn assert_unknown(e: &partner_sdk_brighte::Error) {
    assert!(
        matches!(
            e.as_core(),
            Some(partner_sdk_core::Error::OutcomeUnknown(_))
        ),
        "{e:?}"
    );
    assert!(!e.is_retryable());
}

fn html() -> ResponseTemplate {
    ResponseTemplate::new(502).set_body_raw(
        "<html><body><h1>502 Bad Gateway</h1></body></html>",
        "text/html",
    )
}

#[tokio::test]
async fn server_errors_retry_only_what_is_safe() {
    let t = Duration::from_secs(5);
    for status in [500u16, 502, 503, 504, 429] {
        let body = json!({"status": 5000, "message": "Internal error."});
        let retryable = status != 500;
        let (err, n) = run(
            Op::Get,
            ResponseTemplate::new(status).set_body_json(body.clone()),
            t,
        )
        .await;
        assert_eq!(api_status(&err), Some(status), "{err:?}");
        assert_eq!(n, if retryable { 3 } else { 1 }, "GET {status}");
        let (err, n) = run(
            Op::Create,
            ResponseTemplate::new(status).set_body_json(body),
            t,
        )
        .await;
        if status == 429 {
            // Refused before it was processed: not done.
            assert_eq!(api_status(&err), Some(status), "{err:?}");
        } else {
            // A 5xx may come after the quote was created.
            assert_unknown(&err);
        }
        assert_eq!(n, 1, "POST quote {status} must not be resent");
    }
}

#[tokio::test]
async fn retry_after_is_honoured_for_gets_and_ignored_for_creates() {
    let t = Duration::from_secs(5);
    for status in [503u16, 429] {
        let tpl = ResponseTemplate::new(status).insert_header("retry-after", "1");
        let started = Instant::now();
        let (err, n) = run(Op::Get, tpl.clone(), t).await;
        assert_eq!(n, 3, "{status}");
        assert!(
            started.elapsed() >= Duration::from_secs(2),
            "waited at least Retry-After twice"
        );
        assert_eq!(
            err.api().unwrap().retry_after(),
            Some(Duration::from_secs(1))
        );
        let (_, n) = run(Op::Create, tpl, t).await;
        assert_eq!(n, 1);
    }
    // A Retry-After longer than the policy's cap ends the call at once.
    let tpl = ResponseTemplate::new(503).insert_header("retry-after", "3600");
    let (err, n) = run(Op::Get, tpl, t).await;
    assert_eq!(n, 1);
    assert_eq!(
        err.api().unwrap().retry_after(),
        Some(Duration::from_secs(3600))
    );
}

#[tokio::test]
async fn html_pages_truncated_json_wrong_content_type_and_error_bodies() {
    let t = Duration::from_secs(5);
    // HTML error page: API error without a Brighte code, body kept; retried for GET.
    let (err, n) = run(Op::Get, html(), t).await;
    assert_eq!(n, 3);
    assert_eq!(err.code(), None);
    assert!(err.api().unwrap().body_text().contains("Bad Gateway"));
    let (err, n) = run(Op::Create, html(), t).await;
    assert_unknown(&err);
    assert_eq!(n, 1);
    // Truncated JSON in a 200: a decode error for a read, not retried; for
    // a create, which was accepted, an unreadable answer that keeps no body.
    let tpl = ResponseTemplate::new(200).set_body_raw(
        "{\"status\":2000,\"application\":{\"id\":",
        "application/json",
    );
    let (err, n) = run(Op::Get, tpl.clone(), t).await;
    assert!(
        matches!(err.as_core(), Some(partner_sdk_core::Error::Decode(_))),
        "{err:?}"
    );
    assert_eq!(n, 1);
    let (err, n) = run(Op::Create, tpl, t).await;
    assert!(
        matches!(
            err.as_core(),
            Some(partner_sdk_core::Error::AnswerUnreadable(_))
        ),
        "{err:?}"
    );
    assert!(!err.is_retryable());
    assert_eq!(n, 1);
    // Wrong content type with a non-JSON body.
    let tpl = ResponseTemplate::new(200).set_body_raw("OK", "text/plain");
    let (err, n) = run(Op::Get, tpl, t).await;
    assert!(
        matches!(err.as_core(), Some(partner_sdk_core::Error::Decode(_))),
        "{err:?}"
    );
    assert_eq!(n, 1);
    // Wrong content type with a JSON body still decodes.
    let server = MockServer::start().await;
    mount_session(&server, 1).await;
    Mock::given(method("GET"))
        .and(path(GET_PATH))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            "{\"status\":\"2000\",\"application\":{\"id\":7}}",
            "text/html",
        ))
        .expect(1)
        .mount(&server)
        .await;
    assert_eq!(
        client(&server, t).get_application("7").await.unwrap().id,
        "7"
    );
    // 200 with an error body: API error with its code, not retried.
    for op in [Op::Get, Op::Create] {
        let tpl = ResponseTemplate::new(200)
            .set_body_json(json!({"status": 4402, "message": "Invalid data provided."}));
        let (err, n) = run(op, tpl, t).await;
        assert_eq!(
            err.code(),
            Some(partner_sdk_brighte::ErrorCode::InvalidInput)
        );
        assert_eq!(n, 1);
    }
}

#[tokio::test]
async fn stalls_time_out_and_creates_become_outcome_unknown() {
    let t = Duration::from_millis(200);
    let stall = ResponseTemplate::new(200)
        .set_body_json(json!({"status": 2000}))
        .set_delay(Duration::from_secs(2));
    let (err, n) = run(Op::Get, stall.clone(), t).await;
    assert!(err.as_core().unwrap().is_timeout(), "{err:?}");
    assert_eq!(n, 3);
    let (err, n) = run(Op::Create, stall, t).await;
    assert!(
        matches!(
            err.as_core(),
            Some(partner_sdk_core::Error::OutcomeUnknown(_))
        ),
        "{err:?}"
    );
    assert_eq!(n, 1);
}

#[tokio::test]
async fn connection_refused_is_a_transport_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let c = partner_sdk_brighte::Client::builder()
        .base_url(format!("http://{addr}"))
        .credentials(API_ID, API_SECRET)
        .retry_policy(fast_retry())
        .build()
        .unwrap();
    let err = c.get_application("7").await.unwrap_err();
    assert!(
        matches!(err.as_core(), Some(partner_sdk_core::Error::Transport(_))),
        "{err:?}"
    );
    let err = c.create_quote(&new_quote()).await.unwrap_err();
    assert!(
        matches!(err.as_core(), Some(partner_sdk_core::Error::Transport(_))),
        "{err:?}"
    );
    let anon = partner_sdk_brighte::Client::builder()
        .base_url(format!("http://{addr}"))
        .build()
        .unwrap();
    let err = anon
        .calculate_finance(&partner_sdk_brighte::FinanceRequest::new(
            Decimal::from(100),
            12,
        ))
        .await
        .unwrap_err();
    assert!(
        matches!(err.as_core(), Some(partner_sdk_core::Error::Transport(_))),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_reset_mid_body_is_not_resent_for_a_create() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let hits = Arc::new(AtomicUsize::new(0));
    let h = Arc::clone(&hits);
    tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            let h = Arc::clone(&h);
            tokio::spawn(async move {
                let mut buf = vec![0u8; 8192];
                let n = sock.read(&mut buf).await.unwrap_or(0);
                let req = String::from_utf8_lossy(&buf[..n]).to_string();
                if req.contains("/session") {
                    let body = session_body();
                    let resp = format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                        body.len()
                    );
                    let _ = sock.write_all(resp.as_bytes()).await;
                } else {
                    h.fetch_add(1, Ordering::SeqCst);
                    let _ = sock
                        .write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 500\r\n\r\n{\"status\":2000,\"quo")
                        .await;
                }
            });
        }
    });
    let c = partner_sdk_brighte::Client::builder()
        .base_url(format!("http://{addr}"))
        .credentials(API_ID, API_SECRET)
        .retry_policy(fast_retry())
        .build()
        .unwrap();
    let err = c.create_quote(&new_quote()).await.unwrap_err();
    assert!(
        matches!(
            err.as_core(),
            Some(partner_sdk_core::Error::OutcomeUnknown(_))
        ),
        "{err:?}"
    );
    assert_eq!(hits.load(Ordering::SeqCst), 1);
    hits.store(0, Ordering::SeqCst);
    let err = c.list_applications(&ListQuery::new()).await.unwrap_err();
    assert!(
        matches!(
            err.as_core(),
            Some(partner_sdk_core::Error::Transport(_) | partner_sdk_core::Error::Decode(_))
        ),
        "{err:?}"
    );
    assert_eq!(hits.load(Ordering::SeqCst), 3, "a GET is retried");
}

/// A DELETE whose answer was lost, and whose retry finds nothing, is done:
/// the lost attempt did it. Not found on the first attempt stays an error.
#[tokio::test]
async fn a_delete_whose_answer_was_lost_and_whose_retry_finds_nothing_is_done() {
    const QUOTE: &str = "/rest/vendor/v1/quote/7";
    let not_found = ResponseTemplate::new(404)
        .set_body_json(json!({"status": "4041", "message": "Quote not found."}));
    for lost in [
        ResponseTemplate::new(200)
            .set_body_json(json!({"status": 2000}))
            .set_delay(Duration::from_secs(2)),
        ResponseTemplate::new(502),
    ] {
        let server = MockServer::start().await;
        mount_session(&server, 1).await;
        Mock::given(method("DELETE"))
            .and(path(QUOTE))
            .respond_with(lost)
            .up_to_n_times(1)
            .expect(1)
            .mount(&server)
            .await;
        Mock::given(method("DELETE"))
            .and(path(QUOTE))
            .respond_with(not_found.clone())
            .expect(1)
            .mount(&server)
            .await;
        let c = client(&server, Duration::from_millis(300));
        assert_eq!(c.delete_quote("7").await.unwrap(), None);
        server.verify().await;
    }
    let server = MockServer::start().await;
    mount_session(&server, 1).await;
    Mock::given(method("DELETE"))
        .and(path(QUOTE))
        .respond_with(not_found)
        .expect(1)
        .mount(&server)
        .await;
    let err = client(&server, Duration::from_secs(5))
        .delete_quote("7")
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some(partner_sdk_brighte::ErrorCode::NotFound));
}
