//! Fake trade-in promotion server.
//!
//! Behaves like the documented provider:
//!
//! - **Token endpoint** (`POST {token_url}`): OAuth2 client credentials as
//!   form fields `grant_type=client_credentials`, `client_id`,
//!   `client_secret`, `scope`. Accepts [`CLIENT_ID`], [`CLIENT_SECRET`] and
//!   [`SCOPE`]; answers `{"token_type":"Bearer","expires_in":1800,...}`.
//!   Tokens last 30 minutes unless configured otherwise
//!   ([`TradeinPromoSandboxBuilder::token_lifetime`]). Wrong credentials are a 401
//!   `invalid_client`, a wrong scope a 400 `invalid_scope`, another grant a
//!   400 `unsupported_grant_type` (OAuth2 error bodies).
//! - **Promotions** (`POST {base_url}/v1/promotions/potential-promotions`):
//!   a missing, unknown or expired bearer token is a 401; a body that is not
//!   a valid request is a 400; a qualification type other than `Trade-In` is
//!   a 422; an unknown device is a 404. Errors use the TMF shape
//!   `{code, reason, message, status}`.
//!
//! # Rule table
//!
//! | IMEI | or trade-in model code | model | value | promotion |
//! |---|---|---|---|---|
//! | `12345789` | `2234245` | iPhone 14 Pro | 81.0 | `wrlspr-29966`, 350.0 off, `tradeIn` |
//! | `490154203237518` | `1000001` | Galaxy S22 | 120.0 | `wrlspr-30001`, 200.0 off, `tradeIn` |
//! | `353918101234567` | `1000002` | Pixel 6 | 15.0 | none |
//!
//! Condition answers (unanswered questions count as `Yes`; unknown question
//! names are ignored):
//!
//! - `POWER_ON` or `DEACTIVATED` answered `No`: no trade-in value at all
//!   (empty `potentialQualificationItem`, i.e. not eligible);
//! - `LCD_FUNCTIONALITY` `No`: value halved; `ATT_GENERIC` `No`: value × 0.75;
//! - any `No`: promotions are withdrawn (the value alone remains);
//! - an answer other than `Yes`/`No` is a 400.
//!
//! The first row with every answer `Yes` returns the provider's own sample
//! response, byte for byte.

use std::collections::HashMap;
use std::net::TcpListener;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use partner_sdk_tradein_promo::{
    AnswerValue, ConditionName, DeviceIdentification, PromoType, Promotion, PromotionRequest,
    PromotionResponse, QualificationItem, QualificationType,
};
use rust_decimal::Decimal;
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::admin::Admin;
use crate::faults::{FaultRule, Faults, WithFaults};
use crate::server::Server;

/// Client id the sandbox accepts.
pub const CLIENT_ID: &str = "sandbox-promo-client";
/// Client secret the sandbox accepts.
pub const CLIENT_SECRET: &str = "sandbox-promo-secret";
/// OAuth2 scope the sandbox accepts.
pub const SCOPE: &str = "api://sandbox-promo/.default";
/// Default token lifetime: 30 minutes, as the provider documents.
pub const TOKEN_LIFETIME: Duration = Duration::from_secs(30 * 60);

/// Path prefix of the API (the provider's `omni-svcs`).
const BASE_PATH: &str = "/omni-svcs";
/// Path of the token endpoint.
const TOKEN_PATH: &str = "/tenant/oauth2/v2.0/token";
const PROMOTIONS_PATH: &str = "/omni-svcs/v1/promotions/potential-promotions";

const SCENARIO1_RESPONSE: &str = include_str!("../data/tradein-promo/scenario1-response.json");
const SCENARIO2_RESPONSE: &str = include_str!("../data/tradein-promo/scenario2-response.json");

/// An IMEI of the rule table that qualifies (the provider's sample, iPhone 14 Pro).
pub const IMEI_IPHONE: &str = "12345789";
/// An IMEI of the rule table that qualifies (Galaxy S22).
pub const IMEI_GALAXY: &str = "490154203237518";
/// An IMEI of the rule table with a value but no promotion (Pixel 6).
pub const IMEI_PIXEL: &str = "353918101234567";
/// Trade-in model code of the provider's sample (scenario 2).
pub const MODEL_CODE_SAMPLE: &str = "2234245";

struct Rule {
    imei: &'static str,
    model_code: &'static str,
    model: &'static str,
    value: Decimal,
    promotion: Option<(&'static str, &'static str, Decimal)>,
    sample: bool,
}

