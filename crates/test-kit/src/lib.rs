//! Helpers for testing code built on `partner-sdk-core` (unpublished, a
//! dev-dependency of the workspace's crates): what the tests of every crate
//! share and no provider owns, and the suites every provider runs over its
//! own client.
//!
//! A provider describes itself once as a [`Subject`] (in its
//! `tests/integration/subject.rs`: how to build its client, how it
//! authenticates, one read and its creates); [`options_suite!`],
//! [`hostile_suite!`], [`faults_suite!`] and [`money_safety_suite!`] expand
//! to one `#[tokio::test]` per case of the [`options`], [`hostile`],
//! [`faults`] and [`money_safety`] suites over it. A provider's own helpers
//! (its credentials, a client on wiremock) live in that crate's
//! `tests/integration/common.rs`. [`privacy`] holds the check that no
//! personal value is printed, run over one table of the four providers'
//! personal-data types.
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod faults;
pub mod hostile;
pub mod money_safety;
pub mod options;
pub mod privacy;
pub mod subject;

pub use subject::{Auth, Call, ErrorAnswer, Ids, Pages, Settings, Subject};

/// The core, for the kit's macros.
#[doc(hidden)]
pub use partner_sdk_core as __core;

use std::io::Write;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};

use tracing::subscriber::DefaultGuard;
use tracing_subscriber::fmt::MakeWriter;
use wiremock::{MockServer, ResponseTemplate};

use partner_sdk_core::RetryPolicy;

/// Captures everything `tracing` emits at TRACE level on the current thread
/// while it lives, as plain text: for asserting that no secret or body is
/// ever logged.
///
/// ```
/// let logs = partner_sdk_test_kit::LogCapture::start();
/// tracing::info!(user = "alice", "hello");
/// assert!(logs.text().contains("hello"));
/// ```
pub struct LogCapture {
    buffer: Buffer,
    _guard: DefaultGuard,
}

impl std::fmt::Debug for LogCapture {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LogCapture").finish_non_exhaustive()
    }
}

impl LogCapture {
    /// Installs a TRACE-level text subscriber for this thread.
    pub fn start() -> Self {
        let buffer = Buffer::default();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_writer(buffer.clone())
            .with_ansi(false)
            .finish();
        LogCapture {
            buffer,
            _guard: tracing::subscriber::set_default(subscriber),
        }
    }

    /// Everything captured so far.
    pub fn text(&self) -> String {
        let bytes = self.buffer.0.lock().unwrap_or_else(|p| p.into_inner());
        String::from_utf8_lossy(&bytes).into_owned()
    }
}

#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Buffer {
    type Writer = Buffer;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

/// One request as a [`RawServer`] received it.
#[derive(Debug, Clone, Default)]
pub struct RawRequest {
    /// Method, e.g. `POST`.
    pub method: String,
    /// Path and query as sent.
    pub target: String,
    /// Header names (lower case) and values.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl RawRequest {
    /// The value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The path without the query.
    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or("")
    }
}

/// How a [`RawServer`] answers a request.
#[derive(Debug, Clone)]
pub enum Reply {
    /// Reads the request and never answers (the connection stays open).
    Hang,
    /// Reads the request and closes the connection without answering.
    Close,
    /// A complete answer with a `Content-Length`.
    Full {
        /// Status code.
        status: u16,
        /// Extra headers.
        headers: Vec<(String, String)>,
        /// Body.
        body: Vec<u8>,
    },
    /// An answer whose `Content-Length` promises `promised` bytes, of
    /// which only `body` is written before the connection is closed: a
    /// reset in the middle of the body.
    Cut {
        /// Status code.
        status: u16,
        /// The announced length.
        promised: u64,
        /// The bytes actually written.
        body: Vec<u8>,
    },
    /// A 2xx answer of `total` bytes written lazily in 64 KiB pieces (never
    /// held in memory), announced with `Content-Length` when
    /// `content_length` is set, chunked otherwise. Writing stops when the
    /// client goes away.
    Stream {
        /// Status code.
        status: u16,
        /// The announced length, if any.
        content_length: Option<u64>,
        /// Bytes to write.
        total: u64,
    },
}

impl Reply {
    /// A JSON answer.
    pub fn json(status: u16, body: impl Into<String>) -> Self {
        Reply::Full {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.into().into_bytes(),
        }
    }
}

