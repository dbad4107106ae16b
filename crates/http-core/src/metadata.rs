//! What a call returned besides its body: status, request id, selected
//! headers, attempts and elapsed time.
//!
//! Two ways to read it, neither of which changes a provider method's
//! signature:
//!
//! - [`capture`] wraps any future (one call, a flow of several calls,
//!   `stream.try_collect()`) and returns its output together with a
//!   [`CallMetadata`] for every successful call made while it ran;
//! - a [`Hooks`](crate::Hooks) implementation sees every attempt of every
//!   call, failed ones included, with the response headers
//!   ([`Hooks::on_response`](crate::Hooks::on_response) and
//!   [`ResponseInfo`]): the one place to log request ids for a whole service.
//!
//! A failed call carries the same facts in its error
//! ([`ApiError::request_id`](crate::ApiError::request_id), `status`,
//! `retry_after`).
//!
//! ```
//! # async fn demo(server: String) -> Result<(), partner_sdk_core::Error> {
//! use partner_sdk_core::{Request, Transport, metadata};
//!
//! let transport = Transport::builder("demo").base_url(server).build()?;
//! let (result, calls) = metadata::capture(
//!     transport.send::<serde_json::Value>(Request::get("get_thing", "/things/1")),
//! )
//! .await;
//! let thing = result?;
//! for call in &calls {
//!     println!("{} {} -> {} request id {:?}", call.operation, call.path, call.status, call.request_id);
//! }
//! # let _ = thing;
//! # Ok(()) }
//! ```

use std::borrow::Cow;
use std::cell::RefCell;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};

/// The response headers a request id is read from, in this order.
pub const REQUEST_ID_HEADERS: [&str; 6] = [
    "x-request-id",
    "request-id",
    "x-correlation-id",
    "x-amzn-requestid",
    "x-ms-request-id",
    "x-trace-id",
];

/// Response headers a [`CallMetadata`] keeps, besides those starting with
/// one of [`RECORDED_HEADER_PREFIXES`]: the request-id headers and
/// `Retry-After`. Nothing else is kept, so no credential or cookie can end
/// up in metadata.
pub const RECORDED_HEADERS: [&str; 7] = [
    REQUEST_ID_HEADERS[0],
    REQUEST_ID_HEADERS[1],
    REQUEST_ID_HEADERS[2],
    REQUEST_ID_HEADERS[3],
    REQUEST_ID_HEADERS[4],
    REQUEST_ID_HEADERS[5],
    "retry-after",
];

/// Prefixes of the rate-limit headers a [`CallMetadata`] keeps
/// (`X-RateLimit-Remaining`, `X-Rate-Limit-Reset`, the IETF `RateLimit` and
/// `RateLimit-Policy`, ...).
pub const RECORDED_HEADER_PREFIXES: [&str; 3] = ["x-ratelimit-", "x-rate-limit-", "ratelimit"];

/// Response headers hooks never see: cookies and credentials. Headers
/// named like the credentials the call sent (a session echoed back) are
/// removed as well.
const HIDDEN_FROM_HOOKS: [&str; 5] = [
    "set-cookie",
    "cookie",
    "authorization",
    "proxy-authorization",
    "proxy-authenticate",
];

fn is_recorded(name: &str) -> bool {
    RECORDED_HEADERS.contains(&name) || RECORDED_HEADER_PREFIXES.iter().any(|p| name.starts_with(p))
}

/// The request id among `headers` ([`REQUEST_ID_HEADERS`]), if any.
pub(crate) fn find_request_id(headers: &HeaderMap) -> Option<&str> {
    REQUEST_ID_HEADERS
        .iter()
        .find_map(|h| headers.get(*h))
        .and_then(|v| v.to_str().ok())
}

/// Facts about one successful call (all its attempts).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct CallMetadata {
    /// Provider name, e.g. `dtone`.
    pub provider: &'static str,
    /// Operation name, e.g. `create_transaction`.
    pub operation: &'static str,
    /// HTTP method.
    pub method: Method,
    /// Path template, e.g. `/transactions/{id}`.
    pub path: &'static str,
    /// Status of the answer.
    pub status: StatusCode,
    /// Request id from the usual headers (`X-Request-Id`, `Request-Id`,
    /// `X-Correlation-Id`, ...), when the provider sent one.
    pub request_id: Option<String>,
    /// The response headers in [`RECORDED_HEADERS`] or starting with one of
    /// [`RECORDED_HEADER_PREFIXES`].
    pub headers: HeaderMap,
    /// Attempts made, from 1 (a re-authentication after a 401 is not counted).
    pub attempts: u32,
    /// Time from the first attempt to the answer, waits between attempts included.
    pub elapsed: Duration,
}

