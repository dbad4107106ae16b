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

// `examples/tour.rs` includes this file and calls `run`.

use std::time::{Duration, Instant};

use brighte::checkout::{self, CheckoutRequest, ProductCategoryName};
use futures::TryStreamExt as _;
use rust_decimal::Decimal;
use sandbox::brighte::{BrighteSandbox, PRIVATE_KEY, PUBLIC_KEY};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

#[tokio::main]
async fn main() -> Res<()> {
    run().await
}

type Res<T> = Result<T, Box<dyn std::error::Error>>;

fn order(redirect: &str) -> CheckoutRequest {
    CheckoutRequest::new(
        redirect,
        Decimal::new(700_100, 2),
        Decimal::new(70_000, 2),
        24,
        ProductCategoryName::BatteryStorage,
        "Powerwall Home Battery",
    )
    .reference_number("ORDER-1001")
}

/// Runs the flow: against the sandbox, or the real API when the variables above are set.
pub(crate) async fn run() -> Res<()> {
    match std::env::var("BRIGHTE_BASE_URL") {
        Ok(base) => real(&base).await,
        Err(_) => offline().await,
    }
}

async fn real(base: &str) -> Res<()> {
    let public_key = std::env::var("BRIGHTE_PUBLIC_KEY")?;
    let url = checkout::checkout_url(base, &public_key)?;
    let form = order("https://example.com/checkout-done").into_form()?;
    println!(
        "checkout form for {url}:\n{}",
        form.to_html(&url, "Buy now with Brighte")
    );
    if let Ok(redirect) = std::env::var("BRIGHTE_REDIRECT_URL") {
        let key = std::env::var("BRIGHTE_PRIVATE_KEY").ok();
        let credentials = (
            std::env::var("BRIGHTE_API_ID"),
            std::env::var("BRIGHTE_API_SECRET"),
        );
        match (key, credentials) {
            (Some(key), (Ok(id), Ok(secret))) => {
                let client = brighte::Client::builder()
                    .base_url(base)
                    .credentials(id, secret)
                    .build()?;
                let verifier = brighte::Verifier::new(key).tolerance(Duration::from_secs(15 * 60));
                let app = checkout::confirm(&client, &verifier, &redirect).await?;
                println!(
                    "redirect verified and confirmed: application {} is {:?}",
                    app.id, app.status
                );
                client.logout().await?;
            }
            (Some(key), _) => {
                let signed = checkout::verify_redirect(&brighte::Verifier::new(key), &redirect)?;
                println!(
                    "redirect signed by Brighte; it claims application {} (confirm it with API credentials)",
                    signed.claims().transaction_id
                );
            }
            (None, _) => {
                let claims = checkout::parse_redirect(&redirect)?;
                println!(
                    "unsigned redirect claims application {} (set BRIGHTE_PRIVATE_KEY to verify it)",
                    claims.transaction_id
                );
            }
        }
    }
    let calc = brighte::Client::builder()
        .base_url(base)
        .build()?
        .calculate_finance(
            &brighte::FinanceRequest::new(Decimal::from(7001), 24).deposit(Decimal::from(700)),
        )
        .await?;
    println!(
        "finance calculator: {:?} x {:?}",
        calc.repayment_amount, calc.instalments
    );
    Ok(())
}

async fn offline() -> Res<()> {
    let receiver = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&receiver)
        .await;
    let sandbox = BrighteSandbox::builder()
        .time_scale(0.001)
        .webhook_url(format!("{}/webhooks/brighte", receiver.uri()))
        .start()
        .await;
    println!("brighte sandbox at {}", sandbox.base_url());

    let url = checkout::checkout_url(&sandbox.base_url(), PUBLIC_KEY)?;
    let form = order("https://shop.example/checkout-done?cart=77").into_form()?;
    println!("1. checkout form (checksum {}):", form.checksum());
    print!("{}", form.to_html(&url, "Buy now with Brighte"));

    let location = sandbox
        .submit_checkout(&form)
        .await
        .map_err(|(status, body)| format!("checkout refused: {status} {body}"))?;
    println!("2. customer redirected to {location}");
    let client = sandbox.client();
    let verifier = brighte::Verifier::new(PRIVATE_KEY).tolerance(Duration::from_secs(15 * 60));
    let app = checkout::confirm(&client, &verifier, &location).await?;
    println!("   signature verified; application {} fetched", app.id);
    println!(
        "3. application {}: {} financed, status {}",
        app.id,
        app.financed_amount.unwrap_or_default(),
        app.status.as_ref().map(|s| s.as_str()).unwrap_or("?")
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    while sandbox.webhook_deliveries().len() < 2 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let app = client.get_application(&app.id).await?;
    println!(
        "   a moment later: status {}",
        app.status.as_ref().map(|s| s.as_str()).unwrap_or("?")
    );

    for request in receiver.received_requests().await.unwrap_or_default() {
        let outcome = brighte::webhook::confirm(&client, &verifier, &request.body).await;
        let ack = brighte::Ack::for_outcome(&outcome);
        let app = outcome?;
        println!(
            "4. webhook verified and confirmed: application {} is {} (answer {})",
            app.id,
            app.status.as_ref().map(|s| s.as_str()).unwrap_or("?"),
            ack.status_code()
        );
    }

    let apps: Vec<brighte::Application> = client
        .applications(&brighte::ListQuery::new())
        .try_collect()
        .await?;
    println!("5. {} application(s) listed", apps.len());
    let calc = brighte::Client::builder()
        .base_url(sandbox.base_url())
        .build()?
        .calculate_finance(
            &brighte::FinanceRequest::new(Decimal::from(7001), 24).deposit(Decimal::from(700)),
        )
        .await?;
    println!(
        "6. public calculator: {} x {} instalments",
        calc.repayment_amount.unwrap_or_default(),
        calc.instalments.unwrap_or_default()
    );
    client.logout().await?;
    println!("7. session closed");
    Ok(())
}
