//! Outlook push: a Graph subscription per mailbox, renewed a day before it lapses, renewed at
//! once on `reauthorizationRequired` and made again (with a new clientState) after
//! `subscriptionRemoved`; Graph's validation echoed; notifications acted on only with their
//! subscription's clientState.

use std::sync::{Arc, Mutex};

use http::StatusCode;
use secrecy::ExposeSecret;
use server::entities::email_accounts::Provider;
use server::entities::mailbox_push::PushState;
use server::entities::mailbox_sync::SyncState;
use server::vault::VaultKey;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockGuard, MockServer, ResponseTemplate};

use super::{DAY, assert_just_now, calls_to, mount_token_endpoint, push_row};
use crate::helpers::{TestApp, TestDb, bare_client, on_both_databases};
use crate::seed::{self, Seeded};

on_both_databases! {
    outlook_subscriptions_are_renewed_and_made_again_after_removal,
    outlook_notifications_need_their_client_state,
    two_instances_subscribe_a_mailbox_once,
}

const NOTIFICATION_URL: &str = "https://mailconnect.test/push/outlook";
const SUBSCRIPTIONS: &str = "/v1.0/subscriptions";

struct Setup {
    app: TestApp,
    /// The token key, for a second instance on the same database.
    key: String,
    graph: Arc<MockServer>,
    mailbox: Seeded,
    /// Graph's subscription endpoints, as [`mount_graph`] last set them.
    subscriptions: Mutex<Vec<MockGuard>>,
    _db: TestDb,
}

async fn setup(db: TestDb) -> Setup {
    let graph = Arc::new(MockServer::start().await);
    mount_token_endpoint(&graph, "/common/oauth2/v2.0/token").await;
    let key = VaultKey::generate().expose_secret().to_owned();
    let app = TestApp::builder(&db)
        .token_key(&key)
        .microsoft(&graph.uri())
        .outlook_push(NOTIFICATION_URL)
        .spawn()
        .await;
    let owner = seed::user(&app.db).await;
    let mailbox = seed::accounts_of(Provider::Microsoft, &app.config, &app.db, owner, 1, 3600)
        .await
        .remove(0);
    let setup = Setup {
        app,
        key,
        graph,
        mailbox,
        subscriptions: Mutex::default(),
        _db: db,
    };
    mount_graph(&setup).await;
    setup
}

/// Graph's subscriptions: made and renewed until three days from the server's now.
async fn mount_graph(setup: &Setup) {
    let until = OffsetDateTime::from_unix_timestamp(setup.app.clock.now() + 3 * DAY)
        .unwrap()
        .format(&Rfc3339)
        .unwrap();
    let subscription = serde_json::json!({ "id": "sub-1", "expirationDateTime": until });
    setup.subscriptions.lock().unwrap().clear();
    let made = Mock::given(method("POST"))
        .and(path(SUBSCRIPTIONS))
        .respond_with(ResponseTemplate::new(201).set_body_json(subscription.clone()))
        .mount_as_scoped(&setup.graph)
        .await;
    let renewed = Mock::given(method("PATCH"))
        .and(path(format!("{SUBSCRIPTIONS}/sub-1")))
        .respond_with(ResponseTemplate::new(200).set_body_json(subscription))
        .mount_as_scoped(&setup.graph)
        .await;
    setup.subscriptions.lock().unwrap().extend([made, renewed]);
}

/// The clientState of each subscription the app made, in order.
async fn client_states(graph: &MockServer) -> Vec<String> {
    graph
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.method.as_str() == "POST" && r.url.path() == SUBSCRIPTIONS)
        .map(|r| {
            let body: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
            assert_eq!(body["notificationUrl"], NOTIFICATION_URL);
            assert_eq!(body["changeType"], "created");
            body["clientState"].as_str().unwrap().to_owned()
        })
        .collect()
}

async fn notify(app: &TestApp, items: serde_json::Value) -> StatusCode {
    bare_client()
        .post(format!("{}/push/outlook", app.address))
        .json(&serde_json::json!({ "value": items }))
        .send()
        .await
        .unwrap()
        .status()
}

fn lifecycle(client_state: &str, event: &str) -> serde_json::Value {
    serde_json::json!([{
        "subscriptionId": "sub-1",
        "clientState": client_state,
        "lifecycleEvent": event,
    }])
}

async fn sync_state(app: &TestApp, account_id: i32) -> Option<SyncState> {
    app.syncs
        .state(account_id)
        .await
        .unwrap()
        .map(|state| state.state)
}

