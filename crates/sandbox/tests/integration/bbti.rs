//! The BBTI sandbox, driven only through the bbti client's public API.

use std::time::Duration;

use partner_sdk_bbti::{
    Condition, Date, DeliveryPattern, ErrorCode, Grade, KycRequest, ManufacturerQuery, ModelQuery,
    PickupTime, PriceByAppCodeRequest, PriceProductRequest, PriceQuery, RegisterDeliveryRequest,
    SeriesQuery, TransactionStatus,
};
use partner_sdk_sandbox::bbti::{BbtiSandbox, CLIENT_ID, PROGRAM_ID};

fn kyc(tx: &str) -> KycRequest {
    KycRequest {
        transaction_id: tx.into(),
        email: "hanako@example.jp".into(),
        last_name: "佐藤".into(),
        first_name: "花子".into(),
        last_name_kana: Some("サトウ".into()),
        first_name_kana: Some("ハナコ".into()),
        date_of_birth: Date::new(1985, 12, 24),
        zip: "1000001".into(),
        state: "東京都".into(),
        city: "千代田区".into(),
        address: "千代田1-1".into(),
        occupation: "会社員".into(),
        ..KycRequest::default()
    }
}

fn address(mut d: RegisterDeliveryRequest) -> RegisterDeliveryRequest {
    d.last_name = "佐藤".into();
    d.first_name = "花子".into();
    d.last_name_kana = Some("サトウ".into());
    d.first_name_kana = Some("ハナコ".into());
    d.zip = "1000001".into();
    d.state = "東京都".into();
    d.city = "千代田区".into();
    d.address = "千代田1-1".into();
    d.phone_number = "0312345678".into();
    d
}

#[tokio::test]
async fn catalogue_is_consistent_with_the_price_list() {
    let sb = BbtiSandbox::start().await;
    let c = sb.client();
    let makers = c
        .list_manufacturers(&ManufacturerQuery::new())
        .await
        .unwrap();
    assert_eq!(
        makers.iter().map(|m| m.key.as_str()).collect::<Vec<_>>(),
        ["apple", "google"]
    );
    let series = c
        .list_series(&SeriesQuery::new().manufacturer("apple"))
        .await
        .unwrap();
    assert_eq!(series.len(), 1);
    assert_eq!(
        (series[0].series.key.as_str(), series[0].number_of_models),
        ("iphone", 1)
    );
    let models = c
        .list_models(&ModelQuery::new().series("iphone"))
        .await
        .unwrap();
    assert_eq!(models.items[0].storages.len(), 3);
    let prices = c
        .list_prices(&PriceQuery::new().model_key("iphone-8").storage_key("64gb"))
        .await
        .unwrap();
    let m = &prices.items[0];
    assert_eq!(m.price_for("64gb", "simfree", &Grade::A), Some(10000));
    assert_eq!(m.price_for("64gb", "simfree", &Grade::C), Some(5000));
    let first = c
        .list_prices(&PriceQuery::new().page_size(1))
        .await
        .unwrap();
    assert_eq!(first.items.len(), 1);
    assert!(first.next.is_some());
    let second = c
        .list_prices(
            &PriceQuery::new()
                .page_size(1)
                .page_token(first.next.unwrap()),
        )
        .await
        .unwrap();
    assert_eq!(second.items[0].model.key, "pixel-4a");
    assert!(second.next.is_none(), "two models over two pages");
    assert!(matches!(
        c.list_models(&ModelQuery::new().page_token("bogus"))
            .await
            .unwrap_err()
            .code(),
        Some(ErrorCode::InvalidArgument)
    ));
}

#[tokio::test]
async fn full_trade_in_flow_moves_the_status_on() {
    let sb = BbtiSandbox::start().await;
    let c = sb.client();
    let quote = c
        .price_products(
            &PriceProductRequest::new(PROGRAM_ID, "iphone-8")
                .storage_key("128gb")
                .carrier_key("simfree")
                .condition(Condition::Pass, Condition::Fail)
                .submission_id("order-77"),
        )
        .await
        .unwrap();
    assert_eq!((quote.grade.clone(), quote.price), (Grade::B, 7500));
    assert_eq!(
        sb.transaction_by_submission("order-77"),
        Some(quote.transaction_id.clone())
    );
    let by_submission = c.get_transaction("order-77").await.unwrap();
    assert_eq!(by_submission.transaction_id, quote.transaction_id);

    let k = c.register_kyc(&kyc(&quote.transaction_id)).await.unwrap();
    assert!(k.url.contains(&quote.transaction_id));
    let t = c.get_transaction(&quote.transaction_id).await.unwrap();
    assert_eq!(t.status, TransactionStatus::KycApplied);
    let t = c.get_transaction(&quote.transaction_id).await.unwrap();
    assert_eq!(t.status, TransactionStatus::KycVerified);

    let d = c
        .register_delivery(&address(RegisterDeliveryRequest::pickup(
            &quote.transaction_id,
            Date::new(2030, 3, 1),
            PickupTime::AllDay,
        )))
        .await
        .unwrap();
    assert_eq!(d.delivery_detail.delivery_pattern, DeliveryPattern::Pickup);
    assert!(!d.delivery_detail.tracking_number.is_empty());
    let mut seen = Vec::new();
    for _ in 0..8 {
        let t = c.get_transaction(&quote.transaction_id).await.unwrap();
        seen.push(t.status.clone());
        if t.status.is_final() {
            assert_eq!(t.product.confirmed_price, 7500);
            break;
        }
    }
    assert_eq!(seen.first(), Some(&TransactionStatus::DeliveryRegistered));
    assert!(seen.contains(&TransactionStatus::GradeConfirmed));
    assert_eq!(seen.last(), Some(&TransactionStatus::Close));
}

