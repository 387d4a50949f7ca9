//! Users and sessions, OAuth flows in progress, connected mailboxes and their audit log.
//! Times are Unix seconds (UTC) so they compare the same way on SQLite and PostgreSQL.

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
                    .table(Users::Table)
                    .col(pk_auto(Users::Id))
                    .col(string_uniq(Users::Email))
                    .col(string(Users::PasswordHash))
                    .col(big_integer(Users::CreatedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Sessions::Table)
                    .col(pk_auto(Sessions::Id))
                    .col(string_uniq(Sessions::TokenHash))
                    .col(integer(Sessions::UserId))
                    .col(big_integer(Sessions::CreatedAt))
                    .col(big_integer(Sessions::ExpiresAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Sessions::Table, Sessions::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(OauthFlows::Table)
                    .col(pk_auto(OauthFlows::Id))
                    .col(string_uniq(OauthFlows::StateHash))
                    .col(integer(OauthFlows::UserId))
                    .col(string(OauthFlows::SessionHash))
                    .col(string_null(OauthFlows::FlowId))
                    .col(integer_null(OauthFlows::AccountId))
                    .col(text(OauthFlows::PkceVerifier))
                    .col(big_integer(OauthFlows::CreatedAt))
                    .col(big_integer(OauthFlows::ExpiresAt))
                    .col(big_integer_null(OauthFlows::UsedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(OauthFlows::Table, OauthFlows::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(EmailAccounts::Table)
                    .col(pk_auto(EmailAccounts::Id))
                    .col(integer(EmailAccounts::UserId))
                    .col(string(EmailAccounts::Provider))
                    .col(string(EmailAccounts::ProviderSubject))
                    .col(string(EmailAccounts::EmailAddress))
                    .col(text_null(EmailAccounts::AccessToken))
                    .col(text_null(EmailAccounts::RefreshToken))
                    .col(big_integer(EmailAccounts::TokenExpiresAt))
                    .col(text(EmailAccounts::Scopes))
                    .col(string(EmailAccounts::Status))
                    .col(big_integer(EmailAccounts::CreatedAt))
                    .col(big_integer(EmailAccounts::UpdatedAt))
                    .col(big_integer_null(EmailAccounts::LastRefreshAt))
                    .col(integer(EmailAccounts::RefreshFailures).default(0))
                    .col(big_integer_null(EmailAccounts::NextAttemptAt))
                    .col(string_null(EmailAccounts::LeaseOwner))
                    .col(big_integer_null(EmailAccounts::LeaseExpiresAt))
                    .col(text_null(EmailAccounts::PendingRevoke))
                    .foreign_key(
                        ForeignKey::create()
                            .from(EmailAccounts::Table, EmailAccounts::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("email_accounts_owner_subject")
                    .table(EmailAccounts::Table)
                    .col(EmailAccounts::UserId)
                    .col(EmailAccounts::Provider)
                    .col(EmailAccounts::ProviderSubject)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("email_accounts_due")
                    .table(EmailAccounts::Table)
                    .col(EmailAccounts::Status)
                    .col(EmailAccounts::TokenExpiresAt)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ApiAccessLog::Table)
                    .col(pk_auto(ApiAccessLog::Id))
                    .col(integer_null(ApiAccessLog::UserId))
                    .col(integer_null(ApiAccessLog::AccountId))
                    .col(string(ApiAccessLog::Action))
                    .col(boolean(ApiAccessLog::Success))
                    .col(text_null(ApiAccessLog::ErrorMessage))
                    .col(string_null(ApiAccessLog::IpAddress))
                    .col(big_integer(ApiAccessLog::CreatedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            ApiAccessLog::Table.into_iden(),
            EmailAccounts::Table.into_iden(),
            OauthFlows::Table.into_iden(),
            Sessions::Table.into_iden(),
            Users::Table.into_iden(),
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
    Email,
    PasswordHash,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Sessions {
    Table,
    Id,
    TokenHash,
    UserId,
    CreatedAt,
    ExpiresAt,
}

#[derive(DeriveIden)]
enum OauthFlows {
    Table,
    Id,
    StateHash,
    UserId,
    SessionHash,
    FlowId,
    AccountId,
    PkceVerifier,
    CreatedAt,
    ExpiresAt,
    UsedAt,
}

#[derive(DeriveIden)]
enum EmailAccounts {
    Table,
    Id,
    UserId,
    Provider,
    ProviderSubject,
    EmailAddress,
    AccessToken,
    RefreshToken,
    TokenExpiresAt,
    Scopes,
    Status,
    CreatedAt,
    UpdatedAt,
    LastRefreshAt,
    RefreshFailures,
    NextAttemptAt,
    LeaseOwner,
    LeaseExpiresAt,
    PendingRevoke,
}

#[derive(DeriveIden)]
enum ApiAccessLog {
    Table,
    Id,
    UserId,
    AccountId,
    Action,
    Success,
    ErrorMessage,
    IpAddress,
    CreatedAt,
}
