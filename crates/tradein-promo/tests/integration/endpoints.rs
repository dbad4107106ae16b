//! What the client sends and parses, against wiremock.

use crate::common;

use common::*;
use partner_sdk_tradein_promo::{
    AnswerValue, ConditionAnswer, ConditionName, Eligibility, ErrorCode, FlowType,
    PromotionRequest, QualificationType,
};
use rust_decimal::Decimal;
use serde_json::json;
use wiremock::matchers::{header_exists, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[tokio::test]
async fn one_token_serves_many_calls_and_clones() {
    let server = MockServer::start().await;
    mount_token(&server, 1).await;
    Mock::given(method("POST"))
        .and(path(API_PATH))
        .and(header_exists("authorization"))
        .respond_with(json_body(OFFER))
        .expect(20)
        .mount(&server)
        .await;
    let client = client(&server);
    let calls = (0..20).map(|i| {
        let c = client.clone();
        async move {
            let req = if i % 2 == 0 { scenario1() } else { scenario2() };
            c.get_promotion(&req).await
        }
    });
    for r in futures::future::join_all(calls).await {
        r.unwrap();
    }
}

#[tokio::test]
async fn a_401_fetches_one_new_token_and_retries_once() {
    let server = MockServer::start().await;
    mount_token(&server, 2).await;
    Mock::given(method("POST"))
        .and(path(API_PATH))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({
            "code": "ERR401", "reason": "Unauthorized", "message": "token expired", "status": "401"
        })))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(API_PATH))
        .respond_with(json_body(OFFER))
        .expect(1)
        .mount(&server)
        .await;
    let offer = client(&server).get_promotion(&scenario1()).await.unwrap();
    assert!(offer.is_eligible());
}

#[tokio::test]
async fn a_second_401_is_an_auth_error() {
    let server = MockServer::start().await;
    mount_token(&server, 2).await;
    Mock::given(method("POST"))
        .and(path(API_PATH))
        .respond_with(ResponseTemplate::new(401))
        .expect(2)
        .mount(&server)
        .await;
    let err = client(&server)
        .get_promotion(&scenario1())
        .await
        .unwrap_err();
    assert!(
        matches!(err.as_core(), Some(partner_sdk_core::Error::Auth(_))),
        "{err:?}"
    );
}

#[tokio::test]
async fn token_endpoint_refusal_is_an_auth_error_and_no_api_call() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(TOKEN_PATH))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({
            "error": "invalid_client", "error_description": "Invalid client secret provided."
        })))
        .expect(1)
        .mount(&server)
        .await;
    let err = client(&server)
        .get_promotion(&scenario1())
        .await
        .unwrap_err();
    assert!(
        matches!(err.as_core(), Some(partner_sdk_core::Error::Auth(_))),
        "{err:?}"
    );
    assert_eq!(api_requests(&server).await, 0);
}

#[tokio::test]
async fn empty_qualification_items_mean_not_eligible() {
    let server = MockServer::start().await;
    for body in [
        json!({"qualificationType": "Trade-In", "potentialQualificationItem": []}),
        json!({"qualificationType": "Trade-In"}),
        json!({"qualificationType": "Trade-In", "potentialQualificationItem": null}),
    ] {
        server.reset().await;
        mount_token(&server, 1).await;
        Mock::given(method("POST"))
            .and(path(API_PATH))
            .respond_with(ResponseTemplate::new(200).set_body_json(body))
            .expect(1)
            .mount(&server)
            .await;
        let client = client(&server);
        let offer = client.get_promotion(&scenario1()).await.unwrap();
        assert_eq!(offer.eligibility(), Eligibility::NotEligible);
        assert!(!offer.is_eligible());
        assert_eq!(offer.trade_in_value(), None);
        assert_eq!(offer.promotions().count(), 0);
    }
}

