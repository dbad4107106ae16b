//! Each endpoint: what is sent (method, path, query, headers, body) and
//! what is parsed.

use crate::support as common;

use bbti::{
    Condition, Date, Grade, ManufacturerQuery, ModelQuery, PickupTime, PriceByAppCodeRequest,
    PriceProductRequest, PriceQuery, SeriesQuery, TransactionStatus,
};
use common::{Servers, bearer, fixture, fixture_json};
use wiremock::matchers::{body_json, header, method, path, query_param, query_param_is_missing};
use wiremock::{Mock, ResponseTemplate};

fn ok(name: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(fixture(name), "application/json")
}

#[tokio::test]
async fn list_manufacturers_sends_categories_and_bearer() {
    let s = Servers::start(Some(1)).await;
    Mock::given(method("GET"))
        .and(path("/v1/manufacturers"))
        .and(query_param("categories", "smartphone,note-pc"))
        .and(header("authorization", bearer().as_str()))
        .and(header("accept", "application/json"))
        .respond_with(ok("list_manufacturers.json"))
        .expect(1)
        .mount(&s.api)
        .await;
    let m = s
        .client()
        .list_manufacturers(
            &ManufacturerQuery::new()
                .category("smartphone")
                .category("note-pc"),
        )
        .await
        .unwrap();
    assert_eq!(
        m.iter().map(|k| k.key.as_str()).collect::<Vec<_>>(),
        ["apple", "google"]
    );
}

#[tokio::test]
async fn list_series_sends_both_filters() {
    let s = Servers::start(Some(1)).await;
    Mock::given(method("GET"))
        .and(path("/v1/series"))
        .and(query_param("categories", "smartphone"))
        .and(query_param("manufacturers", "apple,google"))
        .and(header("authorization", bearer().as_str()))
        .respond_with(ok("list_series.json"))
        .expect(1)
        .mount(&s.api)
        .await;
    let series = s
        .client()
        .list_series(
            &SeriesQuery::new()
                .category("smartphone")
                .manufacturers_from(["apple", "google"]),
        )
        .await
        .unwrap();
    assert_eq!(series.len(), 2);
    assert_eq!(series[0].series.key, "iphone");
}

#[tokio::test]
async fn list_models_sends_filters_and_paging() {
    let s = Servers::start(Some(1)).await;
    Mock::given(method("GET"))
        .and(path("/v1/models"))
        .and(query_param("categories", "smartphone"))
        .and(query_param("manufacturers", "apple"))
        .and(query_param("series", "iphone"))
        .and(query_param("pageSize", "200"))
        .and(query_param("pageToken", "p2"))
        .respond_with(ok("list_models.json"))
        .expect(1)
        .mount(&s.api)
        .await;
    let page = s
        .client()
        .list_models(
            &ModelQuery::new()
                .category("smartphone")
                .manufacturer("apple")
                .series("iphone")
                .page_size(200)
                .page_token("p2"),
        )
        .await
        .unwrap();
    assert_eq!(page.items[0].model.value, "iPhone 8");
}

#[tokio::test]
async fn list_prices_sends_every_filter() {
    let s = Servers::start(Some(1)).await;
    Mock::given(method("GET"))
        .and(path("/v1/prices"))
        .and(query_param("programId", "partner-standard"))
        .and(query_param("manufacturers", "apple"))
        .and(query_param("series", "iphone"))
        .and(query_param("categories", "smartphone"))
        .and(query_param("modelKey", "iphone-8"))
        .and(query_param("storageKey", "64gb"))
        .and(query_param("memoryKey", "2gb"))
        .and(query_param("carrierKey", "simfree"))
        .and(query_param("pageSize", "50"))
        .and(query_param_is_missing("pageToken"))
        .and(header("authorization", bearer().as_str()))
        .respond_with(ok("list_prices.json"))
        .expect(1)
        .mount(&s.api)
        .await;
    let page = s
        .client()
        .list_prices(
            &PriceQuery::new()
                .program_id("partner-standard")
                .manufacturer("apple")
                .series("iphone")
                .category("smartphone")
                .model_key("iphone-8")
                .storage_key("64gb")
                .memory_key("2gb")
                .carrier_key("simfree")
                .page_size(50),
        )
        .await
        .unwrap();
    assert_eq!(
        page.items[0].price_for("64gb", "simfree", &Grade::A),
        Some(10000)
    );
}

#[tokio::test]
async fn price_products_posts_camel_case_body_once() {
    let s = Servers::start(Some(1)).await;
    Mock::given(method("POST"))
        .and(path("/v1/pricing/products"))
        .and(header("authorization", bearer().as_str()))
        .and(header("content-type", "application/json"))
        .and(body_json(fixture_json("pricing_products_request.json")))
        .respond_with(ok("pricing_products_response.json"))
        .expect(1)
        .mount(&s.api)
        .await;
    let r = s
        .client()
        .price_products(
            &PriceProductRequest::new("partner-standard", "iphone-8")
                .submission_id("order-20240115-0001")
                .storage_key("64gb")
                .carrier_key("simfree")
                .condition(Condition::Pass, Condition::Fail),
        )
        .await
        .unwrap();
    assert_eq!((r.grade, r.price), (Grade::B, 7500));
}

