//! Fresh access tokens for workers, and the background refresher.
//!
//! `get_valid_token` returns the stored access token while it is good for more than five
//! minutes, and otherwise refreshes it. However many ask at once, an account is refreshed once:
//! callers in one process share one refresh (single-flight), and processes share the database
//! through a lease (`lease_owner`, `lease_expires_at`) taken by compare-and-swap and re-checked
//! after it is taken. A holder that dies leaves a lease that lapses on its own.
//!
//! Failures are classified (see [`TokenError`]): only a dead grant marks an account
//! `needs_reconnect`; network trouble backs off and retries, and the account stays active.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::StreamExt;
use rand::Rng;
use sea_orm::sea_query::{Condition, Expr};
use sea_orm::{
    ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    TransactionTrait, UpdateMany,
};
use tokio::sync::OnceCell;
use tokio_util::sync::CancellationToken;

use crate::accounts::Accounts;
use crate::audit::{self, Entry};
use crate::clock;
use crate::config::RefreshConfig;
use crate::entities::email_accounts::{
    self, STATUS_ACTIVE, STATUS_DISCONNECTED, STATUS_NEEDS_RECONNECT,
};
use crate::google::{Google, TokenError};
use crate::secret::Secret;
use crate::vault::Vault;

/// A token good for less than this is refreshed before it is handed out.
pub const MIN_VALIDITY_SECS: i64 = 5 * 60;

/// Why no token could be handed out. Safe to show: it carries no secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenFailure {
    #[error("no such account")]
    NotFound,
    #[error("the account must be reconnected")]
    NeedsReconnect,
    #[error("the account is disconnected")]
    Disconnected,
    #[error("Google is unavailable for now; try again later")]
    Unavailable,
    #[error("the OAuth client was rejected; the server's configuration needs fixing")]
    Misconfigured,
    #[error("the stored token cannot be opened with the configured keys")]
    Sealed,
    #[error("database error")]
    Database,
}

fn db_failure(error: DbErr) -> TokenFailure {
    tracing::error!(%error, "token service database error");
    TokenFailure::Database
}

/// Timing knobs; the defaults are the product's, tests shorten them.
#[derive(Clone, Debug)]
pub struct Timing {
    /// How long a lease protects a refresh in progress (a crashed holder's lapses after this).
    pub lease: Duration,
    /// Upper bound on one call to the token endpoint (kept under `lease`).
    pub call_timeout: Duration,
    /// How long an on-demand caller waits for another holder's refresh.
    pub wait: Duration,
    /// First retry delay after a temporary failure; doubles each time, up to `max_backoff`.
    pub backoff: Duration,
    pub max_backoff: Duration,
}

impl Default for Timing {
    fn default() -> Self {
        Self {
            lease: Duration::from_secs(15),
            call_timeout: Duration::from_secs(10),
            wait: Duration::from_secs(20),
            backoff: Duration::from_secs(30),
            max_backoff: Duration::from_secs(3600),
        }
    }
}

type Shared = Arc<OnceCell<Result<Secret<String>, TokenFailure>>>;

#[derive(Clone)]
pub struct TokenService {
    inner: Arc<Inner>,
}

struct Inner {
    db: DatabaseConnection,
    vault: Vault,
    google: Google,
    /// This process's name on leases.
    owner: String,
    window: Duration,
    timing: Timing,
    in_flight: Mutex<HashMap<i32, Shared>>,
}

/// What the background refresher did in one round.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Round {
    pub refreshed: usize,
    pub skipped: usize,
    pub failed: usize,
}

enum Purpose {
    /// A worker needs a token good for more than [`MIN_VALIDITY_SECS`].
    Use,
    /// The refresher keeps the account fresh; skip it if someone already did.
    KeepFresh,
}

impl TokenService {
    pub fn new(
        db: DatabaseConnection,
        vault: Vault,
        google: Google,
        window: Duration,
        timing: Timing,
    ) -> Self {
        let owner = crate::auth::random_token().into_inner()[..16].to_owned();
        let inner = Inner {
            db,
            vault,
            google,
            owner,
            window,
            timing,
            in_flight: Mutex::new(HashMap::new()),
        };
        Self {
            inner: Arc::new(inner),
        }
    }

