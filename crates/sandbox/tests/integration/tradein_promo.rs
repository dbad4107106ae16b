//! The trade-in promotion sandbox, through the public client API only.

use std::time::Duration;

use partner_sdk_sandbox::tradein_promo::{
    CLIENT_ID, CLIENT_SECRET, IMEI_GALAXY, IMEI_IPHONE, IMEI_PIXEL, MODEL_CODE_SAMPLE, SCOPE,
    TradeinPromoSandbox,
};
use partner_sdk_tradein_promo::{
    ConditionName, Eligibility, ErrorCode, FlowType, PromoType, PromotionRequest,
};
use rust_decimal::Decimal;

const S1_RESPONSE: &str = include_str!("../../data/tradein-promo/scenario1-response.json");

fn all_yes(request: PromotionRequest) -> PromotionRequest {
    request
        .device_bill_code("689C")
        .flow_type(FlowType::Upgrade)
        .answer(ConditionName::AttGeneric, true)
        .answer(ConditionName::LcdFunctionality, true)
        .answer(ConditionName::PowerOn, true)
        .answer(ConditionName::Deactivated, true)
}

fn with_answers(imei: &str, answers: &[(ConditionName, bool)]) -> PromotionRequest {
    let mut r = PromotionRequest::by_imei(imei).device_bill_code("689C");
    for (name, yes) in answers {
        r = r.answer(name.clone(), *yes);
    }
    r
}

#[tokio::test]
async fn both_seed_scenarios_return_the_sample_response() {
    let sandbox = TradeinPromoSandbox::start().await;
    let client = sandbox.client();
    let expected: partner_sdk_tradein_promo::PromotionResponse =
        serde_json::from_str(S1_RESPONSE).unwrap();
    for request in [
        all_yes(PromotionRequest::by_imei(IMEI_IPHONE)),
        all_yes(PromotionRequest::by_device(
            "Apple",
            "Iphone 12 Pro",
            "128GB",
            MODEL_CODE_SAMPLE,
        )),
    ] {
        let offer = client.get_promotion(&request).await.unwrap();
        assert_eq!(offer, expected);
        assert_eq!(offer.trade_in_value(), Some(Decimal::new(810, 1)));
        assert_eq!(offer.trade_in_model(), Some("iPhone 14 Pro"));
        let p = offer.promotions().next().unwrap();
        assert_eq!(p.discount(), Some(Decimal::new(3500, 1)));
        assert_eq!(p.promo_type(), Some(PromoType::TradeIn));
    }
    assert_eq!(sandbox.token_requests(), 1, "one token for both calls");
    assert_eq!(sandbox.promotion_requests(), 2);
}

#[tokio::test]
async fn rule_table_rows_answer_their_values() {
    let sandbox = TradeinPromoSandbox::start().await;
    let client = sandbox.client();
    let galaxy = client
        .get_promotion(&all_yes(PromotionRequest::by_imei(IMEI_GALAXY)))
        .await
        .unwrap();
    assert_eq!(galaxy.trade_in_model(), Some("Galaxy S22"));
    assert_eq!(galaxy.trade_in_value(), Some(Decimal::from(120)));
    assert_eq!(
        galaxy.promotions().next().unwrap().id(),
        Some("wrlspr-30001")
    );
    assert_eq!(
        galaxy.promotions().next().unwrap().discount(),
        Some(Decimal::from(200))
    );

    let by_code = client
        .get_promotion(&all_yes(PromotionRequest::by_device(
            "Samsung",
            "Galaxy S22",
            "256GB",
            "1000001",
        )))
        .await
        .unwrap();
    assert_eq!(by_code.trade_in_model(), Some("Galaxy S22"));

    let pixel = client
        .get_promotion(&all_yes(PromotionRequest::by_imei(IMEI_PIXEL)))
        .await
        .unwrap();
    assert!(pixel.is_eligible());
    assert_eq!(pixel.trade_in_value(), Some(Decimal::from(15)));
    assert_eq!(pixel.promotions().count(), 0);
}

