//! Bank mail as users get it: alerts a newer classifier reads again (once) after an older one
//! left them unread, alerts that could not be read shown to their owner with bank, date and
//! subject, and refunds counting against spending on the page and in the CSV.

use std::sync::Arc;
use std::time::Duration;

use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};
use server::alerts::{self, CLASSIFIER_VERSION, Outcome};
use server::entities::mail_messages::{self, MessageOutcome};
use server::entities::{transactions, users};
use wiremock::MockServer;

use crate::gmail_stand_in::GmailStandIn;
use crate::helpers::{TestApp, TestDb, browser_client, english, on_both_databases};
use crate::seed::{self, Seeded};

on_both_databases! {
    a_newer_classifier_reads_again_what_an_older_one_left_unread_once,
    alerts_that_could_not_be_read_are_named_to_their_owner,
    refunds_count_against_spending_and_carry_a_minus_sign,
}

fn fixture(name: &str) -> &'static [u8] {
    alerts::fixtures::get(name).unwrap_or_else(|| panic!("no fixture {name}"))
}

fn now_ms() -> i64 {
    server::clock::now() * 1000
}

/// A signed-up user (signed in on `app.client`) with one mailbox on a Gmail stand-in.
async fn user_with_mailbox(db: &TestDb) -> (TestApp, GmailStandIn, Seeded) {
    let server = Arc::new(MockServer::start().await);
    let gmail = GmailStandIn::on(server, Duration::ZERO).await;
    let app = TestApp::builder(db).google(&gmail.uri()).spawn().await;
    app.sign_up("lucia@example.com", "correct horse").await;
    let user = users::Entity::find()
        .filter(users::Column::Email.eq("lucia@example.com"))
        .one(&app.db)
        .await
        .unwrap()
        .expect("signed up");
    let mailbox = seed::accounts(&app.config, &app.db, user.id, 1, 3600)
        .await
        .remove(0);
    gmail.mailbox(&mailbox.email, &mailbox.access);
    (app, gmail, mailbox)
}

async fn stored(app: &TestApp, account_id: i32) -> Vec<transactions::Model> {
    transactions::Entity::find()
        .filter(transactions::Column::AccountId.eq(account_id))
        .all(&app.db)
        .await
        .unwrap()
}

async fn examined(app: &TestApp, message_id: &str) -> mail_messages::Model {
    mail_messages::Entity::find()
        .filter(mail_messages::Column::MessageId.eq(message_id))
        .one(&app.db)
        .await
        .unwrap()
        .expect("examined")
}

