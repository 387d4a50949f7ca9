//! The password hashing bound, measured on a real server process: twenty sign-ups at once with
//! random addresses raise its peak memory by about two hashes' worth (19 MiB each), not twenty.

use std::time::Duration;

use secrecy::SecretString;
use server::vault::VaultKey;

use super::*;
use crate::helpers::{spawn_server_process, wait_until};

on_both_databases! {
    twenty_parallel_sign_ups_stay_within_the_memory_bound,
}

/// The process's peak resident memory so far (`VmHWM`), in MiB.
fn peak_rss_mib(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let kib: f64 = status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM in /proc/<pid>/status");
    kib / 1024.0
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn sign_up(address: &str, email: &str) -> StatusCode {
    crate::helpers::browser_client()
        .post(format!("{address}/api/sign_up"))
        .header("accept", "application/json")
        .form(&[("email", email), ("password", "correct horse battery")])
        .send()
        .await
        .unwrap()
        .status()
}

async fn twenty_parallel_sign_ups_stay_within_the_memory_bound(db: TestDb) {
    const HASH_MIB: f64 = 19.0;
    let key: SecretString = VaultKey::generate();
    let dir = tempfile::tempdir().unwrap();
    let site = format!("127.0.0.1:{}", free_port());
    let address = format!("http://{site}");
    let vars = [
        ("LEPTOS_SITE_ADDR", site.as_str()),
        ("APP_ORIGIN", address.as_str()),
        ("PASSWORD_HASH_CONCURRENCY", "2"),
        ("CLIENT_BURST", "1000"),
        ("REFRESH_INTERVAL_SECS", "3600"),
        ("SYNC_INTERVAL_SECS", "3600"),
    ];
    let server = spawn_server_process(&db.url, &key, "http://127.0.0.1:9", dir.path(), &vars);
    let health = format!("{address}/healthz");
    wait_until("the server answers", Duration::from_secs(30), async || {
        reqwest::get(&health)
            .await
            .is_ok_and(|r| r.status().is_success())
    })
    .await;
    // One sign-up first, so the baseline includes one hash and the allocator's warm-up.
    assert_eq!(sign_up(&address, "first@example.com").await, StatusCode::OK);
    let baseline = peak_rss_mib(server.0.id());

    let attempts = (0..20).map(|_| {
        let email = format!("{}@example.com", hex::encode(rand::random::<[u8; 6]>()));
        let address = address.clone();
        async move { sign_up(&address, &email).await }
    });
    let statuses = futures::future::join_all(attempts).await;
    let peak = peak_rss_mib(server.0.id());
    eprintln!("peak RSS: {baseline:.1} MiB after one sign-up, {peak:.1} MiB after 20 at once");

    // Each either went through or was told to come back later; nothing failed otherwise.
    let created = statuses.iter().filter(|s| **s == StatusCode::OK).count();
    assert!(
        statuses
            .iter()
            .all(|s| *s == StatusCode::OK || *s == StatusCode::TOO_MANY_REQUESTS),
        "{statuses:?}"
    );
    assert!(created >= 2, "{statuses:?}");
    let conn = db.connect().await;
    assert_eq!(
        users::Entity::find().count(&conn).await.unwrap(),
        created as u64 + 1
    );
    // Unbounded, twenty hashes at once would add twenty times 19 MiB. Bounded, two hash at
    // once; the allocator may hold a finished hash's memory a little longer, and the twenty
    // requests have their buffers (40 MiB is typical; a busy machine has shown more than 57).
    assert!(
        peak - baseline < 4.0 * HASH_MIB,
        "peak grew by {:.1} MiB",
        peak - baseline
    );
}
