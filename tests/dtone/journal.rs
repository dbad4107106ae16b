//! Crash-safe creates against the sandbox (issue 24): a create dropped at
//! every point it can be suspended, a process killed after sending, and
//! replicas recovering one PostgreSQL journal together.

use std::future::Future;
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

use dtone::{Category, Client, TransactionRequest};
use partner_sdk::journal::{IntentKey, IntentState, JournalStore, MemoryJournal};
use sandbox::dtone::DtoneSandbox;

const CATEGORY: Category = Category::FixedValueRecharges;

fn topup(external_id: &str) -> TransactionRequest {
    TransactionRequest::new("+50212345678", 64, external_id).simulation(true)
}

fn key(external_id: &str) -> IntentKey {
    IntentKey::new(
        "dtone",
        "create_transaction/fixed_value_recharges",
        "external_id",
        external_id,
    )
}

fn client(sandbox: &DtoneSandbox, journal: Arc<dyn JournalStore>) -> dtone::ClientBuilder {
    Client::builder()
        .base_url(sandbox.base_url())
        .credentials(sandbox.api_key(), sandbox.api_secret())
        .journal(journal)
}

/// The sandbox's transactions under `external_id`, by transaction id.
fn held(sandbox: &DtoneSandbox, external_id: &str) -> Vec<String> {
    sandbox
        .transactions()
        .iter()
        .filter(|tx| tx["external_id"] == external_id)
        .map(|tx| tx["transaction_id"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// Polls `future` at most `polls` times, letting the runtime run (I/O,
/// timers) between polls, and drops it unless it completed.
pub(crate) async fn poll_then_drop<F: Future>(future: F, polls: usize) -> Option<F::Output> {
    let mut future = std::pin::pin!(future);
    for _ in 0..polls {
        if let Poll::Ready(output) = futures::poll!(future.as_mut()) {
            return Some(output);
        }
        tokio::task::yield_now().await;
    }
    None
}

#[tokio::test]
async fn a_create_dropped_at_any_point_is_recovered_exactly_once() {
    let sandbox = DtoneSandbox::start().await;
    let journal = Arc::new(MemoryJournal::new());
    let client = client(&sandbox, journal.clone()).build().unwrap();
    let mut completed = false;
    // How the dropped creates ended: (never begun, recovered done,
    // recovered not done).
    let mut seen = (0, 0, 0);
    for polls in 1..=2_000 {
        let external_id = format!("drop-{polls}");
        let request = topup(&external_id);
        let create = client.create_transaction(CATEGORY, &request);
        let output = poll_then_drop(create, polls).await;
        if let Some(result) = &output {
            let tx = result.as_ref().unwrap();
            assert_eq!(
                held(&sandbox, &external_id),
                vec![tx.transaction_id.clone()]
            );
            completed = true;
        }
        let pending = journal
            .get(&key(&external_id))
            .await
            .unwrap()
            .is_some_and(|intent| intent.state.is_pending());
        if pending {
            // A request fully written when its future was dropped is still
            // served: in production the grace period of `recover()` leaves
            // it that time; here the sandbox gets it explicitly, a second
            // (a loaded CI machine can take more than 100 ms to serve it).
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
        let report = client.recover_older_than(Duration::ZERO).await.unwrap();
        assert!(report.is_settled(), "{polls} polls: {report:?}");
        let transactions = held(&sandbox, &external_id);
        assert!(transactions.len() <= 1, "{polls} polls: {transactions:?}");
        match journal.get(&key(&external_id)).await.unwrap() {
            // Dropped before the intent was written: nothing was sent.
            None => {
                assert!(transactions.is_empty(), "{polls} polls");
                seen.0 += 1;
            }
            Some(intent) => match intent.state {
                IntentState::Done { provider_id } => {
                    assert_eq!(provider_id.into_iter().collect::<Vec<_>>(), transactions);
                    seen.1 += usize::from(!completed);
                }
                IntentState::NotDone { .. } => {
                    assert!(transactions.is_empty(), "{polls} polls");
                    seen.2 += 1;
                }
                IntentState::Pending => panic!("{polls} polls: still pending after recovery"),
            },
        }
        if completed {
            eprintln!(
                "completed after {polls} polls; dropped before begin {}, \
                 recovered done {}, recovered not done {}",
                seen.0, seen.1, seen.2
            );
            return;
        }
    }
    panic!("the create never completed");
}

#[cfg(feature = "journal-sqlite")]
mod crash {
    //! The process that sends a top-up is killed (SIGKILL) while the answer
    //! is held; another opens its SQLite journal and recovers.

    use std::process::{Command, Stdio};

    use partner_sdk::journal::SqliteJournal;
    use partner_sdk_test_kit::Aged;
    use sandbox::faults::{Fault, FaultRule};

    use super::*;

    const URL_ENV: &str = "PARTNER_SDK_CRASH_CHILD_URL";
    const DB_ENV: &str = "PARTNER_SDK_CRASH_CHILD_DB";
    const EXTERNAL_ID: &str = "crash-1";

    /// The child: a top-up whose answer never comes (the parent's sandbox
    /// holds it), so it is still waiting when it is killed. Without the
    /// parent's environment it does nothing.
    #[tokio::test]
    async fn crash_child() {
        let (Ok(url), Ok(db)) = (std::env::var(URL_ENV), std::env::var(DB_ENV)) else {
            return;
        };
        // Its lease runs out as soon as it is killed, so the parent's
        // recovery need not wait for it.
        let journal = Arc::new(Aged(Arc::new(SqliteJournal::open(db).await.unwrap())));
        let client = Client::builder()
            .base_url(url)
            .credentials(sandbox::dtone::API_KEY, sandbox::dtone::API_SECRET)
            .journal(journal)
            .build()
            .unwrap();
        let result = client
            .create_transaction(CATEGORY, &topup(EXTERNAL_ID))
            .await;
        panic!("the answer was to be held until this process is killed: {result:?}");
    }

    #[tokio::test]
    async fn a_process_killed_after_sending_is_recovered_from_its_sqlite_journal() {
        let sandbox = DtoneSandbox::start().await;
        sandbox.inject_fault(
            FaultRule::new(Fault::answer_lost())
                .method("POST")
                .path_contains("/transactions/"),
        );
        let dir = std::env::temp_dir().join(format!(
            "partner-sdk-crash-{}-{}",
            std::process::id(),
            unique_suffix()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let db = dir.join("journal.sqlite3");
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "journal::crash::crash_child", "--nocapture"])
            .env(URL_ENV, sandbox.base_url())
            .env(DB_ENV, &db)
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        // Sent and processed: the sandbox holds the transaction, the child
        // still waits for the answer.
        let mut waited = 0;
        while held(&sandbox, EXTERNAL_ID).is_empty() {
            if let Some(status) = child.try_wait().unwrap() {
                panic!("the child ended before its create was served: {status}");
            }
            assert!(
                waited < 1_200,
                "the child's create never reached the sandbox"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
            waited += 1;
        }
        child.kill().unwrap();
        let status = child.wait().unwrap();
        assert!(!status.success(), "{status}");

        let journal = Arc::new(SqliteJournal::open(&db).await.unwrap());
        let intent = journal.get(&key(EXTERNAL_ID)).await.unwrap().unwrap();
        assert!(intent.state.is_pending(), "{intent:?}");
        let client = client(&sandbox, Arc::new(Aged(journal.clone())))
            .build()
            .unwrap();
        let report = client.recover_older_than(Duration::ZERO).await.unwrap();
        assert_eq!(report.done, vec![key(EXTERNAL_ID)]);
        let intent = journal.get(&key(EXTERNAL_ID)).await.unwrap().unwrap();
        assert_eq!(
            intent.state,
            IntentState::Done {
                provider_id: held(&sandbox, EXTERNAL_ID).pop()
            }
        );
        assert_eq!(held(&sandbox, EXTERNAL_ID).len(), 1);
        drop(journal);
        let _ = std::fs::remove_dir_all(&dir);
    }

    fn unique_suffix() -> u128 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default()
    }
}

#[cfg(feature = "journal-postgres")]
mod replicas {
    //! Two clients sharing one PostgreSQL journal recover together: each
    //! intent is looked up and settled once.

    use crate::support::LookUps;
    use partner_sdk::journal::{NewIntent, PostgresJournal, RequestDigest};

    use super::*;

    use partner_sdk_test_kit::{
        Aged, POSTGRES_URL_ENV as URL_ENV, postgres_test_url as server_url,
    };

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn two_replicas_resolve_each_intent_once() {
        let Some(url) = server_url() else { return };
        let connect = || async {
            PostgresJournal::connect(&url)
                .await
                .unwrap_or_else(|e| panic!("cannot use the PostgreSQL server at {URL_ENV}: {e:?}"))
        };
        let (a, b) = tokio::join!(connect(), connect());
        // The intents of processes that died long ago: no lease, past any grace.
        let (a, b): (Arc<dyn JournalStore>, Arc<dyn JournalStore>) =
            (Arc::new(Aged(Arc::new(a))), Arc::new(Aged(Arc::new(b))));
        let sandbox = DtoneSandbox::start().await;
        let run = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        // 40 creates whose process died after `begin`: the even ones reached
        // DT One, the odd ones never left.
        let ids: Vec<String> = (0..40).map(|i| format!("replica-{run}-{i}")).collect();
        for (i, id) in ids.iter().enumerate() {
            let intent = NewIntent::new(key(id), RequestDigest::of(id.as_bytes()));
            assert!(matches!(
                a.begin(&intent, std::time::Duration::ZERO).await.unwrap(),
                partner_sdk::journal::Begin::Fresh(_)
            ));
            if i % 2 == 0 {
                sandbox
                    .client()
                    .create_transaction(CATEGORY, &topup(id))
                    .await
                    .unwrap();
            }
        }
        let (count_a, count_b) = (Arc::new(LookUps::default()), Arc::new(LookUps::default()));
        let replica_a = client(&sandbox, a.clone())
            .hooks(count_a.clone())
            .build()
            .unwrap();
        let replica_b = client(&sandbox, b).hooks(count_b.clone()).build().unwrap();
        let (report_a, report_b) = tokio::join!(
            replica_a.recover_older_than(Duration::ZERO),
            replica_b.recover_older_than(Duration::ZERO)
        );
        let (report_a, report_b) = (report_a.unwrap(), report_b.unwrap());
        // Each intent claimed was looked up once, by one replica.
        assert_eq!(
            count_a.count() + count_b.count(),
            report_a.len() + report_b.len()
        );
        for (i, id) in ids.iter().enumerate() {
            let k = key(id);
            let done = [&report_a.done, &report_b.done]
                .iter()
                .map(|list| list.iter().filter(|x| **x == k).count())
                .sum::<usize>();
            let not_done = [&report_a.not_done, &report_b.not_done]
                .iter()
                .map(|list| list.iter().filter(|x| **x == k).count())
                .sum::<usize>();
            assert_eq!(
                (done, not_done),
                if i % 2 == 0 { (1, 0) } else { (0, 1) },
                "{id}"
            );
            let state = a.get(&k).await.unwrap().unwrap().state;
            assert!(!state.is_pending(), "{id}: {state:?}");
        }
    }
}
