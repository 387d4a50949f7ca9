//! How many times each user's transactions or category rules changed. The Transactions page
//! keeps its sums per version, so a page load adds up the user's rows again only after a
//! change, whichever instance made it.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::big_integer;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SpendingVersions::Table)
                    .col(
                        ColumnDef::new(SpendingVersions::UserId)
                            .integer()
                            .not_null()
                            .primary_key(),
                    )
                    .col(big_integer(SpendingVersions::Version))
                    .foreign_key(
                        ForeignKey::create()
                            .from(SpendingVersions::Table, SpendingVersions::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(SpendingVersions::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum SpendingVersions {
    Table,
    UserId,
    Version,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}