type Responder = dyn Fn(&RawRequest, usize) -> Reply + Send + Sync;

/// A loopback HTTP/1.1 server for answers wiremock cannot give: hanging,
/// huge, or streamed bodies. Records every request it reads.
///
/// ```no_run
/// # async fn demo() {
/// use partner_sdk_test_kit::{RawServer, Reply};
/// let server = RawServer::start(|_request, _index| Reply::Hang).await;
/// let url = server.uri();
/// # let _ = url;
/// assert_eq!(server.requests().len(), 0);
/// # }
/// ```
pub struct RawServer {
    addr: SocketAddr,
    requests: Arc<Mutex<Vec<RawRequest>>>,
    task: tokio::task::JoinHandle<()>,
}

impl std::fmt::Debug for RawServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RawServer")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl Drop for RawServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl RawServer {
    /// Starts a server on `127.0.0.1`; `respond` gets each request and its
    /// 0-based index among all requests received.
    ///
    /// # Panics
    ///
    /// When no loopback port can be bound (a test helper).
    #[allow(clippy::expect_used)]
    pub async fn start(
        respond: impl Fn(&RawRequest, usize) -> Reply + Send + Sync + 'static,
    ) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind a loopback port");
        let addr = listener.local_addr().expect("local address");
        let requests = Arc::new(Mutex::new(Vec::new()));
        let respond: Arc<Responder> = Arc::new(respond);
        let recorded = Arc::clone(&requests);
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let recorded = Arc::clone(&recorded);
                let respond = Arc::clone(&respond);
                tokio::spawn(serve(stream, recorded, respond));
            }
        });
        RawServer {
            addr,
            requests,
            task,
        }
    }

    /// `http://127.0.0.1:<port>`.
    pub fn uri(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Every request read so far.
    pub fn requests(&self) -> Vec<RawRequest> {
        self.requests
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }
}

async fn serve(
    mut stream: TcpStream,
    recorded: Arc<Mutex<Vec<RawRequest>>>,
    respond: Arc<Responder>,
) {
    let mut buffer = Vec::new();
    while let Some(request) = read_request(&mut stream, &mut buffer).await {
        let index = {
            let mut all = recorded.lock().unwrap_or_else(|p| p.into_inner());
            all.push(request.clone());
            all.len() - 1
        };
        let keep_open = match respond(&request, index) {
            Reply::Hang => {
                std::future::pending::<()>().await;
                false
            }
            Reply::Close => false,
            Reply::Full {
                status,
                headers,
                body,
            } => {
                let mut head = format!("HTTP/1.1 {status} X\r\ncontent-length: {}\r\n", body.len());
                for (n, v) in headers {
                    head.push_str(&format!("{n}: {v}\r\n"));
                }
                head.push_str("\r\n");
                let mut out = head.into_bytes();
                out.extend_from_slice(&body);
                stream.write_all(&out).await.is_ok()
            }
            Reply::Cut {
                status,
                promised,
                body,
            } => {
                let head = format!(
                    "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {promised}\r\n\r\n"
                );
                let mut out = head.into_bytes();
                out.extend_from_slice(&body);
                let _ = stream.write_all(&out).await;
                let _ = stream.shutdown().await;
                false
            }
            Reply::Stream {
                status,
                content_length,
                total,
            } => {
                let _ = stream_body(&mut stream, status, content_length, total).await;
                false
            }
        };
        if !keep_open {
            return;
        }
    }
}

async fn stream_body(
    stream: &mut TcpStream,
    status: u16,
    content_length: Option<u64>,
    total: u64,
) -> std::io::Result<()> {
    let framing = match content_length {
        Some(n) => format!("content-length: {n}"),
        None => "transfer-encoding: chunked".to_owned(),
    };
    let head =
        format!("HTTP/1.1 {status} X\r\ncontent-type: application/json\r\n{framing}\r\n\r\n");
    stream.write_all(head.as_bytes()).await?;
    let piece = vec![b' '; 64 * 1024];
    let mut left = total;
    while left > 0 {
        let n = usize::try_from(left.min(piece.len() as u64)).unwrap_or(piece.len());
        if content_length.is_none() {
            stream.write_all(format!("{n:x}\r\n").as_bytes()).await?;
        }
        stream.write_all(&piece[..n]).await?;
        if content_length.is_none() {
            stream.write_all(b"\r\n").await?;
        }
        left -= n as u64;
    }
    if content_length.is_none() {
        stream.write_all(b"0\r\n\r\n").await?;
    }
    Ok(())
}

