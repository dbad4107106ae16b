//! Creates through the intent journal, against wiremock: what is begun,
//! settled and refused, and that a refused create sends nothing.

use std::sync::Arc;
use std::time::Duration;

use partner_sdk_core::ReconcileKey;
use partner_sdk_dtone::{Category, Client, TransactionRequest};
use partner_sdk_journal::{
    Begin, Intent, IntentKey, IntentState, JournalError, JournalFuture, JournalStep, JournalStore,
    MemoryJournal, NewIntent, Outcome, RequestDigest,
};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use partner_sdk_test_kit::JournalClock;

use crate::common::{KEY, SECRET, Signed, fast_retry};

fn journalled(server: &MockServer, journal: Arc<dyn JournalStore>) -> Client {
    Client::builder()
        .base_url(format!("{}/v1.1", server.uri()))
        .credentials(KEY, SECRET)
        .retry_policy(fast_retry())
        .journal(journal)
        .build()
        .unwrap()
}

fn key(external_id: &str) -> IntentKey {
    IntentKey::new(
        "dtone",
        "create_transaction/fixed_value_recharges",
        "external_id",
        external_id,
    )
}

fn topup(external_id: &str) -> TransactionRequest {
    TransactionRequest::new("+50212345678", 64, external_id)
}

fn created(external_id: &str) -> ResponseTemplate {
    ResponseTemplate::new(201).set_body_json(json!({
        "transaction_id": "9001", "status": "0", "external_id": external_id,
        "account_number": "+50212345678", "product_id": "64",
    }))
}

#[tokio::test]
async fn a_reused_key_for_another_request_is_refused_before_sending() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(created("order-1"))
        .expect(0)
        .mount(&server)
        .await;
    let journal = Arc::new(MemoryJournal::new());
    let begun = journal
        .begin(
            &NewIntent::new(key("order-1"), RequestDigest::of(b"another request")),
            Duration::from_secs(60),
        )
        .await
        .unwrap();
    assert!(matches!(begun, Begin::Fresh(_)));
    let err = journalled(&server, journal.clone())
        .create_transaction(Category::FixedValueRecharges, &topup("order-1"))
        .await
        .unwrap_err();
    match err.as_core() {
        Some(partner_sdk_core::Error::Journal(e)) => {
            assert!(matches!(**e, JournalError::Conflict { .. }), "{e:?}");
            assert!(e.create_not_sent());
        }
        other => panic!("expected a journal conflict, got {other:?}"),
    }
    assert!(server.received_requests().await.unwrap().is_empty());
    assert!(
        journal
            .get(&key("order-1"))
            .await
            .unwrap()
            .unwrap()
            .state
            .is_pending()
    );
}

/// A store whose `begin` always fails.
struct Broken;

impl JournalStore for Broken {
    fn begin<'a>(&'a self, _: &'a NewIntent, _: Duration) -> JournalFuture<'a, Begin> {
        Box::pin(std::future::ready(Err(JournalError::unavailable(
            JournalStep::Begin,
            "disk full",
        ))))
    }
    fn settle<'a>(&'a self, _: &'a IntentKey, _: u32, _: Outcome) -> JournalFuture<'a, ()> {
        Box::pin(std::future::ready(Ok(())))
    }
    fn renew<'a>(&'a self, _: &'a IntentKey, _: u32, _: Duration) -> JournalFuture<'a, bool> {
        Box::pin(std::future::ready(Ok(false)))
    }
    fn prune<'a>(&'a self, _: Duration) -> JournalFuture<'a, u64> {
        Box::pin(std::future::ready(Ok(0)))
    }
    fn claim_pending<'a>(
        &'a self,
        _: &'a str,
        _: Duration,
        _: Duration,
        _: usize,
    ) -> JournalFuture<'a, Vec<Intent>> {
        Box::pin(std::future::ready(Ok(Vec::new())))
    }
    fn release<'a>(&'a self, _: &'a Intent) -> JournalFuture<'a, ()> {
        Box::pin(std::future::ready(Ok(())))
    }
    fn get<'a>(&'a self, _: &'a IntentKey) -> JournalFuture<'a, Option<Intent>> {
        Box::pin(std::future::ready(Ok(None)))
    }
}

