//! One sync of one mailbox.
//!
//! Gmail:
//! - The first sync (no stored historyId) reads the profile's historyId first, then lists the
//!   bank query over the last `SYNC_INITIAL_DAYS` (`after:` in epoch seconds, because Gmail
//!   reads dates as Pacific midnight), following pages of 100.
//! - Later syncs ask `history.list` which messages were added since the stored historyId, and
//!   of those never examined, Gmail for their From field alone (`format=metadata`): the ones a
//!   bank could have sent are fetched whole. No search, so mail Gmail indexes late or dates in
//!   the past is found all the same. A history 404 (the id is too old) falls back to the
//!   search since the last sync (with an hour's overlap) or over the window.
//!
//! Outlook (Graph has no search by sender, and no history id this needs):
//! - Each sync lists what was received since the last sync (with the same overlap), or over
//!   the window the first time, newest first, following `@odata.nextLink`, and keeps the
//!   messages whose sender address could be a bank's.
//!
//! A run reads at most `SYNC_PAGES_PER_RUN` list pages; a listing cut short is stored with its
//! cursor, and the next run, queued at once, goes on from there before anything else. Before
//! each page and each message the run checks that the mailbox is still connected: a
//! disconnect, or its owner leaving, stops it at its next step.
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
//!
//! Only mail fetched whole can be judged broken. A message the mail service fails to give (a
//! 5xx, a timeout, a cut-off or unreadable answer, after the call's own retries) stays
//! unexamined and each next run fetches it again, up to `MAX_FETCH_TRIES`, then it is
//! unreadable with the reason. What concerns the whole mailbox (a token refused after
//! renewal, a 403, a server that cannot reach it) stops the run with the mail left unread.

use std::sync::atomic::{AtomicBool, Ordering};

use futures::{StreamExt, TryStreamExt};
use sea_orm::{DbErr, EntityTrait, QuerySelect};

use super::mailbox::Mailbox;
use super::{SyncError, Syncs};
use crate::alerts::{self, Examined, Outcome, Refusal, Verdicts};
use crate::entities::email_accounts::{self, Provider, Status};
use crate::entities::mail_messages::{MAX_FETCH_TRIES, MessageOutcome};
use crate::entities::mailbox_sync;
use crate::provider::outlook;

/// Overlap when listing since the last sync, for mail that arrives late.
const OVERLAP_SECS: i64 = 60 * 60;
/// Messages fetched at once within one Gmail mailbox (the quota limiter paces them).
const GMAIL_FETCHES_IN_FLIGHT: usize = 10;
// What the mail services' fetches give, the classifier takes whole.
const _: () = assert!(crate::provider::mail::MAX_MESSAGE_BYTES <= alerts::MAX_MESSAGE_BYTES);
/// Messages a run may fail to fetch before it stops: the mail service is failing, not the
/// messages. Each failure counts towards that message's [`MAX_FETCH_TRIES`].
const FETCH_FAILURES_PER_RUN: usize = 3;
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
    /// Where the listing goes on, when the page cap cut it short.
    pub resume: Option<Resume>,
    /// The page cap cut the run short: the next run is queued at once.
    pub more: bool,
}

/// Where a listing cut short by the page cap (`SYNC_PAGES_PER_RUN`) goes on in the next run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resume {
    /// The time (epoch seconds) the listing lists from.
    pub since: i64,
    /// The mail service's cursor for its next page: Gmail's page token, Graph's next link.
    pub page: String,
}

