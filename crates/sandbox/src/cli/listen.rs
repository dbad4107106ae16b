//! `partner-sandbox listen`: the running Brighte fake delivers to this
//! process, which forwards each delivery to a local app and hands its
//! answer back (so Brighte's resend schedule follows the app's answers).
//!
//! It forwards POST only (any other method is answered 405), prints URLs
//! without their user info, and keeps the attempt counts of the last
//! [`KEPT_NOTICES`] notices only (the oldest dropped, and counted).

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use clap::Args;
use partner_sdk_brighte::webhook::WebhookPayload;
use partner_sdk_core::secret::without_userinfo;
use partner_sdk_sandbox::admin::AdminClient;

use super::{Base, Provider, http_url};

#[derive(Debug, Args)]
pub(crate) struct Listen {
    /// The local app's webhook URL, e.g. http://127.0.0.1:3000/webhooks/brighte.
    #[arg(long, value_name = "URL", value_parser = http_url)]
    forward_to: url::Url,
    #[command(flatten)]
    base: Base,
    /// The loopback port this process receives deliveries on (any free one
    /// by default).
    #[arg(long, value_name = "PORT", default_value_t = 0)]
    listen_port: u16,
}

/// How many notices' attempt counts `listen` keeps.
const KEPT_NOTICES: usize = 1024;

/// Attempts seen per notice, for the last `capacity` notices: the oldest
/// notice is dropped (and counted) when a new one would exceed it.
struct Attempts {
    capacity: usize,
    counts: HashMap<(String, String), usize>,
    order: VecDeque<(String, String)>,
    dropped: u64,
}

impl Attempts {
    fn new(capacity: usize) -> Attempts {
        Attempts {
            capacity: capacity.max(1),
            counts: HashMap::new(),
            order: VecDeque::new(),
            dropped: 0,
        }
    }

    /// Counts one more attempt of the notice `key` and returns its number.
    fn record(&mut self, key: (String, String)) -> usize {
        if let Some(n) = self.counts.get_mut(&key) {
            *n += 1;
            return *n;
        }
        while self.order.len() >= self.capacity {
            if let Some(oldest) = self.order.pop_front() {
                self.counts.remove(&oldest);
                self.dropped += 1;
            }
        }
        self.order.push_back(key.clone());
        self.counts.insert(key, 1);
        1
    }
}

struct Forwarder {
    /// Where deliveries go (may hold user info: printed without it).
    to: url::Url,
    http: partner_sdk_core::reqwest::Client,
    /// Attempts seen per notice (application id and token): a resend
    /// repeats the first delivery's body.
    attempts: Mutex<Attempts>,
}

impl Forwarder {
    /// The target as printed: without its user info.
    fn shown(&self) -> String {
        without_userinfo(self.to.as_str()).into_owned()
    }
}

async fn forward(
    State(f): State<Arc<Forwarder>>,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if method != Method::POST {
        println!("refused a {method} request: only POST deliveries are forwarded");
        return (
            StatusCode::METHOD_NOT_ALLOWED,
            [(header::ALLOW, "POST")],
            "only POST deliveries are forwarded\n",
        )
            .into_response();
    }
    let payload = WebhookPayload::parse(&body).ok();
    let (about, attempt) = match &payload {
        Some(p) => {
            let mut seen = f.attempts.lock().unwrap_or_else(|e| e.into_inner());
            let before = seen.dropped;
            let n = seen.record((p.id.clone(), p.token.clone()));
            if seen.dropped > before {
                println!(
                    "forgot the attempt counts of the oldest notices ({} so far; {KEPT_NOTICES} kept)",
                    seen.dropped
                );
            }
            (format!("application {} {}", p.id, p.status), n.to_string())
        }
        None => ("an unreadable notice".to_owned(), "?".to_owned()),
    };
    let content_type = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("application/json")
        .to_owned();
    let answer = f
        .http
        .post(f.to.as_str())
        .header("content-type", content_type)
        .body(body)
        .send()
        .await;
    let status = match answer {
        Ok(answer) => {
            let status = answer.status();
            println!(
                "delivery attempt {attempt} of {about} → {} answered {}",
                f.shown(),
                status.as_u16()
            );
            StatusCode::from_u16(status.as_u16()).unwrap_or(StatusCode::BAD_GATEWAY)
        }
        Err(e) => {
            println!(
                "delivery attempt {attempt} of {about} → {} gave no answer ({}); Brighte will resend",
                f.shown(),
                e.without_url()
            );
            StatusCode::BAD_GATEWAY
        }
    };
    status.into_response()
}

pub(super) async fn run(args: Listen) -> Result<(), String> {
    let port = Provider::Brighte.port(args.base.base);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", args.listen_port))
        .await
        .map_err(|e| format!("cannot listen on 127.0.0.1:{}: {e}", args.listen_port))?;
    let own = listener
        .local_addr()
        .map_err(|e| format!("cannot read the listening address: {e}"))?;
    let http = partner_sdk_core::exchange::http_client_builder()
        .map_err(|e| format!("cannot build an HTTP client: {e}"))?
        .timeout(Duration::from_secs(30))
        .build()
        .map_err(|e| format!("cannot build an HTTP client: {e}"))?;
    let forwarder = Arc::new(Forwarder {
        to: args.forward_to.clone(),
        http,
        attempts: Mutex::new(Attempts::new(KEPT_NOTICES)),
    });
    let shown = forwarder.shown();
    let app = Router::new().fallback(forward).with_state(forwarder);
    let admin = AdminClient::local(port);
    let receive_at = format!("http://{own}/");
    admin
        .set_webhook_url(Some(&receive_at))
        .await
        .map_err(|e| {
            format!(
                "{e} (is `partner-sandbox serve --port {}` running?)",
                args.base.base
            )
        })?;
    println!(
        "forwarding the Brighte webhooks of 127.0.0.1:{port} to {shown} (received at {receive_at}; POST only; Ctrl-C to stop)"
    );
    let served = axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await;
    let unregistered = admin.set_webhook_url(None).await;
    served.map_err(|e| format!("the listener stopped: {e}"))?;
    unregistered.map_err(|e| format!("could not unregister the listener: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(i: usize) -> (String, String) {
        (i.to_string(), format!("token-{i}"))
    }

    #[test]
    fn the_attempt_counts_stay_bounded_and_count_what_was_dropped() {
        let mut attempts = Attempts::new(3);
        for i in 0..10 {
            assert_eq!(attempts.record(key(i)), 1);
            assert!(attempts.counts.len() <= 3 && attempts.order.len() <= 3);
        }
        assert_eq!(attempts.dropped, 7);
        // A resend of a kept notice counts on; a dropped one starts again.
        assert_eq!(attempts.record(key(9)), 2);
        assert_eq!(attempts.record(key(0)), 1);
        assert_eq!(attempts.dropped, 8);
        assert_eq!(attempts.counts.len(), 3);
    }
}
