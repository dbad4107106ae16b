//! Fake Brighte server: sessions, the Checkout endpoint, the vendor REST
//! API with stateful applications, quotes and users, the public finance
//! calculator and signed webhooks.
//!
//! ```no_run
//! # async fn run() {
//! use partner_sdk_sandbox::brighte::BrighteSandbox;
//! let sandbox = BrighteSandbox::builder().time_scale(0.001).start().await;
//! let client = sandbox.client();
//! let accounts = client.list_accounts().await.unwrap();
//! # let _ = accounts; }
//! ```
//!
//! Behaviour, from Brighte's documentation:
//! - The vendor API answers under both prefixes of the documentation,
//!   `/rest/v1/vendor` and `/rest/vendor/v1` ([`VENDOR_PREFIXES`]), or under
//!   one only ([`BrighteSandboxBuilder::vendor_prefix`]); any path outside
//!   the served prefixes, the public API and the Checkout endpoint gets the
//!   web server's HTML 404, not Brighte's JSON error (the client's cue to
//!   try its other prefix).
//! - `POST <prefix>/session` accepts [`API_ID`]/[`API_SECRET`] and
//!   answers a fresh `sessionKey`/`sessionToken`; every vendor call needs
//!   them (401/4010 otherwise); `DELETE session` ends the session.
//! - `POST /checkout?key=`[`PUBLIC_KEY`] takes the checkout form, checks
//!   the SHA-256 checksum and the fields, and redirects (302) to `redirect`
//!   with `error_code=10000&transaction_id=...` or `error_code=10002&error_msg=...`,
//!   plus `timestamp`, `token`, `signature` signed with [`PRIVATE_KEY`]. An
//!   invalid `redirect` is a plain 400. That is how a program posting the
//!   form (an `Accept` without `text/html`, as
//!   [`BrighteSandbox::submit_checkout`] sends) is answered: decided at
//!   once by the amount rule below.
//! - A browser posting the form (an `Accept` naming `text/html`) gets
//!   Brighte's hosted checkout page instead: the purchase, and Approve,
//!   Refer, Decline and Cancel. A wrong checksum or field is an error page
//!   (HTTP 400, nothing submitted), as on Brighte. The choice, posted from
//!   that page to `/checkout/decide` (same origin only, once per
//!   checkout), submits the application as APPROVED, REFER, DECLINED or
//!   WITHDRAW, redirects (302) to `redirect` with `error_code=10000`, the
//!   application id and the signed triple, and sends that status's signed
//!   webhook.
//! - Applications follow the sandbox rule on the last digit of the whole
//!   dollars financed (total − deposit): 1 → C.APPROV then APPROVED,
//!   2 → C.APPROV then DECLINED, 3 → REFER then APPROVED, 4 → REFER then
//!   DECLINED, 5 → DECLINED. The second step comes after [`STATUS_CHANGE_AFTER`]
//!   (the documentation's "several minutes") times the time scale. Other
//!   digits (undocumented) stay REFER.
//! - Each status change (the simulated ones and PAID after
//!   `request-payment`) is POSTed as a signed JSON webhook to the registered
//!   URL, redelivered after each delay of `partner_sdk_brighte::webhook::REDELIVERY_SCHEDULE`
//!   (times the time scale) until the receiver answers 200 or 406. A
//!   redelivery is the same message: same body, so the same timestamp,
//!   token and signature as the first delivery (at Brighte that timestamp
//!   is up to 8 hours old by the last resend).
//! - Webhooks go to loopback URLs only (`localhost`, `127.0.0.0/8`,
//!   `[::1]`) unless [`BrighteSandboxBuilder::allow_remote_webhooks`] (the
//!   `--allow-remote-webhooks` flag of `partner-sandbox serve`): another
//!   URL is refused when registered ([`BrighteSandbox::try_register_webhook`],
//!   `PUT /__sandbox/webhook`) and never contacted (a delivery to it is
//!   recorded with no answer and the reason). Each delivery ends within
//!   [`DEFAULT_WEBHOOK_TIMEOUT`] ([`BrighteSandboxBuilder::webhook_timeout`]):
//!   a receiver that never answers counts as no answer, and is resent.
//! - [`BrighteSandbox::fail_application_fetches`] makes the next
//!   `GET applications/{id}` calls fail, to exercise a webhook receiver
//!   whose confirmation fails.
//! - Every fake's admin API ([`crate::admin`]) lists the applications
//!   and webhook deliveries, queues faults ([`BrighteSandbox::inject_fault`])
//!   and sets the webhook URL (`PUT /__sandbox/webhook`).
//! - Lists page at 500 records with `pageNumber`/`hasMoreRecords`.
//! - Errors use Brighte's shape: `{"status": 4402, "message": "..."}`.

use std::collections::BTreeMap;
use std::net::TcpListener;
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use askama::Template as _;
use base64::Engine as _;
use partner_sdk_brighte::checkout::{CheckoutForm, ProductCategoryName};
use partner_sdk_brighte::{ApplicationStatus, webhook::REDELIVERY_SCHEDULE};
use rust_decimal::Decimal;
use serde_json::{Value, json};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::admin::{Admin, WebhookUrlError};
use crate::faults::{FaultRule, Faults, WithFaults};
use crate::server::Server;

/// API id the sandbox accepts.
pub const API_ID: &str = "sandbox-api-id";
/// API secret the sandbox accepts.
pub const API_SECRET: &str = "sandbox-api-secret";
/// Public API key of the Checkout endpoint.
pub const PUBLIC_KEY: &str = "sandbox-public-key";
/// Private API key that signs redirects and webhooks.
pub const PRIVATE_KEY: &str = "sandbox-private-key";
/// The account (branch) every sandbox entity belongs to.
pub const ACCOUNT_ID: &str = "E1";
/// Unscaled delay of the second simulated status ("several minutes").
pub const STATUS_CHANGE_AFTER: Duration = Duration::from_secs(5 * 60);
/// Records per list page.
pub const PAGE_SIZE: usize = 500;
/// How long one webhook delivery waits for the receiver's whole answer by
/// default (not scaled by the time scale); a receiver that has not
/// answered by then counts as no answer, and the notice is resent.
pub const DEFAULT_WEBHOOK_TIMEOUT: Duration = Duration::from_secs(10);

/// The vendor API's prefixes the sandbox serves by default: the
/// documentation tables' and its sample requests'.
pub const VENDOR_PREFIXES: [&str; 2] = ["/rest/v1/vendor", "/rest/vendor/v1"];
const PUBLIC: &str = "/rest/pub/v1";
/// Where the hosted checkout page posts the customer's decision.
const DECIDE_PATH: &str = "/checkout/decide";
const HTML_404: &str =
    "<html><head><title>404 Not Found</title></head><body><h1>Not Found</h1></body></html>";

