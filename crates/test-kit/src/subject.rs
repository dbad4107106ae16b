//! A provider under test: the [`Subject`] trait each provider crate
//! implements once (in its `tests/integration/subject.rs`), and the pieces
//! the shared suites ([`options`](crate::options), [`hostile`](crate::hostile),
//! [`faults`](crate::faults), [`money_safety`](crate::money_safety)) build
//! on it.
//!
//! A suite case is a generic `async fn` of its module; the suite's macro
//! ([`options_suite!`](crate::options_suite), ...) expands, in the
//! provider's test binary, to one `#[tokio::test]` per case calling it with
//! the provider's subject, so that each case keeps its own name and failure
//! report.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use partner_sdk_core::{CallOptions, Hooks, ReconcileKey, RetryPolicy};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::{RawRequest, RawServer, Reply};

/// A boxed, `Send` future, as a [`Call`] returns.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What a call through the subject's client comes to: `Ok` when the answer
/// decoded to what the call's success answer says.
pub type Outcome<S> = Result<(), <S as Subject>::Error>;

/// Sends one call through a client of the subject.
pub type Sender<S> =
    Arc<dyn for<'a> Fn(&'a <S as Subject>::Client) -> BoxFuture<'a, Outcome<S>> + Send + Sync>;

/// How the subject's client authenticates.
#[derive(Debug, Clone, Copy)]
pub enum Auth {
    /// Each request carries credentials of its own (a signature): no
    /// endpoint to call first.
    None,
    /// OAuth2 client credentials: a `POST` to the token endpoint at `path`
    /// on the auth server, answered `{"access_token": token, "expires_in":
    /// lifetime}`; the token request is not a call of the provider's API.
    Token {
        /// The token endpoint's path.
        path: &'static str,
        /// The access token the suites' token endpoint hands out.
        token: &'static str,
        /// Its lifetime in seconds.
        lifetime: u64,
    },
    /// A session login: a `POST` to `path` on the API's own server,
    /// answered `answer`; the login is a call of its own (`operation`).
    Session {
        /// The login's path.
        path: &'static str,
        /// The login's path template, as its errors name it.
        template: &'static str,
        /// The login's operation name.
        operation: &'static str,
        /// A successful login's answer.
        answer: &'static str,
        /// How long a session lives, in seconds.
        lifetime: u64,
    },
}

/// The operation name of an OAuth2 token request.
pub const TOKEN_OPERATION: &str = "oauth2_token";

impl Auth {
    /// The path of the endpoint the client calls before the API, if any.
    pub fn path(&self) -> Option<&'static str> {
        match self {
            Auth::None => None,
            Auth::Token { path, .. } | Auth::Session { path, .. } => Some(path),
        }
    }

    /// The operation name errors give a failed token request or login.
    pub fn operation(&self) -> Option<&'static str> {
        match self {
            Auth::None => None,
            Auth::Token { .. } => Some(TOKEN_OPERATION),
            Auth::Session { operation, .. } => Some(operation),
        }
    }

    /// The login's operation and path template when it is a call of its
    /// own, on the API's server.
    pub fn login(&self) -> Option<(&'static str, &'static str)> {
        match self {
            Auth::Session {
                operation,
                template,
                ..
            } => Some((operation, template)),
            _ => None,
        }
    }

    /// The login's operation when it is a call of its own, seen by
    /// `capture` and hooks (a session login; a token request is not).
    pub fn captured(&self) -> Option<&'static str> {
        self.login().map(|(operation, _)| operation)
    }

    /// How long the credentials it hands out live.
    pub fn lifetime(&self) -> Option<Duration> {
        match self {
            Auth::None => None,
            Auth::Token { lifetime, .. } | Auth::Session { lifetime, .. } => {
                Some(Duration::from_secs(*lifetime))
            }
        }
    }

    /// A successful answer of the endpoint, if any.
    pub fn answer(&self) -> Option<String> {
        match self {
            Auth::None => None,
            Auth::Token { lifetime, .. } => Some(self.token_answer(serde_json::json!(lifetime))),
            Auth::Session { answer, .. } => Some((*answer).to_owned()),
        }
    }

    /// A token answer whose `expires_in` is `expires_in` (any JSON value);
    /// an empty object for an auth that is not a token endpoint.
    pub fn token_answer(&self, expires_in: serde_json::Value) -> String {
        let token = match self {
            Auth::Token { token, .. } => *token,
            _ => "",
        };
        serde_json::json!({"access_token": token, "token_type": "Bearer", "expires_in": expires_in})
            .to_string()
    }
}

