//! Transport, auth, retry, pagination and redaction against wiremock on loopback.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::{StreamExt as _, TryStreamExt as _};
use partner_sdk_core::auth::{BoxFuture, CredentialPlacement};
use partner_sdk_core::reqwest::StatusCode;
use partner_sdk_core::{
    CallInfo, ClientCredentials, Error, HmacHeaders, HmacNonceAuth, Hooks, Page, ReconcileKey,
    Request, RetryPolicy, SecretString, Session, SessionAuth, Transport, Url, paginate,
};
use serde::Deserialize;
use serde_json::json;
use wiremock::matchers::{body_string, header, method, path, path_regex};
use wiremock::{Mock, MockServer, ResponseTemplate};

const SECRET: &str = "top-secret-value-42";
const TOKEN: &str = "tok-abcdef-123456";

#[derive(Debug, Deserialize, PartialEq)]
struct Thing {
    id: u32,
}

fn fast_retry() -> RetryPolicy {
    partner_sdk_test_kit::fast_retry(Duration::from_secs(5))
}

fn oauth(server: &MockServer) -> ClientCredentials {
    ClientCredentials::new(
        "demo",
        Url::parse(&format!("{}/auth/v1/token", server.uri())).unwrap(),
        "client-id",
        SecretString::from(SECRET),
    )
}

fn transport(server: &MockServer, auth: impl partner_sdk_core::Auth) -> Transport {
    Transport::builder("demo")
        .base_url(server.uri())
        .auth(auth)
        .retry_policy(fast_retry())
        .timeout(Duration::from_millis(500))
        .build()
        .unwrap()
}

async fn mount_token(server: &MockServer, expires_in: u64, expect: u64) {
    Mock::given(method("POST"))
        .and(path("/auth/v1/token"))
        .and(header(
            "authorization",
            "Basic Y2xpZW50LWlkOnRvcC1zZWNyZXQtdmFsdWUtNDI=",
        ))
        .and(header("content-type", "application/x-www-form-urlencoded"))
        .and(body_string("grant_type=client_credentials"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"access_token": TOKEN, "token_type": "Bearer", "expires_in": expires_in}))
                .set_delay(Duration::from_millis(50)),
        )
        .expect(expect)
        .mount(server)
        .await;
}

async fn mount_thing(server: &MockServer) {
    Mock::given(method("GET"))
        .and(path("/things/1"))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": 1})))
        .mount(server)
        .await;
}

