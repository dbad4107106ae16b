//! The money-safety matrix: every BBTI create (pricing by product and by
//! app code, KYC and delivery registration), under every answer a payments
//! API really gives, is sent once and comes to done, not done or unknown
//! with its key (README, "Behaviour you can rely on").

use std::time::Duration;

use partner_sdk_bbti::{Client, PriceByAppCodeRequest, PriceProductRequest};
use partner_sdk_core::ReconcileKey;
use partner_sdk_test_kit::{RawServer, assert_create_outcome, create_cases};

use crate::common::{Servers, kyc_request, pickup_request};

const ACCEPTED: &str =
    r#"{"transactionId": "T-1", "url": "https://ekyc.example/T-1", "price": 1000, "grade": "A"}"#;
const REFUSED: &str = r#"{"code": 3, "message": "invalid argument", "details": []}"#;

#[tokio::test]
async fn every_create_under_every_answer() {
    let auth = Servers::start(None).await;
    for case in create_cases(ACCEPTED, (400, REFUSED)) {
        for create in [
            "price_products",
            "price_codes",
            "register_kyc",
            "register_delivery",
        ] {
            let reply = case.reply.clone();
            let api = RawServer::start(move |_, _| reply.clone()).await;
            let c: Client = auth
                .builder()
                .base_url(api.uri())
                .timeout(Duration::from_millis(300))
                .build()
                .unwrap();
            let kyc = kyc_request();
            let pickup = pickup_request();
            let (result, key) = match create {
                "price_products" => (
                    c.price_products(
                        &PriceProductRequest::new("p", "iphone-8").submission_id("order-1"),
                    )
                    .await
                    .map(drop),
                    ReconcileKey::new("submissionId", "order-1"),
                ),
                "price_codes" => (
                    c.price_codes(
                        &PriceByAppCodeRequest::new("p", "code").submission_id("order-1"),
                    )
                    .await
                    .map(drop),
                    ReconcileKey::new("submissionId", "order-1"),
                ),
                "register_kyc" => (
                    c.register_kyc(&kyc).await.map(drop),
                    ReconcileKey::new("transactionId", kyc.transaction_id.clone()),
                ),
                _ => (
                    c.register_delivery(&pickup).await.map(drop),
                    ReconcileKey::new("transactionId", pickup.transaction_id.clone()),
                ),
            };
            let core = result
                .as_ref()
                .map(|_| ())
                .map_err(|e| e.as_core().unwrap());
            assert_create_outcome(&case, core, Some(key), api.requests().len());
        }
    }
}
