//! Re-sealing every subscription's `clientState` under the vault's current key (see
//! `vault::rotation`). One that cannot be opened is counted, and its subscription made again
//! at the next round (a new `clientState`), since its notifications could not be checked.

use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter};

use crate::clock::Clock;
use crate::entities::SealedField;
use crate::entities::mailbox_push::{self, PushState};
use crate::vault::Vault;
use crate::vault::rotation::{Outcome, RotationReport, in_batches, reseal};

pub async fn rotate_secrets(
    db: &DatabaseConnection,
    vault: &Vault,
    clock: &Clock,
    batch: u64,
    report: &mut RotationReport,
) -> Result<(), DbErr> {
    let id = mailbox_push::Column::AccountId;
    let column = mailbox_push::Column::ClientState;
    in_batches::<mailbox_push::Entity>(
        db,
        batch,
        id,
        |row| row.account_id,
        async |txn, rows| {
            for row in rows {
                let Some(stored) = row.client_state.as_deref() else {
                    continue;
                };
                let swap = mailbox_push::Entity::update_many().filter(id.eq(row.account_id));
                let bound_to = row.account_id.to_string();
                let binding = SealedField::ClientState.binding(&bound_to);
                let outcome = reseal(txn, vault, binding, stored, swap, column).await?;
                if let Outcome::Unavailable(error) = &outcome {
                    tracing::warn!(account_id = row.account_id, %error, "clientState cannot be re-sealed; subscribing again");
                    mailbox_push::Entity::update_many()
                        .col_expr(mailbox_push::Column::State, Expr::value(PushState::Failed))
                        .col_expr(mailbox_push::Column::RenewAt, Expr::value(clock.now()))
                        .col_expr(
                            mailbox_push::Column::ClientState,
                            Expr::value(Option::<String>::None),
                        )
                        .filter(id.eq(row.account_id))
                        .exec(txn)
                        .await?;
                }
                report.count(&outcome);
            }
            Ok(())
        },
    )
    .await
}
