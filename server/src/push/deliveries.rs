//! Deliveries: Pub/Sub's pushes for Gmail and Graph's notifications for Outlook, each queueing
//! its mailbox's sync; and Graph's lifecycle events.

use sea_orm::sea_query::{Expr, ExprTrait, Func};
use sea_orm::{ColumnTrait, DbErr, EntityTrait, QueryFilter, QuerySelect};
use secrecy::ExposeSecret;
use subtle::ConstantTimeEq;

use super::Push;
use crate::entities::SealedField;
use crate::entities::email_accounts::{self, Provider, Status};
use crate::entities::mailbox_push::{self, PushState};

/// A Graph notification, as its body lists them (`value`).
#[derive(Debug, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GraphNotification {
    pub subscription_id: String,
    #[serde(default)]
    pub client_state: Option<String>,
    /// Set on lifecycle notifications: `subscriptionRemoved`, `missed`,
    /// `reauthorizationRequired`.
    #[serde(default)]
    pub lifecycle_event: Option<String>,
}

/// Why a batch of Graph notifications was refused (401, nothing done).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum NotificationRefused {
    #[error("a notification names no subscription of ours")]
    UnknownSubscription,
    #[error("a notification's clientState does not match its subscription's")]
    WrongClientState,
}

impl Push {
    /// A Pub/Sub delivery (already authenticated) says the Gmail mailbox `email` changed:
    /// queues a sync of every active, watched connection of it. Returns how many were queued.
    pub async fn gmail_delivery(&self, email: &str) -> Result<usize, DbErr> {
        let accounts: Vec<i32> = email_accounts::Entity::find()
            .select_only()
            .column(email_accounts::Column::Id)
            .filter(email_accounts::Column::Provider.eq(Provider::Google))
            .filter(email_accounts::Column::Status.eq(Status::Active))
            .filter(
                Expr::expr(Func::lower(Expr::col(email_accounts::Column::EmailAddress)))
                    .eq(email.to_lowercase()),
            )
            .into_tuple()
            .all(&self.0.db)
            .await?;
        self.delivered(&accounts, "gmail").await
    }

    /// Graph's notifications, each checked against its subscription's `clientState` (in
    /// constant time). All must check, or none is acted on.
    pub async fn outlook_notifications(
        &self,
        notifications: &[GraphNotification],
    ) -> Result<usize, NotificationRefused> {
        let mut checked = Vec::with_capacity(notifications.len());
        for notification in notifications {
            let row = mailbox_push::Entity::find()
                .filter(mailbox_push::Column::SubscriptionId.eq(&notification.subscription_id))
                .one(&self.0.db)
                .await
                .map_err(|error| {
                    tracing::warn!(%error, "reading a subscription failed");
                    NotificationRefused::UnknownSubscription
                })?
                .ok_or(NotificationRefused::UnknownSubscription)?;
            let bound_to = row.account_id.to_string();
            let binding = SealedField::ClientState.binding(&bound_to);
            let expected = row
                .client_state
                .as_deref()
                .and_then(|sealed| self.0.vault.open(binding, sealed).ok())
                .ok_or(NotificationRefused::WrongClientState)?;
            let given = notification.client_state.as_deref().unwrap_or_default();
            if !bool::from(expected.expose_secret().as_bytes().ct_eq(given.as_bytes())) {
                return Err(NotificationRefused::WrongClientState);
            }
            checked.push((row.account_id, notification.lifecycle_event.as_deref()));
        }
        let mut changed = Vec::new();
        for (account_id, lifecycle) in checked {
            match lifecycle {
                None | Some("missed") => changed.push(account_id),
                Some("subscriptionRemoved") => {
                    // Registered again at once; its mail meanwhile is the sync's to find.
                    self.renew_now(account_id, true).await;
                    changed.push(account_id);
                }
                Some("reauthorizationRequired") => self.renew_now(account_id, false).await,
                Some(other) => tracing::info!(event = other, "an unknown Graph lifecycle event"),
            }
        }
        self.delivered(&changed, "outlook").await.map_err(|error| {
            tracing::warn!(%error, "queueing pushed syncs failed");
            NotificationRefused::UnknownSubscription
        })
    }

    /// Marks a registration due now (`removed`: it no longer exists at the service) and wakes
    /// the round.
    async fn renew_now(&self, account_id: i32, removed: bool) {
        let mut update = mailbox_push::Entity::update_many().col_expr(
            mailbox_push::Column::RenewAt,
            Expr::value(self.0.clock.now()),
        );
        if removed {
            update = update
                .col_expr(mailbox_push::Column::State, Expr::value(PushState::Failed))
                .col_expr(
                    mailbox_push::Column::SubscriptionId,
                    Expr::value(Option::<String>::None),
                )
                .col_expr(
                    mailbox_push::Column::ExpiresAt,
                    Expr::value(Option::<i64>::None),
                );
        }
        let updated = update
            .filter(mailbox_push::Column::AccountId.eq(account_id))
            .exec(&self.0.db)
            .await;
        if let Err(error) = updated {
            tracing::warn!(%error, "marking a subscription for renewal failed");
        }
        self.nudge();
    }

    /// Queues a sync of each mailbox (a duplicate request is dropped by the sync state) and
    /// notes the delivery.
    async fn delivered(&self, accounts: &[i32], service: &'static str) -> Result<usize, DbErr> {
        let now = self.0.clock.now();
        let mut queued = 0;
        for &account_id in accounts {
            if self.0.syncs.request(account_id).await? {
                queued += 1;
            }
        }
        if !accounts.is_empty() {
            mailbox_push::Entity::update_many()
                .col_expr(mailbox_push::Column::LastDeliveryAt, Expr::value(now))
                .filter(mailbox_push::Column::AccountId.is_in(accounts.iter().copied()))
                .exec(&self.0.db)
                .await?;
        }
        metrics::counter!("mailconnect_push_deliveries_total", "service" => service).increment(1);
        Ok(queued)
    }
}
