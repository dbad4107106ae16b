//! The options suite: per-call options and call metadata through a
//! provider's public client. [`options_suite!`](crate::options_suite) runs
//! it in a provider's test binary.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use partner_sdk_core::{CallInfo, CallOptions, Error, Hooks, ResponseInfo, RetryPolicy, capture};

use wiremock::ResponseTemplate;

use crate::received_at;
use crate::subject::{Settings, Subject, client, client_on, core, json, mount, sent, server};

/// Expands to the options suite's cases for a [`Subject`], one
/// `#[tokio::test]` each; with `creates`, also the cases only about
/// creates.
///
/// In the provider's module of that name:
/// `partner_sdk_test_kit::options_suite!(crate::subject::Bbti, creates);`.
#[macro_export]
macro_rules! options_suite {
    ($subject:ty $(, $group:ident)* $(,)?) => {
        $crate::__suite_cases!($subject, options, [
            extra_headers_go_on_the_overridden_call_only,
            retry_override_changes_only_its_call,
            timeout_override_changes_only_its_call,
            the_headers_the_client_sets_cannot_be_replaced,
            request_id_of_a_200_is_readable_through_capture,
            hooks_see_the_response_headers,
        ]);
        $( $crate::options_suite!(@$group $subject); )*
    };
    (@creates $subject:ty) => {
        $crate::__suite_cases!($subject, options, [
            a_create_stays_single_shot_under_a_retrying_override,
        ]);
    };
}

/// Extra headers of a call's options go on that call only, beside the
/// headers the client sets; never on the login or token request.
pub async fn extra_headers_go_on_the_overridden_call_only<S: Subject>() {
    let server = server::<S>().await;
    let read = S::read();
    mount(&server, &read, json(200, read.answer)).await;
    let client = client::<S>(&server);
    let traced = S::with_options(
        &client,
        CallOptions::new()
            .with_header("x-correlation-id", "job-17")
            .unwrap(),
    );
    read.send(&traced).await.unwrap();
    read.send(&client).await.unwrap();
    let got = received_at(&server, read.path).await;
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].headers["x-correlation-id"], "job-17");
    assert!(!got[1].headers.contains_key("x-correlation-id"));
    for request in &got {
        for (name, value) in S::SENT_HEADERS {
            assert_eq!(request.headers[*name], *value, "{name}");
        }
    }
    if let Some(auth) = S::AUTH.path() {
        let login = received_at(&server, auth).await;
        assert_eq!(login.len(), 1, "one login or token request");
        assert!(!login[0].headers.contains_key("x-correlation-id"));
    }
}

/// A retry override changes only the call it was given to.
pub async fn retry_override_changes_only_its_call<S: Subject>() {
    let server = server::<S>().await;
    let read = S::read();
    mount(&server, &read, ResponseTemplate::new(503)).await;
    let client = client::<S>(&server);
    let once = S::with_options(
        &client,
        CallOptions::new().with_retry_policy(RetryPolicy::none()),
    );
    let err = read.send(&once).await.unwrap_err();
    assert_eq!(
        core::<S>(&err).status().map(|s| s.as_u16()),
        Some(503),
        "{err:?}"
    );
    assert_eq!(sent(&server, &read).await, 1);
    read.send(&client).await.unwrap_err();
    assert_eq!(sent(&server, &read).await, 1 + 3);
}

/// A timeout override changes only the call it was given to.
pub async fn timeout_override_changes_only_its_call<S: Subject>() {
    let server = server::<S>().await;
    let read = S::read();
    mount(
        &server,
        &read,
        json(200, read.answer).set_delay(Duration::from_millis(300)),
    )
    .await;
    let client = client::<S>(&server);
    let short = S::with_options(
        &client,
        CallOptions::new()
            .with_timeout(Duration::from_millis(50))
            .with_retry_policy(RetryPolicy::none()),
    );
    let err = read.send(&short).await.unwrap_err();
    assert!(matches!(core::<S>(&err), Error::Timeout(_)), "{err:?}");
    // The client keeps its 5 s timeout.
    read.send(&client).await.unwrap();
    assert_eq!(sent(&server, &read).await, 2);
}

