//! The bad-input suite: requests an attacker (or a broken client) would send, each refused with
//! the safe outcome, nothing written and Google not called. SECURITY.md lists every case.

mod limits;
mod processes;
mod requests;

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use sea_orm::{DatabaseConnection, EntityTrait, PaginatorTrait};
use server::entities::api_access_log::{self, Action};
use server::entities::email_accounts::{self, Status};
use server::entities::{oauth_flows, sessions, users};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use wiremock::MockServer;

use crate::gmail_connect::{GMAIL, Setup, callback, connect, google_answers, setup, start};
use crate::helpers::{METRICS_TOKEN, TestApp, TestDb, bare_client, on_both_databases, spawn_app};

on_both_databases! {
    cross_site_sign_in_and_sign_up_are_refused,
    cross_site_disconnect_sign_out_and_start_are_refused,
    without_fetch_metadata_the_origin_decides,
    a_plain_form_post_from_our_page_still_works,
    a_duplicate_session_cookie_means_signed_out,
    sessions_end_after_a_week_unused_and_are_purged,
    https_origins_get_host_prefixed_secure_cookies_and_hsts,
}

/// Rows in every table a refused request could have written to.
async fn rows(db: &DatabaseConnection) -> [u64; 5] {
    [
        users::Entity::find().count(db).await.unwrap(),
        sessions::Entity::find().count(db).await.unwrap(),
        oauth_flows::Entity::find().count(db).await.unwrap(),
        email_accounts::Entity::find().count(db).await.unwrap(),
        api_access_log::Entity::find().count(db).await.unwrap(),
    ]
}

async fn google_calls(google: &MockServer) -> usize {
    google.received_requests().await.unwrap_or_default().len()
}

/// A request as a cross-site page's form or script would send it, with the client's cookies.
fn cross_site(app: &TestApp, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
    app.client
        .request(method, format!("{}{path}", app.address))
        .header("sec-fetch-site", "cross-site")
        .header("origin", "https://evil.example")
}

async fn assert_forbidden(response: reqwest::Response) {
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert!(response.headers().get("set-cookie").is_none());
    assert_eq!(
        response.text().await.unwrap(),
        "Cross-site request refused."
    );
}

async fn cross_site_sign_in_and_sign_up_are_refused(db: TestDb) {
    let app = spawn_app(&db).await;
    // The attacker's own account (mallory@example.com), made elsewhere.
    crate::gmail_connect::spawn_other_client(&app).await;
    let before = rows(&app.db).await;

    // Login CSRF: the victim's browser posts the attacker's credentials.
    let form = [
        ("email", "mallory@example.com"),
        ("password", "correct horse"),
    ];
    let sign_in = cross_site(&app, reqwest::Method::POST, "/api/sign_in").form(&form);
    assert_forbidden(sign_in.send().await.unwrap()).await;
    let sign_up = cross_site(&app, reqwest::Method::POST, "/api/sign_up").form(&[
        ("email", "victim@example.com"),
        ("password", "correct horse"),
    ]);
    assert_forbidden(sign_up.send().await.unwrap()).await;
    // A sibling subdomain is another origin too.
    let sibling = app
        .client
        .post(format!("{}/api/sign_up", app.address))
        .header("sec-fetch-site", "same-site")
        .form(&[
            ("email", "victim@example.com"),
            ("password", "correct horse"),
        ]);
    assert_forbidden(sibling.send().await.unwrap()).await;

    assert_eq!(rows(&app.db).await, before);
    let me = app.call("signed_in_user", &[]).await.text().await.unwrap();
    assert_eq!(me, "null", "the victim's browser stays signed out");
}

async fn cross_site_disconnect_sign_out_and_start_are_refused(db: TestDb) {
    let Setup { app, google, _db } = setup(db).await;
    google_answers(&google, GMAIL, Some("1//refresh"), "ada@gmail.com").await;
    let account = connect(&app, "f").await;
    let calls = google_calls(&google).await;
    let before = rows(&app.db).await;

    let id = account.id.to_string();
    let disconnect = cross_site(&app, reqwest::Method::POST, "/api/disconnect_account")
        .form(&[("account_id", id.as_str())]);
    assert_forbidden(disconnect.send().await.unwrap()).await;
    let sign_out = cross_site(&app, reqwest::Method::POST, "/api/sign_out");
    assert_forbidden(sign_out.send().await.unwrap()).await;
    let start = cross_site(&app, reqwest::Method::GET, "/auth/gmail/start?flow=x");
    assert_forbidden(start.send().await.unwrap()).await;

    assert_eq!(rows(&app.db).await, before);
    assert_eq!(
        google_calls(&google).await,
        calls,
        "no revoke, no token call"
    );
    let stored = email_accounts::Entity::find_by_id(account.id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.status, Status::Active);
    let listed = app.call("list_accounts", &[]).await;
    assert_eq!(listed.status(), StatusCode::OK, "still signed in");
}

