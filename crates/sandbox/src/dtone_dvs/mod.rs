//! Fake DT One Digital Value Services (DVS) server (API v1, OpenAPI 1.23.0).
//!
//! [`DtoneDvsSandbox`] starts a loopback server, one per fake like every
//! other provider API (the Goods & Services fake is [`crate::dtone`]). It
//! checks HTTP Basic authentication ([`API_KEY`], [`API_SECRET`]; 401/1000401
//! otherwise), answers the 26 operations under [`BASE_PATH`] with JSON
//! shaped as DT One's OpenAPI document describes it, and keeps transactions
//! and a balance in memory.
//!
//! Catalogue: services 1 Mobile (11 Airtime, 12 Bundles), 2 Utilities (21
//! Electricity), 3 Gift Cards (31 Gaming); countries IDN, SGP; operators 1
//! (Singapore mobile), 2 (Indonesia mobile), 3 (Indonesia electricity), 4
//! (Singapore gift cards); products 1 `FIXED_VALUE_RECHARGE` (USD 7.20 +
//! 0.10 fee wholesale, mobile number), 2 `RANGED_VALUE_RECHARGE` (USD 1–100,
//! 15000 IDR per USD, 0.20 fee, mobile number), 3 `FIXED_VALUE_PIN_PURCHASE`
//! (USD 9.50, no credit party), 4 `RANGED_VALUE_PAYMENT` (as 2, account
//! number, statement inquiry); promotion 1, campaign 1, the five benefit
//! types; one balance, [`INITIAL_BALANCE_USD`] USD.
//!
//! Transactions follow DVS's flow: a create (`POST /async/transactions` or
//! `/sync/transactions`) is `CREATED` and moves the wholesale price and fee
//! from available to holding; a confirm (or `auto_confirm`) makes it
//! `CONFIRMED`, then `SUBMITTED` half-way through its delay, then final.
//! The final status and delay follow DT One's pre-production table
//! ([`simulated_outcome`]) on the last three digits of the credit party's
//! `mobile_number` or `account_number`; each delay is multiplied by the
//! sandbox's time scale ([`DtoneDvsSandboxBuilder::time_scale`]). Holding is
//! captured on `COMPLETED`, voided on `CANCELLED`/`DECLINED`, reversed on
//! `REVERSED` ([`DtoneDvsSandbox::reverse`]).
//!
//! | code | HTTP | when |
//! |---|---|---|
//! | 1000400 | 400 | a malformed body, field, `page` or `per_page` (1 to 100) |
//! | 1000404 | 404 | an unknown route |
//! | 1003001 | 404 | an unknown product |
//! | 1003002 / 1003003 | 400 | a ranged amount out of range / in another unit |
//! | 1003201 / 1003301 | 404 | an unknown promotion / campaign |
//! | 1005003 | 400 | a mobile number that is not E.164 |
//! | 1005004 / 1005005 / 1005006 | 404 | an unknown service / country / operator |
//! | 1006001 | 400 | a create beyond the available balance |
//! | 1007001 | 400 | a reused `external_id` |
//! | 1007002 / 1007004 | 400 | a confirm of a confirmed transaction / of a cancelled or expired one ([`DtoneDvsSandboxBuilder::confirmation_window`]) |
//! | 1007005 / 1007007 | 400 | a cancel of a cancelled transaction / of a confirmed one |
//! | 1007500 | 400 | a statement inquiry on a product without one |
//! | 1008004 | 404 | an unknown transaction |
//!
//! Errors use DVS's shape `{"errors":[{"code":..,"message":..}]}`. The
//! document names statuses without their ids; the fake numbers each class
//! `1` CREATED, `2` CONFIRMED, `3` REJECTED, `4` CANCELLED, `5` SUBMITTED,
//! `7` COMPLETED, `8` REVERSED, `9` DECLINED, and each status its class
//! times 10000, plus 1 to 5 for `DECLINED-INVALID-CREDIT-PARTY`,
//! `-BARRED-CREDIT-PARTY`, `-OPERATOR-CURRENTLY-UNAVAILABLE`,
//! `-DUPLICATED-TRANSACTION`, `-EXCEPTION`.
//!
//! Lists page with `page`/`per_page` (default 50, at most 100) and answer
//! `X-Total`, `X-Total-Pages`, `X-Per-Page`, `X-Page` and, when there are
//! some, `X-Next-Page`/`X-Prev-Page`. Every answer of the API carries
//! `X-RateLimit-Limit` ([`RATE_LIMIT`] a minute) and `X-RateLimit-Remaining`;
//! a 429 comes from the fault queue ([`DtoneDvsSandbox::inject_fault`]).
//! Products and promotions answer `Content-Language: en` (the catalogue
//! has no other language).
//!
//! Callbacks: a create with `callback_url` gets the transaction JSON (as
//! `GET /transactions/{id}` answers it) POSTed there on each later status
//! change (`CONFIRMED`, `SUBMITTED`, the final status, `CANCELLED`,
//! `REVERSED`), resent after each delay of [`CALLBACK_RESEND_SCHEDULE`]
//! (times the time scale) until the receiver answers a 2xx. Callback URLs
//! must be on loopback unless
//! [`DtoneDvsSandboxBuilder::allow_remote_callbacks`]; another is never
//! contacted (the delivery is recorded with the reason). Each delivery ends
//! within [`DEFAULT_CALLBACK_TIMEOUT`]
//! ([`DtoneDvsSandboxBuilder::callback_timeout`]). Deliveries are listed by
//! [`DtoneDvsSandbox::callback_deliveries`] and the admin API's state.

