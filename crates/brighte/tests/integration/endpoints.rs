//! Vendor calls refused before anything is sent. The checks on the
//! provider's verbatim samples are in the workspace's `tests/brighte/`.

use crate::common::client_for;
use futures::TryStreamExt as _;
use partner_sdk_brighte::ListQuery;
use wiremock::MockServer;

#[tokio::test]
async fn quotes_and_users_need_an_account() {
    let server = MockServer::start().await;
    let client = client_for(&server);
    let err = client
        .quotes(&ListQuery::new())
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert!(err.is_invalid_input(), "{err}");
    let err = client.list_users(&ListQuery::new()).await.unwrap_err();
    assert!(err.is_invalid_input(), "{err}");
    assert!(server.received_requests().await.unwrap().is_empty());
}
