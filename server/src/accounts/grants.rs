//! Storing a grant: one row per (user, provider, Google subject), so connecting the same account
//! again updates its row (and brings a flagged account back to active). A token response without
//! a refresh token keeps the stored one.

use sea_orm::{
    ActiveModelTrait, ColumnTrait, DbErr, EntityTrait, QueryFilter, Set, TransactionTrait,
};

use super::Accounts;
use super::lease::due_at;
use crate::entities::SealedField;
use crate::entities::email_accounts::{self, Provider, Status};
use crate::provider::google::{Identity, Tokens};

/// What a successful consent gave us.
pub struct Grant<'a> {
    pub identity: &'a Identity,
    pub tokens: &'a Tokens,
    pub scopes: &'a [String],
}

impl Accounts {
    #[tracing::instrument(skip_all, fields(user_id = user_id, account_id = tracing::field::Empty))]
    pub async fn store_grant(
        &self,
        user_id: i32,
        grant: Grant<'_>,
    ) -> Result<email_accounts::Model, DbErr> {
        let Grant {
            identity,
            tokens,
            scopes,
        } = grant;
        let now = self.clock.now();
        let txn = self.db.begin().await?;
        let existing = email_accounts::Entity::find()
            .filter(email_accounts::Column::UserId.eq(user_id))
            .filter(email_accounts::Column::Provider.eq(Provider::Google))
            .filter(email_accounts::Column::ProviderSubject.eq(identity.subject.as_str()))
            .one(&txn)
            .await?;
        let mut row: email_accounts::ActiveModel = match existing {
            Some(row) => row.into(),
            None => email_accounts::ActiveModel {
                user_id: Set(user_id),
                provider: Set(Provider::Google),
                provider_subject: Set(identity.subject.clone()),
                email_address: Set(identity.email.clone()),
                token_expires_at: Set(now),
                scopes: Set(String::new()),
                status: Set(Status::Active),
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
        let account_id = row.id.clone().unwrap();
        tracing::Span::current().record("account_id", account_id);
        let id = account_id.to_string();
        let seal = |field: SealedField, token| self.vault.seal(field.binding(&id), token);
        row.access_token = Set(Some(seal(SealedField::AccessToken, &tokens.access_token)));
        if let Some(refresh) = &tokens.refresh_token {
            row.refresh_token = Set(Some(seal(SealedField::RefreshToken, refresh)));
        }
        row.email_address = Set(identity.email.clone());
        let expires_at = now + tokens.expires_in.as_secs() as i64;
        row.token_expires_at = Set(expires_at);
        row.scopes = Set(scopes.join(" "));
        row.status = Set(Status::Active);
        row.updated_at = Set(now);
        row.last_refresh_at = Set(Some(now));
        row.refresh_failures = Set(0);
        row.next_attempt_at = Set(Some(due_at(now, expires_at, self.refresh_window)));
        row.lease_owner = Set(None);
        row.lease_expires_at = Set(None);
        // A revocation still pending from an earlier disconnect would end this new grant too
        // (Google revokes per user and client).
        row.pending_revoke = Set(None);
        let row = row.update(&txn).await?;
        txn.commit().await?;
        Ok(row)
    }
}