mod catalogue;
mod routes;

use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rust_decimal::Decimal;
use serde_json::{Value, json};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer};

use crate::admin::Admin;
use crate::faults::{FaultRule, Faults, WithFaults};
use crate::server::Server;

/// The API key the sandbox accepts (the Basic user name).
pub const API_KEY: &str = "sandbox-dvs-key";
/// The API secret the sandbox accepts (the Basic password).
pub const API_SECRET: &str = "sandbox-dvs-secret";
/// Path prefix of the API (the version).
pub const BASE_PATH: &str = "/v1";
/// The account's USD balance when the sandbox starts.
pub const INITIAL_BALANCE_USD: i64 = 1000;
/// The requests a minute announced in `X-RateLimit-Limit`.
pub const RATE_LIMIT: u32 = 600;
/// The delays of DT One's pre-production table, before the time scale:
/// suffixes `10X` (3 s), `20X` (20 s) and `30X` (5 minutes).
pub const SIMULATION_DELAYS: [Duration; 3] = [
    Duration::from_secs(3),
    Duration::from_secs(20),
    Duration::from_secs(300),
];
/// How long a synchronous create or confirm holds its answer at most,
/// before the time scale (DT One: 180 s); a transaction still pending then
/// is answered as it is (e.g. `SUBMITTED`).
pub const SYNC_HOLD_LIMIT: Duration = Duration::from_secs(180);
/// How long a created transaction may be confirmed, by default (not scaled).
pub const DEFAULT_CONFIRMATION_WINDOW: Duration = Duration::from_secs(3600);
/// The waits before each resend of a callback the receiver did not answer
/// with a 2xx, before the time scale.
pub const CALLBACK_RESEND_SCHEDULE: [Duration; 3] = [
    Duration::from_secs(10),
    Duration::from_secs(60),
    Duration::from_secs(300),
];
/// How long one callback delivery waits for the receiver's whole answer,
/// by default.
pub const DEFAULT_CALLBACK_TIMEOUT: Duration = Duration::from_secs(10);

/// The outcome DT One's pre-production gives a transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct SimulatedOutcome {
    /// The final status, e.g. `COMPLETED` or `DECLINED-BARRED-CREDIT-PARTY`.
    pub status: &'static str,
    /// Whether a completed transaction carries a PIN.
    pub pin: bool,
    /// How long after the confirmation the status is final, before the
    /// time scale.
    pub delay: Duration,
}

