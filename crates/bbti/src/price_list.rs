//! The price-list CSV Belong issues on every price update.
//!
//! UTF-8, a header row, one row per SKU × grade. Columns are found by
//! header name, so the older layout without `category`/`category_value`
//! still reads (those fields are then empty). Rows are read one at a time
//! into a reused buffer: memory does not grow with the file. A bad field is
//! reported with its 1-based line and column, and reading goes on with the
//! next row. One record may be at most [`MAX_RECORD_BYTES`] long (a real row
//! is a few hundred bytes): an unterminated quote cannot make the reader
//! buffer the rest of the file; it ends with [`PriceListError::RecordTooLong`].
//!
//! ```
//! let csv = "category,category_value,sku_id,grade,year,month,price,model,model_value,storage,storage_value,carrier,carrier_value,series,series_value,manufacturer,manufacturer_value\n\
//!            smartphone,Smartphone,1,a,2024,1,10000.00,iphone-8,iPhone 8,64gb,64GB,simfree,SIM free,iphone,iPhone,apple,Apple\n";
//! let rows: Vec<_> = partner_sdk_bbti::price_list::read_csv(csv.as_bytes()).collect::<Result<_, _>>().unwrap();
//! assert_eq!(rows[0].grade, partner_sdk_bbti::Grade::A);
//! assert_eq!(rows[0].price.to_string(), "10000.00");
//! ```

use std::collections::HashMap;
use std::io::Read;
use std::pin::Pin;
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};

use futures_util::StreamExt as _;
use rust_decimal::Decimal;

use crate::types::Grade;
use partner_sdk_core::ItemStream;

/// One price: a SKU at a grade for a validity month.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PriceRow {
    /// Category slug (empty in the older layout).
    pub category: String,
    /// Category display name.
    pub category_value: String,
    /// Belong product id.
    pub sku_id: u64,
    /// Grade (`a` → [`Grade::A`]).
    pub grade: Grade,
    /// Validity year.
    pub year: i32,
    /// Validity month (1..=12).
    pub month: u32,
    /// Price in yen, as written (`10000.00`).
    pub price: Decimal,
    /// Model slug.
    pub model: String,
    /// Model display name.
    pub model_value: String,
    /// Storage slug.
    pub storage: String,
    /// Storage display name.
    pub storage_value: String,
    /// Carrier slug.
    pub carrier: String,
    /// Carrier display name.
    pub carrier_value: String,
    /// Series slug.
    pub series: String,
    /// Series display name.
    pub series_value: String,
    /// Manufacturer slug.
    pub manufacturer: String,
    /// Manufacturer display name.
    pub manufacturer_value: String,
}

impl PriceRow {
    /// The price in whole yen, as the API reports it (rounded half away from zero).
    pub fn price_yen(&self) -> Option<i64> {
        use rust_decimal::prelude::ToPrimitive as _;
        self.price
            .round_dp_with_strategy(0, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
            .to_i64()
    }

    /// The index key of this row.
    pub fn key(&self) -> PriceKey {
        PriceKey {
            model: self.model.clone(),
            storage: self.storage.clone(),
            carrier: self.carrier.clone(),
            grade: self.grade.clone(),
        }
    }
}

/// Why a price list could not be read.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum PriceListError {
    /// A field of a row is missing or malformed.
    #[error("price list line {line}, column {column} ({field}): {reason}")]
    Field {
        /// 1-based line in the file.
        line: u64,
        /// 1-based column.
        column: usize,
        /// Column name.
        field: &'static str,
        /// What is wrong (includes the offending text).
        reason: String,
    },
    /// A row has fewer fields than the header.
    #[error("price list line {line}: expected {expected} fields, found {found}")]
    Length {
        /// 1-based line.
        line: u64,
        /// Fields in the header.
        expected: usize,
        /// Fields in the row.
        found: usize,
    },
    /// The header lacks a required column.
    #[error("price list header: missing column {column}")]
    MissingColumn {
        /// Column name.
        column: &'static str,
    },
    /// A record is longer than the per-record limit (an unterminated quote,
    /// or not a price list at all); reading stops.
    #[error("price list line {line}: record longer than the {limit}-byte limit")]
    RecordTooLong {
        /// 1-based line where the record starts.
        line: u64,
        /// The limit in bytes.
        limit: u64,
    },
    /// The file is not readable CSV (I/O error, invalid UTF-8, ...).
    #[error("price list line {line}: {reason}")]
    Csv {
        /// 1-based line (0 when unknown).
        line: u64,
        /// What failed.
        reason: String,
    },
}

