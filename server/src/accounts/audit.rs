//! The audit trail (`api_access_log`). Notes written here never contain secrets.

use sea_orm::{ActiveModelTrait, ConnectionTrait, DbErr, Set};

use crate::entities::api_access_log::{self, Action};

/// One audit row.
pub struct Entry<'a> {
    pub user_id: Option<i32>,
    pub account_id: Option<i32>,
    pub action: Action,
    pub success: bool,
    pub note: Option<&'a str>,
    pub ip: Option<String>,
}

pub async fn record(db: &impl ConnectionTrait, now: i64, entry: Entry<'_>) -> Result<(), DbErr> {
    api_access_log::ActiveModel {
        user_id: Set(entry.user_id),
        account_id: Set(entry.account_id),
        action: Set(entry.action),
        success: Set(entry.success),
        error_message: Set(entry.note.map(str::to_owned)),
        ip_address: Set(entry.ip),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
    .map(|_| ())
}
