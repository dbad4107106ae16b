//! Fault matrix through the public DT One client: the shared faults suite,
//! and DT One's own reconciliation by `external_id`.

use crate::common;

use std::time::Duration;

use common::client;
use partner_sdk_core::ReconcileKey;
use partner_sdk_dtone::{Category, Client, Error, ErrorCode, TransactionRequest};
use partner_sdk_test_kit::Settings;
use partner_sdk_test_kit::count_method as count;
use partner_sdk_test_kit::subject::client_on;
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::subject::{Dtone, transaction};

partner_sdk_test_kit::faults_suite!(Dtone);

const CREATE_PATH: &str = "/v1.1/transactions/fixed_value_recharges";

/// A client whose attempts time out after 150 ms.
fn impatient(server: &MockServer) -> Client {
    let settings = Settings {
        timeout: Duration::from_millis(150),
        ..Settings::default()
    };
    client_on::<Dtone>(&server.uri(), &settings)
}

fn create_request() -> TransactionRequest {
    TransactionRequest::new("+50212345678", 64, "fault-1").simulation(true)
}

#[tokio::test]
async fn stalled_create_is_resolved_by_looking_up_the_external_id() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(CREATE_PATH))
        .respond_with(ResponseTemplate::new(201).set_delay(Duration::from_secs(3)))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1.1/transactions/fixed_value_recharges/ext-fault-1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(found(64, "+50212345678")))
        .expect(1)
        .mount(&server)
        .await;
    let c = impatient(&server);
    let tx = c
        .create_or_resolve(Category::FixedValueRecharges, &create_request())
        .await
        .unwrap();
    assert_eq!(tx.transaction_id, "555");
    assert!(tx.is_success());
}

#[tokio::test]
async fn stalled_create_not_found_keeps_the_outcome_unknown_error() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(201).set_delay(Duration::from_secs(3)))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(404).set_body_json(
                json!({"errors":[{"code":1000404,"message":"Transaction not found"}]}),
            ),
        )
        .expect(1)
        .mount(&server)
        .await;
    let c = impatient(&server);
    let err = c
        .create_or_resolve(Category::FixedValueRecharges, &create_request())
        .await
        .unwrap_err();
    assert_eq!(
        err.outcome_unknown_key(),
        Some(&ReconcileKey::new("external_id", "fault-1"))
    );
}

#[tokio::test]
async fn unauthorized_is_an_api_error_sent_once() {
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(
            ResponseTemplate::new(401)
                .set_body_json(json!({"errors":[{"code":1000401,"message":"Unauthorized"}]})),
        )
        .mount(&server)
        .await;
    let c = client(&server);
    let get = c.ping().await.unwrap_err();
    let category = Category::FixedValueRecharges;
    let post = c
        .create_transaction(category, &transaction(category, "fault-1"))
        .await
        .unwrap_err();
    assert_eq!(get.code(), Some(ErrorCode::Unauthorized));
    assert_eq!(post.code(), Some(ErrorCode::Unauthorized));
    assert_eq!(
        (count(&server, "GET").await, count(&server, "POST").await),
        (1, 1)
    );
}

/// A server whose create answers `create` and whose look-up by
/// `ext-fault-1` finds `found`; returns the create_or_resolve result and the
/// number of POSTs.
async fn resolve_after(
    create: ResponseTemplate,
    found: serde_json::Value,
    request: &TransactionRequest,
    category: Category,
) -> (Result<partner_sdk_dtone::Transaction, Error>, usize) {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(create)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!(
            "/v1.1/transactions/{}/ext-fault-1",
            category.as_str()
        )))
        .respond_with(ResponseTemplate::new(200).set_body_json(found))
        .expect(1)
        .mount(&server)
        .await;
    let result = client(&server).create_or_resolve(category, request).await;
    (result, count(&server, "POST").await)
}

fn reused() -> ResponseTemplate {
    ResponseTemplate::new(400)
        .set_body_json(json!({"errors":[{"code":1000990,"message":"external_id already used"}]}))
}

fn found(product_id: i64, account: &str) -> serde_json::Value {
    json!({
        "transaction_id": "555", "status": "0", "external_id": "fault-1",
        "simulation": 1, "product_id": product_id, "account_number": account
    })
}

#[tokio::test]
async fn a_reused_key_resolves_to_the_same_transaction() {
    // DT One may write the number without its `+`.
    let (tx, posts) = resolve_after(
        reused(),
        found(64, "50212345678"),
        &create_request(),
        Category::FixedValueRecharges,
    )
    .await;
    assert_eq!(tx.unwrap().transaction_id, "555");
    assert_eq!(posts, 1);
}