impl PriceListError {
    /// 1-based line of the problem, when known.
    pub fn line(&self) -> Option<u64> {
        match self {
            PriceListError::Field { line, .. }
            | PriceListError::Length { line, .. }
            | PriceListError::RecordTooLong { line, .. }
            | PriceListError::Csv { line, .. } => Some(*line).filter(|l| *l > 0),
            PriceListError::MissingColumn { .. } => None,
        }
    }

    /// 1-based column of a bad field.
    pub fn column(&self) -> Option<usize> {
        match self {
            PriceListError::Field { column, .. } => Some(*column),
            _ => None,
        }
    }
}

const COLUMNS: [&str; 17] = [
    "category",
    "category_value",
    "sku_id",
    "grade",
    "year",
    "month",
    "price",
    "model",
    "model_value",
    "storage",
    "storage_value",
    "carrier",
    "carrier_value",
    "series",
    "series_value",
    "manufacturer",
    "manufacturer_value",
];
/// Columns the older layout may lack.
const OPTIONAL: [&str; 2] = ["category", "category_value"];

/// Positions of the known columns in a header.
#[derive(Debug, Clone)]
struct Layout {
    index: [Option<usize>; 17],
    width: usize,
}

impl Layout {
    fn from_header<'a>(header: impl Iterator<Item = &'a str>) -> Result<Self, PriceListError> {
        let names: Vec<String> = header
            .map(|h| h.trim().trim_start_matches('\u{feff}').to_ascii_lowercase())
            .collect();
        let mut index = [None; 17];
        for (i, col) in COLUMNS.iter().enumerate() {
            index[i] = names.iter().position(|n| n == col);
            if index[i].is_none() && !OPTIONAL.contains(col) {
                return Err(PriceListError::MissingColumn { column: col });
            }
        }
        Ok(Layout {
            index,
            width: names.len(),
        })
    }

    fn parse(&self, line: u64, record: &csv::StringRecord) -> Result<PriceRow, PriceListError> {
        self.parse_fields(line, record.len(), |i| record.get(i))
    }

    fn parse_async(
        &self,
        line: u64,
        record: &csv_async::StringRecord,
    ) -> Result<PriceRow, PriceListError> {
        self.parse_fields(line, record.len(), |i| record.get(i))
    }

    fn parse_fields<'r>(
        &self,
        line: u64,
        len: usize,
        get: impl Fn(usize) -> Option<&'r str>,
    ) -> Result<PriceRow, PriceListError> {
        let needed = self.index.iter().flatten().max().map_or(0, |m| m + 1);
        if len < needed {
            return Err(PriceListError::Length {
                line,
                expected: self.width,
                found: len,
            });
        }
        let text = |c: usize| -> (&'r str, usize) {
            match self.index[c] {
                Some(i) => (get(i).unwrap_or("").trim(), i + 1),
                None => ("", 0),
            }
        };
        let bad = |c: usize, column: usize, reason: String| PriceListError::Field {
            line,
            column,
            field: COLUMNS[c],
            reason,
        };
        let required = |c: usize| -> Result<String, PriceListError> {
            let (t, col) = text(c);
            if t.is_empty() {
                return Err(bad(c, col, "is empty".into()));
            }
            Ok(t.to_owned())
        };
        let number = |c: usize| -> Result<i64, PriceListError> {
            let (t, col) = text(c);
            t.parse::<i64>()
                .map_err(|_| bad(c, col, format!("{t:?} is not a whole number")))
        };
        let sku_id = {
            let (t, col) = text(2);
            t.parse::<u64>()
                .map_err(|_| bad(2, col, format!("{t:?} is not a product id")))?
        };
        let grade = {
            let (t, col) = text(3);
            Grade::from_letter(t)
                .ok_or_else(|| bad(3, col, format!("{t:?} is not a grade letter")))?
        };
        let year = number(4)?;
        let year = i32::try_from(year)
            .ok()
            .filter(|y| (1..=9999).contains(y))
            .ok_or_else(|| bad(4, text(4).1, format!("{year} is not a year")))?;
        let month = number(5)?;
        let month = u32::try_from(month)
            .ok()
            .filter(|m| (1..=12).contains(m))
            .ok_or_else(|| bad(5, text(5).1, format!("{month} is not a month")))?;
        let price = {
            let (t, col) = text(6);
            let d = Decimal::from_str(t)
                .map_err(|_| bad(6, col, format!("{t:?} is not a decimal price")))?;
            if d.is_sign_negative() {
                return Err(bad(6, col, format!("{t:?} is negative")));
            }
            d
        };
        Ok(PriceRow {
            category: text(0).0.to_owned(),
            category_value: text(1).0.to_owned(),
            sku_id,
            grade,
            year,
            month,
            price,
            model: required(7)?,
            model_value: text(8).0.to_owned(),
            storage: text(9).0.to_owned(),
            storage_value: text(10).0.to_owned(),
            carrier: text(11).0.to_owned(),
            carrier_value: text(12).0.to_owned(),
            series: text(13).0.to_owned(),
            series_value: text(14).0.to_owned(),
            manufacturer: required(15)?,
            manufacturer_value: text(16).0.to_owned(),
        })
    }
}

