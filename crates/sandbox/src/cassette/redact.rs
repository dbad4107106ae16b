//! Redaction by provider: the one place that decides what a cassette may
//! hold.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use base64::Engine as _;
use serde_json::Value;
use url::form_urlencoded;

use super::format::{Body, Provider, RecordedRequest, RecordedResponse};

/// What a credential, signature, nonce, session key or token is replaced
/// by, wherever it appears.
pub const REDACTED: &str = "<redacted>";

/// The shortest credential replaced wherever it appears (a shorter one is
/// replaced in its own field or header only, so that `user` does not eat
/// `/users`).
const MIN_SECRET_LEN: usize = 6;

/// The shortest personal value replaced wherever it appears.
const MIN_PERSONAL_LEN: usize = 5;

/// The host of URL placeholders, so that a redacted link still parses as a
/// URL.
const URL_PLACEHOLDER_PREFIX: &str = "https://redacted.invalid/";

/// Field and header names (normalised to `snake_case`) one of whose
/// `_`-separated words marks a credential.
const SECRET_WORDS: &[&str] = &[
    "authorization",
    "auth",
    "token",
    "secret",
    "password",
    "passwd",
    "pw",
    "signature",
    "hmac",
    "nonce",
    "apikey",
    "session",
    "cookie",
    "credential",
    "credentials",
];

/// Name parts that mark a credential wherever they appear in a name.
const SECRET_PARTS: &[&str] = &[
    "client_id",
    "api_id",
    "api_key",
    "access_key",
    "session_key",
    "private_key",
    "public_key",
    "secret_key",
    "access_token",
    "refresh_token",
    "secret",
];

/// Names that are a credential for one provider only.
fn provider_secrets(provider: Provider) -> &'static [&'static str] {
    match provider {
        // The Checkout URL's public key.
        Provider::Brighte => &["key"],
        Provider::Bbti | Provider::TradeinPromo | Provider::Dtone | Provider::DtoneDvs => &[],
    }
}

/// Name parts that mark personal data or a bearer link wherever they
/// appear in a name (the test kit's privacy table, and more).
const PERSONAL_PARTS: &[&str] = &[
    "first_name",
    "last_name",
    "middle_name",
    "full_name",
    "given_name",
    "family_name",
    "surname",
    "date_of_birth",
    "birth",
    "account_number",
    "sms_text",
    "custom_field",
    "team_member",
    "user_id_in_partner",
    "postcode",
    "post_code",
    "street",
    "suburb",
    "msisdn",
    "ekyc",
];

/// Words of a name that mark personal data or a bearer link.
const PERSONAL_WORDS: &[&str] = &[
    "email",
    "mobile",
    "phone",
    "dob",
    "address",
    "building",
    "zip",
    "city",
    "occupation",
    "imei",
    "applicant",
    "applicants",
    "pin",
    "pin2",
    "url",
    "link",
];

/// Names whose whole value (every string and number under them) is
/// personal, per provider.
fn provider_containers(provider: Provider) -> &'static [&'static str] {
    match provider {
        Provider::Dtone | Provider::DtoneDvs => &[
            "sender",
            "recipient",
            "beneficiary",
            "credit_party_identifier",
            "debit_party_identifier",
        ],
        Provider::Brighte => &["joint_applicant", "vendor_notes"],
        Provider::Bbti => &["barcode", "qr_code"],
        Provider::TradeinPromo => &["serial_number"],
    }
}

/// Request headers left out of a cassette: set by the transport, or
/// changing on every run.
const DROPPED_REQUEST_HEADERS: &[&str] = &[
    "host",
    "content-length",
    "connection",
    "transfer-encoding",
    "accept-encoding",
    "user-agent",
    "keep-alive",
    "te",
    "upgrade",
    "proxy-connection",
];

/// Answer headers left out of a cassette.
const DROPPED_RESPONSE_HEADERS: &[&str] = &[
    "date",
    "content-length",
    "connection",
    "transfer-encoding",
    "keep-alive",
    "server",
];

#[derive(Debug, Clone)]
enum Class {
    Secret,
    Personal(String),
}

