//! The sandbox in a browser: one page at `/` showing what every fake holds,
//! with forms that act on it.
//!
//! [`Dashboard::start`] serves it for a [`Sandbox`] on its own loopback
//! port; `partner-sandbox serve` serves it on the base port and prints its
//! URL. The page shows, per provider:
//!
//! - BBTI: the transactions and each one's status timeline;
//! - Brighte: the applications (with a form moving one to a status: the
//!   signed webhook goes out, as Brighte would send it), the webhook URL
//!   and every webhook delivery with the receiver's answer, resends
//!   included;
//! - trade-in promotion: the look-ups and their answers;
//! - DT One: the Goods & Services transactions; the DVS transactions (with
//!   forms completing or declining a pending one: its callback goes out),
//!   the balance and the callback deliveries;
//! - the faults queued on each fake, a form queuing one and one clearing
//!   them.
//!
//! The page is server-rendered HTML (askama templates, every value
//! escaped), with plain forms and no script. The sandbox's rules for
//! browsers hold: the dashboard answers only a loopback `Host` (421
//! otherwise, so a page whose DNS name is rebound to 127.0.0.1 gets
//! nothing), and takes a write only as a form post from its own page: an
//! `Origin` other than its own, or a `Sec-Fetch-Site` other than
//! `same-origin`, is answered 403.

use std::sync::Arc;
use std::time::Duration;

use askama::Template as _;
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::Value;

use crate::Sandbox;
use crate::faults::{Fault, FaultRule};

/// The dashboard of a [`Sandbox`], served on a loopback port until it is
/// dropped.
pub struct Dashboard {
    url: String,
    task: tokio::task::JoinHandle<()>,
}

impl std::fmt::Debug for Dashboard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dashboard")
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

impl Drop for Dashboard {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Dashboard {
    /// Serves the dashboard of `sandbox` on a free loopback port.
    pub async fn start(sandbox: Arc<Sandbox>) -> std::io::Result<Dashboard> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        Self::serve(sandbox, listener)
    }

    /// Serves the dashboard of `sandbox` on `listener` (for a fixed port).
    pub fn start_on(
        sandbox: Arc<Sandbox>,
        listener: std::net::TcpListener,
    ) -> std::io::Result<Dashboard> {
        listener.set_nonblocking(true)?;
        Self::serve(sandbox, tokio::net::TcpListener::from_std(listener)?)
    }

    fn serve(
        sandbox: Arc<Sandbox>,
        listener: tokio::net::TcpListener,
    ) -> std::io::Result<Dashboard> {
        let url = format!("http://{}/", listener.local_addr()?);
        let app = router(sandbox);
        let task = tokio::spawn(async move {
            // The server ends with an error only when the listener fails;
            // the dashboard then answers no more.
            let _ = axum::serve(listener, app).await;
        });
        Ok(Dashboard { url, task })
    }

    /// `http://127.0.0.1:<port>/`.
    pub fn url(&self) -> &str {
        &self.url
    }
}

/// The dashboard's routes, for mounting in an application of your own:
/// `GET /` and the form posts under `/actions/`.
pub fn router(sandbox: Arc<Sandbox>) -> Router {
    Router::new()
        .route("/", get(page))
        .route("/actions/brighte-status", post(brighte_status))
        .route("/actions/dvs-settle", post(dvs_settle))
        .route("/actions/fault", post(queue_fault))
        .route("/actions/clear-faults", post(clear_faults))
        .with_state(sandbox)
}

type Ctx = State<Arc<Sandbox>>;

/// A refusal, as a short HTML page.
fn refused(status: StatusCode, message: &str) -> Response {
    let page = pages::Message {
        title: "Refused",
        message,
    }
    .render();
    html(status, page)
}

fn html(status: StatusCode, page: Result<String, askama::Error>) -> Response {
    match page {
        Ok(body) => (
            status,
            [
                (header::CONTENT_TYPE, "text/html; charset=utf-8"),
                (header::CACHE_CONTROL, "no-store"),
                (header::X_FRAME_OPTIONS, "DENY"),
            ],
            body,
        )
            .into_response(),
        Err(e) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("page not rendered: {e}"),
        )
            .into_response(),
    }
}

