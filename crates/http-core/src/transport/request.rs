//! [`Request`]: one API call, described before it is sent.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use reqwest::Method;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde::Serialize;

use crate::error::Error;
use partner_sdk_journal::ReconcileKey;

/// One API call, described before it is sent.
///
/// The path template uses `{name}` placeholders, filled in order by
/// [`Request::param`]; a placeholder may share its segment with literal text
/// (`ext-{external_id}`). Each value becomes exactly one percent-encoded path
/// segment.
#[derive(Clone)]
pub struct Request {
    pub(super) method: Method,
    pub(super) operation: &'static str,
    pub(super) template: &'static str,
    pub(super) params: Vec<String>,
    /// The query, form-encoded as it is built (`a=1&b=2`).
    pub(super) query: String,
    pub(super) headers: HeaderMap,
    pub(super) body: Option<Bytes>,
    /// The body's type, or the type a bodyless request is documented to
    /// carry.
    pub(super) content_type: Option<&'static str>,
    idempotent: Option<bool>,
    pub(super) reconcile: Option<ReconcileKey>,
    pub(super) timeout: Option<Duration>,
    pub(super) sensitive_answer: bool,
    /// The first error met while describing the request (a query or body
    /// that does not serialize): the call fails with it, sending nothing.
    pub(super) error: Option<Arc<Error>>,
}

impl fmt::Debug for Request {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Request")
            .field("method", &self.method)
            .field("operation", &self.operation)
            .field("template", &self.template)
            .field("has_body", &self.body.is_some())
            .finish_non_exhaustive()
    }
}

impl Request {
    /// A request for `operation` at `template` (relative to the base URL).
    pub fn new(method: Method, operation: &'static str, template: &'static str) -> Self {
        Request {
            method,
            operation,
            template,
            params: Vec::new(),
            query: String::new(),
            headers: HeaderMap::new(),
            body: None,
            content_type: None,
            idempotent: None,
            reconcile: None,
            timeout: None,
            sensitive_answer: false,
            error: None,
        }
    }
    /// A GET request.
    pub fn get(operation: &'static str, template: &'static str) -> Self {
        Self::new(Method::GET, operation, template)
    }
    /// A POST request (not retried unless marked [`idempotent`](Self::idempotent)).
    pub fn post(operation: &'static str, template: &'static str) -> Self {
        Self::new(Method::POST, operation, template)
    }
    /// A PUT request.
    pub fn put(operation: &'static str, template: &'static str) -> Self {
        Self::new(Method::PUT, operation, template)
    }
    /// A DELETE request.
    pub fn delete(operation: &'static str, template: &'static str) -> Self {
        Self::new(Method::DELETE, operation, template)
    }

    /// Fills the next `{placeholder}` of the path template.
    pub fn param(mut self, value: impl fmt::Display) -> Self {
        self.params.push(value.to_string());
        self
    }

    /// Adds the fields of `query` (serde, `None` fields skipped) to the query string.
    pub fn query<T: Serialize + ?Sized>(mut self, query: &T) -> Self {
        self.reserve_query();
        let start = self.query.len();
        let mut pairs = url::form_urlencoded::Serializer::for_suffix(&mut self.query, 0);
        let written = query.serialize(serde_urlencoded::Serializer::new(&mut pairs));
        if let Err(e) = written {
            self.query.truncate(start);
            self.fail(Error::invalid_input("query", e.to_string()));
        }
        self
    }

    /// Adds one query pair, the value form-encoded as it is formatted.
    pub fn query_pair(mut self, name: impl AsRef<str>, value: impl fmt::Display) -> Self {
        self.push_pair(name.as_ref(), &value);
        self
    }

    /// Adds one query pair in place, as [`query_pair`](Self::query_pair)
    /// does: for a request filled in step by step (a provider's query
    /// applying its filters), which a chain of by-value calls would move
    /// at every step.
    #[inline]
    pub fn push_query_pair(&mut self, name: &str, value: impl fmt::Display) {
        self.push_pair(name, &value);
    }

    /// Adds one query pair in place when `value` is `Some`, as
    /// [`query_opt`](Self::query_opt) does.
    #[inline]
    pub fn push_query_opt(&mut self, name: &str, value: Option<impl fmt::Display>) {
        if let Some(v) = value {
            self.push_pair(name, &v);
        }
    }

