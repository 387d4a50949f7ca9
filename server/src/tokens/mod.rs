//! Fresh access tokens for workers, and the background refresher.
//!
//! `get_valid_token` returns the stored access token while it is good for more than five
//! minutes, and otherwise refreshes it. However many ask at once, an account is refreshed once:
//! callers in one process share one refresh (single-flight), and processes share the database
//! through the account's lease (`accounts::lease`), re-checked after it is taken.
//!
//! Failures are classified (see [`TokenFailure`]): only a dead grant marks an account
//! `needs_reconnect`; network trouble backs off and retries, and the account stays active.
//! Every write goes through [`Accounts`].

mod refresh;
pub mod refresher;
mod timing;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sea_orm::DbErr;
use secrecy::{ExposeSecret, SecretString};
use tokio::sync::OnceCell;

use crate::accounts::Accounts;
use crate::entities::SealedField;
use crate::entities::email_accounts::Provider;
use crate::entities::email_accounts::{self, Status};
use crate::provider::Providers;
use crate::secrets::random_token;

pub use refresher::Round;
pub use timing::Timing;

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

type Shared = Arc<OnceCell<Result<SecretString, TokenFailure>>>;

#[derive(Clone)]
pub struct TokenService {
    inner: Arc<Inner>,
}

struct Inner {
    accounts: Accounts,
    providers: Providers,
    /// This process's name on leases.
    owner: String,
    timing: Timing,
    in_flight: Mutex<HashMap<i32, Shared>>,
    /// Accounts whose refresh token this process cannot open, with the ciphertext it failed
    /// on: not tried again until that changes (`rotate-keys`) or the process restarts with
    /// other keys.
    unreadable: Mutex<HashMap<i32, String>>,
    /// Set while a provider's token endpoint rejects our OAuth client.
    client: Mutex<HashMap<Provider, ClientRejection>>,
}

/// The token endpoint said `invalid_client`: every refresh would fail alike until the
/// configuration is fixed, so refreshes pause (globally, backing off) instead of each account
/// trying on every round, and the error is logged at most once a minute.
#[derive(Default)]
struct ClientRejection {
    until: Option<Instant>,
    pause: Duration,
    logged_at: Option<Instant>,
}

/// The first pause after the client is rejected; it doubles up to [`MAX_CLIENT_PAUSE`].
const FIRST_CLIENT_PAUSE: Duration = Duration::from_secs(60);
const MAX_CLIENT_PAUSE: Duration = Duration::from_secs(15 * 60);
const CLIENT_LOG_EVERY: Duration = Duration::from_secs(60);

impl TokenService {
    pub fn new(accounts: Accounts, providers: Providers, timing: Timing) -> Self {
        let owner = random_token().expose_secret()[..16].to_owned();
        let inner = Inner {
            accounts,
            providers,
            owner,
            timing,
            in_flight: Mutex::new(HashMap::new()),
            unreadable: Mutex::new(HashMap::new()),
            client: Mutex::new(HashMap::new()),
        };
        Self {
            inner: Arc::new(inner),
        }
    }

    fn now(&self) -> i64 {
        self.inner.accounts.clock().now()
    }

    /// Whether refreshes are paused because `provider`'s token endpoint rejects our client.
    fn client_paused(&self, provider: Provider) -> bool {
        let clients = self.inner.client.lock().expect("client state");
        clients
            .get(&provider)
            .and_then(|client| client.until)
            .is_some_and(|until| Instant::now() < until)
    }

    /// The token endpoint rejected our client: pause that provider's refreshes, longer each
    /// time.
    fn client_rejected(&self, provider: Provider, reason: &str) {
        let mut clients = self.inner.client.lock().expect("client state");
        let client = clients.entry(provider).or_default();
        client.pause = (client.pause * 2).clamp(FIRST_CLIENT_PAUSE, MAX_CLIENT_PAUSE);
        client.until = Some(Instant::now() + client.pause);
        if client
            .logged_at
            .is_none_or(|at| at.elapsed() >= CLIENT_LOG_EVERY)
        {
            client.logged_at = Some(Instant::now());
            tracing::error!(
                %reason,
                provider = provider.as_str(),
                pause_secs = client.pause.as_secs(),
                "configuration error: the token endpoint rejects our OAuth client \
                 (GOOGLE_ or MICROSOFT_CLIENT_ID / _CLIENT_SECRET); the provider's refreshes are \
                 paused, accounts left untouched"
            );
        }
    }

