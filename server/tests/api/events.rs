//! `/events`: the page's stream of its user's events. A queued or finished sync and new
//! transactions reach the owner's open pages, on this instance and on another sharing the
//! database; no one else's; a stream needs a live session, ends when it does, and is bounded
//! per user.

use std::sync::Arc;
use std::time::Duration;

use http::StatusCode;
use server::events::Event;
use wiremock::MockServer;

use crate::gmail_stand_in::GmailStandIn;
use crate::helpers::{TestApp, TestDb, browser_client, on_both_databases};
use crate::seed;
use crate::sync::fixture;

on_both_databases! {
    a_page_hears_its_mailboxes_syncs_and_new_transactions,
    a_stream_needs_a_session_and_hears_only_its_user,
    a_stream_ends_with_its_session_and_not_before,
    streams_are_bounded_per_user,
    an_event_on_one_instance_reaches_a_stream_on_another,
}

/// How long a test waits for an event that should come.
const PATIENCE: Duration = Duration::from_secs(10);

/// An open `/events` stream, read one event at a time.
struct Stream {
    response: reqwest::Response,
    buffer: String,
}

impl Stream {
    async fn open(app: &TestApp, client: &reqwest::Client) -> Self {
        let response = open(app, client).await;
        assert_eq!(response.status(), StatusCode::OK);
        let kind = response.headers()["content-type"].to_str().unwrap();
        assert_eq!(kind, "text/event-stream");
        Self {
            response,
            buffer: String::new(),
        }
    }

    /// The next named event as (name, data), or `None` when the stream ended. Comments and
    /// the retry line are skipped.
    async fn next(&mut self) -> Option<(String, String)> {
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let field = |name: &str| {
                    block
                        .lines()
                        .find_map(|line| line.strip_prefix(name))
                        .map(|value| value.trim_start().to_owned())
                };
                if let Some(name) = field("event:") {
                    return Some((name, field("data:").unwrap_or_default()));
                }
                continue;
            }
            let chunk = tokio::time::timeout(PATIENCE, self.response.chunk())
                .await
                .expect("an event within the wait")
                .expect("the stream reads")?;
            self.buffer.push_str(std::str::from_utf8(&chunk).unwrap());
        }
    }

    /// The next event, which must come.
    async fn expect(&mut self) -> (String, String) {
        self.next().await.expect("the stream is open")
    }

    /// Whether an event comes within `wait`.
    async fn hears_within(&mut self, wait: Duration) -> bool {
        tokio::time::timeout(wait, self.next()).await.is_ok()
    }
}

async fn open(app: &TestApp, client: &reqwest::Client) -> reqwest::Response {
    client
        .get(format!("{}/events", app.address))
        .send()
        .await
        .unwrap()
}

/// A signed-in client of a new user with one connected Gmail mailbox on a stand-in.
struct Setup {
    app: TestApp,
    gmail: GmailStandIn,
    user: i32,
    mailbox: seed::Seeded,
    _db: TestDb,
}

async fn setup(db: TestDb) -> Setup {
    let server = Arc::new(MockServer::start().await);
    let gmail = GmailStandIn::on(server, Duration::ZERO).await;
    let app = TestApp::builder(&db).google(&gmail.uri()).spawn().await;
    let user = app.signed_up("owner@example.com").await;
    let mailbox = seed::accounts(&app.config, &app.db, user, 1, 3600)
        .await
        .remove(0);
    gmail.mailbox(&mailbox.email, &mailbox.access);
    Setup {
        app,
        gmail,
        user,
        mailbox,
        _db: db,
    }
}

