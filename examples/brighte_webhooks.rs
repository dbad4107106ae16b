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

// `tests/brighte/webhooks.rs` includes this file and drives the receiver below.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use brighte::checkout::{CheckoutRequest, ProductCategoryName};
use brighte::webhook::{self, WebhookHandler};
use brighte::{Application, ApplicationStatus, Verifier, WebhookClaims};
use rust_decimal::Decimal;
use sandbox::brighte::{BrighteSandbox, PRIVATE_KEY};

#[tokio::main]
async fn main() -> Res<()> {
    run().await
}

type Res<T> = Result<T, Box<dyn std::error::Error>>;

/// Where the receiver listens.
pub(crate) const WEBHOOK_PATH: &str = "/webhooks/brighte";

/// One notice as the receiver handled it.
#[derive(Debug, Clone)]
pub(crate) struct Handled {
    /// What the notice claimed; never acted on.
    pub(crate) claimed: Option<WebhookClaims>,
    /// The application as Brighte's API reported it, once confirmed.
    pub(crate) confirmed: Option<Application>,
    /// The HTTP status answered.
    pub(crate) answer: u16,
    /// True when the notice was acknowledged before: answered again from
    /// the handler's notice store, nothing fetched or run.
    pub(crate) repeated: bool,
}

/// What the vendor keeps: each application's status, as Brighte's API
/// reported it, and a log of the notices handled.
#[derive(Default)]
struct Records {
    statuses: Mutex<BTreeMap<String, ApplicationStatus>>,
    log: Mutex<Vec<Handled>>,
}

/// The receiver: the webhook handler and the vendor's records.
pub(crate) struct Receiver {
    handler: WebhookHandler,
    records: Arc<Records>,
}

impl Receiver {
    /// A receiver confirming with `client` (vendor credentials) and
    /// verifying with `verifier` (the private API key).
    pub(crate) fn new(client: brighte::Client, verifier: Verifier) -> Arc<Receiver> {
        let records = Arc::new(Records::default());
        let acting = Arc::clone(&records);
        let logging = Arc::clone(&records);
        let handler = WebhookHandler::new(client, verifier, move |app: Application| {
            // Only a confirmed application gets here: act on Brighte's own
            // view of it, never on the notice's claims.
            let records = Arc::clone(&acting);
            async move {
                if let Some(status) = app.status {
                    let mut statuses = records.statuses.lock().unwrap_or_else(|p| p.into_inner());
                    statuses.insert(app.id, status);
                }
                Ok::<(), std::convert::Infallible>(())
            }
        })
        .on_answer(move |h| {
            let said = h.claims.map_or_else(
                || "an unreadable notice".to_owned(),
                |c| {
                    format!(
                        "a notice claiming application {} is {}",
                        c.application_id,
                        c.status.as_ref().map_or("?", |s| s.as_str())
                    )
                },
            );
            match (h.application, h.error) {
                (None, None) if h.repeated => println!(
                    "   {said}: acknowledged before → answer {} again, nothing fetched",
                    h.ack.status_code()
                ),
                (Some(app), None) => println!(
                    "   {said}: verified, confirmed by fetch as {} → answer {}",
                    app.status.as_ref().map_or("?", |s| s.as_str()),
                    h.ack.status_code()
                ),
                (_, error) => println!(
                    "   {said}: not handled ({}) → answer {}{}",
                    error.map_or_else(String::new, |e| e.to_string()),
                    h.ack.status_code(),
                    if h.ack.stops_redelivery() {
                        ""
                    } else {
                        ", Brighte sends it again"
                    }
                ),
            }
            logging
                .log
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(Handled {
                    claimed: h.claims.cloned(),
                    confirmed: h.application.cloned(),
                    answer: h.ack.status_code(),
                    repeated: h.repeated,
                });
        });
        Arc::new(Receiver { handler, records })
    }

    /// The status the vendor recorded for an application (from Brighte's API).
    pub(crate) fn status_of(&self, application_id: &str) -> Option<ApplicationStatus> {
        let statuses = self
            .records
            .statuses
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        statuses.get(application_id).cloned()
    }

