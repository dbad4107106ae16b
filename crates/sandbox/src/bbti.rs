//! Fake BBTI server: OAuth2 token endpoint with expiring tokens, catalogue
//! and prices from the sample price list, pricing that grades and prices
//! devices, eKYC, delivery and a transaction status that moves on.
//!
//! One loopback server plays both hosts: the auth server lives under
//! `{uri}/auth-server`, its token endpoint at [`BbtiSandbox::token_url`]
//! (`{uri}/auth-server/auth/v1/token`), and the API under
//! [`BbtiSandbox::base_url`].
//!
//! Behaviour:
//! - the token endpoint checks `Authorization: Basic base64(CLIENT_ID:CLIENT_SECRET)`
//!   and `grant_type=client_credentials`; tokens live
//!   [`BbtiSandboxBuilder::token_lifetime`] (default 1 hour) and are then
//!   refused with 401 `UNAUTHENTICATED`;
//! - manufacturers → series → models → prices come from
//!   `data/bbti/price_list_sample.csv` (the provider's sample); models and prices page with
//!   `pageSize` (default 50, larger than 200 coerced to 200) and `pageToken`;
//! - pricing computes the grade from the condition (both checks pass → A,
//!   appearance fails → B, functionality fails → C), the price from the
//!   list (+1000 yen with any `campaignCode`), and creates a transaction;
//! - `POST /v1/pricing/codes` accepts app codes `v1.<model>.<storage>.<carrier>.<FA>`
//!   where `F` and `A` are `P` (pass) or `F` (fail), e.g. `v1.iphone-8.64gb.simfree.PP`;
//! - `GET /v1/transactions/{id}` finds a transaction by its id or by the
//!   caller's `submissionId`, and moves its status one step on each read
//!   (KYC applied → verified; delivery registered → shipped → received →
//!   device registered → grade confirmed → payment pending → close);
//! - errors are `rpcStatus` bodies: 400 `INVALID_ARGUMENT` (3) or
//!   `FAILED_PRECONDITION` (9), 401 `UNAUTHENTICATED` (16), 404 `NOT_FOUND` (5).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use base64::Engine as _;
use partner_sdk_bbti::price_list::{PriceRow, read_csv};
use partner_sdk_bbti::{
    Condition, Date, DeliveryDetail, DeliveryPattern, Grade, KeyValue, ModelAttributes, ModelPrice,
    PickupTime, PriceResponse, PricingUnit, SeriesAttributes, Transaction, TransactionStatus,
};
use serde_json::{Value, json};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::admin::Admin;
use crate::faults::{FaultRule, Faults, WithFaults};
use crate::server::Server;

const PRICE_LIST: &str = include_str!("../data/bbti/price_list_sample.csv");
/// A 1×1 PNG served as QR code and barcode.
const PNG_BASE64: &str = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";
const AUTH_PREFIX: &str = "/auth-server";

/// Client id the sandbox accepts.
pub const CLIENT_ID: &str = "sandbox-client";
/// Client secret the sandbox accepts.
pub const CLIENT_SECRET: &str = "sandbox-secret";
/// A program id for pricing calls (any non-empty id is accepted).
pub const PROGRAM_ID: &str = "sandbox-program";

/// Configures a [`BbtiSandbox`].
#[derive(Debug, Clone)]
pub struct BbtiSandboxBuilder {
    token_lifetime: Duration,
}

impl Default for BbtiSandboxBuilder {
    fn default() -> Self {
        BbtiSandboxBuilder {
            token_lifetime: Duration::from_secs(3600),
        }
    }
}

impl BbtiSandboxBuilder {
    /// How long issued tokens are valid (default 1 hour). `expires_in` is
    /// reported in whole seconds, rounded up; the token is refused once the
    /// exact lifetime has passed.
    pub fn token_lifetime(mut self, lifetime: Duration) -> Self {
        self.token_lifetime = lifetime;
        self
    }

    /// Starts the sandbox on a random loopback port.
    pub async fn start(self) -> BbtiSandbox {
        self.start_with(MockServer::start().await).await
    }