#[tokio::test]
async fn a_create_the_journal_cannot_record_is_not_sent() {
    let server = MockServer::start().await;
    let err = journalled(&server, Arc::new(Broken))
        .create_transaction(Category::FixedValueRecharges, &topup("order-2"))
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("intent journal unavailable during begin: the create was not sent"),
        "{err}"
    );
    assert!(!err.is_retryable());
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn answers_settle_the_intent_and_a_repeat_is_looked_up_not_sent() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1.1/transactions/fixed_value_recharges"))
        .and(Signed)
        .respond_with(created("order-3"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1.1/transactions/fixed_value_recharges/ext-order-3"))
        .respond_with(created("order-3"))
        .expect(1)
        .mount(&server)
        .await;
    let journal = Arc::new(MemoryJournal::new());
    let client = journalled(&server, journal.clone());
    let tx = client
        .create_transaction(Category::FixedValueRecharges, &topup("order-3"))
        .await
        .unwrap();
    assert_eq!(tx.transaction_id, "9001");
    let done = IntentState::Done {
        provider_id: Some("9001".into()),
    };
    assert_eq!(
        journal.get(&key("order-3")).await.unwrap().unwrap().state,
        done
    );
    // The same create again: journalled done, so it is looked up, not sent.
    let again = client
        .create_transaction(Category::FixedValueRecharges, &topup("order-3"))
        .await
        .unwrap();
    assert_eq!(again.transaction_id, "9001");
}

#[tokio::test]
async fn a_refusal_settles_not_done_and_the_same_key_may_be_sent_again() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(400).set_body_json(
            json!({"errors": [{"code": 1000777, "message": "Insufficient balance"}]}),
        ))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(created("order-4"))
        .expect(1)
        .mount(&server)
        .await;
    let journal = Arc::new(MemoryJournal::new());
    let client = journalled(&server, journal.clone());
    let err = client
        .create_transaction(Category::FixedValueRecharges, &topup("order-4"))
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(400));
    let intent = journal.get(&key("order-4")).await.unwrap().unwrap();
    assert_eq!(
        (intent.state, intent.attempt),
        (
            IntentState::NotDone {
                reason: "refused: 400 1000777".into()
            },
            1
        )
    );
    // Refused, the key is free: the same create again is a second attempt,
    // sent under the same external_id.
    let tx = client
        .create_transaction(Category::FixedValueRecharges, &topup("order-4"))
        .await
        .unwrap();
    assert_eq!(tx.transaction_id, "9001");
    let intent = journal.get(&key("order-4")).await.unwrap().unwrap();
    assert_eq!(
        (intent.state, intent.attempt),
        (
            IntentState::Done {
                provider_id: Some("9001".into())
            },
            2
        )
    );
    let sent = server.received_requests().await.unwrap();
    assert_eq!(sent.len(), 2);
    assert_eq!(sent[0].body, sent[1].body, "the same request, the same key");
}