impl Resume {
    fn of(state: &mailbox_sync::Model) -> Option<Self> {
        Some(Self {
            since: state.resume_since?,
            page: state.resume_page.clone()?,
        })
    }
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
        let in_flight = match account.provider {
            Provider::Google => GMAIL_FETCHES_IN_FLIGHT,
            Provider::Microsoft => outlook::CONCURRENT_CALLS,
        };
        let mut synced = match Resume::of(state) {
            // A listing cut short goes on first; what came after it waits for the next run
            // (the stored historyId and time still mark where that begins).
            Some(resume) => {
                let listing = self
                    .resume_listing(&mailbox, account.provider, resume)
                    .await?;
                let new_transactions = self
                    .examine_new(&mailbox, account, listing.ids, in_flight)
                    .await?;
                Synced {
                    history_id: state.history_id.clone(),
                    new_transactions,
                    as_of: state.last_synced_at.unwrap_or(as_of),
                    more: listing.resume.is_some(),
                    resume: listing.resume,
                }
            }
            None => match account.provider {
                Provider::Google => {
                    self.sync_gmail(&mailbox, account, state, window_start, as_of)
                        .await?
                }
                Provider::Microsoft => {
                    let since = state
                        .last_synced_at
                        .map_or(window_start, |at| at - OVERLAP_SECS);
                    let listing = self.list_outlook_bank_mail(&mailbox, since, None).await?;
                    let new_transactions = self
                        .examine_new(&mailbox, account, listing.ids, in_flight)
                        .await?;
                    Synced {
                        history_id: None,
                        new_transactions,
                        as_of,
                        more: listing.resume.is_some(),
                        resume: listing.resume,
                    }
                }
            },
        };
        let mut again = self.to_read_again(account.id, window_start).await?;
        again.retain(|id| !mailbox.failed_to_fetch(id));
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
            None => (self.current_history(mailbox).await?, window_start),
            Some(start) => match self.added_since(mailbox, start).await {
                Ok(added) => {
                    let ids = self.bank_mail_among(mailbox, account.id, added.ids).await?;
                    let new_transactions = self
                        .examine_new(mailbox, account, ids, GMAIL_FETCHES_IN_FLIGHT)
                        .await?;
                    return Ok(Synced {
                        history_id: Some(added.next_start.unwrap_or_else(|| start.to_owned())),
                        new_transactions,
                        as_of,
                        resume: None,
                        more: added.cut_short,
                    });
                }
                Err(SyncError::NotFound) => {
                    // Back to the last sync (or the window, if that is further back), so a
                    // mailbox left alone for weeks loses nothing.
                    tracing::info!("stored historyId is too old; listing since the last sync");
                    let since = state
                        .last_synced_at
                        .map_or(window_start, |at| (at - OVERLAP_SECS).min(window_start));
                    (self.current_history(mailbox).await?, since)
                }
                Err(error) => return Err(error),
            },
        };
        let listing = self.list_bank_mail(mailbox, since, None).await?;
        let new_transactions = self
            .examine_new(mailbox, account, listing.ids, GMAIL_FETCHES_IN_FLIGHT)
            .await?;
        Ok(Synced {
            history_id,
            new_transactions,
            as_of,
            more: listing.resume.is_some(),
            resume: listing.resume,
        })
    }

    /// Of the messages Gmail's history says were added, those never examined whose From
    /// could be a bank's, asked of Gmail field by field (`format=metadata`), not searched for:
    /// mail Gmail indexes late, or dates in the past, is found all the same. One whose From
    /// Gmail fails to give is kept, for the fetch of the whole message (with its bounded
    /// tries) to settle.
    async fn bank_mail_among(
        &self,
        mailbox: &Mailbox<'_>,
        account_id: i32,
        ids: Vec<String>,
    ) -> Result<Vec<String>, SyncError> {
        let seen = self.seen(account_id, &ids).await?;
        let unseen = ids.into_iter().filter(|id| !seen.contains(id));
        let kept: Vec<Option<String>> = futures::stream::iter(unseen)
            .map(|id| async move {
                match mailbox.from_fields(&id).await {
                    Ok(from) => Ok(from
                        .iter()
                        .any(|value| alerts::from_may_be_bank(value))
                        .then_some(id)),
                    // Deleted since it was added.
                    Err(SyncError::NotFound) => Ok(None),
                    Err(SyncError::Unavailable { .. } | SyncError::Refused(_)) => Ok(Some(id)),
                    Err(error) => Err(error),
                }
            })
            .buffered(GMAIL_FETCHES_IN_FLIGHT)
            .try_collect()
            .await?;
        Ok(kept.into_iter().flatten().collect())
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
    /// new. After a failure no further message is started, but those already started finish:
    /// a message marked as being classified is never dropped half-way, which would count as
    /// a crash while reading it.
    async fn examine_all(
        &self,
        mailbox: &Mailbox<'_>,
        account: &email_accounts::Model,
        ids: Vec<String>,
        in_flight: usize,
    ) -> Result<usize, SyncError> {
        let failed = AtomicBool::new(false);
        let failed = &failed;
        let results: Vec<Result<usize, SyncError>> = futures::stream::iter(ids)
            .map(|id| async move {
                if failed.load(Ordering::Relaxed) {
                    // Left for the next run.
                    return Ok(0);
                }
                let result = match self.still_active(account.id).await {
                    Ok(()) => self.examine(mailbox, account, &id).await,
                    Err(stop) => Err(stop),
                };
                if result.is_err() {
                    failed.store(true, Ordering::Relaxed);
                }
                result
            })
            .buffer_unordered(in_flight)
            .collect()
            .await;
        let mut added = 0;
        for result in results {
            added += result?;
        }
        Ok(added)
    }

    /// Stops the run at its next step once the mailbox is disconnected, deleted with its
    /// owner, or waiting to be reconnected: nothing more is read from it or stored for it.
    pub(super) async fn still_active(&self, account_id: i32) -> Result<(), SyncError> {
        let status: Option<Status> = email_accounts::Entity::find_by_id(account_id)
            .select_only()
            .column(email_accounts::Column::Status)
            .into_tuple()
            .one(&self.db)
            .await?;
        match status {
            Some(Status::Active) => Ok(()),
            Some(Status::NeedsReconnect) => Err(SyncError::NeedsReconnect),
            Some(Status::Disconnected) | None => Err(SyncError::Disconnected),
        }
    }

    async fn current_history(&self, mailbox: &Mailbox<'_>) -> Result<Option<String>, SyncError> {
        Ok(Some(mailbox.profile().await?.history_id))
    }

    /// Classifies one message found in `mailbox` (see [`alerts::examine_in`]) off the async
    /// runtime, on the bounded pool of classifier threads, within [`CLASSIFY_BUDGET`]: one that
    /// takes longer (or fails) is refused, and its thread keeps its pool slot until it ends.
    async fn classify(&self, raw: Vec<u8>, verdicts: Verdicts<'_>, mailbox: &str) -> Examined {
        let authserv_id = verdicts.authserv_id.to_owned();
        let mailbox = mailbox.to_owned();
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
            alerts::examine_in(&raw, verdicts, &mailbox)
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
            Err(SyncError::TooLarge) => {
                tracing::warn!("a message over 10 MiB is skipped unread");
                let reason = SyncError::TooLarge.to_string();
                self.record_unread(id, message_id, MessageOutcome::Unreadable, Some(reason))
                    .await
                    .map_err(SyncError::Database)?;
                return Ok(0);
            }
            Err(error @ (SyncError::Unavailable { .. } | SyncError::Refused(_))) => {
                return self.fetch_failed(mailbox, message_id, error).await;
            }
            // The mailbox as a whole cannot be read now: the run stops, the message waits.
            Err(error) => return Err(error),
        };
        // Before anything parses it, the row says it is being read: if the process dies while
        // reading it, the next run reads it once more, and the one after refuses it.
        self.mark_classifying(id, message_id)
            .await
            .map_err(SyncError::Database)?;
        let examined = self
            .classify(raw, mailbox.verdicts(), &account.email_address)
            .await;
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

    /// A message the mail service failed to give, after the call's own retries: only mail
    /// fetched whole can be judged broken, so it stays to be fetched again by the next runs,
    /// up to [`MAX_FETCH_TRIES`] times, and is then recorded unreadable with the reason. The
    /// rest of the run goes on, unless it has failed to fetch [`FETCH_FAILURES_PER_RUN`]
    /// messages: then the service is failing and the run stops, to be retried.
    async fn fetch_failed(
        &self,
        mailbox: &Mailbox<'_>,
        message_id: &str,
        error: SyncError,
    ) -> Result<usize, SyncError> {
        let reason = match &error {
            SyncError::Unavailable { reason, .. } | SyncError::Refused(reason) => reason.clone(),
            other => other.to_string(),
        };
        let gave_up = self
            .record_fetch_failure(mailbox.account_id, message_id, &reason)
            .await?;
        if gave_up {
            tracing::warn!(
                %reason,
                tries = MAX_FETCH_TRIES,
                "a message the mail service would not give is recorded unreadable"
            );
        } else {
            tracing::warn!(%reason, "a message could not be fetched; the next sync tries again");
        }
        if mailbox.note_failed_fetch(message_id) >= FETCH_FAILURES_PER_RUN {
            return Err(error);
        }
        Ok(0)
    }
}
