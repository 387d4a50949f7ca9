//! `rotate-keys`: every stored secret re-sealed under the current key, online and idempotent.

use std::collections::HashMap;
use std::sync::Arc;

use rand::seq::SliceRandom;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};
use secrecy::{ExposeSecret, SecretString};
use server::entities::email_accounts::{self, Status};
use server::entities::{SealedField, oauth_flows};
use server::rotate_keys;
use server::vault::{Vault, VaultKey};

use crate::helpers::{TestDb, on_both_databases, test_config};
use crate::seed::{self, Seeded};

on_both_databases! {
    rotation_reseals_everything_and_is_idempotent,
    rotation_counts_and_flags_what_it_cannot_open,
    rotation_never_overwrites_a_concurrent_write,
}

fn key() -> SecretString {
    VaultKey::generate()
}

fn vault(current: &SecretString, retired: &[&SecretString]) -> Vault {
    Vault::new(
        VaultKey::parse(current).unwrap(),
        retired.iter().map(|k| VaultKey::parse(k).unwrap()),
    )
}

/// Accounts whose tokens are sealed by `vault`, stored as a connect flow stores them.
async fn seed_accounts(
    test_db: &TestDb,
    db: &DatabaseConnection,
    vault: &Vault,
    count: usize,
) -> Vec<Seeded> {
    let mut config = test_config(&test_db.url, "http://127.0.0.1:9", &[]);
    config.vault = vault.clone();
    let owner = seed::user(db).await;
    seed::accounts(&config, db, owner, count, 3600).await
}

