//! Outlook mail sync against a wiremock Graph: pages followed by their next link, only bank
//! senders' messages fetched (as MIME from `$value`), Outlook's own verdicts trusted (named, or
//! unnamed on top as Exchange Online writes them) and Gmail's not, Retry-After honoured,
//! nothing fetched twice, and a running sync stopped by a disconnect.

use std::time::{Duration, Instant};

use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use server::entities::email_accounts::Provider;
use server::entities::mail_messages::{self, MessageOutcome};
use server::entities::transactions;
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::helpers::{TestApp, TestDb, on_both_databases};
use crate::seed;
use crate::sync::fixture;

on_both_databases! {
    an_outlook_sync_reads_bank_mail_and_trusts_only_outlooks_verdict,
    a_disconnect_stops_a_running_outlook_sync_at_its_next_step,
}

const BANK: &str = "notificacion@notificacionesbaccr.com";

/// A fixture as the Outlook mailbox `to` holds it: Gmail's verdict on top becomes Outlook's,
/// named with `authserv` (`""`: unnamed, as Exchange Online writes it).
fn received_by_outlook(name: &str, authserv: &str, to: &str) -> Vec<u8> {
    let raw = crate::gmail_stand_in::addressed_to(fixture(name), to);
    crate::gmail_stand_in::verdict_by_outlook(&raw, authserv)
}

fn listed(id: &str, sender: &str) -> serde_json::Value {
    serde_json::json!({
        "id": id,
        "receivedDateTime": "2026-11-30T10:00:00Z",
        "from": {"emailAddress": {"name": "Someone", "address": sender}},
    })
}

async fn mime_fetches(graph: &MockServer, id: &str) -> usize {
    let wanted = format!("/v1.0/me/messages/{id}/$value");
    graph
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path() == wanted)
        .count()
}

/// A server whose Microsoft Graph is a wiremock; returns it and Graph's base URL.
async fn outlook_app(db: &TestDb) -> (TestApp, MockServer, String) {
    let graph = MockServer::start().await;
    let base = format!("{}/v1.0", graph.uri());
    let app = TestApp::builder(db).microsoft(&graph.uri()).spawn().await;
    (app, graph, base)
}

async fn an_outlook_sync_reads_bank_mail_and_trusts_only_outlooks_verdict(db: TestDb) {
    let (app, graph, base) = outlook_app(&db).await;
    let owner = seed::user(&app.db).await;
    let account = seed::accounts_of(Provider::Microsoft, &app.config, &app.db, owner, 1, 3600)
        .await
        .remove(0);
    let bearer = format!("Bearer {}", account.access);

    // Two pages: a bank alert and personal mail, then a bank alert Gmail (not Outlook) vouched for.
    let next = format!("{base}/me/messages?$skip=2");
    Mock::given(method("GET"))
        .and(path("/v1.0/me/messages"))
        .and(query_param("$skip", "2"))
        .and(header("authorization", bearer.as_str()))
        .and(header("prefer", r#"IdType="ImmutableId""#))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "value": [listed("m3", BANK)],
        })))
        .with_priority(1)
        .mount(&graph)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1.0/me/messages"))
        .and(header("authorization", bearer.as_str()))
        .and(header("prefer", r#"IdType="ImmutableId""#))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "value": [listed("m1", BANK), listed("m2", "friend@gmail.com"), listed("m4", BANK)],
            "@odata.nextLink": next,
        })))
        .mount(&graph)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1.0/me/messages/m1/$value"))
        .respond_with(
            ResponseTemplate::new(200).set_body_bytes(received_by_outlook(
                "bac_purchase_crc.eml",
                "mx.microsoft.com",
                &account.email,
            )),
        )
        .mount(&graph)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1.0/me/messages/m4/$value"))
        .respond_with(
            ResponseTemplate::new(200).set_body_bytes(received_by_outlook(
                "bcr_sinpe_in.eml",
                "",
                &account.email,
            )),
        )
        .mount(&graph)
        .await;
    // Throttled once, with a Retry-After the sync waits out.
    Mock::given(method("GET"))
        .and(path("/v1.0/me/messages/m3/$value"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "1"))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&graph)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1.0/me/messages/m3/$value"))
        .respond_with(
            ResponseTemplate::new(200).set_body_bytes(fixture("bcr_sinpe_in.eml").to_vec()),
        )
        .mount(&graph)
        .await;

    let started = Instant::now();
    app.syncs.run_job(account.id).await;
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "Retry-After honoured"
    );
    let state = app.syncs.state(account.id).await.unwrap().unwrap();
    assert!(state.failure.is_none(), "{state:?}");
    assert_eq!(state.last_new_transactions, 2);

    let stored = transactions::Entity::find()
        .filter(transactions::Column::AccountId.eq(account.id))
        .all(&app.db)
        .await
        .unwrap();
    // m1 under Outlook's named verdict, m4 under Exchange's unnamed one on top.
    let mut found: Vec<&str> = stored.iter().map(|t| t.message_id.as_str()).collect();
    found.sort();
    assert_eq!(found, ["m1", "m4"]);
    assert_eq!(
        mime_fetches(&graph, "m2").await,
        0,
        "personal mail is not read"
    );
    let m3 = mail_messages::Entity::find()
        .filter(mail_messages::Column::MessageId.eq("m3"))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        m3.outcome,
        MessageOutcome::Rejected,
        "Gmail's verdict counts for nothing here"
    );

    // A second sync lists again and fetches nothing it has examined.
    app.syncs.run_job(account.id).await;
    assert_eq!(mime_fetches(&graph, "m1").await, 1);
    assert_eq!(mime_fetches(&graph, "m3").await, 2);
    assert_eq!(
        transactions::Entity::find()
            .filter(transactions::Column::AccountId.eq(account.id))
            .count(&app.db)
            .await
            .unwrap(),
        2
    );
}

