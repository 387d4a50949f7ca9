use sea_orm::entity::prelude::*;

/// Whether a mailbox's push registration works. Stored as text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum PushState {
    /// Registered until `expires_at`; renewed at `renew_at`. The mailbox is synced on the safety
    /// interval, and whenever a delivery says it changed.
    #[sea_orm(string_value = "active")]
    Active,
    /// Registering failed, or the service dropped the registration: tried again at
    /// `renew_at`; until then the mailbox is synced on the short interval.
    #[sea_orm(string_value = "failed")]
    Failed,
}

impl PushState {
    /// The label used in metrics.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Failed => "failed",
        }
    }
}

/// A mailbox's push registration (a Gmail watch, a Graph subscription). No row: never
/// registered, synced on the short interval.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "mailbox_push")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub account_id: i32,
    pub state: PushState,
    pub expires_at: Option<i64>,
    pub renew_at: i64,
    /// Graph's subscription id (Gmail has none: a watch is the mailbox's).
    pub subscription_id: Option<String>,
    /// Graph's `clientState` for the subscription, sealed (`SealedField::ClientState`).
    pub client_state: Option<String>,
    /// Failed registrations in a row.
    pub failures: i32,
    pub last_delivery_at: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
