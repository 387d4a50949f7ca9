//! Push: Gmail watches (registered, renewed daily, stopped at disconnect, retried after a
//! failure, with the short interval meanwhile) and Pub/Sub deliveries, accepted only with a
//! token Google signed for our audience and service account; `outlook` holds Graph's
//! subscriptions and notifications. Time moves by the server's clock, never by sleeping.

mod outlook;

use std::process::Command;
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, LazyLock};

use base64_simd::STANDARD;
use http::StatusCode;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use sea_orm::EntityTrait;
use server::clock::Clock;
use server::entities::mailbox_push::{self, PushState};
use server::entities::mailbox_sync::SyncState;
use wiremock::matchers::{body_partial_json, method, path};
use wiremock::{Mock, MockServer, Respond, ResponseTemplate};

use crate::gmail_stand_in::GmailStandIn;
use crate::helpers::{
    GMAIL_PUSH_AUDIENCE, GMAIL_PUSH_SERVICE_ACCOUNT, GMAIL_PUSH_TOPIC, TestApp, TestDb,
    bare_client, on_both_databases,
};
use crate::seed::{self, Seeded};

on_both_databases! {
    gmail_mailboxes_are_watched_renewed_daily_and_stopped,
    a_failed_watch_falls_back_to_the_short_interval_until_it_works,
    a_gmail_delivery_needs_googles_token_and_queues_one_sync,
}

const DAY: i64 = 24 * 3600;

/// An RSA key like the ones Google signs Pub/Sub's tokens with, made once per test run (by
/// node, which the test command has; ring cannot make RSA keys): its PKCS#1 DER and its JWK.
struct Signer {
    der: Vec<u8>,
    jwk: serde_json::Value,
}

const KEY_SCRIPT: &str = r#"
const { generateKeyPairSync } = require('node:crypto');
const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const jwk = publicKey.export({ format: 'jwk' });
console.log(JSON.stringify({
  der: privateKey.export({ type: 'pkcs1', format: 'der' }).toString('base64'),
  jwk: { ...jwk, kid: 'test-key', alg: 'RS256', use: 'sig' },
}));
"#;

static SIGNER: LazyLock<Signer> = LazyLock::new(|| {
    let output = Command::new("node")
        .args(["-e", KEY_SCRIPT])
        .output()
        .expect("node runs");
    assert!(output.status.success(), "{output:?}");
    let made: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    Signer {
        der: STANDARD
            .decode_to_vec(made["der"].as_str().unwrap())
            .unwrap(),
        jwk: made["jwk"].clone(),
    }
});

/// What a Pub/Sub push token says, as Google would write it for our subscription.
fn google_claims() -> serde_json::Value {
    let now = server::clock::now();
    serde_json::json!({
        "iss": "https://accounts.google.com",
        "aud": GMAIL_PUSH_AUDIENCE,
        "email": GMAIL_PUSH_SERVICE_ACCOUNT,
        "email_verified": true,
        "sub": "1234567890",
        "iat": now,
        "exp": now + 3600,
    })
}

fn sign(claims: &serde_json::Value, kid: &str) -> String {
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(kid.to_owned());
    let key = EncodingKey::from_rsa_der(&SIGNER.der);
    jsonwebtoken::encode(&header, claims, &key).unwrap()
}

/// A Pub/Sub push body for a change in `email`'s mailbox.
fn delivery(email: &str) -> serde_json::Value {
    let data = serde_json::json!({ "emailAddress": email, "historyId": "4321" }).to_string();
    serde_json::json!({
        "message": { "data": STANDARD.encode_to_string(data), "messageId": "1" },
        "subscription": "projects/mailconnect-test/subscriptions/gmail-push",
    })
}

pub(crate) struct Setup {
    pub app: TestApp,
    pub google: Arc<MockServer>,
    pub mailbox: Seeded,
    pub _gmail: GmailStandIn,
    pub _db: TestDb,
}

