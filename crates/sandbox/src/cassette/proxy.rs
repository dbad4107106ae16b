//! The loopback server of recording and replay.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::Router;
use axum::body::Body as AxumBody;
use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::Response;
use serde_json::{Value, json};
use tokio::sync::{Mutex, oneshot};

use super::CassetteError;
use super::format::{Body, Cassette, Interaction, Provider, RecordedRequest};
use super::redact::Redactor;

/// The status of the answer to a request that matches no recorded one.
pub const MISMATCH_STATUS: u16 = 599;

/// The largest body the proxy reads.
const BODY_LIMIT: usize = 64 * 1024 * 1024;

/// Headers the proxy never passes on (they describe one connection).
const HOP_BY_HOP: &[&str] = &[
    "host",
    "content-length",
    "connection",
    "transfer-encoding",
    "keep-alive",
    "te",
    "upgrade",
    "proxy-connection",
];

/// A request that matched no recorded request, as redacted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    /// The request: method, path and query.
    pub request: String,
    /// The closest recorded request, if the cassette holds any.
    pub closest: Option<String>,
    /// How the request differs from the closest one.
    pub differences: Vec<String>,
}

impl std::fmt::Display for Mismatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} matches no recorded request", self.request)?;
        match &self.closest {
            Some(closest) => write!(f, "; closest: {closest} ({})", self.differences.join("; ")),
            None => write!(f, "; the cassette is empty"),
        }
    }
}