/// Largest record the readers accept by default: 64 KiB.
pub const MAX_RECORD_BYTES: u64 = 64 * 1024;

/// Where the record being read started: its byte offset and line.
#[derive(Debug, Default)]
struct RecordStart {
    byte: AtomicU64,
    line: AtomicU64,
}

impl RecordStart {
    fn set(&self, byte: u64, line: u64) {
        self.byte.store(byte, Ordering::Relaxed);
        self.line.store(line, Ordering::Relaxed);
    }
}

/// The marker error a [`Limited`] reader returns.
#[derive(Debug)]
struct RecordTooLong;

impl std::fmt::Display for RecordTooLong {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("record too long")
    }
}

impl std::error::Error for RecordTooLong {}

/// A reader that fails once more than `limit` bytes were read since the
/// start of the current record (the CSV reader reports each record start).
/// The CSV reader's own buffer reads ahead a little, so a record may exceed
/// the limit by at most one buffer before the error.
struct Limited<R> {
    inner: R,
    read: u64,
    limit: u64,
    start: Arc<RecordStart>,
}

impl<R> Limited<R> {
    fn within_limit(&self) -> std::io::Result<()> {
        let since = self
            .read
            .saturating_sub(self.start.byte.load(Ordering::Relaxed));
        if since > self.limit {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                RecordTooLong,
            ));
        }
        Ok(())
    }
}

impl<R: Read> Read for Limited<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.within_limit()?;
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        Ok(n)
    }
}

impl<R: tokio::io::AsyncRead + Unpin> tokio::io::AsyncRead for Limited<R> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        self.within_limit()?;
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = polled {
            self.read += (buf.filled().len() - before) as u64;
        }
        polled
    }
}

/// Maps an I/O error of the CSV reader: the record limit, or a plain error.
fn io_error(
    io: &std::io::Error,
    start: &RecordStart,
    limit: u64,
    line: u64,
    reason: String,
) -> PriceListError {
    if io
        .get_ref()
        .is_some_and(|e| e.downcast_ref::<RecordTooLong>().is_some())
    {
        return PriceListError::RecordTooLong {
            line: start.line.load(Ordering::Relaxed),
            limit,
        };
    }
    PriceListError::Csv { line, reason }
}

/// Rows of a price list, read one at a time (see [`read_csv`]).
pub struct PriceRows<R> {
    reader: csv::Reader<Limited<R>>,
    start: Arc<RecordStart>,
    limit: u64,
    layout: Option<Layout>,
    record: csv::StringRecord,
    done: bool,
}

