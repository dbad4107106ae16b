//! Fault matrix through the public BBTI client: the shared faults suite,
//! and what only BBTI has.

use std::time::Duration;

use partner_sdk_bbti::PriceProductRequest;
use partner_sdk_test_kit::subject::{client_on, server};
use partner_sdk_test_kit::{Settings, count_at, received_at};
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

use crate::subject::Bbti;

partner_sdk_test_kit::faults_suite!(Bbti, token);

/// Without a `submissionId`, the one the client generated and sent is the
/// key to reconcile an unknown outcome with.
#[tokio::test]
async fn a_pricing_without_submission_id_is_keyed_by_the_generated_one() {
    let server = server::<Bbti>().await;
    Mock::given(method("POST"))
        .and(path("/v1/pricing/products"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_millis(600)))
        .mount(&server)
        .await;
    let settings = Settings {
        timeout: Duration::from_millis(100),
        ..Settings::default()
    };
    let e = client_on::<Bbti>(&server.uri(), &settings)
        .price_products(&PriceProductRequest::new("p", "iphone-8"))
        .await
        .unwrap_err();
    assert!(
        matches!(
            e.as_core(),
            Some(partner_sdk_core::Error::OutcomeUnknown(_))
        ),
        "{e:?}"
    );
    let Some(key) = e.outcome_unknown_key() else {
        panic!("{e:?}")
    };
    assert_eq!(key.field(), "submissionId");
    let sent = received_at(&server, "/v1/pricing/products").await;
    let body: serde_json::Value = serde_json::from_slice(&sent[0].body).unwrap();
    assert_eq!(body["submissionId"], key.value());
    assert_eq!(count_at(&server, "/v1/pricing/products").await, 1);
}
