//! `rpcStatus` error bodies map to their gRPC codes.

use crate::support as common;

use bbti::{ErrorCode, ManufacturerQuery};
use common::{Servers, fixture};
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

async fn error_for(status: u16, body: &str) -> bbti::Error {
    let s = Servers::start(None).await;
    Mock::given(method("GET"))
        .and(path("/v1/transactions/t-1"))
        .respond_with(
            ResponseTemplate::new(status).set_body_raw(body.to_owned(), "application/json"),
        )
        .mount(&s.api)
        .await;
    s.builder()
        .retry_policy(partner_sdk::core::RetryPolicy::none())
        .build()
        .unwrap()
        .get_transaction("t-1")
        .await
        .unwrap_err()
}

#[tokio::test]
async fn documented_errors_map_to_their_codes() {
    let cases = [
        (
            400,
            fixture("error_invalid_argument.json"),
            ErrorCode::InvalidArgument,
        ),
        (404, fixture("error_not_found.json"), ErrorCode::NotFound),
        (
            403,
            r#"{"code":7,"message":"denied"}"#.to_owned(),
            ErrorCode::PermissionDenied,
        ),
        (
            500,
            r#"{"code":13,"message":"boom","details":[]}"#.to_owned(),
            ErrorCode::Internal,
        ),
        (
            400,
            r#"{"code":"9","message":"kyc first"}"#.to_owned(),
            ErrorCode::FailedPrecondition,
        ),
        (
            429,
            r#"{"code":8,"message":"slow down"}"#.to_owned(),
            ErrorCode::ResourceExhausted,
        ),
        (
            500,
            r#"{"code":42,"message":"new"}"#.to_owned(),
            ErrorCode::Other(42),
        ),
    ];
    for (status, body, code) in cases {
        let e = error_for(status, &body).await;
        assert_eq!(e.code(), Some(code), "{body}");
        assert_eq!(e.status().map(|s| s.as_u16()), Some(status));
        let api = e.api().unwrap();
        assert!(api.message().is_some());
        assert_eq!(e.api_body().unwrap().error_code(), code);
    }
}

#[tokio::test]
async fn unauthenticated_after_reauth_is_an_auth_error() {
    let s = Servers::start(Some(2)).await;
    Mock::given(method("GET"))
        .and(path("/v1/manufacturers"))
        .respond_with(
            ResponseTemplate::new(401)
                .set_body_raw(fixture("error_unauthenticated.json"), "application/json"),
        )
        .expect(2)
        .mount(&s.api)
        .await;
    let e = s
        .client()
        .list_manufacturers(&ManufacturerQuery::new())
        .await
        .unwrap_err();
    assert!(
        matches!(e, bbti::Error::Http(partner_sdk::core::Error::Auth(_))),
        "{e:?}"
    );
}

#[tokio::test]
async fn display_is_one_line_with_the_message() {
    let e = error_for(400, &fixture("error_invalid_argument.json")).await;
    let text = e.to_string();
    assert!(text.contains("invalid modelKey"), "{text}");
    assert!(!text.contains('\n'));
}
