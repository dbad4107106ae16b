//! Bill payments against wiremock: the look-up's path, query and signature,
//! the payment's body (exactly the looked-up amount), and `simulation`
//! sent explicitly by every create (DT One simulates when it is omitted).

use crate::common::{Signed, client};
use partner_sdk_dtone::{Category, Decimal, ErrorCode, Party, TransactionRequest};
use serde_json::{Value, json};
use wiremock::matchers::{body_json, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const LOOKUP: &str = "/v1.1/product/variable_value_payments/410";
const PAY: &str = "/v1.1/transactions/variable_value_payments";

fn bill_body() -> Value {
    json!({
        "account_currency": "MYR",
        "local_value": 62973,
        "local_currency": "IDR",
        "wholesale_price": 20.89,
        "retail_price": 20.89,
        "fee": 3,
        "payment": {"fee": 5000, "currency": "IDR", "amount": 57973, "name": "ABD KARIM"}
    })
}

fn tx_body(external_id: &str, simulation: u8) -> Value {
    json!({
        "transaction_id": "7001", "simulation": simulation, "status": "0",
        "status_message": "Transaction successful", "date": "2026-01-01 12:00:00",
        "account_number": "5310012345", "external_id": external_id,
        "product_id": "410", "local_currency": "IDR", "local_value": 62973,
        "account_currency": "MYR", "wholesale_price": 20.89, "retail_price": 20.89, "fee": 3
    })
}

async fn mount_lookup(server: &MockServer) {
    Mock::given(method("GET"))
        .and(path(LOOKUP))
        .and(query_param("account_number", "5310012345"))
        .and(Signed)
        .respond_with(ResponseTemplate::new(200).set_body_json(bill_body()))
        .expect(1)
        .mount(server)
        .await;
}

async fn sent_bodies(server: &MockServer) -> Vec<Value> {
    server
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.method.as_str() == "POST")
        .map(|r| serde_json::from_slice(&r.body).unwrap())
        .collect()
}

#[tokio::test]
async fn the_look_up_sends_the_product_in_the_path_and_the_account_in_the_query() {
    let server = MockServer::start().await;
    mount_lookup(&server).await;
    let bill = client(&server).get_bill(410, " 5310012345 ").await.unwrap();
    assert_eq!(bill.product_id(), 410);
    assert_eq!(bill.account_number(), "5310012345");
    assert_eq!(bill.account_currency, "MYR");
    assert_eq!(bill.local_value, Decimal::from(62973));
    assert_eq!(bill.local_currency, "IDR");
    assert_eq!(bill.wholesale_price, Some(Decimal::new(2089, 2)));
    assert_eq!(bill.retail_price, Some(Decimal::new(2089, 2)));
    assert_eq!(bill.fee, Decimal::from(3));
    let details = bill.payment.as_ref().unwrap();
    assert_eq!(details.amount, Some(Decimal::from(57973)));
    assert_eq!(details.fee, Some(Decimal::from(5000)));
    assert_eq!(details.currency.as_deref(), Some("IDR"));
    assert_eq!(details.name(), Some("ABD KARIM"));
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].url.query(), Some("account_number=5310012345"));
    assert!(requests[0].body.is_empty());
}

#[tokio::test]
async fn paying_the_bill_sends_exactly_the_looked_up_amount() {
    let server = MockServer::start().await;
    mount_lookup(&server).await;
    Mock::given(method("POST"))
        .and(path(PAY))
        .and(Signed)
        .and(body_json(json!({
            "account_number": "5310012345",
            "product_id": "410",
            "external_id": "bill-1",
            "simulation": "0",
            "recipient_sms_notification": "1",
            "recipient": {"first_name": "Abd", "last_name": "Karim"},
            "local_value": "62973"
        })))
        .respond_with(ResponseTemplate::new(201).set_body_json(tx_body("bill-1", 0)))
        .expect(1)
        .mount(&server)
        .await;
    let client = client(&server);
    let bill = client.get_bill(410, "5310012345").await.unwrap();
    let payment = bill
        .payment("bill-1")
        .recipient(Party::new().first_name("Abd").last_name("Karim"))
        .recipient_sms(true, None);
    assert_eq!(payment.request().local_value, Some(bill.local_value));
    let tx = client.pay_bill(&payment).await.unwrap();
    assert!(tx.is_success());
    assert_eq!(tx.local_value, Some(Decimal::from(62973)));
    assert_eq!(tx.external_id, "bill-1");
}

