//! A Brighte webhook receiver on a real HTTP server (axum), mounted from
//! `partner_sdk::brighte::webhook::WebhookHandler` (feature
//! `brighte-webhook-handler`): each notice is verified (signature over
//! `timestamp ‖ token`), confirmed by fetching the application with the
//! vendor session, handed to the receiver's closure as Brighte's API
//! reports it (never the notice's claims), and acknowledged by the
//! documented mapping (`partner_sdk::brighte::webhook`): 200 once
//! confirmed and handled, 503 when confirming or the closure failed so that
//! Brighte sends it again, 401 for a bad signature, 400 for a malformed
//! body.
//!
//! It runs against the in-process sandbox, whose signed deliveries and
//! redeliveries follow Brighte's documentation; the sandbox fails the first
//! confirmation once to show a resend being confirmed.
//!
//! Run: `cargo run --example brighte_webhooks`

#[path = "flows/brighte_webhooks.rs"]
mod flow;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    flow::run().await
}