#[tokio::test]
async fn app_codes_bring_in_and_campaigns() {
    let sb = BbtiSandbox::start().await;
    let c = sb.client();
    let q = c
        .price_codes(
            &PriceByAppCodeRequest::new(PROGRAM_ID, "v1.pixel-4a.128gb.simfree.FP")
                .campaign_code("SPRING"),
        )
        .await
        .unwrap();
    assert_eq!(
        (q.grade.clone(), q.price, q.delta_price),
        (Grade::C, 6000, 1000)
    );
    c.register_kyc(&kyc(&q.transaction_id)).await.unwrap();
    let d = c
        .register_delivery(&address(RegisterDeliveryRequest::bring_in(
            &q.transaction_id,
        )))
        .await
        .unwrap();
    assert!(d.delivery_detail.qr_code.is_png());
    assert!(d.delivery_detail.barcode.is_png());
    assert!(!d.delivery_detail.reservation_pw.is_empty());
    assert!(d.delivery_detail.bring_in_expiration_date.is_some());
}

#[tokio::test]
async fn documented_errors_for_bad_input_and_unknown_ids() {
    let sb = BbtiSandbox::start().await;
    let c = sb.client();
    let e = c
        .price_products(&PriceProductRequest::new(PROGRAM_ID, "iphone-99"))
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some(ErrorCode::InvalidArgument));
    assert_eq!(e.status().map(|s| s.as_u16()), Some(400));
    let e = c
        .price_codes(&PriceByAppCodeRequest::new(PROGRAM_ID, "garbage"))
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some(ErrorCode::InvalidArgument));
    let e = c.get_transaction("nope").await.unwrap_err();
    assert_eq!(e.code(), Some(ErrorCode::NotFound));
    let e = c.register_kyc(&kyc("nope")).await.unwrap_err();
    assert_eq!(e.code(), Some(ErrorCode::NotFound));
    let q = c
        .price_products(&PriceProductRequest::new(PROGRAM_ID, "iphone-8").storage_key("64gb"))
        .await
        .unwrap();
    let e = c
        .register_delivery(&address(RegisterDeliveryRequest::bring_in(
            &q.transaction_id,
        )))
        .await
        .unwrap_err();
    assert_eq!(
        e.code(),
        Some(ErrorCode::FailedPrecondition),
        "delivery before KYC"
    );
}

#[tokio::test]
async fn wrong_credentials_are_refused() {
    let sb = BbtiSandbox::start().await;
    let c = partner_sdk_bbti::Client::builder()
        .base_url(sb.base_url())
        .token_url(sb.token_url())
        .credentials(CLIENT_ID, "wrong")
        .build()
        .unwrap();
    let e = c
        .list_manufacturers(&ManufacturerQuery::new())
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            partner_sdk_bbti::Error::Http(partner_sdk_core::Error::Auth(_))
        ),
        "{e:?}"
    );
    assert_eq!(sb.tokens_issued(), 0);
}

#[tokio::test]
async fn expired_tokens_are_refused_and_replaced() {
    let sb = BbtiSandbox::builder()
        .token_lifetime(Duration::from_millis(300))
        .start()
        .await;
    let c = sb.client();
    c.list_manufacturers(&ManufacturerQuery::new())
        .await
        .unwrap();
    assert_eq!(sb.tokens_issued(), 1);
    tokio::time::sleep(Duration::from_millis(400)).await;
    // The client still holds the token it believes valid (expires_in is
    // whole seconds); the sandbox refuses it with 401 and the client logs in again.
    c.list_manufacturers(&ManufacturerQuery::new())
        .await
        .unwrap();
    assert_eq!(sb.tokens_issued(), 2);
    sb.expire_tokens();
    c.list_manufacturers(&ManufacturerQuery::new())
        .await
        .unwrap();
    assert_eq!(sb.tokens_issued(), 3);
}

#[tokio::test]
async fn starts_on_a_given_listener() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let sb = BbtiSandbox::start_on(listener).await;
    assert!(sb.base_url().ends_with(&format!(":{port}")));
    assert!(sb.token_url().starts_with(&sb.base_url()));
    sb.client().list_series(&SeriesQuery::new()).await.unwrap();
}