    /// Starts the sandbox on `listener` (for fixed ports).
    pub async fn start_on(self, listener: std::net::TcpListener) -> BbtiSandbox {
        self.start_with(MockServer::builder().listener(listener).start().await)
            .await
    }

    async fn start_with(self, server: MockServer) -> BbtiSandbox {
        let rows: Vec<PriceRow> = read_csv(PRICE_LIST.as_bytes())
            .filter_map(Result::ok)
            .collect();
        let state = Arc::new(Mutex::new(State {
            rows,
            token_lifetime: self.token_lifetime,
            tokens: HashMap::new(),
            transactions: HashMap::new(),
            submissions: HashMap::new(),
            counter: 0,
            uri: server.uri(),
        }));
        let faults = Arc::new(Faults::default());
        Mock::given(any())
            .respond_with(WithFaults {
                inner: Handler {
                    state: state.clone(),
                },
                faults: Arc::clone(&faults),
            })
            .mount(&server)
            .await;
        admin(&state, &faults).mount(&server).await;
        BbtiSandbox {
            server: Server::new(server),
            state,
            faults,
        }
    }
}

/// A running fake BBTI server. Dropping it stops the server.
pub struct BbtiSandbox {
    server: Server,
    state: Arc<Mutex<State>>,
    faults: Arc<Faults>,
}

impl std::fmt::Debug for BbtiSandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BbtiSandbox")
            .field("base_url", &self.base_url())
            .field("token_url", &self.token_url())
            .finish()
    }
}

impl BbtiSandbox {
    /// A builder (token lifetime).
    pub fn builder() -> BbtiSandboxBuilder {
        BbtiSandboxBuilder::default()
    }

    /// Starts a sandbox with default settings on a random loopback port.
    pub async fn start() -> BbtiSandbox {
        Self::builder().start().await
    }

    /// Starts a sandbox with default settings on `listener`.
    pub async fn start_on(listener: std::net::TcpListener) -> BbtiSandbox {
        Self::builder().start_on(listener).await
    }

    /// API base URL (`${API_SERVER}`).
    pub fn base_url(&self) -> String {
        self.server.uri()
    }

    /// The OAuth2 token endpoint (`${AUTH_SERVER}/auth/v1/token`), for the
    /// client builder's `token_url`.
    pub fn token_url(&self) -> String {
        format!(
            "{}{AUTH_PREFIX}{}",
            self.server.uri(),
            partner_sdk_bbti::TOKEN_PATH
        )
    }

    /// The client id this sandbox accepts.
    pub fn client_id(&self) -> &'static str {
        CLIENT_ID
    }

    /// The client secret this sandbox accepts.
    pub fn client_secret(&self) -> &'static str {
        CLIENT_SECRET
    }

    /// A client pointed at this sandbox with its credentials.
    pub fn client(&self) -> partner_sdk_bbti::Client {
        self.client_builder()
            .build()
            .unwrap_or_else(|e| unreachable!("sandbox client configuration is valid: {e}"))
    }

    /// A client builder pointed at this sandbox, to adjust before building.
    pub fn client_builder(&self) -> partner_sdk_bbti::ClientBuilder {
        partner_sdk_bbti::Client::builder()
            .base_url(self.base_url())
            .token_url(self.token_url())
            .credentials(CLIENT_ID, CLIENT_SECRET)
    }

    /// Tokens issued so far.
    pub fn tokens_issued(&self) -> usize {
        lock(&self.state).tokens.len()
    }

    /// Makes every issued token expire now.
    pub fn expire_tokens(&self) {
        let now = Instant::now();
        for expiry in lock(&self.state).tokens.values_mut() {
            *expiry = now;
        }
    }

    /// The transaction id registered with a caller's `submissionId`.
    pub fn transaction_by_submission(&self, submission_id: &str) -> Option<String> {
        lock(&self.state).submissions.get(submission_id).cloned()
    }

    /// Every transaction created so far, as `GET /v1/transactions/{id}`
    /// answers it.
    pub fn transactions(&self) -> Vec<Value> {
        transactions(&lock(&self.state))
    }

    /// The fake's state, as the admin API's `GET /__sandbox/state` answers
    /// it: `transactions`, `timelines` (each transaction's statuses, by
    /// id, each `{"at", "status"}`), `tokens_issued`, `faults`.
    pub fn state(&self) -> Value {
        admin(&self.state, &self.faults).state()
    }

    /// Queues a fault: the next request matching `rule` gets it (see
    /// [`crate::faults`]).
    pub fn inject_fault(&self, rule: FaultRule) {
        self.faults.push(rule);
    }

    /// Drops every queued fault.
    pub fn clear_faults(&self) {
        self.faults.clear();
    }

    /// Sets a transaction's status (e.g. to simulate a declined KYC).
    pub fn set_status(&self, transaction_id: &str, status: TransactionStatus) -> bool {
        match lock(&self.state).transactions.get_mut(transaction_id) {
            Some(tx) => {
                tx.set(status);
                true
            }
            None => false,
        }
    }
}

