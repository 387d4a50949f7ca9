//! One sync of one mailbox.
//!
//! - The first sync (no stored historyId) reads the profile's historyId first, then lists the
//!   bank query over the last `SYNC_INITIAL_DAYS` (`after:` in epoch seconds, because Gmail
//!   reads dates as Pacific midnight), following pages of 100 to the end.
//! - Later syncs ask `history.list` what was added since the stored historyId. Only when
//!   messages were added do they list the bank query since the last sync (with an hour's
//!   overlap). A history 404 (the id is too old) falls back to a full sync of the window.
//! - Only ids never examined before are fetched (`format=raw`), classified, and recorded with
//!   their outcome and transactions.

use futures::{StreamExt, TryStreamExt};
use sea_orm::DbErr;

use super::mailbox::Mailbox;
use super::{SyncError, Syncs};
use crate::alerts;
use crate::entities::email_accounts;
use crate::entities::mail_messages::MessageOutcome;
use crate::entities::mailbox_sync;

/// Overlap when listing since the last sync, for mail that arrives late.
const OVERLAP_SECS: i64 = 60 * 60;
/// Messages fetched at once within one mailbox (the quota limiter paces them).
const FETCHES_IN_FLIGHT: usize = 10;

/// What a successful run found.
pub struct Synced {
    pub history_id: Option<String>,
    pub new_transactions: usize,
}

impl Syncs {
    pub(super) async fn sync_mailbox(
        &self,
        account: &email_accounts::Model,
        state: &mailbox_sync::Model,
    ) -> Result<Synced, SyncError> {
        let mailbox = Mailbox::new(account.id, &self.gmail, &self.tokens);
        let window_start = self.clock.now() - self.config.initial_days * 24 * 60 * 60;

        let (history_id, since) = match state.history_id.as_deref() {
            None => (self.current_history(&mailbox).await?, Some(window_start)),
            Some(start) => match self.added_since(&mailbox, start).await {
                Ok((latest, added)) => {
                    let since = state
                        .last_synced_at
                        .map_or(window_start, |at| at - OVERLAP_SECS);
                    (latest.or(Some(start.to_owned())), added.then_some(since))
                }
                Err(SyncError::NotFound) => {
                    // Back to the last sync (or the window, if that is further back), so a
                    // mailbox left alone for weeks loses nothing.
                    tracing::info!("stored historyId is too old; listing since the last sync");
                    let since = state
                        .last_synced_at
                        .map_or(window_start, |at| (at - OVERLAP_SECS).min(window_start));
                    (self.current_history(&mailbox).await?, Some(since))
                }
                Err(error) => return Err(error),
            },
        };
        let Some(since) = since else {
            return Ok(Synced {
                history_id,
                new_transactions: 0,
            });
        };

        let ids = self.list_bank_mail(&mailbox, since).await?;
        let seen = self.seen(account.id, &ids).await?;
        let fresh: Vec<String> = ids.into_iter().filter(|id| !seen.contains(id)).collect();
        tracing::info!(
            listed = fresh.len() + seen.len(),
            new = fresh.len(),
            "bank mail listed"
        );

        let mailbox = &mailbox;
        let added: Vec<usize> = futures::stream::iter(fresh)
            .map(|id| async move { self.examine(mailbox, account, &id).await })
            .buffer_unordered(FETCHES_IN_FLIGHT)
            .try_collect()
            .await?;
        Ok(Synced {
            history_id,
            new_transactions: added.iter().sum(),
        })
    }

    async fn current_history(&self, mailbox: &Mailbox<'_>) -> Result<Option<String>, SyncError> {
        Ok(Some(mailbox.profile().await?.history_id))
    }

    /// The latest historyId, and whether any message was added since `start`.
    async fn added_since(
        &self,
        mailbox: &Mailbox<'_>,
        start: &str,
    ) -> Result<(Option<String>, bool), SyncError> {
        let mut page_token: Option<String> = None;
        let mut latest = None;
        let mut added = false;
        loop {
            let page = mailbox.history(start, page_token.as_deref()).await?;
            added |= page.history.iter().any(|h| !h.messages_added.is_empty());
            latest = page.history_id.or(latest);
            match page.next_page_token {
                Some(next) if !added => page_token = Some(next),
                _ => return Ok((latest, added)),
            }
        }
    }

    /// Every message id the bank query finds since `since` (epoch seconds), all pages.
    async fn list_bank_mail(
        &self,
        mailbox: &Mailbox<'_>,
        since: i64,
    ) -> Result<Vec<String>, SyncError> {
        let query = format!("{} after:{since}", alerts::gmail_query());
        let mut ids = Vec::new();
        let mut page_token: Option<String> = None;
        loop {
            let page = mailbox.list(&query, page_token.as_deref()).await?;
            ids.extend(page.messages.into_iter().map(|m| m.id));
            match page.next_page_token {
                Some(next) => page_token = Some(next),
                None => return Ok(ids),
            }
        }
    }

    /// Fetches, classifies and records one message; returns how many transactions were new.
    async fn examine(
        &self,
        mailbox: &Mailbox<'_>,
        account: &email_accounts::Model,
        message_id: &str,
    ) -> Result<usize, SyncError> {
        let id = account.id;
        let raw = match mailbox.get_raw(message_id).await {
            Ok(raw) => raw,
            Err(SyncError::NotFound) => {
                self.record_unread(id, message_id, MessageOutcome::Gone, None)
                    .await
                    .map_err(SyncError::Database)?;
                return Ok(0);
            }
            Err(SyncError::Refused(reason)) => {
                // This message alone cannot be read; it must not hold up the rest.
                tracing::warn!(%reason, "a message cannot be read; recorded and skipped");
                self.record_unread(id, message_id, MessageOutcome::Unreadable, Some(reason))
                    .await
                    .map_err(SyncError::Database)?;
                return Ok(0);
            }
            Err(error) => return Err(error),
        };
        // Classification is pure CPU work of tens of microseconds; no need to leave the task.
        let outcome = alerts::classify(&raw);
        self.record(account, message_id, &outcome)
            .await
            .map_err(|e: DbErr| SyncError::Database(e))
    }
}
