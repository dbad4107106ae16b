//! The faults suite: for each network or provider fault, the typed error a
//! provider's client returns, the number of requests made, and that no
//! create is sent twice. [`faults_suite!`](crate::faults_suite) runs it in
//! a provider's test binary.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use partner_sdk_core::{ApiError, Error};
use tokio::time::Instant;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::hostile::assert_transport_error_keeps_the_template;
use crate::subject::{
    Call, Settings, Subject, assert_one_login, assert_one_raw_login, auth_endpoint, auth_reply,
    client, client_on, core, json, mount, raw_api_requests, raw_server, refusing_uri, sent,
    sent_to_auth, server,
};
use crate::{RawServer, Reply};

/// Expands to the faults suite's cases for a [`Subject`], one
/// `#[tokio::test]` each; with `token`, also the cases of an OAuth2 token
/// endpoint on a server of its own.
///
/// In the provider's module of that name:
/// `partner_sdk_test_kit::faults_suite!(crate::subject::Bbti, token);`.
#[macro_export]
macro_rules! faults_suite {
    ($subject:ty $(, $group:ident)* $(,)?) => {
        $crate::__suite_cases!($subject, faults, [
            connection_refused_is_a_transport_error,
            a_stall_past_the_timeout_is_retried_for_reads_and_unknown_for_creates,
            status_500_is_not_retried,
            retry_after_beyond_the_cap_ends_the_call_with_the_wait,
            an_html_error_page_keeps_the_body,
            truncated_json_is_a_decode_error_keeping_the_body,
            json_with_a_wrong_content_type_is_decoded,
            a_page_or_plain_text_in_a_200_is_a_decode_error,
            a_2xx_carrying_the_providers_error_is_an_api_error,
            a_reset_mid_body_is_retried_for_reads_and_unknown_for_creates,
        ]);
        $crate::__suite_cases!($subject, faults, [
            status_502_is_retried_for_reads_and_never_for_creates => retried_for_reads_and_never_for_creates(502),
            status_503_is_retried_for_reads_and_never_for_creates => retried_for_reads_and_never_for_creates(503),
            status_504_is_retried_for_reads_and_never_for_creates => retried_for_reads_and_never_for_creates(504),
            status_429_is_retried_for_reads_and_never_for_creates => retried_for_reads_and_never_for_creates(429),
            status_502_with_retry_after_waits_then_retries => retry_after_is_honoured(502),
            status_503_with_retry_after_waits_then_retries => retry_after_is_honoured(503),
            status_504_with_retry_after_waits_then_retries => retry_after_is_honoured(504),
            status_429_with_retry_after_waits_then_retries => retry_after_is_honoured(429),
        ]);
        $( $crate::faults_suite!(@$group $subject); )*
    };
    (@token $subject:ty) => {
        $crate::__suite_cases!($subject, faults, [
            a_token_endpoint_refusing_connections_is_a_transport_error,
        ]);
    };
}

/// A server with `read` and the first create (if any) mounted to answer
/// `template`; returns it with that create.
async fn serving<S: Subject>(
    read: &Call<S>,
    template: ResponseTemplate,
) -> (MockServer, Option<Call<S>>) {
    let server = server::<S>().await;
    let create = S::creates().into_iter().next();
    mount(&server, read, template.clone()).await;
    if let Some(create) = &create {
        mount(&server, create, template).await;
    }
    (server, create)
}

/// Sends `create` through `client`, which must fail, and asserts `server`
/// received it once; returns the error.
async fn fails_once<S: Subject>(
    server: &MockServer,
    create: &Call<S>,
    client: &S::Client,
) -> S::Error {
    let err = create.send(client).await.unwrap_err();
    assert_eq!(
        sent(server, create).await,
        1,
        "{} sent once",
        create.operation
    );
    err
}

