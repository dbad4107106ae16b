//! One request out, one answer in: the layer below both authentication and
//! the retry loop.
//!
//! Token requests (OAuth2 client credentials), logins and API calls all go
//! through one function here, so every one of them gets the same limits,
//! whatever the server sends:
//!
//! - the attempt is bounded by its timeout on tokio's clock (paused time in
//!   tests included), covering the send and the whole body read;
//! - redirects are never followed: a 3xx (or an answer that an injected,
//!   redirect-following client fetched from another URL) is
//!   [`Error::Redirect`] naming the location without user info, query or
//!   fragment;
//! - the body is read up to a limit: a larger `Content-Length` is refused
//!   before reading, a longer stream is cut at the limit;
//! - errors never keep the URL (it may carry personal data), only the path
//!   template.

use std::borrow::Cow;
use std::time::Duration;

use bytes::Bytes;
use futures_util::FutureExt as _;
use reqwest::header::{HeaderMap, LOCATION};
use reqwest::{Method, StatusCode};
use url::Url;

use crate::error::{ApiError, Error, RedirectError, Result, TimeoutError};
use crate::error_body::ErrorFields;
use crate::metadata::find_request_id;
use crate::retry::retry_after;

/// True when this build can speak TLS (feature `rustls`, `rustls-aws-lc` or
/// `native-tls`). Without any, a client is HTTP-only: see [`require_tls`].
pub const TLS: bool = cfg!(any(
    feature = "rustls",
    feature = "rustls-aws-lc",
    feature = "native-tls"
));

/// Refuses an `https` URL in a build without TLS, so that a client built
/// for one fails at `build()` with a clear [`Error::Config`] rather than on
/// its first call. Used when the SDK creates the HTTP client itself; an
/// injected `reqwest::Client` brings its own TLS.
pub fn require_tls(url: &Url) -> Result<()> {
    if url.scheme() == "https" && !TLS {
        return Err(Error::config(format!(
            "{url} needs TLS, and this build has none: enable the `rustls`, `rustls-aws-lc` or `native-tls` feature"
        )));
    }
    Ok(())
}

/// The `reqwest::Client` the SDK builds when none is injected: the given
/// connect timeout and no redirects (`reqwest::redirect::Policy::none()`),
/// so that credentials and bodies never go to a host a `Location` names. It
/// sets no request timeout: the exchange times each attempt itself.
pub fn default_http_client(connect_timeout: Duration) -> Result<reqwest::Client> {
    http_client_builder()?
        .connect_timeout(connect_timeout)
        .build()
        .map_err(|e| Error::config(format!("cannot build HTTP client: {e}")))
}

/// A `reqwest::ClientBuilder` with the SDK's TLS and no redirects: start
/// from it to build a client to inject (`http_client(..)` on any builder)
/// or to call a provider yourself.
///
/// With the `rustls` feature (and not `rustls-aws-lc`) reqwest is built
/// without a crypto provider of its own, so `reqwest::Client::new()` panics
/// unless the application installed one as rustls's process default; this
/// builder carries the configuration of [`rustls_ring_config`] instead.
///
/// When several TLS features are on (`--all-features`), `rustls-aws-lc`
/// wins, then `rustls`, then `native-tls`.
pub fn http_client_builder() -> Result<reqwest::ClientBuilder> {
    let builder = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none());
    #[cfg(feature = "rustls-aws-lc")]
    let builder = builder.tls_backend_rustls();
    #[cfg(all(feature = "rustls", not(feature = "rustls-aws-lc")))]
    let builder = builder.tls_backend_preconfigured(rustls_ring_config()?);
    Ok(builder)
}

/// The rustls client configuration of the `rustls` feature: the process's
/// default crypto provider when the application installed one, otherwise
/// `ring`'s; TLS 1.2 and 1.3; certificates checked by the platform's
/// verifier (the system's trust store, as reqwest's own rustls
/// configuration does); ALPN offering HTTP/2, then HTTP/1.1.
///
/// With it the SDK uses reqwest's `rustls-no-provider`: the `rustls`
/// feature builds no aws-lc-rs.
#[cfg(feature = "rustls")]
pub fn rustls_ring_config() -> Result<rustls::ClientConfig> {
    use rustls_platform_verifier::BuilderVerifierExt as _;
    let provider = rustls::crypto::CryptoProvider::get_default()
        .cloned()
        .unwrap_or_else(|| std::sync::Arc::new(rustls::crypto::ring::default_provider()));
    let tls_error = |e: rustls::Error| Error::config(format!("cannot configure TLS: {e}"));
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(tls_error)?
        .with_platform_verifier()
        .map_err(tls_error)?
        .with_no_client_auth();
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(config)
}

