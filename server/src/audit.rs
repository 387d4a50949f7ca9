//! The audit trail (`api_access_log`). Messages written here never contain secrets.

use sea_orm::{ActiveModelTrait, ConnectionTrait, DbErr, Set};

use crate::clock;
use crate::entities::api_access_log;

pub struct Entry<'a> {
    pub user_id: Option<i32>,
    pub account_id: Option<i32>,
    pub action: &'a str,
    pub success: bool,
    pub error: Option<&'a str>,
    pub ip: Option<String>,
}

pub async fn record(db: &impl ConnectionTrait, entry: Entry<'_>) -> Result<(), DbErr> {
    api_access_log::ActiveModel {
        user_id: Set(entry.user_id),
        account_id: Set(entry.account_id),
        action: Set(entry.action.to_owned()),
        success: Set(entry.success),
        error_message: Set(entry.error.map(str::to_owned)),
        ip_address: Set(entry.ip),
        created_at: Set(clock::now()),
        ..Default::default()
    }
    .insert(db)
    .await
    .map(|_| ())
}
