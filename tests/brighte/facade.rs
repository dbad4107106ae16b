//! Facade-level test: the Brighte client through `partner_sdk::brighte`,
//! against the sandbox.

use partner_sdk::brighte::checkout::{self, CheckoutRequest, ProductCategoryName};
use partner_sdk::brighte::{self, ApplicationStatus};
use rust_decimal::Decimal;
use sandbox::brighte::{BrighteSandbox, PRIVATE_KEY};

#[tokio::test]
async fn checkout_redirect_and_application_through_the_facade() {
    let sb = BrighteSandbox::start().await;
    let form = CheckoutRequest::new(
        "https://shop.example/done",
        Decimal::from(2005),
        Decimal::from(1000),
        12,
        ProductCategoryName::SolarSystem,
        "Panels",
    )
    .into_form()
    .unwrap();
    let location = sb.submit_checkout(&form).await.unwrap();
    let client: brighte::Client = sb.client();
    let verifier =
        brighte::Verifier::new(PRIVATE_KEY).tolerance(std::time::Duration::from_secs(300));
    let app = checkout::confirm(&client, &verifier, &location)
        .await
        .unwrap();
    assert_eq!(app.status, Some(ApplicationStatus::Declined));
    assert_eq!(app.financed_amount, Some(Decimal::from(1005)));
    assert!(client.logout().await.unwrap());
}

#[tokio::test]
async fn errors_are_typed_through_the_facade() {
    let sb = BrighteSandbox::start().await;
    let err = sb.client().get_quote("missing").await.unwrap_err();
    assert_eq!(err.code(), Some(brighte::ErrorCode::NotFound));
    assert_eq!(err.status().map(|s| s.as_u16()), Some(404));
}
