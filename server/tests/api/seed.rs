//! Seeding connected accounts through the real grant-storing code (`Accounts::store_grant`),
//! exactly as a completed connect flow stores them. Shared by the integration tests and the
//! benchmarks (`#[path]`-included there, which use only part of it).

#![allow(dead_code)]

use std::time::Duration;

use sea_orm::{ActiveModelTrait, DatabaseConnection, Set};
use secrecy::SecretString;
use server::accounts::Grant;
use server::clock::Clock;
use server::config::Config;
use server::entities::email_accounts::Provider;
use server::entities::users;
use server::provider::google::GMAIL_READONLY;
use server::provider::microsoft::MAIL_READ;
use server::provider::{Identity, Tokens};

/// A seeded account and the tokens it was given.
#[derive(Debug, Clone)]
pub struct Seeded {
    pub id: i32,
    pub email: String,
    pub access: String,
    pub refresh: String,
}

/// A new app user to own seeded accounts.
pub async fn user(db: &DatabaseConnection) -> i32 {
    users::ActiveModel {
        email: Set(format!("owner-{}@example.com", rand::random::<u64>())),
        password_hash: Set("not a password hash".into()),
        created_at: Set(0),
        ..Default::default()
    }
    .insert(db)
    .await
    .expect("insert a user")
    .id
}

/// Stores `count` one-hour Gmail grants for `user_id`, sealed with `config.vault`, whose access
/// tokens expire `expires_in` seconds from now (negative: expired already). The grants are stored
/// as of an hour before that expiry, so their refresh bookkeeping reads as it would have then.
pub async fn accounts(
    config: &Config,
    db: &DatabaseConnection,
    user_id: i32,
    count: usize,
    expires_in: i64,
) -> Vec<Seeded> {
    accounts_of(Provider::Google, config, db, user_id, count, expires_in).await
}

/// [`accounts`] of either provider (Outlook ones have `@outlook.com` addresses and Mail.Read).
pub async fn accounts_of(
    provider: Provider,
    config: &Config,
    db: &DatabaseConnection,
    user_id: i32,
    count: usize,
    expires_in: i64,
) -> Vec<Seeded> {
    const LIFETIME: i64 = 3600;
    let clock = Clock::adjustable();
    clock.advance(expires_in - LIFETIME);
    let accounts = server::accounts(config, db.clone(), clock);
    let batch = rand::random::<u32>();
    let mut seeded = Vec::with_capacity(count);
    for n in 0..count {
        let subject = format!("sub-{batch}-{n}");
        let identity = Identity {
            subject: subject.clone(),
            email: match provider {
                Provider::Google => format!("{subject}@gmail.com"),
                Provider::Microsoft => format!("{subject}@outlook.com"),
            },
        };
        let (access, refresh) = (format!("access-{subject}"), format!("refresh-{subject}"));
        let tokens = Tokens {
            access_token: SecretString::from(access.clone()),
            refresh_token: Some(SecretString::from(refresh.clone())),
            expires_in: Duration::from_secs(LIFETIME as u64),
            scopes: None,
        };
        let scope = match provider {
            Provider::Google => GMAIL_READONLY,
            Provider::Microsoft => MAIL_READ,
        };
        let grant = Grant {
            provider,
            identity: &identity,
            tokens: &tokens,
            scopes: &[scope.to_owned()],
        };
        let row = accounts
            .store_grant(user_id, grant)
            .await
            .expect("store a grant");
        seeded.push(Seeded {
            id: row.id,
            email: identity.email,
            access,
            refresh,
        });
    }
    seeded
}
