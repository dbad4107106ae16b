//! The webhook receiver of `examples/brighte_webhooks.rs`, shared with
//! `tests/brighte/webhooks.rs`: an axum route that verifies a Brighte
//! notice, confirms it by fetching the application with the vendor
//! session, acts on the fetched status only, and acknowledges.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use brighte::checkout::{CheckoutRequest, ProductCategoryName};
use brighte::webhook::{self, Ack, WebhookPayload};
use brighte::{Application, ApplicationStatus, Verifier, WebhookClaims};
use rust_decimal::Decimal;
use sandbox::brighte::{BrighteSandbox, PRIVATE_KEY};

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
}

/// The receiver: the vendor's Brighte client and verifier, its own record
/// of each application's status, and a log of what it handled.
pub(crate) struct Receiver {
    client: brighte::Client,
    verifier: Verifier,
    /// One notice at a time, so that an older fetch never overwrites the
    /// status of a newer one.
    handling: tokio::sync::Mutex<()>,
    statuses: Mutex<BTreeMap<String, ApplicationStatus>>,
    log: Mutex<Vec<Handled>>,
}

impl Receiver {
    /// A receiver confirming with `client` (vendor credentials) and
    /// verifying with `verifier` (the private API key).
    pub(crate) fn new(client: brighte::Client, verifier: Verifier) -> Arc<Receiver> {
        Arc::new(Receiver {
            client,
            verifier,
            handling: tokio::sync::Mutex::new(()),
            statuses: Mutex::new(BTreeMap::new()),
            log: Mutex::new(Vec::new()),
        })
    }

    /// The status the vendor recorded for an application (from Brighte's API).
    pub(crate) fn status_of(&self, application_id: &str) -> Option<ApplicationStatus> {
        let statuses = self.statuses.lock().unwrap_or_else(|p| p.into_inner());
        statuses.get(application_id).cloned()
    }

    /// Every notice handled so far, in order.
    pub(crate) fn handled(&self) -> Vec<Handled> {
        self.log.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Verify → confirm → act → acknowledge.
    async fn receive(&self, body: &[u8]) -> Ack {
        let _one_at_a_time = self.handling.lock().await;
        // What the notice says, kept only to report it: never acted on.
        let claimed = WebhookPayload::parse(body).ok().map(|p| p.claims());
        // Verify the signature, then fetch the application from Brighte.
        let outcome = webhook::confirm(&self.client, &self.verifier, body).await;
        // Act on Brighte's own view of the application, and only on it.
        if let Ok(app) = &outcome
            && let Some(status) = &app.status
        {
            let mut statuses = self.statuses.lock().unwrap_or_else(|p| p.into_inner());
            statuses.insert(app.id.clone(), status.clone());
        }
        let ack = Ack::for_outcome(&outcome);
        let said = claimed.as_ref().map_or_else(
            || "an unreadable notice".to_owned(),
            |c| {
                format!(
                    "a notice claiming application {} is {}",
                    c.application_id,
                    c.status.as_ref().map_or("?", |s| s.as_str())
                )
            },
        );
        match &outcome {
            Ok(app) => println!(
                "   {said}: verified, confirmed by fetch as {} → answer {}",
                app.status.as_ref().map_or("?", |s| s.as_str()),
                ack.status_code()
            ),
            Err(e) => println!(
                "   {said}: not confirmed ({e}) → answer {}{}",
                ack.status_code(),
                if ack.stops_redelivery() {
                    ""
                } else {
                    ", Brighte sends it again"
                }
            ),
        }
        self.log
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(Handled {
                claimed,
                confirmed: outcome.ok(),
                answer: ack.status_code(),
            });
        ack
    }
}

async fn receive(State(receiver): State<Arc<Receiver>>, body: Bytes) -> StatusCode {
    let ack = receiver.receive(&body).await;
    StatusCode::from_u16(ack.status_code()).unwrap_or(StatusCode::SERVICE_UNAVAILABLE)
}

/// The receiver's routes: `POST /webhooks/brighte`.
pub(crate) fn router(receiver: Arc<Receiver>) -> Router {
    Router::new()
        .route(WEBHOOK_PATH, post(receive))
        .with_state(receiver)
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
            "   claimed {} → {} → answered {}",
            h.claimed
                .as_ref()
                .and_then(|c| c.status.as_ref())
                .map_or("?", |s| s.as_str()),
            h.confirmed
                .as_ref()
                .and_then(|a| a.status.as_ref())
                .map_or("not confirmed", |s| s.as_str()),
            h.answer
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
