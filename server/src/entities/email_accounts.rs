use sea_orm::entity::prelude::*;

pub const STATUS_ACTIVE: &str = "active";
pub const STATUS_NEEDS_RECONNECT: &str = "needs_reconnect";
pub const STATUS_DISCONNECTED: &str = "disconnected";

/// A connected mailbox. Unique on (user, provider, subject).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "email_accounts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub user_id: i32,
    pub provider: String,
    /// The provider's stable account id (Google's `sub`).
    pub provider_subject: String,
    pub email_address: String,
    /// Vault ciphertexts; `None` once wiped.
    pub access_token: Option<String>,
    pub refresh_token: Option<String>,
    pub token_expires_at: i64,
    /// Granted scopes, space separated.
    pub scopes: String,
    pub status: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub last_refresh_at: Option<i64>,
    pub refresh_failures: i32,
    pub next_attempt_at: Option<i64>,
    pub lease_owner: Option<String>,
    pub lease_expires_at: Option<i64>,
    /// A grant still to be revoked at the provider (sealed refresh token), kept only until the
    /// revocation succeeds.
    pub pending_revoke: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// Where a sealed field of this table lives, for the vault's associated data.
pub fn sealed<'a>(field: &'static str, row_id: &'a str) -> crate::vault::Binding<'a> {
    crate::vault::Binding {
        table: "email_accounts",
        field,
        row: row_id,
    }
}

pub const SEALED_FIELDS: [(&str, Column); 3] = [
    ("access_token", Column::AccessToken),
    ("refresh_token", Column::RefreshToken),
    ("pending_revoke", Column::PendingRevoke),
];
