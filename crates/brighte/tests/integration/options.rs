//! Per-call options and call metadata through the public Brighte client:
//! the shared options suite over both APIs (the vendor API with its
//! session, the public calculator), and what only Brighte has.

use partner_sdk_brighte::Client;
use wiremock::MockServer;

mod vendor {
    partner_sdk_test_kit::options_suite!(crate::subject::Vendor, creates);
}

mod public {
    partner_sdk_test_kit::options_suite!(crate::subject::Public);
}

#[tokio::test]
async fn a_client_without_credentials_refuses_vendor_calls_without_sending() {
    let server = MockServer::start().await;
    let client = Client::builder().base_url(server.uri()).build().unwrap();
    let err = client.get_application("100234").await.unwrap_err();
    assert!(
        matches!(err.as_core(), Some(partner_sdk_core::Error::Config(e)) if e.reason.contains("needs credentials")),
        "{err:?}"
    );
    let err = client.list_accounts().await.unwrap_err();
    assert!(err.to_string().contains("only the public API"), "{err}");
    assert!(server.received_requests().await.unwrap().is_empty());
}
