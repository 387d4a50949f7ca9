//! Grants are per Google account at Google: revoking one ends every row that uses it. These
//! tests hold that no user's connection is cut by another's disconnect, by a queued revocation
//! or by a failed reconnect, and that storing grants stays right when it races.

use reqwest::StatusCode;
use sea_orm::{EntityTrait, PaginatorTrait};
use secrecy::SecretString;
use server::accounts::Grant;
use server::entities::api_access_log::{self, Action};
use server::entities::email_accounts::{self, Provider, Status};
use server::provider::google::GMAIL_READONLY;
use server::provider::{Identity, Tokens};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::gmail_connect::{
    GMAIL, Setup, callback, connect, google_answers, setup, spawn_other_client,
};
use crate::helpers::{TestApp, TestDb, on_both_databases};

on_both_databases! {
    two_users_with_one_google_account_keep_each_other_connected,
    disconnect_while_google_is_down_then_reconnect_keeps_the_new_grant,
    a_failed_reconnect_never_revokes_the_grant_the_row_uses,
    a_first_connection_without_a_refresh_token_is_refused_and_revoked,
    concurrent_duplicate_connections_end_with_one_row,
    queued_revocations_back_off_in_batches_and_are_given_up_after_a_week,
}

pub(crate) async fn revoke_calls(google: &MockServer) -> usize {
    google
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .filter(|r| r.url.path() == "/revoke")
        .count()
}

async fn account(app: &TestApp, id: i32) -> email_accounts::Model {
    email_accounts::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
}

