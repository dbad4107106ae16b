//! Errors stay small: every `Result` of the SDK carries its error type, so
//! each variant holds at most a pointer (a `Box` of its fields, as reqwest
//! keeps its error one pointer), and every provider error is `Clone` like
//! the core's.

use std::mem::size_of;

use partner_sdk::core as sdk_core;
use partner_sdk::{bbti, brighte, dtone, tradein_promo};

/// The most a `Result<(), E>` of the SDK may take: three words.
const MAX_RESULT: usize = 24;

/// What a provider error must be, checked when this compiles.
fn is_provider_error<E: Clone + Send + Sync + std::error::Error + 'static>() -> usize {
    size_of::<Result<(), E>>()
}

#[test]
fn the_core_error_is_two_words() {
    assert!(
        size_of::<sdk_core::Error>() <= 16,
        "core Error: {} bytes",
        size_of::<sdk_core::Error>()
    );
    assert!(size_of::<Result<(), sdk_core::Error>>() <= MAX_RESULT);
}

#[test]
fn every_provider_result_is_at_most_three_words() {
    for (provider, size) in [
        ("core", is_provider_error::<sdk_core::Error>()),
        ("bbti", is_provider_error::<bbti::Error>()),
        ("brighte", is_provider_error::<brighte::Error>()),
        ("tradein_promo", is_provider_error::<tradein_promo::Error>()),
        ("dtone", is_provider_error::<dtone::Error>()),
    ] {
        assert!(
            size <= MAX_RESULT,
            "{provider}: Result<(), Error> is {size} bytes, more than {MAX_RESULT}"
        );
    }
}
