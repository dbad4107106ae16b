//! Secrets (API key, API secret, HMAC signatures, the DVS client's Basic
//! header, voucher PINs) never appear in logs at TRACE level, in `Debug`
//! output of public types, or in errors.
//!
//! In its own test binary, apart from `tests/integration/`: the log capture
//! is a thread-local subscriber, and tests running beside it on other
//! threads would race it over `tracing`'s callsite registration (a callsite
//! first hit while the capture starts can stay disabled for it).

#[path = "integration/common.rs"]
mod common;

use std::time::Duration;

use common::{KEY, SECRET};
use partner_sdk_dtone::{Category, Client, TransactionRequest, dvs};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const PIN: &str = "PIN-31337-XYZ";
const PIN2: &str = "PIN2-424242";

#[tokio::test]
async fn secrets_never_appear_in_logs_debug_or_errors() {
    let capture = partner_sdk_test_kit::LogCapture::start();

    let server = MockServer::start().await;
    let voucher_tx = json!({
        "transaction_id": "1", "status": "0", "external_id": "s-1", "simulation": 0,
        "voucher": {"pin": PIN, "pin2": PIN2, "value": "10", "currency": "USD"}
    });
    Mock::given(method("POST"))
        .and(path("/v1.1/transactions/fixed_value_vouchers"))
        .respond_with(ResponseTemplate::new(201).set_body_json(&voucher_tx))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1.1/ping"))
        .respond_with(
            ResponseTemplate::new(401)
                .set_body_json(json!({"errors":[{"code":1000401,"message":"Unauthorized"}]})),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1.1/countries"))
        .respond_with(ResponseTemplate::new(200).set_body_raw("{not json", "application/json"))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1.1/transactions/fixed_value_recharges"))
        .respond_with(ResponseTemplate::new(201).set_delay(Duration::from_secs(2)))
        .mount(&server)
        .await;

    let builder = Client::builder()
        .base_url(format!("{}/v1.1", server.uri()))
        .credentials(KEY, SECRET)
        .timeout(Duration::from_millis(200))
        .retry_policy(common::fast_retry());
    let mut debug = vec![format!("{builder:?}")];
    let client = builder.build().unwrap();
    debug.push(format!("{client:?}"));

    let tx = client
        .create_transaction(
            Category::FixedValueVouchers,
            &TransactionRequest::new("+6512345678", 1, "s-1"),
        )
        .await
        .unwrap();
    assert_eq!(tx.voucher.as_ref().unwrap().pin(), Some(PIN));
    debug.push(format!("{tx:?}"));
    debug.push(format!("{:?}", tx.voucher));

    let errors = vec![
        client.ping().await.unwrap_err(),
        client.list_countries(None).await.unwrap_err(),
        client
            .create_transaction(
                Category::FixedValueRecharges,
                &TransactionRequest::new("+6512345678", 1, "s-2"),
            )
            .await
            .unwrap_err(),
        client.list_products_by_operator(0).await.unwrap_err(),
        Client::builder().build().unwrap_err(),
    ];
    for e in &errors {
        debug.push(format!("{e:?}"));
        debug.push(e.to_string());
    }
    debug.push(format!(
        "{:?}",
        TransactionRequest::new("1", 2, "3")
            .sender(partner_sdk_dtone::Party::new().first_name("A"))
    ));

    // The DVS client sends key and secret in every request's Basic header.
    let dvs_tx = json!({
        "id": 9, "external_id": "d-1",
        "status": {"id": 70000, "message": "COMPLETED", "class": {"id": 7, "message": "COMPLETED"}},
        "pin": {"code": PIN, "serial": "SN-9"}
    });
    Mock::given(method("GET"))
        .and(path("/v1/transactions/9"))
        .respond_with(ResponseTemplate::new(200).set_body_json(&dvs_tx))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/balances"))
        .respond_with(
            ResponseTemplate::new(401)
                .set_body_json(json!({"errors":[{"code":1000401,"message":"Unauthorized"}]})),
        )
        .mount(&server)
        .await;
    let dvs_builder = dvs::Client::builder()
        .base_url(format!("{}/v1", server.uri()))
        .credentials(KEY, SECRET)
        .timeout(Duration::from_millis(200))
        .retry_policy(common::fast_retry());
    debug.push(format!("{dvs_builder:?}"));
    let dvs_client = dvs_builder.build().unwrap();
    debug.push(format!("{dvs_client:?}"));
    let dvs_tx = dvs_client.get_transaction(9).await.unwrap();
    assert_eq!(
        dvs_tx.pin.as_ref().and_then(|p| p.code.as_deref()),
        Some(PIN)
    );
    debug.push(format!("{dvs_tx:?}"));
    for e in [
        dvs_client
            .list_balances(&dvs::BalanceQuery::new())
            .await
            .unwrap_err(),
        dvs_client.get_product(0, None).await.unwrap_err(),
    ] {
        debug.push(format!("{e:?}"));
        debug.push(e.to_string());
    }
    let basic: Vec<String> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter_map(|r| r.headers.get("authorization"))
        .map(|v| v.to_str().unwrap().trim_start_matches("Basic ").to_owned())
        .collect();
    assert!(!basic.is_empty());

    let sent_macs: Vec<String> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter_map(|r| r.headers.get("x-transferto-hmac"))
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    assert!(!sent_macs.is_empty());

    let logs = capture.text();
    assert!(
        logs.contains("partner_sdk.call"),
        "tracing captured nothing: {logs}"
    );
    let all = format!("{logs}\n{}", debug.join("\n"));
    for secret in [SECRET, KEY, PIN, PIN2] {
        assert!(!all.contains(secret), "{secret} leaked:\n{all}");
    }
    for mac in sent_macs {
        assert!(!all.contains(&mac), "signature leaked");
    }
    for encoded in basic {
        assert!(!all.contains(&encoded), "Basic credentials leaked");
    }
}
