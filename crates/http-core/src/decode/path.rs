//! Where in a JSON document a failed decode stopped, as a field path
//! (`models[3].prices[0].gradePrices`), found from the position serde_json
//! reports.
//!
//! It reads the document's text up to that position, so it is one
//! non-generic function for every type the SDK decodes: tracking the path
//! during the decode instead (serde_path_to_error) compiles a second copy of
//! every answer type's deserializer into each application.

/// One step of a path: an object's key or an array's index.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Seg {
    Key(String),
    Index(usize),
}

/// An open object or array, and the member being read in it.
#[derive(Debug)]
enum Frame {
    /// In an object: the last key read, and whether the next string is a key
    /// (after `{` or `,`).
    Object(Option<String>, bool),
    /// In an array: the index of the current element (`None` before the first).
    Array(Option<usize>),
}

/// The last thing read before the error's position.
#[derive(Debug)]
enum Last {
    /// Nothing yet, a key, a `:` or a `,`: the path is that of the value
    /// that comes next (serde_json stops before a value it refuses on
    /// sight, such as an object where a string goes).
    Between,
    /// A whole scalar: its path.
    Value(Vec<Seg>),
    /// An object or array just opened: its path.
    Opened(Vec<Seg>),
    /// An object or array just closed: its path, and that of the last value
    /// read inside it.
    Closed(Vec<Seg>, Option<Vec<Seg>>),
}

/// The path of the value `error` is about in `body`.
///
/// serde_json places an error just after what it read last. For a value of
/// the wrong type or a value a field's own deserializer refused, that is the
/// value (or, when it was the last member, the `}` closing its object just
/// after it); for a missing field or a wrong length, the object or array
/// just closed. `.` is the document itself, as serde_path_to_error writes
/// it; an error with no position (an I/O error) has the path `.` too.
pub(crate) fn path_of(body: &[u8], error: &serde_json::Error) -> String {
    let end = offset(body, error.line(), error.column()).min(body.len());
    let container_error = {
        let message = error.to_string();
        message.starts_with("missing field") || message.starts_with("invalid length")
    };
    let (last, mut stack) = scan(&body[..end]);
    let segments = match last {
        Last::Value(path) | Last::Opened(path) => path,
        Last::Closed(path, inner) => match (container_error, inner) {
            (false, Some(inner)) => inner,
            _ => path,
        },
        Last::Between => start_value(&mut stack),
    };
    display(&segments)
}

/// The byte offset of serde_json's 1-based `line` and 0-based `column`
/// (bytes read on that line).
fn offset(body: &[u8], line: usize, column: usize) -> usize {
    if line <= 1 {
        return column;
    }
    let newlines = body.iter().enumerate().filter(|&(_, &b)| b == b'\n');
    match newlines.map(|(i, _)| i).nth(line - 2) {
        Some(i) => i + 1 + column,
        None => body.len(),
    }
}

/// Reads `text` (a prefix of a JSON document) and says what it read last.
/// It trusts serde_json, which has read the same bytes, to have refused
/// anything that is not JSON; on such text it still ends, with some path.
fn scan(text: &[u8]) -> (Last, Vec<Frame>) {
    let mut stack: Vec<Frame> = Vec::new();
    // The last value completed in each open container, innermost last.
    let mut inner: Vec<Option<Vec<Seg>>> = vec![None];
    let mut last = Last::Between;
    let mut i = 0;
    while let Some(&b) = text.get(i) {
        i += 1;
        match b {
            b'"' if wants_key(&stack) => {
                let (key, next) = read_string(text, i);
                i = next;
                if let Some(Frame::Object(slot, wants)) = stack.last_mut() {
                    *slot = Some(key);
                    *wants = false;
                }
                last = Last::Between;
            }
            b'{' | b'[' => {
                let path = start_value(&mut stack);
                stack.push(match b {
                    b'{' => Frame::Object(None, true),
                    _ => Frame::Array(None),
                });
                inner.push(None);
                last = Last::Opened(path);
            }
            b'}' | b']' => {
                let inside = inner.pop().flatten();
                stack.pop();
                let path = here(&stack);
                if let Some(slot) = inner.last_mut() {
                    *slot = Some(path.clone());
                }
                last = Last::Closed(path, inside);
            }
            b',' => {
                if let Some(Frame::Object(_, wants)) = stack.last_mut() {
                    *wants = true;
                }
                last = Last::Between;
            }
            b':' | b' ' | b'\t' | b'\n' | b'\r' => {}
            _ => {
                // A string value, a number, `true`, `false` or `null`.
                let path = start_value(&mut stack);
                i = if b == b'"' {
                    read_string(text, i).1
                } else {
                    let rest = text.get(i..).unwrap_or_default();
                    i + rest.iter().take_while(|&&c| !is_delimiter(c)).count()
                };
                if let Some(slot) = inner.last_mut() {
                    *slot = Some(path.clone());
                }
                last = Last::Value(path);
            }
        }
    }
    (last, stack)
}

/// Whether the next string in this position is an object's key.
fn wants_key(stack: &[Frame]) -> bool {
    matches!(stack.last(), Some(Frame::Object(_, true)))
}

fn is_delimiter(c: u8) -> bool {
    matches!(
        c,
        b',' | b'}' | b']' | b':' | b' ' | b'\t' | b'\n' | b'\r' | b'"' | b'{' | b'['
    )
}

/// A value starts here: an array counts one more element. Its path.
fn start_value(stack: &mut [Frame]) -> Vec<Seg> {
    if let Some(Frame::Array(index)) = stack.last_mut() {
        *index = Some(index.map_or(0, |i| i + 1));
    }
    here(stack)
}

