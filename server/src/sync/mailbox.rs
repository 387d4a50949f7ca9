//! One mailbox's session with its mail service (Gmail or Outlook's Graph) during a sync: a valid
//! token from the token service, one renewal when the service refuses it (401), and backoff
//! with jitter when it is rate limiting or unavailable, honouring `Retry-After`. A wait longer
//! than the job should sleep ends the run instead; the job is retried later.

use std::time::Duration;

use secrecy::SecretString;
use tokio::sync::Mutex;

use url::Url;

use super::SyncError;
use crate::alerts::{GMAIL_VERDICTS, Verdicts};
use crate::backoff::Backoff;
use crate::entities::email_accounts::Provider;
use crate::provider::MailApis;
use crate::provider::gmail::{HistoryPage, ListPage, Profile};
use crate::provider::mail::MailError;
use crate::provider::outlook::{MessagePage, Outlook};
use crate::tokens::{TokenFailure, TokenService};

/// Attempts per call before a temporary failure ends the run.
const ATTEMPTS: u32 = 5;
/// A longer wait than this ends the run; the job retries at the end of it.
const LONGEST_WAIT: Duration = Duration::from_secs(30);
/// The wait between attempts: half a second, doubling, ±25 %.
const CALL_BACKOFF: Backoff =
    Backoff::new(Duration::from_millis(500), LONGEST_WAIT).with_jitter(0.25);
/// Messages a list page asks for.
const PAGE_SIZE: u32 = 100;
/// Why an Outlook mailbox cannot be read on a server without Microsoft's settings.
const NO_MICROSOFT: &str = "Microsoft is not configured";

pub struct Mailbox<'a> {
    pub account_id: i32,
    provider: Provider,
    apis: &'a MailApis,
    tokens: &'a TokenService,
    token: Mutex<Option<SecretString>>,
    /// Messages this run failed to fetch: left for the next runs, not fetched again in this one.
    failed_fetches: std::sync::Mutex<Vec<String>>,
}

impl<'a> Mailbox<'a> {
    pub fn new(
        account_id: i32,
        provider: Provider,
        apis: &'a MailApis,
        tokens: &'a TokenService,
    ) -> Self {
        Self {
            account_id,
            provider,
            apis,
            tokens,
            token: Mutex::new(None),
            failed_fetches: std::sync::Mutex::default(),
        }
    }

    /// Notes a message this run failed to fetch; returns how many it has failed to fetch.
    pub fn note_failed_fetch(&self, message_id: &str) -> usize {
        let mut failed = self.failed_fetches.lock().expect("not poisoned");
        failed.push(message_id.to_owned());
        failed.len()
    }

    /// Whether this run failed to fetch the message.
    pub fn failed_to_fetch(&self, message_id: &str) -> bool {
        let failed = self.failed_fetches.lock().expect("not poisoned");
        failed.iter().any(|id| id == message_id)
    }

