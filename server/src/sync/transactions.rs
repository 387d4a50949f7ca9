//! The read side of `transactions`: a user's rows, filtered by mailbox and period, paged, with
//! spending totals per currency.

use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, Condition, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
};

use super::Syncs;
use crate::entities::transactions;

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

/// Kinds that count as spending in the totals.
pub const SPENDING_KINDS: [&str; 2] = ["purchase", "transfer_out"];

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

    /// Spending per currency (minor units), for the filter.
    pub async fn spending(&self, filter: &Filter) -> Result<Vec<(String, i64)>, DbErr> {
        transactions::Entity::find()
            .select_only()
            .column(transactions::Column::Currency)
            .column_as(
                Expr::col(transactions::Column::AmountMinor)
                    .sum()
                    .cast_as("bigint"),
                "total",
            )
            .filter(filter.condition())
            .filter(transactions::Column::Kind.is_in(SPENDING_KINDS))
            .group_by(transactions::Column::Currency)
            .order_by_asc(transactions::Column::Currency)
            .into_tuple()
            .all(&self.db)
            .await
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
