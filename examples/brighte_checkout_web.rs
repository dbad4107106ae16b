//! A merchant's web shop paying with Brighte Checkout, on a real HTTP
//! server (axum), clicked through in a browser:
//!
//! - `GET /`: the product page, with the checkout form the SDK renders
//!   (`CheckoutRequest::into_form`, `CheckoutForm::to_html`) posting to
//!   Brighte's checkout page; each visit starts an order with its own
//!   reference number.
//! - `GET /brighte/return`: where Brighte sends the customer back. The
//!   signed redirect is verified and the application fetched
//!   (`checkout::confirm_expecting`, with the order's reference number):
//!   the redirect's claims are never acted on. Then `303` to the order.
//! - `GET /orders/{n}`: the order as the shop knows it: the outcome the
//!   redirect confirmed, and the status Brighte's webhook confirmed (the
//!   page reloads itself until the webhook has come).
//! - `POST /webhooks/brighte`: Brighte's webhooks, through the SDK's
//!   `WebhookHandler` (verify the signature, confirm by fetch, answer as
//!   Brighte expects).
//!
//! With no environment it runs against the in-process sandbox, whose
//! checkout page lets you Approve, Refer, Decline or Cancel, and whose
//! webhooks come to this shop; the shop's pages link to the sandbox's
//! dashboard, where the application, its webhook deliveries and a form
//! moving it to another status (the signed webhook follows) are. To use a real Brighte environment instead,
//! set `BRIGHTE_BASE_URL`, `BRIGHTE_PUBLIC_KEY`, `BRIGHTE_PRIVATE_KEY`,
//! `BRIGHTE_API_ID` and `BRIGHTE_API_SECRET` (Brighte then sends webhooks
//! to the URL registered with it, which must reach this shop).
//!
//! Run: `cargo run --example brighte_checkout_web`, then open the URL it
//! prints.

// `tests/brighte/browser.rs` includes this file and drives the shop in a
// headless browser.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use brighte::checkout::{
    self, CheckoutRequest, ExpectedCheckout, ProductCategoryName, escape_html,
};
use brighte::webhook::WebhookHandler;
use brighte::{Application, ApplicationStatus, Verifier};
use rust_decimal::Decimal;
use sandbox::Sandbox;
use sandbox::brighte::{BrighteSandbox, PRIVATE_KEY, PUBLIC_KEY};
use sandbox::dashboard::Dashboard;

#[tokio::main]
async fn main() -> Res<()> {
    let (shop, sandbox, _dashboard) = match std::env::var("BRIGHTE_BASE_URL") {
        Ok(base) => (real(&base)?, None, None),
        Err(_) => {
            let sandbox = Arc::new(Sandbox::start().await);
            let dashboard = Dashboard::start(Arc::clone(&sandbox)).await?;
            let shop = Shop::on_sandbox(&sandbox.brighte, Some(dashboard.url()))?;
            (shop, Some(sandbox), Some(dashboard))
        }
    };
    let url = serve(shop, sandbox.as_ref().map(|s| &s.brighte)).await?;
    println!("open {url}");
    // Serves until the process is stopped (Ctrl-C).
    std::future::pending::<()>().await;
    Ok(())
}

type Res<T> = Result<T, Box<dyn std::error::Error>>;

/// Where the shop takes Brighte's webhooks.
pub(crate) const WEBHOOK_PATH: &str = "/webhooks/brighte";

/// What the shop sells.
const PRODUCT: &str = "Powerwall Home Battery";

/// One order, as the shop knows it.
#[derive(Debug, Clone, Default)]
pub(crate) struct Order {
    /// The reference number the checkout was started with.
    pub(crate) reference: String,
    /// The application the redirect named, once confirmed by fetch.
    pub(crate) application_id: Option<String>,
    /// What the return page says: the fetched status, or why the redirect
    /// was refused.
    pub(crate) outcome: Option<Result<ApplicationStatus, String>>,
}

#[derive(Default)]
struct Records {
    orders: Mutex<BTreeMap<u64, Order>>,
    /// Each application's status as the webhook confirmed it (by fetch).
    webhooks: Mutex<BTreeMap<String, ApplicationStatus>>,
}

