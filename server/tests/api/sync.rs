//! Mail sync against a local Gmail stand-in: paging, re-syncs that add nothing, history and its
//! 404 fallback, a refused token renewed once, rate limits, a failing mailbox beside healthy
//! ones; the submodules hold the rest.

use std::sync::Arc;
use std::time::{Duration, Instant};

use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use server::alerts::{self, Outcome};
use server::entities::mail_messages;
use server::entities::mailbox_sync::{SyncFailure, SyncState};
use server::entities::transactions;
use tokio_util::sync::CancellationToken;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::gmail_stand_in::GmailStandIn;
use crate::helpers::{TestApp, TestDb, english, on_both_databases};
use crate::seed::{self, Seeded};

mod filing;
mod foreign;
mod growth;
mod lease;
mod lost_mail;
mod page;
mod plans;
pub(crate) mod processes;

on_both_databases! {
    a_first_sync_follows_every_page_and_a_resync_adds_nothing,
    later_syncs_read_history_and_fetch_only_new_mail,
    a_stale_history_id_falls_back_to_the_window,
    a_refused_token_is_renewed_once_and_the_call_retried,
    a_short_retry_after_is_waited_out_and_a_long_one_rescheduled,
    one_failing_mailbox_does_not_hold_up_the_others,
    sync_now_is_the_owners_and_a_duplicate_is_dropped,
}

pub(crate) fn fixture(name: &str) -> &'static [u8] {
    alerts::fixtures::get(name).expect("fixture exists")
}

/// Copy `n` of a sample alert: a distinct alert, not the same one seen again (which counts
/// once).
pub(crate) fn nth_copy(name: &str, n: usize) -> Vec<u8> {
    crate::gmail_stand_in::renumbered(fixture(name), n)
}

/// How many transactions the classifier reads from a fixture.
fn found_in(name: &str) -> usize {
    match alerts::classify(fixture(name)) {
        Outcome::Transactions(found) => found.len(),
        _ => 0,
    }
}

pub(crate) struct Setup {
    pub app: TestApp,
    pub gmail: GmailStandIn,
    pub accounts: Vec<Seeded>,
    pub _db: TestDb,
}

/// A server whose Google (token endpoint and Gmail) is a stand-in, and `count` connected
/// mailboxes, each reachable with its seeded access token.
pub(crate) async fn setup(db: TestDb, count: usize) -> Setup {
    let server = Arc::new(MockServer::start().await);
    let gmail = GmailStandIn::on(server.clone(), Duration::ZERO).await;
    let app = TestApp::builder(&db).google(&gmail.uri()).spawn().await;
    let owner = seed::user(&app.db).await;
    let accounts = seed::accounts(&app.config, &app.db, owner, count, 3600).await;
    for account in &accounts {
        gmail.mailbox(&account.email, &account.access);
    }
    Setup {
        app,
        gmail,
        accounts,
        _db: db,
    }
}

fn now_ms() -> i64 {
    server::clock::now() * 1000
}

async fn stored(app: &TestApp, account_id: i32) -> u64 {
    transactions::Entity::find()
        .filter(transactions::Column::AccountId.eq(account_id))
        .count(&app.db)
        .await
        .unwrap()
}

async fn sync(app: &TestApp, account_id: i32) {
    app.syncs.run_job(account_id).await;
}

