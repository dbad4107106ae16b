//! A plain scan of the top level of a JSON object: finds one key's raw value
//! without decoding or allocating, exact or saying it cannot tell.

/// What a plain scan of the top level of a JSON object found under one key
/// (see [`top_level_value`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TopLevel<'a> {
    /// The key is certainly not at the top level, as a JSON parser would
    /// see it: the body is an object without it, or is not well-formed
    /// JSON (which a parser refuses anyway).
    Absent,
    /// The raw bytes of the key's first value, surrounding whitespace
    /// excluded, e.g. `2000` or `"2000"` (not validated).
    Value(&'a [u8]),
    /// A plain scan cannot tell (a top-level array, an escaped key): parse.
    Unknown,
}

/// Finds `key` at the top level of the JSON object in `body` without
/// decoding or allocating: a cheap pre-check for an
/// [`ErrorBody::error_in_success`] probe, which runs on every successful
/// answer. It stops at the key (often the first one) and otherwise reads
/// each byte once without decoding, and is exact or says
/// [`TopLevel::Unknown`], so a probe that parses whenever the scan is not
/// conclusive decides as if the scan did not exist.
///
/// [`ErrorBody::error_in_success`]: crate::ErrorBody::error_in_success
///
/// ```
/// use partner_sdk_core::decode::{TopLevel, top_level_value};
///
/// let body = br#"{"models": [{"code": 3}], "code": 0}"#;
/// assert_eq!(top_level_value(body, "code"), TopLevel::Value(b"0"));
/// assert_eq!(top_level_value(body, "message"), TopLevel::Absent);
/// ```
pub fn top_level_value<'a>(body: &'a [u8], key: &str) -> TopLevel<'a> {
    let mut at = skip_ws(body, 0);
    match body.get(at) {
        Some(b'{') => at += 1,
        Some(b'[') => return TopLevel::Unknown,
        _ => return TopLevel::Absent,
    }
    loop {
        at = skip_ws(body, at);
        if body.get(at) != Some(&b'"') {
            // `}` (the end: not found) or malformed.
            return TopLevel::Absent;
        }
        let start = at + 1;
        let Some(end) = string_end(body, start) else {
            return TopLevel::Absent;
        };
        let name = &body[start..end];
        if name.contains(&b'\\') {
            return TopLevel::Unknown;
        }
        at = skip_ws(body, end + 1);
        if body.get(at) != Some(&b':') {
            return TopLevel::Absent;
        }
        let value_start = skip_ws(body, at + 1);
        let Some(next) = skip_value(body, value_start) else {
            return TopLevel::Absent;
        };
        if name == key.as_bytes() {
            return TopLevel::Value(body[value_start..next].trim_ascii_end());
        }
        at = skip_ws(body, next);
        if body.get(at) != Some(&b',') {
            return TopLevel::Absent;
        }
        at += 1;
    }
}

/// Whether `body` is a JSON object by its first byte after JSON
/// whitespace: the only shape an error hidden in a 2xx answer takes, so an
/// [`ErrorBody::error_in_success`] probe can say "no error" for anything
/// else without parsing (as [`ErrorBody::error_keys`] requires).
///
/// [`ErrorBody::error_in_success`]: crate::ErrorBody::error_in_success
/// [`ErrorBody::error_keys`]: crate::ErrorBody::error_keys
///
/// ```
/// use partner_sdk_core::decode::starts_object;
///
/// assert!(starts_object(b" \n{\"code\": 3}"));
/// assert!(!starts_object(b"[{\"code\": 3}]"));
/// ```
pub fn starts_object(body: &[u8]) -> bool {
    body.get(skip_ws(body, 0)) == Some(&b'{')
}

