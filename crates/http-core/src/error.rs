//! The one error type every provider crate layers its own error on.
//!
//! The error path never fails: a body that is not the provider's error shape
//! still becomes [`Error::Api`] with the raw bytes kept, never a decode error.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use reqwest::StatusCode;

use crate::error_body::ErrorFields;
use partner_sdk_journal::{IntentState, JournalError, ReconcileKey};

/// How many bytes of a response body an error keeps.
pub const MAX_ERROR_BODY: usize = 4096;

/// Result alias used throughout the SDK.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong between `client.method()` and a typed result.
///
/// `Display` gives this error's own line; the cause (a reqwest or serde
/// error) is its [`source`](std::error::Error::source), never repeated in the
/// text, so that reporters that print the chain (anyhow, eyre) show each
/// cause once.
///
/// Two words: each variant holds at most a pointer (a `Box` of the struct
/// that carries its fields, as [`ApiError`] and [`DecodeError`]), so a
/// `Result` carrying it stays small on the success path. Match on the
/// variant, then read the fields of its struct:
///
/// ```
/// use partner_sdk_core::{Error, ReconcileKey};
///
/// fn reconcile(e: &Error) -> Option<&ReconcileKey> {
///     match e {
///         Error::OutcomeUnknown(unknown) => unknown.key.as_ref(),
///         Error::AnswerUnreadable(unreadable) => unreadable.key.as_ref(),
///         _ => None,
///     }
/// }
/// assert!(reconcile(&Error::config("no base_url")).is_none());
/// ```
///
/// `Clone`, so that one failed login or token request can be handed to every
/// caller that was waiting for it.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The request could not be sent or the response could not be read
    /// (DNS, refused connection, reset, TLS).
    #[error(transparent)]
    Transport(Box<TransportError>),
    /// An idempotent request did not complete within its timeout.
    #[error(transparent)]
    Timeout(Box<TimeoutError>),
    /// The provider answered with an error status or an error body.
    #[error(transparent)]
    Api(Box<ApiError>),
    /// A success response whose body does not match the documented shape.
    #[error(transparent)]
    Decode(Box<DecodeError>),
    /// The caller's input was refused before anything was sent.
    #[error(transparent)]
    InvalidInput(Box<InvalidInputError>),
    /// Credentials were rejected or a token/session could not be obtained.
    #[error(transparent)]
    Auth(Box<AuthError>),
    /// A signature, checksum or HMAC did not verify.
    #[error(transparent)]
    Signature(Box<SignatureError>),
    /// A non-idempotent request was sent but no answer arrived: it may or may
    /// not have taken effect. Reconcile with the key before trying again.
    #[error(transparent)]
    OutcomeUnknown(Box<OutcomeUnknownError>),
    /// The server answered with a redirect. The SDK never follows one:
    /// credentials and request bodies go only to the configured hosts.
    #[error(transparent)]
    Redirect(Box<RedirectError>),
    /// The answer was larger than the configured limit
    /// ([`HttpSettings::max_response_body`](crate::HttpSettings::max_response_body)).
    /// Nothing beyond the limit was read.
    #[error(transparent)]
    ResponseTooLarge(Box<ResponseTooLargeError>),
    /// A request that creates something was accepted (2xx) but its answer
    /// could not be read (it does not decode, or it is too large). It has
    /// taken effect: reconcile with the key instead of sending it again.
    /// The answer itself is not kept (it may carry secrets such as PINs).
    #[error(transparent)]
    AnswerUnreadable(Box<AnswerUnreadableError>),
    /// The client's intent journal failed or refused a create: when
    /// [`JournalError::create_not_sent`] says so (an error of `begin`, or a
    /// reused key for a different request) nothing was sent.
    #[error(transparent)]
    Journal(Arc<JournalError>),
    /// This create is journalled already under its key, for the same request
    /// (a retry, perhaps after a crash), and was not sent again. Its
    /// [`state`](JournalledError::state) says where it stands: done (its
    /// outcome is the answer) or pending (sent earlier with an unknown
    /// outcome, or in flight elsewhere: `recover()` resolves it). A key
    /// settled not done is not `Journalled`: the journal begins it again
    /// and the create is sent as its next attempt.
    #[error(transparent)]
    Journalled(Box<JournalledError>),
    /// A paginated listing was stopped because it would not end: the server
    /// repeated a cursor or a whole page, or the page cap was reached.
    #[error(transparent)]
    Pagination(Box<PaginationError>),
    /// The client was configured with an invalid value.
    #[error(transparent)]
    Config(Box<ConfigError>),
}