impl Records {
    fn orders(&self) -> std::sync::MutexGuard<'_, BTreeMap<u64, Order>> {
        self.orders.lock().unwrap_or_else(|p| p.into_inner())
    }
    fn webhooks(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, ApplicationStatus>> {
        self.webhooks.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The shop: its Brighte client and keys, its orders.
pub(crate) struct Shop {
    client: brighte::Client,
    verifier: Verifier,
    checkout_url: url::Url,
    webhooks: WebhookHandler,
    records: Arc<Records>,
    /// The sandbox's dashboard, linked from every page.
    dashboard: Option<String>,
}

impl Shop {
    /// A shop paying through `client`, verifying with `verifier`, posting
    /// its form to `checkout_url`, linking to `dashboard`.
    pub(crate) fn new(
        client: brighte::Client,
        verifier: Verifier,
        checkout_url: url::Url,
        dashboard: Option<&str>,
    ) -> Arc<Shop> {
        let records = Arc::new(Records::default());
        let recording = Arc::clone(&records);
        let webhooks =
            WebhookHandler::new(client.clone(), verifier.clone(), move |app: Application| {
                // Brighte's own view of the application, fetched: never the
                // notice's claims.
                let records = Arc::clone(&recording);
                async move {
                    if let Some(status) = app.status {
                        records.webhooks().insert(app.id, status);
                    }
                    Ok::<(), std::convert::Infallible>(())
                }
            });
        Arc::new(Shop {
            client,
            verifier,
            checkout_url,
            webhooks,
            records,
            dashboard: dashboard.map(str::to_owned),
        })
    }

    /// A shop on the in-process sandbox (its keys and vendor credentials),
    /// linking to the sandbox's `dashboard`.
    pub(crate) fn on_sandbox(sandbox: &BrighteSandbox, dashboard: Option<&str>) -> Res<Arc<Shop>> {
        Ok(Shop::new(
            sandbox.client(),
            Verifier::new(PRIVATE_KEY),
            checkout::checkout_url(&sandbox.base_url(), PUBLIC_KEY)?,
            dashboard,
        ))
    }

    /// The status Brighte's webhook confirmed for an application, if one
    /// has come.
    pub(crate) fn webhook_status(&self, application_id: &str) -> Option<ApplicationStatus> {
        self.records.webhooks().get(application_id).cloned()
    }
}

fn real(base: &str) -> Res<Arc<Shop>> {
    let var = |name: &str| std::env::var(name).map_err(|_| format!("{name} is not set"));
    let client = brighte::Client::builder()
        .base_url(base)
        .credentials(var("BRIGHTE_API_ID")?, var("BRIGHTE_API_SECRET")?)
        .build()?;
    Ok(Shop::new(
        client,
        Verifier::new(var("BRIGHTE_PRIVATE_KEY")?),
        checkout::checkout_url(base, &var("BRIGHTE_PUBLIC_KEY")?)?,
        None,
    ))
}

/// The shop's routes.
pub(crate) fn router(shop: Arc<Shop>, base: String) -> Router {
    let webhooks = shop.webhooks.clone().router(WEBHOOK_PATH);
    Router::new()
        .route("/", get(product))
        .route("/brighte/return", get(back_from_brighte))
        .route("/orders/{n}", get(order_page))
        .with_state((shop, base))
        .merge(webhooks)
}

/// Serves the shop on a free loopback port and, on the sandbox, registers
/// its webhook URL there; returns the shop's URL. The server runs until
/// the runtime stops.
pub(crate) async fn serve(shop: Arc<Shop>, sandbox: Option<&BrighteSandbox>) -> Res<String> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    if let Some(sandbox) = sandbox {
        sandbox.try_register_webhook(format!("{base}{WEBHOOK_PATH}"))?;
    }
    let app = router(shop, base.clone());
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok(format!("{base}/"))
}

type Ctx = State<(Arc<Shop>, String)>;

fn page(shop: &Shop, title: &str, body: &str, refresh: bool) -> Html<String> {
    let dashboard = shop.dashboard.as_deref().map_or_else(String::new, |url| {
        format!(
            "<p><small><a href=\"{}\" id=\"dashboard\">The sandbox's dashboard</a></small></p>",
            escape_html(url)
        )
    });
    Html(format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">{}\
         <title>{}</title><style>body{{font-family:system-ui,sans-serif;max-width:40rem;margin:auto;padding:1rem}}\
         button{{font:inherit;padding:.5rem 1rem}}</style></head><body>\
         <h1>Solar Shop</h1>{body}{dashboard}</body></html>",
        if refresh {
            "<meta http-equiv=\"refresh\" content=\"1\">"
        } else {
            ""
        },
        escape_html(title),
    ))
}

