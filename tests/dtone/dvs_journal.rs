//! Crash-safe DVS creates and confirms against the DVS sandbox: a create
//! dropped at every point it can be suspended, a process killed after
//! sending a create, and one killed after sending a confirm.

use std::sync::Arc;
use std::time::Duration;

use dtone::dvs::{PartyIdentifier, TransactionRequest};
use partner_sdk::journal::{IntentKey, IntentState, JournalStore, MemoryJournal};
use sandbox::dtone_dvs::DtoneDvsSandbox;

use crate::journal::poll_then_drop;

/// Product 1 of the sandbox's catalogue; a number ending in `100`: completed
/// after the shortest simulated delay.
fn topup(external_id: &str) -> TransactionRequest {
    TransactionRequest::new(external_id, 1)
        .credit_party(PartyIdentifier::mobile_number("+50212345100"))
}

fn create_key(external_id: &str) -> IntentKey {
    IntentKey::new(
        "dtone-dvs",
        "create_transaction",
        "external_id",
        external_id,
    )
}

fn confirm_key(id: i64) -> IntentKey {
    IntentKey::new(
        "dtone-dvs",
        "confirm_transaction",
        "transaction_id",
        id.to_string(),
    )
}

/// The sandbox's transaction ids under `external_id`.
fn held(sandbox: &DtoneDvsSandbox, external_id: &str) -> Vec<String> {
    sandbox
        .transactions()
        .iter()
        .filter(|tx| tx["external_id"] == external_id)
        .map(|tx| tx["id"].to_string())
        .collect()
}