fn get_thing() -> Request {
    Request::get("get_thing", "/things/{id}").param(1)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cold_client_credentials_256_concurrent_calls_make_one_token_request() {
    let server = MockServer::start().await;
    mount_token(&server, 3600, 1).await;
    mount_thing(&server).await;
    let t = transport(&server, oauth(&server));
    let calls = (0..256).map(|_| {
        let t = t.clone();
        tokio::spawn(async move { t.send::<Thing>(get_thing()).await })
    });
    for c in futures::future::join_all(calls).await {
        assert_eq!(c.unwrap().unwrap(), Thing { id: 1 });
    }
    server.verify().await;
}

#[tokio::test]
async fn expired_token_is_refreshed_once() {
    let server = MockServer::start().await;
    // 2 s lifetime: refreshed 1 s before expiry (margin capped at half the lifetime).
    mount_token(&server, 2, 2).await;
    mount_thing(&server).await;
    let t = transport(&server, oauth(&server));
    t.send::<Thing>(get_thing()).await.unwrap();
    t.send::<Thing>(get_thing()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    t.send::<Thing>(get_thing()).await.unwrap();
    t.send::<Thing>(get_thing()).await.unwrap();
    server.verify().await;
}

#[tokio::test]
async fn token_without_expires_in_uses_the_default_lifetime() {
    let server = MockServer::start().await;
    Mock::given(path("/auth/v1/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"access_token": TOKEN})))
        .expect(1)
        .mount(&server)
        .await;
    mount_thing(&server).await;
    let t = transport(&server, oauth(&server));
    for _ in 0..3 {
        t.send::<Thing>(get_thing()).await.unwrap();
    }
    server.verify().await;
}

#[tokio::test]
async fn token_form_placement_and_scope_are_sent_as_form_fields() {
    let server = MockServer::start().await;
    Mock::given(path("/token"))
        .and(body_string(
            "grant_type=client_credentials&scope=api%3A%2F%2Fpartner%2F.default&client_id=client-id&client_secret=top-secret-value-42",
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"access_token": TOKEN, "expires_in": "1799"})))
        .expect(1)
        .mount(&server)
        .await;
    mount_thing(&server).await;
    let auth = ClientCredentials::new(
        "demo",
        Url::parse(&format!("{}/token", server.uri())).unwrap(),
        "client-id",
        SecretString::from(SECRET),
    )
    .with_scope("api://partner/.default")
    .with_placement(CredentialPlacement::FormBody);
    let t = transport(&server, auth);
    t.send::<Thing>(get_thing()).await.unwrap();
    server.verify().await;
}

#[tokio::test]
async fn rejected_client_credentials_are_an_auth_error_with_the_token_answer() {
    let server = MockServer::start().await;
    Mock::given(path("/auth/v1/token"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({"error": "invalid_client"})))
        .expect(1)
        .mount(&server)
        .await;
    let t = transport(&server, oauth(&server));
    let err = t.send::<Thing>(get_thing()).await.unwrap_err();
    match &err {
        Error::Auth(e) if e.source.is_some() => {
            let api = e.source.as_ref().unwrap();
            assert_eq!(api.status(), StatusCode::UNAUTHORIZED);
            assert_eq!(api.code(), Some("invalid_client"));
        }
        other => panic!("expected Auth, got {other:?}"),
    }
    assert!(!format!("{err} {err:?}").contains(SECRET));
}

#[tokio::test]
async fn unauthorized_triggers_one_reauthentication_then_success() {
    let server = MockServer::start().await;
    mount_token(&server, 3600, 2).await;
    Mock::given(method("GET"))
        .and(path("/things/1"))
        .respond_with(ResponseTemplate::new(401))
        .up_to_n_times(1)
        .with_priority(1)
        .expect(1)
        .mount(&server)
        .await;
    mount_thing(&server).await;
    let t = transport(&server, oauth(&server));
    assert_eq!(t.send::<Thing>(get_thing()).await.unwrap(), Thing { id: 1 });
    server.verify().await;
}

#[tokio::test]
async fn second_unauthorized_is_an_auth_error_not_a_loop() {
    let server = MockServer::start().await;
    mount_token(&server, 3600, 2).await;
    Mock::given(method("GET"))
        .and(path("/things/1"))
        .respond_with(ResponseTemplate::new(401).set_body_string("expired"))
        .expect(2)
        .mount(&server)
        .await;
    let t = transport(&server, oauth(&server));
    let err = t.send::<Thing>(get_thing()).await.unwrap_err();
    assert!(matches!(err, Error::Auth(_)), "{err:?}");
    assert_eq!(err.status(), Some(StatusCode::UNAUTHORIZED));
    server.verify().await;
}

#[tokio::test]
async fn session_auth_logs_in_once_and_again_once_after_401() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/things/1"))
        .and(header("x-session-key", "k1"))
        .respond_with(ResponseTemplate::new(401))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/things/1"))
        .and(header("x-session-key", "k2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": 1})))
        .expect(3)
        .mount(&server)
        .await;
    let logins = Arc::new(AtomicU32::new(0));
    let l = logins.clone();
    let auth = SessionAuth::new("demo", move || -> BoxFuture<'static, _> {
        let n = l.fetch_add(1, Ordering::SeqCst) + 1;
        Box::pin(async move {
            let key = format!("k{n}");
            Session::from_headers([("x-session-key", key.as_str()), ("x-session-token", SECRET)])
        })
    })
    .with_refusal_grace(Duration::ZERO);
    let t = transport(&server, auth);
    for _ in 0..3 {
        t.send::<Thing>(get_thing()).await.unwrap();
    }
    assert_eq!(logins.load(Ordering::SeqCst), 2);
    server.verify().await;
}

