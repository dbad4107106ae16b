//! `partner-sandbox listen`: the running Brighte fake delivers to this
//! process, which forwards each delivery to a local app and hands its
//! answer back (so Brighte's resend schedule follows the app's answers).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use clap::Args;
use partner_sdk_brighte::webhook::WebhookPayload;
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

struct Forwarder {
    to: url::Url,
    http: partner_sdk_core::reqwest::Client,
    /// Attempts seen per notice (application id and token): a resend
    /// repeats the first delivery's body.
    attempts: Mutex<HashMap<(String, String), usize>>,
}

async fn forward(State(f): State<Arc<Forwarder>>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let payload = WebhookPayload::parse(&body).ok();
    let (about, attempt) = match &payload {
        Some(p) => {
            let mut seen = f.attempts.lock().unwrap_or_else(|e| e.into_inner());
            let n = seen.entry((p.id.clone(), p.token.clone())).or_insert(0);
            *n += 1;
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
    match answer {
        Ok(answer) => {
            let status = answer.status();
            println!(
                "delivery attempt {attempt} of {about} → {} answered {}",
                f.to,
                status.as_u16()
            );
            StatusCode::from_u16(status.as_u16()).unwrap_or(StatusCode::BAD_GATEWAY)
        }
        Err(e) => {
            println!(
                "delivery attempt {attempt} of {about} → {} gave no answer ({}); Brighte will resend",
                f.to,
                e.without_url()
            );
            StatusCode::BAD_GATEWAY
        }
    }
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
        attempts: Mutex::new(HashMap::new()),
    });
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
        "forwarding the Brighte webhooks of 127.0.0.1:{port} to {} (received at {receive_at}; Ctrl-C to stop)",
        args.forward_to
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