async fn seed_flow(db: &DatabaseConnection, vault: &Vault, user_id: i32) -> String {
    let state_hash = format!("state-{}", rand::random::<u64>());
    let binding = SealedField::PkceVerifier.binding(&state_hash);
    oauth_flows::ActiveModel {
        state_hash: Set(state_hash.clone()),
        user_id: Set(user_id),
        session_hash: Set("s".into()),
        flow_id: Set(None),
        account_id: Set(None),
        pkce_verifier: Set(vault.seal(binding, &SecretString::from("verifier"))),
        created_at: Set(0),
        expires_at: Set(i64::MAX),
        used_at: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap();
    state_hash
}

/// Opens every account's tokens with `vault`; returns (access, refresh) by id.
async fn open_all(db: &DatabaseConnection, vault: &Vault) -> HashMap<i32, (String, String)> {
    let rows = email_accounts::Entity::find().all(db).await.unwrap();
    rows.into_iter()
        .map(|row| {
            let id = row.id.to_string();
            let open = |field: SealedField| {
                let stored = field.in_account(&row).unwrap();
                let token = vault.open(field.binding(&id), stored).expect("token opens");
                token.expose_secret().to_owned()
            };
            let tokens = (
                open(SealedField::AccessToken),
                open(SealedField::RefreshToken),
            );
            (row.id, tokens)
        })
        .collect()
}

async fn rotation_reseals_everything_and_is_idempotent(test_db: TestDb) {
    // More than two batches: the batching is what is tested, not the volume.
    const ACCOUNTS: usize = 120;
    const BATCH: u64 = 50;
    let db = test_db.connect().await;
    let (old, new) = (key(), key());
    let before = vault(&old, &[]);
    let seeded = seed_accounts(&test_db, &db, &before, ACCOUNTS).await;
    let owner = seed::user(&db).await;
    let state_hash = seed_flow(&db, &before, owner).await;

    let during = vault(&new, &[&old]);
    let report = rotate_keys(&db, &during, BATCH).await.unwrap();
    assert_eq!(report.rotated, 2 * ACCOUNTS as u64 + 1);
    assert_eq!(
        (
            report.unavailable,
            report.changed_meanwhile,
            report.accounts_marked
        ),
        (0, 0, 0)
    );

    let again = rotate_keys(&db, &during, BATCH).await.unwrap();
    assert_eq!(again.rotated, 0);
    assert_eq!(again.already_current, 2 * ACCOUNTS as u64 + 1);

    // Restart with the old key retired: everything still opens, under the new key alone.
    let after = vault(&new, &[]);
    let tokens = open_all(&db, &after).await;
    assert_eq!(tokens.len(), ACCOUNTS);
    for account in &seeded {
        assert_eq!(
            tokens[&account.id],
            (account.access.clone(), account.refresh.clone())
        );
    }
    let flow = oauth_flows::Entity::find().one(&db).await.unwrap().unwrap();
    let binding = SealedField::PkceVerifier.binding(&state_hash);
    let verifier = after.open(binding, &flow.pkce_verifier).unwrap();
    assert_eq!(verifier.expose_secret(), "verifier");
}

async fn rotation_counts_and_flags_what_it_cannot_open(test_db: TestDb) {
    let db = test_db.connect().await;
    let (known, lost, new) = (key(), key(), key());
    seed_accounts(&test_db, &db, &vault(&known, &[]), 10).await;
    let lost_ones = seed_accounts(&test_db, &db, &vault(&lost, &[]), 3).await;

    // The lost key is not configured: its rows are counted and flagged, the run goes on.
    let report = rotate_keys(&db, &vault(&new, &[&known]), 4).await.unwrap();
    assert_eq!(report.rotated, 20);
    assert_eq!(report.unavailable, 6);
    assert_eq!(report.accounts_marked, 3);
    let flagged = email_accounts::Entity::find()
        .filter(email_accounts::Column::Status.eq(Status::NeedsReconnect))
        .all(&db)
        .await
        .unwrap();
    let mut ids: Vec<_> = flagged.iter().map(|r| r.id).collect();
    ids.sort();
    assert_eq!(ids, lost_ones.iter().map(|a| a.id).collect::<Vec<_>>());
}

async fn rotation_never_overwrites_a_concurrent_write(test_db: TestDb) {
    const ACCOUNTS: usize = 200;
    let db = test_db.connect().await;
    let (old, new) = (key(), key());
    let seeded = seed_accounts(&test_db, &db, &vault(&old, &[]), ACCOUNTS).await;
    let during = Arc::new(vault(&new, &[&old]));

    // A refresher rewrites access tokens (under the current key) while rotation runs.
    let writer = {
        let (db, vault) = (db.clone(), during.clone());
        let ids: Vec<i32> = seeded.iter().map(|a| a.id).collect();
        tokio::spawn(async move {
            let mut latest = HashMap::new();
            for round in 0..300 {
                let id = *ids.choose(&mut rand::thread_rng()).unwrap();
                let token = format!("ya29.refreshed-{id}-{round}");
                let row = id.to_string();
                let binding = SealedField::AccessToken.binding(&row);
                let sealed = vault.seal(binding, &SecretString::from(token.clone()));
                email_accounts::Entity::update_many()
                    .col_expr(email_accounts::Column::AccessToken, Expr::value(sealed))
                    .filter(email_accounts::Column::Id.eq(id))
                    .exec(&db)
                    .await
                    .unwrap();
                latest.insert(id, token);
                tokio::task::yield_now().await;
            }
            latest
        })
    };
    let report = rotate_keys(&db, &during, 25).await.unwrap();
    let latest = writer.await.unwrap();
    assert!(!latest.is_empty());
    // Rows the writer touched first were already current; the rest were rotated or lost the race.
    assert_eq!(report.unavailable, 0);

    // A final pass (as an operator would run after the write burst) leaves nothing behind.
    rotate_keys(&db, &during, 25).await.unwrap();
    let tokens = open_all(&db, &vault(&new, &[])).await;
    for account in &seeded {
        let expected = latest.get(&account.id).unwrap_or(&account.access);
        assert_eq!(
            &tokens[&account.id].0, expected,
            "account {} lost a concurrent write",
            account.id
        );
    }
}
