//! Key rotation's common part: re-sealing one stored secret by compare-and-swap, walking a table
//! in batches, and the report. The tables' owners (`accounts`, `connect::flows`) walk their own
//! rows with these; `crate::rotate_keys` runs both.
//!
//! Safe while servers and the refresher run: each write is a compare-and-swap on the old
//! ciphertext, so a token refreshed meanwhile is never overwritten by its old value. Idempotent:
//! secrets already under the current key are left alone.

use std::fmt;

use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbErr, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, TransactionTrait, UpdateMany,
};

use super::{Binding, Vault, VaultError};

pub const BATCH_SIZE: u64 = 500;

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct RotationReport {
    /// Secrets re-sealed under the current key.
    pub rotated: u64,
    /// Secrets that were already under the current key.
    pub already_current: u64,
    /// Secrets rewritten by someone else between our read and our write (left as they are).
    pub changed_meanwhile: u64,
    /// Secrets that could not be opened (their key is not configured, or they are damaged).
    pub unavailable: u64,
    /// Accounts marked `needs_reconnect` because a secret of theirs was unavailable.
    pub accounts_marked: u64,
}

impl fmt::Display for RotationReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "rotated {}, already current {}, changed meanwhile {}, unavailable {} (accounts marked needs_reconnect: {})",
            self.rotated,
            self.already_current,
            self.changed_meanwhile,
            self.unavailable,
            self.accounts_marked
        )
    }
}

/// What became of one stored secret.
pub enum Outcome {
    AlreadyCurrent,
    Rotated,
    ChangedMeanwhile,
    Unavailable(VaultError),
}

impl RotationReport {
    pub fn count(&mut self, outcome: &Outcome) {
        match outcome {
            Outcome::AlreadyCurrent => self.already_current += 1,
            Outcome::Rotated => self.rotated += 1,
            Outcome::ChangedMeanwhile => self.changed_meanwhile += 1,
            Outcome::Unavailable(_) => self.unavailable += 1,
        }
    }
}

/// Opens `stored` and writes it back sealed under the current key into `column`, but only
/// through `swap`, an update filtered on the row still holding `stored`.
pub async fn reseal<E: EntityTrait>(
    db: &impl ConnectionTrait,
    vault: &Vault,
    binding: Binding<'_>,
    stored: &str,
    swap: UpdateMany<E>,
    column: E::Column,
) -> Result<Outcome, DbErr> {
    if vault.is_current(stored) {
        return Ok(Outcome::AlreadyCurrent);
    }
    let plain = match vault.open(binding, stored) {
        Ok(plain) => plain,
        Err(error) => return Ok(Outcome::Unavailable(error)),
    };
    let fresh = vault.seal(binding, &plain);
    let written = swap
        .col_expr(column, Expr::value(fresh))
        .filter(column.eq(stored))
        .exec(db)
        .await?
        .rows_affected;
    Ok(if written == 1 {
        Outcome::Rotated
    } else {
        Outcome::ChangedMeanwhile
    })
}

/// Walks table `E` in id order, `batch` rows at a time, and hands each batch to `handle` inside
/// one transaction: that keeps SQLite fast, and each write in it is still a compare-and-swap.
pub async fn in_batches<E: EntityTrait>(
    db: &DatabaseConnection,
    batch: u64,
    id: E::Column,
    id_of: impl Fn(&E::Model) -> i32,
    mut handle: impl AsyncFnMut(&DatabaseTransaction, Vec<E::Model>) -> Result<(), DbErr>,
) -> Result<(), DbErr> {
    let mut after = 0;
    loop {
        let rows = E::find()
            .filter(id.gt(after))
            .order_by_asc(id)
            .limit(batch)
            .all(db)
            .await?;
        let Some(last) = rows.last() else {
            return Ok(());
        };
        after = id_of(last);
        let txn = db.begin().await?;
        handle(&txn, rows).await?;
        txn.commit().await?;
    }
}
