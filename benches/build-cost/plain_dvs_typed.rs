//! The DVS app of `benches/build-cost.sh` with `PARTNER_BUILD_COST_API=dvs-typed`,
//! hand-written side: the top-up of `plain_dvs.rs`, decoding the answer into
//! the same typed transaction the SDK's `dvs::Transaction` is (its fields
//! and nested parts, money as `rust_decimal::Decimal`, unknown types and
//! statuses as text) and a refusal into DT One's error body. What an
//! integrator who keeps the whole answer writes without the SDK.
#![allow(dead_code)]

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

#[derive(Serialize)]
struct CreditParty<'a> {
    mobile_number: &'a str,
}

#[derive(Serialize)]
struct TransactionRequest<'a> {
    external_id: &'a str,
    product_id: i64,
    auto_confirm: bool,
    credit_party_identifier: CreditParty<'a>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
struct StatusClassInfo {
    id: i64,
    message: String,
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
struct TransactionStatus {
    id: i64,
    message: String,
    class: StatusClassInfo,
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
struct PartyIdentifier {
    mobile_number: Option<String>,
    account_number: Option<String>,
    account_qualifier: Option<String>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
struct Person {
    last_name: Option<String>,
    first_name: Option<String>,
    middle_name: Option<String>,
    nationality_country_iso_code: Option<String>,
    mobile_number: Option<String>,
    email: Option<String>,
    address_text: Option<String>,
    address_city: Option<String>,
    address_country_iso_code: Option<String>,
    address_postal_code: Option<String>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
struct StatementIdentifier {
    reference: Option<String>,
    due_date: Option<String>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
struct AdditionalIdentifier {
    purchaser_id: Option<String>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
struct Pin {
    code: Option<String>,
    serial: Option<String>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
struct Amount {
    unit_type: Option<String>,
    unit: Option<String>,
    amount: Option<Decimal>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
struct Values {
    source: Option<Amount>,
    destination: Option<Amount>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
struct Range {
    min: Option<Decimal>,
    max: Option<Decimal>,
    increment: Option<Decimal>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Value {
    Fixed(Decimal),
    Range(Range),
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
struct Price {
    unit_type: Option<String>,
    unit: Option<String>,
    amount: Option<Value>,
    fee: Option<Decimal>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
struct Prices {
    wholesale: Option<Price>,
    retail: Option<Price>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
struct Rates {
    base: Option<Decimal>,
    wholesale: Option<Decimal>,
    retail: Option<Decimal>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
struct BenefitAmount {
    base: Option<Value>,
    promotion_bonus: Option<Value>,
    total_excluding_tax: Option<Value>,
    total_including_tax: Option<Value>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
struct Benefit {
    #[serde(rename = "type")]
    kind: String,
    unit_type: Option<String>,
    unit: Option<String>,
    amount: BenefitAmount,
    additional_information: Option<String>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
struct ProductPromotion {
    id: i64,
    title: String,
    description: Option<String>,
    terms: Option<String>,
    start_date: Option<String>,
    end_date: Option<String>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
struct SubService {
    id: i64,
    name: String,
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
struct ProductService {
    id: i64,
    name: String,
    subservice: Option<SubService>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
struct Region {
    name: String,
    code: String,
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
struct CountryRef {
    name: String,
    iso_code: String,
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
struct Operator {
    id: i64,
    name: String,
    country: CountryRef,
    regions: Vec<Region>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
struct TransactionProduct {
    id: i64,
    #[serde(rename = "type")]
    kind: String,
    name: String,
    description: Option<String>,
    tags: Vec<String>,
    service: ProductService,
    operator: Operator,
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
struct Transaction {
    id: i64,
    external_id: String,
    creation_date: Option<String>,
    confirmation_expiration_date: Option<String>,
    confirmation_date: Option<String>,
    product_id: Option<i64>,
    calculation_mode: Option<String>,
    auto_confirm: bool,
    status: Option<TransactionStatus>,
    operator_reference: Option<String>,
    pin: Option<Pin>,
    product: Option<TransactionProduct>,
    prices: Option<Prices>,
    rates: Option<Rates>,
    benefits: Vec<Benefit>,
    promotions: Vec<ProductPromotion>,
    requested_values: Option<Values>,
    adjusted_values: Option<Values>,
    sender: Option<Person>,
    beneficiary: Option<Person>,
    debit_party_identifier: Option<PartyIdentifier>,
    credit_party_identifier: Option<PartyIdentifier>,
    statement_identifier: Option<StatementIdentifier>,
    additional_identifier: Option<AdditionalIdentifier>,
    metadata: Option<serde_json::Map<String, serde_json::Value>>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
struct ErrorEntry {
    code: u32,
    message: String,
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
struct ErrorBody {
    errors: Vec<ErrorEntry>,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let env = |name: &str, default: &str| std::env::var(name).unwrap_or_else(|_| default.into());
    let base = env("DVS_BASE_URL", "https://preprod-dvs-api.dtone.com/v1");
    let (key, secret) = (env("DVS_API_KEY", "key"), env("DVS_API_SECRET", "secret"));
    #[cfg(feature = "ring")]
    let _ = rustls::crypto::ring::default_provider().install_default();
    let http = reqwest::Client::builder()
        .connect_timeout(std::time::Duration::from_secs(10))
        .timeout(std::time::Duration::from_secs(30))
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let body = TransactionRequest {
        external_id: "order-1",
        product_id: 1,
        auto_confirm: true,
        credit_party_identifier: CreditParty {
            mobile_number: "+6595123100",
        },
    };
    let answer = http
        .post(format!("{base}/async/transactions"))
        .basic_auth(&key, Some(&secret))
        .json(&body)
        .send()
        .await?;
    let status = answer.status();
    let bytes = answer.bytes().await?;
    if !status.is_success() {
        let errors: ErrorBody = serde_json::from_slice(&bytes)?;
        return Err(format!("DT One refused: {status} {errors:?}").into());
    }
    let transaction: Transaction = serde_json::from_slice(&bytes)?;
    let class = transaction.status.map(|s| s.class.message).unwrap_or_default();
    println!("{} {class}", transaction.id);
    Ok(())
}
