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
    /// From an alert address, in a layout the classifier does not know.
    #[sea_orm(string_value = "unknown_layout")]
    UnknownLayout,
    /// Gmail no longer has it (deleted between listing and reading).
    #[sea_orm(string_value = "gone")]
    Gone,
    /// Never parsed: its shape was far outside any bank's, it took too long, or the classifier
    /// stopped while reading it. `detail` names which.
    #[sea_orm(string_value = "refused")]
    Refused,
    /// Being classified right now. A row left like this means the classifier stopped while
    /// reading it (the process ended): the next sync reads it again; left like this a second
    /// time (`detail` says so), the sync after records it as refused and never tries again.
    #[sea_orm(string_value = "classifying")]
    Classifying,
    /// Never read: over the size a sync reads, or the mail service failed to give it
    /// [`MAX_FETCH_TRIES`] times (`detail` says which). Skipped until a newer classifier reads
    /// it again.
    #[sea_orm(string_value = "unreadable")]
    Unreadable,
    /// The mail service failed to give it (a 5xx, a timeout, a cut-off answer): each next
    /// sync fetches it again, until `tries` reaches [`MAX_FETCH_TRIES`] and it is unreadable.
    #[sea_orm(string_value = "unfetched")]
    Unfetched,
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
    /// The `alerts::CLASSIFIER_VERSION` that decided the outcome (0: before versions).
    pub classifier_version: i32,
    /// The bank code of a bank sender's mail.
    pub bank: Option<String>,
    /// An alert left unread (unparsed or of an unknown layout): its subject, shortened, shown
    /// to the mailbox's owner only. `None` for every other outcome.
    pub subject: Option<String>,
    /// When the mail says it was sent (its Date header), Unix seconds, for unread alerts.
    pub sent_at: Option<i64>,
    /// Fetches of it that failed (the mail service's fault, not the mail's).
    pub tries: i32,
}

/// Syncs that may fail to fetch one message before it is recorded unreadable.
pub const MAX_FETCH_TRIES: i32 = 5;

/// `detail` of a message being classified for the second time, after a run died reading it.
pub const SECOND_ATTEMPT: &str = "second attempt";

impl MessageOutcome {
    /// Outcomes a newer classifier may turn into transactions: everything but a transaction
    /// already found or a message that is gone.
    pub const READ_AGAIN: [MessageOutcome; 6] = [
        MessageOutcome::NotBank,
        MessageOutcome::Rejected,
        MessageOutcome::Ignored,
        MessageOutcome::Unparsed,
        MessageOutcome::UnknownLayout,
        MessageOutcome::Unreadable,
    ];

    /// Alerts left unread, which the Transactions page tells their owner about.
    pub const UNREAD_ALERTS: [MessageOutcome; 2] =
        [MessageOutcome::Unparsed, MessageOutcome::UnknownLayout];
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
