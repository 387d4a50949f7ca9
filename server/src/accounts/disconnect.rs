//! Disconnecting: revoke the grant at Google, wipe the tokens, mark the account disconnected,
//! audit it. If Google cannot be reached the account still goes; the grant is kept (sealed)
//! only until a later retry revokes it. Microsoft has no endpoint to revoke one app's grant:
//! its tokens are wiped, and the user is told where to remove the app's access.
//!
//! Google revokes the whole grant of a Google account, so the revocation is skipped (and the
//! audit says why) while another active row, of this user or another, uses the same Google
//! account; a queued one is cancelled when that account is connected again.

use std::time::{Duration, Instant};

use sea_orm::sea_query::{Condition, Expr};
use sea_orm::{
    ColumnTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect, TransactionTrait,
};
use secrecy::SecretString;
use tokio_util::sync::CancellationToken;

use super::Accounts;
use super::audit::{self, Entry};
use super::lease::ReleaseLease;
use crate::backoff::Backoff;
use crate::entities::SealedField;
use crate::entities::api_access_log::Action;
use crate::entities::email_accounts::{self, Status};
use crate::provider::Providers;

/// Queued revocations tried per housekeeping round, at most.
pub const REVOKE_BATCH: u64 = 50;
/// A housekeeping round stops starting revocations after this long.
pub const REVOKE_TIME_LIMIT: Duration = Duration::from_secs(20);
/// The wait after failed revocations: a minute, doubling up to six hours.
pub const REVOKE_BACKOFF: Backoff =
    Backoff::new(Duration::from_secs(60), Duration::from_secs(6 * 60 * 60));
/// A revocation still failing this long after it was queued is given up.
pub const GIVE_UP_AFTER_SECS: i64 = 7 * 24 * 60 * 60;

/// When a revocation that has failed `failures` times is next tried.
fn next_revoke_at(now: i64, failures: i32) -> i64 {
    now + REVOKE_BACKOFF.after(failures.max(0) as u32 + 1).as_secs() as i64
}

/// What one round of queued revocations did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct RevokeRound {
    pub revoked: usize,
    pub failed: usize,
    /// Cancelled: another connection uses the Google account again.
    pub cancelled: usize,
    pub given_up: usize,
}

/// What the user should know once an account is disconnected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Disconnected {
    /// The grant was revoked at the provider, or queued to be when it could not be reached.
    Revoked,
    /// The grant was kept: another connection uses the same Google account (Google revokes a
    /// whole account's grant). It is revoked when the last one goes.
    KeptForAnother,
    /// The provider cannot revoke one app's grant: the user removes the app's access in their
    /// account.
    RemoveAccessYourself,
}

#[derive(Debug, thiserror::Error)]
pub enum DisconnectError {
    /// No such account, not the user's, or already disconnected.
    #[error("no such account")]
    NotFound,
    #[error("database error: {0}")]
    Database(#[from] DbErr),
}

impl Accounts {
    /// Disconnects one of the user's accounts; another user's account is "not found".
    #[tracing::instrument(skip_all, fields(account_id = account_id))]
    pub async fn disconnect(
        &self,
        user_id: i32,
        account_id: i32,
        ip: Option<String>,
    ) -> Result<Disconnected, DisconnectError> {
        let account = self
            .find_for_user(user_id, account_id)
            .await?
            .ok_or(DisconnectError::NotFound)?;

        let revocable = Providers::can_revoke(account.provider);
        let shared = revocable
            && self
                .grant_in_use(&account.provider_subject, Some(account.id))
                .await?;
        let grant = if !revocable {
            None
        } else if shared {
            tracing::info!("grant kept at Google: another connection uses this Google account");
            None
        } else {
            self.grant_token(&account)
        };
        let revoke_error = match &grant {
            Some(token) => self.google.revoke(token).await.err(),
            None => None,
        };
        if let Some(error) = &revoke_error {
            tracing::warn!(%error, "revoking at Google failed; will retry");
        }
        let id = account.id.to_string();
        let pending = match (&grant, &revoke_error) {
            (Some(token), Some(_)) => Some(
                self.vault
                    .seal(SealedField::PendingRevoke.binding(&id), token),
            ),
            _ => None,
        };

        let now = self.clock.now();
        let txn = self.db.begin().await?;
        email_accounts::Entity::update_many()
            .col_expr(
                email_accounts::Column::AccessToken,
                Expr::value(Option::<String>::None),
            )
            .col_expr(
                email_accounts::Column::RefreshToken,
                Expr::value(Option::<String>::None),
            )
            .col_expr(
                email_accounts::Column::RevokeQueuedAt,
                Expr::value(pending.as_ref().map(|_| now)),
            )
            .col_expr(
                email_accounts::Column::RevokeRetryAt,
                Expr::value(pending.as_ref().map(|_| next_revoke_at(now, 0))),
            )
            .col_expr(email_accounts::Column::RevokeFailures, Expr::value(0))
            .col_expr(email_accounts::Column::PendingRevoke, Expr::value(pending))
            .col_expr(
                email_accounts::Column::Status,
                Expr::value(Status::Disconnected),
            )
            .lease_released()
            .col_expr(email_accounts::Column::UpdatedAt, Expr::value(now))
            .filter(email_accounts::Column::Id.eq(account.id))
            .exec(&txn)
            .await?;
        let note = if !revocable {
            Some("no revocation endpoint: the user removes the app's access in their account")
        } else if shared {
            Some("grant kept at Google: another connection uses this Google account")
        } else {
            revoke_error
                .as_ref()
                .map(|_| "revocation at Google failed; queued for retry")
        };
        let entry = Entry {
            user_id: Some(user_id),
            account_id: Some(account.id),
            action: Action::Disconnect,
            success: true,
            note,
            ip,
        };
        audit::record(&txn, now, entry).await?;
        txn.commit().await?;
        Ok(if !revocable {
            Disconnected::RemoveAccessYourself
        } else if shared {
            Disconnected::KeptForAnother
        } else {
            Disconnected::Revoked
        })
    }

