//! Measurement helpers for the benchmark binary: a loopback HTTP/1.1 server
//! that answers canned bytes, timing loops, and peak-memory reading.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// A canned answer: status line code and JSON body.
#[derive(Clone)]
pub struct Canned {
    pub status: u16,
    pub body: Arc<Vec<u8>>,
}

impl Canned {
    pub fn json(body: impl Into<Vec<u8>>) -> Self {
        Canned {
            status: 200,
            body: Arc::new(body.into()),
        }
    }
}

/// Answers by longest matching path prefix; counts requests per prefix.
pub struct CannedServer {
    pub url: String,
    counts: Arc<Mutex<HashMap<String, u64>>>,
    total: Arc<AtomicU64>,
}

impl CannedServer {
    pub async fn start(routes: Vec<(&'static str, Canned)>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind loopback");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let routes = Arc::new(routes);
        let counts: Arc<Mutex<HashMap<String, u64>>> = Arc::default();
        let total = Arc::new(AtomicU64::new(0));
        let (c, t) = (counts.clone(), total.clone());
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let _ = stream.set_nodelay(true);
                tokio::spawn(serve(stream, routes.clone(), c.clone(), t.clone()));
            }
        });
        CannedServer { url, counts, total }
    }

    pub fn count(&self, prefix: &str) -> u64 {
        self.counts
            .lock()
            .expect("counts")
            .get(prefix)
            .copied()
            .unwrap_or(0)
    }

    pub fn reset(&self) {
        self.counts.lock().expect("counts").clear();
        self.total.store(0, Ordering::SeqCst);
    }
}

async fn serve(
    mut stream: tokio::net::TcpStream,
    routes: Arc<Vec<(&'static str, Canned)>>,
    counts: Arc<Mutex<HashMap<String, u64>>>,
    total: Arc<AtomicU64>,
) {
    let mut buf = Vec::with_capacity(8192);
    let mut chunk = [0u8; 8192];
    loop {
        // Read one request: headers, then Content-Length bytes of body.
        let head_end = loop {
            if let Some(i) = find(&buf, b"\r\n\r\n") {
                break i + 4;
            }
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        };
        let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
        let content_length = head
            .lines()
            .find_map(|l| {
                let (k, v) = l.split_once(':')?;
                k.eq_ignore_ascii_case("content-length")
                    .then(|| v.trim().parse::<usize>().ok())
                    .flatten()
            })
            .unwrap_or(0);
        while buf.len() < head_end + content_length {
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
        buf.drain(..head_end + content_length);
        let path = head.split_whitespace().nth(1).unwrap_or("/").to_owned();
        let route = routes
            .iter()
            .filter(|(p, _)| path.starts_with(p))
            .max_by_key(|(p, _)| p.len());
        let (prefix, canned) = match route {
            Some((p, c)) => (p.to_string(), c.clone()),
            None => (
                "?".to_string(),
                Canned {
                    status: 404,
                    body: Arc::new(b"{}".to_vec()),
                },
            ),
        };
        *counts.lock().expect("counts").entry(prefix).or_default() += 1;
        total.fetch_add(1, Ordering::Relaxed);
        let mut response = format!(
            "HTTP/1.1 {} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
            canned.status,
            canned.body.len()
        )
        .into_bytes();
        response.extend_from_slice(&canned.body);
        if stream.write_all(&response).await.is_err() {
            return;
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Median of per-call latencies, one call in flight at a time.
pub async fn median_latency<F, Fut>(iterations: usize, mut call: F) -> Duration
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    for _ in 0..iterations / 10 {
        call().await;
    }
    let mut samples = Vec::with_capacity(iterations);
    for _ in 0..iterations {
        let started = Instant::now();
        call().await;
        samples.push(started.elapsed());
    }
    samples.sort_unstable();
    samples[samples.len() / 2]
}

/// Median per-call latency with `in_flight` calls running concurrently on
/// one client: runs `rounds` batches and reports the median batch time
/// divided by the batch size.
pub async fn median_batch<F, Fut>(rounds: usize, in_flight: usize, call: F) -> Duration
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let mut samples = Vec::with_capacity(rounds);
    for round in 0..rounds + 2 {
        let started = Instant::now();
        futures::future::join_all((0..in_flight).map(|_| call())).await;
        if round >= 2 {
            samples.push(started.elapsed() / in_flight as u32);
        }
    }
    samples.sort_unstable();
    samples[samples.len() / 2]
}

/// Peak resident set size of this process, from /proc (Linux), in KiB.
pub fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

pub fn ratio(sdk: Duration, baseline: Duration) -> f64 {
    sdk.as_secs_f64() / baseline.as_secs_f64()
}