#[tokio::test]
async fn lenient_decoding_keeps_unknown_values() {
    let server = MockServer::start().await;
    mount_token(&server, 1).await;
    let body = json!({
        "qualificationType": "Buy-Back",
        "extraTopLevel": {"x": 1},
        "potentialQualificationItem": {
            "characteristic": [
                {"name": "tradeInValue", "value": 120.5},
                {"name": "TradeInModel", "value": "Galaxy S22"},
                {"name": "hylaGrade", "value": "B", "valueType": "string"},
                {"name": "eligible", "value": true}
            ],
            "potentialPromotion": [
                {"id": 123, "promotion": {"id": 123, "name": null, "promotionCharacteristics": [
                    {"name": "discount", "value": "1,000.00"},
                    {"name": "promoType", "value": "bogo"},
                    {"name": "term", "value": ["36"]}
                ]}},
                {"id": "no-promotion-object"}
            ]
        }
    });
    Mock::given(method("POST"))
        .and(path(API_PATH))
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .mount(&server)
        .await;
    let offer = client(&server).get_promotion(&scenario1()).await.unwrap();
    assert_eq!(
        offer.qualification_type,
        Some(QualificationType::Other("Buy-Back".into()))
    );
    assert_eq!(offer.trade_in_value(), Some(Decimal::new(1205, 1)));
    assert_eq!(offer.trade_in_model(), Some("Galaxy S22"));
    let item = offer.item().unwrap();
    assert_eq!(item.characteristic("hylaGrade").unwrap().value, "B");
    assert_eq!(item.characteristic("eligible").unwrap().value, "true");
    assert_eq!(item.potential_promotions.len(), 2);
    let promos: Vec<_> = offer.promotions().collect();
    assert_eq!(promos.len(), 1);
    assert_eq!(promos[0].id(), Some("123"));
    assert_eq!(promos[0].name(), None);
    assert_eq!(promos[0].discount(), Some(Decimal::new(100000, 2)));
    assert_eq!(promos[0].promo_type().unwrap().as_str(), "bogo");
    assert_eq!(promos[0].characteristic("term").unwrap().value, "36");
    assert_eq!(offer.other_fields["extraTopLevel"], json!({"x": 1}));
    assert_eq!(item.potential_promotions[1].promotion, None);
    let with_extras = serde_json::to_value(&offer).unwrap();
    assert_eq!(with_extras["extraTopLevel"], json!({"x": 1}));
}

#[tokio::test]
async fn an_empty_success_body_means_not_eligible() {
    let server = MockServer::start().await;
    mount_token(&server, 1).await;
    Mock::given(method("POST"))
        .and(path(API_PATH))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    let offer = client(&server).get_promotion(&scenario1()).await.unwrap();
    assert_eq!(offer.eligibility(), Eligibility::NotEligible);
}

#[tokio::test]
async fn invalid_requests_are_refused_before_any_http_call() {
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(500))
        .expect(0)
        .mount(&server)
        .await;
    let client = client(&server);
    let cases: Vec<(PromotionRequest, &str)> = vec![
        (PromotionRequest::by_imei(""), "imei"),
        (PromotionRequest::by_imei("  "), "imei"),
        (PromotionRequest::by_imei("123\n45"), "imei"),
        (PromotionRequest::by_device("", "m", "c", "t"), "make"),
        (PromotionRequest::by_device("a", " ", "c", "t"), "model"),
        (PromotionRequest::by_device("a", "m", "", "t"), "capacity"),
        (
            PromotionRequest::by_device("a", "m", "c", ""),
            "tradeInModelCode",
        ),
        (scenario1().device_bill_code(""), "deviceBillCode"),
        (scenario1().flow_type(""), "flowType"),
        (scenario1().qualification_type(""), "qualificationType"),
        (
            PromotionRequest::by_imei("1").answer("", true),
            "deviceConditionAnswers[0].name",
        ),
        (
            PromotionRequest::by_imei("1").condition_answers([ConditionAnswer {
                name: ConditionName::PowerOn,
                value: vec![],
            }]),
            "deviceConditionAnswers[0].value",
        ),
        (
            PromotionRequest::by_imei("1").answer(ConditionName::PowerOn, ""),
            "deviceConditionAnswers[0].value[0]",
        ),
        (
            scenario1().answer(ConditionName::PowerOn, false),
            "deviceConditionAnswers[4].name",
        ),
    ];
    for (request, field) in cases {
        let err = client.get_promotion(&request).await.unwrap_err();
        assert!(err.is_invalid_input(), "{err:?}");
        assert_eq!(err.invalid_field(), Some(field), "{err}");
    }
}

