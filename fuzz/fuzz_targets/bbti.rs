//! Every BBTI response decoder and the price-list reader on arbitrary bytes:
//! each must return a value or a typed error, never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let _ = bbti::catalogue::decode_prices_page(bytes);
    let _ = bbti::catalogue::decode_models_page(bytes);
    let _ = serde_json::from_slice::<bbti::PriceResponse>(bytes);
    let _ = serde_json::from_slice::<bbti::KycResponse>(bytes);
    let _ = serde_json::from_slice::<bbti::RegisterDeliveryResponse>(bytes);
    let _ = serde_json::from_slice::<bbti::Transaction>(bytes);
    let _ = serde_json::from_slice::<bbti::RpcStatus>(bytes);
    for row in bbti::price_list::read_csv(bytes).take(64) {
        let _ = row;
    }
});
