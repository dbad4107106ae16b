//! BBTI price-list CSV section: read throughput against plain `csv` + serde,
//! and peak memory of a streamed read in a fresh child process.

use std::io::{BufWriter, Write as _};
use std::path::{Path, PathBuf};
use std::str::FromStr as _;
use std::time::Instant;

use bbti::{Grade, PriceRow};
use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer};

use crate::Report;
use crate::support::median;

/// Rows in the generated price list.
pub(crate) const ROWS: usize = 1_000_000;
/// Environment variable that turns the bench binary into the streaming child.
pub(crate) const CHILD_ENV: &str = "PARTNER_BENCH_CSV_CHILD";
/// Interleaved runs of each reader.
const RUNS: usize = 5;

const HEADER: &str = "category,category_value,sku_id,grade,year,month,price,model,model_value,storage,storage_value,carrier,carrier_value,series,series_value,manufacturer,manufacturer_value\n";

/// The same fields and field types as [`bbti::PriceRow`], read by plain
/// `csv` + serde (the grade letter and the price text need a conversion,
/// as in the SDK).
#[derive(Deserialize)]
#[allow(dead_code)]
struct PlainRow {
    category: String,
    category_value: String,
    sku_id: u64,
    #[serde(deserialize_with = "grade_letter")]
    grade: Grade,
    year: i32,
    month: u32,
    #[serde(deserialize_with = "decimal_text")]
    price: Decimal,
    model: String,
    model_value: String,
    storage: String,
    storage_value: String,
    carrier: String,
    carrier_value: String,
    series: String,
    series_value: String,
    manufacturer: String,
    manufacturer_value: String,
}

fn grade_letter<'de, D: Deserializer<'de>>(d: D) -> Result<Grade, D::Error> {
    let s = String::deserialize(d)?;
    Grade::from_letter(&s).ok_or_else(|| serde::de::Error::custom("not a grade letter"))
}

fn decimal_text<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
    let s = String::deserialize(d)?;
    Decimal::from_str(&s).map_err(serde::de::Error::custom)
}

const MODELS: [(&str, &str, &str, &str); 4] = [
    ("iphone-8", "iPhone 8", "iphone", "iPhone"),
    ("iphone-se-2", "iPhone SE (第2世代)", "iphone", "iPhone"),
    ("galaxy-s20", "Galaxy S20", "galaxy", "Galaxy"),
    ("pixel-7", "Pixel 7", "pixel", "Pixel"),
];
const STORAGES: [(&str, &str); 3] = [("64gb", "64GB"), ("128gb", "128GB"), ("256gb", "256GB")];
const CARRIERS: [(&str, &str); 2] = [("simfree", "SIMフリー版"), ("docomo", "docomo")];

/// Writes a price list of `rows` rows in the current layout.
fn generate(path: &Path, rows: usize) -> std::io::Result<()> {
    let mut out = BufWriter::with_capacity(1 << 16, std::fs::File::create(path)?);
    out.write_all(HEADER.as_bytes())?;
    for i in 0..rows {
        let (model, model_value, series, series_value) = MODELS[(i / 24) % MODELS.len()];
        let (storage, storage_value) = STORAGES[(i / 8) % STORAGES.len()];
        let (carrier, carrier_value) = CARRIERS[(i / 4) % CARRIERS.len()];
        let grade = ["a", "b", "c", "d"][i % 4];
        let manufacturer = if series == "galaxy" {
            ("samsung", "Samsung")
        } else if series == "pixel" {
            ("google", "Google")
        } else {
            ("apple", "Apple")
        };
        writeln!(
            out,
            "smartphone,スマートフォン,{},{grade},{},{},{}.{:02},{model},{model_value},{storage},{storage_value},{carrier},{carrier_value},{series},{series_value},{},{}",
            i / 4 + 1,
            2024 + (i / 100_000) % 3,
            1 + (i / 1000) % 12,
            1000 + (i * 37) % 90_000,
            i % 100,
            manufacturer.0,
            manufacturer.1,
        )?;
    }
    out.flush()
}