/// An error answer in the provider's own format.
#[derive(Debug, Clone, Copy)]
pub struct ErrorAnswer {
    /// The body.
    pub body: &'static str,
    /// The code it carries, as `ApiError::code` gives it.
    pub code: &'static str,
    /// The message it carries, as `ApiError::message` gives it.
    pub message: &'static str,
}

/// One call the suites make through the subject's client.
pub struct Call<S: Subject> {
    /// Its operation name, as spans, errors, hooks and `capture` give it.
    pub operation: &'static str,
    /// Its HTTP method.
    pub method: &'static str,
    /// The path it requests, the base URL's own path included.
    pub path: &'static str,
    /// The path template errors and `capture` name.
    pub template: &'static str,
    /// A success answer (for a create, the provider's acceptance).
    pub answer: &'static str,
    /// Personal data the call puts in its URL, which no error may repeat.
    pub personal: Option<&'static str>,
    /// The key an unknown outcome of this create carries.
    pub key: Option<ReconcileKey>,
    /// Sends it; `Ok` only when the answer decoded to what `answer` says.
    pub sender: Sender<S>,
}

impl<S: Subject> Clone for Call<S> {
    fn clone(&self) -> Self {
        Call {
            operation: self.operation,
            method: self.method,
            path: self.path,
            template: self.template,
            answer: self.answer,
            personal: self.personal,
            key: self.key.clone(),
            sender: Arc::clone(&self.sender),
        }
    }
}

impl<S: Subject> fmt::Debug for Call<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Call")
            .field("operation", &self.operation)
            .field("method", &self.method)
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl<S: Subject> Call<S> {
    /// A call of `operation`, a `method` on `path`, sent by `send`; its
    /// path template is `path`, its success answer `{}`, with no personal
    /// data and no key until said otherwise.
    pub fn new(
        operation: &'static str,
        method: &'static str,
        path: &'static str,
        send: impl for<'a> Fn(&'a S::Client) -> BoxFuture<'a, Outcome<S>> + Send + Sync + 'static,
    ) -> Self {
        Call {
            operation,
            method,
            path,
            template: path,
            answer: "{}",
            personal: None,
            key: None,
            sender: Arc::new(send),
        }
    }

    /// With its path template.
    pub fn template(mut self, template: &'static str) -> Self {
        self.template = template;
        self
    }

    /// With its success answer.
    pub fn answer(mut self, answer: &'static str) -> Self {
        self.answer = answer;
        self
    }

    /// With the personal data its URL carries.
    pub fn personal(mut self, personal: &'static str) -> Self {
        self.personal = Some(personal);
        self
    }

    /// With the key an unknown outcome carries.
    pub fn key(mut self, field: &'static str, value: impl Into<String>) -> Self {
        self.key = Some(ReconcileKey::new(field, value));
        self
    }

    /// Sends it through `client`.
    pub fn send<'a>(&self, client: &'a S::Client) -> BoxFuture<'a, Outcome<S>> {
        (self.sender)(client)
    }
}

/// The client settings a suite case builds with; [`with_settings!`](crate::with_settings)
/// applies them to a provider builder.
#[derive(Clone)]
pub struct Settings {
    /// Per-attempt timeout (5 s).
    pub timeout: Duration,
    /// Retry policy (3 attempts, 5 ms first backoff, 2 s cap).
    pub retry: RetryPolicy,
    /// Largest answer read, when not the default.
    pub max_response_body: Option<u64>,
    /// Most pages a listing fetches, when not the default.
    pub max_pages: Option<u32>,
    /// Observer of every attempt.
    pub hooks: Option<Arc<dyn Hooks>>,
    /// The assumed token lifetime of an OAuth2 client, when not the default
    /// (applied by `with_settings!(builder, settings, token)`).
    pub token_lifetime: Option<Duration>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            timeout: Duration::from_secs(5),
            retry: crate::fast_retry(Duration::from_secs(2)),
            max_response_body: None,
            max_pages: None,
            hooks: None,
            token_lifetime: None,
        }
    }
}

impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Settings")
            .field("timeout", &self.timeout)
            .field("retry", &self.retry)
            .field("max_response_body", &self.max_response_body)
            .field("max_pages", &self.max_pages)
            .field("hooks", &self.hooks.is_some())
            .field("token_lifetime", &self.token_lifetime)
            .finish()
    }
}

/// Applies [`Settings`] (`$settings`, a `&Settings`) to a provider
/// `ClientBuilder` (`$builder`) through the setters every builder has
/// (`partner_sdk_core::http_settings_methods!`); with `token`, also the
/// assumed token lifetime an OAuth2 builder takes
/// (`default_token_lifetime`).
#[macro_export]
macro_rules! with_settings {
    ($builder:expr, $settings:expr, token) => {{
        let settings: &$crate::subject::Settings = $settings;
        let mut builder = $crate::with_settings!($builder, settings);
        if let ::std::option::Option::Some(lifetime) = settings.token_lifetime {
            builder = builder.default_token_lifetime(lifetime);
        }
        builder
    }};
    ($builder:expr, $settings:expr) => {{
        let settings: &$crate::subject::Settings = $settings;
        let mut builder = $builder
            .timeout(settings.timeout)
            .retry_policy(settings.retry);
        if let ::std::option::Option::Some(bytes) = settings.max_response_body {
            builder = builder.max_response_body(bytes);
        }
        if let ::std::option::Option::Some(pages) = settings.max_pages {
            builder = builder.max_pages(pages);
        }
        if let ::std::option::Option::Some(hooks) = &settings.hooks {
            builder = builder.hooks(::std::sync::Arc::clone(hooks));
        }
        builder
    }};
}

/// Writes the parts of a [`Subject`] every provider has alike, by the
/// workspace's vocabulary: its `Client`, `Error` and `ErrorCode` types,
/// and `with_options`, `as_core`, `code` and `has_api_body` through the
/// inherent methods every provider client and error have.
/// Invoked inside the subject's `impl Subject`:
/// `partner_sdk_test_kit::provider_subject!(Client, Error, ErrorCode);`.
#[macro_export]
macro_rules! provider_subject {
    ($client:ty, $error:ty, $code:ty $(,)?) => {
        type Client = $client;
        type Error = $error;
        type Code = $code;

        fn with_options(client: &$client, options: $crate::__core::CallOptions) -> $client {
            client.with_options(options)
        }

        fn as_core(error: &$error) -> ::std::option::Option<&$crate::__core::Error> {
            error.as_core()
        }

        fn code(error: &$error) -> ::std::option::Option<$code> {
            error.code()
        }

        fn has_api_body(error: &$error) -> bool {
            error.api_body().is_some()
        }
    };
}

/// A provider under test, as the shared suites see it: how to build its
/// client, how it authenticates, one read and its creates, and how its
/// errors and headers look.
pub trait Subject: Sized + 'static {
    /// The provider's client.
    type Client: Clone + Send + Sync + 'static;
    /// The provider's error.
    type Error: fmt::Debug + fmt::Display + Send + Sync + 'static;
    /// The provider's typed error code.
    type Code: fmt::Debug + PartialEq;

    /// The provider's name in `CallInfo` and errors.
    const PROVIDER: &'static str;
    /// The credentials the client is built with (id, secret); no error
    /// text repeats the id, no `Debug` the secret.
    const CREDENTIALS: (&'static str, &'static str);
    /// How the client authenticates.
    const AUTH: Auth;
    /// The headers every API call carries, with their values (given the
    /// answer of [`AUTH`](Self::AUTH)'s endpoint).
    const SENT_HEADERS: &'static [(&'static str, &'static str)];
    /// The headers the client sets that a call's options cannot replace
    /// (beyond `Authorization`, which no call option may set).
    const PROTECTED_HEADERS: &'static [&'static str];
    /// An error answer in the provider's format.
    const ERROR: ErrorAnswer;
    /// The typed code of [`ERROR`](Self::ERROR).
    const CODE: Self::Code;
    /// Answers in the provider's own format that say "internal error, try
    /// later" (`(status, body)`): a create so answered has an unknown
    /// outcome. None by default.
    const INTERNAL_ERRORS: &'static [(u16, &'static str)] = &[];

    /// A client for the API on the server at `api` (its base URI, e.g.
    /// `http://127.0.0.1:4321`), whose token endpoint, if it has one, is on
    /// the server at `auth` ([`Auth::Token`]'s path appended), built with
    /// `settings`.
    fn build(api: &str, auth: &str, settings: &Settings) -> Self::Client;

    /// `client.with_options(options)`.
    fn with_options(client: &Self::Client, options: CallOptions) -> Self::Client;

    /// The core error `error` wraps, if any (`error.as_core()`).
    fn as_core(error: &Self::Error) -> Option<&partner_sdk_core::Error>;

    /// The typed code of the provider's answer in `error` (`error.code()`).
    fn code(error: &Self::Error) -> Option<Self::Code>;

    /// Whether the provider's answer in `error` has the provider's error
    /// format (`error.api_body().is_some()`).
    fn has_api_body(error: &Self::Error) -> bool;

    /// The read the suites make: retried when safe, with a success answer.
    fn read() -> Call<Self>;

    /// Every create, the first the one the suites make beside the read;
    /// none for a provider that creates nothing.
    fn creates() -> Vec<Call<Self>> {
        Vec::new()
    }
}

