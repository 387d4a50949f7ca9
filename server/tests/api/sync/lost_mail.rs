//! No alert is lost to a fault: a message the mail service fails to give stays unexamined and
//! is fetched again by the next syncs (a bounded number of times, then it is unreadable with
//! the reason); a refused or forbidden mailbox, or a server that cannot reach it, stops the run
//! with the mail left for later and says who must act; a disconnect stops a running sync at its
//! next step; a listing longer than a run's page cap goes on in the next runs; mail Gmail adds
//! with a date long past is found from its history, not missed by a search by date.

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use server::entities::email_accounts::Provider;
use server::entities::mail_messages::{MAX_FETCH_TRIES, MessageOutcome};

use super::*;
use crate::gmail_stand_in::error;

on_both_databases! {
    a_message_the_service_fails_to_give_is_fetched_again_by_the_next_sync,
    a_message_that_never_comes_is_unreadable_after_bounded_tries,
    a_refused_renewal_or_a_forbidden_mailbox_leaves_the_mail_for_later,
    a_server_that_cannot_reach_the_mailbox_says_its_operator_must_act,
    a_disconnect_stops_a_running_sync_at_its_next_step,
    a_long_listing_goes_on_in_the_next_runs,
    mail_dated_in_the_past_is_found_from_history,
}

async fn row(app: &TestApp, account_id: i32, message_id: &str) -> Option<mail_messages::Model> {
    mail_messages::Entity::find()
        .filter(mail_messages::Column::AccountId.eq(account_id))
        .filter(mail_messages::Column::MessageId.eq(message_id))
        .one(&app.db)
        .await
        .unwrap()
}

fn view(app: &TestApp, state: &server::entities::mailbox_sync::Model) -> app::model::SyncView {
    english().sync_view(Some(&state.into()), "Gmail", false, app.clock.now())
}

async fn a_message_the_service_fails_to_give_is_fetched_again_by_the_next_sync(db: TestDb) {
    let Setup {
        app,
        gmail,
        accounts,
        _db,
    } = setup(db, 1).await;
    let mailbox = &accounts[0];
    let first = gmail.add(&mailbox.email, fixture("bac_purchase_crc.eml"), now_ms());
    let second = gmail.add(&mailbox.email, fixture("bcr_sinpe_in.eml"), now_ms());
    // Every try of one run (the call's own retries included) gets a 500.
    gmail.break_message(&second, error(500, "backendError"), 5);

    sync(&app, mailbox.id).await;
    assert_eq!(stored(&app, mailbox.id).await, 1, "the other alert is in");
    let waiting = row(&app, mailbox.id, &second).await.unwrap();
    assert_eq!(waiting.outcome, MessageOutcome::Unfetched);
    assert_eq!(waiting.tries, 1);
    assert_eq!(
        row(&app, mailbox.id, &first).await.unwrap().outcome,
        MessageOutcome::Transactions
    );
    let state = app.syncs.state(mailbox.id).await.unwrap().unwrap();
    assert!(
        state.failure.is_none(),
        "one message's fault is not the run's"
    );

    // No new mail since: the next sync still fetches it, and reads it.
    sync(&app, mailbox.id).await;
    assert_eq!(
        row(&app, mailbox.id, &second).await.unwrap().outcome,
        MessageOutcome::Transactions
    );
    assert_eq!(
        stored(&app, mailbox.id).await as usize,
        found_in("bac_purchase_crc.eml") + found_in("bcr_sinpe_in.eml")
    );
}

async fn a_message_that_never_comes_is_unreadable_after_bounded_tries(db: TestDb) {
    let Setup {
        app,
        gmail,
        accounts,
        _db,
    } = setup(db, 1).await;
    let mailbox = &accounts[0];
    let alert = gmail.add(&mailbox.email, fixture("bac_purchase_crc.eml"), now_ms());
    let broken = gmail.add(&mailbox.email, fixture("bcr_sinpe_in.eml"), now_ms());
    gmail.break_message(&broken, error(400, "failedPrecondition"), usize::MAX);

    for tries in 1..MAX_FETCH_TRIES {
        sync(&app, mailbox.id).await;
        let waiting = row(&app, mailbox.id, &broken).await.unwrap();
        assert_eq!(
            (waiting.outcome, waiting.tries),
            (MessageOutcome::Unfetched, tries)
        );
    }
    sync(&app, mailbox.id).await;
    let given_up = row(&app, mailbox.id, &broken).await.unwrap();
    assert_eq!(given_up.outcome, MessageOutcome::Unreadable);
    let detail = given_up.detail.unwrap();
    assert!(detail.contains("400"), "{detail}");
    assert!(
        detail.contains(&format!("{MAX_FETCH_TRIES} tries")),
        "{detail}"
    );

    // Given up on, it is not fetched again; the alert beside it was read once.
    sync(&app, mailbox.id).await;
    assert_eq!(gmail.fetches(&broken), MAX_FETCH_TRIES as usize);
    assert_eq!(gmail.fetches(&alert), 1);
    assert_eq!(
        stored(&app, mailbox.id).await as usize,
        found_in("bac_purchase_crc.eml")
    );
}

