//! [`SqliteJournal`]: the embedded journal for one process (or a few on one
//! machine), one SQLite file.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use rusqlite::{Connection, OptionalExtension as _, TransactionBehavior, params};

use super::row::{Row, duration_ms, lease_of, outcome_columns, sql_limit, sql_u32, to_ms};
use super::{
    Begin, Intent, IntentKey, JournalError, JournalFuture, JournalStep, JournalStore, NewIntent,
    Outcome,
};

/// How long a call waits for another connection's write lock on the file.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// The migrations, in order; each runs once per file, recorded in
/// `partner_sdk_journal_migrations`.
const MIGRATIONS: &[(i64, &str)] = &[
    (
        1,
        "CREATE TABLE IF NOT EXISTS partner_sdk_intents (
        provider       TEXT    NOT NULL,
        operation      TEXT    NOT NULL,
        key_field      TEXT    NOT NULL,
        key_value      TEXT    NOT NULL,
        digest         BLOB    NOT NULL,
        created_at_ms  INTEGER NOT NULL,
        state          TEXT    NOT NULL CHECK (state IN ('pending', 'done', 'not_done')),
        provider_id    TEXT,
        reason         TEXT,
        attempts       INTEGER NOT NULL DEFAULT 0,
        lease_until_ms INTEGER,
        settled_at_ms  INTEGER,
        PRIMARY KEY (provider, operation, key_field, key_value)
    ) WITHOUT ROWID;
    CREATE INDEX IF NOT EXISTS partner_sdk_intents_pending
        ON partner_sdk_intents (provider, created_at_ms) WHERE state = 'pending';",
    ),
    // The sender's lease and attempts: `attempts` counted claims and named
    // the lease; it now counts every lease (`begin`'s too), and `attempt`
    // numbers the creates begun under one key.
    (
        2,
        "ALTER TABLE partner_sdk_intents RENAME COLUMN attempts TO leases;
    ALTER TABLE partner_sdk_intents ADD COLUMN attempt INTEGER NOT NULL DEFAULT 1;
    CREATE INDEX IF NOT EXISTS partner_sdk_intents_settled
        ON partner_sdk_intents (settled_at_ms) WHERE state <> 'pending';",
    ),
];

/// The columns [`read_row`] reads, in its order.
macro_rules! columns {
    () => {
        "provider, operation, key_field, key_value, digest, created_at_ms, state, provider_id, \
         reason, attempt, leases, lease_until_ms"
    };
}

/// The match on one intent's key, parameters `?1` to `?4`.
macro_rules! where_key {
    () => {
        "provider = ?1 AND operation = ?2 AND key_field = ?3 AND key_value = ?4"
    };
}

// The statements, whole at compile time so the connection's statement cache
// parses each once (parsing was half of a create's cost).
const SELECT: &str = concat!(
    "SELECT ",
    columns!(),
    " FROM partner_sdk_intents WHERE ",
    where_key!()
);
// A new key is written; a key settled not done is begun again (a new
// attempt); either way the sender's lease is taken. Any other key returns
// nothing: it is looked up.
const BEGIN: &str = "INSERT INTO partner_sdk_intents AS i (provider, operation, key_field, key_value, \
                     digest, created_at_ms, state, attempt, leases, lease_until_ms) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'pending', 1, 1, ?7) \
                     ON CONFLICT (provider, operation, key_field, key_value) DO UPDATE SET \
                         digest = excluded.digest, created_at_ms = excluded.created_at_ms, \
                         state = 'pending', provider_id = NULL, reason = NULL, \
                         settled_at_ms = NULL, attempt = i.attempt + 1, leases = i.leases + 1, \
                         lease_until_ms = excluded.lease_until_ms \
                     WHERE i.state = 'not_done' \
                     RETURNING attempt, leases";