/// The simulated status path for a financed amount: the status at once and,
/// for digits 1–4, the status after [`STATUS_CHANGE_AFTER`].
pub fn simulated_statuses(financed: Decimal) -> (ApplicationStatus, Option<ApplicationStatus>) {
    let dollars = financed.trunc().abs();
    let digit = (dollars % Decimal::TEN).trunc();
    use ApplicationStatus as S;
    match digit.to_string().as_str() {
        "1" => (S::ConditionallyApproved, Some(S::Approved)),
        "2" => (S::ConditionallyApproved, Some(S::Declined)),
        "3" => (S::Refer, Some(S::Approved)),
        "4" => (S::Refer, Some(S::Declined)),
        "5" => (S::Declined, None),
        _ => (S::Refer, None),
    }
}

/// One webhook delivery attempt, as the sandbox saw it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct WebhookDelivery {
    /// Application id.
    pub application_id: String,
    /// Status notified.
    pub status: String,
    /// Attempt number (1 = first delivery).
    pub attempt: usize,
    /// The receiver's HTTP status (`None` when it could not be reached).
    pub response_status: Option<u16>,
    /// Why there was no answer (refused URL, timeout, connection error);
    /// `None` when the receiver answered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Clone)]
struct App {
    id: String,
    account: String,
    financed: Decimal,
    term: i64,
    category: String,
    description: String,
    reference: Option<String>,
    first: ApplicationStatus,
    second: Option<ApplicationStatus>,
    paid: bool,
    created: Instant,
    created_text: String,
    documents: Vec<(String, String)>,
}

#[derive(Default)]
struct State {
    sessions: BTreeMap<String, String>,
    apps: Vec<App>,
    quotes: Vec<Value>,
    users: Vec<Value>,
    webhook_url: Option<String>,
    deliveries: Vec<WebhookDelivery>,
    failing_fetches: usize,
    /// Hosted checkouts shown to a browser and not decided yet, by id.
    checkouts: BTreeMap<String, Purchase>,
}

struct Shared {
    state: Mutex<State>,
    faults: Arc<Faults>,
    vendor_prefixes: Vec<String>,
    scale: f64,
    counter: AtomicU64,
    runtime: Option<tokio::runtime::Handle>,
    /// The client of webhook deliveries (with their timeout), or why none
    /// could be built: deliveries then get no answer.
    http: Result<partner_sdk_core::reqwest::Client, String>,
    /// Whether webhooks may go to URLs off the loopback interface.
    allow_remote_webhooks: bool,
    webhook_timeout: Duration,
}

impl Shared {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
    fn next(&self) -> u64 {
        self.counter.fetch_add(1, Ordering::Relaxed) + 1
    }
    fn random_hex(&self, len: usize) -> String {
        let seed = format!("{}-{:?}", self.next(), SystemTime::now());
        let mut out = partner_sdk_core::signature::sha256_hex(&seed);
        while out.len() < len {
            out.push_str(&partner_sdk_core::signature::sha256_hex(&out));
        }
        out.truncate(len);
        out
    }
    fn scaled(&self, d: Duration) -> Duration {
        d.mul_f64(self.scale.max(0.0))
    }
    /// Registers `url` (or none) once it passes the webhook URL check.
    fn set_webhook_url(&self, url: Option<String>) -> Result<(), WebhookUrlError> {
        if let Some(url) = &url {
            crate::guard::check_webhook_url(url, self.allow_remote_webhooks)?;
        }
        self.lock().webhook_url = url;
        Ok(())
    }
    fn status_of(&self, app: &App) -> ApplicationStatus {
        if app.paid {
            return ApplicationStatus::Paid;
        }
        match &app.second {
            Some(s) if app.created.elapsed() >= self.scaled(STATUS_CHANGE_AFTER) => s.clone(),
            _ => app.first.clone(),
        }
    }
    fn state_json(&self) -> Value {
        let st = self.lock();
        json!({
            "applications": st.apps.iter().map(|a| self.app_json(a)).collect::<Vec<_>>(),
            "webhook_url": st.webhook_url,
            "webhook_deliveries": st.deliveries,
        })
    }
    fn app_json(&self, app: &App) -> Value {
        json!({
            "id": app.id,
            "applicants": [{"id": format!("P{}", app.id), "name": "Sandbox Applicant", "email": "applicant@example.com", "mobile": "0400000000", "dob": "1980-01-01", "joint_applicant": 0}],
            "team_member": "Sandbox Vendor",
            "financed_amount": app.financed,
            "repayment_term": app.term,
            "product_category": app.category,
            "product_description": app.description,
            "reference_number": app.reference,
            "status": self.status_of(app).as_str(),
            "created": app.created_text,
        })
    }
}

/// Configures a [`BrighteSandbox`].
#[derive(Debug, Clone)]
pub struct BrighteSandboxBuilder {
    scale: f64,
    webhook_url: Option<partner_sdk_core::secret::RedactedUrl>,
    vendor_prefix: Option<String>,
    allow_remote_webhooks: bool,
    webhook_timeout: Duration,
}

impl BrighteSandboxBuilder {
    /// Multiplies every documented delay (status change, webhook
    /// redeliveries); default 0.001 (5 minutes → 300 ms).
    pub fn time_scale(mut self, scale: f64) -> Self {
        self.scale = scale;
        self
    }

    /// Registers the URL webhooks are POSTed to: a loopback URL unless
    /// [`allow_remote_webhooks`](Self::allow_remote_webhooks); another is
    /// never contacted (each delivery is recorded with no answer and the
    /// reason).
    pub fn webhook_url(mut self, url: impl Into<String>) -> Self {
        self.webhook_url = Some(url.into().into());
        self
    }

    /// Lets webhooks go to URLs off the loopback interface (default: no,
    /// so that nothing the sandbox is told can make it post to another
    /// host).
    pub fn allow_remote_webhooks(mut self, allow: bool) -> Self {
        self.allow_remote_webhooks = allow;
        self
    }

    /// How long one webhook delivery waits for the receiver's whole answer
    /// (default [`DEFAULT_WEBHOOK_TIMEOUT`], not scaled; zero counts as the
    /// default).
    pub fn webhook_timeout(mut self, timeout: Duration) -> Self {
        self.webhook_timeout = if timeout.is_zero() {
            DEFAULT_WEBHOOK_TIMEOUT
        } else {
            timeout
        };
        self
    }

