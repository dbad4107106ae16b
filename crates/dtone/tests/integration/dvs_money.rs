//! The DVS calls that move money against wiremock: what each create,
//! confirm and cancel sends (path, Basic auth, body), how DT One's "already
//! done" codes are read, `create_or_resolve` on 1007001, the journal and
//! `recover()`, and the family's shared suites (money safety over both
//! creates, hostile servers, faults, call options).

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use partner_sdk_dtone::Decimal;
use partner_sdk_dtone::dvs::{
    self, Client, Error, ErrorCode, PartyIdentifier, RequestedAmount, Resolution,
    TransactionRequest,
};
use partner_sdk_journal::{IntentKey, IntentState, JournalStore, MemoryJournal};
use partner_sdk_test_kit::json_answer;
use serde_json::{Value, json};
use wiremock::matchers::{body_json, header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::{KEY, SECRET, fast_retry};

/// `Basic base64("test-api-key-7781:test-api-secret-Zq93")`, computed
/// independently (see `dvs.rs`).
const BASIC: &str = "Basic dGVzdC1hcGkta2V5LTc3ODE6dGVzdC1hcGktc2VjcmV0LVpxOTM=";

const MOBILE: &str = "+50212345100";

fn builder(server: &MockServer) -> dvs::ClientBuilder {
    Client::builder()
        .base_url(format!("{}/v1", server.uri()))
        .credentials(KEY, SECRET)
        .retry_policy(fast_retry())
        .timeout(Duration::from_millis(500))
}

fn client(server: &MockServer) -> Client {
    builder(server).build().unwrap()
}

fn journalled(server: &MockServer, journal: Arc<dyn JournalStore>) -> Client {
    builder(server).journal(journal).build().unwrap()
}

fn topup(external_id: &str) -> TransactionRequest {
    TransactionRequest::new(external_id, 3001)
        .auto_confirm(true)
        .credit_party(PartyIdentifier::mobile_number(MOBILE))
}

/// A transaction as DT One answers it: `id`, `external_id`, product 3001,
/// the credit party, and the status class given.
fn tx(id: i64, external_id: &str, class: &str) -> Value {
    json!({
        "id": id,
        "external_id": external_id,
        "product": {"id": 3001, "type": "FIXED_VALUE_RECHARGE", "name": "Claro 100 GTQ"},
        "status": {"id": 1, "message": class, "class": {"id": 1, "message": class}},
        "credit_party_identifier": {"mobile_number": MOBILE},
        "auto_confirm": true
    })
}

fn error(status: u16, code: u32) -> ResponseTemplate {
    ResponseTemplate::new(status)
        .set_body_json(json!({"errors": [{"code": code, "message": "refused"}]}))
}

fn create_key(external_id: &str) -> IntentKey {
    IntentKey::new(
        "dtone-dvs",
        "create_transaction",
        "external_id",
        external_id,
    )
}

fn confirm_key(id: i64) -> IntentKey {
    IntentKey::new(
        "dtone-dvs",
        "confirm_transaction",
        "transaction_id",
        id.to_string(),
    )
}

fn sent(server: &MockServer, m: &str) -> Vec<String> {
    futures::executor::block_on(server.received_requests())
        .unwrap_or_default()
        .into_iter()
        .filter(|r| r.method.as_str() == m)
        .map(|r| match r.url.query() {
            Some(q) => format!("{}?{q}", r.url.path()),
            None => r.url.path().to_owned(),
        })
        .collect()
}

#[tokio::test]
async fn an_async_create_sends_the_documented_body_once() {
    let server = MockServer::start().await;
    let request = topup("order-1")
        .destination_amount(RequestedAmount::currency(
            "GTQ",
            Decimal::from_str("100.50").unwrap(),
        ))
        .callback_url("https://shop.example/dvs/callback");
    Mock::given(method("POST"))
        .and(path("/v1/async/transactions"))
        .and(header("authorization", BASIC))
        .and(body_json(json!({
            "external_id": "order-1",
            "product_id": 3001,
            "auto_confirm": true,
            "calculation_mode": "DESTINATION_AMOUNT",
            "destination": {"unit_type": "CURRENCY", "unit": "GTQ", "amount": 100.50},
            "credit_party_identifier": {"mobile_number": MOBILE},
            "callback_url": "https://shop.example/dvs/callback"
        })))
        .respond_with(ResponseTemplate::new(201).set_body_raw(
            tx(7, "order-1", "CONFIRMED").to_string(),
            "application/json",
        ))
        .expect(1)
        .mount(&server)
        .await;
    let created = client(&server).create_transaction(&request).await.unwrap();
    assert_eq!(created.id, 7);
    assert_eq!(created.status_class(), dvs::StatusClass::Confirmed);
    assert!(!created.is_final());
    // The amount goes out as the JSON number of the same value.
    let body =
        String::from_utf8(server.received_requests().await.unwrap()[0].body.clone()).unwrap();
    assert!(body.contains(r#""amount":100.5}"#), "{body}");
}

#[tokio::test]
async fn a_sync_create_waits_as_asked_and_sends_no_callback_url() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/sync/transactions"))
        .and(header("authorization", BASIC))
        .and(body_json(json!({
            "external_id": "order-2",
            "product_id": 3001,
            "auto_confirm": true,
            "credit_party_identifier": {"mobile_number": MOBILE}
        })))
        .respond_with(
            ResponseTemplate::new(201)
                .set_body_raw(
                    tx(8, "order-2", "COMPLETED").to_string(),
                    "application/json",
                )
                .set_delay(Duration::from_millis(800)),
        )
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server);
    let request = topup("order-2").callback_url("https://shop.example/cb");
    // The wait given is the attempt's timeout, over the client's 500 ms.
    let done = c
        .create_transaction_sync(&request, Duration::from_secs(3))
        .await
        .unwrap();
    assert!(done.is_final() && done.is_success());
    for wait in [Duration::ZERO, Duration::from_secs(241)] {
        let e = c.create_transaction_sync(&request, wait).await.unwrap_err();
        assert_eq!(e.invalid_field(), Some("wait"), "{e}");
    }
}

#[tokio::test]
async fn a_create_without_an_answer_is_unknown_with_its_key_and_never_resent() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/async/transactions"))
        .respond_with(ResponseTemplate::new(201).set_delay(Duration::from_secs(2)))
        .expect(1)
        .mount(&server)
        .await;
    let e = client(&server)
        .create_transaction(&topup("order-3"))
        .await
        .unwrap_err();
    let key = e.outcome_unknown_key().expect("an unknown outcome");
    assert_eq!((key.field(), key.value()), ("external_id", "order-3"));
}

