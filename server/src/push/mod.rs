//! Push from the mail services, so new mail is synced within seconds: each mailbox's
//! registration (a Gmail watch on the Pub/Sub topic, a Graph subscription to its Inbox), kept
//! renewed, and the deliveries that queue its sync. Owns `mailbox_push`.
//!
//! - Registering: [`Push::run`] registers every active mailbox of a pushed service that has no
//!   working registration, and renews each before it lapses (a Gmail watch daily, a Graph
//!   subscription a day before its expiry). A failure is retried with backoff; until then the
//!   mailbox is synced on the short interval (`sync::Syncs::request_all`).
//! - Deliveries: a Pub/Sub push names a Gmail address ([`Push::gmail_delivery`]); a Graph
//!   notification names its subscription and carries its `clientState`
//!   ([`Push::outlook_notifications`]). Either queues the mailbox's sync through the sync
//!   state's compare-and-swap, so duplicates and bursts queue one sync; a delivery is a hint,
//!   never data, so late, repeated and out-of-order ones are harmless.
//! - Lifecycle: Graph's `subscriptionRemoved` registers the mailbox again, `missed` syncs it,
//!   `reauthorizationRequired` renews at once.

mod deliveries;
pub mod pubsub_token;
mod registration;
pub mod rotation;

pub use deliveries::{GraphNotification, NotificationRefused};

use std::sync::Arc;
use std::time::Duration;

use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QuerySelect};
use secrecy::SecretString;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use crate::accounts::Accounts;
use crate::backoff::Backoff;
use crate::clock::Clock;
use crate::config::PushConfig;
use crate::entities::email_accounts::{self, Provider, Status};
use crate::entities::mailbox_push::{self, PushState};
use crate::provider::MailApis;
use crate::sync::Syncs;
use crate::tokens::TokenService;
use crate::vault::Vault;
use pubsub_token::PubSubTokens;

/// A Gmail watch is renewed this often (Google asks for at least daily; it lapses after 7).
const GMAIL_RENEW_EVERY: i64 = 24 * 3600;
/// A Graph subscription asks for this long (Graph allows just under 7 days for mail).
const GRAPH_LIFETIME: i64 = 3 * 24 * 3600;
/// And is renewed this long before it lapses.
const GRAPH_RENEW_BEFORE: i64 = 24 * 3600;
/// Registrations one round makes at most; the next round goes on.
const ROUND_LIMIT: u64 = 200;
/// How long a claimed registration is left to the instance that claimed it.
const CLAIM_SECS: i64 = 120;
/// How often the renewal round looks, besides when nudged.
const ROUND_EVERY: Duration = Duration::from_secs(30);
/// Retries of a failed registration: a minute, doubling, up to six hours.
const RETRY: Backoff = Backoff::new(Duration::from_secs(60), Duration::from_secs(6 * 3600));

/// What a renewal round did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Round {
    pub registered: usize,
    pub failed: usize,
}

#[derive(Clone)]
pub struct Push(Arc<Inner>);

struct Inner {
    db: DatabaseConnection,
    accounts: Accounts,
    tokens: TokenService,
    mail: MailApis,
    syncs: Syncs,
    vault: Vault,
    clock: Clock,
    config: PushConfig,
    pubsub: Option<PubSubTokens>,
    /// Wakes the renewal round (a mailbox connected, a subscription removed).
    nudge: Notify,
}

