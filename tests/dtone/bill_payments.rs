//! DT One's published bill sample (`fixtures/dtone/variable_value_payments_bill.json`,
//! verbatim from its "payments_variable" documentation) served by wiremock
//! to the client: what the look-up sends, what it parses, and the payment
//! of exactly the looked-up amount. Also checks the sandbox's copy.

use dtone::{Client, Decimal};
use serde_json::{Value, json};
use wiremock::matchers::{body_json, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const SAMPLE: &str = include_str!("../../fixtures/dtone/variable_value_payments_bill.json");
const SANDBOX_COPY: &str =
    include_str!("../../crates/sandbox/data/dtone/variable_value_payments_bill.json");

fn client(server: &MockServer) -> Client {
    Client::builder()
        .base_url(format!("{}/v1.1", server.uri()))
        .credentials("sample-key", "sample-secret")
        .build()
        .unwrap()
}

#[test]
fn the_sandbox_serves_the_sample_byte_for_byte() {
    assert_eq!(SANDBOX_COPY, SAMPLE);
}

#[test]
fn the_sample_adds_up_as_documented() {
    let sample: Value = serde_json::from_str(SAMPLE).unwrap();
    assert_eq!(sample["payment"]["amount"], 57973);
    assert_eq!(sample["payment"]["fee"], 5000);
    assert_eq!(sample["local_value"], 62973);
    assert_eq!(sample["local_currency"], "IDR");
}

#[tokio::test]
async fn the_sample_bill_is_looked_up_and_paid_in_full() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1.1/product/variable_value_payments/410"))
        .and(query_param("account_number", "5310012345"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(SAMPLE, "application/json"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1.1/transactions/variable_value_payments"))
        .and(body_json(json!({
            "account_number": "5310012345",
            "product_id": "410",
            "external_id": "invoice-2026-001",
            "simulation": "1",
            "local_value": "62973"
        })))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({
            "transaction_id": "88001", "simulation": 1, "status": "0",
            "external_id": "invoice-2026-001", "account_number": "5310012345",
            "local_value": 62973, "local_currency": "IDR"
        })))
        .expect(1)
        .mount(&server)
        .await;
    let client = client(&server);
    let bill = client.get_bill(410, "5310012345").await.unwrap();
    assert_eq!(bill.account_currency, "MYR");
    assert_eq!(bill.local_value, Decimal::from(62973));
    assert_eq!(bill.local_currency, "IDR");
    assert_eq!(bill.wholesale_price, Some(Decimal::new(2089, 2)));
    assert_eq!(bill.retail_price, Some(Decimal::new(2089, 2)));
    assert_eq!(bill.fee, Decimal::from(3));
    let details = bill.payment.as_ref().unwrap();
    assert_eq!(details.fee, Some(Decimal::from(5000)));
    assert_eq!(details.currency.as_deref(), Some("IDR"));
    assert_eq!(details.amount, Some(Decimal::from(57973)));
    assert_eq!(details.name(), Some("ABD KARIM"));
    assert_eq!(
        details.amount.unwrap() + details.fee.unwrap(),
        bill.local_value
    );
    let tx = client
        .pay_bill(&bill.payment("invoice-2026-001").simulation(true))
        .await
        .unwrap();
    assert!(tx.is_success() && tx.simulation);
    assert_eq!(tx.local_value, Some(bill.local_value));
    let debug = format!("{bill:?}");
    assert!(
        !debug.contains("ABD KARIM") && !debug.contains("5310012345"),
        "{debug}"
    );
}