    /// Serves the vendor API under `prefix` only (e.g. `/rest/vendor/v1`,
    /// to see a default client fall back to it); by default both
    /// [`VENDOR_PREFIXES`] answer.
    pub fn vendor_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.vendor_prefix = Some(prefix.into());
        self
    }

    /// Starts on a free loopback port.
    pub async fn start(self) -> BrighteSandbox {
        self.start_server(MockServer::start().await).await
    }

    /// Starts on `listener` (for fixed ports).
    pub async fn start_on(self, listener: TcpListener) -> BrighteSandbox {
        self.start_server(MockServer::builder().listener(listener).start().await)
            .await
    }

    async fn start_server(self, server: MockServer) -> BrighteSandbox {
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                webhook_url: self
                    .webhook_url
                    .map(partner_sdk_core::secret::RedactedUrl::into_string),
                ..State::default()
            }),
            vendor_prefixes: match self.vendor_prefix {
                Some(prefix) => vec![prefix.trim_end_matches('/').to_owned()],
                None => VENDOR_PREFIXES.map(str::to_owned).to_vec(),
            },
            scale: self.scale,
            faults: Arc::new(Faults::default()),
            counter: AtomicU64::new(100_000),
            runtime: tokio::runtime::Handle::try_current().ok(),
            http: crate::server::http_client(Some(self.webhook_timeout)),
            allow_remote_webhooks: self.allow_remote_webhooks,
            webhook_timeout: self.webhook_timeout,
        });
        Mock::given(any())
            .respond_with(WithFaults {
                inner: Router(Arc::clone(&shared)),
                faults: Arc::clone(&shared.faults),
            })
            .mount(&server)
            .await;
        let (state, webhook) = (Arc::clone(&shared), Arc::clone(&shared));
        Admin {
            provider: "brighte",
            faults: Arc::clone(&shared.faults),
            state: Arc::new(move || state.state_json()),
            webhook: Some(Arc::new(move |url| webhook.set_webhook_url(url))),
        }
        .mount(&server)
        .await;
        BrighteSandbox {
            server: Server::new(server),
            shared,
        }
    }
}

/// An in-process Brighte server on loopback.
pub struct BrighteSandbox {
    server: Server,
    shared: Arc<Shared>,
}

impl std::fmt::Debug for BrighteSandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BrighteSandbox")
            .field("base_url", &self.base_url())
            .field("time_scale", &self.shared.scale)
            .finish_non_exhaustive()
    }
}

impl BrighteSandbox {
    /// A builder (time scale 0.001, no webhook URL, both vendor prefixes,
    /// loopback webhooks only, [`DEFAULT_WEBHOOK_TIMEOUT`]).
    pub fn builder() -> BrighteSandboxBuilder {
        BrighteSandboxBuilder {
            scale: 0.001,
            webhook_url: None,
            vendor_prefix: None,
            allow_remote_webhooks: false,
            webhook_timeout: DEFAULT_WEBHOOK_TIMEOUT,
        }
    }

    /// Starts with the defaults on a free loopback port.
    pub async fn start() -> BrighteSandbox {
        Self::builder().start().await
    }

    /// Starts with the defaults on `listener`.
    pub async fn start_on(listener: TcpListener) -> BrighteSandbox {
        Self::builder().start_on(listener).await
    }

    /// Scheme, host and port (give it to `Client::builder().base_url`).
    pub fn base_url(&self) -> String {
        self.server.uri()
    }

    /// The Checkout URL with the sandbox's public key.
    pub fn checkout_url(&self) -> String {
        format!("{}/checkout?key={PUBLIC_KEY}", self.base_url())
    }

    /// A client with the sandbox credentials and the default vendor prefix
    /// (falling back to the samples' prefix, as against Brighte, when the
    /// sandbox serves only that one).
    pub fn client(&self) -> partner_sdk_brighte::Client {
        match partner_sdk_brighte::Client::builder()
            .base_url(self.base_url())
            .credentials(API_ID, API_SECRET)
            .build()
        {
            Ok(c) => c,
            Err(e) => unreachable!("the sandbox URL is a valid base URL: {e}"),
        }
    }

    /// Registers (or replaces) the webhook URL. A URL the sandbox refuses
    /// (see [`try_register_webhook`](Self::try_register_webhook)) is kept
    /// but never contacted: each delivery is recorded with no answer and
    /// the reason.
    pub fn register_webhook(&self, url: impl Into<String>) {
        self.shared.lock().webhook_url = Some(url.into());
    }

    /// Registers (or replaces) the webhook URL, or says why the sandbox
    /// refuses it: not an http(s) URL, or not on loopback while remote
    /// webhooks are not allowed
    /// ([`BrighteSandboxBuilder::allow_remote_webhooks`]). A refused URL
    /// leaves the registration as it was.
    pub fn try_register_webhook(&self, url: impl Into<String>) -> Result<(), WebhookUrlError> {
        self.shared.set_webhook_url(Some(url.into()))
    }

    /// Makes the next `count` `GET applications/{id}` calls answer HTTP 500
    /// with status 5000 ("Internal error.", from Brighte's error table).
    pub fn fail_application_fetches(&self, count: usize) {
        self.shared.lock().failing_fetches = count;
    }

    /// Moves an application to `status` now, as Brighte's assessment
    /// would, and sends that status's signed webhook (with its resends);
    /// the simulated status change still to come, if any, is dropped.
    /// `false` when there is no such application.
    pub fn set_application_status(&self, application_id: &str, status: ApplicationStatus) -> bool {
        let reference = {
            let mut st = self.shared.lock();
            let Some(app) = st.apps.iter_mut().find(|a| a.id == application_id) else {
                return false;
            };
            app.paid = status == ApplicationStatus::Paid;
            app.first = status.clone();
            app.second = None;
            app.reference.clone()
        };
        deliver(
            &self.shared,
            application_id.to_owned(),
            reference,
            status,
            Duration::ZERO,
        );
        true
    }

    /// Every webhook delivery attempt so far, in order.
    pub fn webhook_deliveries(&self) -> Vec<WebhookDelivery> {
        self.shared.lock().deliveries.clone()
    }

    /// Every application, as `GET applications/{id}` answers it now.
    pub fn applications(&self) -> Vec<Value> {
        let st = self.shared.lock();
        st.apps.iter().map(|a| self.shared.app_json(a)).collect()
    }

    /// The fake's state, as the admin API's `GET /__sandbox/state` answers
    /// it: `applications`, `webhook_url`, `webhook_deliveries`, `faults`.
    pub fn state(&self) -> Value {
        self.admin().state()
    }

    /// Queues a fault: the next request matching `rule` gets it (see
    /// [`crate::faults`]).
    pub fn inject_fault(&self, rule: FaultRule) {
        self.shared.faults.push(rule);
    }

    /// Drops every queued fault.
    pub fn clear_faults(&self) {
        self.shared.faults.clear();
    }

    fn admin(&self) -> Admin {
        let state = Arc::clone(&self.shared);
        Admin {
            provider: "brighte",
            faults: Arc::clone(&self.shared.faults),
            state: Arc::new(move || state.state_json()),
            webhook: None,
        }
    }

