//! The server's side of the [`app::backend::Backend`] trait that server functions call.

use std::net::IpAddr;

use app::backend::Backend;
use app::error::AppError;
use app::i18n::{LANG_COOKIE, Lang, Text};
use app::model::{
    AccountOverview, AccountStatus, AccountView, CurrentUser, Disconnection, FilingForm,
    FilingUndo, MailService, TransactionPage, TransactionQuery,
};
use http::HeaderValue;
use http::request::Parts;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter};
use secrecy::SecretString;

use crate::accounts::disconnect::{DisconnectError, Disconnected};
use crate::accounts::{Accounts, ListedAccount};
use crate::connect::ServiceName;
use crate::entities::email_accounts::{self, Status};
use crate::entities::{transactions, users as user_rows};
use crate::events::{Event, Events};
use crate::identity::passwords::{self, HashError, HashGate};
use crate::identity::users;
use crate::identity::{Attempt, ClientAddress, Sessions, Throttle};
use crate::push::Push;
use crate::sync::Syncs;
use crate::web::format::Reader;
use crate::web::internal;

/// What is wrong with a typed email address or new password, in the request's language.
fn invalid(error: passwords::Invalid, lang: Lang) -> AppError {
    AppError::invalid(match error {
        passwords::Invalid::EmailMissing => lang.t(Text::EmailMissing).to_owned(),
        passwords::Invalid::EmailMalformed => lang.t(Text::EmailMalformed).to_owned(),
        passwords::Invalid::PasswordTooShort => {
            lang.password_too_short(passwords::MIN_PASSWORD_CHARS)
        }
        passwords::Invalid::PasswordTooLong => {
            lang.password_too_long(passwords::MAX_PASSWORD_CHARS)
        }
    })
}

fn lang(req: &Parts) -> Lang {
    Lang::of_request(&req.headers)
}

/// The signed-in `user` reading the request `req`.
fn reader(req: &Parts, user: &user_rows::Model) -> Reader {
    Reader::of(&req.headers, user)
}

pub struct UiBackend {
    pub db: DatabaseConnection,
    pub sessions: Sessions,
    pub accounts: Accounts,
    pub syncs: Syncs,
    pub throttle: std::sync::Arc<Throttle>,
    /// Ends the streams of pages whose session ended.
    pub events: Events,
    /// Stops a mailbox's push before it is disconnected.
    pub push: Push,
    pub passwords: HashGate,
    /// The mail services offered: Gmail, and Outlook when Microsoft is configured.
    pub services: Vec<MailService>,
}

/// The client's address (see `shield.rs`), for limits and the audit trail.
pub fn client_address(req: &Parts) -> Option<IpAddr> {
    req.extensions
        .get::<ClientAddress>()
        .map(|ClientAddress(ip)| *ip)
}

fn client_ip(req: &Parts) -> Option<String> {
    client_address(req).map(|ip| ip.to_string())
}

/// A busy password gate is the client's cue to come back later; anything else is ours.
fn hash_failure(error: HashError) -> AppError {
    match error {
        HashError::Busy => {
            tracing::warn!("password hashing is at capacity; a request was turned away");
            AppError::TooManyAttempts
        }
        HashError::Failed(e) => internal("hashing or checking a password failed", e),
    }
}

impl UiBackend {
    /// Checks the signed-in user's password (counted like a sign-in attempt).
    async fn confirm_password(
        &self,
        req: &Parts,
        user: &user_rows::Model,
        password: String,
    ) -> Result<(), AppError> {
        if !self
            .throttle
            .allow(Attempt::SignIn, &user.email, client_address(req))
        {
            return Err(AppError::TooManyAttempts);
        }
        let matches = self
            .passwords
            .verify(
                SecretString::from(password),
                Some(user.password_hash.clone()),
            )
            .await
            .map_err(hash_failure)?;
        if matches {
            Ok(())
        } else {
            Err(AppError::invalid(lang(req).t(Text::WrongPassword)))
        }
    }

    /// One of `user`'s mailboxes (someone else's is not found).
    async fn own_account(
        &self,
        user: &user_rows::Model,
        account_id: i32,
    ) -> Result<email_accounts::Model, AppError> {
        self.accounts
            .find_for_user(user.id, account_id)
            .await
            .map_err(|e| internal("reading the account failed", e))?
            .ok_or(AppError::NotFound)
    }

