//! What a sync writes (`mail_messages` and `transactions`, owned here): each examined message
//! with its outcome and the classifier version that decided it, and its transactions, in one
//! transaction per message. Both tables are unique on the message (and index), so a message
//! stored twice (two runs racing, or a run retried after a crash) adds nothing the second time,
//! and a message read again by a newer classifier replaces its outcome once and adds each
//! transaction once. Transactions are also unique on the user and the alert they came from:
//! the same alert in a second mailbox of the user adds no row, it names that mailbox on the
//! first one's.

use std::collections::HashSet;

use sea_orm::{
    ActiveValue, ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter,
    QuerySelect, Set, TransactionTrait, TryInsertResult,
};

use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};

use super::Syncs;
use crate::alerts::{CLASSIFIER_VERSION, Examined, Outcome, Refusal, Transaction};
use crate::categories;
use crate::entities::email_accounts;
use crate::entities::mail_messages::{self, MAX_FETCH_TRIES, MessageOutcome, SECOND_ATTEMPT};
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

    /// Records one examined message and its transactions, under this classifier version: a
    /// new row, or an update of a row an older version wrote (read again). Returns how many
    /// transactions were new; nothing when a run already recorded it under this version.
    pub(super) async fn record(
        &self,
        account: &email_accounts::Model,
        message_id: &str,
        examined: &Examined,
    ) -> Result<usize, DbErr> {
        let (outcome, detail) = describe(&examined.outcome);
        let detail = detail.map(bounded);
        let row = mail_messages::ActiveModel {
            account_id: Set(account.id),
            message_id: Set(message_id.to_owned()),
            outcome: Set(outcome),
            detail: Set(detail),
            examined_at: Set(self.clock.now()),
            classifier_version: Set(CLASSIFIER_VERSION),
            bank: Set(examined.bank.map(|b| b.as_str().to_owned())),
            subject: Set(examined.subject.clone()),
            sent_at: Set(examined.sent_at),
            ..Default::default()
        };
        let now = self.clock.now();
        let txn = self.db.begin().await?;
        if !store_examined(&txn, row).await? {
            txn.commit().await?;
            return Ok(0);
        }
        let mut added = 0;
        if let Outcome::Transactions(found) = &examined.outcome {
            for found in found {
                let row = transaction_row(account, message_id, found, now);
                // Either uniqueness (this message's row, or this alert's) means: nothing new.
                let inserted = transactions::Entity::insert(row)
                    .on_conflict(OnConflict::new().do_nothing().to_owned())
                    .try_insert()
                    .exec_without_returning(&txn)
                    .await?;
                match inserted {
                    TryInsertResult::Inserted(rows) if rows > 0 => added += rows as usize,
                    _ => {
                        if let Some(key) = alert_key(found) {
                            seen_also_in(&txn, account, &key).await?;
                        }
                    }
                }
            }
        }
        if added > 0 {
            super::sums::changed(&txn, account.user_id).await?;
        }
        txn.commit().await?;
        Ok(added)
    }

    /// Records a message that was not classified: the mail service no longer has it, or
    /// cannot give it.
    pub(super) async fn record_unread(
        &self,
        account_id: i32,
        message_id: &str,
        outcome: MessageOutcome,
        detail: Option<String>,
    ) -> Result<(), DbErr> {
        let row = mail_messages::ActiveModel {
            account_id: Set(account_id),
            message_id: Set(message_id.to_owned()),
            outcome: Set(outcome),
            detail: Set(detail.map(bounded)),
            examined_at: Set(self.clock.now()),
            classifier_version: Set(CLASSIFIER_VERSION),
            ..Default::default()
        };
        store_examined(&self.db, row).await?;
        Ok(())
    }

    /// Counts a fetch of a message that failed (after the call's own retries): a new row,
    /// `unfetched`, for the next runs to fetch again, or one more try on its row. An unfetched
    /// message that reaches [`MAX_FETCH_TRIES`] is recorded unreadable with the reason; a
    /// message being read again stops being read again there. Returns whether it gave up.
    pub(super) async fn record_fetch_failure(
        &self,
        account_id: i32,
        message_id: &str,
        reason: &str,
    ) -> Result<bool, DbErr> {
        let row = mail_messages::ActiveModel {
            account_id: Set(account_id),
            message_id: Set(message_id.to_owned()),
            outcome: Set(MessageOutcome::Unfetched),
            detail: Set(Some(bounded(reason.to_owned()))),
            examined_at: Set(self.clock.now()),
            classifier_version: Set(CLASSIFIER_VERSION),
            tries: Set(1),
            ..Default::default()
        };
        let inserted = mail_messages::Entity::insert(row)
            .on_conflict_do_nothing_on([
                mail_messages::Column::AccountId,
                mail_messages::Column::MessageId,
            ])
            .exec_without_returning(&self.db)
            .await?;
        if matches!(inserted, TryInsertResult::Inserted(rows) if rows > 0) {
            return Ok(false);
        }
        let this = Condition::all()
            .add(mail_messages::Column::AccountId.eq(account_id))
            .add(mail_messages::Column::MessageId.eq(message_id));
        mail_messages::Entity::update_many()
            .col_expr(
                mail_messages::Column::Tries,
                Expr::col(mail_messages::Column::Tries).add(1),
            )
            .filter(this.clone())
            .exec(&self.db)
            .await?;
        let gave_up = mail_messages::Entity::update_many()
            .col_expr(
                mail_messages::Column::Outcome,
                Expr::value(MessageOutcome::Unreadable),
            )
            .col_expr(
                mail_messages::Column::Detail,
                Expr::value(bounded(format!("{reason} ({MAX_FETCH_TRIES} tries)"))),
            )
            .filter(this)
            .filter(mail_messages::Column::Outcome.eq(MessageOutcome::Unfetched))
            .filter(mail_messages::Column::Tries.gte(MAX_FETCH_TRIES))
            .exec(&self.db)
            .await?;
        Ok(gave_up.rows_affected > 0)
    }

    /// Marks a message as being classified, before anything parses it (a new row, or one an
    /// older classifier wrote and this one reads again). A row already marked, left by a run
    /// that died while reading it, is marked as read a second time: if that run dies too, the
    /// message is refused (see [`Self::refuse_interrupted`]).
    pub(super) async fn mark_classifying(
        &self,
        account_id: i32,
        message_id: &str,
    ) -> Result<(), DbErr> {
        let again = mail_messages::Entity::update_many()
            .col_expr(mail_messages::Column::Detail, Expr::value(SECOND_ATTEMPT))
            .filter(mail_messages::Column::AccountId.eq(account_id))
            .filter(mail_messages::Column::MessageId.eq(message_id))
            .filter(mail_messages::Column::Outcome.eq(MessageOutcome::Classifying))
            .exec(&self.db)
            .await?;
        if again.rows_affected > 0 {
            return Ok(());
        }
        let row = mail_messages::ActiveModel {
            account_id: Set(account_id),
            message_id: Set(message_id.to_owned()),
            outcome: Set(MessageOutcome::Classifying),
            detail: Set(None),
            examined_at: Set(self.clock.now()),
            classifier_version: Set(CLASSIFIER_VERSION),
            ..Default::default()
        };
        store_examined(&self.db, row).await?;
        Ok(())
    }

    /// Refuses this account's messages whose reading was interrupted twice: both runs reading
    /// them died (a message that kills the process must not kill every next one). Called at
    /// the start of a run, which holds the mailbox's lease. A message interrupted once (a
    /// restart, a crash elsewhere) is read again by [`Self::to_read_again`]. Returns how many
    /// were refused.
    pub(super) async fn refuse_interrupted(&self, account_id: i32) -> Result<u64, DbErr> {
        let done = mail_messages::Entity::update_many()
            .col_expr(
                mail_messages::Column::Outcome,
                Expr::value(MessageOutcome::Refused),
            )
            .col_expr(
                mail_messages::Column::Detail,
                Expr::value(Refusal::Interrupted.as_str()),
            )
            .filter(mail_messages::Column::AccountId.eq(account_id))
            .filter(mail_messages::Column::Outcome.eq(MessageOutcome::Classifying))
            .filter(mail_messages::Column::Detail.eq(SECOND_ATTEMPT))
            .exec(&self.db)
            .await?;
        Ok(done.rows_affected)
    }

    /// The messages of this account that an older classifier examined since `since` and left
    /// without transactions ([`MessageOutcome::READ_AGAIN`]), those whose reading a dead run
    /// interrupted once, and those the mail service failed to give: the sync fetches and reads
    /// them again (a message whose fetch failed [`MAX_FETCH_TRIES`] times, no more).
    pub(super) async fn to_read_again(
        &self,
        account_id: i32,
        since: i64,
    ) -> Result<Vec<String>, DbErr> {
        mail_messages::Entity::find()
            .select_only()
            .column(mail_messages::Column::MessageId)
            .filter(mail_messages::Column::AccountId.eq(account_id))
            .filter(
                Condition::any()
                    .add(
                        Condition::all()
                            .add(mail_messages::Column::ClassifierVersion.lt(CLASSIFIER_VERSION))
                            .add(mail_messages::Column::Outcome.is_in(MessageOutcome::READ_AGAIN))
                            .add(mail_messages::Column::ExaminedAt.gte(since)),
                    )
                    .add(
                        mail_messages::Column::Outcome
                            .is_in([MessageOutcome::Classifying, MessageOutcome::Unfetched]),
                    ),
            )
            .filter(mail_messages::Column::Tries.lt(MAX_FETCH_TRIES))
            .into_tuple()
            .all(&self.db)
            .await
    }
}