    /// Posts a checkout form as a browser would and returns the redirect
    /// `Location` (or the error status and body when there is no redirect).
    pub async fn submit_checkout(&self, form: &CheckoutForm) -> Result<String, (u16, String)> {
        let http = crate::server::http_client(Some(crate::admin::DEFAULT_ADMIN_TIMEOUT))
            .map_err(|e| (0, e))?;
        let resp = http
            .post(self.checkout_url())
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form.to_urlencoded())
            .send()
            .await
            .map_err(|e| (0, e.to_string()))?;
        let status = resp.status().as_u16();
        if let Some(loc) = resp.headers().get("location").and_then(|v| v.to_str().ok()) {
            return Ok(loc.to_owned());
        }
        Err((status, resp.text().await.unwrap_or_default()))
    }

    /// Adds `count` applications of `account_id` directly (e.g. to page
    /// through more than 500), financed `1001 + i` dollars each.
    pub fn insert_applications(&self, account_id: &str, count: usize) {
        for i in 0..count {
            let financed = Decimal::from(1001 + i as i64);
            let app = new_app(
                &self.shared,
                account_id,
                financed,
                24,
                "Solar System",
                "Panels",
                None,
            );
            self.shared.lock().apps.push(app);
        }
    }
}

fn new_app(
    shared: &Shared,
    account: &str,
    financed: Decimal,
    term: i64,
    category: &str,
    description: &str,
    reference: Option<String>,
) -> App {
    let (first, second) = simulated_statuses(financed);
    App {
        id: shared.next().to_string(),
        account: account.to_owned(),
        financed,
        term,
        category: category.to_owned(),
        description: description.to_owned(),
        reference,
        first,
        second,
        paid: false,
        created: Instant::now(),
        created_text: now_text(),
        documents: Vec::new(),
    }
}

fn now_text() -> String {
    let now = time::OffsetDateTime::now_utc();
    now.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| "1970-01-01T00:00:00Z".into())
}

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

fn reply(status: u16, body: Value) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(body)
}

fn error(http: u16, code: u16, message: &str) -> ResponseTemplate {
    reply(http, json!({"status": code, "message": message}))
}

fn ok(mut body: Value) -> ResponseTemplate {
    if let Some(o) = body.as_object_mut() {
        o.insert("status".into(), json!(2000));
    }
    reply(200, body)
}

fn money(v: Option<&Value>) -> Option<Decimal> {
    match v? {
        Value::Number(n) => Decimal::from_str(&n.to_string()).ok(),
        Value::String(s) => Decimal::from_str(s.trim()).ok(),
        _ => None,
    }
}

