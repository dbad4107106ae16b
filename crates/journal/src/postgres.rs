//! [`PostgresJournal`]: one journal shared by replicas, in PostgreSQL.

use std::sync::Arc;
use std::time::Duration;

use deadpool_postgres::{Manager, ManagerConfig, Object, Pool, RecyclingMethod, Runtime, Timeouts};
use tokio_postgres::NoTls;
use tokio_postgres::types::ToSql;

use super::row::{Row, duration_ms, lease_of, outcome_columns, sql_limit, sql_u32};
use super::{
    Begin, Intent, IntentKey, JournalError, JournalFuture, JournalStep, JournalStore, NewIntent,
    Outcome,
};

/// The intents' table.
const TABLE: &str = "partner_sdk_intents";

/// The advisory lock the migrations run under, so replicas starting together
/// create the schema once ("partner1" in ASCII).
const MIGRATION_LOCK: i64 = 0x7061_7274_6e65_7231;

/// How long the server runs one statement of [`PostgresJournal::connect`]'s
/// connections before cancelling it (5 s): a journal call never waits on a
/// lock for longer.
pub const POSTGRES_STATEMENT_TIMEOUT: Duration = Duration::from_secs(5);

/// How many connections [`PostgresJournal::connect`]'s pool opens at most (8).
pub const POSTGRES_POOL_SIZE: usize = 8;

/// How long [`PostgresJournal::connect`]'s pool waits to connect, or for a
/// free connection (5 s each).
pub const POSTGRES_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// The migrations, in order; each runs once per database, recorded in
/// `partner_sdk_journal_migrations`.
const MIGRATIONS: &[(i32, &str)] = &[
    (
        1,
        "CREATE TABLE IF NOT EXISTS partner_sdk_intents (
        provider    TEXT        NOT NULL,
        operation   TEXT        NOT NULL,
        key_field   TEXT        NOT NULL,
        key_value   TEXT        NOT NULL,
        digest      BYTEA       NOT NULL,
        created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
        state       TEXT        NOT NULL CHECK (state IN ('pending', 'done', 'not_done')),
        provider_id TEXT,
        reason      TEXT,
        attempts    INTEGER     NOT NULL DEFAULT 0,
        lease_until TIMESTAMPTZ,
        settled_at  TIMESTAMPTZ,
        PRIMARY KEY (provider, operation, key_field, key_value)
    );
    CREATE INDEX IF NOT EXISTS partner_sdk_intents_pending
        ON partner_sdk_intents (provider, created_at) WHERE state = 'pending';",
    ),
    // The sender's lease and attempts: `attempts` counted claims and named
    // the lease; it now counts every lease (`begin`'s too), and `attempt`
    // numbers the creates begun under one key.
    (
        2,
        "ALTER TABLE partner_sdk_intents RENAME COLUMN attempts TO leases;
    ALTER TABLE partner_sdk_intents ADD COLUMN attempt INTEGER NOT NULL DEFAULT 1;
    CREATE INDEX IF NOT EXISTS partner_sdk_intents_settled
        ON partner_sdk_intents (settled_at) WHERE state <> 'pending';",
    ),
];

/// The match on one intent's key, parameters `$1` to `$4`.
const WHERE_KEY: &str = "provider = $1 AND operation = $2 AND key_field = $3 AND key_value = $4";

/// The columns [`read_row`] reads, in its order, of the table under `alias`
/// (times as milliseconds since the Unix epoch).
fn columns(alias: &str) -> String {
    format!(
        "{alias}provider, {alias}operation, {alias}key_field, {alias}key_value, {alias}digest, \
         (extract(epoch FROM {alias}created_at) * 1000)::bigint, {alias}state, \
         {alias}provider_id, {alias}reason, {alias}attempt::bigint, {alias}leases::bigint, \
         (extract(epoch FROM {alias}lease_until) * 1000)::bigint"
    )
}

