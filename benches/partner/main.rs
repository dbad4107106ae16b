//! The SDK's cost on top of the HTTP call, each figure a ratio against a
//! baseline measured in the same run on the same loopback server.
//!
//! Run: `cargo bench --bench partner` (release build). Sections:
//! 1. typed call vs hand-written reqwest + serde_json, 1 and 256 in flight;
//! 2. cold client, 256 concurrent calls: token requests and time to first answer;
//! 3. BBTI price-list CSV, 1 000 000 rows: throughput and peak memory;
//! 4. DT One catalogue of 10 000 products: decode throughput.

mod dtone;
mod support;

use std::time::Duration;

/// Calls per latency measurement with one call in flight.
pub(crate) const ITERATIONS: usize = 2_000;
/// Batches per measurement with 256 calls in flight.
pub(crate) const ROUNDS: usize = 15;

/// Collects rows and prints them as a Markdown table.
#[derive(Default)]
pub(crate) struct Report {
    rows: Vec<[String; 5]>,
}

fn show(d: Duration) -> String {
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
        self.push([name.into(), show(sdk), show(baseline), format!("{r:.3}×"), target.into()]);
    }

    /// A throughput row: ratio = baseline time / SDK time (higher is better).
    pub(crate) fn throughput(&mut self, name: &str, sdk: Duration, baseline: Duration, target: &str) {
        let r = support::ratio(baseline, sdk);
        self.push([name.into(), show(sdk), show(baseline), format!("{r:.3}×"), target.into()]);
    }

    /// A free-form row.
    pub(crate) fn note(&mut self, name: &str, sdk: String, baseline: String, ratio: String, target: &str) {
        self.push([name.into(), sdk, baseline, ratio, target.into()]);
    }

    fn push(&mut self, row: [String; 5]) {
        println!("{}: {} vs {} → {} (target {})", row[0], row[1], row[2], row[3], row[4]);
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

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    let mut report = Report::default();
    runtime.block_on(async {
        dtone::overhead(&mut report).await;
    });
    dtone::decode(&mut report);
    report.print();
}