/// A server with Gmail push on, Google (tokens, Gmail, its keys) on one mock, and one Gmail
/// mailbox.
async fn setup(db: TestDb) -> Setup {
    let google = Arc::new(MockServer::start().await);
    let gmail = GmailStandIn::on(google.clone(), std::time::Duration::ZERO).await;
    mount_token_endpoint(&google, "/token").await;
    Mock::given(method("GET"))
        .and(path("/oauth2/v3/certs"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("cache-control", "public, max-age=21600")
                .set_body_json(serde_json::json!({ "keys": [SIGNER.jwk.clone()] })),
        )
        .mount(&google)
        .await;
    let app = TestApp::builder(&db)
        .google(&google.uri())
        .gmail_push(&format!("{}/oauth2/v3/certs", google.uri()))
        .spawn()
        .await;
    let owner = seed::user(&app.db).await;
    let mailbox = seed::accounts(&app.config, &app.db, owner, 1, 3600)
        .await
        .remove(0);
    gmail.mailbox(&mailbox.email, &mailbox.access);
    Setup {
        app,
        google,
        mailbox,
        _gmail: gmail,
        _db: db,
    }
}

/// A token endpoint that renews any grant (the tests move the clock past the tokens' hour).
pub(crate) async fn mount_token_endpoint(server: &MockServer, at: &str) {
    Mock::given(method("POST"))
        .and(path(at))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "access_token": "renewed-access",
            "expires_in": 3600,
            "token_type": "Bearer",
        })))
        .with_priority(1)
        .mount(server)
        .await;
}

/// Gmail's `users.watch`: published to until a week from the server's now, or failing with
/// the status a test sets.
#[derive(Clone)]
struct Watch {
    status: Arc<AtomicU16>,
    clock: Clock,
}

impl Respond for Watch {
    fn respond(&self, _: &wiremock::Request) -> ResponseTemplate {
        match self.status.load(Ordering::SeqCst) {
            200 => {
                let expires_ms = (self.clock.now() + 7 * DAY) * 1000;
                ResponseTemplate::new(200).set_body_json(serde_json::json!({
                    "historyId": "1000", "expiration": expires_ms.to_string(),
                }))
            }
            status => ResponseTemplate::new(status),
        }
    }
}

/// Mounts [`Watch`] (before the Gmail stand-in's catch-all); returns its status to set.
async fn mount_watch(setup: &Setup) -> Arc<AtomicU16> {
    let status = Arc::new(AtomicU16::new(200));
    let watch = Watch {
        status: status.clone(),
        clock: setup.app.clock.clone(),
    };
    Mock::given(method("POST"))
        .and(path("/gmail/v1/users/me/watch"))
        .and(body_partial_json(serde_json::json!({
            "topicName": GMAIL_PUSH_TOPIC, "labelIds": ["INBOX"],
        })))
        .respond_with(watch)
        .with_priority(1)
        .mount(&setup.google)
        .await;
    status
}

pub(crate) async fn push_row(app: &TestApp, account_id: i32) -> Option<mailbox_push::Model> {
    mailbox_push::Entity::find_by_id(account_id)
        .one(&app.db)
        .await
        .unwrap()
}

/// The server's clock follows the real one, so a time it wrote a moment ago may be a second or
/// two behind a reading taken now, never ahead of it.
#[track_caller]
pub(crate) fn assert_just_now(at: i64, clock: &Clock, what: &str) {
    let now = clock.now();
    assert!(
        (now - 5..=now).contains(&at),
        "{what}: {at} is not just before {now}"
    );
}

pub(crate) async fn calls_to(server: &MockServer, method_name: &str, at: &str) -> usize {
    server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.method.as_str() == method_name && r.url.path() == at)
        .count()
}

async fn gmail_mailboxes_are_watched_renewed_daily_and_stopped(db: TestDb) {
    let setup = setup(db).await;
    let (app, mailbox) = (&setup.app, &setup.mailbox);
    mount_watch(&setup).await;
    Mock::given(method("POST"))
        .and(path("/gmail/v1/users/me/stop"))
        .respond_with(ResponseTemplate::new(204))
        .with_priority(1)
        .mount(&setup.google)
        .await;
    let watch = "/gmail/v1/users/me/watch";

    let round = app.push.renew_due().await.unwrap();
    assert_eq!((round.registered, round.failed), (1, 0));
    let row = push_row(app, mailbox.id).await.unwrap();
    assert_eq!(row.state, PushState::Active);
    assert_just_now(row.renew_at - DAY, &app.clock, "renewed daily");
    assert_just_now(
        row.expires_at.unwrap() - 7 * DAY,
        &app.clock,
        "watched for a week",
    );
    // Nothing is due until the day is over.
    app.push.renew_due().await.unwrap();
    assert_eq!(calls_to(&setup.google, "POST", watch).await, 1);

    app.clock.advance(DAY);
    let round = app.push.renew_due().await.unwrap();
    assert_eq!(round.registered, 1);
    assert_eq!(calls_to(&setup.google, "POST", watch).await, 2);
    let renewed = push_row(app, mailbox.id).await.unwrap();
    assert_just_now(renewed.renew_at - DAY, &app.clock, "renewed for a day");

    let account = app.accounts.find(mailbox.id).await.unwrap().unwrap();
    app.push.forget(&account).await.unwrap();
    let stop = "/gmail/v1/users/me/stop";
    assert_eq!(calls_to(&setup.google, "POST", stop).await, 1);
    assert!(push_row(app, mailbox.id).await.is_none());
}