async fn without_fetch_metadata_the_origin_decides(db: TestDb) {
    let app = spawn_app(&db).await;
    let client = bare_client();
    let sign_up = |origin: Option<&str>, email: &'static str| {
        let mut request = client
            .post(format!("{}/api/sign_up", app.address))
            .header("accept", "application/json")
            .form(&[("email", email), ("password", "correct horse")]);
        if let Some(origin) = origin {
            request = request.header("origin", origin);
        }
        request.send()
    };
    assert_forbidden(
        sign_up(Some("https://evil.example"), "a@example.com")
            .await
            .unwrap(),
    )
    .await;
    assert_forbidden(sign_up(Some("null"), "b@example.com").await.unwrap()).await;
    assert_forbidden(sign_up(None, "c@example.com").await.unwrap()).await;
    assert_eq!(rows(&app.db).await, [0; 5]);

    // An older browser on our own page sends only Origin, and that is enough.
    let ok = sign_up(Some(&app.address), "d@example.com").await.unwrap();
    assert_eq!(ok.status(), StatusCode::OK);
    assert_eq!(users::Entity::find().count(&app.db).await.unwrap(), 1);
}

async fn a_plain_form_post_from_our_page_still_works(db: TestDb) {
    let app = spawn_app(&db).await;
    // Before the WASM loads, the sign-up form posts itself: same-origin, HTML accepted.
    let response = app
        .client
        .post(format!("{}/api/sign_up", app.address))
        .header("accept", "text/html")
        .header("origin", &app.address)
        .form(&[("email", "ada@example.com"), ("password", "correct horse")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FOUND);
    assert_eq!(response.headers()["location"], "/connections");
    assert_eq!(sessions::Entity::find().count(&app.db).await.unwrap(), 1);
}

/// The session cookie's value from a response's `Set-Cookie`.
fn session_value(response: &reqwest::Response, name: &str) -> String {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.strip_prefix(&format!("{name}=")))
        .and_then(|v| v.split(';').next())
        .expect("a session cookie")
        .to_owned()
}

async fn a_duplicate_session_cookie_means_signed_out(db: TestDb) {
    let app = spawn_app(&db).await;
    let signed_up = app.sign_up("ada@example.com", "correct horse").await;
    let id = session_value(&signed_up, "mc_session");
    let list = |cookie: String| {
        bare_client()
            .post(format!("{}/api/list_accounts", app.address))
            .header("sec-fetch-site", "same-origin")
            .header("accept", "application/json")
            .header("cookie", cookie)
            .send()
    };
    assert_eq!(
        list(format!("mc_session={id}")).await.unwrap().status(),
        StatusCode::OK
    );
    // A cookie planted for a parent domain or a narrower path arrives beside ours.
    for cookie in [
        format!("mc_session=planted; mc_session={id}"),
        format!("mc_session={id}; mc_session=planted"),
    ] {
        let before = rows(&app.db).await;
        let refused = list(cookie).await.unwrap();
        assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(rows(&app.db).await, before);
    }
}

async fn sessions_end_after_a_week_unused_and_are_purged(db: TestDb) {
    let app = spawn_app(&db).await;
    app.sign_up("ada@example.com", "correct horse").await;
    let day = 24 * 60 * 60;
    // Used every six days, the session lives on (up to its 30 days)...
    for _ in 0..3 {
        app.clock.advance(6 * day);
        let used = app.call("list_accounts", &[]).await;
        assert_eq!(used.status(), StatusCode::OK);
    }
    // ...unused for a week, it ends.
    app.clock.advance(7 * day);
    let lapsed = app.call("list_accounts", &[]).await;
    assert_eq!(lapsed.status(), StatusCode::UNAUTHORIZED);
    let sessions_store = server::identity::Sessions::new(
        app.db.clone(),
        false,
        app.config.web.session_idle,
        app.clock.clone(),
    );
    assert_eq!(sessions_store.purge_expired().await.unwrap(), 1);
    assert_eq!(sessions::Entity::find().count(&app.db).await.unwrap(), 0);
}

async fn https_origins_get_host_prefixed_secure_cookies_and_hsts(db: TestDb) {
    let app = TestApp::builder(&db)
        .origin("https://mail.example.com")
        .spawn()
        .await;
    let response = app.sign_up("ada@example.com", "correct horse").await;
    assert_eq!(response.status(), StatusCode::OK);
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(cookie.starts_with("__Host-mc_session="), "{cookie}");
    for part in ["Secure", "Path=/", "HttpOnly", "SameSite=Lax"] {
        assert!(cookie.contains(part), "{part} missing: {cookie}");
    }
    assert!(!cookie.contains("Domain"), "{cookie}");
    assert_eq!(
        response.headers()["strict-transport-security"],
        "max-age=31536000"
    );
    // The plain-http name means nothing here.
    let id = session_value(&response, "__Host-mc_session");
    let old_name = bare_client()
        .post(format!("{}/api/list_accounts", app.address))
        .header("sec-fetch-site", "same-origin")
        .header("accept", "application/json")
        .header("cookie", format!("mc_session={id}"))
        .send()
        .await
        .unwrap();
    assert_eq!(old_name.status(), StatusCode::UNAUTHORIZED);

    let plain = spawn_app(&db).await;
    let page = plain.get("/signin").await;
    assert!(page.headers().get("strict-transport-security").is_none());
}