/// Asserts `err` is the unknown outcome of `create`: its key, never
/// retryable, the key in its text.
fn assert_unknown<S: Subject>(create: &Call<S>, err: &S::Error) {
    let core = core::<S>(err);
    assert!(matches!(core, Error::OutcomeUnknown(_)), "{err:?}");
    assert_eq!(core.outcome_unknown_key(), create.key.as_ref(), "{err:?}");
    assert!(!core.is_retryable());
    if let Some(key) = &create.key {
        assert!(err.to_string().contains(&key.to_string()), "{err}");
    }
}

/// Asserts `err` is an answer the provider gave with `status`.
fn assert_api<S: Subject>(err: &S::Error, status: u16) -> &ApiError {
    match core::<S>(err) {
        Error::Api(api) => {
            assert_eq!(api.status().as_u16(), status, "{err:?}");
            api
        }
        other => panic!("expected an API error {status}, got {other:?}"),
    }
}

/// An API refusing connections is a transport error, retryable, naming
/// the path template only (the login's, for a login on the API's server);
/// nothing was sent, so a create's outcome is not unknown. A token
/// endpoint elsewhere is asked once.
pub async fn connection_refused_is_a_transport_error<S: Subject>() {
    let auth = server::<S>().await;
    let client = S::build(&refusing_uri(), &auth.uri(), &Settings::default());
    let read = S::read();
    let err = read.send(&client).await.unwrap_err();
    let failed = S::AUTH.login().unwrap_or((read.operation, read.template));
    assert_transport_error_keeps_the_template(&read, failed, &err);
    assert!(core::<S>(&err).is_retryable());
    if let Some(create) = S::creates().into_iter().next() {
        let err = create.send(&client).await.unwrap_err();
        assert!(matches!(core::<S>(&err), Error::Transport(_)), "{err:?}");
        assert_eq!(core::<S>(&err).outcome_unknown_key(), None);
    }
    if let crate::subject::Auth::Token { .. } = S::AUTH {
        assert_eq!(sent_to_auth::<S>(&auth).await, 1, "one token for both");
    }
}

/// A token endpoint refusing connections is a transport error, and no API
/// call is made.
pub async fn a_token_endpoint_refusing_connections_is_a_transport_error<S: Subject>() {
    auth_endpoint::<S>();
    let read = S::read();
    let api = MockServer::start().await;
    mount(&api, &read, json(200, read.answer)).await;
    let client = S::build(&api.uri(), &refusing_uri(), &Settings::default());
    let err = read.send(&client).await.unwrap_err();
    assert!(matches!(core::<S>(&err), Error::Transport(_)), "{err:?}");
    assert_eq!(sent(&api, &read).await, 0);
}

/// An answer stalled past the timeout: a read is tried three times and
/// times out; a create is sent once and its outcome is unknown.
pub async fn a_stall_past_the_timeout_is_retried_for_reads_and_unknown_for_creates<S: Subject>() {
    let read = S::read();
    let server = server::<S>().await;
    let stall = |body: &str| json(200, body).set_delay(Duration::from_secs(2));
    mount(&server, &read, stall(read.answer)).await;
    let create = S::creates().into_iter().next();
    if let Some(create) = &create {
        mount(&server, create, stall(create.answer)).await;
    }
    let settings = Settings {
        timeout: Duration::from_millis(200),
        ..Settings::default()
    };
    let client = client_on::<S>(&server.uri(), &settings);
    let err = read.send(&client).await.unwrap_err();
    assert!(matches!(core::<S>(&err), Error::Timeout(_)), "{err:?}");
    assert_eq!(sent(&server, &read).await, 3);
    if let Some(create) = &create {
        assert_unknown(create, &fails_once(&server, create, &client).await);
    }
    assert_one_login::<S>(&server).await;
}