/// The journal in a PostgreSQL database, shared by every replica of a
/// service.
///
/// [`PostgresJournal::connect`] creates the schema when it is missing: the
/// table `partner_sdk_intents` and `partner_sdk_journal_migrations`, which
/// records the versions applied, under an advisory lock so replicas starting
/// together migrate once. Claims lock the rows they take with `FOR UPDATE SKIP
/// LOCKED` and set a lease in the same statement, so two replicas claiming at
/// once get disjoint intents. Times (written, leases) are the server's, so
/// the replicas' clocks do not matter.
///
/// Calls go through a pool of connections ([`deadpool_postgres`]): a
/// connection the server or the network closed is dropped and the next call
/// opens another, so the journal comes back with its database without a
/// restart. Every statement is bounded by the server's `statement_timeout`
/// ([`POSTGRES_STATEMENT_TIMEOUT`] with [`connect`](Self::connect)), and
/// TCP keepalives find a connection whose peer vanished. A call that fails
/// is [`JournalError::Unavailable`] (a `begin` then means the create is not
/// sent).
///
/// # TLS
///
/// [`connect`](Self::connect) connects without TLS (a database on the same
/// host or private network). For TLS, build the pool with your TLS
/// connector (`postgres-native-tls` or `tokio-postgres-rustls` give one for
/// `deadpool_postgres::Manager::from_config`) and hand it to
/// [`from_pool`](Self::from_pool).
#[derive(Clone)]
pub struct PostgresJournal {
    pool: Pool,
    sql: Arc<Sql>,
}

/// The statements, written once; each connection prepares each once
/// (`prepare_cached`), so a call is one round trip.
struct Sql {
    select: String,
    begin: String,
    settle: String,
    renew: String,
    claim: String,
    release: String,
    prune: String,
}

impl Sql {
    fn new() -> Self {
        let select = format!("SELECT {} FROM {TABLE} WHERE {WHERE_KEY}", columns(""));
        // A new key is written; a key settled not done is begun again (a new
        // attempt); either way the sender's lease is taken. Any other key
        // returns nothing: it is looked up.
        let begin = format!(
            "INSERT INTO {TABLE} AS i (provider, operation, key_field, key_value, digest, state, \
                 attempt, leases, lease_until) \
             VALUES ($1, $2, $3, $4, $5, 'pending', 1, 1, \
                 now() + make_interval(secs => $6::bigint / 1000.0)) \
             ON CONFLICT (provider, operation, key_field, key_value) DO UPDATE SET \
                 digest = EXCLUDED.digest, created_at = now(), state = 'pending', \
                 provider_id = NULL, reason = NULL, settled_at = NULL, \
                 attempt = i.attempt + 1, leases = i.leases + 1, \
                 lease_until = EXCLUDED.lease_until \
             WHERE i.state = 'not_done' \
             RETURNING i.attempt::bigint, i.leases::bigint"
        );
        let settle = format!(
            "UPDATE {TABLE} SET state = $5, provider_id = $6, reason = $7, \
             settled_at = now(), lease_until = NULL \
             WHERE {WHERE_KEY} AND state = 'pending' AND attempt = $8"
        );
        let renew = format!(
            "UPDATE {TABLE} SET lease_until = now() + make_interval(secs => $6::bigint / 1000.0) \
             WHERE {WHERE_KEY} AND state = 'pending' AND leases = $5"
        );
        // The candidates are locked as they are chosen, skipping rows another
        // replica holds; the lease is set in the same statement. A row a
        // concurrent claim leased meanwhile is re-checked and left out.
        let claim = format!(
            "WITH claimable AS ( \
                 SELECT provider, operation, key_field, key_value FROM {TABLE} \
                 WHERE provider = $1 AND state = 'pending' \
                   AND created_at <= now() - make_interval(secs => $2::bigint / 1000.0) \
                   AND (lease_until IS NULL OR lease_until <= now()) \
                 ORDER BY created_at LIMIT $4 \
                 FOR UPDATE SKIP LOCKED) \
             UPDATE {TABLE} AS i SET leases = i.leases + 1, \
                 lease_until = now() + make_interval(secs => $3::bigint / 1000.0) \
             FROM claimable AS c \
             WHERE i.provider = c.provider AND i.operation = c.operation \
               AND i.key_field = c.key_field AND i.key_value = c.key_value \
             RETURNING {}",
            columns("i.")
        );
        let release = format!(
            "UPDATE {TABLE} SET lease_until = NULL \
             WHERE {WHERE_KEY} AND state = 'pending' AND leases = $5"
        );
        let prune = format!(
            "DELETE FROM {TABLE} WHERE state <> 'pending' \
             AND settled_at <= now() - make_interval(secs => $1::bigint / 1000.0)"
        );
        Self {
            select,
            begin,
            settle,
            renew,
            claim,
            release,
            prune,
        }
    }
}