/// Inserts the examined message's row, or, when an older classifier version wrote it, it is
/// marked as being classified or it was never fetched, replaces that row's outcome. False when
/// the row is already there, decided under this version (nothing to do).
async fn store_examined(
    db: &impl ConnectionTrait,
    row: mail_messages::ActiveModel,
) -> Result<bool, DbErr> {
    let inserted = mail_messages::Entity::insert(row.clone())
        .on_conflict_do_nothing_on([
            mail_messages::Column::AccountId,
            mail_messages::Column::MessageId,
        ])
        .exec_without_returning(db)
        .await?;
    if let TryInsertResult::Inserted(rows) = inserted
        && rows > 0
    {
        return Ok(true);
    }
    let (ActiveValue::Set(account_id), ActiveValue::Set(message_id)) =
        (row.account_id.clone(), row.message_id.clone())
    else {
        return Ok(false);
    };
    let updated = mail_messages::Entity::update_many()
        .set(row)
        .filter(mail_messages::Column::AccountId.eq(account_id))
        .filter(mail_messages::Column::MessageId.eq(message_id))
        .filter(
            Condition::any()
                .add(mail_messages::Column::ClassifierVersion.lt(CLASSIFIER_VERSION))
                .add(
                    mail_messages::Column::Outcome
                        .is_in([MessageOutcome::Classifying, MessageOutcome::Unfetched]),
                ),
        )
        .exec(db)
        .await?;
    Ok(updated.rows_affected > 0)
}

