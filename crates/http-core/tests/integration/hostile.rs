//! Hostile and broken servers against the core pipeline: every case ends in
//! a typed error, with the requests made asserted, and never a panic, an
//! unbounded read, a followed redirect or an endless loop.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use futures::StreamExt as _;
use partner_sdk_core::{
    ClientCredentials, Error, Page, PaginationStop, ReconcileKey, Request, RetryPolicy,
    SecretString, Transport, Url, paginate_with,
};
use partner_sdk_test_kit::hostile::{CONTROL_IDS, absurd_expires_in};
use partner_sdk_test_kit::{RawServer, Reply, count};
use serde::Deserialize;
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const SECRET: &str = "top-secret-value-42";

#[derive(Debug, Clone, PartialEq, Deserialize)]
struct Thing {
    id: u32,
}

fn oauth(token_base: &str) -> ClientCredentials {
    ClientCredentials::new(
        "demo",
        Url::parse(&format!("{token_base}/auth/v1/token")).unwrap(),
        "client-id",
        SecretString::from(SECRET),
    )
}

fn builder(base: &str) -> partner_sdk_core::TransportBuilder {
    Transport::builder("demo")
        .base_url(base)
        .retry_policy(
            RetryPolicy::default()
                .with_base_delay(Duration::from_millis(1))
                .with_max_delay(Duration::from_millis(50)),
        )
        .timeout(Duration::from_secs(5))
}

fn get_thing() -> Request {
    Request::get("get_thing", "/things/{id}").param(1)
}

// 1. Absurd numbers ---------------------------------------------------------

