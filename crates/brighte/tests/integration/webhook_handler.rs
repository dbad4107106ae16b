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

mod flood {
    //! A receiver that holds under a flood: an acknowledged notice is
    //! answered again from the store (no fetch, no closure run), a failed
    //! one is handled again when resent, at most `max_concurrent` notices
    //! are fetched at once, a slow body is cut, and a forged notice is
    //! refused whatever the store holds.

    use std::convert::Infallible;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{Arc, Mutex};
    use std::time::{Duration, SystemTime};

    use bytes::Bytes;
    use futures::future::BoxFuture;
    use futures::{FutureExt as _, StreamExt as _};
    use http_body_util::{Full, StreamBody};
    use partner_sdk_brighte::webhook::{
        Ack, Handled, HandlerError, InMemoryNoticeStore, NoticeKey, NoticeStore,
        OVERLOADED_RETRY_AFTER, WebhookHandler,
    };
    use partner_sdk_brighte::{Client, Verifier};
    use tower_service::Service as _;
    use wiremock::matchers::{method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    use super::{notice, unix_now};
    use crate::common::{KEY, client_for, session_body};

    const APPLICATION: &str = "/rest/vendor/v1/applications/7";

    /// A Brighte with a session and application 7.
    async fn brighte() -> MockServer {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/rest/vendor/v1/session"))
            .respond_with(
                ResponseTemplate::new(200).set_body_raw(session_body(), "application/json"),
            )
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path(APPLICATION))
            .respond_with(ResponseTemplate::new(200).set_body_json(
                serde_json::json!({"status": 2000, "application": {"id": "7", "status": "APPROVED"}}),
            ))
            .mount(&server)
            .await;
        server
    }

    async fn fetches(server: &MockServer) -> usize {
        server
            .received_requests()
            .await
            .unwrap()
            .iter()
            .filter(|r| r.url.path() == APPLICATION)
            .count()
    }

    /// Runs of the closure, and the observer's (answer, repeated) pairs.
    #[derive(Clone, Default)]
    struct Seen {
        runs: Arc<AtomicUsize>,
        answers: Arc<Mutex<Vec<(Ack, bool)>>>,
    }