fn transactions(state: &State) -> Vec<Value> {
    let mut all: Vec<(&String, Value)> = state
        .transactions
        .iter()
        .map(|(id, tx)| (id, to_json(&tx.tx)))
        .collect();
    all.sort_by(|a, b| a.0.cmp(b.0));
    all.into_iter().map(|(_, tx)| tx).collect()
}

/// Each transaction's statuses, by id: `[{"at": ..., "status": ...}]`.
fn timelines(state: &State) -> Value {
    state
        .transactions
        .iter()
        .map(|(id, tx)| {
            let steps: Vec<Value> = tx
                .timeline
                .iter()
                .map(|(at, status)| json!({ "at": at, "status": to_json(status) }))
                .collect();
            (id.clone(), Value::Array(steps))
        })
        .collect::<serde_json::Map<String, Value>>()
        .into()
}

fn admin(state: &Arc<Mutex<State>>, faults: &Arc<Faults>) -> Admin {
    let state = Arc::clone(state);
    Admin {
        provider: "bbti",
        faults: Arc::clone(faults),
        state: Arc::new(move || {
            let st = lock(&state);
            json!({
                "transactions": transactions(&st),
                "timelines": timelines(&st),
                "tokens_issued": st.tokens.len(),
            })
        }),
        webhook: None,
    }
}

fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    state
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

struct Tx {
    tx: Transaction,
    kyc: bool,
    /// Each status the transaction took, with when (RFC 3339).
    timeline: Vec<(String, TransactionStatus)>,
}

impl Tx {
    fn set(&mut self, status: TransactionStatus) {
        self.timeline.push((now_text(), status.clone()));
        self.tx.status = status;
    }
}

fn now_text() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

struct State {
    rows: Vec<PriceRow>,
    token_lifetime: Duration,
    tokens: HashMap<String, Instant>,
    transactions: HashMap<String, Tx>,
    submissions: HashMap<String, String>,
    counter: u64,
    uri: String,
}

/// An error answer decided before the handler's main work.
type Refusal = Box<ResponseTemplate>;

struct Handler {
    state: Arc<Mutex<State>>,
}

fn rpc(status: u16, code: i32, message: impl Into<String>) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(json!({
        "code": code, "message": message.into(), "details": []
    }))
}

fn invalid(message: impl Into<String>) -> ResponseTemplate {
    rpc(400, 3, message)
}

fn not_found(message: impl Into<String>) -> ResponseTemplate {
    rpc(404, 5, message)
}

fn ok(body: Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(body)
}

fn to_json<T: serde::Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