#[tokio::test]
async fn every_create_sends_simulation_explicitly() {
    let server = MockServer::start().await;
    mount_lookup(&server).await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(201).set_body_json(tx_body("x", 0)))
        .mount(&server)
        .await;
    let client = client(&server);
    let bill = client.get_bill(410, "5310012345").await.unwrap();
    client.pay_bill(&bill.payment("p-real")).await.unwrap();
    client
        .pay_bill(&bill.payment("p-sim").simulation(true))
        .await
        .unwrap();
    let fixed = TransactionRequest::new("+50212345678", 64, "t-real");
    client
        .create_transaction(Category::FixedValueRecharges, &fixed)
        .await
        .unwrap();
    let variable = TransactionRequest::new("+919876543210", 315, "t-sim")
        .local_value(Decimal::from(19))
        .simulation(true);
    client
        .create_or_resolve(Category::VariableValueRecharges, &variable)
        .await
        .unwrap();
    let sent: Vec<(String, String)> = sent_bodies(&server)
        .await
        .iter()
        .map(|b| {
            let simulation = b
                .get("simulation")
                .and_then(Value::as_str)
                .unwrap_or_else(|| panic!("no simulation in {b}"));
            (
                b["external_id"].as_str().unwrap().to_owned(),
                simulation.to_owned(),
            )
        })
        .collect();
    let expected = [
        ("p-real", "0"),
        ("p-sim", "1"),
        ("t-real", "0"),
        ("t-sim", "1"),
    ];
    assert_eq!(
        sent,
        expected.map(|(e, s)| (e.to_owned(), s.to_owned())).to_vec()
    );
}

#[tokio::test]
async fn bad_input_sends_nothing() {
    let server = MockServer::start().await;
    let client = client(&server);
    for (product, account, field) in [
        (0, "5310012345", "product_id"),
        (-4, "5310012345", "product_id"),
        (410, "", "account_number"),
        (410, "  ", "account_number"),
        (410, "531\r\n0012345", "account_number"),
    ] {
        let e = client.get_bill(product, account).await.unwrap_err();
        assert!(e.is_invalid_input(), "{product} {account:?}: {e}");
        assert!(e.to_string().contains(field), "{e}");
    }
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn an_unknown_product_is_a_typed_api_error() {
    let server = MockServer::start().await;
    Mock::given(path("/v1.1/product/variable_value_payments/999"))
        .respond_with(ResponseTemplate::new(404).set_body_json(
            json!({"errors": [{"code": 1000301, "message": "Product not available"}]}),
        ))
        .mount(&server)
        .await;
    let e = client(&server)
        .get_bill(999, "5310012345")
        .await
        .unwrap_err();
    assert_eq!(e.status().map(|s| s.as_u16()), Some(404));
    assert_eq!(e.code(), Some(ErrorCode::ProductNotAvailable));
}

#[tokio::test]
async fn an_undecodable_bill_keeps_neither_the_body_nor_the_name() {
    let server = MockServer::start().await;
    Mock::given(path(LOOKUP))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "local_value": "not a number",
            "payment": {"name": "ABD KARIM"}
        })))
        .mount(&server)
        .await;
    let e = client(&server)
        .get_bill(410, "5310012345")
        .await
        .unwrap_err();
    let text = format!("{e} {e:?}");
    assert!(text.contains("local_value"), "{text}");
    assert!(!text.contains("ABD KARIM"), "{text}");
    assert!(!text.contains("5310012345"), "{text}");
}
