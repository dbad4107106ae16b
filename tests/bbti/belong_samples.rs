//! Belong's own published samples (`fixtures/bbti/belong/`, copied verbatim
//! from its documentation repository): every response decodes to its
//! values through the client, and every request, built through the public
//! API from the sample's values, is accepted and sent exactly as published.

use bbti::{
    Condition, Date, DeliveryPattern, Grade, KeyValue, KycRequest, ManufacturerQuery, ModelQuery,
    PickupTime, PriceByAppCodeRequest, PriceProductRequest, PriceQuery, RegisterDeliveryRequest,
    SeriesQuery, TransactionStatus,
};
use serde_json::Value;
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const TOKEN: &str = "belong-sample-token";

fn read(name: &str) -> String {
    let path = format!("{}/fixtures/bbti/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn sample(name: &str) -> String {
    read(&format!("belong/{name}"))
}

fn sample_json(name: &str) -> Value {
    serde_json::from_str(&sample(name)).unwrap()
}

struct Servers {
    auth: MockServer,
    api: MockServer,
}

impl Servers {
    async fn start() -> Servers {
        let auth = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/auth/v1/token"))
            .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
                "access_token": TOKEN, "token_type": "Bearer", "expires_in": 3600
            })))
            .mount(&auth)
            .await;
        Servers {
            auth,
            api: MockServer::start().await,
        }
    }

    fn client(&self) -> bbti::Client {
        bbti::Client::builder()
            .base_url(self.api.uri())
            .token_url(format!("{}/auth/v1/token", self.auth.uri()))
            .credentials("client-id", "client-secret")
            .build()
            .unwrap()
    }

    /// `GET at` answers the sample `name` verbatim.
    async fn serve(&self, at: &str, name: &str) {
        Mock::given(method("GET"))
            .and(path(at))
            .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
            .respond_with(ResponseTemplate::new(200).set_body_raw(sample(name), "application/json"))
            .expect(1)
            .mount(&self.api)
            .await;
    }

    /// `POST at` accepts only a body equal to the sample `name`, answering
    /// the constructed fixture `answer`.
    async fn expect_post(&self, at: &str, name: &str, answer: &str) {
        Mock::given(method("POST"))
            .and(path(at))
            .and(body_json(sample_json(name)))
            .respond_with(ResponseTemplate::new(200).set_body_raw(read(answer), "application/json"))
            .expect(1)
            .mount(&self.api)
            .await;
    }

    /// The JSON body of the one request sent to `at`.
    async fn sent_to(&self, at: &str) -> Value {
        let requests = self.api.received_requests().await.unwrap();
        let sent: Vec<_> = requests.iter().filter(|r| r.url.path() == at).collect();
        assert_eq!(sent.len(), 1, "one request to {at}");
        serde_json::from_slice(&sent[0].body).unwrap()
    }
}

fn kv(k: &KeyValue) -> (&str, &str) {
    (k.key.as_str(), k.value.as_str())
}

fn kvs(list: &[KeyValue]) -> Vec<(&str, &str)> {
    list.iter().map(kv).collect()
}

const SIMFREE: (&str, &str) = ("simfree", "SIMフリー版");
const SMARTPHONE: (&str, &str) = ("smartphone", "スマートフォン");

#[tokio::test]
async fn manufacturer_response_decodes_to_its_values() {
    let s = Servers::start().await;
    s.serve("/v1/manufacturers", "manufacturer_response.json")
        .await;
    let makers = s
        .client()
        .list_manufacturers(&ManufacturerQuery::new())
        .await
        .unwrap();
    assert_eq!(kvs(&makers), [("apple", "Apple"), ("google", "Google")]);
}