/// The fields of [`Error::Transport`]: the request could not be sent or the
/// response could not be read.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{provider} {operation}: transport error")]
pub struct TransportError {
    /// Provider name, e.g. `bbti`.
    pub provider: &'static str,
    /// Operation name, e.g. `list_prices`.
    pub operation: &'static str,
    /// Path template of the call, e.g. `/v1/transactions/{transactionId}`
    /// (the URL itself is never kept: it may carry personal data).
    pub path: Cow<'static, str>,
    /// The underlying reqwest error, without its URL.
    #[source]
    pub source: Arc<reqwest::Error>,
}

/// The fields of [`Error::Timeout`]: an idempotent request did not complete
/// within its timeout.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{provider} {operation}: timed out after {elapsed:?}")]
pub struct TimeoutError {
    /// Provider name.
    pub provider: &'static str,
    /// Operation name.
    pub operation: &'static str,
    /// Time spent on the last attempt.
    pub elapsed: Duration,
}

/// The fields of [`Error::InvalidInput`]: the caller's input was refused
/// before anything was sent.
#[derive(Debug, Clone, thiserror::Error)]
#[error("invalid input `{field}`: {reason}")]
pub struct InvalidInputError {
    /// The offending field (dotted path for nested fields).
    pub field: Cow<'static, str>,
    /// Why it was refused.
    pub reason: Cow<'static, str>,
}

/// The fields of [`Error::Auth`]: credentials were rejected or a
/// token/session could not be obtained.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{provider}: authentication failed: {message}")]
pub struct AuthError {
    /// Provider name.
    pub provider: &'static str,
    /// What failed; never contains a secret.
    pub message: String,
    /// The token/session endpoint's answer, when there was one.
    #[source]
    pub source: Option<ApiError>,
}

/// The fields of [`Error::Signature`]: a signature, checksum or HMAC did not
/// verify.
#[derive(Debug, Clone, thiserror::Error)]
#[error("signature mismatch: {reason}")]
pub struct SignatureError {
    /// What did not match (never the expected value).
    pub reason: Cow<'static, str>,
}

/// `"; reconcile with field=value"` for a key, nothing without one.
fn reconcile_hint(key: Option<&ReconcileKey>) -> String {
    key.map(|k| format!("; reconcile with {k}"))
        .unwrap_or_default()
}

/// The fields of [`Error::OutcomeUnknown`]: a non-idempotent request was
/// sent but no answer arrived.
#[derive(Debug, Clone, thiserror::Error)]
#[error(
    "{provider} {operation}: outcome unknown ({cause}){}",
    reconcile_hint(key.as_ref())
)]
pub struct OutcomeUnknownError {
    /// Provider name.
    pub provider: &'static str,
    /// Operation name.
    pub operation: &'static str,
    /// The caller-supplied identifier to look the outcome up with, e.g.
    /// `submissionId=order-1`.
    pub key: Option<ReconcileKey>,
    /// Why the outcome is unknown (timeout, connection reset, ...).
    pub cause: Cow<'static, str>,
}

/// The fields of [`Error::Redirect`]: the server answered with a redirect,
/// which the SDK does not follow.
#[derive(Debug, Clone, thiserror::Error)]
#[error(
    "{provider} {operation}: redirected ({status}){}; redirects are not followed",
    location.as_ref().map(|l| format!(" to {l}")).unwrap_or_default()
)]
pub struct RedirectError {
    /// Provider name.
    pub provider: &'static str,
    /// Operation name.
    pub operation: &'static str,
    /// The 3xx status (or the final status, when an injected client
    /// followed the redirect itself).
    pub status: StatusCode,
    /// Where the server pointed, as an absolute URL without user info,
    /// query or fragment (they may carry personal data); `None` when the
    /// answer had no usable `Location`.
    pub location: Option<String>,
}

/// The fields of [`Error::ResponseTooLarge`]: the answer was larger than the
/// configured limit.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{provider} {operation}: {status} answer larger than the {limit}-byte limit")]
pub struct ResponseTooLargeError {
    /// Provider name.
    pub provider: &'static str,
    /// Operation name.
    pub operation: &'static str,
    /// HTTP status of the answer.
    pub status: StatusCode,
    /// The limit in bytes.
    pub limit: u64,
}

