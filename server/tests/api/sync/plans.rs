//! The Transactions page's statements, as each database plans them over thousands of rows of
//! two users: every one reads the user's rows through an index, never the whole table, and
//! finds a merchant's rule through its index too.

use sea_orm::{ConnectionTrait, DatabaseBackend, Statement, TransactionTrait};
use server::categories::Category;
use server::sync::transactions::Filter;

use super::*;

on_both_databases! {
    the_page_reads_through_indexes,
}

/// `count` transactions of `account`'s, one an hour back from `now`, at four merchants.
fn insert(account: i32, count: u32, now: i64) -> String {
    format!(
        "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < {last})
         INSERT INTO transactions (user_id, account_id, mailbox, message_id, idx, bank, kind,
           amount_minor, currency, merchant, occurred_at, created_at, merchant_key, category)
         SELECT a.user_id, a.id, a.email_address, 'plan-' || n.i, 0, 'bac_credomatic',
           CASE WHEN n.i % 9 = 0 THEN 'refund' ELSE 'purchase' END, 1000 + n.i,
           CASE WHEN n.i % 5 = 0 THEN 'USD' ELSE 'CRC' END,
           CASE n.i % 4 WHEN 0 THEN 'AUTO MERCADO' WHEN 1 THEN 'SODA LA ESQUINA'
             WHEN 2 THEN 'UBER TRIP' ELSE 'FERRETERIA EL MARTILLO' END,
           {now} - n.i * 3600, {now},
           CASE n.i % 4 WHEN 0 THEN 'AUTO MERCADO' WHEN 1 THEN 'SODA LA ESQUINA'
             WHEN 2 THEN 'UBER TRIP' ELSE 'FERRETERIA EL MARTILLO' END,
           CASE n.i % 4 WHEN 0 THEN 'supermarkets' WHEN 1 THEN 'dining'
             WHEN 2 THEN 'transport' ELSE 'other' END
         FROM n, email_accounts a WHERE a.id = {account}",
        last = count - 1,
    )
}

/// The database's plan of `statement`, one line a step.
async fn plan(db: &impl ConnectionTrait, statement: Statement) -> String {
    let backend = db.get_database_backend();
    let (explain, column) = match backend {
        DatabaseBackend::Sqlite => ("EXPLAIN QUERY PLAN", "detail"),
        _ => ("EXPLAIN", "QUERY PLAN"),
    };
    let sql = format!("{explain} {}", statement.sql);
    let values = statement.values.map(|v| v.0).unwrap_or_default();
    let rows = db
        .query_all_raw(Statement::from_sql_and_values(backend, sql, values))
        .await
        .unwrap();
    rows.iter()
        .map(|row| row.try_get::<String>("", column).unwrap())
        .collect::<Vec<_>>()
        .join("\n")
}

async fn the_page_reads_through_indexes(db: TestDb) {
    let Setup { app, _db, .. } = setup(db, 0).await;
    let now = server::clock::now();
    let mut users = Vec::new();
    for email in ["ana@example.com", "bea@example.com"] {
        let user_id = app.signed_up(email).await;
        let account = seed::accounts(&app.config, &app.db, user_id, 1, 3600)
            .await
            .remove(0);
        app.db
            .execute_unprepared(&insert(account.id, 3000, now))
            .await
            .unwrap();
        users.push(user_id);
    }
    let backend = app.db.get_database_backend();
    let txn = app.db.begin().await.unwrap();
    match backend {
        DatabaseBackend::Sqlite => {
            txn.execute_unprepared("ANALYZE").await.unwrap();
        }
        _ => {
            txn.execute_unprepared("ANALYZE transactions")
                .await
                .unwrap();
            // A plan that can only scan the table still does so; one that can use an index
            // now must.
            txn.execute_unprepared("SET LOCAL enable_seqscan = off")
                .await
                .unwrap();
        }
    }
    let month = Filter {
        user_id: users[0],
        since: Some(now - 30 * 24 * 3600),
        until: Some(now + 1),
        ..Filter::default()
    };
    let narrowed = Filter {
        search: Some("MERCADO".into()),
        category: Some(Category::Supermarkets),
        kind: Some("purchase".into()),
        ..month.clone()
    };
    let all_time = Filter {
        user_id: users[0],
        ..Filter::default()
    };
    for filter in [month, narrowed, all_time] {
        for statement in filter.page_statements(backend) {
            let sql = statement.sql.clone();
            let plan = plan(&txn, statement).await;
            assert!(
                plan.contains("transactions_user_"),
                "no index on the user's rows:\n{plan}\n{sql}"
            );
            for full_scan in ["SCAN transactions", "Seq Scan on transactions"] {
                assert!(!plan.contains(full_scan), "a full scan:\n{plan}\n{sql}");
            }
            for scan in ["SCAN category_rules", "Seq Scan on category_rules"] {
                assert!(!plan.contains(scan), "rules scanned:\n{plan}\n{sql}");
            }
        }
    }
    txn.rollback().await.unwrap();
}