async fn a_page_hears_its_mailboxes_syncs_and_new_transactions(db: TestDb) {
    let Setup {
        app,
        gmail,
        mailbox,
        _db,
        ..
    } = setup(db).await;
    let mut stream = Stream::open(&app, &app.client).await;
    let synced = (
        "sync".to_owned(),
        format!(r#"{{"account":{}}}"#, mailbox.id),
    );

    assert!(app.syncs.request(mailbox.id).await.unwrap());
    assert_eq!(stream.expect().await, synced, "queued");
    // A second request while one is queued is dropped, and says nothing.
    assert!(!app.syncs.request(mailbox.id).await.unwrap());

    let now_ms = server::clock::now() * 1000;
    gmail.add(&mailbox.email, fixture("bac_purchase_crc.eml"), now_ms);
    app.syncs.run_job(mailbox.id).await;
    assert_eq!(
        stream.expect().await,
        ("new".into(), r#"{"count":1}"#.into())
    );
    assert_eq!(stream.expect().await, synced, "finished");
    // Nothing else was said: the duplicate request above was silent.
    assert!(!stream.hears_within(Duration::from_millis(600)).await);

    // A sync that finds nothing new only says it finished.
    app.syncs.run_job(mailbox.id).await;
    assert_eq!(stream.expect().await, synced);
}

async fn a_stream_needs_a_session_and_hears_only_its_user(db: TestDb) {
    let Setup { app, user, _db, .. } = setup(db).await;
    let stranger = browser_client();
    assert_eq!(
        open(&app, &stranger).await.status(),
        StatusCode::UNAUTHORIZED
    );

    let other_client = browser_client();
    let signed_up = other_client
        .post(format!("{}/api/sign_up", app.address))
        .header("Accept", "application/json")
        .form(&[
            ("email", "other@example.com"),
            ("password", "correct horse"),
        ])
        .send()
        .await
        .unwrap();
    assert!(signed_up.status().is_success());
    let other = app.user("other@example.com").await.id;
    let mut theirs = Stream::open(&app, &other_client).await;
    let mut mine = Stream::open(&app, &app.client).await;

    let event = Event::NewTransactions {
        account: 1,
        count: 2,
    };
    app.events.publish(user, event).await;
    assert_eq!(mine.expect().await, ("new".into(), r#"{"count":2}"#.into()));
    assert!(!theirs.hears_within(Duration::from_millis(600)).await);
    app.events.publish(other, Event::Stale).await;
    assert_eq!(theirs.expect().await, ("sync".into(), "{}".into()));
}

async fn a_stream_ends_with_its_session_and_not_before(db: TestDb) {
    let Setup { app, _db, .. } = setup(db).await;
    let laptop = browser_client();
    let signed_in = laptop
        .post(format!("{}/api/sign_in", app.address))
        .header("Accept", "application/json")
        .form(&[
            ("email", "owner@example.com"),
            ("password", "correct horse"),
        ])
        .send()
        .await
        .unwrap();
    assert!(signed_in.status().is_success());
    let mut here = Stream::open(&app, &app.client).await;
    let mut there = Stream::open(&app, &laptop).await;

    // A new password here ends the laptop's session, and its stream; this one goes on.
    let changed = app
        .call(
            "change_password",
            &[
                ("current_password", "correct horse"),
                ("new_password", "battery staple"),
            ],
        )
        .await;
    assert!(changed.status().is_success());
    assert_eq!(there.expect().await, ("end".into(), "{}".into()));
    assert_eq!(there.next().await, None, "the laptop's stream is closed");
    assert!(!here.hears_within(Duration::from_millis(600)).await);

    // Signing out here ends this one.
    app.call("sign_out", &[]).await;
    assert_eq!(here.expect().await, ("end".into(), "{}".into()));
    assert_eq!(here.next().await, None);
    assert_eq!(
        open(&app, &app.client).await.status(),
        StatusCode::UNAUTHORIZED
    );
}

async fn streams_are_bounded_per_user(db: TestDb) {
    let Setup { app, _db, .. } = setup(db).await;
    let limit = server::events::Limits::default().per_user;
    let mut open_streams = Vec::new();
    for _ in 0..limit {
        open_streams.push(Stream::open(&app, &app.client).await);
    }
    assert_eq!(app.events.open_streams(), limit);
    let refused = open(&app, &app.client).await;
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        app.events.open_streams(),
        limit,
        "the refused one holds nothing"
    );
}

async fn an_event_on_one_instance_reaches_a_stream_on_another(db: TestDb) {
    let Setup {
        app, mailbox, _db, ..
    } = setup(db).await;
    let other = TestApp::builder(&_db).spawn().await;
    let mut stream = Stream::open(&app, &app.client).await;

    assert!(other.syncs.request(mailbox.id).await.unwrap());
    let synced = (
        "sync".to_owned(),
        format!(r#"{{"account":{}}}"#, mailbox.id),
    );
    assert_eq!(stream.expect().await, synced);
}