/// A subject whose calls take ids put in the URL path.
pub trait Ids: Subject {
    /// Every call taking an id, given `id`, with the field its input error
    /// names.
    fn id_calls<'a>(
        client: &'a Self::Client,
        id: &'a str,
    ) -> Vec<(&'static str, BoxFuture<'a, Outcome<Self>>)>;
}

/// A subject with a listing fetched page after page.
pub trait Pages: Subject {
    /// The `n`-th page (from 0) of a listing that never ends: one item, and
    /// a next page.
    fn endless_page(n: usize) -> String;

    /// Collects the listing's stream: one outcome per item, then the
    /// error that ended it, if any.
    fn list_all(client: &Self::Client) -> BoxFuture<'_, Vec<Outcome<Self>>>;
}

/// The core error in `error`.
///
/// # Panics
///
/// When `error` is the provider's own (a test helper).
#[allow(clippy::panic)]
pub fn core<S: Subject>(error: &S::Error) -> &partner_sdk_core::Error {
    S::as_core(error).unwrap_or_else(|| panic!("not a core error: {error:?}"))
}

/// The core error of an outcome, for
/// [`assert_create_outcome`](crate::assert_create_outcome).
pub fn core_outcome<S: Subject>(outcome: &Outcome<S>) -> Result<(), &partner_sdk_core::Error> {
    outcome.as_ref().map(|_| ()).map_err(core::<S>)
}

/// The auth endpoint's path and operation.
///
/// # Panics
///
/// When the subject has none (a suite case run on the wrong subject).
#[allow(clippy::panic)]
pub fn auth_endpoint<S: Subject>() -> (&'static str, &'static str) {
    match (S::AUTH.path(), S::AUTH.operation()) {
        (Some(path), Some(operation)) => (path, operation),
        _ => panic!("{}: the subject has no auth endpoint", S::PROVIDER),
    }
}

/// A client of the subject whose API and auth are both on the server at
/// `uri`, built with `settings`.
pub fn client_on<S: Subject>(uri: &str, settings: &Settings) -> S::Client {
    S::build(uri, uri, settings)
}

/// A client of the subject on `server`, with the default [`Settings`].
pub fn client<S: Subject>(server: &MockServer) -> S::Client {
    client_on::<S>(&server.uri(), &Settings::default())
}

/// A wiremock server whose auth endpoint, if the subject has one,
/// answers with success.
pub async fn server<S: Subject>() -> MockServer {
    let server = MockServer::start().await;
    if let Some(answer) = S::AUTH.answer() {
        mount_auth::<S>(&server, json(200, &answer)).await;
    }
    server
}

/// Mounts `template` on the subject's auth endpoint (nothing without one).
pub async fn mount_auth<S: Subject>(server: &MockServer, template: ResponseTemplate) {
    if let Some(auth) = S::AUTH.path() {
        Mock::given(method("POST"))
            .and(path(auth))
            .respond_with(template)
            .mount(server)
            .await;
    }
}

/// Mounts `template` on `call`'s method and path.
pub async fn mount<S: Subject>(server: &MockServer, call: &Call<S>, template: ResponseTemplate) {
    Mock::given(method(call.method))
        .and(path(call.path))
        .respond_with(template)
        .mount(server)
        .await;
}

