//! Endpoints checked on bodies written inline: paging that keeps every
//! filter, and error codes from numbers and names. The checks on the
//! provider's verbatim samples are in the workspace's `tests/bbti/`.

use crate::common::Servers;
use futures::TryStreamExt as _;
use partner_sdk_bbti::{ErrorCode, ModelQuery, PriceQuery};
use wiremock::matchers::{method, path, query_param, query_param_is_missing};
use wiremock::{Mock, ResponseTemplate};

#[tokio::test]
async fn price_stream_walks_three_pages_keeping_filters() {
    let s = Servers::start(Some(1)).await;
    let page = |token: &str, model: &str| {
        serde_json::json!({
            "nextPageToken": token,
            "models": [{"model": {"key": model, "value": model}}]
        })
    };
    for (incoming, next, model) in [
        (None, "t2", "m1"),
        (Some("t2"), "t3", "m2"),
        (Some("t3"), "", "m3"),
    ] {
        let mut m = Mock::given(method("GET"))
            .and(path("/v1/prices"))
            .and(query_param("manufacturers", "apple"))
            .and(query_param("modelKey", "iphone-8"))
            .and(query_param("carrierKey", "simfree"))
            .and(query_param("pageSize", "1"));
        m = match incoming {
            Some(t) => m.and(query_param("pageToken", t)),
            None => m.and(query_param_is_missing("pageToken")),
        };
        m.respond_with(ResponseTemplate::new(200).set_body_json(page(next, model)))
            .expect(1)
            .mount(&s.api)
            .await;
    }
    let q = PriceQuery::new()
        .manufacturer("apple")
        .model_key("iphone-8")
        .carrier_key("simfree")
        .page_size(1);
    let all: Vec<_> = s.client().prices(&q).try_collect().await.unwrap();
    let keys: Vec<_> = all.iter().map(|m| m.model.key.as_str()).collect();
    assert_eq!(keys, ["m1", "m2", "m3"]);
}

#[tokio::test]
async fn model_stream_walks_pages_keeping_filters() {
    let s = Servers::start(Some(1)).await;
    Mock::given(method("GET"))
        .and(path("/v1/models"))
        .and(query_param("series", "iphone"))
        .and(query_param_is_missing("pageToken"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "nextPageToken": "next", "models": [{"model": {"key": "a"}}]
        })))
        .expect(1)
        .mount(&s.api)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/models"))
        .and(query_param("series", "iphone"))
        .and(query_param("pageToken", "next"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "models": [{"model": {"key": "b"}}]
        })))
        .expect(1)
        .mount(&s.api)
        .await;
    let all: Vec<_> = s
        .client()
        .models(&ModelQuery::new().series("iphone"))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(all.len(), 2);
}

#[test]
fn codes_parse_from_numbers_and_names() {
    assert_eq!(ErrorCode::parse("3"), Some(ErrorCode::InvalidArgument));
    assert_eq!(ErrorCode::parse("not_found"), Some(ErrorCode::NotFound));
    assert_eq!(
        ErrorCode::parse("UNAUTHENTICATED"),
        Some(ErrorCode::Unauthenticated)
    );
    assert_eq!(ErrorCode::parse("???"), None);
    for n in 0..=16 {
        assert_eq!(ErrorCode::from_code(n).code(), n);
    }
    assert_eq!(ErrorCode::InvalidArgument.to_string(), "INVALID_ARGUMENT");
}