async fn a_failed_watch_falls_back_to_the_short_interval_until_it_works(db: TestDb) {
    let setup = setup(db).await;
    let (app, mailbox) = (&setup.app, &setup.mailbox);
    // A first sync, so the mailbox counts as recently synced.
    app.syncs.run_job(mailbox.id).await;
    let watch = mount_watch(&setup).await;
    watch.store(500, Ordering::SeqCst);

    let round = app.push.renew_due().await.unwrap();
    assert_eq!((round.registered, round.failed), (0, 1));
    let row = push_row(app, mailbox.id).await.unwrap();
    assert_eq!(row.state, PushState::Failed);
    assert_just_now(row.renew_at - 60, &app.clock, "tried again in a minute");
    // Without push the scheduler's round syncs it as before.
    assert_eq!(app.syncs.request_all().await.unwrap(), 1);
    app.syncs.run_job(mailbox.id).await;

    // A minute later the watch works: the round leaves the mailbox to its deliveries…
    app.clock.advance(60);
    watch.store(200, Ordering::SeqCst);
    assert_eq!(app.push.renew_due().await.unwrap().registered, 1);
    assert_eq!(push_row(app, mailbox.id).await.unwrap().failures, 0);
    assert_eq!(app.syncs.request_all().await.unwrap(), 0);
    // …until the safety interval has passed since its last sync.
    app.clock
        .advance(app.config.sync.safety_interval.as_secs() as i64);
    assert_eq!(app.syncs.request_all().await.unwrap(), 1);
}

async fn a_gmail_delivery_needs_googles_token_and_queues_one_sync(db: TestDb) {
    let setup = setup(db).await;
    let (app, mailbox) = (&setup.app, &setup.mailbox);
    let client = bare_client();
    let push = |token: Option<String>, body: serde_json::Value| {
        let mut request = client
            .post(format!("{}/push/gmail", app.address))
            .json(&body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        async move { request.send().await.unwrap().status() }
    };
    let queued = async || {
        app.syncs
            .state(mailbox.id)
            .await
            .unwrap()
            .map(|state| state.state)
    };

    // Forged, or not for us: 401 and nothing queued.
    let claims = google_claims();
    let with = |change: serde_json::Value| {
        let mut claims = claims.clone();
        claims
            .as_object_mut()
            .unwrap()
            .extend(change.as_object().unwrap().clone());
        claims
    };
    let now = server::clock::now();
    let forged = [
        None,
        Some("not-a-token".to_owned()),
        Some(sign(&claims, "another-key")),
        Some(sign(
            &with(serde_json::json!({"aud": "https://elsewhere.example"})),
            "test-key",
        )),
        Some(sign(
            &with(serde_json::json!({"iss": "https://evil.example"})),
            "test-key",
        )),
        Some(sign(
            &with(serde_json::json!({"email": "someone@example.com"})),
            "test-key",
        )),
        Some(sign(
            &with(serde_json::json!({"email_verified": false})),
            "test-key",
        )),
        // An old token replayed: expired an hour ago.
        Some(sign(
            &with(serde_json::json!({"iat": now - 7200, "exp": now - 3600})),
            "test-key",
        )),
    ];
    for token in forged {
        let shown = token.clone().unwrap_or_default();
        assert_eq!(
            push(token, delivery(&mailbox.email)).await,
            StatusCode::UNAUTHORIZED,
            "{shown}"
        );
    }
    // A token signed by another key under Google's key id.
    let mut tampered = sign(&claims, "test-key");
    tampered.replace_range(tampered.len() - 8.., "AAAAAAAA");
    assert_eq!(
        push(Some(tampered), delivery(&mailbox.email)).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(queued().await, None, "nothing was queued");

    // Google's own: 204, one sync queued however many deliveries come.
    let token = sign(&claims, "test-key");
    for _ in 0..3 {
        let status = push(Some(token.clone()), delivery(&mailbox.email.to_uppercase())).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
    }
    assert_eq!(queued().await, Some(SyncState::Queued));
    let fetches = calls_to(&setup.google, "GET", "/oauth2/v3/certs").await;
    assert_eq!(
        fetches, 1,
        "fetched once and kept: an unknown key id does not fetch again within a minute"
    );
    // A mailbox that is not ours: accepted and nothing happens.
    let stranger = push(Some(token), delivery("stranger@gmail.com")).await;
    assert_eq!(stranger, StatusCode::NO_CONTENT);
}
