//! Mail sync: each mailbox's sync state, every examined message with its outcome, and the
//! transactions found. Amounts are integer minor units; times are Unix seconds (UTC).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(MailboxSync::Table)
                    .col(integer(MailboxSync::AccountId).primary_key())
                    .col(string(MailboxSync::State))
                    .col(big_integer_null(MailboxSync::QueuedAt))
                    .col(string_null(MailboxSync::RunOwner))
                    .col(big_integer_null(MailboxSync::RunExpiresAt))
                    .col(string_null(MailboxSync::HistoryId))
                    .col(big_integer_null(MailboxSync::LastSyncedAt))
                    .col(integer(MailboxSync::LastNewTransactions).default(0))
                    .col(string_null(MailboxSync::Failure))
                    .col(integer(MailboxSync::Failures).default(0))
                    .col(big_integer_null(MailboxSync::RetryAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(MailboxSync::Table, MailboxSync::AccountId)
                            .to(EmailAccounts::Table, EmailAccounts::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(MailMessages::Table)
                    .col(pk_auto(MailMessages::Id))
                    .col(integer(MailMessages::AccountId))
                    .col(string(MailMessages::MessageId))
                    .col(string(MailMessages::Outcome))
                    .col(text_null(MailMessages::Detail))
                    .col(big_integer(MailMessages::ExaminedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(MailMessages::Table, MailMessages::AccountId)
                            .to(EmailAccounts::Table, EmailAccounts::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("mail_messages_account_message")
                    .table(MailMessages::Table)
                    .col(MailMessages::AccountId)
                    .col(MailMessages::MessageId)
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Transactions::Table)
                    .col(pk_auto(Transactions::Id))
                    .col(integer(Transactions::UserId))
                    .col(integer(Transactions::AccountId))
                    .col(string(Transactions::Mailbox))
                    .col(string(Transactions::MessageId))
                    .col(integer(Transactions::Idx))
                    .col(string(Transactions::Bank))
                    .col(string(Transactions::Kind))
                    .col(big_integer(Transactions::AmountMinor))
                    .col(string(Transactions::Currency))
                    .col(string_null(Transactions::Merchant))
                    .col(string_null(Transactions::City))
                    .col(string_null(Transactions::Country))
                    .col(big_integer(Transactions::OccurredAt))
                    .col(string_null(Transactions::CardLast4))
                    .col(string_null(Transactions::Authorization))
                    .col(string_null(Transactions::Reference))
                    .col(string_null(Transactions::Memo))
                    .col(big_integer(Transactions::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Transactions::Table, Transactions::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Transactions::Table, Transactions::AccountId)
                            .to(EmailAccounts::Table, EmailAccounts::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("transactions_account_message_idx")
                    .table(Transactions::Table)
                    .col(Transactions::AccountId)
                    .col(Transactions::MessageId)
                    .col(Transactions::Idx)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("transactions_user_time")
                    .table(Transactions::Table)
                    .col(Transactions::UserId)
                    .col(Transactions::OccurredAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Transactions::Table.into_iden(),
            MailMessages::Table.into_iden(),
            MailboxSync::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum EmailAccounts {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum MailboxSync {
    Table,
    AccountId,
    State,
    QueuedAt,
    RunOwner,
    RunExpiresAt,
    HistoryId,
    LastSyncedAt,
    LastNewTransactions,
    Failure,
    Failures,
    RetryAt,
}

#[derive(DeriveIden)]
enum MailMessages {
    Table,
    Id,
    AccountId,
    MessageId,
    Outcome,
    Detail,
    ExaminedAt,
}

#[derive(DeriveIden)]
enum Transactions {
    Table,
    Id,
    UserId,
    AccountId,
    Mailbox,
    MessageId,
    Idx,
    Bank,
    Kind,
    AmountMinor,
    Currency,
    Merchant,
    City,
    Country,
    OccurredAt,
    CardLast4,
    Authorization,
    Reference,
    Memo,
    CreatedAt,
}
