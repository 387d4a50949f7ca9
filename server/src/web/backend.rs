//! The server's side of the [`app::backend::Backend`] trait that server functions call.

use std::net::IpAddr;

use app::backend::Backend;
use app::error::AppError;
use app::model::{
    AccountOverview, AccountStatus, AccountView, CurrentUser, FilingForm, FilingUndo, MailService,
    TransactionPage, TransactionQuery,
};
use http::HeaderValue;
use http::request::Parts;
use jiff::tz::TimeZone;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter};
use secrecy::SecretString;

use crate::accounts::disconnect::{DisconnectError, Disconnected};
use crate::accounts::{Accounts, ListedAccount};
use crate::connect::ServiceName;
use crate::entities::email_accounts::Status;
use crate::entities::{transactions, users as user_rows};
use crate::identity::passwords::{self, HashError, HashGate};
use crate::identity::users;
use crate::identity::{Attempt, ClientAddress, Sessions, Throttle};
use crate::sync::Syncs;
use crate::web::internal;

impl From<passwords::Invalid> for AppError {
    fn from(passwords::Invalid(words): passwords::Invalid) -> Self {
        AppError::invalid(words)
    }
}

/// What a disconnect tells the user.
const DISCONNECTED: &str = "Email account disconnected";

pub struct UiBackend {
    pub db: DatabaseConnection,
    pub sessions: Sessions,
    pub accounts: Accounts,
    pub syncs: Syncs,
    pub throttle: std::sync::Arc<Throttle>,
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

pub const WRONG_PASSWORD: &str = "That password is not right.";

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
            Err(AppError::invalid(WRONG_PASSWORD))
        }
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
        let email = passwords::normalize_email(&email)?;
        passwords::check_new_password(&password)?;
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
                return Err(AppError::invalid(
                    "An account with this email already exists. Sign in instead.",
                ));
            }
            Err(e) => return Err(internal("creating a user failed", e)),
        };
        self.start_session(req, user.id).await
    }

    async fn sign_in(
        &self,
        req: &Parts,
        email: String,
        password: String,
    ) -> Result<HeaderValue, AppError> {
        let Ok(email) = passwords::normalize_email(&email) else {
            return Err(AppError::invalid(passwords::WRONG_CREDENTIALS));
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
            Some(user) if matches => self.start_session(req, user.id).await,
            _ => Err(AppError::invalid(passwords::WRONG_CREDENTIALS)),
        }
    }

    async fn sign_out(&self, req: &Parts) -> Result<HeaderValue, AppError> {
        self.sessions
            .end(&req.headers)
            .await
            .map_err(|e| internal("ending a session failed", e))?;
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
                return Err(AppError::invalid(
                    "Choose a time zone from the list, such as America/Costa_Rica.",
                ));
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
        passwords::check_new_password(&new_password)?;
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
        let owed = self
            .accounts
            .release_all_grants(user.id, client_ip(req))
            .await
            .map_err(|e| internal("releasing grants failed", e))?;
        if !owed.is_empty() {
            return Err(AppError::invalid(format!(
                "Google could not be reached to remove our access to {}. Those mailboxes are \
                 disconnected, but your account was not deleted. Please try again in a few minutes.",
                owed.join(", ")
            )));
        }
        self.accounts
            .forget_user(user.id, client_ip(req))
            .await
            .map_err(|e| internal("deleting the user's mailboxes failed", e))?;
        users::delete(&self.db, user.id)
            .await
            .map_err(|e| internal("deleting the user failed", e))?;
        self.sessions.forget_remembered();
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
        let zone = super::format::user_zone(&user);
        Ok(rows
            .into_iter()
            .map(|row| account_view(row, now, &zone))
            .collect())
    }

    fn mail_services(&self) -> Vec<MailService> {
        self.services.clone()
    }

    async fn disconnect_account(&self, req: &Parts, account_id: i32) -> Result<String, AppError> {
        let user = self.signed_in_user(req).await?;
        match self
            .accounts
            .disconnect(user.id, account_id, client_ip(req))
            .await
        {
            Ok(Disconnected::Done) => Ok(DISCONNECTED.into()),
            Ok(Disconnected::RemoveAccessYourself) => {
                Ok(MailService::Outlook.disconnected_notice())
            }
            Err(DisconnectError::NotFound) => Err(AppError::NotFound),
            Err(DisconnectError::Database(e)) => {
                Err(internal("disconnecting an account failed", e))
            }
        }
    }

    async fn sync_now(&self, req: &Parts, account_id: i32) -> Result<(), AppError> {
        let user = self.signed_in_user(req).await?;
        let account = self
            .accounts
            .find_for_user(user.id, account_id)
            .await
            .map_err(|e| internal("reading the account failed", e))?
            .ok_or(AppError::NotFound)?;
        if account.status != Status::Active {
            return Err(AppError::invalid(
                "This mailbox needs reconnecting before it can sync.",
            ));
        }
        // A sync already pending or running makes this a no-op, not a second job.
        let asked = self
            .syncs
            .request_now(account.id)
            .await
            .map_err(|e| internal("queueing a sync failed", e))?;
        asked.map_err(|at| {
            AppError::TooSoon(format!(
                "This mailbox was synced on request a moment ago; it can sync again at {}.",
                super::format::clock_time(at, &super::format::user_zone(&user))
            ))
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
        let zone = super::format::user_zone(&user);
        super::transactions::page(&self.syncs, user.id, &zone, accounts, query, filed).await
    }

    async fn filing_form(&self, req: &Parts, id: i32) -> Result<FilingForm, AppError> {
        let user = self.signed_in_user(req).await?;
        let zone = super::format::user_zone(&user);
        super::transactions::filing::form(&self.syncs, user.id, &zone, id).await
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
        super::transactions::filing::file(&self.syncs, user.id, id, &category, merchant_wide, &back)
            .await
    }

    async fn undo_filing(&self, req: &Parts, undo: FilingUndo) -> Result<String, AppError> {
        let user = self.signed_in_user(req).await?;
        super::transactions::filing::undo(&self.syncs, user.id, undo).await
    }
}

fn account_view(row: ListedAccount, now: i64, zone: &TimeZone) -> AccountView {
    let needs_reconnect = row.status == Status::NeedsReconnect;
    let service = row.provider.service();
    let sync = super::format::sync_view(
        row.sync().as_ref(),
        service.name(),
        needs_reconnect,
        now,
        zone,
    );
    AccountView {
        id: row.id,
        email: row.email_address,
        service,
        connected_on: super::format::date(row.created_at, zone),
        token_expires: super::format::date_time(row.token_expires_at, zone),
        sync,
        status: match row.status {
            Status::NeedsReconnect => AccountStatus::NeedsReconnect,
            Status::Active | Status::Disconnected => AccountStatus::Active,
        },
    }
}
