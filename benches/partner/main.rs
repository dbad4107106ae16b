//! The SDK's cost on top of the HTTP call, each figure a ratio against a
//! baseline measured in the same run on the same loopback server.
//!
//! Run: `cargo bench --bench partner` (release build). Sections:
//! 1. typed call vs hand-written reqwest + serde_json, 1 and 256 in flight;
//! 2. cold client, 256 concurrent calls: token requests and time to first answer;
//! 3. BBTI price-list CSV, 1 000 000 rows: throughput and peak memory;
//! 4. DT One catalogue of 10 000 products: decode throughput.

mod bbti;
mod brighte;
mod cpu;
mod dtone;
mod dtone_dvs;
mod price_list;
mod support;

use std::time::Duration;

/// Calls per latency measurement with one call in flight.
pub(crate) const ITERATIONS: usize = 5_000;
/// Batches per measurement with 256 calls in flight.
pub(crate) const ROUNDS: usize = 41;
/// Batches per CPU-time measurement with 256 calls in flight: one batch's
/// CPU time varies up to twofold on this 2-vCPU machine (scheduling,
/// worker threads spinning before they park), so the sum needs more.
pub(crate) const CPU_ROUNDS: usize = 121;

/// Collects rows and prints them as a Markdown table.
#[derive(Default)]
pub(crate) struct Report {
    rows: Vec<[String; 5]>,
}

pub(crate) fn show(d: Duration) -> String {
    if d < Duration::from_millis(1) {
        format!("{:.1} µs", d.as_secs_f64() * 1e6)
    } else {
        format!("{:.2} ms", d.as_secs_f64() * 1e3)
    }
}

impl Report {
    /// A latency row: ratio = SDK time / baseline time (lower is better).
    pub(crate) fn row(&mut self, name: &str, sdk: Duration, baseline: Duration, target: &str) {
        let r = support::ratio(sdk, baseline);
        self.push([
            name.into(),
            show(sdk),
            show(baseline),
            format!("{r:.3}×"),
            target.into(),
        ]);
    }

    /// A throughput row: ratio = baseline time / SDK time (higher is better).
    pub(crate) fn throughput(
        &mut self,
        name: &str,
        sdk: Duration,
        baseline: Duration,
        target: &str,
    ) {
        let r = support::ratio(baseline, sdk);
        self.push([
            name.into(),
            show(sdk),
            show(baseline),
            format!("{r:.3}×"),
            target.into(),
        ]);
    }

    /// A free-form row.
    pub(crate) fn note(
        &mut self,
        name: &str,
        sdk: String,
        baseline: String,
        ratio: String,
        target: &str,
    ) {
        self.push([name.into(), sdk, baseline, ratio, target.into()]);
    }

    fn push(&mut self, row: [String; 5]) {
        println!(
            "{}: {} vs {} → {} (target {})",
            row[0], row[1], row[2], row[3], row[4]
        );
        self.rows.push(row);
    }

    fn print(&self) {
        println!("\n| measurement | SDK | baseline | ratio | target |");
        println!("|---|---|---|---|---|");
        for r in &self.rows {
            println!("| {} | {} | {} | {} | {} |", r[0], r[1], r[2], r[3], r[4]);
        }
    }
}

