//! Brighte's payment request through the intent journal: settled by the
//! answer, not sent twice, recovered by fetching its application.

use std::sync::Arc;
use std::time::Duration;

use partner_sdk_core::ReconcileKey;
use partner_sdk_journal::{IntentKey, IntentState, JournalStore, MemoryJournal};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::{builder_for, mount_session};

fn key(application_id: &str) -> IntentKey {
    IntentKey::new(
        "brighte",
        "request_application_payment",
        "application_id",
        application_id,
    )
}

#[tokio::test]
async fn a_payment_request_is_settled_and_never_sent_twice() {
    let server = MockServer::start().await;
    mount_session(&server, 1).await;
    Mock::given(method("POST"))
        .and(path("/rest/vendor/v1/application/app-1/request-payment"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"status": 2000, "application": {"id": "app-1", "status": "APPROVED"}}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    let journal = Arc::new(MemoryJournal::new());
    let client = builder_for(&server)
        .journal(journal.clone())
        .build()
        .unwrap();
    let application = client.request_application_payment("app-1").await.unwrap();
    assert_eq!(application.id, "app-1");
    let done = IntentState::Done {
        provider_id: Some("app-1".into()),
    };
    assert_eq!(
        journal.get(&key("app-1")).await.unwrap().unwrap().state,
        done
    );
    let again = client
        .request_application_payment("app-1")
        .await
        .unwrap_err();
    assert!(
        matches!(
            again.as_core(),
            Some(partner_sdk_core::Error::Journalled(journalled)) if journalled.state == done
        ),
        "{again:?}"
    );
}

#[tokio::test]
async fn a_lost_answer_is_recovered_by_fetching_the_application() {
    let server = MockServer::start().await;
    mount_session(&server, 1).await;
    for id in ["app-2", "app-3"] {
        Mock::given(method("POST"))
            .and(path(format!(
                "/rest/vendor/v1/application/{id}/request-payment"
            )))
            .respond_with(ResponseTemplate::new(502))
            .expect(1)
            .mount(&server)
            .await;
    }
    Mock::given(method("GET"))
        .and(path("/rest/vendor/v1/applications/app-2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"status": 2000, "application": {"id": "app-2", "status": "PAID"}}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/rest/vendor/v1/applications/app-3"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"status": 2000, "application": {"id": "app-3", "status": "APPROVED"}}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    let clock = partner_sdk_test_kit::JournalClock::new();
    let journal = Arc::new(clock.journal());
    let client = builder_for(&server)
        .journal(journal.clone())
        .build()
        .unwrap();
    for id in ["app-2", "app-3"] {
        let err = client.request_application_payment(id).await.unwrap_err();
        assert_eq!(
            err.outcome_unknown_key(),
            Some(&ReconcileKey::new("application_id", id))
        );
    }
    // Past the senders' leases and the grace.
    clock.advance(Duration::from_secs(3600));
    let report = client.recover_older_than(Duration::ZERO).await.unwrap();
    assert_eq!(report.done, vec![key("app-2")]);
    assert_eq!(report.needs_reconciliation, vec![key("app-3")]);
    assert!(
        journal
            .get(&key("app-3"))
            .await
            .unwrap()
            .unwrap()
            .state
            .is_pending()
    );
}

#[tokio::test]
async fn an_internal_error_or_a_redirect_leaves_the_payment_request_pending_with_its_key() {
    let server = MockServer::start().await;
    mount_session(&server, 1).await;
    let answers = [
        // Brighte's internal error inside a 200, and inside a 500.
        (
            "app-4",
            ResponseTemplate::new(200)
                .set_body_json(json!({"status": 5000, "message": "Internal error."})),
        ),
        (
            "app-5",
            ResponseTemplate::new(500)
                .set_body_json(json!({"status": "4000", "message": "Internal failure."})),
        ),
        // A redirect: the request was sent and may have been processed.
        (
            "app-6",
            ResponseTemplate::new(307).insert_header("location", "https://elsewhere.example/x"),
        ),
    ];
    for (id, answer) in answers {
        Mock::given(method("POST"))
            .and(path(format!(
                "/rest/vendor/v1/application/{id}/request-payment"
            )))
            .respond_with(answer)
            .expect(1)
            .mount(&server)
            .await;
    }
    let journal = Arc::new(MemoryJournal::new());
    let client = builder_for(&server)
        .journal(journal.clone())
        .build()
        .unwrap();
    for id in ["app-4", "app-5", "app-6"] {
        let err = client.request_application_payment(id).await.unwrap_err();
        assert!(
            matches!(
                err.as_core(),
                Some(partner_sdk_core::Error::OutcomeUnknown(_))
            ),
            "{id}: {err:?}"
        );
        assert_eq!(
            err.outcome_unknown_key(),
            Some(&ReconcileKey::new("application_id", id))
        );
        let intent = journal.get(&key(id)).await.unwrap().unwrap();
        assert!(intent.state.is_pending(), "{id}: {:?}", intent.state);
    }
    server.verify().await;
}

#[tokio::test]
async fn a_declined_or_withdrawn_application_settles_its_payment_request_not_done() {
    let server = MockServer::start().await;
    mount_session(&server, 1).await;
    for (id, status) in [("app-7", "DECLINED"), ("app-8", "WITHDRAW")] {
        Mock::given(method("POST"))
            .and(path(format!(
                "/rest/vendor/v1/application/{id}/request-payment"
            )))
            .respond_with(ResponseTemplate::new(502))
            .expect(1)
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path(format!("/rest/vendor/v1/applications/{id}")))
            .respond_with(ResponseTemplate::new(200).set_body_json(
                json!({"status": 2000, "application": {"id": id, "status": status}}),
            ))
            .expect(1)
            .mount(&server)
            .await;
    }
    let clock = partner_sdk_test_kit::JournalClock::new();
    let journal = Arc::new(clock.journal());
    let client = builder_for(&server)
        .journal(journal.clone())
        .build()
        .unwrap();
    for id in ["app-7", "app-8"] {
        let err = client.request_application_payment(id).await.unwrap_err();
        assert!(err.outcome_unknown_key().is_some(), "{err:?}");
    }
    clock.advance(Duration::from_secs(3600));
    let report = client.recover_older_than(Duration::ZERO).await.unwrap();
    assert_eq!(report.not_done, vec![key("app-7"), key("app-8")]);
    for (id, status) in [("app-7", "DECLINED"), ("app-8", "WITHDRAW")] {
        match journal.get(&key(id)).await.unwrap().unwrap().state {
            IntentState::NotDone { reason } => assert!(reason.contains(status), "{reason}"),
            other => panic!("{id}: {other:?}"),
        }
    }
}
