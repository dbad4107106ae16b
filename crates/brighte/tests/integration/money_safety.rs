//! The money-safety matrix: every Brighte create (quote, user, callout
//! request, application document, payment request), under every answer a
//! payments API really gives, is sent once and comes to done, not done or
//! unknown (README, "Behaviour you can rely on"). A payment request is keyed
//! by its application; the other creates take no caller key: an unknown
//! outcome carries none, and is reconciled by listing or by fetching the
//! application.

use std::time::Duration;

use partner_sdk_brighte::{
    AccountId, ApplicationDocumentType, CalloutRequest, Client, DocumentUpload, NewQuote, NewUser,
    UserRole,
};
use partner_sdk_core::ReconcileKey;
use partner_sdk_test_kit::{RawServer, Reply, assert_create_outcome, create_cases};
use rust_decimal::Decimal;

use crate::common::{API_ID, API_SECRET, fast_retry, session_body};

const ACCEPTED: &str = r#"{"status": 2000, "quote": {"id": 7}, "user": {"id": "U7"}, "callout": {"id": 7}, "calloutRequest": {"id": 7}, "application": {"id": 7}, "applicationDocument": {"type": "cca", "filename": "a.pdf"}}"#;
const REFUSED: &str = r#"{"status": 4402, "message": "Invalid data provided."}"#;
const CREATES: [&str; 5] = [
    "/quote",
    "/user/add",
    "/callout-requests",
    "/application/7/document",
    "/application/7/request-payment",
];

async fn create(c: &Client, path: &str) -> Result<(), partner_sdk_brighte::Error> {
    let d = |v: i64| Decimal::from(v);
    match path {
        "/quote" => c
            .create_quote(&NewQuote {
                first_name: "A".into(),
                last_name: "B".into(),
                phone: "0400000000".into(),
                email: "a@example.com".into(),
                total_purchase_amount: d(1000),
                deposit_amount: d(0),
                repayment_term: 12,
                product_category: "Solar System".into(),
                product_description: "Panels".into(),
                account_id: "E1".into(),
            })
            .await
            .map(drop),
        "/user/add" => c
            .create_user(&NewUser {
                role: UserRole::Other("member".into()),
                first_name: "A".into(),
                last_name: "B".into(),
                email: "a@example.com".into(),
                mobile: "0400000000".into(),
                account_id: "E1".into(),
            })
            .await
            .map(drop),
        "/callout-requests" => c
            .create_callout_request(&CalloutRequest {
                account_id: Some(AccountId::Number(3)),
                first_name: "A".into(),
                last_name: "B".into(),
                phone: "0400000000".into(),
                email: "a@example.com".into(),
                total_purchase_amount: d(15000),
                deposit_amount: d(5000),
                repayment_term: 48,
                product_category: "Storage Battery(s)".into(),
                product_description: "Battery".into(),
            })
            .await
            .map(drop),
        "/application/7/document" => c
            .upload_application_document(
                "7",
                &DocumentUpload::new(ApplicationDocumentType::Cca, "a.pdf", b"%PDF".to_vec()),
            )
            .await
            .map(drop),
        _ => c.request_application_payment("7").await.map(drop),
    }
}

#[tokio::test]
async fn every_create_under_every_answer() {
    for case in create_cases(ACCEPTED, (400, REFUSED)) {
        for path in CREATES {
            let reply = case.reply.clone();
            let server = RawServer::start(move |request, _| {
                if request.path().ends_with("/session") {
                    Reply::json(200, session_body())
                } else {
                    reply.clone()
                }
            })
            .await;
            let c = Client::builder()
                .base_url(server.uri())
                .vendor_path_prefix("/rest/vendor/v1")
                .credentials(API_ID, API_SECRET)
                .retry_policy(fast_retry())
                .timeout(Duration::from_millis(300))
                .build()
                .unwrap();
            let result = create(&c, path).await;
            let sent = server
                .requests()
                .iter()
                .filter(|r| r.path() == format!("/rest/vendor/v1{path}"))
                .count();
            let core = result
                .as_ref()
                .map(|_| ())
                .map_err(|e| e.as_core().unwrap());
            // The payment request is keyed by its application; the others
            // take no caller key.
            let key = path
                .ends_with("/request-payment")
                .then(|| ReconcileKey::new("application_id", "7"));
            assert_create_outcome(&case, core, key, sent);
        }
    }
}
