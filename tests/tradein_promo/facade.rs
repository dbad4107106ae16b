//! The trade-in promotion client through the facade, against the sandbox.

use partner_sdk::tradein_promo::{
    ConditionName, Eligibility, FlowType, PromoType, PromotionRequest,
};
use rust_decimal::Decimal;
use sandbox::tradein_promo::{IMEI_IPHONE, MODEL_CODE_SAMPLE, TradeinPromoSandbox};

fn sample(request: PromotionRequest) -> PromotionRequest {
    request
        .device_bill_code("689C")
        .flow_type(FlowType::Upgrade)
        .answer(ConditionName::AttGeneric, true)
        .answer(ConditionName::LcdFunctionality, true)
        .answer(ConditionName::PowerOn, true)
        .answer(ConditionName::Deactivated, true)
}

#[tokio::test]
async fn facade_fetches_both_seed_scenarios_from_the_sandbox() {
    let sandbox = TradeinPromoSandbox::start().await;
    let client = sandbox.client();
    for request in [
        sample(PromotionRequest::by_imei(IMEI_IPHONE)),
        sample(PromotionRequest::by_device(
            "Apple",
            "Iphone 12 Pro",
            "128GB",
            MODEL_CODE_SAMPLE,
        )),
    ] {
        let offer = client.get_promotion(&request).await.unwrap();
        let Eligibility::Eligible(item) = offer.eligibility() else {
            panic!("the sample device qualifies");
        };
        assert_eq!(item.trade_in_value(), Some(Decimal::new(810, 1)));
        assert_eq!(item.trade_in_model(), Some("iPhone 14 Pro"));
        let promo = item.promotions().next().unwrap();
        assert_eq!(promo.id(), Some("wrlspr-29966"));
        assert_eq!(promo.discount(), Some(Decimal::new(3500, 1)));
        assert_eq!(promo.promo_type(), Some(PromoType::TradeIn));
    }
    assert_eq!(sandbox.token_requests(), 1);
}

#[tokio::test]
async fn facade_reports_a_failed_power_on_as_not_eligible() {
    let sandbox = TradeinPromoSandbox::start().await;
    let request = PromotionRequest::by_imei(IMEI_IPHONE).answer(ConditionName::PowerOn, false);
    let offer = sandbox.client().get_promotion(&request).await.unwrap();
    assert_eq!(offer.eligibility(), Eligibility::NotEligible);
}
