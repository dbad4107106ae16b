//! Fault matrix: what each network or provider failure becomes, and how many
//! requests it costs.
//!
//! The promotion POST only looks data up (it creates nothing), so it is
//! marked idempotent and retried like a GET on connection errors, timeouts
//! and 408/429/502/503/504. The only other POST, the token request, is
//! single-flight: every case below asserts it was sent exactly once.

use crate::common;

use std::time::{Duration, Instant};

use common::*;
use partner_sdk_core::reqwest::StatusCode;
use partner_sdk_tradein_promo::{Client, ErrorCode, RetryPolicy};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const ATTEMPTS: usize = 3;

async fn token_requests(server: &MockServer) -> usize {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .filter(|r| r.url.path() == TOKEN_PATH)
        .count()
}

/// Serves `response` to the promotion call; returns the error and the number
/// of promotion requests made.
async fn run(response: ResponseTemplate) -> (partner_sdk_tradein_promo::Error, usize) {
    let server = MockServer::start().await;
    mount_token(&server, 1).await;
    Mock::given(method("POST"))
        .and(path(API_PATH))
        .respond_with(response)
        .mount(&server)
        .await;
    let err = client(&server)
        .get_promotion(&scenario1())
        .await
        .unwrap_err();
    assert_eq!(token_requests(&server).await, 1, "token POST sent once");
    (err, api_requests(&server).await)
}

fn status_of(err: &partner_sdk_tradein_promo::Error) -> Option<u16> {
    err.status().map(|s| s.as_u16())
}

#[tokio::test]
async fn connection_refused_is_a_transport_error_after_all_attempts() {
    let token_server = MockServer::start().await;
    mount_token(&token_server, 1).await;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead = listener.local_addr().unwrap();
    drop(listener);
    let client = Client::builder()
        .base_url(format!("http://{dead}/omni-svcs"))
        .token_url(format!("{}{TOKEN_PATH}", token_server.uri()))
        .credentials(CLIENT_ID, CLIENT_SECRET)
        .scope(SCOPE)
        .retry_policy(RetryPolicy::default().with_base_delay(Duration::from_millis(5)))
        .build()
        .unwrap();
    let err = client.get_promotion(&scenario1()).await.unwrap_err();
    assert!(
        matches!(err.as_core(), Some(partner_sdk_core::Error::Transport(_))),
        "{err:?}"
    );
    assert!(err.is_retryable());
    assert_eq!(token_requests(&token_server).await, 1);
}

#[tokio::test]
async fn token_server_refusing_connections_is_a_transport_error_with_no_api_call() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead = listener.local_addr().unwrap();
    drop(listener);
    let api = MockServer::start().await;
    let client = Client::builder()
        .base_url(format!("{}/omni-svcs", api.uri()))
        .token_url(format!("http://{dead}{TOKEN_PATH}"))
        .credentials(CLIENT_ID, CLIENT_SECRET)
        .scope(SCOPE)
        .build()
        .unwrap();
    let err = client.get_promotion(&scenario1()).await.unwrap_err();
    assert!(
        matches!(err.as_core(), Some(partner_sdk_core::Error::Transport(_))),
        "{err:?}"
    );
    assert_eq!(api_requests(&api).await, 0);
}

#[tokio::test]
async fn stall_past_the_timeout_is_a_timeout_after_all_attempts() {
    let server = MockServer::start().await;
    mount_token(&server, 1).await;
    Mock::given(method("POST"))
        .and(path(API_PATH))
        .respond_with(json_body(OFFER).set_delay(Duration::from_millis(800)))
        .mount(&server)
        .await;
    let client = builder(&server)
        .timeout(Duration::from_millis(100))
        .build()
        .unwrap();
    let err = client.get_promotion(&scenario1()).await.unwrap_err();
    assert!(err.as_core().is_some_and(|e| e.is_timeout()), "{err:?}");
    assert!(!matches!(
        err.as_core(),
        Some(partner_sdk_core::Error::OutcomeUnknown(_))
    ));
    assert_eq!(api_requests(&server).await, ATTEMPTS);
    assert_eq!(token_requests(&server).await, 1);
}

