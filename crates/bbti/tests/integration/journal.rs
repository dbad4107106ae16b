//! BBTI creates through the intent journal: settled by their answer, not
//! sent twice, and recovered where BBTI offers a look-up (a delivery, by
//! its transaction) or reported for reconciliation (pricing, by its
//! `submissionId`).

use std::sync::Arc;
use std::time::Duration;

use partner_sdk_bbti::PriceProductRequest;
use partner_sdk_core::ReconcileKey;
use partner_sdk_journal::{IntentKey, IntentState, JournalStore, MemoryJournal};
use partner_sdk_test_kit::JournalClock;
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

use crate::common::{Servers, pickup_request};

fn pricing(submission: &str) -> PriceProductRequest {
    PriceProductRequest::new("partner-standard", "iphone-8")
        .storage_key("64gb")
        .submission_id(submission)
}

fn pricing_key(submission: &str) -> IntentKey {
    IntentKey::new("bbti", "price_products", "submissionId", submission)
}

#[tokio::test]
async fn a_pricing_is_settled_with_its_transaction_and_never_sent_twice() {
    let s = Servers::start(None).await;
    Mock::given(method("POST"))
        .and(path("/v1/pricing/products"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"transactionId": "tx-9", "price": 1000})),
        )
        .expect(1)
        .mount(&s.api)
        .await;
    let journal = Arc::new(MemoryJournal::new());
    let client = s.builder().journal(journal.clone()).build().unwrap();
    let priced = client.price_products(&pricing("sub-1")).await.unwrap();
    assert_eq!(priced.transaction_id, "tx-9");
    let done = IntentState::Done {
        provider_id: Some("tx-9".into()),
    };
    let intent = journal.get(&pricing_key("sub-1")).await.unwrap().unwrap();
    assert_eq!(intent.state, done);
    let again = client.price_products(&pricing("sub-1")).await.unwrap_err();
    match again.as_core() {
        Some(partner_sdk_core::Error::Journalled(journalled)) => {
            assert_eq!(journalled.key, ReconcileKey::new("submissionId", "sub-1"));
            assert_eq!(journalled.state, done);
        }
        other => panic!("expected Journalled, got {other:?}"),
    }
}

#[tokio::test]
async fn a_pricing_with_an_unknown_outcome_needs_reconciliation() {
    let s = Servers::start(None).await;
    Mock::given(method("POST"))
        .and(path("/v1/pricing/products"))
        .respond_with(ResponseTemplate::new(502))
        .expect(1)
        .mount(&s.api)
        .await;
    let clock = JournalClock::new();
    let journal = Arc::new(clock.journal());
    let client = s.builder().journal(journal.clone()).build().unwrap();
    let err = client.price_products(&pricing("sub-2")).await.unwrap_err();
    assert_eq!(
        err.outcome_unknown_key(),
        Some(&ReconcileKey::new("submissionId", "sub-2"))
    );
    // Its sender's lease runs for the longest create: nothing to claim yet.
    let report = client.recover_older_than(Duration::ZERO).await.unwrap();
    assert!(report.is_empty(), "{report:?}");
    clock.advance(Duration::from_secs(3600));
    let report = client.recover_older_than(Duration::ZERO).await.unwrap();
    assert_eq!(report.needs_reconciliation, vec![pricing_key("sub-2")]);
    assert!(!report.is_settled());
    let intent = journal.get(&pricing_key("sub-2")).await.unwrap().unwrap();
    assert!(intent.state.is_pending());
    // Released: the next recovery reports it again.
    let report = client.recover_older_than(Duration::ZERO).await.unwrap();
    assert_eq!(report.needs_reconciliation, vec![pricing_key("sub-2")]);
}

#[tokio::test]
async fn a_delivery_with_an_unknown_outcome_is_resolved_by_its_transaction() {
    let s = Servers::start(None).await;
    let pickup = pickup_request();
    Mock::given(method("POST"))
        .and(path("/v1/delivery/register"))
        .respond_with(ResponseTemplate::new(503))
        .expect(1)
        .mount(&s.api)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/v1/transactions/{}", pickup.transaction_id)))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "transactionId": pickup.transaction_id,
            "deliveryDetail": {"pickupDate": {"year": 2024, "month": 1, "day": 20}},
        })))
        .expect(1)
        .mount(&s.api)
        .await;
    let clock = JournalClock::new();
    let journal = Arc::new(clock.journal());
    let client = s.builder().journal(journal.clone()).build().unwrap();
    let err = client.register_delivery(&pickup).await.unwrap_err();
    clock.advance(Duration::from_secs(3600));
    assert!(err.outcome_unknown_key().is_some(), "{err:?}");
    let key = IntentKey::new(
        "bbti",
        "register_delivery",
        "transactionId",
        pickup.transaction_id.as_str(),
    );
    let report = client.recover_older_than(Duration::ZERO).await.unwrap();
    assert_eq!(report.done, vec![key.clone()]);
    assert_eq!(
        journal.get(&key).await.unwrap().unwrap().state,
        IntentState::Done {
            provider_id: Some(pickup.transaction_id.clone())
        }
    );
}

