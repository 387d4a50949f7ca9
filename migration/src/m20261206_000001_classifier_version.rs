//! Bank mail that could not be read is kept in view: each examined message remembers the
//! classifier version that read it (so a newer one reads it again), whose bank it was, and, for
//! alerts left unread, the subject and date its owner is shown. Rows from before are version 0.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters a table one column at a time.
        for column in [
            ColumnDef::new(MailMessages::ClassifierVersion)
                .integer()
                .not_null()
                .default(0)
                .to_owned(),
            ColumnDef::new(MailMessages::Bank)
                .string()
                .null()
                .to_owned(),
            ColumnDef::new(MailMessages::Subject)
                .string()
                .null()
                .to_owned(),
            ColumnDef::new(MailMessages::SentAt)
                .big_integer()
                .null()
                .to_owned(),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(MailMessages::Table)
                        .add_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [
            MailMessages::ClassifierVersion,
            MailMessages::Bank,
            MailMessages::Subject,
            MailMessages::SentAt,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(MailMessages::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum MailMessages {
    Table,
    ClassifierVersion,
    Bank,
    Subject,
    SentAt,
}