#[tokio::test]
async fn refusals_of_a_fresh_session_cost_at_most_one_login_per_grace() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/things/1"))
        .respond_with(ResponseTemplate::new(401))
        .expect(15)
        .mount(&server)
        .await;
    let logins = Arc::new(AtomicU32::new(0));
    let l = logins.clone();
    let auth = SessionAuth::new("demo", move || -> BoxFuture<'static, _> {
        l.fetch_add(1, Ordering::SeqCst);
        Box::pin(async { Session::from_headers([("x-session-key", "k")]) })
    });
    let t = transport(&server, auth);
    // Ten refusals, five at a time. The session is moments old: the first
    // five may be an early expiry and share one new login (each sent once
    // more with it); the next five come within the grace of that login,
    // so each is reported and that session stands.
    for _ in 0..2 {
        let calls = (0..5).map(|_| t.send::<Thing>(get_thing()));
        for result in futures::future::join_all(calls).await {
            let err = result.unwrap_err();
            assert_eq!(err.status(), Some(StatusCode::UNAUTHORIZED), "{err:?}");
        }
    }
    assert_eq!(logins.load(Ordering::SeqCst), 2);
    server.verify().await;
}

#[tokio::test]
async fn hmac_nonce_auth_sends_three_headers_with_distinct_nonces() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/things/1"))
        .and(header("x-key", "key-1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": 1})))
        .expect(64)
        .mount(&server)
        .await;
    let auth = HmacNonceAuth::new(
        SecretString::from("key-1"),
        SecretString::from(SECRET),
        HmacHeaders::new(
            "x-key".parse().unwrap(),
            "x-nonce".parse().unwrap(),
            "x-sig".parse().unwrap(),
        ),
    );
    let t = transport(&server, auth);
    let calls = (0..64).map(|_| t.send::<Thing>(get_thing()));
    for r in futures::future::join_all(calls).await {
        r.unwrap();
    }
    let received = server.received_requests().await.unwrap();
    let mut nonces: Vec<String> = received
        .iter()
        .map(|r| r.headers["x-nonce"].to_str().unwrap().to_owned())
        .collect();
    for r in &received {
        let nonce = r.headers["x-nonce"].to_str().unwrap();
        let expected =
            partner_sdk_core::signature::hmac_sha256_base64(SECRET, format!("key-1{nonce}"));
        assert_eq!(r.headers["x-sig"].to_str().unwrap(), expected);
    }
    nonces.sort();
    nonces.dedup();
    assert_eq!(nonces.len(), 64);
}

#[tokio::test]
async fn retry_after_503_then_200_waits_and_makes_two_requests() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503).insert_header("retry-after", "1"))
        .up_to_n_times(1)
        .with_priority(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": 1})))
        .expect(1)
        .mount(&server)
        .await;
    let t = transport(&server, partner_sdk_core::NoAuth);
    let started = Instant::now();
    assert_eq!(t.send::<Thing>(get_thing()).await.unwrap(), Thing { id: 1 });
    assert!(started.elapsed() >= Duration::from_secs(1));
    server.verify().await;
}

#[tokio::test]
async fn retry_after_http_date_is_honoured_and_success_follows() {
    let server = MockServer::start().await;
    let when = std::time::SystemTime::now() + Duration::from_secs(2);
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("retry-after", httpdate::fmt_http_date(when).as_str()),
        )
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": 1})))
        .mount(&server)
        .await;
    let t = transport(&server, partner_sdk_core::NoAuth);
    assert_eq!(t.send::<Thing>(get_thing()).await.unwrap(), Thing { id: 1 });
    // The retry waited for the date (sent to the second, so up to a second
    // early), however long the machine took to get there.
    assert!(std::time::SystemTime::now() + Duration::from_secs(1) >= when);
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