/// The outcome of a transaction whose credit party identifier (mobile or
/// account number) is `identifier`, by its last three digits: `X00`
/// completed without PIN, `X01` with PIN, `X02` declined (invalid credit
/// party), `X03` barred, `X04` operator unavailable, `X05` duplicated,
/// `X06` declined, `X07` exception; `X` (1, 2, 3) picks the delay
/// ([`SIMULATION_DELAYS`]). Another suffix completes without PIN after
/// 3 s; a product without credit party (`None`) completes with a PIN after
/// 3 s.
pub fn simulated_outcome(identifier: Option<&str>) -> SimulatedOutcome {
    let completed = |pin, delay| SimulatedOutcome {
        status: "COMPLETED",
        pin,
        delay,
    };
    let Some(identifier) = identifier else {
        return completed(true, SIMULATION_DELAYS[0]);
    };
    let digits: Vec<u8> = identifier.bytes().rev().take(3).collect();
    let (row, zero, speed) = match digits.as_slice() {
        [row, zero, speed] => (*row, *zero, *speed),
        _ => return completed(false, SIMULATION_DELAYS[0]),
    };
    let delay = match speed {
        b'1' => SIMULATION_DELAYS[0],
        b'2' => SIMULATION_DELAYS[1],
        b'3' => SIMULATION_DELAYS[2],
        _ => return completed(false, SIMULATION_DELAYS[0]),
    };
    if zero != b'0' {
        return completed(false, SIMULATION_DELAYS[0]);
    }
    let status = match row {
        b'0' | b'1' => "COMPLETED",
        b'2' => "DECLINED-INVALID-CREDIT-PARTY",
        b'3' => "DECLINED-BARRED-CREDIT-PARTY",
        b'4' => "DECLINED-OPERATOR-CURRENTLY-UNAVAILABLE",
        b'5' => "DECLINED-DUPLICATED-TRANSACTION",
        b'6' => "DECLINED",
        b'7' => "DECLINED-EXCEPTION",
        _ => return completed(false, SIMULATION_DELAYS[0]),
    };
    SimulatedOutcome {
        status,
        pin: row == b'1',
        delay,
    }
}

/// One callback delivery attempt, as the sandbox saw it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct CallbackDelivery {
    /// The transaction's id.
    pub transaction_id: u64,
    /// The status notified.
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

/// Configures a [`DtoneDvsSandbox`].
#[derive(Debug, Clone)]
pub struct DtoneDvsSandboxBuilder {
    scale: f64,
    confirmation_window: Duration,
    allow_remote_callbacks: bool,
    callback_timeout: Duration,
}

impl DtoneDvsSandboxBuilder {
    /// Multiplies every simulated delay (the pre-production table's, the
    /// synchronous hold limit, the callback resends); default 0.001
    /// (3 s → 3 ms, 5 minutes → 300 ms); 1.0 is DT One's own pace.
    pub fn time_scale(mut self, scale: f64) -> Self {
        self.scale = scale;
        self
    }

    /// How long after its creation a transaction may be confirmed (default
    /// [`DEFAULT_CONFIRMATION_WINDOW`], not scaled); later, a confirm is
    /// answered 1007004.
    pub fn confirmation_window(mut self, window: Duration) -> Self {
        self.confirmation_window = window;
        self
    }

    /// Lets callbacks go to URLs off the loopback interface (default: no).
    pub fn allow_remote_callbacks(mut self, allow: bool) -> Self {
        self.allow_remote_callbacks = allow;
        self
    }

    /// How long one callback delivery waits for the receiver's whole
    /// answer (default [`DEFAULT_CALLBACK_TIMEOUT`], not scaled; zero
    /// counts as the default).
    pub fn callback_timeout(mut self, timeout: Duration) -> Self {
        self.callback_timeout = if timeout.is_zero() {
            DEFAULT_CALLBACK_TIMEOUT
        } else {
            timeout
        };
        self
    }

    /// Starts on a free loopback port.
    pub async fn start(self) -> DtoneDvsSandbox {
        self.start_server(MockServer::start().await).await
    }