fn header_str(headers: &HeaderMap, name: header::HeaderName) -> Option<&str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// The refusal of a request whose `Host` is not loopback.
fn host_refusal(headers: &HeaderMap) -> Option<Response> {
    let host = header_str(headers, header::HOST);
    if host.is_some_and(crate::guard::is_loopback_host) {
        return None;
    }
    Some(refused(
        StatusCode::MISDIRECTED_REQUEST,
        "The sandbox's dashboard answers only a loopback Host (localhost, 127.0.0.1 or [::1]).",
    ))
}

/// The refusal of a write that is not a form post from the dashboard's
/// own page.
fn write_refusal(headers: &HeaderMap) -> Option<Response> {
    if let Some(refusal) = host_refusal(headers) {
        return Some(refusal);
    }
    let host = header_str(headers, header::HOST).unwrap_or_default();
    let foreign_origin = header_str(headers, header::ORIGIN).is_some_and(|origin| {
        origin != format!("http://{host}") && origin != format!("https://{host}")
    });
    let cross_site = header_str(headers, header::HeaderName::from_static("sec-fetch-site"))
        .is_some_and(|site| !site.eq_ignore_ascii_case("same-origin"));
    if foreign_origin || cross_site {
        return Some(refused(
            StatusCode::FORBIDDEN,
            "The dashboard takes its forms from its own page only.",
        ));
    }
    let is_form = header_str(headers, header::CONTENT_TYPE)
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| {
            v.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        });
    if !is_form {
        return Some(refused(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "The dashboard's actions are form posts.",
        ));
    }
    None
}

/// The form's fields.
fn fields(body: &[u8]) -> std::collections::BTreeMap<String, String> {
    url::form_urlencoded::parse(body).into_owned().collect()
}

/// Back to the dashboard, at `section`.
fn back(section: &str) -> Response {
    (
        StatusCode::SEE_OTHER,
        [(header::LOCATION, format!("/#{section}"))],
    )
        .into_response()
}

async fn page(State(sandbox): Ctx, headers: HeaderMap) -> Response {
    if let Some(refusal) = host_refusal(&headers) {
        return refusal;
    }
    html(StatusCode::OK, view::build(&sandbox).render())
}

/// The statuses a Brighte application can be moved to.
const BRIGHTE_STATUSES: [&str; 7] = [
    "C.APPROV", "APPROVED", "REFER", "DECLINED", "WITHDRAW", "PAID", "QUOTE",
];

async fn brighte_status(State(sandbox): Ctx, headers: HeaderMap, body: Bytes) -> Response {
    if let Some(refusal) = write_refusal(&headers) {
        return refusal;
    }
    let form = fields(&body);
    let id = form
        .get("application")
        .map(String::as_str)
        .unwrap_or_default();
    let Some(status) = form
        .get("status")
        .filter(|s| BRIGHTE_STATUSES.contains(&s.as_str()))
    else {
        return refused(
            StatusCode::BAD_REQUEST,
            "Choose one of the listed statuses.",
        );
    };
    let status = partner_sdk_brighte::ApplicationStatus::from(status.as_str());
    if !sandbox.brighte.set_application_status(id, status) {
        return refused(StatusCode::NOT_FOUND, "There is no such application.");
    }
    back("brighte")
}

async fn dvs_settle(State(sandbox): Ctx, headers: HeaderMap, body: Bytes) -> Response {
    if let Some(refusal) = write_refusal(&headers) {
        return refusal;
    }
    let form = fields(&body);
    let completed = match form.get("outcome").map(String::as_str) {
        Some("complete") => true,
        Some("decline") => false,
        _ => return refused(StatusCode::BAD_REQUEST, "Choose Complete or Decline."),
    };
    let Some(id) = form
        .get("transaction")
        .and_then(|id| id.parse::<u64>().ok())
    else {
        return refused(StatusCode::BAD_REQUEST, "Name a transaction.");
    };
    if !sandbox.dtone_dvs.settle(id, completed) {
        return refused(
            StatusCode::CONFLICT,
            "That transaction is not pending (CONFIRMED or SUBMITTED).",
        );
    }
    back("dtone-dvs")
}

/// The faults the form offers, by name.
fn fault_named(name: &str) -> Option<Fault> {
    Some(match name {
        "500" => Fault::server_error(500),
        "503" => Fault::server_error(503),
        "429" => Fault::rate_limited(Duration::from_secs(1)),
        "slow" => Fault::slow(Duration::from_secs(2)),
        "lost" => Fault::answer_lost(),
        "garbled" => Fault::answer_garbled(),
        _ => return None,
    })
}

