//! Serde helpers for what requests send: money as exact JSON numbers.

use rust_decimal::Decimal;
use serde::{Serialize, Serializer};

/// Money as a JSON number written with the decimal's own digits (`15000`,
/// `165.47`, `7000.10`), never through `f64`.
///
/// The text goes out through `serde_json`'s `RawValue`, so it is exact in
/// JSON; other serde formats see `serde_json`'s raw-value wrapper.
pub fn decimal_number<S: Serializer>(d: &Decimal, s: S) -> Result<S::Ok, S::Error> {
    // `Decimal`'s text is a plain decimal number (no exponent), which is
    // always a valid JSON number.
    let raw = serde_json::value::RawValue::from_string(d.to_string())
        .map_err(serde::ser::Error::custom)?;
    raw.serialize(s)
}

/// An optional [`decimal_number`]; `None` is `null`.
pub fn opt_decimal_number<S: Serializer>(d: &Option<Decimal>, s: S) -> Result<S::Ok, S::Error> {
    match d {
        Some(d) => decimal_number(d, s),
        None => s.serialize_none(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[derive(Serialize)]
    struct Body {
        #[serde(serialize_with = "decimal_number")]
        a: Decimal,
        #[serde(serialize_with = "opt_decimal_number")]
        b: Option<Decimal>,
        #[serde(serialize_with = "opt_decimal_number")]
        c: Option<Decimal>,
    }

    #[test]
    fn money_goes_out_with_its_own_digits() {
        let body = Body {
            a: Decimal::from_str("7000.10").unwrap(),
            b: Some(Decimal::from_str("0.1").unwrap()),
            c: None,
        };
        assert_eq!(
            serde_json::to_string(&body).unwrap(),
            r#"{"a":7000.10,"b":0.1,"c":null}"#
        );
        let big = Decimal::from_str("79228162514264337593543950335").unwrap();
        assert_eq!(
            serde_json::to_string(&Body {
                a: big,
                b: None,
                c: None
            })
            .unwrap(),
            r#"{"a":79228162514264337593543950335,"b":null,"c":null}"#
        );
    }
}