#[test]
fn both_or_no_identification_modes_cannot_be_deserialised() {
    for body in [
        json!({"imei": "1", "make": "Apple", "model": "m", "capacity": "c", "tradeInModelCode": "t"}),
        json!({"qualificationType": "Trade-In"}),
        json!({"make": "Apple", "model": "m"}),
    ] {
        assert!(serde_json::from_value::<PromotionRequest>(body).is_err());
    }
}

#[test]
fn unknown_condition_names_flow_types_and_answers_are_kept() {
    let req = PromotionRequest::by_imei("1")
        .flow_type("AAL")
        .answer("WATER_DAMAGE", "Maybe")
        .answer(ConditionName::PowerOn, false);
    let v = serde_json::to_value(&req).unwrap();
    assert_eq!(v["flowType"], "AAL");
    assert_eq!(
        v["deviceConditionAnswers"][0],
        json!({"name": "WATER_DAMAGE", "value": ["Maybe"]})
    );
    assert_eq!(
        v["deviceConditionAnswers"][1],
        json!({"name": "POWER_ON", "value": ["No"]})
    );
    let back: PromotionRequest = serde_json::from_value(v).unwrap();
    assert_eq!(back.get_flow_type(), Some(&FlowType::Other("AAL".into())));
    let water = back
        .answer_to(&ConditionName::Other("WATER_DAMAGE".into()))
        .unwrap();
    assert_eq!(water.value, vec![AnswerValue::Other("Maybe".into())]);
    assert!(!back.answer_to(&ConditionName::PowerOn).unwrap().is_yes());
    assert_eq!(
        ConditionName::from("lcd_functionality"),
        ConditionName::LcdFunctionality
    );
    assert_eq!(AnswerValue::from("yes"), AnswerValue::Yes);
}

#[tokio::test]
async fn tmf_error_bodies_are_recognised() {
    let server = MockServer::start().await;
    mount_token(&server, 1).await;
    Mock::given(method("POST"))
        .and(path(API_PATH))
        .respond_with(ResponseTemplate::new(422).set_body_json(json!({
            "code": "ERR422", "reason": "Unprocessable Entity",
            "message": "tradeInModelCode 999 is unknown", "status": "422",
            "referenceError": "https://example.invalid/errors/422", "@type": "Error"
        })))
        .expect(1)
        .mount(&server)
        .await;
    let err = client(&server)
        .get_promotion(&scenario2())
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(422));
    assert_eq!(err.code(), Some(ErrorCode::Unprocessable));
    let tmf = err.api_body().unwrap();
    assert_eq!(tmf.reason.as_deref(), Some("Unprocessable Entity"));
    assert_eq!(tmf.status.as_deref(), Some("422"));
    assert_eq!(
        tmf.reference_error.as_deref(),
        Some("https://example.invalid/errors/422")
    );
    let api = err.api().unwrap();
    assert_eq!(api.message(), Some("tradeInModelCode 999 is unknown"));
    assert!(
        err.to_string().contains("tradeInModelCode 999 is unknown"),
        "{err}"
    );
    assert!(!err.is_retryable());
}