#[tokio::test]
async fn a_second_confirm_is_already_done_and_answers_the_transaction() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/async/transactions/7/confirm"))
        .and(header("authorization", BASIC))
        .respond_with(error(400, 1007002))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/transactions/7"))
        .respond_with(json_answer(&tx(7, "order-1", "SUBMITTED").to_string()))
        .expect(1)
        .mount(&server)
        .await;
    let confirmed = client(&server).confirm_transaction(7).await.unwrap();
    assert_eq!(confirmed.status_class(), dvs::StatusClass::Submitted);
}

#[tokio::test]
async fn a_confirm_whose_answer_was_lost_is_sent_again_and_read_as_done() {
    let server = MockServer::start().await;
    // The first confirm is processed, its answer lost (a gateway's 502);
    // the retry meets 1007002.
    Mock::given(method("POST"))
        .and(path("/v1/sync/transactions/7/confirm"))
        .respond_with(ResponseTemplate::new(502).set_body_string("<html>bad gateway</html>"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/sync/transactions/7/confirm"))
        .respond_with(error(400, 1007002))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/transactions/7"))
        .respond_with(json_answer(&tx(7, "order-1", "COMPLETED").to_string()))
        .mount(&server)
        .await;
    let journal = Arc::new(MemoryJournal::new());
    let c = journalled(&server, journal.clone());
    let confirmed = c
        .confirm_transaction_sync(7, Duration::from_secs(2))
        .await
        .unwrap();
    assert!(confirmed.is_success());
    assert_eq!(
        sent(&server, "POST"),
        [
            "/v1/sync/transactions/7/confirm",
            "/v1/sync/transactions/7/confirm"
        ]
    );
    let intent = journal.get(&confirm_key(7)).await.unwrap().unwrap();
    assert!(
        matches!(intent.state, IntentState::Done { .. }),
        "{intent:?}"
    );
}

#[tokio::test]
async fn a_late_confirm_and_a_late_cancel_are_refusals() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/async/transactions/7/confirm"))
        .respond_with(error(400, 1007004))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/transactions/7/cancel"))
        .respond_with(error(400, 1007007))
        .mount(&server)
        .await;
    let journal = Arc::new(MemoryJournal::new());
    let c = journalled(&server, journal.clone());
    let e = c.confirm_transaction(7).await.unwrap_err();
    assert_eq!(e.code(), Some(ErrorCode::ConfirmTooLate));
    let intent = journal.get(&confirm_key(7)).await.unwrap().unwrap();
    assert!(
        matches!(intent.state, IntentState::NotDone { .. }),
        "{intent:?}"
    );
    let e = c.cancel_transaction(7).await.unwrap_err();
    assert_eq!(e.code(), Some(ErrorCode::CancelTooLate));
    assert!(sent(&server, "GET").is_empty());
}

#[tokio::test]
async fn a_second_cancel_is_already_done() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/transactions/7/cancel"))
        .and(header("authorization", BASIC))
        .respond_with(error(400, 1007005))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/transactions/7"))
        .respond_with(json_answer(&tx(7, "order-1", "CANCELLED").to_string()))
        .expect(1)
        .mount(&server)
        .await;
    let cancelled = client(&server).cancel_transaction(7).await.unwrap();
    assert!(cancelled.has_failed());
    let e = client(&server).cancel_transaction(0).await.unwrap_err();
    assert_eq!(e.invalid_field(), Some("transaction_id"));
}