/// `firstName`, `first-name` and `FIRST_NAME` all become `first_name`.
fn normalise(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    let mut previous_lower = false;
    for c in name.chars() {
        if c.is_ascii_uppercase() {
            if previous_lower {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
            previous_lower = false;
        } else if c == '-' || c == ' ' || c == '.' {
            out.push('_');
            previous_lower = false;
        } else {
            out.push(c);
            previous_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        }
    }
    out
}

fn has_word(name: &str, words: &[&str]) -> bool {
    name.split('_').any(|word| words.contains(&word))
}

/// The placeholder family of a personal field.
fn kind_of(name: &str) -> String {
    let families: [(&[&str], &str); 10] = [
        (&["email"], "email"),
        (&["phone", "mobile", "msisdn"], "phone"),
        (&["imei"], "imei"),
        (&["url", "link"], "url"),
        (&["dob", "birth"], "dob"),
        (&["account_number"], "account"),
        (&["name"], "name"),
        (
            &[
                "address",
                "street",
                "city",
                "zip",
                "postcode",
                "post_code",
                "building",
                "suburb",
            ],
            "address",
        ),
        (&["pin"], "pin"),
        (&["applicant"], "applicant"),
    ];
    for (parts, family) in families {
        if parts.iter().any(|part| name.contains(part)) {
            return family.to_owned();
        }
    }
    name.chars()
        .filter(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_')
        .collect()
}

/// `<kind-N>` or `https://redacted.invalid/kind-N`: the kind and N.
fn parse_placeholder(text: &str) -> Option<(&str, u32)> {
    let inner = text
        .strip_prefix(URL_PLACEHOLDER_PREFIX)
        .or_else(|| text.strip_prefix('<')?.strip_suffix('>'))?;
    let (kind, number) = inner.rsplit_once('-')?;
    let valid_kind = !kind.is_empty()
        && kind
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if !valid_kind || number.is_empty() || !number.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    Some((kind, number.parse().ok()?))
}

/// The text of a string or number leaf.
fn leaf_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A provider's redaction: credentials out, personal values replaced by
/// stable placeholders.
///
/// A redactor remembers what it has seen: the same personal value always
/// gets the same placeholder (`<email-1>`, `<phone-2>`,
/// `https://redacted.invalid/url-1` for links), and a credential or
/// personal value learnt from one field is also replaced where it appears
/// elsewhere (a path segment, a query, a text body). What it remembers is
/// never written and never printed (its `Debug` shows counts only).
///
/// Always removed: the values of `Authorization`, cookies, API key, nonce,
/// HMAC, signature and session headers; fields named like tokens, secrets,
/// passwords, keys, client or API ids (so token endpoint answers keep no
/// token, and Basic credentials, whole or decoded, are replaced wherever
/// they appear). Personal data: the fields of the test kit's privacy table
/// (names, dates of birth, phone, mobile and account numbers, addresses,
/// e-mails, IMEIs, PINs, links, applicants) and, per provider, whole
/// objects (DT One's sender, recipient, beneficiary and party
/// identifiers; Brighte's joint applicant; BBTI's barcodes), plus the fields added with [`with_field`](Self::with_field).
pub struct Redactor {
    provider: Provider,
    extra: BTreeSet<String>,
    placeholders: HashMap<String, String>,
    originals: HashMap<String, Value>,
    counters: HashMap<String, u32>,
    secrets: BTreeSet<String>,
}

impl std::fmt::Debug for Redactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Redactor")
            .field("provider", &self.provider)
            .field("extra_fields", &self.extra)
            .field("placeholders", &self.placeholders.len())
            .field("secrets", &self.secrets.len())
            .finish()
    }
}

impl Redactor {
    /// The rules for `provider`, remembering nothing yet.
    pub fn new(provider: Provider) -> Self {
        Redactor {
            provider,
            extra: BTreeSet::new(),
            placeholders: HashMap::new(),
            originals: HashMap::new(),
            counters: HashMap::new(),
            secrets: BTreeSet::new(),
        }
    }