#[tokio::test]
async fn retry_after_beyond_the_cap_returns_the_error_with_retry_after() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503).insert_header("retry-after", "3600"))
        .expect(1)
        .mount(&server)
        .await;
    let t = transport(&server, partner_sdk_core::NoAuth);
    let err = t.send::<Thing>(get_thing()).await.unwrap_err();
    assert_eq!(
        err.api().unwrap().retry_after(),
        Some(Duration::from_secs(3600))
    );
    server.verify().await;
}

#[tokio::test]
async fn plain_post_with_503_is_sent_once() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(503))
        .expect(1)
        .mount(&server)
        .await;
    let t = transport(&server, partner_sdk_core::NoAuth);
    let err = t
        .send::<Thing>(
            Request::post("create", "/things")
                .json(&json!({"a": 1}))
                .reconcile_with("id", "order-1"),
        )
        .await
        .unwrap_err();
    // A 503 to a create may come after the provider processed it.
    assert!(
        matches!(err, partner_sdk_core::Error::OutcomeUnknown(_)),
        "{err:?}"
    );
    assert_eq!(
        err.outcome_unknown_key(),
        Some(&ReconcileKey::new("id", "order-1"))
    );
    assert!(!err.is_retryable());
    assert!(err.to_string().contains("503"), "{err}");
    server.verify().await;
}

#[tokio::test]
async fn post_marked_idempotent_is_retried() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(2)
        .with_priority(1)
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(body_string(r#"{"a":1}"#))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({"id": 9})))
        .expect(1)
        .mount(&server)
        .await;
    let t = transport(&server, partner_sdk_core::NoAuth);
    let got: Thing = t
        .send(
            Request::post("create", "/things")
                .json(&json!({"a": 1}))
                .idempotent(true),
        )
        .await
        .unwrap();
    assert_eq!(got, Thing { id: 9 });
    server.verify().await;
}

#[tokio::test]
async fn stalled_get_times_out_after_every_attempt() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(5)))
        .expect(3)
        .mount(&server)
        .await;
    let t = transport(&server, partner_sdk_core::NoAuth);
    let err = t
        .send::<Thing>(get_thing().timeout(Duration::from_millis(200)))
        .await
        .unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    server.verify().await;
}

/// A loopback server that answers every request with its status line,
/// headers and the first bytes of a 500-byte body, then holds the
/// connection open without sending the rest. Returns its address and the
/// count of requests it read.
async fn stalling_body_server() -> (String, Arc<AtomicU32>) {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let hits = Arc::new(AtomicU32::new(0));
    let counted = Arc::clone(&hits);
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            let counted = Arc::clone(&counted);
            tokio::spawn(async move {
                let mut buf = vec![0u8; 8192];
                while matches!(sock.read(&mut buf).await, Ok(n) if n > 0) {
                    counted.fetch_add(1, Ordering::SeqCst);
                    let head = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 500\r\n\r\n{\"id\":";
                    if sock.write_all(head).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    (format!("http://{addr}"), hits)
}

#[tokio::test]
async fn a_body_that_stalls_after_the_headers_times_out_on_any_client() {
    let (uri, hits) = stalling_body_server().await;
    // The transport's own client and an injected client without any
    // timeout of its own: the attempt's timeout bounds the body read too.
    for injected in [false, true] {
        hits.store(0, Ordering::SeqCst);
        let mut builder = Transport::builder("demo")
            .base_url(&uri)
            .retry_policy(fast_retry().with_max_attempts(2))
            .timeout(Duration::from_millis(200));
        if injected {
            builder = builder.http_client(
                partner_sdk_core::exchange::http_client_builder()
                    .expect("the SDK's TLS")
                    .build()
                    .expect("an HTTP client"),
            );
        }
        let t = builder.build().unwrap();
        let started = Instant::now();
        let err = t.send::<Thing>(get_thing()).await.unwrap_err();
        assert!(
            matches!(&err, Error::Timeout(e) if e.elapsed >= Duration::from_millis(200)),
            "{err:?}"
        );
        assert!(started.elapsed() < Duration::from_secs(5));
        assert_eq!(hits.load(Ordering::SeqCst), 2, "a GET is tried again");
        hits.store(0, Ordering::SeqCst);
        let create = Request::post("create", "/things")
            .json(&json!({"a": 1}))
            .reconcile_with("external_id", "ext-78");
        match t.send::<Thing>(create).await.unwrap_err() {
            Error::OutcomeUnknown(e) => {
                assert_eq!(e.key, Some(ReconcileKey::new("external_id", "ext-78")));
                assert!(e.cause.contains("no answer within"), "{}", e.cause);
            }
            other => panic!("expected OutcomeUnknown, got {other:?}"),
        }
        assert_eq!(hits.load(Ordering::SeqCst), 1, "a create is sent once");
    }
}

#[tokio::test]
async fn stalled_post_is_outcome_unknown_and_sent_once() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(201).set_delay(Duration::from_secs(5)))
        .expect(1)
        .mount(&server)
        .await;
    let t = transport(&server, partner_sdk_core::NoAuth);
    let err = t
        .send::<Thing>(
            Request::post("create", "/things")
                .json(&json!({"a": 1}))
                .reconcile_with("external_id", "ext-77")
                .timeout(Duration::from_millis(200)),
        )
        .await
        .unwrap_err();
    match &err {
        Error::OutcomeUnknown(e) => {
            assert_eq!(e.key, Some(ReconcileKey::new("external_id", "ext-77")));
        }
        other => panic!("expected OutcomeUnknown, got {other:?}"),
    }
    server.verify().await;
}

#[tokio::test]
async fn refused_connection_is_retried_then_a_transport_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let t = Transport::builder("demo")
        .base_url(format!("http://{addr}"))
        .retry_policy(fast_retry())
        .build()
        .unwrap();
    let err = t
        .send::<Thing>(Request::post("create", "/things").json(&json!({})))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Transport(_)), "{err:?}");
    assert!(err.is_retryable());
}

