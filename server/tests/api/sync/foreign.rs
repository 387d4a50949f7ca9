//! Nothing counts twice, nothing foreign counts: the same alert in two of a user's mailboxes is
//! one transaction naming both; a genuine alert addressed to someone else (forwarded intact
//! into this mailbox) or re-sent by someone is recorded with its reason and gives no
//! transaction; an alert naming no recipient (a blind copy) or the mailbox under another
//! spelling counts.

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use server::entities::mail_messages::MessageOutcome;

use super::*;

on_both_databases! {
    an_alert_for_someone_else_or_re_sent_is_not_this_mailboxs,
    one_alert_in_two_mailboxes_is_one_transaction_naming_both,
}

/// Copy `n` of the sample alert with its `To` field set to `to`.
fn sent_to(to: &str, n: usize) -> Vec<u8> {
    let text = String::from_utf8_lossy(&nth_copy("bac_purchase_crc.eml", n)).into_owned();
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
    let forwarded = gmail.add(
        &mailbox.email,
        &sent_to("Eva <eva@example.com>", 1),
        now_ms(),
    );
    let resent = {
        let mut raw = b"Resent-From: eva@example.com\r\n".to_vec();
        raw.extend_from_slice(fixture("bac_purchase_crc.eml"));
        gmail.add(&mailbox.email, &raw, now_ms())
    };
    let blind = gmail.add(
        &mailbox.email,
        &sent_to("undisclosed-recipients:;", 2),
        now_ms(),
    );
    let respelled = gmail.add(
        &mailbox.email,
        &sent_to(&format!("{}+banco@googlemail.com", local.to_uppercase()), 3),
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

async fn one_alert_in_two_mailboxes_is_one_transaction_naming_both(db: TestDb) {
    let Setup {
        app,
        gmail,
        accounts,
        _db,
    } = setup(db, 2).await;
    // The bank sent the same alert to both of the owner's addresses (each copy addressed to
    // its own mailbox), and a second, different alert to the first.
    for mailbox in &accounts {
        gmail.add(&mailbox.email, fixture("bcr_sinpe_in.eml"), now_ms());
    }
    gmail.add(
        &accounts[0].email,
        fixture("bac_purchase_crc.eml"),
        now_ms(),
    );
    sync(&app, accounts[0].id).await;
    sync(&app, accounts[1].id).await;
    // A second run of each adds nothing and names no mailbox twice.
    sync(&app, accounts[0].id).await;
    sync(&app, accounts[1].id).await;

    let rows = transactions::Entity::find().all(&app.db).await.unwrap();
    assert_eq!(
        rows.len(),
        found_in("bcr_sinpe_in.eml") + found_in("bac_purchase_crc.eml")
    );
    let sinpe = rows
        .iter()
        .find(|r| r.kind == "transfer_in")
        .expect("the SINPE transfer");
    assert_eq!(sinpe.mailbox, accounts[0].email);
    assert_eq!(sinpe.seen_in.as_deref(), Some(accounts[1].email.as_str()));
    let state = app.syncs.state(accounts[1].id).await.unwrap().unwrap();
    assert_eq!(state.last_new_transactions, 0, "nothing new in the second");
}
