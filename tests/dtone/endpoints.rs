//! DT One's samples (`fixtures/dtone/`) served by wiremock to the client:
//! what is sent for each and what is parsed from it, including the seed's
//! country sample with its trailing comma.

use crate::support as common;

use std::str::FromStr;

use common::{Signed, client, fixture};
use dtone::{AccountVerification, Category, Decimal, Error, ErrorCode, ProductFilter};
use partner_sdk_test_kit::json_answer as ok_json;
use serde_json::json;
use wiremock::matchers::{method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn dec(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

fn assert_claro_64(p: &dtone::FixedProduct) {
    assert_eq!(p.product_id, 64);
    assert_eq!(p.product_name, "$14 Basic");
    assert_eq!(p.operator_id, Some(1959));
    assert_eq!(p.operator.as_deref(), Some("Claro TV Guatemala USD"));
    assert_eq!(p.country_id, Some(756));
    assert_eq!(p.service_id, Some(1));
    assert_eq!(p.service.as_deref(), Some("television"));
    assert_eq!(p.product_value, dec("14"));
    assert_eq!(p.product_currency, "USD");
    assert_eq!(p.local_value, dec("14"));
    assert_eq!(p.account_currency, "USD");
    assert_eq!(p.wholesale_price, dec("12.5"));
    assert_eq!(p.retail_price, dec("13.5"));
    assert_eq!(p.fee, Decimal::ZERO);
}

#[tokio::test]
async fn products_by_operator_parses_the_sample() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1.1/operators/1959/products"))
        .and(Signed)
        .respond_with(ok_json(&fixture("products_by_operator.json")))
        .expect(1)
        .mount(&server)
        .await;
    let products = client(&server)
        .list_products_by_operator(1959)
        .await
        .unwrap();
    assert_eq!(products.len(), 2);
    assert_eq!(products.fixed_value_recharges.len(), 2);
    assert_claro_64(&products.fixed_value_recharges[0]);
    let second = &products.fixed_value_recharges[1];
    assert_eq!(second.product_id, 65);
    assert_eq!(second.wholesale_price, dec("18"));
    assert_eq!(second.retail_price, dec("19.3"));
    let tagged: Vec<_> = products.iter().collect();
    assert!(
        tagged
            .iter()
            .all(|t| t.category == Category::FixedValueRecharges)
    );
    assert_eq!(
        tagged
            .iter()
            .map(|t| t.product.product_id())
            .collect::<Vec<_>>(),
        vec![64, 65]
    );
    assert_eq!(
        products.find(65).unwrap().category,
        Category::FixedValueRecharges
    );
}

#[tokio::test]
async fn products_by_country_sends_filters_and_the_trailing_comma_sample_fails_cleanly() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1.1/countries/756/products"))
        .and(query_param("operator_id", "1959"))
        .and(query_param("service_id", "1"))
        .and(Signed)
        .respond_with(ok_json(&fixture("products_by_country.json")))
        .expect(1)
        .mount(&server)
        .await;
    let err = client(&server)
        .list_products_by_country(756, &ProductFilter::new().operator_id(1959).service_id(1))
        .await
        .unwrap_err();
    let Error::Http(partner_sdk::core::Error::Decode(d)) = &err else {
        panic!("expected a decode error, got {err:?}");
    };
    assert_eq!(d.status().as_u16(), 200);
    assert_eq!(d.body(), fixture("products_by_country.json").as_bytes());
    assert!(
        d.path().contains("variable_value_payments") || !d.path().is_empty(),
        "{}",
        d.path()
    );
    assert!(
        err.to_string().contains("list_products_by_country"),
        "{err}"
    );
}

#[test]
fn trailing_comma_sample_decodes_once_the_comma_is_removed() {
    let text = fixture("products_by_country.json").replace("[],\n}", "[]\n}");
    let products: dtone::Products = serde_json::from_str(&text).unwrap();
    assert_eq!(products.len(), 1);
    assert_claro_64(&products.fixed_value_recharges[0]);
    assert_eq!(
        products.fixed_value_recharges[0]
            .product_short_desc
            .as_deref(),
        Some("14 USD Baisc")
    );
}

