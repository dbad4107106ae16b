//! BBTI trade-in, end to end: catalogue → price → eKYC → delivery → status.
//!
//! By default it runs against the embedded BBTI sandbox (no network, no
//! credentials): `cargo run --example bbti_trade_in`.
//!
//! To run against a real BBTI environment, set all of:
//! - `BBTI_API_URL`       API server base URL (`${API_SERVER}`)
//! - `BBTI_TOKEN_URL`     OAuth2 token endpoint (`${AUTH_SERVER}/auth/v1/token`)
//! - `BBTI_CLIENT_ID`     OAuth2 client id
//! - `BBTI_CLIENT_SECRET` OAuth2 client secret
//! - `BBTI_PROGRAM_ID`    your program id
//!
//! Against a real environment this registers a transaction and an eKYC
//! application with the sample person below: use a test program.

// `examples/tour.rs` includes this file and calls `run`.

use std::time::Duration;

use partner_sdk::bbti::{
    self, Condition, Date, Grade, KycRequest, ManufacturerQuery, ModelQuery, PickupTime,
    PriceProductRequest, PriceQuery, RegisterDeliveryRequest,
};
use sandbox::bbti::{BbtiSandbox, PROGRAM_ID};

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    run().await
}

pub(crate) type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Runs the flow: against the sandbox, or the real API when the variables above are set.
pub(crate) async fn run() -> Result<(), BoxError> {
    let vars = [
        "BBTI_API_URL",
        "BBTI_TOKEN_URL",
        "BBTI_CLIENT_ID",
        "BBTI_CLIENT_SECRET",
        "BBTI_PROGRAM_ID",
    ]
    .map(|v| std::env::var(v).ok());
    let (_sandbox, client, program) = match vars {
        [
            Some(api),
            Some(token),
            Some(id),
            Some(secret),
            Some(program),
        ] => {
            println!("BBTI at {api} (token {token})");
            let client = bbti::Client::builder()
                .base_url(api)
                .token_url(token)
                .credentials(id, secret)
                .build()?;
            (None, client, program)
        }
        _ => {
            let sb = BbtiSandbox::start().await;
            println!(
                "BBTI sandbox at {} (token {})",
                sb.base_url(),
                sb.token_url()
            );
            let client = sb.client();
            (Some(sb), client, PROGRAM_ID.to_owned())
        }
    };

    // 1. Catalogue.
    let makers = client
        .list_manufacturers(&ManufacturerQuery::new().category("smartphone"))
        .await?;
    let names: Vec<_> = makers.iter().map(|m| m.value.as_str()).collect();
    println!("manufacturers: {}", names.join(", "));
    let models = client
        .list_models(&ModelQuery::new().manufacturer("apple").page_size(10))
        .await?;
    let Some(model) = models.items.first() else {
        return Err("no Apple models in the catalogue".into());
    };
    let storage = model
        .storages
        .first()
        .map(|s| s.key.clone())
        .unwrap_or_default();
    let carrier = model
        .carriers
        .first()
        .map(|c| c.key.clone())
        .unwrap_or_default();
    println!("model: {} ({storage}, {carrier})", model.model.value);
    let prices = client
        .list_prices(
            &PriceQuery::new()
                .model_key(&model.model.key)
                .storage_key(&storage)
                .carrier_key(&carrier),
        )
        .await?;
    for grade in [Grade::A, Grade::B, Grade::C] {
        if let Some(yen) = prices
            .items
            .first()
            .and_then(|m| m.price_for(&storage, &carrier, &grade))
        {
            println!("  list price {grade}: {yen} yen");
        }
    }

    // 2. Price this device (registers a transaction).
    let quote = client
        .price_products(
            &PriceProductRequest::new(&program, &model.model.key)
                .storage_key(&storage)
                .carrier_key(&carrier)
                .condition(Condition::Pass, Condition::Fail)
                .submission_id("example-order-0001"),
        )
        .await?;
    println!(
        "priced: transaction {} grade {} -> {} yen",
        quote.transaction_id, quote.grade, quote.price
    );

    // 3. eKYC.
    let kyc = client
        .register_kyc(&KycRequest {
            transaction_id: quote.transaction_id.clone(),
            email: "taro.yamada@example.jp".into(),
            last_name: "山田".into(),
            first_name: "太郎".into(),
            last_name_kana: Some("ヤマダ".into()),
            first_name_kana: Some("タロウ".into()),
            date_of_birth: Date::new(1990, 4, 1),
            zip: "1500002".into(),
            state: "東京都".into(),
            city: "渋谷区".into(),
            address: "渋谷1-2-3".into(),
            occupation: "会社員".into(),
            ..KycRequest::default()
        })
        .await?;
    println!("eKYC: send the user to {}", kyc.url);

    // Wait for the user to finish eKYC.
    let mut status = client.get_transaction(&quote.transaction_id).await?.status;
    for _ in 0..10 {
        if status == bbti::TransactionStatus::KycVerified || status.is_final() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        status = client.get_transaction(&quote.transaction_id).await?.status;
    }
    println!("status: {status}");

    // 4. Delivery: courier pickup.
    let mut pickup = RegisterDeliveryRequest::pickup(
        &quote.transaction_id,
        Date::new(2030, 4, 1),
        PickupTime::From14To16,
    );
    pickup.last_name = "山田".into();
    pickup.first_name = "太郎".into();
    pickup.last_name_kana = Some("ヤマダ".into());
    pickup.first_name_kana = Some("タロウ".into());
    pickup.zip = "1500002".into();
    pickup.state = "東京都".into();
    pickup.city = "渋谷区".into();
    pickup.address = "渋谷1-2-3".into();
    pickup.phone_number = "0312345678".into();
    let delivery = client.register_delivery(&pickup).await?;
    println!(
        "delivery: {} on {} ({}) tracking {}",
        delivery.delivery_detail.delivery_pattern,
        pickup.pickup_date.unwrap_or_default(),
        delivery.delivery_detail.pickup_time,
        delivery.delivery_detail.tracking_number
    );

    // 5. Status until it settles (the sandbox moves one step per read).
    for _ in 0..10 {
        let tx = client.get_transaction(&quote.transaction_id).await?;
        println!("status: {}", tx.status);
        if tx.status.is_final() {
            println!(
                "confirmed: grade {} -> {} yen",
                tx.product.confirmed_grade, tx.product.confirmed_price
            );
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Ok(())
}
