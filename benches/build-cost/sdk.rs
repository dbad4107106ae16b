//! The one-provider app of `benches/build-cost.sh`, SDK side: one DT One
//! top-up through `partner-sdk` with only its `dtone-gs` feature and a TLS choice.
//!
//! It reads `DTONE_BASE_URL`, `DTONE_API_KEY` and `DTONE_API_SECRET`, so the
//! built binary can be pointed at the sandbox (`partner-sandbox serve`).

use partner_sdk::dtone::{self, Category, TransactionRequest};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let env = |name: &str, default: &str| std::env::var(name).unwrap_or_else(|_| default.into());
    let client = dtone::Client::builder()
        .base_url(env("DTONE_BASE_URL", dtone::PRODUCTION_URL))
        .credentials(env("DTONE_API_KEY", "key"), env("DTONE_API_SECRET", "secret"))
        .build()?;
    let request = TransactionRequest::new("+50212345678", 101, "order-1").simulation(true);
    let transaction = client
        .create_transaction(Category::FixedValueRecharges, &request)
        .await?;
    println!("{} {}", transaction.transaction_id, transaction.status);
    Ok(())
}
