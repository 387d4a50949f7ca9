//! What a transaction is filed under, as its owner decides (owner of `category_rules`): one
//! transaction alone, or every transaction of its merchant, past and future, by one rule; each
//! change undone by restoring what it replaced. And the built-in category and merchant key of
//! rows written before transactions had them.

use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveValue, ColumnTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
    TransactionTrait,
};

use super::Syncs;
use crate::alerts::Kind;
use crate::categories::{self, Category};
use crate::entities::{category_rules, transactions};

/// Which transactions a change of category is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// This transaction alone: its own choice, which wins over a rule.
    One,
    /// Every transaction of its merchant, past and future: the owner's rule for the merchant.
    Merchant,
}

/// What a change replaced, which is what undoing it restores.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Before {
    /// The owner's rule for the transaction's merchant.
    pub rule: Option<Category>,
    /// The transaction's own choice.
    pub own: Option<Category>,
}

/// Why a change of category was refused.
#[derive(Debug, thiserror::Error)]
pub enum FilingError {
    /// No such transaction of this user.
    #[error("no such transaction")]
    NotFound,
    /// A rule for the merchant, asked for a transaction that names none.
    #[error("the transaction names no merchant")]
    NoMerchant,
    #[error("database error: {0}")]
    Database(#[from] DbErr),
}

/// Rows filed per statement when the server files rows written before categories.
const FILING_BATCH: u64 = 500;

impl Syncs {
    /// Files the user's transaction `id` under `category`, for it alone or for its merchant
    /// (a rule, which applies to every transaction of the merchant at once: they are read
    /// through it). A rule also drops this transaction's own earlier choice, so the change is
    /// seen. Answers what the change replaced.
    pub async fn file_under(
        &self,
        user_id: i32,
        id: i32,
        category: Category,
        scope: Scope,
    ) -> Result<Before, FilingError> {
        let txn = self.db.begin().await?;
        // A write first: on SQLite it takes the write lock (waiting its turn) before anything is
        // read, so no other writer's commit can make this transaction's later writes fail.
        super::sums::changed(&txn, user_id).await?;
        let (row, rule) = users_row(&txn, user_id, id).await?;
        let before = Before {
            rule: rule.as_ref().and_then(|r| Category::from_code(&r.category)),
            own: row.chosen_category.as_deref().and_then(Category::from_code),
        };
        match scope {
            Scope::One => set_own(&txn, id, Some(category)).await?,
            Scope::Merchant => {
                let key = merchant_key(&row).ok_or(FilingError::NoMerchant)?;
                set_rule(&txn, user_id, key, Some(category), self.clock.now()).await?;
                set_own(&txn, id, None).await?;
            }
        }
        txn.commit().await?;
        Ok(before)
    }

    /// Puts back what a change of transaction `id`'s category replaced: its merchant's rule
    /// (or none) and its own choice (or none).
    pub async fn restore_filing(
        &self,
        user_id: i32,
        id: i32,
        before: Before,
    ) -> Result<(), FilingError> {
        let txn = self.db.begin().await?;
        // A write first, as in `file_under`.
        super::sums::changed(&txn, user_id).await?;
        let (row, _) = users_row(&txn, user_id, id).await?;
        if let Some(key) = merchant_key(&row) {
            set_rule(&txn, user_id, key, before.rule, self.clock.now()).await?;
        }
        set_own(&txn, id, before.own).await?;
        txn.commit().await?;
        Ok(())
    }

    /// The user's transaction `id` and its merchant's rule, if it is theirs.
    pub async fn filed_transaction(
        &self,
        user_id: i32,
        id: i32,
    ) -> Result<(transactions::Model, Option<category_rules::Model>), FilingError> {
        users_row(&self.db, user_id, id).await
    }

    /// Gives rows written before transactions had categories their merchant key and built-in
    /// category, a batch at a time. Returns how many it filed.
    pub async fn file_unfiled(&self) -> Result<u64, DbErr> {
        let mut filed = 0;
        loop {
            let rows: Vec<(i32, i32, String, Option<String>)> = transactions::Entity::find()
                .select_only()
                .column(transactions::Column::Id)
                .column(transactions::Column::UserId)
                .column(transactions::Column::Kind)
                .column(transactions::Column::Merchant)
                .filter(transactions::Column::Category.is_null())
                .order_by_asc(transactions::Column::Id)
                .limit(FILING_BATCH)
                .into_tuple()
                .all(&self.db)
                .await?;
            if rows.is_empty() {
                return Ok(filed);
            }
            let txn = self.db.begin().await?;
            let mut owners: Vec<i32> = rows.iter().map(|(_, user_id, _, _)| *user_id).collect();
            owners.sort_unstable();
            owners.dedup();
            for user_id in owners {
                super::sums::changed(&txn, user_id).await?;
            }
            for (id, _, kind, merchant) in rows {
                let category = Kind::from_code(&kind).map_or(Category::Other, |kind| {
                    categories::built_in(kind, merchant.as_deref())
                });
                transactions::Entity::update(transactions::ActiveModel {
                    id: ActiveValue::Unchanged(id),
                    merchant_key: Set(merchant.as_deref().map(categories::merchant_key)),
                    category: Set(Some(category.as_str().to_owned())),
                    ..Default::default()
                })
                .exec(&txn)
                .await?;
                filed += 1;
            }
            txn.commit().await?;
        }
    }
}

async fn users_row(
    db: &impl sea_orm::ConnectionTrait,
    user_id: i32,
    id: i32,
) -> Result<(transactions::Model, Option<category_rules::Model>), FilingError> {
    transactions::Entity::find_by_id(id)
        .find_also_related(category_rules::Entity)
        .filter(transactions::Column::UserId.eq(user_id))
        .one(db)
        .await?
        .ok_or(FilingError::NotFound)
}

fn merchant_key(row: &transactions::Model) -> Option<&str> {
    row.merchant_key.as_deref().filter(|key| !key.is_empty())
}

async fn set_own(
    db: &impl sea_orm::ConnectionTrait,
    id: i32,
    category: Option<Category>,
) -> Result<(), DbErr> {
    transactions::Entity::update(transactions::ActiveModel {
        id: ActiveValue::Unchanged(id),
        chosen_category: Set(category.map(|c| c.as_str().to_owned())),
        ..Default::default()
    })
    .exec(db)
    .await?;
    Ok(())
}

/// Sets (one upsert) or removes the user's rule for a merchant.
async fn set_rule(
    db: &impl sea_orm::ConnectionTrait,
    user_id: i32,
    key: &str,
    category: Option<Category>,
    now: i64,
) -> Result<(), DbErr> {
    let Some(category) = category else {
        category_rules::Entity::delete_many()
            .filter(category_rules::Column::UserId.eq(user_id))
            .filter(category_rules::Column::MerchantKey.eq(key))
            .exec(db)
            .await?;
        return Ok(());
    };
    let rule = category_rules::ActiveModel {
        user_id: Set(user_id),
        merchant_key: Set(key.to_owned()),
        category: Set(category.as_str().to_owned()),
        created_at: Set(now),
        ..Default::default()
    };
    category_rules::Entity::insert(rule)
        .on_conflict(
            OnConflict::columns([
                category_rules::Column::UserId,
                category_rules::Column::MerchantKey,
            ])
            .update_columns([
                category_rules::Column::Category,
                category_rules::Column::CreatedAt,
            ])
            .to_owned(),
        )
        .exec(db)
        .await?;
    Ok(())
}