    /// Retries revocations that failed at disconnect time, those whose time has come: at most
    /// [`REVOKE_BATCH`] of them, none started after [`REVOKE_TIME_LIMIT`], and none after
    /// `stop` fires (a call in flight is abandoned; the row is tried again later). A failure
    /// waits twice as long as the one before; after a week the revocation is given up, audited
    /// and logged.
    pub async fn retry_pending_revokes(
        &self,
        stop: &CancellationToken,
    ) -> Result<RevokeRound, DbErr> {
        let started = Instant::now();
        let now = self.clock.now();
        let due = email_accounts::Entity::find()
            .filter(email_accounts::Column::PendingRevoke.is_not_null())
            .filter(
                Condition::any()
                    .add(email_accounts::Column::RevokeRetryAt.is_null())
                    .add(email_accounts::Column::RevokeRetryAt.lte(now)),
            )
            .order_by_asc(email_accounts::Column::RevokeRetryAt)
            .limit(REVOKE_BATCH)
            .all(&self.db)
            .await?;
        let mut round = RevokeRound::default();
        for account in due {
            if stop.is_cancelled() || started.elapsed() >= REVOKE_TIME_LIMIT {
                break;
            }
            let Some(stored) = account.pending_revoke.as_deref() else {
                continue;
            };
            if self
                .grant_in_use(&account.provider_subject, Some(account.id))
                .await?
            {
                tracing::info!(
                    account_id = account.id,
                    "queued revocation cancelled: another connection uses this Google account"
                );
                self.clear_pending(account.id, stored).await?;
                round.cancelled += 1;
                continue;
            }
            let token = match self.open(&account, SealedField::PendingRevoke) {
                Some(Ok(token)) => token,
                Some(Err(error)) => {
                    tracing::warn!(account_id = account.id, %error, "pending revocation cannot be opened; dropped");
                    self.clear_pending(account.id, stored).await?;
                    continue;
                }
                None => continue,
            };
            let answer = tokio::select! {
                answer = self.google.revoke(&token) => answer,
                () = stop.cancelled() => break,
            };
            match answer {
                Ok(()) => {
                    self.clear_pending(account.id, stored).await?;
                    round.revoked += 1;
                }
                Err(error) => {
                    let now = self.clock.now();
                    let queued_at = account.revoke_queued_at.unwrap_or(account.updated_at);
                    if now - queued_at >= GIVE_UP_AFTER_SECS {
                        self.give_up_revoke(&account, stored, &error).await?;
                        round.given_up += 1;
                    } else {
                        tracing::warn!(account_id = account.id, %error, failures = account.revoke_failures + 1, "revoking at Google failed again");
                        self.revoke_failed(account.id, stored, account.revoke_failures + 1)
                            .await?;
                        round.failed += 1;
                    }
                }
            }
        }
        Ok(round)
    }

    async fn revoke_failed(
        &self,
        account_id: i32,
        stored: &str,
        failures: i32,
    ) -> Result<(), DbErr> {
        email_accounts::Entity::update_many()
            .col_expr(
                email_accounts::Column::RevokeFailures,
                Expr::value(failures),
            )
            .col_expr(
                email_accounts::Column::RevokeRetryAt,
                Expr::value(next_revoke_at(self.clock.now(), failures)),
            )
            .filter(email_accounts::Column::Id.eq(account_id))
            .filter(email_accounts::Column::PendingRevoke.eq(stored))
            .exec(&self.db)
            .await
            .map(|_| ())
    }

    /// A week of failures: the sealed grant is dropped (the user can still remove the app's
    /// access in their Google account), with an audit row and a log line saying so.
    async fn give_up_revoke(
        &self,
        account: &email_accounts::Model,
        stored: &str,
        error: &str,
    ) -> Result<(), DbErr> {
        tracing::warn!(account_id = account.id, %error, "revoking at Google failed for a week; given up");
        let txn = self.db.begin().await?;
        let cleared = email_accounts::Entity::update_many()
            .col_expr(
                email_accounts::Column::PendingRevoke,
                Expr::value(Option::<String>::None),
            )
            .filter(email_accounts::Column::Id.eq(account.id))
            .filter(email_accounts::Column::PendingRevoke.eq(stored))
            .exec(&txn)
            .await?;
        if cleared.rows_affected == 1 {
            let entry = Entry {
                user_id: Some(account.user_id),
                account_id: Some(account.id),
                action: Action::RevokeAbandoned,
                success: false,
                note: Some("revocation at Google failed for a week; given up"),
                ip: None,
            };
            audit::record(&txn, self.clock.now(), entry).await?;
        }
        txn.commit().await
    }

    async fn clear_pending(&self, account_id: i32, stored: &str) -> Result<(), DbErr> {
        email_accounts::Entity::update_many()
            .col_expr(
                email_accounts::Column::PendingRevoke,
                Expr::value(Option::<String>::None),
            )
            .filter(email_accounts::Column::Id.eq(account_id))
            .filter(email_accounts::Column::PendingRevoke.eq(stored))
            .exec(&self.db)
            .await
            .map(|_| ())
    }

    /// The token that names the grant: the refresh token, else the access token.
    fn grant_token(&self, account: &email_accounts::Model) -> Option<SecretString> {
        let open = |field| self.open(account, field).and_then(Result::ok);
        open(SealedField::RefreshToken).or_else(|| open(SealedField::AccessToken))
    }
}
