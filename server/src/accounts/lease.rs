//! The refresh lease and what a refresh records.
//!
//! At most one refresh per account runs at a time, across processes: a refresher first takes
//! the account's lease ([`crate::lease`], on the database's clock) by compare-and-swap (free,
//! or lapsed), and every outcome below releases it in the same statement as the rest of its
//! write. A holder that dies leaves a lease that lapses on its own.

use std::time::Duration;

use sea_orm::sea_query::{Condition, Expr};
use sea_orm::{
    ColumnTrait, DbBackend, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    TransactionTrait, UpdateMany,
};

use super::Accounts;
use super::audit::{self, Entry};
use crate::entities::SealedField;
use crate::entities::api_access_log::Action;
use crate::entities::email_accounts::{self, Provider, Status};
use crate::lease;
use crate::provider::Tokens;

/// Time kept free before expiry for retries: failed calls, a crashed holder's lease lapsing
/// and the next round all cost absolute seconds, whatever the token's lifetime.
const RETRY_SLACK_SECS: i64 = 300;

/// When an account is next due for a background refresh: `window` before expiry, but never
/// before half the token's lifetime has passed (so a token shorter-lived than the window is not
/// refreshed on every round). A short-lived token is due earlier still, so that five minutes,
/// or two thirds of a shorter life, remain for retries.
pub fn due_at(now: i64, expires_at: i64, window: Duration) -> i64 {
    let life = std::cmp::max(expires_at - now, 0);
    let relaxed = std::cmp::max(expires_at - window.as_secs() as i64, now + life / 2);
    let slack = std::cmp::min(RETRY_SLACK_SECS, life * 2 / 3);
    std::cmp::min(relaxed, expires_at - slack)
}

/// Frees the lease in the same statement as the rest of an update.
pub(super) trait ReleaseLease {
    fn lease_released(self) -> Self;
}

impl ReleaseLease for UpdateMany<email_accounts::Entity> {
    fn lease_released(self) -> Self {
        self.col_expr(
            email_accounts::Column::LeaseOwner,
            Expr::value(Option::<String>::None),
        )
        .col_expr(
            email_accounts::Column::LeaseExpiresAt,
            Expr::value(Option::<i64>::None),
        )
    }
}

fn lease_free(backend: DbBackend) -> Condition {
    Condition::any()
        .add(email_accounts::Column::LeaseOwner.is_null())
        .add(lease::lapsed(
            email_accounts::Column::LeaseExpiresAt,
            backend,
        ))
}

impl Accounts {
    /// Takes the lease of an active account for `owner` until `lease` from now, if it is free or
    /// has lapsed. Returns whether it was taken.
    pub async fn take_lease(
        &self,
        account_id: i32,
        owner: &str,
        lease: Duration,
    ) -> Result<bool, DbErr> {
        let backend = self.db.get_database_backend();
        let until = lease::until(backend, lease);
        let taken = email_accounts::Entity::update_many()
            .col_expr(email_accounts::Column::LeaseOwner, Expr::value(owner))
            .col_expr(email_accounts::Column::LeaseExpiresAt, until)
            .filter(email_accounts::Column::Id.eq(account_id))
            .filter(email_accounts::Column::Status.eq(Status::Active))
            .filter(lease_free(backend))
            .exec(&self.db)
            .await?;
        Ok(taken.rows_affected == 1)
    }

    /// Releases `owner`'s lease without recording anything.
    pub async fn release_lease(&self, account_id: i32, owner: &str) -> Result<(), DbErr> {
        email_accounts::Entity::update_many()
            .lease_released()
            .filter(email_accounts::Column::Id.eq(account_id))
            .filter(email_accounts::Column::LeaseOwner.eq(owner))
            .exec(&self.db)
            .await?;
        Ok(())
    }

    /// Active accounts whose refresh is due and whose lease is free, soonest expiry first: each
    /// id with its provider and its sealed refresh token (so a caller can tell whether it
    /// changed).
    pub async fn due_for_refresh(&self, limit: u64) -> Result<Vec<(i32, Provider, String)>, DbErr> {
        let now = self.clock.now();
        email_accounts::Entity::find()
            .select_only()
            .column(email_accounts::Column::Id)
            .column(email_accounts::Column::Provider)
            .column(email_accounts::Column::RefreshToken)
            .filter(email_accounts::Column::Status.eq(Status::Active))
            .filter(email_accounts::Column::RefreshToken.is_not_null())
            .filter(
                email_accounts::Column::TokenExpiresAt
                    .lte(now + self.refresh_window.as_secs() as i64),
            )
            .filter(
                Condition::any()
                    .add(email_accounts::Column::NextAttemptAt.is_null())
                    .add(email_accounts::Column::NextAttemptAt.lte(now)),
            )
            .filter(lease_free(self.db.get_database_backend()))
            .order_by_asc(email_accounts::Column::TokenExpiresAt)
            .limit(limit)
            .into_tuple()
            .all(&self.db)
            .await
    }