#[tokio::test]
async fn products_by_service_sends_filters_and_parses_the_sample() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1.1/services/1/products"))
        .and(query_param("operator_id", "1959"))
        .and(query_param("country_id", "756"))
        .and(query_param_is_missing("service_id"))
        .and(Signed)
        .respond_with(ok_json(&fixture("products_by_service.json")))
        .expect(1)
        .mount(&server)
        .await;
    let products = client(&server)
        .list_products_by_service(1, &ProductFilter::new().operator_id(1959).country_id(756))
        .await
        .unwrap();
    assert_eq!(products.len(), 1);
    assert_claro_64(&products.fixed_value_recharges[0]);
}

#[tokio::test]
async fn suggested_values_parse_prices_and_additional_info() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(
            "/v1.1/product/variable_value_recharges/315/suggested_values",
        ))
        .and(Signed)
        .respond_with(ok_json(&fixture("suggested_values.json")))
        .expect(1)
        .mount(&server)
        .await;
    let values = client(&server).list_suggested_values(315).await.unwrap();
    assert_eq!(values.len(), 2);
    let v = &values[0];
    assert_eq!(v.local_value, dec("9"));
    assert_eq!(v.local_currency, "INR");
    assert_eq!(v.name.as_deref(), Some("50 MB of 2G Plan for 1 Day"));
    assert_eq!(v.wholesale_price, Some(dec("0.14")));
    assert_eq!(v.retail_price, Some(dec("0.06")));
    assert_eq!(v.fee, Decimal::ZERO);
    let info = v.additional_info();
    assert_eq!(
        info.iter()
            .map(|p| (p.index, p.key.as_str(), p.value.as_str()))
            .collect::<Vec<_>>(),
        vec![
            (1, "type", "2G Plan"),
            (2, "validity", "1 Day"),
            (3, "data_amount", "50 MB")
        ]
    );
    assert_eq!(values[1].info("validity").as_deref(), Some("3 Days"));
    assert_eq!(values[1].wholesale_price, Some(dec("0.3")));

    let extra: dtone::SuggestedValue = serde_json::from_value(json!({
        "local_value": "10", "additional_info_4": "speed:4G", "additional_info_1": "no colon"
    }))
    .unwrap();
    let pairs = extra.additional_info();
    assert_eq!(pairs[0].key, "no colon");
    assert_eq!(pairs[0].value, "");
    assert_eq!((pairs[1].index, pairs[1].value.as_str()), (4, "4G"));
}

#[tokio::test]
async fn account_verification_is_three_way() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1.1/products/64/account_number/+50212345678/status"))
        .and(Signed)
        .respond_with(ok_json(&fixture("account_verified.json")))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1.1/products/64/account_number/000/status"))
        .respond_with(ok_json(r#"{"verified":"0"}"#))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1.1/products/65/account_number/000/status"))
        .respond_with(ResponseTemplate::new(400).set_body_raw(
            fixture("account_verification_not_available.json"),
            "application/json",
        ))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1.1/products/66/account_number/000/status"))
        .respond_with(
            ResponseTemplate::new(400)
                .set_body_json(json!({"errors":[{"code":1000999,"message":"Invalid parameter"}]})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server);
    assert_eq!(
        c.verify_account_number(64, "+50212345678").await.unwrap(),
        AccountVerification::Verified
    );
    assert_eq!(
        c.verify_account_number(64, "000").await.unwrap(),
        AccountVerification::NotVerified
    );
    assert_eq!(
        c.verify_account_number(65, "000").await.unwrap(),
        AccountVerification::NotAvailable
    );
    let err = c.verify_account_number(66, "000").await.unwrap_err();
    assert_eq!(err.code(), Some(ErrorCode::InvalidParameter));
}

#[test]
fn the_not_available_sample_is_a_1000304_error_entry() {
    #[derive(serde::Deserialize)]
    struct Body {
        errors: Vec<dtone::ErrorEntry>,
    }
    let b: Body =
        serde_json::from_str(&fixture("account_verification_not_available.json")).unwrap();
    assert_eq!(b.errors[0].code, 1000304);
    assert_eq!(
        b.errors[0].error_code(),
        ErrorCode::AccountVerificationNotAvailable
    );
    assert_eq!(
        b.errors[0].message.as_deref(),
        Some("Account verification not available for this product")
    );
}
