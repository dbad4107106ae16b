//! Per-call options and call metadata against wiremock on loopback.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use partner_sdk_core::{
    CallInfo, CallOptions, Error, HmacHeaders, HmacNonceAuth, Hooks, Request, ResponseInfo,
    RetryPolicy, SecretString, Transport, capture,
};
use partner_sdk_test_kit::count_at as requests_to;
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn fast_retry() -> RetryPolicy {
    partner_sdk_test_kit::fast_retry(Duration::from_secs(5)).with_max_attempts(3)
}

fn transport(server: &MockServer) -> Transport {
    Transport::builder("demo")
        .base_url(server.uri())
        .retry_policy(fast_retry())
        .build()
        .unwrap()
}

/// A server answering `{}` to every GET.
async fn empty_object_server() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({})))
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn retry_override_applies_to_the_view_only() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    let t = transport(&server);
    let once = t.with_options(CallOptions::new().with_retry_policy(RetryPolicy::none()));
    assert!(once.send_empty(Request::get("a", "/a")).await.is_err());
    assert_eq!(requests_to(&server, "/a").await, 1);
    assert!(t.send_empty(Request::get("b", "/b")).await.is_err());
    assert_eq!(requests_to(&server, "/b").await, 3);
}

#[tokio::test]
async fn a_post_stays_single_shot_whatever_the_override() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    let t = transport(&server)
        .with_options(CallOptions::new().with_retry_policy(fast_retry().with_max_attempts(10)));
    let err = t
        .send_empty(Request::post("create", "/things").json(&json!({})))
        .await
        .unwrap_err();
    assert!(
        matches!(err, partner_sdk_core::Error::OutcomeUnknown(_)),
        "{err:?}"
    );
    assert!(!err.is_retryable());
    assert_eq!(requests_to(&server, "/things").await, 1);
}

#[tokio::test]
async fn timeout_override_applies_to_the_view_only() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({}))
                .set_delay(Duration::from_millis(400)),
        )
        .mount(&server)
        .await;
    let t = transport(&server);
    let short = t.with_options(
        CallOptions::new()
            .with_timeout(Duration::from_millis(50))
            .with_retry_policy(RetryPolicy::none()),
    );
    let err = short.send_empty(Request::get("a", "/a")).await.unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    assert_eq!(requests_to(&server, "/a").await, 1);
    // The transport itself keeps its 30 s default.
    t.send_empty(Request::get("b", "/b")).await.unwrap();
}

#[tokio::test]
async fn extra_headers_are_sent_on_the_view_only_and_options_merge() {
    let server = empty_object_server().await;
    let t = transport(&server);
    let view = t
        .with_options(
            CallOptions::new()
                .with_header("x-correlation-id", "corr-1")
                .unwrap(),
        )
        .with_options(CallOptions::new().with_header("x-tenant", "t-9").unwrap());
    view.send_empty(Request::get("a", "/a")).await.unwrap();
    t.send_empty(Request::get("b", "/b")).await.unwrap();
    let received = server.received_requests().await.unwrap();
    assert_eq!(received[0].headers["x-correlation-id"], "corr-1");
    assert_eq!(received[0].headers["x-tenant"], "t-9");
    assert!(!received[1].headers.contains_key("x-correlation-id"));
    assert!(!received[1].headers.contains_key("x-tenant"));
}

#[tokio::test]
async fn a_header_the_auth_sets_is_refused_before_sending() {
    let server = MockServer::start().await;
    let t = Transport::builder("demo")
        .base_url(server.uri())
        .auth(HmacNonceAuth::new(
            SecretString::from("key"),
            SecretString::from("secret"),
            HmacHeaders::new(
                "x-api-key".parse().unwrap(),
                "x-nonce".parse().unwrap(),
                "x-signature".parse().unwrap(),
            ),
        ))
        .build()
        .unwrap()
        .with_options(CallOptions::new().with_header("X-Nonce", "1").unwrap());
    let err = t.send_empty(Request::get("a", "/a")).await.unwrap_err();
    assert!(
        matches!(&err, Error::InvalidInput(e) if e.reason.contains("x-nonce")),
        "{err:?}"
    );
    // Nor may a call replace a default header of the client.
    let t = Transport::builder("demo")
        .base_url(server.uri())
        .default_header("appname", "shop")
        .build()
        .unwrap()
        .with_options(CallOptions::new().with_header("AppName", "other").unwrap());
    assert!(matches!(
        t.send_empty(Request::get("a", "/a")).await,
        Err(Error::InvalidInput(_))
    ));
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn capture_reports_request_id_status_headers_and_attempts() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/things/1"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/things/1"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("x-request-id", "req-42")
                .insert_header("x-ratelimit-remaining", "99")
                .insert_header("set-cookie", "sid=abc")
                .set_body_json(json!({"id": 1})),
        )
        .mount(&server)
        .await;
    let t = transport(&server);
    let (result, calls) =
        capture(t.send::<serde_json::Value>(Request::get("get_thing", "/things/{id}").param(1)))
            .await;
    assert_eq!(result.unwrap()["id"], 1);
    assert_eq!(calls.len(), 1);
    let call = &calls[0];
    assert_eq!(call.provider, "demo");
    assert_eq!(call.operation, "get_thing");
    assert_eq!(call.path, "/things/{id}");
    assert_eq!(call.status.as_u16(), 200);
    assert_eq!(call.request_id.as_deref(), Some("req-42"));
    assert_eq!(call.headers["x-ratelimit-remaining"], "99");
    assert!(!call.headers.contains_key("set-cookie"));
    assert_eq!(call.attempts, 2);
}

