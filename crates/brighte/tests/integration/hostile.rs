//! Hostile and broken servers through the public Brighte client: each case
//! ends in a typed error, with the requests made asserted, and never a
//! panic, a followed redirect (no login body, no session header elsewhere),
//! an unbounded read or an endless stream.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use futures::StreamExt as _;
use partner_sdk_brighte::{
    ApplicationDocumentType, Client, ContentType, DocumentUpload, Error, FinanceRequest, ListQuery,
    RetryPolicy, UserUpdate,
};
use partner_sdk_core::PaginationStop;
use partner_sdk_test_kit::{RawServer, Reply, count};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const API_ID: &str = "hostile-api-id";
const API_SECRET: &str = "hostile-api-Secret-8812";
const SESSION_KEY: &str = "hostile-session-key-a1";
const SESSION_TOKEN: &str = "hostile-session-token-b2";
const SESSION: &str = "/rest/vendor/v1/session";

fn builder(base: &str) -> partner_sdk_brighte::ClientBuilder {
    Client::builder()
        .base_url(base)
        .vendor_path_prefix("/rest/vendor/v1")
        .credentials(API_ID, API_SECRET)
        .retry_policy(
            RetryPolicy::default()
                .with_base_delay(Duration::from_millis(1))
                .with_max_delay(Duration::from_millis(50)),
        )
        .timeout(Duration::from_secs(5))
}

fn session_json() -> String {
    json!({"status": 2000, "sessionKey": SESSION_KEY, "sessionToken": SESSION_TOKEN}).to_string()
}

async fn mount_login(server: &MockServer) {
    Mock::given(method("POST"))
        .and(path(SESSION))
        .respond_with(ResponseTemplate::new(200).set_body_raw(session_json(), "application/json"))
        .mount(server)
        .await;
}

fn core(e: &Error) -> &partner_sdk_core::Error {
    e.as_core()
        .unwrap_or_else(|| panic!("not an HTTP error: {e:?}"))
}

// 1. Absurd numbers ---------------------------------------------------------

#[tokio::test]
async fn absurd_retry_after_and_absurd_amounts_are_typed() {
    let server = MockServer::start().await;
    mount_login(&server).await;
    Mock::given(path("/rest/vendor/v1/account"))
        .respond_with(
            ResponseTemplate::new(503).insert_header("retry-after", "99999999999999999999"),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path("/rest/vendor/v1/applications/app-1"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            r#"{"status":2000,"application":{"id":"app-1","financed_amount":1e400}}"#,
            "application/json",
        ))
        .expect(1)
        .mount(&server)
        .await;
    let c = builder(&server.uri()).build().unwrap();
    let err = c.list_accounts().await.unwrap_err();
    assert_eq!(
        err.api().and_then(|a| a.retry_after()),
        Some(partner_sdk_core::defaults::MAX_RETRY_AFTER)
    );
    let err = c.get_application("app-1").await.unwrap_err();
    assert!(
        matches!(core(&err), partner_sdk_core::Error::Decode(_)),
        "{err:?}"
    );
    server.verify().await;
}

// 2. Dates at the calendar edge ------------------------------------------------

#[tokio::test]
async fn calendar_edge_dates_in_a_list_query_are_sent_as_written() {
    let server = MockServer::start().await;
    mount_login(&server).await;
    Mock::given(path("/rest/vendor/v1/applications"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            r#"{"status":2000,"applications":[],"hasMoreRecords":false}"#,
            "application/json",
        ))
        .mount(&server)
        .await;
    let c = builder(&server.uri()).build().unwrap();
    let query = ListQuery::new()
        .start_date(time::Date::MIN)
        .end_date(time::Date::MAX);
    let items: Vec<_> = c.applications(&query).collect().await;
    assert!(items.is_empty());
    let sent = server.received_requests().await.unwrap();
    let list = sent
        .iter()
        .find(|r| r.url.path().ends_with("/applications"))
        .unwrap();
    let q: Vec<(String, String)> = list.url.query_pairs().into_owned().collect();
    assert!(
        q.contains(&("startDate".into(), "-9999-01-01".into())),
        "{q:?}"
    );
    assert!(
        q.contains(&("endDate".into(), "9999-12-31".into())),
        "{q:?}"
    );
}

