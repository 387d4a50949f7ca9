//! Every page in Spanish and in English: each text a page shows (and each label a screen reader
//! reads) differs between the two, unless it is the user's own data or has no words at all, so
//! a text written in one language only fails here. The language follows the browser's
//! Accept-Language until the switch chooses one, which is kept for the user and comes back at
//! their next sign-in.

use std::collections::BTreeSet;

use reqwest::StatusCode;
use sea_orm::{ActiveModelTrait, Set};
use server::entities::transactions;

use crate::helpers::{TestApp, TestDb, browser_client, on_both_databases, spawn_app};

on_both_databases! {
    every_page_is_written_in_both_languages,
    the_switch_is_kept_for_the_user,
}

const OWNER: &str = "owner@example.com";
const SPANISH: &str = "es-CR,es;q=0.9";
const ENGLISH: &str = "en-US,en;q=0.9";

/// A signed-up owner with a Gmail mailbox and three of its transactions; answers the mailbox
/// and one transaction.
async fn owner_with_transactions(app: &TestApp) -> (crate::seed::Seeded, i32) {
    let owner = app.signed_up(OWNER).await;
    let mailbox = crate::seed::accounts(&app.config, &app.db, owner, 1, 3600)
        .await
        .remove(0);
    let now = app.clock.now();
    let mut first = None;
    for (n, (kind, minor, currency, merchant)) in [
        ("purchase", 1_234_567, "CRC", "AUTO MERCADO"),
        ("refund", 1_050, "USD", "NETFLIX.COM"),
        ("declined", 99_900, "CRC", "GASOLINERA LA PAZ"),
    ]
    .into_iter()
    .enumerate()
    {
        let row = transactions::ActiveModel {
            user_id: Set(owner),
            account_id: Set(mailbox.id),
            mailbox: Set(mailbox.email.clone()),
            message_id: Set(format!("m{n}")),
            idx: Set(0),
            bank: Set("bac_credomatic".into()),
            kind: Set(kind.into()),
            amount_minor: Set(minor),
            currency: Set(currency.into()),
            merchant: Set(Some(merchant.into())),
            merchant_key: Set(Some(merchant.into())),
            card_last4: Set(Some("4417".into())),
            occurred_at: Set(now - 86_400 * (n as i64 + 1)),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(&app.db)
        .await
        .unwrap();
        first.get_or_insert(row.id);
    }
    (mailbox, first.unwrap())
}

async fn page(app: &TestApp, client: &reqwest::Client, path: &str, language: &str) -> String {
    let response = client
        .get(format!("{}{path}", app.address))
        .header("accept-language", language)
        .send()
        .await
        .unwrap();
    // The popup's page for a link it does not know says so with a 400.
    assert!(
        !response.status().is_server_error(),
        "{path}: {}",
        response.status()
    );
    response.text().await.unwrap()
}

/// The texts of a page as people read them: its text nodes, and the labels and tips a screen
/// reader reads; not its scripts, styles or comments.
fn texts(html: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut keep = |text: &str| {
        let text = html_escape::decode_html_entities(text);
        let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
        if !text.is_empty() {
            found.insert(text);
        }
    };
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        keep(&rest[..open]);
        let tag = &rest[open..];
        let skip_to = [
            ("<!--", "-->"),
            ("<script", "</script>"),
            ("<style", "</style>"),
        ]
        .into_iter()
        .find(|(start, _)| tag.starts_with(start))
        .map(|(_, end)| end);
        if let Some(end) = skip_to {
            rest = tag.find(end).map_or("", |at| &tag[at + end.len()..]);
            continue;
        }
        let close = tag.find('>').unwrap_or(tag.len() - 1);
        for attribute in [" aria-label=\"", " title=\"", " placeholder=\"", " alt=\""] {
            if let Some(at) = tag[..close].find(attribute) {
                let value = &tag[at + attribute.len()..close];
                keep(&value[..value.find('"').unwrap_or(value.len())]);
            }
        }
        rest = &tag[close + 1..];
    }
    keep(rest);
    found
}

/// Texts that are the same in every language: the user's own data, names, and anything without
/// letters (amounts, percentages, punctuation).
fn same_in_both(text: &str, data: &[String]) -> bool {
    !text.chars().any(char::is_alphabetic)
        || data.iter().any(|value| value == text)
        || ["mailconnect", "Gmail", "Outlook", "BAC Credomatic"].contains(&text)
}