/// A whole connect flow run by `client` (signed in as someone); returns the result page.
pub(crate) async fn connect_as(app: &TestApp, client: &reqwest::Client, query: &str) -> String {
    let started = client
        .get(format!("{}/auth/gmail/start?{query}", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(started.status(), StatusCode::FOUND);
    let location = url::Url::parse(started.headers()["location"].to_str().unwrap()).unwrap();
    let state = location
        .query_pairs()
        .find(|(k, _)| k == "state")
        .unwrap()
        .1
        .into_owned();
    client
        .get(format!(
            "{}/auth/gmail/callback?state={state}&code=c",
            app.address
        ))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// Disconnects account `id` as `client`'s user: the status, and what the user is told.
async fn disconnect(app: &TestApp, client: &reqwest::Client, id: i32) -> (StatusCode, String) {
    let response = client
        .post(format!("{}/api/disconnect_account", app.address))
        .header("accept", "application/json")
        .form(&[("account_id", id.to_string())])
        .send()
        .await
        .unwrap();
    (response.status(), response.text().await.unwrap())
}

async fn two_users_with_one_google_account_keep_each_other_connected(db: TestDb) {
    let Setup { app, google, _db } = setup(db).await;
    google_answers(&google, GMAIL, Some("1//shared"), "shared@gmail.com").await;
    let a = connect(&app, "a").await;
    let other = spawn_other_client(&app).await;
    let page = connect_as(&app, &other, "flow=b").await;
    assert!(page.contains("Connected shared@gmail.com"), "{page}");
    let rows = email_accounts::Entity::find().all(&app.db).await.unwrap();
    assert_eq!(rows.len(), 2);
    let b = rows.iter().find(|r| r.id != a.id).unwrap().clone();
    assert_eq!(a.provider_subject, b.provider_subject);

    // A leaves: Google is not asked to revoke what B still uses, and the audit says why.
    let (status, told) = disconnect(&app, &app.client, a.id).await;
    assert_eq!(status, StatusCode::OK);
    assert!(told.contains("Google keeps our access"), "{told}");
    assert_eq!(revoke_calls(&google).await, 0);
    assert_eq!(account(&app, a.id).await.status, Status::Disconnected);
    assert!(account(&app, a.id).await.pending_revoke.is_none());
    let kept = account(&app, b.id).await;
    assert_eq!(kept.status, Status::Active);
    assert!(kept.refresh_token.is_some());
    let audit = api_access_log::Entity::find().all(&app.db).await.unwrap();
    let note = audit
        .iter()
        .find(|r| r.action == Action::Disconnect)
        .and_then(|r| r.error_message.clone())
        .unwrap_or_default();
    assert!(note.contains("another connection uses"), "{note}");

    // B, the last user of the grant, leaves: now it is revoked.
    let (status, told) = disconnect(&app, &other, b.id).await;
    assert_eq!(status, StatusCode::OK);
    assert!(told.contains("Our access is revoked at Google."), "{told}");
    assert_eq!(revoke_calls(&google).await, 1);
}

async fn disconnect_while_google_is_down_then_reconnect_keeps_the_new_grant(db: TestDb) {
    let Setup { app, google, _db } = setup(db).await;
    google_answers(&google, GMAIL, Some("1//first"), "ada@gmail.com").await;
    let first = connect(&app, "f").await;

    // Google is down for the revoke: it is queued.
    Mock::given(method("POST"))
        .and(path("/revoke"))
        .respond_with(ResponseTemplate::new(503))
        .with_priority(1)
        .up_to_n_times(1)
        .mount(&google)
        .await;
    assert_eq!(
        disconnect(&app, &app.client, first.id).await.0,
        StatusCode::OK
    );
    assert!(account(&app, first.id).await.pending_revoke.is_some());

    // The same Google account connected again: the queued revoke would end the new grant.
    let again = connect(&app, "g").await;
    assert_eq!(again.id, first.id);
    let row = account(&app, first.id).await;
    assert_eq!(row.status, Status::Active);
    assert!(
        row.pending_revoke.is_none(),
        "the queued revoke is cancelled"
    );
    let calls = revoke_calls(&google).await;
    app.clock.advance(61);
    let round = app
        .accounts
        .retry_pending_revokes(&Default::default())
        .await;
    assert_eq!(round.unwrap(), Default::default());
    assert_eq!(revoke_calls(&google).await, calls, "nothing revoked later");
    assert_eq!(account(&app, first.id).await.status, Status::Active);
}

async fn a_failed_reconnect_never_revokes_the_grant_the_row_uses(db: TestDb) {
    let Setup { app, google, _db } = setup(db).await;
    google_answers(&google, GMAIL, Some("1//kept"), "ada@gmail.com").await;
    let row = connect(&app, "f").await;

    // Reconnect, and Google's userinfo fails: the account's identity is unknown.
    Mock::given(method("GET"))
        .and(path("/v1/userinfo"))
        .respond_with(ResponseTemplate::new(503))
        .with_priority(1)
        .up_to_n_times(1)
        .mount(&google)
        .await;
    let page = connect_as(&app, &app.client, &format!("flow=r&account={}", row.id)).await;
    assert!(page.contains("Could not complete"), "{page}");
    // Reconnect without the Gmail box ticked: the identity is known and used by the row.
    Mock::given(method("POST"))
        .and(path("/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "access_token": "ya29.other", "expires_in": 3599, "token_type": "Bearer",
            "scope": "openid email", "refresh_token": "1//narrow",
        })))
        .with_priority(1)
        .up_to_n_times(1)
        .mount(&google)
        .await;
    let page = connect_as(&app, &app.client, &format!("flow=s&account={}", row.id)).await;
    assert!(page.contains("Gmail permission was not granted"), "{page}");

    assert_eq!(revoke_calls(&google).await, 0);
    let still = account(&app, row.id).await;
    assert_eq!(still.status, Status::Active);
    assert_eq!(still.refresh_token, row.refresh_token);
}

async fn a_first_connection_without_a_refresh_token_is_refused_and_revoked(db: TestDb) {
    let Setup { app, google, _db } = setup(db).await;
    google_answers(&google, GMAIL, None, "ada@gmail.com").await;
    let started = crate::gmail_connect::start(&app, "f").await;
    let (status, page) = callback(&app, &format!("state={}&code=c", started["state"])).await;
    assert_eq!(status, 200);
    assert!(
        page.contains("Google did not grant offline access; press Connect Gmail again."),
        "{page}"
    );
    let active = email_accounts::Entity::find()
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.status != Status::Disconnected)
        .count();
    assert_eq!(active, 0, "nothing stored as active");
    assert_eq!(revoke_calls(&google).await, 1, "the grant is revoked");
}