#[tokio::test]
async fn a_dvs_create_dropped_at_any_point_is_recovered_exactly_once() {
    let sandbox = DtoneDvsSandbox::start().await;
    let journal = Arc::new(MemoryJournal::new());
    let client = sandbox
        .client_builder()
        .journal(journal.clone())
        .build()
        .unwrap();
    for polls in 1..=2_000 {
        let external_id = format!("drop-{polls}");
        let request = topup(&external_id);
        let output = poll_then_drop(client.create_transaction(&request), polls).await;
        let completed = output.is_some();
        if let Some(result) = output {
            let tx = result.unwrap();
            assert_eq!(held(&sandbox, &external_id), vec![tx.id.to_string()]);
        }
        let pending = journal
            .get(&create_key(&external_id))
            .await
            .unwrap()
            .is_some_and(|intent| intent.state.is_pending());
        if pending {
            // A request fully written when its future was dropped is still
            // served (see the Goods & Services test).
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
        let report = client.recover_older_than(Duration::ZERO).await.unwrap();
        assert!(report.is_settled(), "{polls} polls: {report:?}");
        let transactions = held(&sandbox, &external_id);
        assert!(transactions.len() <= 1, "{polls} polls: {transactions:?}");
        match journal.get(&create_key(&external_id)).await.unwrap() {
            None => assert!(transactions.is_empty(), "{polls} polls"),
            Some(intent) => match intent.state {
                IntentState::Done { provider_id } => {
                    assert_eq!(provider_id.into_iter().collect::<Vec<_>>(), transactions);
                }
                IntentState::NotDone { .. } => assert!(transactions.is_empty(), "{polls} polls"),
                IntentState::Pending => panic!("{polls} polls: still pending after recovery"),
            },
        }
        if completed {
            return;
        }
    }
    panic!("the create never completed");
}

#[cfg(feature = "journal-sqlite")]
mod crash {
    //! The process that sends a create, or a confirm, is killed (SIGKILL)
    //! while the answer is held; another opens its SQLite journal and
    //! recovers.

    use std::process::{Command, Stdio};

    use partner_sdk::journal::SqliteJournal;
    use partner_sdk_test_kit::Aged;
    use sandbox::faults::{Fault, FaultRule};

    use super::*;

    const URL_ENV: &str = "PARTNER_SDK_DVS_CRASH_URL";
    const DB_ENV: &str = "PARTNER_SDK_DVS_CRASH_DB";
    const CONFIRM_ENV: &str = "PARTNER_SDK_DVS_CRASH_CONFIRM";
    const EXTERNAL_ID: &str = "dvs-crash-1";

    /// The child: a create (or, with a transaction id in its environment,
    /// a confirm) whose answer never comes, so it is still waiting when it
    /// is killed. Without the parent's environment it does nothing.
    #[tokio::test]
    async fn dvs_crash_child() {
        let (Ok(url), Ok(db)) = (std::env::var(URL_ENV), std::env::var(DB_ENV)) else {
            return;
        };
        let journal = Arc::new(Aged(Arc::new(SqliteJournal::open(db).await.unwrap())));
        let client = dtone::dvs::Client::builder()
            .base_url(url)
            .credentials(sandbox::dtone_dvs::API_KEY, sandbox::dtone_dvs::API_SECRET)
            .journal(journal)
            .build()
            .unwrap();
        let result = match std::env::var(CONFIRM_ENV).ok().and_then(|v| v.parse().ok()) {
            Some(id) => client.confirm_transaction(id).await,
            None => client.create_transaction(&topup(EXTERNAL_ID)).await,
        };
        panic!("the answer was to be held until this process is killed: {result:?}");
    }

    /// Runs the child until the sandbox holds what it sent (`reached`),
    /// then kills it.
    async fn kill_child_once(
        sandbox: &DtoneDvsSandbox,
        db: &std::path::Path,
        confirm: Option<i64>,
        reached: impl Fn() -> bool,
    ) {
        let mut command = Command::new(std::env::current_exe().unwrap());
        command
            .args([
                "--exact",
                "dvs_journal::crash::dvs_crash_child",
                "--nocapture",
            ])
            .env(URL_ENV, sandbox.base_url())
            .env(DB_ENV, db)
            .stdout(Stdio::null());
        if let Some(id) = confirm {
            command.env(CONFIRM_ENV, id.to_string());
        }
        let mut child = command.spawn().unwrap();
        let mut waited = 0;
        while !reached() {
            if let Some(status) = child.try_wait().unwrap() {
                panic!("the child ended before its call was served: {status}");
            }
            assert!(waited < 1_200, "the child's call never reached the sandbox");
            tokio::time::sleep(Duration::from_millis(50)).await;
            waited += 1;
        }
        child.kill().unwrap();
        assert!(!child.wait().unwrap().success());
    }

    #[tokio::test]
    async fn a_process_killed_after_sending_a_create_or_a_confirm_is_recovered() {
        let sandbox = DtoneDvsSandbox::start().await;
        // Every create and confirm is processed, its answer lost.
        sandbox.inject_fault(FaultRule::new(Fault::answer_lost()).method("POST").times(2));
        let dir = std::env::temp_dir().join(format!(
            "partner-sdk-dvs-crash-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or_default()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let db = dir.join("journal.sqlite3");

        kill_child_once(&sandbox, &db, None, || {
            !held(&sandbox, EXTERNAL_ID).is_empty()
        })
        .await;
        let journal = Arc::new(SqliteJournal::open(&db).await.unwrap());
        let client = sandbox
            .client_builder()
            .journal(Arc::new(Aged(journal.clone())))
            .build()
            .unwrap();
        let report = client.recover_older_than(Duration::ZERO).await.unwrap();
        assert_eq!(report.done, vec![create_key(EXTERNAL_ID)]);
        let id: i64 = held(&sandbox, EXTERNAL_ID).pop().unwrap().parse().unwrap();
        assert_eq!(
            journal
                .get(&create_key(EXTERNAL_ID))
                .await
                .unwrap()
                .unwrap()
                .state,
            IntentState::Done {
                provider_id: Some(id.to_string())
            }
        );

        // The confirm: processed by the sandbox, its answer lost, its sender killed.
        let confirmed = || {
            sandbox.transactions().iter().any(|tx| {
                tx["id"] == id && tx["status"]["class"]["message"].as_str() != Some("CREATED")
            })
        };
        kill_child_once(&sandbox, &db, Some(id), confirmed).await;
        let report = client.recover_older_than(Duration::ZERO).await.unwrap();
        assert_eq!(report.done, vec![confirm_key(id)]);
        // Confirming again is "already done": the transaction as it stands.
        let again = client.confirm_transaction(id).await.unwrap();
        assert_eq!(again.id, id);
        assert_eq!(held(&sandbox, EXTERNAL_ID).len(), 1);
        drop(journal);
        let _ = std::fs::remove_dir_all(&dir);
    }
}

#[cfg(feature = "journal-postgres")]
mod replicas {
    //! Two DVS clients sharing one PostgreSQL journal recover together:
    //! each intent, create or confirm, is looked up and settled once.

    use crate::support::LookUps;
    use partner_sdk::journal::{Begin, NewIntent, PostgresJournal, RequestDigest};
    use partner_sdk_test_kit::{Aged, POSTGRES_URL_ENV as URL_ENV, postgres_test_url};

    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn two_replicas_settle_each_dvs_intent_once() {
        let Some(url) = postgres_test_url() else {
            return;
        };
        let connect = || async {
            PostgresJournal::connect(&url)
                .await
                .unwrap_or_else(|e| panic!("cannot use the PostgreSQL server at {URL_ENV}: {e:?}"))
        };
        let (a, b) = tokio::join!(connect(), connect());
        let (a, b): (Arc<dyn JournalStore>, Arc<dyn JournalStore>) =
            (Arc::new(Aged(Arc::new(a))), Arc::new(Aged(Arc::new(b))));
        let sandbox = DtoneDvsSandbox::start().await;
        let run = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        let begin = |key: IntentKey| {
            let a = a.clone();
            async move {
                let digest = RequestDigest::of(format!("{key:?}").as_bytes());
                let intent = NewIntent::new(key, digest);
                assert!(matches!(
                    a.begin(&intent, Duration::ZERO).await.unwrap(),
                    Begin::Fresh(_)
                ));
            }
        };
        // 30 creates whose process died after `begin`: the even ones
        // reached DT One, the odd ones never left; and 10 confirms of
        // created transactions, the even ones confirmed at DT One.
        let ids: Vec<String> = (0..30).map(|i| format!("dvs-replica-{run}-{i}")).collect();
        let plain = sandbox.client();
        for (i, id) in ids.iter().enumerate() {
            begin(create_key(id)).await;
            if i % 2 == 0 {
                plain.create_transaction(&topup(id)).await.unwrap();
            }
        }
        let mut confirms = Vec::new();
        for i in 0..10 {
            let tx = plain
                .create_transaction(&topup(&format!("dvs-confirm-{run}-{i}")))
                .await
                .unwrap();
            begin(confirm_key(tx.id)).await;
            if i % 2 == 0 {
                plain.confirm_transaction(tx.id).await.unwrap();
            }
            confirms.push(tx.id);
        }
        let (count_a, count_b) = (Arc::new(LookUps::default()), Arc::new(LookUps::default()));
        let replica = |journal: Arc<dyn JournalStore>, count: Arc<LookUps>| {
            sandbox
                .client_builder()
                .journal(journal)
                .hooks(count)
                .build()
                .unwrap()
        };
        let (replica_a, replica_b) = (
            replica(a.clone(), count_a.clone()),
            replica(b, count_b.clone()),
        );
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
        let settled = |k: &IntentKey| {
            let count = |lists: [&Vec<IntentKey>; 2]| {
                lists
                    .iter()
                    .map(|l| l.iter().filter(|x| *x == k).count())
                    .sum::<usize>()
            };
            (
                count([&report_a.done, &report_b.done]),
                count([&report_a.not_done, &report_b.not_done]),
            )
        };
        for (i, id) in ids.iter().enumerate() {
            let expected = if i % 2 == 0 { (1, 0) } else { (0, 1) };
            assert_eq!(settled(&create_key(id)), expected, "{id}");
        }
        for (i, id) in confirms.iter().enumerate() {
            let expected = if i % 2 == 0 { (1, 0) } else { (0, 1) };
            assert_eq!(settled(&confirm_key(*id)), expected, "confirm {id}");
            let state = a.get(&confirm_key(*id)).await.unwrap().unwrap().state;
            assert!(!state.is_pending(), "{id}: {state:?}");
        }
    }
}
