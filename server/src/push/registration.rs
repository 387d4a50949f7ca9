//! Registering one mailbox's push: the claim that keeps other instances' rounds off it, then
//! a Gmail watch or a Graph subscription (renewed in place while it runs), and the row that
//! records how it went.

use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, DbErr, EntityTrait, QueryFilter, Set};

use super::{
    CLAIM_SECS, GMAIL_RENEW_EVERY, GRAPH_LIFETIME, GRAPH_RENEW_BEFORE, Push, RETRY, service,
};
use crate::entities::SealedField;
use crate::entities::email_accounts::{self, Provider};
use crate::entities::mailbox_push::{self, PushState};
use crate::provider::mail::MailError;
use crate::secrets::random_token;

impl Push {
    /// Claims a mailbox's registration for this round, by compare-and-swap on its `renew_at`
    /// (a mailbox never registered gets a placeholder row, inserted once): another instance's
    /// round leaves it alone until [`CLAIM_SECS`] have passed, so a Graph mailbox is never
    /// subscribed twice. Returns whether this round has it.
    pub(super) async fn claim(&self, account_id: i32) -> Result<bool, DbErr> {
        let now = self.0.clock.now();
        let placeholder = mailbox_push::ActiveModel {
            account_id: Set(account_id),
            state: Set(PushState::Failed),
            expires_at: Set(None),
            renew_at: Set(now + CLAIM_SECS),
            subscription_id: Set(None),
            client_state: Set(None),
            failures: Set(0),
            last_delivery_at: Set(None),
        };
        let inserted = mailbox_push::Entity::insert(placeholder)
            .on_conflict_do_nothing_on([mailbox_push::Column::AccountId])
            .exec_without_returning(&self.0.db)
            .await?;
        if matches!(inserted, sea_orm::TryInsertResult::Inserted(rows) if rows > 0) {
            return Ok(true);
        }
        let claimed = mailbox_push::Entity::update_many()
            .col_expr(
                mailbox_push::Column::RenewAt,
                sea_orm::sea_query::Expr::value(now + CLAIM_SECS),
            )
            .filter(mailbox_push::Column::AccountId.eq(account_id))
            .filter(mailbox_push::Column::RenewAt.lte(now))
            .exec(&self.0.db)
            .await?;
        Ok(claimed.rows_affected == 1)
    }

    /// Registers (or renews) one mailbox's push and records how it went. Returns whether it
    /// worked.
    pub async fn register(&self, account: &email_accounts::Model) -> Result<bool, DbErr> {
        let existing = mailbox_push::Entity::find_by_id(account.id)
            .one(&self.0.db)
            .await?;
        let outcome = match account.provider {
            Provider::Google => self.watch_gmail(account).await,
            Provider::Microsoft => self.subscribe_outlook(account, existing.as_ref()).await,
        };
        let now = self.0.clock.now();
        let row = match outcome {
            Ok(registered) => mailbox_push::ActiveModel {
                account_id: Set(account.id),
                state: Set(PushState::Active),
                expires_at: Set(Some(registered.expires_at)),
                renew_at: Set(registered.renew_at),
                subscription_id: Set(registered.subscription_id),
                client_state: Set(registered.client_state),
                failures: Set(0),
                last_delivery_at: Set(existing.as_ref().and_then(|e| e.last_delivery_at)),
            },
            Err(error) => {
                let failures = existing.as_ref().map_or(0, |e| e.failures) + 1;
                let wait = RETRY.after(u32::try_from(failures).unwrap_or(u32::MAX));
                tracing::warn!(account_id = account.id, %error, ?wait, "push registration failed");
                // A registration that still runs keeps its id, so it can be renewed or deleted.
                let keep = existing
                    .as_ref()
                    .filter(|e| e.expires_at.is_some_and(|at| at > now));
                mailbox_push::ActiveModel {
                    account_id: Set(account.id),
                    state: Set(PushState::Failed),
                    expires_at: Set(keep.and_then(|e| e.expires_at)),
                    renew_at: Set(now + wait.as_secs() as i64),
                    subscription_id: Set(keep.and_then(|e| e.subscription_id.clone())),
                    client_state: Set(keep.and_then(|e| e.client_state.clone())),
                    failures: Set(failures),
                    last_delivery_at: Set(existing.as_ref().and_then(|e| e.last_delivery_at)),
                }
            }
        };
        let worked = row.state.as_ref() == &PushState::Active;
        mailbox_push::Entity::insert(row)
            .on_conflict(
                OnConflict::column(mailbox_push::Column::AccountId)
                    .update_columns([
                        mailbox_push::Column::State,
                        mailbox_push::Column::ExpiresAt,
                        mailbox_push::Column::RenewAt,
                        mailbox_push::Column::SubscriptionId,
                        mailbox_push::Column::ClientState,
                        mailbox_push::Column::Failures,
                    ])
                    .to_owned(),
            )
            .exec(&self.0.db)
            .await?;
        metrics::counter!(
            "mailconnect_push_registrations_total",
            "service" => service(account.provider),
            "outcome" => if worked { "registered" } else { "failed" },
        )
        .increment(1);
        Ok(worked)
    }