    /// A valid access token for the account: the stored one while it is good for more than
    /// five minutes, else a refreshed one.
    pub async fn get_valid_token(&self, account_id: i32) -> Result<Secret<String>, TokenFailure> {
        let row = self.load(account_id).await?;
        if let Some(token) = self.usable_token(&row, clock::now())? {
            return Ok(token);
        }
        self.refresh_once(account_id).await
    }

    /// In-process single-flight: the first caller refreshes, the others await its result.
    async fn refresh_once(&self, account_id: i32) -> Result<Secret<String>, TokenFailure> {
        let cell: Shared = self
            .inner
            .in_flight
            .lock()
            .expect("in-flight map")
            .entry(account_id)
            .or_default()
            .clone();
        let result = cell
            .get_or_init(|| async {
                self.refresh_under_lease(account_id, Purpose::Use)
                    .await
                    .and_then(|token| token.ok_or(TokenFailure::Unavailable))
            })
            .await
            .clone();
        let mut in_flight = self.inner.in_flight.lock().expect("in-flight map");
        if in_flight
            .get(&account_id)
            .is_some_and(|current| Arc::ptr_eq(current, &cell))
        {
            in_flight.remove(&account_id);
        }
        result
    }

    async fn load(&self, account_id: i32) -> Result<email_accounts::Model, TokenFailure> {
        let row = email_accounts::Entity::find_by_id(account_id)
            .one(&self.inner.db)
            .await
            .map_err(db_failure)?
            .ok_or(TokenFailure::NotFound)?;
        match row.status.as_str() {
            STATUS_ACTIVE => Ok(row),
            STATUS_NEEDS_RECONNECT => Err(TokenFailure::NeedsReconnect),
            STATUS_DISCONNECTED => Err(TokenFailure::Disconnected),
            _ => Err(TokenFailure::NotFound),
        }
    }

    /// The stored access token, if it is good for more than five minutes.
    fn usable_token(
        &self,
        row: &email_accounts::Model,
        now: i64,
    ) -> Result<Option<Secret<String>>, TokenFailure> {
        if row.token_expires_at - now <= MIN_VALIDITY_SECS {
            return Ok(None);
        }
        self.open_access(row).map(Some)
    }

    fn open_access(&self, row: &email_accounts::Model) -> Result<Secret<String>, TokenFailure> {
        let id = row.id.to_string();
        let stored = row
            .access_token
            .as_deref()
            .ok_or(TokenFailure::NeedsReconnect)?;
        self.inner
            .vault
            .open(email_accounts::sealed("access_token", &id), stored)
            .map_err(|error| {
                tracing::error!(account = row.id, %error, "access token cannot be opened");
                TokenFailure::Sealed
            })
    }

    /// Takes the account's lease (waiting for another holder if needed), re-checks, refreshes.
    /// `Ok(None)`: nothing to do any more (only for [`Purpose::KeepFresh`]).
    async fn refresh_under_lease(
        &self,
        account_id: i32,
        purpose: Purpose,
    ) -> Result<Option<Secret<String>>, TokenFailure> {
        let give_up = Instant::now() + self.inner.timing.wait;
        loop {
            let now = clock::now();
            let taken = self.take_lease(account_id, now).await?;
            // Re-read after taking: another holder may have refreshed just before.
            let row = match self.load(account_id).await {
                Ok(row) => row,
                Err(failure) => {
                    if taken {
                        self.release_lease(account_id).await?;
                    }
                    return Err(failure);
                }
            };
            let done = match purpose {
                Purpose::Use => self.usable_token(&row, now)?.map(Some),
                Purpose::KeepFresh => row
                    .next_attempt_at
                    .is_some_and(|due| due > now)
                    .then_some(None),
            };
            if let Some(result) = done {
                if taken {
                    self.release_lease(account_id).await?;
                }
                return Ok(result);
            }
            if taken {
                return self.refresh_holding_lease(row, now, purpose).await;
            }
            if matches!(purpose, Purpose::KeepFresh) || Instant::now() >= give_up {
                // Another instance is on it (the refresher), or it took too long (a worker).
                return match purpose {
                    Purpose::KeepFresh => Ok(None),
                    Purpose::Use => Err(TokenFailure::Unavailable),
                };
            }
            let pause = Duration::from_millis(50 + rand::thread_rng().gen_range(0..50));
            tokio::time::sleep(pause).await;
        }
    }

