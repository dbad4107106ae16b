//! Property tests: every decoder fed arbitrary bytes and arbitrary JSON
//! never panics (it returns a value or a typed error).

use proptest::prelude::*;
use serde_json::Value;

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        "[ -~]{0,12}".prop_map(Value::String),
        prop_oneof![
            Just("2000"),
            Just("4010"),
            Just("C.APPROV"),
            Just("1"),
            Just("7000.12")
        ]
        .prop_map(|s| Value::String(s.into())),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        let keys = prop_oneof![
            Just("status".to_owned()),
            Just("application".to_owned()),
            Just("applications".to_owned()),
            Just("hasMoreRecords".to_owned()),
            Just("quotes".to_owned()),
            Just("users".to_owned()),
            Just("data".to_owned()),
            Just("id".to_owned()),
            Just("financed_amount".to_owned()),
            Just("applicants".to_owned()),
            Just("joint_applicant".to_owned()),
            Just("timestamp".to_owned()),
            Just("token".to_owned()),
            Just("signature".to_owned()),
            "[a-z_]{1,8}",
        ];
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(keys, inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn decode_all(bytes: &[u8]) {
    let _ = partner_sdk_brighte::applications::decode_applications_page(bytes, 1);
    let _ = partner_sdk_brighte::applications::decode_application(bytes);
    let _ = partner_sdk_brighte::quotes::decode_quotes_page(bytes, 1);
    let _ = partner_sdk_brighte::users::decode_users_page(bytes, 1);
    let _ = partner_sdk_brighte::calculator::decode_finance(bytes);
    let _ = serde_json::from_slice::<partner_sdk_brighte::Account>(bytes);
    let _ = serde_json::from_slice::<partner_sdk_brighte::Callout>(bytes);
    let _ = serde_json::from_slice::<partner_sdk_brighte::Content>(bytes);
    let _ = serde_json::from_slice::<partner_sdk_brighte::ProductCategory>(bytes);
    let _ = serde_json::from_slice::<partner_sdk_brighte::RepaymentAmount>(bytes);
    let _ = serde_json::from_slice::<partner_sdk_brighte::UserKey>(bytes);
    let _ = serde_json::from_slice::<partner_sdk_brighte::ApplicationDocument>(bytes);
    let _ = partner_sdk_brighte::WebhookPayload::parse(bytes);
    let _ = partner_sdk_brighte::webhook::verify(
        &partner_sdk_brighte::Verifier::new("k").tolerance(std::time::Duration::from_secs(300)),
        bytes,
    );
    use partner_sdk_core::ErrorBody as _;
    let status = partner_sdk_core::reqwest::StatusCode::OK;
    let _ = partner_sdk_brighte::BrighteErrorBody.parse(status, bytes);
    let _ = partner_sdk_brighte::BrighteErrorBody.error_in_success(status, bytes);
    if let Ok(text) = std::str::from_utf8(bytes) {
        let _ = partner_sdk_brighte::checkout::parse_redirect(text);
        let _ = partner_sdk_brighte::checkout::verify_redirect(
            &partner_sdk_brighte::Verifier::new("k"),
            text,
        );
    }
}

const BYTES_CASES: u32 = 75_000;
const JSON_CASES: u32 = 10_000;
const QUERY_CASES: u32 = 15_000;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(BYTES_CASES))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        decode_all(&bytes);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(JSON_CASES))]

    #[test]
    fn arbitrary_json_never_panics(v in arb_json()) {
        let bytes = serde_json::to_vec(&v).unwrap();
        decode_all(&bytes);
        let wrapped = serde_json::json!({"status": 2000, "application": v.clone(), "applications": [v.clone()], "data": v.clone(), "quotes": [v.clone()], "users": [v], "hasMoreRecords": 1});
        decode_all(&serde_json::to_vec(&wrapped).unwrap());
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(QUERY_CASES))]

    #[test]
    fn arbitrary_queries_never_panic(q in "[a-z_=&%0-9+.#?]{0,80}") {
        let _ = partner_sdk_brighte::checkout::parse_redirect(&q);
        let _ = partner_sdk_brighte::checkout::verify_redirect(&partner_sdk_brighte::Verifier::new("k"), &q);
        let _ = partner_sdk_brighte::WebhookPayload::parse(q.as_bytes());
    }
}