/// Where a call is: the parts of a [`CallMetadata`] known before the answer.
pub(crate) struct CallFacts {
    pub(crate) provider: &'static str,
    pub(crate) operation: &'static str,
    pub(crate) method: Method,
    pub(crate) path: &'static str,
    pub(crate) attempts: u32,
    pub(crate) elapsed: Duration,
}

impl CallMetadata {
    pub(crate) fn new(facts: CallFacts, status: StatusCode, response: &HeaderMap) -> Self {
        let mut headers = HeaderMap::new();
        for (name, value) in response {
            if is_recorded(name.as_str()) {
                headers.append(name.clone(), value.clone());
            }
        }
        CallMetadata {
            provider: facts.provider,
            operation: facts.operation,
            method: facts.method,
            path: facts.path,
            status,
            request_id: find_request_id(response).map(str::to_owned),
            headers,
            attempts: facts.attempts,
            elapsed: facts.elapsed,
        }
    }
}

/// What a [`Hooks`](crate::Hooks) implementation is told about the answer
/// to one attempt.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct ResponseInfo<'a> {
    /// Status, `None` when no answer arrived (timeout, connection failure).
    pub status: Option<StatusCode>,
    /// Response headers, without cookies and credentials; `None` when no
    /// answer arrived.
    pub headers: Option<&'a HeaderMap>,
    /// Time the attempt took.
    pub elapsed: Duration,
}

impl<'a> ResponseInfo<'a> {
    pub(crate) fn new(
        status: Option<StatusCode>,
        headers: Option<&'a HeaderMap>,
        elapsed: Duration,
    ) -> Self {
        ResponseInfo {
            status,
            headers,
            elapsed,
        }
    }

    /// The request id the provider sent, from the usual headers.
    pub fn request_id(&self) -> Option<&'a str> {
        self.headers.and_then(find_request_id)
    }
}

/// The response headers a hook may see: `headers` without cookies,
/// credentials and any header named like one of `credentials`. Borrowed when
/// nothing had to be removed.
pub(crate) fn headers_for_hooks<'h>(
    headers: &'h HeaderMap,
    credentials: &HeaderMap,
) -> Cow<'h, HeaderMap> {
    let hidden = |name: &str| HIDDEN_FROM_HOOKS.contains(&name) || credentials.contains_key(name);
    if !headers.keys().any(|name| hidden(name.as_str())) {
        return Cow::Borrowed(headers);
    }
    let mut visible = HeaderMap::new();
    for (name, value) in headers {
        if !hidden(name.as_str()) {
            visible.append(name.clone(), value.clone());
        }
    }
    Cow::Owned(visible)
}

thread_local! {
    /// One frame per [`Capture`] being polled on this thread, innermost last.
    static FRAMES: RefCell<Vec<Vec<CallMetadata>>> = const { RefCell::new(Vec::new()) };
}

/// True while a [`Capture`] is being polled on this thread.
pub(crate) fn capturing() -> bool {
    FRAMES
        .try_with(|f| f.try_borrow().is_ok_and(|f| !f.is_empty()))
        .unwrap_or(false)
}

/// A finished call's metadata, made only while a [`Capture`] is being
/// polled on this thread; hand it over with [`deliver`].
pub(crate) fn prepare(make: impl FnOnce() -> CallMetadata) -> Option<CallMetadata> {
    capturing().then(make)
}

/// Hands a finished call to every [`Capture`] being polled on this thread.
pub(crate) fn deliver(meta: CallMetadata) {
    let _ = FRAMES.try_with(move |f| {
        if let Ok(mut frames) = f.try_borrow_mut()
            && let Some((innermost, outer)) = frames.split_last_mut()
        {
            for frame in outer {
                frame.push(meta.clone());
            }
            innermost.push(meta);
        }
    });
}

/// This thread's frame of one [`Capture::poll`]; popped on drop, also on unwind.
struct Frame {
    depth: usize,
}

impl Frame {
    fn enter() -> Frame {
        let depth = FRAMES
            .try_with(|f| {
                f.try_borrow_mut().map_or(0, |mut frames| {
                    frames.push(Vec::new());
                    frames.len()
                })
            })
            .unwrap_or(0);
        Frame { depth }
    }

    fn leave(mut self) -> Vec<CallMetadata> {
        self.pop()
    }

    fn pop(&mut self) -> Vec<CallMetadata> {
        let depth = std::mem::take(&mut self.depth);
        if depth == 0 {
            return Vec::new();
        }
        FRAMES
            .try_with(|f| {
                let Ok(mut frames) = f.try_borrow_mut() else {
                    return Vec::new();
                };
                let mut mine = Vec::new();
                while frames.len() >= depth {
                    mine = frames.pop().unwrap_or_default();
                }
                mine
            })
            .unwrap_or_default()
    }
}

impl Drop for Frame {
    fn drop(&mut self) {
        let _ = self.pop();
    }
}