    async fn signed_in_user(&self, req: &Parts) -> Result<user_rows::Model, AppError> {
        self.sessions
            .current(&req.headers)
            .await
            .map_err(|e| internal("reading the session failed", e))?
            .map(|(user, _)| user)
            .ok_or(AppError::Unauthorized)
    }

    async fn start_session(&self, req: &Parts, user_id: i32) -> Result<HeaderValue, AppError> {
        // A new id at every sign-in: a session id planted before sign-in is worthless after.
        self.sessions
            .end(&req.headers)
            .await
            .map_err(|e| internal("ending the old session failed", e))?;
        let id = self
            .sessions
            .create(user_id)
            .await
            .map_err(|e| internal("creating a session failed", e))?;
        Ok(self.sessions.cookie(&id))
    }
}

#[async_trait::async_trait]
impl Backend for UiBackend {
    async fn sign_up(
        &self,
        req: &Parts,
        email: String,
        password: String,
    ) -> Result<HeaderValue, AppError> {
        let email = passwords::normalize_email(&email).map_err(|e| invalid(e, lang(req)))?;
        passwords::check_new_password(&password).map_err(|e| invalid(e, lang(req)))?;
        if !self
            .throttle
            .allow(Attempt::SignUp, &email, client_address(req))
        {
            tracing::warn!("sign-up attempts are over the limit");
            return Err(AppError::TooManyAttempts);
        }
        let password_hash = self
            .passwords
            .hash(SecretString::from(password))
            .await
            .map_err(hash_failure)?;
        let now = self.accounts.clock().now();
        let user = match users::create(&self.db, email, password_hash, now).await {
            Ok(user) => user,
            Err(users::CreateError::Taken) => {
                return Err(AppError::invalid(lang(req).t(Text::EmailTaken)));
            }
            Err(e) => return Err(internal("creating a user failed", e)),
        };
        // A language chosen before signing up is the new account's.
        if let Some(chosen) = Lang::chosen(&req.headers) {
            users::set_language(&self.db, user.id, chosen.code())
                .await
                .map_err(|e| internal("saving the language failed", e))?;
        }
        self.start_session(req, user.id).await
    }

    async fn sign_in(
        &self,
        req: &Parts,
        email: String,
        password: String,
    ) -> Result<Vec<HeaderValue>, AppError> {
        let wrong = || AppError::invalid(lang(req).t(Text::WrongCredentials));
        let Ok(email) = passwords::normalize_email(&email) else {
            return Err(wrong());
        };
        if !self
            .throttle
            .allow(Attempt::SignIn, &email, client_address(req))
        {
            tracing::warn!("sign-in attempts are over the limit");
            return Err(AppError::TooManyAttempts);
        }
        let user = user_rows::Entity::find()
            .filter(user_rows::Column::Email.eq(email))
            .one(&self.db)
            .await
            .map_err(|e| internal("looking up a user failed", e))?;
        let matches = self
            .passwords
            .verify(
                SecretString::from(password),
                user.as_ref().map(|u| u.password_hash.clone()),
            )
            .await
            .map_err(hash_failure)?;
        match user {
            Some(user) if matches => {
                let session = self.start_session(req, user.id).await?;
                // The user's own language, on whichever browser they sign in.
                let language = user
                    .language
                    .as_deref()
                    .and_then(Lang::from_code)
                    .map(|lang| self.sessions.choice_cookie(LANG_COOKIE, lang.code()));
                Ok([session].into_iter().chain(language).collect())
            }
            _ => Err(wrong()),
        }
    }

    async fn sign_out(&self, req: &Parts) -> Result<HeaderValue, AppError> {
        let user = self.signed_in_user(req).await.ok();
        self.sessions
            .end(&req.headers)
            .await
            .map_err(|e| internal("ending a session failed", e))?;
        if let Some(user) = user {
            self.events.publish(user.id, Event::SessionsEnded).await;
        }
        Ok(self.sessions.clear_cookie())
    }

    async fn current_user(&self, req: &Parts) -> Result<Option<CurrentUser>, AppError> {
        match self.signed_in_user(req).await {
            Ok(user) => Ok(Some(CurrentUser {
                time_zone_unset: user.time_zone.is_none(),
                email: user.email,
            })),
            Err(AppError::Unauthorized) => Ok(None),
            Err(e) => Err(e),
        }
    }

