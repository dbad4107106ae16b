//! Hostile and broken servers through the public trade-in promotion client:
//! each case ends in a typed error (or a clamped value), with the requests
//! made asserted, and never a panic, a followed redirect or an unbounded
//! read. (This API has no path parameters, no dates and no pagination.)

use std::time::Duration;

use partner_sdk_test_kit::{RawServer, Reply, count_at as count};
use partner_sdk_tradein_promo::{
    Client, ConditionName, Error, FlowType, PromotionRequest, RetryPolicy,
};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const CLIENT_ID: &str = "hostile-promo-client";
const CLIENT_SECRET: &str = "hostile-promo-Secret-4417";
const TOKEN: &str = "hostile-promo-token";
const TOKEN_PATH: &str = "/tenant/oauth2/v2.0/token";
const API_PATH: &str = "/omni-svcs/v1/promotions/potential-promotions";

fn request() -> PromotionRequest {
    PromotionRequest::by_imei("12345789")
        .device_bill_code("689C")
        .flow_type(FlowType::Upgrade)
        .answer(ConditionName::AttGeneric, true)
        .answer(ConditionName::LcdFunctionality, true)
        .answer(ConditionName::PowerOn, true)
        .answer(ConditionName::Deactivated, true)
}

fn builder(api: &str, auth: &str) -> partner_sdk_tradein_promo::ClientBuilder {
    Client::builder()
        .base_url(format!("{api}/omni-svcs"))
        .token_url(format!("{auth}{TOKEN_PATH}"))
        .credentials(CLIENT_ID, CLIENT_SECRET)
        .scope("api://promo/.default")
        .retry_policy(
            RetryPolicy::default()
                .with_base_delay(Duration::from_millis(1))
                .with_max_delay(Duration::from_millis(50)),
        )
        .timeout(Duration::from_secs(5))
}

async fn mount_token(server: &MockServer, expires_in: serde_json::Value) {
    Mock::given(method("POST"))
        .and(path(TOKEN_PATH))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"access_token": TOKEN, "expires_in": expires_in})),
        )
        .mount(server)
        .await;
}

async fn mount_promotion(server: &MockServer) {
    Mock::given(method("POST"))
        .and(path(API_PATH))
        .respond_with(ResponseTemplate::new(204))
        .mount(server)
        .await;
}

// 1. Absurd numbers ---------------------------------------------------------

#[tokio::test]
async fn absurd_expires_in_and_token_lifetime_are_clamped() {
    for expires_in in [
        json!(i64::MAX),
        json!(u64::MAX),
        json!("99999999999999999999"),
        json!(-30),
        json!(1e300),
    ] {
        let server = MockServer::start().await;
        mount_token(&server, expires_in.clone()).await;
        mount_promotion(&server).await;
        let c = builder(&server.uri(), &server.uri())
            .default_token_lifetime(Duration::MAX)
            .build()
            .unwrap();
        for _ in 0..3 {
            c.get_promotion(&request()).await.unwrap();
        }
        assert_eq!(
            (
                count(&server, TOKEN_PATH).await,
                count(&server, API_PATH).await
            ),
            (1, 3),
            "{expires_in}"
        );
    }
}

#[tokio::test]
async fn a_non_numeric_expires_in_is_an_auth_error() {
    let server = MockServer::start().await;
    mount_token(&server, json!("later")).await;
    let err = builder(&server.uri(), &server.uri())
        .build()
        .unwrap()
        .get_promotion(&request())
        .await
        .unwrap_err();
    assert!(
        matches!(err.as_core().unwrap(), partner_sdk_core::Error::Auth(_)),
        "{err:?}"
    );
    assert!(!format!("{err:?}").contains(TOKEN));
    assert_eq!(
        (
            count(&server, TOKEN_PATH).await,
            count(&server, API_PATH).await
        ),
        (1, 0)
    );
}

#[tokio::test]
async fn absurd_retry_after_is_clamped_and_ends_the_call() {
    let server = MockServer::start().await;
    mount_token(&server, json!(1799)).await;
    Mock::given(path(API_PATH))
        .respond_with(
            ResponseTemplate::new(429).insert_header("retry-after", "99999999999999999999"),
        )
        .mount(&server)
        .await;
    let err = builder(&server.uri(), &server.uri())
        .build()
        .unwrap()
        .get_promotion(&request())
        .await
        .unwrap_err();
    assert_eq!(
        err.api().and_then(|a| a.retry_after()),
        Some(partner_sdk_core::defaults::MAX_RETRY_AFTER)
    );
    assert_eq!(count(&server, API_PATH).await, 1);
}

// 4. Redirects -----------------------------------------------------------------

#[tokio::test]
async fn a_redirecting_token_endpoint_never_sends_the_client_secret_elsewhere() {
    let elsewhere = MockServer::start().await;
    let server = MockServer::start().await;
    Mock::given(path(TOKEN_PATH))
        .respond_with(ResponseTemplate::new(307).insert_header(
            "location",
            format!("{}/token?client_id={CLIENT_ID}", elsewhere.uri()),
        ))
        .mount(&server)
        .await;
    let err = builder(&server.uri(), &server.uri())
        .build()
        .unwrap()
        .get_promotion(&request())
        .await
        .unwrap_err();
    assert!(
        matches!(err.as_core().unwrap(), partner_sdk_core::Error::Redirect(e) if e.operation == "oauth2_token"
            && e.location == Some(format!("{}/token", elsewhere.uri()))),
        "{err:?}"
    );
    assert_eq!(
        (
            count(&server, TOKEN_PATH).await,
            count(&server, API_PATH).await
        ),
        (1, 0)
    );
    assert!(
        elsewhere.received_requests().await.unwrap().is_empty(),
        "no client_secret form elsewhere"
    );
}

