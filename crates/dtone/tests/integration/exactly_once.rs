//! The journal's promises under races and stalls, through the client: a
//! create waiting for its answer is its sender's (no recovery claims it), an
//! answer that arrives is settled even when the caller has stopped waiting,
//! and a journal that does not answer neither lets a create out unrecorded
//! nor holds back an answer that came.

use std::sync::Arc;
use std::time::{Duration, Instant};

use partner_sdk_dtone::{Category, Client, TransactionRequest};
use partner_sdk_journal::{
    Begin, Intent, IntentKey, IntentState, JournalFuture, JournalStore, MemoryJournal, NewIntent,
    Outcome,
};
use serde_json::json;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::{KEY, SECRET, fast_retry};

fn client(server: &MockServer, journal: Arc<dyn JournalStore>) -> Client {
    Client::builder()
        .base_url(format!("{}/v1.1", server.uri()))
        .credentials(KEY, SECRET)
        .retry_policy(fast_retry())
        .timeout(Duration::from_secs(10))
        .journal_timeout(Duration::from_millis(300))
        .journal(journal)
        .build()
        .unwrap()
}

fn key(external_id: &str) -> IntentKey {
    IntentKey::new(
        "dtone",
        "create_transaction/fixed_value_recharges",
        "external_id",
        external_id,
    )
}

fn topup(external_id: &str) -> TransactionRequest {
    TransactionRequest::new("+50212345678", 64, external_id)
}

async fn answers_after(delay: Duration, external_id: &str) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(201)
                .set_body_json(json!({
                    "transaction_id": "9001", "status": "0", "external_id": external_id,
                    "account_number": "+50212345678", "product_id": "64",
                }))
                .set_delay(delay),
        )
        .expect(1)
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn a_create_waiting_for_its_answer_is_never_claimed() {
    let server = answers_after(Duration::from_millis(1500), "wait-1").await;
    let journal = Arc::new(MemoryJournal::new());
    let client = client(&server, journal.clone());
    let create = tokio::spawn({
        let client = client.clone();
        async move {
            client
                .create_transaction(Category::FixedValueRecharges, &topup("wait-1"))
                .await
        }
    });
    tokio::time::sleep(Duration::from_millis(400)).await;
    let intent = journal.get(&key("wait-1")).await.unwrap().unwrap();
    assert!(intent.state.is_pending());
    assert!(
        intent.lease_until.is_some(),
        "the sender holds a lease: {intent:?}"
    );
    // No grace at all, and still nothing to claim: the sender's lease runs.
    let claimed = journal
        .claim_pending("dtone", Duration::ZERO, Duration::from_secs(60), 16)
        .await
        .unwrap();
    assert!(claimed.is_empty(), "{claimed:?}");
    let report = client.recover_older_than(Duration::ZERO).await.unwrap();
    assert!(report.is_empty(), "{report:?}");
    let tx = create.await.unwrap().unwrap();
    assert_eq!(tx.transaction_id, "9001");
    assert_eq!(
        journal.get(&key("wait-1")).await.unwrap().unwrap().state,
        IntentState::Done {
            provider_id: Some("9001".into())
        }
    );
}

#[tokio::test]
async fn an_answer_that_arrives_is_settled_after_the_caller_stopped_waiting() {
    let server = answers_after(Duration::from_millis(800), "gave-up-1").await;
    let journal = Arc::new(MemoryJournal::new());
    let client = client(&server, journal.clone());
    let waited = tokio::time::timeout(
        Duration::from_millis(100),
        client.create_transaction(Category::FixedValueRecharges, &topup("gave-up-1")),
    )
    .await;
    assert!(waited.is_err(), "the caller stopped waiting");
    let started = Instant::now();
    loop {
        let state = journal.get(&key("gave-up-1")).await.unwrap().unwrap().state;
        if !state.is_pending() {
            assert_eq!(
                state,
                IntentState::Done {
                    provider_id: Some("9001".into())
                }
            );
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the answer was never settled"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A store that never answers `begin` or `settle` (a half-open connection).
struct Stalled {
    begin: bool,
    inner: MemoryJournal,
}

impl JournalStore for Stalled {
    fn begin<'a>(&'a self, intent: &'a NewIntent, lease: Duration) -> JournalFuture<'a, Begin> {
        Box::pin(async move {
            if self.begin {
                std::future::pending::<()>().await;
            }
            self.inner.begin(intent, lease).await
        })
    }
    fn settle<'a>(&'a self, _: &'a IntentKey, _: u32, _: Outcome) -> JournalFuture<'a, ()> {
        Box::pin(std::future::pending())
    }
    fn renew<'a>(&'a self, key: &'a IntentKey, lease: u32, d: Duration) -> JournalFuture<'a, bool> {
        self.inner.renew(key, lease, d)
    }
    fn claim_pending<'a>(
        &'a self,
        provider: &'a str,
        older_than: Duration,
        lease: Duration,
        limit: usize,
    ) -> JournalFuture<'a, Vec<Intent>> {
        self.inner.claim_pending(provider, older_than, lease, limit)
    }
    fn release<'a>(&'a self, claimed: &'a Intent) -> JournalFuture<'a, ()> {
        self.inner.release(claimed)
    }
    fn get<'a>(&'a self, key: &'a IntentKey) -> JournalFuture<'a, Option<Intent>> {
        self.inner.get(key)
    }
    fn prune<'a>(&'a self, older_than: Duration) -> JournalFuture<'a, u64> {
        self.inner.prune(older_than)
    }
}

#[tokio::test]
async fn a_journal_that_never_answers_begin_lets_no_create_out() {
    let server = MockServer::start().await;
    let stalled = Arc::new(Stalled {
        begin: true,
        inner: MemoryJournal::new(),
    });
    let started = Instant::now();
    let err = client(&server, stalled)
        .create_transaction(Category::FixedValueRecharges, &topup("stall-1"))
        .await
        .unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(5), "bounded");
    match err.as_core() {
        Some(partner_sdk_core::Error::Journal(e)) => assert!(e.create_not_sent(), "{e}"),
        other => panic!("expected a journal error, got {other:?}"),
    }
    assert!(err.to_string().contains("the create was not sent"), "{err}");
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_journal_that_never_answers_settle_holds_back_no_answer() {
    let server = answers_after(Duration::ZERO, "stall-2").await;
    let stalled = Arc::new(Stalled {
        begin: false,
        inner: MemoryJournal::new(),
    });
    let started = Instant::now();
    let tx = client(&server, stalled.clone())
        .create_transaction(Category::FixedValueRecharges, &topup("stall-2"))
        .await
        .unwrap();
    assert_eq!(tx.transaction_id, "9001");
    assert!(started.elapsed() < Duration::from_secs(5), "bounded");
    // Not recorded: left pending for a recovery.
    let intent = stalled.get(&key("stall-2")).await.unwrap().unwrap();
    assert!(intent.state.is_pending());
}