/// Names an exchange in the errors it makes.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Label {
    pub(crate) provider: &'static str,
    pub(crate) operation: &'static str,
}

/// Why an exchange got no answer.
#[derive(Debug)]
pub(crate) enum NoAnswer {
    /// The HTTP client failed (connect, I/O, or an injected client's own
    /// timeout), its URL removed.
    Http(reqwest::Error),
    /// The attempt's timeout passed before the whole answer was read.
    TimedOut,
}

impl NoAnswer {
    /// Nothing left the machine: the connection was never opened.
    pub(crate) fn nothing_sent(&self) -> bool {
        matches!(self, NoAnswer::Http(e) if e.is_connect())
    }

    /// The error for a call that ends here: [`Error::Transport`] or
    /// [`Error::Timeout`].
    pub(crate) fn into_error(
        self,
        label: Label,
        template: impl Into<Cow<'static, str>>,
        elapsed: Duration,
    ) -> Error {
        match self {
            NoAnswer::Http(e) => {
                Error::transport(label.provider, label.operation, template, e, elapsed)
            }
            NoAnswer::TimedOut => Error::from(TimeoutError {
                provider: label.provider,
                operation: label.operation,
                elapsed,
            }),
        }
    }
}

impl std::fmt::Display for NoAnswer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NoAnswer::Http(e) => e.fmt(f),
            NoAnswer::TimedOut => f.write_str("timed out"),
        }
    }
}

/// Why an answer that arrived cannot be used.
#[derive(Debug)]
pub(crate) enum Unusable {
    /// A redirect ([`Error::Redirect`]).
    Redirect(Error),
    /// Longer than the limit.
    TooLarge,
}

/// An answer: status, headers, and the whole body or why it is unusable.
#[derive(Debug)]
pub(crate) struct Answer {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: std::result::Result<Bytes, Unusable>,
}

/// Sends `request` (to `sent_to`, its URL) on `http` and reads its answer,
/// all within `timeout`, the body up to `limit` bytes.
///
/// Not an `async fn`: the request is handed to reqwest here (which only
/// prepares it; nothing is sent before the first poll) and the future keeps
/// reqwest's pending request alone, each value once. An `async fn` keeps
/// its arguments twice (as arguments and as the body's locals), and every
/// caller's future holds this one, so its size is paid for again at every
/// level that moves it.
pub(crate) fn exchange<'a>(
    http: &reqwest::Client,
    request: reqwest::Request,
    sent_to: &'a Url,
    label: Label,
    limit: u64,
    timeout: Duration,
) -> impl Future<Output = std::result::Result<Answer, NoAnswer>> + use<'a> {
    let mut pending = http.execute(request);
    let exchange = async move {
        // Awaited through a reference: awaiting the captured value itself
        // would move it into a second slot of this future.
        let mut response = (&mut pending).await?;
        let status = response.status();
        let redirect = redirect_error(label, sent_to, &response);
        let headers = std::mem::take(response.headers_mut());
        let body = match redirect {
            Some(redirect) => Err(Unusable::Redirect(redirect)),
            None => read_body(&mut response, limit).await?,
        };
        Ok(Answer {
            status,
            headers,
            body,
        })
    };
    // A combinator rather than an `async` block awaiting the timeout, which
    // would keep it twice.
    tokio::time::timeout(timeout, exchange).map(|outcome| match outcome {
        Ok(Ok(answer)) => Ok(answer),
        Ok(Err(e)) => Err(NoAnswer::Http(reqwest::Error::without_url(e))),
        Err(_) => Err(NoAnswer::TimedOut),
    })
}