fn text(v: &Value, k: &str) -> Option<String> {
    match v.get(k)? {
        Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn deliver(
    shared: &Arc<Shared>,
    app_id: String,
    reference: Option<String>,
    status: ApplicationStatus,
    delay: Duration,
) {
    let Some(rt) = shared.runtime.clone() else {
        return;
    };
    let shared = Arc::clone(shared);
    rt.spawn(async move {
        tokio::time::sleep(delay).await;
        // A later status change comes only if nothing moved the
        // application elsewhere meanwhile.
        let moved = !delay.is_zero() && {
            let st = shared.lock();
            st.apps
                .iter()
                .find(|a| a.id == app_id)
                .is_none_or(|a| shared.status_of(a) != status)
        };
        if moved {
            return;
        }
        let Some(url) = shared.lock().webhook_url.clone() else {
            return;
        };
        // Built once: every redelivery repeats the first timestamp and token.
        let ts = unix_now().to_string();
        let token = shared.random_hex(50);
        let body = json!({
            "id": app_id,
            "reference_number": reference,
            "status": status.as_str(),
            "timestamp": ts,
            "token": token,
            "signature": partner_sdk_brighte::signing::sign(PRIVATE_KEY, &ts, &token),
        });
        let refused = crate::guard::check_webhook_url(&url, shared.allow_remote_webhooks).err();
        for attempt in 1..=REDELIVERY_SCHEDULE.len() + 1 {
            let answer = match (&refused, &shared.http) {
                (Some(refused), _) => Err(format!("not delivered: {refused}")),
                (None, Ok(http)) => http
                    .post(&url)
                    .header("content-type", "application/json")
                    .body(body.to_string())
                    .send()
                    .await
                    .map(|r| r.status().as_u16())
                    .map_err(|e| {
                        if e.is_timeout() {
                            format!("no answer within {:?}", shared.webhook_timeout)
                        } else {
                            e.without_url().to_string()
                        }
                    }),
                (None, Err(reason)) => Err(reason.clone()),
            };
            shared.lock().deliveries.push(WebhookDelivery {
                application_id: app_id.clone(),
                status: status.as_str().to_owned(),
                attempt,
                response_status: answer.as_ref().ok().copied(),
                error: answer.as_ref().err().cloned(),
            });
            if matches!(answer, Ok(200 | 406)) || refused.is_some() {
                return;
            }
            match REDELIVERY_SCHEDULE.get(attempt - 1) {
                Some(wait) => tokio::time::sleep(shared.scaled(*wait)).await,
                None => return,
            }
        }
    });
}

struct Router(Arc<Shared>);

impl Respond for Router {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let s = &self.0;
        let path = req.url.path().trim_end_matches('/').to_owned();
        let method = req.method.as_str().to_owned();
        if path == "/checkout" {
            return checkout(s, req);
        }
        if path == DECIDE_PATH {
            return decide(s, req);
        }
        if let Some(rest) = path.strip_prefix(PUBLIC) {
            return match (method.as_str(), rest) {
                ("POST", "/calculators/finance") => finance(req),
                _ => error(404, 4041, "Not found."),
            };
        }
        let Some(rest) = s
            .vendor_prefixes
            .iter()
            .find_map(|prefix| path.strip_prefix(prefix.as_str()))
            .filter(|rest| rest.is_empty() || rest.starts_with('/'))
        else {
            return ResponseTemplate::new(404).set_body_raw(HTML_404, "text/html");
        };
        if rest == "/session" && method == "POST" {
            let body: Value = serde_json::from_slice(&req.body).unwrap_or(Value::Null);
            if text(&body, "apiId").as_deref() != Some(API_ID)
                || text(&body, "apiSecret").as_deref() != Some(API_SECRET)
            {
                return error(401, 4010, "Invalid credentials.");
            }
            let (key, token) = (s.random_hex(40), s.random_hex(40));
            s.lock().sessions.insert(key.clone(), token.clone());
            return ok(json!({"sessionKey": key, "sessionToken": token}));
        }
        let header = |n: &str| {
            req.headers
                .get(n)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned()
        };
        let (key, token) = (header("x-session-key"), header("x-session-token"));
        let valid = s.lock().sessions.get(&key).is_some_and(|t| *t == token);
        if !valid {
            return error(401, 4010, "Unauthorized.");
        }
        let body: Value = serde_json::from_slice(&req.body).unwrap_or(Value::Null);
        let query: BTreeMap<String, String> = req.url.query_pairs().into_owned().collect();
        let segs: Vec<&str> = rest.split('/').filter(|p| !p.is_empty()).collect();
        vendor(s, &method, &segs, &body, &query, &key)
    }
}

fn page<T: Clone>(
    items: &[T],
    query: &BTreeMap<String, String>,
) -> Result<(Vec<T>, bool), Box<ResponseTemplate>> {
    let n: usize = match query.get("pageNumber") {
        None => 1,
        Some(p) => p
            .parse()
            .ok()
            .filter(|n| *n >= 1)
            .ok_or_else(|| Box::new(error(400, 4402, "Invalid page number.")))?,
    };
    let start = (n - 1).saturating_mul(PAGE_SIZE);
    let slice: Vec<T> = items.iter().skip(start).take(PAGE_SIZE).cloned().collect();
    Ok((slice, items.len() > start + PAGE_SIZE))
}

fn check_dates(query: &BTreeMap<String, String>) -> Result<(), Box<ResponseTemplate>> {
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    for k in ["startDate", "endDate"] {
        if let Some(v) = query.get(k)
            && time::Date::parse(v, &fmt).is_err()
        {
            return Err(Box::new(error(400, 4402, "Invalid date input.")));
        }
    }
    Ok(())
}

fn vendor(
    s: &Arc<Shared>,
    method: &str,
    segs: &[&str],
    body: &Value,
    query: &BTreeMap<String, String>,
    session: &str,
) -> ResponseTemplate {
    match (method, segs) {
        ("DELETE", ["session"]) => {
            s.lock().sessions.remove(session);
            ok(json!({}))
        }
        ("GET", ["account" | "accounts"]) => ok(json!({"accounts": [
            {"id": ACCOUNT_ID, "entity_legal_name": "Sandbox Solar Pty Ltd", "entity_trading_name": "Sandbox Solar"}
        ]})),
        ("GET", ["applications"]) => {
            if let Err(e) = check_dates(query) {
                return *e;
            }
            let st = s.lock();
            let apps: Vec<&App> = st
                .apps
                .iter()
                .filter(|a| query.get("accountId").is_none_or(|id| *id == a.account))
                .collect();
            match page(&apps, query) {
                Ok((items, more)) => ok(json!({
                    "applications": items.iter().map(|a| s.app_json(a)).collect::<Vec<_>>(),
                    "hasMoreRecords": more,
                })),
                Err(e) => *e,
            }
        }
        ("GET", ["applications", id]) => {
            {
                let mut st = s.lock();
                if st.failing_fetches > 0 {
                    st.failing_fetches -= 1;
                    return error(500, 5000, "Internal error.");
                }
            }
            with_app(s, id, |s, a| ok(json!({"application": s.app_json(a)})))
        }
        ("PUT", ["application", id]) => {
            let Some(r) = text(body, "reference_number") else {
                return error(400, 4402, "Invalid data provided.");
            };
            if r.chars().count() > 20 {
                return error(400, 4402, "Invalid data provided.");
            }
            with_app(s, id, |s, a| {
                a.reference = Some(r.clone());
                ok(json!({"application": s.app_json(a)}))
            })
        }
        ("GET", ["application", "document-types"]) => {
            ok(json!({"applicationDocumentTypes": ["invoice", "CCA", "STC"]}))
        }
        ("GET", ["application", id, "document"]) => with_app(s, id, |_, a| {
            let docs: Vec<Value> = a
                .documents
                .iter()
                .map(|(t, f)| json!({"type": t, "filename": f}))
                .collect();
            ok(json!({"applicationDocuments": docs}))
        }),
        ("POST", ["application", id, "document"]) => {
            let Some(kind) = text(body, "invoice_type") else {
                return error(400, 4010, "No document type specified.");
            };
            if !["invoice", "stc", "cca"].contains(&kind.to_ascii_lowercase().as_str()) {
                return error(400, 4402, "Invalid application document type.");
            }
            let Some(name) = text(body, "filename") else {
                return error(400, 4010, "Invalid filename.");
            };
            let ext = name
                .rsplit_once('.')
                .map(|(_, e)| e.to_ascii_lowercase())
                .unwrap_or_default();
            if !["jpg", "jpeg", "png", "pdf"].contains(&ext.as_str()) {
                return error(400, 4010, "Invalid filetype.");
            }
            let content = text(body, "filecontent").unwrap_or_default();
            if base64::engine::general_purpose::STANDARD
                .decode(content.as_bytes())
                .is_err()
                || content.is_empty()
            {
                return error(400, 4402, "File content has to be base64 encoded.");
            }
            with_app(s, id, |_, a| {
                a.documents.push((kind.clone(), name.clone()));
                ok(json!({"applicationDocument": {"type": kind, "filename": name}}))
            })
        }
        ("POST", ["application", id, "request-payment"]) => {
            let mut paid = None;
            let answer = with_app(s, id, |s, a| {
                if s.status_of(a) != ApplicationStatus::Approved {
                    return error(400, 4402, "Application is not approved.");
                }
                a.paid = true;
                paid = Some((a.id.clone(), a.reference.clone()));
                ok(json!({"application": s.app_json(a)}))
            });
            // A status change like any other: notified by webhook.
            if let Some((app_id, reference)) = paid {
                deliver(
                    s,
                    app_id,
                    reference,
                    ApplicationStatus::Paid,
                    Duration::ZERO,
                );
            }
            answer
        }
        ("POST", ["application", "secure-code"]) => match text(body, "mobile") {
            Some(m) if m.chars().all(|c| c.is_ascii_digit()) => {
                ok(json!({"token": s.random_hex(40)}))
            }
            _ => error(400, 4403, "Invalid Input."),
        },
        ("GET", ["quotes"]) => {
            let Some(account) = query.get("accountId") else {
                return error(400, 4402, "Invalid account.");
            };
            if let Err(e) = check_dates(query) {
                return *e;
            }
            let st = s.lock();
            let quotes: Vec<Value> = st
                .quotes
                .iter()
                .filter(|q| q["account_id"] == json!(account))
                .cloned()
                .collect();
            match page(&quotes, query) {
                Ok((items, more)) => ok(json!({"quotes": items, "hasMoreRecords": more})),
                Err(e) => *e,
            }
        }
        ("GET", ["quotes", id]) => find(&s.lock().quotes, id, "quote", "Invalid quote ID."),
        ("POST", ["quote"]) => {
            let fields = [
                "first_name",
                "last_name",
                "phone",
                "email",
                "repayment_term",
                "product_category",
                "product_description",
            ];
            if fields.iter().any(|f| text(body, f).is_none()) {
                return error(400, 4402, "Invalid data provided.");
            }
            let (Some(total), Some(deposit)) = (
                money(body.get("total_purchase_amount")),
                money(body.get("deposit_amount")),
            ) else {
                return error(400, 4402, "Invalid data provided.");
            };
            if deposit > total || deposit.is_sign_negative() {
                return error(400, 4402, "Invalid data provided.");
            }
            let Some(account) = text(body, "account_id").filter(|a| a == ACCOUNT_ID) else {
                return error(400, 4402, "Invalid account id.");
            };
            let quote = json!({
                "id": s.next().to_string(),
                "account_id": account,
                "applicant_email": body["email"],
                "total_purchase_amount": total,
                "deposit_amount": deposit,
                "repayment_term": body["repayment_term"],
                "product_category": body["product_category"],
                "product_description": body["product_description"],
                "created": now_text(),
                "team_member": "Sandbox Vendor",
                "applicant": format!("{} {}", text(body, "first_name").unwrap_or_default(), text(body, "last_name").unwrap_or_default()),
                "status": "SENT",
            });
            s.lock().quotes.push(quote.clone());
            ok(json!({"quote": quote}))
        }
        ("POST", ["quote", id, "resend"]) => {
            find(&s.lock().quotes, id, "quote", "Invalid quote ID.")
        }
        ("DELETE", ["quote", id]) => {
            let mut st = s.lock();
            match st.quotes.iter().position(|q| q["id"] == json!(id)) {
                Some(i) => ok(json!({"quote": st.quotes.remove(i)})),
                None => error(404, 4041, "Invalid quote ID."),
            }
        }
        ("GET", ["users"]) => {
            if query.get("accountId").is_none_or(|a| a != ACCOUNT_ID) {
                return error(401, 4010, "Invalid account id.");
            }
            let st = s.lock();
            match page(&st.users, query) {
                Ok((items, more)) => ok(json!({"users": items, "hasMoreRecords": more})),
                Err(e) => *e,
            }
        }
        ("GET", ["user", id]) => find(&s.lock().users, id, "user", "Invalid user ID."),
        ("POST", ["user", "add"]) => {
            if text(body, "account_id").as_deref() != Some(ACCOUNT_ID) {
                return error(401, 4010, "Invalid account id.");
            }
            let role = partner_sdk_brighte::UserRole::from(
                text(body, "role").unwrap_or_default().as_str(),
            );
            if role.is_other() {
                return error(400, 4402, "Invalid role.");
            }
            if ["first_name", "last_name", "email", "mobile"]
                .iter()
                .any(|f| text(body, f).is_none())
            {
                return error(400, 4402, "Invalid data provided.");
            }
            let user = json!({
                "id": s.next().to_string(),
                "role": role.as_str(),
                "firstName": body["first_name"],
                "lastName": body["last_name"],
                "email": body["email"],
                "mobile": body["mobile"],
            });
            s.lock().users.push(user.clone());
            ok(json!({"user": user}))
        }
        ("PUT", ["user", id]) => {
            let mut st = s.lock();
            let Some(u) = st.users.iter_mut().find(|u| u["id"] == json!(id)) else {
                return error(404, 4041, "Invalid user ID.");
            };
            if let Some(r) = text(body, "role") {
                let role = partner_sdk_brighte::UserRole::from(r.as_str());
                if role.is_other() {
                    return error(400, 4402, "Invalid role.");
                }
                u["role"] = json!(role.as_str());
            }
            for (from, to) in [
                ("first_name", "firstName"),
                ("last_name", "lastName"),
                ("email", "email"),
                ("mobile", "mobile"),
            ] {
                if let Some(v) = text(body, from) {
                    u[to] = json!(v);
                }
            }
            ok(json!({"user": u.clone()}))
        }
        ("DELETE", ["user", id]) => {
            let mut st = s.lock();
            match st.users.iter().position(|u| u["id"] == json!(id)) {
                Some(i) => {
                    st.users.remove(i);
                    reply(200, json!({"status": "2000"}))
                }
                None => error(404, 4041, "Invalid user ID."),
            }
        }
        ("POST", ["user", id, "generate-api-credentials"]) => {
            if !s.lock().users.iter().any(|u| u["id"] == json!(id)) {
                return error(404, 4041, "Invalid user ID.");
            }
            ok(json!({"userKey": {"apiId": s.random_hex(16), "apiSecret": s.random_hex(32)}}))
        }
        ("GET", ["content", kind]) => {
            let k = partner_sdk_brighte::ContentType::from(*kind);
            if k.is_other() {
                return error(400, 4402, "Invalid input.");
            }
            ok(
                json!({"content": {"content_type": k.as_str(), "version": "2018-01-01T00:00:00+00:00", "content": format!("<h1>{}</h1><p>Sandbox text.</p>", k.as_str())}}),
            )
        }
        ("GET", ["product-categories"]) => ok(
            json!({"productCategories": ProductCategoryName::KNOWN.iter().map(|c| {
            let slug: String = c.as_str().to_ascii_lowercase().chars().map(|ch| if ch.is_ascii_alphanumeric() { ch } else { '-' }).collect();
            json!({"name": c.as_str(), "slug": slug, "icon": format!("https://example.invalid/icons/{slug}.svg")})
        }).collect::<Vec<_>>()}),
        ),
        ("POST", ["calculate-repayment-amount"]) => {
            let (Some(total), Some(deposit)) = (
                money(body.get("totalPurchaseAmount")),
                money(body.get("depositAmount")),
            ) else {
                return error(400, 4402, "Invalid input.");
            };
            let term = body
                .get("repaymentTerm")
                .and_then(|v| money(Some(v)))
                .unwrap_or_default();
            match calc(
                total,
                deposit,
                term,
                body.get("includeFees")
                    .is_some_and(|v| v == &json!(1) || v == &json!(true)),
            ) {
                Some(c) => ok(
                    json!({"repaymentAmount": {"repaymentAmount": c["repayment_amount"], "instalments": c["instalments"]}}),
                ),
                None => error(400, 4402, "Invalid input."),
            }
        }
        ("POST", ["callout-requests"]) => {
            let fields = [
                "first_name",
                "last_name",
                "phone",
                "email",
                "repayment_term",
                "product_category",
                "product_description",
            ];
            if fields.iter().any(|f| text(body, f).is_none()) {
                return error(400, 4402, "Invalid input.");
            }
            let (Some(total), Some(deposit)) = (
                money(body.get("total_purchase_amount")),
                money(body.get("deposit_amount")),
            ) else {
                return error(400, 4402, "Invalid input.");
            };
            let mut callout = body.clone();
            if let Some(o) = callout.as_object_mut() {
                o.remove("account_id");
                o.insert("id".into(), json!(s.next().to_string()));
                o.insert("call_datetime".into(), json!(now_text()));
                o.insert("status".into(), json!("OPEN"));
                o.insert("created".into(), json!(now_text()));
                o.insert("modified".into(), json!(now_text()));
                o.insert(
                    "full_name".into(),
                    json!(format!(
                        "{} {}",
                        text(body, "first_name").unwrap_or_default(),
                        text(body, "last_name").unwrap_or_default()
                    )),
                );
                o.insert("financed_amount".into(), json!(total - deposit));
            }
            ok(json!({"callout": callout}))
        }
        _ => error(404, 4041, "Not found."),
    }
}

fn find(items: &[Value], id: &str, key: &str, message: &str) -> ResponseTemplate {
    match items.iter().find(|v| v["id"] == json!(id)) {
        Some(v) => ok(json!({ key: v })),
        None => error(404, 4041, message),
    }
}

fn with_app(
    s: &Arc<Shared>,
    id: &str,
    f: impl FnOnce(&Shared, &mut App) -> ResponseTemplate,
) -> ResponseTemplate {
    let mut st = s.lock();
    match st.apps.iter_mut().find(|a| a.id == id) {
        Some(a) => f(s, a),
        None => error(404, 4041, "Invalid application ID."),
    }
}

fn calc(total: Decimal, deposit: Decimal, term: Decimal, fees: bool) -> Option<Value> {
    if total <= Decimal::ZERO
        || deposit.is_sign_negative()
        || deposit > total
        || term <= Decimal::ZERO
        || !term.fract().is_zero()
    {
        return None;
    }
    let financed = total - deposit;
    let instalments = (term * Decimal::from(26) / Decimal::from(12)).round();
    if instalments.is_zero() {
        return None;
    }
    let establishment = if fees {
        Decimal::from(75)
    } else {
        Decimal::ZERO
    };
    let repayment = ((financed + establishment) / instalments + Decimal::from(2)).round_dp(2);
    Some(json!({
        "repayment_amount": repayment,
        "instalments": instalments,
        "total_purchase_amount": total,
        "deposit_amount": deposit,
        "financed_amount": financed,
        "establishment_fee": establishment,
        "weekly_account_keeping_fee": 1,
        "annual_fee": 0,
        "late_payment_fee": Decimal::new(499, 2),
    }))
}

fn finance(req: &Request) -> ResponseTemplate {
    let Ok(body) = serde_json::from_slice::<Value>(&req.body) else {
        return error(400, 4402, "Invalid input.");
    };
    let Some(total) = money(body.get("totalPurchaseAmount")) else {
        return error(400, 4402, "Invalid input.");
    };
    let deposit = money(body.get("depositAmount")).unwrap_or_default();
    let term = money(body.get("repaymentTerm")).unwrap_or_default();
    let fee = !matches!(body.get("addEstablishmentFee"), Some(v) if v == &json!(0) || v == &json!(false) || v == &json!("0"));
    if let Some(t) = text(&body, "financeType")
        && !["CONSUMER", "SME"].contains(&t.to_ascii_uppercase().as_str())
    {
        return error(400, 4402, "Invalid input.");
    }
    match calc(total, deposit, term, fee) {
        Some(data) => ok(json!({ "data": data })),
        None => error(400, 4402, "Invalid input."),
    }
}

/// A checkout whose form passed the checks, as the customer sees it on
/// the hosted page until they decide.
#[derive(Clone)]
struct Purchase {
    redirect: url::Url,
    total: Decimal,
    deposit: Decimal,
    term: i64,
    category: String,
    description: String,
    reference: Option<String>,
}

/// Checks a posted checkout form as Brighte does: the checksum over the
/// six fields, then each field. The error is the message Brighte gives.
fn check_checkout_form(form: &BTreeMap<String, String>) -> Result<Purchase, String> {
    let get = |k: &str| form.get(k).map(String::as_str).unwrap_or_default();
    let redirect = match url::Url::parse(get("redirect")) {
        Ok(u) if matches!(u.scheme(), "http" | "https") => u,
        _ => return Err("Invalid redirect URL".into()),
    };
    let fields = [
        "redirect",
        "total_purchase_amount",
        "deposit_amount",
        "repayment_term",
        "product_category",
        "product_description",
    ];
    let values: Vec<&str> = fields.iter().map(|f| get(f)).collect();
    if !partner_sdk_core::signature::verify_hex(
        &partner_sdk_brighte::checkout::checksum(&values),
        get("checksum"),
    ) {
        return Err("Invalid checksum.".into());
    }
    let total = Decimal::from_str(get("total_purchase_amount"))
        .map_err(|_| "Invalid total_purchase_amount.".to_owned())?;
    let deposit = Decimal::from_str(get("deposit_amount"))
        .map_err(|_| "Invalid deposit_amount.".to_owned())?;
    if total <= Decimal::ZERO || deposit.is_sign_negative() || deposit > total {
        return Err("Invalid deposit_amount.".into());
    }
    let term: i64 = get("repayment_term")
        .parse()
        .ok()
        .filter(|t| (1..=120).contains(t))
        .ok_or("Invalid repayment_term.")?;
    if !ProductCategoryName::from(get("product_category")).is_accepted() {
        return Err("Invalid product_category.".into());
    }
    if get("product_description").trim().is_empty() {
        return Err("Invalid product_description.".into());
    }
    let reference = form
        .get("reference_number")
        .filter(|r| !r.is_empty())
        .cloned();
    if reference.as_ref().is_some_and(|r| r.chars().count() > 20) {
        return Err("Invalid reference_number.".into());
    }
    Ok(Purchase {
        redirect,
        total,
        deposit,
        term,
        category: get("product_category").to_owned(),
        description: get("product_description").to_owned(),
        reference,
    })
}

/// Whether the request comes from a browser that wants a page (its
/// `Accept` names `text/html`), not from a program posting the form.
fn wants_page(req: &Request) -> bool {
    req.headers
        .get_all("accept")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.to_ascii_lowercase().contains("text/html"))
}