impl Push {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        db: DatabaseConnection,
        accounts: Accounts,
        tokens: TokenService,
        mail: MailApis,
        syncs: Syncs,
        vault: Vault,
        config: PushConfig,
        http: reqwest::Client,
    ) -> Self {
        let pubsub = config
            .gmail
            .as_ref()
            .map(|gmail| PubSubTokens::new(http, gmail));
        Self(Arc::new(Inner {
            clock: accounts.clock().clone(),
            db,
            accounts,
            tokens,
            mail,
            syncs,
            vault,
            config,
            pubsub,
            nudge: Notify::new(),
        }))
    }

    /// Whether mailboxes of `provider` are pushed here.
    pub fn is_on(&self, provider: Provider) -> bool {
        match provider {
            Provider::Google => self.0.config.gmail.is_some(),
            Provider::Microsoft => {
                self.0.config.graph_notification_url.is_some() && self.0.mail.outlook.is_some()
            }
        }
    }

    /// The Pub/Sub token checker, when Gmail push is on.
    pub fn pubsub_tokens(&self) -> Option<&PubSubTokens> {
        self.0.pubsub.as_ref()
    }

    /// Asks the renewal round to look now (a mailbox was just connected).
    pub fn nudge(&self) {
        self.0.nudge.notify_one();
    }

    /// Registers and renews until `stop` fires.
    pub async fn run(self, stop: CancellationToken) {
        if !self.is_on(Provider::Google) && !self.is_on(Provider::Microsoft) {
            return;
        }
        loop {
            match self.renew_due().await {
                Ok(Round {
                    registered: 0,
                    failed: 0,
                }) => {}
                Ok(round) => tracing::info!(?round, "push registrations renewed"),
                Err(error) => tracing::warn!(%error, "renewing push registrations failed"),
            }
            tokio::select! {
                () = stop.cancelled() => break,
                () = self.0.nudge.notified() => {}
                () = tokio::time::sleep(ROUND_EVERY) => {}
            }
        }
    }

    /// One round: every pushed mailbox without a registration, or due to renew, registers.
    pub async fn renew_due(&self) -> Result<Round, DbErr> {
        let now = self.0.clock.now();
        let pushed: Vec<Provider> = [Provider::Google, Provider::Microsoft]
            .into_iter()
            .filter(|&provider| self.is_on(provider))
            .collect();
        let unregistered = email_accounts::Entity::find()
            .filter(email_accounts::Column::Status.eq(Status::Active))
            .filter(email_accounts::Column::Provider.is_in(pushed.clone()))
            .filter(
                email_accounts::Column::Id.not_in_subquery(
                    sea_orm::sea_query::Query::select()
                        .column(mailbox_push::Column::AccountId)
                        .from(mailbox_push::Entity)
                        .to_owned(),
                ),
            )
            .limit(ROUND_LIMIT)
            .all(&self.0.db)
            .await?;
        let due_ids: Vec<i32> = mailbox_push::Entity::find()
            .select_only()
            .column(mailbox_push::Column::AccountId)
            .filter(mailbox_push::Column::RenewAt.lte(now))
            .limit(ROUND_LIMIT)
            .into_tuple()
            .all(&self.0.db)
            .await?;
        let due = email_accounts::Entity::find()
            .filter(email_accounts::Column::Id.is_in(due_ids))
            .filter(email_accounts::Column::Status.eq(Status::Active))
            .filter(email_accounts::Column::Provider.is_in(pushed))
            .all(&self.0.db)
            .await?;
        let mut round = Round::default();
        for account in unregistered.iter().chain(&due) {
            // Every instance runs the round: the one that claims the mailbox registers it.
            if !self.claim(account.id).await? {
                continue;
            }
            if self.register(account).await? {
                round.registered += 1;
            } else {
                round.failed += 1;
            }
        }
        Ok(round)
    }

    async fn token(&self, account_id: i32) -> Result<SecretString, String> {
        self.0
            .tokens
            .get_valid_token(account_id)
            .await
            .map_err(|e| e.to_string())
    }

    /// Stops the mailbox's push at its service (best effort) and forgets the registration:
    /// for a mailbox about to be disconnected. A Gmail watch shared with another connection of
    /// the same Google account is left running for it.
    pub async fn forget(&self, account: &email_accounts::Model) -> Result<(), DbErr> {
        let Some(row) = mailbox_push::Entity::find_by_id(account.id)
            .one(&self.0.db)
            .await?
        else {
            return Ok(());
        };
        let stopped = match account.provider {
            Provider::Google => {
                if self
                    .0
                    .accounts
                    .grant_in_use(&account.provider_subject, Some(account.id))
                    .await?
                {
                    Ok(())
                } else {
                    match self.token(account.id).await {
                        Ok(token) => self
                            .0
                            .mail
                            .gmail
                            .stop(account.id, &token)
                            .await
                            .map_err(|e| e.to_string()),
                        Err(error) => Err(error),
                    }
                }
            }
            Provider::Microsoft => match (&self.0.mail.outlook, &row.subscription_id) {
                (Some((outlook, _)), Some(id)) => match self.token(account.id).await {
                    Ok(token) => outlook
                        .unsubscribe(account.id, &token, id)
                        .await
                        .map_err(|e| e.to_string()),
                    Err(error) => Err(error),
                },
                _ => Ok(()),
            },
        };
        if let Err(error) = stopped {
            // It lapses on its own (Gmail within a week, Graph within three days), and its
            // deliveries name a mailbox no longer here.
            tracing::warn!(account_id = account.id, %error, "stopping push failed");
        }
        mailbox_push::Entity::delete_by_id(account.id)
            .exec(&self.0.db)
            .await?;
        Ok(())
    }
}

/// How many mailboxes of a service are in a push state, and when the newest delivery came.
#[derive(Debug, sea_orm::FromQueryResult)]
pub struct CensusRow {
    pub provider: Provider,
    pub state: PushState,
    pub mailboxes: i64,
    pub last_delivery_at: Option<i64>,
}

impl Push {
    /// Mailboxes per service and push state, with each group's newest delivery (for
    /// `/metrics`).
    pub async fn census(&self) -> Result<Vec<CensusRow>, DbErr> {
        use sea_orm::{FromQueryResult, Statement};
        let backend = self.0.db.get_database_backend();
        let sql = "SELECT a.provider AS provider, p.state AS state, COUNT(*) AS mailboxes, \
                   MAX(p.last_delivery_at) AS last_delivery_at \
                   FROM mailbox_push p JOIN email_accounts a ON a.id = p.account_id \
                   GROUP BY a.provider, p.state";
        CensusRow::find_by_statement(Statement::from_string(backend, sql))
            .all(&self.0.db)
            .await
    }

    pub fn clock(&self) -> &Clock {
        &self.0.clock
    }
}

/// The mail service's name in metrics.
pub fn service(provider: Provider) -> &'static str {
    match provider {
        Provider::Google => "gmail",
        Provider::Microsoft => "outlook",
    }
}