async fn a_disconnect_stops_a_running_outlook_sync_at_its_next_step(db: TestDb) {
    const ALERTS: usize = 40;
    let (app, graph, _) = outlook_app(&db).await;
    let owner_id = app.signed_up("lena@example.com").await;
    let account = seed::accounts_of(Provider::Microsoft, &app.config, &app.db, owner_id, 1, 3600)
        .await
        .remove(0);
    let listing: Vec<_> = (0..ALERTS)
        .map(|n| listed(&format!("a{n}"), BANK))
        .collect();
    Mock::given(method("GET"))
        .and(path("/v1.0/me/messages"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(serde_json::json!({ "value": listing })),
        )
        .mount(&graph)
        .await;
    // Slow enough that the sync is still reading when its owner disconnects the mailbox.
    Mock::given(method("GET"))
        .and(wiremock::matchers::path_regex(
            r"^/v1\.0/me/messages/a\d+/\$value$",
        ))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_bytes(received_by_outlook(
                    "bac_purchase_crc.eml",
                    "",
                    &account.email,
                ))
                .set_delay(Duration::from_millis(200)),
        )
        .mount(&graph)
        .await;
    let fetches = || async {
        graph
            .received_requests()
            .await
            .unwrap()
            .iter()
            .filter(|r| r.url.path().ends_with("/$value"))
            .count()
    };

    let running = tokio::spawn({
        let syncs = app.syncs.clone();
        async move { syncs.run_job(account.id).await }
    });
    while fetches().await == 0 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let id = account.id.to_string();
    let response = app.call("disconnect_account", &[("account_id", &id)]).await;
    assert!(response.status().is_success(), "{}", response.status());
    running.await.unwrap();

    let fetched = fetches().await;
    assert!(
        fetched < ALERTS,
        "stopped after {fetched} of {ALERTS} fetches"
    );
    let examined = mail_messages::Entity::find()
        .filter(mail_messages::Column::AccountId.eq(account.id))
        .count(&app.db)
        .await
        .unwrap();
    assert!(examined as usize <= fetched);
    let state = app.syncs.state(account.id).await.unwrap().unwrap();
    assert!(state.failure.is_none(), "a disconnect is not a failure");
}
