//! [`OtelHooks`]: [`Hooks`] that record the OpenTelemetry HTTP client
//! metrics and the SDK's own counters (feature `otel`).
//!
//! | Metric | Instrument | Unit | Counts |
//! |---|---|---|---|
//! | `http.client.request.duration` | histogram (f64) | `s` | one measurement per call: from its first attempt to its end, waits between attempts and decoding included |
//! | `partner_sdk.client.retries` | counter (u64) | `{retry}` | attempts sent again after a failure |
//! | `partner_sdk.client.outcome_unknown` | counter (u64) | `{call}` | creates sent whose outcome is unknown ([`Error::OutcomeUnknown`](crate::Error::OutcomeUnknown)): reconcile them |
//! | `partner_sdk.client.reauthentications` | counter (u64) | `{reauthentication}` | attempts resent with fresh credentials after the provider refused them |
//!
//! Every measurement carries `http.request.method` (the method, or `_OTHER`
//! for one outside RFC 9110 and PATCH), `url.template` (the path template,
//! never the filled path: it may hold personal ids), `server.address`,
//! `server.port`, `partner_sdk.provider` and `partner_sdk.operation`; the
//! duration adds `http.response.status_code` when an answer came and
//! `error.type` when the call failed (the status code of an error answer,
//! otherwise [`Error::kind`](crate::Error::kind): `timeout`,
//! `outcome_unknown`, `transport`, `decode`, ...). No attribute holds a
//! body, a header value, a query, a credential or a caller's value.
//!
//! The application owns the OpenTelemetry SDK, its meter provider and
//! exporter; this module uses only the `opentelemetry` API:
//!
//! ```
//! use std::sync::Arc;
//! use partner_sdk_core::{Transport, otel::OtelHooks};
//!
//! let meter = opentelemetry::global::meter("partner-sdk");
//! let transport = Transport::builder("demo")
//!     .base_url("http://localhost:8080/")
//!     .hooks(Arc::new(OtelHooks::new(&meter)))
//!     .build()?;
//! # Ok::<(), partner_sdk_core::Error>(())
//! ```

use opentelemetry::KeyValue;
use opentelemetry::metrics::{Counter, Histogram, Meter};
use reqwest::Method;

use crate::hooks::{CallEnd, CallInfo, Hooks};

/// Name of the call duration histogram (OpenTelemetry HTTP client
/// semantic conventions), in seconds.
pub const REQUEST_DURATION: &str = "http.client.request.duration";
/// Name of the counter of attempts sent again after a failure.
pub const RETRIES: &str = "partner_sdk.client.retries";
/// Name of the counter of creates whose outcome is unknown.
pub const OUTCOME_UNKNOWN: &str = "partner_sdk.client.outcome_unknown";
/// Name of the counter of attempts resent with fresh credentials.
pub const REAUTHENTICATIONS: &str = "partner_sdk.client.reauthentications";

/// The bucket boundaries the conventions advise for
/// `http.client.request.duration`, in seconds.
const DURATION_BOUNDARIES: [f64; 14] = [
    0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0,
];

/// [`Hooks`] recording the metrics of every call through an OpenTelemetry
/// [`Meter`] (see the [module](self) for their names and attributes).
/// Give one to every client, or one per client: the instruments of one
/// meter are shared.
#[derive(Debug, Clone)]
pub struct OtelHooks {
    duration: Histogram<f64>,
    retries: Counter<u64>,
    outcome_unknown: Counter<u64>,
    reauthentications: Counter<u64>,
}

impl OtelHooks {
    /// Hooks recording through `meter`'s instruments.
    pub fn new(meter: &Meter) -> Self {
        OtelHooks {
            duration: meter
                .f64_histogram(REQUEST_DURATION)
                .with_unit("s")
                .with_description("Duration of HTTP client requests.")
                .with_boundaries(DURATION_BOUNDARIES.to_vec())
                .build(),
            retries: meter
                .u64_counter(RETRIES)
                .with_unit("{retry}")
                .with_description("Attempts sent again after a failed attempt.")
                .build(),
            outcome_unknown: meter
                .u64_counter(OUTCOME_UNKNOWN)
                .with_unit("{call}")
                .with_description("Requests that create something, sent, whose outcome is unknown.")
                .build(),
            reauthentications: meter
                .u64_counter(REAUTHENTICATIONS)
                .with_unit("{reauthentication}")
                .with_description("Attempts resent with fresh credentials after a refusal.")
                .build(),
        }
    }
}

impl Hooks for OtelHooks {
    fn on_retry(&self, call: &CallInfo<'_>, _wait: std::time::Duration) {
        self.retries.add(1, &attributes(call));
    }

    fn on_reauthenticate(&self, call: &CallInfo<'_>) {
        self.reauthentications.add(1, &attributes(call));
    }

    fn on_call_end(&self, call: &CallInfo<'_>, end: &CallEnd<'_>) {
        let mut attributes = attributes(call);
        if end.is_outcome_unknown() {
            self.outcome_unknown.add(1, &attributes);
        }
        if let Some(status) = end.status {
            attributes.push(KeyValue::new(
                "http.response.status_code",
                i64::from(status.as_u16()),
            ));
        }
        if let Some(error_type) = end.error_type {
            attributes.push(KeyValue::new("error.type", error_type.to_owned()));
        }
        self.duration.record(end.elapsed.as_secs_f64(), &attributes);
    }
}

/// The attributes every measurement of `call` carries, with room for the
/// status and the error type.
fn attributes(call: &CallInfo<'_>) -> Vec<KeyValue> {
    let mut attributes = Vec::with_capacity(8);
    attributes.extend([
        KeyValue::new("http.request.method", method(call.method)),
        KeyValue::new("url.template", call.path),
        KeyValue::new("server.address", call.server_address.to_owned()),
        KeyValue::new("partner_sdk.provider", call.provider),
        KeyValue::new("partner_sdk.operation", call.operation),
    ]);
    if let Some(port) = call.server_port {
        attributes.push(KeyValue::new("server.port", i64::from(port)));
    }
    attributes
}

/// The conventions' `http.request.method`: a known method by its name,
/// any other as `_OTHER` (keeping the attribute's cardinality bounded).
fn method(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        Method::CONNECT => "CONNECT",
        Method::TRACE => "TRACE",
        _ => "_OTHER",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_method_outside_the_known_ones_is_other() {
        assert_eq!(method(&Method::PATCH), "PATCH");
        let custom = Method::from_bytes(b"PURGE").unwrap();
        assert_eq!(method(&custom), "_OTHER");
    }
}
