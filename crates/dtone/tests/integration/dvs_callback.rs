//! The DVS callback receiver (features `dvs-callback-service`,
//! `dvs-callback-handler`) mounted on an axum server on loopback, against
//! a wiremock DT One: the closure sees only the transaction fetched by id,
//! once per status; what it sends (the GET, Basic auth) and what it answers.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use partner_sdk_dtone::core::reqwest;
use partner_sdk_dtone::dvs::callback::{
    CallbackAck, CallbackError, CallbackHandler, DEFAULT_RETRY_AFTER, MAX_CALLBACK_BODY,
};
use partner_sdk_test_kit::{count, json_answer, received};
use serde_json::json;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::dvs::{BASIC, builder};

/// A transaction as DT One's `GET /transactions/{id}` answers it, in
/// status `status` (its class the status's first word).
fn transaction(id: i64, status_id: i64, status: &str) -> String {
    let class = status.split('-').next().unwrap_or_default();
    json!({
        "id": id,
        "external_id": format!("ext-{id}"),
        "status": {"id": status_id, "message": status, "class": {"id": 1, "message": class}},
        "credit_party_identifier": {"mobile_number": "+6590000100"}
    })
    .to_string()
}

fn get_transaction(id: i64) -> wiremock::MockBuilder {
    Mock::given(method("GET"))
        .and(path(format!("/v1/transactions/{id}")))
        .and(header("authorization", BASIC))
}

/// What the closure saw: `"<id> <status>"` per call.
#[derive(Clone, Default)]
struct Seen(Arc<Mutex<Vec<String>>>);

impl Seen {
    fn calls(&self) -> Vec<String> {
        self.0.lock().unwrap().clone()
    }
}

/// What the observer reported: the answer, whether it was a repeat, and
/// the kind of error.
type Observed = (CallbackAck, bool, Option<String>);