/// The fields of [`Error::AnswerUnreadable`]: a create was accepted but its
/// answer could not be read.
#[derive(Debug, Clone, thiserror::Error)]
#[error(
    "{provider} {operation}: accepted ({status}) but the answer is unreadable ({cause}){}",
    reconcile_hint(key.as_ref())
)]
pub struct AnswerUnreadableError {
    /// Provider name.
    pub provider: &'static str,
    /// Operation name.
    pub operation: &'static str,
    /// HTTP status of the answer.
    pub status: StatusCode,
    /// The caller-supplied identifier to look the result up with, e.g.
    /// `external_id=order-1`.
    pub key: Option<ReconcileKey>,
    /// Why it is unreadable: the failing field path and the kind of
    /// error, never a value from the answer.
    pub cause: Cow<'static, str>,
}

/// The fields of [`Error::Journalled`]: this create is journalled already
/// under its key, for the same request, and was not sent again.
#[derive(Debug, Clone, thiserror::Error)]
#[error(
    "{provider} {operation}: already journalled under {key} ({}); not sent again",
    state.name()
)]
pub struct JournalledError {
    /// Provider name.
    pub provider: &'static str,
    /// Operation name.
    pub operation: &'static str,
    /// The reconcile key the create is journalled under.
    pub key: ReconcileKey,
    /// Where the journalled intent stands.
    pub state: IntentState,
}

/// The fields of [`Error::Pagination`]: a listing was stopped because it
/// would not end.
#[derive(Debug, Clone, thiserror::Error)]
#[error("pagination stopped after {pages} pages: {reason}")]
pub struct PaginationError {
    /// Pages fetched before stopping.
    pub pages: u32,
    /// Why it was stopped.
    pub reason: PaginationStop,
}

/// The fields of [`Error::Config`]: the client was configured with an
/// invalid value.
#[derive(Debug, Clone, thiserror::Error)]
#[error("configuration error: {reason}")]
pub struct ConfigError {
    /// What is wrong with the configuration.
    pub reason: Cow<'static, str>,
}

/// `From<payload> for Error`, boxing it into its variant.
macro_rules! boxed_variants {
    ($($variant:ident($payload:ty)),+ $(,)?) => {
        $(
            impl From<$payload> for Error {
                fn from(payload: $payload) -> Self {
                    Error::$variant(Box::new(payload))
                }
            }
        )+
    };
}

boxed_variants!(
    Transport(TransportError),
    Timeout(TimeoutError),
    Api(ApiError),
    Decode(DecodeError),
    InvalidInput(InvalidInputError),
    Auth(AuthError),
    Signature(SignatureError),
    OutcomeUnknown(OutcomeUnknownError),
    Redirect(RedirectError),
    ResponseTooLarge(ResponseTooLargeError),
    AnswerUnreadable(AnswerUnreadableError),
    Journalled(JournalledError),
    Pagination(PaginationError),
    Config(ConfigError),
);

/// Why a paginated listing was stopped (see [`Error::Pagination`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum PaginationStop {
    /// The server sent a next-page cursor it had already sent.
    RepeatedCursor,
    /// The server sent the same items as on the previous page and said
    /// there was more.
    RepeatedPage,
    /// The listing reached the page cap
    /// ([`HttpSettings::max_pages`](crate::HttpSettings::max_pages)) and the
    /// server still said there was more.
    MaxPages(u32),
}

impl fmt::Display for PaginationStop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PaginationStop::RepeatedCursor => f.write_str("the server repeated a page cursor"),
            PaginationStop::RepeatedPage => f.write_str("the server repeated the previous page"),
            PaginationStop::MaxPages(n) => write!(f, "the {n}-page cap was reached"),
        }
    }
}

impl Error {
    /// Shorthand for [`Error::InvalidInput`].
    pub fn invalid_input(
        field: impl Into<Cow<'static, str>>,
        reason: impl Into<Cow<'static, str>>,
    ) -> Self {
        InvalidInputError {
            field: field.into(),
            reason: reason.into(),
        }
        .into()
    }

    /// Shorthand for [`Error::Signature`].
    pub fn signature(reason: impl Into<Cow<'static, str>>) -> Self {
        SignatureError {
            reason: reason.into(),
        }
        .into()
    }

