//! The popup flow's server side against a wiremock Google: state checks before any token call,
//! PKCE, scopes, identity, storage, and disconnect with revoke.

use base64_simd::URL_SAFE_NO_PAD;
use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use server::entities::api_access_log::{self, Action};
use server::entities::email_accounts::{self, Status};
use server::entities::oauth_flows;
use sha2::{Digest, Sha256};
use url::Url;
use wiremock::matchers::{body_string_contains, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::helpers::{TestApp, TestDb, on_both_databases};

mod again;

on_both_databases! {
    start_redirects_to_google_with_a_stored_hashed_state_and_pkce,
    start_needs_a_signed_in_user,
    a_good_callback_stores_sealed_tokens_once,
    forged_missing_and_foreign_states_never_reach_google,
    denied_consent_is_reported_as_cancelled_and_hostile_errors_stay_text,
    without_the_gmail_scope_nothing_is_stored_and_the_grant_is_revoked,
}

pub(crate) const GMAIL: &str = "https://www.googleapis.com/auth/gmail.readonly";

pub(crate) struct Setup {
    pub app: TestApp,
    pub google: MockServer,
    pub _db: TestDb,
}

/// A server whose Google is a wiremock, with a signed-up user.
pub(crate) async fn setup(db: TestDb) -> Setup {
    let google = MockServer::start().await;
    let app = TestApp::builder(&db).google(&google.uri()).spawn().await;
    app.sign_up("owner@example.com", "correct horse").await;
    Setup {
        app,
        google,
        _db: db,
    }
}

fn token_body(scope: &str, refresh: Option<&str>) -> serde_json::Value {
    let mut body = serde_json::json!({
        "access_token": "ya29.access-canary",
        "expires_in": 3599,
        "scope": scope,
        "token_type": "Bearer",
    });
    if let Some(refresh) = refresh {
        body["refresh_token"] = refresh.into();
    }
    body
}

pub(crate) async fn google_answers(
    google: &MockServer,
    scope: &str,
    refresh: Option<&str>,
    email: &str,
) {
    Mock::given(method("POST"))
        .and(path("/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(token_body(scope, refresh)))
        .mount(google)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/userinfo"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "sub": format!("sub-{email}"), "email": email, "email_verified": true
        })))
        .mount(google)
        .await;
    Mock::given(method("POST"))
        .and(path("/revoke"))
        .respond_with(ResponseTemplate::new(200))
        .mount(google)
        .await;
}

/// Starts a flow; returns the redirect URL's query parameters.
pub(crate) async fn start(app: &TestApp, flow: &str) -> std::collections::HashMap<String, String> {
    let response = app.get(&format!("/auth/gmail/start?flow={flow}")).await;
    assert_eq!(response.status(), 302);
    let location = Url::parse(response.headers()["location"].to_str().unwrap()).unwrap();
    location.query_pairs().into_owned().collect()
}

pub(crate) async fn callback(app: &TestApp, query: &str) -> (u16, String) {
    let response = app.get(&format!("/auth/gmail/callback?{query}")).await;
    (response.status().as_u16(), response.text().await.unwrap())
}

/// A whole successful flow (Google's answers already mounted); returns the one stored account.
pub(crate) async fn connect(app: &TestApp, flow: &str) -> email_accounts::Model {
    let params = start(app, flow).await;
    callback(app, &format!("state={}&code=c", params["state"])).await;
    email_accounts::Entity::find()
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
}

pub(crate) async fn token_calls(google: &MockServer) -> Vec<String> {
    google
        .received_requests()
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|r| r.url.path() == "/token")
        .map(|r| String::from_utf8(r.body).unwrap())
        .collect()
}

async fn start_redirects_to_google_with_a_stored_hashed_state_and_pkce(db: TestDb) {
    let Setup {
        app, google, _db, ..
    } = setup(db).await;
    let params = start(&app, "flow-1").await;
    assert_eq!(params["client_id"], "test-client");
    assert_eq!(
        params["redirect_uri"],
        format!("{}/auth/gmail/callback", app.address)
    );
    assert_eq!(params["response_type"], "code");
    assert_eq!(params["scope"], format!("openid email {GMAIL}"));
    assert_eq!(params["access_type"], "offline");
    assert_eq!(params["prompt"], "consent");
    assert_eq!(params["include_granted_scopes"], "true");
    assert_eq!(params["code_challenge_method"], "S256");
    assert!(
        URL_SAFE_NO_PAD
            .decode_to_vec(&params["state"])
            .unwrap()
            .len()
            >= 16,
        "at least 128 bits"
    );

    let flow = oauth_flows::Entity::find()
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_ne!(flow.state_hash, params["state"]);
    assert_eq!(flow.flow_id.as_deref(), Some("flow-1"));
    assert!(
        flow.pkce_verifier.starts_with("v2:"),
        "the verifier is sealed"
    );
    assert!(token_calls(&google).await.is_empty());
}

async fn start_needs_a_signed_in_user(db: TestDb) {
    let Setup { app, _db, .. } = setup(db).await;
    app.call("sign_out", &[]).await;
    let response = app.get("/auth/gmail/start?flow=x").await;
    assert_eq!(response.status(), 401);
    assert!(response.text().await.unwrap().contains("GMAIL_AUTH_ERROR"));
    assert_eq!(oauth_flows::Entity::find().count(&app.db).await.unwrap(), 0);
}

