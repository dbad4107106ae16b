//! The seed's samples: requests serialise JSON-equal, responses parse, and
//! the client sends exactly the sample request bodies.

use crate::support as common;

use common::*;
use rust_decimal::Decimal;
use serde_json::Value;
use tradein_promo::{
    AnswerValue, ConditionName, DeviceIdentification, Eligibility, FlowType, PromoType,
    PromotionRequest, PromotionResponse, QualificationType,
};
use wiremock::matchers::{body_json, body_string_contains, header, method, path};
use wiremock::{Mock, MockServer};

fn value(text: &str) -> Value {
    serde_json::from_str(text).unwrap()
}

#[test]
fn scenario1_request_serialises_like_the_sample() {
    assert_eq!(
        serde_json::to_value(scenario1()).unwrap(),
        value(S1_REQUEST)
    );
}

#[test]
fn scenario2_request_serialises_like_the_sample() {
    assert_eq!(
        serde_json::to_value(scenario2()).unwrap(),
        value(S2_REQUEST)
    );
}

#[test]
fn sample_requests_round_trip() {
    for (text, built) in [(S1_REQUEST, scenario1()), (S2_REQUEST, scenario2())] {
        let parsed: PromotionRequest = serde_json::from_str(text).unwrap();
        assert_eq!(parsed, built);
        assert_eq!(serde_json::to_value(&parsed).unwrap(), value(text));
    }
}

#[test]
fn sample_requests_parse_into_typed_fields() {
    let r: PromotionRequest = serde_json::from_str(S2_REQUEST).unwrap();
    assert_eq!(
        r.identification(),
        &DeviceIdentification::Device {
            make: "Apple".into(),
            model: "Iphone 12 Pro".into(),
            capacity: "128GB".into(),
            trade_in_model_code: "2234245".into(),
        }
    );
    assert_eq!(r.get_qualification_type(), &QualificationType::TradeIn);
    assert_eq!(r.get_device_bill_code(), Some("689C"));
    assert_eq!(r.get_flow_type(), Some(&FlowType::Upgrade));
    let names: Vec<_> = r
        .get_condition_answers()
        .iter()
        .map(|a| a.name.clone())
        .collect();
    assert_eq!(names, ConditionName::KNOWN.to_vec());
    assert!(
        r.get_condition_answers()
            .iter()
            .all(|a| a.value == [AnswerValue::Yes])
    );
}

fn assert_sample_response(text: &str) {
    let r: PromotionResponse = serde_json::from_str(text).unwrap();
    assert_eq!(r.qualification_type, Some(QualificationType::TradeIn));
    assert!(r.is_eligible());
    assert_eq!(r.trade_in_value(), Some(Decimal::new(810, 1)));
    assert_eq!(r.trade_in_value().unwrap().to_string(), "81.0");
    assert_eq!(r.trade_in_model(), Some("iPhone 14 Pro"));
    let Eligibility::Eligible(item) = r.eligibility() else {
        panic!("sample is eligible")
    };
    assert_eq!(item.potential_promotions.len(), 1);
    assert_eq!(
        item.potential_promotions[0].id.as_deref(),
        Some("wrlspr-29966")
    );
    let promos: Vec<_> = r.promotions().collect();
    assert_eq!(promos.len(), 1);
    let p = promos[0];
    assert_eq!(p.id(), Some("wrlspr-29966"));
    assert!(
        p.name()
            .unwrap()
            .starts_with("OFFER APPLIED: You're getting up to $350 off")
    );
    assert_eq!(p.discount(), Some(Decimal::new(3500, 1)));
    assert_eq!(p.discount().unwrap().to_string(), "350.0");
    assert_eq!(p.promo_type(), Some(PromoType::TradeIn));
    assert_eq!(p.promo_type().unwrap().as_str(), "tradeIn");
}

#[test]
fn scenario1_response_parses() {
    assert_sample_response(S1_RESPONSE);
}

#[test]
fn scenario2_response_parses() {
    assert_sample_response(S2_RESPONSE);
}

#[test]
fn sample_responses_round_trip_json_equal() {
    for text in [S1_RESPONSE, S2_RESPONSE] {
        let r: PromotionResponse = serde_json::from_str(text).unwrap();
        assert_eq!(serde_json::to_value(&r).unwrap(), value(text));
    }
}

#[test]
fn typed_constructors_rebuild_the_sample_response() {
    let promo = tradein_promo::Promotion::new(
        "wrlspr-29966",
        "OFFER APPLIED: You're getting up to $350 off with elig. trade-in on installment & elig. unlimited plan (speed restr's apply). Credits start within 3 bills. Without unlimited, device is full price.",
    )
    .with_discount(Decimal::from(350))
    .with_promo_type(PromoType::TradeIn);
    let item = tradein_promo::QualificationItem::new(Decimal::from(81), "iPhone 14 Pro")
        .with_promotion(promo);
    let built = PromotionResponse::new(QualificationType::TradeIn, [item]);
    assert_eq!(serde_json::to_value(&built).unwrap(), value(S1_RESPONSE));
}

#[tokio::test]
async fn scenario1_sends_token_form_bearer_and_sample_body() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(TOKEN_PATH))
        .and(header("content-type", "application/x-www-form-urlencoded"))
        .and(body_string_contains("grant_type=client_credentials"))
        .and(body_string_contains(format!("client_id={CLIENT_ID}")))
        .and(body_string_contains(format!(
            "client_secret={CLIENT_SECRET}"
        )))
        .and(body_string_contains(
            "scope=api%3A%2F%2Fpromo-partner%2F.default",
        ))
        .respond_with(token_response())
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(API_PATH))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .and(header("content-type", "application/json"))
        .and(header("accept", "application/json"))
        .and(header("appname", "demo-store"))
        .and(body_json(
            serde_json::from_str::<Value>(S1_REQUEST).unwrap(),
        ))
        .respond_with(json_body(S1_RESPONSE))
        .expect(1)
        .mount(&server)
        .await;
    let client = builder(&server).app_name("demo-store").build().unwrap();
    assert_eq!(client.app_name(), Some("demo-store"));
    let offer = client.get_promotion(&scenario1()).await.unwrap();
    assert_eq!(offer.trade_in_value(), Some(Decimal::new(810, 1)));
    assert_eq!(offer.trade_in_model(), Some("iPhone 14 Pro"));
    let token_calls: Vec<_> = server
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.url.path() == TOKEN_PATH)
        .collect();
    assert!(
        token_calls[0].headers.get("authorization").is_none(),
        "credentials go in the form, not a Basic header"
    );
}

#[tokio::test]
async fn scenario2_sends_sample_body_without_appname_by_default() {
    let server = MockServer::start().await;
    mount_token(&server, 1).await;
    Mock::given(method("POST"))
        .and(path(API_PATH))
        .and(body_json(
            serde_json::from_str::<Value>(S2_REQUEST).unwrap(),
        ))
        .respond_with(json_body(S2_RESPONSE))
        .expect(1)
        .mount(&server)
        .await;
    let offer = client(&server).get_promotion(&scenario2()).await.unwrap();
    let promo = offer.promotions().next().unwrap();
    assert_eq!(promo.discount(), Some(Decimal::new(3500, 1)));
    let reqs = server.received_requests().await.unwrap();
    let api = reqs.iter().find(|r| r.url.path() == API_PATH).unwrap();
    assert!(api.headers.get("appname").is_none());
}
