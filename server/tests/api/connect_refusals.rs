//! The callback's refusals that need more than one request: repeated parameters, an expired
//! state, reconnecting with the wrong Google account; and housekeeping's purges.

use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use server::connect::flows::FLOW_TTL_SECS;
use server::entities::email_accounts::{self, Status};
use server::entities::{oauth_flows, sessions};

use crate::gmail_connect::{
    GMAIL, Setup, callback, connect, google_answers, setup, start, token_calls,
};
use crate::helpers::{TestDb, on_both_databases};

on_both_databases! {
    a_repeated_state_code_or_error_is_refused_like_a_forged_state,
    an_expired_state_is_refused_before_google,
    reconnecting_with_another_google_account_changes_nothing,
    reconnecting_the_same_account_makes_it_active_again,
    housekeeping_purges_lapsed_flows_and_expired_sessions,
}

async fn revokes(setup: &Setup) -> Vec<String> {
    setup
        .google
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.url.path() == "/revoke")
        .map(|r| String::from_utf8(r.body).unwrap())
        .collect()
}

async fn a_repeated_state_code_or_error_is_refused_like_a_forged_state(db: TestDb) {
    let Setup {
        app, google, _db, ..
    } = setup(db).await;
    google_answers(&google, GMAIL, Some("1//r"), "ada@gmail.com").await;
    let state = start(&app, "flow-r").await["state"].clone();
    for query in [
        format!("state={state}&state={state}&code=c"),
        format!("state={state}&state=other&code=c"),
        format!("state={state}&code=c&code=d"),
        format!("state={state}&error=access_denied&error=x"),
    ] {
        let (status, html) = callback(&app, &query).await;
        assert_eq!(status, 400, "{query}");
        assert!(html.contains("not valid"), "{query}: {html}");
    }
    assert!(token_calls(&google).await.is_empty());
    assert_eq!(
        email_accounts::Entity::find().count(&app.db).await.unwrap(),
        0
    );
    // Nothing was claimed: the well-formed callback still works.
    let (status, _) = callback(&app, &format!("state={state}&code=c")).await;
    assert_eq!(status, 200);
}

async fn an_expired_state_is_refused_before_google(db: TestDb) {
    let Setup {
        app, google, _db, ..
    } = setup(db).await;
    google_answers(&google, GMAIL, Some("1//r"), "ada@gmail.com").await;
    let state = start(&app, "flow-x").await["state"].clone();
    app.clock.advance(FLOW_TTL_SECS + 1);
    let (status, html) = callback(&app, &format!("state={state}&code=c")).await;
    assert_eq!(status, 400);
    assert!(html.contains("expired"), "{html}");
    assert!(token_calls(&google).await.is_empty());
    assert_eq!(
        email_accounts::Entity::find().count(&app.db).await.unwrap(),
        0
    );
}

/// Marks the one account as needing reconnection, as a dead grant would.
async fn flag(app: &crate::helpers::TestApp, id: i32) {
    email_accounts::Entity::update_many()
        .col_expr(
            email_accounts::Column::Status,
            Expr::value(Status::NeedsReconnect),
        )
        .filter(email_accounts::Column::Id.eq(id))
        .exec(&app.db)
        .await
        .unwrap();
}

async fn reconnecting_with_another_google_account_changes_nothing(db: TestDb) {
    let setup = setup(db).await;
    let (app, google) = (&setup.app, &setup.google);
    google_answers(google, GMAIL, Some("1//ada"), "ada@gmail.com").await;
    let ada = connect(app, "first").await;
    flag(app, ada.id).await;

    google.reset().await;
    google_answers(google, GMAIL, Some("1//bob"), "bob@gmail.com").await;
    let response = app
        .get(&format!("/auth/gmail/start?flow=re&account={}", ada.id))
        .await;
    assert_eq!(response.status(), 302);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        location.contains("login_hint=ada%40gmail.com"),
        "{location}"
    );
    let state = url::Url::parse(&location)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "state")
        .unwrap()
        .1
        .into_owned();
    let (status, html) = callback(app, &format!("state={state}&code=c")).await;
    assert_eq!(status, 409);
    assert!(
        html.contains("That Google account is bob@gmail.com, not ada@gmail.com. Sign in to Google as ada@gmail.com to reconnect it."),
        "{html}"
    );
    assert_eq!(revokes(&setup).await, vec!["token=1%2F%2Fbob".to_owned()]);
    let rows = email_accounts::Entity::find().all(&app.db).await.unwrap();
    assert_eq!(rows.len(), 1, "no account added");
    assert_eq!(rows[0].status, Status::NeedsReconnect, "still flagged");
    assert_eq!(
        rows[0].refresh_token, ada.refresh_token,
        "its grant untouched"
    );
}

async fn reconnecting_the_same_account_makes_it_active_again(db: TestDb) {
    let setup = setup(db).await;
    let (app, google) = (&setup.app, &setup.google);
    google_answers(google, GMAIL, Some("1//ada"), "ada@gmail.com").await;
    let ada = connect(app, "first").await;
    flag(app, ada.id).await;

    google.reset().await;
    google_answers(google, GMAIL, Some("1//ada-again"), "ada@gmail.com").await;
    let response = app
        .get(&format!("/auth/gmail/start?flow=re&account={}", ada.id))
        .await;
    let location = url::Url::parse(response.headers()["location"].to_str().unwrap()).unwrap();
    let state = location
        .query_pairs()
        .find(|(k, _)| k == "state")
        .unwrap()
        .1
        .into_owned();
    let (status, html) = callback(app, &format!("state={state}&code=c")).await;
    assert_eq!(status, 200, "{html}");
    let rows = email_accounts::Entity::find().all(&app.db).await.unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!((rows[0].id, rows[0].status), (ada.id, Status::Active));
    assert_ne!(
        rows[0].refresh_token, ada.refresh_token,
        "the new grant is stored"
    );
    assert!(revokes(&setup).await.is_empty());
}

async fn housekeeping_purges_lapsed_flows_and_expired_sessions(db: TestDb) {
    let Setup { app, _db, .. } = setup(db).await;
    start(&app, "old").await;
    assert_eq!(oauth_flows::Entity::find().count(&app.db).await.unwrap(), 1);
    assert_eq!(sessions::Entity::find().count(&app.db).await.unwrap(), 1);

    let keeper = server::housekeeping::Housekeeping {
        accounts: app.accounts.clone(),
        flows: server::connect::Flows::new(
            app.db.clone(),
            app.config.vault.clone(),
            app.clock.clone(),
        ),
        sessions: server::identity::Sessions::new(
            app.db.clone(),
            false,
            app.config.web.session_idle,
            app.clock.clone(),
        ),
        syncs: app.syncs.clone(),
        events: app.events.clone(),
    };
    // Nothing has lapsed yet.
    let sweep = keeper.sweep(&Default::default()).await;
    assert_eq!((sweep.flows_purged, sweep.sessions_purged), (0, 0));

    app.clock.advance(31 * 24 * 60 * 60);
    let sweep = keeper.sweep(&Default::default()).await;
    assert_eq!((sweep.flows_purged, sweep.sessions_purged), (1, 1));
    assert_eq!(oauth_flows::Entity::find().count(&app.db).await.unwrap(), 0);
    assert_eq!(sessions::Entity::find().count(&app.db).await.unwrap(), 0);
    // The session is gone: the user is signed out.
    assert_eq!(app.get("/connections").await.status(), 303);
}
