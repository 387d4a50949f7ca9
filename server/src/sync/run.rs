//! One sync of one mailbox.
//!
//! Gmail:
//! - The first sync (no stored historyId) reads the profile's historyId first, then lists the
//!   bank query over the last `SYNC_INITIAL_DAYS` (`after:` in epoch seconds, because Gmail
//!   reads dates as Pacific midnight), following pages of 100 to the end.
//! - Later syncs ask `history.list` what was added since the stored historyId. Only when
//!   messages were added do they list the bank query since the last sync (with an hour's
//!   overlap). A history 404 (the id is too old) falls back to a full sync of the window.
//!
//! Outlook (Graph has no search by sender, and no history id this needs):
//! - Each sync lists what was received since the last sync (with the same overlap), or over
//!   the window the first time, newest first, following `@odata.nextLink` to the end, and
//!   keeps the messages whose sender address could be a bank's.
//!
//! Both: only ids never examined before are fetched (Gmail's `format=raw`, Graph's `$value`,
//! neither over 10 MiB), marked as being classified, classified off the async runtime (a
//! bounded pool of threads, a time budget) with the verdicts of that mail service's
//! authserv-id, and recorded with their outcome and transactions. Then the mail an older
//! classifier version examined within the window and left without transactions is fetched
//! and read again, once (see `store.rs`): a fix to a layout or a sender brings in the alerts
//! it once missed, with no one asking. A message whose reading a dead run interrupted is read
//! again the same way; interrupted a second time, it is refused at the next run's start, so a
//! mail that kills the process cannot kill it again and again.

use futures::{StreamExt, TryStreamExt};
use sea_orm::DbErr;

use super::mailbox::Mailbox;
use super::{SyncError, Syncs};
use crate::alerts::{self, Examined, Outcome, Refusal, Verdicts};
use crate::entities::email_accounts::{self, Provider};
use crate::entities::mail_messages::MessageOutcome;
use crate::entities::mailbox_sync;
use crate::provider::outlook;

/// Overlap when listing since the last sync, for mail that arrives late.
const OVERLAP_SECS: i64 = 60 * 60;
/// Messages fetched at once within one Gmail mailbox (the quota limiter paces them).
const GMAIL_FETCHES_IN_FLIGHT: usize = 10;
// What the mail services' fetches give, the classifier takes whole.
const _: () = assert!(crate::provider::mail::MAX_MESSAGE_BYTES <= alerts::MAX_MESSAGE_BYTES);
/// The most time one message may take to classify (a bank alert takes well under a
/// millisecond).
pub const CLASSIFY_BUDGET: std::time::Duration = std::time::Duration::from_secs(5);

/// What a successful run found.
pub struct Synced {
    pub history_id: Option<String>,
    pub new_transactions: usize,
    /// When the run began reading the mailbox (its `last_synced_at`, from which the next run
    /// lists with the overlap): mail that arrives during a long run is not skipped.
    pub as_of: i64,
}

impl Syncs {
    pub(super) async fn sync_mailbox(
        &self,
        account: &email_accounts::Model,
        state: &mailbox_sync::Model,
    ) -> Result<Synced, SyncError> {
        let mailbox = Mailbox::new(account.id, account.provider, &self.mail, &self.tokens);
        let interrupted = self.refuse_interrupted(account.id).await?;
        if interrupted > 0 {
            tracing::warn!(
                messages = interrupted,
                "messages whose reading was interrupted twice are refused, not read again"
            );
        }
        let as_of = self.clock.now();
        let window_start = as_of - self.config.initial_days * 24 * 60 * 60;
        let (mut synced, in_flight) = match account.provider {
            Provider::Google => (
                self.sync_gmail(&mailbox, account, state, window_start, as_of)
                    .await?,
                GMAIL_FETCHES_IN_FLIGHT,
            ),
            Provider::Microsoft => {
                let since = state
                    .last_synced_at
                    .map_or(window_start, |at| at - OVERLAP_SECS);
                let ids = self.list_outlook_bank_mail(&mailbox, since).await?;
                let new_transactions = self
                    .examine_new(&mailbox, account, ids, outlook::CONCURRENT_CALLS)
                    .await?;
                let synced = Synced {
                    history_id: None,
                    new_transactions,
                    as_of,
                };
                (synced, outlook::CONCURRENT_CALLS)
            }
        };
        let again = self.to_read_again(account.id, window_start).await?;
        if !again.is_empty() {
            tracing::info!(
                messages = again.len(),
                "reading again what an older classifier left unread"
            );
            synced.new_transactions += self
                .examine_all(&mailbox, account, again, in_flight)
                .await?;
        }
        Ok(synced)
    }

