//! `rotate-keys`: every stored secret re-sealed under the current key, online and idempotent.

use std::collections::HashMap;
use std::sync::Arc;

use rand::Rng;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};
use server::entities::{email_accounts, oauth_flows, users};
use server::rotation::rotate_all;
use server::secret::Secret;
use server::vault::{Vault, VaultKey};

use crate::helpers::{TestDb, on_both_databases};

on_both_databases! {
    rotation_reseals_everything_and_is_idempotent,
    rotation_counts_and_flags_what_it_cannot_open,
    rotation_never_overwrites_a_concurrent_write,
}

fn key() -> Secret<String> {
    VaultKey::generate()
}

fn vault(current: &Secret<String>, retired: &[&Secret<String>]) -> Vault {
    Vault::new(
        VaultKey::parse(current).unwrap(),
        retired.iter().map(|k| VaultKey::parse(k).unwrap()),
    )
}

fn tokens(id: i32) -> (String, String) {
    (format!("ya29.access-{id}"), format!("1//refresh-{id}"))
}

async fn user(db: &DatabaseConnection) -> i32 {
    users::ActiveModel {
        email: Set(format!("owner{}@example.com", rand::random::<u32>())),
        password_hash: Set("x".into()),
        created_at: Set(0),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap()
    .id
}

/// Inserts accounts `ids` whose tokens are sealed by `vault`.
async fn seed_accounts(db: &DatabaseConnection, vault: &Vault, ids: std::ops::RangeInclusive<i32>) {
    let owner = user(db).await;
    let rows: Vec<_> = ids
        .map(|id| {
            let row = id.to_string();
            let (access, refresh) = tokens(id);
            email_accounts::ActiveModel {
                id: Set(id),
                user_id: Set(owner),
                provider: Set("google".into()),
                provider_subject: Set(format!("sub-{id}")),
                email_address: Set(format!("user{id}@gmail.com")),
                access_token: Set(Some(vault.seal(
                    email_accounts::sealed("access_token", &row),
                    &Secret::new(access),
                ))),
                refresh_token: Set(Some(vault.seal(
                    email_accounts::sealed("refresh_token", &row),
                    &Secret::new(refresh),
                ))),
                token_expires_at: Set(0),
                scopes: Set("email".into()),
                status: Set(email_accounts::STATUS_ACTIVE.into()),
                created_at: Set(0),
                updated_at: Set(0),
                last_refresh_at: Set(None),
                refresh_failures: Set(0),
                next_attempt_at: Set(None),
                lease_owner: Set(None),
                lease_expires_at: Set(None),
                pending_revoke: Set(None),
            }
        })
        .collect();
    for chunk in rows.chunks(500) {
        email_accounts::Entity::insert_many(chunk.to_vec())
            .exec(db)
            .await
            .unwrap();
    }
}

async fn seed_flow(db: &DatabaseConnection, vault: &Vault, user_id: i32) -> String {
    let state_hash = format!("state-{}", rand::random::<u64>());
    oauth_flows::ActiveModel {
        state_hash: Set(state_hash.clone()),
        user_id: Set(user_id),
        session_hash: Set("s".into()),
        flow_id: Set(None),
        account_id: Set(None),
        pkce_verifier: Set(vault.seal(
            oauth_flows::sealed_verifier(&state_hash),
            &Secret::new("verifier".into()),
        )),
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

/// Opens every account's tokens with `vault`; returns the access tokens by id.
async fn open_all(db: &DatabaseConnection, vault: &Vault) -> HashMap<i32, String> {
    let rows = email_accounts::Entity::find().all(db).await.unwrap();
    rows.into_iter()
        .map(|row| {
            let id = row.id.to_string();
            let access = vault
                .open(
                    email_accounts::sealed("access_token", &id),
                    row.access_token.as_deref().unwrap(),
                )
                .expect("access token opens");
            let refresh = vault
                .open(
                    email_accounts::sealed("refresh_token", &id),
                    row.refresh_token.as_deref().unwrap(),
                )
                .expect("refresh token opens");
            assert_eq!(refresh.expose(), &tokens(row.id).1);
            (row.id, access.into_inner())
        })
        .collect()
}

async fn rotation_reseals_everything_and_is_idempotent(test_db: TestDb) {
    const ACCOUNTS: i32 = 10_000;
    let db = test_db.connect().await;
    let (old, new) = (key(), key());
    let before = vault(&old, &[]);
    seed_accounts(&db, &before, 1..=ACCOUNTS).await;
    let owner = user(&db).await;
    let state_hash = seed_flow(&db, &before, owner).await;

    let during = vault(&new, &[&old]);
    let report = rotate_all(&db, &during, 500).await.unwrap();
    assert_eq!(report.rotated, 2 * ACCOUNTS as u64 + 1);
    assert_eq!(
        (
            report.unavailable,
            report.changed_meanwhile,
            report.accounts_marked
        ),
        (0, 0, 0)
    );

    let again = rotate_all(&db, &during, 500).await.unwrap();
    assert_eq!(again.rotated, 0);
    assert_eq!(again.already_current, 2 * ACCOUNTS as u64 + 1);

    // Restart with the old key retired: everything still opens, under the new key alone.
    let after = vault(&new, &[]);
    let access = open_all(&db, &after).await;
    assert_eq!(access.len(), ACCOUNTS as usize);
    assert!(access.iter().all(|(id, token)| *token == tokens(*id).0));
    let flow = oauth_flows::Entity::find().one(&db).await.unwrap().unwrap();
    let verifier = after
        .open(
            oauth_flows::sealed_verifier(&state_hash),
            &flow.pkce_verifier,
        )
        .unwrap();
    assert_eq!(verifier.expose(), "verifier");
}

async fn rotation_counts_and_flags_what_it_cannot_open(test_db: TestDb) {
    let db = test_db.connect().await;
    let (known, lost, new) = (key(), key(), key());
    seed_accounts(&db, &vault(&known, &[]), 1..=10).await;
    seed_accounts(&db, &vault(&lost, &[]), 11..=13).await;

    // The lost key is not configured: its rows are counted and flagged, the run goes on.
    let report = rotate_all(&db, &vault(&new, &[&known]), 4).await.unwrap();
    assert_eq!(report.rotated, 20);
    assert_eq!(report.unavailable, 6);
    assert_eq!(report.accounts_marked, 3);
    let flagged = email_accounts::Entity::find()
        .filter(email_accounts::Column::Status.eq(email_accounts::STATUS_NEEDS_RECONNECT))
        .all(&db)
        .await
        .unwrap();
    let mut ids: Vec<_> = flagged.iter().map(|r| r.id).collect();
    ids.sort();
    assert_eq!(ids, vec![11, 12, 13]);
}

async fn rotation_never_overwrites_a_concurrent_write(test_db: TestDb) {
    const ACCOUNTS: i32 = 400;
    let db = test_db.connect().await;
    let (old, new) = (key(), key());
    seed_accounts(&db, &vault(&old, &[]), 1..=ACCOUNTS).await;
    let during = Arc::new(vault(&new, &[&old]));

    // A refresher rewrites access tokens (under the current key) while rotation runs.
    let writer = {
        let (db, vault) = (db.clone(), during.clone());
        tokio::spawn(async move {
            let mut latest = HashMap::new();
            for round in 0..300 {
                let id = rand::thread_rng().gen_range(1..=ACCOUNTS);
                let token = format!("ya29.refreshed-{id}-{round}");
                let sealed = vault.seal(
                    email_accounts::sealed("access_token", &id.to_string()),
                    &Secret::new(token.clone()),
                );
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
    let report = rotate_all(&db, &during, 25).await.unwrap();
    let latest = writer.await.unwrap();
    assert!(!latest.is_empty());
    // Rows the writer touched first were already current; the rest were rotated or lost the race.
    assert_eq!(report.unavailable, 0);

    // A final pass (as an operator would run after the write burst) leaves nothing behind.
    rotate_all(&db, &during, 25).await.unwrap();
    let access = open_all(&db, &vault(&new, &[])).await;
    for id in 1..=ACCOUNTS {
        let expected = latest.get(&id).cloned().unwrap_or_else(|| tokens(id).0);
        assert_eq!(
            access[&id], expected,
            "account {id} lost a concurrent write"
        );
    }
}