#[tokio::test]
async fn a_journalled_pricing_without_a_submission_id_is_refused_before_sending() {
    let s = Servers::start(Some(0)).await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"transactionId": "tx-9", "price": 1000})),
        )
        .expect(0)
        .mount(&s.api)
        .await;
    let journal = Arc::new(MemoryJournal::new());
    let client = s.builder().journal(journal.clone()).build().unwrap();
    let products = PriceProductRequest::new("partner-standard", "iphone-8").storage_key("64gb");
    let codes = partner_sdk_bbti::PriceByAppCodeRequest::new("partner-standard", "app-code-1");
    for err in [
        client.price_products(&products).await.unwrap_err(),
        client.price_codes(&codes).await.unwrap_err(),
    ] {
        assert!(err.is_invalid_input(), "{err:?}");
        assert_eq!(err.invalid_field(), Some("submissionId"));
    }
    assert!(s.api.received_requests().await.unwrap().is_empty());
    let report = client.recover_older_than(Duration::ZERO).await.unwrap();
    assert!(report.is_empty(), "nothing journalled: {report:?}");
    s.api.verify().await;
}

#[tokio::test]
async fn without_a_journal_a_pricing_without_a_submission_id_gets_one() {
    let s = Servers::start(None).await;
    Mock::given(method("POST"))
        .and(path("/v1/pricing/products"))
        .and(wiremock::matchers::body_string_contains("\"submissionId\""))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"transactionId": "tx-9", "price": 1000})),
        )
        .expect(1)
        .mount(&s.api)
        .await;
    let products = PriceProductRequest::new("partner-standard", "iphone-8").storage_key("64gb");
    let priced = s.client().price_products(&products).await.unwrap();
    assert_eq!(priced.transaction_id, "tx-9");
    s.api.verify().await;
}

#[tokio::test]
async fn an_internal_error_code_leaves_a_pricing_pending_with_its_key() {
    // gRPC INTERNAL inside a 400, UNAVAILABLE (by name) inside a 200: neither says
    // BBTI refused the pricing.
    for (status, body, submission) in [
        (400, json!({"code": 13, "message": "internal"}), "sub-5"),
        (
            200,
            json!({"code": "UNAVAILABLE", "message": "try later"}),
            "sub-6",
        ),
    ] {
        let s = Servers::start(None).await;
        Mock::given(method("POST"))
            .and(path("/v1/pricing/products"))
            .respond_with(ResponseTemplate::new(status).set_body_json(body))
            .expect(1)
            .mount(&s.api)
            .await;
        let journal = Arc::new(MemoryJournal::new());
        let client = s.builder().journal(journal.clone()).build().unwrap();
        let err = client
            .price_products(&pricing(submission))
            .await
            .unwrap_err();
        assert_eq!(
            err.outcome_unknown_key(),
            Some(&ReconcileKey::new("submissionId", submission)),
            "{status}: {err:?}"
        );
        let intent = journal
            .get(&pricing_key(submission))
            .await
            .unwrap()
            .unwrap();
        assert!(intent.state.is_pending(), "{status}: {:?}", intent.state);
        s.api.verify().await;
    }
}

#[tokio::test]
async fn a_delivery_whose_transaction_was_cancelled_is_not_done() {
    let s = Servers::start(None).await;
    let pickup = pickup_request();
    Mock::given(method("POST"))
        .and(path("/v1/delivery/register"))
        .respond_with(ResponseTemplate::new(503))
        .expect(1)
        .mount(&s.api)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/v1/transactions/{}", pickup.transaction_id)))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "transactionId": pickup.transaction_id,
            "status": "TRANSACTION_STATUS_CANCEL",
            "deliveryDetail": {"pickupDate": {"year": 2024, "month": 1, "day": 20}},
        })))
        .expect(1)
        .mount(&s.api)
        .await;
    let clock = JournalClock::new();
    let journal = Arc::new(clock.journal());
    let client = s.builder().journal(journal.clone()).build().unwrap();
    let err = client.register_delivery(&pickup).await.unwrap_err();
    assert!(err.outcome_unknown_key().is_some(), "{err:?}");
    let key = IntentKey::new(
        "bbti",
        "register_delivery",
        "transactionId",
        pickup.transaction_id.as_str(),
    );
    clock.advance(Duration::from_secs(3600));
    let report = client.recover_older_than(Duration::ZERO).await.unwrap();
    assert_eq!(report.not_done, vec![key.clone()]);
    match journal.get(&key).await.unwrap().unwrap().state {
        IntentState::NotDone { reason } => {
            assert!(reason.contains("TRANSACTION_STATUS_CANCEL"), "{reason}")
        }
        other => panic!("{other:?}"),
    }
}