async fn every_page_is_written_in_both_languages(db: TestDb) {
    let app = spawn_app(&db).await;
    let (mailbox, transaction) = owner_with_transactions(&app).await;
    let signed_out = browser_client();
    let mut data = vec![OWNER.to_owned(), mailbox.email.clone()];
    data.extend(["AUTO MERCADO", "NETFLIX.COM", "GASOLINERA LA PAZ"].map(str::to_owned));
    data.extend(server::web::format::zone_names());

    let pages = [
        (&signed_out, "/signin".to_owned()),
        (&signed_out, "/signup".to_owned()),
        (&signed_out, "/no/such/page".to_owned()),
        (
            &signed_out,
            "/auth/gmail/callback?state=unknown&code=unknown".to_owned(),
        ),
        (&app.client, "/connections".to_owned()),
        (&app.client, "/connections?disconnected=revoked".to_owned()),
        (&app.client, "/connections?disconnected=kept".to_owned()),
        (&app.client, "/connections?disconnected=remove".to_owned()),
        (
            &app.client,
            format!("/connections/disconnect?account={}", mailbox.id),
        ),
        (&app.client, "/transactions?period=30".to_owned()),
        (&app.client, "/transactions?q=nothing+like+it".to_owned()),
        (
            &app.client,
            format!("/transactions/category?id={transaction}&back=period%3D30"),
        ),
        (&app.client, "/account".to_owned()),
    ];
    for (client, path) in pages {
        let spanish = page(&app, client, &path, SPANISH).await;
        let english = page(&app, client, &path, ENGLISH).await;
        assert!(
            spanish.contains(r#"<html lang="es-CR""#),
            "{path}: {spanish}"
        );
        assert!(english.contains(r#"<html lang="en""#), "{path}: {english}");
        let (es, en) = (texts(&spanish), texts(&english));
        assert!(es.len() >= 3, "{path} shows next to nothing: {es:?}");
        let one_language_only: Vec<&String> = es
            .intersection(&en)
            .filter(|text| !same_in_both(text, &data))
            .collect();
        assert!(
            one_language_only.is_empty(),
            "{path}: written in one language only: {one_language_only:?}"
        );
    }

    // Costa Rica's formats in Spanish, and the English ones.
    let spanish = page(&app, &app.client, "/transactions?period=30", SPANISH).await;
    assert!(spanish.contains("₡12\u{a0}345,67"), "{spanish}");
    let english = page(&app, &app.client, "/transactions?period=30", ENGLISH).await;
    assert!(english.contains("₡12,345.67"), "{english}");
    // The CSV stays machine-readable in every language.
    let csv = app
        .client
        .get(format!("{}/transactions.csv?period=all", app.address))
        .header("accept-language", SPANISH)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(csv.contains(",12345.67,CRC,"), "{csv}");
    assert!(csv.contains(",Purchase,"), "{csv}");
}

async fn language_of(app: &TestApp, email: &str) -> Option<String> {
    app.user(email).await.language
}

/// Posts the switch's form, as a browser does (`accept`: "text/html") or as a script does.
async fn switch(
    app: &TestApp,
    client: &reqwest::Client,
    accept: &str,
    lang: &str,
    back: &str,
) -> reqwest::Response {
    client
        .post(format!("{}/api/set_language", app.address))
        .header("accept", accept)
        .header("accept-language", ENGLISH)
        .form(&[("lang", lang), ("back", back)])
        .send()
        .await
        .unwrap()
}

async fn the_switch_is_kept_for_the_user(db: TestDb) {
    let app = spawn_app(&db).await;
    app.signed_up(OWNER).await;
    assert_eq!(language_of(&app, OWNER).await, None);
    let english = page(&app, &app.client, "/account", ENGLISH).await;
    assert!(english.contains("Your account"), "{english}");

    // A language that is not offered: a clear error, nothing changed.
    let refused = switch(&app, &app.client, "application/json", "tlh", "/account").await;
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    assert_eq!(language_of(&app, OWNER).await, None);

    // The switch: back to the page it was on, in Spanish whatever the browser asks for.
    let switched = switch(&app, &app.client, "text/html", "es", "/account?x=1").await;
    assert!(switched.status().is_redirection(), "{}", switched.status());
    assert_eq!(switched.headers()["location"], "/account?x=1");
    assert_eq!(language_of(&app, OWNER).await.as_deref(), Some("es"));
    let spanish = page(&app, &app.client, "/account", ENGLISH).await;
    assert!(spanish.contains("Su cuenta"), "{spanish}");

    // Never away from this site.
    let away = switch(&app, &app.client, "text/html", "es", "//evil.example/").await;
    assert_eq!(away.headers()["location"], "/");

    // Another browser: English until the owner signs in there, Spanish after.
    let other = browser_client();
    let before = page(&app, &other, "/signin", ENGLISH).await;
    assert!(before.contains(r#"<html lang="en""#));
    let signed_in = other
        .post(format!("{}/api/sign_in", app.address))
        .header("accept", "application/json")
        .form(&[("email", OWNER), ("password", "correct horse")])
        .send()
        .await
        .unwrap();
    assert!(signed_in.status().is_success(), "{}", signed_in.status());
    let after = page(&app, &other, "/account", ENGLISH).await;
    assert!(after.contains(r#"<html lang="es-CR""#), "{after}");
    assert!(after.contains("Su cuenta"), "{after}");
}
