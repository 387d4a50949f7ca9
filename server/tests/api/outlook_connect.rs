//! The Outlook popup flow's server side against a wiremock Microsoft: offered only when
//! configured, its consent request, and a `state` good only at its own provider's callback.

use std::collections::HashMap;

use sea_orm::{EntityTrait, PaginatorTrait};
use server::entities::email_accounts;
use url::Url;
use wiremock::MockServer;

use crate::gmail_connect::{GMAIL, callback, google_answers, start, token_calls};
use crate::helpers::{TestApp, TestDb, on_both_databases};

on_both_databases! {
    outlook_is_offered_only_when_microsoft_is_configured,
    a_state_is_good_only_at_its_own_providers_callback,
}

const MAIL_READ: &str = "https://graph.microsoft.com/Mail.Read";

async fn with_microsoft(db: &TestDb, google: &MockServer, microsoft: &MockServer) -> TestApp {
    let app = TestApp::builder(db)
        .google(&google.uri())
        .microsoft(&microsoft.uri())
        .spawn()
        .await;
    app.sign_up("owner@example.com", "correct horse").await;
    app
}

async fn outlook_start(app: &TestApp) -> (Url, HashMap<String, String>) {
    let response = app.get("/auth/outlook/start?flow=flow-o").await;
    assert_eq!(response.status(), 302);
    let location = Url::parse(response.headers()["location"].to_str().unwrap()).unwrap();
    let params = location.query_pairs().into_owned().collect();
    (location, params)
}

async fn outlook_is_offered_only_when_microsoft_is_configured(db: TestDb) {
    let google = MockServer::start().await;
    let gmail_only = TestApp::builder(&db).google(&google.uri()).spawn().await;
    gmail_only
        .sign_up("solo@example.com", "correct horse")
        .await;
    assert_eq!(
        gmail_only.get("/auth/outlook/start?flow=f").await.status(),
        404
    );
    assert_eq!(
        gmail_only.get("/auth/yahoo/start?flow=f").await.status(),
        404
    );

    let microsoft = MockServer::start().await;
    let app = with_microsoft(&db, &google, &microsoft).await;
    let (location, params) = outlook_start(&app).await;
    assert_eq!(location.path(), "/common/oauth2/v2.0/authorize");
    assert_eq!(params["client_id"], "ms-client");
    assert_eq!(params["code_challenge_method"], "S256");
    assert_eq!(params["response_mode"], "query");
    assert_eq!(
        params["redirect_uri"],
        format!("{}/auth/outlook/callback", app.address)
    );
    let scopes: Vec<&str> = params["scope"].split(' ').collect();
    for scope in ["openid", "email", "profile", "offline_access", MAIL_READ] {
        assert!(scopes.contains(&scope), "{scopes:?}");
    }
}

async fn a_state_is_good_only_at_its_own_providers_callback(db: TestDb) {
    let (google, microsoft) = (MockServer::start().await, MockServer::start().await);
    google_answers(&google, GMAIL, Some("1//r"), "ada@gmail.com").await;
    let app = with_microsoft(&db, &google, &microsoft).await;
    let gmail_state = start(&app, "flow-g").await["state"].clone();
    let (_, outlook) = outlook_start(&app).await;

    // Each state at the other provider's callback is as good as forged.
    let response = app
        .get(&format!(
            "/auth/outlook/callback?state={gmail_state}&code=c"
        ))
        .await;
    assert_eq!(response.status(), 400);
    assert!(response.text().await.unwrap().contains("not valid"));
    let (status, html) = callback(&app, &format!("state={}&code=c", outlook["state"])).await;
    assert_eq!(status, 400);
    assert!(html.contains("not valid"), "{html}");
    assert!(token_calls(&google).await.is_empty());
    assert!(microsoft.received_requests().await.unwrap().is_empty());
    assert_eq!(
        email_accounts::Entity::find().count(&app.db).await.unwrap(),
        0
    );

    // Nothing was claimed: at its own callback the Gmail state still works.
    let (status, _) = callback(&app, &format!("state={gmail_state}&code=c")).await;
    assert_eq!(status, 200);
    assert_eq!(
        email_accounts::Entity::find().count(&app.db).await.unwrap(),
        1
    );
}
