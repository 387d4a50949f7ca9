//! The Transactions page's sums, kept rather than added up on every load: how many rows a
//! filter matches, and spending per currency, day and category. Each user's sums are kept under
//! their version (`spending_versions`), which every change to their transactions or category
//! rules raises in the same database transaction as the change; a page load reads the version
//! (one row by its key) and adds the rows up again only when it has moved. So a change made on
//! any instance is seen on every instance at its next load.

use std::hash::Hash;
use std::sync::Arc;
use std::time::Duration;

use moka::sync::Cache;
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{ConnectionTrait, DbErr, EntityTrait, Set};

use super::Syncs;
use super::transactions::{Filter, FilterChoices, Spent};
use crate::entities::spending_versions;

/// At most this many kept sums (a count weighs one, spending one a row), per instance.
const CAPACITY: u64 = 200_000;
/// Sums nobody read for this long are dropped.
const IDLE: Duration = Duration::from_secs(10 * 60);

/// The kept sums, by user version and filter (and, for spending, the zone's offset).
#[derive(Clone)]
pub struct Sums {
    counts: Cache<(i64, Filter), u64>,
    spending: Cache<(i64, Filter, i64), Arc<Vec<Spent>>>,
    /// What the filters offer, by user version and user.
    choices: Cache<(i64, i32), Arc<FilterChoices>>,
}

impl Default for Sums {
    fn default() -> Self {
        Self {
            counts: Cache::builder()
                .max_capacity(CAPACITY / 10)
                .time_to_idle(IDLE)
                .build(),
            spending: Cache::builder()
                .weigher(|_, spent: &Arc<Vec<Spent>>| {
                    u32::try_from(spent.len())
                        .unwrap_or(u32::MAX)
                        .saturating_add(1)
                })
                .max_capacity(CAPACITY)
                .time_to_idle(IDLE)
                .build(),
            choices: Cache::builder()
                .max_capacity(CAPACITY / 10)
                .time_to_idle(IDLE)
                .build(),
        }
    }
}

/// Raises `user_id`'s version: their transactions or rules changed, and the sums kept for them
/// are not read again. Call it inside the transaction that makes the change.
pub async fn changed(db: &impl ConnectionTrait, user_id: i32) -> Result<(), DbErr> {
    let version = (
        spending_versions::Entity,
        spending_versions::Column::Version,
    );
    spending_versions::Entity::insert(spending_versions::ActiveModel {
        user_id: Set(user_id),
        version: Set(1),
    })
    .on_conflict(
        OnConflict::column(spending_versions::Column::UserId)
            .value(
                spending_versions::Column::Version,
                Expr::col(version).add(1),
            )
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// `cache`'s value for `key`, or else `make`'s, kept under it.
async fn kept<K, V>(
    cache: &Cache<K, V>,
    key: K,
    make: impl AsyncFnOnce() -> Result<V, DbErr>,
) -> Result<V, DbErr>
where
    K: Hash + Eq + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
{
    if let Some(value) = cache.get(&key) {
        return Ok(value);
    }
    let value = make().await?;
    cache.insert(key, value.clone());
    Ok(value)
}

impl Syncs {
    /// The user's version: how many times their transactions or rules changed.
    async fn version(&self, user_id: i32) -> Result<i64, DbErr> {
        Ok(spending_versions::Entity::find_by_id(user_id)
            .one(&self.db)
            .await?
            .map_or(0, |row| row.version))
    }

    /// How many rows `filter` matches: kept, or `count` when the user's data changed since.
    pub(super) async fn kept_count(
        &self,
        filter: &Filter,
        count: impl AsyncFnOnce() -> Result<u64, DbErr>,
    ) -> Result<u64, DbErr> {
        let key = (self.version(filter.user_id).await?, filter.clone());
        kept(&self.sums.counts, key, count).await
    }

    /// What `user_id`'s transactions offer to filter by: kept, or `read` when their data
    /// changed since.
    pub(super) async fn kept_choices(
        &self,
        user_id: i32,
        read: impl AsyncFnOnce() -> Result<FilterChoices, DbErr>,
    ) -> Result<Arc<FilterChoices>, DbErr> {
        let key = (self.version(user_id).await?, user_id);
        kept(&self.sums.choices, key, async || {
            Ok(Arc::new(read().await?))
        })
        .await
    }

    /// Spending in `filter` with days in the zone `utc_offset` from UTC: kept, or `add_up`
    /// when the user's data changed since.
    pub(super) async fn kept_spending(
        &self,
        filter: &Filter,
        utc_offset: i64,
        add_up: impl AsyncFnOnce() -> Result<Vec<Spent>, DbErr>,
    ) -> Result<Arc<Vec<Spent>>, DbErr> {
        let version = self.version(filter.user_id).await?;
        let key = (version, filter.clone(), utc_offset);
        kept(&self.sums.spending, key, async || {
            Ok(Arc::new(add_up().await?))
        })
        .await
    }
}
