//! A user leaving: every grant of theirs is revoked at Google (unless another user's
//! connection uses the same Google account), then their mailboxes and everything found in
//! them, and their audit rows, are deleted, leaving one tombstone row that says an app account
//! was deleted. Nothing is deleted while a revocation is still owed: the user is told to try
//! again instead.

use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DbErr, EntityTrait, QueryFilter, TransactionTrait};

use super::Accounts;
use super::audit::{self, Entry};
use crate::entities::SealedField;
use crate::entities::api_access_log::{self, Action};
use crate::entities::email_accounts::{self, Status};

impl Accounts {
    /// Disconnects every mailbox of the user (revoking at Google, or queueing), then tries any
    /// queued revocation at once. Returns the addresses whose grant Google could not be asked
    /// to revoke; empty means every grant is gone or in another user's hands.
    pub async fn release_all_grants(
        &self,
        user_id: i32,
        ip: Option<String>,
    ) -> Result<Vec<String>, DbErr> {
        let rows = email_accounts::Entity::find()
            .filter(email_accounts::Column::UserId.eq(user_id))
            .all(&self.db)
            .await?;
        for row in rows.iter().filter(|r| r.status != Status::Disconnected) {
            match self.disconnect(user_id, row.id, ip.clone()).await {
                Ok(_) | Err(super::disconnect::DisconnectError::NotFound) => {}
                Err(super::disconnect::DisconnectError::Database(e)) => return Err(e),
            }
        }
        let queued = email_accounts::Entity::find()
            .filter(email_accounts::Column::UserId.eq(user_id))
            .filter(email_accounts::Column::PendingRevoke.is_not_null())
            .all(&self.db)
            .await?;
        let mut owed = Vec::new();
        for row in queued {
            let Some(stored) = row.pending_revoke.clone() else {
                continue;
            };
            let in_use = self
                .grant_in_use(&row.provider_subject, Some(row.id))
                .await?;
            let revoked = in_use
                || match self.open(&row, SealedField::PendingRevoke) {
                    Some(Ok(token)) => self.google.revoke(&token).await.is_ok(),
                    // Unopenable: nothing can ever revoke it; it is dropped, not owed.
                    Some(Err(_)) | None => true,
                };
            if revoked {
                email_accounts::Entity::update_many()
                    .col_expr(
                        email_accounts::Column::PendingRevoke,
                        Expr::value(Option::<String>::None),
                    )
                    .filter(email_accounts::Column::Id.eq(row.id))
                    .filter(email_accounts::Column::PendingRevoke.eq(stored))
                    .exec(&self.db)
                    .await?;
            } else {
                owed.push(row.email_address);
            }
        }
        Ok(owed)
    }

    /// Deletes the user's mailboxes (with their sync state, examined messages and
    /// transactions) and audit rows, and records one tombstone row. Call after
    /// [`Accounts::release_all_grants`] came back empty.
    pub async fn forget_user(&self, user_id: i32, ip: Option<String>) -> Result<(), DbErr> {
        let txn = self.db.begin().await?;
        // Mailbox state, messages and transactions go with their account (ON DELETE CASCADE).
        email_accounts::Entity::delete_many()
            .filter(email_accounts::Column::UserId.eq(user_id))
            .exec(&txn)
            .await?;
        api_access_log::Entity::delete_many()
            .filter(api_access_log::Column::UserId.eq(user_id))
            .exec(&txn)
            .await?;
        let tombstone = Entry {
            user_id: Some(user_id),
            account_id: None,
            action: Action::AccountDeleted,
            success: true,
            note: Some("app account deleted at the user's request"),
            ip,
        };
        audit::record(&txn, self.clock.now(), tombstone).await?;
        txn.commit().await
    }
}
