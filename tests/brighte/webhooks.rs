//! The webhook receiver of `examples/brighte_webhooks.rs` (axum; verify →
//! confirm → ack) against the sandbox's signed deliveries, and against
//! forged, replayed and stale notices posted to it over HTTP.

// The example's own `main` is not called here.
#[allow(dead_code)]
#[path = "../../examples/brighte_webhooks.rs"]
mod receiver;

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use partner_sdk::brighte::webhook::{self, CONFIRM_TOLERANCE, REDELIVERY_WINDOW};
use partner_sdk::brighte::{ApplicationStatus, Verifier, checkout, signing};
use receiver::{Receiver, purchase, serve, wait_for};
use sandbox::brighte::{BrighteSandbox, PRIVATE_KEY};
use serde_json::{Value, json};

struct Setup {
    sandbox: BrighteSandbox,
    receiver: Arc<Receiver>,
    url: String,
    http: reqwest::Client,
}

/// A sandbox delivering to the receiver, whose verifier has a strict
/// 5-minute tolerance (which `confirm` must not apply to resends).
async fn setup() -> Setup {
    let sandbox = BrighteSandbox::builder().time_scale(0.0005).start().await;
    let verifier = Verifier::new(PRIVATE_KEY).tolerance(Duration::from_secs(300));
    let receiver = Receiver::new(sandbox.client(), verifier);
    let url = serve(Arc::clone(&receiver)).await.unwrap();
    sandbox.register_webhook(url.as_str());
    Setup {
        sandbox,
        receiver,
        url,
        http: partner_sdk_core::exchange::http_client_builder()
            .expect("the SDK's TLS")
            .build()
            .expect("an HTTP client"),
    }
}

/// A checkout (financed `financed` dollars); returns the application id and
/// the redirect's query pairs (a customer sees them in the address bar).
async fn checkout_of(s: &Setup, financed: i64) -> (String, Vec<(String, String)>) {
    let location = s
        .sandbox
        .submit_checkout(&purchase(financed, "ORDER-7").into_form().unwrap())
        .await
        .unwrap();
    let id = checkout::parse_redirect(&location).unwrap().transaction_id;
    let pairs = partner_sdk::core::Url::parse(&location)
        .unwrap()
        .query_pairs()
        .into_owned()
        .collect();
    (id, pairs)
}

fn param<'a>(pairs: &'a [(String, String)], key: &str) -> &'a str {
    pairs
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
        .unwrap()
}