struct Receiver {
    url: String,
    http: reqwest::Client,
    answers: Arc<Mutex<Vec<Observed>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Receiver {
    async fn post(&self, body: impl Into<reqwest::Body>) -> reqwest::Response {
        self.http
            .post(&self.url)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap()
    }

    async fn post_status(&self, body: impl Into<reqwest::Body>) -> u16 {
        self.post(body).await.status().as_u16()
    }

    /// The observer's reports: (answer, repeated, error kind).
    fn answers(&self) -> Vec<Observed> {
        self.answers.lock().unwrap().clone()
    }
}

/// Mounts `handler` (with an observer) on a loopback axum server at `/cb`.
async fn serve(handler: CallbackHandler) -> Receiver {
    let answers = Arc::new(Mutex::new(Vec::new()));
    let observed = Arc::clone(&answers);
    let handler = handler.on_answer(move |h| {
        let kind = h.error.map(|e| {
            match e {
                CallbackError::Malformed { .. } => "malformed",
                CallbackError::Body(_) => "body",
                CallbackError::Refused(_) => "refused",
                CallbackError::UnknownTransaction { .. } => "unknown",
                CallbackError::Fetch { .. } => "fetch",
                CallbackError::SlowFetch { .. } => "slow-fetch",
                CallbackError::Handler { .. } => "handler",
                _ => "other",
            }
            .to_owned()
        });
        observed.lock().unwrap().push((h.ack, h.repeated, kind));
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/cb", listener.local_addr().unwrap());
    let app = handler.router("/cb");
    let task = tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    Receiver {
        url,
        http: reqwest::Client::new(),
        answers,
        task,
    }
}

/// A handler whose closure records what it sees and succeeds.
fn recording(server: &MockServer, seen: &Seen) -> CallbackHandler {
    let seen = seen.clone();
    CallbackHandler::new(builder(server).build().unwrap(), move |t| {
        let seen = seen.clone();
        async move {
            let status = t.status.map(|s| s.message).unwrap_or_default();
            seen.0.lock().unwrap().push(format!("{} {status}", t.id));
            Ok::<(), std::io::Error>(())
        }
    })
}

/// The requests DT One received: each a GET of `/v1/transactions/{id}`
/// with Basic auth and no body.
async fn assert_only_gets(server: &MockServer, id: i64) -> usize {
    let requests = received(server).await;
    for r in &requests {
        assert_eq!(r.method.as_str(), "GET");
        assert_eq!(r.url.path(), format!("/v1/transactions/{id}"));
        assert_eq!(r.headers["authorization"], BASIC);
        assert!(r.body.is_empty());
    }
    requests.len()
}

#[tokio::test]
async fn a_forged_status_is_never_acted_on_the_fetched_one_is() {
    let server = MockServer::start().await;
    get_transaction(7)
        .respond_with(json_answer(&transaction(7, 10000, "CREATED")))
        .mount(&server)
        .await;
    let seen = Seen::default();
    let r = serve(recording(&server, &seen)).await;
    // The post claims COMPLETED; DT One says CREATED.
    let forged = transaction(7, 70000, "COMPLETED");
    assert_eq!(r.post_status(forged).await, 200);
    assert_eq!(seen.calls(), ["7 CREATED"]);
    assert_eq!(assert_only_gets(&server, 7).await, 1);
    assert_eq!(r.answers(), [(CallbackAck::Accepted, false, None)]);
}

#[tokio::test]
async fn a_resend_of_a_status_is_answered_without_the_closure_a_new_status_calls_it() {
    let server = MockServer::start().await;
    get_transaction(7)
        .respond_with(json_answer(&transaction(7, 10000, "CREATED")))
        .up_to_n_times(2)
        .with_priority(1)
        .mount(&server)
        .await;
    get_transaction(7)
        .respond_with(json_answer(&transaction(7, 70000, "COMPLETED")))
        .mount(&server)
        .await;
    let seen = Seen::default();
    let r = serve(recording(&server, &seen)).await;
    let body = r#"{"id": 7}"#;
    assert_eq!(r.post_status(body).await, 200);
    assert_eq!(r.post_status(body).await, 200, "a resend of CREATED");
    assert_eq!(seen.calls(), ["7 CREATED"]);
    assert_eq!(r.post_status(body).await, 200, "COMPLETED now");
    assert_eq!(r.post_status(body).await, 200, "a resend of COMPLETED");
    assert_eq!(seen.calls(), ["7 CREATED", "7 COMPLETED"]);
    assert_eq!(assert_only_gets(&server, 7).await, 4, "each post fetched");
    let repeated: Vec<bool> = r.answers().iter().map(|a| a.1).collect();
    assert_eq!(repeated, [false, true, false, true]);
}

#[tokio::test]
async fn an_id_dt_one_does_not_know_never_reaches_the_closure() {
    let server = MockServer::start().await;
    get_transaction(9)
        .respond_with(ResponseTemplate::new(404).set_body_raw(
            r#"{"errors":[{"code":1008004,"message":"Transaction not found"}]}"#,
            "application/json",
        ))
        .mount(&server)
        .await;
    let seen = Seen::default();
    let r = serve(recording(&server, &seen)).await;
    assert_eq!(r.post_status(transaction(9, 70000, "COMPLETED")).await, 404);
    assert!(seen.calls().is_empty());
    assert_eq!(
        assert_only_gets(&server, 9).await,
        1,
        "a 404 is not retried"
    );
    assert_eq!(
        r.answers(),
        [(
            CallbackAck::UnknownTransaction,
            false,
            Some("unknown".into())
        )]
    );
}

#[tokio::test]
async fn a_slow_or_failing_fetch_answers_503_and_the_resend_is_handled() {
    let server = MockServer::start().await;
    get_transaction(7)
        .respond_with(
            json_answer(&transaction(7, 70000, "COMPLETED")).set_delay(Duration::from_secs(3)),
        )
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    get_transaction(7)
        .respond_with(ResponseTemplate::new(401).set_body_raw(
            r#"{"errors":[{"code":1000401,"message":"Unauthorized"}]}"#,
            "application/json",
        ))
        .up_to_n_times(1)
        .with_priority(2)
        .mount(&server)
        .await;
    get_transaction(7)
        .respond_with(json_answer(&transaction(7, 70000, "COMPLETED")))
        .with_priority(3)
        .mount(&server)
        .await;
    let seen = Seen::default();
    let handler = recording(&server, &seen).fetch_timeout(Duration::from_millis(300));
    let r = serve(handler).await;
    let body = r#"{"id": 7}"#;
    let slow = r.post(body).await;
    assert_eq!(slow.status().as_u16(), 503);
    let after = DEFAULT_RETRY_AFTER.as_secs().to_string();
    assert_eq!(slow.headers()["retry-after"], after.as_str());
    assert!(seen.calls().is_empty());
    let refused = r.post(body).await;
    assert_eq!(refused.status().as_u16(), 503, "a refused fetch");
    assert_eq!(refused.headers()["retry-after"], after.as_str());
    assert!(seen.calls().is_empty());
    assert_eq!(r.post_status(body).await, 200, "DT One's resend");
    assert_eq!(seen.calls(), ["7 COMPLETED"]);
    assert_eq!(assert_only_gets(&server, 7).await, 3);
    let kinds: Vec<Option<String>> = r.answers().into_iter().map(|a| a.2).collect();
    assert_eq!(
        kinds,
        [Some("slow-fetch".into()), Some("fetch".into()), None]
    );
}

#[tokio::test]
async fn a_failing_closure_answers_503_and_the_resend_calls_it_again() {
    let server = MockServer::start().await;
    get_transaction(7)
        .respond_with(json_answer(&transaction(7, 70000, "COMPLETED")))
        .mount(&server)
        .await;
    let calls = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&calls);
    let handler = CallbackHandler::new(builder(&server).build().unwrap(), move |_| {
        let n = counted.fetch_add(1, Ordering::SeqCst);
        async move {
            if n == 0 {
                Err(std::io::Error::other("database down"))
            } else {
                Ok(())
            }
        }
    })
    .retry_after(Duration::from_secs(5));
    let r = serve(handler).await;
    let body = r#"{"id": 7}"#;
    let failed = r.post(body).await;
    assert_eq!(failed.status().as_u16(), 503);
    assert_eq!(failed.headers()["retry-after"], "5");
    assert_eq!(r.post_status(body).await, 200, "the resend is handled");
    assert_eq!(r.post_status(body).await, 200, "then remembered");
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    assert_eq!(assert_only_gets(&server, 7).await, 3);
    let kinds: Vec<Option<String>> = r.answers().into_iter().map(|a| a.2).collect();
    assert_eq!(kinds, [Some("handler".into()), None, None]);
}

#[tokio::test]
async fn bodies_that_are_not_callbacks_and_other_methods_fetch_nothing() {
    let server = MockServer::start().await;
    let seen = Seen::default();
    let r = serve(recording(&server, &seen)).await;
    let oversize = format!(r#"{{"id": 7, "x": "{}"}}"#, "a".repeat(MAX_CALLBACK_BODY));
    for body in [
        oversize,
        "id=7".to_owned(),
        "not json".to_owned(),
        "{}".to_owned(),
        r#"{"id": "seven"}"#.to_owned(),
        r#"[{"id": 7}]"#.to_owned(),
    ] {
        let head = body.chars().take(20).collect::<String>();
        assert_eq!(r.post_status(body).await, 400, "{head}");
    }
    let kinds: Vec<Option<String>> = r.answers().into_iter().map(|a| a.2).collect();
    assert_eq!(kinds[0].as_deref(), Some("body"), "over-size");
    assert!(kinds[1..].iter().all(|k| k.as_deref() == Some("malformed")));
    for verb in [reqwest::Method::GET, reqwest::Method::PUT] {
        let answer = r.http.request(verb, &r.url).send().await.unwrap();
        assert_eq!(answer.status().as_u16(), 405);
        assert_eq!(answer.headers()["allow"], "POST");
    }
    assert_eq!(count(&server).await, 0, "nothing fetched");
    assert!(seen.calls().is_empty());
}

#[tokio::test]
async fn a_second_callback_of_a_transaction_in_flight_is_refused() {
    let server = MockServer::start().await;
    get_transaction(7)
        .respond_with(
            json_answer(&transaction(7, 70000, "COMPLETED")).set_delay(Duration::from_millis(500)),
        )
        .mount(&server)
        .await;
    let seen = Seen::default();
    let r = serve(recording(&server, &seen)).await;
    let body = r#"{"id": 7}"#;
    let (first, second) = tokio::join!(r.post_status(body), async {
        tokio::time::sleep(Duration::from_millis(100)).await;
        r.post_status(body).await
    });
    assert_eq!((first, second), (200, 503));
    assert_eq!(seen.calls(), ["7 COMPLETED"]);
    assert_eq!(assert_only_gets(&server, 7).await, 1);
}

#[tokio::test]
async fn the_transaction_in_the_debug_of_what_was_handled_is_redacted() {
    let server = MockServer::start().await;
    get_transaction(7)
        .respond_with(json_answer(&transaction(7, 70000, "COMPLETED")))
        .mount(&server)
        .await;
    let printed = Arc::new(Mutex::new(String::new()));
    let out = Arc::clone(&printed);
    let handler = CallbackHandler::new(builder(&server).build().unwrap(), |_| async {
        Ok::<(), std::io::Error>(())
    })
    .on_answer(move |h| *out.lock().unwrap() = format!("{h:?}"));
    assert_eq!(handler.handle(br#"{"id": 7}"#).await, CallbackAck::Accepted);
    let printed = printed.lock().unwrap().clone();
    assert!(printed.contains("COMPLETED"), "{printed}");
    assert!(!printed.contains("6590000100"), "{printed}");
    let debug = format!("{handler:?}");
    assert!(!debug.contains(crate::common::SECRET), "{debug}");
}

#[tokio::test]
async fn through_the_tower_service_a_body_that_does_not_arrive_in_time_is_408() {
    use std::convert::Infallible;

    use bytes::Bytes;
    use http_body_util::{Full, StreamBody};
    use tower_service::Service as _;

    let server = MockServer::start().await;
    get_transaction(7)
        .respond_with(json_answer(&transaction(7, 70000, "COMPLETED")))
        .mount(&server)
        .await;
    let seen = Seen::default();
    let mut handler = recording(&server, &seen).body_timeout(Duration::from_millis(100));
    let never = futures::stream::pending::<Result<http_body::Frame<Bytes>, Infallible>>();
    let request = http::Request::post("/cb")
        .body(StreamBody::new(never))
        .unwrap();
    let answer = handler.call(request).await.unwrap();
    assert_eq!(answer.status(), 408);
    assert_eq!(count(&server).await, 0);
    let request = http::Request::post("/cb")
        .body(Full::new(Bytes::from_static(br#"{"id": 7}"#)))
        .unwrap();
    let answer = handler.call(request).await.unwrap();
    assert_eq!(answer.status(), 200);
    assert_eq!(seen.calls(), ["7 COMPLETED"]);
    assert_eq!(assert_only_gets(&server, 7).await, 1);
}
