//! [`PostgresJournal`]: one journal shared by replicas, in PostgreSQL.

use std::sync::Arc;
use std::time::Duration;

use tokio_postgres::types::ToSql;
use tokio_postgres::{Client, NoTls, Statement};

use super::row::{Row, duration_ms, outcome_columns, sql_limit};
use super::{
    Begin, Intent, IntentKey, JournalError, JournalStep, JournalStore, NewIntent, Outcome,
    async_trait,
};

/// The intents' table.
const TABLE: &str = "partner_sdk_intents";

/// The advisory lock the migrations run under, so replicas starting together
/// create the schema once ("partner1" in ASCII).
const MIGRATION_LOCK: i64 = 0x7061_7274_6e65_7231;

/// The migrations, in order; each runs once per database, recorded in
/// `partner_sdk_journal_migrations`.
const MIGRATIONS: &[(i32, &str)] = &[(
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
)];

/// The match on one intent's key, parameters `$1` to `$4`.
const WHERE_KEY: &str = "provider = $1 AND operation = $2 AND key_field = $3 AND key_value = $4";

/// The columns [`read_row`] reads, in its order, of the table under `alias`
/// (times as milliseconds since the Unix epoch).
fn columns(alias: &str) -> String {
    format!(
        "{alias}provider, {alias}operation, {alias}key_field, {alias}key_value, {alias}digest, \
         (extract(epoch FROM {alias}created_at) * 1000)::bigint, {alias}state, \
         {alias}provider_id, {alias}reason, {alias}attempts::bigint, \
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
/// One journal holds one connection; calls from many tasks share it
/// (pipelined). When the connection is lost, calls fail with
/// [`JournalError::Unavailable`] (a `begin` then means the create is not
/// sent); open a new journal to reconnect.
#[derive(Clone)]
pub struct PostgresJournal {
    client: Arc<Client>,
    statements: Arc<Statements>,
}

/// The statements, prepared once per connection: each call is then one
/// round trip instead of a parse and an execute.
struct Statements {
    select: Statement,
    insert: Statement,
    settle: Statement,
    claim: Statement,
    release: Statement,
}

impl Statements {
    async fn prepare(client: &Client) -> Result<Self, tokio_postgres::Error> {
        let select = format!("SELECT {} FROM {TABLE} WHERE {WHERE_KEY}", columns(""));
        let insert = format!(
            "INSERT INTO {TABLE} (provider, operation, key_field, key_value, digest, state) \
             VALUES ($1, $2, $3, $4, $5, 'pending') ON CONFLICT DO NOTHING"
        );
        let settle = format!(
            "UPDATE {TABLE} SET state = $5, provider_id = $6, reason = $7, \
             settled_at = now(), lease_until = NULL \
             WHERE {WHERE_KEY} AND state = 'pending'"
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
             UPDATE {TABLE} AS i SET attempts = i.attempts + 1, \
                 lease_until = now() + make_interval(secs => $3::bigint / 1000.0) \
             FROM claimable AS c \
             WHERE i.provider = c.provider AND i.operation = c.operation \
               AND i.key_field = c.key_field AND i.key_value = c.key_value \
             RETURNING {}",
            columns("i.")
        );
        let release = format!(
            "UPDATE {TABLE} SET lease_until = NULL \
             WHERE {WHERE_KEY} AND state = 'pending' AND attempts = $5"
        );
        Ok(Self {
            select: client.prepare(&select).await?,
            insert: client.prepare(&insert).await?,
            settle: client.prepare(&settle).await?,
            claim: client.prepare(&claim).await?,
            release: client.prepare(&release).await?,
        })
    }
}

impl std::fmt::Debug for PostgresJournal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresJournal").finish_non_exhaustive()
    }
}