#[tokio::test]
async fn reset_mid_body_is_retried_then_a_transport_error() {
    let server = MockServer::start().await;
    mount_token(&server, 1).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let served = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = served.clone();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                loop {
                    let n = socket.read(&mut chunk).await.unwrap_or(0);
                    if n == 0 {
                        return;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                    let text = String::from_utf8_lossy(&buf);
                    if let Some(end) = text.find("\r\n\r\n") {
                        let len = text[..end]
                            .lines()
                            .find_map(|l| {
                                l.to_ascii_lowercase()
                                    .strip_prefix("content-length:")
                                    .map(|v| v.trim().parse::<usize>().unwrap_or(0))
                            })
                            .unwrap_or(0);
                        if buf.len() >= end + 4 + len {
                            break;
                        }
                    }
                }
                let _ = socket
                    .write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 900\r\n\r\n{\"qualificationType\":\"Trade-In\",\"potentialQual")
                    .await;
                let _ = socket.flush().await;
                drop(socket);
            });
        }
    });
    let client = Client::builder()
        .base_url(format!("http://{addr}/omni-svcs"))
        .token_url(format!("{}{TOKEN_PATH}", server.uri()))
        .credentials(CLIENT_ID, CLIENT_SECRET)
        .scope(SCOPE)
        .retry_policy(RetryPolicy::default().with_base_delay(Duration::from_millis(5)))
        .build()
        .unwrap();
    let err = client.get_promotion(&scenario1()).await.unwrap_err();
    assert!(
        matches!(err.as_core(), Some(partner_sdk_core::Error::Transport(_))),
        "{err:?}"
    );
    assert_eq!(served.load(std::sync::atomic::Ordering::SeqCst), ATTEMPTS);
    assert_eq!(token_requests(&server).await, 1);
}

#[tokio::test]
async fn status_500_is_not_retried_with_or_without_retry_after() {
    for template in [
        ResponseTemplate::new(500),
        ResponseTemplate::new(500).insert_header("retry-after", "1"),
    ] {
        let (err, n) = run(template).await;
        assert_eq!(status_of(&err), Some(500));
        assert_eq!(n, 1);
        assert!(!err.is_retryable());
    }
}

async fn retried_status(status: u16) {
    let (err, n) = run(ResponseTemplate::new(status)).await;
    assert_eq!(status_of(&err), Some(status));
    assert!(matches!(
        err.as_core(),
        Some(partner_sdk_core::Error::Api(_))
    ));
    assert!(err.is_retryable());
    assert_eq!(n, ATTEMPTS, "status {status}");
}

#[tokio::test]
async fn status_502_without_retry_after_is_retried() {
    retried_status(502).await;
}

#[tokio::test]
async fn status_503_without_retry_after_is_retried() {
    retried_status(503).await;
}

#[tokio::test]
async fn status_504_without_retry_after_is_retried() {
    retried_status(504).await;
}

#[tokio::test]
async fn status_429_is_retried() {
    retried_status(429).await;
}

async fn retry_after_is_honoured(status: u16) {
    let server = MockServer::start().await;
    mount_token(&server, 1).await;
    Mock::given(method("POST"))
        .and(path(API_PATH))
        .respond_with(ResponseTemplate::new(status).insert_header("retry-after", "1"))
        .mount(&server)
        .await;
    let client = builder(&server)
        .retry_policy(
            RetryPolicy::default()
                .with_max_attempts(2)
                .with_base_delay(Duration::from_millis(5)),
        )
        .build()
        .unwrap();
    let started = Instant::now();
    let err = client.get_promotion(&scenario1()).await.unwrap_err();
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "waited at least Retry-After"
    );
    assert_eq!(status_of(&err), Some(status));
    assert_eq!(
        err.api().unwrap().retry_after(),
        Some(Duration::from_secs(1))
    );
    assert_eq!(api_requests(&server).await, 2);
    assert_eq!(token_requests(&server).await, 1);
}

