//! Real server processes (this package's binary) sharing one database: two instances share the
//! refreshing, and kill -9 mid-refresh loses nothing. These wait on the processes' work, polling
//! the database; a dead holder's lease is made to lapse rather than waited out (15 s).

use std::time::Duration;

use sea_orm::{ActiveModelTrait, Set};
use secrecy::{ExposeSecret, SecretString};
use server::vault::VaultKey;

use super::*;
use crate::helpers::{ServerProcess, spawn_server_process, wait_until};

on_both_databases! {
    two_server_processes_refresh_each_due_account_exactly_once,
    kill_dash_nine_mid_refresh_loses_nothing,
}

const REFRESH_INTERVAL_SECS: u64 = 1;

fn spawn_server(f: &Fixture, key: &SecretString, work_dir: &std::path::Path) -> ServerProcess {
    let interval = REFRESH_INTERVAL_SECS.to_string();
    let vars = [
        ("REFRESH_INTERVAL_SECS", interval.as_str()),
        ("REFRESH_WINDOW_SECS", "3600"),
    ];
    spawn_server_process(&f.test_db.url, key, &f.google.uri(), work_dir, &vars)
}

async fn keyed_fixture(test_db: TestDb, key: &SecretString) -> Fixture {
    let google = MockServer::start().await;
    fixture_with(
        test_db,
        google,
        &[("TOKEN_ENCRYPTION_KEY", key.expose_secret())],
    )
    .await
}

async fn refreshed_count(f: &Fixture, since: i64) -> u64 {
    email_accounts::Entity::find()
        .filter(email_accounts::Column::LastRefreshAt.gte(since))
        .count(&f.db)
        .await
        .unwrap()
}

async fn two_server_processes_refresh_each_due_account_exactly_once(test_db: TestDb) {
    let key = VaultKey::generate();
    let f = keyed_fixture(test_db, &key).await;
    // 100 due accounts answered in 100 ms, 16 in flight per instance: the first instance
    // alone would take over half a second, so the second starts claiming from the same set.
    let accounts = f.accounts(100, 600).await;
    let started = server::clock::now();
    f.answer_tokens_with(refreshed(new_access()).set_delay(Duration::from_millis(100)))
        .await;
    let dir = tempfile::tempdir().unwrap();
    let _a = spawn_server(&f, &key, dir.path());
    let _b = spawn_server(&f, &key, dir.path());

    wait_until(
        "every account is refreshed",
        Duration::from_secs(90),
        async || refreshed_count(&f, started).await == accounts.len() as u64,
    )
    .await;
    // An observation window, not a wait for a condition: both instances run three more rounds
    // (REFRESH_INTERVAL_SECS apart), each a chance to refresh something twice.
    tokio::time::sleep(Duration::from_secs(3 * REFRESH_INTERVAL_SECS + 1)).await;

    let requests = f.token_requests().await;
    let mut used: Vec<String> = requests
        .iter()
        .map(|r| form_param(r, "refresh_token"))
        .collect();
    used.sort();
    used.dedup();
    assert_eq!(used.len(), accounts.len());
    assert_eq!(
        requests.len(),
        accounts.len(),
        "exactly one token request per account"
    );
}

/// kill -9 while the token call is in flight: nothing lost, nothing marked broken, and the
/// next instance takes over once the lease lapses.
async fn kill_dash_nine_mid_refresh_loses_nothing(test_db: TestDb) {
    let key = VaultKey::generate();
    let f = keyed_fixture(test_db, &key).await;
    let account = f.accounts(1, 600).await.remove(0);
    let id = account.id;
    f.answer_tokens_with(refreshed(new_access()).set_delay(Duration::from_secs(3)))
        .await;
    let dir = tempfile::tempdir().unwrap();
    let mut doomed = spawn_server(&f, &key, dir.path());
    wait_until(
        "the token call is in flight",
        Duration::from_secs(30),
        async || !f.token_requests().await.is_empty(),
    )
    .await;
    doomed.0.kill().unwrap(); // SIGKILL
    doomed.0.wait().unwrap();

    let row = f.row(id).await;
    assert_eq!(row.status, Status::Active);
    assert_eq!(f.open(&row, SealedField::RefreshToken), account.refresh);
    assert_eq!(f.open(&row, SealedField::AccessToken), account.access);
    let lease_end = row
        .lease_expires_at
        .expect("the dead holder's lease is left behind");
    assert!(row.lease_owner.is_some());

    // Its time passes: the lease ends when it was taken, as if its 15 seconds were up.
    let length = Timing::default().lease.as_secs() as i64;
    let lapsed = email_accounts::ActiveModel {
        id: Set(id),
        lease_expires_at: Set(Some(lease_end - length)),
        ..Default::default()
    };
    lapsed.update(&f.db).await.unwrap();
    let _survivor = spawn_server(&f, &key, dir.path());
    wait_until(
        "the survivor refreshes after the lease lapses",
        Duration::from_secs(30),
        async || f.open(&f.row(id).await, SealedField::AccessToken) == "new-access",
    )
    .await;
    let row = f.row(id).await;
    assert_eq!(row.status, Status::Active);
    assert_eq!(f.open(&row, SealedField::RefreshToken), account.refresh);
    assert!(row.lease_owner.is_none());
}
