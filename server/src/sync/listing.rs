//! Listing a mailbox's new mail, page by page under the page cap (`SYNC_PAGES_PER_RUN`):
//! Gmail's history and its search, Outlook's received-since list, and going on with a listing
//! the cap cut short. Every listing reads its pages through the one page loop, [`Syncs::read_pages`].

use super::mailbox::Mailbox;
use super::run::Resume;
use super::{SyncError, Syncs};
use crate::alerts;
use crate::entities::email_accounts::Provider;
use crate::provider::gmail::HistoryRecord;

/// What Gmail's history says was added since the stored historyId.
#[derive(Default)]
pub(super) struct Added {
    pub(super) ids: Vec<String>,
    /// The historyId the next run starts from (`None`: the stored one, nothing was read).
    pub(super) next_start: Option<String>,
    /// The page cap cut the history short.
    pub(super) cut_short: bool,
}

/// The ids a listing found, and where it goes on if the page cap cut it short.
pub(super) struct Listing {
    pub(super) ids: Vec<String>,
    pub(super) resume: Option<Resume>,
}

impl Syncs {
    /// Goes on with a listing the page cap cut short. A cursor the mail service no longer
    /// takes starts the listing over (what was examined already is skipped).
    pub(super) async fn resume_listing(
        &self,
        mailbox: &Mailbox<'_>,
        provider: Provider,
        resume: Resume,
    ) -> Result<Listing, SyncError> {
        let list = |page: Option<String>| async move {
            match provider {
                Provider::Google => self.list_bank_mail(mailbox, resume.since, page).await,
                Provider::Microsoft => {
                    self.list_outlook_bank_mail(mailbox, resume.since, page)
                        .await
                }
            }
        };
        match list(Some(resume.page.clone())).await {
            Err(SyncError::Refused(_) | SyncError::NotFound) => {
                tracing::info!("a listing's cursor was refused; listing again from its start");
                list(None).await
            }
            listed => listed,
        }
    }

    /// Outlook's messages received since `since` (epoch seconds) whose sender could be a
    /// bank's, from the page at `start` (a next link) or the first, up to the page cap.
    pub(super) async fn list_outlook_bank_mail(
        &self,
        mailbox: &Mailbox<'_>,
        since: i64,
        start: Option<String>,
    ) -> Result<Listing, SyncError> {
        let start = match start {
            Some(link) => Some(
                url::Url::parse(&link)
                    .map_err(|_| SyncError::Refused("an unreadable page link".into()))?,
            ),
            None => None,
        };
        let read = |next: Option<url::Url>| async move {
            let page = mailbox.messages(since, next.as_ref()).await?;
            let ids = page
                .messages
                .into_iter()
                .filter(|m| m.sender.as_deref().is_some_and(alerts::may_be_bank_sender))
                .map(|m| m.id)
                .collect();
            Ok((ids, page.next))
        };
        let (ids, cut_at) = self.read_pages(mailbox.account_id, start, read).await?;
        let resume = cut_at.map(|link| Resume {
            since,
            page: link.into(),
        });
        Ok(Listing { ids, resume })
    }

    /// The one page loop of every listing: reads pages from `cursor` (`None`: the first) up to
    /// `SYNC_PAGES_PER_RUN`, checking before each that the mailbox is still active. `read` gets
    /// a page's cursor and gives the page's items and the next page's cursor. Returns the items
    /// and, when the page cap cut the listing short, the cursor of the first page not read.
    async fn read_pages<C: Clone, T, Page>(
        &self,
        account_id: i32,
        mut cursor: Option<C>,
        read: impl Fn(Option<C>) -> Page,
    ) -> Result<(Vec<T>, Option<C>), SyncError>
    where
        Page: Future<Output = Result<(Vec<T>, Option<C>), SyncError>>,
    {
        let mut items = Vec::new();
        for _ in 0..self.config.pages_per_run {
            self.still_active(account_id).await?;
            let (page, next) = read(cursor.clone()).await?;
            items.extend(page);
            match next {
                Some(next) => cursor = Some(next),
                None => return Ok((items, None)),
            }
        }
        Ok((items, cursor))
    }

    /// The messages Gmail's history says were added since `start`, oldest first, up to the
    /// page cap, and where the next run's history begins.
    pub(super) async fn added_since(
        &self,
        mailbox: &Mailbox<'_>,
        start: &str,
    ) -> Result<Added, SyncError> {
        let read = |page_token: Option<String>| async move {
            let mut page = mailbox.history(start, page_token.as_deref()).await?;
            if page.next_page_token.is_none() && page.history_id.is_some() {
                // The history's end: the mailbox's current historyId is where the next run
                // begins, as if it were one more record.
                page.history.push(HistoryRecord {
                    id: page.history_id,
                    messages_added: Vec::new(),
                });
            }
            Ok((page.history, page.next_page_token))
        };
        let (records, cut_at) = self.read_pages(mailbox.account_id, None, read).await?;
        let mut known = std::collections::HashSet::new();
        let mut added = Added::default();
        let mut last_record = None;
        for record in records {
            for message in record.messages_added {
                if known.insert(message.message.id.clone()) {
                    added.ids.push(message.message.id);
                }
            }
            last_record = record.id.or(last_record);
        }
        // Cut short, the next run goes on after the last record read.
        added.cut_short = cut_at.is_some() && last_record.is_some();
        added.next_start = last_record;
        Ok(added)
    }

    /// The ids the bank query finds since `since` (epoch seconds), from the page at `start`
    /// (a page token) or the first, up to the page cap.
    pub(super) async fn list_bank_mail(
        &self,
        mailbox: &Mailbox<'_>,
        since: i64,
        start: Option<String>,
    ) -> Result<Listing, SyncError> {
        let query = format!("{} after:{since}", alerts::gmail_query());
        let query = &query;
        let read = |page_token: Option<String>| async move {
            let page = mailbox.list(query, page_token.as_deref()).await?;
            let ids = page.messages.into_iter().map(|m| m.id).collect();
            Ok((ids, page.next_page_token))
        };
        let (ids, cut_at) = self.read_pages(mailbox.account_id, start, read).await?;
        let resume = cut_at.map(|page| Resume { since, page });
        Ok(Listing { ids, resume })
    }
}
