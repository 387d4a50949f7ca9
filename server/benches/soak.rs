//! The chaos soak: three server processes (this package's binary) on one PostgreSQL database
//! with 10,000 accounts, for five minutes, against a token endpoint that misbehaves:
//!
//! - access tokens live 2 minutes; 10 % of calls answer 500, 5 % answer after 11 s (past the
//!   server's 10 s cut-off), 2 % answer invalid JSON, 1 % drop the connection mid-answer;
//! - every 30 s one process is killed with SIGKILL and started again;
//! - half-way, 50 accounts' grants are revoked (the endpoint answers `invalid_grant`).
//!
//! It prints, as `name: value` lines: tokens lost, false "Reconnect needed", duplicate
//! refreshes (one account refreshed twice within 30 s) as a share of all refreshes, refreshes
//! that came after the previous token had expired, and how long the revoked accounts took to be
//! flagged. Run it with `scripts/soak.sh` (it brings its own PostgreSQL); `SOAK_SECS` and
//! `SOAK_ACCOUNTS` shorten it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Form;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use rand::Rng;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use secrecy::{ExposeSecret, SecretString};
use server::config::{Config, Source};
use server::entities::SealedField;
use server::entities::email_accounts::{self, Status};
use server::vault::VaultKey;

#[path = "../tests/api/seed.rs"]
mod seed;
#[path = "support/soak_process.rs"]
mod soak_process;

use soak_process::Process;

/// How long the fake's access tokens live.
const LIFETIME_SECS: u64 = 120;
/// Two successful refreshes of one account closer than this count as a duplicate.
const DUPLICATE_WINDOW: Duration = Duration::from_secs(30);
const INSTANCES: usize = 3;
const KILL_EVERY: Duration = Duration::from_secs(30);
const REVOKED_ACCOUNTS: usize = 50;

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// What the fake token endpoint saw, per refresh token.
#[derive(Default)]
struct Grant {
    revoked: bool,
    /// When the last access token handed out (or seeded) expires.
    expires: Option<Instant>,
    last_success: Option<Instant>,
}

#[derive(Default)]
struct Tally {
    grants: HashMap<String, Grant>,
    successes: u64,
    duplicates: u64,
    late: u64,
    faults: u64,
}

type Shared = Arc<Mutex<Tally>>;

#[derive(serde::Deserialize)]
struct TokenForm {
    refresh_token: Option<String>,
}

async fn token(State(tally): State<Shared>, Form(form): Form<TokenForm>) -> Response {
    let roll: f64 = rand::thread_rng().r#gen();
    let fault = |tally: &Shared| tally.lock().unwrap().faults += 1;
    if roll < 0.10 {
        fault(&tally);
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    }
    if roll < 0.15 {
        fault(&tally);
        // Past the server's cut-off: it has given up by the time this answers.
        tokio::time::sleep(Duration::from_secs(11)).await;
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    }
    if roll < 0.17 {
        fault(&tally);
        return (
            [(http::header::CONTENT_TYPE, "application/json")],
            "{\"access_tok",
        )
            .into_response();
    }
    if roll < 0.18 {
        fault(&tally);
        // The body fails mid-answer: hyper drops the connection.
        let broken = futures::stream::once(async {
            Err::<Bytes, std::io::Error>(std::io::Error::other("connection reset"))
        });
        return Response::new(Body::from_stream(broken));
    }
    let Some(refresh) = form.refresh_token else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    let now = Instant::now();
    let mut tally = tally.lock().unwrap();
    let tally = &mut *tally;
    let grant = tally.grants.entry(refresh).or_default();
    if grant.revoked {
        let body = serde_json::json!({"error": "invalid_grant"});
        return (StatusCode::BAD_REQUEST, axum::Json(body)).into_response();
    }
    if grant.expires.is_some_and(|expires| now > expires) {
        tally.late += 1;
    }
    if grant
        .last_success
        .is_some_and(|last| now.duration_since(last) < DUPLICATE_WINDOW)
    {
        tally.duplicates += 1;
    }
    grant.last_success = Some(now);
    grant.expires = Some(now + Duration::from_secs(LIFETIME_SECS));
    tally.successes += 1;
    let access: u64 = rand::thread_rng().r#gen();
    axum::Json(serde_json::json!({
        "access_token": format!("soak-{access:x}"),
        "expires_in": LIFETIME_SECS,
        "token_type": "Bearer",
    }))
    .into_response()
}

/// A server process whose refresher runs against the failing token endpoint at `google`.
fn start(database_url: &str, key: &SecretString, google: &str) -> Process {
    // Two-minute tokens are due 40 s after each refresh; a tick every 5 s keeps the wait
    // for the next tick small beside that (Google's hour-long tokens need 60 s).
    let vars = [
        ("REFRESH_INTERVAL_SECS", "5"),
        ("REFRESH_CONCURRENCY", "64"),
        ("SYNC_CONCURRENCY", "0"),
    ];
    Process::start(database_url, key, google, &vars)
}