#[tokio::test]
async fn malformed_json_is_a_decode_error_with_body_and_path() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_string(r#"{"id": "seven"}"#))
        .mount(&server)
        .await;
    let t = transport(&server, partner_sdk_core::NoAuth);
    let err = t.send::<Thing>(get_thing()).await.unwrap_err();
    let Error::Decode(d) = &err else {
        panic!("expected Decode, got {err:?}")
    };
    assert_eq!(d.body(), br#"{"id": "seven"}"#);
    assert_eq!(d.path(), "id");
    assert_eq!(d.status(), StatusCode::OK);

    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_string(r#"{"id": 1"#))
        .mount(&server)
        .await;
    let t = transport(&server, partner_sdk_core::NoAuth);
    let err = t.send::<Thing>(get_thing()).await.unwrap_err();
    assert!(matches!(err, Error::Decode(_)), "{err:?}");
}

#[tokio::test]
async fn html_502_page_is_an_api_error_with_the_body() {
    let server = MockServer::start().await;
    let page = "<html><body><h1>502 Bad Gateway</h1></body></html>";
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(502)
                .insert_header("content-type", "text/html")
                .insert_header("x-request-id", "req-123")
                .set_body_string(page),
        )
        .expect(3)
        .mount(&server)
        .await;
    let t = transport(&server, partner_sdk_core::NoAuth);
    let err = t.send::<Thing>(get_thing()).await.unwrap_err();
    let api = err.api().expect("api error");
    assert_eq!(api.status(), StatusCode::BAD_GATEWAY);
    assert_eq!(api.body(), page.as_bytes());
    assert_eq!(api.request_id(), Some("req-123"));
    assert_eq!(api.operation(), "get_thing");
    let line = err.to_string();
    assert!(
        line.starts_with("demo GET /things/{id}: 502 Bad Gateway"),
        "{line}"
    );
    assert!(line.contains("(request-id req-123)"), "{line}");
    server.verify().await;
}

#[derive(Deserialize)]
struct ListPage {
    items: Vec<u32>,
    #[serde(rename = "hasMoreRecords")]
    has_more: bool,
}

async fn mount_pages(server: &MockServer) {
    for (page, more) in [(1, true), (2, true), (3, false)] {
        Mock::given(method("GET"))
            .and(path("/applications"))
            .and(wiremock::matchers::query_param(
                "pageNumber",
                page.to_string(),
            ))
            .and(wiremock::matchers::query_param("accountId", "E435"))
            .respond_with(ResponseTemplate::new(200).set_body_json(
                json!({"items": [page * 10, page * 10 + 1], "hasMoreRecords": more}),
            ))
            .mount(server)
            .await;
    }
}

fn applications(
    t: Transport,
) -> futures::stream::BoxStream<'static, partner_sdk_core::Result<u32>> {
    paginate(1u32, move |page| {
        let t = t.clone();
        async move {
            let p: ListPage = t
                .send(
                    Request::get("list_applications", "/applications")
                        .query_pair("accountId", "E435")
                        .query_pair("pageNumber", page),
                )
                .await?;
            Ok(Page::numbered(p.items, page, p.has_more))
        }
    })
}

