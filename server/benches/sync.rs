//! Mail sync throughput against a local Gmail stand-in answering in 20 ms:
//! `cargo bench -p server --bench sync`.
//!
//! (a) 100 mailboxes with 10 new alerts each, through the job queue and its workers
//!     (`SYNC_CONCURRENCY`, default 8): wall time until every transaction is stored.
//! (b) One mailbox with 1,000 alerts: one sync, paced by the 250 quota units/s limiter
//!     (1,000 × 5 units / 250 = 20 s at best).

use std::sync::Arc;
use std::time::{Duration, Instant};

use sea_orm::{EntityTrait, PaginatorTrait};
use secrecy::ExposeSecret;
use server::clock::Clock;
use server::config::{Config, Source};
use server::entities::transactions;
use server::vault::VaultKey;
use tokio_util::sync::CancellationToken;
use wiremock::MockServer;

#[path = "../tests/api/gmail_stand_in.rs"]
mod gmail_stand_in;
#[path = "../tests/api/seed.rs"]
mod seed;

use gmail_stand_in::GmailStandIn;

const LATENCY: Duration = Duration::from_millis(20);

/// Alert `n`: each a distinct one (the same alert twice counts once).
fn alert(n: usize) -> Vec<u8> {
    let sample = server::alerts::fixtures::get("bac_purchase_crc.eml").expect("fixture");
    gmail_stand_in::renumbered(sample, n)
}

async fn setup(concurrency: &str) -> (tempfile::TempDir, server::web::AppState, GmailStandIn) {
    let gmail = GmailStandIn::on(Arc::new(MockServer::start().await), LATENCY).await;
    let dir = tempfile::tempdir().unwrap();
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("bench.db").display()
    );
    let key = VaultKey::generate().expose_secret().to_owned();
    let base = gmail.uri();
    let config = Config::load(&Source::from_pairs([
        ("DATABASE_URL", url.as_str()),
        ("TOKEN_ENCRYPTION_KEY", key.as_str()),
        ("GOOGLE_CLIENT_ID", "bench"),
        ("GOOGLE_CLIENT_SECRET", "bench"),
        ("GMAIL_API_URL", base.as_str()),
        ("SYNC_CONCURRENCY", concurrency),
    ]))
    .unwrap();
    let db = server::db::connect_and_migrate(&url).await.unwrap();
    let metrics = server::web::metrics::install();
    let state = server::app_state(config, db, Clock::system(), metrics)
        .await
        .unwrap();
    (dir, state, gmail)
}

async fn stored(state: &server::web::AppState) -> u64 {
    transactions::Entity::find().count(&state.db).await.unwrap()
}

async fn many_mailboxes() {
    let concurrency = std::env::var("SYNC_CONCURRENCY").unwrap_or_else(|_| "8".into());
    let (_dir, state, gmail) = setup(&concurrency).await;
    let now_ms = server::clock::now() * 1000;
    let owner = seed::user(&state.db).await;
    let accounts = seed::accounts(&state.config, &state.db, owner, 100, 3600).await;
    for (a, account) in accounts.iter().enumerate() {
        gmail.mailbox(&account.email, &account.access);
        for n in 0..10 {
            gmail.add(
                &account.email,
                &alert(a * 10 + n),
                now_ms - n as i64 * 60_000,
            );
        }
    }
    let stop = CancellationToken::new();
    let workers = tokio::spawn(server::sync::queue::run_workers(
        state.syncs.clone(),
        stop.clone(),
    ));
    let started = Instant::now();
    let queued = state.syncs.request_all().await.unwrap();
    assert_eq!(queued, 100);
    while stored(&state).await < 1000 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let wall = started.elapsed();
    stop.cancel();
    let _ = workers.await;
    println!(
        "(a) 100 mailboxes x 10 new alerts, Gmail answering in 20 ms, SYNC_CONCURRENCY={concurrency}: {:.2} s",
        wall.as_secs_f64()
    );
}

async fn one_big_mailbox() {
    let (_dir, state, gmail) = setup("8").await;
    let now_ms = server::clock::now() * 1000;
    let owner = seed::user(&state.db).await;
    let account = seed::accounts(&state.config, &state.db, owner, 1, 3600)
        .await
        .remove(0);
    gmail.mailbox(&account.email, &account.access);
    for n in 0..1000 {
        gmail.add(&account.email, &alert(n), now_ms - n as i64 * 1000);
    }
    let started = Instant::now();
    state.syncs.run_job(account.id).await;
    let wall = started.elapsed();
    assert_eq!(stored(&state).await, 1000);
    println!(
        "(b) one mailbox, 1,000 alerts, 250 units/s: {:.2} s (quota floor 20 s; {} list + {} get calls)",
        wall.as_secs_f64(),
        gmail.count("list", None),
        gmail.count("get", None),
    );
}

#[tokio::main]
async fn main() {
    many_mailboxes().await;
    one_big_mailbox().await;
}