// 3. Control characters in every id parameter ---------------------------------

#[tokio::test]
async fn control_characters_in_every_id_are_refused_before_anything_is_sent() {
    let server = MockServer::start().await;
    let c = builder(&server.uri()).build().unwrap();
    let upload = DocumentUpload::new(
        ApplicationDocumentType::Invoice,
        "invoice.pdf",
        b"%PDF".to_vec(),
    );
    let update = UserUpdate::new().first_name("Ann");
    for bad in [
        "..\t", ".\t.", "\t..", "..\r\n", "a\nb", "x\u{7f}", "\u{0}", "q\u{1b}",
    ] {
        let results: Vec<(&str, Result<(), Error>)> = vec![
            ("application_id", c.get_application(bad).await.map(drop)),
            (
                "application_id",
                c.update_application_reference(bad, "REF-1").await.map(drop),
            ),
            (
                "application_id",
                c.list_application_documents(bad).await.map(drop),
            ),
            (
                "application_id",
                c.upload_application_document(bad, &upload).await.map(drop),
            ),
            (
                "application_id",
                c.request_application_payment(bad).await.map(drop),
            ),
            ("id", c.get_quote(bad).await.map(drop)),
            ("id", c.resend_quote(bad).await.map(drop)),
            ("id", c.delete_quote(bad).await.map(drop)),
            ("user_id", c.get_user(bad).await.map(drop)),
            ("userId", c.update_user(bad, &update).await.map(drop)),
            ("userId", c.delete_user(bad).await),
            (
                "userId",
                c.generate_user_api_credentials(bad, "E435").await.map(drop),
            ),
            (
                "contentType",
                c.get_content(&ContentType::Other(bad.to_owned()))
                    .await
                    .map(drop),
            ),
        ];
        for (field, result) in results {
            let err = result.unwrap_err();
            assert!(
                matches!(core(&err), partner_sdk_core::Error::InvalidInput(e) if e.field == field),
                "{bad:?} {field}: {err:?}"
            );
        }
    }
    assert_eq!(count(&server).await, 0, "not even a login");
}

// 4. Redirects -----------------------------------------------------------------

#[tokio::test]
async fn a_redirecting_login_never_sends_the_api_secret_elsewhere() {
    let elsewhere = MockServer::start().await;
    let server = MockServer::start().await;
    for status in [301u16, 302, 307, 308] {
        Mock::given(method("POST"))
            .and(path(SESSION))
            .respond_with(ResponseTemplate::new(status).insert_header(
                "location",
                format!("{}/session?apiId={API_ID}", elsewhere.uri()),
            ))
            .up_to_n_times(1)
            .mount(&server)
            .await;
        let c = builder(&server.uri()).build().unwrap();
        let err = c.list_accounts().await.unwrap_err();
        assert!(
            matches!(core(&err), partner_sdk_core::Error::Redirect(e)
                if e.location == Some(format!("{}/session", elsewhere.uri()))),
            "{status}: {err:?}"
        );
        assert!(!err.to_string().contains(API_ID), "{err}");
    }
    assert_eq!(count(&server).await, 4, "one login attempt each");
    assert_eq!(
        count(&elsewhere).await,
        0,
        "no login body, no apiSecret elsewhere"
    );
}