    /// Shorthand for [`Error::Config`].
    pub fn config(reason: impl Into<Cow<'static, str>>) -> Self {
        ConfigError {
            reason: reason.into(),
        }
        .into()
    }

    /// Shorthand for [`Error::Auth`]: `provider`'s credentials were refused,
    /// or its token or session could not be obtained, as `message` says;
    /// `answer` is the token or session endpoint's answer, when there was
    /// one.
    pub fn auth(
        provider: &'static str,
        message: impl Into<String>,
        answer: Option<ApiError>,
    ) -> Self {
        AuthError {
            provider,
            message: message.into(),
            source: answer,
        }
        .into()
    }

    /// HTTP status of an API error.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Api(e) => Some(e.status()),
            Error::Decode(e) => Some(e.status()),
            Error::Auth(e) => e.source.as_ref().map(ApiError::status),
            _ => None,
        }
    }

    /// The API error, if this is one.
    pub fn api(&self) -> Option<&ApiError> {
        match self {
            Error::Api(e) => Some(e),
            _ => None,
        }
    }

    /// A transport error for `operation` at `path`, with the URL removed
    /// from the reqwest error (it may carry personal data) and timeouts
    /// reported as [`Error::Timeout`].
    pub fn transport(
        provider: &'static str,
        operation: &'static str,
        path: impl Into<Cow<'static, str>>,
        source: reqwest::Error,
        elapsed: Duration,
    ) -> Self {
        if source.is_timeout() {
            TimeoutError {
                provider,
                operation,
                elapsed,
            }
            .into()
        } else {
            TransportError {
                provider,
                operation,
                path: path.into(),
                source: Arc::new(source.without_url()),
            }
            .into()
        }
    }

    /// The provider's error answer: an [`Error::Api`], or the answer that
    /// made a login or token request fail ([`Error::Auth`]). Unlike
    /// [`api`](Self::api), which only gives the former, this is what the
    /// provider crates' `Error::api` returns.
    pub fn answer(&self) -> Option<&ApiError> {
        match self {
            Error::Api(e) => Some(e),
            Error::Auth(e) => e.source.as_ref(),
            _ => None,
        }
    }

    /// True for [`Error::InvalidInput`]: the caller's input was refused
    /// before anything was sent.
    pub fn is_invalid_input(&self) -> bool {
        matches!(self, Error::InvalidInput(_))
    }

    /// The field an [`Error::InvalidInput`] names (a dotted path for nested
    /// fields).
    pub fn invalid_field(&self) -> Option<&str> {
        match self {
            Error::InvalidInput(e) => Some(&e.field),
            _ => None,
        }
    }

    /// The key to reconcile with when a create's outcome is unknown
    /// ([`Error::OutcomeUnknown`]) or it took effect but its answer is
    /// unreadable ([`Error::AnswerUnreadable`]), e.g. `external_id=order-1`.
    pub fn outcome_unknown_key(&self) -> Option<&ReconcileKey> {
        match self {
            Error::OutcomeUnknown(e) => e.key.as_ref(),
            Error::AnswerUnreadable(e) => e.key.as_ref(),
            _ => None,
        }
    }

    /// A short, stable, low-cardinality name of this error's kind, for
    /// metrics and traces (the OpenTelemetry `error.type`): `transport`,
    /// `timeout`, `api`, `decode`, `invalid_input`, `auth`, `signature`,
    /// `outcome_unknown`, `redirect`, `response_too_large`,
    /// `answer_unreadable`, `journal`, `journalled`, `pagination`, `config`.
    /// It never carries a value of the call.
    pub fn kind(&self) -> &'static str {
        match self {
            Error::Transport(_) => "transport",
            Error::Timeout(_) => "timeout",
            Error::Api(_) => "api",
            Error::Decode(_) => "decode",
            Error::InvalidInput(_) => "invalid_input",
            Error::Auth(_) => "auth",
            Error::Signature(_) => "signature",
            Error::OutcomeUnknown(_) => "outcome_unknown",
            Error::Redirect(_) => "redirect",
            Error::ResponseTooLarge(_) => "response_too_large",
            Error::AnswerUnreadable(_) => "answer_unreadable",
            Error::Journal(_) => "journal",
            Error::Journalled(_) => "journalled",
            Error::Pagination(_) => "pagination",
            Error::Config(_) => "config",
        }
    }

    /// True for [`Error::Timeout`].
    pub fn is_timeout(&self) -> bool {
        matches!(self, Error::Timeout(_))
    }

    /// True when trying again later may succeed (timeouts, connection errors,
    /// 429/502/503/504). Never true for [`Error::OutcomeUnknown`]: reconcile first.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Timeout(_) | Error::Transport(_) => true,
            Error::Api(e) => crate::retry::is_retryable_status(e.status()),
            _ => false,
        }
    }
}