    async fn take_lease(&self, account_id: i32, now: i64) -> Result<bool, TokenFailure> {
        let lease_until = now + self.inner.timing.lease.as_secs().max(1) as i64;
        let taken = email_accounts::Entity::update_many()
            .col_expr(
                email_accounts::Column::LeaseOwner,
                Expr::value(self.inner.owner.clone()),
            )
            .col_expr(
                email_accounts::Column::LeaseExpiresAt,
                Expr::value(lease_until),
            )
            .filter(email_accounts::Column::Id.eq(account_id))
            .filter(email_accounts::Column::Status.eq(STATUS_ACTIVE))
            .filter(
                Condition::any()
                    .add(email_accounts::Column::LeaseOwner.is_null())
                    .add(email_accounts::Column::LeaseExpiresAt.lt(now)),
            )
            .exec(&self.inner.db)
            .await
            .map_err(db_failure)?;
        Ok(taken.rows_affected == 1)
    }

    async fn release_lease(&self, account_id: i32) -> Result<(), TokenFailure> {
        email_accounts::Entity::update_many()
            .lease_released()
            .filter(email_accounts::Column::Id.eq(account_id))
            .filter(email_accounts::Column::LeaseOwner.eq(self.inner.owner.as_str()))
            .exec(&self.inner.db)
            .await
            .map_err(db_failure)?;
        Ok(())
    }

