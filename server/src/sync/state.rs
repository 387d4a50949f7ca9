//! Each mailbox's sync state (`mailbox_sync`, owned here), changed only by compare-and-swap so
//! that instances sharing the database agree on it:
//!
//! - a request queues a job only when none is pending or running (`Idle` → `Queued`); a
//!   duplicate request is dropped;
//! - a job runs only under the mailbox's run lease ([`crate::lease`], on the database's clock:
//!   `Queued`/`Idle` → `Running`, or a lapsed `Running`), renewed while it works, and every
//!   write of the run is fenced by its owner, so one sync per mailbox runs at a time;
//! - a job that ends records its outcome and frees the mailbox (`Running` → `Idle`, or
//!   `Queued` again when it will retry).
//!
//! A `Queued` mark whose job never ran (its instance died between marking and pushing) is
//! taken as free again after [`STALE_QUEUED_SECS`].

use sea_orm::sea_query::{Condition, Expr, ExprTrait};
use sea_orm::{ColumnTrait, DbErr, EntityTrait, QueryFilter, Set};

use super::Syncs;
use crate::entities::mailbox_sync::{self, SyncFailure, SyncState};
use crate::lease;

/// A queued mark older than this, with no job running, no longer blocks a new request.
pub const STALE_QUEUED_SECS: i64 = 15 * 60;

/// How a finished run ended, for [`Syncs::finish`].
pub enum Finish {
    Synced {
        history_id: Option<String>,
        new_transactions: i32,
        /// When the run began reading: mail received after it is the next run's.
        as_of: i64,
        /// Where a listing cut short by the page cap goes on; `None` when it ended.
        resume: Option<super::run::Resume>,
    },
    /// Failed; retried at `retry_at` (the job is already re-queued), or never for a dead grant.
    Failed {
        failure: SyncFailure,
        retry_at: Option<i64>,
    },
    /// Nothing to do any more (the account was disconnected): just free the mailbox.
    Stopped,
}

impl Syncs {
    async fn ensure_row(&self, account_id: i32) -> Result<(), DbErr> {
        let row = mailbox_sync::ActiveModel {
            account_id: Set(account_id),
            state: Set(SyncState::Idle),
            last_new_transactions: Set(0),
            failures: Set(0),
            ..Default::default()
        };
        mailbox_sync::Entity::insert(row)
            .on_conflict_do_nothing_on([mailbox_sync::Column::AccountId])
            .exec(&self.db)
            .await?;
        Ok(())
    }

    /// Marks the mailbox queued if nothing is pending or running. Returns whether a job should
    /// be pushed (false: a duplicate, dropped).
    pub(super) async fn mark_queued(&self, account_id: i32) -> Result<bool, DbErr> {
        self.ensure_row(account_id).await?;
        let now = self.clock.now();
        let backend = self.db.get_database_backend();
        let free = Condition::any()
            .add(mailbox_sync::Column::State.eq(SyncState::Idle))
            .add(
                Condition::all()
                    .add(mailbox_sync::Column::State.eq(SyncState::Queued))
                    .add(mailbox_sync::Column::QueuedAt.lt(now - STALE_QUEUED_SECS)),
            )
            .add(
                Condition::all()
                    .add(mailbox_sync::Column::State.eq(SyncState::Running))
                    .add(lease::lapsed(mailbox_sync::Column::RunExpiresAt, backend)),
            );
        let marked = mailbox_sync::Entity::update_many()
            .col_expr(mailbox_sync::Column::State, Expr::value(SyncState::Queued))
            .col_expr(mailbox_sync::Column::QueuedAt, Expr::value(now))
            .filter(mailbox_sync::Column::AccountId.eq(account_id))
            .filter(free)
            .exec(&self.db)
            .await?;
        Ok(marked.rows_affected == 1)
    }

    /// Records its owner's "Sync now", at most once per `SYNC_NOW_INTERVAL_SECS` across
    /// instances (compare-and-swap on `asked_at`). `Err(at)`: not before `at`.
    pub(super) async fn mark_asked(&self, account_id: i32) -> Result<Result<(), i64>, DbErr> {
        self.ensure_row(account_id).await?;
        let now = self.clock.now();
        let interval = self.config.sync_now_interval.as_secs() as i64;
        let marked = mailbox_sync::Entity::update_many()
            .col_expr(mailbox_sync::Column::AskedAt, Expr::value(now))
            .filter(mailbox_sync::Column::AccountId.eq(account_id))
            .filter(
                Condition::any()
                    .add(mailbox_sync::Column::AskedAt.is_null())
                    .add(mailbox_sync::Column::AskedAt.lte(now - interval)),
            )
            .exec(&self.db)
            .await?;
        if marked.rows_affected == 1 {
            return Ok(Ok(()));
        }
        let asked = self.state(account_id).await?.and_then(|s| s.asked_at);
        Ok(Err(asked.unwrap_or(now) + interval))
    }

