//! Trade-in promotion responses on arbitrary bytes: decoding and every
//! accessor must return a value or a typed error, never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    if let Ok(r) = serde_json::from_slice::<tradein_promo::PromotionResponse>(bytes) {
        if let tradein_promo::Eligibility::Eligible(item) = r.eligibility() {
            let _ = (item.trade_in_value(), item.trade_in_model());
            for p in item.promotions() {
                let _ = (p.discount(), p.promo_type(), p.id(), p.name());
            }
        }
    }
    let _ = serde_json::from_slice::<tradein_promo::PromotionRequest>(bytes);
});
