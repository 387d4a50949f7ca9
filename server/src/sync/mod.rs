//! Mail sync: a durable job per mailbox reads new bank alerts from Gmail or Outlook, classifies them with
//! [`crate::alerts`], and stores every examined message and the transactions found. Owns the
//! `mailbox_sync`, `mail_messages`, `transactions` and `category_rules` tables.
//!
//! - [`queue`]: the jobs, on apalis (apalis-sqlite on SQLite, apalis-postgres on PostgreSQL,
//!   over SeaORM's own pool), the workers, and the scheduler that asks for a sync of every
//!   active mailbox each `SYNC_INTERVAL_SECS`.
//! - [`state`]: each mailbox's sync state; at most one pending or running job per mailbox,
//!   across instances.
//! - [`run`]: one sync (Gmail: the window, then Gmail's history; Outlook: what was received
//!   since the last sync), [`mailbox`]: the session with the mail service (token renewal,
//!   backoff), [`store`]: what a sync writes.
//! - [`layouts`]: every bank mail counted by bank and outcome, and a warning when a bank's
//!   mail stops being read (a new layout or sender).
//! - [`filing`]: the categories owners choose, for one transaction or a merchant's (a rule).
//! - [`transactions`]: the read side for the Transactions page and its CSV, and the bank mail
//!   that could not be read.

pub mod filing;
pub mod layouts;
mod listing;
pub mod mailbox;
pub mod queue;
pub mod run;
pub mod state;
pub mod store;
pub mod sums;
pub mod transactions;

use std::sync::Arc;
use std::time::Duration;

use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QuerySelect};
use secrecy::ExposeSecret;

use crate::accounts::Accounts;
use crate::backoff::Backoff;
use crate::clock::Clock;
use crate::config::SyncConfig;
use crate::entities::email_accounts::{self, Status};
use crate::entities::mailbox_push::{self, PushState};
use crate::entities::mailbox_sync::{self, SyncFailure};
use crate::events::{Event, Events};
use crate::provider::MailApis;
use crate::secrets::random_token;
use crate::tokens::TokenService;

use queue::JobQueue;
use state::Finish;

/// Why a sync, or one call of it, stopped.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("the account must be reconnected")]
    NeedsReconnect,
    #[error("the account is disconnected")]
    Disconnected,
    #[error("the mail service is rate limiting us")]
    RateLimited { retry_in: Duration },
    /// A 5xx, a timeout, a cut-off or unreadable answer, the sign-in service or the database
    /// behind the tokens being down. `reason` is a fixed phrase, never mail content.
    #[error("the mail service or its sign-in is unavailable ({reason})")]
    Unavailable { retry_in: Duration, reason: String },
    /// A token renewed a moment ago was refused too: the run stops and is retried later.
    #[error("a renewed token was refused")]
    TokenRefused,
    /// 403: the mail service no longer lets us read this mailbox. The owner must reconnect it.
    #[error("the mail service forbids reading this mailbox")]
    Forbidden,
    /// This server cannot reach the mailbox as it is configured (a provider left unconfigured,
    /// a token it cannot unseal): its operator must act.
    #[error("the server is misconfigured: {0}")]
    Misconfigured(String),
    #[error("not found")]
    NotFound,
    /// A message over the size the sync reads.
    #[error("a message over 10 MiB")]
    TooLarge,
    #[error("the mail service refused a request: {0}")]
    Refused(String),
    #[error("database error: {0}")]
    Database(#[from] DbErr),
    /// The run's lease lapsed and another run took the mailbox over: this one stops quietly.
    #[error("the run lost its lease")]
    LeaseLost,
}

#[derive(Clone)]
pub struct Syncs {
    db: DatabaseConnection,
    accounts: Accounts,
    tokens: TokenService,
    mail: MailApis,
    clock: Clock,
    config: SyncConfig,
    queue: JobQueue,
    /// This instance's name on run leases.
    instance: String,
    layouts: Arc<layouts::LayoutWatch>,
    /// Classifier threads at once (one per core): what hostile mail can take of the machine.
    classifier_slots: Arc<tokio::sync::Semaphore>,
    /// The Transactions page's sums, kept per user version.
    sums: sums::Sums,
    /// Tells the owner's open pages when a sync is queued or ends.
    events: Events,
}