/// A server refusing every create with 1007001 whose listing by
/// `external_id` answers `found`.
async fn reused(found: Value) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/async/transactions"))
        .respond_with(error(400, 1007001))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/transactions"))
        .and(query_param("external_id", "order-1"))
        .respond_with(json_answer(&found.to_string()))
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn create_or_resolve_finds_its_own_transaction_on_1007001() {
    let server = reused(json!([tx(7, "order-1", "CONFIRMED")])).await;
    let c = client(&server);
    let e = c.create_transaction(&topup("order-1")).await.unwrap_err();
    assert_eq!(e.code(), Some(ErrorCode::ExternalIdReused));
    let found = c.create_or_resolve(&topup("order-1")).await.unwrap();
    assert_eq!(found.id, 7);
    assert_eq!(
        sent(&server, "GET"),
        ["/v1/transactions?external_id=order-1&page=1"]
    );
    match c.find_by_external_id("order-1").await.unwrap() {
        Resolution::Found(tx) => assert_eq!(tx.id, 7),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn create_or_resolve_never_takes_another_order_for_its_own() {
    // Another product, and the same product for another number.
    let mut other_number = tx(7, "order-1", "COMPLETED");
    other_number["credit_party_identifier"]["mobile_number"] = json!("+50299999999");
    let mut other_product = tx(7, "order-1", "COMPLETED");
    other_product["product"]["id"] = json!(3002);
    for (found, field) in [
        (other_number, "credit_party_identifier"),
        (other_product, "product_id"),
    ] {
        let server = reused(json!([found])).await;
        let e = client(&server)
            .create_or_resolve(&topup("order-1"))
            .await
            .unwrap_err();
        match &e {
            Error::ExternalIdConflict(c) => assert_eq!(c.mismatched, [field]),
            other => panic!("{other:?}"),
        }
        assert!(!e.to_string().contains("99999999"), "{e}");
    }
    // The same number written another way is the same party.
    let mut same = tx(7, "order-1", "COMPLETED");
    same["credit_party_identifier"]["mobile_number"] = json!("00502 1234-5100");
    let server = reused(json!([same])).await;
    assert!(
        client(&server)
            .create_or_resolve(&topup("order-1"))
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn create_or_resolve_reports_a_failed_transaction_and_settles_it_not_done() {
    let server = reused(json!([tx(7, "order-1", "DECLINED")])).await;
    let journal = Arc::new(MemoryJournal::new());
    let e = journalled(&server, journal.clone())
        .create_or_resolve(&topup("order-1"))
        .await
        .unwrap_err();
    match e {
        Error::TransactionFailed(f) => {
            assert_eq!((f.key.field(), f.key.value()), ("external_id", "order-1"));
            assert_eq!(f.status, "DECLINED");
            assert!(
                f.to_string().starts_with("dtone-dvs create_transaction:"),
                "{f}"
            );
        }
        other => panic!("{other:?}"),
    }
    let intent = journal.get(&create_key("order-1")).await.unwrap().unwrap();
    assert!(
        matches!(intent.state, IntentState::NotDone { .. }),
        "{intent:?}"
    );
}

#[tokio::test]
async fn create_or_resolve_keeps_the_creates_error_when_nothing_is_found() {
    let server = reused(json!([])).await;
    let e = client(&server)
        .create_or_resolve(&topup("order-1"))
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some(ErrorCode::ExternalIdReused));
}

#[tokio::test]
async fn a_journalled_create_is_settled_and_never_sent_twice() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/async/transactions"))
        .respond_with(
            ResponseTemplate::new(201)
                .set_body_raw(tx(7, "order-1", "CREATED").to_string(), "application/json"),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/transactions"))
        .and(query_param("external_id", "order-1"))
        .respond_with(json_answer(
            &json!([tx(7, "order-1", "CONFIRMED")]).to_string(),
        ))
        .mount(&server)
        .await;
    let journal = Arc::new(MemoryJournal::new());
    let c = journalled(&server, journal.clone());
    assert_eq!(c.create_transaction(&topup("order-1")).await.unwrap().id, 7);
    let intent = journal.get(&create_key("order-1")).await.unwrap().unwrap();
    assert_eq!(
        intent.state,
        IntentState::Done {
            provider_id: Some("7".into())
        }
    );
    // The same order again, synchronous this time: one intent, looked up.
    let again = c
        .create_transaction_sync(&topup("order-1"), Duration::from_secs(2))
        .await
        .unwrap();
    assert_eq!(again.id, 7);
    // Another order under the same id is refused before sending.
    let e = c
        .create_transaction(&TransactionRequest::new("order-1", 3002))
        .await
        .unwrap_err();
    assert!(
        matches!(e, Error::Http(partner_sdk_core::Error::Journal(_))),
        "{e:?}"
    );
    assert_eq!(sent(&server, "POST"), ["/v1/async/transactions"]);
}

#[tokio::test]
async fn a_refused_create_is_not_done_and_may_be_sent_again() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/async/transactions"))
        .respond_with(error(400, 1006001))
        .mount(&server)
        .await;
    let journal = Arc::new(MemoryJournal::new());
    let c = journalled(&server, journal.clone());
    for _ in 0..2 {
        let e = c.create_transaction(&topup("order-1")).await.unwrap_err();
        assert_eq!(e.code(), Some(ErrorCode::InsufficientBalance));
    }
    let intent = journal.get(&create_key("order-1")).await.unwrap().unwrap();
    assert!(matches!(intent.state, IntentState::NotDone { .. }));
    assert_eq!(intent.attempt, 2);
    assert_eq!(sent(&server, "POST").len(), 2);
}

#[tokio::test]
async fn recovery_settles_creates_and_confirms_by_what_dt_one_holds() {
    let server = MockServer::start().await;
    // Every create and confirm's answer is lost.
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/transactions"))
        .and(query_param("external_id", "reached"))
        .respond_with(json_answer(
            &json!([tx(7, "reached", "COMPLETED")]).to_string(),
        ))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/transactions"))
        .and(query_param("external_id", "never-left"))
        .respond_with(json_answer("[]"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/transactions/7"))
        .respond_with(json_answer(&tx(7, "reached", "COMPLETED").to_string()))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/transactions/8"))
        .respond_with(json_answer(&tx(8, "other", "CREATED").to_string()))
        .mount(&server)
        .await;
    let journal = Arc::new(MemoryJournal::new());
    // The senders' leases end with them (as when their process died).
    let c = journalled(
        &server,
        Arc::new(partner_sdk_test_kit::Aged(journal.clone())),
    );
    for id in ["reached", "never-left"] {
        let e = c.create_transaction(&topup(id)).await.unwrap_err();
        assert!(e.outcome_unknown_key().is_some(), "{e:?}");
    }
    for id in [7, 8] {
        assert!(c.confirm_transaction(id).await.is_err());
    }
    let posts = sent(&server, "POST").len();
    let report = c.recover_older_than(Duration::ZERO).await.unwrap();
    assert!(report.is_settled(), "{report:?}");
    let mut done = report.done.clone();
    done.sort_by_key(|k| format!("{k:?}"));
    assert_eq!(done, [confirm_key(7), create_key("reached")]);
    let mut not_done = report.not_done.clone();
    not_done.sort_by_key(|k| format!("{k:?}"));
    assert_eq!(not_done, [confirm_key(8), create_key("never-left")]);
    // Recovery never sends a create or a confirm.
    assert_eq!(sent(&server, "POST").len(), posts);
}

/// DT One's DVS as the shared suites' subject: Basic auth on every request,
/// a read of one service, and both creates.
mod suite {
    use partner_sdk_dtone::dvs::{
        Client, Error, ErrorCode, MobileNumberLookup, TransactionRequest,
    };
    use partner_sdk_test_kit::subject::{BoxFuture, Outcome};
    use partner_sdk_test_kit::{Auth, Call, ErrorAnswer, Settings};

    use super::BASIC;
    use crate::common::{KEY, SECRET};

    pub(crate) struct DtoneDvs;

    const ACCEPTED: &str = r#"{"id": 7, "external_id": "order-1", "product": {"id": 3001, "type": "FIXED_VALUE_RECHARGE"}, "status": {"id": 1, "message": "CREATED", "class": {"id": 1, "message": "CREATED"}}}"#;

    fn request() -> TransactionRequest {
        TransactionRequest::new("order-1", 3001)
    }

    impl partner_sdk_test_kit::Subject for DtoneDvs {
        partner_sdk_test_kit::provider_subject!(Client, Error, ErrorCode);

        const PROVIDER: &'static str = "dtone-dvs";
        const CREDENTIALS: (&'static str, &'static str) = (KEY, SECRET);
        const AUTH: Auth = Auth::None;
        const SENT_HEADERS: &'static [(&'static str, &'static str)] = &[("authorization", BASIC)];
        const PROTECTED_HEADERS: &'static [&'static str] = &[];
        const ERROR: ErrorAnswer = ErrorAnswer {
            body: r#"{"errors": [{"code": 1003001, "message": "Product not available"}]}"#,
            code: "1003001",
            message: "Product not available",
        };
        const CODE: ErrorCode = ErrorCode::ProductNotAvailable;
        const INTERNAL_ERRORS: &'static [(u16, &'static str)] = &[
            (
                500,
                r#"{"errors": [{"code": 1009001, "message": "Unexpected error"}]}"#,
            ),
            (
                400,
                r#"{"errors": [{"code": 1009001, "message": "Unexpected error"}]}"#,
            ),
            (
                503,
                r#"{"errors": [{"code": 1009503, "message": "Retry later"}]}"#,
            ),
            (
                201,
                r#"{"errors": [{"code": 1009001, "message": "Unexpected error"}]}"#,
            ),
        ];

        fn build(api: &str, _auth: &str, settings: &Settings) -> Client {
            let builder = Client::builder()
                .base_url(format!("{api}/v1"))
                .credentials(KEY, SECRET);
            partner_sdk_test_kit::with_settings!(builder, settings)
                .build()
                .unwrap()
        }

        fn read() -> Call<Self> {
            Call::new("get_service", "GET", "/v1/services/1", |c: &Client| {
                Box::pin(async move {
                    let service = c.get_service(1).await?;
                    assert_eq!(service.id, 1);
                    Ok(())
                })
            })
            .template("/services/{service_id}")
            .answer(r#"{"id": 1, "name": "Mobile"}"#)
        }

        fn creates() -> Vec<Call<Self>> {
            vec![
                Call::new(
                    "create_transaction",
                    "POST",
                    "/v1/async/transactions",
                    |c: &Client| {
                        Box::pin(async move { c.create_transaction(&request()).await.map(drop) })
                    },
                )
                .template("/async/transactions")
                .answer(ACCEPTED)
                .key("external_id", "order-1"),
                Call::new(
                    "create_transaction_sync",
                    "POST",
                    "/v1/sync/transactions",
                    |c: &Client| {
                        Box::pin(async move {
                            c.create_transaction_sync(
                                &request(),
                                std::time::Duration::from_millis(300),
                            )
                            .await
                            .map(drop)
                        })
                    },
                )
                .template("/sync/transactions")
                .answer(ACCEPTED)
                .key("external_id", "order-1"),
            ]
        }
    }

    impl partner_sdk_test_kit::Ids for DtoneDvs {
        fn id_calls<'a>(
            client: &'a Client,
            id: &'a str,
        ) -> Vec<(&'static str, BoxFuture<'a, Outcome<Self>>)> {
            vec![
                (
                    "country_iso_code",
                    Box::pin(async move { client.get_country(id).await.map(drop) }),
                ),
                (
                    "mobile_number",
                    Box::pin(async move {
                        let lookup = MobileNumberLookup::new(id);
                        client.list_mobile_number_operators(&lookup).await.map(drop)
                    }),
                ),
                (
                    "external_id",
                    Box::pin(async move { client.find_by_external_id(id).await.map(drop) }),
                ),
                (
                    "external_id",
                    Box::pin(async move {
                        let order = TransactionRequest::new(id, 3001);
                        client.create_transaction(&order).await.map(drop)
                    }),
                ),
            ]
        }
    }

    mod money_safety {
        partner_sdk_test_kit::money_safety_suite!(super::DtoneDvs);
    }

    mod hostile {
        partner_sdk_test_kit::hostile_suite!(super::DtoneDvs, ids);
    }

    mod faults {
        partner_sdk_test_kit::faults_suite!(super::DtoneDvs);
    }

    mod options {
        partner_sdk_test_kit::options_suite!(super::DtoneDvs, creates);
    }
}