async fn read_request(stream: &mut TcpStream, buffer: &mut Vec<u8>) -> Option<RawRequest> {
    let head_end = loop {
        if let Some(i) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
        let mut chunk = [0u8; 8192];
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buffer[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut first = lines.next()?.split(' ');
    let method = first.next()?.to_owned();
    let target = first.next()?.to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let length = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .and_then(|(_, v)| v.parse::<usize>().ok())
        .unwrap_or(0);
    buffer.drain(..head_end + 4);
    while buffer.len() < length {
        let mut chunk = [0u8; 8192];
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..n]);
    }
    let body: Vec<u8> = buffer.drain(..length).collect();
    Some(RawRequest {
        method,
        target,
        headers,
        body,
    })
}

/// The process's peak resident set size (`VmHWM` in `/proc/self/status`),
/// in bytes; `None` where that file does not exist.
pub fn peak_rss() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// Resets the peak resident set size to the current one (writes `5` to
/// `/proc/self/clear_refs`); `false` where that is not possible.
pub fn reset_peak_rss() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// A retry policy for tests: the default attempts, a 5 ms first backoff and
/// `max_delay` as the cap, so that retried calls take milliseconds.
pub fn fast_retry(max_delay: Duration) -> RetryPolicy {
    RetryPolicy::default()
        .with_base_delay(Duration::from_millis(5))
        .with_max_delay(max_delay)
}

/// A `200` answer whose body is `body` byte for byte, as `application/json`
/// (samples are served as written, not re-serialised).
pub fn json_answer(body: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(body.as_bytes().to_vec(), "application/json")
}

/// Every request `server` received, in order (none when it records nothing).
pub async fn received(server: &MockServer) -> Vec<wiremock::Request> {
    server.received_requests().await.unwrap_or_default()
}

/// The requests `server` received on `path` (the URL path, query apart).
pub async fn received_at(server: &MockServer, path: &str) -> Vec<wiremock::Request> {
    let mut all = received(server).await;
    all.retain(|r| r.url.path() == path);
    all
}

/// How many requests `server` received.
pub async fn count(server: &MockServer) -> usize {
    received(server).await.len()
}

/// How many requests `server` received on `path`.
pub async fn count_at(server: &MockServer, path: &str) -> usize {
    received_at(server, path).await.len()
}

/// How many requests `server` received with `method` (e.g. `"POST"`).
pub async fn count_method(server: &MockServer, method: &str) -> usize {
    received(server)
        .await
        .iter()
        .filter(|r| r.method.as_str() == method)
        .count()
}

/// What a caller must get for one answer to a create (the README's table,
/// "Behaviour you can rely on").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CreateExpect {
    /// Done: the typed result.
    Created,
    /// Done, but the answer cannot be read: `AnswerUnreadable` with the key.
    Unreadable,
    /// Not done: an `Api` error; `retryable` is what `is_retryable` says.
    NotDone {
        /// Whether trying again later may succeed (a rate limit).
        retryable: bool,
    },
    /// May or may not be done: `OutcomeUnknown` with the key, never
    /// retryable.
    Unknown,
}

/// One row of the money-safety matrix: how the provider answers a create.
#[derive(Debug, Clone)]
pub struct CreateCase {
    /// What the row stands for, for assertion messages.
    pub name: &'static str,
    /// The answer.
    pub reply: Reply,
    /// What the caller must get.
    pub expect: CreateExpect,
}

