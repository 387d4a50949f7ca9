//! The read side of `transactions`: a user's rows, filtered by mailbox, period, merchant,
//! category, kind, card and bank, paged, each under the category it is shown under; spending
//! per currency, per day and per category; and the bank mail of theirs that could not be read, which
//! those totals therefore leave out.

use sea_orm::sea_query::{Expr, ExprTrait, Func};
use sea_orm::{
    ColumnTrait, Condition, DbBackend, DbErr, EntityTrait, JoinType, QueryFilter, QueryOrder,
    QuerySelect, QueryTrait, RelationTrait, Select, SelectTwo, Statement,
};

use std::sync::Arc;

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

/// Spending of one currency on one day under one category.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spent {
    pub currency: String,
    /// Days since 1970-01-01 in the zone asked for.
    pub day: i64,
    pub category: Category,
    /// Minor units; a day of refunds can be below zero.
    pub minor: i64,
}

/// What the user's transactions hold, to filter by.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FilterChoices {
    /// (account id, mailbox address) of every mailbox they came from, connected or not.
    pub mailboxes: Vec<(i32, String)>,
    /// Cards' last four digits.
    pub cards: Vec<String>,
    /// Banks' codes.
    pub banks: Vec<String>,
    /// Kinds' codes.
    pub kinds: Vec<String>,
}

const SECONDS_A_DAY: i64 = 24 * 60 * 60;

/// How many unread alerts a page lists (all of them are counted).
pub const UNREAD_LISTED: u64 = 20;

/// Which of a user's transactions to read.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
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

    /// The matching rows, newest first, each with its merchant's rule.
    fn newest_first(&self) -> SelectTwo<transactions::Entity, category_rules::Entity> {
        transactions::Entity::find()
            .find_also_related(category_rules::Entity)
            .filter(self.condition())
            .order_by_desc(transactions::Column::OccurredAt)
            .order_by_desc(transactions::Column::Id)
    }

    /// Page `page` (1-based) of [`Filter::newest_first`].
    fn page(
        &self,
        page: u64,
        per_page: u64,
    ) -> SelectTwo<transactions::Entity, category_rules::Entity> {
        self.newest_first()
            .offset(page.saturating_sub(1) * per_page)
            .limit(per_page)
    }

    /// (currency, day, category code, minor units) of spending, days counted in the zone
    /// `utc_offset` seconds from UTC.
    fn spending(&self, utc_offset: i64) -> Select<transactions::Entity> {
        let day = Expr::col((transactions::Entity, transactions::Column::OccurredAt))
            .add(utc_offset)
            .div(SECONDS_A_DAY);
        self.select()
            .select_only()
            .column(transactions::Column::Currency)
            .column_as(day.cast_as("bigint"), "day")
            .column_as(category_expr(), "shown_category")
            .column_as(spending_expr().sum().cast_as("bigint"), "total")
            .filter(transactions::Column::Kind.is_in(counted_kinds()))
            // By the output's names: the same expression twice would be two different
            // statements' parameters to PostgreSQL.
            .group_by(transactions::Column::Currency)
            .group_by(Expr::col("day"))
            .group_by(Expr::col("shown_category"))
    }

    /// How many rows match: the rules are only read when the category is filtered.
    fn counted(&self) -> Select<transactions::Entity> {
        let count = Expr::col((transactions::Entity, transactions::Column::Id)).count();
        let rows = if self.category.is_some() {
            self.select()
        } else {
            transactions::Entity::find().filter(self.condition())
        };
        rows.select_only().column_as(count.cast_as("bigint"), "n")
    }

    /// The statements a page of this filter runs (its rows, their count, spending per currency,
    /// day and category; the previous period's spending is the last again, over other days) as
    /// `backend` spells them: what to ask the database to explain.
    pub fn page_statements(&self, backend: DbBackend) -> Vec<Statement> {
        vec![
            self.page(1, 50).build(backend),
            self.counted().build(backend),
            self.spending(0).build(backend),
        ]
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
        let total = self
            .kept_count(filter, async || {
                let total: Option<i64> = filter.counted().into_tuple().one(&self.db).await?;
                Ok(u64::try_from(total.unwrap_or(0)).unwrap_or(0))
            })
            .await?;
        let rows = filter.page(page, per_page).all(&self.db).await?;
        Ok((rows, total))
    }

    /// Every matching row, newest first (for the CSV download).
    pub async fn all_transactions(&self, filter: &Filter) -> Result<Vec<Listed>, DbErr> {
        filter.newest_first().all(&self.db).await
    }

    /// Spending in the filter, per currency, day and category, in one pass: purchases,
    /// withdrawals, bills and money sent, less refunds. Days are counted from 1970-01-01 in the
    /// zone `utc_offset` seconds from UTC; only what was spent (or given back) is listed. Kept
    /// until the user's transactions or rules change ([`super::sums`]).
    pub async fn spending(
        &self,
        filter: &Filter,
        utc_offset: i64,
    ) -> Result<Arc<Vec<Spent>>, DbErr> {
        self.kept_spending(filter, utc_offset, async || {
            let rows: Vec<(String, i64, String, i64)> = filter
                .spending(utc_offset)
                .into_tuple()
                .all(&self.db)
                .await?;
            Ok(rows
                .into_iter()
                .map(|(currency, day, category, minor)| Spent {
                    currency,
                    day,
                    category: Category::from_code(&category).unwrap_or(Category::Other),
                    minor,
                })
                .collect())
        })
        .await
    }

    /// What the user's transactions hold to filter by: mailboxes, cards, banks and kinds (one
    /// statement, through an index that holds them). Kept until the user's transactions change.
    pub async fn filter_choices(&self, user_id: i32) -> Result<FilterChoices, DbErr> {
        let kept = self
            .kept_choices(user_id, async || self.read_filter_choices(user_id).await)
            .await?;
        Ok(FilterChoices::clone(&kept))
    }

    async fn read_filter_choices(&self, user_id: i32) -> Result<FilterChoices, DbErr> {
        let rows: Vec<(i32, String, String, String, Option<String>)> = transactions::Entity::find()
            .select_only()
            .column(transactions::Column::AccountId)
            .column(transactions::Column::Mailbox)
            .column(transactions::Column::Bank)
            .column(transactions::Column::Kind)
            .column(transactions::Column::CardLast4)
            .filter(transactions::Column::UserId.eq(user_id))
            .distinct()
            .into_tuple()
            .all(&self.db)
            .await?;
        let mut choices = FilterChoices::default();
        for (account_id, mailbox, bank, kind, card) in rows {
            choices.mailboxes.push((account_id, mailbox));
            choices.banks.push(bank);
            choices.kinds.push(kind);
            choices.cards.extend(card);
        }
        for list in [&mut choices.banks, &mut choices.kinds, &mut choices.cards] {
            list.sort();
            list.dedup();
        }
        choices.mailboxes.sort();
        choices.mailboxes.dedup();
        Ok(choices)
    }

    /// The user's bank alerts that could not be read, in the filter's mailbox and days
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
        if let Some(until) = filter.until {
            condition = condition.add(
                Condition::any()
                    .add(mail_messages::Column::SentAt.lt(until))
                    .add(
                        Condition::all()
                            .add(mail_messages::Column::SentAt.is_null())
                            .add(mail_messages::Column::ExaminedAt.lt(until)),
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
}