    /// Starts on `listener` (for fixed ports).
    pub async fn start_on(self, listener: TcpListener) -> DtoneDvsSandbox {
        self.start_server(MockServer::builder().listener(listener).start().await)
            .await
    }

    async fn start_server(self, server: MockServer) -> DtoneDvsSandbox {
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                transactions: Vec::new(),
                deliveries: Vec::new(),
                next_id: 2_000_000_001,
                window: (Instant::now(), 0),
            }),
            faults: Arc::new(Faults::default()),
            scale: self.scale,
            confirmation_window: self.confirmation_window,
            runtime: tokio::runtime::Handle::try_current().ok(),
            http: crate::server::http_client(Some(self.callback_timeout)),
            allow_remote_callbacks: self.allow_remote_callbacks,
            callback_timeout: self.callback_timeout,
            catalogue: catalogue::Catalogue::new(),
        });
        Mock::given(any())
            .respond_with(WithFaults {
                inner: routes::Router(Arc::clone(&shared)),
                faults: Arc::clone(&shared.faults),
            })
            .mount(&server)
            .await;
        admin(&shared).mount(&server).await;
        DtoneDvsSandbox {
            server: Server::new(server),
            shared,
        }
    }
}

fn admin(shared: &Arc<Shared>) -> Admin {
    let state = Arc::clone(shared);
    Admin {
        provider: "dtone-dvs",
        faults: Arc::clone(&shared.faults),
        state: Arc::new(move || state.state_json()),
        webhook: None,
    }
}

/// A running fake DVS server. Dropping it stops the server.
pub struct DtoneDvsSandbox {
    server: Server,
    shared: Arc<Shared>,
}

impl std::fmt::Debug for DtoneDvsSandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DtoneDvsSandbox")
            .field("base_url", &self.base_url())
            .field("time_scale", &self.shared.scale)
            .finish_non_exhaustive()
    }
}

impl DtoneDvsSandbox {
    /// A builder (time scale 0.001, [`DEFAULT_CONFIRMATION_WINDOW`],
    /// loopback callbacks only, [`DEFAULT_CALLBACK_TIMEOUT`]).
    pub fn builder() -> DtoneDvsSandboxBuilder {
        DtoneDvsSandboxBuilder {
            scale: 0.001,
            confirmation_window: DEFAULT_CONFIRMATION_WINDOW,
            allow_remote_callbacks: false,
            callback_timeout: DEFAULT_CALLBACK_TIMEOUT,
        }
    }

    /// Starts with the defaults on a free loopback port.
    pub async fn start() -> DtoneDvsSandbox {
        Self::builder().start().await
    }

    /// Starts with the defaults on `listener` (for fixed ports).
    pub async fn start_on(listener: TcpListener) -> DtoneDvsSandbox {
        Self::builder().start_on(listener).await
    }

    /// Base URL including the version prefix, e.g. `http://127.0.0.1:PORT/v1`.
    pub fn base_url(&self) -> String {
        format!("{}{BASE_PATH}", self.server.uri())
    }