    async fn account_overview(&self, req: &Parts) -> Result<AccountOverview, AppError> {
        let user = self.signed_in_user(req).await?;
        let mailboxes = self
            .accounts
            .list_for_user(user.id)
            .await
            .map_err(|e| internal("listing accounts failed", e))?
            .into_iter()
            .map(|a| (a.email_address, a.provider.service()))
            .collect();
        let transactions = transactions::Entity::find()
            .filter(transactions::Column::UserId.eq(user.id))
            .count(&self.db)
            .await
            .map_err(|e| internal("counting transactions failed", e))?;
        let time_zone = super::format::user_zone(&user)
            .iana_name()
            .unwrap_or(super::format::DEFAULT_ZONE)
            .to_owned();
        Ok(AccountOverview {
            email: user.email,
            mailboxes,
            transactions,
            time_zone,
            time_zones: super::format::zone_names(),
        })
    }

    async fn set_time_zone(
        &self,
        req: &Parts,
        time_zone: String,
        from_browser: bool,
    ) -> Result<bool, AppError> {
        let user = self.signed_in_user(req).await?;
        let zone = match (super::format::known_zone(&time_zone), from_browser) {
            (Some(zone), _) => zone,
            // A browser's zone the database does not know: the default stands, and is kept, so
            // the browser is not asked again on every page.
            (None, true) => super::format::DEFAULT_ZONE.to_owned(),
            (None, false) => {
                return Err(AppError::invalid(lang(req).t(Text::UnknownTimeZone)));
            }
        };
        let shown_before = super::format::user_zone(&user);
        let changed = users::set_time_zone(&self.db, user.id, &zone, from_browser)
            .await
            .map_err(|e| internal("saving the time zone failed", e))?;
        // Sessions remember their user row: the next page must see the new zone.
        self.sessions.forget_remembered();
        Ok(changed && shown_before.iana_name() != Some(zone.as_str()))
    }

    async fn set_language(&self, req: &Parts, lang: Lang) -> Result<HeaderValue, AppError> {
        match self.signed_in_user(req).await {
            Ok(user) => {
                users::set_language(&self.db, user.id, lang.code())
                    .await
                    .map_err(|e| internal("saving the language failed", e))?;
                self.sessions.forget_remembered();
            }
            Err(AppError::Unauthorized) => {}
            Err(e) => return Err(e),
        }
        Ok(self.sessions.choice_cookie(LANG_COOKIE, lang.code()))
    }

    async fn change_password(
        &self,
        req: &Parts,
        current_password: String,
        new_password: String,
    ) -> Result<(), AppError> {
        let (user, session_hash) = self
            .sessions
            .current(&req.headers)
            .await
            .map_err(|e| internal("reading the session failed", e))?
            .ok_or(AppError::Unauthorized)?;
        passwords::check_new_password(&new_password).map_err(|e| invalid(e, lang(req)))?;
        self.confirm_password(req, &user, current_password).await?;
        let hash = self
            .passwords
            .hash(SecretString::from(new_password))
            .await
            .map_err(hash_failure)?;
        users::set_password_hash(&self.db, user.id, hash)
            .await
            .map_err(|e| internal("storing a new password failed", e))?;
        let ended = self
            .sessions
            .end_others(user.id, &session_hash)
            .await
            .map_err(|e| internal("ending other sessions failed", e))?;
        self.events.publish(user.id, Event::SessionsEnded).await;
        tracing::info!(
            user_id = user.id,
            other_sessions_ended = ended,
            "password changed"
        );
        Ok(())
    }

    async fn delete_account(&self, req: &Parts, password: String) -> Result<HeaderValue, AppError> {
        let user = self.signed_in_user(req).await?;
        self.confirm_password(req, &user, password).await?;
        for account in self
            .accounts
            .list_for_user(user.id)
            .await
            .map_err(|e| internal("listing the user's mailboxes failed", e))?
        {
            self.push
                .forget(&account)
                .await
                .map_err(|e| internal("stopping a mailbox's push failed", e))?;
        }
        let owed = self
            .accounts
            .release_all_grants(user.id, client_ip(req))
            .await
            .map_err(|e| internal("releasing grants failed", e))?;
        if !owed.is_empty() {
            return Err(AppError::invalid(
                lang(req).grants_not_released(&owed.join(", ")),
            ));
        }
        self.accounts
            .forget_user(user.id, client_ip(req))
            .await
            .map_err(|e| internal("deleting the user's mailboxes failed", e))?;
        users::delete(&self.db, user.id)
            .await
            .map_err(|e| internal("deleting the user failed", e))?;
        self.sessions.forget_remembered();
        self.events.publish(user.id, Event::SessionsEnded).await;
        tracing::info!(user_id = user.id, "app account deleted");
        Ok(self.sessions.clear_cookie())
    }

