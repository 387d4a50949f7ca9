//! Sync jobs on apalis, over the database the app already uses: apalis-sqlite on SQLite and
//! apalis-postgres on PostgreSQL, both sharing SeaORM's sqlx pool. A job is just an account id;
//! what it does is [`Syncs::run_job`]. Jobs survive restarts, and apalis puts a job back on the
//! queue when the worker that took it stops sending heartbeats (killed mid-sync, say).
//!
//! The scheduler asks for a sync of every active mailbox each `SYNC_INTERVAL_SECS`; every
//! instance runs it, and the mailbox's state drops the duplicates. Housekeeping removes a
//! finished job once a later one of its mailbox has finished, and any finished job after
//! `SYNC_JOB_RETENTION_SECS`, so the job table holds about one row per mailbox, not one per sync
//! forever.

use std::time::Duration;

use apalis::prelude::*;
use apalis_postgres::PostgresStorage;
use apalis_sqlite::SqliteStorage;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, DbErr, Statement};
use serde::{Deserialize, Serialize};
use tokio_util::sync::CancellationToken;

use super::Syncs;

const QUEUE: &str = "mailbox-sync";
/// How often an idle worker looks for new jobs ("Sync now" waits at most this long).
const POLL_INTERVAL: Duration = Duration::from_millis(250);
/// A job is tried this many times (apalis counts crashed workers' attempts too).
const MAX_ATTEMPTS: usize = 25;

/// One sync of one mailbox.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SyncJob {
    pub account_id: i32,
}

#[derive(Clone)]
pub enum JobQueue {
    Sqlite(SqliteStorage<SyncJob>),
    Postgres(PostgresStorage<SyncJob>),
}

impl JobQueue {
    /// The queue on `db`'s own pool, its tables created if needed. Instances starting together
    /// may race to create them; a failed attempt is retried once the other has finished.
    pub async fn connect(db: &DatabaseConnection) -> anyhow::Result<Self> {
        let mut attempt = 1;
        loop {
            match Self::try_connect(db).await {
                Ok(queue) => return Ok(queue),
                Err(error) if attempt < 5 => {
                    tracing::warn!(%error, attempt, "setting up the job queue failed; retrying");
                    tokio::time::sleep(Duration::from_millis(200 * attempt)).await;
                    attempt += 1;
                }
                Err(error) => return Err(error),
            }
        }
    }

    async fn try_connect(db: &DatabaseConnection) -> anyhow::Result<Self> {
        let heartbeat = Duration::from_secs(10);
        Ok(match db.get_database_backend() {
            DbBackend::Sqlite => {
                let pool = db.get_sqlite_connection_pool();
                // Only apalis's migrations: its `setup` would also change the pool's pragmas.
                SqliteStorage::<()>::migrations().run(pool).await?;
                let config = apalis_sqlite::Config::default()
                    .queue(QUEUE)
                    .heartbeat_interval(heartbeat);
                Self::Sqlite(SqliteStorage::new(pool).with_config(config))
            }
            DbBackend::Postgres => {
                let pool = db.get_postgres_connection_pool();
                PostgresStorage::<()>::migrations().run(pool).await?;
                let config = apalis_postgres::Config::default()
                    .queue(QUEUE)
                    .heartbeat_interval(heartbeat);
                Self::Postgres(PostgresStorage::new(pool).with_config(config))
            }
            other => anyhow::bail!("no job queue for {other:?}"),
        })
    }

    /// Pushes a sync of `account_id`, now or after `delay`.
    pub async fn push(&self, account_id: i32, delay: Option<Duration>) -> Result<(), String> {
        let mut task = TaskBuilder::new(SyncJob { account_id }).max_attempts(MAX_ATTEMPTS);
        if let Some(delay) = delay {
            task = task.run_after(delay);
        }
        let task = task.build();
        match self {
            Self::Sqlite(storage) => storage
                .clone()
                .push_task(task)
                .await
                .map_err(|e| e.to_string()),
            Self::Postgres(storage) => storage
                .clone()
                .push_task(task)
                .await
                .map_err(|e| e.to_string()),
        }
    }
}

impl Syncs {
    /// Removes this queue's finished jobs that no one needs: a completed sync once a later sync
    /// of the same mailbox has finished (so the table keeps each mailbox's last one), and any
    /// finished job (done, or killed after its last attempt) older than
    /// `SYNC_JOB_RETENTION_SECS`. Returns how many.
    pub async fn purge_finished_jobs(&self) -> Result<u64, DbErr> {
        let before = self.clock.now() - self.config.job_retention.as_secs() as i64;
        let backend = self.db.get_database_backend();
        // A job's payload is just its mailbox's id, so equal payloads mean the same mailbox.
        let sql = match backend {
            DbBackend::Postgres => {
                "DELETE FROM apalis.jobs j WHERE j.job_type = $1 \
                 AND j.status IN ('Done', 'Killed') AND (j.done_at < to_timestamp($2) \
                 OR (j.status = 'Done' AND EXISTS (SELECT 1 FROM apalis.jobs later \
                 WHERE later.job_type = j.job_type AND later.job = j.job \
                 AND later.status IN ('Done', 'Killed') AND later.done_at > j.done_at)))"
            }
            _ => {
                "DELETE FROM Jobs WHERE job_type = ?1 \
                 AND status IN ('Done', 'Killed') AND (done_at < ?2 \
                 OR (status = 'Done' AND EXISTS (SELECT 1 FROM Jobs later \
                 WHERE later.job_type = Jobs.job_type AND later.job = Jobs.job \
                 AND later.status IN ('Done', 'Killed') AND later.done_at > Jobs.done_at)))"
            }
        };
        let purged = self
            .db
            .execute_raw(Statement::from_sql_and_values(
                backend,
                sql,
                [QUEUE.into(), before.into()],
            ))
            .await?;
        Ok(purged.rows_affected())
    }
}

async fn handle(job: SyncJob, syncs: Data<Syncs>) -> Result<(), BoxDynError> {
    syncs.run_job(job.account_id).await;
    Ok(())
}

/// Runs this instance's sync workers (`SYNC_CONCURRENCY` jobs at once) until `stop` fires.
pub async fn run_workers(syncs: Syncs, stop: CancellationToken) {
    let concurrency = syncs.config().concurrency;
    let name = format!("mailbox-sync-{}", syncs.instance);
    let stopped = async move {
        stop.cancelled().await;
        Ok::<(), std::io::Error>(())
    };
    // One worker set-up for either database (their storages are different types).
    macro_rules! run_on {
        ($storage:expr) => {
            WorkerBuilder::new(name)
                .backend($storage.poll_with_interval(POLL_INTERVAL))
                .data(syncs)
                .concurrency(concurrency)
                .build(handle)
                .run_until(stopped)
                .await
        };
    }
    let result = match syncs.queue.clone() {
        JobQueue::Sqlite(storage) => run_on!(storage),
        JobQueue::Postgres(storage) => run_on!(storage),
    };
    if let Err(error) = result {
        tracing::error!(%error, "sync worker stopped");
    }
}

/// Asks for a sync of every active mailbox each `SYNC_INTERVAL_SECS` until `stop` fires.
pub async fn run_scheduler(syncs: Syncs, stop: CancellationToken) {
    let interval = syncs.config().interval;
    loop {
        match syncs.request_all().await {
            Ok(0) => {}
            Ok(queued) => tracing::info!(queued, "mail syncs queued"),
            Err(error) => tracing::warn!(%error, "queueing mail syncs failed"),
        }
        tokio::select! {
            _ = stop.cancelled() => break,
            _ = tokio::time::sleep(interval) => {}
        }
    }
}