fn skip_ws(body: &[u8], mut at: usize) -> usize {
    while body
        .get(at)
        .is_some_and(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
    {
        at += 1;
    }
    at
}

/// The index of the quote closing the string whose content starts at `at`.
fn string_end(body: &[u8], mut at: usize) -> Option<usize> {
    while at < body.len() {
        match body[at] {
            b'"' => return Some(at),
            b'\\' => at += 2,
            _ => at += 1,
        }
    }
    None
}

/// What a byte means to [`skip_value`]: 0 for most.
const CLASS: [u8; 256] = {
    let mut table = [0; 256];
    table[b'"' as usize] = QUOTE;
    table[b'{' as usize] = OPEN;
    table[b'[' as usize] = OPEN;
    table[b'}' as usize] = CLOSE;
    table[b']' as usize] = CLOSE;
    table[b',' as usize] = COMMA;
    table
};
const QUOTE: u8 = 1;
const OPEN: u8 = 2;
const CLOSE: u8 = 3;
const COMMA: u8 = 4;

/// The index of the first `,`, `}` or `]` after the value starting at
/// `at`, outside nested objects, arrays and strings.
fn skip_value(body: &[u8], mut at: usize) -> Option<usize> {
    let mut depth = 0usize;
    loop {
        while CLASS[usize::from(*body.get(at)?)] == 0 {
            at += 1;
        }
        match CLASS[usize::from(body[at])] {
            QUOTE => at = string_end(body, at + 1)?,
            OPEN => depth += 1,
            CLOSE | COMMA if depth == 0 => return Some(at),
            CLOSE => depth -= 1,
            _ => {}
        }
        at += 1;
    }
}

#[cfg(test)]
#[allow(unreachable_pub)]
pub(crate) mod tests {
    use super::*;

    #[test]
    fn top_level_scan_is_exact_or_unknown() {
        use TopLevel::{Absent, Unknown, Value};
        fn find(body: &[u8]) -> TopLevel<'_> {
            top_level_value(body, "code")
        }
        // At the top level, in any position.
        assert_eq!(find(br#"{"code":3}"#), Value(b"3"));
        assert_eq!(
            find(br#" { "a" : [1, {"b": "}"}], "c": "x\"y", "code" : "0" } "#),
            Value(br#""0""#)
        );
        // Nested, inside strings, or absent: not at the top level.
        assert_eq!(find(br#"{"a":{"code":3},"b":["code"]}"#), Absent);
        assert_eq!(find(br#"{"a":"\"code\": 3"}"#), Absent);
        assert_eq!(find(br#"{}"#), Absent);
        assert_eq!(find(br#"{"codes":1,"cod":2}"#), Absent);
        // Not JSON: a parser refuses it too.
        assert_eq!(find(b""), Absent);
        assert_eq!(find(b"<html>"), Absent);
        assert_eq!(find(br#"{"a":1"#), Absent);
        assert_eq!(find(br#"{"code":[1"#), Absent);
        // Cannot tell by a plain scan: left to the parser.
        assert_eq!(find(br#"{"co\u0064e":3}"#), Unknown);
        assert_eq!(find(br#"[3, "x"]"#), Unknown);
    }

    /// Arbitrary JSON whose object keys are drawn from `keys`, nested up
    /// to four levels (shared with `watch`'s tests).
    pub(crate) fn json_value(
        keys: Vec<&'static str>,
    ) -> impl proptest::strategy::Strategy<Value = serde_json::Value> {
        use proptest::prelude::*;
        use serde_json::Value;
        let key = prop::sample::select(keys);
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            "[ -~]{0,8}".prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 32, 4, move |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::vec((key.clone(), inner), 0..4).prop_map(|pairs| {
                    Value::Object(pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
                }),
            ]
        })
    }

    proptest::proptest! {
        /// The scan agrees with a JSON parser on every object, compact or
        /// pretty-printed: the key's first value, or its absence.
        #[test]
        fn top_level_scan_agrees_with_serde(
            value in json_value(vec!["code", "status", "a", "co\"de", "x\\y", "{", ""]),
            pretty in proptest::bool::ANY,
        ) {
            let body = if pretty {
                serde_json::to_vec_pretty(&value).unwrap()
            } else {
                serde_json::to_vec(&value).unwrap()
            };
            for key in ["code", "status"] {
                match (top_level_value(&body, key), value.as_object()) {
                    (TopLevel::Absent, Some(map)) => proptest::prop_assert!(!map.contains_key(key)),
                    (TopLevel::Value(raw), Some(map)) => {
                        let raw: serde_json::Value = serde_json::from_slice(raw).unwrap();
                        proptest::prop_assert_eq!(Some(&raw), map.get(key));
                    }
                    (TopLevel::Unknown, Some(map)) => {
                        proptest::prop_assert!(map.keys().any(|k| k.contains(['"', '\\'])));
                    }
                    (TopLevel::Absent, None) => proptest::prop_assert!(!value.is_array()),
                    (_, None) => proptest::prop_assert!(value.is_array()),
                }
            }
        }
    }
}