#[tokio::test]
async fn a_redirecting_api_never_sends_the_bearer_token_elsewhere() {
    let elsewhere = MockServer::start().await;
    let server = MockServer::start().await;
    mount_token(&server, json!(1799)).await;
    Mock::given(path(API_PATH))
        .respond_with(
            ResponseTemplate::new(308)
                .insert_header("location", format!("{}/promo", elsewhere.uri())),
        )
        .mount(&server)
        .await;
    let err = builder(&server.uri(), &server.uri())
        .build()
        .unwrap()
        .get_promotion(&request())
        .await
        .unwrap_err();
    assert!(
        matches!(err.as_core().unwrap(), partner_sdk_core::Error::Redirect(_)),
        "{err:?}"
    );
    assert_eq!(
        (
            count(&server, TOKEN_PATH).await,
            count(&server, API_PATH).await
        ),
        (1, 1)
    );
    assert!(elsewhere.received_requests().await.unwrap().is_empty());
}

// 5. Bounded memory --------------------------------------------------------------

#[tokio::test]
async fn a_1_gib_answer_is_cut_at_the_configured_cap() {
    let auth = MockServer::start().await;
    mount_token(&auth, json!(1799)).await;
    for content_length in [Some(1u64 << 30), None] {
        let api = RawServer::start(move |_, _| Reply::Stream {
            status: 200,
            content_length,
            total: 1 << 30,
        })
        .await;
        let err = builder(&api.uri(), &auth.uri())
            .max_response_body(128 * 1024)
            .build()
            .unwrap()
            .get_promotion(&request())
            .await
            .unwrap_err();
        assert!(
            matches!(
                err.as_core().unwrap(),
                partner_sdk_core::Error::ResponseTooLarge(e) if e.limit == 131_072
            ),
            "{err:?}"
        );
        assert_eq!(api.requests().len(), 1, "not retried");
    }
}

#[tokio::test]
async fn a_1_gib_token_answer_is_refused() {
    let auth = RawServer::start(|_, _| Reply::Stream {
        status: 200,
        content_length: None,
        total: 1 << 30,
    })
    .await;
    let api = MockServer::start().await;
    let err = builder(&api.uri(), &auth.uri())
        .build()
        .unwrap()
        .get_promotion(&request())
        .await
        .unwrap_err();
    assert!(
        matches!(
            err.as_core().unwrap(),
            partner_sdk_core::Error::ResponseTooLarge(e) if e.operation == "oauth2_token"
        ),
        "{err:?}"
    );
    assert_eq!(auth.requests().len(), 1);
    assert!(api.received_requests().await.unwrap().is_empty());
}

// 8. Token cache under failure ---------------------------------------------------

#[tokio::test(start_paused = true)]
async fn a_hanging_token_endpoint_is_one_request_for_fifty_callers() {
    let auth = RawServer::start(|_, _| Reply::Hang).await;
    let api = RawServer::start(|_, _| Reply::json(204, "")).await;
    let c = builder(&api.uri(), &auth.uri())
        .token_timeout(Duration::from_secs(3))
        .build()
        .unwrap();
    let calls: Vec<_> = (0..50)
        .map(|_| {
            let c = c.clone();
            tokio::spawn(async move { c.get_promotion(&request()).await })
        })
        .collect();
    for call in calls {
        let err = call.await.unwrap().unwrap_err();
        assert!(
            matches!(err.as_core().unwrap(), partner_sdk_core::Error::Timeout(_)),
            "{err:?}"
        );
    }
    assert_eq!((auth.requests().len(), api.requests().len()), (1, 0));
}

#[tokio::test(start_paused = true)]
async fn a_failed_early_refresh_keeps_using_the_valid_token() {
    let auth = RawServer::start(|_, i| match i {
        0 => Reply::json(
            200,
            format!(r#"{{"access_token":"{TOKEN}","expires_in":1799}}"#),
        ),
        _ => Reply::json(500, r#"{"error":"temporarily_unavailable"}"#),
    })
    .await;
    let api = RawServer::start(|_, _| Reply::json(204, "")).await;
    let c = builder(&api.uri(), &auth.uri()).build().unwrap();
    c.get_promotion(&request()).await.unwrap();
    // The 30-minute token is refreshed 3 minutes early; that refresh fails.
    tokio::time::advance(Duration::from_secs(1650)).await;
    c.get_promotion(&request()).await.unwrap();
    let bearer = format!("Bearer {TOKEN}");
    assert!(
        api.requests()
            .iter()
            .all(|r| r.header("authorization") == Some(bearer.as_str()))
    );
    assert_eq!((auth.requests().len(), api.requests().len()), (2, 2));
}

// 9. Nothing personal in errors -----------------------------------------------

#[tokio::test]
async fn transport_errors_keep_the_path_template() {
    let auth = MockServer::start().await;
    mount_token(&auth, json!(1799)).await;
    let err = builder("http://127.0.0.1:9", &auth.uri())
        .build()
        .unwrap()
        .get_promotion(&request())
        .await
        .unwrap_err();
    let Error::Http(partner_sdk_core::Error::Transport(e)) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(e.path, "/v1/promotions/potential-promotions");
    // The socket address may appear (the connect error names it); the URL
    // with its path never does.
    let text = format!("{err} {err:?}");
    assert!(!text.contains("/omni-svcs"), "no URL kept: {text}");
}