/// Section 1 rows for one endpoint: the SDK call against the hand-written
/// call (`raw_with(false)`), 1 and 256 in flight, in wall time and in CPU
/// time; then against a hand-written call that does the same work the SDK
/// must do (`raw_with(true)`: the same 30 s per-call timeout and the
/// provider's check for an error inside a 2xx body), which leaves the cost
/// of the SDK's own machinery; then against the same SDK call on a second
/// client (`sdk_again`), the harness's own resolution. Returns whether it
/// measured (not when profiling, see [`Profile`]).
pub(crate) async fn overhead_rows<A, AF, A2, AF2, M, B, BF>(
    report: &mut Report,
    name: &str,
    sdk: A,
    sdk_again: A2,
    raw_with: M,
) -> bool
where
    A: Fn() -> AF,
    AF: std::future::Future<Output = ()>,
    A2: Fn() -> AF2,
    AF2: std::future::Future<Output = ()>,
    M: Fn(bool) -> B,
    B: Fn() -> BF,
    BF: std::future::Future<Output = ()>,
{
    let plain = raw_with(false);
    let same = raw_with(true);
    if let Some(profile) = Profile::from_env() {
        if name.contains(profile.provider.as_str()) {
            match profile.side {
                Side::Sdk => profile.run(&sdk).await,
                Side::Plain => profile.run(&plain).await,
                Side::SameWork => profile.run(&same).await,
                Side::Pair => {
                    // Row 1's 1-in-flight measurement alone, so that a
                    // sampling profiler can tell the two calls apart by
                    // their stacks.
                    warm(&sdk).await;
                    warm(&plain).await;
                    let (s, b) = support::paired_latency(profile.calls, &sdk, &plain).await;
                    let ratio = support::ratio(s, b);
                    eprintln!("pair: SDK {s:?}, plain {b:?}, {ratio:.3}×");
                }
                Side::Trio => {
                    warm(&sdk).await;
                    warm(&plain).await;
                    warm(&same).await;
                    let [s, p, w] =
                        support::rotated_latency(profile.calls, &sdk, &plain, &same).await;
                    eprintln!(
                        "trio: SDK {s:?}, plain {p:?}, same work {w:?}; SDK/plain {:.3}×, SDK/same work {:.3}×, same work/plain {:.3}×",
                        support::ratio(s, p),
                        support::ratio(s, w),
                        support::ratio(w, p),
                    );
                }
            }
        }
        return false;
    }
    // Both clients start with the same pool: one burst of 256 leaves each
    // with idle connections, as a client under load has. Otherwise the pool
    // state each side happens to reach (one idle connection, whose checkout
    // and return empty and refill hyper's idle map on every call, or more)
    // would weigh on the ratio.
    warm(&sdk).await;
    warm(&plain).await;
    let (s, b) = support::paired_latency(ITERATIONS, &sdk, &plain).await;
    report.row(&format!("1. {name}, 1 in flight"), s, b, "≤ 1.05×");
    let (s, b) = support::paired_batch(ROUNDS, 256, &sdk, &plain).await;
    report.row(&format!("1. {name}, 256 in flight"), s, b, "≤ 1.05×");
    if let Some((s, b)) = support::paired_cpu(CPU_ROUNDS, 256, &sdk, &plain).await {
        let row = format!("1. {name}, 256 in flight, CPU time per call (whole process)");
        report.row(&row, s, b, "≤ 1.05×");
    }
    let (s, b) = support::paired_latency(ITERATIONS, &sdk, &same).await;
    let row = format!("1b. {name}, 1 in flight, baseline doing the same work");
    report.row(&row, s, b, "diagnostic");
    let (s, b) = support::paired_batch(ROUNDS, 256, &sdk, &same).await;
    let row = format!("1b. {name}, 256 in flight, baseline doing the same work");
    report.row(&row, s, b, "diagnostic");
    if let Some((s, b)) = support::paired_cpu(CPU_ROUNDS, 256, &sdk, &same).await {
        let row = format!("1b. {name}, 256 in flight, baseline doing the same work, CPU per call");
        report.row(&row, s, b, "diagnostic");
    }
    // The harness against itself: the same call on a second client of the
    // same kind, built and warmed the same way. Its distance from 1 is how
    // finely the 1-in-flight rows resolve a difference.
    warm(&sdk_again).await;
    let (s, b) = support::paired_latency(ITERATIONS, &sdk, &sdk_again).await;
    let row = format!("1e. {name}, 1 in flight, SDK against a second SDK client");
    report.row(&row, s, b, "diagnostic");
    // Memory every call in flight holds (and, in `join_all`, allocates).
    let (s, b) = (size_of_val(&sdk()), size_of_val(&plain()));
    report.note(
        &format!("1d. {name}: size of one call's future"),
        format!("{s} B"),
        format!("{b} B"),
        format!("{:.3}×", s as f64 / b as f64),
        "diagnostic",
    );
    true
}

/// One burst of 256 concurrent calls, so that the client's pool holds idle
/// connections before it is measured.
async fn warm<A, AF>(call: &A)
where
    A: Fn() -> AF,
    AF: std::future::Future<Output = ()>,
{
    futures::future::join_all((0..256).map(|_| call())).await;
}

