//! A second mail provider: each OAuth flow remembers which provider it was started for, so a
//! callback on another provider's route cannot complete it. Flows from before are Google's.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(OauthFlows::Table)
                    .add_column(
                        ColumnDef::new(OauthFlows::Provider)
                            .string()
                            .not_null()
                            .default("google"),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(OauthFlows::Table)
                    .drop_column(OauthFlows::Provider)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum OauthFlows {
    Table,
    Provider,
}