impl Respond for Handler {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let mut state = lock(&self.state);
        let path = req.url.path().to_owned();
        if path == format!("{AUTH_PREFIX}{}", partner_sdk_bbti::TOKEN_PATH) {
            return state.token(req);
        }
        if !path.starts_with("/v1/") {
            return not_found(format!("no route for {path}"));
        }
        if let Err(refused) = state.check_bearer(req) {
            return *refused;
        }
        let query: HashMap<String, String> = req.url.query_pairs().into_owned().collect();
        let method = req.method.as_str();
        match (method, path.as_str()) {
            ("GET", "/v1/manufacturers") => state.manufacturers(&query),
            ("GET", "/v1/series") => state.series(&query),
            ("GET", "/v1/models") => state.models(&query),
            ("GET", "/v1/prices") => state.prices(&query),
            ("POST", "/v1/pricing/products") => match body(req) {
                Ok(b) => state.price_products(&b),
                Err(e) => *e,
            },
            ("POST", "/v1/pricing/codes") => match body(req) {
                Ok(b) => state.price_codes(&b),
                Err(e) => *e,
            },
            ("POST", "/v1/kyc") => match body(req) {
                Ok(b) => state.kyc(&b),
                Err(e) => *e,
            },
            ("POST", "/v1/delivery/register") => match body(req) {
                Ok(b) => state.delivery(&b),
                Err(e) => *e,
            },
            ("GET", p) if p.starts_with("/v1/transactions/") => {
                let raw = &p["/v1/transactions/".len()..];
                let id = url_decode(raw);
                state.transaction(&id)
            }
            _ => not_found(format!("no route for {method} {path}")),
        }
    }
}

fn url_decode(raw: &str) -> String {
    url::form_urlencoded::parse(format!("x={}", raw.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

fn body(req: &Request) -> Result<Value, Refusal> {
    match serde_json::from_slice::<Value>(&req.body) {
        Ok(v @ Value::Object(_)) => Ok(v),
        _ => Err(Box::new(invalid("request body is not a JSON object"))),
    }
}

fn field<'a>(body: &'a Value, name: &str) -> Option<&'a str> {
    body.get(name)
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty())
}

fn require<'a>(body: &'a Value, name: &str) -> Result<&'a str, Refusal> {
    field(body, name).ok_or_else(|| Box::new(invalid(format!("{name} is required"))))
}