/// A create is sent once, whatever retry policy a call's options give.
pub async fn a_create_stays_single_shot_under_a_retrying_override<S: Subject>() {
    let server = server::<S>().await;
    let create = S::creates().remove(0);
    mount(&server, &create, ResponseTemplate::new(503)).await;
    let eager = S::with_options(
        &client::<S>(&server),
        CallOptions::new().with_retry_policy(
            RetryPolicy::default()
                .with_max_attempts(5)
                .with_base_delay(Duration::from_millis(1)),
        ),
    );
    let err = create.send(&eager).await.unwrap_err();
    let core = core::<S>(&err);
    assert!(matches!(core, Error::OutcomeUnknown(_)), "{err:?}");
    assert_eq!(core.outcome_unknown_key(), create.key.as_ref());
    assert_eq!(sent(&server, &create).await, 1);
}

/// No call option may set `Authorization`, nor replace a header the client
/// sets: refused before anything is sent.
pub async fn the_headers_the_client_sets_cannot_be_replaced<S: Subject>() {
    let err = CallOptions::new()
        .with_header("Authorization", "Bearer other")
        .unwrap_err();
    assert!(matches!(err, Error::InvalidInput(_)), "{err}");
    let server = server::<S>().await;
    let read = S::read();
    mount(&server, &read, json(200, read.answer)).await;
    let client = client::<S>(&server);
    for name in S::PROTECTED_HEADERS {
        match CallOptions::new().with_header(name, "forged") {
            Err(err) => assert!(matches!(err, Error::InvalidInput(_)), "{name}: {err}"),
            Ok(options) => {
                let err = read
                    .send(&S::with_options(&client, options))
                    .await
                    .unwrap_err();
                assert!(
                    matches!(core::<S>(&err), Error::InvalidInput(_)),
                    "{name}: {err:?}"
                );
            }
        }
    }
    assert_eq!(sent(&server, &read).await, 0);
}

/// `capture` reports the call of a 200 (its request id, status, path
/// template and attempts), after the login it opened if that is a call of
/// its own.
pub async fn request_id_of_a_200_is_readable_through_capture<S: Subject>() {
    let server = server::<S>().await;
    let read = S::read();
    mount(
        &server,
        &read,
        json(200, read.answer).insert_header("x-request-id", "req-1"),
    )
    .await;
    let client = client::<S>(&server);
    let (result, calls) = capture(read.send(&client)).await;
    result.unwrap();
    let operations: Vec<_> = calls.iter().map(|c| c.operation).collect();
    let expected: Vec<_> = S::AUTH
        .captured()
        .into_iter()
        .chain([read.operation])
        .collect();
    assert_eq!(operations, expected);
    let call = calls.last().unwrap();
    assert_eq!(call.provider, S::PROVIDER);
    assert_eq!(call.method.as_str(), read.method);
    assert_eq!(call.path, read.template);
    assert_eq!(call.status.as_u16(), 200);
    assert_eq!(call.request_id.as_deref(), Some("req-1"));
    assert_eq!(call.attempts, 1);
}

/// An answer as a hook saw it: the operation, its request id and its
/// `x-ratelimit-remaining`.
type Answer = (String, Option<String>, Option<String>);

/// Records every answer a hook sees.
#[derive(Default)]
struct Seen(Mutex<Vec<Answer>>);

impl Hooks for Seen {
    fn on_response(&self, call: &CallInfo<'_>, response: &ResponseInfo<'_>) {
        let ratelimit = response
            .headers
            .and_then(|h| h.get("x-ratelimit-remaining"))
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        self.0.lock().unwrap().push((
            call.operation.to_owned(),
            response.request_id().map(str::to_owned),
            ratelimit,
        ));
    }
}

/// Hooks see each answer's headers: its request id under each name
/// providers use, and any other header.
pub async fn hooks_see_the_response_headers<S: Subject>() {
    let read = S::read();
    for header in ["x-request-id", "request-id", "x-correlation-id"] {
        let server = server::<S>().await;
        mount(
            &server,
            &read,
            json(200, read.answer)
                .insert_header(header, "req-9")
                .insert_header("x-ratelimit-remaining", "41"),
        )
        .await;
        let seen = Arc::new(Seen::default());
        let settings = Settings {
            hooks: Some(seen.clone()),
            ..Settings::default()
        };
        read.send(&client_on::<S>(&server.uri(), &settings))
            .await
            .unwrap();
        let expected: Vec<_> = S::AUTH
            .captured()
            .map(|login| (login.to_owned(), None, None))
            .into_iter()
            .chain([(
                read.operation.to_owned(),
                Some("req-9".to_owned()),
                Some("41".to_owned()),
            )])
            .collect();
        assert_eq!(*seen.0.lock().unwrap(), expected, "{header}");
    }
}
