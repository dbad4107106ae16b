//! The hostile-server suite: hostile and broken servers through a
//! provider's public client. Each case ends in a typed error (or a clamped
//! value), with the requests made asserted, and never a panic, a followed
//! redirect, an unbounded read or an endless stream.
//! [`hostile_suite!`](crate::hostile_suite) runs it in a provider's test
//! binary.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use partner_sdk_core::{ApiError, Error, PaginationStop};
use serde_json::json;
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::subject::{
    Ids, Pages, Settings, Subject, assert_one_login, assert_one_raw_login, auth_endpoint,
    auth_reply, client, client_on, core, json, mount, mount_auth, raw_api_requests,
    raw_auth_requests, raw_server, sent, server,
};
use crate::{Reply, count};

/// Expands to the hostile-server suite's cases for a [`Subject`], one
/// `#[tokio::test]` each. Groups add the cases of what the subject has:
/// `auth` (a token endpoint or a login), `token` (an OAuth2 token
/// endpoint), `ids` ([`Ids`]), `pages` ([`Pages`]).
///
/// In the provider's module of that name:
/// `partner_sdk_test_kit::hostile_suite!(crate::subject::Bbti, auth, token, ids, pages);`.
#[macro_export]
macro_rules! hostile_suite {
    ($subject:ty $(, $group:ident)* $(,)?) => {
        $crate::__suite_cases!($subject, hostile, [
            absurd_retry_after_is_clamped_and_ends_the_call,
            a_redirecting_api_keeps_the_credentials_home,
            a_1_gib_answer_is_cut_at_the_configured_cap,
            transport_errors_keep_the_path_template,
        ]);
        $( $crate::hostile_suite!(@$group $subject); )*
    };
    (@auth $subject:ty) => {
        $crate::__suite_cases!($subject, hostile, [
            a_redirecting_auth_endpoint_keeps_the_credentials_home,
            a_1_gib_auth_answer_is_refused,
        ]);
        $crate::__suite_cases!(paused $subject, hostile, [
            a_hanging_auth_endpoint_is_one_request_for_fifty_callers,
            a_failed_early_refresh_keeps_the_valid_credentials,
        ]);
    };
    (@token $subject:ty) => {
        $crate::__suite_cases!($subject, hostile, [
            absurd_expires_in_is_clamped_and_one_token_serves_every_call,
            a_non_numeric_expires_in_is_an_auth_error,
        ]);
    };
    (@ids $subject:ty) => {
        $crate::__suite_cases!($subject, hostile, [
            control_characters_in_ids_are_refused_before_anything_is_sent,
        ]);
    };
    (@pages $subject:ty) => {
        $crate::__suite_cases!($subject, hostile, [
            the_page_cap_ends_a_listing_that_never_ends,
        ]);
    };
}

/// Ids no URL may carry: dot segments hidden by control characters, line
/// breaks, DEL, NUL and an escape sequence.
pub const CONTROL_IDS: [&str; 13] = [
    "..\t",
    ".\t.",
    "\t..",
    "..\r\n",
    "tx\n1",
    "a\nb",
    "x\u{7f}",
    "tx\u{7f}",
    "\u{0}",
    "tx\u{0}",
    "\u{1b}[2J",
    "q\u{1b}",
    "id\u{1b}",
];

/// `expires_in` values no token lifetime should come from: past the
/// integer types, a number in a string, negative, astronomically large.
pub fn absurd_expires_in() -> [serde_json::Value; 7] {
    [
        json!(i64::MAX),
        json!(u64::MAX),
        json!("99999999999999999999"),
        json!(-1),
        json!(-5),
        json!(-30),
        json!(1e300),
    ]
}

/// A token endpoint answering absurd lifetimes (or none assumed but the
/// longest) still hands out one token that serves every call.
pub async fn absurd_expires_in_is_clamped_and_one_token_serves_every_call<S: Subject>() {
    let (auth, _) = auth_endpoint::<S>();
    let read = S::read();
    for expires_in in absurd_expires_in() {
        let server = MockServer::start().await;
        mount_auth::<S>(
            &server,
            json(200, &S::AUTH.token_answer(expires_in.clone())),
        )
        .await;
        mount(&server, &read, json(200, read.answer)).await;
        let settings = Settings {
            token_lifetime: Some(Duration::MAX),
            ..Settings::default()
        };
        let client = client_on::<S>(&server.uri(), &settings);
        for _ in 0..3 {
            read.send(&client).await.unwrap();
        }
        assert_eq!(
            (
                crate::count_at(&server, auth).await,
                sent(&server, &read).await
            ),
            (1, 3),
            "{expires_in}"
        );
    }
}