impl Syncs {
    pub fn new(
        db: DatabaseConnection,
        accounts: Accounts,
        tokens: TokenService,
        mail: MailApis,
        config: SyncConfig,
        queue: JobQueue,
        events: Events,
    ) -> Self {
        Self {
            db,
            clock: accounts.clock().clone(),
            accounts,
            tokens,
            mail,
            config,
            queue,
            instance: random_token().expose_secret()[..12].to_owned(),
            layouts: Arc::default(),
            classifier_slots: Arc::new(tokio::sync::Semaphore::new(
                std::thread::available_parallelism().map_or(2, usize::from),
            )),
            sums: sums::Sums::default(),
            events,
        }
    }

    pub fn config(&self) -> &SyncConfig {
        &self.config
    }

    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// Asks for a sync of the account now. Returns false when one is already pending or
    /// running (the request is dropped, not queued).
    pub async fn request(&self, account_id: i32) -> Result<bool, DbErr> {
        if !self.mark_queued(account_id).await? {
            return Ok(false);
        }
        if let Err(error) = self.queue.push(account_id, None).await {
            // The mark lapses on its own (STALE_QUEUED_SECS); the next round queues again.
            tracing::error!(account_id, %error, "queueing a sync failed");
        }
        let queued = Event::Sync {
            account: account_id,
        };
        self.events.publish_for_mailbox(account_id, queued).await;
        Ok(true)
    }

    /// Its owner's "Sync now": a sync as [`Self::request`] asks, at most once per
    /// `SYNC_NOW_INTERVAL_SECS` for one mailbox. `Ok(Err(at))`: too soon, possible from `at`.
    pub async fn request_now(&self, account_id: i32) -> Result<Result<(), i64>, DbErr> {
        if let Err(at) = self.mark_asked(account_id).await? {
            return Ok(Err(at));
        }
        self.request(account_id).await?;
        Ok(Ok(()))
    }

    /// Asks for a sync of every active account (the scheduler's round), except those whose
    /// push works and that synced within `SYNC_SAFETY_INTERVAL_SECS`: their deliveries queue
    /// them. Returns how many were queued.
    pub async fn request_all(&self) -> Result<usize, DbErr> {
        let active: Vec<i32> = email_accounts::Entity::find()
            .select_only()
            .column(email_accounts::Column::Id)
            .filter(email_accounts::Column::Status.eq(Status::Active))
            .into_tuple()
            .all(&self.db)
            .await?;
        let pushed = self.pushed_and_recent().await?;
        let mut queued = 0;
        for account_id in active.into_iter().filter(|id| !pushed.contains(id)) {
            match self.request(account_id).await {
                Ok(true) => queued += 1,
                Ok(false) => {}
                // One mailbox's trouble does not skip the others.
                Err(error) => tracing::warn!(account_id, %error, "queueing a sync failed"),
            }
        }
        Ok(queued)
    }

    /// The mailboxes whose push works (registered, not lapsed) and that synced within the
    /// safety interval.
    async fn pushed_and_recent(&self) -> Result<std::collections::HashSet<i32>, DbErr> {
        let now = self.clock.now();
        let safety = self.config.safety_interval.as_secs() as i64;
        let pushed: Vec<i32> = mailbox_push::Entity::find()
            .select_only()
            .column(mailbox_push::Column::AccountId)
            .filter(mailbox_push::Column::State.eq(PushState::Active))
            .filter(mailbox_push::Column::ExpiresAt.gt(now))
            .into_tuple()
            .all(&self.db)
            .await?;
        if pushed.is_empty() {
            return Ok(Default::default());
        }
        let recent: Vec<i32> = mailbox_sync::Entity::find()
            .select_only()
            .column(mailbox_sync::Column::AccountId)
            .filter(mailbox_sync::Column::AccountId.is_in(pushed))
            .filter(mailbox_sync::Column::LastSyncedAt.gt(now - safety))
            .into_tuple()
            .all(&self.db)
            .await?;
        Ok(recent.into_iter().collect())
    }