/// Queues `rule` on the fake named `provider` (clears its faults when
/// `None`); `false` when no fake has that name.
fn on_fake(sandbox: &Sandbox, provider: &str, rule: Option<FaultRule>) -> bool {
    match (provider, rule) {
        ("bbti", Some(rule)) => sandbox.bbti.inject_fault(rule),
        ("bbti", None) => sandbox.bbti.clear_faults(),
        ("brighte", Some(rule)) => sandbox.brighte.inject_fault(rule),
        ("brighte", None) => sandbox.brighte.clear_faults(),
        ("tradein-promo", Some(rule)) => sandbox.tradein_promo.inject_fault(rule),
        ("tradein-promo", None) => sandbox.tradein_promo.clear_faults(),
        ("dtone", Some(rule)) => sandbox.dtone.inject_fault(rule),
        ("dtone", None) => sandbox.dtone.clear_faults(),
        ("dtone-dvs", Some(rule)) => sandbox.dtone_dvs.inject_fault(rule),
        ("dtone-dvs", None) => sandbox.dtone_dvs.clear_faults(),
        _ => return false,
    }
    true
}

/// The providers' names in the forms.
const PROVIDERS: [&str; 5] = ["bbti", "brighte", "tradein-promo", "dtone", "dtone-dvs"];

async fn queue_fault(State(sandbox): Ctx, headers: HeaderMap, body: Bytes) -> Response {
    if let Some(refusal) = write_refusal(&headers) {
        return refusal;
    }
    let form = fields(&body);
    let field = |name: &str| {
        form.get(name)
            .map(|v| v.trim())
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    };
    let Some(provider) = field("provider").filter(|p| PROVIDERS.contains(&p.as_str())) else {
        return refused(StatusCode::BAD_REQUEST, "Choose a provider.");
    };
    let Some(fault) = field("fault").and_then(|f| fault_named(&f)) else {
        return refused(StatusCode::BAD_REQUEST, "Choose a fault.");
    };
    let times = match field("times").map(|t| t.parse::<usize>()) {
        None => 1,
        Some(Ok(t)) if (1..=100).contains(&t) => t,
        Some(_) => return refused(StatusCode::BAD_REQUEST, "Times is a number from 1 to 100."),
    };
    let mut rule = FaultRule::new(fault).times(times);
    if let Some(method) = field("method") {
        if !["GET", "POST", "PUT", "PATCH", "DELETE"].contains(&method.as_str()) {
            return refused(StatusCode::BAD_REQUEST, "Choose a method, or any.");
        }
        rule = rule.method(method);
    }
    if let Some(path) = field("path") {
        rule = rule.path_contains(path);
    }
    on_fake(&sandbox, &provider, Some(rule));
    back("faults")
}

async fn clear_faults(State(sandbox): Ctx, headers: HeaderMap, body: Bytes) -> Response {
    if let Some(refusal) = write_refusal(&headers) {
        return refusal;
    }
    let form = fields(&body);
    let provider = form.get("provider").map(String::as_str).unwrap_or_default();
    if !on_fake(&sandbox, provider, None) {
        return refused(StatusCode::BAD_REQUEST, "Choose a provider.");
    }
    back("faults")
}

/// Text of a JSON value for a cell: strings bare, `null` empty, anything
/// else compact JSON.
fn text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The page's model, built from each fake's state document.
mod view {
    use serde_json::Value;

    use super::{BRIGHTE_STATUSES, text};
    use crate::Sandbox;

    /// A table: its headings and rows of text cells.
    pub(super) struct Table {
        pub(super) headings: Vec<&'static str>,
        pub(super) rows: Vec<Vec<String>>,
    }

    impl Table {
        fn of(
            headings: &[&'static str],
            items: &[Value],
            row: impl Fn(&Value) -> Vec<String>,
        ) -> Table {
            Table {
                headings: headings.to_vec(),
                rows: items.iter().map(row).collect(),
            }
        }
    }

    /// A Brighte application, with the statuses it can be moved to.
    pub(super) struct Application {
        pub(super) id: String,
        pub(super) cells: Vec<String>,
        pub(super) status: String,
    }

    impl Application {
        /// Whether the application is in `status` now.
        pub(super) fn is(&self, status: &str) -> bool {
            self.status == status
        }
    }

    /// A DVS transaction, pending or not.
    pub(super) struct DvsTransaction {
        pub(super) id: String,
        pub(super) cells: Vec<String>,
        pub(super) status: String,
        pub(super) pending: bool,
    }