/// A token answer whose `expires_in` is not a number is an auth error that
/// does not repeat the token, and no API call follows.
pub async fn a_non_numeric_expires_in_is_an_auth_error<S: Subject>() {
    let (auth, _) = auth_endpoint::<S>();
    let read = S::read();
    let server = MockServer::start().await;
    mount_auth::<S>(&server, json(200, &S::AUTH.token_answer(json!("tomorrow")))).await;
    mount(&server, &read, json(200, read.answer)).await;
    let err = read.send(&client::<S>(&server)).await.unwrap_err();
    assert!(matches!(core::<S>(&err), Error::Auth(_)), "{err:?}");
    if let crate::subject::Auth::Token { token, .. } = S::AUTH {
        assert!(!format!("{err:?}").contains(token));
    }
    assert_eq!(
        (
            crate::count_at(&server, auth).await,
            sent(&server, &read).await
        ),
        (1, 0)
    );
}

/// An absurd `Retry-After` is clamped to the longest wait the SDK reports
/// and ends the call.
pub async fn absurd_retry_after_is_clamped_and_ends_the_call<S: Subject>() {
    let read = S::read();
    for status in [429u16, 503] {
        for retry_after in ["99999999999999999999", "18446744073709551616"] {
            let server = server::<S>().await;
            mount(
                &server,
                &read,
                ResponseTemplate::new(status).insert_header("retry-after", retry_after),
            )
            .await;
            let err = read.send(&client::<S>(&server)).await.unwrap_err();
            assert_eq!(
                core::<S>(&err).answer().and_then(ApiError::retry_after),
                Some(partner_sdk_core::defaults::MAX_RETRY_AFTER),
                "{status} {retry_after}"
            );
            assert_eq!(sent(&server, &read).await, 1);
        }
    }
}

/// Every call taking an id refuses one with control characters, naming
/// the field, before anything is sent: not even a login or token request.
pub async fn control_characters_in_ids_are_refused_before_anything_is_sent<S: Ids>() {
    let server = MockServer::start().await;
    let client = client::<S>(&server);
    for bad in CONTROL_IDS {
        for (field, call) in S::id_calls(&client, bad) {
            let err = call.await.unwrap_err();
            assert!(
                matches!(core::<S>(&err), Error::InvalidInput(e) if e.field == field),
                "{bad:?} {field}: {err:?}"
            );
        }
    }
    assert_eq!(count(&server).await, 0, "not even a login");
}

/// A redirecting login or token endpoint is refused without following:
/// the credentials never reach the other host, and no error repeats them.
pub async fn a_redirecting_auth_endpoint_keeps_the_credentials_home<S: Subject>() {
    let (auth, operation) = auth_endpoint::<S>();
    let read = S::read();
    let (id, secret) = S::CREDENTIALS;
    let elsewhere = MockServer::start().await;
    for status in [301u16, 302, 307, 308] {
        let server = MockServer::start().await;
        Mock::given(path(auth))
            .respond_with(ResponseTemplate::new(status).insert_header(
                "location",
                format!("{}/token?client_id={id}", elsewhere.uri()),
            ))
            .mount(&server)
            .await;
        let err = read.send(&client::<S>(&server)).await.unwrap_err();
        assert!(
            matches!(core::<S>(&err), Error::Redirect(e) if e.operation == operation
                && e.status.as_u16() == status
                && e.location == Some(format!("{}/token", elsewhere.uri()))),
            "{status}: {err:?}"
        );
        assert!(!err.to_string().contains(id), "{err}");
        assert!(!format!("{err:?}").contains(secret), "{err:?}");
        assert_eq!(
            (
                crate::count_at(&server, auth).await,
                sent(&server, &read).await
            ),
            (1, 0),
            "{status}"
        );
    }
    assert_eq!(count(&elsewhere).await, 0, "no credentials elsewhere");
}