#[tokio::test]
async fn price_codes_posts_app_code() {
    let s = Servers::start(Some(1)).await;
    Mock::given(method("POST"))
        .and(path("/v1/pricing/codes"))
        .and(header("authorization", bearer().as_str()))
        .and(body_json(fixture_json("pricing_codes_request.json")))
        .respond_with(ok("pricing_codes_response.json"))
        .expect(1)
        .mount(&s.api)
        .await;
    let r = s
        .client()
        .price_codes(
            &PriceByAppCodeRequest::new("partner-standard", "V1.1-IPHONE8-128-SF.PP")
                .submission_id("order-20240115-0002")
                .campaign_code("SPRING2024"),
        )
        .await
        .unwrap();
    assert_eq!(r.delta_price, 1000);
}

#[tokio::test]
async fn register_kyc_posts_the_user() {
    let s = Servers::start(Some(1)).await;
    Mock::given(method("POST"))
        .and(path("/v1/kyc"))
        .and(header("authorization", bearer().as_str()))
        .and(body_json(fixture_json("kyc_request.json")))
        .respond_with(ok("kyc_response.json"))
        .expect(1)
        .mount(&s.api)
        .await;
    let r = s
        .client()
        .register_kyc(&common::kyc_request())
        .await
        .unwrap();
    assert!(r.url.starts_with("https://"));
}

#[tokio::test]
async fn katakana_names_are_optional_and_omitted_when_absent() {
    let s = Servers::start(Some(1)).await;
    let mut kyc_body = fixture_json("kyc_request.json");
    let mut pickup_body = fixture_json("delivery_pickup_request.json");
    for body in [&mut kyc_body, &mut pickup_body] {
        let o = body.as_object_mut().unwrap();
        o.remove("lastNameKana");
        o.remove("firstNameKana");
    }
    Mock::given(method("POST"))
        .and(path("/v1/kyc"))
        .and(body_json(kyc_body))
        .respond_with(ok("kyc_response.json"))
        .expect(1)
        .mount(&s.api)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/delivery/register"))
        .and(body_json(pickup_body))
        .respond_with(ok("delivery_pickup_response.json"))
        .expect(1)
        .mount(&s.api)
        .await;
    let c = s.client();
    let kyc = bbti::KycRequest {
        last_name_kana: None,
        first_name_kana: None,
        ..common::kyc_request()
    };
    c.register_kyc(&kyc).await.unwrap();
    let pickup = bbti::RegisterDeliveryRequest {
        last_name_kana: None,
        first_name_kana: None,
        ..common::pickup_request()
    };
    c.register_delivery(&pickup).await.unwrap();
    // Given but blank is still refused before sending.
    let blank = bbti::KycRequest {
        last_name_kana: Some(" ".into()),
        ..common::kyc_request()
    };
    let e = c.register_kyc(&blank).await.unwrap_err();
    assert!(e.to_string().contains("lastNameKana"), "{e}");
}

#[tokio::test]
async fn register_delivery_posts_pickup_and_reads_bring_in_codes() {
    let s = Servers::start(Some(1)).await;
    Mock::given(method("POST"))
        .and(path("/v1/delivery/register"))
        .and(body_json(fixture_json("delivery_pickup_request.json")))
        .respond_with(ok("delivery_pickup_response.json"))
        .expect(1)
        .mount(&s.api)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/delivery/register"))
        .and(wiremock::matchers::body_partial_json(
            serde_json::json!({"deliveryPattern": "DELIVERY_PATTERN_BRING_IN"}),
        ))
        .respond_with(ok("delivery_bring_in_response.json"))
        .expect(1)
        .mount(&s.api)
        .await;
    let c = s.client();
    let r = c
        .register_delivery(&common::pickup_request())
        .await
        .unwrap();
    assert_eq!(r.delivery_detail.pickup_time, PickupTime::From14To16);
    let mut bring = common::pickup_request();
    bring.delivery_pattern = bbti::DeliveryPattern::BringIn;
    bring.pickup_date = None;
    bring.pickup_time = None;
    let r = c.register_delivery(&bring).await.unwrap();
    assert!(r.delivery_detail.qr_code.is_png());
    assert!(r.delivery_detail.barcode.is_png());
}

