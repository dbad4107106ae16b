//! Hostile and broken servers through the public DT One client: the shared
//! hostile-server suite, and what only DT One has (its numbers and dates,
//! voucher PINs kept out of errors, nonces unique across clients).

use std::collections::{BTreeMap, HashSet};

use partner_sdk_core::ReconcileKey;
use partner_sdk_dtone::{Category, Client, Error, TransactionRequest};
use partner_sdk_test_kit::count_method as count;
use partner_sdk_test_kit::subject::{client, core};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::{KEY, SECRET};
use crate::subject::Dtone;

partner_sdk_test_kit::hostile_suite!(Dtone, ids);

const PIN: &str = "PIN-77331-SECRET";
const CREATE_PATH: &str = "/v1.1/transactions/fixed_value_vouchers";

fn voucher_request(external_id: &str) -> TransactionRequest {
    TransactionRequest::new("+50212345678", 64, external_id)
}

fn transaction_json(external_id: &str, date: &str) -> serde_json::Value {
    json!({
        "transaction_id": "9001", "status": "0", "date": date,
        "external_id": external_id, "account_number": "+50212345678", "product_id": 64,
        "voucher": {"pin": PIN, "pin2": PIN, "value": "10"}
    })
}

fn assert_no_pin(e: &Error) {
    let text = format!("{e} {e:?}");
    assert!(!text.contains("77331"), "{text}");
}

#[tokio::test]
async fn absurd_numbers_are_typed() {
    let server = MockServer::start().await;
    Mock::given(path("/v1.1/transactions/fixed_value_vouchers/ext-big"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "transaction_id": 1e300, "status": "0", "product_id": u64::MAX,
        })))
        .expect(1)
        .mount(&server)
        .await;
    let err = client::<Dtone>(&server)
        .get_transaction_by_external_id(Category::FixedValueVouchers, "big")
        .await
        .unwrap_err();
    assert!(
        matches!(core::<Dtone>(&err), partner_sdk_core::Error::Decode(d) if d.path() == "product_id"),
        "{err:?}"
    );
    server.verify().await;
}

#[tokio::test]
async fn an_edge_date_in_a_201_is_created_answer_unreadable_and_reconciled() {
    let server = MockServer::start().await;
    let body = transaction_json("edge-1", "9999-12-31T23:59:59-01:00");
    Mock::given(method("POST"))
        .and(path(CREATE_PATH))
        .respond_with(ResponseTemplate::new(201).set_body_json(&body))
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1.1/transactions/fixed_value_vouchers/ext-edge-1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(&body))
        .expect(1)
        .mount(&server)
        .await;
    let c = client::<Dtone>(&server);

    let err = c
        .create_transaction(Category::FixedValueVouchers, &voucher_request("edge-1"))
        .await
        .unwrap_err();
    match core::<Dtone>(&err) {
        partner_sdk_core::Error::AnswerUnreadable(e) => {
            assert_eq!(e.status.as_u16(), 201);
            assert_eq!(e.key, Some(ReconcileKey::new("external_id", "edge-1")));
            assert!(e.cause.contains("`date`"), "{}", e.cause);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        err.outcome_unknown_key(),
        Some(&ReconcileKey::new("external_id", "edge-1"))
    );
    assert_no_pin(&err);

    // create_or_resolve looks it up instead of creating again; the look-up
    // cannot read the date either, so the original error stands.
    let err = c
        .create_or_resolve(Category::FixedValueVouchers, &voucher_request("edge-1"))
        .await
        .unwrap_err();
    assert!(
        matches!(
            core::<Dtone>(&err),
            partner_sdk_core::Error::AnswerUnreadable(_)
        ),
        "{err:?}"
    );
    assert_no_pin(&err);
    assert_eq!(
        (count(&server, "POST").await, count(&server, "GET").await),
        (2, 1)
    );
    server.verify().await;
}

