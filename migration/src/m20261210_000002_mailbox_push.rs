//! Each mailbox's push registration at its mail service: a Gmail watch (users.watch on a Cloud
//! Pub/Sub topic) or a Graph change-notification subscription, when it lapses, when it is
//! renewed next, and the last delivery. A mailbox without a working one is synced on the short
//! interval.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{big_integer, big_integer_null, integer, string, text_null};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(MailboxPush::Table)
                    .col(
                        ColumnDef::new(MailboxPush::AccountId)
                            .integer()
                            .not_null()
                            .primary_key(),
                    )
                    .col(string(MailboxPush::State))
                    .col(big_integer_null(MailboxPush::ExpiresAt))
                    .col(big_integer(MailboxPush::RenewAt))
                    .col(text_null(MailboxPush::SubscriptionId))
                    .col(text_null(MailboxPush::ClientState))
                    .col(integer(MailboxPush::Failures))
                    .col(big_integer_null(MailboxPush::LastDeliveryAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(MailboxPush::Table, MailboxPush::AccountId)
                            .to(EmailAccounts::Table, EmailAccounts::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("mailbox_push_renew_at")
                    .table(MailboxPush::Table)
                    .col(MailboxPush::RenewAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("mailbox_push_subscription")
                    .table(MailboxPush::Table)
                    .col(MailboxPush::SubscriptionId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(MailboxPush::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum MailboxPush {
    Table,
    AccountId,
    State,
    ExpiresAt,
    RenewAt,
    SubscriptionId,
    ClientState,
    Failures,
    LastDeliveryAt,
}

#[derive(DeriveIden)]
enum EmailAccounts {
    Table,
    Id,
}
