//! DT One through the facade: `partner_sdk::dtone` against wiremock and the sandbox.

use partner_sdk::dtone::{self, AccountVerification, Category, ErrorCode, TransactionRequest};
use wiremock::matchers::{header_exists, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[tokio::test]
async fn facade_client_signs_requests_and_parses_products() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1.1/operators/1959/products"))
        .and(header_exists("x-transferto-apikey"))
        .and(header_exists("x-transferto-nonce"))
        .and(header_exists("x-transferto-hmac"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            include_str!("../../fixtures/dtone/products_by_operator.json"),
            "application/json",
        ))
        .expect(1)
        .mount(&server)
        .await;
    let client = dtone::Client::builder()
        .base_url(format!("{}/v1.1", server.uri()))
        .credentials("key", "secret")
        .build()
        .unwrap();
    let products = client.list_products_by_operator(1959).await.unwrap();
    assert_eq!(products.len(), 2);
    assert!(
        products
            .iter()
            .all(|p| p.category == Category::FixedValueRecharges)
    );
}

#[tokio::test]
async fn facade_flow_against_the_sandbox() {
    let sb = sandbox::dtone::DtoneSandbox::start().await;
    let client = sb.client();
    assert_eq!(
        client
            .verify_account_number(70, "+50212345678")
            .await
            .unwrap(),
        AccountVerification::NotAvailable
    );
    let request = TransactionRequest::new("+50212345678", 64, "facade-1").simulation(true);
    let tx = client
        .create_transaction(Category::FixedValueRecharges, &request)
        .await
        .unwrap();
    assert!(tx.is_success());
    let dup = client
        .create_transaction(Category::FixedValueRecharges, &request)
        .await
        .unwrap_err();
    assert_eq!(dup.code(), Some(ErrorCode::ExternalIdAlreadyUsed));
}
