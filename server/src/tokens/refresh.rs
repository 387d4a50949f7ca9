//! One refresh under the account's lease: take it (or wait for its holder), re-check, call the
//! token endpoint, record the outcome through `Accounts`.

use std::time::{Duration, Instant};

use rand::Rng;
use secrecy::{ExposeSecret, SecretString};
use tracing::Instrument;

use super::{TokenFailure, TokenService, db_failure};
use crate::entities::SealedField;
use crate::entities::email_accounts;
use crate::provider::TokenError;

pub(super) enum Purpose {
    /// A worker needs a token good for more than [`super::MIN_VALIDITY_SECS`].
    Use,
    /// The provider refused this access token before its expiry: replace it (unless someone
    /// already has).
    Renew(SecretString),
    /// The refresher keeps the account fresh; skip it if someone already did.
    KeepFresh,
}

impl TokenService {
    /// Takes the account's lease (waiting for another holder if needed), re-checks, refreshes.
    /// `Ok(None)`: nothing to do any more (only for [`Purpose::KeepFresh`]).
    pub(super) async fn refresh_under_lease(
        &self,
        account_id: i32,
        purpose: Purpose,
    ) -> Result<Option<SecretString>, TokenFailure> {
        let span = tracing::info_span!("refresh", account_id);
        self.refresh_under_lease_inner(account_id, purpose)
            .instrument(span)
            .await
    }

    async fn refresh_under_lease_inner(
        &self,
        account_id: i32,
        purpose: Purpose,
    ) -> Result<Option<SecretString>, TokenFailure> {
        let accounts = &self.inner.accounts;
        let owner = self.inner.owner.as_str();
        let give_up = Instant::now() + self.inner.timing.wait;
        loop {
            let taken = accounts
                .take_lease(account_id, owner, self.inner.timing.lease)
                .await
                .map_err(db_failure)?;
            let now = self.now();
            let release = async || {
                if taken {
                    accounts
                        .release_lease(account_id, owner)
                        .await
                        .map_err(db_failure)?;
                }
                Ok::<(), TokenFailure>(())
            };
            // Re-read after taking: another holder may have refreshed just before.
            let row = match self.load(account_id).await {
                Ok(row) => row,
                Err(failure) => {
                    release().await?;
                    return Err(failure);
                }
            };
            let usable = match &purpose {
                Purpose::KeepFresh => Ok(None),
                Purpose::Use | Purpose::Renew(_) => self.usable_token(&row, now),
            };
            let usable = match usable {
                Ok(usable) => usable,
                Err(failure) => {
                    release().await?;
                    return Err(failure);
                }
            };
            let done = match &purpose {
                Purpose::Use => usable.map(Some),
                Purpose::Renew(rejected) => usable
                    .filter(|current| current.expose_secret() != rejected.expose_secret())
                    .map(Some),
                Purpose::KeepFresh => row
                    .next_attempt_at
                    .is_some_and(|due| due > now)
                    .then_some(None),
            };
            if let Some(result) = done {
                release().await?;
                return Ok(result);
            }
            if taken {
                return self.refresh_holding_lease(row, now, purpose).await;
            }
            if matches!(purpose, Purpose::KeepFresh) || Instant::now() >= give_up {
                // Another instance is on it (the refresher), or it took too long (a worker).
                return match purpose {
                    Purpose::KeepFresh => Ok(None),
                    Purpose::Use | Purpose::Renew(_) => Err(TokenFailure::Unavailable),
                };
            }
            let pause = Duration::from_millis(50 + rand::thread_rng().gen_range(0..50));
            tokio::time::sleep(pause).await;
        }
    }