#[tokio::test]
async fn edge_dates_in_a_lookup_decode_or_are_decode_errors() {
    // Out of range after conversion to UTC, or not in the calendar: typed.
    let refused = [
        "9999-12-31T23:59:59-01:00",
        "2023-02-30 10:00:00",
        "2024-13-01 10:00:00",
        "2024-01-01T25:00:00Z",
        "2024-01-00 10:00:00",
    ];
    // At the edge but real: decoded.
    let accepted = [
        ("0000-01-01T00:00:00+01:00", -1),
        ("0000-01-01 00:00:00", 0),
        ("9999-12-31T23:59:59+01:00", 9999),
        ("9999-12-31 23:59:59", 9999),
    ];
    let cases = refused
        .iter()
        .map(|d| (*d, None))
        .chain(accepted.iter().map(|(d, y)| (*d, Some(*y))));
    for (date, year) in cases {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(200).set_body_json(transaction_json("d-1", date)))
            .expect(1)
            .mount(&server)
            .await;
        let result = client::<Dtone>(&server)
            .get_transaction_by_external_id(Category::FixedValueVouchers, "d-1")
            .await;
        match (result, year) {
            (Ok(tx), Some(year)) => assert_eq!(tx.date.map(|d| d.year()), Some(year), "{date}"),
            (Err(err), None) => {
                assert!(
                    matches!(core::<Dtone>(&err), partner_sdk_core::Error::Decode(d) if d.path() == "date"),
                    "{date}: {err:?}"
                );
                assert_no_pin(&err);
            }
            (other, _) => panic!("{date}: {other:?}"),
        }
        server.verify().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_clients_sharing_a_key_never_send_the_same_nonce() {
    let server = MockServer::start().await;
    Mock::given(path("/v1.1/ping"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"status": "up"})))
        .expect(400)
        .mount(&server)
        .await;
    let replica = |name: &str| {
        Client::builder()
            .base_url(format!("{}/v1.1", server.uri()))
            .credentials(KEY, SECRET)
            .user_agent_suffix(name.to_owned())
            .build()
            .unwrap()
    };
    let tasks: Vec<_> = [replica("replica-a"), replica("replica-b")]
        .into_iter()
        .map(|c| {
            tokio::spawn(async move {
                for _ in 0..200 {
                    c.ping().await.unwrap();
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    let received = server.received_requests().await.unwrap();
    assert_eq!(received.len(), 400);
    let mut per_client: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    let mut all = HashSet::new();
    for r in &received {
        let nonce = r.headers["x-transferto-nonce"].to_str().unwrap();
        assert_eq!(nonce.len(), 19, "{nonce}");
        assert_eq!(
            r.headers["x-transferto-hmac"].to_str().unwrap(),
            partner_sdk_dtone::hmac_signature(KEY, SECRET, nonce)
        );
        all.insert(nonce.to_owned());
        let agent = r.headers["user-agent"].to_str().unwrap().to_owned();
        per_client
            .entry(agent)
            .or_default()
            .push(nonce.parse().unwrap());
    }
    assert_eq!(all.len(), 400, "zero collisions");
    assert_eq!(per_client.len(), 2);
    for nonces in per_client.values() {
        assert!(
            nonces.windows(2).all(|w| w[0] < w[1]),
            "strictly increasing per client"
        );
    }
}

#[tokio::test]
async fn a_201_that_does_not_decode_keeps_pins_out_and_create_or_resolve_reconciles() {
    let server = MockServer::start().await;
    let mut broken = transaction_json("ok-1", "2024-01-01 10:00:00");
    broken["local_value"] = json!({"not": "a number"});
    Mock::given(method("POST"))
        .and(path(CREATE_PATH))
        .respond_with(ResponseTemplate::new(201).set_body_json(&broken))
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1.1/transactions/fixed_value_vouchers/ext-ok-1"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(transaction_json("ok-1", "2024-01-01 10:00:00")),
        )
        .expect(1)
        .mount(&server)
        .await;
    let c = client::<Dtone>(&server);
    let err = c
        .create_transaction(Category::FixedValueVouchers, &voucher_request("ok-1"))
        .await
        .unwrap_err();
    assert!(
        matches!(core::<Dtone>(&err), partner_sdk_core::Error::AnswerUnreadable(e) if e.cause.contains("local_value")),
        "{err:?}"
    );
    assert_no_pin(&err);
    let tx = c
        .create_or_resolve(Category::FixedValueVouchers, &voucher_request("ok-1"))
        .await
        .unwrap();
    assert_eq!(tx.external_id, "ok-1");
    assert_eq!(tx.voucher.as_ref().and_then(|v| v.pin()), Some(PIN));
    assert_eq!(
        (count(&server, "POST").await, count(&server, "GET").await),
        (2, 1)
    );
    server.verify().await;
}

/// DVS answers with numbers no transaction has: an id past `i64`, an id
/// sent as a float, an amount past what JSON's numbers hold. Each is a
/// typed error naming the field; a create so answered is an unreadable
/// answer carrying its `external_id`, with no value from the answer (the
/// mobile number) in its text.
mod dvs_numbers {
    use partner_sdk_core::ReconcileKey;
    use partner_sdk_dtone::dvs::{Client, Error, PartyIdentifier, TransactionRequest};
    use serde_json::json;
    use wiremock::matchers::{method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    const MOBILE: &str = "+6595123100";

    fn client(server: &MockServer) -> Client {
        crate::dvs::builder(server).build().unwrap()
    }

    fn transaction(id: serde_json::Value, product_id: serde_json::Value) -> String {
        json!({
            "id": id, "external_id": "order-big",
            "product": {"id": product_id, "type": "FIXED_VALUE_RECHARGE", "name": "Top-up"},
            "status": {"id": 10000, "message": "CREATED", "class": {"id": 1, "message": "CREATED"}},
            "credit_party_identifier": {"mobile_number": MOBILE}
        })
        .to_string()
    }

    fn decode_path(e: &Error) -> String {
        match e {
            Error::Http(partner_sdk_core::Error::Decode(d)) => d.path().to_owned(),
            other => panic!("not a decode error: {other:?}"),
        }
    }

    #[tokio::test]
    async fn absurd_numbers_in_a_read_are_decode_errors_naming_the_field() {
        let absurd_amount = r#"{"id": 7, "external_id": "order-big", "prices": {"retail": {"unit_type": "CURRENCY", "unit": "USD", "amount": 1e400}}}"#;
        let cases = [
            (transaction(json!(1e300), json!(1)), "id"),
            (transaction(json!(u64::MAX), json!(1)), "id"),
            (transaction(json!(7), json!(u64::MAX)), "product.id"),
            (absurd_amount.to_owned(), "prices.retail.amount"),
        ];
        for (body, field) in cases {
            let server = MockServer::start().await;
            Mock::given(method("GET"))
                .and(path("/v1/transactions/7"))
                .respond_with(partner_sdk_test_kit::json_answer(&body))
                .expect(1)
                .mount(&server)
                .await;
            let e = client(&server).get_transaction(7).await.unwrap_err();
            assert_eq!(decode_path(&e), field, "{body}");
            server.verify().await;
        }
    }

    #[tokio::test]
    async fn an_absurd_number_in_a_create_answer_is_unreadable_with_its_key() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/v1/async/transactions"))
            .respond_with(
                ResponseTemplate::new(201)
                    .set_body_raw(transaction(json!(u64::MAX), json!(1)), "application/json"),
            )
            .expect(1)
            .mount(&server)
            .await;
        let request = TransactionRequest::new("order-big", 1)
            .credit_party(PartyIdentifier::mobile_number(MOBILE));
        let e = client(&server)
            .create_transaction(&request)
            .await
            .unwrap_err();
        let Error::Http(partner_sdk_core::Error::AnswerUnreadable(unreadable)) = &e else {
            panic!("not an unreadable answer: {e:?}");
        };
        assert_eq!(
            unreadable.key,
            Some(ReconcileKey::new("external_id", "order-big"))
        );
        assert!(unreadable.cause.contains("`id`"), "{}", unreadable.cause);
        let text = format!("{e} {e:?}");
        assert!(!text.contains("95123100"), "{text}");
        assert!(!text.contains("18446744073709551615"), "{text}");
        server.verify().await;
    }
}
