use sea_orm::entity::prelude::*;

/// Where an account stands. Stored as text (`active`, `needs_reconnect`, `disconnected`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum Status {
    /// Tokens are stored and kept fresh.
    #[sea_orm(string_value = "active")]
    Active,
    /// Google refused the grant (revoked, expired, password changed): the user must reconnect.
    #[sea_orm(string_value = "needs_reconnect")]
    NeedsReconnect,
    /// The user disconnected it; its tokens are wiped.
    #[sea_orm(string_value = "disconnected")]
    Disconnected,
}

impl Status {
    /// The label used in metrics.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::NeedsReconnect => "needs_reconnect",
            Self::Disconnected => "disconnected",
        }
    }
}

/// A connected mailbox. Unique on (user, provider, subject).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "email_accounts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub user_id: i32,
    pub provider: Provider,
    /// The provider's stable account id (Google's `sub`).
    pub provider_subject: String,
    pub email_address: String,
    /// Vault ciphertexts; `None` once wiped.
    pub access_token: Option<String>,
    pub refresh_token: Option<String>,
    pub token_expires_at: i64,
    /// Granted scopes, space separated.
    pub scopes: String,
    pub status: Status,
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
    /// When the pending revocation was queued (it is given up a week later).
    pub revoke_queued_at: Option<i64>,
    /// When the pending revocation is next tried.
    pub revoke_retry_at: Option<i64>,
    /// Failed attempts at the pending revocation so far.
    pub revoke_failures: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The account's mail sync state (absent until its first sync is queued).
    #[sea_orm(has_one = "super::mailbox_sync::Entity")]
    MailboxSync,
}

impl Related<super::mailbox_sync::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::MailboxSync.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}

/// The provider of an account. Stored as text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum Provider {
    /// Gmail, through Google's OAuth and the Gmail API.
    #[sea_orm(string_value = "google")]
    Google,
    /// Outlook.com and Microsoft 365, through Microsoft's identity platform and Graph.
    #[sea_orm(string_value = "microsoft")]
    Microsoft,
}

impl Provider {
    /// The stored name, also the label used in metrics.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Google => "google",
            Self::Microsoft => "microsoft",
        }
    }

    /// The company whose account signs in: "Google", "Microsoft".
    pub fn company(self) -> &'static str {
        match self {
            Self::Google => "Google",
            Self::Microsoft => "Microsoft",
        }
    }
}
