//! Connected mailboxes: storing a new grant, and disconnecting (which revokes it at Google).

use app::error::AppError;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, Set,
    TransactionTrait,
};

use crate::audit::{self, Entry};
use crate::clock;
use crate::entities::email_accounts::{self, STATUS_ACTIVE, STATUS_DISCONNECTED};
use crate::google::{Google, Identity, Tokens};
use crate::secret::Secret;
use crate::ui_backend::internal;
use crate::vault::Vault;

pub const PROVIDER_GOOGLE: &str = "google";

#[derive(Clone)]
pub struct Accounts {
    db: DatabaseConnection,
    vault: Vault,
    google: Google,
    refresh_window: std::time::Duration,
}

impl Accounts {
    pub fn new(
        db: DatabaseConnection,
        vault: Vault,
        google: Google,
        refresh_window: std::time::Duration,
    ) -> Self {
        Self {
            db,
            vault,
            google,
            refresh_window,
        }
    }

    /// Stores a grant: one row per (user, provider, Google subject), so connecting the same
    /// account again updates its row. A response without a refresh token keeps the stored one.
    pub async fn store_grant(
        &self,
        user_id: i32,
        identity: &Identity,
        tokens: &Tokens,
        scopes: &[String],
    ) -> Result<email_accounts::Model, DbErr> {
        let now = clock::now();
        let txn = self.db.begin().await?;
        let existing = email_accounts::Entity::find()
            .filter(email_accounts::Column::UserId.eq(user_id))
            .filter(email_accounts::Column::Provider.eq(PROVIDER_GOOGLE))
            .filter(email_accounts::Column::ProviderSubject.eq(identity.subject.as_str()))
            .one(&txn)
            .await?;
        let mut row: email_accounts::ActiveModel = match existing {
            Some(row) => row.into(),
            None => email_accounts::ActiveModel {
                user_id: Set(user_id),
                provider: Set(PROVIDER_GOOGLE.into()),
                provider_subject: Set(identity.subject.clone()),
                email_address: Set(identity.email.clone()),
                token_expires_at: Set(now),
                scopes: Set(String::new()),
                status: Set(STATUS_ACTIVE.into()),
                created_at: Set(now),
                updated_at: Set(now),
                refresh_failures: Set(0),
                ..Default::default()
            }
            .insert(&txn)
            .await?
            .into(),
        };
        // Ciphertexts are bound to the row id, so they are written once the row exists.
        let id = row.id.clone().unwrap().to_string();
        row.access_token = Set(Some(self.vault.seal(
            email_accounts::sealed("access_token", &id),
            &tokens.access_token,
        )));
        if let Some(refresh) = &tokens.refresh_token {
            row.refresh_token = Set(Some(
                self.vault
                    .seal(email_accounts::sealed("refresh_token", &id), refresh),
            ));
        }
        row.email_address = Set(identity.email.clone());
        let expires_at = now + tokens.expires_in.as_secs() as i64;
        row.token_expires_at = Set(expires_at);
        row.scopes = Set(scopes.join(" "));
        row.status = Set(STATUS_ACTIVE.into());
        row.updated_at = Set(now);
        row.last_refresh_at = Set(Some(now));
        row.refresh_failures = Set(0);
        row.next_attempt_at = Set(Some(crate::tokens::due_at(
            now,
            expires_at,
            self.refresh_window,
        )));
        row.lease_owner = Set(None);
        row.lease_expires_at = Set(None);
        let row = row.update(&txn).await?;
        txn.commit().await?;
        Ok(row)
    }

    /// Revokes the grant at Google, wipes the tokens, marks the account disconnected and writes
    /// the audit row. If Google cannot be reached the account still goes; the grant is kept
    /// (sealed) only until a later retry revokes it. Another user's account is "not found".
    pub async fn disconnect(
        &self,
        user_id: i32,
        account_id: i32,
        ip: Option<String>,
    ) -> Result<(), AppError> {
        let fail = |e| internal("disconnecting an account failed", e);
        let account = email_accounts::Entity::find_by_id(account_id)
            .filter(email_accounts::Column::UserId.eq(user_id))
            .filter(email_accounts::Column::Status.ne(STATUS_DISCONNECTED))
            .one(&self.db)
            .await
            .map_err(fail)?
            .ok_or(AppError::NotFound)?;

        let id = account.id.to_string();
        let grant = self.grant_token(&account, &id);
        let revoke_error = match &grant {
            Some(token) => self.google.revoke(token).await.err(),
            None => None,
        };
        if let Some(error) = &revoke_error {
            tracing::warn!(account = account.id, %error, "revoking at Google failed; will retry");
        }
        let pending = match (&grant, &revoke_error) {
            (Some(token), Some(_)) => Some(
                self.vault
                    .seal(email_accounts::sealed("pending_revoke", &id), token),
            ),
            _ => None,
        };

        let txn = self.db.begin().await.map_err(fail)?;
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
                Expr::value(STATUS_DISCONNECTED),
            )
            .col_expr(
                email_accounts::Column::LeaseOwner,
                Expr::value(Option::<String>::None),
            )
            .col_expr(email_accounts::Column::UpdatedAt, Expr::value(clock::now()))
            .filter(email_accounts::Column::Id.eq(account.id))
            .exec(&txn)
            .await
            .map_err(fail)?;
        let note = revoke_error
            .as_ref()
            .map(|_| "revocation at Google failed; queued for retry");
        audit::record(
            &txn,
            Entry {
                user_id: Some(user_id),
                account_id: Some(account.id),
                action: "disconnect",
                success: true,
                error: note,
                ip,
            },
        )
        .await
        .map_err(fail)?;
        txn.commit().await.map_err(fail)
    }

    /// Retries revocations that failed at disconnect time. Returns how many succeeded.
    pub async fn retry_pending_revokes(&self) -> Result<usize, DbErr> {
        let pending = email_accounts::Entity::find()
            .filter(email_accounts::Column::PendingRevoke.is_not_null())
            .all(&self.db)
            .await?;
        let mut revoked = 0;
        for account in pending {
            let id = account.id.to_string();
            let Some(stored) = &account.pending_revoke else {
                continue;
            };
            let token = match self
                .vault
                .open(email_accounts::sealed("pending_revoke", &id), stored)
            {
                Ok(token) => token,
                Err(error) => {
                    tracing::warn!(account = account.id, %error, "pending revocation cannot be opened; dropped");
                    self.clear_pending(account.id, stored).await?;
                    continue;
                }
            };
            match self.google.revoke(&token).await {
                Ok(()) => {
                    self.clear_pending(account.id, stored).await?;
                    revoked += 1;
                }
                Err(error) => {
                    tracing::warn!(account = account.id, %error, "revoking at Google failed again")
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
    fn grant_token(&self, account: &email_accounts::Model, id: &str) -> Option<Secret<String>> {
        let open = |field, stored: &Option<String>| {
            stored
                .as_deref()
                .and_then(|s| self.vault.open(email_accounts::sealed(field, id), s).ok())
        };
        open("refresh_token", &account.refresh_token)
            .or_else(|| open("access_token", &account.access_token))
    }
}