    /// A handler whose closure answers `verdict(run)` for its run number
    /// (0-based) after awaiting `wait`.
    fn handler<F>(client: Client, seen: &Seen, verdict: F) -> WebhookHandler
    where
        F: Fn(usize) -> BoxFuture<'static, Result<Ack, &'static str>> + Send + Sync + 'static,
    {
        let (runs, answers) = (Arc::clone(&seen.runs), Arc::clone(&seen.answers));
        WebhookHandler::new(client, Verifier::new(KEY), move |_application| {
            verdict(runs.fetch_add(1, Ordering::SeqCst))
        })
        .on_answer(move |h: &Handled<'_>| answers.lock().unwrap().push((h.ack, h.repeated)))
    }

    fn always(ack: Ack) -> impl Fn(usize) -> BoxFuture<'static, Result<Ack, &'static str>> {
        move |_| async move { Ok(ack) }.boxed()
    }

    fn signed(token: &str) -> Vec<u8> {
        let mut body: serde_json::Value =
            serde_json::from_str(&notice(KEY, "7", unix_now())).unwrap();
        let ts = body["timestamp"].as_str().unwrap().to_owned();
        body["token"] = token.into();
        body["signature"] = partner_sdk_brighte::signing::sign(KEY, &ts, token).into();
        serde_json::to_vec(&body).unwrap()
    }

    #[tokio::test]
    async fn the_same_notice_twice_is_one_fetch_one_run_and_the_same_answer() {
        for ack in [Ack::Accepted, Ack::NotAcceptable] {
            let server = brighte().await;
            let seen = Seen::default();
            let handler = handler(client_for(&server), &seen, always(ack));
            let body = signed("dup-token");
            assert_eq!(handler.handle(&body).await, ack);
            // Brighte's resend, or anyone replaying it: the recorded answer.
            let mut service = handler.clone();
            let request = http::Request::post("/webhooks/brighte")
                .body(Full::new(Bytes::from(body.clone())))
                .unwrap();
            let response = service.call(request).await.unwrap();
            assert_eq!(response.status().as_u16(), ack.status_code());
            assert_eq!(handler.handle(&body).await, ack);
            assert_eq!(seen.runs.load(Ordering::SeqCst), 1, "{ack:?}");
            assert_eq!(fetches(&server).await, 1, "{ack:?}");
            assert_eq!(
                seen.answers.lock().unwrap().clone(),
                [(ack, false), (ack, true), (ack, true)]
            );
        }
    }

    #[tokio::test]
    async fn a_notice_whose_handling_failed_is_handled_again_when_resent() {
        let server = brighte().await;
        let seen = Seen::default();
        let handler = handler(client_for(&server), &seen, |run| {
            async move {
                if run == 0 {
                    Err("the database is down")
                } else {
                    Ok(Ack::Accepted)
                }
            }
            .boxed()
        });
        let body = signed("retry-token");
        assert_eq!(handler.handle(&body).await, Ack::RetryLater);
        assert_eq!(handler.handle(&body).await, Ack::Accepted);
        // Acknowledged now: a third delivery is answered from the store.
        assert_eq!(handler.handle(&body).await, Ack::Accepted);
        assert_eq!(seen.runs.load(Ordering::SeqCst), 2);
        assert_eq!(fetches(&server).await, 2);
        assert_eq!(
            seen.answers.lock().unwrap().clone(),
            [
                (Ack::RetryLater, false),
                (Ack::Accepted, false),
                (Ack::Accepted, true)
            ]
        );
    }

    #[tokio::test]
    async fn notices_over_the_concurrency_limit_are_answered_503_with_retry_after() {
        let server = brighte().await;
        let seen = Seen::default();
        let (open, gate) = futures::channel::oneshot::channel::<()>();
        let gate = gate.shared();
        let (started, mut started_rx) = futures::channel::mpsc::unbounded::<usize>();
        let handler = handler(client_for(&server), &seen, move |run| {
            let (gate, started) = (gate.clone(), started.clone());
            async move {
                started.unbounded_send(run).unwrap();
                let _ = gate.await;
                Ok(Ack::Accepted)
            }
            .boxed()
        })
        .max_concurrent(2);
        let spawn = |token: &str| {
            let (handler, body) = (handler.clone(), signed(token));
            tokio::spawn(async move { handler.handle(&body).await })
        };
        let first = spawn("t1");
        started_rx.next().await.unwrap();
        // The same notice while it is being handled: not handled twice.
        assert_eq!(handler.handle(&signed("t1")).await, Ack::Overloaded);
        let second = spawn("t2");
        started_rx.next().await.unwrap();
        // A third notice over the limit: 503, Retry-After, nothing fetched.
        let mut service = handler.clone();
        let request = http::Request::post("/webhooks/brighte")
            .body(Full::new(Bytes::from(signed("t3"))))
            .unwrap();
        let response = service.call(request).await.unwrap();
        assert_eq!(response.status().as_u16(), 503);
        assert_eq!(
            response.headers()[http::header::RETRY_AFTER],
            OVERLOADED_RETRY_AFTER.as_secs().to_string().as_str()
        );
        assert_eq!(fetches(&server).await, 2);
        open.send(()).unwrap();
        assert_eq!(first.await.unwrap(), Ack::Accepted);
        assert_eq!(second.await.unwrap(), Ack::Accepted);
        // Brighte's resend of the refused one, once there is room.
        assert_eq!(handler.handle(&signed("t3")).await, Ack::Accepted);
        assert_eq!(seen.runs.load(Ordering::SeqCst), 3);
        assert_eq!(fetches(&server).await, 3);
        assert!(!Ack::Overloaded.stops_redelivery());
    }

    #[tokio::test]
    async fn a_slow_body_is_answered_408_and_runs_nothing() {
        let server = brighte().await;
        let seen = Seen::default();
        let handler = handler(client_for(&server), &seen, always(Ack::Accepted))
            .body_timeout(Duration::from_millis(200));
        let half = futures::stream::iter([Ok::<_, Infallible>(http_body::Frame::data(
            Bytes::from_static(b"{\"id\": \"7\","),
        ))])
        .chain(futures::stream::pending());
        let request = http::Request::post("/webhooks/brighte")
            .body(StreamBody::new(half))
            .unwrap();
        let started = std::time::Instant::now();
        let response = handler.clone().call(request).await.unwrap();
        assert_eq!(response.status().as_u16(), 408);
        assert!(started.elapsed() < Duration::from_secs(5));
        assert_eq!(seen.runs.load(Ordering::SeqCst), 0);
        assert_eq!(fetches(&server).await, 0);
        assert_eq!(
            seen.answers.lock().unwrap().clone(),
            [(Ack::RequestTimeout, false)]
        );
    }

    #[tokio::test]
    async fn a_forged_notice_is_refused_whatever_the_store_holds() {
        let server = brighte().await;
        let seen = Seen::default();
        let handler = handler(client_for(&server), &seen, always(Ack::Accepted));
        let body = signed("known-token");
        assert_eq!(handler.handle(&body).await, Ack::Accepted);
        // The acknowledged (timestamp, token, id) with a wrong signature.
        let mut forged: serde_json::Value = serde_json::from_slice(&body).unwrap();
        forged["signature"] = "00".repeat(32).into();
        let forged = serde_json::to_vec(&forged).unwrap();
        assert_eq!(handler.handle(&forged).await, Ack::Unauthenticated);
        // Signed with another key.
        let other = notice("another-key", "7", unix_now());
        assert_eq!(handler.handle(other.as_bytes()).await, Ack::Unauthenticated);
        assert_eq!(seen.runs.load(Ordering::SeqCst), 1);
        assert_eq!(fetches(&server).await, 1);
    }

    /// A store of the caller's own, as replicas share one (here over the
    /// in-process store; a database or Redis in production).
    #[derive(Debug, Default)]
    struct Shared {
        inner: InMemoryNoticeStore,
        records: AtomicUsize,
        keys: Mutex<Vec<String>>,
    }

    impl NoticeStore for Shared {
        fn seen<'a>(
            &'a self,
            key: &'a NoticeKey,
        ) -> BoxFuture<'a, Result<Option<u16>, HandlerError>> {
            self.inner.seen(key)
        }