fn list(query: &HashMap<String, String>, name: &str) -> Vec<String> {
    query
        .get(name)
        .map(|v| {
            v.split(',')
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

fn kv(key: &str, value: &str) -> KeyValue {
    KeyValue::new(key, value)
}

fn condition(body: &Value, name: &str) -> Condition {
    body.get("condition")
        .and_then(|c| c.get(name))
        .and_then(Value::as_str)
        .map(Condition::from)
        .unwrap_or_default()
}

fn grade_for(functionality: &Condition, appearance: &Condition) -> Grade {
    if *functionality == Condition::Fail {
        Grade::C
    } else if *appearance == Condition::Fail {
        Grade::B
    } else {
        Grade::A
    }
}

fn yen(row: &PriceRow) -> i64 {
    row.price_yen().unwrap_or(0)
}

impl State {
    fn token(&mut self, req: &Request) -> ResponseTemplate {
        let expected = format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD
                .encode(format!("{CLIENT_ID}:{CLIENT_SECRET}"))
        );
        let auth = req
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok());
        if auth != Some(expected.as_str()) {
            return ResponseTemplate::new(401).set_body_json(json!({
                "error": "invalid_client", "error_description": "client authentication failed"
            }));
        }
        let form: HashMap<String, String> = url::form_urlencoded::parse(&req.body)
            .into_owned()
            .collect();
        if form.get("grant_type").map(String::as_str) != Some("client_credentials") {
            return ResponseTemplate::new(400).set_body_json(json!({
                "error": "unsupported_grant_type"
            }));
        }
        let n = self.tokens.len() as u64 + 1;
        let token = format!("sbx-token-{n}-{:x}", fastrand_u64(n));
        let now = Instant::now();
        // An absurd configured lifetime means "never expires", not a panic.
        let expiry = now
            .checked_add(self.token_lifetime)
            .unwrap_or_else(|| now + Duration::from_secs(100 * 365 * 86_400));
        self.tokens.insert(token.clone(), expiry);
        let secs = u64::try_from(self.token_lifetime.as_millis().div_ceil(1000))
            .unwrap_or(u64::MAX)
            .max(1);
        ok(json!({"access_token": token, "token_type": "Bearer", "expires_in": secs}))
    }

    fn check_bearer(&self, req: &Request) -> Result<(), Refusal> {
        let header = req
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok());
        let Some(token) = header.and_then(|h| h.strip_prefix("Bearer ")) else {
            return Err(Box::new(rpc(401, 16, "missing bearer token")));
        };
        match self.tokens.get(token) {
            Some(expiry) if Instant::now() < *expiry => Ok(()),
            Some(_) => Err(Box::new(rpc(401, 16, "token is expired"))),
            None => Err(Box::new(rpc(401, 16, "invalid token"))),
        }
    }

    fn filtered<'a>(
        &'a self,
        query: &HashMap<String, String>,
    ) -> impl Iterator<Item = &'a PriceRow> {
        let categories = list(query, "categories");
        let manufacturers = list(query, "manufacturers");
        let series = list(query, "series");
        let keys: Vec<(String, String)> = ["modelKey", "storageKey", "carrierKey"]
            .iter()
            .filter_map(|k| query.get(*k).map(|v| (k.to_string(), v.clone())))
            .collect();
        let memory = query.get("memoryKey").cloned();
        self.rows.iter().filter(move |r| {
            (categories.is_empty() || categories.contains(&r.category))
                && (manufacturers.is_empty() || manufacturers.contains(&r.manufacturer))
                && (series.is_empty() || series.contains(&r.series))
                && memory.as_deref().is_none_or(str::is_empty)
                && keys.iter().all(|(k, v)| match k.as_str() {
                    "modelKey" => &r.model == v,
                    "storageKey" => &r.storage == v,
                    _ => &r.carrier == v,
                })
        })
    }

    fn manufacturers(&self, query: &HashMap<String, String>) -> ResponseTemplate {
        let mut out: Vec<KeyValue> = Vec::new();
        for r in self.filtered(query) {
            let k = kv(&r.manufacturer, &r.manufacturer_value);
            if !out.contains(&k) {
                out.push(k);
            }
        }
        ok(json!({ "manufacturers": to_json(&out) }))
    }

    fn series(&self, query: &HashMap<String, String>) -> ResponseTemplate {
        let mut out: Vec<SeriesAttributes> = Vec::new();
        let mut models: HashMap<String, Vec<String>> = HashMap::new();
        for r in self.filtered(query) {
            let seen = models.entry(r.series.clone()).or_default();
            if !seen.contains(&r.model) {
                seen.push(r.model.clone());
            }
            if !out.iter().any(|s| s.series.key == r.series) {
                let mut s = SeriesAttributes::default();
                s.series = kv(&r.series, &r.series_value);
                s.category = kv(&r.category, &r.category_value);
                s.manufacturer = kv(&r.manufacturer, &r.manufacturer_value);
                out.push(s);
            }
        }
        for s in &mut out {
            s.number_of_models = models.get(&s.series.key).map_or(0, Vec::len) as i64;
        }
        ok(json!({ "series": to_json(&out) }))
    }

    fn model_list(
        &self,
        query: &HashMap<String, String>,
    ) -> Vec<(ModelAttributes, Vec<&PriceRow>)> {
        let mut out: Vec<(ModelAttributes, Vec<&PriceRow>)> = Vec::new();
        for r in self.filtered(query) {
            let idx = match out.iter().position(|(m, _)| m.model.key == r.model) {
                Some(i) => i,
                None => {
                    let mut m = ModelAttributes::default();
                    m.model = kv(&r.model, &r.model_value);
                    m.category = kv(&r.category, &r.category_value);
                    m.manufacturer = kv(&r.manufacturer, &r.manufacturer_value);
                    m.series = kv(&r.series, &r.series_value);
                    out.push((m, Vec::new()));
                    out.len() - 1
                }
            };
            let (m, rows) = &mut out[idx];
            let storage = kv(&r.storage, &r.storage_value);
            if !m.storages.contains(&storage) {
                m.storages.push(storage);
            }
            let carrier = kv(&r.carrier, &r.carrier_value);
            if !m.carriers.contains(&carrier) {
                m.carriers.push(carrier);
            }
            rows.push(r);
        }
        out
    }

    fn page<T: serde::Serialize>(
        query: &HashMap<String, String>,
        items: Vec<T>,
    ) -> ResponseTemplate {
        let size = match query.get("pageSize").map(|s| s.parse::<usize>()) {
            None => 50,
            Some(Ok(0)) => 50,
            Some(Ok(n)) => n.min(200),
            Some(Err(_)) => return invalid("pageSize must be an integer"),
        };
        let start = match query.get("pageToken").filter(|t| !t.is_empty()) {
            None => 0,
            Some(t) => match t
                .strip_prefix("offset-")
                .and_then(|n| n.parse::<usize>().ok())
            {
                Some(n) if n <= items.len() => n,
                _ => return invalid("invalid pageToken"),
            },
        };
        let end = (start + size).min(items.len());
        let next = if end < items.len() {
            format!("offset-{end}")
        } else {
            String::new()
        };
        let page: Vec<Value> = items[start..end].iter().map(to_json).collect();
        ok(json!({ "nextPageToken": next, "models": page }))
    }

    fn models(&self, query: &HashMap<String, String>) -> ResponseTemplate {
        let models: Vec<ModelAttributes> =
            self.model_list(query).into_iter().map(|(m, _)| m).collect();
        Self::page(query, models)
    }

    fn prices(&self, query: &HashMap<String, String>) -> ResponseTemplate {
        let mut out = Vec::new();
        for (m, rows) in self.model_list(query) {
            let mut p = ModelPrice::default();
            p.model = m.model;
            p.storages = m.storages;
            p.carriers = m.carriers;
            p.category = m.category;
            p.series = m.series;
            for r in rows {
                let idx = match p
                    .prices
                    .iter()
                    .position(|u| u.storage.key == r.storage && u.carrier.key == r.carrier)
                {
                    Some(i) => i,
                    None => {
                        let mut u = PricingUnit::default();
                        u.storage = kv(&r.storage, &r.storage_value);
                        u.carrier = kv(&r.carrier, &r.carrier_value);
                        p.prices.push(u);
                        p.prices.len() - 1
                    }
                };
                p.prices[idx]
                    .grade_prices
                    .push(partner_sdk_bbti::GradePrice::new(
                        r.grade.clone(),
                        yen(r),
                        0,
                    ));
            }
            out.push(p);
        }
        Self::page(query, out)
    }

    fn find_row(
        &self,
        model: &str,
        storage: Option<&str>,
        carrier: Option<&str>,
        grade: &Grade,
    ) -> Option<&PriceRow> {
        self.rows.iter().find(|r| {
            r.model == model
                && storage.is_none_or(|s| r.storage == s)
                && carrier.is_none_or(|c| r.carrier == c)
                && &r.grade == grade
        })
    }

    #[allow(clippy::too_many_arguments)]
    fn create(
        &mut self,
        program: &str,
        submission: Option<&str>,
        model: &str,
        storage: Option<&str>,
        carrier: Option<&str>,
        functionality: &Condition,
        appearance: &Condition,
        campaign: Option<&str>,
    ) -> ResponseTemplate {
        if program.trim().is_empty() {
            return invalid("programId is required");
        }
        if !self.rows.iter().any(|r| r.model == model) {
            return invalid(format!("invalid modelKey: {model}"));
        }
        let grade = grade_for(functionality, appearance);
        let Some(row) = self.find_row(model, storage, carrier, &grade) else {
            return invalid(format!(
                "no price for {model} / {} / {}",
                storage.unwrap_or("-"),
                carrier.unwrap_or("-")
            ));
        };
        let delta = if campaign.is_some() { 1000 } else { 0 };
        let mut resp = PriceResponse::new("", grade.clone(), yen(row) + delta);
        resp.delta_price = delta;
        resp.model = kv(&row.model, &row.model_value);
        resp.storage = kv(&row.storage, &row.storage_value);
        resp.carrier = kv(&row.carrier, &row.carrier_value);
        let (model_name, storage_name, carrier_name) = (
            row.model_value.clone(),
            row.storage_value.clone(),
            row.carrier_value.clone(),
        );
        self.counter += 1;
        let id = format!("SBX-TX-{:06}", self.counter);
        resp.transaction_id = id.clone();
        let mut tx = Transaction::new(id.clone(), TransactionStatus::Unspecified);
        tx.deal_id = format!("SBX-DEAL-{:06}", self.counter);
        tx.product.offered_model_name = model_name;
        tx.product.offered_storage_name = storage_name;
        tx.product.offered_carrier_name = carrier_name;
        tx.product.offered_grade = grade;
        tx.product.offered_price = resp.price;
        self.transactions.insert(
            id.clone(),
            Tx {
                timeline: vec![(now_text(), tx.status.clone())],
                tx,
                kyc: false,
            },
        );
        if let Some(s) = submission {
            self.submissions.insert(s.to_owned(), id);
        }
        ok(to_json(&resp))
    }

    fn price_products(&mut self, b: &Value) -> ResponseTemplate {
        let program = match require(b, "programId") {
            Ok(p) => p,
            Err(e) => return *e,
        };
        let model = match require(b, "modelKey") {
            Ok(m) => m,
            Err(e) => return *e,
        };
        self.create(
            program,
            field(b, "submissionId"),
            model,
            field(b, "storageKey"),
            field(b, "carrierKey"),
            &condition(b, "functionality"),
            &condition(b, "appearance"),
            field(b, "campaignCode"),
        )
    }

    fn price_codes(&mut self, b: &Value) -> ResponseTemplate {
        let program = match require(b, "programId") {
            Ok(p) => p,
            Err(e) => return *e,
        };
        let code = match require(b, "appCode") {
            Ok(c) => c,
            Err(e) => return *e,
        };
        let parts: Vec<&str> = code.split('.').collect();
        let [version, model, storage, carrier, checks] = parts[..] else {
            return invalid("appCode must be v1.<model>.<storage>.<carrier>.<FA>");
        };
        let check = |c: Option<char>| match c {
            Some('P' | 'p') => Some(Condition::Pass),
            Some('F' | 'f') => Some(Condition::Fail),
            _ => None,
        };
        let mut chars = checks.chars();
        let (Some(f), Some(a), None) = (check(chars.next()), check(chars.next()), chars.next())
        else {
            return invalid("appCode condition must be two of P/F");
        };
        if !version.eq_ignore_ascii_case("v1") {
            return invalid("unsupported appCode version");
        }
        self.create(
            program,
            field(b, "submissionId"),
            model,
            Some(storage),
            Some(carrier),
            &f,
            &a,
            field(b, "campaignCode"),
        )
    }

    fn kyc(&mut self, b: &Value) -> ResponseTemplate {
        for name in [
            "transactionId",
            "email",
            "lastName",
            "firstName",
            "zip",
            "state",
            "city",
            "address",
            "occupation",
        ] {
            if let Err(e) = require(b, name) {
                return *e;
            }
        }
        if !field(b, "email").is_some_and(|e| e.contains('@')) {
            return invalid("email is not deliverable");
        }
        let dob: Date = b
            .get("dateOfBirth")
            .and_then(|d| serde_json::from_value(d.clone()).ok())
            .unwrap_or_default();
        if dob.year == 0 || dob.month == 0 || dob.day == 0 {
            return invalid("dateOfBirth is required");
        }
        let id = field(b, "transactionId").unwrap_or_default().to_owned();
        let uri = self.uri.clone();
        let Some(tx) = self.transactions.get_mut(&id) else {
            return not_found(format!("transaction {id} not found"));
        };
        if tx.kyc {
            return rpc(400, 9, "eKYC already issued for this transaction");
        }
        tx.kyc = true;
        tx.set(TransactionStatus::KycApplied);
        ok(json!({"transactionId": id, "url": format!("{uri}/ekyc/{id}")}))
    }

    fn delivery(&mut self, b: &Value) -> ResponseTemplate {
        for name in [
            "transactionId",
            "lastName",
            "firstName",
            "zip",
            "state",
            "city",
            "address",
            "phoneNumber",
        ] {
            if let Err(e) = require(b, name) {
                return *e;
            }
        }
        let pattern = field(b, "deliveryPattern")
            .map(DeliveryPattern::from)
            .unwrap_or_default();
        let id = field(b, "transactionId").unwrap_or_default().to_owned();
        let counter = self.counter;
        let Some(tx) = self.transactions.get_mut(&id) else {
            return not_found(format!("transaction {id} not found"));
        };
        if !matches!(
            tx.tx.status,
            TransactionStatus::KycApplied | TransactionStatus::KycVerified
        ) {
            return rpc(400, 9, "delivery can only be registered after eKYC");
        }
        let mut detail = DeliveryDetail::new(pattern.clone());
        match pattern {
            DeliveryPattern::Pickup => {
                let date: Option<Date> = b
                    .get("pickupDate")
                    .and_then(|d| serde_json::from_value(d.clone()).ok());
                let slot = field(b, "pickupTime")
                    .map(PickupTime::from)
                    .unwrap_or_default();
                let Some(date) = date.filter(|d| !d.is_unset()) else {
                    return invalid("pickupDate is required for DELIVERY_PATTERN_PICKUP");
                };
                if matches!(slot, PickupTime::Unspecified | PickupTime::Other(_)) {
                    return invalid("pickupTime is required for DELIVERY_PATTERN_PICKUP");
                }
                detail.pickup_date = Some(date);
                detail.pickup_time = slot;
                detail.tracking_number = format!("{:012}", 400_000_000_000u64 + counter);
            }
            DeliveryPattern::BringIn => {
                let image = |s: &str| -> partner_sdk_bbti::Image {
                    serde_json::from_value(Value::String(s.to_owned())).unwrap_or_default()
                };
                let expiry = time::OffsetDateTime::now_utc().date() + time::Duration::days(7);
                detail.reservation_id = format!("SBX-R-{counter:06}");
                detail.reservation_pw = format!("{:06}", (counter * 7919) % 1_000_000);
                detail.bring_in_expiration_date = Some(Date::new(
                    expiry.year(),
                    i32::from(u8::from(expiry.month())),
                    i32::from(expiry.day()),
                ));
                detail.qr_code = image(PNG_BASE64);
                detail.barcode = image(PNG_BASE64);
            }
            _ => return invalid("deliveryPattern is required"),
        }
        tx.set(TransactionStatus::DeliveryRegistered);
        let mut public = detail.clone();
        public.reservation_pw.clear();
        public.qr_code = partner_sdk_bbti::Image::default();
        public.barcode = partner_sdk_bbti::Image::default();
        tx.tx.delivery_detail = Some(public);
        ok(json!({"transactionId": id, "deliveryDetail": to_json(&detail)}))
    }

    fn transaction(&mut self, id_or_submission: &str) -> ResponseTemplate {
        let id = self
            .submissions
            .get(id_or_submission)
            .cloned()
            .unwrap_or_else(|| id_or_submission.to_owned());
        let Some(tx) = self.transactions.get_mut(&id) else {
            return not_found(format!("transaction {id_or_submission} not found"));
        };
        use TransactionStatus as S;
        let next = match tx.tx.status {
            S::KycApplied => Some(S::KycVerified),
            S::DeliveryRegistered => Some(S::DeliveryShipped),
            S::DeliveryShipped => Some(S::DeliveryReceived),
            S::DeliveryReceived => Some(S::DeviceRegistered),
            S::DeviceRegistered => Some(S::GradeConfirmed),
            S::GradeConfirmed => Some(S::PaymentPending),
            S::PaymentPending => Some(S::Close),
            _ => None,
        };
        let body = to_json(&tx.tx);
        if let Some(next) = next {
            if next == S::GradeConfirmed {
                let p = &mut tx.tx.product;
                p.confirmed_model_name = p.offered_model_name.clone();
                p.confirmed_storage_name = p.offered_storage_name.clone();
                p.confirmed_carrier_name = p.offered_carrier_name.clone();
                p.confirmed_grade = p.offered_grade.clone();
                p.confirmed_price = p.offered_price;
            }
            tx.set(next);
        }
        ok(body)
    }
}

/// A cheap, deterministic per-token suffix (tokens only need to be distinct).
fn fastrand_u64(seed: u64) -> u64 {
    let mut x = seed ^ 0x9E37_79B9_7F4A_7C15;
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}