    /// Also treats fields called `name` (any case: `loyaltyNumber` and
    /// `loyalty_number` are one name) as personal data.
    pub fn with_field(mut self, name: &str) -> Self {
        self.extra.insert(normalise(name));
        self
    }

    /// The provider whose rules these are.
    pub fn provider(&self) -> Provider {
        self.provider
    }

    fn classify(&self, name: &str) -> Option<Class> {
        let name = normalise(name);
        if has_word(&name, SECRET_WORDS)
            || SECRET_PARTS.iter().any(|p| name.contains(p))
            || provider_secrets(self.provider).contains(&name.as_str())
        {
            return Some(Class::Secret);
        }
        let personal = self.extra.contains(&name)
            || provider_containers(self.provider).contains(&name.as_str())
            || PERSONAL_PARTS.iter().any(|p| name.contains(p))
            || has_word(&name, PERSONAL_WORDS);
        personal.then(|| Class::Personal(kind_of(&name)))
    }

    fn learn_secret(&mut self, text: &str) {
        let text = text.trim();
        if text.len() >= MIN_SECRET_LEN && text != REDACTED {
            self.secrets.insert(text.to_owned());
        }
    }

    /// The placeholder of a personal `value` of family `kind`.
    fn placeholder(&mut self, kind: &str, value: &Value) -> Option<String> {
        let text = leaf_text(value)?;
        if text.is_empty() {
            return None;
        }
        if text == REDACTED || parse_placeholder(&text).is_some() {
            return Some(text);
        }
        if let Some(known) = self.placeholders.get(&text) {
            return Some(known.clone());
        }
        let counter = self.counters.entry(kind.to_owned()).or_insert(0);
        *counter += 1;
        let placeholder = if kind == "url" {
            format!("{URL_PLACEHOLDER_PREFIX}url-{counter}")
        } else {
            format!("<{kind}-{counter}>")
        };
        self.placeholders.insert(text, placeholder.clone());
        self.originals.insert(placeholder.clone(), value.clone());
        Some(placeholder)
    }

    /// Replaces the leaves under credential and personal names.
    fn walk(&mut self, value: &mut Value, class: Option<Class>) {
        match value {
            Value::Object(map) => {
                for (key, child) in map.iter_mut() {
                    let class = self.classify(key).or_else(|| class.clone());
                    self.walk(child, class);
                }
            }
            Value::Array(items) => {
                for item in items {
                    self.walk(item, class.clone());
                }
            }
            Value::String(_) | Value::Number(_) => match class {
                Some(Class::Secret) => {
                    if let Some(text) = leaf_text(value).filter(|t| !t.is_empty()) {
                        self.learn_secret(&text);
                        *value = Value::String(REDACTED.to_owned());
                    }
                }
                Some(Class::Personal(kind)) => {
                    if let Some(placeholder) = self.placeholder(&kind, value) {
                        *value = Value::String(placeholder);
                    }
                }
                None => {}
            },
            Value::Null | Value::Bool(_) => {}
        }
    }

