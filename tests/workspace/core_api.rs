//! Cross-crate checks through the facade: every provider is reachable with
//! the default features, shares one error core, and runs against the
//! all-in-one sandbox.

use std::time::Duration;

use partner_sdk::core::{self as sdk_core, RetryPolicy};
use partner_sdk::{bbti, brighte, dtone, tradein_promo};
use rust_decimal::Decimal;

fn is_client<T: Clone + Send + Sync + std::fmt::Debug + 'static>() {}
fn is_error<T: std::error::Error + Send + Sync + 'static>() {}

#[test]
fn every_client_is_clone_send_sync_and_every_error_is_a_std_error() {
    is_client::<bbti::Client>();
    is_client::<brighte::Client>();
    is_client::<tradein_promo::Client>();
    is_client::<dtone::Client>();
    is_error::<sdk_core::Error>();
    is_error::<bbti::Error>();
    is_error::<brighte::Error>();
    is_error::<tradein_promo::Error>();
    is_error::<dtone::Error>();
}

#[test]
fn documented_defaults_hold() {
    let p = RetryPolicy::default();
    assert_eq!(p.max_attempts, 3);
    assert_eq!(p.base_delay, Duration::from_millis(500));
    assert_eq!(p.max_delay, Duration::from_secs(20));
    assert_eq!(
        sdk_core::defaults::DEFAULT_CONNECT_TIMEOUT,
        Duration::from_secs(10)
    );
    assert_eq!(sdk_core::defaults::DEFAULT_TIMEOUT, Duration::from_secs(30));
    assert_eq!(
        sdk_core::defaults::USER_AGENT_VALUE,
        concat!("partner-sdk/", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn provider_errors_wrap_the_core_error() {
    let core = sdk_core::Error::invalid_input("imei", "must not be empty");
    for e in [
        bbti::Error::from(sdk_core::Error::invalid_input("imei", "x")).to_string(),
        brighte::Error::from(sdk_core::Error::invalid_input("imei", "x")).to_string(),
        tradein_promo::Error::from(sdk_core::Error::invalid_input("imei", "x")).to_string(),
        dtone::Error::from(sdk_core::Error::invalid_input("imei", "x")).to_string(),
    ] {
        assert_eq!(e, "invalid input `imei`: x");
    }
    assert_eq!(core.to_string(), "invalid input `imei`: must not be empty");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_all_in_one_sandbox_serves_each_provider_to_its_ready_client() {
    let sb = sandbox::Sandbox::start().await;

    let makers = sb
        .bbti_client()
        .list_manufacturers(&bbti::ManufacturerQuery::default())
        .await
        .expect("bbti manufacturers");
    assert!(makers.iter().any(|m| m.key == "apple"), "{makers:?}");

    let calc = sb
        .brighte_client()
        .calculate_finance(&brighte::FinanceRequest::new(Decimal::from(7001), 24))
        .await
        .expect("brighte calculator");
    assert!(calc.repayment_amount.is_some());

    let offer = sb
        .tradein_promo_client()
        .get_promotion(
            &tradein_promo::PromotionRequest::by_imei(sandbox::tradein_promo::IMEI_IPHONE)
                .device_bill_code("689C"),
        )
        .await
        .expect("promotion");
    assert_eq!(
        offer.trade_in_value(),
        Some(Decimal::new(810, 1)),
        "{offer:?}"
    );

    assert_eq!(sb.dtone_client().ping().await.expect("ping").status, "up");

    let debug = format!("{sb:?}");
    assert!(debug.contains("127.0.0.1"), "{debug}");
}
