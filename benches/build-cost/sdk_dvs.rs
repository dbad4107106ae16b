//! The DVS app of `benches/build-cost.sh dvs`, SDK side: one DT One DVS
//! top-up (an asynchronous create confirmed on creation) through
//! `partner-sdk` with only its `dtone-dvs` feature and a TLS choice.
//!
//! It reads `DVS_BASE_URL`, `DVS_API_KEY` and `DVS_API_SECRET`, so the built
//! binary can be pointed at the sandbox (`partner-sandbox serve`, BASE+5).

use partner_sdk::dtone::dvs::{self, PartyIdentifier, TransactionRequest};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let env = |name: &str, default: &str| std::env::var(name).unwrap_or_else(|_| default.into());
    let client = dvs::Client::builder()
        .base_url(env("DVS_BASE_URL", dvs::PREPRODUCTION_URL))
        .credentials(env("DVS_API_KEY", "key"), env("DVS_API_SECRET", "secret"))
        .build()?;
    let request = TransactionRequest::new("order-1", 1)
        .auto_confirm(true)
        .credit_party(PartyIdentifier::mobile_number("+6595123100"));
    let transaction = client.create_transaction(&request).await?;
    println!("{} {:?}", transaction.id, transaction.status_class());
    Ok(())
}