    /// The job: syncs one mailbox under its run lease and records the outcome. Failures that
    /// pass are retried by a delayed job; a dead grant is not retried.
    pub async fn run_job(&self, account_id: i32) {
        let span = tracing::info_span!("sync", account_id);
        let run = tracing::Instrument::instrument(self.run_job_inner(account_id), span);
        if let Err(error) = run.await {
            // A mailbox deleted during its sync (its owner deleted their account) took its rows
            // with it, and the sync's writes fail on their foreign keys: nothing is left to keep.
            if let Ok(None) = self.accounts.find(account_id).await {
                tracing::info!(account_id, "the mailbox was deleted during its sync");
                return;
            }
            // The mailbox's state lets the next request (or the scheduler) queue it again.
            tracing::error!(account_id, %error, "a sync job failed on the database");
        }
    }

    /// Runs one sync while renewing its lease (every third of `SYNC_LEASE_SECS`); stops with
    /// `LeaseLost` if another run took the mailbox over.
    async fn sync_holding_lease(
        &self,
        account: &email_accounts::Model,
        state: &crate::entities::mailbox_sync::Model,
        owner: &str,
    ) -> Result<run::Synced, SyncError> {
        let beat = (self.config.lease / 3).max(Duration::from_secs(1));
        let heartbeat = async {
            loop {
                tokio::time::sleep(beat).await;
                match self.renew_run(account.id, owner).await {
                    Ok(true) => {}
                    Ok(false) => return SyncError::LeaseLost,
                    Err(error) => tracing::warn!(%error, "renewing the sync lease failed"),
                }
            }
        };
        tokio::select! {
            result = self.sync_mailbox(account, state) => result,
            lost = heartbeat => Err(lost),
        }
    }