    /// The query pairs' work, one copy for every name and value type: the
    /// generic methods only forward to it.
    fn push_pair(&mut self, name: &str, value: &dyn fmt::Display) {
        self.reserve_query();
        if !self.query.is_empty() {
            self.query.push('&');
        }
        let mut encoded = FormEncoded(&mut self.query);
        // `FormEncoded` never fails; a `Display` that does ends the value
        // where it stopped.
        let _ = fmt::Write::write_str(&mut encoded, name);
        encoded.0.push('=');
        let _ = fmt::write(&mut encoded, format_args!("{value}"));
    }

    /// Room for a typical query, allocated once rather than grown piece by
    /// piece.
    fn reserve_query(&mut self) {
        const TYPICAL_QUERY: usize = 64;
        if self.query.capacity() == 0 {
            self.query.reserve(TYPICAL_QUERY);
        }
    }

    /// Adds one query pair when `value` is `Some`.
    pub fn query_opt(mut self, name: impl AsRef<str>, value: Option<impl fmt::Display>) -> Self {
        self.push_query_opt(name.as_ref(), value);
        self
    }

    /// JSON body.
    pub fn json<T: Serialize + ?Sized>(mut self, body: &T) -> Self {
        match serde_json::to_vec(body) {
            Ok(bytes) => {
                self.body = Some(Bytes::from(bytes));
                self.content_type = Some("application/json");
            }
            Err(e) => self.fail(Error::invalid_input("body", e.to_string())),
        }
        self
    }

    /// `application/x-www-form-urlencoded` body.
    pub fn form<T: Serialize + ?Sized>(mut self, body: &T) -> Self {
        match serde_urlencoded::to_string(body) {
            Ok(text) => {
                self.body = Some(Bytes::from(text));
                self.content_type = Some("application/x-www-form-urlencoded");
            }
            Err(e) => self.fail(Error::invalid_input("body", e.to_string())),
        }
        self
    }

    /// Raw body with its content type.
    pub fn body(mut self, body: impl Into<Bytes>, content_type: &'static str) -> Self {
        self.body = Some(body.into());
        self.content_type = Some(content_type);
        self
    }

    /// `Content-Type` for a request the provider documents with one but
    /// without a body. A body set afterwards brings its own type.
    pub fn content_type(mut self, content_type: &'static str) -> Self {
        self.content_type = Some(content_type);
        self
    }

    /// An extra header for this request.
    pub fn header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.insert(name, value);
        self
    }

    /// Overrides whether the request may be retried. GET/HEAD/PUT/DELETE are
    /// idempotent by default, POST/PATCH are not. Mark a POST idempotent only
    /// when the provider deduplicates it.
    pub fn idempotent(mut self, idempotent: bool) -> Self {
        self.idempotent = Some(idempotent);
        self
    }

    /// The caller's identifier for this request, `field` = `value`: the
    /// [`ReconcileKey`] reported in [`Error::OutcomeUnknown`] and
    /// [`Error::AnswerUnreadable`] so the outcome can be looked up, and the
    /// key a journalled create is filed under.
    pub fn reconcile_with(mut self, field: &'static str, value: impl Into<String>) -> Self {
        self.reconcile = Some(ReconcileKey::new(field, value));
        self
    }

    /// Marks the answer as one that may carry secrets or personal data
    /// (voucher PINs, session tokens, generated credentials): when it does
    /// not decode, the [`Error::Decode`] keeps neither the body nor serde's
    /// message (which may quote a value), only the failing field path and
    /// the kind of error; when it is an error answer, the
    /// [`ApiError`](crate::error::ApiError) keeps no body, and no code or
    /// message that repeats a value of that body.
    pub fn sensitive_answer(mut self) -> Self {
        self.sensitive_answer = true;
        self
    }

    /// Per-attempt timeout for this request only.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// The operation name.
    pub fn operation(&self) -> &'static str {
        self.operation
    }

    fn fail(&mut self, e: Error) {
        if self.error.is_none() {
            self.error = Some(Arc::new(e));
        }
    }

    /// True when the request may be sent again: GET/HEAD/PUT/DELETE/OPTIONS
    /// unless [`idempotent`](Self::idempotent) says otherwise.
    pub(super) fn is_idempotent(&self) -> bool {
        self.idempotent.unwrap_or(matches!(
            self.method,
            Method::GET | Method::HEAD | Method::PUT | Method::DELETE | Method::OPTIONS
        ))
    }
}

