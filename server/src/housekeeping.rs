//! Housekeeping: one loop that, on the refresher's beat (`REFRESH_INTERVAL_SECS`), retries
//! revocations that failed at disconnect time (a bounded batch, each row on its own backoff)
//! and purges lapsed OAuth flows, ended sessions, finished sync jobs no one needs and page
//! events every instance has read.

use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::accounts::Accounts;
use crate::accounts::disconnect::RevokeRound;
use crate::connect::Flows;
use crate::events::Events;
use crate::identity::Sessions;
use crate::sync::Syncs;

#[derive(Clone)]
pub struct Housekeeping {
    pub accounts: Accounts,
    pub flows: Flows,
    pub sessions: Sessions,
    pub syncs: Syncs,
    pub events: Events,
}

/// What one round did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Sweep {
    pub revokes: RevokeRound,
    pub flows_purged: u64,
    pub sessions_purged: u64,
    pub jobs_purged: u64,
    pub events_purged: u64,
}

impl Housekeeping {
    /// One round. A failing step is logged and does not stop the others; `stop` cuts the
    /// revocations short.
    pub async fn sweep(&self, stop: &CancellationToken) -> Sweep {
        let mut sweep = Sweep::default();
        match self.accounts.retry_pending_revokes(stop).await {
            Ok(round) => sweep.revokes = round,
            Err(error) => tracing::warn!(%error, "retrying revocations failed"),
        }
        match self.flows.purge_expired().await {
            Ok(n) => sweep.flows_purged = n,
            Err(error) => tracing::warn!(%error, "purging lapsed OAuth flows failed"),
        }
        match self.sessions.purge_expired().await {
            Ok(n) => sweep.sessions_purged = n,
            Err(error) => tracing::warn!(%error, "purging expired sessions failed"),
        }
        match self.syncs.purge_finished_jobs().await {
            Ok(n) => sweep.jobs_purged = n,
            Err(error) => tracing::warn!(%error, "purging finished sync jobs failed"),
        }
        match self.events.purge().await {
            Ok(n) => sweep.events_purged = n,
            Err(error) => tracing::warn!(%error, "purging page events failed"),
        }
        sweep
    }

    /// Sweeps every `interval` until `stop` fires.
    pub async fn run(self, interval: Duration, stop: CancellationToken) {
        loop {
            tokio::select! {
                _ = stop.cancelled() => break,
                _ = tokio::time::sleep(interval) => {}
            }
            let sweep = self.sweep(&stop).await;
            if sweep != Sweep::default() {
                tracing::info!(?sweep, "housekeeping");
            }
        }
    }
}