#[tokio::test]
async fn status_502_with_retry_after_waits_then_retries() {
    retry_after_is_honoured(502).await;
}

#[tokio::test]
async fn status_503_with_retry_after_waits_then_retries() {
    retry_after_is_honoured(503).await;
}

#[tokio::test]
async fn status_504_with_retry_after_waits_then_retries() {
    retry_after_is_honoured(504).await;
}

#[tokio::test]
async fn status_429_with_retry_after_waits_then_retries() {
    retry_after_is_honoured(429).await;
}

#[tokio::test]
async fn retry_after_beyond_the_cap_ends_the_call_with_the_wait() {
    let (err, n) = run(ResponseTemplate::new(503).insert_header("retry-after", "3600")).await;
    assert_eq!(n, 1);
    assert_eq!(
        err.api().unwrap().retry_after(),
        Some(Duration::from_secs(3600))
    );
}

#[tokio::test]
async fn truncated_json_is_a_decode_error_keeping_the_body() {
    let truncated = &OFFER[..OFFER.len() / 2];
    let (err, n) = run(json_body(truncated)).await;
    let Some(partner_sdk_core::Error::Decode(decode)) = err.as_core() else {
        panic!("expected a decode error, got {err:?}");
    };
    assert_eq!(decode.status(), StatusCode::OK);
    assert_eq!(decode.body(), truncated.as_bytes());
    assert_eq!(n, 1);
}

#[tokio::test]
async fn html_error_page_is_an_api_error_with_the_raw_body() {
    let page = "<html><body><h1>502 Bad Gateway</h1></body></html>";
    let (err, n) = run(ResponseTemplate::new(502).set_body_raw(page, "text/html")).await;
    assert_eq!(status_of(&err), Some(502));
    assert!(err.api_body().is_none());
    assert_eq!(err.api().unwrap().body_text(), page);
    assert_eq!(n, ATTEMPTS);
    let (err, n) = run(ResponseTemplate::new(404).set_body_raw(page, "text/html")).await;
    assert_eq!(status_of(&err), Some(404));
    assert_eq!(n, 1);
}

#[tokio::test]
async fn html_page_with_200_is_a_decode_error() {
    let (err, n) =
        run(ResponseTemplate::new(200).set_body_raw("<html>maintenance</html>", "text/html")).await;
    assert!(
        matches!(err.as_core(), Some(partner_sdk_core::Error::Decode(_))),
        "{err:?}"
    );
    assert_eq!(n, 1);
}

#[tokio::test]
async fn wrong_content_type_is_decoded_by_content_and_plain_text_is_a_decode_error() {
    let server = MockServer::start().await;
    mount_token(&server, 1).await;
    Mock::given(method("POST"))
        .and(path(API_PATH))
        .respond_with(ResponseTemplate::new(200).set_body_raw(OFFER, "text/plain"))
        .expect(1)
        .mount(&server)
        .await;
    let offer = client(&server).get_promotion(&scenario1()).await.unwrap();
    assert!(offer.is_eligible());
    let (err, n) = run(ResponseTemplate::new(200).set_body_raw("OK", "text/plain")).await;
    assert!(
        matches!(err.as_core(), Some(partner_sdk_core::Error::Decode(_))),
        "{err:?}"
    );
    assert_eq!(n, 1);
}

#[tokio::test]
async fn status_200_with_a_tmf_error_body_is_an_api_error() {
    let body = r#"{"code":"ERR503","reason":"Service Unavailable","message":"promotion engine down","status":"503"}"#;
    let (err, n) = run(json_body(body)).await;
    assert!(
        matches!(err.as_core(), Some(partner_sdk_core::Error::Api(_))),
        "{err:?}"
    );
    assert_eq!(err.code(), Some(ErrorCode::ServiceUnavailable));
    assert_eq!(err.api().unwrap().message(), Some("promotion engine down"));
    assert_eq!(n, 1);
}
