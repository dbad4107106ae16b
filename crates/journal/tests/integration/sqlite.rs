//! `SqliteJournal`: the conformance suite on a file, two journals on one
//! file, and intents that outlive their process (a store reopened, a child
//! process killed with SIGKILL).

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use partner_sdk_journal::{
    Begin, IntentState, JournalError, JournalStep, JournalStore, Outcome, SqliteJournal,
};

use super::conformance::{self, begin_fresh, intent, unique};

/// A journal file in the temporary directory, removed (with its WAL files)
/// when dropped.
struct TempDb(PathBuf);

impl TempDb {
    fn new(label: &str) -> Self {
        Self(std::env::temp_dir().join(format!("{}.sqlite", unique(label))))
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDb {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm"] {
            let mut path = self.0.clone().into_os_string();
            path.push(suffix);
            let _ = std::fs::remove_file(path);
        }
    }
}

async fn open(path: &Path) -> SqliteJournal {
    SqliteJournal::open(path)
        .await
        .unwrap_or_else(|e| panic!("open {}: {e}", path.display()))
}

#[tokio::test]
async fn sqlite_journal_conforms() {
    let file = TempDb::new("conformance");
    conformance::run(&open(file.path()).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_journals_on_one_file_claim_disjoint_intents() {
    let file = TempDb::new("two-connections");
    let a: Arc<dyn JournalStore> = Arc::new(open(file.path()).await);
    let b: Arc<dyn JournalStore> = Arc::new(open(file.path()).await);
    conformance::concurrent_claims_are_disjoint(a, b).await;
}

#[tokio::test]
async fn a_reopened_file_holds_its_intents() {
    let file = TempDb::new("reopen");
    let provider = unique("reopen");
    let pending = intent(&provider, "pending");
    let settled = intent(&provider, "settled");
    {
        let journal = open(file.path()).await;
        begin_fresh(&journal, &pending).await;
        begin_fresh(&journal, &settled).await;
        let outcome = Outcome::Done {
            provider_id: Some("tx-7".into()),
        };
        assert!(journal.settle(&settled.key, 1, outcome).await.is_ok());
    }
    let journal = open(file.path()).await;
    let state = |key| {
        let journal = journal.clone();
        async move { journal.get(key).await.ok().flatten().map(|i| i.state) }
    };
    assert_eq!(state(&pending.key).await, Some(IntentState::Pending));
    assert_eq!(
        state(&settled.key).await,
        Some(IntentState::Done {
            provider_id: Some("tx-7".into())
        })
    );
    // The schema is not created twice; the digest still guards the key.
    let reused = partner_sdk_journal::NewIntent::new(
        pending.key.clone(),
        partner_sdk_journal::RequestDigest::of(b"other"),
    );
    assert!(matches!(
        journal.begin(&reused, Duration::ZERO).await,
        Err(JournalError::Conflict { .. })
    ));
}

#[tokio::test]
async fn a_file_that_cannot_be_opened_is_a_typed_error() {
    let missing_dir = std::env::temp_dir()
        .join(unique("no-such-dir"))
        .join("journal.sqlite");
    match SqliteJournal::open(&missing_dir).await {
        Err(JournalError::Unavailable {
            step: JournalStep::Open,
            ..
        }) => {}
        other => panic!("expected Unavailable at open, got {other:?}"),
    }

    let file = TempDb::new("not-sqlite");
    std::fs::write(file.path(), vec![b'x'; 4096]).unwrap_or_else(|e| panic!("write: {e}"));
    assert!(matches!(
        SqliteJournal::open(file.path()).await,
        Err(JournalError::Unavailable {
            step: JournalStep::Open,
            ..
        })
    ));
}

/// Set in the child process this test starts: the file to write to.
const CHILD_ENV: &str = "PARTNER_SDK_JOURNAL_SIGKILL_CHILD";
/// The child's line once its intent is written.
const WRITTEN: &str = "journal-child: intent written";

/// The process is killed with SIGKILL (`Child::kill`) right after `begin`
/// returned: a new journal on the same file finds the intent pending, and
/// the one the child settled settled.
#[tokio::test]
async fn an_intent_survives_its_process_killed() {
    if let Some(path) = std::env::var_os(CHILD_ENV) {
        child(Path::new(&path)).await;
        return;
    }
    let file = TempDb::new("sigkill");
    let exe = std::env::current_exe().unwrap_or_else(|e| panic!("current_exe: {e}"));
    let mut child = Command::new(exe)
        .args([
            "--exact",
            "sqlite::an_intent_survives_its_process_killed",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_ENV, file.path())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("spawn the child: {e}"));
    let Some(stdout) = child.stdout.take() else {
        panic!("the child's stdout is piped");
    };
    let written = BufReader::new(stdout)
        .lines()
        .map_while(Result::ok)
        .any(|line| line.contains(WRITTEN));
    child
        .kill()
        .unwrap_or_else(|e| panic!("kill the child: {e}"));
    let status = child
        .wait()
        .unwrap_or_else(|e| panic!("wait for the child: {e}"));
    assert!(written, "the child never wrote its intent ({status})");
    assert!(
        !status.success(),
        "the child was killed, not finished: {status}"
    );

    let journal = open(file.path()).await;
    let provider = "sigkill-child";
    let pending = intent(provider, "pending");
    let found = journal.get(&pending.key).await.ok().flatten();
    assert_eq!(found.map(|i| i.state), Some(IntentState::Pending));
    let settled = journal
        .get(&intent(provider, "settled").key)
        .await
        .ok()
        .flatten();
    assert_eq!(
        settled.map(|i| i.state),
        Some(IntentState::Done {
            provider_id: Some("tx-1".into())
        })
    );
    // The create begun again is not sent blindly, and recovery finds it.
    assert!(matches!(
        journal.begin(&pending, Duration::ZERO).await,
        Ok(Begin::Existing(_))
    ));
    let claimed = journal
        .claim_pending(provider, Duration::ZERO, Duration::from_secs(60), 10)
        .await
        .unwrap_or_else(|e| panic!("claim: {e}"));
    assert_eq!(
        claimed.iter().map(|i| i.key.value()).collect::<Vec<_>>(),
        ["pending"]
    );
}

/// The child: writes its intents, says so (libtest may print the test's
/// name before it on the same line), and waits to be killed.
async fn child(path: &Path) {
    let journal = open(path).await;
    let provider = "sigkill-child";
    let settled = intent(provider, "settled");
    begin_fresh(&journal, &settled).await;
    let outcome = Outcome::Done {
        provider_id: Some("tx-1".into()),
    };
    assert!(journal.settle(&settled.key, 1, outcome).await.is_ok());
    begin_fresh(&journal, &intent(provider, "pending")).await;
    println!("{WRITTEN}");
    // Killed long before; a child whose parent is gone does not linger.
    std::thread::sleep(Duration::from_secs(120));
    std::process::exit(3);
}