#[tokio::test]
async fn get_transaction_puts_the_id_in_one_segment() {
    let s = Servers::start(Some(1)).await;
    Mock::given(method("GET"))
        .and(path("/v1/transactions/01HM2Z8Q4V7K9D3T6W5X1Y0BCE"))
        .and(header("authorization", bearer().as_str()))
        .respond_with(ok("get_transaction.json"))
        .expect(1)
        .mount(&s.api)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/transactions/a%2Fb%3Fc"))
        .respond_with(ok("get_transaction.json"))
        .expect(1)
        .mount(&s.api)
        .await;
    let c = s.client();
    let t = c
        .get_transaction("01HM2Z8Q4V7K9D3T6W5X1Y0BCE")
        .await
        .unwrap();
    assert_eq!(t.status, TransactionStatus::GradeConfirmed);
    c.get_transaction("a/b?c").await.unwrap();
}

#[tokio::test]
async fn bad_input_is_refused_before_sending() {
    let s = Servers::start(Some(0)).await;
    let c = s.client();
    let field = |e: bbti::Error| match e {
        bbti::Error::Http(partner_sdk::core::Error::InvalidInput(e)) => e.field.into_owned(),
        other => panic!("{other:?}"),
    };
    let e = c
        .list_models(&ModelQuery::new().page_size(201))
        .await
        .unwrap_err();
    assert_eq!(field(e), "pageSize");
    let e = c
        .list_prices(&PriceQuery::new().page_size(0))
        .await
        .unwrap_err();
    assert_eq!(field(e), "pageSize");
    let e = c
        .list_series(&SeriesQuery::new().manufacturer("a,b"))
        .await
        .unwrap_err();
    assert_eq!(field(e), "manufacturers");
    let e = c
        .list_prices(&PriceQuery::new().model_key(" "))
        .await
        .unwrap_err();
    assert_eq!(field(e), "modelKey");
    let e = c
        .price_products(&PriceProductRequest::new("", "iphone-8"))
        .await
        .unwrap_err();
    assert_eq!(field(e), "programId");
    let e = c
        .price_codes(&PriceByAppCodeRequest::new("p", ""))
        .await
        .unwrap_err();
    assert_eq!(field(e), "appCode");
    let mut k = common::kyc_request();
    k.email = "not-an-email".into();
    assert_eq!(field(c.register_kyc(&k).await.unwrap_err()), "email");
    let mut k = common::kyc_request();
    k.date_of_birth = Date::new(1990, 2, 30);
    assert_eq!(field(c.register_kyc(&k).await.unwrap_err()), "dateOfBirth");
    let mut d = common::pickup_request();
    d.pickup_time = None;
    assert_eq!(
        field(c.register_delivery(&d).await.unwrap_err()),
        "pickupTime"
    );
    let mut d = common::pickup_request();
    d.delivery_pattern = bbti::DeliveryPattern::BringIn;
    assert_eq!(
        field(c.register_delivery(&d).await.unwrap_err()),
        "pickupDate"
    );
    assert_eq!(
        field(c.get_transaction("").await.unwrap_err()),
        "transactionId"
    );
    assert_eq!(
        field(c.get_transaction("..").await.unwrap_err()),
        "transactionId"
    );
    let mut stream = c.prices(&PriceQuery::new().page_size(500));
    let first = futures::StreamExt::next(&mut stream)
        .await
        .unwrap()
        .unwrap_err();
    assert_eq!(field(first), "pageSize");
    assert!(futures::StreamExt::next(&mut stream).await.is_none());
}

#[test]
fn builder_requires_urls_and_credentials() {
    let config = |b: bbti::ClientBuilder| {
        matches!(
            b.build(),
            Err(bbti::Error::Http(partner_sdk::core::Error::Config(_)))
        )
    };
    assert!(config(bbti::Client::builder()));
    assert!(config(
        bbti::Client::builder().base_url("https://a.example")
    ));
    let credentials_field = |b: bbti::ClientBuilder| match b.build() {
        Err(bbti::Error::Http(partner_sdk::core::Error::InvalidInput(e))) => e.field.into_owned(),
        other => panic!("expected an invalid credential, got {other:?}"),
    };
    let urls = || {
        bbti::Client::builder()
            .base_url("https://a.example")
            .token_url("https://b.example/auth/v1/token")
    };
    assert_eq!(credentials_field(urls()), "credentials");
    assert_eq!(
        credentials_field(urls().credentials(" ", "secret")),
        "credentials.id"
    );
    assert_eq!(
        credentials_field(urls().credentials("id", "")),
        "credentials.secret"
    );
    assert!(config(
        bbti::Client::builder()
            .base_url("ftp://a.example")
            .token_url("https://b.example/auth/v1/token")
            .credentials("id", "secret")
    ));
    assert!(
        bbti::Client::builder()
            .base_url("https://a.example")
            .token_url("https://b.example/prefix/auth/v1/token")
            .credentials("id", "secret")
            .build()
            .is_ok()
    );
}
