//! Real server processes (this package's binary) syncing from the Gmail stand-in: kill -9 in
//! the middle of a sync loses nothing and adds nothing twice, and two instances sharing a
//! database never sync one mailbox at once. These wait on the processes' work by polling the
//! database.

use std::collections::HashMap;

use secrecy::{ExposeSecret, SecretString};
use server::vault::VaultKey;

use super::*;
use crate::helpers::{ServerProcess, spawn_server_process, test_config, wait_until};

on_both_databases! {
    kill_dash_nine_mid_sync_loses_nothing_and_adds_nothing_twice,
    two_instances_never_sync_one_mailbox_at_once,
}

fn spawn_server(
    db: &TestDb,
    key: &SecretString,
    gmail: &GmailStandIn,
    dir: &std::path::Path,
) -> ServerProcess {
    let vars = [
        ("REFRESH_INTERVAL_SECS", "3600"),
        ("SYNC_INTERVAL_SECS", "10"),
        ("SYNC_LEASE_SECS", "5"),
    ];
    spawn_server_process(&db.url, key, &gmail.uri(), dir, &vars)
}

/// A database with `count` mailboxes sealed under `key`, each holding `per_mailbox` alerts.
pub(crate) async fn mailboxes(
    db: &TestDb,
    key: &SecretString,
    gmail: &GmailStandIn,
    count: usize,
    per_mailbox: usize,
) -> (sea_orm::DatabaseConnection, Vec<Seeded>) {
    let config = test_config(
        &db.url,
        &gmail.uri(),
        &[("TOKEN_ENCRYPTION_KEY", key.expose_secret())],
    );
    let conn = db.connect().await;
    let owner = seed::user(&conn).await;
    let accounts = seed::accounts(&config, &conn, owner, count, 3600).await;
    for (a, account) in accounts.iter().enumerate() {
        gmail.mailbox(&account.email, &account.access);
        for n in 0..per_mailbox {
            gmail.add(
                &account.email,
                &nth_copy("bac_purchase_crc.eml", a * per_mailbox + n),
                now_ms() - n as i64 * 1000,
            );
        }
    }
    (conn, accounts)
}

async fn all_stored(conn: &sea_orm::DatabaseConnection) -> u64 {
    transactions::Entity::find().count(conn).await.unwrap()
}

async fn kill_dash_nine_mid_sync_loses_nothing_and_adds_nothing_twice(db: TestDb) {
    const ALERTS: usize = 40;
    let key = VaultKey::generate();
    // Slow answers, so the kill lands while messages are still being read.
    let gmail = GmailStandIn::start(Duration::from_millis(150)).await;
    let (conn, _) = mailboxes(&db, &key, &gmail, 1, ALERTS).await;
    let dir = tempfile::tempdir().unwrap();

    let mut doomed = spawn_server(&db, &key, &gmail, dir.path());
    wait_until(
        "the sync has stored some alerts",
        Duration::from_secs(60),
        async || all_stored(&conn).await > 0,
    )
    .await;
    doomed.0.kill().unwrap(); // SIGKILL
    doomed.0.wait().unwrap();
    let before = all_stored(&conn).await;
    assert!(
        before < ALERTS as u64,
        "killed mid-sync ({before} of {ALERTS} stored)"
    );

    let _survivor = spawn_server(&db, &key, &gmail, dir.path());
    wait_until(
        "the survivor finishes the sync",
        Duration::from_secs(90),
        async || all_stored(&conn).await >= ALERTS as u64,
    )
    .await;
    let examined = mail_messages::Entity::find().count(&conn).await.unwrap();
    assert_eq!(examined, ALERTS as u64, "every message recorded once");
    assert_eq!(
        all_stored(&conn).await,
        ALERTS as u64,
        "no transaction added twice"
    );
}

async fn two_instances_never_sync_one_mailbox_at_once(db: TestDb) {
    const MAILBOXES: usize = 12;
    const ALERTS: usize = 5;
    let key = VaultKey::generate();
    let gmail = GmailStandIn::start(Duration::from_millis(30)).await;
    let (conn, accounts) = mailboxes(&db, &key, &gmail, MAILBOXES, ALERTS).await;
    let dir = tempfile::tempdir().unwrap();
    // Both start together, and both schedulers ask for a sync of every mailbox at once.
    let mut a = spawn_server(&db, &key, &gmail, dir.path());
    let mut b = spawn_server(&db, &key, &gmail, dir.path());

    wait_until(
        "every mailbox is synced",
        Duration::from_secs(90),
        async || all_stored(&conn).await == (MAILBOXES * ALERTS) as u64,
    )
    .await;
    for server in [&mut a, &mut b] {
        assert!(
            server.0.try_wait().unwrap().is_none(),
            "both instances are running"
        );
    }
    // A first sync reads the profile once; two at once would have read it twice, and fetched
    // each message twice.
    for account in &accounts {
        assert_eq!(
            gmail.count("profile", Some(&account.access)),
            1,
            "{}",
            account.email
        );
    }
    let mut fetched: HashMap<String, usize> = HashMap::new();
    for id in gmail.get_ids() {
        *fetched.entry(id).or_default() += 1;
    }
    assert_eq!(fetched.len(), MAILBOXES * ALERTS);
    assert!(
        fetched.values().all(|&n| n == 1),
        "a message fetched twice: {fetched:?}"
    );
}
