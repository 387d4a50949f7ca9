//! The Transactions list's order, newest first and by id within a second, as an index: a page
//! of it reads its 50 rows and stops, however many the period holds. It replaces the index on
//! (user, time), which it begins with.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name("transactions_user_time_id")
                    .table(Transactions::Table)
                    .col(Transactions::UserId)
                    .col(Transactions::OccurredAt)
                    .col(Transactions::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("transactions_user_time")
                    .table(Transactions::Table)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name("transactions_user_time")
                    .table(Transactions::Table)
                    .col(Transactions::UserId)
                    .col(Transactions::OccurredAt)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("transactions_user_time_id")
                    .table(Transactions::Table)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Transactions {
    Table,
    UserId,
    OccurredAt,
    Id,
}
