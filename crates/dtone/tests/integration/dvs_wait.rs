//! `dvs::Client::wait_for_final` against a wiremock DT One: only GETs of
//! the transaction with Basic auth, until a final status; a 429's
//! `Retry-After` honoured; a definite refusal ends it; the deadline is a
//! typed error naming the id and the last status. (The backoff's timing is
//! checked on tokio's paused clock in the unit tests of `dvs/wait.rs`.)

use std::time::{Duration, Instant};

use partner_sdk_dtone::RetryPolicy;
use partner_sdk_dtone::dvs::{ErrorCode, StatusClass, WaitError, WaitOptions};
use partner_sdk_test_kit::{json_answer, received};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::dvs::{BASIC, builder};

fn transaction(status: &str) -> String {
    format!(
        r#"{{"id": 7, "external_id": "ext-7", "status": {{"id": 1, "message": "{status}", "class": {{"id": 1, "message": "{status}"}}}}}}"#
    )
}

fn get7() -> wiremock::MockBuilder {
    Mock::given(method("GET"))
        .and(path("/v1/transactions/7"))
        .and(header("authorization", BASIC))
}

fn quick() -> WaitOptions {
    WaitOptions::new()
        .first_interval(Duration::from_millis(100))
        .factor(1.0)
        .max_interval(Duration::from_millis(100))
        .deadline(Duration::from_secs(10))
}

/// Every request was a bodiless GET of transaction 7 with Basic auth.
async fn gets(server: &MockServer) -> usize {
    let requests = received(server).await;
    for r in &requests {
        assert_eq!(r.method.as_str(), "GET");
        assert_eq!(r.url.path(), "/v1/transactions/7");
        assert_eq!(r.headers["authorization"], BASIC);
        assert!(r.body.is_empty());
    }
    requests.len()
}

#[tokio::test]
async fn pending_then_final() {
    let server = MockServer::start().await;
    get7()
        .respond_with(json_answer(&transaction("SUBMITTED")))
        .up_to_n_times(2)
        .with_priority(1)
        .mount(&server)
        .await;
    get7()
        .respond_with(json_answer(&transaction("COMPLETED")))
        .mount(&server)
        .await;
    let client = builder(&server).build().unwrap();
    let done = client.wait_for_final(7, &quick()).await.unwrap();
    assert_eq!(done.status_class(), StatusClass::Completed);
    assert_eq!(gets(&server).await, 3);
}

#[tokio::test]
async fn a_429_retry_after_is_honoured_and_polling_goes_on() {
    let server = MockServer::start().await;
    get7()
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("retry-after", "1")
                .set_body_raw(
                    r#"{"errors":[{"code":1000429,"message":"Too many requests"}]}"#,
                    "application/json",
                ),
        )
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    get7()
        .respond_with(ResponseTemplate::new(503).set_body_raw(
            r#"{"errors":[{"code":1009503,"message":"Retry later"}]}"#,
            "application/json",
        ))
        .up_to_n_times(1)
        .with_priority(2)
        .mount(&server)
        .await;
    get7()
        .respond_with(json_answer(&transaction("DECLINED")))
        .with_priority(3)
        .mount(&server)
        .await;
    // The client's own retries off: each failure reaches the wait.
    let client = builder(&server)
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let start = Instant::now();
    let done = client.wait_for_final(7, &quick()).await.unwrap();
    assert!(done.has_failed());
    assert!(
        start.elapsed() >= Duration::from_secs(1),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(gets(&server).await, 3);
}

#[tokio::test]
async fn an_unknown_transaction_ends_the_wait_at_once() {
    let server = MockServer::start().await;
    get7()
        .respond_with(ResponseTemplate::new(404).set_body_raw(
            r#"{"errors":[{"code":1008004,"message":"Transaction not found"}]}"#,
            "application/json",
        ))
        .mount(&server)
        .await;
    let client = builder(&server).build().unwrap();
    let err = client.wait_for_final(7, &quick()).await.unwrap_err();
    match &err {
        WaitError::Poll(e) => assert_eq!(e.code(), Some(ErrorCode::TransactionNotFound)),
        other => panic!("{other:?}"),
    }
    assert_eq!(gets(&server).await, 1);
    // An id that cannot be one is refused before anything is sent.
    let err = client.wait_for_final(0, &quick()).await.unwrap_err();
    assert!(
        matches!(&err, WaitError::Poll(e) if e.is_invalid_input()),
        "{err:?}"
    );
    assert_eq!(gets(&server).await, 1);
}

#[tokio::test]
async fn the_deadline_names_the_id_and_the_last_status() {
    let server = MockServer::start().await;
    get7()
        .respond_with(json_answer(&transaction("CREATED")))
        .mount(&server)
        .await;
    let client = builder(&server).build().unwrap();
    let options = quick().deadline(Duration::from_millis(450));
    let err = client.wait_for_final(7, &options).await.unwrap_err();
    let WaitError::Deadline {
        transaction_id,
        last_status,
        polls,
        ..
    } = &err
    else {
        panic!("{err:?}");
    };
    assert_eq!(*transaction_id, 7);
    assert_eq!(last_status.as_ref().unwrap().message, "CREATED");
    let sent = gets(&server).await;
    assert_eq!(sent, *polls as usize);
    assert!((3..=5).contains(&sent), "{sent}");
    let text = err.to_string();
    assert!(
        text.contains("transaction 7") && text.contains("CREATED"),
        "{text}"
    );
}