impl<R> std::fmt::Debug for PriceRows<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PriceRows")
            .field("limit", &self.limit)
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}

/// Reads a price list from any reader. Each item is a row or the error of
/// one row (with its line and column); a header or I/O error, or a record
/// over [`MAX_RECORD_BYTES`], ends the iteration.
pub fn read_csv<R: Read>(reader: R) -> PriceRows<R> {
    read_csv_with_limit(reader, MAX_RECORD_BYTES)
}

/// [`read_csv`] with another per-record limit, in bytes.
pub fn read_csv_with_limit<R: Read>(reader: R, max_record_bytes: u64) -> PriceRows<R> {
    let start = Arc::new(RecordStart::default());
    start.set(0, 1);
    let reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(Limited {
            inner: reader,
            read: 0,
            limit: max_record_bytes,
            start: Arc::clone(&start),
        });
    PriceRows {
        reader,
        start,
        limit: max_record_bytes,
        layout: None,
        record: csv::StringRecord::new(),
        done: false,
    }
}

impl<R: Read> PriceRows<R> {
    fn csv_error(&self, e: &csv::Error) -> PriceListError {
        let line = e.position().map_or(0, csv::Position::line);
        match e.kind() {
            csv::ErrorKind::Io(io) => io_error(io, &self.start, self.limit, line, e.to_string()),
            _ => PriceListError::Csv {
                line,
                reason: e.to_string(),
            },
        }
    }

    fn mark_record_start(&self) {
        let p = self.reader.position();
        self.start.set(p.byte(), p.line());
    }
}

impl<R: Read> Iterator for PriceRows<R> {
    type Item = Result<PriceRow, PriceListError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        if self.layout.is_none() {
            let layout = match self.reader.headers() {
                Ok(h) => Layout::from_header(h.iter()),
                Err(e) => Err(self.csv_error(&e)),
            };
            match layout {
                Ok(l) => {
                    self.layout = Some(l);
                    self.mark_record_start();
                }
                Err(e) => {
                    self.done = true;
                    return Some(Err(e));
                }
            }
        }
        loop {
            match self.reader.read_record(&mut self.record) {
                Ok(false) => {
                    self.done = true;
                    return None;
                }
                Ok(true) => {
                    self.mark_record_start();
                    if self.record.iter().all(|f| f.trim().is_empty()) {
                        continue;
                    }
                    let line = self.record.position().map_or(0, csv::Position::line);
                    let layout = self.layout.as_ref()?;
                    return Some(layout.parse(line, &self.record));
                }
                Err(e) => {
                    self.mark_record_start();
                    // UTF-8 errors are per-row; I/O errors (the record
                    // limit included) end the file.
                    if matches!(e.kind(), csv::ErrorKind::Io(_)) {
                        self.done = true;
                    }
                    return Some(Err(self.csv_error(&e)));
                }
            }
        }
    }
}

/// The async variant of [`read_csv`] over any tokio `AsyncRead`.
pub fn read_csv_async<R>(reader: R) -> ItemStream<PriceRow, PriceListError>
where
    R: tokio::io::AsyncRead + Unpin + Send + 'static,
{
    read_csv_async_with_limit(reader, MAX_RECORD_BYTES)
}