    /// Stores refreshed tokens and releases the lease, in one statement: the new access token,
    /// its expiry and any new refresh token (without one, the stored refresh token stays).
    ///
    /// Like every refresh outcome below, it is written only while `owner` still holds the lease
    /// of an active account: a disconnect (or a new grant) meanwhile clears the lease, and the
    /// late outcome then changes nothing.
    pub async fn record_refreshed(
        &self,
        account_id: i32,
        owner: &str,
        tokens: &Tokens,
    ) -> Result<(), DbErr> {
        let now = self.clock.now();
        let id = account_id.to_string();
        let expires_at = now + tokens.expires_in.as_secs() as i64;
        let access = self
            .vault
            .seal(SealedField::AccessToken.binding(&id), &tokens.access_token);
        let mut update = email_accounts::Entity::update_many()
            .col_expr(email_accounts::Column::AccessToken, Expr::value(access))
            .col_expr(
                email_accounts::Column::TokenExpiresAt,
                Expr::value(expires_at),
            )
            .col_expr(email_accounts::Column::LastRefreshAt, Expr::value(now))
            .col_expr(email_accounts::Column::RefreshFailures, Expr::value(0))
            .col_expr(
                email_accounts::Column::NextAttemptAt,
                Expr::value(due_at(now, expires_at, self.refresh_window)),
            )
            .lease_released()
            .col_expr(email_accounts::Column::UpdatedAt, Expr::value(now));
        if let Some(new_refresh) = &tokens.refresh_token {
            let sealed = self
                .vault
                .seal(SealedField::RefreshToken.binding(&id), new_refresh);
            update = update.col_expr(email_accounts::Column::RefreshToken, Expr::value(sealed));
        }
        let written = update
            .filter(email_accounts::Column::Id.eq(account_id))
            .filter(held_by(owner))
            .exec(&self.db)
            .await?;
        dropped_unless_written(written.rows_affected, "refreshed tokens");
        Ok(())
    }

    /// The grant is dead: marks the account `needs_reconnect`, releases the lease and audits
    /// the reason, in one transaction.
    pub async fn record_dead_grant(
        &self,
        row: &email_accounts::Model,
        owner: &str,
        reason: &str,
    ) -> Result<(), DbErr> {
        let now = self.clock.now();
        let txn = self.db.begin().await?;
        let marked = email_accounts::Entity::update_many()
            .col_expr(
                email_accounts::Column::Status,
                Expr::value(Status::NeedsReconnect),
            )
            .lease_released()
            .col_expr(email_accounts::Column::UpdatedAt, Expr::value(now))
            .filter(email_accounts::Column::Id.eq(row.id))
            .filter(held_by(owner))
            .exec(&txn)
            .await?;
        if marked.rows_affected == 0 {
            dropped_unless_written(0, "a dead grant");
            return txn.commit().await;
        }
        let entry = Entry {
            user_id: Some(row.user_id),
            account_id: Some(row.id),
            action: Action::TokenRefresh,
            success: false,
            note: Some(reason),
            ip: None,
        };
        audit::record(&txn, now, entry).await?;
        txn.commit().await
    }

    /// A temporary failure: counts it, sets the next attempt `retry_in` from now, and releases
    /// the lease. The account stays active.
    pub async fn record_temporary_failure(
        &self,
        account_id: i32,
        owner: &str,
        failures: i32,
        retry_in: Duration,
    ) -> Result<(), DbErr> {
        let retry_at = self.clock.now() + retry_in.as_secs() as i64;
        let written = email_accounts::Entity::update_many()
            .col_expr(
                email_accounts::Column::RefreshFailures,
                Expr::value(failures),
            )
            .col_expr(email_accounts::Column::NextAttemptAt, Expr::value(retry_at))
            .lease_released()
            .filter(email_accounts::Column::Id.eq(account_id))
            .filter(held_by(owner))
            .exec(&self.db)
            .await?;
        dropped_unless_written(written.rows_affected, "a temporary failure");
        Ok(())
    }
}

/// A refresh outcome whose lease was gone by the time it was written (it lapsed while the
/// holder stalled, or a disconnect or new grant cleared it) changes nothing; it is counted in
/// `mailconnect_lease_writes_dropped_total` and logged.
fn dropped_unless_written(rows_affected: u64, what: &'static str) {
    if rows_affected == 0 {
        metrics::counter!("mailconnect_lease_writes_dropped_total").increment(1);
        tracing::warn!(
            outcome = what,
            "the refresh lease was gone; its outcome was dropped"
        );
    }
}

/// The account is active and `owner` holds its lease.
fn held_by(owner: &str) -> Condition {
    Condition::all()
        .add(email_accounts::Column::LeaseOwner.eq(owner))
        .add(email_accounts::Column::Status.eq(Status::Active))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn due_time_respects_window_half_life_and_retry_slack() {
        let hour = 3600;
        // A one-hour token with a two-hour window: due after half its life, not at once.
        assert_eq!(due_at(0, hour, Duration::from_secs(7200)), hour / 2);
        // A day-long token with a two-hour window: due two hours before expiry.
        assert_eq!(due_at(0, 24 * hour, Duration::from_secs(7200)), 22 * hour);
        // A two-minute token: due after 40 s, leaving 80 s for retries.
        assert_eq!(due_at(0, 120, Duration::from_secs(7200)), 40);
        // A ten-minute token: five minutes either way.
        assert_eq!(due_at(0, 600, Duration::from_secs(7200)), 300);
        // A nine-minute token: due when five minutes remain, before its half-life.
        assert_eq!(due_at(0, 540, Duration::from_secs(7200)), 240);
    }
}