const SETTLE: &str = concat!(
    "UPDATE partner_sdk_intents SET state = ?5, provider_id = ?6, reason = ?7, \
     settled_at_ms = ?8, lease_until_ms = NULL WHERE ",
    where_key!(),
    " AND state = 'pending' AND attempt = ?9"
);
const RENEW: &str = concat!(
    "UPDATE partner_sdk_intents SET lease_until_ms = ?6 WHERE ",
    where_key!(),
    " AND state = 'pending' AND leases = ?5"
);
const PRUNE: &str =
    "DELETE FROM partner_sdk_intents WHERE state <> 'pending' AND settled_at_ms <= ?1";
// One statement takes the write lock for the whole claim, so two
// connections never claim the same intent.
const CLAIM: &str = concat!(
    "UPDATE partner_sdk_intents SET leases = leases + 1, lease_until_ms = ?3 \
     WHERE (provider, operation, key_field, key_value) IN ( \
         SELECT provider, operation, key_field, key_value FROM partner_sdk_intents \
         WHERE provider = ?1 AND state = 'pending' AND created_at_ms <= ?2 \
           AND (lease_until_ms IS NULL OR lease_until_ms <= ?4) \
         ORDER BY created_at_ms LIMIT ?5) \
     RETURNING ",
    columns!()
);
const RELEASE: &str = concat!(
    "UPDATE partner_sdk_intents SET lease_until_ms = NULL WHERE ",
    where_key!(),
    " AND state = 'pending' AND leases = ?5"
);

/// The journal in one SQLite file (SQLite compiled in: nothing to install).
///
/// [`SqliteJournal::open`] creates the file and its table when missing and
/// sets WAL mode with `synchronous=FULL`: an intent is on disk when `begin`
/// or `settle` returns, so it survives the process being killed, or the
/// machine losing power. Each call runs on tokio's blocking pool over one
/// connection; several journals (or processes) may open the same file, and
/// their claims exclude each other. A file on a network share is not
/// supported (SQLite's locks are not reliable there): replicas on several
/// machines share `PostgresJournal` (feature `postgres`).
#[derive(Clone)]
pub struct SqliteJournal {
    conn: Arc<Mutex<Connection>>,
    path: Arc<PathBuf>,
}

impl std::fmt::Debug for SqliteJournal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteJournal")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl SqliteJournal {
    /// Opens the journal at `path`, creating the file and its schema when
    /// they are missing (or completing an older schema). The directory must
    /// exist.
    pub async fn open(path: impl AsRef<Path>) -> Result<Self, JournalError> {
        let path = path.as_ref().to_path_buf();
        let opened = path.clone();
        let conn = tokio::task::spawn_blocking(move || open_file(&opened))
            .await
            .map_err(|e| JournalError::unavailable(JournalStep::Open, e))?
            .map_err(|e| JournalError::unavailable(JournalStep::Open, e))?;
        Ok(Self {
            conn: Arc::new(Mutex::new(conn)),
            path: Arc::new(path),
        })
    }

    /// The file this journal is kept in.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `work` on the connection on tokio's blocking pool.
    async fn run<T: Send + 'static>(
        &self,
        step: JournalStep,
        work: impl FnOnce(&mut Connection) -> Result<T, JournalError> + Send + 'static,
    ) -> Result<T, JournalError> {
        let conn = Arc::clone(&self.conn);
        tokio::task::spawn_blocking(move || {
            // A panic mid-call leaves SQLite consistent: an open transaction
            // is rolled back when dropped.
            let mut conn = conn.lock().unwrap_or_else(PoisonError::into_inner);
            work(&mut conn)
        })
        .await
        .map_err(|e| JournalError::unavailable(step, e))?
    }
}

fn open_file(path: &Path) -> rusqlite::Result<Connection> {
    let mut conn = Connection::open(path)?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    // The journal mode is persistent and answers with the mode now in force.
    let _mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    migrate(&mut conn)?;
    Ok(conn)
}

