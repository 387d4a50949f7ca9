//! Connected mailboxes: what a user may do to their own accounts.

use app::error::AppError;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, Set,
    TransactionTrait,
};

use crate::audit::{self, Entry};
use crate::clock;
use crate::entities::email_accounts;
use crate::ui_backend::internal;

#[derive(Clone)]
pub struct Accounts {
    db: DatabaseConnection,
}

impl Accounts {
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }

    /// Wipes the account's tokens, marks it disconnected and writes the audit row. Another
    /// user's account, or one already disconnected, is "not found".
    pub async fn disconnect(
        &self,
        user_id: i32,
        account_id: i32,
        ip: Option<String>,
    ) -> Result<(), AppError> {
        let fail = |e| internal("disconnecting an account failed", e);
        let txn = self.db.begin().await.map_err(fail)?;
        let account = email_accounts::Entity::find_by_id(account_id)
            .filter(email_accounts::Column::UserId.eq(user_id))
            .filter(email_accounts::Column::Status.ne(email_accounts::STATUS_DISCONNECTED))
            .one(&txn)
            .await
            .map_err(fail)?
            .ok_or(AppError::NotFound)?;
        let mut row: email_accounts::ActiveModel = account.into();
        row.access_token = Set(None);
        row.refresh_token = Set(None);
        row.status = Set(email_accounts::STATUS_DISCONNECTED.to_owned());
        row.updated_at = Set(clock::now());
        row.update(&txn).await.map_err(fail)?;
        audit::record(
            &txn,
            Entry {
                user_id: Some(user_id),
                account_id: Some(account_id),
                action: "disconnect",
                success: true,
                error: None,
                ip,
            },
        )
        .await
        .map_err(fail)?;
        txn.commit().await.map_err(fail)
    }
}