    /// The API key the sandbox accepts ([`API_KEY`]).
    pub fn api_key(&self) -> &'static str {
        API_KEY
    }

    /// The API secret the sandbox accepts ([`API_SECRET`]).
    pub fn api_secret(&self) -> &'static str {
        API_SECRET
    }

    /// A DVS client for this sandbox: its base URL and credentials, the
    /// client's defaults otherwise (built anew on each call; clients are
    /// cheap to clone, keep one).
    pub fn client(&self) -> partner_sdk_dtone::dvs::Client {
        self.client_builder()
            .build()
            .unwrap_or_else(|e| unreachable!("the sandbox's own settings are valid: {e}"))
    }

    /// A DVS client builder set for this sandbox (base URL and
    /// credentials), to add a journal, hooks or timeouts before building.
    pub fn client_builder(&self) -> partner_sdk_dtone::dvs::ClientBuilder {
        partner_sdk_dtone::dvs::Client::builder()
            .base_url(self.base_url())
            .credentials(API_KEY, API_SECRET)
    }

    /// Number of transactions created so far.
    pub fn transaction_count(&self) -> usize {
        self.shared.lock().transactions.len()
    }

    /// Every transaction created so far, as `GET /transactions/{id}`
    /// answers it now, in creation order.
    pub fn transactions(&self) -> Vec<Value> {
        let now = Instant::now();
        let st = self.shared.lock();
        st.transactions
            .iter()
            .map(|tx| self.shared.render(tx, now, true))
            .collect()
    }

    /// The account's balance now, as `GET /balances` answers it.
    pub fn balance(&self) -> Value {
        let st = self.shared.lock();
        self.shared.balance(&st, Instant::now())
    }

    /// Every callback delivery attempt so far, in order.
    pub fn callback_deliveries(&self) -> Vec<CallbackDelivery> {
        self.shared.lock().deliveries.clone()
    }

    /// Reverses a `COMPLETED` transaction, as DT One's team does by hand in
    /// rare cases: it becomes `REVERSED`, its amount goes back to available
    /// and a callback is posted. `false` when there is no such completed
    /// transaction.
    pub fn reverse(&self, transaction_id: u64) -> bool {
        let now = Instant::now();
        {
            let mut st = self.shared.lock();
            let Some(tx) = st.transactions.iter_mut().find(|t| t.id == transaction_id) else {
                return false;
            };
            if self.shared.status_at(tx, now).name != "COMPLETED" {
                return false;
            }
            tx.reversed = Some(now);
        }
        routes::notify(&self.shared, transaction_id, now);
        true
    }

    /// Completes (`completed`) or declines (`DECLINED`) a pending
    /// transaction now, as the operator's answer would: one confirmed and
    /// not final yet (`CONFIRMED` or `SUBMITTED`). Its holding is captured
    /// or voided and its callback is posted; the later callbacks its
    /// simulated delay had scheduled are not. `false` when there is no such
    /// pending transaction.
    pub fn settle(&self, transaction_id: u64, completed: bool) -> bool {
        let now = Instant::now();
        {
            let mut st = self.shared.lock();
            let Some(tx) = st.transactions.iter_mut().find(|t| t.id == transaction_id) else {
                return false;
            };
            if !matches!(
                self.shared.status_at(tx, now).name,
                "CONFIRMED" | "SUBMITTED"
            ) {
                return false;
            }
            tx.outcome.status = if completed { "COMPLETED" } else { "DECLINED" };
            tx.outcome.pin = completed && tx.outcome.pin;
            tx.settled = Some(now);
        }
        routes::notify(&self.shared, transaction_id, now);
        true
    }

    /// The fake's state, as the admin API's `GET /__sandbox/state` answers
    /// it: `transactions`, `balances`, `callback_deliveries`, `faults`.
    pub fn state(&self) -> Value {
        admin(&self.shared).state()
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
}

/// A status and its class, with the fake's ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Status {
    name: &'static str,
    id: u32,
    class: &'static str,
    class_id: u32,
}

const STATUSES: [Status; 13] = [
    st("CREATED", 10000, "CREATED", 1),
    st("CONFIRMED", 20000, "CONFIRMED", 2),
    st("REJECTED", 30000, "REJECTED", 3),
    st("CANCELLED", 40000, "CANCELLED", 4),
    st("SUBMITTED", 50000, "SUBMITTED", 5),
    st("COMPLETED", 70000, "COMPLETED", 7),
    st("REVERSED", 80000, "REVERSED", 8),
    st("DECLINED", 90000, "DECLINED", 9),
    st("DECLINED-INVALID-CREDIT-PARTY", 90001, "DECLINED", 9),
    st("DECLINED-BARRED-CREDIT-PARTY", 90002, "DECLINED", 9),
    st(
        "DECLINED-OPERATOR-CURRENTLY-UNAVAILABLE",
        90003,
        "DECLINED",
        9,
    ),
    st("DECLINED-DUPLICATED-TRANSACTION", 90004, "DECLINED", 9),
    st("DECLINED-EXCEPTION", 90005, "DECLINED", 9),
];

