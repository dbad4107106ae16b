//! Hostile and broken servers through the public BBTI client: each case ends
//! in a typed error (or a clamped value), with the requests made asserted,
//! and never a panic, a followed redirect, an unbounded read or an endless
//! stream.

use std::io::Read;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use futures::StreamExt as _;
use partner_sdk_bbti::price_list::{PriceListError, read_csv, read_csv_async};
use partner_sdk_bbti::{Client, Error, PriceProductRequest, PriceQuery};
use partner_sdk_core::{PaginationStop, ReconcileKey, RetryPolicy};
use partner_sdk_test_kit::{RawServer, Reply, count};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const CLIENT_ID: &str = "hostile-client";
const CLIENT_SECRET: &str = "hostile-Secret-9931";
const TOKEN: &str = "hostile-token-5f5f";

fn builder(api: &str, auth: &str) -> partner_sdk_bbti::ClientBuilder {
    Client::builder()
        .base_url(api)
        .token_url(format!("{}/auth/v1/token", auth))
        .credentials(CLIENT_ID, CLIENT_SECRET)
        .retry_policy(
            RetryPolicy::default()
                .with_base_delay(Duration::from_millis(1))
                .with_max_delay(Duration::from_millis(50)),
        )
        .timeout(Duration::from_secs(5))
}

async fn token_server(expires_in: serde_json::Value) -> MockServer {
    let auth = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/auth/v1/token"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"access_token": TOKEN, "expires_in": expires_in})),
        )
        .mount(&auth)
        .await;
    auth
}

fn core(e: &Error) -> &partner_sdk_core::Error {
    match e {
        Error::Http(e) => e,
        other => panic!("not an HTTP error: {other:?}"),
    }
}

fn pricing(id: &str) -> PriceProductRequest {
    PriceProductRequest::new("partner-standard", "iphone-8")
        .storage_key("64gb")
        .submission_id(id)
}

// 1. Absurd numbers ---------------------------------------------------------

#[tokio::test]
async fn absurd_expires_in_is_clamped_and_one_token_serves_every_call() {
    for expires_in in [
        json!(i64::MAX),
        json!(u64::MAX),
        json!("99999999999999999999"),
        json!(-1),
        json!(1e300),
    ] {
        let auth = token_server(expires_in.clone()).await;
        let api = MockServer::start().await;
        Mock::given(path("/v1/transactions/tx-1"))
            .respond_with(
                ResponseTemplate::new(200).set_body_json(json!({"transactionId": "tx-1"})),
            )
            .mount(&api)
            .await;
        let c = builder(&api.uri(), &auth.uri())
            .default_token_lifetime(Duration::MAX)
            .build()
            .unwrap();
        for _ in 0..3 {
            c.get_transaction("tx-1").await.unwrap();
        }
        assert_eq!(
            (count(&auth).await, count(&api).await),
            (1, 3),
            "{expires_in}"
        );
    }
}

#[tokio::test]
async fn a_non_numeric_expires_in_is_an_auth_error() {
    let auth = token_server(json!("tomorrow")).await;
    let api = MockServer::start().await;
    let c = builder(&api.uri(), &auth.uri()).build().unwrap();
    let err = c.get_transaction("tx-1").await.unwrap_err();
    assert!(
        matches!(core(&err), partner_sdk_core::Error::Auth(_)),
        "{err:?}"
    );
    assert!(!format!("{err:?}").contains(TOKEN));
    assert_eq!((count(&auth).await, count(&api).await), (1, 0));
}

#[tokio::test]
async fn absurd_retry_after_is_clamped_and_ends_the_call() {
    let auth = token_server(json!(3600)).await;
    let api = MockServer::start().await;
    Mock::given(path("/v1/prices"))
        .respond_with(
            ResponseTemplate::new(503).insert_header("retry-after", "99999999999999999999"),
        )
        .mount(&api)
        .await;
    let c = builder(&api.uri(), &auth.uri()).build().unwrap();
    let err = c.list_prices(&PriceQuery::new()).await.unwrap_err();
    assert_eq!(
        err.api().and_then(|a| a.retry_after()),
        Some(partner_sdk_core::defaults::MAX_RETRY_AFTER)
    );
    assert_eq!(count(&api).await, 1);
}

// 2. Dates at the calendar edge ------------------------------------------------

