//! DT One response types on arbitrary bytes: each must return a value or a
//! typed error, never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    if let Ok(products) = serde_json::from_slice::<dtone::Products>(bytes) {
        let _ = products.iter().count();
    }
    if let Ok(values) = serde_json::from_slice::<Vec<dtone::SuggestedValue>>(bytes) {
        for v in &values {
            let _ = v.additional_info();
        }
    }
    let _ = serde_json::from_slice::<dtone::Transaction>(bytes);
});
