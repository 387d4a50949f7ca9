//! Leaving: changing the password ends the other sessions; deleting the app account revokes
//! the user's grants at Google (but not one another user's connection still uses) and deletes
//! everything of theirs but a tombstone audit row.

use reqwest::StatusCode;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};
use server::entities::api_access_log::{self, Action};
use server::entities::email_accounts::{self, Status};
use server::entities::{sessions, transactions, users};
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

use crate::gmail_connect::{GMAIL, Setup, google_answers, setup, spawn_other_client};
use crate::grants::{connect_as, revoke_calls};
use crate::helpers::{TestApp, TestDb, browser_client, on_both_databases};

on_both_databases! {
    changing_the_password_needs_the_current_one_and_ends_other_sessions,
    deleting_the_account_revokes_unshared_grants_and_keeps_a_tombstone,
    deletion_waits_while_google_cannot_be_reached,
}

async fn post(
    app: &TestApp,
    client: &reqwest::Client,
    name: &str,
    form: &[(&str, &str)],
) -> reqwest::Response {
    client
        .post(format!("{}/api/{name}", app.address))
        .header("accept", "application/json")
        .form(form)
        .send()
        .await
        .unwrap()
}

async fn password_hash(app: &TestApp, email: &str) -> String {
    app.user(email).await.password_hash
}

async fn changing_the_password_needs_the_current_one_and_ends_other_sessions(db: TestDb) {
    let Setup { app, _db, .. } = setup(db).await;
    let owner = "owner@example.com";
    let laptop = browser_client();
    let signed_in = post(
        &app,
        &laptop,
        "sign_in",
        &[("email", owner), ("password", "correct horse")],
    )
    .await;
    assert_eq!(signed_in.status(), StatusCode::OK);
    let before = password_hash(&app, owner).await;

    let change = async |current: &str, new: &str| {
        let form = [("current_password", current), ("new_password", new)];
        post(&app, &app.client, "change_password", &form).await
    };
    let wrong = change("wrong horse", "battery staple").await;
    assert_eq!(wrong.status(), StatusCode::BAD_REQUEST);
    assert!(
        wrong
            .text()
            .await
            .unwrap()
            .contains("That password is not right.")
    );
    let short = change("correct horse", "short").await;
    assert_eq!(short.status(), StatusCode::BAD_REQUEST);
    assert_eq!(password_hash(&app, owner).await, before, "nothing changed");
    assert_eq!(sessions::Entity::find().count(&app.db).await.unwrap(), 2);

    let changed = change("correct horse", "battery staple").await;
    assert_eq!(changed.status(), StatusCode::OK);
    // This session goes on; the laptop's ended.
    let here = post(&app, &app.client, "list_accounts", &[]).await;
    assert_eq!(here.status(), StatusCode::OK);
    let there = post(&app, &laptop, "list_accounts", &[]).await;
    assert_eq!(there.status(), StatusCode::UNAUTHORIZED);
    // Only the new password signs in.
    let fresh = browser_client();
    let old = post(
        &app,
        &fresh,
        "sign_in",
        &[("email", owner), ("password", "correct horse")],
    )
    .await;
    assert_eq!(old.status(), StatusCode::BAD_REQUEST);
    let new = post(
        &app,
        &fresh,
        "sign_in",
        &[("email", owner), ("password", "battery staple")],
    )
    .await;
    assert_eq!(new.status(), StatusCode::OK);
}