/// An error answer from a provider: HTTP status, provider code and message,
/// request id, `Retry-After` and the raw body.
#[derive(Clone)]
pub struct ApiError {
    pub(crate) provider: &'static str,
    pub(crate) operation: &'static str,
    pub(crate) method: reqwest::Method,
    pub(crate) path: Cow<'static, str>,
    pub(crate) status: StatusCode,
    pub(crate) code: Option<String>,
    pub(crate) message: Option<String>,
    pub(crate) request_id: Option<String>,
    pub(crate) retry_after: Option<Duration>,
    pub(crate) body: Bytes,
}

impl ApiError {
    /// Builds an API error; provider crates use it for errors they detect in
    /// otherwise successful responses.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        provider: &'static str,
        operation: &'static str,
        method: reqwest::Method,
        path: impl Into<Cow<'static, str>>,
        status: StatusCode,
        fields: ErrorFields,
        body: &[u8],
    ) -> Self {
        ApiError {
            provider,
            operation,
            method,
            path: path.into(),
            status,
            code: fields.code,
            message: fields.message,
            request_id: None,
            retry_after: None,
            body: truncate(body),
        }
    }

    /// Provider name.
    pub fn provider(&self) -> &'static str {
        self.provider
    }
    /// Operation name, e.g. `get_transaction`.
    pub fn operation(&self) -> &'static str {
        self.operation
    }
    /// HTTP method.
    pub fn method(&self) -> &reqwest::Method {
        &self.method
    }
    /// Path template of the call, e.g. `/v1/transactions/{}`.
    pub fn path(&self) -> &str {
        &self.path
    }
    /// HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }
    /// Provider error code as sent (gRPC code, `4402`, `1000304`, ...).
    pub fn code(&self) -> Option<&str> {
        self.code.as_deref()
    }
    /// Provider message, when the body had one.
    pub fn message(&self) -> Option<&str> {
        self.message.as_deref()
    }
    /// Request id from the response headers, when the provider sends one.
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }
    /// `Retry-After` from the response, when present.
    pub fn retry_after(&self) -> Option<Duration> {
        self.retry_after
    }
    /// Raw body (at most [`MAX_ERROR_BODY`] bytes).
    pub fn body(&self) -> &[u8] {
        &self.body
    }
    /// Raw body as text (lossy UTF-8).
    pub fn body_text(&self) -> Cow<'_, str> {
        String::from_utf8_lossy(&self.body)
    }
    /// Decodes the raw body into a provider-specific error shape.
    pub fn json<T: serde::de::DeserializeOwned>(&self) -> Option<T> {
        serde_json::from_slice(&self.body).ok()
    }

    /// This error without the answer it came from, for an answer that may
    /// carry a secret or personal data (a login, generated credentials, a
    /// voucher PIN): the body is dropped, and so are a code or a message
    /// that repeat another text value of that body (a token quoted in a
    /// message). Status, request id and `Retry-After` stay.
    ///
    /// `answer` is the whole answer as read (bounded by the transport's
    /// response size limit), not the [`MAX_ERROR_BODY`] bytes this error
    /// keeps: a secret past that cut is still found in it.
    pub(crate) fn withheld(mut self, answer: &[u8]) -> Self {
        let json = serde_json::from_slice::<serde_json::Value>(answer).unwrap_or_default();
        let mut values = Vec::new();
        text_leaves(&json, &mut values);
        let (code, message) = (self.code.take(), self.message.take());
        let own = |v: &&str| Some(*v) != code.as_deref() && Some(*v) != message.as_deref();
        let others: Vec<&str> = values.into_iter().filter(own).collect();
        let leaks = |text: &String| others.iter().any(|v| text.contains(v));
        self.code = code.filter(|c| !leaks(c));
        self.message = message.filter(|m| !leaks(m));
        self.body = Bytes::new();
        self
    }
}

