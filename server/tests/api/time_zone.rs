//! The zone a user's times are shown in: Costa Rica's until one is chosen; the browser's own
//! taken once and never over a choice; an unknown name refused with nothing changed (from a
//! browser, Costa Rica's is kept instead, so that it is not asked again).

use reqwest::StatusCode;

use crate::gmail_connect::{Setup, setup};
use crate::helpers::{TestApp, TestDb, browser_client, on_both_databases};

on_both_databases! {
    the_browser_sets_a_zone_once_and_the_account_page_changes_it,
}

const OWNER: &str = "owner@example.com";

async fn post(
    app: &TestApp,
    client: &reqwest::Client,
    name: &str,
    zone: &str,
) -> reqwest::Response {
    client
        .post(format!("{}/api/{name}", app.address))
        .header("accept", "application/json")
        .form(&[("time_zone", zone)])
        .send()
        .await
        .unwrap()
}

async fn stored_zone(app: &TestApp) -> Option<String> {
    zone_of(app, OWNER).await
}

async fn zone_of(app: &TestApp, email: &str) -> Option<String> {
    app.user(email).await.time_zone
}

async fn overview(app: &TestApp) -> serde_json::Value {
    let response = app
        .client
        .post(format!("{}/api/account_overview", app.address))
        .header("accept", "application/json")
        .send()
        .await
        .unwrap();
    response.json().await.unwrap()
}

async fn the_browser_sets_a_zone_once_and_the_account_page_changes_it(db: TestDb) {
    let Setup { app, _db, .. } = setup(db).await;
    let shown = overview(&app).await;
    assert_eq!(shown["time_zone"], "America/Costa_Rica");
    let zones = shown["time_zones"].as_array().unwrap();
    assert!(zones.iter().any(|zone| zone == "Asia/Tokyo"), "{zones:?}");
    assert_eq!(stored_zone(&app).await, None);

    // The browser's zone, the first time: taken, and the times shown change.
    let first = post(&app, &app.client, "browser_time_zone", "Europe/Madrid").await;
    assert_eq!(first.status(), StatusCode::OK);
    assert_eq!(first.text().await.unwrap(), "true");
    assert_eq!(stored_zone(&app).await.as_deref(), Some("Europe/Madrid"));
    // Another browser's, later: the zone stays.
    let later = post(&app, &app.client, "browser_time_zone", "Asia/Tokyo").await;
    assert_eq!(later.status(), StatusCode::OK);
    assert_eq!(later.text().await.unwrap(), "false");
    assert_eq!(stored_zone(&app).await.as_deref(), Some("Europe/Madrid"));

    // A name the zone database does not know: a clear error, nothing changed.
    let unknown = post(&app, &app.client, "set_time_zone", "Mars/Olympus_Mons").await;
    assert_eq!(unknown.status(), StatusCode::BAD_REQUEST);
    assert!(
        unknown
            .text()
            .await
            .unwrap()
            .contains("Choose a time zone from the list")
    );
    assert_eq!(stored_zone(&app).await.as_deref(), Some("Europe/Madrid"));

    // A choice on the account page replaces it, spelled as the database spells it.
    let chosen = post(&app, &app.client, "set_time_zone", "america/new_york").await;
    assert_eq!(chosen.status(), StatusCode::OK);
    assert_eq!(stored_zone(&app).await.as_deref(), Some("America/New_York"));
    assert_eq!(overview(&app).await["time_zone"], "America/New_York");

    // Nobody signed in: refused.
    let stranger = post(&app, &browser_client(), "set_time_zone", "Asia/Tokyo").await;
    assert_eq!(stranger.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(stored_zone(&app).await.as_deref(), Some("America/New_York"));

    // Another user's browser names a zone the database does not know: Costa Rica's is kept,
    // and the browser is not asked again.
    let wanderer = "wanderer@example.com";
    app.signed_up(wanderer).await;
    let odd = post(&app, &app.client, "browser_time_zone", "Mars/Olympus_Mons").await;
    assert_eq!(odd.status(), StatusCode::OK);
    assert_eq!(odd.text().await.unwrap(), "false");
    assert_eq!(
        zone_of(&app, wanderer).await.as_deref(),
        Some("America/Costa_Rica")
    );
    let later = post(&app, &app.client, "browser_time_zone", "Asia/Tokyo").await;
    assert_eq!(later.text().await.unwrap(), "false");
    assert_eq!(
        zone_of(&app, wanderer).await.as_deref(),
        Some("America/Costa_Rica")
    );
    assert_eq!(stored_zone(&app).await.as_deref(), Some("America/New_York"));
}
