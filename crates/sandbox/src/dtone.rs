//! Fake DT One Goods & Services server (API v1.1).
//!
//! [`DtoneSandbox`] starts a loopback server that checks DT One's HMAC
//! headers, serves a small catalogue built from the seed's samples, answers
//! account-number verification, and keeps transactions in memory.
//!
//! Catalogue:
//!
//! | product | category | operator | country | service | verification |
//! |---|---|---|---|---|---|
//! | 64, 65 (seed sample) | fixed value recharges | 1959 Claro TV Guatemala USD | 756 Guatemala | 1 television | yes |
//! | 70 | fixed value vouchers | 2003 Tigo Guatemala | 756 Guatemala | 7 bundles | not available (400, code 1000304) |
//! | 315 | variable value recharges (suggested values: the seed sample) | 2001 Airtel India | 766 India | 7 bundles | yes |
//! | 410 | variable value payments (bill: DT One's published sample) | 2010 PLN Indonesia | 360 Indonesia | 12 electricity | yes |
//!
//! An account number verifies (`{"verified":1}`) when it is 8 to 15 digits,
//! optionally after a `+`; otherwise `{"verified":0}`.
//!
//! Bill payments: `GET /product/variable_value_payments/410?account_number=..`
//! answers DT One's published sample bill (62973 IDR: 57973 plus a 5000
//! fee) for every valid account number (400/1000204 otherwise, 400/1000999
//! without one); a payment must send exactly that `local_value`
//! (400/1000999 otherwise) and is answered with the bill's prices.
//!
//! Transactions: `simulation` `"1"` simulates and `"0"` is real; as at
//! DT One, a create without `simulation` is simulated.
//!
//! Errors use DT One's shape `{"errors":[{"code":..,"message":..}]}`:
//! 401/1000401 for a missing or wrong signature or a reused nonce,
//! 400/1000999 for bad input, 404/1000301 for an unknown product,
//! 400/1000302 when a product is posted to another category,
//! 400/1000990 for a reused `external_id`, 404/1000404 for an unknown
//! transaction.

use std::collections::{HashMap, HashSet};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::admin::Admin;
use crate::faults::{FaultRule, Faults, WithFaults};
use crate::server::Server;

/// The API key the sandbox accepts.
pub const API_KEY: &str = "sandbox-dtone-key";
/// The API secret the sandbox accepts.
pub const API_SECRET: &str = "sandbox-dtone-secret";
/// Path prefix of the API (the version).
pub const BASE_PATH: &str = "/v1.1";

const PRODUCTS_BY_OPERATOR: &str = include_str!("../data/dtone/products_by_operator.json");
const SUGGESTED_VALUES: &str = include_str!("../data/dtone/suggested_values.json");
const BILL: &str = include_str!("../data/dtone/variable_value_payments_bill.json");

const CATEGORIES: [&str; 6] = [
    "fixed_value_vouchers",
    "fixed_value_recharges",
    "fixed_value_payments",
    "variable_value_vouchers",
    "variable_value_recharges",
    "variable_value_payments",
];

/// A running fake DT One server. Dropping it stops the server.
pub struct DtoneSandbox {
    server: Server,
    state: Arc<Mutex<State>>,
    faults: Arc<Faults>,
    client: partner_sdk_dtone::Client,
}

impl std::fmt::Debug for DtoneSandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DtoneSandbox")
            .field("base_url", &self.base_url())
            .finish_non_exhaustive()
    }
}

impl DtoneSandbox {
    /// Starts the server on a free loopback port.
    pub async fn start() -> DtoneSandbox {
        Self::serve(MockServer::start().await).await
    }

    /// Starts the server on `listener` (for fixed ports).
    pub async fn start_on(listener: TcpListener) -> DtoneSandbox {
        Self::serve(MockServer::builder().listener(listener).start().await).await
    }

