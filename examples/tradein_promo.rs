//! Fetch a trade-in promotion, by IMEI and by make/model.
//!
//! With no environment this starts the embedded sandbox and runs offline:
//!
//! ```text
//! cargo run --example tradein_promo
//! ```
//!
//! To call a real provider instead, set all of:
//!
//! - `PROMO_BASE_URL`      API base, e.g. `https://<omni-svcs host>/omni-svcs`
//! - `PROMO_TOKEN_URL`     OAuth2 token endpoint
//! - `PROMO_CLIENT_ID`     OAuth2 client id
//! - `PROMO_CLIENT_SECRET` OAuth2 client secret
//! - `PROMO_SCOPE`         OAuth2 scope issued with the credentials
//!
//! and optionally `PROMO_APP_NAME` (the `appname` header), `PROMO_IMEI` and
//! `PROMO_MODEL_CODE` (the devices to ask about).

#[path = "flows/tradein_promo.rs"]
mod flow;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    flow::run().await
}
