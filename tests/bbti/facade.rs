//! BBTI through the facade: `partner_sdk::bbti` against the sandbox and wiremock.

use partner_sdk::bbti::{
    self, Condition, Grade, ManufacturerQuery, PriceProductRequest, PriceQuery,
};
use sandbox::bbti::{BbtiSandbox, PROGRAM_ID};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[tokio::test]
async fn facade_prices_a_device_on_the_sandbox() {
    let sb = BbtiSandbox::start().await;
    let c: bbti::Client = sb.client();
    let makers = c
        .list_manufacturers(&ManufacturerQuery::new())
        .await
        .unwrap();
    assert!(makers.iter().any(|m| m.key == "apple"));
    let page = c
        .list_prices(&PriceQuery::new().manufacturer("apple"))
        .await
        .unwrap();
    assert_eq!(
        page.items[0].price_for("64gb", "simfree", &Grade::B),
        Some(7500)
    );
    let quote = c
        .price_products(
            &PriceProductRequest::new(PROGRAM_ID, "iphone-8")
                .storage_key("64gb")
                .carrier_key("simfree")
                .condition(Condition::Pass, Condition::Pass),
        )
        .await
        .unwrap();
    assert_eq!((quote.grade, quote.price), (Grade::A, 10000));
    let tx = c.get_transaction(&quote.transaction_id).await.unwrap();
    assert_eq!(tx.product.offered_price, 10000);
}

#[tokio::test]
async fn facade_pricing_is_sent_once_under_503() {
    let auth = MockServer::start().await;
    let api = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/auth/v1/token"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(serde_json::json!({"access_token": "t", "expires_in": 3600})),
        )
        .mount(&auth)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/pricing/products"))
        .respond_with(ResponseTemplate::new(503))
        .expect(1)
        .mount(&api)
        .await;
    let c = bbti::Client::builder()
        .base_url(api.uri())
        .token_url(format!("{}/auth/v1/token", auth.uri()))
        .credentials("id", "secret")
        .build()
        .unwrap();
    let e = c
        .price_products(&PriceProductRequest::new("p", "iphone-8"))
        .await
        .unwrap_err();
    // Unknown outcome, keyed by the submissionId the client generated and sent.
    let key = e.outcome_unknown_key().unwrap();
    let (field, id) = (key.field(), key.value());
    assert_eq!(field, "submissionId");
    assert_eq!(id.len(), 36, "{id}");
    assert!(!e.is_retryable());
    let sent = &api.received_requests().await.unwrap()[0];
    let body: serde_json::Value = serde_json::from_slice(&sent.body).unwrap();
    assert_eq!(body["submissionId"], id);
}

#[test]
fn facade_reads_the_sample_price_list() {
    let csv = include_str!("../../fixtures/bbti/price_list_sample.csv");
    let index = bbti::PriceIndex::from_rows(bbti::read_csv(csv.as_bytes())).unwrap();
    assert_eq!(index.len(), 12);
}
