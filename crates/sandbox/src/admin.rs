//! The admin API every fake serves beside the provider's API, under
//! [`ADMIN_PREFIX`], and [`AdminClient`], its client.
//!
//! | method and path | body | answer |
//! |---|---|---|
//! | `GET /__sandbox/state` | | 200, the fake's state as JSON: `provider`, its records (`transactions`, `applications`, `webhook_deliveries`, ...) and `faults` (the queued [`FaultRule`]s) |
//! | `GET /__sandbox/faults` | | 200, the queued rules |
//! | `POST /__sandbox/faults` | a [`FaultRule`] as JSON | 201; the next matching request gets the fault |
//! | `DELETE /__sandbox/faults` | | 204; every queued rule dropped |
//! | `PUT /__sandbox/webhook` (Brighte) | `{"url": "http://..."}` or `{"url": null}` | 204; where webhooks are delivered from now on |
//!
//! `partner-sandbox inspect`, `listen` and `fault` use these routes on a
//! running `partner-sandbox serve`; a test holding a sandbox in process
//! calls the same abilities as methods (`state()`, `inject_fault`, ...).
//!
//! No web page the developer visits can drive these routes:
//!
//! - they answer only a loopback `Host` (`localhost`, `127.0.0.0/8` or
//!   `[::1]`, any port), and any other with 421, so a page whose DNS name
//!   is rebound to 127.0.0.1 is refused;
//! - a request carrying an `Origin` that is not a loopback origin (`null`
//!   included) is answered 403;
//! - writes (`POST`, `PUT`, and a `DELETE` with a body) take
//!   `Content-Type: application/json` only, and a form or `text/plain` body
//!   (which a page can send cross-site without a preflight) is answered 415.
//!
//! The fake provider APIs take any `Host` (a client may name loopback as it
//! likes) and refuse a foreign `Origin` the same way, except Brighte's
//! checkout page, which a customer's browser posts to from the merchant's
//! site. Every refusal is a JSON object with a `message`.
//!
//! The Brighte fake delivers webhooks to loopback URLs only, unless started
//! with `--allow-remote-webhooks` (in process:
//! [`BrighteSandboxBuilder::allow_remote_webhooks`](crate::brighte::BrighteSandboxBuilder::allow_remote_webhooks));
//! `PUT /__sandbox/webhook` with another URL is answered 403.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use wiremock::matchers::path_regex;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::faults::{FaultRule, Faults};
use crate::guard;

pub use crate::guard::{ADMIN_PREFIX, WebhookUrlError};

type StateFn = Arc<dyn Fn() -> Value + Send + Sync>;
type WebhookFn = Arc<dyn Fn(Option<String>) -> Result<(), WebhookUrlError> + Send + Sync>;

/// How long an [`AdminClient`] call waits for the whole answer by default;
/// [`AdminClient::timeout`] changes it.
pub const DEFAULT_ADMIN_TIMEOUT: Duration = Duration::from_secs(10);

/// What a fake hands the admin API.
pub(crate) struct Admin {
    pub(crate) provider: &'static str,
    pub(crate) faults: Arc<Faults>,
    pub(crate) state: StateFn,
    pub(crate) webhook: Option<WebhookFn>,
}

impl Admin {
    /// Mounts the admin routes on `server`, ahead of the fake's own, and
    /// the refusal of a foreign `Origin` on the fake's own routes.
    pub(crate) async fn mount(self, server: &MockServer) {
        Mock::given(path_regex(format!("^{ADMIN_PREFIX}(/|$)")))
            .respond_with(self)
            .with_priority(1)
            .mount(server)
            .await;
        Mock::given(guard::ForeignOrigin)
            .respond_with(guard::RefuseForeignOrigin)
            .with_priority(1)
            .mount(server)
            .await;
    }

    /// The state document of `GET /__sandbox/state`.
    pub(crate) fn state(&self) -> Value {
        let mut state = (self.state)();
        if let Some(o) = state.as_object_mut() {
            o.insert("provider".into(), json!(self.provider));
            o.insert("faults".into(), json!(self.faults.pending()));
        }
        state
    }
}

fn answer(status: u16, body: Value) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(body)
}