fn migrate(conn: &mut Connection) -> rusqlite::Result<()> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    tx.execute_batch(
        "CREATE TABLE IF NOT EXISTS partner_sdk_journal_migrations (
            version       INTEGER PRIMARY KEY,
            applied_at_ms INTEGER NOT NULL
        )",
    )?;
    let applied: i64 = tx.query_row(
        "SELECT COALESCE(MAX(version), 0) FROM partner_sdk_journal_migrations",
        [],
        |row| row.get(0),
    )?;
    for (version, sql) in MIGRATIONS.iter().filter(|(v, _)| *v > applied) {
        tx.execute_batch(sql)?;
        tx.execute(
            "INSERT INTO partner_sdk_journal_migrations (version, applied_at_ms) VALUES (?1, ?2)",
            params![version, to_ms(SystemTime::now())],
        )?;
    }
    tx.commit()
}

fn read_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Row> {
    Ok(Row {
        provider: row.get(0)?,
        operation: row.get(1)?,
        key_field: row.get(2)?,
        key_value: row.get(3)?,
        digest: row.get(4)?,
        created_at_ms: row.get(5)?,
        state: row.get(6)?,
        provider_id: row.get(7)?,
        reason: row.get(8)?,
        attempt: row.get(9)?,
        leases: row.get(10)?,
        lease_until_ms: row.get(11)?,
    })
}

fn select(
    conn: &Connection,
    key: &IntentKey,
    step: JournalStep,
) -> Result<Option<Intent>, JournalError> {
    conn.prepare_cached(SELECT)
        .and_then(|mut statement| {
            statement
                .query_row(
                    params![key.provider(), key.operation(), key.field(), key.value()],
                    read_row,
                )
                .optional()
        })
        .map_err(|e| JournalError::unavailable(step, e))?
        .map(|row| row.into_intent(step))
        .transpose()
}

impl JournalStore for SqliteJournal {
    fn begin<'a>(&'a self, intent: &'a NewIntent, lease: Duration) -> JournalFuture<'a, Begin> {
        Box::pin(async move {
            let intent = intent.clone();
            self.run(JournalStep::Begin, move |conn| {
                let step = JournalStep::Begin;
                let key = &intent.key;
                // Twice at most: an intent that refused the write may be pruned
                // before it is read; the second write then succeeds.
                for _ in 0..2 {
                    let now = to_ms(SystemTime::now());
                    let begun = conn
                        .prepare_cached(BEGIN)
                        .and_then(|mut statement| {
                            statement
                                .query_row(
                                    params![
                                        key.provider(),
                                        key.operation(),
                                        key.field(),
                                        key.value(),
                                        intent.digest.as_bytes().as_slice(),
                                        now,
                                        now.saturating_add(duration_ms(lease)),
                                    ],
                                    |row| Ok((row.get::<_, i64>(0)?, row.get::<_, i64>(1)?)),
                                )
                                .optional()
                        })
                        .map_err(|e| JournalError::unavailable(step, e))?;
                    if let Some((attempt, number)) = begun {
                        return lease_of(attempt, number, step).map(Begin::Fresh);
                    }
                    if let Some(existing) = select(conn, key, step)? {
                        return Begin::against(existing, &intent);
                    }
                }
                Err(JournalError::Corrupt {
                    step,
                    what: "an intent refused as existing but not found",
                })
            })
            .await
        })
    }

