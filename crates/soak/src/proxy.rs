//! The chaos proxy between the replicas and the sandbox.
//!
//! It reads each HTTP/1.1 request in full, draws a fault for it at random
//! (creates only: a `POST`; look-ups pass untouched) and then forwards it
//! to the sandbox on a connection of its own, or not, as the fault says.
//! One request per client connection: every answer closes it.
//!
//! | fault | forwarded | the client sees |
//! |---|---|---|
//! | answer lost | yes, the answer read | the connection closed, no answer |
//! | closed before forwarding | no | the connection closed, no answer |
//! | gateway page | no | 502, 503 or 504 with an HTML body |
//! | rate limited | no | 429 with `Retry-After: 1` |
//! | slow, within the timeout | after a delay below the client's timeout | the answer, late |
//! | slow, beyond the timeout | after a delay of 1.1 to 2 times the client's timeout | nothing (it gave up) |
//!
//! A request read in full is forwarded even when the client is gone (a
//! replica killed meanwhile), as a real network delivers what it was
//! given.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};

/// Largest request head (request line and headers) the proxy reads.
const MAX_HEAD: usize = 64 * 1024;
/// Largest request body the proxy reads.
const MAX_BODY: usize = 1024 * 1024;
/// How long the proxy waits for the sandbox's answer.
const UPSTREAM_TIMEOUT: Duration = Duration::from_secs(10);

/// The kinds of fault the proxy injects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FaultKind {
    /// Forwarded and answered by the sandbox; the client's connection is
    /// closed without the answer.
    AnswerLost,
    /// The client's connection is closed after the request was read, and
    /// the request is not forwarded.
    ClosedBeforeForwarding,
    /// A gateway's 502, 503 or 504 HTML page; not forwarded.
    GatewayPage,
    /// 429 with `Retry-After`; not forwarded.
    RateLimited,
    /// Forwarded after a delay below the client's timeout.
    SlowWithin,
    /// Forwarded after a delay beyond the client's timeout.
    SlowBeyond,
}

impl FaultKind {
    /// Every kind, in the order of [`FaultRates`]' fields and the report.
    pub(crate) const ALL: [FaultKind; 6] = [
        FaultKind::AnswerLost,
        FaultKind::ClosedBeforeForwarding,
        FaultKind::GatewayPage,
        FaultKind::RateLimited,
        FaultKind::SlowWithin,
        FaultKind::SlowBeyond,
    ];

    /// The kind as the report names it.
    pub(crate) fn name(self) -> &'static str {
        match self {
            FaultKind::AnswerLost => "answer lost after processing",
            FaultKind::ClosedBeforeForwarding => "closed before forwarding",
            FaultKind::GatewayPage => "gateway 5xx page",
            FaultKind::RateLimited => "429",
            FaultKind::SlowWithin => "slow within timeout",
            FaultKind::SlowBeyond => "slow beyond timeout",
        }
    }

    fn index(self) -> usize {
        match self {
            FaultKind::AnswerLost => 0,
            FaultKind::ClosedBeforeForwarding => 1,
            FaultKind::GatewayPage => 2,
            FaultKind::RateLimited => 3,
            FaultKind::SlowWithin => 4,
            FaultKind::SlowBeyond => 5,
        }
    }
}

/// The chance of each fault per create, in `[0, 1]`; their sum at most 1.
#[derive(Debug, Clone, Copy)]
pub(crate) struct FaultRates(pub(crate) [f64; 6]);

impl FaultRates {
    /// The fault for one create, drawn with `roll` in `[0, 1)`.
    fn pick(&self, roll: f64) -> Option<FaultKind> {
        let mut bound = 0.0;
        for (kind, rate) in FaultKind::ALL.iter().zip(self.0) {
            bound += rate;
            if roll < bound {
                return Some(*kind);
            }
        }
        None
    }
}

/// What the proxy saw: requests by kind and faults injected.
#[derive(Debug, Default)]
pub(crate) struct Stats {
    creates: AtomicU64,
    reads: AtomicU64,
    faults: [AtomicU64; 6],
}

impl Stats {
    /// Creates (`POST`s) received.
    pub(crate) fn creates(&self) -> u64 {
        self.creates.load(Ordering::Relaxed)
    }