#[tokio::test]
async fn a_redirecting_vendor_api_never_sends_the_session_elsewhere() {
    let elsewhere = MockServer::start().await;
    let server = MockServer::start().await;
    mount_login(&server).await;
    Mock::given(path("/rest/vendor/v1/account"))
        .respond_with(
            ResponseTemplate::new(307)
                .insert_header("location", format!("{}/account", elsewhere.uri())),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path("/rest/pub/v1/calculators/finance"))
        .respond_with(
            ResponseTemplate::new(308)
                .insert_header("location", format!("{}/calc", elsewhere.uri())),
        )
        .expect(1)
        .mount(&server)
        .await;
    let c = builder(&server.uri()).build().unwrap();
    let vendor = c.list_accounts().await.unwrap_err();
    let public = c
        .calculate_finance(&FinanceRequest::new(10_000.into(), 24))
        .await
        .unwrap_err();
    for e in [&vendor, &public] {
        assert!(
            matches!(core(e), partner_sdk_core::Error::Redirect(_)),
            "{e:?}"
        );
    }
    assert_eq!(count(&server).await, 3, "login, account, calculator");
    assert_eq!(
        count(&elsewhere).await,
        0,
        "no X-Session-* header elsewhere"
    );
    server.verify().await;
}

// 5. Bounded memory --------------------------------------------------------------

#[tokio::test]
async fn a_1_gib_answer_is_cut_at_the_configured_cap() {
    for content_length in [Some(1u64 << 30), None] {
        let server = RawServer::start(move |r, _| {
            if r.path() == SESSION {
                Reply::json(200, session_json())
            } else {
                Reply::Stream {
                    status: 200,
                    content_length,
                    total: 1 << 30,
                }
            }
        })
        .await;
        let c = builder(&server.uri())
            .max_response_body(256 * 1024)
            .build()
            .unwrap();
        let err = c
            .list_applications(&ListQuery::new().page(1))
            .await
            .unwrap_err();
        assert!(
            matches!(
                core(&err),
                partner_sdk_core::Error::ResponseTooLarge(e) if e.limit == 262_144
            ),
            "{err:?}"
        );
        assert_eq!(server.requests().len(), 2, "login and one list request");
    }
}

#[tokio::test]
async fn a_1_gib_login_answer_is_refused() {
    let server = RawServer::start(|_, _| Reply::Stream {
        status: 200,
        content_length: None,
        total: 1 << 30,
    })
    .await;
    let c = builder(&server.uri())
        .max_response_body(64 * 1024)
        .build()
        .unwrap();
    let err = c.login().await.unwrap_err();
    assert!(
        matches!(core(&err), partner_sdk_core::Error::ResponseTooLarge(_)),
        "{err:?}"
    );
    assert_eq!(server.requests().len(), 1);
}

// 6. Streams end -------------------------------------------------------------------

#[tokio::test]
async fn the_same_page_with_has_more_records_ends_the_stream() {
    let server = MockServer::start().await;
    mount_login(&server).await;
    Mock::given(path("/rest/vendor/v1/applications"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            r#"{"status":2000,"applications":[{"id":"a1"},{"id":"a2"}],"hasMoreRecords":true}"#,
            "application/json",
        ))
        .mount(&server)
        .await;
    let c = builder(&server.uri()).build().unwrap();
    let results: Vec<_> = c.applications(&ListQuery::new()).collect().await;
    assert_eq!(results.len(), 3, "two applications once, then the error");
    assert!(
        matches!(
            core(results[2].as_ref().unwrap_err()),
            partner_sdk_core::Error::Pagination(e)
                if (e.pages, e.reason) == (2, PaginationStop::RepeatedPage)
        ),
        "{:?}",
        results[2]
    );
    assert_eq!(count(&server).await, 3, "login and two pages");
}

