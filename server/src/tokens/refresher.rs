//! The background refresher: every `REFRESH_INTERVAL_SECS` (with jitter), each active account
//! that is due and not leased is refreshed, `REFRESH_CONCURRENCY` at a time.

use std::time::Duration;

use futures::StreamExt;
use rand::Rng;
use tokio_util::sync::CancellationToken;

use super::refresh::Purpose;
use super::{TokenFailure, TokenService, db_failure};
use crate::config::RefreshConfig;

/// What the background refresher did in one round.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Round {
    pub refreshed: usize,
    pub skipped: usize,
    pub failed: usize,
}

impl TokenService {
    /// One round: refreshes every active account that is due and not leased, at most
    /// `concurrency` at a time.
    ///
    /// While the token endpoint rejects our client, rounds are skipped (a global pause that
    /// grows); accounts whose refresh token could not be opened are skipped until it changes.
    pub async fn refresh_due(&self, concurrency: usize) -> Result<Round, TokenFailure> {
        if self.client_paused() {
            return Ok(Round::default());
        }
        let due = self
            .inner
            .accounts
            .due_for_refresh(10_000)
            .await
            .map_err(db_failure)?;
        let readable: Vec<i32> = due
            .into_iter()
            .filter(|(id, sealed)| !self.known_unreadable(*id, sealed))
            .map(|(id, _)| id)
            .collect();
        let outcomes: Vec<_> = futures::stream::iter(readable)
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

    /// Runs a round every `interval` (with jitter) until `stop` fires.
    pub async fn run(self, config: RefreshConfig, stop: CancellationToken) {
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
        }
        tracing::info!("token refresher stopped");
    }
}
