//! Redaction under tracing, and the call span's fields. In its own test binary: a thread-local
//! subscriber must not race other tests over callsite registration.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use partner_sdk_core::{
    ClientCredentials, HmacHeaders, HmacNonceAuth, Request, RetryPolicy, SecretString, Session,
    Transport, Url,
};
use serde::Deserialize;
use serde_json::json;
use tracing::Subscriber;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt as _};
use tracing_subscriber::registry;
use tracing_subscriber::registry::LookupSpan;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const SECRET: &str = "top-secret-value-42";
const TOKEN: &str = "tok-abcdef-123456";

#[derive(Debug, Deserialize, PartialEq)]
struct Thing {
    id: u32,
}

async fn mount_token(server: &MockServer) {
    Mock::given(method("POST"))
        .and(path("/auth/v1/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"access_token": TOKEN, "token_type": "Bearer", "expires_in": 3600}),
        ))
        .expect(1)
        .mount(server)
        .await;
}

fn oauth(server: &MockServer) -> ClientCredentials {
    ClientCredentials::new(
        "demo",
        Url::parse(&format!("{}/auth/v1/token", server.uri())).unwrap(),
        "client-id",
        SecretString::from(SECRET),
    )
}

fn transport(server: &MockServer, auth: impl partner_sdk_core::Auth) -> Transport {
    Transport::builder("demo")
        .base_url(server.uri())
        .auth(auth)
        .retry_policy(RetryPolicy::default())
        .build()
        .unwrap()
}

#[tokio::test]
async fn traced_calls_and_debug_output_contain_no_secret_and_no_body() {
    let server = MockServer::start().await;
    mount_token(&server).await;
    let body_marker = "body-marker-should-not-be-logged";
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"id": 1, "note": body_marker})),
        )
        .mount(&server)
        .await;
    let capture = partner_sdk_test_kit::LogCapture::start();

    let auth = oauth(&server);
    let debug_auth = format!("{auth:?}");
    let t = transport(&server, auth);
    let got: Thing = t
        .send(
            Request::post("create", "/things")
                .json(&json!({"secret_field": body_marker}))
                .idempotent(true),
        )
        .await
        .unwrap();
    assert_eq!(got, Thing { id: 1 });

    let hmac = HmacNonceAuth::new(
        SecretString::from("api-key-visible?"),
        SecretString::from(SECRET),
        HmacHeaders::new(
            "x-key".parse().unwrap(),
            "x-nonce".parse().unwrap(),
            "x-sig".parse().unwrap(),
        ),
    );
    let session = Session::from_headers([("x-session-token", SECRET)]).unwrap();
    let everything = format!(
        "{debug_auth} {t:?} {hmac:?} {session:?} {:?}",
        SecretString::from(SECRET)
    );
    let logs = capture.text();
    assert!(
        logs.contains("partner_sdk.call"),
        "spans were recorded: {logs}"
    );
    for haystack in [&logs, &everything] {
        assert!(!haystack.contains(SECRET), "secret leaked: {haystack}");
        assert!(!haystack.contains(TOKEN), "token leaked: {haystack}");
        assert!(!haystack.contains(body_marker), "body leaked: {haystack}");
        assert!(
            !haystack.contains("Y2xpZW50LWlk"),
            "basic credentials leaked"
        );
    }
}

/// The fields of every `partner_sdk.call` span, as text, in the order the
/// spans were opened.
#[derive(Clone, Default)]
struct CallSpans(Arc<Mutex<Vec<BTreeMap<String, String>>>>);

/// Which entry of [`CallSpans`] a span fills.
struct Slot(usize);

struct Fields<'a>(&'a mut BTreeMap<String, String>);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }
}

impl<S> Layer<S> for CallSpans
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        if attrs.metadata().name() != "partner_sdk.call" {
            return;
        }
        let mut spans = self.0.lock().unwrap();
        let mut fields = BTreeMap::new();
        attrs.record(&mut Fields(&mut fields));
        spans.push(fields);
        if let Some(span) = ctx.span(id) {
            span.extensions_mut().insert(Slot(spans.len() - 1));
        }
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(id) else { return };
        let extensions = span.extensions();
        let Some(Slot(slot)) = extensions.get::<Slot>() else {
            return;
        };
        values.record(&mut Fields(&mut self.0.lock().unwrap()[*slot]));
    }
}

#[tokio::test]
async fn the_call_span_names_its_fields_in_the_opentelemetry_http_conventions() {
    let server = MockServer::start().await;
    let port = server.address().port().to_string();
    Mock::given(method("GET"))
        .and(path("/things/secret-id-123"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/things/secret-id-123"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": 1})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/missing"))
        .respond_with(ResponseTemplate::new(404))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/orders"))
        .respond_with(ResponseTemplate::new(201).set_delay(Duration::from_secs(10)))
        .mount(&server)
        .await;
    let spans = CallSpans::default();
    let _guard = tracing::subscriber::set_default(registry().with(spans.clone()));
    let t = Transport::builder("demo")
        .base_url(server.uri())
        .retry_policy(partner_sdk_test_kit::fast_retry(Duration::from_millis(50)))
        .build()
        .unwrap();

    let got: Thing = t
        .send(Request::get("get_thing", "/things/{id}").param("secret-id-123"))
        .await
        .unwrap();
    assert_eq!(got, Thing { id: 1 });
    let err = t
        .send::<Thing>(Request::get("find", "/missing"))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), "api");
    let err = t
        .send::<Thing>(
            Request::post("create_order", "/orders")
                .json(&json!({"note": "order-body-marker"}))
                .timeout(Duration::from_millis(200)),
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind(), "outcome_unknown");

    let recorded = spans.0.lock().unwrap().clone();
    let expected = |operation: &str, method: &str, template: &str, more: &[(&str, &str)]| {
        [
            ("provider", "demo"),
            ("operation", operation),
            ("http.request.method", method),
            ("url.template", template),
            ("server.address", "127.0.0.1"),
            ("server.port", port.as_str()),
        ]
        .into_iter()
        .chain(more.iter().copied())
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect::<BTreeMap<String, String>>()
    };
    assert_eq!(
        recorded,
        [
            expected(
                "get_thing",
                "GET",
                "/things/{id}",
                &[
                    ("http.response.status_code", "200"),
                    ("http.request.resend_count", "1"),
                ],
            ),
            expected(
                "find",
                "GET",
                "/missing",
                &[("http.response.status_code", "404"), ("error.type", "404")],
            ),
            expected(
                "create_order",
                "POST",
                "/orders",
                &[("error.type", "outcome_unknown")],
            ),
        ]
    );
    let everything = format!("{recorded:?}");
    assert!(!everything.contains("secret-id-123"), "{everything}");
    assert!(!everything.contains("order-body-marker"), "{everything}");
}
