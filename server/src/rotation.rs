//! Key rotation: re-seals every stored secret under the vault's current key.
//!
//! Safe while servers and the refresher run: each write is a compare-and-swap on the old
//! ciphertext, so a token refreshed meanwhile is never overwritten by its old value. Idempotent:
//! secrets already under the current key are left alone. A secret whose key is not configured
//! (or that fails to open) is counted; its account is marked `needs_reconnect` and the run goes on.

use std::fmt;

use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbErr, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, TransactionTrait, UpdateMany,
};

use crate::entities::{email_accounts, oauth_flows};
use crate::vault::{Binding, Vault, VaultError};

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

pub async fn rotate_all(
    db: &DatabaseConnection,
    vault: &Vault,
    batch: u64,
) -> Result<RotationReport, DbErr> {
    let mut report = RotationReport::default();
    rotate_accounts(db, vault, batch, &mut report).await?;
    rotate_flows(db, vault, batch, &mut report).await?;
    Ok(report)
}

enum Outcome {
    Rotated,
    ChangedMeanwhile,
    Unavailable(VaultError),
}

impl RotationReport {
    fn count(&mut self, outcome: &Outcome) {
        match outcome {
            Outcome::Rotated => self.rotated += 1,
            Outcome::ChangedMeanwhile => self.changed_meanwhile += 1,
            Outcome::Unavailable(_) => self.unavailable += 1,
        }
    }
}

/// Opens `stored` and writes it back sealed under the current key, but only if the row still
/// holds `stored` (`swap` is filtered on it).
async fn reseal<E: EntityTrait>(
    db: &impl ConnectionTrait,
    vault: &Vault,
    binding: Binding<'_>,
    stored: &str,
    swap: UpdateMany<E>,
    column: E::Column,
) -> Result<Outcome, DbErr> {
    let plain = match vault.open(binding, stored) {
        Ok(plain) => plain,
        Err(error) => return Ok(Outcome::Unavailable(error)),
    };
    let fresh = vault.seal(binding, &plain);
    let written = swap
        .col_expr(column, Expr::value(fresh))
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
async fn in_batches<E: EntityTrait>(
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

async fn rotate_accounts(
    db: &DatabaseConnection,
    vault: &Vault,
    batch: u64,
    report: &mut RotationReport,
) -> Result<(), DbErr> {
    let id = email_accounts::Column::Id;
    in_batches::<email_accounts::Entity>(db, batch, id, |row| row.id, async |txn, rows| {
        for row in rows {
            let row_id = row.id.to_string();
            let values = [&row.access_token, &row.refresh_token, &row.pending_revoke];
            let mut unavailable = false;
            for ((field, column), stored) in email_accounts::SEALED_FIELDS.into_iter().zip(values) {
                let Some(stored) = stored else { continue };
                if vault.is_current(stored) {
                    report.already_current += 1;
                    continue;
                }
                let swap = email_accounts::Entity::update_many()
                    .filter(id.eq(row.id))
                    .filter(column.eq(stored.as_str()));
                let binding = email_accounts::sealed(field, &row_id);
                let outcome = reseal(txn, vault, binding, stored, swap, column).await?;
                if let Outcome::Unavailable(error) = &outcome {
                    tracing::warn!(account = row.id, field, %error, "secret cannot be re-sealed");
                    unavailable = true;
                }
                report.count(&outcome);
            }
            if unavailable && row.status == email_accounts::STATUS_ACTIVE {
                let marked = email_accounts::Entity::update_many()
                    .col_expr(
                        email_accounts::Column::Status,
                        Expr::value(email_accounts::STATUS_NEEDS_RECONNECT),
                    )
                    .filter(id.eq(row.id))
                    .filter(email_accounts::Column::Status.eq(email_accounts::STATUS_ACTIVE))
                    .exec(txn)
                    .await?
                    .rows_affected;
                report.accounts_marked += marked;
            }
        }
        Ok(())
    })
    .await
}

async fn rotate_flows(
    db: &DatabaseConnection,
    vault: &Vault,
    batch: u64,
    report: &mut RotationReport,
) -> Result<(), DbErr> {
    let id = oauth_flows::Column::Id;
    in_batches::<oauth_flows::Entity>(
        db,
        batch,
        id,
        |flow| flow.id,
        async |txn, flows| {
            for flow in flows {
                if vault.is_current(&flow.pkce_verifier) {
                    report.already_current += 1;
                    continue;
                }
                let column = oauth_flows::Column::PkceVerifier;
                let swap = oauth_flows::Entity::update_many()
                    .filter(id.eq(flow.id))
                    .filter(column.eq(flow.pkce_verifier.as_str()));
                let binding = oauth_flows::sealed_verifier(&flow.state_hash);
                let outcome =
                    reseal(txn, vault, binding, &flow.pkce_verifier, swap, column).await?;
                if let Outcome::Unavailable(error) = &outcome {
                    // A connect in progress cannot finish without its verifier; it lapses within
                    // minutes on its own, so it is only counted.
                    tracing::warn!(flow = flow.id, %error, "PKCE verifier cannot be re-sealed");
                }
                report.count(&outcome);
            }
            Ok(())
        },
    )
    .await
}