    async fn refresh_holding_lease(
        &self,
        row: email_accounts::Model,
        now: i64,
        purpose: Purpose,
    ) -> Result<Option<Secret<String>>, TokenFailure> {
        let id = row.id.to_string();
        // A worker respects the backoff after temporary failures (the token may still be valid).
        if matches!(purpose, Purpose::Use)
            && row.refresh_failures > 0
            && row.next_attempt_at.is_some_and(|t| t > now)
        {
            self.release_lease(row.id).await?;
            return self.still_valid(&row, now).map(Some);
        }
        let Some(stored) = row.refresh_token.as_deref() else {
            self.release_lease(row.id).await?;
            return self.still_valid(&row, now).map(Some);
        };
        let refresh_token = match self
            .inner
            .vault
            .open(email_accounts::sealed("refresh_token", &id), stored)
        {
            Ok(token) => token,
            Err(error) => {
                tracing::error!(account = row.id, %error, "refresh token cannot be opened");
                self.release_lease(row.id).await?;
                return Err(TokenFailure::Sealed);
            }
        };

        let started = Instant::now();
        let answer = tokio::time::timeout(
            self.inner.timing.call_timeout,
            self.inner.google.refresh(&refresh_token),
        )
        .await
        .unwrap_or_else(|_| Err(TokenError::Transient("timed out".into())));
        metrics::histogram!("mailconnect_token_refresh_seconds")
            .record(started.elapsed().as_secs_f64());

        match answer {
            Ok(tokens) => {
                let now = clock::now();
                let expires_at = now + tokens.expires_in.as_secs() as i64;
                let access = self.inner.vault.seal(
                    email_accounts::sealed("access_token", &id),
                    &tokens.access_token,
                );
                let mut update = email_accounts::Entity::update_many()
                    .col_expr(email_accounts::Column::AccessToken, Expr::value(access))
                    .col_expr(
                        email_accounts::Column::TokenExpiresAt,
                        Expr::value(expires_at),
                    )
                    .col_expr(email_accounts::Column::LastRefreshAt, Expr::value(now))
                    .col_expr(email_accounts::Column::RefreshFailures, Expr::value(0))
                    .col_expr(
                        email_accounts::Column::NextAttemptAt,
                        Expr::value(due_at(now, expires_at, self.inner.window)),
                    )
                    .lease_released()
                    .col_expr(email_accounts::Column::UpdatedAt, Expr::value(now));
                // A new refresh token replaces the old one in the same statement as the access
                // token; without one, the stored refresh token stays.
                if let Some(new_refresh) = &tokens.refresh_token {
                    let sealed = self
                        .inner
                        .vault
                        .seal(email_accounts::sealed("refresh_token", &id), new_refresh);
                    update =
                        update.col_expr(email_accounts::Column::RefreshToken, Expr::value(sealed));
                }
                update
                    .filter(email_accounts::Column::Id.eq(row.id))
                    .exec(&self.inner.db)
                    .await
                    .map_err(db_failure)?;
                metrics::counter!("mailconnect_token_refreshes_total", "outcome" => "success")
                    .increment(1);
                Ok(Some(tokens.access_token))
            }
            Err(TokenError::InvalidGrant(reason)) => {
                metrics::counter!("mailconnect_token_refreshes_total", "outcome" => "invalid_grant").increment(1);
                tracing::info!(account = row.id, %reason, "grant no longer valid; account needs reconnecting");
                let txn = self.inner.db.begin().await.map_err(db_failure)?;
                email_accounts::Entity::update_many()
                    .col_expr(
                        email_accounts::Column::Status,
                        Expr::value(STATUS_NEEDS_RECONNECT),
                    )
                    .lease_released()
                    .col_expr(email_accounts::Column::UpdatedAt, Expr::value(clock::now()))
                    .filter(email_accounts::Column::Id.eq(row.id))
                    .exec(&txn)
                    .await
                    .map_err(db_failure)?;
                let entry = Entry {
                    user_id: Some(row.user_id),
                    account_id: Some(row.id),
                    action: "token_refresh",
                    success: false,
                    error: Some(&reason),
                    ip: None,
                };
                audit::record(&txn, entry).await.map_err(db_failure)?;
                txn.commit().await.map_err(db_failure)?;
                Err(TokenFailure::NeedsReconnect)
            }
            Err(TokenError::InvalidClient(reason)) => {
                metrics::counter!("mailconnect_token_refreshes_total", "outcome" => "invalid_client").increment(1);
                tracing::error!(account = row.id, %reason, "configuration error: the token endpoint rejected our OAuth client; accounts left untouched");
                self.release_lease(row.id).await?;
                Err(TokenFailure::Misconfigured)
            }
            Err(TokenError::Transient(reason)) => {
                metrics::counter!("mailconnect_token_refreshes_total", "outcome" => "temporary_failure").increment(1);
                let failures = row.refresh_failures + 1;
                let retry_at =
                    clock::now() + backoff(&self.inner.timing, failures).as_secs() as i64;
                tracing::warn!(account = row.id, failures, %reason, "token refresh failed; will retry");
                email_accounts::Entity::update_many()
                    .col_expr(
                        email_accounts::Column::RefreshFailures,
                        Expr::value(failures),
                    )
                    .col_expr(email_accounts::Column::NextAttemptAt, Expr::value(retry_at))
                    .lease_released()
                    .filter(email_accounts::Column::Id.eq(row.id))
                    .exec(&self.inner.db)
                    .await
                    .map_err(db_failure)?;
                match purpose {
                    Purpose::Use => self.still_valid(&row, clock::now()).map(Some),
                    Purpose::KeepFresh => Err(TokenFailure::Unavailable),
                }
            }
        }
    }

    /// The stored token if it has not expired yet (a refresh failed, but it still works).
    fn still_valid(
        &self,
        row: &email_accounts::Model,
        now: i64,
    ) -> Result<Secret<String>, TokenFailure> {
        if row.token_expires_at > now {
            self.open_access(row)
        } else if row.refresh_token.is_none() {
            Err(TokenFailure::NeedsReconnect)
        } else {
            Err(TokenFailure::Unavailable)
        }
    }

