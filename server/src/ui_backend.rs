//! The server's side of the [`app::backend::Backend`] trait that server functions call.

use std::net::SocketAddr;

use app::backend::Backend;
use app::error::AppError;
use app::model::{AccountStatus, AccountView, CurrentUser};
use axum::extract::ConnectInfo;
use http::HeaderValue;
use http::request::Parts;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, Set,
    SqlErr,
};

use crate::accounts::Accounts;
use crate::auth::{self, Sessions};
use crate::clock;
use crate::entities::{email_accounts, users};
use crate::secret::Secret;
use crate::throttle::SignInThrottle;

pub struct UiBackend {
    pub db: DatabaseConnection,
    pub sessions: Sessions,
    pub accounts: Accounts,
    pub throttle: SignInThrottle,
}

/// Logs an internal failure and gives the browser only the generic message.
pub fn internal(context: &str, error: impl std::fmt::Display) -> AppError {
    tracing::error!(%error, "{context}");
    AppError::Internal
}

/// The client's IP address, for the audit trail.
pub fn client_ip(req: &Parts) -> Option<String> {
    req.extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|info| info.0.ip().to_string())
}

impl UiBackend {
    async fn signed_in_user(&self, req: &Parts) -> Result<users::Model, AppError> {
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
        let email = auth::normalize_email(&email)?;
        auth::check_new_password(&password)?;
        let password_hash = auth::hash_password(Secret::new(password))
            .await
            .map_err(|e| internal("hashing a password failed", e))?;
        let inserted = users::ActiveModel {
            email: Set(email),
            password_hash: Set(password_hash),
            created_at: Set(clock::now()),
            ..Default::default()
        }
        .insert(&self.db)
        .await;
        let user = match inserted {
            Ok(user) => user,
            Err(e) if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
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
        let Ok(email) = auth::normalize_email(&email) else {
            return Err(AppError::invalid(auth::WRONG_CREDENTIALS));
        };
        if !self.throttle.allow(&email) {
            tracing::warn!("sign-in attempts for one address are over the limit");
            return Err(AppError::TooManyAttempts);
        }
        let user = users::Entity::find()
            .filter(users::Column::Email.eq(email))
            .one(&self.db)
            .await
            .map_err(|e| internal("looking up a user failed", e))?;
        let matches = auth::verify_password(
            Secret::new(password),
            user.as_ref().map(|u| u.password_hash.clone()),
        )
        .await
        .map_err(|e| internal("verifying a password failed", e))?;
        match user {
            Some(user) if matches => self.start_session(req, user.id).await,
            _ => Err(AppError::invalid(auth::WRONG_CREDENTIALS)),
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
            Ok(user) => Ok(Some(CurrentUser { email: user.email })),
            Err(AppError::Unauthorized) => Ok(None),
            Err(e) => Err(e),
        }
    }

    async fn list_accounts(&self, req: &Parts) -> Result<Vec<AccountView>, AppError> {
        let user = self.signed_in_user(req).await?;
        let rows = email_accounts::Entity::find()
            .filter(email_accounts::Column::UserId.eq(user.id))
            .filter(email_accounts::Column::Status.ne(email_accounts::STATUS_DISCONNECTED))
            .order_by_asc(email_accounts::Column::CreatedAt)
            .order_by_asc(email_accounts::Column::Id)
            .all(&self.db)
            .await
            .map_err(|e| internal("listing accounts failed", e))?;
        Ok(rows.into_iter().map(account_view).collect())
    }

    async fn disconnect_account(&self, req: &Parts, account_id: i32) -> Result<(), AppError> {
        let user = self.signed_in_user(req).await?;
        self.accounts
            .disconnect(user.id, account_id, client_ip(req))
            .await
    }
}

fn account_view(row: email_accounts::Model) -> AccountView {
    AccountView {
        id: row.id,
        email: row.email_address,
        provider: row.provider,
        connected_on: clock::format_date(row.created_at),
        token_expires: clock::format_date_time(row.token_expires_at),
        status: if row.status == email_accounts::STATUS_NEEDS_RECONNECT {
            AccountStatus::NeedsReconnect
        } else {
            AccountStatus::Active
        },
    }
}
