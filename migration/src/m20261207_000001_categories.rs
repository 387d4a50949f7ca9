//! What each transaction was for. A transaction keeps its merchant's key (the name folded for
//! comparing and searching), the category the built-in table gave it, and the one its owner
//! chose for it alone; a user's rule files every transaction of a merchant, past and future,
//! under one category. Rows written before this migration get their key and built-in category
//! when the server starts. An index holds what the Transactions filters offer.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{big_integer, integer, pk_auto, string};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters a table one column at a time.
        for column in [
            Categories::MerchantKey,
            Categories::Category,
            Categories::ChosenCategory,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Categories::Transactions)
                        .add_column(ColumnDef::new(column).string().null())
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_index(
                Index::create()
                    .name("transactions_user_merchant_key")
                    .table(Categories::Transactions)
                    .col(Categories::UserId)
                    .col(Categories::MerchantKey)
                    .to_owned(),
            )
            .await?;
        // What the filters offer (mailboxes, banks, kinds, cards), read from this index alone.
        manager
            .create_index(
                Index::create()
                    .name("transactions_user_choices")
                    .table(Categories::Transactions)
                    .col(Categories::UserId)
                    .col(Categories::AccountId)
                    .col(Categories::Mailbox)
                    .col(Categories::Bank)
                    .col(Categories::Kind)
                    .col(Categories::CardLast4)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Categories::CategoryRules)
                    .col(pk_auto(Categories::Id))
                    .col(integer(Categories::UserId))
                    .col(string(Categories::MerchantKey))
                    .col(string(Categories::Category))
                    .col(big_integer(Categories::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Categories::CategoryRules, Categories::UserId)
                            .to(Categories::Users, Categories::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("category_rules_user_merchant_key")
                    .table(Categories::CategoryRules)
                    .col(Categories::UserId)
                    .col(Categories::MerchantKey)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Categories::CategoryRules).to_owned())
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("transactions_user_choices")
                    .table(Categories::Transactions)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("transactions_user_merchant_key")
                    .table(Categories::Transactions)
                    .to_owned(),
            )
            .await?;
        for column in [
            Categories::MerchantKey,
            Categories::Category,
            Categories::ChosenCategory,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Categories::Transactions)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Categories {
    Transactions,
    CategoryRules,
    Users,
    Id,
    UserId,
    MerchantKey,
    Category,
    ChosenCategory,
    CreatedAt,
    AccountId,
    Mailbox,
    Bank,
    Kind,
    CardLast4,
}