async fn concurrent_duplicate_connections_end_with_one_row(db: TestDb) {
    let Setup { app, _db, .. } = setup(db).await;
    let user = server::entities::users::Entity::find()
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let identity = Identity {
        subject: "sub-dup".into(),
        email: "dup@gmail.com".into(),
    };
    let tokens: Vec<Tokens> = (0..8)
        .map(|n| Tokens {
            access_token: SecretString::from(format!("access-{n}")),
            refresh_token: Some(SecretString::from(format!("refresh-{n}"))),
            expires_in: std::time::Duration::from_secs(3600),
            scopes: None,
        })
        .collect();
    let scopes = [GMAIL_READONLY.to_owned()];
    let stores = tokens.iter().map(|tokens| {
        let grant = Grant {
            provider: Provider::Google,
            identity: &identity,
            tokens,
            scopes: &scopes,
        };
        app.accounts.store_grant(user.id, grant)
    });
    let results = futures::future::join_all(stores).await;
    let ids: Vec<i32> = results
        .into_iter()
        .map(|r| r.expect("no connection fails").id)
        .collect();
    assert!(ids.iter().all(|id| *id == ids[0]), "{ids:?}");
    assert_eq!(
        email_accounts::Entity::find().count(&app.db).await.unwrap(),
        1
    );
    assert_eq!(account(&app, ids[0]).await.status, Status::Active);
}

async fn queued_revocations_back_off_in_batches_and_are_given_up_after_a_week(db: TestDb) {
    let Setup { app, google, _db } = setup(db).await;
    Mock::given(method("POST"))
        .and(path("/revoke"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&google)
        .await;
    let owner = crate::seed::user(&app.db).await;
    let seeded = crate::seed::accounts(&app.config, &app.db, owner, 60, 3600).await;
    for account in &seeded {
        app.accounts
            .disconnect(owner, account.id, None)
            .await
            .unwrap();
    }
    assert_eq!(revoke_calls(&google).await, 60);
    let stop = tokio_util::sync::CancellationToken::new();

    // Nothing is due before its backoff.
    let round = app.accounts.retry_pending_revokes(&stop).await.unwrap();
    assert_eq!(round, Default::default());
    // Then at most a batch a round.
    app.clock.advance(61);
    let started = app.clock.now();
    let round = app.accounts.retry_pending_revokes(&stop).await.unwrap();
    assert_eq!(round.failed, 50);
    assert_eq!(revoke_calls(&google).await, 110);
    // Each wait counts from its own failure, a second or two into the round on a slow machine.
    let elapsed = app.clock.now() - started;
    let waits: Vec<i64> = email_accounts::Entity::find()
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.revoke_failures == 1)
        .map(|r| r.revoke_retry_at.unwrap() - started)
        .collect();
    assert_eq!(waits.len(), 50);
    assert!(
        waits.iter().all(|w| (120..=120 + elapsed).contains(w)),
        "the wait doubles: {waits:?}"
    );

    // Shutting down: no call is started.
    app.clock.advance(3600);
    let stopped = tokio_util::sync::CancellationToken::new();
    stopped.cancel();
    let round = app.accounts.retry_pending_revokes(&stopped).await.unwrap();
    assert_eq!(round, Default::default());
    assert_eq!(revoke_calls(&google).await, 110);

    // A week on, each is given up: dropped, audited.
    app.clock.advance(7 * 24 * 60 * 60);
    let mut given_up = 0;
    for _ in 0..2 {
        given_up += app
            .accounts
            .retry_pending_revokes(&stop)
            .await
            .unwrap()
            .given_up;
    }
    assert_eq!(given_up, 60);
    let pending = email_accounts::Entity::find()
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.pending_revoke.is_some())
        .count();
    assert_eq!(pending, 0);
    let abandoned = api_access_log::Entity::find()
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.action == Action::RevokeAbandoned)
        .count();
    assert_eq!(abandoned, 60);
}