fn html(status: u16, page: Result<String, askama::Error>) -> ResponseTemplate {
    match page {
        Ok(body) => ResponseTemplate::new(status)
            .insert_header("cache-control", "no-store")
            .insert_header("x-frame-options", "DENY")
            .set_body_raw(body, "text/html; charset=utf-8"),
        Err(e) => ResponseTemplate::new(500).set_body_string(format!("page not rendered: {e}")),
    }
}

fn error_page(status: u16, message: &str) -> ResponseTemplate {
    html(status, pages::CheckoutError { message }.render())
}

fn checkout(s: &Arc<Shared>, req: &Request) -> ResponseTemplate {
    if req.method.as_str() != "POST" {
        return ResponseTemplate::new(405).set_body_string("Method not allowed");
    }
    let page = wants_page(req);
    let key_ok = req
        .url
        .query_pairs()
        .any(|(k, v)| k == "key" && v == PUBLIC_KEY);
    if !key_ok {
        return if page {
            error_page(403, "Invalid API key")
        } else {
            ResponseTemplate::new(403).set_body_string("Invalid API key")
        };
    }
    let form: BTreeMap<String, String> = url::form_urlencoded::parse(&req.body)
        .into_owned()
        .collect();
    let checked = check_checkout_form(&form);
    if page {
        // A browser: Brighte's page, where the customer decides (or the
        // error page, as Brighte shows one).
        return match checked {
            Ok(purchase) => {
                let id = s.random_hex(32);
                let rendered = pages::Checkout {
                    id: &id,
                    decide_path: DECIDE_PATH,
                    description: &purchase.description,
                    category: &purchase.category,
                    total: purchase.total,
                    deposit: purchase.deposit,
                    financed: purchase.total - purchase.deposit,
                    term: purchase.term,
                    reference: purchase.reference.as_deref(),
                    merchant: shown_origin(&purchase.redirect),
                }
                .render();
                s.lock().checkouts.insert(id, purchase);
                html(200, rendered)
            }
            Err(message) => error_page(400, &message),
        };
    }
    // A program: decided at once by the amount rule.
    let redirect = match &checked {
        Ok(purchase) => purchase.redirect.clone(),
        Err(_) => {
            match url::Url::parse(form.get("redirect").map(String::as_str).unwrap_or_default()) {
                Ok(u) if matches!(u.scheme(), "http" | "https") => u,
                _ => return ResponseTemplate::new(400).set_body_string("Invalid redirect URL"),
            }
        }
    };
    let result = checked.map(|p| {
        new_app(
            s,
            ACCOUNT_ID,
            p.total - p.deposit,
            p.term,
            &p.category,
            &p.description,
            p.reference,
        )
    });
    finish_checkout(s, redirect, result)
}