async fn a_good_callback_stores_sealed_tokens_once(db: TestDb) {
    let Setup {
        app, google, _db, ..
    } = setup(db).await;
    google_answers(
        &google,
        &format!("openid email {GMAIL}"),
        Some("1//refresh-canary"),
        "ada@gmail.com",
    )
    .await;
    let params = start(&app, "flow-ok").await;
    let (status, html) = callback(&app, &format!("state={}&code=the-code", params["state"])).await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("GMAIL_AUTH_SUCCESS"));
    assert!(html.contains("flow-ok"));
    assert!(!html.contains("canary"), "no token reaches the browser");

    // The code went to Google once, with the verifier matching the challenge.
    let calls = token_calls(&google).await;
    assert_eq!(calls.len(), 1);
    let form: std::collections::HashMap<String, String> =
        url::form_urlencoded::parse(calls[0].as_bytes())
            .into_owned()
            .collect();
    assert_eq!(form["code"], "the-code");
    let challenge =
        URL_SAFE_NO_PAD.encode_to_string(Sha256::digest(form["code_verifier"].as_bytes()));
    assert_eq!(challenge, params["code_challenge"]);

    let account = email_accounts::Entity::find()
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(account.email_address, "ada@gmail.com");
    assert_eq!(account.status, Status::Active);
    assert!(account.scopes.contains(GMAIL));
    for sealed in [
        account.access_token.unwrap(),
        account.refresh_token.unwrap(),
    ] {
        assert!(sealed.starts_with("v2:") && !sealed.contains("canary"));
    }
    let audit = api_access_log::Entity::find()
        .filter(api_access_log::Column::Action.eq(Action::AuthSuccess))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(audit.ip_address.as_deref(), Some("127.0.0.1"));

    // The same state again is refused before any call to Google.
    let (status, html) = callback(&app, &format!("state={}&code=the-code", params["state"])).await;
    assert_eq!(status, 400);
    assert!(html.contains("already used"));
    assert_eq!(token_calls(&google).await.len(), 1);

    let listed = app.call("list_accounts", &[]).await.text().await.unwrap();
    assert!(listed.contains("ada@gmail.com"));

    let metrics = app.metrics().await;
    assert!(
        metrics.contains("mailconnect_accounts{status=\"active\"}"),
        "{metrics}"
    );
}

async fn forged_missing_and_foreign_states_never_reach_google(db: TestDb) {
    let Setup {
        app, google, _db, ..
    } = setup(db).await;
    google_answers(&google, GMAIL, Some("r"), "ada@gmail.com").await;
    let params = start(&app, "flow-a").await;

    for query in [
        "code=x".to_owned(),
        "state=forged&code=x".to_owned(),
        "state=&code=x".to_owned(),
    ] {
        let (status, html) = callback(&app, &query).await;
        assert_eq!(status, 400, "{query}");
        assert!(html.contains("not valid"), "{query}: {html}");
    }
    // Another user's session presenting this user's state.
    let other = spawn_other_client(&app).await;
    let response = other
        .get(format!(
            "{}/auth/gmail/callback?state={}&code=x",
            app.address, params["state"]
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);

    assert!(token_calls(&google).await.is_empty());
    assert_eq!(
        email_accounts::Entity::find().count(&app.db).await.unwrap(),
        0
    );
    // The rightful owner can still finish.
    let (status, _) = callback(&app, &format!("state={}&code=x", params["state"])).await;
    assert_eq!(status, 200);
}

pub(crate) async fn spawn_other_client(app: &TestApp) -> reqwest::Client {
    let client = crate::helpers::browser_client();
    client
        .post(format!("{}/api/sign_up", app.address))
        .form(&[
            ("email", "mallory@example.com"),
            ("password", "correct horse"),
        ])
        .send()
        .await
        .unwrap();
    client
}

async fn denied_consent_is_reported_as_cancelled_and_hostile_errors_stay_text(db: TestDb) {
    let Setup {
        app, google, _db, ..
    } = setup(db).await;
    let params = start(&app, "flow-d").await;
    let (status, html) = callback(
        &app,
        &format!("state={}&error=access_denied", params["state"]),
    )
    .await;
    assert_eq!(status, 200);
    assert!(html.contains("Gmail connection cancelled"));

    let params = start(&app, "flow-e").await;
    let evil = "%3Cscript%3Ealert(1)%3C%2Fscript%3E";
    let (_, html) = callback(&app, &format!("state={}&error={evil}", params["state"])).await;
    // Not even escaped: the provider's text is never shown.
    assert!(!html.contains("alert(1)"));
    assert!(token_calls(&google).await.is_empty());
    let errors = api_access_log::Entity::find()
        .filter(api_access_log::Column::Action.eq(Action::AuthError))
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(errors, 2);
}

async fn without_the_gmail_scope_nothing_is_stored_and_the_grant_is_revoked(db: TestDb) {
    let Setup {
        app, google, _db, ..
    } = setup(db).await;
    google_answers(&google, "openid email", Some("1//r"), "ada@gmail.com").await;
    let params = start(&app, "flow-s").await;
    let (_, html) = callback(&app, &format!("state={}&code=c", params["state"])).await;
    assert!(html.contains("Gmail permission was not granted. Tick the Gmail box to connect."));
    assert_eq!(
        email_accounts::Entity::find().count(&app.db).await.unwrap(),
        0
    );
    let revokes: Vec<_> = google
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.url.path() == "/revoke")
        .collect();
    assert_eq!(revokes.len(), 1);
}
