//! The price-list CSV reader.

use bbti::Grade;
use bbti::price_list::{PriceIndex, PriceListError, read_csv, read_csv_async};
use futures::StreamExt as _;
use rust_decimal::Decimal;
use std::str::FromStr;

const SAMPLE: &str = include_str!("../../fixtures/bbti/price_list_sample.csv");

#[test]
fn sample_parses_to_twelve_rows_with_the_right_values() {
    let rows: Vec<_> = read_csv(SAMPLE.as_bytes())
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(rows.len(), 12);
    let first = &rows[0];
    assert_eq!(first.category, "smartphone");
    assert_eq!(first.category_value, "スマートフォン");
    assert_eq!(first.sku_id, 1);
    assert_eq!(first.grade, Grade::A);
    assert_eq!((first.year, first.month), (2024, 1));
    assert_eq!(first.price, Decimal::from_str("10000.00").unwrap());
    assert_eq!(first.price_yen(), Some(10000));
    assert_eq!(first.model, "iphone-8");
    assert_eq!(first.model_value, "iPhone 8");
    assert_eq!(first.storage, "64gb");
    assert_eq!(first.carrier_value, "SIMフリー版");
    assert_eq!(first.series, "iphone");
    assert_eq!(first.manufacturer_value, "Apple");
    let grades: Vec<_> = rows.iter().take(3).map(|r| r.grade.clone()).collect();
    assert_eq!(grades, [Grade::A, Grade::B, Grade::C]);
    assert_eq!(rows[4].price, Decimal::from_str("7500.00").unwrap());
    let last = &rows[11];
    assert_eq!(
        (last.sku_id, last.model.as_str(), last.manufacturer.as_str()),
        (4, "pixel-4a", "google")
    );
    assert_eq!(last.price, Decimal::from(5000));
}

#[test]
fn a_bad_price_on_line_five_names_line_five_and_the_column() {
    let mut lines: Vec<String> = SAMPLE.lines().map(str::to_owned).collect();
    lines[4] = lines[4]
        .replace("10000.00", "10,000.00x")
        .replace(",10,000", ",10000");
    assert!(lines[4].contains("10000.00x"));
    let text = lines.join("\n");
    let results: Vec<_> = read_csv(text.as_bytes()).collect();
    assert_eq!(results.len(), 12, "reading goes on after a bad row");
    let errors: Vec<_> = results.iter().filter_map(|r| r.as_ref().err()).collect();
    assert_eq!(errors.len(), 1);
    let e = errors[0];
    assert_eq!(e.line(), Some(5));
    assert_eq!(e.column(), Some(7));
    assert!(matches!(e, PriceListError::Field { field: "price", .. }));
    let msg = e.to_string();
    assert!(msg.contains("line 5") && msg.contains("10000.00x"), "{msg}");
}

#[test]
fn bad_grade_short_row_and_missing_column_are_reported() {
    let header = SAMPLE.lines().next().unwrap();
    let row = SAMPLE.lines().nth(1).unwrap();
    let bad_grade = format!("{header}\n{}\n", row.replace(",a,2024", ",z,2024"));
    let e = read_csv(bad_grade.as_bytes()).next().unwrap().unwrap_err();
    assert_eq!((e.line(), e.column()), (Some(2), Some(4)));

    let short = format!("{header}\nsmartphone,x,1,a\n");
    let e = read_csv(short.as_bytes()).next().unwrap().unwrap_err();
    assert!(matches!(e, PriceListError::Length { line: 2, .. }), "{e:?}");

    let no_price = header.replace(",price,", ",cost,");
    let e = read_csv(format!("{no_price}\n{row}\n").as_bytes())
        .next()
        .unwrap()
        .unwrap_err();
    assert!(matches!(
        e,
        PriceListError::MissingColumn { column: "price" }
    ));

    let bad_month = format!("{header}\n{}\n", row.replace(",2024,1,", ",2024,13,"));
    let e = read_csv(bad_month.as_bytes()).next().unwrap().unwrap_err();
    assert_eq!(e.column(), Some(6));
}

#[test]
fn older_layout_without_category_columns_reads() {
    let text: String = SAMPLE
        .lines()
        .map(|l| l.splitn(3, ',').nth(2).unwrap().to_owned() + "\n")
        .collect();
    let rows: Vec<_> = read_csv(text.as_bytes()).collect::<Result<_, _>>().unwrap();
    assert_eq!(rows.len(), 12);
    assert!(rows[0].category.is_empty());
    assert_eq!(rows[0].model, "iphone-8");
}

#[test]
fn index_looks_prices_up_by_model_storage_carrier_grade() {
    let index = PriceIndex::from_rows(read_csv(SAMPLE.as_bytes())).unwrap();
    assert_eq!(index.len(), 12);
    assert_eq!(
        index.price("iphone-8", "128gb", "simfree", &Grade::B),
        Some(Decimal::from_str("7500.00").unwrap())
    );
    assert_eq!(
        index
            .get("pixel-4a", "128gb", "simfree", &Grade::C)
            .unwrap()
            .sku_id,
        4
    );
    assert!(
        index
            .get("iphone-8", "512gb", "simfree", &Grade::A)
            .is_none()
    );
}

#[tokio::test]
async fn async_reader_yields_the_same_rows() {
    let sync: Vec<_> = read_csv(SAMPLE.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .unwrap();
    let rows: Vec<_> = read_csv_async(std::io::Cursor::new(SAMPLE.as_bytes().to_vec()))
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(rows, sync);
    let mut lines: Vec<String> = SAMPLE.lines().map(str::to_owned).collect();
    lines[4] = lines[4].replace("10000.00", "ten");
    let results: Vec<_> = read_csv_async(std::io::Cursor::new(lines.join("\n").into_bytes()))
        .collect()
        .await;
    let e = results.iter().find_map(|r| r.as_ref().err()).unwrap();
    assert_eq!((e.line(), e.column()), (Some(5), Some(7)));
}

/// A reader that generates rows on demand: reading a large list must not
/// hold it in memory (the iterator owns only one record buffer).
struct Generated {
    rows: usize,
    next: usize,
    pending: Vec<u8>,
}

impl std::io::Read for Generated {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.pending.is_empty() {
            if self.next > self.rows {
                return Ok(0);
            }
            self.pending = if self.next == 0 {
                format!("{}\n", SAMPLE.lines().next().unwrap()).into_bytes()
            } else {
                format!(
                    "smartphone,s,{},b,2024,2,{}.50,m{},M,64gb,64GB,simfree,SF,x,X,apple,Apple\n",
                    self.next,
                    self.next,
                    self.next % 100
                )
                .into_bytes()
            };
            self.next += 1;
        }
        let n = buf.len().min(self.pending.len());
        buf[..n].copy_from_slice(&self.pending[..n]);
        self.pending.drain(..n);
        Ok(n)
    }
}

#[test]
fn streams_many_rows_one_at_a_time() {
    let reader = Generated {
        rows: 50_000,
        next: 0,
        pending: Vec::new(),
    };
    let mut count = 0usize;
    for row in read_csv(reader) {
        let row = row.unwrap();
        count += 1;
        assert_eq!(row.sku_id as usize, count);
    }
    assert_eq!(count, 50_000);
}