async fn a_first_sync_follows_every_page_and_a_resync_adds_nothing(db: TestDb) {
    let Setup {
        app,
        gmail,
        accounts,
        _db,
        ..
    } = setup(db, 1).await;
    let mailbox = &accounts[0];
    // 230 messages over the last week (three pages of 100), and one from before the window.
    let names = [
        "bac_purchase_crc.eml",
        "bcr_card_three_rows.eml",
        "spoof_bac_display_name.eml",
        "personal_not_bank.eml",
    ];
    let mut expected = 0;
    for n in 0..230 {
        let name = names[n % names.len()];
        gmail.add(
            &mailbox.email,
            &nth_copy(name, n),
            now_ms() - (n as i64) * 60_000,
        );
        expected += found_in(name);
    }
    gmail.add(
        &mailbox.email,
        fixture("bac_purchase_crc.eml"),
        now_ms() - 8 * 86_400_000,
    );

    sync(&app, mailbox.id).await;
    let state = app.syncs.state(mailbox.id).await.unwrap().unwrap();
    assert!(state.failure.is_none(), "{state:?}");
    assert_eq!(gmail.count("list", None), 3, "three pages");
    assert_eq!(
        gmail.count("get", None),
        230,
        "each message in the window fetched once"
    );
    assert_eq!(stored(&app, mailbox.id).await, expected as u64);
    let examined = mail_messages::Entity::find().count(&app.db).await.unwrap();
    assert_eq!(
        examined, 230,
        "every examined message recorded with its outcome"
    );
    let state = app.syncs.state(mailbox.id).await.unwrap().unwrap();
    assert_eq!(state.state, SyncState::Idle);
    assert_eq!(state.last_new_transactions as usize, expected);
    assert!(state.history_id.is_some() && state.failure.is_none());

    // Nothing new: history says so, and nothing is listed, fetched or added.
    sync(&app, mailbox.id).await;
    assert_eq!(gmail.count("get", None), 230);
    assert_eq!(gmail.count("list", None), 3);
    assert_eq!(stored(&app, mailbox.id).await, expected as u64);
    let state = app.syncs.state(mailbox.id).await.unwrap().unwrap();
    assert_eq!(state.last_new_transactions, 0);
}

async fn later_syncs_read_history_and_fetch_only_new_mail(db: TestDb) {
    let Setup {
        app,
        gmail,
        accounts,
        _db,
        ..
    } = setup(db, 1).await;
    let mailbox = &accounts[0];
    gmail.add(
        &mailbox.email,
        fixture("bac_purchase_crc.eml"),
        now_ms() - 3_600_000,
    );
    sync(&app, mailbox.id).await;
    assert_eq!(stored(&app, mailbox.id).await, 1);

    let new = gmail.add(&mailbox.email, fixture("bcr_card_three_rows.eml"), now_ms());
    sync(&app, mailbox.id).await;
    assert_eq!(gmail.count("history", None), 1);
    assert_eq!(
        gmail.count("get", None),
        2,
        "only the new message is fetched"
    );
    assert_eq!(gmail.get_ids().last(), Some(&new));
    assert_eq!(
        stored(&app, mailbox.id).await,
        1 + found_in("bcr_card_three_rows.eml") as u64
    );
}

async fn a_stale_history_id_falls_back_to_the_window(db: TestDb) {
    let Setup {
        app,
        gmail,
        accounts,
        _db,
        ..
    } = setup(db, 1).await;
    let mailbox = &accounts[0];
    gmail.add(
        &mailbox.email,
        fixture("bac_purchase_crc.eml"),
        now_ms() - 3_600_000,
    );
    sync(&app, mailbox.id).await;
    gmail.add(&mailbox.email, fixture("bcr_sinpe_in.eml"), now_ms());
    gmail.raise_floor(&mailbox.email);

    sync(&app, mailbox.id).await;
    assert_eq!(
        gmail.count("profile", None),
        2,
        "the fallback starts over from the profile"
    );
    assert_eq!(
        gmail.count("get", None),
        2,
        "the known message is not fetched again"
    );
    assert_eq!(
        stored(&app, mailbox.id).await,
        1 + found_in("bcr_sinpe_in.eml") as u64
    );
    let state = app.syncs.state(mailbox.id).await.unwrap().unwrap();
    assert!(state.failure.is_none());
}

async fn a_refused_token_is_renewed_once_and_the_call_retried(db: TestDb) {
    let Setup {
        app,
        gmail,
        accounts,
        _db,
        ..
    } = setup(db, 1).await;
    let mailbox = &accounts[0];
    gmail.add(&mailbox.email, fixture("bac_purchase_crc.eml"), now_ms());
    Mock::given(method("POST"))
        .and(path("/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "access_token": "renewed-access", "expires_in": 3599, "token_type": "Bearer"
        })))
        .expect(1)
        .mount(&gmail.server)
        .await;
    gmail.mailbox(&mailbox.email, "renewed-access");
    // Gmail refuses the (unexpired) stored token once, as after a password change.
    gmail.fault(
        Some(&mailbox.access),
        ResponseTemplate::new(401).set_body_json(serde_json::json!({"error": {"code": 401}})),
    );

    sync(&app, mailbox.id).await;
    assert_eq!(stored(&app, mailbox.id).await, 1);
    assert_eq!(gmail.count("profile", Some("renewed-access")), 1);
    let state = app.syncs.state(mailbox.id).await.unwrap().unwrap();
    assert!(state.failure.is_none());
}