    async fn serve(server: MockServer) -> DtoneSandbox {
        let state = Arc::new(Mutex::new(State::new()));
        let faults = Arc::new(Faults::default());
        Mock::given(any())
            .respond_with(WithFaults {
                inner: Responder {
                    state: Arc::clone(&state),
                },
                faults: Arc::clone(&faults),
            })
            .mount(&server)
            .await;
        admin(&state, &faults).mount(&server).await;
        let client = build_client(&format!("{}{BASE_PATH}", server.uri()));
        DtoneSandbox {
            server: Server::new(server),
            state,
            faults,
            client,
        }
    }

    /// Base URL including the version prefix, e.g. `http://127.0.0.1:PORT/v1.1`.
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

    /// A client pointed at this sandbox with its credentials (every call
    /// returns a clone of the same client). The sandbox, like DT One,
    /// refuses a reused nonce per API key; clients built separately with
    /// the same key never reuse one either.
    pub fn client(&self) -> partner_sdk_dtone::Client {
        self.client.clone()
    }

    /// Number of transactions created so far.
    pub fn transaction_count(&self) -> usize {
        lock(&self.state).transactions.len()
    }

    /// Every transaction created so far, as the look-up answers it, in
    /// creation order.
    pub fn transactions(&self) -> Vec<Value> {
        transactions(&lock(&self.state))
    }

    /// The fake's state, as the admin API's `GET /__sandbox/state` answers
    /// it: `transactions`, `faults`.
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
}

fn transactions(state: &State) -> Vec<Value> {
    let mut all: Vec<Value> = state.transactions.values().cloned().collect();
    all.sort_by_key(|tx| {
        tx["transaction_id"]
            .as_str()
            .and_then(|id| id.parse::<u64>().ok())
            .unwrap_or_default()
    });
    all
}

fn admin(state: &Arc<Mutex<State>>, faults: &Arc<Faults>) -> Admin {
    let state = Arc::clone(state);
    Admin {
        provider: "dtone",
        faults: Arc::clone(faults),
        state: Arc::new(move || json!({ "transactions": transactions(&lock(&state)) })),
        webhook: None,
    }
}

fn build_client(base_url: &str) -> partner_sdk_dtone::Client {
    let built = partner_sdk_dtone::Client::builder()
        .base_url(base_url)
        .credentials(API_KEY, API_SECRET)
        .build();
    match built {
        Ok(client) => client,
        // The URL is the running server's and the credentials are constants.
        Err(e) => unreachable!("sandbox client configuration is valid: {e}"),
    }
}

fn lock(state: &Mutex<State>) -> std::sync::MutexGuard<'_, State> {
    state.lock().unwrap_or_else(|p| p.into_inner())
}

struct Product {
    category: &'static str,
    verification: bool,
    body: Value,
}

impl Product {
    fn id(&self) -> i64 {
        self.body["product_id"].as_i64().unwrap_or_default()
    }
    fn field(&self, name: &str) -> Option<i64> {
        self.body[name].as_i64()
    }
}