        fn record<'a>(
            &'a self,
            key: &'a NoticeKey,
            status: u16,
            until: SystemTime,
        ) -> BoxFuture<'a, Result<(), HandlerError>> {
            self.records.fetch_add(1, Ordering::SeqCst);
            self.keys.lock().unwrap().push(key.to_string());
            // Kept as its status code, as a shared store would.
            assert!(Ack::from_status_code(status).is_some(), "{status}");
            self.inner.record(key, status, until)
        }
    }

    #[tokio::test]
    async fn replicas_sharing_a_store_handle_a_notice_once() {
        let server = brighte().await;
        let store = Arc::new(Shared::default());
        let seen = Seen::default();
        let replicas: Vec<WebhookHandler> = (0..2)
            .map(|_| {
                handler(client_for(&server), &seen, always(Ack::NotAcceptable))
                    .notice_store(Arc::clone(&store) as Arc<dyn NoticeStore>)
            })
            .collect();
        let body = signed("replica-token");
        assert_eq!(replicas[0].handle(&body).await, Ack::NotAcceptable);
        assert_eq!(replicas[1].handle(&body).await, Ack::NotAcceptable);
        assert_eq!(seen.runs.load(Ordering::SeqCst), 1);
        assert_eq!(fetches(&server).await, 1);
        assert_eq!(store.records.load(Ordering::SeqCst), 1);
        let key = store.keys.lock().unwrap()[0].clone();
        assert!(key.ends_with(":replica-token:7"), "{key}");
    }

    /// A store that cannot answer.
    #[derive(Debug)]
    struct Down;

    impl NoticeStore for Down {
        fn seen<'a>(
            &'a self,
            _: &'a NoticeKey,
        ) -> BoxFuture<'a, Result<Option<u16>, HandlerError>> {
            async { Err("connection refused".into()) }.boxed()
        }

        fn record<'a>(
            &'a self,
            _: &'a NoticeKey,
            _: u16,
            _: SystemTime,
        ) -> BoxFuture<'a, Result<(), HandlerError>> {
            async { Err("connection refused".into()) }.boxed()
        }
    }

    #[tokio::test]
    async fn a_store_that_fails_lets_the_notice_be_handled_again() {
        let server = brighte().await;
        let seen = Seen::default();
        let handler =
            handler(client_for(&server), &seen, always(Ack::Accepted)).notice_store(Arc::new(Down));
        let body = signed("down-token");
        assert_eq!(handler.handle(&body).await, Ack::Accepted);
        assert_eq!(handler.handle(&body).await, Ack::Accepted);
        assert_eq!(seen.runs.load(Ordering::SeqCst), 2);
        assert_eq!(fetches(&server).await, 2);
    }
}
