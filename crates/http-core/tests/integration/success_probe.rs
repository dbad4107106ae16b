//! The check for an error inside a 2xx body, folded into the typed decode
//! when the provider names the keys that mark its errors
//! ([`ErrorBody::error_keys`]): errors are still found wherever they hide,
//! and the probe runs only when a marking key is there or the decode fails.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use partner_sdk_core::reqwest::StatusCode;
use partner_sdk_core::{Error, ErrorBody, ErrorFields, Request, Transport, capture};
use serde::Deserialize;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// `{"code": <non-zero>, "message": ...}` in a 2xx is an error; counts its
/// probes.
#[derive(Clone)]
struct CodedErrors {
    keys: Option<&'static [&'static str]>,
    probes: Arc<AtomicUsize>,
}

impl ErrorBody for CodedErrors {
    fn parse(&self, _status: StatusCode, body: &[u8]) -> ErrorFields {
        let value: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
        ErrorFields {
            code: value.get("code").map(|c| c.to_string()),
            message: value
                .get("message")
                .and_then(|m| m.as_str())
                .map(str::to_owned),
        }
    }

    fn error_in_success(&self, status: StatusCode, body: &[u8]) -> Option<ErrorFields> {
        self.probes.fetch_add(1, Ordering::SeqCst);
        let value: serde_json::Value = serde_json::from_slice(body).ok()?;
        let code = value.as_object()?.get("code")?.as_i64()?;
        (code != 0).then(|| self.parse(status, body))
    }

    fn error_keys(&self) -> Option<&'static [&'static str]> {
        self.keys
    }
}

#[derive(Debug, Deserialize, PartialEq)]
struct Items {
    #[serde(default)]
    items: Vec<u32>,
}

struct Setup {
    _server: MockServer,
    transport: Transport,
    probes: Arc<AtomicUsize>,
}

impl Setup {
    async fn new(keys: Option<&'static [&'static str]>, body: &str) -> Setup {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/items"))
            .respond_with(ResponseTemplate::new(200).set_body_raw(body, "application/json"))
            .mount(&server)
            .await;
        let probes = Arc::new(AtomicUsize::new(0));
        let transport = Transport::builder("demo")
            .base_url(server.uri())
            .error_body(CodedErrors {
                keys,
                probes: probes.clone(),
            })
            .build()
            .unwrap();
        Setup {
            _server: server,
            transport,
            probes,
        }
    }

    async fn send<T: serde::de::DeserializeOwned>(&self) -> partner_sdk_core::Result<T> {
        self.transport
            .send(Request::get("list_items", "/items"))
            .await
    }

    fn probes(&self) -> usize {
        self.probes.load(Ordering::SeqCst)
    }
}

const KEYS: Option<&[&str]> = Some(&["code"]);

#[tokio::test]
async fn a_body_without_the_key_is_decoded_once_and_never_probed() {
    for body in [r#"{"items": [1, 2]}"#, r#"{"items": [{"code": 3}]}"#] {
        let s = Setup::new(KEYS, body).await;
        let got = s.send::<serde_json::Value>().await.unwrap();
        assert_eq!(
            got,
            serde_json::from_str::<serde_json::Value>(body).unwrap()
        );
        assert_eq!(s.probes(), 0, "{body}");
    }
    let s = Setup::new(KEYS, "[1, 2]").await;
    assert_eq!(s.send::<Vec<u32>>().await.unwrap(), [1, 2]);
    assert_eq!(s.probes(), 0);
}

#[tokio::test]
async fn an_error_marked_by_the_key_is_the_api_error_even_when_the_type_would_decode_it() {
    for body in [
        r#"{"code": 3, "message": "invalid"}"#,
        r#"{"items": [], "code": 3, "message": "invalid"}"#,
        r#"{"co\u0064e": 3, "message": "invalid"}"#,
    ] {
        let s = Setup::new(KEYS, body).await;
        let e = s.send::<Items>().await.unwrap_err();
        let api = e.api().unwrap_or_else(|| panic!("{body}: {e:?}"));
        assert_eq!(api.status(), StatusCode::OK);
        assert_eq!(api.code(), Some("3"), "{body}");
        assert_eq!(api.message(), Some("invalid"));
        assert_eq!(s.probes(), 1, "{body}");
    }
}

#[tokio::test]
async fn a_key_that_is_not_an_error_is_probed_and_the_value_kept() {
    let s = Setup::new(KEYS, r#"{"code": 0, "items": [7]}"#).await;
    assert_eq!(s.send::<Items>().await.unwrap(), Items { items: vec![7] });
    assert_eq!(s.probes(), 1);
}

#[tokio::test]
async fn a_body_that_does_not_decode_is_probed_first() {
    // An error whose shape the typed value cannot take is still the API error.
    let s = Setup::new(KEYS, r#"{"code": 5, "items": "no"}"#).await;
    let e = s.send::<Items>().await.unwrap_err();
    assert_eq!(e.api().and_then(|a| a.code()), Some("5"), "{e:?}");
    // Otherwise the decode error, with the field path.
    let s = Setup::new(KEYS, r#"{"items": "no"}"#).await;
    let e = s.send::<Items>().await.unwrap_err();
    assert!(matches!(e, Error::Decode(_)), "{e:?}");
    assert!(e.to_string().contains("items"), "{e}");
    assert_eq!(s.probes(), 1);
}

#[tokio::test]
async fn without_keys_every_success_is_probed_as_before() {
    let s = Setup::new(None, r#"{"items": [1]}"#).await;
    assert_eq!(s.send::<Items>().await.unwrap(), Items { items: vec![1] });
    assert_eq!(s.probes(), 1);
    let s = Setup::new(None, r#"{"code": 3, "message": "invalid"}"#).await;
    assert!(s.send::<Items>().await.unwrap_err().api().is_some());
}

#[tokio::test]
async fn execute_probes_every_success_whatever_the_keys() {
    let s = Setup::new(KEYS, r#"{"items": [1]}"#).await;
    let response = s
        .transport
        .execute(Request::get("list_items", "/items"))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(s.probes(), 1);
    let s = Setup::new(KEYS, r#"{"code": 3}"#).await;
    let e = s
        .transport
        .execute(Request::get("list_items", "/items"))
        .await
        .unwrap_err();
    assert!(e.api().is_some(), "{e:?}");
}

#[tokio::test]
async fn only_a_call_that_ends_well_records_its_metadata() {
    let s = Setup::new(KEYS, r#"{"items": [1]}"#).await;
    let (result, calls) = capture(s.send::<Items>()).await;
    assert!(result.is_ok());
    assert_eq!(calls.len(), 1);
    let s = Setup::new(KEYS, r#"{"code": 3}"#).await;
    let (result, calls) = capture(s.send::<Items>()).await;
    assert!(result.is_err());
    assert!(calls.is_empty());
}
