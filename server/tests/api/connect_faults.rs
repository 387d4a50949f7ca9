//! The connect flow's faults: a provider's `error` is never shown, only our fixed words for its
//! class; a client the provider refuses is a misconfiguration (for the operator: a log line
//! and a count), not a passing fault; every way the token endpoint can fail during the
//! callback says "try again" and stores nothing; a callback without a session, or with
//! parameters built to look like SQL or to split headers, changes nothing; a spoofed `Host`
//! changes no redirect; one Google account under two spellings of its address is one row; a
//! grant the database fails to store is revoked at Google, so nothing is left live, even when
//! the database cannot be read until later.

use sea_orm::{EntityTrait, PaginatorTrait};
use server::entities::email_accounts;
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

use crate::gmail_connect::{
    GMAIL, Setup, callback, connect, google_answers, setup, start, token_calls,
};
use crate::helpers::{TestApp, TestDb, on_both_databases};

on_both_databases! {
    a_providers_error_text_is_never_shown,
    a_refused_client_is_a_misconfiguration,
    token_endpoint_faults_say_try_again_and_store_nothing,
    a_callback_without_a_session_or_with_hostile_parameters_changes_nothing,
    a_spoofed_host_changes_no_redirect_and_no_message_target,
    address_variants_of_one_google_account_stay_one_row,
    a_grant_the_database_cannot_store_is_revoked,
    a_grant_is_revoked_once_the_database_answers_again,
}

const TRY_AGAIN: &str = "Could not complete the connection with Google. Please try again.";
const MISCONFIGURED: &str = "mailconnect is misconfigured; please try again later.";

async fn accounts(setup: &Setup) -> u64 {
    email_accounts::Entity::find()
        .count(&setup.app.db)
        .await
        .unwrap()
}

async fn a_providers_error_text_is_never_shown(db: TestDb) {
    let setup = setup(db).await;
    let app = &setup.app;
    let cases = [
        ("%3Cscript%3Ealert(1)%3C%2Fscript%3E", 200, TRY_AGAIN),
        ("interaction_required", 200, TRY_AGAIN),
        (
            "temporarily_unavailable",
            502,
            "Google is unavailable right now. Please try again in a few minutes.",
        ),
    ];
    for (n, (error, status, words)) in cases.into_iter().enumerate() {
        let params = start(app, &format!("flow-{n}")).await;
        let query = format!(
            "state={}&error={error}&error_description=Visit+evil.example+now",
            params["state"]
        );
        let (got, html) = callback(app, &query).await;
        assert_eq!(got, status, "{error}");
        assert!(html.contains(words), "{error}: {html}");
        assert!(!html.contains("alert(1)"), "{error}");
        assert!(!html.contains("evil.example"), "{error}");
        assert!(!html.contains("interaction_required"), "{error}");
    }
    assert!(token_calls(&setup.google).await.is_empty());
    assert_eq!(accounts(&setup).await, 0);
}

async fn a_refused_client_is_a_misconfiguration(db: TestDb) {
    let setup = setup(db).await;
    let app = &setup.app;
    // At the consent screen.
    let params = start(app, "flow-a").await;
    let (status, html) = callback(
        app,
        &format!("state={}&error=unauthorized_client", params["state"]),
    )
    .await;
    assert_eq!(status, 503);
    assert!(html.contains(MISCONFIGURED), "{html}");

    // At the code exchange.
    Mock::given(method("POST"))
        .and(path("/token"))
        .respond_with(ResponseTemplate::new(401).set_body_json(serde_json::json!({
            "error": "invalid_client", "error_description": "The OAuth client was not found."
        })))
        .mount(&setup.google)
        .await;
    let params = start(app, "flow-b").await;
    let (status, html) = callback(app, &format!("state={}&code=c", params["state"])).await;
    assert_eq!(status, 503);
    assert!(html.contains(MISCONFIGURED), "{html}");
    assert!(!html.contains("not found"));
    assert_eq!(accounts(&setup).await, 0);
    let metrics = app.metrics().await;
    assert!(
        metrics.contains("mailconnect_oauth_misconfigured_total"),
        "{metrics}"
    );
}

