//! The HTTP client a transport sends with, and how a call gets its own
//! connect timeout on a client the SDK built.
//!
//! reqwest sets the connect timeout on the connection pool, not per request,
//! and the only way to let one call choose its own is a connector layer
//! ([`ConnectTimeoutLayer`]). A pool with a connector layer costs every
//! request more: reqwest clones its boxed connector stack for each request
//! (several allocations) even when a pooled connection serves it. So a
//! client the SDK builds is a plain pool with reqwest's own connect timeout,
//! which serves every call, and a twin pool with the layer, built on first
//! use and shared by the calls that set their own connect timeout
//! ([`CallOptions::with_connect_timeout`](crate::CallOptions::with_connect_timeout)).
//! An injected client is used for every call as it is.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use crate::error::{Error, Result};
use crate::options::ConnectTimeoutLayer;

/// The HTTP client of a transport: one the caller injected, or one the SDK
/// built (plain pool, connect timeout, no redirects). Cheap to clone; clones
/// share the connection pools, so the transports of one provider client can
/// share it ([`TransportBuilder::shared_http_client`]).
///
/// [`TransportBuilder::shared_http_client`]: crate::TransportBuilder::shared_http_client
#[derive(Clone)]
pub struct HttpClient(Pools);

#[derive(Clone)]
enum Pools {
    Injected(reqwest::Client),
    Built {
        plain: reqwest::Client,
        connect_timeout: Duration,
        twin: Arc<OnceLock<reqwest::Client>>,
    },
}

impl std::fmt::Debug for HttpClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.0 {
            Pools::Injected(_) => f.write_str("HttpClient::Injected"),
            Pools::Built {
                connect_timeout,
                twin,
                ..
            } => f
                .debug_struct("HttpClient::Built")
                .field("connect_timeout", connect_timeout)
                .field("twin_built", &twin.get().is_some())
                .finish(),
        }
    }
}

impl HttpClient {
    /// A caller's client, used for every call as it is (its own TLS,
    /// connect-timeout and redirect settings apply). A per-call connect
    /// timeout applies only if it carries a [`ConnectTimeoutLayer`].
    pub fn injected(client: reqwest::Client) -> Self {
        HttpClient(Pools::Injected(client))
    }

    /// A client built by the SDK ([`default_http_client`]): `connect_timeout`
    /// and no redirects. It sets no request timeout: the transport times
    /// each attempt itself.
    ///
    /// [`default_http_client`]: crate::transport::default_http_client
    pub fn built(connect_timeout: Duration) -> Result<Self> {
        let plain = plain_builder(connect_timeout)
            .build()
            .map_err(build_error)?;
        Ok(HttpClient(Pools::Built {
            plain,
            connect_timeout,
            twin: Arc::new(OnceLock::new()),
        }))
    }

    /// The client that serves calls without a connect timeout of their own
    /// (and token and login requests).
    pub fn reqwest(&self) -> &reqwest::Client {
        match &self.0 {
            Pools::Injected(client) | Pools::Built { plain: client, .. } => client,
        }
    }

    /// The client for a call: on a built client, a call with its own
    /// connect timeout goes to the twin pool.
    pub(crate) fn for_call(&self, connect_timeout: Option<Duration>) -> Result<&reqwest::Client> {
        match (&self.0, connect_timeout) {
            (
                Pools::Built {
                    connect_timeout: default,
                    twin,
                    ..
                },
                Some(_),
            ) => {
                if let Some(client) = twin.get() {
                    return Ok(client);
                }
                // Two first calls may both build one; the first stored wins.
                let built = layered_http_client(*default)?;
                Ok(twin.get_or_init(|| built))
            }
            _ => Ok(self.reqwest()),
        }
    }
}

/// The builder of a plain pool: `connect_timeout` and no redirects.
pub(crate) fn plain_builder(connect_timeout: Duration) -> reqwest::ClientBuilder {
    reqwest::Client::builder()
        .connect_timeout(connect_timeout)
        .redirect(reqwest::redirect::Policy::none())
}

pub(crate) fn build_error(e: reqwest::Error) -> Error {
    Error::Config(format!("cannot build HTTP client: {e}").into())
}

/// The twin pool: no redirects, and the connect timeout of the call that
/// opens a connection, through [`ConnectTimeoutLayer`] (no reqwest connect
/// timeout, which would cap every call's).
fn layered_http_client(default: Duration) -> Result<reqwest::Client> {
    reqwest::Client::builder()
        .connector_layer(ConnectTimeoutLayer::new(default))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(build_error)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn same(a: &reqwest::Client, b: &reqwest::Client) -> bool {
        std::ptr::eq(a, b)
    }

    #[test]
    fn a_built_client_sends_calls_with_a_connect_timeout_to_one_twin_pool() {
        let http = HttpClient::built(Duration::from_secs(3)).unwrap();
        let plain = http.for_call(None).unwrap();
        assert!(same(plain, http.reqwest()));
        let twin = http.for_call(Some(Duration::from_millis(5))).unwrap();
        assert!(!same(twin, plain));
        // One twin for every value, and for every clone of the client.
        let clone = http.clone();
        let again = clone.for_call(Some(Duration::from_secs(9))).unwrap();
        assert!(same(again, twin));
        assert!(format!("{http:?}").contains("twin_built: true"));
    }

    #[test]
    fn an_injected_client_serves_every_call() {
        let http = HttpClient::injected(reqwest::Client::new());
        let plain = http.for_call(None).unwrap();
        let with_timeout = http.for_call(Some(Duration::from_millis(5))).unwrap();
        assert!(same(plain, with_timeout));
        assert_eq!(format!("{http:?}"), "HttpClient::Injected");
    }
}
