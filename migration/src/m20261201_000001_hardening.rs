//! Sessions also end after a stretch without use: each remembers when it was last seen.
//! Revocations queued at disconnect are retried with a per-row backoff and given up after a
//! week: each remembers when it was queued, how often it failed and when to try again.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Sessions::Table)
                    .add_column(
                        ColumnDef::new(Sessions::LastSeenAt)
                            .big_integer()
                            .not_null()
                            .default(0),
                    )
                    .to_owned(),
            )
            .await?;
        for column in [
            ColumnDef::new(EmailAccounts::RevokeQueuedAt)
                .big_integer()
                .null()
                .to_owned(),
            ColumnDef::new(EmailAccounts::RevokeRetryAt)
                .big_integer()
                .null()
                .to_owned(),
            ColumnDef::new(EmailAccounts::RevokeFailures)
                .integer()
                .not_null()
                .default(0)
                .to_owned(),
        ] {
            // One column a statement: SQLite adds columns one at a time.
            manager
                .alter_table(
                    Table::alter()
                        .table(EmailAccounts::Table)
                        .add_column(column)
                        .to_owned(),
                )
                .await?;
        }
        // Sessions from before this column count as seen when they started.
        manager
            .exec_stmt(
                Query::update()
                    .table(Sessions::Table)
                    .value(Sessions::LastSeenAt, Expr::col(Sessions::CreatedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [
            EmailAccounts::RevokeQueuedAt,
            EmailAccounts::RevokeRetryAt,
            EmailAccounts::RevokeFailures,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(EmailAccounts::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Sessions::Table)
                    .drop_column(Sessions::LastSeenAt)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Sessions {
    Table,
    CreatedAt,
    LastSeenAt,
}

#[derive(DeriveIden)]
enum EmailAccounts {
    Table,
    RevokeQueuedAt,
    RevokeRetryAt,
    RevokeFailures,
}