fn rules() -> [Rule; 3] {
    [
        Rule {
            imei: IMEI_IPHONE,
            model_code: MODEL_CODE_SAMPLE,
            model: "iPhone 14 Pro",
            value: Decimal::new(810, 1),
            promotion: Some((
                "wrlspr-29966",
                "OFFER APPLIED: You're getting up to $350 off with elig. trade-in on installment & elig. unlimited plan (speed restr's apply). Credits start within 3 bills. Without unlimited, device is full price.",
                Decimal::new(3500, 1),
            )),
            sample: true,
        },
        Rule {
            imei: IMEI_GALAXY,
            model_code: "1000001",
            model: "Galaxy S22",
            value: Decimal::new(1200, 1),
            promotion: Some((
                "wrlspr-30001",
                "OFFER APPLIED: You're getting up to $200 off with elig. trade-in on installment.",
                Decimal::new(2000, 1),
            )),
            sample: false,
        },
        Rule {
            imei: IMEI_PIXEL,
            model_code: "1000002",
            model: "Pixel 6",
            value: Decimal::new(150, 1),
            promotion: None,
            sample: false,
        },
    ]
}

#[derive(Default)]
struct State {
    tokens: HashMap<String, Instant>,
    token_requests: u64,
    promotion_requests: u64,
    /// Each valid trade-in look-up and its answer.
    lookups: Vec<serde_json::Value>,
}

#[derive(Clone)]
struct Shared {
    state: Arc<Mutex<State>>,
    faults: Arc<Faults>,
    token_lifetime: Duration,
    counter: Arc<AtomicU64>,
}

impl Shared {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn admin(&self) -> Admin {
        let shared = self.clone();
        Admin {
            provider: "tradein-promo",
            faults: Arc::clone(&self.faults),
            state: Arc::new(move || {
                let st = shared.lock();
                json!({
                    "token_requests": st.token_requests,
                    "promotion_requests": st.promotion_requests,
                    "tokens_valid": st.tokens.len(),
                    "lookups": st.lookups,
                })
            }),
            webhook: None,
        }
    }
}

/// Configures a [`TradeinPromoSandbox`] before it starts.
#[derive(Debug, Default)]
pub struct TradeinPromoSandboxBuilder {
    token_lifetime: Option<Duration>,
    listener: Option<TcpListener>,
}

impl TradeinPromoSandboxBuilder {
    /// Lifetime of issued tokens (default 30 minutes).
    pub fn token_lifetime(mut self, lifetime: Duration) -> Self {
        self.token_lifetime = Some(lifetime);
        self
    }

    /// Serves on this listener (for a fixed port) instead of a random port.
    pub fn listener(mut self, listener: TcpListener) -> Self {
        self.listener = Some(listener);
        self
    }

    /// Starts the server.
    pub async fn start(self) -> TradeinPromoSandbox {
        let server = match self.listener {
            Some(l) => MockServer::builder().listener(l).start().await,
            None => MockServer::start().await,
        };
        let shared = Shared {
            state: Arc::new(Mutex::new(State::default())),
            faults: Arc::new(Faults::default()),
            token_lifetime: self.token_lifetime.unwrap_or(TOKEN_LIFETIME),
            counter: Arc::new(AtomicU64::new(0)),
        };
        Mock::given(method("POST"))
            .and(path(TOKEN_PATH))
            .respond_with(WithFaults {
                inner: TokenResponder(shared.clone()),
                faults: Arc::clone(&shared.faults),
            })
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .and(path(PROMOTIONS_PATH))
            .respond_with(WithFaults {
                inner: PromotionResponder(shared.clone()),
                faults: Arc::clone(&shared.faults),
            })
            .mount(&server)
            .await;
        shared.admin().mount(&server).await;
        TradeinPromoSandbox {
            server: Server::new(server),
            shared,
        }
    }
}

/// An in-process fake of the trade-in promotion API and its token server.
pub struct TradeinPromoSandbox {
    server: Server,
    shared: Shared,
}

impl std::fmt::Debug for TradeinPromoSandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TradeinPromoSandbox")
            .field("base_url", &self.base_url())
            .field("token_url", &self.token_url())
            .finish()
    }
}

impl TradeinPromoSandbox {
    /// Starts a sandbox on a random loopback port with 30-minute tokens.
    pub async fn start() -> TradeinPromoSandbox {
        Self::builder().start().await
    }

    /// Starts a sandbox on `listener` (for fixed ports).
    pub async fn start_on(listener: TcpListener) -> TradeinPromoSandbox {
        Self::builder().listener(listener).start().await
    }

    /// A builder for other settings (token lifetime).
    pub fn builder() -> TradeinPromoSandboxBuilder {
        TradeinPromoSandboxBuilder::default()
    }

    /// API base URL (ends in `/omni-svcs`), for `Client::builder().base_url`.
    pub fn base_url(&self) -> String {
        format!("{}{BASE_PATH}", self.server.uri())
    }

