//! `OtelHooks` (feature `otel`) on a meter provider with the in-memory
//! exporter: the metrics' names, units, attributes and counts, and no secret
//! or filled path in any attribute.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use opentelemetry::metrics::MeterProvider as _;
use opentelemetry_sdk::metrics::data::{AggregatedMetrics, Metric, MetricData};
use opentelemetry_sdk::metrics::{InMemoryMetricExporter, SdkMeterProvider};
use partner_sdk_core::auth::BoxFuture;
use partner_sdk_core::otel::OtelHooks;
use partner_sdk_core::{Error, Request, Session, SessionAuth, Transport};
use serde_json::{Value, json};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const SESSION_TOKEN: &str = "session-token-secret-987";
const PATH_ID: &str = "secret-id-123";

/// One data point: its attributes as `key → value` text, and its value
/// (the count of a histogram, the sum of a counter).
#[derive(Debug)]
struct Point {
    attributes: BTreeMap<String, String>,
    value: u64,
}

/// Every exported metric by name: its unit and data points.
fn exported(exporter: &InMemoryMetricExporter) -> BTreeMap<String, (String, Vec<Point>)> {
    let batches = exporter.get_finished_metrics().unwrap();
    // Cumulative temporality: the last export holds everything.
    let last = batches.last().expect("one export at least");
    let mut metrics = BTreeMap::new();
    for scope in last.scope_metrics() {
        for metric in scope.metrics() {
            metrics.insert(
                metric.name().to_owned(),
                (metric.unit().to_owned(), points(metric)),
            );
        }
    }
    metrics
}

fn points(metric: &Metric) -> Vec<Point> {
    fn text<'a>(
        kvs: impl Iterator<Item = &'a opentelemetry::KeyValue>,
    ) -> BTreeMap<String, String> {
        kvs.map(|kv| (kv.key.as_str().to_owned(), kv.value.as_str().into_owned()))
            .collect()
    }
    match metric.data() {
        AggregatedMetrics::F64(MetricData::Histogram(h)) => h
            .data_points()
            .map(|p| Point {
                attributes: text(p.attributes()),
                value: p.count(),
            })
            .collect(),
        AggregatedMetrics::U64(MetricData::Sum(s)) => s
            .data_points()
            .map(|p| Point {
                attributes: text(p.attributes()),
                value: p.value(),
            })
            .collect(),
        other => panic!("unexpected aggregation for {}: {other:?}", metric.name()),
    }
}

/// The point whose `partner_sdk.operation` is `operation`.
fn point<'a>(points: &'a [Point], operation: &str) -> &'a Point {
    let found: Vec<&Point> = points
        .iter()
        .filter(|p| {
            p.attributes
                .get("partner_sdk.operation")
                .map(String::as_str)
                == Some(operation)
        })
        .collect();
    assert_eq!(found.len(), 1, "one point for {operation}: {points:?}");
    found[0]
}