#[tokio::test]
async fn the_page_cap_ends_a_listing_that_never_ends() {
    let pages = Arc::new(AtomicU64::new(0));
    let p = Arc::clone(&pages);
    let server = RawServer::start(move |r, _| {
        if r.path() == SESSION {
            return Reply::json(200, session_json());
        }
        let n = p.fetch_add(1, Ordering::SeqCst);
        Reply::json(
            200,
            format!(r#"{{"status":2000,"quotes":[{{"id":"q{n}"}}],"hasMoreRecords":true}}"#),
        )
    })
    .await;
    let c = builder(&server.uri()).max_pages(4).build().unwrap();
    let results: Vec<_> = c.quotes(&ListQuery::new().account("E435")).collect().await;
    assert_eq!(results.len(), 5);
    assert!(
        matches!(
            core(results[4].as_ref().unwrap_err()),
            partner_sdk_core::Error::Pagination(e) if e.reason == PaginationStop::MaxPages(4)
        ),
        "{:?}",
        results[4]
    );
    assert_eq!(pages.load(Ordering::SeqCst), 4);
}

// 8. Session cache under failure -------------------------------------------------

#[tokio::test(start_paused = true)]
async fn a_hanging_login_is_one_attempt_for_fifty_callers() {
    let server = RawServer::start(|r, _| {
        if r.path() == SESSION {
            Reply::Hang
        } else {
            Reply::json(200, r#"{"status":2000,"accounts":[]}"#)
        }
    })
    .await;
    let c = builder(&server.uri()).build().unwrap();
    let calls: Vec<_> = (0..50)
        .map(|_| {
            let c = c.clone();
            tokio::spawn(async move { c.list_accounts().await })
        })
        .collect();
    // The login POST is bounded by the login timeout; every caller gets the
    // failure of the one shared attempt.
    for call in calls {
        let err = call.await.unwrap().unwrap_err();
        assert!(
            matches!(core(&err), partner_sdk_core::Error::Timeout(_))
                || matches!(
                    core(&err),
                    partner_sdk_core::Error::OutcomeUnknown(e) if e.operation == "create_session"
                ),
            "{err:?}"
        );
    }
    let sent = server.requests();
    assert_eq!(sent.len(), 1, "one login for fifty callers, no API call");
    assert_eq!(sent[0].path(), SESSION);
}

#[tokio::test(start_paused = true)]
async fn a_failed_early_login_refresh_keeps_the_valid_session() {
    let logins = Arc::new(AtomicU64::new(0));
    let l = Arc::clone(&logins);
    let server = RawServer::start(move |r, _| {
        if r.path() == SESSION {
            return match l.fetch_add(1, Ordering::SeqCst) {
                0 => Reply::json(200, session_json()),
                _ => Reply::json(503, r#"{"status":4000}"#),
            };
        }
        Reply::json(200, r#"{"status":2000,"accounts":[]}"#)
    })
    .await;
    let c = builder(&server.uri()).build().unwrap();
    c.list_accounts().await.unwrap();
    // Past the early refresh point of the 1 h default, before expiry.
    tokio::time::advance(Duration::from_secs(3300)).await;
    c.list_accounts().await.unwrap();
    let api: Vec<_> = server
        .requests()
        .into_iter()
        .filter(|r| r.path() != SESSION)
        .collect();
    assert_eq!(api.len(), 2);
    assert!(
        api.iter()
            .all(|r| r.header("x-session-key") == Some(SESSION_KEY))
    );
    assert_eq!(logins.load(Ordering::SeqCst), 2, "one failed refresh");
}

// 9. Nothing personal in errors -----------------------------------------------

#[tokio::test]
async fn transport_errors_keep_the_path_template_not_the_id() {
    let server = RawServer::start(|r, _| {
        if r.path() == SESSION {
            Reply::json(200, session_json())
        } else {
            Reply::Close
        }
    })
    .await;
    let c = builder(&server.uri()).build().unwrap();
    let err = c.get_user("USER-PERSONAL-0042").await.unwrap_err();
    assert!(
        matches!(core(&err), partner_sdk_core::Error::Transport(e) if e.path == "/user/{user_id}"),
        "{err:?}"
    );
    assert!(!format!("{err} {err:?}").contains("PERSONAL-0042"));
    assert_eq!(
        server.requests().len(),
        4,
        "login and three attempts of a GET"
    );
}