    /// Other requests (look-ups) received.
    pub(crate) fn reads(&self) -> u64 {
        self.reads.load(Ordering::Relaxed)
    }

    /// Faults of `kind` injected.
    pub(crate) fn faults(&self, kind: FaultKind) -> u64 {
        self.faults[kind.index()].load(Ordering::Relaxed)
    }
}

/// A running proxy; it stops with the runtime.
pub(crate) struct Proxy {
    addr: SocketAddr,
    stats: Arc<Stats>,
}

impl Proxy {
    /// Where it listens.
    pub(crate) fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// What it saw so far.
    pub(crate) fn stats(&self) -> &Stats {
        &self.stats
    }
}

/// Shared by every connection the proxy serves.
struct Shared {
    upstream: SocketAddr,
    rates: FaultRates,
    client_timeout: Duration,
    rng: Mutex<fastrand::Rng>,
    stats: Arc<Stats>,
}

impl Shared {
    /// A number in `[0, 1)` from the seeded generator.
    fn roll(&self) -> f64 {
        self.rng.lock().map_or(0.5, |mut rng| rng.f64())
    }

    /// A delay of `low` to `high` times the client's timeout.
    fn delay(&self, low: f64, high: f64) -> Duration {
        self.client_timeout
            .mul_f64(low + (high - low) * self.roll())
    }
}

/// Starts a proxy on a free loopback port in front of `upstream`, drawing
/// faults at `rates` from a generator seeded with `seed`; `client_timeout`
/// is the replicas' timeout per attempt, which the slow faults stay below
/// or go beyond.
pub(crate) async fn start(
    upstream: SocketAddr,
    rates: FaultRates,
    seed: u64,
    client_timeout: Duration,
) -> std::io::Result<Proxy> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let stats = Arc::new(Stats::default());
    let shared = Arc::new(Shared {
        upstream,
        rates,
        client_timeout,
        rng: Mutex::new(fastrand::Rng::with_seed(seed)),
        stats: Arc::clone(&stats),
    });
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            tokio::spawn(serve(stream, Arc::clone(&shared)));
        }
    });
    Ok(Proxy { addr, stats })
}

/// One request read from a client: the head rewritten to close the
/// upstream connection after the answer, and the body.
struct Forward {
    is_create: bool,
    bytes: Vec<u8>,
}