/// Reads at most `limit` bytes of `response`: a `Content-Length` over the
/// limit is refused before reading, a longer stream is cut at the limit.
async fn read_body(
    response: &mut reqwest::Response,
    limit: u64,
) -> reqwest::Result<std::result::Result<Bytes, Unusable>> {
    let announced = response.content_length().unwrap_or(0);
    if announced > limit {
        return Ok(Err(Unusable::TooLarge));
    }
    let over = |len: usize| u64::try_from(len).map_or(true, |n| n > limit);
    // A body that arrives in one chunk (most answers) is kept as it is.
    let Some(first) = response.chunk().await? else {
        return Ok(Ok(Bytes::new()));
    };
    if over(first.len()) {
        return Ok(Err(Unusable::TooLarge));
    }
    let Some(mut chunk) = response.chunk().await? else {
        return Ok(Ok(first));
    };
    let capacity = announced.min(limit).min(1024 * 1024);
    let mut body = Vec::with_capacity(usize::try_from(capacity).unwrap_or(0));
    body.extend_from_slice(&first);
    loop {
        if over(body.len().saturating_add(chunk.len())) {
            return Ok(Err(Unusable::TooLarge));
        }
        body.extend_from_slice(&chunk);
        chunk = match response.chunk().await? {
            Some(next) => next,
            None => return Ok(Ok(Bytes::from(body))),
        };
    }
}

/// [`Error::Redirect`] when `response` is a 3xx, or when an injected client
/// followed a redirect and the answer comes from another URL than `sent_to`.
fn redirect_error(label: Label, sent_to: &Url, response: &reqwest::Response) -> Option<Error> {
    let status = response.status();
    let location = if status.is_redirection() {
        response
            .headers()
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|l| sent_to.join(l.trim()).ok())
    } else if response.url() != sent_to {
        Some(response.url().clone())
    } else {
        return None;
    };
    Some(Error::from(RedirectError {
        provider: label.provider,
        operation: label.operation,
        status,
        location: location.map(|mut url| {
            let _ = url.set_username("");
            let _ = url.set_password(None);
            url.set_query(None);
            url.set_fragment(None);
            url.to_string()
        }),
    }))
}

/// The [`ApiError`] of an error answer: the provider's fields, the raw
/// body (truncated), the request id and `Retry-After`.
pub(crate) fn api_error(
    label: Label,
    method: Method,
    template: impl Into<Cow<'static, str>>,
    (status, headers, body): (StatusCode, &HeaderMap, &Bytes),
    fields: ErrorFields,
) -> ApiError {
    let mut api = ApiError::new(
        label.provider,
        label.operation,
        method,
        template,
        status,
        fields,
        body,
    );
    api.request_id = find_request_id(headers).map(str::to_owned);
    api.retry_after = retry_after(headers);
    api
}

#[cfg(all(test, feature = "rustls"))]
mod tests {
    use super::*;

    #[test]
    fn the_rustls_configuration_is_rings_with_h2_then_http1() {
        let config = rustls_ring_config().expect("configuration");
        assert_eq!(
            config.alpn_protocols,
            [b"h2".to_vec(), b"http/1.1".to_vec()]
        );
        let suites = |p: &rustls::crypto::CryptoProvider| {
            p.cipher_suites
                .iter()
                .map(|s| s.suite())
                .collect::<Vec<_>>()
        };
        assert_eq!(
            suites(config.crypto_provider()),
            suites(&rustls::crypto::ring::default_provider())
        );
    }

    /// The client the SDK builds opens `https` with a TLS ClientHello that
    /// offers the configuration's ALPN; this loopback server answers with
    /// nothing, so the call fails as a transport error.
    #[cfg(not(feature = "rustls-aws-lc"))]
    #[tokio::test]
    async fn the_default_client_speaks_tls_with_the_rustls_configuration() {
        use tokio::io::AsyncReadExt as _;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let port = listener.local_addr().expect("address").port();
        let server = tokio::spawn(async move {
            let (mut socket, _) = listener.accept().await.expect("accept");
            let mut hello = vec![0; 4096];
            let n = socket.read(&mut hello).await.expect("read");
            hello.truncate(n);
            hello
        });
        let client = default_http_client(Duration::from_secs(5)).expect("client");
        let sent = client
            .get(format!("https://localhost:{port}/"))
            .send()
            .await;
        assert!(sent.is_err(), "no TLS server answered");
        let hello = server.await.expect("server");
        assert_eq!(hello.first(), Some(&0x16), "a TLS handshake record");
        assert!(
            hello.windows(12).any(|w| w == b"\x02h2\x08http/1.1"),
            "ALPN h2, http/1.1 offered"
        );
    }
}
