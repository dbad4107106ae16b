//! Serde helpers for what providers really send: numbers as strings, strings
//! as numbers, booleans as `1`/`"0"`, empty strings for "absent", and enum
//! values nobody documented.
//!
//! Use them with `#[serde(deserialize_with = "...")]` (or `with = "..."` for
//! the modules that also serialize):
//!
//! ```
//! use rust_decimal::Decimal;
//! use serde::Deserialize;
//!
//! #[derive(Deserialize)]
//! struct Price {
//!     #[serde(deserialize_with = "partner_sdk_core::decode::decimal")]
//!     wholesale: Decimal,
//!     #[serde(default, deserialize_with = "partner_sdk_core::decode::opt_i64")]
//!     count: Option<i64>,
//!     #[serde(default, deserialize_with = "partner_sdk_core::decode::flag")]
//!     active: bool,
//! }
//! let p: Price = serde_json::from_str(r#"{"wholesale":"0.14","count":"7","active":"1"}"#).unwrap();
//! assert_eq!(p.wholesale.to_string(), "0.14");
//! assert_eq!(p.count, Some(7));
//! assert!(p.active);
//! ```

use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde::Deserialize as _;
use serde::de::{self, Deserializer, Unexpected, Visitor};

mod open_enum;
pub(crate) mod path;
mod scan;
pub(crate) mod watch;

pub use scan::{TopLevel, starts_object, top_level_value};

/// A JSON scalar seen as text: numbers keep their shortest exact spelling.
enum Scalar {
    Text(String),
    Bool(bool),
    Null,
}

struct ScalarVisitor;

