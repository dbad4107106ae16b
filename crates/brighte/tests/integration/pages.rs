//! `list_*` fetches the one page its query names; the streams start there
//! and follow `hasMoreRecords`.

use crate::common;

use common::{SESSION_KEY, client_for, mount_session};
use futures::TryStreamExt as _;
use partner_sdk_brighte::{Application, ListQuery};
use serde_json::json;
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn application(id: u32) -> serde_json::Value {
    json!({"id": id.to_string(), "status": "C.APPROV", "financed_amount": "100"})
}

async fn mount_page(server: &MockServer, page: u32, ids: &[u32], more: bool) {
    Mock::given(method("GET"))
        .and(path("/rest/vendor/v1/applications"))
        .and(header("x-session-key", SESSION_KEY))
        .and(query_param("accountId", "E1"))
        .and(query_param("pageNumber", page.to_string()))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "status": 2000,
            "applications": ids.iter().map(|id| application(*id)).collect::<Vec<_>>(),
            "hasMoreRecords": more,
        })))
        .expect(1)
        .named(format!("page {page}"))
        .mount(server)
        .await;
}

#[tokio::test]
async fn list_applications_fetches_the_page_of_the_query() {
    let server = MockServer::start().await;
    mount_session(&server, 1).await;
    mount_page(&server, 3, &[7, 8], true).await;
    let page = client_for(&server)
        .list_applications(&ListQuery::new().account("E1").page(3))
        .await
        .unwrap();
    let ids: Vec<_> = page.items.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(ids, ["7", "8"]);
    assert_eq!(page.next, Some(4));
}

#[tokio::test]
async fn the_stream_starts_at_the_query_page_and_stops_on_the_last() {
    let server = MockServer::start().await;
    mount_session(&server, 1).await;
    mount_page(&server, 2, &[3, 4], true).await;
    mount_page(&server, 3, &[5], false).await;
    let all: Vec<Application> = client_for(&server)
        .applications(&ListQuery::new().account("E1").page(2))
        .try_collect()
        .await
        .unwrap();
    let ids: Vec<_> = all.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(ids, ["3", "4", "5"]);
}

#[tokio::test]
async fn page_zero_is_read_as_the_first_page() {
    let server = MockServer::start().await;
    mount_session(&server, 1).await;
    mount_page(&server, 1, &[1], false).await;
    let page = client_for(&server)
        .list_applications(&ListQuery::new().account("E1").page(0))
        .await
        .unwrap();
    assert_eq!(page.items.len(), 1);
}