    async fn run_job_inner(&self, account_id: i32) -> Result<(), DbErr> {
        let owner = format!("{}-{}", self.instance, &random_token().expose_secret()[..8]);
        if !self.take_run(account_id, &owner).await? {
            // Another run holds the mailbox (or a crashed one's lease has not lapsed yet):
            // come back when its lease would have.
            tracing::info!("another sync of this mailbox is running; retrying after its lease");
            self.push_later(account_id, self.config.lease).await;
            return Ok(());
        }
        let Some(account) = self.accounts.find(account_id).await? else {
            self.finish(account_id, &owner, Finish::Stopped).await?;
            return Ok(());
        };
        let state = self
            .state(account_id)
            .await?
            .unwrap_or_default_state(account_id);
        let started = std::time::Instant::now();
        let result = match account.status {
            Status::Active => self.sync_holding_lease(&account, &state, &owner).await,
            Status::NeedsReconnect => Err(SyncError::NeedsReconnect),
            Status::Disconnected => Err(SyncError::Disconnected),
        };
        if let Err(SyncError::LeaseLost) = result {
            tracing::warn!("the sync's lease lapsed and another run took over; stopping");
            metrics::counter!("mailconnect_syncs_total", "outcome" => "lease_lost").increment(1);
            return Ok(());
        }
        let mut more = false;
        let mut new_transactions = 0;
        let (finish, outcome) = match result {
            Ok(synced) => {
                tracing::info!(new = synced.new_transactions, elapsed = ?started.elapsed(), "synced");
                more = synced.more;
                new_transactions = synced.new_transactions;
                let finish = Finish::Synced {
                    history_id: synced.history_id,
                    new_transactions: synced.new_transactions as i32,
                    as_of: synced.as_of,
                    resume: synced.resume,
                };
                (finish, "success")
            }
            Err(SyncError::Disconnected) => (Finish::Stopped, "disconnected"),
            Err(SyncError::NeedsReconnect) => {
                let finish = Finish::Failed {
                    failure: SyncFailure::NeedsReconnect,
                    retry_at: None,
                };
                (finish, "dead_grant")
            }
            // Neither comes right by retrying soon: the scheduler's next round tries again.
            Err(SyncError::Forbidden) => {
                tracing::warn!("the mail service forbids reading this mailbox");
                let finish = Finish::Failed {
                    failure: SyncFailure::Forbidden,
                    retry_at: None,
                };
                (finish, "forbidden")
            }
            Err(SyncError::Misconfigured(reason)) => {
                tracing::error!(%reason, "a mailbox cannot be synced as this server is configured");
                let finish = Finish::Failed {
                    failure: SyncFailure::Misconfigured,
                    retry_at: None,
                };
                (finish, "misconfigured")
            }
            Err(error) => {
                let (failure, retry_in) = match &error {
                    SyncError::RateLimited { retry_in } => (SyncFailure::RateLimited, *retry_in),
                    SyncError::Unavailable { retry_in, .. } => {
                        (SyncFailure::Unavailable, *retry_in)
                    }
                    _ => (SyncFailure::Unavailable, Duration::from_secs(60)),
                };
                // The wait the failure asked for (at least 5 s), doubled for each failure of
                // the mailbox's syncs in a row before this one: six times at most, up to an
                // hour.
                let first = retry_in.max(Duration::from_secs(5));
                let longest = first.saturating_mul(64).min(Duration::from_secs(3600));
                let backoff = Backoff::new(first, longest);
                let retry_in = backoff.after(state.failures.max(0) as u32 + 1);
                tracing::warn!(%error, ?retry_in, "sync failed; will retry");
                self.push_later(account_id, retry_in).await;
                let retry_at = Some(self.clock.now() + retry_in.as_secs() as i64);
                (Finish::Failed { failure, retry_at }, "temporary_failure")
            }
        };
        metrics::counter!("mailconnect_syncs_total", "outcome" => outcome).increment(1);
        metrics::histogram!("mailconnect_sync_seconds").record(started.elapsed().as_secs_f64());
        if !self.finish(account_id, &owner, finish).await? {
            tracing::warn!("the sync finished after losing its lease; its outcome was dropped");
            return Ok(());
        }
        let user = account.user_id;
        if new_transactions > 0 {
            let count = u32::try_from(new_transactions).unwrap_or(u32::MAX);
            let found = Event::NewTransactions {
                account: account_id,
                count,
            };
            self.events.publish(user, found).await;
        }
        self.events
            .publish(
                user,
                Event::Sync {
                    account: account_id,
                },
            )
            .await;
        if more {
            // The listing was cut short by the page cap: the next run goes on at once.
            self.request(account_id).await?;
        }
        Ok(())
    }

    async fn push_later(&self, account_id: i32, delay: Duration) {
        if let Err(error) = self.queue.push(account_id, Some(delay)).await {
            tracing::error!(%error, "queueing a later sync failed");
        }
    }
}

/// A mailbox never synced has no state row yet; this stands for it.
trait OrDefaultState {
    fn unwrap_or_default_state(self, account_id: i32) -> crate::entities::mailbox_sync::Model;
}

impl OrDefaultState for Option<crate::entities::mailbox_sync::Model> {
    fn unwrap_or_default_state(self, account_id: i32) -> crate::entities::mailbox_sync::Model {
        self.unwrap_or(crate::entities::mailbox_sync::Model {
            account_id,
            state: crate::entities::mailbox_sync::SyncState::Running,
            queued_at: None,
            run_owner: None,
            run_expires_at: None,
            history_id: None,
            last_synced_at: None,
            last_new_transactions: 0,
            failure: None,
            failures: 0,
            retry_at: None,
            resume_since: None,
            resume_page: None,
            asked_at: None,
        })
    }
}