async fn serve(mut client: TcpStream, shared: Arc<Shared>) {
    let Some(request) = read_request(&mut client).await else {
        return;
    };
    let fault = if request.is_create {
        shared.stats.creates.fetch_add(1, Ordering::Relaxed);
        shared.rates.pick(shared.roll())
    } else {
        shared.stats.reads.fetch_add(1, Ordering::Relaxed);
        None
    };
    if let Some(kind) = fault {
        shared.stats.faults[kind.index()].fetch_add(1, Ordering::Relaxed);
    }
    match fault {
        None => {
            let answer = forward(shared.upstream, &request.bytes).await;
            answer_with(client, answer).await;
        }
        Some(FaultKind::AnswerLost) => {
            let _ = forward(shared.upstream, &request.bytes).await;
            drop(client);
        }
        Some(FaultKind::ClosedBeforeForwarding) => drop(client),
        Some(FaultKind::GatewayPage) => {
            let status = match (shared.roll() * 3.0) as u8 {
                0 => "502 Bad Gateway",
                1 => "503 Service Unavailable",
                _ => "504 Gateway Timeout",
            };
            let body = format!(
                "<html><head><title>{status}</title></head><body><center><h1>{status}</h1></center><hr><center>nginx</center></body></html>\n"
            );
            let answer = format!(
                "HTTP/1.1 {status}\r\ncontent-type: text/html\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            answer_with(client, Some(answer.into_bytes())).await;
        }
        Some(FaultKind::RateLimited) => {
            let body = "Too Many Requests\n";
            let answer = format!(
                "HTTP/1.1 429 Too Many Requests\r\nretry-after: 1\r\ncontent-type: text/plain\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            answer_with(client, Some(answer.into_bytes())).await;
        }
        Some(FaultKind::SlowWithin) => {
            tokio::time::sleep(shared.delay(0.1, 0.7)).await;
            let answer = forward(shared.upstream, &request.bytes).await;
            answer_with(client, answer).await;
        }
        Some(FaultKind::SlowBeyond) => {
            tokio::time::sleep(shared.delay(1.1, 2.0)).await;
            let answer = forward(shared.upstream, &request.bytes).await;
            answer_with(client, answer).await;
        }
    }
}

/// Writes `answer` to the client and closes; closes without a word when
/// there is none (the sandbox did not answer).
async fn answer_with(mut client: TcpStream, answer: Option<Vec<u8>>) {
    if let Some(answer) = answer {
        let _ = client.write_all(&answer).await;
        let _ = client.shutdown().await;
    }
}

/// Reads one request in full; `None` when the client closes first or sends
/// something that is not a request the proxy takes.
async fn read_request(client: &mut TcpStream) -> Option<Forward> {
    let mut buf = Vec::with_capacity(4096);
    let mut chunk = [0u8; 4096];
    let (head_len, method, target, headers) = loop {
        let n = client.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        let mut slots = [httparse::EMPTY_HEADER; 64];
        let mut parsed = httparse::Request::new(&mut slots);
        match parsed.parse(&buf).ok()? {
            httparse::Status::Complete(len) => {
                let headers: Vec<(String, Vec<u8>)> = parsed
                    .headers
                    .iter()
                    .map(|h| (h.name.to_ascii_lowercase(), h.value.to_vec()))
                    .collect();
                break (
                    len,
                    parsed.method?.to_owned(),
                    parsed.path?.to_owned(),
                    headers,
                );
            }
            httparse::Status::Partial if buf.len() > MAX_HEAD => return None,
            httparse::Status::Partial => {}
        }
    };
    let body_len = headers
        .iter()
        .find(|(name, _)| name == "content-length")
        .map_or(Some(0), |(_, value)| {
            std::str::from_utf8(value)
                .ok()?
                .trim()
                .parse::<usize>()
                .ok()
        })?;
    if body_len > MAX_BODY || headers.iter().any(|(n, _)| n == "transfer-encoding") {
        return None;
    }
    while buf.len() < head_len + body_len {
        let n = client.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let mut bytes = format!("{method} {target} HTTP/1.1\r\n").into_bytes();
    for (name, value) in &headers {
        if matches!(
            name.as_str(),
            "connection" | "keep-alive" | "proxy-connection"
        ) {
            continue;
        }
        bytes.extend_from_slice(name.as_bytes());
        bytes.extend_from_slice(b": ");
        bytes.extend_from_slice(value);
        bytes.extend_from_slice(b"\r\n");
    }
    bytes.extend_from_slice(b"connection: close\r\n\r\n");
    bytes.extend_from_slice(&buf[head_len..head_len + body_len]);
    Some(Forward {
        is_create: method == "POST",
        bytes,
    })
}

/// Sends `request` to the sandbox on a new connection and reads its whole
/// answer (the connection closes after it); `None` when that fails.
async fn forward(upstream: SocketAddr, request: &[u8]) -> Option<Vec<u8>> {
    let exchange = async {
        let mut stream = TcpStream::connect(upstream).await?;
        stream.write_all(request).await?;
        let mut answer = Vec::new();
        stream.read_to_end(&mut answer).await?;
        Ok::<_, std::io::Error>(answer)
    };
    match tokio::time::timeout(UPSTREAM_TIMEOUT, exchange).await {
        Ok(Ok(answer)) if !answer.is_empty() => Some(answer),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_pick_each_kind_in_its_band() {
        let rates = FaultRates([0.1, 0.1, 0.1, 0.1, 0.1, 0.1]);
        assert_eq!(rates.pick(0.05), Some(FaultKind::AnswerLost));
        assert_eq!(rates.pick(0.15), Some(FaultKind::ClosedBeforeForwarding));
        assert_eq!(rates.pick(0.55), Some(FaultKind::SlowBeyond));
        assert_eq!(rates.pick(0.65), None);
        assert_eq!(FaultRates([0.0; 6]).pick(0.0), None);
    }
}