const fn st(name: &'static str, id: u32, class: &'static str, class_id: u32) -> Status {
    Status {
        name,
        id,
        class,
        class_id,
    }
}

fn status(name: &str) -> Status {
    STATUSES
        .iter()
        .copied()
        .find(|s| s.name == name)
        .unwrap_or(STATUSES[7])
}

/// One transaction as the fake keeps it.
struct Tx {
    id: u64,
    external_id: String,
    product: Value,
    created: Instant,
    created_at: time::OffsetDateTime,
    confirmed: Option<Instant>,
    cancelled: Option<Instant>,
    reversed: Option<Instant>,
    /// When the outcome was set by hand ([`DtoneDvsSandbox::settle`]):
    /// final from then on.
    settled: Option<Instant>,
    outcome: SimulatedOutcome,
    callback_url: Option<String>,
    /// Wholesale price plus fee: what the create holds.
    cost: Decimal,
    /// `prices`, `rates`, `benefits`, `requested_values`, `adjusted_values`,
    /// the parties and identifiers, as answered.
    fields: serde_json::Map<String, Value>,
}

struct State {
    transactions: Vec<Tx>,
    deliveries: Vec<CallbackDelivery>,
    next_id: u64,
    /// The current rate-limit minute and the requests in it.
    window: (Instant, u32),
}

struct Shared {
    state: Mutex<State>,
    faults: Arc<Faults>,
    scale: f64,
    confirmation_window: Duration,
    runtime: Option<tokio::runtime::Handle>,
    http: Result<partner_sdk_core::reqwest::Client, String>,
    allow_remote_callbacks: bool,
    callback_timeout: Duration,
    catalogue: catalogue::Catalogue,
}

impl Shared {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn scaled(&self, d: Duration) -> Duration {
        d.mul_f64(self.scale.max(0.0))
    }

    /// When a confirmed transaction is `SUBMITTED`, and when final.
    fn milestones(&self, tx: &Tx, confirmed: Instant) -> (Instant, Instant) {
        let delay = self.scaled(tx.outcome.delay);
        (confirmed + delay / 2, confirmed + delay)
    }

    fn status_at(&self, tx: &Tx, at: Instant) -> Status {
        if tx.cancelled.is_some_and(|c| c <= at) {
            return status("CANCELLED");
        }
        let Some(confirmed) = tx.confirmed.filter(|c| *c <= at) else {
            return status("CREATED");
        };
        let (submitted, done) = self.milestones(tx, confirmed);
        if tx.settled.is_some_and(|t| t <= at) {
            return status(tx.outcome.status);
        }
        if at < submitted {
            status("CONFIRMED")
        } else if at < done {
            status("SUBMITTED")
        } else if tx.reversed.is_some_and(|r| r <= at) {
            status("REVERSED")
        } else {
            status(tx.outcome.status)
        }
    }

    fn date(tx: &Tx, at: Instant) -> String {
        let when = tx.created_at + at.saturating_duration_since(tx.created);
        when.format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default()
    }

    /// The transaction's JSON as of `at`; `with_callback` adds its
    /// `callback_url` (the look-ups' shape).
    fn render(&self, tx: &Tx, at: Instant, with_callback: bool) -> Value {
        let s = self.status_at(tx, at);
        let completed = matches!(s.name, "COMPLETED" | "REVERSED");
        let pin = if completed && tx.outcome.pin {
            json!({"code": format!("{:016}", tx.id.wrapping_mul(7_919) % 10_000_000_000_000_000), "serial": format!("SN{}", tx.id)})
        } else {
            Value::Null
        };
        let p = &tx.product;
        let mut product = json!({
            "id": p["id"], "name": p["name"], "description": p["description"], "tags": p["tags"],
            "service": p["service"], "operator": p["operator"], "regions": p["regions"], "type": p["type"],
        });
        if let Some(pin) = p.get("pin") {
            product["pin"] = pin.clone();
        }
        let mut out = json!({
            "id": tx.id,
            "external_id": tx.external_id,
            "creation_date": Self::date(tx, tx.created),
            "confirmation_expiration_date": Self::date(tx, tx.created + self.confirmation_window),
            "confirmation_date": tx.confirmed.filter(|c| *c <= at).map(|c| Self::date(tx, c)),
            "status": {"id": s.id, "message": s.name, "class": {"id": s.class_id, "message": s.class}},
            "operator_reference": if completed { Value::from(format!("OPREF-{}", tx.id)) } else { Value::Null },
            "pin": pin,
            "product": product,
        });
        if let Some(o) = out.as_object_mut() {
            for (k, v) in &tx.fields {
                o.insert(k.clone(), v.clone());
            }
            if with_callback {
                o.insert("callback_url".into(), json!(tx.callback_url));
            }
        }
        out
    }