/// `GET /`: a new order, and the form that pays it with Brighte.
async fn product(State((shop, base)): Ctx) -> Response {
    let n = {
        let mut orders = shop.records.orders();
        let n = orders.keys().next_back().map_or(1, |n| n + 1);
        orders.insert(
            n,
            Order {
                reference: format!("ORDER-{n}"),
                ..Order::default()
            },
        );
        n
    };
    let form = CheckoutRequest::new(
        format!("{base}/brighte/return?order={n}"),
        Decimal::new(700_100, 2),
        Decimal::new(70_000, 2),
        24,
        ProductCategoryName::BatteryStorage,
        PRODUCT,
    )
    .reference_number(format!("ORDER-{n}"))
    .into_form();
    match form {
        Ok(form) => page(
            &shop,
            PRODUCT,
            &format!(
                "<h2>{}</h2><p>$7,001.00, $700.00 deposit, the rest over 24 months.</p>\
                 <p>Order <strong id=\"order\">ORDER-{n}</strong></p>{}",
                escape_html(PRODUCT),
                form.to_html(&shop.checkout_url, "Buy with Brighte")
            ),
            false,
        )
        .into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    }
}

/// `GET /brighte/return?order=N&...`: confirms the redirect by fetch, then
/// shows the order.
async fn back_from_brighte(State((shop, _)): Ctx, RawQuery(query): RawQuery) -> Response {
    let query = query.unwrap_or_default();
    let n = url::form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "order")
        .and_then(|(_, v)| v.parse::<u64>().ok());
    let Some(reference) =
        n.and_then(|n| shop.records.orders().get(&n).map(|o| o.reference.clone()))
    else {
        return (StatusCode::NOT_FOUND, "no such order").into_response();
    };
    let expected = ExpectedCheckout::new().reference_number(reference);
    let outcome =
        checkout::confirm_expecting(&shop.client, &shop.verifier, &query, &expected).await;
    let n = n.unwrap_or_default();
    if let Some(order) = shop.records.orders().get_mut(&n) {
        match outcome {
            Ok(app) => {
                order.outcome = Some(app.status.ok_or_else(|| "no status".to_owned()));
                order.application_id = Some(app.id);
            }
            Err(e) => order.outcome = Some(Err(e.to_string())),
        }
    }
    Redirect::to(&format!("/orders/{n}")).into_response()
}

/// How the shop words a status.
fn worded(status: &ApplicationStatus) -> &str {
    match status {
        ApplicationStatus::Approved => "approved",
        ApplicationStatus::ConditionallyApproved => "conditionally approved",
        ApplicationStatus::Declined => "declined",
        ApplicationStatus::Refer => "referred for assessment",
        ApplicationStatus::Withdraw => "withdrawn",
        ApplicationStatus::Paid => "paid",
        other => other.as_str(),
    }
}

/// `GET /orders/{n}`: what the redirect and the webhook confirmed.
async fn order_page(State((shop, _)): Ctx, Path(n): Path<u64>) -> Response {
    let Some(order) = shop.records.orders().get(&n).cloned() else {
        return (StatusCode::NOT_FOUND, "no such order").into_response();
    };
    let outcome = match &order.outcome {
        None => "<p>Not paid yet.</p>".to_owned(),
        Some(Ok(status)) => format!(
            "<p>Brighte says your application {} is <strong id=\"outcome\">{}</strong>.</p>",
            escape_html(order.application_id.as_deref().unwrap_or_default()),
            escape_html(worded(status))
        ),
        Some(Err(reason)) => format!(
            "<p>The return from Brighte was not accepted: <span id=\"outcome-error\">{}</span></p>",
            escape_html(reason)
        ),
    };
    let webhook = order
        .application_id
        .as_deref()
        .and_then(|id| shop.webhook_status(id));
    let waiting = webhook.is_none() && matches!(order.outcome, Some(Ok(_)));
    let webhook = match &webhook {
        Some(status) => format!(
            "<p>Brighte's webhook confirmed: <strong id=\"webhook\">{}</strong>.</p>",
            escape_html(worded(status))
        ),
        None if waiting => "<p id=\"webhook-waiting\">Waiting for Brighte's webhook…</p>".into(),
        None => String::new(),
    };
    let mut response = page(
        &shop,
        &order.reference,
        &format!(
            "<h2>Order {}</h2>{outcome}{webhook}<p><a href=\"/\">Shop again</a></p>",
            escape_html(&order.reference)
        ),
        waiting,
    )
    .into_response();
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    response
}
