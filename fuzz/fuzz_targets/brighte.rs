//! Brighte's webhook and redirect parsers and response types on arbitrary
//! bytes: each must return a value or a typed error, never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let _ = brighte::webhook::verify(
        &brighte::Verifier::new("k").tolerance(std::time::Duration::from_secs(300)),
        bytes,
    );
    if let Ok(text) = std::str::from_utf8(bytes) {
        let _ = brighte::checkout::parse_redirect(text);
        let _ = brighte::checkout::verify_redirect(&brighte::Verifier::new("k"), text);
    }
    let _ = serde_json::from_slice::<brighte::Application>(bytes);
    let _ = serde_json::from_slice::<brighte::Quote>(bytes);
    let _ = serde_json::from_slice::<brighte::User>(bytes);
    let _ = serde_json::from_slice::<brighte::Account>(bytes);
    let _ = serde_json::from_slice::<brighte::Callout>(bytes);
    let _ = serde_json::from_slice::<brighte::FinanceCalculation>(bytes);
});
