//! What a sync's mail becomes for its user: the Transactions page's filters, totals and CSV, and
//! transactions kept when their mailbox is disconnected (the running sync stopping).

use super::*;

on_both_databases! {
    the_transactions_page_filters_totals_and_downloads,
    disconnecting_stops_the_sync_and_keeps_the_transactions,
}

async fn the_transactions_page_filters_totals_and_downloads(db: TestDb) {
    let Setup {
        app, gmail, _db, ..
    } = setup(db, 0).await;
    let user_id = app.signed_up("ana@example.com").await;
    let mine = seed::accounts(&app.config, &app.db, user_id, 2, 3600).await;
    for (account, name) in mine
        .iter()
        .zip(["bac_purchase_crc.eml", "bcr_card_three_rows.eml"])
    {
        gmail.mailbox(&account.email, &account.access);
        gmail.add(&account.email, fixture(name), now_ms());
        sync(&app, account.id).await;
    }
    let total = found_in("bac_purchase_crc.eml") + found_in("bcr_card_three_rows.eml");
    let all = app
        .call(
            "list_transactions",
            &[("query[period]", "All"), ("query[page]", "1")],
        )
        .await;
    assert_eq!(all.status(), 200);
    let page: app::model::TransactionPage = all.json().await.unwrap();
    assert_eq!(page.rows.len(), total);
    assert_eq!(page.total_rows as usize, total);
    assert!(page.rows.iter().any(|r| r.declined && r.kind == "Declined"));
    assert!(!page.totals.is_empty());
    assert_eq!(page.mailboxes.len(), 2);

    let one = mine[0].id.to_string();
    let filtered: app::model::TransactionPage = app
        .call(
            "list_transactions",
            &[
                ("query[mailbox]", &one),
                ("query[period]", "All"),
                ("query[page]", "1"),
            ],
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(filtered.rows.len(), found_in("bac_purchase_crc.eml"));
    assert!(filtered.rows.iter().all(|r| r.mailbox == mine[0].email));

    let csv = app.get("/transactions.csv?period=all").await;
    assert_eq!(csv.status(), 200);
    assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
    let text = csv.text().await.unwrap();
    assert_eq!(
        text.lines().count(),
        total + 1,
        "a header and one line per row: {text}"
    );
    let anonymous = reqwest::get(format!("{}/transactions.csv", app.address))
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);
}

async fn disconnecting_stops_the_sync_and_keeps_the_transactions(db: TestDb) {
    let Setup {
        app, gmail, _db, ..
    } = setup(db, 0).await;
    let user_id = app.signed_up("ana@example.com").await;
    let mailbox = seed::accounts(&app.config, &app.db, user_id, 1, 3600)
        .await
        .remove(0);
    gmail.mailbox(&mailbox.email, &mailbox.access);
    gmail.add(&mailbox.email, fixture("bac_purchase_crc.eml"), now_ms());
    sync(&app, mailbox.id).await;
    assert_eq!(stored(&app, mailbox.id).await, 1);

    let id = mailbox.id.to_string();
    let response = app.call("disconnect_account", &[("account_id", &id)]).await;
    assert!(response.status().is_success());
    assert_eq!(
        app.syncs.request_all().await.unwrap(),
        0,
        "no sync for a disconnected mailbox"
    );
    assert_eq!(
        app.call("sync_now", &[("account_id", &id)]).await.status(),
        404
    );
    // A job queued before the disconnect stops without reading mail.
    let calls = gmail.count("history", None) + gmail.count("profile", None);
    sync(&app, mailbox.id).await;
    assert_eq!(
        gmail.count("history", None) + gmail.count("profile", None),
        calls
    );

    let page: app::model::TransactionPage = app
        .call(
            "list_transactions",
            &[("query[period]", "All"), ("query[page]", "1")],
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page.rows.len(), 1, "kept");
    assert_eq!(
        page.rows[0].mailbox, mailbox.email,
        "labelled with its address"
    );
    assert!(page.mailboxes.iter().any(|m| m.email == mailbox.email));
}