/// The merchant's scheme, host and port, as the page names where the
/// customer returns.
fn shown_origin(url: &url::Url) -> String {
    url.origin().ascii_serialization()
}

/// What the customer chooses on the hosted checkout page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Decision {
    Approve,
    Refer,
    Decline,
    Cancel,
}

impl Decision {
    fn parse(s: &str) -> Option<Decision> {
        match s {
            "approve" => Some(Decision::Approve),
            "refer" => Some(Decision::Refer),
            "decline" => Some(Decision::Decline),
            "cancel" => Some(Decision::Cancel),
            _ => None,
        }
    }

    fn status(self) -> ApplicationStatus {
        match self {
            Decision::Approve => ApplicationStatus::Approved,
            Decision::Refer => ApplicationStatus::Refer,
            Decision::Decline => ApplicationStatus::Declined,
            Decision::Cancel => ApplicationStatus::Withdraw,
        }
    }
}

/// `POST /checkout/decide`: the customer's choice on the hosted page
/// ends the checkout it names, once.
fn decide(s: &Arc<Shared>, req: &Request) -> ResponseTemplate {
    if req.method.as_str() != "POST" {
        return ResponseTemplate::new(405).set_body_string("Method not allowed");
    }
    // The decision is posted by the checkout page itself: same origin only.
    let cross_site = req
        .headers
        .get("sec-fetch-site")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| !v.eq_ignore_ascii_case("same-origin") && !v.eq_ignore_ascii_case("none"));
    if cross_site {
        return error_page(403, "A checkout is decided on its own page only.");
    }
    let form: BTreeMap<String, String> = url::form_urlencoded::parse(&req.body)
        .into_owned()
        .collect();
    let Some(decision) = form.get("decision").and_then(|d| Decision::parse(d)) else {
        return error_page(400, "Choose Approve, Refer, Decline or Cancel.");
    };
    let id = form.get("checkout").map(String::as_str).unwrap_or_default();
    let Some(purchase) = s.lock().checkouts.remove(id) else {
        return error_page(
            404,
            "This checkout is not open: it was decided already, or never started.",
        );
    };
    let status = decision.status();
    let mut app = new_app(
        s,
        ACCOUNT_ID,
        purchase.total - purchase.deposit,
        purchase.term,
        &purchase.category,
        &purchase.description,
        purchase.reference,
    );
    app.first = status;
    app.second = None;
    finish_checkout(s, purchase.redirect, Ok(app))
}

