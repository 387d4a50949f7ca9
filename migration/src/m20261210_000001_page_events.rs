//! Events for the pages a user has open ("a mailbox's sync state changed", "N new
//! transactions"), written by the instance where they happen and read by every instance that
//! holds a stream for that user. PostgreSQL carries them by NOTIFY; on SQLite, instances read
//! this table, and rows older than a minute are purged.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{big_integer, integer, text};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(PageEvents::Table)
                    .col(
                        ColumnDef::new(PageEvents::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(integer(PageEvents::UserId))
                    .col(text(PageEvents::Payload))
                    .col(big_integer(PageEvents::CreatedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(PageEvents::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum PageEvents {
    Table,
    Id,
    UserId,
    Payload,
    CreatedAt,
}