impl std::fmt::Debug for PostgresJournal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresJournal")
            .field("pool_size", &self.pool.status().max_size)
            .finish_non_exhaustive()
    }
}

impl PostgresJournal {
    /// Connects without TLS to the database named by `config`, a connection
    /// string as `tokio_postgres::Config` reads it (URL `postgresql://user@host/db`
    /// or `host=... user=... dbname=...`), through a pool of at most
    /// [`POSTGRES_POOL_SIZE`] connections, each with a `statement_timeout`
    /// of [`POSTGRES_STATEMENT_TIMEOUT`], TCP keepalives, and
    /// [`POSTGRES_CONNECT_TIMEOUT`] to connect or wait for a connection; then
    /// creates the schema when it is missing. Needs a tokio runtime. For TLS,
    /// see [`from_pool`](Self::from_pool).
    pub async fn connect(config: &str) -> Result<Self, JournalError> {
        let mut pg: tokio_postgres::Config = config.parse().map_err(open_failed)?;
        let options = format!(
            "{} -c statement_timeout={}",
            pg.get_options().unwrap_or_default(),
            POSTGRES_STATEMENT_TIMEOUT.as_millis()
        );
        pg.options(options.trim_start());
        if pg.get_connect_timeout().is_none() {
            pg.connect_timeout(POSTGRES_CONNECT_TIMEOUT);
        }
        pg.keepalives(true)
            .keepalives_idle(Duration::from_secs(10))
            .keepalives_interval(Duration::from_secs(5))
            .keepalives_retries(3);
        let manager = Manager::from_config(
            pg,
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(POSTGRES_POOL_SIZE)
            .runtime(Runtime::Tokio1)
            .timeouts(Timeouts {
                wait: Some(POSTGRES_CONNECT_TIMEOUT),
                create: Some(POSTGRES_CONNECT_TIMEOUT),
                recycle: Some(POSTGRES_CONNECT_TIMEOUT),
            })
            .build()
            .map_err(open_failed)?;
        Self::from_pool(pool).await
    }

    /// A journal over a pool you built (with the TLS, size and timeouts you
    /// need; give it a runtime and wait/create timeouts, so no call waits
    /// without bound), creating the schema when it is missing.
    pub async fn from_pool(pool: Pool) -> Result<Self, JournalError> {
        let mut client = pool.get().await.map_err(open_failed)?;
        migrate(&mut client).await.map_err(open_failed)?;
        Ok(Self {
            pool,
            sql: Arc::new(Sql::new()),
        })
    }

    /// A connection of the pool.
    async fn client(&self, step: JournalStep) -> Result<Object, JournalError> {
        self.pool
            .get()
            .await
            .map_err(|e| JournalError::unavailable(step, e))
    }

    /// Runs `call` on a connection of the pool. A connection found lost
    /// is dropped from the pool and `call` made once more on another (the
    /// statement did not run, or a begin made again finds its own intent:
    /// `Existing`, never a second send).
    async fn on_connection<T, F, Fut>(&self, step: JournalStep, call: F) -> Result<T, JournalError>
    where
        F: Fn(Object) -> Fut,
        Fut: Future<Output = (Object, Result<T, tokio_postgres::Error>)>,
    {
        let mut retried = false;
        loop {
            let (client, result) = call(self.client(step).await?).await;
            match result {
                Ok(value) => return Ok(value),
                Err(e) if connection_lost(&client, &e) && !retried => {
                    drop(Object::take(client));
                    retried = true;
                }
                Err(e) => {
                    if connection_lost(&client, &e) {
                        drop(Object::take(client));
                    }
                    return Err(JournalError::unavailable(step, e));
                }
            }
        }
    }

    /// Runs `sql` (prepared once per connection) with `params`, returning
    /// the rows.
    async fn query(
        &self,
        step: JournalStep,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Vec<tokio_postgres::Row>, JournalError> {
        self.on_connection(step, |client| async move {
            let result = match client.prepare_cached(sql).await {
                Ok(statement) => client.query(&statement, params).await,
                Err(e) => Err(e),
            };
            (client, result)
        })
        .await
    }

    /// Runs `sql` (prepared once per connection) with `params`, returning
    /// how many rows it changed.
    async fn execute(
        &self,
        step: JournalStep,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<u64, JournalError> {
        self.on_connection(step, |client| async move {
            let result = match client.prepare_cached(sql).await {
                Ok(statement) => client.execute(&statement, params).await,
                Err(e) => Err(e),
            };
            (client, result)
        })
        .await
    }

    async fn select(
        &self,
        key: &IntentKey,
        step: JournalStep,
    ) -> Result<Option<Intent>, JournalError> {
        let params: [&(dyn ToSql + Sync); 4] = [
            &key.provider(),
            &key.operation(),
            &key.field(),
            &key.value(),
        ];
        self.query(step, &self.sql.select, &params)
            .await?
            .first()
            .map(|row| read_row(row, step)?.into_intent(step))
            .transpose()
    }
}

/// Whether `error` says the connection is gone (closed, or ended by the
/// server with a fatal error: a restart, a terminated backend), so it is
/// dropped from the pool.
fn connection_lost(client: &Object, error: &tokio_postgres::Error) -> bool {
    let fatal = error.as_db_error().is_some_and(|db| {
        matches!(
            db.parsed_severity(),
            Some(tokio_postgres::error::Severity::Fatal | tokio_postgres::error::Severity::Panic)
        )
    });
    fatal || error.is_closed() || client.is_closed()
}

/// An error while opening the journal.
fn open_failed(e: impl Into<super::BoxError>) -> JournalError {
    JournalError::unavailable(JournalStep::Open, e)
}

async fn migrate(client: &mut Object) -> Result<(), tokio_postgres::Error> {
    let tx = client.transaction().await?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
        .await?;
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS partner_sdk_journal_migrations (
            version    INTEGER     PRIMARY KEY,
            applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
        )",
    )
    .await?;
    let applied: i32 = tx
        .query_one(
            "SELECT COALESCE(MAX(version), 0) FROM partner_sdk_journal_migrations",
            &[],
        )
        .await?
        .try_get(0)?;
    for (version, sql) in MIGRATIONS.iter().filter(|(v, _)| *v > applied) {
        tx.batch_execute(sql).await?;
        tx.execute(
            "INSERT INTO partner_sdk_journal_migrations (version) VALUES ($1)",
            &[version],
        )
        .await?;
    }
    tx.commit().await
}

fn read_row(row: &tokio_postgres::Row, step: JournalStep) -> Result<Row, JournalError> {
    let read = || -> Result<Row, tokio_postgres::Error> {
        Ok(Row {
            provider: row.try_get(0)?,
            operation: row.try_get(1)?,
            key_field: row.try_get(2)?,
            key_value: row.try_get(3)?,
            digest: row.try_get(4)?,
            created_at_ms: row.try_get(5)?,
            state: row.try_get(6)?,
            provider_id: row.try_get(7)?,
            reason: row.try_get(8)?,
            attempt: row.try_get(9)?,
            leases: row.try_get(10)?,
            lease_until_ms: row.try_get(11)?,
        })
    };
    read().map_err(|e| JournalError::unavailable(step, e))
}

impl JournalStore for PostgresJournal {
    fn begin<'a>(&'a self, intent: &'a NewIntent, lease: Duration) -> JournalFuture<'a, Begin> {
        Box::pin(async move {
            let step = JournalStep::Begin;
            let key = &intent.key;
            let digest: &[u8] = intent.digest.as_bytes();
            let lease_ms = duration_ms(lease);
            let params: [&(dyn ToSql + Sync); 6] = [
                &key.provider(),
                &key.operation(),
                &key.field(),
                &key.value(),
                &digest,
                &lease_ms,
            ];
            // Twice at most: an intent that refused the write may be pruned
            // before it is read; the second write then succeeds.
            for _ in 0..2 {
                let rows = self.query(step, &self.sql.begin, &params).await?;
                if let Some(row) = rows.first() {
                    let numbers = (row.try_get::<_, i64>(0), row.try_get::<_, i64>(1));
                    let (Ok(attempt), Ok(number)) = numbers else {
                        return Err(JournalError::Corrupt {
                            step,
                            what: "an attempt or lease number unreadable",
                        });
                    };
                    return lease_of(attempt, number, step).map(Begin::Fresh);
                }
                if let Some(existing) = self.select(key, step).await? {
                    return Begin::against(existing, intent);
                }
            }
            Err(JournalError::Corrupt {
                step,
                what: "an intent refused as existing but not found",
            })
        })
    }

    fn settle<'a>(
        &'a self,
        key: &'a IntentKey,
        attempt: u32,
        outcome: Outcome,
    ) -> JournalFuture<'a, ()> {
        Box::pin(async move {
            let step = JournalStep::Settle;
            let (state, provider_id, reason) = outcome_columns(&outcome);
            let attempt_sql = sql_u32(attempt);
            let params: [&(dyn ToSql + Sync); 8] = [
                &key.provider(),
                &key.operation(),
                &key.field(),
                &key.value(),
                &state,
                &provider_id,
                &reason,
                &attempt_sql,
            ];
            if self.execute(step, &self.sql.settle, &params).await? == 1 {
                return Ok(());
            }
            // Not pending at this attempt: settled already (the same way is
            // fine), begun again since, or never begun.
            let intent = self
                .select(key, step)
                .await?
                .ok_or_else(|| JournalError::not_found(key))?;
            match intent.check_settle(attempt, &outcome)? {
                // Pending at this attempt now: begun after the update ran.
                true => Err(JournalError::not_found(key)),
                false => Ok(()),
            }
        })
    }

