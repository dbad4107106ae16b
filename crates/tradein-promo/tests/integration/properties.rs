//! Property tests: every decoder, fed arbitrary bytes or arbitrary JSON,
//! returns `Ok` or a typed error and never panics.
//!
//! Case counts: 50 000 byte strings, 45 000 arbitrary JSON values and
//! 8 000 values shaped like the documented response (103 000 in all).

use partner_sdk_core::ErrorBody;
use partner_sdk_core::reqwest::StatusCode;
use partner_sdk_tradein_promo::{
    ApiErrorBody, PromotionRequest, PromotionResponse, TradeinPromoErrorBody,
};
use proptest::prelude::*;
use serde_json::{Value, json};

fn exercise_response(r: &PromotionResponse) {
    let _ = r.eligibility();
    let _ = r.trade_in_value();
    let _ = r.trade_in_model();
    for item in &r.potential_qualification_items {
        let _ = item.trade_in_value();
        let _ = item.trade_in_model();
        for c in &item.characteristics {
            let _ = c.decimal();
        }
    }
    for p in r.promotions() {
        let _ = (p.id(), p.name(), p.discount(), p.promo_type());
    }
    let _ = serde_json::to_vec(r).unwrap();
}

fn decode_all(bytes: &[u8]) {
    if let Ok(r) = serde_json::from_slice::<PromotionResponse>(bytes) {
        exercise_response(&r);
    }
    if let Ok(r) = serde_json::from_slice::<PromotionRequest>(bytes) {
        let _ = r.validate();
        let _ = serde_json::to_vec(&r).unwrap();
    }
    let _ = ApiErrorBody::from_body(bytes);
    for status in [
        StatusCode::OK,
        StatusCode::BAD_REQUEST,
        StatusCode::SERVICE_UNAVAILABLE,
    ] {
        let _ = TradeinPromoErrorBody.parse(status, bytes);
        let _ = TradeinPromoErrorBody.error_in_success(status, bytes);
    }
}

const WORDS: &[&str] = &[
    "81.0",
    "tradeInValue",
    "tradeInModel",
    "discount",
    "promotype",
    "Trade-In",
    "ERR400",
    "1e400",
    "-0.0000000000000000000000000001",
    "79228162514264337593543950336",
    "",
    "$1,2,3",
    "qualificationType",
    "potentialQualificationItem",
    "characteristic",
    "potentialPromotion",
    "promotion",
    "promotionCharacteristics",
    "name",
    "value",
    "id",
    "code",
    "reason",
    "message",
    "status",
    "imei",
    "make",
    "model",
    "capacity",
    "tradeInModelCode",
    "deviceConditionAnswers",
    "flowType",
    "deviceBillCode",
    "Yes",
    "No",
    "POWER_ON",
];

/// Builds an arbitrary JSON value from random bytes (cheap to generate, so
/// the case counts stay high in debug builds).
struct Gen<'a>(&'a [u8]);

impl Gen<'_> {
    fn byte(&mut self) -> u8 {
        match self.0.split_first() {
            Some((b, rest)) => {
                self.0 = rest;
                *b
            }
            None => 0,
        }
    }
    fn word(&mut self) -> String {
        let b = self.byte();
        if b < 200 {
            WORDS[usize::from(b) % WORDS.len()].to_owned()
        } else {
            let n = usize::from(self.byte() % 8);
            (0..n).map(|_| char::from(self.byte() % 95 + 32)).collect()
        }
    }
    fn value(&mut self, depth: u8) -> Value {
        let kind = self.byte() % if depth < 4 { 10 } else { 6 };
        match kind {
            0 => Value::Null,
            1 => Value::Bool(self.byte().is_multiple_of(2)),
            2 => {
                let n = i64::from_le_bytes(std::array::from_fn(|_| self.byte()));
                json!(n)
            }
            3 => {
                let f = f64::from_le_bytes(std::array::from_fn(|_| self.byte()));
                serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)
            }
            4 | 5 => Value::String(self.word()),
            6 | 7 => {
                let n = self.byte() % 5;
                Value::Array((0..n).map(|_| self.value(depth + 1)).collect())
            }
            _ => {
                let n = self.byte() % 5;
                Value::Object(
                    (0..n)
                        .map(|_| (self.word(), self.value(depth + 1)))
                        .collect(),
                )
            }
        }
    }
    fn characteristic(&mut self) -> Value {
        let name = if self.byte().is_multiple_of(4) {
            self.value(3)
        } else {
            Value::String(self.word())
        };
        json!({"name": name, "value": self.value(3)})
    }
    fn list(&mut self, f: impl Fn(&mut Self) -> Value) -> Vec<Value> {
        let n = self.byte() % 4;
        (0..n).map(|_| f(self)).collect()
    }
    fn response(&mut self) -> Value {
        let items = self.list(|g| {
            let chars = g.list(Gen::characteristic);
            let promos = g.list(|g| {
                let id = g.value(3);
                let promo_chars = g.list(Gen::characteristic);
                json!({"id": id, "promotion": {"id": id, "name": g.value(3), "promotionCharacteristics": promo_chars}})
            });
            json!({"characteristic": chars, "potentialPromotion": promos})
        });
        json!({"qualificationType": self.value(3), "potentialQualificationItem": items})
    }
}

fn arb_json() -> impl Strategy<Value = Value> {
    prop::collection::vec(any::<u8>(), 0..160).prop_map(|b| Gen(&b).value(0))
}

fn shaped_response() -> impl Strategy<Value = Value> {
    prop::collection::vec(any::<u8>(), 0..200).prop_map(|b| Gen(&b).response())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(50_000))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        decode_all(&bytes);
    }

}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(45_000))]

    #[test]
    fn arbitrary_json_never_panics(value in arb_json()) {
        decode_all(&serde_json::to_vec(&value).unwrap());
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(8_000))]

    #[test]
    fn response_shaped_json_never_panics_and_keeps_items(value in shaped_response()) {
        let bytes = serde_json::to_vec(&value).unwrap();
        decode_all(&bytes);
        if let Ok(r) = serde_json::from_slice::<PromotionResponse>(&bytes) {
            let sent = value["potentialQualificationItem"].as_array().map_or(0, Vec::len);
            prop_assert_eq!(r.potential_qualification_items.len(), sent);
        }
    }
}

#[test]
fn shaped_generator_mostly_produces_decodable_responses() {
    let mut ok = 0;
    for seed in 0u32..1000 {
        let bytes: Vec<u8> = (0..200u32)
            .map(|i| {
                (seed
                    .wrapping_mul(2_654_435_761)
                    .wrapping_add(i.wrapping_mul(40_503))
                    >> 7) as u8
            })
            .collect();
        let value = Gen(&bytes).response();
        if serde_json::from_value::<PromotionResponse>(value).is_ok() {
            ok += 1;
        }
    }
    assert!(ok > 500, "only {ok} of 1000 shaped values decoded");
}