/// The first place where `got` differs from `recorded`, as a JSON pointer.
fn first_difference(got: &Value, recorded: &Value, pointer: &str) -> Option<String> {
    match (got, recorded) {
        (Value::Object(a), Value::Object(b)) => {
            for (key, value) in a {
                let here = format!("{pointer}/{key}");
                match b.get(key) {
                    Some(other) => {
                        if let Some(found) = first_difference(value, other, &here) {
                            return Some(found);
                        }
                    }
                    None => return Some(format!("{here} is not in the recorded body")),
                }
            }
            b.keys()
                .find(|key| !a.contains_key(*key))
                .map(|key| format!("{pointer}/{key} is missing"))
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => a
            .iter()
            .zip(b)
            .enumerate()
            .find_map(|(i, (x, y))| first_difference(x, y, &format!("{pointer}/{i}"))),
        _ if got == recorded => None,
        _ => Some(format!(
            "{} is {got}, recorded {recorded}",
            if pointer.is_empty() { "/" } else { pointer }
        )),
    }
}

fn differences(got: &RecordedRequest, recorded: &RecordedRequest) -> Vec<String> {
    let mut out = Vec::new();
    if got.method != recorded.method {
        out.push(format!(
            "method {}, recorded {}",
            got.method, recorded.method
        ));
    }
    if got.path != recorded.path {
        out.push(format!("path {}, recorded {}", got.path, recorded.path));
    }
    if got.query != recorded.query {
        out.push(format!(
            "query {:?}, recorded {:?}",
            got.query.as_deref().unwrap_or(""),
            recorded.query.as_deref().unwrap_or("")
        ));
    }
    if got.body != recorded.body {
        let detail = match (&got.body, &recorded.body) {
            (Body::Json(a), Body::Json(b)) => first_difference(a, b, ""),
            _ => None,
        };
        out.push(format!(
            "body {}",
            detail.unwrap_or_else(|| "differs".to_owned())
        ));
    }
    out
}

fn same(got: &RecordedRequest, recorded: &RecordedRequest) -> bool {
    got.method == recorded.method
        && got.path == recorded.path
        && got.query == recorded.query
        && got.body == recorded.body
}

struct Upstream {
    origin: String,
    client: partner_sdk_core::reqwest::Client,
}

struct Tape {
    redactor: Redactor,
    cassette: Cassette,
    used: Vec<bool>,
    mismatches: Vec<Mismatch>,
}

struct Engine {
    upstream: Option<Upstream>,
    autosave: Option<PathBuf>,
    tape: Mutex<Tape>,
}

fn text_headers(headers: &axum::http::HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .filter_map(|(name, value)| {
            Some((name.as_str().to_owned(), value.to_str().ok()?.to_owned()))
        })
        .collect()
}

fn json_answer(status: u16, body: &Value) -> Response {
    let mut response = Response::new(AxumBody::from(body.to_string()));
    *response.status_mut() =
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    response.headers_mut().insert(
        axum::http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

fn answer(status: u16, headers: &[(String, String)], body: Vec<u8>) -> Response {
    let mut response = Response::new(AxumBody::from(body));
    *response.status_mut() =
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    for (name, value) in headers {
        if HOP_BY_HOP.contains(&name.as_str()) {
            continue;
        }
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            response.headers_mut().append(name, value);
        }
    }
    response
}

impl Engine {
    async fn handle(&self, request: Request) -> Response {
        let (parts, body) = request.into_parts();
        let bytes = match axum::body::to_bytes(body, BODY_LIMIT).await {
            Ok(bytes) => bytes,
            Err(e) => {
                return json_answer(400, &json!({"error": format!("cannot read the body: {e}")}));
            }
        };
        let headers = text_headers(&parts.headers);
        let path = parts.uri.path().to_owned();
        let query = parts.uri.query().map(str::to_owned);
        let mut tape = self.tape.lock().await;
        let tape = &mut *tape;
        let redacted = tape.redactor.request(
            parts.method.as_str(),
            &path,
            query.as_deref(),
            &headers,
            &bytes,
        );
        let recorded = tape
            .cassette
            .interactions
            .iter()
            .enumerate()
            .find(|(i, interaction)| {
                !tape.used.get(*i).copied().unwrap_or(true) && same(&redacted, &interaction.request)
            })
            .map(|(i, interaction)| (i, interaction.response.clone()));
        if let Some((index, response)) = recorded {
            if let Some(used) = tape.used.get_mut(index) {
                *used = true;
            }
            tape.redactor.reserve(&response);
            let headers: Vec<(String, String)> = response
                .headers
                .iter()
                .map(|(name, value)| (name.clone(), tape.redactor.restore_text(value)))
                .collect();
            return answer(
                response.status,
                &headers,
                tape.redactor.restore(&response.body),
            );
        }
        let Some(upstream) = &self.upstream else {
            let mismatch = self.mismatch(tape, &redacted);
            let body = json!({
                "error": "no recorded request matches",
                "request": mismatch.request,
                "closest": mismatch.closest,
                "differences": mismatch.differences,
            });
            tape.mismatches.push(mismatch);
            return json_answer(MISMATCH_STATUS, &body);
        };
        let url = match &query {
            Some(query) => format!("{}{path}?{query}", upstream.origin),
            None => format!("{}{path}", upstream.origin),
        };
        let mut forward = upstream.client.request(parts.method.clone(), url);
        for (name, value) in parts.headers.iter() {
            if !HOP_BY_HOP.contains(&name.as_str()) {
                forward = forward.header(name, value);
            }
        }
        let result = forward.body(bytes.to_vec()).send().await;
        let response = match result {
            Ok(response) => response,
            Err(e) => {
                return json_answer(502, &json!({"error": format!("upstream: {e}")}));
            }
        };
        let status = response.status().as_u16();
        let answer_headers = text_headers(response.headers());
        let answer_bytes = match response.bytes().await {
            Ok(bytes) => bytes,
            Err(e) => {
                return json_answer(502, &json!({"error": format!("upstream body: {e}")}));
            }
        };
        let recorded_response = tape
            .redactor
            .response(status, &answer_headers, &answer_bytes);
        tape.cassette.interactions.push(Interaction {
            request: redacted,
            response: recorded_response,
        });
        tape.used.push(true);
        if let Some(path) = &self.autosave
            && let Err(e) = tape.cassette.save(path)
        {
            return json_answer(500, &json!({"error": e.to_string()}));
        }
        answer(status, &answer_headers, answer_bytes.to_vec())
    }

    fn mismatch(&self, tape: &Tape, request: &RecordedRequest) -> Mismatch {
        let score = |recorded: &RecordedRequest| {
            u32::from(recorded.path == request.path) * 8
                + u32::from(recorded.method == request.method) * 4
                + u32::from(recorded.query == request.query) * 2
                + u32::from(recorded.body == request.body)
        };
        let mut best: Option<(u32, usize)> = None;
        for (i, interaction) in tape.cassette.interactions.iter().enumerate() {
            let unused = !tape.used.get(i).copied().unwrap_or(true);
            let s = score(&interaction.request) * 2 + u32::from(unused);
            if best.is_none_or(|(b, _)| s > b) {
                best = Some((s, i));
            }
        }
        let closest = best.and_then(|(_, i)| tape.cassette.interactions.get(i).map(|x| (i, x)));
        match closest {
            Some((i, interaction)) => {
                let mut differences = differences(request, &interaction.request);
                if differences.is_empty() {
                    let times = tape
                        .cassette
                        .interactions
                        .iter()
                        .filter(|x| same(request, &x.request))
                        .count();
                    differences.push(format!(
                        "the same request, recorded {times} time(s) and already replayed as often"
                    ));
                }
                Mismatch {
                    request: request.to_string(),
                    closest: Some(format!("#{} {}", i + 1, interaction.request)),
                    differences,
                }
            }
            None => Mismatch {
                request: request.to_string(),
                closest: None,
                differences: Vec::new(),
            },
        }
    }
}

/// A running loopback server.
struct Running {
    engine: Arc<Engine>,
    address: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Running {
    async fn start(
        engine: Engine,
        listener: Option<std::net::TcpListener>,
    ) -> Result<Running, CassetteError> {
        let listener = match listener {
            Some(listener) => {
                listener
                    .set_nonblocking(true)
                    .map_err(|e| CassetteError::Serve(e.to_string()))?;
                tokio::net::TcpListener::from_std(listener)
            }
            None => tokio::net::TcpListener::bind(("127.0.0.1", 0)).await,
        }
        .map_err(|e| CassetteError::Serve(e.to_string()))?;
        let address = listener
            .local_addr()
            .map_err(|e| CassetteError::Serve(e.to_string()))?;
        let engine = Arc::new(engine);
        let app = Router::new()
            .fallback(
                |State(engine): State<Arc<Engine>>, request: Request| async move {
                    engine.handle(request).await
                },
            )
            .with_state(Arc::clone(&engine));
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    let _ = stopped.await;
                })
                .await;
        });
        Ok(Running {
            engine,
            address,
            stop: Some(stop),
            task: Some(task),
        })
    }

    fn origin(&self) -> String {
        format!("http://{}", self.address)
    }

    /// Stops serving and gives back the tape.
    async fn stop(mut self) -> Tape {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
        let mut tape = self.engine.tape.lock().await;
        let provider = tape.cassette.provider;
        Tape {
            redactor: Redactor::new(provider),
            cassette: std::mem::replace(&mut tape.cassette, Cassette::new(provider)),
            used: std::mem::take(&mut tape.used),
            mismatches: std::mem::take(&mut tape.mismatches),
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

fn upstream_origin(upstream: &str) -> Result<(String, String), CassetteError> {
    let url =
        url::Url::parse(upstream).map_err(|_| CassetteError::Upstream(upstream.to_owned()))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(CassetteError::Upstream(upstream.to_owned()));
    }
    let origin = url.origin().ascii_serialization();
    let base_path = url.path().trim_end_matches('/').to_owned();
    Ok((origin, base_path))
}

/// A loopback proxy that forwards to an upstream and records every
/// exchange, redacted, for one provider.
///
/// ```no_run
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// use partner_sdk_sandbox::cassette::{Provider, Recorder};
///
/// let recorder = Recorder::start(Provider::Dtone, "https://dtone-preprod.example/v1.1").await?;
/// let client = partner_sdk_dtone::Client::builder()
///     .base_url(recorder.base_url())
///     .credentials("key", "secret")
///     .build()?;
/// let _ = client.list_products_by_operator(1959).await?;
/// recorder.finish("tests/cassettes/dtone.json").await?;
/// # Ok(()) }
/// ```
pub struct Recorder {
    running: Running,
    base_path: String,
}

impl std::fmt::Debug for Recorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Recorder")
            .field("base_url", &self.base_url())
            .finish_non_exhaustive()
    }
}

