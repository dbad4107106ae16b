//! Fault matrix through the public Brighte client: the shared faults suite
//! over both APIs, and what only Brighte has.

use std::time::Duration;

use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::{builder_for, client_for, mount_session};

mod vendor {
    partner_sdk_test_kit::faults_suite!(crate::subject::Vendor);
}

mod public {
    partner_sdk_test_kit::faults_suite!(crate::subject::Public);
}

/// A DELETE whose answer was lost, and whose retry finds nothing, is done:
/// the lost attempt did it. Not found on the first attempt stays an error.
#[tokio::test]
async fn a_delete_whose_answer_was_lost_and_whose_retry_finds_nothing_is_done() {
    const QUOTE: &str = "/rest/vendor/v1/quote/7";
    let not_found = ResponseTemplate::new(404)
        .set_body_json(json!({"status": "4041", "message": "Quote not found."}));
    for lost in [
        ResponseTemplate::new(200)
            .set_body_json(json!({"status": 2000}))
            .set_delay(Duration::from_secs(2)),
        ResponseTemplate::new(502),
    ] {
        let server = MockServer::start().await;
        mount_session(&server, 1).await;
        Mock::given(method("DELETE"))
            .and(path(QUOTE))
            .respond_with(lost)
            .up_to_n_times(1)
            .expect(1)
            .mount(&server)
            .await;
        Mock::given(method("DELETE"))
            .and(path(QUOTE))
            .respond_with(not_found.clone())
            .expect(1)
            .mount(&server)
            .await;
        let c = builder_for(&server)
            .timeout(Duration::from_millis(300))
            .build()
            .unwrap();
        assert_eq!(c.delete_quote("7").await.unwrap(), None);
        server.verify().await;
    }
    let server = MockServer::start().await;
    mount_session(&server, 1).await;
    Mock::given(method("DELETE"))
        .and(path(QUOTE))
        .respond_with(not_found)
        .expect(1)
        .mount(&server)
        .await;
    let err = client_for(&server).delete_quote("7").await.unwrap_err();
    assert_eq!(err.code(), Some(partner_sdk_brighte::ErrorCode::NotFound));
}

/// A gateway's 404 page after a lost answer says nothing of the quote: only
/// Brighte's own "not found" makes the retried DELETE done.
#[tokio::test]
async fn a_retried_delete_meeting_a_gateways_404_page_is_not_done() {
    const QUOTE: &str = "/rest/vendor/v1/quote/7";
    let server = MockServer::start().await;
    mount_session(&server, 1).await;
    Mock::given(method("DELETE"))
        .and(path(QUOTE))
        .respond_with(ResponseTemplate::new(502))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path(QUOTE))
        .respond_with(
            ResponseTemplate::new(404).set_body_raw("<html><h1>404</h1></html>", "text/html"),
        )
        .expect(1)
        .mount(&server)
        .await;
    let err = client_for(&server).delete_quote("7").await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(404), "{err:?}");
    assert_eq!(err.code(), None);
    server.verify().await;
}