async fn token_endpoint_faults_say_try_again_and_store_nothing(db: TestDb) {
    let setup = setup(db).await;
    let app = &setup.app;
    let faults = [
        ("500", ResponseTemplate::new(500)),
        (
            "an HTML 502",
            ResponseTemplate::new(502)
                .insert_header("content-type", "text/html")
                .set_body_string("<html><body>Bad Gateway</body></html>"),
        ),
        (
            "invalid JSON",
            ResponseTemplate::new(200)
                .insert_header("content-type", "application/json")
                .set_body_string("{\"access_token\": "),
        ),
        ("an empty 200", ResponseTemplate::new(200)),
        (
            "a timeout",
            ResponseTemplate::new(200)
                .set_body_json(serde_json::json!({"access_token": "late", "token_type": "Bearer"}))
                .set_delay(std::time::Duration::from_secs(16)),
        ),
    ];
    for (n, (fault, answer)) in faults.into_iter().enumerate() {
        setup.google.reset().await;
        Mock::given(method("POST"))
            .and(path("/token"))
            .respond_with(answer)
            .mount(&setup.google)
            .await;
        let params = start(app, &format!("flow-{n}")).await;
        let (status, html) = callback(app, &format!("state={}&code=c", params["state"])).await;
        assert_eq!(status, 502, "{fault}");
        assert!(html.contains(TRY_AGAIN), "{fault}: {html}");
        assert_eq!(accounts(&setup).await, 0, "{fault}");
    }

    // A token endpoint that resets the connection.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            drop(socket);
        }
    });
    let reset_db = TestDb::sqlite();
    let reset = TestApp::builder(&reset_db).google(&address).spawn().await;
    reset.sign_up("owner@example.com", "correct horse").await;
    let params = start(&reset, "flow-reset").await;
    let (status, html) = callback(&reset, &format!("state={}&code=c", params["state"])).await;
    assert_eq!(status, 502);
    assert!(html.contains(TRY_AGAIN), "{html}");
    assert_eq!(
        email_accounts::Entity::find()
            .count(&reset.db)
            .await
            .unwrap(),
        0
    );
}

async fn a_callback_without_a_session_or_with_hostile_parameters_changes_nothing(db: TestDb) {
    let setup = setup(db).await;
    let app = &setup.app;
    google_answers(&setup.google, GMAIL, Some("1//r"), "owner@gmail.com").await;
    let params = start(app, "flow-s").await;

    // Another browser, with no session, holding the state and a code.
    let stranger = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let response = stranger
        .get(format!(
            "{}/auth/gmail/callback?state={}&code=c",
            app.address, params["state"]
        ))
        .send()
        .await
        .unwrap();
    assert!(response.status().is_client_error(), "{}", response.status());

    for hostile in [
        "state=%27%20OR%201%3D1%20--&code=c",
        "state=x%0D%0ASet-Cookie%3A%20session%3Devil&code=c%0D%0ALocation%3A%20https%3A%2F%2Fevil.example",
        "state=x&code=c&scope=%0D%0A%0D%0A%3Chtml%3E",
    ] {
        let response = app.get(&format!("/auth/gmail/callback?{hostile}")).await;
        assert_eq!(response.status(), 400, "{hostile}");
        assert!(response.headers().get("location").is_none());
        assert!(
            response
                .headers()
                .get_all("set-cookie")
                .iter()
                .all(|c| !c.to_str().unwrap_or_default().contains("evil")),
            "{hostile}"
        );
    }
    assert!(token_calls(&setup.google).await.is_empty());
    assert_eq!(accounts(&setup).await, 0);
}

async fn a_spoofed_host_changes_no_redirect_and_no_message_target(db: TestDb) {
    let setup = setup(db).await;
    let app = &setup.app;
    google_answers(&setup.google, GMAIL, Some("1//r"), "owner@gmail.com").await;
    let spoofed = |path: String| {
        app.client
            .get(format!("{}{path}", app.address))
            .header("host", "evil.example")
            .header("x-forwarded-host", "evil.example")
            .header("x-forwarded-proto", "https")
            .send()
    };
    let started = spoofed("/auth/gmail/start?flow=flow-h".into())
        .await
        .unwrap();
    let location = started
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_owned())
        .unwrap_or_default();
    assert_eq!(started.status(), 302);
    assert!(!location.contains("evil.example"), "{location}");
    let redirect_uri = url::Url::parse(&location)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "redirect_uri")
        .map(|(_, v)| v.into_owned())
        .unwrap();
    assert!(redirect_uri.starts_with(&app.address), "{redirect_uri}");

    let params = start(app, "flow-h2").await;
    let finished = spoofed(format!(
        "/auth/gmail/callback?state={}&code=c",
        params["state"]
    ))
    .await
    .unwrap();
    let html = finished.text().await.unwrap();
    assert!(!html.contains("evil.example"), "{html}");
}