    /// Whose `Authentication-Results` count in this mailbox.
    pub fn verdicts(&self) -> Verdicts<'_> {
        match (self.provider, &self.apis.outlook) {
            (Provider::Microsoft, Some((_, authserv_id))) => Verdicts {
                authserv_id,
                unnamed_topmost: true,
            },
            _ => GMAIL_VERDICTS,
        }
    }

    fn outlook(&self) -> Result<&'a Outlook, MailError> {
        self.apis
            .outlook
            .as_ref()
            .map(|(outlook, _)| outlook)
            .ok_or_else(|| MailError::Refused(NO_MICROSOFT.into()))
    }

    async fn token(&self) -> Result<SecretString, SyncError> {
        let mut slot = self.token.lock().await;
        if let Some(token) = slot.as_ref() {
            return Ok(token.clone());
        }
        let token = self
            .tokens
            .get_valid_token(self.account_id)
            .await
            .map_err(token_failure)?;
        *slot = Some(token.clone());
        Ok(token)
    }

    async fn renew(&self, rejected: &SecretString) -> Result<(), SyncError> {
        let mut slot = self.token.lock().await;
        let fresh = self
            .tokens
            .renew_token(self.account_id, rejected)
            .await
            .map_err(token_failure)?;
        *slot = Some(fresh);
        Ok(())
    }

    /// `users.getProfile`.
    pub async fn profile(&self) -> Result<Profile, SyncError> {
        let (gmail, id) = (&self.apis.gmail, self.account_id);
        self.call(|token| async move { gmail.profile(id, &token).await })
            .await
    }

    /// One page of `users.messages.list`.
    pub async fn list(&self, query: &str, page: Option<&str>) -> Result<ListPage, SyncError> {
        let (gmail, id) = (&self.apis.gmail, self.account_id);
        self.call(|token| async move { gmail.list(id, &token, query, PAGE_SIZE, page).await })
            .await
    }

    /// One page of Outlook's messages received since `since`, or the page at `next`.
    pub async fn messages(&self, since: i64, next: Option<&Url>) -> Result<MessagePage, SyncError> {
        let id = self.account_id;
        self.call(|token| async move { self.outlook()?.messages(id, &token, since, next).await })
            .await
    }

    /// One message's raw bytes; `SyncError::NotFound` when the mailbox no longer has it.
    pub async fn get_raw(&self, message_id: &str) -> Result<Vec<u8>, SyncError> {
        let (gmail, id) = (&self.apis.gmail, self.account_id);
        self.call(|token| async move {
            match self.provider {
                Provider::Google => gmail.get_raw(id, &token, message_id).await,
                Provider::Microsoft => self.outlook()?.mime(id, &token, message_id).await,
            }
        })
        .await
    }

    /// The values of a Gmail message's From fields; `SyncError::NotFound` when it is gone.
    pub async fn from_fields(&self, message_id: &str) -> Result<Vec<String>, SyncError> {
        let (gmail, id) = (&self.apis.gmail, self.account_id);
        self.call(|token| async move { gmail.from_fields(id, &token, message_id).await })
            .await
    }

    /// One page of `users.history.list`; `SyncError::NotFound` when `start` is too old.
    pub async fn history(&self, start: &str, page: Option<&str>) -> Result<HistoryPage, SyncError> {
        let (gmail, id) = (&self.apis.gmail, self.account_id);
        self.call(|token| async move { gmail.history(id, &token, start, page).await })
            .await
    }

    /// Runs one call to the mail service (`send`, given the token) with the mailbox's token:
    /// renews the token once on a 401, and backs off on rate limits and outages. `NotFound` is
    /// passed back for the caller to decide.
    async fn call<T, Call>(&self, send: impl Fn(SecretString) -> Call) -> Result<T, SyncError>
    where
        Call: Future<Output = Result<T, MailError>>,
    {
        let mut renewed = false;
        let mut attempt = 0;
        loop {
            let token = self.token().await?;
            let error = match send(token.clone()).await {
                Ok(response) => return Ok(response),
                Err(error) => error,
            };
            attempt += 1;
            let wait = match error {
                MailError::Unauthorized if !renewed => {
                    renewed = true;
                    self.renew(&token).await?;
                    continue;
                }
                MailError::Unauthorized => return Err(SyncError::TokenRefused),
                MailError::NotFound => return Err(SyncError::NotFound),
                MailError::Forbidden => return Err(SyncError::Forbidden),
                MailError::TooLarge => return Err(SyncError::TooLarge),
                MailError::Refused(reason) if reason == NO_MICROSOFT => {
                    return Err(SyncError::Misconfigured(reason));
                }
                MailError::Refused(reason) => return Err(SyncError::Refused(reason)),
                MailError::RateLimited { retry_after } => {
                    let wait = retry_after.unwrap_or_else(|| backoff(attempt));
                    if attempt >= ATTEMPTS || wait > LONGEST_WAIT {
                        return Err(SyncError::RateLimited { retry_in: wait });
                    }
                    wait
                }
                MailError::Unavailable(reason) => {
                    if attempt >= ATTEMPTS {
                        tracing::warn!(%reason, "the mail service is unavailable");
                        return Err(SyncError::Unavailable {
                            retry_in: backoff(attempt),
                            reason,
                        });
                    }
                    backoff(attempt)
                }
            };
            tracing::debug!(?wait, attempt, "the mail service asks us to wait");
            tokio::time::sleep(wait).await;
        }
    }
}

fn backoff(attempt: u32) -> Duration {
    CALL_BACKOFF.after(attempt)
}

fn token_failure(failure: TokenFailure) -> SyncError {
    match failure {
        TokenFailure::NeedsReconnect => SyncError::NeedsReconnect,
        TokenFailure::Disconnected | TokenFailure::NotFound => SyncError::Disconnected,
        TokenFailure::Unavailable | TokenFailure::Database => SyncError::Unavailable {
            retry_in: Duration::from_secs(60),
            reason: failure.to_string(),
        },
        TokenFailure::Misconfigured | TokenFailure::Sealed => {
            SyncError::Misconfigured(failure.to_string())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_with_jitter() {
        let first = backoff(1);
        assert!(first >= Duration::from_millis(375) && first <= Duration::from_millis(625));
        let third = backoff(3);
        assert!(third >= Duration::from_millis(1500) && third <= Duration::from_millis(2500));
    }
}