struct State {
    countries: Vec<(i64, &'static str)>,
    services: Vec<(i64, &'static str)>,
    operators: Vec<(i64, &'static str, i64, i64)>,
    products: Vec<Product>,
    suggested_values: Value,
    bill: Value,
    nonces: HashSet<String>,
    transactions: HashMap<(String, String), Value>,
    next_transaction: u64,
}

impl State {
    fn new() -> State {
        let mut products = Vec::new();
        if let Ok(seed) = serde_json::from_str::<Value>(PRODUCTS_BY_OPERATOR) {
            for category in CATEGORIES {
                for body in seed[category].as_array().into_iter().flatten() {
                    products.push(Product {
                        category,
                        verification: true,
                        body: body.clone(),
                    });
                }
            }
        }
        products.push(Product {
            category: "fixed_value_vouchers",
            verification: false,
            body: json!({
                "product_id": 70, "product_name": "Q50 Voucher", "product_short_desc": "50 GTQ voucher",
                "operator_id": 2003, "operator": "Tigo Guatemala", "country_id": 756, "country": "Guatemala",
                "service_id": 7, "service": "bundles", "product_value": 6.5, "product_currency": "USD",
                "local_value": 50, "local_currency": "GTQ", "account_currency": "USD",
                "wholesale_price": 6.1, "retail_price": 6.5, "fee": 0, "info1": null, "info2": null, "info3": null
            }),
        });
        products.push(Product {
            category: "variable_value_recharges",
            verification: true,
            body: json!({
                "product_id": 315, "product_name": "Airtel India Data", "product_short_desc": "Airtel data plans",
                "operator_id": 2001, "operator": "Airtel India", "country_id": 766, "country": "India",
                "service_id": 7, "service": "bundles", "product_currency": "INR", "account_currency": "USD"
            }),
        });
        products.push(Product {
            category: "variable_value_payments",
            verification: true,
            body: json!({
                "product_id": 410, "product_name": "PLN Postpaid", "product_short_desc": "PLN electricity bill",
                "operator_id": 2010, "operator": "PLN Indonesia", "country_id": 360, "country": "Indonesia",
                "service_id": 12, "service": "electricity", "product_currency": "IDR", "account_currency": "MYR"
            }),
        });
        State {
            countries: vec![(756, "Guatemala"), (766, "India"), (360, "Indonesia")],
            services: vec![(1, "television"), (7, "bundles"), (12, "electricity")],
            operators: vec![
                (1959, "Claro TV Guatemala USD", 756, 1),
                (2003, "Tigo Guatemala", 756, 7),
                (2001, "Airtel India", 766, 7),
                (2010, "PLN Indonesia", 360, 12),
            ],
            products,
            suggested_values: serde_json::from_str(SUGGESTED_VALUES)
                .unwrap_or_else(|_| json!({"suggested_values": []})),
            bill: serde_json::from_str(BILL).unwrap_or(Value::Null),
            nonces: HashSet::new(),
            transactions: HashMap::new(),
            next_transaction: 9_000_001,
        }
    }

    fn product(&self, id: i64) -> Option<&Product> {
        self.products.iter().find(|p| p.id() == id)
    }

    fn grouped(&self, keep: impl Fn(&Product) -> bool) -> Value {
        let mut out = serde_json::Map::new();
        for category in CATEGORIES {
            let list: Vec<Value> = self
                .products
                .iter()
                .filter(|p| p.category == category && keep(p))
                .map(|p| p.body.clone())
                .collect();
            out.insert(category.to_owned(), Value::Array(list));
        }
        Value::Object(out)
    }
}

/// An error answer in DT One's shape.
struct Fail {
    status: u16,
    code: u32,
    message: String,
}

impl Fail {
    fn response(self) -> ResponseTemplate {
        ResponseTemplate::new(self.status)
            .set_body_json(json!({"errors": [{"code": self.code, "message": self.message}]}))
    }
}

fn error(status: u16, code: u32, message: &str) -> Fail {
    Fail {
        status,
        code,
        message: message.to_owned(),
    }
}

fn invalid(message: &str) -> Fail {
    error(400, 1000999, message)
}

fn ok(body: Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(body)
}

fn percent_decode(segment: &str) -> String {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2]))
        {
            out.push((h * 16 + l) as u8);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn account_is_valid(account: &str) -> bool {
    let digits = account.strip_prefix('+').unwrap_or(account);
    (8..=15).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit())
}

/// A query filter: absent is `Ok(None)`, a non-number is an error.
fn filter(req: &Request, name: &str) -> Result<Option<i64>, Fail> {
    match req.url.query_pairs().find(|(k, _)| k == name) {
        None => Ok(None),
        Some((_, v)) => v
            .parse::<i64>()
            .map(Some)
            .map_err(|_| invalid(&format!("Invalid parameter: {name}"))),
    }
}

fn id(segment: &str, name: &str) -> Result<i64, Fail> {
    segment
        .parse::<i64>()
        .map_err(|_| invalid(&format!("Invalid parameter: {name}")))
}

struct Responder {
    state: Arc<Mutex<State>>,
}

impl Respond for Responder {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let mut state = lock(&self.state);
        if let Err(unauthorized) = check_auth(&mut state, req) {
            return unauthorized.response();
        }
        let Some(path) = req.url.path().strip_prefix(BASE_PATH) else {
            return error(404, 1000404, "Not found").response();
        };
        let segments: Vec<String> = path
            .split('/')
            .filter(|s| !s.is_empty())
            .map(percent_decode)
            .collect();
        let segs: Vec<&str> = segments.iter().map(String::as_str).collect();
        let result = match (req.method.as_str(), segs.as_slice()) {
            ("GET", ["ping"]) => Ok(ok(json!({"status": "up"}))),
            ("GET", ["countries"]) => countries(&state, req),
            ("GET", ["services"]) => services(&state, req),
            ("GET", ["operators"]) => operators(&state, req),
            ("GET", ["countries", c, "services"]) => country_services(&state, c),
            ("GET", ["operators", o, "products"]) => products_by_operator(&state, o),
            ("GET", ["countries", c, "products"]) => products_by_country(&state, req, c),
            ("GET", ["services", s, "products"]) => products_by_service(&state, req, s),
            ("GET", ["product", "variable_value_recharges", p, "suggested_values"]) => {
                suggested_values(&state, p)
            }
            ("GET", ["product", "variable_value_payments", p]) => bill(&state, req, p),
            ("GET", ["products", p, "account_number", account, "status"]) => {
                verify(&state, p, account)
            }
            ("POST", ["transactions", kind]) => create_transaction(&mut state, kind, &req.body),
            ("GET", ["transactions", kind, ext]) => lookup(&state, kind, ext),
            _ => Err(error(404, 1000404, "Not found")),
        };
        result.unwrap_or_else(Fail::response)
    }
}