#[tokio::test]
async fn three_page_stream_yields_every_item_in_order_with_three_requests() {
    let server = MockServer::start().await;
    mount_pages(&server).await;
    let t = transport(&server, partner_sdk_core::NoAuth);
    let all: Vec<u32> = applications(t).try_collect().await.unwrap();
    assert_eq!(all, vec![10, 11, 20, 21, 30, 31]);
    assert_eq!(server.received_requests().await.unwrap().len(), 3);
}

#[tokio::test]
async fn dropping_the_stream_after_the_first_item_makes_one_request() {
    let server = MockServer::start().await;
    mount_pages(&server).await;
    let t = transport(&server, partner_sdk_core::NoAuth);
    let mut s = applications(t);
    assert_eq!(s.next().await.unwrap().unwrap(), 10);
    drop(s);
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn path_segments_are_encoded_never_injected() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path_regex(r"^/things/.+$"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": 1})))
        .mount(&server)
        .await;
    let t = transport(&server, partner_sdk_core::NoAuth);
    for hostile in [
        "a/../b",
        "x?admin=1",
        "y#frag",
        "with space",
        "ユニコード",
        "%2F",
    ] {
        t.send::<Thing>(Request::get("get_thing", "/things/{id}").param(hostile))
            .await
            .unwrap();
    }
    let received = server.received_requests().await.unwrap();
    let paths: Vec<String> = received.iter().map(|r| r.url.path().to_owned()).collect();
    assert_eq!(
        paths,
        [
            "/things/a%2F..%2Fb",
            "/things/x%3Fadmin=1",
            "/things/y%23frag",
            "/things/with%20space",
            "/things/%E3%83%A6%E3%83%8B%E3%82%B3%E3%83%BC%E3%83%89",
            "/things/%252F",
        ]
    );
    assert!(received.iter().all(|r| r.url.query().is_none()));
}

#[tokio::test]
async fn user_agent_and_accept_are_sent() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(header(
            "user-agent",
            concat!("partner-sdk/", env!("CARGO_PKG_VERSION"), " my-app/1.0"),
        ))
        .and(header("accept", "application/json"))
        .and(header("appname", "checkout"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": 1})))
        .expect(1)
        .mount(&server)
        .await;
    let t = Transport::builder("demo")
        .base_url(server.uri())
        .user_agent_suffix("my-app/1.0")
        .default_header("appname", "checkout")
        .build()
        .unwrap();
    t.send::<Thing>(get_thing()).await.unwrap();
    server.verify().await;
}

#[derive(Default)]
struct CountingHooks {
    before: AtomicU32,
    after: Mutex<Vec<Option<u16>>>,
}

impl Hooks for CountingHooks {
    fn before_send(&self, call: &CallInfo<'_>) {
        assert_eq!(call.operation, "get_thing");
        self.before.fetch_add(1, Ordering::SeqCst);
    }
    fn after_response(&self, _: &CallInfo<'_>, status: Option<StatusCode>, _: Duration) {
        self.after.lock().unwrap().push(status.map(|s| s.as_u16()));
    }
}

#[tokio::test]
async fn hooks_see_every_attempt() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": 1})))
        .mount(&server)
        .await;
    let hooks = Arc::new(CountingHooks::default());
    let t = Transport::builder("demo")
        .base_url(server.uri())
        .retry_policy(fast_retry())
        .hooks(hooks.clone())
        .build()
        .unwrap();
    t.send::<Thing>(get_thing()).await.unwrap();
    assert_eq!(hooks.before.load(Ordering::SeqCst), 2);
    assert_eq!(*hooks.after.lock().unwrap(), vec![Some(503), Some(200)]);
}

#[test]
fn client_types_futures_and_streams_are_send() {
    fn send_sync<T: Send + Sync>(_: &T) {}
    fn send<T: Send>(_: &T) {}
    let t = Transport::builder("demo")
        .base_url("http://127.0.0.1:9")
        .build()
        .unwrap();
    send_sync(&t);
    send(&t.send::<Thing>(get_thing()));
    send(&applications(t.clone()));
    let cc = ClientCredentials::new(
        "demo",
        Url::parse("http://127.0.0.1:9/t").unwrap(),
        "id",
        SecretString::from("s"),
    );
    let http = partner_sdk_core::exchange::http_client_builder()
        .expect("the SDK's TLS")
        .build()
        .expect("an HTTP client");
    send(&cc.bearer(&http));
    send_sync(&cc);
}

#[tokio::test]
async fn a_bodyless_request_carries_its_content_type_and_a_body_brings_its_own() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/things/1"))
        .and(header("content-type", "application/json"))
        .and(body_string(""))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": 1})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/things"))
        .and(header("content-type", "application/x-www-form-urlencoded"))
        .and(body_string("id=2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": 2})))
        .expect(1)
        .mount(&server)
        .await;
    let t = Transport::builder("demo")
        .base_url(server.uri())
        .build()
        .unwrap();
    let bodyless = get_thing().content_type("application/json");
    assert_eq!(t.send::<Thing>(bodyless).await.unwrap(), Thing { id: 1 });
    let with_body = Request::post("create", "/things")
        .content_type("application/json")
        .form(&[("id", 2)]);
    assert_eq!(t.send::<Thing>(with_body).await.unwrap(), Thing { id: 2 });
    let sent = server.received_requests().await.unwrap();
    assert!(
        sent[0]
            .headers
            .get("content-length")
            .is_none_or(|v| v == "0")
    );
}

