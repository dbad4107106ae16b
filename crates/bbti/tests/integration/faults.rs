//! Fault matrix: for each network or provider fault, the typed error, the
//! number of requests made, and that no pricing/KYC/delivery POST is sent twice.

use crate::common;

use std::time::Duration;

use common::{Servers, kyc_request, pickup_request};
use partner_sdk_bbti::{Error, PriceProductRequest, PriceQuery};
use partner_sdk_core::{ReconcileKey, RetryPolicy};
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

const SUBMISSION: &str = "order-fault-1";

fn pricing() -> PriceProductRequest {
    PriceProductRequest::new("partner-standard", "iphone-8")
        .storage_key("64gb")
        .submission_id(SUBMISSION)
}

async fn requests(s: &Servers, p: &str) -> usize {
    partner_sdk_test_kit::count_at(&s.api, p).await
}

/// Mounts `template` on both the list and pricing paths.
async fn serve(template: ResponseTemplate) -> Servers {
    let s = Servers::start(None).await;
    for (m, p) in [("GET", "/v1/prices"), ("POST", "/v1/pricing/products")] {
        Mock::given(method(m))
            .and(path(p))
            .respond_with(template.clone())
            .mount(&s.api)
            .await;
    }
    s
}

struct Outcome {
    read: Error,
    reads: usize,
    write: Error,
    writes: usize,
}

async fn run(template: ResponseTemplate) -> Outcome {
    let s = serve(template).await;
    let c = s.client();
    let read = c.list_prices(&PriceQuery::new()).await.unwrap_err();
    let write = c.price_products(&pricing()).await.unwrap_err();
    Outcome {
        read,
        reads: requests(&s, "/v1/prices").await,
        write,
        writes: requests(&s, "/v1/pricing/products").await,
    }
}

/// Asserts `e` is an unknown outcome carrying `key`, never retryable.
fn assert_unknown(e: &Error, key: ReconcileKey) {
    assert!(
        matches!(e, Error::Http(partner_sdk_core::Error::OutcomeUnknown(_))),
        "{e:?}"
    );
    assert_eq!(e.outcome_unknown_key(), Some(&key));
    assert!(!e.is_retryable());
}

fn status(e: &Error) -> u16 {
    e.status().map_or(0, |s| s.as_u16())
}

#[tokio::test]
async fn retryable_statuses_retry_reads_but_never_pricing() {
    for code in [502u16, 503, 504, 429] {
        let o = run(ResponseTemplate::new(code)).await;
        assert_eq!(status(&o.read), code);
        assert_eq!(o.reads, 3, "{code}: reads retried up to 3 attempts");
        if code == 429 {
            // Refused before it was processed: not done, safe to send later.
            assert_eq!(status(&o.write), code);
            assert!(o.write.is_retryable());
        } else {
            assert_unknown(&o.write, ReconcileKey::new("submissionId", SUBMISSION));
        }
        assert_eq!(o.writes, 1, "{code}: pricing POST sent once");
    }
}

#[tokio::test]
async fn internal_server_error_is_not_retried() {
    let o = run(ResponseTemplate::new(500)
        .set_body_json(serde_json::json!({"code": 13, "message": "internal"})))
    .await;
    assert_eq!((status(&o.read), o.reads), (500, 1));
    assert_eq!(o.read.code(), Some(partner_sdk_bbti::ErrorCode::Internal));
    assert_unknown(&o.write, ReconcileKey::new("submissionId", SUBMISSION));
    assert_eq!(o.writes, 1);
}

#[tokio::test]
async fn retry_after_zero_is_honoured_and_long_retry_after_is_reported() {
    for code in [500u16, 502, 503, 504, 429] {
        let o = run(ResponseTemplate::new(code).insert_header("retry-after", "0")).await;
        let expected = if code == 500 { 1 } else { 3 };
        assert_eq!(o.reads, expected, "{code} with Retry-After: 0");
        assert_eq!(o.writes, 1);

        // Longer than the policy's cap (50 ms): the call ends at once and
        // the caller sees how long to wait.
        let o = run(ResponseTemplate::new(code).insert_header("retry-after", "120")).await;
        assert_eq!(o.reads, 1, "{code} with Retry-After: 120");
        assert_eq!(o.writes, 1);
        assert_eq!(
            o.read.api().and_then(|a| a.retry_after()),
            Some(Duration::from_secs(120))
        );
    }
}

#[tokio::test]
async fn html_error_page_keeps_the_body() {
    let o = run(ResponseTemplate::new(502).set_body_raw(
        "<html><body><h1>502 Bad Gateway</h1></body></html>",
        "text/html",
    ))
    .await;
    assert_eq!((status(&o.read), o.reads, o.writes), (502, 3, 1));
    let api = o.read.api().unwrap();
    assert!(api.body_text().contains("Bad Gateway"));
    assert_eq!(o.read.code(), None);
}

