//! Hostile and broken servers through the public Brighte client: the shared
//! hostile-server suite over both APIs, and what only Brighte has (its
//! amounts, its list queries' dates, its pages).

use futures::StreamExt as _;
use partner_sdk_brighte::ListQuery;
use partner_sdk_core::PaginationStop;
use partner_sdk_test_kit::count;
use partner_sdk_test_kit::subject::{client, core, server};
use wiremock::matchers::path;
use wiremock::{Mock, ResponseTemplate};

use crate::subject::Vendor;

mod vendor {
    partner_sdk_test_kit::hostile_suite!(crate::subject::Vendor, auth, ids, pages);
}

mod public {
    partner_sdk_test_kit::hostile_suite!(crate::subject::Public);
}

#[tokio::test]
async fn absurd_amounts_are_decode_errors() {
    let server = server::<Vendor>().await;
    Mock::given(path("/rest/vendor/v1/applications/app-1"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            r#"{"status":2000,"application":{"id":"app-1","financed_amount":1e400}}"#,
            "application/json",
        ))
        .expect(1)
        .mount(&server)
        .await;
    let err = client::<Vendor>(&server)
        .get_application("app-1")
        .await
        .unwrap_err();
    assert!(
        matches!(core::<Vendor>(&err), partner_sdk_core::Error::Decode(_)),
        "{err:?}"
    );
    server.verify().await;
}

#[tokio::test]
async fn calendar_edge_dates_in_a_list_query_are_sent_as_written() {
    let server = server::<Vendor>().await;
    Mock::given(path("/rest/vendor/v1/applications"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            r#"{"status":2000,"applications":[],"hasMoreRecords":false}"#,
            "application/json",
        ))
        .mount(&server)
        .await;
    let c = client::<Vendor>(&server);
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

#[tokio::test]
async fn the_same_page_with_has_more_records_ends_the_stream() {
    let server = server::<Vendor>().await;
    Mock::given(path("/rest/vendor/v1/applications"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            r#"{"status":2000,"applications":[{"id":"a1"},{"id":"a2"}],"hasMoreRecords":true}"#,
            "application/json",
        ))
        .mount(&server)
        .await;
    let c = client::<Vendor>(&server);
    let results: Vec<_> = c.applications(&ListQuery::new()).collect().await;
    assert_eq!(results.len(), 3, "two applications once, then the error");
    assert!(
        matches!(
            core::<Vendor>(results[2].as_ref().unwrap_err()),
            partner_sdk_core::Error::Pagination(e)
                if (e.pages, e.reason) == (2, PaginationStop::RepeatedPage)
        ),
        "{:?}",
        results[2]
    );
    assert_eq!(count(&server).await, 3, "login and two pages");
}
