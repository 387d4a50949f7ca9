//! The sync chaos soak: three server processes (this package's binary) on one PostgreSQL
//! database syncing 2,000 mailboxes, half Gmail and half Outlook, for five minutes, from fake
//! mail services that misbehave:
//!
//! - new bank alerts arrive all the time (10 a second, each a distinct alert addressed to its
//!   mailbox, with its service's verdict), and among them a few replays (an alert delivered
//!   again) and a few bombs (mail built to hurt a parser, from a bank's address);
//! - 5 % of calls answer 500, 3 % answer after 16 s (past the server's 15 s cut-off), 2 % cut
//!   the body off mid-answer, 1 % answer 429 with `Retry-After: 1`;
//! - every 30 s one process is killed with SIGKILL and started again;
//! - `SYNC_INTERVAL_SECS=30`, `SYNC_CONCURRENCY=32`, `SYNC_LEASE_SECS=10`; the job
//!   table's retention is the default's.
//!
//! It prints, as `name: value` lines: alerts delivered and transactions stored, alerts lost,
//! duplicates and foreign transactions, processes that died on their own (crashed by mail),
//! mail-arrival to transaction-visible latency p50/p99, job-table rows at the end, and the
//! servers' peak RSS. Run it with `scripts/soak.sh --sync` (it brings its own PostgreSQL);
//! `SOAK_SECS`, `SOAK_MAILBOXES` and `SOAK_ALERTS_PER_SEC` change its size.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rand::Rng;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, Statement};
use secrecy::{ExposeSecret, SecretString};
use server::alerts::fixtures::hostile::{BANK_HEADER, bombs};
use server::config::{Config, Source};
use server::entities::email_accounts::Provider;
use server::entities::{mail_messages, transactions};
use server::vault::VaultKey;

#[path = "../../tests/api/gmail_stand_in.rs"]
mod gmail_stand_in;
#[path = "../../tests/api/seed.rs"]
mod seed;
mod services;
#[path = "../support/soak_process.rs"]
mod soak_process;

use services::MailServices;
use soak_process::Process;

