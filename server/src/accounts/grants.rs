//! Storing a grant: one row per (user, provider, Google subject), so connecting the same account
//! again updates its row (and brings a flagged account back to active). A token response without
//! a refresh token keeps the stored one; a first connection without one is refused.
//!
//! Google revokes a whole grant (one Google account, this client) however many rows use it, so
//! every decision to revoke asks [`Accounts::grant_in_use`] first, and storing a grant cancels
//! the revocations still queued for the same Google account.
//!
//! The write is three statements, each atomic on its own, with no read-then-write transaction
//! that a concurrent writer could invalidate: make sure the row exists (insert, or nothing on
//! conflict), read its id, then set the grant in one update. Two connections of the same account
//! at once end with one row and neither fails.

use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DbErr, EntityTrait, QueryFilter, QuerySelect, Select, Set};

use super::Accounts;
use super::lease::{ReleaseLease, due_at};
use crate::entities::SealedField;
use crate::entities::email_accounts::{self, Provider, Status};
use crate::provider::{Identity, Tokens};

/// What a successful consent gave us.
pub struct Grant<'a> {
    pub provider: Provider,
    pub identity: &'a Identity,
    pub tokens: &'a Tokens,
    pub scopes: &'a [String],
}

#[derive(Debug, thiserror::Error)]
pub enum GrantError {
    /// Google sent no refresh token, and the row holds none to keep: without one the account
    /// would stop working within the hour.
    #[error("Google granted no offline access (no refresh token)")]
    NoRefreshToken,
    #[error("database error: {0}")]
    Database(#[from] DbErr),
}

/// The user's row for this provider's account, if any.
fn row_of(user_id: i32, provider: Provider, subject: &str) -> Select<email_accounts::Entity> {
    email_accounts::Entity::find()
        .filter(email_accounts::Column::UserId.eq(user_id))
        .filter(email_accounts::Column::Provider.eq(provider))
        .filter(email_accounts::Column::ProviderSubject.eq(subject))
}

impl Accounts {
    #[tracing::instrument(skip_all, fields(user_id = user_id, account_id = tracing::field::Empty))]
    pub async fn store_grant(
        &self,
        user_id: i32,
        grant: Grant<'_>,
    ) -> Result<email_accounts::Model, GrantError> {
        let Grant {
            provider,
            identity,
            tokens,
            scopes,
        } = grant;
        let subject = identity.subject.as_str();
        if tokens.refresh_token.is_none() {
            let kept = row_of(user_id, provider, subject)
                .one(&self.db)
                .await?
                .is_some_and(|row| row.refresh_token.is_some());
            if !kept {
                return Err(GrantError::NoRefreshToken);
            }
        }

        let now = self.clock.now();
        // Inserted disconnected and empty: invisible to lists, the refresher and the sync
        // scheduler until the update below makes it a grant.
        let placeholder = email_accounts::ActiveModel {
            user_id: Set(user_id),
            provider: Set(provider),
            provider_subject: Set(identity.subject.clone()),
            email_address: Set(identity.email.clone()),
            token_expires_at: Set(now),
            scopes: Set(String::new()),
            status: Set(Status::Disconnected),
            created_at: Set(now),
            updated_at: Set(now),
            refresh_failures: Set(0),
            ..Default::default()
        };
        email_accounts::Entity::insert(placeholder)
            .on_conflict_do_nothing_on([
                email_accounts::Column::UserId,
                email_accounts::Column::Provider,
                email_accounts::Column::ProviderSubject,
            ])
            .exec_without_returning(&self.db)
            .await?;
        let account_id: i32 = row_of(user_id, provider, subject)
            .select_only()
            .column(email_accounts::Column::Id)
            .into_tuple()
            .one(&self.db)
            .await?
            .ok_or(DbErr::RecordNotFound("the account row just written".into()))?;
        tracing::Span::current().record("account_id", account_id);

        // Ciphertexts are bound to the row id, so they are made once the row exists.
        let id = account_id.to_string();
        let seal = |field: SealedField, token| self.vault.seal(field.binding(&id), token);
        let expires_at = now + tokens.expires_in.as_secs() as i64;
        let mut update = email_accounts::Entity::update_many()
            .col_expr(
                email_accounts::Column::AccessToken,
                Expr::value(seal(SealedField::AccessToken, &tokens.access_token)),
            )
            .col_expr(
                email_accounts::Column::EmailAddress,
                Expr::value(identity.email.clone()),
            )
            .col_expr(
                email_accounts::Column::TokenExpiresAt,
                Expr::value(expires_at),
            )
            .col_expr(
                email_accounts::Column::Scopes,
                Expr::value(scopes.join(" ")),
            )
            .col_expr(email_accounts::Column::Status, Expr::value(Status::Active))
            .col_expr(email_accounts::Column::UpdatedAt, Expr::value(now))
            .col_expr(email_accounts::Column::LastRefreshAt, Expr::value(now))
            .col_expr(email_accounts::Column::RefreshFailures, Expr::value(0))
            .col_expr(
                email_accounts::Column::NextAttemptAt,
                Expr::value(due_at(now, expires_at, self.refresh_window)),
            )
            // A refresh in flight on the old grant must not overwrite this one.
            .lease_released();
        if let Some(refresh) = &tokens.refresh_token {
            update = update.col_expr(
                email_accounts::Column::RefreshToken,
                Expr::value(seal(SealedField::RefreshToken, refresh)),
            );
        }
        update
            .filter(email_accounts::Column::Id.eq(account_id))
            .exec(&self.db)
            .await?;
        self.cancel_queued_revokes(subject).await?;

        email_accounts::Entity::find_by_id(account_id)
            .one(&self.db)
            .await?
            .ok_or_else(|| GrantError::Database(DbErr::RecordNotFound("the account row".into())))
    }

    /// Whether an active row (of any user) other than `except` holds this Google account's
    /// grant: revoking would end it too.
    pub async fn grant_in_use(&self, subject: &str, except: Option<i32>) -> Result<bool, DbErr> {
        let mut query = email_accounts::Entity::find()
            .select_only()
            .column(email_accounts::Column::Id)
            .filter(email_accounts::Column::Provider.eq(Provider::Google))
            .filter(email_accounts::Column::ProviderSubject.eq(subject))
            .filter(email_accounts::Column::Status.eq(Status::Active));
        if let Some(except) = except {
            query = query.filter(email_accounts::Column::Id.ne(except));
        }
        let found: Option<i32> = query.into_tuple().one(&self.db).await?;
        Ok(found.is_some())
    }

    /// Drops revocations still queued for this Google account: the grant is in use again, and
    /// revoking would end it.
    async fn cancel_queued_revokes(&self, subject: &str) -> Result<(), DbErr> {
        let cancelled = email_accounts::Entity::update_many()
            .col_expr(
                email_accounts::Column::PendingRevoke,
                Expr::value(Option::<String>::None),
            )
            .filter(email_accounts::Column::Provider.eq(Provider::Google))
            .filter(email_accounts::Column::ProviderSubject.eq(subject))
            .filter(email_accounts::Column::PendingRevoke.is_not_null())
            .exec(&self.db)
            .await?;
        if cancelled.rows_affected > 0 {
            tracing::info!(
                rows = cancelled.rows_affected,
                "queued revocations cancelled: the Google account is connected again"
            );
        }
        Ok(())
    }
}