    /// One fake's queued faults.
    pub(super) struct Faults {
        pub(super) provider: &'static str,
        pub(super) title: &'static str,
        pub(super) rules: Vec<String>,
    }

    /// The dashboard page.
    #[derive(askama::Template)]
    #[template(path = "dashboard.html")]
    pub(super) struct Page {
        pub(super) bbti_url: String,
        pub(super) bbti: Table,
        pub(super) brighte_url: String,
        pub(super) webhook_url: String,
        pub(super) applications: Vec<Application>,
        pub(super) application_headings: Vec<&'static str>,
        pub(super) statuses: &'static [&'static str],
        pub(super) deliveries: Table,
        pub(super) tradein_url: String,
        pub(super) tradein_counts: String,
        pub(super) lookups: Table,
        pub(super) dtone_url: String,
        pub(super) dtone: Table,
        pub(super) dvs_url: String,
        pub(super) dvs: Vec<DvsTransaction>,
        pub(super) dvs_headings: Vec<&'static str>,
        pub(super) balances: Table,
        pub(super) callbacks: Table,
        pub(super) faults: Vec<Faults>,
    }

    fn list(state: &Value, key: &str) -> Vec<Value> {
        state[key].as_array().cloned().unwrap_or_default()
    }

    fn answer(d: &Value) -> String {
        match (&d["response_status"], &d["error"]) {
            (Value::Number(n), _) => n.to_string(),
            (_, Value::String(e)) => format!("no answer: {e}"),
            _ => "no answer".into(),
        }
    }

    fn faults(provider: &'static str, title: &'static str, state: &Value) -> Faults {
        Faults {
            provider,
            title,
            rules: list(state, "faults")
                .iter()
                .map(|rule| {
                    let fault = &rule["fault"];
                    let what = match fault["kind"].as_str().unwrap_or_default() {
                        "server_error" => format!("HTTP {}", text(&fault["status"])),
                        "rate_limited" => {
                            format!("429, Retry-After {} s", text(&fault["retry_after_secs"]))
                        }
                        "slow" => format!("slow answer ({} ms)", text(&fault["delay_ms"])),
                        "after_processing" => match fault["answer"]["how"].as_str() {
                            Some("garbled") => "processed, answer garbled".into(),
                            _ => "processed, answer lost".into(),
                        },
                        other => other.to_owned(),
                    };
                    format!(
                        "{what} × {} for {} {}",
                        text(&rule["times"]),
                        rule["method"].as_str().unwrap_or("any method"),
                        rule["path_contains"].as_str().map_or_else(
                            || "any path".to_owned(),
                            |p| format!("paths containing {p}")
                        )
                    )
                })
                .collect(),
        }
    }

