use sea_orm::entity::prelude::*;

/// Where a mailbox's sync job stands. Stored as text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum SyncState {
    /// No job pending.
    #[sea_orm(string_value = "idle")]
    Idle,
    /// A job is on the queue (or waiting for its retry time).
    #[sea_orm(string_value = "queued")]
    Queued,
    /// A job is running under the lease (`run_owner`, `run_expires_at`).
    #[sea_orm(string_value = "running")]
    Running,
}

/// Why the last sync failed. Stored as text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum SyncFailure {
    /// The mail service answered 429 / rate-limit 403 until we gave up for now; retried at
    /// `retry_at`.
    #[sea_orm(string_value = "rate_limited")]
    RateLimited,
    /// The mail service or its sign-in was unavailable (5xx, network); retried at `retry_at`.
    #[sea_orm(string_value = "unavailable")]
    Unavailable,
    /// The grant is dead: the account needs reconnecting; not retried.
    #[sea_orm(string_value = "needs_reconnect")]
    NeedsReconnect,
    /// The mail service no longer lets us read the mailbox (403): its owner must reconnect it
    /// and allow reading mail. Tried again by the scheduler's rounds.
    #[sea_orm(string_value = "forbidden")]
    Forbidden,
    /// This server cannot read the mailbox as it is configured: its operator must act. Tried
    /// again by the scheduler's rounds.
    #[sea_orm(string_value = "misconfigured")]
    Misconfigured,
}

/// One mailbox's sync state. Created with the account's first sync request.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "mailbox_sync")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub account_id: i32,
    pub state: SyncState,
    pub queued_at: Option<i64>,
    pub run_owner: Option<String>,
    pub run_expires_at: Option<i64>,
    /// Gmail's historyId as of the last complete sync; later syncs ask for what came after it.
    pub history_id: Option<String>,
    pub last_synced_at: Option<i64>,
    pub last_new_transactions: i32,
    pub failure: Option<SyncFailure>,
    pub failures: i32,
    pub retry_at: Option<i64>,
    /// A listing cut short by the run's page cap goes on from here in the next run: the time
    /// it lists from and the mail service's cursor for its next page.
    pub resume_since: Option<i64>,
    pub resume_page: Option<String>,
    /// When its owner last pressed "Sync now" (limited to once per `SYNC_NOW_INTERVAL_SECS`).
    pub asked_at: Option<i64>,
}

/// What the account list shows of a sync state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SyncSummary {
    pub state: SyncState,
    pub last_synced_at: Option<i64>,
    pub last_new_transactions: i32,
    pub failure: Option<SyncFailure>,
    pub retry_at: Option<i64>,
}

impl From<&Model> for SyncSummary {
    fn from(model: &Model) -> Self {
        Self {
            state: model.state,
            last_synced_at: model.last_synced_at,
            last_new_transactions: model.last_new_transactions,
            failure: model.failure,
            retry_at: model.retry_at,
        }
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::email_accounts::Entity",
        from = "Column::AccountId",
        to = "super::email_accounts::Column::Id"
    )]
    Account,
}

impl Related<super::email_accounts::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Account.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