    async fn refresh_holding_lease(
        &self,
        row: email_accounts::Model,
        now: i64,
        purpose: Purpose,
    ) -> Result<Option<SecretString>, TokenFailure> {
        let accounts = &self.inner.accounts;
        let release = async || {
            accounts
                .release_lease(row.id, &self.inner.owner)
                .await
                .map_err(db_failure)
        };
        // A worker respects the backoff after temporary failures (the token may still be valid).
        // A renewal never hands back the token the provider just refused.
        let fallback = |row: &email_accounts::Model| match purpose {
            Purpose::Renew(_) if row.refresh_token.is_none() => Err(TokenFailure::NeedsReconnect),
            Purpose::Renew(_) => Err(TokenFailure::Unavailable),
            _ => self.still_valid(row, now).map(Some),
        };
        if !matches!(purpose, Purpose::KeepFresh)
            && row.refresh_failures > 0
            && row.next_attempt_at.is_some_and(|t| t > now)
        {
            release().await?;
            return fallback(&row);
        }
        if self.client_paused(row.provider) {
            release().await?;
            return match purpose {
                Purpose::Use => self.still_valid(&row, now).map(Some),
                Purpose::Renew(_) | Purpose::KeepFresh => Err(TokenFailure::Misconfigured),
            };
        }
        let refresh_token = match accounts.open(&row, SealedField::RefreshToken) {
            None => {
                release().await?;
                return fallback(&row);
            }
            Some(Ok(token)) => {
                self.mark_readable(row.id);
                token
            }
            Some(Err(error)) => {
                // Logged once; not tried again until the ciphertext or the keys change.
                tracing::error!(%error, "refresh token cannot be opened; skipped until `rotate-keys` or a key change");
                if let Some(sealed) = &row.refresh_token {
                    self.mark_unreadable(row.id, sealed);
                }
                release().await?;
                return Err(TokenFailure::Sealed);
            }
        };

        let started = Instant::now();
        let answer = tokio::time::timeout(
            self.inner.timing.call_timeout,
            self.inner.providers.refresh(row.provider, &refresh_token),
        )
        .await
        .unwrap_or_else(|_| Err(TokenError::Transient("timed out".into())));
        metrics::histogram!("mailconnect_token_refresh_seconds")
            .record(started.elapsed().as_secs_f64());
        let count = |outcome: &'static str| {
            metrics::counter!("mailconnect_token_refreshes_total", "outcome" => outcome)
                .increment(1)
        };

        match &answer {
            Err(TokenError::InvalidClient(reason)) => self.client_rejected(row.provider, reason),
            _ => self.client_accepted(row.provider),
        }
        match answer {
            Ok(tokens) => {
                accounts
                    .record_refreshed(row.id, &self.inner.owner, &tokens)
                    .await
                    .map_err(db_failure)?;
                count("success");
                Ok(Some(tokens.access_token))
            }
            Err(TokenError::InvalidGrant(reason)) => {
                count("invalid_grant");
                tracing::info!(%reason, "grant no longer valid; account needs reconnecting");
                accounts
                    .record_dead_grant(&row, &self.inner.owner, &reason)
                    .await
                    .map_err(db_failure)?;
                Err(TokenFailure::NeedsReconnect)
            }
            Err(TokenError::InvalidClient(_)) => {
                count("invalid_client");
                release().await?;
                Err(TokenFailure::Misconfigured)
            }
            Err(TokenError::Transient(reason)) => {
                count("temporary_failure");
                let failures = row.refresh_failures + 1;
                let retry_in =
                    self.inner
                        .timing
                        .retry_in(failures, self.now(), row.token_expires_at);
                tracing::warn!(failures, %reason, "token refresh failed; will retry");
                accounts
                    .record_temporary_failure(row.id, &self.inner.owner, failures, retry_in)
                    .await
                    .map_err(db_failure)?;
                match purpose {
                    Purpose::Use => self.still_valid(&row, self.now()).map(Some),
                    Purpose::Renew(_) | Purpose::KeepFresh => Err(TokenFailure::Unavailable),
                }
            }
        }
    }

    /// The stored token if it has not expired yet (a refresh failed, but it still works).
    fn still_valid(
        &self,
        row: &email_accounts::Model,
        now: i64,
    ) -> Result<SecretString, TokenFailure> {
        if row.token_expires_at > now {
            self.open_access(row)
        } else if row.refresh_token.is_none() {
            Err(TokenFailure::NeedsReconnect)
        } else {
            Err(TokenFailure::Unavailable)
        }
    }
}
