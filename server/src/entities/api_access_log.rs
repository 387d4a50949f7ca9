use sea_orm::entity::prelude::*;

/// What an audit row records. Stored as text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum Action {
    /// A connect (or reconnect) flow stored a grant.
    #[sea_orm(string_value = "auth_success")]
    AuthSuccess,
    /// A connect flow failed after its state was accepted.
    #[sea_orm(string_value = "auth_error")]
    AuthError,
    /// A refresh found the grant dead; the account needs reconnecting.
    #[sea_orm(string_value = "token_refresh")]
    TokenRefresh,
    /// The user disconnected the account.
    #[sea_orm(string_value = "disconnect")]
    Disconnect,
    /// Key rotation found a secret it cannot open and marked the account.
    #[sea_orm(string_value = "key_rotation")]
    KeyRotation,
    /// A revocation queued at disconnect kept failing for a week and was given up.
    #[sea_orm(string_value = "revoke_abandoned")]
    RevokeAbandoned,
    /// The user deleted their app account; this row is all that is kept of their trail.
    #[sea_orm(string_value = "account_deleted")]
    AccountDeleted,
}

/// The audit trail: who did what to which account, from where, and whether it worked.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "api_access_log")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub user_id: Option<i32>,
    pub account_id: Option<i32>,
    pub action: Action,
    pub success: bool,
    pub error_message: Option<String>,
    pub ip_address: Option<String>,
    pub created_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
