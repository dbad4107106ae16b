//! Faults queued on the fakes, in process and through the admin API, as a
//! user's test (or issue 24's crash-safe creates) drives them.

use std::time::Duration;

use partner_sdk_core::{ReconcileKey, RetryPolicy};
use partner_sdk_dtone::{Category, Client, TransactionRequest};
use partner_sdk_sandbox::BrighteSandbox;
use partner_sdk_sandbox::admin::AdminClient;
use partner_sdk_sandbox::dtone::{API_KEY, API_SECRET, DtoneSandbox};
use partner_sdk_sandbox::faults::{Fault, FaultRule};

/// A client that gives up on an answer after 300 ms and never retries.
fn impatient(sandbox: &DtoneSandbox) -> Client {
    Client::builder()
        .base_url(sandbox.base_url())
        .credentials(API_KEY, API_SECRET)
        .timeout(Duration::from_millis(300))
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap()
}

fn topup(external_id: &str) -> TransactionRequest {
    TransactionRequest::new("+50212345678", 70, external_id)
}

#[tokio::test]
async fn an_answer_lost_after_processing_leaves_the_transaction_created() {
    for (name, fault) in [
        ("held", Fault::answer_lost()),
        ("garbled", Fault::answer_garbled()),
    ] {
        let sandbox = DtoneSandbox::start().await;
        sandbox.inject_fault(
            FaultRule::new(fault)
                .method("POST")
                .path_contains("/transactions/"),
        );
        let client = impatient(&sandbox);
        let err = client
            .create_transaction(Category::FixedValueVouchers, &topup("lost-1"))
            .await
            .unwrap_err();
        assert_eq!(
            err.outcome_unknown_key(),
            Some(&ReconcileKey::new("external_id", "lost-1")),
            "{name}: {err}"
        );
        // The create happened: the fake holds it, and a look-up finds it.
        assert_eq!(sandbox.transaction_count(), 1, "{name}");
        assert_eq!(sandbox.transactions()[0]["external_id"], "lost-1", "{name}");
        let found = client
            .get_transaction_by_external_id(Category::FixedValueVouchers, "lost-1")
            .await
            .unwrap();
        assert_eq!(found.external_id, "lost-1", "{name}");
        assert!(sandbox.state()["faults"].as_array().unwrap().is_empty());
    }
}

#[tokio::test]
async fn a_garbled_answer_is_a_200_the_client_cannot_read() {
    let sandbox = DtoneSandbox::start().await;
    sandbox.inject_fault(FaultRule::new(Fault::answer_garbled()).method("POST"));
    let err = sandbox
        .client()
        .create_transaction(Category::FixedValueVouchers, &topup("g-1"))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err.as_core(),
            Some(partner_sdk_core::Error::AnswerUnreadable(_))
        ),
        "{err:?}"
    );
    assert_eq!(
        err.outcome_unknown_key(),
        Some(&ReconcileKey::new("external_id", "g-1"))
    );
    assert_eq!(sandbox.transaction_count(), 1);
}

#[tokio::test]
async fn a_refusal_before_processing_creates_nothing() {
    let sandbox = DtoneSandbox::start().await;
    let client = impatient(&sandbox);
    sandbox
        .inject_fault(FaultRule::new(Fault::rate_limited(Duration::from_secs(7))).method("POST"));
    let limited = client
        .create_transaction(Category::FixedValueVouchers, &topup("r-1"))
        .await
        .unwrap_err();
    assert_eq!(limited.status().map(|s| s.as_u16()), Some(429));
    assert_eq!(
        limited.api().and_then(|a| a.retry_after()),
        Some(Duration::from_secs(7))
    );
    sandbox.inject_fault(FaultRule::new(Fault::server_error(503)).times(2));
    for _ in 0..2 {
        let err = client.ping().await.unwrap_err();
        assert_eq!(err.status().map(|s| s.as_u16()), Some(503));
    }
    assert_eq!(sandbox.transaction_count(), 0);
    // The queue is used up: the next calls are answered as usual.
    assert!(client.ping().await.unwrap().is_up());
    client
        .create_transaction(Category::FixedValueVouchers, &topup("r-1"))
        .await
        .unwrap();
    assert_eq!(sandbox.transaction_count(), 1);
}

#[tokio::test]
async fn a_slow_answer_is_processed_and_arrives_late() {
    let sandbox = DtoneSandbox::start().await;
    sandbox
        .inject_fault(FaultRule::new(Fault::slow(Duration::from_secs(2))).path_contains("/ping"));
    let err = impatient(&sandbox).ping().await.unwrap_err();
    assert!(
        err.is_retryable() || err.to_string().contains("time"),
        "{err}"
    );
    // A patient client gets the next answer at once.
    assert!(sandbox.client().ping().await.unwrap().is_up());
}

#[tokio::test]
async fn the_admin_api_lists_state_and_queues_faults_over_http() {
    let sandbox = DtoneSandbox::start().await;
    let admin = AdminClient::new(&sandbox.base_url()).unwrap();
    admin
        .inject_fault(&FaultRule::new(Fault::server_error(500)).method("GET"))
        .await
        .unwrap();
    let state = admin.state().await.unwrap();
    assert_eq!(state["provider"], "dtone");
    assert_eq!(state["faults"][0]["fault"]["kind"], "server_error");
    // The admin API itself is never faulted.
    assert_eq!(
        admin.state().await.unwrap()["faults"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    admin.clear_faults().await.unwrap();
    assert!(sandbox.state()["faults"].as_array().unwrap().is_empty());
    sandbox
        .client()
        .create_transaction(Category::FixedValueVouchers, &topup("a-1"))
        .await
        .unwrap();
    let state = admin.state().await.unwrap();
    assert_eq!(state["transactions"][0]["external_id"], "a-1");
    // A bad rule is refused with the reason.
    let refused = partner_sdk_core::exchange::http_client_builder()
        .expect("the SDK's TLS")
        .build()
        .expect("an HTTP client")
        .post(format!(
            "{}/__sandbox/faults",
            sandbox.base_url().trim_end_matches("/v1.1")
        ))
        .header("content-type", "application/json")
        .body("{\"fault\": {\"kind\": \"explode\"}}")
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status().as_u16(), 400);
}

#[tokio::test]
async fn the_brighte_fake_lists_applications_and_takes_a_webhook_url() {
    let sandbox = BrighteSandbox::start().await;
    sandbox.insert_applications("E1", 2);
    let admin = AdminClient::new(&sandbox.base_url()).unwrap();
    let state = admin.state().await.unwrap();
    assert_eq!(state["provider"], "brighte");
    assert_eq!(state["applications"].as_array().unwrap().len(), 2);
    assert_eq!(sandbox.applications().len(), 2);
    admin
        .set_webhook_url(Some("http://127.0.0.1:9/hook"))
        .await
        .unwrap();
    assert_eq!(sandbox.state()["webhook_url"], "http://127.0.0.1:9/hook");
    admin.set_webhook_url(None).await.unwrap();
    assert!(sandbox.state()["webhook_url"].is_null());
    // Faults apply to the provider's API, here the vendor login.
    sandbox.inject_fault(FaultRule::new(Fault::server_error(502)).path_contains("/session"));
    let client = partner_sdk_brighte::Client::builder()
        .base_url(sandbox.base_url())
        .credentials(
            partner_sdk_sandbox::brighte::API_ID,
            partner_sdk_sandbox::brighte::API_SECRET,
        )
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    assert!(client.list_accounts().await.is_err());
    assert!(client.list_accounts().await.is_ok());
}
