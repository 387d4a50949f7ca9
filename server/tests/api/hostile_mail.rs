//! Mail built to hurt, planted in a mailbox beside genuine alerts: each bomb is recorded as
//! refused (or, over 10 MiB, as unreadable) and the alerts beside it are read; a message whose
//! reading a dead run interrupted is read once more, then refused; and a real server process
//! syncing a mailbox full of bombs keeps serving and syncing the others.

use std::collections::HashMap;
use std::time::Duration;

use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};
use secrecy::SecretString;
use server::alerts::fixtures::hostile::{BANK_HEADER, OTHER_HEADER, bombs};
use server::alerts::{self, CLASSIFIER_VERSION, Refusal};
use server::entities::mail_messages::{self, MessageOutcome, SECOND_ATTEMPT};
use server::entities::mailbox_sync;
use server::entities::transactions;
use server::vault::VaultKey;

use crate::gmail_stand_in::GmailStandIn;
use crate::helpers::{TestDb, on_both_databases, spawn_server_process, wait_until};
use crate::sync::processes::mailboxes;
use crate::sync::{Setup, setup};

on_both_databases! {
    bombs_beside_genuine_alerts_are_refused_and_the_alerts_read,
    a_message_whose_reading_was_interrupted_is_read_once_more_then_refused,
    a_server_syncing_a_mailbox_of_bombs_keeps_serving_and_syncing_the_others,
}

fn fixture(name: &str) -> &'static [u8] {
    alerts::fixtures::get(name).unwrap_or_else(|| panic!("no fixture {name}"))
}

fn now_ms() -> i64 {
    server::clock::now() * 1000
}

/// Each examined message of the account: outcome and detail.
async fn examined(
    db: &sea_orm::DatabaseConnection,
    account_id: i32,
) -> HashMap<String, (MessageOutcome, Option<String>)> {
    mail_messages::Entity::find()
        .filter(mail_messages::Column::AccountId.eq(account_id))
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|m| (m.message_id, (m.outcome, m.detail)))
        .collect()
}

async fn stored(db: &sea_orm::DatabaseConnection, account_id: i32) -> u64 {
    transactions::Entity::find()
        .filter(transactions::Column::AccountId.eq(account_id))
        .count(db)
        .await
        .unwrap()
}

/// What the sync records for a bomb: a message over the 10 MiB fetch limit is never
/// downloaded whole; anything else is refused by its shape, or, from no bank, read no further
/// than its header.
fn recorded_as(refusal: Refusal, from_a_bank: bool) -> (MessageOutcome, Option<String>) {
    match refusal {
        Refusal::TooLarge => (MessageOutcome::Unreadable, None),
        Refusal::LineTooLong => (MessageOutcome::Refused, Some(refusal.as_str().into())),
        _ if from_a_bank => (MessageOutcome::Refused, Some(refusal.as_str().into())),
        _ => (MessageOutcome::NotBank, None),
    }
}

async fn bombs_beside_genuine_alerts_are_refused_and_the_alerts_read(db: TestDb) {
    let Setup {
        app,
        gmail,
        accounts,
        _db,
    } = setup(db, 1).await;
    let mailbox = &accounts[0];
    let mut planted = Vec::new();
    for (header, from_a_bank) in [(BANK_HEADER, true), (OTHER_HEADER, false)] {
        for (what, raw, refusal) in bombs(header) {
            let id = gmail.add(&mailbox.email, &raw, now_ms() - 60_000);
            planted.push((what, id, recorded_as(refusal, from_a_bank)));
        }
    }
    let before = gmail.add(
        &mailbox.email,
        fixture("bac_2026_purchase_visa_crc.eml"),
        now_ms() - 120_000,
    );
    let after = gmail.add(&mailbox.email, fixture("bcr_sinpe_2026_out.eml"), now_ms());

    app.syncs.run_job(mailbox.id).await;

    let rows = examined(&app.db, mailbox.id).await;
    for (what, id, want) in &planted {
        let (outcome, detail) = &rows[id];
        assert_eq!(outcome, &want.0, "{what}");
        if want.1.is_some() {
            assert_eq!(detail, &want.1, "{what}");
        }
    }
    assert_eq!(rows[&before].0, MessageOutcome::Transactions);
    assert_eq!(rows[&after].0, MessageOutcome::Transactions);
    assert_eq!(stored(&app.db, mailbox.id).await, 2);
    let state = mailbox_sync::Entity::find_by_id(mailbox.id)
        .one(&app.db)
        .await
        .unwrap()
        .expect("sync state");
    assert_eq!(state.failure, None, "the sync itself succeeded");

    // Nothing is fetched again by the next sync.
    let fetched = gmail.get_ids().len();
    app.syncs.run_job(mailbox.id).await;
    assert_eq!(gmail.get_ids().len(), fetched);
}

