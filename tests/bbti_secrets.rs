//! Secrets (client secret, its Basic encoding, bearer tokens, the bring-in
//! reservation password) never appear in logs, `Debug`/`Display` output or errors.
//!
//! A test binary of its own, apart from `tests/bbti/`: the log capture is a
//! thread-local subscriber, and tests running beside it on other threads
//! would race it over `tracing`'s callsite registration (a callsite first
//! hit while the capture starts can stay disabled for it).

// The BBTI crate's own test helpers, which `bbti/support.rs` shares, name
// the crate by its package name.
extern crate bbti as partner_sdk_bbti;

#[path = "bbti/support.rs"]
mod common;

use std::time::Duration;

use bbti::*;
use common::{CLIENT_SECRET, Servers, TOKEN, basic, fixture, kyc_request, pickup_request};
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

#[tokio::test]
async fn secrets_appear_nowhere() {
    let capture = partner_sdk_test_kit::LogCapture::start();

    let s = Servers::start(None).await;
    let ok =
        |name: &str| ResponseTemplate::new(200).set_body_raw(fixture(name), "application/json");
    for (m, p, t) in [
        ("GET", "/v1/manufacturers", ok("list_manufacturers.json")),
        ("GET", "/v1/series", ok("list_series.json")),
        ("GET", "/v1/models", ok("list_models.json")),
        ("GET", "/v1/prices", ok("list_prices.json")),
        (
            "POST",
            "/v1/pricing/products",
            ok("pricing_products_response.json"),
        ),
        (
            "POST",
            "/v1/pricing/codes",
            ResponseTemplate::new(400)
                .set_body_raw(fixture("error_invalid_argument.json"), "application/json"),
        ),
        (
            "POST",
            "/v1/kyc",
            ResponseTemplate::new(200).set_delay(Duration::from_millis(400)),
        ),
        (
            "POST",
            "/v1/delivery/register",
            ok("delivery_bring_in_response.json"),
        ),
        (
            "GET",
            "/v1/transactions/t-401",
            ResponseTemplate::new(401)
                .set_body_raw(fixture("error_unauthenticated.json"), "application/json"),
        ),
        (
            "GET",
            "/v1/transactions/t-bad",
            ResponseTemplate::new(200).set_body_raw("{\"status\":", "application/json"),
        ),
        ("GET", "/v1/transactions/t-1", ok("get_transaction.json")),
    ] {
        Mock::given(method(m))
            .and(path(p))
            .respond_with(t)
            .mount(&s.api)
            .await;
    }
    let c = s
        .builder()
        .timeout(Duration::from_millis(150))
        .build()
        .unwrap();
    let mut out = Vec::<String>::new();
    let mut show = |d: String| out.push(d);

    show(format!("{:?}", c));
    show(format!("{:?}", s.builder()));
    show(format!(
        "{:?}",
        c.list_manufacturers(&ManufacturerQuery::new()).await
    ));
    show(format!("{:?}", c.list_series(&SeriesQuery::new()).await));
    show(format!("{:?}", c.list_models(&ModelQuery::new()).await));
    show(format!("{:?}", c.list_prices(&PriceQuery::new()).await));
    show(format!(
        "{:?}",
        c.price_products(&PriceProductRequest::new("p", "iphone-8"))
            .await
    ));
    let delivery = c.register_delivery(&pickup_request()).await.unwrap();
    assert_eq!(delivery.delivery_detail.reservation_pw, "739251");
    show(format!("{delivery:?}"));
    show(format!("{:?}", c.get_transaction("t-1").await));
    let errors = vec![
        c.price_codes(&PriceByAppCodeRequest::new("p", "x"))
            .await
            .unwrap_err(),
        c.register_kyc(&kyc_request()).await.unwrap_err(),
        c.get_transaction("t-401").await.unwrap_err(),
        c.get_transaction("t-bad").await.unwrap_err(),
        c.list_models(&ModelQuery::new().page_size(999))
            .await
            .unwrap_err(),
    ];
    for e in &errors {
        show(format!("{e:?}"));
        show(format!("{e}"));
        show(format!("{:?}", std::error::Error::source(e)));
    }
    // Token endpoint refusing: the Basic header must not leak either.
    let bad = bbti::Client::builder()
        .base_url(s.api.uri())
        .token_url(format!("{}/auth/v1/token", s.api.uri()))
        .credentials(common::CLIENT_ID, CLIENT_SECRET)
        .build()
        .unwrap();
    let e = bad
        .list_manufacturers(&ManufacturerQuery::new())
        .await
        .unwrap_err();
    show(format!("{e:?} {e}"));
    show(format!("{c:?}"));
    show(format!("{:?}", c.clone()));
    show(format!("{:?}", ErrorCode::Unauthenticated));
    show(format!("{:?}", ApiErrorBody::default()));
    show(format!("{:?}", Grade::A));
    show(format!("{:?}", read_csv(&b""[..])));

    let logged = capture.text();
    assert!(
        logged.contains("partner_sdk.call"),
        "tracing captured calls"
    );
    let basic_value = basic();
    let basic_b64 = basic_value.trim_start_matches("Basic ");
    for secret in [CLIENT_SECRET, TOKEN, basic_b64, "739251"] {
        assert!(!logged.contains(secret), "{secret} in logs");
        for text in &out {
            assert!(!text.contains(secret), "{secret} in {text}");
        }
    }
}
