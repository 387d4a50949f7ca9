//! OAuth flows in progress (`oauth_flows`, owned here): created at start, claimed once by the
//! callback, purged once lapsed.
//!
//! A flow's `state` is 256 random bits, stored only as a hash, bound to the session that started
//! it, valid 10 minutes and single use: claiming is a compare-and-swap on `used_at`, so two
//! racing callbacks cannot both win.

use http::HeaderMap;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, Set,
};
use secrecy::{ExposeSecret, SecretString};

use super::error::ConnectError;
use crate::clock::Clock;
use crate::entities::email_accounts::Provider;
use crate::entities::{SealedField, oauth_flows};
use crate::identity::Sessions;
use crate::secrets::sha256_hex;
use crate::vault::Vault;
use crate::vault::rotation::{Outcome, RotationReport, in_batches, reseal};

/// How long a started flow may take to come back.
pub const FLOW_TTL_SECS: i64 = 10 * 60;

/// A flow being started.
pub struct NewFlow<'a> {
    pub state: &'a SecretString,
    pub verifier: &'a SecretString,
    pub provider: Provider,
    pub user_id: i32,
    pub session_hash: String,
    /// The page's flow id, echoed back to it.
    pub flow_id: Option<String>,
    /// The account being reconnected, if any.
    pub account_id: Option<i32>,
}

/// A flow the callback has claimed.
pub struct Claimed {
    pub provider: Provider,
    pub user_id: i32,
    pub flow_id: Option<String>,
    pub account_id: Option<i32>,
    pub verifier: Result<SecretString, ConnectError>,
}

#[derive(Clone)]
pub struct Flows {
    db: DatabaseConnection,
    vault: Vault,
    clock: Clock,
}

impl Flows {
    pub fn new(db: DatabaseConnection, vault: Vault, clock: Clock) -> Self {
        Self { db, vault, clock }
    }

    pub async fn create(&self, flow: NewFlow<'_>) -> Result<(), DbErr> {
        let state_hash = sha256_hex(flow.state.expose_secret());
        let verifier = self.vault.seal(
            SealedField::PkceVerifier.binding(&state_hash),
            flow.verifier,
        );
        let now = self.clock.now();
        oauth_flows::ActiveModel {
            pkce_verifier: Set(verifier),
            state_hash: Set(state_hash),
            provider: Set(flow.provider),
            user_id: Set(flow.user_id),
            session_hash: Set(flow.session_hash),
            flow_id: Set(flow.flow_id),
            account_id: Set(flow.account_id),
            created_at: Set(now),
            expires_at: Set(now + FLOW_TTL_SECS),
            used_at: Set(None),
            ..Default::default()
        }
        .insert(&self.db)
        .await
        .map(|_| ())
    }

    /// Finds the flow `state` names and marks it used, if it is valid for this request's
    /// session and was started for `provider`. Everything refused here is refused before any
    /// call to the provider.
    pub async fn claim(
        &self,
        provider: Provider,
        state: Option<&str>,
        sessions: &Sessions,
        headers: &HeaderMap,
    ) -> Result<Claimed, ConnectError> {
        let db_error = |e| ConnectError::internal("reading the OAuth flow failed", e);
        let state = state
            .filter(|s| !s.is_empty() && s.len() <= 256)
            .ok_or(ConnectError::InvalidLink)?;
        let (user, session_hash) = sessions
            .current(headers)
            .await
            .map_err(db_error)?
            .ok_or(ConnectError::InvalidLink)?;
        let flow = oauth_flows::Entity::find()
            .filter(oauth_flows::Column::StateHash.eq(sha256_hex(state)))
            .one(&self.db)
            .await
            .map_err(db_error)?
            .ok_or(ConnectError::InvalidLink)?;
        // Another session's (or user's, or provider's) state is as good as unknown.
        if flow.session_hash != session_hash || flow.user_id != user.id || flow.provider != provider
        {
            return Err(ConnectError::InvalidLink);
        }
        if flow.used_at.is_some() {
            return Err(ConnectError::UsedLink);
        }
        let now = self.clock.now();
        if flow.expires_at <= now {
            return Err(ConnectError::ExpiredLink);
        }
        let claimed = oauth_flows::Entity::update_many()
            .col_expr(oauth_flows::Column::UsedAt, Expr::value(now))
            .filter(oauth_flows::Column::Id.eq(flow.id))
            .filter(oauth_flows::Column::UsedAt.is_null())
            .exec(&self.db)
            .await
            .map_err(db_error)?
            .rows_affected;
        if claimed != 1 {
            return Err(ConnectError::UsedLink);
        }
        let binding = SealedField::PkceVerifier.binding(&flow.state_hash);
        let verifier = self
            .vault
            .open(binding, &flow.pkce_verifier)
            .map_err(|error| {
                tracing::error!(%error, "the flow's PKCE verifier cannot be opened");
                ConnectError::VerifierUnavailable
            });
        Ok(Claimed {
            provider: flow.provider,
            user_id: flow.user_id,
            flow_id: flow.flow_id,
            account_id: flow.account_id,
            verifier,
        })
    }

    /// Deletes flows that lapsed more than a TTL ago (finished ones included); returns how many.
    pub async fn purge_expired(&self) -> Result<u64, DbErr> {
        let deleted = oauth_flows::Entity::delete_many()
            .filter(oauth_flows::Column::ExpiresAt.lt(self.clock.now() - FLOW_TTL_SECS))
            .exec(&self.db)
            .await?;
        Ok(deleted.rows_affected)
    }

    /// Re-seals every stored PKCE verifier under the current key (see `vault::rotation`).
    pub async fn rotate_secrets(
        &self,
        batch: u64,
        report: &mut RotationReport,
    ) -> Result<(), DbErr> {
        let id = oauth_flows::Column::Id;
        let column = oauth_flows::Column::PkceVerifier;
        in_batches::<oauth_flows::Entity>(
            &self.db,
            batch,
            id,
            |flow| flow.id,
            async |txn, flows| {
                for flow in flows {
                    let swap = oauth_flows::Entity::update_many().filter(id.eq(flow.id));
                    let binding = SealedField::PkceVerifier.binding(&flow.state_hash);
                    let outcome =
                        reseal(txn, &self.vault, binding, &flow.pkce_verifier, swap, column)
                            .await?;
                    if let Outcome::Unavailable(error) = &outcome {
                        // A connect in progress cannot finish without its verifier; it lapses
                        // within minutes on its own, so it is only counted.
                        tracing::warn!(flow = flow.id, %error, "PKCE verifier cannot be re-sealed");
                    }
                    report.count(&outcome);
                }
                Ok(())
            },
        )
        .await
    }
}