/// Status, request id and whether a cookie was visible, per attempt.
type Seen = (Option<u16>, Option<String>, bool);

#[derive(Default)]
struct SeenHeaders(Mutex<Vec<Seen>>);

impl Hooks for SeenHeaders {
    fn on_response(&self, _: &CallInfo<'_>, response: &ResponseInfo<'_>) {
        let cookie = response
            .headers
            .is_some_and(|h| h.contains_key("set-cookie"));
        self.0.lock().unwrap().push((
            response.status.map(|s| s.as_u16()),
            response.request_id().map(str::to_owned),
            cookie,
        ));
    }
}

#[tokio::test]
async fn hooks_see_response_headers_of_every_attempt_but_no_cookie() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(503)
                .insert_header("x-request-id", "req-1")
                .insert_header("set-cookie", "sid=abc"),
        )
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("request-id", "req-2")
                .set_body_json(json!({})),
        )
        .mount(&server)
        .await;
    let hooks = Arc::new(SeenHeaders::default());
    let t = Transport::builder("demo")
        .base_url(server.uri())
        .retry_policy(fast_retry())
        .hooks(hooks.clone())
        .build()
        .unwrap();
    t.send_empty(Request::get("a", "/a")).await.unwrap();
    assert_eq!(
        *hooks.0.lock().unwrap(),
        [
            (Some(503), Some("req-1".to_owned()), false),
            (Some(200), Some("req-2".to_owned()), false)
        ]
    );
}

/// The durations hooks are given, per attempt.
#[derive(Default)]
struct SeenDurations(Mutex<Vec<Duration>>);

impl Hooks for SeenDurations {
    fn on_response(&self, _: &CallInfo<'_>, response: &ResponseInfo<'_>) {
        self.0.lock().unwrap().push(response.elapsed);
    }
}

#[tokio::test]
async fn hooks_and_capture_are_given_the_time_the_answer_took() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_delay(Duration::from_millis(150))
                .set_body_json(json!({})),
        )
        .mount(&server)
        .await;
    let hooks = Arc::new(SeenDurations::default());
    let t = Transport::builder("demo")
        .base_url(server.uri())
        .hooks(hooks.clone())
        .build()
        .unwrap();
    let (result, calls) = capture(t.send_empty(Request::get("a", "/a"))).await;
    result.unwrap();
    let least = Duration::from_millis(150);
    let seen = hooks.0.lock().unwrap().clone();
    assert!(matches!(seen[..], [hook] if hook >= least), "{seen:?}");
    assert!(calls[0].elapsed >= least, "{:?}", calls[0].elapsed);
}

/// A listener whose accept queue is full: a new connection never completes
/// (the kernel drops its SYN), so only a connect timeout ends it.
async fn full_listener() -> (tokio::net::TcpListener, Vec<std::net::TcpStream>) {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let listener = socket.listen(1).unwrap();
    let addr = listener.local_addr().unwrap();
    let mut held = Vec::new();
    for _ in 0..8 {
        if let Ok(s) = std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(100)) {
            held.push(s);
        }
    }
    (listener, held)
}

/// A call's own connect timeout is not offered (it would need a second
/// pool): the client's connect timeout and the call's per-attempt timeout
/// both bound a connect that never completes.
#[tokio::test]
async fn the_clients_connect_timeout_and_a_calls_timeout_both_bound_a_connect() {
    let (listener, _held) = full_listener().await;
    let base = format!("http://{}", listener.local_addr().unwrap());
    let t = Transport::builder("demo")
        .base_url(&base)
        .connect_timeout(Duration::from_millis(100))
        .timeout(Duration::from_secs(30))
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let err = tokio::time::timeout(
        Duration::from_secs(20),
        t.send_empty(Request::get("a", "/a")),
    )
    .await
    .expect("the client's connect timeout ends it")
    .unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    let slow = Transport::builder("demo")
        .base_url(&base)
        .connect_timeout(Duration::from_secs(30))
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let quick = slow.with_options(CallOptions::new().with_timeout(Duration::from_millis(100)));
    let call = quick.send_empty(Request::get("a", "/a"));
    let err = tokio::time::timeout(Duration::from_secs(20), call)
        .await
        .expect("the call's timeout ends it")
        .unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
}