fn check_auth(state: &mut State, req: &Request) -> Result<(), Fail> {
    let unauthorized = |m: &str| error(401, 1000401, m);
    let header = |name: &str| req.headers.get(name).and_then(|v| v.to_str().ok());
    let (Some(key), Some(nonce), Some(mac)) = (
        header("x-transferto-apikey"),
        header("x-transferto-nonce"),
        header("x-transferto-hmac"),
    ) else {
        return Err(unauthorized("Unauthorized: missing authentication headers"));
    };
    if key != API_KEY {
        return Err(unauthorized("Unauthorized"));
    }
    if nonce.is_empty() || !nonce.bytes().all(|b| b.is_ascii_digit()) {
        return Err(unauthorized("Unauthorized: nonce must be numeric"));
    }
    let expected = partner_sdk_dtone::hmac_signature(API_KEY, API_SECRET, nonce);
    if !partner_sdk_core::signature::constant_time_eq(expected.as_bytes(), mac.as_bytes()) {
        return Err(unauthorized("Unauthorized"));
    }
    if !state.nonces.insert(nonce.to_owned()) {
        return Err(unauthorized("Unauthorized: nonce already used"));
    }
    Ok(())
}

type Answer = Result<ResponseTemplate, Fail>;

fn countries(state: &State, req: &Request) -> Answer {
    let service = filter(req, "service_id")?;
    let list: Vec<Value> = state
        .countries
        .iter()
        .filter(|(c, _)| {
            service.is_none_or(|s| state.operators.iter().any(|o| o.2 == *c && o.3 == s))
        })
        .map(|(id, name)| json!({"country_id": id, "country": name}))
        .collect();
    Ok(ok(json!({ "countries": list })))
}

fn services_where(state: &State, country: Option<i64>) -> Value {
    let list: Vec<Value> = state
        .services
        .iter()
        .filter(|(s, _)| {
            country.is_none_or(|c| state.operators.iter().any(|o| o.2 == c && o.3 == *s))
        })
        .map(|(id, name)| json!({"service_id": id, "service": name}))
        .collect();
    json!({ "services": list })
}

