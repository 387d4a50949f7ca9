//! The background refresher: every `REFRESH_INTERVAL_SECS` (with jitter), each active account
//! that is due and not leased is queued for a refresh, `REFRESH_CONCURRENCY` at a time.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::StreamExt;
use rand::Rng;
use secrecy::SecretString;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
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

impl Round {
    fn count(&mut self, outcome: &Result<Option<SecretString>, TokenFailure>) {
        match outcome {
            Ok(Some(_)) => self.refreshed += 1,
            Ok(None) => self.skipped += 1,
            Err(_) => self.failed += 1,
        }
    }
}

impl TokenService {
    /// One round: refreshes every active account that is due and not leased, at most
    /// `concurrency` at a time, and waits for all of them.
    pub async fn refresh_due(&self, concurrency: usize) -> Result<Round, TokenFailure> {
        let due = self.due_now().await?;
        let outcomes: Vec<_> = futures::stream::iter(due)
            .map(|id| self.keep_fresh(id))
            .buffer_unordered(concurrency.max(1))
            .collect()
            .await;
        let mut round = Round::default();
        outcomes.iter().for_each(|outcome| round.count(outcome));
        Ok(round)
    }

    /// The accounts to refresh now, soonest expiry first.
    ///
    /// While a provider's token endpoint rejects our client, none of its accounts (a pause
    /// that grows); accounts whose refresh token could not be opened are left out until it
    /// changes.
    async fn due_now(&self) -> Result<Vec<i32>, TokenFailure> {
        let due = self
            .inner
            .accounts
            .due_for_refresh(10_000)
            .await
            .map_err(db_failure)?;
        Ok(due
            .into_iter()
            .filter(|(id, provider, sealed)| {
                !self.client_paused(*provider) && !self.known_unreadable(*id, sealed)
            })
            .map(|(id, _, _)| id)
            .collect())
    }

    async fn keep_fresh(&self, id: i32) -> Result<Option<SecretString>, TokenFailure> {
        // A little jitter so instances starting together do not move in lockstep.
        let jitter = Duration::from_millis(rand::thread_rng().gen_range(0..5));
        tokio::time::sleep(jitter).await;
        self.refresh_under_lease(id, Purpose::KeepFresh).await
    }

    /// Runs until `stop` fires. Every `interval` (with jitter) the accounts that are due join a
    /// queue served `concurrency` at a time. A tick does not wait for the previous tick's slow
    /// calls: an account is queued once until its refresh ends, and one whose attempt failed
    /// is queued again on the first tick after its retry falls due.
    pub async fn run(self, config: RefreshConfig, stop: CancellationToken) {
        tracing::info!(interval = ?config.interval, window = ?config.window, concurrency = config.concurrency, "token refresher started");
        let slots = Arc::new(Semaphore::new(config.concurrency.max(1)));
        let queued: Arc<Mutex<HashSet<i32>>> = Arc::default();
        let mut refreshes = JoinSet::new();
        loop {
            let jitter = config
                .interval
                .mul_f64(rand::thread_rng().gen_range(0.0..0.1));
            tokio::select! {
                _ = stop.cancelled() => break,
                _ = tokio::time::sleep(config.interval + jitter) => {}
            }
            let mut round = Round::default();
            while let Some(done) = refreshes.try_join_next() {
                if let Ok(outcome) = done {
                    round.count(&outcome);
                }
            }
            if round != Round::default() {
                tracing::info!(?round, "refresher round");
            }
            let due = tokio::select! {
                _ = stop.cancelled() => break,
                due = self.due_now() => due,
            };
            let due = match due {
                Ok(due) => due,
                Err(failure) => {
                    tracing::warn!(%failure, "refresher round failed");
                    continue;
                }
            };
            for id in due {
                if !queued.lock().expect("queue lock").insert(id) {
                    continue;
                }
                let (service, slots, queued) = (self.clone(), slots.clone(), queued.clone());
                refreshes.spawn(async move {
                    let outcome = match slots.acquire().await {
                        Ok(_slot) => service.keep_fresh(id).await,
                        Err(_) => Ok(None),
                    };
                    queued.lock().expect("queue lock").remove(&id);
                    outcome
                });
            }
        }
        // In-flight refreshes end with the loop; their leases lapse on their own.
        refreshes.abort_all();
        tracing::info!("token refresher stopped");
    }
}
