//! Connected mailboxes: the only code that writes `email_accounts` (and the audit rows about
//! them). Everything else asks: store this grant, take this lease, record this refresh, mark
//! this account for reconnecting, disconnect it.
//!
//! - [`grants`]: storing a new grant, one row per (user, provider, subject), and whether a
//!   Google account's grant is in use elsewhere (Google revokes whole grants).
//! - [`lease`]: the refresh lease and the outcomes of a refresh.
//! - [`disconnect`]: disconnecting (revoke at Google, wipe, audit) and retrying revocations.
//! - [`leaving`]: a user leaving: every grant released, then their mailboxes forgotten.
//! - [`rotation`]: re-sealing the account secrets under the current key (marking an account
//!   whose secret cannot be opened).

pub mod audit;
pub mod disconnect;
pub mod grants;
pub mod lease;
pub mod leaving;
pub mod rotation;

use std::time::Duration;

use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, FromQueryResult,
    QueryFilter, QueryOrder, QuerySelect,
};
use secrecy::SecretString;

use crate::clock::Clock;
use crate::entities::SealedField;
use crate::entities::api_access_log::Action;
use crate::entities::email_accounts::{self, Provider, Status};
use crate::entities::mailbox_sync::{self, SyncFailure, SyncState, SyncSummary};
use crate::provider::google::Google;
use crate::vault::{Vault, VaultError};

pub use grants::{Grant, GrantError};

/// One row of the account list (see [`Accounts::list_with_sync_state`]).
#[derive(Debug, FromQueryResult)]
pub struct ListedAccount {
    pub id: i32,
    pub email_address: String,
    pub provider: Provider,
    pub status: Status,
    pub created_at: i64,
    pub token_expires_at: i64,
    /// The sync state's columns, all `None` for a mailbox never synced.
    pub state: Option<SyncState>,
    pub last_synced_at: Option<i64>,
    pub last_new_transactions: Option<i32>,
    pub failure: Option<SyncFailure>,
    pub retry_at: Option<i64>,
}

impl ListedAccount {
    /// The mailbox's sync state, if it has one.
    pub fn sync(&self) -> Option<SyncSummary> {
        Some(SyncSummary {
            state: self.state?,
            last_synced_at: self.last_synced_at,
            last_new_transactions: self.last_new_transactions.unwrap_or_default(),
            failure: self.failure,
            retry_at: self.retry_at,
        })
    }
}

#[derive(Clone)]
pub struct Accounts {
    db: DatabaseConnection,
    vault: Vault,
    google: Google,
    clock: Clock,
    /// How long before expiry the background refresher renews a token.
    refresh_window: Duration,
}

impl Accounts {
    pub fn new(
        db: DatabaseConnection,
        vault: Vault,
        google: Google,
        clock: Clock,
        refresh_window: Duration,
    ) -> Self {
        Self {
            db,
            vault,
            google,
            clock,
            refresh_window,
        }
    }

    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// Writes an audit row about an account (or a connect attempt) now.
    pub async fn audit(&self, entry: audit::Entry<'_>) -> Result<(), DbErr> {
        audit::record(&self.db, self.clock.now(), entry).await
    }

    /// One account, whoever owns it.
    pub async fn find(&self, account_id: i32) -> Result<Option<email_accounts::Model>, DbErr> {
        email_accounts::Entity::find_by_id(account_id)
            .one(&self.db)
            .await
    }

    /// One of the user's accounts that is not disconnected; another user's is `None`.
    pub async fn find_for_user(
        &self,
        user_id: i32,
        account_id: i32,
    ) -> Result<Option<email_accounts::Model>, DbErr> {
        email_accounts::Entity::find_by_id(account_id)
            .filter(email_accounts::Column::UserId.eq(user_id))
            .filter(email_accounts::Column::Status.ne(Status::Disconnected))
            .one(&self.db)
            .await
    }

    /// The user's accounts that are not disconnected, oldest first.
    pub async fn list_for_user(&self, user_id: i32) -> Result<Vec<email_accounts::Model>, DbErr> {
        email_accounts::Entity::find()
            .filter(email_accounts::Column::UserId.eq(user_id))
            .filter(email_accounts::Column::Status.ne(Status::Disconnected))
            .order_by_asc(email_accounts::Column::CreatedAt)
            .order_by_asc(email_accounts::Column::Id)
            .all(&self.db)
            .await
    }

    /// The same accounts as [`Accounts::list_for_user`], each with its mail sync state, in one
    /// query that reads only the listed columns (the account list is the app's most requested
    /// read; the sealed tokens and lease columns stay in the database).
    pub async fn list_with_sync_state(&self, user_id: i32) -> Result<Vec<ListedAccount>, DbErr> {
        use email_accounts::Column as Account;
        use mailbox_sync::Column as Sync;
        email_accounts::Entity::find()
            .select_only()
            .columns([
                Account::Id,
                Account::EmailAddress,
                Account::Provider,
                Account::Status,
                Account::CreatedAt,
                Account::TokenExpiresAt,
            ])
            .columns([
                Sync::State,
                Sync::LastSyncedAt,
                Sync::LastNewTransactions,
                Sync::Failure,
                Sync::RetryAt,
            ])
            .left_join(mailbox_sync::Entity)
            .filter(Account::UserId.eq(user_id))
            .filter(Account::Status.ne(Status::Disconnected))
            .order_by_asc(Account::CreatedAt)
            .order_by_asc(Account::Id)
            .into_model::<ListedAccount>()
            .all(&self.db)
            .await
    }

    /// How many accounts are in each status (for `/metrics`).
    pub async fn count_by_status(&self) -> Result<Vec<(Status, i64)>, DbErr> {
        email_accounts::Entity::find()
            .select_only()
            .column(email_accounts::Column::Status)
            .column_as(email_accounts::Column::Id.count(), "count")
            .group_by(email_accounts::Column::Status)
            .into_tuple()
            .all(&self.db)
            .await
    }

    /// Opens one sealed field of an account row.
    pub fn open(
        &self,
        row: &email_accounts::Model,
        field: SealedField,
    ) -> Option<Result<SecretString, VaultError>> {
        let stored = field.in_account(row)?;
        let id = row.id.to_string();
        Some(self.vault.open(field.binding(&id), stored))
    }
}

/// Marks an active account as needing reconnection (its grant is dead) and audits why.
/// Returns whether this call changed it.
async fn mark_needs_reconnect(
    db: &impl ConnectionTrait,
    now: i64,
    row: &email_accounts::Model,
    action: Action,
    reason: &str,
) -> Result<bool, DbErr> {
    let changed = email_accounts::Entity::update_many()
        .col_expr(
            email_accounts::Column::Status,
            Expr::value(Status::NeedsReconnect),
        )
        .col_expr(email_accounts::Column::UpdatedAt, Expr::value(now))
        .filter(email_accounts::Column::Id.eq(row.id))
        .filter(email_accounts::Column::Status.eq(Status::Active))
        .exec(db)
        .await?
        .rows_affected
        == 1;
    if changed {
        let entry = audit::Entry {
            user_id: Some(row.user_id),
            account_id: Some(row.id),
            action,
            success: false,
            note: Some(reason),
            ip: None,
        };
        audit::record(db, now, entry).await?;
    }
    Ok(changed)
}