/// Settings of a [`Recorder`] before it starts.
pub struct RecorderBuilder {
    provider: Provider,
    upstream: String,
    fields: Vec<String>,
    existing: Option<PathBuf>,
    autosave: Option<PathBuf>,
    listener: Option<std::net::TcpListener>,
}

/// The upstream URL may carry credentials: it is not printed.
impl std::fmt::Debug for RecorderBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RecorderBuilder")
            .field("provider", &self.provider)
            .field("fields", &self.fields)
            .field("existing", &self.existing)
            .finish_non_exhaustive()
    }
}

impl RecorderBuilder {
    /// Also redacts fields called `name` as personal data.
    pub fn redact_field(mut self, name: impl Into<String>) -> Self {
        self.fields.push(name.into());
        self
    }

    /// Answers the requests the cassette at `path` holds from it and
    /// records only the others (mode record-missing). A missing file is
    /// an empty cassette.
    pub fn existing(mut self, path: impl Into<PathBuf>) -> Self {
        self.existing = Some(path.into());
        self
    }

    /// Writes the cassette to `path` after every recorded exchange, so
    /// that a process stopped at any time leaves a whole file.
    pub fn save_each_to(mut self, path: impl Into<PathBuf>) -> Self {
        self.autosave = Some(path.into());
        self
    }

