//! The money-safety matrix: every create DT One offers, under every answer
//! a payments API really gives, is sent once and comes to done, not done or
//! unknown with its `external_id` (README, "Behaviour you can rely on").

use std::time::Duration;

use partner_sdk_core::ReconcileKey;
use partner_sdk_dtone::{Category, Client, ErrorCode, TransactionRequest};
use partner_sdk_test_kit::{RawServer, Reply, assert_create_outcome, create_cases};

use crate::common::{KEY, SECRET, fast_retry};

const ACCEPTED: &str = r#"{"transaction_id": "9001", "status": "0", "external_id": "order-1", "account_number": "+50212345678", "product_id": 64}"#;
const REFUSED: &str = r#"{"errors": [{"code": 1000301, "message": "Product not available"}]}"#;

fn client(server: &RawServer) -> Client {
    Client::builder()
        .base_url(format!("{}/v1.1", server.uri()))
        .credentials(KEY, SECRET)
        .retry_policy(fast_retry())
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap()
}

fn request(category: Category) -> TransactionRequest {
    let request = TransactionRequest::new("+50212345678", 64, "order-1").simulation(true);
    match category {
        Category::VariableValueRecharges | Category::VariableValuePayments => {
            request.local_value(partner_sdk_core::Decimal::from(15))
        }
        _ => request,
    }
}

#[tokio::test]
async fn every_create_under_every_answer() {
    for category in [
        Category::FixedValueRecharges,
        Category::VariableValueRecharges,
        Category::FixedValueVouchers,
        Category::VariableValuePayments,
    ] {
        for case in create_cases(ACCEPTED, (400, REFUSED)) {
            let reply = case.reply.clone();
            let server = RawServer::start(move |_, _| reply.clone()).await;
            let result = client(&server)
                .create_transaction(category, &request(category))
                .await;
            let core = result.as_ref().map(drop).map_err(|e| e.as_core().unwrap());
            assert_create_outcome(
                &case,
                core,
                Some(ReconcileKey::new("external_id", "order-1")),
                server.requests().len(),
            );
        }
    }
}

#[tokio::test]
async fn a_reused_key_is_not_done_and_create_or_resolve_finds_the_first() {
    let server = RawServer::start(|request, _| match request.method.as_str() {
        "POST" => Reply::json(
            400,
            r#"{"errors": [{"code": 1000990, "message": "external_id already used"}]}"#,
        ),
        _ => Reply::json(200, ACCEPTED),
    })
    .await;
    let c = client(&server);
    let category = Category::FixedValueRecharges;
    let err = c
        .create_transaction(category, &request(category))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some(ErrorCode::ExternalIdAlreadyUsed));
    assert!(!err.is_retryable());
    let tx = c
        .create_or_resolve(category, &request(category))
        .await
        .unwrap();
    assert_eq!(tx.transaction_id, "9001");
    let sent: Vec<_> = server.requests().into_iter().map(|r| r.method).collect();
    assert_eq!(sent, ["POST", "POST", "GET"]);
}