/// Runs `future` and returns its output with the [`CallMetadata`] of every
/// call that succeeded while it ran, in completion order.
///
/// Works with any method of any provider client, with several calls in one
/// future, and with streams (`capture(stream.try_collect())`, or
/// `capture(stream.next())` per item). Captures nest: an outer capture also
/// receives the calls of an inner one. Calls made by a task the future
/// spawns are not captured (they are polled elsewhere). A Brighte login
/// started by a captured call is captured as `create_session`; OAuth2 token
/// requests are not calls of the provider API and are not captured.
pub fn capture<F: Future>(future: F) -> Capture<F> {
    Capture {
        future: Box::pin(future),
        calls: Vec::new(),
    }
}

/// The future returned by [`capture`].
#[must_use = "futures do nothing unless awaited"]
pub struct Capture<F> {
    future: Pin<Box<F>>,
    calls: Vec<CallMetadata>,
}

impl<F> fmt::Debug for Capture<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Capture")
            .field("calls", &self.calls.len())
            .finish_non_exhaustive()
    }
}

impl<F: Future> Future for Capture<F> {
    type Output = (F::Output, Vec<CallMetadata>);

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        let frame = Frame::enter();
        let poll = this.future.as_mut().poll(cx);
        this.calls.extend(frame.leave());
        poll.map(|output| (output, std::mem::take(&mut this.calls)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn facts(operation: &'static str) -> CallFacts {
        CallFacts {
            provider: "demo",
            operation,
            method: Method::GET,
            path: "/things",
            attempts: 1,
            elapsed: Duration::from_millis(3),
        }
    }

    fn response_headers() -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("x-request-id", HeaderValue::from_static("req-1"));
        h.insert("x-ratelimit-remaining", HeaderValue::from_static("9"));
        h.insert("ratelimit-policy", HeaderValue::from_static("10;w=1"));
        h.insert("retry-after", HeaderValue::from_static("1"));
        h.insert("set-cookie", HeaderValue::from_static("sid=secret"));
        h.insert("x-session-token", HeaderValue::from_static("secret"));
        h.insert("content-type", HeaderValue::from_static("application/json"));
        h
    }

    #[test]
    fn metadata_keeps_only_the_allow_list() {
        let m = CallMetadata::new(facts("op"), StatusCode::OK, &response_headers());
        assert_eq!(m.request_id.as_deref(), Some("req-1"));
        let mut names: Vec<_> = m.headers.keys().map(|k| k.as_str()).collect();
        names.sort_unstable();
        assert_eq!(
            names,
            [
                "ratelimit-policy",
                "retry-after",
                "x-ratelimit-remaining",
                "x-request-id"
            ]
        );
    }

    #[test]
    fn hooks_never_see_cookies_or_echoed_credentials() {
        let headers = response_headers();
        let mut creds = HeaderMap::new();
        creds.insert("x-session-token", HeaderValue::from_static("secret"));
        let visible = headers_for_hooks(&headers, &creds);
        assert!(matches!(visible, Cow::Owned(_)));
        assert!(!visible.contains_key("set-cookie"));
        assert!(!visible.contains_key("x-session-token"));
        assert_eq!(visible["x-request-id"], "req-1");
        let info = ResponseInfo::new(Some(StatusCode::OK), Some(&visible), Duration::ZERO);
        assert_eq!(info.request_id(), Some("req-1"));

        let mut plain = HeaderMap::new();
        plain.insert("x-request-id", HeaderValue::from_static("req-2"));
        assert!(matches!(
            headers_for_hooks(&plain, &creds),
            Cow::Borrowed(_)
        ));
    }

    fn record(make: impl FnOnce() -> CallMetadata) {
        if let Some(meta) = prepare(make) {
            deliver(meta);
        }
    }

    #[tokio::test]
    async fn capture_collects_calls_and_nests() {
        assert!(!capturing());
        record(|| unreachable!("nothing is built without a capture"));
        let (((), inner), outer) = capture(async {
            record(|| CallMetadata::new(facts("first"), StatusCode::OK, &HeaderMap::new()));
            tokio::task::yield_now().await;
            capture(async {
                record(|| CallMetadata::new(facts("second"), StatusCode::OK, &HeaderMap::new()));
            })
            .await
        })
        .await;
        let ops = |calls: &[CallMetadata]| calls.iter().map(|c| c.operation).collect::<Vec<_>>();
        assert_eq!(ops(&inner), ["second"]);
        assert_eq!(ops(&outer), ["first", "second"]);
        assert!(!capturing());
    }

    #[test]
    fn a_panicking_future_leaves_no_frame_behind() {
        let result = std::panic::catch_unwind(|| {
            tokio::runtime::Builder::new_current_thread()
                .build()
                .unwrap()
                .block_on(capture(async { panic!("boom") }))
        });
        assert!(result.is_err());
        assert!(!capturing());
    }
}