    /// Every learnt value and its replacement, longest first, with the
    /// encoded forms a URL or a form gives them.
    fn needles(&self) -> Vec<(String, String)> {
        let mut needles = Vec::new();
        let learnt = self
            .secrets
            .iter()
            .map(|s| (s.clone(), REDACTED.to_owned()))
            .chain(
                self.placeholders
                    .iter()
                    .filter(|(text, _)| text.len() >= MIN_PERSONAL_LEN)
                    .map(|(t, p)| (t.clone(), p.clone())),
            );
        for (text, replacement) in learnt {
            let form: String = form_urlencoded::byte_serialize(text.as_bytes()).collect();
            let encoded = form.replace('+', "%20");
            needles.push((text, replacement.clone()));
            needles.push((form, replacement.clone()));
            needles.push((encoded, replacement));
        }
        needles.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then_with(|| a.0.cmp(&b.0)));
        needles.dedup();
        needles
    }

    fn scrub_text(needles: &[(String, String)], text: &str) -> String {
        let mut text = text.to_owned();
        for (needle, replacement) in needles {
            if text.contains(needle.as_str()) {
                text = text.replace(needle.as_str(), replacement);
            }
        }
        text
    }

    fn scrub_value(needles: &[(String, String)], value: &mut Value) {
        match value {
            Value::String(s) => *s = Self::scrub_text(needles, s),
            Value::Array(items) => items.iter_mut().for_each(|v| Self::scrub_value(needles, v)),
            Value::Object(map) => map.values_mut().for_each(|v| Self::scrub_value(needles, v)),
            _ => {}
        }
    }

    /// Redacts the pairs of a query or form, value by value.
    fn walk_pairs(&mut self, text: &str) -> Vec<(String, String)> {
        form_urlencoded::parse(text.as_bytes())
            .into_owned()
            .map(|(key, value)| {
                let mut leaf = Value::String(value);
                let class = self.classify(&key);
                self.walk(&mut leaf, class);
                (key, leaf_text(&leaf).unwrap_or_default())
            })
            .collect()
    }

    fn serialize_pairs(needles: &[(String, String)], pairs: &[(String, String)]) -> String {
        let mut out = form_urlencoded::Serializer::new(String::new());
        for (key, value) in pairs {
            out.append_pair(key, &Self::scrub_text(needles, value));
        }
        out.finish()
    }

    /// Learns the credentials of secret headers; keeps the others.
    fn headers(
        &mut self,
        headers: &[(String, String)],
        dropped: &[&str],
    ) -> Vec<(String, String, bool)> {
        let mut kept = Vec::new();
        for (name, value) in headers {
            let name = name.to_ascii_lowercase();
            if dropped.contains(&name.as_str()) {
                continue;
            }
            let secret = matches!(self.classify(&name), Some(Class::Secret));
            // A nonce, HMAC or signature changes on every request: it is
            // redacted in its header and not looked for elsewhere.
            let one_off = has_word(&normalise(&name), &["nonce", "hmac", "signature"]);
            if secret && !one_off {
                self.learn_secret(value);
                if let Some((scheme, credential)) = value.trim().split_once(' ') {
                    self.learn_secret(credential);
                    if scheme.eq_ignore_ascii_case("basic") {
                        let decoded = base64::engine::general_purpose::STANDARD
                            .decode(credential.trim())
                            .ok()
                            .and_then(|bytes| String::from_utf8(bytes).ok());
                        if let Some(decoded) = decoded {
                            self.learn_secret(&decoded);
                            if let Some((user, password)) = decoded.split_once(':') {
                                self.learn_secret(user);
                                self.learn_secret(password);
                            }
                        }
                    }
                }
            }
            kept.push((name, value.clone(), secret));
        }
        kept
    }

    fn finish_headers(
        needles: &[(String, String)],
        kept: Vec<(String, String, bool)>,
    ) -> BTreeMap<String, String> {
        let mut out: BTreeMap<String, String> = BTreeMap::new();
        for (name, value, secret) in kept {
            let value = if secret {
                REDACTED.to_owned()
            } else {
                Self::scrub_text(needles, &value)
            };
            out.entry(name)
                .and_modify(|v| {
                    v.push_str(", ");
                    v.push_str(&value);
                })
                .or_insert(value);
        }
        out
    }

    /// The body, parsed and walked (not yet scrubbed).
    fn body(&mut self, bytes: &[u8], content_type: Option<&str>) -> Body {
        if bytes.is_empty() {
            return Body::Empty;
        }
        if let Ok(mut value) = serde_json::from_slice::<Value>(bytes) {
            self.walk(&mut value, None);
            return Body::Json(value);
        }
        let form = content_type.is_some_and(|t| t.contains("x-www-form-urlencoded"));
        match std::str::from_utf8(bytes) {
            Ok(text) if form => {
                let pairs = self.walk_pairs(text);
                let mut out = form_urlencoded::Serializer::new(String::new());
                for (key, value) in &pairs {
                    out.append_pair(key, value);
                }
                Body::Text(out.finish())
            }
            Ok(text) => Body::Text(text.to_owned()),
            Err(_) => Body::Base64(base64::engine::general_purpose::STANDARD.encode(bytes)),
        }
    }

    fn scrub_body(needles: &[(String, String)], body: &mut Body) {
        match body {
            Body::Json(value) => Self::scrub_value(needles, value),
            Body::Text(text) => *text = Self::scrub_text(needles, text),
            Body::Empty | Body::Base64(_) => {}
        }
    }

    /// Redacts a request: `headers` as sent (name, value), `body` as bytes.
    pub fn request(
        &mut self,
        method: &str,
        path: &str,
        query: Option<&str>,
        headers: &[(String, String)],
        body: &[u8],
    ) -> RecordedRequest {
        let kept = self.headers(headers, DROPPED_REQUEST_HEADERS);
        let content_type = content_type(&kept);
        let mut body = self.body(body, content_type.as_deref());
        let pairs = query.map(|q| self.walk_pairs(q));
        let needles = self.needles();
        Self::scrub_body(&needles, &mut body);
        RecordedRequest {
            method: method.to_ascii_uppercase(),
            path: Self::scrub_text(&needles, path),
            query: pairs.map(|pairs| Self::serialize_pairs(&needles, &pairs)),
            headers: Self::finish_headers(&needles, kept),
            body,
        }
    }

    /// Redacts an answer.
    pub fn response(
        &mut self,
        status: u16,
        headers: &[(String, String)],
        body: &[u8],
    ) -> RecordedResponse {
        let kept = self.headers(headers, DROPPED_RESPONSE_HEADERS);
        let content_type = content_type(&kept);
        let mut body = self.body(body, content_type.as_deref());
        let needles = self.needles();
        Self::scrub_body(&needles, &mut body);
        RecordedResponse {
            status,
            headers: Self::finish_headers(&needles, kept),
            body,
        }
    }

    /// Takes note of the placeholders a recorded answer gave out, so that
    /// the values met after it get the numbers they got while recording.
    pub(crate) fn reserve(&mut self, response: &RecordedResponse) {
        fn visit(value: &Value, counters: &mut HashMap<String, u32>) {
            match value {
                Value::String(s) => {
                    if let Some((kind, n)) = parse_placeholder(s) {
                        let counter = counters.entry(kind.to_owned()).or_insert(0);
                        *counter = (*counter).max(n);
                    }
                }
                Value::Array(items) => items.iter().for_each(|v| visit(v, counters)),
                Value::Object(map) => map.values().for_each(|v| visit(v, counters)),
                _ => {}
            }
        }
        match &response.body {
            Body::Json(value) => visit(value, &mut self.counters),
            Body::Text(text) => {
                for (_, value) in form_urlencoded::parse(text.as_bytes()) {
                    visit(&Value::String(value.into_owned()), &mut self.counters);
                }
            }
            Body::Empty | Body::Base64(_) => {}
        }
    }

    /// The text of `value` with the placeholders this redactor gave out
    /// put back to the values they stand for.
    pub(crate) fn restore_text(&self, text: &str) -> String {
        let mut text = text.to_owned();
        let mut placeholders: Vec<(&String, &Value)> = self.originals.iter().collect();
        placeholders.sort_by_key(|(placeholder, _)| std::cmp::Reverse(placeholder.len()));
        for (placeholder, original) in placeholders {
            if text.contains(placeholder.as_str()) {
                text = text.replace(
                    placeholder.as_str(),
                    &leaf_text(original).unwrap_or_default(),
                );
            }
        }
        text
    }

    /// A recorded body with this redactor's placeholders put back.
    pub(crate) fn restore(&self, body: &Body) -> Vec<u8> {
        fn visit(redactor: &Redactor, value: &mut Value) {
            match value {
                Value::String(s) => {
                    if let Some(original) = redactor.originals.get(s.as_str()) {
                        *value = original.clone();
                    } else {
                        *s = redactor.restore_text(s);
                    }
                }
                Value::Array(items) => items.iter_mut().for_each(|v| visit(redactor, v)),
                Value::Object(map) => map.values_mut().for_each(|v| visit(redactor, v)),
                _ => {}
            }
        }
        match body {
            Body::Json(value) => {
                let mut value = value.clone();
                visit(self, &mut value);
                serde_json::to_vec(&value).unwrap_or_default()
            }
            Body::Text(text) => self.restore_text(text).into_bytes(),
            Body::Empty | Body::Base64(_) => body.to_bytes(),
        }
    }
}