#[tokio::main]
async fn main() {
    let database_url = std::env::var("SOAK_DATABASE_URL")
        .expect("SOAK_DATABASE_URL: a PostgreSQL database to fill (scripts/soak.sh makes one)");
    let soak = Duration::from_secs(env_or("SOAK_SECS", 300));
    let count: usize = env_or("SOAK_ACCOUNTS", 10_000);

    let tally: Shared = Arc::default();
    let app = axum::Router::new()
        .route("/token", axum::routing::post(token))
        .route("/revoke", axum::routing::post(|| async { StatusCode::OK }))
        .with_state(tally.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let google = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let key = VaultKey::generate();
    let config = Config::load(&Source::from_pairs([
        ("DATABASE_URL", database_url.as_str()),
        ("TOKEN_ENCRYPTION_KEY", key.expose_secret()),
        ("GOOGLE_CLIENT_ID", "soak"),
        ("GOOGLE_CLIENT_SECRET", "soak"),
    ]))
    .unwrap();
    let db = server::db::connect_and_migrate(&database_url)
        .await
        .unwrap();
    let seeding = Instant::now();
    let owner = seed::user(&db).await;
    let accounts = seed::accounts(&config, &db, owner, count, LIFETIME_SECS as i64).await;
    {
        let mut tally = tally.lock().unwrap();
        for account in &accounts {
            let grant = tally.grants.entry(account.refresh.clone()).or_default();
            grant.expires = Some(Instant::now() + Duration::from_secs(LIFETIME_SECS));
        }
    }
    println!(
        "seeded: {count} accounts in {:.1} s",
        seeding.elapsed().as_secs_f64()
    );

    let mut processes: Vec<Process> = (0..INSTANCES)
        .map(|_| start(&database_url, &key, &google))
        .collect();
    let began = Instant::now();
    let mut next_kill = began + KILL_EVERY;
    let mut kills = 0;
    let revoke_at = began + soak / 2;
    let mut revoked: Vec<(i32, String)> = Vec::new();
    let mut flagged: HashMap<i32, Duration> = HashMap::new();
    while began.elapsed() < soak {
        tokio::time::sleep(Duration::from_secs(1)).await;
        if Instant::now() >= next_kill {
            let victim = kills % INSTANCES;
            processes[victim] = start(&database_url, &key, &google);
            kills += 1;
            next_kill += KILL_EVERY;
        }
        if revoked.is_empty() && Instant::now() >= revoke_at {
            let mut tally = tally.lock().unwrap();
            for account in accounts.iter().step_by(count / REVOKED_ACCOUNTS) {
                tally
                    .grants
                    .entry(account.refresh.clone())
                    .or_default()
                    .revoked = true;
                revoked.push((account.id, account.refresh.clone()));
                if revoked.len() == REVOKED_ACCOUNTS {
                    break;
                }
            }
        }
        if !revoked.is_empty() && flagged.len() < revoked.len() {
            let ids: Vec<i32> = revoked.iter().map(|(id, _)| *id).collect();
            let marked = email_accounts::Entity::find()
                .filter(email_accounts::Column::Id.is_in(ids))
                .filter(email_accounts::Column::Status.eq(Status::NeedsReconnect))
                .all(&db)
                .await
                .unwrap();
            for row in marked {
                flagged.entry(row.id).or_insert_with(|| revoke_at.elapsed());
            }
        }
    }
    drop(processes);

    let rows = email_accounts::Entity::find().all(&db).await.unwrap();
    let revoked_ids: Vec<i32> = revoked.iter().map(|(id, _)| *id).collect();
    let seeded: HashMap<i32, &seed::Seeded> = accounts.iter().map(|a| (a.id, a)).collect();
    let mut lost = 0;
    let mut false_reconnects = 0;
    for row in rows.iter().filter(|r| !revoked_ids.contains(&r.id)) {
        let id = row.id.to_string();
        let refresh = SealedField::RefreshToken
            .in_account(row)
            .and_then(|stored| {
                config
                    .vault
                    .open(SealedField::RefreshToken.binding(&id), stored)
                    .ok()
            });
        let expected = seeded.get(&row.id).map(|a| a.refresh.as_str());
        if refresh.as_ref().map(|t| t.expose_secret()) != expected {
            lost += 1;
        }
        if row.status == Status::NeedsReconnect {
            false_reconnects += 1;
        }
    }
    let tally = tally.lock().unwrap();
    let slowest_flag = flagged.values().max().copied().unwrap_or_default();
    println!("soak_secs: {}", soak.as_secs());
    println!("accounts: {count}");
    println!("instances: {INSTANCES}");
    println!("kills: {kills}");
    println!("refreshes: {}", tally.successes);
    println!("faults_injected: {}", tally.faults);
    println!("tokens_lost: {lost}");
    println!("false_reconnect_needed: {false_reconnects}");
    println!("duplicate_refreshes: {}", tally.duplicates);
    println!(
        "duplicate_refresh_pct: {:.3}",
        100.0 * tally.duplicates as f64 / tally.successes.max(1) as f64
    );
    println!("refreshes_late_past_expiry: {}", tally.late);
    println!("invalid_grant_injected: {}", revoked.len());
    println!("invalid_grant_flagged: {}", flagged.len());
    println!(
        "invalid_grant_slowest_flag_secs: {}",
        slowest_flag.as_secs()
    );
}