#[tokio::test]
async fn series_response_decodes_to_its_values() {
    let s = Servers::start().await;
    s.serve("/v1/series", "series_response.json").await;
    let series = s.client().list_series(&SeriesQuery::new()).await.unwrap();
    let got: Vec<_> = series
        .iter()
        .map(|x| {
            (
                kv(&x.series),
                kv(&x.category),
                kv(&x.manufacturer),
                x.number_of_models,
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (("iphone", "iPhone"), SMARTPHONE, ("apple", "Apple"), 10),
            (("pixel", "Pixel"), SMARTPHONE, ("google", "Google"), 10),
        ]
    );
}

#[tokio::test]
async fn model_response_decodes_to_its_values() {
    let s = Servers::start().await;
    s.serve("/v1/models", "model_response.json").await;
    let page = s.client().list_models(&ModelQuery::new()).await.unwrap();
    assert_eq!(page.next.as_deref(), Some("sample_page_token"));
    assert_eq!(page.items.len(), 2);
    let iphone = &page.items[0];
    assert_eq!(kv(&iphone.model), ("iphone-8", "iPhone 8"));
    assert_eq!(
        kvs(&iphone.storages),
        [("64gb", "64GB"), ("128gb", "128GB")]
    );
    assert!(iphone.memories.is_empty());
    assert_eq!(kvs(&iphone.carriers), [SIMFREE]);
    assert_eq!(kv(&iphone.category), SMARTPHONE);
    assert_eq!(kv(&iphone.manufacturer), ("apple", "Apple"));
    assert_eq!(kv(&iphone.series), ("iphone", "iPhone"));
    let pixel = &page.items[1];
    assert_eq!(kv(&pixel.model), ("pixel-4a", "Pixel 4a"));
    assert_eq!(kvs(&pixel.storages), [("128gb", "128GB")]);
    assert_eq!(kvs(&pixel.carriers), [SIMFREE]);
    assert_eq!(kv(&pixel.category), SMARTPHONE);
    assert_eq!(kv(&pixel.manufacturer), ("google", "Google"));
    assert_eq!(kv(&pixel.series), ("pixel", "Pixel"));
}

#[tokio::test]
async fn price_response_decodes_to_its_values() {
    let s = Servers::start().await;
    s.serve("/v1/prices", "price_response.json").await;
    let page = s.client().list_prices(&PriceQuery::new()).await.unwrap();
    assert_eq!(page.next.as_deref(), Some("sample_page_token"));
    let got: Vec<_> = page
        .items
        .iter()
        .map(|m| {
            (
                kv(&m.model),
                kvs(&m.storages),
                kvs(&m.carriers),
                kv(&m.category),
                kv(&m.series),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (
                ("iphone-8", "iPhone 8"),
                vec![("64gb", "64GB"), ("128gb", "128GB")],
                vec![SIMFREE],
                SMARTPHONE,
                ("iphone", "iPhone"),
            ),
            (
                ("pixel-4a", "Pixel 4a"),
                vec![("128gb", "128GB")],
                vec![SIMFREE],
                SMARTPHONE,
                ("pixel", "Pixel"),
            ),
        ]
    );
    // Every price unit: storage, memory, carrier, then (grade, price, delta).
    let units: Vec<_> = page
        .items
        .iter()
        .flat_map(|m| &m.prices)
        .map(|u| {
            (
                kv(&u.storage),
                kv(&u.memory),
                kv(&u.carrier),
                u.grade_prices
                    .iter()
                    .map(|g| (g.grade.clone(), g.price, g.delta_price))
                    .collect::<Vec<_>>(),
            )
        })
        .collect();
    let grades =
        |a: i64, b: i64, c: i64| vec![(Grade::A, a, 500), (Grade::B, b, 0), (Grade::C, c, 0)];
    assert_eq!(
        units,
        [
            (
                ("64gb", "64GB"),
                ("", ""),
                SIMFREE,
                grades(20000, 15000, 10000)
            ),
            (
                ("128gb", "128GB"),
                ("", ""),
                SIMFREE,
                grades(10000, 7500, 5000)
            ),
            (
                ("128gb", "128GB"),
                ("", ""),
                SIMFREE,
                grades(10000, 7500, 5000)
            ),
        ]
    );
    assert_eq!(
        page.items[0].price_for("64gb", "simfree", &Grade::A),
        Some(20000)
    );
}

#[tokio::test]
async fn transaction_response_decodes_to_its_values() {
    let s = Servers::start().await;
    s.serve(
        "/v1/transactions/transaction123",
        "transaction_response.json",
    )
    .await;
    let tx = s.client().get_transaction("transaction123").await.unwrap();
    assert_eq!(tx.transaction_id, "transaction123");
    assert_eq!(tx.deal_id, "deal123");
    assert_eq!(tx.status, TransactionStatus::DeliveryRegistered);
    assert_eq!(tx.delivery_detail, None);
    let p = &tx.product;
    assert_eq!(
        (
            p.offered_model_name.as_str(),
            p.offered_storage_name.as_str(),
            p.offered_memory_name.as_str(),
            p.offered_carrier_name.as_str(),
            p.offered_grade.clone(),
            p.offered_price,
        ),
        ("iPhone 8", "64GB", "", "SIMフリー", Grade::A, 10000)
    );
    assert_eq!(
        (
            p.confirmed_model_name.as_str(),
            p.confirmed_storage_name.as_str(),
            p.confirmed_memory_name.as_str(),
            p.confirmed_carrier_name.as_str(),
            p.confirmed_grade.clone(),
            p.confirmed_price,
        ),
        ("iPhone 8", "256GB", "", "SIMフリー", Grade::B, 30000)
    );
    assert!(p.is_confirmed());
}

#[tokio::test]
async fn pricing_request_is_sent_as_published() {
    let s = Servers::start().await;
    s.expect_post(
        "/v1/pricing/products",
        "pricing_request.json",
        "pricing_products_response.json",
    )
    .await;
    let request = PriceProductRequest::new("sample", "iphone-8")
        .submission_id("orderId123")
        .storage_key("64gb")
        .carrier_key("simfree")
        .condition(Condition::Pass, Condition::Fail)
        .campaign_code("campaignXYZ");
    let priced = s.client().price_products(&request).await.unwrap();
    assert!(!priced.transaction_id.is_empty());
    assert_eq!(
        s.sent_to("/v1/pricing/products").await,
        sample_json("pricing_request.json")
    );
}

#[tokio::test]
async fn pricing_by_appcode_request_is_sent_as_published() {
    let s = Servers::start().await;
    s.expect_post(
        "/v1/pricing/codes",
        "pricing_by_appcode.json",
        "pricing_codes_response.json",
    )
    .await;
    let request = PriceByAppCodeRequest::new("sample", "predefined_format_code")
        .submission_id("orderId123")
        .campaign_code("campaignXYZ");
    s.client().price_codes(&request).await.unwrap();
    assert_eq!(
        s.sent_to("/v1/pricing/codes").await,
        sample_json("pricing_by_appcode.json")
    );
}

#[tokio::test]
async fn kyc_request_without_katakana_is_accepted_and_sent_as_published() {
    let s = Servers::start().await;
    s.expect_post("/v1/kyc", "kyc_request.json", "kyc_response.json")
        .await;
    // Belong's sample has no katakana names.
    let request = KycRequest {
        transaction_id: "transaction123".into(),
        user_id_in_partner: Some("order123".into()),
        email: "test@belong.com".into(),
        last_name: "Belong".into(),
        first_name: "Taro".into(),
        date_of_birth: Date::new(2000, 1, 1),
        zip: "1070052".into(),
        state: "東京都".into(),
        city: "港区".into(),
        address: "赤坂６丁目４−１０ ZENビル 4F".into(),
        occupation: "Engineer".into(),
        redirect_url: Some("https://belong.co.jp".into()),
        ..KycRequest::default()
    };
    let issued = s.client().register_kyc(&request).await.unwrap();
    assert!(issued.url.starts_with("https://"));
    assert_eq!(s.sent_to("/v1/kyc").await, sample_json("kyc_request.json"));
}

/// The name, address and phone of Belong's delivery samples.
fn addressed(request: RegisterDeliveryRequest) -> RegisterDeliveryRequest {
    RegisterDeliveryRequest {
        last_name: "Belong".into(),
        first_name: "Taro".into(),
        last_name_kana: Some("ビロング".into()),
        first_name_kana: Some("タロウ".into()),
        zip: "1070052".into(),
        state: "東京都".into(),
        city: "港区".into(),
        address: "赤坂６丁目４−１０".into(),
        building: Some("ZENビル ４F".into()),
        phone_number: "08000000000".into(),
        ..request
    }
}

#[tokio::test]
async fn delivery_pickup_request_is_sent_as_published() {
    let s = Servers::start().await;
    s.expect_post(
        "/v1/delivery/register",
        "delivery_pickup_request.json",
        "delivery_pickup_response.json",
    )
    .await;
    let request = addressed(RegisterDeliveryRequest::pickup(
        "transaction123",
        Date::new(2025, 12, 31),
        PickupTime::AllDay,
    ));
    let registered = s.client().register_delivery(&request).await.unwrap();
    assert_eq!(
        registered.delivery_detail.delivery_pattern,
        DeliveryPattern::Pickup
    );
    assert_eq!(
        s.sent_to("/v1/delivery/register").await,
        sample_json("delivery_pickup_request.json")
    );
}

#[tokio::test]
async fn delivery_bring_in_request_is_sent_as_published() {
    let s = Servers::start().await;
    s.expect_post(
        "/v1/delivery/register",
        "delivery_bring_in_request.json",
        "delivery_bring_in_response.json",
    )
    .await;
    let request = addressed(RegisterDeliveryRequest::bring_in("transaction123"));
    let registered = s.client().register_delivery(&request).await.unwrap();
    assert!(registered.delivery_detail.qr_code.is_png());
    assert_eq!(
        s.sent_to("/v1/delivery/register").await,
        sample_json("delivery_bring_in_request.json")
    );
}

#[test]
fn every_published_sample_has_a_test_and_a_recorded_source() {
    let dir = format!("{}/fixtures/bbti/belong", env!("CARGO_MANIFEST_DIR"));
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "delivery_bring_in_request.json",
            "delivery_pickup_request.json",
            "kyc_request.json",
            "manufacturer_response.json",
            "model_response.json",
            "price_response.json",
            "pricing_by_appcode.json",
            "pricing_request.json",
            "series_response.json",
            "transaction_response.json",
        ]
    );
    let readme = read("README.md");
    for name in &names {
        assert!(
            readme.contains(&format!("`{name}`")),
            "{name} has no source in fixtures/bbti/README.md"
        );
    }
}
