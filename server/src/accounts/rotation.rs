//! Re-sealing every account secret under the vault's current key (see `vault::rotation`).
//! A secret that cannot be opened is counted; its account, if active, is marked
//! `needs_reconnect` (and audited), and the walk goes on.

use sea_orm::{
    ColumnTrait, DatabaseConnection, DatabaseTransaction, DbErr, EntityTrait, QueryFilter,
};

use super::mark_needs_reconnect;
use crate::clock::Clock;
use crate::entities::SealedField;
use crate::entities::api_access_log::Action;
use crate::entities::email_accounts::{self, Status};
use crate::vault::Vault;
use crate::vault::rotation::{Outcome, RotationReport, in_batches, reseal};

/// Walks every account in batches and re-seals its secrets.
pub async fn rotate_secrets(
    db: &DatabaseConnection,
    vault: &Vault,
    clock: &Clock,
    batch: u64,
    report: &mut RotationReport,
) -> Result<(), DbErr> {
    let id = email_accounts::Column::Id;
    in_batches::<email_accounts::Entity>(
        db,
        batch,
        id,
        |row| row.id,
        async |txn, rows| {
            for row in rows {
                rotate_row(txn, vault, clock, row, report).await?;
            }
            Ok(())
        },
    )
    .await
}

#[tracing::instrument(name = "rotate", skip_all, fields(account_id = row.id))]
async fn rotate_row(
    txn: &DatabaseTransaction,
    vault: &Vault,
    clock: &Clock,
    row: email_accounts::Model,
    report: &mut RotationReport,
) -> Result<(), DbErr> {
    let row_id = row.id.to_string();
    let mut unavailable = false;
    for field in SealedField::ACCOUNT {
        let (Some(stored), Some(column)) = (field.in_account(&row), field.account_column()) else {
            continue;
        };
        let swap =
            email_accounts::Entity::update_many().filter(email_accounts::Column::Id.eq(row.id));
        let binding = field.binding(&row_id);
        let outcome = reseal(txn, vault, binding, stored, swap, column).await?;
        if let Outcome::Unavailable(error) = &outcome {
            tracing::warn!(field = field.name(), %error, "secret cannot be re-sealed");
            unavailable = true;
        }
        report.count(&outcome);
    }
    if unavailable && row.status == Status::Active {
        let reason = "a stored secret cannot be opened with the configured keys";
        if mark_needs_reconnect(txn, clock.now(), &row, Action::KeyRotation, reason).await? {
            report.accounts_marked += 1;
        }
    }
    Ok(())
}
