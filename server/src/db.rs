//! Opening the database (SQLite file or PostgreSQL) and applying migrations.

use std::path::Path;
use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, Database, DatabaseConnection};

/// Connects, creating the SQLite file's folder when needed, and applies pending migrations.
pub async fn connect_and_migrate(url: &str) -> anyhow::Result<DatabaseConnection> {
    let db = connect(url).await?;
    Migrator::up(&db, None).await?;
    Ok(db)
}

pub async fn connect(url: &str) -> anyhow::Result<DatabaseConnection> {
    let sqlite_folder = sqlite_path(url).and_then(|path| Path::new(path).parent());
    if let Some(folder) = sqlite_folder.filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(folder)?;
    }
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .max_connections(pool_size(url))
        .connect_timeout(Duration::from_secs(10))
        // The pool pings a connection before each use by default: a second round trip per
        // query (for SQLite, a second hop to the connection's thread). Only connections idle
        // long enough to have been dropped by a server, proxy or firewall are pinged.
        .test_before_acquire_if_idle_for(Duration::from_secs(30))
        .sqlx_logging(false)
        // WAL lets readers work beside the one writer; NORMAL sync is safe with WAL.
        .map_sqlx_sqlite_opts(|sqlite| {
            sqlite
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(10))
        });
    let db = Database::connect(options).await?;
    Ok(db)
}

/// Connections per process. A SQLite connection is an OS thread of its own and writes take
/// turns anyway, so a few serve a machine best (with 16, requests spent their time switching
/// threads). PostgreSQL connections wait on the network, so more help, up to a point: on a
/// 2-core machine 8 answered the list faster than 16, with a lower p99 (BENCHMARKS.md), and
/// several instances share the server's connection limit (100 by default).
fn pool_size(url: &str) -> u32 {
    if url.starts_with("sqlite:") { 4 } else { 8 }
}

/// The file path of a `sqlite:` URL, unless it is in memory.
fn sqlite_path(url: &str) -> Option<&str> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or_default();
    (!path.is_empty() && path != ":memory:").then_some(path)
}

#[cfg(test)]
mod tests {
    use super::sqlite_path;

    #[test]
    fn finds_the_sqlite_file() {
        assert_eq!(
            sqlite_path("sqlite://data/mailconnect.db?mode=rwc"),
            Some("data/mailconnect.db")
        );
        assert_eq!(sqlite_path("sqlite::memory:"), None);
        assert_eq!(sqlite_path("postgres://localhost/x"), None);
    }
}