    /// Listens on `listener` instead of an ephemeral loopback port.
    pub fn listener(mut self, listener: std::net::TcpListener) -> Self {
        self.listener = Some(listener);
        self
    }

    /// Starts the proxy.
    pub async fn start(self) -> Result<Recorder, CassetteError> {
        let (origin, base_path) = upstream_origin(&self.upstream)?;
        let mut redactor = Redactor::new(self.provider);
        let mut cassette = match &self.existing {
            Some(path) if path.exists() => Cassette::load_for(self.provider, path)?,
            _ => Cassette::new(self.provider),
        };
        cassette.base_path = base_path.clone();
        for field in self.fields {
            if !cassette.redact_fields.contains(&field) {
                cassette.redact_fields.push(field);
            }
        }
        for field in &cassette.redact_fields {
            redactor = redactor.with_field(field);
        }
        let used = vec![false; cassette.interactions.len()];
        let client = crate::server::http_client(None).map_err(CassetteError::Serve)?;
        let engine = Engine {
            upstream: Some(Upstream { origin, client }),
            autosave: self.autosave,
            tape: Mutex::new(Tape {
                redactor,
                cassette,
                used,
                mismatches: Vec::new(),
            }),
        };
        Ok(Recorder {
            running: Running::start(engine, self.listener).await?,
            base_path,
        })
    }
}

impl Recorder {
    /// Settings for recording `provider`'s answers from `upstream` (its
    /// base URL, path included).
    pub fn builder(provider: Provider, upstream: impl Into<String>) -> RecorderBuilder {
        RecorderBuilder {
            provider,
            upstream: upstream.into(),
            fields: Vec::new(),
            existing: None,
            autosave: None,
            listener: None,
        }
    }

    /// Starts recording `provider`'s answers from `upstream`.
    pub async fn start(provider: Provider, upstream: &str) -> Result<Recorder, CassetteError> {
        Recorder::builder(provider, upstream).start().await
    }

    /// Starts in mode record-missing: requests the cassette at `path`
    /// holds are answered from it, the others go to `upstream` and are
    /// added.
    pub async fn record_missing(
        provider: Provider,
        path: impl AsRef<Path>,
        upstream: &str,
    ) -> Result<Recorder, CassetteError> {
        Recorder::builder(provider, upstream)
            .existing(path.as_ref())
            .start()
            .await
    }

    /// The URL to give the client as its base URL: the proxy's loopback
    /// origin with the upstream's path.
    pub fn base_url(&self) -> String {
        format!("{}{}", self.running.origin(), self.base_path)
    }

    /// The interactions recorded so far, redacted.
    pub async fn cassette(&self) -> Cassette {
        self.running.engine.tape.lock().await.cassette.clone()
    }

    /// Stops the proxy and writes the cassette to `path`.
    pub async fn finish(self, path: impl AsRef<Path>) -> Result<Cassette, CassetteError> {
        let tape = self.running.stop().await;
        tape.cassette.save(path)?;
        Ok(tape.cassette)
    }
}