/// The most a stored `detail` holds: a reason, never a quote.
pub const MAX_DETAIL_CHARS: usize = 200;

/// `detail` cut to [`MAX_DETAIL_CHARS`].
fn bounded(mut detail: String) -> String {
    if let Some((at, _)) = detail.char_indices().nth(MAX_DETAIL_CHARS) {
        detail.truncate(at);
    }
    detail
}

/// The outcome as stored, with its reason: the classifier's own words (a kind, a missing
/// label, what is wrong with an amount), never text quoted from the mail.
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
        Outcome::Refused(why) => (MessageOutcome::Refused, Some(why.as_str().to_owned())),
        Outcome::UnknownLayout { bank } => (
            MessageOutcome::UnknownLayout,
            Some(format!(
                "{}: a layout the classifier does not know",
                bank.as_str()
            )),
        ),
    }
}

/// What identifies an alert across mailboxes: bank, kind, amount, time, card and its reference
/// or authorization. `None` without either: two such alerts cannot be told apart from one.
pub fn alert_key(found: &Transaction) -> Option<String> {
    let reference = found
        .reference
        .as_deref()
        .or(found.authorization.as_deref())?;
    Some(format!(
        "{}|{}|{}{}|{}|{}|{reference}",
        found.bank.as_str(),
        found.kind.as_str(),
        found.amount.currency.code(),
        found.amount.minor_units,
        found.occurred_at.unix_timestamp(),
        found.card_last4.as_deref().unwrap_or_default(),
    ))
}

/// Names `account`'s mailbox on the user's transaction of this alert, found first in another
/// of their mailboxes (once).
async fn seen_also_in(
    db: &impl ConnectionTrait,
    account: &email_accounts::Model,
    key: &str,
) -> Result<(), DbErr> {
    let Some(first) = transactions::Entity::find()
        .filter(transactions::Column::UserId.eq(account.user_id))
        .filter(transactions::Column::AlertKey.eq(key))
        .one(db)
        .await?
    else {
        return Ok(());
    };
    let mailbox = account.email_address.as_str();
    let listed = first
        .seen_in
        .as_deref()
        .is_some_and(|seen| seen.split(", ").any(|m| m == mailbox));
    if first.mailbox == mailbox || listed {
        return Ok(());
    }
    let seen_in = match first.seen_in {
        Some(seen) => format!("{seen}, {mailbox}"),
        None => mailbox.to_owned(),
    };
    transactions::Entity::update_many()
        .col_expr(transactions::Column::SeenIn, Expr::value(seen_in))
        .filter(transactions::Column::Id.eq(first.id))
        .exec(db)
        .await?;
    Ok(())
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
        alert_key: Set(alert_key(found)),
        merchant_key: Set(found.merchant.as_deref().map(categories::merchant_key)),
        category: Set(Some(
            categories::built_in(found.kind, found.merchant.as_deref())
                .as_str()
                .to_owned(),
        )),
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alerts::{self, fixtures};

    #[test]
    fn a_detail_is_bounded() {
        assert_eq!(bounded("ñ".repeat(500)).chars().count(), MAX_DETAIL_CHARS);
        assert_eq!(
            bounded("no \"Monto\" in the body".into()),
            "no \"Monto\" in the body"
        );
    }

    /// Every sample mail's stored reason is the classifier's own words: no run of 12
    /// characters of it is found in the mail.
    #[test]
    fn a_detail_never_quotes_the_mail() {
        for fixture in fixtures::ALL {
            let examined = alerts::examine_layout(fixture.raw);
            let Some(detail) = describe(&examined.outcome).1 else {
                continue;
            };
            assert!(
                detail.chars().count() <= MAX_DETAIL_CHARS,
                "{}",
                fixture.name
            );
            let mail = String::from_utf8_lossy(fixture.raw).to_lowercase();
            let chars: Vec<char> = detail.to_lowercase().chars().collect();
            for window in chars.windows(12) {
                let window: String = window.iter().collect();
                assert!(
                    !mail.contains(&window),
                    "{}: {detail:?} quotes {window:?}",
                    fixture.name
                );
            }
        }
    }
}
