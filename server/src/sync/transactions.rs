//! The read side of `transactions`: a user's rows, filtered by mailbox and period, paged, with
//! spending totals per currency; and the bank mail of theirs that could not be read, which
//! those totals therefore leave out.

use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, Condition, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
};

use super::Syncs;
use crate::alerts::Kind;
use crate::entities::mail_messages::{self, MessageOutcome};
use crate::entities::{email_accounts, transactions};

/// One of the user's bank alerts that could not be read (until a newer classifier reads it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnreadAlert {
    pub account_id: i32,
    /// The bank's code (`alerts::Bank::as_str`).
    pub bank: String,
    /// When the mail says it was sent, or else when it was examined (Unix seconds).
    pub at: i64,
    pub subject: Option<String>,
}

/// How many unread alerts a page lists (all of them are counted).
pub const UNREAD_LISTED: u64 = 20;

/// Which of a user's transactions to read.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub user_id: i32,
    pub account_id: Option<i32>,
    /// Only transactions at or after this time (Unix seconds).
    pub since: Option<i64>,
}

impl Filter {
    fn condition(&self) -> Condition {
        let mut condition = Condition::all().add(transactions::Column::UserId.eq(self.user_id));
        if let Some(account_id) = self.account_id {
            condition = condition.add(transactions::Column::AccountId.eq(account_id));
        }
        if let Some(since) = self.since {
            condition = condition.add(transactions::Column::OccurredAt.gte(since));
        }
        condition
    }
}

/// The kinds that count in spending, each with its sign ([`Kind::spending_sign`]): money out
/// adds, a refund takes away, the rest (money in, card payments, moves between one's own
/// accounts, declined attempts) count for nothing.
fn spending_kinds(sign: i64) -> Vec<&'static str> {
    Kind::ALL
        .into_iter()
        .filter(|k| k.spending_sign() == sign)
        .map(Kind::as_str)
        .collect()
}

impl Syncs {
    /// One page of rows, newest first, and how many match in all.
    pub async fn transactions(
        &self,
        filter: &Filter,
        page: u64,
        per_page: u64,
    ) -> Result<(Vec<transactions::Model>, u64), DbErr> {
        let query = transactions::Entity::find()
            .filter(filter.condition())
            .order_by_desc(transactions::Column::OccurredAt)
            .order_by_desc(transactions::Column::Id);
        let total = query.clone().count(&self.db).await?;
        let rows = query
            .offset(page.saturating_sub(1) * per_page)
            .limit(per_page)
            .all(&self.db)
            .await?;
        Ok((rows, total))
    }

    /// Every matching row, newest first (for the CSV download).
    pub async fn all_transactions(
        &self,
        filter: &Filter,
    ) -> Result<Vec<transactions::Model>, DbErr> {
        transactions::Entity::find()
            .filter(filter.condition())
            .order_by_desc(transactions::Column::OccurredAt)
            .order_by_desc(transactions::Column::Id)
            .all(&self.db)
            .await
    }

    /// Spending per currency (minor units), for the filter: purchases, withdrawals, bills and
    /// money sent, less refunds.
    pub async fn spending(&self, filter: &Filter) -> Result<Vec<(String, i64)>, DbErr> {
        let amount = Expr::col(transactions::Column::AmountMinor);
        let signed = Expr::case(
            transactions::Column::Kind.is_in(spending_kinds(-1)),
            amount.clone().mul(-1),
        )
        .finally(amount);
        let counted = spending_kinds(1).into_iter().chain(spending_kinds(-1));
        transactions::Entity::find()
            .select_only()
            .column(transactions::Column::Currency)
            .column_as(Expr::expr(signed).sum().cast_as("bigint"), "total")
            .filter(filter.condition())
            .filter(transactions::Column::Kind.is_in(counted))
            .group_by(transactions::Column::Currency)
            .order_by_asc(transactions::Column::Currency)
            .into_tuple()
            .all(&self.db)
            .await
    }

    /// The user's bank alerts that could not be read, in the filter's mailbox and period
    /// (newest first, at most [`UNREAD_LISTED`]), and how many there are of each bank.
    pub async fn unread_alerts(
        &self,
        filter: &Filter,
    ) -> Result<(Vec<UnreadAlert>, Vec<(String, i64)>), DbErr> {
        let mut accounts = sea_orm::sea_query::Query::select();
        accounts
            .column(email_accounts::Column::Id)
            .from(email_accounts::Entity)
            .and_where(email_accounts::Column::UserId.eq(filter.user_id));
        let mut condition = Condition::all()
            .add(mail_messages::Column::AccountId.in_subquery(accounts))
            .add(mail_messages::Column::Outcome.is_in(MessageOutcome::UNREAD_ALERTS));
        if let Some(account_id) = filter.account_id {
            condition = condition.add(mail_messages::Column::AccountId.eq(account_id));
        }
        if let Some(since) = filter.since {
            condition = condition.add(
                Condition::any()
                    .add(mail_messages::Column::SentAt.gte(since))
                    .add(
                        Condition::all()
                            .add(mail_messages::Column::SentAt.is_null())
                            .add(mail_messages::Column::ExaminedAt.gte(since)),
                    ),
            );
        }
        let per_bank: Vec<(Option<String>, i64)> = mail_messages::Entity::find()
            .select_only()
            .column(mail_messages::Column::Bank)
            .column_as(
                Expr::col(mail_messages::Column::Id)
                    .count()
                    .cast_as("bigint"),
                "n",
            )
            .filter(condition.clone())
            .group_by(mail_messages::Column::Bank)
            .order_by_asc(mail_messages::Column::Bank)
            .into_tuple()
            .all(&self.db)
            .await?;
        let per_bank = per_bank
            .into_iter()
            .map(|(bank, n)| (bank.unwrap_or_default(), n))
            .collect();
        let rows = mail_messages::Entity::find()
            .filter(condition)
            .order_by_desc(mail_messages::Column::SentAt)
            .order_by_desc(mail_messages::Column::ExaminedAt)
            .limit(UNREAD_LISTED)
            .all(&self.db)
            .await?;
        let listed = rows
            .into_iter()
            .map(|row| UnreadAlert {
                account_id: row.account_id,
                bank: row.bank.unwrap_or_default(),
                at: row.sent_at.unwrap_or(row.examined_at),
                subject: row.subject,
            })
            .collect();
        Ok((listed, per_bank))
    }

    /// The (account id, mailbox address) pairs the user has transactions from, or accounts.
    pub async fn mailboxes_with_transactions(
        &self,
        user_id: i32,
    ) -> Result<Vec<(i32, String)>, DbErr> {
        transactions::Entity::find()
            .select_only()
            .column(transactions::Column::AccountId)
            .column(transactions::Column::Mailbox)
            .filter(transactions::Column::UserId.eq(user_id))
            .distinct()
            .into_tuple()
            .all(&self.db)
            .await
    }
}