/// Redirects to the merchant with the signed triple: `error_code=10000`
/// and the application id (kept, its webhooks sent), or `10002` and the
/// message.
fn finish_checkout(
    s: &Arc<Shared>,
    redirect: url::Url,
    result: Result<App, String>,
) -> ResponseTemplate {
    let mut location = redirect;
    {
        let mut q = location.query_pairs_mut();
        match &result {
            Ok(app) => {
                q.append_pair("error_code", "10000")
                    .append_pair("transaction_id", &app.id);
            }
            Err(msg) => {
                q.append_pair("error_code", "10002")
                    .append_pair("error_msg", msg);
            }
        }
        let ts = unix_now().to_string();
        let token = s.random_hex(50);
        q.append_pair("timestamp", &ts)
            .append_pair("token", &token)
            .append_pair(
                "signature",
                &partner_sdk_brighte::signing::sign(PRIVATE_KEY, &ts, &token),
            );
    }
    if let Ok(app) = result {
        deliver(
            s,
            app.id.clone(),
            app.reference.clone(),
            app.first.clone(),
            Duration::ZERO,
        );
        if let Some(second) = app.second.clone() {
            deliver(
                s,
                app.id.clone(),
                app.reference.clone(),
                second,
                s.scaled(STATUS_CHANGE_AFTER),
            );
        }
        s.lock().apps.push(app);
    }
    ResponseTemplate::new(302).insert_header("location", location.as_str())
}

/// The hosted checkout's pages.
mod pages {
    use askama::Template;
    use rust_decimal::Decimal;

    /// The purchase and the four choices.
    #[derive(Template)]
    #[template(path = "checkout.html")]
    pub(super) struct Checkout<'a> {
        pub(super) id: &'a str,
        pub(super) decide_path: &'a str,
        pub(super) description: &'a str,
        pub(super) category: &'a str,
        pub(super) total: Decimal,
        pub(super) deposit: Decimal,
        pub(super) financed: Decimal,
        pub(super) term: i64,
        pub(super) reference: Option<&'a str>,
        pub(super) merchant: String,
    }

    /// A form Brighte does not take.
    #[derive(Template)]
    #[template(path = "checkout_error.html")]
    pub(super) struct CheckoutError<'a> {
        pub(super) message: &'a str,
    }
}