impl<'de> Visitor<'de> for ScalarVisitor {
    type Value = Scalar;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a number, string, boolean or null")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Scalar, E> {
        Ok(Scalar::Text(v.to_owned()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Scalar, E> {
        Ok(Scalar::Text(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Scalar, E> {
        Ok(Scalar::Text(v.to_string()))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Scalar, E> {
        Ok(Scalar::Text(v.to_string()))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Scalar, E> {
        if !v.is_finite() {
            return Err(E::invalid_value(Unexpected::Float(v), &self));
        }
        // Rust prints the shortest text that round-trips, i.e. what was on the wire.
        Ok(Scalar::Text(v.to_string()))
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Scalar, E> {
        Ok(Scalar::Bool(v))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Scalar, E> {
        Ok(Scalar::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Scalar, E> {
        Ok(Scalar::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Scalar, D::Error> {
        d.deserialize_any(self)
    }
}

fn scalar<'de, D: Deserializer<'de>>(d: D) -> Result<Scalar, D::Error> {
    d.deserialize_any(ScalarVisitor)
}

fn parse_decimal<E: de::Error>(text: &str) -> Result<Decimal, E> {
    let t = text.trim();
    Decimal::from_str_exact(t)
        .or_else(|_| Decimal::from_str(t))
        .or_else(|_| Decimal::from_scientific(t))
        .map_err(|_| E::invalid_value(Unexpected::Str(text), &"a decimal number"))
}

fn parse_i64<E: de::Error>(text: &str) -> Result<i64, E> {
    let t = text.trim();
    if let Ok(v) = t.parse::<i64>() {
        return Ok(v);
    }
    // "12.0" is an integer written as a float; "12.5" is not.
    match Decimal::from_str(t) {
        Ok(d) if d.fract().is_zero() => {
            i64::try_from(d).map_err(|_| E::invalid_value(Unexpected::Str(text), &"an integer"))
        }
        _ => Err(E::invalid_value(Unexpected::Str(text), &"an integer")),
    }
}

fn parse_flag<E: de::Error>(text: &str) -> Result<bool, E> {
    match text.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "y" => Ok(true),
        "0" | "false" | "no" | "n" | "" => Ok(false),
        _ => Err(E::invalid_value(
            Unexpected::Str(text),
            &"1/0, true/false or yes/no",
        )),
    }
}

/// Formats a finite float into a stack buffer with Rust's shortest
/// round-trip spelling, which is what was on the wire.
struct FloatText {
    buf: [u8; 64],
    len: usize,
}

impl fmt::Write for FloatText {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let end = self.len + s.len();
        if end > self.buf.len() {
            return Err(fmt::Error);
        }
        self.buf[self.len..end].copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

fn with_float_text<R>(v: f64, f: impl FnOnce(&str) -> R) -> R {
    use fmt::Write as _;
    let mut text = FloatText {
        buf: [0; 64],
        len: 0,
    };
    if write!(text, "{v}").is_ok()
        && let Ok(s) = std::str::from_utf8(&text.buf[..text.len])
    {
        return f(s);
    }
    f(&v.to_string())
}

/// Numbers and numeric text, without allocating. `OPTIONAL` makes `null`
/// and blank text `None`.
struct NumberVisitor<T, const OPTIONAL: bool>(std::marker::PhantomData<T>);

trait Numeric: Sized {
    const EXPECTING: &'static str;
    fn from_text<E: de::Error>(text: &str) -> Result<Self, E>;
    fn from_i64<E: de::Error>(v: i64) -> Result<Self, E>;
    fn from_u64<E: de::Error>(v: u64) -> Result<Self, E>;
    fn from_f64<E: de::Error>(v: f64) -> Result<Self, E>;
}

impl Numeric for Decimal {
    const EXPECTING: &'static str = "a decimal number or numeric string";
    fn from_text<E: de::Error>(text: &str) -> Result<Self, E> {
        parse_decimal(text)
    }
    fn from_i64<E: de::Error>(v: i64) -> Result<Self, E> {
        Ok(Decimal::from(v))
    }
    fn from_u64<E: de::Error>(v: u64) -> Result<Self, E> {
        Ok(Decimal::from(v))
    }
    fn from_f64<E: de::Error>(v: f64) -> Result<Self, E> {
        if !v.is_finite() {
            return Err(E::invalid_value(Unexpected::Float(v), &Self::EXPECTING));
        }
        with_float_text(v, parse_decimal)
    }
}

impl Numeric for i64 {
    const EXPECTING: &'static str = "an integer or integer string";
    fn from_text<E: de::Error>(text: &str) -> Result<Self, E> {
        parse_i64(text)
    }
    fn from_i64<E: de::Error>(v: i64) -> Result<Self, E> {
        Ok(v)
    }
    fn from_u64<E: de::Error>(v: u64) -> Result<Self, E> {
        i64::try_from(v).map_err(|_| E::invalid_value(Unexpected::Unsigned(v), &Self::EXPECTING))
    }
    fn from_f64<E: de::Error>(v: f64) -> Result<Self, E> {
        if v.is_finite() && v.fract() == 0.0 && v.abs() < 9.0e15 {
            Ok(v as i64)
        } else {
            Err(E::invalid_value(Unexpected::Float(v), &Self::EXPECTING))
        }
    }
}

impl<'de, T: Numeric, const OPTIONAL: bool> Visitor<'de> for NumberVisitor<T, OPTIONAL> {
    type Value = Option<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(T::EXPECTING)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Option<T>, E> {
        if OPTIONAL && v.trim().is_empty() {
            return Ok(None);
        }
        T::from_text(v).map(Some)
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Option<T>, E> {
        T::from_i64(v).map(Some)
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Option<T>, E> {
        T::from_u64(v).map(Some)
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Option<T>, E> {
        T::from_f64(v).map(Some)
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Option<T>, E> {
        Err(E::invalid_type(Unexpected::Bool(v), &self))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Option<T>, E> {
        if OPTIONAL {
            Ok(None)
        } else {
            Err(E::invalid_type(Unexpected::Unit, &self))
        }
    }
    fn visit_none<E: de::Error>(self) -> Result<Option<T>, E> {
        self.visit_unit()
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Option<T>, D::Error> {
        d.deserialize_any(self)
    }
}

fn number<'de, D: Deserializer<'de>, T: Numeric>(d: D) -> Result<T, D::Error> {
    d.deserialize_any(NumberVisitor::<T, false>(std::marker::PhantomData))?
        .ok_or_else(|| de::Error::invalid_type(Unexpected::Unit, &T::EXPECTING))
}

fn opt_number<'de, D: Deserializer<'de>, T: Numeric>(d: D) -> Result<Option<T>, D::Error> {
    d.deserialize_any(NumberVisitor::<T, true>(std::marker::PhantomData))
}

/// Decimal from a JSON number or string (`12.5`, `"0.14"`, `"1e3"`).
pub fn decimal<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
    number(d)
}

/// Optional decimal: `null`, `""` and a missing field (with `#[serde(default)]`) are `None`.
pub fn opt_decimal<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Decimal>, D::Error> {
    opt_number(d)
}

/// `i64` from a JSON number or string (`7`, `"7"`, `"7.0"`).
pub fn i64<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    number(d)
}

/// `i64` where absent, `null` and `""` mean 0 (protobuf/JSON omit-if-default).
pub fn i64_or_zero<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    opt_i64(d).map(Option::unwrap_or_default)
}

/// Optional `i64`: `null` and `""` are `None`.
pub fn opt_i64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    opt_number(d)
}

/// Boolean from `true`/`false`, `1`/`0`, `"1"`/`"0"`, `"true"`/`"false"`,
/// `"yes"`/`"no"`; `null` and `""` are `false`.
pub fn flag<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    match scalar(d)? {
        Scalar::Bool(b) => Ok(b),
        Scalar::Text(t) => parse_flag(&t),
        Scalar::Null => Ok(false),
    }
}

/// Optional boolean with the same spellings as [`flag`]; `null` and `""` are `None`.
pub fn opt_flag<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    match scalar(d)? {
        Scalar::Bool(b) => Ok(Some(b)),
        Scalar::Text(t) if t.trim().is_empty() => Ok(None),
        Scalar::Text(t) => parse_flag(&t).map(Some),
        Scalar::Null => Ok(None),
    }
}

/// String from a JSON string or number (ids that arrive as `64` or `"64"`).
pub fn string<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    match scalar(d)? {
        Scalar::Text(t) => Ok(t),
        Scalar::Bool(b) => Ok(b.to_string()),
        Scalar::Null => Ok(String::new()),
    }
}

/// Optional string from a string or number; `null` and `""` are `None`.
pub fn opt_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    match scalar(d)? {
        Scalar::Text(t) if t.is_empty() => Ok(None),
        Scalar::Text(t) => Ok(Some(t)),
        Scalar::Bool(b) => Ok(Some(b.to_string())),
        Scalar::Null => Ok(None),
    }
}

/// `null` as the type's default (e.g. `"items": null` as an empty `Vec`).
pub fn null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: serde::Deserialize<'de> + Default,
{
    Option::<T>::deserialize(d).map(Option::unwrap_or_default)
}

/// An object some answers send as `null`, `""`, `0`, `false` or `[]` when
/// empty: anything but an object is `None` (an array's items are skipped);
/// an object must decode as `T`.
///
/// Read in the same pass as the rest of the answer, not through a
/// `serde_json::Value`: no tree is built, and a failure inside the object
/// keeps its field path.
pub fn opt_object<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    d.deserialize_any(ObjectVisitor(std::marker::PhantomData))
}

/// [`opt_object`]'s visitor: an object is `T`, anything else `None`.
struct ObjectVisitor<T>(std::marker::PhantomData<T>);

impl<'de, T: serde::Deserialize<'de>> Visitor<'de> for ObjectVisitor<T> {
    type Value = Option<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object, or an empty value")
    }
    fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        T::deserialize(de::value::MapAccessDeserializer::new(map)).map(Some)
    }
    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<de::IgnoredAny>()?.is_some() {}
        Ok(None)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_bytes<E: de::Error>(self, _: &[u8]) -> Result<Self::Value, E> {
        Ok(None)
    }
}

#[cfg(test)]
#[allow(unreachable_pub)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Deserialize, Debug)]
    struct Doc {
        #[serde(default, deserialize_with = "opt_decimal")]
        d: Option<Decimal>,
        #[serde(default, deserialize_with = "opt_i64")]
        i: Option<i64>,
        #[serde(default, deserialize_with = "opt_flag")]
        b: Option<bool>,
        #[serde(default, deserialize_with = "opt_string")]
        s: Option<String>,
    }

    fn doc(json: &str) -> Result<Doc, serde_json::Error> {
        serde_json::from_str(json)
    }

    #[derive(Deserialize, Debug, PartialEq)]
    struct Inner {
        #[serde(deserialize_with = "i64")]
        n: i64,
    }

    #[derive(Deserialize, Debug)]
    struct Outer {
        #[serde(default, deserialize_with = "opt_object")]
        o: Option<Inner>,
        #[serde(default)]
        after: Option<String>,
    }

    #[test]
    fn an_object_decodes_and_anything_else_is_none() {
        let outer = |json: &str| serde_json::from_str::<Outer>(json);
        let o = outer(r#"{"o":{"n":"7","extra":[1,{"a":2}]},"after":"x"}"#).unwrap();
        assert_eq!(o.o, Some(Inner { n: 7 }));
        assert_eq!(o.after.as_deref(), Some("x"));
        for empty in [
            "null",
            r#""""#,
            r#""text""#,
            "0",
            "-1",
            "1.5",
            "false",
            "[]",
            r#"[1,{"n":2},[3]]"#,
        ] {
            let json = format!(r#"{{"o":{empty},"after":"x"}}"#);
            let o = outer(&json).unwrap();
            assert_eq!(o.o, None, "{json}");
            assert_eq!(o.after.as_deref(), Some("x"), "{json}: the rest still read");
        }
        assert_eq!(outer("{}").unwrap().o, None);
        // A bad object fails, and the failure keeps its field path.
        let err = outer(r#"{"o":{"n":"seven"}}"#).unwrap_err();
        let path = serde_path_to_error::deserialize::<_, Outer>(
            &mut serde_json::Deserializer::from_str(r#"{"o":{"n":"seven"}}"#),
        )
        .unwrap_err()
        .path()
        .to_string();
        assert_eq!(path, "o.n");
        assert!(err.to_string().contains("integer"), "{err}");
        assert!(
            outer(r#"{"o":{}}"#).is_err(),
            "a missing field of the object"
        );
    }

    #[test]
    fn decimals_from_numbers_and_strings_keep_their_digits() {
        for (json, want) in [
            (r#"{"d":"0.14"}"#, "0.14"),
            (r#"{"d":12.5}"#, "12.5"),
            (r#"{"d":165.47}"#, "165.47"),
            (r#"{"d":"81.0"}"#, "81.0"),
            (r#"{"d":7000}"#, "7000"),
            (r#"{"d":" 3.10 "}"#, "3.10"),
            (r#"{"d":"1e3"}"#, "1000"),
        ] {
            assert_eq!(doc(json).unwrap().d.unwrap().to_string(), want, "{json}");
        }
        assert_eq!(doc(r#"{"d":""}"#).unwrap().d, None);
        assert_eq!(doc(r#"{"d":null}"#).unwrap().d, None);
        assert_eq!(doc("{}").unwrap().d, None);
        let err = doc(r#"{"d":"abc"}"#).unwrap_err().to_string();
        assert!(err.contains("decimal"), "{err}");
        assert!(doc(r#"{"d":true}"#).is_err());
    }

    #[test]
    fn integers_from_numbers_and_strings() {
        assert_eq!(
            doc(r#"{"i":"9007199254740993"}"#).unwrap().i,
            Some(9007199254740993)
        );
        assert_eq!(doc(r#"{"i":42}"#).unwrap().i, Some(42));
        assert_eq!(doc(r#"{"i":"12.0"}"#).unwrap().i, Some(12));
        assert!(doc(r#"{"i":"12.5"}"#).is_err());
        assert!(doc(r#"{"i":"x"}"#).is_err());
        assert_eq!(doc(r#"{"i":""}"#).unwrap().i, None);
    }

    #[test]
    fn flags_in_every_spelling() {
        for (json, want) in [
            (r#"{"b":1}"#, Some(true)),
            (r#"{"b":0}"#, Some(false)),
            (r#"{"b":"1"}"#, Some(true)),
            (r#"{"b":"0"}"#, Some(false)),
            (r#"{"b":"true"}"#, Some(true)),
            (r#"{"b":"FALSE"}"#, Some(false)),
            (r#"{"b":true}"#, Some(true)),
            (r#"{"b":null}"#, None),
            (r#"{"b":""}"#, None),
        ] {
            assert_eq!(doc(json).unwrap().b, want, "{json}");
        }
        assert!(doc(r#"{"b":"maybe"}"#).is_err());
        assert!(doc(r#"{"b":2}"#).is_err());
    }

    #[test]
    fn strings_from_numbers_and_empty_as_none() {
        assert_eq!(doc(r#"{"s":64}"#).unwrap().s.as_deref(), Some("64"));
        assert_eq!(doc(r#"{"s":"E435"}"#).unwrap().s.as_deref(), Some("E435"));
        assert_eq!(doc(r#"{"s":""}"#).unwrap().s, None);
    }
}
