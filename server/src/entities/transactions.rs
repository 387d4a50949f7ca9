use sea_orm::entity::prelude::*;

/// A transaction read from a bank alert. Unique on (account, message id, index), and on (user,
/// alert key): the same alert in two of a user's mailboxes is one row. Bank, kind and currency
/// hold the `alerts` codes (`bac_credomatic`, `purchase`, `CRC`, ...), the categories the
/// `categories` codes.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "transactions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub user_id: i32,
    pub account_id: i32,
    /// The mailbox's address when the alert was read (kept after a disconnect).
    pub mailbox: String,
    pub message_id: String,
    /// 0-based position within its message.
    pub idx: i32,
    pub bank: String,
    pub kind: String,
    /// Exact, in the currency's minor units.
    pub amount_minor: i64,
    pub currency: String,
    pub merchant: Option<String>,
    pub city: Option<String>,
    pub country: Option<String>,
    pub occurred_at: i64,
    pub card_last4: Option<String>,
    pub authorization: Option<String>,
    pub reference: Option<String>,
    pub memo: Option<String>,
    pub created_at: i64,
    /// The alert it came from (bank, kind, amount, time, card and reference or authorization);
    /// `None` when the alert names neither a reference nor an authorization.
    pub alert_key: Option<String>,
    /// The user's other mailboxes that received the same alert, comma separated.
    pub seen_in: Option<String>,
    /// The merchant's name folded for comparing and searching (`categories::merchant_key`).
    pub merchant_key: Option<String>,
    /// The built-in table's category; `None` until the row is first filed.
    pub category: Option<String>,
    /// The category its owner chose for this transaction alone: wins over a rule.
    pub chosen_category: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The owner's rule for this transaction's merchant, if there is one.
    #[sea_orm(
        belongs_to = "super::category_rules::Entity",
        from = "(Column::UserId, Column::MerchantKey)",
        to = "(super::category_rules::Column::UserId, super::category_rules::Column::MerchantKey)"
    )]
    Rule,
}

impl Related<super::category_rules::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Rule.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
