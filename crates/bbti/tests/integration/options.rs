//! Per-call options and call metadata through the public BBTI client: the
//! shared options suite, and what only BBTI has.

use futures::TryStreamExt as _;
use partner_sdk_bbti::ModelQuery;
use partner_sdk_core::capture;
use partner_sdk_test_kit::subject::{client, server};
use serde_json::json;
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, ResponseTemplate};

use crate::subject::Bbti;

partner_sdk_test_kit::options_suite!(Bbti, creates);

#[tokio::test]
async fn capture_sees_every_page_of_a_stream() {
    let server = server::<Bbti>().await;
    let model = json!({"model": {"key": "iphone-8", "value": "iPhone 8"}});
    // A page repeating the previous one's items would end the stream.
    let second = json!({"model": {"key": "pixel-4a", "value": "Pixel 4a"}});
    Mock::given(method("GET"))
        .and(path("/v1/models"))
        .and(query_param("pageToken", "p2"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("x-request-id", "page-2")
                .set_body_json(json!({"models": [second], "nextPageToken": ""})),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/models"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("x-request-id", "page-1")
                .set_body_json(json!({"models": [model], "nextPageToken": "p2"})),
        )
        .mount(&server)
        .await;
    let client = client::<Bbti>(&server);
    let (models, calls) = capture(client.models(&ModelQuery::new()).try_collect::<Vec<_>>()).await;
    assert_eq!(models.unwrap().len(), 2);
    let ids: Vec<_> = calls.iter().map(|c| c.request_id.as_deref()).collect();
    assert_eq!(ids, [Some("page-1"), Some("page-2")]);
}