/// A 500 carrying the provider's error is not retried, whatever its
/// `Retry-After`; to a create, it leaves the outcome unknown.
pub async fn status_500_is_not_retried<S: Subject>() {
    let read = S::read();
    for retry_after in [None, Some(0), Some(1)] {
        let mut template = json(500, S::ERROR.body);
        if let Some(seconds) = retry_after {
            template = template.insert_header("retry-after", seconds.to_string());
        }
        let (server, create) = serving(&read, template).await;
        let client = client::<S>(&server);
        let err = read.send(&client).await.unwrap_err();
        let api = assert_api::<S>(&err, 500);
        assert_eq!(api.code(), Some(S::ERROR.code));
        assert_eq!(S::code(&err), Some(S::CODE));
        assert_eq!(api.retry_after(), retry_after.map(Duration::from_secs));
        assert!(!core::<S>(&err).is_retryable());
        assert_eq!(sent(&server, &read).await, 1, "{retry_after:?}");
        if let Some(create) = &create {
            assert_unknown(create, &fails_once(&server, create, &client).await);
        }
        assert_one_login::<S>(&server).await;
    }
}

/// A `status` (502, 503, 504 or 429), with or without `Retry-After: 0`,
/// is retried for a read (three attempts); a create is sent once: a 429
/// refused it (not done, retryable), a gateway error leaves its outcome
/// unknown.
pub async fn retried_for_reads_and_never_for_creates<S: Subject>(status: u16) {
    let read = S::read();
    for retry_after in [None, Some("0")] {
        let mut template = ResponseTemplate::new(status);
        if let Some(value) = retry_after {
            template = template.insert_header("retry-after", value);
        }
        let (server, create) = serving(&read, template).await;
        let client = client::<S>(&server);
        let err = read.send(&client).await.unwrap_err();
        let api = assert_api::<S>(&err, status);
        assert_eq!(api.retry_after(), retry_after.map(|_| Duration::ZERO));
        assert!(core::<S>(&err).is_retryable());
        assert_eq!(sent(&server, &read).await, 3, "{retry_after:?}");
        if let Some(create) = &create {
            let err = fails_once(&server, create, &client).await;
            if status == 429 {
                assert_api::<S>(&err, 429);
                assert!(core::<S>(&err).is_retryable(), "refused: not done");
                assert_eq!(core::<S>(&err).outcome_unknown_key(), None);
            } else {
                assert_unknown(create, &err);
            }
        }
        assert_one_login::<S>(&server).await;
    }
}

/// A `status` (502, 503, 504 or 429) with a `Retry-After` within the
/// policy's cap is waited before the next attempt of a read: the read
/// succeeds when the next answer does, and otherwise ends with the wait
/// the provider asked for; a create is not resent.
pub async fn retry_after_is_honoured<S: Subject>(status: u16) {
    let read = S::read();
    let wait = || ResponseTemplate::new(status).insert_header("retry-after", "1");
    // Waited, then answered.
    let server = server::<S>().await;
    Mock::given(method(read.method))
        .and(path(read.path))
        .respond_with(wait())
        .up_to_n_times(1)
        .mount(&server)
        .await;
    mount(&server, &read, json(200, read.answer)).await;
    let started = Instant::now();
    read.send(&client::<S>(&server)).await.unwrap();
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "waited at least Retry-After"
    );
    assert_eq!(sent(&server, &read).await, 2);
    assert_one_login::<S>(&server).await;
    // Waited, then refused again: the last answer's wait is reported.
    let (server, create) = serving(&read, wait()).await;
    let settings = Settings {
        retry: crate::fast_retry(Duration::from_secs(2)).with_max_attempts(2),
        ..Settings::default()
    };
    let client = client_on::<S>(&server.uri(), &settings);
    let started = Instant::now();
    let err = read.send(&client).await.unwrap_err();
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "waited at least Retry-After"
    );
    assert_eq!(
        assert_api::<S>(&err, status).retry_after(),
        Some(Duration::from_secs(1))
    );
    assert_eq!(sent(&server, &read).await, 2);
    if let Some(create) = &create {
        fails_once(&server, create, &client).await;
    }
    assert_one_login::<S>(&server).await;
}