    async fn sync_gmail(
        &self,
        mailbox: &Mailbox<'_>,
        account: &email_accounts::Model,
        state: &mailbox_sync::Model,
        window_start: i64,
        as_of: i64,
    ) -> Result<Synced, SyncError> {
        let (history_id, since) = match state.history_id.as_deref() {
            None => (self.current_history(mailbox).await?, Some(window_start)),
            Some(start) => match self.added_since(mailbox, start).await {
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
                    (self.current_history(mailbox).await?, Some(since))
                }
                Err(error) => return Err(error),
            },
        };
        let Some(since) = since else {
            return Ok(Synced {
                history_id,
                new_transactions: 0,
                as_of,
            });
        };

        let ids = self.list_bank_mail(mailbox, since).await?;
        let new_transactions = self
            .examine_new(mailbox, account, ids, GMAIL_FETCHES_IN_FLIGHT)
            .await?;
        Ok(Synced {
            history_id,
            new_transactions,
            as_of,
        })
    }

    /// Examines the listed ids never examined before, `in_flight` at a time; returns how many
    /// transactions were new.
    async fn examine_new(
        &self,
        mailbox: &Mailbox<'_>,
        account: &email_accounts::Model,
        ids: Vec<String>,
        in_flight: usize,
    ) -> Result<usize, SyncError> {
        let seen = self.seen(account.id, &ids).await?;
        let fresh: Vec<String> = ids.into_iter().filter(|id| !seen.contains(id)).collect();
        tracing::info!(
            listed = fresh.len() + seen.len(),
            new = fresh.len(),
            "bank mail listed"
        );
        self.examine_all(mailbox, account, fresh, in_flight).await
    }

    /// Examines every one of `ids`, `in_flight` at a time; returns how many transactions were
    /// new.
    async fn examine_all(
        &self,
        mailbox: &Mailbox<'_>,
        account: &email_accounts::Model,
        ids: Vec<String>,
        in_flight: usize,
    ) -> Result<usize, SyncError> {
        let added: Vec<usize> = futures::stream::iter(ids)
            .map(|id| async move { self.examine(mailbox, account, &id).await })
            .buffer_unordered(in_flight)
            .try_collect()
            .await?;
        Ok(added.iter().sum())
    }

    /// Every Outlook message received since `since` (epoch seconds) whose sender could be a
    /// bank's, all pages.
    async fn list_outlook_bank_mail(
        &self,
        mailbox: &Mailbox<'_>,
        since: i64,
    ) -> Result<Vec<String>, SyncError> {
        let mut ids = Vec::new();
        let mut next = None;
        loop {
            let page = mailbox.messages(since, next.as_ref()).await?;
            ids.extend(
                page.messages
                    .into_iter()
                    .filter(|m| m.sender.as_deref().is_some_and(alerts::may_be_bank_sender))
                    .map(|m| m.id),
            );
            match page.next {
                Some(link) => next = Some(link),
                None => return Ok(ids),
            }
        }
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

    /// Classifies one message off the async runtime, on the bounded pool of classifier threads,
    /// within [`CLASSIFY_BUDGET`]: one that takes longer (or fails) is refused, and its thread
    /// keeps its pool slot until it ends.
    async fn classify(&self, raw: Vec<u8>, verdicts: Verdicts<'_>) -> Examined {
        let authserv_id = verdicts.authserv_id.to_owned();
        let unnamed_topmost = verdicts.unnamed_topmost;
        let refused = |refusal| Examined {
            outcome: Outcome::Refused(refusal),
            bank: None,
            subject: None,
            sent_at: None,
            subject_shape: None,
        };
        let Ok(slot) = self.classifier_slots.clone().acquire_owned().await else {
            return refused(Refusal::Interrupted);
        };
        let task = tokio::task::spawn_blocking(move || {
            let _slot = slot;
            let verdicts = Verdicts {
                authserv_id: &authserv_id,
                unnamed_topmost,
            };
            alerts::examine(&raw, verdicts)
        });
        match tokio::time::timeout(CLASSIFY_BUDGET, task).await {
            Ok(Ok(examined)) => examined,
            Ok(Err(_)) => refused(Refusal::Interrupted),
            Err(_) => refused(Refusal::TooSlow),
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
        // Before anything parses it, the row says it is being read: if the process dies while
        // reading it, the next run reads it once more, and the one after refuses it.
        self.mark_classifying(id, message_id)
            .await
            .map_err(SyncError::Database)?;
        let examined = self.classify(raw, mailbox.verdicts()).await;
        if let Outcome::Refused(refusal) = examined.outcome {
            tracing::warn!(
                refusal = refusal.as_str(),
                "a message was refused by its shape"
            );
        }
        self.layouts.observe(&examined);
        self.record(account, message_id, &examined)
            .await
            .map_err(|e: DbErr| SyncError::Database(e))
    }
}
