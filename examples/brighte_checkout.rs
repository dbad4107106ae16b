//! Brighte Checkout end to end: render the checkout form, submit it, verify
//! and confirm the signed redirect, watch the application's status change
//! and confirm the signed webhooks (`brighte_webhooks` shows a webhook
//! receiver on a real HTTP server).
//!
//! With no environment it runs against the in-process sandbox
//! (`sandbox::brighte::BrighteSandbox`). To use a real Brighte sandbox, set:
//!
//! - `BRIGHTE_BASE_URL`: portal host, e.g. `https://portal.staging.example`
//! - `BRIGHTE_PUBLIC_KEY`: public API key for the checkout URL
//! - `BRIGHTE_PRIVATE_KEY`: private API key that signs redirects (optional)
//! - `BRIGHTE_REDIRECT_URL`: the URL the browser came back with after
//!   submitting the printed form (optional; verified when set)
//! - `BRIGHTE_API_ID`, `BRIGHTE_API_SECRET`: vendor API credentials (optional;
//!   with the private key the redirect is then confirmed by fetching the
//!   application)
//!
//! Run: `cargo run --example brighte_checkout`

#[path = "flows/brighte.rs"]
mod flow;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    flow::run().await
}