fn content_type(headers: &[(String, String, bool)]) -> Option<String> {
    headers
        .iter()
        .find(|(name, _, _)| name == "content-type")
        .map(|(_, value, _)| value.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn names_are_normalised_and_classified() {
        let r = Redactor::new(Provider::Dtone).with_field("loyaltyNumber");
        assert_eq!(normalise("firstName"), "first_name");
        assert_eq!(normalise("x-transferto-hmac"), "x_transferto_hmac");
        for secret in [
            "authorization",
            "x-transferto-hmac",
            "x-transferto-nonce",
            "x-transferto-apikey",
            "x-session-key",
            "x-session-token",
            "access_token",
            "refresh_token",
            "client_secret",
            "apiSecret",
            "sessionToken",
        ] {
            assert!(
                matches!(r.classify(secret), Some(Class::Secret)),
                "{secret}"
            );
        }
        for personal in [
            "first_name",
            "lastName",
            "email",
            "mobile_number",
            "date_of_birth",
            "imei",
            "loyalty_number",
            "sender",
            "redirect_url",
        ] {
            assert!(
                matches!(r.classify(personal), Some(Class::Personal(_))),
                "{personal}"
            );
        }
        for plain in ["id", "status", "amount", "product_id", "external_id"] {
            assert!(r.classify(plain).is_none(), "{plain}");
        }
    }

    #[test]
    fn the_same_value_gets_the_same_placeholder_everywhere() {
        let mut r = Redactor::new(Provider::Brighte);
        let body = json!({"email": "ada@example.com", "nested": {"mobile": "0400111222"}, "copy": "mail ada@example.com"});
        let request = r.request(
            "post",
            "/users/ada@example.com",
            Some("email=ada%40example.com&page=1"),
            &[
                (
                    "Authorization".into(),
                    "Basic Y2xpZW50LW9uZTpwYXNzd29yZC0xMjM=".into(),
                ),
                ("content-type".into(), "application/json".into()),
            ],
            &serde_json::to_vec(&body).unwrap(),
        );
        assert_eq!(request.path, "/users/<email-1>");
        assert_eq!(request.query.as_deref(), Some("email=%3Cemail-1%3E&page=1"));
        assert_eq!(request.headers["authorization"], REDACTED);
        assert_eq!(
            request.body,
            Body::Json(
                json!({"email": "<email-1>", "nested": {"mobile": "<phone-1>"}, "copy": "mail <email-1>"})
            )
        );
        let text = serde_json::to_string(&request).unwrap();
        for secret in [
            "ada@example.com",
            "0400111222",
            "Y2xpZW50LW9uZTpwYXNzd29yZC0xMjM",
            "client-one",
            "password-123",
        ] {
            assert!(!text.contains(secret), "{secret} in {text}");
        }
        let answer = r.response(
            200,
            &[],
            br#"{"access_token":"tok-123456","user":{"email":"ada@example.com"}}"#,
        );
        assert_eq!(
            answer.body,
            Body::Json(json!({"access_token": REDACTED, "user": {"email": "<email-1>"}}))
        );
        assert_eq!(
            r.restore(&answer.body),
            serde_json::to_vec(
                &json!({"access_token": REDACTED, "user": {"email": "ada@example.com"}})
            )
            .unwrap()
        );
        assert!(!format!("{r:?}").contains("ada@"));
    }

    #[test]
    fn placeholders_parse_back() {
        assert_eq!(parse_placeholder("<email-12>"), Some(("email", 12)));
        assert_eq!(
            parse_placeholder("https://redacted.invalid/url-3"),
            Some(("url", 3))
        );
        assert_eq!(parse_placeholder("<email>"), None);
        assert_eq!(parse_placeholder("a-1"), None);
    }
}