#[tokio::test]
async fn a_sensitive_error_answer_over_the_kept_size_is_withheld_whole() {
    // The secret is quoted by the message and repeated past the bytes an
    // error keeps: withholding must read the whole answer to find it.
    let padding = "p".repeat(partner_sdk_core::error::MAX_ERROR_BODY * 2);
    let answer = json!({
        "code": "E42",
        "message": format!("token {TOKEN} not active"),
        "padding": padding,
        "sessionToken": TOKEN,
    });
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/sessions"))
        .respond_with(ResponseTemplate::new(400).set_body_json(&answer))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/auth/v1/token"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({
            "error": "invalid_client",
            "error_description": format!("client {SECRET} unknown"),
            "padding": padding,
            "client_secret": SECRET,
        })))
        .expect(1)
        .mount(&server)
        .await;
    let t = Transport::builder("demo")
        .base_url(server.uri())
        .build()
        .unwrap();
    let create = Request::post("create_session", "/sessions")
        .json(&json!({}))
        .sensitive_answer();
    let err = t.send::<Thing>(create).await.unwrap_err();
    let api = err.api().expect("the provider's answer");
    assert_eq!((api.code(), api.message()), (Some("E42"), None));
    assert!(api.body().is_empty());
    let shown = format!("{err} {err:?}");
    assert!(!shown.contains(TOKEN), "{shown}");

    let err = transport(&server, oauth(&server))
        .send::<Thing>(get_thing())
        .await
        .unwrap_err();
    let api = err.answer().expect("the token endpoint's answer");
    assert_eq!((api.code(), api.message()), (Some("invalid_client"), None));
    let shown = format!("{err} {err:?}");
    assert!(!shown.contains(SECRET), "{shown}");
}
