//! DT One benchmark sections: list_products_by_operator overhead and catalogue decoding.

use std::time::Instant;

use rust_decimal::Decimal;
use serde::Deserialize;

use partner_sdk_core::ErrorBody;
use partner_sdk_core::reqwest::StatusCode;

use crate::Report;
use crate::support::{Canned, CannedServer, median};

const KEY: &str = "bench-key";
const SECRET: &str = "bench-secret";

/// The same product shape as `dtone::FixedProduct`, with plain serde types.
#[derive(Deserialize)]
#[allow(dead_code)]
struct PlainFixed {
    product_id: i64,
    product_name: String,
    product_short_desc: Option<String>,
    operator_id: Option<i64>,
    operator: Option<String>,
    country_id: Option<i64>,
    country: Option<String>,
    service_id: Option<i64>,
    service: Option<String>,
    product_value: Decimal,
    product_currency: String,
    local_value: Decimal,
    local_currency: String,
    account_currency: String,
    wholesale_price: Decimal,
    retail_price: Decimal,
    fee: Decimal,
    info1: Option<String>,
    info2: Option<String>,
    info3: Option<String>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct PlainVariable {
    product_id: i64,
    product_name: String,
    product_short_desc: Option<String>,
    operator_id: Option<i64>,
    operator: Option<String>,
    country_id: Option<i64>,
    country: Option<String>,
    service_id: Option<i64>,
    service: Option<String>,
    product_currency: Option<String>,
    account_currency: Option<String>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct PlainProducts {
    fixed_value_vouchers: Vec<PlainFixed>,
    fixed_value_recharges: Vec<PlainFixed>,
    fixed_value_payments: Vec<PlainFixed>,
    variable_value_vouchers: Vec<PlainVariable>,
    variable_value_recharges: Vec<PlainVariable>,
    variable_value_payments: Vec<PlainVariable>,
}

fn fixed(id: usize) -> serde_json::Value {
    serde_json::json!({
        "product_id": id,
        "product_name": format!("${} Basic", id % 100),
        "product_short_desc": format!("{} USD Basic", id % 100),
        "operator_id": 1959,
        "operator": "Claro TV Guatemala USD",
        "country_id": 756,
        "country": "Guatemala",
        "service_id": 1,
        "service": "television",
        "product_value": (id % 100) as u64 + 1,
        "product_currency": "USD",
        "local_value": (id % 100) as u64 + 1,
        "local_currency": "USD",
        "account_currency": "USD",
        "wholesale_price": 12.5 + (id % 7) as f64,
        "retail_price": 13.35 + (id % 7) as f64,
        "fee": 0,
        "info1": null, "info2": null, "info3": null
    })
}

fn variable(id: usize) -> serde_json::Value {
    serde_json::json!({
        "product_id": id,
        "product_name": "Tigo Guatemala",
        "product_short_desc": "Variable recharge",
        "operator_id": 1960,
        "operator": "Tigo Guatemala",
        "country_id": 756,
        "country": "Guatemala",
        "service_id": 7,
        "service": "bundles",
        "product_currency": "GTQ",
        "account_currency": "USD"
    })
}

/// A catalogue of `n` products spread over the six categories (fixed ones
/// carry numeric prices, as DT One sends them in product lists).
pub(crate) fn catalogue(n: usize) -> Vec<u8> {
    let per = n / 6;
    let fixed_list = |start: usize| (start..start + per).map(fixed).collect::<Vec<_>>();
    let variable_list = |start: usize| (start..start + per).map(variable).collect::<Vec<_>>();
    serde_json::to_vec(&serde_json::json!({
        "fixed_value_vouchers": fixed_list(0),
        "fixed_value_recharges": fixed_list(per),
        "fixed_value_payments": fixed_list(2 * per),
        "variable_value_vouchers": variable_list(3 * per),
        "variable_value_recharges": variable_list(4 * per),
        "variable_value_payments": variable_list(5 * per),
    }))
    .expect("catalogue serialises")
}

fn raw_headers(nonce: u64) -> [(&'static str, String); 3] {
    let nonce = nonce.to_string();
    let hmac = partner_sdk_core::signature::hmac_sha256_base64(SECRET, format!("{KEY}{nonce}"));
    [
        ("X-TransferTo-apikey", KEY.to_owned()),
        ("X-TransferTo-nonce", nonce),
        ("X-TransferTo-hmac", hmac),
    ]
}

/// list_products_by_operator: typed SDK call vs hand-written reqwest + serde_json.
pub(crate) async fn overhead(report: &mut Report) {
    let body = include_bytes!("../../fixtures/dtone/products_by_operator.json").to_vec();
    let server = CannedServer::start(vec![("/v1.1/operators", Canned::json(body))]).await;
    let base = format!("{}/v1.1", server.url);
    let client = || {
        dtone::Client::builder()
            .base_url(&base)
            .credentials(KEY, SECRET)
            .build()
            .expect("dtone client")
    };
    let (sdk, sdk_again) = (client(), client());
    let http = partner_sdk_core::exchange::http_client_builder()
        .expect("the SDK's TLS")
        .build()
        .expect("an HTTP client");
    let url = format!("{base}/operators/1959/products");
    let nonce = std::sync::atomic::AtomicU64::new(1);
    let raw_with = |same_work: bool| {
        let (http, url, nonce) = (&http, &url, &nonce);
        move || {
            let mut req = raw_headers(nonce.fetch_add(1, std::sync::atomic::Ordering::Relaxed))
                .into_iter()
                .fold(http.get(url), |r, (k, v)| r.header(k, v));
            if same_work {
                req = req.timeout(partner_sdk_core::defaults::DEFAULT_TIMEOUT);
            }
            async move {
                let bytes = req.send().await.expect("send").bytes().await.expect("body");
                if same_work {
                    let hidden =
                        ErrorBody::error_in_success(&dtone::DtoneErrorBody, StatusCode::OK, &bytes);
                    assert!(hidden.is_none());
                }
                let p: dtone::Products = serde_json::from_slice(&bytes).expect("decode");
                assert_eq!(p.len(), 2);
            }
        }
    };
    let typed = || async {
        let p = sdk.list_products_by_operator(1959).await.expect("sdk call");
        assert_eq!(p.len(), 2);
    };
    let typed_again = || async {
        let p = sdk_again
            .list_products_by_operator(1959)
            .await
            .expect("sdk call");
        assert_eq!(p.len(), 2);
    };
    let name = "DT One list_products_by_operator";
    crate::overhead_rows(report, name, typed, typed_again, raw_with).await;
}

/// Decoding 10 000 products: lenient SDK types vs plain serde structs.
pub(crate) fn decode(report: &mut Report) {
    let bytes = catalogue(10_002);
    // Interleave the two decoders so that load on the machine hits both alike.
    let runs = 41;
    let mut plain_t = Vec::with_capacity(runs);
    let mut sdk_t = Vec::with_capacity(runs);
    for _ in 0..runs {
        let started = Instant::now();
        let p: PlainProducts = serde_json::from_slice(&bytes).expect("plain decode");
        assert_eq!(p.fixed_value_recharges.len(), 1667);
        plain_t.push(started.elapsed());
        let started = Instant::now();
        let p: dtone::Products = serde_json::from_slice(&bytes).expect("sdk decode");
        assert_eq!(p.len(), 10_002);
        sdk_t.push(started.elapsed());
    }
    let (plain, lenient) = (median(plain_t), median(sdk_t));
    report.throughput(
        "4. DT One catalogue, 10 002 products: decode throughput",
        lenient,
        plain,
        "≥ 0.9×",
    );
}
