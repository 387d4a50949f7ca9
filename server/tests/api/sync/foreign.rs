//! Nothing foreign counts: a genuine alert addressed to someone else (forwarded intact into
//! this mailbox) or re-sent by someone is recorded with its reason and gives no transaction; an
//! alert naming no recipient (a blind copy) or the mailbox under another spelling counts.

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use server::entities::mail_messages::MessageOutcome;

use super::*;

on_both_databases! {
    an_alert_for_someone_else_or_re_sent_is_not_this_mailboxs,
}

/// The sample alert with its `To` field set to `to`.
fn sent_to(to: &str) -> Vec<u8> {
    let text = String::from_utf8_lossy(fixture("bac_purchase_crc.eml")).into_owned();
    text.replacen(
        "\r\nTo: usuario.demo@gmail.com",
        &format!("\r\nTo: {to}"),
        1,
    )
    .into_bytes()
}

async fn an_alert_for_someone_else_or_re_sent_is_not_this_mailboxs(db: TestDb) {
    let Setup {
        app,
        gmail,
        accounts,
        _db,
    } = setup(db, 1).await;
    let mailbox = &accounts[0];
    let (local, _) = mailbox.email.split_once('@').unwrap();
    let forwarded = gmail.add(&mailbox.email, &sent_to("Eva <eva@example.com>"), now_ms());
    let resent = {
        let mut raw = b"Resent-From: eva@example.com\r\n".to_vec();
        raw.extend_from_slice(fixture("bac_purchase_crc.eml"));
        gmail.add(&mailbox.email, &raw, now_ms())
    };
    let blind = gmail.add(
        &mailbox.email,
        &sent_to("undisclosed-recipients:;"),
        now_ms(),
    );
    let respelled = gmail.add(
        &mailbox.email,
        &sent_to(&format!("{}+banco@googlemail.com", local.to_uppercase())),
        now_ms(),
    );

    sync(&app, mailbox.id).await;
    let outcome = |id: String| {
        let app = &app;
        async move {
            let row = mail_messages::Entity::find()
                .filter(mail_messages::Column::MessageId.eq(id))
                .one(&app.db)
                .await
                .unwrap()
                .unwrap();
            (row.outcome, row.detail.unwrap_or_default())
        }
    };
    assert_eq!(
        outcome(forwarded).await,
        (MessageOutcome::Rejected, "addressed_elsewhere".to_owned())
    );
    assert_eq!(
        outcome(resent).await,
        (MessageOutcome::Rejected, "resent".to_owned())
    );
    assert_eq!(outcome(blind).await.0, MessageOutcome::Transactions);
    assert_eq!(outcome(respelled).await.0, MessageOutcome::Transactions);
    assert_eq!(
        stored(&app, mailbox.id).await as usize,
        2 * found_in("bac_purchase_crc.eml")
    );
}