#[tokio::test]
async fn failed_conditions_lower_or_remove_the_value() {
    let sandbox = TradeinPromoSandbox::start().await;
    let client = sandbox.client();
    let fetch = |r: PromotionRequest| {
        let c = client.clone();
        async move { c.get_promotion(&r).await.unwrap() }
    };
    for gone in [ConditionName::PowerOn, ConditionName::Deactivated] {
        let offer = fetch(with_answers(IMEI_IPHONE, &[(gone, false)])).await;
        assert_eq!(offer.eligibility(), Eligibility::NotEligible);
    }
    let lcd = fetch(with_answers(
        IMEI_GALAXY,
        &[(ConditionName::LcdFunctionality, false)],
    ))
    .await;
    assert_eq!(lcd.trade_in_value(), Some(Decimal::from(60)));
    assert_eq!(
        lcd.promotions().count(),
        0,
        "a failed condition withdraws promotions"
    );
    let generic = fetch(with_answers(
        IMEI_GALAXY,
        &[(ConditionName::AttGeneric, false)],
    ))
    .await;
    assert_eq!(generic.trade_in_value(), Some(Decimal::from(90)));
    let both = fetch(with_answers(
        IMEI_IPHONE,
        &[
            (ConditionName::AttGeneric, false),
            (ConditionName::LcdFunctionality, false),
        ],
    ))
    .await;
    assert_eq!(both.trade_in_value(), Some(Decimal::new(3038, 2)));
    assert_eq!(both.trade_in_model(), Some("iPhone 14 Pro"));
    let unanswered = fetch(PromotionRequest::by_imei(IMEI_GALAXY)).await;
    assert_eq!(unanswered.trade_in_value(), Some(Decimal::from(120)));
    assert_eq!(unanswered.promotions().count(), 1);
}

#[tokio::test]
async fn bad_input_unknown_devices_and_unsupported_types_use_the_tmf_shape() {
    let sandbox = TradeinPromoSandbox::start().await;
    let client = sandbox.client();
    let err = client
        .get_promotion(&PromotionRequest::by_imei("999"))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some(ErrorCode::NotFound));
    assert_eq!(err.status().map(|s| s.as_u16()), Some(404));
    assert!(
        err.api_body()
            .unwrap()
            .message
            .unwrap()
            .contains("imei 999")
    );

    let err = client
        .get_promotion(&PromotionRequest::by_device("A", "B", "C", "nope"))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some(ErrorCode::NotFound));

    let err = client
        .get_promotion(
            &PromotionRequest::by_imei(IMEI_IPHONE).answer(ConditionName::PowerOn, "Maybe"),
        )
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some(ErrorCode::BadRequest));

    let err = client
        .get_promotion(&PromotionRequest::by_imei(IMEI_IPHONE).qualification_type("Buy-Back"))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some(ErrorCode::Unprocessable));
}

#[tokio::test]
async fn wrong_credentials_or_scope_are_refused_by_the_token_endpoint() {
    let sandbox = TradeinPromoSandbox::start().await;
    let request = PromotionRequest::by_imei(IMEI_IPHONE);
    for builder in [
        sandbox.client_builder().credentials(CLIENT_ID, "wrong"),
        sandbox.client_builder().credentials("other", CLIENT_SECRET),
        sandbox.client_builder().scope("api://other/.default"),
    ] {
        let err = builder
            .build()
            .unwrap()
            .get_promotion(&request)
            .await
            .unwrap_err();
        assert!(
            matches!(err.as_core(), Some(partner_sdk_core::Error::Auth(_))),
            "{err:?}"
        );
    }
    assert_eq!(sandbox.promotion_requests(), 0);
    assert_eq!(sandbox.scope(), SCOPE);
    assert_eq!(sandbox.client_id(), CLIENT_ID);
    assert_eq!(sandbox.client_secret(), CLIENT_SECRET);
}

#[tokio::test]
async fn expired_tokens_get_a_401_and_the_client_fetches_a_new_one() {
    let sandbox = TradeinPromoSandbox::start().await;
    let client = sandbox.client();
    let request = all_yes(PromotionRequest::by_imei(IMEI_IPHONE));
    client.get_promotion(&request).await.unwrap();
    sandbox.expire_tokens();
    client.get_promotion(&request).await.unwrap();
    assert_eq!(sandbox.token_requests(), 2);
    assert_eq!(
        sandbox.promotion_requests(),
        3,
        "one refused, one retried, one first call"
    );
}

#[tokio::test]
async fn short_token_lifetime_is_configurable() {
    let sandbox = TradeinPromoSandbox::builder()
        .token_lifetime(Duration::from_secs(1))
        .start()
        .await;
    let client = sandbox.client();
    let request = PromotionRequest::by_imei(IMEI_PIXEL);
    client.get_promotion(&request).await.unwrap();
    // The client refreshes at least half a lifetime early.
    tokio::time::sleep(Duration::from_millis(600)).await;
    client.get_promotion(&request).await.unwrap();
    assert_eq!(sandbox.token_requests(), 2);
}

#[tokio::test]
async fn start_on_serves_on_the_given_listener() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let sandbox = TradeinPromoSandbox::start_on(listener).await;
    assert!(sandbox.base_url().contains(&format!(":{port}/")));
    assert!(sandbox.token_url().contains(&format!(":{port}/")));
    let offer = sandbox
        .client()
        .get_promotion(&all_yes(PromotionRequest::by_imei(IMEI_IPHONE)))
        .await
        .unwrap();
    assert!(offer.is_eligible());
}