async fn address_variants_of_one_google_account_stay_one_row(db: TestDb) {
    let setup = setup(db).await;
    let app = &setup.app;
    let answer = |email: &'static str| {
        let google = &setup.google;
        async move {
            google.reset().await;
            google_answers(google, GMAIL, Some("1//r"), "unused@gmail.com").await;
            // The same Google account (`sub`), its address spelled another way.
            Mock::given(method("GET"))
                .and(path("/v1/userinfo"))
                .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
                    "sub": "sub-ana", "email": email, "email_verified": true
                })))
                .with_priority(1)
                .mount(google)
                .await;
        }
    };
    answer("Ana.Mora@gmail.com").await;
    let first = connect(app, "flow-v1").await;
    answer("anamora@googlemail.com").await;
    let params = start(app, "flow-v2").await;
    let (status, _) = callback(app, &format!("state={}&code=c", params["state"])).await;
    assert_eq!(status, 200);
    let rows = email_accounts::Entity::find().all(&app.db).await.unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].id, first.id);
}

async fn a_grant_the_database_cannot_store_is_revoked(db: TestDb) {
    use sea_orm::{ConnectionTrait, DbBackend};

    let setup = setup(db).await;
    let app = &setup.app;
    google_answers(&setup.google, GMAIL, Some("1//unstored"), "owner@gmail.com").await;
    // The database refuses to store any account from now on (reads still work).
    let refuse: &[&str] = match app.db.get_database_backend() {
        DbBackend::Postgres => &[
            "CREATE FUNCTION refuse_accounts() RETURNS trigger AS $$ \
             BEGIN RAISE EXCEPTION 'the database is failing'; END; $$ LANGUAGE plpgsql",
            "CREATE TRIGGER refuse_accounts BEFORE INSERT OR UPDATE ON email_accounts \
             FOR EACH ROW EXECUTE FUNCTION refuse_accounts()",
        ],
        _ => &[
            "CREATE TRIGGER refuse_accounts BEFORE INSERT ON email_accounts \
             BEGIN SELECT RAISE(ABORT, 'the database is failing'); END",
        ],
    };
    for statement in refuse {
        app.db.execute_unprepared(statement).await.unwrap();
    }

    let params = start(app, "flow-db").await;
    let (status, html) = callback(app, &format!("state={}&code=c", params["state"])).await;
    assert_eq!(status, 500);
    assert!(html.contains("Something went wrong on our side"), "{html}");
    assert_eq!(accounts(&setup).await, 0);
    let revoked = revocations(&setup).await;
    assert_eq!(revoked.len(), 1, "{revoked:?}");
    assert!(revoked[0].contains("unstored"), "the grant's refresh token");
}

/// The revocations Google received so far: their bodies.
async fn revocations(setup: &Setup) -> Vec<String> {
    let requests = setup.google.received_requests().await.unwrap();
    requests
        .into_iter()
        .filter(|r| r.url.path() == "/revoke")
        .map(|r| String::from_utf8(r.body).unwrap())
        .collect()
}

async fn a_grant_is_revoked_once_the_database_answers_again(db: TestDb) {
    use sea_orm::ConnectionTrait;

    let setup = setup(db).await;
    let app = &setup.app;
    google_answers(&setup.google, GMAIL, Some("1//unread"), "owner@gmail.com").await;
    let params = start(app, "flow-db-down").await;
    // The accounts cannot be read or written: whether another connection uses this Google
    // account is unknown, so the grant cannot be revoked yet.
    app.db
        .execute_unprepared("ALTER TABLE email_accounts RENAME TO email_accounts_away")
        .await
        .unwrap();
    let (status, html) = callback(app, &format!("state={}&code=c", params["state"])).await;
    assert_eq!(status, 500);
    assert!(html.contains("Something went wrong on our side"), "{html}");
    assert!(revocations(&setup).await.is_empty());

    app.db
        .execute_unprepared("ALTER TABLE email_accounts_away RENAME TO email_accounts")
        .await
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let revoked = loop {
        let revoked = revocations(&setup).await;
        if !revoked.is_empty() || std::time::Instant::now() > deadline {
            break revoked;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    assert_eq!(
        revoked.len(),
        1,
        "revoked once the database answered: {revoked:?}"
    );
    assert!(revoked[0].contains("unread"), "the grant's refresh token");
    assert_eq!(accounts(&setup).await, 0);
}