fn read_sdk(path: &Path) -> (usize, u64) {
    let file = std::fs::File::open(path).expect("open price list");
    let mut rows = 0;
    let mut checksum = 0u64;
    for row in bbti::read_csv(file) {
        let row: PriceRow = row.expect("valid row");
        rows += 1;
        checksum = checksum.wrapping_add(row.sku_id + row.price.mantissa() as u64);
    }
    (rows, checksum)
}

fn read_plain(path: &Path) -> (usize, u64) {
    let file = std::fs::File::open(path).expect("open price list");
    let mut reader = csv::Reader::from_reader(file);
    let mut rows = 0;
    let mut checksum = 0u64;
    for row in reader.deserialize::<PlainRow>() {
        let row = row.expect("valid row");
        rows += 1;
        checksum = checksum.wrapping_add(row.sku_id + row.price.mantissa() as u64);
    }
    (rows, checksum)
}

/// Removes the generated file however the section ends.
struct TempFile(PathBuf);

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// The child process: stream the file through `bbti::read_csv` and print
/// the peak RSS (KiB) before and after, on one line.
pub(crate) fn child(path: &str) {
    let before = crate::support::peak_rss_kib().expect("VmHWM");
    let (rows, _) = read_sdk(Path::new(path));
    let after = crate::support::peak_rss_kib().expect("VmHWM");
    println!("{rows} {before} {after}");
}

fn run_child(path: &Path) -> (usize, u64, u64) {
    let exe = std::env::current_exe().expect("current exe");
    let out = std::process::Command::new(exe)
        .env(CHILD_ENV, path)
        .output()
        .expect("run child");
    assert!(out.status.success(), "child failed: {out:?}");
    let text = String::from_utf8(out.stdout).expect("utf-8");
    let mut it = text
        .split_whitespace()
        .map(|s| s.parse::<u64>().expect("number"));
    let rows = it.next().expect("rows") as usize;
    (rows, it.next().expect("before"), it.next().expect("after"))
}

/// Section 3.
pub(crate) fn bench(report: &mut Report) {
    let path = std::env::temp_dir().join(format!(
        "partner-bench-price-list-{}.csv",
        std::process::id()
    ));
    let file = TempFile(path);
    generate(&file.0, ROWS).expect("write price list");
    let size = std::fs::metadata(&file.0).map(|m| m.len()).unwrap_or(0);
    println!(
        "price list: {ROWS} rows, {:.1} MiB at {}",
        size as f64 / (1 << 20) as f64,
        file.0.display()
    );
    // One untimed pass each brings the file into the page cache.
    let expected = read_plain(&file.0);
    assert_eq!(read_sdk(&file.0), expected);
    assert_eq!(expected.0, ROWS);
    let (mut sdk_t, mut plain_t) = (Vec::new(), Vec::new());
    for _ in 0..RUNS {
        let started = Instant::now();
        assert_eq!(read_sdk(&file.0).0, ROWS);
        sdk_t.push(started.elapsed());
        let started = Instant::now();
        assert_eq!(read_plain(&file.0).0, ROWS);
        plain_t.push(started.elapsed());
    }
    let (sdk, plain) = (median(sdk_t), median(plain_t));
    let rate =
        |d: std::time::Duration| format!("{:.0} k rows/s", ROWS as f64 / d.as_secs_f64() / 1e3);
    report.note(
        "3. BBTI price list, 1 000 000 rows: read throughput (median of 5)",
        rate(sdk),
        rate(plain),
        format!("{:.3}×", crate::support::ratio(plain, sdk)),
        "≥ 0.8×",
    );
    let (rows, before, after) = run_child(&file.0);
    assert_eq!(rows, ROWS);
    report.note(
        "3. BBTI price list, 1 000 000 rows streamed: peak RSS of a fresh process (before reading → after)",
        format!("{:.1} MiB", after as f64 / 1024.0),
        format!("{:.1} MiB before", before as f64 / 1024.0),
        "—".into(),
        "≤ 32 MiB",
    );
}