async fn deleting_the_account_revokes_unshared_grants_and_keeps_a_tombstone(db: TestDb) {
    let Setup { app, google, _db } = setup(db).await;
    // The owner connects two Google accounts; another user connects the first one too.
    google_answers(&google, GMAIL, Some("1//shared"), "shared@gmail.com").await;
    connect_as(&app, &app.client, "flow=a").await;
    let other = spawn_other_client(&app).await;
    connect_as(&app, &other, "flow=b").await;
    google.reset().await;
    google_answers(&google, GMAIL, Some("1//own"), "own@gmail.com").await;
    let page = connect_as(&app, &app.client, "flow=c").await;
    assert!(page.contains("Connected own@gmail.com"), "{page}");
    let owner = app.user("owner@example.com").await;
    let owned =
        |rows: &[email_accounts::Model]| rows.iter().filter(|r| r.user_id == owner.id).count();
    let rows = email_accounts::Entity::find().all(&app.db).await.unwrap();
    assert_eq!((rows.len(), owned(&rows)), (3, 2));
    // One transaction found in the owner's own mailbox.
    let own = rows
        .iter()
        .find(|r| r.email_address == "own@gmail.com")
        .unwrap();
    transactions::ActiveModel {
        user_id: Set(owner.id),
        account_id: Set(own.id),
        mailbox: Set(own.email_address.clone()),
        message_id: Set("m1".into()),
        idx: Set(0),
        bank: Set("bac_credomatic".into()),
        kind: Set("purchase".into()),
        amount_minor: Set(1250),
        currency: Set("CRC".into()),
        occurred_at: Set(0),
        created_at: Set(0),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .unwrap();
    let overview = post(&app, &app.client, "account_overview", &[])
        .await
        .text()
        .await
        .unwrap();
    assert!(
        overview.contains("shared@gmail.com") && overview.contains("own@gmail.com"),
        "{overview}"
    );
    assert!(overview.contains("\"transactions\":1"), "{overview}");

    // A wrong password deletes nothing.
    let wrong = post(
        &app,
        &app.client,
        "delete_account",
        &[("password", "wrong horse")],
    )
    .await;
    assert_eq!(wrong.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        email_accounts::Entity::find().count(&app.db).await.unwrap(),
        3
    );
    assert_eq!(revoke_calls(&google).await, 0);

    let deleted = post(
        &app,
        &app.client,
        "delete_account",
        &[("password", "correct horse")],
    )
    .await;
    assert_eq!(deleted.status(), StatusCode::OK);
    let cookie = deleted.headers()["set-cookie"].to_str().unwrap();
    assert!(cookie.contains("Max-Age=0"), "{cookie}");
    // Only the grant no one else uses was revoked.
    assert_eq!(revoke_calls(&google).await, 1);
    assert!(
        users::Entity::find_by_id(owner.id)
            .one(&app.db)
            .await
            .unwrap()
            .is_none()
    );
    let rows = email_accounts::Entity::find().all(&app.db).await.unwrap();
    assert_eq!((rows.len(), owned(&rows)), (1, 0));
    assert_eq!(
        rows[0].status,
        Status::Active,
        "the other user's connection stays"
    );
    let owner_sessions = sessions::Entity::find()
        .filter(sessions::Column::UserId.eq(owner.id))
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(owner_sessions, 0);
    let owner_transactions = transactions::Entity::find()
        .filter(transactions::Column::UserId.eq(owner.id))
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(owner_transactions, 0);
    let trail = api_access_log::Entity::find()
        .filter(api_access_log::Column::UserId.eq(owner.id))
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(trail.len(), 1, "{trail:?}");
    assert_eq!(trail[0].action, Action::AccountDeleted);
    assert_eq!(
        post(&app, &other, "list_accounts", &[]).await.status(),
        StatusCode::OK
    );
    let gone = post(
        &app,
        &browser_client(),
        "sign_in",
        &[
            ("email", "owner@example.com"),
            ("password", "correct horse"),
        ],
    )
    .await;
    assert_eq!(gone.status(), StatusCode::BAD_REQUEST);
}

async fn deletion_waits_while_google_cannot_be_reached(db: TestDb) {
    let Setup { app, google, _db } = setup(db).await;
    google_answers(&google, GMAIL, Some("1//own"), "own@gmail.com").await;
    connect_as(&app, &app.client, "flow=a").await;
    Mock::given(method("POST"))
        .and(path("/revoke"))
        .respond_with(ResponseTemplate::new(503))
        .with_priority(1)
        .up_to_n_times(2)
        .mount(&google)
        .await;
    let refused = post(
        &app,
        &app.client,
        "delete_account",
        &[("password", "correct horse")],
    )
    .await;
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    let message = refused.text().await.unwrap();
    assert!(
        message.contains("own@gmail.com") && message.contains("not deleted"),
        "{message}"
    );
    assert_eq!(users::Entity::find().count(&app.db).await.unwrap(), 1);
    let row = email_accounts::Entity::find()
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.status, Status::Disconnected);
    assert!(
        row.pending_revoke.is_some(),
        "the grant is still owed a revocation"
    );

    // Google is back: the owed revocation is made and the account goes.
    let deleted = post(
        &app,
        &app.client,
        "delete_account",
        &[("password", "correct horse")],
    )
    .await;
    assert_eq!(deleted.status(), StatusCode::OK);
    assert_eq!(users::Entity::find().count(&app.db).await.unwrap(), 0);
    assert_eq!(
        email_accounts::Entity::find().count(&app.db).await.unwrap(),
        0
    );
    assert_eq!(revoke_calls(&google).await, 3);
}