/// A redirecting API is refused without following, for a read and a
/// create: what the client's auth sets never reaches the other host. The
/// read ends in `Redirect`; the create, sent and perhaps processed, in
/// `OutcomeUnknown` with its key, naming where it was pointed.
pub async fn a_redirecting_api_keeps_the_credentials_home<S: Subject>() {
    let elsewhere = MockServer::start().await;
    let server = server::<S>().await;
    let read = S::read();
    let create = S::creates().into_iter().next();
    let redirect = |status: u16| {
        ResponseTemplate::new(status).insert_header(
            "location",
            format!("{}/grab?key={}", elsewhere.uri(), S::CREDENTIALS.0),
        )
    };
    mount(&server, &read, redirect(307)).await;
    if let Some(create) = &create {
        mount(&server, create, redirect(308)).await;
    }
    let client = client::<S>(&server);
    let mut errors = vec![(307, read.send(&client).await.unwrap_err())];
    if let Some(create) = &create {
        errors.push((308, create.send(&client).await.unwrap_err()));
        assert_eq!(sent(&server, create).await, 1);
    }
    for (status, err) in errors {
        match core::<S>(&err) {
            Error::Redirect(e) => {
                assert_eq!(status, 307, "the read");
                assert_eq!(e.status.as_u16(), status);
                assert_eq!(
                    e.location.as_deref(),
                    Some(format!("{}/grab", elsewhere.uri()).as_str())
                );
            }
            Error::OutcomeUnknown(e) => {
                assert_eq!(status, 308, "the create");
                assert_eq!(e.key, create.as_ref().and_then(|c| c.key.clone()));
                assert!(
                    e.cause
                        .contains(&format!("(308) to {}/grab ", elsewhere.uri())),
                    "{}",
                    e.cause
                );
            }
            other => panic!("{other:?}"),
        }
        assert!(!err.to_string().contains(S::CREDENTIALS.0), "{err}");
    }
    assert_eq!(sent(&server, &read).await, 1);
    assert_one_login::<S>(&server).await;
    assert_eq!(count(&elsewhere).await, 0, "nothing elsewhere");
}

/// A 1 GiB answer, announced or streamed, is cut at the configured cap:
/// a read fails with the limit, an accepted create is unreadable with its
/// key; neither is retried.
pub async fn a_1_gib_answer_is_cut_at_the_configured_cap<S: Subject>() {
    let read = S::read();
    let create = S::creates().into_iter().next();
    for content_length in [Some(1u64 << 30), None] {
        let server = raw_server::<S>(
            |_| auth_reply::<S>(),
            move |_, _| Reply::Stream {
                status: 200,
                content_length,
                total: 1 << 30,
            },
        )
        .await;
        let settings = Settings {
            max_response_body: Some(256 * 1024),
            ..Settings::default()
        };
        let client = client_on::<S>(&server.uri(), &settings);
        let err = read.send(&client).await.unwrap_err();
        assert!(
            matches!(core::<S>(&err), Error::ResponseTooLarge(e) if e.limit == 262_144),
            "{err:?}"
        );
        let mut paths = vec![read.path];
        if let Some(create) = &create {
            let err = create.send(&client).await.unwrap_err();
            assert!(
                matches!(core::<S>(&err), Error::AnswerUnreadable(e) if e.key == create.key),
                "{err:?}"
            );
            paths.push(create.path);
        }
        let sent: Vec<String> = raw_api_requests::<S>(&server)
            .iter()
            .map(|r| r.path().to_owned())
            .collect();
        assert_eq!(sent, paths, "nothing retried");
        assert_one_raw_login::<S>(&server);
    }
}

/// A 1 GiB answer to the login or token request is refused, and no API
/// call follows.
pub async fn a_1_gib_auth_answer_is_refused<S: Subject>() {
    let (_, operation) = auth_endpoint::<S>();
    let read = S::read();
    let answer = read.answer;
    let server = raw_server::<S>(
        |_| Reply::Stream {
            status: 200,
            content_length: None,
            total: 1 << 30,
        },
        move |_, _| Reply::json(200, answer),
    )
    .await;
    let settings = Settings {
        max_response_body: Some(64 * 1024),
        ..Settings::default()
    };
    let err = read
        .send(&client_on::<S>(&server.uri(), &settings))
        .await
        .unwrap_err();
    assert!(
        matches!(core::<S>(&err), Error::ResponseTooLarge(e) if e.operation == operation),
        "{err:?}"
    );
    assert_eq!(raw_auth_requests::<S>(&server).len(), 1);
    assert!(raw_api_requests::<S>(&server).is_empty());
}

