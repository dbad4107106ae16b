//! The one-provider app of `benches/build-cost.sh`, hand-written side: the
//! same DT One top-up as `sdk.rs`, written directly on reqwest, serde and the
//! HMAC crates, as an integrator without the SDK would.

use base64::Engine as _;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

#[derive(Serialize)]
struct TransactionRequest<'a> {
    account_number: &'a str,
    product_id: i64,
    external_id: &'a str,
    simulation: &'a str,
}

#[derive(Deserialize)]
struct Transaction {
    transaction_id: serde_json::Value,
    status: String,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let env = |name: &str, default: &str| std::env::var(name).unwrap_or_else(|_| default.into());
    let base = env("DTONE_BASE_URL", "https://gs-api.dtone.com/v1.1");
    let (key, secret) = (env("DTONE_API_KEY", "key"), env("DTONE_API_SECRET", "secret"));
    #[cfg(feature = "ring")]
    let _ = rustls::crypto::ring::default_provider().install_default();
    let http = reqwest::Client::builder()
        .connect_timeout(std::time::Duration::from_secs(10))
        .timeout(std::time::Duration::from_secs(30))
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let nonce = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_nanos()
        .to_string();
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes())?;
    mac.update(format!("{key}{nonce}").as_bytes());
    let hmac = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    let body = TransactionRequest {
        account_number: "+50212345678",
        product_id: 101,
        external_id: "order-1",
        simulation: "1",
    };
    let answer = http
        .post(format!("{base}/transactions/fixed_value_recharges"))
        .header("X-TransferTo-apikey", &key)
        .header("X-TransferTo-nonce", &nonce)
        .header("X-TransferTo-hmac", hmac)
        .json(&body)
        .send()
        .await?
        .error_for_status()?;
    let transaction: Transaction = serde_json::from_slice(&answer.bytes().await?)?;
    println!("{} {}", transaction.transaction_id, transaction.status);
    Ok(())
}
