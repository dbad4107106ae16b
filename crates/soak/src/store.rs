//! The shared journal: where it is, opening it, and a PostgreSQL database
//! of its own for each run.

use std::sync::Arc;

use partner_sdk_journal::deadpool_postgres::tokio_postgres::{self, NoTls};
use partner_sdk_journal::{JournalStore, PostgresJournal, SqliteJournal};

/// Where the journal of a run is.
#[derive(Debug, Clone)]
pub(crate) enum Location {
    /// A PostgreSQL database, by its connection string.
    Postgres(String),
    /// A SQLite file, by its path.
    Sqlite(String),
}

impl Location {
    /// The journal there, opened (and its schema created when missing).
    pub(crate) async fn open(&self) -> Result<Arc<dyn JournalStore>, String> {
        match self {
            Location::Postgres(url) => PostgresJournal::connect(url)
                .await
                .map(|j| Arc::new(j) as Arc<dyn JournalStore>)
                .map_err(|e| format!("cannot open the PostgreSQL journal: {e}")),
            Location::Sqlite(path) => SqliteJournal::open(path)
                .await
                .map(|j| Arc::new(j) as Arc<dyn JournalStore>)
                .map_err(|e| format!("cannot open the SQLite journal {path}: {e}")),
        }
    }
}

/// Creates the database `name` on the server `server_url` names and returns
/// a connection string for it (the same server, user and options).
pub(crate) async fn create_database(server_url: &str, name: &str) -> Result<String, String> {
    execute(server_url, &format!("CREATE DATABASE {name}")).await?;
    Ok(with_database(server_url, name))
}

/// Drops the database `name` (closing what is still connected to it).
pub(crate) async fn drop_database(server_url: &str, name: &str) -> Result<(), String> {
    execute(
        server_url,
        &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
    )
    .await
}

async fn execute(server_url: &str, statement: &str) -> Result<(), String> {
    let (client, connection) = tokio_postgres::connect(server_url, NoTls)
        .await
        .map_err(|e| format!("cannot connect to PostgreSQL: {e}"))?;
    let task = tokio::spawn(connection);
    let done = client
        .batch_execute(statement)
        .await
        .map_err(|e| format!("PostgreSQL refused `{statement}`: {e}"));
    drop(client);
    let _ = task.await;
    done
}

/// `server_url` naming the database `name` instead of its own: a URL's path
/// replaced, or `dbname` appended to a `key=value` string (the last one
/// counts).
fn with_database(server_url: &str, name: &str) -> String {
    let is_url = server_url.starts_with("postgres://") || server_url.starts_with("postgresql://");
    match url::Url::parse(server_url) {
        Ok(mut url) if is_url => {
            url.set_path(&format!("/{name}"));
            url.to_string()
        }
        _ => format!("{server_url} dbname={name}"),
    }
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn a_connection_string_is_pointed_at_another_database() {
        assert_eq!(
            with_database(
                "postgresql://postgres@127.0.0.1:55432/partner_sdk_test",
                "soak_1"
            ),
            "postgresql://postgres@127.0.0.1:55432/soak_1"
        );
        assert_eq!(
            with_database("postgres://u@h/db?sslmode=disable", "soak_1"),
            "postgres://u@h/soak_1?sslmode=disable"
        );
        assert_eq!(
            with_database("host=127.0.0.1 user=postgres", "soak_1"),
            "host=127.0.0.1 user=postgres dbname=soak_1"
        );
    }
}