/// Every text value of `json` of four characters or more (shorter ones, such
/// as a status, would match any message).
fn text_leaves<'a>(json: &'a serde_json::Value, out: &mut Vec<&'a str>) {
    match json {
        serde_json::Value::String(s) if s.trim().chars().count() >= 4 => out.push(s.trim()),
        serde_json::Value::Array(items) => items.iter().for_each(|v| text_leaves(v, out)),
        serde_json::Value::Object(map) => map.values().for_each(|v| text_leaves(v, out)),
        _ => {}
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} {}: {}",
            self.provider, self.method, self.path, self.status
        )?;
        if let Some(code) = &self.code {
            write!(f, " [{code}]")?;
        }
        match &self.message {
            Some(m) => write!(f, ": {m}")?,
            None if !self.body.is_empty() => {
                let text = self.body_text();
                let snippet: String = text.chars().take(120).collect();
                write!(f, ": {}", snippet.replace(['\n', '\r'], " "))?;
            }
            None => {}
        }
        if let Some(id) = &self.request_id {
            write!(f, " (request-id {id})")?;
        }
        Ok(())
    }
}

impl fmt::Debug for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiError")
            .field("provider", &self.provider)
            .field("operation", &self.operation)
            .field("method", &self.method)
            .field("path", &self.path)
            .field("status", &self.status)
            .field("code", &self.code)
            .field("message", &self.message)
            .field("request_id", &self.request_id)
            .field("retry_after", &self.retry_after)
            .field("body", &self.body_text())
            .finish()
    }
}

impl std::error::Error for ApiError {}

/// A success response that did not decode: the status, the body (truncated)
/// and the serde path of the field that failed.
#[derive(Clone)]
pub struct DecodeError {
    pub(crate) provider: &'static str,
    pub(crate) operation: &'static str,
    pub(crate) status: StatusCode,
    pub(crate) path: String,
    pub(crate) body: Bytes,
    pub(crate) source: Arc<serde_json::Error>,
}

impl DecodeError {
    /// Builds a decode error for `body`, which serde_json refused with
    /// `err`. The [path](Self::path) is read from `body` at the error's
    /// position: the field whose value was refused, or the object or array
    /// a field or element is missing from.
    pub fn new(
        provider: &'static str,
        operation: &'static str,
        status: StatusCode,
        body: &[u8],
        err: serde_json::Error,
    ) -> Self {
        DecodeError {
            provider,
            operation,
            status,
            path: crate::decode::path::path_of(body, &err),
            body: truncate(body),
            source: Arc::new(err),
        }
    }
    /// HTTP status of the response.
    pub fn status(&self) -> StatusCode {
        self.status
    }
    /// Where in the document decoding failed, e.g. `models[3].prices[0].gradePrices`.
    pub fn path(&self) -> &str {
        &self.path
    }
    /// The body (at most [`MAX_ERROR_BODY`] bytes).
    pub fn body(&self) -> &[u8] {
        &self.body
    }
    /// Operation name.
    pub fn operation(&self) -> &'static str {
        self.operation
    }
    /// What kind of JSON error it was and where (line and column), without
    /// any value from the body.
    pub fn summary(&self) -> String {
        let kind = match self.source.classify() {
            serde_json::error::Category::Io => "I/O error",
            serde_json::error::Category::Syntax => "not valid JSON",
            serde_json::error::Category::Data => "unexpected value",
            serde_json::error::Category::Eof => "truncated JSON",
        };
        format!(
            "{kind} at `{}` (line {}, column {})",
            self.path,
            self.source.line(),
            self.source.column()
        )
    }
}

impl DecodeError {
    /// The same error without the body and without serde's message (which
    /// may quote a value): for answers that carry secrets.
    pub(crate) fn without_values(&self) -> Self {
        DecodeError {
            provider: self.provider,
            operation: self.operation,
            status: self.status,
            path: self.path.clone(),
            body: Bytes::new(),
            source: Arc::new(<serde_json::Error as serde::de::Error>::custom(
                self.summary(),
            )),
        }
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}: cannot decode {} response at `{}`",
            self.provider, self.operation, self.status, self.path
        )
    }
}

