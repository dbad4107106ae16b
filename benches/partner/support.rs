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
pub(crate) struct Canned {
    pub(crate) status: u16,
    pub(crate) body: Arc<Vec<u8>>,
}

impl Canned {
    pub(crate) fn json(body: impl Into<Vec<u8>>) -> Self {
        Canned {
            status: 200,
            body: Arc::new(body.into()),
        }
    }
}

/// Answers by longest matching path prefix; counts requests per prefix.
pub(crate) struct CannedServer {
    pub(crate) url: String,
    counts: Arc<Mutex<HashMap<String, u64>>>,
    total: Arc<AtomicU64>,
}

impl CannedServer {
    pub(crate) async fn start(routes: Vec<(&'static str, Canned)>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
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

    pub(crate) fn count(&self, prefix: &str) -> u64 {
        self.counts
            .lock()
            .expect("counts")
            .get(prefix)
            .copied()
            .unwrap_or(0)
    }

    pub(crate) fn reset(&self) {
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

/// Median per-call latency of `sdk` and `baseline`, one call in flight,
/// alternating the two call by call so that machine load hits both alike.
pub(crate) async fn paired_latency<A, AF, B, BF>(
    iterations: usize,
    sdk: A,
    baseline: B,
) -> (Duration, Duration)
where
    A: Fn() -> AF,
    AF: std::future::Future<Output = ()>,
    B: Fn() -> BF,
    BF: std::future::Future<Output = ()>,
{
    for _ in 0..iterations / 10 {
        sdk().await;
        baseline().await;
    }
    let (mut a, mut b) = (
        Vec::with_capacity(iterations),
        Vec::with_capacity(iterations),
    );
    for i in 0..iterations {
        // Swap the order every other pair, so that neither side always
        // follows the other (a call can leave state behind, e.g. timers).
        if i % 2 == 0 {
            a.push(timed(&sdk).await);
            b.push(timed(&baseline).await);
        } else {
            b.push(timed(&baseline).await);
            a.push(timed(&sdk).await);
        }
    }
    (median(a), median(b))
}

/// Median per-call latency of each of three calls, one call in flight,
/// rotated call by call through all six orders, so that machine load and
/// the state a call leaves behind hit all three alike.
pub(crate) async fn rotated_latency<A, AF, B, BF, C, CF>(
    iterations: usize,
    a: A,
    b: B,
    c: C,
) -> [Duration; 3]
where
    A: Fn() -> AF,
    AF: std::future::Future<Output = ()>,
    B: Fn() -> BF,
    BF: std::future::Future<Output = ()>,
    C: Fn() -> CF,
    CF: std::future::Future<Output = ()>,
{
    const ORDERS: [[usize; 3]; 6] = [
        [0, 1, 2],
        [1, 2, 0],
        [2, 0, 1],
        [0, 2, 1],
        [2, 1, 0],
        [1, 0, 2],
    ];
    let mut samples: [Vec<Duration>; 3] = Default::default();
    for i in 0..iterations {
        for k in ORDERS[i % 6] {
            let took = match k {
                0 => timed(&a).await,
                1 => timed(&b).await,
                _ => timed(&c).await,
            };
            samples[k].push(took);
        }
    }
    samples.map(median)
}

/// Median per-call time with `in_flight` calls running concurrently on one
/// client, batches of `sdk` and `baseline` alternating; each sample is a
/// batch's wall time divided by its size.
pub(crate) async fn paired_batch<A, AF, B, BF>(
    rounds: usize,
    in_flight: usize,
    sdk: A,
    baseline: B,
) -> (Duration, Duration)
where
    A: Fn() -> AF,
    AF: std::future::Future<Output = ()>,
    B: Fn() -> BF,
    BF: std::future::Future<Output = ()>,
{
    let (mut a, mut b) = (Vec::with_capacity(rounds), Vec::with_capacity(rounds));
    for round in 0..rounds + 2 {
        let (sdk_time, base_time) = if round % 2 == 0 {
            let s = batch(in_flight, &sdk).await;
            (s, batch(in_flight, &baseline).await)
        } else {
            let b = batch(in_flight, &baseline).await;
            (batch(in_flight, &sdk).await, b)
        };
        if round >= 2 {
            a.push(sdk_time);
            b.push(base_time);
        }
    }
    (median(a), median(b))
}

async fn timed<F, Fut>(call: &F) -> Duration
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let started = Instant::now();
    call().await;
    started.elapsed()
}

/// Wall time of `in_flight` concurrent calls, divided by their number.
async fn batch<F, Fut>(in_flight: usize, call: &F) -> Duration
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let started = Instant::now();
    futures::future::join_all((0..in_flight).map(|_| call())).await;
    started.elapsed() / in_flight as u32
}

/// CPU time used so far by all threads of this process (server, client
/// and runtime workers alike), from /proc (Linux), in nanoseconds.
pub(crate) fn process_cpu_ns() -> Option<u64> {
    let mut total = 0u64;
    for task in std::fs::read_dir("/proc/self/task").ok()? {
        let path = task.ok()?.path().join("schedstat");
        // A thread may have exited since the directory was listed.
        let Ok(text) = std::fs::read_to_string(path) else {
            continue;
        };
        total += run_ns(&text)?;
    }
    Some(total)
}

/// CPU time used so far by the calling thread, from /proc (Linux), in
/// nanoseconds.
pub(crate) fn thread_cpu_ns() -> Option<u64> {
    run_ns(&std::fs::read_to_string("/proc/thread-self/schedstat").ok()?)
}

/// The time spent running, in nanoseconds: the first field of a
/// `schedstat` file.
fn run_ns(schedstat: &str) -> Option<u64> {
    schedstat.split_whitespace().next()?.parse().ok()
}

/// CPU time per call of `sdk` and `baseline` with `in_flight` calls
/// running concurrently, batches alternating: the process's CPU time
/// summed over each side's batches, divided by its calls. Unlike wall
/// time, this is barely affected by other processes on the machine.
pub(crate) async fn paired_cpu<A, AF, B, BF>(
    rounds: usize,
    in_flight: usize,
    sdk: A,
    baseline: B,
) -> Option<(Duration, Duration)>
where
    A: Fn() -> AF,
    AF: std::future::Future<Output = ()>,
    B: Fn() -> BF,
    BF: std::future::Future<Output = ()>,
{
    let (mut a, mut b) = (0u64, 0u64);
    for round in 0..rounds {
        for side in [round % 2, 1 - round % 2] {
            let before = process_cpu_ns()?;
            if side == 0 {
                batch(in_flight, &sdk).await;
                a += process_cpu_ns()?.saturating_sub(before);
            } else {
                batch(in_flight, &baseline).await;
                b += process_cpu_ns()?.saturating_sub(before);
            }
        }
    }
    let calls = (rounds * in_flight) as u64;
    Some((
        Duration::from_nanos(a / calls),
        Duration::from_nanos(b / calls),
    ))
}

pub(crate) fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort_unstable();
    samples[samples.len() / 2]
}

/// Peak resident set size of this process, from /proc (Linux), in KiB.
pub(crate) fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

pub(crate) fn ratio(sdk: Duration, baseline: Duration) -> f64 {
    sdk.as_secs_f64() / baseline.as_secs_f64()
}
