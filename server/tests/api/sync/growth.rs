//! Growth stays bounded: "Sync now" of one mailbox at most once a minute (answered with when it
//! can run next), and the job table keeping each mailbox's last finished sync, and nothing
//! finished for longer than a day.

use sea_orm::{ConnectionTrait, DbBackend, Statement};

use super::*;

on_both_databases! {
    sync_now_is_limited_per_mailbox_and_says_when_it_can_run,
    finished_jobs_are_removed_after_the_retention_period,
    a_mailbox_keeps_only_its_last_finished_sync,
}

async fn sync_now_is_limited_per_mailbox_and_says_when_it_can_run(db: TestDb) {
    let Setup { app, _db, .. } = setup(db, 0).await;
    let user_id = app.signed_up("ines@example.com").await;
    let mailboxes = seed::accounts(&app.config, &app.db, user_id, 2, 3600).await;
    let (first, second) = (mailboxes[0].id.to_string(), mailboxes[1].id.to_string());
    let sync_now = |id: &str| {
        let id = id.to_owned();
        let app = &app;
        async move { app.call("sync_now", &[("account_id", &id)]).await }
    };

    assert!(sync_now(&first).await.status().is_success());
    let again = sync_now(&first).await;
    assert_eq!(again.status(), 429);
    let asked = app.syncs.state(mailboxes[0].id).await.unwrap().unwrap();
    let next = english().clock_time(asked.asked_at.unwrap() + 60);
    let body = again.text().await.unwrap();
    assert!(
        body.contains(&format!("can sync again at {next}")),
        "{body}"
    );
    // Another mailbox has its own minute.
    assert!(sync_now(&second).await.status().is_success());

    app.clock.advance(61);
    assert!(sync_now(&first).await.status().is_success());
}

/// How many of the sync queue's jobs the job table holds.
async fn jobs(app: &TestApp) -> i64 {
    let sql = match app.db.get_database_backend() {
        DbBackend::Postgres => "SELECT COUNT(*) AS n FROM apalis.jobs",
        _ => "SELECT COUNT(*) AS n FROM Jobs",
    };
    let row = app
        .db
        .query_one_raw(Statement::from_string(app.db.get_database_backend(), sql))
        .await
        .unwrap()
        .unwrap();
    row.try_get("", "n").unwrap()
}

/// Marks every unfinished job `status` at the app clock's now, as a worker that ran them would.
async fn finish_all_as(app: &TestApp, status: &str) {
    let now = app.clock.now();
    let sql = match app.db.get_database_backend() {
        DbBackend::Postgres => format!(
            "UPDATE apalis.jobs SET status = '{status}', done_at = to_timestamp({now}) \
             WHERE done_at IS NULL"
        ),
        _ => format!("UPDATE Jobs SET status = '{status}', done_at = {now} WHERE done_at IS NULL"),
    };
    app.db.execute_unprepared(&sql).await.unwrap();
}

async fn finish_all(app: &TestApp) {
    finish_all_as(app, "Done").await;
}

async fn finished_jobs_are_removed_after_the_retention_period(db: TestDb) {
    let Setup {
        app, accounts, _db, ..
    } = setup(db, 2).await;
    assert!(app.syncs.request(accounts[0].id).await.unwrap());
    finish_all(&app).await;
    assert!(app.syncs.request(accounts[1].id).await.unwrap());
    assert_eq!(jobs(&app).await, 2);

    // Within the day, the finished job stays (for an operator to look at).
    assert_eq!(app.syncs.purge_finished_jobs().await.unwrap(), 0);
    app.clock.advance(24 * 60 * 60 + 60);
    assert_eq!(app.syncs.purge_finished_jobs().await.unwrap(), 1);
    assert_eq!(jobs(&app).await, 1, "the pending job stays");
}

async fn a_mailbox_keeps_only_its_last_finished_sync(db: TestDb) {
    let Setup {
        app, accounts, _db, ..
    } = setup(db, 2).await;
    let (first, second) = (accounts[0].id, accounts[1].id);
    // A queued mark lapses after this long, and the mailbox can be queued again (a finished
    // sync clears it sooner; nothing runs the jobs here).
    let later = server::sync::state::STALE_QUEUED_SECS + 1;
    // Three syncs of the first mailbox, one of the second.
    for round in 0..3 {
        assert!(app.syncs.request(first).await.unwrap());
        if round == 0 {
            assert!(app.syncs.request(second).await.unwrap());
        }
        finish_all(&app).await;
        app.clock.advance(later);
    }
    assert_eq!(jobs(&app).await, 4);

    assert_eq!(app.syncs.purge_finished_jobs().await.unwrap(), 2);
    assert_eq!(jobs(&app).await, 2, "each mailbox's last sync stays");

    // A job killed after its last attempt stays for the day even when a later sync finished:
    // it is what an operator looks at.
    assert!(app.syncs.request(first).await.unwrap());
    finish_all_as(&app, "Killed").await;
    app.clock.advance(later);
    assert!(app.syncs.request(first).await.unwrap());
    finish_all(&app).await;
    assert_eq!(app.syncs.purge_finished_jobs().await.unwrap(), 1);
    assert_eq!(jobs(&app).await, 3);
}
