//! The vocabulary the four provider crates share (ARCHITECTURE.md,
//! "Vocabulary"), side by side: each shared name is named or called on each
//! client, builder and error type, with its signature, so that renaming one
//! in any crate fails this build; and every public client method, called
//! against the sandbox, sends under its own name and follows the listing,
//! record, stream and create rules.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use futures::{Stream, StreamExt as _};
use partner_sdk::core::reqwest::StatusCode;
use partner_sdk::core::{self as sdk_core, Url};
use partner_sdk::dtone::dvs;
use partner_sdk::{bbti, brighte, dtone, tradein_promo};
use partner_sdk_test_kit::Aged;

/// Signatures every provider crate has in common.
macro_rules! shared_vocabulary {
    ($p:ident) => {{
        // Client and builder.
        let _: fn() -> $p::ClientBuilder = $p::Client::builder;
        let _: fn($p::ClientBuilder) -> $p::Result<$p::Client> = $p::ClientBuilder::build;
        let _: fn($p::ClientBuilder, &str, &str) -> $p::ClientBuilder =
            |b, id, secret| b.credentials(id, secret);
        let _: fn($p::ClientBuilder, &str) -> $p::ClientBuilder = |b, url| b.base_url(url);
        let _: fn(&$p::Client) -> &Url = $p::Client::base_url;
        // The HTTP settings every builder takes.
        let _: fn($p::ClientBuilder) -> $p::ClientBuilder = |b| {
            b.timeout(Duration::from_secs(1))
                .connect_timeout(Duration::from_secs(1))
                .retry_policy($p::RetryPolicy::none())
                .user_agent_suffix("vocabulary")
                .http_client(
                    sdk_core::exchange::http_client_builder()
                        .expect("the SDK's TLS")
                        .build()
                        .expect("an HTTP client"),
                )
        };
        let _: fn($p::ClientBuilder, std::sync::Arc<dyn $p::Hooks>) -> $p::ClientBuilder =
            $p::ClientBuilder::hooks;
        // Error accessors.
        let _: fn(&$p::Error) -> Option<&sdk_core::Error> = $p::Error::as_core;
        let _: fn(&$p::Error) -> Option<StatusCode> = $p::Error::status;
        let _: fn(&$p::Error) -> bool = $p::Error::is_retryable;
        let _: fn(&$p::Error) -> bool = $p::Error::is_invalid_input;
        let _: fn(&$p::Error) -> Option<&sdk_core::ApiError> = $p::Error::api;
        let _: fn(&$p::Error) -> Option<$p::ErrorCode> = $p::Error::code;
        let _: fn(&$p::Error) -> Option<&str> = $p::Error::invalid_field;
        let _: fn(&$p::Error) -> Option<&sdk_core::ReconcileKey> = $p::Error::outcome_unknown_key;
        let _: fn(&$p::Error) -> Option<$p::ApiErrorBody> = $p::Error::api_body;
        // Error codes and the error body.
        let _: fn(&str) -> Option<$p::ErrorCode> = $p::ErrorCode::parse;
        let _: &[$p::ErrorCode] = $p::ErrorCode::KNOWN;
        let _: fn(&$p::ErrorCode) -> bool = $p::ErrorCode::is_other;
        let _: fn(&sdk_core::ApiError) -> Option<$p::ApiErrorBody> = $p::ApiErrorBody::from_api;
        let _: fn(sdk_core::Error) -> $p::Error = $p::Error::from;
        // Clone, as the core's error is.
        let _: fn(&$p::Error) -> $p::Error = Clone::clone;
        // Re-exports: the same types as the core's.
        let _: fn($p::core::Error) -> sdk_core::Error = |e| e;
        let _: fn($p::RetryPolicy) -> sdk_core::RetryPolicy = |r| r;
        let _: fn($p::ApiError) -> sdk_core::ApiError = |e| e;
        let _: fn($p::Decimal) -> sdk_core::Decimal = |d| d;
        let _: for<'a> fn($p::CallInfo<'a>) -> sdk_core::CallInfo<'a> = |c| c;
        let _: fn(&dyn $p::Hooks) -> &dyn sdk_core::Hooks = |h| h;
        // One page type and one stream alias.
        let _: fn($p::Page<u8, u32>) -> sdk_core::Page<u8, u32> = |p| p;
        let _: fn($p::ItemStream<u8>) -> sdk_core::ItemStream<u8, $p::Error> = |s| s;
    }};
}

fn is_stream_of<T, S: Stream<Item = Result<T, E>>, E>(_: &S) {}

#[test]
fn every_provider_shares_the_vocabulary() {
    shared_vocabulary!(bbti);
    shared_vocabulary!(brighte);
    shared_vocabulary!(tradein_promo);
    shared_vocabulary!(dtone);
    shared_vocabulary!(dvs);

    // Assumed token lifetime, for the OAuth2 providers.
    let _: fn(bbti::ClientBuilder, Duration) -> bbti::ClientBuilder =
        bbti::ClientBuilder::default_token_lifetime;
    let _: fn(tradein_promo::ClientBuilder, Duration) -> tradein_promo::ClientBuilder =
        tradein_promo::ClientBuilder::default_token_lifetime;
    let _: Duration = bbti::DEFAULT_TOKEN_LIFETIME;
    let _: Duration = tradein_promo::DEFAULT_TOKEN_LIFETIME;
}

