//! The DVS app of `benches/build-cost.sh dvs`, hand-written side: the same
//! DT One DVS top-up as `sdk_dvs.rs`, written directly on reqwest and serde,
//! as an integrator without the SDK would.

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

#[derive(Deserialize)]
struct StatusClass {
    message: String,
}

#[derive(Deserialize)]
struct Status {
    class: StatusClass,
}

#[derive(Deserialize)]
struct Transaction {
    id: i64,
    status: Status,
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
        .await?
        .error_for_status()?;
    let transaction: Transaction = serde_json::from_slice(&answer.bytes().await?)?;
    println!("{} {}", transaction.id, transaction.status.class.message);
    Ok(())
}
