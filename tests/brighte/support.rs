//! Helpers of the workspace-level Brighte tests: the crate's own test
//! helpers (credentials, a client on wiremock), written once in
//! `crates/brighte/tests/integration/common.rs`, and the samples in
//! `fixtures/brighte/`, `.http` sample parsing and mocks built from them.
#![allow(dead_code, unreachable_pub)]

#[path = "../../crates/brighte/tests/integration/common.rs"]
mod crate_helpers;

pub use crate_helpers::*;

use serde_json::Value;
use wiremock::matchers::{body_json, header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

pub fn fixture(name: &str) -> String {
    let p = format!("{}/fixtures/brighte/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{p}: {e}"))
}

/// A parsed `.http` sample: method, path, query pairs, headers, JSON body.
#[derive(Debug)]
pub struct HttpSample {
    pub method: String,
    pub path: String,
    pub query: Vec<(String, String)>,
    pub headers: Vec<(String, String)>,
    pub body: Option<Value>,
}

pub fn http_sample(name: &str) -> HttpSample {
    let text = fixture(name);
    let mut lines = text.lines();
    let first = lines.next().unwrap();
    let mut parts = first.split_whitespace();
    let method = parts.next().unwrap().to_owned();
    let target = parts.next().unwrap();
    let (path, query) = match target.split_once('?') {
        Some((p, q)) => (
            p.to_owned(),
            url::form_urlencoded::parse(q.as_bytes())
                .into_owned()
                .collect(),
        ),
        None => (target.to_owned(), Vec::new()),
    };
    let mut headers = Vec::new();
    let mut body = String::new();
    let mut in_body = false;
    for line in lines {
        if !in_body && line.starts_with('{') {
            in_body = true;
        }
        if in_body {
            body.push_str(line);
            body.push('\n');
        } else if let Some((k, v)) = line.split_once(':') {
            headers.push((k.trim().to_owned(), v.trim().to_owned()));
        }
    }
    HttpSample {
        method,
        path,
        query,
        headers,
        body: (!body.is_empty()).then(|| serde_json::from_str(&body).unwrap()),
    }
}

impl HttpSample {
    /// The path with its `{placeholders}` replaced in order.
    pub fn path_with(&self, values: &[&str]) -> String {
        let mut out = String::new();
        let mut values = values.iter();
        for seg in self.path.split('/').skip(1) {
            out.push('/');
            if seg.starts_with('{') {
                out.push_str(values.next().unwrap());
            } else {
                out.push_str(seg);
            }
        }
        out
    }
}

/// Replaces each POD placeholder (quoted or not) by `value` and drops the
/// seed's trailing commas, so that the sample becomes JSON.
pub fn fill(sample: &str, placeholder: &str, value: &Value) -> Value {
    let v = value.to_string();
    let text = sample
        .replace(&format!("\"{placeholder}\""), &v)
        .replace(placeholder, &v)
        .replace(",\n}", "\n}")
        .replace(",\n]", "\n]");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

/// Mounts the session endpoint answering the seed's session sample (the
/// crate's own `mount_session` answers an inline copy).
pub async fn mount_session(server: &MockServer, expected_logins: u64) {
    Mock::given(method("POST"))
        .and(path("/rest/vendor/v1/session"))
        .and(body_json(
            serde_json::json!({"apiId": API_ID, "apiSecret": API_SECRET}),
        ))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw(fixture("session_create_response.json"), "application/json"),
        )
        .expect(expected_logins)
        .named("create session")
        .mount(server)
        .await;
}

/// A mock for `sample` (method, path with `ids`, query, session headers,
/// body when the sample has one and `check_body`), answering `response`.
pub async fn mount_sample(
    server: &MockServer,
    sample: &HttpSample,
    ids: &[&str],
    check_body: bool,
    response: Value,
) {
    let mut m = Mock::given(method(sample.method.as_str()))
        .and(path(sample.path_with(ids)))
        .and(header("x-session-key", SESSION_KEY))
        .and(header("x-session-token", SESSION_TOKEN))
        .and(header("accept", "application/json"))
        .and(header("content-type", "application/json"));
    for (k, v) in &sample.query {
        m = m.and(query_param(k.as_str(), v.as_str()));
    }
    if check_body && let Some(b) = &sample.body {
        m = m.and(body_json(b.clone()));
    }
    m.respond_with(ResponseTemplate::new(200).set_body_json(response))
        .expect(1)
        .named(sample.path.clone())
        .mount(server)
        .await;
}

pub fn application_pod() -> Value {
    serde_json::json!({
        "id": "100234",
        "applicants": [
            {"id": "A1", "name": "Jane Citizen", "email": "jane@example.com", "mobile": "0411222333", "dob": "1980-02-29", "joint_applicant": 0},
            {"id": 2, "name": "John Citizen", "email": "john@example.com", "mobile": "0411222444", "dob": "1979-01-01", "joint_applicant": "1"}
        ],
        "team_member": "Sam Seller",
        "financed_amount": "6249.88",
        "repayment_term": "24",
        "product_category": "Battery Storage",
        "product_description": "Powerwall Home Battery",
        "status": "C.APPROV",
        "created": "2016-08-08T06:54:36+00:00"
    })
}

pub fn quote_pod() -> Value {
    serde_json::json!({
        "id": "1",
        "applicant_email": "generic.test.case420@gmail.com",
        "total_purchase_amount": 15000,
        "deposit_amount": "5000",
        "repayment_term": 48,
        "product_category": "Storage Battery(s)",
        "product_description": "This product stores solar energy",
        "created": "2018-04-02T01:02:03+00:00",
        "team_member": "Sam Seller",
        "applicant": "Test First Lastnametest",
        "status": "SENT"
    })
}

pub fn user_pod() -> Value {
    serde_json::json!({
        "id": "U7",
        "role": "TEAM MEMBER",
        "firstName": "Testfn",
        "lastName": "TestLn",
        "email": "first.last1536623737@brighte.com.au",
        "mobile": "0411085823"
    })
}

pub fn callout_pod() -> Value {
    serde_json::json!({
        "id": "C9",
        "first_name": "John",
        "last_name": "Smith",
        "phone": "0434090090",
        "email": "email@gmail.com",
        "total_purchase_amount": 15000,
        "deposit_amount": 5000,
        "repayment_term": 48,
        "product_category": "Storage Battery(s)",
        "product_description": "Excellent Battery",
        "call_datetime": "2018-05-01T10:00:00+10:00",
        "status": "FULLFILLED",
        "created": "2018-04-30T10:00:00+10:00",
        "modified": "2018-04-30T11:00:00+10:00",
        "full_name": "John Smith",
        "financed_amount": "10000.00"
    })
}