const INSTANCES: usize = 3;
const KILL_EVERY: Duration = Duration::from_secs(30);
const SYNC_INTERVAL_SECS: u64 = 30;
/// Mailboxes each process syncs at once: calls that hang until the 15 s cut-off hold a worker
/// each, so the default 8 would leave 2,000 mailboxes waiting.
const SYNC_CONCURRENCY: usize = 32;
/// The sample alert every delivered alert is a numbered copy of.
const SAMPLE: &str = "bac_purchase_crc.eml";

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A server process syncing from the failing mail services at `base` (Gmail there, Graph at
/// its `/v1.0`).
fn start(database_url: &str, key: &SecretString, base: &str) -> Process {
    let (interval, concurrency) = (SYNC_INTERVAL_SECS.to_string(), SYNC_CONCURRENCY.to_string());
    let graph = format!("{base}/v1.0");
    let vars = [
        ("MICROSOFT_CLIENT_ID", "soak"),
        ("MICROSOFT_CLIENT_SECRET", "soak"),
        ("GRAPH_API_URL", graph.as_str()),
        ("REFRESH_INTERVAL_SECS", "5"),
        ("SYNC_INTERVAL_SECS", interval.as_str()),
        ("SYNC_LEASE_SECS", "10"),
        ("SYNC_CONCURRENCY", concurrency.as_str()),
    ];
    Process::start(database_url, key, base, &vars)
}

fn percentile(sorted: &[u64], pct: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let at = ((sorted.len() as f64 - 1.0) * pct / 100.0).round() as usize;
    sorted[at.min(sorted.len() - 1)]
}

#[tokio::main]
async fn main() {
    let database_url = std::env::var("SOAK_DATABASE_URL")
        .expect("SOAK_DATABASE_URL: a PostgreSQL database to fill (scripts/soak.sh makes one)");
    let soak = Duration::from_secs(env_or("SOAK_SECS", 300));
    let count: usize = env_or("SOAK_MAILBOXES", 2_000);
    let per_sec: f64 = env_or("SOAK_ALERTS_PER_SEC", 10.0);

    let services = MailServices::default();
    let base = services.serve().await;

    let key = VaultKey::generate();
    let config = Config::load(&Source::from_pairs([
        ("DATABASE_URL", database_url.as_str()),
        ("TOKEN_ENCRYPTION_KEY", key.expose_secret()),
        ("GOOGLE_CLIENT_ID", "soak"),
        ("GOOGLE_CLIENT_SECRET", "soak"),
        ("MICROSOFT_CLIENT_ID", "soak"),
        ("MICROSOFT_CLIENT_SECRET", "soak"),
    ]))
    .unwrap();
    let db = server::db::connect_and_migrate(&database_url)
        .await
        .unwrap();
    let owner = seed::user(&db).await;
    // Tokens that outlive the soak: this is the sync's soak, not the refresher's.
    let outlook = count / 2;
    let mut accounts = seed::accounts(&config, &db, owner, count - outlook, 4 * 3600).await;
    let outlook_accounts =
        seed::accounts_of(Provider::Microsoft, &config, &db, owner, outlook, 4 * 3600).await;
    let first_outlook = accounts.len();
    let on_outlook: std::collections::HashSet<i32> =
        outlook_accounts.iter().map(|a| a.id).collect();
    accounts.extend(outlook_accounts);
    for account in &accounts {
        services.open(&account.access);
    }
    let sample = server::alerts::fixtures::get(SAMPLE).expect("the sample alert");
    let small_bombs: Vec<Vec<u8>> = bombs(BANK_HEADER)
        .into_iter()
        .map(|(_, raw, _)| raw)
        .filter(|raw| raw.len() < 2 * 1024 * 1024)
        .collect();
    println!("seeded: {count} mailboxes ({outlook} on Outlook)");

    let mut processes: Vec<Process> = (0..INSTANCES)
        .map(|_| start(&database_url, &key, &base))
        .collect();
    let began = Instant::now();
    let mut next_kill = began + KILL_EVERY;
    let mut kills = 0;
    let mut crashed = 0;
    let mut peak_rss_kib = 0;
    // Each delivered alert: its mailbox, when it arrived (Unix seconds) and its message id.
    let mut delivered: HashMap<String, (i32, i64, String)> = HashMap::new();
    let mut delivered_copies: Vec<(usize, Arc<Vec<u8>>)> = Vec::new();
    let mut replays = 0;
    let mut bombs_planted = 0;
    let mut seen: HashMap<String, i64> = HashMap::new();
    let mut last_seen_id = 0;
    let mut n = 0_usize;
    let tick = Duration::from_millis(100);
    let mut owed = 0.0;
    while began.elapsed() < soak {
        tokio::time::sleep(tick).await;
        owed += per_sec * tick.as_secs_f64();
        while owed >= 1.0 {
            owed -= 1.0;
            let (pick, roll): (usize, f64) = {
                let mut rng = rand::thread_rng();
                (rng.gen_range(0..accounts.len()), rng.r#gen())
            };
            let account = &accounts[pick];
            if roll < 0.01 && !small_bombs.is_empty() {
                let bomb = &small_bombs[bombs_planted % small_bombs.len()];
                services.deliver(&account.access, Arc::new(bomb.clone()));
                bombs_planted += 1;
            } else if roll < 0.03 && !delivered_copies.is_empty() {
                let (to, raw) = &delivered_copies[n % delivered_copies.len()];
                services.deliver(&accounts[*to].access, raw.clone());
                replays += 1;
            } else {
                n += 1;
                let mut raw = gmail_stand_in::addressed_to(
                    &gmail_stand_in::renumbered(sample, n),
                    &account.email,
                );
                if pick >= first_outlook {
                    raw = gmail_stand_in::verdict_by_outlook(&raw, "");
                }
                let raw = Arc::new(raw);
                let reference = format!("533412{:06}", n % 1_000_000);
                let id = services.deliver(&account.access, raw.clone());
                delivered.insert(reference, (account.id, server::clock::now(), id));
                delivered_copies.push((pick, raw));
            }
        }
        if Instant::now() >= next_kill {
            let victim = kills % INSTANCES;
            peak_rss_kib = peak_rss_kib.max(processes[victim].peak_rss_kib());
            processes[victim] = start(&database_url, &key, &base);
            kills += 1;
            next_kill += KILL_EVERY;
        }
        for process in &mut processes {
            peak_rss_kib = peak_rss_kib.max(process.peak_rss_kib());
            if let Ok(Some(_)) = process.0.try_wait() {
                crashed += 1;
                *process = start(&database_url, &key, &base);
            }
        }
        // What became visible since the last look.
        let fresh: Vec<(i32, Option<String>, i64)> = transactions::Entity::find()
            .select_only()
            .column(transactions::Column::Id)
            .column(transactions::Column::Reference)
            .column(transactions::Column::CreatedAt)
            .filter(transactions::Column::Id.gt(last_seen_id))
            .into_tuple()
            .all(&db)
            .await
            .unwrap();
        for (id, reference, created_at) in fresh {
            last_seen_id = last_seen_id.max(id);
            if let Some(reference) = reference {
                seen.entry(reference).or_insert(created_at);
            }
        }
    }
    // Deliveries stop; the syncs get four intervals to catch up.
    let drain = Instant::now();
    while drain.elapsed() < Duration::from_secs(SYNC_INTERVAL_SECS * 4) {
        tokio::time::sleep(Duration::from_secs(1)).await;
        for process in &mut processes {
            peak_rss_kib = peak_rss_kib.max(process.peak_rss_kib());
            if let Ok(Some(_)) = process.0.try_wait() {
                crashed += 1;
                *process = start(&database_url, &key, &base);
            }
        }
    }
    drop(processes);

    let rows: Vec<(i32, Option<String>, i64)> = transactions::Entity::find()
        .select_only()
        .column(transactions::Column::AccountId)
        .column(transactions::Column::Reference)
        .column(transactions::Column::CreatedAt)
        .into_tuple()
        .all(&db)
        .await
        .unwrap();
    let mut per_reference: HashMap<String, usize> = HashMap::new();
    let mut foreign = 0;
    for (account_id, reference, created_at) in &rows {
        let reference = reference.clone().unwrap_or_default();
        match delivered.get(&reference) {
            Some((to, ..)) if to == account_id => {
                *per_reference.entry(reference.clone()).or_default() += 1;
                seen.entry(reference).or_insert(*created_at);
            }
            _ => foreign += 1,
        }
    }
    let lost: Vec<&String> = delivered
        .iter()
        .filter(|(r, _)| !per_reference.contains_key(*r))
        .map(|(_, (.., id))| id)
        .collect();
    let lost_accounts: Vec<i32> = delivered
        .iter()
        .filter(|(r, _)| !per_reference.contains_key(*r))
        .map(|(_, (account_id, ..))| *account_id)
        .collect();
    // What the sync recorded of each lost alert (nothing: never examined).
    let mut lost_as: HashMap<String, usize> = HashMap::new();
    for id in &lost {
        let outcome: Option<String> = mail_messages::Entity::find()
            .select_only()
            .column(mail_messages::Column::Outcome)
            .filter(mail_messages::Column::MessageId.eq(id.as_str()))
            .into_tuple()
            .one(&db)
            .await
            .unwrap();
        *lost_as
            .entry(outcome.unwrap_or_else(|| "never examined".into()))
            .or_default() += 1;
    }
    let duplicates: usize = per_reference.values().map(|n| n.saturating_sub(1)).sum();
    let mut latencies: Vec<u64> = delivered
        .iter()
        .filter_map(|(reference, (_, arrived, _))| {
            seen.get(reference)
                .map(|visible| (visible - arrived).max(0) as u64)
        })
        .collect();
    latencies.sort_unstable();
    let jobs = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT COUNT(*) AS n FROM apalis.jobs",
        ))
        .await
        .unwrap()
        .and_then(|row| row.try_get::<i64>("", "n").ok())
        .unwrap_or(-1);
    let calls = services.calls();
    let delivered_to_outlook = delivered
        .values()
        .filter(|(account_id, ..)| on_outlook.contains(account_id))
        .count();
    let lost_on_outlook = lost_accounts
        .iter()
        .filter(|account_id| on_outlook.contains(account_id))
        .count();
    println!("soak_secs: {}", soak.as_secs());
    println!("mailboxes: {count}");
    println!("outlook_mailboxes: {outlook}");
    println!("instances: {INSTANCES}");
    println!("kills: {kills}");
    println!("gmail_calls: {}", calls.gmail);
    println!("graph_calls: {}", calls.graph);
    println!("faults_injected: {}", calls.faults);
    println!("alerts_delivered: {}", delivered.len());
    println!("alerts_delivered_to_outlook: {delivered_to_outlook}");
    println!("replays_delivered: {replays}");
    println!("bombs_delivered: {bombs_planted}");
    println!("transactions_stored: {}", rows.len());
    println!("alerts_lost: {}", lost.len());
    println!("alerts_lost_on_outlook: {lost_on_outlook}");
    println!("alerts_lost_as: {lost_as:?}");
    println!("duplicates: {duplicates}");
    println!("foreign: {foreign}");
    println!("processes_crashed_by_mail: {crashed}");
    println!("latency_p50_secs: {}", percentile(&latencies, 50.0));
    println!("latency_p99_secs: {}", percentile(&latencies, 99.0));
    println!("latency_max_secs: {}", percentile(&latencies, 100.0));
    println!("job_rows_at_end: {jobs}");
    println!("peak_rss_mib: {:.1}", peak_rss_kib as f64 / 1024.0);
}
