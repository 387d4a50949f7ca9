//! Sign-up, sign-in, sessions and the members-only page, over HTTP.

use std::time::Duration;

use reqwest::StatusCode;
use sea_orm::{EntityTrait, PaginatorTrait};
use server::entities::{sessions, users};
use server::secrets::sha256_hex;

use crate::helpers::{TestApp, TestDb, on_both_databases, spawn_app};

on_both_databases! {
    health_answers_when_the_database_does,
    sign_up_starts_a_session_stored_only_as_a_hash,
    bad_sign_ups_explain_and_change_nothing,
    sign_in_checks_the_password_without_revealing_the_email,
    a_plain_form_post_that_fails_is_sent_back_to_its_page,
    sign_in_attempts_for_one_address_are_throttled,
    sign_in_changes_the_session_id_and_sign_out_ends_it,
    a_session_ended_on_another_instance_ends_here_within_the_cache_time,
    connections_page_is_for_signed_in_users,
}

fn session_cookie(response: &reqwest::Response) -> Option<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("mc_session="))
        .map(str::to_owned)
}

fn cookie_value(set_cookie: &str) -> &str {
    set_cookie
        .trim_start_matches("mc_session=")
        .split(';')
        .next()
        .unwrap()
}

async fn health_answers_when_the_database_does(db: TestDb) {
    let app = spawn_app(&db).await;
    let response = app.get("/healthz").await;
    assert_eq!(response.status(), StatusCode::OK);
}

async fn sign_up_starts_a_session_stored_only_as_a_hash(db: TestDb) {
    let app = spawn_app(&db).await;
    let response = app
        .sign_up("  Ada@Example.com ", "correct horse battery")
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let cookie = session_cookie(&response).expect("a session cookie");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(!cookie.contains("Secure"), "plain http origin: {cookie}");

    let user = users::Entity::find().one(&app.db).await.unwrap().unwrap();
    assert_eq!(user.email, "ada@example.com");
    assert!(user.password_hash.starts_with("$argon2id$"));
    let stored = sessions::Entity::find().all(&app.db).await.unwrap();
    assert_eq!(stored.len(), 1);
    let id = cookie_value(&cookie);
    assert_ne!(
        stored[0].token_hash, id,
        "the raw session id is never stored"
    );
    assert_eq!(stored[0].token_hash, sha256_hex(id));

    let me = app.call("signed_in_user", &[]).await.text().await.unwrap();
    assert!(me.contains("ada@example.com"), "{me}");
}

async fn bad_sign_ups_explain_and_change_nothing(db: TestDb) {
    let app = spawn_app(&db).await;
    assert_eq!(
        app.sign_up("taken@example.com", "long enough")
            .await
            .status(),
        StatusCode::OK
    );
    let cases = [
        ("", "long enough", "Enter your email address."),
        ("not-an-email", "long enough", "Enter a valid email address"),
        ("new@example.com", "short", "at least 8 characters"),
        ("TAKEN@example.com", "long enough", "already exists"),
    ];
    for (email, password, message) in cases {
        let response = app.sign_up(email, password).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{email:?}");
        assert!(session_cookie(&response).is_none());
        let body = response.text().await.unwrap();
        assert!(body.contains(message), "{email:?}: {body}");
    }
    assert_eq!(users::Entity::find().count(&app.db).await.unwrap(), 1);
    assert_eq!(sessions::Entity::find().count(&app.db).await.unwrap(), 1);
}

async fn sign_in_checks_the_password_without_revealing_the_email(db: TestDb) {
    let app = spawn_app(&db).await;
    app.sign_up("ada@example.com", "correct horse").await;
    app.call("sign_out", &[]).await;

    let wrong_password = app.sign_in("ada@example.com", "wrong horse").await;
    assert_eq!(wrong_password.status(), StatusCode::BAD_REQUEST);
    assert!(session_cookie(&wrong_password).is_none());
    let wrong_password = wrong_password.text().await.unwrap();
    let unknown_email = app
        .sign_in("nobody@example.com", "wrong horse")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        wrong_password.contains("Incorrect email or password."),
        "{wrong_password}"
    );
    assert_eq!(
        wrong_password, unknown_email,
        "the two failures must look the same"
    );
    assert_eq!(sessions::Entity::find().count(&app.db).await.unwrap(), 0);

    let right = app.sign_in("ADA@example.com", "correct horse").await;
    assert_eq!(right.status(), StatusCode::OK);
    assert!(session_cookie(&right).is_some());
}