    /// Every notice handled so far, in order.
    pub(crate) fn handled(&self) -> Vec<Handled> {
        self.records
            .log
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }
}

/// The receiver's routes: `POST /webhooks/brighte`.
pub(crate) fn router(receiver: Arc<Receiver>) -> Router {
    receiver.handler.clone().router(WEBHOOK_PATH)
}

/// Serves the receiver on a free loopback port; returns its webhook URL.
/// The server runs until the runtime stops.
pub(crate) async fn serve(receiver: Arc<Receiver>) -> std::io::Result<String> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}{WEBHOOK_PATH}", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, router(receiver)).await });
    Ok(url)
}

/// A checkout of `financed` dollars (the sandbox picks the statuses from
/// its last digit) with reference `reference`.
pub(crate) fn purchase(financed: i64, reference: &str) -> CheckoutRequest {
    CheckoutRequest::new(
        "https://shop.example/checkout-done",
        Decimal::from(financed),
        Decimal::ZERO,
        24,
        ProductCategoryName::BatteryStorage,
        "Powerwall Home Battery",
    )
    .reference_number(reference)
}

/// Waits (at most 10 s) until `done` holds.
pub(crate) async fn wait_for(mut done: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !done() {
        if Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    true
}

/// The example: the sandbox delivers signed webhooks to the receiver on a
/// real HTTP server; the first confirmation fails once and is confirmed on
/// Brighte's resend.
pub(crate) async fn run() -> Res<()> {
    let sandbox = BrighteSandbox::builder().time_scale(0.001).start().await;
    // A strict tolerance: `confirm` still accepts Brighte's 8-hour resends.
    let verifier = Verifier::new(PRIVATE_KEY).tolerance(webhook::DEFAULT_TOLERANCE);
    let receiver = Receiver::new(sandbox.client(), verifier);
    let url = serve(Arc::clone(&receiver)).await?;
    sandbox.register_webhook(url.as_str());
    println!(
        "webhook receiver at {url}; brighte sandbox at {}",
        sandbox.base_url()
    );

    println!("1. checkout of $1001 (C.APPROV, then APPROVED); the first confirmation fails once");
    sandbox.fail_application_fetches(1);
    let location = sandbox
        .submit_checkout(&purchase(1001, "ORDER-1001").into_form()?)
        .await
        .map_err(|(status, body)| format!("checkout refused: {status} {body}"))?;
    let id = brighte::checkout::parse_redirect(&location)?.transaction_id;
    let approved = Some(ApplicationStatus::Approved);
    let resend_confirmed = || {
        sandbox
            .webhook_deliveries()
            .iter()
            .any(|d| d.attempt == 2 && d.response_status == Some(200))
    };
    if !wait_for(|| receiver.status_of(&id) == approved && resend_confirmed()).await {
        return Err(format!("application {id} was not confirmed APPROVED on a resend").into());
    }

    println!("2. the vendor requests payment: Brighte notifies PAID");
    sandbox.client().request_application_payment(&id).await?;
    let paid = Some(ApplicationStatus::Paid);
    if !wait_for(|| receiver.status_of(&id) == paid).await {
        return Err(format!("application {id} was not confirmed PAID").into());
    }

    let handled = receiver.handled();
    println!("3. {} notice(s) handled:", handled.len());
    for h in &handled {
        println!(
            "   claimed {} → {} → answered {}{}",
            h.claimed
                .as_ref()
                .and_then(|c| c.status.as_ref())
                .map_or("?", |s| s.as_str()),
            h.confirmed
                .as_ref()
                .and_then(|a| a.status.as_ref())
                .map_or("not confirmed", |s| s.as_str()),
            h.answer,
            if h.repeated {
                " (acknowledged before)"
            } else {
                ""
            }
        );
    }
    for delivery in sandbox.webhook_deliveries() {
        println!(
            "   sandbox delivery {} of the {} notice: answered {:?}",
            delivery.attempt, delivery.status, delivery.response_status
        );
    }
    println!(
        "4. application {id} is {} by Brighte's API",
        receiver.status_of(&id).as_ref().map_or("?", |s| s.as_str())
    );
    Ok(())
}
