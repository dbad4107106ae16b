//! Every fixture: requests serialise JSON-equal to the sample, responses
//! parse with the right values.

use crate::support as common;

use bbti::{
    ApiErrorBody, Condition, Date, DeliveryPattern, Grade, KycResponse, ManufacturerList,
    PickupTime, PriceByAppCodeRequest, PriceProductRequest, PriceResponse,
    RegisterDeliveryResponse, SeriesList, Transaction, TransactionStatus,
    catalogue::{decode_models_page, decode_prices_page},
};
use common::{fixture, fixture_json, kyc_request, pickup_request};

fn parse<T: serde::de::DeserializeOwned>(name: &str) -> T {
    serde_json::from_str(&fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[test]
fn price_product_request_serialises_like_the_sample() {
    let req = PriceProductRequest::new("partner-standard", "iphone-8")
        .submission_id("order-20240115-0001")
        .storage_key("64gb")
        .carrier_key("simfree")
        .condition(Condition::Pass, Condition::Fail);
    assert_eq!(
        serde_json::to_value(&req).unwrap(),
        fixture_json("pricing_products_request.json")
    );
}

#[test]
fn price_codes_request_serialises_like_the_sample() {
    let req = PriceByAppCodeRequest::new("partner-standard", "V1.1-IPHONE8-128-SF.PP")
        .submission_id("order-20240115-0002")
        .campaign_code("SPRING2024");
    assert_eq!(
        serde_json::to_value(&req).unwrap(),
        fixture_json("pricing_codes_request.json")
    );
}

#[test]
fn kyc_request_serialises_like_the_sample() {
    assert_eq!(
        serde_json::to_value(kyc_request()).unwrap(),
        fixture_json("kyc_request.json")
    );
}

#[test]
fn delivery_request_serialises_like_the_sample() {
    assert_eq!(
        serde_json::to_value(pickup_request()).unwrap(),
        fixture_json("delivery_pickup_request.json")
    );
}

#[test]
fn catalogue_samples_parse() {
    let m: ManufacturerList = parse("list_manufacturers.json");
    assert_eq!(m.manufacturers.len(), 2);
    assert_eq!(m.manufacturers[0].key, "apple");
    assert_eq!(m.manufacturers[1].value, "Google");

    let s: SeriesList = parse("list_series.json");
    assert_eq!(s.series[0].number_of_models, 1, "int64 as a string");
    assert_eq!(s.series[1].number_of_models, 1);
    assert_eq!(s.series[0].category.value, "スマートフォン");

    let models = decode_models_page(fixture("list_models.json").as_bytes()).unwrap();
    assert!(models.next.is_none());
    let iphone = &models.items[0];
    assert_eq!(iphone.model.key, "iphone-8");
    assert_eq!(iphone.storages.len(), 3);
    assert!(iphone.memories.is_empty(), "absent list is empty");
    assert_eq!(iphone.carriers[0].value, "SIMフリー版");

    let prices = decode_prices_page(fixture("list_prices.json").as_bytes()).unwrap();
    let p = &prices.items[0];
    assert_eq!(p.prices.len(), 2);
    assert_eq!(p.prices[0].grade_prices[1].grade, Grade::B);
    assert_eq!(p.prices[0].grade_prices[1].price, 7500);
    assert_eq!(p.prices[0].grade_prices[0].delta_price, 0);
    assert_eq!(p.price_for("128gb", "simfree", &Grade::C), Some(5000));
    assert_eq!(p.price_for("256gb", "simfree", &Grade::C), None);
    assert!(p.prices[0].memory.key.is_empty());
}

#[test]
fn pricing_samples_parse() {
    let r: PriceResponse = parse("pricing_products_response.json");
    assert_eq!(r.transaction_id, "01HM2Z8Q4V7K9D3T6W5X1Y0BCE");
    assert_eq!(r.grade, Grade::B);
    assert_eq!(r.price, 7500);
    assert_eq!(r.delta_price, 0);
    assert_eq!(r.storage.key, "64gb");
    let c: PriceResponse = parse("pricing_codes_response.json");
    assert_eq!(c.grade, Grade::A);
    assert_eq!((c.price, c.delta_price), (11000, 1000));
}

#[test]
fn kyc_and_delivery_samples_parse() {
    let k: KycResponse = parse("kyc_response.json");
    assert!(k.url.starts_with("https://ekyc.example.jp/apply/"));

    let p: RegisterDeliveryResponse = parse("delivery_pickup_response.json");
    let d = &p.delivery_detail;
    assert_eq!(d.delivery_pattern, DeliveryPattern::Pickup);
    assert_eq!(d.pickup_date, Some(Date::new(2024, 1, 20)));
    assert_eq!(d.pickup_time, PickupTime::From14To16);
    assert!(d.qr_code.is_empty());

    let b: RegisterDeliveryResponse = parse("delivery_bring_in_response.json");
    let d = &b.delivery_detail;
    assert_eq!(d.delivery_pattern, DeliveryPattern::BringIn);
    assert!(d.qr_code.is_png() && d.barcode.is_png());
    assert_eq!(d.qr_code.bytes().len(), 70);
    assert_eq!(d.reservation_pw, "739251");
    assert!(
        !format!("{d:?}").contains("739251"),
        "password redacted in Debug"
    );
    assert_eq!(d.bring_in_expiration_date, Some(Date::new(2024, 1, 29)));
}

#[test]
fn transaction_sample_parses() {
    let t: Transaction = parse("get_transaction.json");
    assert_eq!(t.status, TransactionStatus::GradeConfirmed);
    assert_eq!(t.deal_id, "D-2024-000123");
    assert_eq!(t.product.offered_price, 7500);
    assert_eq!(t.product.confirmed_price, 5000);
    assert_eq!(t.product.confirmed_grade, Grade::C);
    assert!(t.product.is_confirmed());
    assert_eq!(t.delivery_detail.unwrap().tracking_number, "123456789012");
}

#[test]
fn error_samples_parse() {
    let e: ApiErrorBody = parse("error_invalid_argument.json");
    assert_eq!(e.error_code(), bbti::ErrorCode::InvalidArgument);
    let e: ApiErrorBody = parse("error_not_found.json");
    assert_eq!(e.error_code(), bbti::ErrorCode::NotFound);
    let e: ApiErrorBody = parse("error_unauthenticated.json");
    assert_eq!(e.error_code(), bbti::ErrorCode::Unauthenticated);
}

#[test]
fn protobuf_json_quirks_decode() {
    // Omitted defaults, nulls, int64 as strings, unknown enum values and fields.
    let t: Transaction = serde_json::from_str(
        r#"{"transactionId":"t1","status":"TRANSACTION_STATUS_SOMETHING_NEW","product":null,
            "deliveryDetail":null,"extra":{"x":1}}"#,
    )
    .unwrap();
    assert_eq!(
        t.status,
        TransactionStatus::Other("TRANSACTION_STATUS_SOMETHING_NEW".into())
    );
    assert_eq!(t.product.offered_price, 0);
    assert!(t.delivery_detail.is_none());
    let t: Transaction = serde_json::from_str("{}").unwrap();
    assert_eq!(t.status, TransactionStatus::Unspecified);
    let r: PriceResponse =
        serde_json::from_str(r#"{"grade":"GRADE_S","price":"-9223372036854775808"}"#).unwrap();
    assert_eq!(r.grade, Grade::S);
    assert_eq!(r.price, i64::MIN);
    let d: RegisterDeliveryResponse = serde_json::from_str(
        r#"{"deliveryDetail":{"deliveryPattern":"DELIVERY_PATTERN_BRING","qrCode":"aGk","pickupDate":{"year":"2024","month":1}}}"#,
    )
    .unwrap();
    assert_eq!(d.delivery_detail.delivery_pattern, DeliveryPattern::BringIn);
    assert_eq!(d.delivery_detail.qr_code.bytes(), b"hi");
    assert_eq!(d.delivery_detail.pickup_date, Some(Date::new(2024, 1, 0)));
    assert!(
        serde_json::from_str::<RegisterDeliveryResponse>(
            r#"{"deliveryDetail":{"qrCode":"not base64!!"}}"#
        )
        .is_err()
    );
}

#[test]
fn all_thirteen_transaction_statuses_are_known() {
    assert_eq!(TransactionStatus::KNOWN.len(), 13);
    for s in TransactionStatus::KNOWN {
        let back: TransactionStatus =
            serde_json::from_value(serde_json::to_value(s).unwrap()).unwrap();
        assert_eq!(&back, s);
    }
}