/// What an older classifier left for a message: its outcome, under the previous version,
/// examined `ago_secs` ago.
async fn left_by_an_older_classifier(
    app: &TestApp,
    account_id: i32,
    message_id: &str,
    outcome: MessageOutcome,
    ago_secs: i64,
) {
    mail_messages::ActiveModel {
        account_id: Set(account_id),
        message_id: Set(message_id.to_owned()),
        outcome: Set(outcome),
        detail: Set(Some("as an older classifier wrote it".into())),
        examined_at: Set(server::clock::now() - ago_secs),
        classifier_version: Set(CLASSIFIER_VERSION - 1),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .unwrap();
}

async fn a_newer_classifier_reads_again_what_an_older_one_left_unread_once(db: TestDb) {
    let (app, gmail, mailbox) = user_with_mailbox(&db).await;
    let hour = 3_600_000;
    // BAC's card alerts from its .cr domain, which an older classifier took for spoofs, and
    // one it could not read.
    let spoof_then = gmail.add(
        &mailbox.email,
        fixture("bac_2026_purchase_visa_crc.eml"),
        now_ms() - 5 * hour,
    );
    let unparsed_then = gmail.add(
        &mailbox.email,
        fixture("bac_2026_refund_amex.eml"),
        now_ms() - 4 * hour,
    );
    // Read before the window, and read into a transaction: neither is read again.
    let too_old = gmail.add(
        &mailbox.email,
        fixture("bac_2026_withdrawal_atm.eml"),
        now_ms() - 3 * hour,
    );
    let already_read = gmail.add(
        &mailbox.email,
        fixture("bcr_sinpe_2026_out.eml"),
        now_ms() - 2 * hour,
    );
    let id = mailbox.id;
    let older = [
        (&spoof_then, MessageOutcome::Rejected, 3600),
        (&unparsed_then, MessageOutcome::Unparsed, 3600),
        (&too_old, MessageOutcome::Unparsed, 8 * 86_400),
        (&already_read, MessageOutcome::Transactions, 3600),
    ];
    for (message, outcome, ago) in older {
        left_by_an_older_classifier(&app, id, message, outcome, ago).await;
    }

    app.syncs.run_job(id).await;
    let found = stored(&app, id).await;
    let mut kinds: Vec<&str> = found.iter().map(|t| t.kind.as_str()).collect();
    kinds.sort_unstable();
    assert_eq!(kinds, ["purchase", "refund"], "the two unread alerts, read");
    for message in [&spoof_then, &unparsed_then] {
        let row = examined(&app, message).await;
        assert_eq!(row.outcome, MessageOutcome::Transactions);
        assert_eq!(row.classifier_version, CLASSIFIER_VERSION);
        assert_eq!(row.bank.as_deref(), Some("bac_credomatic"));
    }
    for message in [&too_old, &already_read] {
        assert_eq!(
            examined(&app, message).await.classifier_version,
            CLASSIFIER_VERSION - 1,
            "left alone"
        );
    }
    let fetched = gmail.get_ids();
    assert_eq!(fetched.iter().filter(|m| **m == spoof_then).count(), 1);
    assert_eq!(fetched.iter().filter(|m| **m == unparsed_then).count(), 1);
    assert!(!fetched.contains(&too_old) && !fetched.contains(&already_read));

    // Once: the next sync fetches nothing again and adds nothing.
    app.syncs.run_job(id).await;
    assert_eq!(gmail.get_ids().len(), fetched.len());
    assert_eq!(stored(&app, id).await.len(), 2);
}

async fn alerts_that_could_not_be_read_are_named_to_their_owner(db: TestDb) {
    let (app, gmail, mailbox) = user_with_mailbox(&db).await;
    let new_layout = gmail.add(
        &mailbox.email,
        fixture("bac_2026_unknown_layout.eml"),
        now_ms() - 60_000,
    );
    let ambiguous = gmail.add(
        &mailbox.email,
        fixture("bncr_voucher_ambiguous.eml"),
        now_ms() - 120_000,
    );
    gmail.add(
        &mailbox.email,
        fixture("promerica_purchase_crc.eml"),
        now_ms(),
    );
    app.syncs.run_job(mailbox.id).await;

    let row = examined(&app, &new_layout).await;
    assert_eq!(row.outcome, MessageOutcome::UnknownLayout);
    assert_eq!(row.bank.as_deref(), Some("bac_credomatic"));
    assert!(row.subject.is_some() && row.sent_at.is_some(), "{row:?}");
    let row = examined(&app, &ambiguous).await;
    assert_eq!(row.outcome, MessageOutcome::Unparsed);
    let detail = row.detail.unwrap_or_default();
    assert!(detail.contains("ambiguous"), "{detail}");

    let page: app::model::TransactionPage = app
        .call(
            "list_transactions",
            &[("query[period]", "All"), ("query[page]", "1")],
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page.rows.len(), 1, "the Promerica purchase");
    let banks: Vec<(&str, u64)> = page
        .unread
        .iter()
        .map(|b| (b.bank.as_str(), b.count))
        .collect();
    assert_eq!(banks, [("BAC Credomatic", 1), ("Banco Nacional", 1)]);
    let subjects = |bank: usize| -> Vec<String> {
        page.unread[bank]
            .mails
            .iter()
            .map(|m| m.subject.clone())
            .collect()
    };
    assert_eq!(subjects(0), ["Comprobante digital de su compra"]);
    assert_eq!(subjects(1), ["Voucher Digital"]);
    assert!(!page.unread[0].mails[0].when.is_empty());

    // Another user sees none of it.
    let other = browser_client();
    let signed_up = other
        .post(format!("{}/api/sign_up", app.address))
        .header("Accept", "application/json")
        .form(&[("email", "otro@example.com"), ("password", "correct horse")])
        .send()
        .await
        .unwrap();
    assert_eq!(signed_up.status(), 200);
    let theirs: app::model::TransactionPage = other
        .post(format!("{}/api/list_transactions", app.address))
        .header("Accept", "application/json")
        .form(&[("query[period]", "All"), ("query[page]", "1")])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(theirs.unread.is_empty() && theirs.rows.is_empty());
}

async fn refunds_count_against_spending_and_carry_a_minus_sign(db: TestDb) {
    let (app, gmail, mailbox) = user_with_mailbox(&db).await;
    let names = [
        "bac_2026_purchase_master_usd.eml",
        "bac_2026_refund_amex.eml",
        "bac_2026_withdrawal_atm.eml",
        "bac_2026_purchase_visa_crc.eml",
        "bcr_sinpe_2026_in.eml",
        "bcr_sinpe_2026_out.eml",
        "bac_card_payment_2025.eml",
    ];
    // The expected totals, from what the classifier reads in each mail and how its kind counts.
    let mut spent: std::collections::BTreeMap<&str, i64> = Default::default();
    for (n, name) in names.iter().enumerate() {
        gmail.add(&mailbox.email, fixture(name), now_ms() - n as i64 * 60_000);
        let Outcome::Transactions(found) = alerts::classify(fixture(name)) else {
            panic!("{name} gives transactions");
        };
        for t in found {
            *spent.entry(t.amount.currency.code()).or_default() +=
                t.kind.spending_sign() * t.amount.minor_units;
        }
    }
    app.syncs.run_job(mailbox.id).await;
    assert_eq!(
        transactions::Entity::find()
            .filter(transactions::Column::AccountId.eq(mailbox.id))
            .count(&app.db)
            .await
            .unwrap(),
        names.len() as u64
    );
    let page: app::model::TransactionPage = app
        .call(
            "list_transactions",
            &[("query[period]", "All"), ("query[page]", "1")],
        )
        .await
        .json()
        .await
        .unwrap();
    let totals: Vec<(String, String)> = page
        .totals
        .iter()
        .map(|t| (t.currency.clone(), t.amount.clone()))
        .collect();
    let expected: Vec<(String, String)> = spent
        .iter()
        .map(|(code, minor)| (code.to_string(), english().money(*minor, code)))
        .collect();
    assert_eq!(totals, expected);
    let refund = page
        .rows
        .iter()
        .find(|r| r.kind == "Refund")
        .expect("a refund row");
    assert!(refund.amount.starts_with("-$"), "{}", refund.amount);
    let kinds: std::collections::BTreeSet<&str> =
        page.rows.iter().map(|r| r.kind.as_str()).collect();
    for kind in [
        "Purchase",
        "Refund",
        "Withdrawal",
        "Transfer in",
        "Transfer out",
        "Card payment",
    ] {
        assert!(kinds.contains(kind), "{kind} in {kinds:?}");
    }

    let csv = app
        .get("/transactions.csv?period=all")
        .await
        .text()
        .await
        .unwrap();
    let mut records = csv::Reader::from_reader(csv.as_bytes());
    let headers = records.headers().unwrap().clone();
    let column = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let (kind, amount) = (column("kind"), column("amount"));
    let amounts: Vec<(String, String)> = records
        .records()
        .map(|r| r.unwrap())
        .map(|r| (r[kind].to_owned(), r[amount].to_owned()))
        .collect();
    assert_eq!(amounts.len(), names.len());
    for (kind, amount) in &amounts {
        assert_eq!(amount.starts_with('-'), kind == "Refund", "{kind} {amount}");
    }
}