/// A row as a run that died while reading the message leaves it.
async fn left_by_a_dead_run(
    db: &sea_orm::DatabaseConnection,
    account_id: i32,
    message_id: &str,
    detail: Option<&str>,
) {
    mail_messages::ActiveModel {
        account_id: Set(account_id),
        message_id: Set(message_id.to_owned()),
        outcome: Set(MessageOutcome::Classifying),
        detail: Set(detail.map(str::to_owned)),
        examined_at: Set(server::clock::now() - 60),
        classifier_version: Set(CLASSIFIER_VERSION),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap();
}

async fn a_message_whose_reading_was_interrupted_is_read_once_more_then_refused(db: TestDb) {
    let Setup {
        app,
        gmail,
        accounts,
        _db,
    } = setup(db, 1).await;
    let mailbox = &accounts[0];
    // One run died reading this alert (a restart, say): it is read again and found.
    let once = gmail.add(
        &mailbox.email,
        fixture("bac_2026_purchase_visa_crc.eml"),
        now_ms() - 60_000,
    );
    left_by_a_dead_run(&app.db, mailbox.id, &once, None).await;
    // Two runs died reading this one: it is refused, never fetched again.
    let twice = gmail.add(
        &mailbox.email,
        fixture("bcr_sinpe_2026_out.eml"),
        now_ms() - 30_000,
    );
    left_by_a_dead_run(&app.db, mailbox.id, &twice, Some(SECOND_ATTEMPT)).await;

    app.syncs.run_job(mailbox.id).await;

    let rows = examined(&app.db, mailbox.id).await;
    assert_eq!(rows[&once].0, MessageOutcome::Transactions);
    assert_eq!(
        rows[&twice],
        (
            MessageOutcome::Refused,
            Some(Refusal::Interrupted.as_str().into())
        )
    );
    let fetched = gmail.get_ids();
    assert_eq!(fetched.iter().filter(|m| **m == once).count(), 1);
    assert!(!fetched.contains(&twice));
    assert_eq!(stored(&app.db, mailbox.id).await, 1);
}

async fn a_server_syncing_a_mailbox_of_bombs_keeps_serving_and_syncing_the_others(db: TestDb) {
    let key: SecretString = VaultKey::generate();
    let gmail = GmailStandIn::start(Duration::ZERO).await;
    let (conn, accounts) = mailboxes(&db, &key, &gmail, 2, 0).await;
    let (planted, genuine) = (&accounts[0], &accounts[1]);
    let mut bombs_planted = 0;
    for (_, raw, _) in bombs(BANK_HEADER) {
        gmail.add(&planted.email, &raw, now_ms() - 60_000);
        bombs_planted += 1;
    }
    gmail.add(
        &planted.email,
        fixture("bac_2026_purchase_visa_crc.eml"),
        now_ms(),
    );
    for n in 0..5 {
        gmail.add(
            &genuine.email,
            &crate::sync::nth_copy("bac_purchase_crc.eml", n),
            now_ms() - n as i64 * 1000,
        );
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let address = format!("127.0.0.1:{port}");
    let dir = tempfile::tempdir().unwrap();
    let vars = [
        ("LEPTOS_SITE_ADDR", address.as_str()),
        ("REFRESH_INTERVAL_SECS", "3600"),
        ("SYNC_INTERVAL_SECS", "3600"),
    ];
    let mut server = spawn_server_process(&db.url, &key, &gmail.uri(), dir.path(), &vars);

    wait_until(
        "both mailboxes are synced",
        Duration::from_secs(90),
        async || {
            stored(&conn, genuine.id).await == 5
                && examined(&conn, planted.id).await.len() == bombs_planted + 1
        },
    )
    .await;
    assert_eq!(
        stored(&conn, planted.id).await,
        1,
        "the alert beside the bombs"
    );
    assert!(
        server.0.try_wait().unwrap().is_none(),
        "the server is still running"
    );
    let health = reqwest::get(format!("http://{address}/healthz"))
        .await
        .unwrap();
    assert_eq!(health.status(), reqwest::StatusCode::OK);
}