    /// One round of the background refresher: refreshes every active account that is due and
    /// not leased, at most `concurrency` at a time.
    pub async fn refresh_due(&self, concurrency: usize) -> Result<Round, TokenFailure> {
        let now = clock::now();
        let due: Vec<i32> = email_accounts::Entity::find()
            .select_only()
            .column(email_accounts::Column::Id)
            .filter(email_accounts::Column::Status.eq(STATUS_ACTIVE))
            .filter(email_accounts::Column::RefreshToken.is_not_null())
            .filter(
                email_accounts::Column::TokenExpiresAt
                    .lte(now + self.inner.window.as_secs() as i64),
            )
            .filter(
                Condition::any()
                    .add(email_accounts::Column::NextAttemptAt.is_null())
                    .add(email_accounts::Column::NextAttemptAt.lte(now)),
            )
            .filter(
                Condition::any()
                    .add(email_accounts::Column::LeaseOwner.is_null())
                    .add(email_accounts::Column::LeaseExpiresAt.lt(now)),
            )
            .order_by_asc(email_accounts::Column::TokenExpiresAt)
            .limit(10_000)
            .into_tuple()
            .all(&self.inner.db)
            .await
            .map_err(db_failure)?;

        let outcomes: Vec<_> = futures::stream::iter(due)
            .map(|id| async move {
                // A little jitter so instances starting together do not move in lockstep.
                let jitter = Duration::from_millis(rand::thread_rng().gen_range(0..5));
                tokio::time::sleep(jitter).await;
                self.refresh_under_lease(id, Purpose::KeepFresh).await
            })
            .buffer_unordered(concurrency.max(1))
            .collect()
            .await;
        let mut round = Round::default();
        for outcome in outcomes {
            match outcome {
                Ok(Some(_)) => round.refreshed += 1,
                Ok(None) => round.skipped += 1,
                Err(_) => round.failed += 1,
            }
        }
        Ok(round)
    }

    /// The background refresher: a round every `interval` (with jitter) until `stop` fires.
    /// Failed revocations from disconnects are retried on the same beat.
    pub async fn run(self, accounts: Accounts, config: RefreshConfig, stop: CancellationToken) {
        tracing::info!(interval = ?config.interval, window = ?config.window, concurrency = config.concurrency, "token refresher started");
        loop {
            let jitter = config
                .interval
                .mul_f64(rand::thread_rng().gen_range(0.0..0.1));
            tokio::select! {
                _ = stop.cancelled() => break,
                _ = tokio::time::sleep(config.interval + jitter) => {}
            }
            let round = tokio::select! {
                _ = stop.cancelled() => break,
                round = self.refresh_due(config.concurrency) => round,
            };
            match round {
                Ok(round) if round != Round::default() => tracing::info!(?round, "refresher round"),
                Ok(_) => {}
                Err(failure) => tracing::warn!(%failure, "refresher round failed"),
            }
            if let Err(error) = accounts.retry_pending_revokes().await {
                tracing::warn!(%error, "retrying revocations failed");
            }
        }
        tracing::info!("token refresher stopped");
    }
}

/// Frees the lease in the same statement as the rest of an update.
trait ReleaseLease {
    fn lease_released(self) -> Self;
}

impl ReleaseLease for UpdateMany<email_accounts::Entity> {
    fn lease_released(self) -> Self {
        self.col_expr(
            email_accounts::Column::LeaseOwner,
            Expr::value(Option::<String>::None),
        )
        .col_expr(
            email_accounts::Column::LeaseExpiresAt,
            Expr::value(Option::<i64>::None),
        )
    }
}

/// When an account is next due for a background refresh: `window` before expiry, but never
/// before half the token's lifetime has passed (so a token shorter-lived than the window is not
/// refreshed on every round).
pub fn due_at(now: i64, expires_at: i64, window: Duration) -> i64 {
    (expires_at - window.as_secs() as i64).max(now + (expires_at - now) / 2)
}

/// Exponential backoff with ±20 % jitter.
fn backoff(timing: &Timing, failures: i32) -> Duration {
    let exponent = failures.clamp(1, 16) as u32 - 1;
    let base = timing
        .backoff
        .saturating_mul(1 << exponent)
        .min(timing.max_backoff);
    base.mul_f64(rand::thread_rng().gen_range(0.8..1.2))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn due_time_respects_window_and_half_life() {
        let hour = 3600;
        // A one-hour token with a two-hour window: due after half its life, not at once.
        assert_eq!(due_at(0, hour, Duration::from_secs(7200)), hour / 2);
        // A day-long token with a two-hour window: due two hours before expiry.
        assert_eq!(due_at(0, 24 * hour, Duration::from_secs(7200)), 22 * hour);
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let timing = Timing::default();
        let first = backoff(&timing, 1);
        assert!(first >= Duration::from_secs(24) && first <= Duration::from_secs(36));
        let third = backoff(&timing, 3);
        assert!(third >= Duration::from_secs(96) && third <= Duration::from_secs(144));
        assert!(backoff(&timing, 40) <= Duration::from_secs(4320));
    }
}