#[tokio::test]
async fn an_unknown_outcome_stays_pending_and_recovery_resolves_it() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(502))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1.1/transactions/fixed_value_recharges/ext-order-5"))
        .respond_with(ResponseTemplate::new(404).set_body_json(
            json!({"errors": [{"code": 1000404, "message": "Transaction not found"}]}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    let clock = JournalClock::new();
    let journal = Arc::new(clock.journal());
    let client = journalled(&server, journal.clone());
    let err = client
        .create_transaction(Category::FixedValueRecharges, &topup("order-5"))
        .await
        .unwrap_err();
    assert_eq!(
        err.outcome_unknown_key(),
        Some(&ReconcileKey::new("external_id", "order-5"))
    );
    assert!(
        journal
            .get(&key("order-5"))
            .await
            .unwrap()
            .unwrap()
            .state
            .is_pending()
    );
    // Within the grace period, and while its sender's lease runs (the
    // longest create this client can send), recovery leaves it alone.
    assert!(client.recover().await.unwrap().is_empty());
    assert!(
        client
            .recover_older_than(std::time::Duration::ZERO)
            .await
            .unwrap()
            .is_empty()
    );
    clock.advance(Duration::from_secs(3600));
    let report = client
        .recover_older_than(std::time::Duration::ZERO)
        .await
        .unwrap();
    assert_eq!(report.not_done, vec![key("order-5")]);
    assert!(report.done.is_empty() && report.is_settled());
    assert!(matches!(
        journal.get(&key("order-5")).await.unwrap().unwrap().state,
        IntentState::NotDone { .. }
    ));
}

#[tokio::test]
async fn an_internal_error_code_leaves_the_intent_pending_with_its_key() {
    // 1000500 inside a 400, and inside a 201: neither proves a refusal.
    for (status, external_id) in [(400, "order-6"), (201, "order-7")] {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(status).set_body_json(
                json!({"errors": [{"code": 1000500, "message": "Internal server error"}]}),
            ))
            .expect(1)
            .mount(&server)
            .await;
        let journal = Arc::new(MemoryJournal::new());
        let err = journalled(&server, journal.clone())
            .create_transaction(Category::FixedValueRecharges, &topup(external_id))
            .await
            .unwrap_err();
        assert_eq!(
            err.outcome_unknown_key(),
            Some(&ReconcileKey::new("external_id", external_id)),
            "{status}: {err:?}"
        );
        assert!(!err.is_retryable());
        let intent = journal.get(&key(external_id)).await.unwrap().unwrap();
        assert!(intent.state.is_pending(), "{status}: {:?}", intent.state);
        server.verify().await;
    }
}

#[tokio::test]
async fn a_failed_transaction_settles_not_done_by_create_or_resolve_and_by_recovery() {
    let failed = |external_id: &str| {
        ResponseTemplate::new(200).set_body_json(json!({
            "transaction_id": "9002", "status": "FAILED", "external_id": external_id,
            "simulation": 0, "account_number": "+50212345678", "product_id": "64",
        }))
    };
    let server = MockServer::start().await;
    // The create of order-8 meets its first attempt (1000990); the one of
    // order-9 gets no answer it can read.
    Mock::given(method("POST"))
        .and(wiremock::matchers::body_partial_json(
            json!({"external_id": "order-8"}),
        ))
        .respond_with(ResponseTemplate::new(400).set_body_json(
            json!({"errors": [{"code": 1000990, "message": "external_id already used"}]}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(wiremock::matchers::body_partial_json(
            json!({"external_id": "order-9"}),
        ))
        .respond_with(ResponseTemplate::new(502))
        .expect(1)
        .mount(&server)
        .await;
    for id in ["order-8", "order-9"] {
        Mock::given(method("GET"))
            .and(path(format!(
                "/v1.1/transactions/fixed_value_recharges/ext-{id}"
            )))
            .respond_with(failed(id))
            .mount(&server)
            .await;
    }
    let clock = JournalClock::new();
    let journal = Arc::new(clock.journal());
    let client = journalled(&server, journal.clone());
    let err = client
        .create_or_resolve(Category::FixedValueRecharges, &topup("order-8"))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, partner_sdk_dtone::Error::TransactionFailed(f) if f.status == "FAILED"),
        "{err:?}"
    );
    match journal.get(&key("order-8")).await.unwrap().unwrap().state {
        IntentState::NotDone { reason } => assert!(reason.contains("FAILED"), "{reason}"),
        other => panic!("{other:?}"),
    }
    let err = client
        .create_transaction(Category::FixedValueRecharges, &topup("order-9"))
        .await
        .unwrap_err();
    assert!(err.outcome_unknown_key().is_some(), "{err:?}");
    clock.advance(Duration::from_secs(3600));
    let report = client
        .recover_older_than(std::time::Duration::ZERO)
        .await
        .unwrap();
    assert_eq!(report.not_done, vec![key("order-9")]);
    assert!(report.done.is_empty());
    match journal.get(&key("order-9")).await.unwrap().unwrap().state {
        IntentState::NotDone { reason } => assert!(reason.contains("FAILED"), "{reason}"),
        other => panic!("{other:?}"),
    }
}
