//! Every response decoder, fed arbitrary bytes, arbitrary JSON and mutated
//! samples, returns `Ok` or a typed error and never panics.

use crate::support as common;

use dtone::{
    Country, DtoneErrorBody, ErrorEntry, FixedProduct, Operator, Ping, Products, Service,
    SuggestedValue, Transaction, VariableProduct, Voucher,
};
use partner_sdk::core::ErrorBody as _;
use partner_sdk::core::reqwest::StatusCode;
use proptest::prelude::*;
use serde_json::Value;

fn decode_all(bytes: &[u8]) {
    let _ = serde_json::from_slice::<Products>(bytes);
    let _ = serde_json::from_slice::<FixedProduct>(bytes);
    let _ = serde_json::from_slice::<VariableProduct>(bytes);
    let _ = serde_json::from_slice::<Vec<SuggestedValue>>(bytes);
    let _ = serde_json::from_slice::<Transaction>(bytes);
    let _ = serde_json::from_slice::<Voucher>(bytes);
    let _ = serde_json::from_slice::<Ping>(bytes);
    let _ = serde_json::from_slice::<Vec<Country>>(bytes);
    let _ = serde_json::from_slice::<Vec<Service>>(bytes);
    let _ = serde_json::from_slice::<Vec<Operator>>(bytes);
    let _ = serde_json::from_slice::<ErrorEntry>(bytes);
    let _ = DtoneErrorBody.parse(StatusCode::BAD_REQUEST, bytes);
    let _ = DtoneErrorBody.error_in_success(StatusCode::OK, bytes);
    if let Ok(products) = serde_json::from_slice::<Products>(bytes) {
        let n = products.iter().count();
        assert_eq!(n, products.len());
    }
    if let Ok(values) = serde_json::from_slice::<Vec<SuggestedValue>>(bytes) {
        for v in values {
            let _ = v.additional_info();
        }
    }
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        ".{0,12}".prop_map(Value::String),
        "-?[0-9]{1,30}(\\.[0-9]{0,30})?".prop_map(Value::String),
        "[a-z_0-9]{0,10}:[ a-zA-Z0-9]{0,10}".prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(key(), inner, 0..8)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "product_id",
            "product_name",
            "wholesale_price",
            "retail_price",
            "fee",
            "local_value",
            "product_value",
            "fixed_value_vouchers",
            "fixed_value_recharges",
            "fixed_value_payments",
            "variable_value_vouchers",
            "variable_value_recharges",
            "variable_value_payments",
            "suggested_values",
            "additional_info_1",
            "additional_info_9",
            "transaction_id",
            "status",
            "date",
            "simulation",
            "voucher",
            "pin",
            "sender",
            "recipient",
            "errors",
            "code",
            "message",
            "verified",
            "country_id",
            "operator_id",
            "service_id",
            "countries",
        ])
        .prop_map(str::to_owned),
        "[a-z_]{1,8}",
    ]
}

fn samples() -> &'static [Value] {
    static SAMPLES: std::sync::OnceLock<Vec<Value>> = std::sync::OnceLock::new();
    SAMPLES.get_or_init(load_samples)
}

fn load_samples() -> Vec<Value> {
    let mut out: Vec<Value> = [
        "products_by_operator.json",
        "products_by_service.json",
        "suggested_values.json",
        "account_verified.json",
        "account_verification_not_available.json",
    ]
    .iter()
    .map(|f| serde_json::from_str(&common::fixture(f)).unwrap())
    .collect();
    out.push(serde_json::json!({
        "transaction_id": "1", "status": "0", "date": "2018-11-23 10:11:12", "product_id": "64",
        "voucher": {"pin": "1", "value": "10"}, "sender": {"first_name": "A"}
    }));
    out
}

/// Replaces the node reached by following `steps` with `replacement`.
fn mutate(node: &mut Value, steps: &[usize], replacement: Value) {
    let Some((&s, rest)) = steps.split_first() else {
        *node = replacement;
        return;
    };
    match node {
        Value::Array(a) if !a.is_empty() => {
            let i = s % a.len();
            mutate(&mut a[i], rest, replacement);
        }
        Value::Object(m) if !m.is_empty() => {
            let i = s % m.len();
            let child = m.values_mut().nth(i).unwrap();
            mutate(child, rest, replacement);
        }
        _ => *node = replacement,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(40_000))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        decode_all(&bytes);
    }

}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(6_000))]

    #[test]
    fn arbitrary_json_never_panics(v in json_value()) {
        decode_all(&serde_json::to_vec(&v).unwrap());
    }

    #[test]
    fn mutated_samples_never_panic(
        which in 0usize..6,
        steps in prop::collection::vec(any::<usize>(), 0..6),
        replacement in json_value(),
    ) {
        let mut doc = samples()[which].clone();
        mutate(&mut doc, &steps, replacement);
        decode_all(&serde_json::to_vec(&doc).unwrap());
    }

}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(50_000))]

    #[test]
    fn dates_never_panic(text in ".{0,40}", y in 1000i32..9999, mo in 1u8..13, d in 1u8..29,
                         h in 0u8..24, mi in 0u8..60, s in 0u8..60,
                         edge_year in prop_oneof![Just(9999i32), Just(0), -9999i32..0, 1i32..=9999],
                         edge_month in 0u8..=13, edge_day in 0u8..=32,
                         offset_h in -25i32..=25, offset_m in 0u8..60,
                         layout in 0usize..5) {
        let _ = dtone::transactions::parse_date(&text);
        let formatted = format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}");
        let parsed = dtone::transactions::parse_date(&formatted).unwrap();
        prop_assert_eq!(parsed.year(), y);
        prop_assert_eq!(parsed.second(), s);

        // Calendar edges, invalid days and offsets: `None` or a real date,
        // never a panic, and never a date outside the calendar.
        let sign = if offset_h < 0 { '-' } else { '+' };
        let year = if edge_year < 0 {
            format!("-{:04}", edge_year.unsigned_abs())
        } else {
            format!("{edge_year:04}")
        };
        let date = format!("{year}-{edge_month:02}-{edge_day:02}");
        let time = format!("{h:02}:{mi:02}:{s:02}");
        let offset = format!("{sign}{:02}:{offset_m:02}", offset_h.unsigned_abs());
        let edge = match layout {
            0 => format!("{date}T{time}{offset}"),
            1 => format!("{date}T{time}Z"),
            2 => format!("{date} {time}"),
            3 => format!("{date}T{time}.5{offset}"),
            _ => format!("{date}T{time}"),
        };
        if let Some(p) = dtone::transactions::parse_date(&edge) {
            prop_assert!((-9999..=9999).contains(&p.year()), "{} -> {}", edge, p);
        }
        let body = serde_json::json!({"transaction_id": "1", "date": edge});
        let decoded = serde_json::from_value::<Transaction>(body);
        if let Err(e) = decoded {
            prop_assert!(e.to_string().contains("date"), "{}", e);
        }
    }
}