    async fn watch_gmail(&self, account: &email_accounts::Model) -> Result<Registered, String> {
        let gmail = self.0.config.gmail.as_ref().ok_or("Gmail push is off")?;
        let token = self.token(account.id).await?;
        let watch = self
            .0
            .mail
            .gmail
            .watch(account.id, &token, &gmail.topic)
            .await
            .map_err(|e| e.to_string())?;
        let now = self.0.clock.now();
        Ok(Registered {
            expires_at: watch.expires_at,
            renew_at: std::cmp::min(now + GMAIL_RENEW_EVERY, watch.expires_at),
            subscription_id: None,
            client_state: None,
        })
    }

    async fn subscribe_outlook(
        &self,
        account: &email_accounts::Model,
        existing: Option<&mailbox_push::Model>,
    ) -> Result<Registered, String> {
        let url = self
            .0
            .config
            .graph_notification_url
            .as_ref()
            .ok_or("Outlook push is off")?;
        let (outlook, _) = self.0.mail.outlook.as_ref().ok_or("Microsoft is off")?;
        let token = self.token(account.id).await?;
        let expires_at = self.0.clock.now() + GRAPH_LIFETIME;
        // A working subscription is renewed; one removed or lapsed is made again.
        let running = existing.filter(|e| {
            e.state == PushState::Active && e.expires_at.is_some_and(|at| at > self.0.clock.now())
        });
        if let Some((id, sealed)) =
            running.and_then(|e| Some((e.subscription_id.clone()?, e.client_state.clone()?)))
        {
            match outlook.renew(account.id, &token, &id, expires_at).await {
                Ok(renewed) => {
                    return Ok(Registered {
                        expires_at: renewed.expires_at,
                        renew_at: renewed.expires_at - GRAPH_RENEW_BEFORE,
                        subscription_id: Some(renewed.id),
                        client_state: Some(sealed),
                    });
                }
                // Gone at Graph: subscribe anew below.
                Err(MailError::NotFound) => {}
                Err(error) => return Err(error.to_string()),
            }
        }
        let client_state = random_token();
        let created = outlook
            .subscribe(account.id, &token, url, &client_state, expires_at)
            .await
            .map_err(|e| e.to_string())?;
        let row = account.id.to_string();
        let sealed = self
            .0
            .vault
            .seal(SealedField::ClientState.binding(&row), &client_state);
        Ok(Registered {
            expires_at: created.expires_at,
            renew_at: created.expires_at - GRAPH_RENEW_BEFORE,
            subscription_id: Some(created.id),
            client_state: Some(sealed),
        })
    }
}

/// A registration that worked.
struct Registered {
    expires_at: i64,
    renew_at: i64,
    subscription_id: Option<String>,
    client_state: Option<String>,
}
