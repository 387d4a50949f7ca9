//! Categories on the Transactions page: the built-in table's, a rule that files every
//! transaction of a merchant (those already read and those read later) and its undo, one
//! transaction's own category, the search and category filters, the CSV's category column, the
//! charts adding up to the totals, the sums kept between loads until something changes them,
//! and nobody changing another user's rows.

use app::model::TransactionPage;

use super::*;

on_both_databases! {
    a_rule_files_a_merchants_past_and_future_transactions_and_undo_puts_it_back,
    charts_add_up_to_the_totals_and_a_stranger_changes_nothing,
    rows_stored_before_categories_are_filed_at_start,
    the_sums_are_kept_until_a_sync_or_a_filing_changes_them,
}

async fn list(app: &TestApp, filters: &[(&str, &str)]) -> TransactionPage {
    let mut form = vec![("query[period]", "All"), ("query[page]", "1")];
    form.extend_from_slice(filters);
    let response = app.call("list_transactions", &form).await;
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

/// Ana, signed up, with one Gmail mailbox (empty) in the stand-in.
async fn signed_up_with_a_mailbox(app: &TestApp, gmail: &GmailStandIn) -> seed::Seeded {
    let user_id = app.signed_up("ana@example.com").await;
    let mailbox = seed::accounts(&app.config, &app.db, user_id, 1, 3600)
        .await
        .remove(0);
    gmail.mailbox(&mailbox.email, &mailbox.access);
    mailbox
}

/// Files transaction `id` under `category` for `scope` (`merchant` or `one`), coming back to
/// the list at `back`.
async fn file_under(
    app: &TestApp,
    id: &str,
    category: &str,
    scope: &str,
    back: &str,
) -> reqwest::Response {
    let form = [
        ("id", id),
        ("category", category),
        ("scope", scope),
        ("back", back),
    ];
    app.call("file_transaction", &form).await
}

/// The category code of each row, by merchant, newest first.
fn categories(page: &TransactionPage) -> Vec<(String, String)> {
    page.rows
        .iter()
        .map(|row| (row.merchant.clone(), row.category.code.clone()))
        .collect()
}

async fn a_rule_files_a_merchants_past_and_future_transactions_and_undo_puts_it_back(db: TestDb) {
    let Setup {
        app, gmail, _db, ..
    } = setup(db, 0).await;
    let mailbox = signed_up_with_a_mailbox(&app, &gmail).await;
    gmail.add(&mailbox.email, fixture("bac_purchase_crc.eml"), now_ms());
    gmail.add(&mailbox.email, fixture("bcr_card_three_rows.eml"), now_ms());
    sync(&app, mailbox.id).await;

    let before = list(&app, &[]).await;
    let grocer = before
        .rows
        .iter()
        .find(|row| row.merchant.starts_with("AUTO MERCADO LOS YOSES"))
        .expect("the BAC purchase");
    // The built-in table knows the supermarket chain.
    assert_eq!(grocer.category.code, "supermarkets");
    let others = |page: &TransactionPage| {
        categories(page)
            .into_iter()
            .filter(|(merchant, _)| !merchant.starts_with("AUTO MERCADO LOS YOSES"))
            .collect::<Vec<_>>()
    };

    // "All from this merchant?" Yes: a rule.
    let id = grocer.id.to_string();
    let filed = file_under(
        &app,
        id.as_str(),
        "health",
        "merchant",
        "period=all&q=auto&page=1",
    )
    .await;
    assert!(
        filed.status().is_success() || filed.status().is_redirection(),
        "{}",
        filed.status()
    );
    let after = list(&app, &[]).await;
    assert_eq!(others(&after), others(&before), "other merchants unchanged");
    assert!(
        after
            .rows
            .iter()
            .filter(|row| row.merchant.starts_with("AUTO MERCADO LOS YOSES"))
            .all(|row| row.category.code == "health")
    );

    // A later alert from the same merchant is filed by the rule as it arrives.
    gmail.add(
        &mailbox.email,
        &nth_copy("bac_purchase_crc.eml", 1),
        now_ms(),
    );
    sync(&app, mailbox.id).await;
    let health = list(&app, &[("query[category]", "health")]).await;
    assert_eq!(health.total_rows, 2, "{:?}", categories(&health));
    assert!(health.rows.iter().all(|r| r.category.code == "health"));

    // The search ignores case and accents, and the CSV names each row's category.
    let searched = list(&app, &[("query[search]", "áuto mércado")]).await;
    assert_eq!(searched.total_rows, 2);
    let csv = app
        .get("/transactions.csv?period=all&category=health")
        .await;
    let text = csv.text().await.unwrap();
    let mut records = csv::Reader::from_reader(text.as_bytes());
    let headers = records.headers().unwrap().clone();
    let category = headers.iter().position(|h| h == "category").unwrap();
    let rows: Vec<_> = records.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), 2);
    assert!(rows.iter().all(|r| &r[category] == "health"));

    // One transaction alone: it keeps its own category whatever the rule says.
    let newest = health.rows[0].id.to_string();
    file_under(&app, newest.as_str(), "entertainment", "one", "period=all").await;
    assert_eq!(
        list(&app, &[("query[category]", "health")])
            .await
            .total_rows,
        1
    );

    // Undo the rule: the merchant's rows go back to the table's category; the one filed on its
    // own keeps its own.
    let undone = app
        .call(
            "undo_filing",
            &[
                ("id", id.as_str()),
                ("scope", "merchant"),
                ("was_rule", ""),
                ("was_own", ""),
                ("back", "period=all"),
            ],
        )
        .await;
    assert!(undone.status().is_success() || undone.status().is_redirection());
    let restored = list(&app, &[("query[search]", "AUTO MERCADO")]).await;
    let mut codes: Vec<String> = restored
        .rows
        .iter()
        .map(|row| row.category.code.clone())
        .collect();
    codes.sort();
    assert_eq!(codes, ["entertainment", "supermarkets"]);

    // A category that does not exist is a clear error, and changes nothing.
    let refused = file_under(&app, id.as_str(), "yachts", "merchant", "").await;
    assert_eq!(refused.status(), 400);
    assert_eq!(
        categories(&list(&app, &[("query[search]", "AUTO MERCADO")]).await),
        categories(&restored)
    );
}

