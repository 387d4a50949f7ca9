//! A sync loses no mail to a fault and reads a long listing over several runs: each examined
//! message counts the fetches of it that failed (fetched again a bounded number of times), and
//! each mailbox keeps where a listing cut short goes on, and when its owner last asked for a
//! sync (asked at most once a minute). A transaction remembers the alert it came from (bank,
//! kind, amount, time, card and reference), so the same alert seen in two of a user's mailboxes
//! is one transaction, which names the other mailboxes that saw it.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters a table one column at a time.
        let columns = [
            (
                MailSync::MailMessages,
                ColumnDef::new(MailSync::Tries)
                    .integer()
                    .not_null()
                    .default(0)
                    .to_owned(),
            ),
            (
                MailSync::MailboxSync,
                ColumnDef::new(MailSync::ResumeSince)
                    .big_integer()
                    .null()
                    .to_owned(),
            ),
            (
                MailSync::MailboxSync,
                ColumnDef::new(MailSync::ResumePage)
                    .text()
                    .null()
                    .to_owned(),
            ),
            (
                MailSync::MailboxSync,
                ColumnDef::new(MailSync::AskedAt)
                    .big_integer()
                    .null()
                    .to_owned(),
            ),
            (
                MailSync::Transactions,
                ColumnDef::new(MailSync::AlertKey)
                    .string()
                    .null()
                    .to_owned(),
            ),
            (
                MailSync::Transactions,
                ColumnDef::new(MailSync::SeenIn).string().null().to_owned(),
            ),
        ];
        for (table, column) in columns {
            manager
                .alter_table(Table::alter().table(table).add_column(column).to_owned())
                .await?;
        }
        manager
            .create_index(
                Index::create()
                    .name("transactions_user_alert_key")
                    .table(MailSync::Transactions)
                    .col(MailSync::UserId)
                    .col(MailSync::AlertKey)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("transactions_user_alert_key")
                    .table(MailSync::Transactions)
                    .to_owned(),
            )
            .await?;
        for (table, column) in [
            (MailSync::MailMessages, MailSync::Tries),
            (MailSync::MailboxSync, MailSync::ResumeSince),
            (MailSync::MailboxSync, MailSync::ResumePage),
            (MailSync::MailboxSync, MailSync::AskedAt),
            (MailSync::Transactions, MailSync::AlertKey),
            (MailSync::Transactions, MailSync::SeenIn),
        ] {
            manager
                .alter_table(Table::alter().table(table).drop_column(column).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum MailSync {
    MailMessages,
    Tries,
    MailboxSync,
    ResumeSince,
    ResumePage,
    AskedAt,
    Transactions,
    UserId,
    AlertKey,
    SeenIn,
}