/// A `status` answer whose body is `body` as `application/json`.
pub fn json(status: u16, body: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_raw(body.as_bytes().to_vec(), "application/json")
}

/// How many requests `server` received for `call`.
pub async fn sent<S: Subject>(server: &MockServer, call: &Call<S>) -> usize {
    crate::count_at(server, call.path).await
}

/// How many requests `server` received on the auth endpoint (0 without one).
pub async fn sent_to_auth<S: Subject>(server: &MockServer) -> usize {
    match S::AUTH.path() {
        Some(auth) => crate::count_at(server, auth).await,
        None => 0,
    }
}

/// Asserts the client on `server` logged in or fetched its token once
/// (when it has an auth endpoint), whatever happened to its calls after.
pub async fn assert_one_login<S: Subject>(server: &MockServer) {
    let expected = usize::from(S::AUTH.path().is_some());
    assert_eq!(sent_to_auth::<S>(server).await, expected, "one login");
}

/// [`assert_one_login`] for a [`raw_server`].
pub fn assert_one_raw_login<S: Subject>(server: &RawServer) {
    let expected = usize::from(S::AUTH.path().is_some());
    assert_eq!(raw_auth_requests::<S>(server).len(), expected, "one login");
}

/// A [`RawServer`] answering the subject's auth endpoint with `auth` (given
/// the index among auth requests) and every other request with `api`
/// (given the index among those).
pub async fn raw_server<S: Subject>(
    auth: impl Fn(usize) -> Reply + Send + Sync + 'static,
    api: impl Fn(&RawRequest, usize) -> Reply + Send + Sync + 'static,
) -> RawServer {
    let logins = AtomicUsize::new(0);
    let calls = AtomicUsize::new(0);
    RawServer::start(move |request, _| {
        if Some(request.path()) == S::AUTH.path() {
            auth(logins.fetch_add(1, Ordering::SeqCst))
        } else {
            api(request, calls.fetch_add(1, Ordering::SeqCst))
        }
    })
    .await
}

/// The auth endpoint's success, as a [`Reply`] (for [`raw_server`]).
pub fn auth_reply<S: Subject>() -> Reply {
    Reply::json(200, S::AUTH.answer().unwrap_or_default())
}

/// The requests a [`raw_server`] received on the subject's auth endpoint.
pub fn raw_auth_requests<S: Subject>(server: &RawServer) -> Vec<RawRequest> {
    let mut all = server.requests();
    all.retain(|r| Some(r.path()) == S::AUTH.path());
    all
}

/// The requests a [`raw_server`] received beside the auth endpoint.
pub fn raw_api_requests<S: Subject>(server: &RawServer) -> Vec<RawRequest> {
    let mut all = server.requests();
    all.retain(|r| Some(r.path()) != S::AUTH.path());
    all
}

/// An address on loopback where nothing listens (connections refused),
/// as a base URI.
///
/// # Panics
///
/// When no loopback port can be bound (a test helper).
#[allow(clippy::expect_used)]
pub fn refusing_uri() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
    let addr = listener.local_addr().expect("local address");
    drop(listener);
    format!("http://{addr}")
}

/// Expands to one `#[tokio::test]` per case of a suite module: `case`
/// calls `$crate::$suite::case::<$subject>()`, `name => case(args)` calls
/// `$crate::$suite::case::<$subject>(args)` under its own name; `paused`
/// starts tokio's clock paused.
#[doc(hidden)]
#[macro_export]
macro_rules! __suite_cases {
    ($subject:ty, $suite:ident, [$($name:ident => $case:ident($($arg:expr),*)),* $(,)?]) => {
        $(
            #[tokio::test]
            async fn $name() {
                $crate::$suite::$case::<$subject>($($arg),*).await;
            }
        )*
    };
    ($subject:ty, $suite:ident, [$($case:ident),* $(,)?]) => {
        $(
            #[tokio::test]
            async fn $case() {
                $crate::$suite::$case::<$subject>().await;
            }
        )*
    };
    (paused $subject:ty, $suite:ident, [$($case:ident),* $(,)?]) => {
        $(
            #[tokio::test(start_paused = true)]
            async fn $case() {
                $crate::$suite::$case::<$subject>().await;
            }
        )*
    };
}