#[tokio::test]
async fn truncated_json_is_a_decode_error_without_retry() {
    let o = run(ResponseTemplate::new(200).set_body_raw(
        r#"{"nextPageToken":"","models":[{"model":{"key":"iph"#,
        "application/json",
    ))
    .await;
    assert!(
        matches!(o.read, Error::Http(partner_sdk_core::Error::Decode(_))),
        "{:?}",
        o.read
    );
    // The pricing was accepted: its unreadable answer names the submission
    // to reconcile with instead of inviting a second pricing.
    assert!(
        matches!(
            &o.write,
            Error::Http(partner_sdk_core::Error::AnswerUnreadable(e))
                if e.key == Some(ReconcileKey::new("submissionId", SUBMISSION))
        ),
        "{:?}",
        o.write
    );
    assert_eq!((o.reads, o.writes), (1, 1));
}

#[tokio::test]
async fn wrong_content_type() {
    // HTML with 200: a decode error, not retried.
    let o =
        run(ResponseTemplate::new(200).set_body_raw("<html>maintenance</html>", "text/html")).await;
    assert!(matches!(
        o.read,
        Error::Http(partner_sdk_core::Error::Decode(_))
    ));
    assert_eq!((o.reads, o.writes), (1, 1));
    // JSON labelled text/plain still decodes.
    let s = serve(ResponseTemplate::new(200).set_body_raw(common::PRICES, "text/plain")).await;
    let page = s.client().list_prices(&PriceQuery::new()).await.unwrap();
    assert_eq!(page.items.len(), 1);
}

#[tokio::test]
async fn ok_status_with_an_error_body_is_an_api_error() {
    let o = run(ResponseTemplate::new(200)
        .set_body_json(serde_json::json!({"code": 3, "message": "invalid storageKey"})))
    .await;
    for (e, n) in [(&o.read, o.reads), (&o.write, o.writes)] {
        assert_eq!(
            e.code(),
            Some(partner_sdk_bbti::ErrorCode::InvalidArgument),
            "{e:?}"
        );
        assert_eq!(n, 1);
    }
}

