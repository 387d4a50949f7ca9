//! The read side of `transactions`: a user's rows, filtered by mailbox, period, merchant,
//! category, kind, card and bank, paged, each under the category it is shown under; spending
//! per currency, per day and per category; and the bank mail of theirs that could not be read, which
//! those totals therefore leave out.

use sea_orm::sea_query::{Expr, ExprTrait, Func};
use sea_orm::{
    ColumnTrait, Condition, DbErr, EntityTrait, JoinType, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, RelationTrait, Select,
};

use super::Syncs;
use crate::alerts::Kind;
use crate::categories::Category;
use crate::entities::mail_messages::{self, MessageOutcome};
use crate::entities::{category_rules, email_accounts, transactions};

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

/// A row of the list, beside its owner's rule for its merchant (if any).
pub type Listed = (transactions::Model, Option<category_rules::Model>);

/// What the user's transactions hold, to filter by.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FilterChoices {
    /// Cards' last four digits.
    pub cards: Vec<String>,
    /// Banks' codes.
    pub banks: Vec<String>,
    /// Kinds' codes.
    pub kinds: Vec<String>,
}

const SECONDS_A_DAY: i64 = 24 * 60 * 60;

/// The filter's rows, newest first, each with its merchant's rule.
fn newest_first(
    filter: &Filter,
) -> sea_orm::SelectTwo<transactions::Entity, category_rules::Entity> {
    transactions::Entity::find()
        .find_also_related(category_rules::Entity)
        .filter(filter.condition())
        .order_by_desc(transactions::Column::OccurredAt)
        .order_by_desc(transactions::Column::Id)
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
    /// Only transactions before this time (Unix seconds).
    pub until: Option<i64>,
    /// Only merchants whose key holds these words (already a [`categories::merchant_key`]).
    pub search: Option<String>,
    pub category: Option<Category>,
    /// A kind's code (`alerts::Kind::as_str`).
    pub kind: Option<String>,
    /// A card's last four digits.
    pub card: Option<String>,
    /// A bank's code (`alerts::Bank::as_str`).
    pub bank: Option<String>,
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
        if let Some(until) = self.until {
            condition = condition.add(transactions::Column::OccurredAt.lt(until));
        }
        if let Some(words) = &self.search {
            // A merchant key holds letters, digits and single spaces only, never a wildcard.
            condition = condition.add(transactions::Column::MerchantKey.like(format!("%{words}%")));
        }
        if let Some(category) = self.category {
            condition = condition.add(category_expr().eq(category.as_str()));
        }
        if let Some(kind) = &self.kind {
            condition = condition.add(transactions::Column::Kind.eq(kind.as_str()));
        }
        if let Some(card) = &self.card {
            condition = condition.add(transactions::Column::CardLast4.eq(card.as_str()));
        }
        if let Some(bank) = &self.bank {
            condition = condition.add(transactions::Column::Bank.eq(bank.as_str()));
        }
        condition
    }

    /// The user's transactions this filter matches, each beside its merchant's rule.
    fn select(&self) -> Select<transactions::Entity> {
        transactions::Entity::find()
            .join(JoinType::LeftJoin, transactions::Relation::Rule.def())
            .filter(self.condition())
    }
}

/// The category a transaction is shown under: its owner's choice for it alone, else their rule
/// for its merchant, else the built-in table's.
fn category_expr() -> Expr {
    Func::coalesce([
        Expr::col((transactions::Entity, transactions::Column::ChosenCategory)),
        Expr::col((category_rules::Entity, category_rules::Column::Category)),
        Expr::col((transactions::Entity, transactions::Column::Category)),
        Expr::val(Category::Other.as_str()),
    ])
    .into()
}

/// The category a row is shown under, as [`category_expr`] reads it in SQL.
pub fn shown_category(row: &transactions::Model, rule: Option<&category_rules::Model>) -> Category {
    row.chosen_category
        .as_deref()
        .or(rule.map(|rule| rule.category.as_str()))
        .or(row.category.as_deref())
        .and_then(Category::from_code)
        .unwrap_or(Category::Other)
}

