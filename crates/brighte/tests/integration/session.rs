//! The session's re-login under Brighte's 401/4010, which means both "the
//! session expired" and "no such application": a session refused right
//! after its login is logged in again once per refusal grace (30 s), so a
//! genuine early expiry costs one login and a flood of refusals at most one
//! extra login per grace.

use std::time::Duration;

use partner_sdk_brighte::ErrorCode;
use serde_json::json;
use wiremock::matchers::{method, path, path_regex};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::{client_for, mount_session};

/// `GET account` refused once with 401/4010, as Brighte refuses an expired
/// session, then answered.
async fn account_refused_once(server: &MockServer) {
    Mock::given(method("GET"))
        .and(path("/rest/vendor/v1/account"))
        .respond_with(
            ResponseTemplate::new(401)
                .set_body_json(json!({"status": 4010, "message": "Unauthorized."})),
        )
        .up_to_n_times(1)
        .expect(1)
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path("/rest/vendor/v1/account"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"status": 2000, "accounts": [{"id": 3}]})),
        )
        .mount(server)
        .await;
}

/// The clock moved on by `by` (tokio's, which the session's age is read
/// from), then running again.
async fn later(by: Duration) {
    tokio::time::pause();
    tokio::time::advance(by).await;
    tokio::time::resume();
}

#[tokio::test]
async fn a_session_expired_right_after_its_login_costs_one_new_login() {
    let server = MockServer::start().await;
    mount_session(&server, 2).await;
    account_refused_once(&server).await;
    let client = client_for(&server);
    let accounts = client.list_accounts().await.unwrap();
    assert_eq!(accounts.len(), 1);
    assert_eq!(partner_sdk_test_kit::count_method(&server, "GET").await, 2);
    server.verify().await;
}

#[tokio::test]
async fn a_flood_of_refusals_costs_at_most_one_extra_login_per_grace() {
    let server = MockServer::start().await;
    mount_session(&server, 3).await;
    Mock::given(method("GET"))
        .and(path_regex("^/rest/vendor/v1/applications/"))
        .respond_with(
            ResponseTemplate::new(401)
                .set_body_json(json!({"status": "4010", "message": "Invalid application ID."})),
        )
        .mount(&server)
        .await;
    let client = client_for(&server);
    let refused = |id: String| {
        let client = client.clone();
        async move {
            let err = client.get_application(&id).await.unwrap_err();
            assert_eq!(err.code(), Some(ErrorCode::Unauthorized), "{err:?}");
        }
    };
    // The first refusal may be an early expiry: one new login, one resend.
    // Twenty more within the grace: no login, no resend.
    refused("1".into()).await;
    assert_eq!(partner_sdk_test_kit::count_method(&server, "GET").await, 2);
    for i in 0..20 {
        refused(format!("9{i}")).await;
    }
    assert_eq!(partner_sdk_test_kit::count_method(&server, "GET").await, 22);
    assert_eq!(partner_sdk_test_kit::count_method(&server, "POST").await, 2);
    // A grace later the session is old enough to be dropped: one login.
    later(Duration::from_secs(31)).await;
    refused("2".into()).await;
    for i in 0..5 {
        refused(format!("8{i}")).await;
    }
    assert_eq!(partner_sdk_test_kit::count_method(&server, "POST").await, 3);
    server.verify().await;
}