/// A loopback server that answers from a cassette, with no upstream.
///
/// ```no_run
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// use partner_sdk_sandbox::cassette::{Provider, Replayer};
///
/// let replayer = Replayer::start_for(Provider::Dtone, "tests/cassettes/dtone.json").await?;
/// let client = partner_sdk_dtone::Client::builder()
///     .base_url(replayer.base_url())
///     .credentials("any", "any")
///     .build()?;
/// let _ = client.list_products_by_operator(1959).await?;
/// replayer.finish().await?;
/// # Ok(()) }
/// ```
pub struct Replayer {
    running: Running,
    base_path: String,
}

impl std::fmt::Debug for Replayer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Replayer")
            .field("base_url", &self.base_url())
            .finish_non_exhaustive()
    }
}

impl Replayer {
    /// Serves the cassette at `path` (of this SDK version) on an ephemeral
    /// loopback port.
    pub async fn start(path: impl AsRef<Path>) -> Result<Replayer, CassetteError> {
        Replayer::serve(Cassette::load(path)?, None).await
    }

    /// Serves the cassette at `path`, checking that it is `provider`'s.
    pub async fn start_for(
        provider: Provider,
        path: impl AsRef<Path>,
    ) -> Result<Replayer, CassetteError> {
        Replayer::serve(Cassette::load_for(provider, path)?, None).await
    }

    /// Serves `cassette` with its provider's redaction and the fields it
    /// was recorded with, on `listener` if given (else an ephemeral
    /// loopback port).
    pub async fn serve(
        cassette: Cassette,
        listener: Option<std::net::TcpListener>,
    ) -> Result<Replayer, CassetteError> {
        let mut redactor = Redactor::new(cassette.provider);
        for field in &cassette.redact_fields {
            redactor = redactor.with_field(field);
        }
        let base_path = cassette.base_path.clone();
        let used = vec![false; cassette.interactions.len()];
        let engine = Engine {
            upstream: None,
            autosave: None,
            tape: Mutex::new(Tape {
                redactor,
                cassette,
                used,
                mismatches: Vec::new(),
            }),
        };
        Ok(Replayer {
            running: Running::start(engine, listener).await?,
            base_path,
        })
    }

    /// The URL to give the client as its base URL.
    pub fn base_url(&self) -> String {
        format!("{}{}", self.running.origin(), self.base_path)
    }

    /// The requests answered with a mismatch so far.
    pub async fn mismatches(&self) -> Vec<Mismatch> {
        self.running.engine.tape.lock().await.mismatches.clone()
    }

    /// Stops serving; [`CassetteError::Mismatches`] if a request matched
    /// nothing, else the cassette.
    pub async fn finish(self) -> Result<Cassette, CassetteError> {
        let tape = self.running.stop().await;
        if tape.mismatches.is_empty() {
            Ok(tape.cassette)
        } else {
            Err(CassetteError::Mismatches(tape.mismatches))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn request(method: &str, path: &str, body: Value) -> RecordedRequest {
        RecordedRequest {
            method: method.into(),
            path: path.into(),
            query: None,
            headers: BTreeMap::new(),
            body: Body::Json(body),
        }
    }

    #[test]
    fn differences_name_the_part_and_the_json_pointer() {
        let recorded = request(
            "POST",
            "/v1/transactions",
            json!({"amount": 19, "to": ["<phone-1>"]}),
        );
        let got = request(
            "POST",
            "/v1/transactions",
            json!({"amount": 20, "to": ["<phone-1>"]}),
        );
        assert_eq!(
            differences(&got, &recorded),
            ["body /amount is 20, recorded 19"]
        );
        let got = request(
            "PUT",
            "/v1/transaction",
            json!({"amount": 19, "to": ["<phone-1>"], "x": 1}),
        );
        assert_eq!(
            differences(&got, &recorded),
            [
                "method PUT, recorded POST",
                "path /v1/transaction, recorded /v1/transactions",
                "body /x is not in the recorded body",
            ]
        );
        assert!(differences(&recorded, &recorded).is_empty());
    }
}