    /// The token endpoint answered something other than `invalid_client`.
    fn client_accepted(&self, provider: Provider) {
        let mut clients = self.inner.client.lock().expect("client state");
        if clients.remove(&provider).is_some_and(|c| c.until.is_some()) {
            tracing::info!(
                provider = provider.as_str(),
                "the token endpoint accepts our OAuth client again"
            );
        }
    }

    /// Whether this account's refresh token already failed to open, unchanged since.
    fn known_unreadable(&self, account_id: i32, sealed: &str) -> bool {
        let unreadable = self.inner.unreadable.lock().expect("unreadable map");
        unreadable.get(&account_id).is_some_and(|s| s == sealed)
    }

    /// Remembers an account whose refresh token cannot be opened (logged once, counted in
    /// `mailconnect_accounts_unreadable`).
    fn mark_unreadable(&self, account_id: i32, sealed: &str) {
        let mut unreadable = self.inner.unreadable.lock().expect("unreadable map");
        unreadable.insert(account_id, sealed.to_owned());
        metrics::gauge!("mailconnect_accounts_unreadable").set(unreadable.len() as f64);
    }

    fn mark_readable(&self, account_id: i32) {
        let mut unreadable = self.inner.unreadable.lock().expect("unreadable map");
        if unreadable.remove(&account_id).is_some() {
            metrics::gauge!("mailconnect_accounts_unreadable").set(unreadable.len() as f64);
        }
    }

    /// A valid access token for the account: the stored one while it is good for more than
    /// five minutes, else a refreshed one.
    pub async fn get_valid_token(&self, account_id: i32) -> Result<SecretString, TokenFailure> {
        let row = self.load(account_id).await?;
        if let Some(token) = self.usable_token(&row, self.now())? {
            return Ok(token);
        }
        self.refresh_once(account_id).await
    }

    /// A new access token after the provider refused `rejected` (say, revoked early): refreshes
    /// unless another caller already replaced it, and returns the replacement.
    pub async fn renew_token(
        &self,
        account_id: i32,
        rejected: &SecretString,
    ) -> Result<SecretString, TokenFailure> {
        self.load(account_id).await?;
        self.refresh_under_lease(account_id, refresh::Purpose::Renew(rejected.clone()))
            .await
            .and_then(|token| token.ok_or(TokenFailure::Unavailable))
    }

    /// In-process single-flight: the first caller refreshes, the others await its result.
    async fn refresh_once(&self, account_id: i32) -> Result<SecretString, TokenFailure> {
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
                self.refresh_under_lease(account_id, refresh::Purpose::Use)
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
        let row = self
            .inner
            .accounts
            .find(account_id)
            .await
            .map_err(db_failure)?
            .ok_or(TokenFailure::NotFound)?;
        match row.status {
            Status::Active => Ok(row),
            Status::NeedsReconnect => Err(TokenFailure::NeedsReconnect),
            Status::Disconnected => Err(TokenFailure::Disconnected),
        }
    }

    /// The stored access token, if it is good for more than five minutes.
    fn usable_token(
        &self,
        row: &email_accounts::Model,
        now: i64,
    ) -> Result<Option<SecretString>, TokenFailure> {
        if row.token_expires_at - now <= MIN_VALIDITY_SECS {
            return Ok(None);
        }
        self.open_access(row).map(Some)
    }

    fn open_access(&self, row: &email_accounts::Model) -> Result<SecretString, TokenFailure> {
        match self.inner.accounts.open(row, SealedField::AccessToken) {
            None => Err(TokenFailure::NeedsReconnect),
            Some(Ok(token)) => Ok(token),
            Some(Err(error)) => {
                tracing::error!(account_id = row.id, %error, "access token cannot be opened");
                Err(TokenFailure::Sealed)
            }
        }
    }
}