async fn a_refused_renewal_or_a_forbidden_mailbox_leaves_the_mail_for_later(db: TestDb) {
    let Setup {
        app,
        gmail,
        accounts,
        _db,
    } = setup(db, 1).await;
    let mailbox = &accounts[0];
    let alert = gmail.add(&mailbox.email, fixture("bac_purchase_crc.eml"), now_ms());
    Mock::given(method("POST"))
        .and(path("/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "access_token": "renewed-access", "expires_in": 3599, "token_type": "Bearer"
        })))
        .mount(&gmail.server)
        .await;
    gmail.mailbox(&mailbox.email, "renewed-access");

    // The token is refused, and so is the one renewed a moment later.
    gmail.break_message(&alert, error(401, "authError"), 2);
    sync(&app, mailbox.id).await;
    assert!(row(&app, mailbox.id, &alert).await.is_none(), "unexamined");
    let state = app.syncs.state(mailbox.id).await.unwrap().unwrap();
    assert_eq!(state.failure, Some(SyncFailure::Unavailable));
    assert!(!view(&app, &state).needs_you);

    // The mail service forbids reading the mailbox: the owner must act.
    gmail.break_message(&alert, error(403, "insufficientPermissions"), 1);
    sync(&app, mailbox.id).await;
    assert!(row(&app, mailbox.id, &alert).await.is_none(), "unexamined");
    let state = app.syncs.state(mailbox.id).await.unwrap().unwrap();
    assert_eq!(state.failure, Some(SyncFailure::Forbidden));
    assert_eq!(state.state, SyncState::Idle, "no retry is queued for it");
    let shown = view(&app, &state);
    assert!(shown.needs_you);
    assert!(
        shown.problem.unwrap().contains("reconnect it"),
        "says what to do"
    );

    // Once allowed again, the alert is read.
    sync(&app, mailbox.id).await;
    assert_eq!(
        row(&app, mailbox.id, &alert).await.unwrap().outcome,
        MessageOutcome::Transactions
    );
    let state = app.syncs.state(mailbox.id).await.unwrap().unwrap();
    assert!(state.failure.is_none());
}

async fn a_server_that_cannot_reach_the_mailbox_says_its_operator_must_act(db: TestDb) {
    let Setup { app, _db, .. } = setup(db, 0).await;
    // An Outlook mailbox, on a server that has no Microsoft settings.
    let owner = seed::user(&app.db).await;
    let outlook = seed::accounts_of(Provider::Microsoft, &app.config, &app.db, owner, 1, 3600)
        .await
        .remove(0);
    sync(&app, outlook.id).await;
    let state = app.syncs.state(outlook.id).await.unwrap().unwrap();
    assert_eq!(state.failure, Some(SyncFailure::Misconfigured));
    let shown = english().sync_view(Some(&(&state).into()), "Outlook", false, app.clock.now());
    assert!(!shown.needs_you);
    assert!(shown.problem.unwrap().contains("operator"));
}

async fn a_disconnect_stops_a_running_sync_at_its_next_step(db: TestDb) {
    const ALERTS: usize = 60;
    let server = Arc::new(MockServer::start().await);
    // Slow enough answers that the sync is still reading when the owner disconnects.
    let gmail = GmailStandIn::on(server, Duration::from_millis(100)).await;
    let app = TestApp::builder(&db).google(&gmail.uri()).spawn().await;
    let user_id = app.signed_up("ana@example.com").await;
    let mailbox = seed::accounts(&app.config, &app.db, user_id, 1, 3600)
        .await
        .remove(0);
    gmail.mailbox(&mailbox.email, &mailbox.access);
    for _ in 0..ALERTS {
        gmail.add(&mailbox.email, fixture("bac_purchase_crc.eml"), now_ms());
    }

    let running = tokio::spawn({
        let syncs = app.syncs.clone();
        async move { syncs.run_job(mailbox.id).await }
    });
    while gmail.count("get", None) == 0 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let id = mailbox.id.to_string();
    let response = app.call("disconnect_account", &[("account_id", &id)]).await;
    assert!(response.status().is_success());
    running.await.unwrap();

    let fetched = gmail.count("get", None);
    assert!(
        fetched < ALERTS,
        "stopped after {fetched} of {ALERTS} fetches"
    );
    let examined = mail_messages::Entity::find()
        .filter(mail_messages::Column::AccountId.eq(mailbox.id))
        .all(&app.db)
        .await
        .unwrap();
    assert!(examined.len() <= fetched);
    let state = app.syncs.state(mailbox.id).await.unwrap().unwrap();
    assert_eq!(state.state, SyncState::Idle, "the mailbox is freed");
    assert!(state.failure.is_none(), "a disconnect is not a failure");
}

