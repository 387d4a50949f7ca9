//! What a sync writes (`mail_messages` and `transactions`, owned here): each examined message
//! with its outcome, and its transactions, in one transaction per message. Both tables are
//! unique on the message (and index), so a message stored twice (two runs racing, or a run
//! retried after a crash) adds nothing the second time.

use std::collections::HashSet;

use sea_orm::{
    ColumnTrait, DbErr, EntityTrait, QueryFilter, QuerySelect, Set, TransactionTrait,
    TryInsertResult,
};

use super::Syncs;
use crate::alerts::{Outcome, Transaction};
use crate::entities::email_accounts;
use crate::entities::mail_messages::{self, MessageOutcome};
use crate::entities::transactions;

impl Syncs {
    /// Which of `ids` this account has examined before.
    pub(super) async fn seen(
        &self,
        account_id: i32,
        ids: &[String],
    ) -> Result<HashSet<String>, DbErr> {
        let mut seen = HashSet::new();
        for chunk in ids.chunks(500) {
            let found: Vec<String> = mail_messages::Entity::find()
                .select_only()
                .column(mail_messages::Column::MessageId)
                .filter(mail_messages::Column::AccountId.eq(account_id))
                .filter(mail_messages::Column::MessageId.is_in(chunk.iter().cloned()))
                .into_tuple()
                .all(&self.db)
                .await?;
            seen.extend(found);
        }
        Ok(seen)
    }

    /// Records one examined message and its transactions. Returns how many transactions were
    /// new.
    pub(super) async fn record(
        &self,
        account: &email_accounts::Model,
        message_id: &str,
        outcome: &Outcome,
    ) -> Result<usize, DbErr> {
        let now = self.clock.now();
        let (kind, detail) = describe(outcome);
        let txn = self.db.begin().await?;
        let examined = mail_messages::ActiveModel {
            account_id: Set(account.id),
            message_id: Set(message_id.to_owned()),
            outcome: Set(kind),
            detail: Set(detail),
            examined_at: Set(now),
            ..Default::default()
        };
        mail_messages::Entity::insert(examined)
            .on_conflict_do_nothing_on([
                mail_messages::Column::AccountId,
                mail_messages::Column::MessageId,
            ])
            .exec(&txn)
            .await?;
        let mut added = 0;
        if let Outcome::Transactions(found) = outcome {
            for found in found {
                let row = transaction_row(account, message_id, found, now);
                let inserted = transactions::Entity::insert(row)
                    .on_conflict_do_nothing_on([
                        transactions::Column::AccountId,
                        transactions::Column::MessageId,
                        transactions::Column::Idx,
                    ])
                    .exec_without_returning(&txn)
                    .await?;
                if let TryInsertResult::Inserted(rows) = inserted {
                    added += rows as usize;
                }
            }
        }
        txn.commit().await?;
        Ok(added)
    }

    /// Records a message that was not classified: Gmail no longer has it, or cannot give it.
    pub(super) async fn record_unread(
        &self,
        account_id: i32,
        message_id: &str,
        outcome: MessageOutcome,
        detail: Option<String>,
    ) -> Result<(), DbErr> {
        let examined = mail_messages::ActiveModel {
            account_id: Set(account_id),
            message_id: Set(message_id.to_owned()),
            outcome: Set(outcome),
            detail: Set(detail),
            examined_at: Set(self.clock.now()),
            ..Default::default()
        };
        mail_messages::Entity::insert(examined)
            .on_conflict_do_nothing_on([
                mail_messages::Column::AccountId,
                mail_messages::Column::MessageId,
            ])
            .exec(&self.db)
            .await?;
        Ok(())
    }
}

fn describe(outcome: &Outcome) -> (MessageOutcome, Option<String>) {
    match outcome {
        Outcome::Transactions(found) => (
            MessageOutcome::Transactions,
            Some(format!("{} transaction(s)", found.len())),
        ),
        Outcome::NotBank => (MessageOutcome::NotBank, None),
        Outcome::Rejected(why) => (MessageOutcome::Rejected, Some(why.as_str().to_owned())),
        Outcome::Ignored(kind) => (MessageOutcome::Ignored, Some(kind.as_str().to_owned())),
        Outcome::Unparsed { bank, reason } => (
            MessageOutcome::Unparsed,
            Some(format!("{}: {reason}", bank.as_str())),
        ),
    }
}

fn transaction_row(
    account: &email_accounts::Model,
    message_id: &str,
    found: &Transaction,
    now: i64,
) -> transactions::ActiveModel {
    transactions::ActiveModel {
        user_id: Set(account.user_id),
        account_id: Set(account.id),
        mailbox: Set(account.email_address.clone()),
        message_id: Set(message_id.to_owned()),
        idx: Set(found.index as i32),
        bank: Set(found.bank.as_str().to_owned()),
        kind: Set(found.kind.as_str().to_owned()),
        amount_minor: Set(found.amount.minor_units),
        currency: Set(found.amount.currency.code().to_owned()),
        merchant: Set(found.merchant.clone()),
        city: Set(found.city.clone()),
        country: Set(found.country.clone()),
        occurred_at: Set(found.occurred_at.unix_timestamp()),
        card_last4: Set(found.card_last4.clone()),
        authorization: Set(found.authorization.clone()),
        reference: Set(found.reference.clone()),
        memo: Set(found.memo.clone()),
        created_at: Set(now),
        ..Default::default()
    }
}
