//! The Brighte sandbox under either vendor prefix, through the public
//! client: both by default, one on request, the web server's HTML 404
//! outside them (which makes a default client fall back).

use partner_sdk_brighte::Client;
use partner_sdk_sandbox::brighte::{API_ID, API_SECRET, BrighteSandbox, VENDOR_PREFIXES};

fn client_with_prefix(sandbox: &BrighteSandbox, prefix: &str) -> Client {
    Client::builder()
        .base_url(sandbox.base_url())
        .vendor_path_prefix(prefix)
        .credentials(API_ID, API_SECRET)
        .build()
        .unwrap()
}

#[tokio::test]
async fn both_prefixes_answer_by_default() {
    let sandbox = BrighteSandbox::start().await;
    let default = sandbox.client();
    assert!(!default.list_accounts().await.unwrap().is_empty());
    assert!(
        default
            .vendor_base_url()
            .unwrap()
            .path()
            .ends_with("/rest/v1/vendor")
    );
    for prefix in VENDOR_PREFIXES {
        let client = client_with_prefix(&sandbox, prefix);
        assert!(
            !client.list_accounts().await.unwrap().is_empty(),
            "{prefix}"
        );
    }
}

#[tokio::test]
async fn a_default_client_falls_back_to_the_samples_prefix() {
    let sandbox = BrighteSandbox::builder()
        .vendor_prefix("/rest/vendor/v1")
        .start()
        .await;
    let client = sandbox.client();
    assert!(!client.list_accounts().await.unwrap().is_empty());
    assert!(
        client
            .vendor_base_url()
            .unwrap()
            .path()
            .ends_with("/rest/vendor/v1")
    );
}

#[tokio::test]
async fn an_explicit_prefix_the_sandbox_does_not_serve_finds_no_route() {
    let sandbox = BrighteSandbox::builder()
        .vendor_prefix("/rest/v1/vendor")
        .start()
        .await;
    let e = client_with_prefix(&sandbox, "/rest/vendor/v1")
        .list_accounts()
        .await
        .unwrap_err();
    assert_eq!(e.status().map(|s| s.as_u16()), Some(404));
    assert_eq!(e.code(), None, "the web server's 404, not Brighte's body");
    let html = partner_sdk_core::exchange::http_client_builder()
        .expect("the SDK's TLS")
        .build()
        .expect("an HTTP client")
        .get(format!("{}/rest/vendor/v1/account", sandbox.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(html.status().as_u16(), 404);
    let body = html.text().await.unwrap();
    assert!(body.starts_with("<html>"), "{body}");
}