/// A `Retry-After` longer than the policy's cap ends the call at once, and
/// the caller sees how long to wait.
pub async fn retry_after_beyond_the_cap_ends_the_call_with_the_wait<S: Subject>() {
    let read = S::read();
    for status in [502u16, 503, 504, 429] {
        let template = ResponseTemplate::new(status).insert_header("retry-after", "3600");
        let (server, create) = serving(&read, template).await;
        let client = client::<S>(&server);
        let err = read.send(&client).await.unwrap_err();
        assert_eq!(
            assert_api::<S>(&err, status).retry_after(),
            Some(Duration::from_secs(3600))
        );
        assert_eq!(sent(&server, &read).await, 1, "{status}");
        if let Some(create) = &create {
            fails_once(&server, create, &client).await;
        }
        assert_one_login::<S>(&server).await;
    }
}

/// A gateway's HTML page is an API error keeping the page and carrying no
/// code: a 502 is retried for a read and leaves a create's outcome
/// unknown; a 404 is neither retried nor an unknown outcome.
pub async fn an_html_error_page_keeps_the_body<S: Subject>() {
    let read = S::read();
    let page = "<html><body><h1>502 Bad Gateway</h1></body></html>";
    for (status, attempts) in [(502u16, 3), (404, 1)] {
        let template = ResponseTemplate::new(status).set_body_raw(page, "text/html");
        let (server, create) = serving(&read, template).await;
        let client = client::<S>(&server);
        let err = read.send(&client).await.unwrap_err();
        let api = assert_api::<S>(&err, status);
        assert_eq!(api.body_text(), page);
        assert_eq!(api.code(), None);
        assert_eq!(S::code(&err), None);
        assert!(!S::has_api_body(&err));
        assert_eq!(sent(&server, &read).await, attempts, "{status}");
        if let Some(create) = &create {
            let err = fails_once(&server, create, &client).await;
            if status == 502 {
                assert_unknown(create, &err);
            } else {
                assert_api::<S>(&err, status);
                assert_eq!(core::<S>(&err).outcome_unknown_key(), None);
            }
        }
        assert_one_login::<S>(&server).await;
    }
}

/// Truncated JSON in a 200 is a decode error keeping the body, not
/// retried; to a create, which was accepted, an unreadable answer naming
/// its key, not retryable.
pub async fn truncated_json_is_a_decode_error_keeping_the_body<S: Subject>() {
    let read = S::read();
    let server = server::<S>().await;
    let truncated = |body: &'static str| &body[..body.len() / 2];
    mount(&server, &read, json(200, truncated(read.answer))).await;
    let create = S::creates().into_iter().next();
    if let Some(create) = &create {
        mount(&server, create, json(200, truncated(create.answer))).await;
    }
    let client = client::<S>(&server);
    let err = read.send(&client).await.unwrap_err();
    match core::<S>(&err) {
        Error::Decode(d) => {
            assert_eq!(d.status().as_u16(), 200);
            assert_eq!(d.body(), truncated(read.answer).as_bytes());
        }
        other => panic!("expected a decode error, got {other:?}"),
    }
    assert_eq!(sent(&server, &read).await, 1);
    if let Some(create) = &create {
        let err = fails_once(&server, create, &client).await;
        let core = core::<S>(&err);
        assert!(
            matches!(core, Error::AnswerUnreadable(e) if e.key == create.key),
            "{err:?}"
        );
        assert!(!core.is_retryable());
    }
    assert_one_login::<S>(&server).await;
}

/// The content type does not decide decoding: JSON labelled `text/plain`
/// or `text/html` decodes.
pub async fn json_with_a_wrong_content_type_is_decoded<S: Subject>() {
    let read = S::read();
    for content_type in ["text/plain", "text/html"] {
        let server = server::<S>().await;
        let template = ResponseTemplate::new(200).set_body_raw(read.answer, content_type);
        mount(&server, &read, template).await;
        read.send(&client::<S>(&server)).await.unwrap();
        assert_eq!(sent(&server, &read).await, 1);
    }
}