async fn charts_add_up_to_the_totals_and_a_stranger_changes_nothing(db: TestDb) {
    let Setup {
        app, gmail, _db, ..
    } = setup(db, 0).await;
    let mailbox = signed_up_with_a_mailbox(&app, &gmail).await;
    for name in ["bac_purchase_crc.eml", "bcr_card_three_rows.eml"] {
        gmail.add(&mailbox.email, fixture(name), now_ms());
    }
    sync(&app, mailbox.id).await;

    let page = list(&app, &[]).await;
    let charts = page.charts.expect("something was spent");
    // All time: one bar a month, no previous period to compare with.
    assert_eq!(charts.step, "month");
    assert_eq!(charts.series.len(), page.totals.len());
    for (series, total) in charts.series.iter().zip(&page.totals) {
        assert_eq!(series.currency, total.currency);
        assert_eq!(series.total, total.amount);
        assert!(series.previous_total.is_none());
        assert!(series.bars.iter().all(|bar| bar.href.contains("from=")));
    }
    for (spending, series) in charts.categories.iter().zip(&charts.series) {
        let by_category: i64 = spending.bars.iter().map(|bar| bar.value).sum();
        let by_month: i64 = series.bars.iter().map(|bar| bar.value).sum();
        assert_eq!(by_category, by_month, "{}", spending.currency);
    }

    // Another user cannot see or change these rows.
    let id = page.rows[0].id.to_string();
    app.sign_up("stranger@example.com", "correct horse").await;
    let refused = file_under(&app, id.as_str(), "cash", "one", "").await;
    assert_eq!(refused.status(), 404);
    assert_eq!(list(&app, &[]).await.total_rows, 0);
    assert_eq!(
        app.call("transaction_filing", &[("id", id.as_str())])
            .await
            .status(),
        404
    );
}