/// A listing whose every page has a next one ends at the page cap with a
/// pagination error.
pub async fn the_page_cap_ends_a_listing_that_never_ends<S: Pages>() {
    let server = raw_server::<S>(
        |_| auth_reply::<S>(),
        |_, n| Reply::json(200, S::endless_page(n)),
    )
    .await;
    let settings = Settings {
        max_pages: Some(5),
        ..Settings::default()
    };
    let results = S::list_all(&client_on::<S>(&server.uri(), &settings)).await;
    assert_eq!(results.len(), 6, "an item a page, then the error");
    assert!(results[..5].iter().all(Result::is_ok), "{results:?}");
    assert!(
        matches!(
            core::<S>(results[5].as_ref().unwrap_err()),
            Error::Pagination(e) if e.reason == PaginationStop::MaxPages(5)
        ),
        "{:?}",
        results[5]
    );
    assert_eq!(raw_api_requests::<S>(&server).len(), 5);
    assert_one_raw_login::<S>(&server);
}

/// A login or token endpoint that never answers costs one request for
/// fifty concurrent callers, who all get its timeout; no API call is made.
pub async fn a_hanging_auth_endpoint_is_one_request_for_fifty_callers<S: Subject>() {
    auth_endpoint::<S>();
    let read = S::read();
    let answer = read.answer;
    let server = raw_server::<S>(|_| Reply::Hang, move |_, _| Reply::json(200, answer)).await;
    let client = client_on::<S>(&server.uri(), &Settings::default());
    let calls: Vec<_> = (0..50)
        .map(|_| {
            let client = client.clone();
            let read = read.clone();
            tokio::spawn(async move { read.send(&client).await })
        })
        .collect();
    for call in calls {
        let err = call.await.unwrap().unwrap_err();
        assert!(matches!(core::<S>(&err), Error::Timeout(_)), "{err:?}");
    }
    assert_eq!(
        raw_auth_requests::<S>(&server).len(),
        1,
        "one shared attempt"
    );
    assert!(raw_api_requests::<S>(&server).is_empty());
}

/// When the early refresh of a token or session fails, calls go on with
/// the one still valid.
pub async fn a_failed_early_refresh_keeps_the_valid_credentials<S: Subject>() {
    auth_endpoint::<S>();
    let lifetime = S::AUTH.lifetime().unwrap();
    let read = S::read();
    let answer = read.answer;
    let server = raw_server::<S>(
        |n| match n {
            0 => auth_reply::<S>(),
            _ => Reply::json(503, "{}"),
        },
        move |_, _| Reply::json(200, answer),
    )
    .await;
    let client = client_on::<S>(&server.uri(), &Settings::default());
    read.send(&client).await.unwrap();
    // Past the early refresh point (at most the last tenth of the
    // lifetime), before expiry.
    tokio::time::advance(lifetime - lifetime / 20).await;
    read.send(&client).await.unwrap();
    let api = raw_api_requests::<S>(&server);
    assert_eq!(
        (raw_auth_requests::<S>(&server).len(), api.len()),
        (2, 2),
        "one failed refresh"
    );
    for request in &api {
        for (name, value) in S::SENT_HEADERS {
            assert_eq!(request.header(name), Some(*value), "{name}");
        }
    }
}

/// A transport error names the path template, never the URL nor the
/// personal data in it; a read is tried three times.
pub async fn transport_errors_keep_the_path_template<S: Subject>() {
    let read = S::read();
    let server = raw_server::<S>(|_| auth_reply::<S>(), |_, _| Reply::Close).await;
    let err = read
        .send(&client_on::<S>(&server.uri(), &Settings::default()))
        .await
        .unwrap_err();
    assert_transport_error_keeps_the_template(&read, (read.operation, read.template), &err);
    assert_eq!(raw_api_requests::<S>(&server).len(), 3, "three attempts");
    assert_one_raw_login::<S>(&server);
}

/// Asserts `err`, met sending `read`, is a transport error of `expected`
/// (an operation and its path template), and that its text repeats
/// neither `read`'s URL path nor personal data.
pub(crate) fn assert_transport_error_keeps_the_template<S: Subject>(
    read: &crate::subject::Call<S>,
    expected: (&str, &str),
    err: &S::Error,
) {
    assert!(
        matches!(core::<S>(err), Error::Transport(e) if (e.operation, &*e.path) == expected),
        "{err:?}"
    );
    let text = format!("{err} {err:?}");
    assert!(!text.contains(read.path), "no URL kept: {text}");
    if let Some(personal) = read.personal {
        assert!(!text.contains(personal), "{text}");
    }
}
