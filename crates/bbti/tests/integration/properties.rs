//! Every response decoder, fed arbitrary bytes and arbitrary JSON values,
//! returns `Ok` or a typed error and never panics: 101 000 cases in all
//! (55 000 byte strings, 45 000 JSON values, 1 000 price-list inputs, the
//! last one fewer because every case builds two CSV readers).

use partner_sdk_bbti::*;
use partner_sdk_core::ErrorBody as _;
use partner_sdk_core::reqwest::StatusCode;
use proptest::prelude::*;
use serde_json::Value;

/// The header line of Belong's price-list CSV.
const PRICE_LIST_HEADER: &str = "category,category_value,sku_id,grade,year,month,price,model,model_value,storage,storage_value,carrier,carrier_value,series,series_value,manufacturer,manufacturer_value";

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        "[a-zA-Z0-9_ .:-]{0,12}".prop_map(Value::String),
        prop::sample::select(vec![
            "GRADE_A",
            "GRADE_Z",
            "7500",
            "-1",
            "9223372036854775808",
            "1e3",
            "",
            "DELIVERY_PATTERN_BRING",
            "aGk=",
            "iVBORw0KGgo=",
            "TRANSACTION_STATUS_CLOSE",
        ])
        .prop_map(|s| Value::String(s.to_owned())),
        // Calendar edges for the date parts: years 9999, 0 and negative,
        // months and days out of range, values past i32.
        prop::sample::select(vec![
            9999i64,
            10_000,
            0,
            -1,
            -9999,
            13,
            32,
            29,
            2_147_483_648,
            -2_147_483_649,
        ])
        .prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        let keys = prop::sample::select(vec![
            "models",
            "model",
            "key",
            "value",
            "prices",
            "gradePrices",
            "grade",
            "price",
            "deltaPrice",
            "nextPageToken",
            "transactionId",
            "status",
            "product",
            "offeredPrice",
            "deliveryDetail",
            "qrCode",
            "barcode",
            "pickupDate",
            "year",
            "month",
            "day",
            "manufacturers",
            "series",
            "numberOfModels",
            "storages",
            "code",
            "message",
            "details",
            "url",
            "pickupTime",
            "deliveryPattern",
            "confirmedGrade",
        ]);
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((keys, inner), 0..6).prop_map(|kv| Value::Object(
                kv.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
            )),
        ]
    })
}

fn all_decoders(bytes: &[u8]) {
    let _ = serde_json::from_slice::<ManufacturerList>(bytes);
    let _ = serde_json::from_slice::<SeriesList>(bytes);
    let _ = catalogue::decode_models_page(bytes);
    let _ = catalogue::decode_prices_page(bytes);
    let _ = serde_json::from_slice::<PriceResponse>(bytes);
    let _ = serde_json::from_slice::<KycResponse>(bytes);
    let _ = serde_json::from_slice::<RegisterDeliveryResponse>(bytes);
    let _ = serde_json::from_slice::<Transaction>(bytes);
    let _ = serde_json::from_slice::<ApiErrorBody>(bytes);
    for status in [StatusCode::OK, StatusCode::BAD_REQUEST] {
        let _ = BbtiErrorBody.parse(status, bytes);
        let _ = BbtiErrorBody.error_in_success(status, bytes);
    }
}

fn all_from_value(v: &Value) {
    let _ = serde_json::from_value::<ManufacturerList>(v.clone());
    let _ = serde_json::from_value::<SeriesList>(v.clone());
    let bytes = serde_json::to_vec(v).unwrap();
    let _ = catalogue::decode_models_page(&bytes);
    let _ = catalogue::decode_prices_page(&bytes);
    let _ = serde_json::from_value::<PriceResponse>(v.clone());
    let _ = serde_json::from_value::<RegisterDeliveryResponse>(v.clone());
    if let Ok(t) = serde_json::from_value::<Transaction>(v.clone())
        && let Some(d) = t.delivery_detail
    {
        for date in [d.pickup_date, d.bring_in_expiration_date]
            .into_iter()
            .flatten()
        {
            let _ = (date.to_string(), date.is_unset());
        }
    }
    let _ = serde_json::from_value::<ApiErrorBody>(v.clone());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(55_000))]

    #[test]
    fn decoders_survive_arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        all_decoders(&bytes);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(45_000))]

    #[test]
    fn decoders_survive_arbitrary_json(v in json_value()) {
        all_from_value(&v);
        all_decoders(&serde_json::to_vec(&v).unwrap());
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1_000))]

    #[test]
    fn price_list_reader_survives_arbitrary_input(
        body in prop::collection::vec(
            prop_oneof![
                Just(b','), Just(b'\n'), Just(b'"'), Just(b'a'), Just(b'1'), Just(b'.'), any::<u8>()
            ],
            0..200,
        )
    ) {
        let mut input = format!("{}\n", PRICE_LIST_HEADER).into_bytes();
        input.extend_from_slice(&body);
        for row in read_csv(&input[..]).take(64) {
            if let Err(e) = row {
                let _ = e.to_string();
            }
        }
        let _ = read_csv(&body[..]).take(8).count();
    }
}