/// The money-safety matrix for a create whose accepted answer is
/// `accepted` and whose provider refuses with `refused` (`(status, body)` in
/// its own error format): a 2xx, an unreadable 2xx, the provider's 4xx, a
/// 429, 500/502/503/504 with an HTML page, a redirect (the request was sent
/// and may have been processed), a timeout after sending (the server reads
/// the request and never answers: give the client a short timeout) and a
/// connection closed after sending.
pub fn create_cases(accepted: &str, refused: (u16, &str)) -> Vec<CreateCase> {
    let html = |status: u16| Reply::Full {
        status,
        headers: vec![("content-type".into(), "text/html".into())],
        body: format!("<html><body><h1>{status}</h1>gateway</body></html>").into_bytes(),
    };
    let mut cases = vec![
        CreateCase {
            name: "2xx",
            reply: Reply::json(201, accepted),
            expect: CreateExpect::Created,
        },
        CreateCase {
            name: "2xx unreadable",
            reply: Reply::json(200, "{\"truncated\": "),
            expect: CreateExpect::Unreadable,
        },
        CreateCase {
            name: "4xx",
            reply: Reply::json(refused.0, refused.1),
            expect: CreateExpect::NotDone { retryable: false },
        },
        CreateCase {
            name: "429",
            reply: Reply::Full {
                status: 429,
                headers: vec![("retry-after".into(), "1".into())],
                body: Vec::new(),
            },
            expect: CreateExpect::NotDone { retryable: true },
        },
        CreateCase {
            name: "timeout after sending",
            reply: Reply::Hang,
            expect: CreateExpect::Unknown,
        },
        CreateCase {
            name: "connection closed after sending",
            reply: Reply::Close,
            expect: CreateExpect::Unknown,
        },
        CreateCase {
            name: "redirect",
            reply: Reply::Full {
                status: 303,
                headers: vec![("location".into(), "http://127.0.0.1:9/elsewhere".into())],
                body: Vec::new(),
            },
            expect: CreateExpect::Unknown,
        },
    ];
    for (name, status) in [("500", 500), ("502", 502), ("503", 503), ("504", 504)] {
        cases.push(CreateCase {
            name,
            reply: html(status),
            expect: CreateExpect::Unknown,
        });
    }
    cases
}

/// Asserts what a create answered by `case` came to: its class, its
/// reconcile `key`, `is_retryable`, and that it was sent exactly once
/// (`sent`).
///
/// # Panics
///
/// When it does not hold (a test helper).
#[allow(clippy::panic)]
pub fn assert_create_outcome(
    case: &CreateCase,
    result: std::result::Result<(), &partner_sdk_core::Error>,
    key: Option<partner_sdk_core::ReconcileKey>,
    sent: usize,
) {
    use partner_sdk_core::Error;
    let name = case.name;
    assert_eq!(sent, 1, "{name}: a create is sent exactly once");
    match (case.expect, result) {
        (CreateExpect::Created, Ok(())) => {}
        (CreateExpect::Unreadable, Err(e @ Error::AnswerUnreadable(_))) => {
            assert_eq!(e.outcome_unknown_key(), key.as_ref(), "{name}: {e:?}");
            assert!(!e.is_retryable(), "{name}: {e:?}");
        }
        (CreateExpect::NotDone { retryable }, Err(e @ Error::Api(_))) => {
            assert_eq!(e.is_retryable(), retryable, "{name}: {e:?}");
            assert_eq!(e.outcome_unknown_key(), None, "{name}: {e:?}");
        }
        (CreateExpect::Unknown, Err(e @ Error::OutcomeUnknown(_))) => {
            assert_eq!(e.outcome_unknown_key(), key.as_ref(), "{name}: {e:?}");
            assert!(!e.is_retryable(), "{name}: {e:?}");
        }
        (expect, result) => panic!("{name}: expected {expect:?}, got {result:?}"),
    }
}

/// The environment variable naming the PostgreSQL server the journal's
/// tests use (`.ci/pg-start` starts one and exports it).
pub const POSTGRES_URL_ENV: &str = "PARTNER_SDK_TEST_POSTGRES_URL";

/// The PostgreSQL server's URL for a test ([`POSTGRES_URL_ENV`]); `None`,
/// after saying so, when it is unset and the test may skip.
///
/// # Panics
///
/// When it is unset and PostgreSQL is required (`CI` set, or
/// `PARTNER_SDK_REQUIRE_POSTGRES=1`): in CI the test fails, it does not skip.
pub fn postgres_test_url() -> Option<String> {
    if let Some(url) = std::env::var(POSTGRES_URL_ENV)
        .ok()
        .filter(|url| !url.is_empty())
    {
        return Some(url);
    }
    let required = std::env::var_os("CI").is_some()
        || std::env::var("PARTNER_SDK_REQUIRE_POSTGRES").is_ok_and(|v| v == "1");
    assert!(
        !required,
        "{POSTGRES_URL_ENV} is not set, and PostgreSQL is required here (CI or \
         PARTNER_SDK_REQUIRE_POSTGRES=1): start a server with `source .ci/pg-start`"
    );
    eprintln!(
        "skipped: {POSTGRES_URL_ENV} is not set, so there is no PostgreSQL to test against \
         (start one with `source .ci/pg-start`)"
    );
    None
}