    /// Available and holding: available → holding on a create, holding
    /// captured on `COMPLETED`, voided on `CANCELLED`/`DECLINED`, reversed
    /// on `REVERSED`.
    fn funds(&self, st: &State, at: Instant) -> (Decimal, Decimal) {
        let (mut holding, mut captured) = (Decimal::ZERO, Decimal::ZERO);
        for tx in &st.transactions {
            match self.status_at(tx, at).class {
                "CREATED" | "CONFIRMED" | "SUBMITTED" => holding += tx.cost,
                "COMPLETED" => captured += tx.cost,
                _ => {}
            }
        }
        (
            Decimal::from(INITIAL_BALANCE_USD) - holding - captured,
            holding,
        )
    }

    /// The balance's JSON as of `at` (see [`Shared::funds`]).
    fn balance(&self, st: &State, at: Instant) -> Value {
        let (available, holding) = self.funds(st, at);
        json!({
            "id": 1, "unit_type": "CURRENCY", "unit": "USD",
            "available": number(available), "holding": number(holding), "credit_limit": 0
        })
    }

    fn state_json(&self) -> Value {
        let now = Instant::now();
        let st = self.lock();
        json!({
            "transactions": st.transactions.iter().map(|t| self.render(t, now, true)).collect::<Vec<_>>(),
            "balances": [self.balance(&st, now)],
            "callback_deliveries": st.deliveries,
        })
    }
}

/// A decimal as a JSON number (DVS's amounts are doubles).
fn number(d: Decimal) -> Value {
    use rust_decimal::prelude::ToPrimitive as _;
    d.to_f64()
        .and_then(serde_json::Number::from_f64)
        .map_or(Value::Null, Value::Number)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_suffix_table() {
        let cases = [
            ("+6595123100", "COMPLETED", false, 0),
            ("+6595123201", "COMPLETED", true, 1),
            ("+6595123302", "DECLINED-INVALID-CREDIT-PARTY", false, 2),
            ("+6595123103", "DECLINED-BARRED-CREDIT-PARTY", false, 0),
            (
                "+6595123204",
                "DECLINED-OPERATOR-CURRENTLY-UNAVAILABLE",
                false,
                1,
            ),
            ("+6595123105", "DECLINED-DUPLICATED-TRANSACTION", false, 0),
            ("+6595123206", "DECLINED", false, 1),
            ("+6595123307", "DECLINED-EXCEPTION", false, 2),
            ("+6595123999", "COMPLETED", false, 0),
            ("12", "COMPLETED", false, 0),
        ];
        for (number, status, pin, delay) in cases {
            let o = simulated_outcome(Some(number));
            assert_eq!(
                (o.status, o.pin, o.delay),
                (status, pin, SIMULATION_DELAYS[delay]),
                "{number}"
            );
        }
        let gift = simulated_outcome(None);
        assert_eq!((gift.status, gift.pin), ("COMPLETED", true));
    }

    #[test]
    fn every_status_of_the_table_is_known() {
        for o in ["100", "102", "103", "104", "105", "106", "107"] {
            let name = simulated_outcome(Some(o)).status;
            assert_eq!(status(name).name, name);
        }
    }
}
