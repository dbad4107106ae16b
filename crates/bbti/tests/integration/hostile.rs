//! Hostile and broken servers through the public BBTI client: the shared
//! hostile-server suite, and what only BBTI has (its dates, its price
//! list's record limit, its page tokens).

use std::io::Read;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use futures::StreamExt as _;
use partner_sdk_bbti::price_list::{PriceListError, read_csv, read_csv_async};
use partner_sdk_bbti::{PriceProductRequest, PriceQuery};
use partner_sdk_core::{PaginationStop, ReconcileKey};
use partner_sdk_test_kit::count_at;
use partner_sdk_test_kit::subject::{client, core, sent_to_auth, server};
use serde_json::json;
use wiremock::matchers::{path, query_param};
use wiremock::{Mock, ResponseTemplate};

use crate::subject::Bbti;

partner_sdk_test_kit::hostile_suite!(Bbti, auth, token, ids, pages);

#[tokio::test]
async fn edge_dates_decode_as_numbers_or_fail_typed() {
    let server = server::<Bbti>().await;
    let with_date = |date: serde_json::Value| json!({"transactionId": "tx-1", "deliveryDetail": {"pickupDate": date}});
    Mock::given(path("/v1/transactions/edge"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(with_date(json!({"year": 9999, "month": 13, "day": 32}))),
        )
        .mount(&server)
        .await;
    Mock::given(path("/v1/transactions/negative"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(with_date(json!({"year": "-5", "month": 0, "day": -1}))),
        )
        .mount(&server)
        .await;
    Mock::given(path("/v1/transactions/overflow"))
        .respond_with(ResponseTemplate::new(200).set_body_json(with_date(
            json!({"year": 4_294_967_296u64, "month": 1, "day": 1}),
        )))
        .mount(&server)
        .await;
    let c = client::<Bbti>(&server);
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
        matches!(core::<Bbti>(&err), partner_sdk_core::Error::Decode(d) if d.path().contains("pickupDate")),
        "{err:?}"
    );
    assert_eq!(count_at(&server, "/v1/transactions/edge").await, 1);
    assert_eq!(count_at(&server, "/v1/transactions/negative").await, 1);
    assert_eq!(count_at(&server, "/v1/transactions/overflow").await, 1);
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

fn price_page(model: &str, next: &str) -> serde_json::Value {
    json!({"nextPageToken": next, "models": [{"model": {"key": model, "value": model}}]})
}

#[tokio::test]
async fn a_repeated_next_page_token_ends_the_stream() {
    let server = server::<Bbti>().await;
    Mock::given(path("/v1/prices"))
        .and(query_param("pageToken", "again"))
        .respond_with(ResponseTemplate::new(200).set_body_json(price_page("pixel", "again")))
        .mount(&server)
        .await;
    Mock::given(path("/v1/prices"))
        .respond_with(ResponseTemplate::new(200).set_body_json(price_page("iphone", "again")))
        .mount(&server)
        .await;
    let c = client::<Bbti>(&server);
    let results: Vec<_> = c.prices(&PriceQuery::new()).collect().await;
    assert_eq!(results.len(), 3, "two models, then the error");
    assert!(
        matches!(
            core::<Bbti>(results[2].as_ref().unwrap_err()),
            partner_sdk_core::Error::Pagination(e)
                if (e.pages, e.reason) == (2, PaginationStop::RepeatedCursor)
        ),
        "{:?}",
        results[2]
    );
    assert_eq!(
        (
            sent_to_auth::<Bbti>(&server).await,
            count_at(&server, "/v1/prices").await
        ),
        (1, 2)
    );
}

#[tokio::test]
async fn an_unreadable_answer_to_a_pricing_names_the_submission() {
    let server = server::<Bbti>().await;
    Mock::given(path("/v1/pricing/products"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw(r#"{"price": {"oops": 1}}"#, "application/json"),
        )
        .expect(1)
        .mount(&server)
        .await;
    let pricing = PriceProductRequest::new("partner-standard", "iphone-8")
        .storage_key("64gb")
        .submission_id("sub-77");
    let err = client::<Bbti>(&server)
        .price_products(&pricing)
        .await
        .unwrap_err();
    assert!(
        matches!(core::<Bbti>(&err), partner_sdk_core::Error::AnswerUnreadable(e) if e.key == Some(ReconcileKey::new("submissionId", "sub-77"))),
        "{err:?}"
    );
    server.verify().await;
}