/// A clock a test moves forward, for a [`MemoryJournal`](partner_sdk_journal::MemoryJournal):
/// leases and grace periods run out without waiting. Clones share the
/// clock.
#[derive(Clone, Debug, Default)]
pub struct JournalClock(std::sync::Arc<std::sync::atomic::AtomicU64>);

impl JournalClock {
    /// A new clock, at the system's time.
    pub fn new() -> Self {
        Self::default()
    }

    /// Moves the clock `by` forward.
    pub fn advance(&self, by: std::time::Duration) {
        let ms = u64::try_from(by.as_millis()).unwrap_or(u64::MAX);
        self.0.fetch_add(ms, std::sync::atomic::Ordering::SeqCst);
    }

    /// The clock's time now: the system's, moved forward.
    pub fn now(&self) -> std::time::SystemTime {
        let ms = self.0.load(std::sync::atomic::Ordering::SeqCst);
        std::time::SystemTime::now() + std::time::Duration::from_millis(ms)
    }

    /// A memory journal on this clock.
    pub fn journal(&self) -> partner_sdk_journal::MemoryJournal {
        let clock = self.clone();
        partner_sdk_journal::MemoryJournal::new().with_clock(move || clock.now())
    }
}

/// A journal store whose senders' leases (taken by `begin`) expire at once
/// and whose intents are all older than any grace period: what a journal
/// looks like once a killed sender's lease has run out, so a test's
/// `recover()` claims the intent just written without waiting. Renewals
/// (a recovery's) are kept as asked.
pub struct Aged(pub std::sync::Arc<dyn partner_sdk_journal::JournalStore>);

impl std::fmt::Debug for Aged {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Aged")
    }
}

impl partner_sdk_journal::JournalStore for Aged {
    fn begin<'a>(
        &'a self,
        intent: &'a partner_sdk_journal::NewIntent,
        _lease: std::time::Duration,
    ) -> partner_sdk_journal::JournalFuture<'a, partner_sdk_journal::Begin> {
        self.0.begin(intent, std::time::Duration::ZERO)
    }

    fn settle<'a>(
        &'a self,
        key: &'a partner_sdk_journal::IntentKey,
        attempt: u32,
        outcome: partner_sdk_journal::Outcome,
    ) -> partner_sdk_journal::JournalFuture<'a, ()> {
        self.0.settle(key, attempt, outcome)
    }

    fn renew<'a>(
        &'a self,
        key: &'a partner_sdk_journal::IntentKey,
        lease: u32,
        duration: std::time::Duration,
    ) -> partner_sdk_journal::JournalFuture<'a, bool> {
        // A recovery's renewal holds (two replicas never resolve one
        // intent); a sender of these tests answers before it renews.
        self.0.renew(key, lease, duration)
    }

    fn claim_pending<'a>(
        &'a self,
        provider: &'a str,
        _older_than: std::time::Duration,
        lease: std::time::Duration,
        limit: usize,
    ) -> partner_sdk_journal::JournalFuture<'a, Vec<partner_sdk_journal::Intent>> {
        self.0
            .claim_pending(provider, std::time::Duration::ZERO, lease, limit)
    }

    fn release<'a>(
        &'a self,
        claimed: &'a partner_sdk_journal::Intent,
    ) -> partner_sdk_journal::JournalFuture<'a, ()> {
        self.0.release(claimed)
    }

    fn get<'a>(
        &'a self,
        key: &'a partner_sdk_journal::IntentKey,
    ) -> partner_sdk_journal::JournalFuture<'a, Option<partner_sdk_journal::Intent>> {
        self.0.get(key)
    }

    fn prune<'a>(
        &'a self,
        older_than: std::time::Duration,
    ) -> partner_sdk_journal::JournalFuture<'a, u64> {
        self.0.prune(older_than)
    }
}