async fn a_long_listing_goes_on_in_the_next_runs(db: TestDb) {
    let server = Arc::new(MockServer::start().await);
    let gmail = GmailStandIn::on(server, Duration::ZERO).await;
    let app = TestApp::builder(&db)
        .google(&gmail.uri())
        .sync_pages_per_run(1)
        .spawn()
        .await;
    let owner = seed::user(&app.db).await;
    let mailbox = seed::accounts(&app.config, &app.db, owner, 1, 3600)
        .await
        .remove(0);
    gmail.mailbox(&mailbox.email, &mailbox.access);
    // 250 alerts: three pages of 100, one page a run.
    for n in 0..250 {
        gmail.add(
            &mailbox.email,
            &nth_copy("bac_purchase_crc.eml", n),
            now_ms() - n as i64 * 60_000,
        );
    }
    let per_alert = found_in("bac_purchase_crc.eml") as u64;

    sync(&app, mailbox.id).await;
    assert_eq!(stored(&app, mailbox.id).await, 100 * per_alert);
    let state = app.syncs.state(mailbox.id).await.unwrap().unwrap();
    assert!(state.resume_page.is_some() && state.failure.is_none());
    assert_eq!(
        state.state,
        SyncState::Queued,
        "the next run is queued at once"
    );

    // Mail that arrives meanwhile is read after the listing ends, not lost.
    // (It shifts the stand-in's pages by one, as new mail does Gmail's.)
    gmail.add(&mailbox.email, fixture("bcr_sinpe_in.eml"), now_ms());
    sync(&app, mailbox.id).await;
    assert!(stored(&app, mailbox.id).await >= 199 * per_alert);
    sync(&app, mailbox.id).await;
    assert_eq!(stored(&app, mailbox.id).await, 250 * per_alert);
    let state = app.syncs.state(mailbox.id).await.unwrap().unwrap();
    assert!(state.resume_page.is_none() && state.resume_since.is_none());
    assert_eq!(state.state, SyncState::Idle);
    assert_eq!(gmail.count("get", None), 250, "each fetched once");

    sync(&app, mailbox.id).await;
    assert_eq!(
        stored(&app, mailbox.id).await as usize,
        250 * per_alert as usize + found_in("bcr_sinpe_in.eml")
    );
}

async fn mail_dated_in_the_past_is_found_from_history(db: TestDb) {
    let Setup {
        app,
        gmail,
        accounts,
        _db,
    } = setup(db, 1).await;
    let mailbox = &accounts[0];
    gmail.add(&mailbox.email, fixture("bac_purchase_crc.eml"), now_ms());
    sync(&app, mailbox.id).await;
    assert_eq!(gmail.get_ids().len(), 1);

    // Added now, dated three days back (as a late-indexed or restored mail is), beside a
    // personal mail: only the alert is fetched whole, the other is judged by its From alone.
    let late = gmail.add(
        &mailbox.email,
        fixture("bcr_sinpe_in.eml"),
        now_ms() - 3 * 86_400_000,
    );
    let personal = gmail.add(&mailbox.email, fixture("personal_not_bank.eml"), now_ms());
    sync(&app, mailbox.id).await;
    assert_eq!(
        gmail.count("list", None),
        1,
        "no search after the first sync"
    );
    assert_eq!(gmail.count("metadata", None), 2);
    assert_eq!(gmail.get_ids().last(), Some(&late));
    assert!(!gmail.get_ids().contains(&personal));
    assert_eq!(
        row(&app, mailbox.id, &late).await.unwrap().outcome,
        MessageOutcome::Transactions
    );
    assert!(row(&app, mailbox.id, &personal).await.is_none());

    // History moved on: nothing is asked again.
    sync(&app, mailbox.id).await;
    assert_eq!(gmail.count("metadata", None), 2);
    assert_eq!(gmail.get_ids().len(), 2);
}