async fn sign_in_attempts_for_one_address_are_throttled(db: TestDb) {
    // One attempt back a minute: far slower than the test's password checks.
    let app = TestApp::builder(&db).sign_in_limit(3, 1).spawn().await;
    app.sign_up("bob@example.com", "correct horse").await;
    app.sign_up("ada@example.com", "correct horse").await;
    app.call("sign_out", &[]).await;

    for _ in 0..3 {
        let guess = app.sign_in("ada@example.com", "wrong horse").await;
        assert_eq!(guess.status(), StatusCode::BAD_REQUEST);
    }
    // Over the limit even the right password is refused, however the address is written.
    for password in ["wrong horse", "correct horse"] {
        let refused = app.sign_in(" ADA@example.com", password).await;
        assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
        assert!(session_cookie(&refused).is_none());
        let body = refused.text().await.unwrap();
        assert!(body.contains("TooManyAttempts"), "{body}");
    }
    assert_eq!(sessions::Entity::find().count(&app.db).await.unwrap(), 0);

    let other = app.sign_in("bob@example.com", "correct horse").await;
    assert_eq!(other.status(), StatusCode::OK);
}

async fn a_plain_form_post_that_fails_is_sent_back_to_its_page(db: TestDb) {
    let app = spawn_app(&db).await;
    let page = format!("{}/signin", app.address);
    let response = app
        .client
        .post(format!("{}/api/sign_in", app.address))
        .header("Accept", "text/html")
        .header("Referer", &page)
        .form(&[("email", "nobody@example.com"), ("password", "wrong horse")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FOUND);
    assert!(
        response.headers()["location"]
            .to_str()
            .unwrap()
            .starts_with(&page)
    );
    assert!(session_cookie(&response).is_none());
}

async fn sign_in_changes_the_session_id_and_sign_out_ends_it(db: TestDb) {
    let app = spawn_app(&db).await;
    let first = session_cookie(&app.sign_up("ada@example.com", "correct horse").await).unwrap();
    let second = session_cookie(&app.sign_in("ada@example.com", "correct horse").await).unwrap();
    assert_ne!(cookie_value(&first), cookie_value(&second));
    let stored = sessions::Entity::find().all(&app.db).await.unwrap();
    assert_eq!(stored.len(), 1, "the session from before sign-in is gone");
    assert_eq!(stored[0].token_hash, sha256_hex(cookie_value(&second)));

    let out = app.call("sign_out", &[]).await;
    let cleared = session_cookie(&out).unwrap();
    assert!(cleared.contains("Max-Age=0"), "{cleared}");
    assert_eq!(sessions::Entity::find().count(&app.db).await.unwrap(), 0);
    let listed = app.call("list_accounts", &[]).await;
    assert_eq!(listed.status(), StatusCode::UNAUTHORIZED);
    assert!(listed.text().await.unwrap().contains("Unauthorized"));
}

async fn connections_page_is_for_signed_in_users(db: TestDb) {
    let app = spawn_app(&db).await;
    let signed_out = app.get("/connections").await;
    assert!(signed_out.status().is_redirection());
    assert_eq!(signed_out.headers()["location"], "/signin");

    let signed_up = app.sign_up("ada@example.com", "correct horse").await;
    assert_eq!(signed_up.status(), StatusCode::OK);
    let page = app.get("/connections").await;
    assert_eq!(page.status(), StatusCode::OK, "{:?}", page.headers());
    let html = page.text().await.unwrap();
    assert!(html.contains("Email Connections"));
    assert!(html.contains("Connected Accounts"));
    assert!(html.contains("No email accounts connected yet."));

    let signin = app.get("/signin").await;
    assert!(signin.status().is_redirection());
    assert_eq!(signin.headers()["location"], "/connections");
}

async fn a_session_ended_on_another_instance_ends_here_within_the_cache_time(db: TestDb) {
    let a = spawn_app(&db).await;
    let b = spawn_app(&db).await;
    let cookie = session_cookie(&a.sign_up("ada@example.com", "correct horse").await).unwrap();
    let cookie = cookie.split(';').next().unwrap().to_owned();
    let list_on_b = || async {
        b.client
            .post(format!("{}/api/list_accounts", b.address))
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap()
            .status()
    };
    assert_eq!(
        list_on_b().await,
        StatusCode::OK,
        "B now remembers the session"
    );

    a.call("sign_out", &[]).await;
    assert_eq!(
        a.call("list_accounts", &[]).await.status(),
        StatusCode::UNAUTHORIZED,
        "the instance that signed out forgets at once"
    );
    tokio::time::sleep(server::identity::sessions::CACHE_TTL + Duration::from_millis(500)).await;
    assert_eq!(list_on_b().await, StatusCode::UNAUTHORIZED);
}