/// One page is `list_<things>(query)`, every page `<things>(query)` (a
/// stream), one record `get_<thing>(id)`. Compiled, never run: the calls
/// only have to type-check.
#[allow(dead_code, clippy::let_underscore_future)]
fn pages_streams_and_records(
    bbti: &bbti::Client,
    brighte: &brighte::Client,
    dtone: &dtone::Client,
) {
    let models = bbti::ModelQuery::new();
    let prices = bbti::PriceQuery::new();
    let _ = bbti.list_models(&models);
    is_stream_of::<bbti::ModelAttributes, _, _>(&bbti.models(&models));
    let _ = bbti.list_prices(&prices);
    is_stream_of::<bbti::ModelPrice, _, _>(&bbti.prices(&prices));
    let _ = bbti.get_transaction("tx-1");

    let query = brighte::ListQuery::new().page(2);
    let _ = brighte.list_applications(&query);
    is_stream_of::<brighte::Application, _, _>(&brighte.applications(&query));
    let _ = brighte.list_quotes(&query);
    is_stream_of::<brighte::Quote, _, _>(&brighte.quotes(&query));
    let _ = brighte.list_users(&query);
    is_stream_of::<brighte::User, _, _>(&brighte.users(&query));
    let _ = brighte.get_application("1");
    let _ = brighte.get_quote("1");
    let _ = brighte.get_user("1");

    let _ = dtone.get_transaction_by_external_id(dtone::Category::FixedValueRecharges, "order-1");
}

fn resolves_to<T, F: std::future::Future<Output = T>>(_: F) {}

/// Crash-safe creates, in every provider crate that has creates: the
/// builder's `journal`, and `recover()` / `recover_older_than(grace)`
/// answering the core's one `RecoveryReport`. Compiled, never run.
#[allow(dead_code, clippy::let_underscore_future)]
fn journal_and_recovery(
    bbti: &bbti::Client,
    brighte: &brighte::Client,
    dtone: &dtone::Client,
    dvs_client: &dvs::Client,
) {
    use partner_sdk::journal::{JournalStore, RecoveryReport};
    use std::sync::Arc;

    macro_rules! recovery_vocabulary {
        ($p:ident, $client:expr) => {{
            let _: fn($p::ClientBuilder, Arc<dyn JournalStore>) -> $p::ClientBuilder =
                $p::ClientBuilder::journal;
            let _: $p::Call<'_, RecoveryReport> = $client.recover();
            let _: $p::Call<'_, RecoveryReport> =
                $client.recover_older_than(Duration::from_secs(60));
            resolves_to::<$p::Result<RecoveryReport>, _>($client.recover());
        }};
    }
    recovery_vocabulary!(bbti, bbti);
    recovery_vocabulary!(brighte, brighte);
    recovery_vocabulary!(dtone, dtone);
    recovery_vocabulary!(dvs, dvs_client);
}

fn send_unpin<T: Send + Unpin>(_: &T) {}

/// Creates return the provider's `Call` (a boxed future compiled in the
/// provider's crate: ARCHITECTURE.md, "Dependencies and build cost"),
/// `Send` and `Unpin`, resolving to the provider's `Result`. Compiled, never
/// run.
#[allow(dead_code, clippy::let_underscore_future)]
fn creates_return_a_call(
    bbti: &bbti::Client,
    brighte: &brighte::Client,
    dtone: &dtone::Client,
    dvs_client: &dvs::Client,
) {
    let pricing = bbti::PriceProductRequest::default();
    let create: bbti::Call<'_, bbti::PriceResponse> = bbti.price_products(&pricing);
    send_unpin(&create);
    resolves_to::<bbti::Result<bbti::PriceResponse>, _>(create);

    let payment: brighte::Call<'_, brighte::Application> = brighte.request_application_payment("1");
    send_unpin(&payment);

    let request = dtone::TransactionRequest::new("+50212345678", 101, "order-1");
    let category = dtone::Category::FixedValueRecharges;
    let create: dtone::Call<'_, dtone::Transaction> = dtone.create_transaction(category, &request);
    send_unpin(&create);
    let _: dtone::Call<'_, dtone::Transaction> = dtone.create_or_resolve(category, &request);

    let order = dvs::TransactionRequest::new("order-1", 3001);
    let create: dvs::Call<'_, dvs::Transaction> = dvs_client.create_transaction(&order);
    send_unpin(&create);
    resolves_to::<dvs::Result<dvs::Transaction>, _>(create);
    let _: dvs::Call<'_, dvs::Transaction> = dvs_client.confirm_transaction(1);
}

/// The field an invalid credential names, for every provider.
fn credential_field(err: Option<&sdk_core::Error>) -> String {
    match err {
        Some(sdk_core::Error::InvalidInput(e)) => e.field.to_string(),
        other => panic!("expected InvalidInput, got {other:?}"),
    }
}

#[test]
fn an_empty_secret_is_invalid_input_naming_the_setting_in_all_four() {
    let err = bbti::Client::builder()
        .base_url("http://127.0.0.1:1")
        .token_url("http://127.0.0.1:2/auth/v1/token")
        .credentials("id", "")
        .build()
        .unwrap_err();
    assert!(err.is_invalid_input() && !err.is_retryable());
    assert_eq!(credential_field(err.as_core()), "credentials.secret");

    let err = brighte::Client::builder()
        .base_url("http://127.0.0.1:1")
        .credentials("id", "")
        .build()
        .unwrap_err();
    assert!(err.is_invalid_input() && !err.is_retryable());
    assert_eq!(credential_field(err.as_core()), "credentials.secret");

    let err = tradein_promo::Client::builder()
        .base_url("http://127.0.0.1:1")
        .token_url("http://127.0.0.1:2/token")
        .scope("scope")
        .credentials("id", "")
        .build()
        .unwrap_err();
    assert!(err.is_invalid_input() && !err.is_retryable());
    assert_eq!(credential_field(err.as_core()), "credentials.secret");

    let err = dtone::Client::builder()
        .base_url("http://127.0.0.1:1")
        .credentials("key", "")
        .build()
        .unwrap_err();
    assert!(err.is_invalid_input() && !err.is_retryable());
    assert_eq!(credential_field(err.as_core()), "credentials.secret");
    assert!(err.status().is_none() && err.api().is_none() && err.code().is_none());
}

