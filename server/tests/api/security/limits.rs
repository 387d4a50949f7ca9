//! The operator's endpoint and the abuse limits: `/metrics` behind its token, attempts per
//! client address (and who that client is behind a proxy), connect attempts per user.

use super::*;

on_both_databases! {
    metrics_need_the_token_or_the_private_listener,
    one_client_cannot_rotate_addresses_past_its_limit,
    forwarded_addresses_count_only_from_trusted_proxies,
    connect_attempts_are_limited_per_user,
}

async fn metrics_need_the_token_or_the_private_listener(db: TestDb) {
    let app = spawn_app(&db).await;
    let url = format!("{}/metrics", app.address);
    let anonymous = bare_client().get(&url).send().await.unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    assert!(!anonymous.text().await.unwrap().contains("mailconnect_"));
    let wrong = bare_client()
        .get(&url)
        .bearer_auth("not-the-token-at-all")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert!(app.metrics().await.contains("mailconnect_accounts"));

    // With a private listener configured, the public one has no /metrics at all.
    let private = TestApp::builder(&db).metrics_listener().spawn().await;
    let hidden = bare_client()
        .get(format!("{}/metrics", private.address))
        .bearer_auth(METRICS_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(hidden.status(), StatusCode::NOT_FOUND);
}

async fn one_client_cannot_rotate_addresses_past_its_limit(db: TestDb) {
    let app = TestApp::builder(&db).client_limit(3, 1).spawn().await;
    for n in 0..3 {
        let response = app
            .sign_up(&format!("u{n}@example.com"), "correct horse")
            .await;
        assert_eq!(response.status(), StatusCode::OK);
    }
    let refused = app.sign_up("u3@example.com", "correct horse").await;
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(refused.text().await.unwrap().contains("TooManyAttempts"));
    assert_eq!(users::Entity::find().count(&app.db).await.unwrap(), 3);

    // Sign-in is limited apart from sign-up, and as strictly.
    for n in 0..3 {
        let guess = app
            .sign_in(&format!("nobody{n}@example.com"), "wrong horse")
            .await;
        assert_eq!(guess.status(), StatusCode::BAD_REQUEST);
    }
    let before = rows(&app.db).await;
    let refused = app.sign_in("u0@example.com", "correct horse").await;
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(rows(&app.db).await, before);
}

async fn forwarded_addresses_count_only_from_trusted_proxies(db: TestDb) {
    let sign_up = |app: &TestApp, forwarded: &'static str, email: &'static str| {
        app.client
            .post(format!("{}/api/sign_up", app.address))
            .header("accept", "application/json")
            .header("x-forwarded-for", forwarded)
            .form(&[("email", email), ("password", "correct horse")])
            .send()
    };
    // Behind a trusted proxy, each forwarded client has its own allowance.
    let app = TestApp::builder(&db)
        .client_limit(1, 1)
        .trusted_proxy("127.0.0.1")
        .spawn()
        .await;
    let first = sign_up(&app, "203.0.113.1", "a@example.com").await.unwrap();
    assert_eq!(first.status(), StatusCode::OK);
    let again = sign_up(&app, "203.0.113.1", "b@example.com").await.unwrap();
    assert_eq!(again.status(), StatusCode::TOO_MANY_REQUESTS);
    let other = sign_up(&app, "203.0.113.2", "c@example.com").await.unwrap();
    assert_eq!(other.status(), StatusCode::OK);

    // The audit trail records the same address.
    let Setup {
        app: proxied,
        google,
        _db: db,
    } = setup_with_proxy(db).await;
    google_answers(&google, GMAIL, Some("1//refresh"), "ada@gmail.com").await;
    let account = connect(&proxied, "f").await;
    proxied
        .client
        .post(format!("{}/api/disconnect_account", proxied.address))
        .header("accept", "application/json")
        .header("x-forwarded-for", "198.51.100.7")
        .form(&[("account_id", account.id.to_string())])
        .send()
        .await
        .unwrap();
    let audit = api_access_log::Entity::find()
        .all(&proxied.db)
        .await
        .unwrap();
    let disconnect = audit
        .iter()
        .find(|r| r.action == Action::Disconnect)
        .unwrap();
    assert_eq!(disconnect.ip_address.as_deref(), Some("198.51.100.7"));

    // From anyone else, X-Forwarded-For is ignored: a made-up address is no fresh allowance.
    let direct = TestApp::builder(&db).client_limit(1, 1).spawn().await;
    let first = sign_up(&direct, "203.0.113.1", "e@example.com")
        .await
        .unwrap();
    assert_eq!(first.status(), StatusCode::OK);
    let spoofed = sign_up(&direct, "203.0.113.99", "f@example.com")
        .await
        .unwrap();
    assert_eq!(spoofed.status(), StatusCode::TOO_MANY_REQUESTS);
}

/// Like [`setup`], behind a trusted proxy on 127.0.0.1.
async fn setup_with_proxy(db: TestDb) -> Setup {
    let google = MockServer::start().await;
    let app = TestApp::builder(&db)
        .google(&google.uri())
        .trusted_proxy("127.0.0.1")
        .spawn()
        .await;
    app.sign_up("owner@example.com", "correct horse").await;
    Setup {
        app,
        google,
        _db: db,
    }
}

async fn connect_attempts_are_limited_per_user(db: TestDb) {
    let Setup { app, google, _db } = setup(db).await;
    for n in 0..20 {
        start(&app, &format!("f{n}")).await;
    }
    let before = rows(&app.db).await;
    let refused = app.get("/auth/gmail/start?flow=f20").await;
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    let html = refused.text().await.unwrap();
    assert!(html.contains("Too many connection attempts"), "{html}");
    assert_eq!(rows(&app.db).await, before);
    assert_eq!(google_calls(&google).await, 0);
}