impl PostgresJournal {
    /// Connects without TLS to the database named by `config`, a connection
    /// string as `tokio_postgres::Config` reads it (URL `postgresql://user@host/db`
    /// or `host=... user=... dbname=...`), and creates the schema when it is
    /// missing. The connection runs on a task spawned on the current tokio
    /// runtime. For TLS, connect yourself and use
    /// [`PostgresJournal::from_client`].
    pub async fn connect(config: &str) -> Result<Self, JournalError> {
        let (client, connection) = tokio_postgres::connect(config, NoTls)
            .await
            .map_err(|e| JournalError::unavailable(JournalStep::Open, e))?;
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                tracing::warn!(%error, "intent journal: PostgreSQL connection closed");
            }
        });
        Self::from_client(client).await
    }

    /// A journal over a client you connected (with the TLS you need, its
    /// connection task spawned), creating the schema when it is missing.
    pub async fn from_client(mut client: Client) -> Result<Self, JournalError> {
        migrate(&mut client)
            .await
            .map_err(|e| JournalError::unavailable(JournalStep::Open, e))?;
        let statements = Statements::prepare(&client)
            .await
            .map_err(|e| JournalError::unavailable(JournalStep::Open, e))?;
        Ok(Self {
            client: Arc::new(client),
            statements: Arc::new(statements),
        })
    }

    async fn select(
        &self,
        key: &IntentKey,
        step: JournalStep,
    ) -> Result<Option<Intent>, JournalError> {
        self.client
            .query_opt(
                &self.statements.select,
                &[
                    &key.provider(),
                    &key.operation(),
                    &key.field(),
                    &key.value(),
                ],
            )
            .await
            .map_err(|e| JournalError::unavailable(step, e))?
            .map(|row| read_row(&row, step)?.into_intent(step))
            .transpose()
    }
}

async fn migrate(client: &mut Client) -> Result<(), tokio_postgres::Error> {
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
            attempts: row.try_get(9)?,
            lease_until_ms: row.try_get(10)?,
        })
    };
    read().map_err(|e| JournalError::unavailable(step, e))
}

#[async_trait]
impl JournalStore for PostgresJournal {
    async fn begin(&self, intent: &NewIntent) -> Result<Begin, JournalError> {
        let step = JournalStep::Begin;
        let key = &intent.key;
        let digest: &[u8] = intent.digest.as_bytes();
        let inserted = self
            .client
            .execute(
                &self.statements.insert,
                &[
                    &key.provider(),
                    &key.operation(),
                    &key.field(),
                    &key.value(),
                    &digest,
                ],
            )
            .await
            .map_err(|e| JournalError::unavailable(step, e))?;
        if inserted == 1 {
            return Ok(Begin::Fresh);
        }
        // Intents are never deleted: the row that refused the insert is there.
        match self.select(key, step).await? {
            Some(existing) => Begin::against(existing, intent),
            None => Err(JournalError::Corrupt {
                step,
                what: "an intent refused as existing but not found",
            }),
        }
    }

    async fn settle(&self, key: &IntentKey, outcome: Outcome) -> Result<(), JournalError> {
        let step = JournalStep::Settle;
        let (state, provider_id, reason) = outcome_columns(&outcome);
        let params: [&(dyn ToSql + Sync); 7] = [
            &key.provider(),
            &key.operation(),
            &key.field(),
            &key.value(),
            &state,
            &provider_id,
            &reason,
        ];
        let updated = self
            .client
            .execute(&self.statements.settle, &params)
            .await
            .map_err(|e| JournalError::unavailable(step, e))?;
        if updated == 1 {
            return Ok(());
        }
        // Not pending: settled already (the same way is fine) or never begun.
        // A settled intent stays settled, so this read is conclusive.
        let intent = self
            .select(key, step)
            .await?
            .ok_or_else(|| JournalError::not_found(key))?;
        if intent.check_settle(&outcome)? {
            // Pending now, so it was begun after this settle's update ran.
            return Err(JournalError::not_found(key));
        }
        Ok(())
    }

    async fn claim_pending(
        &self,
        provider: &str,
        older_than: Duration,
        lease: Duration,
        limit: usize,
    ) -> Result<Vec<Intent>, JournalError> {
        let step = JournalStep::Claim;
        let rows = self
            .client
            .query(
                &self.statements.claim,
                &[
                    &provider,
                    &duration_ms(older_than),
                    &duration_ms(lease),
                    &sql_limit(limit),
                ],
            )
            .await
            .map_err(|e| JournalError::unavailable(step, e))?;
        let mut claimed = rows
            .iter()
            .map(|row| read_row(row, step)?.into_intent(step))
            .collect::<Result<Vec<_>, _>>()?;
        claimed.sort_by_key(|intent| intent.created_at);
        Ok(claimed)
    }

    async fn release(&self, claimed: &Intent) -> Result<(), JournalError> {
        let key = &claimed.key;
        let attempts = i32::try_from(claimed.attempts).unwrap_or(i32::MAX);
        self.client
            .execute(
                &self.statements.release,
                &[
                    &key.provider(),
                    &key.operation(),
                    &key.field(),
                    &key.value(),
                    &attempts,
                ],
            )
            .await
            .map(drop)
            .map_err(|e| JournalError::unavailable(JournalStep::Release, e))
    }

    async fn get(&self, key: &IntentKey) -> Result<Option<Intent>, JournalError> {
        self.select(key, JournalStep::Get).await
    }
}