    /// Takes the mailbox's run lease for `owner`, unless another live run holds it.
    pub(super) async fn take_run(&self, account_id: i32, owner: &str) -> Result<bool, DbErr> {
        self.ensure_row(account_id).await?;
        let backend = self.db.get_database_backend();
        let free = Condition::any()
            .add(mailbox_sync::Column::State.ne(SyncState::Running))
            .add(lease::lapsed(mailbox_sync::Column::RunExpiresAt, backend));
        let taken = mailbox_sync::Entity::update_many()
            .col_expr(mailbox_sync::Column::State, Expr::value(SyncState::Running))
            .col_expr(mailbox_sync::Column::RunOwner, Expr::value(owner))
            .col_expr(
                mailbox_sync::Column::RunExpiresAt,
                lease::until(backend, self.config.lease),
            )
            .filter(mailbox_sync::Column::AccountId.eq(account_id))
            .filter(free)
            .exec(&self.db)
            .await?;
        Ok(taken.rows_affected == 1)
    }

    /// Extends `owner`'s run lease; false when it was lost (lapsed and taken over).
    pub(super) async fn renew_run(&self, account_id: i32, owner: &str) -> Result<bool, DbErr> {
        let until = lease::until(self.db.get_database_backend(), self.config.lease);
        let renewed = mailbox_sync::Entity::update_many()
            .col_expr(mailbox_sync::Column::RunExpiresAt, until)
            .filter(mailbox_sync::Column::AccountId.eq(account_id))
            .filter(mailbox_sync::Column::State.eq(SyncState::Running))
            .filter(mailbox_sync::Column::RunOwner.eq(owner))
            .exec(&self.db)
            .await?;
        Ok(renewed.rows_affected == 1)
    }

    /// Records how `owner`'s run ended and frees the mailbox (queued again when it will retry).
    /// Returns false when the run no longer held the mailbox (nothing is written then).
    pub(super) async fn finish(
        &self,
        account_id: i32,
        owner: &str,
        finish: Finish,
    ) -> Result<bool, DbErr> {
        let now = self.clock.now();
        let mut update = mailbox_sync::Entity::update_many()
            .col_expr(
                mailbox_sync::Column::RunOwner,
                Expr::value(Option::<String>::None),
            )
            .col_expr(
                mailbox_sync::Column::RunExpiresAt,
                Expr::value(Option::<i64>::None),
            );
        update = match finish {
            Finish::Synced {
                history_id,
                new_transactions,
                as_of,
                resume,
            } => update
                .col_expr(
                    mailbox_sync::Column::ResumeSince,
                    Expr::value(resume.as_ref().map(|r| r.since)),
                )
                .col_expr(
                    mailbox_sync::Column::ResumePage,
                    Expr::value(resume.map(|r| r.page)),
                )
                .col_expr(mailbox_sync::Column::State, Expr::value(SyncState::Idle))
                .col_expr(mailbox_sync::Column::HistoryId, Expr::value(history_id))
                .col_expr(mailbox_sync::Column::LastSyncedAt, Expr::value(as_of))
                .col_expr(
                    mailbox_sync::Column::LastNewTransactions,
                    Expr::value(new_transactions),
                )
                .col_expr(
                    mailbox_sync::Column::Failure,
                    Expr::value(Option::<SyncFailure>::None),
                )
                .col_expr(mailbox_sync::Column::Failures, Expr::value(0))
                .col_expr(
                    mailbox_sync::Column::RetryAt,
                    Expr::value(Option::<i64>::None),
                ),
            Finish::Stopped => {
                update.col_expr(mailbox_sync::Column::State, Expr::value(SyncState::Idle))
            }
            Finish::Failed { failure, retry_at } => {
                let state = if retry_at.is_some() {
                    SyncState::Queued
                } else {
                    SyncState::Idle
                };
                // Queued as of the retry time, so the mark is not taken as stale before then.
                update
                    .col_expr(mailbox_sync::Column::State, Expr::value(state))
                    .col_expr(
                        mailbox_sync::Column::QueuedAt,
                        Expr::value(retry_at.unwrap_or(now)),
                    )
                    .col_expr(mailbox_sync::Column::Failure, Expr::value(Some(failure)))
                    .col_expr(
                        mailbox_sync::Column::Failures,
                        Expr::col(mailbox_sync::Column::Failures).add(1),
                    )
                    .col_expr(mailbox_sync::Column::RetryAt, Expr::value(retry_at))
            }
        };
        let written = update
            .filter(mailbox_sync::Column::AccountId.eq(account_id))
            .filter(mailbox_sync::Column::RunOwner.eq(owner))
            .exec(&self.db)
            .await?;
        Ok(written.rows_affected == 1)
    }

    /// The mailbox's sync state, if it was ever asked to sync.
    pub async fn state(&self, account_id: i32) -> Result<Option<mailbox_sync::Model>, DbErr> {
        mailbox_sync::Entity::find_by_id(account_id)
            .one(&self.db)
            .await
    }
}