#[tokio::test]
async fn stall_past_timeout() {
    let s = serve(ResponseTemplate::new(200).set_delay(Duration::from_millis(600))).await;
    for (m, p) in [("POST", "/v1/kyc"), ("POST", "/v1/delivery/register")] {
        Mock::given(method(m))
            .and(path(p))
            .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_millis(600)))
            .mount(&s.api)
            .await;
    }
    let c = s
        .builder()
        .timeout(Duration::from_millis(100))
        .build()
        .unwrap();

    let read = c.list_prices(&PriceQuery::new()).await.unwrap_err();
    assert!(
        matches!(read, Error::Http(partner_sdk_core::Error::Timeout(_))),
        "{read:?}"
    );
    assert_eq!(requests(&s, "/v1/prices").await, 3);

    let write = c.price_products(&pricing()).await.unwrap_err();
    match write {
        Error::Http(partner_sdk_core::Error::OutcomeUnknown(e)) => {
            assert_eq!(e.key, Some(ReconcileKey::new("submissionId", SUBMISSION)));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(requests(&s, "/v1/pricing/products").await, 1);

    // Without a submissionId, the one the client generated and sent is the
    // key to reconcile with.
    let e = c
        .price_products(&PriceProductRequest::new("p", "iphone-8"))
        .await
        .unwrap_err();
    let Some(key) = e.outcome_unknown_key() else {
        panic!("{e:?}")
    };
    assert_eq!(key.field(), "submissionId");
    let generated = key.value();
    let sent = s.api.received_requests().await.unwrap();
    let last = sent
        .iter()
        .rev()
        .find(|r| r.url.path() == "/v1/pricing/products")
        .unwrap();
    let body: serde_json::Value = serde_json::from_slice(&last.body).unwrap();
    assert_eq!(body["submissionId"], generated);
    assert_eq!(requests(&s, "/v1/pricing/products").await, 2);

    let e = c.register_kyc(&kyc_request()).await.unwrap_err();
    assert!(
        matches!(&e, Error::Http(partner_sdk_core::Error::OutcomeUnknown(u)) if u.key.as_ref().is_some_and(|k| k.field() == "transactionId")),
        "{e:?}"
    );
    assert!(!e.is_retryable());
    assert_eq!(requests(&s, "/v1/kyc").await, 1);
    let e = c.register_delivery(&pickup_request()).await.unwrap_err();
    assert!(
        matches!(e, Error::Http(partner_sdk_core::Error::OutcomeUnknown(_))),
        "{e:?}"
    );
    assert_eq!(requests(&s, "/v1/delivery/register").await, 1);
}

#[tokio::test]
async fn kyc_and_delivery_are_sent_once_under_503() {
    let s = Servers::start(None).await;
    for p in ["/v1/kyc", "/v1/delivery/register", "/v1/pricing/codes"] {
        Mock::given(method("POST"))
            .and(path(p))
            .respond_with(ResponseTemplate::new(503))
            .expect(1)
            .mount(&s.api)
            .await;
    }
    let c = s.client();
    let kyc = kyc_request();
    assert_unknown(
        &c.register_kyc(&kyc).await.unwrap_err(),
        ReconcileKey::new("transactionId", kyc.transaction_id.clone()),
    );
    let pickup = pickup_request();
    assert_unknown(
        &c.register_delivery(&pickup).await.unwrap_err(),
        ReconcileKey::new("transactionId", pickup.transaction_id.clone()),
    );
    let codes = partner_sdk_bbti::PriceByAppCodeRequest::new("p", "code").submission_id("s-1");
    assert_unknown(
        &c.price_codes(&codes).await.unwrap_err(),
        ReconcileKey::new("submissionId", "s-1"),
    );
}

#[tokio::test]
async fn connection_refused() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let s = Servers::start(None).await;
    let c = partner_sdk_bbti::Client::builder()
        .base_url(format!("http://127.0.0.1:{port}"))
        .token_url(format!("{}/auth/v1/token", s.auth.uri()))
        .credentials(common::CLIENT_ID, common::CLIENT_SECRET)
        .retry_policy(RetryPolicy::default().with_base_delay(Duration::from_millis(5)))
        .build()
        .unwrap();
    let e = c.list_prices(&PriceQuery::new()).await.unwrap_err();
    assert!(
        matches!(e, Error::Http(partner_sdk_core::Error::Transport(_))),
        "{e:?}"
    );
    assert!(e.is_retryable());
    // Nothing was sent, so the POST may be retried safely; it still fails
    // with a transport error, not an unknown outcome.
    let e = c.price_products(&pricing()).await.unwrap_err();
    assert!(
        matches!(e, Error::Http(partner_sdk_core::Error::Transport(_))),
        "{e:?}"
    );

    // The auth server refusing connections is an error too, never a panic.
    let c = partner_sdk_bbti::Client::builder()
        .base_url(s.api.uri())
        .token_url(format!("http://127.0.0.1:{port}/auth/v1/token"))
        .credentials(common::CLIENT_ID, common::CLIENT_SECRET)
        .build()
        .unwrap();
    assert!(c.list_prices(&PriceQuery::new()).await.is_err());
    assert_eq!(requests(&s, "/v1/prices").await, 0);
}

/// A raw server that answers every connection with headers promising 1000
/// bytes, sends 20, and closes: a reset mid-body.
async fn reset_mid_body() -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let hits = std::sync::Arc::new(AtomicUsize::new(0));
    let counter = hits.clone();
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            counter.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(async move {
                let mut buf = vec![0u8; 65536];
                let _ = sock.read(&mut buf).await;
                let _ = sock
                    .write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{\"models\":[{\"model\":")
                    .await;
                let _ = sock.shutdown().await;
            });
        }
    });
    (format!("http://{addr}"), hits)
}

#[tokio::test]
async fn reset_mid_body_retries_reads_and_never_resends_pricing() {
    use std::sync::atomic::Ordering;
    let (uri, hits) = reset_mid_body().await;
    let s = Servers::start(None).await;
    let c = partner_sdk_bbti::Client::builder()
        .base_url(uri)
        .token_url(format!("{}/auth/v1/token", s.auth.uri()))
        .credentials(common::CLIENT_ID, common::CLIENT_SECRET)
        .retry_policy(RetryPolicy::default().with_base_delay(Duration::from_millis(5)))
        .build()
        .unwrap();
    let e = c.list_prices(&PriceQuery::new()).await.unwrap_err();
    assert!(
        matches!(e, Error::Http(partner_sdk_core::Error::Transport(_))),
        "{e:?}"
    );
    assert_eq!(hits.load(Ordering::SeqCst), 3);
    let e = c.price_products(&pricing()).await.unwrap_err();
    match e {
        Error::Http(partner_sdk_core::Error::OutcomeUnknown(e)) => {
            assert_eq!(e.key, Some(ReconcileKey::new("submissionId", SUBMISSION)));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(hits.load(Ordering::SeqCst), 4, "pricing sent once");
}