/// Appends what is written to it form-encoded
/// (`application/x-www-form-urlencoded`, as `url::form_urlencoded` encodes
/// a pair's name or value: byte by byte, so any split gives the same text).
struct FormEncoded<'a>(&'a mut String);

/// The bytes form encoding keeps as they are, as `url::form_urlencoded`
/// keeps them: ASCII letters and digits, `*`, `-`, `.` and `_`. A table,
/// so that each byte costs one look-up rather than a chain of range tests.
const FORM_UNCHANGED: [bool; 256] = {
    let mut table = [false; 256];
    let mut byte = 0;
    while byte < table.len() {
        table[byte] = matches!(
            byte as u8,
            b'*' | b'-' | b'.' | b'0'..=b'9' | b'A'..=b'Z' | b'_' | b'a'..=b'z'
        );
        byte += 1;
    }
    table
};

impl fmt::Write for FormEncoded<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        const HEX: &[u8; 16] = b"0123456789ABCDEF";
        let out = &mut *self.0;
        // Runs of bytes kept as they are are copied whole; `start` is where
        // the current run begins.
        let mut start = 0;
        for (i, &byte) in s.as_bytes().iter().enumerate() {
            if FORM_UNCHANGED[usize::from(byte)] {
                continue;
            }
            // `start..i` holds ASCII bytes only, so both ends are character
            // boundaries.
            if start < i {
                out.push_str(&s[start..i]);
            }
            if byte == b' ' {
                out.push('+');
            } else {
                out.push('%');
                out.push(char::from(HEX[usize::from(byte >> 4)]));
                out.push(char::from(HEX[usize::from(byte & 0x0f)]));
            }
            start = i + 1;
        }
        if start < s.len() {
            out.push_str(&s[start..]);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_pairs_are_encoded_as_form_urlencoded_encodes_them() {
        struct Pieces;
        impl fmt::Display for Pieces {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a b")?;
                f.write_str("&é=")?;
                write!(f, "{}+~*", 1)
            }
        }
        let pairs = [
            ("k y", "a b&é=1+~*".to_owned()),
            ("n", 42.to_string()),
            ("e", String::new()),
        ];
        let req = Request::get("op", "/x")
            .query_pair("k y", Pieces)
            .query_pair("n", 42)
            .query_pair("e", "");
        let expected = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(&pairs)
            .finish();
        assert_eq!(req.query, expected);
    }

    #[test]
    fn form_encoding_matches_form_urlencoded_byte_for_byte() {
        let mut every_char: String = (0u8..=127).map(char::from).collect();
        every_char.push_str("é日本\u{1F600}\u{80}\u{7FF}\u{FFFF} a+b%20");
        let samples = [
            "",
            "plain",
            "iphone-8",
            " ",
            "é",
            "aé",
            "éa",
            "a b&c=d",
            "日本語",
            every_char.as_str(),
        ];
        for sample in samples {
            let mut ours = String::new();
            fmt::Write::write_str(&mut FormEncoded(&mut ours), sample).unwrap();
            let theirs: String = url::form_urlencoded::byte_serialize(sample.as_bytes()).collect();
            assert_eq!(ours, theirs, "{sample:?}");
        }
    }

    #[test]
    fn default_idempotency_follows_the_method() {
        assert!(Request::get("a", "/").is_idempotent());
        assert!(Request::put("a", "/").is_idempotent());
        assert!(Request::delete("a", "/").is_idempotent());
        assert!(!Request::post("a", "/").is_idempotent());
        assert!(Request::post("a", "/").idempotent(true).is_idempotent());
    }

    #[test]
    fn a_query_that_does_not_serialize_adds_nothing_and_fails_the_request() {
        #[derive(Serialize)]
        struct Nested {
            inner: Vec<u32>,
        }
        let req = Request::get("op", "/x")
            .query_pair("q", 1)
            .query(&Nested { inner: vec![1] });
        assert_eq!(req.query, "q=1");
        assert!(matches!(
            req.error.as_deref(),
            Some(Error::InvalidInput(e)) if e.field == "query"
        ));
    }
}