async fn post(s: &Setup, body: &Value) -> u16 {
    s.http
        .post(&s.url)
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// A notice signed with the sandbox's private key at `timestamp`, as
/// Brighte sends it (and resends it, with the same timestamp).
fn signed_notice(id: &str, status: &str, timestamp: i64, token: &str) -> Value {
    let ts = timestamp.to_string();
    json!({
        "id": id,
        "reference_number": "ORDER-7",
        "status": status,
        "timestamp": ts,
        "token": token,
        "signature": signing::sign(PRIVATE_KEY, &ts, token),
    })
}

async fn confirmed_as(s: &Setup, id: &str, status: ApplicationStatus) {
    let want = Some(status);
    assert!(
        wait_for(|| s.receiver.status_of(id) == want).await,
        "{id} never confirmed as {want:?}: {:?}",
        s.receiver.handled()
    );
}

#[tokio::test]
async fn a_forged_status_on_a_valid_triple_is_not_acted_on() {
    let s = setup().await;
    // $1005 financed: DECLINED at once.
    let (id, redirect) = checkout_of(&s, 1005).await;
    confirmed_as(&s, &id, ApplicationStatus::Declined).await;
    let before = s.receiver.handled().len();

    // The customer reuses the triple of their own redirect to claim APPROVED.
    let forged = json!({
        "id": id,
        "status": "APPROVED",
        "timestamp": param(&redirect, "timestamp"),
        "token": param(&redirect, "token"),
        "signature": param(&redirect, "signature"),
    });
    assert_eq!(
        post(&s, &forged).await,
        200,
        "confirmed: Brighte's view is known"
    );
    let handled = s.receiver.handled();
    let last = handled.last().unwrap();
    assert_eq!(
        last.claimed.as_ref().unwrap().status,
        Some(ApplicationStatus::Approved)
    );
    assert_eq!(
        last.confirmed.as_ref().unwrap().status,
        Some(ApplicationStatus::Declined)
    );
    assert_eq!(s.receiver.status_of(&id), Some(ApplicationStatus::Declined));

    // Without a valid signature: nothing done, no success claimed.
    let mut unsigned = forged.clone();
    unsigned["signature"] = json!("0".repeat(64));
    assert_eq!(post(&s, &unsigned).await, 401);
    let last = s.receiver.handled().last().cloned().unwrap();
    assert!(last.confirmed.is_none());
    assert_eq!(s.receiver.status_of(&id), Some(ApplicationStatus::Declined));
    // Not a webhook at all.
    assert_eq!(post(&s, &json!({"status": "APPROVED"})).await, 400);
    assert_eq!(s.receiver.handled().len(), before + 3);
}

#[tokio::test]
async fn a_replayed_triple_changes_nothing_whatever_it_names() {
    let s = setup().await;
    let (declined, redirect) = checkout_of(&s, 1005).await;
    // $1003 financed: REFER at once, APPROVED later.
    let (other, _) = checkout_of(&s, 1003).await;
    confirmed_as(&s, &declined, ApplicationStatus::Declined).await;
    // Let the sandbox's own notices finish, so that the receiver's last
    // entry below is always the replay just posted.
    confirmed_as(&s, &other, ApplicationStatus::Approved).await;
    assert!(
        wait_for(|| s
            .sandbox
            .webhook_deliveries()
            .iter()
            .filter(|d| d.response_status == Some(200))
            .count()
            == 3)
        .await
    );
    let triple = (
        param(&redirect, "timestamp"),
        param(&redirect, "token"),
        param(&redirect, "signature"),
    );
    let notice = |id: &str, status: &str| json!({"id": id, "status": status, "timestamp": triple.0, "token": triple.1, "signature": triple.2});
    // The same triple, replayed again and again with other claims: each
    // application it names is fetched once, and the replays of one
    // (timestamp, token, id) get the recorded answer with nothing fetched.
    let mut fetched_once: Vec<&String> = Vec::new();
    for (id, claim) in [
        (&declined, "PAID"),
        (&declined, "APPROVED"),
        (&declined, "PAID"),
        (&other, "DECLINED"),
    ] {
        assert_eq!(post(&s, &notice(id, claim)).await, 200);
        let last = s.receiver.handled().last().cloned().unwrap();
        if fetched_once.contains(&id) {
            assert!(last.repeated, "{last:?}");
            assert!(last.confirmed.is_none(), "{last:?}");
            continue;
        }
        let fetched = last.confirmed.unwrap();
        assert_eq!(&fetched.id, id);
        assert_ne!(fetched.status.as_ref().map(|s| s.as_str()), Some(claim));
        fetched_once.push(id);
    }
    assert_eq!(
        s.receiver.status_of(&declined),
        Some(ApplicationStatus::Declined)
    );
    assert_eq!(
        s.receiver.status_of(&other),
        Some(ApplicationStatus::Approved)
    );
}

#[tokio::test]
async fn a_stale_resend_inside_brightes_window_is_confirmed() {
    let s = setup().await;
    let (id, _) = checkout_of(&s, 1005).await;
    confirmed_as(&s, &id, ApplicationStatus::Declined).await;
    // The last resend comes 8 h 5 min after the first delivery, with the
    // first delivery's timestamp (plus a slow attempt).
    let first = unix_now() - REDELIVERY_WINDOW.as_secs() as i64 - 120;
    let resend = signed_notice(&id, "DECLINED", first, "t".repeat(50).as_str());
    // The receiver's verifier alone (5 minutes) would refuse it ...
    let strict = Verifier::new(PRIVATE_KEY).tolerance(Duration::from_secs(300));
    assert!(webhook::verify(&strict, resend.to_string().as_bytes()).is_err());
    // ... but confirming accepts it: the fetched status is what counts.
    assert_eq!(post(&s, &resend).await, 200);
    let last = s.receiver.handled().last().cloned().unwrap();
    assert_eq!(
        last.confirmed.unwrap().status,
        Some(ApplicationStatus::Declined)
    );
    // Far beyond any resend: refused as stale, nothing done.
    let ancient = signed_notice(
        &id,
        "APPROVED",
        unix_now() - CONFIRM_TOLERANCE.as_secs() as i64 - 3600,
        "u".repeat(50).as_str(),
    );
    assert_eq!(post(&s, &ancient).await, 401);
    assert!(s.receiver.handled().last().unwrap().confirmed.is_none());
}

#[tokio::test]
async fn a_confirm_that_fails_once_is_confirmed_on_brightes_resend() {
    let s = setup().await;
    s.sandbox.fail_application_fetches(1);
    let (id, _) = checkout_of(&s, 1005).await;
    confirmed_as(&s, &id, ApplicationStatus::Declined).await;
    // The sandbox records a delivery once it has read the answer.
    assert!(
        wait_for(|| s
            .sandbox
            .webhook_deliveries()
            .iter()
            .any(|d| d.application_id == id && d.response_status == Some(200)))
        .await
    );
    let deliveries: Vec<_> = s
        .sandbox
        .webhook_deliveries()
        .into_iter()
        .filter(|d| d.application_id == id)
        .map(|d| (d.attempt, d.response_status))
        .collect();
    assert_eq!(deliveries, [(1, Some(503)), (2, Some(200))]);
    let handled: Vec<_> = s
        .receiver
        .handled()
        .into_iter()
        .filter(|h| h.claimed.as_ref().map(|c| c.application_id.as_str()) == Some(id.as_str()))
        .collect();
    assert_eq!(handled.len(), 2);
    assert_eq!((handled[0].answer, handled[1].answer), (503, 200));
    assert!(handled[0].confirmed.is_none());
    // The resend is the same notice, with the first timestamp and token.
    assert_eq!(handled[0].claimed, handled[1].claimed);
}

#[tokio::test]
async fn the_example_runs_against_the_sandbox() {
    receiver::run().await.unwrap();
}