    /// The page of `sandbox` as it is now.
    pub(super) fn build(sandbox: &Sandbox) -> Page {
        let bbti = sandbox.bbti.state();
        let brighte = sandbox.brighte.state();
        let tradein = sandbox.tradein_promo.state();
        let dtone = sandbox.dtone.state();
        let dvs = sandbox.dtone_dvs.state();

        let timelines = &bbti["timelines"];
        let bbti_table = Table::of(
            &["Transaction", "Deal", "Status", "Offered", "Timeline"],
            &list(&bbti, "transactions"),
            |tx| {
                let id = text(&tx["transactionId"]);
                let timeline = timelines[id.as_str()]
                    .as_array()
                    .map(|steps| {
                        steps
                            .iter()
                            .map(|s| format!("{} {}", text(&s["at"]), text(&s["status"])))
                            .collect::<Vec<_>>()
                            .join(" → ")
                    })
                    .unwrap_or_default();
                let product = &tx["product"];
                vec![
                    id,
                    text(&tx["dealId"]),
                    text(&tx["status"]),
                    format!(
                        "{} {} {}",
                        text(&product["offeredModelName"]),
                        text(&product["offeredStorageName"]),
                        text(&product["offeredPrice"])
                    )
                    .trim()
                    .to_owned(),
                    timeline,
                ]
            },
        );

        let applications = list(&brighte, "applications")
            .iter()
            .map(|a| Application {
                id: text(&a["id"]),
                status: text(&a["status"]),
                cells: vec![
                    text(&a["id"]),
                    text(&a["reference_number"]),
                    text(&a["financed_amount"]),
                    text(&a["repayment_term"]),
                    format!(
                        "{}: {}",
                        text(&a["product_category"]),
                        text(&a["product_description"])
                    ),
                    text(&a["created"]),
                ],
            })
            .collect();
        let deliveries = Table::of(
            &["Application", "Status", "Attempt", "Answer"],
            &list(&brighte, "webhook_deliveries"),
            |d| {
                vec![
                    text(&d["application_id"]),
                    text(&d["status"]),
                    text(&d["attempt"]),
                    answer(d),
                ]
            },
        );

        let lookups = Table::of(
            &["At", "By", "Device", "Answered No", "HTTP", "Outcome"],
            &list(&tradein, "lookups"),
            |l| {
                vec![
                    text(&l["at"]),
                    text(&l["by"]),
                    text(&l["device"]),
                    l["conditions_failed"]
                        .as_array()
                        .map(|c| c.iter().map(text).collect::<Vec<_>>().join(", "))
                        .unwrap_or_default(),
                    text(&l["status"]),
                    text(&l["outcome"]),
                ]
            },
        );

        let dtone_table = Table::of(
            &[
                "Transaction",
                "External id",
                "Product",
                "Operator",
                "Status",
                "Wholesale",
            ],
            &list(&dtone, "transactions"),
            |tx| {
                vec![
                    text(&tx["transaction_id"]),
                    text(&tx["external_id"]),
                    text(&tx["product"]),
                    text(&tx["operator"]),
                    text(&tx["status_message"]),
                    format!(
                        "{} {}",
                        text(&tx["wholesale_price"]),
                        text(&tx["account_currency"])
                    )
                    .trim()
                    .to_owned(),
                ]
            },
        );

        let dvs_transactions = list(&dvs, "transactions")
            .iter()
            .map(|tx| {
                let status = text(&tx["status"]["message"]);
                DvsTransaction {
                    id: text(&tx["id"]),
                    pending: matches!(status.as_str(), "CONFIRMED" | "SUBMITTED"),
                    cells: vec![
                        text(&tx["id"]),
                        text(&tx["external_id"]),
                        text(&tx["product"]["name"]),
                        text(&tx["status"]["class"]["message"]),
                        text(&tx["creation_date"]),
                    ],
                    status,
                }
            })
            .collect();
        let balances = Table::of(
            &["Unit", "Available", "Holding"],
            &list(&dvs, "balances"),
            |b| vec![text(&b["unit"]), text(&b["available"]), text(&b["holding"])],
        );
        let callbacks = Table::of(
            &["Transaction", "Status", "Attempt", "Answer"],
            &list(&dvs, "callback_deliveries"),
            |d| {
                vec![
                    text(&d["transaction_id"]),
                    text(&d["status"]),
                    text(&d["attempt"]),
                    answer(d),
                ]
            },
        );

        Page {
            bbti_url: sandbox.bbti.base_url(),
            bbti: bbti_table,
            brighte_url: sandbox.brighte.base_url(),
            webhook_url: text(&brighte["webhook_url"]),
            applications,
            application_headings: vec![
                "Application",
                "Reference",
                "Financed",
                "Term",
                "Purchase",
                "Created",
            ],
            statuses: &BRIGHTE_STATUSES,
            deliveries,
            tradein_url: sandbox.tradein_promo.base_url(),
            tradein_counts: format!(
                "{} token request(s), {} promotion request(s)",
                text(&tradein["token_requests"]),
                text(&tradein["promotion_requests"])
            ),
            lookups,
            dtone_url: sandbox.dtone.base_url(),
            dtone: dtone_table,
            dvs_url: sandbox.dtone_dvs.base_url(),
            dvs: dvs_transactions,
            dvs_headings: vec!["Transaction", "External id", "Product", "Class", "Created"],
            balances,
            callbacks,
            faults: vec![
                faults("bbti", "BBTI", &bbti),
                faults("brighte", "Brighte", &brighte),
                faults("tradein-promo", "Trade-in promotion", &tradein),
                faults("dtone", "DT One Goods & Services", &dtone),
                faults("dtone-dvs", "DT One DVS", &dvs),
            ],
        }
    }
}

/// The dashboard's other pages.
mod pages {
    /// A one-line answer (a refusal).
    #[derive(askama::Template)]
    #[template(path = "message.html")]
    pub(super) struct Message<'a> {
        pub(super) title: &'a str,
        pub(super) message: &'a str,
    }
}