fn services(state: &State, req: &Request) -> Answer {
    Ok(ok(services_where(state, filter(req, "country_id")?)))
}

fn country_services(state: &State, country: &str) -> Answer {
    let country = id(country, "country_id")?;
    if !state.countries.iter().any(|(c, _)| *c == country) {
        return Err(error(404, 1000404, "Country not found"));
    }
    Ok(ok(services_where(state, Some(country))))
}

fn operators(state: &State, req: &Request) -> Answer {
    let country = filter(req, "country_id")?;
    let service = filter(req, "service_id")?;
    let list: Vec<Value> = state
        .operators
        .iter()
        .filter(|o| country.is_none_or(|c| o.2 == c) && service.is_none_or(|s| o.3 == s))
        .map(|(id, name, country_id, _)| {
            let country = state
                .countries
                .iter()
                .find(|(c, _)| c == country_id)
                .map(|(_, n)| *n)
                .unwrap_or_default();
            json!({"operator_id": id, "operator": name, "country_id": country_id, "country": country})
        })
        .collect();
    Ok(ok(json!({ "operators": list })))
}

fn products_by_operator(state: &State, operator: &str) -> Answer {
    let operator = id(operator, "operator_id")?;
    if !state.operators.iter().any(|o| o.0 == operator) {
        return Err(error(404, 1000404, "Operator not found"));
    }
    Ok(ok(
        state.grouped(|p| p.field("operator_id") == Some(operator))
    ))
}

fn products_by_country(state: &State, req: &Request, country: &str) -> Answer {
    let country = id(country, "country_id")?;
    let operator = filter(req, "operator_id")?;
    let service = filter(req, "service_id")?;
    if !state.countries.iter().any(|(c, _)| *c == country) {
        return Err(error(404, 1000404, "Country not found"));
    }
    Ok(ok(state.grouped(|p| {
        p.field("country_id") == Some(country)
            && operator.is_none_or(|o| p.field("operator_id") == Some(o))
            && service.is_none_or(|s| p.field("service_id") == Some(s))
    })))
}

fn products_by_service(state: &State, req: &Request, service: &str) -> Answer {
    let service = id(service, "service_id")?;
    let operator = filter(req, "operator_id")?;
    let country = filter(req, "country_id")?;
    if !state.services.iter().any(|(s, _)| *s == service) {
        return Err(error(404, 1000404, "Service not found"));
    }
    Ok(ok(state.grouped(|p| {
        p.field("service_id") == Some(service)
            && operator.is_none_or(|o| p.field("operator_id") == Some(o))
            && country.is_none_or(|c| p.field("country_id") == Some(c))
    })))
}

fn suggested_values(state: &State, product: &str) -> Answer {
    let product_id = id(product, "product_id")?;
    let product = state
        .product(product_id)
        .ok_or_else(|| error(404, 1000301, "Product not available"))?;
    if product.category != "variable_value_recharges" {
        return Err(error(400, 1000303, "Product type incorrect"));
    }
    Ok(ok(state.suggested_values.clone()))
}

fn bill(state: &State, req: &Request, product: &str) -> Answer {
    let product_id = id(product, "product_id")?;
    let product = state
        .product(product_id)
        .ok_or_else(|| error(404, 1000301, "Product not available"))?;
    if product.category != "variable_value_payments" {
        return Err(error(400, 1000303, "Product type incorrect"));
    }
    let account = req
        .url
        .query_pairs()
        .find(|(k, _)| k == "account_number")
        .map(|(_, v)| v.into_owned())
        .filter(|v| !v.trim().is_empty())
        .ok_or_else(|| invalid("Invalid parameter: account_number"))?;
    if !account_is_valid(&account) {
        return Err(error(400, 1000204, "Account number incorrect"));
    }
    Ok(ResponseTemplate::new(200).set_body_raw(BILL, "application/json"))
}