    /// OAuth2 token endpoint URL.
    pub fn token_url(&self) -> String {
        format!("{}{TOKEN_PATH}", self.server.uri())
    }

    /// Client id the sandbox accepts.
    pub fn client_id(&self) -> &'static str {
        CLIENT_ID
    }

    /// Client secret the sandbox accepts.
    pub fn client_secret(&self) -> &'static str {
        CLIENT_SECRET
    }

    /// Scope the sandbox accepts.
    pub fn scope(&self) -> &'static str {
        SCOPE
    }

    /// A client builder pointed at the sandbox with its credentials, for
    /// further settings.
    pub fn client_builder(&self) -> partner_sdk_tradein_promo::ClientBuilder {
        partner_sdk_tradein_promo::Client::builder()
            .base_url(self.base_url())
            .token_url(self.token_url())
            .credentials(CLIENT_ID, CLIENT_SECRET)
            .scope(SCOPE)
            .app_name("partner-sdk-sandbox")
    }

    /// A ready client pointed at the sandbox.
    ///
    /// # Panics
    ///
    /// Never in practice: the sandbox's own URLs and credentials are valid.
    pub fn client(&self) -> partner_sdk_tradein_promo::Client {
        match self.client_builder().build() {
            Ok(c) => c,
            Err(e) => unreachable!("sandbox client configuration is valid: {e}"),
        }
    }

    /// How many token requests arrived (accepted or not).
    pub fn token_requests(&self) -> u64 {
        self.shared.lock().token_requests
    }

    /// How many promotion requests arrived (accepted or not).
    pub fn promotion_requests(&self) -> u64 {
        self.shared.lock().promotion_requests
    }

    /// The fake's state, as the admin API's `GET /__sandbox/state` answers
    /// it: `token_requests`, `promotion_requests`, `tokens_valid`,
    /// `lookups` (each valid look-up: when, by IMEI (its last four digits)
    /// or model code, the conditions answered No, the HTTP status and the
    /// outcome), `faults`.
    pub fn state(&self) -> serde_json::Value {
        self.shared.admin().state()
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

    /// Expires every issued token now (the next call gets a 401).
    pub fn expire_tokens(&self) {
        let now = Instant::now();
        for expiry in self.shared.lock().tokens.values_mut() {
            *expiry = now;
        }
    }
}

struct TokenResponder(Shared);

fn oauth_error(status: u16, error: &str, description: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(json!({
        "error": error,
        "error_description": description,
    }))
}

impl Respond for TokenResponder {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        self.0.lock().token_requests += 1;
        let form_type = request
            .headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
        if !form_type {
            return oauth_error(
                400,
                "invalid_request",
                "the request body must be application/x-www-form-urlencoded",
            );
        }
        let form: HashMap<String, String> = url::form_urlencoded::parse(&request.body)
            .into_owned()
            .collect();
        let field = |k: &str| form.get(k).map(String::as_str);
        if field("grant_type") != Some("client_credentials") {
            return oauth_error(
                400,
                "unsupported_grant_type",
                "grant_type must be client_credentials",
            );
        }
        if field("client_id") != Some(CLIENT_ID) || field("client_secret") != Some(CLIENT_SECRET) {
            return oauth_error(401, "invalid_client", "client authentication failed");
        }
        if field("scope") != Some(SCOPE) {
            return oauth_error(400, "invalid_scope", "the requested scope is not granted");
        }
        let n = self.0.counter.fetch_add(1, Ordering::Relaxed);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or_default();
        let token = format!("sbx-promo-{n}-{nanos:08x}");
        let lifetime = self.0.token_lifetime;
        let now = Instant::now();
        // An absurd configured lifetime means "never expires", not a panic.
        let expiry = now
            .checked_add(lifetime)
            .unwrap_or_else(|| now + Duration::from_secs(100 * 365 * 86_400));
        self.0.lock().tokens.insert(token.clone(), expiry);
        ResponseTemplate::new(200).set_body_json(json!({
            "token_type": "Bearer",
            "expires_in": lifetime.as_secs(),
            "ext_expires_in": lifetime.as_secs(),
            "access_token": token,
        }))
    }
}

struct PromotionResponder(Shared);

fn tmf_error(status: u16, reason: &str, message: impl Into<String>) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(json!({
        "code": format!("ERR{status}"),
        "reason": reason,
        "message": message.into(),
        "status": status.to_string(),
    }))
}

