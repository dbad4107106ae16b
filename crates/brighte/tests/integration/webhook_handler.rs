//! `WebhookHandler` (features `webhook-service`, `webhook-handler`): every
//! row of the acknowledgement table, through the tower service and through
//! an axum server on loopback, against a wiremock Brighte.

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http_body_util::Full;
use partner_sdk_brighte::webhook::{
    Ack, CONFIRM_TOLERANCE, Handled, MAX_WEBHOOK_BODY, WebhookHandler, WebhookPayload,
};
use partner_sdk_brighte::{ApplicationStatus, Verifier};
use tower_service::Service as _;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::{KEY, client_for, session_body};

/// What the closure does with application 7.
#[derive(Clone, Copy)]
enum Closure {
    Ok,
    NotActing,
    Fails,
}

/// What the observer saw: the confirmed application's id, the answer, and
/// whether an error came with it.
type Observed = (Option<String>, Ack, bool);

struct Setup {
    server: MockServer,
    handler: WebhookHandler,
    /// Applications the closure saw, and the observer's answers.
    seen: Arc<Mutex<Vec<String>>>,
    answers: Arc<Mutex<Vec<Observed>>>,
}

async fn setup(closure: Closure) -> Setup {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/rest/vendor/v1/session"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(session_body(), "application/json"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/rest/vendor/v1/applications/7"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            serde_json::json!({"status": 2000, "application": {"id": "7", "status": "DECLINED"}}),
        ))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/rest/vendor/v1/applications/404"))
        .respond_with(ResponseTemplate::new(404).set_body_json(
            serde_json::json!({"status": 4041, "message": "Invalid application ID."}),
        ))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/rest/vendor/v1/applications/500"))
        .respond_with(
            ResponseTemplate::new(500)
                .set_body_json(serde_json::json!({"status": 5000, "message": "Internal error."})),
        )
        .mount(&server)
        .await;
    let seen = Arc::new(Mutex::new(Vec::new()));
    let answers = Arc::new(Mutex::new(Vec::new()));
    let (seen_by_closure, observed) = (Arc::clone(&seen), Arc::clone(&answers));
    let handler = WebhookHandler::new(
        client_for(&server),
        Verifier::new(KEY).tolerance(Duration::from_secs(300)),
        move |application| {
            let seen = Arc::clone(&seen_by_closure);
            async move {
                seen.lock().unwrap().push(format!(
                    "{} {}",
                    application.id,
                    application.status.as_ref().map_or("?", |s| s.as_str())
                ));
                match closure {
                    Closure::Ok => Ok(Ack::Accepted),
                    Closure::NotActing => Ok(Ack::NotAcceptable),
                    Closure::Fails => Err("the database is down"),
                }
            }
        },
    )
    .on_answer(move |h: &Handled<'_>| {
        observed.lock().unwrap().push((
            h.application.map(|a| a.id.clone()),
            h.ack,
            h.error.is_some(),
        ));
    });
    Setup {
        server,
        handler,
        seen,
        answers,
    }
}

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// A notice claiming APPROVED for `id`, signed with `key` at `timestamp`.
fn notice(key: &str, id: &str, timestamp: i64) -> String {
    serde_json::to_string(&WebhookPayload::signed(
        key,
        id,
        None,
        &ApplicationStatus::Approved,
        timestamp,
        "t".repeat(50),
    ))
    .unwrap()
}

/// Every row: (closure, body, the answer, whether the closure ran).
fn rows() -> Vec<(Closure, String, u16, bool)> {
    let now = unix_now();
    let stale = now - CONFIRM_TOLERANCE.as_secs() as i64 - 3600;
    vec![
        // Confirmed (the fetched status, DECLINED, is what the closure sees).
        (Closure::Ok, notice(KEY, "7", now), 200, true),
        // Confirmed, handled, deliberately not acted on.
        (Closure::NotActing, notice(KEY, "7", now), 406, true),
        // Confirmed, the closure failed: resend later.
        (Closure::Fails, notice(KEY, "7", now), 503, true),
        // Signature valid, Brighte refused the fetch, or it failed.
        (Closure::Ok, notice(KEY, "404", now), 503, false),
        (Closure::Ok, notice(KEY, "500", now), 503, false),
        // Signature wrong, or beyond every resend.
        (Closure::Ok, notice("another-key", "7", now), 401, false),
        (Closure::Ok, notice(KEY, "7", stale), 401, false),
        // Not a webhook.
        (
            Closure::Ok,
            r#"{"status": "APPROVED"}"#.to_owned(),
            400,
            false,
        ),
        (Closure::Ok, "<html>".to_owned(), 400, false),
        (Closure::Ok, "x".repeat(MAX_WEBHOOK_BODY + 1), 400, false),
    ]
}

fn check(s: &Setup, answer: u16, ran: bool, row: usize) {
    let seen = s.seen.lock().unwrap().clone();
    if ran {
        assert_eq!(seen, ["7 DECLINED"], "row {row}");
    } else {
        assert!(seen.is_empty(), "row {row}: {seen:?}");
    }
    let answers = s.answers.lock().unwrap().clone();
    assert_eq!(answers.len(), 1, "row {row}");
    let (application, ack, error) = &answers[0];
    assert_eq!(ack.status_code(), answer, "row {row}");
    assert_eq!(application.is_some(), ran, "row {row}");
    assert_eq!(*error, !matches!(answer, 200 | 406), "row {row}");
}

#[tokio::test]
async fn every_row_through_the_tower_service() {
    for (row, (closure, body, answer, ran)) in rows().into_iter().enumerate() {
        let s = setup(closure).await;
        let mut service = s.handler.clone();
        let request = http::Request::post("/webhooks/brighte")
            .header("content-type", "application/json")
            .body(Full::new(Bytes::from(body)))
            .unwrap();
        let response = service.call(request).await.unwrap();
        assert_eq!(response.status().as_u16(), answer, "row {row}");
        check(&s, answer, ran, row);
    }
    // Brighte only POSTs: anything else does nothing.
    let s = setup(Closure::Ok).await;
    let mut service = s.handler.clone();
    let get = http::Request::get("/webhooks/brighte")
        .body(Full::new(Bytes::new()))
        .unwrap();
    let response = service.call(get).await.unwrap();
    assert_eq!(response.status().as_u16(), 405);
    assert!(s.answers.lock().unwrap().is_empty());
    assert!(s.server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn every_row_through_an_axum_server() {
    let http = partner_sdk_core::exchange::http_client_builder()
        .expect("the SDK's TLS")
        .build()
        .expect("an HTTP client");
    for (row, (closure, body, answer, ran)) in rows().into_iter().enumerate() {
        let s = setup(closure).await;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/webhooks/brighte", listener.local_addr().unwrap());
        let app = s.handler.clone().router("/webhooks/brighte");
        let server = tokio::spawn(async move { axum::serve(listener, app).await });
        let response = http
            .post(&url)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), answer, "row {row}");
        check(&s, answer, ran, row);
        server.abort();
    }
}

#[tokio::test]
async fn a_form_encoded_notice_is_handled_like_json() {
    let s = setup(Closure::Ok).await;
    let payload = WebhookPayload::signed(
        KEY,
        "7",
        None,
        &ApplicationStatus::Approved,
        unix_now(),
        "f".repeat(50),
    );
    let form = serde_urlencoded::to_string(&payload).unwrap();
    assert_eq!(s.handler.handle(form.as_bytes()).await, Ack::Accepted);
    assert_eq!(s.seen.lock().unwrap().clone(), ["7 DECLINED"]);
}