/// `PARTNER_BENCH_PROFILE=<side>:<in flight>:<calls>[:<provider>]`, e.g.
/// `sdk:256:4096:BBTI`: instead of section 1's rows, run only one side
/// (`sdk`; `baseline`, the plain hand-written call; or `same`, the call of
/// row 1b doing the same work) for that many calls,
/// that many in flight, for the endpoints whose name contains `<provider>`
/// (all when empty). Everything else the run does (servers, clients, the
/// token or session) is the same for both sides, so the difference between
/// the two sides' instruction counts under `valgrind --tool=callgrind`,
/// divided by the calls, is the SDK's extra work per call (run two call
/// counts and subtract, so that one-time work such as the first connection
/// and the token request cancels out). The same holds for cache misses
/// under `valgrind --tool=cachegrind --cache-sim=yes`. Each run prints the
/// CPU time per call of the calling thread and of the whole process. The
/// side `pair` runs row 1's 1-in-flight pairing instead, for a sampling
/// profiler (`perf record --call-graph dwarf`); the side `trio` rotates
/// the SDK call, the plain call and the same-work call one at a time, so
/// that one run splits the SDK's extra time at 1 in flight between the
/// work it must do and its own machinery.
struct Profile {
    side: Side,
    in_flight: usize,
    calls: usize,
    provider: String,
}

impl Profile {
    fn from_env() -> Option<Profile> {
        let spec = std::env::var("PARTNER_BENCH_PROFILE").ok()?;
        let mut parts = spec.split(':');
        let side = match parts.next()? {
            "sdk" => Side::Sdk,
            "baseline" => Side::Plain,
            "same" => Side::SameWork,
            "pair" => Side::Pair,
            "trio" => Side::Trio,
            other => panic!("PARTNER_BENCH_PROFILE: unknown side {other:?}"),
        };
        let in_flight = parts.next()?.parse::<usize>().expect("in flight").max(1);
        let calls = parts.next()?.parse().expect("calls");
        let provider = parts.next().unwrap_or("").to_owned();
        Some(Profile {
            side,
            in_flight,
            calls,
            provider,
        })
    }

    async fn run<A, AF>(&self, call: &A)
    where
        A: Fn() -> AF,
        AF: std::future::Future<Output = ()>,
    {
        // The same warm pool as section 1's measurements (see `warm`).
        warm(call).await;
        let (own, all) = (support::thread_cpu_ns(), support::process_cpu_ns());
        let batches = self.calls.div_ceil(self.in_flight);
        for _ in 0..batches {
            futures::future::join_all((0..self.in_flight).map(|_| call())).await;
        }
        // CPU time per call of the calling thread (where a call's own work
        // runs) and of the whole process, for comparing the two sides.
        let calls = (batches * self.in_flight) as f64;
        let per_call = |before: Option<u64>, after: Option<u64>| match (before, after) {
            (Some(b), Some(a)) => format!("{:.2} µs", a.saturating_sub(b) as f64 / calls / 1e3),
            _ => "unknown".to_owned(),
        };
        eprintln!(
            "profile: {calls} calls, CPU per call: calling thread {}, whole process {}",
            per_call(own, support::thread_cpu_ns()),
            per_call(all, support::process_cpu_ns()),
        );
    }
}

/// Which call a [`Profile`] runs.
enum Side {
    /// The SDK method.
    Sdk,
    /// The plain hand-written call (section 1's baseline).
    Plain,
    /// The hand-written call doing the same work (section 1b's baseline).
    SameWork,
    /// Both, paired one call at a time as row 1 measures them at 1 in
    /// flight (`<in flight>` is ignored; `<calls>` pairs).
    Pair,
    /// The SDK, the plain call and the same-work call, rotated call by
    /// call at 1 in flight: how the SDK's extra time splits between the
    /// work it is required to do (timer, 2xx check) and its machinery.
    Trio,
}

/// Sections to run: all, or those listed in `PARTNER_BENCH_SECTIONS`
/// (e.g. `1,3`), for re-running one part while working on it.
fn wanted(section: char) -> bool {
    match std::env::var("PARTNER_BENCH_SECTIONS") {
        Ok(list) => list.contains(section),
        Err(_) => true,
    }
}

fn main() {
    // Re-executed by section 3 to measure the peak memory of a streamed
    // read in a process that has done nothing else.
    if let Ok(path) = std::env::var(price_list::CHILD_ENV) {
        price_list::child(&path);
        return;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    let mut report = Report::default();
    runtime.block_on(async {
        if wanted('1') {
            bbti::overhead(&mut report).await;
            dtone::overhead(&mut report).await;
            dtone_dvs::overhead(&mut report).await;
            brighte::overhead(&mut report).await;
        }
        if wanted('2') {
            bbti::cold_start(&mut report).await;
        }
    });
    if wanted('1') && std::env::var_os("PARTNER_BENCH_PROFILE").is_none() {
        cpu::bench(&mut report);
    }
    if wanted('3') {
        price_list::bench(&mut report);
    }
    if wanted('4') {
        dtone::decode(&mut report);
    }
    report.print();
}