async fn a_short_retry_after_is_waited_out_and_a_long_one_rescheduled(db: TestDb) {
    let Setup {
        app,
        gmail,
        accounts,
        _db,
        ..
    } = setup(db, 1).await;
    let mailbox = &accounts[0];
    gmail.add(&mailbox.email, fixture("bac_purchase_crc.eml"), now_ms());
    let limited = |seconds: u64| {
        ResponseTemplate::new(429)
            .insert_header("Retry-After", seconds.to_string().as_str())
            .set_body_json(serde_json::json!({"error": {"code": 429, "errors": [{"reason": "rateLimitExceeded"}]}}))
    };
    gmail.fault(None, limited(1));
    let started = Instant::now();
    sync(&app, mailbox.id).await;
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "Retry-After honoured"
    );
    assert_eq!(stored(&app, mailbox.id).await, 1);

    // Longer than a sync should sleep: the run ends, and a retry is scheduled for then.
    gmail.add(&mailbox.email, fixture("bcr_sinpe_in.eml"), now_ms());
    gmail.fault(None, limited(600));
    sync(&app, mailbox.id).await;
    let state = app.syncs.state(mailbox.id).await.unwrap().unwrap();
    assert_eq!(state.failure, Some(SyncFailure::RateLimited));
    let retry_at = state.retry_at.unwrap();
    assert!(retry_at >= app.clock.now() + 590, "retries when Gmail said");
    assert_eq!(state.state, SyncState::Queued, "a retry job is waiting");
    assert_eq!(stored(&app, mailbox.id).await, 1);
    let view = english().sync_view(Some(&(&state).into()), "Gmail", false, app.clock.now());
    let expected = format!(
        "Gmail is rate limiting us; retrying at {} (nothing for you to do)",
        english().clock_time(retry_at)
    );
    assert_eq!(view.problem.as_deref(), Some(expected.as_str()));
    assert!(!view.syncing);
    assert!(!view.needs_you);
}

async fn one_failing_mailbox_does_not_hold_up_the_others(db: TestDb) {
    let Setup {
        app,
        gmail,
        accounts,
        _db,
        ..
    } = setup(db, 5).await;
    let (failing, healthy) = accounts.split_first().unwrap();
    for (n, account) in accounts.iter().enumerate() {
        gmail.add(
            &account.email,
            &nth_copy("bac_purchase_crc.eml", n),
            now_ms(),
        );
    }
    // The failing mailbox's Gmail is down: every answer is a slow 503.
    for _ in 0..20 {
        gmail.fault(
            Some(&failing.access),
            ResponseTemplate::new(503).set_delay(Duration::from_secs(2)),
        );
    }
    let stop = CancellationToken::new();
    let workers = tokio::spawn(server::sync::queue::run_workers(
        app.syncs.clone(),
        stop.clone(),
    ));
    for account in &accounts {
        assert!(app.syncs.request(account.id).await.unwrap());
    }
    let started = Instant::now();
    loop {
        let mut done = 0;
        for account in healthy {
            done += usize::from(stored(&app, account.id).await == 1);
        }
        if done == healthy.len() {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "healthy mailboxes waited"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let failing_state = app.syncs.state(failing.id).await.unwrap().unwrap();
    assert_ne!(
        failing_state.state,
        SyncState::Idle,
        "still busy with the failing mailbox"
    );
    assert_eq!(stored(&app, failing.id).await, 0);
    stop.cancel();
    let _ = workers.await;
}

async fn sync_now_is_the_owners_and_a_duplicate_is_dropped(db: TestDb) {
    let Setup {
        app, accounts, _db, ..
    } = setup(db, 1).await;
    let mailbox = &accounts[0];
    // Someone else's mailbox is "not found" for this user.
    app.sign_up("stranger@example.com", "correct horse").await;
    let id = mailbox.id.to_string();
    let refused = app.call("sync_now", &[("account_id", &id)]).await;
    assert_eq!(refused.status(), 404);
    assert!(app.syncs.state(mailbox.id).await.unwrap().is_none());

    assert!(app.syncs.request(mailbox.id).await.unwrap());
    assert!(
        !app.syncs.request(mailbox.id).await.unwrap(),
        "dropped, not queued twice"
    );
    let state = app.syncs.state(mailbox.id).await.unwrap().unwrap();
    assert_eq!(state.state, SyncState::Queued);
}
