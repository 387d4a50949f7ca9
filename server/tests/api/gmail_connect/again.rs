//! Connecting the same Google account again keeps one row and its refresh token; disconnecting
//! revokes at Google, wipes the tokens and is only for the owner; a revocation that fails is
//! queued and retried.

use super::*;

on_both_databases! {
    connecting_the_same_account_twice_keeps_one_row_and_the_refresh_token,
    disconnect_revokes_wipes_and_is_only_for_the_owner,
    a_failed_revoke_is_queued_and_retried,
}

async fn connecting_the_same_account_twice_keeps_one_row_and_the_refresh_token(db: TestDb) {
    let Setup {
        app, google, _db, ..
    } = setup(db).await;
    google_answers(&google, GMAIL, Some("1//first"), "ada@gmail.com").await;
    let first = connect(&app, "one").await;

    google.reset().await;
    google_answers(&google, GMAIL, None, "ada@gmail.com").await;
    let params = start(&app, "two").await;
    let (status, _) = callback(&app, &format!("state={}&code=c", params["state"])).await;
    assert_eq!(status, 200);
    let rows = email_accounts::Entity::find().all(&app.db).await.unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].id, first.id);
    assert_eq!(
        rows[0].refresh_token, first.refresh_token,
        "no new refresh token: the stored one stays"
    );
}

async fn disconnect_revokes_wipes_and_is_only_for_the_owner(db: TestDb) {
    let Setup {
        app, google, _db, ..
    } = setup(db).await;
    google_answers(
        &google,
        GMAIL,
        Some("1//refresh-to-revoke"),
        "ada@gmail.com",
    )
    .await;
    let account = connect(&app, "f").await;

    let other = spawn_other_client(&app).await;
    let denied = other
        .post(format!("{}/api/disconnect_account", app.address))
        .form(&[("account_id", account.id.to_string())])
        .send()
        .await
        .unwrap();
    assert_eq!(denied.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        email_accounts::Entity::find()
            .one(&app.db)
            .await
            .unwrap()
            .unwrap()
            .status,
        Status::Active
    );

    let response = app
        .call(
            "disconnect_account",
            &[("account_id", &account.id.to_string())],
        )
        .await;
    assert!(response.status().is_success());
    let row = email_accounts::Entity::find()
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.status, Status::Disconnected);
    assert!(
        row.access_token.is_none() && row.refresh_token.is_none() && row.pending_revoke.is_none()
    );
    let revoked: Vec<_> = google
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.url.path() == "/revoke")
        .map(|r| String::from_utf8(r.body).unwrap())
        .collect();
    assert_eq!(revoked, vec!["token=1%2F%2Frefresh-to-revoke".to_owned()]);
    assert!(
        !app.call("list_accounts", &[])
            .await
            .text()
            .await
            .unwrap()
            .contains("ada@gmail.com")
    );
}

async fn a_failed_revoke_is_queued_and_retried(db: TestDb) {
    let Setup {
        app, google, _db, ..
    } = setup(db).await;
    google_answers(&google, GMAIL, Some("1//r"), "ada@gmail.com").await;
    let account = connect(&app, "f").await;

    google.reset().await;
    Mock::given(method("POST"))
        .and(path("/revoke"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&google)
        .await;
    app.call(
        "disconnect_account",
        &[("account_id", &account.id.to_string())],
    )
    .await;
    let row = email_accounts::Entity::find()
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.status, Status::Disconnected);
    assert!(row.access_token.is_none() && row.refresh_token.is_none());
    assert!(row.pending_revoke.is_some(), "kept, sealed, until revoked");

    google.reset().await;
    Mock::given(method("POST"))
        .and(path("/revoke"))
        .and(body_string_contains("token=1%2F%2Fr"))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&google)
        .await;
    // Not before its backoff has passed.
    let stop = Default::default();
    let early = app.accounts.retry_pending_revokes(&stop).await.unwrap();
    assert_eq!(early, Default::default());
    app.clock.advance(61);
    let round = app.accounts.retry_pending_revokes(&stop).await.unwrap();
    assert_eq!(round.revoked, 1);
    assert!(
        email_accounts::Entity::find()
            .one(&app.db)
            .await
            .unwrap()
            .unwrap()
            .pending_revoke
            .is_none()
    );
}
