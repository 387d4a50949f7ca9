//! Disconnecting: revoke the grant at Google, wipe the tokens, mark the account disconnected,
//! audit it. If Google cannot be reached the account still goes; the grant is kept (sealed)
//! only until a later retry revokes it.
//!
//! Google revokes the whole grant of a Google account, so the revocation is skipped (and the
//! audit says why) while another active row, of this user or another, uses the same Google
//! account; a queued one is cancelled when that account is connected again.

use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DbErr, EntityTrait, QueryFilter, TransactionTrait};
use secrecy::SecretString;

use super::Accounts;
use super::audit::{self, Entry};
use super::lease::ReleaseLease;
use crate::entities::SealedField;
use crate::entities::api_access_log::Action;
use crate::entities::email_accounts::{self, Status};

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
    ) -> Result<(), DisconnectError> {
        let account = self
            .find_for_user(user_id, account_id)
            .await?
            .ok_or(DisconnectError::NotFound)?;

        let shared = self
            .grant_in_use(&account.provider_subject, Some(account.id))
            .await?;
        let grant = if shared {
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
        let note = if shared {
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
        Ok(())
    }

    /// Retries revocations that failed at disconnect time. Returns how many succeeded.
    pub async fn retry_pending_revokes(&self) -> Result<usize, DbErr> {
        let pending = email_accounts::Entity::find()
            .filter(email_accounts::Column::PendingRevoke.is_not_null())
            .all(&self.db)
            .await?;
        let mut revoked = 0;
        for account in pending {
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
            match self.google.revoke(&token).await {
                Ok(()) => {
                    self.clear_pending(account.id, stored).await?;
                    revoked += 1;
                }
                Err(error) => {
                    tracing::warn!(account_id = account.id, %error, "revoking at Google failed again")
                }
            }
        }
        Ok(revoked)
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