/// The signed amount a row adds to spending, in SQL: [`Kind::spending_sign`] of its kind.
fn spending_expr() -> Expr {
    let amount = Expr::col((transactions::Entity, transactions::Column::AmountMinor));
    Expr::case(
        transactions::Column::Kind.is_in(spending_kinds(-1)),
        amount.clone().mul(-1),
    )
    .case(transactions::Column::Kind.is_in(spending_kinds(1)), amount)
    .finally(Expr::val(0i64))
    .into()
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

/// Every kind that counts in spending, either way.
fn counted_kinds() -> Vec<&'static str> {
    spending_kinds(1)
        .into_iter()
        .chain(spending_kinds(-1))
        .collect()
}

impl Syncs {
    /// One page of rows, newest first, each with its merchant's rule, and how many match in all.
    pub async fn transactions(
        &self,
        filter: &Filter,
        page: u64,
        per_page: u64,
    ) -> Result<(Vec<Listed>, u64), DbErr> {
        let total = filter.select().count(&self.db).await?;
        let rows = newest_first(filter)
            .offset(page.saturating_sub(1) * per_page)
            .limit(per_page)
            .all(&self.db)
            .await?;
        Ok((rows, total))
    }

    /// Every matching row, newest first (for the CSV download).
    pub async fn all_transactions(&self, filter: &Filter) -> Result<Vec<Listed>, DbErr> {
        newest_first(filter).all(&self.db).await
    }

    /// Spending per currency (minor units), for the filter: purchases, withdrawals, bills and
    /// money sent, less refunds.
    pub async fn spending(&self, filter: &Filter) -> Result<Vec<(String, i64)>, DbErr> {
        filter
            .select()
            .select_only()
            .column(transactions::Column::Currency)
            .column_as(spending_expr().sum().cast_as("bigint"), "total")
            .filter(transactions::Column::Kind.is_in(counted_kinds()))
            .group_by(transactions::Column::Currency)
            .order_by_asc(transactions::Column::Currency)
            .into_tuple()
            .all(&self.db)
            .await
    }

    /// Spending per currency and day, for the filter: (currency, day, minor units), the day
    /// counted from 1970-01-01 in the zone `utc_offset` seconds from UTC. Days without
    /// spending are left out.
    pub async fn spending_by_day(
        &self,
        filter: &Filter,
        utc_offset: i64,
    ) -> Result<Vec<(String, i64, i64)>, DbErr> {
        let day = Expr::col((transactions::Entity, transactions::Column::OccurredAt))
            .add(utc_offset)
            .div(SECONDS_A_DAY);
        filter
            .select()
            .select_only()
            .column(transactions::Column::Currency)
            .column_as(day.cast_as("bigint"), "day")
            .column_as(spending_expr().sum().cast_as("bigint"), "total")
            .filter(transactions::Column::Kind.is_in(counted_kinds()))
            // By the output's names: the same expression twice would be two different
            // statements' parameters to PostgreSQL.
            .group_by(transactions::Column::Currency)
            .group_by(Expr::col("day"))
            .order_by_asc(transactions::Column::Currency)
            .order_by_asc(Expr::col("day"))
            .into_tuple()
            .all(&self.db)
            .await
    }

    /// Spending per currency and category, for the filter: (currency, category code, minor
    /// units), largest first.
    pub async fn spending_by_category(
        &self,
        filter: &Filter,
    ) -> Result<Vec<(String, String, i64)>, DbErr> {
        filter
            .select()
            .select_only()
            .column(transactions::Column::Currency)
            .column_as(category_expr(), "shown_category")
            .column_as(spending_expr().sum().cast_as("bigint"), "total")
            .filter(transactions::Column::Kind.is_in(counted_kinds()))
            .group_by(transactions::Column::Currency)
            .group_by(Expr::col("shown_category"))
            .order_by_asc(transactions::Column::Currency)
            .order_by_desc(Expr::col("total"))
            .order_by_asc(Expr::col("shown_category"))
            .into_tuple()
            .all(&self.db)
            .await
    }

    /// The cards, banks and kinds the user has transactions of, for the filters' choices.
    pub async fn filter_choices(&self, user_id: i32) -> Result<FilterChoices, DbErr> {
        let distinct = |column: transactions::Column| {
            transactions::Entity::find()
                .select_only()
                .column(column)
                .filter(transactions::Column::UserId.eq(user_id))
                .filter(column.is_not_null())
                .distinct()
                .order_by_asc(column)
                .into_tuple::<String>()
                .all(&self.db)
        };
        Ok(FilterChoices {
            cards: distinct(transactions::Column::CardLast4).await?,
            banks: distinct(transactions::Column::Bank).await?,
            kinds: distinct(transactions::Column::Kind).await?,
        })
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