#[tokio::test]
async fn non_tmf_error_bodies_keep_the_raw_body() {
    let server = MockServer::start().await;
    mount_token(&server, 1).await;
    Mock::given(method("POST"))
        .and(path(API_PATH))
        .respond_with(ResponseTemplate::new(400).set_body_string("Bad Request: imei"))
        .expect(1)
        .mount(&server)
        .await;
    let err = client(&server)
        .get_promotion(&scenario1())
        .await
        .unwrap_err();
    assert!(err.api_body().is_none());
    assert_eq!(err.code(), None);
    assert_eq!(err.api().unwrap().body(), b"Bad Request: imei");
}

#[test]
fn builder_requires_base_token_credentials_and_scope() {
    use partner_sdk_tradein_promo::Client;
    let full = || {
        Client::builder()
            .base_url("https://omni.example/omni-svcs")
            .token_url("https://login.example/t/oauth2/v2.0/token")
            .credentials("id", "secret")
            .scope("s")
    };
    assert!(full().build().is_ok());
    let missing = [
        Client::builder()
            .token_url("https://login.example/t")
            .credentials("id", "secret")
            .scope("s"),
        Client::builder()
            .base_url("https://omni.example")
            .credentials("id", "secret")
            .scope("s"),
        Client::builder()
            .base_url("https://omni.example")
            .token_url("https://login.example/t")
            .credentials("id", "secret"),
        full().scope(" "),
        full().base_url("ftp://x"),
        full().token_url("not a url"),
        full().app_name("bad\nname"),
        full().app_name(""),
    ];
    for b in missing {
        let err = b.build().unwrap_err();
        assert!(
            matches!(err.as_core(), Some(partner_sdk_core::Error::Config(_))),
            "{err:?}"
        );
    }
    let no_credentials = Client::builder()
        .base_url("https://omni.example")
        .token_url("https://login.example/t")
        .scope("s");
    for (b, field) in [
        (no_credentials, "credentials"),
        (full().credentials("", "secret"), "credentials.id"),
        (full().credentials("id", ""), "credentials.secret"),
    ] {
        let err = b.build().unwrap_err();
        assert!(err.is_invalid_input(), "{err:?}");
        assert_eq!(err.invalid_field(), Some(field));
    }
}

#[test]
fn error_codes_map_to_variants() {
    for (wire, code) in [
        ("ERR400", ErrorCode::BadRequest),
        ("400", ErrorCode::BadRequest),
        ("ERR401", ErrorCode::Unauthorized),
        ("ERR403", ErrorCode::Forbidden),
        ("ERR404", ErrorCode::NotFound),
        ("ERR408", ErrorCode::RequestTimeout),
        ("ERR413", ErrorCode::PayloadTooLarge),
        ("ERR422", ErrorCode::Unprocessable),
        ("err422", ErrorCode::Unprocessable),
        ("ERR429", ErrorCode::TooManyRequests),
        ("ERR500", ErrorCode::Internal),
        ("ERR503", ErrorCode::ServiceUnavailable),
    ] {
        assert_eq!(ErrorCode::from(wire), code);
    }
    assert_eq!(
        ErrorCode::from("PROMO-17"),
        ErrorCode::Other("PROMO-17".into())
    );
}

#[test]
fn validate_names_the_field_without_a_client() {
    let err = PromotionRequest::by_device("Apple", "m", "c", " ")
        .validate()
        .unwrap_err();
    assert_eq!(err.invalid_field(), Some("tradeInModelCode"));
    assert!(err.to_string().contains("tradeInModelCode"), "{err}");
    assert!(scenario2().validate().is_ok());
}

#[test]
fn scenario1_serialises_in_the_sample_field_order() {
    let text = serde_json::to_string(&scenario1()).unwrap();
    assert!(text.starts_with(r#"{"imei":"12345789","qualificationType":"Trade-In","deviceBillCode":"689C","flowType":"UP","deviceConditionAnswers":[{"name":"ATT_GENERIC","value":["Yes"]}"#), "{text}");
}