    async fn list_accounts(&self, req: &Parts) -> Result<Vec<AccountView>, AppError> {
        let user = self.signed_in_user(req).await?;
        let rows = self
            .accounts
            .list_with_sync_state(user.id)
            .await
            .map_err(|e| internal("listing accounts failed", e))?;
        let now = self.syncs.clock().now();
        let reader = reader(req, &user);
        Ok(rows
            .into_iter()
            .map(|row| account_view(row, now, &reader))
            .collect())
    }

    fn mail_services(&self) -> Vec<MailService> {
        self.services.clone()
    }

    async fn disconnect_account(
        &self,
        req: &Parts,
        account_id: i32,
    ) -> Result<Disconnection, AppError> {
        let user = self.signed_in_user(req).await?;
        let account = self.own_account(&user, account_id).await?;
        self.push
            .forget(&account)
            .await
            .map_err(|e| internal("stopping a mailbox's push failed", e))?;
        match self
            .accounts
            .disconnect(user.id, account_id, client_ip(req))
            .await
        {
            Ok(Disconnected::Revoked) => Ok(Disconnection::Revoked),
            Ok(Disconnected::KeptForAnother) => Ok(Disconnection::KeptForAnother),
            Ok(Disconnected::RemoveAccessYourself) => Ok(Disconnection::RemoveAccessYourself),
            Err(DisconnectError::NotFound) => Err(AppError::NotFound),
            Err(DisconnectError::Database(e)) => {
                Err(internal("disconnecting an account failed", e))
            }
        }
    }

    async fn sync_now(&self, req: &Parts, account_id: i32) -> Result<(), AppError> {
        let user = self.signed_in_user(req).await?;
        let account = self.own_account(&user, account_id).await?;
        if account.status != Status::Active {
            return Err(AppError::invalid(
                lang(req).t(Text::MailboxNeedsReconnecting),
            ));
        }
        // A sync already pending or running makes this a no-op, not a second job.
        let asked = self
            .syncs
            .request_now(account.id)
            .await
            .map_err(|e| internal("queueing a sync failed", e))?;
        asked.map_err(|at| {
            let reader = reader(req, &user);
            AppError::TooSoon(reader.lang.sync_again_at(&reader.clock_time(at)))
        })
    }

    async fn list_transactions(
        &self,
        req: &Parts,
        query: TransactionQuery,
        filed: Option<FilingUndo>,
    ) -> Result<TransactionPage, AppError> {
        let user = self.signed_in_user(req).await?;
        let accounts = self
            .accounts
            .list_for_user(user.id)
            .await
            .map_err(|e| internal("listing accounts failed", e))?
            .into_iter()
            .map(|a| (a.id, a.email_address, a.provider.service()))
            .collect();
        let reader = reader(req, &user);
        super::transactions::page(&self.syncs, user.id, &reader, accounts, query, filed).await
    }

    async fn filing_form(&self, req: &Parts, id: i32) -> Result<FilingForm, AppError> {
        let user = self.signed_in_user(req).await?;
        super::transactions::filing::form(&self.syncs, user.id, &reader(req, &user), id).await
    }

    async fn file_transaction(
        &self,
        req: &Parts,
        id: i32,
        category: String,
        merchant_wide: bool,
        back: String,
    ) -> Result<String, AppError> {
        let user = self.signed_in_user(req).await?;
        super::transactions::filing::file(
            &self.syncs,
            user.id,
            id,
            &category,
            merchant_wide,
            &back,
            lang(req),
        )
        .await
    }

    async fn undo_filing(&self, req: &Parts, undo: FilingUndo) -> Result<String, AppError> {
        let user = self.signed_in_user(req).await?;
        super::transactions::filing::undo(&self.syncs, user.id, undo, lang(req)).await
    }
}

fn account_view(row: ListedAccount, now: i64, reader: &Reader) -> AccountView {
    let needs_reconnect = row.status == Status::NeedsReconnect;
    let service = row.provider.service();
    let sync = reader.sync_view(row.sync().as_ref(), service.name(), needs_reconnect, now);
    AccountView {
        id: row.id,
        email: row.email_address,
        service,
        connected_on: reader.date(row.created_at),
        token_expires: reader.date_time(row.token_expires_at),
        sync,
        status: match row.status {
            Status::NeedsReconnect => AccountStatus::NeedsReconnect,
            Status::Active | Status::Disconnected => AccountStatus::Active,
        },
    }
}