    fn renew<'a>(
        &'a self,
        key: &'a IntentKey,
        lease: u32,
        duration: Duration,
    ) -> JournalFuture<'a, bool> {
        Box::pin(async move {
            let lease = sql_u32(lease);
            let duration = duration_ms(duration);
            let params: [&(dyn ToSql + Sync); 6] = [
                &key.provider(),
                &key.operation(),
                &key.field(),
                &key.value(),
                &lease,
                &duration,
            ];
            Ok(self
                .execute(JournalStep::Renew, &self.sql.renew, &params)
                .await?
                == 1)
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
            let step = JournalStep::Claim;
            let (older_than, lease, limit) = (
                duration_ms(older_than),
                duration_ms(lease),
                sql_limit(limit),
            );
            let params: [&(dyn ToSql + Sync); 4] = [&provider, &older_than, &lease, &limit];
            let rows = self.query(step, &self.sql.claim, &params).await?;
            let mut claimed = rows
                .iter()
                .map(|row| read_row(row, step)?.into_intent(step))
                .collect::<Result<Vec<_>, _>>()?;
            claimed.sort_by_key(|intent| intent.created_at);
            Ok(claimed)
        })
    }

    fn release<'a>(&'a self, claimed: &'a Intent) -> JournalFuture<'a, ()> {
        Box::pin(async move {
            let key = &claimed.key;
            let leases = sql_u32(claimed.leases);
            let params: [&(dyn ToSql + Sync); 5] = [
                &key.provider(),
                &key.operation(),
                &key.field(),
                &key.value(),
                &leases,
            ];
            self.execute(JournalStep::Release, &self.sql.release, &params)
                .await
                .map(drop)
        })
    }

    fn get<'a>(&'a self, key: &'a IntentKey) -> JournalFuture<'a, Option<Intent>> {
        Box::pin(async move { self.select(key, JournalStep::Get).await })
    }

    fn prune<'a>(&'a self, older_than: Duration) -> JournalFuture<'a, u64> {
        Box::pin(async move {
            let older_than = duration_ms(older_than);
            self.execute(JournalStep::Prune, &self.sql.prune, &[&older_than])
                .await
        })
    }
}
