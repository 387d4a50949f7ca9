use sea_orm::entity::prelude::*;

/// What a message examined by a sync turned out to be. Stored as text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum MessageOutcome {
    #[sea_orm(string_value = "transactions")]
    Transactions,
    #[sea_orm(string_value = "not_bank")]
    NotBank,
    #[sea_orm(string_value = "rejected")]
    Rejected,
    #[sea_orm(string_value = "ignored")]
    Ignored,
    #[sea_orm(string_value = "unparsed")]
    Unparsed,
    /// Gmail no longer has it (deleted between listing and reading).
    #[sea_orm(string_value = "gone")]
    Gone,
    /// Gmail refused to give it, or gave something unreadable; skipped for good.
    #[sea_orm(string_value = "unreadable")]
    Unreadable,
}

/// Every message id a sync has examined, so a re-sync neither fetches nor adds it again.
/// Unique on (account, message id).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "mail_messages")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub account_id: i32,
    pub message_id: String,
    pub outcome: MessageOutcome,
    /// The reason or kind (e.g. "not authenticated", "one-time code"); never mail content.
    pub detail: Option<String>,
    pub examined_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