/// A page or plain text in a 200 is a decode error for a read, an
/// unreadable answer for a create, neither retried.
pub async fn a_page_or_plain_text_in_a_200_is_a_decode_error<S: Subject>() {
    let read = S::read();
    for (body, content_type) in [
        ("<html>maintenance</html>", "text/html"),
        ("OK", "text/plain"),
    ] {
        let template = ResponseTemplate::new(200).set_body_raw(body, content_type);
        let (server, create) = serving(&read, template).await;
        let client = client::<S>(&server);
        let err = read.send(&client).await.unwrap_err();
        assert!(
            matches!(core::<S>(&err), Error::Decode(_)),
            "{body}: {err:?}"
        );
        assert_eq!(sent(&server, &read).await, 1);
        if let Some(create) = &create {
            let err = fails_once(&server, create, &client).await;
            assert!(
                matches!(core::<S>(&err), Error::AnswerUnreadable(e) if e.key == create.key),
                "{body}: {err:?}"
            );
        }
        assert_one_login::<S>(&server).await;
    }
}

/// A 2xx whose body is the provider's error is an API error with its code
/// and message, not retried; to a create, a refusal (not an unknown
/// outcome).
pub async fn a_2xx_carrying_the_providers_error_is_an_api_error<S: Subject>() {
    let read = S::read();
    let server = server::<S>().await;
    mount(&server, &read, json(200, S::ERROR.body)).await;
    let create = S::creates().into_iter().next();
    if let Some(create) = &create {
        mount(&server, create, json(201, S::ERROR.body)).await;
    }
    let client = client::<S>(&server);
    let err = read.send(&client).await.unwrap_err();
    // A read's answer is kept (a create's, which may be sensitive, may not).
    assert!(S::has_api_body(&err), "{err:?}");
    let mut errors = vec![(200, err)];
    if let Some(create) = &create {
        errors.push((201, fails_once(&server, create, &client).await));
    }
    for (status, err) in errors {
        let api = assert_api::<S>(&err, status);
        assert_eq!(api.code(), Some(S::ERROR.code), "{err:?}");
        assert_eq!(S::code(&err), Some(S::CODE), "{err:?}");
        assert_eq!(api.message(), Some(S::ERROR.message), "{err:?}");
        assert!(!core::<S>(&err).is_retryable());
        assert_eq!(core::<S>(&err).outcome_unknown_key(), None);
    }
    assert_eq!(sent(&server, &read).await, 1);
    assert_one_login::<S>(&server).await;
}

/// A connection reset in the middle of an answer's body: a read is tried
/// three times and is a transport error; a create is sent once and its
/// outcome is unknown.
pub async fn a_reset_mid_body_is_retried_for_reads_and_unknown_for_creates<S: Subject>() {
    let read = S::read();
    let server = raw_server::<S>(
        |_| auth_reply::<S>(),
        |_, _| Reply::Cut {
            status: 200,
            promised: 1000,
            body: b"{\"status\":2000,\"pad".to_vec(),
        },
    )
    .await;
    let client = client_on::<S>(&server.uri(), &Settings::default());
    let err = read.send(&client).await.unwrap_err();
    assert!(matches!(core::<S>(&err), Error::Transport(_)), "{err:?}");
    assert_eq!(sent_raw(&server, &read), 3);
    if let Some(create) = S::creates().into_iter().next() {
        assert_unknown(&create, &create.send(&client).await.unwrap_err());
        assert_eq!(sent_raw(&server, &create), 1);
    }
    assert_one_raw_login::<S>(&server);
}

/// How many requests a [`raw_server`] received for `call`.
fn sent_raw<S: Subject>(server: &RawServer, call: &Call<S>) -> usize {
    raw_api_requests::<S>(server)
        .iter()
        .filter(|r| r.path() == call.path)
        .count()
}