fn attrs(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

#[tokio::test]
async fn otel_hooks_record_the_conventions_metrics_and_no_secret() {
    let server = MockServer::start().await;
    let port = server.address().port().to_string();
    // A GET of a filled path.
    Mock::given(method("GET"))
        .and(path(format!("/things/{PATH_ID}")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": 1})))
        .mount(&server)
        .await;
    // A 503, then the retry succeeds.
    Mock::given(method("GET"))
        .and(path("/flaky"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/flaky"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": 2})))
        .mount(&server)
        .await;
    // A create answered long after its timeout: sent, outcome unknown.
    Mock::given(method("POST"))
        .and(path("/orders"))
        .respond_with(ResponseTemplate::new(201).set_delay(Duration::from_secs(10)))
        .mount(&server)
        .await;
    // The first session is refused, the second accepted.
    Mock::given(method("GET"))
        .and(path("/me"))
        .and(header("x-session-key", "k1"))
        .respond_with(ResponseTemplate::new(401))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/me"))
        .and(header("x-session-key", "k2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": 3})))
        .mount(&server)
        .await;

    let exporter = InMemoryMetricExporter::default();
    let provider = SdkMeterProvider::builder()
        .with_periodic_exporter(exporter.clone())
        .build();
    let hooks = Arc::new(OtelHooks::new(&provider.meter("partner-sdk-test")));
    let logins = Arc::new(AtomicU32::new(0));
    let counted = logins.clone();
    let auth = SessionAuth::new("demo", move || -> BoxFuture<'static, _> {
        let n = counted.fetch_add(1, Ordering::SeqCst) + 1;
        Box::pin(async move {
            let key = format!("k{n}");
            Session::from_headers([
                ("x-session-key", key.as_str()),
                ("x-session-token", SESSION_TOKEN),
            ])
        })
    })
    .with_refusal_grace(Duration::ZERO);
    let t = Transport::builder("demo")
        .base_url(server.uri())
        .auth(auth)
        .retry_policy(partner_sdk_test_kit::fast_retry(Duration::from_millis(50)))
        .hooks(hooks)
        .build()
        .unwrap();

    // The 401 comes first, so that the session refused is the first one.
    t.send::<Value>(Request::get("whoami", "/me"))
        .await
        .unwrap();
    t.send::<Value>(Request::get("get_thing", "/things/{id}").param(PATH_ID))
        .await
        .unwrap();
    t.send::<Value>(Request::get("flaky", "/flaky"))
        .await
        .unwrap();
    let err = t
        .send::<Value>(
            Request::post("create_order", "/orders")
                .json(&json!({"note": "order-body-marker"}))
                .timeout(Duration::from_millis(200)),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, Error::OutcomeUnknown(_)), "{err:?}");
    assert_eq!(logins.load(Ordering::SeqCst), 2);

    provider.force_flush().unwrap();
    let metrics = exported(&exporter);

    let common = |operation: &str, method: &str, template: &str| {
        attrs(&[
            ("http.request.method", method),
            ("url.template", template),
            ("server.address", "127.0.0.1"),
            ("server.port", port.as_str()),
            ("partner_sdk.provider", "demo"),
            ("partner_sdk.operation", operation),
        ])
    };
    let with = |mut a: BTreeMap<String, String>, more: &[(&str, &str)]| {
        a.extend(attrs(more));
        a
    };

    let (unit, duration) = &metrics["http.client.request.duration"];
    assert_eq!(unit, "s");
    assert_eq!(duration.len(), 4, "{duration:?}");
    let got = point(duration, "get_thing");
    assert_eq!(got.value, 1);
    assert_eq!(
        got.attributes,
        with(
            common("get_thing", "GET", "/things/{id}"),
            &[("http.response.status_code", "200")]
        )
    );
    let flaky = point(duration, "flaky");
    assert_eq!(flaky.value, 1, "one measurement per call, not per attempt");
    assert_eq!(
        flaky.attributes,
        with(
            common("flaky", "GET", "/flaky"),
            &[("http.response.status_code", "200")]
        )
    );
    let create = point(duration, "create_order");
    assert_eq!(
        create.attributes,
        with(
            common("create_order", "POST", "/orders"),
            &[("error.type", "outcome_unknown")]
        )
    );
    let whoami = point(duration, "whoami");
    assert_eq!(
        whoami.attributes,
        with(
            common("whoami", "GET", "/me"),
            &[("http.response.status_code", "200")]
        )
    );

    let (unit, retries) = &metrics["partner_sdk.client.retries"];
    assert_eq!(unit, "{retry}");
    assert_eq!(retries.len(), 1, "{retries:?}");
    assert_eq!(point(retries, "flaky").value, 1);
    assert_eq!(
        point(retries, "flaky").attributes,
        common("flaky", "GET", "/flaky")
    );

    let (unit, unknown) = &metrics["partner_sdk.client.outcome_unknown"];
    assert_eq!(unit, "{call}");
    assert_eq!(unknown.len(), 1, "{unknown:?}");
    assert_eq!(point(unknown, "create_order").value, 1);
    assert_eq!(
        point(unknown, "create_order").attributes,
        common("create_order", "POST", "/orders")
    );

    let (unit, reauth) = &metrics["partner_sdk.client.reauthentications"];
    assert_eq!(unit, "{reauthentication}");
    assert_eq!(reauth.len(), 1, "{reauth:?}");
    assert_eq!(point(reauth, "whoami").value, 1);
    assert_eq!(
        point(reauth, "whoami").attributes,
        common("whoami", "GET", "/me")
    );

    let everything = format!("{metrics:?}");
    for secret in [SESSION_TOKEN, PATH_ID, "order-body-marker"] {
        assert!(
            !everything.contains(secret),
            "{secret} in an exported attribute: {everything}"
        );
    }
    provider.shutdown().unwrap();
}