/// [`read_csv_async`] with another per-record limit, in bytes.
pub fn read_csv_async_with_limit<R>(
    reader: R,
    max_record_bytes: u64,
) -> ItemStream<PriceRow, PriceListError>
where
    R: tokio::io::AsyncRead + Unpin + Send + 'static,
{
    let start = Arc::new(RecordStart::default());
    start.set(0, 1);
    let reader = csv_async::AsyncReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .create_reader(Limited {
            inner: reader,
            read: 0,
            limit: max_record_bytes,
            start: Arc::clone(&start),
        });
    struct State<R> {
        reader: csv_async::AsyncReader<Limited<R>>,
        start: Arc<RecordStart>,
        limit: u64,
        layout: Option<Layout>,
        record: csv_async::StringRecord,
        done: bool,
    }
    impl<R: tokio::io::AsyncRead + Unpin + Send> State<R> {
        fn error(&self, e: &csv_async::Error) -> PriceListError {
            let line = e.position().map_or(0, csv_async::Position::line);
            match e.kind() {
                csv_async::ErrorKind::Io(io) => {
                    io_error(io, &self.start, self.limit, line, e.to_string())
                }
                _ => PriceListError::Csv {
                    line,
                    reason: e.to_string(),
                },
            }
        }
        fn mark_record_start(&self) {
            let p = self.reader.position();
            self.start.set(p.byte(), p.line());
        }
    }
    let state = State {
        reader,
        start,
        limit: max_record_bytes,
        layout: None,
        record: csv_async::StringRecord::new(),
        done: false,
    };
    futures_util::stream::unfold(state, |mut s| async move {
        if s.done {
            return None;
        }
        if s.layout.is_none() {
            let layout = match s.reader.headers().await {
                Ok(h) => Layout::from_header(h.iter()),
                Err(e) => Err(s.error(&e)),
            };
            match layout {
                Ok(l) => {
                    s.layout = Some(l);
                    s.mark_record_start();
                }
                Err(e) => {
                    s.done = true;
                    return Some((Err(e), s));
                }
            }
        }
        loop {
            match s.reader.read_record(&mut s.record).await {
                Ok(false) => return None,
                Ok(true) => {
                    s.mark_record_start();
                    if s.record.iter().all(|f| f.trim().is_empty()) {
                        continue;
                    }
                    let line = s.record.position().map_or(0, csv_async::Position::line);
                    let row = match &s.layout {
                        Some(layout) => layout.parse_async(line, &s.record),
                        None => return None,
                    };
                    return Some((row, s));
                }
                Err(e) => {
                    s.mark_record_start();
                    if matches!(e.kind(), csv_async::ErrorKind::Io(_)) {
                        s.done = true;
                    }
                    let err = s.error(&e);
                    return Some((Err(err), s));
                }
            }
        }
    })
    .boxed()
}

/// Look-up key of a [`PriceIndex`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PriceKey {
    /// Model slug.
    pub model: String,
    /// Storage slug.
    pub storage: String,
    /// Carrier slug.
    pub carrier: String,
    /// Grade.
    pub grade: Grade,
}

/// Rows indexed by (model, storage, carrier, grade). When a key appears
/// twice, the later row (a later validity month, or later in the file) wins.
#[derive(Debug, Clone, Default)]
pub struct PriceIndex {
    rows: HashMap<PriceKey, PriceRow>,
}

impl PriceIndex {
    /// Indexes rows; stops at the first error.
    pub fn from_rows<I>(rows: I) -> Result<Self, PriceListError>
    where
        I: IntoIterator<Item = Result<PriceRow, PriceListError>>,
    {
        let mut index = PriceIndex::default();
        for row in rows {
            index.insert(row?);
        }
        Ok(index)
    }

    /// Adds a row, keeping the newer validity month for a repeated key.
    pub fn insert(&mut self, row: PriceRow) {
        let key = row.key();
        match self.rows.get(&key) {
            Some(old) if (old.year, old.month) > (row.year, row.month) => {}
            _ => {
                self.rows.insert(key, row);
            }
        }
    }

    /// The row for a model, storage and carrier slug and a grade.
    pub fn get(
        &self,
        model: &str,
        storage: &str,
        carrier: &str,
        grade: &Grade,
    ) -> Option<&PriceRow> {
        self.rows.get(&PriceKey {
            model: model.to_owned(),
            storage: storage.to_owned(),
            carrier: carrier.to_owned(),
            grade: grade.clone(),
        })
    }

    /// The price for a model, storage and carrier slug and a grade.
    pub fn price(
        &self,
        model: &str,
        storage: &str,
        carrier: &str,
        grade: &Grade,
    ) -> Option<Decimal> {
        self.get(model, storage, carrier, grade).map(|r| r.price)
    }

    /// Number of indexed keys.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Every indexed row, in no particular order.
    pub fn rows(&self) -> impl Iterator<Item = &PriceRow> {
        self.rows.values()
    }
}