    fn settle<'a>(
        &'a self,
        key: &'a IntentKey,
        attempt: u32,
        outcome: Outcome,
    ) -> JournalFuture<'a, ()> {
        Box::pin(async move {
            let key = key.clone();
            self.run(JournalStep::Settle, move |conn| {
                let step = JournalStep::Settle;
                let (state, provider_id, reason) = outcome_columns(&outcome);
                let updated = conn
                    .prepare_cached(SETTLE)
                    .and_then(|mut statement| {
                        statement.execute(params![
                            key.provider(),
                            key.operation(),
                            key.field(),
                            key.value(),
                            state,
                            provider_id,
                            reason,
                            to_ms(SystemTime::now()),
                            sql_u32(attempt),
                        ])
                    })
                    .map_err(|e| JournalError::unavailable(step, e))?;
                if updated == 1 {
                    return Ok(());
                }
                // Not pending at this attempt: settled already (the same way is
                // fine), begun again since, or never begun.
                let intent =
                    select(conn, &key, step)?.ok_or_else(|| JournalError::not_found(&key))?;
                match intent.check_settle(attempt, &outcome)? {
                    // Pending at this attempt now: begun after the update ran.
                    true => Err(JournalError::not_found(&key)),
                    false => Ok(()),
                }
            })
            .await
        })
    }

    fn renew<'a>(
        &'a self,
        key: &'a IntentKey,
        lease: u32,
        duration: Duration,
    ) -> JournalFuture<'a, bool> {
        Box::pin(async move {
            let key = key.clone();
            self.run(JournalStep::Renew, move |conn| {
                let until = to_ms(SystemTime::now()).saturating_add(duration_ms(duration));
                conn.prepare_cached(RENEW)
                    .and_then(|mut statement| {
                        statement.execute(params![
                            key.provider(),
                            key.operation(),
                            key.field(),
                            key.value(),
                            sql_u32(lease),
                            until,
                        ])
                    })
                    .map(|updated| updated == 1)
                    .map_err(|e| JournalError::unavailable(JournalStep::Renew, e))
            })
            .await
        })
    }

    fn claim_pending<'a>(
        &'a self,
        provider: &'a str,
        older_than: Duration,
        lease: Duration,
        limit: usize,
    ) -> JournalFuture<'a, Vec<Intent>> {
        Box::pin(async move {
            let provider = provider.to_owned();
            self.run(JournalStep::Claim, move |conn| {
                let step = JournalStep::Claim;
                let now = to_ms(SystemTime::now());
                let mut statement = conn
                    .prepare_cached(CLAIM)
                    .map_err(|e| JournalError::unavailable(step, e))?;
                let rows = statement
                    .query_map(
                        params![
                            provider,
                            now.saturating_sub(duration_ms(older_than)),
                            now.saturating_add(duration_ms(lease)),
                            now,
                            sql_limit(limit),
                        ],
                        read_row,
                    )
                    .map_err(|e| JournalError::unavailable(step, e))?
                    .collect::<rusqlite::Result<Vec<Row>>>()
                    .map_err(|e| JournalError::unavailable(step, e))?;
                let mut claimed = rows
                    .into_iter()
                    .map(|row| row.into_intent(step))
                    .collect::<Result<Vec<_>, _>>()?;
                claimed.sort_by_key(|intent| intent.created_at);
                Ok(claimed)
            })
            .await
        })
    }

    fn release<'a>(&'a self, claimed: &'a Intent) -> JournalFuture<'a, ()> {
        Box::pin(async move {
            let key = claimed.key.clone();
            let leases = sql_u32(claimed.leases);
            self.run(JournalStep::Release, move |conn| {
                conn.prepare_cached(RELEASE)
                    .and_then(|mut statement| {
                        statement.execute(params![
                            key.provider(),
                            key.operation(),
                            key.field(),
                            key.value(),
                            leases
                        ])
                    })
                    .map(drop)
                    .map_err(|e| JournalError::unavailable(JournalStep::Release, e))
            })
            .await
        })
    }

    fn get<'a>(&'a self, key: &'a IntentKey) -> JournalFuture<'a, Option<Intent>> {
        Box::pin(async move {
            let key = key.clone();
            self.run(JournalStep::Get, move |conn| {
                select(conn, &key, JournalStep::Get)
            })
            .await
        })
    }

    fn prune<'a>(&'a self, older_than: Duration) -> JournalFuture<'a, u64> {
        Box::pin(async move {
            self.run(JournalStep::Prune, move |conn| {
                let before = to_ms(SystemTime::now()).saturating_sub(duration_ms(older_than));
                conn.prepare_cached(PRUNE)
                    .and_then(|mut statement| statement.execute(params![before]))
                    .map(|deleted| deleted as u64)
                    .map_err(|e| JournalError::unavailable(JournalStep::Prune, e))
            })
            .await
        })
    }
}
