//! Belong's price list in its older layout (without `category` and
//! `category_value`, `fixtures/bbti/price_list_sample.older_layout.csv`,
//! copied verbatim): the same 12 rows as the current layout, with empty
//! categories, through both readers and the index.

use bbti::price_list::{PriceIndex, PriceRow, read_csv, read_csv_async};
use futures::StreamExt as _;

const CURRENT: &str = include_str!("../../fixtures/bbti/price_list_sample.csv");
const OLDER: &str = include_str!("../../fixtures/bbti/price_list_sample.older_layout.csv");

fn rows(text: &str) -> Vec<PriceRow> {
    read_csv(text.as_bytes()).collect::<Result<_, _>>().unwrap()
}

/// The current layout's rows with their categories emptied.
fn current_without_categories() -> Vec<PriceRow> {
    rows(CURRENT)
        .into_iter()
        .map(|mut row| {
            assert_eq!(row.category, "smartphone");
            assert_eq!(row.category_value, "スマートフォン");
            row.category.clear();
            row.category_value.clear();
            row
        })
        .collect()
}

#[test]
fn the_older_layout_has_no_category_columns() {
    let header = OLDER.lines().next().unwrap();
    assert!(header.starts_with("sku_id,grade,"), "{header}");
    assert!(!header.contains("category"), "{header}");
}

#[test]
fn older_layout_reads_as_the_current_rows_with_empty_categories() {
    let older = rows(OLDER);
    assert_eq!(older.len(), 12);
    assert!(
        older
            .iter()
            .all(|r| r.category.is_empty() && r.category_value.is_empty())
    );
    assert_eq!(older, current_without_categories());
}

#[tokio::test]
async fn the_async_reader_reads_the_older_layout_the_same_way() {
    let older: Vec<PriceRow> = read_csv_async(OLDER.as_bytes())
        .map(Result::unwrap)
        .collect()
        .await;
    assert_eq!(older, current_without_categories());
}

#[test]
fn both_layouts_index_to_the_same_prices() {
    let older = PriceIndex::from_rows(read_csv(OLDER.as_bytes())).unwrap();
    let current = PriceIndex::from_rows(read_csv(CURRENT.as_bytes())).unwrap();
    assert_eq!(older.len(), 12);
    assert_eq!(older.len(), current.len());
    for row in current.rows() {
        let price = older.price(&row.model, &row.storage, &row.carrier, &row.grade);
        assert_eq!(price, Some(row.price), "{:?}", row.key());
    }
}