/// The path of the member being read in the innermost container.
fn here(stack: &[Frame]) -> Vec<Seg> {
    stack
        .iter()
        .filter_map(|frame| match frame {
            Frame::Object(key, _) => key.clone().map(Seg::Key),
            Frame::Array(index) => index.map(Seg::Index),
        })
        .collect()
}

/// The text of the string whose content starts at `start` (escapes kept as
/// written, except `\"` and `\\`), and the index just past its closing quote.
fn read_string(text: &[u8], start: usize) -> (String, usize) {
    let mut out = Vec::new();
    let mut i = start;
    while let Some(&c) = text.get(i) {
        i += 1;
        match c {
            b'"' => break,
            b'\\' => {
                if let Some(&escaped) = text.get(i) {
                    i += 1;
                    if !matches!(escaped, b'"' | b'\\') {
                        out.push(b'\\');
                    }
                    out.push(escaped);
                }
            }
            _ => out.push(c),
        }
    }
    (String::from_utf8_lossy(&out).into_owned(), i)
}

/// `a.b[0].c`; `.` for the document itself.
fn display(segments: &[Seg]) -> String {
    if segments.is_empty() {
        return ".".to_owned();
    }
    let mut out = String::new();
    for seg in segments {
        match seg {
            Seg::Index(i) => {
                out.push('[');
                out.push_str(itoa::Buffer::new().format(*i));
                out.push(']');
            }
            Seg::Key(key) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(key);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    fn path<T: serde::de::DeserializeOwned + std::fmt::Debug>(body: &str) -> String {
        let error = serde_json::from_str::<T>(body).expect_err("the body does not decode");
        path_of(body.as_bytes(), &error)
    }

    /// What serde_path_to_error says for the same failure.
    fn tracked<T: serde::de::DeserializeOwned + std::fmt::Debug>(body: &str) -> String {
        let de = &mut serde_json::Deserializer::from_str(body);
        let error = serde_path_to_error::deserialize::<_, T>(de).expect_err("does not decode");
        error.path().to_string()
    }

    fn refuse_x<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
        let s = String::deserialize(d)?;
        match s.as_str() {
            "x" => Err(serde::de::Error::custom("x is refused")),
            _ => Ok(s),
        }
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Price {
        grade: String,
        #[serde(deserialize_with = "refuse_x")]
        label: String,
        amount: i64,
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Model {
        name: String,
        prices: Vec<Price>,
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Catalogue {
        models: Vec<Model>,
        count: u32,
    }

    const CASES: &[&str] = &[
        // A value of the wrong type, in the middle and last in its object.
        r#"{"models": [{"name": "a", "prices": [{"grade": "A", "label": "l", "amount": "9"}]}], "count": 1}"#,
        r#"{"models": [{"name": "a", "prices": [{"grade": "A", "amount": 1, "label": "l"}, {"grade": 7, "label": "l", "amount": 1}]}], "count": 1}"#,
        r#"{"count": 1, "models": [{"name": 5, "prices": []}]}"#,
        // A field's own deserializer refusing the value: not last, last.
        r#"{"models": [{"name": "a", "prices": [{"grade": "A", "label": "x", "amount": 1}]}], "count": 1}"#,
        r#"{"models": [{"name": "a", "prices": [{"grade": "A", "amount": 1, "label": "x"}]}], "count": 1}"#,
        // A missing field, nested and at the top.
        r#"{"models": [{"name": "a", "prices": [{"grade": "A", "label": "l"}]}], "count": 1}"#,
        r#"{"models": []}"#,
        // An object where a string goes, an array where an object goes.
        r#"{"models": [{"name": {"first": "a"}, "prices": []}], "count": 1}"#,
        r#"{"models": [[1, 2]], "count": 1}"#,
        // Numbers out of range, a negative count, whitespace and lines.
        "{\n  \"models\": [],\n  \"count\": -1\n}",
        "{\n  \"models\": [\n    {\"name\": \"a\",\n     \"prices\": [ {\"grade\": \"A\", \"label\": \"l\", \"amount\": 1e400} ]}\n  ],\n  \"count\": 1\n}",
        // Escaped quotes in keys and values before the failure.
        r#"{"models": [{"name": "a \"b\" \\", "prices": [{"grade": "\"", "label": "l", "amount": true}]}], "count": 1}"#,
        // Not the expected document at all.
        r#"[1, 2]"#,
        r#""text""#,
    ];

    #[test]
    fn the_path_is_the_one_path_tracking_finds() {
        for body in CASES {
            assert_eq!(
                path::<Catalogue>(body),
                tracked::<Catalogue>(body),
                "{body}"
            );
        }
    }

    #[test]
    fn maps_and_top_level_arrays_name_keys_and_indexes() {
        let body = r#"{"a": 1, "b": "two"}"#;
        let expected = tracked::<std::collections::HashMap<String, u32>>(body);
        assert_eq!(
            path::<std::collections::HashMap<String, u32>>(body),
            expected
        );
        assert_eq!(expected, "b");
        let body = r#"[{"a": 1}, {"a": "x"}]"#;
        assert_eq!(
            path::<Vec<std::collections::HashMap<String, u32>>>(body),
            "[1].a"
        );
    }

    #[test]
    fn broken_and_truncated_text_ends_with_some_path() {
        for body in [
            r#"{"a": [1, 2"#,
            r#"{"a": "#,
            "{",
            "",
            r#"{"a": "unterminated"#,
            "]]]}}}",
        ] {
            let error = serde_json::from_str::<serde_json::Value>(body).expect_err("not JSON");
            let _ = path_of(body.as_bytes(), &error);
        }
    }
}