/// The amount a bill payment must send, read exactly.
fn amount(value: &Value) -> Option<rust_decimal::Decimal> {
    let text = match value {
        Value::String(s) => s.trim().to_owned(),
        Value::Number(n) => n.to_string(),
        _ => return None,
    };
    rust_decimal::Decimal::from_str_exact(&text).ok()
}

fn verify(state: &State, product: &str, account: &str) -> Answer {
    let product_id = id(product, "product_id")?;
    let product = state
        .product(product_id)
        .ok_or_else(|| error(404, 1000301, "Product not available"))?;
    if !product.verification {
        return Err(error(
            400,
            1000304,
            "Account verification not available for this product",
        ));
    }
    Ok(ok(json!({"verified": u8::from(account_is_valid(account))})))
}

fn text(body: &Value, name: &str) -> Option<String> {
    match &body[name] {
        Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// An amount as DT One takes it: a decimal number above zero, read
/// exactly (never through a float).
fn is_positive_amount(text: &str) -> bool {
    let text = text.trim();
    rust_decimal::Decimal::from_str_exact(text)
        .or_else(|_| rust_decimal::Decimal::from_scientific(text))
        .is_ok_and(|d| d > rust_decimal::Decimal::ZERO)
}

fn create_transaction(state: &mut State, kind: &str, body: &[u8]) -> Answer {
    if !CATEGORIES.contains(&kind) {
        return Err(invalid("Invalid parameter: transaction type"));
    }
    let body: Value =
        serde_json::from_slice(body).map_err(|_| invalid("Invalid parameter: body is not JSON"))?;
    let required = |name: &str| {
        text(&body, name).ok_or_else(|| invalid(&format!("Invalid parameter: {name}")))
    };
    let account = required("account_number")?;
    let external_id = required("external_id")?;
    let product_id = id(&required("product_id")?, "product_id")?;
    // DT One simulates a create that does not say otherwise.
    let simulation = match text(&body, "simulation").as_deref() {
        Some("0") => false,
        None | Some("1") => true,
        Some(_) => return Err(invalid("Invalid parameter: simulation")),
    };
    let product = state
        .product(product_id)
        .ok_or_else(|| error(404, 1000301, "Product not available"))?;
    if product.category != kind {
        return Err(error(
            400,
            1000302,
            "Product not compatible with transaction type",
        ));
    }
    if product.verification && !account_is_valid(&account) {
        return Err(error(400, 1000204, "Account number incorrect"));
    }
    let local_value = if kind.starts_with("variable") {
        let v = text(&body, "local_value")
            .filter(|v| is_positive_amount(v))
            .ok_or_else(|| invalid("Invalid parameter: local_value"))?;
        if kind == "variable_value_payments" {
            let due = amount(&state.bill["local_value"]);
            if due.is_none() || amount(&Value::String(v.clone())) != due {
                return Err(invalid(
                    "Invalid parameter: local_value must be the full amount to pay",
                ));
            }
        }
        Value::String(v)
    } else {
        product.body["local_value"].clone()
    };
    let key = (kind.to_owned(), external_id.clone());
    if state.transactions.contains_key(&key) {
        return Err(error(400, 1000990, "external_id already used"));
    }
    let transaction_id = state.next_transaction;
    let p = &product.body;
    let party = |name: &str| {
        let mut v = body[name].clone();
        if let Value::Object(m) = &mut v {
            for f in ["custom_field_1", "custom_field_2", "custom_field_3"] {
                m.entry(f).or_insert(Value::String(String::new()));
            }
        }
        v
    };
    let flag = |name: &str| Value::from(u8::from(text(&body, name).as_deref() == Some("1")));
    let mut tx = json!({
        "transaction_id": transaction_id.to_string(),
        "simulation": u8::from(simulation),
        "status": "0",
        "status_message": "Transaction successful",
        "date": "2026-01-01 12:00:00",
        "account_number": account,
        "external_id": external_id,
        "operator_reference": if simulation { String::new() } else { format!("OPREF{transaction_id}") },
        "product_id": product_id.to_string(),
        "product": p["product_name"],
        "product_desc": p["product_short_desc"],
        "product_currency": p["product_currency"],
        "product_value": p.get("product_value").cloned().unwrap_or(local_value.clone()),
        "local_currency": p.get("local_currency").cloned().unwrap_or(p["product_currency"].clone()),
        "local_value": local_value,
        "operator_id": p["operator_id"].to_string(),
        "operator": p["operator"],
        "country_id": p["country_id"].to_string(),
        "country": p["country"],
        "account_currency": p["account_currency"],
        "wholesale_price": p.get("wholesale_price").cloned().unwrap_or(json!(0)),
        "retail_price": p.get("retail_price").cloned().unwrap_or(json!(0)),
        "fee": p.get("fee").cloned().unwrap_or(json!(0)),
        "sender": party("sender"),
        "recipient": party("recipient"),
        "sender_sms_notification": flag("sender_sms_notification"),
        "sender_sms_text": text(&body, "sender_sms_text").unwrap_or_default(),
        "recipient_sms_notification": flag("recipient_sms_notification"),
        "recipient_sms_text": text(&body, "recipient_sms_text").unwrap_or_default(),
        "custom_field_1": "", "custom_field_2": "", "custom_field_3": ""
    });
    if kind == "variable_value_payments" {
        for field in [
            "account_currency",
            "local_currency",
            "wholesale_price",
            "retail_price",
            "fee",
        ] {
            tx[field] = state.bill[field].clone();
        }
    }
    if kind.ends_with("vouchers") {
        let (pin, value) = if simulation {
            (String::new(), String::new())
        } else {
            (
                format!("{:016}", transaction_id * 7_919),
                p["local_value"].to_string(),
            )
        };
        tx["voucher"] = json!({
            "pin": pin, "pin2": "", "currency": if simulation { "" } else { "GTQ" },
            "value": value, "expiration_date": if simulation { "" } else { "2027-01-01" },
            "info_1": "", "info_2": "", "info_3": ""
        });
    }
    state.next_transaction += 1;
    state.transactions.insert(key, tx.clone());
    Ok(ResponseTemplate::new(201).set_body_json(tx))
}

fn lookup(state: &State, kind: &str, ext: &str) -> Answer {
    let Some(external_id) = ext.strip_prefix("ext-") else {
        return Err(error(404, 1000404, "Transaction not found"));
    };
    if !CATEGORIES.contains(&kind) {
        return Err(invalid("Invalid parameter: transaction type"));
    }
    state
        .transactions
        .get(&(kind.to_owned(), external_id.to_owned()))
        .map(|tx| ok(tx.clone()))
        .ok_or_else(|| error(404, 1000404, "Transaction not found"))
}

#[cfg(test)]
mod tests {
    use super::{amount, is_positive_amount};
    use serde_json::json;

    #[test]
    fn bill_amounts_compare_as_decimals() {
        assert_eq!(amount(&json!("62973.00")), amount(&json!(62973)));
        assert_ne!(amount(&json!("62972.99")), amount(&json!(62973)));
        assert_eq!(amount(&json!(null)), None);
        assert_eq!(amount(&json!("abc")), None);
    }

    #[test]
    fn amounts_are_read_as_decimals_above_zero() {
        for ok in [
            "19",
            "0.01",
            "19.99",
            " 5 ",
            "1e2",
            "100000000000000000000.5",
        ] {
            assert!(is_positive_amount(ok), "{ok:?}");
        }
        for refused in ["0", "0.00", "-1", "abc", "", "NaN", "inf"] {
            assert!(!is_positive_amount(refused), "{refused:?}");
        }
    }
}