impl Respond for PromotionResponder {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        self.0.lock().promotion_requests += 1;
        let token = request
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        let Some(token) = token else {
            return tmf_error(401, "Unauthorized", "missing bearer token");
        };
        match self.0.lock().tokens.get(token) {
            None => return tmf_error(401, "Unauthorized", "invalid bearer token"),
            Some(expiry) if Instant::now() >= *expiry => {
                return tmf_error(401, "Unauthorized", "bearer token expired");
            }
            Some(_) => {}
        }
        let request: PromotionRequest = match serde_json::from_slice(&request.body) {
            Ok(r) => r,
            Err(e) => return tmf_error(400, "Bad Request", format!("invalid request: {e}")),
        };
        if let Err(e) = request.validate() {
            return tmf_error(400, "Bad Request", e.to_string());
        }
        if request.get_qualification_type() != &QualificationType::TradeIn {
            return tmf_error(
                422,
                "Unprocessable Entity",
                format!(
                    "qualificationType {} is not supported",
                    request.get_qualification_type()
                ),
            );
        }
        let (status, outcome, answer) = evaluate(&request);
        let (by, device) = match request.identification() {
            // An IMEI names one handset: shown by its last four digits.
            DeviceIdentification::Imei(imei) => {
                let imei = imei.trim();
                let tail = imei
                    .char_indices()
                    .rev()
                    .nth(3)
                    .map_or(imei, |(i, _)| &imei[i..]);
                ("imei", format!("…{tail}"))
            }
            DeviceIdentification::Device {
                trade_in_model_code,
                ..
            } => ("model code", trade_in_model_code.trim().to_owned()),
        };
        let failed: Vec<String> = request
            .get_condition_answers()
            .iter()
            .filter(|a| matches!(a.value.first(), Some(AnswerValue::No)))
            .map(|a| a.name.to_string())
            .collect();
        self.0.lock().lookups.push(json!({
            "at": time::OffsetDateTime::now_utc()
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default(),
            "by": by,
            "device": device,
            "conditions_failed": failed,
            "status": status,
            "outcome": outcome,
        }));
        answer
    }
}

/// The answer to a valid request, and what it was for the look-up record:
/// the HTTP status and the outcome in words.
fn evaluate(request: &PromotionRequest) -> (u16, String, ResponseTemplate) {
    let (by_imei, key) = match request.identification() {
        DeviceIdentification::Imei(imei) => (true, imei.trim()),
        DeviceIdentification::Device {
            trade_in_model_code,
            ..
        } => (false, trade_in_model_code.trim()),
    };
    let table = rules();
    let Some(rule) = table.iter().find(|r| {
        if by_imei {
            r.imei == key
        } else {
            r.model_code == key
        }
    }) else {
        let field = if by_imei { "imei" } else { "tradeInModelCode" };
        return (
            404,
            "unknown device".into(),
            tmf_error(
                404,
                "Not Found",
                format!("{field} {key} is not a known trade-in device"),
            ),
        );
    };

    let mut failed = Vec::new();
    for answer in request.get_condition_answers() {
        match answer.value.first() {
            Some(AnswerValue::Yes) => {}
            Some(AnswerValue::No) => failed.push(answer.name.clone()),
            _ => {
                return (
                    400,
                    "invalid answer".into(),
                    tmf_error(
                        400,
                        "Bad Request",
                        format!("answer to {} must be Yes or No", answer.name),
                    ),
                );
            }
        }
    }
    if failed.is_empty() && rule.sample {
        let body = if by_imei {
            SCENARIO1_RESPONSE
        } else {
            SCENARIO2_RESPONSE
        };
        return (
            200,
            "the documentation's sample answer".into(),
            ResponseTemplate::new(200).set_body_raw(body.as_bytes().to_vec(), "application/json"),
        );
    }
    let has = |n: ConditionName| failed.contains(&n);
    if has(ConditionName::PowerOn) || has(ConditionName::Deactivated) {
        return (
            200,
            "not eligible".into(),
            json_response(&PromotionResponse::not_eligible(QualificationType::TradeIn)),
        );
    }
    let mut value = rule.value;
    if has(ConditionName::LcdFunctionality) {
        value *= Decimal::new(5, 1);
    }
    if has(ConditionName::AttGeneric) {
        value *= Decimal::new(75, 2);
    }
    let value = value.round_dp(2);
    let mut item = QualificationItem::new(value, rule.model);
    if let (true, Some((id, name, discount))) = (failed.is_empty(), rule.promotion) {
        item = item.with_promotion(
            Promotion::new(id, name)
                .with_discount(discount)
                .with_promo_type(PromoType::TradeIn),
        );
    }
    (
        200,
        format!("{} qualifies at {value}", rule.model),
        json_response(&PromotionResponse::new(QualificationType::TradeIn, [item])),
    )
}

fn json_response(body: &PromotionResponse) -> ResponseTemplate {
    match serde_json::to_vec(body) {
        Ok(bytes) => ResponseTemplate::new(200).set_body_raw(bytes, "application/json"),
        Err(e) => tmf_error(500, "Internal Server Error", e.to_string()),
    }
}