async fn outlook_subscriptions_are_renewed_and_made_again_after_removal(db: TestDb) {
    let setup = setup(db).await;
    let (app, mailbox) = (&setup.app, &setup.mailbox);
    let patch = format!("{SUBSCRIPTIONS}/sub-1");

    assert_eq!(app.push.renew_due().await.unwrap().registered, 1);
    let row = push_row(app, mailbox.id).await.unwrap();
    assert_eq!(row.state, PushState::Active);
    assert_eq!(row.subscription_id.as_deref(), Some("sub-1"));
    let expires = row.expires_at.unwrap();
    assert_just_now(expires - 3 * DAY, &app.clock, "subscribed for three days");
    assert_eq!(
        row.renew_at,
        expires - DAY,
        "renewed a day before it lapses"
    );
    let first = client_states(&setup.graph).await.remove(0);
    assert!(first.len() >= 32, "a random clientState");
    assert_ne!(
        row.client_state.as_deref(),
        Some(first.as_str()),
        "stored sealed"
    );

    // Two days on, it is renewed in place.
    app.clock.advance(2 * DAY);
    mount_graph(&setup).await;
    assert_eq!(app.push.renew_due().await.unwrap().registered, 1);
    assert_eq!(calls_to(&setup.graph, "PATCH", &patch).await, 1);
    assert_eq!(calls_to(&setup.graph, "POST", SUBSCRIPTIONS).await, 1);

    // Graph asks for reauthorization: renewed at once.
    assert_eq!(
        notify(app, lifecycle(&first, "reauthorizationRequired")).await,
        StatusCode::ACCEPTED
    );
    let renew_at = push_row(app, mailbox.id).await.unwrap().renew_at;
    assert_just_now(renew_at, &app.clock, "renewed at once");
    app.push.renew_due().await.unwrap();
    assert_eq!(calls_to(&setup.graph, "PATCH", &patch).await, 2);

    // Graph removed it: made again, with a new clientState, and the mailbox synced meanwhile.
    assert_eq!(
        notify(app, lifecycle(&first, "subscriptionRemoved")).await,
        StatusCode::ACCEPTED
    );
    let removed = push_row(app, mailbox.id).await.unwrap();
    assert_eq!(
        (removed.state, removed.subscription_id),
        (PushState::Failed, None)
    );
    assert_eq!(sync_state(app, mailbox.id).await, Some(SyncState::Queued));
    assert_eq!(app.push.renew_due().await.unwrap().registered, 1);
    let states = client_states(&setup.graph).await;
    assert_eq!(states.len(), 2);
    assert_ne!(states[0], states[1]);
    // The old clientState no longer counts.
    assert_eq!(
        notify(app, lifecycle(&first, "missed")).await,
        StatusCode::UNAUTHORIZED
    );
}

async fn outlook_notifications_need_their_client_state(db: TestDb) {
    let setup = setup(db).await;
    let (app, mailbox) = (&setup.app, &setup.mailbox);
    app.push.renew_due().await.unwrap();
    let client_state = client_states(&setup.graph).await.remove(0);

    // Graph's validation: the token echoed as plain text.
    let validation = bare_client()
        .post(format!(
            "{}/push/outlook?validationToken=Validation%3A%20Testing%20client",
            app.address
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(validation.status(), StatusCode::OK);
    assert!(
        validation.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    assert_eq!(
        validation.text().await.unwrap(),
        "Validation: Testing client"
    );

    let created = |subscription: &str, state: &str| {
        serde_json::json!([{
            "subscriptionId": subscription,
            "clientState": state,
            "changeType": "created",
            "resource": "Users/x/Messages/y",
        }])
    };
    for forged in [
        created("sub-1", "a guess"),
        created("sub-1", ""),
        created("sub-2", &client_state),
        serde_json::json!([{ "subscriptionId": "sub-1" }]),
    ] {
        assert_eq!(notify(app, forged).await, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(sync_state(app, mailbox.id).await, None, "nothing queued");

    for _ in 0..2 {
        let status = notify(app, created("sub-1", &client_state)).await;
        assert_eq!(status, StatusCode::ACCEPTED);
    }
    assert_eq!(sync_state(app, mailbox.id).await, Some(SyncState::Queued));
    let row = push_row(app, mailbox.id).await.unwrap();
    assert_just_now(
        row.last_delivery_at.unwrap(),
        &app.clock,
        "the delivery's time",
    );
}

async fn two_instances_subscribe_a_mailbox_once(db: TestDb) {
    let setup = setup(db).await;
    let other = TestApp::builder(&setup._db)
        .token_key(&setup.key)
        .microsoft(&setup.graph.uri())
        .outlook_push(NOTIFICATION_URL)
        .spawn()
        .await;
    let (here, there) = tokio::join!(setup.app.push.renew_due(), other.push.renew_due());
    let (here, there) = (here.unwrap(), there.unwrap());
    assert_eq!(here.registered + there.registered, 1, "{here:?} {there:?}");
    assert_eq!(calls_to(&setup.graph, "POST", SUBSCRIPTIONS).await, 1);
    let row = push_row(&setup.app, setup.mailbox.id).await.unwrap();
    assert_eq!(row.state, PushState::Active);
}