fn refused(status: u16, message: &str) -> ResponseTemplate {
    answer(status, json!({ "message": message }))
}

impl Respond for Admin {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        if let Some(refusal) = guard::admin_refusal(request) {
            return refusal;
        }
        let path = request.url.path().trim_end_matches('/');
        let route = path.strip_prefix(ADMIN_PREFIX).unwrap_or(path);
        match (request.method.as_str(), route) {
            ("GET", "/state") => answer(200, self.state()),
            ("GET", "/faults") => answer(200, json!(self.faults.pending())),
            ("POST", "/faults") => match serde_json::from_slice::<FaultRule>(&request.body) {
                Ok(rule) => {
                    self.faults.push(rule.clone());
                    answer(201, json!(rule))
                }
                Err(e) => refused(400, &format!("not a fault rule: {e}")),
            },
            ("DELETE", "/faults") => {
                self.faults.clear();
                ResponseTemplate::new(204)
            }
            ("PUT", "/webhook") => {
                let Some(set) = &self.webhook else {
                    return refused(404, "this fake delivers no webhooks");
                };
                let url = serde_json::from_slice::<Value>(&request.body)
                    .ok()
                    .and_then(|v| v.get("url").cloned());
                match url {
                    Some(Value::String(u)) => match set(Some(u)) {
                        Ok(()) => ResponseTemplate::new(204),
                        Err(e @ WebhookUrlError::Remote(_)) => refused(403, &e.to_string()),
                        Err(e) => refused(400, &e.to_string()),
                    },
                    Some(Value::Null) => match set(None) {
                        Ok(()) => ResponseTemplate::new(204),
                        Err(e) => refused(400, &e.to_string()),
                    },
                    _ => refused(400, "expected {\"url\": \"http://...\"} or {\"url\": null}"),
                }
            }
            _ => refused(404, "no such admin route"),
        }
    }
}

/// An error of [`AdminClient`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AdminError {
    /// The URL given is not a base URL.
    #[error("not a sandbox URL: {0}")]
    Url(String),
    /// The fake could not be reached.
    #[error("cannot reach the sandbox at {url}: {reason}")]
    Unreachable {
        /// The admin route's URL, without its user info.
        url: String,
        /// Why.
        reason: String,
    },
    /// The fake gave no whole answer within the client's timeout.
    #[error("the sandbox at {url} gave no answer within {after:?}")]
    TimedOut {
        /// The admin route's URL, without its user info.
        url: String,
        /// The timeout.
        after: Duration,
    },
    /// The fake refused the request.
    #[error("the sandbox answered {status}: {body}")]
    Refused {
        /// The HTTP status.
        status: u16,
        /// Its body.
        body: String,
    },
    /// The answer was not the expected JSON.
    #[error("unreadable answer from the sandbox: {0}")]
    Decode(String),
}

/// A client of one fake's admin API, for a sandbox running in another
/// process (`partner-sandbox serve`).
///
/// Every call ends within its timeout ([`DEFAULT_ADMIN_TIMEOUT`] unless
/// [`AdminClient::timeout`] says otherwise), with
/// [`AdminError::TimedOut`] when the fake has not answered by then.
#[derive(Debug, Clone)]
pub struct AdminClient {
    base: url::Url,
    timeout: Duration,
    /// The client, or why none could be built (reported by every call).
    http: Result<partner_sdk_core::reqwest::Client, String>,
}

impl AdminClient {
    /// A client of the fake at `base_url` (scheme, host and port, e.g.
    /// `http://127.0.0.1:18082`; a path is ignored).
    pub fn new(base_url: &str) -> Result<AdminClient, AdminError> {
        let base = url::Url::parse(base_url).map_err(|e| AdminError::Url(e.to_string()))?;
        if base.cannot_be_a_base() || !matches!(base.scheme(), "http" | "https") {
            return Err(AdminError::Url(format!("{base_url} is not an http URL")));
        }
        Ok(AdminClient {
            base,
            timeout: DEFAULT_ADMIN_TIMEOUT,
            http: crate::server::http_client(Some(DEFAULT_ADMIN_TIMEOUT)),
        })
    }