#[tokio::test]
async fn absurd_expires_in_is_clamped_and_garbage_is_an_auth_error() {
    for expires_in in absurd_expires_in() {
        let server = MockServer::start().await;
        Mock::given(path("/auth/v1/token"))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_json(json!({"access_token": "tok", "expires_in": expires_in})),
            )
            .expect(1)
            .mount(&server)
            .await;
        Mock::given(path("/things/1"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": 1})))
            .expect(2)
            .mount(&server)
            .await;
        let t = builder(&server.uri())
            .auth(oauth(&server.uri()))
            .build()
            .unwrap();
        for _ in 0..2 {
            assert_eq!(t.send::<Thing>(get_thing()).await.unwrap(), Thing { id: 1 });
        }
        server.verify().await;
    }

    let server = MockServer::start().await;
    Mock::given(path("/auth/v1/token"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"access_token": "tok-9f8e", "expires_in": "soon"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let t = builder(&server.uri())
        .auth(oauth(&server.uri()))
        .build()
        .unwrap();
    let err = t.send::<Thing>(get_thing()).await.unwrap_err();
    assert!(matches!(err, Error::Auth(_)), "{err:?}");
    assert!(!format!("{err} {err:?}").contains("tok-9f8e"), "{err:?}");
    assert_eq!(count(&server).await, 1, "only the token request");
}

#[tokio::test]
async fn absurd_default_token_lifetime_does_not_overflow() {
    let server = MockServer::start().await;
    Mock::given(path("/auth/v1/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"access_token": "tok"})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path("/things/1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": 1})))
        .expect(1)
        .mount(&server)
        .await;
    let auth = oauth(&server.uri()).with_default_lifetime(Duration::MAX);
    let t = builder(&server.uri()).auth(auth).build().unwrap();
    t.send::<Thing>(get_thing()).await.unwrap();
    server.verify().await;
}

#[tokio::test]
async fn absurd_retry_after_ends_the_call_with_a_clamped_value() {
    let server = MockServer::start().await;
    Mock::given(path("/things/1"))
        .respond_with(
            ResponseTemplate::new(503).insert_header("retry-after", "99999999999999999999"),
        )
        .expect(1)
        .mount(&server)
        .await;
    let t = builder(&server.uri()).build().unwrap();
    let err = t.send::<Thing>(get_thing()).await.unwrap_err();
    assert_eq!(
        err.api().and_then(|a| a.retry_after()),
        Some(partner_sdk_core::defaults::MAX_RETRY_AFTER)
    );
    assert_eq!(count(&server).await, 1);
}

// 3. Control characters in path parameters ----------------------------------

#[tokio::test]
async fn control_characters_in_path_parameters_are_refused_before_sending() {
    let server = MockServer::start().await;
    let t = builder(&server.uri()).build().unwrap();
    let mut bad: Vec<String> = CONTROL_IDS.map(str::to_owned).to_vec();
    bad.extend((0u8..0x20).map(|c| format!("id{}", c as char)));
    for value in &bad {
        let err = t
            .send::<Thing>(Request::delete("delete_thing", "/things/{id}").param(value))
            .await
            .unwrap_err();
        assert!(
            matches!(&err, Error::InvalidInput(e) if e.field == "id"),
            "{value:?}: {err:?}"
        );
    }
    assert_eq!(count(&server).await, 0, "nothing sent");
}

// 4. Redirects -----------------------------------------------------------------

#[tokio::test]
async fn a_redirect_is_a_typed_error_and_nothing_reaches_the_other_host() {
    let elsewhere = MockServer::start().await;
    let server = MockServer::start().await;
    let location = format!("{}/steal?msisdn=61400000000#frag", elsewhere.uri());
    for status in [301u16, 302, 303, 307, 308] {
        Mock::given(method("POST"))
            .respond_with(
                ResponseTemplate::new(status).insert_header("location", location.as_str()),
            )
            .up_to_n_times(2)
            .mount(&server)
            .await;
        // The token endpoint redirects too: its form and Basic header stay home.
        let t = builder(&server.uri())
            .auth(oauth(&server.uri()))
            .build()
            .unwrap();
        let err = t
            .send::<Thing>(
                Request::post("create_thing", "/things").json(&json!({"secret": SECRET})),
            )
            .await
            .unwrap_err();
        match &err {
            Error::Redirect(e) => {
                assert_eq!(e.operation, "oauth2_token");
                assert_eq!(e.status.as_u16(), status);
                assert_eq!(e.location, Some(format!("{}/steal", elsewhere.uri())));
            }
            other => panic!("{status}: {other:?}"),
        }
        assert!(!err.to_string().contains("61400000000"), "{err}");
        server.reset().await;
    }
    assert_eq!(count(&elsewhere).await, 0, "nothing reached the other host");
}

#[tokio::test]
async fn an_api_redirect_is_refused_without_following() {
    let elsewhere = MockServer::start().await;
    let server = MockServer::start().await;
    Mock::given(path("/things/1"))
        .respond_with(
            ResponseTemplate::new(307)
                .insert_header("location", format!("{}/x?q=1", elsewhere.uri())),
        )
        .expect(1)
        .mount(&server)
        .await;
    let t = builder(&server.uri()).build().unwrap();
    let err = t.send::<Thing>(get_thing()).await.unwrap_err();
    assert!(matches!(err, Error::Redirect(_)), "{err:?}");
    assert!(!err.is_retryable());
    assert_eq!(count(&elsewhere).await, 0);
    server.verify().await;
}

#[tokio::test]
async fn an_injected_following_client_cannot_be_stopped_but_its_answer_is_refused() {
    // Documented risk: the SDK cannot change the policy of a client it did
    // not build. The redirected answer is still refused.
    let elsewhere = MockServer::start().await;
    Mock::given(path("/x"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": 666})))
        .mount(&elsewhere)
        .await;
    let server = MockServer::start().await;
    Mock::given(path("/things/1"))
        .respond_with(
            ResponseTemplate::new(302).insert_header("location", format!("{}/x", elsewhere.uri())),
        )
        .mount(&server)
        .await;
    let t = builder(&server.uri())
        .http_client(
            partner_sdk_core::exchange::http_client_builder()
                .expect("the SDK's TLS")
                .redirect(partner_sdk_core::reqwest::redirect::Policy::default())
                .build()
                .expect("an HTTP client"),
        )
        .build()
        .unwrap();
    let err = t.send::<Thing>(get_thing()).await.unwrap_err();
    assert!(
        matches!(&err, Error::Redirect(e) if e.status.as_u16() == 200),
        "{err:?}"
    );
    assert_eq!(count(&elsewhere).await, 1, "the injected client followed");
}

// 5. Bounded memory -------------------------------------------------------------

#[tokio::test]
async fn content_length_over_the_cap_is_refused_before_reading() {
    let server = RawServer::start(|_, _| Reply::Stream {
        status: 200,
        content_length: Some(1 << 30),
        total: 1 << 30,
    })
    .await;
    let t = builder(&server.uri())
        .max_response_body(64 * 1024)
        .build()
        .unwrap();
    let err = t.send::<Thing>(get_thing()).await.unwrap_err();
    assert!(
        matches!(&err, Error::ResponseTooLarge(e) if e.limit == 65536),
        "{err:?}"
    );
    assert!(err.to_string().contains("65536-byte limit"), "{err}");
    assert_eq!(server.requests().len(), 1, "not retried");
}

#[tokio::test]
async fn a_chunked_stream_stops_at_the_cap() {
    let server = RawServer::start(|_, _| Reply::Stream {
        status: 200,
        content_length: None,
        total: 1 << 30,
    })
    .await;
    let t = builder(&server.uri())
        .max_response_body(256 * 1024)
        .build()
        .unwrap();
    let err = t.send::<Thing>(get_thing()).await.unwrap_err();
    assert!(
        matches!(&err, Error::ResponseTooLarge(e) if e.limit == 262_144),
        "{err:?}"
    );
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn a_body_in_many_chunks_under_the_cap_is_read_whole() {
    for content_length in [None, Some(300_000)] {
        let server = RawServer::start(move |_, _| Reply::Stream {
            status: 200,
            content_length,
            total: 300_000,
        })
        .await;
        let t = builder(&server.uri())
            .max_response_body(300_000)
            .build()
            .unwrap();
        let response = t.execute(get_thing()).await.unwrap();
        assert_eq!(response.body().len(), 300_000, "{content_length:?}");
        assert!(response.body().iter().all(|b| *b == b' '));
    }
}

#[tokio::test]
async fn error_and_decode_bodies_are_small_copies() {
    let server = MockServer::start().await;
    let big = format!("{{\"id\": \"{}\"}}", "x".repeat(100_000));
    Mock::given(path("/things/1"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(big.clone(), "application/json"))
        .mount(&server)
        .await;
    Mock::given(path("/things/2"))
        .respond_with(ResponseTemplate::new(400).set_body_raw(big, "application/json"))
        .mount(&server)
        .await;
    let t = builder(&server.uri()).build().unwrap();
    let Error::Decode(d) = t.send::<Thing>(get_thing()).await.unwrap_err() else {
        panic!("decode error expected")
    };
    assert_eq!(d.body().len(), partner_sdk_core::error::MAX_ERROR_BODY);
    let err = t
        .send::<Thing>(Request::get("get_thing", "/things/{id}").param(2))
        .await
        .unwrap_err();
    assert_eq!(
        err.api().unwrap().body().len(),
        partner_sdk_core::error::MAX_ERROR_BODY
    );
}

// 6. Pagination ---------------------------------------------------------------

#[tokio::test]
async fn a_repeated_cursor_from_a_server_ends_the_stream() {
    let server = MockServer::start().await;
    Mock::given(path("/things"))
        .and(wiremock::matchers::query_param("token", "same"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"items": [3, 4], "next": "same"})),
        )
        .mount(&server)
        .await;
    Mock::given(path("/things"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"items": [1, 2], "next": "same"})),
        )
        .mount(&server)
        .await;
    #[derive(Deserialize)]
    struct Listing {
        items: Vec<u32>,
        next: String,
    }
    let t = builder(&server.uri()).build().unwrap();
    let stream = paginate_with(t.max_pages(), String::new(), move |token: String| {
        let t = t.clone();
        async move {
            let l: Listing = t
                .send(Request::get("list_things", "/things").query_pair("token", token))
                .await?;
            Ok::<_, Error>(Page::tokened(l.items, Some(l.next)))
        }
    });
    let results: Vec<_> = stream.collect().await;
    assert_eq!(results.len(), 5, "two pages of two items, then the error");
    assert!(matches!(
        results[4],
        Err(Error::Pagination(ref e))
            if (e.pages, e.reason) == (2, PaginationStop::RepeatedCursor)
    ));
    assert_eq!(count(&server).await, 2);
}

#[tokio::test]
async fn the_page_cap_is_set_on_the_builder() {
    let pages = Arc::new(AtomicU32::new(0));
    let t = builder("http://127.0.0.1:9").max_pages(7).build().unwrap();
    let p = Arc::clone(&pages);
    let results: Vec<_> = paginate_with(t.max_pages(), 1u32, move |n| {
        p.fetch_add(1, Ordering::SeqCst);
        futures::future::ready(Ok::<_, Error>(Page::numbered(vec![n], n, true)))
    })
    .collect()
    .await;
    assert_eq!(pages.load(Ordering::SeqCst), 7);
    assert!(matches!(
        results.last(),
        Some(Err(Error::Pagination(e))) if e.reason == PaginationStop::MaxPages(7)
    ));
}

// 8. Token cache under failure -----------------------------------------------

#[tokio::test(start_paused = true)]
async fn the_attempt_timeout_runs_on_tokios_clock() {
    // A server that never answers, 5 s per attempt and three attempts: on
    // a paused clock the timeouts pass on tokio's time, with no real wait.
    let server = RawServer::start(|_, _| Reply::Hang).await;
    let t = builder(&server.uri()).build().unwrap();
    let (real, tokio_time) = (std::time::Instant::now(), tokio::time::Instant::now());
    let err = t.send::<Thing>(get_thing()).await.unwrap_err();
    assert!(matches!(err, Error::Timeout(_)), "{err:?}");
    assert!(tokio_time.elapsed() >= Duration::from_secs(15));
    assert!(real.elapsed() < Duration::from_secs(5));
    assert_eq!(server.requests().len(), 3);
}

#[tokio::test(start_paused = true)]
async fn a_hanging_token_endpoint_is_one_attempt_for_all_waiters() {
    let auth_server = RawServer::start(|_, _| Reply::Hang).await;
    let api = RawServer::start(|_, _| Reply::json(200, r#"{"id":1}"#)).await;
    let t = builder(&api.uri())
        .auth(oauth(&auth_server.uri()).with_token_timeout(Duration::from_secs(30)))
        .build()
        .unwrap();
    let calls: Vec<_> = (0..100)
        .map(|_| {
            let t = t.clone();
            tokio::spawn(async move { t.send::<Thing>(get_thing()).await })
        })
        .collect();
    for call in calls {
        let err = call.await.unwrap().unwrap_err();
        assert!(matches!(err, Error::Timeout(_)), "{err:?}");
    }
    assert_eq!(
        auth_server.requests().len(),
        1,
        "one token request for 100 callers"
    );
    assert_eq!(api.requests().len(), 0);
}

#[tokio::test(start_paused = true)]
async fn a_failed_early_refresh_keeps_the_valid_token() {
    let auth_server = RawServer::start(|_, i| match i {
        0 => Reply::json(200, r#"{"access_token":"first","expires_in":3600}"#),
        _ => Reply::json(500, r#"{"error":"down"}"#),
    })
    .await;
    let api = RawServer::start(|_, _| Reply::json(200, r#"{"id":1}"#)).await;
    let t = builder(&api.uri())
        .auth(oauth(&auth_server.uri()))
        .build()
        .unwrap();
    t.send::<Thing>(get_thing()).await.unwrap();
    tokio::time::advance(Duration::from_secs(3300)).await;
    t.send::<Thing>(get_thing()).await.unwrap();
    let sent = api.requests();
    assert_eq!(sent.len(), 2);
    assert!(
        sent.iter()
            .all(|r| r.header("authorization") == Some("Bearer first"))
    );
    assert_eq!(
        auth_server.requests().len(),
        2,
        "one refresh attempt, failed"
    );
}

// 9. Personal data kept out of errors -----------------------------------------

#[tokio::test]
async fn transport_errors_keep_the_path_template_not_the_url() {
    // Port 9 on loopback: connection refused.
    let t = builder("http://127.0.0.1:9").build().unwrap();
    let err = t
        .send::<Thing>(Request::get("verify", "/accounts/{msisdn}/status").param("61400111222"))
        .await
        .unwrap_err();
    let Error::Transport(e) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(e.path, "/accounts/{msisdn}/status");
    let text = format!("{err} {err:?}");
    assert!(!text.contains("61400111222"), "{text}");
}

#[tokio::test]
async fn an_unreadable_answer_to_a_create_is_reported_without_the_answer() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(201)
                .set_body_raw(r#"{"id": "PIN-4242-SECRET"}"#, "application/json"),
        )
        .expect(1)
        .mount(&server)
        .await;
    let t = builder(&server.uri()).build().unwrap();
    let err = t
        .send::<Thing>(
            Request::post("create_thing", "/things")
                .json(&json!({}))
                .reconcile_with("external_id", "order-7"),
        )
        .await
        .unwrap_err();
    match &err {
        Error::AnswerUnreadable(e) => {
            assert_eq!(e.status.as_u16(), 201);
            assert_eq!(e.key, Some(ReconcileKey::new("external_id", "order-7")));
            assert!(e.cause.contains("`id`"), "{}", e.cause);
        }
        other => panic!("{other:?}"),
    }
    let text = format!("{err} {err:?}");
    assert!(!text.contains("PIN-4242"), "{text}");
    assert!(!err.is_retryable());
    server.verify().await;
}
