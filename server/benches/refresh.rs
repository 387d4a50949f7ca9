//! The refresher's two figures, on a SQLite file and a local token endpoint answering in 50 ms:
//!   1. wall time to refresh 1,000 due accounts (one background round);
//!   2. p50/p99 of `get_valid_token` for a token that is still valid.
//!
//! Run: `cargo bench -p server --bench refresh` (REFRESH_CONCURRENCY to change parallelism).

use std::time::{Duration, Instant};

use secrecy::ExposeSecret;
use server::clock::Clock;
use server::config::{Config, Source};
use server::provider::{Providers, http_client};
use server::tokens::{Timing, TokenService};
use server::vault::VaultKey;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[path = "../tests/api/seed.rs"]
mod seed;

const ACCOUNTS: usize = 1000;

#[tokio::main]
async fn main() {
    let google = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/token"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(serde_json::json!({"access_token": "fresh", "expires_in": 3599, "token_type": "Bearer"}))
                .set_delay(Duration::from_millis(50)),
        )
        .mount(&google)
        .await;

    let dir = tempfile::tempdir().unwrap();
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("bench.db").display()
    );
    let key = VaultKey::generate().expose_secret().to_owned();
    let token_url = format!("{}/token", google.uri());
    let config = Config::load(&Source::from_pairs([
        ("DATABASE_URL", url.as_str()),
        ("TOKEN_ENCRYPTION_KEY", key.as_str()),
        ("GOOGLE_CLIENT_ID", "bench"),
        ("GOOGLE_CLIENT_SECRET", "bench"),
        ("GOOGLE_TOKEN_URL", token_url.as_str()),
    ]))
    .unwrap();
    // The configured default unless REFRESH_CONCURRENCY says otherwise.
    let concurrency = std::env::var("REFRESH_CONCURRENCY")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(config.refresh.concurrency);
    let db = server::db::connect_and_migrate(&url).await.unwrap();
    // Accounts stored through the real grant-storing code, their tokens 10 minutes from expiry.
    let owner = seed::user(&db).await;
    let seeded = seed::accounts(&config, &db, owner, ACCOUNTS, 600).await;
    let ids: Vec<i32> = seeded.iter().map(|a| a.id).collect();
    let accounts = server::accounts(&config, db.clone(), Clock::system());
    let providers = Providers::new(&config, http_client());
    let service = TokenService::new(accounts, providers, Timing::default());

    let started = Instant::now();
    let round = service.refresh_due(concurrency).await.unwrap();
    let wall = started.elapsed();
    assert_eq!(round.refreshed, ACCOUNTS, "{round:?}");
    println!(
        "refresh_due: {ACCOUNTS} due accounts, token endpoint 50 ms, concurrency {concurrency}: {:.2} s",
        wall.as_secs_f64()
    );

    // Every token is now valid for an hour: measure the fast path.
    for id in &ids[..100] {
        service.get_valid_token(*id).await.unwrap();
    }
    let mut samples = Vec::with_capacity(10_000);
    for n in 0..10_000 {
        let id = ids[n % ids.len()];
        let t = Instant::now();
        let token = service.get_valid_token(id).await.unwrap();
        samples.push(t.elapsed());
        assert_eq!(token.expose_secret(), "fresh");
    }
    samples.sort();
    let pct = |p: f64| samples[((samples.len() as f64 * p) as usize).min(samples.len() - 1)];
    println!(
        "get_valid_token (valid token, SQLite file): p50 {:?}, p99 {:?}, max {:?} over {} calls",
        pct(0.50),
        pct(0.99),
        samples[samples.len() - 1],
        samples.len()
    );
}