    /// The fake on `127.0.0.1:port`.
    pub fn local(port: u16) -> AdminClient {
        let base = url::Url::parse(&format!("http://127.0.0.1:{port}"));
        match base {
            Ok(base) => AdminClient {
                base,
                timeout: DEFAULT_ADMIN_TIMEOUT,
                http: crate::server::http_client(Some(DEFAULT_ADMIN_TIMEOUT)),
            },
            Err(e) => unreachable!("a loopback URL with a port parses: {e}"),
        }
    }

    /// The same client, each call ending within `timeout` (connecting,
    /// sending and reading the whole answer); a zero timeout counts as the
    /// default.
    pub fn timeout(mut self, timeout: Duration) -> AdminClient {
        self.timeout = if timeout.is_zero() {
            DEFAULT_ADMIN_TIMEOUT
        } else {
            timeout
        };
        self.http = crate::server::http_client(Some(self.timeout));
        self
    }

    fn url(&self, route: &str) -> String {
        let mut url = self.base.clone();
        url.set_path(&format!("{ADMIN_PREFIX}{route}"));
        url.set_query(None);
        url.to_string()
    }

    async fn call(
        &self,
        method: partner_sdk_core::reqwest::Method,
        route: &str,
        body: Option<Value>,
    ) -> Result<Option<Value>, AdminError> {
        let url = self.url(route);
        // What errors show: the URL without its user info.
        let shown = partner_sdk_core::secret::without_userinfo(&url).into_owned();
        let http = self
            .http
            .as_ref()
            .map_err(|reason| AdminError::Unreachable {
                url: shown.clone(),
                reason: reason.clone(),
            })?;
        let mut request = http.request(method, &url);
        if let Some(body) = body {
            request = request
                .header("content-type", "application/json")
                .body(body.to_string());
        }
        let unreachable = |e: partner_sdk_core::reqwest::Error| {
            if e.is_timeout() {
                AdminError::TimedOut {
                    url: shown.clone(),
                    after: self.timeout,
                }
            } else {
                AdminError::Unreachable {
                    url: shown.clone(),
                    reason: e.without_url().to_string(),
                }
            }
        };
        let response = request.send().await.map_err(unreachable)?;
        let status = response.status().as_u16();
        let text = response.text().await.map_err(unreachable)?;
        if !(200..300).contains(&status) {
            return Err(AdminError::Refused { status, body: text });
        }
        if text.is_empty() {
            return Ok(None);
        }
        serde_json::from_str(&text)
            .map(Some)
            .map_err(|e| AdminError::Decode(e.to_string()))
    }

    /// The fake's state (`GET /__sandbox/state`).
    pub async fn state(&self) -> Result<Value, AdminError> {
        self.call(partner_sdk_core::reqwest::Method::GET, "/state", None)
            .await?
            .ok_or_else(|| AdminError::Decode("empty answer".into()))
    }

    /// Queues a fault (`POST /__sandbox/faults`).
    pub async fn inject_fault(&self, rule: &FaultRule) -> Result<(), AdminError> {
        let body = serde_json::to_value(rule).map_err(|e| AdminError::Decode(e.to_string()))?;
        self.call(
            partner_sdk_core::reqwest::Method::POST,
            "/faults",
            Some(body),
        )
        .await
        .map(drop)
    }

    /// Drops every queued fault (`DELETE /__sandbox/faults`).
    pub async fn clear_faults(&self) -> Result<(), AdminError> {
        self.call(partner_sdk_core::reqwest::Method::DELETE, "/faults", None)
            .await
            .map(drop)
    }

    /// Where the Brighte fake delivers webhooks from now on
    /// (`PUT /__sandbox/webhook`); `None` stops deliveries. A URL that is
    /// not loopback is refused ([`AdminError::Refused`], 403) unless the
    /// fake was started to allow remote webhooks.
    pub async fn set_webhook_url(&self, url: Option<&str>) -> Result<(), AdminError> {
        self.call(
            partner_sdk_core::reqwest::Method::PUT,
            "/webhook",
            Some(json!({ "url": url })),
        )
        .await
        .map(drop)
    }
}
