//! The vocabulary the four provider crates share (ARCHITECTURE.md,
//! "Vocabulary"), side by side: each shared name is named or called on each
//! client, builder and error type, with its signature, so that renaming one
//! in any crate fails this build.

use std::time::Duration;

use futures::Stream;
use partner_sdk::core::reqwest::StatusCode;
use partner_sdk::core::{self as sdk_core, Url};
use partner_sdk::{bbti, brighte, dtone, tradein_promo};

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
        let _: fn(&$p::Error) -> Option<(&'static str, &str)> = $p::Error::outcome_unknown_key;
        let _: fn(&$p::Error) -> Option<$p::ApiErrorBody> = $p::Error::api_body;
        // Error codes and the error body.
        let _: fn(&str) -> Option<$p::ErrorCode> = $p::ErrorCode::parse;
        let _: &[$p::ErrorCode] = $p::ErrorCode::KNOWN;
        let _: fn(&$p::ErrorCode) -> bool = $p::ErrorCode::is_other;
        let _: fn(&sdk_core::ApiError) -> Option<$p::ApiErrorBody> = $p::ApiErrorBody::from_api;
        let _: fn(sdk_core::Error) -> $p::Error = $p::Error::from;
        // Re-exports: the same types as the core's.
        let _: fn($p::core::Error) -> sdk_core::Error = |e| e;
        let _: fn($p::RetryPolicy) -> sdk_core::RetryPolicy = |r| r;
        let _: fn($p::ApiError) -> sdk_core::ApiError = |e| e;
        let _: fn($p::Decimal) -> sdk_core::Decimal = |d| d;
        let _: for<'a> fn($p::CallInfo<'a>) -> sdk_core::CallInfo<'a> = |c| c;
        let _: fn(&dyn $p::Hooks) -> &dyn sdk_core::Hooks = |h| h;
    }};
}

fn is_stream_of<T, S: Stream<Item = Result<T, E>>, E>(_: &S) {}

#[test]
fn every_provider_shares_the_vocabulary() {
    shared_vocabulary!(bbti);
    shared_vocabulary!(brighte);
    shared_vocabulary!(tradein_promo);
    shared_vocabulary!(dtone);

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
fn journal_and_recovery(bbti: &bbti::Client, brighte: &brighte::Client, dtone: &dtone::Client) {
    use partner_sdk::core::journal::{JournalStore, RecoveryReport};
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
}

fn send_unpin<T: Send + Unpin>(_: &T) {}

/// Creates return the provider's `Call` (a boxed future compiled in the
/// provider's crate: ARCHITECTURE.md, "Dependencies and build cost"),
/// `Send` and `Unpin`, resolving to the provider's `Result`. Compiled, never
/// run.
#[allow(dead_code, clippy::let_underscore_future)]
fn creates_return_a_call(bbti: &bbti::Client, brighte: &brighte::Client, dtone: &dtone::Client) {
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
}

/// The field an invalid credential names, for every provider.
fn credential_field(err: Option<&sdk_core::Error>) -> String {
    match err {
        Some(sdk_core::Error::InvalidInput { field, .. }) => field.to_string(),
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
        sdk_core::Error::Transport {
            provider: "demo",
            operation: "get_thing",
            path: "/things/{id}".into(),
            source: std::sync::Arc::new(source),
        }
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
    let unknown = || sdk_core::Error::OutcomeUnknown {
        provider: "demo",
        operation: "create_thing",
        key: Some(("external_id", "order-1".into())),
        cause: "timed out after sending".into(),
    };
    let want = Some(("external_id", "order-1"));
    assert_eq!(bbti::Error::from(unknown()).outcome_unknown_key(), want);
    assert_eq!(brighte::Error::from(unknown()).outcome_unknown_key(), want);
    assert_eq!(
        tradein_promo::Error::from(unknown()).outcome_unknown_key(),
        want
    );
    assert_eq!(dtone::Error::from(unknown()).outcome_unknown_key(), want);
    let checkout = brighte::Error::Checkout {
        code: "10002".into(),
        message: "invalid data".into(),
    };
    assert!(checkout.as_core().is_none() && checkout.outcome_unknown_key().is_none());
}