async fn rows_stored_before_categories_are_filed_at_start(db: TestDb) {
    use sea_orm::sea_query::Expr;
    let Setup {
        app, gmail, _db, ..
    } = setup(db, 0).await;
    let mailbox = signed_up_with_a_mailbox(&app, &gmail).await;
    gmail.add(&mailbox.email, fixture("bac_purchase_crc.eml"), now_ms());
    sync(&app, mailbox.id).await;
    // As the rows of a version without categories were.
    transactions::Entity::update_many()
        .col_expr(
            transactions::Column::Category,
            Expr::value(Option::<String>::None),
        )
        .col_expr(
            transactions::Column::MerchantKey,
            Expr::value(Option::<String>::None),
        )
        .exec(&app.db)
        .await
        .unwrap();
    assert_eq!(app.syncs.file_unfiled().await.unwrap(), 1);
    let row = transactions::Entity::find()
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.category.as_deref(), Some("supermarkets"));
    assert_eq!(row.merchant_key.as_deref(), Some("AUTO MERCADO LOS YOSES"));
    assert_eq!(app.syncs.file_unfiled().await.unwrap(), 0, "once only");
    assert_eq!(
        list(&app, &[("query[search]", "los yoses")])
            .await
            .total_rows,
        1
    );
}

/// The page's count, spending and categories per currency, as it shows them.
fn sums(page: &TransactionPage) -> (u64, Vec<String>, Vec<Vec<String>>) {
    let totals = page.totals.iter().map(|t| t.amount.clone()).collect();
    let categories = page
        .charts
        .iter()
        .flat_map(|charts| &charts.categories)
        .map(|spending| {
            let bars = spending.bars.iter();
            bars.map(|bar| format!("{} {}", bar.category.code, bar.amount))
                .collect()
        })
        .collect();
    (page.total_rows, totals, categories)
}

async fn the_sums_are_kept_until_a_sync_or_a_filing_changes_them(db: TestDb) {
    let Setup {
        app, gmail, _db, ..
    } = setup(db, 0).await;
    let mailbox = signed_up_with_a_mailbox(&app, &gmail).await;
    gmail.add(&mailbox.email, fixture("bac_purchase_crc.eml"), now_ms());
    sync(&app, mailbox.id).await;
    let first = list(&app, &[]).await;
    assert_eq!(first.total_rows, 1);

    // A row changed behind the app's back (no change of version): the page keeps its sums.
    transactions::Entity::update_many()
        .col_expr(
            transactions::Column::AmountMinor,
            sea_orm::sea_query::Expr::value(1_i64),
        )
        .exec(&app.db)
        .await
        .unwrap();
    assert_eq!(sums(&list(&app, &[]).await), sums(&first), "kept");

    // A sync that stores new rows: counted and added up again.
    gmail.add(&mailbox.email, fixture("bcr_card_three_rows.eml"), now_ms());
    sync(&app, mailbox.id).await;
    let synced = list(&app, &[]).await;
    assert_eq!(synced.total_rows, 4);
    assert_ne!(sums(&synced).1, sums(&first).1);

    // A rule for a merchant, and its undo: the categories follow each.
    let grocer = synced
        .rows
        .iter()
        .find(|row| row.merchant.starts_with("AUTO MERCADO LOS YOSES"))
        .unwrap();
    let id = grocer.id.to_string();
    file_under(&app, id.as_str(), "health", "merchant", "").await;
    let filed = list(&app, &[]).await;
    let health = |page: &TransactionPage| {
        sums(page)
            .2
            .concat()
            .iter()
            .any(|bar| bar.starts_with("health "))
    };
    assert!(health(&filed), "{:?}", sums(&filed));
    let undo = [
        ("id", id.as_str()),
        ("scope", "merchant"),
        ("was_rule", ""),
        ("was_own", ""),
        ("back", ""),
    ];
    let undone = app.call("undo_filing", &undo).await;
    assert!(!undone.status().is_server_error(), "{}", undone.status());
    assert!(!health(&list(&app, &[]).await));
}
