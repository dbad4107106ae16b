//! Brighte's webhooks on the independent vector: a form payload verified
//! once (a replay refused, a forgotten one accepted again), and the
//! redelivery schedule and acknowledgements as data. The checks on the
//! provider's verbatim samples are in the workspace's `tests/brighte/`.

use std::time::Duration;

use crate::common::{KEY, SIG, TOKEN, TS, at};
use partner_sdk_brighte as brighte;
use partner_sdk_brighte::webhook::{self, Ack, REDELIVERY_SCHEDULE};
use partner_sdk_brighte::{ApplicationStatus, InMemoryReplayStore, Verifier};

#[test]
fn redelivery_schedule_is_data() {
    let mins: Vec<u64> = REDELIVERY_SCHEDULE
        .iter()
        .map(|d| d.as_secs() / 60)
        .collect();
    assert_eq!(mins, [10, 10, 15, 30, 60, 120, 240]);
    assert_eq!(webhook::redelivery_delay(1), Some(Duration::from_secs(600)));
    assert_eq!(webhook::redelivery_delay(8), None);
    assert_eq!(
        webhook::REDELIVERY_WINDOW,
        Duration::from_secs((10 + 10 + 15 + 30 + 60 + 120 + 240) * 60)
    );
    assert!(webhook::CONFIRM_TOLERANCE > webhook::REDELIVERY_WINDOW);
    assert!(Ack::Accepted.stops_redelivery() && Ack::NotAcceptable.stops_redelivery());
    for ack in [Ack::RetryLater, Ack::Unauthenticated, Ack::Malformed] {
        assert!(!ack.stops_redelivery());
        assert!(![200, 406].contains(&ack.status_code()));
    }
}

#[test]
fn webhook_form_payload_and_replay_store() {
    let form = format!(
        "id=42&reference_number=REF+1&status=C.APPROV&timestamp={TS}&token={TOKEN}&signature={SIG}"
    );
    let store = std::sync::Arc::new(InMemoryReplayStore::new());
    let v = Verifier::new(KEY).replay_store(Duration::from_secs(300), store.clone());
    let e = webhook::verify_at(&v, form.as_bytes(), at(946684800)).unwrap();
    assert_eq!(e.claims().application_id, "42");
    assert_eq!(e.claims().reference_number.as_deref(), Some("REF 1"));
    assert_eq!(
        e.claims().status,
        Some(ApplicationStatus::ConditionallyApproved)
    );
    // The same (timestamp, token) pair again, even with other claims.
    let other = form.replace("C.APPROV", "APPROVED");
    let replay = webhook::verify_at(&v, other.as_bytes(), at(946684801)).unwrap_err();
    assert!(replay.to_string().contains("replay"), "{replay}");
    assert_eq!(store.len(), 1);
    // Handling failed: forget it, and Brighte's resend is accepted.
    v.forget(&e);
    assert!(store.is_empty());
    webhook::verify_at(&v, form.as_bytes(), at(946684900)).unwrap();
    let missing = webhook::verify_at(&v, b"id=1&status=PAID", at(946684800)).unwrap_err();
    assert!(missing.is_invalid_input());
    // Without a status the notice still verifies: confirming does not need it.
    let no_status = form.replace("&status=C.APPROV", "");
    let n = webhook::verify_at(&Verifier::new(KEY), no_status.as_bytes(), at(946684800)).unwrap();
    assert_eq!(n.claims().status, None);
    let payload = brighte::WebhookPayload::signed(
        KEY,
        "9",
        None,
        &ApplicationStatus::Declined,
        946684800,
        TOKEN,
    );
    assert_eq!(payload.signature, SIG);
}

/// Brighte answers 401/4010 "Invalid application ID." for an application
/// it does not know, as for an expired session. Ten signed notices naming
/// unknown applications, five at a time, cost one login and the one extra
/// login a session refused right after its login is allowed per refusal
/// grace (it may have expired early), not eleven: the first five are sent
/// again once with that new session, the last five are not.
#[tokio::test]
async fn notices_naming_unknown_applications_cost_at_most_one_new_login() {
    use wiremock::matchers::{method, path_regex};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    let server = MockServer::start().await;
    crate::common::mount_session(&server, 2).await;
    Mock::given(method("GET"))
        .and(path_regex("^/rest/vendor/v1/applications/"))
        .respond_with(ResponseTemplate::new(401).set_body_json(
            serde_json::json!({"status": "4010", "message": "Invalid application ID."}),
        ))
        .expect(15)
        .mount(&server)
        .await;
    let client = crate::common::client_for(&server);
    let verifier = Verifier::new(KEY);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let notices: Vec<Vec<u8>> = (0..10)
        .map(|i| {
            let payload = webhook::WebhookPayload::signed(
                KEY,
                format!("99{i}"),
                None,
                &ApplicationStatus::from("C.APPROV"),
                now,
                format!("token-{i:0>44}"),
            );
            serde_json::to_vec(&payload).unwrap()
        })
        .collect();
    for batch in notices.chunks(5) {
        let confirms = batch
            .iter()
            .map(|body| webhook::confirm(&client, &verifier, body));
        for outcome in futures::future::join_all(confirms).await {
            let err = outcome.unwrap_err();
            assert_eq!(
                err.code(),
                Some(brighte::ErrorCode::Unauthorized),
                "{err:?}"
            );
            assert_eq!(Ack::for_outcome(&Err::<(), _>(err)), Ack::RetryLater);
        }
    }
    server.verify().await;
}