#[tokio::test]
async fn a_gateway_error_on_the_create_resolves_the_same_way() {
    let page = ResponseTemplate::new(504).set_body_raw("<html>504</html>", "text/html");
    let (tx, posts) = resolve_after(
        page,
        found(64, "+50212345678"),
        &create_request(),
        Category::FixedValueRecharges,
    )
    .await;
    assert_eq!(tx.unwrap().transaction_id, "555");
    assert_eq!(posts, 1);
}

#[tokio::test]
async fn a_reused_key_of_another_order_is_a_conflict_naming_the_fields() {
    let (result, posts) = resolve_after(
        reused(),
        found(65, "+50299999999"),
        &create_request(),
        Category::FixedValueRecharges,
    )
    .await;
    let err = result.unwrap_err();
    let Error::ExternalIdConflict(conflict) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(conflict.key, ReconcileKey::new("external_id", "fault-1"));
    assert_eq!(conflict.mismatched, ["product_id", "account_number"]);
    assert!(!err.is_retryable());
    let shown = format!("{err} {err:?}");
    assert!(!shown.contains("50299999999"), "{shown}");
    assert_eq!(posts, 1);
}

#[tokio::test]
async fn a_variable_amount_must_match_too() {
    let request = TransactionRequest::new("+50212345678", 64, "fault-1")
        .local_value(partner_sdk_core::Decimal::new(1500, 2))
        .simulation(true);
    let mut same = found(64, "+50212345678");
    same["local_value"] = json!(15);
    let (tx, _) = resolve_after(reused(), same, &request, Category::VariableValueRecharges).await;
    assert_eq!(tx.unwrap().transaction_id, "555");
    let mut other = found(64, "+50212345678");
    other["local_value"] = json!(20);
    let (err, _) = resolve_after(reused(), other, &request, Category::VariableValueRecharges).await;
    assert!(
        matches!(&err, Err(Error::ExternalIdConflict(c)) if c.mismatched == ["local_value"]),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_simulated_transaction_never_stands_for_a_real_order() {
    // The request is real; the transaction found under its id a simulation.
    let real = TransactionRequest::new("+50212345678", 64, "fault-1");
    let (result, posts) = resolve_after(
        reused(),
        found(64, "+50212345678"),
        &real,
        Category::FixedValueRecharges,
    )
    .await;
    assert!(
        matches!(&result, Err(Error::ExternalIdConflict(c)) if c.mismatched == ["simulation"]),
        "{result:?}"
    );
    assert_eq!(posts, 1);
}

#[tokio::test]
async fn phone_numbers_compare_by_digits_and_other_accounts_exactly() {
    // The same phone number written another way is the same account.
    for written in ["0050212345678", "+502 1234-5678", "(502) 1234.5678"] {
        let (tx, _) = resolve_after(
            reused(),
            found(64, written),
            &create_request(),
            Category::FixedValueRecharges,
        )
        .await;
        assert_eq!(tx.unwrap().transaction_id, "555", "{written}");
    }
    // Two e-mail accounts that differ by a dash, or by case, are two accounts.
    let mail = TransactionRequest::new("ana-maria@example.com", 64, "fault-1").simulation(true);
    for other in ["anamaria@example.com", "Ana-Maria@example.com"] {
        let (result, _) = resolve_after(
            reused(),
            found(64, other),
            &mail,
            Category::FixedValueRecharges,
        )
        .await;
        assert!(
            matches!(&result, Err(Error::ExternalIdConflict(c)) if c.mismatched == ["account_number"]),
            "{other}: {result:?}"
        );
    }
    let (tx, _) = resolve_after(
        reused(),
        found(64, "ana-maria@example.com"),
        &mail,
        Category::FixedValueRecharges,
    )
    .await;
    assert_eq!(tx.unwrap().transaction_id, "555");
}

#[tokio::test]
async fn a_failed_transaction_found_is_not_done() {
    for status in [
        "FAILED",
        "declined",
        "REJECTED",
        "CANCELLED",
        "REVERSED",
        "1000214",
    ] {
        let mut failed = found(64, "+50212345678");
        failed["status"] = json!(status);
        let (result, posts) = resolve_after(
            reused(),
            failed,
            &create_request(),
            Category::FixedValueRecharges,
        )
        .await;
        let err = result.unwrap_err();
        let Error::TransactionFailed(failure) = &err else {
            panic!("{status}: {err:?}")
        };
        assert_eq!(failure.key, ReconcileKey::new("external_id", "fault-1"));
        assert_eq!(failure.status, status);
        assert!(err.to_string().contains(status), "{err}");
        assert_eq!(posts, 1);
    }
    // A status not final yet: the transaction exists, it is returned.
    let mut pending = found(64, "+50212345678");
    pending["status"] = json!("1");
    let (tx, _) = resolve_after(
        reused(),
        pending,
        &create_request(),
        Category::FixedValueRecharges,
    )
    .await;
    assert_eq!(tx.unwrap().transaction_id, "555");
}