impl fmt::Debug for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DecodeError")
            .field("provider", &self.provider)
            .field("operation", &self.operation)
            .field("status", &self.status)
            .field("path", &self.path)
            .field("source", &self.source)
            .field("body", &String::from_utf8_lossy(&self.body))
            .finish()
    }
}

impl std::error::Error for DecodeError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&*self.source)
    }
}

/// At most [`MAX_ERROR_BODY`] bytes of `body`, copied: an error never pins
/// the whole answer in memory.
pub(crate) fn truncate(body: &[u8]) -> Bytes {
    Bytes::copy_from_slice(&body[..body.len().min(MAX_ERROR_BODY)])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(message: Option<&str>, body: &'static str) -> ApiError {
        ApiError::new(
            "demo",
            "get_thing",
            reqwest::Method::GET,
            "/things/{}",
            StatusCode::NOT_FOUND,
            ErrorFields {
                code: Some("5".into()),
                message: message.map(str::to_owned),
            },
            body.as_bytes(),
        )
    }

    #[test]
    fn api_error_display_is_one_line_naming_provider_method_path_status_message() {
        let e = api(Some("not found"), "{}");
        assert_eq!(
            e.to_string(),
            "demo GET /things/{}: 404 Not Found [5]: not found"
        );
    }

    #[test]
    fn a_withheld_answer_keeps_no_body_and_no_text_that_repeats_its_values() {
        let body = r#"{"status": 2001, "message": "token tok-Zq81x not active", "sessionToken": "tok-Zq81x", "user": {"name": "Grace Hopper"}}"#;
        let quoting = api(Some("token tok-Zq81x not active"), body).withheld(body.as_bytes());
        assert!(quoting.body().is_empty());
        assert_eq!(quoting.message(), None);
        let plain = api(Some("Session limit reached."), body).withheld(body.as_bytes());
        assert_eq!(plain.message(), Some("Session limit reached."));
        assert!(!format!("{plain} {plain:?}").contains("tok-Zq81x"));
        let naming = api(Some("no account for Grace Hopper"), body).withheld(body.as_bytes());
        assert_eq!(naming.message(), None);
        // Not JSON: the body goes, the message stays.
        let html = "<html>tok-Zq81x</html>";
        let page = api(Some("Bad gateway"), html).withheld(html.as_bytes());
        assert_eq!(
            (page.message(), page.body()),
            (Some("Bad gateway"), &b""[..])
        );
    }

    #[test]
    fn withholding_reads_the_whole_answer_not_the_part_kept() {
        let padding = "p".repeat(MAX_ERROR_BODY);
        let body = format!(
            r#"{{"code": "E42", "message": "token tok-Zq81x not active", "padding": "{padding}", "sessionToken": "tok-Zq81x"}}"#
        );
        let kept = api(Some("token tok-Zq81x not active"), "").withheld(body.as_bytes());
        assert_eq!((kept.code(), kept.message()), (Some("5"), None));
        assert!(!format!("{kept} {kept:?}").contains("tok-Zq81x"));
    }

    #[test]
    fn api_error_display_falls_back_to_body_snippet() {
        let e = api(None, "<html>\n<h1>Bad gateway</h1></html>");
        assert!(e.to_string().contains("<html> <h1>Bad gateway</h1></html>"));
        assert!(!e.to_string().contains('\n'));
    }

    #[test]
    fn bodies_are_truncated_to_the_limit_and_copied() {
        let big = Bytes::from(vec![b'x'; MAX_ERROR_BODY * 2]);
        let kept = truncate(&big);
        assert_eq!(kept.len(), MAX_ERROR_BODY);
        assert_ne!(
            kept.as_ptr(),
            big.as_ptr(),
            "a copy, not a slice of the answer"
        );
    }

    /// Asserts that no error in the chain repeats its source's text.
    fn assert_chain_does_not_repeat(e: &(dyn std::error::Error + 'static)) {
        let mut current = e;
        let mut depth = 0;
        while let Some(source) = current.source() {
            let (outer, inner) = (current.to_string(), source.to_string());
            assert!(
                !outer.contains(&inner),
                "{outer:?} repeats its source {inner:?}"
            );
            current = source;
            depth += 1;
        }
        assert!(depth <= 4, "unexpectedly long chain");
    }

    #[test]
    fn display_never_repeats_the_source() {
        let Err(reqwest_error) = crate::exchange::http_client_builder()
            .expect("the SDK's TLS")
            .build()
            .expect("an HTTP client")
            .get("not a url")
            .build()
        else {
            panic!("a relative URL must not build");
        };
        let transport = Error::from(TransportError {
            provider: "demo",
            operation: "get_thing",
            path: "/things/{id}".into(),
            source: std::sync::Arc::new(reqwest_error),
        });
        assert_eq!(transport.to_string(), "demo get_thing: transport error");
        assert!(std::error::Error::source(&transport).is_some());
        assert_chain_does_not_repeat(&transport);

        let Err(serde_error) =
            serde_json::from_str::<std::collections::HashMap<String, u32>>(r#"{"id":"x"}"#)
        else {
            panic!("a string is not a u32");
        };
        let decode = Error::Decode(Box::new(DecodeError::new(
            "demo",
            "get_thing",
            StatusCode::OK,
            br#"{"id":"x"}"#,
            serde_error,
        )));
        assert_eq!(
            decode.to_string(),
            "demo get_thing: cannot decode 200 OK response at `id`"
        );
        let source = std::error::Error::source(&decode).map(ToString::to_string);
        assert!(source.is_some_and(|s| s.contains("invalid type")));
        assert_chain_does_not_repeat(&decode);

        let auth = Error::auth(
            "demo",
            "token endpoint answered 401 Unauthorized",
            Some(api(Some("bad client"), "{}")),
        );
        assert_chain_does_not_repeat(&auth);
        assert_chain_does_not_repeat(&Error::Api(Box::new(api(Some("gone"), "{}"))));
    }

    #[test]
    fn outcome_unknown_names_the_reconcile_key() {
        let e = Error::from(OutcomeUnknownError {
            provider: "bbti",
            operation: "price_product",
            key: Some(ReconcileKey::new("submissionId", "order-1")),
            cause: "timed out after sending".into(),
        });
        assert_eq!(
            e.to_string(),
            "bbti price_product: outcome unknown (timed out after sending); reconcile with submissionId=order-1"
        );
        assert!(!e.is_retryable());
        assert_eq!(
            e.outcome_unknown_key(),
            Some(&ReconcileKey::new("submissionId", "order-1"))
        );
        let unreadable = Error::from(AnswerUnreadableError {
            provider: "dtone",
            operation: "create_transaction",
            status: StatusCode::CREATED,
            key: Some(ReconcileKey::new("external_id", "order-2")),
            cause: "unexpected value at `id`".into(),
        });
        assert_eq!(
            unreadable.to_string(),
            "dtone create_transaction: accepted (201 Created) but the answer is unreadable \
             (unexpected value at `id`); reconcile with external_id=order-2"
        );
        assert_eq!(
            unreadable.outcome_unknown_key(),
            Some(&ReconcileKey::new("external_id", "order-2"))
        );
        assert_eq!(Error::config("x").outcome_unknown_key(), None);
        let journalled = Error::from(JournalledError {
            provider: "dtone",
            operation: "create_transaction",
            key: ReconcileKey::new("external_id", "order-3"),
            state: IntentState::Pending,
        });
        assert_eq!(
            journalled.to_string(),
            "dtone create_transaction: already journalled under external_id=order-3 (pending); \
             not sent again"
        );
        assert_eq!(journalled.outcome_unknown_key(), None);
    }

    #[test]
    fn the_answer_is_an_api_error_or_the_cause_of_an_auth_error() {
        let api_error = Error::Api(Box::new(api(Some("gone"), "{}")));
        assert_eq!(
            api_error.answer().map(ApiError::status),
            Some(StatusCode::NOT_FOUND)
        );
        let auth = Error::auth("demo", "login refused", Some(api(Some("bad id"), "{}")));
        assert_eq!(auth.answer().and_then(ApiError::message), Some("bad id"));
        assert!(auth.api().is_none(), "`api` stays the `Api` variant only");
        let bare = Error::auth("demo", "no token in the answer", None);
        assert!(bare.answer().is_none());
    }

    #[test]
    fn invalid_input_names_its_field() {
        let e = Error::invalid_input("credentials.id", "must not be empty");
        assert!(e.is_invalid_input());
        assert_eq!(e.invalid_field(), Some("credentials.id"));
        let other = Error::signature("bad checksum");
        assert!(!other.is_invalid_input());
        assert_eq!(other.invalid_field(), None);
    }
}
