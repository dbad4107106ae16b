//! The money-safety matrix over every DT One create (a transaction in each
//! category): the shared suite, and a reused `external_id`.

use std::time::Duration;

use partner_sdk_dtone::{Category, ErrorCode};
use partner_sdk_test_kit::subject::{client_on, raw_server};
use partner_sdk_test_kit::{Reply, Settings};

use crate::subject::{ACCEPTED, Dtone, transaction};

partner_sdk_test_kit::money_safety_suite!(Dtone);

#[tokio::test]
async fn a_reused_key_is_not_done_and_create_or_resolve_finds_the_first() {
    let server = raw_server::<Dtone>(
        |_| Reply::Close,
        |request, _| match request.method.as_str() {
            "POST" => Reply::json(
                400,
                r#"{"errors": [{"code": 1000990, "message": "external_id already used"}]}"#,
            ),
            _ => Reply::json(200, ACCEPTED),
        },
    )
    .await;
    let settings = Settings {
        timeout: Duration::from_millis(300),
        ..Settings::default()
    };
    let c = client_on::<Dtone>(&server.uri(), &settings);
    let category = Category::FixedValueRecharges;
    let request = transaction(category, "order-1");
    let err = c.create_transaction(category, &request).await.unwrap_err();
    assert_eq!(err.code(), Some(ErrorCode::ExternalIdAlreadyUsed));
    assert!(!err.is_retryable());
    let tx = c.create_or_resolve(category, &request).await.unwrap();
    assert_eq!(tx.transaction_id, "9001");
    let sent: Vec<_> = server.requests().into_iter().map(|r| r.method).collect();
    assert_eq!(sent, ["POST", "POST", "GET"]);
}