#[test]
fn base_url_is_the_url_the_builder_was_given_in_all_four() {
    let bbti = bbti::Client::builder()
        .base_url("http://127.0.0.1:1/bbti")
        .token_url("http://127.0.0.1:2/auth/v1/token")
        .credentials("id", "secret")
        .build()
        .unwrap();
    let brighte = brighte::Client::builder()
        .base_url("http://127.0.0.1:1/brighte")
        .build()
        .unwrap();
    let promo = tradein_promo::Client::builder()
        .base_url("http://127.0.0.1:1/omni-svcs")
        .token_url("http://127.0.0.1:2/token")
        .credentials("id", "secret")
        .scope("scope")
        .build()
        .unwrap();
    let dtone = dtone::Client::builder()
        .base_url("http://127.0.0.1:1/v1.1")
        .credentials("key", "secret")
        .build()
        .unwrap();
    let paths = [
        bbti.base_url().path(),
        brighte.base_url().path(),
        promo.base_url().path(),
        dtone.base_url().path(),
    ];
    for (path, expected) in paths
        .iter()
        .zip(["/bbti", "/brighte", "/omni-svcs", "/v1.1"])
    {
        assert_eq!(path.trim_end_matches('/'), expected);
    }
}

/// Walks the source chain: no error repeats the text of its source.
fn assert_chain_does_not_repeat(e: &(dyn std::error::Error + 'static)) {
    let mut current = e;
    while let Some(source) = current.source() {
        let (outer, inner) = (current.to_string(), source.to_string());
        assert!(
            !outer.contains(&inner),
            "{outer:?} repeats its source {inner:?}"
        );
        current = source;
    }
}

#[test]
fn provider_errors_leave_the_cause_to_source_in_all_four() {
    let transport = || {
        let Err(source) = sdk_core::exchange::http_client_builder()
            .expect("the SDK's TLS")
            .build()
            .expect("an HTTP client")
            .get("not a url")
            .build()
        else {
            panic!("a relative URL must not build");
        };
        sdk_core::Error::from(sdk_core::TransportError {
            provider: "demo",
            operation: "get_thing",
            path: "/things/{id}".into(),
            source: std::sync::Arc::new(source),
        })
    };
    let errors: [Box<dyn std::error::Error>; 4] = [
        Box::new(bbti::Error::from(transport())),
        Box::new(brighte::Error::from(transport())),
        Box::new(tradein_promo::Error::from(transport())),
        Box::new(dtone::Error::from(transport())),
    ];
    for e in &errors {
        assert!(e.source().is_some(), "{e}");
        assert_chain_does_not_repeat(e.as_ref());
    }
}

#[test]
fn every_provider_error_names_the_reconcile_key_of_an_unknown_outcome() {
    let unknown = || {
        sdk_core::Error::from(sdk_core::OutcomeUnknownError {
            provider: "demo",
            operation: "create_thing",
            key: Some(sdk_core::ReconcileKey::new("external_id", "order-1")),
            cause: "timed out after sending".into(),
        })
    };
    let key = sdk_core::ReconcileKey::new("external_id", "order-1");
    let want = Some(&key);
    assert_eq!(bbti::Error::from(unknown()).outcome_unknown_key(), want);
    assert_eq!(brighte::Error::from(unknown()).outcome_unknown_key(), want);
    assert_eq!(
        tradein_promo::Error::from(unknown()).outcome_unknown_key(),
        want
    );
    assert_eq!(dtone::Error::from(unknown()).outcome_unknown_key(), want);
    let checkout = brighte::Error::from(brighte::CheckoutError {
        code: "10002".into(),
        message: "invalid data".into(),
    });
    assert!(checkout.as_core().is_none() && checkout.outcome_unknown_key().is_none());
}

/// `build()` without `base_url` is the same configuration error in all four
/// builders: no builder defaults to a production host (DT One and Brighte
/// name theirs in `PRODUCTION_URL`).
#[test]
fn every_builder_requires_base_url() {
    let missing_base_url = |err: Option<&sdk_core::Error>| match err {
        Some(sdk_core::Error::Config(message)) => {
            assert!(message.reason.contains("base_url is required"), "{message}")
        }
        other => panic!("expected a missing base_url, got {other:?}"),
    };
    let bbti = bbti::Client::builder()
        .token_url("http://127.0.0.1:2/auth/v1/token")
        .credentials("id", "secret")
        .build()
        .unwrap_err();
    missing_base_url(bbti.as_core());
    let brighte = brighte::Client::builder()
        .credentials("id", "secret")
        .build()
        .unwrap_err();
    missing_base_url(brighte.as_core());
    let promo = tradein_promo::Client::builder()
        .token_url("http://127.0.0.1:2/token")
        .credentials("id", "secret")
        .scope("scope")
        .build()
        .unwrap_err();
    missing_base_url(promo.as_core());
    let dtone = dtone::Client::builder()
        .credentials("key", "secret")
        .build()
        .unwrap_err();
    missing_base_url(dtone.as_core());

    let _: &str = brighte::PRODUCTION_URL;
    let _: &str = dtone::PRODUCTION_URL;
    // Both OAuth2 builders take the token endpoint as a full URL.
    let _: fn(bbti::ClientBuilder, &str) -> bbti::ClientBuilder = |b, url| b.token_url(url);
    let _: fn(tradein_promo::ClientBuilder, &str) -> tradein_promo::ClientBuilder =
        |b, url| b.token_url(url);
    // The error bodies are `<Provider>ErrorBody`.
    let _: [&dyn sdk_core::ErrorBody; 4] = [
        &bbti::BbtiErrorBody,
        &brighte::BrighteErrorBody,
        &tradein_promo::TradeinPromoErrorBody,
        &dtone::DtoneErrorBody,
    ];
}

// Every public client method, called against the sandbox: the operation
// each request carries (spans, errors, hooks, journal keys) is the method's
// own name, and the method's kind follows the listing and create rules
// (ARCHITECTURE.md, "Vocabulary"). The rows are written with `op!`, which
// takes the method's name from the call itself, pins the call's type by
// its kind, awaits it and records the operations the client sent.

/// What a `list_<things>` method answers: one page, or the whole answer at
/// once (a `Vec`, or DT One's `Products`, the six category lists of one
/// answer).
trait Listing {}
impl<T> Listing for Vec<T> {}
impl<T, C> Listing for sdk_core::Page<T, C> {}
impl Listing for dtone::Products {}

/// What a `get_<thing>` method answers: one record.
trait Record {}
impl Record for bbti::Transaction {}
impl Record for brighte::Application {}
impl Record for brighte::Quote {}
impl Record for brighte::User {}
impl Record for brighte::Content {}
impl Record for tradein_promo::PromotionResponse {}
impl Record for dtone::Transaction {}
impl Record for dtone::Bill {}
impl Record for dvs::Service {}
impl Record for dvs::Country {}
impl Record for dvs::Operator {}
impl Record for dvs::Promotion {}
impl Record for dvs::Campaign {}
impl Record for dvs::Product {}
impl Record for dvs::Transaction {}

/// `list_<things>`: an `async fn` answering a [`Listing`].
fn listing<T: Listing, E, F: Future<Output = Result<T, E>>>(call: F) -> F {
    call
}

/// `get_<thing>`: an `async fn` answering one [`Record`].
fn record<T: Record, E, F: Future<Output = Result<T, E>>>(call: F) -> F {
    call
}

/// `<things>`: every item over every page, the core's `ItemStream`
/// (collected here).
async fn stream<T, E>(items: sdk_core::ItemStream<T, E>) -> Vec<Result<T, E>> {
    items.collect().await
}

/// A create (a request sent at most once): the provider's `Call`.
fn create<T, E>(call: sdk_core::provider::Call<'_, T, E>) -> sdk_core::provider::Call<'_, T, E> {
    call
}

/// `recover` and `recover_older_than`: a `Call` answering the report.
fn recovery<E>(
    call: sdk_core::provider::Call<'_, partner_sdk::journal::RecoveryReport, E>,
) -> sdk_core::provider::Call<'_, partner_sdk::journal::RecoveryReport, E> {
    call
}

/// Any other method: reads, updates, deletes, idempotent POSTs.
fn other<F: Future>(call: F) -> F {
    call
}

/// One public client method as called: its name, its kind (the function
/// that pinned its type) and the operations of the requests it sent.
#[derive(Debug)]
struct Row {
    method: &'static str,
    kind: &'static str,
    operations: Vec<&'static str>,
}

/// Calls `client.method(args)` as a method of `kind`, records its row in
/// `rows` with the operations `ops` saw, and evaluates to its output.
macro_rules! op {
    ($rows:ident, $ops:ident, $kind:ident, $client:ident . $method:ident ( $($arg:expr),* $(,)? )) => {{
        let output = $kind($client.$method($($arg),*)).await;
        $rows.push(Row {
            method: stringify!($method),
            kind: stringify!($kind),
            operations: $ops.take(),
        });
        output
    }};
}

/// Records the operation of every request a client sends.
#[derive(Default)]
struct Operations(std::sync::Mutex<Vec<&'static str>>);

impl Operations {
    /// The operations recorded since the last call.
    fn take(&self) -> Vec<&'static str> {
        std::mem::take(&mut *self.0.lock().unwrap())
    }
}

impl sdk_core::Hooks for Operations {
    fn before_send(&self, call: &sdk_core::CallInfo<'_>) {
        self.0.lock().unwrap().push(call.operation);
    }
}

/// The requests an auth sends for every call it serves, named after what
/// they do: Brighte's session login.
const AUTH_OPERATIONS: [&str; 1] = ["create_session"];

/// Writes a pending intent, as a process that died after sending leaves
/// it, for a recovery to look up.
async fn pending(
    journal: &Aged,
    provider: &str,
    operation: &str,
    field: &'static str,
    value: &str,
) {
    use partner_sdk::journal::{IntentKey, JournalStore as _, NewIntent, RequestDigest};
    let key = IntentKey::new(provider, operation, field, value);
    let intent = NewIntent::new(key, RequestDigest::of(value.as_bytes()));
    assert!(matches!(
        journal.begin(&intent, Duration::ZERO).await.unwrap(),
        partner_sdk::journal::Begin::Fresh(_)
    ));
}

/// A public method of `Client` as its crate's source declares it.
#[derive(Debug)]
struct Declared {
    name: String,
    is_async: bool,
    returns_call: bool,
}

/// Every `pub fn` of an `impl Client` block in the sources of
/// `crates/<dir>/src`, or of `crates/<crate>/src/<module>` for a `dir` of
/// `<crate>/<module>` (a second client in a crate, DT One's `dvs`). A
/// subdirectory with a `client.rs` of its own holds another client and is
/// left to its own rows.
fn declared_methods(dir: &str) -> Vec<Declared> {
    fn sources(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                if !path.join("client.rs").exists() {
                    sources(&path, out);
                }
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let (krate, module) = dir.split_once('/').unwrap_or((dir, ""));
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("crates")
        .join(krate)
        .join("src")
        .join(module);
    let mut files = Vec::new();
    sources(&root, &mut files);
    let mut methods = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        // `provider_recovery!` writes `recover` and `recover_older_than`,
        // both returning the provider's `Call`.
        if lines.contains(&"partner_sdk_core::provider_recovery! {") {
            for name in ["recover", "recover_older_than"] {
                methods.push(Declared {
                    name: name.to_owned(),
                    is_async: false,
                    returns_call: true,
                });
            }
        }
        let mut in_client = false;
        for (i, line) in lines.iter().enumerate() {
            match *line {
                "impl Client {" => in_client = true,
                "}" => in_client = false,
                _ if in_client => {
                    let Some(rest) = line.strip_prefix("    pub ") else {
                        continue;
                    };
                    let (is_async, rest) = match rest.strip_prefix("async ") {
                        Some(rest) => (true, rest),
                        None => (false, rest),
                    };
                    let Some(rest) = rest.strip_prefix("fn ") else {
                        continue;
                    };
                    let name: String = rest
                        .chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_')
                        .collect();
                    let end = lines[i..]
                        .iter()
                        .position(|l| l.trim_end().ends_with('{'))
                        .unwrap();
                    let signature = lines[i..=i + end].join(" ");
                    methods.push(Declared {
                        name,
                        is_async,
                        returns_call: signature.contains("-> Call<"),
                    });
                }
                _ => {}
            }
        }
    }
    methods
}

/// Checks what the rows of one provider's client say: each method sent its
/// requests under its own name; `list_*`, `get_*`, bare plurals and creates
/// are what the rules say; no method is named `all_*`; and the rows call
/// every public method the crate declares (but `accessors`, which send
/// nothing).
fn check_rows(provider: &str, dir: &str, accessors: &[&str], rows: &[Row]) {
    for row in rows {
        let method = row.method;
        if method == "login" {
            // The session login itself, the one every vendor call shares.
            assert_eq!(row.operations, AUTH_OPERATIONS, "{provider} {method}");
        } else {
            let own: Vec<_> = row
                .operations
                .iter()
                .filter(|op| !AUTH_OPERATIONS.contains(op))
                .collect();
            assert!(!own.is_empty(), "{provider} {method} sent nothing");
            assert!(
                own.iter().all(|op| **op == method),
                "{provider} {method} sent {:?}",
                row.operations
            );
        }
        assert!(!method.starts_with("all_"), "{provider} {method}");
        assert_eq!(
            row.kind == "listing",
            method.starts_with("list_"),
            "{provider} {method} is a {}",
            row.kind
        );
        assert_eq!(
            row.kind == "record",
            method.starts_with("get_"),
            "{provider} {method} is a {}",
            row.kind
        );
        if row.kind == "stream" {
            let one_page = format!("list_{method}");
            assert!(
                method.ends_with('s') && rows.iter().any(|r| r.method == one_page),
                "{provider} {method}: a stream is a bare plural beside its one-page {one_page}"
            );
        }
    }
    let declared = declared_methods(dir);
    for method in &declared {
        let name = method.name.as_str();
        assert!(!name.starts_with("all_"), "{provider} {name}");
        let Some(row) = rows.iter().find(|r| r.method == name) else {
            assert!(
                accessors.contains(&name),
                "{provider}::Client::{name} has no row in the vocabulary test"
            );
            continue;
        };
        let returns_call = matches!(row.kind, "create" | "recovery");
        assert_eq!(
            method.returns_call, returns_call,
            "{provider} {name}: a create or a recovery returns Call, nothing else does"
        );
        assert_eq!(
            method.is_async,
            !returns_call && row.kind != "stream",
            "{provider} {name}: every method but a create, a recovery or a stream is an async fn"
        );
    }
    for row in rows {
        assert!(
            declared.iter().any(|m| m.name == row.method),
            "{provider} {}: no such public method in crates/{dir}/src",
            row.method
        );
    }
    for accessor in accessors {
        assert!(
            declared.iter().any(|m| m.name == *accessor),
            "{provider} {accessor}"
        );
    }
}

fn bbti_kyc(transaction_id: &str) -> bbti::KycRequest {
    bbti::KycRequest {
        transaction_id: transaction_id.into(),
        email: "hanako@example.jp".into(),
        last_name: "佐藤".into(),
        first_name: "花子".into(),
        last_name_kana: Some("サトウ".into()),
        first_name_kana: Some("ハナコ".into()),
        date_of_birth: bbti::Date::new(1985, 12, 24),
        zip: "1000001".into(),
        state: "東京都".into(),
        city: "千代田区".into(),
        address: "千代田1-1".into(),
        occupation: "会社員".into(),
        ..bbti::KycRequest::default()
    }
}

fn bbti_pickup(transaction_id: &str) -> bbti::RegisterDeliveryRequest {
    let mut d = bbti::RegisterDeliveryRequest::pickup(
        transaction_id,
        bbti::Date::new(2030, 3, 1),
        bbti::PickupTime::AllDay,
    );
    d.last_name = "佐藤".into();
    d.first_name = "花子".into();
    d.zip = "1000001".into();
    d.state = "東京都".into();
    d.city = "千代田区".into();
    d.address = "千代田1-1".into();
    d.phone_number = "0312345678".into();
    d
}

#[tokio::test]
async fn every_bbti_method_sends_under_its_own_name() {
    use sandbox::bbti::{BbtiSandbox, PROGRAM_ID};
    let sb = BbtiSandbox::start().await;
    let ops = Arc::new(Operations::default());
    let journal = Arc::new(Aged(Arc::new(partner_sdk::journal::MemoryJournal::new())));
    let client = sb
        .client_builder()
        .hooks(ops.clone())
        .journal(journal.clone())
        .build()
        .unwrap();
    let mut rows = Vec::new();
    let models = bbti::ModelQuery::new();
    let prices = bbti::PriceQuery::new().page_size(1);
    let _ = op!(
        rows,
        ops,
        listing,
        client.list_manufacturers(&bbti::ManufacturerQuery::new())
    );
    let _ = op!(
        rows,
        ops,
        listing,
        client.list_series(&bbti::SeriesQuery::new())
    );
    let _ = op!(rows, ops, listing, client.list_models(&models));
    let _ = op!(rows, ops, stream, client.models(&models));
    let _ = op!(rows, ops, listing, client.list_prices(&prices));
    let _ = op!(rows, ops, stream, client.prices(&prices));
    let pricing = bbti::PriceProductRequest::new(PROGRAM_ID, "iphone-8")
        .storage_key("64gb")
        .carrier_key("simfree")
        .condition(bbti::Condition::Pass, bbti::Condition::Pass)
        .submission_id("vocabulary-price-products");
    let quote = op!(rows, ops, create, client.price_products(&pricing)).unwrap();
    let by_code = bbti::PriceByAppCodeRequest::new(PROGRAM_ID, "v1.pixel-4a.128gb.simfree.FP")
        .submission_id("vocabulary-price-codes");
    let _ = op!(rows, ops, create, client.price_codes(&by_code));
    let tx = quote.transaction_id.as_str();
    let _ = op!(rows, ops, create, client.register_kyc(&bbti_kyc(tx)));
    let _ = op!(
        rows,
        ops,
        create,
        client.register_delivery(&bbti_pickup(tx))
    );
    let _ = op!(rows, ops, record, client.get_transaction(tx));
    for (value, recover_older_than) in [("lost-1", false), ("lost-2", true)] {
        pending(
            &journal,
            "bbti",
            "register_delivery",
            "transactionId",
            value,
        )
        .await;
        if recover_older_than {
            let _ = op!(
                rows,
                ops,
                recovery,
                client.recover_older_than(Duration::from_secs(60))
            );
        } else {
            let _ = op!(rows, ops, recovery, client.recover());
        }
    }
    check_rows("bbti", "bbti", &["builder", "base_url"], &rows);
}

#[tokio::test]
async fn every_brighte_method_sends_under_its_own_name() {
    use brighte::{AccountId, ListQuery};
    use sandbox::brighte::{ACCOUNT_ID, API_ID, API_SECRET, BrighteSandbox};
    let sb = BrighteSandbox::builder().time_scale(0.0).start().await;
    let ops = Arc::new(Operations::default());
    let journal = Arc::new(Aged(Arc::new(partner_sdk::journal::MemoryJournal::new())));
    let client = brighte::Client::builder()
        .base_url(sb.base_url())
        .credentials(API_ID, API_SECRET)
        .hooks(ops.clone())
        .journal(journal.clone())
        .build()
        .unwrap();
    let mut rows = Vec::new();
    let account = ListQuery::new().account(ACCOUNT_ID);
    let amount = |n: i64| rust_decimal::Decimal::from(n);
    let _ = op!(rows, ops, listing, client.list_accounts());
    let _ = op!(rows, ops, listing, client.list_applications(&account));
    let _ = op!(rows, ops, stream, client.applications(&account));
    let _ = op!(rows, ops, record, client.get_application("1"));
    let _ = op!(
        rows,
        ops,
        other,
        client.update_application_reference("1", "ref-1")
    );
    let _ = op!(rows, ops, listing, client.list_application_document_types());
    let _ = op!(rows, ops, listing, client.list_application_documents("1"));
    let document = brighte::DocumentUpload::new(
        brighte::ApplicationDocumentType::Invoice,
        "invoice.pdf",
        b"%PDF-1.4".to_vec(),
    );
    let _ = op!(
        rows,
        ops,
        create,
        client.upload_application_document("1", &document)
    );
    let _ = op!(rows, ops, create, client.request_application_payment("1"));
    let _ = op!(
        rows,
        ops,
        create,
        client.send_application_secure_code("0416123456")
    );
    let new_quote = brighte::NewQuote {
        first_name: "Jane".into(),
        last_name: "Citizen".into(),
        phone: "0400000000".into(),
        email: "jane@example.com".into(),
        total_purchase_amount: amount(15000),
        deposit_amount: amount(5000),
        repayment_term: 48,
        product_category: "Battery Storage".into(),
        product_description: "Battery".into(),
        account_id: ACCOUNT_ID.into(),
    };
    let quote = op!(rows, ops, create, client.create_quote(&new_quote)).unwrap();
    let _ = op!(rows, ops, listing, client.list_quotes(&account));
    let _ = op!(rows, ops, stream, client.quotes(&account));
    let _ = op!(rows, ops, record, client.get_quote(&quote.id));
    let _ = op!(rows, ops, create, client.resend_quote(&quote.id));
    let _ = op!(rows, ops, other, client.delete_quote(&quote.id));
    let new_user = brighte::NewUser {
        role: brighte::UserRole::TeamMember,
        first_name: "Sam".into(),
        last_name: "Seller".into(),
        email: "sam@example.com".into(),
        mobile: "0411000000".into(),
        account_id: ACCOUNT_ID.into(),
    };
    let user = op!(rows, ops, create, client.create_user(&new_user)).unwrap();
    let _ = op!(rows, ops, listing, client.list_users(&account));
    let _ = op!(rows, ops, stream, client.users(&account));
    let _ = op!(rows, ops, record, client.get_user(&user.id));
    let update = brighte::UserUpdate::new().first_name("Samantha");
    let _ = op!(rows, ops, other, client.update_user(&user.id, &update));
    let _ = op!(
        rows,
        ops,
        create,
        client.generate_user_api_credentials(&user.id, ACCOUNT_ID)
    );
    let _ = op!(rows, ops, other, client.delete_user(&user.id));
    let callout = brighte::CalloutRequest {
        account_id: Some(AccountId::from(ACCOUNT_ID)),
        first_name: "John".into(),
        last_name: "Smith".into(),
        phone: "0434090090".into(),
        email: "john@example.com".into(),
        total_purchase_amount: amount(15000),
        deposit_amount: amount(5000),
        repayment_term: 48,
        product_category: "Battery Storage".into(),
        product_description: "Battery".into(),
    };
    let _ = op!(rows, ops, create, client.create_callout_request(&callout));
    let _ = op!(
        rows,
        ops,
        record,
        client.get_content(&brighte::ContentType::Tnc)
    );
    let _ = op!(rows, ops, listing, client.list_product_categories());
    let finance = brighte::FinanceRequest::new(amount(10000), 24).deposit(amount(1500));
    let _ = op!(rows, ops, other, client.calculate_finance(&finance));
    let repayment = brighte::RepaymentRequest {
        total_purchase_amount: amount(15000),
        deposit_amount: amount(1000),
        repayment_term: 48,
        include_fees: true,
    };
    let _ = op!(
        rows,
        ops,
        other,
        client.calculate_repayment_amount(&repayment)
    );
    for (value, recover_older_than) in [("lost-1", false), ("lost-2", true)] {
        let operation = "request_application_payment";
        pending(&journal, "brighte", operation, "application_id", value).await;
        if recover_older_than {
            let _ = op!(
                rows,
                ops,
                recovery,
                client.recover_older_than(Duration::from_secs(60))
            );
        } else {
            let _ = op!(rows, ops, recovery, client.recover());
        }
    }
    let _ = op!(rows, ops, other, client.logout());
    let _ = op!(rows, ops, other, client.login());
    check_rows(
        "brighte",
        "brighte",
        &[
            "builder",
            "base_url",
            "has_credentials",
            "vendor_base_url",
            "public_base_url",
        ],
        &rows,
    );
}

#[tokio::test]
async fn every_tradein_promo_method_sends_under_its_own_name() {
    use sandbox::tradein_promo::{IMEI_IPHONE, TradeinPromoSandbox};
    let sb = TradeinPromoSandbox::start().await;
    let ops = Arc::new(Operations::default());
    let client = sb.client_builder().hooks(ops.clone()).build().unwrap();
    let mut rows = Vec::new();
    let request = tradein_promo::PromotionRequest::by_imei(IMEI_IPHONE);
    let _ = op!(rows, ops, record, client.get_promotion(&request));
    check_rows(
        "tradein-promo",
        "tradein-promo",
        &["builder", "base_url", "app_name"],
        &rows,
    );
}

#[tokio::test]
async fn every_dtone_method_sends_under_its_own_name() {
    use dtone::{Category, OperatorFilter, ProductFilter, TransactionRequest};
    use sandbox::dtone::{API_KEY, API_SECRET, DtoneSandbox};
    let sb = DtoneSandbox::start().await;
    let ops = Arc::new(Operations::default());
    let journal = Arc::new(Aged(Arc::new(partner_sdk::journal::MemoryJournal::new())));
    let client = dtone::Client::builder()
        .base_url(sb.base_url())
        .credentials(API_KEY, API_SECRET)
        .hooks(ops.clone())
        .journal(journal.clone())
        .build()
        .unwrap();
    let mut rows = Vec::new();
    let category = Category::FixedValueRecharges;
    let _ = op!(rows, ops, other, client.ping());
    let _ = op!(rows, ops, listing, client.list_countries(None));
    let _ = op!(rows, ops, listing, client.list_services(None));
    let _ = op!(
        rows,
        ops,
        listing,
        client.list_operators(&OperatorFilter::new())
    );
    let _ = op!(rows, ops, listing, client.list_country_services(756));
    let _ = op!(rows, ops, listing, client.list_products_by_operator(1959));
    let _ = op!(
        rows,
        ops,
        listing,
        client.list_products_by_country(756, &ProductFilter::new())
    );
    let _ = op!(
        rows,
        ops,
        listing,
        client.list_products_by_service(7, &ProductFilter::new())
    );
    let _ = op!(rows, ops, listing, client.list_suggested_values(315));
    let _ = op!(
        rows,
        ops,
        other,
        client.verify_account_number(64, "+50212345678")
    );
    let topup = |id: &str| TransactionRequest::new("+50212345678", 64, id).simulation(true);
    let _ = op!(
        rows,
        ops,
        create,
        client.create_transaction(category, &topup("vocab-1"))
    );
    let _ = op!(
        rows,
        ops,
        record,
        client.get_transaction_by_external_id(category, "vocab-1")
    );
    let _ = op!(
        rows,
        ops,
        other,
        client.resolve_outcome(category, "vocab-1")
    );
    let _ = op!(
        rows,
        ops,
        create,
        client.create_or_resolve(category, &topup("vocab-2"))
    );
    let bill = op!(rows, ops, record, client.get_bill(410, "5310012345")).unwrap();
    let _ = op!(
        rows,
        ops,
        create,
        client.pay_bill(&bill.payment("vocab-3").simulation(true))
    );
    for (value, recover_older_than) in [("lost-1", false), ("lost-2", true)] {
        let operation = "create_transaction/fixed_value_recharges";
        pending(&journal, "dtone", operation, "external_id", value).await;
        if recover_older_than {
            let _ = op!(
                rows,
                ops,
                recovery,
                client.recover_older_than(Duration::from_secs(60))
            );
        } else {
            let _ = op!(rows, ops, recovery, client.recover());
        }
    }
    check_rows("dtone", "dtone", &["builder", "base_url"], &rows);
}

/// DT One's DVS client, every public method against wiremock answering
/// each path with an empty page or a minimal record: the rows check names
/// and kinds, not answers (those are the DVS tests' in the crate).
#[tokio::test]
async fn every_dvs_method_sends_under_its_own_name() {
    use dvs::{
        BalanceQuery, CampaignQuery, CountryQuery, CreditParty, CreditPartyLookup,
        MobileNumberLookup, OperatorQuery, PageQuery, ProductQuery, PromotionQuery, ServiceQuery,
        StatementInquiry, TransactionQuery,
    };
    use wiremock::matchers::{method, path_regex};
    use wiremock::{Mock, MockServer, ResponseTemplate};
    let server = MockServer::start().await;
    let one = r#"{"type": "FIXED_VALUE_RECHARGE"}"#;
    Mock::given(method("GET"))
        .and(path_regex(r"^/v1/[a-z-]+/[^/]+$"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(one, "application/json"))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path_regex(r"^/v1/lookup/credit-party-status$"))
        .respond_with(ResponseTemplate::new(200).set_body_raw("{}", "application/json"))
        .mount(&server)
        .await;
    Mock::given(path_regex(r"^/v1/"))
        .respond_with(ResponseTemplate::new(200).set_body_raw("[]", "application/json"))
        .mount(&server)
        .await;
    let ops = Arc::new(Operations::default());
    let journal = Arc::new(Aged(Arc::new(partner_sdk::journal::MemoryJournal::new())));
    let client = dvs::Client::builder()
        .base_url(format!("{}/v1", server.uri()))
        .credentials("key", "secret")
        .hooks(ops.clone())
        .journal(journal.clone())
        .build()
        .unwrap();
    let mut rows = Vec::new();
    let _ = op!(
        rows,
        ops,
        listing,
        client.list_services(&ServiceQuery::new())
    );
    let _ = op!(rows, ops, stream, client.services(&ServiceQuery::new()));
    let _ = op!(rows, ops, record, client.get_service(1));
    let _ = op!(
        rows,
        ops,
        listing,
        client.list_countries(&CountryQuery::new())
    );
    let _ = op!(rows, ops, stream, client.countries(&CountryQuery::new()));
    let _ = op!(rows, ops, record, client.get_country("GTM"));
    let _ = op!(
        rows,
        ops,
        listing,
        client.list_operators(&OperatorQuery::new())
    );
    let _ = op!(rows, ops, stream, client.operators(&OperatorQuery::new()));
    let _ = op!(rows, ops, record, client.get_operator(1959));
    let _ = op!(
        rows,
        ops,
        listing,
        client.list_benefit_types(&PageQuery::new())
    );
    let _ = op!(rows, ops, stream, client.benefit_types(&PageQuery::new()));
    let _ = op!(
        rows,
        ops,
        listing,
        client.list_promotions(&PromotionQuery::new())
    );
    let _ = op!(rows, ops, stream, client.promotions(&PromotionQuery::new()));
    let _ = op!(rows, ops, record, client.get_promotion(501, None));
    let _ = op!(
        rows,
        ops,
        listing,
        client.list_campaigns(&CampaignQuery::new())
    );
    let _ = op!(rows, ops, stream, client.campaigns(&CampaignQuery::new()));
    let _ = op!(rows, ops, record, client.get_campaign(77));
    let _ = op!(
        rows,
        ops,
        listing,
        client.list_products(&ProductQuery::new())
    );
    let _ = op!(rows, ops, stream, client.products(&ProductQuery::new()));
    let _ = op!(rows, ops, record, client.get_product(3001, Some("es")));
    let _ = op!(rows, ops, record, client.get_transaction(9));
    let quick = dvs::WaitOptions::new().deadline(Duration::from_millis(50));
    let _ = op!(rows, ops, other, client.wait_for_final(9, &quick));
    let _ = op!(
        rows,
        ops,
        listing,
        client.list_transactions(&TransactionQuery::new())
    );
    let _ = op!(
        rows,
        ops,
        stream,
        client.transactions(&TransactionQuery::new())
    );
    let _ = op!(
        rows,
        ops,
        listing,
        client.list_balances(&BalanceQuery::new())
    );
    let _ = op!(rows, ops, stream, client.balances(&BalanceQuery::new()));
    let number = MobileNumberLookup::new("+6595123100");
    let _ = op!(
        rows,
        ops,
        listing,
        client.list_mobile_number_operators(&number)
    );
    let _ = op!(rows, ops, other, client.lookup_mobile_number(&number));
    let inquiry = StatementInquiry::new(3005, "ACC-1");
    let _ = op!(rows, ops, other, client.lookup_statements(&inquiry));
    let party = CreditPartyLookup::new(1, CreditParty::mobile_number("+6595123100"));
    let _ = op!(
        rows,
        ops,
        other,
        client.lookup_credit_party_benefits(&party)
    );
    let _ = op!(rows, ops, other, client.lookup_credit_party_status(&party));
    let order = |id: &str| dvs::TransactionRequest::new(id, 3001);
    let _ = op!(rows, ops, create, client.create_transaction(&order("v-1")));
    let wait = Duration::from_secs(1);
    let _ = op!(
        rows,
        ops,
        create,
        client.create_transaction_sync(&order("v-2"), wait)
    );
    let _ = op!(rows, ops, create, client.create_or_resolve(&order("v-3")));
    let _ = op!(rows, ops, other, client.find_by_external_id("v-4"));
    let _ = op!(rows, ops, create, client.confirm_transaction(9));
    let _ = op!(rows, ops, create, client.confirm_transaction_sync(10, wait));
    let _ = op!(rows, ops, other, client.cancel_transaction(9));
    for (value, recover_older_than) in [("lost-1", false), ("lost-2", true)] {
        pending(
            &journal,
            "dtone-dvs",
            "create_transaction",
            "external_id",
            value,
        )
        .await;
        if recover_older_than {
            let _ = op!(
                rows,
                ops,
                recovery,
                client.recover_older_than(Duration::from_secs(60))
            );
        } else {
            let _ = op!(rows, ops, recovery, client.recover());
        }
    }
    check_rows("dtone dvs", "dtone/dvs", &["builder", "base_url"], &rows);
}