#[tokio::test]
async fn edge_dates_decode_as_numbers_or_fail_typed() {
    let auth = token_server(json!(3600)).await;
    let api = MockServer::start().await;
    let with_date = |date: serde_json::Value| json!({"transactionId": "tx-1", "deliveryDetail": {"pickupDate": date}});
    Mock::given(path("/v1/transactions/edge"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(with_date(json!({"year": 9999, "month": 13, "day": 32}))),
        )
        .mount(&api)
        .await;
    Mock::given(path("/v1/transactions/negative"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(with_date(json!({"year": "-5", "month": 0, "day": -1}))),
        )
        .mount(&api)
        .await;
    Mock::given(path("/v1/transactions/overflow"))
        .respond_with(ResponseTemplate::new(200).set_body_json(with_date(
            json!({"year": 4_294_967_296u64, "month": 1, "day": 1}),
        )))
        .mount(&api)
        .await;
    let c = builder(&api.uri(), &auth.uri()).build().unwrap();
    let edge = c.get_transaction("edge").await.unwrap();
    let date = edge.delivery_detail.unwrap().pickup_date.unwrap();
    assert_eq!((date.year, date.month, date.day), (9999, 13, 32));
    assert_eq!(date.to_string(), "9999-13-32");
    let negative = c.get_transaction("negative").await.unwrap();
    assert_eq!(
        negative.delivery_detail.unwrap().pickup_date.unwrap().year,
        -5
    );
    let err = c.get_transaction("overflow").await.unwrap_err();
    assert!(
        matches!(core(&err), partner_sdk_core::Error::Decode(d) if d.path().contains("pickupDate")),
        "{err:?}"
    );
    assert_eq!(count(&api).await, 3);
}

// 3. Control characters in every id parameter ---------------------------------

#[tokio::test]
async fn control_characters_in_the_transaction_id_are_refused_before_anything_is_sent() {
    let auth = token_server(json!(3600)).await;
    let api = MockServer::start().await;
    let c = builder(&api.uri(), &auth.uri()).build().unwrap();
    for bad in [
        "..\t",
        ".\t.",
        "\t..",
        "..\r\n",
        "tx\n1",
        "tx\u{7f}",
        "tx\u{0}",
        "\u{1b}[2J",
    ] {
        let err = c.get_transaction(bad).await.unwrap_err();
        assert!(
            matches!(core(&err), partner_sdk_core::Error::InvalidInput(e) if e.field == "transactionId"),
            "{bad:?}: {err:?}"
        );
    }
    assert_eq!(
        (count(&auth).await, count(&api).await),
        (0, 0),
        "not even a token"
    );
}

// 4. Redirects -----------------------------------------------------------------

#[tokio::test]
async fn a_redirecting_token_endpoint_keeps_the_credentials_home() {
    let elsewhere = MockServer::start().await;
    let auth = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(307).insert_header(
            "location",
            format!("{}/token?client={CLIENT_ID}", elsewhere.uri()),
        ))
        .mount(&auth)
        .await;
    let api = MockServer::start().await;
    let c = builder(&api.uri(), &auth.uri()).build().unwrap();
    let err = c.get_transaction("tx-1").await.unwrap_err();
    assert!(
        matches!(core(&err), partner_sdk_core::Error::Redirect(e) if e.operation == "oauth2_token"
            && e.location == Some(format!("{}/token", elsewhere.uri()))),
        "{err:?}"
    );
    assert_eq!((count(&auth).await, count(&api).await), (1, 0));
    assert_eq!(
        count(&elsewhere).await,
        0,
        "no Basic header, no form elsewhere"
    );
}

#[tokio::test]
async fn a_redirecting_api_keeps_the_bearer_token_home() {
    let elsewhere = MockServer::start().await;
    let auth = token_server(json!(3600)).await;
    let api = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(
            ResponseTemplate::new(308)
                .insert_header("location", format!("{}/v1/pricing", elsewhere.uri())),
        )
        .mount(&api)
        .await;
    let c = builder(&api.uri(), &auth.uri()).build().unwrap();
    let read = c.get_transaction("tx-1").await.unwrap_err();
    let write = c.price_products(&pricing("sub-1")).await.unwrap_err();
    for e in [&read, &write] {
        assert!(
            matches!(core(e), partner_sdk_core::Error::Redirect(_)),
            "{e:?}"
        );
    }
    assert_eq!((count(&auth).await, count(&api).await), (1, 2));
    assert_eq!(count(&elsewhere).await, 0);
}

// 5. Bounded memory --------------------------------------------------------------

#[tokio::test]
async fn a_1_gib_answer_is_cut_at_the_configured_cap() {
    let auth = token_server(json!(3600)).await;
    for content_length in [Some(1u64 << 30), None] {
        let api = RawServer::start(move |_, _| Reply::Stream {
            status: 200,
            content_length,
            total: 1 << 30,
        })
        .await;
        let c = builder(&api.uri(), &auth.uri())
            .max_response_body(512 * 1024)
            .build()
            .unwrap();
        let read = c.list_prices(&PriceQuery::new()).await.unwrap_err();
        assert!(
            matches!(
                core(&read),
                partner_sdk_core::Error::ResponseTooLarge(e) if e.limit == 524_288
            ),
            "{read:?}"
        );
        let write = c.price_products(&pricing("sub-big")).await.unwrap_err();
        assert!(
            matches!(core(&write), partner_sdk_core::Error::AnswerUnreadable(e) if e.key == Some(ReconcileKey::new("submissionId", "sub-big"))),
            "{write:?}"
        );
        let paths: Vec<String> = api.requests().iter().map(|r| r.path().to_owned()).collect();
        assert_eq!(
            paths,
            ["/v1/prices", "/v1/pricing/products"],
            "nothing retried"
        );
    }
}

/// A reader of an endless price list: a header, one good row, then a field
/// whose quote never closes. Counts the bytes handed out.
struct EndlessQuote {
    head: Vec<u8>,
    pos: usize,
    handed_out: Arc<AtomicU64>,
}

impl EndlessQuote {
    fn new(handed_out: Arc<AtomicU64>) -> Self {
        let head = "category,category_value,sku_id,grade,year,month,price,model,model_value,storage,storage_value,carrier,carrier_value,series,series_value,manufacturer,manufacturer_value\n\
                    smartphone,Smartphone,1,a,2024,1,10000.00,iphone-8,iPhone 8,64gb,64GB,simfree,SIM free,iphone,iPhone,apple,Apple\n\
                    smartphone,\"Smart"
            .as_bytes()
            .to_vec();
        EndlessQuote {
            head,
            pos: 0,
            handed_out,
        }
    }
}

impl Read for EndlessQuote {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = if self.pos < self.head.len() {
            let n = buf.len().min(self.head.len() - self.pos);
            buf[..n].copy_from_slice(&self.head[self.pos..self.pos + n]);
            self.pos += n;
            n
        } else {
            buf.fill(b'x');
            buf.len()
        };
        self.handed_out.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

impl tokio::io::AsyncRead for EndlessQuote {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        let mut tmp = vec![0u8; buf.remaining()];
        let n = self.read(&mut tmp)?;
        buf.put_slice(&tmp[..n]);
        std::task::Poll::Ready(Ok(()))
    }
}

#[test]
fn an_unterminated_quote_stops_at_the_record_limit() {
    let handed_out = Arc::new(AtomicU64::new(0));
    let results: Vec<_> = read_csv(EndlessQuote::new(Arc::clone(&handed_out))).collect();
    assert_eq!(results.len(), 2, "the good row, then the error");
    assert!(results[0].is_ok());
    let err = results[1].as_ref().unwrap_err();
    assert!(
        matches!(
            err,
            PriceListError::RecordTooLong {
                line: 3,
                limit: 65_536
            }
        ),
        "{err:?}"
    );
    assert_eq!(err.line(), Some(3));
    assert!(
        handed_out.load(Ordering::Relaxed) < 128 * 1024,
        "bounded read"
    );
}

#[tokio::test]
async fn an_unterminated_quote_stops_at_the_record_limit_async() {
    let handed_out = Arc::new(AtomicU64::new(0));
    let results: Vec<_> = read_csv_async(EndlessQuote::new(Arc::clone(&handed_out)))
        .collect()
        .await;
    assert_eq!(results.len(), 2);
    assert!(
        matches!(
            results[1],
            Err(PriceListError::RecordTooLong { line: 3, .. })
        ),
        "{:?}",
        results[1]
    );
    assert!(handed_out.load(Ordering::Relaxed) < 128 * 1024);
}

// 6. Streams end -------------------------------------------------------------------

fn price_page(model: &str, next: &str) -> serde_json::Value {
    json!({"nextPageToken": next, "models": [{"model": {"key": model, "value": model}}]})
}

#[tokio::test]
async fn a_repeated_next_page_token_ends_the_stream() {
    let auth = token_server(json!(3600)).await;
    let api = MockServer::start().await;
    Mock::given(path("/v1/prices"))
        .and(wiremock::matchers::query_param("pageToken", "again"))
        .respond_with(ResponseTemplate::new(200).set_body_json(price_page("pixel", "again")))
        .mount(&api)
        .await;
    Mock::given(path("/v1/prices"))
        .respond_with(ResponseTemplate::new(200).set_body_json(price_page("iphone", "again")))
        .mount(&api)
        .await;
    let c = builder(&api.uri(), &auth.uri()).build().unwrap();
    let results: Vec<_> = c.prices(&PriceQuery::new()).collect().await;
    assert_eq!(results.len(), 3, "two models, then the error");
    assert!(
        matches!(
            core(results[2].as_ref().unwrap_err()),
            partner_sdk_core::Error::Pagination(e)
                if (e.pages, e.reason) == (2, PaginationStop::RepeatedCursor)
        ),
        "{:?}",
        results[2]
    );
    assert_eq!((count(&auth).await, count(&api).await), (1, 2));
}

#[tokio::test]
async fn the_page_cap_ends_a_listing_that_never_ends() {
    let auth = token_server(json!(3600)).await;
    let served = Arc::new(AtomicU64::new(0));
    let s = Arc::clone(&served);
    let api = RawServer::start(move |_, _| {
        let n = s.fetch_add(1, Ordering::SeqCst);
        Reply::json(
            200,
            price_page(&format!("m{n}"), &format!("t{n}")).to_string(),
        )
    })
    .await;
    let c = builder(&api.uri(), &auth.uri())
        .max_pages(5)
        .build()
        .unwrap();
    let results: Vec<_> = c
        .models(&partner_sdk_bbti::ModelQuery::new())
        .collect()
        .await;
    assert_eq!(results.len(), 6);
    assert!(
        matches!(
            core(results[5].as_ref().unwrap_err()),
            partner_sdk_core::Error::Pagination(e) if e.reason == PaginationStop::MaxPages(5)
        ),
        "{:?}",
        results[5]
    );
    assert_eq!(api.requests().len(), 5);
}

// 8. Token cache under failure ---------------------------------------------------

#[tokio::test(start_paused = true)]
async fn a_hanging_token_endpoint_is_one_request_for_fifty_callers() {
    let auth = RawServer::start(|_, _| Reply::Hang).await;
    let api = RawServer::start(|_, _| Reply::json(200, r#"{"transactionId":"tx-1"}"#)).await;
    let c = builder(&api.uri(), &auth.uri()).build().unwrap();
    let calls: Vec<_> = (0..50)
        .map(|_| {
            let c = c.clone();
            tokio::spawn(async move { c.get_transaction("tx-1").await })
        })
        .collect();
    for call in calls {
        let err = call.await.unwrap().unwrap_err();
        assert!(
            matches!(core(&err), partner_sdk_core::Error::Timeout(_)),
            "{err:?}"
        );
    }
    assert_eq!(auth.requests().len(), 1, "one shared attempt");
    assert_eq!(api.requests().len(), 0);
}

#[tokio::test(start_paused = true)]
async fn a_failed_early_refresh_keeps_using_the_valid_token() {
    let auth = RawServer::start(|_, i| match i {
        0 => Reply::json(
            200,
            format!(r#"{{"access_token":"{TOKEN}","expires_in":3600}}"#),
        ),
        _ => Reply::json(503, "{}"),
    })
    .await;
    let api = RawServer::start(|_, _| Reply::json(200, r#"{"transactionId":"tx-1"}"#)).await;
    let c = builder(&api.uri(), &auth.uri()).build().unwrap();
    c.get_transaction("tx-1").await.unwrap();
    tokio::time::advance(Duration::from_secs(3400)).await;
    c.get_transaction("tx-1").await.unwrap();
    let bearer = format!("Bearer {TOKEN}");
    assert!(
        api.requests()
            .iter()
            .all(|r| r.header("authorization") == Some(bearer.as_str()))
    );
    assert_eq!((auth.requests().len(), api.requests().len()), (2, 2));
}

// 9. Nothing personal in errors -----------------------------------------------

#[tokio::test]
async fn transport_errors_keep_the_path_template_not_the_id() {
    let auth = token_server(json!(3600)).await;
    let c = builder("http://127.0.0.1:9", &auth.uri()).build().unwrap();
    let err = c.get_transaction("TX-PERSONAL-0042").await.unwrap_err();
    assert!(
        matches!(core(&err), partner_sdk_core::Error::Transport(e) if e.path == "/v1/transactions/{transactionId}"),
        "{err:?}"
    );
    assert!(!format!("{err} {err:?}").contains("PERSONAL-0042"));
}

#[tokio::test]
async fn an_unreadable_answer_to_a_pricing_names_the_submission() {
    let auth = token_server(json!(3600)).await;
    let api = MockServer::start().await;
    Mock::given(path("/v1/pricing/products"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw(r#"{"price": {"oops": 1}}"#, "application/json"),
        )
        .expect(1)
        .mount(&api)
        .await;
    let c = builder(&api.uri(), &auth.uri()).build().unwrap();
    let err = c.price_products(&pricing("sub-77")).await.unwrap_err();
    assert!(
        matches!(core(&err), partner_sdk_core::Error::AnswerUnreadable(e) if e.key == Some(ReconcileKey::new("submissionId", "sub-77"))),
        "{err:?}"
    );
    api.verify().await;
}
